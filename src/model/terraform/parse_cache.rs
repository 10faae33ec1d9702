//! Parsed files of called modules, shared across the roots of one process: a module that ten
//! examples call (`source = "../.."`) is parsed once, not ten times (in the corpus that was a
//! quarter of a scan). An entry is keyed by path and used only when the text read now is the
//! text it was parsed from, so a changed file, or another file system in tests, is parsed
//! afresh. Parse errors are kept with the entry and reported again, at the caller's file index,
//! in every unit that uses it. At most [`MAX_CACHED_BYTES`] of source text is held; past that,
//! files are parsed without sharing.

use super::super::UnitError;
use crate::tree::ParseError;
use hcl_edit::structure::Body;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Source text held by the cache, at most.
pub(crate) const MAX_CACHED_BYTES: usize = 16 << 20;

type Outcome = (Option<Arc<Body>>, Vec<ParseError>);

struct Slot {
    text: String,
    parsed: OnceLock<Outcome>,
}

#[derive(Default)]
struct Cache {
    slots: HashMap<PathBuf, Arc<Slot>>,
    bytes: usize,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The slot for `path` holding `text`, made if there is room; `None` when the path is cached
/// with another text or the cache is full.
fn slot(path: &Path, text: &str) -> Option<Arc<Slot>> {
    let mut guard = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    let cache = guard.get_or_insert_with(Cache::default);
    if let Some(s) = cache.slots.get(path) {
        return (s.text == text).then(|| s.clone());
    }
    if cache.bytes + text.len() > MAX_CACHED_BYTES {
        return None;
    }
    cache.bytes += text.len();
    let s = Arc::new(Slot {
        text: text.to_string(),
        parsed: OnceLock::new(),
    });
    cache.slots.insert(path.to_path_buf(), s.clone());
    Some(s)
}

/// Parses a native-syntax file of a called module (as [`super::parse_file`] does), reusing the
/// result of an earlier parse of the same path and text; errors are recorded at `file`.
pub(crate) fn parse_shared(
    path: &Path,
    file: usize,
    text: &str,
    errors: &mut Vec<UnitError>,
) -> Option<Arc<Body>> {
    let Some(slot) = slot(path, text) else {
        return super::parse_file(file, text, errors).map(Arc::new);
    };
    let (body, errs) = slot.parsed.get_or_init(|| {
        let mut found = Vec::new();
        let body = super::parse_file(0, &slot.text, &mut found).map(Arc::new);
        (body, found.into_iter().map(|e| e.error).collect())
    });
    errors.extend(errs.iter().map(|e| UnitError {
        file,
        error: e.clone(),
    }));
    body.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_path_and_text_share_one_parse_and_its_errors() {
        let path = Path::new("parse-cache-test/share/main.tf");
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n";
        let mut errors = Vec::new();
        let a = parse_shared(path, 3, text, &mut errors);
        let b = parse_shared(path, 7, text, &mut errors);
        assert!(errors.is_empty());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(Arc::ptr_eq(&a, &b), "the second use parsed again");

        let bad = Path::new("parse-cache-test/share/bad.tf");
        let text = "resource \"x\" {\n";
        assert!(parse_shared(bad, 1, text, &mut errors).is_none());
        assert!(parse_shared(bad, 5, text, &mut errors).is_none());
        let files: Vec<usize> = errors.iter().map(|e| e.file).collect();
        assert_eq!(
            files,
            vec![1, 5],
            "the error is reported in each unit, at its index"
        );
    }

    #[test]
    fn another_text_under_the_same_path_is_parsed_afresh() {
        let path = Path::new("parse-cache-test/changed/main.tf");
        let mut errors = Vec::new();
        let one = parse_shared(path, 0, "locals {\n  a = 1\n}\n", &mut errors).unwrap();
        let two = parse_shared(path, 0, "locals {\n  b = 2\n}\n", &mut errors).unwrap();
        assert!(!Arc::ptr_eq(&one, &two));
        assert!(two.to_string().contains("b = 2"));
    }
}
