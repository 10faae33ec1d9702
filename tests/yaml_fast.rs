//! The fast YAML loader (`src/parse/yaml/fast.rs`) against saphyr-parser: whatever the fast path
//! accepts must load to exactly the tree, spans and warnings saphyr-parser gives. Checked on
//! hand-written cases, on every YAML file of the fixtures and examples, on the real-world corpus
//! (`../shared/corpus`, read in place; skipped with a message when absent), and on mutations of
//! those files (lines deleted, re-indented, duplicated; characters inserted; text cut short), so
//! that the fast path is also shown to give up on what is not valid YAML.

use std::path::{Path, PathBuf};

use lenslint::parse::yaml::{parse_yaml, parse_yaml_fast, parse_yaml_saphyr};
use lenslint::tree::{Kind, Node};

/// Where two trees first differ (a path and both sides), for a readable failure.
fn first_diff(a: &Node, b: &Node, path: &str) -> Option<String> {
    let show = |n: &Node| match &n.kind {
        Kind::Seq(items) => format!("seq of {} @ {:?}", items.len(), n.span),
        Kind::Map(entries) => format!("map of {} @ {:?}", entries.len(), n.span),
        other => format!("{other:?} @ {:?}", n.span),
    };
    match (&a.kind, &b.kind) {
        (Kind::Seq(x), Kind::Seq(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_diff(p, q, &format!("{path}[{i}]")))
            .or_else(|| (a.span != b.span).then(|| format!("{path}: {a:?} vs {b:?}"))),
        (Kind::Map(x), Kind::Map(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .find_map(|((k, p), (l, q))| {
                if k != l {
                    Some(format!("{path}: key {k:?} vs {l:?}"))
                } else {
                    first_diff(p, q, &format!("{path}.{}", k.name))
                }
            })
            .or_else(|| {
                (a.span != b.span).then(|| format!("{path}: {:?} vs {:?}", a.span, b.span))
            }),
        _ if a == b => None,
        _ => Some(format!("{path}: fast {} vs saphyr {}", show(a), show(b))),
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_symlink() {
            continue;
        }
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "template")
        ) {
            out.push(path);
        }
    }
}

/// Compares the two loaders on `text`; true when the fast path accepted it.
fn agree(name: &str, text: &str) -> bool {
    let Some(fast) = parse_yaml_fast(text) else {
        return false;
    };
    match parse_yaml_saphyr(text) {
        Ok(slow) => assert!(
            fast == slow,
            "{name}: the fast YAML loader disagrees with saphyr-parser: {}\nwarnings: {:?} vs {:?}",
            first_diff(&fast.root, &slow.root, "").unwrap_or_default(),
            fast.warnings,
            slow.warnings
        ),
        Err(e) => panic!("{name}: the fast YAML loader accepted what saphyr-parser rejects: {e:?}"),
    }
    // The public loader takes the fast path.
    assert!(parse_yaml(text).ok() == Some(fast), "{name}: parse_yaml");
    true
}

/// Documents the fast path reads itself.
const TAKEN: &[&str] = &[
    "A:\n  B: !Sub '{\n    \"x\": 1\n  }'\n  C: \"a\nb\n c\"\n",
    "- A: 'one\ntwo'\n",
    "A: 'e'   # c\nB: \"f\" # c2\n",
    "A: plain\n  continued\n\n  after a blank\nB: x\n",
    "Description:\n  on the next line\n  and the one after\n",
    "- a\n  b\n- c\n",
    "A: 'multi\n  line'\nB: \"two\n\n   \\t lines \"\n",
    "Key : v\n\"q\"  : w\n",
    "A: >-\n\n  import x\n\n  def f():\n      return 1\n  end\n",
    "A: >\n  a\n    indented\n  b\n\n  c\n",
    "A:\n  !Sub 'x'\nB:\n  !If\n  - c\n  - d\n",
    "- Assert: !Not\n  - !Equals\n    - a\n    - b\n  Description: d\n",
    "A: {a: b, c: d,}\n",
    "A: 'multi\n  line'\n",
    "A: plain\n  continued\n",
    "A: 1\n",
    "---\nA: 1\n",
    "--- # c\nA: 1\n...\n",
    "# only a comment\n",
    "",
    "A:\nB: ~\nC: null\nD: true\nE: 1.5e3\nF: -1\nG: .5\nH: 0x1F\n",
    "A: 'q''s'\nB: \"d\\n\\t\\u00e9\\x41\\/\\\\\"\nC: ''\nD: \"\"\n",
    "\"k\": v\n'k2': v\n",
    "A: !Ref B\nC: !GetAtt D.Arn\nE: !GetAtt [F, Arn]\nG: !Sub 'x-${H}'\nI: !Ref\n",
    "A: !If\n  - C\n  - !Ref X\n  - !Ref AWS::NoValue\n",
    "A: !Join\n  - ''\n  - - a\n    - !Ref B\n",
    "A: !Base64\n  Fn::Sub: |\n    #!/bin/bash\n    echo ${X}\n",
    "A: !Sub |\n  x ${Y}\n\n  z\nB: 1\n",
    "H: |\n  a\n\n   \n  b  \n# c\nI: x\n",
    "J: >\n  f1\n  f2\n\n  f3\n\nK: |+\n  k\n\nL: |-\n  l\nM: >-\n  m\n",
    "A: |\n\n  after a blank\nB: >\n\n\n  two blanks\n",
    "A: |\n  trailing spaces line\n     \nB: 1\n",
    "A: [a, \"b\", 'c', 1, true]\nB: {x: y, 'z': [1, 2], \"w\":v}\nC: []\nD: {}\nE: [a, b, ]\n",
    "A: [\n  a,\n  b\n  ]\nB: {\n  x: 1,\n  y: 2 }\n",
    "A: [arn:aws:s3:::b/*, \"arn:aws:s3:::c\"]\n",
    "A: !If [C, !Ref A, !Ref \"AWS::NoValue\"]\nB: !Select [0, !GetAZs '']\n",
    "A:\n- a\n- b\nC:\n  - k: v\n    l: w\n  -\n  - - x\n    - y\n",
    "- a\n- b: c\n  d: e\n-\n",
    "A:\n  plain on next\nB:\n  'quoted on next'\n",
    "A: plain words  here   \nB: x # c\nC: a:b\nD: http://x/y#z\n",
    "A: é\n'ü': \"ñ ${x}\"\nB: 日本\n",
    "A: 1\nA: 2\n",
    "  A: 1\n  B:\n    C: 2\n",
    "A: !Sub\n  - 'x${Y}'\n  - Y: !Ref Z\n",
    "A: !Equals [!Ref Env, prod]\n",
    "A:\n  # comment\n  B: 1 # c\n\n  # c2\n  C: 2\n",
];

/// Documents the fast path leaves to saphyr-parser (errors, and what it does not read).
const LEFT: &[&str] = &[
    "A:\n  B: 'x\n---\n  y'\n",
    "A:\n  B: 'x\n\ty'\n",
    "A: -1\nB: - \n",
    "A: 'e'   # c\nB: \"f\"\t# tab\n",
    "A: 1\n---\nB: 2\n",
    "A: b: c\n",
    "A: [a, b\n",
    "A: 'open\n",
    "A:\n  - a\n  b: c\n",
    "A: &x 1\nB: *x\n",
    "%YAML 1.2\n---\nA: 1\n",
    "A: |2\n   x\n",
    "A:\tb\n",
    "A: 1\r\nB: 2\r\n",
    "? a\n: b\n",
    "A: [a: b]\n",
    "A: {a}\n",
    "A: !!str 1\n",
    "A: !<tag:x> 1\n",
    "A: |\n  no final break",
    "[a, b]\n",
    "scalar\n",
    "A: x\n B: y\n",
];

#[test]
fn hand_written_cases_agree() {
    for (i, case) in TAKEN.iter().enumerate() {
        assert!(
            agree(&format!("case {i} {case:?}"), case),
            "the fast path left case {i} {case:?} to saphyr-parser"
        );
    }
    for (i, case) in LEFT.iter().enumerate() {
        assert!(
            parse_yaml_fast(case).is_none(),
            "the fast path took case {i} {case:?}"
        );
        // Whatever saphyr-parser makes of it is what parse_yaml gives.
        assert!(
            parse_yaml(case) == parse_yaml_saphyr(case),
            "case {i} {case:?}"
        );
    }
}

#[test]
fn fixtures_and_examples_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["fixtures", "examples", "tests/data"] {
        yaml_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} YAML files", files.len());
    let mut accepted = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        accepted += usize::from(agree(&path.display().to_string(), &text));
    }
    assert!(
        accepted * 10 >= files.len() * 9,
        "fast path took {accepted} of {} files",
        files.len()
    );
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return None;
    }
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    Some(files)
}

