//! One `convoy run`, end to end: route the signal to its releases, then for each release
//! load → observe → decide → execute → write, in rounds until nothing is left to do now.
//!
//! Each run reads afresh what its event concerns, and takes the rest from what convoy saw at the
//! same manifest revision ([`memory`], [`crate::lifecycle::Scope`]); a decision reaching beyond
//! that reads everything and decides again.
//!
//! The manifest is written with compare-and-swap: when another run wrote first, this run
//! reloads, observes and decides again (bounded). A dry run decides and reports, and changes
//! nothing.

pub mod memory;
mod staging;
mod words;

use std::collections::BTreeSet;

use futures::future::try_join_all;

use crate::github::client::{GhError, GitHub};
use crate::github::execute::execute;
use crate::github::observe::{observe, observe_in, observe_reviewer_permissions};
use crate::github::others::observe_task_pulls;
use crate::github::sprint::{gather_sprint_tasks, read_unnamed_milestone};
use crate::github::staging_lock::{self, LockError};
use crate::github::store::{ManifestStore, StoreError, Stored};
use crate::lifecycle::action::{ActionOutcome, Executed};
use crate::lifecycle::{Decision, Observed, Scope, WebLinks, decide, settle};
use crate::model::config::Config;
use crate::model::create::{CreateError, CreateRequest};
use crate::model::history::HistoryEvent;
use crate::model::ids::{Login, ReleaseId, RepoName};
use crate::model::manifest::{Phase, ReleaseManifest};
use crate::model::time::Timestamp;
use crate::plan::Plan;
use crate::shell::Round;
use crate::signal::{Command, CreateArgs, Signal};
use crate::validate::Problem;
use words::{commit_message, signal_kind};

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The signal names a release that does not exist.
    #[error("release {0} does not exist; create it first (`create` with release={0})")]
    NoSuchRelease(ReleaseId),
    /// A command needs a release id and none was given.
    #[error("`{0}` needs a release: give the `release` input or `client_payload.release`")]
    NoRelease(&'static str),
    /// The config is missing or invalid.
    #[error("{file} in {repo}: {problem}")]
    Config {
        /// The control repo.
        repo: RepoName,
        /// The config file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The release cannot be created from this config and these arguments.
    #[error("cannot create the release: {0}")]
    Create(#[from] CreateError),
    /// Reading or writing the manifest failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// GitHub failed.
    #[error(transparent)]
    GitHub(#[from] GhError),
    /// `create carry_over=<id>` names a release that does not exist.
    #[error(
        "cannot carry over from release {0}: releases/{0}/manifest.json does not exist in the control repo; check the id, or create without carry_over"
    )]
    NoCarryOver(ReleaseId),
    /// `create sprints=…` names a sprint that no member repo has a milestone for.
    #[error(
        "cannot create the release: no member repo has a milestone titled {}; check `sprints=` (titles match exactly, in any member repo, open or closed), or leave it out to use the config's sprints",
        .0.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
    )]
    UnknownSprints(Vec<String>),
    /// Taking or releasing a staging lock failed.
    #[error(transparent)]
    StagingLock(#[from] LockError),
    /// Other runs kept writing the manifest first.
    #[error("releases/{0}/manifest.json kept changing under this run; the next run will carry on")]
    Contended(ReleaseId),
}

/// What a run did to one release.
#[derive(Debug, Clone)]
pub struct ReleaseRun {
    /// The release.
    pub release: ReleaseId,
    /// The manifest at the end of the run.
    pub manifest: ReleaseManifest,
    /// Each round's decision.
    pub decisions: Vec<Decision>,
    /// Each round's phase changes, `(from, to)` in order: one entry per decision.
    pub moves: Vec<Vec<(Phase, Phase)>>,
    /// Every action taken, across rounds.
    pub executed: Vec<Executed>,
    /// Whether the manifest changed.
    pub changed: bool,
    /// On a dry run of `create` for a release that does not exist yet: the plan of the release
    /// it would create (nothing was written).
    pub would_create: Option<Plan>,
}

