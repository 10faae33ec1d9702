//! Terraform plans (`terraform show -json plan.out`) as a `Unit` of format `TerraformPlan`.
//!
//! Resources come from `planned_values` (root and child modules) with Terraform's fully
//! resolved values, and data sources from `prior_state` (they are read during the plan). A
//! value that is known only after apply (`after_unknown` in `resource_changes`) becomes a
//! reference when the configuration's expression for it refers to another resource, and
//! `Unknown` otherwise; the configuration's `references` also give each resource its `refs`.
//! Instances of a `count`/`for_each` resource share the address without instance key.
//!
//! Where findings point: plan values carry no source position, so when the module's `.tf`
//! files are in the scanned tree (the root module is the scanned Terraform folder declaring
//! most of the plan's root resources; a child module is its local `source` folder), a resource
//! points at its `resource` block header and its properties at the matching attributes and
//! nested blocks of that block; otherwise everything points into the plan file itself, which
//! is parsed with the span-keeping JSON loader (the resource's `address`, each value's key).
//! The unit's files are the plan file first, then the `.tf` files used.

use super::{Format, Resource, SourceFile, Unit, UnitError};
use crate::model::terraform::modules::normalize;
use crate::tree::{Key, Kind, Node, ParseError, RefTarget, Span};
use hcl_edit::structure::{Block, Body};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Deepest module nesting followed (plans are machine-written; this only bounds hostile ones).
const MAX_MODULE_DEPTH: usize = 64;
/// Deepest value nesting that `after_unknown` is merged into.
const MAX_VALUE_DEPTH: usize = 64;
/// Scanned Terraform folders looked at when choosing the root module's folder.
const MAX_CANDIDATES: usize = 256;

/// Whether a parsed JSON document is a Terraform plan in JSON form.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some() && root.get("planned_values").is_some()
}

/// Builds the unit of the plan at `path`. `tf_dirs` are the Terraform folders of the scanned
/// tree (paths as discovery gives them), where the configuration's `.tf` files may be found.
pub fn load(
    path: &Path,
    text: String,
    root: &Node,
    warnings: Vec<ParseError>,
    tf_dirs: &[PathBuf],
) -> Unit {
    let mut unit = Unit::new(Format::TerraformPlan);
    unit.errors.extend(
        warnings
            .into_iter()
            .map(|error| UnitError { file: 0, error }),
    );
    let mut sources = Sources::new(path, root, tf_dirs);
    let unknown = after_unknown(root);
    let config = root.get("configuration").and_then(|c| c.get("root_module"));
    let mut resources = Vec::new();
    let mut cx = Cx {
        unknown: &unknown,
        config,
        sources: &mut sources,
        resources: &mut resources,
        seen: Default::default(),
    };
    if let Some(m) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        cx.module(m, &[], false, 0);
    }
    let prior = root.get("prior_state").and_then(|p| p.get("values"));
    if let Some(m) = prior.and_then(|v| v.get("root_module")) {
        cx.module(m, &[], true, 0);
    }
    unit.files.push(SourceFile::new(path.to_path_buf(), text));
    unit.files.extend(sources.files);
    unit.resources = resources;
    unit
}

/// `after_unknown` of each resource instance, by full address.
fn after_unknown(root: &Node) -> HashMap<&str, &Node> {
    let mut out = HashMap::new();
    let changes = root.get("resource_changes").and_then(Node::as_seq);
    for change in changes.unwrap_or_default() {
        let address = change.get("address").and_then(Node::as_str);
        let unknown = change.get("change").and_then(|c| c.get("after_unknown"));
        if let (Some(a), Some(u)) = (address, unknown) {
            out.insert(a, u);
        }
    }
    out
}

struct Cx<'a, 'r> {
    unknown: &'a HashMap<&'r str, &'r Node>,
    config: Option<&'r Node>,
    sources: &'a mut Sources,
    resources: &'a mut Vec<Resource>,
    /// Instance addresses added (a data source can be in both `planned_values` and
    /// `prior_state`).
    seen: std::collections::HashSet<String>,
}

