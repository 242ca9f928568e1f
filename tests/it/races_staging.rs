//! Staging exclusivity across concurrent runs, through the sandbox: releases that become ready
//! at the same moment race for staging in many runs at once, and the staging lock (a branch in
//! the control repo that only one run can create) lets exactly one in; the lock is removed when
//! its release ships, aborts or is rolled back; a lock left behind by a run that crashed is
//! recovered; a dry run takes none; the lock's scope is one repository's staging branch.

use crate::scenario;

use convoy::github::staging_lock;
use convoy::github::store::ManifestStore;
use convoy::model::history::HistoryEvent;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{Phase, ReleaseManifest};
use convoy::model::staging_lock::{LAPSE_MINUTES, LockClaim, holds_staging};
use scenario::invariants::{staging_exclusive, staging_history};
use scenario::{Scenario, pass, seed_with};
use serde_json::{Value, json};

/// The demo without sprints: a release has no task, so under `careful` it waits in development
/// only for its promote gate, and `promote` makes it ready at once.
async fn no_tasks() -> Scenario {
    Scenario::start(seed_with(|c| c["sprints"] = json!([]), |_| {})).await
}

/// A careful release created and its plan approved: in development, RC branches cut, waiting
/// for `promote`.
async fn in_development(s: &mut Scenario, id: &str) {
    s.create(id, "").await;
    s.dispatch("alice", "approve", id, "").await;
    assert_eq!(s.manifest(id).await.phase, Phase::Development);
}

/// A `workflow_dispatch` of `command` for `release` by alice.
fn dispatch(command: &str, release: &str) -> (String, Value) {
    (
        "workflow_dispatch".to_owned(),
        json!({
            "inputs": {"command": command, "release": release, "args": ""},
            "ref": "refs/heads/main",
            "repository": {"full_name": "acme/control", "name": "control", "owner": {"login": "acme"}},
            "sender": {"login": "alice", "type": "User"},
            "workflow": ".github/workflows/convoy.yml"
        }),
    )
}

/// The scheduled run (every active release).
fn schedule() -> (String, Value) {
    ("schedule".to_owned(), json!({"schedule": "*/15 * * * *"}))
}

/// The staging lock branches in the control repo: (branch, the release its commit names, the
/// commit's parents).
async fn locks(s: &Scenario) -> Vec<(String, String, usize)> {
    let refs = s
        .get("/repos/acme/control/git/matching-refs/heads/convoy/staging-lock/")
        .await;
    let mut out = Vec::new();
    for r in refs.as_array().unwrap() {
        let sha = r["object"]["sha"].as_str().unwrap();
        let commit = s
            .get(&format!("/repos/acme/control/git/commits/{sha}"))
            .await;
        let claim = LockClaim::parse(commit["message"].as_str().unwrap()).unwrap();
        out.push((
            r["ref"].as_str().unwrap().to_owned(),
            claim.release.to_string(),
            commit["parents"].as_array().unwrap().len(),
        ));
    }
    out
}

/// The releases among `ids` whose manifests hold staging now.
async fn holders(s: &Scenario, ids: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        if holds_staging(s.manifest(id).await.phase) {
            out.push((*id).to_owned());
        }
    }
    out
}

/// Fails on any moment two releases held staging together, now or at any manifest write so far.
async fn assert_exclusive(s: &Scenario) {
    let now = staging_exclusive(s).await;
    assert!(now.is_empty(), "{now:#?}");
    let ever = staging_history(s);
    assert!(ever.is_empty(), "{ever:#?}");
}

