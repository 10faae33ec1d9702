//! Terraform loader: a root module (every `.tf` and `.tf.json` file of a directory) and the
//! modules it calls become one `Unit`.
//!
//! Native files are parsed with hcl-edit, which keeps byte spans on every block, attribute
//! and expression; `.tf.json` files with the span-keeping JSON loader. Both are read into the
//! same declarations (`terraform/items.rs`). `module` calls are followed to local and
//! downloaded module directories (`terraform/modules.rs`), so that all files of the root and
//! its modules are one unit in which references resolve: a child's resources are addressed
//! `module.NAME.TYPE.NAME`, its variables take the call's arguments (evaluated in the
//! caller), and `module.NAME.OUT` in the caller is the child's output. Every `resource` and
//! `data` block of every module instance is turned into a `Resource` whose properties are its
//! body evaluated into the shared span-carrying tree: variables and locals are folded in,
//! functions run on known arguments, references to other blocks become `Ref` nodes (with the
//! full address), and whatever the configuration does not decide becomes `Unknown`.
//! Evaluation lives in `terraform/eval.rs` (expressions), `terraform/body.rs` (blocks),
//! `terraform/json.rs` (JSON syntax), `terraform/functions.rs` (built-in functions) and
//! `terraform/refs.rs` (reference lists). A resource with `count` or `for_each` is one
//! resource, at its block, addressed without an instance key; one whose `count` is known to
//! be 0 or whose `for_each` is known to be empty, or that is in a module called that way, is
//! not created and is left out (`terraform/instances.rs`).

mod body;
mod collections;
mod decls;
mod eval;
mod functions;
mod instances;
mod items;
mod json;
pub mod modules;
mod names;
mod parse_cache;
mod refs;
mod strings;
mod template;
mod traversal;
mod value;

#[cfg(test)]
mod instance_tests;
#[cfg(test)]
mod module_tests;
#[cfg(test)]
mod tests;

use super::{Format, Resource, Unit, UnitError};
use crate::tree::{Kind, ParseError, RefTarget, Span};
use decls::Decls;
use eval::{Cx, Evaluator};
use hcl_edit::structure::{Block, Body};
use items::{hcl_items, json_items, BlockBody, Item, ResourceItem};
use modules::{Disk, Files, Parsed, Tree};
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

/// Loads one Terraform root module and the modules it calls.
/// `files`: (path as the user gave it, text) of each `.tf`/`.tf.json` file of the root
/// directory, sorted by path; called modules are read from disk relative to it.
/// `tfvars`: (path, text) of terraform.tfvars / *.auto.tfvars / --var-file files, in
/// precedence order (later wins).
/// `vars`: `--var NAME=VALUE` overrides (highest precedence; VALUE is a string).
pub fn load_module(
    files: Vec<(PathBuf, String)>,
    tfvars: Vec<(PathBuf, String)>,
    vars: &[(String, String)],
) -> Unit {
    load_module_with(files, tfvars, vars, &Disk)
}

