//! The checks of `convoy verify` on made-up facts: everything holds, then each kind of break.

use serde_json::{Value, json};

use super::*;
use crate::model::ids::{RepoName, TierName};
use crate::model::numbers::RunId;
use crate::verify::facts::{CommitFacts, Relation, RunFacts, RunSeen};
use crate::verify::render;
use crate::verify::report::Outcome;

const EXAMPLE: &str = include_str!("../../../examples/release-manifest.json");

/// A made-up SHA whose short form starts with `n`'s digits.
fn hex(n: u32) -> String {
    format!("{n:04x}{}", "a".repeat(36))
}

/// The example manifest, shipped: every repo merged by a merge commit onto its cut-from SHA.
fn shipped_value() -> Value {
    let mut m: Value = serde_json::from_str(EXAMPLE).unwrap();
    m["phase"] = json!("shipped");
    for (i, r) in m["repos"].as_array_mut().unwrap().iter_mut().enumerate() {
        r["state"] = json!("shipped");
        r["shas"]["shipped"] = json!(hex(0x100 + u32::try_from(i).unwrap()));
        r["shas"]["shipped_onto"] = r["shas"]["cut_from"].clone();
        r["prs"]["ship"] = json!(40 + i);
    }
    m["history"].as_array_mut().unwrap().push(json!({
        "at": "2026-11-26T10:00:00Z", "actor": "convoy", "event": "phase_changed",
        "from": "shipping", "to": "shipped", "detail": "shipped"}));
    m
}

fn manifest(v: &Value) -> ReleaseManifest {
    serde_json::from_value(v.clone()).unwrap()
}

fn identical() -> Relation {
    Relation {
        status: "identical".into(),
        ahead_by: 0,
        behind_by: 0,
    }
}

fn ahead(n: u64) -> Relation {
    Relation {
        status: "ahead".into(),
        ahead_by: n,
        behind_by: 0,
    }
}

/// What GitHub shows of a release whose claim holds.
fn holding(m: &ReleaseManifest) -> Facts {
    let lock = Lock::of(m).unwrap();
    let digest = lock.digest();
    let repos = lock
        .repos
        .iter()
        .map(|r| {
            let before = r.ship.onto.clone().unwrap();
            let tree = format!("{:0>40}", r.name.as_str().len());
            RepoFacts {
                name: r.name.clone(),
                base_head: Some(r.ship.sha.clone()),
                shipped_to_base: Some(identical()),
                shipped: Some(CommitFacts {
                    tree: tree.clone(),
                    parents: vec![before.to_string(), r.staged.to_string()],
                }),
                staged: Some(CommitFacts {
                    tree,
                    parents: vec![before.to_string()],
                }),
                base_before: Some(before.to_string()),
                before_to_staged: Some(ahead(3)),
                release_body: Some(lock.stamped("notes", &digest, "https://x/lock.json")),
            }
        })
        .collect();
    let runs = lock
        .tiers
        .iter()
        .map(|t| RunFacts {
            tier: t.name.clone(),
            repo: t.repo.clone(),
            run_id: t.run.run_id.unwrap(),
            seen: Some(RunSeen {
                status: "completed".into(),
                conclusion: Some("success".into()),
                title: Some(format!("{} {}", t.name, t.run.correlation_id)),
            }),
        })
        .collect();
    Facts {
        lock_text: Some(lock.to_text()),
        repos,
        runs,
    }
}

fn repo(f: &mut Facts, name: &str) -> usize {
    f.repos
        .iter()
        .position(|r| r.name.as_str() == name)
        .unwrap()
}

fn first(report: &Report) -> &Check {
    report.first_break.as_ref().expect("a break")
}

#[test]
fn a_release_that_stands_holds_every_check() {
    let m = manifest(&shipped_value());
    let report = judge(&m, &holding(&m), Options::default());
    assert!(report.holds, "{}", render::text(&report));
    assert_eq!(report.first_break, None);
    // status; base, ship, tree × 4 repos; 3 tiers (careful: all); the lock; 4 stamps.
    assert_eq!(report.checks.len(), 1 + 12 + 3 + 1 + 4);
    assert!(report.checks.iter().all(|c| c.outcome == Outcome::Holds));
    let kinds: Vec<&str> = report.checks.iter().map(|c| c.check.as_str()).collect();
    assert_eq!(&kinds[..4], ["status", "base", "ship", "tree"]);
    assert_eq!(kinds.last(), Some(&"stamp"));
}

