//! `lenslint.toml`: every key, how the file is found (`--config`, `--isolated`, walking up
//! from each path), errors that name the line, and `lenslint init`.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

fn lenslint() -> Command {
    Command::cargo_bin("lenslint").unwrap()
}

const NOTEBOOK: &str = "Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/nb
";

const GUARDRAIL: &str = "Resources:
  Guard:
    Type: AWS::Bedrock::Guardrail
    Properties:
      Name: g
      BlockedInputMessaging: no
      BlockedOutputsMessaging: no
      ContentPolicyConfig:
        FiltersConfig:
          - { Type: SEXUAL, InputStrength: HIGH, OutputStrength: HIGH }
          - { Type: VIOLENCE, InputStrength: HIGH, OutputStrength: HIGH }
          - { Type: HATE, InputStrength: HIGH, OutputStrength: HIGH }
          - { Type: INSULTS, InputStrength: MEDIUM, OutputStrength: MEDIUM }
          - { Type: MISCONDUCT, InputStrength: HIGH, OutputStrength: HIGH }
          - { Type: PROMPT_ATTACK, InputStrength: HIGH, OutputStrength: NONE }
";

/// Runs `lenslint scan --format json ARGS` in `dir`: (exit code, report, stderr).
fn scan(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = lenslint()
        .current_dir(dir)
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc, stderr)
}

fn ids(doc: &Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["rule_id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn severity_of(doc: &Value, id: &str) -> String {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == id)
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn select_and_ignore_take_ids_and_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", NOTEBOOK);
    let (_, all, _) = scan(dir.path(), &["t.yaml"]);
    assert!(ids(&all).len() >= 4, "{:?}", ids(&all));
    write(
        dir.path(),
        "lenslint.toml",
        "select = [\"SM002\", \"SM00\"]\nignore = [\"SM004\"]\n",
    );
    let (_, doc, err) = scan(dir.path(), &["t.yaml"]);
    let got = ids(&doc);
    assert!(
        got.contains("SM002") && got.contains("SM003"),
        "{got:?} {err}"
    );
    assert!(!got.contains("SM004"));
    assert!(got.iter().all(|i| i.starts_with("SM00")), "{got:?}");
}

#[test]
fn severity_overrides_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", NOTEBOOK);
    let (code, doc, _) = scan(dir.path(), &["t.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(severity_of(&doc, "SM002"), "high");
    write(
        dir.path(),
        "lenslint.toml",
        "fail-on = \"critical\"\n[severity]\nSM0 = \"low\"\nSM002 = \"critical\"\n",
    );
    let (code, doc, _) = scan(dir.path(), &["t.yaml"]);
    assert_eq!(severity_of(&doc, "SM002"), "critical");
    assert_eq!(severity_of(&doc, "SM003"), "low");
    assert_eq!(doc["summary"]["by_severity"]["critical"], 1);
    assert_eq!(code, 1, "SM002 is critical now");
    write(
        dir.path(),
        "lenslint.toml",
        "fail-on = \"critical\"\n[severity]\nSM0 = \"low\"\n",
    );
    let (code, _, _) = scan(dir.path(), &["t.yaml"]);
    assert_eq!(code, 0, "nothing critical");
    // The command line's --fail-on wins over the file's.
    let (code, _, _) = scan(dir.path(), &["--fail-on", "low", "t.yaml"]);
    assert_eq!(code, 1);
}

#[test]
fn exclude_globs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keep/t.yaml", NOTEBOOK);
    write(dir.path(), "legacy/old/t.yaml", NOTEBOOK);
    write(dir.path(), "keep/t.generated.yaml", NOTEBOOK);
    write(
        dir.path(),
        "lenslint.toml",
        "exclude = [\"legacy/**\", \"*.generated.yaml\"]\n",
    );
    let (_, doc, _) = scan(dir.path(), &["."]);
    let files: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, BTreeSet::from(["keep/t.yaml"]));
    // Named files are excluded too (pre-commit passes them one by one).
    let (code, doc, _) = scan(dir.path(), &["legacy/old/t.yaml"]);
    assert_eq!((code, doc["summary"]["findings"].as_u64()), (0, Some(0)));
}

