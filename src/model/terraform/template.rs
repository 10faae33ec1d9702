//! String templates and heredocs: `"arn:${var.p}:s3:::x"`, `<<-EOT ... EOT`, directives.
//!
//! Literal text and known interpolations are merged into one string; interpolations that
//! are references or unknown stay as parts of a `Template` node. `%{if}` and `%{for}`
//! directives are rendered when their condition or collection is known (an unknown one
//! becomes an unknown part), and the `~` strip markers trim the adjacent whitespace. A
//! template made of a single interpolation (`"${x}"`) yields the value of `x` unchanged, as
//! in Terraform. Known collections interpolated into a template are written as JSON, since
//! `jsonencode` keeps structures rather than producing text.

use super::eval::{iteration_items, span_of, Cx, Evaluator};
use super::value::{as_bool, as_string, error, json_text, unknown_from};
use crate::tree::{Kind, Node, Span};
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Template};

impl Evaluator<'_> {
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
            Kind::JsonText(text, _) => self.push_str(&text, span),
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
