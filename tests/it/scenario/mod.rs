//! A scenario harness for whole releases through the sandbox: GitHub's API over real git, and
//! convoy driven exactly as GitHub Actions would drive it (each webhook event the sandbox emits
//! goes through `parse_event` → `Runner::handle`).
//!
//! A scenario edits the demo seed (config, branch protection, workflows), creates a release, and
//! then plays the world step by step: developers land tasks, tier runs finish the way the
//! scenario says, people comment. The clock is logical and can jump (timeouts).
#![allow(dead_code)]

pub mod invariants;
mod queries;
mod seed;
mod world;

pub use seed::{add_sprint_42, seed_repo, seed_with};

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::sandbox_support::MergeGroup;
use convoy::demo::sandbox_client;
use convoy::github::GitHub;
use convoy::github::store::ManifestStore;
use convoy::lifecycle::action::ActionOutcome;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{ReleaseManifest, TierRun};
use convoy::model::time::Timestamp;
use convoy::runner::{ReleaseRun, Runner};
use convoy::sandbox::{Sandbox, SandboxHandle, Seed};
use serde_json::Value;

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
    /// A reviewer who answers late: while convoy waits for an approving review,
    /// [`Scenario::drive_until`] lets this many rounds of time pass before bob approves.
    pub review_after: Option<usize>,
    /// CI for merge groups: the commit status (`ci`) posted on each merge group a queue asks to
    /// check, as the repository's CI would (`None` in the result: nothing reported). `None`:
    /// nobody checks merge groups.
    pub merge_group_ci: Option<MergeGroupCi>,
    /// How each run connects to GitHub, as a workflow run would (given the sandbox's URL): with
    /// App credentials, a fresh client that mints its own tokens. `None`: the bot's token, one
    /// client for every run.
    pub connect: Option<Connect>,
    /// Expire the token of the `n`th run (0-based, counting every run) once it made `k` more
    /// requests: from then on GitHub answers it 401 `Bad credentials` (the sandbox's chaos
    /// expiry), as when an installation token's hour is up mid-run; the next run's is new.
    pub expire: Option<(usize, u64)>,
    /// Deliveries as GitHub may make them: some twice, some late ([`Deliveries`]). `None`:
    /// each once, in order.
    pub deliveries: Option<Deliveries>,
    /// What the last run that finished saw of each release: its cache file, restored by the
    /// next run (a crashed run saves none, so the next one restores an older cache).
    pub seen:
        std::collections::BTreeMap<convoy::model::ids::ReleaseId, convoy::runner::memory::Seen>,
}

/// Builds the client one run acts through ([`Scenario::connect`]).
pub type Connect = Box<dyn Fn(&str) -> GitHub + Send + Sync>;

/// A check run after every run; returns violations.
pub type AfterRun = Box<
    dyn for<'a> Fn(
            &'a Scenario,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<String>> + Send + 'a>>
        + Send
        + Sync,
