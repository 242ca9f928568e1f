//! Commit statuses and check runs.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{Shared, authorize, parse, reply};
use crate::error::{ApiError, ApiResult};
use crate::json::{self, repo_url};
use crate::middleware::Caller;
use crate::seed::Permission;
use crate::shapes;
use crate::state::{CheckRun, State as SandboxState, Status};
use crate::webhooks;

#[derive(Deserialize)]
struct CreateStatus {
    state: String,
    #[serde(default)]
    target_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    context: Option<String>,
}

/// The longest description GitHub accepts on a commit status, in characters.
const MAX_DESCRIPTION: usize = 140;

/// `POST /repos/{owner}/{repo}/statuses/{sha}`: a description over 140 characters is refused
/// with 422, as GitHub does.
pub async fn create_status(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, sha)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateStatus = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    if !["error", "failure", "pending", "success"].contains(&req.state.as_str()) {
        return Err(ApiError::validation(
            "Status",
            "state",
            "custom",
            Some("state is not included in the list"),
        ));
    }
    // GitHub counts characters, not bytes.
    if req
        .description
        .as_deref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(ApiError::validation(
            "Status",
            "description",
            "custom",
            Some("description is too long (maximum is 140 characters)"),
        ));
    }
    let Some(full_sha) = st.repos[&k].git.resolve_commit(&sha).await? else {
        return Err(ApiError::unprocessable(format!(
            "No commit found for SHA: {sha}"
        )));
    };
    let (id, now) = (st.id(), st.now());
    let status = Status {
        id,
        sha: full_sha.clone(),
        state: req.state,
        context: req.context.unwrap_or_else(|| "default".into()),
        description: req.description,
        target_url: req.target_url,
        creator: c.login.clone(),
        created: now,
    };
    let full = st.repos[&k].full_name();
    let body = shapes::status(&app.base, &st, &full, &status);
    let info = st.commit(&k, &full_sha).await?;
    let branches: Vec<Value> = st.repos[&k]
        .refs
        .iter()
        .filter(|(_, s)| **s == full_sha)
        .filter_map(|(n, s)| n.strip_prefix("refs/heads/").map(|b| json!({"name": b, "commit": {"sha": s, "url": format!("{}/commits/{s}", repo_url(&app.base, &full))}, "protected": false})))
        .collect();
    let payload = json!({
        "id": id, "sha": full_sha, "name": full, "target_url": status.target_url,
        "context": status.context, "description": status.description, "state": status.state,
        "commit": json::commit(&app.base, &st, &full, &info, None), "branches": branches,
        "created_at": json::ts(now), "updated_at": json::ts(now),
    });
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.statuses.push(status);
    }
    webhooks::emit(&app.base, &mut st, &k, "status", &c.login, payload);
    // A required check reported on a merge group moves its queue.
    crate::queue::reconcile(&app.base, &mut st, &k).await?;
    Ok(reply(StatusCode::CREATED, body))
}

/// Which page of a list to answer with, and how to link the others.
pub struct Page<'a> {
    /// `page`/`per_page` as asked.
    pub query: &'a super::paging::PageQuery,
    /// The sandbox's base URL.
    pub base: &'a str,
    /// The request's URI (its filters are kept in the links).
    pub uri: &'a axum::http::Uri,
}

/// The statuses of a commit, newest first, a page of them.
pub fn statuses_for(st: &SandboxState, k: &str, sha: &str, page: &Page<'_>) -> Response {
    let full = st.repos[k].full_name();
    let list: Vec<_> = st.repos[k]
        .statuses
        .iter()
        .rev()
        .filter(|s| s.sha == sha)
        .map(|s| shapes::status(page.base, st, &full, s))
        .collect();
    let paged = paginate(list, page);
    paged.link(reply(StatusCode::OK, json!(paged.items)))
}

/// The combined status of a commit: the latest status per context (newest first, a page of
/// them; `total_count` counts every context), and the state they combine to.
pub fn combined_for(st: &SandboxState, k: &str, sha: &str, page: &Page<'_>) -> Response {
    let repo = &st.repos[k];
    let full = repo.full_name();
    let mut latest: Vec<&Status> = Vec::new();
    for s in repo.statuses.iter().rev().filter(|s| s.sha == sha) {
        if !latest.iter().any(|l| l.context == s.context) {
            latest.push(s);
        }
    }
    let state = if latest
        .iter()
        .any(|s| s.state == "error" || s.state == "failure")
    {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    };
    let statuses: Vec<Value> = latest
        .iter()
        .map(|s| {
            let mut v = shapes::status(page.base, st, &full, s);
            if let Some(o) = v.as_object_mut() {
                o.remove("creator");
            }
            v
        })
        .collect();
    let paged = paginate(statuses, page);
    let ru = repo_url(page.base, &full);
    paged.link(reply(
        StatusCode::OK,
        json!({
            "state": state,
            "sha": sha,
            "total_count": paged.total,
            "statuses": paged.items,
            "repository": json::repo(page.base, st, repo),
            "commit_url": format!("{ru}/commits/{sha}"),
            "url": format!("{ru}/commits/{sha}/status"),
        }),
    ))
}

