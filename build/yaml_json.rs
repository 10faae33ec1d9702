//! Build-time YAML → JSON for the embedded rule files, so that start-up deserializes JSON
//! instead of parsing YAML (the YAML loader is most of a short run's time).
//!
//! It reads saphyr-parser's events (the parser lenslint's own loader uses) and types scalars
//! the way `parse::yaml` does (YAML 1.2 core schema: null, true/false in three spellings,
//! decimal numbers; anything else a string), then writes the value as `Node::to_json` would.
//! An alias stands for a copy of its anchored value, as in the loader. It only takes the
//! subset rule files are written in: a tag, a key that is not a string, or a parse error gives
//! `None`, and that file is loaded from its YAML at run time. The test `embedded_rule_json_matches_the_yaml_loader` checks every embedded
//! rule against the run-time loader.

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

enum Frame {
    Seq(Vec<Value>),
    Map(Map<String, Value>, Option<String>),
}

/// An open collection and the anchor it is recorded under (0: none).
type Open = (Frame, usize);

/// `[-+]? (digits (. digits*)? | . digits) ([eE] [-+]? digits)?`, as `parse::yaml` types numbers.
fn is_number(s: &str) -> bool {
    fn digits(b: &[u8], i: &mut usize) -> usize {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    }
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let whole = digits(b, &mut i);
    let mut fraction = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        fraction = digits(b, &mut i);
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(b, &mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn plain(value: String) -> Value {
    match value.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        s if is_number(s) => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .unwrap_or(Value::String(value)),
        _ => Value::String(value),
    }
}

/// Adds a finished value to the open collection; `None` when a key is not a plain string.
fn attach(stack: &mut [Open], root: &mut Option<Value>, v: Value) -> Option<()> {
    match stack.last_mut().map(|(f, _)| f) {
        None => {
            root.get_or_insert(v);
        }
        Some(Frame::Seq(items)) => items.push(v),
        Some(Frame::Map(entries, pending)) => match pending.take() {
            Some(key) => {
                entries.insert(key, v);
            }
            None => match v {
                Value::String(k) => *pending = Some(k),
                _ => return None,
            },
        },
    }
    Some(())
}

/// A YAML rule file as a JSON value, or `None` when it is outside the plain subset.
pub fn convert(text: &str) -> Option<Value> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    let mut anchors: std::collections::HashMap<usize, Value> = Default::default();
    while let Some(item) = parser.next_event() {
        let (event, _) = item.ok()?;
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                if tag.is_some() {
                    return None;
                }
                let v = if style == ScalarStyle::Plain {
                    plain(value.into_owned())
                } else {
                    Value::String(value.into_owned())
                };
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                attach(&mut stack, &mut root, v)?;
            }
            Event::SequenceStart(_, Some(_)) | Event::MappingStart(_, Some(_)) => return None,
            Event::SequenceStart(anchor, None) => stack.push((Frame::Seq(Vec::new()), anchor)),
            Event::MappingStart(anchor, None) => stack.push((Frame::Map(Map::new(), None), anchor)),
            Event::SequenceEnd | Event::MappingEnd => {
                let (frame, anchor) = stack.pop()?;
                let v = match frame {
                    Frame::Seq(items) => Value::Array(items),
                    Frame::Map(entries, None) => Value::Object(entries),
                    Frame::Map(_, Some(_)) => return None,
                };
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                attach(&mut stack, &mut root, v)?;
            }
            Event::Alias(id) => {
                let v = anchors.get(&id)?.clone();
                attach(&mut stack, &mut root, v)?;
            }
            Event::DocumentEnd => break,
            _ => {}
        }
    }
    Some(root.unwrap_or(Value::Null))
}