#[test]
fn a_commit_pushed_to_a_base_after_the_release_is_a_break_naming_the_repo() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let i = repo(&mut f, "acme/api");
    f.repos[i].base_head = Some(Sha::parse(&hex(0xbeef)).unwrap());
    f.repos[i].shipped_to_base = Some(ahead(2));
    let report = judge(&m, &f, Options::default());
    let c = first(&report);
    assert_eq!(
        (c.check, c.repo.as_ref().map(RepoName::as_str)),
        (CheckKind::Base, Some("acme/api"))
    );
    assert!(
        c.what.contains("2 commits pushed after the release"),
        "{}",
        c.what
    );
    assert!(c.found.as_deref().unwrap().contains("beefaaa"), "{c:?}");
    assert!(
        c.fix
            .as_deref()
            .unwrap()
            .contains("convoy verify 2026.12.0 --allow-later-commits"),
        "{c:?}"
    );
    // Accepted on request.
    let allowed = judge(
        &m,
        &f,
        Options {
            allow_later_commits: true,
        },
    );
    assert!(allowed.holds);
    let c = allowed
        .checks
        .iter()
        .find(|c| c.outcome == Outcome::Accepted)
        .unwrap();
    assert!(
        c.what.contains("(accepted: --allow-later-commits)"),
        "{c:?}"
    );
}

#[test]
fn a_base_reset_behind_the_ship_commit_is_a_break_even_when_later_commits_are_allowed() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let i = repo(&mut f, "acme/web");
    f.repos[i].base_head = Some(Sha::parse(&hex(0xcafe)).unwrap());
    f.repos[i].shipped_to_base = Some(Relation {
        status: "behind".into(),
        ahead_by: 0,
        behind_by: 4,
    });
    let report = judge(
        &m,
        &f,
        Options {
            allow_later_commits: true,
        },
    );
    let c = first(&report);
    assert_eq!(c.repo.as_ref().unwrap().as_str(), "acme/web");
    assert!(c.what.contains("no longer holds the ship commit"), "{c:?}");
    assert!(c.found.as_deref().unwrap().contains("4 commits"), "{c:?}");
}

#[test]
fn a_merge_of_something_else_is_a_break() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let i = repo(&mut f, "acme/schema");
    if let Some(c) = f.repos[i].shipped.as_mut() {
        c.parents[1] = hex(0xf00);
    }
    let c = judge(&m, &f, Options::default()).first_break.unwrap();
    assert_eq!(c.check, CheckKind::Ship);
    assert!(
        c.what.contains("is neither a merge of the validated"),
        "{c:?}"
    );
    assert!(c.found.unwrap().contains("0f00aaa"));
}

#[test]
fn the_ship_commit_is_judged_by_its_shape_whatever_method_the_lock_records() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let i = repo(&mut f, "acme/api");
    if let Some(c) = f.repos[i].shipped.as_mut() {
        c.parents.pop();
    }
    let report = judge(&m, &f, Options::default());
    assert!(report.holds, "{}", render::text(&report));
    let c = report
        .checks
        .iter()
        .find(|c| {
            c.check == CheckKind::Ship && c.repo.as_ref().is_some_and(|r| r.as_str() == "acme/api")
        })
        .unwrap();
    assert!(c.what.contains("is one commit on"), "{c:?}");
    assert!(c.what.contains("(the lock records merge;"), "{c:?}");
}

#[test]
fn a_shipped_tree_that_is_not_the_validated_tree_is_a_break() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let i = repo(&mut f, "acme/worker");
    if let Some(c) = f.repos[i].shipped.as_mut() {
        c.tree = hex(0x7ee);
    }
    let c = judge(&m, &f, Options::default()).first_break.unwrap();
    assert_eq!(
        (c.check, c.repo.unwrap().as_str()),
        (CheckKind::Tree, "acme/worker")
    );
    assert!(c.what.contains("is not the validated tree"), "{}", c.what);

    // The base held commits the release did not contain when it merged: untested content.
    f.repos[i].before_to_staged = Some(Relation {
        status: "diverged".into(),
        ahead_by: 3,
        behind_by: 2,
    });
    let c = judge(&m, &f, Options::default()).first_break.unwrap();
    assert_eq!(c.check, CheckKind::Tree);
    assert!(
        c.what.contains("held 2 commits not in the validated"),
        "{}",
        c.what
    );
    let allowed = judge(
        &m,
        &f,
        Options {
            allow_later_commits: true,
        },
    );
    assert!(allowed.holds);
    assert!(
        allowed
            .checks
            .iter()
            .any(|c| c.outcome == Outcome::Accepted && c.what.contains("is not proven"))
    );
}

