//! CloudFormation value resolution, end to end: the same violation written through every way
//! a template decides a value is found at its line (fixtures/resolve/cloudformation/
//! decided.yaml); values the template does not decide stay silent unless every choice
//! violates the rule (undecided.yaml). Expected lines are the `# expect:` markers.

mod common;

use common::expectations;
use lenslint::rules::RuleSet;
use lenslint::scan::{scan, Options};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn every_way_of_deciding_a_value_is_resolved() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/resolve/cloudformation");
    let rules = RuleSet::builtin().expect("rules load");
    let expected = expectations(&dir);
    assert!(!expected.is_empty(), "no expectations found");
    let result = scan(
        &Options {
            paths: vec![dir.clone()],
            ..Default::default()
        },
        &rules,
    );
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let mut actual: BTreeMap<String, BTreeSet<(u32, String)>> = BTreeMap::new();
    for f in result.findings.iter().filter(|f| f.rule_id() == "SM002") {
        actual
            .entry(f.file.to_string())
            .or_default()
            .insert((f.line, f.rule_id().to_string()));
    }
    for (file, want) in &expected {
        let have = actual.get(file).cloned().unwrap_or_default();
        assert_eq!(&have, want, "{file}");
    }
    // The finding that holds under every choice names the choice.
    let named = result
        .findings
        .iter()
        .find(|f| f.rule_id() == "SM002" && f.resource() == "EveryBranchFails")
        .expect("EveryBranchFails is reported");
    assert!(
        named
            .message()
            .contains("whichever way condition InHomeRegion goes"),
        "{}",
        named.message()
    );
}
