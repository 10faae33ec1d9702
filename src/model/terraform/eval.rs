//! Expression evaluation: an hcl-edit `Expression` becomes a span-carrying `Node`.
//!
//! The result is tri-state: a known value (`Str`, `Num`, `Bool`, `Null`, `Seq`, `Map`), a
//! reference to a block of the module (`Ref`), or something the configuration does not
//! decide (`Unknown`, or a `Template` for strings with unknown parts). This file holds the
//! evaluator itself (context, scopes, limits) and the literal, object, conditional, operator
//! and `for` expressions; traversals, templates, names and functions have their own files.
//! Every evaluation step counts against a budget and the recursion depth is bounded, so no
//! input makes evaluation loop, blow up or overflow the stack; hitting a limit yields an
//! unknown and one diagnostic. Produced nodes carry the span of the expression they come
//! from, in the file named by the context.

use super::decls::Decls;
use super::instances::Presence;
use super::items::Expr;
use super::names::Slot;
use super::value::{
    self, as_bool, as_num, as_string, error, has_error, num, unknown_from, value_eq,
};
use super::UnitError;
use crate::tree::{Key, Kind, Node, ParseError, Span};
use hcl_edit::expr::{
    BinaryOp, BinaryOperator, Conditional, Expression, ForExpr, Object, ObjectKey, UnaryOp,
    UnaryOperator,
};
use std::collections::{HashMap, HashSet};

/// Maximum nesting of evaluation (expressions within expressions, locals within locals).
const MAX_DEPTH: usize = 256;
/// Maximum evaluation steps per root and its modules (expressions evaluated plus sizes of
/// copied values).
pub(super) const MAX_STEPS: usize = 1_000_000;
/// Longest source excerpt used to name an unknown value.
const MAX_TEXT: usize = 80;

/// Converts an hcl-edit byte range into a tree span (empty at 0 when there is none).
pub(crate) fn span_of<T: hcl_edit::Span + ?Sized>(item: &T) -> Span {
    item.span()
        .map(|r| Span::new(r.start, r.end))
        .unwrap_or_default()
}

/// The source text of `span`, or "" when the span does not fit the text.
pub(crate) fn source_text(src: &str, span: Span) -> &str {
    src.get(span.start as usize..span.end as usize)
        .unwrap_or("")
        .trim()
}

/// Where an expression comes from: its module instance, its file (index into the unit's
/// files) and text.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'s> {
    /// Index of the module instance whose names (`var`, `local`, resources) it sees.
    pub module: usize,
    pub file: usize,
    pub src: &'s str,
    /// Variable defaults, tfvars values and template files cannot refer to `var`, `local`
    /// or resources.
    pub constant: bool,
    /// For text that is not a file of the unit (`templatefile`, `--var`): where problems are
    /// reported. Nodes produced in such a context are respanned by the caller.
    pub anchor: Option<Span>,
}

impl<'s> Cx<'s> {
    pub fn module(module: usize, file: usize, src: &'s str) -> Cx<'s> {
        Cx {
            module,
            file,
            src,
            constant: false,
            anchor: None,
        }
    }

    /// A name for an unknown value: the source text of `span`, shortened.
    pub fn text(&self, span: Span) -> String {
        let t = source_text(self.src, span);
        if t.is_empty() || self.anchor.is_some() {
            return "expression".into();
        }
        match t.char_indices().nth(MAX_TEXT) {
            Some((i, _)) => format!("{}...", &t[..i]),
            None => t.to_string(),
        }
    }
}

/// Evaluates expressions of a root module and the module instances it calls.
pub(crate) struct Evaluator<'a> {
    /// Declarations per module instance (index 0 is the root).
    decls: &'a [Decls<'a>],
    texts: Vec<&'a str>,
    /// Bindings of `for` variables, dynamic-block iterators and template variables.
    scopes: Vec<(String, Node)>,
    /// Memoized values by (module instance, name).
    pub(super) locals: HashMap<(usize, String), Slot>,
    pub(super) vars: HashMap<(usize, String), Slot>,
    pub(super) outputs: HashMap<(usize, String), Slot>,
    pub(super) local_stack: Vec<(usize, String)>,
    pub(super) cyclic: HashSet<(usize, String)>,
    /// Presence of blocks by (module instance, address) and of module calls by (calling
    /// instance, call name), memoized (`None` while being decided); see `instances.rs`.
    pub(super) block_presences: HashMap<(usize, String), Option<Presence>>,
    pub(super) call_presences: HashMap<(usize, String), Option<Presence>>,
    depth: usize,
    pub(super) steps: usize,
    depth_reported: bool,
    budget_reported: bool,
    pub(super) errors: Vec<UnitError>,
}

