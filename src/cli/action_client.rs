//! The client a step of the Action acts with, from the inputs: `convoy run` and `command:
//! verify` build it alike.

use super::error::CliError;
use crate::github::client::{ClientConfig, GitHub};
use crate::github::tokens::AppAuth;
use crate::shell::{Secret, WorkflowEnv, mask};

/// The client a run acts with: the `token` input (or `GITHUB_TOKEN`), or with `app-id` and
/// `private-key` one installation token per owner, minted on first use and masked before it is
/// used. `convoy verify` in the Action reads with the same.
pub(super) fn client(env: &WorkflowEnv) -> Result<GitHub, CliError> {
    let mut cfg = ClientConfig::new(env.api_url.clone(), String::new());
    if let Some(ms) = env.write_gap_ms {
        cfg.write_gap = std::time::Duration::from_millis(ms);
    }
    match (&env.app, &env.token) {
        // One installation token per owner of the release's repositories, minted on first use.
        (Some(app), _) => GitHub::with_app(
            cfg,
            AppAuth {
                app_id: app.app_id,
                private_key: app.private_key.expose().to_owned(),
                home: env.control_repo.owner().to_owned(),
                // A minted token is a secret the runner does not know: masked before it is
                // used, so nothing can print it first.
                on_mint: Some(Box::new(|token: &str| {
                    // A closed stdout shows the runner nothing, the token included (it is
                    // never logged): there is nothing to mask it from.
                    let _ = super::write_out(format_args!("{}", mask(&Secret::new(token))), false);
                })),
            },
        ),
        (None, Some(t)) => GitHub::new(ClientConfig {
            token: t.expose().to_owned(),
            ..cfg
        }),
        (None, None) => {
            return Err(CliError::Invalid(
                "no credentials: give the `token` input, or `app-id` and `private-key`".to_owned(),
            ));
        }
    }
    .map_err(CliError::Failure)
}
