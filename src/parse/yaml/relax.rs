//! Tolerance for continuation lines that PyYAML (and so CloudFormation) accepts but
//! saphyr-parser rejects: lines inside a flow collection (`[ ... ]`, `{ ... }`) or inside a
//! multi-line quoted scalar that are indented no deeper than the enclosing block, such as a `]`
//! closing a flow sequence at its parent key's column or a `}'` closing a single-quoted JSON
//! body. saphyr reports these as "invalid indentation" (only raised inside a flow collection),
//! "invalid indentation in flow construct" or "invalid indentation in quoted scalar" (at the
//! scalar's opening quote). For those three errors only, the document is parsed again from a
//! copy of the text in which the offending lines (every continuation line of the quoted scalar)
//! start with one more space; whitespace at the start of such a line is not content, so values
//! do not change. Inserted spaces are kept as a sorted table of original offsets, and every
//! span of the result is mapped back through it, so spans stay exact byte ranges into the
//! original text. Retries are bounded in count and in total bytes re-parsed; when they do not
//! succeed, the first error is reported (or a later genuine one the fix-up got past).

use super::Loader;
use crate::parse::Parsed;
use crate::tree::{Kind, Node, ParseError, Span};

/// Most re-parses of one document.
const MAX_ROUNDS: usize = 64;
/// Most bytes re-parsed, over all rounds, for one document.
const REPARSE_BUDGET: usize = 256 << 20;

const FLOW_INDENT: &str = "invalid YAML: invalid indentation";
const FLOW_SCALAR_INDENT: &str = "invalid YAML: invalid indentation in flow construct";
const QUOTED_INDENT: &str = "invalid YAML: invalid indentation in quoted scalar";

/// Loads `text`, re-trying with shifted continuation lines on the errors described above.
pub(super) fn load(text: &str) -> Result<Parsed, ParseError> {
    let first = match Loader::new(text).run() {
        Ok(parsed) => return Ok(parsed),
        Err(e) => e,
    };
    let rounds = max_rounds(text);
    let mut inserts: Vec<usize> = Vec::new();
    let mut error = first.clone();
    for _ in 0..rounds {
        let at = error.span.start as usize;
        let before = inserts.len();
        if error.message == FLOW_INDENT || error.message == FLOW_SCALAR_INDENT {
            inserts.push(line_start(text, at));
        } else if error.message == QUOTED_INDENT {
            inserts.extend(continuation_lines(text, at));
        }
        if inserts.len() == before {
            break;
        }
        inserts.sort_unstable();
        let shift = Shift::new(&inserts);
        let shifted = apply(text, &inserts);
        match Loader::new(&shifted).run() {
            Ok(mut parsed) => {
                shift.node(&mut parsed.root);
                for w in &mut parsed.warnings {
                    w.span = shift.span(w.span);
                }
                return Ok(parsed);
            }
            Err(mut e) => {
                e.span = shift.span(e.span);
                error = e;
            }
        }
    }
    // A genuine error further on is more useful than the first one the fix-up got past.
    let relaxable = [FLOW_INDENT, FLOW_SCALAR_INDENT, QUOTED_INDENT];
    if error.span.start > first.span.start && !relaxable.contains(&error.message.as_str()) {
        Err(error)
    } else {
        Err(first)
    }
}

/// How many re-parses `text` may have.
pub(super) fn max_rounds(text: &str) -> usize {
    MAX_ROUNDS.min(REPARSE_BUDGET / text.len().max(1))
}

/// Offset of the start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// Starts of the lines after the first of the quoted scalar opening at `at` (up to its closing
/// quote, or the end of the text when it is not closed).
fn continuation_lines(text: &str, at: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let quote = match bytes.get(at) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Vec::new(),
    };
    let mut lines = Vec::new();
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 1,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            b if b == quote => break,
            b'\n' => lines.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    lines
}

/// `text` with one space inserted before each offset of `inserts` (sorted).
fn apply(text: &str, inserts: &[usize]) -> String {
    let mut out = String::with_capacity(text.len() + inserts.len());
    let mut from = 0;
    for &at in inserts {
        out.push_str(&text[from..at]);
        out.push(' ');
        from = at;
    }
    out.push_str(&text[from..]);
    out
}

/// Maps offsets in the shifted text back to the original.
struct Shift {
    /// Shifted offsets of the inserted spaces (strictly increasing).
    spaces: Vec<usize>,
}

impl Shift {
    fn new(inserts: &[usize]) -> Shift {
        let spaces = inserts.iter().enumerate().map(|(j, at)| at + j).collect();
        Shift { spaces }
    }

    fn offset(&self, at: u32) -> u32 {
        let at = at as usize;
        let before = self.spaces.partition_point(|&s| s < at);
        (at - before) as u32
    }

    fn span(&self, span: Span) -> Span {
        Span {
            start: self.offset(span.start),
            end: self.offset(span.end),
        }
    }

