//! String, number and conversion functions (`lower`, `format`, `replace`, `max`, `tonumber`).
//!
//! Each takes a `Call` whose arguments are already evaluated and returns the result node, or
//! an unknown when an argument is not known. `format` and `join` are partial: with a known
//! format string (or list shape) and some unknown values they return a `Template` whose
//! unknown parts are the values, so that `format("arn:aws:s3:::%s", var.b)` still tells a
//! rule the ARN prefix.

use super::functions::{Call, Res};
use super::template::Parts;
use super::value::{as_bool, as_num, as_string, num};
use crate::tree::{Kind, Node};
use regex::Regex;

/// Runs the function named by `c` if it is one of this module's (`None` otherwise).
pub(super) fn call(c: &Call<'_>) -> Option<Res> {
    let result = match c.name {
        "lower" => map_str(c, |s| s.to_lowercase()),
        "upper" => map_str(c, |s| s.to_uppercase()),
        "trimspace" => map_str(c, |s| s.trim().to_string()),
        "chomp" => map_str(c, |s| s.trim_end_matches(['\r', '\n']).to_string()),
        "strrev" => map_str(c, |s| s.chars().rev().collect()),
        "trim" => two_str(c, |s, chars| {
            s.trim_matches(|ch| chars.contains(ch)).to_string()
        }),
        "trimprefix" => two_str(c, |s, p| s.strip_prefix(p).unwrap_or(s).to_string()),
        "trimsuffix" => two_str(c, |s, p| s.strip_suffix(p).unwrap_or(s).to_string()),
        "startswith" => str_pred(c, |s, p| s.starts_with(p)),
        "endswith" => str_pred(c, |s, p| s.ends_with(p)),
        "substr" => substr(c),
        "replace" => replace(c),
        "split" => split(c),
        "join" => join(c),
        "format" => format(c),
        "tostring" => tostring(c),
        "tonumber" => tonumber(c),
        "tobool" => tobool(c),
        "abs" => map_num(c, f64::abs),
        "ceil" => map_num(c, f64::ceil),
        "floor" => map_num(c, f64::floor),
        "max" => fold_num(c, f64::max),
        "min" => fold_num(c, f64::min),
        _ => return None,
    };
    Some(result)
}

fn map_str(c: &Call<'_>, f: impl Fn(&str) -> String) -> Res {
    c.arity(1, 1)?;
    Ok(c.str_node(f(&c.str_arg(0)?)))
}

fn two_str(c: &Call<'_>, f: impl Fn(&str, &str) -> String) -> Res {
    c.arity(2, 2)?;
    Ok(c.str_node(f(&c.str_arg(0)?, &c.str_arg(1)?)))
}

fn str_pred(c: &Call<'_>, f: impl Fn(&str, &str) -> bool) -> Res {
    c.arity(2, 2)?;
    Ok(c.bool_node(f(&c.str_arg(0)?, &c.str_arg(1)?)))
}

fn map_num(c: &Call<'_>, f: impl Fn(f64) -> f64) -> Res {
    c.arity(1, 1)?;
    Ok(num(c.span, f(c.num_arg(0)?)))
}

fn fold_num(c: &Call<'_>, f: impl Fn(f64, f64) -> f64) -> Res {
    if c.args.is_empty() {
        return Err(c.error("needs at least one number"));
    }
    let mut acc = c.num_arg(0)?;
    for i in 1..c.args.len() {
        acc = f(acc, c.num_arg(i)?);
    }
    Ok(num(c.span, acc))
}

/// `substr(string, offset, length)` in characters; a negative offset counts from the end
/// and a length of -1 takes the rest.
fn substr(c: &Call<'_>) -> Res {
    c.arity(3, 3)?;
    let s: Vec<char> = c.str_arg(0)?.chars().collect();
    let (offset, length) = (c.num_arg(1)?, c.num_arg(2)?);
    let len = s.len() as f64;
    let start = if offset < 0.0 { len + offset } else { offset };
    if start < 0.0 || start > len {
        return Err(c.error("offset out of range"));
    }
    let end = if length < 0.0 {
        len
    } else {
        (start + length).min(len)
    };
    let text: String = s[start as usize..end.max(start) as usize].iter().collect();
    Ok(c.str_node(text))
}

/// `replace(string, substring, replacement)`; `/re/` makes the substring a regex.
fn replace(c: &Call<'_>) -> Res {
    c.arity(3, 3)?;
    let (s, from, to) = (c.str_arg(0)?, c.str_arg(1)?, c.str_arg(2)?);
    let pattern = from
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .filter(|_| from.len() > 1);
    let out = match pattern {
        Some(p) => {
            let re = Regex::new(p).map_err(|e| c.error(format!("invalid regex: {e}")))?;
            re.replace_all(&s, to.as_str()).into_owned()
        }
        None if from.is_empty() => s,
        None => s.replace(&from, &to),
    };
    Ok(c.str_node(out))
}

