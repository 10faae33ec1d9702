//! The generated documentation is never stale: docs/rules.md and the README's coverage table
//! must equal what the rule files generate. Run with `LENSLINT_BLESS=1` to rewrite them.

use lenslint::docs::{coverage_markdown, rules_markdown};
use lenslint::rules::RuleSet;
use std::path::Path;

const START: &str = "<!-- coverage:start -->\n";
const END: &str = "<!-- coverage:end -->";

fn bless() -> bool {
    std::env::var_os("LENSLINT_BLESS").is_some()
}

#[test]
fn rules_reference_is_current() {
    let rules = RuleSet::builtin().expect("rules load");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = rules_markdown(&rules);
    if bless() {
        std::fs::write(&path, &want).expect("write docs/rules.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md` (or LENSLINT_BLESS=1 cargo test --test docs)");
}

#[test]
fn readme_coverage_table_is_current() {
    let rules = RuleSet::builtin().expect("rules load");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(s), Some(e)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the {START:?} / {END:?} markers");
    };
    let want = coverage_markdown(&rules);
    let have = &readme[s + START.len()..e];
    if have != want && bless() {
        let new = format!("{}{START}{want}{}", &readme[..s], &readme[e..]);
        std::fs::write(&path, new).expect("write README.md");
        return;
    }
    assert!(
        have == want,
        "README.md coverage table is stale: run LENSLINT_BLESS=1 cargo test --test docs"
    );
}
