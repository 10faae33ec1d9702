//! Which files to scan, grouped into units of work.
//!
//! Directories are walked with the `ignore` crate (ripgrep's walker: `.gitignore`-aware, does
//! not follow symlinks, so a symlink loop cannot trap it). Candidate files are YAML/JSON/
//! `.template` files (classified by content later: anything that is not CloudFormation is
//! skipped silently) and Terraform `.tf` files, which are grouped by directory into one module
//! with the directory's `terraform.tfvars` and `*.auto.tfvars`. Files named explicitly on the
//! command line are always scanned, and problems with them are always reported.

use crate::finding::ScanError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// One YAML/JSON file: a CloudFormation template, or something to skip.
    Document { path: PathBuf, explicit: bool },
    /// The `.tf` files of one directory, and the variable files that feed them.
    Module {
        dir: PathBuf,
        tf: Vec<PathBuf>,
        tfvars: Vec<PathBuf>,
    },
}

impl Job {
    /// The path used to order jobs (and so, output) deterministically.
    pub fn sort_key(&self) -> &Path {
        match self {
            Job::Document { path, .. } => path,
            Job::Module { dir, .. } => dir,
        }
    }
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub jobs: Vec<Job>,
    pub errors: Vec<ScanError>,
}

fn is_document(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "template")
    )
}

fn is_tf(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "tf")
}

fn is_tfvars(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars")
}

/// Strips a leading `./` so that `lenslint scan .` reports `dir/file.yaml`.
fn tidy(p: &Path) -> PathBuf {
    p.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut out = Discovery::default();
    let mut modules: BTreeMap<PathBuf, (Vec<PathBuf>, Vec<PathBuf>)> = BTreeMap::new();
    let mut documents: BTreeMap<PathBuf, bool> = BTreeMap::new();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(ScanError {
                    file: root.display().to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read: {e}"),
                    file_index: None,
                    span: Default::default(),
                });
                continue;
            }
        };
        if meta.is_file() {
            let p = tidy(root);
            if is_tf(&p) {
                let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
                modules.entry(dir).or_default().0.push(p);
            } else {
                documents.insert(p, true);
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_path(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.errors.push(ScanError {
                        file: root.display().to_string(),
                        line: 0,
                        column: 0,
                        message: format!("cannot walk: {e}"),
                        file_index: None,
                        span: Default::default(),
                    });
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let p = tidy(entry.path());
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            if is_tf(&p) {
                modules.entry(dir).or_default().0.push(p);
            } else if is_tfvars(&p) {
                modules.entry(dir).or_default().1.push(p);
            } else if is_document(&p) {
                documents.entry(p).or_insert(false);
            }
        }
    }
    for (path, explicit) in documents {
        out.jobs.push(Job::Document { path, explicit });
    }
    for (dir, (mut tf, mut tfvars)) in modules {
        if tf.is_empty() {
            continue;
        }
        tf.sort();
        tf.dedup();
        // terraform.tfvars first, then *.auto.tfvars in lexical order (Terraform's precedence).
        tfvars.sort_by_key(|p| (!p.ends_with("terraform.tfvars"), p.clone()));
        tfvars.dedup();
        out.jobs.push(Job::Module { dir, tf, tfvars });
    }
    out.jobs.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
    out
}