#[test]
fn rule_parameters() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "g.yaml", GUARDRAIL);
    let (_, doc, _) = scan(dir.path(), &["g.yaml"]);
    assert!(
        !ids(&doc).contains("BR022"),
        "MEDIUM is strong enough by default"
    );
    write(
        dir.path(),
        "lenslint.toml",
        "[params.BR022]\nmin_strengths = [\"HIGH\"]\n",
    );
    let (_, doc, err) = scan(dir.path(), &["g.yaml"]);
    assert!(ids(&doc).contains("BR022"), "{err}");
}

/// TAG001 (required tags) is opt-in: with no configuration it is not run at all; naming the
/// keys turns it on for CloudFormation and Terraform alike.
#[test]
fn tag_policy_is_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", NOTEBOOK);
    write(
        dir.path(),
        "tf/main.tf",
        "resource \"awscc_sagemaker_model\" \"m\" {\n  \
         execution_role_arn = \"arn:aws:iam::123456789012:role/m\"\n  \
         tags = [{ key = \"team\", value = \"ml\" }]\n}\n",
    );
    let tag001 = |doc: &Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["rule_id"] == "TAG001")
                    .map(|f| format!("{}:{}", f["file"].as_str().unwrap_or(""), f["line"]))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, doc, err) = scan(dir.path(), &["."]);
    assert!(err.is_empty(), "{err}");
    assert!(tag001(&doc).is_empty(), "{:?}", tag001(&doc));
    assert!(!ids(&doc).is_empty(), "other rules still run");
    // An empty list is no configuration either.
    write(
        dir.path(),
        "lenslint.toml",
        "[params.TAG001]\nrequired_tags = []\n",
    );
    let (_, doc, err) = scan(dir.path(), &["."]);
    assert!(tag001(&doc).is_empty(), "{:?} {err}", tag001(&doc));
    write(
        dir.path(),
        "lenslint.toml",
        "[params.TAG001]\nrequired_tags = [\"team\", \"CostCenter\"]\n",
    );
    let (_, doc, err) = scan(dir.path(), &["."]);
    assert_eq!(tag001(&doc), ["t.yaml:2", "tf/main.tf:3"], "{err}");
    let messages: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TAG001")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("CostCenter")),
        "{messages:?}"
    );
    // The team's file wins over nothing, `--isolated` goes back to the defaults.
    let (_, doc, _) = scan(dir.path(), &["--isolated", "."]);
    assert!(tag001(&doc).is_empty());
}

#[test]
fn forbidding_inline_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.yaml",
        &NOTEBOOK.replace("  Nb:\n", "  # lenslint:ignore SM002 sandbox\n  Nb:\n"),
    );
    let (_, doc, _) = scan(dir.path(), &["t.yaml"]);
    assert!(!ids(&doc).contains("SM002"));
    assert_eq!(doc["summary"]["suppressed"], 1);
    write(
        dir.path(),
        "lenslint.toml",
        "allow-inline-suppressions = false\n",
    );
    let (_, doc, _) = scan(dir.path(), &["t.yaml"]);
    assert!(ids(&doc).contains("SM002"));
    assert_eq!(doc["summary"]["suppressed"], 0);
}

#[test]
fn extra_rule_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", NOTEBOOK);
    write(
        dir.path(),
        "org-rules/ORG001.yaml",
        "id: ORG001
title: Notebook must be small
severity: low
pillar: cost-optimization
lenses: []
message: Notebook {resource} is not ml.t3.small
cloudformation:
  types: [AWS::SageMaker::NotebookInstance]
  check: { path: InstanceType, equals: ml.t3.small }
why: cost
fix: use ml.t3.small
",
    );
    let (_, doc, _) = scan(dir.path(), &["t.yaml"]);
    assert!(!ids(&doc).contains("ORG001"));
    write(dir.path(), "lenslint.toml", "rule-dirs = [\"org-rules\"]\n");
    let (_, doc, err) = scan(dir.path(), &["t.yaml"]);
    assert!(ids(&doc).contains("ORG001"), "{err}");
}

