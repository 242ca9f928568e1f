//! Asynchronous merges (`PUT /pulls/{n}/merge-async`, `GET /pulls/{n}/merge-async/{uuid}`).
//!
//! Into a base whose protection requires a merge queue (with `merge_action` `default` or
//! `merge_queue`), the request queues the pull request ([`crate::queue`]): 202 `pending`, then
//! `enqueued` until its merge group merges (`merged`) or leaves the queue (`failed`). Otherwise
//! (`direct_merge`, or a base without a queue) the sandbox merges right after accepting the
//! request, so the result is ready at the first poll (`merged` with the commit, or `failed` with
//! the reason the plain merge would give).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use super::pulls::{MergePull, merge_pull};
use crate::error::{ApiError, ApiResult};
use crate::middleware::Caller;
use crate::queue::{self, Entry, outcome};
use crate::seed::Permission;

/// Body of `PUT /pulls/{n}/merge-async`.
#[derive(Deserialize)]
struct MergeAsync {
    commit_title: Option<String>,
    commit_message: Option<String>,
    sha: Option<String>,
    merge_method: Option<String>,
    merge_action: Option<String>,
}

/// `PUT /repos/{owner}/{repo}/pulls/{number}/merge-async`
pub async fn request(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: MergeAsync = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let Some(issue) = st.repos[&k]
        .issues
        .get(&n)
        .filter(|i| i.pull.is_some())
        .cloned()
    else {
        return Err(ApiError::not_found());
    };
    let Some(p) = issue.pull else {
        return Err(ApiError::not_found());
    };
    if p.merged {
        let sha = p.merge_commit_sha.unwrap_or_default();
        let details = json!({"message": "Pull request is already merged.", "sha": sha});
        return Ok(reply(StatusCode::OK, outcome("merged", details)));
    }
    let refused = |message: &str| {
        let details = json!({"message": message});
        Ok(reply(StatusCode::BAD_REQUEST, outcome("failed", details)))
    };
    if issue.state != "open" {
        return refused("Pull request is closed.");
    }
    if p.draft {
        return refused("Pull request is still a draft.");
    }
    if let Some(e) = queue::entry(&st, &k, n) {
        let details = e.details("A merge request already exists for this pull request.");
        return Ok(reply(StatusCode::CONFLICT, outcome("pending", details)));
    }
    let method = req.merge_method.clone().unwrap_or_else(|| "merge".into());
    if !["merge", "squash", "rebase"].contains(&method.as_str()) {
        return Err(ApiError::validation(
            "PullRequest",
            "merge_method",
            "invalid",
            None,
        ));
    }
    let action = req.merge_action.clone().unwrap_or_else(|| "default".into());
    if !["default", "direct_merge", "merge_queue"].contains(&action.as_str()) {
        return Err(ApiError::validation(
            "PullRequest",
            "merge_action",
            "invalid",
            None,
        ));
    }
    let id = st.id();
    let uuid = format!("00000000-0000-4000-8000-{id:012x}");
    let expected = req.sha.clone().unwrap_or_else(|| p.head_sha.clone());
    let queue_method = queue::queue_method(&st, &k, &p.base_ref);
    if action == "merge_queue" || (action == "default" && queue_method.is_some()) {
        let entry = Entry {
            uuid,
            number: n,
            head_sha: expected,
            method: queue_method.unwrap_or(&method).to_owned(),
            action,
            by: c.login.clone(),
            group: None,
        };
        let pending = entry.details("Merge request enqueued.");
        if queue_method.is_some() {
            queue::admit(&app.base, &mut st, &k, entry).await?;
        } else {
            let failed = outcome("failed", json!({"message": queue::NO_QUEUE}));
            st.async_merges.insert(entry.uuid, (k, n, failed));
        }
        return Ok(reply(StatusCode::ACCEPTED, outcome("pending", pending)));
    }
    let pending = json!({
        "message": "Merge request enqueued.",
        "uuid": uuid,
        "merge_method": method,
        "merge_action": action,
        "expected_head_sha": expected,
    });
    let req = MergePull {
        commit_title: req.commit_title,
        commit_message: req.commit_message,
        sha: Some(expected),
        merge_method: Some(method),
    };
    let result = match merge_pull(&app.base, &mut st, &k, n, &c.login, &req).await {
        Ok(sha) => outcome("merged", json!({"message": queue::MERGED, "sha": sha})),
        Err(e) if e.status.is_client_error() => outcome("failed", json!({"message": e.message})),
        Err(e) => return Err(e),
    };
    st.async_merges.insert(uuid, (k, n, result));
    Ok(reply(StatusCode::ACCEPTED, outcome("pending", pending)))
}

/// `GET /repos/{owner}/{repo}/pulls/{number}/merge-async/{uuid}`
pub async fn result(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n, uuid)): Path<(String, String, u64, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    match st.async_merges.get(&uuid) {
        Some((rk, rn, v)) if *rk == k && *rn == n => Ok(reply(StatusCode::OK, v.clone())),
        _ => Err(ApiError::not_found()),
    }
}
