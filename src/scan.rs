//! Runs the pipeline over a set of paths: discover, read, parse, model, evaluate, and collect
//! findings and errors in a deterministic order (files are processed in parallel with rayon;
//! results are merged in job order and sorted once at the end).

use crate::discover::{discover, Job};
use crate::engine::{evaluate_unit, RawUnknown};
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

#[derive(Debug, Default)]
pub struct ScanResult {
    pub files: Vec<SourceFile>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    pub unknowns: Vec<Unknown>,
    pub files_scanned: usize,
    pub resources: usize,
}

/// What one job produced, with file indices local to the job.
#[derive(Default)]
struct JobOut {
    files: Vec<SourceFile>,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    unknowns: Vec<Unknown>,
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

fn load_document(path: &Path, explicit: bool) -> (Option<Unit>, Vec<ScanError>) {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return (None, vec![e]),
    };
    let parsed = match parse_document(&text) {
        Ok(p) => p,
        Err(e) => {
            if explicit || looks_like_template(&text) {
                let f = SourceFile::new(path.to_path_buf(), text);
                return (None, vec![error_at(&f, None, &e)]);
            }
            return (None, Vec::new());
        }
    };
    if !cfn::is_template(&parsed.root) {
        return (None, Vec::new());
    }
    let root = parsed.root;
    (
        Some(cfn::load(path.to_path_buf(), text, &root, parsed.warnings)),
        Vec::new(),
    )
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

fn run_job(job: &Job, rules: &RuleSet, opts: &Options) -> JobOut {
    let (unit, mut errors) = match job {
        Job::Document { path, explicit } => load_document(path, *explicit),
        Job::Module { tf, tfvars, .. } => load_module(tf, tfvars, opts),
    };
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
    let (raw, raw_unknowns, _evaluations) = evaluate_unit(&unit, rules);
    let findings = raw
        .into_iter()
        .map(|r| to_finding(&unit, rules, r))
        .collect();
    let unknowns = raw_unknowns
        .into_iter()
        .map(|u| to_unknown(&unit, rules, u))
        .collect();
    JobOut {
        scanned: unit.files.len(),
        resources: unit.resources.len(),
        files: unit.files,
        findings,
        errors,
        unknowns,
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
    let discovery = discover(&opts.paths);
    let outs: Vec<JobOut> = discovery
        .jobs
        .par_iter()
        .map(|j| run_job(j, rules, opts))
        .collect();
    let mut result = ScanResult {
        errors: discovery.errors,
        ..Default::default()
    };
    for out in outs {
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
    }
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
    result.errors.sort();
    result.errors.dedup();
    result
        .unknowns
        .sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
    result
}
