//! The Well-Architected view of a scan: per lens and pillar, each best practice that a rule
//! checked, how many resources pass, fail or are unknown for it, and the findings behind each
//! failed practice. `--format lens` renders it as Markdown (for a pull-request comment or a
//! job summary); `--format human --lens-summary` renders it as a terminal section.
//!
//! The counts come from the scan's per-(rule, resource) evaluations: a resource fails a
//! practice when one of the practice's rules fails on it, is unknown when none fails and one
//! could not decide, and passes when all pass. A failing evaluation whose findings are no
//! longer in the report (suppressed) is counted as suppressed, not as a failure.

use super::human::Style;
use super::Summary;
use crate::engine::Verdict;
use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::scan::ScanResult;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A resource's standing for one practice (worst first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    Fail,
    Unknown,
    Suppressed,
    Pass,
}

/// One best practice as the scan saw it.
#[derive(Debug)]
pub struct PracticeRow<'a> {
    pub practice: String,
    pub pillar: String,
    /// Rule ids that check it and were evaluated.
    pub rules: Vec<String>,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub suppressed: usize,
    /// The findings behind a failure, in report order.
    pub findings: Vec<&'a Finding>,
    /// The practice's page, when a rule's references list it.
    pub url: Option<String>,
}

impl PracticeRow<'_> {
    /// `fail`, `unknown`, `pass` or `suppressed`.
    pub fn status(&self) -> &'static str {
        if self.fail > 0 {
            "fail"
        } else if self.unknown > 0 {
            "unknown"
        } else if self.pass > 0 {
            "pass"
        } else {
            "suppressed"
        }
    }
}

#[derive(Debug)]
pub struct LensSection<'a> {
    /// `machine-learning`, `generative-ai`, `responsible-ai`, ...
    pub lens: String,
    /// Ordered by pillar (Well-Architected order), then practice id.
    pub practices: Vec<PracticeRow<'a>>,
}

#[derive(Debug)]
pub struct LensView<'a> {
    pub lenses: Vec<LensSection<'a>>,
}

fn lens_rank(lens: &str) -> usize {
    match lens {
        "machine-learning" => 0,
        "generative-ai" => 1,
        "responsible-ai" => 2,
        _ => 3,
    }
}

fn pillar_rank(pillar: &str) -> usize {
    [
        "operational-excellence",
        "security",
        "reliability",
        "performance-efficiency",
        "cost-optimization",
        "sustainability",
        "responsible-ai",
    ]
    .iter()
    .position(|p| *p == pillar)
    .unwrap_or(7)
}

/// `machine-learning` → `Machine Learning Lens`.
pub fn lens_title(lens: &str) -> String {
    match lens {
        "machine-learning" => "Machine Learning Lens".into(),
        "generative-ai" => "Generative AI Lens".into(),
        "responsible-ai" => "Responsible AI Lens".into(),
        other => format!("{} lens", words(other)),
    }
}

/// `operational-excellence` → `Operational Excellence`; `responsible-ai` → `Responsible AI`.
pub fn pillar_title(pillar: &str) -> String {
    match pillar {
        "responsible-ai" => "Responsible AI".into(),
        other => words(other),
    }
}

fn words(s: &str) -> String {
    s.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(c) => c.to_uppercase().collect::<String>() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Acc<'a> {
    rules: BTreeSet<String>,
    resources: BTreeMap<(String, String), Standing>,
    findings: Vec<&'a Finding>,
    url: Option<String>,
}

