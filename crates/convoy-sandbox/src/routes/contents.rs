//! Contents, commits (with their statuses and check runs) and comparisons.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse as _;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::checks;
use super::common::{Shared, authorize, parse, reply};
use super::paging::PageQuery;
use crate::error::{ApiError, ApiResult};
use crate::json::{self, repo_url};
use crate::middleware::Caller;
use crate::ops;
use crate::seed::Permission;
use crate::state::State as SandboxState;

/// `?ref=` of contents reads.
#[derive(Deserialize, Default)]
pub struct RefQuery {
    #[serde(rename = "ref")]
    name: Option<String>,
}

fn entry(
    base: &str,
    full: &str,
    reference: &str,
    kind: &str,
    path: &str,
    sha: &str,
    size: u64,
) -> Value {
    let u = format!("{}/contents/{path}?ref={reference}", repo_url(base, full));
    let git = format!(
        "{}/git/{}/{sha}",
        repo_url(base, full),
        if kind == "dir" { "trees" } else { "blobs" }
    );
    let html = format!(
        "{base}/{full}/{}/{reference}/{path}",
        if kind == "dir" { "tree" } else { "blob" }
    );
    json!({
        "type": kind,
        "size": size,
        "name": path.rsplit('/').next().unwrap_or(path),
        "path": path,
        "sha": sha,
        "url": u,
        "git_url": git,
        "html_url": html,
        "download_url": if kind == "file" { json!(format!("{base}/{full}/raw/{reference}/{path}")) } else { Value::Null },
        "_links": {"self": u, "git": git, "html": html},
    })
}

async fn read(app: &Shared, c: &Caller, o: &str, r: &str, path: &str, q: RefQuery) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, c, o, r, Permission::Read)?;
    let repo = &st.repos[&k];
    let reference = q.name.unwrap_or_else(|| repo.default_branch.clone());
    let sha = repo.resolve(&reference).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("No commit found for the ref {reference}"),
        )
    })?;
    let full = repo.full_name();
    let path = path.trim_matches('/');
    let listing = |entries: Vec<crate::git::TreeEntry>| {
        entries
            .iter()
            .map(|e| {
                let kind = match e.kind.as_str() {
                    "tree" => "dir",
                    "commit" => "submodule",
                    _ => "file",
                };
                entry(&app.base, &full, &reference, kind, &e.path, &e.sha, e.size)
            })
            .collect::<Vec<_>>()
    };
    if path.is_empty() {
        let entries = repo.git.ls_tree(&sha, "", true).await?;
        return Ok(reply(StatusCode::OK, json!(listing(entries))));
    }
    let found = repo.git.ls_tree(&sha, path, false).await?;
    let Some(e) = found.into_iter().next() else {
        return Err(ApiError::not_found());
    };
    if e.kind == "tree" {
        let entries = repo.git.ls_tree(&sha, path, true).await?;
        return Ok(reply(StatusCode::OK, json!(listing(entries))));
    }
    let content = repo.git.read_blob(&e.sha).await?;
    let mut v = entry(
        &app.base, &full, &reference, "file", &e.path, &e.sha, e.size,
    );
    if content.len() > INLINE_CONTENT_MAX {
        v["content"] = json!("");
        v["encoding"] = json!("none");
        return Ok(reply(StatusCode::OK, v));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&content);
    // GitHub wraps base64 content at 60 characters per line.
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(60)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    v["content"] = json!(wrapped.join("\n"));
    v["encoding"] = json!("base64");
    Ok(reply(StatusCode::OK, v))
}

/// `GET /repos/{owner}/{repo}/contents`
pub async fn get_root(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    Query(q): Query<RefQuery>,
) -> ApiResult {
    read(&app, &c, &o, &r, "", q).await
}

