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

mod problem;
pub mod schema;
pub mod semantic;

pub use problem::{Problem, clip_message, pointer_push};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::config::Config;
use crate::model::manifest::ReleaseManifest;
use crate::model::schema::Document;

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
