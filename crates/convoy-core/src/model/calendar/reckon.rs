//! Calendar arithmetic, always at a given instant: whether a ship window is open, which freeze
//! holds a release and until when, and the first instant at which it may ship.
//!
//! Windows are local times in the calendar's zone, so a window at 10:00 in `Europe/Berlin` opens
//! at 09:00 UTC in winter and 08:00 UTC in summer. A local time the clocks skip (02:30 on the
//! night summer time begins) is read as the moment after the gap, one they pass twice (02:30 on
//! the night it ends) as its first occurrence.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{Calendar, ClockTime, DAY_MINUTES, Freeze, ShipWindow, Weekday};
use crate::model::time::Timestamp;

/// The furthest ahead the next moment to ship is looked for: about ten years.
const MAX_DAYS: i64 = 3660;

/// A calendar with its time zone's rules, ready to reckon.
#[derive(Debug, Clone)]
pub struct Reckoner<'c> {
    cal: &'c Calendar,
    tz: TimeZone,
}

/// A freeze that holds a release at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeHold<'c> {
    /// The freeze (the one ending last, when several hold).
    pub freeze: &'c Freeze,
    /// When the release thaws: the end of this freeze and of every freeze it runs into.
    pub until: Timestamp,
}

impl Calendar {
    /// The calendar with its zone's rules; the error names a zone the database does not know.
    pub fn reckoner(&self) -> Result<Reckoner<'_>, String> {
        Ok(Reckoner {
            cal: self,
            tz: self.time_zone.zone()?,
        })
    }
}

impl<'c> Reckoner<'c> {
    /// The instants a freeze holds, from its start (held) to its end (no longer held); `None`
    /// for a bound jiff cannot place (beyond the years it handles).
    pub fn freeze_span(&self, f: &Freeze) -> Option<(Timestamp, Timestamp)> {
        let from = f.from.instant(&self.tz)?;
        let until = f.until.instant(&self.tz)?;
        Some((Timestamp::from_jiff(from), Timestamp::from_jiff(until)))
    }

    /// The freezes that hold shipping (with `staging_only`: those that also hold the promotion
    /// to staging), with their spans.
    fn holding(
        &self,
        staging_only: bool,
    ) -> impl Iterator<Item = (&'c Freeze, Timestamp, Timestamp)> + '_ {
        let cal: &'c Calendar = self.cal;
        cal.freezes
            .iter()
            .filter(move |f| !staging_only || f.staging)
            .filter_map(|f| {
                let (from, until) = self.freeze_span(f)?;
                Some((f, from, until))
            })
    }

    /// The freeze holding shipping at `at` (with `staging_only`: one that also holds the
    /// promotion to staging), if one does.
    pub fn frozen_at(&self, at: Timestamp, staging_only: bool) -> Option<FreezeHold<'c>> {
        let (freeze, _, _) = self
            .holding(staging_only)
            .filter(|(_, from, until)| *from <= at && at < *until)
            .max_by_key(|(_, _, until)| *until)?;
        // Freezes that run into one another hold as one.
        let mut until = at;
        while let Some(end) = self
            .holding(staging_only)
            .filter(|(_, from, end)| *from <= until && until < *end)
            .map(|(_, _, end)| end)
            .max()
        {
            until = end;
        }
        Some(FreezeHold { freeze, until })
    }

    /// Whether a ship window is open at `at` (always, when the calendar has none).
    pub fn window_open(&self, at: Timestamp) -> bool {
        if self.cal.ship_windows.is_empty() {
            return true;
        }
        let today = self.local_date(at);
        // A window over midnight opened yesterday.
        [today.yesterday().ok(), Some(today)]
            .into_iter()
            .flatten()
            .any(|day| {
                self.windows_on(day)
                    .any(|(from, until)| from <= at && at < until)
            })
    }