/// Four releases become ready at once (their `promote` commands in concurrent runs, two each,
/// with scheduled runs among them): exactly one enters staging, the others wait in development
/// and say which release holds staging. Its abort removes its locks, and the rest race again
/// (scheduled and per-release runs, started a few milliseconds apart, a different spacing each
/// round), until one is left. After every race and at every manifest write of the control
/// repo's history, no two releases held staging together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releases_racing_for_staging_in_concurrent_runs_never_hold_it_together() {
    let mut s = no_tasks().await;
    let ids = ["r1", "r2", "r3", "r4"];
    for id in ids {
        in_development(&mut s, id).await;
    }
    let mut events = Vec::new();
    for _ in 0..2 {
        events.extend(ids.iter().map(|id| dispatch("promote", id)));
        events.push(schedule());
    }
    let mut left: Vec<&str> = ids.to_vec();
    let mut stagger = [0, 2, 7].into_iter();
    loop {
        s.race_all(&events, stagger.next().unwrap_or(0)).await;
        s.deliver().await;
        assert_exclusive(&s).await;
        let held = holders(&s, &left).await;
        assert_eq!(
            held.len(),
            1,
            "exactly one of {left:?} holds staging: {held:?}"
        );
        let winner = held[0].clone();
        let taken = locks(&s).await;
        assert_eq!(taken.len(), 3, "one lock per member repo: {taken:#?}");
        assert!(taken.iter().all(|(_, r, _)| *r == winner), "{taken:#?}");
        for id in left.iter().filter(|id| **id != winner) {
            let m = s.manifest(id).await;
            assert_eq!(m.phase, Phase::Development, "{id}");
            let said = m
                .history
                .iter()
                .filter(|h| h.event == HistoryEvent::StagingHeld)
                .any(|h| h.detail.contains(&format!("by release {winner}")));
            assert!(said, "{id} says {winner} holds staging: {:#?}", m.history);
            let issue = s
                .get(&format!(
                    "/repos/acme/control/issues/{}",
                    m.tracking_issue.unwrap()
                ))
                .await;
            assert!(
                issue["body"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("by release {winner}")),
                "the tracking issue of {id} names {winner}"
            );
        }
        s.dispatch("alice", "abort", &winner, "").await;
        assert_eq!(s.manifest(&winner).await.phase, Phase::Aborted);
        assert_eq!(locks(&s).await, [], "the abort removed {winner}'s locks");
        left.retain(|id| *id != winner);
        if left.len() < 2 {
            break;
        }
        events = left
            .iter()
            .flat_map(|id| [dispatch("reconcile", id), schedule()])
            .collect();
    }
    // The last one moves on by itself.
    s.tick().await;
    assert_eq!(holders(&s, &left).await, left);
    assert_exclusive(&s).await;
    eprintln!(
        "{} racing runs; {} lost every compare-and-swap",
        s.started,
        s.errors.len()
    );
}

/// The lock's scope is one repository's staging branch: two releases over disjoint repos both
/// enter staging, one lock each, and a release over both waits, naming both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releases_over_disjoint_repos_stage_together_and_one_over_both_waits() {
    let mut s = no_tasks().await;
    s.edit_config(|c| c["repos"] = json!([{"name": "acme/schema"}]))
        .await;
    in_development(&mut s, "ra").await;
    s.edit_config(|c| c["repos"] = json!([{"name": "acme/web"}]))
        .await;
    in_development(&mut s, "rb").await;
    s.edit_config(|c| {
        c["repos"] = json!([{"name": "acme/schema"}, {"name": "acme/api"}, {"name": "acme/web"}]);
    })
    .await;
    in_development(&mut s, "rc").await;
    s.dispatch("alice", "promote", "ra", "").await;
    s.dispatch("alice", "promote", "rb", "").await;
    assert_eq!(holders(&s, &["ra", "rb"]).await, ["ra", "rb"]);
    let mut taken: Vec<String> = locks(&s).await.into_iter().map(|(_, r, _)| r).collect();
    taken.sort();
    assert_eq!(taken, ["ra", "rb"], "one lock each");
    s.dispatch("alice", "promote", "rc", "").await;
    let m = s.manifest("rc").await;
    assert_eq!(m.phase, Phase::Development);
    let waits: Vec<String> = s.waits("rc").into_iter().map(|(_, w)| w).collect();
    for (repo, holder) in [("acme/schema", "ra"), ("acme/web", "rb")] {
        assert!(
            waits.iter().any(|w| w.starts_with(&format!(
                "staging of {repo} is held by release {holder} (staging)"
            ))),
            "{waits:#?}"
        );
    }
    let now = staging_exclusive(&s).await;
    assert!(now.is_empty(), "{now:#?}");
}

