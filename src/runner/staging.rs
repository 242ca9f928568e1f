//! A run's part in releasing staging: once a round took a release out of `staging`,
//! `validation` or `shipping` (its manifest written, its actions run), the run deletes the
//! release's staging locks ([`crate::github::staging_lock`]). Taking them is the runner's
//! first step when a decision enters staging.

use crate::github::client::GitHub;
use crate::github::staging_lock;
use crate::lifecycle::Decision;
use crate::model::ids::RepoName;
use crate::model::manifest::ReleaseManifest;
use crate::model::staging_lock::holds_staging;
use crate::model::time::Timestamp;

/// Deletes the staging locks of the release when `decision` took it out of the phases that
/// hold staging (`before`: the manifest it decided on), reading the time from `clock` right
/// before. A failure is logged, not fatal: the locks lapse and the next release to need them
/// takes them over.
pub(super) async fn release(
    gh: &GitHub,
    control: &RepoName,
    before: &ReleaseManifest,
    decision: &Decision,
    clock: &(dyn Fn() -> Timestamp + Send + Sync),
) {
    let m = &decision.manifest;
    if !holds_staging(before.phase) || holds_staging(m.phase) {
        return;
    }
    match staging_lock::release(gh, control, m, decision.at, clock()).await {
        Ok(n) => tracing::debug!("{}: released {n} staging lock(s)", m.id),
        Err(e) => tracing::warn!(
            "{}: the staging locks were not released ({e}); they lapse and the next release to need them takes them over",
            m.id
        ),
    }
}
