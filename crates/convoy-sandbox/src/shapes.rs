//! JSON shapes of issues, pull requests, comments, statuses, checks, releases and workflow runs.

use serde_json::{Value, json};

use super::git::CommitInfo;
use super::json::{node_id, repo, repo_url, simple_commit, ts, user};
use super::state::{
    CheckRun, Comment, Issue, Label, Milestone, Reaction, Release, Repo, Run, State, Status,
};

/// An empty `reaction-rollup`.
pub fn reactions(url: &str) -> Value {
    json!({
        "url": format!("{url}/reactions"), "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
        "confused": 0, "heart": 0, "hooray": 0, "eyes": 0, "rocket": 0,
    })
}

/// The GitHub App the sandbox attributes check runs to.
pub fn app(base: &str, st: &State) -> Value {
    json!({
        "id": 1,
        "slug": "convoy-sandbox",
        "node_id": node_id("App", 1),
        "owner": super::json::owner(base, st, "sandbox"),
        "name": "convoy sandbox",
        "description": "Checks reported to the sandbox",
        "external_url": base,
        "html_url": format!("{base}/apps/convoy-sandbox"),
        "created_at": ts(super::state::EPOCH),
        "updated_at": ts(super::state::EPOCH),
        "permissions": {"checks": "write", "statuses": "write"},
        "events": [],
    })
}

/// The webhook form of a full repository: GitHub's webhook `repository` forbids the REST-only
/// counters and requires two more fields.
pub fn webhook_repo(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["network_count", "subscribers_count", "permissions"] {
            o.remove(k);
        }
        o.insert("web_commit_signoff_required".into(), json!(false));
        o.insert("custom_properties".into(), json!({}));
    }
    v
}

/// A `minimal-repository`: identity and URL fields only (workflow runs carry this form).
pub fn minimal_repo(full: &Value) -> Value {
    const DROP: [&str; 38] = [
        "clone_url",
        "git_url",
        "ssh_url",
        "svn_url",
        "mirror_url",
        "homepage",
        "language",
        "forks",
        "forks_count",
        "stargazers_count",
        "watchers_count",
        "watchers",
        "size",
        "default_branch",
        "open_issues",
        "open_issues_count",
        "is_template",
        "topics",
        "has_issues",
        "has_projects",
        "has_wiki",
        "has_pages",
        "has_downloads",
        "has_discussions",
        "archived",
        "disabled",
        "visibility",
        "license",
        "pushed_at",
        "created_at",
        "updated_at",
        "allow_merge_commit",
        "allow_squash_merge",
        "allow_rebase_merge",
        "delete_branch_on_merge",
        "network_count",
        "subscribers_count",
        "permissions",
    ];
    let mut v = full.clone();
    if let Some(o) = v.as_object_mut() {
        for k in DROP {
            o.remove(k);
        }
    }
    v
}

/// A `label`.
pub fn label(base: &str, full: &str, l: &Label) -> Value {
    json!({
        "id": l.id,
        "node_id": node_id("Label", l.id),
        "url": format!("{}/labels/{}", repo_url(base, full), l.name),
        "name": l.name,
        "description": null,
        "color": l.color,
        "default": false,
    })
}

/// A `milestone` with its issue counts.
pub fn milestone(base: &str, st: &State, r: &Repo, m: &Milestone) -> Value {
    let full = r.full_name();
    let count = |state: &str| {
        r.issues
            .values()
            .filter(|i| i.milestone == Some(m.number) && i.state == state)
            .count()
    };
    let creator = st
        .users
        .first()
        .map(|u| user(base, st, &u.login))
        .unwrap_or(Value::Null);
    json!({
        "id": m.id,
        "node_id": node_id("Milestone", m.id),
        "number": m.number,
        "title": m.title,
        "description": null,
        "state": "open",
        "url": format!("{}/milestones/{}", repo_url(base, &full), m.number),
        "html_url": format!("{base}/{full}/milestone/{}", m.number),
        "labels_url": format!("{}/milestones/{}/labels", repo_url(base, &full), m.number),
        "open_issues": count("open"),
        "closed_issues": count("closed"),
        "creator": creator,
        "due_on": null,
        "closed_at": null,
        "created_at": ts(r.created),
        "updated_at": ts(r.created),
    })
}

fn labels_of(base: &str, r: &Repo, names: &[String]) -> Vec<Value> {
    let full = r.full_name();
    names
        .iter()
        .filter_map(|n| r.labels.get(n))
        .map(|l| label(base, &full, l))
        .collect()
}

fn milestone_of(base: &str, st: &State, r: &Repo, number: Option<u64>) -> Value {
    number
        .and_then(|n| r.milestones.iter().find(|m| m.number == n))
        .map(|m| milestone(base, st, r, m))
        .unwrap_or(Value::Null)
}

