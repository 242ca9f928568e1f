//! GitHub Actions: workflow runs (one, or a workflow's dispatched runs), dispatching a workflow
//! and cancelling a run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::lifecycle::evidence::holds;
use crate::model::numbers::RunId;

/// A workflow run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Run {
    /// Its id.
    #[serde(deserialize_with = "de::lenient")]
    pub id: Option<RunId>,
    /// `queued`, `in_progress`, `requested`, `completed`, …
    #[serde(deserialize_with = "de::lenient")]
    pub status: Option<String>,
    /// `success`, `failure`, … once completed.
    #[serde(deserialize_with = "de::lenient")]
    pub conclusion: Option<String>,
    /// Its title (the `run-name`); `Some(None)` when present but not a string.
    #[serde(deserialize_with = "de::present_lenient")]
    display_title: Option<Option<String>>,
    /// The workflow's name.
    #[serde(deserialize_with = "de::lenient")]
    name: Option<String>,
    /// Its page.
    #[serde(deserialize_with = "de::lenient")]
    pub html_url: Option<String>,
    /// The workflow file it runs (`.github/workflows/e2e.yml`).
    #[serde(deserialize_with = "de::lenient")]
    pub path: Option<String>,
    /// What started it (`workflow_dispatch`, `push`, …).
    #[serde(deserialize_with = "de::lenient")]
    pub event: Option<String>,
    /// The branch it runs on.
    #[serde(deserialize_with = "de::lenient")]
    pub head_branch: Option<String>,
}

impl Run {
    /// Its title: `display_title` when GitHub sends that field, else the workflow's name.
    pub fn title(&self) -> Option<&str> {
        match &self.display_title {
            Some(title) => title.as_deref(),
            None => self.name.as_deref(),
        }
    }
}

/// The most pages of 100 runs convoy reads of a workflow's dispatched runs: GitHub lists at
/// most 1,000 runs for a filtered query.
const MAX_PAGES: usize = 10;

#[derive(Serialize)]
struct Dispatch<'a> {
    #[serde(rename = "ref")]
    git_ref: &'a str,
    inputs: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_run_details: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Dispatched {
    #[serde(deserialize_with = "de::lenient")]
    workflow_run_id: Option<RunId>,
}

#[derive(Serialize)]
struct Empty {}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/actions/workflows/{workflow}/runs?event=workflow_dispatch`, newest
    /// first, page by page until a run whose title holds `needle` (a correlation id) as a whole
    /// word, else to the last page (GitHub lists at most 1,000 filtered runs): the runs read.
    pub async fn dispatched_runs(&self, workflow: &str, needle: &str) -> Result<Vec<Run>, GhError> {
        let url = format!(
            "/actions/workflows/{}/runs?event=workflow_dispatch",
            path::enc(workflow)
        );
        self.find_in_pages(&url, Some("workflow_runs"), MAX_PAGES, |r: &Run| {
            r.title().is_some_and(|t| holds(t, needle))
        })
        .await
    }

    /// `GET /repos/{o}/{r}/actions/runs/{id}`; `None` when there is no such run.
    pub async fn run(&self, id: RunId) -> Result<Option<Run>, GhError> {
        let found = self.get_opt(&format!("/actions/runs/{id}")).await?;
        Ok(found.map(de::object))
    }

    /// `POST /repos/{o}/{r}/actions/runs/{id}/cancel`.
    pub async fn cancel_run(&self, id: RunId) -> Result<(), GhError> {
        self.post(&format!("/actions/runs/{id}/cancel"), &Empty {})
            .await
            .map(drop)
    }

    /// `POST /repos/{o}/{r}/actions/workflows/{workflow}/dispatches` on `git_ref`; with
    /// `return_run_details` GitHub answers with the new run's id (older GitHub Enterprise
    /// Servers refuse that field with a 400).
    pub async fn dispatch(
        &self,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
        return_run_details: bool,
    ) -> Result<Option<RunId>, GhError> {
        let body = Dispatch {
            git_ref,
            inputs,
            return_run_details: return_run_details.then_some(true),
        };
        let url = format!("/actions/workflows/{}/dispatches", path::enc(workflow));
        let answer = self.post(&url, &body).await?;
        Ok(de::object::<Dispatched>(answer.body).workflow_run_id)
    }
}
