//! Tier results callers claim (`convoy.tier-completed`): checked against the run GitHub shows,
//! never taken as results.
//!
//! A tier's result is what `tiers::sync_runs` reads off the run convoy dispatched, as the
//! observer read it from GitHub with convoy's own token ([`super::evidence`]). A callback only
//! makes convoy look now (its run is read afresh, at most one read). What the callback said is
//! then compared with what GitHub shows:
//!
//! - it agrees (the run it names is the one convoy dispatched, completed, with that
//!   conclusion): nothing to keep, the result was already GitHub's;
//! - it names the run convoy dispatched, which GitHub shows still going: held in the manifest
//!   and compared again once GitHub shows the run completed (a tier's own report, sent by its
//!   last job, usually comes a moment before its run ends);
//! - anything else (no such run of this release, another run than the one dispatched under
//!   that correlation id, another tier, another conclusion than GitHub shows): rejected.
//!
//! A rejected claim is noted on the tracking issue once: it is recorded in the manifest, which
//! is written before any action runs, with the note marked as planned, and the note carries the
//! `convoy:claim:<key>` marker the executor looks for before posting. The same claim sent again
//! is the same record. Nothing else changes: the release goes on as if the claim had not come.

use super::action::Action;
use super::draft::Draft;
use super::evidence::{code, dispatched_ref, mismatch};
use crate::model::claim::{self, ClaimVerdict, TierClaim};
use crate::model::manifest::{Conclusion, ReleaseManifest, RunStatus};
use crate::model::marker::Marker;
use crate::signal::Signal;

use super::observed::Observed;

/// What GitHub shows of a claim.
#[derive(Debug, PartialEq, Eq)]
enum Finding {
    /// It agrees with the result convoy took from GitHub.
    Agrees,
    /// It names the run convoy dispatched, which is still going.
    Held,
    /// GitHub contradicts it: why.
    Rejected(String),
}

/// Judges the signal's claim, if it is one for this release, and the claims held from earlier
/// runs; plans the note of each claim newly rejected. Runs after `tiers::sync_runs`, so the runs
/// hold what GitHub shows this run.
pub(super) fn judge(d: &mut Draft<'_>, signal: &Signal) {
    if let Signal::TierCompleted {
        release,
        tier,
        correlation_id,
        run_id,
        conclusion,
        sender,
    } = signal
        && release == &d.m.id
    {
        let claim = TierClaim::new(
            correlation_id,
            Some(tier.clone()),
            *run_id,
            conclusion.as_str(),
            sender.as_ref().map(ToString::to_string),
            d.now,
        );
        if d.m.claims.iter().any(|c| c.key == claim.key) {
            d.notes.push(format!(
                "a `convoy.tier-completed` for {} came again; it was judged before",
                code(&claim.correlation_id)
            ));
        } else {
            take(d, claim);
        }
    }
    let mut i = 0;
    while i < d.m.claims.len() {
        if d.m.claims[i].verdict == ClaimVerdict::Held {
            match assess(&d.m, d.o, &d.m.claims[i]) {
                Finding::Agrees => {
                    d.m.claims.remove(i);
                    continue;
                }
                Finding::Held => {}
                Finding::Rejected(reason) => {
                    d.notes
                        .push(format!("a tier result claimed earlier: {reason}"));
                    d.m.claims[i].reject(reason);
                }
            }
        }
        i += 1;
    }
    note(d);
    claim::bound(&mut d.m.claims);
}

/// Records a new claim as GitHub shows it.
fn take(d: &mut Draft<'_>, mut claim: TierClaim) {
    let shown = code(&claim.correlation_id);
    match assess(&d.m, d.o, &claim) {
        Finding::Agrees => d.notes.push(format!(
            "the tier result claimed for {shown} is the one GitHub shows"
        )),
        Finding::Held => {
            d.notes.push(format!(
                "the tier result claimed for {shown} waits for GitHub to show its run completed"
            ));
            d.m.claims.push(claim);
        }
        Finding::Rejected(reason) => {
            d.notes.push(format!(
                "a tier result claimed for {shown} changes nothing: {reason}"
            ));
            claim.reject(reason);
            d.m.claims.push(claim);
        }
    }
}

