//! What lenslint takes one file for, by content: the same decisions the scan makes (a
//! CloudFormation template, a CDK cloud assembly manifest, a Terraform plan, a Terraform file or
//! variable file, something else to skip), or why it could not read or parse it. Used by
//! tests that check a whole corpus is classified, and handy when debugging discovery.

use crate::model::{cdk, cfn, plan};
use crate::scan::{parse_document, read_text};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    CloudFormation,
    CdkManifest,
    TerraformPlan,
    Terraform,
    TerraformVars,
    /// YAML or JSON that is not an input lenslint checks (Kubernetes, package.json, ...).
    Other,
    /// The file could not be read (the message says why).
    Unreadable(String),
    /// The file could not be parsed (the message says why and where, as `line:col: ...`).
    Unparsable(String),
}

/// Classifies one file.
pub fn classify(path: &Path) -> Class {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return Class::Unreadable(e.message),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let is_vars = name.ends_with(".tfvars");
    if name.ends_with(".tf") || is_vars {
        let mut errors = Vec::new();
        return match crate::model::terraform::parse_file(0, &text, &mut errors) {
            Some(_) if is_vars => Class::TerraformVars,
            Some(_) => Class::Terraform,
            None => Class::Unparsable(
                errors
                    .first()
                    .map(|e| located(&text, e.error.span.start, &e.error.message))
                    .unwrap_or_default(),
            ),
        };
    }
    let parsed = match parse_document(&text) {
        Ok(p) => p,
        Err(e) => return Class::Unparsable(located(&text, e.span.start, &e.message)),
    };
    if let Some(w) = parsed.warnings.first() {
        return Class::Unparsable(located(&text, w.span.start, &w.message));
    }
    if cdk::is_manifest(&parsed.root) {
        Class::CdkManifest
    } else if plan::is_plan(&parsed.root) {
        Class::TerraformPlan
    } else if cfn::is_template(&parsed.root) {
        Class::CloudFormation
    } else {
        Class::Other
    }
}

fn located(text: &str, offset: u32, message: &str) -> String {
    let index = crate::lines::LineIndex::new(text);
    let lc = index.line_col(text, offset);
    format!("{}:{}: {message}", lc.line, lc.column)
}