/// `GET /repos/{owner}/{repo}/contents/{path}`. With `Accept: application/vnd.github.raw` a
/// file's bytes come back as they are; otherwise, as on GitHub, a file over 1 MB comes back with
/// an empty `content` and `encoding: none` (read it raw or through the blobs API).
pub async fn get(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, p)): Path<(String, String, String)>,
    Query(q): Query<RefQuery>,
    headers: axum::http::HeaderMap,
) -> ApiResult {
    let raw = headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("vnd.github.raw") || v.contains("vnd.github.v3.raw"));
    if raw {
        return read_raw(&app, &c, &o, &r, &p, q).await;
    }
    read(&app, &c, &o, &r, &p, q).await
}

/// The largest file whose content the Contents API returns inline (GitHub: 1 MB).
pub const INLINE_CONTENT_MAX: usize = 1024 * 1024;

/// A file's bytes for the raw media type.
async fn read_raw(
    app: &Shared,
    c: &Caller,
    o: &str,
    r: &str,
    path: &str,
    q: RefQuery,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, c, o, r, Permission::Read)?;
    let repo = &st.repos[&k];
    let reference = q.name.unwrap_or_else(|| repo.default_branch.clone());
    let sha = repo
        .resolve(&reference)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let path = path.trim_matches('/');
    let found = repo.git.ls_tree(&sha, path, false).await?;
    let Some(e) = found.into_iter().find(|e| e.kind == "blob") else {
        return Err(ApiError::not_found());
    };
    let content = repo.git.read_blob(&e.sha).await?;
    Ok((
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/vnd.github.raw",
        )],
        content,
    )
        .into_response())
}

#[derive(Deserialize)]
struct PutFile {
    message: String,
    content: String,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    committer: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    author: Option<Value>,
}

/// `PUT /repos/{owner}/{repo}/contents/{path}`
pub async fn put(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, p)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: PutFile = parse(&body)?;
    let cleaned: String = req.content.chars().filter(|c| !c.is_whitespace()).collect();
    let content = base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|_| ApiError::unprocessable("content is not valid Base64"))?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let path = p.trim_matches('/').to_owned();
    if !crate::git::valid_path(&path) {
        return Err(ApiError::unprocessable(
            "path contains a malformed path component",
        ));
    }
    let repo = &st.repos[&k];
    let branch = req
        .branch
        .clone()
        .unwrap_or_else(|| repo.default_branch.clone());
    let Some(tip) = repo.branch(&branch).cloned() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Branch {branch} not found"),
        ));
    };
    if repo
        .protection
        .get(&branch)
        .is_some_and(|p| p.refuses_push(&c.login))
    {
        // GitHub answers a write that a rule forbids with 409 and the rule's words, not with
        // the "does not match" of a stale blob sha.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            crate::protection::rule_violation_message(),
        ));
    }
    let existing = repo
        .git
        .ls_tree(&tip, &path, false)
        .await?
        .into_iter()
        .next();
    let created = match (&existing, &req.sha) {
        (Some(e), _) if e.kind != "blob" => {
            return Err(ApiError::unprocessable(format!("{path} is a directory")));
        }
        (Some(_), None) => {
            return Err(ApiError::unprocessable(
                "Invalid request.\n\n\"sha\" wasn't supplied.",
            ));
        }
        (Some(e), Some(sha)) if !e.sha.eq_ignore_ascii_case(sha) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("{path} does not match {sha}"),
            ));
        }
        (Some(_), Some(_)) => false,
        (None, Some(sha)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("{path} does not match {sha}"),
            ));
        }
        (None, None) => true,
    };
    let files = [(path.clone(), Some(content))];
    let sha = ops::commit_files(
        &app.base,
        &mut st,
        &k,
        &branch,
        &files,
        &req.message,
        &c.login,
    )
    .await?;
    let info = st.commit(&k, &sha).await?;
    let repo = &st.repos[&k];
    let full = repo.full_name();
    let e = repo
        .git
        .ls_tree(&sha, &path, false)
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    let body = json!({
        "content": entry(&app.base, &full, &branch, "file", &path, &e.sha, e.size),
        "commit": json::git_commit(&app.base, &full, &info),
    });
    Ok(reply(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        body,
    ))
}

