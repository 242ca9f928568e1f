//! Best-effort checks of a document the schema refused: the semantic problems that do not hang
//! on the broken parts, so one run reports them together with the schema's.
//!
//! 1. Every value a problem points at inside an object is removed: an optional field falls back
//!    to its default, an unknown field is gone. If the rest parses, every semantic check runs.
//! 2. Otherwise (`convoy.json` only) each top-level field is tried on its own over a minimal
//!    config; the fields that parse are kept, and the semantic checks run on them. Problems
//!    under a field that did not parse are dropped, and so are those that need the member list
//!    when `repos` did not parse (a tier's `covers`).
//!
//! Semantic problems at or under a value the schema already refused are dropped: one value, one
//! complaint.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::problem::Problem;
use super::semantic;
use crate::model::config::Config;
use crate::model::manifest::ReleaseManifest;

/// The semantic problems of a `convoy.json` whose schema or typed parse failed with `refused`.
pub(super) fn config_semantics(value: &Value, refused: &[Problem]) -> Vec<Problem> {
    let repaired = without(value, refused);
    if let Some(config) = parse::<Config>(&repaired) {
        return keep(semantic::check_config(&config), refused, &[]);
    }
    let Value::Object(fields) = &repaired else {
        return Vec::new();
    };
    let mut base = Map::new();
    base.insert("repos".to_owned(), Value::Array(Vec::new()));
    let mut broken: Vec<&str> = Vec::new();
    for (key, field) in fields {
        let mut candidate = base.clone();
        candidate.insert(key.clone(), field.clone());
        if parse::<Config>(&Value::Object(candidate.clone())).is_some() {
            base = candidate;
        } else {
            broken.push(key);
        }
    }
    if !fields.contains_key("repos") {
        broken.push("repos");
    }
    let Some(config) = parse::<Config>(&Value::Object(base)) else {
        return Vec::new();
    };
    let problems = semantic::check_config(&config)
        .into_iter()
        .filter(|p| !(broken.contains(&"repos") && is_covers(&p.pointer)))
        .collect();
    keep(problems, refused, &broken)
}

/// The semantic problems of a manifest whose schema or typed parse failed with `refused`.
pub(super) fn manifest_semantics(value: &Value, refused: &[Problem]) -> Vec<Problem> {
    parse::<ReleaseManifest>(&without(value, refused))
        .map(|m| keep(semantic::check_manifest(&m), refused, &[]))
        .unwrap_or_default()
}

fn parse<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// `value` without the object members the problems point at (the document itself stays).
fn without(value: &Value, problems: &[Problem]) -> Value {
    let mut out = value.clone();
    for p in problems {
        let Some((parent, last)) = p.pointer.rsplit_once('/') else {
            continue;
        };
        let key = last.replace("~1", "/").replace("~0", "~");
        if let Some(Value::Object(map)) = out.pointer_mut(parent) {
            map.shift_remove(&key);
        }
    }
    out
}

/// `problems` without those at or under a refused pointer or a broken top-level field.
fn keep(problems: Vec<Problem>, refused: &[Problem], broken: &[&str]) -> Vec<Problem> {
    problems
        .into_iter()
        .filter(|p| {
            let top = p.pointer.split('/').nth(1).unwrap_or("");
            !broken.contains(&top) && !refused.iter().any(|r| within(&p.pointer, &r.pointer))
        })
        .collect()
}

/// Whether `pointer` is `outer` or inside it (`outer` empty: the whole document is not meant).
fn within(pointer: &str, outer: &str) -> bool {
    !outer.is_empty()
        && (pointer == outer
            || pointer
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// `/tiers/<i>/covers…`: the checks that need the member list.
fn is_covers(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    segments.get(1) == Some(&"tiers") && segments.get(3) == Some(&"covers")
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn within_is_by_segment() {
        assert!(within("/repos/1/name", "/repos/1"));
        assert!(within("/repos/1", "/repos/1"));
        assert!(!within("/repos/10", "/repos/1"));
        assert!(!within("/repos", ""));
    }
}
