//! Validation of what people write (`convoy.json`) and what convoy writes (manifests).
//!
//! Three layers, each reporting [`Problem`]s that carry the JSON pointer of the offending value
//! and a sentence a person can act on:
//! 1. the JSON Schema ([`schema`], in convoy's words: [`wording`]),
//! 2. the typed parse (identifier newtypes validate themselves),
//! 3. the semantic checks no schema can express ([`semantic`]): duplicates, unknown repo names,
//!    dependency cycles, the calendar's time zone, windows and freezes.
//!
//! One run reports what it can of a file: when the schema or the typed parse refuses values, the
//! semantic checks still run on the rest ([`partial`]). Only text that is not JSON stops at the
//! first error. Problems come in document order; [`locate`] finds a pointer's line and column.
//!
//! Pure: callers read the files.

mod calendar;
mod locate;
mod partial;
mod problem;
pub mod schema;
pub mod semantic;
mod suggest;
mod wording;

pub use locate::{Position, locate};
pub use problem::{Problem, clip_message, pointer_push, quote};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::config::Config;
use crate::model::manifest::ReleaseManifest;
use crate::model::schema::Document;

/// Validates `convoy.json` text: schema, types, then semantics; every problem found, in
/// document order.
pub fn config_from_str(text: &str) -> Result<Config, Vec<Problem>> {
    let value = parse_json(Document::Config, text)?;
    let mut problems = schema::check(Document::Config, &value);
    if problems.is_empty() {
        match typed::<Config>(&value) {
            Ok(config) => return accept(text, config, semantic::check_config),
            Err(problem) => problems.push(problem),
        }
    }
    let more = partial::config_semantics(&value, &problems);
    problems.extend(more);
    Err(finish(text, problems))
}

/// Validates manifest text: schema, types, then semantics; every problem found, in document
/// order.
pub fn manifest_from_str(text: &str) -> Result<ReleaseManifest, Vec<Problem>> {
    let value = parse_json(Document::Manifest, text)?;
    let mut problems = schema::check(Document::Manifest, &value);
    if problems.is_empty() {
        match typed::<ReleaseManifest>(&value) {
            Ok(manifest) => return accept(text, manifest, semantic::check_manifest),
            Err(problem) => problems.push(problem),
        }
    }
    let more = partial::manifest_semantics(&value, &problems);
    problems.extend(more);
    Err(finish(text, problems))
}

/// The position of a problem in the text it was found in: the value its pointer names, or, for
/// text that is not JSON, where the JSON parser stopped.
pub fn position_of(text: &str, problem: &Problem) -> Option<Position> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return (e.line() > 0).then_some(Position {
            line: e.line(),
            col: e.column().max(1),
        });
    }
    locate(text, &problem.pointer)
}

/// `parsed` when the semantic checks find nothing, else their problems.
fn accept<T>(text: &str, parsed: T, check: fn(&T) -> Vec<Problem>) -> Result<T, Vec<Problem>> {
    let problems = check(&parsed);
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(finish(text, problems))
    }
}

/// The problems with their messages shortened by [`clip_message`], without repeats, in the
/// order of the values they point at in `text`.
fn finish(text: &str, problems: Vec<Problem>) -> Vec<Problem> {
    let mut out: Vec<(Option<Position>, Problem)> = Vec::new();
    for p in clipped(problems) {
        if !out.iter().any(|(_, q)| *q == p) {
            out.push((locate(text, &p.pointer), p));
        }
    }
    // Stable: problems at one place keep the order they were found in.
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, p)| p).collect()
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

/// Parses JSON text; a syntax error is the one problem.
fn parse_json(doc: Document, text: &str) -> Result<Value, Vec<Problem>> {
    serde_json::from_str(text).map_err(|e| {
        clipped(vec![Problem::new(
            "",
            format!("the {} is not valid JSON: {e}", doc.noun()),
        )])
    })
}

/// Deserializes a schema-valid value into `T`, reporting the path of the first value the types
/// refuse.
fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        Problem::new(pointer, e.inner().to_string())
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
    use serde_json::Value;

    use super::{check_manifest_value, manifest_from_str};
    use crate::model::manifest::HistoryEvent;

    #[test]
    fn a_history_kind_from_a_newer_convoy_loads_and_is_written_back_unchanged() {
        let mut value: Value =
            serde_json::from_str(include_str!("../../../../examples/release-manifest.json"))
                .unwrap();
        value["history"][1]["event"] = Value::from("frobnicated_by_convoy_9");
        let manifest = manifest_from_str(&value.to_string()).unwrap();
        assert_eq!(
            manifest.history[1].event,
            HistoryEvent::Unknown("frobnicated_by_convoy_9".to_owned())
        );
        assert!(check_manifest_value(&manifest).is_empty());
        assert_eq!(serde_json::to_value(&manifest).unwrap(), value);
    }
}
