//! Terraform built-in functions, evaluated on known arguments.
//!
//! `call` evaluates the arguments (lazily for `try` and `can`), spreads a final `args...`,
//! and dispatches by name to the string and number functions (`strings.rs`), the collection
//! functions (`collections.rs`) or the ones here (encoding, JSON, files). A function whose
//! arguments are not known returns an unknown named after the call (or the first error
//! among its arguments, so that `try` can fall back); an unsupported function returns
//! `Unknown("unsupported function name()")`. `jsonencode` returns its argument's structure
//! itself rather than a string, so that rules can point inside an inline IAM policy.

use super::eval::{Cx, Evaluator};
use super::value::{self, as_num, as_string, from_json, has_error, has_unknown, json_text};
use super::{collections, strings};
use crate::tree::{Key, Kind, Node, Span};
use hcl_edit::expr::FuncCall;
use std::path::PathBuf;

/// Largest file `file()` and `templatefile()` read.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One function call: its name, evaluated arguments and span.
pub(super) struct Call<'n> {
    pub name: &'n str,
    pub args: Vec<Node>,
    pub span: Span,
    /// Names the unknown result (`lower(var.x)`).
    pub text: String,
}

/// The result of a function: `Err` carries an unknown (or error) node.
pub(super) type Res = Result<Node, Node>;

impl Call<'_> {
    /// The unknown result of this call, or the first error among its arguments.
    pub fn unknown(&self) -> Node {
        let args: Vec<&Node> = self.args.iter().collect();
        value::unknown_from(&args, self.span, self.text.clone())
    }

    pub fn error(&self, message: impl AsRef<str>) -> Node {
        value::error(self.span, format!("{}: {}", self.name, message.as_ref()))
    }

    pub fn arity(&self, min: usize, max: usize) -> Result<(), Node> {
        let n = self.args.len();
        if n < min || n > max {
            return Err(self.error(format!("wrong number of arguments ({n})")));
        }
        Ok(())
    }

    pub fn arg(&self, i: usize) -> Result<&Node, Node> {
        self.args
            .get(i)
            .ok_or_else(|| self.error("missing argument"))
    }

    fn not_known(&self, node: &Node) -> Node {
        if matches!(
            node.kind,
            Kind::Unknown(_) | Kind::Ref(_) | Kind::Template(_)
        ) {
            self.unknown()
        } else {
            self.error(format!("unexpected {}", node.describe()))
        }
    }

    /// A string argument (numbers and bools convert; a known collection becomes JSON text,
    /// since `jsonencode` results are kept as structures).
    pub fn str_arg(&self, i: usize) -> Result<String, Node> {
        let node = self.arg(i)?;
        if let Some(s) = as_string(node) {
            return Ok(s);
        }
        if matches!(node.kind, Kind::Seq(_) | Kind::Map(_)) {
            return json_text(node).ok_or_else(|| self.unknown());
        }
        Err(self.not_known(node))
    }

    pub fn num_arg(&self, i: usize) -> Result<f64, Node> {
        let node = self.arg(i)?;
        as_num(node).ok_or_else(|| self.not_known(node))
    }

    pub fn seq_arg(&self, i: usize) -> Result<&[Node], Node> {
        let node = self.arg(i)?;
        node.as_seq().ok_or_else(|| self.not_known(node))
    }

    pub fn map_arg(&self, i: usize) -> Result<&[(Key, Node)], Node> {
        let node = self.arg(i)?;
        node.as_map().ok_or_else(|| self.not_known(node))
    }

    pub fn str_node(&self, s: impl Into<String>) -> Node {
        Node::str(self.span, s)
    }

    pub fn bool_node(&self, b: bool) -> Node {
        Node::new(self.span, Kind::Bool(b))
    }

    pub fn seq_node(&self, items: Vec<Node>) -> Node {
        Node::new(self.span, Kind::Seq(items))
    }
}

/// Evaluates a function call.
pub(super) fn call(ev: &mut Evaluator<'_>, f: &FuncCall, cx: Cx<'_>, span: Span) -> Node {
    let name = f.name.name.as_str();
    if f.name.is_namespaced() {
        let ns: Vec<&str> = f.name.namespace.iter().map(|n| n.as_str()).collect();
        return Node::unknown(
            span,
            format!("unsupported function {}::{name}()", ns.join("::")),
        );
    }
    match name {
        "try" => return try_fn(ev, f, cx, span),
        "can" => return can_fn(ev, f, cx, span),
        _ => {}
    }
    let mut args: Vec<Node> = f.args.iter().map(|a| ev.eval(a, cx)).collect();
    let text = cx.text(span);
    if f.args.expand_final() {
        match args.pop() {
            Some(Node {
                kind: Kind::Seq(items),
                ..
            }) => args.extend(items),
            Some(other) => return value::unknown_from(&[&other], span, text),
            None => {}
        }
    }
    let call = Call {
        name,
        args,
        span,
        text,
    };
    dispatch(ev, &call, cx).unwrap_or_else(|u| u)
}

