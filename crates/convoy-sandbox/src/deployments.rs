//! Deployments as GitHub keeps them: a request to deploy a ref (resolved to a commit) to an
//! environment, the statuses reported on it, and the environments deployments create. GitHub's
//! rules that do not need a request live here (which status checks refuse a deployment, what is
//! active, what `auto_inactive` supersedes, the JSON shapes); the endpoints are
//! `routes/deployments.rs`.
//!
//! Texts and rules are GitHub's: the REST reference ("REST API endpoints for deployments",
//! "… for deployment statuses") and its OpenAPI description (`repos/create-deployment`,
//! `repos/create-deployment-status`, `repos/delete-deployment`).

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json::{node_id, owner, repo_url, ts, user};
use crate::state::{EPOCH, State};

/// The states a deployment status can have (`repos/create-deployment-status`).
pub const STATES: [&str; 7] = [
    "error",
    "failure",
    "inactive",
    "in_progress",
    "queued",
    "pending",
    "success",
];

/// The longest description of a deployment status GitHub accepts, in characters ("The maximum
/// description length is 140 characters"); a longer one is refused with 422.
pub const MAX_DESCRIPTION: usize = 140;

/// GitHub's 422 (in `errors`) when `DELETE …/deployments/{id}` names an active deployment and
/// the repository has others.
pub const ACTIVE_DELETE: &str = "We cannot delete an active deployment unless it is the only deployment in a given environment.";

/// The deployments of one repository and the environments they created.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deployments {
    /// Deployments, oldest first.
    pub list: Vec<Deployment>,
    /// Environments, in the order they were created.
    pub environments: Vec<Environment>,
}

/// A deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    /// Global id.
    pub id: u64,
    /// The commit the ref resolved to at creation.
    pub sha: String,
    /// The ref as asked (branch, tag or SHA).
    pub ref_name: String,
    /// The task, e.g. `deploy`.
    pub task: String,
    /// The payload as given (an object, or a string).
    pub payload: Value,
    /// The environment it was created for.
    pub original_environment: String,
    /// The environment it is in now (a status may move it).
    pub environment: String,
    /// Description.
    pub description: Option<String>,
    /// Who created it.
    pub creator: String,
    /// The App whose installation token created it.
    pub app: Option<u64>,
    /// Whether the environment will no longer exist at some point.
    pub transient_environment: bool,
    /// Whether end users interact with the environment directly.
    pub production_environment: bool,
    /// Creation time.
    pub created: i64,
    /// Last update time (a new status updates it).
    pub updated: i64,
    /// Statuses, oldest first.
    pub statuses: Vec<DeploymentStatus>,
}

/// A deployment status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentStatus {
    /// Global id.
    pub id: u64,
    /// One of [`STATES`].
    pub state: String,
    /// Who reported it.
    pub creator: String,
    /// The App whose installation token reported it.
    pub app: Option<u64>,
    /// Description (`""` when none was given).
    pub description: String,
    /// The environment of the deployment when it was reported.
    pub environment: String,
    /// `target_url` (`""` when none).
    pub target_url: String,
    /// `log_url` (`""` when none).
    pub log_url: String,
    /// `environment_url` (`""` when none).
    pub environment_url: String,
    /// Creation time.
    pub created: i64,
}

/// A deployment environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Environment {
    /// Global id.
    pub id: u64,
    /// Name, as first deployed to.
    pub name: String,
    /// Creation time.
    pub created: i64,
    /// Last deployment to it.
    pub updated: i64,
}

impl Deployment {
    /// The state of its latest status, if it has any.
    pub fn latest_state(&self) -> Option<&str> {
        self.statuses.last().map(|s| s.state.as_str())
    }

    /// Whether it is inactive as `DELETE` understands it. GitHub: "you can only delete
    /// inactive deployments", and one is made inactive "by adding any non-successful
    /// deployment status": a deployment without statuses, or whose latest is `success`, is
    /// active.
    pub fn is_inactive(&self) -> bool {
        self.latest_state().is_some_and(|s| s != "success")
    }
}

impl Deployments {
    /// A deployment by id.
    pub fn get(&self, id: u64) -> Option<&Deployment> {
        self.list.iter().find(|d| d.id == id)
    }

