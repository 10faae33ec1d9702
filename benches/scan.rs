//! A whole scan (discover, read, parse, model, evaluate, filter, sort) of the generated
//! monorepo (`LENSLINT_BENCH_FILES`, default 1,000 files; the README's table uses 10,000 and
//! 100,000 through `benches/compare-peers.sh`), on rayon's default pool and on one thread;
//! and start-up: loading the built-in rules, and a one-template scan with them.
//!
//! cargo bench --bench scan

mod common;

use divan::counter::{BytesCount, ItemsCount};
use divan::{black_box, Bencher};
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options};
use std::sync::LazyLock;

static TREE: LazyLock<common::Tree> = LazyLock::new(common::tree);

fn main() {
    divan::main();
}

fn tree_bytes() -> usize {
    common::bytes(&TREE.yaml)
        + common::bytes(&TREE.json)
        + TREE.modules.iter().map(|m| common::bytes(m)).sum::<usize>()
}

fn whole_scan(b: Bencher, threads: usize) {
    let rules = RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let opts = Options {
        paths: vec![TREE.dir.clone()],
        ..Default::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    b.counter(ItemsCount::new(common::files()))
        .counter(BytesCount::new(tree_bytes()))
        .bench(|| pool.install(|| black_box(scan(&opts, &rules).findings.len())));
}

/// All cores (2 on the reference machine).
#[divan::bench(sample_count = 5)]
fn scan_tree(b: Bencher) {
    whole_scan(b, rayon::current_num_threads());
}

#[divan::bench(sample_count = 5)]
fn scan_tree_one_thread(b: Bencher) {
    whole_scan(b, 1);
}

#[divan::bench(sample_count = 50)]
fn load_builtin_rules() -> usize {
    RuleSet::builtin().map(|r| r.rules.len()).unwrap_or(0)
}

/// A one-template scan (what pre-commit runs on each commit) less the process start: load
/// the built-in rules, then scan examples/cloudformation/inference-stack.yaml, which compiles
/// the conditions of the rules its resources meet (afresh each time, with the rules; regex
/// syntax is checked once per process).
#[divan::bench(sample_count = 100)]
fn one_template_scan() -> usize {
    let rules = RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let opts = Options {
        paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/cloudformation/inference-stack.yaml")],
        ..Default::default()
    };
    let found = scan(&opts, &rules).findings.len();
    assert!(found > 0, "the example has findings");
    found
}
