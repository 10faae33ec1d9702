//! Rule files: loading, metadata, and the compiled form the engine runs.
//!
//! A rule lives in `rules/<family>/<ID>.yaml` (embedded in the binary at build time; the same
//! loader reads a user's folder). One file holds the rule's metadata (id, title, severity,
//! pillar, lens practices, equivalents in peer tools), what it checks in each format (resource
//! types, an optional scope and a condition, see [`crate::engine::cond`]) and its
//! documentation (why, fix, examples, docs links) that `lenslint explain` prints.

use crate::engine::cond::{compile, Cond};
use crate::model::Format;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

/// A rule file compiled into the binary, and the JSON build.rs made of it (see build.rs):
/// the rule without its conditions and documentation, which are split off.
pub struct EmbeddedRule {
    /// `rules/<family>/<ID>.yaml`.
    pub path: &'static str,
    pub yaml: &'static str,
    /// The file as JSON with its conditions `null` and its split-off documentation empty
    /// (`None`: build/yaml_json.rs could not convert it, and it loads from its YAML).
    pub json: Option<&'static str>,
    /// Its `cloudformation.check` and `terraform.check` as JSON.
    pub checks: [Option<&'static str>; 2],
    /// The documentation fields, when build.rs split them off (`None`: in `json`).
    pub why: Option<&'static str>,
    pub fix: Option<&'static str>,
    pub notes: Option<&'static str>,
    pub docs: Option<&'static [&'static str]>,
    /// `(format, fail, pass)`.
    pub examples: Option<&'static [(&'static str, &'static str, &'static str)]>,
}

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LensPractice {
    /// `machine-learning`, `generative-ai` or `responsible-ai`.
    pub lens: String,
    /// Current best-practice id, e.g. `MLSEC03-BP02`.
    pub practice: String,
    /// Older (2023 edition) id of the ML lens, e.g. `MLSEC-04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<String>,
    /// Pillar or focus area this practice belongs to (defaults to the rule's pillar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pillar: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    #[serde(default)]
    pub fail: Cow<'static, str>,
    #[serde(default)]
    pub pass: Cow<'static, str>,
}

/// One format's section of a rule file, as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatSpec {
    pub types: Vec<String>,
    /// `ml`: only resources that an ML/GenAI resource refers to (supporting resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub check: Check,
    /// Message for this format when it differs from the rule's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A format section's condition as written (see [`crate::engine::cond`]), dereferencing to its
/// JSON value. A built-in rule's is kept as the JSON text build.rs wrote and parsed on first
/// use: start-up builds no condition tree, and a scan parses only the conditions of the rules
/// it evaluates.
#[derive(Clone)]
pub struct Check {
    text: Option<&'static str>,
    value: std::sync::OnceLock<serde_json::Value>,
}

impl Check {
    pub fn new(value: serde_json::Value) -> Check {
        Check {
            text: None,
            value: std::sync::OnceLock::from(value),
        }
    }

    fn embedded(text: &'static str) -> Check {
        Check {
            text: Some(text),
            value: std::sync::OnceLock::new(),
        }
    }
}

impl std::ops::Deref for Check {
    type Target = serde_json::Value;
    fn deref(&self) -> &serde_json::Value {
        // build.rs wrote the text with serde_json; `embedded_rule_json_matches_the_yaml_loader`
        // checks that it parses back to the rule file's condition.
        self.value.get_or_init(|| {
            self.text
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default()
        })
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
        serde_json::Value::deserialize(d).map(Check::new)
    }
}

/// A rule file as written (serde form); `explain` and `rules --format json` print it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub pillar: String,
    pub lenses: Vec<LensPractice>,
    /// The finding message; `{resource}` is replaced by the resource id.
    pub message: String,
    #[serde(default)]
    pub equivalents: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// A parameter the team must set for the rule to run, for organisation-specific policy
    /// (TAG001's tag keys): its default is empty, and while it is empty the rule is not run
    /// ([`RuleDoc::configured`]), as if `ignore`d.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<FormatSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform: Option<FormatSpec>,
    /// The documentation texts of a built-in rule borrow the binary's copy (most of a rule
    /// file, and not read by most runs).
    pub why: Cow<'static, str>,
    pub fix: Cow<'static, str>,
    #[serde(default)]
    pub examples: BTreeMap<String, Example>,
    #[serde(default)]
    pub docs: Vec<String>,
    /// Notes on schema facts or decisions (e.g. where the catalog and the schema disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Cow<'static, str>>,
}

