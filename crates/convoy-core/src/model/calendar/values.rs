//! The calendar's values written as text: a time of day (`10:00`), a freeze's bound
//! (`2026-12-21T00:00` in the calendar's time zone, or an instant with its offset), a duration
//! (`30m`, `2h`, `1d`) and a time zone's IANA name (`Europe/Berlin`).
//!
//! Each parses from a string, serializes as the string it was written as, and describes its form
//! in the JSON Schema (whose pattern refuses most mistakes before the typed parse sees them).

use std::borrow::Cow;
use std::fmt;

use jiff::tz::TimeZone;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Implements serde (as the text) and `JsonSchema` for a value type with `parse` and `as_str`.
macro_rules! text_value {
    ($ty:ident, $schema_name:literal, $schema:expr) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_str())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(d)?;
                $ty::parse(&s).map_err(serde::de::Error::custom)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

/// Minutes in a day: `24:00`, the end of a day.
pub const DAY_MINUTES: u16 = 24 * 60;

/// A time of day on a 24-hour clock, `HH:MM`, from `00:00` to `24:00` (the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// Parses `HH:MM` (`09:30`, `24:00`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{}` is not a time of day; write `HH:MM` on a 24-hour clock, e.g. `09:30` (`24:00` is the end of the day)",
                s.chars().take(20).collect::<String>()
            )
        };
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        if m > 59 || h > 24 || (h == 24 && m > 0) {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }

    /// The time `minutes` after midnight (at most [`DAY_MINUTES`]).
    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= DAY_MINUTES).then_some(ClockTime(minutes))
    }

    /// Minutes since midnight, 0 to 1440.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// `HH:MM`.
    pub fn as_str(self) -> String {
        format!("{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

text_value!(
    ClockTime,
    "ClockTime",
    json_schema!({
        "type": "string",
        "description": "A time of day as `HH:MM` on a 24-hour clock, from `00:00` to `24:00` (the end of the day).",
        "pattern": "^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        "examples": ["10:00"]
    })
);

/// A freeze's start or end: a date and time in the calendar's time zone
/// (`2026-12-21T00:00`), or an instant with its offset (`2026-12-20T23:00:00Z`,
/// `2026-12-21T00:00+01:00`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FreezeTime {
    text: String,
    at: FreezeAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FreezeAt {
    Local(jiff::civil::DateTime),
    Instant(jiff::Timestamp),
}

impl FreezeTime {
    /// Parses `YYYY-MM-DDTHH:MM[:SS]`, with an offset (`Z`, `+01:00`) for an instant.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = |why: String| {
            format!(
                "`{}` is not a freeze's date and time: {why}; write `2026-12-21T00:00` (in the calendar's time zone) or an instant such as `2026-12-20T23:00:00Z`",
                s.chars().take(40).collect::<String>()
            )
        };
        if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
            return Err(bad("a date and a time are needed".to_owned()));
        }
        // The offset, if any, follows the time: after the date's `YYYY-MM-DD`.
        let has_offset = s
            .get(10..)
            .is_some_and(|time| time.contains(['Z', 'z', '+', '-']));
        // jiff's own words name its parser's parameters; the form is the pattern's business.
        let no_such = || bad("there is no such date and time".to_owned());
        let at = if has_offset {
            s.parse::<jiff::Timestamp>()
                .map(FreezeAt::Instant)
                .map_err(|_| no_such())?
        } else {
            s.parse::<jiff::civil::DateTime>()
                .map(FreezeAt::Local)
                .map_err(|_| no_such())?
        };
        Ok(FreezeTime {
            text: s.to_owned(),
            at,
        })
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it names an instant (it carries an offset) rather than a time in the calendar's
    /// zone.
    pub fn is_instant(&self) -> bool {
        matches!(self.at, FreezeAt::Instant(_))
    }

    /// The instant it names in `tz` (a time that a change of clocks skips is read as the
    /// moment after the gap, one that occurs twice as its first occurrence); `None` beyond the
    /// years jiff handles.
    pub fn instant(&self, tz: &TimeZone) -> Option<jiff::Timestamp> {
        match self.at {
            FreezeAt::Instant(t) => Some(t),
            FreezeAt::Local(dt) => dt.to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp()),
        }
    }
}

