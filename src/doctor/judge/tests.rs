//! Unit tests of the judgement: facts built by hand, the findings they make.

use std::collections::BTreeMap;

use super::*;
use crate::doctor::facts::{
    Access, BranchFacts, BranchSeen, Bypass, Read, RepoSeen, Rules, WorkflowFacts,
};
use crate::doctor::scope::scope;
use crate::doctor::workflow;
use crate::model::config::{Config, MergeMethod};
use crate::model::ids::{BranchName, RepoName};

const CONFIG: &str = r#"{
  "control_repo": "acme/control",
  "repos": [{"name": "acme/api"}],
  "tiers": [{"name": "e2e", "repo": "acme/e2e", "workflow": "e2e.yml", "phase": "validation"}]
}"#;

const GOOD_TIER: &str = "name: e2e\nrun-name: \"e2e ${{ inputs.correlation_id }}\"\non:\n  workflow_dispatch:\n    inputs:\n      release: { required: true }\n      tier: { required: true }\n      attempt: { required: true }\n      correlation_id: { required: true }\n      refs: { required: true }\njobs: {}\n";

fn config() -> Config {
    crate::validate::config_from_str(CONFIG).unwrap()
}

fn name(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

fn branch(s: &str) -> BranchName {
    BranchName::parse(s).unwrap()
}

fn writable() -> RepoSeen {
    RepoSeen {
        default_branch: Some(branch("main")),
        access: Some(Access {
            admin: true,
            maintain: true,
            push: true,
            triage: true,
            pull: true,
        }),
        allowed_methods: MergeMethod::ALL.to_vec(),
        delete_branch_on_merge: false,
        archived: false,
        has_issues: Some(true),
    }
}

fn plain_branch() -> BranchFacts {
    BranchFacts {
        branch: Read::Found(BranchSeen::default()),
        rules: Read::Found(Rules::default()),
    }
}

fn ruled(rules: Rules) -> BranchFacts {
    BranchFacts {
        branch: Read::Found(BranchSeen {
            protected: true,
            ..BranchSeen::default()
        }),
        rules: Read::Found(rules),
    }
}

/// A world where everything is fine; `edit` changes it.
fn world(edit: impl FnOnce(&mut Vec<RepoFacts>)) -> Vec<RepoFacts> {
    let mut control = RepoFacts::new(name("acme/control"), Read::Found(writable()));
    control.branches.insert(branch("main"), plain_branch());
    control.config_file = Some(Read::Found(()));
    let mut api = RepoFacts::new(name("acme/api"), Read::Found(writable()));
    api.branches.insert(branch("main"), plain_branch());
    api.branches.insert(branch("staging"), plain_branch());
    let mut e2e = RepoFacts::new(name("acme/e2e"), Read::Found(writable()));
    e2e.workflows.push(WorkflowFacts {
        file: "e2e.yml".to_owned(),
        git_ref: None,
        read: Read::Found(workflow::parse(GOOD_TIER)),
    });
    let mut facts = vec![control, api, e2e];
    edit(&mut facts);
    facts
}

fn report_of(facts: &[RepoFacts], token: &TokenFacts) -> Report {
    let s = scope(&config(), &name("acme/control"), None, Some("convoy.json"));
    judge(&s, token, facts)
}

fn findings_of(facts: &[RepoFacts], repo: &str) -> Vec<Finding> {
    report_of(facts, &TokenFacts::Given)
        .repos
        .into_iter()
        .find(|r| r.repo.as_str() == repo)
        .unwrap()
        .findings
}

fn blockers(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.is_blocker()).collect()
}

fn with_subject<'a>(findings: &'a [Finding], part: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.subject.contains(part))
        .collect()
}

fn member(facts: &mut [RepoFacts]) -> &mut RepoFacts {
    &mut facts[1]
}

#[test]
fn a_world_ready_for_a_release_has_no_blocker() {
    let report = report_of(&world(|_| {}), &TokenFacts::Given);
    assert_eq!(report.blockers, 0, "{report:#?}");
    // The only note: the Workflows permission of a given token cannot be checked.
    assert_eq!(report.notes, 1, "{report:#?}");
    assert!(report.token[0].subject.contains("Workflows"));
    let roles: Vec<_> = report.repos.iter().map(|r| r.roles.join(",")).collect();
    assert_eq!(roles, ["control repo", "member", "tier e2e"]);
}

