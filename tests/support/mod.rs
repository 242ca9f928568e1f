//! Shared setup for the lifecycle tests: the example config, a release created from it, and an
//! in-memory GitHub world holding its branches and people.
#![allow(dead_code)]

use convoy::lifecycle::observed::{Observed, ObservedPermission};
use convoy::lifecycle::simulate::World;
use convoy::model::config::{Config, Directive, Permission};
use convoy::model::create::CreateRequest;
use convoy::model::ids::{BranchName, IssueRef, Login, ReleaseId, RepoName};
use convoy::model::manifest::ReleaseManifest;
use convoy::model::time::Timestamp;
use convoy::signal::CreateArgs;

pub const EXAMPLE_CONFIG: &str = include_str!("../../examples/convoy.json");

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
