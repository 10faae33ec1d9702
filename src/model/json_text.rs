//! JSON documents written as strings: IAM and bucket policies in heredocs or JSON-escaped
//! strings, SageMaker pipeline definitions, Bedrock flow definitions, OpenSearch Serverless
//! policies. After a unit is loaded, every string that holds a JSON object or array becomes
//! `Kind::JsonText`, carrying its parsed document, so rule paths walk into it
//! (`PipelineDefinition.PipelineDefinitionBody.Steps[*].Arguments...`) while comparisons still
//! see the string. Spans inside the document point into the source where the string is
//! written there verbatim (or line by line, for indented heredocs); otherwise at the string.

use super::Unit;
use crate::parse::parse_json;
use crate::tree::{Kind, Node, Span};

/// Strings longer than this are left alone (a template's own size limit is 1 MB).
const MAX_JSON_TEXT: usize = 1 << 20;

pub fn expand_unit(unit: &mut Unit) {
    let Unit {
        files, resources, ..
    } = unit;
    for r in resources.iter_mut() {
        let source = files.get(r.file).map_or("", |f| f.text.as_str());
        expand(&mut r.properties, source, 0);
        for w in &mut r.worlds {
            expand(&mut w.properties, source, 0);
        }
    }
}

fn looks_like_json(s: &str) -> bool {
    let t = s.trim_start();
    (t.starts_with('{') || t.starts_with('[')) && s.len() <= MAX_JSON_TEXT
}

fn expand(node: &mut Node, source: &str, depth: u32) {
    if depth > 256 {
        return;
    }
    match &mut node.kind {
        Kind::Str(s) if looks_like_json(s) => {
            if let Some(doc) = parse_document(source, node.span, s) {
                let text = std::mem::take(s);
                node.kind = Kind::JsonText(text, Box::new(doc));
            }
        }
        Kind::Seq(items) | Kind::Template(items) => {
            items.iter_mut().for_each(|n| expand(n, source, depth + 1))
        }
        Kind::Map(entries) => entries
            .iter_mut()
            .for_each(|(_, v)| expand(v, source, depth + 1)),
        _ => {}
    }
}

/// Parses `text` (the value of the string at `span`) and maps its spans into the source.
pub fn parse_document(source: &str, span: Span, text: &str) -> Option<Node> {
    let mut doc = parse_json(text.trim_start_matches('\u{feff}')).ok()?.root;
    let slice = source
        .get(span.start as usize..span.end as usize)
        .unwrap_or("");
    let base = span.start;
    if let Some(i) = slice.find(text).filter(|_| !text.is_empty()) {
        let base = base + i as u32;
        shift(&mut doc, &|s| Span {
            start: s.start + base,
            end: s.end + base,
        });
    } else if let Some(lines) = align_lines(slice, text) {
        let map = |off: u32| -> u32 {
            let i = lines.partition_point(|(t, _)| *t <= off).saturating_sub(1);
            let (t, src) = lines[i];
            base + src + (off - t)
        };
        shift(&mut doc, &|s| Span {
            start: map(s.start),
            end: map(s.end),
        });
    } else {
        shift(&mut doc, &|_| span);
    }
    Some(doc)
}

fn shift(node: &mut Node, f: &dyn Fn(Span) -> Span) {
    node.span = f(node.span);
    match &mut node.kind {
        Kind::Seq(items) | Kind::Template(items) => items.iter_mut().for_each(|n| shift(n, f)),
        Kind::Map(entries) => {
            for (k, v) in entries {
                k.span = f(k.span);
                shift(v, f);
            }
        }
        _ => {}
    }
}

/// For each line of `text`, (its offset in `text`, its offset in `slice`), when every line
/// of `text` appears in order in `slice` (an indented heredoc loses its indentation).
fn align_lines(slice: &str, text: &str) -> Option<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    let mut t_off = 0usize;
    let mut from = 0usize;
    for line in text.split('\n') {
        let body = line.trim_end_matches('\r');
        let found = if body.trim().is_empty() {
            from
        } else {
            from + slice.get(from..)?.find(body)?
        };
        out.push((t_off as u32, found as u32));
        from = found + body.len();
        t_off += line.len() + 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_spans_map_back_line_by_line() {
        let source = "policy = <<-EOT\n    {\n      \"Action\": \"s3:*\"\n    }\n    EOT\n";
        let text = "{\n  \"Action\": \"s3:*\"\n}\n";
        let span = Span::new(9, source.len() - 1);
        let doc = parse_document(source, span, text).expect("parses");
        let (k, _) = doc.entry("Action").expect("key");
        assert_eq!(
            &source[k.span.start as usize..k.span.end as usize],
            "\"Action\""
        );
    }

    #[test]
    fn escaped_json_points_at_the_string() {
        let source = r#"{"P": "{\"Action\": \"s3:*\"}"}"#;
        let span = Span::new(6, source.len() - 1);
        let doc = parse_document(source, span, r#"{"Action": "s3:*"}"#).expect("parses");
        assert_eq!(doc.entry("Action").expect("key").0.span, span);
    }
}
