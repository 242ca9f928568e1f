//! Reading GitHub's answers as leniently as convoy always has: a field of the wrong type reads
//! as absent, a list item that is not an object is skipped, and an answer that is not an object
//! reads as an object with every field absent. So an odd answer degrades to "not there" exactly
//! where convoy used to look fields up one by one, instead of failing a whole request.

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A field that reads as `None` when it is absent, `null` or of another type.
pub fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// A field whose presence counts: `Some(value)` when present (the value read leniently, so
/// `Some(None)` when it is `null` or of another type), `None` when absent (with `default`).
pub fn present_lenient<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    lenient(d).map(Some)
}

/// `true` when the field is present at all, even as `null` (with `default`: `false` when absent).
pub fn present<'de, D>(d: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    IgnoredAny::deserialize(d).map(|_| true)
}

/// A list field: its object items that read as `T`; anything else reads as an empty list.
pub fn items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(list(Value::deserialize(d)?))
}

/// The object items of a list answer that read as `T`; an answer that is not a list is empty.
pub fn list<T: DeserializeOwned>(answer: Value) -> Vec<T> {
    match answer {
        Value::Array(items) => objects(items),
        _ => Vec::new(),
    }
}

/// The items that are objects and read as `T` (the others are skipped).
pub fn objects<T: DeserializeOwned>(items: Vec<Value>) -> Vec<T> {
    items
        .into_iter()
        .filter(Value::is_object)
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

/// An object answer as `T`; an answer that is not an object (or does not read) is `T::default()`.
/// Meant for types whose fields are all lenient, which always read.
pub fn object<T: DeserializeOwned + Default>(answer: Value) -> T {
    if answer.is_object() {
        serde_json::from_value(answer).unwrap_or_default()
    } else {
        T::default()
    }
}

/// A word GitHub uses for an enum convoy knows (`success`, `write`, …), when it is one.
pub fn word<T: DeserializeOwned>(s: &str) -> Option<T> {
    use serde::de::IntoDeserializer as _;
    let d: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = s.into_deserializer();
    T::deserialize(d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Thing {
        #[serde(deserialize_with = "lenient")]
        n: Option<u64>,
        #[serde(deserialize_with = "present")]
        flag: bool,
        #[serde(deserialize_with = "present_lenient")]
        title: Option<Option<String>>,
        #[serde(deserialize_with = "items")]
        parts: Vec<Thing>,
    }

    #[test]
    fn odd_answers_read_as_absent() {
        let t: Thing = object(json!({"n": "7", "flag": null, "title": 3, "parts": [1, {"n": 2}]}));
        assert_eq!(t.n, None);
        assert!(t.flag);
        assert_eq!(t.title, Some(None));
        assert_eq!(t.parts.len(), 1);
        assert_eq!(t.parts[0].n, Some(2));
        assert_eq!(object::<Thing>(json!([1, 2])), Thing::default());
        assert_eq!(list::<Thing>(json!({"n": 1})).len(), 0);
        assert_eq!(
            word::<crate::model::config::MergeMethod>("squash"),
            Some(crate::model::config::MergeMethod::Squash)
        );
        assert_eq!(word::<crate::model::config::MergeMethod>("nope"), None);
    }
}