/// Where a run reads the time: [`crate::clock::now`], or a logical clock in the demo, the tests
/// and the benchmarks.
pub type Clock<'a> = &'a (dyn Fn() -> Timestamp + Send + Sync);

/// Rounds per release per run, unless [`Runner::with_max_rounds`] says otherwise.
pub const DEFAULT_MAX_ROUNDS: usize = 6;

/// The pieces a run needs. Built with [`Runner::new`] and the `with_…` methods, the one place
/// that puts a runner and its clock together.
pub struct Runner<'a> {
    /// The client.
    gh: &'a GitHub,
    /// Where manifests live.
    store: ManifestStore,
    /// The config file's path in the control repo.
    config_file: String,
    /// Decide and report only.
    dry_run: bool,
    /// The clock.
    clock: Clock<'a>,
    /// Rounds per release per run.
    max_rounds: usize,
    /// The web server's address, for the links in what convoy writes.
    server_url: String,
    /// What convoy last saw of each release.
    memory: memory::Memory,
}

impl<'a> Runner<'a> {
    /// A runner that acts through `gh`, keeps manifests in `store` and reads the config from
    /// `config_file` in the control repo; it reads the system clock, acts (no dry run) and makes
    /// at most [`DEFAULT_MAX_ROUNDS`] rounds per release.
    pub fn new(gh: &'a GitHub, store: ManifestStore, config_file: impl Into<String>) -> Self {
        Runner {
            gh,
            store,
            config_file: config_file.into(),
            dry_run: false,
            clock: &crate::clock::now,
            max_rounds: DEFAULT_MAX_ROUNDS,
            server_url: String::new(),
            memory: memory::Memory::default(),
        }
    }

    /// The same runner, starting from what an earlier run saw (a cache file's).
    #[must_use]
    pub fn with_memory(self, memory: memory::Memory) -> Self {
        Runner { memory, ..self }
    }

    /// What the runner has seen of each release so far, for the cache file.
    pub fn memory(&self) -> &memory::Memory {
        &self.memory
    }

    /// The same runner, linking to pages on `server_url` (`GITHUB_SERVER_URL`; default
    /// `https://github.com`).
    #[must_use]
    pub fn with_server_url(self, server_url: impl Into<String>) -> Self {
        Runner {
            server_url: server_url.into(),
            ..self
        }
    }

    /// Where people read GitHub, for the links `decide` writes.
    fn web(&self) -> WebLinks {
        WebLinks::new(&self.server_url, self.store.branch.clone())
    }

    /// The same runner, reading the time from `clock`.
    #[must_use]
    pub fn with_clock(self, clock: Clock<'a>) -> Self {
        Runner { clock, ..self }
    }

    /// The same runner; with `dry_run`, it decides and reports only.
    #[must_use]
    pub fn with_dry_run(self, dry_run: bool) -> Self {
        Runner { dry_run, ..self }
    }

    /// The same runner, making at most `max_rounds` rounds per release per run.
    #[must_use]
    pub fn with_max_rounds(self, max_rounds: usize) -> Self {
        Runner { max_rounds, ..self }
    }
}

