//! Terraform loader: one module (every `.tf` file of a directory) becomes one `Unit`.
//!
//! Each file is parsed with hcl-edit, which keeps byte spans on every block, attribute and
//! expression. The declarations of all files (variables, locals, resource and data blocks)
//! are gathered first, then every `resource` and `data` block is turned into a `Resource`
//! whose properties are its body evaluated into the shared span-carrying tree: variables
//! and locals are folded in, functions run on known arguments, references to other blocks
//! become `Ref` nodes, and whatever the configuration does not decide becomes `Unknown`.
//! Evaluation lives in `terraform/eval.rs` (expressions), `terraform/body.rs` (blocks),
//! `terraform/functions.rs` (built-in functions) and `terraform/refs.rs` (reference lists).
//!
//! `module "x" { source = "./sub" }` blocks are not followed yet: a later step loads local
//! modules (source starting with `./` or `../`) as their own scope, passes the block's
//! arguments as the child's variables and prefixes child addresses with `module.x.`.

mod body;
mod collections;
mod eval;
mod functions;
mod names;
mod refs;
mod strings;
mod template;
mod traversal;
mod value;

#[cfg(test)]
mod tests;

use super::{Format, Resource, SourceFile, Unit, UnitError};
use crate::tree::{ParseError, Span};
use eval::{Cx, Evaluator};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Loads one Terraform module: every `.tf` file of a directory, evaluated together.
/// `files`: (path as the user gave it, text) of each .tf file, sorted by path.
/// `tfvars`: (path, text) of terraform.tfvars / *.auto.tfvars / --var-file files, in
/// precedence order (later wins).
/// `vars`: `--var NAME=VALUE` overrides (highest precedence; VALUE is a string).
pub fn load_module(
    files: Vec<(PathBuf, String)>,
    tfvars: Vec<(PathBuf, String)>,
    vars: &[(String, String)],
) -> Unit {
    let module_dir = files
        .first()
        .and_then(|(p, _)| p.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let tf_count = files.len();
    let sources: Vec<SourceFile> = files
        .into_iter()
        .chain(tfvars)
        .map(|(path, text)| SourceFile::new(path, text))
        .collect();

    let mut errors = Vec::new();
    let bodies: Vec<Option<Body>> = sources
        .iter()
        .enumerate()
        .map(|(i, f)| parse_file(i, &f.text, &mut errors))
        .collect();

    let texts: Vec<&str> = sources.iter().map(|f| f.text.as_str()).collect();
    let decls = Decls::collect(&texts, &bodies, tf_count, vars, module_dir);
    let mut ev = Evaluator::new(&decls, texts.clone());
    let mut resources = Vec::new();
    for (file, body) in bodies.iter().enumerate().take(tf_count) {
        let Some(body) = body else { continue };
        for block in body.blocks() {
            if let Some(r) = load_block(&mut ev, &decls, file, texts[file], block) {
                resources.push(r);
            }
        }
    }
    errors.append(&mut ev.take_errors());

    let mut unit = Unit::new(Format::Terraform);
    unit.files = sources;
    unit.resources = resources;
    unit.errors = errors;
    unit
}

/// Parses one file; a failure is recorded in `errors` and yields `None`. A UTF-8 byte order
/// mark is read as three spaces, which keeps every byte offset in place.
fn parse_file(file: usize, text: &str, errors: &mut Vec<UnitError>) -> Option<Body> {
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

/// Builds the `Resource` of a `resource "T" "N"` or `data "T" "N"` block.
fn load_block(
    ev: &mut Evaluator<'_>,
    decls: &Decls<'_>,
    file: usize,
    src: &str,
    block: &Block,
) -> Option<Resource> {
    let kind = block.ident.as_str();
    // `module` blocks are skipped here; see the module documentation.
    if !matches!(kind, "resource" | "data") || block.labels.len() != 2 {
        return None;
    }
    let rtype = block.labels[0].as_str();
    let name = block.labels[1].as_str();
    let (id, rtype) = if kind == "data" {
        (format!("data.{rtype}.{name}"), format!("data.{rtype}"))
    } else {
        (format!("{rtype}.{name}"), rtype.to_string())
    };
    let header = header_span(block);
    let cx = Cx::module(file, src);
    let properties = ev.block_body(block, cx, true);
    let mut resource = Resource::new(id, rtype, file, header, properties);
    resource.refs = refs::collect(&block.body, decls);
    Some(resource)
}

/// Span of a block header: from the block identifier through its last label.
pub(crate) fn header_span(block: &Block) -> Span {
    let start = eval::span_of(&block.ident);
    block
        .labels
        .last()
        .map_or(start, |l| start.join(eval::span_of(l)))
}

/// A `variable "NAME" { ... }` declaration.
pub(crate) struct VarDecl<'a> {
    pub file: usize,
    pub default: Option<&'a Expression>,
    /// Source text of the `type` constraint (`string`, `number`, `list(string)`), if any.
    pub type_text: Option<String>,
}

/// One entry of a `locals { NAME = expr }` block.
pub(crate) struct LocalDecl<'a> {
    pub file: usize,
    pub expr: &'a Expression,
    /// Span of the local's name, where a cycle is reported.
    pub key_span: Span,
}

