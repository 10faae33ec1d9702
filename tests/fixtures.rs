//! Walks `fixtures/rules/<ID>/` and checks that each rule reports exactly the lines marked
//! `# expect: ID` (or listed in a `*.expect.json` sidecar for JSON), in every file of its folder;
//! and that every rule has failing and passing fixtures for each format it supports.

mod common;

use common::expectations;
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[test]
fn every_rule_reports_exactly_the_marked_lines() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut problems = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in &dirs {
        let id = dir.file_name().unwrap().to_string_lossy().to_string();
        if rules.get(&id).is_none() {
            problems.push(format!("{id}: fixture folder without a rule"));
            continue;
        }
        let expected = expectations(dir);
        let result = scan(
            &Options {
                paths: vec![dir.clone()],
                ..Default::default()
            },
            &rules,
        );
        for e in &result.errors {
            problems.push(format!(
                "{id}: unexpected error {}:{}: {}",
                e.file, e.line, e.message
            ));
        }
        let mut actual: BTreeMap<String, BTreeSet<(u32, String)>> = BTreeMap::new();
        for f in &result.findings {
            actual
                .entry(f.file.clone())
                .or_default()
                .insert((f.line, f.rule_id.clone()));
        }
        let files: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
        for file in files {
            let exp = expected.get(file).cloned().unwrap_or_default();
            let mut checked: BTreeSet<String> = exp.iter().map(|(_, r)| r.clone()).collect();
            checked.insert(id.clone());
            let act: BTreeSet<(u32, String)> = actual
                .get(file)
                .map(|s| {
                    s.iter()
                        .filter(|(_, r)| checked.contains(r))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            for (line, r) in exp.difference(&act) {
                problems.push(format!("{file}:{line}: expected {r}, not reported"));
            }
            for (line, r) in act.difference(&exp) {
                problems.push(format!("{file}:{line}: {r} reported but not expected"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} fixture problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_fixtures_for_each_format() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut problems = Vec::new();
    for rule in &rules.rules {
        let dir = root.join(rule.id());
        let has = |name: &str| dir.join(name).exists();
        if rule.cloudformation.is_some() {
            for f in ["fail.yaml", "pass.yaml"] {
                if !has(f) {
                    problems.push(format!("{}: missing {f}", rule.id()));
                }
            }
        }
        if rule.terraform.is_some() {
            for f in ["tf-fail/main.tf", "tf-pass/main.tf"] {
                if !has(f) {
                    problems.push(format!("{}: missing {f}", rule.id()));
                }
            }
        }
        // A meta rule (no format section: LL001-LL003, about lenslint's own suppressions)
        // is proven by a failing and a passing template.
        if rule.cloudformation.is_none() && rule.terraform.is_none() {
            for f in ["fail.yaml", "pass.yaml"] {
                if !has(f) {
                    problems.push(format!("{}: missing {f}", rule.id()));
                }
            }
            continue;
        }
        if !has("unknown.yaml") && !has("tf-unknown/main.tf") {
            problems.push(format!(
                "{}: no unknown-value fixture (unknown.yaml or tf-unknown/)",
                rule.id()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
