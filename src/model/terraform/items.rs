//! The declarations of one Terraform file, whatever its syntax.
//!
//! A native `.tf` file (an hcl-edit `Body`) and a `.tf.json` file (the span-carrying JSON
//! tree, in Terraform's JSON syntax) are both read into the same list of `Item`s: variables,
//! locals, `resource`/`data` blocks, `module` calls and outputs, each holding its unevaluated
//! expressions (`Expr`). Everything downstream (declarations, evaluation, module loading)
//! works on items and never asks which syntax a file was written in. Variable files
//! (`terraform.tfvars`, `*.auto.tfvars`, `--var-file`, and their `.json` forms) are read into
//! plain (name, expression) lists.

use super::eval::{source_text, span_of};
use crate::tree::{Key, Kind, Node, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

/// An unevaluated expression: HCL syntax, or a JSON value whose strings are templates.
#[derive(Clone, Copy)]
pub(crate) enum Expr<'a> {
    Hcl(&'a Expression),
    Json(&'a Node),
}

/// The body of a `resource` or `data` block.
#[derive(Clone, Copy)]
pub(crate) enum BlockBody<'a> {
    Hcl(&'a Block),
    /// The block's JSON object (a `Map`; anything else has no properties).
    Json(&'a Node),
}

/// The `count` and `for_each` meta-arguments of a block or module call (`None`: not set).
#[derive(Clone, Copy, Default)]
pub(crate) struct Repetition<'a> {
    pub count: Option<Expr<'a>>,
    pub for_each: Option<Expr<'a>>,
}

/// A `resource "T" "N"` or `data "T" "N"` block.
pub(crate) struct ResourceItem<'a> {
    pub data: bool,
    pub rtype: &'a str,
    pub name: &'a str,
    /// Where a finding about a missing property points.
    pub header: Span,
    pub body: BlockBody<'a>,
    pub repetition: Repetition<'a>,
}

impl ResourceItem<'_> {
    /// Address within its module: `TYPE.NAME` or `data.TYPE.NAME`.
    pub fn address(&self) -> String {
        if self.data {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }
}

/// A `module "NAME" { source = "..." ... }` call.
pub(crate) struct ModuleItem<'a> {
    pub name: &'a str,
    /// `source`, when written as a plain string, with the span of its value.
    pub source: Option<(String, Span)>,
    /// The arguments that become the child's input variables.
    pub args: Vec<(&'a str, Expr<'a>)>,
    pub repetition: Repetition<'a>,
}

pub(crate) enum Item<'a> {
    Variable {
        name: &'a str,
        default: Option<Expr<'a>>,
        /// Source text of the `type` constraint (`string`, `list(string)`), if any.
        type_text: Option<String>,
    },
    Local {
        name: &'a str,
        expr: Expr<'a>,
        /// Span of the local's name, where a cycle is reported.
        key_span: Span,
    },
    Resource(ResourceItem<'a>),
    Module(ModuleItem<'a>),
    Output {
        name: &'a str,
        value: Expr<'a>,
    },
}

/// Arguments of a `module` block that are not input variables.
const MODULE_META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "depends_on",
    "providers",
];

/// The items of a native-syntax file. `src` is its text (for type constraints).
pub(crate) fn hcl_items<'a>(body: &'a Body, src: &str) -> Vec<Item<'a>> {
    let mut items = Vec::new();
    for block in body.blocks() {
        let labels: Vec<&'a str> = block.labels.iter().map(|l| l.as_str()).collect();
        match (block.ident.as_str(), labels.as_slice()) {
            ("variable", [name]) => items.push(Item::Variable {
                name,
                default: block
                    .body
                    .get_attribute("default")
                    .map(|a| Expr::Hcl(&a.value)),
                type_text: block
                    .body
                    .get_attribute("type")
                    .map(|a| source_text(src, span_of(&a.value)).to_string()),
            }),
            ("locals", []) => {
                for attr in block.body.attributes() {
                    items.push(Item::Local {
                        name: attr.key.as_str(),
                        expr: Expr::Hcl(&attr.value),
                        key_span: span_of(&attr.key),
                    });
                }
            }
            (kind @ ("resource" | "data"), [rtype, name]) => {
                items.push(Item::Resource(ResourceItem {
                    data: kind == "data",
                    rtype,
                    name,
                    header: super::header_span(block),
                    body: BlockBody::Hcl(block),
                    repetition: hcl_repetition(block),
                }));
            }
            ("module", [name]) => {
                let source = block.body.get_attribute("source").and_then(|a| {
                    let text = match &a.value {
                        Expression::String(s) => s.value().clone(),
                        _ => return None,
                    };
                    Some((text, span_of(&a.value)))
                });
                let args = block
                    .body
                    .attributes()
                    .filter(|a| !MODULE_META.contains(&a.key.as_str()))
                    .map(|a| (a.key.as_str(), Expr::Hcl(&a.value)))
                    .collect();
                items.push(Item::Module(ModuleItem {
                    name,
                    source,
                    args,
                    repetition: hcl_repetition(block),
                }));
            }
            ("output", [name]) => {
                if let Some(a) = block.body.get_attribute("value") {
                    items.push(Item::Output {
                        name,
                        value: Expr::Hcl(&a.value),
                    });
                }
            }
            _ => {}
        }
    }
    items
}

