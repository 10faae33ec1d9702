//! The rule condition language and its compiler.
//!
//! A condition states what a *passing* resource looks like; the engine reports a finding where
//! it evaluates to false, and nothing where it depends on a value the template does not decide.
//!
//! Forms (each a YAML map):
//! - leaf: `{path: A.B[*].C, <op>: value, default: value, quantifier: all|any}` where `<op>` is
//!   one of `exists`, `equals`, `not_equals`, `one_of`, `not_one_of`, `matches`, `not_matches`,
//!   `gt`, `gte`, `lt`, `lte`, `not_empty`, `includes`, `includes_all`, `excludes`, `has_keys`. `default` is
//!   the service default used when the property is absent. Comparisons on an absent property
//!   without a default hold (use `exists: true` to require presence); `includes*` and
//!   `not_empty` look at every value the path reaches, taken together.
//! - `{all: [..]}`, `{any: [..]}`, `{not: ..}`, `{if: .., then: .., else: ..}`.
//! - `{each: PATH, where: COND, min: N, check: COND}`: the elements at PATH (optionally only
//!   those matching `where`) each satisfy `check`, and there are at least `min` of them.
//! - `{follow: PATH, types: [..], check: COND}`: the resource(s) that PATH refers to satisfy
//!   `check` (a reference to a resource outside the template is unknown).
//! - `{referenced_by: {types: [..], path: PATH}, min: N, check: COND}`: resources of those types
//!   whose PATH refers to this one (Terraform companions such as `aws_s3_bucket_versioning`, a
//!   monitoring schedule naming an endpoint) exist and satisfy `check`.
//! - `{iam_policy: {documents: [PATH..], forbid: [{action, resource_star, unless_condition}]}}`:
//!   IAM policy documents (inline, JSON strings, `jsonencode`, `aws_iam_policy_document`).
//! - `{builtin: NAME, ...}`: a check written in code (see `engine::builtin`).
//!
//! Any operand may be `{param: NAME}`, a rule parameter that the config can override.

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub enum Op {
    Exists(bool),
    Equals(Value),
    NotEquals(Value),
    OneOf(Vec<Value>),
    NotOneOf(Vec<Value>),
    Matches(Pattern),
    NotMatches(Pattern),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    NotEmpty,
    Includes(Value),
    IncludesAll(Vec<Value>),
    Excludes(Vec<Value>),
    /// Tags-like values: a map with these keys, or a list of `{Key|key: K}` entries naming
    /// them. An empty list holds everywhere (the check is off until configured).
    HasKeys(Vec<Value>),
}

impl Op {
    /// Aggregate operators judge all values at the path together.
    pub fn is_aggregate(&self) -> bool {
        matches!(self, Op::Includes(_) | Op::IncludesAll(_) | Op::Excludes(_))
    }
}

#[derive(Debug, Clone)]
pub struct Path {
    pub text: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    All,
    Index(usize),
}

#[derive(Debug, Clone)]
pub struct Forbid {
    /// An action (`iam:PassRole`, `sagemaker:*`) that no Allow statement may grant.
    pub action: String,
    /// Only when the statement's Resource includes `*`.
    pub resource_star: bool,
    /// A condition key that makes the grant acceptable (`iam:PassedToService`).
    pub unless_condition: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Cond {
    Leaf {
        path: Path,
        op: Op,
        default: Option<Value>,
        any: bool,
    },
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    If {
        cond: Box<Cond>,
        then: Box<Cond>,
        otherwise: Option<Box<Cond>>,
    },
    Each {
        path: Path,
        filter: Option<Box<Cond>>,
        min: usize,
        check: Option<Box<Cond>>,
    },
    Follow {
        path: Path,
        types: Vec<String>,
        check: Box<Cond>,
    },
    ReferencedBy {
        types: Vec<String>,
        path: Path,
        min: usize,
        check: Option<Box<Cond>>,
    },
    IamPolicy {
        documents: Vec<Path>,
        forbid: Vec<Forbid>,
    },
    Builtin {
        name: String,
        args: BTreeMap<String, Value>,
    },
}

pub fn parse_path(text: &str) -> Result<Path, String> {
    let mut segments = Vec::new();
    for part in text.split('.') {
        if part.is_empty() {
            return Err(format!("empty segment in path `{text}`"));
        }
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            segments.push(Segment::Key(name.to_string()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let close = stripped
                .find(']')
                .ok_or_else(|| format!("unclosed `[` in path `{text}`"))?;
            let inner = &stripped[..close];
            if inner == "*" {
                segments.push(Segment::All);
            } else {
                let n = inner
                    .parse::<usize>()
                    .map_err(|_| format!("bad index `{inner}` in path `{text}`"))?;
                segments.push(Segment::Index(n));
            }
            rest = &stripped[close + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("unexpected `{rest}` in path `{text}`"));
        }
    }
    Ok(Path {
        text: text.to_string(),
        segments,
    })
}

const LEAF_OPS: &[&str] = &[
    "exists",
    "equals",
    "not_equals",
    "one_of",
    "not_one_of",
    "matches",
    "not_matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "not_empty",
    "includes",
    "includes_all",
    "excludes",
    "has_keys",
];

/// Substitutes `{param: NAME}` with the rule parameter's value.
fn operand(v: &Value, params: &BTreeMap<String, Value>) -> Result<Value, String> {
    if let Some(obj) = v.as_object() {
        if obj.len() == 1 {
            if let Some(name) = obj.get("param").and_then(Value::as_str) {
                return params
                    .get(name)
                    .cloned()
                    .ok_or_else(|| format!("unknown parameter `{name}`"));
            }
        }
    }
    Ok(v.clone())
}

fn list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => vec![other],
    }
}

