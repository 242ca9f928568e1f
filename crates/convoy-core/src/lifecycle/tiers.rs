//! Tiers as gates: which must pass, on which SHAs, retries, auto-fix, timeouts, escalation.
//!
//! A tier result counts only for the SHAs it ran on. When a covered repo's staged SHA changes,
//! the old runs simply stop matching and the tier runs again; tiers that do not cover that repo
//! keep their result (partial re-validation).

use std::collections::BTreeMap;

use serde::Serialize;

use super::action::Action;
use super::draft::Draft;
use super::evidence;
use super::table::{DirectivePolicy, Owner};
use crate::model::config::{TierConfig, TierPhase};
use crate::model::history::HistoryEvent;
use crate::model::ids::{BranchName, RepoName, Sha, TierName};
use crate::model::manifest::{Conclusion, ReleaseManifest, RunKind, RunStatus, TierRun};

/// Where one tier stands on the current SHAs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TierVerdict {
    /// Not every covered repo has a staged SHA yet.
    NotReady,
    /// Passed on the current SHAs.
    Passed,
    /// A run is going (attempt n).
    Running {
        /// The attempt running.
        attempt: u32,
    },
    /// Failed `failures` times; more attempts remain.
    Retrying {
        /// Failed attempts so far.
        failures: u32,
    },
    /// Every attempt failed.
    Exhausted {
        /// Failed attempts.
        failures: u32,
    },
    /// Not dispatched yet.
    Pending,
    /// GitHub refused to dispatch it; a person must act (`/convoy retry <tier>`).
    Refused {
        /// The correlation id of the refused dispatch.
        correlation_id: String,
        /// GitHub's message.
        reason: String,
    },
}

/// The covered repos' staged SHAs, or `None` while one of them has none.
pub fn tier_shas(m: &ReleaseManifest, tier: &TierConfig) -> Option<BTreeMap<RepoName, Sha>> {
    m.repos
        .iter()
        .filter(|r| tier.covers.as_ref().is_none_or(|c| c.contains(&r.name)))
        .map(|r| r.shas.staged.clone().map(|s| (r.name.clone(), s)))
        .collect()
}

fn runs_on<'m>(
    m: &'m ReleaseManifest,
    tier: &'m TierName,
    kind: RunKind,
    shas: &'m BTreeMap<RepoName, Sha>,
) -> impl Iterator<Item = &'m TierRun> + 'm {
    m.tier_runs
        .iter()
        .filter(move |r| &r.tier == tier && r.kind == kind && &r.shas == shas && !r.superseded)
}

/// A completed run that counts as a failed attempt (a refused dispatch is no attempt).
fn failed(r: &TierRun) -> bool {
    r.status == RunStatus::Completed
        && !r
            .conclusion
            .is_some_and(|c| c.passed() || c == Conclusion::Refused)
}

/// The verdict of every tier of `phase` that must pass under the release's directive.
pub fn tier_verdicts(m: &ReleaseManifest, phase: TierPhase) -> Vec<(TierName, TierVerdict)> {
    let policy = DirectivePolicy::of(m.directive);
    m.policy
        .tiers
        .iter()
        .filter(|t| t.phase == phase && policy.must_pass(t))
        .map(|t| (t.name.clone(), verdict(m, policy, t)))
        .collect()
}

/// Every tier of the release, staging tiers first, with its result in words: the verdict of a
/// tier that must pass under the directive, `not run under <directive>` for one it leaves out.
pub fn tier_results(m: &ReleaseManifest) -> Vec<(TierName, String)> {
    let policy = DirectivePolicy::of(m.directive);
    [TierPhase::Staging, TierPhase::Validation]
        .into_iter()
        .flat_map(|phase| m.policy.tiers.iter().filter(move |t| t.phase == phase))
        .map(|t| {
            let result = if policy.must_pass(t) {
                tiers_report(&verdict(m, policy, t))
            } else {
                format!("not run under {}", m.directive.as_str())
            };
            (t.name.clone(), result)
        })
        .collect()
}

