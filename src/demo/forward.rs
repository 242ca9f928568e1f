//! Events as GitHub delivers them: a workflow receives only its own repository's events.
//!
//! The control repo's convoy workflow gets the control repo's events; what happens in a member
//! repository reaches it only through the member workflow (`examples/workflows/convoy-member.yml`),
//! which forwards a hint as a `repository_dispatch` to the control repo; a tier's result reaches
//! it through the tier workflow's callback (`examples/workflows/e2e-tier.yml`). The demo and the
//! scenario tests deliver through [`route`], so no path is proven by an event GitHub would never
//! deliver. [`route`] mirrors the member workflow's rules; `tests/it/workflows_examples.rs`
//! keeps the two in step.

use serde_json::{Value, json};

/// The events the control repo's convoy workflow (`examples/workflows/convoy-control.yml`)
/// runs on.
pub const CONTROL_EVENTS: [&str; 5] = [
    "workflow_dispatch",
    "issue_comment",
    "issues",
    "repository_dispatch",
    "schedule",
];

/// The hidden marker that ends a checkbox control's line in a tracking issue's body.
const BOX_MARKER: &str = "<!-- convoy:box=";

/// Where one webhook delivery goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// An event of the control repo: its convoy workflow runs on it.
    Control,
    /// An event of a member repository that its convoy workflow forwards to the control repo:
    /// `POST /repos/{control}/dispatches` with this `event_type` and `client_payload`.
    Dispatch {
        /// `convoy.changed`, `convoy.comment` or `convoy.issue`.
        event_type: String,
        /// What the hint names.
        client_payload: Value,
    },
    /// No workflow of the control repo hears of it (convoy's scheduled run observes it).
    Dropped,
}

/// The branch names the member workflow reads from the organisation's variables.
#[derive(Debug, Clone)]
pub struct MemberWorkflow {
    /// `CONVOY_RC_PREFIX`: what `rc_branch` puts before `{release}` (default `rc/`).
    pub rc_prefix: String,
    /// `CONVOY_STAGING`: the staging branch (default `staging`).
    pub staging: String,
}

