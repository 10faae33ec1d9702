//! A condition-heavy template (issue 5): parameters without defaults restricted by
//! `AllowedValues`, 40 (and 80) conditions built from nested `Fn::And`/`Fn::Or`/`Fn::Not`/
//! `Fn::Equals`, and notebooks and endpoint configs whose properties are nested `Fn::If`s,
//! so the engine explores the open choices. Target: under 100 ms for 40 conditions.
//!
//! cargo bench --bench conditions

use divan::{black_box, Bencher};
use lenslint::engine::evaluate_unit;
use lenslint::model::cfn;
use lenslint::rules::RuleSet;
use std::path::PathBuf;

fn main() {
    divan::main();
}

#[divan::bench(args = [40, 80], sample_count = 20)]
fn parse_load_evaluate(b: Bencher, conditions: usize) {
    let rules = RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let text = lenslint::synthetic::condition_heavy_template(conditions);
    b.bench(|| {
        let parsed = lenslint::parse::parse_yaml(&text).unwrap_or_else(|e| panic!("{}", e.message));
        let unit = cfn::load(
            PathBuf::from("conditions.yaml"),
            text.clone(),
            &parsed.root,
            parsed.warnings,
        );
        black_box(evaluate_unit(&unit, &rules).0.len())
    });
}
