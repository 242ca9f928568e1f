//! [`Timestamp`]: an instant, written as RFC 3339 UTC text in JSON.
//!
//! The core never reads the clock: the current time is passed in as a `Timestamp`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant in UTC, to the second or finer, e.g. `2026-11-26T10:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(jiff::Timestamp);

impl Timestamp {
    /// Parses RFC 3339 text (`2026-11-26T10:00:00Z`).
    pub fn parse(s: &str) -> Result<Self, String> {
        s.parse::<jiff::Timestamp>()
            .map(Timestamp)
            .map_err(|e| format!("`{s}` is not an RFC 3339 time such as 2026-11-26T10:00:00Z: {e}"))
    }

    /// The instant `seconds` after the Unix epoch.
    pub fn from_unix_seconds(seconds: i64) -> Result<Self, String> {
        jiff::Timestamp::from_second(seconds)
            .map(Timestamp)
            .map_err(|e| e.to_string())
    }

    /// The instant jiff holds.
    pub(crate) fn from_jiff(t: jiff::Timestamp) -> Self {
        Timestamp(t)
    }

    /// As jiff's instant.
    pub(crate) fn as_jiff(self) -> jiff::Timestamp {
        self.0
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.as_second()
    }

    /// Whole minutes from `earlier` to `self` (negative when `earlier` is later).
    pub fn minutes_since(self, earlier: Timestamp) -> i64 {
        (self.unix_seconds() - earlier.unix_seconds()).div_euclid(60)
    }

    /// For people, to the minute: `2026-11-30 10:00 UTC`.
    pub fn human(self) -> String {
        self.0.strftime("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// How long ago `self` was at `now`, coarsely, for people: `under 1 h`, `3 h`, `2 d`. Coarse
    /// on purpose: a text holding it changes at most once an hour.
    pub fn age_at(self, now: Timestamp) -> String {
        let hours = now.minutes_since(self).max(0) / 60;
        match hours {
            0 => "under 1 h".to_owned(),
            1..48 => format!("{hours} h"),
            _ => format!("{} d", hours / 24),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Timestamp::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An RFC 3339 time in UTC, e.g. `2026-11-26T10:00:00Z`."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_measures() {
        let a = Timestamp::parse("2026-11-26T10:00:00Z").unwrap();
        let b = Timestamp::parse("2026-11-26T11:30:59Z").unwrap();
        assert_eq!(b.minutes_since(a), 90);
        assert_eq!(a.to_string(), "2026-11-26T10:00:00Z");
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            "\"2026-11-26T10:00:00Z\""
        );
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn reads_for_people() {
        let at = |s: &str| Timestamp::parse(s).unwrap();
        let since = at("2026-11-30T10:00:42Z");
        assert_eq!(since.human(), "2026-11-30 10:00 UTC");
        assert_eq!(since.age_at(at("2026-11-30T10:59:00Z")), "under 1 h");
        assert_eq!(since.age_at(at("2026-11-30T13:10:00Z")), "3 h");
        assert_eq!(since.age_at(at("2026-12-03T13:10:00Z")), "3 d");
        assert_eq!(since.age_at(at("2026-11-29T10:00:00Z")), "under 1 h");
    }
}
