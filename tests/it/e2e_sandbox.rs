//! Whole releases through GitHub's API: the sandbox serves real git, convoy is driven exactly
//! as GitHub Actions would drive it (one event, one run), for each directive.

use convoy::demo::{demo_clock, demo_runner, play, sandbox_client, start_sandbox};
use convoy::model::config::Directive;
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Phase, RepoState};
use serde_json::{Value, json};

fn phases(m: &convoy::model::manifest::ReleaseManifest) -> Vec<String> {
    let mut out = vec!["planning".to_owned()];
    out.extend(
        m.history
            .iter()
            .filter(|h| h.event == HistoryEvent::PhaseChanged)
            .filter_map(|h| h.to.clone()),
    );
    out
}

async fn check_release(directive: Directive) {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let mut lines = Vec::new();
    let out = play(&url, directive, &mut |l| lines.push(l))
        .await
        .unwrap_or_else(|e| panic!("{directive:?}: {e:#}"));
    let m = &out.manifest;
    assert_eq!(m.phase, Phase::Shipped, "{directive:?}");
    let expected = [
        "planning",
        "development",
        "staging",
        "validation",
        "shipping",
        "shipped",
    ];
    assert_eq!(phases(m), expected, "{directive:?}: every phase, in order");
    check_progress(directive, &lines);
    check_summary(directive, &out.summary);

    let gh = sandbox_client(&url, "t-bot").unwrap();
    for r in &m.repos {
        assert_eq!(r.state, RepoState::Shipped);
        let repo = r.name.as_str();
        // The RC branch was cut from the recorded base SHA: it descends from it.
        let cut = r.shas.cut_from.as_ref().unwrap();
        let rc = r.shas.rc_head.as_ref().unwrap();
        let cmp = gh
            .get(&format!(
                "/repos/{repo}/compare/{}...{}",
                cut.as_str(),
                rc.as_str()
            ))
            .await
            .unwrap();
        assert_eq!(
            cmp["behind_by"], 0,
            "{repo}: rc descends from the recorded base head"
        );
        // The ship pull request merged exactly the validated SHA.
        let ship = gh
            .get(&format!("/repos/{repo}/pulls/{}", r.prs.ship.unwrap()))
            .await
            .unwrap();
        assert_eq!(ship["merged"], true);
        assert_eq!(
            ship["head"]["sha"],
            r.shas.staged.as_ref().unwrap().as_str(),
            "{repo}: merge pinned to the validated SHA"
        );
        // Base holds the tagged merge.
        let base = gh
            .get(&format!("/repos/{repo}/git/ref/heads/main"))
            .await
            .unwrap();
        let shipped = r.shas.shipped.as_ref().unwrap().as_str();
        assert_eq!(base["object"]["sha"], shipped);
        let tag = gh
            .get(&format!("/repos/{repo}/git/ref/tags/{}", m.tag))
            .await
            .unwrap();
        assert_eq!(
            tag["object"]["sha"], shipped,
            "{repo}: the tag points at the shipped merge"
        );
        let release = gh
            .get(&format!("/repos/{repo}/releases/tags/{}", m.tag))
            .await
            .unwrap();
        let body = release["body"].as_str().unwrap_or_default();
        for t in m.tasks.iter().filter(|t| t.repo == r.name) {
            assert!(
                body.contains(t.issue.as_str()),
                "{repo}: release notes list {}: {body}",
                t.issue
            );
            for pr in &t.pull_requests {
                assert!(
                    body.contains(&format!("#{pr}")),
                    "{repo}: notes list PR #{pr}"
                );
            }
        }
    }
    // The lock is beside the manifest, and `convoy verify` finds that every base holds what
    // shipped and that what shipped is what the tiers validated.
    let store = convoy::demo::demo_store().unwrap();
    let stored = store.load_lock(&gh, &m.id).await.unwrap().unwrap();
    assert_eq!(out.lock, Some(stored.digest()), "{directive:?}");
    let report = convoy::cli::verify(&gh, &store, &m.id, Default::default())
        .await
        .unwrap();
    assert!(
        report.holds,
        "{directive:?}: {}",
        convoy::verify::render::text(&report)
    );
    // Tasks came from the sprint milestone and all merged.
    assert_eq!(m.tasks.len(), 3);
    assert!(
        m.tasks
            .iter()
            .all(|t| t.status == convoy::model::manifest::TaskStatus::Merged)
    );
    // History holds every step.
    for event in [
        HistoryEvent::Created,
        HistoryEvent::RepoStaged,
        HistoryEvent::RepoMerged,
        HistoryEvent::RepoShipped,
        HistoryEvent::RunDispatched,
        HistoryEvent::RunCompleted,
    ] {
        assert!(
            m.history.iter().any(|h| h.event == event),
            "{directive:?}: history lacks {event}"
        );
    }
    // The tracking issue shows the final state.
    let issue = gh
        .get(&format!(
            "/repos/acme/control/issues/{}",
            m.tracking_issue.unwrap()
        ))
        .await
        .unwrap();
    assert_eq!(
        issue["body"].as_str().unwrap(),
        convoy::report::tracking_body(
            m,
            &[],
            m.updated_at,
            &convoy::lifecycle::WebLinks::default()
        )
    );
    // Staging promotions merged in dependency waves: schema, then api, then web.
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let merges: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == "PUT"
                && r["path"].as_str().unwrap_or_default().ends_with("/merge")
                && r["status"] == 200
        })
        .map(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .split('/')
                .nth(3)
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let staging: Vec<&str> = merges
        .iter()
        .map(String::as_str)
        .filter(|r| ["schema", "api", "web"].contains(r))
        .collect();
    // Task PRs are merged by bob (same endpoint); convoy's promotions are the last six merges.
    let promotions = &staging[staging.len() - 6..];
    assert_eq!(
        promotions,
        ["schema", "api", "web", "schema", "api", "web"],
        "{merges:?}"
    );
}

