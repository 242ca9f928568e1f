//! Tier results come from GitHub, not from callers (issue 18): a `convoy.tier-completed` sent by
//! bob, who can write to the control repo but is no approver, is a claim. convoy reads the run
//! it names from GitHub with its own token and takes the result GitHub shows; a claim GitHub does
//! not bear out changes nothing and is noted on the tracking issue once, however often it is
//! sent and however many runs follow. Each case ends with the real runs' real results: the
//! release ships only on them.

use std::collections::BTreeMap;

use crate::scenario;

use convoy::lifecycle::action::{Action, ActionOutcome};
use convoy::lifecycle::fingerprint;
use convoy::model::ids::{RepoName, Sha};
use convoy::model::manifest::{Conclusion, Phase, ReleaseManifest, RunKind, RunStatus, TierRun};
use scenario::{Scenario, pass};
use serde_json::{Value, json};

/// r1 under `auto` in validation, its e2e run started on GitHub (going) and seen so by convoy.
async fn validating() -> (Scenario, TierRun) {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    let run = going_e2e(&s).await;
    s.bot
        .post(
            &format!("/_sandbox/runs/{}/start", run.run_id.unwrap()),
            &json!({}),
        )
        .await
        .unwrap();
    // convoy sees it going.
    s.tick().await;
    assert_eq!(going_e2e(&s).await.status, RunStatus::InProgress);
    (s, run)
}

/// The e2e run of r1 GitHub shows going, as the manifest records it.
async fn going_e2e(s: &Scenario) -> TierRun {
    let m = s.manifest("r1").await;
    Scenario::runs_of(&m, "e2e", RunKind::Tier)
        .into_iter()
        .find(|r| r.status != RunStatus::Completed)
        .cloned()
        .expect("an e2e run is going, its id recorded")
}

/// bob sends `convoy.tier-completed` to the control repo with his own token.
async fn claim(s: &mut Scenario, release: &str, correlation: &str, run: Option<u64>, c: &str) {
    s.bob
        .post(
            "/repos/acme/control/dispatches",
            &json!({"event_type": "convoy.tier-completed", "client_payload": {
                "release": release, "tier": "e2e", "correlation_id": correlation,
                "run_id": run.map(|r| r.to_string()), "conclusion": c}}),
        )
        .await
        .unwrap();
    s.deliver().await;
}

/// The notes of rejected claims on r1's tracking issue.
async fn notes(s: &Scenario) -> Vec<String> {
    let issue = s.manifest("r1").await.tracking_issue.unwrap();
    s.comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.starts_with("<!-- convoy:claim:"))
        .collect()
}

/// What a claim must not change: the phase and every tier run as GitHub showed it.
fn same_runs(before: &ReleaseManifest, after: &ReleaseManifest) {
    assert_eq!(after.phase, before.phase);
    let view = |m: &ReleaseManifest| -> Vec<(String, Option<u64>, RunStatus, Option<Conclusion>)> {
        m.tier_runs
            .iter()
            .map(|r| {
                (
                    r.correlation_id.clone(),
                    r.run_id.map(|i| i.get()),
                    r.status,
                    r.conclusion,
                )
            })
            .collect()
    };
    assert_eq!(view(after), view(before));
    assert!(after.approvals.is_empty());
}

/// A run of acme/e2e's e2e workflow dispatched by bob by hand (write on acme/e2e), with the
/// inputs convoy would send, completed as `c` on GitHub: its run id.
async fn run_by_hand(s: &Scenario, release: &str, correlation: &str, refs: &Value, c: &str) -> u64 {
    let answer = s
        .bob
        .post(
            "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches",
            &json!({"ref": "main", "return_run_details": true, "inputs": {
                "release": release, "tier": "e2e", "attempt": "1",
                "correlation_id": correlation, "refs": refs.to_string()}}),
        )
        .await
        .unwrap();
    let id = answer.body["workflow_run_id"].as_u64().unwrap();
    s.bot
        .post(
            &format!("/_sandbox/runs/{id}/complete"),
            &json!({"conclusion": c}),
        )
        .await
        .unwrap();
    id
}

