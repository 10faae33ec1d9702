//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on
//! the pull request without uploading SARIF.
//!
//! One `::error`/`::warning`/`::notice` line per finding (critical and high → error, medium →
//! warning, low and info → notice) with `file`, `line`, `endLine`, `col`, `endColumn` and a
//! `title` naming the rule; files that could not be read or parsed are `::error` lines.
//! GitHub shows only the first few annotations of each kind per step, so findings are written
//! most severe first (then in the usual file/line order). A plain summary line ends the output.
//! Values are escaped as the runner expects (`%`, CR and LF in messages; also `:` and `,` in
//! properties).

use super::Summary;
use crate::finding::Finding;
use crate::rules::Severity;
use crate::scan::ScanResult;

/// Escapes a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

fn annotation(f: &Finding) -> String {
    let mut message = f.message();
    let practices: Vec<String> = f
        .lenses()
        .iter()
        .map(|l| format!("{} ({})", l.practice, l.pillar))
        .collect();
    if !practices.is_empty() {
        message.push_str(&format!("\nLens: {}", practices.join(", ")));
    }
    if let Some(p) = &f.cdk_path() {
        message.push_str(&format!("\nCDK construct: {p}"));
    }
    message.push_str(&format!(
        "\nResource: {} ({})",
        f.resource(),
        f.resource_type()
    ));
    let mut props = vec![
        format!("file={}", escape_property(&f.file)),
        format!("line={}", f.line.max(1)),
    ];
    if f.end_line >= f.line && f.end_line > 0 {
        props.push(format!("endLine={}", f.end_line));
    }
    props.push(format!("col={}", f.column.max(1)));
    if f.end_line == f.line && f.end_column > f.column {
        props.push(format!("endColumn={}", f.end_column));
    }
    props.push(format!(
        "title={}",
        escape_property(&format!(
            "{} [{}] {}",
            f.rule_id(),
            f.severity.as_str(),
            f.title()
        ))
    ));
    format!(
        "::{} {}::{}\n",
        command(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

pub fn render(result: &ScanResult, summary: &Summary) -> String {
    let mut out = String::new();
    let mut findings: Vec<&Finding> = result.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        out.push_str(&annotation(f));
    }
    for e in &result.errors {
        let mut props = vec![format!("file={}", escape_property(&e.file))];
        if e.line > 0 {
            props.push(format!("line={}", e.line));
            props.push(format!("col={}", e.column.max(1)));
        }
        props.push("title=lenslint could not read or parse this file".to_string());
        out.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            escape_data(&e.message)
        ));
    }
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
    out.push_str(&format!(
        "lenslint: {} finding(s){} in {} file(s), {} resource(s); {} error(s)\n",
        summary.findings,
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        summary.files_scanned,
        summary.resources,
        summary.errors
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_runner() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
