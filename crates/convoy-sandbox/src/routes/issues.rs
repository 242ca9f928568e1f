//! Issues, comments, labels and milestones.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{Shared, authorize, parse, reply};
use crate::error::{ApiError, ApiResult};
use crate::middleware::Caller;
use crate::seed::Permission;
use crate::shapes;
use crate::state::{Comment, Issue, Label, State as SandboxState};
use crate::webhooks;

/// Filters of `GET /issues`.
#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    labels: Option<String>,
    milestone: Option<String>,
    per_page: Option<usize>,
    page: Option<usize>,
}

/// `GET /repos/{owner}/{repo}/issues`
pub async fn list(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let state = q.state.as_deref().unwrap_or("open");
    let labels: Vec<&str> = q.labels.as_deref().map_or(Vec::new(), |l| {
        l.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    });
    let milestone_ok = |i: &Issue| match q.milestone.as_deref() {
        None => true,
        Some("*") => i.milestone.is_some(),
        Some("none") => i.milestone.is_none(),
        Some(n) => n.parse::<u64>().ok() == i.milestone,
    };
    let items: Vec<_> = repo
        .issues
        .values()
        .rev()
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| {
            labels
                .iter()
                .all(|l| i.labels.iter().any(|x| x.eq_ignore_ascii_case(l)))
        })
        .filter(|i| milestone_ok(i))
        .map(|i| shapes::issue(&app.base, &st, repo, i))
        .collect();
    let paged = super::paging::paginate(items, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

fn ensure_labels(st: &mut SandboxState, k: &str, names: &[String]) {
    for name in names {
        if st.repos.get(k).is_some_and(|r| r.labels.contains_key(name)) {
            continue;
        }
        let id = st.id();
        if let Some(repo) = st.repos.get_mut(k) {
            repo.labels.insert(
                name.clone(),
                Label {
                    id,
                    name: name.clone(),
                    color: "ededed".into(),
                },
            );
        }
    }
}

fn label_names(v: &[Value]) -> Vec<String> {
    v.iter()
        .filter_map(|l| {
            l.as_str()
                .map(str::to_owned)
                .or_else(|| l.get("name").and_then(Value::as_str).map(str::to_owned))
        })
        .collect()
}

#[derive(Deserialize)]
struct CreateIssue {
    title: Value,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    milestone: Option<Value>,
    #[serde(default)]
    labels: Option<Vec<Value>>,
    #[serde(default)]
    #[allow(dead_code)]
    assignees: Option<Vec<String>>,
}

fn milestone_number(st: &SandboxState, k: &str, v: &Value) -> ApiResult<Option<u64>> {
    match v {
        Value::Null => Ok(None),
        other => {
            let n = other
                .as_u64()
                .or_else(|| other.as_str().and_then(|s| s.parse().ok()));
            match n {
                Some(n) if st.repos[k].milestones.iter().any(|m| m.number == n) => Ok(Some(n)),
                _ => Err(ApiError::validation("Issue", "milestone", "invalid", None)),
            }
        }
    }
}

/// `POST /repos/{owner}/{repo}/issues`
pub async fn create(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateIssue = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let title = match &req.title {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(ApiError::validation(
                "Issue",
                "title",
                "missing_field",
                None,
            ));
        }
    };
    let milestone = match &req.milestone {
        Some(m) => milestone_number(&st, &k, m)?,
        None => None,
    };
    let labels = label_names(req.labels.as_deref().unwrap_or_default());
    ensure_labels(&mut st, &k, &labels);
    let number = st.repos[&k].next_number();
    let (id, now) = (st.id(), st.now());
    let issue = Issue {
        id,
        number,
        title,
        body: req.body,
        state: "open".into(),
        state_reason: None,
        user: c.login.clone(),
        labels,
        milestone,
        comments: 0,
        created: now,
        updated: now,
        closed: None,
        pull: None,
    };
    let body = shapes::issue(&app.base, &st, &st.repos[&k], &issue);
    if let Some(repo) = st.repos.get_mut(&k) {
        repo.issues.insert(number, issue);
    }
    webhooks::emit(
        &app.base,
        &mut st,
        &k,
        "issues",
        &c.login,
        json!({"action": "opened", "issue": body}),
    );
    Ok(reply(StatusCode::CREATED, body))
}

fn issue_exists(st: &SandboxState, k: &str, n: u64) -> ApiResult<()> {
    st.repos[k]
        .issues
        .get(&n)
        .map(drop)
        .ok_or_else(ApiError::not_found)
}