impl<'a> LensView<'a> {
    pub fn build(result: &'a ScanResult, rules: &RuleSet) -> LensView<'a> {
        let mut by_fp: HashMap<&str, Vec<&'a Finding>> = HashMap::new();
        for f in &result.findings {
            by_fp.entry(f.fingerprint.as_str()).or_default().push(f);
        }
        // (lens, pillar, practice) → accumulated counts.
        let mut rows: BTreeMap<(String, String, String), Acc<'a>> = BTreeMap::new();
        for e in &result.evaluations {
            let Some(rule) = rules.rules.iter().find(|r| r.doc.id == e.rule_id) else {
                continue;
            };
            let mut behind: Vec<&'a Finding> = Vec::new();
            for fp in &e.fingerprints {
                if let Some(fs) = by_fp.get(fp.as_str()) {
                    behind.extend(fs.iter().filter(|f| *f.rule_id() == *e.rule_id));
                }
            }
            let standing = match e.outcome {
                Verdict::Pass => Standing::Pass,
                Verdict::Unknown => Standing::Unknown,
                Verdict::Fail if behind.is_empty() => Standing::Suppressed,
                Verdict::Fail => Standing::Fail,
            };
            for (lens, practice, pillar) in rule.lenses() {
                let acc = rows
                    .entry((lens.to_string(), pillar.to_string(), practice.to_string()))
                    .or_default();
                acc.rules.insert(e.rule_id.clone());
                let slot = acc
                    .resources
                    .entry((e.file.clone(), e.resource.clone()))
                    .or_insert(standing);
                *slot = (*slot).min(standing);
                acc.findings.extend(behind.iter().copied());
                if acc.url.is_none() {
                    let page = format!("/{}.html", practice.to_ascii_lowercase());
                    acc.url = rule.doc.docs.iter().find(|u| u.ends_with(&page)).cloned();
                }
            }
        }
        let mut sections: BTreeMap<(usize, String), Vec<PracticeRow<'a>>> = BTreeMap::new();
        for ((lens, pillar, practice), acc) in rows {
            let mut findings = acc.findings;
            findings.sort_by(|a, b| {
                (&a.file, a.line, a.column, &a.rule_id(), &a.resource()).cmp(&(
                    &b.file,
                    b.line,
                    b.column,
                    &b.rule_id(),
                    &b.resource(),
                ))
            });
            findings.dedup_by(|a, b| std::ptr::eq(*a, *b));
            let count = |s: Standing| acc.resources.values().filter(|v| **v == s).count();
            sections
                .entry((lens_rank(&lens), lens))
                .or_default()
                .push(PracticeRow {
                    practice,
                    rules: acc.rules.into_iter().collect(),
                    pass: count(Standing::Pass),
                    fail: count(Standing::Fail),
                    unknown: count(Standing::Unknown),
                    suppressed: count(Standing::Suppressed),
                    findings,
                    url: acc.url,
                    pillar,
                });
        }
        let lenses = sections
            .into_iter()
            .map(|((_, lens), mut practices)| {
                practices.sort_by(|a, b| {
                    (pillar_rank(&a.pillar), &a.pillar, &a.practice).cmp(&(
                        pillar_rank(&b.pillar),
                        &b.pillar,
                        &b.practice,
                    ))
                });
                LensSection { lens, practices }
            })
            .collect();
        LensView { lenses }
    }

    fn practice_counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for p in self.lenses.iter().flat_map(|l| &l.practices) {
            match p.status() {
                "fail" => c.0 += 1,
                "unknown" => c.1 += 1,
                "pass" => c.2 += 1,
                _ => c.3 += 1,
            }
        }
        c
    }

    fn has_suppressed(&self) -> bool {
        self.lenses
            .iter()
            .flat_map(|l| &l.practices)
            .any(|p| p.suppressed > 0)
    }
}

/// Findings listed under one failed practice before "and N more".
const MAX_LISTED: usize = 20;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn severity_counts(summary: &Summary) -> String {
    let counts: Vec<String> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|k| {
            summary
                .by_severity
                .get(k)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {k}"))
        })
        .collect();
    if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn md_icon(status: &str) -> &'static str {
    match status {
        "fail" => "❌",
        "unknown" => "❔",
        "pass" => "✅",
        _ => "➖",
    }
}

