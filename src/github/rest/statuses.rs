//! Commit statuses: reading a commit's statuses and setting one.

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

#[derive(Serialize)]
struct NewStatus<'a> {
    state: &'a str,
    context: &'a str,
    description: &'a str,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/commits/{sha}/statuses?per_page=100` (one page): the statuses of
    /// `sha`, newest first (the first of a context is the one that counts).
    pub async fn statuses(&self, sha: &Sha) -> Result<Vec<Status>, GhError> {
        let url = format!("/commits/{}/statuses?per_page=100", sha.as_str());
        Ok(de::list(self.get(&url).await?))
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
