//! YAML loader: drives the `saphyr-parser` event stream and builds the [`Node`] tree with exact
//! byte spans. saphyr's markers count characters, so they are converted to byte offsets by a
//! cursor that moves with the (ordered) events, keeping the whole load O(n). Plain scalars are
//! typed with the YAML 1.2 core schema (`null`, booleans, decimal numbers kept as written);
//! quoted ones stay strings. CloudFormation short tags (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) are
//! rewritten to their JSON long form (`{Ref: X}`, `{Fn::GetAtt: [A, B]}`, `{Fn::Sub: ...}`) with
//! the tag's span on the synthetic key. Anchored nodes are set aside and aliases leave
//! placeholders, which are filled in (by moves, and copies for repeated uses) only once the whole
//! document fits a node budget, so an alias bomb is rejected before anything is copied. Nesting
//! depth is capped (alias copies included), and only the first document of a stream is loaded.
//! Continuation lines that PyYAML accepts but saphyr finds under-indented are handled in
//! `yaml/relax.rs`.

mod fast;
mod relax;

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::{check_duplicate_keys, guard, Parsed};
use crate::tree::{Key, Kind, Node, ParseError, Span};

/// Deepest nesting of collections accepted.
const MAX_DEPTH: usize = 512;
/// Most nodes (alias copies included) one document may expand to.
const NODE_BUDGET: usize = 1_000_000;
/// Most scalar bytes aliases may copy.
const COPY_BUDGET: usize = 64 << 20;
const ALIAS_BOMB: &str = "YAML alias expansion exceeds the node budget (alias bomb?)";

/// Loads the first document of a YAML stream; an empty stream gives a `Null` root.
pub fn parse_yaml(text: &str) -> Result<Parsed, ParseError> {
    guard("YAML", || match fast::load(text) {
        Some(parsed) => Ok(parsed),
        None => relax::load(text),
    })
}

/// Where the fast loader leaves `text` to saphyr-parser (a byte offset), if it does.
#[doc(hidden)]
pub fn fast_path_stop(text: &str) -> Option<usize> {
    fast::load_or_stop(text).err()
}

/// [`parse_yaml`] through saphyr-parser only (for tests comparing the two loaders).
#[doc(hidden)]
pub fn parse_yaml_saphyr(text: &str) -> Result<Parsed, ParseError> {
    guard("YAML", || relax::load(text))
}

/// [`parse_yaml`] through the fast loader only: `None` when the text uses something it leaves
/// to saphyr-parser (for tests comparing the two loaders).
#[doc(hidden)]
pub fn parse_yaml_fast(text: &str) -> Option<Parsed> {
    guard("YAML", || {
        fast::load(text).ok_or_else(|| ParseError::new("", Span::default()))
    })
    .ok()
}

/// How a node's tag changes it.
enum Tagging {
    /// No tag, or one we ignore (unknown global tags, `!!map`, `!!seq`).
    None,
    /// A YAML core-schema tag such as `!!str` or `!!int` (its suffix).
    Core(String),
    /// The non-specific tag `!`: the scalar is a string.
    NonSpecific,
    /// A CloudFormation short tag: the node becomes `{name: node}`.
    Cfn(String),
}

impl Tagging {
    fn of(tag: Option<&Tag>) -> Tagging {
        match tag {
            None => Tagging::None,
            Some(t) if t.handle == "!" && !t.suffix.is_empty() => Tagging::short(&t.suffix),
            Some(t) if t.is_yaml_core_schema() => Tagging::Core(t.suffix.clone()),
            Some(t) if t.handle.is_empty() && t.suffix == "!" => Tagging::NonSpecific,
            Some(_) => Tagging::None,
        }
    }

    /// A `!Name` tag (primary handle, non-empty suffix): a CloudFormation function.
    fn short(suffix: &str) -> Tagging {
        Tagging::Cfn(match suffix {
            "Ref" | "Condition" => suffix.to_string(),
            other => format!("Fn::{other}"),
        })
    }
}

/// A node's properties: its anchor (0 for none) and tag.
struct Props {
    anchor: usize,
    tagging: Tagging,
    /// Whether it has a tag at all (its span starts at the tag).
    tagged: bool,
}

impl Props {
    fn of(anchor: usize, tag: Option<&Tag>) -> Props {
        Props {
            anchor,
            tagging: Tagging::of(tag),
            tagged: tag.is_some(),
        }
    }
}

enum Body {
    Seq(Vec<Node>),
    /// Entries so far, and a key waiting for its value.
    Map(Vec<(Key, Node)>, Option<Key>),
}

/// A collection being built.
struct Frame {
    body: Body,
    /// Start of the collection itself, after its properties.
    content: usize,
    /// Synthetic key name and tag span for a CloudFormation tag.
    cfn: Option<(String, Span)>,
    anchor: usize,
    /// Counters when the frame opened (to size an anchored collection).
    opened: Size,
    /// Nesting depth of the deepest child collection.
    height: usize,
}