/// The `author_association` of a login on a repository.
pub fn association(st: &State, r: &Repo, login: &str) -> &'static str {
    if login.eq_ignore_ascii_case(&r.owner) {
        "OWNER"
    } else if st.permission(login, &r.full_name()) >= super::seed::Permission::Write {
        "COLLABORATOR"
    } else {
        "NONE"
    }
}

/// An `issue` (pull requests carry a `pull_request` link object, as on GitHub).
pub fn issue(base: &str, st: &State, r: &Repo, i: &Issue) -> Value {
    let full = r.full_name();
    let u = format!("{}/issues/{}", repo_url(base, &full), i.number);
    let mut v = json!({
        "id": i.id,
        "node_id": node_id("Issue", i.id),
        "url": u,
        "repository_url": repo_url(base, &full),
        "labels_url": format!("{u}/labels{{/name}}"),
        "comments_url": format!("{u}/comments"),
        "events_url": format!("{u}/events"),
        "html_url": format!("{base}/{full}/issues/{}", i.number),
        "number": i.number,
        "state": i.state,
        "state_reason": i.state_reason,
        "title": i.title,
        "body": i.body,
        "user": user(base, st, &i.user),
        "labels": labels_of(base, r, &i.labels),
        "assignee": null,
        "assignees": [],
        "milestone": milestone_of(base, st, r, i.milestone),
        "locked": false,
        "active_lock_reason": null,
        "comments": i.comments,
        "closed_at": i.closed.map(ts),
        "created_at": ts(i.created),
        "updated_at": ts(i.updated),
        "author_association": association(st, r, &i.user),
        "reactions": reactions(&u),
    });
    if let Some(p) = &i.pull {
        let pu = format!("{}/pulls/{}", repo_url(base, &full), i.number);
        v["pull_request"] = json!({
            "url": pu,
            "html_url": format!("{base}/{full}/pull/{}", i.number),
            "diff_url": format!("{base}/{full}/pull/{}.diff", i.number),
            "patch_url": format!("{base}/{full}/pull/{}.patch", i.number),
            "merged_at": p.merged_at.map(ts),
        });
    }
    v
}

/// Computed facts of a pull request for the full shape.
#[derive(Debug, Clone, Default)]
pub struct PullFacts {
    /// `mergeable` (null while unknown or after merge).
    pub mergeable: Option<bool>,
    /// `clean`, `dirty`, `unknown`, ….
    pub mergeable_state: String,
    /// Commits on head not on base.
    pub commits: u64,
    /// Lines added.
    pub additions: u64,
    /// Lines deleted.
    pub deletions: u64,
    /// Files changed.
    pub changed_files: u64,
}

/// A `pull-request` (with `facts`) or `pull-request-simple` (without).
pub fn pull(base: &str, st: &State, r: &Repo, i: &Issue, facts: Option<&PullFacts>) -> Value {
    let Some(p) = &i.pull else { return Value::Null };
    let full = r.full_name();
    let ru = repo_url(base, &full);
    let u = format!("{ru}/pulls/{}", i.number);
    let html = format!("{base}/{full}/pull/{}", i.number);
    let issue_url = format!("{ru}/issues/{}", i.number);
    let repo_json = repo(base, st, r);
    let side = |branch: &str, sha: &str| {
        json!({
            "label": format!("{}:{branch}", r.owner),
            "ref": branch,
            "sha": sha,
            "user": super::json::owner(base, st, &r.owner),
            "repo": repo_json,
        })
    };
    let base_sha = r.branch(&p.base_ref).cloned().unwrap_or_default();
    let links = json!({
        "self": {"href": u},
        "html": {"href": html},
        "issue": {"href": issue_url},
        "comments": {"href": format!("{issue_url}/comments")},
        "review_comments": {"href": format!("{u}/comments")},
        "review_comment": {"href": format!("{ru}/pulls/comments{{/number}}")},
        "commits": {"href": format!("{u}/commits")},
        "statuses": {"href": format!("{ru}/statuses/{}", p.head_sha)},
    });
    let mut v = json!({
        "url": u,
        "id": i.id,
        "node_id": node_id("PullRequest", i.id),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": issue_url,
        "commits_url": format!("{u}/commits"),
        "review_comments_url": format!("{u}/comments"),
        "review_comment_url": format!("{ru}/pulls/comments{{/number}}"),
        "comments_url": format!("{issue_url}/comments"),
        "statuses_url": format!("{ru}/statuses/{}", p.head_sha),
        "number": i.number,
        "state": i.state,
        "locked": false,
        "title": i.title,
        "user": user(base, st, &i.user),
        "body": i.body,
        "labels": labels_of(base, r, &i.labels),
        "milestone": milestone_of(base, st, r, i.milestone),
        "active_lock_reason": null,
        "created_at": ts(i.created),
        "updated_at": ts(i.updated),
        "closed_at": i.closed.map(ts),
        "merged_at": p.merged_at.map(ts),
        "merge_commit_sha": p.merge_commit_sha,
        "assignee": null,
        "assignees": [],
        "requested_reviewers": p.requested_reviewers.iter().map(|l| user(base, st, l)).collect::<Vec<_>>(),
        "requested_teams": p.requested_teams.iter().filter_map(|s| crate::teams::json(base, st, &r.owner, s)).collect::<Vec<_>>(),
        "head": side(&p.head_ref, &p.head_sha),
        "base": side(&p.base_ref, &base_sha),
        "_links": links,
        "author_association": association(st, r, &i.user),
        "auto_merge": null,
        "draft": p.draft,
    });
    if let Some(f) = facts {
        let extra = json!({
            "merged": p.merged,
            "mergeable": f.mergeable,
            "rebaseable": f.mergeable,
            "mergeable_state": f.mergeable_state,
            "merged_by": p.merged_by.as_deref().map(|l| user(base, st, l)),
            "comments": i.comments,
            "review_comments": 0,
            "maintainer_can_modify": false,
            "commits": f.commits,
            "additions": f.additions,
            "deletions": f.deletions,
            "changed_files": f.changed_files,
        });
        if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
            obj.extend(more.clone());
        }
    }
    v
}