/// Everything of a module that expressions can refer to.
pub(crate) struct Decls<'a> {
    pub variables: HashMap<String, VarDecl<'a>>,
    pub locals: HashMap<String, LocalDecl<'a>>,
    /// Addresses of the resource and data blocks (`aws_s3_bucket.data`, `data.x.y`).
    pub resources: HashSet<String>,
    /// Values from tfvars files: file index and expression (the last file wins).
    pub tfvars: HashMap<String, (usize, &'a Expression)>,
    /// `--var` values (the last one wins).
    pub cli_vars: HashMap<String, String>,
    /// Directory `file()` and `templatefile()` paths are relative to.
    pub module_dir: PathBuf,
}

impl<'a> Decls<'a> {
    fn collect(
        texts: &[&str],
        bodies: &'a [Option<Body>],
        tf_count: usize,
        vars: &[(String, String)],
        module_dir: PathBuf,
    ) -> Decls<'a> {
        let mut decls = Decls {
            variables: HashMap::new(),
            locals: HashMap::new(),
            resources: HashSet::new(),
            tfvars: HashMap::new(),
            cli_vars: vars.iter().cloned().collect(),
            module_dir,
        };
        for (file, body) in bodies.iter().enumerate() {
            let Some(body) = body else { continue };
            if file < tf_count {
                for block in body.blocks() {
                    decls.add_block(file, texts[file], block);
                }
            } else {
                for attr in body.attributes() {
                    let entry = (file, &attr.value);
                    decls.tfvars.insert(attr.key.as_str().to_string(), entry);
                }
            }
        }
        decls
    }

    fn add_block(&mut self, file: usize, src: &str, block: &'a Block) {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        match (block.ident.as_str(), labels.as_slice()) {
            ("variable", [name]) => {
                let type_text = block
                    .body
                    .get_attribute("type")
                    .map(|a| eval::source_text(src, eval::span_of(&a.value)).to_string());
                let decl = VarDecl {
                    file,
                    default: block.body.get_attribute("default").map(|a| &a.value),
                    type_text,
                };
                self.variables.entry(name.to_string()).or_insert(decl);
            }
            ("locals", []) => {
                for attr in block.body.attributes() {
                    let decl = LocalDecl {
                        file,
                        expr: &attr.value,
                        key_span: eval::span_of(&attr.key),
                    };
                    self.locals
                        .entry(attr.key.as_str().to_string())
                        .or_insert(decl);
                }
            }
            ("resource", [rtype, name]) => {
                self.resources.insert(format!("{rtype}.{name}"));
            }
            ("data", [rtype, name]) => {
                self.resources.insert(format!("data.{rtype}.{name}"));
            }
            _ => {}
        }
    }
}
