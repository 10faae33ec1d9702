//! Embeds every rule file under `rules/` into the binary, so lenslint needs no files at run
//! time. The generated list is sorted by path, so the binary is reproducible.
//!
//! Each file is also stored as JSON (build/yaml_json.rs), which start-up deserializes much
//! faster than the YAML, less two parts that are split off (`rules::EmbeddedRule`):
//! - the conditions (`cloudformation.check`, `terraform.check`), as JSON texts of their own
//!   (`null` in the rule's JSON): start-up then builds no condition tree, and a scan parses
//!   only those of the rules it evaluates (`rules::Check`);
//! - the documentation (`why`, `fix`, `notes`, `docs`, `examples`: most of a rule file), as
//!   Rust string literals (empty in the rule's JSON), which load as a copy instead of
//!   through the JSON string parser. A field of another shape than the rule format's stays
//!   in the JSON, for the loader to report.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "build/yaml_json.rs"]
mod yaml_json;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Writes `text` to `OUT_DIR/name` and returns the `include_str!` that embeds it.
fn embed(out_dir: &Path, name: &str, text: &str) -> Option<String> {
    let p = out_dir.join(name);
    std::fs::write(&p, text).ok()?;
    Some(format!("include_str!({:?})", p.display().to_string()))
}

fn option(code: Option<String>) -> String {
    match code {
        Some(c) => format!("Some({c})"),
        None => "None".to_string(),
    }
}

/// The rule's JSON with its conditions set to `null`, and the conditions' JSON texts
/// (CloudFormation, Terraform), embedded.
fn split_json(
    out_dir: &Path,
    i: usize,
    mut rule: serde_json::Value,
) -> Option<(String, [Option<String>; 2], String)> {
    let text = split_text(&mut rule);
    let mut checks = [None, None];
    if let serde_json::Value::Object(map) = &mut rule {
        for (slot, (format, short)) in [("cloudformation", "cfn"), ("terraform", "tf")]
            .into_iter()
            .enumerate()
        {
            let Some(serde_json::Value::Object(spec)) = map.get_mut(format) else {
                continue;
            };
            let Some(check) = spec.get_mut("check") else {
                continue;
            };
            let text = serde_json::to_string(&std::mem::take(check)).ok()?;
            checks[slot] = Some(embed(out_dir, &format!("rule-{i}-{short}.json"), &text)?);
        }
    }
    let json = serde_json::to_string(&rule).ok()?;
    Some((
        embed(out_dir, &format!("rule-{i}.json"), &json)?,
        checks,
        text,
    ))
}

/// A Rust string literal of `s`.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Takes the documentation fields out of the rule's JSON (leaving each empty) and returns
/// the `EmbeddedRule` fields that hold them.
fn split_text(rule: &mut serde_json::Value) -> String {
    use serde_json::Value;
    let Value::Object(map) = rule else {
        return "why: None, fix: None, notes: None, docs: None, examples: None".to_string();
    };
    let mut text = |key: &str| match map.get_mut(key) {
        Some(Value::String(s)) => format!("Some({})", lit(&std::mem::take(s))),
        _ => "None".to_string(),
    };
    let (why, fix, notes) = (text("why"), text("fix"), text("notes"));
    let docs = match map.get_mut("docs") {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            let items: Vec<String> = std::mem::take(items)
                .iter()
                .map(|d| lit(d.as_str().unwrap_or_default()))
                .collect();
            format!("Some(&[{}])", items.join(", "))
        }
        _ => "None".to_string(),
    };
    // `{format: {fail, pass}}`, both optional strings.
    let example_shape = |v: &Value| {
        v.as_object().is_some_and(|e| {
            e.iter()
                .all(|(k, v)| (k == "fail" || k == "pass") && v.is_string())
        })
    };
    let examples = match map.get_mut("examples") {
        Some(Value::Object(ex)) if ex.values().all(example_shape) => {
            let items: Vec<String> = std::mem::take(ex)
                .iter()
                .map(|(format, e)| {
                    let part = |k: &str| lit(e.get(k).and_then(Value::as_str).unwrap_or_default());
                    format!("({}, {}, {})", lit(format), part("fail"), part("pass"))
                })
                .collect();
            format!("Some(&[{}])", items.join(", "))
        }
        _ => "None".to_string(),
    };
    format!("why: {why}, fix: {fix}, notes: {notes}, docs: {docs}, examples: {examples}")
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build/yaml_json.rs");
    let mut code = String::from("pub static EMBEDDED_RULES: &[EmbeddedRule] = &[\n");
    for (i, f) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let split = std::fs::read_to_string(f)
            .ok()
            .and_then(|t| yaml_json::convert(&t))
            .and_then(|v| split_json(&out_dir, i, v));
        let (json, [cfn, tf], text) = match split {
            Some((json, checks, text)) => (Some(json), checks, text),
            None => (None, [None, None], split_text(&mut serde_json::Value::Null)),
        };
        let _ = writeln!(
            code,
            "    EmbeddedRule {{ path: {rel:?}, yaml: include_str!({:?}), json: {}, \
             checks: [{}, {}], {text} }},",
            f.display().to_string(),
            option(json),
            option(cfn),
            option(tf),
        );
    }
    code.push_str("];\n");
    let out = out_dir.join("embedded_rules.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
