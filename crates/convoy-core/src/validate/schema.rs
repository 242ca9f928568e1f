//! JSON Schema validation; the messages are convoy's ([`super::wording`]).

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::problem::Problem;
use super::wording::describe;
use crate::model::schema::Document;

struct Compiled {
    schema: Value,
    validator: Validator,
}

/// The compiled validator for a document (compiled once per process).
fn compiled(doc: Document) -> Result<&'static Compiled, String> {
    static CONFIG: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static MANIFEST: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static LOCK: OnceLock<Result<Compiled, String>> = OnceLock::new();
    let cell = match doc {
        Document::Config => &CONFIG,
        Document::Manifest => &MANIFEST,
        Document::Lock => &LOCK,
    };
    cell.get_or_init(|| {
        let schema: Value = serde_json::from_str(doc.schema_text())
            .map_err(|e| format!("the embedded {} schema is not JSON: {e}", doc.noun()))?;
        let validator = jsonschema::validator_for(&schema)
            .map_err(|e| format!("the embedded {} schema does not compile: {e}", doc.noun()))?;
        Ok(Compiled { schema, validator })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Checks `value` against the document's schema; one problem per violation (one per unknown
/// field), ordered by pointer, array indices as numbers.
pub fn check(doc: Document, value: &Value) -> Vec<Problem> {
    let compiled = match compiled(doc) {
        Ok(c) => c,
        Err(e) => return vec![Problem::new("", e)],
    };
    let mut problems: Vec<Problem> = compiled
        .validator
        .iter_errors(value)
        .flat_map(|e| describe(&compiled.schema, &e))
        .collect();
    problems.sort_by(|a, b| pointer_key(&a.pointer).cmp(&pointer_key(&b.pointer)));
    problems.dedup();
    problems
}

/// A pointer's segments, indices as numbers: `/repos/2` sorts before `/repos/10`.
fn pointer_key(pointer: &str) -> Vec<(u64, &str)> {
    pointer
        .split('/')
        .map(|s| (s.parse().unwrap_or(u64::MAX), s))
        .collect()
}
