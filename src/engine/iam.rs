//! IAM policy documents wherever they are written: CloudFormation `PolicyDocument` maps,
//! JSON strings (heredocs; parsed by `model::json_text`), Terraform `jsonencode({...})` (kept
//! structured by the loader) and `data "aws_iam_policy_document"` blocks. Statements are normalized, and
//! `Action`/`NotAction` are matched the way IAM matches them (case-insensitive, `*` and `?`).

use super::cond::{Forbid, Path};
use super::path::{walk, Slot};
use super::{all, Ctx, Outcome, Violation};
use crate::model::Resource;
use crate::tree::{Kind, Node, Span};

/// IAM's wildcard match: `*` any run of characters, `?` one character, case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        // Actions are ASCII: compare bytes, without allocating (this runs for every
        // statement against every action a rule names).
        return glob_units(pattern.as_bytes(), text.as_bytes(), |a, b| {
            a.eq_ignore_ascii_case(b)
        });
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    glob_units(&p, &t, |a, b| a == b)
}

fn glob_units<T: Copy + PartialEq + From<u8>>(
    p: &[T],
    t: &[T],
    eq: impl Fn(&T, &T) -> bool,
) -> bool {
    let (any, one) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || eq(&p[pi], &t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == any {
        pi += 1;
    }
    pi == p.len()
}

/// The resources of a statement: a reference to another resource or a string built around
/// one (`!Sub "${Bucket.Arn}/*"`) is some ARN, never `*`; `None` when an element is unknown.
fn resources(node: Option<&Node>) -> Option<Vec<String>> {
    let one = |n: &Node| match &n.kind {
        Kind::Ref(_) | Kind::Template(_) => Some("<arn>".to_string()),
        _ => n.scalar_text().map(|t| t.into_owned()),
    };
    let Some(node) = node else {
        return Some(Vec::new());
    };
    match &node.kind {
        Kind::Seq(items) => items.iter().map(one).collect(),
        _ => one(node).map(|t| vec![t]),
    }
}

/// A list of strings, or `None` when some element is not known.
fn strings(node: Option<&Node>) -> Option<Vec<String>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|n| n.scalar_text().map(|t| t.into_owned()))
            .collect(),
        _ => node.scalar_text().map(|t| vec![t.into_owned()]),
    }
}

/// One statement, normalized from either the JSON or the Terraform block shape.
struct Stmt {
    file: usize,
    span: Span,
    path: String,
    effect: Option<String>,
    actions: Option<Vec<String>>,
    not_action: bool,
    resources: Option<Vec<String>>,
    not_resource: bool,
    condition_keys: Option<Vec<String>>,
}

fn first<'n>(m: &'n Node, keys: &[&str]) -> Option<(&'n crate::tree::Key, &'n Node)> {
    keys.iter().find_map(|k| m.entry(k))
}

fn stmt_of(file: usize, fallback: Span, path: String, m: &Node) -> Stmt {
    let effect = match first(m, &["Effect", "effect"]) {
        Some((_, v)) => v.scalar_text().map(|t| t.into_owned()),
        None => Some("Allow".to_string()),
    };
    let (action, not_action) = match first(m, &["Action", "actions"]) {
        Some(e) => (Some(e), false),
        None => (first(m, &["NotAction", "not_actions"]), true),
    };
    let (res, not_resource) = match first(m, &["Resource", "resources"]) {
        Some(e) => (Some(e), false),
        None => (first(m, &["NotResource", "not_resources"]), true),
    };
    let condition_keys = match first(m, &["Condition", "condition"]) {
        None => Some(Vec::new()),
        Some((_, c)) => condition_keys(c),
    };
    Stmt {
        file,
        span: action.map_or(fallback, |(k, _)| k.span),
        path: format!(
            "{path}.{}",
            action.map_or("Action", |(k, _)| k.name.as_str())
        ),
        effect,
        actions: if action.is_some() {
            strings(action.map(|(_, v)| v))
        } else {
            Some(Vec::new())
        },
        not_action: not_action && action.is_some(),
        resources: resources(res.map(|(_, v)| v)),
        not_resource: not_resource && res.is_some(),
        condition_keys,
    }
}

/// Condition keys of a JSON `Condition` map (`{op: {key: value}}`) or of Terraform
/// `condition` blocks (`variable`).
fn condition_keys(c: &Node) -> Option<Vec<String>> {
    match &c.kind {
        Kind::Map(ops) => {
            let mut keys = Vec::new();
            for (_, inner) in ops {
                match &inner.kind {
                    Kind::Map(kv) => keys.extend(kv.iter().map(|(k, _)| k.name.clone())),
                    _ => return None,
                }
            }
            Some(keys)
        }
        Kind::Seq(blocks) => blocks
            .iter()
            .map(|b| {
                b.get("variable")
                    .and_then(|v| v.scalar_text().map(|t| t.into_owned()))
            })
            .collect(),
        _ => None,
    }
}

