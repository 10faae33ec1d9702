//! Tests of module calls (inputs, outputs, addresses, nesting, downloaded and missing
//! modules, recursion limits) and of the JSON syntax, on an in-memory file system.

use super::load_module_with;
use super::modules::{is_config_file, normalize, Files, MAX_DEPTH};
use crate::model::{Resource, Unit};
use crate::tree::{Kind, Node, RefTarget, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files in memory, keyed by path.
struct Mem(BTreeMap<PathBuf, String>);

impl Files for Mem {
    fn config_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        Ok(self
            .0
            .keys()
            .filter(|p| p.parent() == Some(dir) && is_config_file(p))
            .cloned()
            .collect())
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        self.0.get(path).cloned().ok_or_else(|| "not found".into())
    }
}

/// Loads the root `root/` (its files are those of `files` directly under it; the others are
/// modules on the in-memory disk), with `tfvars` as its variable files.
pub(super) fn load_tree(files: &[(&str, &str)], tfvars: &[(&str, &str)]) -> Unit {
    let mem = Mem(files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect());
    let root: Vec<(PathBuf, String)> = mem
        .0
        .iter()
        .filter(|(p, _)| p.parent() == Some(Path::new("root")))
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect();
    let vars = tfvars
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
    load_module_with(root, vars, &[], &mem)
}

fn res<'u>(unit: &'u Unit, id: &str) -> &'u Resource {
    match unit.resource(id) {
        Some(r) => r,
        None => panic!(
            "no resource {id}; have {:?}",
            unit.resources.iter().map(|r| &r.id).collect::<Vec<_>>()
        ),
    }
}

fn prop<'u>(unit: &'u Unit, id: &str, key: &str) -> &'u Node {
    let r = res(unit, id);
    match r.properties.get(key) {
        Some(n) => n,
        None => panic!("{id} has no {key}: {:?}", r.properties),
    }
}

fn path_of(unit: &Unit, r: &Resource) -> String {
    unit.files[r.file].display_path()
}

fn text(unit: &Unit, file: usize, span: Span) -> &str {
    &unit.files[file].text[span.start as usize..span.end as usize]
}

fn reference(resource: &str, attr: Option<&str>) -> Kind {
    Kind::Ref(RefTarget {
        resource: resource.into(),
        attr: attr.map(str::to_string),
    })
}

fn errors(unit: &Unit) -> Vec<String> {
    unit.errors
        .iter()
        .map(|e| format!("{}: {}", unit.files[e.file].display_path(), e.error.message))
        .collect()
}

const ROOT: &str = r#"
resource "aws_kms_key" "k" {
  description = "root key"
}

module "ml" {
  source      = "./modules/ml"
  kms_key_arn = aws_kms_key.k.arn
  access      = var.access
  name        = "nb-${var.env}"
}

resource "aws_s3_bucket_policy" "p" {
  bucket = module.ml.bucket_id
  label  = module.ml.label
}

variable "access" {
  default = "Enabled"
}

variable "env" {
  default = "dev"
}
"#;

const CHILD: &str = r#"
variable "kms_key_arn" {}
variable "access" {}
variable "name" {}
variable "unset" {}
variable "with_default" {
  default = "fallback"
}

resource "aws_sagemaker_notebook_instance" "nb" {
  name                   = var.name
  kms_key_id             = var.kms_key_arn
  direct_internet_access = var.access
  unset                  = var.unset
  defaulted              = var.with_default
  bucket                 = aws_s3_bucket.b.id
}

resource "aws_s3_bucket" "b" {
  bucket = "${var.name}-data"
}

output "bucket_id" {
  value = aws_s3_bucket.b.id
}

output "label" {
  value = upper(var.name)
}
"#;

