//! `--format json`: the machine-readable contract of DESIGN.md
//! (`{"version": 1, "tool", "findings", "errors", "summary"}`). It holds no timings, so the
//! same input always gives the same bytes.

use super::Summary;
use crate::scan::ScanResult;

/// The report's top level, borrowing the findings: serialized in one pass straight to the
/// output (building a `serde_json::Value` of every finding first took a fifth of a large
/// scan, and a 100,000-file report is hundreds of megabytes of text).
#[derive(serde::Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    findings: &'a [crate::finding::Finding],
    errors: &'a [crate::finding::ScanError],
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown: Option<&'a [crate::scan::Unknown]>,
    /// `--show-suppressed`: each silenced finding with its `suppression` (kind, reason,
    /// file, line).
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a [crate::suppress::Suppressed]>,
}

#[derive(serde::Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// Writes the report to `out`.
pub fn write(
    out: &mut dyn std::io::Write,
    result: &ScanResult,
    summary: &Summary,
    show_unknown: bool,
    show_suppressed: bool,
) -> std::io::Result<()> {
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
        suppressed: show_suppressed.then_some(result.suppressed.as_slice()),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}