#[test]
fn an_invisible_repository_is_one_blocker_naming_the_fix() {
    let facts = world(|f| member(f).repository = Read::Missing);
    let found = findings_of(&facts, "acme/api");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].is_blocker());
    assert!(found[0].seen.contains("404"));
    assert!(
        found[0].convoy.contains("cut `rc/<id>`"),
        "{}",
        found[0].convoy
    );
    assert!(
        found[0]
            .fix()
            .unwrap()
            .contains("install the convoy App on acme/api")
    );
    // Every other repository is still judged.
    assert_eq!(report_of(&facts, &TokenFacts::Given).blockers, 1);
}

#[test]
fn read_access_and_archived_repositories_stop_a_release() {
    let facts = world(|f| {
        if let Read::Found(seen) = &mut f[2].repository {
            seen.access = Some(Access {
                pull: true,
                ..Access::default()
            });
        }
    });
    let found = findings_of(&facts, "acme/e2e");
    let b = blockers(&found);
    assert_eq!(b.len(), 1, "{found:#?}");
    assert!(b[0].seen.contains("read access only"));
    assert!(b[0].convoy.contains("dispatch tier e2e"));
    assert!(b[0].fix().unwrap().contains("Actions: read and write"));

    let facts = world(|f| {
        if let Read::Found(seen) = &mut member(f).repository {
            seen.archived = true;
        }
    });
    assert!(
        blockers(&findings_of(&facts, "acme/api"))[0]
            .seen
            .contains("archived")
    );
}

#[test]
fn tier_workflows_must_be_dispatchable_with_convoys_inputs() {
    let tier = |text: &str| {
        let facts = world(|f| f[2].workflows[0].read = Read::Found(workflow::parse(text)));
        findings_of(&facts, "acme/e2e")
    };
    let good = tier(GOOD_TIER);
    assert!(blockers(&good).is_empty(), "{good:#?}");

    let push_only = tier("name: e2e\non: push\njobs: {}\n");
    let b = blockers(&push_only);
    assert_eq!(b.len(), 1);
    assert!(b[0].seen.contains("no `workflow_dispatch`"));
    assert!(
        b[0].fix()
            .unwrap()
            .contains("`attempt`, `correlation_id`, `refs`, `release` and `tier`"),
        "{:?}",
        b[0].fix()
    );

    let few_inputs = tier(
        "run-name: \"${{ inputs.correlation_id }}\"\non:\n  workflow_dispatch:\n    inputs:\n      correlation_id: {}\n      extra: { required: true }\n",
    );
    let b = blockers(&few_inputs);
    assert_eq!(b.len(), 2, "{few_inputs:#?}");
    assert!(
        b[0].seen
            .contains("`attempt`, `refs`, `release` and `tier`"),
        "{}",
        b[0].seen
    );
    assert!(b[1].seen.contains("`extra`"), "{}", b[1].seen);

    let no_id = tier(&GOOD_TIER.replace("inputs.correlation_id", "inputs.release"));
    let b = blockers(&no_id);
    assert_eq!(b.len(), 1);
    assert!(
        b[0].seen
            .contains("does not mention the `correlation_id` input")
    );
    assert!(
        b[0].fix()
            .unwrap()
            .contains("run-name: \"e2e ${{ inputs.correlation_id }}\""),
        "{:?}",
        b[0].fix()
    );

    let missing = world(|f| f[2].workflows[0].read = Read::Missing);
    let found = findings_of(&missing, "acme/e2e");
    let b = blockers(&found);
    assert!(b[0].seen.contains("not found on the default branch `main`"));
    assert!(
        b[0].fix()
            .unwrap()
            .contains("examples/workflows/e2e-tier.yml")
    );

    let broken = tier("on: [");
    assert!(
        blockers(&broken)[0]
            .seen
            .contains("does not read as a workflow")
    );
}

