//! The clock as a gate, through the sandbox: a release waits in validation for its ship window
//! and ships in it; a freeze holds it until an approver's `/convoy ship --now` (recorded, with
//! who and why; a non-approver's changes nothing but the reply); a soak holds an `auto` release
//! until it ends, and the scheduled run then ships it. The logical clock moves; no event arrives
//! at the moment the clock allows.

use crate::scenario;

use convoy::lifecycle::Owner;
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Phase, ReleaseManifest};
use convoy::model::time::Timestamp;
use scenario::{Scenario, pass, seed_with};
use serde_json::{Value, json};

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// A sandbox whose `convoy.json` has `calendar` and `soak` as given (`null`: left out).
async fn start(calendar: Value, soak: Value) -> Scenario {
    Scenario::start(seed_with(
        |c| {
            if !calendar.is_null() {
                c["calendar"] = calendar;
            }
            if !soak.is_null() {
                c["soak"] = soak;
            }
        },
        |_| {},
    ))
    .await
}

/// Drives `id` into validation and lets its tiers pass, until it waits on the clock.
async fn until_the_clock_holds(s: &mut Scenario, id: &str) -> ReleaseManifest {
    s.drive_until(id, Phase::Validation, pass).await;
    for _ in 0..6 {
        if s.waits(id).iter().any(|(who, _)| *who == Owner::Clock) {
            break;
        }
        s.finish_runs(id, pass).await;
        s.tick().await;
    }
    let m = s.manifest(id).await;
    assert_eq!(m.phase, Phase::Validation, "{:#?}", s.waits(id));
    m
}

/// What the clock holds `id` for, from its last run.
fn clock_wait(s: &Scenario, id: &str) -> String {
    s.waits(id)
        .into_iter()
        .find(|(who, _)| *who == Owner::Clock)
        .map(|(_, what)| what)
        .unwrap_or_else(|| panic!("{id} does not wait on the clock: {:#?}", s.waits(id)))
}

