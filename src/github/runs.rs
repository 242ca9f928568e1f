//! The tier runs in flight, as GitHub shows them: by their ids once convoy follows one, the run a
//! `convoy.tier-completed` callback names (read by its id), else the newest dispatched run of the
//! tier's workflow whose title holds the correlation id. Whether a run is the one convoy
//! dispatched is the core's to say ([`evidence::mismatch`]); this module only reads.

use super::client::{GhError, GitHub};
use super::facts;
use crate::lifecycle::evidence;
use crate::lifecycle::observed::ObservedRun;
use crate::model::ids::RepoName;
use crate::model::manifest::{ReleaseManifest, TierRun};
use crate::model::numbers::RunId;
use crate::signal::Signal;

/// The run a `convoy.tier-completed` for this release names for `run`, when convoy has not
/// seen `run`'s own yet: read by its id, it may be that run (then nothing else is read).
pub(super) fn claimed_run(m: &ReleaseManifest, run: &TierRun, signal: &Signal) -> Option<RunId> {
    match signal {
        Signal::TierCompleted {
            release,
            correlation_id,
            run_id: Some(claimed),
            ..
        } if release == &m.id && correlation_id == &run.correlation_id && run.run_id.is_none() => {
            Some(*claimed)
        }
        _ => None,
    }
}

/// A run in flight as GitHub shows it: by its id once convoy recorded it (one read); else the
/// run a callback names, when that is the run convoy dispatched
/// ([`evidence::mismatch`](crate::lifecycle::evidence::mismatch): one read); else the newest of
/// the workflow's dispatched runs whose title holds the correlation id. A claimed run that is
/// not it is returned too (`decide` says why the claim changes nothing), and is never taken for
/// it.
pub(super) async fn observe_run(
    gh: &GitHub,
    m: &ReleaseManifest,
    run: &TierRun,
    claimed: Option<RunId>,
) -> Result<Vec<ObservedRun>, GhError> {
    let api = gh.repo(&run.repo);
    let read = |id: RunId| async move {
        Ok::<_, GhError>(api.run(id).await?.and_then(|r| facts::run(&run.repo, &r)))
    };
    if let Some(id) = run.run_id {
        return Ok(read(id).await?.into_iter().collect());
    }
    let mut seen = Vec::new();
    if let Some(id) = claimed
        && let Some(r) = read(id).await?
    {
        let git_ref = evidence::dispatched_ref(m, run);
        let it = evidence::mismatch(run, git_ref, &r).is_none();
        seen.push(r);
        if it {
            return Ok(seen);
        }
    }
    let listed = api
        .dispatched_runs(&run.workflow, &run.correlation_id)
        .await?;
    seen.extend(find_run(&run.repo, &listed, &run.correlation_id));
    Ok(seen)
}

/// The first of `runs` whose title holds `correlation` (as a whole word).
pub fn find_run(
    repo: &RepoName,
    runs: &[super::rest::actions::Run],
    correlation: &str,
) -> Option<ObservedRun> {
    runs.iter()
        .filter_map(|r| facts::run(repo, r))
        .find(|r| evidence::holds(&r.title, correlation))
}