/// The SHAs of `run` with acme/schema's moved to the head of its `main` (other SHAs).
async fn other_shas(s: &Scenario, run: &TierRun) -> BTreeMap<RepoName, Sha> {
    let mut shas = run.shas.clone();
    let schema = RepoName::parse("acme/schema").unwrap();
    let main = Sha::parse(&s.head("acme/schema", "main").await).unwrap();
    assert_ne!(shas.get(&schema), Some(&main));
    shas.insert(schema, main);
    shas
}

/// Lets a few scheduled runs pass: nothing is noted again.
async fn later_runs_note_nothing_more(s: &mut Scenario, noted: usize) {
    for _ in 0..2 {
        s.tick().await;
    }
    assert_eq!(notes(s).await.len(), noted, "{:#?}", notes(s).await);
}

/// (a) The reproduction: the real correlation id, a made-up run id, the real run going. The
/// release stays in validation; when the real run fails, that failure counts (a retry), and the
/// release ships only once a real run passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_pass_with_a_made_up_run_id_changes_nothing() {
    let (mut s, run) = validating().await;
    let before = s.manifest("r1").await;
    claim(
        &mut s,
        "r1",
        &run.correlation_id,
        Some(987_654_321),
        "success",
    )
    .await;
    let after = s.manifest("r1").await;
    same_runs(&before, &after);
    let noted = notes(&s).await;
    assert_eq!(noted.len(), 1, "{noted:#?}");
    assert!(
        noted[0].contains("claimed `success` of tier `e2e`")
            && noted[0].contains("sent by `bob`")
            && noted[0].contains("run 987654321 of acme/e2e is not the run convoy dispatched"),
        "{}",
        noted[0]
    );
    // Sent again: the same claim, noted once.
    claim(
        &mut s,
        "r1",
        &run.correlation_id,
        Some(987_654_321),
        "success",
    )
    .await;
    later_runs_note_nothing_more(&mut s, 1).await;
    same_runs(&before, &s.manifest("r1").await);

    // The real run fails: its failure counts, and the tier runs again.
    let mut failed = false;
    let m = s
        .drive_until("r1", Phase::Shipped, |_: &TierRun| {
            let c = if failed { "success" } else { "failure" };
            failed = true;
            Some(c)
        })
        .await;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(
        e2e.iter().map(|r| r.conclusion).collect::<Vec<_>>(),
        [Some(Conclusion::Failure), Some(Conclusion::Success)]
    );
    assert_eq!(notes(&s).await.len(), 1);
}

/// (b) A pass claimed for the real run while it is going: held, nothing changes; the run then
/// fails, the failure counts and the claim is noted. Claimed for a run GitHub already shows
/// failed: the failure is taken at once, the claim noted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_pass_for_the_real_run_going_or_failed_changes_nothing() {
    let (mut s, run) = validating().await;
    let id = run.run_id.unwrap().get();
    let before = s.manifest("r1").await;
    claim(&mut s, "r1", &run.correlation_id, Some(id), "success").await;
    same_runs(&before, &s.manifest("r1").await);
    assert!(notes(&s).await.is_empty(), "held until GitHub shows an end");
    // GitHub shows it failed (acme/e2e's events do not reach the control repo): the next run
    // takes the failure, and notes the claim.
    s.bot
        .post(
            &format!("/_sandbox/runs/{id}/complete"),
            &json!({"conclusion": "failure"}),
        )
        .await
        .unwrap();
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e[0].conclusion, Some(Conclusion::Failure));
    let noted = notes(&s).await;
    assert_eq!(noted.len(), 1, "{noted:#?}");
    assert!(
        noted[0].contains(&format!(
            "GitHub shows run {id} of acme/e2e completed with `failure`, not `success`"
        )),
        "{}",
        noted[0]
    );

    // The retry fails on GitHub too; bob claims a pass for it once GitHub shows it failed.
    let retry = going_e2e(&s).await;
    let retry_id = retry.run_id.unwrap().get();
    s.bot
        .post(
            &format!("/_sandbox/runs/{retry_id}/complete"),
            &json!({"conclusion": "failure"}),
        )
        .await
        .unwrap();
    claim(
        &mut s,
        "r1",
        &retry.correlation_id,
        Some(retry_id),
        "success",
    )
    .await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(
        e2e[1].conclusion,
        Some(Conclusion::Failure),
        "taken at once"
    );
    later_runs_note_nothing_more(&mut s, 2).await;
    // No e2e run passed: the release waits for a person, as after any two failures.
    assert_eq!(s.manifest("r1").await.phase, Phase::Validation);
    let m = s.manifest("r1").await;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert!(
        e2e.iter()
            .all(|r| r.conclusion == Some(Conclusion::Failure)),
        "{e2e:#?}"
    );
}

