//! GitHub App endpoints: an App's installations and installation tokens (with the App's JWT),
//! and the repositories an installation token reaches. The model is [`crate::apps`].

use std::collections::BTreeMap;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{Shared, parse, reply};
use crate::apps::{AccessLevel, Minted, Repositories, SeedApp, SeedInstallation, TOKEN_LIFETIME};
use crate::error::{ApiError, ApiResult};
use crate::json::{owner, repo as repo_json, ts};
use crate::middleware::{Caller, Via};
use crate::state::{EPOCH, State as SandboxState, fnv};

/// Paging of the App's lists.
#[derive(Deserialize)]
pub struct PageQuery {
    per_page: Option<usize>,
    page: Option<usize>,
}

/// The App a JWT caller is, else GitHub's 401 for any other token on an App endpoint.
fn app_of<'a>(st: &'a SandboxState, c: &Caller) -> Result<&'a SeedApp, ApiError> {
    let Via::Jwt { app } = c.via else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            crate::apps::UNDECODABLE,
        ));
    };
    st.apps
        .iter()
        .find(|a| a.id == app)
        .ok_or_else(ApiError::not_found)
}

/// GitHub's `installation` object.
fn installation(base: &str, st: &SandboxState, app: &SeedApp, i: &SeedInstallation) -> Value {
    let account = owner(base, st, &i.account);
    let target_type = account["type"]
        .as_str()
        .unwrap_or("Organization")
        .to_owned();
    json!({
        "id": i.id,
        "account": account,
        "repository_selection": i.repositories.selection(),
        "access_tokens_url": format!("{base}/app/installations/{}/access_tokens", i.id),
        "repositories_url": format!("{base}/installation/repositories"),
        "html_url": format!("{base}/organizations/{}/settings/installations/{}", i.account, i.id),
        "app_id": app.id,
        "app_slug": app.slug,
        "target_id": account["id"],
        "target_type": target_type,
        "permissions": permissions(&app.permissions),
        "events": [],
        "created_at": ts(EPOCH),
        "updated_at": ts(EPOCH),
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "suspended_by": null,
        "suspended_at": null,
    })
}

fn permissions(p: &BTreeMap<String, AccessLevel>) -> Value {
    json!(
        p.iter()
            .map(|(k, v)| (k.clone(), json!(v.as_str())))
            .collect::<serde_json::Map<_, _>>()
    )
}

/// `GET /app/installations` (as the App): its installations, oldest first.
pub async fn list_installations(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let a = app_of(&st, &c)?;
    let items: Vec<Value> = a
        .installations
        .iter()
        .map(|i| installation(&app.base, &st, a, i))
        .collect();
    let paged = super::paging::paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

/// `GET /repos/{owner}/{repo}/installation` (as the App): the installation that reaches the
/// repository; 404 when the App is not installed on its owner or the repository is not selected.
pub async fn repo_installation(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let a = app_of(&st, &c)?;
    let Some(repo) = st.repos.get(&crate::state::key(&o, &r)) else {
        return Err(ApiError::not_found());
    };
    let full = repo.full_name();
    let i = a
        .installation_on(&repo.owner)
        .filter(|i| i.repositories.includes(&full))
        .ok_or_else(ApiError::not_found)?;
    Ok(reply(StatusCode::OK, installation(&app.base, &st, a, i)))
}

/// The body of `POST /app/installations/{id}/access_tokens`: narrower repositories or
/// permissions (both optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    #[serde(default)]
    repositories: Option<Vec<String>>,
    #[serde(default)]
    repository_ids: Option<Vec<u64>>,
    #[serde(default)]
    permissions: Option<BTreeMap<String, AccessLevel>>,
}

