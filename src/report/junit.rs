//! `--format junit`: JUnit XML that CI systems (GitLab, Jenkins, Azure Pipelines, CircleCI,
//! GitHub test reporters) read as test results, written with `quick-junit` (nextest's writer).
//!
//! One `<testsuite>` per file (named by its path), one `<testcase>` per rule evaluated on each
//! resource of that file: the test case is named `RULE: title`, its classname is the resource
//! (CloudFormation logical id or Terraform address) and its `file` attribute the path. A
//! failing evaluation is a `<failure>` whose message is the finding's message, type its
//! severity, and whose text lists every location (`file:line:col`), the lens practices and the
//! CDK construct path. An evaluation that depended on an undecided value, or whose finding was
//! suppressed, is `<skipped>` with the reason. A file that could not be read or parsed is a
//! test case with an `<error>`. No timestamps: the same scan gives the same bytes.

use crate::engine::Verdict;
use crate::finding::Finding;
use crate::scan::{Evaluation, ScanResult};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

fn failure_text(findings: &[&Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}:{}:{}: {}\n",
            f.file,
            f.line,
            f.column,
            f.message()
        ));
        for r in &f.related {
            out.push_str(&format!(
                "  related {}:{}:{}: {}\n",
                r.file, r.line, r.column, r.message
            ));
        }
    }
    if let Some(f) = findings.first() {
        out.push_str(&format!(
            "resource: {} ({})\n",
            f.resource(),
            f.resource_type()
        ));
        if let Some(p) = &f.cdk_path() {
            out.push_str(&format!("CDK construct: {p}\n"));
        }
        let practices: Vec<String> = f
            .lenses()
            .iter()
            .map(|l| format!("{} ({}, {})", l.practice, l.lens, l.pillar))
            .collect();
        if !practices.is_empty() {
            out.push_str(&format!("lens: {}\n", practices.join(", ")));
        }
    }
    out
}

fn test_case(
    e: &Evaluation,
    title: &str,
    by_fp: &HashMap<&str, Vec<&Finding>>,
    unknown_reason: Option<&str>,
) -> TestCase {
    let mut behind: Vec<&Finding> = e
        .fingerprints
        .iter()
        .filter_map(|fp| by_fp.get(fp.as_str()))
        .flatten()
        .filter(|f| *f.rule_id() == *e.rule_id)
        .copied()
        .collect();
    behind.sort_by_key(|f| (f.line, f.column));
    behind.dedup_by(|a, b| std::ptr::eq(*a, *b));
    let status = match e.outcome {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail if !behind.is_empty() => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(behind[0].message())
                .set_type(e.severity.as_str())
                .set_description(failure_text(&behind));
            s
        }
        Verdict::Fail => {
            let mut s = TestCaseStatus::skipped();
            s.set_message("finding suppressed");
            s
        }
        Verdict::Unknown => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!(
                "undecided: {}",
                unknown_reason.unwrap_or("a value the template does not decide")
            ));
            s
        }
    };
    let mut tc = TestCase::new(format!("{}: {title}", e.rule_id), status);
    tc.set_classname(e.resource.as_str());
    tc.set_time(Duration::ZERO);
    tc.extra.insert("file".into(), e.file.as_str().into());
    tc
}

pub fn render(result: &ScanResult, rules: &crate::rules::RuleSet) -> String {
    let mut by_fp: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in &result.findings {
        by_fp.entry(f.fingerprint.as_str()).or_default().push(f);
    }
    let mut reasons: HashMap<(&str, &str, &str), &str> = HashMap::new();
    for u in &result.unknowns {
        reasons
            .entry((u.rule_id.as_str(), u.file.as_str(), u.resource.as_str()))
            .or_insert(u.reason.as_str());
    }
    let mut suites: BTreeMap<&str, Vec<TestCase>> = BTreeMap::new();
    for e in &result.evaluations {
        let title = rules
            .rules
            .iter()
            .find(|r| r.doc.id == e.rule_id)
            .map_or("", |r| r.doc.title.as_str());
        let reason = reasons
            .get(&(e.rule_id.as_str(), e.file.as_str(), e.resource.as_str()))
            .copied();
        suites
            .entry(e.file.as_str())
            .or_default()
            .push(test_case(e, title, &by_fp, reason));
    }
    for err in &result.errors {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(err.message.as_str())
            .set_type("parse")
            .set_description(format!(
                "{}:{}:{}: {}\n",
                err.file, err.line, err.column, err.message
            ));
        let mut tc = TestCase::new("lenslint: read and parse", s);
        tc.set_classname(err.file.as_str());
        tc.set_time(Duration::ZERO);
        tc.extra.insert("file".into(), err.file.as_str().into());
        suites.entry(err.file.as_str()).or_default().push(tc);
    }
    let mut report = Report::new("lenslint");
    report.set_time(Duration::ZERO);
    for (file, cases) in suites {
        let mut suite = TestSuite::new(file);
        suite.set_time(Duration::ZERO);
        suite.add_test_cases(cases);
        report.add_test_suite(suite);
    }
    match report.to_string() {
        Ok(mut s) => {
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s
        }
        Err(e) => format!("<!-- lenslint: cannot write JUnit XML: {e} -->\n"),
    }
}
