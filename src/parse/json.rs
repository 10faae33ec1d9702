//! JSON loader: parses strict JSON (no comments, trailing commas, unquoted keys, single quotes,
//! hex or non-finite numbers) with `jsonc-parser` and maps its AST onto the [`Node`] tree. Keys
//! and strings span their quotes, numbers keep the text as written, and duplicate keys are kept
//! with a warning. A leading UTF-8 BOM is skipped, spans staying byte offsets into the original
//! text. `jsonc-parser` caps nesting itself (512 arrays or 256 objects deep), so deep input
//! returns an error instead of overflowing the stack; whitespace-only text gives a `Null` root
//! like an empty YAML file. A document with more than a million values is refused before it is
//! parsed, so memory stays bounded.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Range;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

use super::{check_duplicate_keys, guard, Parsed};
use crate::tree::{Key, Kind, Node, ParseError, Span};

/// Parses one JSON document.
pub fn parse_json(text: &str) -> Result<Parsed, ParseError> {
    guard("JSON", || {
        let (body, offset) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, text.len() - rest.len()),
            None => (text, 0),
        };
        let options = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        if let Some(at) = over_budget(body) {
            let message = format!("JSON document has more than {NODE_BUDGET} values");
            return Err(ParseError::new(
                message,
                Span::new(at + offset, at + offset),
            ));
        }
        let ast = parse_to_ast(body, &CollectOptions::default(), &options).map_err(|e| {
            let message = format!("invalid JSON: {}", e.kind());
            ParseError::new(message, span(e.range(), offset))
        })?;
        let mut loader = Loader {
            offset,
            warnings: Vec::new(),
        };
        let root = match ast.value {
            Some(value) => loader.node(value),
            None => Node::new(Span::new(offset, offset), Kind::Null),
        };
        Ok(Parsed {
            root,
            warnings: loader.warnings,
        })
    })
}

/// Most values (keys included) one document may have: the parser's syntax tree costs about a
/// hundred bytes a value, so this bounds memory whatever the file size.
const NODE_BUDGET: usize = 1_000_000;

