//! `/_sandbox/` control endpoints: pushes, run progress, events, human comments, faults,
//! latency and the request log. They need no token.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, parse, reply};
use super::issues;
use super::repos::no_content;
use crate::error::{ApiError, ApiResult};
use crate::faults::Fault;
use crate::ops;
use crate::state::key;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Push {
    branch: Option<String>,
    message: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, Option<String>>,
    author: Option<String>,
}

/// `POST /_sandbox/repos/{owner}/{repo}/commits` `{"branch", "message", "files", "author"}`:
/// a push of one commit (a `null` file content deletes the file).
pub async fn push(
    State(app): State<Shared>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: Push = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = key(&o, &r);
    let Some(repo) = st.repos.get(&k) else {
        return Err(ApiError::not_found());
    };
    let branch = req.branch.unwrap_or_else(|| repo.default_branch.clone());
    let author = req
        .author
        .or_else(|| st.users.first().map(|u| u.login.clone()))
        .unwrap_or_else(|| "sandbox".into());
    let files: Vec<(String, Option<Vec<u8>>)> = req
        .files
        .into_iter()
        .map(|(p, c)| (p, c.map(String::into_bytes)))
        .collect();
    if !crate::git::valid_ref_name(&branch) {
        return Err(ApiError::unprocessable(format!(
            "{branch} is not a valid branch name"
        )));
    }
    if let Some((bad, _)) = files
        .iter()
        .find(|(p, _)| !crate::git::valid_path(p.trim_start_matches('/')))
    {
        return Err(ApiError::unprocessable(format!(
            "{bad} is not a valid path"
        )));
    }
    let message = req.message.unwrap_or_else(|| "Update files".into());
    let sha = ops::commit_files(&app.base, &mut st, &k, &branch, &files, &message, &author).await?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"sha": sha, "branch": branch}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HumanComment {
    user: String,
    body: String,
}

/// `POST /_sandbox/repos/{owner}/{repo}/issues/{n}/comments` `{"user", "body"}`
pub async fn comment(
    State(app): State<Shared>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: HumanComment = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = key(&o, &r);
    if !st.repos.contains_key(&k) {
        return Err(ApiError::not_found());
    }
    let v = issues::add_comment(&app.base, &mut st, &k, n, &req.user, req.body)?;
    Ok(reply(StatusCode::CREATED, v))
}