#[test]
fn local_module_resources_are_addressed_and_bound_to_the_call() {
    let unit = load_tree(
        &[("root/main.tf", ROOT), ("root/modules/ml/main.tf", CHILD)],
        &[],
    );
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    let ids: Vec<&str> = unit.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "aws_kms_key.k",
            "aws_s3_bucket_policy.p",
            "module.ml.aws_sagemaker_notebook_instance.nb",
            "module.ml.aws_s3_bucket.b",
        ]
    );
    let nb_id = "module.ml.aws_sagemaker_notebook_instance.nb";
    let nb = res(&unit, nb_id);
    assert_eq!(path_of(&unit, nb), "root/modules/ml/main.tf");
    assert_eq!(
        text(&unit, nb.file, nb.header),
        "resource \"aws_sagemaker_notebook_instance\" \"nb\""
    );
    // Inputs are evaluated in the caller and placed at their use in the child.
    let access = prop(&unit, nb_id, "direct_internet_access");
    assert_eq!(access.kind, Kind::Str("Enabled".into()));
    assert_eq!(text(&unit, nb.file, access.span), "var.access");
    let (key, _) = nb.properties.entry("direct_internet_access").expect("key");
    assert_eq!(text(&unit, nb.file, key.span), "direct_internet_access");
    assert_eq!(prop(&unit, nb_id, "name").kind, Kind::Str("nb-dev".into()));
    // A reference to a caller's resource keeps the caller's address.
    assert_eq!(
        prop(&unit, nb_id, "kms_key_id").kind,
        reference("aws_kms_key.k", Some("arn"))
    );
    // The child's own references carry its prefix.
    assert_eq!(
        prop(&unit, nb_id, "bucket").kind,
        reference("module.ml.aws_s3_bucket.b", Some("id"))
    );
    let refs: Vec<String> = nb.refs.iter().map(|r| r.resource.clone()).collect();
    assert!(refs.contains(&"aws_kms_key.k".to_string()), "{refs:?}");
    assert!(refs.contains(&"module.ml.aws_s3_bucket.b".to_string()));
    // No argument: the default, else unknown.
    assert_eq!(
        prop(&unit, nb_id, "defaulted").kind,
        Kind::Str("fallback".into())
    );
    assert_eq!(
        prop(&unit, nb_id, "unset").kind,
        Kind::Unknown("var.unset".into())
    );
    assert_eq!(
        prop(&unit, "module.ml.aws_s3_bucket.b", "bucket").kind,
        Kind::Str("nb-dev-data".into())
    );
    // Outputs feed `module.ml.OUT` in the caller, placed at the use.
    let policy = res(&unit, "aws_s3_bucket_policy.p");
    let bucket = prop(&unit, "aws_s3_bucket_policy.p", "bucket");
    assert_eq!(
        bucket.kind,
        reference("module.ml.aws_s3_bucket.b", Some("id"))
    );
    assert_eq!(text(&unit, policy.file, bucket.span), "module.ml.bucket_id");
    assert_eq!(
        prop(&unit, "aws_s3_bucket_policy.p", "label").kind,
        Kind::Str("NB-DEV".into())
    );
    assert!(policy
        .refs
        .iter()
        .any(|r| r.resource == "module.ml.aws_s3_bucket.b"));
}

#[test]
fn tfvars_feed_the_root_and_through_it_the_module() {
    let unit = load_tree(
        &[("root/main.tf", ROOT), ("root/modules/ml/main.tf", CHILD)],
        &[("root/terraform.tfvars", "access = \"Disabled\"\n")],
    );
    assert_eq!(
        prop(
            &unit,
            "module.ml.aws_sagemaker_notebook_instance.nb",
            "direct_internet_access"
        )
        .kind,
        Kind::Str("Disabled".into())
    );
}

#[test]
fn nested_modules_compose_addresses_and_inputs() {
    let root = r#"
module "a" {
  source = "./a"
  value  = "from-root"
}
"#;
    let a = r#"
variable "value" {}
module "b" {
  source = "../b"
  value  = "${var.value}/a"
}
resource "x_thing" "in_a" {
  b_out = module.b.out
}
"#;
    let b = r#"
variable "value" {}
resource "x_thing" "in_b" {
  value = var.value
}
output "out" {
  value = x_thing.in_b.id
}
"#;
    let unit = load_tree(
        &[
            ("root/main.tf", root),
            ("root/a/main.tf", a),
            ("root/b/main.tf", b),
        ],
        &[],
    );
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(
        prop(&unit, "module.a.module.b.x_thing.in_b", "value").kind,
        Kind::Str("from-root/a".into())
    );
    assert_eq!(
        path_of(&unit, res(&unit, "module.a.module.b.x_thing.in_b")),
        "root/b/main.tf"
    );
    assert_eq!(
        prop(&unit, "module.a.x_thing.in_a", "b_out").kind,
        reference("module.a.module.b.x_thing.in_b", Some("id"))
    );
}

#[test]
fn two_calls_of_one_directory_are_two_instances_of_the_same_files() {
    let root = r#"
module "one" {
  source = "./m"
  n      = "1"
}
module "two" {
  source = "./m"
  n      = "2"
}
"#;
    let m = "variable \"n\" {}\nresource \"x_thing\" \"t\" {\n  n = var.n\n}\n";
    let unit = load_tree(&[("root/main.tf", root), ("root/m/main.tf", m)], &[]);
    assert_eq!(unit.files.len(), 2, "the module's file is read once");
    assert_eq!(
        prop(&unit, "module.one.x_thing.t", "n").kind,
        Kind::Str("1".into())
    );
    assert_eq!(
        prop(&unit, "module.two.x_thing.t", "n").kind,
        Kind::Str("2".into())
    );
}

