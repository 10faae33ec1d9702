//! A fast path for the YAML that templates are written in: block mappings and sequences,
//! plain and quoted scalars (over several lines too), literal and folded block scalars, flow
//! collections and CloudFormation short tags (`!Ref X`). It reads bytes directly and drives the
//! same [`Loader`] as saphyr-parser's events do, so the tree, spans, typing, tags,
//! duplicate-key warnings and budgets are the loader's either way. It reads almost three times
//! as fast as saphyr-parser (`cargo bench --bench parse -- parse_yaml`: 129 vs 45 MB/s).
//!
//! Anything else (anchors and aliases, directives, complex keys, multi-line scalars inside
//! flow collections, carriage returns, NULs and byte order marks, tabs where they could matter,
//! indentation indicators, under-indented continuation lines, errors of any kind) makes it give
//! up, and the document is loaded by saphyr-parser from the start. It never decides that a
//! document is invalid: it only accepts what it is sure of, and `tests/yaml_fast.rs` checks
//! that what it accepts loads to exactly what saphyr-parser gives, on every YAML file of the
//! fixtures and the corpus and on mutations of them.

use std::borrow::Cow;

use saphyr_parser::ScalarStyle;

use super::{Body, Loader, Props, Tagging};
use crate::parse::Parsed;

/// Deepest nesting the fast path recurses to (saphyr-parser handles deeper documents).
const MAX_DEPTH: usize = 128;

/// The fast path gave up: load with saphyr-parser.
struct Bail;

type R<T> = Result<T, Bail>;

/// Loads `text`, or `None` when it is left to saphyr-parser.
pub(super) fn load(text: &str) -> Option<Parsed> {
    load_or_stop(text).ok()
}

/// [`load`], or where the fast path stopped (for tests and profiling).
pub(super) fn load_or_stop(text: &str) -> Result<Parsed, usize> {
    let b = text.as_bytes();
    // Carriage returns, NULs (which end saphyr-parser's input) and byte order marks.
    if memchr::memchr2(b'\r', 0, b).is_some()
        || memchr::memmem::find(b, "\u{feff}".as_bytes()).is_some()
    {
        return Err(0);
    }
    let mut fast = Fast {
        src: text,
        b,
        pos: 0,
        indent: None,
        depth: 0,
        relax_rounds: 0,
        max_rounds: super::relax::max_rounds(text),
        loader: Loader::new(text),
    };
    match fast.document() {
        Ok(()) => Ok(fast.loader.into_parsed()),
        Err(Bail) => Err(fast.pos),
    }
}

/// A block mapping key: its value, style, end, and the offset of its `:`.
type Key<'a> = (Cow<'a, str>, ScalarStyle, usize, usize);

/// A tag read before a node: where it starts and what it does.
struct Tag {
    start: usize,
    /// The `!Name` suffix.
    suffix: (usize, usize),
}

struct Fast<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Indentation of the line `pos` is on, when `pos` is at the first character of a content
    /// line; `None` at the end of the text.
    indent: Option<usize>,
    depth: usize,
    /// Re-parses `relax` would have needed for under-indented quoted scalars so far, and the
    /// most it may make (past that, the document is its to decide).
    relax_rounds: usize,
    max_rounds: usize,
    loader: Loader<'a>,
}

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