/// The demo's progress lines: every phase is announced as it is entered, before the actions
/// taken in it, and what convoy waits for is said before the demo's world acts on it.
fn check_progress(directive: Directive, lines: &[String]) {
    let text = lines.join("\n");
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{directive:?}: no line with {needle:?}:\n{text}"))
    };
    let phase_lines: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("phase: "))
        .map(String::as_str)
        .collect();
    assert_eq!(
        phase_lines,
        [
            "phase: planning → development",
            "phase: development → staging",
            "phase: staging → validation",
            "phase: validation → shipping",
            "phase: shipping → shipped",
        ],
        "{directive:?}:\n{text}"
    );
    // Branches are cut on entering development, staging PRs open on entering staging, ship PRs
    // on entering shipping: each after its phase line.
    assert!(at("phase: planning → development") < at("create_branch acme/schema"));
    assert!(at("phase: development → staging") < at("rc/demo-1 → staging"));
    assert!(at("phase: validation → shipping") < at("staging → main"));
    assert!(at("staging → main") < at("phase: shipping → shipped"));
    // The demo soaks validation for 30 minutes: it shows the wait, the clock moves past it,
    // and only then does the release ship.
    assert!(at("alice sets `\"soak\"") < at("phase: planning → development"));
    assert!(at("waiting for: soaking: 30 min left") < at("time passes: it is"));
    assert!(at("time passes: it is") < at("phase: validation → shipping"));
    // Each repo's promotions are recorded as deployments.
    assert!(at("deploy acme/web staging") < at("deploy acme/web production"));
    assert!(
        !text.contains("Some(") && !text.contains("Done {"),
        "no debug text:\n{text}"
    );
    let waits = at("  waiting for: tasks to merge into their RC branches");
    assert!(waits < at("  bob lands"), "{text}");
    if directive == Directive::Careful {
        let approve = at("  alice comments `/convoy approve`");
        assert!(
            lines[approve - 1].starts_with("  waiting for: an approver to approve the plan"),
            "{text}"
        );
        // The later gates are approved with the tracking issue's checkbox: the demo shows the
        // boxes the issue offers, then alice ticks the gate's.
        let ship = lines
            .iter()
            .position(|l| l.contains("an approver to approve shipping"))
            .unwrap_or_else(|| panic!("no ship wait:\n{text}"));
        // Besides the approver, the release waits for its soak (the demo soaks validation).
        let offers = (ship + 1..lines.len())
            .find(|&i| !lines[i].starts_with("  waiting for: "))
            .unwrap();
        assert!(
            lines[offers].starts_with("  the tracking issue acme/control#1 offers:"),
            "{text}"
        );
        assert_eq!(
            lines[offers + 1],
            "    - [ ] **approve the ship gate**: approve the gate the release waits at"
        );
        assert!(lines[offers + 2].contains("**abort**"), "{text}");
        assert_eq!(
            lines[offers + 3],
            "  alice ticks the box **approve the ship gate** on acme/control#1"
        );
        // Approved during the soak: the release ships once the soak is over, not before.
        let soaked = at("time passes: it is");
        assert!(offers + 3 < soaked, "{text}");
        assert!(
            lines[soaked + 1..]
                .iter()
                .find(|l| l.starts_with("phase: "))
                .is_some_and(|l| l.starts_with("phase: validation → shipping")),
            "{text}"
        );
    }
}