>;

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
            review_after: None,
            merge_group_ci: None,
            connect: None,
            expire: None,
            deliveries: None,
            seen: Default::default(),
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

    /// The logical clock's reading (each reading moves it on two seconds, as any run's would).
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Moves the clock forward to `at` (a minute past it, rounding up); nothing when it is past.
    pub fn advance_to(&self, at: Timestamp) {
        let minutes = (at.unix_seconds() - self.now().unix_seconds()).div_euclid(60) + 1;
        if minutes > 0 {
            self.advance_minutes(minutes);
        }
    }

    fn runner(&self) -> Runner<'_> {
        self.runner_for(&self.bot)
    }

    /// A dry run of one event (decides and reports, changes nothing): its runs.
    pub async fn dry_run(&self, name: &str, payload: &Value) -> Vec<ReleaseRun> {
        let bytes = serde_json::to_vec(payload).unwrap();
        let signal = convoy::event::parse_event(name, &bytes).unwrap();
        self.runner()
            .with_dry_run(true)
            .handle(&signal)
            .await
            .unwrap_or_else(|e| panic!("a dry run of a {name} event failed: {e:#}"))
    }

    /// The runner a workflow run of the control repo would build, acting through `gh`.
    fn runner_for<'a>(&'a self, gh: &'a GitHub) -> Runner<'a> {
        let store = ManifestStore {
            repo: RepoName::parse("acme/control").unwrap(),
            branch: None,
        };
        Runner::new(gh, store, "convoy.json")
            .with_clock(&*self.clock)
            .with_memory(convoy::runner::memory::Memory::from_entries(
                if std::env::var_os("NO_MEMORY").is_some() {
                    Default::default()
                } else {
                    self.seen.clone()
                },
            ))
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
        let expire_after = self.expire.filter(|(run, _)| *run == n).map(|(_, k)| k);
        if let Some(k) = expire_after {
            self.bot
                .put("/_sandbox/chaos/expiry", &serde_json::json!({ "after": k }))
                .await
                .unwrap();
        }
        let own = self.connect.as_ref().map(|connect| connect(&self.url));
        let mut seen = None;
        let result = {
            let runner = match &own {
                Some(gh) => self.runner_for(gh),
                None => self.runner(),
            };
            let run = runner.handle(&signal);
            let result = match crash_after {
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
            };
            if let Some(Ok(_)) = &result {
                seen = Some(runner.memory().entries());
            }
            result
        };
        if let Some(seen) = seen {
            self.seen = seen;
        }
        if expire_after.is_some() {
            // The next workflow run gets a new token.
            self.bot
                .put(
                    "/_sandbox/chaos/expiry",
                    &serde_json::json!({ "after": null }),
                )
                .await
                .unwrap();
        }
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
        let events = vec![(name.to_owned(), payload.clone()); n];
        self.race_all(&events, 0).await;
    }

    /// Each of `events` is handled by its own run, all at once (the `i`th starting `i ×
    /// stagger_ms` milliseconds after the first), as workflow runs would, each with its own
    /// client; failures as in [`Scenario::race`].
    pub async fn race_all(&mut self, events: &[(String, Value)], stagger_ms: u64) {
        let name = events
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let signals: Vec<_> = events
            .iter()
            .map(|(name, payload)| {
                let bytes = serde_json::to_vec(payload).unwrap();
                convoy::event::parse_event(name, &bytes).unwrap()
            })
            .collect();
        let n = events.len();
        let clients: Vec<GitHub> = (0..n)
            .map(|_| sandbox_client(&self.url, "t-bot").unwrap())
            .collect();
        let runners: Vec<Runner<'_>> = clients.iter().map(|gh| self.runner_for(gh)).collect();
        let results = futures::future::join_all(runners.iter().zip(&signals).enumerate().map(
            |(i, (r, signal))| async move {
                let wait = stagger_ms * u64::try_from(i).unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                r.handle(signal).await
            },
        ))
        .await;
        // The cache the last racer to finish saves: any one of them.
        let seen = runners
            .iter()
            .zip(&results)
            .rev()
            .find(|(_, r)| r.is_ok())
            .map(|(runner, _)| runner.memory().entries());
        drop(runners);
        if let Some(seen) = seen {
            self.seen = seen;
        }
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
}

/// The reasons of the escalations of `m` still open.
pub fn open_escalations(m: &ReleaseManifest) -> Vec<String> {
    m.escalations
        .iter()
        .filter(|e| e.resolved_at.is_none())
        .map(|e| e.reason.clone())
        .collect()
}

/// Decides the commit status CI reports on a merge group ([`Scenario::merge_group_ci`]).
pub type MergeGroupCi = Box<dyn FnMut(&MergeGroup) -> Option<&'static str> + Send + Sync>;

/// What becomes of one delivery ([`Deliveries`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Delivered once, in order.
    Once,
    /// Delivered twice (GitHub's at-least-once delivery, a re-run workflow).
    Twice,
    /// Held back and delivered after the next drain's newer events.
    Later,
}

/// Deliveries to the control workflow as GitHub may make them: a seeded share come twice, and
/// a seeded share come late, after newer ones.
#[derive(Debug, Clone)]
pub struct Deliveries {
    state: u64,
    /// Percent of deliveries made twice.
    pub twice: u64,
    /// Percent of deliveries held back and made after newer ones.
    pub later: u64,
    /// Deliveries made twice so far.
    pub duplicated: usize,
    /// Deliveries made late so far.
    pub reordered: usize,
    pub(crate) held: Vec<(String, Value)>,
    pub(crate) overdue: Vec<(String, Value)>,
}

impl Deliveries {
    /// Fates drawn from `seed`.
    pub fn new(seed: u64, twice: u64, later: u64) -> Deliveries {
        Deliveries {
            state: seed ^ 0x5851_f42d_4c95_7f2d,
            twice,
            later,
            duplicated: 0,
            reordered: 0,
            held: Vec::new(),
            overdue: Vec::new(),
        }
    }

    /// The fate of the next delivery.
    pub fn fate(&mut self) -> Fate {
        // splitmix64
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let roll = (z ^ (z >> 31)) % 100;
        if roll < self.twice {
            self.duplicated += 1;
            Fate::Twice
        } else if roll < self.twice + self.later {
            self.reordered += 1;
            Fate::Later
        } else {
            Fate::Once
        }
    }

    /// Everything still held back.
    pub fn take_all(&mut self) -> Vec<(String, Value)> {
        let mut all = std::mem::take(&mut self.overdue);
        all.append(&mut self.held);
        all
    }
}

/// Every tier run passes.
pub fn pass(_: &TierRun) -> Outcome {
    Some("success")
}