fn verdict(m: &ReleaseManifest, policy: &DirectivePolicy, tier: &TierConfig) -> TierVerdict {
    let Some(shas) = tier_shas(m, tier) else {
        return TierVerdict::NotReady;
    };
    let runs: Vec<&TierRun> = runs_on(m, &tier.name, RunKind::Tier, &shas).collect();
    if runs
        .iter()
        .any(|r| r.status == RunStatus::Completed && r.conclusion.is_some_and(Conclusion::passed))
    {
        return TierVerdict::Passed;
    }
    if let Some(r) = runs.iter().find(|r| r.status != RunStatus::Completed) {
        return TierVerdict::Running { attempt: r.attempt };
    }
    // A refused dispatch is not retried blindly: the same request would be refused again.
    if let Some(r) = runs
        .iter()
        .find(|r| r.conclusion == Some(Conclusion::Refused))
    {
        return TierVerdict::Refused {
            correlation_id: r.correlation_id.clone(),
            reason: r.refusal.clone().unwrap_or_default(),
        };
    }
    let failures = u32::try_from(runs.iter().filter(|r| failed(r)).count()).unwrap_or(u32::MAX);
    if failures == 0 {
        TierVerdict::Pending
    } else if failures < policy.max_attempts(tier) {
        TierVerdict::Retrying { failures }
    } else {
        TierVerdict::Exhausted { failures }
    }
}

/// When the last tier of `phase` that must pass passed on the current SHAs (each tier counted
/// from its first passing run there); `None` when none of them records when it passed.
pub(super) fn passed_at(
    m: &ReleaseManifest,
    phase: TierPhase,
) -> Option<crate::model::time::Timestamp> {
    let policy = DirectivePolicy::of(m.directive);
    m.policy
        .tiers
        .iter()
        .filter(|t| t.phase == phase && policy.must_pass(t))
        .filter_map(|t| {
            let shas = tier_shas(m, t)?;
            runs_on(m, &t.name, RunKind::Tier, &shas)
                .filter(|r| r.conclusion.is_some_and(Conclusion::passed))
                .filter_map(|r| r.completed_at)
                .min()
        })
        .max()
}

/// Whether every tier of `phase` that must pass passed on the current SHAs.
pub(super) fn all_passed(d: &Draft<'_>, phase: TierPhase) -> bool {
    tier_verdicts(&d.m, phase)
        .iter()
        .all(|(_, v)| *v == TierVerdict::Passed)
}

/// Brings dispatched runs up to date from the runs GitHub shows: adopt run ids, record
/// completions, time out slow runs. A run counts only when it is the run convoy dispatched
/// ([`evidence::mismatch`]): once its id is recorded, that run and no other.
pub(super) fn sync_runs(d: &mut Draft<'_>) {
    for i in 0..d.m.tier_runs.len() {
        let run = d.m.tier_runs[i].clone();
        // Out of reach this run: nothing was read of it, so it is neither lost nor late.
        if run.status == RunStatus::Completed || d.unreachable(&run.repo) {
            continue;
        }
        let git_ref = evidence::dispatched_ref(&d.m, &run);
        let seen =
            d.o.runs
                .iter()
                .find(|o| evidence::mismatch(&run, git_ref, o).is_none())
                .cloned();
        if let Some(seen) = &seen {
            let r = &mut d.m.tier_runs[i];
            r.run_id = Some(seen.run_id);
            if seen.url.is_some() {
                r.url = seen.url.clone();
            }
            r.status = seen.status;
            if seen.status == RunStatus::Completed {
                r.conclusion = Some(seen.conclusion.unwrap_or(Conclusion::Failure));
            }
        }
        if seen.is_none()
            && run.run_id.is_none()
            && run.status == RunStatus::Requested
            && d.now.minutes_since(run.dispatched_at) >= LOST_DISPATCH_MINUTES
        {
            let git_ref = match run.kind {
                RunKind::Tier => d.m.tier(&run.tier).and_then(|t| t.git_ref.clone()),
                RunKind::AutoFix => None,
            };
            let action = dispatch_action(&d.m, &run, git_ref);
            d.act(
                action,
                format!(
                    "GitHub shows no run for {} {} minutes after it was recorded; dispatch it (again)",
                    run.correlation_id, LOST_DISPATCH_MINUTES
                ),
                vec![],
            );
        }
        let timeout = d.m.tier(&run.tier).map_or(60, |t| t.timeout_minutes);
        let r = &mut d.m.tier_runs[i];
        if r.status != RunStatus::Completed
            && d.now.minutes_since(run.dispatched_at) >= i64::from(timeout)
        {
            r.status = RunStatus::Completed;
            r.conclusion = Some(Conclusion::TimedOut);
            if let Some(run_id) = r.run_id {
                d.act(
                    Action::CancelRun {
                        repo: run.repo.clone(),
                        run_id,
                    },
                    format!("tier {} ran past its {timeout} minutes", run.tier),
                    vec![],
                );
            }
        }
        record_completion(d, i);
    }
}

