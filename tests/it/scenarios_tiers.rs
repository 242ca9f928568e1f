//! Tiers as gates through the sandbox: a flaky tier passes on retry; a tier failing past its
//! retries is auto-fixed and only the invalidated tiers run again; auto-fix exhausted escalates;
//! a tier past its timeout is cancelled and counts as failed; a dispatch GitHub refuses is
//! escalated once and waits for `/convoy retry`.

use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Conclusion, Phase, RunKind, RunStatus, TierRun};
use scenario::{Outcome, Scenario, pass, seed_repo, seed_with};
use serde_json::{Value, json};

const AUTOFIX: &str = r#"name: autofix
run-name: "autofix ${{ inputs.correlation_id }}"
on:
  workflow_dispatch:
    inputs:
      release: { required: true }
      tier: { required: true }
      attempt: { required: true }
      correlation_id: { required: true }
      refs: { required: true }
      run_url: { required: false }
jobs:
  fix:
    runs-on: ubuntu-latest
    steps:
      - run: echo "fixing ${{ inputs.tier }}"
"#;

/// The demo config with an auto-fix workflow in acme/e2e and `smoke` covering acme/schema only.
fn autofix_seed(max_fixes: u32) -> convoy::sandbox::Seed {
    seed_with(
        |c| {
            c["auto_fix"] =
                json!({"repo": "acme/e2e", "workflow": "autofix.yml", "max_attempts": max_fixes});
            c["tiers"][0]["covers"] = json!(["acme/schema"]);
            c["tiers"][1]["max_attempts"] = json!(1);
        },
        |s| {
            seed_repo(s, "acme/e2e")["files"][".github/workflows/autofix.yml"] =
                Value::String(AUTOFIX.to_owned());
        },
    )
}

