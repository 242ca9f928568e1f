//! The world around convoy, step by step: dispatches, webhook delivery, schedule ticks,
//! comments, pushes, developers landing tasks, tier runs finishing, config and milestone edits.

use convoy::lifecycle::Owner;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{Phase, ReleaseManifest, RepoState, RunStatus, TierRun};
use convoy::model::numbers::IssueNumber;
use serde_json::{Value, json};

use super::{Deliveries, Fate, Outcome, Scenario};

impl Scenario {
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

    /// Delivers every queued webhook event (and those they cause) until none is left. With
    /// [`Scenario::deliveries`], some deliveries to the control workflow come twice and some
    /// come late (after those of the next drain), as GitHub's may.
    pub async fn deliver(&mut self) -> usize {
        let mut n = 0;
        for _ in 0..60 {
            let events = self.bot.get("/_sandbox/events").await.unwrap();
            let events = events.as_array().cloned().unwrap_or_default();
            if events.is_empty() {
                let late = self
                    .deliveries
                    .as_mut()
                    .map(Deliveries::take_all)
                    .unwrap_or_default();
                if late.is_empty() {
                    return n;
                }
                for (name, payload) in late {
                    self.handle(&name, &payload).await;
                }
                continue;
            }
            let overdue = self
                .deliveries
                .as_mut()
                .map(|d| std::mem::take(&mut d.overdue))
                .unwrap_or_default();
            self.check_merge_groups(&events).await;
            // As GitHub delivers: the control repo's events to its workflow; a member
            // repository's through its convoy workflow's forwarded hint (back in the next drain).
            for e in events {
                let Some((name, payload)) =
                    convoy::demo::deliver_as_github(&self.bob, "acme/control", &e)
                        .await
                        .unwrap()
                else {
                    continue;
                };
                n += 1;
                match self.deliveries.as_mut().map(Deliveries::fate) {
                    Some(Fate::Twice) => {
                        self.handle(&name, &payload).await;
                        self.handle(&name, &payload).await;
                    }
                    Some(Fate::Later) => {
                        if let Some(d) = self.deliveries.as_mut() {
                            d.held.push((name, payload));
                        }
                    }
                    _ => self.handle(&name, &payload).await,
                }
            }
            // Held back a drain ago: they arrive now, after newer ones.
            for (name, payload) in overdue {
                self.handle(&name, &payload).await;
            }
            if let Some(d) = self.deliveries.as_mut() {
                d.overdue = std::mem::take(&mut d.held);
            }
        }
        panic!("events kept coming");
    }

    /// Acts as CI on the merge groups the drained `events` ask to check
    /// ([`Scenario::merge_group_ci`]), posting the `ci` status as bob.
    async fn check_merge_groups(&mut self, events: &[Value]) {
        let Some(ci) = self.merge_group_ci.as_mut() else {
            return;
        };
        let mut repos: Vec<String> = events
            .iter()
            .filter(|e| e["name"] == "merge_group")
            .filter_map(|e| e["repo"].as_str().map(str::to_owned))
            .collect();
        repos.sort();
        repos.dedup();
        for repo in repos {
            for g in crate::sandbox_support::merge_groups_awaiting_checks(events, &repo) {
                let Some(state) = ci(&g) else { continue };
                self.bob
                    .post(
                        &format!("/repos/{repo}/statuses/{}", g.head_sha),
                        &json!({"state": state, "context": "ci"}),
                    )
                    .await
                    .unwrap();
            }
        }
    }

    /// The scheduled safety-net run.
    pub async fn tick(&mut self) {
        self.handle("schedule", &json!({"schedule": "*/15 * * * *"}))
            .await;
        self.deliver().await;
    }

    /// A comment on an issue or pull request, typed by `user`.
    pub async fn comment(&mut self, repo: &str, issue: IssueNumber, user: &str, body: &str) {
        self.bot
            .post(
                &format!("/_sandbox/repos/{repo}/issues/{issue}/comments"),
                &json!({"user": user, "body": body}),
            )
            .await
            .unwrap();
        self.deliver().await;
    }

    /// `user` (token `t-<user>`) ticks the checkbox `key` of the tracking issue of `id`, as
    /// GitHub's page does (an edit of the body); returns the box's line.
    pub async fn check_box(&mut self, id: &str, user: &str, key: &str) -> String {
        let issue = self.manifest(id).await.tracking_issue.unwrap();
        let gh = convoy::demo::sandbox_client(&self.url, &format!("t-{user}")).unwrap();
        let line = convoy::demo::controls::tick(&gh, "acme/control", issue, key)
            .await
            .unwrap_or_else(|e| panic!("{user} ticking {key}: {e:#}"));
        self.deliver().await;
        line
    }

