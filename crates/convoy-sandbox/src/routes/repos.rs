//! Repositories, branches, collaborator permissions and git refs.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use super::paging::PageQuery;
use crate::error::{ApiError, ApiResult};
use crate::json;
use crate::middleware::Caller;
use crate::ops;
use crate::seed::Permission;

/// `GET /repos/{owner}/{repo}`
pub async fn get_repo(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let mut v = json::repo(&app.base, &st, &st.repos[&k]);
    let p = c.permission(&st, &st.repos[&k].full_name());
    v["permissions"] = json!({
        "admin": p >= Permission::Admin, "maintain": p >= Permission::Maintain,
        "push": p >= Permission::Write, "triage": p >= Permission::Triage, "pull": p >= Permission::Read,
    });
    Ok(reply(StatusCode::OK, v))
}

/// `GET /repos/{owner}/{repo}/branches/{branch}` (slashes encoded or not), and
/// `GET …/branches/{branch}/protection` (the router's catch-all takes both).
pub async fn get_branch(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, b)): Path<(String, String, String)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    if let Some(name) = b.strip_suffix("/protection")
        && !st.repos[&k].refs.contains_key(&format!("refs/heads/{b}"))
    {
        return branch_protection(&app.base, &st, &k, name);
    }
    let sha = st.repos[&k]
        .branch(&b)
        .cloned()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Branch not found"))?;
    let info = st.commit(&k, &sha).await?;
    let full = st.repos[&k].full_name();
    let protection = st.repos[&k].protection.get(&b).cloned().unwrap_or_default();
    Ok(reply(
        StatusCode::OK,
        json::branch(&app.base, &st, &full, &b, &info, &protection),
    ))
}

/// `GET …/branches/{branch}/protection`: classic protection, 404 `Branch not protected`.
fn branch_protection(base: &str, st: &crate::state::State, k: &str, name: &str) -> ApiResult {
    let repo = &st.repos[k];
    if repo.branch(name).is_none() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Branch not found"));
    }
    match repo.protection.get(name) {
        Some(p) if p.is_protected() => {
            let url = format!(
                "{}/branches/{name}/protection",
                json::repo_url(base, &repo.full_name())
            );
            Ok(reply(StatusCode::OK, p.classic_json(&url)))
        }
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "Branch not protected")),
    }
}

/// `GET /repos/{owner}/{repo}/rules/branches/{branch}`: the rules that apply to a branch, in
/// ruleset form (`[]` for an unprotected branch, as GitHub answers; a branch that does not
/// exist has no rules either).
pub async fn branch_rules(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r, b)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let rules = st.repos[&k]
        .protection
        .get(&b)
        .map(|p| p.rules_json())
        .unwrap_or_default();
    let paged = super::paging::paginate(rules, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

/// `GET /repos/{owner}/{repo}/collaborators/{username}/permission`
pub async fn permission(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, u)): Path<(String, String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    if st.user(&u).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("{u} is not a user"),
        ));
    }
    let p = st.permission(&u, &st.repos[&k].full_name());
    let mut user = json::user(&app.base, &st, &u);
    user["role_name"] = json!(p.role_name());
    user["permissions"] = json!({
        "admin": p >= Permission::Admin, "maintain": p >= Permission::Maintain,
        "push": p >= Permission::Write, "triage": p >= Permission::Triage, "pull": p >= Permission::Read,
    });
    Ok(reply(
        StatusCode::OK,
        json!({"permission": p.legacy(), "role_name": p.role_name(), "user": user}),
    ))
}

fn full_ref(name: &str) -> String {
    let name = name.trim_start_matches('/');
    if name.starts_with("refs/") {
        name.to_owned()
    } else {
        format!("refs/{name}")
    }
}

/// `GET /repos/{owner}/{repo}/git/ref/{ref}`
pub async fn get_ref(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, name)): Path<(String, String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let refname = full_ref(&name);
    let repo = &st.repos[&k];
    let sha = repo.refs.get(&refname).ok_or_else(ApiError::not_found)?;
    Ok(reply(
        StatusCode::OK,
        json::git_ref(&app.base, &repo.full_name(), &refname, sha),
    ))
}

