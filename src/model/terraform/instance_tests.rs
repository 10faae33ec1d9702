//! Tests of `count`/`for_each` presence: blocks and module calls without instances are left
//! out, undecided ones are kept, and references to absent blocks are empty collections.

use super::module_tests::load_tree;
use crate::model::Unit;
use crate::tree::{Kind, Node, RefTarget};

fn ids(unit: &Unit) -> Vec<&str> {
    let mut ids: Vec<&str> = unit.resources.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn errors(unit: &Unit) -> Vec<String> {
    unit.errors
        .iter()
        .map(|e| e.error.message.clone())
        .collect()
}

fn props<'u>(unit: &'u Unit, id: &str) -> &'u Node {
    match unit.resource(id) {
        Some(r) => &r.properties,
        None => panic!("no resource {id}; have {:?}", ids(unit)),
    }
}

fn prop<'u>(unit: &'u Unit, id: &str, key: &str) -> Option<&'u Node> {
    props(unit, id).get(key)
}

const BLOCKS: &str = r#"
variable "enable_kms" {
  type    = bool
  default = false
}
variable "enable_logs" {
  default = true
}
variable "replicas" {
  type = number
}
variable "no_buckets" {
  default = {}
}
variable "names" {
  default = []
}
variable "unknown_map" {}
locals {
  on = { enabled = false }
}

resource "aws_kms_key" "off_by_var" {
  count = var.enable_kms ? 1 : 0
}
resource "aws_kms_key" "off_literal" {
  count = 0
}
resource "aws_kms_key" "off_string" {
  count = "0"
}
resource "aws_kms_key" "off_by_local" {
  count = local.on.enabled ? 1 : 0
}
resource "aws_kms_key" "off_by_length" {
  count = length(var.names)
}
resource "aws_kms_key" "on_by_var" {
  count = var.enable_logs ? 1 : 0
}
resource "aws_kms_key" "on_literal" {
  count = 1
}
resource "aws_kms_key" "unknown_count" {
  count = var.replicas
}
resource "aws_kms_key" "from_data" {
  count = data.aws_caller_identity.me.account_id == "1" ? 1 : 0
}
resource "aws_kms_key" "from_resource" {
  count = aws_kms_key.on_literal[0].arn != "" ? 1 : 0
}
resource "aws_s3_bucket" "each_empty" {
  for_each = {}
}
resource "aws_s3_bucket" "each_empty_set" {
  for_each = toset([])
}
resource "aws_s3_bucket" "each_empty_var" {
  for_each = var.no_buckets
}
resource "aws_s3_bucket" "each_filtered" {
  for_each = { for k, v in { a = false } : k => v if v }
}
resource "aws_s3_bucket" "each_known" {
  for_each = { a = 1 }
}
resource "aws_s3_bucket" "each_unknown" {
  for_each = var.unknown_map
}
resource "aws_s3_bucket" "each_unknown_values" {
  for_each = toset([var.replicas])
}
data "aws_caller_identity" "me" {}
data "aws_iam_policy_document" "off" {
  count = 0
}
"#;

#[test]
fn blocks_without_instances_are_left_out() {
    let unit = load_tree(&[("root/main.tf", BLOCKS)], &[]);
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(
        ids(&unit),
        [
            "aws_kms_key.from_data",
            "aws_kms_key.from_resource",
            "aws_kms_key.on_by_var",
            "aws_kms_key.on_literal",
            "aws_kms_key.unknown_count",
            "aws_s3_bucket.each_known",
            "aws_s3_bucket.each_unknown",
            "aws_s3_bucket.each_unknown_values",
            "data.aws_caller_identity.me",
        ]
    );
}

#[test]
fn a_tfvars_value_can_turn_a_block_on() {
    let tfvars = "enable_kms = true\nno_buckets = { a = {} }\n";
    let unit = load_tree(
        &[("root/main.tf", BLOCKS)],
        &[("root/terraform.tfvars", tfvars)],
    );
    let got = ids(&unit);
    assert!(got.contains(&"aws_kms_key.off_by_var"), "{got:?}");
    assert!(got.contains(&"aws_s3_bucket.each_empty_var"), "{got:?}");
    assert!(!got.contains(&"aws_kms_key.off_literal"), "{got:?}");
}