impl RuleDoc {
    /// Whether the rule runs: always, unless it is `opt_in` and its parameter is still empty
    /// (absent, null, `""`, `[]` or `{}`).
    pub fn configured(&self) -> bool {
        let Some(param) = &self.opt_in else {
            return true;
        };
        self.params.get(param).is_some_and(|v| !is_empty_value(v))
    }
}

fn is_empty_value(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A format section compiled for the engine.
#[derive(Debug)]
pub struct Target {
    pub types: Vec<String>,
    pub ml_scope: bool,
    pub cond: LazyCond,
    pub message: Option<String>,
}

/// A rule's condition, dereferencing to the compiled [`Cond`]. Rules loaded from files and
/// rules whose parameters the config overrides are compiled when loaded (so errors are
/// reported then); the built-in rules are compiled on first use, because compiling all of them
/// was most of a one-file scan's start-up and a scan uses only the rules of the resource types
/// it meets (a test compiles every built-in rule).
pub struct LazyCond {
    source: Option<(Check, BTreeMap<String, serde_json::Value>)>,
    cond: std::sync::OnceLock<Cond>,
}

impl LazyCond {
    fn compiled(cond: Cond) -> LazyCond {
        LazyCond {
            source: None,
            cond: std::sync::OnceLock::from(cond),
        }
    }

    fn deferred(check: &Check, params: &BTreeMap<String, serde_json::Value>) -> Self {
        LazyCond {
            source: Some((check.clone(), params.clone())),
            cond: std::sync::OnceLock::new(),
        }
    }
}

impl std::ops::Deref for LazyCond {
    type Target = Cond;
    fn deref(&self) -> &Cond {
        self.cond.get_or_init(|| match &self.source {
            // A built-in rule that does not compile fails `builtin_rules_all_compile`; were one
            // to slip through, it would check nothing (an empty `all` holds).
            Some((check, params)) => {
                crate::engine::cond::compile_builtin(check, params).unwrap_or(Cond::All(Vec::new()))
            }
            None => Cond::All(Vec::new()),
        })
    }
}

impl std::fmt::Debug for LazyCond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cond.get() {
            Some(c) => c.fmt(f),
            None => f.write_str("LazyCond(not compiled yet)"),
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub doc: RuleDoc,
    /// Where it was loaded from (`rules/sagemaker/SM002.yaml` or a user path).
    pub source: String,
    pub cloudformation: Option<Target>,
    pub terraform: Option<Target>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.doc.id
    }
    pub fn target(&self, format: Format) -> Option<&Target> {
        match format {
            Format::CloudFormation => self.cloudformation.as_ref(),
            Format::Terraform | Format::TerraformPlan => self.terraform.as_ref(),
        }
    }
    /// The lens practices with the pillar filled in.
    pub fn lenses(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.doc.lenses.iter().map(|l| {
            (
                l.lens.as_str(),
                l.practice.as_str(),
                l.pillar.as_deref().unwrap_or(self.doc.pillar.as_str()),
            )
        })
    }
}

/// Parses and compiles one rule file. Errors name the file and what is wrong.
pub fn load_rule(source: &str, text: &str) -> Result<Rule, String> {
    let parsed = crate::parse::parse_yaml(text).map_err(|e| format!("{source}: {}", e.message))?;
    let json = parsed.root.to_json();
    let doc: RuleDoc = serde_json::from_value(json).map_err(|e| format!("{source}: {e}"))?;
    compile_rule(doc, source)
}