fn paginate<T>(all: Vec<T>, page: &Page<'_>) -> super::paging::Paged<T> {
    super::paging::paginate(
        all,
        page.query.page,
        page.query.per_page,
        page.base,
        page.uri,
    )
}

/// The check runs of a commit.
pub fn check_runs_for(base: &str, st: &SandboxState, k: &str, sha: &str) -> Response {
    let full = st.repos[k].full_name();
    let list: Vec<_> = st
        .check_runs
        .values()
        .rev()
        .filter(|c| c.repo == k && c.head_sha == sha)
        .map(|c| shapes::check_run(base, st, &full, c))
        .collect();
    reply(
        StatusCode::OK,
        json!({"total_count": list.len(), "check_runs": list}),
    )
}

#[derive(Deserialize, Default)]
struct Output {
    title: Option<String>,
    summary: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct CheckBody {
    name: Option<String>,
    head_sha: Option<String>,
    details_url: Option<String>,
    external_id: Option<String>,
    status: Option<String>,
    conclusion: Option<String>,
    #[allow(dead_code)]
    started_at: Option<String>,
    #[allow(dead_code)]
    completed_at: Option<String>,
    output: Option<Output>,
}

const STATUSES: [&str; 6] = [
    "queued",
    "in_progress",
    "completed",
    "waiting",
    "requested",
    "pending",
];

fn apply(run: &mut CheckRun, req: CheckBody, now: i64) -> ApiResult<()> {
    if let Some(s) = req.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(ApiError::validation("CheckRun", "status", "invalid", None));
        }
        run.status = s;
    }
    if let Some(c) = req.conclusion {
        run.conclusion = Some(c);
        run.status = "completed".into();
    }
    if run.status == "completed" {
        if run.conclusion.is_none() {
            return Err(ApiError::unprocessable(
                "Invalid request.\n\nconclusion is required when status is completed",
            ));
        }
        run.completed.get_or_insert(now);
    }
    if let Some(n) = req.name {
        run.name = n;
    }
    run.details_url = req.details_url.or(run.details_url.take());
    run.external_id = req.external_id.or(run.external_id.take());
    if let Some(o) = req.output {
        run.title = o.title.or(run.title.take());
        run.summary = o.summary.or(run.summary.take());
        run.text = o.text.or(run.text.take());
    }
    Ok(())
}

/// `POST /repos/{owner}/{repo}/check-runs`
pub async fn create_check(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut req: CheckBody = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let (Some(name), Some(head)) = (req.name.take(), req.head_sha.take()) else {
        return Err(ApiError::unprocessable(
            "Invalid request.\n\n\"name\" and \"head_sha\" are required.",
        ));
    };
    let Some(sha) = st.repos[&k].git.resolve_commit(&head).await? else {
        return Err(ApiError::validation(
            "CheckRun", "head_sha", "invalid", None,
        ));
    };
    let (id, now) = (st.id(), st.now());
    let mut run = CheckRun {
        id,
        repo: k.clone(),
        name,
        head_sha: sha,
        status: "queued".into(),
        conclusion: None,
        details_url: None,
        external_id: None,
        title: None,
        summary: None,
        text: None,
        started: now,
        completed: None,
    };
    apply(&mut run, req, now)?;
    let full = st.repos[&k].full_name();
    let body = shapes::check_run(&app.base, &st, &full, &run);
    st.check_runs.insert(id, run);
    webhooks::emit(
        &app.base,
        &mut st,
        &k,
        "check_run",
        &c.login,
        json!({"action": "created", "check_run": body}),
    );
    crate::queue::reconcile(&app.base, &mut st, &k).await?;
    Ok(reply(StatusCode::CREATED, body))
}

/// `GET /repos/{owner}/{repo}/check-runs/{id}`
pub async fn get_check(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let run = st
        .check_runs
        .get(&id)
        .filter(|x| x.repo == k)
        .ok_or_else(ApiError::not_found)?;
    Ok(reply(
        StatusCode::OK,
        shapes::check_run(&app.base, &st, &st.repos[&k].full_name(), run),
    ))
}

/// `PATCH /repos/{owner}/{repo}/check-runs/{id}`
pub async fn update_check(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: CheckBody = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let now = st.now();
    let mut run = st
        .check_runs
        .get(&id)
        .filter(|x| x.repo == k)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let was_completed = run.status == "completed";
    apply(&mut run, req, now)?;
    let full = st.repos[&k].full_name();
    let body = shapes::check_run(&app.base, &st, &full, &run);
    let action = if !was_completed && run.status == "completed" {
        "completed"
    } else {
        "rerequested"
    };
    st.check_runs.insert(id, run);
    if action == "completed" {
        webhooks::emit(
            &app.base,
            &mut st,
            &k,
            "check_run",
            &c.login,
            json!({"action": action, "check_run": body}),
        );
        crate::queue::reconcile(&app.base, &mut st, &k).await?;
    }
    Ok(reply(StatusCode::OK, body))
}
