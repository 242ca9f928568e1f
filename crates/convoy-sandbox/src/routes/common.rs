//! What the route handlers share: the router's state, authorization, request bodies and
//! JSON answers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::apps::AccessLevel;
use crate::error::{ApiError, ApiResult};
use crate::middleware::{Caller, Via};
use crate::seed::Permission;
use crate::state::{App, State, key};

/// The router's shared state.
pub type Shared = Arc<App>;

/// Checks that `caller` may act on the repository with at least `need`; returns its key.
/// No access gives 404 (GitHub hides what you cannot see: a token of one installation gets 404
/// on the repositories of another), too little gives 403.
pub fn authorize(
    st: &State,
    caller: &Caller,
    owner: &str,
    repo: &str,
    need: Permission,
) -> ApiResult<String> {
    let k = key(owner, repo);
    let Some(r) = st.repos.get(&k) else {
        return Err(ApiError::not_found());
    };
    let have = caller.permission(st, &r.full_name());
    if have == Permission::None {
        return Err(ApiError::not_found());
    }
    if have < need {
        let by = match caller.via {
            crate::middleware::Via::User => "personal access token",
            _ => "integration",
        };
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("Resource not accessible by {by}"),
        ));
    }
    Ok(k)
}

/// [`authorize`], and for an App's installation token also its permission for the endpoint's
/// area (`deployments`, …) at `level` or above: without it, GitHub's 403 `Resource not
/// accessible by integration`, as for a role too weak. A user's token has no areas: its role
/// decides.
pub fn authorize_area(
    st: &State,
    caller: &Caller,
    (owner, repo): (&str, &str),
    need: Permission,
    (area, level): (&str, AccessLevel),
) -> ApiResult<String> {
    let k = authorize(st, caller, owner, repo, need)?;
    if let Via::Installation { permissions, .. } = &caller.via
        && permissions.get(area).is_none_or(|have| *have < level)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        ));
    }
    Ok(k)
}

/// Parses a JSON request body (an empty body reads as `{}`).
pub fn parse<T: DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        if e.inner().is_data() {
            ApiError::unprocessable(format!("Invalid request.\n\n{e}"))
        } else {
            ApiError::bad_json(e)
        }
    })
}

/// A JSON answer.
pub fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}
