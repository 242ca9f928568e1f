//! Merging through a merge queue: `PUT …/pulls/{n}/merge-async` with `merge_action:
//! "merge_queue"`, pinned to the validated head, and `GET …/merge-async/{uuid}` for the result.
//!
//! GitHub answers the request with 202 `pending` and a UUID; 409 with the UUID of a request
//! already made for the pull request; 200 `merged` with the commit when it already merged, or
//! 200 `enqueued` when it already sits in the queue; 400 `failed` when it cannot merge at all
//! (closed, draft). The result reads `pending` or `enqueued` while queued, then `merged` with the
//! commit or `failed` with why; it is kept 24 hours (404 afterwards).

use serde::{Deserialize, Serialize};

use super::de;
use super::repo::Repo;
use crate::github::client::{Answer, GhError};
use crate::model::config::MergeMethod;
use crate::model::ids::Sha;
use crate::model::numbers::PullNumber;

/// Where an asynchronous merge stands, as GitHub says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsyncMerge {
    /// Requested or in the queue; `uuid` names the request when GitHub gave one.
    Queued {
        /// The request's UUID (absent when GitHub only says the pull request is enqueued).
        uuid: Option<String>,
    },
    /// Merged, with the commit that landed.
    Merged {
        /// The merge commit (the merge group's commit for a queue).
        sha: Option<String>,
    },
    /// It will not merge: GitHub's reason.
    Failed {
        /// GitHub's message.
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "de::lenient")]
    status: Option<String>,
    #[serde(deserialize_with = "de::lenient")]
    details: Option<Details>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Details {
    #[serde(deserialize_with = "de::lenient")]
    message: Option<String>,
    #[serde(deserialize_with = "de::lenient")]
    uuid: Option<String>,
    #[serde(deserialize_with = "de::lenient")]
    sha: Option<String>,
}

/// Reads GitHub's answer (any status) as where the merge stands.
fn read(answer: &Answer) -> AsyncMerge {
    let body: Body = de::object(answer.body.clone());
    let details = body.details.unwrap_or_default();
    match body.status.as_deref() {
        Some("merged") => AsyncMerge::Merged { sha: details.sha },
        Some("failed") => AsyncMerge::Failed {
            message: details
                .message
                .unwrap_or_else(|| "GitHub did not say why".to_owned()),
        },
        Some("pending" | "enqueued") => AsyncMerge::Queued { uuid: details.uuid },
        _ if answer.status >= 400 => AsyncMerge::Failed {
            message: details
                .message
                .unwrap_or_else(|| format!("GitHub answered {}", answer.status)),
        },
        _ => AsyncMerge::Queued { uuid: details.uuid },
    }
}

#[derive(Serialize)]
struct Request<'a> {
    sha: &'a str,
    merge_method: &'static str,
    merge_action: &'static str,
}

impl Repo<'_> {
    /// `PUT /repos/{o}/{r}/pulls/{number}/merge-async` with `merge_action: "merge_queue"`,
    /// pinned to `sha`: adds the pull request to its base's merge queue.
    pub async fn enqueue_pull(
        &self,
        number: PullNumber,
        sha: &Sha,
        method: MergeMethod,
    ) -> Result<AsyncMerge, GhError> {
        let body = Request {
            sha: sha.as_str(),
            merge_method: method.as_str(),
            merge_action: "merge_queue",
        };
        let answer = self
            .put_accepting(&format!("/pulls/{number}/merge-async"), &body, &[400, 409])
            .await?;
        Ok(read(&answer))
    }

    /// `GET /repos/{o}/{r}/pulls/{number}/merge-async/{uuid}`: where the request stands;
    /// `None` when GitHub no longer knows it (kept 24 hours).
    pub async fn async_merge(
        &self,
        number: PullNumber,
        uuid: &str,
    ) -> Result<Option<AsyncMerge>, GhError> {
        let tail = format!("/pulls/{number}/merge-async/{}", super::path::enc(uuid));
        Ok(self.get_opt(&tail).await?.map(|body| {
            read(&Answer {
                status: 200,
                body,
                next: None,
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: serde_json::Value) -> Answer {
        Answer {
            status,
            body,
            next: None,
        }
    }

    #[test]
    fn reads_each_of_githubs_documented_answers() {
        let accepted = json!({"status": "pending", "details": {"message": "Merge request enqueued.", "uuid": "630b9d5e", "merge_method": "merge", "merge_action": "merge_queue", "expected_head_sha": "6dcb09b"}});
        assert_eq!(
            read(&answer(202, accepted.clone())),
            AsyncMerge::Queued {
                uuid: Some("630b9d5e".into())
            }
        );
        assert_eq!(
            read(&answer(409, accepted)),
            AsyncMerge::Queued {
                uuid: Some("630b9d5e".into())
            }
        );
        let enqueued = json!({"status": "enqueued", "details": {"message": "Pull request is already in the merge queue."}});
        assert_eq!(
            read(&answer(200, enqueued)),
            AsyncMerge::Queued { uuid: None }
        );
        let merged = json!({"status": "merged", "details": {"message": "Pull request is already merged.", "sha": "6dcb09b"}});
        assert_eq!(
            read(&answer(200, merged)),
            AsyncMerge::Merged {
                sha: Some("6dcb09b".into())
            }
        );
        let closed = json!({"status": "failed", "details": {"message": "Pull request is closed."}});
        assert_eq!(
            read(&answer(400, closed)),
            AsyncMerge::Failed {
                message: "Pull request is closed.".into()
            }
        );
        assert_eq!(
            read(&answer(400, json!("odd"))),
            AsyncMerge::Failed {
                message: "GitHub answered 400".into()
            }
        );
    }
}
