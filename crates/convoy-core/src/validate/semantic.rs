//! Checks no JSON Schema can express: duplicates, names that must refer to member repos,
//! templates that must render to valid git names, an acyclic dependency graph, review teams
//! of the repository's own organisation, and the calendar (`calendar`).

use std::collections::BTreeMap;

use super::problem::{Problem, pointer_push, quote};
use crate::graph::DependencyGraph;
use crate::model::config::{Config, TierConfig, rc_branch_for, tag_for};
use crate::model::ids::{ReleaseId, RepoName, Reviewer};
use crate::model::manifest::{ReleaseManifest, SCHEMA_VERSION};

/// Semantic checks of a parsed `convoy.json`.
pub fn check_config(config: &Config) -> Vec<Problem> {
    let mut p = Vec::new();
    if config.repos.is_empty() {
        p.push(Problem::new(
            "/repos",
            "list at least one member repository",
        ));
    }
    let members = check_repos(
        &mut p,
        "/repos",
        config.repos.iter().map(|r| {
            (
                &r.name,
                r.depends_on.as_slice(),
                r.base.as_str(),
                r.staging.as_str(),
            )
        }),
    );

    let sample = ReleaseId::parse("2026.12.0").unwrap_or_else(|_| unreachable!("a valid id"));
    if !config.rc_branch.contains("{release}") {
        p.push(Problem::new(
            "/rc_branch",
            format!(
                "{} does not contain `{{release}}`, so every release would share one RC branch",
                quote(&config.rc_branch)
            ),
        ));
    } else if let Err(e) = rc_branch_for(&config.rc_branch, &sample) {
        p.push(Problem::new("/rc_branch", e));
    } else if let Ok(rc) = rc_branch_for(&config.rc_branch, &sample) {
        for (i, r) in config.repos.iter().enumerate() {
            if rc == r.base || rc == r.staging {
                p.push(Problem::new(
                    format!("/repos/{i}"),
                    "the RC branch template renders to this repo's base or staging branch",
                ));
            }
        }
    }
    if !config.ship.tag.contains("{version}") && !config.ship.tag.contains("{release}") {
        p.push(Problem::new(
            "/ship/tag",
            format!(
                "{} contains neither `{{version}}` nor `{{release}}`, so every release would make the same tag",
                quote(&config.ship.tag)
            ),
        ));
    } else if let Err(e) = tag_for(&config.ship.tag, "1.2.3", &sample) {
        p.push(Problem::new("/ship/tag", e));
    }

    check_tiers(&mut p, "/tiers", &config.tiers, &members);
    for (i, r) in config.repos.iter().enumerate() {
        check_reviewers(
            &mut p,
            &format!("/repos/{i}/reviewers"),
            &r.name,
            &r.reviewers,
        );
    }
    if let Some(fix) = &config.auto_fix {
        check_workflow_file(&mut p, "/auto_fix/workflow", &fix.workflow);
    }
    super::calendar::check_calendar(&mut p, "/calendar", &config.calendar);
    for (i, mention) in config.escalation.mention.iter().enumerate() {
        let body = mention.strip_prefix('@').unwrap_or("");
        let ok = match body.split_once('/') {
            Some((org, team)) => RepoName::parse(&format!("{org}/{team}")).is_ok(),
            None => crate::model::ids::Login::parse(body).is_ok(),
        };
        if !ok {
            p.push(Problem::new(
                format!("/escalation/mention/{i}"),
                format!(
                    "{} is not a mention; write `@user` or `@org/team`",
                    quote(mention)
                ),
            ));
        }
    }
    if config.escalation.label.trim().is_empty() || config.escalation.label.len() > 50 {
        p.push(Problem::new(
            "/escalation/label",
            "a GitHub label has 1 to 50 characters",
        ));
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, sprint) in config.sprints.iter().enumerate() {
        if sprint.trim().is_empty() {
            p.push(Problem::new(
                format!("/sprints/{i}"),
                "a sprint names a milestone; it cannot be empty",
            ));
        } else if let Some(first) = seen.insert(sprint, i) {
            p.push(Problem::new(
                format!("/sprints/{i}"),
                format!(
                    "{} is listed twice (first at /sprints/{first})",
                    quote(sprint)
                ),
            ));
        }
    }
    p
}

