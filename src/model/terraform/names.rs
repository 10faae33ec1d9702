//! `var.NAME` and `local.NAME`: lazy, memoized, cycle-safe resolution of module values.
//!
//! A variable's value comes from `--var` (converted per its declared type), else the last
//! tfvars file that sets it, else its default, else it is `Unknown("var.NAME")`. A local is
//! evaluated on first use in its own file and scope; meeting a local again while it is being
//! evaluated is a cycle, reported once and evaluated to `Unknown("cycle in local.NAME")`.
//! Memoized values are navigated by reference (`local.cfg.key` copies only the key's value),
//! and each copy is charged to the evaluation budget, so repeated use of big values or
//! exponential growth through locals stays bounded.

use super::eval::{Cx, Evaluator, MAX_STEPS};
use super::traversal::{attr_name, Root};
use super::value::{error, measure, num, respan_all};
use super::UnitError;
use crate::tree::{Kind, Node, ParseError, Span};
use hcl_edit::expr::{Expression, TraversalOperator};

/// Values deeper than this are not memoized as such (they become unknown).
const MAX_VALUE_DEPTH: usize = 256;

/// A memoized variable or local value.
pub(super) struct Memo {
    node: Node,
    /// File whose spans the value carries (`None`: none of the unit's, always respan).
    file: Option<usize>,
    /// Size of `node` as `measure` counts it.
    size: usize,
}

pub(super) enum Slot {
    InProgress,
    Done(Memo),
}

#[derive(Clone, Copy)]
pub(super) enum Named {
    Var,
    Local,
}

/// One leading `.attr` or `[key]` of a traversal, with its key evaluated.
enum Step<'o> {
    Attr(&'o str),
    Key(Node),
}

