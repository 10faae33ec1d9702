//! Traversals: `var.x`, `local.y.z`, `aws_s3_bucket.b.arn`, `coll[0]`, `coll[*].attr`.
//!
//! The root of a traversal decides what it means: a binding in scope (`for` variable,
//! dynamic-block iterator), `var` and `local` (memoized values, see `names.rs`), `path`,
//! `terraform`, `count`, `each`, `module` (a called module's output, see `names.rs`), or a
//! `resource`/`data` block of the module, which becomes a `Ref` to that block's full address
//! and its first attribute (`Ref{module.ml.aws_s3_bucket.b, arn}` for `aws_s3_bucket.b[0].arn`
//! inside `module "ml"`), or the empty list or map a block or module call without instances
//! is (see `instances.rs`). The remaining attribute, index and splat operators are then
//! applied to known values; on an unknown they keep it unknown, and a missing key is an error
//! unknown (which `try` falls back from).

use super::eval::{Cx, Evaluator};
use super::names::Named;
use super::value::{as_num, as_string, error, fully_known, num, unknown_from};
use crate::tree::{Kind, Node, RefTarget, Span};
use hcl_edit::expr::{Expression, Traversal, TraversalOperator};

impl Evaluator<'_> {
    pub(super) fn eval_traversal(&mut self, t: &Traversal, cx: Cx<'_>, span: Span) -> Node {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        if let Expression::Variable(root) = &t.expr {
            if let Some(resolved) = self.resolve_root(root.as_str(), &ops, cx, span) {
                return match resolved {
                    Root::Final(node) => node,
                    Root::Value(node, used) => self.apply_ops(node, &ops[used..], cx, span),
                };
            }
        }
        let base = self.eval(&t.expr, cx);
        self.apply_ops(base, &ops, cx, span)
    }

    /// Resolves the well-known roots (`var.x`, `local.x`, `data.t.n`, `type.name`, ...).
    /// Rarely taken branches live in their own functions, which keeps the frames of this
    /// recursive path (local → local → ...) small.
    fn resolve_root(
        &mut self,
        root: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Option<Root> {
        if self.lookup(root).is_some() {
            return None;
        }
        let first = attr_name(ops.first().copied());
        match (root, first) {
            ("var" | "local", Some(_)) if cx.constant => Some(unknown_root(root, ops, 1, span)),
            ("var", Some(name)) => {
                Some(self.named_value(Named::Var(cx.module), name, &ops[1..], cx, span))
            }
            ("local", Some(name)) => {
                Some(self.named_value(Named::Local(cx.module), name, &ops[1..], cx, span))
            }
            ("path", Some("module" | "root")) => Some(Root::Value(Node::str(span, "."), 1)),
            ("path" | "terraform" | "count" | "each" | "self", Some(_)) => {
                Some(unknown_root(root, ops, 1, span))
            }
            ("module", Some(call)) => Some(self.module_root(call, ops, cx, span)),
            ("data", Some(rtype)) => self.data_root(rtype, ops, cx, span),
            (_, Some(name)) => self.resource_root(root, name, ops, cx, span),
            _ => None,
        }
    }

    #[inline(never)]
    fn module_root(
        &mut self,
        call: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Root {
        self.module_output(call, ops, cx, span)
            .unwrap_or_else(|| unknown_root("module", ops, 2, span))
    }

    #[inline(never)]
    fn data_root(
        &mut self,
        rtype: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Option<Root> {
        let name = attr_name(ops.get(1).copied())?;
        let address = format!("data.{rtype}.{name}");
        Some(self.resource_ref(address, ops, 2, cx, span, || {
            unknown_root("data", ops, 3, span)
        }))
    }

    /// `TYPE.NAME...` when a resource block of the module has that address.
    #[inline(never)]
    fn resource_root(
        &mut self,
        root: &str,
        name: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Option<Root> {
        let address = format!("{root}.{name}");
        if !self.decls(cx.module).resources.contains(&address) {
            return None;
        }
        Some(self.resource_ref(address, ops, 1, cx, span, || {
            unknown_root(root, ops, 2, span)
        }))
    }

    /// The block `address`, named by the first `used` operators of `ops`: a `Ref` to it, or
    /// the empty list or map it is when its `count`/`for_each` leaves it without instances.
    fn resource_ref(
        &mut self,
        address: String,
        ops: &[&TraversalOperator],
        used: usize,
        cx: Cx<'_>,
        span: Span,
        otherwise: impl FnOnce() -> Root,
    ) -> Root {
        if cx.constant || !self.decls(cx.module).resources.contains(&address) {
            return otherwise();
        }
        if let Some(empty) = self.block_presence(cx.module, &address).empty_value(span) {
            return Root::Value(empty, used);
        }
        let rest = ops.get(used..).unwrap_or_default();
        let decls = self.decls(cx.module);
        let target = RefTarget {
            resource: format!("{}{address}", decls.prefix),
            attr: first_attr(rest),
        };
        Root::Final(Node::new(span, Kind::Ref(target)))
    }

    /// `module.CALL<ops>` (`ops[0]` is CALL): the child's output named by the next attribute
    /// (after an optional instance index), the empty list or map a call without instances
    /// is, or why the module is not available. `None` when the module declares no such call.
    fn module_output(
        &mut self,
        call: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Option<Root> {
        if cx.constant {
            return None;
        }
        if !self.decls(cx.module).calls.contains_key(call) {
            return None;
        }
        // A call without instances is an empty list or map.
        if let Some(empty) = self.call_presence(cx.module, call).empty_value(span) {
            return Some(Root::Value(empty, 1));
        }
        let decl = self.decls(cx.module).calls.get(call)?;
        let child = match &decl.child {
            Ok(child) => *child,
            Err(why) => return Some(Root::Final(Node::unknown(span, why.clone()))),
        };
        // `module.x[0].out` and `module.x["k"].out`: the one instance lenslint models.
        let at = match ops.get(1) {
            Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => 2,
            _ => 1,
        };
        let Some(output) = attr_name(ops.get(at).copied()) else {
            let why = format!("module.{call} as a whole");
            return Some(Root::Final(Node::unknown(span, why)));
        };
        let which = Named::Output(child);
        Some(
            match self.named_value(which, output, &ops[at + 1..], cx, span) {
                Root::Value(node, used) => Root::Value(node, used + at),
                other => other,
            },
        )
    }

    /// Applies `.attr`, `[index]` and splat operators to a value.
    pub(super) fn apply_ops(
        &mut self,
        node: Node,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Node {
        let mut cur = node;
        for (i, op) in ops.iter().enumerate() {
            if cur.is_unknown() {
                break;
            }
            cur = match op {
                TraversalOperator::GetAttr(name) => get_attr(cur, name.as_str(), span),
                TraversalOperator::Index(expr) => {
                    let key = self.eval(expr, cx);
                    index(cur, &key, span)
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = num(span, *n.value() as f64);
                    index(cur, &key, span)
                }
                TraversalOperator::FullSplat(_) => {
                    return self.splat(cur, &ops[i + 1..], &[], cx, span);
                }
                TraversalOperator::AttrSplat(_) => {
                    let rest = &ops[i + 1..];
                    let n = rest
                        .iter()
                        .take_while(|o| matches!(o, TraversalOperator::GetAttr(_)))
                        .count();
                    return self.splat(cur, &rest[..n], &rest[n..], cx, span);
                }
            };
        }
        cur.span = span;
        cur
    }

    /// `coll[*]<each>` then `<after>` on the resulting list.
    fn splat(
        &mut self,
        coll: Node,
        each: &[&TraversalOperator],
        after: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Node {
        let items = match coll.kind {
            Kind::Seq(items) => items,
            Kind::Null => Vec::new(),
            Kind::Unknown(_) | Kind::Template(_) => return Node::new(span, coll.kind),
            Kind::Ref(_) => return self.apply_ops(coll, each, cx, span),
            _ => vec![coll],
        };
        let mapped = items
            .into_iter()
            .map(|item| {
                let item_span = item.span;
                self.apply_ops(item, each, cx, item_span)
            })
            .collect();
        self.apply_ops(Node::new(span, Kind::Seq(mapped)), after, cx, span)
    }
}

/// An unknown named after the root and its first `n` attributes (`module.x.out`).
#[inline(never)]
fn unknown_root(root: &str, ops: &[&TraversalOperator], n: usize, span: Span) -> Root {
    let mut why = root.to_string();
    for name in ops.iter().take(n).map_while(|op| attr_name(Some(op))) {
        why.push('.');
        why.push_str(name);
    }
    Root::Final(Node::unknown(span, why))
}

/// How a traversal root resolved: a final value, or a value to apply the operators after
/// the first `used` ones to.
pub(super) enum Root {
    Final(Node),
    Value(Node, usize),
}

pub(super) fn attr_name(op: Option<&TraversalOperator>) -> Option<&str> {
    match op {
        Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
        _ => None,
    }
}

/// The attribute of a resource reference: the first `.attr` after indexes and splats.
pub(super) fn first_attr(ops: &[&TraversalOperator]) -> Option<String> {
    ops.iter()
        .find_map(|op| attr_name(Some(op)))
        .map(str::to_string)
}

fn get_attr(node: Node, name: &str, span: Span) -> Node {
    match node.kind {
        Kind::Map(_) => match node.get(name) {
            Some(v) => v.clone(),
            None => error(span, format!("no attribute {name:?}")),
        },
        Kind::Ref(mut target) => {
            if target.attr.is_none() {
                target.attr = Some(name.to_string());
            }
            Node::new(span, Kind::Ref(target))
        }
        Kind::Unknown(_) => node,
        _ => error(
            span,
            format!("cannot read attribute {name:?} of {}", node.describe()),
        ),
    }
}

fn index(node: Node, key: &Node, span: Span) -> Node {
    if key.is_unknown() || !fully_known(key) {
        if matches!(node.kind, Kind::Ref(_)) {
            return node;
        }
        return unknown_from(&[key], span, "index is not known");
    }
    match &node.kind {
        Kind::Seq(items) => {
            let i = as_num(key).filter(|i| i.fract() == 0.0 && *i >= 0.0);
            match i.and_then(|i| items.get(i as usize)) {
                Some(v) => v.clone(),
                None => error(span, format!("index {} out of range", key.describe())),
            }
        }
        Kind::Map(_) => match as_string(key).and_then(|k| node.get(&k).cloned()) {
            Some(v) => v,
            None => error(span, format!("no element {}", key.describe())),
        },
        Kind::Ref(_) | Kind::Unknown(_) => node,
        _ => error(span, format!("cannot index {}", node.describe())),
    }
}
