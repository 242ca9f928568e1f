//! Reviews and branch updates of pull requests: `POST`/`GET …/pulls/{n}/reviews`,
//! `POST …/pulls/{n}/requested_reviewers` (users and teams), `PUT …/pulls/{n}/update-branch`,
//! with the `pull_request_review` and `pull_request` `review_requested` events GitHub sends.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::common::{Shared, authorize, parse, reply};
use super::paging::PageQuery;
use crate::error::{ApiError, ApiResult};
use crate::git::MergeOutcome;
use crate::middleware::Caller;
use crate::ops::{self, author_ident, committer_ident};
use crate::seed::Permission;
use crate::shapes;
use crate::state::Review;
use crate::teams;
use crate::webhooks;

/// The open pull request `n` of repository `k`: its head, base and author.
fn open_pull(
    st: &crate::state::State,
    k: &str,
    n: u64,
) -> ApiResult<(String, String, String, String)> {
    let issue = st.repos[k].issues.get(&n).ok_or_else(ApiError::not_found)?;
    let p = issue.pull.as_ref().ok_or_else(ApiError::not_found)?;
    Ok((
        p.head_ref.clone(),
        p.head_sha.clone(),
        p.base_ref.clone(),
        issue.user.clone(),
    ))
}

/// Body of `POST …/reviews`.
#[derive(Deserialize)]
pub struct CreateReview {
    commit_id: Option<String>,
    body: Option<String>,
    event: Option<String>,
}

/// `POST /repos/{owner}/{repo}/pulls/{number}/reviews`: a review on the head (or `commit_id`);
/// `APPROVE`, `REQUEST_CHANGES`, `COMMENT`, or pending without `event`.
pub async fn create(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: CreateReview = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    let (_, head_sha, _, author) = open_pull(&st, &k, n)?;
    let state = match req.event.as_deref() {
        None => "PENDING",
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        Some(_) => {
            return Err(ApiError::validation(
                "PullRequestReview",
                "event",
                "invalid",
                None,
            ));
        }
    };
    let body_text = req.body.unwrap_or_default();
    if author.eq_ignore_ascii_case(&c.login) && state != "COMMENTED" && state != "PENDING" {
        let what = if state == "APPROVED" {
            "approve"
        } else {
            "request changes on"
        };
        return Err(ApiError::unprocessable(format!(
            "Review Can not {what} your own pull request"
        )));
    }
    if state != "APPROVED" && state != "PENDING" && body_text.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "Review Body is required when the event is REQUEST_CHANGES or COMMENT",
        ));
    }
    let commit_id = req.commit_id.unwrap_or(head_sha);
    // A member's review answers the requests of the reviewer's teams.
    let owner = st.repos[&k].owner.clone();
    let answered: Vec<String> = st.repos[&k].issues[&n]
        .pull
        .iter()
        .flat_map(|p| &p.requested_teams)
        .filter(|slug| {
            teams::find(&st, &owner, slug).is_some_and(|t| teams::is_member(t, &c.login))
        })
        .cloned()
        .collect();
    let id = st.id();
    let now = st.now();
    let review = Review {
        id,
        user: c.login.clone(),
        state: state.to_owned(),
        body: body_text,
        commit_id,
        submitted: now,
    };
    if let Some(p) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
        .and_then(|i| i.pull.as_mut())
    {
        p.reviews.push(review.clone());
        if state != "PENDING" {
            p.requested_reviewers
                .retain(|l| !l.eq_ignore_ascii_case(&c.login));
            p.requested_teams.retain(|slug| !answered.contains(slug));
        }
    }
    let v = shapes::review(&app.base, &st, &st.repos[&k], n, &review);
    if state != "PENDING" {
        let pr = ops::pull_json(&app.base, &mut st, &k, n).await?;
        let mut event_review = v.clone();
        event_review["state"] = json!(state.to_ascii_lowercase());
        let payload = json!({"action": "submitted", "review": event_review, "pull_request": pr});
        webhooks::emit(
            &app.base,
            &mut st,
            &k,
            "pull_request_review",
            &c.login,
            payload,
        );
    }
    Ok(reply(StatusCode::OK, v))
}

/// `GET /repos/{owner}/{repo}/pulls/{number}/reviews`, oldest first.
pub async fn list(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    OriginalUri(uri): OriginalUri,
    Path((o, r, n)): Path<(String, String, u64)>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Read)?;
    open_pull(&st, &k, n)?;
    let repo = &st.repos[&k];
    let reviews: Vec<_> = repo.issues[&n]
        .pull
        .iter()
        .flat_map(|p| &p.reviews)
        .filter(|rv| rv.state != "PENDING" || rv.user == c.login)
        .map(|rv| shapes::review(&app.base, &st, repo, n, rv))
        .collect();
    let paged = super::paging::paginate(reviews, q.page, q.per_page, &app.base, &uri);
    Ok(paged.link(reply(StatusCode::OK, json!(paged.items))))
}

/// Body of `POST …/requested_reviewers`.
#[derive(Deserialize)]
pub struct RequestReviewers {
    #[serde(default)]
    reviewers: Vec<String>,
    #[serde(default)]
    team_reviewers: Vec<String>,
}