/// (c) A claim for another release's run: bob ran the e2e workflow for release r0 (which passed
/// there) and claims it for r1's correlation id, or names r0's correlation id for r1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_for_another_releases_run_changes_nothing() {
    let (mut s, run) = validating().await;
    let r0 = format!("convoy-r0-e2e-1-{}", fingerprint(&run.shas));
    let refs = json!(run.shas);
    let theirs = run_by_hand(&s, "r0", &r0, &refs, "success").await;
    let before = s.manifest("r1").await;
    claim(&mut s, "r1", &run.correlation_id, Some(theirs), "success").await;
    claim(&mut s, "r1", &r0, Some(theirs), "success").await;
    same_runs(&before, &s.manifest("r1").await);
    let noted = notes(&s).await;
    assert_eq!(noted.len(), 2, "{noted:#?}");
    assert!(
        noted[0].contains(&format!(
            "run {theirs} of acme/e2e is not the run convoy dispatched"
        )),
        "{}",
        noted[0]
    );
    assert!(
        noted[1].contains(&format!("release r1 dispatched no run as `{r0}`")),
        "{}",
        noted[1]
    );
    later_runs_note_nothing_more(&mut s, 2).await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert_eq!(notes(&s).await.len(), 2);
}

/// (d) A replayed old result: e2e's first attempt failed (its workflow reported it), the retry
/// is going. The old report sent again changes nothing and is not noted (GitHub shows it so);
/// the old run claimed as passed, or claimed for the retry, is noted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_old_result_changes_nothing() {
    let (mut s, first) = validating().await;
    s.finish_runs("r1", |r: &TierRun| (r.attempt == 1).then_some("failure"))
        .await;
    let retry = going_e2e(&s).await;
    assert_eq!(retry.attempt, 2);
    let old = first.run_id.unwrap().get();
    let before = s.manifest("r1").await;
    // The first attempt's own report, replayed as it was.
    claim(&mut s, "r1", &first.correlation_id, Some(old), "failure").await;
    assert!(notes(&s).await.is_empty());
    // Replayed with another conclusion, and replayed for the retry.
    claim(&mut s, "r1", &first.correlation_id, Some(old), "success").await;
    claim(&mut s, "r1", &retry.correlation_id, Some(old), "success").await;
    same_runs(&before, &s.manifest("r1").await);
    let noted = notes(&s).await;
    assert_eq!(noted.len(), 2, "{noted:#?}");
    assert!(
        noted[0].contains("completed with `failure`, not `success`"),
        "{}",
        noted[0]
    );
    assert!(
        noted[1].contains(&format!(
            "run {old} of acme/e2e is not the run convoy dispatched as `{}`: convoy follows run {}",
            retry.correlation_id,
            retry.run_id.unwrap()
        )),
        "{}",
        noted[1]
    );
    later_runs_note_nothing_more(&mut s, 2).await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
}

