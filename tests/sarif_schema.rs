//! Validates lenslint's SARIF against the official SARIF 2.1.0 JSON schema
//! (`tests/data/sarif-schema-2.1.0.json`, see `tests/data/README.md`), for the report fixture
//! set (test rules) and for the bundled examples scanned by the real binary (built-in rules);
//! and checks the GitHub-specific fields the schema leaves optional.

use assert_cmd::Command;
use lenslint::report::sarif;
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap();
    // The official schema's `language` pattern has an unescaped `]`, which jsonschema rejects
    // when it meta-validates the schema; escape it (the only change).
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    let good = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#;
    assert_eq!(text.matches(bad).count(), 2, "schema file changed");
    let schema: Value = serde_json::from_str(&text.replace(bad, good)).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("cannot compile the SARIF schema: {e}"))
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn fixture_sarif() -> Value {
    let mut rules = RuleSet::default();
    rules
        .extend_from_dir(Path::new("fixtures/report/rules"))
        .unwrap();
    let result = scan(
        &Options {
            paths: vec![PathBuf::from("fixtures/report")],
            ..Default::default()
        },
        &rules,
    );
    sarif::document(&result, &rules, Some("file:///checkout/"))
}

#[test]
fn fixture_sarif_is_valid() {
    let v = validator();
    let doc = fixture_sarif();
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_eq!(errors(&v, &doc), Vec::<String>::new());
}

#[test]
fn schema_check_catches_invalid_sarif() {
    let v = validator();
    let mut doc = fixture_sarif();
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    let errs = errors(&v, &doc);
    assert!(
        errs.iter().any(|e| e.contains("/runs/0/results/0/level")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("/runs/0/results/1/locations/0/physicalLocation/region/startLine")),
        "{errs:?}"
    );
}

#[test]
fn examples_sarif_from_the_binary_is_valid_and_github_ready() {
    let out = Command::cargo_bin("lenslint")
        .unwrap()
        .args(["scan", "--format", "sarif", "examples/"])
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "examples have findings");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = validator();
    assert_eq!(errors(&v, &doc), Vec::<String>::new());

    let run = &doc["runs"][0];
    let uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("file:///") && uri.ends_with('/'), "{uri}");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let builtin = RuleSet::builtin().unwrap();
    // Every rule the default configuration runs: all but the opt-in ones (TAG001).
    let (default_run, _) = lenslint::config::Config::default().rule_set(&[]).unwrap();
    assert!(default_run.rules.len() < builtin.rules.len() && default_run.get("TAG001").is_none());
    assert_eq!(
        rules.len(),
        default_run.rules.len(),
        "one descriptor per rule run"
    );
    for r in rules {
        let id = r["id"].as_str().unwrap();
        for key in [
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
        ] {
            assert!(!r[key].is_null(), "rule {id} lacks {key}");
        }
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&sev), "{id}: {sev}");
        let tags: Vec<&str> = r["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(
            tags.iter().any(|t| t.starts_with("pillar/")),
            "{id}: {tags:?}"
        );
        let builtin = builtin.get(id).unwrap();
        for (lens, practice, pillar) in builtin.lenses() {
            for tag in [
                format!("lens/{lens}"),
                format!("practice/{practice}"),
                format!("pillar/{pillar}"),
            ] {
                assert!(tags.contains(&tag.as_str()), "{id}: {tag} not in {tags:?}");
            }
        }
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let file = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(file.starts_with("examples/"), "{file}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        let fp = r["partialFingerprints"]["lenslintFingerprint/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fp.len(), 16);
    }
}