/// [`load_module`], reading called modules from `fs`.
pub(crate) fn load_module_with(
    files: Vec<(PathBuf, String)>,
    tfvars: Vec<(PathBuf, String)>,
    vars: &[(String, String)],
    fs: &dyn Files,
) -> Unit {
    let Tree {
        files: sources,
        parsed,
        instances,
        mut errors,
    } = Tree::load(files, tfvars, fs);
    // Variable files hold assignments, not declarations.
    let mut is_var_file = vec![false; sources.len()];
    for i in instances.iter().flat_map(|inst| &inst.var_files) {
        is_var_file[*i] = true;
    }
    let items: Vec<Vec<Item<'_>>> = parsed
        .iter()
        .zip(&sources)
        .zip(is_var_file)
        .map(|((p, f), var_file)| match p {
            _ if var_file => Vec::new(),
            Parsed::Hcl(body) => hcl_items(body, &f.text),
            Parsed::Json(root) => json_items(root),
            Parsed::Failed => Vec::new(),
        })
        .collect();
    let decls: Vec<Decls<'_>> = instances
        .iter()
        .map(|inst| Decls::collect(inst, &items, &parsed, vars))
        .collect();
    let texts: Vec<&str> = sources.iter().map(|f| f.text.as_str()).collect();
    let mut ev = Evaluator::new(&decls, texts.clone());
    let mut resources = Vec::new();
    // Addresses of the blocks Terraform creates no instance of.
    let mut absent: HashSet<String> = HashSet::new();
    for (module, inst) in instances.iter().enumerate() {
        let module_absent = ev.module_presence(module).is_absent();
        for &file in &inst.files {
            for item in &items[file] {
                if let Item::Resource(r) = item {
                    let address = r.address();
                    if module_absent || ev.block_presence(module, &address).is_absent() {
                        absent.insert(format!("{}{address}", decls[module].prefix));
                        continue;
                    }
                    let cx = Cx::module(module, file, texts[file]);
                    resources.push(load_resource(&mut ev, &decls[module], cx, r));
                }
            }
        }
    }
    errors.append(&mut ev.take_errors());
    // A reference found in the source to a block that is not created relates to nothing.
    for resource in &mut resources {
        resource.refs.retain(|t| !absent.contains(&t.resource));
    }

    let mut unit = Unit::new(Format::Terraform);
    unit.files = sources;
    unit.resources = resources;
    unit.errors = errors;
    unit
}

/// Parses one native-syntax file; a failure is recorded in `errors` and yields `None`. A
/// UTF-8 byte order mark is read as three spaces, which keeps every byte offset in place.
pub(crate) fn parse_file(file: usize, text: &str, errors: &mut Vec<UnitError>) -> Option<Body> {
    if let Err(error) = crate::parse::hcl::check_depth(text) {
        errors.push(UnitError { file, error });
        return None;
    }
    let parsed = match text.strip_prefix('\u{feff}') {
        Some(rest) => format!("   {rest}").parse::<Body>(),
        None => text.parse::<Body>(),
    };
    match parsed {
        Ok(body) => Some(body),
        Err(e) => {
            let start = e.location().offset().min(text.len());
            let end = next_char_boundary(text, start);
            errors.push(UnitError {
                file,
                error: ParseError::new(
                    format!("HCL parse error: {}", e.message()),
                    Span::new(start, end),
                ),
            });
            None
        }
    }
}

/// The end of the character starting at `start` (or `start` at the end of the text).
fn next_char_boundary(text: &str, start: usize) -> usize {
    text.get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8())
}

/// Builds the `Resource` of a `resource "T" "N"` or `data "T" "N"` block of the module
/// instance `decls` belongs to.
fn load_resource(
    ev: &mut Evaluator<'_>,
    decls: &Decls<'_>,
    cx: Cx<'_>,
    r: &ResourceItem<'_>,
) -> Resource {
    let id = format!("{}{}", decls.prefix, r.address());
    let rtype = if r.data {
        format!("data.{}", r.rtype)
    } else {
        r.rtype.to_string()
    };
    let (properties, mut refs) = match r.body {
        BlockBody::Hcl(block) => (
            ev.block_body(block, cx, true),
            refs::collect(&block.body, decls),
        ),
        BlockBody::Json(body) => (ev.json_body(body, cx, true), Vec::new()),
    };
    // References that reach the block through values (module inputs and outputs, JSON
    // templates) are in its evaluated properties.
    let mut found: BTreeSet<RefTarget> = refs.drain(..).collect();
    properties.walk(&mut |n| {
        if let Kind::Ref(target) = &n.kind {
            found.insert(target.clone());
        }
        true
    });
    let mut resource = Resource::new(id, rtype, cx.file, r.header, properties);
    resource.refs = found.into_iter().collect();
    resource
}

/// Span of a block header: from the block identifier through its last label.
pub(crate) fn header_span(block: &Block) -> Span {
    let start = eval::span_of(&block.ident);
    block
        .labels
        .last()
        .map_or(start, |l| start.join(eval::span_of(l)))
}
