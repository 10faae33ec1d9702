//! Runs the pipeline over a set of paths: discover, read, parse, model, evaluate, and collect
//! findings and errors in a deterministic order (files are processed in parallel with rayon;
//! results are merged in job order and sorted once at the end).

use crate::discover::{discover, Job};
use crate::engine::{evaluate_unit, RawEvaluation, RawUnknown, Verdict};
use crate::finding::{fingerprint, Finding, LensRef, RelatedLocation, ScanError};
use crate::model::{cfn, terraform, SourceFile, Unit};
use crate::parse::{parse_json, parse_yaml, Parsed};
use crate::rules::RuleSet;
use crate::tree::{ParseError, Span};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Files larger than this are reported and skipped (CloudFormation's own limit is 1 MB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// `--var NAME=VALUE` for Terraform.
    pub vars: Vec<(String, String)>,
    /// `--var-file` for Terraform (applied to every module, after its own tfvars).
    pub var_files: Vec<PathBuf>,
    /// Suppressions, severity overrides and excludes (see [`crate::filter`]).
    pub policy: crate::filter::Policy,
}

/// A decision a rule could not make because a value is not known.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unknown {
    pub rule_id: String,
    pub file: String,
    pub line: u32,
    pub resource: String,
    pub reason: String,
}

/// One rule evaluated on one resource, whatever the outcome (junit and the lens scorecard
/// count these); `fingerprints` names the findings a failing evaluation produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub rule_id: String,
    pub severity: crate::rules::Severity,
    /// The resource's file.
    pub file: String,
    pub resource: String,
    pub resource_type: String,
    pub outcome: Verdict,
    pub fingerprints: Vec<String>,
}

#[derive(Debug, Default)]
pub struct ScanResult {
    pub files: Vec<SourceFile>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    pub unknowns: Vec<Unknown>,
    /// Sorted by file, resource, rule id.
    pub evaluations: Vec<Evaluation>,
    /// Findings a suppression or the baseline silenced, in finding order.
    pub suppressed: Vec<crate::suppress::Suppressed>,
    pub files_scanned: usize,
    pub resources: usize,
    /// Hints that are not errors (a CDK app that was not synthesized).
    pub notes: Vec<String>,
}

/// What one job produced, with file indices local to the job.
#[derive(Default)]
struct JobOut {
    files: Vec<SourceFile>,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    unknowns: Vec<Unknown>,
    evaluations: Vec<Evaluation>,
    suppressed: Vec<crate::suppress::Suppressed>,
    scanned: usize,
    resources: usize,
}

fn error_at(file: &SourceFile, index: Option<usize>, e: &ParseError) -> ScanError {
    let (line, column) = if file.text.is_empty() {
        (1, 1)
    } else {
        let lc = file.line_col(e.span.start);
        (lc.line, lc.column)
    };
    ScanError {
        file: file.display_path(),
        line,
        column,
        message: e.message.clone(),
        file_index: index,
        span: e.span,
    }
}

fn plain_error(path: &Path, message: String) -> ScanError {
    ScanError {
        file: path.to_string_lossy().replace('\\', "/"),
        line: 1,
        column: 1,
        message,
        file_index: None,
        span: Span::default(),
    }
}

