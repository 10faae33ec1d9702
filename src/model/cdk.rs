//! CDK cloud assemblies (`cdk.out`) read through their `manifest.json`, the way CDK deploys.
//!
//! Every `aws:cloudformation:stack` artifact names its template (`properties.templateFile`);
//! every `cdk:cloud-assembly` artifact names a nested assembly folder (`directoryName`, as CDK
//! Pipelines stages write `assembly-<Stage>`) with its own manifest; every
//! `AWS::CloudFormation::Stack` resource whose `aws:asset:path` metadata names a file of the
//! assembly is a nested stack, whose template is read too. Each template is its own `Unit`
//! (references resolve within one stack). A resource's construct path is its `aws:cdk:path`
//! metadata, or else the path the manifest's `aws:cdk:logicalId` metadata gives its logical id.
//! Nesting is bounded and each folder and template is read once.

use super::{cfn, SourceFile, Unit};
use crate::finding::ScanError;
use crate::model::terraform::modules::normalize;
use crate::parse::parse_json;
use crate::scan::{parse_document, read_text};
use crate::tree::{Node, ParseError, Span};
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

/// Deepest chain of nested assemblies, or of nested stacks, that is followed.
const MAX_NESTING: usize = 16;

/// What loading produced: units to evaluate and problems met on the way.
pub type Loaded = Vec<(Option<Unit>, Vec<ScanError>)>;

/// Whether a parsed JSON document is a cloud assembly manifest.
pub fn is_manifest(root: &Node) -> bool {
    root.get("artifacts").and_then(Node::as_map).is_some() && root.get("version").is_some()
}

/// Loads the assembly whose manifest (already parsed as `root`) is at `manifest`.
pub fn load_assembly(manifest: &Path, text: String, root: &Node) -> Loaded {
    let mut cx = Cx {
        out: Vec::new(),
        seen: BTreeSet::new(),
    };
    let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    cx.seen.insert(normalize(manifest));
    let file = SourceFile::new(manifest.to_path_buf(), text);
    cx.assembly(&dir, &file, root, 0);
    if cx.out.is_empty() {
        cx.out.push((None, Vec::new()));
    }
    cx.out
}

struct Cx {
    out: Loaded,
    /// Manifests and templates already read (lexically normalized paths).
    seen: BTreeSet<PathBuf>,
}

impl Cx {
    fn error(&mut self, file: &SourceFile, span: Span, message: String) {
        let e = scan_error(file, &ParseError::new(message, span));
        self.out.push((None, vec![e]));
    }

    fn assembly(&mut self, dir: &Path, manifest: &SourceFile, root: &Node, depth: usize) {
        let Some(artifacts) = root.get("artifacts").and_then(Node::as_map) else {
            let message = "cloud assembly manifest has no `artifacts` map".to_string();
            return self.error(manifest, root.span, message);
        };
        for (key, artifact) in artifacts {
            let props = artifact.get("properties");
            let prop = |name: &str| props.and_then(|p| p.get(name)).and_then(Node::as_str);
            match artifact.get("type").and_then(Node::as_str) {
                Some("aws:cloudformation:stack") => {
                    let Some(template) = prop("templateFile") else {
                        let message = format!("stack artifact `{}` has no templateFile", key.name);
                        self.error(manifest, key.span, message);
                        continue;
                    };
                    let path = dir.join(template);
                    if !path.is_file() {
                        let span = props
                            .and_then(|p| p.get("templateFile"))
                            .map_or(key.span, |n| n.span);
                        let message = format!(
                            "stack `{}`: template file {template} not found in the assembly",
                            key.name
                        );
                        self.error(manifest, span, message);
                        continue;
                    }
                    let paths = logical_id_paths(artifact);
                    self.template(dir, &path, &paths, 0);
                }
                Some("cdk:cloud-assembly") => {
                    let Some(sub) = prop("directoryName") else {
                        let message =
                            format!("nested assembly `{}` has no directoryName", key.name);
                        self.error(manifest, key.span, message);
                        continue;
                    };
                    if depth >= MAX_NESTING {
                        let message = format!("nested assemblies deeper than {MAX_NESTING}");
                        self.error(manifest, key.span, message);
                        continue;
                    }
                    self.nested_assembly(&dir.join(sub), depth + 1);
                }
                _ => {}
            }
        }
    }