fn number(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| format!("expected a number, got {v}"))
}

/// A rule's regex, checked when the rule is compiled and built on its first use: building
/// every rule's automata up front was most of lenslint's start-up, and most runs use few of
/// them. Rules that share a pattern (a parameter such as an instance-type list) share one
/// matcher, checked and built once per process. Dereferences to the [`regex::Regex`].
#[derive(Debug, Clone)]
pub struct Pattern {
    source: std::sync::Arc<str>,
    re: std::sync::Arc<std::sync::OnceLock<regex::Regex>>,
}

/// Each pattern's matcher, and whether its syntax was checked.
type PatternCache = std::collections::HashMap<
    std::sync::Arc<str>,
    (std::sync::Arc<std::sync::OnceLock<regex::Regex>>, bool),
>;

impl Pattern {
    /// Checks the syntax (parsing is cheap; building the matcher is not).
    pub fn new(source: &str) -> Result<Pattern, String> {
        Self::get(source, true)
    }

    /// A built-in rule's pattern, whose syntax the tests check (`builtin_rules_all_compile`):
    /// it is not parsed again at run time, where that was a twentieth of a one-template
    /// scan's instructions. A later [`Pattern::new`] of the same text still checks it.
    fn builtin(source: &str) -> Pattern {
        // Only the syntax check fails, and it is not made.
        Self::get(source, false).unwrap_or_else(|_| Pattern {
            source: source.into(),
            re: Default::default(),
        })
    }

    fn get(source: &str, check: bool) -> Result<Pattern, String> {
        static CACHE: std::sync::Mutex<Option<PatternCache>> = std::sync::Mutex::new(None);
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        let cache = cache.get_or_insert_with(Default::default);
        let known = cache
            .get_key_value(source)
            .map(|(k, (re, checked))| (k.clone(), re.clone(), *checked));
        if let Some((k, re, checked)) = &known {
            if *checked || !check {
                return Ok(Pattern {
                    source: k.clone(),
                    re: re.clone(),
                });
            }
        }
        if check {
            regex_syntax::Parser::new()
                .parse(source)
                .map_err(|e| format!("bad regex `{source}`: {e}"))?;
        }
        let p = match known {
            Some((source, re, _)) => Pattern { source, re },
            None => Pattern {
                source: source.into(),
                re: Default::default(),
            },
        };
        cache.insert(p.source.clone(), (p.re.clone(), check));
        Ok(p)
    }
}

impl std::ops::Deref for Pattern {
    type Target = regex::Regex;
    fn deref(&self) -> &regex::Regex {
        self.re.get_or_init(|| {
            // The syntax was checked; only the compiled-size limit is left to fail, and then
            // the pattern matches nothing (`\b\B` cannot hold).
            regex::Regex::new(&self.source)
                .or_else(|_| regex::Regex::new(r"\b\B"))
                .unwrap_or_else(|_| unreachable!("a constant regex compiles"))
        })
    }
}

fn regex(v: &Value, builtin: bool) -> Result<Pattern, String> {
    let s = v.as_str().ok_or("expected a regex string")?;
    if builtin {
        Ok(Pattern::builtin(s))
    } else {
        Pattern::new(s)
    }
}

