//! The span-carrying value tree shared by every input format.
//!
//! Parsers (YAML, JSON, HCL) produce `Node`s whose `span` is a byte range into the source
//! file. CloudFormation short tags (`!Ref X`) are normalized by the YAML loader into the same
//! long form JSON uses (`{"Ref": "X"}`), with the tag's span on the key. The resolve stage
//! rewrites intrinsic functions and Terraform expressions into the three extra kinds below
//! (`Ref`, `Template`, `Unknown`), so that rules only ever see: a known value, a reference to
//! another resource, a value the template does not decide, or a missing key (absent).

use std::fmt;

/// Prefix of the reason of an undecided value that may also be absent.
pub const MAYBE_ABSENT: &str = "maybe absent: ";

/// A byte range `[start, end)` into one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start.min(u32::MAX as usize) as u32,
            end: end.min(u32::MAX as usize) as u32,
        }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A map key with its own span (what a finding underlines when the property is present).
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

/// A reference to another resource of the same template or module.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefTarget {
    /// CloudFormation logical id, or Terraform address (`aws_kms_key.main`,
    /// `data.aws_iam_policy_document.x`, `module.ml.aws_kms_key.data`).
    pub resource: String,
    /// `Arn` for `Fn::GetAtt [X, Arn]`, `arn` for `aws_kms_key.main.arn`; `None` for `Ref`.
    pub attr: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// A number, kept as written so that `"2"` and `2` compare equal as text.
    Num(String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; duplicate keys are kept (the loader reports them).
    Map(Vec<(Key, Node)>),
    /// A value that is another resource (or one of its attributes).
    Ref(RefTarget),
    /// A string assembled from parts, some of which are not known (`!Sub "s3://${B}/x"`,
    /// `"arn:${var.p}:s3:::x"`). Known parts are `Str`; others are `Ref`/`Unknown`.
    Template(Vec<Node>),
    /// A value the template does not decide; the string names the unresolved input
    /// (`parameter KeyArn has no default`, `var.kms_key_arn`, `Fn::ImportValue`).
    Unknown(String),
    /// A string that holds a JSON document (a policy, a pipeline definition): compared as the
    /// string, walked into as the document. Made by `model::json_text` after loading.
    JsonText(String, Box<Node>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
}

impl Node {
    pub fn new(span: Span, kind: Kind) -> Node {
        Node { span, kind }
    }
    pub fn str(span: Span, s: impl Into<String>) -> Node {
        Node::new(span, Kind::Str(s.into()))
    }
    pub fn unknown(span: Span, why: impl Into<String>) -> Node {
        Node::new(span, Kind::Unknown(why.into()))
    }

    /// An undecided value that may also be no value at all (an `Fn::If` with an
    /// `AWS::NoValue` branch, a Terraform `dynamic` block over an undecided collection):
    /// not even its existence is known.
    pub fn maybe_absent(span: Span, why: impl Into<String>) -> Node {
        Node::new(span, Kind::Unknown(format!("{MAYBE_ABSENT}{}", why.into())))
    }

    /// Whether this is an undecided value that may also be absent.
    pub fn is_maybe_absent(&self) -> bool {
        matches!(&self.kind, Kind::Unknown(w) if w.starts_with(MAYBE_ABSENT))
    }

    /// Value of `key` in a map (the last one when duplicated, as CloudFormation does).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) | Kind::JsonText(s, _) => Some(s),
            _ => None,
        }
    }

    /// The text of a known scalar (`Str`, `Num`, `Bool`), used for comparisons so that
    /// `"true"`, `true`, `"2"` and `2` behave as template authors expect.
    pub fn scalar_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match &self.kind {
            Kind::Str(s) | Kind::JsonText(s, _) => Some(std::borrow::Cow::Borrowed(s)),
            Kind::Num(n) => Some(std::borrow::Cow::Borrowed(n)),
            Kind::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
                "true"
            } else {
                "false"
            })),
            _ => None,
        }
    }

    /// True when the value is not decided by the template (directly or in a part).
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    /// Depth-first visit of every node (including keys' values), stopping descent when `f`
    /// returns false.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node) -> bool) {
        if !f(self) {
            return;
        }
        match &self.kind {
            Kind::Seq(items) | Kind::Template(items) => {
                for n in items {
                    n.walk(f);
                }
            }
            Kind::Map(entries) => {
                for (_, v) in entries {
                    v.walk(f);
                }
            }
            Kind::JsonText(_, doc) => doc.walk(f),
            _ => {}
        }
    }

    /// Converts to a serde_json value (refs and unknowns become descriptive strings). Used to
    /// read lenslint's own YAML files (rules, baselines) with serde, not for templates.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Num(n) => n
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| n.parse::<f64>().map(Value::from))
                .unwrap_or_else(|_| Value::String(n.clone())),
            Kind::Str(s) | Kind::JsonText(s, _) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
            Kind::Ref(r) => Value::String(r.to_string()),
            Kind::Template(parts) => Value::String(
                parts
                    .iter()
                    .map(|p| match &p.kind {
                        Kind::Str(s) => s.clone(),
                        other => format!("${{{}}}", Node::new(p.span, other.clone()).describe()),
                    })
                    .collect(),
            ),
            Kind::Unknown(why) => Value::String(format!("<unknown: {why}>")),
        }
    }

    /// A short human description of the value, for messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Null => "null".into(),
            Kind::Bool(b) => b.to_string(),
            Kind::Num(n) => n.clone(),
            Kind::Str(s) | Kind::JsonText(s, _) if s.chars().count() > 60 => {
                let head: String = s.chars().take(57).collect();
                format!("{:?}", format!("{head}..."))
            }
            Kind::Str(s) | Kind::JsonText(s, _) => format!("{s:?}"),
            Kind::Seq(items) => format!("a list of {}", items.len()),
            Kind::Map(_) => "a map".into(),
            Kind::Ref(r) => r.to_string(),
            Kind::Template(_) => "a string with unresolved parts".into(),
            Kind::Unknown(why) => format!("unknown ({why})"),
        }
    }
}

impl fmt::Display for RefTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.attr {
            Some(a) => write!(f, "{}.{}", self.resource, a),
            None => write!(f, "{}", self.resource),
        }
    }
}

/// A problem with an input file: it could not be read or parsed. Reported with a span.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    /// Byte range of the problem; an empty span at 0 when there is no better place.
    pub span: Span,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            message: message.into(),
            span,
        }
    }
}
