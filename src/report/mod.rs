//! Reporters: one `Finding` type feeds every format; reporters never re-derive facts.
//!
//! `human` (terminal snippets), `json` (the contract), `sarif` (GitHub code scanning),
//! `junit` (CI test reports), `github` (workflow-command annotations) and `lens` (the
//! Well-Architected scorecard, also shown by `human --lens-summary`); `progress` is the
//! terminal progress line on stderr.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod lens;
pub mod progress;
pub mod sarif;

use crate::rules::{RuleSet, Severity};
use crate::scan::ScanResult;
use std::collections::BTreeMap;

/// The output formats of `lenslint scan --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Snippets with the offending value underlined (the default).
    Human,
    /// The JSON contract (version 1).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: a test suite per file, a test case per rule and resource.
    Junit,
    /// GitHub Actions workflow commands (annotations without SARIF).
    Github,
    /// The Well-Architected lens scorecard, as Markdown.
    Lens,
}

impl OutputFormat {
    /// The format a report file's name suggests (`out.sarif`, `report.xml`, `summary.md`).
    pub fn from_extension(path: &std::path::Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "sarif" => OutputFormat::Sarif,
            "json" => OutputFormat::Json,
            "xml" => OutputFormat::Junit,
            "md" | "markdown" => OutputFormat::Lens,
            "txt" | "log" => OutputFormat::Human,
            _ => return None,
        })
    }
}

/// Pairs `--format` and `--output` values in the order given: the n-th format goes to the
/// n-th output; formats left without an output go to standard output (at most one may); an
/// output left without a format takes the format its extension names (`.sarif`, `.json`,
/// `.xml`, `.md`), or `human` when no format was given at all. No formats and no outputs is
/// the human report on standard output.
pub fn plan_outputs(
    formats: &[OutputFormat],
    outputs: &[std::path::PathBuf],
) -> Result<Vec<(OutputFormat, Option<std::path::PathBuf>)>, String> {
    let mut plan = Vec::new();
    for (i, f) in formats.iter().enumerate() {
        plan.push((*f, outputs.get(i).cloned()));
    }
    for o in outputs.iter().skip(formats.len()) {
        let f = match OutputFormat::from_extension(o) {
            Some(f) => f,
            None if formats.is_empty() && outputs.len() == 1 => OutputFormat::Human,
            None => {
                return Err(format!(
                "--output {} has no --format (give one, or use a .sarif, .json, .xml or .md name)",
                o.display()
            ))
            }
        };
        plan.push((f, Some(o.clone())));
    }
    if plan.is_empty() {
        plan.push((OutputFormat::Human, None));
    }
    if plan.iter().filter(|(_, o)| o.is_none()).count() > 1 {
        return Err(
            "only one --format can go to standard output; give the others an --output FILE (paired in order)"
                .into(),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for (_, o) in &plan {
        if let Some(p) = o {
            if !seen.insert(p.clone()) {
                return Err(format!("--output {} is given twice", p.display()));
            }
        }
    }
    Ok(plan)
}

/// Everything a reporter may read. Reporters never re-derive facts from templates.
pub struct RenderContext<'a> {
    pub result: &'a ScanResult,
    pub rules: &'a RuleSet,
    pub summary: &'a Summary,
    pub style: human::Style,
    pub elapsed: std::time::Duration,
    pub show_unknown: bool,
    /// Append the lens scorecard to the human report.
    pub lens_summary: bool,
    /// `file://` URI of the directory relative paths are relative to (SARIF's `%SRCROOT%`).
    pub src_root: Option<String>,
    /// List the findings suppressions and the baseline silenced (human and JSON; SARIF
    /// always carries them, marked with `suppressions`).
    pub show_suppressed: bool,
}

/// Writes the report in one format to `out` (JSON is serialized straight to it).
pub fn write(
    format: OutputFormat,
    cx: &RenderContext,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => json::write(
            out,
            cx.result,
            cx.summary,
            cx.show_unknown,
            cx.show_suppressed,
        ),
        _ => out.write_all(render(format, cx).as_bytes()),
    }
}