/// (e) A result for a run that ran on other SHAs: bob ran the e2e workflow by hand on other
/// `refs` (acme/schema at its `main`), and it passed there. Claimed under its own correlation
/// id (that of those SHAs), under r1's, or run with r1's correlation id itself: none of it is
/// the run convoy dispatched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_of_a_run_on_other_shas_changes_nothing() {
    let (mut s, run) = validating().await;
    let shas = other_shas(&s, &run).await;
    let elsewhere = format!("convoy-r1-e2e-1-{}", fingerprint(&shas));
    assert_ne!(elsewhere, run.correlation_id);
    let refs = json!(shas);
    let on_other = run_by_hand(&s, "r1", &elsewhere, &refs, "success").await;
    let disguised = run_by_hand(&s, "r1", &run.correlation_id, &refs, "success").await;
    let before = s.manifest("r1").await;
    claim(&mut s, "r1", &elsewhere, Some(on_other), "success").await;
    claim(&mut s, "r1", &run.correlation_id, Some(on_other), "success").await;
    claim(
        &mut s,
        "r1",
        &run.correlation_id,
        Some(disguised),
        "success",
    )
    .await;
    s.tick().await;
    let after = s.manifest("r1").await;
    same_runs(&before, &after);
    // The run convoy follows is still its own, whatever titles other runs carry.
    assert_eq!(going_e2e(&s).await.run_id, run.run_id);
    let noted = notes(&s).await;
    assert_eq!(noted.len(), 3, "{noted:#?}");
    assert!(noted[0].contains(&format!("release r1 dispatched no run as `{elsewhere}`")));
    for (note, id) in [(&noted[1], on_other), (&noted[2], disguised)] {
        assert!(
            note.contains(&format!(
                "run {id} of acme/e2e is not the run convoy dispatched"
            )),
            "{note}"
        );
    }
    later_runs_note_nothing_more(&mut s, 3).await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e.len(), 1);
    assert_eq!(
        e2e[0].run_id, run.run_id,
        "shipped on the run convoy dispatched"
    );
}

