//! Asynchronous merges (`PUT /pulls/{n}/merge-async`, `GET /pulls/{n}/merge-async/{uuid}`).
//!
//! The sandbox runs the merge right after accepting the request, so the request answers 202
//! `pending` and the result is ready at the first poll (`merged` with the commit, or `failed`
//! with the reason).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use super::pulls::{MergePull, merge_pull};
use crate::error::{ApiError, ApiResult};
use crate::middleware::Caller;
use crate::seed::Permission;

/// `PUT /repos/{owner}/{repo}/pulls/{number}/merge-async`
pub async fn request(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: MergePull = parse(&body)?;
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
        return Ok(reply(
            StatusCode::OK,
            json!({"status": "merged", "details": details}),
        ));
    }
    if issue.state != "open" {
        let details = json!({"message": "Pull request is closed."});
        return Ok(reply(
            StatusCode::BAD_REQUEST,
            json!({"status": "failed", "details": details}),
        ));
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
    let id = st.id();
    let uuid = format!("00000000-0000-4000-8000-{id:012x}");
    let expected = req.sha.clone().unwrap_or_else(|| p.head_sha.clone());
    let pending = json!({
        "message": "Merge request enqueued.",
        "uuid": uuid,
        "merge_method": method,
        "merge_action": "default",
        "expected_head_sha": expected,
    });
    let req = MergePull {
        sha: Some(expected),
        ..req
    };
    let result = match merge_pull(&app.base, &mut st, &k, n, &c.login, &req).await {
        Ok(sha) => {
            json!({"status": "merged", "details": {"message": "Pull request was merged.", "sha": sha}})
        }
        Err(e) if e.status.is_client_error() => {
            json!({"status": "failed", "details": {"message": e.message}})
        }
        Err(e) => return Err(e),
    };
    st.async_merges.insert(uuid, (k, n, result));
    Ok(reply(
        StatusCode::ACCEPTED,
        json!({"status": "pending", "details": pending}),
    ))
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