fn record_completion(d: &mut Draft<'_>, i: usize) {
    let r = &d.m.tier_runs[i];
    if r.status != RunStatus::Completed || r.completed_at.is_some() {
        return;
    }
    let conclusion = r.conclusion.unwrap_or(Conclusion::Failure);
    let word = if conclusion.passed() {
        "passed"
    } else {
        "failed"
    };
    let what = match r.kind {
        RunKind::Tier => format!(
            "tier {} attempt {} {word} ({conclusion:?})",
            r.tier, r.attempt
        ),
        RunKind::AutoFix => format!("auto-fix {} for tier {} {word}", r.attempt, r.tier),
    };
    d.m.tier_runs[i].completed_at = Some(d.now);
    d.log(
        "convoy",
        HistoryEvent::RunCompleted,
        None,
        Some(word.to_owned()),
        what,
    );
}

/// Dispatches, retries, auto-fixes or escalates every tier of `phase` that must pass.
pub(super) fn plan(d: &mut Draft<'_>, phase: TierPhase) {
    let policy = d.policy();
    for tier in d.m.policy.tiers.clone() {
        if tier.phase != phase || !policy.must_pass(&tier) {
            continue;
        }
        let Some(shas) = tier_shas(&d.m, &tier) else {
            continue;
        };
        match verdict(&d.m, policy, &tier) {
            TierVerdict::NotReady | TierVerdict::Passed => {}
            TierVerdict::Running { attempt } => {
                d.wait(
                    Owner::Ci,
                    format!("tier {} (attempt {attempt}) to finish", tier.name),
                );
            }
            TierVerdict::Refused {
                correlation_id,
                reason,
            } => {
                // Keyed by the dispatch: a refusal after a `retry` is escalated again.
                d.escalate(
                    format!("refused:{correlation_id}"),
                    format!(
                        "GitHub refused to dispatch tier {} ({} in {}): {reason}; fix the workflow, then answer `/convoy retry {}`",
                        tier.name, tier.workflow, tier.repo, tier.name
                    ),
                    Owner::Human,
                );
            }
            TierVerdict::Pending => dispatch(d, &tier, RunKind::Tier, 1, &shas),
            TierVerdict::Retrying { failures } => {
                dispatch(d, &tier, RunKind::Tier, failures + 1, &shas)
            }
            TierVerdict::Exhausted { failures } => {
                // The auto-fix budget is the tier's for the whole release: a fix changes the
                // SHAs, and a budget per set of SHAs would let fail → fix → fail loop forever.
                let fixes: Vec<&TierRun> =
                    d.m.tier_runs
                        .iter()
                        .filter(|r| r.tier == tier.name && r.kind == RunKind::AutoFix)
                        .collect();
                let budget = policy.auto_fix_attempts(d.m.policy.auto_fix.as_ref());
                if fixes.iter().any(|f| f.status != RunStatus::Completed) {
                    d.wait(
                        Owner::Agent,
                        format!("the auto-fix of tier {} to push a fix", tier.name),
                    );
                } else if u32::try_from(fixes.len()).unwrap_or(u32::MAX) < budget {
                    let n = u32::try_from(fixes.len()).unwrap_or(u32::MAX) + 1;
                    dispatch(d, &tier, RunKind::AutoFix, n, &shas);
                } else {
                    let key = format!("tier:{}:{}", tier.name, fingerprint(&shas));
                    let refused = fixes
                        .last()
                        .and_then(|f| f.refusal.as_deref())
                        .map(|m| format!("; GitHub refused to dispatch the auto-fix: {m}"));
                    let reason = format!(
                        "tier {} failed {failures} time(s) on the staged SHAs{}{}",
                        tier.name,
                        if budget > 0 {
                            " and auto-fix did not help"
                        } else {
                            ""
                        },
                        refused.unwrap_or_default()
                    );
                    d.escalate(key, reason, Owner::Human);
                }
            }
        }
    }
}