/// Where the document passes [`NODE_BUDGET`] values, counted from its separators and openers
/// (`,` `:` `[` `{`) outside strings, in one pass before anything is allocated.
fn over_budget(text: &str) -> Option<usize> {
    if text.len() < NODE_BUDGET {
        return None;
    }
    let mut count = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b':' | b'[' | b'{' => {
                count += 1;
                if count > NODE_BUDGET {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn span(range: Range, offset: usize) -> Span {
    Span::new(range.start + offset, range.end + offset)
}

struct Loader {
    offset: usize,
    warnings: Vec<ParseError>,
}

impl Loader {
    /// Converts a value (recursion is bounded by the parser's nesting cap).
    fn node(&mut self, value: Value<'_>) -> Node {
        let offset = self.offset;
        let at = |range| span(range, offset);
        match value {
            Value::StringLit(s) => Node::new(at(s.range), Kind::Str(s.value.into_owned())),
            Value::NumberLit(n) => Node::new(at(n.range), Kind::Num(n.value.to_string())),
            Value::BooleanLit(b) => Node::new(at(b.range), Kind::Bool(b.value)),
            Value::NullKeyword(n) => Node::new(at(n.range), Kind::Null),
            Value::Array(a) => {
                let span = at(a.range);
                let items = a.elements.into_iter().map(|v| self.node(v)).collect();
                Node::new(span, Kind::Seq(items))
            }
            Value::Object(o) => {
                let span = at(o.range);
                let mut entries = Vec::with_capacity(o.properties.len());
                for prop in o.properties {
                    let key = match prop.name {
                        ObjectPropName::String(s) => Key {
                            name: s.value.into_owned(),
                            span: at(s.range),
                        },
                        ObjectPropName::Word(w) => Key {
                            name: w.value.to_string(),
                            span: at(w.range),
                        },
                    };
                    entries.push((key, self.node(prop.value)));
                }
                check_duplicate_keys(&entries, &mut self.warnings);
                Node::new(span, Kind::Map(entries))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse_json(text)
            .unwrap_or_else(|e| panic!("{text:?} failed: {e:?}"))
            .root
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn key_and_value_spans_include_quotes() {
        let text =
            "{\"Desc\": \"café 🔑\", \"🔑\": {\"Type\": \"AWS::S3::Bucket\", \"N\": [1, \"x\"]}}";
        let r = root(text);
        assert_eq!(r.span, Span::new(0, text.len()));
        let (key, value) = r.entry("🔑").unwrap();
        assert_eq!(at(text, key.span), "\"🔑\"");
        assert_eq!(
            at(text, value.span),
            "{\"Type\": \"AWS::S3::Bucket\", \"N\": [1, \"x\"]}"
        );
        let (key, ty) = value.entry("Type").unwrap();
        assert_eq!(at(text, key.span), "\"Type\"");
        assert_eq!(at(text, ty.span), "\"AWS::S3::Bucket\"");
        assert_eq!(ty.kind, Kind::Str("AWS::S3::Bucket".into()));
        let n = value.get("N").unwrap();
        assert_eq!(at(text, n.span), "[1, \"x\"]");
        assert_eq!(at(text, n.as_seq().unwrap()[1].span), "\"x\"");
    }

    #[test]
    fn scalar_kinds() {
        let r = root(r#"[1, -1.5e3, 0, "2", true, false, null, "a\"\u00e9"]"#);
        let kinds: Vec<&Kind> = r.as_seq().unwrap().iter().map(|n| &n.kind).collect();
        let expected = [
            Kind::Num("1".into()),
            Kind::Num("-1.5e3".into()),
            Kind::Num("0".into()),
            Kind::Str("2".into()),
            Kind::Bool(true),
            Kind::Bool(false),
            Kind::Null,
            Kind::Str("a\"é".into()),
        ];
        assert_eq!(kinds, expected.iter().collect::<Vec<_>>());
    }

    #[test]
    fn duplicate_keys_warn_and_last_wins() {
        let text = "{\"A\": 1, \"B\": 2, \"A\": 3}";
        let parsed = parse_json(text).unwrap();
        assert_eq!(parsed.root.as_map().unwrap().len(), 3);
        assert_eq!(parsed.root.get("A").unwrap().kind, Kind::Num("3".into()));
        assert_eq!(parsed.warnings.len(), 1);
        let warning = &parsed.warnings[0];
        assert_eq!(warning.message, "duplicate key `A` (the last one wins)");
        assert_eq!(at(text, warning.span), "\"A\"");
        assert_eq!(warning.span.start, 17);
    }

    #[test]
    fn strict_json_only() {
        for text in [
            "{\"a\": 1} // c",
            "{/* c */ \"a\": 1}",
            "{\"a\": 1,}",
            "[1, 2,]",
            "{a: 1}",
            "{'a': 1}",
            "[0x1F]",
            "[+1]",
            "[.5]",
            "[NaN]",
            "[1 2]",
            "[\"\\x41\"]",
            "{} {}",
        ] {
            let err = parse_json(text).err();
            assert!(err.is_some(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}{\r\n  \"Key\": \"é\",\r\n  \"N\": 2\r\n}\r\n";
        let r = root(text);
        let (key, value) = r.entry("Key").unwrap();
        assert_eq!(at(text, key.span), "\"Key\"");
        assert_eq!(at(text, value.span), "\"é\"");
        assert_eq!(r.span.start, 3);
        let err = parse_json("\u{feff}{\"a\" 1}").unwrap_err();
        assert!(err.span.start >= 3, "{err:?}");
    }

    #[test]
    fn errors_have_sensible_spans() {
        let text = "{\"Resources\": {\"B\": [1, 2";
        let err = parse_json(text).unwrap_err();
        assert!(err.message.starts_with("invalid JSON: "), "{err:?}");
        assert!(err.span.end as usize <= text.len());
        assert!(
            err.span.start as usize >= text.find('[').unwrap(),
            "{err:?}"
        );
        let text = "{\"a\": \"unterminated é";
        let err = parse_json(text).unwrap_err();
        assert!(err.span.start as usize >= 6 && err.span.end as usize <= text.len());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for text in ["[".repeat(10_000), "{\"a\":".repeat(10_000)] {
            let err = parse_json(&text).unwrap_err();
            assert!(err.message.contains("nesting"), "{err:?}");
        }
        let fine = "[".repeat(256) + &"]".repeat(256);
        assert!(parse_json(&fine).is_ok());
    }

    #[test]
    fn huge_documents_are_refused_before_parsing() {
        let many = format!("[{}1]", "1,".repeat(NODE_BUDGET));
        let err = parse_json(&many).unwrap_err();
        assert!(err.message.contains("more than 1000000 values"), "{err:?}");
        assert_eq!(err.span.start as usize, 2 * NODE_BUDGET);
        // Separators inside strings do not count.
        let long = format!("[\"{}\"]", ",:[{\\\"".repeat(NODE_BUDGET / 2));
        assert!(parse_json(&long).is_ok());
    }

    #[test]
    fn empty_file_is_null() {
        for text in ["", "  \n", "\u{feff}"] {
            assert_eq!(root(text).kind, Kind::Null, "{text:?}");
        }
    }
}