    fn nested_assembly(&mut self, dir: &Path, depth: usize) {
        let path = dir.join("manifest.json");
        if !self.seen.insert(normalize(&path)) {
            return;
        }
        let text = match read_text(&path) {
            Ok(t) => t,
            Err(e) => return self.out.push((None, vec![e])),
        };
        let file = SourceFile::new(path, text);
        match parse_json(&file.text) {
            Ok(parsed) => self.assembly(dir, &file, &parsed.root, depth),
            Err(e) => self.out.push((None, vec![scan_error(&file, &e)])),
        }
    }

    /// Loads one stack template, then the nested stack templates it names.
    fn template(&mut self, dir: &Path, path: &Path, paths: &HashMap<String, String>, depth: usize) {
        if !self.seen.insert(normalize(path)) {
            return;
        }
        let text = match read_text(path) {
            Ok(t) => t,
            Err(e) => return self.out.push((None, vec![e])),
        };
        let parsed = match parse_document(&text) {
            Ok(p) => p,
            Err(e) => {
                let file = SourceFile::new(path.to_path_buf(), text);
                return self.out.push((None, vec![scan_error(&file, &e)]));
            }
        };
        if !cfn::is_template(&parsed.root) {
            return;
        }
        let nested: Vec<PathBuf> = nested_templates(&parsed.root)
            .into_iter()
            .map(|p| dir.join(p))
            .collect();
        let mut unit = cfn::load(path.to_path_buf(), text, &parsed.root, parsed.warnings);
        for r in &mut unit.resources {
            if r.cdk_path.is_none() {
                r.cdk_path = paths.get(&r.id).cloned();
            }
        }
        self.out.push((Some(unit), Vec::new()));
        if depth >= MAX_NESTING {
            return;
        }
        for p in nested {
            if p.is_file() {
                self.template(dir, &p, &HashMap::new(), depth + 1);
            }
        }
    }
}

/// Logical id → construct path, from a stack artifact's `aws:cdk:logicalId` metadata
/// (`"/Stack/Bucket/Resource": [{"type": "aws:cdk:logicalId", "data": "Bucket83908E77"}]`).
fn logical_id_paths(artifact: &Node) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(metadata) = artifact.get("metadata").and_then(Node::as_map) else {
        return out;
    };
    for (path, entries) in metadata {
        for entry in entries.as_seq().unwrap_or_default() {
            let is_id = entry.get("type").and_then(Node::as_str) == Some("aws:cdk:logicalId");
            if let (true, Some(id)) = (is_id, entry.get("data").and_then(Node::as_str)) {
                let path = path.name.trim_start_matches('/').to_string();
                out.entry(id.to_string()).or_insert(path);
            }
        }
    }
    out
}

/// Files named by the `aws:asset:path` metadata of `AWS::CloudFormation::Stack` resources:
/// relative paths without `..`, ending in `.json`.
fn nested_templates(root: &Node) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (_, def) in root
        .get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        if def.get("Type").and_then(Node::as_str) != Some("AWS::CloudFormation::Stack") {
            continue;
        }
        let asset = def
            .get("Metadata")
            .and_then(|m| m.get("aws:asset:path"))
            .and_then(Node::as_str);
        if let Some(asset) = asset {
            let p = PathBuf::from(asset);
            let plain = p
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
            if plain && asset.ends_with(".json") {
                out.push(p);
            }
        }
    }
    out
}

/// A parse problem in `file` as a reported error.
pub(crate) fn scan_error(file: &SourceFile, e: &ParseError) -> ScanError {
    let (line, column) = if file.text.is_empty() {
        (1, 1)
    } else {
        let lc = file.line_col(e.span.start);
        (lc.line, lc.column)
    };
    ScanError {
        file: file.display_path(),
        line,
        column,
        message: e.message.clone(),
        file_index: None,
        span: e.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_and_nested_template_paths() {
        let manifest = parse_json(
            r#"{"type": "aws:cloudformation:stack", "metadata": {
                "/App/Bucket/Resource": [{"type": "aws:cdk:logicalId", "data": "Bucket1"}],
                "/App/Other": [{"type": "aws:cdk:warning", "data": "x"}]}}"#,
        )
        .unwrap()
        .root;
        let paths = logical_id_paths(&manifest);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths["Bucket1"], "App/Bucket/Resource");

        let template = parse_json(
            r#"{"Resources": {
              "N": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "AppN.nested.template.json"}},
              "Escape": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "../x.json"}},
              "Abs": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "/etc/x.json"}},
              "Zip": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "asset.1234"}},
              "B": {"Type": "AWS::S3::Bucket", "Metadata": {"aws:asset:path": "b.json"}}}}"#,
        )
        .unwrap()
        .root;
        assert_eq!(
            nested_templates(&template),
            [PathBuf::from("AppN.nested.template.json")]
        );
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }
}