/// The observer's side of a callback for a run convoy has not seen yet (no id recorded): the run
/// it names is read by its id, and when GitHub shows it is the run convoy dispatched that one
/// read is all (no run list); a callback naming another run costs the run list too, and that
/// run is never taken for convoy's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_run_is_read_by_its_id_and_taken_only_when_it_is_the_dispatched_one() {
    use convoy::github::observe::observe;
    use convoy::lifecycle::decide;
    use convoy::model::claim::ClaimVerdict;
    use convoy::model::numbers::RunId;
    use convoy::signal::Signal;

    let sandbox = convoy::demo::start_sandbox(None).await.unwrap();
    let gh = convoy::demo::sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let dispatch = |correlation: &'static str| {
        let gh = &gh;
        async move {
            let inputs = json!({"release": "claims", "tier": "e2e", "attempt": "1",
                                "correlation_id": correlation, "refs": "{}"});
            let answer = gh
                .post(
                    "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches",
                    &json!({"ref": "main", "inputs": inputs, "return_run_details": true}),
                )
                .await
                .unwrap();
            answer.body["workflow_run_id"].as_u64().unwrap()
        }
    };
    let ours = "convoy-claims-e2e-1-0a1b2c3d";
    let real = dispatch(ours).await;
    let other = dispatch("convoy-claims-e2e-2-0a1b2c3d").await;
    let config =
        convoy::validate::config_from_str(include_str!("../../src/demo/convoy.json")).unwrap();
    let now = convoy::model::time::Timestamp::parse("2026-12-01T09:00:00Z").unwrap();
    let mut m = ReleaseManifest::create(
        &config,
        convoy::model::create::CreateRequest {
            id: "claims".parse().unwrap(),
            control_repo: RepoName::parse("acme/control").unwrap(),
            actor: "alice".parse().unwrap(),
            now,
            args: Default::default(),
            gathered: vec![],
            left_out: Vec::new(),
        },
    )
    .unwrap();
    m.phase = Phase::Validation;
    m.tier_runs.push(
        serde_json::from_value(json!({
            "tier": "e2e", "kind": "tier", "phase": "validation", "attempt": 1,
            "correlation_id": ours, "repo": "acme/e2e", "workflow": "e2e.yml",
            "shas": {}, "status": "requested", "dispatched_at": "2026-12-01T09:00:00Z"
        }))
        .unwrap(),
    );
    let reads = |prefix: String| {
        let gh = &gh;
        async move {
            let log = gh.get("/_sandbox/requests").await.unwrap();
            log.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["method"] == "GET")
                .filter(|r| r["path"].as_str().unwrap_or_default().starts_with(&prefix))
                .count()
        }
    };
    for (claimed, list_read) in [(real, 0), (other, 1)] {
        gh.delete("/_sandbox/requests").await.unwrap();
        let signal = Signal::TierCompleted {
            release: m.id.clone(),
            tier: "e2e".parse().unwrap(),
            correlation_id: ours.to_owned(),
            run_id: Some(RunId::new(claimed)),
            conclusion: "success".into(),
            sender: None,
        };
        let o = observe(&gh, &m, &signal).await.unwrap();
        assert_eq!(
            reads(format!("/repos/acme/e2e/actions/runs/{claimed}")).await,
            1
        );
        assert_eq!(
            reads("/repos/acme/e2e/actions/workflows/e2e.yml/runs".to_owned()).await,
            list_read
        );
        let d = decide(&m, &o, &signal, now);
        let run = &d.manifest.tier_runs[0];
        assert_eq!(run.run_id, Some(RunId::new(real)), "convoy's own run, only");
        let claim = &d.manifest.claims[0];
        if claimed == real {
            assert_eq!(claim.verdict, ClaimVerdict::Held, "queued on GitHub");
        } else {
            assert_eq!(claim.verdict, ClaimVerdict::Rejected);
            let reason = claim.reason.clone().unwrap();
            assert!(
                reason.contains(&format!("run {other} of acme/e2e")),
                "{reason}"
            );
        }
    }
}

/// (g) The dispatch asks GitHub for the run it starts (`return_run_details`), and the run GitHub
/// names is recorded with the dispatch's outcome: the one run the release follows. A twin bob
/// then starts by hand with the same inputs (the same correlation id), passing at once, is not
/// taken for it; the release ships only once the dispatched run passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_a_dispatch_answer_names_is_followed_and_a_twin_started_by_hand_is_not() {
    let (mut s, run) = validating().await;
    let named: Vec<u64> = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter_map(|e| match (&e.planned.action, &e.outcome) {
            (
                Action::DispatchWorkflow { correlation_id, .. },
                ActionOutcome::Dispatched { run: id },
            ) if *correlation_id == run.correlation_id => Some(id.get()),
            _ => None,
        })
        .collect();
    assert_eq!(
        named,
        [run.run_id.unwrap().get()],
        "dispatched once, its run recorded"
    );

    let refs = json!(run.shas);
    let twin = run_by_hand(&s, "r1", &run.correlation_id, &refs, "success").await;
    assert_ne!(twin, run.run_id.unwrap().get());
    let before = s.manifest("r1").await;
    s.tick().await;
    let after = s.manifest("r1").await;
    same_runs(&before, &after);
    assert_eq!(
        going_e2e(&s).await.run_id,
        run.run_id,
        "still the dispatched run"
    );

    s.bot
        .post(
            &format!("/_sandbox/runs/{}/complete", run.run_id.unwrap()),
            &json!({"conclusion": "success"}),
        )
        .await
        .unwrap();
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert!(
        e2e.iter()
            .all(|r| r.run_id != Some(convoy::model::numbers::RunId::new(twin))),
        "{e2e:#?}"
    );
}
