//! Tests of `Lock::of`, the lock's text and digest, and the stamp in release bodies.

use serde_json::{Value, json};

use super::*;
use crate::model::manifest::RepoState;

const EXAMPLE: &str = include_str!("../../../../../examples/release-manifest.json");

fn sha(n: u32) -> String {
    format!("{n:040x}")
}

fn entry(at: &str, to: &str) -> Value {
    json!({"at": at, "actor": "convoy", "event": "phase_changed", "from": "shipping", "to": to,
           "detail": "every repo merged, tagged and released"})
}

/// The example manifest (mid-validation, four repos, three tiers that passed), shipped: every
/// repo merged (by merge commit, except `acme/web` squashed and `acme/worker`, whose base
/// already held its validated SHA).
fn shipped() -> Value {
    let mut m: Value = serde_json::from_str(EXAMPLE).unwrap();
    m["phase"] = json!("shipped");
    for (i, r) in m["repos"].as_array_mut().unwrap().iter_mut().enumerate() {
        r["state"] = json!("shipped");
        let staged = r["shas"]["staged"].clone();
        let n = u32::try_from(i).unwrap();
        r["shas"]["shipped"] = match r["name"].as_str().unwrap() {
            "acme/worker" => staged,
            _ => json!(sha(0x100 + n)),
        };
        r["shas"]["shipped_onto"] = json!(sha(0x200 + n));
        r["prs"]["ship"] = json!(40 + i);
        if r["name"] == "acme/web" {
            r["merge_method"] = json!("squash");
        }
    }
    m["history"]
        .as_array_mut()
        .unwrap()
        .push(entry("2026-11-26T10:00:00Z", "shipped"));
    m
}

fn manifest(v: &Value) -> ReleaseManifest {
    serde_json::from_value(v.clone()).unwrap()
}

fn lock(v: &Value) -> Lock {
    Lock::of(&manifest(v)).expect("a shipped release has a lock")
}

#[test]
fn no_lock_before_the_release_ships() {
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    assert_eq!(Lock::of(&manifest(&example)), None);
    let mut shipping = shipped();
    shipping["phase"] = json!("shipping");
    assert_eq!(Lock::of(&manifest(&shipping)), None);
}

#[test]
fn a_shipped_release_pins_each_repo_and_its_ship_merge() {
    let l = lock(&shipped());
    assert_eq!(l.lock_version, LOCK_VERSION);
    assert_eq!(l.release.as_str(), "2026.12.0");
    assert_eq!(l.tag, "v2026.12.0");
    assert_eq!(l.status, LockStatus::Shipped);
    assert_eq!(l.shipped_at.to_string(), "2026-11-26T10:00:00Z");
    assert_eq!(l.rolled_back_at, None);
    let names: Vec<&str> = l.repos.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["acme/schema", "acme/api", "acme/worker", "acme/web"]
    );

    let schema = &l.repos[0];
    assert_eq!(schema.base.as_str(), "main");
    assert_eq!(schema.rc_branch.as_str(), "rc/2026.12.0");
    assert_eq!(
        schema.cut_from.as_ref().unwrap().as_str(),
        "c6e4c12125ee28d782424bdc51af8dc800000001"
    );
    assert_eq!(schema.ship.sha.as_str(), sha(0x100));
    assert_eq!(schema.ship.method, ShipMethod::Merge);
    assert_eq!(schema.ship.onto.as_ref().unwrap().as_str(), sha(0x200));
    assert_eq!(schema.ship.pull, Some(PullNumber::new(40)));
    assert!(!schema.reverted);

    let worker = l.repo(&RepoName::parse("acme/worker").unwrap()).unwrap();
    assert_eq!(worker.ship.method, ShipMethod::AlreadyOnBase);
    assert_eq!(worker.ship.sha, worker.staged);
    let web = l.repo(&RepoName::parse("acme/web").unwrap()).unwrap();
    assert_eq!(web.ship.method, ShipMethod::Squash);
}

#[test]
fn each_tier_is_admitted_by_its_passing_run_on_the_shipped_shas() {
    let l = lock(&shipped());
    let tiers: Vec<(&str, u64)> = l
        .tiers
        .iter()
        .map(|t| (t.name.as_str(), t.run.run_id.unwrap().get()))
        .collect();
    assert_eq!(tiers, [("smoke", 1000), ("e2e-full", 1001), ("perf", 1002)]);
    let perf = &l.tiers[2];
    assert_eq!(perf.repo.as_str(), "acme/perf-lab");
    assert_eq!(perf.workflow, "perf.yml");
    assert_eq!(perf.phase, TierPhase::Validation);
    assert_eq!(perf.run.correlation_id, "convoy-2026.12.0-perf-1-b2eb21c9");
    assert_eq!(perf.run.conclusion, Conclusion::Success);
    assert_eq!(perf.run.attempt, 1);
    // perf covers acme/api and acme/web only: its run's SHAs are theirs, validated.
    let m = manifest(&shipped());
    let config = m.tier(&perf.name).unwrap();
    assert_eq!(perf.run.shas, l.covered_shas(config));
    assert_eq!(perf.run.shas.len(), 2);
}

