//! Pull requests: list, create, get, update, merge.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use crate::error::{ApiError, ApiResult};
use crate::merge::{self, Landing};
use crate::middleware::Caller;
use crate::ops;
use crate::seed::Permission;
use crate::shapes;
use crate::state::{Issue, Pull};
use crate::webhooks;

/// Filters of `GET /pulls`.
#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    head: Option<String>,
    base: Option<String>,
    per_page: Option<usize>,
    page: Option<usize>,
}

/// `GET /repos/{owner}/{repo}/pulls`
pub async fn list(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let state = q.state.as_deref().unwrap_or("open");
    let head = q.head.as_deref().map(|h| match h.split_once(':') {
        Some((owner, branch)) => (Some(owner.to_ascii_lowercase()), branch),
        None => (None, h),
    });
    let items: Vec<_> = repo
        .issues
        .values()
        .rev()
        .filter(|i| i.pull.is_some())
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| {
            let Some(p) = &i.pull else { return false };
            let head_ok = head.as_ref().is_none_or(|(owner, branch)| {
                owner
                    .as_ref()
                    .is_none_or(|ow| *ow == repo.owner.to_ascii_lowercase())
                    && p.head_ref == *branch
            });
            head_ok && q.base.as_ref().is_none_or(|b| p.base_ref == *b)
        })
        .map(|i| shapes::pull(&app.base, &st, repo, i, None))
        .collect();
    let paged = super::paging::paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

#[derive(Deserialize)]
struct CreatePull {
    title: Option<String>,
    head: String,
    base: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    draft: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    maintainer_can_modify: Option<bool>,
}

/// `POST /repos/{owner}/{repo}/pulls`
pub async fn create(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreatePull = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let repo = &st.repos[&k];
    let head = match req.head.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => branch.to_owned(),
        Some(_) => return Err(ApiError::validation("PullRequest", "head", "invalid", None)),
        None => req.head.clone(),
    };
    let Some(title) = req.title.clone() else {
        return Err(ApiError::validation(
            "PullRequest",
            "title",
            "missing_field",
            None,
        ));
    };
    let Some(head_sha) = repo.branch(&head).cloned() else {
        return Err(ApiError::validation("PullRequest", "head", "invalid", None));
    };
    let Some(base_sha) = repo.branch(&req.base).cloned() else {
        return Err(ApiError::validation("PullRequest", "base", "invalid", None));
    };
    let duplicate = repo.issues.values().any(|i| {
        i.state == "open"
            && i.pull
                .as_ref()
                .is_some_and(|p| p.head_ref == head && p.base_ref == req.base)
    });
    if duplicate {
        let msg = format!("A pull request already exists for {}:{head}.", repo.owner);
        return Err(ApiError::validation(
            "PullRequest",
            "",
            "custom",
            Some(&msg),
        ));
    }
    if repo
        .git
        .commits_between(&base_sha, &head_sha)
        .await?
        .is_empty()
    {
        let msg = format!("No commits between {} and {head}", req.base);
        return Err(ApiError::validation(
            "PullRequest",
            "",
            "custom",
            Some(&msg),
        ));
    }
    let number = repo.next_number();
    let (id, now) = (st.id(), st.now());
    let issue = Issue {
        id,
        number,
        title,
        body: req.body,
        state: "open".into(),
        state_reason: None,
        user: c.login.clone(),
        labels: Vec::new(),
        milestone: None,
        comments: 0,
        created: now,
        updated: now,
        closed: None,
        pull: Some(Pull {
            head_ref: head,
            base_ref: req.base,
            head_sha,
            draft: req.draft.unwrap_or(false),
            merged: false,
            merge_commit_sha: None,
            merged_at: None,
            merged_by: None,
            reviews: Vec::new(),
            requested_reviewers: Vec::new(),
            requested_teams: Vec::new(),
            unknown_reads: st.mergeable_lag,
        }),
    };
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.issues.insert(number, issue);
    }
    let pr = ops::pull_json(&app.base, &mut st, &k, number).await?;
    let payload = json!({"action": "opened", "number": number, "pull_request": pr});
    webhooks::emit(&app.base, &mut st, &k, "pull_request", &c.login, payload);
    crate::runs::on_pull_request(&app.base, &mut st, &k, number, &c.login).await?;
    Ok(reply(StatusCode::CREATED, pr))
}

fn pull_number(st: &crate::state::State, k: &str, n: u64) -> ApiResult<()> {
    match st.repos[k].issues.get(&n) {
        Some(i) if i.pull.is_some() => Ok(()),
        _ => Err(ApiError::not_found()),
    }
}

/// `GET /repos/{owner}/{repo}/pulls/{number}`
pub async fn get(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    pull_number(&st, &k, n)?;
    let mut pr = ops::pull_json(&app.base, &mut st, &k, n).await?;
    // Mergeability still being computed after a push: `null` for the first reads.
    if let Some(p) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
        .and_then(|i| i.pull.as_mut())
        && p.unknown_reads > 0
        && !p.merged
    {
        p.unknown_reads -= 1;
        pr["mergeable"] = serde_json::Value::Null;
        pr["rebaseable"] = serde_json::Value::Null;
        pr["mergeable_state"] = json!("unknown");
    }
    Ok(reply(StatusCode::OK, pr))
}

#[derive(Deserialize)]
struct UpdatePull {
    title: Option<String>,
    body: Option<String>,
    state: Option<String>,
    base: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    maintainer_can_modify: Option<bool>,
}

