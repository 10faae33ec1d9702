//! Loaders that turn template text (YAML or JSON) into the span-carrying [`Node`] tree.
//!
//! Both loaders produce the same shape: maps keep every entry in source order (duplicates are
//! kept and reported as warnings, the last one wins on lookup), numbers keep the text as written,
//! CloudFormation short tags are rewritten to the JSON long form, and every span is a byte range
//! into the original text (a leading UTF-8 BOM included). Neither loader panics or overflows the
//! stack on hostile input: nesting is capped, YAML alias expansion is budgeted, and a panic inside
//! a third-party parser is turned into a [`ParseError`].

pub mod hcl;
pub mod json;
pub mod yaml;

pub use json::parse_json;
pub use yaml::parse_yaml;

use crate::tree::{Key, Node, ParseError, Span};

/// A loaded document: its root value and the problems that did not stop loading it.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub root: Node,
    /// Non-fatal problems (duplicate keys), in source order.
    pub warnings: Vec<ParseError>,
}

/// Runs a loader, turning a panic inside a third-party parser into an error for this file
/// instead of taking the whole run down.
fn guard(
    format: &str,
    load: impl FnOnce() -> Result<Parsed, ParseError>,
) -> Result<Parsed, ParseError> {
    let mut result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)).unwrap_or_else(|_| {
            Err(ParseError::new(
                format!("internal error in the {format} parser"),
                Span::default(),
            ))
        });
    if let Ok(parsed) = &mut result {
        parsed.warnings.sort_by_key(|w| (w.span.start, w.span.end));
    }
    result
}

/// Pushes a warning for every key of `entries` that repeats an earlier one.
fn check_duplicate_keys(entries: &[(Key, Node)], warnings: &mut Vec<ParseError>) {
    let mut warn = |key: &Key| {
        warnings.push(ParseError::new(
            format!("duplicate key `{}` (the last one wins)", key.name),
            key.span,
        ))
    };
    if entries.len() <= 16 {
        for (i, (key, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(k, _)| k.name == key.name) {
                warn(key);
            }
        }
        return;
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries[a].0.name.cmp(&entries[b].0.name).then(a.cmp(&b)));
    for pair in order.windows(2) {
        if entries[pair[0]].0.name == entries[pair[1]].0.name {
            warn(&entries[pair[1]].0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Kind;

    fn entries(names: &[&str]) -> Vec<(Key, Node)> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let key = Key {
                    name: n.to_string(),
                    span: Span::new(i, i + 1),
                };
                (key, Node::new(Span::default(), Kind::Null))
            })
            .collect()
    }

    #[test]
    fn duplicate_keys_small_and_large_maps() {
        let mut warnings = Vec::new();
        check_duplicate_keys(&entries(&["a", "b", "a", "a"]), &mut warnings);
        let spans: Vec<u32> = warnings.iter().map(|w| w.span.start).collect();
        assert_eq!(spans, [2, 3]);
        assert_eq!(warnings[0].message, "duplicate key `a` (the last one wins)");

        let mut names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        names.push("k7".into());
        names.push("k7".into());
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut warnings = Vec::new();
        check_duplicate_keys(&entries(&refs), &mut warnings);
        let spans: Vec<u32> = warnings.iter().map(|w| w.span.start).collect();
        assert_eq!(spans, [40, 41]);
    }

    const YAML: &str = "\u{feff}AWSTemplateFormatVersion: '2010-09-09'\r
Parameters: {Env: {Type: String, Default: prod}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Bücket: &b
    Type: AWS::S3::Bucket # 🔑
    Properties:
      BucketName: !Sub '${AWS::StackName}-data'
      Tags:
        - {Key: k, Value: !GetAtt Role.Arn}
      Policy: !If [IsProd, !Join [':', [a, b]], !Ref AWS::NoValue]
      Text: |
        line one
  Copy: *b
";

    const JSON: &str = "\u{feff}{\"Resources\": {\"Bücket\": {\"Type\": \"AWS::S3::Bucket\",
  \"Properties\": {\"Name\": {\"Fn::Sub\": \"${AWS::StackName}-🔑\"}, \"N\": [1, -2.5e3, true, null]}}}}";

    /// Truncations and random corruptions of sample templates never panic either parser.
    #[test]
    fn hostile_input_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let check = |text: &str| {
            for result in [parse_yaml(text), parse_json(text)] {
                if let Err(e) = result {
                    assert!(!e.message.contains("internal error"), "{text:?}: {e:?}");
                    assert!(e.span.start <= e.span.end && e.span.end as usize <= text.len());
                }
            }
        };
        assert!(parse_yaml(YAML).is_ok() && parse_json(JSON).is_ok() && parse_yaml(JSON).is_ok());
        for sample in [YAML, JSON] {
            for (cut, _) in sample.char_indices() {
                check(&sample[..cut]);
            }
            let special = b"-:?[]{},&*!|>'\"#%@` \t\r\n\\.0aZ\xc3\xa9\xef\xbb\xbf";
            for _ in 0..3000 {
                let mut bytes = sample.as_bytes().to_vec();
                for _ in 0..1 + random() % 4 {
                    let at = random() as usize % bytes.len();
                    let byte = special[random() as usize % special.len()];
                    match random() % 3 {
                        0 => bytes[at] = byte,
                        1 => bytes.insert(at, byte),
                        _ => drop(bytes.remove(at)),
                    }
                }
                check(&String::from_utf8_lossy(&bytes));
            }
        }
        for _ in 0..500 {
            let len = random() as usize % 64;
            let bytes: Vec<u8> = (0..len).map(|_| random() as u8).collect();
            check(&String::from_utf8_lossy(&bytes));
        }
    }
}
