//! Every suppression form in every format: `# lenslint:ignore` comments above a resource, on
//! its first line and on a property's line (YAML and HCL, `#` and `//`), CloudFormation
//! `Metadata` in YAML, JSON and a CDK-synthesized template, id lists and prefixes; the LL
//! findings about bad suppressions; `allow-inline-suppressions = false`; and how suppressed
//! findings show in the summary, `--show-suppressed` and SARIF.

use assert_cmd::Command;
use lenslint::filter::Policy;
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options, ScanResult};
use lenslint::suppress::Origin;
use std::collections::BTreeSet;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

fn run(dir: &Path, policy: Policy) -> ScanResult {
    let rules = RuleSet::builtin().expect("rules load");
    scan(
        &Options {
            paths: vec![dir.to_path_buf()],
            policy,
            ..Default::default()
        },
        &rules,
    )
}

/// (resource, rule id) of the kept findings.
fn kept(r: &ScanResult) -> BTreeSet<(String, String)> {
    r.findings
        .iter()
        .map(|f| (f.resource().to_string(), f.rule_id().to_string()))
        .collect()
}

/// (resource, rule id, origin, reason) of the suppressed findings.
fn silenced(r: &ScanResult) -> BTreeSet<(String, String, Origin, String)> {
    r.suppressed
        .iter()
        .map(|s| {
            (
                s.finding.resource().to_string(),
                s.finding.rule_id().to_string(),
                s.suppression.kind,
                s.suppression.reason.clone(),
            )
        })
        .collect()
}

fn pair(res: &str, id: &str) -> (String, String) {
    (res.to_string(), id.to_string())
}

const NOTEBOOK: &str = "    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/nb
";

fn yaml_template() -> String {
    format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  Plain:
{NOTEBOOK}
  # lenslint:ignore SM002 sandbox account

  Above:
{NOTEBOOK}
  Header: # lenslint:ignore SM002 -- sandbox account
{NOTEBOOK}
  Listed: # lenslint:ignore SM002, sm003 sandbox account
{NOTEBOOK}
  Prefixed: # lenslint:ignore SM0 sandbox account, every notebook rule
{NOTEBOOK}
  OnProperty:
{NOTEBOOK}      DirectInternetAccess: Enabled # lenslint:ignore SM002 mirror down (INC-7)
      RootAccess: Enabled # lenslint:ignore SM002 not the line SM002 points at
  Quoted:
{NOTEBOOK}      VolumeSizeInGB: 5
      DefaultCodeRepository: \"https://example.com/x # lenslint:ignore SM002 in a string\"
  WithMetadata:
    Metadata:
      lenslint:
        ignore:
          - id: SM002
            reason: sandbox account
          - {{ id: [SM003, SM004], reason: no VPC in the sandbox }}
{NOTEBOOK}"
    )
}

