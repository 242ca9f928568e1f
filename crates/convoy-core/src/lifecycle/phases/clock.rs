//! The clock's holds on the way out of a phase: the soak of `soak`, and the freezes and ship
//! windows of `calendar` (from the release's policy snapshot).
//!
//! - development → staging: a freeze marked `staging` holds it;
//! - staging → validation: `soak.staging`, counted from the moment every repo was staged and the
//!   last staging tier that must pass passed;
//! - validation → shipping: `soak.validation`, counted from the moment the last tier that must
//!   pass passed; then any freeze; then the ship windows. An approver's `/convoy ship --now`
//!   lifts all three, once (in the validation phase it was given in).
//!
//! Level-triggered like the rest of `decide`: every run asks again at its `now`, so the first
//! run after the clock allows (at the latest the scheduled one) moves the release on; nothing
//! waits for an event to arrive at that moment. A gate approved meanwhile is remembered (an
//! approval counts from the moment the phase was entered) and takes effect then.

use crate::lifecycle::draft::Draft;
use crate::lifecycle::table::Owner;
use crate::lifecycle::tiers;
use crate::model::calendar::{Duration, left};
use crate::model::config::TierPhase;
use crate::model::history::HistoryEvent;
use crate::model::time::Timestamp;

/// What `/convoy ship --now` does, for the texts that offer it.
const SHIP_NOW: &str = "an approver can ship at once with `/convoy ship --now`";

/// What holds a release on the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hold {
    /// Who: the clock, or a person when the calendar cannot be read.
    pub who: Owner,
    /// What the release waits for, for people.
    pub what: String,
    /// When the clock lets it on, when known.
    pub until: Option<Timestamp>,
    /// Since when it has been ready to move on.
    pub since: Timestamp,
}

/// Records `hold` as what the release waits for.
pub(super) fn wait(d: &mut Draft<'_>, hold: Hold) {
    d.wait_until(hold.who, hold.what, hold.since, hold.until);
}

/// A freeze that holds the promotion to staging, once the release is ready to leave
/// development.
pub(super) fn out_of_development(d: &Draft<'_>) -> Option<Hold> {
    let cal = &d.m.policy.calendar;
    if !cal.freezes.iter().any(|f| f.staging) {
        return None;
    }
    let since = d.phase_entered_at();
    let r = match cal.reckoner() {
        Ok(r) => r,
        Err(e) => return Some(unreadable(e, since, "promotion to staging")),
    };
    let hold = r.frozen_at(d.now, true)?;
    Some(Hold {
        who: Owner::Clock,
        what: format!(
            "frozen until {}: {} (this freeze holds the promotion to staging too)",
            r.show(hold.until),
            hold.freeze.reason
        ),
        until: Some(hold.until),
        since,
    })
}

/// The staging soak, once every repo is staged and the staging tiers passed.
pub(super) fn out_of_staging(d: &Draft<'_>) -> Option<Hold> {
    let soak = d.m.policy.soak.staging?;
    let ready = ready_at(d, &[TierPhase::Staging]).max(last_staged(d));
    let end = soak_end(ready, soak).filter(|end| *end > d.now)?;
    Some(Hold {
        who: Owner::Clock,
        what: format!("soaking in staging: {}", soaking(d.now, end)),
        until: Some(end),
        since: ready,
    })
}

