//! Why GitHub refused a merge, as data: [`MergeRefusal`], classified once, here at the edge,
//! from the 405 (or 409) GitHub answers `PUT …/pulls/{n}/merge` with.
//!
//! GitHub says why only in prose; the texts below are the ones GitHub (and the sandbox) are
//! known to send. A text convoy does not know is kept as [`MergeRefusal::Other`].

use crate::github::client::GhError;
use crate::github::permission::Grant;
use crate::model::config::MergeMethod;

/// Why GitHub refused to merge a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeRefusal {
    /// Required status checks have not reported, or have not finished:
    /// `Required status check "ci" is expected.`, `Required status check "ci" is in progress.`
    /// (one check, named), or `2 of 3 required status checks are expected.` (several, counted).
    RequiredChecksPending {
        /// The checks named (the one-check form).
        checks: Vec<String>,
        /// How many required checks are missing (the counted form).
        pending: Option<u32>,
        /// How many checks are required (the counted form).
        required: Option<u32>,
    },
    /// A required status check reported a failure: `Required status check "ci" is failing.`
    RequiredCheckFailing {
        /// The check.
        check: String,
    },
    /// Approving reviews are missing:
    /// `At least 1 approving review is required by reviewers with write access.`, or a code
    /// owner's: `Waiting on code owner review from @acme/api-owners.`
    ReviewRequired {
        /// How many approving reviews the rule asks for, when GitHub says.
        approvals: Option<u32>,
        /// The code owners GitHub waits for, as GitHub names them.
        code_owners: Option<String>,
    },
    /// The base branch only takes changes through its merge queue:
    /// `Changes must be made through the merge queue.`
    MergeQueueRequired,
    /// The repository does not allow this merge method: `Merge commits are not allowed on this
    /// repository.`, `Squash merges …`, `Rebase merges …`.
    MergeMethodNotAllowed {
        /// The method refused.
        method: MergeMethod,
    },
    /// The base branch requires a linear history: `This branch must not contain merge commits.`
    LinearHistoryRequired,
    /// The base branch moved while GitHub merged (transient):
    /// `Base branch was modified. Review and try the merge again.`
    BaseModified,
    /// GitHub cannot merge it (a conflict, or closed already): `Pull Request is not mergeable`.
    NotMergeable,
    /// The head is no longer the SHA the merge was pinned to (the 409:
    /// `Head branch was modified. Review and try the merge again.`).
    HeadMoved,
    /// The token lacks a permission the merge needs (a 403 "Resource not accessible by
    /// integration", or the workflows refusal of a pull request that changes
    /// `.github/workflows/`): what to grant.
    PermissionMissing {
        /// What to grant.
        grant: Grant,
    },
    /// Any other refusal, with GitHub's text.
    Other(String),
}

impl MergeRefusal {
    /// The refusal a failed merge request stands for: every 405, the 409 GitHub answers when
    /// the pinned `sha` is no longer the head, and a refusal for want of a permission. Other
    /// errors (404, 5xx, transport…) are not refusals.
    pub fn from_error(error: &GhError) -> Option<MergeRefusal> {
        match error {
            GhError::NotAllowed { message, .. } => Some(MergeRefusal::classify(message)),
            GhError::Conflict { .. } => Some(MergeRefusal::HeadMoved),
            GhError::PermissionMissing { grant, .. } => Some(MergeRefusal::PermissionMissing {
                grant: grant.clone(),
            }),
            _ => None,
        }
    }

    /// Classifies the text of a 405 on a merge.
    pub fn classify(message: &str) -> MergeRefusal {
        let text = message.trim();
        let plain = text.strip_suffix('.').unwrap_or(text);
        let lower = plain.to_ascii_lowercase();
        let method = |method| MergeRefusal::MergeMethodNotAllowed { method };
        match lower.as_str() {
            "changes must be made through the merge queue" => {
                return MergeRefusal::MergeQueueRequired;
            }
            "merge commits are not allowed on this repository" => {
                return method(MergeMethod::Merge);
            }
            "squash merges are not allowed on this repository" => {
                return method(MergeMethod::Squash);
            }
            "rebase merges are not allowed on this repository" => {
                return method(MergeMethod::Rebase);
            }
            "this branch must not contain merge commits" => {
                return MergeRefusal::LinearHistoryRequired;
            }
            "base branch was modified. review and try the merge again" => {
                return MergeRefusal::BaseModified;
            }
            "pull request is not mergeable" => return MergeRefusal::NotMergeable,
            _ => {}
        }
        required_check(plain)
            .or_else(|| counted_checks(&lower))
            .or_else(|| reviews(plain, &lower))
            .unwrap_or_else(|| MergeRefusal::Other(message.to_owned()))
    }
}

/// `Required status check "ci" is expected|in progress|failing`.
fn required_check(plain: &str) -> Option<MergeRefusal> {
    let rest = strip_prefix_ignore_case(plain, "required status check \"")?;
    let (check, state) = rest.rsplit_once("\" is ")?;
    let check = check.to_owned();
    match state.to_ascii_lowercase().as_str() {
        "expected" | "in progress" => Some(MergeRefusal::RequiredChecksPending {
            checks: vec![check],
            pending: None,
            required: None,
        }),
        "failing" => Some(MergeRefusal::RequiredCheckFailing { check }),
        _ => None,
    }
}

