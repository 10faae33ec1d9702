//! Collection functions (`merge`, `concat`, `lookup`, `keys`, `flatten`, `range`, ...).
//!
//! These work on the *shape* of their arguments: a list or map whose elements are partly
//! unknown can still be merged, concatenated or counted, and the elements keep their own
//! spans. Only functions that must compare or order elements (`distinct`, `contains`,
//! `sort`) need the elements themselves to be known.

use super::functions::{Call, Res};
use super::value::{dedup_key, fully_known, num, value_eq};
use crate::tree::{Key, Kind, Node};
use std::collections::HashSet;

/// Largest list `range()` builds (Terraform's own limit).
const MAX_RANGE: usize = 1024;

/// Runs the function named by `c` if it is one of this module's (`None` otherwise).
pub(super) fn call(c: &Call<'_>) -> Option<Res> {
    let result = match c.name {
        "merge" => merge(c),
        "concat" => concat(c),
        "lookup" => lookup(c),
        "coalesce" => coalesce(c),
        "coalescelist" => coalescelist(c),
        "tomap" => pass_kind(c, |k| matches!(k, Kind::Map(_))),
        "tolist" => pass_kind(c, |k| matches!(k, Kind::Seq(_))),
        "toset" => toset(c),
        "length" => length(c),
        "element" => element(c),
        "contains" => contains(c),
        "keys" => keys_values(c, true),
        "values" => keys_values(c, false),
        "flatten" => flatten(c),
        "distinct" => distinct(c).map(|items| c.seq_node(items)),
        "compact" => compact(c),
        "reverse" => c
            .seq_arg(0)
            .map(|s| c.seq_node(s.iter().rev().cloned().collect())),
        "sort" => sort(c),
        "slice" => slice(c),
        "one" => one(c),
        "zipmap" => zipmap(c),
        "range" => range(c),
        _ => return None,
    };
    Some(result)
}

/// `merge(maps...)`: later keys win; null arguments are skipped.
fn merge(c: &Call<'_>) -> Res {
    let mut out: Vec<(Key, Node)> = Vec::new();
    for i in 0..c.args.len() {
        if matches!(c.args[i].kind, Kind::Null) {
            continue;
        }
        for (k, v) in c.map_arg(i)? {
            match out.iter_mut().find(|(ok, _)| ok.name == k.name) {
                Some(slot) => *slot = (k.clone(), v.clone()),
                None => out.push((k.clone(), v.clone())),
            }
        }
    }
    Ok(Node::new(c.span, Kind::Map(out)))
}

fn concat(c: &Call<'_>) -> Res {
    let mut out = Vec::new();
    for i in 0..c.args.len() {
        out.extend(c.seq_arg(i)?.iter().cloned());
    }
    Ok(c.seq_node(out))
}

/// `lookup(map, key, default)`.
fn lookup(c: &Call<'_>) -> Res {
    c.arity(2, 3)?;
    let map = c.map_arg(0)?;
    let key = c.str_arg(1)?;
    match map.iter().rev().find(|(k, _)| k.name == key) {
        Some((_, v)) => Ok(v.clone()),
        None if c.args.len() == 3 => Ok(c.arg(2)?.clone()),
        None => Err(c.error(format!("no key {key:?}"))),
    }
}

/// `coalesce(values...)`: the first that is neither null nor "".
fn coalesce(c: &Call<'_>) -> Res {
    for arg in &c.args {
        match &arg.kind {
            Kind::Null => continue,
            Kind::Str(s) if s.is_empty() => continue,
            Kind::Unknown(_) => return Err(c.unknown()),
            _ => return Ok(arg.clone()),
        }
    }
    Err(c.error("all arguments are null or empty"))
}

/// `coalescelist(lists...)`: the first non-empty list.
fn coalescelist(c: &Call<'_>) -> Res {
    for i in 0..c.args.len() {
        if !c.seq_arg(i)?.is_empty() {
            return Ok(c.args[i].clone());
        }
    }
    Err(c.error("all lists are empty"))
}

/// `tomap`/`tolist`: the argument itself when it has the right shape (or is null).
fn pass_kind(c: &Call<'_>, ok: impl Fn(&Kind) -> bool) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    if ok(&arg.kind) || matches!(arg.kind, Kind::Null) {
        return Ok(arg.clone());
    }
    match arg.kind {
        Kind::Unknown(_) | Kind::Ref(_) | Kind::Template(_) => Err(c.unknown()),
        _ => Err(c.error(format!("cannot convert {}", arg.describe()))),
    }
}

