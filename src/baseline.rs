//! The baseline: the findings a repository already had when it adopted lenslint, so that CI
//! fails only on new ones.
//!
//! `lenslint scan --write-baseline FILE` records every current finding by fingerprint;
//! `--baseline FILE` (or the config's `baseline`) reports and fails only on findings not in
//! it. A finding is known by its rule id, its file (relative to the baseline file's folder,
//! so the same baseline works from any working directory and for pre-commit's paths), its
//! resource and its property path: never its line, so moving a resource within its file or
//! adding unrelated lines does not make an old finding new. Entries are counted, so two
//! identical findings need two entries. The file is sorted JSON without line numbers, so it
//! diffs cleanly in review.

use crate::filter::{absolute, relative_to};
use crate::finding::{fingerprint, Finding};
use crate::suppress::{Origin, Suppressed, SuppressionInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    pub rule_id: String,
    pub resource: String,
    /// The property path the finding is about.
    #[serde(default)]
    pub path: String,
    pub fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    version: u32,
    #[serde(default)]
    tool: String,
    findings: Vec<Entry>,
}

/// A loaded baseline.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    dir: PathBuf,
    /// Fingerprint → how many findings it still covers.
    remaining: BTreeMap<String, usize>,
}

fn folder_of(path: &Path) -> PathBuf {
    absolute(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The baseline entry of a finding, for a baseline file in `dir`.
pub fn entry(f: &Finding, dir: &Path) -> Entry {
    let file = relative_to(Path::new(&*f.file), dir);
    Entry {
        fingerprint: fingerprint(f.rule_id(), &file, f.resource(), &f.path),
        file,
        rule_id: f.rule_id().to_string(),
        resource: f.resource().to_string(),
        path: f.path.to_string(),
    }
}

/// The text of a baseline file holding `findings`, for a file written at `path`.
pub fn render(findings: &[Finding], path: &Path) -> String {
    let dir = folder_of(path);
    let mut entries: Vec<Entry> = findings.iter().map(|f| entry(f, &dir)).collect();
    entries.sort();
    let doc = FileForm {
        version: 1,
        tool: "lenslint".into(),
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes a baseline file holding `findings`.
pub fn write(findings: &[Finding], path: &Path) -> Result<(), String> {
    std::fs::write(path, render(findings, path))
        .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
        let doc: FileForm = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a lenslint baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if doc.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (this lenslint writes 1)",
                path.display(),
                doc.version
            ));
        }
        let mut remaining = BTreeMap::new();
        for e in doc.findings {
            *remaining.entry(e.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            dir: folder_of(path),
            remaining,
        })
    }

    /// Moves the findings the baseline records from `findings` to the returned list.
    pub fn apply(&mut self, findings: &mut Vec<Finding>) -> Vec<Suppressed> {
        let mut known = Vec::new();
        let shown = self.path.to_string_lossy().replace('\\', "/");
        findings.retain(|f| {
            let e = entry(f, &self.dir);
            match self.remaining.get_mut(&e.fingerprint) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    known.push(Suppressed {
                        finding: f.clone(),
                        suppression: SuppressionInfo {
                            kind: Origin::Baseline,
                            reason: "recorded in the baseline".into(),
                            file: shown.clone(),
                            line: 0,
                        },
                    });
                    false
                }
                _ => true,
            }
        });
        known
    }
}
