//! JSON Schema violations in convoy's words.
//!
//! jsonschema's own messages are precise but terse (`"3" is not of type "integer"`); each kind a
//! person meets in `convoy.json` or a manifest is written here as a sentence that says what the
//! value must be, what it is, and, where there is one, the fix: a near-miss field name, the
//! value without quotes, the choices.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as Kind;
use serde_json::Value;

use super::problem::{Problem, pointer_push, quote, quote_json};
use super::suggest::did_you_mean;

/// The problems one schema violation stands for (one per unknown field, one otherwise).
pub(super) fn describe(schema: &Value, e: &ValidationError<'_>) -> Vec<Problem> {
    let at = e.instance_path().to_string();
    let node = Node::new(schema, &e.schema_path().to_string());
    let instance: &Value = e.instance();
    let message = match e.kind() {
        Kind::AdditionalProperties { unexpected } | Kind::UnevaluatedProperties { unexpected } => {
            let known = node.owner().map(property_names).unwrap_or_default();
            return unexpected
                .iter()
                .map(|field| Problem::new(pointer_push(&at, field), unknown_field(field, &known)))
                .collect();
        }
        Kind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            let what = node
                .owner()
                .and_then(|o| o.get("properties")?.get(&name))
                .and_then(|p| description(schema, p));
            match what {
                Some(what) => format!("the field {} is missing: {what}", quote(&name)),
                None => format!("the field {} is missing", quote(&name)),
            }
        }
        Kind::Type { .. } => {
            let expected = node.value().map(types_of).unwrap_or_default();
            wrong_type(&expected, instance)
        }
        Kind::Enum { options } => {
            let choices: Vec<&Value> = options
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            not_one_of(instance, &choices)
        }
        Kind::Constant { expected_value } => {
            format!("must be {} (got {})", show(expected_value), got(instance))
        }
        Kind::OneOfNotValid { context } | Kind::AnyOf { context } => {
            let alternatives = node.value().and_then(Value::as_array);
            let consts: Vec<&Value> = alternatives
                .map(|alts| {
                    alts.iter()
                        .filter_map(|a| resolve_ref(schema, a).get("const"))
                        .collect()
                })
                .unwrap_or_default();
            if !consts.is_empty() && alternatives.is_some_and(|a| a.len() == consts.len()) {
                not_one_of(instance, &consts)
            } else {
                // `X or null` (an optional field): the errors of the alternative that is not
                // `null`, or of the first one.
                let chosen = context
                    .iter()
                    .find(|errs| !errs.iter().all(|e| is_null_type(schema, e)))
                    .or(context.first());
                let inner: Vec<Problem> = chosen
                    .map(|errs| errs.iter().flat_map(|e| describe(schema, e)).collect())
                    .unwrap_or_default();
                if inner.is_empty() {
                    format!(
                        "{} does not have any of the forms allowed here",
                        got(instance)
                    )
                } else {
                    return inner;
                }
            }
        }
        Kind::OneOfMultipleValid { .. } => {
            format!(
                "{} could be read in more than one way; see the schema",
                got(instance)
            )
        }
        Kind::Pattern { .. } => {
            let form = node
                .owner()
                .and_then(|o| o.get("description"))
                .and_then(Value::as_str)
                .map(noun_phrase);
            match form {
                Some(form) => format!("must be {form} (got {})", got(instance)),
                None => format!("{} does not have the expected form", got(instance)),
            }
        }
        Kind::Minimum { limit } => format!("must be at least {limit} (got {})", got(instance)),
        Kind::Maximum { limit } => format!("must be at most {limit} (got {})", got(instance)),
        Kind::ExclusiveMinimum { limit } => {
            format!("must be more than {limit} (got {})", got(instance))
        }
        Kind::ExclusiveMaximum { limit } => {
            format!("must be less than {limit} (got {})", got(instance))
        }
        Kind::MinLength { limit: 1 } => "must not be empty".to_owned(),
        Kind::MinLength { limit } => format!(
            "must have at least {limit} characters (got {})",
            chars_of(instance)
        ),
        Kind::MaxLength { limit } => format!(
            "must have at most {limit} characters (got {})",
            chars_of(instance)
        ),
        Kind::MinItems { limit: 1 } => "must list at least one item".to_owned(),
        Kind::MinItems { limit } => format!(
            "must list at least {limit} items (got {})",
            items_of(instance)
        ),
        Kind::MaxItems { limit } => format!(
            "must list at most {limit} items (got {})",
            items_of(instance)
        ),
        Kind::UniqueItems => "lists the same value twice; list each value once".to_owned(),
        Kind::MinProperties { limit } => format!("must have at least {limit} fields"),
        Kind::MaxProperties { limit } => format!("must have at most {limit} fields"),
        Kind::Format { format } => format!("{} is not a valid {format}", got(instance)),
        Kind::MultipleOf { multiple_of } => {
            format!(
                "must be a multiple of {multiple_of} (got {})",
                got(instance)
            )
        }
        other => format!(
            "{} is not allowed here (schema keyword `{}`); `convoy schema` prints the schema",
            got(instance),
            other.keyword()
        ),
    };
    vec![Problem::new(at, message)]
}

