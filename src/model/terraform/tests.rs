//! Tests of the Terraform loader: block shapes, variables, locals, references, functions,
//! spans and the limits that keep evaluation bounded.

use super::load_module;
use crate::model::{Resource, Unit};
use crate::tree::{Kind, Node, RefTarget, Span};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn load(files: &[(&str, &str)]) -> Unit {
    load_with(files, &[], &[])
}

fn load_with(files: &[(&str, &str)], tfvars: &[(&str, &str)], vars: &[(&str, &str)]) -> Unit {
    let owned = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect::<Vec<_>>()
    };
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    load_module(owned(files), owned(tfvars), &vars)
}

fn res<'u>(unit: &'u Unit, id: &str) -> &'u Resource {
    match unit.resource(id) {
        Some(r) => r,
        None => panic!("no resource {id}; have {:?}", ids(unit)),
    }
}

fn ids(unit: &Unit) -> Vec<&str> {
    unit.resources.iter().map(|r| r.id.as_str()).collect()
}

/// Follows a dotted path of map keys and list indexes (`rule.0.filter`).
fn at<'n>(node: &'n Node, path: &str) -> &'n Node {
    let mut cur = node;
    for step in path.split('.') {
        cur = match (step.parse::<usize>(), &cur.kind) {
            (Ok(i), Kind::Seq(items)) => &items[i],
            _ => match cur.get(step) {
                Some(n) => n,
                None => panic!("no {step:?} in {}", cur.describe()),
            },
        };
    }
    cur
}

fn prop<'u>(unit: &'u Unit, id: &str, path: &str) -> &'u Node {
    at(&res(unit, id).properties, path)
}

fn text(unit: &Unit, file: usize, span: Span) -> &str {
    &unit.files[file].text[span.start as usize..span.end as usize]
}

fn s(v: &str) -> Kind {
    Kind::Str(v.into())
}

fn n(v: &str) -> Kind {
    Kind::Num(v.into())
}

fn unknown(why: &str) -> Kind {
    Kind::Unknown(why.into())
}

fn strs(node: &Node) -> Vec<String> {
    node.as_seq()
        .unwrap_or_default()
        .iter()
        .map(|n| n.scalar_text().map(|t| t.into_owned()).unwrap_or_default())
        .collect()
}

#[test]
fn header_span_covers_type_and_name() {
    let src = "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"b\"\n}\n";
    let unit = load(&[("main.tf", src)]);
    let r = res(&unit, "aws_s3_bucket.data");
    assert_eq!(r.rtype, "aws_s3_bucket");
    assert_eq!(
        text(&unit, 0, r.header),
        "resource \"aws_s3_bucket\" \"data\""
    );
    assert_eq!(text(&unit, 0, r.properties.span), "{\n  bucket = \"b\"\n}");
    let (key, value) = r.properties.entry("bucket").expect("bucket");
    assert_eq!(text(&unit, 0, key.span), "bucket");
    assert_eq!(text(&unit, 0, value.span), "\"b\"");
    assert_eq!(unit.format, crate::model::Format::Terraform);
}

#[test]
fn nested_blocks_become_one_list_per_name() {
    let src = r#"
resource "aws_security_group" "sg" {
  ingress {
    from_port = 443
  }
  description = "x"
  ingress {
    from_port = 80
  }
  egress { to_port = 0 }
}
"#;
    let unit = load(&[("main.tf", src)]);
    let props = &res(&unit, "aws_security_group.sg").properties;
    let keys: Vec<&str> = props
        .as_map()
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k.name.as_str())
        .collect();
    assert_eq!(keys, ["ingress", "description", "egress"]);
    let ingress = at(props, "ingress");
    assert_eq!(ingress.as_seq().map(<[Node]>::len), Some(2));
    assert_eq!(at(props, "ingress.0.from_port").kind, n("443"));
    assert_eq!(at(props, "ingress.1.from_port").kind, n("80"));
    assert_eq!(at(props, "egress.0.to_port").kind, n("0"));
    let (key, _) = props.entry("ingress").expect("ingress");
    assert_eq!(
        key.span.start as usize,
        src.find("ingress").unwrap_or_default()
    );
    assert_eq!(
        text(&unit, 0, at(props, "egress.0").span),
        "{ to_port = 0 }"
    );
}

