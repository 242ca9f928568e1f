//! Commit statuses: reading the latest status of a context on a commit, and setting one.

use serde::{Deserialize, Serialize};

use super::de;
use super::repo::Repo;
use crate::github::client::GhError;
use crate::lifecycle::observed::StatusState;
use crate::model::ids::Sha;

/// A commit status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Status {
    /// Its context (`ci`, `convoy/release`, …).
    #[serde(deserialize_with = "de::lenient")]
    pub context: Option<String>,
    /// `error`, `failure`, `pending` or `success`.
    #[serde(deserialize_with = "de::lenient")]
    pub state: Option<String>,
    /// Its description.
    #[serde(deserialize_with = "de::lenient")]
    pub description: Option<String>,
}

impl Status {
    /// The state, when it is one convoy knows.
    pub fn known_state(&self) -> Option<StatusState> {
        de::word(self.state.as_deref()?)
    }
}

/// The word GitHub uses for a status state.
pub fn state_word(state: StatusState) -> &'static str {
    match state {
        StatusState::Pending => "pending",
        StatusState::Success => "success",
        StatusState::Failure => "failure",
        StatusState::Error => "error",
    }
}

/// The most pages of 100 contexts convoy reads of a combined status.
const MAX_PAGES: usize = 10;

#[derive(Serialize)]
struct NewStatus<'a> {
    state: &'a str,
    context: &'a str,
    description: &'a str,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/commits/{sha}/status` (the combined status: the latest status of
    /// each context, however many statuses were set), page by page until `context`: its latest
    /// status, when it has one.
    pub async fn latest_status(&self, sha: &Sha, context: &str) -> Result<Option<Status>, GhError> {
        let url = format!("/commits/{}/status", sha.as_str());
        let read = self
            .find_in_pages(&url, Some("statuses"), MAX_PAGES, |s: &Status| {
                s.context.as_deref() == Some(context)
            })
            .await?;
        Ok(read
            .into_iter()
            .find(|s| s.context.as_deref() == Some(context)))
    }

    /// `POST /repos/{o}/{r}/statuses/{sha}`.
    pub async fn set_status(
        &self,
        sha: &Sha,
        state: StatusState,
        context: &str,
        description: &str,
    ) -> Result<(), GhError> {
        let body = NewStatus {
            state: state_word(state),
            context,
            description,
        };
        self.post(&format!("/statuses/{}", sha.as_str()), &body)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_words_are_serdes() {
        for s in [
            StatusState::Pending,
            StatusState::Success,
            StatusState::Failure,
            StatusState::Error,
        ] {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(state_word(s))
            );
            assert_eq!(de::word::<StatusState>(state_word(s)), Some(s));
        }
    }
}
