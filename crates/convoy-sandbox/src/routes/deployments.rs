//! Deployments, deployment statuses and environments, as GitHub's REST API serves them
//! ("REST API endpoints for deployments", "… for deployment statuses"; the model and GitHub's
//! rules are [`crate::deployments`]).
//!
//! Writing needs write access to the repository, and an App's installation token the
//! `deployments` permission at `write`; reading needs read access (and `deployments: read`).
//! `deployment` and `deployment_status` (`created`) webhooks are delivered.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header::LOCATION};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{Shared, authorize, authorize_area, parse, reply};
use super::paging::{PageQuery, paginate};
use crate::apps::AccessLevel;
use crate::deployments::{
    ACTIVE_DELETE, Deployment, DeploymentStatus, MAX_DESCRIPTION, STATES, contexts_refusal,
    deployment_json, deployment_url, environment_json, status_json, webhook_deployment,
};
use crate::error::{ApiError, ApiResult};
use crate::git::MergeOutcome;
use crate::middleware::{Caller, Via};
use crate::ops::{self, author_ident, committer_ident};
use crate::seed::Permission;
use crate::state::State as SandboxState;
use crate::webhooks;

/// The App permission the deployment endpoints check.
const AREA: &str = "deployments";

/// The App whose installation token `c` is, if it is one.
fn app_of(st: &SandboxState, c: &Caller) -> Option<u64> {
    match &c.via {
        Via::Installation { id, .. } => st.installation(*id).map(|(a, _)| a.id),
        _ => None,
    }
}

/// A 201 with the new resource's `Location`.
fn created(body: Value, location: &str) -> Response {
    let mut resp = reply(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

/// The body of `POST …/deployments`.
#[derive(Deserialize)]
struct CreateDeployment {
    #[serde(rename = "ref")]
    ref_name: Option<String>,
    task: Option<String>,
    auto_merge: Option<bool>,
    required_contexts: Option<Vec<String>>,
    payload: Option<Value>,
    environment: Option<String>,
    description: Option<String>,
    transient_environment: Option<bool>,
    production_environment: Option<bool>,
}

/// `auto_merge` on a ref behind the default branch: GitHub merges the default branch into it
/// and answers 202 instead of creating a deployment, or 409 when the merge conflicts. Only a
/// branch can take a merge: for a SHA or a tag that is behind, GitHub's texts say nothing, and
/// the sandbox gives the conservative answer, the same 409 (nothing is moved, nothing is
/// deployed; `auto_merge: false` deploys it as it is). A branch that refuses pushes
/// (`pull_request_only`) refuses the merge the same way.
async fn auto_merge(
    base: &str,
    st: &mut SandboxState,
    k: &str,
    login: &str,
    ref_name: &str,
    (sha, tip, default): (&str, &str, &str),
) -> ApiResult {
    let conflict = || {
        ApiError::new(
            StatusCode::CONFLICT,
            // GitHub's documented text ("Merge conflict response"), without a final stop.
            format!("Conflict merging {default} into {ref_name}"),
        )
    };
    let repo = &st.repos[k];
    let branch = if repo.branch(ref_name).is_some() {
        ref_name
    } else {
        match ref_name.strip_prefix("refs/heads/") {
            Some(b) if repo.branch(b).is_some() => b,
            _ => return Err(conflict()),
        }
    };
    if repo
        .protection
        .get(branch)
        .is_some_and(|p| p.refuses_push(login))
    {
        return Err(conflict());
    }
    let git = repo.git.clone();
    let MergeOutcome::Clean(tree) = git.merge_tree(sha, tip, None).await? else {
        return Err(conflict());
    };
    let now = st.now();
    let merged = git
        .commit_tree(
            &tree,
            &[sha, tip],
            &format!("Merge {default} into {branch}"),
            &author_ident(login, now),
            &committer_ident(now),
        )
        .await?;
    let refname = format!("refs/heads/{branch}");
    ops::set_ref(base, st, k, &refname, Some(&merged), login).await?;
    Ok(reply(
        StatusCode::ACCEPTED,
        json!({"message": format!("Auto-merged {default} into {ref_name} on deployment.")}),
    ))
}

/// What a handler needs of the caller: to read or to write the repository's deployments.
#[derive(Clone, Copy)]
enum Access {
    Read,
    Write,
}

/// The caller's access to `repo`'s deployments, as GitHub checks it: the repository permission
/// (read or write), and for an App installation token the `deployments` permission at the same
/// level (403 "Resource not accessible by integration" without it). The repository's key.
fn access(st: &SandboxState, c: &Caller, repo: (&str, &str), need: Access) -> ApiResult<String> {
    let (permission, level) = match need {
        Access::Read => (Permission::Read, AccessLevel::Read),
        Access::Write => (Permission::Write, AccessLevel::Write),
    };
    authorize_area(st, c, repo, permission, (AREA, level))
}

/// `POST /repos/{owner}/{repo}/deployments`: 201 the deployment; 202 after an auto-merge; 409
/// on a merge conflict or failed status checks; 422 for an unknown ref.
pub async fn create(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateDeployment = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Write)?;
    let Some(ref_name) = req.ref_name else {
        return Err(ApiError::unprocessable(
            "Invalid request.\n\n\"ref\" wasn't supplied.",
        ));
    };
    let payload = match req.payload {
        None | Some(Value::Null) => json!({}),
        Some(p @ (Value::Object(_) | Value::String(_))) => p,
        Some(_) => {
            return Err(ApiError::validation(
                "Deployment",
                "payload",
                "invalid",
                None,
            ));
        }
    };
    let Some(sha) = st.repos[&k].resolve(&ref_name).await? else {
        return Err(ApiError::unprocessable(format!(
            "No ref found for: {ref_name}"
        )));
    };
    let repo = &st.repos[&k];
    let default = repo.default_branch.clone();
    if req.auto_merge.unwrap_or(true)
        && let Some(tip) = repo.branch(&default).cloned()
        && !repo.git.is_ancestor(&tip, &sha).await?
    {
        return auto_merge(
            &app.base,
            &mut st,
            &k,
            &c.login,
            &ref_name,
            (&sha, &tip, &default),
        )
        .await;
    }
    if let Some(e) = contexts_refusal(&st, &k, &sha, &ref_name, req.required_contexts.as_deref()) {
        return Err(e);
    }
    let environment = req.environment.unwrap_or_else(|| "production".to_owned());
    let new_env = (!st.repos[&k].deployments.has_environment(&environment)).then(|| st.id());
    let (id, now) = (st.id(), st.now());
    let d = Deployment {
        id,
        sha,
        ref_name,
        task: req.task.unwrap_or_else(|| "deploy".to_owned()),
        payload,
        original_environment: environment.clone(),
        production_environment: req
            .production_environment
            .unwrap_or(environment == "production"),
        environment,
        description: req.description,
        creator: c.login.clone(),
        app: app_of(&st, &c),
        transient_environment: req.transient_environment.unwrap_or(false),
        created: now,
        updated: now,
        statuses: Vec::new(),
    };
    let full = st.repos[&k].full_name();
    let body = deployment_json(&app.base, &st, &full, &d);
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.deployments
            .touch_environment(&d.environment, new_env, now);
        repo.deployments.list.push(d);
    }
    let payload = json!({
        "action": "created",
        "deployment": webhook_deployment(body.clone()),
        "workflow": null,
        "workflow_run": null,
    });
    webhooks::emit(&app.base, &mut st, &k, "deployment", &c.login, payload);
    Ok(created(body, &deployment_url(&app.base, &full, id)))
}