impl<'a> Evaluator<'a> {
    /// Resolves `var.NAME<ops>` / `local.NAME<ops>`: the leading attribute and index
    /// operators are applied to the memoized value in place; the rest is left to the caller.
    pub(super) fn named_value(
        &mut self,
        which: Named,
        name: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Root {
        if let Err(node) = self.ensure(which, name, cx, span) {
            return Root::Final(node);
        }
        let steps = self.leading_steps(ops, cx, span);
        let memo = match which {
            Named::Var => self.vars.get(name),
            Named::Local => match self.locals.get(name) {
                Some(Slot::Done(m)) => Some(m),
                _ => None,
            },
        };
        let Some(memo) = memo else {
            return Root::Final(error(span, format!("no value for {name}")));
        };
        let (found, used) = navigate(&memo.node, &steps, span);
        let node = match found {
            Ok(node) => {
                let size = if used == 0 {
                    memo.size
                } else {
                    measure(node).0
                };
                place(node, size, memo.file, cx, span, &mut self.steps)
            }
            Err(e) => Some(e),
        };
        let node = node.unwrap_or_else(|| self.out_of_budget(cx, span));
        Root::Value(node, 1 + used)
    }

    fn leading_steps<'o>(
        &mut self,
        ops: &[&'o TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Vec<Step<'o>> {
        let mut steps = Vec::new();
        for op in ops {
            let step = match op {
                TraversalOperator::GetAttr(_) => match attr_name(Some(op)) {
                    Some(a) => Step::Attr(a),
                    None => break,
                },
                TraversalOperator::Index(expr) => Step::Key(self.eval(expr, cx)),
                TraversalOperator::LegacyIndex(i) => Step::Key(num(span, *i.value() as f64)),
                _ => break,
            };
            steps.push(step);
        }
        steps
    }

    /// Makes sure the value of `name` is memoized (`Err`: the unknown to use instead).
    fn ensure(&mut self, which: Named, name: &str, cx: Cx<'_>, span: Span) -> Result<(), Node> {
        match which {
            Named::Var => {
                if !self.vars.contains_key(name) {
                    let memo = self.compute_var(name, cx);
                    self.vars.insert(name.to_string(), memo);
                }
                Ok(())
            }
            Named::Local => match self.locals.get(name) {
                Some(Slot::Done(_)) => Ok(()),
                Some(Slot::InProgress) => {
                    self.report_cycle(name);
                    Err(Node::unknown(span, format!("cycle in local.{name}")))
                }
                None => self.compute_local(name, span),
            },
        }
    }

    /// Evaluates a variable's value with no bindings in scope.
    fn compute_var(&mut self, name: &str, cx: Cx<'_>) -> Memo {
        let saved = self.swap_scopes(Vec::new());
        let memo = self.var_source(name, cx);
        self.swap_scopes(saved);
        memo
    }

    fn var_source(&mut self, name: &str, cx: Cx<'_>) -> Memo {
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
        memo(node, file)
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

    /// Evaluates a local in its own file with no bindings in scope, and memoizes it.
    fn compute_local(&mut self, name: &str, span: Span) -> Result<(), Node> {
        let decls = self.decls;
        let Some(decl) = decls.locals.get(name) else {
            return Err(error(span, format!("no local value named {name}")));
        };
        self.locals.insert(name.to_string(), Slot::InProgress);
        self.local_stack.push(name.to_string());
        let saved = self.swap_scopes(Vec::new());
        let src = self.texts.get(decl.file).copied().unwrap_or("");
        let mut node = self.eval(decl.expr, Cx::module(decl.file, src));
        self.swap_scopes(saved);
        self.local_stack.pop();
        if self.cyclic.contains(name) {
            node = Node::unknown(node.span, format!("cycle in local.{name}"));
        }
        let memo = memo(node, Some(decl.file));
        self.locals.insert(name.to_string(), Slot::Done(memo));
        Ok(())
    }

    /// Records the cycle ending at `name` (once per cycle) and marks its members.
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
}

/// A copy of a memoized value placed at a use site, or `None` when copying it would exceed
/// the evaluation budget (its size is counted before anything is copied). The top span
/// becomes the use site; inner spans are kept only when they are from the same file.
fn place(
    node: &Node,
    size: usize,
    file: Option<usize>,
    cx: Cx<'_>,
    span: Span,
    steps: &mut usize,
) -> Option<Node> {
    *steps = steps.saturating_add(size);
    if *steps > MAX_STEPS {
        return None;
    }
    let mut node = node.clone();
    if file != Some(cx.file) || cx.anchor.is_some() {
        respan_all(&mut node, span);
    }
    node.span = span;
    Some(node)
}

fn memo(node: Node, file: Option<usize>) -> Memo {
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

/// Follows `steps` into `node` by reference while it is a list or map. Returns the value
/// reached (or the error met) and the number of steps used.
fn navigate<'n>(node: &'n Node, steps: &[Step<'_>], span: Span) -> (Result<&'n Node, Node>, usize) {
    let mut cur = node;
    for (i, step) in steps.iter().enumerate() {
        let next = match (&cur.kind, step) {
            (Kind::Map(_), Step::Attr(name)) => cur
                .get(name)
                .ok_or_else(|| error(span, format!("no attribute {name:?}"))),
            (Kind::Map(_), Step::Key(key)) => match key.scalar_text() {
                Some(k) => cur
                    .get(&k)
                    .ok_or_else(|| error(span, format!("no element {k:?}"))),
                None => return (Ok(cur), i),
            },
            (Kind::Seq(items), Step::Key(key)) => match &key.kind {
                Kind::Num(_) | Kind::Str(_) => super::value::as_num(key)
                    .filter(|i| i.fract() == 0.0 && *i >= 0.0)
                    .and_then(|i| items.get(i as usize))
                    .ok_or_else(|| error(span, format!("index {} out of range", key.describe()))),
                _ => return (Ok(cur), i),
            },
            _ => return (Ok(cur), i),
        };
        match next {
            Ok(n) => cur = n,
            Err(e) => return (Err(e), steps.len()),
        }
    }
    (Ok(cur), steps.len())
}
