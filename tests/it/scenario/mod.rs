//! A scenario harness for whole releases through the sandbox: GitHub's API over real git, and
//! convoy driven exactly as GitHub Actions would drive it (each webhook event the sandbox emits
//! goes through `parse_event` → `Runner::handle`).
//!
//! A scenario edits the demo seed (config, branch protection, workflows), creates a release, and
//! then plays the world step by step: developers land tasks, tier runs finish the way the
//! scenario says, people comment. The clock is logical and can jump (timeouts).
#![allow(dead_code)]

pub mod invariants;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use convoy::demo::{SEED, sandbox_client};
use convoy::github::GitHub;
use convoy::github::store::ManifestStore;
use convoy::lifecycle::Owner;
use convoy::lifecycle::action::ActionOutcome;
use convoy::model::ids::{ReleaseId, RepoName};
use convoy::model::manifest::{Phase, ReleaseManifest, RunKind, RunStatus, TierRun};
use convoy::model::time::Timestamp;
use convoy::runner::{ReleaseRun, Runner};
use convoy::sandbox::{Sandbox, SandboxHandle, Seed};
use serde_json::{Value, json};

/// What a finished tier run concludes, as the scenario decides.
pub type Outcome = Option<&'static str>;

/// One sandbox, one control repo, any number of releases.
pub struct Scenario {
    pub sandbox: SandboxHandle,
    pub url: String,
    /// convoy's token (the App).
    pub bot: GitHub,
    /// A developer with write access.
    pub bob: GitHub,
    /// Seconds added to the logical clock.
    offset: Arc<AtomicI64>,
    clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    /// Every run, in order.
    pub runs: Vec<ReleaseRun>,
    /// Every failed action's error, in order.
    pub failures: Vec<String>,
    /// Chaos mode: a run that fails is recorded in `errors` instead of failing the test.
    pub tolerant: bool,
    /// Errors of runs that failed (tolerant mode).
    pub errors: Vec<String>,
    /// Crash the `n`th run (0-based, counting every run) once it made `k` more requests: the
    /// run's future is dropped there, as if the process exited.
    pub crash: Option<(usize, u64)>,
    /// Runs started so far.
    pub started: usize,
    /// Called after every run (chaos invariants).
    pub after_run: Option<AfterRun>,
    /// When above 1, every event is handled by this many runs at once ([`Scenario::race`]).
    pub racers: usize,
}

/// A check run after every run; returns violations.
pub type AfterRun = Box<
    dyn for<'a> Fn(
            &'a Scenario,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<String>> + Send + 'a>>
        + Send
        + Sync,
>;

/// The demo seed with `edit` applied to its `convoy.json` (as JSON) and `seed` to the seed.
pub fn seed_with(config: impl FnOnce(&mut Value), seed: impl FnOnce(&mut Value)) -> Seed {
    let mut s: Value = serde_json::from_str(SEED).unwrap();
    let control = s["repos"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == "acme/control")
        .unwrap();
    let mut cfg: Value = serde_json::from_str(control["files"]["convoy.json"].as_str().unwrap())
        .expect("the demo config is JSON");
    config(&mut cfg);
    control["files"]["convoy.json"] = Value::String(serde_json::to_string_pretty(&cfg).unwrap());
    seed(&mut s);
    Seed::from_json(&s.to_string()).unwrap()
}

/// The seed repo entry named `name`.
pub fn seed_repo<'a>(seed: &'a mut Value, name: &str) -> &'a mut Value {
    seed["repos"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == name)
        .unwrap()
}

