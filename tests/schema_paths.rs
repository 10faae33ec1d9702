//! Checks every property path of every rule against the resource schemas in
//! `../shared/schemas/` (CloudFormation registry schemas; Terraform attribute trees), so that a
//! misspelled property fails the build instead of silently never firing. Skips with a message
//! when the schemas are absent.

use lenslint::engine::cond::{parse_path, paths, Segment};
use lenslint::rules::{Rule, RuleSet};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn schemas_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

struct Schemas {
    dir: PathBuf,
    cache: HashMap<String, Option<Value>>,
}

impl Schemas {
    fn file_for(&self, rtype: &str) -> PathBuf {
        if let Some(data) = rtype.strip_prefix("data.") {
            return self
                .dir
                .join("terraform/aws/data")
                .join(format!("{data}.json"));
        }
        if rtype.starts_with("awscc_") {
            return self
                .dir
                .join("terraform/awscc")
                .join(format!("{rtype}.json"));
        }
        if rtype.starts_with("aws_") {
            return self.dir.join("terraform/aws").join(format!("{rtype}.json"));
        }
        let name = rtype.replace("::", "-").to_lowercase();
        self.dir.join("cloudformation").join(format!("{name}.json"))
    }

    fn get(&mut self, rtype: &str) -> Option<&Value> {
        let file = self.file_for(rtype);
        self.cache
            .entry(rtype.to_string())
            .or_insert_with(|| {
                std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
            })
            .as_ref()
    }
}

/// The schema nodes a CloudFormation schema node stands for (following `$ref` and the
/// alternatives of `oneOf`/`anyOf`/`allOf`).
fn alternatives<'a>(root: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>, depth: u32) {
    if depth > 16 {
        return;
    }
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        if let Some(name) = r.strip_prefix("#/definitions/") {
            if let Some(def) = root.get("definitions").and_then(|d| d.get(name)) {
                alternatives(root, def, out, depth + 1);
            }
        }
        return;
    }
    out.push(node);
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = node.get(key).and_then(Value::as_array) {
            for a in alts {
                alternatives(root, a, out, depth + 1);
            }
        }
    }
}

/// Whether `path` exists under the `properties` of a CloudFormation resource schema.
pub fn cfn_path_exists(schema: &Value, path: &str) -> Result<(), String> {
    let p = parse_path(path)?;
    let mut nodes: Vec<&Value> = vec![schema];
    for seg in &p.segments {
        let mut next = Vec::new();
        for n in &nodes {
            let mut alts = Vec::new();
            alternatives(schema, n, &mut alts, 0);
            for a in alts {
                match seg {
                    Segment::Key(name) => {
                        if let Some(v) = a.get("properties").and_then(|ps| ps.get(name)) {
                            next.push(v);
                        } else if a.get("patternProperties").is_some() {
                            next.push(a);
                        } else if a.get("properties").is_none()
                            && a.get("items").is_none()
                            && (is_object_type(a) || is_string_type(a))
                        {
                            // A free-form object (a JSON document such as a policy): any key.
                            next.push(a);
                        }
                        // A list of objects: a key applies to each element (engine semantics).
                        if let Some(items) = a.get("items") {
                            let mut ia = Vec::new();
                            alternatives(schema, items, &mut ia, 0);
                            for i in ia {
                                if let Some(v) = i.get("properties").and_then(|ps| ps.get(name)) {
                                    next.push(v);
                                }
                            }
                        }
                    }
                    Segment::All | Segment::Index(_) => match a.get("items") {
                        Some(items) => next.push(items),
                        None => next.push(a),
                    },
                }
            }
        }
        if next.is_empty() {
            return Err(format!("`{path}`: no property `{}`", seg_name(seg)));
        }
        nodes = next;
    }
    Ok(())
}

/// `"type": "object"` or `"type": ["object", "string"]` (a policy document).
fn is_object_type(node: &Value) -> bool {
    match node.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        _ => false,
    }
}

/// A string property may hold a JSON document (a policy, a pipeline definition) that rules
/// walk into; its inner keys are not described by the schema.
fn is_string_type(node: &Value) -> bool {
    node.get("type").and_then(Value::as_str) == Some("string")
}

fn seg_name(seg: &Segment) -> String {
    match seg {
        Segment::Key(k) => k.clone(),
        Segment::All => "[*]".into(),
        Segment::Index(i) => format!("[{i}]"),
    }
}

