//! Checks of `calendar` no schema can express: a time zone the database compiled into convoy
//! knows (with a near name suggested), windows that open before they close, each weekday once,
//! freezes that end after they begin and say why.

use super::problem::{Problem, quote};
use super::suggest::did_you_mean;
use crate::model::calendar::{Calendar, DAY_MINUTES, TimeZoneName};

/// The problems of `cal`, which sits at `at` (`/calendar`, `/policy/calendar`).
pub(super) fn check_calendar(p: &mut Vec<Problem>, at: &str, cal: &Calendar) {
    let zone = match cal.time_zone.zone() {
        Ok(zone) => Some(zone),
        Err(e) => {
            let known = TimeZoneName::known();
            let message =
                match did_you_mean(cal.time_zone.as_str(), known.iter().map(String::as_str)) {
                    Some(near) => format!(
                        "{} is not a time zone convoy knows; did you mean {}?",
                        quote(cal.time_zone.as_str()),
                        quote(near)
                    ),
                    None => e,
                };
            p.push(Problem::new(format!("{at}/time_zone"), message));
            None
        }
    };
    for (i, w) in cal.ship_windows.iter().enumerate() {
        let here = format!("{at}/ship_windows/{i}");
        if w.from.minutes() >= DAY_MINUTES {
            p.push(Problem::new(
                format!("{here}/from"),
                "a window cannot open at `24:00`; write `00:00` and name the day after in `days`",
            ));
        } else if w.from == w.until {
            p.push(Problem::new(
                format!("{here}/until"),
                format!(
                    "the window closes when it opens ({}); make `until` later, or earlier to run over midnight",
                    quote(&w.from.as_str())
                ),
            ));
        }
        for (k, day) in w.days.iter().enumerate() {
            if let Some(first) = w.days[..k].iter().position(|d| d == day) {
                p.push(Problem::new(
                    format!("{here}/days/{k}"),
                    format!(
                        "{} is listed twice (first at {here}/days/{first})",
                        quote(day.as_str())
                    ),
                ));
            }
        }
    }
    // Without the zone, bounds without an offset cannot be placed; UTC places the others.
    let zone = zone.unwrap_or(jiff::tz::TimeZone::UTC);
    for (i, f) in cal.freezes.iter().enumerate() {
        let here = format!("{at}/freezes/{i}");
        if f.reason.trim().is_empty() {
            p.push(Problem::new(
                format!("{here}/reason"),
                "say why nothing ships then (people read it while it holds a release), e.g. `holidays`",
            ));
        }
        let (Some(from), Some(until)) = (f.from.instant(&zone), f.until.instant(&zone)) else {
            continue;
        };
        if until <= from {
            p.push(Problem::new(
                format!("{here}/until"),
                format!(
                    "{} is not after `from` ({}); a freeze ends after it begins",
                    quote(f.until.as_str()),
                    quote(f.from.as_str())
                ),
            ));
        }
    }
}