#[test]
fn failed_set_aside_and_stale_runs_admit_nothing() {
    let mut v = shipped();
    let runs = v["tier_runs"].as_array_mut().unwrap();
    let smoke = runs[0].clone();
    // Attempt 1 failed, attempt 2 passed: attempt 2 admitted the release.
    runs[0]["conclusion"] = json!("failure");
    let mut second = smoke.clone();
    second["attempt"] = json!(2);
    second["run_id"] = json!(1010);
    second["correlation_id"] = json!("convoy-2026.12.0-smoke-2-1058b7e6");
    runs.push(second);
    // e2e-full: its only passing run was set aside by a `retry`.
    runs[1]["superseded"] = json!(true);
    // perf: it passed, but on SHAs that are not the shipped ones any more.
    runs[2]["shas"]["acme/api"] = json!(sha(0xdead));
    let l = lock(&v);
    let tiers: Vec<(&str, u32, u64)> = l
        .tiers
        .iter()
        .map(|t| (t.name.as_str(), t.run.attempt, t.run.run_id.unwrap().get()))
        .collect();
    assert_eq!(tiers, [("smoke", 2, 1010)]);
}

#[test]
fn a_rollback_after_shipping_keeps_the_lock_and_says_what_was_reverted() {
    let mut v = shipped();
    v["phase"] = json!("rolled_back");
    v["repos"][3]["state"] = json!("reverted");
    let mut back = entry("2026-11-27T08:30:00Z", "rolled_back");
    back["from"] = json!("shipped");
    v["history"].as_array_mut().unwrap().push(back);
    let l = lock(&v);
    assert_eq!(l.status, LockStatus::RolledBack);
    assert_eq!(l.shipped_at.to_string(), "2026-11-26T10:00:00Z");
    assert_eq!(
        l.rolled_back_at.unwrap().to_string(),
        "2026-11-27T08:30:00Z"
    );
    let reverted: Vec<bool> = l.repos.iter().map(|r| r.reverted).collect();
    assert_eq!(reverted, [false, false, false, true]);
    // Everything else is the lock of the shipped release.
    let shipped = lock(&shipped());
    assert_eq!(l.repos[0], shipped.repos[0]);
    assert_eq!(l.tiers, shipped.tiers);
    assert_ne!(l.digest(), shipped.digest());
}

#[test]
fn a_release_rolled_back_partway_through_shipping_has_no_lock() {
    let mut v = shipped();
    v["phase"] = json!("rolled_back");
    let history = v["history"].as_array_mut().unwrap();
    history.pop();
    let mut back = entry("2026-11-26T10:00:00Z", "rolled_back");
    back["detail"] = json!("shipping stopped partway");
    history.push(back);
    v["repos"][3]["shas"]
        .as_object_mut()
        .unwrap()
        .remove("shipped");
    assert_eq!(Lock::of(&manifest(&v)), None);
}

#[test]
fn a_repo_without_its_shipped_sha_gives_no_lock() {
    let mut v = shipped();
    v["repos"][1]["shas"]
        .as_object_mut()
        .unwrap()
        .remove("shipped");
    assert_eq!(Lock::of(&manifest(&v)), None);
}

#[test]
fn the_lock_is_a_pure_function_of_the_manifest() {
    let v = shipped();
    let mut later = v.clone();
    // What does not bear on the claim changes nothing: the tracking issue, history after
    // shipping, the revision.
    later["revision"] = json!(99);
    later["updated_at"] = json!("2026-12-01T00:00:00Z");
    later["summed_up"] = json!(true);
    later["history"].as_array_mut().unwrap().push(json!({
        "at": "2026-11-26T10:05:00Z", "actor": "convoy", "event": "command_status",
        "detail": "status"}));
    assert_eq!(lock(&v), lock(&later));
    assert_eq!(lock(&v).digest(), lock(&later).digest());
}

