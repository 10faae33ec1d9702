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
/// Findings from which the report renders them on all threads (below it, starting rayon's
/// threads would cost more than it saves: a one-template scan never does).
const PARALLEL_FROM: usize = 4096;

pub fn write(
    out: &mut dyn std::io::Write,
    result: &ScanResult,
    summary: &Summary,
    show_unknown: bool,
    show_suppressed: bool,
) -> std::io::Result<()> {
    let parallel_from = PARALLEL_FROM;
    write_with(
        out,
        result,
        summary,
        (show_unknown, show_suppressed),
        parallel_from,
    )
}

/// [`write`]; from `parallel_from` findings up, the findings are rendered in parallel (in
/// chunks, each as `serde_json` would indent it inside the document) and spliced into the
/// rest of the document, byte for byte what the one-pass writer gives (a test compares them).
fn write_with(
    out: &mut dyn std::io::Write,
    result: &ScanResult,
    summary: &Summary,
    (show_unknown, show_suppressed): (bool, bool),
    parallel_from: usize,
) -> std::io::Result<()> {
    let parallel = result.findings.len() >= parallel_from;
    let doc = Doc {
        version: 1,
        tool: Tool {
            name: "lenslint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: if parallel { &[] } else { &result.findings },
        errors: &result.errors,
        summary,
        unknown: show_unknown.then_some(result.unknowns.as_slice()),
        suppressed: show_suppressed.then_some(result.suppressed.as_slice()),
    };
    if !parallel {
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
        return out.write_all(b"\n");
    }
    let rest = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::from)?;
    // The first `"findings": []` is the findings' place: only `version` and `tool` (fixed
    // values) come before it.
    const EMPTY: &[u8] = b"\"findings\": []";
    let Some(at) = memchr::memmem::find(&rest, EMPTY) else {
        return Err(std::io::Error::other(
            "JSON report: findings' place not found",
        ));
    };
    use rayon::prelude::*;
    out.write_all(&rest[..at])?;
    out.write_all(b"\"findings\": [\n")?;
    // Two chunks a thread at a time, so that the rendered text held stays small (about 0.5 MB a
    // thread) however many findings there are.
    let window = CHUNK * 2 * rayon::current_num_threads();
    for (w, window) in result.findings.chunks(window).enumerate() {
        let chunks: Vec<Vec<u8>> = window
            .par_chunks(CHUNK)
            .map(render_items)
            .collect::<Result<_, _>>()?;
        for (i, chunk) in chunks.iter().enumerate() {
            if w > 0 || i > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(chunk)?;
        }
    }
    out.write_all(b"\n  ]")?;
    out.write_all(&rest[at + EMPTY.len()..])?;
    out.write_all(b"\n")
}

/// Findings one thread renders at a time.
const CHUNK: usize = 256;

/// Findings as items of the document's `findings` array: each pretty-printed, every line
/// indented two levels (JSON strings hold no raw line breaks), separated by `,` lines.
fn render_items(findings: &[crate::finding::Finding]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(findings.len() * 1024);
    let mut one = Vec::with_capacity(2048);
    for (i, f) in findings.iter().enumerate() {
        one.clear();
        serde_json::to_writer_pretty(&mut one, f).map_err(std::io::Error::from)?;
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(b"    ");
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', &one) {
            out.extend_from_slice(&one[from..=nl]);
            out.extend_from_slice(b"    ");
            from = nl + 1;
        }
        out.extend_from_slice(&one[from..]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parallel writer gives the one-pass writer's bytes.
    #[test]
    fn parallel_rendering_is_byte_identical() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let rules = crate::rules::RuleSet::builtin().unwrap_or_else(|e| panic!("{e:?}"));
        let opts = crate::scan::Options {
            paths: vec![root.join("fixtures/rules")],
            ..Default::default()
        };
        let result = crate::scan::scan(&opts, &rules);
        assert!(result.findings.len() > 2000, "{}", result.findings.len());
        let summary = Summary::of(&result, 0);
        for flags in [(false, false), (true, true)] {
            let mut one = Vec::new();
            write_with(&mut one, &result, &summary, flags, usize::MAX).unwrap();
            let mut split = Vec::new();
            write_with(&mut split, &result, &summary, flags, 1).unwrap();
            assert!(one == split, "flags {flags:?}");
        }
    }
}
