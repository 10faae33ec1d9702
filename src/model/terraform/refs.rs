//! The references a resource makes to other blocks of its module, found in its source.
//!
//! Evaluation alone would miss references in branches it did not take or in values it could
//! not compute, so the references are collected from the syntax: every traversal of the
//! block body (meta-arguments included) that names a `resource` or `data` block of the
//! module is recorded (with the module instance's address prefix), and the locals the body
//! uses are followed (each once). References that arrive through values (module inputs,
//! JSON templates) are taken from the evaluated properties by the loader.

use super::decls::Decls;
use super::items::Expr;
use super::traversal::first_attr;
use crate::tree::RefTarget;
use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::visit::{visit_body, visit_expr, visit_traversal, Visit};
use std::collections::{BTreeSet, HashSet};

/// Sorted, unique references made by `body`, directly or through the locals it uses.
pub(super) fn collect(body: &Body, decls: &Decls<'_>) -> Vec<RefTarget> {
    let mut c = Collector {
        decls,
        found: BTreeSet::new(),
        seen_locals: HashSet::new(),
        pending: Vec::new(),
    };
    visit_body(&mut c, body);
    while let Some(expr) = c.pending.pop() {
        visit_expr(&mut c, expr);
    }
    c.found.into_iter().collect()
}

struct Collector<'d, 'a> {
    decls: &'d Decls<'a>,
    found: BTreeSet<RefTarget>,
    seen_locals: HashSet<String>,
    /// Expressions of locals still to scan.
    pending: Vec<&'a Expression>,
}

impl Collector<'_, '_> {
    fn note(&mut self, root: &str, ops: &[&TraversalOperator]) {
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let (address, rest) = match (root, attr(0), attr(1)) {
            ("local", Some(name), _) => {
                if self.seen_locals.insert(name.to_string()) {
                    if let Some(Expr::Hcl(expr)) = self.decls.locals.get(name).map(|d| d.expr) {
                        self.pending.push(expr);
                    }
                }
                return;
            }
            ("data", Some(rtype), Some(name)) => (format!("data.{rtype}.{name}"), 2),
            (_, Some(name), _) => (format!("{root}.{name}"), 1),
            _ => return,
        };
        if self.decls.resources.contains(&address) {
            self.found.insert(RefTarget {
                resource: format!("{}{address}", self.decls.prefix),
                attr: first_attr(&ops[rest..]),
            });
        }
    }
}

impl Visit for Collector<'_, '_> {
    fn visit_traversal(&mut self, node: &Traversal) {
        if let Expression::Variable(root) = &node.expr {
            let ops: Vec<&TraversalOperator> = node.operators.iter().map(|o| o.value()).collect();
            self.note(root.as_str(), &ops);
        }
        visit_traversal(self, node);
    }
}
