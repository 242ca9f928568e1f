//! JSON Schema validation with messages written for people.
//!
//! jsonschema's own messages are precise but terse (`Additional properties are not allowed`);
//! the common kinds are rewritten here into sentences that name the field and the choices.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::problem::{Problem, pointer_push};
use crate::model::schema::Document;

struct Compiled {
    schema: Value,
    validator: Validator,
}

/// The compiled validator for a document (compiled once per process).
fn compiled(doc: Document) -> Result<&'static Compiled, String> {
    static CONFIG: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static MANIFEST: OnceLock<Result<Compiled, String>> = OnceLock::new();
    let cell = match doc {
        Document::Config => &CONFIG,
        Document::Manifest => &MANIFEST,
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

/// Checks `value` against the document's schema; one problem per violation, in document order.
pub fn check(doc: Document, value: &Value) -> Vec<Problem> {
    let compiled = match compiled(doc) {
        Ok(c) => c,
        Err(e) => return vec![Problem::new("", e)],
    };
    let mut problems: Vec<Problem> = compiled
        .validator
        .iter_errors(value)
        .map(|e| describe(&compiled.schema, &e))
        .collect();
    problems.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    problems.dedup();
    problems
}

fn describe(schema: &Value, e: &ValidationError<'_>) -> Problem {
    let at = e.instance_path().to_string();
    let instance = e.instance();
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let field = unexpected.first().cloned().unwrap_or_default();
            let known = keyword_owner(schema, &e.schema_path().to_string(), "additionalProperties")
                .and_then(|n| n.get("properties"))
                .and_then(Value::as_object)
                .map(|props| props.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            let mut message = format!("unknown field `{field}`");
            if !known.is_empty() {
                message.push_str(&format!("; expected one of {}", quote_list(&known)));
            }
            Problem::new(pointer_push(&at, field), message)
        }
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            Problem::new(at, format!("missing required field `{name}`"))
        }
        ValidationErrorKind::Enum { options } => {
            let choices: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(show).collect())
                .unwrap_or_default();
            Problem::new(
                at,
                format!("{} is not one of {}", show(instance), choices.join(", ")),
            )
        }
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            let consts = schema_node(schema, &e.schema_path().to_string())
                .and_then(Value::as_array)
                .map(|alts| {
                    alts.iter()
                        .filter_map(|a| a.get("const"))
                        .map(show)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            if consts.is_empty() {
                Problem::new(at, e.to_string())
            } else {
                Problem::new(
                    at,
                    format!("{} is not one of {}", show(instance), consts.join(", ")),
                )
            }
        }
        ValidationErrorKind::Pattern { .. } => {
            let hint = keyword_owner(schema, &e.schema_path().to_string(), "pattern")
                .and_then(|n| n.get("description"))
                .and_then(Value::as_str)
                .unwrap_or("see the schema");
            Problem::new(
                at,
                format!("{} does not have the expected form: {hint}", show(instance)),
            )
        }
        _ => Problem::new(at, e.to_string()),
    }
}

/// The schema node at a JSON pointer (`/$defs/RepoConfig/additionalProperties`).
fn schema_node<'a>(schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    schema.pointer(pointer)
}

/// The schema object holding `keyword`, given the keyword's location (`…/<keyword>`).
fn keyword_owner<'a>(schema: &'a Value, pointer: &str, keyword: &str) -> Option<&'a Value> {
    let parent = pointer.strip_suffix(keyword)?.strip_suffix('/')?;
    schema.pointer(parent)
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
