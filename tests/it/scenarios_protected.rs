//! Promotion in a protected organisation, through the sandbox: required checks (named or
//! counted) are a wait, strict checks update the branch and validate the new head again,
//! transient refusals ("Base branch was modified", `mergeable: null`) are retried and never
//! escalated or rolled back, required reviews are a normal wait (requested — from people or a
//! team — reminded, escalated only after a timeout).

use crate::scenario;

use convoy::lifecycle::action::{Action, ActionOutcome};
use convoy::model::history::HistoryEvent;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{Phase, ReleaseManifest, RepoState};
use scenario::{Scenario, open_escalations, pass, seed_repo, seed_with};
use serde_json::{Value, json};

fn repo(name: &str) -> RepoName {
    RepoName::parse(name).unwrap()
}

/// The demo with `protection` on acme/api's `main`, `ship.on_partial: rollback` (so that any
/// refusal read as permanent would roll the release back) and `config` applied.
fn protected_api(protection: Value, config: impl FnOnce(&mut Value)) -> convoy::sandbox::Seed {
    seed_with(
        |c| {
            c["ship"] = json!({"on_partial": "rollback"});
            config(c);
        },
        |s| seed_repo(s, "acme/api")["protection"] = json!({ "main": protection }),
    )
}

async fn post_status(s: &Scenario, member: &str, sha: &str, context: &str) {
    s.bob
        .post(
            &format!("/repos/{member}/statuses/{sha}"),
            &json!({"state": "success", "context": context}),
        )
        .await
        .unwrap();
}

/// No refusal was recorded, nothing escalated, nothing failed, nothing rolled back.
fn calm(s: &Scenario, m: &ReleaseManifest) {
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    assert!(open_escalations(m).is_empty(), "{:#?}", m.escalations);
    assert!(
        !m.history
            .iter()
            .any(|h| h.event == HistoryEvent::MergeRefused || h.event == HistoryEvent::Escalated),
        "{:#?}",
        m.history
    );
}

/// Two required checks on acme/api's main: GitHub counts them ("2 of 2 required status checks
/// are expected."). convoy waits — not blocked, no escalation, no rollback — and ships once both
/// pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counted_required_checks_are_a_wait() {
    let protection = json!({"required_checks": ["ci/build", "ci/lint"]});
    let mut s = Scenario::start(protected_api(protection, |_| {})).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    s.tick().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.state, RepoState::Shipping);
    let note = api.note.clone().unwrap_or_default();
    assert!(note.contains("2 of 2 required status checks"), "{note}");
    calm(&s, &m);

    let staged = api.shas.staged.clone().unwrap();
    post_status(&s, "acme/api", staged.as_str(), "ci/build").await;
    post_status(&s, "acme/api", staged.as_str(), "ci/lint").await;
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    calm(&s, &m);
}

/// "Base branch was modified" on acme/api's ship merge, three times (convoy retries once within
/// the run, then on the next run), and `mergeable: null` for the first reads after every push:
/// the release ships with no escalation and no rollback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_refusals_are_retried_never_escalated_or_rolled_back() {
    let mut s = Scenario::start(protected_api(json!({}), |_| {})).await;
    s.bot
        .put("/_sandbox/mergeable", &json!({"null_reads": 8}))
        .await
        .unwrap();
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    s.bot
        .post(
            "/_sandbox/faults",
            &json!({"method": "PUT", "path": "/repos/acme/api/pulls/*/merge", "status": 405,
                    "times": 3,
                    "body": {"message": "Base branch was modified. Review and try the merge again."}}),
        )
        .await
        .unwrap();
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", m.history);
    calm(&s, &m);
    let waited = |needle: &str| {
        s.runs
            .iter()
            .flat_map(|r| &r.executed)
            .filter(|e| matches!(&e.outcome, ActionOutcome::Waiting { reason } if reason.contains(needle)))
            .count()
    };
    assert!(waited("Base branch was modified") >= 1, "the fault was met");
    assert!(waited("still computing") >= 1, "mergeable: null was met");
}