/// Filters of `GET …/deployments`.
#[derive(Deserialize)]
pub struct ListQuery {
    sha: Option<String>,
    #[serde(rename = "ref")]
    ref_name: Option<String>,
    task: Option<String>,
    environment: Option<String>,
    per_page: Option<usize>,
    page: Option<usize>,
}

/// `GET /repos/{owner}/{repo}/deployments` (`sha`, `ref`, `task`, `environment`): newest
/// first, a page of them.
pub async fn list(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Read)?;
    let repo = &st.repos[&k];
    let full = repo.full_name();
    let matches = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    let items: Vec<Value> = repo
        .deployments
        .list
        .iter()
        .rev()
        .filter(|d| {
            matches(&q.sha, &d.sha)
                && matches(&q.ref_name, &d.ref_name)
                && matches(&q.task, &d.task)
                && matches(&q.environment, &d.environment)
        })
        .map(|d| deployment_json(&app.base, &st, &full, d))
        .collect();
    let paged = paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

/// The deployment `id` of repository `k`, else 404.
fn find(st: &SandboxState, k: &str, id: u64) -> ApiResult<Deployment> {
    st.repos[k]
        .deployments
        .get(id)
        .cloned()
        .ok_or_else(ApiError::not_found)
}

/// `GET /repos/{owner}/{repo}/deployments/{deployment_id}`.
pub async fn get(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Read)?;
    let d = find(&st, &k, id)?;
    let full = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::OK,
        deployment_json(&app.base, &st, &full, &d),
    ))
}

/// `DELETE /repos/{owner}/{repo}/deployments/{deployment_id}`: 204. GitHub: "If the
/// repository only has one deployment, you can delete the deployment regardless of its status.
/// If the repository has more than one deployment, you can only delete inactive deployments"
/// (see [`Deployment::is_inactive`]); else 422 with GitHub's text, which speaks of "a given
/// environment" where the documentation counts the repository's deployments: the sandbox counts
/// as documented.
pub async fn delete(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Write)?;
    let d = find(&st, &k, id)?;
    if st.repos[&k].deployments.list.len() > 1 && !d.is_inactive() {
        let mut e = ApiError::unprocessable("Validation Failed");
        e.errors = vec![json!(ACTIVE_DELETE)];
        return Err(e);
    }
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.deployments.list.retain(|x| x.id != id);
    }
    Ok(super::repos::no_content())
}

/// The body of `POST …/deployments/{id}/statuses`.
#[derive(Deserialize)]
struct CreateStatus {
    state: Option<String>,
    target_url: Option<String>,
    log_url: Option<String>,
    description: Option<String>,
    environment: Option<String>,
    environment_url: Option<String>,
    auto_inactive: Option<bool>,
}