    /// A deployment by id, to change.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Deployment> {
        self.list.iter_mut().find(|d| d.id == id)
    }

    /// Whether an environment of that name exists (names are case-insensitive on GitHub).
    pub fn has_environment(&self, name: &str) -> bool {
        self.environments
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// Records a deployment to `name` at `now`: the environment is created with `new_id` when
    /// it does not exist (GitHub creates an environment on the first deployment to it).
    pub fn touch_environment(&mut self, name: &str, new_id: Option<u64>, now: i64) {
        match self
            .environments
            .iter_mut()
            .find(|e| e.name.eq_ignore_ascii_case(name))
        {
            Some(e) => e.updated = now,
            None => {
                if let Some(id) = new_id {
                    self.environments.push(Environment {
                        id,
                        name: name.to_owned(),
                        created: now,
                        updated: now,
                    });
                }
            }
        }
    }

    /// What a `success` status on deployment `by` in `environment` makes inactive when
    /// `auto_inactive` is on. GitHub: "Adds a new `inactive` status to all prior
    /// non-transient, non-production environment deployments with the same repository and
    /// `environment` name as the created status's deployment. An `inactive` status is only
    /// added to deployments that had a `success` state." Read as: their latest status is
    /// `success` (one already inactive gets no second `inactive`).
    pub fn superseded(&self, by: u64, environment: &str) -> Vec<u64> {
        self.list
            .iter()
            .filter(|d| {
                d.id < by
                    && !d.transient_environment
                    && !d.production_environment
                    && d.environment == environment
                    && d.latest_state() == Some("success")
            })
            .map(|d| d.id)
            .collect()
    }
}

/// The latest state of every context reported on `sha`: commit statuses by context, then check
/// runs by name (a completed run's conclusion, else `pending`), each context once.
fn reported_contexts(st: &State, k: &str, sha: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |context: &str, state: &str| {
        if !out.iter().any(|(c, _)| c == context) {
            out.push((context.to_owned(), state.to_owned()));
        }
    };
    for s in st.repos[k].statuses.iter().rev().filter(|s| s.sha == sha) {
        add(&s.context, &s.state);
    }
    for c in st
        .check_runs
        .values()
        .rev()
        .filter(|c| c.repo == k && c.head_sha == sha)
    {
        let state = match (&c.conclusion, c.status.as_str()) {
            (Some(conclusion), "completed") => conclusion.as_str(),
            _ => "pending",
        };
        add(&c.name, state);
    }
    out
}

/// GitHub's 409 when the required contexts are not all `success` on `sha`: `required` (or,
/// when omitted, every context reported on the commit) with their states. A required context
/// nothing reported is listed as `pending` (GitHub's texts do not say which word it uses).
pub fn contexts_refusal(
    st: &State,
    k: &str,
    sha: &str,
    ref_name: &str,
    required: Option<&[String]>,
) -> Option<ApiError> {
    let reported = reported_contexts(st, k, sha);
    let checked: Vec<(String, String)> = match required {
        None => reported,
        Some(list) => list
            .iter()
            .map(|want| {
                let state = reported
                    .iter()
                    .find(|(c, _)| c == want)
                    .map_or("pending", |(_, s)| s.as_str());
                (want.clone(), state.to_owned())
            })
            .collect(),
    };
    if checked.iter().all(|(_, s)| s == "success") {
        return None;
    }
    let contexts: Vec<Value> = checked
        .iter()
        .map(|(c, s)| json!({"context": c, "state": s}))
        .collect();
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        format!("Conflict: Commit status checks failed for {ref_name}."),
    );
    e.errors = vec![json!({
        "contexts": contexts,
        "resource": "Deployment",
        "field": "required_contexts",
        "code": "invalid",
    })];
    Some(e)
}

/// The `performed_via_github_app` of something an App's installation token made (GitHub's
/// `integration`), `null` otherwise.
pub fn integration(base: &str, st: &State, app: Option<u64>) -> Value {
    let Some(a) = app.and_then(|id| st.apps.iter().find(|a| a.id == id)) else {
        return Value::Null;
    };
    let account = a
        .installations
        .first()
        .map_or("sandbox", |i| i.account.as_str());
    let permissions: serde_json::Map<String, Value> = a
        .permissions
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.as_str())))
        .collect();
    json!({
        "id": a.id,
        "slug": a.slug,
        "node_id": node_id("App", a.id),
        "owner": owner(base, st, account),
        "name": a.name.clone().unwrap_or_else(|| a.slug.clone()),
        "description": null,
        "external_url": format!("{base}/apps/{}", a.slug),
        "html_url": format!("{base}/apps/{}", a.slug),
        "created_at": ts(EPOCH),
        "updated_at": ts(EPOCH),
        "permissions": permissions,
        "events": [],
    })
}

/// The API URL of a deployment.
pub fn deployment_url(base: &str, full: &str, id: u64) -> String {
    format!("{}/deployments/{id}", repo_url(base, full))
}

/// A `deployment`.
pub fn deployment_json(base: &str, st: &State, full: &str, d: &Deployment) -> Value {
    let url = deployment_url(base, full, d.id);
    json!({
        "url": url,
        "id": d.id,
        "node_id": node_id("Deployment", d.id),
        "sha": d.sha,
        "ref": d.ref_name,
        "task": d.task,
        "payload": d.payload,
        "original_environment": d.original_environment,
        "environment": d.environment,
        "description": d.description,
        "creator": user(base, st, &d.creator),
        "created_at": ts(d.created),
        "updated_at": ts(d.updated),
        "statuses_url": format!("{url}/statuses"),
        "repository_url": repo_url(base, full),
        "transient_environment": d.transient_environment,
        "production_environment": d.production_environment,
        "performed_via_github_app": integration(base, st, d.app),
    })
}

