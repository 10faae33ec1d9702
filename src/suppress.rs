//! Suppressions written in the templates themselves, and the findings about them.
//!
//! Two forms: a comment `# lenslint:ignore SM002,BR0 reason...` (YAML, and HCL with `#` or
//! `//`), and a CloudFormation resource's `Metadata: {lenslint: {ignore: [{id, reason}]}}`,
//! which works in JSON and survives CDK synthesis (`addMetadata`). A selector is a rule id or an
//! id prefix (`SM0`). A comment applies to the line it silences: its own line when it follows
//! code, else the next line that is neither blank nor a comment. When that line is a resource's
//! first line (CloudFormation logical id, Terraform `resource` header), the comment covers every
//! finding of the resource; otherwise only findings reported on that line. Metadata covers its
//! resource. Comments are read from the text the scan already holds (JSON files have none).
//! [`apply`] splits a unit's findings into kept and suppressed ones and adds the meta findings
//! LL001 (no reason), LL002 (unknown rule) and LL003 (suppresses nothing).

use crate::finding::{fingerprint, Finding};
use crate::model::{Format, SourceFile, Unit};
use crate::rules::RuleSet;
use crate::tree::{Kind, Node, Span};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The marker that starts a suppression comment.
pub const MARKER: &str = "lenslint:ignore";
/// Suppression without a reason.
pub const NO_REASON: &str = "LL001";
/// Suppression naming an unknown rule.
pub const UNKNOWN_RULE: &str = "LL002";
/// Suppression that suppresses nothing.
pub const UNUSED: &str = "LL003";

/// Where a suppression was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A `# lenslint:ignore` comment.
    Comment,
    /// CloudFormation resource `Metadata`.
    Metadata,
    /// The baseline file (`--baseline`).
    Baseline,
}

/// What a suppression covers.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// Every finding of these resources (ids).
    Resources(Vec<String>),
    /// Findings reported on this 1-based line of the suppression's file.
    Line(u32),
}

/// One selector (`SM002`, `SM0`) with its place, for the findings about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    /// Upper-cased, as rule ids are.
    pub text: String,
    /// As written.
    pub written: String,
    pub span: Span,
}

/// A suppression read from a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub origin: Origin,
    /// Index into `Unit::files`.
    pub file: usize,
    /// The comment marker or the Metadata entry (where LL findings point).
    pub span: Span,
    pub selectors: Vec<Selector>,
    /// Empty when none was given.
    pub reason: String,
    pub scope: Scope,
    /// The resource the suppression belongs to (for LL findings), if any.
    pub resource: Option<usize>,
}

/// How a finding was suppressed, as the reports show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuppressionInfo {
    pub kind: Origin,
    pub reason: String,
    /// Where the suppression is written (the template, or the baseline file).
    pub file: String,
    /// 1-based line of the suppression (0 for the baseline).
    pub line: u32,
}

impl SuppressionInfo {
    /// The SARIF 2.1.0 `suppression` object (`inSource` for template suppressions, `external`
    /// for the baseline).
    pub fn sarif(&self) -> serde_json::Value {
        let kind = match self.kind {
            Origin::Comment | Origin::Metadata => "inSource",
            Origin::Baseline => "external",
        };
        let mut v = serde_json::json!({"kind": kind, "status": "accepted"});
        if !self.reason.is_empty() {
            v["justification"] = serde_json::Value::String(self.reason.clone());
        }
        v
    }
}

/// A finding that a suppression silenced: counted in the summary, listed with
/// `--show-suppressed`, and marked with `suppressions` in SARIF.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    pub suppression: SuppressionInfo,
}

/// What [`apply`] returns for one unit.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings not suppressed, plus the LL findings about the suppressions.
    pub kept: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Byte offset of the comment start (`#` or `//`) that the marker at `marker` belongs to, when