/// A condition's map, searched by comparing its few keys: a lookup in the map itself hashes
/// the key (SipHash), and compiling one condition makes dozens of lookups, which made them
/// most of the cost of compiling a rule on its first use.
#[derive(Clone, Copy)]
struct Keys<'a>(&'a serde_json::Map<String, Value>);

impl<'a> Keys<'a> {
    fn get(self, key: &str) -> Option<&'a Value> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    fn contains_key(self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

fn sub(
    obj: Keys<'_>,
    key: &str,
    params: &BTreeMap<String, Value>,
    builtin: bool,
) -> Result<Option<Box<Cond>>, String> {
    obj.get(key)
        .map(|v| compile_as(v, params, builtin).map(Box::new))
        .transpose()
}

fn check_keys(obj: &serde_json::Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "unexpected key `{k}` (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn min_of(obj: Keys<'_>, default: usize) -> Result<usize, String> {
    match obj.get("min") {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| format!("`min` must be a whole number, got {v}")),
    }
}

/// Compiles a condition written in a rule file.
pub fn compile(v: &Value, params: &BTreeMap<String, Value>) -> Result<Cond, String> {
    compile_as(v, params, false)
}

/// [`compile`] for a built-in rule, trusting the syntax of its regexes (see
/// [`Pattern::builtin`]).
pub fn compile_builtin(v: &Value, params: &BTreeMap<String, Value>) -> Result<Cond, String> {
    compile_as(v, params, true)
}

