//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.
//!
//! One run; the driver lists one rule descriptor per loaded rule (id, a PascalCase name from
//! the title, short and full descriptions, help text and markdown from the rule's why/fix,
//! `helpUri` from its first reference, default level, and properties holding
//! `security-severity` and tags for the pillar, lenses and practices). Each finding is a result
//! with `ruleId`/`ruleIndex`, level, message, a physical location (a URI relative to
//! `%SRCROOT%`, declared in `originalUriBaseIds`, and a 1-based region whose end column is
//! exclusive, columns counted in Unicode code points), the resource as a logical location,
//! related locations for secondary spans, and `partialFingerprints` from the finding
//! fingerprint. Files that could not be read or parsed become error-level tool execution
//! notifications (the run itself completed, so `executionSuccessful` stays true).
//!
//! The document is built with `serde_json` rather than the `serde-sarif` types: lenslint
//! emits a small fixed subset of SARIF, `json!` reads like the spec, and it avoids two
//! proc-macro crates (typed-builder, strum) in the binary's build. Conformance is checked
//! where it matters: a test validates the output against the official SARIF 2.1.0 schema and
//! `scripts/validate-sarif.sh` runs Microsoft's SARIF Multitool with GitHub's ingestion rules.

use crate::finding::{Finding, ScanError};
use crate::rules::{Rule, RuleSet, Severity};
use crate::scan::ScanResult;
use serde_json::{json, Map, Value};

/// The `uriBaseId` relative artifact locations use.
pub const SRCROOT: &str = "%SRCROOT%";

pub fn render(result: &ScanResult, rules: &RuleSet, src_root: Option<&str>) -> String {
    let mut s = serde_json::to_string_pretty(&document(result, rules, src_root))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The SARIF log as a JSON value.
pub fn document(result: &ScanResult, rules: &RuleSet, src_root: Option<&str>) -> Value {
    let descriptors: Vec<Value> = rules.rules.iter().map(descriptor).collect();
    let results: Vec<Value> = result
        .findings
        .iter()
        .map(|f| finding_result(f, rules))
        .chain(result.suppressed.iter().map(|s| {
            let mut v = finding_result(&s.finding, rules);
            v["suppressions"] = json!([s.suppression.sarif()]);
            v
        }))
        .collect();
    let notifications: Vec<Value> = result.errors.iter().map(notification).collect();
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({"driver": {
            "name": "lenslint",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": descriptors,
        }}),
    );
    if let Some(root) = src_root {
        run.insert(
            "originalUriBaseIds".into(),
            json!({ SRCROOT: {"uri": root} }),
        );
    }
    run.insert(
        "invocations".into(),
        json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        }]),
    );
    run.insert("results".into(), Value::Array(results));
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    })
}

/// SARIF level for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0.1–10.0): critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9,
/// low below 4.0.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// `Notebook instance has direct internet access` → `NotebookInstanceHasDirectInternetAccess`.
fn pascal_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn flatten(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraphs of a rule text, each flattened to one line.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(flatten)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn tags(rule: &Rule) -> Vec<String> {
    let mut tags = Vec::new();
    if rule.doc.pillar == "security" {
        tags.push("security".to_string());
    }
    tags.push("well-architected".to_string());
    tags.push(format!("pillar/{}", rule.doc.pillar));
    for (lens, practice, pillar) in rule.lenses() {
        tags.push(format!("lens/{lens}"));
        tags.push(format!("pillar/{pillar}"));
        tags.push(format!("practice/{practice}"));
    }
    let mut seen = std::collections::BTreeSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    tags
}

fn descriptor(rule: &Rule) -> Value {
    let d = &rule.doc;
    let practices: Vec<String> = rule
        .lenses()
        .map(|(lens, practice, pillar)| format!("{practice} ({lens} lens, {pillar})"))
        .collect();
    let why = paragraphs(&d.why);
    let fix = paragraphs(&d.fix);
    let mut text = format!("{why}\n\nHow to fix: {fix}");
    let mut markdown = format!("{why}\n\n**How to fix.** {fix}");
    if !practices.is_empty() {
        text.push_str(&format!("\n\nLens practices: {}", practices.join(", ")));
        markdown.push_str(&format!("\n\n**Lens practices:** {}", practices.join(", ")));
    }
    if !d.docs.is_empty() {
        markdown.push_str("\n\n**References:**\n");
        for u in &d.docs {
            markdown.push_str(&format!("\n- <{u}>"));
        }
    }
    let mut props = Map::new();
    props.insert(
        "security-severity".into(),
        json!(security_severity(d.severity)),
    );
    props.insert("tags".into(), json!(tags(rule)));
    props.insert("severity".into(), json!(d.severity.as_str()));
    props.insert("pillar".into(), json!(d.pillar));
    let mut v = json!({
        "id": d.id,
        "name": pascal_name(&d.title),
        "shortDescription": {"text": d.title},
        "fullDescription": {"text": why},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level(d.severity)},
        "properties": Value::Object(props),
    });
    if let Some(u) = d.docs.first() {
        v["helpUri"] = json!(u);
    }
    v
}

