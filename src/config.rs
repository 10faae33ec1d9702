//! `lenslint.toml`: how a team tunes lenslint, read once per scanned path.
//!
//! The file is found by walking up from a scanned path to the file-system root ([`find`]);
//! `--config FILE` names it and `--isolated` ignores it. It holds: `select` / `ignore` (rule ids
//! or id prefixes; `select` does not turn off the LL rules about suppressions, `ignore` does),
//! `[severity]` overrides, `exclude` globs, `fail-on`, `[params.ID]` rule-parameter overrides,
//! `allow-inline-suppressions`, `rule-dirs` (folders of extra rule files) and `baseline`.
//! Relative paths and globs are relative to the file's folder. Every error names the file, the
//! line and the column: an unknown key, a rule id no rule has, a parameter a rule does not
//! take, or a value of the wrong type. [`Config::rule_set`] builds the rules the config asks
//! for (recompiling rules whose parameters it overrides) and [`Config::policy`] the filter
//! settings of [`crate::filter`]. [`init_template`] is what `lenslint init` writes.

use crate::filter::{Exclude, Policy};
use crate::rules::{compile_rule, RuleSet, Severity};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// The config file's name.
pub const FILE_NAME: &str = "lenslint.toml";

type Str = Spanned<String>;

/// The file as written (serde form, with spans for error messages).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    select: Option<Vec<Str>>,
    #[serde(default)]
    ignore: Vec<Str>,
    #[serde(default)]
    severity: BTreeMap<Str, Str>,
    #[serde(default)]
    exclude: Vec<Str>,
    fail_on: Option<Str>,
    allow_inline_suppressions: Option<bool>,
    #[serde(default)]
    rule_dirs: Vec<Str>,
    baseline: Option<Str>,
    #[serde(default)]
    params: BTreeMap<Str, BTreeMap<Str, Spanned<toml::Value>>>,
}

/// A value with its place in the config file.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub line: u32,
    pub column: u32,
}

/// One rule's parameter overrides: the rule id, then each parameter and its value.
pub type ParamOverrides = (At<String>, Vec<(At<String>, serde_json::Value)>);

/// A config, read from a file or the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (`None`: the defaults).
    pub path: Option<PathBuf>,
    /// The folder relative paths and globs start from.
    pub dir: PathBuf,
    pub select: Option<Vec<At<String>>>,
    pub ignore: Vec<At<String>>,
    pub severity: Vec<(At<String>, Severity)>,
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    pub allow_inline_suppressions: bool,
    pub rule_dirs: Vec<PathBuf>,
    pub baseline: Option<PathBuf>,
    /// Rule id → parameter → value.
    pub params: Vec<ParamOverrides>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            path: None,
            dir: PathBuf::from("."),
            select: None,
            ignore: Vec::new(),
            severity: Vec::new(),
            exclude: Vec::new(),
            fail_on: None,
            allow_inline_suppressions: true,
            rule_dirs: Vec::new(),
            baseline: None,
            params: Vec::new(),
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let mut end = offset;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[start..].chars().count() as u32 + 1)
}

/// The config file that applies to `path`: the nearest `lenslint.toml` in its folder (the
/// path itself when it is a folder) or any folder above.
pub fn find(path: &Path) -> Option<PathBuf> {
    let abs = crate::filter::absolute(path);
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent()?
    };
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|f| f.is_file())
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "nothing",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a table",
    }
}

