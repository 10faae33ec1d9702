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
use std::collections::BTreeMap;
use std::path::Path;

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
    pub fail: String,
    #[serde(default)]
    pub pass: String,
}

/// One format's section of a rule file, as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatSpec {
    pub types: Vec<String>,
    /// `ml`: only resources that an ML/GenAI resource refers to (supporting resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub check: serde_json::Value,
    /// Message for this format when it differs from the rule's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<FormatSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform: Option<FormatSpec>,
    pub why: String,
    pub fix: String,
    #[serde(default)]
    pub examples: BTreeMap<String, Example>,
    #[serde(default)]
    pub docs: Vec<String>,
    /// Notes on schema facts or decisions (e.g. where the catalog and the schema disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
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
    source: Option<(serde_json::Value, BTreeMap<String, serde_json::Value>)>,
    cond: std::sync::OnceLock<Cond>,
}

impl LazyCond {
    fn compiled(cond: Cond) -> LazyCond {
        LazyCond {
            source: None,
            cond: std::sync::OnceLock::from(cond),
        }
    }

    fn deferred(check: &serde_json::Value, params: &BTreeMap<String, serde_json::Value>) -> Self {
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
            Some((check, params)) => compile(check, params).unwrap_or(Cond::All(Vec::new())),
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
/// its conditions are compiled on first use ([`LazyCond`]).
fn load_rule_json(source: &str, json: &str) -> Result<Rule, String> {
    let doc: RuleDoc = serde_json::from_str(json).map_err(|e| format!("{source}: {e}"))?;
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
    /// commit); a file it could not convert is loaded from its YAML.
    pub fn builtin() -> Result<RuleSet, Vec<String>> {
        use rayon::prelude::*;
        let loaded: Vec<Result<Rule, String>> = EMBEDDED_RULES
            .par_iter()
            .map(|(path, yaml, json)| match json {
                Some(json) => load_rule_json(path, json),
                None => load_rule(path, yaml),
            })
            .collect();
        Self::collect(loaded.into_iter())
    }

    pub fn from_sources(
        sources: impl Iterator<Item = (String, String)>,
    ) -> Result<RuleSet, Vec<String>> {
        Self::collect(sources.map(|(path, text)| load_rule(&path, &text)))
    }

    /// Sorts loaded rules by id and rejects duplicate ids.
    fn collect(loaded: impl Iterator<Item = Result<Rule, String>>) -> Result<RuleSet, Vec<String>> {
        let mut rules = Vec::new();
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
    fn embedded_rule_json_matches_the_yaml_loader() {
        assert!(!EMBEDDED_RULES.is_empty());
        for (path, yaml, json) in EMBEDDED_RULES {
            let Some(json) = json else {
                panic!(
                    "{path}: build/yaml_json.rs could not convert it (anchors, aliases, tags \
                     and non-string keys are outside its subset); it would load from YAML at \
                     every start-up"
                );
            };
            let from_json: serde_json::Value = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{path}: build-time JSON does not parse: {e}"));
            let from_yaml = crate::parse::parse_yaml(yaml)
                .map(|p| p.root.to_json())
                .unwrap_or_else(|e| panic!("{path}: {}", e.message));
            assert_eq!(
                from_json, from_yaml,
                "{path}: build-time JSON differs from the loader"
            );
        }
    }
}