#[test]
fn found_by_walking_up_overridden_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "infra/stacks/t.yaml", NOTEBOOK);
    write(dir.path(), "lenslint.toml", "select = [\"SM002\"]\n");
    write(dir.path(), "other.toml", "select = [\"SM003\"]\n");
    let sub = dir.path().join("infra");
    let (_, doc, _) = scan(&sub, &["stacks/t.yaml"]);
    assert_eq!(ids(&doc), BTreeSet::from(["SM002".to_string()]));
    let other = dir.path().join("other.toml");
    let (_, doc, _) = scan(&sub, &["--config", other.to_str().unwrap(), "stacks"]);
    assert_eq!(ids(&doc), BTreeSet::from(["SM003".to_string()]));
    let (_, doc, _) = scan(&sub, &["--isolated", "stacks"]);
    assert!(ids(&doc).len() > 2);
}

#[test]
fn paths_under_different_configs_use_their_own() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/t.yaml", NOTEBOOK);
    write(dir.path(), "a/lenslint.toml", "select = [\"SM002\"]\n");
    write(dir.path(), "b/t.yaml", NOTEBOOK);
    write(dir.path(), "b/lenslint.toml", "select = [\"SM003\"]\n");
    let (_, doc, _) = scan(dir.path(), &["b", "a"]);
    let got: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a/t.yaml".to_string(), "SM002".to_string()),
            ("b/t.yaml".to_string(), "SM003".to_string())
        ]
    );
}

/// (exit code, stderr) of a scan with `config` as lenslint.toml.
fn config_error(config: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", NOTEBOOK);
    write(dir.path(), "lenslint.toml", config);
    let (code, _, err) = scan(dir.path(), &["t.yaml"]);
    (code, err)
}

#[test]
fn errors_name_the_line() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "select = [\"SM\"]\nfail_on = \"high\"\n",
            ":2:1:",
            "fail_on",
        ),
        ("[severity]\nSM002 = \"urgent\"\n", ":2:9:", "urgent"),
        (
            "ignore = [\"SM002\", \"XYZ\"]\n",
            ":1:20:",
            "`XYZ` is no rule id or prefix",
        ),
        ("[severity]\nNOPE1 = \"low\"\n", ":2:1:", "NOPE1"),
        (
            "[params.BR022]\nmin_strength = [\"HIGH\"]\n",
            ":2:1:",
            "has no parameter `min_strength` (it takes: min_strengths)",
        ),
        (
            "[params.BR022]\nmin_strengths = \"HIGH\"\n",
            ":2:1:",
            "expected a list",
        ),
        ("[params.SM002]\nx = 1\n", ":2:1:", "it takes none"),
        (
            "[params.TAG001]\nrequired_tags = [\"owner\", 1]\n",
            ":1:9:",
            "tag keys (strings), got 1",
        ),
        ("exclude = [\"a[\"]\n", ":1:12:", "bad glob"),
    ];
    for (config, at, what) in cases {
        let (code, err) = config_error(config);
        assert_eq!(code, 2, "{config}: {err}");
        assert!(
            err.contains(&format!("lenslint.toml{at}")),
            "{config}: {err}"
        );
        assert!(err.contains(what), "{config}: {err}");
    }
}

#[test]
fn init_writes_the_defaults_commented() {
    let dir = tempfile::tempdir().unwrap();
    lenslint()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .success();
    let path = dir.path().join("lenslint.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("#allow-inline-suppressions = true"));
    assert!(text.contains("#[params.BR022]\n#min_strengths = [\"MEDIUM\", \"HIGH\"]"));
    // Written as is, it changes nothing.
    write(dir.path(), "t.yaml", NOTEBOOK);
    let (_, with, err) = scan(dir.path(), &["t.yaml"]);
    assert!(err.is_empty(), "{err}");
    let (_, without, _) = scan(dir.path(), &["--isolated", "t.yaml"]);
    assert_eq!(with["findings"], without["findings"]);
    // Every setting line uncommented is a valid config too.
    let settings: String = text
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '[') => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, &settings).unwrap();
    write(
        dir.path(),
        "lenslint-baseline.json",
        "{\"version\": 1, \"findings\": []}",
    );
    let (code, _, err) = scan(dir.path(), &["t.yaml"]);
    assert!(code == 0 || code == 1, "{err}\n{settings}");
    // It does not overwrite without --force.
    lenslint()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .code(2);
    lenslint()
        .current_dir(dir.path())
        .args(["init", "--force"])
        .assert()
        .success();
}