impl Scenario {
    /// Starts a sandbox with `seed`.
    pub async fn start(seed: Seed) -> Scenario {
        let sandbox = Sandbox::start(seed, None).await.unwrap();
        let url = sandbox.url();
        let offset = Arc::new(AtomicI64::new(0));
        let ticks = AtomicI64::new(0);
        let off = offset.clone();
        // 2026-12-01 09:00 UTC, two seconds per reading, plus the scenario's jumps.
        let clock = Box::new(move || {
            Timestamp::from_unix_seconds(
                1_796_115_600
                    + 2 * ticks.fetch_add(1, Ordering::Relaxed)
                    + off.load(Ordering::Relaxed),
            )
            .unwrap()
        });
        Scenario {
            bot: sandbox_client(&url, "t-bot").unwrap(),
            bob: sandbox_client(&url, "t-bob").unwrap(),
            sandbox,
            url,
            offset,
            clock,
            runs: Vec::new(),
            failures: Vec::new(),
            tolerant: false,
            errors: Vec::new(),
            crash: None,
            started: 0,
            after_run: None,
            racers: 1,
        }
    }

    /// The demo seed, unchanged.
    pub async fn demo() -> Scenario {
        Scenario::start(seed_with(|_| {}, |_| {})).await
    }

    /// Moves the clock forward.
    pub fn advance_minutes(&self, minutes: i64) {
        self.offset.fetch_add(minutes * 60, Ordering::Relaxed);
    }

