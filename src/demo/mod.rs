//! `convoy demo`: a whole release in the sandbox, driven exactly as GitHub Actions drives convoy.
//!
//! The sandbox (real git, real HTTP) holds a control repo, an E2E repo and three member repos
//! (`acme/schema` ← `acme/api` ← `acme/web`). The demo creates release `demo-1` from a
//! `workflow_dispatch` event, then every event the sandbox emits goes through the same path as
//! in a workflow run: payload → [`crate::event::parse_event`] → [`Runner::handle`]. Between
//! events the world plays its part: developers land the sprint's issues on the RC branches, the
//! E2E runs pass, and (careful) an approver comments `/convoy approve` on the tracking issue to
//! approve the plan, and ticks the tracking issue's checkbox for the later gates.

pub mod controls;
pub mod forward;
pub mod protected;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::github::client::{ClientConfig, GitHub};
use crate::github::store::ManifestStore;
use crate::lifecycle::action::ActionOutcome;
use crate::lifecycle::{Owner, Wait};
use crate::model::config::Directive;
use crate::model::ids::{ReleaseId, RepoName};
use crate::model::lock::LockDigest;
use crate::model::manifest::{Phase, ReleaseManifest, RunStatus, TierRun};
use crate::model::time::Timestamp;
use crate::runner::{Clock, ReleaseRun, Runner};
use crate::sandbox::{Sandbox, Seed};

/// The demo's control repository.
const CONTROL_REPO: &str = "acme/control";

/// The demo's seed: users, the control repo (with `convoy.json`), the E2E repo and the members.
pub const SEED: &str = include_str!("seed.json");

/// The demo's `convoy.json` (the control repo's file in [`SEED`]; a test keeps them equal).
pub const CONFIG: &str = include_str!("convoy.json");

/// What the demo ended with.
#[derive(Debug)]
pub struct DemoOutcome {
    /// The release at the end.
    pub manifest: ReleaseManifest,
    /// API requests convoy made.
    pub requests: u64,
    /// Of those, the reads GitHub answered `304 Not Modified` (free of the rate limit).
    pub not_modified: u64,
    /// Events delivered to convoy.
    pub events: usize,
    /// The last run's step summary.
    pub summary: String,
    /// Every event delivered, in order (name, payload), to replay them.
    pub delivered: Vec<(String, Value)>,
    /// The digest of the release's lock as the control repo holds it (`None` when the release
    /// stopped before shipping, so it has none).
    pub lock: Option<LockDigest>,
}

/// Which organisation the demo plays in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum World {
    /// GitHub's defaults: nothing protected.
    Plain,
    /// A protected organisation: required checks (strict), a required review, a squash-only
    /// repository that deletes head branches, a staging that takes only pull requests, and the
    /// CI and reviewer that go with them ([`protected`]).
    Protected,
}

