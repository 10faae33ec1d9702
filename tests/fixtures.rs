//! Walks `fixtures/rules/<ID>/` and checks that each rule reports exactly the lines marked
//! `# expect: ID` (or listed in a `*.expect.json` sidecar for JSON), in every file of its folder;
//! and that every rule has failing and passing fixtures for each format it supports.

use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// (file, line, rule id) expected in one fixture folder.
fn expectations(dir: &Path) -> BTreeMap<String, BTreeSet<(u32, String)>> {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    let mut out: BTreeMap<String, BTreeSet<(u32, String)>> = BTreeMap::new();
    for f in files {
        let name = f.to_string_lossy().replace('\\', "/");
        if let Some(target) = name.strip_suffix(".expect.json") {
            let text = std::fs::read_to_string(&f).unwrap();
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let set = out.entry(target.to_string()).or_default();
            for item in v
                .as_array()
                .unwrap_or_else(|| panic!("{name}: expected a list"))
            {
                let line = item["line"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{name}: line")) as u32;
                let id = item["rule_id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: rule_id"));
                set.insert((line, id.to_string()));
            }
            continue;
        }
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "tf" | "json" | "template" | "tfvars") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let set = out.entry(name.clone()).or_default();
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("expect:") {
                let before = &line[..pos];
                if !(before.trim_end().ends_with('#') || before.trim_end().ends_with("//")) {
                    continue;
                }
                for id in line[pos + 7..].split(',') {
                    let id = id.trim();
                    if !id.is_empty() {
                        set.insert((i as u32 + 1, id.to_string()));
                    }
                }
            }
        }
    }
    out
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
        if !has("unknown.yaml") && !has("tf-unknown/main.tf") {
            problems.push(format!(
                "{}: no unknown-value fixture (unknown.yaml or tf-unknown/)",
                rule.id()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