#[test]
fn tier_breaks_name_the_tier_and_what_github_shows() {
    let m = manifest(&shipped_value());
    let e2e = TierName::parse("e2e-full").unwrap();
    let break_with = |edit: &dyn Fn(&mut Facts)| {
        let mut f = holding(&m);
        edit(&mut f);
        let c = judge(&m, &f, Options::default()).first_break.unwrap();
        assert_eq!(c.check, CheckKind::Tier, "{c:?}");
        assert_eq!(c.tier.as_ref(), Some(&e2e), "{c:?}");
        c
    };
    let run = |f: &mut Facts| f.runs.iter_mut().find(|r| r.tier == e2e).unwrap().clone();
    let c = break_with(&|f| {
        let r = f.runs.iter_mut().find(|r| r.tier == e2e).unwrap();
        r.seen.as_mut().unwrap().conclusion = Some("failure".into());
    });
    assert_eq!(
        (c.expected.as_deref(), c.found.as_deref()),
        (Some("success"), Some("failure"))
    );
    assert!(
        c.what.contains("run 1001 of tier e2e-full did not pass"),
        "{c:?}"
    );
    let c = break_with(&|f| {
        let r = f.runs.iter_mut().find(|r| r.tier == e2e).unwrap();
        r.seen.as_mut().unwrap().status = "in_progress".into();
    });
    assert!(c.what.contains("has not completed"), "{c:?}");
    let c = break_with(&|f| {
        let r = f.runs.iter_mut().find(|r| r.tier == e2e).unwrap();
        r.seen.as_mut().unwrap().title = Some("nightly".into());
    });
    assert!(
        c.what.contains("its title lacks the correlation id"),
        "{c:?}"
    );
    let c = break_with(&|f| {
        let r = f.runs.iter_mut().find(|r| r.tier == e2e).unwrap();
        r.seen = None;
    });
    assert!(
        c.what.contains("GitHub shows no run 1001 in acme/e2e"),
        "{c:?}"
    );
    let mut f = holding(&m);
    assert_eq!(run(&mut f).run_id, RunId::new(1001));
}

#[test]
fn a_lock_edited_to_name_another_run_breaks_on_that_run_then_on_the_manifest() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let mut lock: Value = serde_json::from_str(f.lock_text.as_deref().unwrap()).unwrap();
    lock["tiers"][1]["run"]["run_id"] = json!(1500);
    f.lock_text = Some(serde_json::to_string_pretty(&lock).unwrap() + "\n");
    f.runs.push(RunFacts {
        tier: TierName::parse("e2e-full").unwrap(),
        repo: RepoName::parse("acme/e2e").unwrap(),
        run_id: RunId::new(1500),
        seen: Some(RunSeen {
            status: "completed".into(),
            conclusion: Some("failure".into()),
            title: Some("e2e convoy-2026.12.0-e2e-full-1-1058b7e6".into()),
        }),
    });
    let report = judge(&m, &f, Options::default());
    let c = first(&report);
    assert_eq!(c.check, CheckKind::Tier);
    assert!(c.what.contains("run 1500"), "{c:?}");
    let lock_check = report
        .checks
        .iter()
        .find(|c| c.check == CheckKind::Lock)
        .unwrap();
    assert_eq!(lock_check.outcome, Outcome::Break);
    assert_eq!(
        lock_check.found.as_deref(),
        Some("/tiers/1/run/run_id = 1500")
    );
    assert_eq!(
        lock_check.expected.as_deref(),
        Some("/tiers/1/run/run_id = 1001 (the manifest's record)")
    );
    // Every stamp names the lock as it was written.
    assert!(
        report
            .checks
            .iter()
            .filter(|c| c.check == CheckKind::Stamp)
            .all(|c| c.outcome == Outcome::Break && c.what.contains("names another lock"))
    );
}

