//! The command table: in which phases each `/convoy` command is accepted, and how it is offered
//! to people. Pure.
//!
//! It is the one source for both: `commands` refuses a command outside its phases with the
//! table's rule, and the escalation comment and the tracking issue's *Who acts* line offer only
//! the remedies the table accepts in the release's phase. So what convoy offers and what it
//! accepts cannot drift apart.

use crate::model::manifest::Phase;
use crate::signal::Command;

/// One command's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// The command's name (`defer`).
    pub name: &'static str,
    /// What a refusal says the person cannot do (`defer a task`, `roll back`).
    pub verb: &'static str,
    /// How it is written (`/convoy defer owner/repo#N`).
    pub usage: &'static str,
    /// What it does, for the offer (`take a task out of the release`).
    pub does: &'static str,
    /// The phases it is accepted in.
    pub phases: &'static [Phase],
    /// The rule a refusal outside those phases states, as a clause.
    pub rule: &'static str,
    /// What to do instead, as a clause (empty: nothing to add).
    pub instead: &'static str,
    /// The phases it is offered in when a human is needed (escalations, *Who acts*): a subset
    /// of `phases` (a test keeps it so).
    pub offered: &'static [Phase],
}

use Phase::{Development, Planning, Shipped, Shipping, Staging, Validation};

/// Every command convoy takes, in the order offers list them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "retry",
        verb: "retry",
        usage: "/convoy retry [tier]",
        does: "run failed tiers again",
        phases: &[Staging, Validation, Shipping],
        rule: "retry works during staging and validation (failed tiers) and shipping (pull requests a merge queue removed)",
        instead: "",
        // Shipping accepts it only for pull requests a merge queue removed, which their
        // escalation names; tiers are not run again there, so it is not offered.
        offered: &[Staging, Validation],
    },
    CommandSpec {
        name: "defer",
        verb: "defer a task",
        usage: "/convoy defer owner/repo#N",
        does: "take a task out of the release",
        phases: &[Planning, Development],
        rule: "tasks can be taken out only during planning and development",
        instead: "",
        offered: &[Planning, Development],
    },
    CommandSpec {
        name: "abort",
        verb: "abort",
        usage: "/convoy abort",
        does: "stop before shipping; staging is reset",
        phases: &[Planning, Development, Staging, Validation],
        rule: "a release can be aborted only before shipping begins",
        instead: "to revert what merged, use `/convoy rollback`",
        offered: &[Planning, Development, Staging, Validation],
    },
    CommandSpec {
        name: "rollback",
        verb: "roll back",
        usage: "/convoy rollback",
        does: "revert what shipped",
        phases: &[
            Planning,
            Development,
            Staging,
            Validation,
            Shipping,
            Shipped,
        ],
        rule: "a release can be rolled back while it is active or once it shipped",
        instead: "",
        offered: &[Shipping, Shipped],
    },
    CommandSpec {
        name: "approve",
        verb: "approve",
        usage: "/convoy approve",
        does: "approve the gate the release waits at",
        phases: &[Planning, Development, Validation],
        rule: "there is a gate to approve only at the end of planning, development and validation",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "promote",
        verb: "promote",
        usage: "/convoy promote",
        does: "approve leaving development",
        phases: &[Development],
        rule: "a release is promoted only at the end of development",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "ship",
        verb: "ship",
        usage: "/convoy ship [--now [reason]]",
        does: "approve shipping (`--now`: at once, whatever the ship windows, freezes and soak say)",
        phases: &[Validation],
        rule: "shipping is approved only at the end of validation",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "validate",
        verb: "validate",
        usage: "/convoy validate",
        does: "run the phase's tiers again",
        phases: &[Staging, Validation],
        rule: "tiers are run again only during staging and validation",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "plan",
        verb: "show the plan",
        usage: "/convoy plan",
        does: "show the plan",
        phases: &Phase::ALL,
        rule: "",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "status",
        verb: "show the status",
        usage: "/convoy status",
        does: "show the status",
        phases: &Phase::ALL,
        rule: "",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "reconcile",
        verb: "reconcile",
        usage: "/convoy reconcile",
        does: "reconcile the release now",
        phases: &Phase::ALL,
        rule: "",
        instead: "",
        offered: &[],
    },
    CommandSpec {
        name: "create",
        verb: "create",
        usage: "/convoy create",
        does: "create a release",
        phases: &[],
        rule: "",
        instead: "",
        offered: &[],
    },
];