/// Nodes and scalar bytes created so far, or held by an anchored node.
#[derive(Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

/// A completed anchored node. It is kept out of the tree (which holds a placeholder at its
/// place and at each alias) until the document ends, so that aliases cost nothing before the
/// budget is checked.
struct Anchored {
    node: Node,
    size: Size,
    height: usize,
    /// Placeholders standing for it in the tree.
    uses: usize,
}

/// Marks a placeholder: the YAML loader creates no other `Unknown` nodes.
const PLACEHOLDER: &str = "\0yaml anchor ";

fn placeholder(id: usize, span: Span) -> Node {
    Node::unknown(span, format!("{PLACEHOLDER}{id}"))
}

fn placeholder_id(node: &Node) -> Option<usize> {
    match &node.kind {
        Kind::Unknown(mark) => mark.strip_prefix(PLACEHOLDER)?.parse().ok(),
        _ => None,
    }
}

struct Loader<'a> {
    text: &'a str,
    offsets: Offsets<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// Anchor ids in the order their nodes completed (inner anchors first).
    completed: Vec<usize>,
    /// Everything created so far, alias copies included.
    made: Size,
    /// Nodes and scalar bytes copied by aliases.
    copied: Size,
    root: Option<Node>,
    warnings: Vec<ParseError>,
}

