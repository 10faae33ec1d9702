//! Shared by the benches: the generated monorepo (seed 1; `LENSLINT_BENCH_FILES` files,
//! default 1,000) written once per bench run to a temporary folder, and its files by format.

#![allow(dead_code)] // each bench uses part of it

use std::path::{Path, PathBuf};

pub struct Tree {
    pub dir: PathBuf,
    /// CloudFormation YAML templates: (path, text).
    pub yaml: Vec<(PathBuf, String)>,
    /// CloudFormation JSON templates, CDK stacks included.
    pub json: Vec<(PathBuf, String)>,
    /// Terraform modules: the `.tf` files of each directory.
    pub modules: Vec<Vec<(PathBuf, String)>>,
}

pub fn bytes(files: &[(PathBuf, String)]) -> usize {
    files.iter().map(|(_, t)| t.len()).sum()
}

pub fn files() -> usize {
    std::env::var("LENSLINT_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

pub fn tree() -> Tree {
    let n = files();
    let dir = std::env::temp_dir().join(format!("lenslint-bench-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = lenslint::synthetic::generate(&dir, 1, n) {
        panic!("cannot generate the bench tree in {}: {e}", dir.display());
    }
    let mut paths = Vec::new();
    walk(&dir, &mut paths);
    paths.sort();
    let mut t = Tree {
        dir,
        yaml: Vec::new(),
        json: Vec::new(),
        modules: Vec::new(),
    };
    let mut last_dir: Option<PathBuf> = None;
    for p in paths {
        let name = p.to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let is_cfn = text.contains("AWSTemplateFormatVersion") || text.contains("\"Resources\"");
        if name.ends_with(".tf") {
            if last_dir.as_deref() != p.parent() {
                t.modules.push(Vec::new());
                last_dir = p.parent().map(Path::to_path_buf);
            }
            if let Some(m) = t.modules.last_mut() {
                m.push((p, text));
            }
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && is_cfn {
            t.yaml.push((p, text));
        } else if name.ends_with(".json") && is_cfn {
            t.json.push((p, text));
        }
    }
    t
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