text_value!(
    FreezeTime,
    "FreezeTime",
    json_schema!({
        "type": "string",
        "description": "A date and time as `YYYY-MM-DDTHH:MM`, in the calendar's time zone, or an instant with its offset (`2026-12-20T23:00:00Z`).",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}:[0-9]{2})?$",
        "examples": ["2026-12-21T00:00"]
    })
);

/// The longest soak: 30 days.
pub const MAX_SOAK_MINUTES: u32 = 30 * 24 * 60;

/// A duration written for people: a whole number of minutes, hours or days (`30m`, `2h`, `1d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    count: u32,
    unit: char,
}

impl Duration {
    /// Parses `30m`, `2h` or `1d`: more than nothing, at most 30 days.
    pub fn parse(s: &str) -> Result<Self, String> {
        let shown: String = s.chars().take(20).collect();
        let bad = || {
            format!(
                "`{shown}` is not a duration; write a whole number of minutes, hours or days, as `30m`, `2h` or `1d`"
            )
        };
        let unit = s.chars().last().ok_or_else(bad)?;
        if !matches!(unit, 'm' | 'h' | 'd') {
            return Err(bad());
        }
        let digits = &s[..s.len() - 1];
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let count: u32 = digits.parse().map_err(|_| bad())?;
        let d = Duration { count, unit };
        if count == 0 {
            return Err(format!(
                "`{shown}` is no time at all; leave the soak out instead"
            ));
        }
        if d.minutes() > MAX_SOAK_MINUTES {
            return Err(format!(
                "`{shown}` is longer than a soak may be; write at most `30d`"
            ));
        }
        Ok(d)
    }

    /// The duration in minutes.
    pub fn minutes(self) -> u32 {
        let per = match self.unit {
            'h' => 60,
            'd' => 24 * 60,
            _ => 1,
        };
        self.count.saturating_mul(per)
    }

    /// As written (`2h`).
    pub fn as_str(self) -> String {
        format!("{}{}", self.count, self.unit)
    }
}

text_value!(
    Duration,
    "Duration",
    json_schema!({
        "type": "string",
        "description": "A duration as a whole number of minutes, hours or days: `30m`, `2h`, `1d` (at most `30d`).",
        "pattern": "^[0-9]{1,6}[mhd]$",
        "examples": ["2h"]
    })
);

/// An IANA time zone name (`Europe/Berlin`, `America/New_York`, `UTC`), checked against the
/// time zone database compiled into convoy when the config is validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Takes a name of the form IANA names have; whether the database knows it is checked by
    /// [`TimeZoneName::zone`] (and by the config's validation, which suggests near names).
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
        if ok {
            Ok(TimeZoneName(s.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a time zone name; write an IANA name such as `Europe/Berlin` or `UTC`",
                s.chars().take(40).collect::<String>()
            ))
        }
    }

    /// UTC.
    pub fn utc() -> Self {
        TimeZoneName("UTC".to_owned())
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The zone's rules from the time zone database compiled into convoy; the error names the
    /// zone.
    pub fn zone(&self) -> Result<TimeZone, String> {
        if self.0.eq_ignore_ascii_case("UTC") {
            return Ok(TimeZone::UTC);
        }
        jiff::tz::db().get(&self.0).map_err(|_| {
            format!(
                "`{}` is not a time zone convoy knows; write an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`",
                self.0
            )
        })
    }

    /// Every zone name the database knows (for "did you mean").
    pub fn known() -> Vec<String> {
        jiff::tz::db().available().map(|n| n.to_string()).collect()
    }
}

text_value!(
    TimeZoneName,
    "TimeZoneName",
    json_schema!({
        "type": "string",
        "description": "An IANA time zone name such as `Europe/Berlin`, `America/New_York` or `UTC`.",
        "pattern": "^[A-Za-z0-9/_+-]{1,64}$",
        "examples": ["Europe/Berlin"]
    })
);
