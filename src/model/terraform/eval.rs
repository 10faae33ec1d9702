//! Expression evaluation: an hcl-edit `Expression` becomes a span-carrying `Node`.
//!
//! The result is tri-state: a known value (`Str`, `Num`, `Bool`, `Null`, `Seq`, `Map`), a
//! reference to a block of the module (`Ref`), or something the configuration does not
//! decide (`Unknown`, or a `Template` for strings with unknown parts). Variables and locals
//! are evaluated lazily and memoized; locals detect cycles; every evaluation step is counted
//! against a budget and the recursion depth is bounded, so no input makes evaluation loop,
//! blow up or overflow the stack. Spans of produced nodes are those of the expression at the
//! use site: a value taken from a variable or a local keeps the spans of its definition only
//! when that definition is in the same file, otherwise it is respanned to the use site.

use super::value::{
    self, as_bool, as_num, as_string, error, has_error, json_text, measure, num, respan_all,
    unknown_from, value_eq,
};
use super::{Decls, UnitError};
use crate::tree::{Key, Kind, Node, ParseError, RefTarget, Span};
use hcl_edit::expr::{
    BinaryOp, BinaryOperator, Conditional, Expression, ForExpr, Object, ObjectKey, Traversal,
    TraversalOperator, UnaryOp, UnaryOperator,
};
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Template};
use std::collections::{HashMap, HashSet};

/// Maximum nesting of evaluation (expressions within expressions, locals within locals).
const MAX_DEPTH: usize = 256;
/// Maximum evaluation steps per module (expressions evaluated plus sizes of copied values).
const MAX_STEPS: usize = 2_000_000;
/// Values deeper than this are not memoized as such (they become unknown).
const MAX_VALUE_DEPTH: usize = 256;
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