/// Semantic checks of a parsed manifest.
pub fn check_manifest(m: &ReleaseManifest) -> Vec<Problem> {
    let mut p = Vec::new();
    if m.schema_version != SCHEMA_VERSION {
        p.push(Problem::new(
            "/schema_version",
            format!(
                "this convoy reads manifests of schema version {SCHEMA_VERSION}; this one is version {}",
                m.schema_version
            ),
        ));
    }
    if m.repos.is_empty() {
        p.push(Problem::new(
            "/repos",
            "a release has at least one member repository",
        ));
    }
    let members = check_repos(
        &mut p,
        "/repos",
        m.repos.iter().map(|r| {
            (
                &r.name,
                r.depends_on.as_slice(),
                r.base.as_str(),
                r.staging.as_str(),
            )
        }),
    );
    check_tiers(&mut p, "/policy/tiers", &m.policy.tiers, &members);
    super::calendar::check_calendar(&mut p, "/policy/calendar", &m.policy.calendar);

    let mut seen = BTreeMap::new();
    for (i, task) in m.tasks.iter().enumerate() {
        let at = format!("/tasks/{i}");
        if let Some(first) = seen.insert(&task.issue, i) {
            p.push(Problem::new(
                format!("{at}/issue"),
                format!(
                    "task {} is listed twice (first at /tasks/{first})",
                    task.issue
                ),
            ));
        }
        if !members.contains_key(&task.repo) {
            p.push(Problem::new(
                format!("{at}/repo"),
                format!(
                    "{} is not a member repo of this release",
                    quote(task.repo.as_str())
                ),
            ));
        }
        for (k, dep) in task.depends_on.iter().enumerate() {
            if m.task(dep).is_none() {
                p.push(Problem::new(
                    format!("{at}/depends_on/{k}"),
                    format!("{dep} is not a task of this release"),
                ));
            } else if dep == &task.issue {
                p.push(Problem::new(
                    format!("{at}/depends_on/{k}"),
                    "a task cannot depend on itself",
                ));
            }
        }
    }
    for (i, d) in m.dependencies.iter().enumerate() {
        for (field, repo) in [("from", &d.from), ("to", &d.to)] {
            if !members.contains_key(repo) {
                p.push(Problem::new(
                    format!("/dependencies/{i}/{field}"),
                    format!(
                        "{} is not a member repo of this release",
                        quote(repo.as_str())
                    ),
                ));
            }
        }
    }
    for (i, run) in m.tier_runs.iter().enumerate() {
        if m.tier(&run.tier).is_none() {
            p.push(Problem::new(
                format!("/tier_runs/{i}/tier"),
                format!(
                    "{} is not a tier of this release's policy",
                    quote(run.tier.as_str())
                ),
            ));
        }
        for repo in run.shas.keys() {
            if !members.contains_key(repo) {
                p.push(Problem::new(
                    pointer_push(&format!("/tier_runs/{i}/shas"), repo),
                    format!(
                        "{} is not a member repo of this release",
                        quote(repo.as_str())
                    ),
                ));
            }
        }
    }
    for (i, pair) in m.history.windows(2).enumerate() {
        if pair[1].at < pair[0].at {
            p.push(Problem::new(
                format!("/history/{}/at", i + 1),
                "history is append-only: this entry is older than the one before it",
            ));
        }
    }
    if p.is_empty()
        && let Err(cycle) = m.graph()
    {
        p.push(Problem::new(
            "/repos",
            format!(
                "{cycle}; the declared depends_on and the task dependencies together must not loop"
            ),
        ));
    }
    p
}