/// `2 of 3 required status checks are expected` (lower-cased).
fn counted_checks(lower: &str) -> Option<MergeRefusal> {
    let counts = lower.strip_suffix(" required status checks are expected")?;
    let (pending, required) = counts.split_once(" of ")?;
    Some(MergeRefusal::RequiredChecksPending {
        checks: Vec::new(),
        pending: Some(pending.parse().ok()?),
        required: Some(required.parse().ok()?),
    })
}

/// `At least N approving review(s) is|are required by reviewers with write access`, or
/// `Waiting on code owner review from …`.
fn reviews(plain: &str, lower: &str) -> Option<MergeRefusal> {
    if let Some(owners) = strip_prefix_ignore_case(plain, "waiting on code owner review from ") {
        return Some(MergeRefusal::ReviewRequired {
            approvals: None,
            code_owners: Some(owners.trim().to_owned()),
        });
    }
    let rest = lower.strip_prefix("at least ")?;
    let (count, tail) = rest.split_once(' ')?;
    let known = [
        "approving review is required by reviewers with write access",
        "approving reviews are required by reviewers with write access",
    ];
    known.contains(&tail).then(|| MergeRefusal::ReviewRequired {
        approvals: count.parse().ok(),
        code_owners: None,
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::MergeRefusal::*;
    use super::*;

    fn pending(checks: &[&str], pending: Option<u32>, required: Option<u32>) -> MergeRefusal {
        RequiredChecksPending {
            checks: checks.iter().map(|c| (*c).to_owned()).collect(),
            pending,
            required,
        }
    }

    #[test]
    fn each_known_text_has_its_class() {
        let cases = [
            (
                "Required status check \"ci\" is expected.",
                pending(&["ci"], None, None),
            ),
            (
                "Required status check \"e2e / smoke\" is in progress.",
                pending(&["e2e / smoke"], None, None),
            ),
            (
                "2 of 3 required status checks are expected.",
                pending(&[], Some(2), Some(3)),
            ),
            (
                "Required status check \"ci\" is failing.",
                RequiredCheckFailing { check: "ci".into() },
            ),
            (
                "At least 1 approving review is required by reviewers with write access.",
                ReviewRequired {
                    approvals: Some(1),
                    code_owners: None,
                },
            ),
            (
                "At least 2 approving reviews are required by reviewers with write access.",
                ReviewRequired {
                    approvals: Some(2),
                    code_owners: None,
                },
            ),
            (
                "Waiting on code owner review from @acme/api-owners.",
                ReviewRequired {
                    approvals: None,
                    code_owners: Some("@acme/api-owners".into()),
                },
            ),
            (
                "Changes must be made through the merge queue.",
                MergeQueueRequired,
            ),
            (
                "Merge commits are not allowed on this repository.",
                MergeMethodNotAllowed {
                    method: MergeMethod::Merge,
                },
            ),
            (
                "Squash merges are not allowed on this repository.",
                MergeMethodNotAllowed {
                    method: MergeMethod::Squash,
                },
            ),
            (
                "Rebase merges are not allowed on this repository.",
                MergeMethodNotAllowed {
                    method: MergeMethod::Rebase,
                },
            ),
            (
                "This branch must not contain merge commits.",
                LinearHistoryRequired,
            ),
            (
                "Base branch was modified. Review and try the merge again.",
                BaseModified,
            ),
            ("Pull Request is not mergeable", NotMergeable),
            (
                "Something GitHub says one day",
                Other("Something GitHub says one day".into()),
            ),
        ];
        for (text, class) in cases {
            assert_eq!(MergeRefusal::classify(text), class, "{text}");
        }
    }

    #[test]
    fn the_409_is_head_moved_and_other_errors_are_not_refusals() {
        let conflict = GhError::Conflict {
            what: "PUT /repos/acme/api/pulls/1/merge".into(),
            message: "Head branch was modified. Review and try the merge again.".into(),
        };
        assert_eq!(MergeRefusal::from_error(&conflict), Some(HeadMoved));
        let refused = GhError::NotAllowed {
            what: "PUT /repos/acme/api/pulls/1/merge".into(),
            message: "Pull Request is not mergeable".into(),
        };
        assert_eq!(MergeRefusal::from_error(&refused), Some(NotMergeable));
        let gone = GhError::NotFound {
            what: "PUT /repos/acme/api/pulls/1/merge".into(),
        };
        assert_eq!(MergeRefusal::from_error(&gone), None);
        let forbidden = GhError::refused(
            403,
            "PUT /repos/acme/api/pulls/1/merge".into(),
            "Resource not accessible by integration".into(),
            None,
        );
        assert!(matches!(
            MergeRefusal::from_error(&forbidden),
            Some(PermissionMissing { .. })
        ));
    }

    #[test]
    fn near_misses_stay_other() {
        for text in [
            "Required status check \"ci\" is sulking.",
            "x of 3 required status checks are expected.",
            "Head branch was modified. Review and try the merge again.",
        ] {
            assert_eq!(MergeRefusal::classify(text), Other(text.into()), "{text}");
        }
    }
}
