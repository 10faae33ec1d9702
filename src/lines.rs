//! Byte offset → 1-based line and column, computed only for spans that are reported.
//!
//! The index is a sorted table of line-start offsets built with `memchr` on first use. Columns
//! count characters (not bytes) from the start of the line, 1-based, so they match what editors
//! and GitHub show; a UTF-8 BOM at the start of the file is not counted; a `\r\n` line ending
//! belongs to the line it ends.

#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0u32);
        for pos in memchr::memchr_iter(b'\n', text.as_bytes()) {
            starts.push((pos + 1) as u32);
        }
        LineIndex { starts }
    }

    /// Line and column of byte `offset` in `text` (the text the index was built from).
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line0 = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line0] as usize;
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = &text[start..end];
        let prefix = if line0 == 0 {
            prefix.strip_prefix('\u{feff}').unwrap_or(prefix)
        } else {
            prefix
        };
        let column = prefix.chars().filter(|c| *c != '\r').count() as u32 + 1;
        LineCol {
            line: line0 as u32 + 1,
            column,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte range of 1-based `line` without its line ending.
    pub fn line_span(&self, text: &str, line: u32) -> Option<(usize, usize)> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(i)? as usize;
        let mut end = self
            .starts
            .get(i + 1)
            .map(|s| *s as usize - 1)
            .unwrap_or(text.len());
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let t = "ab\ncdé\r\nx";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(t, 0), LineCol { line: 1, column: 1 });
        assert_eq!(ix.line_col(t, 4), LineCol { line: 2, column: 2 });
        // 'x' is after "cdé\r\n": é is two bytes
        let x = t.find('x').unwrap() as u32;
        assert_eq!(ix.line_col(t, x), LineCol { line: 3, column: 1 });
        assert_eq!(ix.line_span(t, 2), Some((3, 7)));
    }

    #[test]
    fn bom_is_not_a_column() {
        let t = "\u{feff}Key: v";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(t, 3), LineCol { line: 1, column: 1 });
    }
}