#[test]
fn text_round_trips_and_the_digest_is_of_the_file_bytes() {
    let l = lock(&shipped());
    let text = l.to_text();
    assert!(text.ends_with("}\n"));
    assert_eq!(serde_json::from_str::<Lock>(&text).unwrap(), l);
    let digest = l.digest();
    assert_eq!(digest, LockDigest::of(text.as_bytes()));
    assert_eq!(digest.as_str().len(), 7 + 64);
    assert_eq!(LockDigest::parse(digest.as_str()), Some(digest.clone()));
    assert_eq!(digest.short().len(), 19);
    // `printf '' | sha256sum`
    assert_eq!(
        LockDigest::of(b"").as_str(),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    for bad in [
        "",
        "sha256:",
        "sha1:abc",
        &format!("sha256:{}", "G".repeat(64)),
    ] {
        assert_eq!(LockDigest::parse(bad), None, "{bad}");
    }
    // Unknown fields are refused: a lock is convoy's own file.
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["extra"] = json!(1);
    assert!(serde_json::from_value::<Lock>(v).is_err());
}

#[test]
fn the_stamp_is_appended_once_and_replaced_when_the_lock_changes() {
    let l = lock(&shipped());
    let link = "https://github.com/acme/control/blob/HEAD/releases/2026.12.0/lock.json";
    let digest = l.digest();
    let notes = "## Orders v2\n\n- acme/api#12 (#31)\n";
    let body = l.stamped(notes, &digest, link);
    assert!(body.starts_with(notes.trim_end()), "{body}");
    assert!(body.contains(&format!("`{digest}`")), "{body}");
    assert!(body.contains(link), "{body}");
    assert!(body.contains("`convoy verify 2026.12.0`"), "{body}");
    assert_eq!(
        Lock::stamped_digest(&body, &l.release),
        Some(digest.clone())
    );
    // Stamping again changes nothing.
    assert_eq!(l.stamped(&body, &digest, link), body);
    // A new digest replaces the old stamp, and the text after it stays.
    let other = LockDigest::of(b"other");
    let edited = format!("{body}\n\nEdited by hand.");
    let again = l.stamped(&edited, &other, link);
    assert_eq!(again.matches("convoy:lock=").count(), 1, "{again}");
    assert!(again.ends_with("Edited by hand."), "{again}");
    assert_eq!(Lock::stamped_digest(&again, &l.release), Some(other));
    // Another release's stamp, or none, gives nothing.
    let id = ReleaseId::parse("2027.1.0").unwrap();
    assert_eq!(Lock::stamped_digest(&body, &id), None);
    assert_eq!(Lock::stamped_digest(notes, &l.release), None);
    assert_eq!(l.stamped("", &digest, link), l.stamp(&digest, link));
}

#[test]
fn a_rolled_back_lock_says_so_in_its_stamp() {
    let mut v = shipped();
    v["phase"] = json!("rolled_back");
    let mut back = entry("2026-11-27T08:30:00Z", "rolled_back");
    back["from"] = json!("shipped");
    v["history"].as_array_mut().unwrap().push(back);
    let l = lock(&v);
    let stamp = l.stamp(&l.digest(), "https://x");
    assert!(
        stamp.contains("**Rolled back** on 2026-11-27 08:30 UTC"),
        "{stamp}"
    );
    let m = manifest(&v);
    assert_eq!(m.repos[0].state, RepoState::Shipped);
}

#[test]
fn the_lock_validates_against_its_schema() {
    use crate::model::schema::Document;
    let value = serde_json::to_value(lock(&shipped())).unwrap();
    assert_eq!(crate::validate::schema::check(Document::Lock, &value), []);
    let mut bad = value.clone();
    bad["repos"][0]["ship"]["method"] = json!("fast_forward");
    assert!(!crate::validate::schema::check(Document::Lock, &bad).is_empty());
}

/// The tiers in the lock are exactly those the lifecycle counts as passed on the shipped SHAs
/// (the rule is written twice, once on each side of the model/lifecycle wall).
#[test]
fn locked_tiers_are_the_tiers_the_lifecycle_saw_pass() {
    use crate::lifecycle::{TierVerdict, tier_verdicts};
    let mut v = shipped();
    v["tier_runs"][1]["superseded"] = json!(true);
    v["tier_runs"][2]["conclusion"] = json!("failure");
    for v in [shipped(), v] {
        let m = manifest(&v);
        let passed: Vec<String> = [TierPhase::Staging, TierPhase::Validation]
            .into_iter()
            .flat_map(|p| tier_verdicts(&m, p))
            .filter(|(_, verdict)| *verdict == TierVerdict::Passed)
            .map(|(name, _)| name.to_string())
            .collect();
        let locked: Vec<String> = lock(&v).tiers.iter().map(|t| t.name.to_string()).collect();
        assert_eq!(locked, passed);
    }
}
