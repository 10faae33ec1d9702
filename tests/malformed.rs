//! The hostile-input suite (`fixtures/malformed/`, see its README): every broken file gets
//! exactly one diagnostic at the expected line and column, the other files are still scanned
//! and reported, the exit code is 2, and nothing panics. Cases that cannot be committed (a
//! 200 MB file, an unreadable file, a symlink loop) are made at run time in a temporary folder.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SUITE: &str = "fixtures/malformed";

const VALID: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Notebook:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/nb
      DirectInternetAccess: Enabled
";

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("lenslint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let unreadable = self.0.join("unreadable.yaml");
        if unreadable.exists() {
            set_mode(&unreadable, 0o644);
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// (file name → (line, column, message fragment)) from `expected.tsv`.
fn expected() -> BTreeMap<String, (u64, u64, String)> {
    let text = std::fs::read_to_string(Path::new(SUITE).join("expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "bad expected.tsv line {l:?}");
            let pos = (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].to_string(),
            );
            (f[0].to_string(), pos)
        })
        .collect()
}

/// Runs `lenslint scan --format json` on `paths`.
fn scan(paths: &[PathBuf]) -> (Option<i32>, Value) {
    let out = Command::cargo_bin("lenslint")
        .unwrap()
        .args(["scan", "--format", "json"])
        .args(paths)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), json)
}

fn file_name(v: &Value) -> String {
    let f = v["file"].as_str().unwrap();
    f.rsplit('/').next().unwrap().to_string()
}

/// The run-time cases; returns their expectations (the unreadable file only when this user
/// cannot read a mode-000 file, which root can).
fn runtime_cases(dir: &Path) -> BTreeMap<String, (u64, u64, String)> {
    let mut cases = BTreeMap::new();
    std::fs::write(dir.join("valid.yaml"), VALID).unwrap();
    // 200 MB: a sparse file, refused by size before anything is read.
    let huge = std::fs::File::create(dir.join("huge.yaml")).unwrap();
    huge.set_len(200 << 20).unwrap();
    cases.insert("huge.yaml".into(), (1, 1, "over the 64 MiB limit".into()));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("loop-b.yaml", dir.join("loop-a.yaml")).unwrap();
        std::os::unix::fs::symlink("loop-a.yaml", dir.join("loop-b.yaml")).unwrap();
        cases.insert("loop-a.yaml".into(), (1, 1, "cannot read".into()));
        let unreadable = dir.join("unreadable.yaml");
        std::fs::write(&unreadable, VALID).unwrap();
        set_mode(&unreadable, 0o000);
        if std::fs::read(&unreadable).is_ok() {
            eprintln!("skipping the unreadable-file case: this user (root?) reads mode-000 files");
            set_mode(&unreadable, 0o644);
            std::fs::remove_file(&unreadable).unwrap();
        } else {
            cases.insert("unreadable.yaml".into(), (1, 1, "cannot read".into()));
        }
    }
    cases
}

#[test]
fn every_hostile_file_gets_one_located_diagnostic() {
    let tmp = TempDir::new("malformed");
    let mut expect = expected();
    assert!(expect.len() >= 30, "the suite has {} cases", expect.len());
    let mut paths: Vec<PathBuf> = expect.keys().map(|f| Path::new(SUITE).join(f)).collect();
    let runtime = runtime_cases(&tmp.0);
    paths.extend(runtime.keys().map(|f| tmp.0.join(f)));
    paths.push(tmp.0.join("valid.yaml"));
    expect.extend(runtime);

    let (code, json) = scan(&paths);
    assert_eq!(code, Some(2), "{json:#}");
    let mut errors: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for e in json["errors"].as_array().unwrap() {
        errors.entry(file_name(e)).or_default().push(e);
    }
    for (file, (line, column, fragment)) in &expect {
        let got = errors.remove(file).unwrap_or_default();
        assert_eq!(
            got.len(),
            1,
            "{file}: expected one diagnostic, got {got:#?}"
        );
        let e = got[0];
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(fragment.as_str()), "{file}: {message}");
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{file}: {message}"
        );
    }
    assert!(errors.is_empty(), "unexpected diagnostics: {errors:#?}");
    // The valid template is still scanned and reported.
    let valid: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| file_name(f) == "valid.yaml" && f["rule_id"] == "SM002")
        .collect();
    assert_eq!(valid.len(), 1, "{json:#}");
    assert_eq!(
        (valid[0]["line"].as_u64(), valid[0]["column"].as_u64()),
        (Some(8), Some(7))
    );
}

#[test]
fn a_walked_folder_of_hostile_files_is_scanned_too() {
    let tmp = TempDir::new("malformed-walk");
    for entry in std::fs::read_dir(SUITE).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.0.join(entry.file_name())).unwrap();
    }
    runtime_cases(&tmp.0);
    let (code, json) = scan(std::slice::from_ref(&tmp.0));
    assert_eq!(code, Some(2));
    let files: Vec<String> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(file_name)
        .collect();
    // Walked files are reported when they look like templates; empty files and symlinks are
    // skipped without a word, as the walker does not follow links.
    for must in [
        "alias-bomb.yaml",
        "deep-flow.yaml",
        "deep.json",
        "deep.tf",
        "huge.yaml",
    ] {
        assert!(files.iter().any(|f| f == must), "{must} missing: {files:?}");
    }
    assert!(
        !files
            .iter()
            .any(|f| f == "empty.yaml" || f == "loop-a.yaml"),
        "{files:?}"
    );
    let valid = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| file_name(f) == "valid.yaml")
        .count();
    assert!(valid > 0, "{json:#}");
}
