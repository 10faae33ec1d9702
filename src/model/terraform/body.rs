//! Block bodies to maps: the shape rules navigate (`rule[*].filters[*].type`).
//!
//! An attribute `k = expr` becomes the entry `k` with the evaluated value (dropped when it
//! evaluates to null, as Terraform treats a null argument as absent). Nested blocks `k {..}`
//! are collected, in source order, into one `Seq` of maps under `k`, and `dynamic "k"`
//! blocks are expanded into the same list when their `for_each` is known (an unknown
//! `for_each` contributes an `Unknown` element instead). At the top of a resource body the
//! meta-arguments (`count`, `for_each`, `depends_on`, `provider`, `lifecycle`, `provisioner`,
//! `connection`) are not properties and are left out.

use super::eval::{iteration_items, span_of, Cx, Evaluator};
use crate::tree::{Key, Kind, Node, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};
use std::collections::HashMap;

pub(super) const META_ATTRIBUTES: &[&str] = &["count", "for_each", "depends_on", "provider"];
pub(super) const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Entries of a map under construction, with the position of each block list.
#[derive(Default)]
struct Entries {
    entries: Vec<(Key, Node)>,
    blocks: HashMap<String, usize>,
}

impl Entries {
    /// Appends one block value (a map, or an unknown) to the list named `name`.
    fn add_block(&mut self, name: &str, key_span: Span, value: Node) {
        match self.blocks.get(name) {
            Some(&i) => {
                let (_, list) = &mut self.entries[i];
                list.span = list.span.join(value.span);
                if let Kind::Seq(items) = &mut list.kind {
                    items.push(value);
                }
            }
            None => {
                self.blocks.insert(name.to_string(), self.entries.len());
                let key = Key {
                    name: name.to_string(),
                    span: key_span,
                };
                let list = Node::new(value.span, Kind::Seq(vec![value]));
                self.entries.push((key, list));
            }
        }
    }

    /// The map; a block list made only of one unknown dynamic block becomes that unknown.
    fn finish(mut self, span: Span) -> Node {
        for &i in self.blocks.values() {
            let (_, list) = &mut self.entries[i];
            if let Kind::Seq(items) = &mut list.kind {
                if items.len() == 1 && items[0].is_unknown() {
                    *list = items.remove(0);
                }
            }
        }
        Node::new(span, Kind::Map(self.entries))
    }
}

impl Evaluator<'_> {
    /// The body of `block` as a map whose span covers the braces. `top`: a resource or data
    /// block, whose meta-arguments are dropped.
    pub(crate) fn block_body(&mut self, block: &Block, cx: Cx<'_>, top: bool) -> Node {
        let span = body_span(block, cx.src);
        let mut entries = Entries::default();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str();
                    if top && META_ATTRIBUTES.contains(&name) {
                        continue;
                    }
                    let value = self.eval(&attr.value, cx);
                    if !matches!(value.kind, Kind::Null) {
                        let key = Key {
                            name: name.to_string(),
                            span: span_of(&attr.key),
                        };
                        entries.entries.push((key, value));
                    }
                }
                Structure::Block(nested) => {
                    let name = nested.ident.as_str();
                    if top && META_BLOCKS.contains(&name) {
                        continue;
                    }
                    if name == "dynamic" {
                        self.dynamic_block(nested, cx, &mut entries);
                    } else {
                        let value = self.block_body(nested, cx, false);
                        entries.add_block(name, span_of(&nested.ident), value);
                    }
                }
            }
        }
        entries.finish(span)
    }

    /// Expands `dynamic "name" { for_each = X; iterator = it; content { ... } }`.
    fn dynamic_block(&mut self, block: &Block, cx: Cx<'_>, entries: &mut Entries) {
        let Some(label) = block.labels.first() else {
            return;
        };
        let name = label.as_str();
        let key_span = span_of(label);
        let Some(content) = block.body.get_blocks("content").next() else {
            return;
        };
        let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            _ => name.to_string(),
        };
        let for_each = match block.body.get_attribute("for_each") {
            Some(attr) => self.eval(&attr.value, cx),
            None => Node::unknown(span_of(block), "dynamic block without for_each"),
        };
        let Some(items) = iteration_items(&for_each) else {
            let why = format!("dynamic block {name}");
            entries.add_block(name, key_span, Node::unknown(span_of(block), why));
            return;
        };
        let saved = self.scope_len();
        for (key, value) in items {
            if !self.charge(1, cx, for_each.span) {
                break;
            }
            let element = iterator_element(key, value);
            self.unbind_to(saved);
            self.bind(&iterator, element);
            let map = self.block_body(content, cx, false);
            entries.add_block(name, key_span, map);
        }
        self.unbind_to(saved);
    }
}

/// The value a dynamic block's iterator is bound to: `{ key, value }`.
pub(super) fn iterator_element(key: Node, value: Node) -> Node {
    Node::new(
        value.span,
        Kind::Map(vec![
            (Key::named("key", key.span), key),
            (Key::named("value", value.span), value),
        ]),
    )
}

/// Span of a block body including its braces (the block's span when not found).
pub(crate) fn body_span(block: &Block, src: &str) -> Span {
    let whole = span_of(block);
    let header_end = block
        .labels
        .last()
        .map_or_else(|| span_of(&block.ident).end, |l| span_of(l).end)
        as usize;
    src.get(header_end..whole.end as usize)
        .and_then(|between| between.find('{'))
        .map_or(whole, |i| Span::new(header_end + i, whole.end as usize))
}

trait KeyExt {
    fn named(name: &str, span: Span) -> Key;
}

impl KeyExt for Key {
    fn named(name: &str, span: Span) -> Key {
        Key {
            name: name.to_string(),
            span,
        }
    }
}
