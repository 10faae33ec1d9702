//! `--format json`: the machine-readable contract of DESIGN.md
//! (`{"version": 1, "tool", "findings", "errors", "summary"}`). It holds no timings, so the
//! same input always gives the same bytes.

use super::Summary;
use crate::scan::ScanResult;
use serde_json::json;

/// The report's top level, borrowing the findings: serialized in one pass (building a
/// `serde_json::Value` of every finding first took a fifth of a large scan).
#[derive(serde::Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    findings: &'a [crate::finding::Finding],
    errors: &'a [crate::finding::ScanError],
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown: Option<&'a [crate::scan::Unknown]>,
}

#[derive(serde::Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn render(result: &ScanResult, summary: &Summary, show_unknown: bool) -> String {
    let doc = Doc {
        version: 1,
        tool: Tool {
            name: "lenslint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: &result.findings,
        errors: &result.errors,
        summary,
        unknown: show_unknown.then_some(result.unknowns.as_slice()),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Adds `"suppressed": [finding + {"suppression": {kind, reason, file, line}}]` to a rendered
/// report (`--show-suppressed`), keeping the key order of the rest.
pub fn with_suppressed(rendered: &str, result: &ScanResult) -> String {
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(rendered) else {
        return rendered.to_string();
    };
    doc["suppressed"] = json!(result.suppressed);
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| rendered.to_string());
    s.push('\n');
    s
}
