//! Input formats beyond plain templates, through the real binary: CDK cloud assemblies read
//! through their manifest (stages, nested stacks, construct paths, a gitignored `cdk.out`,
//! an app that was not synthesized), Terraform plans in JSON (pointing at the `.tf` source
//! when it is scanned, into the plan otherwise), and SAM / macro templates.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn lenslint() -> Command {
    let mut c = Command::cargo_bin("lenslint").unwrap();
    c.env_remove("NO_COLOR").env_remove("FORCE_COLOR");
    c
}

/// `lenslint scan --format json PATHS` → (exit code, report).
fn scan(paths: &[&Path]) -> (Option<i32>, Value) {
    let out = lenslint()
        .args(["scan", "--format", "json"])
        .args(paths)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), json)
}

/// (rule, file name relative to `base`, line, column, resource, cdk_path) of each finding.
fn findings(json: &Value, base: &Path, rule: &str) -> Vec<(String, u64, u64, String, Value)> {
    let base = base.to_string_lossy().replace('\\', "/");
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let rel = file.strip_prefix(&format!("{base}/")).unwrap_or(file);
            (
                rel.to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["resource"].as_str().unwrap().to_string(),
                f["cdk_path"].clone(),
            )
        })
        .collect()
}

fn no_errors(json: &Value) {
    assert_eq!(json["errors"].as_array().unwrap().len(), 0, "{json:#}");
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("lenslint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// SM002 findings expected in `fixtures/cdk/app/cdk.out`: every stack of the manifest, the
/// stage assembly and the nested stack, each once; not the stale template.
fn expected_cdk(prefix: &str) -> Vec<(String, u64, u64, String, Value)> {
    let row = |file: &str, line, column, resource: &str, path: &str| {
        (
            format!("{prefix}{file}"),
            line,
            column,
            resource.to_string(),
            Value::from(path),
        )
    };
    vec![
        row(
            "MlStack.template.json",
            8,
            9,
            "Notebook",
            "MlStack/Notebook/Resource",
        ),
        // No aws:cdk:path metadata: the construct path comes from the manifest.
        row(
            "MlStack.template.json",
            12,
            5,
            "Tagged",
            "MlStack/TaggedNotebook/Resource",
        ),
        row(
            "MlStackInference1234ABCD.nested.template.json",
            8,
            9,
            "InferenceNotebook",
            "MlStack/Inference/InferenceNotebook/Resource",
        ),
        row(
            "assembly-Prod/ProdMlStack.template.json",
            8,
            9,
            "ProdNotebook",
            "Prod/MlStack/Notebook/Resource",
        ),
    ]
}

#[test]
fn cdk_assembly_is_read_through_its_manifest() {
    let out = Path::new("fixtures/cdk/app/cdk.out");
    let (code, json) = scan(&[out]);
    assert_eq!(code, Some(1));
    no_errors(&json);
    assert_eq!(findings(&json, out, "SM002"), expected_cdk(""));
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!files.iter().any(|f| f.contains("Stale")), "{files:?}");
    // The manifest passed on its own is the same scan.
    let (_, by_manifest) = scan(&[&out.join("manifest.json")]);
    assert_eq!(findings(&by_manifest, out, "SM002"), expected_cdk(""));
}

#[test]
fn gitignored_cdk_out_is_found_from_the_app_folder() {
    let tmp = TempDir::new("cdk-app");
    let app = tmp.0.join("app");
    copy_tree(Path::new("fixtures/cdk/app"), &app);
    std::fs::write(app.join(".gitignore"), "cdk.out\nnode_modules\n").unwrap();
    let (code, json) = scan(&[&app]);
    assert_eq!(code, Some(1));
    no_errors(&json);
    assert_eq!(findings(&json, &app, "SM002"), expected_cdk("cdk.out/"));
    // Run from inside the app folder, as `lenslint scan` with no argument.
    let out = lenslint()
        .current_dir(&app)
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&json, Path::new(""), "SM002"),
        expected_cdk("cdk.out/")
    );
}

