//! CloudFormation templates (YAML, JSON, CDK-synthesized, SAM) as a `Unit`.
//!
//! A document is CloudFormation when it has `AWSTemplateFormatVersion`, or a `Resources` map
//! whose entries have a `Type` such as `AWS::...`. Each resource's `Properties` are resolved
//! (`resolve::cfn`); a resource whose `Condition` is known to be false is left out.

use super::{Format, Resource, SourceFile, Unit, UnitError, World};
use crate::resolve::cfn::{Choice, Resolver};
use crate::tree::{Kind, Node, ParseError, Span};
use std::collections::HashMap;
use std::path::PathBuf;

/// A map, or an intrinsic function that may produce one (`Fn::If`, ...).
fn is_map_like(node: &Node) -> bool {
    matches!(node.kind, Kind::Map(_) | Kind::Null)
}

/// What is wrong with a resource definition that is a map without a string `Type`
/// (`Fn::ForEach` entries excepted).
fn shape_error(name: &str, key: Span, def: &Node) -> Option<ParseError> {
    if def.as_map().is_none() || name.starts_with("Fn::") {
        return None;
    }
    Some(match def.get("Type") {
        None => ParseError::new(format!("resource {name} has no `Type`"), key),
        Some(t) => ParseError::new(
            format!(
                "`Type` of resource {name} is {}, expected a string",
                t.describe()
            ),
            t.span,
        ),
    })
}

/// Whether a parsed document is a CloudFormation template.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        return false;
    };
    resources.iter().any(|(_, r)| {
        r.get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.contains("::"))
    })
}

/// The values of an `Fn::ForEach` collection when the template decides them: a literal list,
/// or a `Ref` to a list parameter with a default.
fn for_each_values(root: &Node, collection: &Node) -> Option<Vec<String>> {
    let text = |n: &Node| n.scalar_text().map(|t| t.into_owned());
    if let Some(items) = collection.as_seq() {
        return items.iter().map(text).collect();
    }
    let name = collection.get("Ref").and_then(Node::as_str)?;
    let default = root.get("Parameters")?.get(name)?.get("Default")?;
    match &default.kind {
        Kind::Seq(items) => items.iter().map(text).collect(),
        _ => Some(
            text(default)?
                .split(',')
                .map(|s| s.trim().to_string())
                .collect(),
        ),
    }
}

/// Replaces `${Id}` and `&{Id}` in keys and strings, and `{"Ref": Id}`, with `value`.
fn substitute(node: &Node, id: &str, value: &str) -> Node {
    let dollar = format!("${{{id}}}");
    let amp = format!("&{{{id}}}");
    let text = |s: &str| s.replace(&dollar, value).replace(&amp, value);
    match &node.kind {
        Kind::Str(s) => Node::str(node.span, text(s)),
        Kind::Seq(items) => Node::new(
            node.span,
            Kind::Seq(items.iter().map(|i| substitute(i, id, value)).collect()),
        ),
        Kind::Map(entries) => {
            if entries.len() == 1 && entries[0].0.name == "Ref" && entries[0].1.as_str() == Some(id)
            {
                return Node::str(node.span, value);
            }
            let out = entries
                .iter()
                .map(|(k, v)| {
                    let key = crate::tree::Key {
                        name: text(&k.name),
                        span: k.span,
                    };
                    (key, substitute(v, id, value))
                })
                .collect();
            Node::new(node.span, Kind::Map(out))
        }
        _ => node.clone(),
    }
}

/// Expands the `AWS::LanguageExtensions` transform's `Fn::ForEach::Name` entries of
/// `Resources` whose collection is known; returns `None` when there are none.
fn expand_for_each(root: &Node) -> Option<Node> {
    let entries = root.get("Resources")?.as_map()?;
    if !entries
        .iter()
        .any(|(k, _)| k.name.starts_with("Fn::ForEach::"))
    {
        return None;
    }
    let mut out = Vec::new();
    for (k, v) in entries {
        if !k.name.starts_with("Fn::ForEach::") {
            out.push((k.clone(), v.clone()));
            continue;
        }
        let args = v.as_seq().unwrap_or(&[]);
        let (Some(id), Some(coll), Some(template)) = (
            args.first().and_then(Node::as_str),
            args.get(1),
            args.get(2),
        ) else {
            continue;
        };
        let Some(values) = for_each_values(root, coll) else {
            continue;
        };
        for value in values.iter().take(256) {
            if let Kind::Map(generated) = substitute(template, id, value).kind {
                out.extend(generated);
            }
        }
    }
    let mut new_root = root.clone();
    if let Kind::Map(top) = &mut new_root.kind {
        for (k, v) in top.iter_mut() {
            if k.name == "Resources" {
                v.kind = Kind::Map(out.clone());
            }
        }
    }
    Some(new_root)
}