    /// The first instant from `at` on (`at` itself included) at which a window is open and no
    /// freeze holds shipping; `None` when there is none within about ten years.
    pub fn next_ship_time(&self, at: Timestamp) -> Option<Timestamp> {
        // The earliest such instant is `at`, the end of a freeze, or the opening of a window.
        let thaws: Vec<Timestamp> = self
            .holding(false)
            .map(|(_, _, until)| until)
            .filter(|until| *until > at)
            .collect();
        let last = thaws.iter().copied().max().unwrap_or(at);
        let days = (last.minutes_since(at) / (24 * 60) + 15).min(MAX_DAYS);
        let mut candidates = vec![at];
        candidates.extend(thaws);
        if !self.cal.ship_windows.is_empty() {
            let mut day = self.local_date(at).yesterday().ok()?;
            for _ in 0..=days {
                candidates.extend(
                    self.windows_on(day)
                        .map(|(from, _)| from)
                        .filter(|t| *t > at),
                );
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break,
                }
            }
        }
        candidates.sort();
        candidates.dedup();
        candidates
            .into_iter()
            .find(|t| self.window_open(*t) && self.frozen_at(*t, false).is_none())
    }

    /// `at` for people in the calendar's zone, with its weekday: `Tue 2026-12-01 10:00
    /// Europe/Berlin`.
    pub fn show_day(&self, at: Timestamp) -> String {
        self.show_as(at, "%a %Y-%m-%d %H:%M")
    }

    /// `at` for people in the calendar's zone: `2027-01-04 00:00 UTC`.
    pub fn show(&self, at: Timestamp) -> String {
        self.show_as(at, "%Y-%m-%d %H:%M")
    }

    fn show_as(&self, at: Timestamp, format: &str) -> String {
        let local = at.as_jiff().to_zoned_datetime(self.tz.clone());
        format!("{} {}", local.strftime(format), self.cal.time_zone.as_str())
    }

    /// The windows that open on `day`, as the instants they open and close.
    fn windows_on(&self, day: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let weekday = Weekday::of(day.weekday());
        self.cal
            .ship_windows
            .iter()
            .filter(move |w| w.days.contains(&weekday))
            .filter_map(move |w| self.span(day, w))
    }

    /// When `w` opens and closes on `day` (closing the next day when it runs over midnight).
    fn span(&self, day: Date, w: &ShipWindow) -> Option<(Timestamp, Timestamp)> {
        let from = self.at(day, w.from)?;
        let close_day = if w.until <= w.from {
            day.tomorrow().ok()?
        } else {
            day
        };
        Some((from, self.at(close_day, w.until)?))
    }

    /// `time` on `day` in the calendar's zone (`24:00`: midnight at the end of the day).
    fn at(&self, day: Date, time: ClockTime) -> Option<Timestamp> {
        let (day, minutes) = if time.minutes() >= DAY_MINUTES {
            (day.tomorrow().ok()?, 0)
        } else {
            (day, time.minutes())
        };
        let hour = i8::try_from(minutes / 60).ok()?;
        let minute = i8::try_from(minutes % 60).ok()?;
        day.at(hour, minute, 0, 0)
            .to_zoned_datetime(self.tz.clone())
            .ok()
            .map(|z| Timestamp::from_jiff(z.timestamp()))
    }

    /// The date `at` falls on in the calendar's zone.
    fn local_date(&self, at: Timestamp) -> Date {
        at.as_jiff().to_zoned_datetime(self.tz.clone()).date()
    }
}

/// Time left for people, coarse so that a text holding it changes at most every few minutes:
/// `under 5 min`, `25 min` (to 5 minutes), `1 h 20 min` (to 10 minutes), `1 d 4 h` (to the hour),
/// always rounded up.
pub fn left(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 59) / 60;
    match minutes {
        0..=5 => "under 5 min".to_owned(),
        6..=55 => format!("{} min", round_up(minutes, 5)),
        56..1440 => {
            let m = round_up(minutes, 10);
            match (m / 60, m % 60) {
                (h, 0) => format!("{h} h"),
                (h, m) => format!("{h} h {m} min"),
            }
        }
        _ => {
            let h = round_up(minutes, 60) / 60;
            match (h / 24, h % 24) {
                (d, 0) => format!("{d} d"),
                (d, h) => format!("{d} d {h} h"),
            }
        }
    }
}

fn round_up(n: i64, step: i64) -> i64 {
    (n + step - 1) / step * step
}