#[test]
fn cdk_construct_path_is_in_both_reports() {
    let out = lenslint()
        .args(["scan", "--color", "never", "fixtures/cdk/app/cdk.out"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CDK construct: Prod/MlStack/Notebook/Resource"),
        "{text}"
    );
    assert!(text.contains("CDK construct: MlStack/Inference/InferenceNotebook/Resource"));
}

#[test]
fn unsynthesized_cdk_app_gets_a_hint() {
    let out = lenslint()
        .args(["scan", "fixtures/cdk/unsynthesized"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let hints: Vec<&str> = stderr.lines().filter(|l| l.contains("cdk synth")).collect();
    assert_eq!(hints.len(), 1, "{stderr}");
    assert!(
        hints[0].contains("fixtures/cdk/unsynthesized/cdk.json"),
        "{stderr}"
    );
}

#[test]
fn plan_findings_point_at_the_tf_source_when_it_is_scanned() {
    let dir = Path::new("fixtures/plan/with-tf");
    let (code, json) = scan(&[dir]);
    assert_eq!(code, Some(1));
    no_errors(&json);
    // Only the plan decides `direct_internet_access` (a variable without default in the .tf);
    // the finding points at the attribute in main.tf.
    let sm002 = findings(&json, dir, "SM002");
    let main = ("main.tf".to_string(), 16, 3);
    assert!(
        sm002
            .iter()
            .any(|f| (f.0.clone(), f.1, f.2) == main
                && f.3 == "aws_sagemaker_notebook_instance.main"),
        "{sm002:?}"
    );
    // The child module's notebook points at its block in the module's folder.
    assert!(sm002.iter().any(|f| f.0 == "modules/ml/main.tf"
        && (f.1, f.2) == (1, 1)
        && f.3 == "module.ml.aws_sagemaker_notebook_instance.nb"));
    // A nested block's attribute, reported by the plan and the module alike, once.
    let sm005: Vec<_> = findings(&json, dir, "SM005")
        .into_iter()
        .filter(|f| f.0 == "main.tf")
        .collect();
    assert_eq!(sm005.len(), 1, "{sm005:?}");
    assert_eq!((sm005[0].1, sm005[0].2), (20, 5));
    // kms_key_id is known only after apply and refers to aws_kms_key.k: not a missing key.
    let sm001 = findings(&json, dir, "SM001");
    assert!(!sm001.iter().any(|f| f.0 == "main.tf"), "{sm001:?}");
    // No finding points into the plan file when its sources are scanned.
    assert!(!json.to_string().contains("with-tf/plan.json"));
}

#[test]
fn plan_without_sources_points_into_the_plan() {
    let dir = Path::new("fixtures/plan/plan-only");
    let (code, json) = scan(&[dir]);
    assert_eq!(code, Some(1));
    no_errors(&json);
    let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    let line_of = |needle: &str, after: usize| {
        let at = after + plan[after..].find(needle).unwrap();
        plan[..at].matches('\n').count() as u64 + 1
    };
    let main_at = plan
        .find("\"address\": \"aws_sagemaker_notebook_instance.main\"")
        .unwrap();
    let key_line = line_of("\"direct_internet_access\": \"Enabled\"", main_at);
    let nb_line = line_of(
        "\"address\": \"module.ml.aws_sagemaker_notebook_instance.nb\"",
        0,
    );
    let sm002 = findings(&json, dir, "SM002");
    assert!(sm002.iter().any(|f| f.0 == "plan.json"
        && f.1 == key_line
        && f.3 == "aws_sagemaker_notebook_instance.main"));
    // `subnet_id` is null in the plan, that is absent: the finding points at the address.
    let sm004 = findings(&json, dir, "SM004");
    assert!(sm004
        .iter()
        .any(|f| f.1 == nb_line && f.3 == "module.ml.aws_sagemaker_notebook_instance.nb"));
    // The same plan named alone (no .tf in the scanned tree) points into the plan too.
    let alone = Path::new("fixtures/plan/with-tf/plan.json");
    let (_, json) = scan(&[alone]);
    let sm002 = findings(&json, Path::new("fixtures/plan/with-tf"), "SM002");
    assert!(sm002.iter().all(|f| f.0 == "plan.json"), "{sm002:?}");
    assert!(sm002.iter().any(|f| f.1 == key_line), "{sm002:?}");
}

#[test]
fn sam_and_macro_templates_are_cloudformation() {
    let dir = Path::new("fixtures/sam");
    let (code, json) = scan(&[dir]);
    assert_eq!(code, Some(1));
    no_errors(&json);
    let sm002: Vec<(String, u64)> = findings(&json, dir, "SM002")
        .into_iter()
        .map(|f| (f.0, f.1))
        .collect();
    assert_eq!(
        sm002,
        [
            ("include.yaml".to_string(), 12),
            ("macros.json".to_string(), 10),
            ("sam-app.yaml".to_string(), 23),
        ]
    );
    // A KMS key from a macro is not known, so it is not reported as missing.
    let sm001: Vec<String> = findings(&json, dir, "SM001")
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(!sm001.contains(&"include.yaml".to_string()), "{sm001:?}");
}
