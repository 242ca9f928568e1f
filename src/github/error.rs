//! [`GhError`]: why a GitHub request failed, as the transport classifies GitHub's answer.
//! Callers branch on the variants; the typed REST layer refines some (a merge's refusal).

use super::permission::Grant;

/// Why a request failed. Callers branch on these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GhError {
    /// 404: not there (or not visible to this token).
    #[error("{what}: not found (404)")]
    NotFound {
        /// `METHOD path`.
        what: String,
    },
    /// 409: a conflict — a stale SHA (merge head moved, contents sha stale).
    #[error("{what}: conflict (409): {message}")]
    Conflict {
        /// `METHOD path`.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// 405: not allowed now — a pull request that cannot be merged (conflict, required check).
    #[error("{what}: not allowed (405): {message}")]
    NotAllowed {
        /// `METHOD path`.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// 422: GitHub refused the request (exists already, invalid, no commits between…).
    #[error("{what}: unprocessable (422): {message}")]
    Unprocessable {
        /// `METHOD path`.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// 400: a malformed request (for instance a field an older GHES does not know).
    #[error("{what}: bad request (400): {message}")]
    BadRequest {
        /// `METHOD path`.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// 401/403 that is not a rate limit: the token lacks access.
    #[error("{what}: {status}: {message} (check the token's permissions)")]
    Denied {
        /// `METHOD path`.
        what: String,
        /// 401 or 403.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// 401, 403 or 422 whose words name a permission the token lacks (the workflows refusal,
    /// "Resource not accessible by integration", …; [`super::permission`]): what to grant.
    #[error("{what}: {status}: {message}; {grant}")]
    PermissionMissing {
        /// `METHOD path`.
        what: String,
        /// 401, 403 or 422.
        status: u16,
        /// GitHub's message.
        message: String,
        /// What to grant.
        grant: Grant,
    },
    /// Rate-limited for longer than convoy waits in one run.
    #[error("{what}: rate limited; GitHub asks to wait {seconds} s")]
    RateLimited {
        /// `METHOD path`.
        what: String,
        /// How long GitHub asked to wait.
        seconds: u64,
    },
    /// 5xx after the retries (or on a write, where convoy does not retry blindly).
    #[error("{what}: server error {status}: {message}")]
    Server {
        /// `METHOD path`.
        what: String,
        /// The status.
        status: u16,
        /// The body's message.
        message: String,
    },
    /// No HTTP answer (connection refused or reset, timeout).
    #[error("{what}: {message}")]
    Transport {
        /// `METHOD path`.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// GitHub App credentials GitHub refused, or an App not installed where it must be: the
    /// message says what to fix.
    #[error("{what}: {message}")]
    App {
        /// `METHOD path`, or the App.
        what: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// An answer convoy cannot read.
    #[error("{what}: unexpected answer: {message}")]
    Unexpected {
        /// `METHOD path`.
        what: String,
        /// What was wrong with it.
        message: String,
    },
}

impl GhError {
    /// The error of a 401, 403 or 422 answer that is not a rate limit:
    /// [`GhError::PermissionMissing`] when GitHub's `message` (or its
    /// `X-Accepted-GitHub-Permissions` header, `accepted`) names a permission convoy can place
    /// for the request `what`, else [`GhError::Unprocessable`] (422) or [`GhError::Denied`].
    pub fn refused(status: u16, what: String, message: String, accepted: Option<&str>) -> GhError {
        if let Some(grant) = super::permission::grant(&what, &message, accepted) {
            return GhError::PermissionMissing {
                what,
                status,
                message,
                grant,
            };
        }
        if status == 422 {
            GhError::Unprocessable { what, message }
        } else {
            GhError::Denied {
                what,
                status,
                message,
            }
        }
    }

    /// What to grant convoy's token, when GitHub refused for want of a permission.
    pub fn grant(&self) -> Option<&Grant> {
        match self {
            GhError::PermissionMissing { grant, .. } => Some(grant),
            _ => None,
        }
    }

    /// GitHub's message, for the errors that carry one.
    pub fn message(&self) -> Option<&str> {
        match self {
            GhError::Conflict { message, .. }
            | GhError::NotAllowed { message, .. }
            | GhError::Unprocessable { message, .. }
            | GhError::BadRequest { message, .. }
            | GhError::Denied { message, .. }
            | GhError::PermissionMissing { message, .. }
            | GhError::Server { message, .. }
            | GhError::Transport { message, .. }
            | GhError::App { message, .. }
            | GhError::Unexpected { message, .. } => Some(message),
            GhError::NotFound { .. } | GhError::RateLimited { .. } => None,
        }
    }

    /// The rules a refused write violates, when GitHub says a branch rule or ruleset refused it
    /// (409 or 422 whose message reads "Repository rule violations found", then the rules, one
    /// per paragraph): the rules' words, or that header when it names none.
    pub fn rule_violation(&self) -> Option<String> {
        const HEADER: &str = "Repository rule violations found";
        let (GhError::Conflict { message, .. } | GhError::Unprocessable { message, .. }) = self
        else {
            return None;
        };
        let rest = message.trim_start().strip_prefix(HEADER)?;
        let rules: Vec<&str> = rest
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        Some(if rules.is_empty() {
            HEADER.to_owned()
        } else {
            rules.join(" ")
        })
    }

    /// Whether the error says the request surely had no effect (so a write may be re-sent).
    pub fn had_no_effect(&self) -> bool {
        matches!(
            self,
            GhError::NotFound { .. }
                | GhError::Conflict { .. }
                | GhError::NotAllowed { .. }
                | GhError::Unprocessable { .. }
                | GhError::BadRequest { .. }
                | GhError::Denied { .. }
                | GhError::PermissionMissing { .. }
                | GhError::RateLimited { .. }
                // Raised before the request went out (no token for it).
                | GhError::App { .. }
        )
    }
}
