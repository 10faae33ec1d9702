//! The one `Finding` type every reporter reads, and the scan-level error type.
//!
//! Line and column are computed here, once per reported span, from the file's line index.
//! The fingerprint identifies a finding across edits elsewhere in the file: it hashes the
//! rule id, the file, the resource and the property path, never line numbers.

use crate::rules::Severity;
use crate::tree::Span;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LensRef {
    pub lens: String,
    pub practice: String,
    pub pillar: String,
}

/// A secondary location (the referenced KMS key whose rotation is off).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RelatedLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    #[serde(skip)]
    pub file_index: usize,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub resource: String,
    pub resource_type: String,
    pub cdk_path: Option<String>,
    pub lenses: Vec<LensRef>,
    pub fingerprint: String,
    /// Index of the file in the scan's file table (for snippets).
    #[serde(skip)]
    pub file_index: usize,
    #[serde(skip)]
    pub span: Span,
    /// What is wrong at the span, without the rule's message (the snippet's label).
    #[serde(skip)]
    pub detail: String,
    /// Property path the finding is about (part of the fingerprint).
    #[serde(skip)]
    pub path: String,
    #[serde(skip)]
    pub related: Vec<RelatedLocation>,
}

/// A file that could not be read or parsed, or a problem in a template's structure.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    #[serde(skip)]
    pub file_index: Option<usize>,
    #[serde(skip)]
    pub span: Span,
}

/// 64-bit FNV-1a: stable across platforms and Rust versions (unlike `DefaultHasher`).
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

pub fn fingerprint(rule_id: &str, file: &str, resource: &str, path: &str) -> String {
    format!("{:016x}", fnv1a(&[rule_id, file, resource, path]))
}