/// Loads one built-in rule file that build.rs converted to JSON (see `build/yaml_json.rs`);
/// its conditions stay JSON text until first used ([`Check`], [`LazyCond`]).
fn load_rule_json(rule: &EmbeddedRule, json: &str) -> Result<Rule, String> {
    let source = rule.path;
    let mut doc: RuleDoc = serde_json::from_str(json).map_err(|e| format!("{source}: {e}"))?;
    for (spec, text) in [&mut doc.cloudformation, &mut doc.terraform]
        .into_iter()
        .zip(rule.checks)
    {
        if let (Some(spec), Some(text)) = (spec, text) {
            spec.check = Check::embedded(text);
        }
    }
    if let Some(why) = rule.why {
        doc.why = Cow::Borrowed(why);
    }
    if let Some(fix) = rule.fix {
        doc.fix = Cow::Borrowed(fix);
    }
    if let Some(notes) = rule.notes {
        doc.notes = Some(Cow::Borrowed(notes));
    }
    if let Some(docs) = rule.docs {
        doc.docs = docs.iter().map(|d| d.to_string()).collect();
    }
    if let Some(examples) = rule.examples {
        doc.examples = examples
            .iter()
            .map(|&(format, fail, pass)| {
                let (fail, pass) = (Cow::Borrowed(fail), Cow::Borrowed(pass));
                (format.to_string(), Example { fail, pass })
            })
            .collect();
    }
    build_rule(doc, source, false)
}

/// Compiles a rule document (its conditions, with its `params` substituted); the config's
/// parameter overrides recompile a rule this way.
pub fn compile_rule(doc: RuleDoc, source: &str) -> Result<Rule, String> {
    build_rule(doc, source, true)
}

/// [`compile_rule`], compiling the conditions now (`eager`) or on first use.
fn build_rule(doc: RuleDoc, source: &str, eager: bool) -> Result<Rule, String> {
    let compile_target = |spec: &Option<FormatSpec>,
                          name: &str|
     -> Result<Option<Target>, String> {
        let Some(spec) = spec else { return Ok(None) };
        let cond = if eager {
            LazyCond::compiled(
                compile(&spec.check, &doc.params)
                    .map_err(|e| format!("{source}: {name}.check: {e}"))?,
            )
        } else {
            LazyCond::deferred(&spec.check, &doc.params)
        };
        let ml_scope = match spec.scope.as_deref() {
            None => false,
            Some("ml") => true,
            Some(other) => return Err(format!("{source}: {name}.scope: unknown scope `{other}`")),
        };
        Ok(Some(Target {
            types: spec.types.clone(),
            ml_scope,
            cond,
            message: spec.message.clone(),
        }))
    };
    if let Some(param) = &doc.opt_in {
        if !doc.params.contains_key(param) {
            return Err(format!(
                "{source}: opt_in: `{param}` is not one of the rule's params"
            ));
        }
    }
    let cloudformation = compile_target(&doc.cloudformation, "cloudformation")?;
    let terraform = compile_target(&doc.terraform, "terraform")?;
    let stem = Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if stem != doc.id {
        return Err(format!(
            "{source}: file name must be the rule id `{}`",
            doc.id
        ));
    }
    Ok(Rule {
        doc,
        source: source.to_string(),
        cloudformation,
        terraform,
    })
}

