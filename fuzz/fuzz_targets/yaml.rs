//! The YAML loader on arbitrary text: never panics, spans stay inside the text, and a
//! document that loads is modelled as CloudFormation without panicking either.
#![no_main]

use lenslint::tree::{Node, Span};
use libfuzzer_sys::fuzz_target;

fn check(node: &Node, len: usize) {
    let ok = |s: Span| s.start <= s.end && s.end as usize <= len;
    node.walk(&mut |n| {
        assert!(ok(n.span), "node span {:?} outside {len}", n.span);
        if let Some(entries) = n.as_map() {
            for (k, _) in entries {
                assert!(ok(k.span), "key span {:?} outside {len}", k.span);
            }
        }
        true
    });
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match lenslint::parse::parse_yaml(text) {
        Ok(parsed) => {
            check(&parsed.root, text.len());
            if lenslint::model::cfn::is_template(&parsed.root) {
                let _ = lenslint::model::cfn::load(
                    "t.yaml".into(),
                    text.to_string(),
                    &parsed.root,
                    parsed.warnings,
                );
            }
        }
        Err(e) => {
            assert!(e.span.end as usize <= text.len() && !e.message.contains("internal error"))
        }
    }
});
