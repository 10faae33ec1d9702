//! Parse-only and parse + evaluate-all-rules throughput per format (CloudFormation YAML,
//! CloudFormation/CDK JSON, Terraform HCL), over the templates of the generated monorepo
//! (`LENSLINT_BENCH_FILES`, default 1,000 files). divan prints bytes/s next to each time.
//!
//! cargo bench --bench parse

mod common;

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use lenslint::engine::evaluate_unit;
use lenslint::model::{cfn, terraform};
use lenslint::rules::RuleSet;
use std::sync::LazyLock;

static TREE: LazyLock<common::Tree> = LazyLock::new(common::tree);
static RULES: LazyLock<RuleSet> =
    LazyLock::new(|| RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n"))));

fn main() {
    divan::main();
}

fn tf_bytes() -> usize {
    TREE.modules.iter().map(|m| common::bytes(m)).sum()
}

#[divan::bench(sample_count = 20)]
fn parse_yaml(b: Bencher) {
    b.counter(BytesCount::new(common::bytes(&TREE.yaml)))
        .bench(|| {
            for (_, t) in &TREE.yaml {
                black_box(lenslint::parse::parse_yaml(t).is_ok());
            }
        });
}

/// The same files through saphyr-parser alone (what the fast YAML path is compared with).
#[divan::bench(sample_count = 20)]
fn parse_yaml_saphyr(b: Bencher) {
    b.counter(BytesCount::new(common::bytes(&TREE.yaml)))
        .bench(|| {
            for (_, t) in &TREE.yaml {
                black_box(lenslint::parse::yaml::parse_yaml_saphyr(t).is_ok());
            }
        });
}

#[divan::bench(sample_count = 20)]
fn parse_json(b: Bencher) {
    b.counter(BytesCount::new(common::bytes(&TREE.json)))
        .bench(|| {
            for (_, t) in &TREE.json {
                black_box(lenslint::parse::parse_json(t).is_ok());
            }
        });
}

#[divan::bench(sample_count = 20)]
fn parse_hcl(b: Bencher) {
    b.counter(BytesCount::new(tf_bytes())).bench(|| {
        for m in &TREE.modules {
            for (_, t) in m {
                black_box(lenslint::parse_only::parse_hcl(t));
            }
        }
    });
}

fn evaluate_cfn(files: &[(std::path::PathBuf, String)]) -> usize {
    let mut findings = 0;
    for (p, t) in files {
        if let Ok(parsed) = lenslint::scan::parse_document(t) {
            let unit = cfn::load(p.clone(), t.clone(), &parsed.root, parsed.warnings);
            findings += evaluate_unit(&unit, &RULES).0.len();
        }
    }
    findings
}

#[divan::bench(sample_count = 20)]
fn evaluate_yaml(b: Bencher) {
    LazyLock::force(&RULES);
    b.counter(BytesCount::new(common::bytes(&TREE.yaml)))
        .bench(|| black_box(evaluate_cfn(&TREE.yaml)));
}

#[divan::bench(sample_count = 20)]
fn evaluate_json(b: Bencher) {
    LazyLock::force(&RULES);
    b.counter(BytesCount::new(common::bytes(&TREE.json)))
        .bench(|| black_box(evaluate_cfn(&TREE.json)));
}

#[divan::bench(sample_count = 20)]
fn evaluate_hcl(b: Bencher) {
    LazyLock::force(&RULES);
    b.counter(BytesCount::new(tf_bytes())).bench(|| {
        let mut findings = 0;
        for m in &TREE.modules {
            let unit = terraform::load_module(m.clone(), Vec::new(), &[]);
            findings += evaluate_unit(&unit, &RULES).0.len();
        }
        black_box(findings)
    });
}
