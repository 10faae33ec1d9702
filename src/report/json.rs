//! `--format json`: the machine-readable contract of DESIGN.md
//! (`{"version": 1, "tool", "findings", "errors", "summary"}`). It holds no timings, so the
//! same input always gives the same bytes.

use super::Summary;
use crate::scan::ScanResult;
use serde_json::json;

pub fn render(result: &ScanResult, summary: &Summary, show_unknown: bool) -> String {
    let mut doc = json!({
        "version": 1,
        "tool": {"name": "lenslint", "version": env!("CARGO_PKG_VERSION")},
        "findings": result.findings,
        "errors": result.errors,
        "summary": summary,
    });
    if show_unknown {
        doc["unknown"] = json!(result.unknowns);
    }
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
