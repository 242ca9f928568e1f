//! A repository convoy cannot see (`Observed::unreachable`: an owner without the App, a
//! repository outside its selection, a 404 to the token): `decide` plans nothing on it, holds
//! what depends on it, waits for the fix naming it, escalates nothing, and goes on with the
//! rest as the dependency graph allows; once it is reachable again, the release carries on.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::observed::{Observed, Unreachable, UnreachableWhy};
use convoy::lifecycle::{Decision, Owner, decide};
use convoy::model::config::Directive;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{Phase, ReleaseManifest, RepoState};
use convoy::rehearse::World;
use convoy::signal::Command;
use support::{command, reconcile, release, repo, t0, world};

/// What convoy observes of `w` when it cannot see `hidden`: nothing of it, and why.
fn without(w: &World, hidden: &RepoName, why: UnreachableWhy) -> Observed {
    let mut o = w.observed.clone();
    o.branches.retain(|b| &b.repo != hidden);
    o.pulls.retain(|p| &p.repo != hidden);
    o.runs.retain(|r| &r.repo != hidden);
    o.unreachable.push(Unreachable {
        repo: hidden.clone(),
        why,
    });
    o
}

/// Decides on `o` and applies the actions to `w`.
fn step(w: &mut World, m: &ReleaseManifest, o: &Observed) -> Decision {
    let d = decide(m, o, &reconcile(), t0());
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    d
}

fn touches(d: &Decision, r: &RepoName) -> bool {
    d.actions.iter().any(|a| a.action.repo() == r)
}

#[test]
fn fixes_name_the_owner_or_the_repository() {
    let u = |why| Unreachable {
        repo: repo("beta/x"),
        why,
    };
    assert_eq!(
        u(UnreachableWhy::NotInstalled).fix(),
        "install the App on `beta`: convoy cannot see `beta/x`"
    );
    assert_eq!(
        u(UnreachableWhy::NotSelected).fix(),
        "grant the App access to `beta/x`: its installation on `beta` does not include it"
    );
    assert!(
        u(UnreachableWhy::NotFound)
            .fix()
            .starts_with("give convoy's token access to `beta/x`")
    );
}

#[test]
fn development_cuts_the_reachable_rcs_and_waits_for_the_fix() {
    let api = repo("acme/api");
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let mut m = m;
    let mut last = None;
    for _ in 0..4 {
        let o = without(&w, &api, UnreachableWhy::NotSelected);
        let d = step(&mut w, &m, &o);
        assert!(
            !touches(&d, &api),
            "nothing is planned on acme/api: {:#?}",
            d.actions
        );
        m = d.manifest.clone();
        last = Some(d);
    }
    let d = last.unwrap();
    assert_eq!(m.phase, Phase::Development);
    for r in &m.repos {
        let expect = if r.name == api {
            RepoState::Pending
        } else {
            RepoState::RcCut
        };
        assert_eq!(r.state, expect, "{}", r.name);
    }
    let fix = "grant the App access to `acme/api`: its installation on `acme` does not include it; `acme/api`, `acme/web` are held until then";
    assert!(
        d.waits
            .iter()
            .any(|x| x.who == Owner::Human && x.what == fix),
        "{:#?}",
        d.waits
    );
    assert!(
        m.escalations.is_empty(),
        "no escalation: {:#?}",
        m.escalations
    );
    // The tracking issue says what to fix.
    let tracking = w
        .observed
        .issues
        .iter()
        .find(|i| i.repo == m.control_repo)
        .expect("the tracking issue");
    assert!(
        tracking.body.contains("grant the App access to `acme/api`"),
        "{}",
        tracking.body
    );

    // Granted: the RC branch is cut where it was missing, and the wait is gone.
    let seen = w.observed.clone();
    let d = step(&mut w, &m, &seen);
    assert!(d.actions.iter().any(|a| matches!(
        &a.action,
        Action::CreateBranch { repo, .. } if repo == &api
    )));
    assert!(d.waits.iter().all(|x| !x.what.contains("grant the App")));
}