/// Whether `path` exists in a Terraform attribute tree (blocks and object attributes alike).
pub fn tf_path_exists(schema: &Value, path: &str) -> Result<(), String> {
    let p = parse_path(path)?;
    let mut node = schema.get("attributes").ok_or("schema has no attributes")?;
    let mut free = false;
    for seg in &p.segments {
        let Segment::Key(name) = seg else { continue };
        if free {
            continue;
        }
        let attr = node
            .get(name)
            .ok_or_else(|| format!("`{path}`: no attribute or block `{name}`"))?;
        match attr.get("children") {
            Some(c) => node = c,
            None => {
                // A JSON-string attribute (`policy`) or a map: deeper keys are free-form.
                let ty = attr.get("type").and_then(Value::as_str).unwrap_or("");
                if ty == "string" || ty.starts_with("map") || ty == "dynamic" {
                    free = true;
                } else {
                    node = &Value::Null;
                    free = false;
                }
            }
        }
    }
    Ok(())
}

fn check_rule(rule: &Rule, schemas: &mut Schemas) -> Vec<String> {
    let mut problems = Vec::new();
    let mut all = Vec::new();
    for target in [&rule.cloudformation, &rule.terraform]
        .into_iter()
        .flatten()
    {
        paths(&target.cond, &target.types, "", &mut all);
        for t in &target.types {
            if schemas.get(t).is_none() {
                problems.push(format!("{}: no schema for resource type {t}", rule.id()));
            }
        }
    }
    // A path must exist on at least one of the types it is read on: rules that cover several
    // resource types (the IAM policy holders) list each type's document path.
    for (types, path) in all {
        let mut errors = Vec::new();
        let mut found = false;
        for t in &types {
            let Some(schema) = schemas.get(t) else {
                continue;
            };
            let r = if t.starts_with("AWS::") {
                cfn_path_exists(schema, &path)
            } else {
                tf_path_exists(schema, &path)
            };
            match r {
                Ok(()) => found = true,
                Err(e) => errors.push(format!("{} ({t}): {e}", rule.id())),
            }
        }
        if !found {
            problems.extend(errors);
        }
    }
    problems
}

#[test]
fn every_rule_path_exists_in_the_schemas() {
    let Some(dir) = schemas_dir() else { return };
    let rules = RuleSet::builtin().expect("rules load");
    let mut schemas = Schemas {
        dir,
        cache: HashMap::new(),
    };
    let problems: Vec<String> = rules
        .rules
        .iter()
        .flat_map(|r| check_rule(r, &mut schemas))
        .collect();
    assert!(
        problems.is_empty(),
        "{} bad paths:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn a_misspelled_path_is_caught() {
    let Some(dir) = schemas_dir() else { return };
    let mut schemas = Schemas {
        dir,
        cache: HashMap::new(),
    };
    let nb = schemas
        .get("AWS::SageMaker::NotebookInstance")
        .cloned()
        .expect("schema");
    assert!(cfn_path_exists(&nb, "DirectInternetAccess").is_ok());
    assert!(cfn_path_exists(
        &nb,
        "InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion"
    )
    .is_ok());
    assert!(cfn_path_exists(&nb, "DirectInternetAcess").is_err());
    assert!(cfn_path_exists(&nb, "InstanceMetadataServiceConfiguration.MinimumVersion").is_err());
    let ec = schemas
        .get("AWS::SageMaker::EndpointConfig")
        .cloned()
        .expect("schema");
    assert!(cfn_path_exists(&ec, "ProductionVariants[*].InitialInstanceCount").is_ok());
    assert!(cfn_path_exists(&ec, "ProductionVariants[*].InitialInstanceCnt").is_err());
    let tf = schemas
        .get("aws_sagemaker_endpoint_configuration")
        .cloned()
        .expect("schema");
    assert!(tf_path_exists(&tf, "production_variants[*].initial_instance_count").is_ok());
    assert!(tf_path_exists(&tf, "kms_key_arn").is_ok());
    assert!(tf_path_exists(&tf, "kms_key_id").is_err());
    assert!(tf_path_exists(&tf, "production_variants.instance_typ").is_err());
    // And a whole rule with a misspelled path is reported.
    let bad = lenslint::rules::load_rule(
        "rules/test/TST900.yaml",
        "id: TST900\ntitle: t\nseverity: low\npillar: security\nlenses: []\nmessage: m\nwhy: w\nfix: f\n\
         cloudformation:\n  types: [AWS::SageMaker::NotebookInstance]\n  check: {path: RootAcess, equals: Disabled}\n",
    )
    .expect("loads");
    let problems = check_rule(&bad, &mut schemas);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("RootAcess"));
}
