//! Actions: workflows, dispatch, runs; repository dispatch.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::http::Uri;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Shared, authorize, parse, reply};
use super::repos::no_content;
use crate::error::{ApiError, ApiResult};
use crate::middleware::Caller;
use crate::runs::{self, Found, Trigger, finish, run_json, workflows};
use crate::seed::Permission;
use crate::shapes;
use crate::state::{Run, State as SandboxState};
use crate::webhooks;
use crate::workflow;

async fn find(st: &SandboxState, k: &str, wanted: &str) -> ApiResult<Found> {
    let default = st.repos[k].default_branch.clone();
    workflows(st, k, &default)
        .await?
        .into_iter()
        .find(|w| {
            w.id.to_string() == wanted
                || w.path.rsplit('/').next() == Some(wanted)
                || w.path == wanted
        })
        .ok_or_else(ApiError::not_found)
}

/// `GET /repos/{owner}/{repo}/actions/workflows`
pub async fn list_workflows(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let found = workflows(&st, &k, &repo.default_branch).await?;
    let list: Vec<_> = found
        .iter()
        .map(|w| {
            shapes::workflow(
                &app.base,
                &repo.full_name(),
                w.id,
                &w.file.name,
                &w.path,
                repo.created,
            )
        })
        .collect();
    Ok(reply(
        StatusCode::OK,
        json!({"total_count": list.len(), "workflows": list}),
    ))
}

#[derive(Deserialize)]
struct Dispatch {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    inputs: Option<Map<String, Value>>,
    #[serde(default)]
    return_run_details: Option<bool>,
}

/// `POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches`
pub async fn dispatch(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, w)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: Dispatch = parse(&body)?;
    let legacy = app
        .control
        .lock()
        .map(|c| c.legacy_dispatch.then_some(c.legacy_dispatch_status))
        .unwrap_or(None);
    if let Some(status) = legacy
        && req.return_run_details.is_some()
    {
        return Err(ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
        ));
    }
    if req.inputs.as_ref().is_some_and(|i| i.len() > 25) {
        return Err(ApiError::unprocessable(
            "you may only define up to 25 `inputs` for a `workflow_dispatch` event",
        ));
    }
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let found = find(&st, &k, &w).await?;
    let branch = req
        .reference
        .strip_prefix("refs/heads/")
        .unwrap_or(&req.reference)
        .to_owned();
    let Some(head_sha) = st.repos[&k].resolve(&req.reference).await? else {
        return Err(ApiError::unprocessable(format!(
            "No ref found for: {}",
            req.reference
        )));
    };
    // The definition at the dispatched ref decides inputs and run-name, as on GitHub.
    let at_ref = workflows(&st, &k, &head_sha)
        .await?
        .into_iter()
        .find(|f| f.path == found.path);
    let file = at_ref.map_or(found.file, |f| f.file);
    let Some(declared) = file.dispatch.clone() else {
        return Err(ApiError::unprocessable(
            "Workflow does not have 'workflow_dispatch' trigger",
        ));
    };
    let given = req.inputs.clone().unwrap_or_default();
    // GitHub names them sorted, as a JSON array: `Unexpected inputs provided: ["a", "b"]`.
    let mut unexpected: Vec<&String> = given
        .keys()
        .filter(|k| !declared.contains_key(*k))
        .collect();
    unexpected.sort();
    if !unexpected.is_empty() {
        let names: Vec<String> = unexpected
            .iter()
            .map(|s| Value::String((*s).clone()).to_string())
            .collect();
        return Err(ApiError::unprocessable(format!(
            "Unexpected inputs provided: [{}]",
            names.join(", ")
        )));
    }
    let mut inputs = Map::new();
    for (name, input) in &declared {
        match (given.get(name), &input.default) {
            (Some(v), _) => {
                inputs.insert(name.clone(), v.clone());
            }
            (None, _) if input.required => {
                return Err(ApiError::unprocessable(format!(
                    "Required input '{name}' not provided"
                )));
            }
            (None, Some(d)) => {
                inputs.insert(name.clone(), json!(d));
            }
            (None, None) => {}
        }
    }
    let display_title = match &file.run_name {
        Some(t) => workflow::render(t, &inputs),
        None => file.name.clone(),
    };
    let payload =
        json!({"inputs": inputs, "ref": format!("refs/heads/{branch}"), "workflow": found.path});
    webhooks::emit(
        &app.base,
        &mut st,
        &k,
        "workflow_dispatch",
        &c.login,
        payload,
    );
    let wf = Found { file, ..found };
    let trigger = Trigger {
        event: "workflow_dispatch",
        branch: &branch,
        sha: &head_sha,
        title: display_title,
        actor: &c.login,
        inputs: Value::Object(inputs),
    };
    let id = runs::create(&app.base, &mut st, &k, &wf, trigger).await?;
    if req.return_run_details == Some(true) {
        let full = st.repos[&k].full_name();
        return Ok(reply(
            StatusCode::OK,
            json!({
                "workflow_run_id": id,
                "run_url": format!("{}/repos/{full}/actions/runs/{id}", app.base),
                "html_url": format!("{}/{full}/actions/runs/{id}", app.base),
            }),
        ));
    }
    Ok(no_content())
}