/// Flow indicators (they end plain scalars inside flow collections).
fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Fast<'a> {
    fn at(&self, i: usize) -> Option<&u8> {
        self.b.get(i)
    }

    fn text(&self, from: usize, to: usize) -> &'a str {
        // Only ever called at boundaries the scanner found next to ASCII bytes.
        self.src.get(from..to).unwrap_or_default()
    }

    fn line_start(&self, at: usize) -> usize {
        memchr::memrchr(b'\n', &self.b[..at]).map_or(0, |i| i + 1)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Bail);
        }
        Ok(())
    }

    /// From the start of a line (or the end of one), skips blank and comment-only lines and
    /// stops at the first character of the next content line, setting `indent`.
    fn next_line(&mut self) -> R<()> {
        loop {
            let start = self.pos;
            let mut i = start;
            while self.at(i) == Some(&b' ') {
                i += 1;
            }
            match self.at(i) {
                None => {
                    self.pos = i;
                    self.indent = None;
                    return Ok(());
                }
                Some(b'\n') => self.pos = i + 1,
                Some(b'#') => {
                    self.pos = memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |n| i + n);
                }
                Some(b'\t') => return Err(Bail),
                Some(_) => {
                    self.pos = i;
                    self.indent = Some(i - start);
                    return Ok(());
                }
            }
        }
    }

    /// Skips blanks and a comment to the end of the line; true (and `pos` at the start of the
    /// next line) when nothing else is on it.
    fn rest_is_empty(&mut self) -> R<bool> {
        let mut i = self.pos;
        let mut blank = i == self.line_start(i);
        loop {
            match self.at(i) {
                Some(b' ') => {
                    blank = true;
                    i += 1
                }
                Some(b'\t') => return Err(Bail),
                Some(b'#') if blank => {
                    i = memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |n| i + n);
                }
                Some(b'\n') => {
                    self.pos = i + 1;
                    return Ok(true);
                }
                None => {
                    self.pos = i;
                    return Ok(true);
                }
                Some(_) => {
                    self.pos = i;
                    return Ok(false);
                }
            }
        }
    }

    fn document(&mut self) -> R<()> {
        self.next_line()?;
        if self.indent.is_none() {
            return Ok(());
        }
        if self.doc_marker(b"---") {
            self.pos += 3;
            if !self.rest_is_empty()? {
                return Err(Bail);
            }
            self.next_line()?;
            if self.indent.is_none() {
                // saphyr-parser gives an empty scalar somewhere after the marker.
                return Err(Bail);
            }
        }
        let Some(indent) = self.indent else {
            return Ok(());
        };
        if self.doc_marker(b"---") || self.doc_marker(b"...") || self.at(self.pos) == Some(&b'%') {
            return Err(Bail);
        }
        let start = self.pos;
        if self.is_entry(start) {
            self.block_seq(indent, None)?;
        } else if let Some(key) = self.key_at(start)? {
            self.block_map(indent, None, key)?;
        } else {
            return Err(Bail);
        }
        match self.indent {
            None => Ok(()),
            // A second document, or the end marker, with nothing after it.
            Some(0) if self.doc_marker(b"---") || self.doc_marker(b"...") => {
                self.pos += 3;
                if !self.rest_is_empty()? {
                    return Err(Bail);
                }
                self.next_line()?;
                match self.indent {
                    None => Ok(()),
                    Some(_) => Err(Bail),
                }
            }
            Some(_) => Err(Bail),
        }
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    fn doc_marker(&self, marker: &[u8]) -> bool {
        self.indent == Some(0)
            && self.b[self.pos..].starts_with(marker)
            && is_blank_or_end(self.at(self.pos + 3))
    }

    /// A block sequence entry indicator at `at`.
    fn is_entry(&self, at: usize) -> bool {
        self.at(at) == Some(&b'-') && is_blank_or_end(self.at(at + 1))
    }

    /// The key of a block mapping entry starting at `at`, if the line holds one: the key's
    /// value, style, end, and the offset of its `:`.
    fn key_at(&self, at: usize) -> R<Option<Key<'a>>> {
        match self.at(at) {
            Some(b'\'' | b'"') => {
                // A quoted scalar over several lines is not a key (the value reader decides).
                let Ok((value, style, end)) = self.quoted(at) else {
                    return Ok(None);
                };
                let mut colon = end;
                while self.at(colon) == Some(&b' ') {
                    colon += 1;
                }
                if self.at(colon) == Some(&b':') && is_blank_or_end(self.at(colon + 1)) {
                    return Ok(Some((value, style, end, colon)));
                }
                Ok(None)
            }
            Some(&c) if self.plain_start(at, c) => {
                let mut i = at;
                while let Some(&c) = self.at(i) {
                    match c {
                        b'\n' => return Ok(None),
                        b'\t' => return Err(Bail),
                        b'#' if self.b[i - 1] == b' ' => return Ok(None),
                        b':' if is_blank_or_end(self.at(i + 1)) => {
                            let mut end = i;
                            while self.b[end - 1] == b' ' {
                                end -= 1;
                            }
                            let key = Cow::Borrowed(self.text(at, end));
                            return Ok(Some((key, ScalarStyle::Plain, end, i)));
                        }
                        _ => i += 1,
                    }
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Whether a plain scalar may start with `c` at `at` (block context); anything unusual is
    /// treated as not (and the callers give up).
    fn plain_start(&self, at: usize, c: u8) -> bool {
        match c {
            b'-' | b'?' | b':' => !is_blank_or_end(self.at(at + 1)),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' | b'\n' => false,
            _ => true,
        }
    }

    /// A block mapping whose keys are at column `indent`; `pos` is at its first key, which
    /// the caller has read (to tell a mapping from a scalar).
    fn block_map(&mut self, indent: usize, tag: Option<Tag>, first_key: Key<'a>) -> R<()> {
        self.enter()?;
        let first = self.pos;
        self.open(Body::Map(Vec::new(), None), tag, first)?;
        let mut next = first_key;
        loop {
            let (key, style, end, colon) = next;
            let start = self.pos;
            self.scalar(key, style, None, start, end)?;
            self.pos = colon + 1;
            self.value(indent, colon, true)?;
            if !self.more_items(indent, false)? {
                break;
            }
            next = self.key_at(self.pos)?.ok_or(Bail)?;
        }
        self.close(self.pos, self.pos);
        self.depth -= 1;
        Ok(())
    }

    /// After an item of a block collection at column `indent` (a sequence when `seq`):
    /// whether another item follows.
    fn more_items(&self, indent: usize, seq: bool) -> R<bool> {
        match self.indent {
            Some(i) if i == indent => {
                if self.doc_marker(b"---") || self.doc_marker(b"...") {
                    return Ok(false);
                }
                match (seq, self.is_entry(self.pos)) {
                    (true, entry) => Ok(entry),
                    // A `-` at a mapping's column is an error.
                    (false, entry) => {
                        if entry {
                            Err(Bail)
                        } else {
                            Ok(true)
                        }
                    }
                }
            }
            Some(i) if i > indent => Err(Bail),
            _ => Ok(false),
        }
    }

    /// A block sequence whose `-` indicators are at column `indent`; `pos` is at the first.
    fn block_seq(&mut self, indent: usize, tag: Option<Tag>) -> R<()> {
        self.enter()?;
        let first = self.pos;
        self.open(Body::Seq(Vec::new()), tag, first)?;
        self.seq_entries(indent)
    }

    /// An indentless sequence (a mapping value whose `-` are at the mapping's column);
    /// saphyr-parser starts it after the first `-` and the blanks and comment that follow.
    fn indentless_seq(&mut self, indent: usize, tag: Option<Tag>) -> R<()> {
        self.enter()?;
        let first = self.after_blanks(self.pos + 1);
        self.open(Body::Seq(Vec::new()), tag, first)?;
        self.seq_entries(indent)
    }

    /// The entries of an open block sequence, from the `-` at `pos`.
    fn seq_entries(&mut self, indent: usize) -> R<()> {
        loop {
            self.pos += 1;
            self.entry(indent)?;
            if !self.more_items(indent, true)? {
                break;
            }
        }
        self.close(self.pos, self.pos);
        self.depth -= 1;
        Ok(())
    }

    /// Past the blanks and the comment after `at` on its line, unless something else is there.
    fn after_blanks(&self, at: usize) -> usize {
        let mut i = at;
        while self.at(i) == Some(&b' ') {
            i += 1;
        }
        if self.at(i) == Some(&b'#') && matches!(self.b[i - 1], b' ' | b'\n') {
            i = memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |n| i + n);
        }
        i
    }

    /// The node after a `-` (column `indent`).
    fn entry(&mut self, indent: usize) -> R<()> {
        // An empty entry is placed at the end of the `-` line (as saphyr-parser does).
        let eol = self.after_blanks(self.pos);
        if self.rest_is_empty()? {
            return self.next_lines_node(indent, eol, None, false);
        }
        let at = self.pos;
        let column = at - self.line_start(at);
        if self.is_entry(at) {
            return self.block_seq(column, None);
        }
        if let Some(key) = self.key_at(at)? {
            return self.block_map(column, None, key);
        }
        self.inline(indent, None, false)
    }

    /// The value after the `:` at `colon` of a key in a mapping at column `indent`.
    fn value(&mut self, indent: usize, colon: usize, in_map: bool) -> R<()> {
        if self.rest_is_empty()? {
            return self.next_lines_node(indent, colon, None, in_map);
        }
        if self.is_entry(self.pos) {
            // `a: - b` is an error (and `a: b: c`, which the scalar readers give up on).
            return Err(Bail);
        }
        self.inline(indent, None, in_map)
    }

    /// A node that starts on the lines after its indicator (`-`, `:`, or a tag), in a
    /// collection at column `indent`; an empty scalar when there is none.
    fn next_lines_node(
        &mut self,
        indent: usize,
        indicator: usize,
        tag: Option<Tag>,
        in_map: bool,
    ) -> R<()> {
        self.next_line()?;
        match self.indent {
            Some(i) if i > indent => {
                let at = self.pos;
                if self.is_entry(at) {
                    self.block_seq(i, tag)
                } else if let Some(key) = self.key_at(at)? {
                    self.block_map(i, tag, key)
                } else {
                    match self.at(at) {
                        Some(b'|' | b'>') => Err(Bail),
                        _ => self.inline(indent, tag, in_map),
                    }
                }
            }
            // An indentless sequence as a mapping value.
            Some(i) if i == indent && in_map && self.is_entry(self.pos) => {
                self.indentless_seq(i, tag)
            }
            _ => {
                let (start, end) = match &tag {
                    Some(t) => (t.start, t.suffix.1),
                    None => (indicator, indicator),
                };
                self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, tag, start, end)
            }
        }
    }

    /// A node written on the current line at `pos` (a scalar, a flow collection, a block
    /// scalar, or a tag and one of those), in a collection at column `indent`. Leaves `pos` at
    /// the next content line.
    fn inline(&mut self, indent: usize, tag: Option<Tag>, in_map: bool) -> R<()> {
        let at = self.pos;
        match self.at(at) {
            Some(b'!') => {
                if tag.is_some() {
                    return Err(Bail);
                }
                let tag = self.tag()?;
                if self.rest_is_empty()? {
                    return self.next_lines_node(indent, tag.start, Some(tag), in_map);
                }
                if self.is_entry(self.pos) {
                    return Err(Bail);
                }
                // (`!Tag a: b` is an error the scalar readers give up on.)
                self.inline(indent, Some(tag), in_map)
            }
            Some(b'|' | b'>') => self.block_scalar(indent, tag),
            Some(b'[' | b'{') => {
                self.flow(indent, tag)?;
                if !self.rest_is_empty()? {
                    return Err(Bail);
                }
                self.next_line()
            }
            Some(b'\'' | b'"') => {
                let (value, style, end, rounds) = self.quoted_lines(at, Some(indent))?;
                self.relax_rounds += rounds;
                if self.relax_rounds > self.max_rounds {
                    return Err(Bail);
                }
                let start = tag.as_ref().map_or(at, |t| t.start);
                self.scalar(value, style, tag, start, end)?;
                self.pos = end;
                if !self.rest_is_empty()? {
                    return Err(Bail);
                }
                self.next_line()
            }
            Some(&c) if self.plain_start(at, c) => self.plain(indent, tag),
            _ => Err(Bail),
        }
    }

    /// The rest of a plain scalar's line from `at`: where its text ends, and whether a comment
    /// ends it. Inside a flow collection (`flow`) it also ends before a flow indicator or a
    /// `:` that ends a key; in block context such a `:` is an error (given up on).
    fn plain_line(&self, at: usize, flow: bool) -> R<(usize, bool)> {
        let mut i = at;
        let mut end = at;
        while let Some(&c) = self.at(i) {
            match c {
                b'\n' => break,
                b'\t' => return Err(Bail),
                b'#' if i > at && self.b[i - 1] == b' ' => return Ok((end, true)),
                b':' if is_blank_or_end(self.at(i + 1)) => {
                    return if flow { Ok((end, false)) } else { Err(Bail) };
                }
                b':' if flow && self.at(i + 1).is_some_and(|&n| is_flow_indicator(n)) => break,
                c if flow && is_flow_indicator(c) => break,
                b' ' => i += 1,
                _ => {
                    i += 1;
                    end = i;
                }
            }
        }
        Ok((end, false))
    }

    /// A plain scalar at `pos` in a collection at column `indent`, continued on the lines
    /// indented deeper than it (folded: one line break is a space, each blank line a break).
    fn plain(&mut self, indent: usize, tag: Option<Tag>) -> R<()> {
        let at = self.pos;
        let (mut end, mut comment) = self.plain_line(at, false)?;
        let mut folded: Option<String> = None;
        // Continuation lines.
        let mut i = memchr::memchr(b'\n', &self.b[end..]).map_or(self.b.len(), |n| end + n);
        let mut blank_lines = 0;
        while !comment && i < self.b.len() {
            let line = i + 1;
            let mut j = line;
            while self.at(j) == Some(&b' ') {
                j += 1;
            }
            match self.at(j) {
                None => break,
                Some(b'\n') => {
                    blank_lines += 1;
                    i = j;
                    continue;
                }
                Some(b'\t') => return Err(Bail),
                Some(_) if j - line <= indent => break,
                Some(&c) if !self.plain_start(j, c) => return Err(Bail),
                Some(_) => {}
            }
            let (line_end, ends) = self.plain_line(j, false)?;
            let s = folded.get_or_insert_with(|| self.text(at, end).to_string());
            if blank_lines == 0 {
                s.push(' ');
            }
            (0..blank_lines).for_each(|_| s.push('\n'));
            s.push_str(self.text(j, line_end));
            blank_lines = 0;
            end = line_end;
            comment = ends;
            i = memchr::memchr(b'\n', &self.b[end..]).map_or(self.b.len(), |n| end + n);
        }
        let start = tag.as_ref().map_or(at, |t| t.start);
        let value = match folded {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(self.text(at, end)),
        };
        self.scalar(value, ScalarStyle::Plain, tag, start, end)?;
        self.pos = end;
        if !self.rest_is_empty()? {
            return Err(Bail);
        }
        self.next_line()?;
        // A deeper line after a comment that ended the scalar is an error.
        match self.indent {
            Some(i) if i > indent => Err(Bail),
            _ => Ok(()),
        }
    }

    /// A `!Name` tag at `pos`, followed by a blank or the end of the line.
    fn tag(&mut self) -> R<Tag> {
        let start = self.pos;
        let mut i = start + 1;
        while self.at(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
            i += 1;
        }
        if i == start + 1 || !is_blank_or_end(self.at(i)) {
            return Err(Bail);
        }
        self.pos = i;
        Ok(Tag {
            start,
            suffix: (start + 1, i),
        })
    }

    /// A single-line quoted scalar opening at `at`: its value, style and end.
    fn quoted(&self, at: usize) -> R<(Cow<'a, str>, ScalarStyle, usize)> {
        self.quoted_lines(at, None)
            .map(|(value, style, end, _)| (value, style, end))
    }

    /// A quoted scalar opening at `at`, which may go on over lines when `indent` (the column
    /// of the collection holding it) is given: each line break folded into a space, blank
    /// lines into breaks, blanks around line breaks dropped. Continuation lines indented no
    /// deeper than `indent` are an error to saphyr-parser that `relax` mends by indenting them
    /// (one space a round); they are read as that gives. Also returns the rounds it would take.
    #[allow(clippy::type_complexity)]
    fn quoted_lines(
        &self,
        at: usize,
        indent: Option<usize>,
    ) -> R<(Cow<'a, str>, ScalarStyle, usize, usize)> {
        let quote = self.b[at];
        let from = at + 1;
        let mut i = from;
        let mut owned: Option<String> = None;
        let mut copied = from;
        // Length of the value that trailing blanks may not be trimmed from (escapes).
        let mut kept = 0;
        // Spaces the most under-indented continuation line lacks.
        let mut shift = 0;
        loop {
            let Some(&c) = self.at(i) else {
                return Err(Bail);
            };
            match c {
                b'\n' => {
                    let Some(indent) = indent else {
                        return Err(Bail);
                    };
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(self.text(copied, i));
                    let trimmed = s.trim_end_matches([' ', '\t']).len().max(kept);
                    s.truncate(trimmed);
                    let mut empty = 0;
                    let mut j = i + 1;
                    loop {
                        let line = j;
                        while self.at(j) == Some(&b' ') {
                            j += 1;
                        }
                        let spaces = j - line;
                        while matches!(self.at(j), Some(b' ' | b'\t')) {
                            j += 1;
                        }
                        match self.at(j) {
                            None => return Err(Bail),
                            Some(b'\n') => {
                                empty += 1;
                                j += 1;
                            }
                            Some(_) if spaces <= indent => {
                                // A tab in such indentation, or a document marker, is an
                                // error `relax` does not mend.
                                let marker = self.b[line..].starts_with(b"---")
                                    || self.b[line..].starts_with(b"...");
                                if j != line + spaces || marker {
                                    return Err(Bail);
                                }
                                shift = shift.max(indent + 1 - spaces);
                                break;
                            }
                            Some(_) => break,
                        }
                    }
                    if empty == 0 {
                        s.push(' ');
                    }
                    (0..empty).for_each(|_| s.push('\n'));
                    i = j;
                    copied = j;
                    continue;
                }
                b'\'' if quote == b'\'' => {
                    if self.at(i + 1) == Some(&b'\'') {
                        let s = owned.get_or_insert_with(String::new);
                        s.push_str(self.text(copied, i + 1));
                        i += 2;
                        copied = i;
                        continue;
                    }
                    break;
                }
                b'"' if quote == b'"' => break,
                b'\\' if quote == b'"' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(self.text(copied, i));
                    let (ch, len) = self.escape(i + 1)?;
                    s.push(ch);
                    kept = s.len();
                    i += 1 + len;
                    copied = i;
                    continue;
                }
                _ => i += 1,
            }
        }
        let value = match owned {
            Some(mut s) => {
                s.push_str(self.text(copied, i));
                Cow::Owned(s)
            }
            None => Cow::Borrowed(self.text(from, i)),
        };
        let style = if quote == b'\'' {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        Ok((value, style, i + 1, shift))
    }

    /// The character a double-quoted escape at `at` (after the backslash) stands for, and the
    /// bytes it takes.
    fn escape(&self, at: usize) -> R<(char, usize)> {
        let hex = |len: usize| -> R<(char, usize)> {
            let digits = self.b.get(at + 1..at + 1 + len).ok_or(Bail)?;
            let digits = std::str::from_utf8(digits).map_err(|_| Bail)?;
            let code = u32::from_str_radix(digits, 16).map_err(|_| Bail)?;
            Ok((char::from_u32(code).ok_or(Bail)?, len + 1))
        };
        let ch = match self.at(at).ok_or(Bail)? {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' => return hex(2),
            b'u' => return hex(4),
            b'U' => return hex(8),
            _ => return Err(Bail),
        };
        Ok((ch, 1))
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is at `pos`, in a collection
    /// at column `indent`.
    fn block_scalar(&mut self, indent: usize, tag: Option<Tag>) -> R<()> {
        let header = self.pos;
        let literal = self.b[header] == b'|';
        let mut i = header + 1;
        let chomp = match self.at(i) {
            Some(&c @ (b'-' | b'+')) => {
                i += 1;
                c
            }
            _ => 0,
        };
        if !is_blank_or_end(self.at(i)) {
            return Err(Bail);
        }
        self.pos = i;
        if !self.rest_is_empty()? || self.pos >= self.b.len() {
            return Err(Bail);
        }
        // Lines: (start of content, end) — or `None` for an empty line.
        let mut lines: Vec<Option<(usize, usize)>> = Vec::new();
        let mut content_indent: Option<usize> = None;
        let mut leading_blank = 0;
        let mut first = None;
        let mut i = self.pos;
        let end = loop {
            if i >= self.b.len() {
                break i;
            }
            let line_end = memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |n| i + n);
            let mut sp = i;
            while sp < line_end && self.b[sp] == b' ' {
                sp += 1;
            }
            let spaces = sp - i;
            let empty = sp == line_end;
            match content_indent {
                None if empty => {
                    leading_blank = leading_blank.max(spaces);
                    lines.push(None);
                }
                None => {
                    if self.b[sp] == b'\t' || spaces <= indent || spaces < leading_blank {
                        return Err(Bail);
                    }
                    content_indent = Some(spaces);
                    first = Some(sp);
                    lines.push(Some((sp, line_end)));
                }
                Some(k) if empty => lines.push((spaces > k).then_some((i + k, line_end))),
                Some(k) if spaces >= k => lines.push(Some((i + k, line_end))),
                Some(_) => {
                    if self.b[sp] == b'\t' {
                        return Err(Bail);
                    }
                    break i;
                }
            }
            if line_end >= self.b.len() {
                // The scalar runs to the end of a text without a final line break.
                return Err(Bail);
            }
            i = line_end + 1;
        };
        let Some(first) = first else {
            return Err(Bail);
        };
        // Trailing empty lines are not content.
        let last = lines.iter().rposition(Option::is_some).unwrap_or(0);
        let trailing = lines.len() - 1 - last;
        let mut value = String::new();
        if literal {
            for line in &lines[..=last] {
                if let Some((from, to)) = *line {
                    value.push_str(self.text(from, to));
                }
                value.push('\n');
            }
        } else {
            // A line break between two lines that do not start with a blank is folded into a
            // space (or dropped before blank lines); others are kept (YAML 1.2, 8.1.3).
            let mut breaks = 0;
            let mut previous: Option<bool> = None;
            for line in &lines[..=last] {
                match *line {
                    None => breaks += 1,
                    Some((from, to)) => {
                        let spaced = matches!(self.b[from], b' ' | b'\t');
                        match previous {
                            Some(false) if !spaced && breaks == 0 => value.push(' '),
                            Some(false) if !spaced => {}
                            Some(_) => value.push('\n'),
                            None => {}
                        }
                        (0..breaks).for_each(|_| value.push('\n'));
                        value.push_str(self.text(from, to));
                        previous = Some(spaced);
                        breaks = 0;
                    }
                }
            }
            value.push('\n');
        }
        match chomp {
            b'-' => {
                value.pop();
            }
            b'+' => (0..trailing).for_each(|_| value.push('\n')),
            _ => {}
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        let start = tag.as_ref().map_or(first, |t| t.start);
        self.scalar(Cow::Owned(value), style, tag, start, end)?;
        self.pos = end;
        self.next_line()
    }

    /// Skips blanks, line breaks and comments inside a flow collection; continuation lines
    /// must be indented deeper than the block collection (`indent`) holding it.
    fn flow_space(&mut self, indent: usize) -> R<()> {
        loop {
            match self.at(self.pos) {
                Some(b' ') => self.pos += 1,
                Some(b'#') if matches!(self.b[self.pos - 1], b' ' | b'\n') => {
                    let i = self.pos;
                    self.pos = memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |n| i + n);
                }
                Some(b'\n') => {
                    self.pos += 1;
                    let mut i = self.pos;
                    while self.at(i) == Some(&b' ') {
                        i += 1;
                    }
                    match self.at(i) {
                        Some(b'\n') | None => {}
                        _ if i - self.pos <= indent => return Err(Bail),
                        _ => {}
                    }
                    self.pos = i;
                }
                Some(b'\t') => return Err(Bail),
                _ => return Ok(()),
            }
        }
    }

    /// A flow sequence or mapping opening at `pos` (after an optional tag); leaves `pos` after
    /// its closing bracket.
    fn flow(&mut self, indent: usize, tag: Option<Tag>) -> R<()> {
        self.enter()?;
        let open = self.pos;
        let seq = self.b[open] == b'[';
        let body = if seq {
            Body::Seq(Vec::new())
        } else {
            Body::Map(Vec::new(), None)
        };
        self.pos += 1;
        self.open(body, tag, open)?;
        let closing = if seq { b']' } else { b'}' };
        let mut comma = None;
        loop {
            self.flow_space(indent)?;
            if self.at(self.pos) == Some(&closing) {
                break;
            }
            comma = None;
            if seq {
                self.flow_node(indent, None)?;
                self.flow_space(indent)?;
                if self.at(self.pos) == Some(&b':') {
                    return Err(Bail);
                }
            } else {
                let quoted = matches!(self.at(self.pos), Some(b'\'' | b'"'));
                if !quoted && !self.flow_plain_start() {
                    return Err(Bail);
                }
                self.flow_node(indent, None)?;
                self.flow_space(indent)?;
                if self.at(self.pos) != Some(&b':') {
                    return Err(Bail);
                }
                let after = self.at(self.pos + 1).copied();
                let adjacent_ok = quoted && after.is_some_and(|c| !matches!(c, b',' | b'}'));
                if !(is_blank_or_end(after.as_ref()) || adjacent_ok) {
                    return Err(Bail);
                }
                self.pos += 1;
                self.flow_space(indent)?;
                if matches!(self.at(self.pos), Some(b',' | b'}')) {
                    return Err(Bail);
                }
                self.flow_node(indent, None)?;
                self.flow_space(indent)?;
            }
            match self.at(self.pos) {
                Some(b',') => {
                    comma = Some(self.pos);
                    self.pos += 1
                }
                Some(&c) if c == closing => break,
                _ => return Err(Bail),
            }
        }
        let at = self.pos;
        // saphyr-parser ends a flow mapping at its trailing comma, if it has one.
        let end = match comma {
            Some(c) if !seq => c,
            _ => at,
        };
        self.close(end, end + 1);
        self.pos = at + 1;
        self.depth -= 1;
        Ok(())
    }

    fn flow_plain_start(&self) -> bool {
        match self.at(self.pos) {
            Some(&c) => !is_flow_indicator(c) && self.plain_start(self.pos, c),
            None => false,
        }
    }

    /// One node inside a flow collection.
    fn flow_node(&mut self, indent: usize, tag: Option<Tag>) -> R<()> {
        let at = self.pos;
        match self.at(at) {
            Some(b'[' | b'{') => self.flow(indent, tag),
            Some(b'!') => {
                if tag.is_some() {
                    return Err(Bail);
                }
                let tag = self.tag()?;
                // Only blanks on the same line between a tag and its node.
                while self.at(self.pos) == Some(&b' ') {
                    self.pos += 1;
                }
                match self.at(self.pos) {
                    None | Some(b'\n' | b'#' | b',' | b']' | b'}') => Err(Bail),
                    _ => self.flow_node(indent, Some(tag)),
                }
            }
            Some(b'\'' | b'"') => {
                let (value, style, end) = self.quoted(at)?;
                let start = tag.as_ref().map_or(at, |t| t.start);
                self.scalar(value, style, tag, start, end)?;
                self.pos = end;
                Ok(())
            }
            Some(_) if self.flow_plain_start() => {
                let (end, _) = self.plain_line(at, true)?;
                let start = tag.as_ref().map_or(at, |t| t.start);
                let value = Cow::Borrowed(self.text(at, end));
                self.scalar(value, ScalarStyle::Plain, tag, start, end)?;
                self.pos = end;
                // A plain scalar continued on the next line is left to saphyr-parser.
                let mut j = end;
                while self.at(j) == Some(&b' ') {
                    j += 1;
                }
                if self.at(j) == Some(&b'\n') {
                    self.pos = j;
                    self.flow_space(indent)?;
                    match self.at(self.pos) {
                        Some(b',' | b']' | b'}' | b':') => {}
                        _ => return Err(Bail),
                    }
                }
                Ok(())
            }
            _ => Err(Bail),
        }
    }

    fn props(&self, tag: &Option<Tag>) -> Props {
        let (tagging, tagged) = match tag {
            Some(t) => (Tagging::short(self.text(t.suffix.0, t.suffix.1)), true),
            None => (Tagging::None, false),
        };
        Props {
            anchor: 0,
            tagging,
            tagged,
        }
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<Tag>,
        start: usize,
        end: usize,
    ) -> R<()> {
        let props = self.props(&tag);
        self.loader
            .on_scalar(value, style, props, start, end)
            .map_err(|_| Bail)
    }

    /// Opens a collection whose content starts at `content` (after its tag, if any).
    fn open(&mut self, body: Body, tag: Option<Tag>, content: usize) -> R<()> {
        let props = self.props(&tag);
        let start = tag.as_ref().map_or(content, |t| t.start);
        self.loader
            .open(body, props, start, content)
            .map_err(|_| Bail)
    }

    fn close(&mut self, start: usize, end: usize) {
        self.loader.on_close(start, end);
    }
}
