//! `count` and `for_each`: whether a block or a module call has any instance at all.
//!
//! lenslint models a resource with `count`/`for_each` as one resource at its block. The one
//! case it decides is the one where Terraform creates nothing: a `count` known to be 0, or a
//! `for_each` known to be an empty map or set. Such a `resource`/`data` block is left out of
//! the unit (not judged, not counted), a `module` call with it instantiates none of its
//! resources (nor those of the modules it calls), and a reference to it has the value
//! Terraform gives a block without instances: an empty list (`count`) or map (`for_each`).
//! So `aws_kms_key.k[0].arn` is an error unknown (which `try` falls back from and which no
//! rule reports), `aws_kms_key.k[*].arn` is `[]` and `one(aws_kms_key.k[*].arn)` is null.
//!
//! A `count`/`for_each` the configuration does not decide (a variable without a value, a data
//! source, another resource's attribute), a known non-zero `count` and a known non-empty
//! `for_each` keep the block as it was: one resource at its block. Deciding is lazy (a block
//! is decided when it is loaded or first referred to) and memoized per module instance; a
//! block met again while its own `count` is being decided (a cycle) is kept.

use super::eval::{Cx, Evaluator};
use super::items::Repetition;
use super::value::as_num;
use crate::tree::{Kind, Node, Span};

/// Whether a block or module instance exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Created, or not decided by the configuration: judged once, at its block.
    Present,
    /// No instance: a known `count` of 0, or (`for_each: true`) a known empty `for_each`.
    Absent { for_each: bool },
}

impl Presence {
    pub fn is_absent(self) -> bool {
        matches!(self, Presence::Absent { .. })
    }

    /// What a reference to the whole block is when it has no instance: `[]` for `count`,
    /// `{}` for `for_each` (`None` when it is present).
    pub fn empty_value(self, span: Span) -> Option<Node> {
        match self {
            Presence::Present => None,
            Presence::Absent { for_each: false } => Some(Node::new(span, Kind::Seq(Vec::new()))),
            Presence::Absent { for_each: true } => Some(Node::new(span, Kind::Map(Vec::new()))),
        }
    }
}

impl Evaluator<'_> {
    /// Presence of the `resource`/`data` block `address` (`aws_kms_key.k`, `data.x.y`,
    /// without the instance prefix) of module instance `module`. Only the block's own
    /// `count`/`for_each` count here; see [`Evaluator::module_presence`] for its module.
    #[inline(never)]
    pub(super) fn block_presence(&mut self, module: usize, address: &str) -> Presence {
        let key = (module, address.to_string());
        match self.block_presences.get(&key) {
            Some(Some(p)) => return *p,
            Some(None) => return Presence::Present,
            None => {}
        }
        let Some(&(file, repetition)) = self.decls(module).repetitions.get(address) else {
            return Presence::Present;
        };
        self.block_presences.insert(key.clone(), None);
        let cx = Cx::module(module, file, self.text_of(file));
        let presence = self.decide(repetition, cx);
        self.block_presences.insert(key, Some(presence));
        presence
    }

    /// Presence of module instance `module`: absent when the call that makes it, or any call
    /// above it, has no instance. The root is present.
    pub(super) fn module_presence(&mut self, module: usize) -> Presence {
        let Some((parent, call)) = self.decls(module).parent.clone() else {
            return Presence::Present;
        };
        // Calls nest at most `modules::MAX_DEPTH` deep.
        let above = self.module_presence(parent);
        if above.is_absent() {
            return above;
        }
        self.call_presence(parent, &call)
    }

    /// Presence of the instances of call `call` of module instance `module`, from the call's
    /// own `count`/`for_each` (evaluated in `module`), whether or not the called module could
    /// be loaded.
    #[inline(never)]
    pub(super) fn call_presence(&mut self, module: usize, call: &str) -> Presence {
        let key = (module, call.to_string());
        match self.call_presences.get(&key) {
            Some(Some(p)) => return *p,
            Some(None) => return Presence::Present,
            None => {}
        }
        let Some(decl) = self.decls(module).calls.get(call) else {
            return Presence::Present;
        };
        let (file, repetition) = (decl.file, decl.repetition);
        self.call_presences.insert(key.clone(), None);
        let cx = Cx::module(module, file, self.text_of(file));
        let presence = self.decide(repetition, cx);
        self.call_presences.insert(key, Some(presence));
        presence
    }

    /// Evaluates `count` and `for_each` (with no bindings in scope) and decides presence.
    fn decide(&mut self, repetition: Repetition<'_>, cx: Cx<'_>) -> Presence {
        let saved = self.swap_scopes(Vec::new());
        let mut presence = Presence::Present;
        if let Some(count) = repetition.count {
            let value = self.eval_expr(count, cx);
            if as_num(&value) == Some(0.0) {
                presence = Presence::Absent { for_each: false };
            }
        }
        if let (Presence::Present, Some(for_each)) = (presence, repetition.for_each) {
            let value = self.eval_expr(for_each, cx);
            let empty = match &value.kind {
                Kind::Map(entries) => entries.is_empty(),
                Kind::Seq(items) => items.is_empty(),
                _ => false,
            };
            if empty {
                presence = Presence::Absent { for_each: true };
            }
        }
        self.swap_scopes(saved);
        presence
    }
}