impl<'a> Loader<'a> {
    fn new(text: &'a str) -> Loader<'a> {
        Loader {
            text,
            offsets: Offsets::new(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            completed: Vec::new(),
            made: Size::default(),
            copied: Size::default(),
            root: None,
            warnings: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Parsed, ParseError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(item) = parser.next_event() {
            let (event, span) = match item {
                Ok(ok) => ok,
                Err(e) => {
                    let at = self.offsets.byte(e.marker().index());
                    let message = format!("invalid YAML: {}", e.info());
                    return Err(ParseError::new(message, Span::new(at, at)));
                }
            };
            let start = self.offsets.byte(span.start.index());
            let end = self.offsets.byte(span.end.index());
            match event {
                Event::Scalar(value, style, anchor, tag) => {
                    let props = Props::of(anchor, tag.as_deref());
                    self.on_scalar(value, style, props, start, end)?
                }
                Event::SequenceStart(anchor, tag) => {
                    let props = Props::of(anchor, tag.as_deref());
                    self.open(Body::Seq(Vec::new()), props, start, end)?
                }
                Event::MappingStart(anchor, tag) => {
                    let props = Props::of(anchor, tag.as_deref());
                    self.open(Body::Map(Vec::new(), None), props, start, end)?
                }
                Event::SequenceEnd | Event::MappingEnd => self.on_close(start, end),
                Event::Alias(id) => self.alias(id, start, end)?,
                Event::DocumentEnd => break,
                _ => {}
            }
        }
        Ok(self.into_parsed())
    }

    fn on_scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        props: Props,
        start: usize,
        end: usize,
    ) -> Result<(), ParseError> {
        let before = self.made;
        self.count(start)?;
        self.made.bytes += value.len();
        let anchor = props.anchor;
        let node = self.scalar(value, style, props, start, end);
        self.finish(node, 0, anchor, before);
        Ok(())
    }

    /// Ends the innermost open collection.
    fn on_close(&mut self, start: usize, end: usize) {
        if let Some(frame) = self.stack.pop() {
            let (anchor, opened, height) = (frame.anchor, frame.opened, frame.height);
            let node = self.close(frame, start, end);
            self.finish(node, height + 1, anchor, opened);
        }
    }

    /// The loaded document (anchors filled in).
    fn into_parsed(mut self) -> Parsed {
        let root = match self.root.take() {
            Some(root) => self.resolve(root),
            None => Node::new(Span::default(), Kind::Null),
        };
        Parsed {
            root,
            warnings: self.warnings,
        }
    }

    /// Accounts for one new node, failing past the budget.
    fn count(&mut self, at: usize) -> Result<(), ParseError> {
        self.made.nodes += 1;
        if self.made.nodes > NODE_BUDGET {
            let message = match self.copied.nodes {
                0 => format!("YAML document has more than {NODE_BUDGET} nodes"),
                _ => ALIAS_BOMB.to_string(),
            };
            return Err(ParseError::new(message, Span::new(at, at)));
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        props: Props,
        start: usize,
        end: usize,
    ) -> Node {
        let Props {
            anchor,
            tagging,
            tagged,
        } = props;
        let (tag_span, content) = if tagged || anchor != 0 {
            properties(self.text, start, end)
        } else {
            (None, start)
        };
        let mut end = end;
        if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
            // saphyr's end can take in the blanks and comment after the closing quote.
            end = quoted_end(self.text.as_bytes(), content).map_or(end, |e| e.min(end));
        }
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            end = content
                + self
                    .text
                    .get(content..end)
                    .unwrap_or_default()
                    .trim_end()
                    .len();
        }
        let mut span = Span::new(content, end);
        if value.is_empty() && style == ScalarStyle::Plain && !tagged {
            // An absent value is reported right after its `:` or `-` indicator.
            let at = match self.text.as_bytes().get(content) {
                Some(b':' | b'-' | b'?') => content + 1,
                _ => content,
            };
            span = Span::new(at, at);
        }
        let kind = match (&tagging, style) {
            (Tagging::Core(suffix), _) => core_scalar(suffix, value),
            (Tagging::NonSpecific, _) => Kind::Str(value.into_owned()),
            (_, ScalarStyle::Plain) => plain_scalar(value),
            _ => Kind::Str(value.into_owned()),
        };
        let node = Node::new(span, kind);
        match tagging {
            Tagging::Cfn(name) => {
                let tag_span = tag_span.unwrap_or(Span::new(start, start));
                let value = if name == "Fn::GetAtt" {
                    self.split_get_att(node, style)
                } else {
                    node
                };
                wrap(name, tag_span, value)
            }
            _ => node,
        }
    }

    /// `A.B.C` → `[A, "B.C"]` (split at the first dot), with each part's own span when the
    /// scalar is written on one line.
    fn split_get_att(&self, node: Node, style: ScalarStyle) -> Node {
        let Some(text) = node.scalar_text() else {
            return node;
        };
        let Some(dot) = text.find('.') else {
            return node;
        };
        let (resource, attr) = (text[..dot].to_string(), text[dot + 1..].to_string());
        let (from, to) = (node.span.start as usize, node.span.end as usize);
        let quote = usize::from(style != ScalarStyle::Plain);
        let inner = self.text.get(from + quote..to.saturating_sub(quote));
        let (first, second) = if inner == Some(&*text) {
            let at = from + quote + dot;
            (Span::new(from + quote, at), Span::new(at + 1, to - quote))
        } else {
            (node.span, node.span)
        };
        let parts = vec![Node::str(first, resource), Node::str(second, attr)];
        Node::new(node.span, Kind::Seq(parts))
    }

    fn open(
        &mut self,
        body: Body,
        props: Props,
        start: usize,
        end: usize,
    ) -> Result<(), ParseError> {
        let Props {
            anchor,
            tagging,
            tagged,
        } = props;
        if self.stack.len() >= MAX_DEPTH {
            return Err(too_deep(Span::new(start, end.max(start))));
        }
        let opened = self.made;
        self.count(start)?;
        let (tag_span, content) = if tagged || anchor != 0 {
            properties(self.text, start, end)
        } else {
            (None, start)
        };
        let cfn = match tagging {
            Tagging::Cfn(name) => Some((name, tag_span.unwrap_or(Span::new(start, start)))),
            _ => None,
        };
        self.stack.push(Frame {
            body,
            content,
            cfn,
            anchor,
            opened,
            height: 0,
        });
        Ok(())
    }

    /// Builds the node of a finished collection. Its end is its closing bracket (flow style)
    /// or the end of its last item (block style, so trailing blank lines and comments are
    /// not part of it).
    fn close(&mut self, frame: Frame, end_start: usize, end_end: usize) -> Node {
        let closing =
            matches!(self.text.as_bytes().get(end_start), Some(b']' | b'}')) && end_end > end_start;
        let mut end = if closing {
            end_start + 1
        } else {
            frame.content
        };
        let kind = match frame.body {
            Body::Seq(items) => {
                if let Some(last) = items.last() {
                    end = end.max(last.span.end as usize);
                }
                Kind::Seq(items)
            }
            Body::Map(mut entries, pending) => {
                if let Some(key) = pending {
                    let at = key.span.end as usize;
                    entries.push((key, Node::new(Span::new(at, at), Kind::Null)));
                }
                if let Some((_, value)) = entries.last() {
                    end = end.max(value.span.end as usize);
                }
                check_duplicate_keys(&entries, &mut self.warnings);
                Kind::Map(entries)
            }
        };
        // Core tags (`!!map`, `!!seq`) do not change a collection.
        let node = Node::new(Span::new(frame.content, end), kind);
        match frame.cfn {
            Some((name, tag_span)) => wrap(name, tag_span, node),
            None => node,
        }
    }

    /// An alias becomes a placeholder for the anchored node, once the copy is known to fit
    /// the node budget and the nesting limit.
    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), ParseError> {
        let span = Span::new(start, end);
        let Some(anchored) = self.anchors.get_mut(&id) else {
            let message = "YAML alias refers to a node that contains it (recursive alias)";
            return Err(ParseError::new(message, span));
        };
        if self.stack.len() + anchored.height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        let size = anchored.size;
        self.made.nodes = self.made.nodes.saturating_add(size.nodes);
        self.made.bytes = self.made.bytes.saturating_add(size.bytes);
        self.copied.nodes = self.copied.nodes.saturating_add(size.nodes);
        self.copied.bytes = self.copied.bytes.saturating_add(size.bytes);
        if self.made.nodes > NODE_BUDGET || self.copied.bytes > COPY_BUDGET {
            return Err(ParseError::new(ALIAS_BOMB, span));
        }
        anchored.uses += 1;
        let height = anchored.height;
        self.attach(placeholder(id, span), height);
        Ok(())
    }

