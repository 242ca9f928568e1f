//! The lifecycle engine: `decide(manifest, observed, signal, now) → Decision`.
//!
//! Pure: no I/O, no clock, no randomness. One call reconciles the whole release:
//! 1. the signal is applied (commands, approvals) — `commands`;
//! 2. facts are absorbed from what GitHub showed (task PRs merged, runs finished, repos staged),
//!    and a tier result a caller claimed is judged against them — `claims`;
//! 3. the phase advances while its exit criteria hold and its gate is open — [`table`] says which
//!    gate and how each directive treats it;
//! 4. the actions of the phase reached are planned, skipping every action whose effect already
//!    holds — [`action`] — and every action on a repository convoy cannot see this run
//!    ([`Observed::unreachable`]): the release waits for the fix there, and what depends on it
//!    waits as the dependency graph says, while the rest goes on.
//!
//! The result is the next manifest plus the actions, each with its reason and the actions it must
//! wait for (waves), and what the release now waits for ([`Decision`], in `decision`, with
//! [`settle`]).
//!
//! This file only orchestrates. The decision being built is `draft::Draft`, which every step
//! shares; the steps are `commands`, `tiers` and `phases`; the markdown the engine writes on
//! GitHub is rendered in `markdown` (release notes, the shared tables) and `tracking` (the
//! tracking issue, the release's dashboard), which [`crate::report`] re-exports. Which commands
//! each phase accepts, and offers, is `command_table`. Submodules import one another one way only, and nothing from this file.

pub mod action;
mod claims;
pub mod command_table;
mod commands;
pub mod controls;
mod decision;
mod deployments;
mod draft;
pub mod evidence;
pub(crate) mod markdown;
pub mod observed;
mod outcome;
pub mod overview;
mod phases;
pub mod scope;
pub mod table;
mod tiers;
pub mod timeline;
pub(crate) mod tracking;

pub use action::{Action, PlannedAction};
pub use decision::{Decision, Wait, settle};
pub use observed::{Observed, WebLinks};
pub use phases::{RELEASE_CONTEXT, revert_branch};
pub use scope::Scope;
pub use table::{DirectivePolicy, Owner};
pub use tiers::{
    LOST_DISPATCH_MINUTES, TierVerdict, fingerprint, tier_results, tier_verdicts, tiers_report,
};

use draft::Draft;

use crate::model::manifest::{Phase, ReleaseManifest};
use crate::model::time::Timestamp;
use crate::signal::Signal;

/// Decides what to do about `signal` for the release in `manifest`, given what GitHub showed.
pub fn decide(
    manifest: &ReleaseManifest,
    observed: &Observed,
    signal: &Signal,
    now: Timestamp,
) -> Decision {
    let mut d = Draft::new(manifest, observed, now);
    commands::apply_signal(&mut d, signal);
    tiers::sync_runs(&mut d);
    claims::judge(&mut d, signal);
    for _ in 0..Phase::ALL.len() {
        // A repo convoy cannot see this run keeps what the manifest says of it.
        let frozen = d.freeze_unreachable();
        phases::sync(&mut d);
        d.thaw(frozen);
        if !phases::advance(&mut d) {
            break;
        }
    }
    phases::plan(&mut d);
    deployments::plan(&mut d);
    d.wait_for_unreachable();
    d.settle_escalations();
    phases::plan_tracking_issue(&mut d);
    d.finish(manifest)
}