/// The last run's step summary: actions numbered from 1 with a heading per round, and every
/// tier listed, those the directive leaves out as not run.
fn check_summary(directive: Directive, summary: &str) {
    assert!(!summary.contains("| 0 |"), "numbered from 1:\n{summary}");
    // The release's timeline, as a mermaid Gantt chart ending in the shipped milestone.
    assert!(
        summary.contains("### Timeline\n\n```mermaid\ngantt\n"),
        "{summary}"
    );
    assert!(summary.contains("    shipped :milestone, "), "{summary}");
    assert!(summary.contains("| 1 | `"), "{summary}");
    assert!(summary.contains("#### Round 1 of "), "{summary}");
    assert!(summary.contains("#### Round 2 of "), "{summary}");
    let e2e = match directive {
        Directive::Careful => "| e2e | passed |",
        Directive::Auto => "| e2e | passed |",
        Directive::Quick => "| e2e | not run under quick |",
    };
    assert!(summary.contains("| smoke | passed |"), "{summary}");
    assert!(summary.contains(e2e), "{directive:?}:\n{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn careful_release_ships_through_the_api() {
    check_release(Directive::Careful).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_release_ships_through_the_api() {
    check_release(Directive::Auto).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_release_ships_through_the_api() {
    check_release(Directive::Quick).await;
}

/// Delivering every event of a finished run a second time changes nothing: no new pull
/// requests, comments, dispatches, merges or manifest writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivering_every_event_changes_nothing() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let out = play(&url, Directive::Careful, &mut |_| {}).await.unwrap();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    gh.delete("/_sandbox/requests").await.unwrap();
    let clock = demo_clock();
    let runner = demo_runner(&gh, &clock).unwrap();
    for (name, payload) in &out.delivered {
        let signal =
            convoy::event::parse_event(name, &serde_json::to_vec(payload).unwrap()).unwrap();
        for run in runner.handle(&signal).await.unwrap() {
            assert!(
                !run.changed,
                "{name} changed the manifest again: {:#?}",
                run.executed
            );
        }
    }
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let writes: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] != "GET"
                && !r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("/_sandbox")
        })
        .collect();
    assert!(writes.is_empty(), "redelivery wrote: {writes:#?}");
    let after = convoy::github::store::ManifestStore {
        repo: convoy::model::ids::RepoName::parse("acme/control").unwrap(),
        branch: None,
    };
    let stored = after.load(&gh, &out.manifest.id).await.unwrap().unwrap();
    assert_eq!(stored.manifest, out.manifest);
}