#[test]
fn remote_and_missing_modules_are_unknown_not_errors() {
    let root = r#"
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
module "gone" {
  source = "./does-not-exist"
}
resource "x_thing" "t" {
  vpc  = module.vpc.vpc_id
  gone = module.gone.id
  none = module.undeclared.id
}
"#;
    let unit = load_tree(&[("root/main.tf", root)], &[]);
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(
        prop(&unit, "x_thing.t", "vpc").kind,
        Kind::Unknown("module vpc is not available locally".into())
    );
    assert_eq!(
        prop(&unit, "x_thing.t", "gone").kind,
        Kind::Unknown("module gone: no Terraform files in root/does-not-exist".into())
    );
    assert_eq!(
        prop(&unit, "x_thing.t", "none").kind,
        Kind::Unknown("module.undeclared.id".into())
    );
}

#[test]
fn downloaded_modules_are_found_through_modules_json() {
    let root = r#"
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  name   = "main"
}
resource "x_thing" "t" {
  vpc = module.vpc.vpc_id
}
"#;
    let manifest = r#"{"Modules":[
  {"Key":"","Source":"","Dir":"."},
  {"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.0.0","Dir":".terraform/modules/vpc"}
]}"#;
    let vpc = r#"
variable "name" {}
resource "aws_vpc" "this" {
  tags = { Name = var.name }
}
output "vpc_id" {
  value = aws_vpc.this.id
}
"#;
    let unit = load_tree(
        &[
            ("root/main.tf", root),
            ("root/.terraform/modules/modules.json", manifest),
            ("root/.terraform/modules/vpc/main.tf", vpc),
        ],
        &[],
    );
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(
        prop(&unit, "x_thing.t", "vpc").kind,
        reference("module.vpc.aws_vpc.this", Some("id"))
    );
    let vpc_res = res(&unit, "module.vpc.aws_vpc.this");
    assert_eq!(
        path_of(&unit, vpc_res),
        "root/.terraform/modules/vpc/main.tf"
    );
}

#[test]
fn a_module_calling_itself_is_reported_once_and_not_followed() {
    let root = "module \"me\" {\n  source = \"./\"\n}\nresource \"x_thing\" \"t\" {}\n";
    let unit = load_tree(&[("root/main.tf", root)], &[]);
    assert_eq!(unit.resources.len(), 1);
    let errs = errors(&unit);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("already on its call path"), "{errs:?}");
    let e = &unit.errors[0];
    assert_eq!(text(&unit, e.file, e.error.span), "\"./\"");
}

#[test]
fn deep_module_chains_stop_at_the_depth_limit() {
    let mut files: Vec<(String, String)> = Vec::new();
    files.push((
        "root/main.tf".into(),
        "module \"m\" {\n  source = \"./m0\"\n}\n".into(),
    ));
    let mut dir = "root/m0".to_string();
    for i in 0..30 {
        let text = format!(
            "module \"m\" {{\n  source = \"./m{}\"\n}}\nresource \"x_thing\" \"t\" {{}}\n",
            i + 1
        );
        files.push((format!("{dir}/main.tf"), text));
        dir = format!("{dir}/m{}", i + 1);
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let unit = load_tree(&borrowed, &[]);
    let errs = errors(&unit);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("nested deeper than 16"), "{errs:?}");
    assert_eq!(unit.resources.len(), MAX_DEPTH);
    let deepest = format!("{}x_thing.t", "module.m.".repeat(MAX_DEPTH));
    assert!(unit.resource(&deepest).is_some());
}

#[test]
fn a_value_that_feeds_itself_through_a_module_is_unknown() {
    let root = r#"
module "a" {
  source = "./a"
  x      = module.a.out
}
resource "x_thing" "t" {
  v = module.a.out
}
"#;
    let a = "variable \"x\" {}\noutput \"out\" {\n  value = var.x\n}\n";
    let unit = load_tree(&[("root/main.tf", root), ("root/a/main.tf", a)], &[]);
    assert!(prop(&unit, "x_thing.t", "v").is_unknown());
}

