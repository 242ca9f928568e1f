//! Validation of what people write (`convoy.json`) and what convoy writes (manifests).
//!
//! Three layers, each reporting [`Problem`]s that carry the JSON pointer of the offending value
//! and a sentence a person can act on:
//! 1. the JSON Schema ([`schema`]),
//! 2. the typed parse (identifier newtypes validate themselves),
//! 3. the semantic checks no schema can express ([`semantic`]): duplicates, unknown repo names,
//!    dependency cycles.
//!
//! Pure: callers read the files.

pub mod schema;
pub mod semantic;

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::config::Config;
use crate::model::manifest::ReleaseManifest;
use crate::model::schema::Document;

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

/// Validates `convoy.json` text: schema, types, then semantics.
pub fn config_from_str(text: &str) -> Result<Config, Vec<Problem>> {
    let config: Config = parse_document(Document::Config, text).map_err(clipped)?;
    let problems = semantic::check_config(&config);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(clipped(problems))
    }
}

/// The problems with their messages shortened by [`clip_message`].
fn clipped(problems: Vec<Problem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|p| Problem {
            message: clip_message(&p.message),
            pointer: p.pointer,
        })
        .collect()
}

/// Validates manifest text: schema, types, then semantics.
pub fn manifest_from_str(text: &str) -> Result<ReleaseManifest, Vec<Problem>> {
    let manifest: ReleaseManifest = parse_document(Document::Manifest, text).map_err(clipped)?;
    let problems = semantic::check_manifest(&manifest);
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(clipped(problems))
    }
}

/// Checks a manifest convoy is about to write: the schema (of its serialized form) and the
/// semantic checks. An invalid manifest is never written.
pub fn check_manifest_value(manifest: &ReleaseManifest) -> Vec<Problem> {
    let mut problems = match serde_json::to_value(manifest) {
        Ok(value) => schema::check(Document::Manifest, &value),
        Err(e) => vec![Problem::new(
            "",
            format!("cannot serialize the manifest: {e}"),
        )],
    };
    problems.extend(semantic::check_manifest(manifest));
    clipped(problems)
}

/// Parses JSON text, checks it against the document's schema, then deserializes it into `T`,
/// reporting the path of the first value the types refuse.
fn parse_document<T: DeserializeOwned>(doc: Document, text: &str) -> Result<T, Vec<Problem>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![Problem::new(
            "",
            format!("the {} is not valid JSON: {e}", doc.noun()),
        )]
    })?;
    let problems = schema::check(doc, &value);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        let message = e.inner().to_string();
        vec![Problem::new(pointer, message)]
    })
}

/// Converts serde_path_to_error's path (`repos[0].name`) to a JSON pointer (`/repos/0/name`).
fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out = match seg {
            Segment::Seq { index } => pointer_push(&out, index),
            Segment::Map { key } => pointer_push(&out, key),
            Segment::Enum { variant } => pointer_push(&out, variant),
            Segment::Unknown => out,
        };
    }
    out
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
