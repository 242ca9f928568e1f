//! [`Problem`]: one thing wrong with a document, and the helpers that shape its pointer and
//! message (JSON pointers, values quoted in messages, clipping).

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

/// A value for a message, between backticks: `` `acme/api` ``. A value longer than 60
/// characters keeps its start and end around `…`, and control characters become U+FFFD. A value
/// holding a backtick is written as a JSON string instead (`"a`b"`), so the backticks of a
/// message always pair up.
pub fn quote(value: &str) -> String {
    let clipped = clip_value(value);
    if clipped.contains('`') {
        serde_json::Value::String(clipped).to_string()
    } else {
        format!("`{clipped}`")
    }
}

/// A string value as JSON writes it (`"3"`), clipped like [`quote`].
pub fn quote_json(value: &str) -> String {
    serde_json::Value::String(clip_value(value)).to_string()
}

/// `value` with control characters replaced and, beyond 60 characters, its middle cut.
fn clip_value(value: &str) -> String {
    let chars: Vec<char> = value.chars().map(visible).collect();
    if chars.len() <= QUOTED_MAX {
        return chars.into_iter().collect();
    }
    let mut out: String = chars[..QUOTED_MAX / 2].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - QUOTED_MAX / 4..]);
    out
}

fn visible(c: char) -> char {
    if c.is_control() { '\u{fffd}' } else { c }
}

/// Shortens a message for people. Messages convoy writes quote values with [`quote`], already
/// short; this is for messages from elsewhere (parsers quote the values they refuse: `invalid
/// type: string "…", expected …`), so a 1 MB value never comes back whole in an error, a log
/// line or a reply.
///
/// A quoted span (between `"`, honouring `\"` escapes, or between `` ` ``) is one unit: longer
/// than 60 characters it keeps its start and end around `…`, otherwise it is copied whole and
/// the scan goes on after its closing quote, so a closing quote never opens a new span.
/// Control characters become U+FFFD. Beyond 600 characters the message stops before the span or
/// word that crosses the limit, never inside a quoted value, and ends with `…`.
pub fn clip_message(message: &str) -> String {
    let chars: Vec<char> = message.chars().map(visible).collect();
    // The message as units: a quoted span, or one character outside quotes.
    let mut units: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let end = match c {
            '"' => closing_quote(&chars, i),
            '`' => chars[i + 1..]
                .iter()
                .position(|&d| d == '`')
                .map(|p| i + 1 + p),
            _ => None,
        };
        match end {
            Some(end) => {
                let inner = &chars[i + 1..end];
                let mut unit = String::from(c);
                if inner.len() > QUOTED_MAX {
                    // Cut on whole escapes: never leave a lone `\` before the quote.
                    let head = cut_escape_safe(&inner[..QUOTED_MAX / 2]);
                    let tail_start = inner.len() - QUOTED_MAX / 4;
                    let tail_start = if tail_start > 0 && inner[tail_start - 1] == '\\' {
                        tail_start + 1
                    } else {
                        tail_start
                    };
                    unit.extend(head);
                    unit.push('…');
                    unit.extend(&inner[tail_start.min(inner.len())..]);
                } else {
                    unit.extend(inner);
                }
                unit.push(c);
                units.push(unit);
                i = end + 1;
            }
            None => {
                units.push(c.to_string());
                i += 1;
            }
        }
    }
    let total: usize = units.iter().map(|u| u.chars().count()).sum();
    if total <= MESSAGE_MAX {
        return units.concat();
    }
    let mut out = String::new();
    let mut len = 0;
    for unit in &units {
        let n = unit.chars().count();
        if len + n > MESSAGE_MAX {
            break;
        }
        out.push_str(unit);
        len += n;
    }
    // Stop at the end of a word when one was cut.
    if let Some(space) = out.rfind(' ')
        && !out.ends_with(' ')
        && out.len() - space < 40
        && !out[space..].contains(['`', '"'])
    {
        out.truncate(space);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// The index of the `"` closing the string opened at `open`, skipping `\`-escapes.
fn closing_quote(chars: &[char], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// `head` without a trailing lone backslash (half an escape).
fn cut_escape_safe(head: &[char]) -> &[char] {
    let trailing = head.iter().rev().take_while(|&&c| c == '\\').count();
    if trailing % 2 == 1 {
        &head[..head.len() - 1]
    } else {
        head
    }
}

/// Appends `segment` to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub fn pointer_push(base: &str, segment: impl fmt::Display) -> String {
    let seg = segment.to_string().replace('~', "~0").replace('/', "~1");
    format!("{base}/{seg}")
}

#[cfg(test)]
mod tests {
    use super::{clip_message, quote, quote_json};

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

    /// Issue 12: the closing backtick of a short value used to open a span reaching the next
    /// value's opening backtick, and the sentence between them was cut.
    #[test]
    fn a_closing_quote_never_opens_a_span() {
        let m = "`.github/workflows/smoke.yml` is not a workflow file name; give the file name \
                 in .github/workflows, e.g. `e2e.yml`";
        assert_eq!(clip_message(m), m);
        let m = "`a` then a long sentence between two values, longer than sixty characters \
                 for sure, `b` and \"c\" then more words and \"d\"";
        assert_eq!(clip_message(m), m);
    }

    #[test]
    fn escaped_quotes_stay_inside_their_value() {
        let inner = format!("{}\\\"{}", "a".repeat(40), "b".repeat(40));
        let m = clip_message(&format!("string \"{inner}\", expected `x`"));
        assert!(m.ends_with("bbb\", expected `x`"), "{m}");
        let m = "string \"say \\\"hi\\\"\", expected `x` and `y`";
        assert_eq!(clip_message(m), m);
    }

    #[test]
    fn the_length_limit_never_cuts_a_value() {
        let value = "v".repeat(50);
        let m = format!("{} `{value}` end", "w ".repeat(290));
        let clipped = clip_message(&m);
        assert!(clipped.ends_with("w…"), "{clipped}");
        assert_eq!(clipped.matches('`').count(), 0, "{clipped}");
    }

    #[test]
    fn quoted_values_are_clipped_and_pair_up() {
        assert_eq!(quote("acme/api"), "`acme/api`");
        assert_eq!(quote("`id`"), "\"`id`\"");
        assert_eq!(quote("a\nb"), "`a\u{fffd}b`");
        let q = quote(&"z".repeat(1_000));
        assert!(q.chars().count() < 70 && q.contains('…'), "{q}");
        assert_eq!(quote_json("3"), "\"3\"");
        assert_eq!(quote_json("say \"hi\""), "\"say \\\"hi\\\"\"");
    }
}
