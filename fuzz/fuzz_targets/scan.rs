//! The whole pipeline (discover, read, parse, model, evaluate with the built-in rules) on one
//! arbitrary file, written under a name chosen by the first input byte: a YAML or JSON
//! template, a Terraform file, a plan, or a CDK assembly manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static RULES: OnceLock<lenslint::rules::RuleSet> = OnceLock::new();
static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();

const NAMES: [&str; 5] = [
    "t.yaml",
    "t.json",
    "main.tf",
    "plan.json",
    "cdk.out/manifest.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let rules =
        RULES.get_or_init(|| lenslint::rules::RuleSet::builtin().expect("built-in rules load"));
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("lenslint-fuzz-scan-{}", std::process::id()));
        std::fs::create_dir_all(d.join("cdk.out")).expect("temp dir");
        d
    });
    for name in NAMES {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let path = dir.join(NAMES[first as usize % NAMES.len()]);
    std::fs::write(&path, rest).expect("write input");
    let opts = lenslint::scan::Options {
        paths: vec![dir.clone()],
        ..Default::default()
    };
    let result = lenslint::scan::scan(&opts, rules);
    for f in &result.findings {
        assert!(f.line >= 1 && f.column >= 1);
    }
});
