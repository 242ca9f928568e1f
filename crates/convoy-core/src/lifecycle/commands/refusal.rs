//! [`Refusal`]: why a command was not carried out, and the one sentence convoy answers with.
//!
//! Every refusal text convoy writes is rendered here, so they read alike: `@bob cannot <do>:
//! <why>.` The texts are under snapshot tests.

use crate::lifecycle::command_table::CommandSpec;
use crate::model::config::Permission;
use crate::model::ids::{IssueRef, Login, ReleaseId, RepoName, TierName};
use crate::model::manifest::{Gate, Phase};

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The `/convoy` line did not parse; the parser's message.
    Unreadable(String),
    /// convoy could not read the person's permission on the control repo.
    PermissionUnknown {
        /// The control repo.
        control: RepoName,
    },
    /// Commands need write permission.
    BelowWrite {
        /// The control repo.
        control: RepoName,
        /// What the person holds.
        has: Permission,
    },
    /// Approving needs to be an approver.
    NotApprover {
        /// The control repo.
        control: RepoName,
        /// The permission that makes an approver.
        min: Permission,
        /// What the person holds.
        has: Permission,
    },
    /// The command is not accepted in the release's phase (the command table's rule).
    WrongPhase {
        /// The release.
        release: ReleaseId,
        /// Its phase.
        phase: Phase,
    },
    /// No human gate waits.
    NothingToApprove {
        /// The release's phase.
        phase: Phase,
    },
    /// The named gate is not the one the release waits at.
    NotAtGate {
        /// The gate named.
        gate: Gate,
        /// The release's phase.
        phase: Phase,
    },
    /// `retry <tier>` names no tier of the release.
    UnknownTier {
        /// The tier named.
        tier: TierName,
        /// The release.
        release: ReleaseId,
    },
    /// Nothing to run again.
    NoFinishedRun {
        /// The tier named, if any.
        tier: Option<TierName>,
    },
    /// `defer` names no task of the release.
    NotATask {
        /// The issue named.
        task: IssueRef,
        /// The release.
        release: ReleaseId,
    },
    /// `create` names a release that exists.
    AlreadyExists {
        /// The release.
        release: ReleaseId,
    },
}

impl Refusal {
    /// The answer to `actor`, who gave the command of row `spec`: one sentence.
    pub(crate) fn sentence(&self, actor: &Login, spec: &CommandSpec) -> String {
        let verb = spec.verb;
        match self {
            Refusal::Unreadable(why) => format!(
                "@{actor}, convoy could not read that command: {}.",
                why.trim_end_matches('.')
            ),
            Refusal::PermissionUnknown { control } => format!(
                "@{actor} cannot {verb} yet: convoy could not read your permission on {control}; try again in a moment."
            ),
            Refusal::BelowWrite { control, has } => format!(
                "@{actor} cannot {verb}: only people with write permission on {control} may give commands, and you have {}.",
                perm_name(*has)
            ),
            Refusal::NotApprover { control, min, has } => format!(
                "@{actor} cannot {verb}: only the people in `approvers.users` and those with {} permission on {control} may, and you have {}.",
                perm_name(*min),
                perm_name(*has)
            ),
            Refusal::WrongPhase { release, phase } => format!(
                "@{actor} cannot {verb} now: {}, and release {release} is in the {} phase{}.",
                spec.rule,
                phase.as_str(),
                if spec.instead.is_empty() {
                    String::new()
                } else {
                    format!("; {}", spec.instead)
                }
            ),
            Refusal::NothingToApprove { phase } => format!(
                "@{actor} cannot {verb}: nothing waits for approval in the {} phase.",
                phase.as_str()
            ),
            Refusal::NotAtGate { gate, phase } => format!(
                "@{actor} cannot {verb}: the release waits at no {} gate in the {} phase.",
                gate.as_str(),
                phase.as_str()
            ),
            Refusal::UnknownTier { tier, release } => {
                format!("@{actor} cannot {verb} `{tier}`: it is not a tier of release {release}.")
            }
            Refusal::NoFinishedRun { tier: Some(tier) } => {
                format!("@{actor} cannot {verb} `{tier}`: it has no finished run to set aside.")
            }
            Refusal::NoFinishedRun { tier: None } => {
                format!("@{actor} cannot {verb}: no tier has a finished run to set aside.")
            }
            Refusal::NotATask { task, release } => {
                format!("@{actor} cannot {verb}: {task} is not a task of release {release}.")
            }
            Refusal::AlreadyExists { release } => {
                format!("@{actor} cannot {verb} release {release}: it already exists.")
            }
        }
    }
}

fn perm_name(p: Permission) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::command_table::COMMANDS;

    fn row(name: &str) -> &'static CommandSpec {
        COMMANDS.iter().find(|s| s.name == name).unwrap()
    }

    /// Every refusal text, one per line (each variant once, and the phase rule of every row
    /// that has one).
    #[test]
    fn every_refusal_reads_as_a_sentence() {
        let bob = Login::parse("bob").unwrap();
        let control = RepoName::parse("acme/control").unwrap();
        let release = ReleaseId::parse("1.0").unwrap();
        let tier = TierName::parse("e2e").unwrap();
        let mut lines = vec![
            Refusal::Unreadable("unknown command `frobnicate`".to_owned())
                .sentence(&bob, row("retry")),
            Refusal::PermissionUnknown {
                control: control.clone(),
            }
            .sentence(&bob, row("abort")),
            Refusal::BelowWrite {
                control: control.clone(),
                has: Permission::Read,
            }
            .sentence(&bob, row("retry")),
            Refusal::NotApprover {
                control: control.clone(),
                min: Permission::Maintain,
                has: Permission::Write,
            }
            .sentence(&bob, row("approve")),
            Refusal::NothingToApprove {
                phase: Phase::Staging,
            }
            .sentence(&bob, row("approve")),
            Refusal::NotAtGate {
                gate: Gate::Ship,
                phase: Phase::Development,
            }
            .sentence(&bob, row("ship")),
            Refusal::UnknownTier {
                tier: TierName::parse("e3e").unwrap(),
                release: release.clone(),
            }
            .sentence(&bob, row("retry")),
            Refusal::NoFinishedRun {
                tier: Some(tier.clone()),
            }
            .sentence(&bob, row("retry")),
            Refusal::NoFinishedRun { tier: None }.sentence(&bob, row("retry")),
            Refusal::NotATask {
                task: IssueRef::parse("acme/api#99").unwrap(),
                release: release.clone(),
            }
            .sentence(&bob, row("defer")),
            Refusal::AlreadyExists {
                release: release.clone(),
            }
            .sentence(&bob, row("create")),
        ];
        for spec in COMMANDS.iter().filter(|s| !s.rule.is_empty()) {
            let phase = Phase::ALL
                .into_iter()
                .find(|p| !spec.accepted_in(*p))
                .unwrap_or(Phase::Aborted);
            lines.push(
                Refusal::WrongPhase {
                    release: release.clone(),
                    phase,
                }
                .sentence(&bob, spec),
            );
        }
        for l in &lines {
            assert!(l.starts_with("@bob"), "{l}");
            assert!(l.ends_with('.'), "{l}");
        }
        insta::assert_snapshot!(lines.join("\n"));
    }
}