/// the marker really is in a comment (not inside a quoted string).
fn comment_start(line: &str, marker: usize, hcl: bool) -> Option<usize> {
    let before = &line[..marker];
    let trimmed = before.trim_end();
    let start = if let Some(s) = trimmed.strip_suffix('#') {
        s.len()
    } else if hcl {
        trimmed.strip_suffix("//")?.len()
    } else {
        return None;
    };
    let code = &line[..start];
    // YAML needs a space before `#`; in either format a quote left open means a string.
    if !code.is_empty() && !code.ends_with([' ', '\t']) {
        return None;
    }
    let quotes = |q: char| code.chars().filter(|c| *c == q).count();
    if quotes('"') % 2 == 1 || (!hcl && quotes('\'') % 2 == 1) {
        return None;
    }
    Some(start)
}

/// A comment's selectors and reason, with spans relative to `rest`'s start offset `base`.
fn parse_directive(rest: &str, base: usize) -> (Vec<Selector>, String) {
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut selectors = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && (is_id_char(bytes[i]) || bytes[i] == b',') {
            i += 1;
        }
        if start == i {
            break;
        }
        let token = &rest[start..i];
        let mut off = start;
        for part in token.split(',') {
            if !part.is_empty() {
                selectors.push(Selector {
                    text: part.to_ascii_uppercase(),
                    written: part.to_string(),
                    span: Span::new(base + off, base + off + part.len()),
                });
            }
            off += part.len() + 1;
        }
        // A token not followed by whitespace (`SM002:`) ends the list.
        let at_space = i >= bytes.len() || bytes[i].is_ascii_whitespace();
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let continues = token.ends_with(',') || bytes.get(j) == Some(&b',');
        if !(at_space && continues) {
            break;
        }
        i = j;
    }
    let mut reason = rest[i..].trim();
    // A further `#` comment (an editor note, a fixture's `# expect:`) is not the reason.
    if reason.starts_with('#') {
        reason = "";
    } else if let Some(p) = reason.find(" #") {
        reason = reason[..p].trim_end();
    }
    for sep in ["--", "\u{2014}", "-", ":"] {
        if let Some(r) = reason.strip_prefix(sep) {
            reason = r.trim_start();
            break;
        }
    }
    (selectors, reason.to_string())
}

/// Suppression comments of one file; `headers` maps 1-based lines to resources starting there.
fn comments_of(
    file_index: usize,
    file: &SourceFile,
    hcl: bool,
    headers: &BTreeMap<u32, Vec<usize>>,
    unit: &Unit,
) -> Vec<Suppression> {
    let text = &file.text;
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines: Vec<(usize, &str)> = {
        let mut out = Vec::new();
        let mut off = 0;
        for l in text.split_inclusive('\n') {
            out.push((off, l.trim_end_matches(['\n', '\r'])));
            off += l.len();
        }
        out
    };
    let is_comment_only = |l: &str| {
        let t = l.trim_start();
        t.starts_with('#') || (hcl && t.starts_with("//"))
    };
    let mut out = Vec::new();
    for (n, (off, line)) in lines.iter().enumerate() {
        let Some(marker) = line.find(MARKER) else {
            continue;
        };
        let after = marker + MARKER.len();
        if line
            .as_bytes()
            .get(after)
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            continue;
        }
        let Some(start) = comment_start(line, marker, hcl) else {
            continue;
        };
        let own_line = line[..start].trim().is_empty();
        let target = if own_line {
            lines[n + 1..]
                .iter()
                .position(|(_, l)| !l.trim().is_empty() && !is_comment_only(l))
                .map(|p| n + 1 + p)
        } else {
            Some(n)
        };
        // A comment with nothing after it applies to its own line (and so suppresses nothing).
        let target_line = target.unwrap_or(n) as u32 + 1;
        let (selectors, reason) = parse_directive(&line[after..], off + after);
        let (scope, resource) = match headers.get(&target_line) {
            Some(rs) => (
                Scope::Resources(rs.iter().map(|r| unit.resources[*r].id.clone()).collect()),
                rs.first().copied(),
            ),
            None => (
                Scope::Line(target_line),
                enclosing_resource(unit, file_index, off + start),
            ),
        };
        out.push(Suppression {
            origin: Origin::Comment,
            file: file_index,
            span: Span::new(off + marker, off + after),
            selectors,
            reason,
            scope,
            resource,
        });
    }
    out
}