#[test]
fn merge_methods_adapt_and_stop_only_when_none_is_left() {
    let methods = |allowed: Vec<MergeMethod>, linear: bool| {
        let facts = world(|f| {
            let m = member(f);
            if let Read::Found(seen) = &mut m.repository {
                seen.allowed_methods = allowed;
            }
            if linear {
                m.branches.insert(
                    branch("main"),
                    ruled(Rules {
                        linear_history: true,
                        ..Rules::default()
                    }),
                );
            }
        });
        findings_of(&facts, "acme/api")
    };
    let all = methods(MergeMethod::ALL.to_vec(), false);
    let f = with_subject(&all, "merge method");
    assert_eq!(f[0].label(), "ok");
    assert!(f[0].convoy.contains("by merge (`ship.merge_method`)"));

    let squash = methods(vec![MergeMethod::Squash], false);
    let f = with_subject(&squash, "merge method");
    assert!(f[0].is_note());
    assert!(f[0].seen.contains("only squash"));
    assert!(
        f[0].convoy
            .contains("resets `staging` to the shipped commit")
    );

    let linear = methods(MergeMethod::ALL.to_vec(), true);
    let f = with_subject(&linear, "merge method");
    assert!(f[0].convoy.contains("by squash"), "{}", f[0].convoy);
    assert!(f[0].seen.contains("`main` requires linear history"));

    let stuck = methods(vec![MergeMethod::Merge], true);
    let f = with_subject(&stuck, "merge method");
    assert!(f[0].is_blocker(), "{f:#?}");
    assert!(
        f[0].fix()
            .unwrap()
            .contains("allow squash or rebase merges")
    );
}

#[test]
fn required_reviews_and_checks_are_waits_and_a_merge_queue_is_joined() {
    let with_rules = |rules: Rules| {
        let facts = world(|f| {
            member(f).branches.insert(branch("main"), ruled(rules));
        });
        findings_of(&facts, "acme/api")
    };
    let reviews = with_rules(Rules {
        required_reviews: 1,
        required_checks: ["ci".to_owned()].into_iter().collect(),
        strict: true,
        pull_request: true,
        ..Rules::default()
    });
    assert!(blockers(&reviews).is_empty(), "{reviews:#?}");
    let r = with_subject(&reviews, "`main`: required reviews");
    assert!(r[0].is_note());
    assert!(
        r[0].convoy
            .contains("reminds every 24 h and calls the escalation after 72 h")
    );
    assert!(r[0].fix().unwrap().contains("`repos[].reviewers`"));
    let c = with_subject(&reviews, "`main`: required checks");
    assert!(c[0].seen.contains("`ci` must pass; strict"));
    assert!(c[0].convoy.contains("`update-branch`"));
    assert_eq!(
        with_subject(&reviews, "`main`: pull requests only")[0].label(),
        "ok"
    );

    let queue = with_rules(Rules {
        merge_queue: true,
        ..Rules::default()
    });
    assert!(blockers(&queue).is_empty(), "{queue:#?}");
    let q = with_subject(&queue, "`main`: merge queue");
    assert!(q[0].is_note());
    assert!(
        q[0].convoy.contains("pinned to the validated SHA"),
        "{}",
        q[0].convoy
    );
    assert!(q[0].fix().unwrap().contains("`merge_group:`"));

    let bypassed = with_rules(Rules {
        merge_queue: true,
        bypass: Bypass::Always,
        ..Rules::default()
    });
    assert!(blockers(&bypassed).is_empty());
}