/// `POST /app/installations/{id}/access_tokens` (as the App): a token for the installation,
/// valid one hour of the sandbox's clock, with the App's permissions (or fewer, when asked), on
/// the installation's repositories (or some of them, when asked).
pub async fn create_token(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let req: TokenRequest = parse(&body)?;
    let mut st = app.state.lock().await;
    let a = app_of(&st, &c)?.clone();
    let i = a
        .installations
        .iter()
        .find(|i| i.id == id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let reachable = |full: &str| {
        st.repos.values().any(|r| {
            r.full_name().eq_ignore_ascii_case(full) && r.owner.eq_ignore_ascii_case(&i.account)
        }) && i.repositories.includes(full)
    };
    let mut narrowed: Option<Vec<String>> = None;
    for name in req.repositories.iter().flatten() {
        let full = if name.contains('/') {
            name.clone()
        } else {
            format!("{}/{name}", i.account)
        };
        if !reachable(&full) {
            return Err(ApiError::unprocessable(
                "There is at least one repository that does not exist or is not accessible to the parent installation.",
            ));
        }
        narrowed.get_or_insert_with(Vec::new).push(full);
    }
    for rid in req.repository_ids.iter().flatten() {
        let Some(full) = st
            .repos
            .values()
            .find(|r| r.id == *rid)
            .map(crate::state::Repo::full_name)
            .filter(|f| reachable(f))
        else {
            return Err(ApiError::unprocessable(
                "There is at least one repository that does not exist or is not accessible to the parent installation.",
            ));
        };
        narrowed.get_or_insert_with(Vec::new).push(full);
    }
    let granted = match req.permissions {
        None => a.permissions.clone(),
        Some(asked) => {
            if asked
                .iter()
                .any(|(k, v)| a.permissions.get(k).is_none_or(|have| have < v))
            {
                return Err(ApiError::unprocessable(
                    "The permissions requested are not granted to this installation.",
                ));
            }
            asked
        }
    };
    let n = st.minted.len() as u64 + 1;
    let token = format!("ghs_{:016x}{:020}", fnv(&format!("{}:{id}:{n}", a.id)), n);
    let expires = st.clock + TOKEN_LIFETIME;
    let selection = if narrowed.is_some() {
        "selected"
    } else {
        i.repositories.selection()
    };
    st.minted.insert(
        token.clone(),
        Minted {
            app: a.id,
            installation: id,
            repositories: narrowed,
            permissions: granted.clone(),
            expires,
        },
    );
    Ok(reply(
        StatusCode::CREATED,
        json!({
            "token": token,
            "expires_at": ts(expires),
            "permissions": permissions(&granted),
            "repository_selection": selection,
        }),
    ))
}

/// `GET /installation/repositories` (as an installation): the repositories the token reaches.
pub async fn accessible_repos(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let Via::Installation { id, .. } = &c.via else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "You must authenticate with an installation access token in order to list repositories for an installation.",
        ));
    };
    let Some((_, i)) = st.installation(*id) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials"));
    };
    let selection = i.repositories.selection();
    let items: Vec<Value> = st
        .repos
        .values()
        .filter(|r| c.permission(&st, &r.full_name()) > crate::seed::Permission::None)
        .map(|r| {
            let mut v = repo_json(&app.base, &st, r);
            if let Some(o) = v.as_object_mut() {
                // The token's own permissions are not shown here (GitHub leaves them out).
                o.remove("permissions");
            }
            v
        })
        .collect();
    let paged = super::paging::paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(
        StatusCode::OK,
        json!({
            "total_count": paged.total,
            "repository_selection": selection,
            "repositories": paged.items,
        }),
    )))
}

/// `PUT /_sandbox/apps/{app}/installations/{account}` `{"id", "repositories"}`: installs the App
/// on an owner (or changes which repositories it reaches) → 200 the installation.
pub async fn install(
    State(app): State<Shared>,
    Path((app_id, account)): Path<(u64, String)>,
    body: Bytes,
) -> ApiResult {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Install {
        id: Option<u64>,
        #[serde(default)]
        repositories: Repositories,
    }
    let req: Install = parse(&body)?;
    let mut st = app.state.lock().await;
    if let Repositories::Selected(list) = &req.repositories
        && let Some(bad) = list.iter().find(|r| {
            !r.split_once('/')
                .is_some_and(|(o, _)| o.eq_ignore_ascii_case(&account))
                || !st.repos.contains_key(&r.to_ascii_lowercase())
        })
    {
        return Err(ApiError::unprocessable(format!(
            "{bad} is not a repository of {account}"
        )));
    }
    let taken: Vec<u64> = st
        .apps
        .iter()
        .flat_map(|a| a.installations.iter().map(|i| i.id))
        .collect();
    let Some(a) = st.apps.iter_mut().find(|a| a.id == app_id) else {
        return Err(ApiError::not_found());
    };
    let existing = a
        .installations
        .iter()
        .position(|i| i.account.eq_ignore_ascii_case(&account));
    match existing {
        Some(pos) => a.installations[pos].repositories = req.repositories,
        None => {
            let id = req
                .id
                .unwrap_or_else(|| taken.iter().copied().max().unwrap_or(0).max(100) + 1);
            if taken.contains(&id) {
                return Err(ApiError::unprocessable(format!(
                    "installation {id} already exists"
                )));
            }
            a.installations.push(SeedInstallation {
                id,
                account: account.clone(),
                repositories: req.repositories,
            });
        }
    }
    let a = a.clone();
    let i = a
        .installation_on(&account)
        .ok_or_else(ApiError::not_found)?;
    Ok(reply(StatusCode::OK, installation(&app.base, &st, &a, i)))
}

/// `DELETE /_sandbox/apps/{app}/installations/{account}`: uninstalls the App from an owner; its
/// tokens stop working → 204.
pub async fn uninstall(
    State(app): State<Shared>,
    Path((app_id, account)): Path<(u64, String)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let Some(a) = st.apps.iter_mut().find(|a| a.id == app_id) else {
        return Err(ApiError::not_found());
    };
    a.installations
        .retain(|i| !i.account.eq_ignore_ascii_case(&account));
    Ok(super::repos::no_content())
}

/// `POST /_sandbox/clock` `{"advance_seconds"}`: moves the sandbox's clock forward (installation
/// tokens expire by it) → `{"now"}`.
pub async fn advance_clock(State(app): State<Shared>, body: Bytes) -> ApiResult {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        advance_seconds: u32,
    }
    let req: Advance = parse(&body)?;
    let mut st = app.state.lock().await;
    st.clock += i64::from(req.advance_seconds);
    Ok(reply(StatusCode::OK, json!({"now": ts(st.clock)})))
}