/// A push to an RC branch after validation blocks shipping until the new SHA is validated:
/// the repo is promoted again, the tiers run again, and what ships is the new SHA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_after_validation_is_validated_before_it_ships() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let api = convoy::model::ids::RepoName::parse("acme/api").unwrap();
    let out = convoy::demo::play_with(&url, Directive::Careful, Some(&api), None, &mut |_| {})
        .await
        .unwrap();
    let m = &out.manifest;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(
        m.history.iter().any(|h| h.event == HistoryEvent::RcMoved),
        "the late fix was noticed"
    );
    let back: Vec<_> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::PhaseChanged && h.to.as_deref() == Some("staging"))
        .collect();
    assert_eq!(back.len(), 2, "the release went back to staging once");
    // Every tier ran again on the new SHAs, and the ship PR merged the final staged SHA.
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let r = m.repo(&api).unwrap();
    let ship = gh
        .get(&format!("/repos/acme/api/pulls/{}", r.prs.ship.unwrap()))
        .await
        .unwrap();
    assert_eq!(
        ship["head"]["sha"],
        r.shas.staged.as_ref().unwrap().as_str()
    );
    let staged = r.shas.staged.as_ref().unwrap();
    for tier in ["smoke", "e2e"] {
        let passed_on_final = m.tier_runs.iter().any(|t| {
            t.tier.as_str() == tier
                && t.shas.get(&api) == Some(staged)
                && t.conclusion.is_some_and(|c| c.passed())
        });
        assert!(
            passed_on_final,
            "{tier} passed on the shipped SHA of acme/api"
        );
    }
    let fix = gh
        .get("/repos/acme/api/contents/src/fix.txt?ref=main")
        .await
        .unwrap();
    assert!(fix["sha"].is_string(), "the late fix shipped");
}

/// `abort` during validation: the promotion pull requests are closed and every staging branch is
/// reset to the head it had before the release (the one forced update convoy makes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_during_validation_resets_staging_through_the_api() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let mid = convoy::demo::play_with(
        &url,
        Directive::Careful,
        None,
        Some(Phase::Validation),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(mid.manifest.phase, Phase::Validation);
    let gh = sandbox_client(&url, "t-bot").unwrap();
    // An open staging → main pull request, as a human might have opened by hand, is closed too.
    let bob = sandbox_client(&url, "t-bob").unwrap();
    let pr = bob
        .post(
            "/repos/acme/api/pulls",
            &json!({"title": "ship it early", "head": "staging", "base": "main"}),
        )
        .await
        .unwrap();
    let early = pr.body["number"].as_u64().unwrap();
    let clock = demo_clock();
    let runner = demo_runner(&gh, &clock).unwrap();
    let abort = convoy::signal::Signal::Command(convoy::signal::CommandSignal {
        command: convoy::signal::Command::Abort,
        release: Some(mid.manifest.id.clone()),
        actor: convoy::model::ids::Login::parse("alice").unwrap(),
        source: convoy::signal::CommandSource::WorkflowDispatch,
    });
    let runs = runner.handle(&abort).await.unwrap();
    let m = &runs[0].manifest;
    assert_eq!(m.phase, Phase::Aborted);
    assert!(
        runs[0].executed.iter().all(|e| !matches!(
            e.outcome,
            convoy::lifecycle::action::ActionOutcome::Failed { .. }
        )),
        "{:#?}",
        runs[0].executed
    );
    for r in &m.repos {
        let staging = gh
            .get(&format!("/repos/{}/git/ref/heads/staging", r.name))
            .await
            .unwrap();
        assert_eq!(
            staging["object"]["sha"],
            r.shas.staging_before.as_ref().unwrap().as_str(),
            "{} staging reset",
            r.name
        );
        let open = gh
            .get(&format!("/repos/{}/pulls?state=open", r.name))
            .await
            .unwrap();
        assert_eq!(
            open.as_array().unwrap().len(),
            0,
            "{}: no promotion PR left open",
            r.name
        );
    }
    let closed = gh
        .get(&format!("/repos/acme/api/pulls/{early}"))
        .await
        .unwrap();
    assert_eq!(closed["state"], "closed");
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::CommandAbort && h.actor == "alice")
    );
    // Nothing more to do afterwards.
    let again = runner
        .reconcile(&m.id, &convoy::signal::Signal::Schedule)
        .await
        .unwrap();
    assert!(
        !again.changed
            && again.executed.iter().all(|e| !matches!(
                e.outcome,
                convoy::lifecycle::action::ActionOutcome::Done { .. }
            )),
        "{:#?}",
        again.executed
    );
}

