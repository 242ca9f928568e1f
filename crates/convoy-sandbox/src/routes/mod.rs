//! HTTP routes: GitHub REST endpoints and the `/_sandbox/` control endpoints.

mod actions;
mod apps;
mod checks;
mod common;
mod contents;
mod control;
mod deployments;
mod git_data;
mod issues;
mod merge_async;
mod paging;
mod pulls;
mod reactions;
mod releases;
mod repos;
mod reviews;

use axum::Router;
use axum::routing::{get, patch, post, put};

use super::error::ApiError;
use super::middleware;
use common::Shared;

/// The largest request body the sandbox accepts (GitHub's limit for a file is 100 MB; the
/// sandbox keeps everything in memory, so it stops earlier).
pub const REQUEST_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Builds the whole router. As on GitHub, `POST` is accepted wherever `PATCH` is.
pub fn router(app: Shared) -> Router {
    let repo = Router::new()
        .route("/branches/{*branch}", get(repos::get_branch))
        .route("/rules/branches/{*branch}", get(repos::branch_rules))
        .route("/collaborators/{user}/permission", get(repos::permission))
        .route("/git/ref/{*name}", get(repos::get_ref))
        .route("/git/matching-refs/{*name}", get(repos::matching_refs))
        .route("/git/refs", post(repos::create_ref))
        .route("/git/commits", post(git_data::create_commit))
        .route("/git/commits/{sha}", get(git_data::get_commit))
        .route("/git/blobs/{sha}", get(git_data::get_blob))
        .route(
            "/git/refs/{*name}",
            patch(repos::update_ref)
                .post(repos::update_ref)
                .delete(repos::delete_ref),
        )
        .route("/contents", get(contents::get_root))
        .route("/contents/", get(contents::get_root))
        .route("/contents/{*path}", get(contents::get).put(contents::put))
        .route("/commits/{*rest}", get(contents::commits))
        .route("/compare/{*basehead}", get(contents::compare))
        .route("/pulls", get(pulls::list).post(pulls::create))
        .route(
            "/pulls/{number}",
            get(pulls::get).patch(pulls::update).post(pulls::update),
        )
        .route("/pulls/{number}/merge", put(pulls::merge))
        .route(
            "/pulls/{number}/reviews",
            get(reviews::list).post(reviews::create),
        )
        .route(
            "/pulls/{number}/requested_reviewers",
            post(reviews::request_reviewers),
        )
        .route("/pulls/{number}/update-branch", put(reviews::update_branch))
        .route("/pulls/{number}/merge-async", put(merge_async::request))
        .route(
            "/pulls/{number}/merge-async/{uuid}",
            get(merge_async::result),
        )
        .route("/actions/workflows", get(actions::list_workflows))
        .route(
            "/actions/workflows/{workflow}/dispatches",
            post(actions::dispatch),
        )
        .route(
            "/actions/workflows/{workflow}/runs",
            get(actions::list_runs),
        )
        .route("/actions/runs", get(actions::list_repo_runs))
        .route("/actions/runs/{id}", get(actions::get_run))
        .route("/actions/runs/{id}/cancel", post(actions::cancel_run))
        .route("/dispatches", post(actions::repository_dispatch))
        .route("/statuses/{sha}", post(checks::create_status))
        .route("/check-runs", post(checks::create_check))
        .route(
            "/check-runs/{id}",
            get(checks::get_check)
                .patch(checks::update_check)
                .post(checks::update_check),
        )
        .route("/releases", post(releases::create_release))
        .route("/releases/tags/{*tag}", get(releases::release_by_tag))
        .route("/releases/{release_id}", patch(releases::update_release))
        .route("/issues", get(issues::list).post(issues::create))
        .route(
            "/issues/{number}",
            get(issues::get).patch(issues::update).post(issues::update),
        )
        .route(
            "/issues/{number}/comments",
            get(issues::list_comments).post(issues::create_comment),
        )
        .route(
            "/issues/comments/{id}",
            get(issues::get_comment)
                .patch(issues::update_comment)
                .post(issues::update_comment),
        )
        .route(
            "/issues/comments/{id}/reactions",
            get(reactions::list).post(reactions::create),
        )
        .route("/issues/{number}/labels", post(issues::add_labels))
        .route(
            "/issues/{number}/labels/{name}",
            axum::routing::delete(issues::remove_label),
        )
        .route("/milestones", get(issues::milestones))
        .route(
            "/deployments",
            get(deployments::list).post(deployments::create),
        )
        .route(
            "/deployments/{deployment_id}",
            get(deployments::get).delete(deployments::delete),
        )
        .route(
            "/deployments/{deployment_id}/statuses",
            get(deployments::list_statuses).post(deployments::create_status),
        )
        .route(
            "/deployments/{deployment_id}/statuses/{status_id}",
            get(deployments::get_status),
        )
        .route("/environments", get(deployments::environments))
        .route("/installation", get(apps::repo_installation));
    let control = Router::new()
        .route("/repos/{owner}/{repo}/commits", post(control::push))
        .route(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            post(control::comment),
        )
        .route("/runs/{id}/start", post(control::start_run))
        .route("/runs/{id}/complete", post(control::complete_run))
        .route("/events", get(control::events))
        .route(
            "/faults",
            post(control::add_fault).delete(control::clear_faults),
        )
        .route("/latency", put(control::latency))
        .route(
            "/chaos",
            put(control::set_chaos)
                .get(control::chaos)
                .delete(control::clear_chaos),
        )
        .route("/chaos/expiry", put(control::chaos_expiry))
        .route("/compat", put(control::compat))
        .route(
            "/apps/{app}/installations/{account}",
            put(apps::install).delete(apps::uninstall),
        )
        .route("/clock", post(apps::advance_clock))
        .route("/mergeable", put(control::mergeable_lag))
        .route(
            "/requests",
            get(control::requests).delete(control::clear_requests),
        );
    Router::new()
        .route("/repos/{owner}/{repo}", get(repos::get_repo))
        .nest("/repos/{owner}/{repo}", repo)
        .route("/app/installations", get(apps::list_installations))
        .route(
            "/app/installations/{id}/access_tokens",
            post(apps::create_token),
        )
        .route("/installation/repositories", get(apps::accessible_repos))
        .nest("/_sandbox", control)
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::not_found() })
        // axum refuses bodies over 2 MB by default; GitHub takes files far larger than that
        // through the Contents API (a base64 manifest over 1.5 MB is already over 2 MB).
        .layer(axum::extract::DefaultBodyLimit::max(REQUEST_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            middleware::api,
        ))
        .with_state(app)
}