fn dispatch(
    d: &mut Draft<'_>,
    tier: &TierConfig,
    kind: RunKind,
    attempt: u32,
    shas: &BTreeMap<RepoName, Sha>,
) {
    let (repo, workflow, git_ref) = match (kind, &d.m.policy.auto_fix) {
        (RunKind::AutoFix, Some(fix)) => (fix.repo.clone(), fix.workflow.clone(), None),
        _ => (
            tier.repo.clone(),
            tier.workflow.clone(),
            tier.git_ref.clone(),
        ),
    };
    // Held until convoy can see the workflow's repository (the release waits for the fix): a
    // dispatch recorded now would only be lost.
    if d.unreachable(&repo) {
        return;
    }
    let word = if kind == RunKind::AutoFix { "fix-" } else { "" };
    // Unique per dispatch, and the same when the same decision is made again: the number of
    // runs of this kind already recorded for the tier on these SHAs (set-aside ones included).
    let seq = 1 + d
        .m
        .tier_runs
        .iter()
        .filter(|r| r.tier == tier.name && r.kind == kind && &r.shas == shas)
        .count();
    let correlation_id = format!(
        "convoy-{}-{word}{}-{seq}-{}",
        d.m.id,
        tier.name,
        fingerprint(shas)
    );
    let already =
        d.m.tier_runs
            .iter()
            .any(|r| r.correlation_id == correlation_id);
    if !already {
        d.m.tier_runs.push(TierRun {
            tier: tier.name.clone(),
            kind,
            phase: tier.phase,
            attempt,
            correlation_id: correlation_id.clone(),
            repo: repo.clone(),
            workflow: workflow.clone(),
            run_id: None,
            url: None,
            shas: shas.clone(),
            status: RunStatus::Requested,
            conclusion: None,
            superseded: false,
            dispatched_at: d.now,
            completed_at: None,
            refusal: None,
        });
        let what = match kind {
            RunKind::Tier if attempt > 1 => {
                format!("tier {} retried (attempt {attempt})", tier.name)
            }
            RunKind::Tier => format!("tier {} dispatched", tier.name),
            RunKind::AutoFix => format!("auto-fix {attempt} dispatched for tier {}", tier.name),
        };
        d.log(
            "convoy",
            HistoryEvent::RunDispatched,
            None,
            Some(correlation_id.clone()),
            what,
        );
    }
    let reason = match kind {
        RunKind::Tier => format!(
            "run tier {} (attempt {attempt}) on the staged SHAs",
            tier.name
        ),
        RunKind::AutoFix => format!(
            "tier {} keeps failing; ask the auto-fix workflow for a fix",
            tier.name
        ),
    };
    if let Some(run) =
        d.m.tier_runs
            .iter()
            .find(|r| r.correlation_id == correlation_id)
            .cloned()
    {
        let action = dispatch_action(&d.m, &run, git_ref);
        d.act(action, reason, vec![]);
    }
    d.wait(Owner::Ci, format!("tier {} to report", tier.name));
}

/// The `workflow_dispatch` of a recorded run: inputs `release`, `tier`, `attempt`,
/// `correlation_id`, `refs` (JSON `{"owner/repo": "sha"}`), and `run_url` (the failing run) for
/// an auto-fix.
fn dispatch_action(m: &ReleaseManifest, run: &TierRun, git_ref: Option<BranchName>) -> Action {
    let refs = serde_json::to_string(&run.shas).unwrap_or_else(|_| "{}".to_owned());
    let mut inputs = BTreeMap::from([
        ("release".to_owned(), m.id.to_string()),
        ("tier".to_owned(), run.tier.to_string()),
        ("attempt".to_owned(), run.attempt.to_string()),
        ("correlation_id".to_owned(), run.correlation_id.clone()),
        ("refs".to_owned(), refs),
    ]);
    if run.kind == RunKind::AutoFix {
        let failing = m
            .tier_runs
            .iter()
            .rev()
            .find(|r| r.tier == run.tier && r.kind == RunKind::Tier && r.shas == run.shas)
            .and_then(|r| r.url.clone())
            .unwrap_or_default();
        inputs.insert("run_url".to_owned(), failing);
    }
    Action::DispatchWorkflow {
        repo: run.repo.clone(),
        workflow: run.workflow.clone(),
        git_ref,
        correlation_id: run.correlation_id.clone(),
        inputs,
    }
}

/// Minutes after which a recorded dispatch that GitHub shows no run for is made again (under
/// the same correlation id, which the executor looks for first): the run that recorded it
/// stopped before dispatching (manifests are written before actions run).
pub const LOST_DISPATCH_MINUTES: i64 = 5;

/// A short, stable fingerprint of a set of SHAs (FNV-1a, 32 bits, hex).
pub fn fingerprint(shas: &BTreeMap<RepoName, Sha>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for (repo, sha) in shas {
        for b in repo
            .as_str()
            .bytes()
            .chain([b'@'])
            .chain(sha.as_str().bytes())
            .chain([b';'])
        {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    format!("{h:08x}")
}

/// A short text for a verdict, for reports.
pub fn tiers_report(v: &TierVerdict) -> String {
    match v {
        TierVerdict::NotReady => "waiting for staged SHAs".to_owned(),
        TierVerdict::Passed => "passed".to_owned(),
        TierVerdict::Running { attempt } => format!("running (attempt {attempt})"),
        TierVerdict::Retrying { failures } => format!("failed {failures}×, retrying"),
        TierVerdict::Exhausted { failures } => format!("failed {failures}×"),
        TierVerdict::Pending => "not run yet".to_owned(),
        TierVerdict::Refused { reason, .. } => format!("refused by GitHub: {reason}"),
    }
}