    /// Stores a completed node that carries an anchor (leaving a placeholder), then attaches it.
    fn finish(&mut self, node: Node, height: usize, anchor: usize, before: Size) {
        if anchor == 0 {
            return self.attach(node, height);
        }
        let size = Size {
            nodes: self.made.nodes - before.nodes,
            bytes: self.made.bytes - before.bytes,
        };
        let span = node.span;
        let anchored = Anchored {
            node,
            size,
            height,
            uses: 1,
        };
        self.anchors.insert(anchor, anchored);
        self.completed.push(anchor);
        self.attach(placeholder(anchor, span), height);
    }

    /// Attaches a completed node to the open collection (as an item, a key or a value), or
    /// makes it the root.
    fn attach(&mut self, node: Node, height: usize) {
        let Some(frame) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return;
        };
        frame.height = frame.height.max(height);
        match &mut frame.body {
            Body::Seq(items) => items.push(node),
            Body::Map(entries, pending) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    // A key is a name: its node (or the anchored node it stands for) is
                    // not kept.
                    let span = node.span;
                    let name = match placeholder_id(&node).and_then(|id| self.anchors.get_mut(&id))
                    {
                        Some(anchored) => {
                            anchored.uses = anchored.uses.saturating_sub(1);
                            key_name(self.text, anchored.node.clone())
                        }
                        None => key_name(self.text, node),
                    };
                    *pending = Some(Key { name, span });
                }
            },
        }
    }

    /// Replaces placeholders by the anchored nodes: each anchored node is completed first (in
    /// the order they completed, so the anchors they use are ready), then the tree. The last
    /// placeholder of an anchor takes the node itself; the others take copies.
    fn resolve(&mut self, mut root: Node) -> Node {
        if self.completed.is_empty() {
            return root;
        }
        let mut ready = HashMap::new();
        for id in std::mem::take(&mut self.completed) {
            if let Some(mut anchored) = self.anchors.remove(&id) {
                fill(&mut anchored.node, &mut ready);
                ready.insert(id, (anchored.node, anchored.uses));
            }
        }
        fill(&mut root, &mut ready);
        root
    }
}

fn fill(node: &mut Node, ready: &mut HashMap<usize, (Node, usize)>) {
    if let Some(id) = placeholder_id(node) {
        if let Some((anchored, uses)) = ready.get_mut(&id) {
            *uses = uses.saturating_sub(1);
            *node = if *uses == 0 {
                std::mem::replace(anchored, Node::new(Span::default(), Kind::Null))
            } else {
                anchored.clone()
            };
        }
        return;
    }
    match &mut node.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|item| fill(item, ready)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(_, v)| fill(v, ready)),
        _ => {}
    }
}

fn too_deep(span: Span) -> ParseError {
    ParseError::new(
        format!("YAML nesting is deeper than {MAX_DEPTH} levels"),
        span,
    )
}

/// The name of a key: its text when it is a string or number, else its source text.
fn key_name(text: &str, node: Node) -> String {
    match node.kind {
        Kind::Str(s) | Kind::Num(s) => s,
        _ => {
            let (from, to) = (node.span.start as usize, node.span.end as usize);
            text.get(from..to).unwrap_or_default().to_string()
        }
    }
}

/// `{name: value}` with the key spanning the tag and the map spanning tag and value.
fn wrap(name: String, tag_span: Span, value: Node) -> Node {
    let span = tag_span.join(value.span);
    let key = Key {
        name,
        span: tag_span,
    };
    Node::new(span, Kind::Map(vec![(key, value)]))
}

