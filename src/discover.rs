//! Which files to scan, grouped into units of work.
//!
//! Directories are walked with the `ignore` crate (ripgrep's walker: `.gitignore`-aware, does
//! not follow symlinks, so a symlink loop cannot trap it). Candidate files are YAML/JSON/
//! `.template` files (classified by content later: anything that is not CloudFormation is
//! skipped silently) and Terraform `.tf`/`.tf.json` files, which are grouped by directory into
//! one module with the directory's `terraform.tfvars` and `*.auto.tfvars` (and their `.json`
//! forms); a directory that another scanned one calls as a local module is loaded with its
//! caller instead (see `discover/terraform.rs`). Files named explicitly on the
//! command line are always scanned, and problems with them are always reported. CDK cloud
//! assemblies (`cdk.out`, found through `cdk.json` even when gitignored) are one job each,
//! given as their `manifest.json` (see `discover/cdk.rs`).

mod cdk;
mod terraform;

pub use cdk::is_assembly_manifest;

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
        /// The files whose findings are reported (empty: all): the `.tf` files named on the
        /// command line, when their directory was not also walked.
        report: Vec<PathBuf>,
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
    /// Hints that are not errors (a CDK app without a synthesized assembly).
    pub notes: Vec<String>,
    /// Terraform folders that a scanned folder calls as local modules: they are loaded with
    /// their caller, not as jobs of their own.
    pub tf_modules: Vec<PathBuf>,
}

fn is_document(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "template")
    )
}

/// A Terraform configuration file: `.tf`, or `.tf.json` (JSON syntax).
fn is_tf(p: &Path) -> bool {
    crate::model::terraform::modules::is_config_file(p)
}

fn is_tfvars(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name.strip_suffix(".json").unwrap_or(name);
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars")
}

/// Strips a leading `./` so that `lenslint scan .` reports `dir/file.yaml`.
fn tidy(p: &Path) -> PathBuf {
    p.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// The files under `root` the scan may read (sorted), and the walk's errors (sorted): the
/// walk runs on all threads (a monorepo has thousands of folders, each checked for ignore
/// files), and sorting afterwards keeps the order deterministic.
fn walk(root: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
    ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .follow_links(false)
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let item = match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => Ok(tidy(e.path())),
                    Ok(_) => return ignore::WalkState::Continue,
                    Err(e) => Err(format!("cannot walk: {e}")),
                };
                let mut guard = found.lock().unwrap_or_else(|p| p.into_inner());
                match item {
                    Ok(p) => guard.0.push(p),
                    Err(m) => guard.1.push(m),
                }
                ignore::WalkState::Continue
            })
        });
    let (mut files, mut errors) = found.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort();
    errors.sort();
    (files, errors)
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut out = Discovery::default();
    let mut modules: BTreeMap<PathBuf, (Vec<PathBuf>, Vec<PathBuf>)> = BTreeMap::new();
    let mut documents: BTreeMap<PathBuf, bool> = BTreeMap::new();
    let mut named: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut assemblies = cdk::Assemblies::default();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(ScanError {
                    file: root.display().to_string(),
                    line: 1,
                    column: 1,
                    message: format!("cannot read: {e}"),
                    file_index: None,
                    span: Default::default(),
                });
                continue;
            }
        };
        if meta.is_file() {
            let p = tidy(root);
            if is_tf(&p) || is_tfvars(&p) {
                let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
                named.entry(dir).or_default().push(p);
            } else {
                documents.insert(p, true);
            }
            continue;
        }
        let (files, errors) = walk(root);
        for message in errors {
            out.errors.push(ScanError {
                file: root.display().to_string(),
                line: 1,
                column: 1,
                message,
                file_index: None,
                span: Default::default(),
            });
        }
        for p in files {
            assemblies.visit(&p);
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
    assemblies.finish(&mut documents, &mut out.notes);
    for (path, explicit) in documents {
        out.jobs.push(Job::Document { path, explicit });
    }
    // A named Terraform file is scanned with its whole module, so references resolve across
    // it; findings are reported for the named `.tf` files only (all, when a variable file is
    // named or the directory was walked too).
    let mut report: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for (dir, files) in named {
        let walked = modules.contains_key(&dir);
        let entry = modules.entry(dir.clone()).or_default();
        if !walked {
            let listing = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            if let Ok(rd) = std::fs::read_dir(listing) {
                for e in rd.flatten() {
                    let p = dir.join(e.file_name());
                    if !p.is_file() {
                        continue;
                    }
                    if is_tf(&p) {
                        entry.0.push(p);
                    } else if is_tfvars(&p) {
                        entry.1.push(p);
                    }
                }
            }
            if files.iter().all(|f| is_tf(f)) {
                report.insert(dir.clone(), files.clone());
            }
        }
        for f in files {
            if is_tf(&f) {
                entry.0.push(f);
            } else {
                entry.1.push(f);
            }
        }
    }
    // A walked directory that another one calls as a local module is scanned with its caller.
    let called = terraform::called_dirs(modules.iter().map(|(d, (tf, _))| (d, tf.as_slice())));
    for (dir, (mut tf, mut tfvars)) in modules {
        if !tf.is_empty() && called.contains(&dir) && !report.contains_key(&dir) {
            out.tf_modules.push(dir);
            continue;
        }
        if tf.is_empty() {
            continue;
        }
        tf.sort();
        tf.dedup();
        // terraform.tfvars first, then *.auto.tfvars in lexical order (Terraform's precedence).
        tfvars.sort_by_key(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (!name.starts_with("terraform.tfvars"), p.clone())
        });
        tfvars.dedup();
        let mut report = report.remove(&dir).unwrap_or_default();
        report.sort();
        report.dedup();
        out.jobs.push(Job::Module {
            dir,
            tf,
            tfvars,
            report,
        });
    }
    out.jobs.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
    out
}