/// acme/api's main requires one approving review; `repos[].reviewers` names bob. The ship merge
/// waits in `awaiting_review` (not blocked, no rollback): convoy asks bob once, the tracking
/// issue names him, a reminder is posted on the pull request once per 24 h, a human is called
/// only after 72 h; bob's approval ships the release and resolves the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_review_is_a_normal_wait() {
    let protection = json!({"required_approving_reviews": 1});
    let seed = protected_api(protection, |c| {
        let api = c["repos"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["name"] == "acme/api")
            .unwrap();
        api["reviewers"] = json!(["bob"]);
    });
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    s.tick().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.state, RepoState::AwaitingReview, "{:?}", api.note);
    let wait = api.review.clone().unwrap();
    assert!(wait.requested);
    let number = api.prs.ship.unwrap();
    assert_eq!(wait.pull, number);
    calm(&s, &m);
    assert!(m.repo(&repo("acme/web")).unwrap().shas.shipped.is_none());
    // Asked once, and GitHub shows the request.
    let requests = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter(|e| matches!(e.planned.action, Action::RequestReviewers { .. }))
        .count();
    assert_eq!(requests, 1);
    let pull = s.pull("acme/api", number).await;
    assert_eq!(pull["requested_reviewers"][0]["login"], "bob", "{pull:#}");
    // The tracking issue names who must review.
    let issue = m.tracking_issue.unwrap();
    let body = s.get(&format!("/repos/acme/control/issues/{issue}")).await["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // (`@` is written with a zero-width space in the tracking issue, which pings nobody.)
    assert!(body.contains("bob to review acme/api#"), "{body}");
    assert!(
        body.contains("approving review from @\u{200b}bob"),
        "{body}"
    );

    // A day later: one reminder on the pull request, not two.
    let reminders = |comments: Vec<String>| {
        comments
            .iter()
            .filter(|c| c.contains("waited") && c.contains("approving review"))
            .count()
    };
    s.advance_minutes(25 * 60);
    s.tick().await;
    s.tick().await;
    assert_eq!(reminders(s.comments("acme/api", number.into()).await), 1);
    assert!(open_escalations(&s.manifest("r1").await).is_empty());

    // After 72 h, a human is called, saying what to do.
    s.advance_minutes(48 * 60);
    s.tick().await;
    let m = s.manifest("r1").await;
    let calls = open_escalations(&m);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(
        calls[0].contains("approving review") && calls[0].contains("@bob"),
        "{}",
        calls[0]
    );
    assert_eq!(
        m.phase,
        Phase::Shipping,
        "a review wait is never rolled back"
    );
    assert_eq!(reminders(s.comments("acme/api", number.into()).await), 2);

    // bob approves: the release ships and the call is resolved.
    let head = s.pull("acme/api", number).await["head"]["sha"].clone();
    s.bob
        .post(
            &format!("/repos/acme/api/pulls/{number}/reviews"),
            &json!({"event": "APPROVE", "commit_id": head}),
        )
        .await
        .unwrap();
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(open_escalations(&m).is_empty(), "{:#?}", m.escalations);
    assert!(m.repos.iter().all(|r| r.review.is_none()));
}

/// acme/api's main requires one approving review; `repos[].reviewers` names the team
/// `acme/release` (seeded, with alice). convoy asks the team once (GitHub shows it in
/// `requested_teams`, not as a person), the tracking issue names `@acme/release`, and alice's
/// approval answers the team's request and ships the release.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_is_asked_to_review_and_a_members_approval_ships() {
    let seed = seed_with(
        |c| {
            let api = c["repos"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|r| r["name"] == "acme/api")
                .unwrap();
            api["reviewers"] = json!(["acme/release"]);
        },
        |s| {
            seed_repo(s, "acme/api")["protection"] =
                json!({"main": {"required_approving_reviews": 1}});
            s["teams"] = json!([{"org": "acme", "slug": "release", "name": "Release",
                                 "members": ["alice"], "permission": "write"}]);
        },
    );
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    s.tick().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.state, RepoState::AwaitingReview, "{:?}", api.note);
    assert!(api.review.as_ref().is_some_and(|w| w.requested));
    let number = api.prs.ship.unwrap();
    calm(&s, &m);
    // The team is asked once, as a team.
    let asked: Vec<String> = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter_map(|e| match &e.planned.action {
            Action::RequestReviewers { reviewers, .. } => Some(format!("{reviewers:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [r#"[Reviewer("acme/release")]"#], "{asked:?}");
    let pull = s.pull("acme/api", number).await;
    assert_eq!(pull["requested_teams"][0]["slug"], "release", "{pull:#}");
    assert_eq!(pull["requested_reviewers"], json!([]), "{pull:#}");
    // The tracking issue names the team (its `@` does not ping: a zero-width space follows it).
    let issue = m.tracking_issue.unwrap();
    let body = s.get(&format!("/repos/acme/control/issues/{issue}")).await["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(body.contains("acme/release to review acme/api#"), "{body}");
    assert!(
        body.contains("approving review from @\u{200b}acme/release"),
        "{body}"
    );

    // alice, a member, approves the head: the team's request is answered, the release ships.
    let alice = convoy::demo::sandbox_client(&s.url, "t-alice").unwrap();
    let head = pull["head"]["sha"].clone();
    alice
        .post(
            &format!("/repos/acme/api/pulls/{number}/reviews"),
            &json!({"event": "APPROVE", "commit_id": head}),
        )
        .await
        .unwrap();
    assert_eq!(
        s.pull("acme/api", number).await["requested_teams"],
        json!([])
    );
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    calm(&s, &m);
    assert!(m.repos.iter().all(|r| r.review.is_none()));
}

/// Strict required checks on acme/api's main, and main moves after the RC cut: the ship pull
/// request is `behind`. convoy updates its branch through the API (nothing merges meanwhile),
/// which gives staging a new head; the release goes back to validation, the tiers run again on
/// the new head, and that head is what ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_checks_update_the_branch_and_validate_the_new_head() {
    let protection = json!({"required_checks": ["ci/build"], "strict": true});
    let mut s = Scenario::start(protected_api(protection, |_| {})).await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Validation, pass).await;
    let old = m
        .repo(&repo("acme/api"))
        .unwrap()
        .shas
        .staged
        .clone()
        .unwrap();
    s.push(
        "acme/api",
        "main",
        "HOTFIX.txt",
        "a hotfix straight on main\n",
    )
    .await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    for _ in 0..3 {
        s.tick().await;
    }
    let updates = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter(|e| {
            matches!(e.planned.action, Action::UpdatePullBranch { .. })
                && matches!(e.outcome, ActionOutcome::Done { .. })
        })
        .count();
    assert_eq!(updates, 1);
    let m = s.drive_until("r1", Phase::Shipping, pass).await;
    let api = m.repo(&repo("acme/api")).unwrap();
    let new = api.shas.staged.clone().unwrap();
    assert_ne!(new, old, "the updated head is what is staged now");
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::StagingMoved)
    );
    // Tiers covering api ran again on the new head.
    assert!(
        m.tier_runs
            .iter()
            .any(|r| r.shas.get(&repo("acme/api")) == Some(&new)),
        "{:#?}",
        m.tier_runs
    );
    // Nothing merged into a base before the new head was validated again.
    let at = |event: HistoryEvent| m.history.iter().position(|h| h.event == event);
    let moved = at(HistoryEvent::StagingMoved).unwrap();
    let revalidated = m
        .history
        .iter()
        .rposition(|h| h.event == HistoryEvent::RunCompleted)
        .unwrap();
    assert!(moved < revalidated);
    if let Some(merged) = at(HistoryEvent::RepoMerged) {
        assert!(merged > revalidated, "{:#?}", m.history);
    }

    post_status(&s, "acme/api", new.as_str(), "ci/build").await;
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    calm(&s, &m);
    // What shipped contains the updated head.
    let main = s.head("acme/api", "main").await;
    let shipped = m
        .repo(&repo("acme/api"))
        .unwrap()
        .shas
        .shipped
        .clone()
        .unwrap();
    assert_eq!(main, shipped.as_str());
}