fn compile_as(v: &Value, params: &BTreeMap<String, Value>, builtin: bool) -> Result<Cond, String> {
    let obj = Keys(
        v.as_object()
            .ok_or_else(|| format!("a condition must be a map, got {v}"))?,
    );
    if let Some(items) = obj.get("all").or_else(|| obj.get("any")) {
        check_keys(obj.0, &["all", "any"])?;
        let arr = items.as_array().ok_or("`all`/`any` takes a list")?;
        let conds = arr
            .iter()
            .map(|c| compile_as(c, params, builtin))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if obj.contains_key("all") {
            Cond::All(conds)
        } else {
            Cond::Any(conds)
        });
    }
    if let Some(inner) = obj.get("not") {
        check_keys(obj.0, &["not"])?;
        return Ok(Cond::Not(Box::new(compile_as(inner, params, builtin)?)));
    }
    if obj.contains_key("if") {
        check_keys(obj.0, &["if", "then", "else"])?;
        let cond = sub(obj, "if", params, builtin)?.ok_or("missing `if`")?;
        let then = sub(obj, "then", params, builtin)?.ok_or("`if` needs `then`")?;
        return Ok(Cond::If {
            cond,
            then,
            otherwise: sub(obj, "else", params, builtin)?,
        });
    }
    if let Some(p) = obj.get("each") {
        check_keys(obj.0, &["each", "where", "min", "check"])?;
        let path = parse_path(p.as_str().ok_or("`each` takes a path")?)?;
        return Ok(Cond::Each {
            path,
            filter: sub(obj, "where", params, builtin)?,
            min: min_of(obj, 0)?,
            check: sub(obj, "check", params, builtin)?,
        });
    }
    if let Some(p) = obj.get("follow") {
        check_keys(obj.0, &["follow", "types", "check"])?;
        let path = parse_path(p.as_str().ok_or("`follow` takes a path")?)?;
        return Ok(Cond::Follow {
            path,
            types: str_list(obj.get("types")),
            check: sub(obj, "check", params, builtin)?.ok_or("`follow` needs `check`")?,
        });
    }
    if let Some(r) = obj.get("referenced_by") {
        check_keys(obj.0, &["referenced_by", "min", "check"])?;
        let r = r.as_object().ok_or("`referenced_by` takes {types, path}")?;
        check_keys(r, &["types", "path"])?;
        let path = parse_path(
            r.get("path")
                .and_then(Value::as_str)
                .ok_or("`referenced_by` needs `path`")?,
        )?;
        return Ok(Cond::ReferencedBy {
            types: str_list(r.get("types")),
            path,
            min: min_of(obj, 1)?,
            check: sub(obj, "check", params, builtin)?,
        });
    }
    if let Some(p) = obj.get("iam_policy") {
        check_keys(obj.0, &["iam_policy"])?;
        let p = p
            .as_object()
            .ok_or("`iam_policy` takes {documents, forbid}")?;
        check_keys(p, &["documents", "forbid"])?;
        let documents = str_list(p.get("documents"))
            .iter()
            .map(|d| parse_path(d))
            .collect::<Result<Vec<_>, _>>()?;
        let forbid_v = operand(
            p.get("forbid").ok_or("`iam_policy` needs `forbid`")?,
            params,
        )?;
        let mut forbid = Vec::new();
        for f in list(forbid_v) {
            let f = f
                .as_object()
                .ok_or("each `forbid` entry is {action, resource_star, unless_condition}")?;
            check_keys(f, &["action", "resource_star", "unless_condition"])?;
            forbid.push(Forbid {
                action: f
                    .get("action")
                    .and_then(Value::as_str)
                    .ok_or("`forbid` needs `action`")?
                    .to_string(),
                resource_star: f
                    .get("resource_star")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                unless_condition: str_list(f.get("unless_condition")),
            });
        }
        return Ok(Cond::IamPolicy { documents, forbid });
    }
    if let Some(name) = obj.get("builtin") {
        let name = name.as_str().ok_or("`builtin` takes a name")?.to_string();
        if !crate::engine::builtin::NAMES.contains(&name.as_str()) {
            return Err(format!("unknown builtin `{name}`"));
        }
        let mut args = BTreeMap::new();
        for (k, v) in obj.0 {
            if k != "builtin" {
                args.insert(k.clone(), operand(v, params)?);
            }
        }
        return Ok(Cond::Builtin { name, args });
    }
    // Leaf.
    let path_text = obj
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("unrecognized condition {v}"))?;
    let path = parse_path(path_text)?;
    let mut allowed: Vec<&str> = vec!["path", "default", "quantifier"];
    allowed.extend_from_slice(LEAF_OPS);
    check_keys(obj.0, &allowed)?;
    let ops: Vec<&str> = LEAF_OPS
        .iter()
        .copied()
        .filter(|k| obj.contains_key(k))
        .collect();
    if ops.len() != 1 {
        return Err(format!(
            "path `{path_text}` needs exactly one operator, found {}",
            ops.len()
        ));
    }
    let raw = operand(&obj.0[ops[0]], params)?;
    let op = match ops[0] {
        "exists" => Op::Exists(raw.as_bool().ok_or("`exists` takes true or false")?),
        "equals" => Op::Equals(raw),
        "not_equals" => Op::NotEquals(raw),
        "one_of" => Op::OneOf(list(raw)),
        "not_one_of" => Op::NotOneOf(list(raw)),
        "matches" => Op::Matches(regex(&raw, builtin)?),
        "not_matches" => Op::NotMatches(regex(&raw, builtin)?),
        "gt" => Op::Gt(number(&raw)?),
        "gte" => Op::Gte(number(&raw)?),
        "lt" => Op::Lt(number(&raw)?),
        "lte" => Op::Lte(number(&raw)?),
        "not_empty" => Op::NotEmpty,
        "includes" => Op::Includes(raw),
        "includes_all" => Op::IncludesAll(list(raw)),
        "excludes" => Op::Excludes(list(raw)),
        "has_keys" => {
            let keys = list(raw);
            // Tag keys are strings: a number (a mistyped `required_tags = [1]`) would never match.
            if let Some(bad) = keys.iter().find(|k| !k.is_string()) {
                return Err(format!("`has_keys` takes tag keys (strings), got {bad}"));
            }
            Op::HasKeys(keys)
        }
        _ => return Err(format!("unknown operator {}", ops[0])),
    };
    let default = obj.get("default").map(|d| operand(d, params)).transpose()?;
    let any = match obj.get("quantifier").and_then(Value::as_str) {
        None | Some("all") => false,
        Some("any") => true,
        Some(q) => return Err(format!("quantifier must be all or any, got {q}")),
    };
    Ok(Cond::Leaf {
        path,
        op,
        default,
        any,
    })
}