/// Compares `claim` with the run convoy dispatched under its correlation id, as the manifest
/// now holds it (what GitHub showed).
fn assess(m: &ReleaseManifest, o: &Observed, claim: &TierClaim) -> Finding {
    let cid = code(&claim.correlation_id);
    let Some(run) = m
        .tier_runs
        .iter()
        .find(|r| r.correlation_id == claim.correlation_id)
    else {
        return Finding::Rejected(format!("release {} dispatched no run as {cid}", m.id));
    };
    if let Some(tier) = &claim.tier
        && tier != &run.tier
    {
        return Finding::Rejected(format!(
            "{cid} is a run of tier {}, not of tier {}",
            run.tier,
            code(tier.as_str())
        ));
    }
    if let Some(claimed) = claim.run_id
        && run.run_id != Some(claimed)
    {
        let seen = o
            .runs
            .iter()
            .find(|s| s.repo == run.repo && s.run_id == claimed);
        let why = match (run.run_id, seen) {
            (Some(followed), _) => format!("convoy follows run {followed} for it"),
            (None, Some(seen)) => mismatch(run, dispatched_ref(m, run), seen)
                .unwrap_or_else(|| "convoy recorded no run for it".to_owned()),
            (None, None) if o.unreachable(&run.repo).is_some() => {
                format!("convoy cannot see {} to check it", run.repo)
            }
            (None, None) if run.status != RunStatus::Completed => {
                format!("GitHub shows no such run in {}", run.repo)
            }
            (None, None) => "convoy recorded no run for it".to_owned(),
        };
        return Finding::Rejected(format!(
            "run {claimed} of {} is not the run convoy dispatched as {cid}: {why}",
            run.repo
        ));
    }
    if run.status != RunStatus::Completed {
        return Finding::Held;
    }
    let recorded = run.conclusion.unwrap_or(Conclusion::Failure);
    let claimed = Conclusion::parse(&claim.conclusion).unwrap_or(Conclusion::Failure);
    if recorded == claimed {
        return Finding::Agrees;
    }
    let which = match run.run_id {
        Some(id) => format!("run {id} of {}", run.repo),
        None => format!("the run dispatched as {cid}"),
    };
    Finding::Rejected(match recorded {
        Conclusion::Refused => format!("GitHub refused to dispatch {cid}: no run of it exists"),
        Conclusion::TimedOut => format!(
            "{which} ran past its tier's timeout; convoy counted it as failed, not {}",
            code(&claim.conclusion)
        ),
        other => format!(
            "GitHub shows {which} completed with {}, not {}",
            code(spelt(other)),
            code(&claim.conclusion)
        ),
    })
}

/// A conclusion as GitHub spells it.
fn spelt(c: Conclusion) -> &'static str {
    match c {
        Conclusion::Success => "success",
        Conclusion::Failure => "failure",
        Conclusion::Cancelled => "cancelled",
        Conclusion::TimedOut => "timed_out",
        Conclusion::Skipped => "skipped",
        Conclusion::Neutral => "neutral",
        Conclusion::ActionRequired => "action_required",
        Conclusion::Stale => "stale",
        Conclusion::Refused => "refused",
    }
}

/// Plans the note of every rejected claim not noted yet (marked noted in the same decision, so
/// of two runs at once only the one whose manifest write lands posts it; the executor also
/// looks for the marker first).
fn note(d: &mut Draft<'_>) {
    let Some(issue) = d.m.tracking_issue else {
        return;
    };
    let control = d.m.control_repo.clone();
    for i in 0..d.m.claims.len() {
        let c = &d.m.claims[i];
        if !c.rejected() || c.noted {
            continue;
        }
        let reason = c.reason.as_deref().unwrap_or("GitHub does not bear it out");
        let marker = Marker::Claim(c.key.clone());
        let from = c
            .sender
            .as_deref()
            .map(|s| format!(" sent by {}", code(s)))
            .unwrap_or_default();
        let tier = c
            .tier
            .as_ref()
            .map(|t| format!(" of tier {}", code(t.as_str())))
            .unwrap_or_default();
        let run = c.run_id.map(|r| format!(", run {r}")).unwrap_or_default();
        let body = format!(
            "{marker}\nA `convoy.tier-completed`{from} claimed {}{tier} (correlation id {}{run}). \
             convoy did not take it: {reason}.\n\nTier results come from the runs GitHub shows, \
             read with convoy's own token, never from a callback: the release goes on as if this \
             claim had not come.",
            code(&c.conclusion),
            code(&c.correlation_id),
        );
        d.m.claims[i].noted = true;
        d.act(
            Action::Comment {
                repo: control.clone(),
                issue,
                marker: marker.content(),
                body,
            },
            "note a tier result GitHub does not bear out",
            vec![],
        );
    }
}
