//! Window and freeze arithmetic: the next window across a weekend, the changes of clocks in
//! Europe/Berlin, a window over midnight, freeze boundaries and freezes that run into each other.

use super::*;
use crate::model::time::Timestamp;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn calendar(zone: &str, windows: &[(&[Weekday], &str, &str)], freezes: Vec<Freeze>) -> Calendar {
    Calendar {
        time_zone: TimeZoneName::parse(zone).unwrap(),
        ship_windows: windows
            .iter()
            .map(|(days, from, until)| ShipWindow {
                days: days.to_vec(),
                from: ClockTime::parse(from).unwrap(),
                until: ClockTime::parse(until).unwrap(),
            })
            .collect(),
        freezes,
    }
}

fn freeze(from: &str, until: &str, reason: &str, staging: bool) -> Freeze {
    Freeze {
        from: FreezeTime::parse(from).unwrap(),
        until: FreezeTime::parse(until).unwrap(),
        reason: reason.to_owned(),
        staging,
    }
}

const WORKDAYS: &[Weekday] = &[
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

#[test]
fn the_next_window_after_friday_afternoon_is_monday_morning() {
    let cal = calendar("Europe/Berlin", &[(WORKDAYS, "10:00", "16:00")], vec![]);
    let r = cal.reckoner().unwrap();
    // Friday 2026-12-04, 17:00 in Berlin (CET, UTC+1).
    let friday = at("2026-12-04T16:00:00Z");
    assert!(!r.window_open(friday));
    let next = r.next_ship_time(friday).unwrap();
    assert_eq!(next, at("2026-12-07T09:00:00Z"));
    assert_eq!(r.show_day(next), "Mon 2026-12-07 10:00 Europe/Berlin");
    // Inside a window, now is the time; its opening counts, its closing does not.
    assert!(r.window_open(at("2026-12-01T09:00:00Z")));
    assert_eq!(
        r.next_ship_time(at("2026-12-01T10:30:00Z")),
        Some(at("2026-12-01T10:30:00Z"))
    );
    assert!(!r.window_open(at("2026-12-01T15:00:00Z")));
    assert!(r.window_open(at("2026-12-01T14:59:59Z")));
    // Saturday morning: still Monday.
    assert_eq!(
        r.next_ship_time(at("2026-12-05T09:30:00Z")),
        Some(at("2026-12-07T09:00:00Z"))
    );
}

#[test]
fn windows_keep_local_hours_when_the_clocks_change_in_berlin() {
    let cal = calendar(
        "Europe/Berlin",
        &[(&[Weekday::Sun], "10:00", "12:00")],
        vec![],
    );
    let r = cal.reckoner().unwrap();
    // Winter: 10:00 CET is 09:00 UTC.
    assert_eq!(
        r.next_ship_time(at("2027-03-20T12:00:00Z")),
        Some(at("2027-03-21T09:00:00Z"))
    );
    // Summer time begins on Sunday 2027-03-28 (02:00 → 03:00): 10:00 CEST is 08:00 UTC.
    assert_eq!(
        r.next_ship_time(at("2027-03-27T12:00:00Z")),
        Some(at("2027-03-28T08:00:00Z"))
    );
    assert!(r.window_open(at("2027-03-28T09:59:00Z")));
    assert!(!r.window_open(at("2027-03-28T10:00:00Z")));
    // And ends on Sunday 2026-10-25 (03:00 → 02:00): 10:00 CET is 09:00 UTC again.
    assert_eq!(
        r.next_ship_time(at("2026-10-24T12:00:00Z")),
        Some(at("2026-10-25T09:00:00Z"))
    );
    assert!(!r.window_open(at("2026-10-25T08:30:00Z")));
}

#[test]
fn a_window_the_clocks_skip_is_empty_that_night() {
    // 02:00–03:00 does not exist on 2027-03-28 in Berlin: the window is empty that night, and
    // the next one is a week later (02:00 CEST = 00:00 UTC).
    let cal = calendar(
        "Europe/Berlin",
        &[(&[Weekday::Sun], "02:00", "03:00")],
        vec![],
    );
    let r = cal.reckoner().unwrap();
    assert!(!r.window_open(at("2027-03-28T01:00:00Z")));
    assert_eq!(
        r.next_ship_time(at("2027-03-27T12:00:00Z")),
        Some(at("2027-04-04T00:00:00Z"))
    );
    // The night the clocks go back, 02:00 happens twice: the window opens at the first.
    assert_eq!(
        r.next_ship_time(at("2026-10-24T12:00:00Z")),
        Some(at("2026-10-25T00:00:00Z"))
    );
}

#[test]
fn a_window_over_midnight_belongs_to_the_day_it_opens() {
    let cal = calendar("UTC", &[(&[Weekday::Fri], "22:00", "02:00")], vec![]);
    let r = cal.reckoner().unwrap();
    // Friday 2026-12-04 23:00 and Saturday 01:59 are in it; Saturday 02:00 is not.
    assert!(r.window_open(at("2026-12-04T23:00:00Z")));
    assert!(r.window_open(at("2026-12-05T01:59:59Z")));
    assert!(!r.window_open(at("2026-12-05T02:00:00Z")));
    // Thursday night is not Friday night.
    assert!(!r.window_open(at("2026-12-03T23:00:00Z")));
    assert!(!r.window_open(at("2026-12-04T01:00:00Z")));
    assert_eq!(
        r.next_ship_time(at("2026-12-05T03:00:00Z")),
        Some(at("2026-12-11T22:00:00Z"))
    );
    // `24:00` closes at midnight.
    let cal = calendar("UTC", &[(&[Weekday::Sat], "20:00", "24:00")], vec![]);
    let r = cal.reckoner().unwrap();
    assert!(r.window_open(at("2026-12-05T23:59:59Z")));
    assert!(!r.window_open(at("2026-12-06T00:00:00Z")));
}

#[test]
fn a_freeze_holds_from_its_start_up_to_its_end() {
    let cal = calendar(
        "UTC",
        &[],
        vec![freeze(
            "2026-12-21T00:00",
            "2027-01-04T00:00",
            "holidays",
            false,
        )],
    );
    let r = cal.reckoner().unwrap();
    assert_eq!(r.frozen_at(at("2026-12-20T23:59:59Z"), false), None);
    let hold = r.frozen_at(at("2026-12-21T00:00:00Z"), false).unwrap();
    assert_eq!(hold.freeze.reason, "holidays");
    assert_eq!(hold.until, at("2027-01-04T00:00:00Z"));
    assert_eq!(r.show(hold.until), "2027-01-04 00:00 UTC");
    assert!(r.frozen_at(at("2027-01-03T23:59:59Z"), false).is_some());
    assert_eq!(r.frozen_at(at("2027-01-04T00:00:00Z"), false), None);
    // Only a freeze marked `staging` holds the promotion to staging.
    assert_eq!(r.frozen_at(at("2026-12-22T00:00:00Z"), true), None);
    assert_eq!(
        r.next_ship_time(at("2026-12-22T00:00:00Z")),
        Some(at("2027-01-04T00:00:00Z"))
    );
}

#[test]
fn freezes_in_local_time_follow_the_zone_and_chained_freezes_hold_as_one() {
    let cal = calendar(
        "Europe/Berlin",
        &[(WORKDAYS, "10:00", "16:00")],
        vec![
            freeze("2026-12-21T00:00", "2027-01-04T00:00", "holidays", true),
            freeze(
                "2027-01-03T12:00:00Z",
                "2027-01-05T12:00:00+01:00",
                "inventory",
                false,
            ),
        ],
    );
    let r = cal.reckoner().unwrap();
    // Midnight in Berlin is 23:00 UTC the day before.
    assert_eq!(r.frozen_at(at("2026-12-20T22:59:59Z"), false), None);
    let hold = r.frozen_at(at("2026-12-20T23:00:00Z"), true).unwrap();
    assert_eq!(hold.freeze.reason, "holidays");
    // Staging thaws with the holidays; shipping only after the inventory too.
    assert_eq!(hold.until, at("2027-01-03T23:00:00Z"));
    let hold = r.frozen_at(at("2026-12-20T23:00:00Z"), false).unwrap();
    assert_eq!(hold.until, at("2027-01-05T11:00:00Z"));
    // Tuesday 2027-01-05 12:00 in Berlin is inside the 10:00–16:00 window: it ships then.
    let next = r.next_ship_time(at("2026-12-22T10:00:00Z")).unwrap();
    assert_eq!(next, at("2027-01-05T11:00:00Z"));
    assert_eq!(r.show_day(next), "Tue 2027-01-05 12:00 Europe/Berlin");
}

#[test]
fn an_unknown_zone_is_named() {
    let cal = calendar("Europe/Berlinn", &[], vec![]);
    let err = cal.reckoner().unwrap_err();
    assert!(err.contains("`Europe/Berlinn`"), "{err}");
    assert!(TimeZoneName::known().iter().any(|z| z == "Europe/Berlin"));
    assert!(TimeZoneName::parse("Europe/Berlin").unwrap().zone().is_ok());
    assert!(TimeZoneName::parse("utc").unwrap().zone().is_ok());
    assert!(TimeZoneName::parse("Europe Berlin").is_err());
}

#[test]
fn values_parse_and_refuse() {
    assert_eq!(ClockTime::parse("09:30").unwrap().minutes(), 570);
    assert_eq!(ClockTime::parse("24:00").unwrap().minutes(), 1440);
    for bad in ["9:30", "24:01", "10:60", "1000", "ab:cd", ""] {
        assert!(ClockTime::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Duration::parse("30m").unwrap().minutes(), 30);
    assert_eq!(Duration::parse("2h").unwrap().minutes(), 120);
    assert_eq!(Duration::parse("1d").unwrap().minutes(), 1440);
    assert_eq!(Duration::parse("2h").unwrap().to_string(), "2h");
    for bad in ["0m", "2", "h", "2 h", "1.5h", "31d", "2w", "-1h"] {
        assert!(Duration::parse(bad).is_err(), "{bad}");
    }
    assert!(FreezeTime::parse("2026-12-21T00:00").is_ok());
    assert!(
        FreezeTime::parse("2026-12-21T00:00:00Z")
            .unwrap()
            .is_instant()
    );
    assert!(FreezeTime::parse("2026-12-21 00:00").is_ok());
    for bad in [
        "2026-12-32T00:00",
        "2026-12-21",
        "tomorrow",
        "2026-02-30T10:00",
    ] {
        assert!(FreezeTime::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn time_left_is_coarse() {
    assert_eq!(left(0), "under 5 min");
    assert_eq!(left(4 * 60 + 30), "under 5 min");
    assert_eq!(left(21 * 60), "25 min");
    assert_eq!(left(57 * 60), "1 h");
    assert_eq!(left(80 * 60), "1 h 20 min");
    assert_eq!(left(75 * 60 + 1), "1 h 20 min");
    assert_eq!(left(2 * 3600), "2 h");
    assert_eq!(left(28 * 3600 - 10), "1 d 4 h");
    assert_eq!(left(48 * 3600), "2 d");
}
