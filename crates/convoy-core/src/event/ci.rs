//! CI and git events: workflow runs, check suites and runs, commit statuses and pushes.

use serde_json::Value;

use super::error::{EventError, de};
use super::payload;
use super::read::{action, clip, ignored, ignored_action};
use crate::model::ids::{BranchName, Sha};
use crate::signal::{CheckConclusion, CheckStatus, Signal, WorkflowRunSignal};

/// The `workflow_run` event: a run requested, in progress or completed.
pub fn workflow_run(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "requested" | "in_progress" | "completed") {
        return Ok(ignored_action("workflow_run", &act));
    }
    let p: payload::WorkflowRunEvent = de(v)?;
    let run = p.workflow_run;
    Ok(Signal::WorkflowRun(WorkflowRunSignal {
        repo: p.repository.full_name,
        run_id: run.id,
        workflow_path: run.path.unwrap_or_default(),
        display_title: run.display_title.or(run.name).unwrap_or_default(),
        head_sha: run.head_sha,
        status: run.status.into(),
        conclusion: run.conclusion.map(CheckConclusion::from),
        html_url: run.html_url,
    }))
}

/// The `check_suite` event: a whole suite (the signal has no check name).
pub fn check_suite(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "completed" | "requested" | "rerequested") {
        return Ok(ignored_action("check_suite", &act));
    }
    let p: payload::CheckSuiteEvent = de(v)?;
    let suite = p.check_suite;
    let status = match suite.status {
        Some(status) => CheckStatus::from(status),
        None if act == "completed" => CheckStatus::Completed,
        None => CheckStatus::Queued,
    };
    Ok(Signal::Check {
        repo: p.repository.full_name,
        sha: suite.head_sha,
        name: None,
        status,
        conclusion: suite.conclusion.map(CheckConclusion::from),
    })
}

/// The `check_run` event.
pub fn check_run(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(
        act.as_str(),
        "created" | "completed" | "rerequested" | "requested_action"
    ) {
        return Ok(ignored_action("check_run", &act));
    }
    let p: payload::CheckRunEvent = de(v)?;
    let run = p.check_run;
    Ok(Signal::Check {
        repo: p.repository.full_name,
        sha: run.head_sha,
        name: Some(run.name),
        status: run.status.into(),
        conclusion: run.conclusion.map(CheckConclusion::from),
    })
}

/// The `status` event: a commit status was set.
pub fn status(v: &Value) -> Result<Signal, EventError> {
    let p: payload::StatusEvent = de(v)?;
    Ok(Signal::Status {
        repo: p.repository.full_name,
        sha: p.sha,
        context: p.context,
        state: p.state.into(),
    })
}

/// `None` for the all-zero SHA GitHub sends for "no commit".
fn non_zero(sha: Sha) -> Option<Sha> {
    if sha.as_str().bytes().all(|b| b == b'0') {
        None
    } else {
        Some(sha)
    }
}

/// The `push` event: branches only; tag pushes are ignored.
pub fn push(v: &Value) -> Result<Signal, EventError> {
    let p: payload::PushEvent = de(v)?;
    let Some(branch) = p.git_ref.strip_prefix("refs/heads/") else {
        if let Some(tag) = p.git_ref.strip_prefix("refs/tags/") {
            return Ok(ignored(format!(
                "push of the tag `{}`: convoy follows branches only",
                clip(tag)
            )));
        }
        return Ok(ignored(format!(
            "push to `{}`: convoy follows branches only",
            clip(&p.git_ref)
        )));
    };
    let branch = BranchName::parse(branch).map_err(|e| EventError::InvalidField {
        field: "/ref".to_owned(),
        reason: e.to_string(),
    })?;
    Ok(Signal::Push {
        repo: p.repository.full_name,
        branch,
        before: non_zero(p.before),
        after: non_zero(p.after),
    })
}