#[test]
fn yaml_comments_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", &yaml_template());
    let r = run(dir.path(), Policy::default());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let k = kept(&r);
    // Nothing suppresses the plain notebook, nor SM003 where only SM002 is named.
    for id in ["SM002", "SM003", "SM004"] {
        assert!(k.contains(&pair("Plain", id)), "Plain {id}: {k:?}");
    }
    for res in ["Above", "Header", "OnProperty", "WithMetadata"] {
        assert!(!k.contains(&pair(res, "SM002")), "{res} SM002 kept");
    }
    assert!(k.contains(&pair("Above", "SM003")));
    assert!(k.contains(&pair("OnProperty", "SM003")));
    // A list silences each id it names; a prefix every id it starts.
    assert!(!k.contains(&pair("Listed", "SM002")) && !k.contains(&pair("Listed", "SM003")));
    assert!(k.contains(&pair("Listed", "SM004")));
    assert!(!k
        .iter()
        .any(|(res, id)| res == "Prefixed" && id.starts_with("SM0")));
    assert!(!k.contains(&pair("WithMetadata", "SM003")));
    assert!(!k.contains(&pair("WithMetadata", "SM004")));
    // A marker inside a quoted string is text, not a comment.
    assert!(k.contains(&pair("Quoted", "SM002")));
    let s = silenced(&r);
    let has = |res: &str, id: &str, o: Origin, reason: &str| {
        s.contains(&(res.into(), id.into(), o, reason.into()))
    };
    assert!(has("Above", "SM002", Origin::Comment, "sandbox account"));
    assert!(has("Header", "SM002", Origin::Comment, "sandbox account"));
    assert!(has(
        "OnProperty",
        "SM002",
        Origin::Comment,
        "mirror down (INC-7)"
    ));
    assert!(has(
        "WithMetadata",
        "SM002",
        Origin::Metadata,
        "sandbox account"
    ));
    assert!(has(
        "WithMetadata",
        "SM004",
        Origin::Metadata,
        "no VPC in the sandbox"
    ));
    // The property comment on RootAccess names SM002, which points at DirectInternetAccess
    // there: it suppresses nothing, and says so.
    let ll: Vec<(u32, &str)> = r
        .findings
        .iter()
        .filter(|f| f.rule_id().starts_with("LL"))
        .map(|f| (f.line, f.rule_id()))
        .collect();
    let text = yaml_template();
    let root_line = text
        .lines()
        .position(|l| l.contains("RootAccess: Enabled"))
        .unwrap() as u32
        + 1;
    assert_eq!(ll, [(root_line, "LL003")]);
}

#[test]
fn json_template_metadata_and_no_comments() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.json",
        r#"{
  "Resources": {
    "Quiet": {
      "Type": "AWS::SageMaker::NotebookInstance",
      "Metadata": {"lenslint": {"ignore": [{"id": "SM002", "reason": "sandbox"}]}},
      "Properties": {"InstanceType": "ml.t3.medium", "RoleArn": "arn:aws:iam::1:role/x"}
    },
    "Loud": {
      "Type": "AWS::SageMaker::NotebookInstance",
      "Properties": {
        "InstanceType": "ml.t3.medium",
        "RoleArn": "arn:aws:iam::1:role/x",
        "DefaultCodeRepository": "x # lenslint:ignore SM002 not a comment in JSON"
      }
    }
  }
}"#,
    );
    let r = run(dir.path(), Policy::default());
    let k = kept(&r);
    assert!(!k.contains(&pair("Quiet", "SM002")));
    assert!(k.contains(&pair("Quiet", "SM003")));
    assert!(k.contains(&pair("Loud", "SM002")));
    assert!(!k.iter().any(|(_, id)| id.starts_with("LL")), "{k:?}");
    assert!(silenced(&r).contains(&(
        "Quiet".into(),
        "SM002".into(),
        Origin::Metadata,
        "sandbox".into()
    )));
}

#[test]
fn cdk_template_metadata() {
    // What `cdk synth` writes after `(notebook.node.defaultChild as CfnResource)
    // .addMetadata('lenslint', {ignore: [{id: 'SM002', reason: '...'}]})`.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cdk.out/MlStack.template.json",
        r#"{
 "Resources": {
  "ResearchNotebookA1B2C3D4": {
   "Type": "AWS::SageMaker::NotebookInstance",
   "Properties": {
    "InstanceType": "ml.t3.medium",
    "RoleArn": {"Fn::GetAtt": ["NotebookRoleE1F2A3B4", "Arn"]}
   },
   "Metadata": {
    "aws:cdk:path": "MlStack/ResearchNotebook/Resource",
    "lenslint": {"ignore": [{"id": "SM002", "reason": "research sandbox"}, {"id": "SM003"}]}
   }
  },
  "NotebookRoleE1F2A3B4": {
   "Type": "AWS::IAM::Role",
   "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
   "Metadata": {"aws:cdk:path": "MlStack/NotebookRole/Resource"}
  },
  "CDKMetadata": {
   "Type": "AWS::CDK::Metadata",
   "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA"},
   "Metadata": {"aws:cdk:path": "MlStack/CDKMetadata/Default"}
  }
 },
 "Parameters": {
  "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}
 }
}"#,
    );
    let r = run(dir.path(), Policy::default());
    let k = kept(&r);
    let id = "ResearchNotebookA1B2C3D4";
    assert!(!k.contains(&pair(id, "SM002")));
    assert!(!k.contains(&pair(id, "SM003")));
    assert!(k.contains(&pair(id, "SM004")));
    let sup = r
        .suppressed
        .iter()
        .find(|s| s.finding.rule_id() == "SM002")
        .expect("SM002 suppressed");
    assert_eq!(
        sup.finding.cdk_path(),
        Some("MlStack/ResearchNotebook/Resource")
    );
    // The SM003 entry has no reason: it still suppresses, and LL001 asks for one.
    let ll: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule_id().starts_with("LL"))
        .map(|f| f.rule_id())
        .collect();
    assert_eq!(ll, ["LL001"]);
}