/// The scorecard as Markdown.
pub fn markdown(view: &LensView, summary: &Summary) -> String {
    let mut out = String::from("## lenslint: Well-Architected lens scorecard\n\n");
    out.push_str(&format!(
        "Scanned {} ({}): {}{}",
        plural(summary.files_scanned, "file"),
        plural(summary.resources, "resource"),
        plural(summary.findings, "finding"),
        severity_counts(summary)
    ));
    if summary.errors > 0 {
        out.push_str(&format!(
            "; {} could not be read or parsed",
            plural(summary.errors, "file")
        ));
    }
    out.push_str(".\n\n");
    let (fail, unknown, pass, suppressed) = view.practice_counts();
    if fail + unknown + pass + suppressed == 0 {
        out.push_str("No rule applied to any resource, so no lens practice was checked.\n");
        return out;
    }
    out.push_str(&format!(
        "{} checked: {fail} failing, {pass} passing, {unknown} undecided",
        plural(fail + unknown + pass + suppressed, "practice"),
    ));
    if suppressed > 0 {
        out.push_str(&format!(", {suppressed} suppressed"));
    }
    out.push_str(
        ". Pass, Fail and Unknown count resources; Unknown means the template leaves open a \
         value the check needs.\n",
    );
    let show_suppressed = view.has_suppressed();
    for section in &view.lenses {
        out.push_str(&format!("\n### {}\n\n", lens_title(&section.lens)));
        out.push_str("| | Practice | Pillar | Rules | Pass | Fail | Unknown |");
        out.push_str(if show_suppressed {
            " Suppressed |\n"
        } else {
            "\n"
        });
        out.push_str("| :-: | --- | --- | --- | --: | --: | --: |");
        out.push_str(if show_suppressed { " --: |\n" } else { "\n" });
        for p in &section.practices {
            let practice = match &p.url {
                Some(u) => format!("[{}]({u})", p.practice),
                None => p.practice.clone(),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                md_icon(p.status()),
                practice,
                pillar_title(&p.pillar),
                md_cell(&p.rules.join(", ")),
                p.pass,
                if p.fail > 0 {
                    format!("**{}**", p.fail)
                } else {
                    "0".into()
                },
                p.unknown
            ));
            if show_suppressed {
                out.push_str(&format!(" {} |", p.suppressed));
            }
            out.push('\n');
        }
        let failed: Vec<&PracticeRow> = section
            .practices
            .iter()
            .filter(|p| p.status() == "fail")
            .collect();
        if failed.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n<details><summary>Findings behind the {} failed {}</summary>\n",
            failed.len(),
            if failed.len() == 1 {
                "practice"
            } else {
                "practices"
            }
        ));
        for p in failed {
            out.push_str(&format!(
                "\n**{} {}** ({}): {}\n\n",
                md_icon("fail"),
                p.practice,
                pillar_title(&p.pillar),
                plural(p.fail, "failing resource")
            ));
            for f in p.findings.iter().take(MAX_LISTED) {
                let mut line = format!(
                    "- `{}:{}:{}` **{}** ({}) `{}`",
                    f.file,
                    f.line,
                    f.column,
                    f.rule_id(),
                    f.severity.as_str(),
                    f.resource()
                );
                if let Some(c) = &f.cdk_path() {
                    line.push_str(&format!(" (CDK `{c}`)"));
                }
                line.push_str(&format!(": {}\n", md_cell(&f.message())));
                out.push_str(&line);
            }
            if p.findings.len() > MAX_LISTED {
                out.push_str(&format!("- … and {} more\n", p.findings.len() - MAX_LISTED));
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn paint(style: Style, code: &str, s: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// The scorecard as a terminal section (plain ASCII; colour when the style has it).
pub fn text(view: &LensView, style: Style) -> String {
    let mut out = paint(style, "1", "Well-Architected lens summary");
    out.push('\n');
    let (fail, unknown, pass, suppressed) = view.practice_counts();
    if fail + unknown + pass + suppressed == 0 {
        out.push_str("  no rule applied to any resource, so no lens practice was checked\n");
        return out;
    }
    out.push_str(&format!(
        "  {} checked: {fail} failing, {pass} passing, {unknown} undecided{}\n",
        plural(fail + unknown + pass + suppressed, "practice"),
        if suppressed > 0 {
            format!(", {suppressed} suppressed")
        } else {
            String::new()
        }
    ));
    let width = view
        .lenses
        .iter()
        .flat_map(|l| &l.practices)
        .map(|p| p.practice.len())
        .max()
        .unwrap_or(0);
    for section in &view.lenses {
        out.push_str(&format!(
            "\n  {}\n",
            paint(style, "1", &lens_title(&section.lens))
        ));
        for p in &section.practices {
            let status = p.status();
            let label = format!("{:<7}", status.to_ascii_uppercase());
            let label = match status {
                "fail" => paint(style, "31;1", &label),
                "unknown" => paint(style, "33", &label),
                "pass" => paint(style, "32", &label),
                _ => label,
            };
            let mut line = format!(
                "    {label} {:<width$}  {:<22}  pass {:>3}  fail {:>3}  unknown {:>3}",
                p.practice,
                pillar_title(&p.pillar),
                p.pass,
                p.fail,
                p.unknown,
            );
            if p.suppressed > 0 {
                line.push_str(&format!("  suppressed {}", p.suppressed));
            }
            line.push_str(&format!("  ({})\n", p.rules.join(", ")));
            out.push_str(&line);
            if status == "fail" {
                for f in p.findings.iter().take(MAX_LISTED) {
                    out.push_str(&format!(
                        "            {}:{}:{} {} {}\n",
                        f.file,
                        f.line,
                        f.column,
                        f.rule_id(),
                        f.resource()
                    ));
                }
                if p.findings.len() > MAX_LISTED {
                    out.push_str(&format!(
                        "            ... and {} more\n",
                        p.findings.len() - MAX_LISTED
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(lens_title("generative-ai"), "Generative AI Lens");
        assert_eq!(
            pillar_title("operational-excellence"),
            "Operational Excellence"
        );
        assert_eq!(pillar_title("responsible-ai"), "Responsible AI");
        assert!(pillar_rank("security") < pillar_rank("cost-optimization"));
    }

    #[test]
    fn worst_standing_wins() {
        assert_eq!(Standing::Pass.min(Standing::Fail), Standing::Fail);
        assert_eq!(Standing::Pass.min(Standing::Unknown), Standing::Unknown);
        assert_eq!(Standing::Unknown.min(Standing::Fail), Standing::Fail);
    }
}
