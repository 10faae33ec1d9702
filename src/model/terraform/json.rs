//! Terraform's JSON syntax (`.tf.json`): values whose strings are templates, and block bodies.
//!
//! In JSON syntax every string is a template: `"${aws_kms_key.k.arn}"` is a reference and
//! `"arn:${var.p}:x"` a string with parts. Such strings are evaluated with the native template
//! evaluator and the result is placed at the JSON string (offsets inside a template are not
//! offsets into the file, because of JSON escapes). Numbers, booleans, null, arrays and
//! objects are literal. A block body is an object: its properties become the map rules
//! navigate, `"//"` comment properties are dropped (at the top of a resource, the
//! meta-arguments too), and `"dynamic": {"NAME": {"for_each": ..., "content": {...}}}` is
//! expanded like a native dynamic block when its `for_each` is known. Without the provider's
//! schema an object property cannot be told from a nested block; rule paths read a map and a
//! list of maps alike, so objects stay maps.

use super::body::{iterator_element, META_ATTRIBUTES, META_BLOCKS};
use super::eval::{iteration_items, Cx, Evaluator};
use super::items::entries;
use super::value::{error, respan_all};
use crate::tree::{Key, Kind, Node, Span};

impl Evaluator<'_> {
    /// Evaluates a JSON value as a Terraform expression.
    pub(crate) fn eval_json(&mut self, node: &Node, cx: Cx<'_>) -> Node {
        self.nested(cx, node.span, |ev| ev.eval_json_inner(node, cx))
    }

    fn eval_json_inner(&mut self, node: &Node, cx: Cx<'_>) -> Node {
        match &node.kind {
            Kind::Str(s) if s.contains("${") || s.contains("%{") => {
                self.json_template(s, node.span, cx)
            }
            Kind::Seq(items) => {
                let items = items.iter().map(|i| self.eval_json(i, cx)).collect();
                Node::new(node.span, Kind::Seq(items))
            }
            Kind::Map(entries) => {
                let entries = entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.eval_json(v, cx)))
                    .collect();
                Node::new(node.span, Kind::Map(entries))
            }
            _ => node.clone(),
        }
    }

    fn json_template(&mut self, text: &str, span: Span, cx: Cx<'_>) -> Node {
        let template = match hcl_edit::parser::parse_template(text) {
            Ok(t) => t,
            Err(e) => return error(span, format!("template: {}", e.message())),
        };
        let foreign = Cx {
            src: text,
            anchor: Some(span),
            ..cx
        };
        let mut node = self.eval_template(&template, foreign, span);
        respan_all(&mut node, span);
        node
    }

    /// The properties of a block written as a JSON object. `top`: a resource or data block,
    /// whose meta-arguments are dropped.
    pub(crate) fn json_body(&mut self, body: &Node, cx: Cx<'_>, top: bool) -> Node {
        let Some(entries) = body.as_map() else {
            return Node::new(body.span, Kind::Map(Vec::new()));
        };
        self.nested(cx, body.span, |ev| {
            let mut out: Vec<(Key, Node)> = Vec::new();
            for (key, value) in entries {
                let name = key.name.as_str();
                let meta = META_ATTRIBUTES.contains(&name) || META_BLOCKS.contains(&name);
                if name == "//" || (top && meta) {
                    continue;
                }
                if name == "dynamic" {
                    ev.json_dynamic(value, cx, &mut out);
                    continue;
                }
                let v = ev.json_value(value, cx);
                if !matches!(v.kind, Kind::Null) {
                    out.push((key.clone(), v));
                }
            }
            Node::new(body.span, Kind::Map(out))
        })
    }

    /// A property value: objects (nested blocks or maps) are read as bodies, also in arrays.
    fn json_value(&mut self, value: &Node, cx: Cx<'_>) -> Node {
        match &value.kind {
            Kind::Map(_) => self.json_body(value, cx, false),
            Kind::Seq(items) => self.nested(cx, value.span, |ev| {
                let items = items.iter().map(|i| ev.json_value(i, cx)).collect();
                Node::new(value.span, Kind::Seq(items))
            }),
            _ => self.eval_json(value, cx),
        }
    }

    /// Expands `"dynamic": {"NAME": {"for_each": X, "iterator": "it", "content": {...}}}`
    /// into the block list `NAME` of `out`.
    fn json_dynamic(&mut self, spec: &Node, cx: Cx<'_>, out: &mut Vec<(Key, Node)>) {
        for (label, block) in entries(spec) {
            let name = label.name.as_str();
            let Some(content) = block.get("content") else {
                continue;
            };
            let for_each = match block.get("for_each") {
                Some(f) => self.eval_json(f, cx),
                None => Node::unknown(block.span, "dynamic block without for_each"),
            };
            let iterator = block
                .get("iterator")
                .and_then(Node::as_str)
                .unwrap_or(name)
                .to_string();
            let mut values = Vec::new();
            match iteration_items(&for_each) {
                Some(items) => {
                    let saved = self.scope_len();
                    for (key, value) in items {
                        if !self.charge(1, cx, for_each.span) {
                            break;
                        }
                        self.unbind_to(saved);
                        self.bind(&iterator, iterator_element(key, value));
                        values.push(self.json_body(content, cx, false));
                    }
                    self.unbind_to(saved);
                }
                None => {
                    let why = format!("dynamic block {name}");
                    values.push(Node::unknown(block.span, why));
                }
            }
            add_blocks(out, label, values);
        }
    }
}

/// Adds expanded dynamic blocks to the list `label` of `out` (a single static block, kept as
/// a map, becomes the first element). A list made of one unknown is that unknown.
fn add_blocks(out: &mut Vec<(Key, Node)>, label: &Key, values: Vec<Node>) {
    if values.is_empty() {
        return;
    }
    if let Some((_, existing)) = out.iter_mut().find(|(k, _)| k.name == label.name) {
        let span = existing.span;
        let mut items = match std::mem::replace(existing, Node::new(span, Kind::Null)).kind {
            Kind::Seq(items) => items,
            other => vec![Node::new(span, other)],
        };
        items.extend(values);
        *existing = Node::new(span, Kind::Seq(items));
        return;
    }
    let span = values.iter().fold(values[0].span, |s, v| s.join(v.span));
    let list = if values.len() == 1 && values[0].is_unknown() {
        values
            .into_iter()
            .next()
            .unwrap_or_else(|| Node::new(span, Kind::Null))
    } else {
        Node::new(span, Kind::Seq(values))
    };
    out.push((label.clone(), list));
}