/// The validation soak, a freeze, the ship windows, once every tier that must pass passed;
/// nothing after an approver's `/convoy ship --now` in this phase.
pub(super) fn out_of_validation(d: &Draft<'_>) -> Option<Hold> {
    if d.ship_now().is_some() {
        return None;
    }
    let since = ready_at(d, &[TierPhase::Staging, TierPhase::Validation]);
    let soak_end =
        d.m.policy
            .soak
            .validation
            .and_then(|soak| soak_end(since, soak))
            .filter(|end| *end > d.now);
    let calendar = calendar_at(d, soak_end.unwrap_or(d.now));
    let (what, until) = match (soak_end, calendar) {
        (None, None) => return None,
        (Some(end), None) => (format!("soaking: {}", soaking(d.now, end)), Some(end)),
        (Some(end), Some(Ok((then, until)))) => (
            format!("soaking: {}; then {then}", soaking(d.now, end)),
            until,
        ),
        (None, Some(Ok((what, until)))) => (what, until),
        (_, Some(Err(e))) => return Some(unreadable(e, since, "shipping")),
    };
    Some(Hold {
        who: Owner::Clock,
        what: format!("{what} ({SHIP_NOW})"),
        until,
        since,
    })
}

/// What the calendar says of shipping at `at`: nothing when a window is open and no freeze
/// holds, else the hold in words and when it lets the release ship; an error when the
/// calendar's time zone is unknown.
fn calendar_at(
    d: &Draft<'_>,
    at: Timestamp,
) -> Option<Result<(String, Option<Timestamp>), String>> {
    let cal = &d.m.policy.calendar;
    if cal.ship_windows.is_empty() && cal.freezes.is_empty() {
        return None;
    }
    let r = match cal.reckoner() {
        Ok(r) => r,
        Err(e) => return Some(Err(e)),
    };
    let next = r.next_ship_time(at);
    if next == Some(at) {
        return None;
    }
    const NONE_AHEAD: &str = "no ship window opens in the next ten years; check `calendar`";
    let what = match (r.frozen_at(at, false), next) {
        (Some(hold), Some(n)) if n > hold.until => format!(
            "frozen until {}: {}; then the next ship window: {}",
            r.show(hold.until),
            hold.freeze.reason,
            r.show_day(n)
        ),
        (Some(hold), Some(_)) => {
            format!(
                "frozen until {}: {}",
                r.show(hold.until),
                hold.freeze.reason
            )
        }
        (Some(hold), None) => format!(
            "frozen until {}: {}; {NONE_AHEAD}",
            r.show(hold.until),
            hold.freeze.reason
        ),
        (None, Some(n)) => format!("the next ship window: {}", r.show_day(n)),
        (None, None) => NONE_AHEAD.to_owned(),
    };
    Some(Ok((what, next)))
}

/// A hold on a calendar whose time zone this convoy does not know (a manifest written by a
/// convoy with a newer time zone database): a person decides.
fn unreadable(error: String, since: Timestamp, what: &str) -> Hold {
    Hold {
        who: Owner::Human,
        what: format!(
            "{error}; {what} waits, since convoy cannot tell the release's ship windows and freezes ({SHIP_NOW})"
        ),
        until: None,
        since,
    }
}

/// `1 h 20 min left (until 2026-12-01 12:20 UTC)`.
fn soaking(now: Timestamp, end: Timestamp) -> String {
    format!(
        "{} left (until {})",
        left(end.unix_seconds() - now.unix_seconds()),
        end.human()
    )
}

/// When a soak of `soak` from `ready` ends.
fn soak_end(ready: Timestamp, soak: Duration) -> Option<Timestamp> {
    Timestamp::from_unix_seconds(ready.unix_seconds() + i64::from(soak.minutes()) * 60).ok()
}

/// When the release became ready to leave its phase as far as `phases`' tiers say: when the last
/// of them passed on the current SHAs, never before the phase began.
fn ready_at(d: &Draft<'_>, phases: &[TierPhase]) -> Timestamp {
    phases
        .iter()
        .filter_map(|p| tiers::passed_at(&d.m, *p))
        .fold(d.phase_entered_at(), Timestamp::max)
}

/// When the last repo was staged in this phase (the phase's start when none was).
fn last_staged(d: &Draft<'_>) -> Timestamp {
    let since = d.phase_entered_at();
    d.m.history
        .iter()
        .filter(|h| h.event == HistoryEvent::RepoStaged && h.at >= since)
        .map(|h| h.at)
        .fold(since, Timestamp::max)
}
