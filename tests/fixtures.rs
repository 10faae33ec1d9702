//! Walks `fixtures/rules/<ID>/` and checks that each rule reports exactly the lines marked
//! `# expect: ID` (or listed in a `*.expect.json` sidecar for JSON), in every file of its folder;
//! and that every rule has failing and passing fixtures for each format it supports.
//!
//! A folder is scanned as `lenslint scan` would scan it: with the rules and settings of its own
//! `lenslint.toml` when it has one (rule parameters; an opt-in rule such as TAG001 needs one to
//! run), else with the defaults.

mod common;

use common::expectations;
use lenslint::config::{Config, FILE_NAME};
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options, ScanResult};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Scans `dir` with `config`'s rules and settings, as the command line does.
fn scan_with(dir: &Path, config: &Config) -> Result<ScanResult, String> {
    let (rules, all) = config.rule_set(&[])?;
    let policy = config.policy(Arc::new(all))?;
    Ok(scan(
        &Options {
            paths: vec![dir.to_path_buf()],
            policy,
            ..Default::default()
        },
        &rules,
    ))
}

/// The config a fixture folder is scanned with: its own `lenslint.toml`, or the defaults.
fn folder_config(dir: &Path) -> Result<Config, String> {
    let file = dir.join(FILE_NAME);
    if file.is_file() {
        Config::load(&file)
    } else {
        Ok(Config::default())
    }
}

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
        let result = match folder_config(dir).and_then(|c| scan_with(dir, &c)) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{id}: {e}"));
                continue;
            }
        };
        for e in &result.errors {
            problems.push(format!(
                "{id}: unexpected error {}:{}: {}",
                e.file, e.line, e.message
            ));
        }
        let mut actual: BTreeMap<String, BTreeSet<(u32, String)>> = BTreeMap::new();
        for f in &result.findings {
            actual
                .entry(f.file.to_string())
                .or_default()
                .insert((f.line, f.rule_id().to_string()));
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

/// An opt-in rule reports nothing until configured: its fixture folder needs a `lenslint.toml`
/// that turns it on, its failing fixtures then expect findings (checked above), and without
/// that file (the built-in defaults) it is not run and reports nothing on the same files.
#[test]
fn opt_in_rules_report_nothing_unconfigured() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let opt_in: Vec<_> = rules
        .rules
        .iter()
        .filter(|r| r.doc.opt_in.is_some())
        .collect();
    assert!(!opt_in.is_empty(), "TAG001 is opt-in");
    for rule in opt_in {
        let id = rule.id();
        let dir = root.join(id);
        let config = folder_config(&dir).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(
            config.path.is_some(),
            "{id}: opt-in, so fixtures/rules/{id}/{FILE_NAME} must configure it"
        );
        let (configured, _) = config.rule_set(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            configured.get(id).is_some(),
            "{id}: its {FILE_NAME} does not turn it on"
        );
        let expected: usize = expectations(&dir)
            .iter()
            .filter(|(file, _)| file.contains("fail"))
            .map(|(_, set)| set.iter().filter(|(_, r)| r == id).count())
            .sum();
        assert!(expected > 0, "{id}: its failing fixtures expect no finding");

        let defaults = Config::default();
        let (run, all) = defaults.rule_set(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(run.get(id).is_none(), "{id}: runs without configuration");
        assert!(
            all.contains(id),
            "{id}: still a known rule (select, params, suppressions)"
        );
        let unconfigured = scan_with(&dir, &defaults).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            unconfigured.errors.is_empty(),
            "{:?}",
            unconfigured.errors.first().map(|e| &e.message)
        );
        let ours = |r: &ScanResult| {
            r.findings.iter().filter(|f| f.rule_id() == id).count()
                + r.evaluations.iter().filter(|e| &*e.rule_id == id).count()
                + r.unknowns.iter().filter(|u| &*u.rule_id == id).count()
        };
        assert_eq!(
            ours(&unconfigured),
            0,
            "{id}: reported without configuration"
        );
        // The same files with the folder's config: the rule is back, so the check above is
        // not vacuous.
        let on = scan_with(&dir, &config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            on.findings.iter().filter(|f| f.rule_id() == id).count(),
            expected,
            "{id}: configured"
        );
        // A library caller that runs the built-in rule set as is gets no finding either: the
        // empty parameter requires nothing.
        let raw = scan(
            &Options {
                paths: vec![dir.clone()],
                ..Default::default()
            },
            &rules,
        );
        assert_eq!(
            raw.findings.iter().filter(|f| f.rule_id() == id).count(),
            0,
            "{id}: the built-in defaults report it"
        );
    }
}
