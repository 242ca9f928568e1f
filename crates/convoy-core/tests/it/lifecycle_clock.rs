//! The clock as a gate in `decide`: a soak under `careful` remembers the approval given during
//! it, a freeze marked `staging` holds the promotion to staging, `/convoy ship --now` lifts a
//! freeze once (approvers only), and a rehearsal moves its clock to the next ship window.

use crate::support;

use convoy::lifecycle::{Decision, Owner, decide};
use convoy::model::calendar::{Calendar, ClockTime, Duration, Freeze, FreezeTime, ShipWindow};
use convoy::model::calendar::{Soak, TimeZoneName, Weekday};
use convoy::model::config::Directive;
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Conclusion, Phase, ReleaseManifest};
use convoy::model::time::Timestamp;
use convoy::signal::{Command, Signal};
use support::*;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn plus_minutes(t: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_unix_seconds(t.unix_seconds() + minutes * 60).unwrap()
}

fn holidays(staging: bool) -> Calendar {
    Calendar {
        time_zone: TimeZoneName::utc(),
        ship_windows: vec![],
        freezes: vec![Freeze {
            from: FreezeTime::parse("2026-11-20T00:00").unwrap(),
            until: FreezeTime::parse("2027-01-04T00:00").unwrap(),
            reason: "holidays".to_owned(),
            staging,
        }],
    }
}

fn clock_wait(d: &Decision) -> Option<&convoy::lifecycle::Wait> {
    d.waits.iter().find(|w| w.who == Owner::Clock)
}

/// Drives `m` (in a fresh world) until the clock holds it.
fn until_the_clock_holds(m: ReleaseManifest) -> (Decision, convoy::rehearse::World) {
    let mut w = world(&m);
    let d = drive(m, &mut w, Conclusion::Success, |d| clock_wait(d).is_some());
    (d, w)
}

#[test]
fn an_approval_given_during_a_soak_takes_effect_when_it_ends() {
    let mut m = release(Directive::Careful);
    m.policy.soak = Soak {
        staging: None,
        validation: Some(Duration::parse("2h").unwrap()),
    };
    let (d, w) = until_the_clock_holds(m);
    assert_eq!(d.manifest.phase, Phase::Validation);
    let soak = clock_wait(&d).unwrap();
    assert!(soak.what.starts_with("soaking: 2 h left"), "{}", soak.what);
    let end = soak.until.unwrap();
    assert_eq!(end, plus_minutes(soak.since, 120));
    // Both wait: the clock, and an approver (whose approval is remembered).
    assert!(
        d.waits.iter().any(|w| w.who == Owner::Human),
        "{:#?}",
        d.waits
    );

    let approved = decide(
        &d.manifest,
        &w.observed,
        &command("maria", Command::Ship),
        plus_minutes(d.at, 30),
    );
    assert_eq!(approved.manifest.phase, Phase::Validation);
    assert!(!approved.waits.iter().any(|w| w.who == Owner::Human));
    let left = clock_wait(&approved).unwrap();
    assert!(
        left.what.starts_with("soaking: 1 h 30 min left"),
        "{}",
        left.what
    );

    let early = decide(
        &approved.manifest,
        &w.observed,
        &Signal::Schedule,
        plus_minutes(end, -1),
    );
    assert_eq!(early.manifest.phase, Phase::Validation);
    let shipped = decide(&early.manifest, &w.observed, &Signal::Schedule, end);
    assert_eq!(shipped.manifest.phase, Phase::Shipping);
}

#[test]
fn a_staging_freeze_holds_the_promotion_to_staging_until_it_thaws() {
    let mut m = release(Directive::Auto);
    m.policy.calendar = holidays(true);
    let (d, w) = until_the_clock_holds(m);
    assert_eq!(d.manifest.phase, Phase::Development);
    let hold = clock_wait(&d).unwrap();
    assert_eq!(
        hold.what,
        "frozen until 2027-01-04 00:00 UTC: holidays (this freeze holds the promotion to staging too)"
    );
    assert_eq!(hold.until, Some(at("2027-01-04T00:00:00Z")));
    let thawed = decide(
        &d.manifest,
        &w.observed,
        &Signal::Schedule,
        at("2027-01-04T00:00:00Z"),
    );
    assert_eq!(thawed.manifest.phase, Phase::Staging);
}

#[test]
fn ship_now_lifts_a_freeze_once_and_only_for_an_approver() {
    let mut m = release(Directive::Careful);
    m.policy.calendar = holidays(false);
    let (d, w) = until_the_clock_holds(m);
    assert_eq!(d.manifest.phase, Phase::Validation);
    assert!(
        clock_wait(&d)
            .unwrap()
            .what
            .starts_with("frozen until 2027-01-04 00:00 UTC: holidays"),
        "{:#?}",
        d.waits
    );
    let now = || Command::ShipNow {
        reason: Some("a security fix".to_owned()),
    };
    // "dev" has write permission but is no approver.
    let refused = decide(&d.manifest, &w.observed, &command("dev", now()), d.at);
    assert_eq!(refused.manifest.phase, Phase::Validation);
    assert!(refused.manifest.ship_now.is_empty());
    assert!(
        refused.notes[0].contains("@dev cannot ship"),
        "{:?}",
        refused.notes
    );

    // A plain approval opens the gate but not the freeze.
    let approved = decide(
        &d.manifest,
        &w.observed,
        &command("maria", Command::Ship),
        d.at,
    );
    assert_eq!(approved.manifest.phase, Phase::Validation);

    let shipped = decide(
        &approved.manifest,
        &w.observed,
        &command("maria", now()),
        d.at,
    );
    assert_eq!(shipped.manifest.phase, Phase::Shipping);
    let entry = shipped
        .manifest
        .history
        .iter()
        .rev()
        .find(|h| h.event == HistoryEvent::CommandShip)
        .unwrap();
    assert_eq!(
        (entry.actor.as_str(), entry.to.as_deref()),
        ("maria", Some("now"))
    );
    assert!(entry.detail.contains("a security fix"), "{}", entry.detail);
    assert_eq!(shipped.manifest.ship_now[0].by.as_str(), "maria");
}

#[test]
fn a_rehearsal_moves_its_clock_to_the_next_window() {
    let mut m = release(Directive::Auto);
    m.policy.calendar = Calendar {
        time_zone: TimeZoneName::parse("Europe/Berlin").unwrap(),
        ship_windows: vec![ShipWindow {
            days: vec![Weekday::Tue],
            from: ClockTime::parse("10:00").unwrap(),
            until: ClockTime::parse("11:00").unwrap(),
        }],
        freezes: vec![],
    };
    // Created on Thursday 2026-11-26: the next Tuesday window is 2026-12-01 10:00 in Berlin.
    let r = play(&m, 200, false);
    assert_eq!(r.manifest.phase, Phase::Shipped);
    let shipping = r
        .manifest
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::PhaseChanged && h.to.as_deref() == Some("shipping"))
        .unwrap();
    assert!(
        shipping.at >= at("2026-12-01T09:00:00Z") && shipping.at < at("2026-12-01T10:00:00Z"),
        "{}",
        shipping.at
    );
}
