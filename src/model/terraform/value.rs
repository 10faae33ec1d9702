//! Helpers on evaluated values (`Node`s) shared by the Terraform evaluator and its functions.
//!
//! Evaluation is tri-state: a node is known, a reference to a resource, or unknown. Unknown
//! values produced by an *error* (a missing map key, a bad function argument) carry a reason
//! starting with [`ERROR_PREFIX`], so that `try()` and `can()` can tell "this would fail in
//! Terraform" from "this depends on an input we do not have". This module also holds the
//! value-level operations (equality, number formatting, JSON text, respanning, measuring)
//! that never look at source expressions.

use crate::tree::{Key, Kind, Node, Span};

/// Prefix of the reason of an unknown that stands for an evaluation error.
pub(super) const ERROR_PREFIX: &str = "error: ";

/// An unknown standing for an evaluation error.
pub(super) fn error(span: Span, message: impl AsRef<str>) -> Node {
    Node::unknown(span, format!("{ERROR_PREFIX}{}", message.as_ref()))
}

/// True when `node` is (or contains) an error unknown.
pub(super) fn has_error(node: &Node) -> bool {
    let mut found = false;
    node.walk(&mut |n| {
        if let Kind::Unknown(why) = &n.kind {
            found |= why.starts_with(ERROR_PREFIX);
        }
        !found
    });
    found
}

/// True when `node` contains no `Unknown`, `Ref` or `Template` anywhere.
pub(super) fn fully_known(node: &Node) -> bool {
    let mut known = true;
    node.walk(&mut |n| {
        if matches!(n.kind, Kind::Unknown(_) | Kind::Ref(_) | Kind::Template(_)) {
            known = false;
        }
        known
    });
    known
}

/// True when `node` contains an `Unknown` anywhere (references are values, not unknowns).
pub(super) fn has_unknown(node: &Node) -> bool {
    let mut found = false;
    node.walk(&mut |n| {
        found |= n.is_unknown();
        !found
    });
    found
}

/// The unknown to return when an operation cannot be evaluated because of `inputs`: the first
/// error among them (so that errors propagate to `try`), else `Unknown(why)`.
pub(super) fn unknown_from(inputs: &[&Node], span: Span, why: impl Into<String>) -> Node {
    for input in inputs {
        let mut reason = None;
        input.walk(&mut |n| {
            if let Kind::Unknown(w) = &n.kind {
                if w.starts_with(ERROR_PREFIX) {
                    reason = Some(w.clone());
                }
            }
            reason.is_none()
        });
        if let Some(reason) = reason {
            return Node::unknown(span, reason);
        }
    }
    Node::unknown(span, why)
}

/// Boolean value, accepting the strings `"true"`/`"false"` as Terraform converts them.
pub(super) fn as_bool(node: &Node) -> Option<bool> {
    match &node.kind {
        Kind::Bool(b) => Some(*b),
        Kind::Str(s) if s == "true" => Some(true),
        Kind::Str(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Numeric value of a number, or of a string holding one (Terraform converts those).
pub(super) fn as_num(node: &Node) -> Option<f64> {
    match &node.kind {
        Kind::Num(n) | Kind::Str(n) => n.trim().parse::<f64>().ok().filter(|v| v.is_finite()),
        _ => None,
    }
}

/// A number as Terraform prints it: integers without a fraction.
pub(super) fn format_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub(super) fn num(span: Span, v: f64) -> Node {
    Node::new(span, Kind::Num(format_num(v)))
}

/// The string a known scalar converts to (`tostring`, interpolation, string functions).
pub(super) fn as_string(node: &Node) -> Option<String> {
    node.scalar_text().map(|s| s.into_owned())
}

/// Value equality ignoring spans; `None` when either side is not fully known.
pub(super) fn value_eq(a: &Node, b: &Node) -> Option<bool> {
    if !fully_known(a) || !fully_known(b) {
        return None;
    }
    Some(known_eq(a, b))
}

fn known_eq(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Num(x), Kind::Num(y)) => match (as_num(a), as_num(b)) {
            (Some(p), Some(q)) => p == q,
            _ => x == y,
        },
        (Kind::Seq(x), Kind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| known_eq(p, q))
        }
        (Kind::Map(_), Kind::Map(_)) => map_eq(a, b),
        _ => false,
    }
}

