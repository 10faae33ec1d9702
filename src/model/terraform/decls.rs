//! What the expressions of one module instance can refer to.
//!
//! `Decls` gathers, from the items of an instance's files, its variables, locals, outputs,
//! the addresses of its `resource`/`data` blocks and its `module` calls (with the arguments
//! that become the child's inputs and the child instance they lead to). The root instance
//! also holds the variable files and `--var` values; a child instead knows its parent and
//! the name of the call, whose arguments give its variables their values. The first
//! declaration of a name wins (files are read in path order).

use super::items::{hcl_tfvars, json_tfvars, Expr, Item, Repetition};
use super::modules::{Instance, Parsed};
use crate::tree::Span;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// A `variable "NAME" { ... }` declaration.
pub(crate) struct VarDecl<'a> {
    pub file: usize,
    pub default: Option<Expr<'a>>,
    /// Source text of the `type` constraint (`string`, `number`, `list(string)`), if any.
    pub type_text: Option<String>,
}

/// One entry of a `locals { NAME = expr }` block.
pub(crate) struct LocalDecl<'a> {
    pub file: usize,
    pub expr: Expr<'a>,
    /// Span of the local's name, where a cycle is reported.
    pub key_span: Span,
}

/// A `module "NAME" { ... }` call.
pub(crate) struct CallDecl<'a> {
    pub file: usize,
    /// Input arguments by variable name.
    pub args: HashMap<&'a str, Expr<'a>>,
    /// The child instance, or why it is not available (a remote module not downloaded).
    pub child: Result<usize, String>,
    /// The call's `count` / `for_each`, evaluated in the caller.
    pub repetition: Repetition<'a>,
}

/// Everything of a module instance that expressions can refer to.
pub(crate) struct Decls<'a> {
    /// Address prefix of the instance's resources (`""`, `module.ml.`).
    pub prefix: String,
    pub variables: HashMap<&'a str, VarDecl<'a>>,
    pub locals: HashMap<&'a str, LocalDecl<'a>>,
    /// `output "NAME" { value = ... }`: file and expression.
    pub outputs: HashMap<&'a str, (usize, Expr<'a>)>,
    pub calls: HashMap<&'a str, CallDecl<'a>>,
    /// Addresses of the resource and data blocks, without the prefix
    /// (`aws_s3_bucket.data`, `data.x.y`).
    pub resources: HashSet<String>,
    /// `count` / `for_each` of each of those blocks, with its file (the first block of an
    /// address wins).
    pub repetitions: HashMap<String, (usize, Repetition<'a>)>,
    /// The calling instance and the name of the call (`None` for the root).
    pub parent: Option<(usize, String)>,
    /// Values from variable files: file index and expression (the last file wins).
    pub tfvars: HashMap<&'a str, (usize, Expr<'a>)>,
    /// `--var` values (the last one wins; the root only).
    pub cli_vars: HashMap<String, String>,
    /// Directory `file()` and `templatefile()` paths are relative to.
    pub module_dir: PathBuf,
}

impl<'a> Decls<'a> {
    /// The declarations of `instance`, whose files have `items` (indexed by file).
    pub fn collect(
        instance: &Instance,
        items: &'a [Vec<Item<'a>>],
        parsed: &'a [Parsed],
        cli_vars: &[(String, String)],
    ) -> Decls<'a> {
        let root = instance.parent.is_none();
        let mut decls = Decls {
            prefix: instance.prefix.clone(),
            variables: HashMap::new(),
            locals: HashMap::new(),
            outputs: HashMap::new(),
            calls: HashMap::new(),
            resources: HashSet::new(),
            repetitions: HashMap::new(),
            parent: instance.parent.clone(),
            tfvars: HashMap::new(),
            cli_vars: if root {
                cli_vars.iter().cloned().collect()
            } else {
                HashMap::new()
            },
            module_dir: instance.dir.clone(),
        };
        for &file in &instance.files {
            for item in items.get(file).map(Vec::as_slice).unwrap_or_default() {
                decls.add(file, item, instance);
            }
        }
        for &file in &instance.var_files {
            let assignments = match parsed.get(file) {
                Some(Parsed::Hcl(body)) => hcl_tfvars(body),
                Some(Parsed::Json(root)) => json_tfvars(root),
                _ => continue,
            };
            for (name, expr) in assignments {
                decls.tfvars.insert(name, (file, expr));
            }
        }
        decls
    }

    fn add(&mut self, file: usize, item: &Item<'a>, instance: &Instance) {
        match item {
            Item::Variable {
                name,
                default,
                type_text,
            } => {
                self.variables.entry(name).or_insert(VarDecl {
                    file,
                    default: *default,
                    type_text: type_text.clone(),
                });
            }
            Item::Local {
                name,
                expr,
                key_span,
            } => {
                self.locals.entry(name).or_insert(LocalDecl {
                    file,
                    expr: *expr,
                    key_span: *key_span,
                });
            }
            Item::Resource(r) => {
                let address = r.address();
                self.repetitions
                    .entry(address.clone())
                    .or_insert((file, r.repetition));
                self.resources.insert(address);
            }
            Item::Module(m) => {
                let child = instance
                    .calls
                    .get(m.name)
                    .cloned()
                    .unwrap_or_else(|| Err(format!("module {} is not loaded", m.name)));
                self.calls.entry(m.name).or_insert(CallDecl {
                    file,
                    args: m.args.iter().copied().collect(),
                    child,
                    repetition: m.repetition,
                });
            }
            Item::Output { name, value } => {
                self.outputs.entry(name).or_insert((file, *value));
            }
        }
    }
}
