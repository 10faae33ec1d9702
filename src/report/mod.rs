//! Reporters: one `Finding` type feeds every format; reporters never re-derive facts.

pub mod human;
pub mod json;

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
}

/// Everything a reporter may read. Reporters never re-derive facts from templates.
pub struct RenderContext<'a> {
    pub result: &'a ScanResult,
    pub rules: &'a RuleSet,
    pub summary: &'a Summary,
    pub style: human::Style,
    pub elapsed: std::time::Duration,
    pub show_unknown: bool,
}

/// Renders the report in one format.
pub fn render(format: OutputFormat, cx: &RenderContext) -> String {
    match format {
        OutputFormat::Json => json::render(cx.result, cx.summary, cx.show_unknown),
        OutputFormat::Human => {
            let mut s = human::render(cx.result, cx.rules, cx.summary, cx.style, cx.elapsed);
            if cx.show_unknown && !cx.result.unknowns.is_empty() {
                s.push_str("\nUndecided (a value the template does not decide):\n");
                for u in &cx.result.unknowns {
                    s.push_str(&format!(
                        "  {}:{}: {} {}: {}\n",
                        u.file, u.line, u.rule_id, u.resource, u.reason
                    ));
                }
            }
            s
        }
    }
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
    out.push_str("Lens practices:\n");
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
    out.push_str(&format!("Resources:\n{}\n", checks.join("\n")));
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