/// A deployment status refused as GitHub words it.
fn invalid_status(field: &str, message: &str) -> ApiError {
    ApiError::validation("DeploymentStatus", field, "custom", Some(message))
}

/// `POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`: 201 the status. The
/// deployment moves to the status's `environment` (by default the one it is in); `log_url` sets
/// `target_url` too; a `success` with `auto_inactive` (default true) adds an `inactive` status
/// to what it supersedes ([`crate::deployments::Deployments::superseded`]). 422 for a state
/// GitHub does not know, a description over 140 characters, an `environment_url` that is not
/// http(s).
pub async fn create_status(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateStatus = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Write)?;
    let d = find(&st, &k, id)?;
    let Some(state) = req.state else {
        return Err(ApiError::unprocessable(
            "Invalid request.\n\n\"state\" wasn't supplied.",
        ));
    };
    if !STATES.contains(&state.as_str()) {
        return Err(invalid_status("state", "state is not included in the list"));
    }
    let description = req.description.unwrap_or_default();
    // GitHub counts characters, not bytes.
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(invalid_status(
            "description",
            "description is too long (maximum is 140 characters)",
        ));
    }
    let environment_url = req.environment_url.unwrap_or_default();
    if !environment_url.is_empty()
        && !environment_url.starts_with("https://")
        && !environment_url.starts_with("http://")
    {
        return Err(invalid_status(
            "environment_url",
            "environment_url must use http(s) scheme",
        ));
    }
    let environment = req
        .environment
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| d.environment.clone());
    // "Setting `log_url` will automatically set `target_url` to the same value."
    let url = req.log_url.or(req.target_url).unwrap_or_default();
    let new_env = (!st.repos[&k].deployments.has_environment(&environment)).then(|| st.id());
    let (sid, now) = (st.id(), st.now());
    let app_id = app_of(&st, &c);
    let status = DeploymentStatus {
        id: sid,
        state,
        creator: c.login.clone(),
        app: app_id,
        description,
        environment: environment.clone(),
        target_url: url.clone(),
        log_url: url,
        environment_url,
        created: now,
    };
    let superseded = if status.state == "success" && req.auto_inactive.unwrap_or(true) {
        st.repos[&k].deployments.superseded(id, &environment)
    } else {
        Vec::new()
    };
    let mut inactive = Vec::new();
    for _ in &superseded {
        inactive.push(st.id());
    }
    let Some(repo) = st.repos.get_mut(&k) else {
        return Err(ApiError::not_found());
    };
    repo.deployments
        .touch_environment(&environment, new_env, now);
    for (other, iid) in superseded.iter().zip(inactive) {
        if let Some(o) = repo.deployments.get_mut(*other) {
            let env = o.environment.clone();
            o.updated = now;
            o.statuses.push(DeploymentStatus {
                id: iid,
                state: "inactive".into(),
                creator: c.login.clone(),
                app: app_id,
                description: String::new(),
                environment: env,
                target_url: String::new(),
                log_url: String::new(),
                environment_url: String::new(),
                created: now,
            });
        }
    }
    let Some(dep) = repo.deployments.get_mut(id) else {
        return Err(ApiError::not_found());
    };
    dep.environment = environment;
    dep.updated = now;
    dep.statuses.push(status.clone());
    let dep = dep.clone();
    let full = repo.full_name();
    let body = status_json(&app.base, &st, &full, id, &status);
    let payload = json!({
        "action": "created",
        "deployment_status": body.clone(),
        "deployment": webhook_deployment(deployment_json(&app.base, &st, &full, &dep)),
    });
    webhooks::emit(
        &app.base,
        &mut st,
        &k,
        "deployment_status",
        &c.login,
        payload,
    );
    let location = body["url"].as_str().unwrap_or_default().to_owned();
    Ok(created(body, &location))
}

/// `GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`: newest first, a page.
pub async fn list_statuses(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Read)?;
    let d = find(&st, &k, id)?;
    let full = st.repos[&k].full_name();
    let items: Vec<Value> = d
        .statuses
        .iter()
        .rev()
        .map(|s| status_json(&app.base, &st, &full, id, s))
        .collect();
    let paged = paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

/// `GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}`.
pub async fn get_status(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id, sid)): Path<(String, String, u64, u64)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = access(&st, &c, (&o, &r), Access::Read)?;
    let d = find(&st, &k, id)?;
    let s = d
        .statuses
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(ApiError::not_found)?;
    let full = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::OK,
        status_json(&app.base, &st, &full, id, s),
    ))
}

/// `GET /repos/{owner}/{repo}/environments`: the environments deployments created, oldest
/// first, a page, with `total_count`. GitHub: "Anyone with read access to the repository can
/// use this endpoint" (no App permission area is checked).
pub async fn environments(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let full = repo.full_name();
    let items: Vec<Value> = repo
        .deployments
        .environments
        .iter()
        .map(|e| environment_json(&app.base, &full, e))
        .collect();
    let paged = paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(
        StatusCode::OK,
        json!({"total_count": paged.total, "environments": paged.items}),
    )))
}