/// Delivers every event the sandbox queued through the runner, as workflow runs would.
async fn deliver_events(
    gh: &convoy::github::GitHub,
    runner: &convoy::runner::Runner<'_>,
) -> Vec<convoy::runner::ReleaseRun> {
    let events = gh.get("/_sandbox/events").await.unwrap();
    let mut runs = Vec::new();
    for e in events.as_array().unwrap() {
        let payload = serde_json::to_vec(&e["payload"]).unwrap();
        let signal = convoy::event::parse_event(e["name"].as_str().unwrap(), &payload).unwrap();
        runs.extend(runner.handle(&signal).await.unwrap());
    }
    runs
}

/// `/convoy approve` from someone who may not approve is answered with the reason and changes
/// nothing; the same from an approver opens the gate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chatops_approval_checks_who_asks() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let start = convoy::demo::play_with(
        &url,
        Directive::Careful,
        None,
        Some(Phase::Planning),
        &mut |_| {},
    )
    .await
    .unwrap();
    let issue = start.manifest.tracking_issue.unwrap();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let clock = demo_clock();
    let runner = demo_runner(&gh, &clock).unwrap();

    // bob has write permission but is no approver (approvers: alice, or admin).
    gh.post(
        &format!("/_sandbox/repos/acme/control/issues/{issue}/comments"),
        &json!({"user": "bob", "body": "/convoy approve"}),
    )
    .await
    .unwrap();
    deliver_events(&gh, &runner).await;
    let store = convoy::github::store::ManifestStore {
        repo: convoy::model::ids::RepoName::parse("acme/control").unwrap(),
        branch: None,
    };
    let after = store
        .load(&gh, &start.manifest.id)
        .await
        .unwrap()
        .unwrap()
        .manifest;
    assert_eq!(after.phase, Phase::Planning);
    assert!(after.approvals.is_empty());
    assert_eq!(
        after.history, start.manifest.history,
        "a refusal changes nothing"
    );
    let comments = gh
        .get(&format!("/repos/acme/control/issues/{issue}/comments"))
        .await
        .unwrap();
    let reply = comments
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["body"].as_str())
        .find(|b| b.contains("cannot approve"));
    assert!(
        reply.is_some_and(
            |r| r.contains("@bob cannot approve: only the people in `approvers.users`")
        ),
        "{comments:#}"
    );

    // alice is an approver.
    gh.post(
        &format!("/_sandbox/repos/acme/control/issues/{issue}/comments"),
        &json!({"user": "alice", "body": "Ship the plan.\n/convoy approve"}),
    )
    .await
    .unwrap();
    deliver_events(&gh, &runner).await;
    let approved = store
        .load(&gh, &start.manifest.id)
        .await
        .unwrap()
        .unwrap()
        .manifest;
    assert_eq!(approved.phase, Phase::Development);
    assert_eq!(approved.approvals[0].by.as_str(), "alice");
    assert!(
        approved.approvals[0]
            .via
            .contains(&format!("acme/control#{issue}"))
    );
}