#[test]
fn json_syntax_reads_like_native_syntax() {
    let json = r#"{
  "//": "a comment",
  "variable": {
    "access": { "default": "Enabled" },
    "ports": { "default": [443, 8443] }
  },
  "locals": { "prefix": "ml-${var.access}" },
  "resource": {
    "aws_kms_key": { "k": {} },
    "aws_sagemaker_notebook_instance": {
      "nb": {
        "count": 2,
        "name": "${local.prefix}-nb",
        "kms_key_id": "${aws_kms_key.k.arn}",
        "direct_internet_access": "${var.access}",
        "tags": { "Team": "ml" },
        "dynamic": {
          "rule": {
            "for_each": "${var.ports}",
            "content": { "port": "${rule.value}" }
          }
        }
      }
    }
  }
}"#;
    let unit = load_tree(&[("root/main.tf.json", json)], &[]);
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    let id = "aws_sagemaker_notebook_instance.nb";
    let nb = res(&unit, id);
    assert_eq!(text(&unit, nb.file, nb.header), "\"nb\"");
    assert!(nb.properties.get("count").is_none());
    assert_eq!(
        prop(&unit, id, "name").kind,
        Kind::Str("ml-Enabled-nb".into())
    );
    let access = prop(&unit, id, "direct_internet_access");
    assert_eq!(access.kind, Kind::Str("Enabled".into()));
    assert_eq!(text(&unit, nb.file, access.span), "\"${var.access}\"");
    assert_eq!(
        prop(&unit, id, "kms_key_id").kind,
        reference("aws_kms_key.k", Some("arn"))
    );
    assert!(nb.refs.iter().any(|r| r.resource == "aws_kms_key.k"));
    let rules = prop(&unit, id, "rule").as_seq().expect("rule list");
    let ports: Vec<String> = rules
        .iter()
        .filter_map(|r| {
            r.get("port")
                .and_then(|p| p.scalar_text())
                .map(|t| t.into_owned())
        })
        .collect();
    assert_eq!(ports, ["443", "8443"]);
    assert_eq!(
        prop(&unit, id, "tags").get("Team").map(|t| t.kind.clone()),
        Some(Kind::Str("ml".into()))
    );
}

#[test]
fn json_modules_and_tfvars() {
    let root = r#"{
  "module": { "ml": { "source": "./ml", "access": "${var.access}" } },
  "variable": { "access": {} }
}"#;
    let ml = r#"{
  "variable": { "access": {} },
  "resource": { "aws_sagemaker_notebook_instance": { "nb": {
    "direct_internet_access": "${var.access}"
  } } }
}"#;
    let unit = load_tree(
        &[("root/main.tf.json", root), ("root/ml/main.tf.json", ml)],
        &[("root/terraform.tfvars.json", "{\"access\": \"Enabled\"}")],
    );
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(
        prop(
            &unit,
            "module.ml.aws_sagemaker_notebook_instance.nb",
            "direct_internet_access"
        )
        .kind,
        Kind::Str("Enabled".into())
    );
}

#[test]
fn json_parse_errors_are_reported_on_their_file() {
    let unit = load_tree(
        &[
            ("root/bad.tf.json", "{\"resource\": "),
            ("root/main.tf", "resource \"x_thing\" \"t\" {}\n"),
        ],
        &[],
    );
    assert_eq!(unit.resources.len(), 1);
    let errs = errors(&unit);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("root/bad.tf.json: invalid JSON"),
        "{errs:?}"
    );
}

#[test]
fn paths_normalize_lexically() {
    assert_eq!(normalize(Path::new("a/b/../c/./d")), PathBuf::from("a/c/d"));
    assert_eq!(normalize(Path::new("a/../../x")), PathBuf::from("../x"));
    assert_eq!(normalize(Path::new("./a/..")), PathBuf::from(""));
    assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
}

#[test]
fn module_fan_out_stops_at_the_instance_limit() {
    // Each level calls the next twice: 2^12 instances unless bounded.
    let mut files: Vec<(String, String)> = Vec::new();
    files.push((
        "root/main.tf".into(),
        "module \"a\" {\n  source = \"./l0\"\n}\nmodule \"b\" {\n  source = \"./l0\"\n}\n".into(),
    ));
    let mut dir = "root/l0".to_string();
    for i in 0..12 {
        let next = format!("./l{}", i + 1);
        let text = format!(
            "module \"a\" {{\n  source = \"{next}\"\n}}\nmodule \"b\" {{\n  source = \"{next}\"\n}}\nresource \"x_thing\" \"t\" {{}}\n"
        );
        files.push((format!("{dir}/main.tf"), text));
        dir = format!("{dir}/l{}", i + 1);
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let unit = load_tree(&borrowed, &[]);
    let errs = errors(&unit);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("module instances"), "{errs:?}");
    assert!(unit.resources.len() < 256, "{}", unit.resources.len());
    assert_eq!(unit.files.len(), 13, "each directory is read once");
}