#[test]
fn dynamic_blocks_expand_when_for_each_is_known() {
    let src = r#"
variable "ports" {
  default = [443, 8443]
}
variable "unknown_rules" {}
resource "aws_security_group" "sg" {
  ingress {
    from_port = 22
  }
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port = ingress.value
      index     = ingress.key
    }
  }
  dynamic "egress" {
    for_each = { a = "x" }
    iterator = rule
    content {
      name = rule.key
      val  = rule.value
    }
  }
  dynamic "tag" {
    for_each = var.unknown_rules
    content {
      key = tag.value
    }
  }
  dynamic "none" {
    for_each = []
    content {
      x = 1
    }
  }
}
"#;
    let unit = load(&[("main.tf", src)]);
    let props = &res(&unit, "aws_security_group.sg").properties;
    let ingress = at(props, "ingress");
    assert_eq!(ingress.as_seq().map(<[Node]>::len), Some(3));
    assert_eq!(at(props, "ingress.1.from_port").kind, n("443"));
    assert_eq!(at(props, "ingress.2.from_port").kind, n("8443"));
    assert_eq!(at(props, "ingress.2.index").kind, n("1"));
    assert_eq!(
        text(&unit, 0, at(props, "ingress.1.from_port").span),
        "ingress.value"
    );
    assert_eq!(at(props, "egress.0.name").kind, s("a"));
    assert_eq!(at(props, "egress.0.val").kind, s("x"));
    assert_eq!(at(props, "tag").kind, unknown("dynamic block tag"));
    assert!(props.get("none").is_none());
}

#[test]
fn variable_precedence_is_cli_then_tfvars_then_default() {
    let main = r#"
variable "a" {
  default = "default-a"
}
variable "b" {
  default = "default-b"
}
variable "c" {
  default = "default-c"
}
variable "n" {
  type    = number
  default = 1
}
variable "l" {
  type = list(string)
}
resource "x_thing" "t" {
  a = var.a
  b = var.b
  c = var.c
  n = var.n
  l = var.l
}
"#;
    let tfvars = [
        ("terraform.tfvars", "b = \"tfvars-b\"\nc = \"tfvars-c\"\n"),
        ("x.auto.tfvars", "c = \"auto-c\"\n"),
    ];
    let unit = load_with(
        &[("main.tf", main)],
        &tfvars,
        &[("a", "cli-a"), ("n", "7"), ("l", "[\"p\", \"q\"]")],
    );
    assert_eq!(unit.files.len(), 3);
    assert_eq!(prop(&unit, "x_thing.t", "a").kind, s("cli-a"));
    assert_eq!(prop(&unit, "x_thing.t", "b").kind, s("tfvars-b"));
    assert_eq!(prop(&unit, "x_thing.t", "c").kind, s("auto-c"));
    assert_eq!(prop(&unit, "x_thing.t", "n").kind, n("7"));
    assert_eq!(strs(prop(&unit, "x_thing.t", "l")), ["p", "q"]);
    // Values from other files are placed at the use site.
    let b = prop(&unit, "x_thing.t", "b");
    assert_eq!(text(&unit, 0, b.span), "var.b");
    let unit = load(&[("main.tf", main)]);
    assert_eq!(prop(&unit, "x_thing.t", "b").kind, s("default-b"));
}

#[test]
fn variable_without_default_is_unknown() {
    let src = r#"
variable "kms_key_arn" {
  type = string
}
variable "cfg" {}
resource "aws_sagemaker_notebook_instance" "nb" {
  kms_key_id = var.kms_key_arn
  nested     = var.cfg.inner[0]
}
"#;
    let unit = load(&[("main.tf", src)]);
    let id = "aws_sagemaker_notebook_instance.nb";
    assert_eq!(
        prop(&unit, id, "kms_key_id").kind,
        unknown("var.kms_key_arn")
    );
    assert_eq!(prop(&unit, id, "nested").kind, unknown("var.cfg"));
}

