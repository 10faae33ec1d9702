//! Finding CDK cloud assemblies during discovery.
//!
//! A cloud assembly is a folder with a `manifest.json` listing its artifacts (`cdk.out` after
//! `cdk synth`). It is scanned as one job, through its manifest (`model::cdk`), so its
//! templates, stage assemblies (`assembly-*`) and nested stack templates are read the way CDK
//! deploys them. Because `cdk.out` is usually gitignored, the walker does not enter it when the
//! app folder is scanned; a `cdk.json` found during the walk leads to its output folder
//! (`"output"` in `cdk.json`, `cdk.out` by default) directly. A `cdk.json` without a
//! synthesized assembly gives a note asking for `cdk synth`. Documents inside an assembly are
//! not scanned on their own (the manifest names the ones that matter), which keeps a template
//! from being reported twice; nor is a stage assembly inside another one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Manifests larger than this are not sniffed (real ones are a few kB).
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

#[derive(Debug, Default)]
pub(super) struct Assemblies {
    /// Folders holding a cloud assembly manifest.
    dirs: BTreeSet<PathBuf>,
    /// `cdk.json` files met during the walk.
    apps: Vec<PathBuf>,
}

/// Whether `path` is a cloud assembly manifest (a cheap look at its text; the job parses it).
pub fn is_assembly_manifest(path: &Path) -> bool {
    if path.file_name().and_then(|n| n.to_str()) != Some("manifest.json") {
        return false;
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() <= MAX_MANIFEST_BYTES => {}
        _ => return false,
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.contains("\"artifacts\"")
        && (text.contains("\"aws:cloudformation:stack\"")
            || text.contains("\"cdk:cloud-assembly\""))
}

impl Assemblies {
    /// Notes a walked file that matters for CDK.
    pub(super) fn visit(&mut self, path: &Path) {
        match path.file_name().and_then(|n| n.to_str()) {
            Some("cdk.json") => self.apps.push(path.to_path_buf()),
            Some("manifest.json") if is_assembly_manifest(path) => {
                if let Some(dir) = path.parent() {
                    self.dirs.insert(dir.to_path_buf());
                }
            }
            _ => {}
        }
    }

    /// Adds each app's assembly (or a note that there is none), then leaves in `documents` only
    /// the manifest of each outermost assembly among the files inside assemblies (files named
    /// on the command line stay).
    pub(super) fn finish(
        mut self,
        documents: &mut BTreeMap<PathBuf, bool>,
        notes: &mut Vec<String>,
    ) {
        // Each app's `cdk.json` and manifest are read: in parallel, for a monorepo of apps.
        // (rayon's threads are not started for fewer than two: start-up on one file).
        use rayon::prelude::*;
        let look = |app: PathBuf| {
            let dir = app.parent().map(Path::to_path_buf).unwrap_or_default();
            let out = dir.join(output_dir(&app));
            let found = is_assembly_manifest(&out.join("manifest.json"));
            (app, out, found)
        };
        let apps = std::mem::take(&mut self.apps);
        let apps: Vec<(PathBuf, PathBuf, bool)> = if apps.len() < 2 {
            apps.into_iter().map(look).collect()
        } else {
            apps.into_par_iter().map(look).collect()
        };
        for (app, out, found) in apps {
            let manifest = out.join("manifest.json");
            if found {
                self.dirs.insert(out);
            } else {
                notes.push(format!(
                    "{}: CDK app without a synthesized cloud assembly ({} not found); run \
                     `cdk synth` to scan what it deploys",
                    app.to_string_lossy().replace('\\', "/"),
                    manifest.to_string_lossy().replace('\\', "/"),
                ));
            }
        }
        // Looked up by ancestor, so that a monorepo with thousands of apps is not quadratic.
        let dirs: std::collections::HashSet<&Path> =
            self.dirs.iter().map(PathBuf::as_path).collect();
        let inside = |path: &Path| path.ancestors().any(|a| dirs.contains(a));
        let outermost: Vec<PathBuf> = self
            .dirs
            .iter()
            .filter(|d| !d.parent().is_some_and(inside))
            .cloned()
            .collect();
        documents.retain(|path, explicit| *explicit || !inside(path));
        for dir in outermost {
            documents.entry(dir.join("manifest.json")).or_insert(false);
        }
    }
}

/// The assembly folder a `cdk.json` names (`"output"`), `cdk.out` by default.
fn output_dir(cdk_json: &Path) -> PathBuf {
    let configured = std::fs::read_to_string(cdk_json)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("output").and_then(|o| o.as_str()).map(PathBuf::from));
    match configured {
        Some(p) if p.is_relative() && !p.as_os_str().is_empty() => p,
        _ => PathBuf::from("cdk.out"),
    }
}
