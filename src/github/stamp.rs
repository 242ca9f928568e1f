//! The release lock's stamp on each member repo's GitHub release: a section at the end of the
//! release's body naming `releases/<id>/lock.json` (linked) and its SHA-256 digest, so that the
//! member repos, which only their own writers can change, carry a record of the lock that a
//! later edit of the control repo cannot silently replace. Written by the manifest store before
//! it writes the lock ([`crate::github::store`]); read by `convoy verify`.

use super::client::GhError;
use super::client::GitHub;
use crate::model::ids::{BranchName, RepoName};
use crate::model::lock::{Lock, LockDigest};

/// The web page of the lock file in the control repo, on the state branch (`HEAD`: the default
/// branch), on `server` (`https://github.com`).
pub fn lock_link(
    server: &str,
    control: &RepoName,
    branch: Option<&BranchName>,
    lock: &Lock,
) -> String {
    let branch = branch.map_or("HEAD", BranchName::as_str);
    format!(
        "{server}/{control}/blob/{branch}/{}",
        Lock::file(&lock.release)
    )
}

/// Stamps `digest` into the GitHub release of `lock.tag` of every member repo, where the stamp
/// is missing or names another digest: one read per repo, one edit where it changes. A repo
/// without that release (never the case for a release that shipped) is skipped with a warning.
pub async fn stamp_releases(
    gh: &GitHub,
    lock: &Lock,
    digest: &LockDigest,
    branch: Option<&BranchName>,
) -> Result<(), GhError> {
    for repo in &lock.repos {
        let api = gh.repo(&repo.name);
        let Some(release) = api.release_by_tag(&lock.tag).await? else {
            tracing::warn!(
                "{}: no GitHub release of {}; the lock's digest is not stamped there",
                repo.name,
                lock.tag
            );
            continue;
        };
        let Some(id) = release.id else {
            tracing::warn!(
                "{}: GitHub's answer for the release of {} has no id; the lock's digest is not stamped there",
                repo.name,
                lock.tag
            );
            continue;
        };
        let server = release.server(&repo.name).unwrap_or("https://github.com");
        let link = lock_link(server, &lock.control_repo, branch, lock);
        let body = release.body.as_deref().unwrap_or_default();
        let stamped = lock.stamped(body, digest, &link);
        if stamped != body {
            api.edit_release_body(id, &stamped).await?;
        }
    }
    Ok(())
}
