//! Documentation generated from the rule files, never written twice: the rules reference
//! (`docs/rules.md`, printed by `lenslint rules --format markdown`) and the lens coverage
//! table (per lens and pillar, how many best practices lenslint checks), which the README
//! embeds. `tests/docs.rs` fails when either is stale.
//!
//! The lens best practices themselves come from `src/lens_practices.tsv`, extracted from the
//! product's rule catalog.

use crate::rules::{Rule, RuleSet};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One best practice of a lens.
#[derive(Debug, Clone, PartialEq)]
pub struct Practice {
    pub id: &'static str,
    pub legacy: &'static str,
    pub summary: &'static str,
}

/// Every best practice of the three lenses, in catalog order.
pub fn practices() -> Vec<Practice> {
    include_str!("lens_practices.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("id\t"))
        .filter_map(|l| {
            let mut cols = l.splitn(3, '\t');
            Some(Practice {
                id: cols.next()?,
                legacy: cols.next()?,
                summary: cols.next()?,
            })
        })
        .collect()
}

/// The lens and pillar (or Responsible AI focus area) of a practice id.
pub fn lens_and_pillar(id: &str) -> (&'static str, &'static str) {
    let prefix: String = id.chars().take_while(|c| c.is_ascii_uppercase()).collect();
    let lens = if prefix.starts_with("RAI") {
        "Responsible AI"
    } else if prefix.starts_with("GEN") {
        "Generative AI"
    } else {
        "Machine Learning"
    };
    let area = match prefix.trim_start_matches("ML").trim_start_matches("GEN") {
        "OPS" => "Operational excellence",
        "SEC" => "Security",
        "REL" => "Reliability",
        "PERF" => "Performance efficiency",
        "COST" => "Cost optimization",
        "SUS" => "Sustainability",
        "RAIUC" => "Use case definition",
        "RAIBR" => "Benefits and risks",
        "RAIRC" => "Release criteria",
        "RAIDP" => "Datasets",
        "RAISP" => "System design",
        "RAIER" => "Evaluation and release",
        "RAIGT" => "Guidance and transparency",
        "RAIMON" => "Monitoring",
        _ => "Other",
    };
    (lens, area)
}

fn formats(rule: &Rule) -> &'static str {
    match (rule.cloudformation.is_some(), rule.terraform.is_some()) {
        (true, true) => "CloudFormation, Terraform",
        (true, false) => "CloudFormation",
        (false, true) => "Terraform",
        (false, false) => "—",
    }
}

/// Practice id → the rules that check it.
fn checked(rules: &RuleSet) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &rules.rules {
        if r.cloudformation.is_none() && r.terraform.is_none() {
            continue;
        }
        for l in &r.doc.lenses {
            out.entry(l.practice.clone())
                .or_default()
                .insert(r.doc.id.clone());
        }
    }
    out
}

/// The coverage table: per lens and pillar, practices checked out of all.
pub fn coverage_markdown(rules: &RuleSet) -> String {
    let checked = checked(rules);
    let mut rows: BTreeMap<(&str, &str), (usize, usize, BTreeSet<String>)> = BTreeMap::new();
    let order = |lens: &str| match lens {
        "Machine Learning" => 0,
        "Generative AI" => 1,
        _ => 2,
    };
    for p in practices() {
        let key = lens_and_pillar(p.id);
        let row = rows.entry(key).or_default();
        row.1 += 1;
        if let Some(rs) = checked.get(p.id) {
            row.0 += 1;
            row.2.extend(rs.iter().cloned());
        }
    }
    let mut keys: Vec<(&str, &str)> = rows.keys().copied().collect();
    keys.sort_by_key(|(lens, area)| (order(lens), *area));
    let mut out = String::from(
        "| Lens | Pillar / focus area | Practices checked | Rules |\n| --- | --- | --: | --- |\n",
    );
    let mut totals: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for k in keys {
        let (n, total, rs) = &rows[&k];
        let t = totals.entry(k.0).or_default();
        t.0 += n;
        t.1 += total;
        let rs: Vec<&str> = rs.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {n} of {total} | {} |",
            k.0,
            k.1,
            rs.join(", ")
        );
    }
    for lens in ["Machine Learning", "Generative AI", "Responsible AI"] {
        if let Some((n, total)) = totals.get(lens) {
            let _ = writeln!(out, "| **{lens}** | **all** | **{n} of {total}** | |");
        }
    }
    out
}