fn store() -> ManifestStore {
    ManifestStore {
        repo: RepoName::parse("acme/control").unwrap(),
        branch: None,
    }
}

/// The lock's life: a dry run takes none; a release entering staging holds one lock per member
/// repo, removed when it ships, aborts or is rolled back; a lock left by a run that ended its
/// release and crashed before removing it holds the next release only until it lapses, which
/// then takes it over (a commit on top of the old one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_removed_when_staging_is_released_and_a_stale_one_is_recovered() {
    let mut s = no_tasks().await;
    let store = store();
    for id in ["r1", "r2", "r3", "r4"] {
        in_development(&mut s, id).await;
    }

    // A dry run decides to enter staging and takes nothing.
    let before = s.manifest("r1").await;
    let (name, payload) = dispatch("promote", "r1");
    let runs = s.dry_run(&name, &payload).await;
    assert_eq!(runs[0].decisions[0].manifest.phase, Phase::Staging);
    assert_eq!(locks(&s).await, []);
    assert_eq!(s.manifest("r1").await, before, "nothing written");

    // Shipped, aborted, rolled back: each removes the release's locks.
    s.dispatch("alice", "promote", "r1", "").await;
    assert_eq!(s.manifest("r1").await.phase, Phase::Staging);
    let taken = locks(&s).await;
    assert_eq!(taken.len(), 3, "{taken:#?}");
    assert!(
        taken
            .iter()
            .all(|(_, r, parents)| r == "r1" && *parents == 0)
    );
    let m = Box::pin(s.drive_until("r1", Phase::Shipped, pass)).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert_eq!(locks(&s).await, [], "shipping removed them");
    s.dispatch("alice", "promote", "r2", "").await;
    assert_eq!(locks(&s).await.len(), 3);
    s.dispatch("alice", "abort", "r2", "").await;
    assert_eq!(locks(&s).await, [], "the abort removed them");
    s.dispatch("alice", "promote", "r3", "").await;
    assert_eq!(s.manifest("r3").await.phase, Phase::Staging);
    s.dispatch("alice", "rollback", "r3", "").await;
    let r3 = s.manifest("r3").await;
    assert_eq!(r3.phase, Phase::RolledBack);
    assert_eq!(locks(&s).await, [], "the rollback removed them");

    // r3's run crashed after writing `rolled_back`, before removing its locks: they are back.
    let holds = staging_lock::enter(&s.bot, &store, &r3, s.now(), false)
        .await
        .unwrap();
    assert_eq!(holds, []);
    assert_eq!(locks(&s).await.len(), 3);
    s.dispatch("alice", "promote", "r4", "").await;
    assert_eq!(s.manifest("r4").await.phase, Phase::Development);
    let waits: Vec<String> = s.waits("r4").into_iter().map(|(_, w)| w).collect();
    assert!(
        waits.iter().any(|w| w.starts_with(
            "staging of acme/schema, acme/api, acme/web is still locked by release r3, which has ended (rolled_back)"
        )),
        "{waits:#?}"
    );
    s.advance_minutes(LAPSE_MINUTES + 1);
    s.tick().await;
    assert_eq!(s.manifest("r4").await.phase, Phase::Staging);
    let taken = locks(&s).await;
    assert!(
        taken
            .iter()
            .all(|(_, r, parents)| r == "r4" && *parents == 1),
        "handed over on top of r3's: {taken:#?}"
    );
    s.dispatch("alice", "abort", "r4", "").await;
    assert_eq!(locks(&s).await, []);
    assert_exclusive(&s).await;
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// A run that took the locks and crashed before writing its manifest deadlocks nothing: the
/// others wait for its release, which proceeds on its next run with its own locks, or, when it
/// does not enter, the claim lapses and the next release takes the locks over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_taken_by_a_run_that_crashed_before_its_manifest_write_is_recognised() {
    let mut s = no_tasks().await;
    let store = store();
    for id in ["r5", "r6", "r7", "r8"] {
        in_development(&mut s, id).await;
    }

    // r5's run took the locks and crashed before writing its manifest: r6 waits for r5, and
    // r5's next run recognises its own locks and enters; its abort frees staging for r6.
    let r5 = s.manifest("r5").await;
    let holds = staging_lock::enter(&s.bot, &store, &r5, s.now(), false)
        .await
        .unwrap();
    assert_eq!(holds, []);
    assert_eq!(s.manifest("r5").await, r5, "the crashed run wrote nothing");
    s.dispatch("alice", "promote", "r6", "").await;
    assert_eq!(s.manifest("r6").await.phase, Phase::Development);
    let waits: Vec<String> = s.waits("r6").into_iter().map(|(_, w)| w).collect();
    assert!(
        waits.iter().any(|w| w.starts_with(
            "staging of acme/schema, acme/api, acme/web is locked by release r5, which is entering staging (development)"
        )),
        "{waits:#?}"
    );
    s.dispatch("alice", "promote", "r5", "").await;
    assert_eq!(s.manifest("r5").await.phase, Phase::Staging);
    assert!(locks(&s).await.iter().all(|(_, r, _)| r == "r5"));
    s.dispatch("alice", "abort", "r5", "").await;
    s.tick().await;
    assert_eq!(s.manifest("r6").await.phase, Phase::Staging);
    s.dispatch("alice", "abort", "r6", "").await;
    assert_eq!(locks(&s).await, []);

    // r7's run took the locks and crashed, and r7 does not enter (its promote gate is not
    // open): r8 waits until the claim lapses, then takes the locks over.
    let r7 = s.manifest("r7").await;
    staging_lock::enter(&s.bot, &store, &r7, s.now(), false)
        .await
        .unwrap();
    s.dispatch("alice", "promote", "r8", "").await;
    assert_eq!(s.manifest("r8").await.phase, Phase::Development);
    s.advance_minutes(LAPSE_MINUTES + 1);
    s.tick().await;
    let r8: ReleaseManifest = s.manifest("r8").await;
    assert_eq!(r8.phase, Phase::Staging, "{:#?}", s.waits("r8"));
    assert_eq!(s.manifest("r7").await.phase, Phase::Development);
    assert!(locks(&s).await.iter().all(|(_, r, _)| r == "r8"));
    assert_exclusive(&s).await;
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// The statuses GitHub gave to the deletes of acme/api's staging lock, in order.
async fn api_lock_deletes(s: &Scenario) -> Vec<u64> {
    let log = s.get("/_sandbox/requests").await;
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "DELETE" && r["path"].as_str().unwrap().contains("acme-api-"))
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