#[test]
fn variables_index_into_known_values() {
    let src = r#"
variable "cfg" {
  default = {
    key   = "k1"
    list  = ["a", "b"]
  }
}
resource "x" "y" {
  a = var.cfg.key
  b = var.cfg["list"][1]
  c = var.cfg.missing
}
"#;
    let unit = load(&[("main.tf", src)]);
    assert_eq!(prop(&unit, "x.y", "a").kind, s("k1"));
    assert_eq!(prop(&unit, "x.y", "b").kind, s("b"));
    assert!(prop(&unit, "x.y", "c").is_unknown());
}

#[test]
fn locals_chain_and_keep_same_file_spans() {
    let src = r#"
locals {
  env    = "prod"
  name   = "ml-${local.env}"
  full   = "${local.name}-bucket"
  policy = { Effect = "Allow" }
}
resource "aws_s3_bucket" "b" {
  bucket = local.full
  policy = local.policy
}
"#;
    let unit = load(&[("main.tf", src)]);
    let bucket = prop(&unit, "aws_s3_bucket.b", "bucket");
    assert_eq!(bucket.kind, s("ml-prod-bucket"));
    assert_eq!(text(&unit, 0, bucket.span), "local.full");
    let (key, _) = prop(&unit, "aws_s3_bucket.b", "policy")
        .entry("Effect")
        .expect("Effect");
    assert_eq!(text(&unit, 0, key.span), "Effect");
    assert!(unit.errors.is_empty(), "{:?}", unit.errors);
}

#[test]
fn local_cycle_is_unknown_with_one_diagnostic() {
    let src = r#"
locals {
  a = local.b
  b = "${local.a}-x"
  c = local.c
  d = local.a
}
resource "x" "y" {
  a = local.a
  b = local.b
  c = local.c
  d = local.d
}
"#;
    let start = Instant::now();
    let unit = load(&[("main.tf", src)]);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(prop(&unit, "x.y", "a").kind, unknown("cycle in local.a"));
    assert_eq!(prop(&unit, "x.y", "b").kind, unknown("cycle in local.b"));
    assert_eq!(prop(&unit, "x.y", "c").kind, unknown("cycle in local.c"));
    assert!(prop(&unit, "x.y", "d").is_unknown());
    let messages: Vec<&str> = unit
        .errors
        .iter()
        .map(|e| e.error.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "cycle: local.a -> local.b -> local.a",
            "cycle: local.c -> local.c"
        ]
    );
}