#[test]
fn a_staging_convoy_cannot_reset_stops_a_squash_release_when_no_bypass() {
    let staging = |allowed: Vec<MergeMethod>, bypass: Bypass| {
        let facts = world(|f| {
            let m = member(f);
            if let Read::Found(seen) = &mut m.repository {
                seen.allowed_methods = allowed;
            }
            m.branches.insert(
                branch("staging"),
                ruled(Rules {
                    pull_request: true,
                    no_force_push: true,
                    bypass,
                    ..Rules::default()
                }),
            );
        });
        with_subject(&findings_of(&facts, "acme/api"), "forced updates")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    let never = staging(vec![MergeMethod::Squash], Bypass::Never);
    assert!(never[0].is_blocker(), "{never:#?}");
    assert!(never[0].convoy.contains("ships by squash"));
    assert!(never[0].fix().unwrap().contains("force-push"));
    let unknown = staging(vec![MergeMethod::Squash], Bypass::Unknown);
    assert!(unknown[0].is_note());
    assert!(unknown[0].seen.contains("does not show"));
    let merge = staging(MergeMethod::ALL.to_vec(), Bypass::Never);
    assert!(merge[0].is_note());
    assert!(merge[0].convoy.contains("abort and rollback"));
    assert_eq!(
        staging(vec![MergeMethod::Squash], Bypass::Always)[0].label(),
        "ok"
    );
}

#[test]
fn missing_branches_and_deleted_head_branches() {
    let facts = world(|f| {
        let m = member(f);
        m.branches.get_mut(&branch("main")).unwrap().branch = Read::Missing;
        m.branches.get_mut(&branch("staging")).unwrap().branch = Read::Missing;
        if let Read::Found(seen) = &mut m.repository {
            seen.delete_branch_on_merge = true;
        }
    });
    let found = findings_of(&facts, "acme/api");
    let b = blockers(&found);
    assert_eq!(b.len(), 1, "{found:#?}");
    assert!(b[0].subject.contains("`main` (base)"));
    let staging = with_subject(&found, "`staging` (staging)");
    assert!(staging[0].is_note());
    assert!(staging[0].convoy.contains("creates it from `main`"));
    assert!(with_subject(&found, "automatically delete head branches")[0].is_note());
}

#[test]
fn a_state_branch_that_takes_only_pull_requests_stops_every_run() {
    let facts = world(|f| {
        f[0].branches.insert(
            branch("main"),
            ruled(Rules {
                pull_request: true,
                ..Rules::default()
            }),
        );
    });
    let found = findings_of(&facts, "acme/control");
    let b = blockers(&found);
    assert_eq!(b.len(), 1, "{found:#?}");
    assert!(b[0].fix().unwrap().contains("`state-branch`"));

    let s = scope(
        &config(),
        &name("acme/control"),
        Some(&branch("convoy-state")),
        None,
    );
    let facts = world(|f| {
        f[0].branches.insert(
            branch("convoy-state"),
            BranchFacts {
                branch: Read::Missing,
                rules: Read::Found(Rules::default()),
            },
        );
    });
    let report = judge(&s, &TokenFacts::Given, &facts);
    let b: Vec<_> = report.repos[0]
        .findings
        .iter()
        .filter(|f| f.is_blocker())
        .collect();
    assert!(
        b[0].seen.contains("`convoy-state` does not exist"),
        "{b:#?}"
    );
}

#[test]
fn an_app_tokens_permissions_are_checked() {
    let perms = |pairs: &[(&str, &str)]| TokenFacts::App {
        permissions: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    };
    let full = perms(&[
        ("contents", "write"),
        ("issues", "write"),
        ("pull_requests", "write"),
        ("statuses", "write"),
        ("actions", "write"),
        ("workflows", "write"),
        ("metadata", "read"),
    ]);
    let report = report_of(&world(|_| {}), &full);
    assert_eq!(report.blockers, 0, "{:#?}", report.token);
    assert_eq!(report.notes, 0, "{:#?}", report.token);
    let short = perms(&[
        ("contents", "write"),
        ("issues", "write"),
        ("pull_requests", "read"),
        ("statuses", "write"),
        ("actions", "write"),
    ]);
    let report = report_of(&world(|_| {}), &short);
    assert_eq!(report.blockers, 1);
    assert!(
        report
            .token
            .iter()
            .any(|f| f.is_blocker() && f.seen.contains("Pull requests: read"))
    );
    assert!(
        report
            .token
            .iter()
            .any(|f| f.is_note() && f.subject.contains("Workflows"))
    );
}

#[test]
fn values_are_quoted_safely() {
    assert_eq!(code("a`b\nc"), "`a'b c`");
    assert_eq!(code(&"x".repeat(90)).chars().count(), 83);
}