fn attempts(runs: &[&TierRun]) -> Vec<(u32, Option<Conclusion>)> {
    runs.iter().map(|r| (r.attempt, r.conclusion)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_tier_passes_on_retry() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    let mut e2e_failed = false;
    let m = s
        .drive_until("r1", Phase::Shipped, |run: &TierRun| -> Outcome {
            if run.tier.as_str() == "e2e" && !e2e_failed {
                e2e_failed = true;
                return Some("failure");
            }
            Some("success")
        })
        .await;
    assert_eq!(m.phase, Phase::Shipped);
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(
        attempts(&e2e),
        [
            (1, Some(Conclusion::Failure)),
            (2, Some(Conclusion::Success))
        ]
    );
    assert_eq!(e2e[0].shas, e2e[1].shas, "the retry ran on the same SHAs");
    // The retry was dispatched with attempt 2, as the workflow's input says.
    let run = s
        .get(&format!(
            "/repos/acme/e2e/actions/runs/{}",
            e2e[1].run_id.unwrap()
        ))
        .await;
    assert!(
        run["display_title"]
            .as_str()
            .unwrap()
            .contains(&e2e[1].correlation_id),
        "{run:#}"
    );
    assert!(m.escalations.is_empty(), "a retry that passes calls nobody");
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::RunDispatched
                && h.detail == "tier e2e retried (attempt 2)")
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// e2e fails past its one attempt → the auto-fix workflow is dispatched → it pushes a fix to
/// acme/api's RC branch → the fix is promoted to staging → e2e (covering api) runs again on the
/// new SHAs while smoke (covering only schema) keeps its result → the release ships with the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_fix_repairs_a_failing_tier_and_only_invalidated_tiers_run_again() {
    let mut s = Scenario::start(autofix_seed(2)).await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Validation, pass).await;
    let smoke_before = Scenario::runs_of(&m, "smoke", RunKind::Tier).len();
    assert_eq!(smoke_before, 1);
    // e2e fails once: its one attempt is spent, so the auto-fix is asked for.
    s.finish_runs("r1", |_| Some("failure")).await;
    let m = s.manifest("r1").await;
    let fixes = Scenario::runs_of(&m, "e2e", RunKind::AutoFix);
    assert_eq!(fixes.len(), 1, "{:#?}", m.tier_runs);
    let fix = fixes[0].clone();
    assert_eq!(fix.repo.as_str(), "acme/e2e");
    assert_eq!(fix.workflow, "autofix.yml");
    // The auto-fix agent pushes its fix to the RC branch, then its run succeeds.
    let rc = m
        .repo(&"acme/api".parse().unwrap())
        .unwrap()
        .rc_branch
        .to_string();
    let fix_sha = s
        .push("acme/api", &rc, "src/fix.txt", "fixed by the agent\n")
        .await;
    s.finish_runs("r1", |r| (r.kind == RunKind::AutoFix).then_some("success"))
        .await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", m.history);

    let smoke = Scenario::runs_of(&m, "smoke", RunKind::Tier);
    assert_eq!(
        smoke.len(),
        1,
        "smoke covers only acme/schema: it kept its result"
    );
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e.len(), 2, "{:#?}", m.tier_runs);
    assert_ne!(e2e[0].shas, e2e[1].shas, "e2e ran again on the fixed SHAs");
    assert_eq!(e2e[1].conclusion, Some(Conclusion::Success));
    let api = m.repo(&"acme/api".parse().unwrap()).unwrap();
    assert_eq!(api.shas.rc_head.as_ref().unwrap().as_str(), fix_sha);
    // What shipped holds the fix: main's tree has the file.
    let file = s
        .get(&format!(
            "/repos/acme/api/contents/src/fix.txt?ref={}",
            api.shas.shipped.as_ref().unwrap()
        ))
        .await;
    assert_eq!(file["type"], "file");
    assert!(m.history.iter().any(|h| h.event == HistoryEvent::RcMoved));
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// e2e keeps failing, the auto-fix runs but fixes nothing → escalation: the label on the
/// tracking issue and one comment mentioning the people on call and the commands. `/convoy retry
/// e2e` by a human then runs it again; it passes, the escalation resolves and the label goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_fix_exhausted_escalates_with_mention_and_label() {
    let mut s = Scenario::start(autofix_seed(1)).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    for _ in 0..4 {
        s.finish_runs("r1", |r| {
            Some(if r.kind == RunKind::AutoFix {
                "success"
            } else {
                "failure"
            })
        })
        .await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    assert_eq!(
        Scenario::runs_of(&m, "e2e", RunKind::AutoFix).len(),
        1,
        "the budget is one fix"
    );
    assert_eq!(Scenario::runs_of(&m, "e2e", RunKind::Tier).len(), 1);
    let open: Vec<_> = m
        .escalations
        .iter()
        .filter(|e| e.resolved_at.is_none())
        .collect();
    assert_eq!(open.len(), 1, "{:#?}", m.escalations);
    assert!(
        open[0].reason.contains("tier e2e failed"),
        "{}",
        open[0].reason
    );
    let issue = m.tracking_issue.unwrap();
    assert!(
        s.labels("acme/control", issue)
            .await
            .contains(&"convoy:needs-human".to_owned())
    );
    let calls: Vec<String> = s
        .comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.contains("convoy needs a human"))
        .collect();
    assert_eq!(calls.len(), 1, "one call per cause: {calls:#?}");
    assert!(
        calls[0].contains("@alice") && calls[0].contains("/convoy retry"),
        "{}",
        calls[0]
    );
    // The tracking issue says who must act and which commands are available.
    let body = s.get(&format!("/repos/acme/control/issues/{issue}")).await["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(body.contains("### Needs a human"), "{body}");
    assert!(
        body.contains("tier e2e failed") && body.contains("`/convoy retry [tier]`"),
        "{body}"
    );
    // Another scheduled run calls nobody again.
    s.tick().await;
    let calls_after = s.comments("acme/control", issue).await;
    assert_eq!(
        calls_after
            .iter()
            .filter(|c| c.contains("convoy needs a human"))
            .count(),
        1
    );

    s.say("r1", "alice", "/convoy retry e2e").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(m.escalations.iter().all(|e| e.resolved_at.is_some()));
    assert!(
        !s.labels("acme/control", issue)
            .await
            .contains(&"convoy:needs-human".to_owned())
    );
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::CommandRetry && h.actor == "alice")
    );
}