/// Where an expression comes from: its file (index into the unit's files) and text.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'s> {
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
    pub fn module(file: usize, src: &'s str) -> Cx<'s> {
        Cx {
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

/// A memoized variable or local value.
struct Memo {
    node: Node,
    /// File whose spans the value carries (`None`: none of the unit's, always respan).
    file: Option<usize>,
    size: usize,
}

enum Slot {
    InProgress,
    Done(Memo),
}

/// Evaluates expressions of one module.
pub(crate) struct Evaluator<'a> {
    pub(super) decls: &'a Decls<'a>,
    pub(super) texts: Vec<&'a str>,
    /// Bindings of `for` variables, dynamic-block iterators and template variables.
    scopes: Vec<(String, Node)>,
    locals: HashMap<String, Slot>,
    vars: HashMap<String, Memo>,
    local_stack: Vec<String>,
    cyclic: HashSet<String>,
    depth: usize,
    steps: usize,
    depth_reported: bool,
    budget_reported: bool,
    errors: Vec<UnitError>,
}

impl<'a> Evaluator<'a> {
    pub fn new(decls: &'a Decls<'a>, texts: Vec<&'a str>) -> Evaluator<'a> {
        Evaluator {
            decls,
            texts,
            scopes: Vec::new(),
            locals: HashMap::new(),
            vars: HashMap::new(),
            local_stack: Vec::new(),
            cyclic: HashSet::new(),
            depth: 0,
            steps: 0,
            depth_reported: false,
            budget_reported: false,
            errors: Vec::new(),
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
        if !self.budget_reported {
            self.budget_reported = true;
            let msg = "evaluation budget exceeded; remaining values are unknown".to_string();
            self.report(cx, span, msg);
        }
        false
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

    fn lookup(&self, name: &str) -> Option<&Node> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Evaluates one expression.
    pub fn eval(&mut self, expr: &Expression, cx: Cx<'_>) -> Node {
        let span = span_of(expr);
        if !self.charge(1, cx, span) {
            return Node::unknown(span, "evaluation budget exceeded");
        }
        if self.depth >= MAX_DEPTH {
            if !self.depth_reported {
                self.depth_reported = true;
                let msg = format!("expression nested deeper than {MAX_DEPTH} levels");
                self.report(cx, span, msg);
            }
            return Node::unknown(span, "expression nested too deeply");
        }
        self.depth += 1;
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

    // ----- traversals -----

    fn eval_traversal(&mut self, t: &Traversal, cx: Cx<'_>, span: Span) -> Node {
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
        // Unknown named after the root and its first `n` attributes (`module.x.out`).
        let unknown = |n: usize| {
            let mut why = root.to_string();
            for name in ops.iter().take(n).map_while(|op| attr_name(Some(op))) {
                why.push('.');
                why.push_str(name);
            }
            Root::Final(Node::unknown(span, why))
        };
        match (root, first) {
            ("var" | "local", Some(_)) if cx.constant => Some(unknown(1)),
            ("var", Some(name)) => Some(Root::Value(self.var_value(name, cx, span), 1)),
            ("local", Some(name)) => Some(Root::Value(self.local_value(name, cx, span), 1)),
            ("path", Some("module" | "root")) => Some(Root::Value(Node::str(span, "."), 1)),
            ("path" | "terraform" | "count" | "each" | "self", Some(_)) => Some(unknown(1)),
            ("module", Some(_)) => Some(unknown(2)),
            ("data", Some(rtype)) => {
                let name = attr_name(ops.get(1).copied())?;
                let address = format!("data.{rtype}.{name}");
                Some(self.resource_ref(address, &ops[2..], cx, span, || unknown(3)))
            }
            (_, Some(name)) if self.decls.resources.contains(&format!("{root}.{name}")) => {
                let address = format!("{root}.{name}");
                Some(self.resource_ref(address, &ops[1..], cx, span, || unknown(2)))
            }
            _ => None,
        }
    }

    fn resource_ref(
        &self,
        address: String,
        rest: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
        otherwise: impl FnOnce() -> Root,
    ) -> Root {
        if cx.constant || !self.decls.resources.contains(&address) {
            return otherwise();
        }
        let target = RefTarget {
            resource: address,
            attr: first_attr(rest),
        };
        Root::Final(Node::new(span, Kind::Ref(target)))
    }

    /// The value of `var.NAME`: `--var`, else the last tfvars value, else the default.
    fn var_value(&mut self, name: &str, cx: Cx<'_>, span: Span) -> Node {
        if !self.vars.contains_key(name) {
            let memo = self.compute_var(name, cx);
            self.vars.insert(name.to_string(), memo);
        }
        let Some(memo) = self.vars.get(name) else {
            return Node::unknown(span, format!("var.{name}"));
        };
        let (node, file, size) = (memo.node.clone(), memo.file, memo.size);
        self.adapt(node, file, size, cx, span)
    }

    fn compute_var(&mut self, name: &str, cx: Cx<'_>) -> Memo {
        let decls = self.decls;
        let decl = decls.variables.get(name);
        let (node, file) = if let Some(text) = decls.cli_vars.get(name) {
            let type_text = decl.and_then(|d| d.type_text.as_deref());
            (self.cli_value(text, type_text, cx), None)
        } else if let Some(&(file, expr)) = decls.tfvars.get(name) {
            (self.eval(expr, self.constant_cx(file)), Some(file))
        } else if let Some((file, expr)) = decl.and_then(|d| d.default.map(|e| (d.file, e))) {
            (self.eval(expr, self.constant_cx(file)), Some(file))
        } else {
            (Node::unknown(Span::default(), format!("var.{name}")), None)
        };
        self.memo(node, file)
    }

    fn constant_cx(&self, file: usize) -> Cx<'a> {
        Cx {
            file,
            src: self.texts.get(file).copied().unwrap_or(""),
            constant: true,
            anchor: None,
        }
    }

    /// A `--var` value: a string, converted per the variable's declared type.
    fn cli_value(&mut self, text: &str, type_text: Option<&str>, cx: Cx<'_>) -> Node {
        let span = Span::default();
        let ty = type_text.unwrap_or("string");
        if ty == "number" && text.trim().parse::<f64>().is_ok() {
            return Node::new(span, Kind::Num(text.trim().to_string()));
        }
        if ty == "bool" && matches!(text, "true" | "false") {
            return Node::new(span, Kind::Bool(text == "true"));
        }
        let complex = ["list", "set", "map", "object", "tuple"];
        if complex.iter().any(|c| ty.starts_with(c)) {
            if let Ok(expr) = text.parse::<Expression>() {
                let foreign = Cx {
                    file: cx.file,
                    src: text,
                    constant: true,
                    anchor: Some(span),
                };
                return self.eval(&expr, foreign);
            }
        }
        Node::str(span, text)
    }

    /// The value of `local.NAME`, evaluated once; a cycle yields an unknown and one error.
    fn local_value(&mut self, name: &str, cx: Cx<'_>, span: Span) -> Node {
        match self.locals.get(name) {
            Some(Slot::Done(m)) => {
                let (node, file, size) = (m.node.clone(), m.file, m.size);
                return self.adapt(node, file, size, cx, span);
            }
            Some(Slot::InProgress) => {
                self.report_cycle(name);
                return Node::unknown(span, format!("cycle in local.{name}"));
            }
            None => {}
        }
        let decls = self.decls;
        let Some(decl) = decls.locals.get(name) else {
            return error(span, format!("no local value named {name}"));
        };
        self.locals.insert(name.to_string(), Slot::InProgress);
        self.local_stack.push(name.to_string());
        let saved = self.swap_scopes(Vec::new());
        let src = self.texts.get(decl.file).copied().unwrap_or("");
        let mut node = self.eval(decl.expr, Cx::module(decl.file, src));
        self.swap_scopes(saved);
        self.local_stack.pop();
        if self.cyclic.contains(name) {
            node = Node::unknown(span_of(decl.expr), format!("cycle in local.{name}"));
        }
        let memo = self.memo(node, Some(decl.file));
        let (node, size) = (memo.node.clone(), memo.size);
        self.locals.insert(name.to_string(), Slot::Done(memo));
        self.adapt(node, Some(decl.file), size, cx, span)
    }

    fn report_cycle(&mut self, name: &str) {
        let Some(start) = self.local_stack.iter().position(|n| n == name) else {
            return;
        };
        let members: Vec<String> = self.local_stack[start..].to_vec();
        if members.iter().any(|m| self.cyclic.contains(m)) {
            return;
        }
        self.cyclic.extend(members.iter().cloned());
        let mut path: Vec<String> = members.iter().map(|m| format!("local.{m}")).collect();
        path.push(format!("local.{name}"));
        let decls = self.decls;
        if let Some(decl) = decls.locals.get(name) {
            self.errors.push(UnitError {
                file: decl.file,
                error: ParseError::new(format!("cycle: {}", path.join(" -> ")), decl.key_span),
            });
        }
    }

    fn memo(&self, node: Node, file: Option<usize>) -> Memo {
        let (size, depth) = measure(&node);
        if depth > MAX_VALUE_DEPTH {
            let node = Node::unknown(node.span, "value nested too deeply");
            return Memo {
                node,
                file,
                size: 1,
            };
        }
        Memo { node, file, size }
    }

    /// Places a memoized value at a use site: the top span becomes the use site; inner spans
    /// are kept only when they belong to the same file.
    fn adapt(
        &mut self,
        mut node: Node,
        file: Option<usize>,
        size: usize,
        cx: Cx<'_>,
        span: Span,
    ) -> Node {
        if !self.charge(size, cx, span) {
            return Node::unknown(span, "evaluation budget exceeded");
        }
        if file != Some(cx.file) || cx.anchor.is_some() {
            respan_all(&mut node, span);
        }
        node.span = span;
        node
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

    // ----- templates -----

    /// Evaluates a string template or heredoc. `"${x}"` alone yields x itself.
    pub(super) fn eval_template(&mut self, t: &Template, cx: Cx<'_>, span: Span) -> Node {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            let mut node = self.eval(&i.expr, cx);
            node.span = span;
            return node;
        }
        let mut parts = Parts::default();
        self.render(t, cx, &mut parts, false);
        parts.finish(span)
    }

    fn render(&mut self, t: &Template, cx: Cx<'_>, parts: &mut Parts, strip_first: bool) {
        parts.strip_next = strip_first;
        for element in t.iter() {
            match element {
                Element::Literal(lit) => parts.push_str(lit.value(), span_of(lit)),
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        parts.trim_end();
                    }
                    let v = self.eval(&i.expr, cx);
                    parts.push_value(v);
                    parts.strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => self.render_if(d, cx, parts),
                    Directive::For(d) => self.render_for(d, cx, parts),
                },
            }
        }
    }

    fn render_if(&mut self, d: &IfDirective, cx: Cx<'_>, parts: &mut Parts) {
        if d.if_expr.strip.strip_start() {
            parts.trim_end();
        }
        let cond = self.eval(&d.if_expr.cond_expr, cx);
        let endif_strip = d.endif_expr.strip;
        match as_bool(&cond) {
            Some(true) => {
                self.render(&d.if_expr.template, cx, parts, d.if_expr.strip.strip_end());
                let strip = d.else_expr.as_ref().map_or(endif_strip, |e| e.strip);
                if strip.strip_start() {
                    parts.trim_end();
                }
            }
            Some(false) => {
                if let Some(e) = &d.else_expr {
                    self.render(&e.template, cx, parts, e.strip.strip_end());
                    if endif_strip.strip_start() {
                        parts.trim_end();
                    }
                }
            }
            None => {
                let why = format!("template condition {}", cx.text(cond.span));
                parts.push_value(unknown_from(&[&cond], cond.span, why));
            }
        }
        parts.strip_next = endif_strip.strip_end();
    }

    fn render_for(&mut self, d: &ForDirective, cx: Cx<'_>, parts: &mut Parts) {
        let f = &d.for_expr;
        if f.strip.strip_start() {
            parts.trim_end();
        }
        let coll = self.eval(&f.collection_expr, cx);
        let end_strip = d.endfor_expr.strip;
        let Some(items) = iteration_items(&coll) else {
            let why = format!("template loop over {}", cx.text(coll.span));
            parts.push_value(unknown_from(&[&coll], coll.span, why));
            parts.strip_next = end_strip.strip_end();
            return;
        };
        let saved = self.scope_len();
        for (k, v) in items {
            if !self.charge(1, cx, coll.span) {
                break;
            }
            self.unbind_to(saved);
            if let Some(kv) = &f.key_var {
                self.bind(kv.as_str(), k);
            }
            self.bind(f.value_var.as_str(), v);
            self.render(&f.template, cx, parts, f.strip.strip_end());
            if end_strip.strip_start() {
                parts.trim_end();
            }
        }
        self.unbind_to(saved);
        parts.strip_next = end_strip.strip_end();
    }
}

/// How a traversal root resolved: a final value, or a value to apply the operators after
/// the first `used` ones to.
enum Root {
    Final(Node),
    Value(Node, usize),
}

fn attr_name(op: Option<&TraversalOperator>) -> Option<&str> {
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
    if key.is_unknown() || !value::fully_known(key) {
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

/// The parts of a template being rendered: known text merged, unknown parts kept.
#[derive(Default)]
pub(super) struct Parts {
    parts: Vec<Node>,
    strip_next: bool,
}

impl Parts {
    pub(super) fn push_str(&mut self, text: &str, span: Span) {
        let text = if std::mem::take(&mut self.strip_next) {
            text.trim_start()
        } else {
            text
        };
        if let Some(Node {
            kind: Kind::Str(prev),
            span: prev_span,
        }) = self.parts.last_mut()
        {
            prev.push_str(text);
            *prev_span = prev_span.join(span);
            return;
        }
        self.parts.push(Node::str(span, text));
    }

    pub(super) fn push_value(&mut self, v: Node) {
        let span = v.span;
        match v.kind {
            Kind::Str(_) | Kind::Num(_) | Kind::Bool(_) => {
                let text = as_string(&v).unwrap_or_default();
                self.push_str(&text, span);
            }
            Kind::Seq(_) | Kind::Map(_) => match json_text(&v) {
                Some(text) => self.push_str(&text, span),
                None => self
                    .parts
                    .push(Node::unknown(span, "a collection in a template")),
            },
            Kind::Null => self.parts.push(error(span, "null value in a template")),
            Kind::Template(inner) => {
                for p in inner {
                    self.push_value(p);
                }
            }
            Kind::Ref(_) | Kind::Unknown(_) => self.parts.push(v),
        }
    }

    fn trim_end(&mut self) {
        if let Some(Node {
            kind: Kind::Str(prev),
            ..
        }) = self.parts.last_mut()
        {
            let len = prev.trim_end().len();
            prev.truncate(len);
        }
    }

    pub(super) fn finish(self, span: Span) -> Node {
        let mut parts = self.parts;
        match parts.len() {
            0 => Node::str(span, ""),
            1 if matches!(parts[0].kind, Kind::Str(_)) => {
                let mut only = parts.remove(0);
                only.span = span;
                only
            }
            _ => Node::new(span, Kind::Template(parts)),
        }
    }
}