/// The last `n` actions the runs executed, newest first, for a failure message.
fn recent_actions(s: &Scenario, n: usize) -> Vec<String> {
    let all: Vec<String> = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .map(|e| {
            format!(
                "{} {}: {}",
                e.planned.action.kind(),
                e.planned.action.target(),
                e.outcome
            )
        })
        .collect();
    all.into_iter().rev().take(n).collect()
}

/// A rollback in a repo whose base requires an approving review: the revert pull request waits
/// for one (a wait saying so, not a failed action), and reverts once bob approves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revert_waits_for_its_required_review() {
    let protection = json!({"required_approving_reviews": 1});
    let seed = protected_api(protection, |c| {
        for r in c["repos"].as_array_mut().into_iter().flatten() {
            if r["name"] == "acme/api" {
                r["reviewers"] = json!(["bob"]);
            }
        }
    });
    let mut s = Scenario::start(seed).await;
    s.review_after = Some(0);
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    // The rollback button (a comment on the closed tracking issue of a shipped release is not
    // routed yet).
    s.dispatch("alice", "rollback", "r1", "").await;
    for _ in 0..3 {
        s.tick().await;
    }
    let api_reverts: Vec<&ActionOutcome> = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter(|e| {
            matches!(&e.planned.action, Action::RevertMerge { repo, .. } if repo.as_str() == "acme/api")
        })
        .map(|e| &e.outcome)
        .collect();
    assert!(!api_reverts.is_empty(), "{:#?}", recent_actions(&s, 25));
    for o in &api_reverts {
        assert!(
            matches!(o, ActionOutcome::Waiting { reason } if reason.contains("needs an approving review")),
            "{o:?}"
        );
    }
    let m = s.manifest("r1").await;
    assert_ne!(
        m.repo(&repo("acme/api")).unwrap().state,
        RepoState::Reverted
    );
    // bob approves the revert: it merges on the next run.
    let open = s
        .get("/repos/acme/api/pulls?state=open&head=acme:convoy/revert-r1&base=main")
        .await;
    let n = open[0]["number"]
        .as_u64()
        .expect("the revert pull request is open");
    let a = s
        .bob
        .post(
            &format!("/repos/acme/api/pulls/{n}/reviews"),
            &json!({"event": "APPROVE"}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    s.deliver().await;
    for _ in 0..3 {
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::RolledBack);
    let reverted = s.get(&format!("/repos/acme/api/pulls/{n}")).await;
    assert_eq!(reverted["merged"], true, "{:#?}", recent_actions(&s, 12));
    assert_eq!(
        m.repo(&repo("acme/api")).unwrap().state,
        RepoState::Reverted
    );
}