/// A `pull-request-review`.
pub fn review(base: &str, st: &State, r: &Repo, number: u64, rv: &crate::state::Review) -> Value {
    let full = r.full_name();
    let html = format!("{base}/{full}/pull/{number}#pullrequestreview-{}", rv.id);
    let pull_url = format!("{}/pulls/{number}", repo_url(base, &full));
    json!({
        "id": rv.id,
        "node_id": node_id("PullRequestReview", rv.id),
        "user": user(base, st, &rv.user),
        "body": rv.body,
        "state": rv.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "submitted_at": ts(rv.submitted),
        "commit_id": rv.commit_id,
        "author_association": association(st, r, &rv.user),
    })
}

/// An `issue-comment`.
pub fn comment(base: &str, st: &State, r: &Repo, c: &Comment) -> Value {
    let full = r.full_name();
    let ru = repo_url(base, &full);
    json!({
        "id": c.id,
        "node_id": node_id("IssueComment", c.id),
        "url": format!("{ru}/issues/comments/{}", c.id),
        "html_url": format!("{base}/{full}/issues/{}#issuecomment-{}", c.issue, c.id),
        "issue_url": format!("{ru}/issues/{}", c.issue),
        "body": c.body,
        "user": user(base, st, &c.user),
        "created_at": ts(c.created),
        "updated_at": ts(c.updated),
        "author_association": association(st, r, &c.user),
        "performed_via_github_app": null,
        "reactions": comment_reactions(&format!("{ru}/issues/comments/{}", c.id), st, c.id),
    })
}

/// The `reaction-rollup` of comment `id`: the reactions it got, counted by content.
fn comment_reactions(url: &str, st: &State, id: u64) -> Value {
    let mut rollup = reactions(url);
    for r in st.reactions.iter().filter(|r| r.comment == id) {
        rollup["total_count"] = json!(rollup["total_count"].as_u64().unwrap_or(0) + 1);
        rollup[r.content.as_str()] = json!(rollup[r.content.as_str()].as_u64().unwrap_or(0) + 1);
    }
    rollup
}

/// A `reaction`.
pub fn reaction(base: &str, st: &State, r: &Reaction) -> Value {
    json!({
        "id": r.id,
        "node_id": node_id("Reaction", r.id),
        "user": user(base, st, &r.user),
        "content": r.content,
        "created_at": ts(r.created),
    })
}

/// A `status` (or, without `creator`, a `simple-commit-status`).
pub fn status(base: &str, st: &State, full: &str, s: &Status) -> Value {
    json!({
        "url": format!("{}/statuses/{}", repo_url(base, full), s.sha),
        "avatar_url": null,
        "id": s.id,
        "node_id": node_id("StatusContext", s.id),
        "state": s.state,
        "description": s.description,
        "target_url": s.target_url,
        "context": s.context,
        "created_at": ts(s.created),
        "updated_at": ts(s.created),
        "creator": user(base, st, &s.creator),
    })
}

