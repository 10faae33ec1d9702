//! `var.NAME`, `local.NAME` and `module.CALL.OUTPUT`: lazy, memoized, cycle-safe resolution
//! of module values, keyed by module instance.
//!
//! A root variable's value comes from `--var` (converted per its declared type), else the
//! last tfvars file that sets it, else its default; a called module's variable comes from
//! the call's argument, evaluated in the caller, else its default; otherwise it is
//! `Unknown("var.NAME")`. A local is evaluated on first use in its own file and scope;
//! meeting a local again while it is being evaluated is a cycle, reported once and evaluated
//! to `Unknown("cycle in local.NAME")`. A module output is its `value` evaluated in the
//! child's scope; a variable or output met again while being evaluated (a value that feeds
//! itself through a module) is unknown.
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

/// A memoized variable, local or output value.
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

/// Which kind of named value, and of which module instance.
#[derive(Clone, Copy)]
pub(super) enum Named {
    /// `var.NAME` of the module instance.
    Var(usize),
    /// `local.NAME` of the module instance.
    Local(usize),
    /// `module.CALL.NAME` seen from the caller: output NAME of the child instance.
    Output(usize),
}

impl Named {
    fn module(self) -> usize {
        match self {
            Named::Var(m) | Named::Local(m) | Named::Output(m) => m,
        }
    }
}

/// One leading `.attr` or `[key]` of a traversal, with its key evaluated.
enum Step<'o> {
    Attr(&'o str),
    Key(Node),
}

impl<'a> Evaluator<'a> {
    fn slots(&mut self, which: Named) -> &mut std::collections::HashMap<(usize, String), Slot> {
        match which {
            Named::Var(_) => &mut self.vars,
            Named::Local(_) => &mut self.locals,
            Named::Output(_) => &mut self.outputs,
        }
    }

    /// Resolves `var.NAME<ops>` / `local.NAME<ops>` / `module.CALL.NAME<ops>`: the leading
    /// attribute and index operators are applied to the memoized value in place; the rest is
    /// left to the caller (`Root::Value(node, n)`: `n` counts the name and the steps used).
    pub(super) fn named_value(
        &mut self,
        which: Named,
        name: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Root {
        if let Err(node) = self.ensure(which, name, span) {
            return Root::Final(node);
        }
        self.read_named(which, name, ops, cx, span)
    }

    /// The memoized value of `name`, navigated by the leading operators of `ops`.
    #[inline(never)]
    fn read_named(
        &mut self,
        which: Named,
        name: &str,
        ops: &[&TraversalOperator],
        cx: Cx<'_>,
        span: Span,
    ) -> Root {
        let steps = self.leading_steps(ops, cx, span);
        let key = (which.module(), name.to_string());
        let slots = match which {
            Named::Var(_) => &self.vars,
            Named::Local(_) => &self.locals,
            Named::Output(_) => &self.outputs,
        };
        let memo = match slots.get(&key) {
            Some(Slot::Done(m)) => m,
            _ => return Root::Final(error(span, format!("no value for {name}"))),
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
    fn ensure(&mut self, which: Named, name: &str, span: Span) -> Result<(), Node> {
        let key = (which.module(), name.to_string());
        match self.slots(which).get(&key) {
            Some(Slot::Done(_)) => Ok(()),
            Some(Slot::InProgress) => Err(self.met_again(which, name, span)),
            None => self.fill(which, key, span),
        }
    }

    /// Computes and memoizes the value of `key.1`.
    fn fill(&mut self, which: Named, key: (usize, String), span: Span) -> Result<(), Node> {
        let memo = match which {
            Named::Var(m) => Some(self.compute_var(m, &key.1)),
            Named::Local(m) => self.compute_local(m, &key.1),
            Named::Output(m) => self.compute_output(m, &key.1),
        };
        match memo {
            Some(memo) => {
                self.slots(which).insert(key, Slot::Done(memo));
                Ok(())
            }
            None => {
                self.slots(which).remove(&key);
                Err(missing(which, &key.1, span))
            }
        }
    }

    /// The unknown for a value met again while it is being evaluated (a cycle).
    #[inline(never)]
    fn met_again(&mut self, which: Named, name: &str, span: Span) -> Node {
        match which {
            Named::Local(m) => {
                self.report_cycle(m, name);
                Node::unknown(span, format!("cycle in local.{name}"))
            }
            Named::Var(_) => Node::unknown(span, format!("cycle through var.{name}")),
            Named::Output(_) => Node::unknown(span, format!("cycle through output {name}")),
        }
    }

    /// Evaluates a variable's value with no bindings in scope.
    fn compute_var(&mut self, module: usize, name: &str) -> Memo {
        let key = (module, name.to_string());
        self.vars.insert(key, Slot::InProgress);
        let saved = self.swap_scopes(Vec::new());
        let memo = self.var_source(module, name);
        self.swap_scopes(saved);
        memo
    }

    /// A variable's value: `--var`, else the module call's argument (in the caller), else
    /// the last variable file that sets it, else its default, else unknown.
    fn var_source(&mut self, module: usize, name: &str) -> Memo {
        let decls = self.decls(module);
        let decl = decls.variables.get(name);
        let input = decls.parent.as_ref().and_then(|(parent, call)| {
            let call_decl = self.decls(*parent).calls.get(call.as_str())?;
            let expr = call_decl.args.get(name)?;
            Some((*parent, call_decl.file, *expr))
        });
        let (node, file) = if let Some(text) = decls.cli_vars.get(name) {
            let type_text = decl.and_then(|d| d.type_text.as_deref());
            let cx = self.constant_cx(module, decl.map_or(0, |d| d.file));
            (self.cli_value(text, type_text, cx), None)
        } else if let Some((parent, file, expr)) = input {
            let cx = Cx::module(parent, file, self.text_of(file));
            (self.eval_expr(expr, cx), Some(file))
        } else if let Some(&(file, expr)) = decls.tfvars.get(name) {
            (
                self.eval_expr(expr, self.constant_cx(module, file)),
                Some(file),
            )
        } else if let Some((file, expr)) = decl.and_then(|d| d.default.map(|e| (d.file, e))) {
            (
                self.eval_expr(expr, self.constant_cx(module, file)),
                Some(file),
            )
        } else {
            (Node::unknown(Span::default(), format!("var.{name}")), None)
        };
        memo(node, file)
    }

    fn constant_cx(&self, module: usize, file: usize) -> Cx<'a> {
        Cx {
            module,
            file,
            src: self.text_of(file),
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
                    src: text,
                    constant: true,
                    anchor: Some(span),
                    ..cx
                };
                return self.eval(&expr, foreign);
            }
        }
        Node::str(span, text)
    }