/// Renders the report in one format.
pub fn render(format: OutputFormat, cx: &RenderContext) -> String {
    match format {
        OutputFormat::Json => {
            let mut buf = Vec::new();
            // Writing to memory cannot fail; serializing a finding cannot either.
            let _ = write(format, cx, &mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        }
        OutputFormat::Sarif => sarif::render(cx.result, cx.rules, cx.src_root.as_deref()),
        OutputFormat::Junit => junit::render(cx.result, cx.rules),
        OutputFormat::Github => github::render(cx.result, cx.summary),
        OutputFormat::Lens => {
            lens::markdown(&lens::LensView::build(cx.result, cx.rules), cx.summary)
        }
        OutputFormat::Human => {
            let mut s = human::body(cx.result, cx.rules, cx.style);
            if cx.show_unknown && !cx.result.unknowns.is_empty() {
                s.push_str("\nUndecided (a value the template does not decide):\n");
                for u in &cx.result.unknowns {
                    s.push_str(&format!(
                        "  {}:{}: {} {}: {}\n",
                        u.file, u.line, u.rule_id, u.resource, u.reason
                    ));
                }
            }
            if cx.show_suppressed && !cx.result.suppressed.is_empty() {
                s.push_str(&suppressed_list(cx.result));
            }
            if cx.lens_summary {
                if !s.is_empty() && !s.ends_with("\n\n") {
                    s.push('\n');
                }
                s.push_str(&lens::text(
                    &lens::LensView::build(cx.result, cx.rules),
                    cx.style,
                ));
                s.push('\n');
            }
            s.push_str(&human::summary_line(cx.summary, cx.elapsed));
            s
        }
    }
}

/// `--show-suppressed` in the human report: one line per silenced finding, with why.
pub fn suppressed_list(result: &ScanResult) -> String {
    let mut s = String::from("\nSuppressed:\n");
    for x in &result.suppressed {
        let f = &x.finding;
        let how = match x.suppression.kind {
            crate::suppress::Origin::Baseline => format!("baseline {}", x.suppression.file),
            kind => {
                let what = if kind == crate::suppress::Origin::Comment {
                    "comment"
                } else {
                    "Metadata"
                };
                format!(
                    "{what} at {}:{}: {}",
                    x.suppression.file,
                    x.suppression.line,
                    if x.suppression.reason.is_empty() {
                        "(no reason)"
                    } else {
                        &x.suppression.reason
                    }
                )
            }
        };
        s.push_str(&format!(
            "  {}:{}:{}: {} [{}] {} ({}) - {how}\n",
            f.file,
            f.line,
            f.column,
            f.rule_id(),
            f.severity.as_str(),
            f.title(),
            f.resource()
        ));
    }
    s
}

/// Counts shown in every format's summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub files_scanned: usize,
    pub resources: usize,
    pub findings: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub errors: usize,
    pub suppressed: usize,
    /// Findings the baseline silenced.
    pub baselined: usize,
    pub unknown: usize,
}

impl Summary {
    pub fn of(result: &ScanResult, suppressed: usize) -> Summary {
        let mut by_severity = BTreeMap::new();
        for s in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ] {
            by_severity.insert(s.as_str(), 0);
        }
        for f in &result.findings {
            *by_severity.entry(f.severity.as_str()).or_insert(0) += 1;
        }
        Summary {
            files_scanned: result.files_scanned,
            resources: result.resources,
            findings: result.findings.len(),
            by_severity,
            errors: result.errors.len(),
            suppressed,
            baselined: 0,
            unknown: result.unknowns.len(),
        }
    }
}

/// `lenslint rules`: one line per rule.
pub fn rules_table(rules: &crate::rules::RuleSet) -> String {
    let mut out = format!(
        "{:<7} {:<8} {:<22} {:<5} {}\n",
        "ID", "SEVERITY", "PILLAR", "FMT", "TITLE"
    );
    for r in &rules.rules {
        let fmt = match (r.cloudformation.is_some(), r.terraform.is_some()) {
            (true, true) => "cf,tf",
            (true, false) => "cf",
            (false, true) => "tf",
            (false, false) => "-",
        };
        out.push_str(&format!(
            "{:<7} {:<8} {:<22} {:<5} {}\n",
            r.doc.id,
            r.doc.severity.as_str(),
            r.doc.pillar,
            fmt,
            r.doc.title
        ));
    }
    out.push_str(&format!("{} rules\n", rules.rules.len()));
    out
}