/// Filters of run listings.
#[derive(Deserialize)]
pub struct RunQuery {
    event: Option<String>,
    branch: Option<String>,
    status: Option<String>,
    actor: Option<String>,
    head_sha: Option<String>,
    per_page: Option<usize>,
    page: Option<usize>,
}

async fn runs(
    app: &Shared,
    c: &Caller,
    uri: &Uri,
    o: &str,
    r: &str,
    workflow: Option<&str>,
    q: RunQuery,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, c, o, r, Permission::Read)?;
    let wid = match workflow {
        Some(w) => Some(find(&st, &k, w).await?.id),
        None => None,
    };
    let status_ok = |run: &Run, s: &str| match s {
        "queued" | "in_progress" | "completed" | "requested" | "waiting" | "pending" => {
            run.status == s
        }
        other => run.conclusion.as_deref() == Some(other),
    };
    let mut ids: Vec<u64> = st
        .runs
        .values()
        .filter(|run| run.repo == k && wid.is_none_or(|w| run.workflow_id == w))
        .filter(|run| q.event.as_ref().is_none_or(|e| run.event == *e))
        .filter(|run| q.branch.as_ref().is_none_or(|b| run.head_branch == *b))
        .filter(|run| q.actor.as_ref().is_none_or(|a| run.actor == *a))
        .filter(|run| q.head_sha.as_ref().is_none_or(|h| run.head_sha == *h))
        .filter(|run| q.status.as_ref().is_none_or(|s| status_ok(run, s)))
        .map(|run| run.id)
        .collect();
    ids.reverse();
    let paged = super::paging::paginate(ids, q.page, q.per_page, &app.base, uri);
    let mut list = Vec::new();
    for id in &paged.items {
        list.push(run_json(&app.base, &mut st, *id).await?);
    }
    Ok(paged.link(reply(
        StatusCode::OK,
        json!({"total_count": paged.total, "workflow_runs": list}),
    )))
}

/// `GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs`
pub async fn list_runs(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r, w)): Path<(String, String, String)>,
    Query(q): Query<RunQuery>,
) -> ApiResult {
    runs(&app, &c, &uri, &o, &r, Some(&w), q).await
}

/// `GET /repos/{owner}/{repo}/actions/runs`
pub async fn list_repo_runs(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r)): Path<(String, String)>,
    Query(q): Query<RunQuery>,
) -> ApiResult {
    runs(&app, &c, &uri, &o, &r, None, q).await
}

fn run_in_repo(st: &SandboxState, k: &str, id: u64) -> ApiResult<()> {
    match st.runs.get(&id) {
        Some(run) if run.repo == k => Ok(()),
        _ => Err(ApiError::not_found()),
    }
}

/// `GET /repos/{owner}/{repo}/actions/runs/{run_id}`
pub async fn get_run(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    run_in_repo(&st, &k, id)?;
    Ok(reply(
        StatusCode::OK,
        run_json(&app.base, &mut st, id).await?,
    ))
}

/// `POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel`
pub async fn cancel_run(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    run_in_repo(&st, &k, id)?;
    finish(&app.base, &mut st, id, "cancelled").await?;
    Ok(reply(StatusCode::ACCEPTED, json!({})))
}

#[derive(Deserialize)]
struct RepositoryDispatch {
    event_type: String,
    #[serde(default)]
    client_payload: Option<Value>,
}

/// `POST /repos/{owner}/{repo}/dispatches`
pub async fn repository_dispatch(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: RepositoryDispatch = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    if req.event_type.is_empty() || req.event_type.len() > 100 {
        return Err(ApiError::validation(
            "Repository",
            "event_type",
            "invalid",
            None,
        ));
    }
    let branch = st.repos[&k].default_branch.clone();
    let payload = json!({
        "action": req.event_type,
        "branch": branch,
        "client_payload": req.client_payload.unwrap_or_else(|| json!({})),
    });
    webhooks::emit(
        &app.base,
        &mut st,
        &k,
        "repository_dispatch",
        &c.login,
        payload,
    );
    Ok(no_content())
}
