//! The real-world corpus (`../shared/corpus`, read in place; the test skips with a message when
//! it is absent): every file is classified as its MANIFEST.tsv format says, the scan does not
//! panic and is deterministic, and the files reported as unparsable are exactly those listed in
//! `tests/data/corpus-expected-errors.txt`, each a genuine error in its source (MANIFEST's
//! `parses` column is not `yes` for any of them).

use assert_cmd::Command;
use lenslint::classify::{classify, Class};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// MANIFEST.tsv rows: (path, format, parses).
fn manifest(dir: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file, format, parses) = (col("file"), col("format"), col("parses"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[file].into(), f[format].into(), f[parses].into())
        })
        .collect()
}

fn expected_errors() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus-expected-errors.txt");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (path, reason) = l.split_once('\t').expect("path<TAB>reason");
            assert!(!reason.trim().is_empty(), "{path}: no reason given");
            (path.to_string(), reason.to_string())
        })
        .collect()
}

#[test]
fn every_corpus_file_is_classified_as_its_format() {
    let Some(dir) = corpus() else { return };
    let expected = expected_errors();
    let mut wrong = Vec::new();
    for (file, format, parses) in manifest(&dir) {
        let class = classify(&dir.join(&file));
        let ok = match (&class, format.as_str()) {
            (Class::Unparsable(_), _) => expected.contains_key(&file),
            (Class::CloudFormation, "cfn-yaml" | "cfn-json" | "cdk-json") => true,
            (Class::Terraform, "terraform-tf") => true,
            (Class::TerraformVars, "terraform-tfvars") => true,
            _ => false,
        };
        if !ok {
            wrong.push(format!("{file} ({format}, parses {parses}): {class:?}"));
        }
        if expected.contains_key(&file) {
            assert_ne!(parses, "yes", "{file} is valid by MANIFEST.tsv");
            assert!(matches!(class, Class::Unparsable(_)), "{file}: {class:?}");
        }
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

fn scan(dir: &Path) -> (Option<i32>, Vec<u8>) {
    let out = Command::cargo_bin("lenslint")
        .unwrap()
        .current_dir(dir.parent().unwrap())
        .args(["scan", "--format", "json", "corpus"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), out.stdout)
}

#[test]
fn corpus_scan_reports_exactly_the_expected_parse_errors() {
    let Some(dir) = corpus() else { return };
    let (code, stdout) = scan(&dir);
    let json: Value = serde_json::from_slice(&stdout).unwrap();
    let failing: BTreeSet<String> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let f = e["file"].as_str().unwrap();
            f.strip_prefix("corpus/").unwrap_or(f).to_string()
        })
        .collect();
    let expected: BTreeSet<String> = expected_errors().into_keys().collect();
    let unexpected: Vec<_> = failing.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&failing).collect();
    assert!(
        unexpected.is_empty() && missing.is_empty(),
        "unexpected errors: {unexpected:#?}\nexpected but not reported: {missing:#?}\n{:#}",
        json["errors"]
    );
    assert_eq!(code, Some(2));
    // Same input, same bytes.
    let (_, again) = scan(&dir);
    assert!(stdout == again, "two scans of the corpus differ");
}
