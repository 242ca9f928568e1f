//! The lifecycle and the directives, as data.
//!
//! [`PHASES`] says, for every phase, who owns it, what convoy does on entry, when it may be left
//! and which gate guards the way out. [`DIRECTIVES`] is the careful/auto/quick table: the only
//! place where a directive changes behaviour. `decide` reads both; no directive `if`s elsewhere.
//!
//! Which gate guards which phase is said once, by the `gate` column of [`PHASES`]:
//! [`gate_out_of`] reads it one way, [`guarded_phase`] the other. Nothing else maps a gate to a
//! phase.

use serde::Serialize;

use crate::model::config::{AutoFix, Directive, TierConfig};
use crate::model::manifest::{Gate, Phase};

/// Who moves a phase forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// A person.
    Human,
    /// A coding agent.
    Agent,
    /// Developers (people or agents) landing work.
    Developers,
    /// Continuous integration: convoy itself and the tier workflows.
    Ci,
    /// The clock: a ship window, a freeze or a soak; the first run after it allows (at the
    /// latest the scheduled one) carries the release on.
    Clock,
}

/// One row of the lifecycle table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PhaseSpec {
    /// The phase.
    pub phase: Phase,
    /// Who owns it.
    pub owners: &'static [Owner],
    /// What convoy does when the phase begins.
    pub on_entry: &'static str,
    /// When the phase may be left.
    pub exit_criteria: &'static str,
    /// The human gate guarding the way out, if the directive makes it one.
    pub gate: Option<Gate>,
    /// The phase that follows.
    pub next: Option<Phase>,
}

/// The lifecycle, in order.
pub const PHASES: [PhaseSpec; 6] = [
    PhaseSpec {
        phase: Phase::Planning,
        owners: &[Owner::Human, Owner::Agent],
        on_entry: "create the manifest and the tracking issue; gather tasks from the sprints' milestones and the explicit list",
        exit_criteria: "the plan is valid: known repos, no dependency cycle",
        gate: Some(Gate::Plan),
        next: Some(Phase::Development),
    },
    PhaseSpec {
        phase: Phase::Development,
        owners: &[Owner::Developers, Owner::Agent],
        on_entry: "cut the RC branch in every member repo from its base head, recording that SHA",
        exit_criteria: "every RC branch exists and every task is merged into its RC branch, deferred or dropped",
        gate: Some(Gate::Promote),
        next: Some(Phase::Staging),
    },
    PhaseSpec {
        phase: Phase::Staging,
        owners: &[Owner::Ci],
        on_entry: "record each staging head; open RC → staging pull requests and merge them wave by wave, pinned to the recorded RC heads; then dispatch the staging tiers",
        exit_criteria: "every staging branch holds its RC head and every staging tier that must pass passed on those SHAs",
        gate: None,
        next: Some(Phase::Validation),
    },
    PhaseSpec {
        phase: Phase::Validation,
        owners: &[Owner::Ci],
        on_entry: "dispatch the validation tiers against the staged SHAs",
        exit_criteria: "every validation tier that must pass passed on the staged SHAs",
        gate: Some(Gate::Ship),
        next: Some(Phase::Shipping),
    },
    PhaseSpec {
        phase: Phase::Shipping,
        owners: &[Owner::Ci, Owner::Human],
        on_entry: "open staging → base pull requests and merge them wave by wave, pinned to the validated SHAs; tag and publish a GitHub release per repo; fast-forward staging",
        exit_criteria: "every repo merged into its base, tagged and released",
        gate: None,
        next: Some(Phase::Shipped),
    },
    PhaseSpec {
        phase: Phase::Shipped,
        owners: &[],
        on_entry: "update the tracking issue; nothing else (a rollback may still be asked for)",
        exit_criteria: "final",
        gate: None,
        next: None,
    },
];

/// The table row of `phase`, for the six lifecycle phases (`None` for aborted and rolled back).
pub fn phase_spec(phase: Phase) -> Option<&'static PhaseSpec> {
    PHASES.iter().find(|s| s.phase == phase)
}

/// The gate guarding the way out of `phase` (the `gate` column of [`PHASES`]); `None` for a
/// phase without one (staging, shipping, the ends).
pub const fn gate_out_of(phase: Phase) -> Option<Gate> {
    let mut i = 0;
    while i < PHASES.len() {
        if PHASES[i].phase as u8 == phase as u8 {
            return PHASES[i].gate;
        }
        i += 1;
    }
    None
}

/// The phase `gate` guards the way out of: the row of [`PHASES`] whose `gate` it is.
pub const fn guarded_phase(gate: Gate) -> Phase {
    let mut i = 0;
    while i < PHASES.len() {
        if let Some(g) = PHASES[i].gate
            && g as u8 == gate as u8
        {
            return PHASES[i].phase;
        }
        i += 1;
    }
    // Unreachable: the constant below evaluates this for every gate when the crate compiles.
    panic!("a gate that guards no phase of PHASES")
}