fn lens_url(practice: &str) -> String {
    let (lens, _) = lens_and_pillar(practice);
    let slug = match lens {
        "Responsible AI" => "responsible-ai-lens",
        "Generative AI" => "generative-ai-lens",
        _ => "machine-learning-lens",
    };
    format!(
        "https://docs.aws.amazon.com/wellarchitected/latest/{slug}/{}.html",
        practice.to_lowercase()
    )
}

fn fence(lang: &str, body: &str) -> String {
    format!("```{lang}\n{}\n```\n", body.trim_end())
}

/// `docs/rules.md`: the coverage table, an index, and every rule's documentation.
pub fn rules_markdown(rules: &RuleSet) -> String {
    let mut out = String::from(
        "# lenslint rules\n\n<!-- Generated by `lenslint rules --format markdown`; edit the rule files in rules/, not this file. -->\n\n",
    );
    out.push_str("## Lens coverage\n\n");
    out.push_str(&coverage_markdown(rules));
    out.push_str("\n## Index\n\n| Rule | Title | Severity | Pillar | Formats |\n| --- | --- | --- | --- | --- |\n");
    for r in &rules.rules {
        let d = &r.doc;
        let anchor = d.id.to_lowercase();
        let _ = writeln!(
            out,
            "| [{}](#{anchor}) | {} | {} | {} | {} |",
            d.id,
            d.title,
            d.severity.as_str(),
            d.pillar,
            formats(r)
        );
    }
    for r in &rules.rules {
        let d = &r.doc;
        let _ = write!(
            out,
            "\n## {}\n\n**{}**\n\nSeverity: {} · Pillar: {} · Formats: {}\n\n",
            d.id,
            d.title,
            d.severity.as_str(),
            d.pillar,
            formats(r)
        );
        if !d.lenses.is_empty() {
            out.push_str("Lens practices:\n");
            for (lens, practice, pillar) in r.lenses() {
                let _ = writeln!(
                    out,
                    "- [{practice}]({}) ({lens}, {pillar})",
                    lens_url(practice)
                );
            }
            out.push('\n');
        }
        let mut types = Vec::new();
        if let Some(s) = &d.cloudformation {
            types.push(format!("CloudFormation: `{}`", s.types.join("`, `")));
        }
        if let Some(s) = &d.terraform {
            types.push(format!("Terraform: `{}`", s.types.join("`, `")));
        }
        if !types.is_empty() {
            let _ = writeln!(out, "Resources: {}\n", types.join("; "));
        }
        let _ = write!(
            out,
            "### Why it matters\n\n{}\n\n### How to fix\n\n{}\n\n",
            d.why.trim(),
            d.fix.trim()
        );
        for (format, ex) in &d.examples {
            let lang = if format == "terraform" { "hcl" } else { "yaml" };
            if !ex.fail.trim().is_empty() {
                let _ = write!(out, "Failing ({format}):\n\n{}\n", fence(lang, &ex.fail));
            }
            if !ex.pass.trim().is_empty() {
                let _ = write!(out, "Passing ({format}):\n\n{}\n", fence(lang, &ex.pass));
            }
        }
        if !d.equivalents.is_empty() {
            out.push_str("Equivalent checks in other tools: ");
            let eq: Vec<String> = d
                .equivalents
                .iter()
                .map(|(t, ids)| format!("{t} {}", ids.join(", ")))
                .collect();
            let _ = writeln!(out, "{}.\n", eq.join("; "));
        }
        if !d.docs.is_empty() {
            out.push_str("References:\n");
            for u in &d.docs {
                let _ = writeln!(out, "- <{u}>");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practices_cover_the_three_lenses() {
        let all = practices();
        let count = |lens: &str| {
            all.iter()
                .filter(|p| lens_and_pillar(p.id).0 == lens)
                .count()
        };
        assert_eq!(count("Machine Learning"), 105);
        assert!(count("Generative AI") >= 50);
        assert!(count("Responsible AI") >= 100);
        assert_eq!(
            lens_and_pillar("MLSEC03-BP02"),
            ("Machine Learning", "Security")
        );
        assert_eq!(
            lens_and_pillar("GENSEC04-BP02"),
            ("Generative AI", "Security")
        );
        assert_eq!(
            lens_and_pillar("RAISP03-BP02"),
            ("Responsible AI", "System design")
        );
    }
}