#[test]
fn a_manifest_edited_after_shipping_breaks_the_lock_check() {
    let v = shipped_value();
    let m = manifest(&v);
    let f = holding(&m);
    let mut edited = v.clone();
    edited["tier_runs"][2]["conclusion"] = json!("failure");
    let report = judge(&manifest(&edited), &f, Options::default());
    let c = first(&report);
    assert_eq!(c.check, CheckKind::Lock, "{c:?}");
    assert!(
        c.what.contains("differs from what the manifest records"),
        "{c:?}"
    );
    assert_eq!(
        c.expected.as_deref(),
        Some("/tiers/2 = absent (the manifest's record)")
    );
}

#[test]
fn a_missing_lock_or_stamp_is_a_break() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    f.lock_text = None;
    let report = judge(&m, &f, Options::default());
    let c = first(&report);
    assert_eq!(c.check, CheckKind::Lock);
    assert_eq!(c.found.as_deref(), Some("no file"));
    // The stamps were checked against the lock the manifest records: they hold.
    assert!(
        report
            .checks
            .iter()
            .filter(|c| c.check == CheckKind::Stamp)
            .all(|c| c.outcome == Outcome::Holds)
    );

    let mut f = holding(&m);
    let i = repo(&mut f, "acme/web");
    f.repos[i].release_body = Some("notes edited by hand".into());
    let c = judge(&m, &f, Options::default()).first_break.unwrap();
    assert_eq!(
        (c.check, c.repo.unwrap().as_str()),
        (CheckKind::Stamp, "acme/web")
    );
    assert_eq!(c.found.as_deref(), Some("no stamp"));
    f.repos[i].release_body = None;
    let c = judge(&m, &f, Options::default()).first_break.unwrap();
    assert!(
        c.what.contains("has no GitHub release of v2026.12.0"),
        "{c:?}"
    );
}

#[test]
fn a_rolled_back_release_breaks_first_on_its_status() {
    let mut v = shipped_value();
    v["phase"] = json!("rolled_back");
    v["repos"][3]["state"] = json!("reverted");
    v["history"].as_array_mut().unwrap().push(json!({
        "at": "2026-11-27T08:00:00Z", "actor": "alice", "event": "phase_changed",
        "from": "shipped", "to": "rolled_back", "detail": "rollback"}));
    let m = manifest(&v);
    let c = judge(&m, &holding(&m), Options::default())
        .first_break
        .unwrap();
    assert_eq!(c.check, CheckKind::Status);
    assert!(
        c.what.contains("was rolled back on 2026-11-27 08:00 UTC"),
        "{c:?}"
    );
    assert_eq!(
        c.found.as_deref(),
        Some("rolled back (reverted so far: acme/web)")
    );
}

#[test]
fn a_release_that_never_shipped_has_nothing_to_verify() {
    let m: ReleaseManifest = serde_json::from_str(EXAMPLE).unwrap();
    let report = judge(&m, &Facts::default(), Options::default());
    assert_eq!(report.checks.len(), 1);
    let c = first(&report);
    assert!(
        c.what.contains("has not shipped (it is in validation)"),
        "{c:?}"
    );
}

#[test]
fn the_reports_read_for_people_and_machines() {
    let m = manifest(&shipped_value());
    let mut f = holding(&m);
    let i = repo(&mut f, "acme/api");
    f.repos[i].base_head = Some(Sha::parse(&hex(0xbeef)).unwrap());
    f.repos[i].shipped_to_base = Some(ahead(1));
    let report = judge(&m, &f, Options::default());
    insta::assert_snapshot!("text_with_a_break", render::text(&report));
    insta::assert_snapshot!("markdown_with_a_break", render::markdown(&report));
    let json: Value = serde_json::from_str(&render::json(&report)).unwrap();
    assert_eq!(json["holds"], false);
    assert_eq!(json["first_break"]["check"], "base");
    assert_eq!(json["first_break"]["repo"], "acme/api");
    assert_eq!(json["first_break"]["outcome"], "break");
    assert_eq!(json["checks"].as_array().unwrap().len(), 21);
    assert!(json["digest"].as_str().unwrap().starts_with("sha256:"));
    let holding_report = judge(&m, &holding(&m), Options::default());
    insta::assert_snapshot!("text_holds", render::text(&holding_report));
}
