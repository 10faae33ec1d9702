//! The JSON loader on arbitrary text, then whatever the document is modelled as: a
//! CloudFormation template, a Terraform plan, or a CDK cloud assembly manifest.
#![no_main]

use lenslint::model::{cdk, cfn, plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match lenslint::parse::parse_json(text) {
        Ok(parsed) => {
            let root = &parsed.root;
            if plan::is_plan(root) {
                let _ = plan::load(
                    "plan.json".as_ref(),
                    text.to_string(),
                    root,
                    parsed.warnings,
                    &[],
                );
            } else if cdk::is_manifest(root) {
                // Reads nothing: the artifacts it names do not exist in the fuzzer's folder.
                let _ = cdk::load_assembly(
                    "/nonexistent/manifest.json".as_ref(),
                    text.to_string(),
                    root,
                );
            } else if cfn::is_template(root) {
                let _ = cfn::load("t.json".into(), text.to_string(), root, parsed.warnings);
            }
        }
        Err(e) => {
            assert!(e.span.end as usize <= text.len() && !e.message.contains("internal error"))
        }
    }
});