const TF_NOTEBOOK: &str = "  name          = \"nb\"
  role_arn      = \"arn:aws:iam::123456789012:role/nb\"
  instance_type = \"ml.t3.medium\"
";

#[test]
fn hcl_comments() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        &format!(
            "resource \"aws_sagemaker_notebook_instance\" \"plain\" {{
{TF_NOTEBOOK}}}

# lenslint:ignore SM002 sandbox account
resource \"aws_sagemaker_notebook_instance\" \"hash_above\" {{
{TF_NOTEBOOK}}}

// lenslint:ignore SM002 sandbox account
// (a second comment line between the suppression and the block)
resource \"aws_sagemaker_notebook_instance\" \"slash_above\" {{
{TF_NOTEBOOK}}}

resource \"aws_sagemaker_notebook_instance\" \"header\" {{ # lenslint:ignore SM002,SM003 sandbox
{TF_NOTEBOOK}}}

resource \"aws_sagemaker_notebook_instance\" \"property\" {{
{TF_NOTEBOOK}  direct_internet_access = \"Enabled\" // lenslint:ignore SM002 mirror down
  root_access            = \"Enabled\" # lenslint:ignore SM003 image build needs root
}}
"
        ),
    );
    let r = run(dir.path(), Policy::default());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let k = kept(&r);
    let a = |n: &str| format!("aws_sagemaker_notebook_instance.{n}");
    assert!(k.contains(&pair(&a("plain"), "SM002")));
    for n in ["hash_above", "slash_above", "header", "property"] {
        assert!(!k.contains(&pair(&a(n), "SM002")), "{n}: {k:?}");
    }
    assert!(k.contains(&pair(&a("hash_above"), "SM003")));
    assert!(!k.contains(&pair(&a("header"), "SM003")));
    assert!(!k.contains(&pair(&a("property"), "SM003")));
    assert!(k.contains(&pair(&a("property"), "SM004")));
    assert_eq!(r.suppressed.len(), 6);
    assert!(!k.iter().any(|(_, id)| id.starts_with("LL")), "{k:?}");
}

#[test]
fn forbidding_inline_suppressions_restores_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", &yaml_template());
    let allowed = run(dir.path(), Policy::default());
    let forbidden = run(
        dir.path(),
        Policy {
            forbid_inline: true,
            ..Default::default()
        },
    );
    assert!(forbidden.suppressed.is_empty());
    assert!(!forbidden
        .findings
        .iter()
        .any(|f| f.rule_id().starts_with("LL")));
    let lens_rules = |r: &ScanResult| {
        r.findings
            .iter()
            .filter(|f| !f.rule_id().starts_with("LL"))
            .count()
    };
    assert_eq!(
        lens_rules(&forbidden),
        lens_rules(&allowed) + allowed.suppressed.len()
    );
}

