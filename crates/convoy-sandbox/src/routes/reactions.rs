//! Reactions to issue comments, as GitHub answers them: one reaction per person and content, so
//! reacting again answers 200 with the reaction that exists (a new one answers 201).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use crate::error::{ApiError, ApiResult};
use crate::middleware::Caller;
use crate::seed::Permission;
use crate::shapes;
use crate::state::Reaction;

/// The contents GitHub takes.
const CONTENTS: [&str; 8] = [
    "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes",
];

#[derive(Deserialize)]
struct NewReaction {
    content: String,
}

/// Paging of `GET …/reactions`.
#[derive(Deserialize)]
pub struct ListQuery {
    per_page: Option<usize>,
    page: Option<usize>,
}

/// `POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions`
pub async fn create(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: NewReaction = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    if st.comments.get(&id).is_none_or(|x| x.repo != k) {
        return Err(ApiError::not_found());
    }
    if !CONTENTS.contains(&req.content.as_str()) {
        return Err(ApiError::validation("Reaction", "content", "invalid", None));
    }
    if let Some(existing) = st
        .reactions
        .iter()
        .find(|x| x.comment == id && x.user == c.login && x.content == req.content)
    {
        let v = shapes::reaction(&app.base, &st, existing);
        return Ok(reply(StatusCode::OK, v));
    }
    let (rid, now) = (st.id(), st.now());
    let reaction = Reaction {
        id: rid,
        comment: id,
        user: c.login.clone(),
        content: req.content,
        created: now,
    };
    let v = shapes::reaction(&app.base, &st, &reaction);
    st.reactions.push(reaction);
    Ok(reply(StatusCode::CREATED, v))
}

/// `GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions`
pub async fn list(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r, id)): Path<(String, String, u64)>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    if st.comments.get(&id).is_none_or(|x| x.repo != k) {
        return Err(ApiError::not_found());
    }
    let list: Vec<_> = st
        .reactions
        .iter()
        .filter(|x| x.comment == id)
        .map(|x| shapes::reaction(&app.base, &st, x))
        .collect();
    let paged = super::paging::paginate(list, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}