/// Reads a file as UTF-8 text, refusing huge, binary and non-UTF-8 files with a clear error.
pub fn read_text(path: &Path) -> Result<String, ScanError> {
    let meta =
        std::fs::metadata(path).map_err(|e| plain_error(path, format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(plain_error(
            path,
            format!(
                "file is {} MiB, over the {} MiB limit; skipped",
                meta.len() >> 20,
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| plain_error(path, format!("cannot read: {e}")))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(plain_error(
            path,
            "binary file (contains NUL bytes); skipped".into(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let f = SourceFile::new(path.to_path_buf(), prefix);
        let lc = f.line_col(valid as u32);
        ScanError {
            file: f.display_path(),
            line: lc.line,
            column: lc.column,
            message: format!("invalid UTF-8 at byte {valid}; files must be UTF-8"),
            file_index: None,
            span: Span::default(),
        }
    })
}

/// Parses by content: JSON when the first meaningful byte is `{` or `[`, YAML otherwise.
pub fn parse_document(text: &str) -> Result<Parsed, ParseError> {
    let first = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .as_bytes()
        .first()
        .copied();
    if matches!(first, Some(b'{') | Some(b'[')) {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
}

/// A file that failed to parse is reported when it looks like a template.
fn looks_like_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"))
}

/// A YAML/JSON document: a CloudFormation template, a CDK cloud assembly manifest (every
/// stack of the assembly), a Terraform plan (`tf_dirs`: the scanned Terraform folders, where
/// its `.tf` sources may be), or something to skip.
fn load_document(path: &Path, explicit: bool, tf_dirs: &[PathBuf]) -> crate::model::cdk::Loaded {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return vec![(None, vec![e])],
    };
    let parsed = match parse_document(&text) {
        Ok(p) => p,
        Err(e) => {
            if explicit
                || looks_like_template(&text)
                || text.contains("\"planned_values\"")
                || crate::discover::is_assembly_manifest(path)
            {
                let f = SourceFile::new(path.to_path_buf(), text);
                return vec![(None, vec![error_at(&f, None, &e)])];
            }
            return vec![(None, Vec::new())];
        }
    };
    if explicit && parsed.root.kind == crate::tree::Kind::Null {
        let f = SourceFile::new(path.to_path_buf(), text);
        let e = ParseError::new("empty document: nothing to scan", Span::default());
        return vec![(None, vec![error_at(&f, None, &e)])];
    }
    if crate::model::cdk::is_manifest(&parsed.root) {
        return crate::model::cdk::load_assembly(path, text, &parsed.root);
    }
    if crate::model::plan::is_plan(&parsed.root) {
        let (root, warnings) = (parsed.root, parsed.warnings);
        let unit = crate::model::plan::load(path, text, &root, warnings, tf_dirs);
        return vec![(Some(unit), Vec::new())];
    }
    if !cfn::is_template(&parsed.root) {
        return vec![(None, Vec::new())];
    }
    let root = parsed.root;
    vec![(
        Some(cfn::load(path.to_path_buf(), text, &root, parsed.warnings)),
        Vec::new(),
    )]
}

fn load_module(
    tf: &[PathBuf],
    tfvars: &[PathBuf],
    opts: &Options,
) -> (Option<Unit>, Vec<ScanError>) {
    let mut errors = Vec::new();
    let mut read = |paths: &[PathBuf]| -> Vec<(PathBuf, String)> {
        paths
            .iter()
            .filter_map(|p| match read_text(p) {
                Ok(t) => Some((p.clone(), t)),
                Err(e) => {
                    errors.push(e);
                    None
                }
            })
            .collect()
    };
    let files = read(tf);
    let mut vars = read(tfvars);
    vars.extend(read(&opts.var_files));
    if files.is_empty() {
        return (None, errors);
    }
    (
        Some(terraform::load_module(files, vars, &opts.vars)),
        errors,
    )
}

fn run_job(job: &Job, rules: &RuleSet, opts: &Options, tf_dirs: &[PathBuf]) -> Vec<JobOut> {
    let loaded = match job {
        Job::Document { path, explicit } => load_document(path, *explicit, tf_dirs),
        Job::Module { tf, tfvars, .. } => vec![load_module(tf, tfvars, opts)],
    };
    loaded
        .into_iter()
        .map(|(unit, errors)| run_unit(job, unit, errors, rules, opts))
        .collect()
}

/// Evaluates one unit a job loaded (a job loads several for a CDK assembly).
fn run_unit(
    job: &Job,
    unit: Option<Unit>,
    mut errors: Vec<ScanError>,
    rules: &RuleSet,
    opts: &Options,
) -> JobOut {
    let Some(mut unit) = unit else {
        return JobOut {
            errors,
            scanned: 1,
            ..Default::default()
        };
    };
    crate::model::json_text::expand_unit(&mut unit);
    for e in &unit.errors {
        if let Some(f) = unit.files.get(e.file) {
            errors.push(error_at(f, Some(e.file), &e.error));
        }
    }
    let (raw, raw_unknowns, raw_evals) = evaluate_unit(&unit, rules);
    let keys: Vec<(usize, usize)> = raw.iter().map(|r| (r.rule, r.resource)).collect();
    let findings: Vec<Finding> = raw
        .into_iter()
        .map(|r| to_finding(&unit, rules, r))
        .collect();
    let evaluations = raw_evals
        .into_iter()
        .map(|e| to_evaluation(&unit, rules, e, &keys, &findings))
        .collect();
    let unknowns = raw_unknowns
        .into_iter()
        .map(|u| to_unknown(&unit, rules, u))
        .collect();
    let filtered = crate::filter::unit_stage(&unit, rules, &opts.policy, job, findings);
    JobOut {
        scanned: unit.files.len(),
        resources: unit.resources.len(),
        files: unit.files,
        findings: filtered.kept,
        errors,
        unknowns,
        evaluations,
        suppressed: filtered.suppressed,
    }
}

fn to_evaluation(
    unit: &Unit,
    rules: &RuleSet,
    e: RawEvaluation,
    keys: &[(usize, usize)],
    findings: &[Finding],
) -> Evaluation {
    let rule = &rules.rules[e.rule];
    let res = &unit.resources[e.resource];
    let fingerprints = if e.verdict == Verdict::Fail {
        keys.iter()
            .zip(findings)
            .filter(|(k, _)| **k == (e.rule, e.resource))
            .map(|(_, f)| f.fingerprint.clone())
            .collect()
    } else {
        Vec::new()
    };
    Evaluation {
        rule_id: rule.doc.id.clone(),
        severity: rule.doc.severity,
        file: unit
            .files
            .get(res.file)
            .map(SourceFile::display_path)
            .unwrap_or_default(),
        resource: res.id.clone(),
        resource_type: res.rtype.clone(),
        outcome: e.verdict,
        fingerprints,
    }
}

fn to_unknown(unit: &Unit, rules: &RuleSet, u: RawUnknown) -> Unknown {
    let res = &unit.resources[u.resource];
    let file = &unit.files[res.file];
    Unknown {
        rule_id: rules.rules[u.rule].doc.id.clone(),
        file: file.display_path(),
        line: file.line_col(res.header.start).line,
        resource: res.id.clone(),
        reason: u.why,
    }
}

fn to_finding(unit: &Unit, rules: &RuleSet, r: crate::engine::RawFinding) -> Finding {
    let rule = &rules.rules[r.rule];
    let res = &unit.resources[r.resource];
    let v = r.violation;
    let file = &unit.files[v.file];
    let path = file.display_path();
    let start = file.line_col(v.span.start);
    let end = file.line_col(v.span.end);
    let message = rule
        .target(unit.format)
        .and_then(|t| t.message.as_deref())
        .unwrap_or(&rule.doc.message)
        .replace("{resource}", &res.id);
    let message = if v.detail.is_empty() {
        message
    } else {
        format!("{message}: {}", v.detail)
    };
    let detail = if v.detail.is_empty() {
        message.clone()
    } else {
        v.detail.clone()
    };
    let related = v
        .related
        .iter()
        .filter_map(|rel| {
            let f = unit.files.get(rel.file)?;
            let lc = f.line_col(rel.span.start);
            Some(RelatedLocation {
                file: f.display_path(),
                line: lc.line,
                column: lc.column,
                message: rel.label.clone(),
                file_index: rel.file,
                span: rel.span,
            })
        })
        .collect();
    Finding {
        rule_id: rule.doc.id.clone(),
        severity: rule.doc.severity,
        title: rule.doc.title.clone(),
        message,
        fingerprint: fingerprint(&rule.doc.id, &path, &res.id, &v.path),
        file: path,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        resource: res.id.clone(),
        resource_type: res.rtype.clone(),
        cdk_path: res.cdk_path.clone(),
        lenses: rule
            .lenses()
            .map(|(lens, practice, pillar)| LensRef {
                lens: lens.into(),
                practice: practice.into(),
                pillar: pillar.into(),
            })
            .collect(),
        file_index: v.file,
        span: v.span,
        detail,
        path: v.path,
        related,
    }
}

/// Scans `opts.paths` with `rules`.
pub fn scan(opts: &Options, rules: &RuleSet) -> ScanResult {
    scan_with_progress(opts, rules, &|_, _| {})
}

/// Files a job reads (what progress counts).
fn job_files(job: &Job) -> usize {
    match job {
        Job::Document { .. } => 1,
        Job::Module { tf, .. } => tf.len().max(1),
    }
}

/// [`scan`], calling `progress(files_done, files_total)` as jobs finish (from any thread).
pub fn scan_with_progress(
    opts: &Options,
    rules: &RuleSet,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> ScanResult {
    let mut discovery = discover(&opts.paths);
    crate::filter::select_jobs(&mut discovery.jobs, &opts.policy);
    let total: usize = discovery.jobs.iter().map(job_files).sum();
    let done = std::sync::atomic::AtomicUsize::new(0);
    progress(0, total);
    let tf_dirs: Vec<PathBuf> = discovery
        .jobs
        .iter()
        .filter_map(|j| match j {
            Job::Module { dir, .. } => Some(dir.clone()),
            _ => None,
        })
        .chain(discovery.tf_modules.iter().cloned())
        .collect();
    let outs: Vec<Vec<JobOut>> = discovery
        .jobs
        .par_iter()
        .map(|j| {
            let out = run_job(j, rules, opts, &tf_dirs);
            let n = job_files(j);
            let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress(d, total);
            out
        })
        .collect();
    let mut result = ScanResult {
        errors: discovery.errors,
        notes: discovery.notes,
        ..Default::default()
    };
    for out in outs.into_iter().flatten() {
        let base = result.files.len();
        result.files_scanned += out.scanned;
        result.resources += out.resources;
        // Keep the text only of files something is reported in.
        let keep: Vec<bool> = (0..out.files.len())
            .map(|i| {
                out.findings
                    .iter()
                    .any(|f| f.file_index == i || f.related.iter().any(|r| r.file_index == i))
                    || out.errors.iter().any(|e| e.file_index == Some(i))
            })
            .collect();
        for (i, mut f) in out.files.into_iter().enumerate() {
            if !keep[i] {
                f.text = String::new();
            }
            result.files.push(f);
        }
        result
            .findings
            .extend(out.findings.into_iter().map(|mut f| {
                f.file_index += base;
                for r in &mut f.related {
                    r.file_index += base;
                }
                f
            }));
        result.errors.extend(out.errors.into_iter().map(|mut e| {
            e.file_index = e.file_index.map(|i| i + base);
            e
        }));
        result.unknowns.extend(out.unknowns);
        result.evaluations.extend(out.evaluations);
        result
            .suppressed
            .extend(out.suppressed.into_iter().map(|mut s| {
                s.finding.file_index += base;
                s.finding.related.clear();
                s
            }));
    }
    crate::filter::sort_suppressed(&mut result.suppressed);
    result.findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule_id, &a.resource, &a.path).cmp(&(
            &b.file,
            b.line,
            b.column,
            &b.rule_id,
            &b.resource,
            &b.path,
        ))
    });
    // A plan and its `.tf` module can report the same place (so can count/for_each instances).
    result.findings.dedup_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule_id, &a.resource, &a.path)
            == (&b.file, b.line, b.column, &b.rule_id, &b.resource, &b.path)
    });
    merge_module_instances(&mut result);
    result.errors.sort();
    result.errors.dedup();
    result
        .unknowns
        .sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
    result.evaluations.sort_by(|a, b| {
        (&a.file, &a.resource, &a.rule_id).cmp(&(&b.file, &b.resource, &b.rule_id))
    });
    // The same resource evaluated by two units (a plan and its module): one record, the worse
    // outcome, the findings of both.
    let rank = |v: Verdict| match v {
        Verdict::Pass => 0,
        Verdict::Unknown => 1,
        Verdict::Fail => 2,
    };
    result.evaluations.dedup_by(|later, kept| {
        if (&later.file, &later.resource, &later.rule_id)
            != (&kept.file, &kept.resource, &kept.rule_id)
        {
            return false;
        }
        if rank(later.outcome) > rank(kept.outcome) {
            kept.outcome = later.outcome;
        }
        kept.fingerprints.append(&mut later.fingerprints);
        kept.fingerprints.sort();
        kept.fingerprints.dedup();
        true
    });
    result
}

