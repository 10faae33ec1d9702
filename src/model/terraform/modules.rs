//! The module tree of a Terraform root: which files each module instance is made of.
//!
//! Starting from the root's files, every `module "NAME"` call is followed to the directory it
//! names: a local `source` (`./x`, `../x`) relative to the calling module, anything else (a
//! registry, git or S3 source) through `.terraform/modules/modules.json` under the root, which
//! `terraform init` writes. Each call becomes an `Instance` whose resources are addressed
//! `module.NAME.` + their address inside it; calls nest (`module.a.module.b.`). A directory
//! used by several calls is read and parsed once. A call that cannot be followed is not an
//! error but an unknown (its reason is kept for `module.NAME.*` references): a remote module
//! not downloaded, a directory without Terraform files. A module that calls a directory
//! already on its own call path, nesting deeper than `MAX_DEPTH` and more than
//! `MAX_INSTANCES` instances are reported once each at the `source` that would exceed them.

use super::items::{hcl_items, json_items, Item};
use crate::model::{SourceFile, UnitError};
use crate::tree::{Node, ParseError, Span};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Deepest chain of module calls followed (the root is depth 0).
pub(crate) const MAX_DEPTH: usize = 16;
/// Most module instances loaded for one root.
const MAX_INSTANCES: usize = 256;
/// Largest Terraform file read for a module.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Where module files come from (the disk, or a map in tests).
pub(crate) trait Files {
    /// The `.tf` and `.tf.json` files of a directory, sorted.
    fn config_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String>;
    fn read(&self, path: &Path) -> Result<String, String>;
}

/// Reads module files from the file system.
pub(crate) struct Disk;

/// The directory to give the file system for `dir` ("" is the current directory).
fn fs_dir(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

impl Files for Disk {
    fn config_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let entries = std::fs::read_dir(fs_dir(dir)).map_err(|e| e.to_string())?;
        let mut out: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| dir.join(e.file_name()))
            .filter(|p| is_config_file(p))
            .collect();
        out.sort();
        Ok(out)
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!("file is over {} MiB", MAX_FILE_BYTES >> 20));
        }
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return Err("binary file (contains NUL bytes)".into());
        }
        String::from_utf8(bytes)
            .map_err(|e| format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()))
    }
}

/// True for `*.tf` and `*.tf.json` (the files a Terraform module is made of).
pub fn is_config_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// True for a file in Terraform's JSON syntax (`.tf.json`, `.tfvars.json`).
pub(crate) fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Removes `.` components and folds `dir/..`, without touching the file system, so that
/// the same directory reached by two routes gets one name.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// True for a local module source (`./x`, `../x`), which Terraform reads in place.
pub fn is_local_source(source: &str) -> bool {
    ["./", "../", ".\\", "..\\"]
        .iter()
        .any(|p| source.starts_with(p))
        || source == "."
        || source == ".."
}

/// A parsed file of the tree.
pub(crate) enum Parsed {
    /// Shared with other roots that call the same module (see `parse_cache`).
    Hcl(std::sync::Arc<hcl_edit::structure::Body>),
    Json(Node),
    /// Not readable or not parseable (an error was recorded).
    Failed,
}

/// One instance of a module: the root, or one `module` call (nested calls nest).
pub(crate) struct Instance {
    /// `""` for the root, else `module.NAME.` after the parent's prefix.
    pub prefix: String,
    /// Directory the module's relative paths (`file()`, local sources) are read from.
    pub dir: PathBuf,
    /// Its `.tf`/`.tf.json` files (indices into `Tree::files`).
    pub files: Vec<usize>,
    /// Its variable files (the root only), in precedence order.
    pub var_files: Vec<usize>,
    /// The instance that calls this one, and the name of the call.
    pub parent: Option<(usize, String)>,
    /// Each call made by this module: the child instance, or why it is not available.
    pub calls: HashMap<String, Result<usize, String>>,
}

/// The files and module instances of one root.
pub(crate) struct Tree {
    pub files: Vec<SourceFile>,
    pub parsed: Vec<Parsed>,
    pub instances: Vec<Instance>,
    pub errors: Vec<UnitError>,
}

/// A `module` call found in a file, owned so that the file list can grow while following it.
struct CallSite {
    file: usize,
    name: String,
    source: Option<(String, Span)>,
}

