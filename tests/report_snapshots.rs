//! Snapshots of every output format on one multi-file fixture set (`fixtures/report/`: a
//! CloudFormation YAML template, a CDK-synthesized JSON template with `aws:cdk:path` metadata,
//! a Terraform module of two files, and a template that does not parse), scanned with the
//! dedicated test rules of `fixtures/report/rules/` so the snapshots do not move when the
//! built-in catalog grows. The elapsed time of the human report is replaced by a placeholder.

use lenslint::report::{self, human::Style, OutputFormat, RenderContext, Summary};
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options, ScanResult};
use std::path::{Path, PathBuf};

fn test_rules() -> RuleSet {
    let mut rules = RuleSet::default();
    rules
        .extend_from_dir(Path::new("fixtures/report/rules"))
        .unwrap_or_else(|e| panic!("test rules: {e:?}"));
    assert_eq!(
        rules.rules.iter().map(|r| r.id()).collect::<Vec<_>>(),
        ["TST001", "TST002", "TST003"]
    );
    rules
}

fn fixture_scan(rules: &RuleSet) -> ScanResult {
    scan(
        &Options {
            paths: vec![PathBuf::from("fixtures/report")],
            ..Default::default()
        },
        rules,
    )
}

struct Render {
    style: Style,
    show_unknown: bool,
    lens_summary: bool,
}

const PLAIN: Render = Render {
    style: Style {
        color: false,
        ascii: false,
    },
    show_unknown: false,
    lens_summary: false,
};

fn render_with(format: OutputFormat, how: &Render) -> String {
    let rules = test_rules();
    let result = fixture_scan(&rules);
    let summary = Summary::of(&result, 0);
    let cx = RenderContext {
        result: &result,
        rules: &rules,
        summary: &summary,
        style: how.style,
        elapsed: std::time::Duration::from_micros(1234),
        show_unknown: how.show_unknown,
        lens_summary: how.lens_summary,
        src_root: Some("file:///checkout/".into()),
        show_suppressed: false,
    };
    let text = report::render(format, &cx);
    regex::Regex::new(r"in \d+\.\d ms")
        .unwrap()
        .replace_all(&text, "in [elapsed]")
        .into_owned()
}

fn render(format: OutputFormat) -> String {
    render_with(format, &PLAIN)
}

#[test]
fn fixture_set_has_every_kind_of_input() {
    let rules = test_rules();
    let result = fixture_scan(&rules);
    let files: Vec<&str> = result.findings.iter().map(|f| &*f.file).collect();
    assert!(files.contains(&"fixtures/report/cdk.out/MlStack.template.json"));
    assert!(files.contains(&"fixtures/report/cloudformation/inference.yaml"));
    assert!(files.contains(&"fixtures/report/terraform/ml/main.tf"));
    assert!(result
        .findings
        .iter()
        .any(|f| f.cdk_path() == Some("MlStack/Research/Notebook")));
    // TST002 follows the endpoint config's key reference: a related location at the key.
    assert!(result
        .findings
        .iter()
        .any(|f| f.rule_id() == "TST002" && f.related.iter().any(|r| r.file.ends_with("kms.tf"))));
    assert_eq!(result.errors.len(), 1, "{:?}", result.errors);
    // Every outcome is represented: pass, fail and unknown (a parameter without a default).
    use lenslint::engine::Verdict;
    for v in [Verdict::Pass, Verdict::Fail, Verdict::Unknown] {
        assert!(
            result.evaluations.iter().any(|e| e.outcome == v),
            "no {v:?} evaluation"
        );
    }
    // Each failing evaluation names the findings it produced.
    for e in result
        .evaluations
        .iter()
        .filter(|e| e.outcome == Verdict::Fail)
    {
        assert!(!e.fingerprints.is_empty(), "{e:?}");
        for fp in &e.fingerprints {
            assert!(result
                .findings
                .iter()
                .any(|f| &f.fingerprint == fp && f.rule_id() == e.rule_id));
        }
    }
}

#[test]
fn human_snapshot() {
    insta::assert_snapshot!("human", render(OutputFormat::Human));
}

#[test]
fn human_ascii_with_lens_summary_snapshot() {
    let text = render_with(
        OutputFormat::Human,
        &Render {
            style: Style {
                color: false,
                ascii: true,
            },
            show_unknown: true,
            lens_summary: true,
        },
    );
    assert!(
        !text.chars().any(|c| ('\u{2500}'..='\u{257f}').contains(&c)),
        "box-drawing characters in ASCII output"
    );
    insta::assert_snapshot!("human_ascii_lens_summary", text);
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", render(OutputFormat::Json));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", render(OutputFormat::Sarif));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", render(OutputFormat::Junit));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!("github", render(OutputFormat::Github));
}

#[test]
fn lens_snapshot() {
    insta::assert_snapshot!("lens", render(OutputFormat::Lens));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let formats = [
        OutputFormat::Human,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Junit,
        OutputFormat::Github,
        OutputFormat::Lens,
    ];
    let run = |threads: usize| -> Vec<String> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| formats.iter().map(|f| render(*f)).collect())
    };
    assert_eq!(run(1), run(4));
}
