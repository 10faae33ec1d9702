//! `--diff-base REV`: which files changed since a git revision, so that a scan looks only at
//! them (their Terraform modules are still read whole, see [`crate::discover`]).
//!
//! Runs `git diff --name-only REV` (committed, staged and unstaged changes, deletions left
//! out) and `git ls-files --others --exclude-standard` (new files not yet added), both with
//! paths relative to the working directory, and keeps the files lenslint reads (YAML, JSON,
//! `.template`, `.tf`, Terraform variable files) that lie under the scanned paths.

use crate::filter::absolute;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("--diff-base needs git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
            .or_else(|| err.lines().next())
            .unwrap_or("")
            .trim();
        return Err(format!("`git {}` failed: {line}", args.join(" ")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// True for the files discovery reads.
fn interesting(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "template" | "tf")
    ) || name == "terraform.tfvars"
        || name.ends_with(".auto.tfvars")
}

/// Files changed since `rev` under any of `paths` (sorted, existing files only).
pub fn changed_files(rev: &str, paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(format!("--diff-base takes a git revision, got `{rev}`"));
    }
    let diff = git(&[
        "diff",
        "--name-only",
        "-z",
        "--relative",
        "--no-renames",
        "--diff-filter=d",
        rev,
        "--",
    ])?;
    let new = git(&["ls-files", "-z", "--others", "--exclude-standard"])?;
    let roots: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
    let mut out: Vec<PathBuf> = diff
        .split('\0')
        .chain(new.split('\0'))
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .filter(|p| interesting(p) && p.is_file())
        .filter(|p| {
            let abs = absolute(p);
            roots.iter().any(|r| abs.starts_with(r))
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interesting_files() {
        assert!(interesting(Path::new("a/b.yaml")));
        assert!(interesting(Path::new("main.tf")));
        assert!(interesting(Path::new("m/terraform.tfvars")));
        assert!(interesting(Path::new("m/x.auto.tfvars")));
        assert!(!interesting(Path::new("README.md")));
        assert!(!interesting(Path::new("prod.tfvars")));
        assert!(changed_files("--output=x", &[]).is_err());
    }
}