#[test]
fn references_to_blocks_without_instances_are_empty() {
    let src = r#"
variable "enable_kms" {
  default = false
}
resource "aws_kms_key" "k" {
  count = var.enable_kms ? 1 : 0
}
resource "aws_kms_key" "on" {
  count = 1
}
resource "aws_sqs_queue" "m" {
  for_each = {}
}
resource "aws_s3_bucket" "b" {
  indexed     = aws_kms_key.k[0].arn
  whole       = aws_kms_key.k.arn
  splat       = aws_kms_key.k[*].arn
  legacy      = aws_kms_key.k.*.arn
  one_of      = one(aws_kms_key.k[*].arn)
  guarded     = var.enable_kms ? aws_kms_key.k[0].arn : null
  tried       = try(aws_kms_key.k[0].arn, "none")
  concat_pick = element(concat(aws_kms_key.k.*.arn, [""]), 0)
  how_many    = length(aws_kms_key.k)
  by_key      = aws_sqs_queue.m["a"].arn
  map_values  = values(aws_sqs_queue.m)[*].arn
  present     = aws_kms_key.on[0].arn
}
resource "aws_kms_key" "follows" {
  count = length(aws_kms_key.k)
}
"#;
    let unit = load_tree(&[("root/main.tf", src)], &[]);
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    let id = "aws_s3_bucket.b";
    let get = |key: &str| prop(&unit, id, key).map(|n| n.kind.clone());
    let unknown = |key: &str| prop(&unit, id, key).is_some_and(Node::is_unknown);
    assert!(unknown("indexed"), "{:?}", get("indexed"));
    assert!(unknown("whole"), "{:?}", get("whole"));
    assert!(unknown("by_key"), "{:?}", get("by_key"));
    assert_eq!(get("splat"), Some(Kind::Seq(Vec::new())));
    assert_eq!(get("legacy"), Some(Kind::Seq(Vec::new())));
    assert_eq!(get("map_values"), Some(Kind::Seq(Vec::new())));
    assert_eq!(get("one_of"), None, "null is no argument");
    assert_eq!(get("guarded"), None);
    assert_eq!(get("tried"), Some(Kind::Str("none".into())));
    assert_eq!(get("concat_pick"), Some(Kind::Str(String::new())));
    assert_eq!(get("how_many"), Some(Kind::Num("0".into())));
    assert_eq!(
        get("present"),
        Some(Kind::Ref(RefTarget {
            resource: "aws_kms_key.on".into(),
            attr: Some("arn".into()),
        }))
    );
    // A block whose count follows an absent block is absent too.
    assert!(unit.resource("aws_kms_key.follows").is_none());
    // The source mentions aws_kms_key.k, but it relates to nothing that is created.
    let refs: Vec<&str> = unit
        .resource(id)
        .map(|r| r.refs.iter().map(|t| t.resource.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(refs, ["aws_kms_key.on"]);
}

#[test]
fn counts_that_depend_on_each_other_are_kept() {
    let src = r#"
resource "aws_kms_key" "a" {
  count = length(aws_kms_key.b)
}
resource "aws_kms_key" "b" {
  count = length(aws_kms_key.a)
}
resource "aws_kms_key" "self" {
  count = length(aws_kms_key.self)
}
"#;
    let unit = load_tree(&[("root/main.tf", src)], &[]);
    assert_eq!(
        ids(&unit),
        ["aws_kms_key.a", "aws_kms_key.b", "aws_kms_key.self"]
    );
}

#[test]
fn module_calls_without_instances_instantiate_nothing() {
    let root = r#"
variable "create" {
  default = false
}
variable "unknown" {}
module "off" {
  source = "./nb"
  count  = var.create ? 1 : 0
}
module "off_each" {
  source   = "./nb"
  for_each = toset([])
}
module "on" {
  source = "./nb"
  count  = 1
}
module "undecided" {
  source = "./nb"
  count  = var.unknown ? 1 : 0
}
module "remote_off" {
  source = "example/remote/aws"
  count  = 0
}
resource "aws_s3_bucket" "b" {
  off_indexed = module.off[0].key_arn
  off_splat   = module.off[*].key_arn
  off_one     = one(module.off[*].key_arn)
  each_values = values(module.off_each)[*].key_arn
  on_indexed  = module.on[0].key_arn
  remote      = module.remote_off[*].key_arn
}
"#;
    let nb = r#"
resource "aws_kms_key" "k" {}
module "inner" {
  source = "../inner"
}
output "key_arn" {
  value = aws_kms_key.k.arn
}
"#;
    let inner = "resource \"aws_sagemaker_notebook_instance\" \"nb\" {}\n";
    let unit = load_tree(
        &[
            ("root/main.tf", root),
            ("root/nb/main.tf", nb),
            ("root/inner/main.tf", inner),
        ],
        &[],
    );
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(
        ids(&unit),
        [
            "aws_s3_bucket.b",
            "module.on.aws_kms_key.k",
            "module.on.module.inner.aws_sagemaker_notebook_instance.nb",
            "module.undecided.aws_kms_key.k",
            "module.undecided.module.inner.aws_sagemaker_notebook_instance.nb",
        ]
    );
    let id = "aws_s3_bucket.b";
    let get = |key: &str| prop(&unit, id, key).map(|n| n.kind.clone());
    assert!(prop(&unit, id, "off_indexed").is_some_and(Node::is_unknown));
    assert_eq!(get("off_splat"), Some(Kind::Seq(Vec::new())));
    assert_eq!(get("off_one"), None);
    assert_eq!(get("each_values"), Some(Kind::Seq(Vec::new())));
    assert_eq!(get("remote"), Some(Kind::Seq(Vec::new())));
    assert_eq!(
        get("on_indexed"),
        Some(Kind::Ref(RefTarget {
            resource: "module.on.aws_kms_key.k".into(),
            attr: Some("arn".into()),
        }))
    );
}

#[test]
fn json_syntax_counts_too() {
    let json = r#"{
  "variable": { "create": { "default": false } },
  "resource": {
    "aws_kms_key": {
      "off": { "count": "${var.create ? 1 : 0}" },
      "zero": { "count": 0 },
      "on": { "count": 1 }
    },
    "aws_s3_bucket": {
      "none": { "for_each": {} },
      "b": { "kms": "${one(aws_kms_key.off[*].arn)}" }
    }
  },
  "module": {
    "m": { "source": "./nb", "count": 0 }
  }
}"#;
    let nb = "resource \"aws_kms_key\" \"k\" {}\n";
    let unit = load_tree(&[("root/main.tf.json", json), ("root/nb/main.tf", nb)], &[]);
    assert!(unit.errors.is_empty(), "{:?}", errors(&unit));
    assert_eq!(ids(&unit), ["aws_kms_key.on", "aws_s3_bucket.b"]);
    assert_eq!(prop(&unit, "aws_s3_bucket.b", "kms"), None);
}

#[test]
fn a_long_chain_of_counts_stays_bounded() {
    // The first block's count depends on the second, and so on, 2,000 deep: deciding stops at
    // the evaluation depth limit (one diagnostic), and what it could not decide is kept.
    let mut src = String::new();
    for i in 0..2000 {
        src.push_str(&format!(
            "resource \"aws_kms_key\" \"k{i}\" {{\n  count = length(aws_kms_key.k{})\n}}\n",
            i + 1
        ));
    }
    src.push_str("resource \"aws_kms_key\" \"k2000\" {\n  count = 0\n}\n");
    let unit = load_tree(&[("root/main.tf", &src)], &[]);
    assert_eq!(unit.errors.len(), 1, "{:?}", errors(&unit));
    assert!(unit.resource("aws_kms_key.k0").is_some());
    assert!(unit.resource("aws_kms_key.k1999").is_none());
    assert!(unit.resource("aws_kms_key.k2000").is_none());
}
