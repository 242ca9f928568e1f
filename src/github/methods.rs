//! Merging with a method the repository allows: when GitHub refuses the planned method ("Merge
//! commits are not allowed on this repository.", "Squash merges …", "Rebase merges …", or "This
//! branch must not contain merge commits."), convoy reads the repository's settings (one extra
//! request) and merges once more with an allowed method, instead of blocking the release.

use super::client::GhError;
use super::rest::{MergeError, MergeRefusal, Merged, Repo};
use crate::model::config::MergeMethod;
use crate::model::ids::Sha;
use crate::model::numbers::PullNumber;

/// A merge GitHub made.
#[derive(Debug, Clone)]
pub enum MergeAnswer {
    /// Merged with the planned method.
    Merged(Merged),
    /// Merged with `method`, after GitHub refused the planned one with `reason`.
    Switched {
        /// GitHub's answer to the second merge.
        merged: Merged,
        /// The method used.
        method: MergeMethod,
        /// GitHub's refusal of the planned method.
        reason: String,
    },
}

/// The method to try after GitHub refused `refused` with `refusal`, among `allowed` (the
/// repository's settings): `None` when the refusal is not about the method, or nothing else is
/// allowed.
pub fn fallback(
    refusal: &MergeRefusal,
    refused: MergeMethod,
    allowed: &[MergeMethod],
) -> Option<MergeMethod> {
    let no_merge_commits = match refusal {
        MergeRefusal::MergeMethodNotAllowed { .. } => false,
        MergeRefusal::LinearHistoryRequired => true,
        _ => return None,
    };
    // Squash first: one commit is the simplest to reconcile and to revert.
    [MergeMethod::Squash, MergeMethod::Rebase, MergeMethod::Merge]
        .into_iter()
        .filter(|m| *m != refused && allowed.contains(m))
        .find(|m| !(no_merge_commits && *m == MergeMethod::Merge))
}

/// Merges pull request `number` pinned to `sha` with `method`, or, when GitHub refuses that
/// method, with an allowed one ([`fallback`]). Any other refusal, or a second refusal, is the
/// error.
pub async fn merge_allowed(
    api: &Repo<'_>,
    number: PullNumber,
    sha: &Sha,
    method: MergeMethod,
) -> Result<MergeAnswer, MergeError> {
    let err = match api.merge_pull(number, sha, method).await {
        Ok(merged) => return Ok(MergeAnswer::Merged(merged)),
        Err(e) => e,
    };
    let Some(refusal) = err.refusal().cloned() else {
        return Err(err);
    };
    if fallback(&refusal, method, &MergeMethod::ALL).is_none() {
        return Err(err);
    }
    let allowed = match api.repository().await {
        Ok(repo) => repo.merge_methods(),
        Err(e) => {
            tracing::warn!(
                "{}: settings not read after a method refusal: {e}",
                api.name()
            );
            return Err(err);
        }
    };
    let Some(next) = fallback(&refusal, method, &allowed) else {
        return Err(err);
    };
    let reason = GhError::from(err).message().unwrap_or_default().to_owned();
    let merged = api.merge_pull(number, sha, next).await?;
    Ok(MergeAnswer::Switched {
        merged,
        method: next,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_an_allowed_method() {
        use MergeMethod::{Merge, Rebase, Squash};
        let not_allowed = MergeRefusal::MergeMethodNotAllowed { method: Merge };
        assert_eq!(fallback(&not_allowed, Merge, &[Squash]), Some(Squash));
        assert_eq!(fallback(&not_allowed, Merge, &[Rebase]), Some(Rebase));
        assert_eq!(fallback(&not_allowed, Squash, &[Merge]), Some(Merge));
        assert_eq!(fallback(&not_allowed, Merge, &[Merge]), None);
        let linear = MergeRefusal::LinearHistoryRequired;
        assert_eq!(fallback(&linear, Merge, &MergeMethod::ALL), Some(Squash));
        assert_eq!(fallback(&linear, Merge, &[Merge, Rebase]), Some(Rebase));
        assert_eq!(fallback(&linear, Merge, &[Merge]), None);
        assert_eq!(
            fallback(&MergeRefusal::NotMergeable, Merge, &MergeMethod::ALL),
            None
        );
    }
}