impl<'a> Evaluator<'a> {
    pub fn new(decls: &'a [Decls<'a>], texts: Vec<&'a str>) -> Evaluator<'a> {
        Evaluator {
            decls,
            texts,
            scopes: Vec::new(),
            locals: HashMap::new(),
            vars: HashMap::new(),
            outputs: HashMap::new(),
            local_stack: Vec::new(),
            cyclic: HashSet::new(),
            block_presences: HashMap::new(),
            call_presences: HashMap::new(),
            depth: 0,
            steps: 0,
            depth_reported: false,
            budget_reported: false,
            errors: Vec::new(),
        }
    }

    /// The declarations of module instance `module` (indices come from the module tree; an
    /// out-of-range one reads the last instance rather than panicking).
    pub(super) fn decls(&self, module: usize) -> &'a Decls<'a> {
        let all: &'a [Decls<'a>] = self.decls;
        &all[module.min(all.len().saturating_sub(1))]
    }

    /// The text of file `file` ("" when out of range).
    pub(super) fn text_of(&self, file: usize) -> &'a str {
        self.texts.get(file).copied().unwrap_or("")
    }

    /// Evaluates an expression of either syntax.
    pub fn eval_expr(&mut self, expr: Expr<'_>, cx: Cx<'_>) -> Node {
        match expr {
            Expr::Hcl(e) => self.eval(e, cx),
            Expr::Json(n) => self.eval_json(n, cx),
        }
    }

    /// Runs `f` one nesting level deeper; past `MAX_DEPTH`, an unknown (reported once).
    pub(super) fn nested(
        &mut self,
        cx: Cx<'_>,
        span: Span,
        f: impl FnOnce(&mut Self) -> Node,
    ) -> Node {
        if !self.enter(cx, span) {
            return Node::unknown(span, self.refusal());
        }
        let node = f(self);
        self.depth -= 1;
        node
    }

    /// Charges one step and goes one level deeper (false, with one diagnostic, at a limit).
    fn enter(&mut self, cx: Cx<'_>, span: Span) -> bool {
        if !self.charge(1, cx, span) {
            return false;
        }
        if self.depth >= MAX_DEPTH {
            if !self.depth_reported {
                self.depth_reported = true;
                let msg = format!("expression nested deeper than {MAX_DEPTH} levels");
                self.report(cx, span, msg);
            }
            return false;
        }
        self.depth += 1;
        true
    }

    /// Why `enter` refused.
    fn refusal(&self) -> &'static str {
        if self.steps > MAX_STEPS {
            "evaluation budget exceeded"
        } else {
            "expression nested too deeply"
        }
    }

    /// Diagnostics met while evaluating (cycles, limits).
    pub fn take_errors(&mut self) -> Vec<UnitError> {
        std::mem::take(&mut self.errors)
    }

    fn report(&mut self, cx: Cx<'_>, span: Span, message: String) {
        self.errors.push(UnitError {
            file: cx.file,
            error: ParseError::new(message, cx.anchor.unwrap_or(span)),
        });
    }

    /// Counts `cost` steps; false (and one diagnostic) once the budget is spent.
    pub(super) fn charge(&mut self, cost: usize, cx: Cx<'_>, span: Span) -> bool {
        self.steps = self.steps.saturating_add(cost);
        if self.steps <= MAX_STEPS {
            return true;
        }
        self.out_of_budget(cx, span);
        false
    }

    /// The unknown standing for a value not computed for lack of budget (reported once).
    pub(super) fn out_of_budget(&mut self, cx: Cx<'_>, span: Span) -> Node {
        if !self.budget_reported {
            self.budget_reported = true;
            let msg = "evaluation budget exceeded; remaining values are unknown".to_string();
            self.report(cx, span, msg);
        }
        Node::unknown(span, "evaluation budget exceeded")
    }

    /// Binds `name` for the duration of a scope; undo with `unbind_to`.
    pub(super) fn bind(&mut self, name: &str, value: Node) {
        self.scopes.push((name.to_string(), value));
    }

    pub(super) fn scope_len(&self) -> usize {
        self.scopes.len()
    }

    pub(super) fn unbind_to(&mut self, len: usize) {
        self.scopes.truncate(len);
    }

    /// Replaces all bindings (for templates, which only see their own variables).
    pub(super) fn swap_scopes(&mut self, scopes: Vec<(String, Node)>) -> Vec<(String, Node)> {
        std::mem::replace(&mut self.scopes, scopes)
    }

    pub(super) fn lookup(&self, name: &str) -> Option<&Node> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Evaluates one expression.
    pub fn eval(&mut self, expr: &Expression, cx: Cx<'_>) -> Node {
        let span = span_of(expr);
        if !self.enter(cx, span) {
            return Node::unknown(span, self.refusal());
        }
        let node = self.eval_inner(expr, cx, span);
        self.depth -= 1;
        node
    }

    fn eval_inner(&mut self, expr: &Expression, cx: Cx<'_>, span: Span) -> Node {
        let kind = match expr {
            Expression::Null(_) => Kind::Null,
            Expression::Bool(b) => Kind::Bool(*b.value()),
            Expression::Number(n) => Kind::Num(
                n.as_repr()
                    .map_or_else(|| n.value().to_string(), |r| r.trim().to_string()),
            ),
            Expression::String(s) => Kind::Str(s.value().clone()),
            Expression::Array(items) => Kind::Seq(items.iter().map(|e| self.eval(e, cx)).collect()),
            Expression::Object(obj) => return self.eval_object(obj, cx, span),
            Expression::StringTemplate(t) => return self.eval_template(t, cx, span),
            Expression::HeredocTemplate(h) => return self.eval_template(&h.template, cx, span),
            Expression::Parenthesis(p) => return self.eval(p.inner(), cx),
            Expression::Variable(v) => return self.eval_variable(v.as_str(), span),
            Expression::Conditional(c) => return self.eval_conditional(c, cx, span),
            Expression::FuncCall(f) => return super::functions::call(self, f, cx, span),
            Expression::Traversal(t) => return self.eval_traversal(t, cx, span),
            Expression::UnaryOp(op) => return self.eval_unary(op, cx, span),
            Expression::BinaryOp(op) => return self.eval_binary(op, cx, span),
            Expression::ForExpr(f) => return self.eval_for(f, cx, span),
        };
        Node::new(span, kind)
    }

    fn eval_object(&mut self, obj: &Object, cx: Cx<'_>, span: Span) -> Node {
        let mut entries = Vec::with_capacity(obj.len());
        for (key, value) in obj.iter() {
            let key = match self.object_key(key, cx) {
                Ok(k) => k,
                Err(unknown) => return unknown_from(&[&unknown], span, cx.text(span)),
            };
            entries.push((key, self.eval(value.expr(), cx)));
        }
        Node::new(span, Kind::Map(entries))
    }

    /// The key of an object entry; a bare identifier is taken literally, as in HCL.
    fn object_key(&mut self, key: &ObjectKey, cx: Cx<'_>) -> Result<Key, Node> {
        let span = span_of(key);
        let name = match key {
            ObjectKey::Ident(id) => id.as_str().to_string(),
            ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
            ObjectKey::Expression(e) => {
                let k = self.eval(e, cx);
                match as_string(&k) {
                    Some(s) => s,
                    None => return Err(k),
                }
            }
        };
        Ok(Key { name, span })
    }

    fn eval_variable(&self, name: &str, span: Span) -> Node {
        match self.lookup(name) {
            Some(v) => {
                let mut v = v.clone();
                v.span = span;
                v
            }
            None => Node::unknown(span, name),
        }
    }

    fn eval_conditional(&mut self, c: &Conditional, cx: Cx<'_>, span: Span) -> Node {
        let cond = self.eval(&c.cond_expr, cx);
        match as_bool(&cond) {
            Some(true) => self.eval(&c.true_expr, cx),
            Some(false) => self.eval(&c.false_expr, cx),
            None if has_error(&cond) || value::fully_known(&cond) => {
                unknown_from(&[&cond], span, "condition is not a bool")
            }
            None => {
                let a = self.eval(&c.true_expr, cx);
                let b = self.eval(&c.false_expr, cx);
                if value_eq(&a, &b) == Some(true) {
                    return a;
                }
                let why = format!("condition {}", cx.text(span_of(&c.cond_expr)));
                Node::unknown(span, why)
            }
        }
    }

    fn eval_unary(&mut self, op: &UnaryOp, cx: Cx<'_>, span: Span) -> Node {
        let v = self.eval(&op.expr, cx);
        let result = match op.operator.value() {
            UnaryOperator::Not => as_bool(&v).map(|b| Node::new(span, Kind::Bool(!b))),
            UnaryOperator::Neg => as_num(&v).map(|n| num(span, -n)),
        };
        result.unwrap_or_else(|| unknown_from(&[&v], span, cx.text(span)))
    }

    fn eval_binary(&mut self, op: &BinaryOp, cx: Cx<'_>, span: Span) -> Node {
        use BinaryOperator as B;
        let lhs = self.eval(&op.lhs_expr, cx);
        let operator = *op.operator.value();
        // `false && x` and `true || x` are decided whatever x is.
        match (operator, as_bool(&lhs)) {
            (B::And, Some(false)) => return Node::new(span, Kind::Bool(false)),
            (B::Or, Some(true)) => return Node::new(span, Kind::Bool(true)),
            _ => {}
        }
        let rhs = self.eval(&op.rhs_expr, cx);
        binary(operator, &lhs, &rhs, span)
            .unwrap_or_else(|| unknown_from(&[&lhs, &rhs], span, cx.text(span)))
    }

    fn eval_for(&mut self, f: &ForExpr, cx: Cx<'_>, span: Span) -> Node {
        let coll = self.eval(&f.intro.collection_expr, cx);
        let Some(items) = iteration_items(&coll) else {
            return unknown_from(&[&coll], span, cx.text(span));
        };
        let saved = self.scope_len();
        let result = self.for_items(f, items, cx, span);
        self.unbind_to(saved);
        result.unwrap_or_else(|u| u)
    }

    fn for_items(
        &mut self,
        f: &ForExpr,
        items: Vec<(Node, Node)>,
        cx: Cx<'_>,
        span: Span,
    ) -> Result<Node, Node> {
        let mut seq = Vec::new();
        let mut map: Vec<(Key, Node)> = Vec::new();
        let base = self.scope_len();
        for (k, v) in items {
            if !self.charge(1, cx, span) {
                return Err(Node::unknown(span, "evaluation budget exceeded"));
            }
            self.unbind_to(base);
            if let Some(kv) = &f.intro.key_var {
                self.bind(kv.as_str(), k);
            }
            self.bind(f.intro.value_var.as_str(), v);
            if let Some(cond) = &f.cond {
                let c = self.eval(&cond.expr, cx);
                match as_bool(&c) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Err(unknown_from(&[&c], span, cx.text(span))),
                }
            }
            match &f.key_expr {
                None => seq.push(self.eval(&f.value_expr, cx)),
                Some(key_expr) => {
                    let key = self.eval(key_expr, cx);
                    let Some(name) = as_string(&key) else {
                        return Err(unknown_from(&[&key], span, cx.text(span)));
                    };
                    let value = self.eval(&f.value_expr, cx);
                    let key = Key {
                        name,
                        span: key.span,
                    };
                    insert_for_entry(&mut map, key, value, f.grouping);
                }
            }
        }
        let kind = if f.key_expr.is_some() {
            Kind::Map(map)
        } else {
            Kind::Seq(seq)
        };
        Ok(Node::new(span, kind))
    }
}

