//! Evaluates compiled rules over the resources of one unit.
//!
//! Each resource runs only the rules for its type. A condition evaluates to pass, fail (with
//! the places to report) or unknown (it depends on a value the template does not decide);
//! unknown never becomes a finding, but is kept so `--show-unknown` can list it.

pub mod builtin;
pub mod cond;
pub mod graph;
pub mod iam;
pub mod path;

use crate::model::{Format, Resource, Unit};
use crate::rules::RuleSet;
use crate::tree::{Kind, Node, Span};
use cond::{Cond, Op};
use graph::Graph;
use path::Slot;
use serde_json::Value;
use std::collections::HashMap;

/// A secondary place related to a violation (the key a reference leads to, the companion
/// resource that is wrong).
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub file: usize,
    pub span: Span,
    pub label: String,
}

/// One place where a rule fails.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub file: usize,
    pub span: Span,
    /// Property path (stable across edits elsewhere; part of the fingerprint).
    pub path: String,
    /// What is wrong there, in a few words.
    pub detail: String,
    pub related: Vec<Related>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Pass,
    Fail(Vec<Violation>),
    Unknown(String),
}

/// A rule's verdict on one resource, as the engine produces it.
#[derive(Clone, Debug)]
pub struct RawFinding {
    pub rule: usize,
    pub resource: usize,
    pub violation: Violation,
}

/// A decision that depended on a value the template does not decide.
#[derive(Clone, Debug)]
pub struct RawUnknown {
    pub rule: usize,
    pub resource: usize,
    pub why: String,
}

/// A rule's outcome on one resource, without its details (for pass/fail/unknown counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Unknown,
}

impl Verdict {
    pub fn of(outcome: &Outcome) -> Verdict {
        match outcome {
            Outcome::Pass => Verdict::Pass,
            Outcome::Fail(_) => Verdict::Fail,
            Outcome::Unknown(_) => Verdict::Unknown,
        }
    }
}

/// One rule evaluated on one resource (every rule that applied, whatever its outcome).
#[derive(Clone, Copy, Debug)]
pub struct RawEvaluation {
    pub rule: usize,
    pub resource: usize,
    pub verdict: Verdict,
}

/// The place a check is evaluated at: the resource (for its header and file) and the node
/// paths start from (the properties, or a list element inside `each`).
#[derive(Clone, Copy)]
struct At<'a> {
    res: &'a Resource,
    root: &'a Node,
}

pub struct Ctx<'a> {
    pub unit: &'a Unit,
    pub graph: &'a Graph,
    /// Nesting guard for `follow`/`referenced_by` chains.
    depth: std::cell::Cell<u32>,
}

/// Rule parameter overrides from the config, by rule id.
pub type ParamOverrides = HashMap<String, serde_json::Map<String, Value>>;

/// The rules that apply to each resource type, per format: built once per scan, not per unit.
pub struct TypeIndex {
    by_format: [HashMap<String, Vec<usize>>; 3],
}

impl TypeIndex {
    pub fn new(rules: &RuleSet) -> TypeIndex {
        let formats = [
            Format::CloudFormation,
            Format::Terraform,
            Format::TerraformPlan,
        ];
        let by_format = formats.map(|format| {
            let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
            for (ri, rule) in rules.rules.iter().enumerate() {
                if let Some(t) = rule.target(format) {
                    for ty in &t.types {
                        by_type.entry(ty.clone()).or_default().push(ri);
                    }
                }
            }
            by_type
        });
        TypeIndex { by_format }
    }

    fn rules_for(&self, format: Format, rtype: &str) -> Option<&[usize]> {
        let i = match format {
            Format::CloudFormation => 0,
            Format::Terraform => 1,
            Format::TerraformPlan => 2,
        };
        self.by_format[i].get(rtype).map(Vec::as_slice)
    }
}

/// Runs every applicable rule on every resource of `unit`.
pub fn evaluate_unit(
    unit: &Unit,
    rules: &RuleSet,
) -> (Vec<RawFinding>, Vec<RawUnknown>, Vec<RawEvaluation>) {
    evaluate_unit_with(unit, rules, &TypeIndex::new(rules))
}