    fn runner(&self) -> Runner<'_> {
        self.runner_for(&self.bot)
    }

    /// The runner a workflow run of the control repo would build, acting through `gh`.
    fn runner_for<'a>(&'a self, gh: &'a GitHub) -> Runner<'a> {
        let store = ManifestStore {
            repo: RepoName::parse("acme/control").unwrap(),
            branch: None,
        };
        Runner::new(gh, store, "convoy.json").with_clock(&*self.clock)
    }

    async fn handle(&mut self, name: &str, payload: &Value) {
        if self.racers > 1 {
            self.race(name, payload, self.racers).await;
            if let Some(check) = &self.after_run {
                let violations = check(self).await;
                assert!(
                    violations.is_empty(),
                    "after racing runs ({name}): {violations:#?}"
                );
            }
            return;
        }
        let bytes = serde_json::to_vec(payload).unwrap();
        let signal = convoy::event::parse_event(name, &bytes)
            .unwrap_or_else(|e| panic!("parsing a {name} event: {e}"));
        let n = self.started;
        self.started += 1;
        let crash_after = self.crash.filter(|(run, _)| *run == n).map(|(_, k)| k);
        let result = {
            let runner = self.runner();
            let run = runner.handle(&signal);
            match crash_after {
                None => Some(run.await),
                Some(k) => {
                    let bot = &self.bot;
                    let start = bot.requests();
                    tokio::select! {
                        r = run => Some(r),
                        () = async {
                            while bot.requests() < start + k {
                                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                            }
                        } => None,
                    }
                }
            }
        };
        let runs = match result {
            Some(Ok(runs)) => runs,
            Some(Err(e)) if self.tolerant => {
                self.errors.push(format!("{name}: {e:#}"));
                Vec::new()
            }
            Some(Err(e)) => panic!("handling a {name} event: {e:#}"),
            None => {
                self.errors
                    .push(format!("{name}: crashed after {crash_after:?} requests"));
                Vec::new()
            }
        };
        if let Some(check) = &self.after_run {
            let violations = check(self).await;
            assert!(
                violations.is_empty(),
                "after run {n} ({name}): {violations:#?}"
            );
        }
        for run in &runs {
            for e in &run.executed {
                if let ActionOutcome::Failed { error } = &e.outcome {
                    self.failures.push(error.clone());
                }
            }
        }
        self.runs.extend(runs);
    }

    /// `n` runs handle the same event at once, as `n` workflow runs would, each with its own
    /// client. Runs that lose every compare-and-swap (`Contended`) are recorded in `errors`;
    /// any other failure fails the test.
    pub async fn race(&mut self, name: &str, payload: &Value, n: usize) {
        let bytes = serde_json::to_vec(payload).unwrap();
        let signal = convoy::event::parse_event(name, &bytes).unwrap();
        let clients: Vec<GitHub> = (0..n)
            .map(|_| sandbox_client(&self.url, "t-bot").unwrap())
            .collect();
        let runners: Vec<Runner<'_>> = clients.iter().map(|gh| self.runner_for(gh)).collect();
        let results = futures::future::join_all(runners.iter().map(|r| r.handle(&signal))).await;
        drop(runners);
        self.started += n;
        let mut runs = Vec::new();
        for r in results {
            match r {
                Ok(rs) => runs.extend(rs),
                Err(e @ convoy::runner::RunError::Contended(_)) => {
                    self.errors.push(e.to_string());
                }
                Err(e) => panic!("a racing run of a {name} event failed: {e:#}"),
            }
        }
        for run in &runs {
            for e in &run.executed {
                if let ActionOutcome::Failed { error } = &e.outcome {
                    self.failures.push(error.clone());
                }
            }
        }
        self.runs.extend(runs);
    }

    /// A `workflow_dispatch` of the control workflow by `actor`.
    pub async fn dispatch(&mut self, actor: &str, command: &str, release: &str, args: &str) {
        let payload = json!({
            "inputs": {"command": command, "release": release, "args": args},
            "ref": "refs/heads/main",
            "repository": {"full_name": "acme/control", "name": "control", "owner": {"login": "acme"}},
            "sender": {"login": actor, "type": "User"},
            "workflow": ".github/workflows/convoy.yml"
        });
        self.handle("workflow_dispatch", &payload).await;
        self.deliver().await;
    }

    /// `create` by alice.
    pub async fn create(&mut self, id: &str, args: &str) {
        self.dispatch("alice", "create", id, args).await;
    }

    /// Delivers every queued webhook event (and those they cause) until none is left.
    pub async fn deliver(&mut self) -> usize {
        let mut n = 0;
        for _ in 0..50 {
            let events = self.bot.get("/_sandbox/events").await.unwrap();
            let events = events.as_array().cloned().unwrap_or_default();
            if events.is_empty() {
                return n;
            }
            for e in events {
                n += 1;
                self.handle(e["name"].as_str().unwrap(), &e["payload"])
                    .await;
            }
        }
        panic!("events kept coming");
    }

    /// The scheduled safety-net run.
    pub async fn tick(&mut self) {
        self.handle("schedule", &json!({"schedule": "*/15 * * * *"}))
            .await;
        self.deliver().await;
    }

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

    /// A comment on an issue or pull request, typed by `user`.
    pub async fn comment(&mut self, repo: &str, issue: u64, user: &str, body: &str) {
        self.bot
            .post(
                &format!("/_sandbox/repos/{repo}/issues/{issue}/comments"),
                &json!({"user": user, "body": body}),
            )
            .await
            .unwrap();
        self.deliver().await;
    }

    /// A comment on the tracking issue of `id`.
    pub async fn say(&mut self, id: &str, user: &str, body: &str) {
        let issue = self.manifest(id).await.tracking_issue.unwrap();
        self.comment("acme/control", issue, user, body).await;
    }

    /// A push of one commit by bob; returns its SHA.
    pub async fn push(&mut self, repo: &str, branch: &str, file: &str, content: &str) -> String {
        let out = self
            .bob
            .post(
                &format!("/_sandbox/repos/{repo}/commits"),
                &json!({"branch": branch, "message": format!("Change {file}"), "files": {file: content}, "author": "bob"}),
            )
            .await
            .unwrap();
        let sha = out.body["sha"].as_str().unwrap().to_owned();
        self.deliver().await;
        sha
    }

    /// Developers land every open task of `id`: a branch, a pull request into the RC branch
    /// that closes the issue, merged.
    pub async fn land_tasks(&mut self, id: &str) {
        let m = self.manifest(id).await;
        for t in m.tasks.iter().filter(|t| !t.status.is_settled()) {
            let rc = m.repo(&t.repo).unwrap().rc_branch.clone();
            let n = t.issue.number();
            let branch = format!("task-{}-{n}", m.id);
            self.bob
                .post(&format!("/_sandbox/repos/{}/commits", t.repo), &json!({"branch": branch, "message": format!("Work on #{n}"), "files": {format!("src/{}-task-{n}.txt", m.id): "done\n"}, "author": "bob"}))
                .await
                .unwrap();
            let pr = self
                .bob
                .post(&format!("/repos/{}/pulls", t.repo), &json!({"title": format!("Task {n}"), "head": branch, "base": rc.as_str(), "body": format!("Closes #{n}")}))
                .await
                .unwrap();
            let number = pr.body["number"].as_u64().unwrap();
            self.bob
                .put(
                    &format!("/repos/{}/pulls/{number}/merge", t.repo),
                    &json!({"merge_method": "merge"}),
                )
                .await
                .unwrap();
        }
        self.deliver().await;
    }

    /// Finishes every unfinished run of `id` the way `outcome` says (`None`: leaves it going).
    /// Returns how many finished.
    pub async fn finish_runs(
        &mut self,
        id: &str,
        mut outcome: impl FnMut(&TierRun) -> Outcome,
    ) -> usize {
        let m = self.manifest(id).await;
        let mut n = 0;
        for run in m
            .tier_runs
            .iter()
            .filter(|r| r.status != RunStatus::Completed)
        {
            let Some(run_id) = run.run_id else { continue };
            let Some(conclusion) = outcome(run) else {
                continue;
            };
            self.bot
                .post(&format!("/_sandbox/runs/{run_id}/start"), &json!({}))
                .await
                .ok();
            match self
                .bot
                .post(
                    &format!("/_sandbox/runs/{run_id}/complete"),
                    &json!({"conclusion": conclusion}),
                )
                .await
            {
                Ok(_) => n += 1,
                // Already over on GitHub (convoy cancelled it past its timeout, say) while the
                // manifest has not caught up: nothing left to finish.
                Err(convoy::github::client::GhError::Conflict { .. }) => {}
                Err(e) => panic!("completing run {run_id}: {e}"),
            }
        }
        self.deliver().await;
        n
    }

    /// Plays the ordinary world until `id` reaches `phase` (or ends): tasks land, runs finish
    /// as `outcome` says, alice approves every gate. Panics when the release gets stuck.
    pub async fn drive_until(
        &mut self,
        id: &str,
        phase: Phase,
        mut outcome: impl FnMut(&TierRun) -> Outcome,
    ) -> ReleaseManifest {
        let mut idle = 0;
        for _ in 0..if self.tolerant { 300 } else { 60 } {
            let m = self.manifest(id).await;
            if m.phase == phase || !m.phase.is_active() {
                return m;
            }
            let waits = self.waits(id);
            let humans = waits.iter().any(|(w, _)| *w == Owner::Human);
            if self.finish_runs(id, &mut outcome).await > 0 {
                idle = 0;
                continue;
            }
            if waits.iter().any(|(w, _)| *w == Owner::Developers) {
                self.land_tasks(id).await;
            } else if humans && waits.iter().any(|(_, what)| what.contains("approve")) {
                self.say(id, "alice", "/convoy approve").await;
            } else {
                self.tick().await;
            }
            if self.manifest(id).await == m {
                let lost = m
                    .tier_runs
                    .iter()
                    .any(|r| r.status == RunStatus::Requested && r.run_id.is_none());
                if self.tolerant && lost {
                    // Under chaos a dispatch recorded by a run that crashed before making it is
                    // made again once overdue: let that much time pass (and no more, so that
                    // tier timeouts stay out of play).
                    self.advance_minutes(convoy::lifecycle::LOST_DISPATCH_MINUTES + 1);
                }
                idle += 1;
                if idle > if self.tolerant { 12 } else { 3 } {
                    break;
                }
            } else {
                idle = 0;
            }
        }
        let m = self.manifest(id).await;
        assert!(
            m.phase == phase || !m.phase.is_active(),
            "release {id} is stuck in {} waiting for {:#?}",
            m.phase.as_str(),
            self.waits(id)
        );
        m
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
    pub async fn comments(&self, repo: &str, issue: u64) -> Vec<String> {
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
    pub async fn labels(&self, repo: &str, issue: u64) -> Vec<String> {
        let i = self.get(&format!("/repos/{repo}/issues/{issue}")).await;
        i["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["name"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Scenario {
    /// `create` by alice, returning the run's error instead of panicking.
    pub async fn try_create(&mut self, id: &str, args: &str) -> Result<(), String> {
        let payload = json!({
            "inputs": {"command": "create", "release": id, "args": args},
            "ref": "refs/heads/main",
            "repository": {"full_name": "acme/control", "name": "control", "owner": {"login": "acme"}},
            "sender": {"login": "alice", "type": "User"},
            "workflow": ".github/workflows/convoy.yml"
        });
        let bytes = serde_json::to_vec(&payload).unwrap();
        let signal = convoy::event::parse_event("workflow_dispatch", &bytes).unwrap();
        let runs = self
            .runner()
            .handle(&signal)
            .await
            .map_err(|e| e.to_string())?;
        self.runs.extend(runs);
        self.deliver().await;
        Ok(())
    }

    /// Edits `convoy.json` in the control repo (a push by bob).
    pub async fn edit_config(&mut self, edit: impl FnOnce(&mut Value)) {
        let text = convoy::github::store::ManifestStore {
            repo: RepoName::parse("acme/control").unwrap(),
            branch: None,
        }
        .read_text(&self.bot, "convoy.json")
        .await
        .unwrap()
        .unwrap();
        let mut cfg: Value = serde_json::from_str(&text).unwrap();
        edit(&mut cfg);
        let text = serde_json::to_string_pretty(&cfg).unwrap();
        self.push("acme/control", "main", "convoy.json", &text)
            .await;
    }

    /// A developer opens a pull request for task `repo#number` of `id` into its RC branch, not
    /// merged; returns its number and head SHA.
    pub async fn open_task_pull(&mut self, id: &str, repo: &str, number: u64) -> (u64, String) {
        let m = self.manifest(id).await;
        let rc = m
            .repo(&RepoName::parse(repo).unwrap())
            .unwrap()
            .rc_branch
            .clone();
        let branch = format!("task-{id}-{number}");
        let out = self
            .bob
            .post(&format!("/_sandbox/repos/{repo}/commits"), &json!({"branch": branch, "message": format!("Work on #{number}"), "files": {format!("src/{id}-task-{number}.txt"): "done\n"}, "author": "bob"}))
            .await
            .unwrap();
        let sha = out.body["sha"].as_str().unwrap().to_owned();
        let pr = self
            .bob
            .post(&format!("/repos/{repo}/pulls"), &json!({"title": format!("Task {number}"), "head": branch, "base": rc.as_str(), "body": format!("Closes #{number}")}))
            .await
            .unwrap();
        let n = pr.body["number"].as_u64().unwrap();
        self.deliver().await;
        (n, sha)
    }

    /// bob puts issue `repo#number` in the milestone titled `title` (`None`: takes it out).
    pub async fn set_milestone(&mut self, repo: &str, number: u64, title: Option<&str>) {
        let milestone = match title {
            Some(t) => {
                let all = self
                    .get(&format!("/repos/{repo}/milestones?state=all"))
                    .await;
                all.as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["title"] == t)
                    .unwrap_or_else(|| panic!("{repo} has no milestone {t}"))["number"]
                    .clone()
            }
            None => Value::Null,
        };
        self.bob
            .patch(
                &format!("/repos/{repo}/issues/{number}"),
                &json!({ "milestone": milestone }),
            )
            .await
            .unwrap();
        self.deliver().await;
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
    pub async fn pull(&self, repo: &str, number: u64) -> Value {
        self.get(&format!("/repos/{repo}/pulls/{number}")).await
    }
}

/// Every tier run passes.
pub fn pass(_: &TierRun) -> Outcome {
    Some("success")
}