    /// Delivers one event as GitHub would deliver it again (a redelivery, a re-run workflow).
    pub async fn redeliver(&mut self, name: &str, payload: &Value) {
        self.handle(name, payload).await;
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
            // As a developer would: the first method the repository allows.
            let mut merged = None;
            for method in ["merge", "squash", "rebase"] {
                let answer = self
                    .bob
                    .put(
                        &format!("/repos/{}/pulls/{number}/merge", t.repo),
                        &json!({"merge_method": method}),
                    )
                    .await;
                merged = Some(answer);
                if merged.as_ref().is_some_and(Result::is_ok) {
                    break;
                }
            }
            merged.unwrap().unwrap();
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
                Ok(_) => {
                    n += 1;
                    // The tier workflow's last job reports to the control repo.
                    convoy::demo::report_tier(&self.bob, "acme/control", id, run, conclusion)
                        .await
                        .unwrap();
                }
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
        outcome: impl FnMut(&TierRun) -> Outcome,
    ) -> ReleaseManifest {
        self.drive_all(&[(id, phase)], outcome).await.remove(0)
    }

    /// [`Scenario::drive_until`] for several releases at once: the world's steps take turns
    /// between the releases still short of their goal, so that they move on side by side (and
    /// compete for what they share, staging). Returns each release as stored at the end, in
    /// the order of `goals`.
    pub async fn drive_all(
        &mut self,
        goals: &[(&str, Phase)],
        mut outcome: impl FnMut(&TierRun) -> Outcome,
    ) -> Vec<ReleaseManifest> {
        let mut idle = 0;
        let mut review_waits = 0;
        let rounds = if self.tolerant { 300 } else { 60 } * goals.len();
        for round in 0..rounds {
            let mut before = Vec::new();
            for (id, _) in goals {
                before.push(self.manifest(id).await);
            }
            let pending: Vec<&ReleaseManifest> = before
                .iter()
                .zip(goals)
                .filter(|(m, (_, phase))| m.phase != *phase && m.phase.is_active())
                .map(|(m, _)| m)
                .collect();
            let Some(m) = pending.get(round % pending.len().max(1)).copied().cloned() else {
                return before;
            };
            let id = m.id.as_str();
            let waits = self.waits(id);
            let humans = waits.iter().any(|(w, _)| *w == Owner::Human);
            if self.finish_runs(id, &mut outcome).await > 0 {
                idle = 0;
                continue;
            }
            let awaiting_review = m.repos.iter().any(|r| r.state == RepoState::AwaitingReview);
            // The waits are the last finished run's: a run that failed after moving the release
            // on leaves them behind, so with no task left to land the world ticks instead.
            let unsettled = m.tasks.iter().any(|t| !t.status.is_settled());
            if unsettled && waits.iter().any(|(w, _)| *w == Owner::Developers) {
                self.land_tasks(id).await;
            } else if let (true, Some(after)) = (awaiting_review, self.review_after) {
                review_waits += 1;
                if review_waits > after {
                    self.approve_awaited_reviews(&m).await;
                    review_waits = 0;
                } else {
                    self.tick().await;
                }
            } else if humans && waits.iter().any(|(_, what)| what.contains("approve")) {
                self.say(id, "alice", "/convoy approve").await;
            } else if let Some(until) = self.clock_until(id) {
                // A ship window, a freeze or a soak: let that much time pass, and the
                // scheduled run carries the release on.
                self.advance_to(until);
                self.tick().await;
            } else {
                self.tick().await;
            }
            let mut after = Vec::new();
            for (id, _) in goals {
                after.push(self.manifest(id).await);
            }
            if after == before {
                let lost = before
                    .iter()
                    .flat_map(|m| &m.tier_runs)
                    .any(|r| r.status == RunStatus::Requested && r.run_id.is_none());
                if self.tolerant && lost {
                    // Under chaos a dispatch recorded by a run that crashed before making it is
                    // made again once overdue: let that much time pass (and no more, so that
                    // tier timeouts stay out of play).
                    self.advance_minutes(convoy::lifecycle::LOST_DISPATCH_MINUTES + 1);
                }
                let locked = goals.iter().any(|(id, _)| {
                    self.waits(id)
                        .iter()
                        .any(|(_, what)| what.contains("locked by release"))
                });
                if self.tolerant && locked {
                    // A staging lock left by a run that crashed, or whose delete failed, lapses
                    // after a while: let that much time pass, as it would between scheduled runs.
                    self.advance_minutes(convoy::model::staging_lock::LAPSE_MINUTES + 1);
                }
                idle += 1;
                if idle > if self.tolerant { 12 } else { 3 } * goals.len() {
                    break;
                }
            } else {
                idle = 0;
            }
        }
        let mut out = Vec::new();
        for (id, phase) in goals {
            let m = self.manifest(id).await;
            assert!(
                m.phase == *phase || !m.phase.is_active(),
                "release {id} is stuck in {} waiting for {:#?}",
                m.phase.as_str(),
                self.waits(id)
            );
            out.push(m);
        }
        out
    }

    /// bob approves every promotion pull request that waits for a review, then the events go
    /// to convoy.
    pub async fn approve_awaited_reviews(&mut self, m: &ReleaseManifest) {
        for r in m
            .repos
            .iter()
            .filter(|r| r.state == RepoState::AwaitingReview)
        {
            let Some(wait) = &r.review else { continue };
            self.bob
                .post(
                    &format!("/repos/{}/pulls/{}/reviews", r.name, wait.pull),
                    &json!({"event": "APPROVE", "body": "Reviewed, late."}),
                )
                .await
                .unwrap();
        }
        self.deliver().await;
    }

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
}
