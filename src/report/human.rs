//! The terminal report, grouped by file (a header line per file, in path order): a miette
//! snippet per finding (the offending key underlined; related places in the same file, such
//! as the KMS key whose rotation is off, as secondary labels, and those in other files as
//! `related:` lines; the rule id, severity, lens practices, CDK construct path and a fix
//! hint), then the file's parse errors with their location, and a one-line summary. Colour follows `--color`/NO_COLOR/FORCE_COLOR and whether stdout is a
//! terminal; `--ascii` (or TERM=dumb) uses plain ASCII without box-drawing characters.

use super::Summary;
use crate::finding::{Finding, ScanError};
use crate::model::SourceFile;
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanResult;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    pub ascii: bool,
}

struct Diag<'a> {
    title: String,
    code: &'a str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}
impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}
impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

fn handler(style: Style) -> GraphicalReportHandler {
    let theme = match (style.ascii, style.color) {
        (true, _) => GraphicalTheme::none(),
        (false, true) => GraphicalTheme::unicode(),
        (false, false) => GraphicalTheme::unicode_nocolor(),
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium | Severity::Low => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn source_of(files: &[SourceFile], index: usize) -> Option<&SourceFile> {
    files.get(index).filter(|f| !f.text.is_empty())
}

/// The span to underline: the key, trimmed of trailing whitespace.
fn underline(text: &str, start: u32, end: u32) -> (usize, usize) {
    let s = (start as usize).min(text.len());
    let mut e = (end as usize).clamp(s, text.len());
    while e > s && text.as_bytes()[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    // Keep underlines on one line: a resource header spans to the line end at most.
    if let Some(nl) = text[s..e].find('\n') {
        e = s + nl;
    }
    (s, e.max(s))
}

fn finding_diag<'a>(f: &'a Finding, files: &[SourceFile], rules: &RuleSet) -> Diag<'a> {
    let rule = rules.get(f.rule_id());
    let mut help = Vec::new();
    if let Some(r) = rule {
        help.push(first_sentence(&r.doc.fix));
    }
    let lenses: Vec<String> = f
        .lenses()
        .iter()
        .map(|l| format!("{} ({})", l.practice, l.pillar))
        .collect();
    if !lenses.is_empty() {
        help.push(format!("lens: {}", lenses.join(", ")));
    }
    if let Some(p) = &f.cdk_path() {
        help.push(format!("CDK construct: {p}"));
    }
    let mut labels = Vec::new();
    let mut source = None;
    if let Some(file) = source_of(files, f.file_index) {
        let (s, e) = underline(&file.text, f.span.start, f.span.end);
        labels.push(LabeledSpan::new_primary_with_span(
            Some(f.message()),
            (s, e - s),
        ));
        for r in &f.related {
            if r.file_index == f.file_index {
                let (s, e) = underline(&file.text, r.span.start, r.span.end);
                labels.push(LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    (s, e - s),
                ));
            } else {
                help.push(format!(
                    "related: {}:{}:{}: {}",
                    r.file, r.line, r.column, r.message
                ));
            }
        }
        source = Some(NamedSource::new(&f.file, file.text.clone()));
    }
    if rule.is_some() {
        help.push(format!(
            "run `lenslint explain {}` for details",
            f.rule_id()
        ));
    }
    Diag {
        title: format!(
            "{} [{}] {} ({})",
            f.rule_id(),
            f.severity.as_str(),
            f.title(),
            f.resource()
        ),
        code: "",
        severity: miette_severity(f.severity),
        help: Some(help.join("\n")),
        source,
        labels,
    }
}

fn error_diag<'a>(e: &'a ScanError, files: &[SourceFile]) -> Diag<'a> {
    let mut labels = Vec::new();
    let mut source = None;
    if let Some(file) = e.file_index.and_then(|i| source_of(files, i)) {
        let s = (e.span.start as usize).min(file.text.len());
        let len = (e.span.len()).min(file.text.len() - s);
        labels.push(LabeledSpan::new_primary_with_span(
            Some("here".into()),
            (s, len),
        ));
        source = Some(NamedSource::new(&e.file, file.text.clone()));
    }
    let title = if source.is_some() {
        e.message.clone()
    } else {
        format!("{}:{}:{}: {}", e.file, e.line, e.column, e.message)
    };
    Diag {
        title,
        code: "",
        severity: miette::Severity::Error,
        help: None,
        source,
        labels,
    }
}

pub fn render(
    result: &ScanResult,
    rules: &RuleSet,
    summary: &Summary,
    style: Style,
    elapsed: std::time::Duration,
) -> String {
    let mut out = body(result, rules, style);
    out.push_str(&summary_line(summary, elapsed));
    out
}

/// The line that opens a file's group: its path and what was found in it.
fn file_header(file: &str, findings: usize, errors: usize, style: Style) -> String {
    let mut what = Vec::new();
    if findings > 0 {
        what.push(if findings == 1 {
            "1 finding".to_string()
        } else {
            format!("{findings} findings")
        });
    }
    if errors > 0 {
        what.push(if errors == 1 {
            "1 error".to_string()
        } else {
            format!("{errors} errors")
        });
    }
    let path = if style.color {
        format!("\x1b[1;4m{file}\x1b[0m")
    } else {
        file.to_string()
    };
    format!("{path} ({})\n\n", what.join(", "))
}

/// The report without its summary line (sections may follow before the summary).
pub fn body(result: &ScanResult, rules: &RuleSet, style: Style) -> String {
    let h = handler(style);
    let mut out = String::new();
    // Group by file, in path order: findings (already in line order), then that file's errors.
    let mut groups: BTreeMap<&str, (Vec<&Finding>, Vec<&ScanError>)> = BTreeMap::new();
    for f in &result.findings {
        groups.entry(&*f.file).or_default().0.push(f);
    }
    for e in &result.errors {
        groups.entry(e.file.as_str()).or_default().1.push(e);
    }
    for (file, (findings, errors)) in groups {
        out.push_str(&file_header(file, findings.len(), errors.len(), style));
        for f in findings {
            let d = finding_diag(f, &result.files, rules);
            if h.render_report(&mut out, &d).is_err() {
                out.push_str(&format!(
                    "{}:{}:{}: {} {}\n",
                    f.file,
                    f.line,
                    f.column,
                    f.rule_id(),
                    f.message()
                ));
            }
            out.push('\n');
        }
        for e in errors {
            let d = error_diag(e, &result.files);
            if h.render_report(&mut out, &d).is_err() {
                out.push_str(&format!(
                    "{}:{}:{}: {}\n",
                    e.file, e.line, e.column, e.message
                ));
            }
            out.push('\n');
        }
    }
    out
}

pub fn summary_line(s: &Summary, elapsed: std::time::Duration) -> String {
    let counts: Vec<String> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|k| {
            s.by_severity
                .get(k)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {k}"))
        })
        .collect();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut line = format!(
        "lenslint: {}{} in {} ({}) in {:.1} ms",
        plural(s.findings, "finding"),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        plural(s.files_scanned, "file"),
        plural(s.resources, "resource"),
        elapsed.as_secs_f64() * 1000.0
    );
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        line.push_str(&format!("; {} in the baseline", s.baselined));
    }
    if s.errors > 0 {
        line.push_str(&format!(
            "; {} could not be parsed or read",
            plural(s.errors, "error")
        ));
    }
    line.push('\n');
    line
}

/// The first sentence of a rule's fix text, as a one-line hint.
fn first_sentence(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(i) => flat[..=i].to_string(),
        None => flat,
    }
}