/// [`evaluate_unit`] with the rules' index by type (of the same `rules`) made beforehand.
pub fn evaluate_unit_with(
    unit: &Unit,
    rules: &RuleSet,
    index: &TypeIndex,
) -> (Vec<RawFinding>, Vec<RawUnknown>, Vec<RawEvaluation>) {
    let graph = Graph::build(unit);
    let ctx = Ctx {
        unit,
        graph: &graph,
        depth: std::cell::Cell::new(0),
    };
    let format = unit.format;
    let mut findings = Vec::new();
    let mut unknowns = Vec::new();
    let mut evaluations = Vec::new();
    for (i, res) in unit.resources.iter().enumerate() {
        let Some(rule_ids) = index.rules_for(format, &res.rtype) else {
            continue;
        };
        for &ri in rule_ids {
            let Some(target) = rules.rules[ri].target(format) else {
                continue;
            };
            if target.ml_scope && !graph.ml_scope[i] {
                continue;
            }
            let outcome = ctx.eval_resource(&target.cond, res);
            evaluations.push(RawEvaluation {
                rule: ri,
                resource: i,
                verdict: Verdict::of(&outcome),
            });
            match outcome {
                Outcome::Pass => {}
                Outcome::Unknown(why) => unknowns.push(RawUnknown {
                    rule: ri,
                    resource: i,
                    why,
                }),
                Outcome::Fail(vs) => {
                    // One finding per place: list elements generated from one expression
                    // share a span.
                    let mut seen: Vec<(usize, Span, String)> = Vec::new();
                    for v in vs {
                        let key = (v.file, v.span, v.detail.clone());
                        if seen.contains(&key) {
                            continue;
                        }
                        seen.push(key);
                        findings.push(RawFinding {
                            rule: ri,
                            resource: i,
                            violation: v,
                        });
                    }
                }
            }
        }
    }
    (findings, unknowns, evaluations)
}