/// `PATCH /repos/{owner}/{repo}/pulls/{number}`
pub async fn update(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: UpdatePull = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    pull_number(&st, &k, n)?;
    if req
        .base
        .as_ref()
        .is_some_and(|b| st.repos[&k].branch(b).is_none())
    {
        return Err(ApiError::validation("PullRequest", "base", "invalid", None));
    }
    if req
        .state
        .as_deref()
        .is_some_and(|s| s != "open" && s != "closed")
    {
        return Err(ApiError::validation(
            "PullRequest",
            "state",
            "invalid",
            None,
        ));
    }
    let now = st.now();
    let mut action = None;
    let mut changes = serde_json::Map::new();
    if let Some(i) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
    {
        let merged = i.pull.as_ref().is_some_and(|p| p.merged);
        if let Some(t) = req.title {
            changes.insert("title".into(), json!({"from": i.title}));
            i.title = t;
            action = Some("edited");
        }
        if let Some(b) = req.body {
            changes.insert(
                "body".into(),
                json!({"from": i.body.clone().unwrap_or_default()}),
            );
            i.body = Some(b);
            action = Some("edited");
        }
        if let (Some(b), Some(p)) = (req.base, i.pull.as_mut()) {
            let from = std::mem::replace(&mut p.base_ref, b);
            changes.insert(
                "base".into(),
                json!({"ref": {"from": from}, "sha": {"from": ""}}),
            );
            action = Some("edited");
        }
        match req.state.as_deref() {
            Some("closed") if i.state == "open" => {
                i.state = "closed".into();
                i.closed = Some(now);
                action = Some("closed");
            }
            Some("open") if i.state == "closed" && !merged => {
                i.state = "open".into();
                i.closed = None;
                action = Some("reopened");
            }
            _ => {}
        }
        i.updated = now;
    }
    let pr = ops::pull_json(&app.base, &mut st, &k, n).await?;
    if let Some(action) = action {
        let mut payload = json!({"action": action, "number": n, "pull_request": pr});
        if action == "edited" {
            payload["changes"] = serde_json::Value::Object(changes);
        }
        webhooks::emit(&app.base, &mut st, &k, "pull_request", &c.login, payload);
        if action == "reopened" {
            crate::runs::on_pull_request(&app.base, &mut st, &k, n, &c.login).await?;
        }
        // Closed or retargeted while queued: it leaves the queue.
        crate::queue::reconcile(&app.base, &mut st, &k).await?;
    }
    Ok(reply(StatusCode::OK, pr))
}

/// Body of `PUT /pulls/{n}/merge` (and `merge-async`).
#[derive(Deserialize)]
pub struct MergePull {
    /// Title of the merge commit.
    pub commit_title: Option<String>,
    /// Message of the merge commit.
    pub commit_message: Option<String>,
    /// Head the pull request must still have.
    pub sha: Option<String>,
    /// `merge`, `squash` or `rebase`.
    pub merge_method: Option<String>,
}

fn not_mergeable() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Pull Request is not mergeable",
    )
}

/// `PUT /repos/{owner}/{repo}/pulls/{number}/merge`
pub async fn merge(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: MergePull = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    pull_number(&st, &k, n)?;
    let sha = merge_pull(&app.base, &mut st, &k, n, &c.login, &req).await?;
    Ok(reply(
        StatusCode::OK,
        json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}),
    ))
}

/// Merges pull request `n` as `login` and returns the new base commit: 405 when closed,
/// conflicting or blocked by a required check, 409 when `sha` is not the head.
pub async fn merge_pull(
    base: &str,
    st: &mut crate::state::State,
    k: &str,
    n: u64,
    login: &str,
    req: &MergePull,
) -> ApiResult<String> {
    let k = k.to_owned();
    let repo = &st.repos[&k];
    let git = repo.git.clone();
    let Some(issue) = repo.issues.get(&n).cloned() else {
        return Err(ApiError::not_found());
    };
    let Some(p) = issue.pull.clone() else {
        return Err(ApiError::not_found());
    };
    if p.merged || issue.state != "open" {
        return Err(not_mergeable());
    }
    if p.draft {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Pull Request is still a draft",
        ));
    }
    if req
        .sha
        .as_ref()
        .is_some_and(|sha| !sha.eq_ignore_ascii_case(&p.head_sha))
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Head branch was modified. Review and try the merge again.",
        ));
    }
    let method = req.merge_method.as_deref().unwrap_or("merge");
    if !matches!(method, "merge" | "squash" | "rebase") {
        return Err(ApiError::validation(
            "PullRequest",
            "merge_method",
            "invalid",
            None,
        ));
    }
    let Some(base_sha) = repo.branch(&p.base_ref).cloned() else {
        return Err(not_mergeable());
    };
    let behind = !git.is_ancestor(&base_sha, &p.head_sha).await?;
    if let Some((status, text)) = st.merge_refusal(&k, n, login, method, behind) {
        return Err(ApiError::new(status, text));
    }
    let how = Landing {
        method,
        title: req.commit_title.as_deref(),
        message: req.commit_message.as_deref(),
        login,
    };
    let Some((new_sha, now)) = merge::land_commit(st, &k, n, &base_sha, &how).await? else {
        return Err(not_mergeable());
    };
    let base_ref = format!("refs/heads/{}", p.base_ref);
    ops::move_ref(base, st, &k, &base_ref, Some(&new_sha), login).await?;
    merge::record_merged(base, st, &k, n, &new_sha, login, now).await?;
    // Once it is recorded as merged: a queued pull request merged past its queue leaves it,
    // and the groups of the moved base are rebuilt.
    crate::queue::reconcile(base, st, &k).await?;
    Ok(new_sha)
}
