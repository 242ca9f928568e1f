//! When a release may move on, by the clock: the ship windows and freezes of `calendar`, and
//! the soak of `soak` (both in `convoy.json`, snapshotted into each manifest's policy).
//!
//! The types here are what people write, and the override an approver gives ([`ShipNow`], kept
//! in the manifest); [`Reckoner`] does the arithmetic on them (is a window open at this instant,
//! which freeze holds it, when may the release next ship), always at an instant it is given:
//! convoy's clock is `decide`'s `now`. Time zone rules come from the
//! database compiled into convoy (jiff's bundled copy of the IANA database), so no file is read.

mod reckon;
#[cfg(test)]
mod tests;
mod values;

pub use reckon::{FreezeHold, Reckoner, left};
pub use values::{ClockTime, DAY_MINUTES, Duration, FreezeTime, MAX_SOAK_MINUTES, TimeZoneName};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ids::Login;
use super::time::Timestamp;

/// When convoy may ship: the ship windows (weekdays and hours) and the freezes (date-time ranges
/// with a reason), in one time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// The IANA time zone of the windows' hours and of the freezes' dates and times that carry
    /// no offset (`Europe/Berlin`, `America/New_York`). Default `UTC`.
    #[serde(default = "TimeZoneName::utc")]
    pub time_zone: TimeZoneName,
    /// When shipping (the promotion to the base branches) may begin: a release whose tiers
    /// passed waits in validation for the next window. Default: none (any time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ship_windows: Vec<ShipWindow>,
    /// Times nothing ships: a release waits in validation until the freeze ends (and, with
    /// `staging`, in development too). Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freezes: Vec<Freeze>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            time_zone: TimeZoneName::utc(),
            ship_windows: Vec::new(),
            freezes: Vec::new(),
        }
    }
}

impl Calendar {
    /// Whether every field has its default (no window, no freeze, UTC).
    pub fn is_default(&self) -> bool {
        *self == Calendar::default()
    }
}

/// Weekdays and hours during which shipping may begin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipWindow {
    /// The weekdays it opens on (`mon` … `sun`).
    #[schemars(length(min = 1))]
    pub days: Vec<Weekday>,
    /// When it opens, `HH:MM` in the calendar's time zone.
    pub from: ClockTime,
    /// When it closes, `HH:MM` (`24:00` for midnight). Earlier than `from`: the window runs over
    /// midnight into the next day (it belongs to the day it opens on).
    pub until: ClockTime,
}

/// A time nothing ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    /// When it begins: `2026-12-21T00:00` in the calendar's time zone, or an instant with its
    /// offset (`2026-12-20T23:00:00Z`).
    pub from: FreezeTime,
    /// When it ends, written like `from`: the first moment that is no longer frozen.
    pub until: FreezeTime,
    /// Why, shown while it holds a release (`holidays`).
    #[schemars(length(min = 1, max = 100))]
    pub reason: String,
    /// Whether it also holds the promotion to staging (a release ready to leave development
    /// waits). Default `false`: only shipping waits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub staging: bool,
}

/// A day of the week.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// jiff's weekday.
    pub fn of(day: jiff::civil::Weekday) -> Weekday {
        match day {
            jiff::civil::Weekday::Monday => Weekday::Mon,
            jiff::civil::Weekday::Tuesday => Weekday::Tue,
            jiff::civil::Weekday::Wednesday => Weekday::Wed,
            jiff::civil::Weekday::Thursday => Weekday::Thu,
            jiff::civil::Weekday::Friday => Weekday::Fri,
            jiff::civil::Weekday::Saturday => Weekday::Sat,
            jiff::civil::Weekday::Sunday => Weekday::Sun,
        }
    }

    /// The name as written in JSON (`mon`).
    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }
}

/// How long a release stays in a phase once it is ready to leave it: its evidence soaks before it
/// moves on. A gate approved meanwhile is remembered and takes effect when the soak ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Soak {
    /// In staging, counted from the moment every repo was staged and the last staging tier that
    /// must pass passed (`30m`, `2h`, `1d`). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staging: Option<Duration>,
    /// In validation, counted from the moment the last tier that must pass passed on the staged
    /// SHAs; shipping begins no earlier (`30m`, `2h`, `1d`). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Duration>,
}

impl Soak {
    /// Whether no phase soaks.
    pub fn is_default(&self) -> bool {
        *self == Soak::default()
    }
}

/// An approver's `/convoy ship --now`: the release ships as soon as its tiers pass, whatever
/// its ship windows, freezes and soak say. It counts in the validation phase it was given in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipNow {
    /// Who.
    pub by: Login,
    /// When.
    pub at: Timestamp,
    /// How (`comment acme/control#7`, `workflow_dispatch`, …).
    pub via: String,
    /// Why, in their words: the text after `--now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