fn split(c: &Call<'_>) -> Res {
    c.arity(2, 2)?;
    let (sep, s) = (c.str_arg(0)?, c.str_arg(1)?);
    let items = if sep.is_empty() {
        s.chars().map(|ch| c.str_node(ch.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(|p| c.str_node(p)).collect()
    };
    Ok(c.seq_node(items))
}

/// `join(separator, list...)`; unknown elements become unknown parts of a `Template`.
fn join(c: &Call<'_>) -> Res {
    if c.args.len() < 2 {
        return Err(c.error("needs a separator and a list"));
    }
    let sep = c.str_arg(0)?;
    let mut parts = Parts::default();
    let mut first = true;
    for i in 1..c.args.len() {
        for item in c.seq_arg(i)? {
            if !first {
                parts.push_str(&sep, c.span);
            }
            first = false;
            if matches!(item.kind, Kind::Seq(_) | Kind::Map(_) | Kind::Null) {
                return Err(c.error(format!("cannot join {}", item.describe())));
            }
            parts.push_value(item.clone());
        }
    }
    Ok(parts.finish(c.span))
}

/// `format(spec, values...)` with `%s %v %d %f %t %q %%` (flags and width are ignored,
/// a precision is honoured for `%f`).
fn format(c: &Call<'_>) -> Res {
    let spec = c.str_arg(0)?;
    let mut parts = Parts::default();
    let mut next = 1;
    let mut chars = spec.chars().peekable();
    let mut literal = String::new();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            literal.push(ch);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            literal.push('%');
            continue;
        }
        let mut modifiers = String::new();
        while let Some(&m) = chars.peek() {
            if m.is_ascii_alphabetic() {
                break;
            }
            modifiers.push(m);
            chars.next();
        }
        let Some(verb) = chars.next() else {
            return Err(c.error("incomplete verb at end of format"));
        };
        let arg = c
            .args
            .get(next)
            .ok_or_else(|| c.error("not enough arguments for format"))?;
        next += 1;
        parts.push_str(&std::mem::take(&mut literal), c.span);
        match format_verb(verb, &modifiers, arg) {
            Some(text) => parts.push_str(&text, c.span),
            None if matches!(
                arg.kind,
                Kind::Ref(_) | Kind::Unknown(_) | Kind::Template(_)
            ) =>
            {
                parts.push_value(arg.clone());
            }
            None => return Err(c.error(format!("cannot format {} with %{verb}", arg.describe()))),
        }
    }
    parts.push_str(&literal, c.span);
    Ok(parts.finish(c.span))
}

fn format_verb(verb: char, modifiers: &str, arg: &Node) -> Option<String> {
    match verb {
        's' | 'v' => match &arg.kind {
            Kind::Seq(_) | Kind::Map(_) => super::value::json_text(arg),
            _ => as_string(arg),
        },
        'd' => as_num(arg).map(|n| format!("{}", n.trunc() as i64)),
        'f' | 'e' | 'g' => {
            let n = as_num(arg)?;
            let precision = modifiers
                .split_once('.')
                .and_then(|(_, p)| p.parse::<usize>().ok())
                .unwrap_or(6);
            Some(format!("{n:.precision$}"))
        }
        't' => as_bool(arg).map(|b| b.to_string()),
        'q' => as_string(arg).map(|s| format!("{s:?}")),
        _ => None,
    }
}

fn tostring(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    match arg.kind {
        Kind::Null => Ok(Node::new(c.span, Kind::Null)),
        Kind::Str(_) | Kind::Template(_) | Kind::Ref(_) => Ok(arg.clone()),
        _ => Ok(c.str_node(c.str_arg(0)?)),
    }
}

fn tonumber(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    if matches!(arg.kind, Kind::Null) {
        return Ok(arg.clone());
    }
    Ok(num(c.span, c.num_arg(0)?))
}

fn tobool(c: &Call<'_>) -> Res {
    c.arity(1, 1)?;
    let arg = c.arg(0)?;
    if matches!(arg.kind, Kind::Null) {
        return Ok(arg.clone());
    }
    match as_bool(arg) {
        Some(b) => Ok(c.bool_node(b)),
        None if matches!(
            arg.kind,
            Kind::Unknown(_) | Kind::Ref(_) | Kind::Template(_)
        ) =>
        {
            Err(c.unknown())
        }
        None => Err(c.error(format!("cannot convert {} to bool", arg.describe()))),
    }
}