/// `unknown field `x``, with the near miss or the fields allowed there.
fn unknown_field(field: &str, known: &[&str]) -> String {
    let mut message = format!("unknown field {}", quote(field));
    if let Some(near) = did_you_mean(field, known.iter().copied()) {
        message.push_str(&format!("; did you mean {}?", quote(near)));
    } else if !known.is_empty() {
        let list: Vec<String> = known.iter().map(|k| quote(k)).collect();
        message.push_str(&format!("; expected one of {}", list.join(", ")));
    }
    message
}

/// `x` is not one of the choices, with the near miss when the value is a string.
fn not_one_of(instance: &Value, choices: &[&Value]) -> String {
    let list: Vec<String> = choices.iter().map(|c| show(c)).collect();
    let value = match instance {
        Value::String(s) => quote(s),
        other => got(other),
    };
    let mut message = format!("{value} is not one of {}", list.join(", "));
    let names = choices.iter().filter_map(|c| c.as_str());
    if let Some(near) = instance.as_str().and_then(|s| did_you_mean(s, names)) {
        message.push_str(&format!("; did you mean {}?", quote(near)));
    }
    message
}

/// `must be a whole number (got the string "3"); write 3 without quotes`.
fn wrong_type(expected: &[&str], instance: &Value) -> String {
    let wanted: Vec<&str> = expected.iter().map(|t| type_noun(t)).collect();
    let mut message = format!("must be {} (got {})", or_list(&wanted), got(instance));
    let wants = |t: &str| expected.contains(&t);
    let hint = match instance {
        Value::String(s)
            if (wants("integer") && s.trim().parse::<i64>().is_ok())
                || (wants("number") && s.trim().parse::<f64>().is_ok_and(f64::is_finite))
                || (wants("boolean") && matches!(s.trim(), "true" | "false")) =>
        {
            Some(format!("write {} without quotes", s.trim()))
        }
        Value::Number(_) | Value::Bool(_) if wants("string") => Some(format!(
            "put it in quotes: {}",
            quote_json(&instance.to_string())
        )),
        Value::String(s) if wants("array") => {
            Some(format!("write it as a list: [{}]", quote_json(s)))
        }
        Value::Number(n) if wants("array") => Some(format!("write it as a list: [{n}]")),
        _ => None,
    };
    if let Some(hint) = hint {
        message.push_str("; ");
        message.push_str(&hint);
    }
    message
}

fn type_noun(t: &str) -> &'static str {
    match t {
        "integer" => "a whole number",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        "null" => "null",
        _ => "another type",
    }
}