/// Duplicate names, unknown and self `depends_on`, base = staging, and cycles. Returns the
/// members by name with their index.
fn check_repos<'a>(
    p: &mut Vec<Problem>,
    at: &str,
    repos: impl Iterator<Item = (&'a RepoName, &'a [RepoName], &'a str, &'a str)>,
) -> BTreeMap<RepoName, usize> {
    let repos: Vec<_> = repos.collect();
    let mut members: BTreeMap<RepoName, usize> = BTreeMap::new();
    for (i, (name, ..)) in repos.iter().enumerate() {
        if let Some(first) = members.get(*name) {
            p.push(Problem::new(
                format!("{at}/{i}/name"),
                format!(
                    "{} is listed twice (first at {at}/{first})",
                    quote(name.as_str())
                ),
            ));
        } else {
            members.insert((*name).clone(), i);
        }
    }
    let mut edge_at: BTreeMap<(&RepoName, &RepoName), String> = BTreeMap::new();
    for (i, (name, deps, base, staging)) in repos.iter().enumerate() {
        if base == staging {
            p.push(Problem::new(
                format!("{at}/{i}/staging"),
                format!(
                    "staging must be a branch of its own, not the base branch {}",
                    quote(base)
                ),
            ));
        }
        for (k, dep) in deps.iter().enumerate() {
            let here = format!("{at}/{i}/depends_on/{k}");
            if dep == *name {
                p.push(Problem::new(
                    here,
                    format!("{} cannot depend on itself", quote(name.as_str())),
                ));
            } else if !members.contains_key(dep) {
                p.push(Problem::new(
                    here,
                    format!(
                        "{} is not a member repo; add it to `repos` or remove it here",
                        quote(dep.as_str())
                    ),
                ));
            } else {
                edge_at.entry((name, dep)).or_insert(here);
            }
        }
    }
    let graph = DependencyGraph::new(members.keys(), edge_at.keys().map(|(a, b)| (*a, *b)));
    if let Err(cycle) = graph {
        let first = cycle
            .cycle
            .windows(2)
            .find_map(|w| edge_at.get(&(&w[0], &w[1])))
            .cloned()
            .unwrap_or_else(|| at.to_owned());
        p.push(Problem::new(
            first,
            format!("{cycle}; remove one of these depends_on entries"),
        ));
    }
    members
}

fn check_tiers(
    p: &mut Vec<Problem>,
    at: &str,
    tiers: &[TierConfig],
    members: &BTreeMap<RepoName, usize>,
) {
    let mut seen = BTreeMap::new();
    for (i, tier) in tiers.iter().enumerate() {
        if let Some(first) = seen.insert(&tier.name, i) {
            p.push(Problem::new(
                format!("{at}/{i}/name"),
                format!(
                    "tier {} is listed twice (first at {at}/{first})",
                    quote(tier.name.as_str())
                ),
            ));
        }
        check_workflow_file(p, &format!("{at}/{i}/workflow"), &tier.workflow);
        if let Some(covers) = &tier.covers {
            if covers.is_empty() {
                p.push(Problem::new(
                    format!("{at}/{i}/covers"),
                    "covers must name at least one member repo; leave it out to cover all of them",
                ));
            }
            for (k, repo) in covers.iter().enumerate() {
                if !members.contains_key(repo) {
                    p.push(Problem::new(
                        format!("{at}/{i}/covers/{k}"),
                        format!(
                            "{} is not a member repo; a tier covers member repos only",
                            quote(repo.as_str())
                        ),
                    ));
                }
            }
        }
    }
}

/// GitHub asks only teams of the repository's own organisation to review its pull requests.
fn check_reviewers(p: &mut Vec<Problem>, at: &str, repo: &RepoName, reviewers: &[Reviewer]) {
    for (k, reviewer) in reviewers.iter().enumerate() {
        let Some((org, slug)) = reviewer.team() else {
            continue;
        };
        if !org.eq_ignore_ascii_case(repo.owner()) {
            let owner = repo.owner();
            p.push(Problem::new(
                format!("{at}/{k}"),
                format!(
                    "{} cannot review {}: GitHub asks only teams of the repository's own organisation (`{owner}`), and this is a team of `{org}`; name a team of `{owner}` (such as `{owner}/{slug}`) or its members' logins",
                    quote(reviewer.as_str()),
                    quote(repo.as_str()),
                ),
            ));
        }
    }
}

fn check_workflow_file(p: &mut Vec<Problem>, at: &str, workflow: &str) {
    let ok = (workflow.ends_with(".yml") || workflow.ends_with(".yaml"))
        && workflow.len() > 4
        && !workflow.contains(['/', '\\'])
        && !workflow.starts_with('.');
    if !ok {
        p.push(Problem::new(
            at,
            format!(
                "{} is not a workflow file name; give the file name in .github/workflows, e.g. `e2e.yml`",
                quote(workflow)
            ),
        ));
    }
}
