//! Staging is exclusive: a release enters staging only while no other release holds the staging
//! branch of one of its member repos (same repo, same staging branch). A holder is a release in
//! `staging`, `validation` or `shipping`, or one holding that branch's staging lock
//! (`model::staging_lock`); the runner lists them in `Observed::staging_holders` when this
//! release is ready to leave development. The waiting release stays in development, says why,
//! and moves on by itself on the first run after the holder ships or stops.

use crate::lifecycle::draft::Draft;
use crate::lifecycle::table::Owner;
use crate::model::history::HistoryEvent;
use crate::model::ids::ReleaseId;
use crate::model::manifest::Phase;
use crate::model::staging_lock::{LAPSE_MINUTES, holds_staging};

/// Why staging is not free for this release: one sentence per holding release (empty when it
/// is free).
pub(super) fn held(d: &Draft<'_>) -> Vec<String> {
    let mut by_release: Vec<(ReleaseId, Phase, Vec<String>)> = Vec::new();
    for h in &d.o.staging_holders {
        let shared =
            d.m.repos
                .iter()
                .any(|r| r.name == h.repo && r.staging == h.branch);
        let holds = h.locked || holds_staging(h.phase);
        if h.release == d.m.id || !shared || !holds {
            continue;
        }
        let repo = h.repo.to_string();
        match by_release.iter_mut().find(|(id, _, _)| id == &h.release) {
            Some((_, _, repos)) => {
                if !repos.contains(&repo) {
                    repos.push(repo);
                }
            }
            None => by_release.push((h.release.clone(), h.phase, vec![repo])),
        }
    }
    by_release
        .into_iter()
        .map(|(id, phase, repos)| {
            let repos = repos.join(", ");
            let ended = !phase.is_active();
            let held = holds_staging(phase);
            let phase = phase.as_str();
            if held {
                format!(
                    "staging of {repos} is held by release {id} ({phase}); this release moves on when it ships or stops"
                )
            } else if ended {
                format!(
                    "staging of {repos} is still locked by release {id}, which has ended ({phase}); this release moves on once the lock is released, at the latest {LAPSE_MINUTES} minutes after {id} ended"
                )
            } else {
                format!(
                    "staging of {repos} is locked by release {id}, which is entering staging ({phase}); this release moves on when it ships or stops, or {LAPSE_MINUTES} minutes after it took the lock if it does not enter"
                )
            }
        })
        .collect()
}

/// Records that the release waits for staging (a wait, and once per holder a history entry).
pub(super) fn wait_for_staging(d: &mut Draft<'_>, reasons: Vec<String>) {
    let since = d.phase_entered_at();
    for why in reasons {
        let logged =
            d.m.history
                .iter()
                .any(|h| h.event == HistoryEvent::StagingHeld && h.at >= since && h.detail == why);
        if !logged {
            d.log("convoy", HistoryEvent::StagingHeld, None, None, why.clone());
        }
        d.wait(Owner::Ci, why);
    }
}
