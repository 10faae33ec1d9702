//! The filter stage of a scan: what happens to a unit's findings between evaluation and the
//! report. Per unit ([`unit_stage`]): template suppressions ([`crate::suppress`]), severity
//! overrides from the config, and, when the user named files (pre-commit, `--diff-base`), the
//! restriction to findings in those files while references still resolve across the whole
//! module. Before the scan, [`select_jobs`] drops the files the config's `exclude` globs
//! name. The [`Policy`] carries these settings from the config into `scan::Options`; the
//! baseline is applied later, over the whole scan ([`crate::baseline`]).

use crate::discover::Job;
use crate::finding::Finding;
use crate::model::Unit;
use crate::rules::{RuleSet, Severity};
use crate::suppress::{self, Applied, Known};
use globset::{GlobSet, GlobSetBuilder};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Filter settings for one scan (the defaults change nothing).
#[derive(Debug, Default, Clone)]
pub struct Policy {
    /// `allow-inline-suppressions = false`: comments and Metadata suppress nothing.
    pub forbid_inline: bool,
    /// Severity overrides: rule id or prefix → severity (the longest matching prefix wins).
    pub severity: Vec<(String, Severity)>,
    /// Files not to scan.
    pub exclude: Option<Exclude>,
    /// Every rule id that exists, including those the config does not run (a suppression
    /// naming one is not "unknown"). `None`: the ids of the rules being run.
    pub known_rules: Option<Arc<BTreeSet<String>>>,
    /// Named YAML/JSON files that are not templates are skipped silently even when they do
    /// not parse (`--skip-non-templates`, `--diff-base`: pre-commit passes every YAML and JSON
    /// file of a commit, Helm charts and JSON with comments included).
    pub skip_non_templates: bool,
}

impl Policy {
    /// The severity a finding of `rule_id` gets.
    pub fn severity_of(&self, rule_id: &str, default: Severity) -> Severity {
        self.severity
            .iter()
            .filter(|(p, _)| rule_id.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, s)| *s)
            .unwrap_or(default)
    }
}

/// `exclude` globs, relative to the config file's folder. A pattern with a `/` matches the
/// path from that folder (and everything under a matching folder); a pattern without one
/// matches a file or folder name at any depth, as in `.gitignore`.
#[derive(Debug, Clone)]
pub struct Exclude {
    base: PathBuf,
    anchored: GlobSet,
    anywhere: GlobSet,
}

impl Exclude {
    pub fn new(base: &Path, patterns: &[String]) -> Result<Exclude, String> {
        let mut anchored = GlobSetBuilder::new();
        let mut anywhere = GlobSetBuilder::new();
        for p in patterns {
            let trimmed = p.trim_start_matches("./").trim_start_matches('/');
            let trimmed = trimmed.trim_end_matches('/');
            let glob = globset::GlobBuilder::new(trimmed)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("bad glob `{p}`: {e}"))?;
            if trimmed.contains('/') {
                anchored.add(glob);
            } else {
                anywhere.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| e.to_string());
        Ok(Exclude {
            base: absolute(base),
            anchored: build(anchored)?,
            anywhere: build(anywhere)?,
        })
    }

    /// True when `path` (as discovered, relative to the working directory or absolute) is
    /// excluded.
    pub fn matches(&self, path: &Path) -> bool {
        let abs = absolute(path);
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            return false;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.iter().any(|p| self.anywhere.is_match(p)) {
            return true;
        }
        (1..=parts.len()).any(|n| self.anchored.is_match(parts[..n].join("/")))
    }
}