/// The offset just past the closing quote of the quoted scalar opening at `at`.
fn quoted_end(bytes: &[u8], at: usize) -> Option<usize> {
    let quote = *bytes.get(at).filter(|&&q| q == b'\'' || q == b'"')?;
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 1,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            b if b == quote => return Some(i + 1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Finds the tag among the node properties (`&anchor`, `!tag`, in either order) that start at
/// `start`, and where the node's content begins (after them, blanks and comments), never past
/// `end`.
fn properties(text: &str, start: usize, end: usize) -> (Option<Span>, usize) {
    let bytes = text.as_bytes();
    let mut at = start;
    let mut tag = None;
    for _ in 0..2 {
        let first = match bytes.get(at) {
            Some(&b) if (b == b'!' || b == b'&') && at < end => b,
            _ => break,
        };
        let from = at;
        if bytes.get(at..at + 2) == Some(b"!<") {
            while at < bytes.len() && bytes[at] != b'>' {
                at += 1;
            }
            at = (at + 1).min(bytes.len());
        } else {
            while at < bytes.len() && !b" \t\r\n,[]{}".contains(&bytes[at]) {
                at += 1;
            }
        }
        if first == b'!' {
            tag = Some(Span::new(from, at));
        }
        loop {
            match bytes.get(at) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
                Some(b'#') => {
                    while at < bytes.len() && bytes[at] != b'\n' {
                        at += 1;
                    }
                }
                _ => break,
            }
        }
    }
    (tag, at.min(end.max(start)))
}

/// Types a plain scalar with the YAML 1.2 core schema (hex/octal and `.inf`/`.nan` stay
/// strings: templates mean them as text).
fn plain_scalar(value: Cow<'_, str>) -> Kind {
    match &*value {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        s if is_number(s) => Kind::Num(value.into_owned()),
        _ => Kind::Str(value.into_owned()),
    }
}

/// Types a scalar carrying a core-schema tag (`!!str 12` is a string, `!!int "12"` a number).
fn core_scalar(suffix: &str, value: Cow<'_, str>) -> Kind {
    match (suffix, plain_scalar(Cow::Borrowed(&value))) {
        ("null", Kind::Null) | ("bool", Kind::Bool(_)) => plain_scalar(value),
        ("int" | "float", Kind::Num(_)) => Kind::Num(value.into_owned()),
        _ => Kind::Str(value.into_owned()),
    }
}

/// `[-+]? (digits (. digits*)? | . digits) ([eE] [-+]? digits)?`
fn is_number(s: &str) -> bool {
    fn digits(b: &[u8], i: &mut usize) -> usize {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    }
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let whole = digits(b, &mut i);
    let mut fraction = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        fraction = digits(b, &mut i);
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(b, &mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Converts saphyr's character indices to byte offsets. Identity for ASCII text; otherwise a
/// cursor walks from the previous position, so ordered lookups cost O(n) in total.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        Offsets {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, index: usize) -> usize {
        if self.ascii {
            return index.min(self.text.len());
        }
        let bytes = self.text.as_bytes();
        while self.chars < index && self.bytes < bytes.len() {
            self.bytes += match bytes[self.bytes] {
                0..=0x7F => 1,
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            self.chars += 1;
        }
        while self.chars > index && self.bytes > 0 {
            self.bytes -= 1;
            while !self.text.is_char_boundary(self.bytes) {
                self.bytes -= 1;
            }
            self.chars -= 1;
        }
        self.bytes.min(bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn load(text: &str) -> Parsed {
        parse_yaml(text).unwrap_or_else(|e| panic!("{text:?} failed: {e:?}"))
    }

    fn root(text: &str) -> Node {
        load(text).root
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    fn str_(s: &str) -> Kind {
        Kind::Str(s.into())
    }

    /// The `{name: value}` a short tag turns into, returning the key and the value.
    fn single<'n>(node: &'n Node, name: &str) -> (&'n Key, &'n Node) {
        let entries = node.as_map().expect("a map");
        assert_eq!(entries.len(), 1, "{node:?}");
        assert_eq!(entries[0].0.name, name);
        (&entries[0].0, &entries[0].1)
    }

    #[test]
    fn key_and_value_spans() {
        let text = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket # c\n    Tags: [a, \"b\"]\n";
        let r = root(text);
        let (key, bucket) = r.get("Resources").unwrap().entry("Bucket").unwrap();
        assert_eq!(at(text, key.span), "Bucket");
        let (key, value) = bucket.entry("Type").unwrap();
        assert_eq!(at(text, key.span), "Type");
        assert_eq!(at(text, value.span), "AWS::S3::Bucket");
        let tags = bucket.get("Tags").unwrap();
        assert_eq!(at(text, tags.span), "[a, \"b\"]");
        assert_eq!(at(text, tags.as_seq().unwrap()[1].span), "\"b\"");
        // Block collections end at their last character, not at the next token.
        assert_eq!(
            at(text, bucket.span),
            "Type: AWS::S3::Bucket # c\n    Tags: [a, \"b\"]"
        );
        assert_eq!(r.span.start, 0);
    }

    #[test]
    fn spans_after_non_ascii_text() {
        let text = "Desc: \"café 🔑\" # é\n🔑: é\nNext:\n  - ünï\n  - ok\n";
        let r = root(text);
        let (key, value) = r.entry("🔑").unwrap();
        assert_eq!(at(text, key.span), "🔑");
        assert_eq!(at(text, value.span), "é");
        let (key, value) = r.entry("Next").unwrap();
        assert_eq!(at(text, key.span), "Next");
        assert_eq!(at(text, value.span), "- ünï\n  - ok");
        assert_eq!(at(text, value.as_seq().unwrap()[1].span), "ok");
    }

    #[test]
    fn ref_condition_and_unknown_tags() {
        let text = "A: !Ref Target\nB: !Condition IsProd\nC: !Foo bar\n";
        let r = root(text);
        let a = r.get("A").unwrap();
        assert_eq!(at(text, a.span), "!Ref Target");
        let (key, value) = single(a, "Ref");
        assert_eq!(at(text, key.span), "!Ref");
        assert_eq!(value.kind, str_("Target"));
        assert_eq!(at(text, value.span), "Target");
        let (_, value) = single(r.get("B").unwrap(), "Condition");
        assert_eq!(value.kind, str_("IsProd"));
        let (_, value) = single(r.get("C").unwrap(), "Fn::Foo");
        assert_eq!(value.kind, str_("bar"));
    }

    #[test]
    fn get_att_scalar_and_list() {
        let text = "A: !GetAtt Role.Arn\nB: !GetAtt [Role, Arn]\nC: !GetAtt Db.Endpoint.Address\nD: !GetAtt 'Q.R'\n";
        let r = root(text);
        let (key, value) = single(r.get("A").unwrap(), "Fn::GetAtt");
        assert_eq!(at(text, key.span), "!GetAtt");
        let parts = value.as_seq().unwrap();
        assert_eq!(parts[0].kind, str_("Role"));
        assert_eq!(parts[1].kind, str_("Arn"));
        assert_eq!(at(text, parts[0].span), "Role");
        assert_eq!(at(text, parts[1].span), "Arn");
        let (_, value) = single(r.get("B").unwrap(), "Fn::GetAtt");
        assert_eq!(at(text, value.span), "[Role, Arn]");
        assert_eq!(value.as_seq().unwrap()[1].kind, str_("Arn"));
        let (_, value) = single(r.get("C").unwrap(), "Fn::GetAtt");
        let parts = value.as_seq().unwrap();
        assert_eq!(parts[0].kind, str_("Db"));
        assert_eq!(parts[1].kind, str_("Endpoint.Address"));
        let (_, value) = single(r.get("D").unwrap(), "Fn::GetAtt");
        assert_eq!(at(text, value.as_seq().unwrap()[1].span), "R");
    }

    #[test]
    fn sub_join_select_if_equals() {
        let text = "\
S1: !Sub 'arn:${AWS::Partition}:s3:::${B}'
S2: !Sub
  - 'x-${N}'
  - N: !Ref Name
J: !Join [':', [a, !Ref B]]
Sel: !Select [0, !GetAZs '']
I: !If [IsProd, !Ref Key, !Ref AWS::NoValue]
E: !Equals [!Ref Env, prod]
";
        let r = root(text);
        let (_, s1) = single(r.get("S1").unwrap(), "Fn::Sub");
        assert_eq!(s1.kind, str_("arn:${AWS::Partition}:s3:::${B}"));
        let s2 = r.get("S2").unwrap();
        assert_eq!(at(text, s2.span), "!Sub\n  - 'x-${N}'\n  - N: !Ref Name");
        let (key, list) = single(s2, "Fn::Sub");
        assert_eq!(at(text, key.span), "!Sub");
        assert_eq!(at(text, list.span), "- 'x-${N}'\n  - N: !Ref Name");
        let vars = &list.as_seq().unwrap()[1];
        let (_, name) = single(vars.get("N").unwrap(), "Ref");
        assert_eq!(name.kind, str_("Name"));
        let (_, join) = single(r.get("J").unwrap(), "Fn::Join");
        let inner = join.as_seq().unwrap()[1].as_seq().unwrap();
        single(&inner[1], "Ref");
        let (_, sel) = single(r.get("Sel").unwrap(), "Fn::Select");
        let sel = sel.as_seq().unwrap();
        assert_eq!(sel[0].kind, Kind::Num("0".into()));
        let (key, azs) = single(&sel[1], "Fn::GetAZs");
        assert_eq!(at(text, key.span), "!GetAZs");
        assert_eq!(azs.kind, str_(""));
        let (_, cond) = single(r.get("I").unwrap(), "Fn::If");
        let cond = cond.as_seq().unwrap();
        assert_eq!(cond[0].kind, str_("IsProd"));
        single(&cond[2], "Ref");
        let (_, eq) = single(r.get("E").unwrap(), "Fn::Equals");
        assert_eq!(eq.as_seq().unwrap()[1].kind, str_("prod"));
    }

    #[test]
    fn tag_on_a_mapping() {
        let text = "T: !Transform\n  Name: AWS::Include\n  Parameters: {Location: s3://b/k}\nF: !Base64 {a: 1}\n";
        let r = root(text);
        let t = r.get("T").unwrap();
        let (key, map) = single(t, "Fn::Transform");
        assert_eq!(at(text, key.span), "!Transform");
        assert_eq!(map.get("Name").unwrap().kind, str_("AWS::Include"));
        assert_eq!(
            at(text, t.span),
            "!Transform\n  Name: AWS::Include\n  Parameters: {Location: s3://b/k}"
        );
        let (_, flow) = single(r.get("F").unwrap(), "Fn::Base64");
        assert_eq!(at(text, flow.span), "{a: 1}");
    }

    #[test]
    fn core_tags_are_types_not_functions() {
        let r = root("a: !!str 12\nb: !!int \"7\"\nc: !!map {x: 1}\nd: ! 5\ne: !!bool nope\n");
        assert_eq!(r.get("a").unwrap().kind, str_("12"));
        assert_eq!(r.get("b").unwrap().kind, Kind::Num("7".into()));
        assert!(r.get("c").unwrap().get("x").is_some());
        assert_eq!(r.get("d").unwrap().kind, str_("5"));
        assert_eq!(r.get("e").unwrap().kind, str_("nope"));
    }

    #[test]
    fn plain_scalar_typing() {
        let text = "[null, ~, Null, '', true, False, TRUE, 12, -3, +4, 1.5, 1e3, .5, 2., 0x1F, \
                    .inf, \"2\", '3', yes, 2010-09-09, 1.2.3, -x, 1e, 'null']";
        let r = root(text);
        let kinds: Vec<&Kind> = r.as_seq().unwrap().iter().map(|n| &n.kind).collect();
        let num = |s: &str| Kind::Num(s.into());
        let expected = [
            Kind::Null,
            Kind::Null,
            Kind::Null,
            str_(""),
            Kind::Bool(true),
            Kind::Bool(false),
            Kind::Bool(true),
            num("12"),
            num("-3"),
            num("+4"),
            num("1.5"),
            num("1e3"),
            num(".5"),
            num("2."),
            str_("0x1F"),
            str_(".inf"),
            str_("2"),
            str_("3"),
            str_("yes"),
            str_("2010-09-09"),
            str_("1.2.3"),
            str_("-x"),
            str_("1e"),
            str_("null"),
        ];
        assert_eq!(kinds, expected.iter().collect::<Vec<_>>());
    }

    #[test]
    fn empty_values_and_block_scalars() {
        let text = "a:\nb: |\n  line\n\n\nc:\n  -\n  - x\n";
        let r = root(text);
        let a = r.get("a").unwrap();
        assert_eq!(a.kind, Kind::Null);
        assert_eq!(a.span, Span::new(2, 2));
        let b = r.get("b").unwrap();
        assert_eq!(b.kind, str_("line\n"));
        assert_eq!(at(text, b.span), "line");
        let c = r.get("c").unwrap();
        assert_eq!(c.as_seq().unwrap()[0].kind, Kind::Null);
        assert_eq!(at(text, r.span), text.trim_end());
    }

    #[test]
    fn duplicate_keys_warn_and_last_wins() {
        let text = "A: 1\nB: 2\nA: 3\n";
        let parsed = load(text);
        assert_eq!(parsed.root.as_map().unwrap().len(), 3);
        assert_eq!(parsed.root.get("A").unwrap().kind, Kind::Num("3".into()));
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(
            parsed.warnings[0].message,
            "duplicate key `A` (the last one wins)"
        );
        assert_eq!(parsed.warnings[0].span, Span::new(10, 11));
    }

    #[test]
    fn crlf_spans_are_exact() {
        let text = "Resources:\r\n  B:\r\n    Type: X # c\r\n    P: !Ref Y\r\n";
        let r = root(text);
        let b = r.get("Resources").unwrap().get("B").unwrap();
        assert_eq!(at(text, b.span), "Type: X # c\r\n    P: !Ref Y");
        let (key, value) = b.entry("Type").unwrap();
        assert_eq!((at(text, key.span), at(text, value.span)), ("Type", "X"));
        assert_eq!(at(text, b.get("P").unwrap().span), "!Ref Y");
    }

    #[test]
    fn bom_is_accepted_and_counted_in_spans() {
        let text = "\u{feff}Key: é\nOther: [1]\n";
        let r = root(text);
        let (key, value) = r.entry("Key").unwrap();
        assert_eq!(key.span, Span::new(3, 6));
        assert_eq!(at(text, value.span), "é");
        assert_eq!(at(text, r.get("Other").unwrap().span), "[1]");
    }

    #[test]
    fn aliases_clone_the_anchored_node() {
        let text = "base: &b {x: 1, y: [2]}\ncopy: *b\nname: &n hello\nagain: *n\n";
        let r = root(text);
        assert_eq!(r.get("copy").unwrap().kind, r.get("base").unwrap().kind);
        assert_eq!(r.get("again").unwrap().kind, str_("hello"));
        assert_eq!(at(text, r.get("base").unwrap().span), "{x: 1, y: [2]}");
        // Anchored keys, aliases as keys, nested anchors and an anchored root.
        let text = "&k key: &outer [&inner {v: 1}, *inner]\n*k : *outer\n";
        let r = root(text);
        let outer = r.get("key").unwrap().as_seq().unwrap();
        assert_eq!(outer[0], outer[1]);
        assert_eq!(r.as_map().unwrap()[1].0.name, "key");
        assert_eq!(r.as_map().unwrap()[1].1.as_seq().unwrap().len(), 2);
        assert_eq!(root("&r [1, 2]").as_seq().unwrap().len(), 2);
        let err = parse_yaml("a: &x [*x]\n").unwrap_err();
        assert!(err.message.contains("recursive"), "{err:?}");
    }

    #[test]
    fn alias_bomb_is_stopped_quickly() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let started = Instant::now();
        let err = parse_yaml(&text).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(err.message, ALIAS_BOMB);
        assert!(at(&text, err.span).starts_with('*'), "{err:?}");
    }

    #[test]
    fn alias_copies_are_bounded_in_bytes_and_depth() {
        let big = "x".repeat(1 << 20);
        let text = format!("a: &a \"{big}\"\nb: [{}]\n", vec!["*a"; 100].join(","));
        assert_eq!(parse_yaml(&text).unwrap_err().message, ALIAS_BOMB);
        // 250 levels aliased 300 levels deep would nest 550 deep.
        let nested = format!("{}{}", "[".repeat(250), "]".repeat(250));
        let deep = format!("a: &a {nested}\nb:\n  {}*a\n", "- ".repeat(300));
        let err = parse_yaml(&deep).err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("YAML nesting is deeper than 512 levels")
        );
        let shallow = format!("a: &a {nested}\nb:\n  {}*a\n", "- ".repeat(200));
        assert!(parse_yaml(&shallow).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = "[".repeat(10_000);
        assert!(parse_yaml(&flow).is_err());
        let flow_maps = "{a: ".repeat(10_000);
        assert!(parse_yaml(&flow_maps).is_err());
        for depth in [10_000, 100_000] {
            let block = "- ".repeat(depth) + "x\n";
            let err = parse_yaml(&block).unwrap_err();
            assert_eq!(err.message, "YAML nesting is deeper than 512 levels");
            assert_eq!(err.span.start, 2 * 512);
        }
        let mut maps = String::new();
        for level in 0..600 {
            maps.push_str(&format!("{}k{level}:\n", " ".repeat(level)));
        }
        assert!(parse_yaml(&maps)
            .unwrap_err()
            .message
            .contains("deeper than 512"));
        // 512 levels are fine.
        let ok = "- ".repeat(512) + "x\n";
        assert!(parse_yaml(&ok).is_ok());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let text = "Resources:\n  B: [1, 2\n";
        let err = parse_yaml(text).unwrap_err();
        assert!(err.message.starts_with("invalid YAML: "), "{err:?}");
        assert!(err.span.is_empty());
        assert!(err.span.start as usize >= text.find('[').unwrap());
        let text = "a: \"unterminated é\n";
        let err = parse_yaml(text).unwrap_err();
        assert!(err.span.start as usize <= text.len());
        let text = "a: b\n c: d\n";
        let err = parse_yaml(text).unwrap_err();
        assert!(err.span.start as usize >= 4, "{err:?}");
    }

    #[test]
    fn empty_and_multi_document_streams() {
        for text in ["", "\n\n", "# only a comment\n", "---\n", "\u{feff}"] {
            assert_eq!(root(text).kind, Kind::Null, "{text:?}");
        }
        let r = root("---\na: 1\n---\nb: 2\n");
        assert!(r.get("a").is_some() && r.get("b").is_none());
    }

    #[test]
    fn offsets_walk_both_ways() {
        let text = "aé🔑b";
        let mut offsets = Offsets::new(text);
        assert_eq!(offsets.byte(3), 7);
        assert_eq!(offsets.byte(1), 1);
        assert_eq!(offsets.byte(2), 3);
        assert_eq!(offsets.byte(99), text.len());
        assert_eq!(offsets.byte(0), 0);
    }
}
