//! Embeds every rule file under `rules/` into the binary, so lenslint needs no files at run
//! time. The generated list is sorted by path, so the binary is reproducible.
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

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build/yaml_json.rs");
    // (path, YAML text, the same as JSON when build/yaml_json.rs could convert it)
    let mut code = String::from("pub static EMBEDDED_RULES: &[(&str, &str, Option<&str>)] = &[\n");
    for (i, f) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let json = std::fs::read_to_string(f)
            .ok()
            .and_then(|t| yaml_json::convert(&t))
            .and_then(|j| {
                let p = out_dir.join(format!("rule-{i}.json"));
                std::fs::write(&p, j).ok().map(|_| p)
            });
        let json = match json {
            Some(p) => format!("Some(include_str!({:?}))", p.display().to_string()),
            None => "None".to_string(),
        };
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?}), {json}),",
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("embedded_rules.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