/// `GET /repos/{owner}/{repo}/issues/{number}`
pub async fn get(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let issue = repo.issues.get(&n).ok_or_else(ApiError::not_found)?;
    Ok(reply(
        StatusCode::OK,
        shapes::issue(&app.base, &st, repo, issue),
    ))
}

#[derive(Deserialize)]
struct UpdateIssue {
    title: Option<Value>,
    body: Option<String>,
    state: Option<String>,
    state_reason: Option<String>,
    milestone: Option<Value>,
    labels: Option<Vec<Value>>,
    #[serde(default)]
    #[allow(dead_code)]
    assignees: Option<Vec<String>>,
}

/// `PATCH /repos/{owner}/{repo}/issues/{number}`
pub async fn update(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let raw: Value = parse(&body)?;
    let req: UpdateIssue = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Triage)?;
    issue_exists(&st, &k, n)?;
    if req
        .state
        .as_deref()
        .is_some_and(|s| s != "open" && s != "closed")
    {
        return Err(ApiError::validation("Issue", "state", "invalid", None));
    }
    // GitHub's `state_reason` enum; the reason is ignored unless `state` changes.
    if req
        .state_reason
        .as_deref()
        .is_some_and(|r| !matches!(r, "completed" | "not_planned" | "duplicate" | "reopened"))
    {
        return Err(ApiError::validation(
            "Issue",
            "state_reason",
            "invalid",
            None,
        ));
    }
    // `"milestone": null` clears; an absent key keeps.
    let milestone = match raw.get("milestone") {
        Some(m) => Some(milestone_number(&st, &k, m)?),
        None => None,
    };
    let _ = req.milestone;
    let labels = req.labels.as_deref().map(label_names);
    if let Some(l) = &labels {
        ensure_labels(&mut st, &k, l);
    }
    let now = st.now();
    let mut actions = Vec::new();
    let mut milestone_changed = None;
    let Some(i) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
    else {
        return Err(ApiError::not_found());
    };
    let mut changes = serde_json::Map::new();
    if let Some(t) = req
        .title
        .as_ref()
        .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
    {
        changes.insert("title".into(), json!({"from": i.title}));
        i.title = t;
    }
    if let Some(b) = req.body {
        changes.insert("body".into(), json!({"from": i.body}));
        i.body = Some(b);
    }
    if !changes.is_empty() {
        actions.push(("edited", Some(Value::Object(changes))));
    }
    if let Some(m) = milestone {
        // (milestoned|demilestoned) payloads name the milestone set or removed.
        milestone_changed = m.or(i.milestone);
        i.milestone = m;
        actions.push((
            if m.is_some() {
                "milestoned"
            } else {
                "demilestoned"
            },
            None,
        ));
    }
    if let Some(l) = labels {
        i.labels = l;
    }
    match req.state.as_deref() {
        Some("closed") if i.state == "open" => {
            i.state = "closed".into();
            i.closed = Some(now);
            i.state_reason = Some(
                req.state_reason
                    .clone()
                    .unwrap_or_else(|| "completed".into()),
            );
            actions.push(("closed", None));
        }
        Some("open") if i.state == "closed" => {
            i.state = "open".into();
            i.closed = None;
            i.state_reason = Some("reopened".into());
            actions.push(("reopened", None));
        }
        _ => {}
    }
    i.updated = now;
    let body = shapes::issue(&app.base, &st, &st.repos[&k], &st.repos[&k].issues[&n]);
    for (action, changes) in actions {
        let mut payload = json!({"action": action, "issue": body});
        if let Some(ch) = changes {
            payload["changes"] = ch;
        }
        if action.ends_with("milestoned") {
            let repo = &st.repos[&k];
            let m = repo
                .milestones
                .iter()
                .find(|m| Some(m.number) == milestone_changed);
            payload["milestone"] =
                m.map_or(Value::Null, |m| shapes::milestone(&app.base, &st, repo, m));
        }
        webhooks::emit(&app.base, &mut st, &k, "issues", &c.login, payload);
    }
    Ok(reply(StatusCode::OK, body))
}