/// The resource whose header is the last one at or before `offset` in the file.
fn enclosing_resource(unit: &Unit, file: usize, offset: usize) -> Option<usize> {
    unit.resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.file == file && (r.header.start as usize) <= offset)
        .max_by_key(|(_, r)| r.header.start)
        .map(|(i, _)| i)
}

fn scalar(n: &Node) -> Option<String> {
    n.scalar_text().map(|s| s.trim().to_string())
}

/// `Metadata: {lenslint: {ignore: [...]}}` of one CloudFormation resource.
fn metadata_of(unit: &Unit, index: usize) -> Vec<Suppression> {
    let res = &unit.resources[index];
    let Some(ignore) = res
        .metadata
        .as_ref()
        .and_then(|m| m.get("lenslint"))
        .and_then(|l| l.get("ignore"))
    else {
        return Vec::new();
    };
    let items: Vec<&Node> = match &ignore.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![ignore],
    };
    let mut out = Vec::new();
    for item in items {
        let (id_node, reason) = match &item.kind {
            Kind::Map(_) => (
                item.get("id"),
                item.get("reason").and_then(scalar).unwrap_or_default(),
            ),
            _ => (Some(item), String::new()),
        };
        let mut selectors = Vec::new();
        let mut push = |n: &Node| {
            if let Some(s) = scalar(n) {
                for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    selectors.push(Selector {
                        text: part.to_ascii_uppercase(),
                        written: part.to_string(),
                        span: n.span,
                    });
                }
            }
        };
        match id_node.map(|n| &n.kind) {
            Some(Kind::Seq(ids)) => ids.iter().for_each(&mut push),
            Some(_) => push(id_node.unwrap_or(item)),
            None => {}
        }
        out.push(Suppression {
            origin: Origin::Metadata,
            file: res.file,
            span: item.span,
            selectors,
            reason,
            scope: Scope::Resources(vec![res.id.clone()]),
            resource: Some(index),
        });
    }
    out
}

/// Every suppression written in a unit, in file and source order.
pub fn collect(unit: &Unit) -> Vec<Suppression> {
    let mut headers: Vec<BTreeMap<u32, Vec<usize>>> = vec![BTreeMap::new(); unit.files.len()];
    let any_comment = unit.files.iter().any(|f| f.text.contains(MARKER));
    for (i, r) in unit.resources.iter().enumerate().filter(|_| any_comment) {
        if let Some(f) = unit.files.get(r.file) {
            let line = f.line_col(r.header.start).line;
            headers[r.file].entry(line).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (i, f) in unit.files.iter().enumerate().filter(|_| any_comment) {
        // JSON (templates, CDK output, `.tf.json`, plans) has no comments.
        let json = f
            .text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '[']);
        if json {
            continue;
        }
        let hcl = unit.format != Format::CloudFormation;
        out.extend(comments_of(i, f, hcl, &headers[i], unit));
    }
    if unit.format == Format::CloudFormation {
        for i in 0..unit.resources.len() {
            out.extend(metadata_of(unit, i));
        }
    }
    out.sort_by_key(|s| (s.file, s.span.start, s.origin));
    out
}

fn covers(s: &Suppression, f: &Finding) -> bool {
    match &s.scope {
        Scope::Resources(ids) => ids.iter().any(|id| **id == *f.resource()),
        Scope::Line(line) => f.file_index == s.file && f.line == *line,
    }
}