/// Deleting a lock that GitHub answers with a server error is tried again, so one failed
/// request does not hold the next release for the lapse time; a lock whose every delete failed
/// stays and lapses (the warning says so), as the next release's wait shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_lock_delete_is_tried_again_and_one_that_keeps_failing_lapses() {
    let mut s = no_tasks().await;
    for id in ["r1", "r2"] {
        in_development(&mut s, id).await;
    }
    s.dispatch("alice", "promote", "r1", "").await;
    assert_eq!(locks(&s).await.len(), 3);
    let fault = |times: u64| {
        json!({"method": "DELETE", "path": "/repos/acme/control/git/refs/heads/convoy/staging-lock/acme-api-*",
               "status": 502, "times": times})
    };
    s.bot.post("/_sandbox/faults", &fault(2)).await.unwrap();
    s.dispatch("alice", "abort", "r1", "").await;
    assert_eq!(s.manifest("r1").await.phase, Phase::Aborted);
    assert_eq!(
        api_lock_deletes(&s).await,
        [502, 502, 204],
        "two failures, then deleted"
    );
    assert_eq!(locks(&s).await, [], "every lock removed");

    // r2 enters; its abort meets a lock whose every delete fails: that lock stays, r1 (a new
    // release over the same repos) waits for it and takes it over once it lapsed.
    s.dispatch("alice", "promote", "r2", "").await;
    assert_eq!(s.manifest("r2").await.phase, Phase::Staging);
    s.bot.post("/_sandbox/faults", &fault(3)).await.unwrap();
    s.dispatch("alice", "abort", "r2", "").await;
    let left = locks(&s).await;
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0].1, "r2");
    in_development(&mut s, "r3").await;
    s.dispatch("alice", "promote", "r3", "").await;
    assert_eq!(s.manifest("r3").await.phase, Phase::Development);
    s.advance_minutes(LAPSE_MINUTES + 1);
    s.tick().await;
    assert_eq!(
        s.manifest("r3").await.phase,
        Phase::Staging,
        "{:#?}",
        s.waits("r3")
    );
    assert!(locks(&s).await.iter().all(|(_, r, _)| r == "r3"));
    assert_exclusive(&s).await;
}

