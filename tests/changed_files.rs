//! Scanning only what changed: file arguments (as pre-commit passes them) and
//! `--diff-base REV`. A changed `.tf` file is read with its whole module, so references
//! resolve across it, but only findings in the changed files are reported.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn lenslint() -> Command {
    Command::cargo_bin("lenslint").unwrap()
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

/// A KMS key with a policy open to everyone (KMS002 checks keys only when an ML resource
/// uses them) and, in another file, the notebook that uses it.
const KEYS_TF: &str = "resource \"aws_kms_key\" \"nb\" {
  description         = \"notebook volumes\"
  enable_key_rotation = true
  policy = jsonencode({
    Version = \"2012-10-17\"
    Statement = [{
      Sid       = \"AnyPrincipal\"
      Effect    = \"Allow\"
      Principal = { AWS = \"*\" }
      Action    = [\"kms:Decrypt\"]
      Resource  = \"*\"
    }]
  })
}
";

const NOTEBOOK_TF: &str = "resource \"aws_sagemaker_notebook_instance\" \"nb\" {
  name          = \"nb\"
  role_arn      = \"arn:aws:iam::123456789012:role/nb\"
  instance_type = \"ml.t3.medium\"
  kms_key_id    = aws_kms_key.nb.arn
}
";

const NOTEBOOK_YAML: &str = "Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/nb
";

fn project(d: &Path) {
    write(d, "mod/keys.tf", KEYS_TF);
    write(d, "mod/notebook.tf", NOTEBOOK_TF);
    write(d, "stacks/a.yaml", NOTEBOOK_YAML);
    write(d, "stacks/b.yaml", NOTEBOOK_YAML);
}

fn scan(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = lenslint()
        .current_dir(dir)
        .args(["scan", "--isolated", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn reported(doc: &Value) -> BTreeSet<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_named_tf_file_is_read_with_its_module() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let (_, doc, _) = scan(dir.path(), &["mod/keys.tf"]);
    // KMS002 needs notebook.tf (the key is in scope only because the notebook uses it), yet
    // notebook.tf's own findings are not reported.
    assert_eq!(
        reported(&doc),
        BTreeSet::from([("mod/keys.tf".to_string(), "KMS002".to_string())])
    );
    let (_, doc, _) = scan(dir.path(), &["mod/notebook.tf"]);
    let files: BTreeSet<String> = reported(&doc).into_iter().map(|(f, _)| f).collect();
    assert_eq!(files, BTreeSet::from(["mod/notebook.tf".to_string()]));
    // The whole directory reports both.
    let (_, doc, _) = scan(dir.path(), &["mod"]);
    let files: BTreeSet<String> = reported(&doc).into_iter().map(|(f, _)| f).collect();
    assert_eq!(files.len(), 2);
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_base_scans_changed_files_only() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: git is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    let (code, doc, err) = scan(d, &["--diff-base", "HEAD"]);
    assert_eq!((code, reported(&doc).len()), (0, 0), "{err}");
    assert!(
        err.contains("no changed template or Terraform file since HEAD"),
        "{err}"
    );

    // An edited template, an edited .tf and a new, untracked template.
    write(
        d,
        "stacks/b.yaml",
        &NOTEBOOK_YAML.replace("ml.t3.medium", "ml.t3.large"),
    );
    write(d, "mod/keys.tf", &format!("# edited\n{KEYS_TF}"));
    write(d, "stacks/c.yaml", NOTEBOOK_YAML);
    write(d, "notes.md", "not scanned");
    let (code, doc, err) = scan(d, &["--diff-base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    let files: BTreeSet<String> = reported(&doc).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        files,
        BTreeSet::from([
            "mod/keys.tf".to_string(),
            "stacks/b.yaml".to_string(),
            "stacks/c.yaml".to_string()
        ])
    );
    assert!(reported(&doc).contains(&("mod/keys.tf".to_string(), "KMS002".to_string())));
    // Limited to the paths given.
    let (_, doc, _) = scan(d, &["--diff-base", "HEAD", "stacks"]);
    let files: BTreeSet<String> = reported(&doc).into_iter().map(|(f, _)| f).collect();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.starts_with("stacks/")));
    // A revision git does not know is a usage error.
    let (code, _, err) = scan(d, &["--diff-base", "no-such-rev"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rev"), "{err}");
}

#[test]
fn skip_non_templates_for_hooks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "stacks/a.yaml", NOTEBOOK_YAML);
    // What pre-commit also passes: a Helm template and JSON with comments.
    write(
        d,
        "charts/x/templates/svc.yaml",
        "{{- if .Values.enabled }}\nkind: Service\n{{- end }}\n",
    );
    write(
        d,
        "tsconfig.json",
        "{\n  // comment\n  \"compilerOptions\": {}\n}\n",
    );
    let files = [
        "stacks/a.yaml",
        "charts/x/templates/svc.yaml",
        "tsconfig.json",
    ];
    let (code, doc, _) = scan(d, &files);
    assert_eq!(code, 2, "named files that do not parse are errors");
    assert_eq!(doc["errors"].as_array().unwrap().len(), 2);
    let mut args = vec!["--skip-non-templates"];
    args.extend(files);
    let (code, doc, _) = scan(d, &args);
    assert_eq!(code, 1);
    assert!(doc["errors"].as_array().unwrap().is_empty());
    assert!(!reported(&doc).is_empty());
    // A broken file that looks like a template is still an error.
    write(
        d,
        "stacks/broken.yaml",
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources: [\n",
    );
    let (code, doc, _) = scan(d, &["--skip-non-templates", "stacks/broken.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 1);
}
