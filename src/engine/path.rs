//! Walking a rule path (`A.B[*].C`) through resolved properties.
//!
//! The walk yields one `Slot` per place the path reaches: a present value (with the key that
//! holds it, which is where a finding points), an absent property, or a value the template does
//! not decide. A key step applied to a list applies to every element, so a Terraform nested
//! block (a list of maps) and an object attribute (a map) read the same; `[*]` on a map is the
//! map itself, and on a scalar the scalar (IAM's `Action: "s3:*"` is a one-element list).

use super::cond::Segment;
use crate::tree::{Key, Kind, Node, Span};

#[derive(Debug, Clone)]
pub enum Slot<'a> {
    Present {
        key: Option<&'a Key>,
        node: &'a Node,
        path: String,
    },
    Absent {
        path: String,
    },
    /// `leaf`: the value at the end of the path is there but not known; otherwise a
    /// container on the way is not known, so even whether the property exists is not.
    Unknown {
        why: String,
        span: Span,
        leaf: bool,
    },
}

fn join(p: &str, name: &str) -> String {
    if p.is_empty() {
        name.to_string()
    } else {
        format!("{p}.{name}")
    }
}

fn unknown_of(node: &Node) -> Option<String> {
    match &node.kind {
        Kind::Unknown(why) => Some(why.clone()),
        Kind::Ref(r) => Some(format!("{r} is decided at deploy time")),
        Kind::Template(_) => Some("a string with unresolved parts".into()),
        _ => None,
    }
}

/// Follows `segments` from `root` and returns every slot reached.
pub fn walk<'a>(root: &'a Node, segments: &[Segment]) -> Vec<Slot<'a>> {
    let mut out = Vec::new();
    let mut cur: Vec<(Option<&'a Key>, &'a Node, String)> = vec![(None, root, String::new())];
    for seg in segments {
        let mut next = Vec::new();
        for (key, node, p) in cur {
            step(key, node, p, seg, &mut next, &mut out);
        }
        cur = next;
    }
    for (key, node, path) in cur {
        if let Some(why) = unknown_of(node).filter(|_| matches!(node.kind, Kind::Unknown(_))) {
            out.push(Slot::Unknown {
                why,
                span: node.span,
                leaf: !node.is_maybe_absent(),
            });
        } else if matches!(node.kind, Kind::Null) {
            out.push(Slot::Absent { path });
        } else {
            out.push(Slot::Present { key, node, path });
        }
    }
    out
}

fn step<'a>(
    key: Option<&'a Key>,
    node: &'a Node,
    p: String,
    seg: &Segment,
    next: &mut Vec<(Option<&'a Key>, &'a Node, String)>,
    out: &mut Vec<Slot<'a>>,
) {
    if let Some(why) = unknown_of(node) {
        out.push(Slot::Unknown {
            why,
            span: node.span,
            leaf: false,
        });
        return;
    }
    match (seg, &node.kind) {
        (_, Kind::Null) => out.push(Slot::Absent { path: p }),
        (_, Kind::JsonText(_, doc)) => step(key, doc, p, seg, next, out),
        (Segment::Key(name), Kind::Map(_)) => match node.entry(name) {
            Some((k, v)) => next.push((Some(k), v, join(&p, name))),
            None => out.push(Slot::Absent {
                path: join(&p, name),
            }),
        },
        (Segment::Key(name), Kind::Seq(items)) => {
            if items.is_empty() {
                out.push(Slot::Absent {
                    path: join(&p, name),
                });
            }
            for (i, item) in items.iter().enumerate() {
                step(key, item, format!("{p}[{i}]"), seg, next, out);
            }
        }
        (Segment::Key(_), _) => out.push(Slot::Unknown {
            why: format!("`{p}` is {}, not a map", node.describe()),
            span: node.span,
            leaf: false,
        }),
        (Segment::All, Kind::Seq(items)) => {
            if items.is_empty() {
                out.push(Slot::Absent {
                    path: format!("{p}[*]"),
                });
            }
            for (i, item) in items.iter().enumerate() {
                next.push((key, item, format!("{p}[{i}]")));
            }
        }
        (Segment::All, _) => next.push((key, node, p)),
        (Segment::Index(n), Kind::Seq(items)) => match items.get(*n) {
            Some(item) => next.push((key, item, format!("{p}[{n}]"))),
            None => out.push(Slot::Absent {
                path: format!("{p}[{n}]"),
            }),
        },
        (Segment::Index(0), _) => next.push((key, node, p)),
        (Segment::Index(n), _) => out.push(Slot::Absent {
            path: format!("{p}[{n}]"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cond::parse_path;

    fn s(v: &str) -> Node {
        Node::str(Span::default(), v)
    }
    fn k(n: &str) -> Key {
        Key {
            name: n.into(),
            span: Span::default(),
        }
    }
    fn map(e: Vec<(&str, Node)>) -> Node {
        Node::new(
            Span::default(),
            Kind::Map(e.into_iter().map(|(a, b)| (k(a), b)).collect()),
        )
    }
    fn seq(e: Vec<Node>) -> Node {
        Node::new(Span::default(), Kind::Seq(e))
    }

    #[test]
    fn walks_lists_maps_and_unknowns() {
        let root = map(vec![(
            "F",
            seq(vec![
                map(vec![("Type", s("HATE"))]),
                map(vec![]),
                Node::unknown(Span::default(), "x"),
            ]),
        )]);
        let slots = walk(&root, &parse_path("F[*].Type").unwrap().segments);
        assert_eq!(slots.len(), 3);
        assert!(matches!(&slots[0], Slot::Absent { path } if path == "F[1].Type"));
        assert!(matches!(&slots[1], Slot::Unknown { .. }));
        assert!(matches!(&slots[2], Slot::Present { path, .. } if path == "F[0].Type"));
        // implicit flattening without [*]
        let slots = walk(&root, &parse_path("F.Type").unwrap().segments);
        assert_eq!(slots.len(), 3);
        let slots = walk(&root, &parse_path("G.H").unwrap().segments);
        assert!(matches!(&slots[0], Slot::Absent { path } if path == "G"));
    }
}