/// The rule set the engine runs: sorted by id, with an index by resource type.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules compiled into the binary.
    ///
    /// build.rs stores each rule file also as JSON, which deserializes in a fraction of the
    /// time the YAML loader takes (start-up matters: pre-commit runs lenslint on every
    /// commit); a file it could not convert is loaded from its YAML. The conditions are
    /// parsed and compiled on first use. Loading takes a fraction of a millisecond, less than
    /// starting rayon's threads would, so it runs on the calling thread.
    pub fn builtin() -> Result<RuleSet, Vec<String>> {
        Self::collect(EMBEDDED_RULES.iter().map(|r| match r.json {
            Some(json) => load_rule_json(r, json),
            None => load_rule(r.path, r.yaml),
        }))
    }

    pub fn from_sources(
        sources: impl Iterator<Item = (String, String)>,
    ) -> Result<RuleSet, Vec<String>> {
        Self::collect(sources.map(|(path, text)| load_rule(&path, &text)))
    }

    /// Sorts loaded rules by id and rejects duplicate ids.
    fn collect(loaded: impl Iterator<Item = Result<Rule, String>>) -> Result<RuleSet, Vec<String>> {
        // A rule is large: growing the list by doubling copied it, into fresh pages, each time.
        let mut rules = Vec::with_capacity(loaded.size_hint().0);
        let mut errors = Vec::new();
        for r in loaded {
            match r {
                Ok(r) => rules.push(r),
                Err(e) => errors.push(e),
            }
        }
        rules.sort_by(|a, b| a.doc.id.cmp(&b.doc.id));
        for w in rules.windows(2) {
            if w[0].doc.id == w[1].doc.id {
                errors.push(format!(
                    "rule id {} is defined twice ({} and {})",
                    w[0].doc.id, w[0].source, w[1].source
                ));
            }
        }
        if errors.is_empty() {
            Ok(RuleSet { rules })
        } else {
            Err(errors)
        }
    }

    /// Adds the rules of a user folder (`*.yaml` files, recursively); a user rule with the id
    /// of a built-in one replaces it.
    pub fn extend_from_dir(&mut self, dir: &Path) -> Result<(), Vec<String>> {
        let mut files = Vec::new();
        for entry in ignore::WalkBuilder::new(dir)
            .standard_filters(false)
            .build()
            .flatten()
        {
            let p = entry.path();
            if p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(p.to_path_buf());
            }
        }
        files.sort();
        let mut errors = Vec::new();
        for f in files {
            let text = match std::fs::read_to_string(&f) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(format!("{}: {e}", f.display()));
                    continue;
                }
            };
            match load_rule(&f.to_string_lossy(), &text) {
                Ok(r) => {
                    self.rules.retain(|x| x.doc.id != r.doc.id);
                    self.rules.push(r);
                }
                Err(e) => errors.push(e),
            }
        }
        self.rules.sort_by(|a, b| a.doc.id.cmp(&b.doc.id));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.doc.id.eq_ignore_ascii_case(id))
    }
}

#[cfg(test)]
mod embedded_json_tests {
    use super::EMBEDDED_RULES;

    #[test]
    fn builtin_rules_all_compile() {
        let rules = super::RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n")));
        assert_eq!(rules.rules.len(), EMBEDDED_RULES.len());
        for r in &rules.rules {
            for (name, spec) in [
                ("cloudformation", &r.doc.cloudformation),
                ("terraform", &r.doc.terraform),
            ] {
                if let Some(spec) = spec {
                    if let Err(e) = super::compile(&spec.check, &r.doc.params) {
                        panic!("{}: {name}.check: {e}", r.source);
                    }
                }
            }
        }
    }

    #[test]
    fn opt_in_rules_are_off_until_configured() {
        let rules = super::RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n")));
        let opt_in: Vec<&str> = rules
            .rules
            .iter()
            .filter(|r| r.doc.opt_in.is_some())
            .map(|r| r.id())
            .collect();
        assert_eq!(opt_in, ["TAG001"]);
        for r in rules.rules.iter().filter(|r| r.doc.opt_in.is_some()) {
            assert!(!r.doc.configured(), "{}: on by default", r.id());
            let mut doc = r.doc.clone();
            let param = doc.opt_in.clone().unwrap_or_default();
            doc.params.insert(param, serde_json::json!(["owner"]));
            assert!(doc.configured(), "{}: a value does not turn it on", r.id());
        }
    }

    #[test]
    fn opt_in_must_name_a_parameter() {
        let rule = |opt_in: &str| {
            format!(
                "id: TST001\ntitle: t\nseverity: low\npillar: security\nlenses: []\n\
                 message: m\nparams: {{ keys: [] }}\nopt_in: {opt_in}\n\
                 cloudformation: {{ types: [AWS::SageMaker::Model], \
                 check: {{ path: Tags, has_keys: {{ param: keys }} }} }}\nwhy: w\nfix: f\n"
            )
        };
        let ok = super::load_rule("TST001.yaml", &rule("keys")).unwrap_or_else(|e| panic!("{e}"));
        assert!(!ok.doc.configured());
        let e = super::load_rule("TST001.yaml", &rule("key")).unwrap_err();
        assert!(
            e.contains("opt_in: `key` is not one of the rule's params"),
            "{e}"
        );
    }

