//! The checkbox controls of the tracking issue: which command each box runs ([`Checkbox`]), how
//! a box is written in the body, and which boxes an edit ticked ([`newly_ticked`]).
//!
//! A box is one task-list line of the body, ending with its hidden marker:
//! `- [ ] approve the plan gate <!-- convoy:box=approve:plan -->`. Ticking it in GitHub's page
//! edits the issue: the `issues` `edited` event carries the body before (`changes.body.from`)
//! and after. Only a box that was unticked before and is ticked after counts: never a box that
//! was already ticked, never a line without convoy's marker, never any other text.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Command;
use crate::model::ids::{IssueRef, TierName};
use crate::model::manifest::Gate;
use crate::model::marker::Marker;

/// One checkbox control: the command it runs, and its target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Checkbox {
    /// Approve this gate; refused when the release no longer waits at it, so a box ticked on a
    /// page that was out of date never approves another gate than the one it named.
    Approve(Gate),
    /// Run this failed tier again.
    Retry(TierName),
    /// Take this task out of the release.
    Defer(IssueRef),
    /// Stop the release before shipping.
    Abort,
    /// Revert what shipped.
    Rollback,
}

impl Checkbox {
    /// The box's key, as its marker carries it: `approve:plan`, `retry:e2e`,
    /// `defer:acme/api#12`, `abort`, `rollback`.
    pub fn key(&self) -> String {
        match self {
            Checkbox::Approve(gate) => format!("approve:{}", gate.as_str()),
            Checkbox::Retry(tier) => format!("retry:{tier}"),
            Checkbox::Defer(task) => format!("defer:{task}"),
            Checkbox::Abort => "abort".to_owned(),
            Checkbox::Rollback => "rollback".to_owned(),
        }
    }

    /// The box whose key is exactly `key`, if it is one.
    pub fn parse_key(key: &str) -> Option<Checkbox> {
        let parsed = match key.split_once(':') {
            None => match key {
                "abort" => Checkbox::Abort,
                "rollback" => Checkbox::Rollback,
                _ => return None,
            },
            Some(("approve", gate)) => Checkbox::Approve(match gate {
                "plan" => Gate::Plan,
                "promote" => Gate::Promote,
                "ship" => Gate::Ship,
                _ => return None,
            }),
            Some(("retry", tier)) => Checkbox::Retry(TierName::parse(tier).ok()?),
            Some(("defer", task)) => Checkbox::Defer(IssueRef::parse(task).ok()?),
            Some(_) => return None,
        };
        (parsed.key() == key).then_some(parsed)
    }

    /// The command ticking the box runs.
    pub fn command(&self) -> Command {
        match self {
            // The gate-specific commands where there is one (`promote` and `ship` act only at
            // their own gate); the plan gate has none, and `decide` checks the gate itself.
            Checkbox::Approve(Gate::Plan) => Command::Approve,
            Checkbox::Approve(Gate::Promote) => Command::Promote,
            Checkbox::Approve(Gate::Ship) => Command::Ship,
            Checkbox::Retry(tier) => Command::Retry {
                tier: Some(tier.clone()),
            },
            Checkbox::Defer(task) => Command::Defer { task: task.clone() },
            Checkbox::Abort => Command::Abort,
            Checkbox::Rollback => Command::Rollback,
        }
    }

    /// What ticking it does, for the box's line and the reply (`approve the plan gate`, `retry
    /// tier e2e`, `defer acme/api#12`).
    pub fn label(&self) -> String {
        match self {
            Checkbox::Approve(gate) => format!("approve the {} gate", gate.as_str()),
            Checkbox::Retry(tier) => format!("retry tier {tier}"),
            Checkbox::Defer(task) => format!("defer {task}"),
            Checkbox::Abort => "abort".to_owned(),
            Checkbox::Rollback => "roll back".to_owned(),
        }
    }

    /// The box's line in the body, unticked, with what it does after the label
    /// (`- [ ] **abort**: stop before shipping <!-- convoy:box=abort -->`).
    pub fn line(&self, does: &str) -> String {
        let does = if does.is_empty() {
            String::new()
        } else {
            format!(": {does}")
        };
        format!(
            "- [ ] **{}**{does} {}",
            self.label(),
            Marker::Box(self.key())
        )
    }
}

impl fmt::Display for Checkbox {
    /// The key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for Checkbox {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Checkbox {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Checkbox::parse_key(&key)
            .ok_or_else(|| serde::de::Error::custom(format!("`{key}` is not a checkbox key")))
    }
}