/// `path` made absolute (against the working directory) and cleaned of `.` and `..` without
/// touching the file system.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to the folder `base` (both made absolute), with `/` separators; `..` steps
/// when it is outside.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let p = absolute(path);
    let b = absolute(base);
    let pc: Vec<Component> = p.components().collect();
    let bc: Vec<Component> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..bc.len() {
        parts.push("..".into());
    }
    for c in &pc[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

/// Drops excluded files from the jobs (a module whose `.tf` files are all excluded goes), and
/// with `skip_non_templates` treats named documents like discovered ones.
pub fn select_jobs(jobs: &mut Vec<Job>, policy: &Policy) {
    if policy.skip_non_templates {
        for job in jobs.iter_mut() {
            if let Job::Document { explicit, .. } = job {
                *explicit = false;
            }
        }
    }
    let Some(ex) = &policy.exclude else { return };
    jobs.retain_mut(|job| match job {
        Job::Document { path, .. } => !ex.matches(path),
        Job::Module { tf, .. } => {
            tf.retain(|p| !ex.matches(p));
            !tf.is_empty()
        }
    });
}

/// The files of a job whose findings are reported (empty: all of them).
fn reported_files(job: &Job) -> &[PathBuf] {
    match job {
        Job::Module { report, .. } => report,
        Job::Document { .. } => &[],
    }
}

/// Applies the per-unit filters to the findings of `unit` (scanned as `job`).
pub fn unit_stage(
    unit: &Unit,
    rules: &RuleSet,
    policy: &Policy,
    job: &Job,
    findings: Vec<Finding>,
) -> Applied {
    let own: BTreeSet<String>;
    let all = match &policy.known_rules {
        Some(k) => k.as_ref(),
        None => {
            own = rules.rules.iter().map(|r| r.doc.id.clone()).collect();
            &own
        }
    };
    let known = Known {
        all,
        enabled: rules,
    };
    let mut out = suppress::apply(unit, rules, &known, findings, !policy.forbid_inline);
    let report = reported_files(job);
    if !report.is_empty() {
        let keep: Vec<bool> = unit
            .files
            .iter()
            .map(|f| report.iter().any(|r| r == &f.path))
            .collect();
        let shown = |i: usize| keep.get(i).copied().unwrap_or(false);
        out.kept.retain(|f| shown(f.file_index));
        out.suppressed.retain(|s| shown(s.finding.file_index));
    }
    if !policy.severity.is_empty() {
        for f in &mut out.kept {
            f.severity = policy.severity_of(f.rule_id(), f.severity);
        }
        for s in &mut out.suppressed {
            s.finding.severity = policy.severity_of(s.finding.rule_id(), s.finding.severity);
        }
    }
    out
}

/// The order suppressed findings are listed in: as findings are (file, line, column, rule).
pub fn sort_suppressed(list: &mut [suppress::Suppressed]) {
    list.sort_by(|a, b| a.finding.order_key().cmp(&b.finding.order_key()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_patterns() {
        let base = PathBuf::from("/repo");
        let ex = Exclude::new(
            &base,
            &[
                "cdk.out".into(),
                "legacy/**".into(),
                "*.generated.yaml".into(),
                "infra/old/".into(),
            ],
        )
        .unwrap();
        assert!(ex.matches(Path::new("/repo/cdk.out/Stack.template.json")));
        assert!(ex.matches(Path::new("/repo/app/cdk.out/Stack.template.json")));
        assert!(ex.matches(Path::new("/repo/legacy/a/b.yaml")));
        assert!(ex.matches(Path::new("/repo/x/y.generated.yaml")));
        assert!(ex.matches(Path::new("/repo/infra/old/main.tf")));
        assert!(!ex.matches(Path::new("/repo/infra/new/main.tf")));
        assert!(!ex.matches(Path::new("/repo/app/legacy/b.yaml")));
        assert!(!ex.matches(Path::new("/elsewhere/legacy/b.yaml")));
        assert!(Exclude::new(&base, &["a[".into()]).is_err());
    }

    #[test]
    fn paths() {
        assert_eq!(absolute(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(
            relative_to(Path::new("/a/b/c.yaml"), Path::new("/a")),
            "b/c.yaml"
        );
        assert_eq!(
            relative_to(Path::new("/a/c.yaml"), Path::new("/a/b")),
            "../c.yaml"
        );
    }

    #[test]
    fn longest_prefix_wins() {
        let p = Policy {
            severity: vec![
                ("SM".into(), Severity::Low),
                ("SM002".into(), Severity::Critical),
            ],
            ..Default::default()
        };
        assert_eq!(p.severity_of("SM002", Severity::High), Severity::Critical);
        assert_eq!(p.severity_of("SM001", Severity::High), Severity::Low);
        assert_eq!(p.severity_of("BR010", Severity::High), Severity::High);
    }
}