/// `POST /_sandbox/runs/{id}/start`
pub async fn start_run(State(app): State<Shared>, Path(id): Path<u64>) -> ApiResult {
    let mut st = app.state.lock().await;
    let now = st.now();
    let run = st.runs.get_mut(&id).ok_or_else(ApiError::not_found)?;
    if run.status != "queued" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("run {id} is {}", run.status),
        ));
    }
    run.status = "in_progress".into();
    run.started = Some(now);
    run.updated = now;
    crate::runs::emit_run(&app.base, &mut st, id, "in_progress").await?;
    let v = crate::runs::run_json(&app.base, &mut st, id).await?;
    Ok(reply(StatusCode::OK, v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Complete {
    conclusion: String,
}

/// `POST /_sandbox/runs/{id}/complete` `{"conclusion"}`
pub async fn complete_run(
    State(app): State<Shared>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let req: Complete = parse(&body)?;
    use crate::runs::RUN_CONCLUSIONS;
    if !RUN_CONCLUSIONS.contains(&req.conclusion.as_str()) {
        return Err(ApiError::unprocessable(format!(
            "unknown conclusion {}; a workflow run concludes with one of {}",
            req.conclusion,
            RUN_CONCLUSIONS.join(", ")
        )));
    }
    let mut st = app.state.lock().await;
    crate::runs::finish(&app.base, &mut st, id, &req.conclusion).await?;
    let v = crate::runs::run_json(&app.base, &mut st, id).await?;
    Ok(reply(StatusCode::OK, v))
}

/// `GET /_sandbox/events`: drains the queued event deliveries, oldest first.
pub async fn events(State(app): State<Shared>) -> ApiResult {
    let mut st = app.state.lock().await;
    let events = std::mem::take(&mut st.events);
    Ok(reply(StatusCode::OK, json!(events)))
}

fn control(app: &Shared) -> ApiResult<std::sync::MutexGuard<'_, crate::state::Control>> {
    app.control
        .lock()
        .map_err(|_| ApiError::internal("control state poisoned"))
}

/// `POST /_sandbox/faults` with one fault rule.
pub async fn add_fault(State(app): State<Shared>, body: Bytes) -> ApiResult {
    let fault: Fault = parse(&body)?;
    if StatusCode::from_u16(fault.status).is_err() {
        return Err(ApiError::unprocessable(
            "status must be an HTTP status code",
        ));
    }
    control(&app)?.faults.push(fault.clone());
    Ok(reply(StatusCode::CREATED, json!(fault)))
}

/// `DELETE /_sandbox/faults`
pub async fn clear_faults(State(app): State<Shared>) -> ApiResult {
    control(&app)?.faults.clear();
    Ok(no_content())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    ms: u64,
}

/// `PUT /_sandbox/latency` `{"ms"}`
pub async fn latency(State(app): State<Shared>, body: Bytes) -> ApiResult {
    let req: Latency = parse(&body)?;
    control(&app)?.latency_ms = req.ms;
    Ok(reply(StatusCode::OK, json!({"ms": req.ms})))
}

/// `GET /_sandbox/requests`
pub async fn requests(State(app): State<Shared>) -> ApiResult {
    let log = control(&app)?.requests.clone();
    Ok(reply(StatusCode::OK, json!(log)))
}

/// `DELETE /_sandbox/requests`
pub async fn clear_requests(State(app): State<Shared>) -> ApiResult {
    control(&app)?.requests.clear();
    Ok(no_content())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Compat {
    return_run_details: bool,
    /// The status of the refusal: 422 (the default: GitHub Enterprise Server 3.20 and older)
    /// or 400.
    #[serde(default)]
    status: Option<u16>,
}

/// `PUT /_sandbox/compat` `{"return_run_details": false, "status": 422}`: answer dispatches
/// that ask for run details with `"return_run_details" is not a permitted key.`, as GitHub
/// Enterprise Server releases before the field do (422; `"status": 400` for the other form).
pub async fn compat(State(app): State<Shared>, body: Bytes) -> ApiResult {
    let req: Compat = parse(&body)?;
    let status = req.status.unwrap_or(422);
    if status != 400 && status != 422 {
        return Err(ApiError::unprocessable("status must be 400 or 422"));
    }
    let mut c = control(&app)?;
    c.legacy_dispatch = !req.return_run_details;
    c.legacy_dispatch_status = status;
    Ok(reply(
        StatusCode::OK,
        json!({"return_run_details": req.return_run_details, "status": status}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeableLag {
    null_reads: u32,
}

/// `PUT /_sandbox/mergeable` `{"null_reads": N}`: after a pull request's head or base moves,
/// its first N reads answer `mergeable: null`, as GitHub does while it computes them.
pub async fn mergeable_lag(State(app): State<Shared>, body: Bytes) -> ApiResult {
    let req: MergeableLag = parse(&body)?;
    app.state.lock().await.mergeable_lag = req.null_reads;
    Ok(reply(StatusCode::OK, json!({"null_reads": req.null_reads})))
}

/// `PUT /_sandbox/chaos` with a [`ChaosConfig`]: seeded random faults from now on.
pub async fn set_chaos(State(app): State<Shared>, body: Bytes) -> ApiResult {
    let config: crate::chaos::ChaosConfig = parse(&body)?;
    if !(0.0..=1.0).contains(&config.rate) {
        return Err(ApiError::unprocessable("rate must be between 0.0 and 1.0"));
    }
    control(&app)?.chaos = Some(crate::chaos::Chaos::new(config.clone()));
    Ok(reply(StatusCode::OK, json!(config)))
}

/// `GET /_sandbox/chaos`: the settings and the faults injected so far, by kind.
pub async fn chaos(State(app): State<Shared>) -> ApiResult {
    let c = control(&app)?;
    Ok(reply(
        StatusCode::OK,
        match &c.chaos {
            Some(ch) => json!({"config": ch.config, "injected": ch.injected}),
            None => json!({"config": null, "injected": {}}),
        },
    ))
}

/// `PUT /_sandbox/chaos/expiry` with `{"after": n}`: the chaos token expires after `n` more
/// requests (401 `Bad credentials` from then on); `{"after": null}`: a new token, valid again.
pub async fn chaos_expiry(State(app): State<Shared>, body: Bytes) -> ApiResult {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Expiry {
        after: Option<u64>,
    }
    let req: Expiry = parse(&body)?;
    let mut c = control(&app)?;
    let Some(chaos) = c.chaos.as_mut() else {
        return Err(ApiError::unprocessable(
            "no chaos is set: PUT /_sandbox/chaos first",
        ));
    };
    chaos.expire_after = req.after;
    Ok(reply(StatusCode::OK, json!({"after": req.after})))
}

/// `DELETE /_sandbox/chaos`: no more chaos.
pub async fn clear_chaos(State(app): State<Shared>) -> ApiResult {
    control(&app)?.chaos = None;
    Ok(no_content())
}
