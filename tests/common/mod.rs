//! Helpers shared by the fixture tests: reading the expected findings marked inside fixture
//! files (`# expect: ID` on the line a finding must point at, or a `*.expect.json` sidecar
//! listing `{"line", "rule_id"}` for JSON files).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every file under `dir` (hidden ones too), in path order.
pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// (file, line, rule id) expected in one fixture folder.
pub fn expectations(dir: &Path) -> BTreeMap<String, BTreeSet<(u32, String)>> {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    let mut out: BTreeMap<String, BTreeSet<(u32, String)>> = BTreeMap::new();
    for f in files {
        let name = f.to_string_lossy().replace('\\', "/");
        if let Some(target) = name.strip_suffix(".expect.json") {
            let text = std::fs::read_to_string(&f).unwrap();
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let set = out.entry(target.to_string()).or_default();
            for item in v
                .as_array()
                .unwrap_or_else(|| panic!("{name}: expected a list"))
            {
                let line = item["line"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{name}: line")) as u32;
                let id = item["rule_id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: rule_id"));
                set.insert((line, id.to_string()));
            }
            continue;
        }
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "tf" | "json" | "template" | "tfvars") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let set = out.entry(name.clone()).or_default();
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("expect:") {
                let before = &line[..pos];
                if !(before.trim_end().ends_with('#') || before.trim_end().ends_with("//")) {
                    continue;
                }
                for id in line[pos + 7..].split(',') {
                    let id = id.trim();
                    if !id.is_empty() {
                        set.insert((i as u32 + 1, id.to_string()));
                    }
                }
            }
        }
    }
    out
}
