//! Which Terraform directories are roots: a directory that another scanned directory calls as
//! a local module (`module "x" { source = "./modules/x" }`) is loaded as part of its caller,
//! with its resources addressed `module.x.…`, so it is not also scanned on its own (that would
//! report the same lines twice under different addresses).
//!
//! The calls are found by a light text scan of each `.tf` file (the `source = "..."` lines
//! inside `module "..." {` blocks; the `module` object of `.tf.json` files), not by parsing:
//! the loader parses every file once, later. Directories that only call each other in a
//! cycle keep the first of them (in path order) as a root.

use crate::model::terraform::modules::{is_local_source, normalize};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The directories among `dirs` (each with its `.tf`/`.tf.json` files) that another of them
/// calls as a local module, directly or through other called directories.
pub fn called_dirs<'a>(
    dirs: impl IntoIterator<Item = (&'a PathBuf, &'a [PathBuf])>,
) -> BTreeSet<PathBuf> {
    let dirs: Vec<(&PathBuf, &[PathBuf])> = dirs.into_iter().collect();
    let calls_of = |(dir, files): &(&PathBuf, &[PathBuf])| {
        let mut out = Vec::new();
        for f in files.iter() {
            if let Ok(text) = std::fs::read_to_string(f) {
                local_calls(
                    dir,
                    &text,
                    f.extension().is_some_and(|e| e == "json"),
                    &mut out,
                );
            }
        }
        out
    };
    // Without two folders there is nothing to share out, and a parallel iterator would start
    // rayon's threads, most of a one-template scan's start-up.
    let calls: Vec<Vec<PathBuf>> = if dirs.len() < 2 {
        dirs.iter().map(calls_of).collect()
    } else {
        dirs.par_iter().map(calls_of).collect()
    };
    let index: HashMap<PathBuf, usize> = dirs
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (normalize(d), i))
        .collect();
    let edges: Vec<Vec<usize>> = calls
        .iter()
        .enumerate()
        .map(|(i, targets)| {
            let mut e: Vec<usize> = targets
                .iter()
                .filter_map(|t| index.get(t).copied())
                .filter(|&j| j != i)
                .collect();
            e.sort_unstable();
            e.dedup();
            e
        })
        .collect();
    let mut called = vec![false; dirs.len()];
    for e in &edges {
        for &j in e {
            called[j] = true;
        }
    }
    let mut reached = vec![false; dirs.len()];
    let mut root = vec![false; dirs.len()];
    let visit = |start: usize, reached: &mut Vec<bool>| {
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reached[i], true) {
                continue;
            }
            stack.extend(edges[i].iter().copied());
        }
    };
    // Uncalled directories first, then one per cycle that nothing outside it calls.
    let order: Vec<usize> = (0..dirs.len())
        .filter(|&i| !called[i])
        .chain((0..dirs.len()).filter(|&i| called[i]))
        .collect();
    for i in order {
        if !reached[i] {
            root[i] = true;
            visit(i, &mut reached);
        }
    }
    dirs.iter()
        .enumerate()
        .filter(|(i, _)| !root[*i])
        .map(|(_, (d, _))| (*d).clone())
        .collect()
}

/// Appends to `out` the (normalized) directories that `text`, a file of `dir`, calls as local
/// modules.
fn local_calls(dir: &Path, text: &str, json: bool, out: &mut Vec<PathBuf>) {
    if memchr::memmem::find(text.as_bytes(), b"module").is_none() {
        return;
    }
    let mut add = |source: &str| {
        if is_local_source(source) {
            out.push(normalize(&dir.join(source)));
        }
    };
    if json {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        let modules = match value.get("module") {
            Some(serde_json::Value::Array(items)) => items.iter().collect(),
            Some(m) => vec![m],
            None => Vec::new(),
        };
        for calls in modules.iter().filter_map(|m| m.as_object()) {
            for call in calls.values() {
                if let Some(source) = call.get("source").and_then(|s| s.as_str()) {
                    add(source);
                }
            }
        }
        return;
    }
    // Indentation of the `module "..." {` header whose body is being read.
    let mut header_indent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match header_indent {
            None => {
                let is_header = trimmed
                    .strip_prefix("module")
                    .is_some_and(|rest| rest.trim_start().starts_with('"'))
                    && trimmed.contains('{');
                if is_header {
                    if let Some(source) = source_in(trimmed) {
                        add(source);
                    }
                    if !trimmed.trim_end().ends_with('}') {
                        header_indent = Some(indent);
                    }
                }
            }
            Some(at) => {
                if trimmed.starts_with('}') && indent <= at {
                    header_indent = None;
                } else if trimmed.starts_with("source") {
                    if let Some(source) = source_in(trimmed) {
                        add(source);
                    }
                }
            }
        }
    }
}

/// The string of the first `source = "..."` in `s`.
fn source_in(s: &str) -> Option<&str> {
    let mut rest = s;
    while let Some(i) = rest.find("source") {
        let after = rest[i + "source".len()..].trim_start();
        if let Some(value) = after.strip_prefix('=') {
            if let Some(quoted) = value.trim_start().strip_prefix('"') {
                return quoted.find('"').map(|end| &quoted[..end]);
            }
        }
        rest = &rest[i + "source".len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(text: &str, json: bool) -> Vec<String> {
        let mut out = Vec::new();
        local_calls(Path::new("infra/live"), text, json, &mut out);
        out.iter().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn finds_local_sources_of_module_blocks_only() {
        let text = r#"
module "ml" {
  source  = "../modules/ml"
  name    = "x"
}
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
  module "inline" { source = "./inline" }
resource "null_resource" "r" {
  provisioner "file" {
    source = "./scripts"
  }
}
module "nested" {
  providers = {
    aws = aws.east
  }
  source = "./nested"
}
"#;
        assert_eq!(
            calls(text, false),
            ["infra/modules/ml", "infra/live/inline", "infra/live/nested"]
        );
        let json = r#"{"module": {"a": {"source": "./a"}, "b": {"source": "hashicorp/b"}}}"#;
        assert_eq!(calls(json, true), ["infra/live/a"]);
    }

    #[test]
    fn called_directories_are_not_roots_and_cycles_keep_one() {
        let tmp = std::env::temp_dir().join(format!("lenslint-discover-tf-{}", std::process::id()));
        let write = |rel: &str, text: &str| {
            let p = tmp.join(rel);
            if let Some(parent) = p.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(&p, text);
            p
        };
        let call = |to: &str| format!("module \"m\" {{\n  source = \"{to}\"\n}}\n");
        let files = [
            ("root", write("root/main.tf", &call("../mod"))),
            ("mod", write("mod/main.tf", &call("./inner"))),
            ("mod/inner", write("mod/inner/main.tf", "")),
            ("cycle_a", write("cycle_a/main.tf", &call("../cycle_b"))),
            ("cycle_b", write("cycle_b/main.tf", &call("../cycle_a"))),
        ];
        let dirs: Vec<(PathBuf, Vec<PathBuf>)> = files
            .iter()
            .map(|(d, f)| (tmp.join(d), vec![f.clone()]))
            .collect();
        let called = called_dirs(dirs.iter().map(|(d, f)| (d, f.as_slice())));
        let _ = std::fs::remove_dir_all(&tmp);
        let names: Vec<String> = called
            .iter()
            .map(|p| p.strip_prefix(&tmp).unwrap_or(p).display().to_string())
            .collect();
        assert_eq!(names, ["cycle_b", "mod", "mod/inner"]);
    }
}