/// A run past the tier's `timeout_minutes` is cancelled on GitHub and counts as a failed
/// attempt; the retry passes and the release ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_past_its_timeout_is_cancelled_and_retried() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    let m = s.manifest("r1").await;
    let hung = Scenario::runs_of(&m, "e2e", RunKind::Tier)[0].clone();
    assert_ne!(hung.status, RunStatus::Completed);
    s.bot
        .post(
            &format!("/_sandbox/runs/{}/start", hung.run_id.unwrap()),
            &json!({}),
        )
        .await
        .unwrap();
    s.tick().await;
    let m = s.manifest("r1").await;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e.len(), 1, "not yet timed out");
    assert_eq!(e2e[0].status, RunStatus::InProgress);
    s.advance_minutes(61);
    s.tick().await;
    let m = s.manifest("r1").await;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e[0].conclusion, Some(Conclusion::TimedOut));
    assert_eq!(e2e.len(), 2, "attempt 2 dispatched");
    let run = s
        .get(&format!(
            "/repos/acme/e2e/actions/runs/{}",
            hung.run_id.unwrap()
        ))
        .await;
    assert_eq!(run["status"], "completed");
    assert_eq!(run["conclusion"], "cancelled");
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
}

/// Results from another repository: the tier workflow's `convoy.tier-completed` callback to the
/// control repo makes convoy look at once, and what it takes is what GitHub shows of the run. e2e
/// fails on GitHub and its workflow reports it; convoy reads that run by its id (one counted
/// read), records the failure and retries; the retry passes, is reported, and the release ships
/// on GitHub's word. A callback for a correlation id convoy never dispatched changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tier_results_arrive_by_repository_dispatch_callback() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    let mut reported = Vec::new();
    for conclusion in ["failure", "success"] {
        let m = s.manifest("r1").await;
        let run = Scenario::runs_of(&m, "e2e", RunKind::Tier)
            .into_iter()
            .find(|r| r.status != RunStatus::Completed)
            .expect("an e2e run is going")
            .clone();
        let id = run.run_id.expect("convoy follows the run it dispatched");
        // The run ends on GitHub; acme/e2e's own events never reach the control repo.
        s.bot
            .post(
                &format!("/_sandbox/runs/{id}/complete"),
                &json!({"conclusion": conclusion}),
            )
            .await
            .unwrap();
        s.bot.delete("/_sandbox/requests").await.unwrap();
        // What the e2e workflow's report sends with its token.
        s.bob
            .post(
                "/repos/acme/control/dispatches",
                &json!({"event_type": "convoy.tier-completed", "client_payload": {
                    "release": "r1", "tier": "e2e", "correlation_id": run.correlation_id,
                    "run_id": id.to_string(), "conclusion": conclusion}}),
            )
            .await
            .unwrap();
        s.deliver().await;
        // One counted read of the run (a repeated read is answered 304 Not Modified).
        let read = requests(&s, "GET", &format!("/repos/acme/e2e/actions/runs/{id}")).await;
        assert_eq!(read, 1, "the run is read from GitHub, once");
        let m = s.manifest("r1").await;
        let done = m
            .tier_runs
            .iter()
            .find(|r| r.correlation_id == run.correlation_id)
            .unwrap();
        assert_eq!(done.status, RunStatus::Completed, "taken at once");
        reported.push(run.correlation_id.clone());
    }
    let m = s.manifest("r1").await;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(
        attempts(&e2e),
        [
            (1, Some(Conclusion::Failure)),
            (2, Some(Conclusion::Success))
        ]
    );
    assert_eq!(
        e2e.iter()
            .map(|r| r.correlation_id.clone())
            .collect::<Vec<_>>(),
        reported
    );
    assert!(m.claims.is_empty(), "every report agreed with GitHub");
    // A callback for a correlation id convoy never dispatched changes nothing.
    s.bob
        .post(
            "/repos/acme/control/dispatches",
            &json!({"event_type": "convoy.tier-completed", "client_payload": {
                "release": "r1", "tier": "e2e", "correlation_id": "convoy-r1-e2e-9-deadbeef",
                "conclusion": "failure"}}),
        )
        .await
        .unwrap();
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, |_| None).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert_eq!(Scenario::runs_of(&m, "e2e", RunKind::Tier).len(), 2);
}

/// The e2e tier's workflow declares no inputs: `workflow_dispatch` with none.
const E2E_WITHOUT_INPUTS: &str = r#"name: e2e
on:
  workflow_dispatch:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo "testing"
"#;

/// The successful calls in the sandbox's request log of `method path`.
async fn requests(s: &Scenario, method: &str, path: &str) -> usize {
    s.get("/_sandbox/requests")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == method && r["path"] == path && r["status"].as_u64() < Some(300))
        .count()
}

