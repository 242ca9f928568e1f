//! [`Problem`]: one thing wrong with a document, and the helpers that shape its pointer and
//! message (JSON pointers, clipping values quoted in messages).

use std::fmt;

/// One thing wrong with a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Problem {
    /// A problem at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// Longest quoted value kept whole in a message; longer ones are cut in the middle.
const QUOTED_MAX: usize = 60;
/// Longest message kept whole.
const MESSAGE_MAX: usize = 600;

/// Shortens a message for people: a value quoted in it (between `"` or `` ` ``) longer than
/// 60 characters keeps its start and end around `…`, control characters become U+FFFD, and the
/// whole message stops at 600 characters. Parsers quote the values they refuse (`invalid type:
/// string "…", expected …`); a 1 MB value must not come back whole in an error, a log line or a
/// reply.
pub fn clip_message(message: &str) -> String {
    let chars: Vec<char> = message
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    let mut out = String::with_capacity(message.len().min(MESSAGE_MAX * 4));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let closing = if matches!(c, '"' | '`') {
            chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .map(|p| i + 1 + p)
        } else {
            None
        };
        match closing {
            Some(end) if end - i - 1 > QUOTED_MAX => {
                let inner = &chars[i + 1..end];
                out.push(c);
                out.extend(&inner[..QUOTED_MAX / 2]);
                out.push('…');
                out.extend(&inner[inner.len() - QUOTED_MAX / 4..]);
                out.push(c);
                i = end + 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if out.chars().count() > MESSAGE_MAX {
        out = out.chars().take(MESSAGE_MAX).collect();
        out.push('…');
    }
    out
}

/// Appends `segment` to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub fn pointer_push(base: &str, segment: impl fmt::Display) -> String {
    let seg = segment.to_string().replace('~', "~0").replace('/', "~1");
    format!("{base}/{seg}")
}

#[cfg(test)]
mod tests {
    use super::clip_message;

    #[test]
    fn long_quoted_values_are_cut_and_the_rest_kept() {
        let huge = "x".repeat(10_000);
        let m = clip_message(&format!("invalid type: string \"{huge}\", expected a map"));
        assert!(m.starts_with("invalid type: string \"xxx"), "{m}");
        assert!(m.ends_with("xxx\", expected a map"), "{m}");
        assert!(m.contains('…') && m.chars().count() < 120, "{m}");
        let short = "unknown field `x`; expected one of `a`, `b` (the repo's name isn't here)";
        assert_eq!(clip_message(short), short);
        assert_eq!(clip_message("a\nb"), "a\u{fffd}b");
        assert!(clip_message(&"y ".repeat(1_000)).chars().count() <= 601);
    }
}