/// The boxes of a body, by key, and whether each is ticked: every line `- [ ] …` or `- [x] …`
/// (also `*` bullets and `[X]`) that ends with a box marker. A key written twice counts as
/// ticked when either line is.
pub fn boxes(body: &str) -> BTreeMap<String, bool> {
    let mut out: BTreeMap<String, bool> = BTreeMap::new();
    for line in body.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) else {
            continue;
        };
        let ticked = if rest.starts_with("[ ]") {
            false
        } else if rest.starts_with("[x]") || rest.starts_with("[X]") {
            true
        } else {
            continue;
        };
        let Some(start) = line.rfind("<!-- ") else {
            continue;
        };
        if let Some(Marker::Box(key)) = Marker::parse_tag(&line[start..]) {
            *out.entry(key).or_default() |= ticked;
        }
    }
    out
}

/// The boxes `to` ticks that `from` held unticked, in the order of their keys; a key convoy
/// does not know is left out.
pub fn newly_ticked(from: &str, to: &str) -> Vec<Checkbox> {
    let before = boxes(from);
    boxes(to)
        .into_iter()
        .filter(|(key, ticked)| *ticked && before.get(key) == Some(&false))
        .filter_map(|(key, _)| Checkbox::parse_key(&key))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Checkbox> {
        vec![
            Checkbox::Approve(Gate::Plan),
            Checkbox::Approve(Gate::Promote),
            Checkbox::Approve(Gate::Ship),
            Checkbox::Retry(TierName::parse("e2e-full").unwrap()),
            Checkbox::Defer(IssueRef::parse("acme/api#12").unwrap()),
            Checkbox::Abort,
            Checkbox::Rollback,
        ]
    }

    #[test]
    fn every_box_round_trips_through_its_key_and_its_line() {
        for b in all() {
            assert_eq!(Checkbox::parse_key(&b.key()), Some(b.clone()), "{b}");
            let line = b.line("does something");
            assert_eq!(boxes(&line), BTreeMap::from([(b.key(), false)]), "{line}");
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(serde_json::from_str::<Checkbox>(&json).unwrap(), b);
        }
        for key in [
            "",
            "approve",
            "approve:",
            "approve:deploy",
            "retry",
            "retry:",
            "retry:a b",
            "defer:acme/api",
            "defer:acme/api#012",
            "abort:now",
            "Abort",
            "ship",
        ] {
            assert_eq!(Checkbox::parse_key(key), None, "{key:?}");
        }
    }

    #[test]
    fn only_boxes_that_went_from_unticked_to_ticked_count() {
        let approve = Checkbox::Approve(Gate::Plan).line("");
        let abort = Checkbox::Abort.line("stop");
        let before =
            format!("<!-- convoy:release=r1 -->\n**Phase:** planning\n\n{approve}\n{abort}\n");
        let tick = |text: &str, line: &str| text.replace(line, &line.replacen("[ ]", "[x]", 1));
        // One box ticked.
        let after = tick(&before, &approve);
        assert_eq!(
            newly_ticked(&before, &after),
            vec![Checkbox::Approve(Gate::Plan)]
        );
        // `[X]` counts too; two at once are both reported, in key order.
        let both = tick(&after, &abort).replace("[x] **approve", "[X] **approve");
        assert_eq!(
            newly_ticked(&before, &both),
            vec![Checkbox::Abort, Checkbox::Approve(Gate::Plan)]
        );
        // A box already ticked before does not count again, nor does unticking.
        assert_eq!(newly_ticked(&after, &after), vec![]);
        assert_eq!(newly_ticked(&after, &before), vec![]);
        // Text edits tick nothing, nor does a ticked line that was not there before.
        let edited = before.replace("planning", "planning, edited");
        assert_eq!(newly_ticked(&before, &edited), vec![]);
        let pasted = format!("{before}- [x] **roll back** <!-- convoy:box=rollback -->\n");
        assert_eq!(newly_ticked(&before, &pasted), vec![]);
        // A ticked line without convoy's marker, or with a key convoy does not know, is no box.
        let foreign = "- [ ] ship it\n- [ ] x <!-- convoy:box=launch -->";
        let foreign_ticked = foreign.replace("[ ]", "[x]");
        assert_eq!(newly_ticked(foreign, &foreign_ticked), vec![]);
        // A marker in the middle of the line is not the line's box.
        let middle = "- [ ] <!-- convoy:box=abort --> text";
        assert_eq!(newly_ticked(middle, &middle.replace("[ ]", "[x]")), vec![]);
    }
}
