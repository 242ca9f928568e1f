//! Releases: creating one (and its tag), finding one by its tag, editing one.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::common::{Shared, authorize, parse, reply};
use crate::error::{ApiError, ApiResult};
use crate::middleware::Caller;
use crate::ops;
use crate::seed::Permission;
use crate::shapes;
use crate::state::Release;

#[derive(Deserialize)]
struct CreateRelease {
    tag_name: String,
    target_commitish: Option<String>,
    name: Option<String>,
    body: Option<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    prerelease: bool,
}

/// `POST /repos/{owner}/{repo}/releases`
pub async fn create_release(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateRelease = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    if st.repos[&k]
        .releases
        .iter()
        .any(|x| x.tag_name == req.tag_name)
    {
        return Err(ApiError::validation(
            "Release",
            "tag_name",
            "already_exists",
            None,
        ));
    }
    let target = req
        .target_commitish
        .clone()
        .unwrap_or_else(|| st.repos[&k].default_branch.clone());
    let tag_ref = format!("refs/tags/{}", req.tag_name);
    if !st.repos[&k].refs.contains_key(&tag_ref) && !req.draft {
        let Some(sha) = st.repos[&k].resolve(&target).await? else {
            return Err(ApiError::validation(
                "Release",
                "target_commitish",
                "invalid",
                None,
            ));
        };
        ops::set_ref(&app.base, &mut st, &k, &tag_ref, Some(&sha), &c.login).await?;
    }
    let (id, now) = (st.id(), st.now());
    let rel = Release {
        id,
        tag_name: req.tag_name,
        target_commitish: target,
        name: req.name,
        body: req.body,
        draft: req.draft,
        prerelease: req.prerelease,
        author: c.login.clone(),
        created: now,
    };
    let full = st.repos[&k].full_name();
    let body = shapes::release(&app.base, &st, &full, &rel);
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.releases.push(rel);
    }
    Ok(reply(StatusCode::CREATED, body))
}

/// `GET /repos/{owner}/{repo}/releases/tags/{tag}`
pub async fn release_by_tag(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, tag)): Path<(String, String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let rel = repo
        .releases
        .iter()
        .find(|x| x.tag_name == tag && !x.draft)
        .ok_or_else(ApiError::not_found)?;
    Ok(reply(
        StatusCode::OK,
        shapes::release(&app.base, &st, &repo.full_name(), rel),
    ))
}

/// What `PATCH …/releases/{id}` may change; a field left out stays as it is (`make_latest` and
/// `discussion_category_name` are accepted and ignored: the sandbox models neither).
#[derive(Deserialize)]
struct UpdateRelease {
    tag_name: Option<String>,
    target_commitish: Option<String>,
    name: Option<String>,
    body: Option<String>,
    draft: Option<bool>,
    prerelease: Option<bool>,
}

/// `PATCH /repos/{owner}/{repo}/releases/{release_id}`: edits a release (write access); 404 for
/// an id that is no release of this repository, 422 `already_exists` for a `tag_name` another
/// release has. Publishing a draft creates its tag at `target_commitish` when missing, as
/// `POST …/releases` does.
pub async fn update_release(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: UpdateRelease = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let id: u64 = id.parse().map_err(|_| ApiError::not_found())?;
    let Some(i) = st.repos[&k].releases.iter().position(|x| x.id == id) else {
        return Err(ApiError::not_found());
    };
    if let Some(tag) = &req.tag_name
        && st.repos[&k]
            .releases
            .iter()
            .any(|x| x.id != id && &x.tag_name == tag)
    {
        return Err(ApiError::validation(
            "Release",
            "tag_name",
            "already_exists",
            None,
        ));
    }
    let mut rel = st.repos[&k].releases[i].clone();
    if let Some(tag) = req.tag_name {
        rel.tag_name = tag;
    }
    if let Some(target) = req.target_commitish {
        rel.target_commitish = target;
    }
    if req.name.is_some() {
        rel.name = req.name;
    }
    if req.body.is_some() {
        rel.body = req.body;
    }
    if let Some(draft) = req.draft {
        rel.draft = draft;
    }
    if let Some(prerelease) = req.prerelease {
        rel.prerelease = prerelease;
    }
    let tag_ref = format!("refs/tags/{}", rel.tag_name);
    if !rel.draft && !st.repos[&k].refs.contains_key(&tag_ref) {
        let Some(sha) = st.repos[&k].resolve(&rel.target_commitish).await? else {
            return Err(ApiError::validation(
                "Release",
                "target_commitish",
                "invalid",
                None,
            ));
        };
        ops::set_ref(&app.base, &mut st, &k, &tag_ref, Some(&sha), &c.login).await?;
    }
    let full = st.repos[&k].full_name();
    let answer = shapes::release(&app.base, &st, &full, &rel);
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.releases[i] = rel;
    }
    Ok(reply(StatusCode::OK, answer))
}
