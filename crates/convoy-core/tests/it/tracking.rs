//! The tracking issue as the release's dashboard: the body of a three-repo release, the offers
//! that follow the command table, the final summary.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::{Decision, WebLinks, decide};
use convoy::model::config::Directive;
use convoy::model::ids::BranchName;
use convoy::model::manifest::{Conclusion, Phase, ReleaseManifest};
use convoy::model::time::Timestamp;
use support::*;

/// The example release without `acme/worker`: `acme/schema` ← `acme/api` ← `acme/web`.
fn three_repos(directive: Directive) -> ReleaseManifest {
    let mut m = release(directive);
    m.repos.retain(|r| r.name.as_str() != "acme/worker");
    m
}

fn later(t: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_unix_seconds(t.unix_seconds() + minutes * 60).unwrap()
}

/// The body of the tracking issue `d` writes.
fn body(d: &Decision) -> String {
    d.actions
        .iter()
        .find_map(|a| match &a.action {
            Action::UpsertTrackingIssue { body, .. } => Some(body.clone()),
            _ => None,
        })
        .expect("the tracking issue is kept current")
}

/// A careful three-repo release in validation whose `e2e-full` tier failed every attempt: it
/// waits for a human. Returns the world and the decision that escalated.
fn failing_in_validation() -> (convoy::rehearse::World, Decision) {
    let m = three_repos(Directive::Careful);
    let mut w = world(&m);
    w.observed.web = WebLinks::new(
        "https://github.example.com/",
        Some(BranchName::parse("convoy-state").unwrap()),
    );
    let mut d = drive(m, &mut w, Conclusion::Success, |d| {
        d.manifest.phase == Phase::Validation
    });
    for _ in 0..40 {
        if !d.manifest.escalations.is_empty() {
            return (w, d);
        }
        w.complete_runs(Conclusion::Failure);
        d = decide(&d.manifest, &w.observed, &reconcile(), later(d.at, 1));
        for a in &d.actions {
            w.apply(&a.action).unwrap();
        }
    }
    panic!("no escalation: {:#?}", d.manifest.tier_runs);
}

#[test]
fn the_tracking_issue_of_a_three_repo_release_is_a_dashboard() {
    let (w, d) = failing_in_validation();
    assert_eq!(d.manifest.phase, Phase::Validation);
    // Three hours on, the body says how long the release has waited.
    let now = later(d.at, 180);
    let next = decide(&d.manifest, &w.observed, &reconcile(), now);
    let body = body(&next);
    assert!(body.contains("(3 h)"), "{body}");
    assert!(!body.contains(" #"), "no bare references: {body}");
    insta::assert_snapshot!(body);
}

#[test]
fn escalations_offer_only_what_the_phase_accepts() {
    let (_, d) = failing_in_validation();
    let call = d
        .actions
        .iter()
        .find_map(|a| match &a.action {
            Action::Comment { body, marker, .. } if marker.starts_with("convoy:tier:") => {
                Some(body.clone())
            }
            _ => None,
        })
        .expect("the escalation is posted");
    assert!(call.contains("`/convoy retry [tier]`"), "{call}");
    assert!(call.contains("`/convoy abort`"), "{call}");
    assert!(
        !call.contains("defer"),
        "defer is refused in validation: {call}"
    );
    let body = body(&d);
    assert!(body.contains("Who acts"), "{body}");
    assert!(!body.contains("defer"), "{body}");
}

