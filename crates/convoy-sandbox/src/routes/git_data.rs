//! The Git data API: reading and creating commit objects (`GET/POST …/git/commits`) and reading
//! blobs (`GET …/git/blobs/{sha}`, the way to read a file over 1 MB).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use crate::error::{ApiError, ApiResult};
use crate::json;
use crate::middleware::Caller;
use crate::ops::{author_ident, committer_ident};
use crate::seed::Permission;

/// `GET /repos/{owner}/{repo}/git/commits/{commit_sha}`
pub async fn get_commit(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, sha)): Path<(String, String, String)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let git = st.repos[&k].git.clone();
    // GitHub looks commits up by their full id only.
    let full = match git.resolve_commit(&sha).await? {
        Some(s) if s.eq_ignore_ascii_case(&sha) => s,
        _ => return Err(ApiError::not_found()),
    };
    let info = st.commit(&k, &full).await?;
    let name = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::OK,
        json::git_commit(&app.base, &name, &info),
    ))
}

#[derive(Deserialize)]
struct CreateCommit {
    message: String,
    tree: String,
    #[serde(default)]
    parents: Vec<String>,
}

/// `POST /repos/{owner}/{repo}/git/commits`: a commit object with `tree` and `parents`, authored
/// by the caller and committed by GitHub at the sandbox's logical time. No ref moves.
pub async fn create_commit(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateCommit = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let git = st.repos[&k].git.clone();
    let Some(tree) = git.resolve_tree(&req.tree).await? else {
        return Err(ApiError::unprocessable("Tree SHA does not exist"));
    };
    let mut parents = Vec::with_capacity(req.parents.len());
    for p in &req.parents {
        match git.resolve_commit(p).await? {
            Some(s) if s.eq_ignore_ascii_case(p) => parents.push(s),
            _ => {
                return Err(ApiError::unprocessable(
                    "Parent SHA does not exist or is not a commit object",
                ));
            }
        }
    }
    let now = st.now();
    let refs: Vec<&str> = parents.iter().map(String::as_str).collect();
    let sha = git
        .commit_tree(
            &tree,
            &refs,
            &req.message,
            &author_ident(&c.login, now),
            &committer_ident(now),
        )
        .await?;
    let info = st.commit(&k, &sha).await?;
    let name = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::CREATED,
        json::git_commit(&app.base, &name, &info),
    ))
}

/// `GET /repos/{owner}/{repo}/git/blobs/{file_sha}`: a blob's content in base64 (wrapped at 60
/// characters, as GitHub does), whatever its size up to the sandbox's limits.
pub async fn get_blob(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, sha)): Path<(String, String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let Some(full) = repo.git.resolve_blob(&sha).await? else {
        return Err(ApiError::not_found());
    };
    let content = repo.git.read_blob(&full).await?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&content);
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(60)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    let url = format!(
        "{}/git/blobs/{full}",
        json::repo_url(&app.base, &repo.full_name())
    );
    Ok(reply(
        StatusCode::OK,
        json!({
            "sha": full,
            "node_id": json::node_id("Blob", crate::state::fnv(&full)),
            "size": content.len(),
            "url": url,
            "content": wrapped.join("\n") + "\n",
            "encoding": "base64",
        }),
    ))
}