/// (key, value) pairs a `for` iterates: index/element for lists, key/value for maps.
pub(super) fn iteration_items(coll: &Node) -> Option<Vec<(Node, Node)>> {
    match &coll.kind {
        Kind::Seq(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (num(v.span, i as f64), v.clone()))
                .collect(),
        ),
        Kind::Map(entries) => Some(
            entries
                .iter()
                .map(|(k, v)| (Node::str(k.span, k.name.clone()), v.clone()))
                .collect(),
        ),
        _ => None,
    }
}

fn insert_for_entry(map: &mut Vec<(Key, Node)>, key: Key, value: Node, grouping: bool) {
    let existing = map.iter_mut().find(|(k, _)| k.name == key.name);
    match (existing, grouping) {
        (
            Some((
                _,
                Node {
                    kind: Kind::Seq(items),
                    ..
                },
            )),
            true,
        ) => items.push(value),
        (Some((_, slot)), false) => *slot = value,
        (_, true) => {
            let span = value.span;
            map.push((key, Node::new(span, Kind::Seq(vec![value]))));
        }
        (None, false) => map.push((key, value)),
    }
}

/// Applies a binary operator to known operands (`None` when an operand is not known).
fn binary(op: BinaryOperator, lhs: &Node, rhs: &Node, span: Span) -> Option<Node> {
    use BinaryOperator as B;
    let boolean = |b: bool| Node::new(span, Kind::Bool(b));
    match op {
        B::Eq => value_eq(lhs, rhs).map(boolean),
        B::NotEq => value_eq(lhs, rhs).map(|b| boolean(!b)),
        B::And => Some(boolean(as_bool(lhs)? && as_bool(rhs)?)),
        B::Or => Some(boolean(as_bool(lhs)? || as_bool(rhs)?)),
        _ => {
            let (a, b) = (as_num(lhs)?, as_num(rhs)?);
            Some(match op {
                B::Less => boolean(a < b),
                B::LessEq => boolean(a <= b),
                B::Greater => boolean(a > b),
                B::GreaterEq => boolean(a >= b),
                B::Plus => num(span, a + b),
                B::Minus => num(span, a - b),
                B::Mul => num(span, a * b),
                B::Div | B::Mod if b == 0.0 => error(span, "division by zero"),
                B::Div => num(span, a / b),
                _ => num(span, a % b),
            })
        }
    }
}
