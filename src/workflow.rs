//! A scan the way a team runs it: `lenslint scan` with its config, baseline and changed-file
//! options, from paths to the findings to report and the exit decision.
//!
//! Steps: `--diff-base` turns the paths into the changed files under them
//! ([`crate::changes`]); each path gets its config ([`crate::config::find`], or `--config`, or
//! none with `--isolated`), and paths sharing a config are scanned together with the rules
//! and filter policy that config asks for; then `--severity` is applied, the baseline moves
//! the findings it records to the suppressed list (or `--write-baseline` records them all),
//! and each group's `fail-on` (the command line's wins) decides whether the run fails. Groups
//! are merged into one result in the scan's deterministic order.

use crate::baseline::{self, Baseline};
use crate::config::Config;
use crate::rules::{RuleSet, Severity};
use crate::scan::{scan_with_progress, Options, ScanResult};
use crate::suppress::Origin;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What the command line asked for.
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub paths: Vec<PathBuf>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--isolated`: no config file.
    pub isolated: bool,
    /// `--rules DIR`.
    pub rule_dirs: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
    pub var_files: Vec<PathBuf>,
    /// `--baseline FILE` (else the config's `baseline`).
    pub baseline: Option<PathBuf>,
    /// `--write-baseline FILE`.
    pub write_baseline: Option<PathBuf>,
    /// `--diff-base REV`.
    pub diff_base: Option<String>,
    /// `--fail-on` (else the config's `fail-on`, else low).
    pub fail_on: Option<Severity>,
    /// `--severity`: findings below it are not reported.
    pub min_severity: Option<Severity>,
    /// `--skip-non-templates` (implied by `--diff-base`).
    pub skip_non_templates: bool,
    /// No report asks for per-(rule, resource) evaluations (see [`Options`]).
    pub without_evaluations: bool,
    /// No report shows source snippets (see [`Options`]).
    pub without_text: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub result: ScanResult,
    /// The rules the reports describe findings with.
    pub rules: RuleSet,
    /// A reported finding is at or above its `fail-on`.
    pub failed: bool,
    /// Findings silenced by template suppressions.
    pub suppressed: usize,
    /// Findings silenced by the baseline.
    pub baselined: usize,
    /// Messages for standard error (baseline written, nothing changed).
    pub notes: Vec<String>,
}

/// Runs the scan a request describes, calling `progress(files_done, files_total)` as files
/// are scanned (per config group). `Err` is a usage or configuration error (exit 2).
pub fn run(req: &Request, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<Outcome, String> {
    let mut notes = Vec::new();
    let mut paths = if req.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        req.paths.clone()
    };
    if let Some(rev) = &req.diff_base {
        paths = crate::changes::changed_files(rev, &paths)?;
        if paths.is_empty() {
            notes.push(format!(
                "lenslint: no changed template or Terraform file since {rev}"
            ));
        }
    }
    // Paths grouped by the config that applies to them (in config-path order).
    let mut groups: BTreeMap<Option<PathBuf>, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        let cfg = if req.isolated {
            None
        } else if let Some(c) = &req.config {
            Some(c.clone())
        } else {
            crate::config::find(&p)
        };
        groups.entry(cfg).or_default().push(p);
    }
    if groups.is_empty() && req.config.is_some() && !req.isolated {
        // Nothing to scan, but a named config must still be valid.
        groups.insert(req.config.clone(), Vec::new());
    }
    let mut baselines: BTreeMap<PathBuf, Baseline> = BTreeMap::new();
    let mut results = Vec::new();
    let mut rule_sets = Vec::new();
    let mut failed = false;
    let mut all_findings = Vec::new();
    for (cfg_path, group_paths) in groups {
        let cfg = match &cfg_path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let (rules, all) = cfg.rule_set(&req.rule_dirs)?;
        let mut policy = cfg.policy(Arc::new(all))?;
        policy.skip_non_templates = req.skip_non_templates || req.diff_base.is_some();
        let mut result = if group_paths.is_empty() {
            ScanResult::default()
        } else {
            let opts = Options {
                paths: group_paths,
                vars: req.vars.clone(),
                var_files: req.var_files.clone(),
                policy,
                without_evaluations: req.without_evaluations,
                without_text: req.without_text,
            };
            scan_with_progress(&opts, &rules, progress)
        };
        notes.append(&mut result.notes);
        if let Some(min) = req.min_severity {
            result.findings.retain(|f| f.severity >= min);
            result.evaluations.retain(|e| e.severity >= min);
            result.suppressed.retain(|s| s.finding.severity >= min);
        }
        if req.write_baseline.is_some() {
            all_findings.extend(result.findings.iter().cloned());
        } else if let Some(bpath) = req.baseline.clone().or(cfg.baseline.clone()) {
            if !baselines.contains_key(&bpath) {
                baselines.insert(bpath.clone(), Baseline::load(&bpath)?);
            }
            if let Some(b) = baselines.get_mut(&bpath) {
                let known = b.apply(&mut result.findings);
                result.suppressed.extend(known);
                crate::filter::sort_suppressed(&mut result.suppressed);
            }
        }
        let fail_on = req.fail_on.or(cfg.fail_on).unwrap_or(Severity::Low);
        failed |= result.findings.iter().any(|f| f.severity >= fail_on);
        results.push(result);
        rule_sets.push(rules);
    }
    if let Some(path) = &req.write_baseline {
        baseline::write(&all_findings, path)?;
        notes.push(format!(
            "lenslint: wrote {} finding{} to the baseline {}",
            all_findings.len(),
            if all_findings.len() == 1 { "" } else { "s" },
            path.display()
        ));
        // Writing the baseline accepts what is there; the run itself does not fail on it.
        failed = false;
    }
    let result = merge(results);
    let suppressed = result
        .suppressed
        .iter()
        .filter(|s| s.suppression.kind != Origin::Baseline)
        .count();
    let baselined = result.suppressed.len() - suppressed;
    Ok(Outcome {
        result,
        rules: union(rule_sets)?,
        failed,
        suppressed,
        baselined,
        notes,
    })
}

/// The rules of every group, one per id (the first group's wins).
fn union(sets: Vec<RuleSet>) -> Result<RuleSet, String> {
    let mut iter = sets.into_iter();
    let Some(mut first) = iter.next() else {
        return RuleSet::builtin().map_err(|e| e.join("\n"));
    };
    for set in iter {
        for r in set.rules {
            if first.rules.iter().all(|x| x.doc.id != r.doc.id) {
                first.rules.push(r);
            }
        }
    }
    first.rules.sort_by(|a, b| a.doc.id.cmp(&b.doc.id));
    Ok(first)
}

/// One result from several groups' results: file indices rebased, everything re-sorted,
/// findings reported by two groups (overlapping paths) kept once.
fn merge(results: Vec<ScanResult>) -> ScanResult {
    if results.len() <= 1 {
        return results.into_iter().next().unwrap_or_default();
    }
    let mut out = ScanResult::default();
    for r in results {
        let base = out.files.len();
        out.files.extend(r.files);
        out.files_scanned += r.files_scanned;
        out.resources += r.resources;
        out.findings.extend(r.findings.into_iter().map(|mut f| {
            f.file_index += base;
            for rel in &mut f.related {
                rel.file_index += base;
            }
            f
        }));
        out.errors.extend(r.errors.into_iter().map(|mut e| {
            e.file_index = e.file_index.map(|i| i + base);
            e
        }));
        out.suppressed.extend(r.suppressed.into_iter().map(|mut s| {
            s.finding.file_index += base;
            s
        }));
        out.unknowns.extend(r.unknowns);
        out.evaluations.extend(r.evaluations);
        out.notes.extend(r.notes);
    }
    out.notes.sort();
    out.notes.dedup();
    let key = crate::finding::Finding::order_key;
    out.findings.sort_by(|a, b| key(a).cmp(&key(b)));
    out.findings.dedup_by(|a, b| key(a) == key(b));
    crate::filter::sort_suppressed(&mut out.suppressed);
    out.suppressed
        .dedup_by(|a, b| key(&a.finding) == key(&b.finding));
    out.errors.sort();
    out.errors.dedup();
    out.unknowns
        .sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
    out.evaluations.sort_by(|a, b| {
        (&a.file, &a.resource, &a.rule_id).cmp(&(&b.file, &b.resource, &b.rule_id))
    });
    out
}