/// Builds a finding of one of the LL rules; `None` when the rule is not enabled.
fn meta_finding(
    unit: &Unit,
    rules: &RuleSet,
    s: &Suppression,
    rule_id: &str,
    span: Span,
    message: String,
    key: &str,
) -> Option<Finding> {
    let rule = rules.rules.iter().find(|r| r.doc.id == rule_id)?;
    let file = unit.files.get(s.file)?;
    let path = file.display_path();
    let start = file.line_col(span.start);
    let end = file.line_col(span.end);
    let res = s.resource.and_then(|i| unit.resources.get(i));
    let resource = res.map(|r| r.id.clone()).unwrap_or_default();
    let fp_path = format!("lenslint:ignore {key}");
    Some(Finding {
        rule: Arc::new(crate::finding::RuleInfo {
            template: message,
            ..crate::finding::RuleInfo::of(rule, unit.format)
        }),
        severity: rule.doc.severity,
        fingerprint: fingerprint(rule_id, &path, &resource, &fp_path),
        file: path.into(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        res: Arc::new(crate::finding::ResourceInfo {
            id: resource,
            rtype: res.map(|r| r.rtype.clone()).unwrap_or_default(),
            cdk_path: res.and_then(|r| r.cdk_path.clone()),
        }),
        file_index: s.file,
        span,
        detail: Box::default(),
        path: fp_path.into(),
        related: Vec::new(),
    })
}

/// Which rule ids exist (for LL002) and which are enabled (LL003 is only reported for
/// selectors whose rules run, since a disabled rule cannot show what it would have found).
pub struct Known<'a> {
    pub all: &'a BTreeSet<String>,
    pub enabled: &'a RuleSet,
}