/// A release of `repos` member repos with `tasks_per_repo` tasks each, every commit, pull
/// request and run filled in, in `phase`: as much text as a release of that size can hold.
fn big_release(repos: usize, tasks_per_repo: usize, phase: Phase) -> ReleaseManifest {
    use convoy::model::ids::{IssueRef, Sha};
    use convoy::model::manifest::{RepoState, RunKind, RunStatus, TaskStatus, TierRun};
    use convoy::model::numbers::{PullNumber, RunId};
    let mut cfg: serde_json::Value = serde_json::from_str(support::EXAMPLE_CONFIG).unwrap();
    cfg["repos"] = (0..repos)
        .map(|i| serde_json::json!({"name": format!("acme/service-{i:02}"), "reviewers": ["api-lead"]}))
        .collect();
    for t in cfg["tiers"].as_array_mut().unwrap() {
        t["covers"] = serde_json::Value::Null;
        t.as_object_mut().unwrap().remove("covers");
    }
    let config = convoy::validate::config_from_str(&cfg.to_string()).expect("a valid config");
    let mut m = ReleaseManifest::create(
        &config,
        convoy::model::create::CreateRequest {
            id: convoy::model::ids::ReleaseId::parse("2026.12.0").unwrap(),
            control_repo: repo("acme/release-control"),
            actor: login("release-captain"),
            now: t0(),
            args: convoy::signal::CreateArgs {
                directive: Some(Directive::Careful),
                ..Default::default()
            },
            gathered: vec![],
            left_out: Vec::new(),
        },
    )
    .unwrap();
    let sha = |i: usize, k: usize| Sha::parse(&format!("{:040x}", i * 1000 + k)).unwrap();
    let names: Vec<_> = m.repos.iter().map(|r| r.name.clone()).collect();
    for (i, r) in m.repos.iter_mut().enumerate() {
        r.state = RepoState::Staged;
        r.shas.rc_head = Some(sha(i, 1));
        r.shas.staged = Some(sha(i, 2));
        r.shas.shipped = Some(sha(i, 3));
        r.prs.staging = Some(PullNumber::new(1000 + i as u64));
        r.prs.ship = Some(PullNumber::new(2000 + i as u64));
        r.note = Some(format!("waiting for a review by @api-lead on {}", r.name));
    }
    for (i, name) in names.iter().enumerate() {
        for k in 0..tasks_per_repo {
            let issue = IssueRef::parse(&format!("{name}#{}", 100 + k)).unwrap();
            m.tasks.push(convoy::model::manifest::ReleaseTask {
                issue,
                repo: name.clone(),
                title: Some(format!(
                    "A task title of reasonable length, number {k} in {i}"
                )),
                pull_requests: vec![
                    PullNumber::new(300 + k as u64),
                    PullNumber::new(400 + k as u64),
                ],
                role: Default::default(),
                order: (i * tasks_per_repo + k) as u32,
                status: if k == 0 {
                    TaskStatus::Merged
                } else {
                    TaskStatus::InProgress
                },
                depends_on: Vec::new(),
                carried_from: None,
            });
        }
    }
    let tiers = m.policy.tiers.clone();
    for (n, tier) in tiers.iter().cycle().take(40).enumerate() {
        m.tier_runs.push(TierRun {
            tier: tier.name.clone(),
            kind: RunKind::Tier,
            phase: tier.phase,
            attempt: 1 + n as u32 / 3,
            correlation_id: format!("convoy-2026.12.0-{}-{n}-0a1b2c3d", tier.name),
            repo: tier.repo.clone(),
            workflow: tier.workflow.clone(),
            run_id: Some(RunId::new(5000 + n as u64)),
            url: None,
            shas: names
                .iter()
                .enumerate()
                .map(|(i, r)| (r.clone(), sha(i, 2)))
                .collect(),
            status: RunStatus::Completed,
            conclusion: Some(Conclusion::Failure),
            superseded: false,
            dispatched_at: later(t0(), n as i64),
            completed_at: Some(later(t0(), n as i64 + 1)),
            refusal: None,
        });
    }
    m.phase = phase;
    m
}

/// Waits as long as the release has repos: one per repo.
fn waits_of(m: &ReleaseManifest) -> Vec<convoy::lifecycle::Wait> {
    m.repos
        .iter()
        .map(|r| convoy::lifecycle::Wait {
            who: convoy::lifecycle::Owner::Human,
            what: format!("a review of the promotion pull request of {}", r.name),
            since: t0(),
            until: None,
        })
        .collect()
}

/// GitHub refuses an issue body over 65,536 characters: a 60-repo release stays under it, and
/// keeps its checkbox controls, however much it holds.
#[test]
fn a_sixty_repo_release_fits_one_issue_with_its_controls() {
    let web = WebLinks::default();
    let now = later(t0(), 600);
    for (tasks, phase) in [
        (1, Phase::Development),
        (3, Phase::Development),
        (3, Phase::Validation),
        (12, Phase::Development),
    ] {
        let mut m = big_release(60, tasks, phase);
        let mut waits = waits_of(&m);
        if tasks == 1 {
            // A release going well: no repo has a note, nobody is waited for.
            m.repos.iter_mut().for_each(|r| r.note = None);
            waits.clear();
        }
        let body = convoy::report::tracking_body(&m, &waits, now, &web);
        let chars = body.chars().count();
        assert!(
            chars < convoy::report::GITHUB_BODY_LIMIT,
            "{tasks} tasks per repo in {phase:?}: {chars} characters"
        );
        assert!(body.len() <= convoy::report::BODY_BUDGET, "{}", body.len());
        assert!(body.contains("### Controls"), "{tasks} per repo");
        assert!(
            body.contains("<!-- convoy:box=abort -->"),
            "{tasks} per repo"
        );
        if phase == Phase::Development {
            assert!(body.contains("<!-- convoy:box=approve:promote -->"));
            if tasks > 1 {
                assert!(body.contains("<!-- convoy:box=defer:acme/service-00#101 -->"));
            }
        } else {
            assert!(body.contains("<!-- convoy:box=approve:ship -->"));
        }
        let whole = body.contains("| acme/service-59 |");
        if std::env::var_os("SHOW_BODY").is_some() {
            std::fs::write(format!("/tmp/body-{tasks}-{phase:?}.md"), &body).unwrap();
        }
        eprintln!("{tasks} per repo in {phase:?}: {chars} characters, whole: {whole}");
        if tasks == 1 {
            assert!(whole, "one task per repo fits whole");
        } else {
            assert!(body.contains("too large to show whole here"), "{body}");
            assert!(body.contains("releases/2026.12.0/manifest.json"));
        }
    }
}
