//! Output does not depend on the thread count: the JSON and SARIF reports of `fixtures/` and
//! of the real-world corpus (`../shared/corpus`, read in place; skipped with a message when
//! absent) are byte-identical with `RAYON_NUM_THREADS=1`, with 2, and with 8 threads (more
//! threads than this machine has cores, so work is interleaved even on one core).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn run(dir: &Path, threads: Option<&str>, format: &str) -> Vec<u8> {
    let mut cmd = Command::cargo_bin("lenslint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--format", format])
        .arg(dir)
        .env_remove("RAYON_NUM_THREADS");
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "lenslint crashed on {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn assert_same_for_any_thread_count(dir: &Path) {
    for format in ["json", "sarif"] {
        let one = run(dir, Some("1"), format);
        assert!(one.len() > 100, "suspiciously short {format} report");
        for threads in [None, Some("2"), Some("8")] {
            let other = run(dir, threads, format);
            assert!(
                one == other,
                "{format} output of {} differs between 1 and {threads:?} threads",
                dir.display()
            );
        }
    }
}

#[test]
fn fixtures_output_is_identical_for_any_thread_count() {
    let dir = PathBuf::from("fixtures");
    let json = run(&dir, None, "json");
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(
        v["findings"].as_array().is_some_and(|f| f.len() > 100),
        "fixtures should give many findings"
    );
    assert_same_for_any_thread_count(&dir);
}

#[test]
fn corpus_output_is_identical_for_any_thread_count() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    }
    assert_same_for_any_thread_count(&dir);
}
