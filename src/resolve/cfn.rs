//! Resolves CloudFormation intrinsic functions to what the template itself decides.
//!
//! `Ref` to a parameter gives its default (a parameter without one, and pseudo parameters such
//! as `AWS::Region`, are unknown); `Ref`/`Fn::GetAtt` to a resource become a reference;
//! `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::If` (with the
//! template's `Conditions` evaluated from parameter defaults), `Fn::Base64` and
//! `Fn::ToJsonString` are evaluated when their inputs are known; `Fn::ImportValue`,
//! `Fn::GetAZs`, `Fn::Cidr` and unknown functions are unknown; `AWS::NoValue` removes the
//! property. Every resource a value refers to is recorded. Work is bounded by a depth limit
//! and condition evaluation is memoized with cycle detection.

use crate::tree::{Key, Kind, Node, RefTarget, Span};
use std::collections::{BTreeSet, HashMap, HashSet};

const MAX_DEPTH: u32 = 128;

pub struct Resolver<'a> {
    params: HashMap<&'a str, &'a Node>,
    mappings: Option<&'a Node>,
    conditions: HashMap<&'a str, &'a Node>,
    resources: HashSet<&'a str>,
    cond_cache: std::cell::RefCell<HashMap<String, Option<Option<bool>>>>,
    /// Diagnostics met while resolving (condition cycles, depth).
    pub notes: std::cell::RefCell<Vec<(Span, String)>>,
    /// Open choices met since the last `take_choices`.
    choices: std::cell::RefCell<BTreeSet<Choice>>,
    assumed_conditions: HashMap<String, bool>,
    assumed_params: HashMap<String, String>,
}

/// A choice the template leaves open, on which a value depends.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Choice {
    /// A condition that parameter defaults do not decide.
    Condition(String),
    /// A parameter without a default, restricted by `AllowedValues`.
    Parameter(String, Vec<String>),
}

impl Choice {
    /// How many ways it can go.
    pub fn arity(&self) -> usize {
        match self {
            Choice::Condition(_) => 2,
            Choice::Parameter(_, values) => values.len(),
        }
    }
}

/// Every `Fn::` function CloudFormation accepts (with the language extensions and the
/// condition functions); any other is reported, as CloudFormation rejects it. Namespaced
/// names (`Fn::Rain::Embed`) belong to template preprocessors and are left alone.
const KNOWN_FUNCTIONS: &[&str] = &[
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::ForEach",
    "Fn::GetAZs",
    "Fn::GetAtt",
    "Fn::GetStackOutput",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Length",
    "Fn::Not",
    "Fn::Or",
    "Fn::RefAll",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::ToJsonString",
    "Fn::Transform",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
];

/// Parameters with more allowed values than this are treated as plain unknowns.
const MAX_ALLOWED_VALUES: usize = 8;

/// What resolving one value produced: the value (None = `AWS::NoValue`, the property is
/// absent) and the resources it refers to.
pub struct Resolved {
    pub node: Option<Node>,
    pub refs: BTreeSet<RefTarget>,
}

fn intrinsic(node: &Node) -> Option<(&Key, &Node)> {
    match &node.kind {
        Kind::Map(entries) if entries.len() == 1 => {
            let (k, v) = &entries[0];
            (k.name == "Ref" || k.name.starts_with("Fn::") || k.name == "Condition")
                .then_some((k, v))
        }
        _ => None,
    }
}

/// Builds a string from known text and values: a `Str` when everything is known, otherwise a
/// `Template` whose known runs are merged and whose other parts keep the values (references,
/// unknowns) that later stages follow or report.
struct Concat {
    span: Span,
    parts: Vec<Node>,
    lit: String,
}

impl Concat {
    fn new(span: Span) -> Concat {
        Concat {
            span,
            parts: Vec::new(),
            lit: String::new(),
        }
    }

    fn text(&mut self, s: &str) {
        self.lit.push_str(s);
    }

    fn value(&mut self, v: Node) {
        match text_of(&v).filter(|_| !matches!(v.kind, Kind::Null)) {
            Some(t) => self.lit.push_str(&t),
            None => {
                if !self.lit.is_empty() {
                    self.parts
                        .push(Node::str(self.span, std::mem::take(&mut self.lit)));
                }
                self.parts.push(v);
            }
        }
    }

    fn finish(mut self) -> Node {
        if self.parts.is_empty() {
            return Node::str(self.span, self.lit);
        }
        if !self.lit.is_empty() {
            self.parts.push(Node::str(self.span, self.lit));
        }
        Node::new(self.span, Kind::Template(self.parts))
    }
}

fn text_of(n: &Node) -> Option<String> {
    n.scalar_text().map(|t| t.into_owned())
}