/// The row of `cmd`.
pub fn spec(cmd: &Command) -> &'static CommandSpec {
    let name = match cmd {
        Command::Create(_) => "create",
        Command::Plan => "plan",
        Command::Approve => "approve",
        Command::Promote => "promote",
        Command::Validate => "validate",
        Command::Ship | Command::ShipNow { .. } => "ship",
        Command::Retry { .. } => "retry",
        Command::Defer { .. } => "defer",
        Command::Abort => "abort",
        Command::Rollback => "rollback",
        Command::Status => "status",
        Command::Reconcile => "reconcile",
    };
    COMMANDS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or(&COMMANDS[COMMANDS.len() - 1])
}

impl CommandSpec {
    /// Whether the command is accepted in `phase`.
    pub fn accepted_in(&self, phase: Phase) -> bool {
        self.phases.contains(&phase)
    }
}

/// The remedies accepted in `phase`, in the table's order.
pub fn remedies(phase: Phase) -> Vec<&'static CommandSpec> {
    COMMANDS
        .iter()
        .filter(|s| s.offered.contains(&phase) && s.accepted_in(phase))
        .collect()
}

/// The remedies accepted in `phase` as a phrase: "`/convoy retry [tier]` (run failed tiers
/// again), `/convoy abort` (…) or `/convoy rollback` (…)"; `None` when none is.
pub fn offer(phase: Phase) -> Option<String> {
    let items: Vec<String> = remedies(phase)
        .iter()
        .map(|s| format!("`{}` ({})", s.usage, s.does))
        .collect();
    match items.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::IssueRef;
    use Phase::{Aborted, RolledBack};

    #[test]
    fn every_command_has_one_row() {
        let cmds = [
            Command::Plan,
            Command::Approve,
            Command::Promote,
            Command::Validate,
            Command::Ship,
            Command::Retry { tier: None },
            Command::Defer {
                task: IssueRef::parse("acme/api#1").unwrap(),
            },
            Command::Abort,
            Command::Rollback,
            Command::Status,
            Command::Reconcile,
        ];
        for c in &cmds {
            assert_ne!(spec(c).name, "create", "{c:?}");
        }
        // `ship --now` is `ship`: the same phases, the same approvers.
        assert_eq!(spec(&Command::ShipNow { reason: None }).name, "ship");
        assert_eq!(COMMANDS.len(), cmds.len() + 1);
    }

    #[test]
    fn only_accepted_commands_are_offered() {
        for s in COMMANDS {
            assert!(s.offered.iter().all(|p| s.accepted_in(*p)), "{}", s.name);
        }
    }

    #[test]
    fn offers_follow_the_phase() {
        assert_eq!(
            offer(Validation).unwrap(),
            "`/convoy retry [tier]` (run failed tiers again) or `/convoy abort` (stop before shipping; staging is reset)"
        );
        assert_eq!(
            offer(Shipping).unwrap(),
            "`/convoy rollback` (revert what shipped)"
        );
        assert!(!offer(Validation).unwrap().contains("defer"));
        assert!(offer(Development).unwrap().contains("defer"));
        assert!(!offer(Development).unwrap().contains("retry"));
        assert_eq!(
            offer(Shipped).unwrap(),
            "`/convoy rollback` (revert what shipped)"
        );
        assert_eq!(offer(Aborted), None);
        assert_eq!(offer(RolledBack), None);
    }
}