/// Builds the unit of one template. `warnings` are non-fatal parse problems (duplicate keys).
pub fn load(path: PathBuf, text: String, root: &Node, warnings: Vec<ParseError>) -> Unit {
    let mut unit = Unit::new(Format::CloudFormation);
    unit.errors.extend(
        warnings
            .into_iter()
            .map(|error| UnitError { file: 0, error }),
    );
    if let Some(r) = root.get("Resources").filter(|r| r.as_map().is_none()) {
        let message = format!(
            "`Resources` is {}, expected a map of resources",
            r.describe()
        );
        unit.errors.push(UnitError {
            file: 0,
            error: ParseError::new(message, r.span),
        });
    }
    let expanded = expand_for_each(root);
    let root = expanded.as_ref().unwrap_or(root);
    let resolver = Resolver::new(root);
    if let Some(entries) = root.get("Resources").and_then(Node::as_map) {
        for (key, def) in entries {
            let Some(rtype) = def.get("Type").and_then(Node::as_str) else {
                if let Some(e) = shape_error(&key.name, key.span, def) {
                    unit.errors.push(UnitError { file: 0, error: e });
                } else if def.as_map().is_none() {
                    unit.errors.push(UnitError {
                        file: 0,
                        error: ParseError::new(
                            format!(
                                "resource {} is {}, expected a map",
                                key.name,
                                def.describe()
                            ),
                            def.span,
                        ),
                    });
                }
                continue;
            };
            if let Some(c) = def.get("Condition").and_then(Node::as_str) {
                if resolver.condition(c) == Some(false) {
                    continue;
                }
            }
            if let Some(p) = def.get("Properties").filter(|p| !is_map_like(p)) {
                let message = format!(
                    "`Properties` of resource {} is {}, expected a map",
                    key.name,
                    p.describe()
                );
                unit.errors.push(UnitError {
                    file: 0,
                    error: ParseError::new(message, p.span),
                });
            }
            resolver.take_choices();
            let resolved = def.get("Properties").map(|p| resolver.resolve(p));
            let choices = resolver.take_choices();
            let (properties, refs) = match resolved {
                Some(r) => (
                    r.node
                        .unwrap_or_else(|| Node::new(Span::default(), Kind::Map(Vec::new()))),
                    r.refs.into_iter().collect(),
                ),
                None => (Node::new(key.span, Kind::Map(Vec::new())), Vec::new()),
            };
            let mut res =
                Resource::new(key.name.clone(), rtype.to_string(), 0, key.span, properties);
            res.refs = refs;
            if let Some(p) = def.get("Properties") {
                res.worlds = worlds(&resolver, &choices, p);
            }
            res.metadata = def.get("Metadata").cloned();
            res.cdk_path = def
                .get("Metadata")
                .and_then(|m| m.get("aws:cdk:path"))
                .and_then(Node::as_str)
                .map(str::to_string);
            unit.resources.push(res);
        }
    }
    for (span, note) in resolver.notes.into_inner() {
        unit.errors.push(UnitError {
            file: 0,
            error: ParseError::new(note, span),
        });
    }
    unit.files.push(SourceFile::new(path, text));
    unit
}

/// At most this many combinations of open choices are evaluated per resource; beyond it the
/// values stay unknown.
const MAX_WORLDS: usize = 16;

/// The properties under every combination of the open choices they depend on.
fn worlds(resolver: &Resolver, choices: &[Choice], props: &Node) -> Vec<World> {
    if choices.is_empty() {
        return Vec::new();
    }
    let total = choices.iter().try_fold(1usize, |acc, c| {
        acc.checked_mul(c.arity()).filter(|n| *n <= MAX_WORLDS)
    });
    let Some(total) = total else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(total);
    for mut n in 0..total {
        let mut conditions = HashMap::new();
        let mut params = HashMap::new();
        let mut assumptions = Vec::new();
        for c in choices {
            let pick = n % c.arity();
            n /= c.arity();
            match c {
                Choice::Condition(name) => {
                    conditions.insert(name.clone(), pick == 0);
                    assumptions.push(format!("condition {name} is {}", pick == 0));
                }
                Choice::Parameter(name, values) => {
                    params.insert(name.clone(), values[pick].clone());
                    assumptions.push(format!("parameter {name} is {:?}", values[pick]));
                }
            }
        }
        let world = resolver.assuming(conditions, params).resolve(props);
        if let Some(properties) = world.node {
            out.push(World {
                assumptions,
                properties,
            });
        }
    }
    out
}