impl<'a> Resolver<'a> {
    pub fn new(template: &'a Node) -> Resolver<'a> {
        let section = |name: &str| template.get(name).and_then(Node::as_map).unwrap_or(&[]);
        Resolver {
            params: section("Parameters")
                .iter()
                .map(|(k, v)| (k.name.as_str(), v))
                .collect(),
            mappings: template.get("Mappings"),
            conditions: section("Conditions")
                .iter()
                .map(|(k, v)| (k.name.as_str(), v))
                .collect(),
            resources: section("Resources")
                .iter()
                .map(|(k, _)| k.name.as_str())
                .collect(),
            cond_cache: Default::default(),
            notes: Default::default(),
            choices: Default::default(),
            assumed_conditions: HashMap::new(),
            assumed_params: HashMap::new(),
        }
    }

    /// A resolver for the same template that takes the given open choices as decided.
    pub fn assuming(
        &self,
        conditions: HashMap<String, bool>,
        params: HashMap<String, String>,
    ) -> Resolver<'a> {
        Resolver {
            params: self.params.clone(),
            mappings: self.mappings,
            conditions: self.conditions.clone(),
            resources: self.resources.clone(),
            cond_cache: Default::default(),
            notes: Default::default(),
            choices: Default::default(),
            assumed_conditions: conditions,
            assumed_params: params,
        }
    }

    /// The open choices met since the last call.
    pub fn take_choices(&self) -> Vec<Choice> {
        std::mem::take(&mut *self.choices.borrow_mut())
            .into_iter()
            .collect()
    }

    pub fn resolve(&self, node: &Node) -> Resolved {
        let mut refs = BTreeSet::new();
        let node = self.value(node, &mut refs, 0);
        Resolved { node, refs }
    }