fn dispatch(ev: &mut Evaluator<'_>, c: &Call<'_>, cx: Cx<'_>) -> Res {
    if let Some(result) = strings::call(c) {
        return result;
    }
    if let Some(result) = collections::call(c) {
        return result;
    }
    match c.name {
        "jsonencode" => jsonencode(c),
        "jsondecode" => jsondecode(c),
        "base64encode" => Ok(c.str_node(base64_encode(c.str_arg(0)?.as_bytes()))),
        "base64decode" => base64_decode(&c.str_arg(0)?)
            .and_then(|b| String::from_utf8(b).ok())
            .map(|s| c.str_node(s))
            .ok_or_else(|| c.error("invalid base64")),
        "file" => read_file(ev, c, cx).map(|text| c.str_node(text)),
        "fileexists" => Ok(c.bool_node(resolve_path(ev, &c.str_arg(0)?, cx).is_file())),
        "templatefile" => templatefile(ev, c, cx),
        other => Err(Node::unknown(
            c.span,
            format!("unsupported function {other}()"),
        )),
    }
}

/// `try(a, b, ...)`: the first argument that evaluates without an error.
fn try_fn(ev: &mut Evaluator<'_>, f: &FuncCall, cx: Cx<'_>, span: Span) -> Node {
    for arg in f.args.iter() {
        let v = ev.eval(arg, cx);
        if !has_error(&v) {
            return v;
        }
    }
    value::error(span, "try: no expression succeeded")
}

/// `can(expr)`: false when it fails, true when known, unknown otherwise.
fn can_fn(ev: &mut Evaluator<'_>, f: &FuncCall, cx: Cx<'_>, span: Span) -> Node {
    let Some(arg) = f.args.get(0) else {
        return value::error(span, "can: missing argument");
    };
    let v = ev.eval(arg, cx);
    if has_error(&v) {
        Node::new(span, Kind::Bool(false))
    } else if has_unknown(&v) {
        Node::unknown(span, cx.text(span))
    } else {
        Node::new(span, Kind::Bool(true))
    }
}

/// `jsonencode(x)`: collections and unresolved values stay as they are (a structure with
/// its source spans); known scalars become their JSON text.
fn jsonencode(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    match &arg.kind {
        Kind::Null | Kind::Bool(_) | Kind::Num(_) | Kind::Str(_) => {
            Ok(c.str_node(json_text(arg).unwrap_or_default()))
        }
        _ => Ok(arg.clone()),
    }
}

fn jsondecode(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    if matches!(arg.kind, Kind::Map(_) | Kind::Seq(_)) {
        // Our jsonencode keeps structures: decoding one gives it back.
        return Ok(arg.clone());
    }
    let text = c.str_arg(0)?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => Ok(from_json(&v, c.span)),
        Err(e) => Err(c.error(format!("invalid JSON: {e}"))),
    }
}

/// A path relative to the module directory (absolute paths are kept).
fn resolve_path(ev: &Evaluator<'_>, path: &str, cx: Cx<'_>) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        p
    } else {
        ev.decls(cx.module).module_dir.join(p)
    }
}

fn read_file(ev: &Evaluator<'_>, c: &Call<'_>, cx: Cx<'_>) -> Result<String, Node> {
    let path = resolve_path(ev, &c.str_arg(0)?, cx);
    let too_big = std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_FILE_BYTES);
    if too_big {
        return Err(c.error(format!("{} is too large", path.display())));
    }
    std::fs::read_to_string(&path).map_err(|e| c.error(format!("{}: {e}", path.display())))
}

/// `templatefile(path, vars)`: renders the file with only `vars` in scope. The result is
/// placed at the call (the template's own positions are not in the unit's files).
fn templatefile(ev: &mut Evaluator<'_>, c: &Call<'_>, cx: Cx<'_>) -> Res {
    c.arity(2, 2)?;
    let text = read_file(ev, c, cx)?;
    let vars = c.map_arg(1)?;
    let template = hcl_edit::parser::parse_template(&text)
        .map_err(|e| c.error(format!("template: {}", e.message())))?;
    let bindings = vars
        .iter()
        .map(|(k, v)| (k.name.clone(), v.clone()))
        .collect();
    let saved = ev.swap_scopes(bindings);
    let foreign = Cx {
        src: &text,
        constant: true,
        anchor: Some(c.span),
        ..cx
    };
    let mut node = ev.eval_template(&template, foreign, c.span);
    ev.swap_scopes(saved);
    value::respan_all(&mut node, c.span);
    Ok(node)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u32> = text
        .trim_end_matches('=')
        .bytes()
        .map(|c| B64.iter().position(|&d| d == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (d << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    Some(out)
}
