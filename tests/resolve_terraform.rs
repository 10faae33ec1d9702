//! Walks `fixtures/resolve/terraform/<case>/`: each case is a Terraform root (with its local
//! modules, variable files and downloaded modules) that must report exactly the lines marked
//! `# expect: ID` (or listed in a `*.expect.json` sidecar), for every rule id marked anywhere
//! under `fixtures/resolve/terraform/`; so a case without markers (`no-value`) proves that
//! values the configuration does not decide stay silent. Variable files Terraform does not
//! load on its own (a `*.tfvars` that is not `terraform.tfvars` or `*.auto.tfvars`) are given
//! as `--var-file`. Also checks the addresses of module resources, that a module directory
//! is scanned only through its caller, that blocks and module calls `count`/`for_each` leave
//! without instances are not judged, and the `--var-file` flag of the real binary.

mod common;

use assert_cmd::Command;
use common::expectations;
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options, ScanResult};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/resolve/terraform")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The `*.tfvars` files of a case that Terraform loads only with `-var-file`.
fn var_files(case: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(case)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".tfvars")
                && name != "terraform.tfvars"
                && !name.ends_with(".auto.tfvars")
        })
        .collect();
    files.sort();
    files
}

fn scan_paths(paths: Vec<PathBuf>, var_files: Vec<PathBuf>) -> ScanResult {
    let rules = RuleSet::builtin().expect("built-in rules load");
    scan(
        &Options {
            paths,
            var_files,
            ..Default::default()
        },
        &rules,
    )
}

fn scan_case(case: &Path) -> ScanResult {
    scan_paths(vec![case.to_path_buf()], var_files(case))
}

fn case(name: &str) -> PathBuf {
    root().join(name)
}

/// (rule id, resource) of each finding in a file whose path ends with `suffix`.
fn findings_in(result: &ScanResult, suffix: &str) -> Vec<(String, String)> {
    result
        .findings
        .iter()
        .filter(|f| f.file.ends_with(suffix))
        .map(|f| (f.rule_id().to_string(), f.resource().to_string()))
        .collect()
}