impl Default for MemberWorkflow {
    fn default() -> Self {
        MemberWorkflow {
            rc_prefix: "rc/".to_owned(),
            staging: "staging".to_owned(),
        }
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl MemberWorkflow {
    /// Whether a branch is one of a release's (an RC branch, or staging).
    fn release_branch(&self, branch: &str) -> bool {
        branch.starts_with(&self.rc_prefix) || branch == self.staging
    }

    /// Where a delivery of event `name` in `repo` goes, `control` being the control repo.
    pub fn route(&self, control: &str, name: &str, repo: &str, payload: &Value) -> Routed {
        if repo.eq_ignore_ascii_case(control) {
            // Only what the control workflow subscribes to (`convoy-control.yml`'s `on:`): its
            // own pushes (manifest commits) start no run; of issue events only edits, and the
            // job's `if` lets through only a person's edit of a body that held checkboxes
            // (convoy's own tracking issue updates are a bot's).
            let runs = match name {
                "issues" => {
                    str_at(payload, "/action") == "edited"
                        && str_at(payload, "/sender/type") != "Bot"
                        && str_at(payload, "/changes/body/from").contains(BOX_MARKER)
                }
                _ => CONTROL_EVENTS.contains(&name),
            };
            return if runs {
                Routed::Control
            } else {
                Routed::Dropped
            };
        }
        let changed = |release: Option<&str>| {
            let client_payload = match release {
                Some(r) => json!({ "repo": repo, "release": r }),
                None => json!({ "repo": repo }),
            };
            Routed::Dispatch {
                event_type: "convoy.changed".to_owned(),
                client_payload,
            }
        };
        let action = str_at(payload, "/action");
        match name {
            "pull_request" => {
                let followed = [
                    "opened",
                    "edited",
                    "synchronize",
                    "reopened",
                    "closed",
                    "labeled",
                ];
                let from_fork = str_at(payload, "/pull_request/head/repo/full_name") != repo;
                if !followed.contains(&action) || from_fork {
                    return Routed::Dropped;
                }
                let base = str_at(payload, "/pull_request/base/ref");
                let head = str_at(payload, "/pull_request/head/ref");
                match base.strip_prefix(self.rc_prefix.as_str()) {
                    Some(release) if !release.is_empty() => changed(Some(release)),
                    _ if self.release_branch(head) || base == self.staging => changed(None),
                    _ => Routed::Dropped,
                }
            }
            "pull_request_review" => {
                let head = str_at(payload, "/pull_request/head/ref");
                if matches!(action, "submitted" | "dismissed") && self.release_branch(head) {
                    changed(None)
                } else {
                    Routed::Dropped
                }
            }
            "issue_comment" => {
                let on_pull = payload.pointer("/issue/pull_request").is_some();
                let command = str_at(payload, "/comment/body").contains("/convoy");
                if action == "created" && on_pull && command {
                    Routed::Dispatch {
                        event_type: "convoy.comment".to_owned(),
                        client_payload: json!({
                            "repo": repo,
                            "comment_id": payload.pointer("/comment/id").cloned().unwrap_or(Value::Null),
                        }),
                    }
                } else {
                    Routed::Dropped
                }
            }
            "issues" if matches!(action, "milestoned" | "demilestoned") => Routed::Dispatch {
                event_type: "convoy.issue".to_owned(),
                client_payload: json!({
                    "repo": repo,
                    "issue": payload.pointer("/issue/number").cloned().unwrap_or(Value::Null),
                }),
            },
            // A status event's branches cannot be tested by a workflow's `if`: every status
            // that is no longer pending is forwarded.
            "status" if str_at(payload, "/state") != "pending" => changed(None),
            "check_suite" => {
                let branch = str_at(payload, "/check_suite/head_branch");
                if action == "completed" && self.release_branch(branch) {
                    changed(None)
                } else {
                    Routed::Dropped
                }
            }
            _ => Routed::Dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(name: &str, repo: &str, payload: Value) -> Routed {
        MemberWorkflow::default().route("acme/control", name, repo, &payload)
    }

    #[test]
    fn the_control_repo_hears_its_own_events_and_member_events_through_hints() {
        assert_eq!(
            routed("issue_comment", "acme/control", json!({})),
            Routed::Control
        );
        // convoy's own manifest commits and tracking issue edits start no run; a person's edit
        // of a body holding checkboxes does.
        assert_eq!(routed("push", "acme/control", json!({})), Routed::Dropped);
        assert_eq!(
            routed("issues", "acme/control", json!({"action": "edited"})),
            Routed::Dropped
        );
        let edit = |sender: &str| json!({"action": "edited", "sender": {"login": "x", "type": sender}, "changes": {"body": {"from": "- [ ] **abort** <!-- convoy:box=abort -->"}}});
        assert_eq!(
            routed("issues", "acme/control", edit("Bot")),
            Routed::Dropped
        );
        assert_eq!(
            routed("issues", "acme/control", edit("User")),
            Routed::Control
        );
        let mut milestoned = edit("User");
        milestoned["action"] = json!("milestoned");
        assert_eq!(
            routed("issues", "acme/control", milestoned),
            Routed::Dropped
        );
        let task = json!({"action": "closed", "pull_request": {"base": {"ref": "rc/1.0"}, "head": {"ref": "fix", "repo": {"full_name": "acme/api"}}}});
        assert_eq!(
            routed("pull_request", "acme/api", task),
            Routed::Dispatch {
                event_type: "convoy.changed".into(),
                client_payload: json!({"repo": "acme/api", "release": "1.0"})
            }
        );
        let fork = json!({"action": "opened", "pull_request": {"base": {"ref": "rc/1.0"}, "head": {"ref": "fix", "repo": {"full_name": "eve/api"}}}});
        assert_eq!(routed("pull_request", "acme/api", fork), Routed::Dropped);
        let comment = json!({"action": "created", "issue": {"number": 5, "pull_request": {}}, "comment": {"id": 77, "body": "/convoy approve"}});
        assert_eq!(
            routed("issue_comment", "acme/api", comment),
            Routed::Dispatch {
                event_type: "convoy.comment".into(),
                client_payload: json!({"repo": "acme/api", "comment_id": 77})
            }
        );
        let chatter = json!({"action": "created", "issue": {"number": 5, "pull_request": {}}, "comment": {"id": 78, "body": "LGTM"}});
        assert_eq!(
            routed("issue_comment", "acme/api", chatter),
            Routed::Dropped
        );
        let moved = json!({"action": "demilestoned", "issue": {"number": 12}});
        assert_eq!(
            routed("issues", "acme/api", moved),
            Routed::Dispatch {
                event_type: "convoy.issue".into(),
                client_payload: json!({"repo": "acme/api", "issue": 12})
            }
        );
        assert_eq!(
            routed("workflow_run", "acme/e2e", json!({"action": "completed"})),
            Routed::Dropped
        );
        assert_eq!(routed("push", "acme/api", json!({})), Routed::Dropped);
    }
}