#[test]
fn corpus_agrees() {
    let Some(files) = corpus_files() else {
        return;
    };
    let mut accepted = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let took = agree(&path.display().to_string(), &text);
        accepted += usize::from(took);
        if let (false, Some(at)) = (took, lenslint::parse::yaml::fast_path_stop(&text)) {
            let line = text[..at.min(text.len())].matches('\n').count() + 1;
            let from = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
            let to = text[from..].find('\n').map_or(text.len(), |i| from + i);
            eprintln!(
                "left to saphyr: {}:{line}: {:?}",
                path.display(),
                &text[from..to]
            );
        }
    }
    eprintln!("fast path took {accepted} of {} corpus files", files.len());
    assert!(
        accepted * 10 >= files.len() * 9,
        "fast path took {accepted} of {} corpus files",
        files.len()
    );
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `text`: a line deleted, duplicated or re-indented, a character inserted, or
/// the text cut short.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = rng.below(lines.len());
    let mut out = String::with_capacity(text.len() + 8);
    match rng.below(6) {
        0 => {
            for (i, l) in lines.iter().enumerate() {
                if i != n {
                    out.push_str(l);
                }
            }
        }
        1 => {
            for (i, l) in lines.iter().enumerate() {
                out.push_str(l);
                if i == n {
                    out.push_str(l);
                }
            }
        }
        2 | 3 => {
            let shift = ["", " ", "  ", "   ", "    "][rng.below(5)];
            for (i, l) in lines.iter().enumerate() {
                if i == n {
                    let trimmed = l.trim_start_matches(' ');
                    let keep = (l.len() - trimmed.len()).saturating_sub(rng.below(3));
                    out.push_str(&l[..keep]);
                    out.push_str(shift);
                    out.push_str(trimmed);
                } else {
                    out.push_str(l);
                }
            }
        }
        4 => {
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            const INSERTS: &[&str] = &[
                ":", ": ", "- ", "'", "\"", "[", "]", "{", "}", "#", " #", "\t", "!", "|", ">",
                ",", "\n", "\n  ", "&a ", "*a", "? ", "\\", "\r", " |-\n", ">+", "''", "\\x4",
                "\\u00e9", "é", "!Ref ", "!!str ", "---\n", "...\n", "%", "@", "`", "\n\n",
            ];
            let insert = INSERTS[rng.below(INSERTS.len())];
            out.push_str(&text[..at]);
            out.push_str(insert);
            out.push_str(&text[at..]);
        }
        _ => {
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            out.push_str(&text[..at]);
        }
    }
    out
}