fn map_eq(a: &Node, b: &Node) -> bool {
    let (Some(x), Some(y)) = (a.as_map(), b.as_map()) else {
        return false;
    };
    fn keys_of(m: &[(Key, Node)]) -> Vec<&str> {
        let mut k: Vec<&str> = m.iter().map(|(k, _)| k.name.as_str()).collect();
        k.sort_unstable();
        k.dedup();
        k
    }
    let (kx, ky) = (keys_of(x), keys_of(y));
    kx == ky
        && kx
            .iter()
            .all(|k| matches!((a.get(k), b.get(k)), (Some(p), Some(q)) if known_eq(p, q)))
}

/// Compact JSON text of a fully known value (`None` otherwise).
pub(super) fn json_text(node: &Node) -> Option<String> {
    if !fully_known(node) {
        return None;
    }
    serde_json::to_string(&node.to_json()).ok()
}

/// Converts parsed JSON into a node whose every span is `span`.
pub(super) fn from_json(value: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value;
    let kind = match value {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Num(n.to_string()),
        Value::String(s) => Kind::Str(s.clone()),
        Value::Array(items) => Kind::Seq(items.iter().map(|v| from_json(v, span)).collect()),
        Value::Object(map) => Kind::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = Key {
                        name: k.clone(),
                        span,
                    };
                    (key, from_json(v, span))
                })
                .collect(),
        ),
    };
    Node::new(span, kind)
}

/// Sets the span of `node`, its keys and all its descendants to `span`.
pub(super) fn respan_all(node: &mut Node, span: Span) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        n.span = span;
        match &mut n.kind {
            Kind::Seq(items) | Kind::Template(items) => stack.extend(items.iter_mut()),
            Kind::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    k.span = span;
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

/// Size (a node count, plus one per 16 bytes of string) and depth of a value, measured
/// without recursion. Used to charge copies of memoized values to the evaluation budget.
pub(super) fn measure(node: &Node) -> (usize, usize) {
    let mut size = 0usize;
    let mut depth = 0usize;
    let mut stack = vec![(node, 1usize)];
    while let Some((n, d)) = stack.pop() {
        depth = depth.max(d);
        size += 1;
        match &n.kind {
            Kind::Str(s) | Kind::Num(s) | Kind::Unknown(s) => size += s.len() / 16,
            Kind::Seq(items) | Kind::Template(items) => {
                stack.extend(items.iter().map(|i| (i, d + 1)));
            }
            Kind::Map(entries) => stack.extend(entries.iter().map(|(_, v)| (v, d + 1))),
            _ => {}
        }
    }
    (size, depth)
}

/// A key usable to deduplicate fully known values (`distinct`, `toset`).
pub(super) fn dedup_key(node: &Node) -> String {
    serde_json::to_string(&node.to_json()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::str(Span::default(), v)
    }

    #[test]
    fn numbers_compare_numerically_and_format_as_terraform() {
        let a = Node::new(Span::default(), Kind::Num("1.50".into()));
        let b = Node::new(Span::default(), Kind::Num("1.5".into()));
        assert_eq!(value_eq(&a, &b), Some(true));
        assert_eq!(value_eq(&a, &s("1.5")), Some(false));
        assert_eq!(format_num(3.0), "3");
        assert_eq!(format_num(0.5), "0.5");
    }

    #[test]
    fn unknown_from_prefers_errors() {
        let e = error(Span::default(), "boom");
        let u = Node::unknown(Span::default(), "var.x");
        let r = unknown_from(&[&u, &e], Span::default(), "f(...)");
        assert_eq!(r.kind, Kind::Unknown("error: boom".into()));
        let r = unknown_from(&[&u], Span::default(), "f(...)");
        assert_eq!(r.kind, Kind::Unknown("f(...)".into()));
    }
}
