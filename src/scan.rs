//! Runs the pipeline over a set of paths: discover, read, parse, model, evaluate, and collect
//! findings and errors in a deterministic order (files are processed in parallel with rayon;
//! results are merged in job order and sorted once at the end).

use crate::discover::{discover, Job};
use crate::engine::{evaluate_unit_with, RawEvaluation, RawUnknown, TypeIndex, Verdict};
use crate::finding::{fingerprint, Finding, RelatedLocation, ResourceInfo, RuleInfo, ScanError};
use crate::model::{cfn, terraform, Format, SourceFile, Unit};
use crate::parse::{parse_json, parse_yaml, Parsed};
use crate::rules::RuleSet;
use crate::tree::{ParseError, Span};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Keep no per-(rule, resource) evaluation records (only junit and the lens scorecard
    /// read them; a JSON or SARIF scan of 100,000 files does not pay for them).
    pub without_evaluations: bool,
    /// Keep no file text and no file table after evaluation (only the human report shows
    /// snippets).
    pub without_text: bool,
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
    ScanError {
        file_index: index,
        ..crate::model::cdk::scan_error(file, e)
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

fn run_job(
    job: &Job,
    rules: &RuleSet,
    index: &TypeIndex,
    shared: &[RuleShared],
    opts: &Options,
    tf_dirs: &[PathBuf],
) -> Vec<JobOut> {
    let loaded = match job {
        Job::Document { path, explicit } => load_document(path, *explicit, tf_dirs),
        Job::Module { tf, tfvars, .. } => vec![load_module(tf, tfvars, opts)],
    };
    loaded
        .into_iter()
        .map(|(unit, errors)| run_unit(job, unit, errors, (rules, index), shared, opts))
        .collect()
}

/// Evaluates one unit a job loaded (a job loads several for a CDK assembly).
fn run_unit(
    job: &Job,
    unit: Option<Unit>,
    mut errors: Vec<ScanError>,
    (rules, index): (&RuleSet, &TypeIndex),
    shared: &[RuleShared],
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
    let (raw, raw_unknowns, raw_evals) = evaluate_unit_with(&unit, rules, index);
    let keys: Vec<(usize, usize)> = raw.iter().map(|r| (r.rule, r.resource)).collect();
    let mut names = UnitNames::new(&unit);
    let findings: Vec<Finding> = raw
        .into_iter()
        .map(|r| to_finding(&unit, rules, shared, &mut names, r))
        .collect();
    let evaluations = if opts.without_evaluations {
        Vec::new()
    } else {
        raw_evals
            .into_iter()
            .map(|e| to_evaluation(&unit, rules, e, &keys, &findings))
            .collect()
    };
    let unknowns = raw_unknowns
        .into_iter()
        .map(|u| to_unknown(&unit, rules, u))
        .collect();
    let filtered = crate::filter::unit_stage(&unit, rules, &opts.policy, job, findings);
    // Keep the text only of files something is reported in, and only for snippets: the
    // jobs' results are all held until they are merged.
    for (i, f) in unit.files.iter_mut().enumerate() {
        let reported = !opts.without_text
            && (filtered
                .kept
                .iter()
                .any(|f| f.file_index == i || f.related.iter().any(|r| r.file_index == i))
                || errors.iter().any(|e| e.file_index == Some(i)));
        if !reported {
            f.text = String::new();
        }
    }
    JobOut {
        scanned: unit.files.len(),
        resources: unit.resources.len(),
        // Only snippets (the human report) read the file table.
        files: if opts.without_text {
            Vec::new()
        } else {
            unit.files
        },
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

/// What the findings of one rule share, per format (built once per scan).
struct RuleShared {
    cloudformation: Arc<RuleInfo>,
    terraform: Arc<RuleInfo>,
}

impl RuleShared {
    fn of(rule: &crate::rules::Rule) -> RuleShared {
        RuleShared {
            cloudformation: Arc::new(RuleInfo::of(rule, Format::CloudFormation)),
            terraform: Arc::new(RuleInfo::of(rule, Format::Terraform)),
        }
    }

    /// The rule as findings in `format` show it.
    fn info(&self, format: Format) -> Arc<RuleInfo> {
        match format {
            Format::CloudFormation => self.cloudformation.clone(),
            Format::Terraform | Format::TerraformPlan => self.terraform.clone(),
        }
    }
}

/// A unit's names as findings share them, made on first use: each file's shown path, and
/// each resource's id, type and CDK path.
struct UnitNames {
    files: Vec<Option<Arc<str>>>,
    resources: Vec<Option<Arc<ResourceInfo>>>,
}

impl UnitNames {
    fn new(unit: &Unit) -> UnitNames {
        UnitNames {
            files: vec![None; unit.files.len()],
            resources: vec![None; unit.resources.len()],
        }
    }

    fn file(&mut self, unit: &Unit, i: usize) -> Arc<str> {
        self.files[i]
            .get_or_insert_with(|| unit.files[i].display_path().into())
            .clone()
    }

    fn resource(&mut self, unit: &Unit, i: usize) -> Arc<ResourceInfo> {
        self.resources[i]
            .get_or_insert_with(|| {
                let r = &unit.resources[i];
                Arc::new(ResourceInfo {
                    id: r.id.clone(),
                    rtype: r.rtype.clone(),
                    cdk_path: r.cdk_path.clone(),
                })
            })
            .clone()
    }
}

fn to_finding(
    unit: &Unit,
    rules: &RuleSet,
    shared: &[RuleShared],
    names: &mut UnitNames,
    r: crate::engine::RawFinding,
) -> Finding {
    let rule = &rules.rules[r.rule];
    let v = r.violation;
    let file = &unit.files[v.file];
    let path = names.file(unit, v.file);
    let res = names.resource(unit, r.resource);
    let start = file.line_col(v.span.start);
    let end = file.line_col(v.span.end);
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
        rule: shared[r.rule].info(unit.format),
        severity: rule.doc.severity,
        fingerprint: fingerprint(&rule.doc.id, &path, &res.id, &v.path),
        file: path,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        res,
        file_index: v.file,
        span: v.span,
        detail: v.detail.into_boxed_str(),
        path: v.path.into_boxed_str(),
        related,
    }
}

/// `LENSLINT_TIMING=1`: how long each phase of a scan took, on standard error (for
/// profiling; the benchmarks in `benches/` are the measurements).
pub struct Timing(Option<std::cell::Cell<std::time::Instant>>);

impl Timing {
    pub fn start() -> Timing {
        Timing(
            std::env::var_os("LENSLINT_TIMING")
                .is_some()
                .then(|| std::cell::Cell::new(std::time::Instant::now())),
        )
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    pub fn mark(&self, phase: &str) {
        if let Some(t) = &self.0 {
            let now = std::time::Instant::now();
            eprintln!(
                "lenslint: timing: {phase}: {:.1} ms",
                (now - t.get()).as_secs_f64() * 1000.0
            );
            t.set(now);
        }
    }
}

/// Scans `opts.paths` with `rules`.
pub fn scan(opts: &Options, rules: &RuleSet) -> ScanResult {
    scan_with_progress(opts, rules, &|_, _| {})
}

/// The size of the files a job reads (how long it will take, roughly).
fn job_bytes(job: &Job) -> u64 {
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    match job {
        Job::Document { path, .. } => size(path),
        Job::Module { tf, .. } => tf.iter().map(size).sum(),
    }
}

/// `LENSLINT_TIMING`: the slowest jobs (`LENSLINT_TIMING_JOBS` of them, default 8).
fn print_slowest(mut jobs: Vec<(std::time::Duration, String)>) {
    jobs.sort_unstable_by(|a, b| b.cmp(a));
    let count = std::env::var("LENSLINT_TIMING_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    for (took, label) in jobs.iter().take(count) {
        let ms = took.as_secs_f64() * 1000.0;
        eprintln!("lenslint: timing:   {ms:.1} ms {label}");
    }
}

/// What a job reads, for the timing lines.
fn job_label(job: &Job) -> String {
    match job {
        Job::Document { path, .. } => path.display().to_string(),
        Job::Module { dir, .. } => format!("{} (module)", dir.display()),
    }
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
    let timing = Timing::start();
    let mut discovery = discover(&opts.paths);
    crate::filter::select_jobs(&mut discovery.jobs, &opts.policy);
    timing.mark("discover");
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
    let shared: Vec<RuleShared> = rules.rules.iter().map(RuleShared::of).collect();
    let index = TypeIndex::new(rules);
    let slow = std::sync::Mutex::new(Vec::new());
    let timed = timing.is_on();
    let run = |j: &Job| {
        let t0 = timed.then(std::time::Instant::now);
        let out = run_job(j, rules, &index, &shared, opts, &tf_dirs);
        if let (Some(t0), Ok(mut slow)) = (t0, slow.lock()) {
            slow.push((t0.elapsed(), job_label(j)));
        }
        let n = job_files(j);
        let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        progress(d, total);
        out
    };
    // One job (pre-commit's one template): starting rayon's threads would cost more than
    // the job.
    let outs: Vec<Vec<JobOut>> = if discovery.jobs.len() < 2 {
        discovery.jobs.iter().map(run).collect()
    } else {
        // Largest first, so that a big Terraform module or template is not what one thread
        // is still on when the other has finished; results go back in job order.
        let jobs = &discovery.jobs;
        let mut order: Vec<(u64, usize)> = jobs
            .par_iter()
            .enumerate()
            .map(|(i, j)| (job_bytes(j), i))
            .collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        let mut outs: Vec<(usize, Vec<JobOut>)> = order
            .par_iter()
            .with_max_len(1)
            .map(|&(_, i)| (i, run(&jobs[i])))
            .collect();
        outs.sort_unstable_by_key(|(i, _)| *i);
        outs.into_iter().map(|(_, o)| o).collect()
    };
    timing.mark("read, parse, evaluate (parallel)");
    if let Ok(slow) = slow.into_inner() {
        print_slowest(slow);
    }
    drop(discovery.jobs);
    let mut result = ScanResult {
        errors: discovery.errors,
        notes: discovery.notes,
        ..Default::default()
    };
    // Exact sizes up front: a large scan's findings are most of its memory.
    let count = |f: fn(&JobOut) -> usize| outs.iter().flatten().map(f).sum::<usize>();
    result.files.reserve_exact(count(|o| o.files.len()));
    result.findings.reserve_exact(count(|o| o.findings.len()));
    for out in outs.into_iter().flatten() {
        let base = result.files.len();
        result.files_scanned += out.scanned;
        result.resources += out.resources;
        result.files.extend(out.files);
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
    // Unstable (no buffer the size of the findings): equal keys are duplicates, merged below,
    // and the order before sorting is the jobs' order, so the result is still deterministic.
    result
        .findings
        .sort_unstable_by(|a, b| a.order_key().cmp(&b.order_key()));
    // A plan and its `.tf` module can report the same place (so can count/for_each instances).
    result
        .findings
        .dedup_by(|a, b| a.order_key() == b.order_key());
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
    timing.mark("merge and sort");
    result
}

/// Instances of one Terraform module (called twice, or by several scanned roots) report a
/// place once, under the first address; so do the elements one expression generates (a `for`
/// over a list: one resource, the same message at the same place). The evaluations of the
/// others then name the finding that is kept.
fn merge_module_instances(result: &mut ScanResult) {
    use std::collections::HashMap;
    // The findings are sorted by place (file, line, column, rule): duplicates are neighbours,
    // so each run of one place is compared within itself, with no copies of the keys.
    let findings = &result.findings;
    let same_place = |a: &Finding, b: &Finding| {
        (&a.file, a.line, a.column, &a.rule_id()) == (&b.file, b.line, b.column, &b.rule_id())
    };
    let mut keep = vec![true; findings.len()];
    let mut alias: HashMap<&str, &str> = HashMap::new();
    let mut start = 0;
    while start < findings.len() {
        let mut end = start + 1;
        while end < findings.len() && same_place(&findings[start], &findings[end]) {
            end += 1;
        }
        for i in start + 1..end {
            let f = &findings[i];
            let kept = (start..i).filter(|&j| keep[j]).map(|j| &findings[j]);
            // Same property path under another address: the first such finding.
            let by_path = kept
                .clone()
                .find(|g| g.path == f.path)
                .filter(|g| g.resource() != f.resource());
            // Same resource and message (same rule and place: the same template): the latest
            // such finding.
            let first = by_path.or_else(|| {
                kept.rev()
                    .find(|g| g.resource() == f.resource() && g.detail == f.detail)
            });
            if let Some(first) = first {
                alias.insert(&f.fingerprint, &first.fingerprint);
                keep[i] = false;
            }
        }
        start = end;
    }
    if alias.is_empty() {
        return;
    }
    let alias: HashMap<String, String> = alias
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let mut index = 0;
    result.findings.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    for e in &mut result.evaluations {
        for fp in &mut e.fingerprints {
            if let Some(first) = alias.get(fp.as_str()) {
                fp.clone_from(first);
            }
        }
    }
}
