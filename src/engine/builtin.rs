//! Checks written in code, for the few decisions the condition language cannot express.
//! A rule names one with `{builtin: NAME, ...args}`; each is one function here.
//!
//! - `unit_has`: the template or module declares a resource of one of `types` (e.g. the
//!   regional Bedrock invocation-logging configuration). With `once_among: [types]`, only the
//!   first resource of those types in the unit is judged, so a missing singleton is reported
//!   once rather than on every resource that needs it.

use super::{Ctx, Outcome, Violation};
use crate::model::Resource;
use crate::tree::Node;
use serde_json::Value;
use std::collections::BTreeMap;

pub const NAMES: &[&str] = &["unit_has"];

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

pub fn run(
    ctx: &Ctx,
    res: &Resource,
    _root: &Node,
    name: &str,
    args: &BTreeMap<String, Value>,
) -> Outcome {
    match name {
        "unit_has" => unit_has(ctx, res, args),
        other => Outcome::Unknown(format!("unknown builtin {other}")),
    }
}

fn unit_has(ctx: &Ctx, res: &Resource, args: &BTreeMap<String, Value>) -> Outcome {
    let types = strs(args.get("types"));
    let once_among = strs(args.get("once_among"));
    if !once_among.is_empty() {
        let first = ctx
            .unit
            .resources
            .iter()
            .find(|r| once_among.contains(&r.rtype));
        if first.is_some_and(|f| f.id != res.id) {
            return Outcome::Pass;
        }
    }
    if ctx.unit.resources.iter().any(|r| types.contains(&r.rtype)) {
        return Outcome::Pass;
    }
    Outcome::Fail(vec![Violation {
        file: res.file,
        span: res.header,
        path: String::new(),
        detail: format!("this configuration declares no {}", types.join(" or ")),
        related: Vec::new(),
    }])
}