// Every gate guards a phase of `PHASES`: evaluated when the crate compiles, so a gate without a
// row fails the build in `guarded_phase` instead of at run time.
const _: [Phase; 3] = [
    guarded_phase(Gate::Plan),
    guarded_phase(Gate::Promote),
    guarded_phase(Gate::Ship),
];

/// Whether a gate waits for a human or opens by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMode {
    /// A person with approver rights must `/convoy approve`.
    Human,
    /// Opens as soon as the exit criteria hold.
    Automatic,
}

/// Which tiers must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TierSelection {
    /// Every configured tier.
    All,
    /// Tiers with `required: true`.
    Required,
    /// Tiers with `quick: true`.
    Quick,
}

/// How many times a failed tier is re-run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Retries {
    /// This many retries whatever the tier says.
    Fixed(u32),
    /// The tier's `max_attempts` (attempts, first run included).
    PerTier,
}

/// Whether auto-fix runs before escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoFixMode {
    /// Never: a human is called as soon as retries are spent.
    Never,
    /// Up to `auto_fix.max_attempts` times, when `auto_fix` is configured.
    PerConfig,
}

/// One column of the directive table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DirectivePolicy {
    /// The directive.
    pub directive: Directive,
    /// Leaving planning.
    pub plan_approval: GateMode,
    /// Leaving development for staging.
    pub leave_development: GateMode,
    /// Which tiers must pass.
    pub tiers: TierSelection,
    /// Retries of a failed tier.
    pub retries: Retries,
    /// Auto-fix before escalation.
    pub auto_fix: AutoFixMode,
    /// Leaving validation for shipping.
    pub ship_approval: GateMode,
}

/// The careful/auto/quick table.
pub const DIRECTIVES: [DirectivePolicy; 3] = [
    DirectivePolicy {
        directive: Directive::Careful,
        plan_approval: GateMode::Human,
        leave_development: GateMode::Human,
        tiers: TierSelection::All,
        retries: Retries::Fixed(1),
        auto_fix: AutoFixMode::Never,
        ship_approval: GateMode::Human,
    },
    DirectivePolicy {
        directive: Directive::Auto,
        plan_approval: GateMode::Automatic,
        leave_development: GateMode::Automatic,
        tiers: TierSelection::Required,
        retries: Retries::PerTier,
        auto_fix: AutoFixMode::PerConfig,
        ship_approval: GateMode::Automatic,
    },
    DirectivePolicy {
        directive: Directive::Quick,
        plan_approval: GateMode::Automatic,
        leave_development: GateMode::Automatic,
        tiers: TierSelection::Quick,
        retries: Retries::Fixed(1),
        auto_fix: AutoFixMode::PerConfig,
        ship_approval: GateMode::Automatic,
    },
];

impl DirectivePolicy {
    /// The column of `directive`.
    pub fn of(directive: Directive) -> &'static DirectivePolicy {
        match directive {
            Directive::Careful => &DIRECTIVES[0],
            Directive::Auto => &DIRECTIVES[1],
            Directive::Quick => &DIRECTIVES[2],
        }
    }

    /// How `gate` opens under this directive.
    pub fn gate_mode(&self, gate: Gate) -> GateMode {
        match gate {
            Gate::Plan => self.plan_approval,
            Gate::Promote => self.leave_development,
            Gate::Ship => self.ship_approval,
        }
    }

    /// Whether `tier` must pass under this directive.
    pub fn must_pass(&self, tier: &TierConfig) -> bool {
        match self.tiers {
            TierSelection::All => true,
            TierSelection::Required => tier.required,
            TierSelection::Quick => tier.quick,
        }
    }

    /// Runs of `tier` on one set of SHAs before its failure counts: the first run plus retries.
    pub fn max_attempts(&self, tier: &TierConfig) -> u32 {
        match self.retries {
            Retries::Fixed(retries) => retries + 1,
            Retries::PerTier => tier.max_attempts.max(1),
        }
    }

    /// Auto-fix attempts allowed for one failing tier.
    pub fn auto_fix_attempts(&self, auto_fix: Option<&AutoFix>) -> u32 {
        match (self.auto_fix, auto_fix) {
            (AutoFixMode::PerConfig, Some(fix)) => fix.max_attempts,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_and_phases_map_both_ways() {
        for gate in [Gate::Plan, Gate::Promote, Gate::Ship] {
            assert_eq!(gate_out_of(guarded_phase(gate)), Some(gate));
        }
        assert_eq!(guarded_phase(Gate::Plan), Phase::Planning);
        assert_eq!(guarded_phase(Gate::Promote), Phase::Development);
        assert_eq!(guarded_phase(Gate::Ship), Phase::Validation);
        for phase in [
            Phase::Staging,
            Phase::Shipping,
            Phase::Shipped,
            Phase::Aborted,
        ] {
            assert_eq!(gate_out_of(phase), None);
        }
    }

    #[test]
    fn table_rows_match_their_directive() {
        for d in [Directive::Careful, Directive::Auto, Directive::Quick] {
            assert_eq!(DirectivePolicy::of(d).directive, d);
        }
        for (i, spec) in PHASES.iter().enumerate() {
            assert_eq!(spec.next, PHASES.get(i + 1).map(|s| s.phase));
        }
    }
}