/// Mutations per file: `YAML_FAST_MUTATIONS` (and `YAML_FAST_SEED`) run more for a deeper
/// search than CI's.
fn mutations_agree(files: &[PathBuf], per_file: usize, max_bytes: usize, seed: u64) -> usize {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let per_file = env("YAML_FAST_MUTATIONS").map_or(per_file, |n| n as usize);
    let mut rng = Rng(env("YAML_FAST_SEED").unwrap_or(seed) | 1);
    let mut accepted = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if text.len() > max_bytes {
            continue;
        }
        for k in 0..per_file {
            let mut mutated = mutate(&text, &mut rng);
            for _ in 0..rng.below(3) {
                mutated = mutate(&mutated, &mut rng);
            }
            let name = format!("{} (mutation {k})", path.display());
            if agree(&name, &mutated) {
                accepted += 1;
            }
        }
    }
    accepted
}

#[test]
fn mutated_fixtures_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["fixtures", "examples"] {
        yaml_files(&root.join(dir), &mut files);
    }
    let accepted = mutations_agree(&files, 12, 16 << 10, 0x9E37_79B9_7F4A_7C15);
    assert!(accepted > 0);
}

#[test]
fn mutated_corpus_agrees() {
    let Some(files) = corpus_files() else {
        return;
    };
    let accepted = mutations_agree(&files, 4, 24 << 10, 0xD1B5_4A32_D192_ED03);
    assert!(accepted > 0);
}