/// `GET /repos/{owner}/{repo}/git/matching-refs/{ref}`
pub async fn matching_refs(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, name)): Path<(String, String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let prefix = full_ref(&name);
    let repo = &st.repos[&k];
    let full = repo.full_name();
    let refs: Vec<_> = repo
        .refs
        .iter()
        .filter(|(n, _)| n.starts_with(&prefix))
        .map(|(n, sha)| json::git_ref(&app.base, &full, n, sha))
        .collect();
    Ok(reply(StatusCode::OK, json!(refs)))
}

#[derive(Deserialize)]
struct CreateRef {
    #[serde(rename = "ref")]
    name: String,
    sha: String,
}

/// `POST /repos/{owner}/{repo}/git/refs`
pub async fn create_ref(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateRef = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    if !req.name.starts_with("refs/") || req.name.matches('/').count() < 2 {
        return Err(ApiError::unprocessable(
            "Reference name must start with 'refs/' and have at least two slashes.",
        ));
    }
    if !crate::git::valid_ref_name(&req.name) {
        return Err(ApiError::unprocessable(format!(
            "{} is not a valid ref name.",
            req.name
        )));
    }
    if st.repos[&k].refs.contains_key(&req.name) {
        return Err(ApiError::unprocessable("Reference already exists"));
    }
    let sha = match st.repos[&k].git.resolve_commit(&req.sha).await? {
        Some(s) if s.eq_ignore_ascii_case(&req.sha) => s,
        _ => return Err(ApiError::unprocessable("Object does not exist")),
    };
    ops::set_ref(&app.base, &mut st, &k, &req.name, Some(&sha), &c.login).await?;
    let full = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::CREATED,
        json::git_ref(&app.base, &full, &req.name, &sha),
    ))
}

#[derive(Deserialize)]
struct UpdateRef {
    sha: String,
    #[serde(default)]
    force: bool,
}

/// `PATCH /repos/{owner}/{repo}/git/refs/{ref}`
pub async fn update_ref(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, name)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: UpdateRef = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let refname = full_ref(&name);
    let Some(old) = st.repos[&k].refs.get(&refname).cloned() else {
        return Err(ApiError::unprocessable("Reference does not exist"));
    };
    refuse_protected_push(&st, &k, &refname, &c.login)?;
    let git = st.repos[&k].git.clone();
    let sha = match git.resolve_commit(&req.sha).await? {
        Some(s) if s.eq_ignore_ascii_case(&req.sha) => s,
        _ => return Err(ApiError::unprocessable("Object does not exist")),
    };
    if !req.force && !git.is_ancestor(&old, &sha).await? {
        return Err(ApiError::unprocessable("Update is not a fast forward"));
    }
    ops::set_ref(&app.base, &mut st, &k, &refname, Some(&sha), &c.login).await?;
    let full = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::OK,
        json::git_ref(&app.base, &full, &refname, &sha),
    ))
}

/// `DELETE /repos/{owner}/{repo}/git/refs/{ref}`
pub async fn delete_ref(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, name)): Path<(String, String, String)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let refname = full_ref(&name);
    if !st.repos[&k].refs.contains_key(&refname) {
        return Err(ApiError::unprocessable("Reference does not exist"));
    }
    if refname == format!("refs/heads/{}", st.repos[&k].default_branch) {
        return Err(ApiError::unprocessable("Cannot delete the default branch"));
    }
    refuse_protected_push(&st, &k, &refname, &c.login)?;
    ops::set_ref(&app.base, &mut st, &k, &refname, None, &c.login).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// 422 with GitHub's rule-violation text when `refname` is a branch that takes changes only
/// through pull requests and `login` does not bypass its rules.
fn refuse_protected_push(
    st: &crate::state::State,
    k: &str,
    refname: &str,
    login: &str,
) -> ApiResult<()> {
    let branch = refname.strip_prefix("refs/heads/").unwrap_or_default();
    match st.repos[k].protection.get(branch) {
        Some(p) if p.refuses_push(login) => Err(ApiError::unprocessable(
            crate::protection::rule_violation_message(),
        )),
        _ => Ok(()),
    }
}

/// An empty 204 answer.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