/// The tracking issue's body and the last run's step summary.
async fn dashboards(s: &Scenario, m: &ReleaseManifest) -> (String, String) {
    let issue = m.tracking_issue.unwrap();
    let body = s.get(&format!("/repos/acme/control/issues/{issue}")).await["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = s.runs.iter().rev().find(|r| r.release == m.id).unwrap();
    let summary = convoy::shell::summary::step_summary(
        &run.manifest,
        run.decisions.last().unwrap(),
        &run.executed,
    );
    (body, summary)
}

/// The instant `id` entered `phase` (its last `phase_changed` there).
fn entered(m: &ReleaseManifest, phase: Phase) -> Timestamp {
    m.history
        .iter()
        .rev()
        .find(|h| h.event == HistoryEvent::PhaseChanged && h.to.as_deref() == Some(phase.as_str()))
        .unwrap_or_else(|| panic!("{} never entered {}", m.id, phase.as_str()))
        .at
}

/// Wednesdays 10:00–12:00 in Berlin; the scenario starts on Tuesday 2026-12-01 at 10:00 there.
/// The release is ready on Tuesday, waits, ships on Wednesday once the window opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_waits_for_its_ship_window_and_ships_in_it() {
    let calendar = json!({
        "time_zone": "Europe/Berlin",
        "ship_windows": [{"days": ["wed"], "from": "10:00", "until": "12:00"}]
    });
    let mut s = start(calendar, Value::Null).await;
    s.create("r1", "directive=auto").await;
    let m = until_the_clock_holds(&mut s, "r1").await;
    let wait = clock_wait(&s, "r1");
    assert!(
        wait.starts_with("the next ship window: Wed 2026-12-02 10:00 Europe/Berlin"),
        "{wait}"
    );
    assert!(wait.contains("/convoy ship --now"), "{wait}");
    let (body, summary) = dashboards(&s, &m).await;
    assert!(
        body.contains("**clock**: the next ship window: Wed 2026-12-02 10:00 Europe/Berlin"),
        "{body}"
    );
    assert!(
        summary.contains("the next ship window: Wed 2026-12-02 10:00 Europe/Berlin"),
        "{summary}"
    );

    // The schedule runs on Tuesday evening: nothing moves.
    s.advance_minutes(8 * 60);
    s.tick().await;
    assert_eq!(s.manifest("r1").await.phase, Phase::Validation);

    // Wednesday 10:00 in Berlin (09:00 UTC): the scheduled run ships it.
    let window = at("2026-12-02T09:00:00Z");
    assert_eq!(s.clock_until("r1"), Some(window));
    s.advance_to(window);
    s.tick().await;
    let m = s.manifest("r1").await;
    assert!(m.phase >= Phase::Shipping, "{:#?}", s.waits("r1"));
    let shipping = entered(&m, Phase::Shipping);
    assert!(
        shipping >= window && shipping < at("2026-12-02T11:00:00Z"),
        "{shipping}"
    );
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// A holiday freeze holds a ready release. bob (write, not an approver) asks to ship now: only
/// a reply. alice (an approver) does, with a reason: it ships, and the manifest says who and
/// why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_holds_a_release_until_an_approver_ships_it_now() {
    let calendar = json!({
        "freezes": [{"from": "2026-11-30T00:00", "until": "2027-01-04T00:00", "reason": "holidays"}]
    });
    let mut s = start(calendar, Value::Null).await;
    s.create("r1", "directive=auto").await;
    let m = until_the_clock_holds(&mut s, "r1").await;
    let wait = clock_wait(&s, "r1");
    assert!(
        wait.starts_with("frozen until 2027-01-04 00:00 UTC: holidays"),
        "{wait}"
    );
    let (body, summary) = dashboards(&s, &m).await;
    assert!(
        body.contains("frozen until 2027-01-04 00:00 UTC: holidays"),
        "{body}"
    );
    assert!(
        summary.contains("frozen until 2027-01-04 00:00 UTC: holidays"),
        "{summary}"
    );
    // A day later the schedule still finds it frozen.
    s.advance_minutes(24 * 60);
    s.tick().await;
    assert_eq!(s.manifest("r1").await.phase, Phase::Validation);

    let before = s.manifest("r1").await;
    s.say("r1", "bob", "/convoy ship --now").await;
    let after = s.manifest("r1").await;
    assert_eq!(after.phase, Phase::Validation);
    assert!(after.ship_now.is_empty());
    assert_eq!(after.history, before.history, "a refusal changes nothing");
    let issue = after.tracking_issue.unwrap();
    let comments = s.comments("acme/control", issue).await;
    assert!(
        comments
            .iter()
            .any(|c| c.contains("@bob cannot ship") && c.contains("approvers.users")),
        "{comments:#?}"
    );

    s.say(
        "r1",
        "alice",
        "/convoy ship --now the checkout fix cannot wait for January",
    )
    .await;
    let m = s.manifest("r1").await;
    assert!(m.phase >= Phase::Shipping, "{:#?}", s.waits("r1"));
    assert_eq!(m.ship_now.len(), 1);
    assert_eq!(m.ship_now[0].by.as_str(), "alice");
    assert_eq!(
        m.ship_now[0].reason.as_deref(),
        Some("the checkout fix cannot wait for January")
    );
    let entry = m
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::CommandShip)
        .expect("the override is in the history");
    assert_eq!(entry.actor, "alice");
    assert_eq!(entry.to.as_deref(), Some("now"));
    assert!(
        entry
            .detail
            .contains("the checkout fix cannot wait for January"),
        "{}",
        entry.detail
    );
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// `soak.validation: 2h` under `auto`: the release soaks after its last tier passed, the
/// tracking issue counts down, and the first scheduled run after the soak ships it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_holds_an_auto_release_until_the_schedule_ships_it() {
    let mut s = start(Value::Null, json!({"validation": "2h"})).await;
    s.create("r1", "directive=auto").await;
    let m = until_the_clock_holds(&mut s, "r1").await;
    let wait = clock_wait(&s, "r1");
    assert!(wait.starts_with("soaking: 2 h left (until "), "{wait}");
    let (body, _) = dashboards(&s, &m).await;
    assert!(body.contains("**clock**: soaking: 2 h left"), "{body}");
    let end = s.clock_until("r1").unwrap();

    s.advance_minutes(40);
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    let wait = clock_wait(&s, "r1");
    assert!(wait.starts_with("soaking: 1 h 20 min left"), "{wait}");
    let (body, _) = dashboards(&s, &m).await;
    assert!(body.contains("soaking: 1 h 20 min left"), "{body}");

    s.advance_to(end);
    s.tick().await;
    let m = s.manifest("r1").await;
    assert!(m.phase >= Phase::Shipping, "{:#?}", s.waits("r1"));
    assert!(entered(&m, Phase::Shipping) >= end);
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}