/// The statements of a document value, or why they cannot be known.
fn statements(
    ctx: &Ctx,
    res: &Resource,
    node: &Node,
    path: &str,
    out: &mut Vec<Stmt>,
) -> Result<(), String> {
    match &node.kind {
        Kind::Map(_) => {
            if let Some(st) = node.get("Statement") {
                let p = format!("{path}.Statement");
                match &st.kind {
                    Kind::Seq(items) => {
                        for (i, s) in items.iter().enumerate() {
                            match &s.kind {
                                Kind::Map(_) => {
                                    out.push(stmt_of(res.file, s.span, format!("{p}[{i}]"), s))
                                }
                                Kind::Unknown(w) => return Err(w.clone()),
                                _ => return Err(format!("statement {i} is {}", s.describe())),
                            }
                        }
                    }
                    Kind::Map(_) => out.push(stmt_of(res.file, st.span, p, st)),
                    Kind::Unknown(w) => return Err(w.clone()),
                    _ => return Err(format!("`Statement` is {}", st.describe())),
                }
            } else if let Some(st) = node.get("statement") {
                statements(ctx, res, st, path, out)?;
            }
            Ok(())
        }
        Kind::Seq(blocks) => {
            for (i, b) in blocks.iter().enumerate() {
                out.push(stmt_of(
                    res.file,
                    b.span,
                    format!("{path}.statement[{i}]"),
                    b,
                ));
            }
            Ok(())
        }
        Kind::JsonText(_, doc) => statements(ctx, res, doc, path, out),
        // Strings holding JSON became `JsonText` when the unit was loaded.
        Kind::Str(_) => Err(format!("`{path}` is not a JSON policy document")),
        Kind::Ref(r) if r.resource.contains("data.aws_iam_policy_document.") => {
            let doc = ctx
                .unit
                .resource(&r.resource)
                .ok_or_else(|| format!("{r} is not in this module"))?;
            match doc.properties.get("statement") {
                Some(st) => statements(ctx, doc, st, "statement", out),
                None => Ok(()),
            }
        }
        Kind::Null => Ok(()),
        _ => Err(format!("`{path}` is {}", node.describe())),
    }
}

fn judge(st: &Stmt, f: &Forbid) -> Outcome {
    let Some(effect) = &st.effect else {
        return Outcome::Unknown("statement Effect is not known".into());
    };
    if !effect.eq_ignore_ascii_case("allow") {
        return Outcome::Pass;
    }
    let Some(actions) = &st.actions else {
        return Outcome::Unknown("statement actions are not known".into());
    };
    let matched = actions.iter().any(|a| glob(a, &f.action));
    let grants = if st.not_action { !matched } else { matched };
    if !grants {
        return Outcome::Pass;
    }
    if f.resource_star {
        let Some(resources) = &st.resources else {
            return Outcome::Unknown("statement resources are not known".into());
        };
        if !st.not_resource && !resources.iter().any(|r| r == "*") {
            return Outcome::Pass;
        }
    }
    if !f.unless_condition.is_empty() {
        let Some(keys) = &st.condition_keys else {
            return Outcome::Unknown("statement condition is not known".into());
        };
        if keys
            .iter()
            .any(|k| f.unless_condition.iter().any(|u| u.eq_ignore_ascii_case(k)))
        {
            return Outcome::Pass;
        }
    }
    let how = if st.not_action {
        "NotAction leaves"
    } else {
        "allows"
    };
    let on = if f.resource_star {
        " on Resource \"*\""
    } else {
        ""
    };
    let unless = if f.unless_condition.is_empty() {
        String::new()
    } else {
        format!(" without a {} condition", f.unless_condition.join("/"))
    };
    Outcome::Fail(vec![Violation {
        file: st.file,
        span: st.span,
        path: st.path.clone(),
        detail: format!("statement {how} `{}`{on}{unless}", f.action),
        related: Vec::new(),
    }])
}

pub fn check(
    ctx: &Ctx,
    res: &Resource,
    root: &Node,
    documents: &[Path],
    forbid: &[Forbid],
) -> Outcome {
    let mut outcomes = Vec::new();
    for doc in documents {
        for slot in walk(root, &doc.segments) {
            match slot {
                Slot::Absent { .. } => {}
                Slot::Unknown { why, .. } => outcomes.push(Outcome::Unknown(why)),
                Slot::Present { node, path, .. } => {
                    let mut stmts = Vec::new();
                    if let Err(why) = statements(ctx, res, node, &path, &mut stmts) {
                        outcomes.push(Outcome::Unknown(why));
                    }
                    for st in &stmts {
                        // One finding per statement: the first forbidden grant it makes.
                        let verdicts: Vec<Outcome> = forbid.iter().map(|f| judge(st, f)).collect();
                        match verdicts.iter().find(|o| matches!(o, Outcome::Fail(_))) {
                            Some(fail) => outcomes.push(fail.clone()),
                            None => outcomes.push(all(verdicts)),
                        }
                    }
                }
            }
        }
    }
    all(outcomes)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn iam_globs() {
        assert!(glob("*", "iam:PassRole"));
        assert!(glob("iam:Pass*", "iam:PassRole"));
        assert!(glob("IAM:passrole", "iam:PassRole"));
        assert!(glob("sagemaker:*", "sagemaker:*"));
        assert!(!glob("sagemaker:Create*", "sagemaker:*"));
        assert!(glob("s*", "sagemaker:*"));
        assert!(glob("bedrock:Invoke*", "bedrock:InvokeModel"));
        assert!(!glob("bedrock:Get*", "bedrock:InvokeModel"));
        assert!(glob("s3:Ge?Object", "S3:GETOBJECT"));
        assert!(glob("sagemaker:É*", "sagemaker:éx"));
        assert!(!glob("sagemaker:É?", "sagemaker:é"));
        assert!(glob("iam:Pass?ole", "iam:PassRole"));
    }
}