/// `count` and `for_each` of a native-syntax block.
fn hcl_repetition(block: &Block) -> Repetition<'_> {
    let get = |name: &str| block.body.get_attribute(name).map(|a| Expr::Hcl(&a.value));
    Repetition {
        count: get("count"),
        for_each: get("for_each"),
    }
}

/// `count` and `for_each` of a block or module call in JSON syntax (the first of each, as
/// `get` reads a map).
fn json_repetition(body: &Node) -> Repetition<'_> {
    let get = |name: &str| {
        entries(body)
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| Expr::Json(v))
    };
    Repetition {
        count: get("count"),
        for_each: get("for_each"),
    }
}

/// The objects at one level of Terraform JSON syntax: an object, or an array of objects
/// (which Terraform accepts wherever a block or block list is expected).
fn objects(node: &Node) -> Vec<&[(Key, Node)]> {
    match &node.kind {
        Kind::Map(entries) => vec![entries.as_slice()],
        Kind::Seq(items) => items.iter().filter_map(Node::as_map).collect(),
        _ => Vec::new(),
    }
}

/// Entries of the objects at one level, without `"//"` comment properties.
pub(super) fn entries(node: &Node) -> impl Iterator<Item = &(Key, Node)> {
    objects(node)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.name != "//")
}

/// The items of a file in Terraform's JSON syntax (its root object).
pub(crate) fn json_items(root: &Node) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    for (kind, value) in entries(root) {
        match kind.name.as_str() {
            "variable" => {
                for (name, spec) in entries(value) {
                    let type_text = spec.get("type").and_then(Node::as_str).map(str::to_string);
                    items.push(Item::Variable {
                        name: &name.name,
                        default: spec.get("default").map(Expr::Json),
                        type_text,
                    });
                }
            }
            "locals" => {
                for (name, expr) in entries(value) {
                    items.push(Item::Local {
                        name: &name.name,
                        expr: Expr::Json(expr),
                        key_span: name.span,
                    });
                }
            }
            "resource" | "data" => {
                for (rtype, named) in entries(value) {
                    for (name, body) in entries(named) {
                        items.push(Item::Resource(ResourceItem {
                            data: kind.name == "data",
                            rtype: &rtype.name,
                            name: &name.name,
                            header: name.span,
                            body: BlockBody::Json(body),
                            repetition: json_repetition(body),
                        }));
                    }
                }
            }
            "module" => {
                for (name, body) in entries(value) {
                    let source = body
                        .get("source")
                        .and_then(|s| s.as_str().map(|t| (t.to_string(), s.span)));
                    let args = entries(body)
                        .filter(|(k, _)| !MODULE_META.contains(&k.name.as_str()))
                        .map(|(k, v)| (k.name.as_str(), Expr::Json(v)))
                        .collect();
                    items.push(Item::Module(ModuleItem {
                        name: &name.name,
                        source,
                        args,
                        repetition: json_repetition(body),
                    }));
                }
            }
            "output" => {
                for (name, spec) in entries(value) {
                    if let Some(v) = spec.get("value") {
                        items.push(Item::Output {
                            name: &name.name,
                            value: Expr::Json(v),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    items
}

/// The assignments of a native-syntax variable file.
pub(crate) fn hcl_tfvars(body: &Body) -> Vec<(&str, Expr<'_>)> {
    body.attributes()
        .map(|a| (a.key.as_str(), Expr::Hcl(&a.value)))
        .collect()
}

/// The assignments of a JSON variable file (its root object).
pub(crate) fn json_tfvars(root: &Node) -> Vec<(&str, Expr<'_>)> {
    root.as_map()
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| (k.name.as_str(), Expr::Json(v)))
        .collect()
}