#[test]
fn unused_suppressions_of_rules_not_run_are_not_judged() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.yaml",
        &format!(
            "Resources:\n  # lenslint:ignore BR010 the config does not run Bedrock rules\n  Nb:\n{NOTEBOOK}"
        ),
    );
    let mut rules = RuleSet::builtin().unwrap();
    let all: BTreeSet<String> = rules.rules.iter().map(|r| r.doc.id.clone()).collect();
    rules.rules.retain(|r| !r.doc.id.starts_with("BR"));
    let policy = Policy {
        known_rules: Some(std::sync::Arc::new(all)),
        ..Default::default()
    };
    let opts = Options {
        paths: vec![dir.path().to_path_buf()],
        policy: policy.clone(),
        ..Default::default()
    };
    let r = scan(&opts, &rules);
    assert!(!r.findings.iter().any(|f| f.rule_id().starts_with("LL")));
    // With every rule running, the same comment suppresses nothing and is reported.
    let r = run(dir.path(), Policy::default());
    let ll: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule_id().starts_with("LL"))
        .map(|f| f.rule_id())
        .collect();
    assert_eq!(ll, ["LL003"]);
}

fn lenslint() -> Command {
    Command::cargo_bin("lenslint").unwrap()
}

#[test]
fn cli_counts_lists_and_marks_suppressed_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", &yaml_template());
    let out = lenslint()
        .current_dir(dir.path())
        .args(["scan", "--isolated", "--format", "json", "t.yaml"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = doc["summary"]["suppressed"].as_u64().unwrap();
    assert!(n >= 10, "{n}");
    assert!(doc.get("suppressed").is_none());
    let out = lenslint()
        .current_dir(dir.path())
        .args([
            "scan",
            "--isolated",
            "--format",
            "json",
            "--show-suppressed",
            "t.yaml",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = doc["suppressed"].as_array().unwrap();
    assert_eq!(list.len() as u64, n);
    let meta = list
        .iter()
        .find(|s| s["resource"] == "WithMetadata" && s["rule_id"] == "SM002")
        .unwrap();
    assert_eq!(meta["suppression"]["kind"], "metadata");
    assert_eq!(meta["suppression"]["reason"], "sandbox account");
    // Human: listed with --show-suppressed, counted in the summary line.
    let out = lenslint()
        .current_dir(dir.path())
        .args([
            "scan",
            "--isolated",
            "--color",
            "never",
            "--show-suppressed",
            "t.yaml",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\nSuppressed:\n"), "{text}");
    assert!(text.contains(
        "SM002 [high] Notebook instance has direct internet access (Header) - comment at t.yaml:"
    ));
    assert!(text.contains(&format!("; {n} suppressed")), "{text}");
    // SARIF: suppressed results carry `suppressions`, the others none.
    let out = lenslint()
        .current_dir(dir.path())
        .args(["scan", "--isolated", "--format", "sarif", "t.yaml"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let marked: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(marked.len() as u64, n);
    assert_eq!(
        results.len() as u64 - n,
        doc_findings(dir.path()),
        "unsuppressed results are the findings"
    );
    let s = &marked[0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert!(s["justification"].as_str().is_some_and(|j| !j.is_empty()));
}

fn doc_findings(dir: &Path) -> u64 {
    let out = lenslint()
        .current_dir(dir)
        .args(["scan", "--isolated", "--format", "json", "t.yaml"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"].as_array().unwrap().len() as u64
}

#[test]
fn sarif_with_suppressions_is_valid_sarif() {
    let Ok(text) = std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json") else {
        eprintln!("skipped: tests/data/sarif-schema-2.1.0.json is absent");
        return;
    };
    // The official schema's `language` pattern has an unescaped `]` that jsonschema rejects.
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    let good = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#;
    let schema: serde_json::Value = serde_json::from_str(&text.replace(bad, good)).unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", &yaml_template());
    lenslint()
        .current_dir(dir.path())
        .args([
            "scan",
            "--isolated",
            "--write-baseline",
            "base.json",
            "t.yaml",
        ])
        .assert()
        .success();
    // In-template suppressions alone, then the baseline too.
    for (args, kind) in [
        (&["t.yaml"][..], "inSource"),
        (&["--baseline", "base.json", "t.yaml"][..], "external"),
    ] {
        let out = lenslint()
            .current_dir(dir.path())
            .args(["scan", "--isolated", "--format", "sarif"])
            .args(args)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["suppressions"][0]["kind"] == kind));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}