async fn resolve(st: &SandboxState, k: &str, rev: &str) -> ApiResult<String> {
    st.repos[k]
        .resolve(rev)
        .await?
        .ok_or_else(|| ApiError::unprocessable(format!("No commit found for SHA: {rev}")))
}

/// `GET /repos/{owner}/{repo}/commits/{ref}` and its `/statuses`, `/status`, `/check-runs`.
pub async fn commits(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r, rest)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    for (suffix, which) in [("/statuses", 0), ("/status", 1), ("/check-runs", 2)] {
        if let Some(rev) = rest.strip_suffix(suffix) {
            let st = app.state.lock().await;
            let k = authorize(&st, &c, &o, &r, Permission::Read)?;
            let sha = resolve(&st, &k, rev).await?;
            let page = checks::Page {
                query: &q,
                base: &app.base,
                uri: &uri,
            };
            return Ok(match which {
                0 => checks::statuses_for(&st, &k, &sha, &page),
                1 => checks::combined_for(&st, &k, &sha, &page),
                _ => checks::check_runs_for(&app.base, &st, &k, &sha),
            });
        }
    }
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let sha = resolve(&st, &k, &rest).await?;
    let info = st.commit(&k, &sha).await?;
    let git = st.repos[&k].git.clone();
    let files = match info.parents.first() {
        Some(p) => git.diff(p, &sha).await?,
        None => {
            git.diff("4b825dc642cb6eb9a060e54bf8d69288fbee4904", &sha)
                .await?
        }
    };
    let full = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::OK,
        json::commit(&app.base, &st, &full, &info, Some(&files)),
    ))
}

/// `GET /repos/{owner}/{repo}/compare/{base}...{head}`
pub async fn compare(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, bh)): Path<(String, String, String)>,
) -> ApiResult {
    let (b, h) = bh.split_once("...").ok_or_else(ApiError::not_found)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("No common ancestor between {b} and {h}."),
        )
    };
    let base_sha = st.repos[&k].resolve(b).await?.ok_or_else(not_found)?;
    let head_sha = st.repos[&k].resolve(h).await?.ok_or_else(not_found)?;
    let git = st.repos[&k].git.clone();
    let mb = git
        .merge_base(&base_sha, &head_sha)
        .await?
        .ok_or_else(not_found)?;
    let ahead = git.commits_between(&base_sha, &head_sha).await?;
    let behind = git.commits_between(&head_sha, &base_sha).await?;
    let files = git.diff(&mb, &head_sha).await?;
    let full = st.repos[&k].full_name();
    let status = match (ahead.is_empty(), behind.is_empty()) {
        (true, true) => "identical",
        (false, true) => "ahead",
        (true, false) => "behind",
        (false, false) => "diverged",
    };
    let mut commit_list = Vec::new();
    for sha in ahead.iter().take(250) {
        let info = st.commit(&k, sha).await?;
        commit_list.push(json::commit(&app.base, &st, &full, &info, None));
    }
    let base_info = st.commit(&k, &base_sha).await?;
    let mb_info = st.commit(&k, &mb).await?;
    let html = format!("{}/{full}/compare/{b}...{h}", app.base);
    let body = json!({
        "url": format!("{}/compare/{b}...{h}", repo_url(&app.base, &full)),
        "html_url": html,
        "permalink_url": format!("{}/{full}/compare/{base_sha}...{head_sha}", app.base),
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "base_commit": json::commit(&app.base, &st, &full, &base_info, None),
        "merge_base_commit": json::commit(&app.base, &st, &full, &mb_info, None),
        "status": status,
        "ahead_by": ahead.len(),
        "behind_by": behind.len(),
        "total_commits": ahead.len(),
        "commits": commit_list,
        "files": files.iter().map(|f| json::diff_entry(&app.base, &full, &head_sha, f)).collect::<Vec<_>>(),
    });
    Ok(reply(StatusCode::OK, body))
}
