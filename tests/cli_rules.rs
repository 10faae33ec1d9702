//! `lenslint rules` and `lenslint explain` on the real binary: every built-in rule is listed
//! with its lens mappings, and every rule explains itself.

use assert_cmd::Command;
use lenslint::rules::RuleSet;

fn lenslint() -> Command {
    Command::cargo_bin("lenslint").expect("binary builds")
}

#[test]
fn rules_json_lists_every_rule_with_lenses() {
    let rules = RuleSet::builtin().expect("rules load");
    let out = lenslint()
        .args(["rules", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), rules.rules.len());
    for (doc, rule) in listed.iter().zip(&rules.rules) {
        assert_eq!(doc["id"], rule.id());
        for key in ["title", "severity", "pillar", "why", "fix"] {
            assert!(
                doc[key].as_str().is_some_and(|s| !s.is_empty()),
                "{}: {key}",
                rule.id()
            );
        }
        let has_sections = doc.get("cloudformation").is_some() || doc.get("terraform").is_some();
        if has_sections {
            let lenses = doc["lenses"].as_array().expect("lenses");
            assert!(!lenses.is_empty(), "{} has no lens practice", rule.id());
            for l in lenses {
                let lens = l["lens"].as_str().unwrap_or_default();
                assert!(
                    ["machine-learning", "generative-ai", "responsible-ai"].contains(&lens),
                    "{}: unknown lens {lens}",
                    rule.id()
                );
                assert!(
                    l["practice"].as_str().is_some_and(|p| p.contains("-BP")),
                    "{}: practice {l}",
                    rule.id()
                );
            }
        }
    }
}

#[test]
fn explain_works_for_every_rule() {
    let rules = RuleSet::builtin().expect("rules load");
    for rule in &rules.rules {
        let out = lenslint()
            .args(["explain", rule.id()])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with(&format!("{}: {}", rule.id(), rule.doc.title)),
            "{text}"
        );
        assert!(
            text.contains("Why it matters:") && text.contains("How to fix:"),
            "{}",
            rule.id()
        );
    }
    lenslint().args(["explain", "NOPE999"]).assert().code(2);
}

#[test]
fn explain_shows_peer_tool_ids_and_examples() {
    let out = lenslint()
        .args(["explain", "sm002"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("CKV_AWS_122"), "{text}");
    assert!(text.contains("Failing example (cloudformation)"), "{text}");
    assert!(text.contains("Passing example (terraform)"), "{text}");
    assert!(text.contains("MLSEC03-BP02"), "{text}");
}
