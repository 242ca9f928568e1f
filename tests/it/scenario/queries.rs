//! Reading the world back: stored manifests, what a release waits for, tier runs, branch heads,
//! comments, labels, statuses, files and pull requests.

use convoy::github::store::ManifestStore;
use convoy::lifecycle::Owner;
use convoy::model::ids::{ReleaseId, RepoName};
use convoy::model::manifest::{ReleaseManifest, RunKind, TierRun};
use convoy::model::numbers::{IssueNumber, PullNumber};
use serde_json::Value;

use super::Scenario;

impl Scenario {
    /// The release as stored now.
    pub async fn manifest(&self, id: &str) -> ReleaseManifest {
        self.manifest_opt(id)
            .await
            .unwrap_or_else(|| panic!("release {id} exists"))
    }

    /// The release as stored now, if it exists.
    pub async fn manifest_opt(&self, id: &str) -> Option<ReleaseManifest> {
        let store = ManifestStore {
            repo: RepoName::parse("acme/control").unwrap(),
            branch: None,
        };
        store
            .load(&self.bob, &ReleaseId::parse(id).unwrap())
            .await
            .unwrap()
            .map(|s| s.manifest)
    }

    /// What the last run of `id` waits for.
    pub fn waits(&self, id: &str) -> Vec<(Owner, String)> {
        self.runs
            .iter()
            .rev()
            .find(|r| r.release.as_str() == id)
            .and_then(|r| r.decisions.last())
            .map(|d| d.waits.iter().map(|w| (w.who, w.what.clone())).collect())
            .unwrap_or_default()
    }

    /// When the clock lets `id` move on, as its last run's wait on the clock says (a ship
    /// window, a freeze, a soak).
    pub fn clock_until(&self, id: &str) -> Option<convoy::model::time::Timestamp> {
        self.runs
            .iter()
            .rev()
            .find(|r| r.release.as_str() == id)
            .and_then(|r| r.decisions.last())
            .and_then(|d| d.waits.iter().find(|w| w.who == Owner::Clock))
            .and_then(|w| w.until)
    }

    /// The runs of `tier` (of `kind`) recorded in `m`.
    pub fn runs_of<'m>(m: &'m ReleaseManifest, tier: &str, kind: RunKind) -> Vec<&'m TierRun> {
        m.tier_runs
            .iter()
            .filter(|r| r.tier.as_str() == tier && r.kind == kind)
            .collect()
    }

    /// GET as bob (whose requests chaos never touches).
    pub async fn get(&self, path: &str) -> Value {
        self.bob.get(path).await.unwrap()
    }

    /// The head of `branch` in `repo`.
    pub async fn head(&self, repo: &str, branch: &str) -> String {
        let r = self
            .get(&format!("/repos/{repo}/git/ref/heads/{branch}"))
            .await;
        r["object"]["sha"].as_str().unwrap().to_owned()
    }

    /// Comments on an issue or pull request, bodies only.
    pub async fn comments(&self, repo: &str, issue: IssueNumber) -> Vec<String> {
        let c = self
            .get(&format!("/repos/{repo}/issues/{issue}/comments"))
            .await;
        c.as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["body"].as_str().map(str::to_owned))
            .collect()
    }

    /// Label names of an issue.
    pub async fn labels(&self, repo: &str, issue: IssueNumber) -> Vec<String> {
        let i = self.get(&format!("/repos/{repo}/issues/{issue}")).await;
        i["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// The statuses on `sha` in `repo`, newest first, as `(context, state, description)`.
    pub async fn statuses(&self, repo: &str, sha: &str) -> Vec<(String, String, String)> {
        let list = self
            .get(&format!("/repos/{repo}/commits/{sha}/statuses"))
            .await;
        list.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let f = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                (f("context"), f("state"), f("description"))
            })
            .collect()
    }

    /// A file at `git_ref` in `repo`, or `None` when it is not there.
    pub async fn file(&self, repo: &str, path: &str, git_ref: &str) -> Option<Value> {
        self.bot
            .get_opt(&format!("/repos/{repo}/contents/{path}?ref={git_ref}"))
            .await
            .unwrap()
    }

    /// A pull request.
    pub async fn pull(&self, repo: &str, number: PullNumber) -> Value {
        self.get(&format!("/repos/{repo}/pulls/{number}")).await
    }
}