impl Config {
    /// Reads and checks a config file (everything but the rule ids, which [`Config::rule_set`]
    /// checks against the rules it loads).
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::parse(path, &text)
    }

    /// Parses config `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, String> {
        let name = path.display().to_string();
        let at = |span: std::ops::Range<usize>| line_col(text, span.start);
        let err = |span: std::ops::Range<usize>, msg: String| {
            let (l, c) = at(span);
            format!("{name}:{l}:{c}: {msg}")
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().to_string();
            match e.span() {
                Some(span) => err(span, msg),
                None => format!("{name}: {msg}"),
            }
        })?;
        let located = |s: &Str| {
            let (line, column) = at(s.span());
            At {
                value: s.get_ref().trim().to_string(),
                line,
                column,
            }
        };
        let severity_value = |s: &Str| {
            Severity::parse(s.get_ref().trim()).ok_or_else(|| {
                err(
                    s.span(),
                    format!(
                        "`{}` is no severity (info, low, medium, high, critical)",
                        s.get_ref()
                    ),
                )
            })
        };
        let dir = crate::filter::absolute(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut severity = Vec::new();
        for (k, v) in &raw.severity {
            severity.push((located(k), severity_value(v)?));
        }
        let fail_on = raw.fail_on.as_ref().map(severity_value).transpose()?;
        let mut exclude = Vec::new();
        for g in &raw.exclude {
            Exclude::new(&dir, std::slice::from_ref(g.get_ref())).map_err(|e| err(g.span(), e))?;
            exclude.push(g.get_ref().clone());
        }
        let mut params = Vec::new();
        for (rule, values) in &raw.params {
            let mut list = Vec::new();
            for (k, v) in values {
                let json = serde_json::to_value(v.get_ref())
                    .map_err(|e| err(v.span(), format!("unreadable value: {e}")))?;
                list.push((located(k), json));
            }
            params.push((located(rule), list));
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            select: raw.select.as_ref().map(|l| l.iter().map(located).collect()),
            ignore: raw.ignore.iter().map(located).collect(),
            severity,
            exclude,
            fail_on,
            allow_inline_suppressions: raw.allow_inline_suppressions.unwrap_or(true),
            rule_dirs: raw
                .rule_dirs
                .iter()
                .map(|d| dir.join(d.get_ref()))
                .collect(),
            baseline: raw.baseline.as_ref().map(|b| dir.join(b.get_ref())),
            params,
            dir,
        })
    }

    fn where_(&self, at: &At<String>) -> String {
        match &self.path {
            Some(p) => format!("{}:{}:{}", p.display(), at.line, at.column),
            None => "command line".to_string(),
        }
    }

    /// The rules this config runs: the built-in ones, `extra_dirs` (`--rules`) and the
    /// config's `rule-dirs`, with parameter overrides applied and `select`/`ignore` honoured;
    /// an opt-in rule runs only once the config sets its parameter
    /// ([`crate::rules::RuleDoc::configured`]).
    /// Also returns every rule id that exists (for suppressions naming a rule not run).
    pub fn rule_set(&self, extra_dirs: &[PathBuf]) -> Result<(RuleSet, BTreeSet<String>), String> {
        let mut rules = RuleSet::builtin().map_err(|e| e.join("\n"))?;
        for d in extra_dirs.iter().chain(&self.rule_dirs) {
            rules.extend_from_dir(d).map_err(|e| e.join("\n"))?;
        }
        let all: BTreeSet<String> = rules.rules.iter().map(|r| r.doc.id.clone()).collect();
        let mut errors = Vec::new();
        let known = |sel: &At<String>, what: &str, errors: &mut Vec<String>| {
            let s = sel.value.to_ascii_uppercase();
            if s.is_empty() || !all.iter().any(|id| id.starts_with(&s)) {
                errors.push(format!(
                    "{}: {what} `{}` is no rule id or prefix (`lenslint rules` lists them)",
                    self.where_(sel),
                    sel.value
                ));
            }
        };
        for s in self.select.iter().flatten() {
            known(s, "select", &mut errors);
        }
        for s in &self.ignore {
            known(s, "ignore", &mut errors);
        }
        for (s, _) in &self.severity {
            known(s, "severity", &mut errors);
        }
        let mut overrides: BTreeMap<String, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
        // Where each rule's `[params.ID]` table is, for errors found when it is recompiled.
        let mut table_at: BTreeMap<String, &At<String>> = BTreeMap::new();
        for (rule_at, values) in &self.params {
            let id = rule_at.value.to_ascii_uppercase();
            table_at.entry(id.clone()).or_insert(rule_at);
            let Some(rule) = rules.rules.iter().find(|r| r.doc.id == id) else {
                errors.push(format!(
                    "{}: params: no rule `{}`",
                    self.where_(rule_at),
                    rule_at.value
                ));
                continue;
            };
            for (name, value) in values {
                let Some(default) = rule.doc.params.get(&name.value) else {
                    let takes: Vec<&str> = rule.doc.params.keys().map(String::as_str).collect();
                    errors.push(format!(
                        "{}: rule {id} has no parameter `{}` ({})",
                        self.where_(name),
                        name.value,
                        if takes.is_empty() {
                            "it takes none".to_string()
                        } else {
                            format!("it takes: {}", takes.join(", "))
                        }
                    ));
                    continue;
                };
                if let Some(problem) = type_mismatch(default, value) {
                    errors.push(format!(
                        "{}: {id}.{}: {problem}",
                        self.where_(name),
                        name.value
                    ));
                    continue;
                }
                overrides
                    .entry(id.clone())
                    .or_default()
                    .insert(name.value.clone(), value.clone());
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        for rule in &mut rules.rules {
            let Some(values) = overrides.get(&rule.doc.id) else {
                continue;
            };
            let mut doc = rule.doc.clone();
            doc.params.extend(values.clone());
            *rule = compile_rule(doc, &rule.source).map_err(|e| {
                let place = match table_at.get(&rule.doc.id) {
                    Some(at) => self.where_(at),
                    None => self
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                };
                format!("{place}: params for {}: {e}", rule.doc.id)
            })?;
        }
        let matches = |list: &[At<String>], id: &str| {
            list.iter()
                .any(|s| id.starts_with(&s.value.to_ascii_uppercase()))
        };
        rules.rules.retain(|r| {
            let id = r.doc.id.as_str();
            let meta = r.cloudformation.is_none() && r.terraform.is_none();
            let selected = match &self.select {
                Some(sel) => meta || matches(sel, id),
                None => true,
            };
            // An opt-in rule (TAG001) runs once its parameter is set: unconfigured, it is not
            // run, as if ignored (no findings, no evaluations, no LL003 for its suppressions).
            selected && !matches(&self.ignore, id) && r.doc.configured()
        });
        Ok((rules, all))
    }

    /// The filter settings of this config.
    pub fn policy(&self, all_rules: Arc<BTreeSet<String>>) -> Result<Policy, String> {
        let exclude = if self.exclude.is_empty() {
            None
        } else {
            Some(Exclude::new(&self.dir, &self.exclude)?)
        };
        Ok(Policy {
            forbid_inline: !self.allow_inline_suppressions,
            severity: self
                .severity
                .iter()
                .map(|(k, v)| (k.value.to_ascii_uppercase(), *v))
                .collect(),
            exclude,
            known_rules: Some(all_rules),
            skip_non_templates: false,
        })
    }
}

/// Why `value` cannot replace a parameter whose default is `default`, if it cannot.
fn type_mismatch(default: &serde_json::Value, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value as V;
    let same = std::mem::discriminant(default) == std::mem::discriminant(value);
    if !same {
        return Some(format!(
            "expected {} (like the default {default}), got {}",
            kind_of(default),
            kind_of(value)
        ));
    }
    if let (V::Array(d), V::Array(v)) = (default, value) {
        if let Some(first) = d.first() {
            if let Some(bad) = v
                .iter()
                .find(|x| std::mem::discriminant(*x) != std::mem::discriminant(first))
            {
                return Some(format!(
                    "list items must be {} (like the default {default}), got {bad}",
                    kind_of(first).trim_start_matches("a ")
                ));
            }
        }
    }
    None
}

/// A TOML rendering of a JSON parameter value (for the commented template).
fn toml_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => toml_string(s),
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", parts.join(", "))
        }
        serde_json::Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_string(k), toml_value(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        serde_json::Value::Null => "\"\"".into(),
        other => other.to_string(),
    }
}

fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// What `lenslint init` writes: every setting with its default, commented out (a line
/// starting `#` and a letter or `[` is a setting; `# ` starts prose). The parameter tables
/// are generated from the rules, so they list every parameter a rule takes.
pub fn init_template(rules: &RuleSet) -> String {
    let s = String::from(
        "# lenslint configuration (README.md, \"Configuration\", describes every setting).
# lenslint reads the nearest lenslint.toml above each scanned path (`--config FILE` picks
# one, `--isolated` ignores it). Every setting below shows its default; remove the `#` to
# change one. Paths and globs are relative to this file's folder.

# Rules to run: rule ids or prefixes (\"SM\" = every SageMaker rule, \"SM0\" = SM001-SM099).
# Default: every rule, that is every family:
#select = {families}

# Rules not to run, ids or prefixes. The LL rules (about suppressions) follow `ignore`
# only, not `select`.
#ignore = []

# Files not to scan. A glob with a `/` matches from this folder (\"legacy/**\"); one without
# matches a file or folder name anywhere, as in .gitignore (\"*.generated.yaml\").
#exclude = []

# Exit 1 when a finding at or above this severity is reported (`--fail-on` wins):
# info, low, medium, high or critical.
#fail-on = \"low\"

# `false` makes `# lenslint:ignore` comments and CloudFormation Metadata suppressions
# silence nothing, so that only this file and the baseline can (for CI owners).
#allow-inline-suppressions = true

# Findings recorded by `lenslint scan --write-baseline FILE` are not reported again.
#baseline = \"lenslint-baseline.json\"

# Folders of your own rule files (see docs/writing-rules.md).
#rule-dirs = []

# Severity of a rule's findings, by rule id or prefix (the longest prefix wins);
# `lenslint rules` shows each rule's own.
#[severity]
{severity_example}

# Rule parameters (defaults shown).
",
    );
    let mut families: Vec<String> = rules
        .rules
        .iter()
        .map(|r| {
            r.doc
                .id
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_string()
        })
        .collect();
    families.sort();
    families.dedup();
    let families: Vec<String> = families.iter().map(|f| toml_string(f)).collect();
    let example = rules
        .get("SM002")
        .or(rules.rules.first())
        .map(|r| format!("#{} = \"{}\"", r.doc.id, r.doc.severity.as_str()))
        .unwrap_or_default();
    let mut s = s
        .replace("{families}", &format!("[{}]", families.join(", ")))
        .replace("{severity_example}", &example);
    for r in &rules.rules {
        if r.doc.params.is_empty() {
            continue;
        }
        s.push_str(&format!("\n# {}: {}\n", r.doc.id, r.doc.title));
        if let Some(p) = &r.doc.opt_in {
            s.push_str(&format!(
                "# Off until `{p}` is set (`lenslint explain {}` has an example).\n",
                r.doc.id
            ));
        }
        s.push_str(&format!("#[params.{}]\n", r.doc.id));
        for (k, v) in &r.doc.params {
            s.push_str(&format!("#{k} = {}\n", toml_value(v)));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("/x/lenslint.toml"), text)
    }

    #[test]
    fn unknown_keys_name_their_line() {
        let e = parse("select = [\"SM\"]\n\nfail_on = \"high\"\n").unwrap_err();
        assert!(e.starts_with("/x/lenslint.toml:3:1:"), "{e}");
        assert!(e.contains("fail_on"), "{e}");
        let e = parse("[severity]\nSM002 = \"urgent\"\n").unwrap_err();
        assert!(e.starts_with("/x/lenslint.toml:2:9:"), "{e}");
        let e = parse("[params.BR022]\nmin_strengths = [\"HIGH\"]\n[bogus]\n").unwrap_err();
        assert!(e.starts_with("/x/lenslint.toml:3:"), "{e}");
    }

    #[test]
    fn values_and_paths() {
        let c = parse(
            "select = [\"SM\"]\nignore = [\"SM004\"]\nfail-on = \"high\"\n\
             allow-inline-suppressions = false\nrule-dirs = [\"rules\"]\n\
             baseline = \"b.json\"\n[severity]\nSM0 = \"low\"\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(Severity::High));
        assert!(!c.allow_inline_suppressions);
        assert_eq!(c.rule_dirs, [PathBuf::from("/x/rules")]);
        assert_eq!(c.baseline, Some(PathBuf::from("/x/b.json")));
        assert_eq!(c.severity[0].0.value, "SM0");
        assert_eq!(c.severity[0].1, Severity::Low);
        assert_eq!((c.ignore[0].line, c.ignore[0].column), (2, 11));
    }

    #[test]
    fn toml_rendering() {
        let v = serde_json::json!({"a": ["X", 1, true], "b": 0.5});
        assert_eq!(toml_value(&v), "{ \"a\" = [\"X\", 1, true], \"b\" = 0.5 }");
    }

    #[test]
    fn mismatched_parameter_types() {
        let d = serde_json::json!(["MEDIUM", "HIGH"]);
        assert!(type_mismatch(&d, &serde_json::json!(["HIGH"])).is_none());
        assert!(type_mismatch(&d, &serde_json::json!("HIGH")).is_some());
        assert!(type_mismatch(&d, &serde_json::json!([1])).is_some());
        assert!(type_mismatch(&serde_json::json!(0.5), &serde_json::json!(1)).is_none());
    }
}
