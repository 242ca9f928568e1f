//! Webhook payloads: mutated, truncated and flipped fixtures never panic, errors name the field,
//! and huge payloads parse in reasonable time.

use std::time::Instant;

use convoy::event::parse_event;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::common::config;
use super::strategies::{arb_mutation, mutate, nasty_string};

fn fixtures() -> &'static [(String, Value)] {
    static CACHE: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks");
        let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let path = e.unwrap().path();
                let file = path.file_name()?.to_string_lossy().into_owned();
                if !file.ends_with(".json") {
                    return None;
                }
                let event = file.split('.').next()?.to_owned();
                Some((
                    event,
                    serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?,
                ))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!out.is_empty(), "no webhook fixtures in {}", dir.display());
        out
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mutated_webhooks_never_panic_and_name_the_field(
        index in any::<prop::sample::Index>(),
        steps in prop::collection::vec(any::<usize>(), 1..6),
        mutation in arb_mutation(),
    ) {
        let (event, payload) = &fixtures()[index.index(fixtures().len())];
        let mut v = payload.clone();
        let at = mutate(&mut v, &steps, &mutation);
        let bytes = serde_json::to_vec(&v).unwrap();
        match parse_event(event, &bytes) {
            Ok(_) => {}
            Err(e) => {
                let text = e.to_string();
                prop_assert!(
                    text.contains("`/") || text.contains("not a JSON object"),
                    "{event} {mutation:?} at {at}: {text}"
                );
                prop_assert!(text.len() < 2_000, "{event} at {at}: {} bytes", text.len());
            }
        }
    }

}

proptest! {
    // Bodies up to a few MB: fewer cases by default.
    #![proptest_config(config(64))]

    #[test]
    fn hostile_comment_bodies_never_panic(body in nasty_string(), lines in 0usize..15) {
        let (_, fixture) = fixtures()
            .iter()
            .find(|(e, v)| e == "issue_comment" && v["action"] == "created")
            .unwrap();
        let mut v = fixture.clone();
        let mut text = body.clone();
        for i in 0..lines {
            text.push_str(&format!("\n/convoy {body}{i}"));
        }
        v["comment"]["body"] = json!(text);
        let _ = parse_event("issue_comment", &serde_json::to_vec(&v).unwrap());
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn truncated_and_flipped_payloads_never_panic(
        index in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let (event, payload) = &fixtures()[index.index(fixtures().len())];
        let mut bytes = serde_json::to_vec(payload).unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let _ = parse_event(event, &bytes);
    }
}

/// Peak resident memory of this process so far, in MB (Linux), for the test output.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[test]
fn a_25_mb_comment_is_parsed_in_reasonable_time() {
    let (_, fixture) = fixtures()
        .iter()
        .find(|(e, v)| e == "issue_comment" && v["action"] == "created")
        .unwrap();
    let mut v = fixture.clone();
    let mut body = "lorem ipsum <script>@everyone | ".repeat(25 * 1024 * 1024 / 32);
    body.push_str("\n/convoy approve\n");
    v["comment"]["body"] = json!(body);
    let bytes = serde_json::to_vec(&v).unwrap();
    assert!(bytes.len() >= 25 * 1024 * 1024);
    let start = Instant::now();
    let result = parse_event("issue_comment", &bytes);
    let took = start.elapsed();
    println!(
        "issue_comment of {:.1} MB: {:?} in {took:?} (peak RSS {:?} MB)",
        bytes.len() as f64 / 1048576.0,
        result
            .as_ref()
            .map(|_| "parsed")
            .map_err(ToString::to_string),
        peak_rss_mb()
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(took.as_secs() < 10, "parsing took {took:?}");
}

#[test]
fn a_push_with_thousands_of_commits_is_parsed_in_reasonable_time() {
    let (_, fixture) = fixtures().iter().find(|(e, _)| e == "push").unwrap();
    let mut v = fixture.clone();
    let commit = v["commits"]
        .as_array()
        .and_then(|c| c.first().cloned())
        .unwrap_or_else(
            || json!({"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "m"}),
        );
    let mut big = commit.clone();
    big["message"] = json!("x".repeat(2_000));
    let n = 12_000;
    v["commits"] = json!(vec![big; n]);
    let bytes = serde_json::to_vec(&v).unwrap();
    let start = Instant::now();
    let result = parse_event("push", &bytes);
    let took = start.elapsed();
    println!(
        "push with {n} commits ({:.1} MB): {:?} in {took:?} (peak RSS {:?} MB)",
        bytes.len() as f64 / 1048576.0,
        result
            .as_ref()
            .map(|_| "parsed")
            .map_err(ToString::to_string),
        peak_rss_mb()
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(took.as_secs() < 10, "parsing took {took:?}");
}

#[test]
fn a_25_mb_non_object_is_refused_with_a_position() {
    let bytes = vec![b'['; 25 * 1024 * 1024];
    let start = Instant::now();
    let e = parse_event("push", &bytes).unwrap_err();
    println!("25 MB of `[`: {e} in {:?}", start.elapsed());
    assert!(e.to_string().contains("line 1"), "{e}");
}