/// Plays the demo release under `directive` in `world`; `keep` leaves the sandbox's git data
/// there. `say` receives each line of progress.
pub async fn run(
    directive: Directive,
    world: World,
    keep: Option<PathBuf>,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<DemoOutcome> {
    let seed = match world {
        World::Plain => seed()?,
        World::Protected => protected::seed()?,
    };
    let sandbox = Sandbox::start(seed, keep)
        .await
        .context("starting the sandbox")?;
    say(format!("sandbox listening on {}", sandbox.url()));
    play_in(&sandbox.url(), directive, world, None, None, say).await
}

/// The demo's world as a seed: `acme/control` holding `convoy.json`, `acme/e2e` with the `smoke`
/// and `e2e` tier workflows (declaring every input convoy dispatches with), the members
/// `acme/schema` ← `acme/api` ← `acme/web` with `staging` and a sprint milestone, and the users
/// `alice` (approver), `bob` (developer) and the bot `convoy-bot`. `convoy demo` and
/// `convoy sandbox serve` (without `--seed`) start from it.
pub fn seed() -> anyhow::Result<Seed> {
    Seed::from_json(SEED).context("the demo seed")
}

/// Starts the sandbox with the demo seed.
pub async fn start_sandbox(keep: Option<PathBuf>) -> anyhow::Result<crate::sandbox::SandboxHandle> {
    let seed = seed()?;
    Sandbox::start(seed, keep)
        .await
        .context("starting the sandbox")
}

/// A client of the sandbox at `url` for `token`, without write gaps.
pub fn sandbox_client(url: &str, token: &str) -> anyhow::Result<GitHub> {
    let mut cfg = ClientConfig::new(url.to_owned(), token);
    cfg.write_gap = std::time::Duration::ZERO;
    cfg.base_backoff = std::time::Duration::from_millis(20);
    GitHub::new(cfg)
}

/// A logical clock: two seconds per reading from 2026-12-01 09:00 UTC (so runs never time out
/// because the demo is fast or slow).
pub fn demo_clock() -> impl Fn() -> Timestamp + Send + Sync {
    let ticks = AtomicI64::new(0);
    let start = Timestamp::from_unix_seconds(1_796_115_600).unwrap_or_else(|_| crate::clock::now());
    move || {
        Timestamp::from_unix_seconds(
            start.unix_seconds() + 2 * ticks.fetch_add(1, Ordering::Relaxed),
        )
        .unwrap_or(start)
    }
}

/// Where the demo keeps its manifests and locks: `acme/control`'s default branch.
pub fn demo_store() -> anyhow::Result<ManifestStore> {
    Ok(ManifestStore {
        repo: RepoName::parse(CONTROL_REPO)?,
        branch: None,
    })
}

/// The runner the demo drives, as a workflow run of the control repo would build it.
pub fn demo_runner<'a>(bot: &'a GitHub, clock: Clock<'a>) -> anyhow::Result<Runner<'a>> {
    Ok(Runner::new(bot, demo_store()?, "convoy.json").with_clock(clock))
}

/// Plays the demo release against the sandbox at `url`.
pub async fn play(
    url: &str,
    directive: Directive,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<DemoOutcome> {
    play_with(url, directive, None, None, say).await
}

/// Plays the demo release until it ships, or until it waits in `stop_in` with nothing left to
/// deliver; with `late_fix`, a developer pushes a fix to that repo's RC branch when the release
/// first waits at the ship gate (after validation passed).
pub async fn play_with(
    url: &str,
    directive: Directive,
    late_fix: Option<&RepoName>,
    stop_in: Option<Phase>,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<DemoOutcome> {
    play_in(url, directive, World::Plain, late_fix, stop_in, say).await
}

/// [`play_with`] in `world`: in a protected one, CI and a reviewer act on open pull requests
/// whenever convoy waits.
pub async fn play_in(
    url: &str,
    directive: Directive,
    world: World,
    late_fix: Option<&RepoName>,
    stop_in: Option<Phase>,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<DemoOutcome> {
    let ci = sandbox_client(url, "t-ci")?;
    let mut late_fix = late_fix.cloned();
    let bot = sandbox_client(url, "t-bot")?;
    let bob = sandbox_client(url, "t-bob")?;
    let alice = sandbox_client(url, "t-alice")?;
    // What workflows send with their `GITHUB_TOKEN`: member repos forwarding events, tier
    // workflows reporting back.
    let actions = sandbox_client(url, crate::sandbox::ACTIONS_TOKEN)?;
    let control = RepoName::parse("acme/control")?;
    let id = ReleaseId::parse("demo-1")?;
    // The logical clock, which jumps ahead when the release waits only on it (the soak).
    let jumped = AtomicI64::new(0);
    let base = demo_clock();
    let clock = || {
        let at = base();
        Timestamp::from_unix_seconds(at.unix_seconds() + jumped.load(Ordering::Relaxed))
            .unwrap_or(at)
    };
    let runner = demo_runner(&bot, &clock)?;

    if world == World::Plain {
        // The release soaks in validation before it ships; the clock jumps over the wait.
        let mut config: Value =
            serde_json::from_str(CONFIG).context("the demo's convoy.json is JSON")?;
        config["soak"] = json!({"validation": "30m"});
        let text = serde_json::to_string_pretty(&config)? + "\n";
        bot.post(
            &format!("/_sandbox/repos/{CONTROL_REPO}/commits"),
            &json!({"branch": "main", "message": "Soak validation for 30 minutes", "files": {"convoy.json": text}, "author": "alice"}),
        )
        .await?;
        say(format!(
            "  alice sets `\"soak\": {{\"validation\": \"30m\"}}` in {CONTROL_REPO}'s convoy.json"
        ));
    }

    let create = json!({
        "inputs": {"command": "create", "release": id.as_str(), "args": format!("directive={} title=\"Orders v2\"", directive.as_str())},
        "ref": "refs/heads/main", "repository": repo_payload(&control), "sender": {"login": "alice", "type": "User"},
        "workflow": ".github/workflows/convoy.yml"
    });
    let mut events = 0;
    let mut delivered = Vec::new();
    let mut last: Option<ReleaseRun> = None;
    let mut pending: Vec<(String, Value)> = vec![("workflow_dispatch".to_owned(), create)];
    let mut idle = 0;
    for _ in 0..400 {
        if pending.is_empty() {
            let drained = bot.get("/_sandbox/events").await?;
            for delivery in drained.as_array().into_iter().flatten() {
                if let Some(event) = deliver_as_github(&actions, CONTROL_REPO, delivery).await? {
                    pending.push(event);
                }
            }
            if pending.is_empty() && !drained.as_array().is_none_or(Vec::is_empty) {
                // Only forwarded hints (or nothing for convoy) this time: drain again.
                continue;
            }
        }
        if !pending.is_empty() {
            for (name, payload) in std::mem::take(&mut pending) {
                events += 1;
                let bytes = serde_json::to_vec(&payload)?;
                delivered.push((name.clone(), payload.clone()));
                let signal = crate::event::parse_event(&name, &bytes)
                    .with_context(|| format!("parsing a {name} event"))?;
                for run in runner
                    .handle(&signal)
                    .await
                    .with_context(|| format!("handling a {name} event"))?
                {
                    report(&run, say);
                    last = Some(run);
                }
            }
            idle = 0;
            continue;
        }
        let Some(run) = &last else {
            bail!("the release was not created")
        };
        if run.manifest.phase == Phase::Shipped || Some(run.manifest.phase) == stop_in {
            break;
        }
        if !run.manifest.phase.is_active() {
            bail!("the release ended in {}", run.manifest.phase.as_str());
        }
        if world == World::Protected {
            let mut acts = Vec::new();
            if protected::act(&ci, &bob, &mut |line| acts.push(line)).await? {
                if let Some(d) = run.decisions.last() {
                    say_waits(&d.waits, say);
                }
                for line in acts {
                    say(line);
                }
                continue;
            }
        }
        idle += 1;
        let last_waits = run
            .decisions
            .last()
            .map(|d| d.waits.as_slice())
            .unwrap_or_default();
        if idle > 6 {
            let what: Vec<&str> = last_waits.iter().map(|w| w.what.as_str()).collect();
            bail!(
                "the demo release is stuck in {}, waiting for: {}",
                run.manifest.phase.as_str(),
                if what.is_empty() {
                    "nothing".to_owned()
                } else {
                    what.join("; ")
                }
            );
        }
        let waits: Vec<Owner> = last_waits.iter().map(|w| w.who).collect();
        let runs = pending_runs(&run.manifest);
        if !runs.is_empty() {
            say_waits(last_waits, say);
            complete_runs(&actions, CONTROL_REPO, run.manifest.id.as_str(), &runs).await?;
            say("  e2e: the dispatched tier runs pass".to_owned());
        } else if waits.contains(&Owner::Developers) {
            say_waits(last_waits, say);
            land_tasks(&bob, &run.manifest, say).await?;
        } else if let (Some(repo), true) = (
            &late_fix,
            waits.contains(&Owner::Human) && run.manifest.phase == Phase::Validation,
        ) {
            let rc = run
                .manifest
                .repo(repo)
                .context("the late fix's repo is a member")?
                .rc_branch
                .clone();
            say_waits(last_waits, say);
            say(format!(
                "  bob pushes a late fix to {repo} {rc} after validation"
            ));
            bob.post(&format!("/_sandbox/repos/{repo}/commits"), &json!({"branch": rc.as_str(), "message": "Late fix", "files": {"src/fix.txt": "fixed\n"}, "author": "bob"})).await?;
            late_fix = None;
        } else if waits.contains(&Owner::Human) {
            let issue = run
                .manifest
                .tracking_issue
                .context("the tracking issue exists")?;
            say_waits(last_waits, say);
            // The plan is approved with a comment; the later gates with the tracking issue's
            // checkbox, as a person ticks it on GitHub's page.
            let gate = crate::lifecycle::table::gate_out_of(run.manifest.phase)
                .filter(|_| run.manifest.phase != Phase::Planning);
            let key = gate.map(|g| format!("approve:{}", g.as_str()));
            let body = controls::body(&bot, CONTROL_REPO, issue).await?;
            match key.filter(|k| body.contains(&crate::model::marker::Marker::Box(k.clone()).tag()))
            {
                Some(key) => {
                    say(format!("  the tracking issue {control}#{issue} offers:"));
                    for line in controls::box_lines(&body) {
                        say(format!("    {line}"));
                    }
                    let line = controls::tick(&alice, CONTROL_REPO, issue, &key).await?;
                    let label = line.split("**").nth(1).unwrap_or(&key);
                    say(format!(
                        "  alice ticks the box **{label}** on {control}#{issue}"
                    ));
                }
                None => {
                    say(format!(
                        "  alice comments `/convoy approve` on {control}#{issue}"
                    ));
                    bot.post(
                        &format!("/_sandbox/repos/acme/control/issues/{issue}/comments"),
                        &json!({"user": "alice", "body": "Looks good.\n/convoy approve"}),
                    )
                    .await?;
                }
            }
        } else if let Some(until) = last_waits
            .iter()
            .find(|w| w.who == Owner::Clock)
            .and_then(|w| w.until)
        {
            // Time passes: the scheduled run after the soak carries the release on.
            say_waits(last_waits, say);
            let ahead = until.unix_seconds() - clock().unix_seconds();
            if ahead > 0 {
                jumped.fetch_add(ahead, Ordering::Relaxed);
            }
            say(format!("  time passes: it is {until} (the scheduled run)"));
            pending.push(("schedule".to_owned(), json!({"schedule": "*/15 * * * *"})));
        } else {
            // The scheduled safety net.
            pending.push(("schedule".to_owned(), json!({"schedule": "*/15 * * * *"})));
        }
    }
    let Some(run) = last else {
        bail!("the release was not created")
    };
    let summary = crate::shell::run_summary(
        &run.manifest,
        &run.rounds(),
        &crate::lifecycle::WebLinks::default(),
    )
    .context("the last run decided")?;
    // Read as a person would (not counted among convoy's requests).
    let lock = demo_store()?
        .load_lock(&bob, &run.manifest.id)
        .await
        .context("reading the release's lock")?
        .map(|stored| stored.digest());
    Ok(DemoOutcome {
        manifest: run.manifest,
        requests: bot.requests(),
        not_modified: bot.etags().stats().not_modified,
        events,
        summary,
        delivered,
        lock,
    })
}

fn repo_payload(repo: &RepoName) -> Value {
    json!({"full_name": repo.as_str(), "name": repo.name(), "owner": {"login": repo.owner()}})
}

/// One run's progress: each round's phase changes (as it enters the phase), then the actions
/// it took (the tracking issue's updates left out).
fn report(run: &ReleaseRun, say: &mut (dyn FnMut(String) + Send)) {
    for round in run.rounds() {
        for (from, to) in &round.moves {
            say(format!("phase: {} → {}", from.as_str(), to.as_str()));
        }
        for e in round.executed {
            if let ActionOutcome::Dispatched { run } = &e.outcome {
                say(format!(
                    "    {} {} — run {run}",
                    e.planned.action.kind(),
                    e.planned.action.target()
                ));
            }
            if matches!(
                e.outcome,
                ActionOutcome::Enqueued { .. } | ActionOutcome::Deployed { .. }
            ) {
                say(format!(
                    "    {} {} — {}",
                    e.planned.action.kind(),
                    e.planned.action.target(),
                    e.outcome
                ));
            }
            if let ActionOutcome::Done { detail } = &e.outcome
                && e.planned.action.kind() != "upsert_tracking_issue"
            {
                say(format!(
                    "    {} {}{}",
                    e.planned.action.kind(),
                    e.planned.action.target(),
                    detail
                        .as_ref()
                        .map(|d| format!(" — {d}"))
                        .unwrap_or_default()
                ));
            }
        }
    }
}

/// What convoy waits for, before the demo's world acts on it.
fn say_waits(waits: &[Wait], say: &mut (dyn FnMut(String) + Send)) {
    for w in waits {
        say(format!("  waiting for: {}", w.what));
    }
}

/// The tier runs convoy is waiting for (dispatched, not completed).
fn pending_runs(m: &ReleaseManifest) -> Vec<TierRun> {
    m.tier_runs
        .iter()
        .filter(|r| r.status != RunStatus::Completed && r.run_id.is_some())
        .cloned()
        .collect()
}

/// The E2E workflows run: each run starts and passes, and its last job reports to the control
/// repo (`convoy.tier-completed`, as `examples/workflows/e2e-tier.yml` does).
async fn complete_runs(
    bot: &GitHub,
    control: &str,
    release: &str,
    runs: &[TierRun],
) -> anyhow::Result<()> {
    for r in runs {
        let Some(id) = r.run_id else { continue };
        bot.post(&format!("/_sandbox/runs/{id}/start"), &json!({}))
            .await
            .ok();
        bot.post(
            &format!("/_sandbox/runs/{id}/complete"),
            &json!({"conclusion": "success"}),
        )
        .await?;
        report_tier(bot, control, release, r, "success").await?;
    }
    Ok(())
}

/// The callback a tier workflow's last job sends to the control repo.
pub async fn report_tier(
    bot: &GitHub,
    control: &str,
    release: &str,
    run: &TierRun,
    conclusion: &str,
) -> anyhow::Result<()> {
    bot.post(
        &format!("/repos/{control}/dispatches"),
        &json!({
            "event_type": "convoy.tier-completed",
            "client_payload": {
                "release": release,
                "tier": run.tier.as_str(),
                "correlation_id": run.correlation_id,
                "run_id": run.run_id.map(|id| id.to_string()),
                "conclusion": conclusion,
            }
        }),
    )
    .await?;
    Ok(())
}

/// Delivers a drained webhook delivery as GitHub would ([`forward`]): the control repo's own
/// events are returned to be handled; a member repository's workflow forwards a hint as a
/// `repository_dispatch` (which comes back in the next drain); the rest reaches no workflow.
pub async fn deliver_as_github(
    bot: &GitHub,
    control: &str,
    delivery: &Value,
) -> anyhow::Result<Option<(String, Value)>> {
    let name = delivery
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let repo = delivery
        .get("repo")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let payload = delivery.get("payload").cloned().unwrap_or(Value::Null);
    match forward::MemberWorkflow::default().route(control, name, repo, &payload) {
        forward::Routed::Control => Ok(Some((name.to_owned(), payload))),
        forward::Routed::Dispatch {
            event_type,
            client_payload,
        } => {
            bot.post(
                &format!("/repos/{control}/dispatches"),
                &json!({"event_type": event_type, "client_payload": client_payload}),
            )
            .await?;
            Ok(None)
        }
        forward::Routed::Dropped => Ok(None),
    }
}

/// Developers land each open task: a commit on a branch, a pull request into the RC branch that
/// closes the issue, merged.
async fn land_tasks(
    dev: &GitHub,
    m: &ReleaseManifest,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<()> {
    for t in m.tasks.iter().filter(|t| !t.status.is_settled()) {
        let repo = m.repo(&t.repo).context("a task's repo is a member")?;
        let branch = format!("task-{}", t.issue.number());
        let file = format!("src/task-{}.txt", t.issue.number());
        dev.post(&format!("/_sandbox/repos/{}/commits", t.repo), &json!({"branch": branch, "message": format!("Work on #{}", t.issue.number()), "files": {file: "done\n"}, "author": "bob"})).await?;
        let pr = dev.post(&format!("/repos/{}/pulls", t.repo), &json!({"title": t.title.clone().unwrap_or_default(), "head": branch, "base": repo.rc_branch.as_str(), "body": format!("Closes #{}", t.issue.number())})).await?;
        let number = pr
            .body
            .get("number")
            .and_then(Value::as_u64)
            .context("a pull request number")?;
        let method = protected::task_merge_method(dev, t.repo.as_str()).await?;
        dev.put(
            &format!("/repos/{}/pulls/{number}/merge", t.repo),
            &json!({"merge_method": method}),
        )
        .await?;
        say(format!(
            "  bob lands {} through {}#{number} into {}",
            t.issue, t.repo, repo.rc_branch
        ));
    }
    Ok(())
}