/// Splits `findings` of `unit` into kept and suppressed, and adds the LL findings.
/// With `allow_inline == false` template suppressions are ignored entirely.
pub fn apply(
    unit: &Unit,
    rules: &RuleSet,
    known: &Known,
    findings: Vec<Finding>,
    allow_inline: bool,
) -> Applied {
    if !allow_inline {
        return Applied {
            kept: findings,
            suppressed: Vec::new(),
        };
    }
    let sups = collect(unit);
    if sups.is_empty() {
        return Applied {
            kept: findings,
            suppressed: Vec::new(),
        };
    }
    // used[i][j]: selector j of suppression i silenced something.
    let mut used: Vec<Vec<bool>> = sups
        .iter()
        .map(|s| vec![false; s.selectors.len()])
        .collect();
    // Line comments first (the narrowest), then resource comments, then Metadata.
    let mut order: Vec<usize> = (0..sups.len()).collect();
    order.sort_by_key(|&i| {
        let s = &sups[i];
        (
            !matches!(s.scope, Scope::Line(_)),
            s.origin,
            s.file,
            s.span.start,
        )
    });
    let mut out = Applied::default();
    for f in findings {
        let hit = order.iter().copied().find(|&i| {
            covers(&sups[i], &f)
                && sups[i]
                    .selectors
                    .iter()
                    .any(|sel| f.rule_id().starts_with(&sel.text))
        });
        let Some(i) = hit else {
            out.kept.push(f);
            continue;
        };
        let s = &sups[i];
        for (j, sel) in s.selectors.iter().enumerate() {
            if f.rule_id().starts_with(&sel.text) {
                used[i][j] = true;
            }
        }
        let (file, line) = match unit.files.get(s.file) {
            Some(sf) => (sf.display_path(), sf.line_col(s.span.start).line),
            None => (String::new(), 0),
        };
        out.suppressed.push(Suppressed {
            finding: f,
            suppression: SuppressionInfo {
                kind: s.origin,
                reason: s.reason.clone(),
                file,
                line,
            },
        });
    }
    for (i, s) in sups.iter().enumerate() {
        let what = match s.origin {
            Origin::Metadata => "Metadata suppression",
            _ => "suppression comment",
        };
        let ids: Vec<&str> = s.selectors.iter().map(|x| x.text.as_str()).collect();
        let key = ids.join(",");
        if s.selectors.is_empty() {
            out.kept.extend(meta_finding(
                unit,
                rules,
                s,
                UNKNOWN_RULE,
                s.span,
                format!("{what} names no rule id"),
                &key,
            ));
        }
        if s.reason.is_empty() && !s.selectors.is_empty() {
            out.kept.extend(meta_finding(
                unit,
                rules,
                s,
                NO_REASON,
                s.span,
                format!("{what} for {key} gives no reason"),
                &key,
            ));
        }
        let mut unused = Vec::new();
        for (j, sel) in s.selectors.iter().enumerate() {
            let exists = known.all.iter().any(|id| id.starts_with(&sel.text));
            if !exists {
                out.kept.extend(meta_finding(
                    unit,
                    rules,
                    s,
                    UNKNOWN_RULE,
                    sel.span,
                    format!(
                        "{what} names `{}`, which is no lenslint rule id or prefix",
                        sel.written
                    ),
                    &sel.text,
                ));
                continue;
            }
            let enabled = known
                .enabled
                .rules
                .iter()
                .any(|r| r.doc.id.starts_with(&sel.text) && !r.doc.id.starts_with("LL"));
            if !used[i][j] && enabled {
                unused.push(sel.text.as_str());
            }
        }
        if !unused.is_empty() {
            let list = unused.join(", ");
            let target = match &s.scope {
                Scope::Resources(ids) => format!("resource {}", ids.join(", ")),
                Scope::Line(l) => format!("line {l}"),
            };
            out.kept.extend(meta_finding(
                unit,
                rules,
                s,
                UNUSED,
                s.span,
                format!("{what} for {list} suppresses nothing on {target}; remove it"),
                &format!("{key} unused {list}"),
            ));
        }
    }
    // Resources expanded from one definition (`Fn::ForEach`) share its Metadata: say it once.
    let mut seen = BTreeSet::new();
    out.kept.retain(|f| {
        !f.rule_id().starts_with("LL")
            || seen.insert((f.rule_id().to_string(), f.file_index, f.span, f.message()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_lists_and_reasons() {
        let (s, r) = parse_directive(" SM002 notebook is in a sandbox account", 0);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "SM002");
        assert_eq!(s[0].span, Span::new(1, 6));
        assert_eq!(r, "notebook is in a sandbox account");
        let (s, r) = parse_directive(" SM002,br0, KMS001 -- reviewed by sec", 10);
        let ids: Vec<&str> = s.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(ids, ["SM002", "BR0", "KMS001"]);
        assert_eq!(s[1].span, Span::new(17, 20));
        assert_eq!(r, "reviewed by sec");
        let (s, r) = parse_directive(" SM002", 0);
        assert_eq!(s.len(), 1);
        assert_eq!(r, "");
        let (s, r) = parse_directive(" SM002 # expect: LL001", 0);
        assert_eq!(s.len(), 1);
        assert_eq!(r, "");
        let (s, r) = parse_directive("", 0);
        assert!(s.is_empty());
        assert_eq!(r, "");
    }

    #[test]
    fn comment_detection() {
        assert_eq!(comment_start("  # lenslint:ignore X", 4, false), Some(2));
        assert_eq!(comment_start("a: b # lenslint:ignore X", 7, false), Some(5));
        assert_eq!(comment_start("a: b# lenslint:ignore X", 6, false), None);
        assert_eq!(comment_start("a: \"b # lenslint:ignore X", 8, false), None);
        assert_eq!(comment_start("  // lenslint:ignore X", 5, true), Some(2));
        assert_eq!(comment_start("  // lenslint:ignore X", 5, false), None);
        assert_eq!(comment_start("x = 1 lenslint:ignore", 6, true), None);
    }
}