    fn value(&self, node: &Node, refs: &mut BTreeSet<RefTarget>, depth: u32) -> Option<Node> {
        if depth > MAX_DEPTH {
            return Some(Node::unknown(node.span, "nesting too deep to resolve"));
        }
        if let Some((k, arg)) = intrinsic(node) {
            if k.name != "Condition" {
                if k.name.starts_with("Fn::")
                    && !KNOWN_FUNCTIONS.contains(&k.name.as_str())
                    && !k.name[4..].contains("::")
                {
                    let note = format!("unknown intrinsic function `{}`", k.name);
                    self.notes.borrow_mut().push((k.span, note));
                }
                return self.function(node.span, &k.name, arg, refs, depth + 1);
            }
        }
        match &node.kind {
            Kind::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    if let Some(v) = self.value(v, refs, depth + 1) {
                        out.push((k.clone(), v));
                    }
                }
                Some(Node::new(node.span, Kind::Map(out)))
            }
            Kind::Seq(items) => Some(Node::new(
                node.span,
                Kind::Seq(
                    items
                        .iter()
                        .filter_map(|i| self.value(i, refs, depth + 1))
                        .collect(),
                ),
            )),
            _ => Some(node.clone()),
        }
    }

    fn reference(
        &self,
        span: Span,
        name: &str,
        attr: Option<String>,
        refs: &mut BTreeSet<RefTarget>,
    ) -> Option<Node> {
        if attr.is_none() {
            if name == "AWS::NoValue" {
                return None;
            }
            if let Some(p) = self.params.get(name) {
                return Some(self.parameter(span, name, p));
            }
            if name.starts_with("AWS::") {
                return Some(Node::unknown(span, format!("pseudo parameter {name}")));
            }
        }
        if self.resources.contains(name) {
            let target = RefTarget {
                resource: name.to_string(),
                attr,
            };
            refs.insert(target.clone());
            return Some(Node::new(span, Kind::Ref(target)));
        }
        Some(Node::unknown(
            span,
            format!("{name} is not defined in this template"),
        ))
    }

    fn parameter(&self, span: Span, name: &str, p: &Node) -> Node {
        if let Some(v) = self.assumed_params.get(name) {
            return Node::str(span, v.clone());
        }
        let ty = p.get("Type").and_then(Node::as_str).unwrap_or("String");
        if ty.starts_with("AWS::SSM::Parameter::Value") {
            return Node::unknown(span, format!("parameter {name} is read from SSM"));
        }
        match p.get("Default") {
            Some(d) => {
                let mut v = d.clone();
                v.span = span;
                if ty == "CommaDelimitedList" || ty.starts_with("List<") {
                    if let Some(s) = d.scalar_text() {
                        let items = s.split(',').map(|x| Node::str(span, x.trim())).collect();
                        v = Node::new(span, Kind::Seq(items));
                    }
                }
                v
            }
            None => {
                let allowed: Option<Vec<String>> = p
                    .get("AllowedValues")
                    .and_then(Node::as_seq)
                    .and_then(|vs| vs.iter().map(text_of).collect());
                if let Some(values) =
                    allowed.filter(|v| !v.is_empty() && v.len() <= MAX_ALLOWED_VALUES)
                {
                    self.choices
                        .borrow_mut()
                        .insert(Choice::Parameter(name.to_string(), values));
                }
                Node::unknown(span, format!("parameter {name} has no default"))
            }
        }
    }

    fn function(
        &self,
        span: Span,
        name: &str,
        arg: &Node,
        refs: &mut BTreeSet<RefTarget>,
        depth: u32,
    ) -> Option<Node> {
        let unknown = |why: String| Some(Node::unknown(span, why));
        match name {
            "Ref" => match arg.as_str() {
                Some(n) => self.reference(span, n, None, refs),
                None => unknown("Ref needs a name".into()),
            },
            "Fn::GetAtt" => {
                let parts: Vec<String> = match &arg.kind {
                    Kind::Str(s) => s.splitn(2, '.').map(str::to_string).collect(),
                    Kind::Seq(items) => items.iter().filter_map(text_of).collect(),
                    _ => Vec::new(),
                };
                match parts.as_slice() {
                    [res, attr] => self.reference(span, res, Some(attr.clone()), refs),
                    _ => unknown("Fn::GetAtt with an unresolved name".into()),
                }
            }
            "Fn::Sub" => self.sub(span, arg, refs, depth),
            "Fn::Join" => self.join(span, arg, refs, depth),
            "Fn::Select" => {
                let items = arg.as_seq().unwrap_or(&[]);
                let (Some(i), Some(list)) = (items.first(), items.get(1)) else {
                    return unknown("Fn::Select needs [index, list]".into());
                };
                let i = self
                    .value(i, refs, depth)
                    .and_then(|n| text_of(&n))
                    .and_then(|t| t.parse::<usize>().ok());
                let list = self.value(list, refs, depth);
                match (i, list.as_ref().map(|l| &l.kind)) {
                    (Some(i), Some(Kind::Seq(items))) => match items.get(i) {
                        Some(v) => Some(v.clone()),
                        None => unknown(format!("Fn::Select index {i} is out of range")),
                    },
                    _ => unknown("Fn::Select on an unresolved list".into()),
                }
            }
            "Fn::Split" => {
                let items = arg.as_seq().unwrap_or(&[]);
                let delim = items.first().and_then(text_of);
                let s = items
                    .get(1)
                    .and_then(|s| self.value(s, refs, depth))
                    .and_then(|n| text_of(&n));
                match (delim, s) {
                    (Some(d), Some(s)) if !d.is_empty() => Some(Node::new(
                        span,
                        Kind::Seq(s.split(d.as_str()).map(|p| Node::str(span, p)).collect()),
                    )),
                    _ => unknown("Fn::Split of an unresolved string".into()),
                }
            }
            "Fn::FindInMap" => self.find_in_map(span, arg, refs, depth),
            "Fn::If" => {
                let items = arg.as_seq().unwrap_or(&[]);
                let (Some(c), Some(a), Some(b)) = (
                    items.first().and_then(Node::as_str),
                    items.get(1),
                    items.get(2),
                ) else {
                    return unknown("Fn::If needs [condition, then, else]".into());
                };
                match self.condition(c) {
                    Some(true) => self.value(a, refs, depth),
                    Some(false) => self.value(b, refs, depth),
                    None => {
                        if self.conditions.contains_key(c) {
                            self.choices
                                .borrow_mut()
                                .insert(Choice::Condition(c.to_string()));
                        }
                        let a = self.value(a, refs, depth);
                        let b = self.value(b, refs, depth);
                        let why = format!("condition {c} is not decided by the template");
                        if a.is_none() || b.is_none() {
                            // One branch is AWS::NoValue: the property may not exist at all.
                            Some(Node::maybe_absent(span, why))
                        } else {
                            unknown(why)
                        }
                    }
                }
            }
            "Fn::Base64" | "Fn::ToJsonString" => self.value(arg, refs, depth),
            "Fn::Length" => match self.value(arg, refs, depth).map(|n| n.kind) {
                Some(Kind::Seq(items)) => Some(Node::new(span, Kind::Num(items.len().to_string()))),
                _ => unknown("Fn::Length of an unresolved list".into()),
            },
            "Fn::ImportValue" | "Fn::GetAZs" | "Fn::Cidr" | "Fn::Transform" => {
                self.value(arg, refs, depth);
                unknown(format!("{name} is decided at deploy time"))
            }
            other => {
                self.value(arg, refs, depth);
                unknown(format!("unsupported function {other}"))
            }
        }
    }

    fn sub(
        &self,
        span: Span,
        arg: &Node,
        refs: &mut BTreeSet<RefTarget>,
        depth: u32,
    ) -> Option<Node> {
        let (template, vars) = match &arg.kind {
            Kind::Str(s) => (s.as_str(), None),
            Kind::Seq(items) => match (items.first().and_then(Node::as_str), items.get(1)) {
                (Some(s), vars) => (s, vars),
                _ => return Some(Node::unknown(span, "Fn::Sub with an unresolved template")),
            },
            _ => return Some(Node::unknown(span, "Fn::Sub with an unresolved template")),
        };
        let mut out = Concat::new(span);
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.text(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.text(&rest[i..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.text(&format!("${{{literal}}}"));
                continue;
            }
            let value = match vars.and_then(|v| v.get(name)) {
                Some(v) => self.value(v, refs, depth),
                None => match name.split_once('.') {
                    Some((res, attr)) if !self.params.contains_key(name) => {
                        self.reference(span, res, Some(attr.to_string()), refs)
                    }
                    _ => self.reference(span, name, None, refs),
                },
            };
            // `AWS::NoValue` in a Sub is the empty string.
            out.value(value.unwrap_or_else(|| Node::str(span, "")));
        }
        out.text(rest);
        Some(out.finish())
    }

    fn join(
        &self,
        span: Span,
        arg: &Node,
        refs: &mut BTreeSet<RefTarget>,
        depth: u32,
    ) -> Option<Node> {
        let items = arg.as_seq().unwrap_or(&[]);
        let (Some(delim), Some(list)) = (items.first().and_then(text_of), items.get(1)) else {
            return Some(Node::unknown(span, "Fn::Join needs [delimiter, list]"));
        };
        let list = self.value(list, refs, depth);
        let Some(Kind::Seq(values)) = list.map(|l| l.kind) else {
            return Some(Node::unknown(span, "Fn::Join of an unresolved list"));
        };
        let mut out = Concat::new(span);
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                out.text(&delim);
            }
            out.value(v);
        }
        Some(out.finish())
    }

    fn find_in_map(
        &self,
        span: Span,
        arg: &Node,
        refs: &mut BTreeSet<RefTarget>,
        depth: u32,
    ) -> Option<Node> {
        let items = arg.as_seq().unwrap_or(&[]);
        let keys: Vec<Option<String>> = items
            .iter()
            .take(3)
            .map(|k| self.value(k, refs, depth).and_then(|n| text_of(&n)))
            .collect();
        let default = items.get(3).and_then(|d| d.get("DefaultValue"));
        let found = match keys.as_slice() {
            [Some(m), Some(a), Some(b)] => self
                .mappings
                .and_then(|ms| ms.get(m))
                .and_then(|m| m.get(a))
                .and_then(|x| x.get(b)),
            _ => return Some(Node::unknown(span, "Fn::FindInMap with unresolved keys")),
        };
        match found.or(default) {
            Some(v) => {
                let mut v = self.value(v, refs, depth)?;
                v.span = span;
                Some(v)
            }
            None => Some(Node::unknown(span, "Fn::FindInMap key not in the mapping")),
        }
    }

    /// Evaluates a named condition from parameter defaults; `None` when undecidable.
    pub fn condition(&self, name: &str) -> Option<bool> {
        if let Some(cached) = self.cond_cache.borrow().get(name) {
            return cached.unwrap_or_else(|| {
                self.notes.borrow_mut().push((
                    Span::default(),
                    format!("condition {name} refers to itself"),
                ));
                None
            });
        }
        let node = *self.conditions.get(name)?;
        self.cond_cache.borrow_mut().insert(name.to_string(), None);
        let v = self
            .cond_expr(node, 0)
            .or_else(|| self.assumed_conditions.get(name).copied());
        self.cond_cache
            .borrow_mut()
            .insert(name.to_string(), Some(v));
        v
    }

    fn cond_expr(&self, node: &Node, depth: u32) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (k, arg) = intrinsic(node)?;
        let args = arg.as_seq().unwrap_or(&[]);
        match k.name.as_str() {
            "Condition" => self.condition(arg.as_str()?),
            "Fn::Equals" => {
                let mut refs = BTreeSet::new();
                let a = self
                    .value(args.first()?, &mut refs, depth + 1)
                    .and_then(|n| text_of(&n))?;
                let b = self
                    .value(args.get(1)?, &mut refs, depth + 1)
                    .and_then(|n| text_of(&n))?;
                Some(a == b)
            }
            "Fn::Not" => self.cond_expr(args.first()?, depth + 1).map(|b| !b),
            "Fn::And" => {
                let vals: Vec<Option<bool>> =
                    args.iter().map(|a| self.cond_expr(a, depth + 1)).collect();
                if vals.contains(&Some(false)) {
                    Some(false)
                } else if vals.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            "Fn::Or" => {
                let vals: Vec<Option<bool>> =
                    args.iter().map(|a| self.cond_expr(a, depth + 1)).collect();
                if vals.contains(&Some(true)) {
                    Some(true)
                } else if vals.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}