/// `POST /repos/{owner}/{repo}/pulls/{number}/requested_reviewers`: 201 with the pull request;
/// 422 for the author, someone who is not a collaborator, or a team slug that names no team of
/// the repository's owner with access to it.
pub async fn request_reviewers(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: RequestReviewers = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Triage)?;
    let (_, _, _, author) = open_pull(&st, &k, n)?;
    let full = st.repos[&k].full_name();
    if req
        .reviewers
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&author))
    {
        return Err(ApiError::unprocessable(
            "Review cannot be requested from pull request author.",
        ));
    }
    let outsider = req
        .reviewers
        .iter()
        .any(|l| st.user(l).is_none() || st.permission(l, &full) < Permission::Read);
    let owner = st.repos[&k].owner.clone();
    let no_team = req
        .team_reviewers
        .iter()
        .any(|slug| teams::find(&st, &owner, slug).is_none_or(|t| t.permission < Permission::Read));
    if outsider || no_team {
        return Err(ApiError::unprocessable(format!(
            "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {full} repository."
        )));
    }
    // Teams are kept by their seeded slug, whatever case the request used.
    let slugs: Vec<String> = req
        .team_reviewers
        .iter()
        .filter_map(|s| teams::find(&st, &owner, s).map(|t| t.slug.clone()))
        .collect();
    let mut added = Vec::new();
    let mut added_teams = Vec::new();
    if let Some(p) = st
        .repos
        .get_mut(&k)
        .and_then(|repo| repo.issues.get_mut(&n))
        .and_then(|i| i.pull.as_mut())
    {
        for login in &req.reviewers {
            if !p.requested_reviewers.iter().any(|l| l == login) {
                p.requested_reviewers.push(login.clone());
                added.push(login.clone());
            }
        }
        for slug in slugs {
            if !p.requested_teams.contains(&slug) {
                p.requested_teams.push(slug.clone());
                added_teams.push(slug);
            }
        }
    }
    let pr = ops::pull_json(&app.base, &mut st, &k, n).await?;
    for login in added {
        let reviewer = crate::json::user(&app.base, &st, &login);
        let payload = json!({"action": "review_requested", "number": n, "requested_reviewer": reviewer, "pull_request": pr});
        webhooks::emit(&app.base, &mut st, &k, "pull_request", &c.login, payload);
    }
    for slug in added_teams {
        let team = teams::json(&app.base, &st, &owner, &slug);
        let payload = json!({"action": "review_requested", "number": n, "requested_team": team, "pull_request": pr});
        webhooks::emit(&app.base, &mut st, &k, "pull_request", &c.login, payload);
    }
    let repo = &st.repos[&k];
    Ok(reply(
        StatusCode::CREATED,
        shapes::pull(&app.base, &st, repo, &repo.issues[&n], None),
    ))
}

/// Body of `PUT …/update-branch`.
#[derive(Deserialize)]
pub struct UpdateBranch {
    expected_head_sha: Option<String>,
}

/// `PUT /repos/{owner}/{repo}/pulls/{number}/update-branch`: merges the base into the head
/// branch (a new head SHA, so stale approvals and checks no longer count) and answers 202.
pub async fn update_branch(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((o, r, n)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: UpdateBranch = parse(&body)?;
    let mut st = app.state.lock().await;
    let k = authorize(&st, &c, &o, &r, Permission::Write)?;
    let (head_ref, head_sha, base_ref, _) = open_pull(&st, &k, n)?;
    if st.repos[&k].issues[&n].state != "open" {
        return Err(ApiError::unprocessable("Pull request is closed"));
    }
    if req
        .expected_head_sha
        .as_ref()
        .is_some_and(|e| !e.eq_ignore_ascii_case(&head_sha))
    {
        return Err(ApiError::unprocessable(
            "expected head sha didn\u{2019}t match current head ref.",
        ));
    }
    let git = st.repos[&k].git.clone();
    let Some(base_sha) = st.repos[&k].branch(&base_ref).cloned() else {
        return Err(ApiError::unprocessable("Base branch does not exist"));
    };
    if git.is_ancestor(&base_sha, &head_sha).await? {
        return Err(ApiError::unprocessable(
            "There are no new commits on the base branch.",
        ));
    }
    let MergeOutcome::Clean(tree) = git.merge_tree(&head_sha, &base_sha, None).await? else {
        return Err(ApiError::unprocessable(
            "merge conflict between base and head",
        ));
    };
    let now = st.now();
    let sha = git
        .commit_tree(
            &tree,
            &[&head_sha, &base_sha],
            &format!("Merge branch '{base_ref}' into {head_ref}"),
            &author_ident(&c.login, now),
            &committer_ident(now),
        )
        .await?;
    let refname = format!("refs/heads/{head_ref}");
    ops::set_ref(&app.base, &mut st, &k, &refname, Some(&sha), &c.login).await?;
    let full = st.repos[&k].full_name();
    Ok(reply(
        StatusCode::ACCEPTED,
        json!({"message": "Updating pull request branch.", "url": format!("{}/{full}/pull/{n}", app.base)}),
    ))
}