#[test]
fn every_case_reports_exactly_the_marked_lines() {
    let cases = cases();
    assert!(cases.len() >= 10, "fixture cases missing: {cases:?}");
    let expected: Vec<_> = cases.iter().map(|c| expectations(c)).collect();
    let checked: BTreeSet<String> = expected
        .iter()
        .flat_map(|e| e.values().flatten().map(|(_, id)| id.clone()))
        .collect();
    assert!(checked.contains("SM002") && checked.contains("SM001"));
    let mut problems = Vec::new();
    for (dir, exp) in cases.iter().zip(&expected) {
        let result = scan_case(dir);
        for e in &result.errors {
            problems.push(format!(
                "unexpected error {}:{}: {}",
                e.file, e.line, e.message
            ));
        }
        // Counted, not collected in a set: the same line reported twice is a problem too.
        let mut actual: BTreeMap<(String, u32, String), usize> = BTreeMap::new();
        for f in result
            .findings
            .iter()
            .filter(|f| checked.contains(f.rule_id()))
        {
            *actual
                .entry((f.file.to_string(), f.line, f.rule_id().to_string()))
                .or_default() += 1;
        }
        let wanted: BTreeSet<(String, u32, String)> = exp
            .iter()
            .flat_map(|(file, set)| {
                set.iter()
                    .map(move |(l, id)| (file.clone(), *l, id.clone()))
            })
            .collect();
        for w in &wanted {
            if !actual.contains_key(w) {
                problems.push(format!("{}:{}: expected {}, not reported", w.0, w.1, w.2));
            }
        }
        for (a, n) in &actual {
            if !wanted.contains(a) {
                problems.push(format!(
                    "{}:{}: {} reported but not expected",
                    a.0, a.1, a.2
                ));
            } else if *n > 1 {
                problems.push(format!("{}:{}: {} reported {n} times", a.0, a.1, a.2));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn module_resources_carry_their_module_address() {
    let result = scan_case(&case("module-input"));
    let mut got = findings_in(&result, "module-input/modules/notebook/main.tf");
    got.retain(|(id, _)| id == "SM001" || id == "SM002");
    got.sort();
    assert_eq!(
        got,
        [
            (
                "SM001".to_string(),
                "module.restricted.aws_sagemaker_notebook_instance.this".to_string()
            ),
            (
                "SM002".to_string(),
                "module.research.aws_sagemaker_notebook_instance.this".to_string()
            ),
        ]
    );

    let result = scan_case(&case("nested-module"));
    let got = findings_in(&result, "nested-module/shared/notebook/main.tf");
    assert!(
        got.contains(&(
            "SM002".into(),
            "module.platform.module.notebook.aws_sagemaker_notebook_instance.nb".into()
        )),
        "{got:?}"
    );

    let result = scan_case(&case("downloaded-module"));
    let got = findings_in(&result, ".terraform/modules/notebook/main.tf");
    assert!(
        got.contains(&(
            "SM002".into(),
            "module.notebook.aws_sagemaker_notebook_instance.this".into()
        )),
        "{got:?}"
    );
}

#[test]
fn module_directories_are_scanned_only_through_their_callers() {
    // All cases at once: every resource of a file in a case's subdirectory is a module
    // instance; none is evaluated again as a root of its own.
    let base = root();
    let result = scan_paths(vec![base.clone()], Vec::new());
    assert!(!result.evaluations.is_empty());
    let base_text = base.to_string_lossy().replace('\\', "/");
    let mut wrong = Vec::new();
    let mut seen_module_files = 0;
    for e in &result.evaluations {
        let rel = e.file.strip_prefix(&base_text).unwrap_or(&e.file);
        let depth = rel.trim_start_matches('/').split('/').count();
        if depth > 2 {
            seen_module_files += 1;
            if !e.resource.starts_with("module.") {
                wrong.push(format!("{}: {} ({})", e.file, e.resource, e.rule_id));
            }
        }
    }
    assert!(seen_module_files > 0);
    assert!(wrong.is_empty(), "scanned as roots:\n{}", wrong.join("\n"));
}

#[test]
fn var_file_values_apply_only_when_given() {
    let dir = case("var-file");
    let without = scan_paths(vec![dir.clone()], Vec::new());
    assert!(
        !without.findings.iter().any(|f| f.rule_id() == "SM002"),
        "the default (Disabled) applies without --var-file"
    );

    let bin = || Command::cargo_bin("lenslint").unwrap();
    let out = bin()
        .args(["scan", "--format", "json", "--var-file"])
        .arg(dir.join("prod.tfvars"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sm002: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "SM002")
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").replace('\\', "/"),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(sm002.len(), 1, "{sm002:?}");
    assert!(sm002[0].0.ends_with("var-file/main.tf"), "{sm002:?}");
    assert_eq!(sm002[0].1, 12);
}

#[test]
fn blocks_and_module_calls_without_instances_are_not_judged() {
    // (case, addresses Terraform creates no instance of, addresses judged once)
    let cases: [(&str, &[&str], &[&str]); 3] = [
        (
            "count",
            &[
                "aws_sagemaker_notebook_instance.research",
                "aws_sagemaker_notebook_instance.never",
                "aws_kms_key.notebooks",
            ],
            &[
                "aws_sagemaker_notebook_instance.one",
                "aws_sagemaker_notebook_instance.many",
            ],
        ),
        (
            "for-each",
            &[
                "aws_sagemaker_notebook_instance.per_name",
                "aws_sagemaker_notebook_instance.labs",
                "aws_sagemaker_notebook_instance.none",
            ],
            &[
                "aws_sagemaker_notebook_instance.known",
                "aws_sagemaker_notebook_instance.per_team",
            ],
        ),
        (
            "module-count",
            &[
                "module.sandbox.aws_sagemaker_notebook_instance.this",
                "module.lab.aws_sagemaker_notebook_instance.this",
            ],
            &[
                "module.prod.aws_sagemaker_notebook_instance.this",
                "module.shared.aws_sagemaker_notebook_instance.this",
            ],
        ),
    ];
    for (name, absent, judged) in cases {
        let result = scan_case(&case(name));
        assert!(result.errors.is_empty(), "{name}: {:?}", result.errors);
        let evaluated: BTreeSet<&str> = result.evaluations.iter().map(|e| &*e.resource).collect();
        let reported: BTreeSet<&str> = result.findings.iter().map(|f| f.resource()).collect();
        for a in absent {
            assert!(!evaluated.contains(a), "{name}: {a} was evaluated");
            assert!(!reported.contains(a), "{name}: {a} was reported");
        }
        for j in judged {
            assert!(evaluated.contains(j), "{name}: {j} not evaluated");
        }
        assert_eq!(result.resources, judged.len(), "{name}: {evaluated:?}");
    }
}