/// Every property path a condition reads, with the resource types it is read on (for the
/// schema test). `types` is the rule target's types; `follow`/`referenced_by` switch to theirs.
pub fn paths(cond: &Cond, types: &[String], prefix: &str, out: &mut Vec<(Vec<String>, String)>) {
    let join = |p: &str| {
        if prefix.is_empty() {
            p.to_string()
        } else {
            format!("{prefix}.{p}")
        }
    };
    match cond {
        Cond::Leaf { path, .. } => out.push((types.to_vec(), join(&path.text))),
        Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| paths(c, types, prefix, out)),
        Cond::Not(c) => paths(c, types, prefix, out),
        Cond::If {
            cond,
            then,
            otherwise,
        } => {
            paths(cond, types, prefix, out);
            paths(then, types, prefix, out);
            if let Some(o) = otherwise {
                paths(o, types, prefix, out);
            }
        }
        Cond::Each {
            path,
            filter,
            check,
            ..
        } => {
            let p = join(&path.text);
            out.push((types.to_vec(), p.clone()));
            if let Some(f) = filter {
                paths(f, types, &p, out);
            }
            if let Some(c) = check {
                paths(c, types, &p, out);
            }
        }
        Cond::Follow {
            path,
            types: t,
            check,
        } => {
            out.push((types.to_vec(), join(&path.text)));
            paths(check, t, "", out);
        }
        Cond::ReferencedBy {
            types: t,
            path,
            check,
            ..
        } => {
            out.push((t.clone(), path.text.clone()));
            if let Some(c) = check {
                paths(c, t, "", out);
            }
        }
        Cond::IamPolicy { documents, .. } => {
            for d in documents {
                out.push((types.to_vec(), join(&d.text)));
            }
        }
        Cond::Builtin { args, .. } => {
            if let Some(p) = args.get("path").and_then(Value::as_str) {
                out.push((types.to_vec(), join(p)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_patterns_skip_the_check_but_do_not_vouch_for_others() {
        let params = BTreeMap::new();
        let cond = json!({"path": "Name", "matches": "(builtin-unclosed"});
        // A built-in rule's regex is trusted (the tests check every built-in one)...
        assert!(compile_builtin(&cond, &params).is_ok());
        // ...but the same text from a user's rule, now in the cache, is still checked.
        let e = compile(&cond, &params).unwrap_err();
        assert!(e.contains("bad regex `(builtin-unclosed`"), "{e}");
        let good = json!({"path": "Name", "matches": "^builtin-[a-z]+$"});
        assert!(compile_builtin(&good, &params).is_ok());
        let Ok(Cond::Leaf {
            op: Op::Matches(p), ..
        }) = compile(&good, &params)
        else {
            panic!("not a `matches` leaf");
        };
        assert!(p.is_match("builtin-ok") && !p.is_match("builtin-1"));
    }

    #[test]
    fn patterns_are_checked_at_compile_and_built_on_use() {
        assert!(Pattern::new("^ml\\.(p|g)[0-9]").is_ok());
        assert!(Pattern::new("(unclosed").is_err_and(|e| e.contains("bad regex")));
        assert!(Pattern::new("\\p{NoSuchClass}").is_err());
        let p = Pattern::new("^ml\\.p[0-9]").unwrap();
        assert!(p.re.get().is_none(), "built before use");
        assert!(p.is_match("ml.p4d.24xlarge") && !p.is_match("ml.m5.large"));
        assert_eq!(p.as_str(), "^ml\\.p[0-9]");
        // The fallback for a matcher over the size limit compiles and matches nothing.
        let never = regex::Regex::new(r"\b\B").unwrap();
        assert!(!never.is_match("") && !never.is_match("a b"));
    }

    #[test]
    fn parses_paths() {
        let p = parse_path("A.B[*].C[0]").unwrap();
        assert_eq!(
            p.segments,
            vec![
                Segment::Key("A".into()),
                Segment::Key("B".into()),
                Segment::All,
                Segment::Key("C".into()),
                Segment::Index(0)
            ]
        );
        assert!(parse_path("A..B").is_err());
        assert!(parse_path("A[x]").is_err());
    }

    #[test]
    fn compiles_and_rejects() {
        let params = BTreeMap::from([("strengths".to_string(), json!(["MEDIUM", "HIGH"]))]);
        assert!(compile(
            &json!({"path": "A", "equals": "x", "default": "y"}),
            &params
        )
        .is_ok());
        assert!(compile(
            &json!({"path": "A", "one_of": {"param": "strengths"}}),
            &params
        )
        .is_ok());
        assert!(compile(&json!({"path": "A", "one_of": {"param": "nope"}}), &params).is_err());
        assert!(compile(&json!({"path": "A"}), &params).is_err());
        assert!(compile(&json!({"path": "A", "equals": 1, "exists": true}), &params).is_err());
        assert!(compile(&json!({"path": "A", "equal": 1}), &params).is_err());
        assert!(compile(&json!({"all": [{"path": "A", "exists": true}, {"not": {"path": "B", "exists": true}}]}), &params).is_ok());
    }
}