/// A `check-run`.
pub fn check_run(base: &str, st: &State, full: &str, c: &CheckRun) -> Value {
    let ru = repo_url(base, full);
    let html = format!("{base}/{full}/runs/{}", c.id);
    let suite_status = if c.status == "completed" || c.status == "in_progress" {
        c.status.as_str()
    } else {
        "queued"
    };
    let suite = json!({
        "id": c.id,
        "node_id": node_id("CheckSuite", c.id),
        "head_branch": null,
        "head_sha": c.head_sha,
        "status": suite_status,
        "conclusion": c.conclusion,
        "url": format!("{ru}/check-suites/{}", c.id),
        "before": null,
        "after": c.head_sha,
        "pull_requests": [],
        "app": app(base, st),
        "created_at": ts(c.started),
        "updated_at": ts(c.completed.unwrap_or(c.started)),
    });
    json!({
        "id": c.id,
        "node_id": node_id("CheckRun", c.id),
        "head_sha": c.head_sha,
        "external_id": c.external_id.clone().unwrap_or_default(),
        "url": format!("{ru}/check-runs/{}", c.id),
        "html_url": html,
        "details_url": c.details_url.clone().unwrap_or_else(|| html.clone()),
        "status": c.status,
        "conclusion": c.conclusion,
        "started_at": ts(c.started),
        "completed_at": c.completed.map(ts),
        "output": {
            "title": c.title,
            "summary": c.summary,
            "text": c.text,
            "annotations_count": 0,
            "annotations_url": format!("{ru}/check-runs/{}/annotations", c.id),
        },
        "name": c.name,
        "check_suite": suite,
        "app": app(base, st),
        "pull_requests": [],
    })
}

/// A `release`.
pub fn release(base: &str, st: &State, full: &str, rel: &Release) -> Value {
    let ru = repo_url(base, full);
    json!({
        "url": format!("{ru}/releases/{}", rel.id),
        "html_url": format!("{base}/{full}/releases/tag/{}", rel.tag_name),
        "assets_url": format!("{ru}/releases/{}/assets", rel.id),
        "upload_url": format!("{base}/uploads/repos/{full}/releases/{}/assets{{?name,label}}", rel.id),
        "tarball_url": format!("{ru}/tarball/{}", rel.tag_name),
        "zipball_url": format!("{ru}/zipball/{}", rel.tag_name),
        "id": rel.id,
        "node_id": node_id("Release", rel.id),
        "tag_name": rel.tag_name,
        "target_commitish": rel.target_commitish,
        "name": rel.name,
        "body": rel.body,
        "draft": rel.draft,
        "prerelease": rel.prerelease,
        "created_at": ts(rel.created),
        "published_at": if rel.draft { Value::Null } else { json!(ts(rel.created)) },
        "author": user(base, st, &rel.author),
        "assets": [],
    })
}

/// A `workflow`.
pub fn workflow(base: &str, full: &str, id: u64, name: &str, path: &str, created: i64) -> Value {
    let ru = repo_url(base, full);
    json!({
        "id": id,
        "node_id": node_id("Workflow", id),
        "name": name,
        "path": path,
        "state": "active",
        "created_at": ts(created),
        "updated_at": ts(created),
        "url": format!("{ru}/actions/workflows/{id}"),
        "html_url": format!("{base}/{full}/blob/main/{path}"),
        "badge_url": format!("{base}/{full}/workflows/{name}/badge.svg"),
    })
}

/// A `workflow-run`.
pub fn run(base: &str, st: &State, r: &Repo, run: &Run, head: Option<&CommitInfo>) -> Value {
    let full = r.full_name();
    let ru = repo_url(base, &full);
    let u = format!("{ru}/actions/runs/{}", run.id);
    let repo_json = repo(base, st, r);
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": node_id("WorkflowRun", run.id),
        "check_suite_id": run.id,
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.display_title,
        "run_number": run.run_number,
        "run_attempt": 1,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": u,
        "html_url": format!("{base}/{full}/actions/runs/{}", run.id),
        "pull_requests": [],
        "created_at": ts(run.created),
        "updated_at": ts(run.updated),
        "run_started_at": ts(run.started.unwrap_or(run.created)),
        "actor": user(base, st, &run.actor),
        "triggering_actor": user(base, st, &run.actor),
        "jobs_url": format!("{u}/jobs"),
        "logs_url": format!("{u}/logs"),
        "check_suite_url": format!("{ru}/check-suites/{}", run.id),
        "artifacts_url": format!("{u}/artifacts"),
        "cancel_url": format!("{u}/cancel"),
        "rerun_url": format!("{u}/rerun"),
        "workflow_url": format!("{ru}/actions/workflows/{}", run.workflow_id),
        "head_commit": head.map(simple_commit),
        "check_suite_node_id": node_id("CheckSuite", run.id),
        "previous_attempt_url": null,
        "repository": minimal_repo(&repo_json),
        "head_repository": minimal_repo(&repo_json),
    })
}
