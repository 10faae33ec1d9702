//! The one `Finding` type every reporter reads, and the scan-level error type.
//!
//! Line and column are computed here, once per reported span, from the file's line index.
//! The fingerprint identifies a finding across edits elsewhere in the file: it hashes the
//! rule id, the file, the resource and the property path, never line numbers.

use crate::rules::Severity;
use crate::tree::Span;
use serde::Serialize;
use std::sync::Arc;

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

/// What every finding of one rule in one format shares.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub lenses: Vec<LensRef>,
    /// The rule's message for the format, `{resource}` not yet replaced.
    pub template: String,
}

impl RuleInfo {
    /// What `rule`'s findings in `format` show: its message for that format, else the rule's.
    pub fn of(rule: &crate::rules::Rule, format: crate::model::Format) -> RuleInfo {
        RuleInfo {
            id: rule.doc.id.clone(),
            title: rule.doc.title.clone(),
            lenses: rule
                .lenses()
                .map(|(lens, practice, pillar)| LensRef {
                    lens: lens.into(),
                    practice: practice.into(),
                    pillar: pillar.into(),
                })
                .collect(),
            template: rule
                .target(format)
                .and_then(|t| t.message.as_deref())
                .unwrap_or(&rule.doc.message)
                .to_string(),
        }
    }
}

/// What every finding on one resource shares.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceInfo {
    pub id: String,
    pub rtype: String,
    pub cdk_path: Option<String>,
}

/// One reported violation. A large scan holds hundreds of thousands of these, so what many
/// findings have in common is shared (the rule's id, title, lenses and message, the file's
/// path, the resource's names), the message is composed when it is reported, and the struct
/// stays small (the findings of a scan are moved into one vector and sorted).
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: Arc<RuleInfo>,
    pub severity: Severity,
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub res: Arc<ResourceInfo>,
    pub fingerprint: String,
    /// What is wrong at the span (`` `KmsKeyId` is not set ``), appended to the message.
    pub detail: Box<str>,
    /// Index of the file in the scan's file table (for snippets).
    pub file_index: usize,
    pub span: Span,
    /// Property path the finding is about (part of the fingerprint).
    pub path: Box<str>,
    pub related: Vec<RelatedLocation>,
}

impl Finding {
    pub fn rule_id(&self) -> &str {
        &self.rule.id
    }

    pub fn title(&self) -> &str {
        &self.rule.title
    }

    pub fn lenses(&self) -> &[LensRef] {
        &self.rule.lenses
    }

    pub fn resource(&self) -> &str {
        &self.res.id
    }

    pub fn resource_type(&self) -> &str {
        &self.res.rtype
    }

    pub fn cdk_path(&self) -> Option<&str> {
        self.res.cdk_path.as_deref()
    }

    /// The order findings are reported in (file, line, column, rule, resource, property
    /// path); two findings with the same key are one finding reported twice.
    pub fn order_key(&self) -> (&str, u32, u32, &str, &str, &str) {
        (
            &self.file,
            self.line,
            self.column,
            &self.rule.id,
            &self.res.id,
            &self.path,
        )
    }

    /// The message shown to users: the rule's message for the resource, then the detail.
    pub fn message(&self) -> String {
        let mut m = self.rule.template.replace("{resource}", &self.res.id);
        if !self.detail.is_empty() {
            m.push_str(": ");
            m.push_str(&self.detail);
        }
        m
    }
}

/// The JSON shape of a finding (DESIGN.md): field order is part of the contract.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Finding", 14)?;
        st.serialize_field("rule_id", self.rule_id())?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("title", self.title())?;
        st.serialize_field("message", &self.message())?;
        st.serialize_field("file", &*self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("end_line", &self.end_line)?;
        st.serialize_field("end_column", &self.end_column)?;
        st.serialize_field("resource", self.resource())?;
        st.serialize_field("resource_type", self.resource_type())?;
        st.serialize_field("cdk_path", &self.cdk_path())?;
        st.serialize_field("lenses", self.lenses())?;
        st.serialize_field("fingerprint", &self.fingerprint)?;
        st.end()
    }
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