/// A `deployment-status` of deployment `deployment`.
pub fn status_json(
    base: &str,
    st: &State,
    full: &str,
    deployment: u64,
    s: &DeploymentStatus,
) -> Value {
    let url = deployment_url(base, full, deployment);
    json!({
        "url": format!("{url}/statuses/{}", s.id),
        "id": s.id,
        "node_id": node_id("DeploymentStatus", s.id),
        "state": s.state,
        "creator": user(base, st, &s.creator),
        "description": s.description,
        "environment": s.environment,
        "target_url": s.target_url,
        "log_url": s.log_url,
        "environment_url": s.environment_url,
        "created_at": ts(s.created),
        "updated_at": ts(s.created),
        "deployment_url": url,
        "repository_url": repo_url(base, full),
        "performed_via_github_app": integration(base, st, s.app),
    })
}

/// An `environment` (no protection rules: the sandbox has none).
pub fn environment_json(base: &str, full: &str, e: &Environment) -> Value {
    json!({
        "id": e.id,
        "node_id": node_id("Environment", e.id),
        "name": e.name,
        "url": format!("{}/environments/{}", repo_url(base, full), e.name),
        "html_url": format!(
            "{base}/{full}/deployments/activity_log?environments_filter={}",
            e.name
        ),
        "created_at": ts(e.created),
        "updated_at": ts(e.updated),
        "protection_rules": [],
        "deployment_branch_policy": null,
    })
}

/// The webhook form of a deployment: the webhook schema's `payload` is an object, so a string
/// payload is delivered as the object it encodes (`{}` when it encodes none).
pub fn webhook_deployment(mut v: Value) -> Value {
    if let Some(Value::String(s)) = v.get("payload") {
        let parsed = serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        v["payload"] = parsed;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(id: u64, env: &str, production: bool, states: &[&str]) -> Deployment {
        Deployment {
            id,
            sha: "a".repeat(40),
            ref_name: "main".into(),
            task: "deploy".into(),
            payload: json!({}),
            original_environment: env.into(),
            environment: env.into(),
            description: None,
            creator: "bob".into(),
            app: None,
            transient_environment: false,
            production_environment: production,
            created: 0,
            updated: 0,
            statuses: states
                .iter()
                .enumerate()
                .map(|(i, s)| DeploymentStatus {
                    id: id * 10 + i as u64,
                    state: (*s).into(),
                    creator: "bob".into(),
                    app: None,
                    description: String::new(),
                    environment: env.into(),
                    target_url: String::new(),
                    log_url: String::new(),
                    environment_url: String::new(),
                    created: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn success_supersedes_prior_successful_non_production_deployments_only() {
        let ds = Deployments {
            list: vec![
                deployment(1, "staging", false, &["success"]),
                deployment(2, "staging", false, &["success", "inactive"]),
                deployment(3, "staging", false, &["failure"]),
                deployment(4, "production", true, &["success"]),
                deployment(5, "qa", false, &["success"]),
                deployment(6, "staging", false, &["pending"]),
                deployment(7, "staging", false, &["success"]),
            ],
            environments: Vec::new(),
        };
        assert_eq!(ds.superseded(6, "staging"), vec![1]);
        assert_eq!(ds.superseded(8, "staging"), vec![1, 7]);
        assert!(ds.superseded(8, "production").is_empty());
    }

    #[test]
    fn only_a_non_successful_latest_status_makes_a_deployment_inactive() {
        assert!(!deployment(1, "s", false, &[]).is_inactive());
        assert!(!deployment(1, "s", false, &["failure", "success"]).is_inactive());
        assert!(deployment(1, "s", false, &["success", "inactive"]).is_inactive());
        assert!(deployment(1, "s", false, &["error"]).is_inactive());
    }

    #[test]
    fn environments_are_created_once_whatever_the_case() {
        let mut ds = Deployments::default();
        ds.touch_environment("staging", Some(7), 10);
        ds.touch_environment("Staging", Some(8), 20);
        assert_eq!(ds.environments.len(), 1);
        assert_eq!(ds.environments[0].id, 7);
        assert_eq!(ds.environments[0].updated, 20);
    }

    #[test]
    fn webhooks_carry_string_payloads_as_objects() {
        let v = webhook_deployment(json!({"payload": "{\"a\": 1}"}));
        assert_eq!(v["payload"], json!({"a": 1}));
        let v = webhook_deployment(json!({"payload": "plain"}));
        assert_eq!(v["payload"], json!({}));
        let v = webhook_deployment(json!({"payload": {"b": 2}}));
        assert_eq!(v["payload"], json!({"b": 2}));
    }
}