/// What a value is, for "(got …)": `the string "3"`, `the number 3`, `a list`.
fn got(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote_json(s)),
        Value::Array(a) if a.is_empty() => "an empty list".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A value in a list of choices: strings between backticks, others as JSON.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Array(_) | Value::Object(_) => got(v),
        other => quote(&other.to_string()),
    }
}

fn chars_of(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn items_of(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

fn or_list(items: &[&str]) -> String {
    match items {
        [] => "something else".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A description's first sentence, lower-cased, without its period: `A GitHub repository as
/// `owner/name`.` → `a GitHub repository as `owner/name``.
fn noun_phrase(description: &str) -> String {
    let flat = description.replace('\n', " ");
    let first = flat.split(". ").next().unwrap_or(&flat);
    let trimmed = first.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A property's description as a phrase (its own, else its `$ref` target's).
fn description(schema: &Value, property: &Value) -> Option<String> {
    property
        .get("description")
        .or_else(|| resolve_ref(schema, property).get("description"))
        .and_then(Value::as_str)
        .map(noun_phrase)
}

fn types_of(type_keyword: &Value) -> Vec<&str> {
    match type_keyword {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The property names an object schema allows, in schema order.
fn property_names(object_schema: &Value) -> Vec<&str> {
    object_schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Whether `e` only says "this is not null" (the `null` alternative of an optional field).
fn is_null_type(schema: &Value, e: &ValidationError<'_>) -> bool {
    matches!(e.kind(), Kind::Type { .. })
        && Node::new(schema, &e.schema_path().to_string())
            .value()
            .is_some_and(|t| types_of(t) == ["null"])
}

/// A `{"$ref": "#/$defs/X"}` schema's target, or the schema itself.
fn resolve_ref<'a>(schema: &'a Value, node: &'a Value) -> &'a Value {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| schema.pointer(p))
        .unwrap_or(node)
}

/// A keyword's place in the schema (`/$defs/TierConfig/properties/x/type`).
struct Node<'a> {
    schema: &'a Value,
    pointer: String,
}

impl<'a> Node<'a> {
    fn new(schema: &'a Value, pointer: &str) -> Self {
        Node {
            schema,
            pointer: pointer.to_owned(),
        }
    }

    /// The keyword's value.
    fn value(&self) -> Option<&'a Value> {
        self.schema.pointer(&self.pointer)
    }

    /// The schema object holding the keyword.
    fn owner(&self) -> Option<&'a Value> {
        let parent = self.pointer.rsplit_once('/')?.0;
        self.schema.pointer(parent)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::describe;

    /// The messages of `instance` against `schema`, one line each.
    fn messages(schema: Value, instance: Value) -> Vec<String> {
        let validator = jsonschema::validator_for(&schema).unwrap();
        validator
            .iter_errors(&instance)
            .flat_map(|e| describe(&schema, &e))
            .map(|p| p.to_string())
            .collect()
    }

    /// The kinds convoy's own schemas do not use today, worded all the same.
    #[test]
    fn list_length_and_constant_kinds() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "array", "minItems": 1},
                "b": {"type": "array", "minItems": 2, "maxItems": 3, "uniqueItems": true},
                "c": {"const": "v1"},
                "d": {"type": "string", "minLength": 3, "maxLength": 4},
                "e": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 2},
                "f": {"enum": ["x", "y"]}
            }
        });
        let got = messages(
            schema,
            json!({"a": [], "b": [1, 1, 1, 1], "c": "v2", "d": "ab", "e": 0, "f": "z"}),
        );
        assert_eq!(
            got,
            [
                "/a: must list at least one item",
                "/b: must list at most 3 items (got 4)",
                "/b: lists the same value twice; list each value once",
                "/c: must be `v1` (got the string \"v2\")",
                "/d: must have at least 3 characters (got 2)",
                "/e: must be more than 0 (got the number 0)",
                "/f: `z` is not one of `x`, `y`",
            ]
        );
    }
}