    /// Evaluates a local in its own file with no bindings in scope (`None`: no such local).
    fn compute_local(&mut self, module: usize, name: &str) -> Option<Memo> {
        let decl = self.decls(module).locals.get(name)?;
        let key = (module, name.to_string());
        self.locals.insert(key.clone(), Slot::InProgress);
        self.local_stack.push(key.clone());
        let saved = self.swap_scopes(Vec::new());
        let cx = Cx::module(module, decl.file, self.text_of(decl.file));
        let mut node = self.eval_expr(decl.expr, cx);
        self.swap_scopes(saved);
        self.local_stack.pop();
        if self.cyclic.contains(&key) {
            node = Node::unknown(node.span, format!("cycle in local.{name}"));
        }
        Some(memo(node, Some(decl.file)))
    }

    /// Evaluates output `name` of a module instance in its own scope (`None`: no such output).
    fn compute_output(&mut self, module: usize, name: &str) -> Option<Memo> {
        let &(file, expr) = self.decls(module).outputs.get(name)?;
        self.outputs
            .insert((module, name.to_string()), Slot::InProgress);
        let saved = self.swap_scopes(Vec::new());
        let node = self.eval_expr(expr, Cx::module(module, file, self.text_of(file)));
        self.swap_scopes(saved);
        Some(memo(node, Some(file)))
    }

    /// Records the cycle ending at `name` (once per cycle) and marks its members.
    fn report_cycle(&mut self, module: usize, name: &str) {
        let key = (module, name.to_string());
        let Some(start) = self.local_stack.iter().position(|n| *n == key) else {
            return;
        };
        let members: Vec<(usize, String)> = self.local_stack[start..].to_vec();
        if members.iter().any(|m| self.cyclic.contains(m)) {
            return;
        }
        self.cyclic.extend(members.iter().cloned());
        let mut path: Vec<String> = members.iter().map(|(_, m)| format!("local.{m}")).collect();
        path.push(format!("local.{name}"));
        if let Some(decl) = self.decls(module).locals.get(name) {
            self.errors.push(UnitError {
                file: decl.file,
                error: ParseError::new(format!("cycle: {}", path.join(" -> ")), decl.key_span),
            });
        }
    }
}

/// The error for a local or output that is not declared.
#[inline(never)]
fn missing(which: Named, name: &str, span: Span) -> Node {
    let what = match which {
        Named::Output(_) => "output",
        _ => "local value",
    };
    error(span, format!("no {what} named {name}"))
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