/// Compares a known scalar with a rule operand (`true` matches "true" and "True"; numbers
/// compare numerically).
pub fn scalar_eq(text: &str, v: &Value) -> bool {
    match v {
        Value::String(s) => text == s,
        Value::Bool(b) => text.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => match (text.parse::<f64>(), n.as_f64()) {
            (Ok(a), Some(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => a.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn last_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Combines outcomes: every one must pass.
fn all(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut fails = Vec::new();
    let mut unknown = None;
    for o in outcomes {
        match o {
            Outcome::Pass => {}
            Outcome::Fail(v) => fails.extend(v),
            Outcome::Unknown(w) => unknown = unknown.or(Some(w)),
        }
    }
    if !fails.is_empty() {
        Outcome::Fail(fails)
    } else if let Some(w) = unknown {
        Outcome::Unknown(w)
    } else {
        Outcome::Pass
    }
}

/// Combines outcomes: one passing is enough.
fn any(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut fails = Vec::new();
    let mut unknown = None;
    for o in outcomes {
        match o {
            Outcome::Pass => return Outcome::Pass,
            Outcome::Fail(v) => fails.extend(v),
            Outcome::Unknown(w) => unknown = unknown.or(Some(w)),
        }
    }
    if let Some(w) = unknown {
        Outcome::Unknown(w)
    } else if fails.is_empty() {
        Outcome::Pass
    } else {
        fails.truncate(1);
        Outcome::Fail(fails)
    }
}

impl<'a> Ctx<'a> {
    pub fn new(unit: &'a Unit, graph: &'a Graph) -> Ctx<'a> {
        Ctx {
            unit,
            graph,
            depth: std::cell::Cell::new(0),
        }
    }

    /// Evaluates a condition on a resource; when its properties depend on open choices and
    /// the answer is not decided without them, it fails only if it fails under every
    /// combination (the returned flag says the choices mattered).
    fn eval_worlds(&self, cond: &Cond, res: &'a Resource) -> (Outcome, bool) {
        let base = self.eval(
            cond,
            At {
                res,
                root: &res.properties,
            },
        );
        if res.worlds.is_empty() || !matches!(base, Outcome::Unknown(_)) {
            return (base, false);
        }
        let mut first_fail: Option<Vec<Violation>> = None;
        let mut unknown = None;
        let mut passed = 0usize;
        for world in &res.worlds {
            match self.eval(
                cond,
                At {
                    res,
                    root: &world.properties,
                },
            ) {
                Outcome::Pass => passed += 1,
                Outcome::Unknown(w) => unknown = unknown.or(Some(w)),
                Outcome::Fail(vs) => {
                    // Prefer a world whose violation points at a written value over one where
                    // the property is absent: that is where the user edits.
                    let at_value = vs.iter().any(|v| v.span != res.header);
                    let have_value = first_fail
                        .as_ref()
                        .is_some_and(|f| f.iter().any(|v| v.span != res.header));
                    if first_fail.is_none() || (at_value && !have_value) {
                        first_fail = Some(vs);
                    }
                }
            }
        }
        if passed == res.worlds.len() {
            return (Outcome::Pass, true);
        }
        match (unknown, first_fail) {
            (Some(w), _) => (Outcome::Unknown(w), true),
            (None, Some(_)) if passed > 0 => {
                let open: Vec<&str> = res.worlds[0]
                    .assumptions
                    .iter()
                    .map(String::as_str)
                    .collect();
                (
                    Outcome::Unknown(format!("depends on open choices ({})", open.join(", "))),
                    true,
                )
            }
            (None, Some(vs)) => (Outcome::Fail(vs), true),
            (None, None) => (base, false),
        }
    }

    /// Evaluates a rule on a resource, naming the open choices in the finding when they
    /// mattered.
    fn eval_resource(&self, cond: &Cond, res: &'a Resource) -> Outcome {
        let (outcome, chose) = self.eval_worlds(cond, res);
        let Outcome::Fail(vs) = outcome else {
            return outcome;
        };
        if !chose {
            return Outcome::Fail(vs);
        }
        let mut open: Vec<String> = res.worlds[0]
            .assumptions
            .iter()
            .filter_map(|a| a.rsplit_once(" is ").map(|(what, _)| what.to_string()))
            .collect();
        open.dedup();
        let verb = if open.len() == 1 { "goes" } else { "go" };
        Outcome::Fail(
            vs.into_iter()
                .map(|mut v| {
                    v.detail =
                        format!("{} (whichever way {} {verb})", v.detail, open.join(" and "));
                    v
                })
                .collect(),
        )
    }

    fn source(&self, file: usize) -> &'a str {
        self.unit.files.get(file).map_or("", |f| f.text.as_str())
    }

    fn header(&self, at: At, path: &str, detail: String) -> Violation {
        Violation {
            file: at.res.file,
            span: at.res.header,
            path: path.to_string(),
            detail,
            related: Vec::new(),
        }
    }

    fn eval(&self, cond: &Cond, at: At<'a>) -> Outcome {
        match cond {
            Cond::Leaf {
                path,
                op,
                default,
                any: q_any,
            } => self.leaf(at, &path.text, &path.segments, op, default.as_ref(), *q_any),
            Cond::All(cs) => all(cs.iter().map(|c| self.eval(c, at))),
            Cond::Any(cs) => any(cs.iter().map(|c| self.eval(c, at))),
            Cond::Not(c) => match self.eval(c, at) {
                Outcome::Pass => Outcome::Fail(vec![self.header(
                    at,
                    "",
                    "the condition it must not meet holds".into(),
                )]),
                Outcome::Fail(_) => Outcome::Pass,
                u => u,
            },
            Cond::If {
                cond,
                then,
                otherwise,
            } => match self.eval(cond, at) {
                Outcome::Pass => self.eval(then, at),
                Outcome::Fail(_) => otherwise
                    .as_ref()
                    .map_or(Outcome::Pass, |o| self.eval(o, at)),
                Outcome::Unknown(w) => {
                    let a = self.eval(then, at);
                    let b = otherwise
                        .as_ref()
                        .map_or(Outcome::Pass, |o| self.eval(o, at));
                    if a == Outcome::Pass && b == Outcome::Pass {
                        Outcome::Pass
                    } else {
                        Outcome::Unknown(w)
                    }
                }
            },
            Cond::Each {
                path,
                filter,
                min,
                check,
            } => self.each(at, path, filter.as_deref(), *min, check.as_deref()),
            Cond::Follow { path, types, check } => self.follow(at, path, types, check),
            Cond::ReferencedBy {
                types,
                path,
                min,
                check,
            } => self.referenced_by(at, types, path, *min, check.as_deref()),
            Cond::IamPolicy { documents, forbid } => {
                iam::check(self, at.res, at.root, documents, forbid)
            }
            Cond::Builtin { name, args } => builtin::run(self, at.res, at.root, name, args),
        }
    }

    fn leaf(
        &self,
        at: At,
        text: &str,
        segs: &[cond::Segment],
        op: &Op,
        default: Option<&Value>,
        q_any: bool,
    ) -> Outcome {
        let slots = path::walk(at.root, segs);
        if op.is_aggregate() {
            return self.aggregate(at, text, segs, &slots, op, default);
        }
        let outcomes = slots.iter().map(|slot| match slot {
            Slot::Unknown { why, leaf, .. } => match op {
                Op::Exists(true) if *leaf => Outcome::Pass,
                _ => Outcome::Unknown(why.clone()),
            },
            Slot::Absent { path } => match default {
                Some(d) => match test_value(op, d) {
                    Some(true) => Outcome::Pass,
                    _ => Outcome::Fail(vec![self.header(
                        at,
                        path,
                        format!("`{text}` is not set (the default is {})", show(d)),
                    )]),
                },
                None => match op {
                    Op::Exists(true) | Op::NotEmpty => {
                        Outcome::Fail(vec![self.header(at, path, format!("`{text}` is not set"))])
                    }
                    Op::HasKeys(keys) if !keys.is_empty() => Outcome::Fail(vec![self.header(
                        at,
                        path,
                        format!(
                            "`{text}` is not set (it needs {})",
                            show(&Value::Array(keys.clone()))
                        ),
                    )]),
                    _ => Outcome::Pass,
                },
            },
            Slot::Present { key, node, path } => {
                let span = key.map_or(node.span, |k| k.span);
                match test_node(op, node) {
                    Ok(true) => Outcome::Pass,
                    Ok(false) => Outcome::Fail(vec![Violation {
                        file: at.res.file,
                        span,
                        path: path.clone(),
                        detail: describe_fail(op, path, node),
                        related: Vec::new(),
                    }]),
                    Err(why) => Outcome::Unknown(why),
                }
            }
        });
        if q_any {
            any(outcomes)
        } else {
            all(outcomes)
        }
    }

    fn aggregate(
        &self,
        at: At,
        text: &str,
        segs: &[cond::Segment],
        slots: &[Slot],
        op: &Op,
        default: Option<&Value>,
    ) -> Outcome {
        let mut values: Vec<(String, Span, String)> = Vec::new();
        let mut unknown = None;
        for slot in slots {
            match slot {
                Slot::Present { key, node, path } => match node.scalar_text() {
                    Some(t) => values.push((
                        t.into_owned(),
                        key.map_or(node.span, |k| k.span),
                        path.clone(),
                    )),
                    None => unknown = unknown.or(Some(format!("`{path}` is {}", node.describe()))),
                },
                Slot::Unknown { why, .. } => unknown = unknown.or(Some(why.clone())),
                Slot::Absent { .. } => {}
            }
        }
        if values.is_empty() && unknown.is_none() {
            if let Some(d) = default {
                if let Value::Array(a) = d {
                    values.extend(a.iter().filter_map(|v| {
                        v.as_str()
                            .map(|s| (s.to_string(), at.res.header, text.to_string()))
                    }));
                } else if let Some(s) = d.as_str() {
                    values.push((s.to_string(), at.res.header, text.to_string()));
                }
            }
        }
        let has = |v: &Value| values.iter().any(|(t, _, _)| scalar_eq(t, v));
        match op {
            Op::Includes(_) | Op::IncludesAll(_) => {
                let wanted: Vec<&Value> = match op {
                    Op::Includes(v) => vec![v],
                    Op::IncludesAll(vs) => vs.iter().collect(),
                    _ => Vec::new(),
                };
                let missing: Vec<String> =
                    wanted.iter().filter(|w| !has(w)).map(|w| show(w)).collect();
                if missing.is_empty() {
                    Outcome::Pass
                } else if let Some(w) = unknown {
                    Outcome::Unknown(w)
                } else {
                    // Point at the list when it is written, at the resource when it is not.
                    let mut v =
                        self.header(at, text, format!("`{}` lacks {}", text, missing.join(", ")));
                    if let Some(span) = list_key(at.root, segs) {
                        v.span = span;
                    }
                    Outcome::Fail(vec![v])
                }
            }
            Op::Excludes(banned) => {
                let bad: Vec<Violation> = values
                    .iter()
                    .filter(|(t, _, _)| banned.iter().any(|b| scalar_eq(t, b)))
                    .map(|(t, span, path)| Violation {
                        file: at.res.file,
                        span: *span,
                        path: path.clone(),
                        detail: format!("`{}` is {t:?}", last_name(path)),
                        related: Vec::new(),
                    })
                    .collect();
                if !bad.is_empty() {
                    Outcome::Fail(bad)
                } else if let Some(w) = unknown {
                    Outcome::Unknown(w)
                } else {
                    Outcome::Pass
                }
            }
            _ => Outcome::Pass,
        }
    }

    fn each(
        &self,
        at: At<'a>,
        p: &cond::Path,
        filter: Option<&Cond>,
        min: usize,
        check: Option<&Cond>,
    ) -> Outcome {
        let mut elements: Vec<&'a Node> = Vec::new();
        let mut unknown = None;
        for slot in path::walk(at.root, &p.segments) {
            match slot {
                Slot::Present { node, .. } => match &node.kind {
                    Kind::Seq(items) => elements.extend(items.iter()),
                    _ => elements.push(node),
                },
                Slot::Unknown { why, .. } => unknown = unknown.or(Some(why)),
                Slot::Absent { .. } => {}
            }
        }
        let mut matched = 0usize;
        let mut maybe = 0usize;
        let mut outcomes = Vec::new();
        for el in elements {
            if let Kind::Unknown(why) = &el.kind {
                maybe += 1;
                unknown = unknown.or(Some(why.clone()));
                continue;
            }
            let inner = At {
                res: at.res,
                root: el,
            };
            match filter.map_or(Outcome::Pass, |f| self.eval(f, inner)) {
                Outcome::Pass => {
                    matched += 1;
                    if let Some(c) = check {
                        // A property missing from an element is reported at the element,
                        // not at the resource: that says which element lacks it.
                        outcomes.push(match self.eval(c, inner) {
                            Outcome::Fail(vs) => Outcome::Fail(
                                vs.into_iter()
                                    .map(|mut v| {
                                        if v.span == at.res.header && v.file == at.res.file {
                                            v.span = first_line(el.span, self.source(at.res.file));
                                        }
                                        v
                                    })
                                    .collect(),
                            ),
                            other => other,
                        });
                    }
                }
                Outcome::Fail(_) => {}
                Outcome::Unknown(w) => {
                    maybe += 1;
                    unknown = unknown.or(Some(w));
                }
            }
        }
        let checked = all(outcomes);
        if matches!(checked, Outcome::Fail(_)) {
            return checked;
        }
        if matched < min {
            if maybe > 0 || unknown.is_some() {
                return Outcome::Unknown(
                    unknown.unwrap_or_else(|| "undecided list elements".into()),
                );
            }
            let what = match filter {
                Some(Cond::Leaf {
                    path,
                    op: Op::Equals(v),
                    ..
                }) => format!("no element with `{}` = {}", path.text, show(v)),
                Some(_) => "no matching element".to_string(),
                None => "no element".to_string(),
            };
            return Outcome::Fail(vec![self.header(
                at,
                &p.text,
                format!("`{}` has {what}", p.text),
            )]);
        }
        match (checked, unknown) {
            (Outcome::Unknown(w), _) => Outcome::Unknown(w),
            // Elements whose `where` is undecided, or a list that is not known, might need
            // the check too.
            (_, Some(w)) if check.is_some() => Outcome::Unknown(w),
            _ => Outcome::Pass,
        }
    }

    fn guard<T>(&self, f: impl FnOnce() -> T, fallback: T) -> T {
        let d = self.depth.get();
        if d > 8 {
            return fallback;
        }
        self.depth.set(d + 1);
        let r = f();
        self.depth.set(d);
        r
    }

    fn follow(&self, at: At<'a>, p: &cond::Path, types: &[String], check: &Cond) -> Outcome {
        let mut outcomes = Vec::new();
        for slot in path::walk(at.root, &p.segments) {
            match slot {
                Slot::Absent { .. } => {}
                Slot::Unknown { why, .. } => outcomes.push(Outcome::Unknown(why)),
                Slot::Present { key, node, path } => {
                    let targets: Vec<usize> = self
                        .graph
                        .targets(node)
                        .into_iter()
                        .filter(|t| {
                            types.is_empty() || types.contains(&self.unit.resources[*t].rtype)
                        })
                        .collect();
                    if targets.is_empty() {
                        outcomes.push(Outcome::Unknown(format!(
                            "`{path}` refers to a resource outside this template"
                        )));
                        continue;
                    }
                    for t in targets {
                        let target = &self.unit.resources[t];
                        let o = self.guard(
                            || self.eval_worlds(check, target).0,
                            Outcome::Unknown("reference chain too deep".into()),
                        );
                        outcomes.push(match o {
                            Outcome::Fail(vs) => Outcome::Fail(vec![Violation {
                                file: at.res.file,
                                span: key.map_or(node.span, |k| k.span),
                                path: path.clone(),
                                detail: format!(
                                    "`{}` refers to {} where {}",
                                    last_name(&path),
                                    target.id,
                                    vs.iter()
                                        .map(|v| v.detail.as_str())
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                ),
                                related: vs
                                    .into_iter()
                                    .map(|v| Related {
                                        file: v.file,
                                        span: v.span,
                                        label: v.detail,
                                    })
                                    .collect(),
                            }]),
                            other => other,
                        });
                    }
                }
            }
        }
        all(outcomes)
    }

    fn referenced_by(
        &self,
        at: At<'a>,
        types: &[String],
        p: &cond::Path,
        min: usize,
        check: Option<&Cond>,
    ) -> Outcome {
        let me = self.graph.index_of(&at.res.id);
        let mut companions = Vec::new();
        let mut unknown = None;
        for r in &self.unit.resources {
            if !types.contains(&r.rtype) {
                continue;
            }
            let refers = |props: &'a Node, unknown: &mut Option<String>| {
                for slot in path::walk(props, &p.segments) {
                    match slot {
                        Slot::Present { node, .. } => {
                            if me.is_some_and(|m| self.graph.targets(node).contains(&m)) {
                                return true;
                            }
                            // A name built from undecided parts may name this resource.
                            if let Kind::Template(parts) = &node.kind {
                                if parts.iter().any(|p| matches!(p.kind, Kind::Unknown(_))) {
                                    *unknown = unknown.take().or(Some(format!(
                                        "{} may refer to it through an undecided name",
                                        r.id
                                    )));
                                }
                            }
                        }
                        Slot::Unknown { why, .. } => *unknown = unknown.take().or(Some(why)),
                        Slot::Absent { .. } => {}
                    }
                }
                false
            };
            let mut maybe = None;
            if refers(&r.properties, &mut maybe)
                || (maybe.is_some() && r.worlds.iter().any(|w| refers(&w.properties, &mut None)))
            {
                companions.push(r);
            } else if maybe.is_some() {
                unknown = unknown.or(maybe);
            }
        }
        if companions.len() < min {
            if let Some(w) = unknown {
                return Outcome::Unknown(w);
            }
            return Outcome::Fail(vec![self.header(
                at,
                &p.text,
                format!("no {} refers to it", types.join(" or ")),
            )]);
        }
        let Some(check) = check else {
            return Outcome::Pass;
        };
        if companions.is_empty() {
            return Outcome::Pass;
        }
        let outcomes: Vec<Outcome> = companions
            .iter()
            .map(|c| {
                self.guard(
                    || self.eval_worlds(check, c).0,
                    Outcome::Unknown("reference chain too deep".into()),
                )
            })
            .collect();
        // One companion that passes is enough; when none does, report what is wrong with
        // each of them.
        if outcomes.contains(&Outcome::Pass) {
            return Outcome::Pass;
        }
        // One undecided companion may be the one that passes.
        if let Some(Outcome::Unknown(w)) =
            outcomes.iter().find(|o| matches!(o, Outcome::Unknown(_)))
        {
            return Outcome::Unknown(w.clone());
        }
        all(outcomes)
    }
}

/// The span of the first line of `span` in `source` (a list element's first key).
fn first_line(span: Span, source: &str) -> Span {
    let start = span.start as usize;
    let end = (span.end as usize).min(source.len());
    let line_end = source
        .get(start..end)
        .and_then(|t| t.find('\n'))
        .map_or(end, |i| start + i);
    Span::new(start, line_end.max(start))
}

/// The key of the list a path iterates (`FiltersConfig` in `FiltersConfig[*].Type`), when
/// it is written: where a finding about a missing list member points.
fn list_key(root: &Node, segs: &[cond::Segment]) -> Option<Span> {
    let last_key = segs
        .iter()
        .rposition(|s| matches!(s, cond::Segment::Key(_)))?;
    let list_end = segs[..last_key]
        .iter()
        .rposition(|s| matches!(s, cond::Segment::All))
        .unwrap_or(last_key + 1);
    let prefix = &segs[..list_end.min(segs.len())];
    path::walk(root, prefix).into_iter().find_map(|s| match s {
        Slot::Present { key: Some(k), .. } => Some(k.span),
        _ => None,
    })
}

/// Tests a rule operand given as the default value of an absent property.
fn test_value(op: &Op, v: &Value) -> Option<bool> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let node = Node::str(Span::default(), text);
    test_node(op, &node).ok()
}

/// Tests a present value; `Err` names why it cannot be decided.
fn test_node(op: &Op, node: &Node) -> Result<bool, String> {
    if let Op::Exists(b) = op {
        return Ok(*b);
    }
    if let Op::HasKeys(keys) = op {
        return Ok(missing_keys(node, keys)?.is_empty());
    }
    if let Op::NotEmpty = op {
        return Ok(match &node.kind {
            Kind::Seq(s) => !s.is_empty(),
            Kind::Map(m) => !m.is_empty(),
            Kind::Str(s) => !s.is_empty(),
            Kind::Null => false,
            _ => true,
        });
    }
    if let (Kind::Template(parts), Op::Matches(re) | Op::NotMatches(re)) = (&node.kind, op) {
        if let Some(found) = template_match(re, parts) {
            return Ok(found == matches!(op, Op::Matches(_)));
        }
    }
    let Some(text) = node.scalar_text() else {
        return Err(format!("value is {}", node.describe()));
    };
    let num = || {
        text.parse::<f64>()
            .map_err(|_| format!("{text:?} is not a number"))
    };
    Ok(match op {
        Op::Equals(v) => scalar_eq(&text, v),
        Op::NotEquals(v) => !scalar_eq(&text, v),
        Op::OneOf(vs) => vs.iter().any(|v| scalar_eq(&text, v)),
        Op::NotOneOf(vs) => !vs.iter().any(|v| scalar_eq(&text, v)),
        Op::Matches(re) => re.is_match(&text),
        Op::NotMatches(re) => !re.is_match(&text),
        Op::Gt(n) => num()? > *n,
        Op::Gte(n) => num()? >= *n,
        Op::Lt(n) => num()? < *n,
        Op::Lte(n) => num()? <= *n,
        _ => true,
    })
}

/// Whether an unanchored regex matches a string of which only some parts are known: a match
/// inside one known part is a match of the whole, whatever the unknown parts turn out to be.
/// `None` when that cannot be decided.
fn template_match(re: &regex::Regex, parts: &[Node]) -> Option<bool> {
    let pattern = re.as_str();
    if ["\\b", "\\A", "\\z"].iter().any(|a| pattern.contains(a)) {
        return None;
    }
    let inner = pattern.trim_start_matches('^').trim_end_matches('$');
    if inner.contains('^') || (inner.contains('$') && !inner.ends_with("\\$")) {
        return None;
    }
    let (start, end) = (
        pattern.starts_with('^'),
        pattern.ends_with('$') && !pattern.ends_with("\\$"),
    );
    fn known(p: Option<&Node>) -> Option<&str> {
        p.and_then(Node::as_str)
    }
    // A literal suffix (`\.sagemaker\.api$`) that a known last part does not end with, or a
    // literal prefix a known first part does not start with, rules a match out.
    if end && !start {
        if let (Some(lit), Some(last)) = (literal_edge(inner, false), known(parts.last())) {
            if !last.ends_with(&lit) && !lit.ends_with(last) {
                return Some(false);
            }
        }
    }
    if start && !end {
        if let (Some(lit), Some(first)) = (literal_edge(inner, true), known(parts.first())) {
            if !first.starts_with(&lit) && !lit.starts_with(first) {
                return Some(false);
            }
        }
    }
    let found = match (start, end) {
        // Anchored at both ends: only a fully known string can be decided.
        (true, true) => false,
        // Anchored at the start: the first part must be known and match.
        (true, false) => known(parts.first()).is_some_and(|t| re.is_match(t)),
        // Anchored at the end: the last part must be known and match.
        (false, true) => known(parts.last()).is_some_and(|t| re.is_match(t)),
        (false, false) => parts
            .iter()
            .filter_map(Node::as_str)
            .any(|t| re.is_match(t)),
    };
    found.then_some(true)
}

/// The literal text a regex must start (`front`) or end with, when its edge is plain
/// characters: `com\.amazonaws\.` or `\.sagemaker\.api`. `None` when the edge is a class,
/// group, repetition or alternation.
fn literal_edge(pattern: &str, front: bool) -> Option<String> {
    if pattern.contains('|') {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut atoms: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let (atom, width) = match c {
            '\\' => match chars.get(i + 1) {
                Some(n) if n.is_ascii_punctuation() => (Some(*n), 2),
                _ => (None, 2),
            },
            c if c.is_alphanumeric()
                || matches!(c, '-' | '_' | '/' | ':' | ',' | ' ' | '@' | '=') =>
            {
                (Some(c), 1)
            }
            _ => (None, 1),
        };
        // A quantifier after an atom makes it optional or repeated: not literal.
        let quantified = matches!(chars.get(i + width), Some('*' | '+' | '?' | '{'));
        match atom {
            Some(a) if !quantified => atoms.push(a),
            _ => {
                if front {
                    break;
                }
                atoms.clear();
            }
        }
        i += width + usize::from(quantified);
    }
    (!atoms.is_empty()).then(|| atoms.into_iter().collect())
}

/// The keys of `keys` that a map, or a list of `{Key|key: K}` entries, lacks.
fn missing_keys(node: &Node, keys: &[Value]) -> Result<Vec<String>, String> {
    let present: Vec<String> = match &node.kind {
        Kind::Map(entries) => entries.iter().map(|(k, _)| k.name.clone()).collect(),
        Kind::Seq(items) => items
            .iter()
            .map(|i| {
                i.get("Key")
                    .or_else(|| i.get("key"))
                    .and_then(|k| k.scalar_text().map(|t| t.into_owned()))
                    .ok_or_else(|| format!("a tag is {}", i.describe()))
            })
            .collect::<Result<_, _>>()?,
        Kind::Null => Vec::new(),
        _ => return Err(format!("value is {}", node.describe())),
    };
    Ok(keys
        .iter()
        .filter_map(|k| k.as_str())
        .filter(|k| !present.iter().any(|p| p == k))
        .map(str::to_string)
        .collect())
}

fn describe_fail(op: &Op, path: &str, node: &Node) -> String {
    let name = last_name(path);
    let is = node.describe();
    match op {
        Op::HasKeys(keys) => format!(
            "`{name}` lacks {}",
            missing_keys(node, keys).unwrap_or_default().join(", ")
        ),
        Op::Exists(false) => format!("`{name}` is set"),
        Op::NotEmpty => format!("`{name}` is empty"),
        Op::Equals(v) => format!("`{name}` is {is}, expected {}", show(v)),
        Op::OneOf(vs) => format!(
            "`{name}` is {is}, expected one of {}",
            show(&Value::Array(vs.clone()))
        ),
        Op::NotEquals(_) | Op::NotOneOf(_) | Op::NotMatches(_) => format!("`{name}` is {is}"),
        Op::Matches(re) => format!("`{name}` is {is}, expected to match {}", re.as_str()),
        Op::Gt(n) => format!("`{name}` is {is}, expected more than {n}"),
        Op::Gte(n) => format!("`{name}` is {is}, expected at least {n}"),
        Op::Lt(n) => format!("`{name}` is {is}, expected less than {n}"),
        Op::Lte(n) => format!("`{name}` is {is}, expected at most {n}"),
        _ => format!("`{name}` is {is}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(xs: &[Option<&str>]) -> Vec<Node> {
        xs.iter()
            .map(|x| match x {
                Some(s) => Node::str(Span::default(), *s),
                None => Node::unknown(Span::default(), "x"),
            })
            .collect()
    }

    #[test]
    fn literal_edges() {
        assert_eq!(
            literal_edge(r"\.sagemaker\.api", false).as_deref(),
            Some(".sagemaker.api")
        );
        assert_eq!(
            literal_edge(r"com\.amazonaws\..*\.s3", true).as_deref(),
            Some("com.amazonaws.")
        );
        assert_eq!(literal_edge(r"a.*b", false).as_deref(), Some("b"));
        assert_eq!(literal_edge(r"ab?c", true).as_deref(), Some("a"));
        assert_eq!(literal_edge(r"(a|b)", false), None);
    }

    #[test]
    fn regexes_on_partly_known_strings() {
        let re = |p: &str| regex::Regex::new(p).unwrap();
        let s3 = parts(&[Some("com.amazonaws."), None, Some(".s3")]);
        assert_eq!(template_match(&re(r"\.sagemaker\.api$"), &s3), Some(false));
        assert_eq!(template_match(&re(r"\.s3$"), &s3), Some(true));
        assert_eq!(template_match(&re(r"amazonaws"), &s3), Some(true));
        assert_eq!(template_match(&re(r"^com\.amazonaws\."), &s3), Some(true));
        assert_eq!(template_match(&re(r"^org\."), &s3), Some(false));
        assert_eq!(template_match(&re(r"^com.*s3$"), &s3), None);
        assert_eq!(template_match(&re(r"region"), &s3), None);
    }
}