impl Runner<'_> {
    /// Handles one signal: creates a release for `create`, then reconciles every release the
    /// signal concerns.
    pub async fn handle(&self, signal: &Signal) -> Result<Vec<ReleaseRun>, RunError> {
        if let Signal::Command(c) = signal
            && let Command::Create(args) = &c.command
        {
            let id = c.release.clone().ok_or(RunError::NoRelease("create"))?;
            if self.store.load(self.gh, &id).await?.is_none() {
                if self.dry_run {
                    return Ok(vec![self.dry_create(&id, args, &c.actor).await?]);
                }
                self.create(&id, args, &c.actor).await?;
            }
            return Ok(vec![self.reconcile(&id, &Signal::Schedule).await?]);
        }
        // A forwarded event names an object; what it says is read from GitHub.
        let forwarded;
        let signal = match signal {
            Signal::Forwarded(hint) => {
                forwarded = crate::github::forwarded::resolve(self.gh, hint).await?;
                &forwarded
            }
            other => other,
        };
        // A `demilestoned` that names no milestone: what the issue holds now, read once.
        let read = read_unnamed_milestone(self.gh, signal).await?;
        let signal = read.as_ref().unwrap_or(signal);
        let mut runs = Vec::new();
        for id in self.route(signal).await? {
            runs.push(self.reconcile(&id, signal).await?);
        }
        Ok(runs)
    }

    /// The releases a signal concerns.
    pub async fn route(&self, signal: &Signal) -> Result<Vec<ReleaseId>, RunError> {
        let named = match signal {
            Signal::Command(c) => c.release.clone(),
            Signal::TaskCompleted { release, .. } | Signal::TierCompleted { release, .. } => {
                Some(release.clone())
            }
            Signal::Changed { release, .. } => release.clone(),
            _ => None,
        };
        if let Some(id) = named {
            // `reconcile` loads it (and says when it does not exist).
            return Ok(vec![id]);
        }
        if let Signal::Command(c) = signal
            && !matches!(
                c.command,
                Command::Reconcile | Command::Status | Command::Plan
            )
        {
            return Err(RunError::NoRelease("this command"));
        }
        if let Signal::Ignored { .. } = signal {
            return Ok(Vec::new());
        }
        // Everything else (schedule, pull requests, pushes, runs, comments) reconciles every
        // active release, and a rolled-back one whose reverts have not all merged: each decides
        // for itself whether the event concerns it. A comment on the tracking issue of a release
        // that has ended (shipped, aborted, rolled back) reaches that release too, so a command
        // valid there (`rollback` after shipping) is obeyed and any other gets a reply.
        let ids = self.store.list(self.gh).await?;
        let loaded = try_join_all(ids.iter().map(|id| self.store.load(self.gh, id))).await?;
        let on_tracking_issue = |m: &crate::model::manifest::ReleaseManifest| match signal {
            Signal::Comment(c) => {
                c.repo == m.control_repo && m.tracking_issue == Some(c.issue) && !c.author_is_bot
            }
            _ => false,
        };
        // A member repo's `convoy.changed` concerns only the releases it is part of.
        let concerned = |m: &ReleaseManifest| match signal {
            Signal::Changed { repo, .. } => m.repo(repo).is_some(),
            _ => true,
        };
        Ok(loaded
            .into_iter()
            .flatten()
            .filter(|s| {
                (s.manifest.wants_runs() && concerned(&s.manifest))
                    || on_tracking_issue(&s.manifest)
            })
            .map(|s| s.manifest.id)
            .collect())
    }

    /// Creates the release's manifest from the config in the control repo (tasks from the
    /// sprints' milestones plus the explicit ones).
    pub async fn create(
        &self,
        id: &ReleaseId,
        args: &CreateArgs,
        actor: &Login,
    ) -> Result<(), RunError> {
        let manifest = self.new_manifest(id, args, actor).await?;
        if self.dry_run {
            return Ok(());
        }
        match self
            .store
            .save(self.gh, &manifest, None, "create the release")
            .await
        {
            Ok(_) | Err(StoreError::Stale(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A dry run of `create`: the release as it would be created, observed and decided as its
    /// first round would be, with its plan. Only reads GitHub.
    async fn dry_create(
        &self,
        id: &ReleaseId,
        args: &CreateArgs,
        actor: &Login,
    ) -> Result<ReleaseRun, RunError> {
        let manifest = self.new_manifest(id, args, actor).await?;
        let mut observed = observe(self.gh, &manifest, &Signal::Schedule).await?;
        observed.web = self.web();
        observe_task_pulls(self.gh, &manifest, &mut observed).await?;
        let now = (self.clock)();
        let plan = crate::plan::plan_new(&manifest, &observed, now);
        let decision = decide(&manifest, &observed, &Signal::Schedule, now);
        let executed = execute(self.gh, &decision.actions, true).await;
        Ok(ReleaseRun {
            release: id.clone(),
            manifest: settle(&decision, &manifest, &executed),
            moves: vec![phase_moves(&manifest, &decision.manifest)],
            decisions: vec![decision],
            executed,
            changed: true,
            would_create: Some(plan),
        })
    }

    /// The manifest `create` starts the release with, from the config in the control repo, the
    /// carried-over release and the sprints' tasks. Only reads GitHub.
    async fn new_manifest(
        &self,
        id: &ReleaseId,
        args: &CreateArgs,
        actor: &Login,
    ) -> Result<ReleaseManifest, RunError> {
        let config = self.load_config().await?;
        let previous = match &args.carry_over {
            Some(prev) => Some(
                self.store
                    .load(self.gh, prev)
                    .await?
                    .ok_or_else(|| RunError::NoCarryOver(prev.clone()))?
                    .manifest,
            ),
            None => None,
        };
        let sprints = args.sprints.as_ref().unwrap_or(&config.sprints);
        let gathered = gather_sprint_tasks(self.gh, &config, sprints).await?;
        // A sprint typed for this release that matches no milestone is a typo: refused before
        // anything is written. (The config's sprints may name a milestone not created yet.)
        if args.sprints.is_some() && !gathered.missing.is_empty() {
            return Err(RunError::UnknownSprints(gathered.missing));
        }
        let req = CreateRequest {
            id: id.clone(),
            control_repo: self.store.repo.clone(),
            actor: actor.clone(),
            now: (self.clock)(),
            args: args.clone(),
            gathered: gathered.tasks,
            left_out: gathered.left_out,
        };
        Ok(ReleaseManifest::create_carrying(
            &config,
            req,
            previous.as_ref(),
        )?)
    }

    async fn load_config(&self) -> Result<Config, RunError> {
        let err = |problem: String| RunError::Config {
            repo: self.store.repo.clone(),
            file: self.config_file.clone(),
            problem,
        };
        let text = self
            .store
            .read_text(self.gh, &self.config_file)
            .await?
            .ok_or_else(|| err("not found".to_owned()))?;
        crate::validate::config_from_str(&text).map_err(|p: Vec<Problem>| {
            err(p
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "))
        })
    }

    /// Reconciles one release: rounds of observe → decide → execute → write until nothing
    /// moves. The signal is applied in the first round only.
    pub async fn reconcile(&self, id: &ReleaseId, signal: &Signal) -> Result<ReleaseRun, RunError> {
        let mut signal = signal.clone();
        let mut decisions = Vec::new();
        let mut moves = Vec::new();
        let mut executed_all = Vec::new();
        let mut changed = false;
        let mut stale = 0;
        let mut last: Option<ReleaseManifest> = None;
        // What the last round's actions changed (`settle`), with the manifest as last written:
        // it is written together with the next round's decision, so a run writes the manifest
        // at most once per round (and once more at the end, when the rounds ran out).
        let mut pending: Option<(Stored, ReleaseManifest)> = None;
        let mut round = 0;
        // What this run reads afresh (set by the first load), and what it carries over.
        let mut scope: Option<Scope> = None;
        let mut carried: Option<Observed> = None;
        // The revision on disk as this run knows it, the last observation, and the member repos
        // acted on after it.
        let mut on_disk: Option<u64> = None;
        let mut seen: Option<(Observed, BTreeSet<RepoName>)> = None;
        while round < self.max_rounds.max(1) {
            let pending_was_none = pending.is_none();
            let (stored, disk) = match pending.take() {
                Some(p) => p,
                None => {
                    let stored = self
                        .store
                        .load(self.gh, id)
                        .await?
                        .ok_or_else(|| RunError::NoSuchRelease(id.clone()))?;
                    let disk = stored.manifest.clone();
                    (stored, disk)
                }
            };
            if pending_was_none {
                on_disk = Some(stored.manifest.revision);
            }
            let current = match scope.take() {
                Some(s) => s,
                None => {
                    let (s, last) = self.memory.scope(&stored.manifest, &signal);
                    carried = last;
                    s
                }
            };
            tracing::debug!(
                "{id}: round {round} reads {current:?} for {}",
                signal_kind(&signal)
            );
            let mut observed = self
                .observe(&stored.manifest, &signal, &current, carried.as_ref())
                .await?;
            let now = (self.clock)();
            let mut decision = decide(&stored.manifest, &observed, &signal, now);
            let current = if current.covers(&stored.manifest, &decision) {
                current
            } else {
                // The decision reaches beyond what this run read afresh: read everything.
                tracing::debug!("{id}: the decision reaches beyond the event; reading every repo");
                observed = self
                    .observe(&stored.manifest, &signal, &Scope::All, None)
                    .await?;
                decision = decide(&stored.manifest, &observed, &signal, now);
                Scope::All
            };
            // Staging is exclusive: the other releases and the staging locks are read only when
            // this one is about to enter staging (its locks are taken then, before its manifest
            // says so), and it decides again if another release holds it.
            if enters_staging(&stored.manifest, &decision.manifest) {
                let at = (self.clock)();
                let holds =
                    staging_lock::enter(self.gh, &self.store, &stored.manifest, at, self.dry_run)
                        .await?;
                if !holds.is_empty() {
                    observed.staging_holders = holds;
                    decision = decide(&stored.manifest, &observed, &signal, now);
                }
            }
            if !decision.changed && stored.manifest != disk {
                decision.manifest.revision = disk.revision + 1;
                decision.manifest.updated_at = decision.at;
                decision.changed = true;
            }
            // Write ahead: the decided manifest is saved before any action runs. Of several runs
            // deciding at once, only the one whose compare-and-swap lands acts; the others
            // decide again on what it wrote, so a dispatch or a comment is never made twice.
            let mut blob = stored.blob_sha.clone();
            if decision.changed && !self.dry_run {
                match self
                    .store
                    .save(
                        self.gh,
                        &decision.manifest,
                        Some(&stored.blob_sha),
                        &commit_message(&disk, &decision.manifest),
                    )
                    .await
                {
                    Ok(sha) => {
                        blob = sha;
                        on_disk = Some(decision.manifest.revision);
                    }
                    Err(StoreError::Stale(_)) => {
                        // Another run wrote: what this run saw is no longer vouched for.
                        scope = Some(Scope::All);
                        stale += 1;
                        if stale > 5 {
                            return Err(RunError::Contended(id.clone()));
                        }
                        tracing::info!(
                            "releases/{id}/manifest.json changed under this run; deciding again"
                        );
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let executed = execute(self.gh, &decision.actions, self.dry_run).await;
            if !self.dry_run {
                staging::release(
                    self.gh,
                    &self.store.repo,
                    &stored.manifest,
                    &decision,
                    self.clock,
                )
                .await;
            }
            let mut next = settle(&decision, &stored.manifest, &executed);
            let mut wrote = decision.changed;
            if next != decision.manifest {
                // What the actions' outcomes changed (a dispatch taken back, a refused merge or
                // dispatch): written with the next round's decision.
                let mut settled = next.clone();
                settled.revision = decision.manifest.revision;
                pending = Some((
                    Stored {
                        manifest: settled,
                        blob_sha: blob,
                    },
                    decision.manifest.clone(),
                ));
                next.revision = decision.manifest.revision + 1;
                next.updated_at = decision.at;
                wrote = true;
            }
            changed |= wrote;
            let acted = executed
                .iter()
                .any(|e| matches!(e.outcome, ActionOutcome::Done { .. }));
            // The member repos acted on are read afresh next round (and next run).
            let touched: BTreeSet<RepoName> = decision
                .actions
                .iter()
                .map(|p| p.action.repo())
                .filter(|r| stored.manifest.repo(r).is_some())
                .cloned()
                .collect();
            scope = Some(current.with(&touched));
            carried = Some(observed.clone());
            seen = Some((observed, touched));
            moves.push(phase_moves(&stored.manifest, &decision.manifest));
            decisions.push(decision);
            executed_all.extend(executed);
            last = Some(next);
            round += 1;
            signal = Signal::Schedule;
            if self.dry_run || (!acted && !wrote) {
                break;
            }
        }
        // The rounds ran out with the last actions' outcomes not written yet.
        if let (Some((settled, disk)), false) = (pending, self.dry_run) {
            let mut m = settled.manifest;
            m.revision = disk.revision + 1;
            match self
                .store
                .save(
                    self.gh,
                    &m,
                    Some(&settled.blob_sha),
                    &commit_message(&disk, &m),
                )
                .await
            {
                Ok(_) => {
                    on_disk = Some(m.revision);
                    last = Some(m);
                }
                // Another run wrote since: a dispatch that did not happen is dispatched again
                // once it is overdue (`tiers`).
                Err(StoreError::Stale(_)) => {
                    on_disk = None;
                    tracing::info!(
                        "releases/{id}/manifest.json changed after this run acted; deciding again next run"
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
        // A dry run leaves the memory as it found it.
        if !self.dry_run {
            match (on_disk, seen) {
                (Some(revision), Some((observed, touched))) => {
                    self.memory.record(id, revision, &observed, touched);
                }
                _ => self.memory.forget(id),
            }
        }
        let manifest = match last {
            Some(m) => m,
            None => {
                self.store
                    .load(self.gh, id)
                    .await?
                    .ok_or_else(|| RunError::NoSuchRelease(id.clone()))?
                    .manifest
            }
        };
        Ok(ReleaseRun {
            release: id.clone(),
            manifest,
            decisions,
            moves,
            executed: executed_all,
            changed,
            would_create: None,
        })
    }
}

impl Runner<'_> {
    /// Reads what `scope` takes in of `m` for `signal`, and completes it with `carried` (what
    /// the last run saw) outside the scope. A narrow scope with nothing to carry reads
    /// everything.
    async fn observe(
        &self,
        m: &ReleaseManifest,
        signal: &Signal,
        scope: &Scope,
        carried: Option<&Observed>,
    ) -> Result<Observed, GhError> {
        let (scope, carried) = match (scope, carried) {
            (Scope::Narrow { .. }, Some(last)) => (scope, Some(last)),
            _ => (&Scope::All, None),
        };
        let mut observed = observe_in(self.gh, m, signal, scope).await?;
        observed.web = self.web();
        observe_task_pulls(self.gh, m, &mut observed).await?;
        if let Some(last) = carried {
            observed.carry_over(last, scope, m);
            if m.phase == Phase::Validation && m.policy.reviews.approve_ship {
                observe_reviewer_permissions(self.gh, m, &mut observed).await?;
            }
        }
        Ok(observed)
    }
}

impl ReleaseRun {
    /// The run's rounds, in order: each decision with its phase changes and what the executor
    /// did with its actions (one outcome per planned action).
    pub fn rounds(&self) -> Vec<Round<'_>> {
        let mut rest = self.executed.as_slice();
        self.decisions
            .iter()
            .enumerate()
            .map(|(i, decision)| {
                let (executed, after) = rest.split_at(decision.actions.len().min(rest.len()));
                rest = after;
                Round {
                    decision,
                    moves: self.moves.get(i).cloned().unwrap_or_default(),
                    executed,
                }
            })
            .collect()
    }
}

/// The phase changes `after` made to `before` (its new history entries), `(from, to)` in order.
fn phase_moves(before: &ReleaseManifest, after: &ReleaseManifest) -> Vec<(Phase, Phase)> {
    after.history[before.history.len().min(after.history.len())..]
        .iter()
        .filter(|h| h.event == HistoryEvent::PhaseChanged)
        .filter_map(|h| {
            Some((
                Phase::parse(h.from.as_deref()?)?,
                Phase::parse(h.to.as_deref()?)?,
            ))
        })
        .collect()
}

/// Whether `after` moved the release from development into staging.
fn enters_staging(before: &ReleaseManifest, after: &ReleaseManifest) -> bool {
    phase_moves(before, after).contains(&(Phase::Development, Phase::Staging))
}
