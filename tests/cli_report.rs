//! The reporting side of `lenslint scan`, through the real binary: several `--format` /
//! `--output` pairs in one run, `--severity` and `--fail-on` with their exit codes, colour and
//! ASCII switches, `--lens-summary`, `--format lens`, and the progress line (never in piped
//! output; on a terminal when the scan runs long enough).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const FIXTURE: &str = "fixtures/report/cloudformation/inference.yaml";

fn lenslint() -> Command {
    let mut c = Command::cargo_bin("lenslint").unwrap();
    c.env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("TERM");
    c
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json_scan(extra: &[&str]) -> (Option<i32>, Value) {
    let out = lenslint()
        .args([
            "scan",
            "--format",
            "json",
            "--rules",
            "fixtures/report/rules",
            FIXTURE,
        ])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn rank(s: &str) -> u8 {
    ["info", "low", "medium", "high", "critical"]
        .iter()
        .position(|x| *x == s)
        .unwrap() as u8
}

#[test]
fn several_formats_in_one_run() {
    let dir = tmpdir("several_formats");
    let sarif = dir.join("out.sarif");
    let junit = dir.join("out.xml");
    let lens = dir.join("scorecard.md");
    let out = lenslint()
        .args([
            "scan",
            "--rules",
            "fixtures/report/rules",
            "fixtures/report",
        ])
        .args(["--format", "sarif", "--output"])
        .arg(&sarif)
        .args(["--format", "junit", "-o"])
        .arg(&junit)
        .args(["--format", "lens", "--output"])
        .arg(&lens)
        .args(["--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "broken.yaml does not parse");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("::error file="), "{stdout}");
    assert!(stdout.contains("title=TST001 [high]"), "{stdout}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"<testsuite name="fixtures/report/terraform/ml/main.tf""#));
    assert!(xml.contains(r#"<testcase name="TST001: Notebook instance has direct internet access" classname="aws_sagemaker_notebook_instance.lab""#));
    let md = std::fs::read_to_string(&lens).unwrap();
    assert!(
        md.starts_with("## lenslint: Well-Architected lens scorecard"),
        "{md}"
    );
}

#[test]
fn an_output_without_a_format_takes_its_extensions() {
    let dir = tmpdir("by_extension");
    let sarif = dir.join("report.sarif");
    let out = lenslint()
        .args([
            "scan",
            "--rules",
            "fixtures/report/rules",
            FIXTURE,
            "--output",
        ])
        .arg(&sarif)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
}

#[test]
fn at_most_one_format_on_stdout() {
    let out = lenslint()
        .args(["scan", "--format", "json", "--format", "sarif", FIXTURE])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("only one --format can go to standard output"),
        "{err}"
    );
}

#[test]
fn severity_hides_and_fail_on_decides_the_exit_code() {
    let (code, all) = json_scan(&[]);
    assert_eq!(code, Some(1));
    let all = all["findings"].as_array().unwrap().clone();
    assert!(all.iter().any(|f| f["severity"] == "low"));
    assert!(all.iter().any(|f| f["severity"] == "high"));
    for min in ["info", "low", "medium", "high", "critical"] {
        // --severity: only findings at or above it are reported (trivy/checkov behaviour);
        // the option is case-insensitive like theirs.
        let (_, shown) = json_scan(&["--severity", &min.to_uppercase()]);
        let shown = shown["findings"].as_array().unwrap();
        let expected = all
            .iter()
            .filter(|f| rank(f["severity"].as_str().unwrap()) >= rank(min))
            .count();
        assert_eq!(shown.len(), expected, "--severity {min}");
        // --fail-on: exit 1 exactly when a reported finding is at or above it.
        let (code, shown) = json_scan(&["--fail-on", min]);
        let fails = shown["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| rank(f["severity"].as_str().unwrap()) >= rank(min));
        assert_eq!(code, Some(if fails { 1 } else { 0 }), "--fail-on {min}");
    }
    // What --severity hides cannot fail the run.
    let (code, shown) = json_scan(&["--severity", "critical", "--fail-on", "low"]);
    let any_critical = !shown["findings"].as_array().unwrap().is_empty();
    assert_eq!(code, Some(if any_critical { 1 } else { 0 }));
}

#[test]
fn junit_counts_follow_severity() {
    let out = lenslint()
        .args(["scan", "--format", "junit", "--severity", "high"])
        .args(["--rules", "fixtures/report/rules", FIXTURE])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.contains("TST001: Notebook instance"), "{xml}");
    // TST003 is low: below --severity high, so it is not a test case either.
    assert!(!xml.contains("TST003"), "{xml}");
}

#[test]
fn colour_and_ascii_switches() {
    let run = |envs: &[(&str, &str)], args: &[&str]| -> String {
        let mut c = lenslint();
        c.args(["scan", "--rules", "fixtures/report/rules", FIXTURE])
            .args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let piped = run(&[], &[]);
    assert!(!piped.contains('\x1b'), "no colour when piped");
    assert!(
        piped.contains('│') || piped.contains('╭'),
        "unicode by default"
    );
    assert!(run(&[("FORCE_COLOR", "1")], &[]).contains("\x1b["));
    assert!(!run(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &[]).contains('\x1b'));
    let boxy = |s: &str| s.chars().any(|c| ('\u{2500}'..='\u{257f}').contains(&c));
    assert!(!boxy(&run(&[("TERM", "dumb")], &[])));
    assert!(!boxy(&run(&[], &["--ascii"])));
}

#[test]
fn human_groups_by_file_and_adds_the_lens_summary() {
    let out = lenslint()
        .args(["scan", "--ascii", "--lens-summary"])
        .args(["--rules", "fixtures/report/rules", "fixtures/report"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let cdk = text
        .find("fixtures/report/cdk.out/MlStack.template.json (")
        .unwrap();
    let cfn = text
        .find("fixtures/report/cloudformation/inference.yaml (")
        .unwrap();
    let tf = text.find("fixtures/report/terraform/ml/main.tf (").unwrap();
    assert!(cdk < cfn && cfn < tf);
    assert!(text.contains("CDK construct: MlStack/Research/Notebook"));
    let lens = text.find("Well-Architected lens summary").unwrap();
    let summary = text.rfind("lenslint: ").unwrap();
    assert!(lens < summary, "the summary line comes last");
    assert!(text.contains("Machine Learning Lens"));
}

#[test]
fn lens_format_prints_a_markdown_scorecard() {
    let out = lenslint()
        .args(["scan", "--format", "lens", "examples/"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("## lenslint: Well-Architected lens scorecard\n"));
    assert!(md.contains("### Machine Learning Lens"));
    assert!(md.contains("| :-: | --- | --- | --- | --: | --: | --: |"));
    assert!(md.contains("<details><summary>Findings behind"));
}

#[test]
fn no_progress_in_piped_output() {
    let out = lenslint()
        .env("LENSLINT_PROGRESS_AFTER_MS", "0")
        .args(["scan", "--format", "json", "examples/"])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("lenslint: scanned"));
}

/// Runs the binary with stdin/stdout/stderr on a pseudo-terminal through util-linux `script`.
fn on_terminal(envs: &[(&str, &str)]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let bin = assert_cmd::cargo::cargo_bin("lenslint");
    let cmd = format!(
        "{} scan --format json -o /dev/null examples/",
        bin.display()
    );
    let mut c = std::process::Command::new(script);
    c.args(["-qec", &cmd, "/dev/null"])
        .env_remove("CI")
        .stdin(std::process::Stdio::null());
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_on_a_terminal_outside_ci() {
    let Some(tty) = on_terminal(&[("LENSLINT_PROGRESS_AFTER_MS", "0")]) else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert!(tty.contains("lenslint: "), "{tty:?}");
    assert!(tty.contains(" files"), "{tty:?}");
    // Nothing before the delay has passed; nothing in CI.
    let quick = on_terminal(&[("LENSLINT_PROGRESS_AFTER_MS", "600000")]).unwrap_or_default();
    assert!(!quick.contains("lenslint: "), "{quick:?}");
    let ci =
        on_terminal(&[("LENSLINT_PROGRESS_AFTER_MS", "0"), ("CI", "true")]).unwrap_or_default();
    assert!(!ci.contains("lenslint: "), "{ci:?}");
}