    fn node(&self, node: &mut Node) {
        node.span = self.span(node.span);
        match &mut node.kind {
            Kind::Seq(items) | Kind::Template(items) => {
                items.iter_mut().for_each(|n| self.node(n));
            }
            Kind::Map(entries) => {
                for (key, value) in entries {
                    key.span = self.span(key.span);
                    self.node(value);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_yaml;
    use crate::tree::{Kind, Node, Span};

    fn at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    fn path<'n>(root: &'n Node, keys: &[&str]) -> &'n Node {
        keys.iter().fold(root, |n, k| n.get(k).expect(k))
    }

    #[test]
    fn flow_sequence_closed_at_the_parent_column() {
        let text = "\
S:
  - Effect: Allow
    Action:
        [
        \"a\",
        \"b\"
    ]
    Resource: \"*\"
";
        let root = parse_yaml(text).expect("accepted").root;
        let stmt = &path(&root, &["S"]).as_seq().unwrap()[0];
        let action = stmt.get("Action").unwrap();
        assert_eq!(
            at(text, action.span),
            "[\n        \"a\",\n        \"b\"\n    ]"
        );
        let items = action.as_seq().unwrap();
        assert_eq!(items[1].kind, Kind::Str("b".into()));
        assert_eq!(at(text, items[1].span), "\"b\"");
        let (key, value) = stmt.entry("Resource").unwrap();
        assert_eq!(
            (at(text, key.span), at(text, value.span)),
            ("Resource", "\"*\"")
        );
    }

    #[test]
    fn flow_items_at_the_parent_column_need_several_rounds() {
        let text = "A:\n  - K: [\n    x,\n    y\n    ]\n    L: z\n";
        let root = parse_yaml(text).expect("accepted").root;
        let item = &root.get("A").unwrap().as_seq().unwrap()[0];
        let k = item.get("K").unwrap().as_seq().unwrap();
        assert_eq!(at(text, k[1].span), "y");
        assert_eq!(at(text, item.get("L").unwrap().span), "z");
    }

    #[test]
    fn quoted_scalar_continuation_at_the_parent_column() {
        let text = "\
Top:
  - Config:
      Overrides: !Sub '{
        \"Id\": \"${AWS::AccountId}\"
      }'
      Next: n
    Name: \"one
    two \\\"q\\\"
    three\"
";
        let parsed = parse_yaml(text).expect("accepted");
        let item = &parsed.root.get("Top").unwrap().as_seq().unwrap()[0];
        let sub = path(item, &["Config", "Overrides", "Fn::Sub"]);
        assert_eq!(
            sub.kind,
            Kind::Str("{ \"Id\": \"${AWS::AccountId}\" }".into())
        );
        assert!(at(text, sub.span).starts_with("'{") && at(text, sub.span).ends_with("}'"));
        let (key, next) = path(item, &["Config"]).entry("Next").unwrap();
        assert_eq!((at(text, key.span), at(text, next.span)), ("Next", "n"));
        let name = item.get("Name").unwrap();
        assert_eq!(name.kind, Kind::Str("one two \"q\" three".into()));
        assert_eq!(at(text, name.span), "\"one\n    two \\\"q\\\"\n    three\"");
    }

    #[test]
    fn crlf_and_bom_spans_stay_exact() {
        let text = "\u{feff}A:\r\n  K: [\r\n    x\r\n  ]\r\n  L: é\r\n";
        let root = parse_yaml(text).expect("accepted").root;
        let a = root.get("A").unwrap();
        assert_eq!(at(text, a.get("K").unwrap().span), "[\r\n    x\r\n  ]");
        let (key, value) = a.entry("L").unwrap();
        assert_eq!((at(text, key.span), at(text, value.span)), ("L", "é"));
    }

    #[test]
    fn genuine_errors_are_still_reported_at_their_place() {
        // Not a continuation-line problem: the first error stands.
        let text = "a:\n  b: [1,\n  c: d\n";
        let err = parse_yaml(text).unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err:?}");
        // A real error after a relaxed one is reported where it is.
        let text = "A:\n  K: [\n  x]\nB: [\"unclosed\n";
        let err = parse_yaml(text).unwrap_err();
        assert!(
            err.span.start as usize >= text.find("B:").unwrap(),
            "{err:?}"
        );
        // Too far left even after many rounds: still an error, no hang.
        let text = format!("A:\n  - K: [\n{}]\n", "x,\n".repeat(200));
        assert!(parse_yaml(&text).is_err());
    }

    #[test]
    fn duplicate_key_warnings_are_mapped_back() {
        let text = "A:\n  K: [\n  x]\n  K: 2\n";
        let parsed = parse_yaml(text).expect("accepted");
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(at(text, parsed.warnings[0].span), "K");
        assert_eq!(
            parsed.warnings[0].span.start as usize,
            text.rfind('K').unwrap()
        );
    }
}