/// Percent-encodes what a URI path may not hold as is (spaces, `%`, `#`, `?`, non-ASCII).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `file://` URI for a directory (ending in `/`), for `originalUriBaseIds`.
pub fn dir_uri(dir: &std::path::Path) -> String {
    let mut p = dir.to_string_lossy().replace('\\', "/");
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    format!("file://{}", encode_path(&p))
}

/// The artifact location of a reported path: relative to `%SRCROOT%`, or an absolute
/// `file://` URI when the user gave an absolute path.
fn artifact(file: &str) -> Value {
    let is_windows_abs =
        file.len() > 2 && file.as_bytes()[0].is_ascii_alphabetic() && file.as_bytes()[1] == b':';
    if file.starts_with('/') || is_windows_abs {
        let p = if is_windows_abs {
            format!("/{file}")
        } else {
            file.to_string()
        };
        json!({"uri": format!("file://{}", encode_path(&p))})
    } else {
        json!({"uri": encode_path(file), "uriBaseId": SRCROOT})
    }
}

fn region(line: u32, column: u32, end_line: u32, end_column: u32) -> Value {
    let line = line.max(1);
    let column = column.max(1);
    let (end_line, end_column) = if (end_line, end_column) > (line, column) {
        (end_line, end_column)
    } else {
        (line, column + 1)
    };
    json!({
        "startLine": line,
        "startColumn": column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn finding_result(f: &Finding, rules: &RuleSet) -> Value {
    let rule_index = rules.rules.iter().position(|r| *r.doc.id == *f.rule_id());
    let mut logical = json!({"name": f.resource(), "kind": "resource"});
    if let Some(p) = &f.cdk_path() {
        logical["fullyQualifiedName"] = json!(p);
    }
    let location = json!({
        "physicalLocation": {
            "artifactLocation": artifact(&f.file),
            "region": region(f.line, f.column, f.end_line, f.end_column),
        },
        "logicalLocations": [logical],
    });
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": i + 1,
                "physicalLocation": {
                    "artifactLocation": artifact(&r.file),
                    "region": {"startLine": r.line.max(1), "startColumn": r.column.max(1)},
                },
                "message": {"text": r.message},
            })
        })
        .collect();
    let mut props = Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("resource".into(), json!(f.resource()));
    props.insert("resourceType".into(), json!(f.resource_type()));
    if let Some(p) = &f.cdk_path() {
        props.insert("cdkPath".into(), json!(p));
    }
    props.insert(
        "lenses".into(),
        json!(f
            .lenses()
            .iter()
            .map(|l| format!("{}/{}", l.lens, l.practice))
            .collect::<Vec<_>>()),
    );
    let mut v = json!({
        "ruleId": f.rule_id(),
        "level": level(f.severity),
        "message": {"text": f.message()},
        "locations": [location],
        "partialFingerprints": {"lenslintFingerprint/v1": f.fingerprint},
        "properties": Value::Object(props),
    });
    if let Some(i) = rule_index {
        v["ruleIndex"] = json!(i);
    }
    if !related.is_empty() {
        v["relatedLocations"] = Value::Array(related);
    }
    v
}

fn notification(e: &ScanError) -> Value {
    let mut phys = json!({"artifactLocation": artifact(&e.file)});
    if e.line > 0 {
        phys["region"] = json!({"startLine": e.line, "startColumn": e.column.max(1)});
    }
    json!({
        "level": "error",
        "message": {"text": e.message},
        "locations": [{"physicalLocation": phys}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(
            pascal_name("Notebook instance has direct internet access"),
            "NotebookInstanceHasDirectInternetAccess"
        );
        assert_eq!(
            pascal_name("ML data bucket allows requests without TLS"),
            "MLDataBucketAllowsRequestsWithoutTLS"
        );
    }

    #[test]
    fn paths_become_uris() {
        assert_eq!(
            artifact("infra/my stack.yaml"),
            json!({"uri": "infra/my%20stack.yaml", "uriBaseId": SRCROOT})
        );
        assert_eq!(
            artifact("/abs/a#b.tf"),
            json!({"uri": "file:///abs/a%23b.tf"})
        );
        assert_eq!(
            artifact("C:/x/é.tf"),
            json!({"uri": "file:///C:/x/%C3%A9.tf"})
        );
        assert_eq!(
            dir_uri(std::path::Path::new("/work/repo")),
            "file:///work/repo/"
        );
    }

    #[test]
    fn regions_are_never_empty_or_zero() {
        assert_eq!(
            region(0, 0, 0, 0),
            json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2})
        );
        assert_eq!(
            region(3, 5, 3, 9),
            json!({"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9})
        );
    }

    #[test]
    fn severities_map_to_github_bands() {
        for (s, lo, hi) in [
            (Severity::Critical, 9.0, 10.0),
            (Severity::High, 7.0, 8.9),
            (Severity::Medium, 4.0, 6.9),
            (Severity::Low, 0.1, 3.9),
            (Severity::Info, 0.1, 3.9),
        ] {
            let v: f64 = security_severity(s).parse().unwrap_or(-1.0);
            assert!((lo..=hi).contains(&v), "{s:?} -> {v}");
        }
    }
}