/// The rules that name `peer_id` (a checkov, cdk-nag, KICS or Guard id) among their
/// equivalents, for `lenslint explain CKV_AWS_122` when migrating from another tool.
pub fn rules_for_peer_id<'a>(rules: &'a RuleSet, peer_id: &str) -> Vec<&'a crate::rules::Rule> {
    rules
        .rules
        .iter()
        .filter(|r| {
            r.doc
                .equivalents
                .values()
                .flatten()
                .any(|x| x.eq_ignore_ascii_case(peer_id))
        })
        .collect()
}

/// `lenslint explain ID`: the rule's documentation, generated from its file.
pub fn explain(r: &crate::rules::Rule) -> String {
    let d = &r.doc;
    let mut out = format!(
        "{}: {}\n\nSeverity: {}    Pillar: {}\n",
        d.id,
        d.title,
        d.severity.as_str(),
        d.pillar
    );
    out.push_str(if r.doc.lenses.is_empty() {
        "Lens practices: none\n"
    } else {
        "Lens practices:\n"
    });
    for (lens, practice, pillar) in r.lenses() {
        out.push_str(&format!("  - {practice} ({lens}, {pillar})\n"));
    }
    let mut checks = Vec::new();
    if let Some(s) = &d.cloudformation {
        checks.push(format!("  CloudFormation: {}", s.types.join(", ")));
    }
    if let Some(s) = &d.terraform {
        checks.push(format!("  Terraform: {}", s.types.join(", ")));
    }
    if checks.is_empty() {
        out.push_str("Resources: none (a finding about lenslint's own suppressions)\n");
    } else {
        out.push_str(&format!("Resources:\n{}\n", checks.join("\n")));
    }
    out.push_str(&format!("\nWhy it matters:\n{}\n", indent(&d.why)));
    out.push_str(&format!("\nHow to fix:\n{}\n", indent(&d.fix)));
    for (format, ex) in &d.examples {
        if !ex.fail.trim().is_empty() {
            out.push_str(&format!(
                "\nFailing example ({format}):\n{}\n",
                indent(&ex.fail)
            ));
        }
        if !ex.pass.trim().is_empty() {
            out.push_str(&format!(
                "\nPassing example ({format}):\n{}\n",
                indent(&ex.pass)
            ));
        }
    }
    if !d.equivalents.is_empty() {
        out.push_str("\nEquivalent checks in other tools:\n");
        for (tool, ids) in &d.equivalents {
            out.push_str(&format!("  {tool}: {}\n", ids.join(", ")));
        }
    }
    if !d.docs.is_empty() {
        out.push_str("\nReferences:\n");
        for u in &d.docs {
            out.push_str(&format!("  {u}\n"));
        }
    }
    out
}

fn indent(s: &str) -> String {
    s.trim_end()
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn outputs_pair_in_order() {
        use OutputFormat::*;
        assert_eq!(plan_outputs(&[], &[]), Ok(vec![(Human, None)]));
        assert_eq!(
            plan_outputs(&[Sarif, Junit, Human], &[p("a.sarif"), p("b.xml")]),
            Ok(vec![
                (Sarif, Some(p("a.sarif"))),
                (Junit, Some(p("b.xml"))),
                (Human, None)
            ])
        );
        assert_eq!(
            plan_outputs(&[], &[p("report")]),
            Ok(vec![(Human, Some(p("report")))])
        );
        assert_eq!(
            plan_outputs(&[Json], &[p("a.json"), p("b.sarif"), p("c.md")]),
            Ok(vec![
                (Json, Some(p("a.json"))),
                (Sarif, Some(p("b.sarif"))),
                (Lens, Some(p("c.md")))
            ])
        );
        assert!(plan_outputs(&[Json, Sarif], &[]).is_err());
        assert!(plan_outputs(&[Json], &[p("a.json"), p("b")]).is_err());
        assert!(plan_outputs(&[Json, Sarif], &[p("a"), p("a")]).is_err());
    }
}
