//! The baseline: `--write-baseline` records the current findings, `--baseline` reports and
//! fails only on new ones, and an old finding stays old when its resource moves within the
//! file, unrelated lines are added, or the scan runs from another folder.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn lenslint() -> Command {
    Command::cargo_bin("lenslint").unwrap()
}

/// (exit code, JSON report) of `lenslint scan --isolated --format json ARGS` in `dir`.
fn scan(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = lenslint()
        .current_dir(dir)
        .args(["scan", "--isolated", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn findings(doc: &Value) -> Vec<(String, String, u64)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const BEFORE: &str = "AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  Research:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/nb
      DirectInternetAccess: Enabled
  Training:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.large
      RoleArn: arn:aws:iam::123456789012:role/nb
";

/// The same resources, reordered and with their properties reordered, with unrelated lines
/// (a description, comments, a parameter, blank lines) added.
const MOVED: &str = "AWSTemplateFormatVersion: \"2010-09-09\"
Description: >
  The research team's notebooks, reorganised.
Parameters:
  Stage:
    Type: String
    Default: dev
Resources:
  # Training first now.
  Training:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/nb
      InstanceType: ml.t3.large


  # Then the research notebook.
  Research:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      DirectInternetAccess: Enabled
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/nb
";

const TF_BEFORE: &str = "resource \"aws_sagemaker_notebook_instance\" \"research\" {
  name                   = \"research\"
  role_arn               = \"arn:aws:iam::123456789012:role/nb\"
  instance_type          = \"ml.t3.medium\"
  direct_internet_access = \"Enabled\"
}
";

const TF_MOVED: &str = "locals {
  team = \"research\"
}

# Moved below a new block.
resource \"aws_sagemaker_notebook_instance\" \"research\" {
  instance_type          = \"ml.t3.medium\"
  direct_internet_access = \"Enabled\"
  name                   = local.team
  role_arn               = \"arn:aws:iam::123456789012:role/nb\"
}
";

#[test]
fn old_findings_stay_old_when_resources_move() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("infra/tf")).unwrap();
    std::fs::write(d.join("infra/stack.yaml"), BEFORE).unwrap();
    std::fs::write(d.join("infra/tf/main.tf"), TF_BEFORE).unwrap();

    let (code, before) = scan(d, &["infra"]);
    assert_eq!(code, 1);
    let n = before["findings"].as_array().unwrap().len();
    assert!(n >= 6, "{before}");

    let out = lenslint()
        .current_dir(d)
        .args([
            "scan",
            "--isolated",
            "--write-baseline",
            "lenslint-baseline.json",
            "infra",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "writing a baseline accepts what is there"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("wrote {n} findings")));
    let baseline = std::fs::read_to_string(d.join("lenslint-baseline.json")).unwrap();
    assert!(
        !baseline.contains("\"line\""),
        "no line numbers in the baseline"
    );
    assert!(baseline.contains("\"file\": \"infra/stack.yaml\""));

    // Unchanged: nothing new, exit 0, everything counted as baselined.
    let (code, doc) = scan(d, &["--baseline", "lenslint-baseline.json", "infra"]);
    assert_eq!((code, findings(&doc)), (0, vec![]));
    assert_eq!(doc["summary"]["baselined"], n);

    // Moved within the file, unrelated lines added: still nothing new.
    std::fs::write(d.join("infra/stack.yaml"), MOVED).unwrap();
    std::fs::write(d.join("infra/tf/main.tf"), TF_MOVED).unwrap();
    let (_, moved) = scan(d, &["infra"]);
    assert_eq!(moved["findings"].as_array().unwrap().len(), n);
    assert_ne!(findings(&moved), findings(&before), "the lines did change");
    let (code, doc) = scan(d, &["--baseline", "lenslint-baseline.json", "infra"]);
    assert_eq!((code, findings(&doc)), (0, vec![]), "{doc}");

    // From another folder, with other path spellings: the same findings are known.
    let (code, doc) = scan(
        &d.join("infra"),
        &[
            "--baseline",
            "../lenslint-baseline.json",
            "stack.yaml",
            "tf",
        ],
    );
    assert_eq!((code, findings(&doc)), (0, vec![]), "{doc}");

    // A new resource's findings are new, and only they fail the run.
    let broken = format!(
        "{MOVED}  Scratch:\n    Type: AWS::SageMaker::NotebookInstance\n    Properties:\n      \
         InstanceType: ml.t3.medium\n      RoleArn: arn:aws:iam::123456789012:role/nb\n"
    );
    std::fs::write(d.join("infra/stack.yaml"), broken).unwrap();
    let (code, doc) = scan(d, &["--baseline", "lenslint-baseline.json", "infra"]);
    let new = findings(&doc);
    assert_eq!(code, 1);
    assert!(new.iter().any(|f| f.0 == "SM002"), "{new:?}");
    assert!(new.iter().all(|f| f.1 == "Scratch"), "{new:?}");
    assert_eq!(doc["summary"]["baselined"], n);
    // With --show-suppressed the known ones are listed as baselined.
    let (_, doc) = scan(
        d,
        &[
            "--baseline",
            "lenslint-baseline.json",
            "--show-suppressed",
            "infra",
        ],
    );
    let listed = doc["suppressed"].as_array().unwrap();
    assert!(listed
        .iter()
        .all(|s| s["suppression"]["kind"] == "baseline"));
    assert_eq!(
        doc["summary"]["baselined"].as_u64().unwrap() as usize,
        listed.len()
    );
}

#[test]
fn baseline_from_config_and_bad_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("stack.yaml"), BEFORE).unwrap();
    std::fs::write(d.join("lenslint.toml"), "baseline = \"base.json\"\n").unwrap();
    let run = |args: &[&str]| {
        lenslint()
            .current_dir(d)
            .args(["scan", "--format", "json"])
            .args(args)
            .output()
            .unwrap()
    };
    // The configured baseline does not exist yet: a configuration error...
    let out = run(&["stack.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("base.json"));
    // ...until it is written.
    assert_eq!(
        run(&["--write-baseline", "base.json", "stack.yaml"])
            .status
            .code(),
        Some(0)
    );
    let out = run(&["stack.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    // Not a baseline: exit 2 with the place.
    std::fs::write(
        d.join("base.json"),
        "{\"version\": 1, \"findings\": [{\"x\": 1}]}",
    )
    .unwrap();
    let out = run(&["stack.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("base.json:1:"));
}
