//! Shared setup for the lifecycle tests: the example config, a release created from it, and an
//! in-memory GitHub world holding its branches and people.
#![allow(dead_code)]

use convoy::lifecycle::observed::{Observed, ObservedPermission};
use convoy::lifecycle::{Owner, decide};
use convoy::model::config::{Config, Directive, Permission};
use convoy::model::create::CreateRequest;
use convoy::model::history::HistoryEvent;
use convoy::model::ids::{BranchName, IssueRef, Login, ReleaseId, RepoName};
use convoy::model::manifest::Conclusion;
use convoy::model::manifest::ReleaseManifest;
use convoy::model::numbers::IssueNumber;
use convoy::model::time::Timestamp;
use convoy::rehearse::World;
use convoy::signal::CreateArgs;
use convoy::signal::{Command, CommandSignal, CommandSource, Signal};

pub const EXAMPLE_CONFIG: &str = include_str!("../../../../../examples/convoy.json");

pub fn config() -> Config {
    convoy::validate::config_from_str(EXAMPLE_CONFIG).expect("the example config is valid")
}

pub fn t0() -> Timestamp {
    Timestamp::parse("2026-11-26T09:00:00Z").unwrap()
}

pub fn login(s: &str) -> Login {
    Login::parse(s).unwrap()
}

pub fn repo(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

pub fn branch(s: &str) -> BranchName {
    BranchName::parse(s).unwrap()
}

/// A release of the example config with two tasks (web#7 depends on api#12).
pub fn release(directive: Directive) -> ReleaseManifest {
    let config = config();
    let mut m = ReleaseManifest::create(
        &config,
        CreateRequest {
            id: ReleaseId::parse("2026.12.0").unwrap(),
            control_repo: repo("acme/release-control"),
            actor: login("release-captain"),
            now: t0(),
            args: CreateArgs {
                directive: Some(directive),
                tasks: vec![
                    IssueRef::parse("acme/api#12").unwrap(),
                    IssueRef::parse("acme/web#7").unwrap(),
                ],
                ..CreateArgs::default()
            },
            gathered: vec![],
            left_out: Vec::new(),
        },
    )
    .unwrap();
    m.tasks[0].title = Some("Add the /v2/orders endpoint".to_owned());
    m.tasks[1].title = Some("Show orders from /v2/orders".to_owned());
    m.tasks[1].depends_on = vec![IssueRef::parse("acme/api#12").unwrap()];
    m.dependencies = m.derive_dependencies();
    m
}

/// A world where every member repo has `main` and `staging`, and the people are known.
pub fn world(m: &ReleaseManifest) -> World {
    let mut w = World::new(Observed::default());
    for r in &m.repos {
        let main = w.push(&r.name, &r.base);
        w.set_head(&r.name, &r.staging, main);
    }
    w.observed.permissions = [
        ("release-captain", Permission::Write),
        ("maria", Permission::Maintain),
        ("dev", Permission::Write),
        ("guest", Permission::Read),
    ]
    .into_iter()
    .map(|(l, p)| ObservedPermission {
        login: login(l),
        permission: p,
    })
    .collect();
    w
}

pub fn reconcile() -> Signal {
    command("release-captain", Command::Reconcile)
}

pub fn command(actor: &str, command: Command) -> Signal {
    Signal::Command(CommandSignal {
        command,
        release: None,
        actor: login(actor),
        source: CommandSource::WorkflowDispatch,
    })
}

pub fn phases_visited(m: &convoy::model::manifest::ReleaseManifest) -> Vec<String> {
    let mut out = vec!["planning".to_owned()];
    for h in &m.history {
        if h.event == HistoryEvent::PhaseChanged {
            out.push(h.to.clone().unwrap_or_default());
        }
    }
    out
}

/// Reconciles, landing tasks and finishing runs with `conclusion`, until `stop` holds or nothing
/// moves any more.
pub fn drive(
    mut cur: convoy::model::manifest::ReleaseManifest,
    w: &mut convoy::rehearse::World,
    conclusion: Conclusion,
    stop: impl Fn(&convoy::lifecycle::Decision) -> bool,
) -> convoy::lifecycle::Decision {
    let mut now = t0();
    let mut idle = 0;
    loop {
        let d = decide(&cur, &w.observed, &reconcile(), now);
        for a in &d.actions {
            w.apply(&a.action).unwrap();
        }
        now = convoy::model::time::Timestamp::from_unix_seconds(now.unix_seconds() + 60).unwrap();
        if stop(&d) {
            return d;
        }
        if d.actions.is_empty() && d.manifest == cur {
            idle += 1;
            assert!(idle < 5, "stuck in {:?}: {:#?}", d.manifest.phase, d.waits);
            if d.waits.iter().any(|x| x.who == Owner::Developers) {
                w.land_open_tasks(&d.manifest);
            } else if d.waits.iter().any(|x| x.who == Owner::Human) {
                let a = decide(
                    &d.manifest,
                    &w.observed,
                    &command("maria", Command::Approve),
                    now,
                );
                cur = a.manifest;
                continue;
            } else {
                w.complete_runs(conclusion);
            }
        } else {
            idle = 0;
        }
        cur = d.manifest;
    }
}

/// Decides once and lets the world apply it, then decides again so the manifest knows its
/// tracking issue: a careful release in planning, waiting for its plan approval.
pub fn planning_with_tracking_issue(w: &mut World) -> convoy::lifecycle::Decision {
    let m = release(convoy::model::config::Directive::Careful);
    let first = decide(&m, &w.observed, &reconcile(), t0());
    for a in &first.actions {
        w.apply(&a.action).unwrap();
    }
    decide(&first.manifest, &w.observed, &reconcile(), t0())
}

/// A `/convoy` comment by `author` on the control repo's issue `issue`.
pub fn comment(
    author: &str,
    issue: u64,
    comment_id: u64,
    commands: Vec<Result<Command, String>>,
) -> Signal {
    Signal::Comment(convoy::signal::CommentSignal {
        repo: repo("acme/release-control"),
        issue: IssueNumber::new(issue),
        comment_id,
        author: login(author),
        author_is_bot: false,
        commands,
    })
}

/// Plays `m` forward for at most `steps` steps in a fresh [`world`], with the release captain as
/// approver (see `convoy::rehearse::rehearse`).
pub fn play(m: &ReleaseManifest, steps: usize, land_work: bool) -> convoy::rehearse::Rehearsal {
    convoy::rehearse::rehearse(
        m.clone(),
        world(m),
        &login("release-captain"),
        t0(),
        steps,
        land_work,
    )
}