#[test]
fn staging_promotes_what_does_not_depend_on_an_unreachable_repo() {
    // schema ← api ← web, schema ← worker: with api out of reach, schema and worker stage,
    // web waits for api, and the release stays in staging without escalating.
    let api = repo("acme/api");
    let web = repo("acme/web");
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let mut m = m;
    for _ in 0..6 {
        let seen = w.observed.clone();
        m = step(&mut w, &m, &seen).manifest;
        w.land_open_tasks(&m);
        if m.phase == Phase::Staging {
            break;
        }
    }
    assert_eq!(m.phase, Phase::Staging);
    let mut last = None;
    for _ in 0..8 {
        let o = without(&w, &api, UnreachableWhy::NotInstalled);
        let d = step(&mut w, &m, &o);
        assert!(!touches(&d, &api));
        assert!(
            !d.actions.iter().any(|a| matches!(
                &a.action,
                Action::MergePullRequest { repo, .. } if repo == &web
            )),
            "web waits for api"
        );
        m = d.manifest.clone();
        last = Some(d);
    }
    let d = last.unwrap();
    let state = |name: &str| m.repo(&repo(name)).unwrap().state;
    assert_eq!(state("acme/schema"), RepoState::Staged);
    assert_eq!(state("acme/worker"), RepoState::Staged);
    assert_ne!(state("acme/api"), RepoState::Staged);
    assert_ne!(state("acme/web"), RepoState::Staged);
    assert_eq!(m.phase, Phase::Staging);
    assert!(m.escalations.is_empty(), "{:#?}", m.escalations);
    assert!(
        d.waits.iter().any(|x| x.what
            == "install the App on `acme`: convoy cannot see `acme/api`; `acme/api`, `acme/web` are held until then"),
        "{:#?}",
        d.waits
    );
    assert!(
        m.tier_runs.is_empty(),
        "no tier runs before every repo is staged"
    );

    // Installed: the release goes on and ships.
    let done = support::drive(
        m,
        &mut w,
        convoy::model::manifest::Conclusion::Success,
        |d| d.manifest.phase == Phase::Shipped,
    );
    assert_eq!(done.manifest.phase, Phase::Shipped);
}

#[test]
fn an_unreachable_tier_repo_dispatches_nothing_and_the_gate_stays_shut() {
    let e2e = repo("acme/e2e");
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let mut m = m;
    for _ in 0..12 {
        let o = if m.phase == Phase::Staging {
            without(&w, &e2e, UnreachableWhy::NotFound)
        } else {
            w.observed.clone()
        };
        let d = step(&mut w, &m, &o);
        assert!(!touches(&d, &e2e));
        m = d.manifest;
        w.land_open_tasks(&m);
        if m.phase == Phase::Staging && m.repos.iter().all(|r| r.state == RepoState::Staged) {
            break;
        }
    }
    assert!(m.repos.iter().all(|r| r.state == RepoState::Staged));
    let d = decide(
        &m,
        &without(&w, &e2e, UnreachableWhy::NotFound),
        &reconcile(),
        t0(),
    );
    assert_eq!(d.manifest.phase, Phase::Staging);
    assert!(
        d.manifest.tier_runs.iter().all(|r| r.repo != e2e),
        "no dispatch is recorded for a workflow convoy cannot reach"
    );
    assert!(d.manifest.escalations.is_empty());
    assert!(d.waits.iter().any(|x| {
        x.what
            .starts_with("give convoy's token access to `acme/e2e`")
    }));
    // A command changes nothing about it either.
    let d = decide(
        &d.manifest,
        &without(&w, &e2e, UnreachableWhy::NotFound),
        &command("release-captain", Command::Reconcile),
        t0(),
    );
    assert!(!touches(&d, &e2e));
}