impl<'r> Cx<'_, 'r> {
    /// Adds the resources of one module of `planned_values` (or `prior_state`, taking only data
    /// sources), then of its child modules.
    fn module(&mut self, module: &'r Node, calls: &[String], data_only: bool, depth: usize) {
        let config = config_module(self.config, calls);
        let tf = self.sources.module(calls, self.config);
        for r in module
            .get("resources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let data = r.get("mode").and_then(Node::as_str) == Some("data");
            if data_only && !data {
                continue;
            }
            let address = r.get("address").and_then(Node::as_str).unwrap_or_default();
            if !self.seen.insert(address.to_string()) {
                continue;
            }
            if let Some(res) = self.resource(r, data, calls, config, tf) {
                self.resources.push(res);
            }
        }
        if depth >= MAX_MODULE_DEPTH {
            return;
        }
        for child in module
            .get("child_modules")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(address) = child.get("address").and_then(Node::as_str) else {
                continue;
            };
            let child_calls = module_calls(address);
            self.module(child, &child_calls, data_only, depth + 1);
        }
    }

    fn resource(
        &mut self,
        r: &'r Node,
        data: bool,
        calls: &[String],
        config: Option<&'r Node>,
        tf: Option<usize>,
    ) -> Option<Resource> {
        let address_node = r.get("address")?;
        let address = address_node.as_str()?;
        let rtype = r.get("type").and_then(Node::as_str)?;
        let name = r.get("name").and_then(Node::as_str)?;
        let local = if data {
            format!("data.{rtype}.{name}")
        } else {
            format!("{rtype}.{name}")
        };
        let prefix: String = calls.iter().map(|c| format!("module.{c}.")).collect();
        let header = address_node.span;
        let expressions = config
            .and_then(|c| c.get("resources"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .find(|c| c.get("address").and_then(Node::as_str) == Some(local.as_str()))
            .and_then(|c| c.get("expressions"));
        let mut properties = match r.get("values") {
            Some(
                v @ Node {
                    kind: Kind::Map(_), ..
                },
            ) => v.clone(),
            _ => Node::new(header, Kind::Map(Vec::new())),
        };
        if let Some(unknown) = self.unknown.get(address) {
            mark_unknown(&mut properties, unknown, expressions, &prefix, header, 0);
        }
        let mut refs = BTreeSet::new();
        if let Some(e) = expressions {
            collect_refs(e, &prefix, &mut refs);
        }
        let id = format!("{prefix}{local}");
        let rtype = if data {
            format!("data.{rtype}")
        } else {
            rtype.to_string()
        };
        let (file, header) = match tf.and_then(|m| self.sources.block(m, &local)) {
            Some((file, block)) => {
                let header = crate::model::terraform::header_span(block);
                relocate(&mut properties, Some(&block.body), header);
                (file, header)
            }
            None => (0, header),
        };
        let mut res = Resource::new(id, rtype, file, header, properties);
        res.refs = refs.into_iter().collect();
        Some(res)
    }
}

/// The configuration of the module reached through `calls` from the root.
fn config_module<'r>(root: Option<&'r Node>, calls: &[String]) -> Option<&'r Node> {
    let mut m = root?;
    for c in calls {
        m = m.get("module_calls")?.get(c)?.get("module")?;
    }
    Some(m)
}

/// `module.a["k"].module.b[0]` → `[a, b]`.
fn module_calls(address: &str) -> Vec<String> {
    let plain = strip_keys(address);
    let parts: Vec<&str> = plain.split('.').collect();
    parts
        .chunks(2)
        .filter(|c| c.len() == 2 && c[0] == "module")
        .map(|c| c[1].to_string())
        .collect()
}

/// An address without its instance keys (`aws_x.y[0]`, `module.m["k"].aws_x.y` lose them).
fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in address.chars() {
        if depth > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '[' if !quoted => depth += 1,
                ']' if !quoted => depth -= 1,
                _ => {}
            }
            continue;
        }
        if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// Fills in what `after_unknown` says is known only after apply: a reference when the
