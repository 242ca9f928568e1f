//! Where a JSON pointer's value sits in the text: line and column for editors and for GitHub
//! annotations (`::error file=…,line=…,col=…`).
//!
//! A small scanner over the text, not a parser: it walks objects and arrays along the pointer's
//! segments and skips everything else. It assumes JSON that `serde_json` has already accepted;
//! on anything else it stops and answers with the closest position it reached.

/// A position in a text: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, counted in characters.
    pub col: usize,
}

/// The position of the value `pointer` names in the JSON `text`. When the pointer goes further
/// than the document (a missing field), the position of the deepest value that exists on its
/// way: the object the field is missing from. `None` when the text holds no JSON value.
pub fn locate(text: &str, pointer: &str) -> Option<Position> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, 0);
    if at >= bytes.len() {
        return None;
    }
    let segments = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    for segment in segments {
        match child(bytes, at, &segment) {
            Some(next) => at = next,
            None => break,
        }
    }
    Some(position(text, at))
}

/// The position of byte offset `offset` in `text`.
fn position(text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Position { line, col }
}

/// The offset of the value under `segment` in the object or array starting at `at`. For an
/// object holding the key twice, the last one (the one `serde_json` keeps).
fn child(bytes: &[u8], at: usize, segment: &str) -> Option<usize> {
    match bytes.get(at)? {
        b'{' => {
            let mut i = skip_ws(bytes, at + 1);
            let mut found = None;
            while bytes.get(i) == Some(&b'"') {
                let key_end = skip_string(bytes, i)?;
                let key: String = serde_json::from_slice(bytes.get(i..key_end)?).ok()?;
                i = skip_ws(bytes, key_end);
                if bytes.get(i) != Some(&b':') {
                    return None;
                }
                let value = skip_ws(bytes, i + 1);
                if key == segment {
                    found = Some(value);
                }
                i = skip_ws(bytes, skip_value(bytes, value)?);
                if bytes.get(i) == Some(&b',') {
                    i = skip_ws(bytes, i + 1);
                }
            }
            found
        }
        b'[' => {
            let index: usize = segment.parse().ok()?;
            let mut i = skip_ws(bytes, at + 1);
            for _ in 0..index {
                if bytes.get(i) == Some(&b']') {
                    return None;
                }
                i = skip_ws(bytes, skip_value(bytes, i)?);
                if bytes.get(i) == Some(&b',') {
                    i = skip_ws(bytes, i + 1);
                }
            }
            (bytes.get(i) != Some(&b']') && i < bytes.len()).then_some(i)
        }
        _ => None,
    }
}

/// The offset just past the value starting at `at`.
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => skip_string(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let len = bytes
                .get(at..)?
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                .unwrap_or(bytes.len() - at);
            Some(at + len)
        }
    }
}

/// The offset just past the string whose opening quote is at `at`.
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{Position, locate};

    const TEXT: &str = "{\n  \"repos\": [\n    {\"name\": \"acme/api\", \"depends_on\": []},\n    {\n      \"name\": \"acme/web\",\n      \"a/b~c\": {\"x\": \"é\", \"y\": 3}\n    }\n  ],\n  \"tiers\": []\n}\n";

    fn at(line: usize, col: usize) -> Option<Position> {
        Some(Position { line, col })
    }

    #[test]
    fn pointers_find_their_values() {
        assert_eq!(locate(TEXT, ""), at(1, 1));
        assert_eq!(locate(TEXT, "/repos"), at(2, 12));
        assert_eq!(locate(TEXT, "/repos/0"), at(3, 5));
        assert_eq!(locate(TEXT, "/repos/0/name"), at(3, 14));
        assert_eq!(locate(TEXT, "/repos/0/depends_on"), at(3, 40));
        assert_eq!(locate(TEXT, "/repos/1/name"), at(5, 15));
        assert_eq!(locate(TEXT, "/repos/1/a~1b~0c/y"), at(6, 32));
        assert_eq!(locate(TEXT, "/tiers"), at(9, 12));
    }

    #[test]
    fn a_missing_value_answers_its_closest_ancestor() {
        assert_eq!(locate(TEXT, "/repos/1/staging"), at(4, 5));
        assert_eq!(locate(TEXT, "/repos/7/name"), at(2, 12));
        assert_eq!(locate(TEXT, "/tiers/0"), at(9, 12));
        assert_eq!(locate(TEXT, "/repos/0/name/x"), at(3, 14));
        assert_eq!(locate("", "/x"), None);
    }

    #[test]
    fn the_last_of_a_duplicated_key_wins() {
        assert_eq!(locate("{\"a\": 1, \"a\": 2}", "/a"), at(1, 15));
    }
}