    #[test]
    fn embedded_rule_json_matches_the_yaml_loader() {
        assert!(!EMBEDDED_RULES.is_empty());
        for rule in EMBEDDED_RULES {
            let (path, yaml) = (rule.path, rule.yaml);
            let Some(json) = rule.json else {
                panic!(
                    "{path}: build/yaml_json.rs could not convert it (anchors, aliases, tags \
                     and non-string keys are outside its subset); it would load from YAML at \
                     every start-up"
                );
            };
            let mut from_json: serde_json::Value = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{path}: build-time JSON does not parse: {e}"));
            // build.rs split the conditions off; put them back where they were.
            for (format, text) in ["cloudformation", "terraform"].into_iter().zip(rule.checks) {
                let spec = from_json.get_mut(format);
                assert_eq!(
                    spec.is_some(),
                    text.is_some(),
                    "{path}: {format}: section and split-off condition disagree"
                );
                if let (Some(spec), Some(text)) = (spec, text) {
                    let check: serde_json::Value = serde_json::from_str(text)
                        .unwrap_or_else(|e| panic!("{path}: {format}.check does not parse: {e}"));
                    assert_eq!(spec.get("check"), Some(&serde_json::Value::Null), "{path}");
                    spec["check"] = check;
                }
            }
            let mut from_yaml = crate::parse::parse_yaml(yaml)
                .map(|p| p.root.to_json())
                .unwrap_or_else(|e| panic!("{path}: {}", e.message));
            // It also split the documentation off, leaving each field empty (the loaded rule
            // is compared with the YAML one in `builtin_rules_load_as_their_yaml`).
            let split = [
                ("why", rule.why.is_some(), serde_json::json!("")),
                ("fix", rule.fix.is_some(), serde_json::json!("")),
                ("notes", rule.notes.is_some(), serde_json::json!("")),
                ("docs", rule.docs.is_some(), serde_json::json!([])),
                ("examples", rule.examples.is_some(), serde_json::json!({})),
            ];
            for (field, was_split, empty) in split {
                if was_split {
                    assert_eq!(from_json.get(field), Some(&empty), "{path}: {field}");
                    from_yaml[field] = empty;
                }
            }
            assert_eq!(
                from_json, from_yaml,
                "{path}: build-time JSON differs from the loader"
            );
        }
    }

    /// The built-in rules, loaded from build.rs's JSON with their conditions parsed on first
    /// use, are the rules the YAML loader reads from the same files.
    #[test]
    fn builtin_rules_load_as_their_yaml() {
        let rules = super::RuleSet::builtin().unwrap_or_else(|e| panic!("{}", e.join("\n")));
        for rule in EMBEDDED_RULES {
            let from_yaml =
                super::load_rule(rule.path, rule.yaml).unwrap_or_else(|e| panic!("{e}"));
            let builtin = rules
                .rules
                .iter()
                .find(|r| r.source == rule.path)
                .unwrap_or_else(|| panic!("{}: not loaded", rule.path));
            let as_json = |d: &super::RuleDoc| {
                serde_json::to_value(d).unwrap_or_else(|e| panic!("{}: {e}", rule.path))
            };
            assert_eq!(
                as_json(&builtin.doc),
                as_json(&from_yaml.doc),
                "{}",
                rule.path
            );
            for (lazy, eager) in [
                (&builtin.cloudformation, &from_yaml.cloudformation),
                (&builtin.terraform, &from_yaml.terraform),
            ] {
                assert_eq!(lazy.is_some(), eager.is_some(), "{}", rule.path);
                if let (Some(lazy), Some(eager)) = (lazy, eager) {
                    assert_eq!(lazy.types, eager.types, "{}", rule.path);
                    assert_eq!(lazy.ml_scope, eager.ml_scope, "{}", rule.path);
                    assert_eq!(
                        format!("{:?}", *lazy.cond),
                        format!("{:?}", *eager.cond),
                        "{}",
                        rule.path
                    );
                }
            }
        }
    }
}