/// configuration's expression for the attribute names another resource, else `Unknown`.
fn mark_unknown(
    value: &mut Node,
    unknown: &Node,
    expressions: Option<&Node>,
    prefix: &str,
    at: Span,
    depth: usize,
) {
    if depth > MAX_VALUE_DEPTH {
        return;
    }
    match (&mut value.kind, &unknown.kind) {
        (Kind::Map(entries), Kind::Map(flags)) => {
            for (flag_key, flag) in flags {
                let expr = expressions.and_then(|e| e.get(&flag_key.name));
                let existing = entries
                    .iter_mut()
                    .rev()
                    .find(|(k, _)| k.name == flag_key.name);
                match (existing, &flag.kind) {
                    (Some((_, v)), Kind::Bool(true)) => *v = after_apply(expr, prefix, v.span),
                    (Some((_, v)), _) => {
                        let inner = expr.and_then(first_block);
                        mark_unknown(v, flag, inner, prefix, at, depth + 1);
                    }
                    (None, Kind::Bool(true)) => {
                        let key = Key {
                            name: flag_key.name.clone(),
                            span: at,
                        };
                        entries.push((key, after_apply(expr, prefix, at)));
                    }
                    (None, _) => {}
                }
            }
        }
        (Kind::Seq(items), Kind::Seq(flags)) => {
            for (item, flag) in items.iter_mut().zip(flags) {
                if matches!(flag.kind, Kind::Bool(true)) {
                    *item = after_apply(None, prefix, item.span);
                } else {
                    mark_unknown(item, flag, expressions, prefix, at, depth + 1);
                }
            }
        }
        (_, Kind::Bool(true)) => *value = after_apply(expressions, prefix, value.span),
        _ => {}
    }
}

/// The expressions of the first nested block when `expr` is a list of blocks' expressions.
fn first_block(expr: &Node) -> Option<&Node> {
    match &expr.kind {
        Kind::Seq(items) => items.first(),
        Kind::Map(_) => Some(expr),
        _ => None,
    }
}