/// Two releases in development, `a` and `b`, in a fresh sandbox.
async fn a_and_b() -> Scenario {
    let mut s = no_tasks().await;
    in_development(&mut s, "a").await;
    in_development(&mut s, "b").await;
    s
}

/// `a`'s run entering staging crashes after each number of requests in turn, from before its
/// first lock to after its manifest write (no lock, one, two, all three without the manifest,
/// then the manifest written), while `b` becomes ready: never both in staging, and nothing
/// deadlocks: after `a`'s next run exactly one of the two holds staging, the other follows once
/// it stops, and then no lock is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_entering_staging_that_crashes_anywhere_deadlocks_nothing() {
    // Where the locks and the manifest write fall among the entering run's requests.
    let mut probe = a_and_b().await;
    let before = probe
        .get("/_sandbox/requests")
        .await
        .as_array()
        .unwrap()
        .len();
    probe.dispatch("alice", "promote", "a", "").await;
    let requests: Vec<String> = probe.get("/_sandbox/requests").await.as_array().unwrap()[before..]
        .iter()
        .filter(|r| r["caller"] == "convoy-bot")
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    let at = |what: &str| {
        requests
            .iter()
            .position(|r| r.starts_with(what))
            .unwrap_or_else(|| panic!("{what} in {requests:#?}"))
    };
    // From the crash after its lock commit is made (no lock yet) on.
    let first = at("POST /repos/acme/control/git/commits");
    // A request counts when it is sent; two more make sure the write landed before the crash.
    let last = at("PUT /repos/acme/control/contents/releases/a/manifest.json") + 3;
    drop(probe);

    for k in first..=last {
        let mut s = a_and_b().await;
        s.crash = Some((s.started, u64::try_from(k).unwrap()));
        s.dispatch("alice", "promote", "a", "").await;
        s.crash = None;
        assert_eq!(s.errors.len(), 1, "the run crashed after {k} requests");
        s.dispatch("alice", "promote", "b", "").await;
        assert_exclusive(&s).await;
        // `a`'s next run (its command delivered again: the crash may have lost its approval)
        // enters with the locks it took, or waits for `b`.
        s.dispatch("alice", "promote", "a", "").await;
        let held = holders(&s, &["a", "b"]).await;
        assert_eq!(held.len(), 1, "crash after {k} requests: {held:?}");
        let other = if held[0] == "a" { "b" } else { "a" };
        s.dispatch("alice", "abort", &held[0], "").await;
        s.dispatch("alice", "promote", other, "").await;
        assert_eq!(holders(&s, &["a", "b"]).await, [other], "crash after {k}");
        s.dispatch("alice", "abort", other, "").await;
        assert_eq!(locks(&s).await, [], "crash after {k}");
        assert_exclusive(&s).await;
    }
}
