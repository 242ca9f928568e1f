//! Property tests: no input makes the event edge panic.

use convoy::event::{parse_command_line, parse_create_args, parse_event};
use proptest::prelude::*;
use serde_json::Value;

use super::{EVENTS, all_fixtures, parse};

/// An arbitrary JSON value, up to a few levels deep, with strings that sometimes look like the
/// values convoy expects.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        ".*".prop_map(Value::from),
        prop_oneof![
            Just("convoy.tier-completed"),
            Just("convoy.task-completed"),
            Just("convoy.approve"),
            Just("convoy.create"),
            Just("opened"),
            Just("closed"),
            Just("created"),
            Just("completed"),
            Just("refs/heads/main"),
            Just("6113728f27ae82c7b1a177c8d03f9e96e0adf246"),
            Just("0000000000000000000000000000000000000000"),
            Just("acme/api"),
            Just("/convoy create title=\"x"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,12}",
                    Just("action".to_owned()),
                    Just("pull_request".to_owned()),
                    Just("repository".to_owned()),
                    Just("inputs".to_owned()),
                    Just("client_payload".to_owned()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the value at a pseudo-random place in `v` (chosen by `steps`) with `new`.
fn mutate(v: &mut Value, steps: &[usize], new: Value) {
    let Some((&step, rest)) = steps.split_first() else {
        *v = new;
        return;
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let n = m.len();
            if let Some((_, child)) = m.iter_mut().nth(step % n) {
                mutate(child, rest, new);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            mutate(&mut a[step % n], rest, new);
        }
        _ => *v = new,
    }
}

fn fixtures_cache() -> &'static [(String, String, Value)] {
    static CACHE: std::sync::OnceLock<Vec<(String, String, Value)>> = std::sync::OnceLock::new();
    CACHE.get_or_init(all_fixtures)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(event in prop::sample::select(&EVENTS[..]),
                                   bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_event(event, &bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(event in prop::sample::select(&EVENTS[..]), value in arb_json()) {
        let _ = parse_event(event, &serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn mutated_fixtures_never_panic(index in any::<usize>(),
                                    steps in prop::collection::vec(any::<usize>(), 0..6),
                                    new in arb_json()) {
        let fixtures = fixtures_cache();
        let (_, event, payload) = &fixtures[index % fixtures.len()];
        let mut v = payload.clone();
        mutate(&mut v, &steps, new);
        if let Err(e) = parse(event, &v) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn arbitrary_comment_lines_never_panic(line in ".{0,200}") {
        let _ = parse_command_line(&line);
        let _ = parse_command_line(&format!("/convoy {line}"));
        let _ = parse_command_line(&format!("/convoy create {line}"));
        let _ = parse_create_args(&line);
    }
}