/// `GET /repos/{owner}/{repo}/issues/{number}/comments`
pub async fn list_comments(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r, n)): Path<(String, String, u64)>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    issue_exists(&st, &k, n)?;
    let list: Vec<_> = st
        .comments
        .values()
        .filter(|x| x.repo == k && x.issue == n)
        .map(|x| shapes::comment(&app.base, &st, &st.repos[&k], x))
        .collect();
    let paged = super::paging::paginate(list, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

#[derive(Deserialize)]
struct CommentBody {
    body: String,
}

/// Adds a comment as `login` and emits `issue_comment.created`; returns its JSON.
pub fn add_comment(
    base: &str,
    st: &mut SandboxState,
    k: &str,
    n: u64,
    login: &str,
    body: String,
) -> ApiResult<Value> {
    issue_exists(st, k, n)?;
    let (id, now) = (st.id(), st.now());
    let comment = Comment {
        id,
        repo: k.to_owned(),
        issue: n,
        user: login.to_owned(),
        body,
        created: now,
        updated: now,
    };
    if let Some(i) = st.repos.get_mut(k).and_then(|r| r.issues.get_mut(&n)) {
        i.comments += 1;
        i.updated = now;
    }
    let json_comment = shapes::comment(base, st, &st.repos[k], &comment);
    let issue = shapes::issue(base, st, &st.repos[k], &st.repos[k].issues[&n]);
    st.comments.insert(id, comment);
    webhooks::emit(
        base,
        st,
        k,
        "issue_comment",
        login,
        json!({"action": "created", "issue": issue, "comment": json_comment}),
    );
    Ok(json_comment)
}

/// `POST /repos/{owner}/{repo}/issues/{number}/comments`
pub async fn create_comment(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: CommentBody = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let v = add_comment(&app.base, &mut st, &k, n, &c.login, req.body)?;
    Ok(reply(StatusCode::CREATED, v))
}

/// `GET /repos/{owner}/{repo}/issues/comments/{comment_id}`
pub async fn get_comment(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let comment = st
        .comments
        .get(&id)
        .filter(|x| x.repo == k)
        .ok_or_else(ApiError::not_found)?;
    let v = shapes::comment(&app.base, &st, &st.repos[&k], comment);
    Ok(reply(StatusCode::OK, v))
}

/// `PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`
pub async fn update_comment(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, id)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: CommentBody = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let now = st.now();
    let comment = st
        .comments
        .get_mut(&id)
        .filter(|x| x.repo == k)
        .ok_or_else(ApiError::not_found)?;
    let from = std::mem::replace(&mut comment.body, req.body);
    comment.updated = now;
    let comment = comment.clone();
    let v = shapes::comment(&app.base, &st, &st.repos[&k], &comment);
    let issue = shapes::issue(
        &app.base,
        &st,
        &st.repos[&k],
        &st.repos[&k].issues[&comment.issue],
    );
    let payload = json!({"action": "edited", "issue": issue, "comment": v, "changes": {"body": {"from": from}}});
    webhooks::emit(&app.base, &mut st, &k, "issue_comment", &c.login, payload);
    Ok(reply(StatusCode::OK, v))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LabelsBody {
    List(Vec<Value>),
    Object { labels: Vec<Value> },
}

/// `POST /repos/{owner}/{repo}/issues/{number}/labels`
pub async fn add_labels(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: LabelsBody = parse(&body)?;
    let names = label_names(match &req {
        LabelsBody::List(l) | LabelsBody::Object { labels: l } => l,
    });
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Triage)?;
    issue_exists(&st, &k, n)?;
    ensure_labels(&mut st, &k, &names);
    let now = st.now();
    if let Some(i) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
    {
        for name in names {
            if !i.labels.contains(&name) {
                i.labels.push(name);
            }
        }
        i.updated = now;
    }
    Ok(reply(StatusCode::OK, labels_json(&app.base, &st, &k, n)))
}

fn labels_json(base: &str, st: &SandboxState, k: &str, n: u64) -> Value {
    let repo = &st.repos[k];
    let full = repo.full_name();
    let names = repo
        .issues
        .get(&n)
        .map(|i| i.labels.clone())
        .unwrap_or_default();
    json!(
        names
            .iter()
            .filter_map(|l| repo.labels.get(l))
            .map(|l| shapes::label(base, &full, l))
            .collect::<Vec<_>>()
    )
}

/// `DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name}`
pub async fn remove_label(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n, name)): Path<(String, String, u64, String)>,
) -> ApiResult {
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Triage)?;
    issue_exists(&st, &k, n)?;
    let now = st.now();
    let Some(i) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
    else {
        return Err(ApiError::not_found());
    };
    let before = i.labels.len();
    i.labels.retain(|l| !l.eq_ignore_ascii_case(&name));
    if i.labels.len() == before {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Label does not exist"));
    }
    i.updated = now;
    Ok(reply(StatusCode::OK, labels_json(&app.base, &st, &k, n)))
}

/// `GET /repos/{owner}/{repo}/milestones`
pub async fn milestones(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let repo = &st.repos[&k];
    let list: Vec<_> = repo
        .milestones
        .iter()
        .map(|m| shapes::milestone(&app.base, &st, repo, m))
        .collect();
    let paged = super::paging::paginate(list, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}