/// `toset(list)`: unique elements; strings are ordered as Terraform orders them.
fn toset(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let items = c.seq_arg(0)?;
    if !items.iter().all(fully_known) {
        return Ok(c.arg(0)?.clone());
    }
    let mut items = distinct(c)?;
    if items.iter().all(|i| matches!(i.kind, Kind::Str(_))) {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Ok(c.seq_node(items))
}

fn length(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    let n = match &arg.kind {
        Kind::Seq(items) => items.len(),
        Kind::Map(entries) => entries.len(),
        Kind::Str(s) => s.chars().count(),
        _ => return Err(c.str_arg(0).err().unwrap_or_else(|| c.unknown())),
    };
    Ok(num(c.span, n as f64))
}

/// `element(list, index)`: the index wraps around.
fn element(c: &Call<'_>) -> Res {
    c.arity(2, 2)?;
    let items = c.seq_arg(0)?;
    let i = c.num_arg(1)?;
    if items.is_empty() || i < 0.0 {
        return Err(c.error("empty list or negative index"));
    }
    Ok(items[(i as usize) % items.len()].clone())
}

fn contains(c: &Call<'_>) -> Res {
    c.arity(2, 2)?;
    let items = c.seq_arg(0)?;
    let wanted = c.arg(1)?;
    let mut undecided = false;
    for item in items {
        match value_eq(item, wanted) {
            Some(true) => return Ok(c.bool_node(true)),
            Some(false) => {}
            None => undecided = true,
        }
    }
    if undecided {
        return Err(c.unknown());
    }
    Ok(c.bool_node(false))
}

/// `keys(map)` / `values(map)`, in lexicographic key order as Terraform returns them.
fn keys_values(c: &Call<'_>, keys: bool) -> Res {
    c.arity(1, 1)?;
    let mut entries: Vec<&(Key, Node)> = c.map_arg(0)?.iter().collect();
    entries.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let items = entries
        .into_iter()
        .map(|(k, v)| {
            if keys {
                Node::str(k.span, k.name.clone())
            } else {
                v.clone()
            }
        })
        .collect();
    Ok(c.seq_node(items))
}

fn flatten(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let mut out = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, Node>> = vec![c.seq_arg(0)?.iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(Node {
                kind: Kind::Seq(inner),
                ..
            }) => stack.push(inner.iter()),
            Some(Node {
                kind: Kind::Unknown(_),
                ..
            }) => return Err(c.unknown()),
            Some(item) => out.push(item.clone()),
        }
    }
    Ok(c.seq_node(out))
}

/// The unique elements of the first argument, first occurrence kept.
fn distinct(c: &Call<'_>) -> Result<Vec<Node>, Node> {
    let items = c.seq_arg(0)?;
    if !items.iter().all(fully_known) {
        return Err(c.unknown());
    }
    let mut seen = HashSet::new();
    Ok(items
        .iter()
        .filter(|i| seen.insert(dedup_key(i)))
        .cloned()
        .collect())
}

/// `compact(list)`: without nulls and empty strings.
fn compact(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let items = c.seq_arg(0)?;
    if items.iter().any(|i| i.is_unknown()) {
        return Err(c.unknown());
    }
    let kept = items
        .iter()
        .filter(|i| !matches!(&i.kind, Kind::Null) && i.as_str() != Some(""))
        .cloned()
        .collect();
    Ok(c.seq_node(kept))
}

fn sort(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let items = c.seq_arg(0)?;
    let mut texts: Vec<(String, &Node)> = Vec::with_capacity(items.len());
    for item in items {
        match item.scalar_text() {
            Some(t) => texts.push((t.into_owned(), item)),
            None => return Err(c.unknown()),
        }
    }
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    let sorted = texts
        .into_iter()
        .map(|(t, n)| Node::str(n.span, t))
        .collect();
    Ok(c.seq_node(sorted))
}

fn slice(c: &Call<'_>) -> Res {
    c.arity(3, 3)?;
    let items = c.seq_arg(0)?;
    let (start, end) = (c.num_arg(1)?, c.num_arg(2)?);
    if start < 0.0 || end < start || end > items.len() as f64 {
        return Err(c.error("index out of range"));
    }
    Ok(c.seq_node(items[start as usize..end as usize].to_vec()))
}

fn one(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    match c.seq_arg(0)? {
        [] => Ok(Node::new(c.span, Kind::Null)),
        [only] => Ok(only.clone()),
        _ => Err(c.error("more than one element")),
    }
}

fn zipmap(c: &Call<'_>) -> Res {
    c.arity(2, 2)?;
    let (keys, values) = (c.seq_arg(0)?, c.seq_arg(1)?);
    if keys.len() != values.len() {
        return Err(c.error("lists of different lengths"));
    }
    let mut entries = Vec::with_capacity(keys.len());
    for (k, v) in keys.iter().zip(values) {
        let Some(name) = k.scalar_text() else {
            return Err(c.unknown());
        };
        let key = Key {
            name: name.into_owned(),
            span: k.span,
        };
        entries.push((key, v.clone()));
    }
    Ok(Node::new(c.span, Kind::Map(entries)))
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`.
fn range(c: &Call<'_>) -> Res {
    c.arity(1, 3)?;
    let (start, limit, step) = match c.args.len() {
        1 => (0.0, c.num_arg(0)?, 1.0),
        2 => (c.num_arg(0)?, c.num_arg(1)?, 1.0),
        _ => (c.num_arg(0)?, c.num_arg(1)?, c.num_arg(2)?),
    };
    let default_step = if limit < start { -1.0 } else { 1.0 };
    let step = if c.args.len() == 3 {
        step
    } else {
        default_step
    };
    if step == 0.0 || (limit - start) * step < 0.0 {
        return Ok(c.seq_node(Vec::new()));
    }
    let count = ((limit - start) / step).ceil();
    if count > MAX_RANGE as f64 {
        return Err(c.error(format!("more than {MAX_RANGE} values")));
    }
    let items = (0..count as usize)
        .map(|i| num(c.span, start + step * i as f64))
        .collect();
    Ok(c.seq_node(items))
}
