//! A guard run before HCL text reaches `hcl-edit`, whose recursive-descent parser would
//! overflow the stack on deeply nested input (10,000 `[` or `{`). It measures the nesting of
//! brackets, braces, parentheses and template interpolations (`${`, `%{`) outside comments and
//! outside the literal parts of quoted strings, in one pass, and rejects text nested deeper
//! than [`MAX_DEPTH`] with an error at the bracket that goes too deep. Real Terraform nests a
//! few levels; the limit leaves ample room.

use crate::tree::{ParseError, Span};

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 128;

/// Fails when `text` nests deeper than [`MAX_DEPTH`].
pub fn check_depth(text: &str) -> Result<(), ParseError> {
    let b = text.as_bytes();
    // Each open construct: true for a quoted string, false for a bracket or interpolation.
    let mut stack: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let in_string = stack.last() == Some(&true);
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                // `$${` and `%%{` are escapes, not interpolations.
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') && (i == 0 || b[i - 1] != c) => {
                    stack.push(false);
                    i += 1;
                }
                b'\n' => {
                    // An unterminated string ends at the line end for this count.
                    stack.pop();
                }
                _ => {}
            }
        } else {
            match c {
                b'#' => i = line_end(b, i),
                b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(b.len(), |at| i + 2 + at + 1);
                }
                b'"' => stack.push(true),
                b'{' | b'[' | b'(' => stack.push(false),
                b'}' | b']' | b')' => {
                    stack.pop();
                }
                _ => {}
            }
        }
        if stack.len() > MAX_DEPTH {
            return Err(ParseError::new(
                format!("HCL nesting is deeper than {MAX_DEPTH} levels"),
                Span::new(i, i + 1),
            ));
        }
        i += 1;
    }
    Ok(())
}

fn line_end(b: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_rejected_at_the_bracket() {
        let text = format!("a = {}", "[".repeat(10_000));
        let err = check_depth(&text).unwrap_err();
        assert_eq!(err.span.start as usize, 4 + MAX_DEPTH);
        let text = format!("a = \"{}\"", "${".repeat(200));
        assert!(check_depth(&text).is_err());
        let ok = format!("a = {}{}", "{ b = ".repeat(100), "}".repeat(100));
        assert!(check_depth(&ok).is_ok());
    }

    #[test]
    fn strings_and_comments_do_not_count() {
        let text = format!(
            "a = \"{}\" # {}\n// {}\n/* {} */\nb = \"$${{ %%{{ \\\" {}\"\n",
            "[".repeat(500),
            "{".repeat(500),
            "(".repeat(500),
            "[".repeat(500),
            "{".repeat(500),
        );
        assert!(check_depth(&text).is_ok(), "{:?}", check_depth(&text));
    }
}