/// Instances of one Terraform module (called twice, or by several scanned roots) report a
/// place once, under the first address; so do the elements one expression generates (a `for`
/// over a list: one resource, the same message at the same place). The evaluations of the
/// others then name the finding that is kept.
fn merge_module_instances(result: &mut ScanResult) {
    use std::collections::HashMap;
    type Place = (String, u32, u32, String, String);
    // Same place and property path: fingerprint and resource of the first finding.
    let mut by_path: HashMap<Place, (String, String)> = HashMap::new();
    // Same place, resource and message: fingerprint of the first finding.
    let mut by_text: HashMap<(Place, String), String> = HashMap::new();
    let mut alias: HashMap<String, String> = HashMap::new();
    result.findings.retain(|f| {
        let place = |last: &str| {
            (
                f.file.clone(),
                f.line,
                f.column,
                f.rule_id.clone(),
                last.to_string(),
            )
        };
        let path_key = place(&f.path);
        let text_key = (place(&f.message), f.resource.clone());
        let first = match by_path.get(&path_key) {
            Some((fp, resource)) if *resource != f.resource => Some(fp.clone()),
            _ => by_text.get(&text_key).cloned(),
        };
        if let Some(first) = first {
            alias.insert(f.fingerprint.clone(), first);
            return false;
        }
        by_path
            .entry(path_key)
            .or_insert_with(|| (f.fingerprint.clone(), f.resource.clone()));
        by_text.insert(text_key, f.fingerprint.clone());
        true
    });
    if alias.is_empty() {
        return;
    }
    for e in &mut result.evaluations {
        for fp in &mut e.fingerprints {
            if let Some(first) = alias.get(fp.as_str()) {
                fp.clone_from(first);
            }
        }
    }
}