struct Loader<'f> {
    fs: &'f dyn Files,
    tree: Tree,
    /// Files already loaded per (normalized) module directory.
    dirs: HashMap<PathBuf, Vec<usize>>,
    /// `.terraform/modules/modules.json` of the root: call key (`a.b`) → directory.
    downloaded: HashMap<String, PathBuf>,
    root_dir: PathBuf,
    limit_reported: bool,
}

impl Tree {
    /// Loads the root made of `files` (.tf/.tf.json) and `var_files` (tfvars, in precedence
    /// order), then every module it calls, recursively.
    pub fn load(
        files: Vec<(PathBuf, String)>,
        var_files: Vec<(PathBuf, String)>,
        fs: &dyn Files,
    ) -> Tree {
        let root_dir = files
            .first()
            .and_then(|(p, _)| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut loader = Loader {
            fs,
            tree: Tree {
                files: Vec::new(),
                parsed: Vec::new(),
                instances: Vec::new(),
                errors: Vec::new(),
            },
            dirs: HashMap::new(),
            downloaded: HashMap::new(),
            root_dir: root_dir.clone(),
            limit_reported: false,
        };
        loader.read_downloaded();
        let config: Vec<usize> = files.into_iter().map(|(p, t)| loader.add(p, t)).collect();
        let vars: Vec<usize> = var_files
            .into_iter()
            .map(|(p, t)| loader.add(p, t))
            .collect();
        loader.tree.instances.push(Instance {
            prefix: String::new(),
            dir: root_dir.clone(),
            files: config,
            var_files: vars,
            parent: None,
            calls: HashMap::new(),
        });
        let mut path = vec![normalize(&root_dir)];
        loader.follow_calls(0, &mut path, "");
        loader.tree
    }
}

impl Loader<'_> {
    fn read_downloaded(&mut self) {
        let manifest = self
            .root_dir
            .join(".terraform")
            .join("modules")
            .join("modules.json");
        let Ok(text) = self.fs.read(&manifest) else {
            return;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        let entries = json
            .get("Modules")
            .and_then(|m| m.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for entry in entries {
            let key = entry.get("Key").and_then(|k| k.as_str());
            let dir = entry.get("Dir").and_then(|d| d.as_str());
            if let (Some(key), Some(dir)) = (key, dir) {
                if !key.is_empty() {
                    let dir = normalize(&self.root_dir.join(dir));
                    self.downloaded.insert(key.to_string(), dir);
                }
            }
        }
    }

    /// Adds and parses one file; returns its index.
    fn add(&mut self, path: PathBuf, text: String) -> usize {
        let index = self.tree.files.len();
        let parsed = if is_json(&path) {
            parse_json_file(index, &text, &mut self.tree.errors)
        } else {
            super::parse_file(index, &text, &mut self.tree.errors)
                .map_or(Parsed::Failed, |b| Parsed::Hcl(std::sync::Arc::new(b)))
        };
        self.tree.files.push(SourceFile::new(path, text));
        self.tree.parsed.push(parsed);
        index
    }

    /// [`Loader::add`] for a file of a called module: its parse is shared with every other
    /// root of this process that calls the module (see `parse_cache`).
    fn add_shared(&mut self, path: PathBuf, text: String) -> usize {
        if is_json(&path) {
            return self.add(path, text);
        }
        let index = self.tree.files.len();
        let parsed = super::parse_cache::parse_shared(&path, index, &text, &mut self.tree.errors)
            .map_or(Parsed::Failed, Parsed::Hcl);
        self.tree.files.push(SourceFile::new(path, text));
        self.tree.parsed.push(parsed);
        index
    }

    /// The `module` calls made by the files of an instance, in file and source order.
    fn call_sites(&self, instance: usize) -> Vec<CallSite> {
        let mut out = Vec::new();
        for &file in &self.tree.instances[instance].files {
            let items = match &self.tree.parsed[file] {
                Parsed::Hcl(body) => hcl_items(body, &self.tree.files[file].text),
                Parsed::Json(root) => json_items(root),
                Parsed::Failed => continue,
            };
            for item in items {
                if let Item::Module(m) = item {
                    out.push(CallSite {
                        file,
                        name: m.name.to_string(),
                        source: m.source,
                    });
                }
            }
        }
        out
    }

    /// Follows the calls of `instance`, whose directory chain from the root is `path` and
    /// whose call key (for `modules.json`) is `key`.
    fn follow_calls(&mut self, instance: usize, path: &mut Vec<PathBuf>, key: &str) {
        for site in self.call_sites(instance) {
            if self.tree.instances[instance].calls.contains_key(&site.name) {
                continue;
            }
            let child_key = if key.is_empty() {
                site.name.clone()
            } else {
                format!("{key}.{}", site.name)
            };
            let outcome = self.follow(instance, &site, path, &child_key);
            self.tree.instances[instance]
                .calls
                .insert(site.name.clone(), outcome);
        }
    }

    fn follow(
        &mut self,
        parent: usize,
        site: &CallSite,
        path: &mut Vec<PathBuf>,
        key: &str,
    ) -> Result<usize, String> {
        let name = &site.name;
        let Some((source, source_span)) = &site.source else {
            return Err(format!("module {name} has no literal source"));
        };
        let dir = if is_local_source(source) {
            normalize(&self.tree.instances[parent].dir.join(source))
        } else {
            match self.downloaded.get(key) {
                Some(dir) => dir.clone(),
                None => return Err(format!("module {name} is not available locally")),
            }
        };
        let at = |message: String| UnitError {
            file: site.file,
            error: ParseError::new(message, *source_span),
        };
        if path.contains(&dir) {
            let message = format!(
                "module {name} calls {}, which is already on its call path; not followed",
                display(&dir)
            );
            self.tree.errors.push(at(message));
            return Err(format!("module {name} calls itself"));
        }
        if path.len() > MAX_DEPTH {
            let message = format!(
                "modules nested deeper than {MAX_DEPTH} levels; module {name} not followed"
            );
            self.tree.errors.push(at(message));
            return Err(format!("module {name} is nested too deeply"));
        }
        if self.tree.instances.len() >= MAX_INSTANCES {
            if !self.limit_reported {
                self.limit_reported = true;
                let message = format!(
                    "more than {MAX_INSTANCES} module instances; module {name} and later calls not followed"
                );
                self.tree.errors.push(at(message));
            }
            return Err(format!("module {name} exceeds the module instance limit"));
        }
        let files = self.load_dir(&dir);
        if files.is_empty() {
            return Err(format!(
                "module {name}: no Terraform files in {}",
                display(&dir)
            ));
        }
        let child = self.tree.instances.len();
        let prefix = format!("{}module.{name}.", self.tree.instances[parent].prefix);
        self.tree.instances.push(Instance {
            prefix,
            dir: dir.clone(),
            files,
            var_files: Vec::new(),
            parent: Some((parent, name.clone())),
            calls: HashMap::new(),
        });
        path.push(dir);
        self.follow_calls(child, path, key);
        path.pop();
        Ok(child)
    }

    /// The files of a module directory, read and parsed on first use.
    fn load_dir(&mut self, dir: &Path) -> Vec<usize> {
        if let Some(files) = self.dirs.get(dir) {
            return files.clone();
        }
        let paths = self.fs.config_files(dir).unwrap_or_default();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            match self.fs.read(&path) {
                Ok(text) => files.push(self.add_shared(path, text)),
                Err(message) => {
                    let index = self.tree.files.len();
                    self.tree.files.push(SourceFile::new(path, String::new()));
                    self.tree.parsed.push(Parsed::Failed);
                    self.tree.errors.push(UnitError {
                        file: index,
                        error: ParseError::new(format!("cannot read: {message}"), Span::default()),
                    });
                    files.push(index);
                }
            }
        }
        self.dirs.insert(dir.to_path_buf(), files.clone());
        files
    }
}

/// A directory as shown in messages.
fn display(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".into()
    } else {
        dir.to_string_lossy().replace('\\', "/")
    }
}

/// Parses a file in Terraform's JSON syntax; duplicate keys are reported, as for templates.
fn parse_json_file(file: usize, text: &str, errors: &mut Vec<UnitError>) -> Parsed {
    match crate::parse::parse_json(text) {
        Ok(parsed) => {
            for warning in parsed.warnings {
                errors.push(UnitError {
                    file,
                    error: warning,
                });
            }
            Parsed::Json(parsed.root)
        }
        Err(error) => {
            errors.push(UnitError { file, error });
            Parsed::Failed
        }
    }
}