/// Every dispatch the sandbox answered, refused ones included.
async fn dispatch_attempts(s: &Scenario) -> usize {
    s.get("/_sandbox/requests")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"] == "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches"
        })
        .count()
}

/// A tier whose workflow does not declare convoy's inputs: GitHub answers 422. convoy does not
/// send it again by itself: the run is recorded as refused with GitHub's message, escalated
/// once, the run that got the refusal fails, and the manifest is not rewritten by later runs.
/// After the workflow is fixed, `/convoy retry e2e` dispatches it once more and the release
/// ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_dispatch_escalates_once_and_waits_for_retry() {
    let mut s = Scenario::start(seed_with(
        |_| {},
        |s| {
            seed_repo(s, "acme/e2e")["files"][".github/workflows/e2e.yml"] =
                Value::String(E2E_WITHOUT_INPUTS.to_owned());
        },
    ))
    .await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    for _ in 0..3 {
        s.tick().await;
    }
    let manifest_path = "/repos/acme/control/contents/releases/r1/manifest.json";
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    assert_eq!(
        dispatch_attempts(&s).await,
        1,
        "one dispatch, not retried blindly"
    );
    let expected =
        r#"Unexpected inputs provided: ["attempt", "correlation_id", "refs", "release", "tier"]"#;
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e.len(), 1, "{e2e:#?}");
    assert_eq!(e2e[0].status, RunStatus::Completed);
    assert_eq!(e2e[0].conclusion, Some(Conclusion::Refused));
    assert_eq!(e2e[0].refusal.as_deref(), Some(expected));
    // Exactly one run got the refusal, and it fails (`convoy run` exits 1 on it).
    let refused: Vec<Vec<String>> = s
        .runs
        .iter()
        .map(|r| convoy::lifecycle::action::refused_dispatches(&r.executed))
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert!(refused[0][0].contains(expected), "{refused:#?}");
    // Escalated once: one comment with the mention, the label, the reason on the issue.
    let open: Vec<_> = m
        .escalations
        .iter()
        .filter(|e| e.resolved_at.is_none())
        .collect();
    assert_eq!(open.len(), 1, "{:#?}", m.escalations);
    assert!(open[0].reason.contains(expected), "{}", open[0].reason);
    let issue = m.tracking_issue.unwrap();
    let calls: Vec<String> = s
        .comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.contains("convoy needs a human"))
        .collect();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(
        calls[0].contains("@alice") && calls[0].contains(expected),
        "{}",
        calls[0]
    );
    assert!(
        s.labels("acme/control", issue)
            .await
            .contains(&"convoy:needs-human".to_owned())
    );
    // The tracking issue and the step summary agree.
    let body = s.get(&format!("/repos/acme/control/issues/{issue}")).await["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let said = format!("| e2e | refused by GitHub: {expected} |");
    assert!(body.contains(&said), "{body}");
    let last = s.runs.last().unwrap();
    let summary = convoy::shell::step_summary(
        &last.manifest,
        last.decisions.last().unwrap(),
        &last.executed,
    );
    assert!(summary.contains(&said), "{summary}");
    // The manifest is written at most once per round, and not at all once nothing changes.
    let rounds: usize = s.runs.iter().map(|r| r.decisions.len()).sum();
    let writes = requests(&s, "PUT", manifest_path).await;
    assert!(
        writes <= rounds,
        "{writes} manifest writes in {rounds} rounds"
    );
    s.tick().await;
    s.tick().await;
    assert_eq!(
        requests(&s, "PUT", manifest_path).await,
        writes,
        "quiet runs write nothing"
    );
    assert_eq!(dispatch_attempts(&s).await, 1);

    // A person fixes the workflow and asks for a retry: one more dispatch, and the release ships.
    s.push(
        "acme/e2e",
        "main",
        ".github/workflows/e2e.yml",
        AUTOFIX.replace("autofix", "e2e").as_str(),
    )
    .await;
    s.say("r1", "alice", "/convoy retry e2e").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert_eq!(dispatch_attempts(&s).await, 2, "one dispatch per retry");
    let e2e = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(e2e.last().unwrap().conclusion, Some(Conclusion::Success));
    assert!(m.escalations.iter().all(|e| e.resolved_at.is_some()));
}
