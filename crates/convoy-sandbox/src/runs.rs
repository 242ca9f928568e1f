//! Workflow runs: discovering workflow files, creating runs (dispatch, push, pull_request),
//! their JSON and their `workflow_run` events.

use anyhow::{Context, Result};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::shapes;
use super::state::{Run, State, fnv};
use super::webhooks;
use super::workflow::{self, WorkflowFile};

/// The conclusions GitHub documents for a completed workflow run (`startup_failure`: the
/// workflow could not start, e.g. an invalid file; `stale`: GitHub gave up on it).
pub const RUN_CONCLUSIONS: [&str; 9] = [
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
    "stale",
    "startup_failure",
];

/// A workflow file found at a commit.
#[derive(Debug, Clone)]
pub struct Found {
    /// Workflow id.
    pub id: u64,
    /// Path, e.g. `.github/workflows/e2e.yml`.
    pub path: String,
    /// What the sandbox read from it.
    pub file: WorkflowFile,
}

/// The workflows in `.github/workflows` at `rev` (unparsable files are skipped with a warning).
pub async fn workflows(st: &State, k: &str, rev: &str) -> Result<Vec<Found>> {
    let repo = st.repos.get(k).context("unknown repository")?;
    let Some(sha) = repo.resolve(rev).await? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in repo.git.ls_tree(&sha, ".github/workflows", true).await? {
        if e.kind != "blob" || !(e.path.ends_with(".yml") || e.path.ends_with(".yaml")) {
            continue;
        }
        let text = String::from_utf8_lossy(&repo.git.read_blob(&e.sha).await?).into_owned();
        match workflow::parse(&e.path, &text) {
            Ok(file) => out.push(Found {
                id: workflow_id(k, &e.path),
                path: e.path,
                file,
            }),
            Err(err) => tracing::warn!("skipping {}: {err:#}", e.path),
        }
    }
    Ok(out)
}

/// A stable workflow id from the repository and path.
pub fn workflow_id(k: &str, path: &str) -> u64 {
    10_000_000 + fnv(&format!("{k}:{path}")) % 90_000_000
}

/// What starts a run.
pub struct Trigger<'a> {
    /// `workflow_dispatch`, `push` or `pull_request`.
    pub event: &'a str,
    /// Branch the run is for.
    pub branch: &'a str,
    /// Commit the run is for.
    pub sha: &'a str,
    /// The run's `display_title`.
    pub title: String,
    /// Who triggered it.
    pub actor: &'a str,
    /// Dispatch inputs (`{}` otherwise).
    pub inputs: Value,
}

/// Queues a run of `wf` and emits `workflow_run.requested`; returns its id.
pub async fn create(
    base: &str,
    st: &mut State,
    k: &str,
    wf: &Found,
    t: Trigger<'_>,
) -> Result<u64> {
    let run_number = st
        .runs
        .values()
        .filter(|x| x.repo == k && x.workflow_id == wf.id)
        .count() as u64
        + 1;
    let (id, now) = (st.id(), st.now());
    st.runs.insert(
        id,
        Run {
            id,
            repo: k.to_owned(),
            workflow_id: wf.id,
            name: wf.file.name.clone(),
            path: wf.path.clone(),
            display_title: t.title,
            run_number,
            event: t.event.to_owned(),
            head_branch: t.branch.to_owned(),
            head_sha: t.sha.to_owned(),
            status: "queued".into(),
            conclusion: None,
            actor: t.actor.to_owned(),
            inputs: t.inputs,
            created: now,
            updated: now,
            started: None,
        },
    );
    emit_run(base, st, id, "requested").await?;
    Ok(id)
}

/// Queues the runs a push of `branch` to `sha` starts (workflows at `sha` with a matching
/// `on.push`), titled with the head commit's first line as on GitHub.
pub async fn on_push(
    base: &str,
    st: &mut State,
    k: &str,
    branch: &str,
    sha: &str,
    actor: &str,
) -> Result<()> {
    let found = workflows(st, k, sha).await?;
    let hits: Vec<Found> = found
        .into_iter()
        .filter(|w| w.file.push.as_ref().is_some_and(|f| f.matches(branch)))
        .collect();
    if hits.is_empty() {
        return Ok(());
    }
    let title = st
        .commit(k, sha)
        .await?
        .message
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    for wf in hits {
        let t = Trigger {
            event: "push",
            branch,
            sha,
            title: title.clone(),
            actor,
            inputs: json!({}),
        };
        create(base, st, k, &wf, t).await?;
    }
    Ok(())
}

/// Queues the runs a pull request into `base_ref` starts (workflows at the head commit with a
/// matching `on.pull_request`), titled with the pull request's title.
pub async fn on_pull_request(
    base: &str,
    st: &mut State,
    k: &str,
    number: u64,
    actor: &str,
) -> Result<()> {
    let Some(issue) = st.repos.get(k).and_then(|r| r.issues.get(&number)).cloned() else {
        return Ok(());
    };
    let Some(p) = issue.pull else { return Ok(()) };
    let found = workflows(st, k, &p.head_sha).await?;
    for wf in found.into_iter().filter(|w| {
        w.file
            .pull_request
            .as_ref()
            .is_some_and(|f| f.matches(&p.base_ref))
    }) {
        let t = Trigger {
            event: "pull_request",
            branch: &p.head_ref,
            sha: &p.head_sha,
            title: issue.title.clone(),
            actor,
            inputs: json!({}),
        };
        create(base, st, k, &wf, t).await?;
    }
    Ok(())
}

/// The `workflow-run` JSON of a run.
pub async fn run_json(base: &str, st: &mut State, id: u64) -> Result<Value> {
    let run = st.runs.get(&id).cloned().context("unknown run")?;
    let head = st.commit(&run.repo, &run.head_sha).await.ok();
    let repo = st.repos.get(&run.repo).context("unknown repository")?;
    Ok(shapes::run(base, st, repo, &run, head.as_ref()))
}

/// Emits a `workflow_run` event with `action`.
pub async fn emit_run(base: &str, st: &mut State, id: u64, action: &str) -> Result<()> {
    let json_run = run_json(base, st, id).await?;
    let Some(run) = st.runs.get(&id).cloned() else {
        return Ok(());
    };
    let full = st
        .repos
        .get(&run.repo)
        .map(|r| r.full_name())
        .unwrap_or_default();
    let created = st.repos.get(&run.repo).map_or(0, |r| r.created);
    let wf = shapes::workflow(base, &full, run.workflow_id, &run.name, &run.path, created);
    let payload = json!({"action": action, "workflow_run": json_run, "workflow": wf});
    webhooks::emit(base, st, &run.repo, "workflow_run", &run.actor, payload);
    Ok(())
}

/// Completes a run with `conclusion` (409 when already completed) and emits `completed`.
pub async fn finish(base: &str, st: &mut State, id: u64, conclusion: &str) -> ApiResult<()> {
    let now = st.now();
    let run = st.runs.get_mut(&id).ok_or_else(ApiError::not_found)?;
    if run.status == "completed" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Cannot cancel a workflow run that is completed.",
        ));
    }
    run.status = "completed".into();
    run.conclusion = Some(conclusion.to_owned());
    run.updated = now;
    run.started.get_or_insert(now);
    Ok(emit_run(base, st, id, "completed").await?)
}