/// The value of an attribute known only after apply.
fn after_apply(expr: Option<&Node>, prefix: &str, span: Span) -> Node {
    let target = expr
        .and_then(|e| e.get("references"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .find_map(|r| ref_target(r, prefix));
    match target {
        Some(t) => Node::new(span, Kind::Ref(t)),
        None => Node::unknown(span, "known after apply"),
    }
}

/// `aws_kms_key.k.arn` → resource `aws_kms_key.k`, attribute `arn` (prefixed with the module
/// address). Variables, locals, module outputs and the like are not resources.
fn ref_target(reference: &str, prefix: &str) -> Option<RefTarget> {
    let plain = strip_keys(reference);
    let parts: Vec<&str> = plain.split('.').collect();
    let (resource, rest) = match parts.as_slice() {
        ["data", t, n, rest @ ..] => (format!("data.{t}.{n}"), rest),
        [t, n, rest @ ..] if t.contains('_') && !t.starts_with('_') => (format!("{t}.{n}"), rest),
        _ => return None,
    };
    Some(RefTarget {
        resource: format!("{prefix}{resource}"),
        attr: rest.first().map(|a| a.to_string()),
    })
}

/// Every resource a configuration expression tree refers to.
fn collect_refs(expressions: &Node, prefix: &str, out: &mut BTreeSet<RefTarget>) {
    expressions.walk(&mut |n| {
        if let Some(list) = n.get("references").and_then(Node::as_seq) {
            for r in list.iter().filter_map(Node::as_str) {
                if let Some(mut t) = ref_target(r, prefix) {
                    t.attr = None;
                    out.insert(t);
                }
            }
        }
        true
    });
}

/// Points a plan value at the `.tf` block it came from: each attribute's key and value at
/// the attribute, each nested block's items at the blocks of that name, and whatever has no
/// counterpart at `at` (the enclosing block's header).
fn relocate(node: &mut Node, body: Option<&Body>, at: Span) {
    node.span = at;
    let Kind::Map(entries) = &mut node.kind else {
        return set_all(node, at);
    };
    for (key, value) in entries {
        let attr = body.and_then(|b| b.get_attribute(&key.name));
        let blocks: Vec<&Block> = body
            .map(|b| b.get_blocks(&key.name).collect())
            .unwrap_or_default();
        if let Some(attr) = attr {
            key.span = span_of(&attr.key);
            set_all(value, span_of(&attr.value));
        } else if let Some(first) = blocks.first() {
            key.span = span_of(&first.ident);
            match &mut value.kind {
                Kind::Seq(items) => {
                    value.span = key.span;
                    for (i, item) in items.iter_mut().enumerate() {
                        match blocks.get(i) {
                            Some(b) => relocate(item, Some(&b.body), span_of(&b.ident)),
                            None => relocate(item, None, key.span),
                        }
                    }
                }
                _ => relocate(value, Some(&first.body), key.span),
            }
        } else {
            key.span = at;
            set_all(value, at);
        }
    }
}

fn set_all(node: &mut Node, at: Span) {
    node.span = at;
    match &mut node.kind {
        Kind::Seq(items) | Kind::Template(items) => items.iter_mut().for_each(|n| set_all(n, at)),
        Kind::Map(entries) => {
            for (k, v) in entries {
                k.span = at;
                set_all(v, at);
            }
        }
        _ => {}
    }
}

fn span_of<T: hcl_edit::Span + ?Sized>(item: &T) -> Span {
    item.span()
        .map(|r| Span::new(r.start, r.end))
        .unwrap_or_default()
}

/// The `.tf` files of the configuration found in the scanned tree.
struct Sources {
    /// Files read, in unit order after the plan file (their unit index is `1 + position`).
    files: Vec<SourceFile>,
    bodies: Vec<Option<Body>>,
    /// Folder of the root module, when found.
    root_dir: Option<PathBuf>,
    /// Scanned Terraform folders, normalized.
    scanned: BTreeSet<PathBuf>,
    /// Module (by its call path) → index into `modules`, or none when not found.
    by_calls: HashMap<Vec<String>, Option<usize>>,
    /// Per found module: `TYPE.NAME` / `data.TYPE.NAME` → (body index, block position).
    modules: Vec<HashMap<String, (usize, usize)>>,
}

impl Sources {
    fn new(plan: &Path, root: &Node, tf_dirs: &[PathBuf]) -> Sources {
        let scanned: BTreeSet<PathBuf> = tf_dirs.iter().map(|d| normalize(d)).collect();
        let mut s = Sources {
            files: Vec::new(),
            bodies: Vec::new(),
            root_dir: None,
            scanned,
            by_calls: HashMap::new(),
            modules: Vec::new(),
        };
        s.root_dir = s.find_root(plan, root);
        s
    }

    /// The scanned folder that declares the most of the plan's root-module resources and
    /// module calls (the plan's own folder first on a tie).
    fn find_root(&self, plan: &Path, root: &Node) -> Option<PathBuf> {
        let config = root.get("configuration").and_then(|c| c.get("root_module"));
        let mut needles = Vec::new();
        for r in config
            .and_then(|c| c.get("resources"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let mode = r.get("mode").and_then(Node::as_str);
            let t = r.get("type").and_then(Node::as_str);
            let n = r.get("name").and_then(Node::as_str);
            if let (Some(t), Some(n)) = (t, n) {
                let kind = if mode == Some("data") {
                    "data"
                } else {
                    "resource"
                };
                needles.push((kind.to_string(), vec![t.to_string(), n.to_string()]));
            }
        }
        for (call, _) in config
            .and_then(|c| c.get("module_calls"))
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            needles.push(("module".to_string(), vec![call.name.clone()]));
        }
        if needles.is_empty() {
            return None;
        }
        let plan_dir = normalize(plan.parent().unwrap_or(Path::new("")));
        let mut candidates: Vec<&PathBuf> = self.scanned.iter().collect();
        candidates.sort_by_key(|d| (**d != plan_dir, d.components().count()));
        let mut best: Option<(usize, &PathBuf)> = None;
        for dir in candidates.into_iter().take(MAX_CANDIDATES) {
            let texts: Vec<String> = tf_files(dir)
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect();
            let hits = needles
                .iter()
                .filter(|(kind, labels)| texts.iter().any(|t| declares(t, kind, labels)))
                .count();
            if hits > 0 && best.map_or(true, |(b, _)| hits > b) {
                best = Some((hits, dir));
            }
        }
        best.map(|(_, d)| d.clone())
    }

    /// The found module reached through `calls`, loading its files on first use.
    fn module(&mut self, calls: &[String], config: Option<&Node>) -> Option<usize> {
        if let Some(found) = self.by_calls.get(calls) {
            return *found;
        }
        let found = self
            .module_dir(calls, config)
            .map(|dir| self.load_dir(&dir));
        self.by_calls.insert(calls.to_vec(), found);
        found
    }

    fn module_dir(&self, calls: &[String], config: Option<&Node>) -> Option<PathBuf> {
        let mut dir = self.root_dir.clone()?;
        let mut m = config?;
        for c in calls {
            let call = m.get("module_calls")?.get(c)?;
            let source = call.get("source").and_then(Node::as_str)?;
            if !(source.starts_with("./") || source.starts_with("../")) {
                return None;
            }
            dir = normalize(&dir.join(source));
            m = call.get("module")?;
        }
        self.scanned.contains(&dir).then_some(dir)
    }

    fn load_dir(&mut self, dir: &Path) -> usize {
        let mut blocks = HashMap::new();
        for path in tf_files(dir) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let body = text.parse::<Body>().ok();
            let index = self.bodies.len();
            if let Some(b) = &body {
                for (pos, block) in b.blocks().enumerate() {
                    let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                    let key = match (block.ident.as_str(), labels.as_slice()) {
                        ("resource", [t, n]) => format!("{t}.{n}"),
                        ("data", [t, n]) => format!("data.{t}.{n}"),
                        _ => continue,
                    };
                    blocks.entry(key).or_insert((index, pos));
                }
            }
            self.files.push(SourceFile::new(path, text));
            self.bodies.push(body);
        }
        self.modules.push(blocks);
        self.modules.len() - 1
    }

    /// The unit file index and the block of `local` (`TYPE.NAME`) in module `m`.
    fn block(&self, m: usize, local: &str) -> Option<(usize, &Block)> {
        let &(body, pos) = self.modules.get(m)?.get(local)?;
        let block = self.bodies.get(body)?.as_ref()?.blocks().nth(pos)?;
        Some((body + 1, block))
    }
}

/// Whether a `.tf` text declares a block `kind "l1" "l2"` (labels quoted or bare).
fn declares(text: &str, kind: &str, labels: &[String]) -> bool {
    text.lines().any(|line| {
        let mut words = line.split_whitespace();
        words.next() == Some(kind)
            && labels
                .iter()
                .all(|l| words.next().map(|w| w.trim_matches('"')) == Some(l.as_str()))
    })
}

/// The `.tf` files of a folder, sorted.
fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let listing = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(listing)
        .map(|rd| {
            rd.flatten()
                .map(|e| dir.join(e.file_name()))
                .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_instance_keys() {
        assert_eq!(strip_keys("aws_s3_bucket.b[0]"), "aws_s3_bucket.b");
        assert_eq!(
            strip_keys("module.m[\"a]b\"].aws_s3_bucket.b[\"k\\\"]\"]"),
            "module.m.aws_s3_bucket.b"
        );
        assert_eq!(module_calls("module.a[\"k\"].module.b[0]"), ["a", "b"]);
        assert!(module_calls("aws_x.y").is_empty());
    }

    #[test]
    fn references_to_resources_only() {
        let t = ref_target("aws_kms_key.k.arn", "module.m.").unwrap();
        assert_eq!(t.resource, "module.m.aws_kms_key.k");
        assert_eq!(t.attr.as_deref(), Some("arn"));
        let t = ref_target("data.aws_iam_policy_document.p.json", "").unwrap();
        assert_eq!(t.resource, "data.aws_iam_policy_document.p");
        for r in [
            "var.x",
            "local.y",
            "module.m.out",
            "each.value",
            "count.index",
            "path.module",
        ] {
            assert!(ref_target(r, "").is_none(), "{r}");
        }
    }

    #[test]
    fn values_unknowns_references_and_data_sources() {
        let text = r#"{"format_version": "1.2",
          "planned_values": {"root_module": {"resources": [
            {"address": "aws_x.a[0]", "mode": "managed", "type": "aws_x", "name": "a",
             "values": {"known": "v", "block": [{"inner": 1}]}},
            {"address": "data.aws_d.p", "mode": "data", "type": "aws_d", "name": "p",
             "values": {"json": "{}"}}]}},
          "prior_state": {"values": {"root_module": {"resources": [
            {"address": "data.aws_d.p", "mode": "data", "type": "aws_d", "name": "p",
             "values": {"json": "{}"}}]}}},
          "resource_changes": [{"address": "aws_x.a[0]", "change": {"after_unknown":
            {"key": true, "id": true, "known": false, "block": [{"late": true}]}}}],
          "configuration": {"root_module": {"resources": [{"address": "aws_x.a",
            "expressions": {"key": {"references": ["aws_k.k.arn", "aws_k.k"]},
                            "other": {"references": ["var.v", "data.aws_d.p.json"]}}}]}}}"#;
        let parsed = crate::parse::parse_json(text).unwrap();
        assert!(is_plan(&parsed.root));
        let unit = load(
            Path::new("p.json"),
            text.into(),
            &parsed.root,
            Vec::new(),
            &[],
        );
        let ids: Vec<&str> = unit.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["aws_x.a", "data.aws_d.p"]);
        let a = &unit.resources[0];
        assert_eq!(a.get_kind("known"), Some(Kind::Str("v".into())));
        let key = RefTarget {
            resource: "aws_k.k".into(),
            attr: Some("arn".into()),
        };
        assert_eq!(a.get_kind("key"), Some(Kind::Ref(key)));
        assert!(a.properties.get("id").is_some_and(Node::is_unknown));
        let block = &a.properties.get("block").unwrap().as_seq().unwrap()[0];
        assert!(block.get("late").is_some_and(Node::is_unknown));
        let refs: Vec<String> = a.refs.iter().map(|r| r.resource.clone()).collect();
        assert_eq!(refs, ["aws_k.k", "data.aws_d.p"]);
        // Everything points into the plan: the address, or the value's key.
        let at = |s: Span| &text[s.start as usize..s.end as usize];
        assert_eq!(at(a.header), "\"aws_x.a[0]\"");
        let (k, _) = a.properties.entry("known").unwrap();
        assert_eq!(at(k.span), "\"known\"");
    }

    trait GetKind {
        fn get_kind(&self, key: &str) -> Option<Kind>;
    }

    impl GetKind for Resource {
        fn get_kind(&self, key: &str) -> Option<Kind> {
            self.properties.get(key).map(|n| n.kind.clone())
        }
    }

    #[test]
    fn block_declarations() {
        let tf = "resource \"aws_s3_bucket\" \"b\" {\n}\n  data aws_iam_policy_document p {}\n";
        let labels = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
        assert!(declares(tf, "resource", &labels("aws_s3_bucket", "b")));
        assert!(declares(
            tf,
            "data",
            &labels("aws_iam_policy_document", "p")
        ));
        assert!(!declares(tf, "resource", &labels("aws_s3_bucket", "c")));
    }
}