#[test]
fn long_local_chain_stops_at_the_depth_limit() {
    let mut src = String::from("locals {\n  l0 = 1\n");
    for i in 1..2000 {
        src.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    src.push_str("}\nresource \"x\" \"y\" {\n  v = local.l1999\n  w = local.l10\n}\n");
    let unit = load(&[("main.tf", &src)]);
    assert!(prop(&unit, "x.y", "v").is_unknown());
    assert_eq!(prop(&unit, "x.y", "w").kind, n("1"));
    assert_eq!(unit.errors.len(), 1, "{:?}", unit.errors);
}

#[test]
fn references_become_refs_and_are_collected() {
    let src = r#"
resource "aws_kms_key" "main" {}
resource "aws_s3_bucket" "data" {
  bucket = "my-data"
}
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data.arn}/*"]
  }
}
locals {
  key = aws_kms_key.main.arn
}
resource "aws_sagemaker_notebook_instance" "nb" {
  kms_key_id = local.key
  bucket     = aws_s3_bucket.data.bucket
  indexed    = aws_s3_bucket.data[0].id
  keyed      = aws_s3_bucket.data["k"].id
  whole      = aws_s3_bucket.data
  policy     = data.aws_iam_policy_document.p.json
  missing    = aws_s3_bucket.nope.arn
  other      = var.flag ? aws_kms_key.main.key_id : null
  depends_on = [aws_s3_bucket.data]
}
"#;
    let unit = load(&[("main.tf", src)]);
    let id = "aws_sagemaker_notebook_instance.nb";
    let r = |resource: &str, attr: Option<&str>| RefTarget {
        resource: resource.into(),
        attr: attr.map(str::to_string),
    };
    assert_eq!(
        prop(&unit, id, "kms_key_id").kind,
        Kind::Ref(r("aws_kms_key.main", Some("arn")))
    );
    assert_eq!(
        prop(&unit, id, "bucket").kind,
        Kind::Ref(r("aws_s3_bucket.data", Some("bucket")))
    );
    assert_eq!(
        prop(&unit, id, "indexed").kind,
        Kind::Ref(r("aws_s3_bucket.data", Some("id")))
    );
    assert_eq!(
        prop(&unit, id, "keyed").kind,
        Kind::Ref(r("aws_s3_bucket.data", Some("id")))
    );
    assert_eq!(
        prop(&unit, id, "whole").kind,
        Kind::Ref(r("aws_s3_bucket.data", None))
    );
    assert_eq!(
        prop(&unit, id, "policy").kind,
        Kind::Ref(r("data.aws_iam_policy_document.p", Some("json")))
    );
    assert!(prop(&unit, id, "missing").is_unknown());
    assert!(prop(&unit, id, "other").is_unknown());
    assert!(res(&unit, id).properties.get("depends_on").is_none());
    assert_eq!(
        res(&unit, id).refs,
        [
            r("aws_kms_key.main", Some("arn")),
            r("aws_kms_key.main", Some("key_id")),
            r("aws_s3_bucket.data", None),
            r("aws_s3_bucket.data", Some("bucket")),
            r("aws_s3_bucket.data", Some("id")),
            r("data.aws_iam_policy_document.p", Some("json")),
        ]
    );
    let doc = res(&unit, "data.aws_iam_policy_document.p");
    assert_eq!(doc.rtype, "data.aws_iam_policy_document");
    assert_eq!(doc.refs, [r("aws_s3_bucket.data", Some("arn"))]);
    let resources = at(&doc.properties, "statement.0.resources.0");
    match &resources.kind {
        Kind::Template(parts) => {
            assert_eq!(
                parts[0].kind,
                Kind::Ref(r("aws_s3_bucket.data", Some("arn")))
            );
            assert_eq!(parts[1].kind, s("/*"));
        }
        other => panic!("expected a template, got {other:?}"),
    }
}

#[test]
fn jsonencode_keeps_structure_and_spans() {
    let src = r#"
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      "Action" = ["s3:*"]
      Resource = "*"
    }]
  })
}
"#;
    let unit = load(&[("main.tf", src)]);
    let policy = prop(&unit, "aws_iam_policy.p", "policy");
    let statement = at(policy, "Statement.0");
    let (key, value) = statement.entry("Action").expect("Action");
    assert_eq!(text(&unit, 0, key.span), "\"Action\"");
    assert_eq!(
        key.span.start as usize,
        src.find("\"Action\"").unwrap_or_default()
    );
    assert_eq!(text(&unit, 0, value.span), "[\"s3:*\"]");
    assert_eq!(strs(value), ["s3:*"]);
    assert_eq!(at(policy, "Version").kind, s("2012-10-17"));
}

#[test]
fn heredoc_stays_a_string() {
    let src = "resource \"x\" \"y\" {\n  a = <<-EOT\n    {\n      \"k\": 1\n    }\n  EOT\n  b = <<EOT\nline\nEOT\n}\n";
    let unit = load(&[("main.tf", src)]);
    assert_eq!(prop(&unit, "x.y", "a").kind, s("{\n  \"k\": 1\n}\n"));
    assert_eq!(prop(&unit, "x.y", "b").kind, s("line\n"));
}

#[test]
fn templates_with_unknown_parts_keep_known_text() {
    let src = r#"
variable "partition" {}
variable "env" {
  default = "prod"
}
resource "x" "y" {
  arn   = "arn:${var.partition}:s3:::b-${var.env}"
  known = "b-${var.env}"
  only  = "${var.env}"
  dir   = "%{ if var.env == "prod" }p%{ else }d%{ endif }"
  loop  = "%{ for s in ["a", "b"] ~}${s},%{ endfor ~}"
  esc   = "$${x}"
}
"#;
    let unit = load(&[("main.tf", src)]);
    match &prop(&unit, "x.y", "arn").kind {
        Kind::Template(parts) => {
            let kinds: Vec<&Kind> = parts.iter().map(|p| &p.kind).collect();
            assert_eq!(
                kinds,
                [&s("arn:"), &unknown("var.partition"), &s(":s3:::b-prod")]
            );
        }
        other => panic!("expected a template, got {other:?}"),
    }
    assert_eq!(prop(&unit, "x.y", "known").kind, s("b-prod"));
    assert_eq!(prop(&unit, "x.y", "only").kind, s("prod"));
    assert_eq!(prop(&unit, "x.y", "dir").kind, s("p"));
    assert_eq!(prop(&unit, "x.y", "loop").kind, s("a,b,"));
    assert_eq!(prop(&unit, "x.y", "esc").kind, s("${x}"));
}

#[test]
fn conditionals_pick_known_branches() {
    let src = r#"
variable "on" {
  default = true
}
variable "unknown" {}
resource "x" "y" {
  a = var.on ? "yes" : "no"
  b = !var.on ? "yes" : "no"
  c = var.unknown ? "same" : "same"
  d = var.unknown ? "a" : "b"
  e = var.on && var.unknown == "x" ? 1 : 2
  f = false && var.unknown
  g = 1 + 2 * 3 >= 7
}
"#;
    let unit = load(&[("main.tf", src)]);
    assert_eq!(prop(&unit, "x.y", "a").kind, s("yes"));
    assert_eq!(prop(&unit, "x.y", "b").kind, s("no"));
    assert_eq!(prop(&unit, "x.y", "c").kind, s("same"));
    assert_eq!(
        prop(&unit, "x.y", "d").kind,
        unknown("condition var.unknown")
    );
    assert!(prop(&unit, "x.y", "e").is_unknown());
    assert_eq!(prop(&unit, "x.y", "f").kind, Kind::Bool(false));
    assert_eq!(prop(&unit, "x.y", "g").kind, Kind::Bool(true));
}

#[test]
fn nested_conditionals_evaluate_quickly() {
    let mut expr = String::from("\"leaf\"");
    for i in 0..50 {
        expr = format!("var.c{i} ? \"other{i}\" : {expr}");
    }
    let src = format!("resource \"x\" \"y\" {{\n  v = {expr}\n}}\n");
    let start = Instant::now();
    let unit = load(&[("main.tf", &src)]);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(unit.errors.is_empty(), "{:?}", unit.errors);
    assert!(prop(&unit, "x.y", "v").is_unknown());
    let mut chain = String::from("locals {\n  c0 = var.x ? 1 : 2\n");
    for i in 1..50 {
        chain.push_str(&format!(
            "  c{i} = var.x ? local.c{} : local.c{}\n",
            i - 1,
            i - 1
        ));
    }
    chain.push_str("}\nresource \"x\" \"z\" {\n  v = local.c49\n}\n");
    let start = Instant::now();
    let unit = load(&[("main.tf", &chain)]);
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(prop(&unit, "x.z", "v").is_unknown());
}

#[test]
fn for_expressions_and_splats() {
    let src = r#"
variable "names" {
  default = ["a", "b", "c"]
}
variable "items" {
  default = [{ id = 1 }, { id = 2 }]
}
resource "x" "y" {
  upper  = [for n in var.names : upper(n) if n != "b"]
  obj    = { for i, n in var.names : n => i }
  group  = { for n in ["a", "a", "b"] : n => n... }
  ids    = var.items[*].id
  ids2   = var.items.*.id
  unk    = [for n in var.nope : n]
}
"#;
    let unit = load(&[("main.tf", src)]);
    assert_eq!(strs(prop(&unit, "x.y", "upper")), ["A", "C"]);
    assert_eq!(prop(&unit, "x.y", "obj.c").kind, n("2"));
    assert_eq!(strs(prop(&unit, "x.y", "group.a")), ["a", "a"]);
    assert_eq!(strs(prop(&unit, "x.y", "ids")), ["1", "2"]);
    assert_eq!(strs(prop(&unit, "x.y", "ids2")), ["1", "2"]);
    assert!(prop(&unit, "x.y", "unk").is_unknown());
}

#[test]
fn functions_on_known_arguments() {
    let src = r##"
variable "unknown" {}
locals {
  tags = { a = "1", b = "2" }
}
resource "x" "y" {
  merged   = merge(local.tags, { b = "3" })
  concat   = concat(["a"], ["b", "c"])
  lookup   = lookup(local.tags, "z", "dflt")
  lower    = lower("ABC")
  format   = format("%s-%d", "x", 5)
  fmt_unk  = format("arn:aws:s3:::%s/*", var.unknown)
  join     = join(",", ["a", "b"])
  split    = split(",", "a,b")
  replace  = replace("a-b-c", "-", "_")
  regex    = replace("a1b22", "/[0-9]+/", "#")
  len      = length(local.tags)
  keys     = keys(local.tags)
  flat     = flatten([["a"], [["b"]], "c"])
  distinct = distinct(["a", "b", "a"])
  compact  = compact(["a", "", null])
  coalesce = coalesce("", "z")
  contains = contains(["a"], "a")
  elem     = element(["a", "b"], 3)
  b64      = base64encode("hello")
  sub      = substr("hello", 1, 3)
  max      = max(1, 5, 3)
  range    = range(3)
  starts   = startswith("sagemaker", "sage")
  tonum    = tonumber("42")
  trimmed  = trimspace("  x  ")
  try1     = try(local.tags.missing, "fallback")
  try2     = try(var.unknown.x, "fallback")
  can1     = can(local.tags.missing)
  decoded  = jsondecode("{\"a\": [1, true]}")
  set      = toset(["b", "a", "b"])
  unk      = lower(var.unknown)
  nope     = sha256("x")
  spread   = max([1, 9, 2]...)
}
"##;
    let unit = load(&[("main.tf", src)]);
    let p = |path: &str| prop(&unit, "x.y", path).kind.clone();
    assert_eq!(p("merged.b"), s("3"));
    assert_eq!(p("merged.a"), s("1"));
    assert_eq!(strs(prop(&unit, "x.y", "concat")), ["a", "b", "c"]);
    assert_eq!(p("lookup"), s("dflt"));
    assert_eq!(p("lower"), s("abc"));
    assert_eq!(p("format"), s("x-5"));
    match p("fmt_unk") {
        Kind::Template(parts) => {
            assert_eq!(parts.len(), 3);
            assert_eq!(parts[0].kind, s("arn:aws:s3:::"));
        }
        other => panic!("expected a template, got {other:?}"),
    }
    assert_eq!(p("join"), s("a,b"));
    assert_eq!(strs(prop(&unit, "x.y", "split")), ["a", "b"]);
    assert_eq!(p("replace"), s("a_b_c"));
    assert_eq!(p("regex"), s("a#b#"));
    assert_eq!(p("len"), n("2"));
    assert_eq!(strs(prop(&unit, "x.y", "keys")), ["a", "b"]);
    assert_eq!(strs(prop(&unit, "x.y", "flat")), ["a", "b", "c"]);
    assert_eq!(strs(prop(&unit, "x.y", "distinct")), ["a", "b"]);
    assert_eq!(strs(prop(&unit, "x.y", "compact")), ["a"]);
    assert_eq!(p("coalesce"), s("z"));
    assert_eq!(p("contains"), Kind::Bool(true));
    assert_eq!(p("elem"), s("b"));
    assert_eq!(p("b64"), s("aGVsbG8="));
    assert_eq!(p("sub"), s("ell"));
    assert_eq!(p("max"), n("5"));
    assert_eq!(strs(prop(&unit, "x.y", "range")), ["0", "1", "2"]);
    assert_eq!(p("starts"), Kind::Bool(true));
    assert_eq!(p("tonum"), n("42"));
    assert_eq!(p("trimmed"), s("x"));
    assert_eq!(p("try1"), s("fallback"));
    assert!(prop(&unit, "x.y", "try2").is_unknown());
    assert_eq!(p("can1"), Kind::Bool(false));
    assert_eq!(strs(prop(&unit, "x.y", "decoded.a")), ["1", "true"]);
    assert_eq!(strs(prop(&unit, "x.y", "set")), ["a", "b"]);
    assert_eq!(p("unk"), unknown("lower(var.unknown)"));
    assert_eq!(p("nope"), unknown("unsupported function sha256()"));
    assert_eq!(p("spread"), n("9"));
}

#[test]
fn file_and_templatefile_read_relative_to_the_module() {
    let dir = std::env::temp_dir().join(format!("lenslint-tf-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).is_ok();
    assert!(write("policy.json", "{\"Version\": \"2012-10-17\"}"));
    assert!(write("role.tpl", "arn:aws:iam::${account}:role/${name}"));
    let src = r#"
resource "x" "y" {
  policy  = file("${path.module}/policy.json")
  role    = templatefile("role.tpl", { account = "123", name = "ml" })
  missing = file("nope.json")
  decoded = jsondecode(file("policy.json")).Version
}
"#;
    let main = dir.join("main.tf");
    let unit = load_module(vec![(main, src.to_string())], Vec::new(), &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        prop(&unit, "x.y", "policy").kind,
        s("{\"Version\": \"2012-10-17\"}")
    );
    assert_eq!(
        prop(&unit, "x.y", "role").kind,
        s("arn:aws:iam::123:role/ml")
    );
    assert!(prop(&unit, "x.y", "missing").is_unknown());
    assert_eq!(prop(&unit, "x.y", "decoded").kind, s("2012-10-17"));
    let role = prop(&unit, "x.y", "role");
    assert!(text(&unit, 0, role.span).starts_with("templatefile("));
}

#[test]
fn null_attributes_and_meta_arguments_are_dropped() {
    let src = r#"
variable "key" {
  default = null
}
resource "aws_s3_bucket" "b" {
  count      = 2
  provider   = aws.west
  bucket     = "b-${count.index}"
  kms        = var.key
  explicit   = null
  depends_on = []
  lifecycle {
    prevent_destroy = true
  }
}
resource "aws_s3_bucket" "e" {
  for_each = toset(["a"])
  bucket   = each.key
}
"#;
    let unit = load(&[("main.tf", src)]);
    let props = &res(&unit, "aws_s3_bucket.b").properties;
    let keys: Vec<&str> = props
        .as_map()
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k.name.as_str())
        .collect();
    assert_eq!(keys, ["bucket"]);
    match &at(props, "bucket").kind {
        Kind::Template(parts) => assert_eq!(parts[1].kind, unknown("count.index")),
        other => panic!("expected a template, got {other:?}"),
    }
    assert_eq!(
        prop(&unit, "aws_s3_bucket.e", "bucket").kind,
        unknown("each.key")
    );
    assert_eq!(unit.resources.len(), 2);
}

#[test]
fn parse_error_in_one_file_does_not_stop_the_others() {
    let good = "resource \"aws_s3_bucket\" \"ok\" {\n  bucket = \"b\"\n}\n";
    let bad = "resource \"aws_s3_bucket\" \"bad\" {\n  bucket = \"b\"\n  acl = = \"x\"\n}\n";
    let unit = load(&[("a.tf", bad), ("b.tf", good)]);
    assert_eq!(ids(&unit), ["aws_s3_bucket.ok"]);
    assert_eq!(unit.errors.len(), 1);
    let err = &unit.errors[0];
    assert_eq!(err.file, 0);
    assert_eq!(unit.files[0].line_col(err.error.span.start).line, 3);
    assert!(err.error.message.starts_with("HCL parse error"));
    assert_eq!(res(&unit, "aws_s3_bucket.ok").file, 1);
}

#[test]
fn tfvars_parse_errors_are_reported_on_the_tfvars_file() {
    let main = "variable \"a\" {\n  default = \"d\"\n}\nresource \"x\" \"y\" {\n  a = var.a\n}\n";
    let unit = load_with(&[("main.tf", main)], &[("bad.tfvars", "a = \n")], &[]);
    assert_eq!(unit.errors.len(), 1);
    assert_eq!(unit.errors[0].file, 1);
    assert_eq!(prop(&unit, "x.y", "a").kind, s("d"));
}

#[test]
fn hostile_inputs_stay_bounded() {
    // Exponential growth through locals is cut by the evaluation budget.
    let mut src = String::from("locals {\n  l0 = [\"x\", \"y\"]\n");
    for i in 1..64 {
        src.push_str(&format!("  l{i} = [local.l{}, local.l{}]\n", i - 1, i - 1));
    }
    src.push_str("  s0 = \"abcdefgh\"\n");
    for i in 1..64 {
        src.push_str(&format!(
            "  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    src.push_str("}\nresource \"x\" \"y\" {\n  v = local.l63\n  s = local.s63\n}\n");
    let start = Instant::now();
    let unit = load(&[("main.tf", &src)]);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(unit.resource("x.y").is_some());
    // Large ranges are refused rather than built.
    let unit = load(&[(
        "main.tf",
        "resource \"x\" \"z\" {\n  v = range(100000000)\n}\n",
    )]);
    assert!(prop(&unit, "x.z", "v").is_unknown());
    // Garbage does not panic.
    for text in [
        "resource",
        "resource \"a\" {",
        "x = ${",
        "\u{0}\u{ffff}",
        "a = \"\\u{zz}\"",
    ] {
        let _ = load(&[("main.tf", text)]);
    }
}

#[test]
fn byte_order_mark_and_crlf_keep_offsets() {
    let src = "\u{feff}resource \"aws_s3_bucket\" \"b\" {\r\n  bucket = \"x\"\r\n}\r\n";
    let unit = load(&[("main.tf", src)]);
    assert!(unit.errors.is_empty(), "{:?}", unit.errors);
    let r = res(&unit, "aws_s3_bucket.b");
    assert_eq!(text(&unit, 0, r.header), "resource \"aws_s3_bucket\" \"b\"");
    let (key, _) = r.properties.entry("bucket").expect("bucket");
    assert_eq!(text(&unit, 0, key.span), "bucket");
}

#[test]
fn other_roots_and_cli_conversions() {
    let src = r#"
variable "flag" {
  type = bool
}
variable "plain" {}
variable "d" {
  default = n
}
resource "x" "y" {
  flag  = var.flag
  plain = var.plain
  path  = "${path.module}/f"
  ws    = terraform.workspace
  mod   = module.net.vpc_id
  scope = [for n in ["in-scope"] : var.d]
}
"#;
    let unit = load_with(
        &[("main.tf", src)],
        &[],
        &[("flag", "true"), ("plain", "7")],
    );
    assert_eq!(prop(&unit, "x.y", "flag").kind, Kind::Bool(true));
    assert_eq!(prop(&unit, "x.y", "plain").kind, s("7"));
    assert_eq!(prop(&unit, "x.y", "path").kind, s("./f"));
    assert_eq!(
        prop(&unit, "x.y", "ws").kind,
        unknown("terraform.workspace")
    );
    assert_eq!(prop(&unit, "x.y", "mod").kind, unknown("module.net.vpc_id"));
    // A variable default does not see the bindings of the place it is used from.
    assert_eq!(prop(&unit, "x.y", "scope.0").kind, unknown("n"));
}
