//! Many owners through the sandbox: member repositories of `acme` and `beta`, convoy acting as
//! a GitHub App (the fixture App of `tests/fixtures/sandbox/app.json`) with one installation
//! token per owner, minted once per run per owner; and an owner without the App, reported with
//! the fix while the rest of the release goes on, until the App is installed there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::sandbox_conformance::apps::test_app;
use crate::scenario::{Connect, Scenario, pass, seed_repo, seed_with};

use convoy::github::tokens::AppAuth;
use convoy::github::{ClientConfig, GitHub};
use convoy::lifecycle::{Owner, WebLinks};
use convoy::model::manifest::{Phase, RepoState};
use convoy::sandbox::Seed;
use serde_json::{Value, json};

/// The demo world plus `beta/mobile`, a member that depends on `acme/api` (its own `staging`,
/// milestone `Sprint 41` and issue #5), and the fixture App installed on `acme` and, when
/// `beta` says so, on `beta` (`"all"` or a list of repositories).
fn two_owners(beta: Option<Value>) -> Seed {
    seed_with(
        |cfg| {
            cfg["repos"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "beta/mobile", "depends_on": ["acme/api"]}));
        },
        |s| {
            let mut mobile = seed_repo(s, "acme/web").clone();
            mobile["name"] = json!("beta/mobile");
            mobile["files"] = json!({"README.md": "# mobile\n"});
            mobile["issues"] = json!([{"number": 5, "title": "Orders on mobile", "milestone": "Sprint 41", "state": "open"}]);
            s["repos"].as_array_mut().unwrap().push(mobile);
            let mut app = serde_json::to_value(test_app()).unwrap();
            if let Some(repositories) = beta {
                app["installations"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"id": 72, "account": "beta", "repositories": repositories}));
            }
            s["apps"] = json!([app]);
        },
    )
}

/// Each run connects as the App, as `convoy run` does with `app-id` and `private-key`; every
/// run's mints are counted in `mints` (one counter per run).
pub(crate) fn as_app(mints: Arc<Mutex<Vec<Arc<AtomicU64>>>>) -> Connect {
    Box::new(move |url| {
        let count = Arc::new(AtomicU64::new(0));
        mints.lock().unwrap().push(count.clone());
        let mut cfg = ClientConfig::new(url.to_owned(), String::new());
        cfg.write_gap = std::time::Duration::ZERO;
        cfg.base_backoff = std::time::Duration::from_millis(20);
        let app = test_app();
        GitHub::with_app(
            cfg,
            AppAuth {
                app_id: app.id,
                private_key: app.private_key.unwrap(),
                home: "acme".into(),
                on_mint: Some(Box::new(move |_| {
                    count.fetch_add(1, Ordering::Relaxed);
                })),
            },
        )
        .unwrap()
    })
}

/// The request log: `(method, path)` of every API request.
async fn requests(s: &Scenario) -> Vec<(String, String)> {
    let log = s.get("/_sandbox/requests").await;
    log.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn mints_in(log: &[(String, String)], installation: u64) -> usize {
    let path = format!("/app/installations/{installation}/access_tokens");
    log.iter()
        .filter(|(m, p)| m == "POST" && *p == path)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_across_two_owners_ships_with_a_token_per_owner_per_run() {
    let mints = Arc::new(Mutex::new(Vec::new()));
    let mut s = Scenario::start(two_owners(Some(json!(["beta/mobile"])))).await;
    s.connect = Some(as_app(mints.clone()));
    let started = std::time::Instant::now();
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    let took = started.elapsed();
    assert_eq!(m.phase, Phase::Shipped);
    assert!(m.repos.iter().all(|r| r.state == RepoState::Shipped));
    assert!(
        m.task(&convoy::model::ids::IssueRef::parse("beta/mobile#5").unwrap())
            .is_some(),
        "beta's sprint issue is a task"
    );
    let tag = s
        .get(&format!("/repos/beta/mobile/releases/tags/{}", m.tag))
        .await;
    assert_eq!(
        tag["tag_name"],
        m.tag.as_str(),
        "beta/mobile shipped: {tag}"
    );
    // Everything convoy wrote, it wrote as the App's bot.
    let issue = s.get("/repos/acme/control/issues/1").await;
    assert_eq!(issue["user"]["login"], "convoy[bot]");
    let ship = s.get("/repos/beta/mobile/pulls?state=all&base=main").await;
    assert_eq!(ship[0]["user"]["login"], "convoy[bot]", "{ship}");

    // Once per owner per run: a run mints for acme (the control repo's owner) as soon as it
    // reads anything, and for beta when it reads beta/mobile (every run of an active release;
    // not those of the shipped one, which read the control repo only); never more.
    let per_run: Vec<u64> = mints
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    assert!(per_run.iter().all(|n| *n <= 2), "{per_run:?}");
    let minting = per_run.iter().filter(|n| **n > 0).count();
    let both = per_run.iter().filter(|n| **n == 2).count();
    let log = requests(&s).await;
    assert_eq!(mints_in(&log, 71), minting, "acme: once per run");
    assert_eq!(mints_in(&log, 72), both, "beta: once per run that reads it");
    assert!(both > 10, "most runs read both owners: {per_run:?}");
    let lists = log
        .iter()
        .filter(|(m, p)| m == "GET" && p.starts_with("/app/installations"))
        .count();
    assert_eq!(lists, minting, "the installations are listed once per run");
    let api = log.iter().filter(|(_, p)| p.starts_with("/repos/")).count();
    eprintln!(
        "two owners as an App: {} runs, {minting} minting; {} API requests ({} to repositories, {} App requests: {lists} lists, {} mints, {} selection reads); {:.1} s",
        per_run.len(),
        log.len(),
        api,
        lists + mints_in(&log, 71) + mints_in(&log, 72),
        mints_in(&log, 71) + mints_in(&log, 72),
        log.iter()
            .filter(|(_, p)| p.starts_with("/installation/"))
            .count(),
        took.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_that_reaches_both_owners_ships_too() {
    // The bot's token (admin everywhere) stands for a fine-grained token of a machine user with
    // access to both owners' repositories: no App, nothing minted.
    let mut s = Scenario::start(two_owners(Some(json!("all")))).await;
    let started = std::time::Instant::now();
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    let log = requests(&s).await;
    assert!(!log.iter().any(|(_, p)| p.starts_with("/app/")));
    eprintln!(
        "two owners with one token: {} runs; {} API requests; {:.1} s",
        s.started,
        log.len(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_without_the_app_is_reported_and_the_rest_goes_on() {
    let mints = Arc::new(Mutex::new(Vec::new()));
    let mut s = Scenario::start(two_owners(None)).await;
    s.connect = Some(as_app(mints));
    s.create("r1", "").await;
    s.say("r1", "alice", "/convoy approve").await;
    s.land_tasks("r1").await;
    s.say("r1", "alice", "/convoy approve").await;

    // The release waits in development: acme's RC branches are cut and their tasks merged,
    // beta/mobile is held, and the fix is named on the tracking issue and in the step summary.
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Development);
    let fix = "install the App on `beta`: convoy cannot see `beta/mobile`; it is held until then";
    for r in &m.repos {
        let cut = r.name.owner() == "acme";
        assert_eq!(
            r.state == RepoState::RcCut,
            cut,
            "{}: {:?}",
            r.name,
            r.state
        );
    }
    assert!(
        s.waits("r1")
            .iter()
            .any(|(who, what)| *who == Owner::Human && what == fix),
        "{:#?}",
        s.waits("r1")
    );
    let body = s.get("/repos/acme/control/issues/1").await["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(body.contains(fix), "{body}");
    let run = s.runs.last().unwrap();
    let summary =
        convoy::shell::run_summary(&run.manifest, &run.rounds(), &WebLinks::default()).unwrap();
    assert!(summary.contains(fix), "{summary}");
    // Nothing broke: no escalation, no failed action, and not one request went to beta.
    assert!(m.escalations.is_empty(), "{:#?}", m.escalations);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    let log = requests(&s).await;
    assert!(
        !log.iter().any(|(_, p)| p.starts_with("/repos/beta/")),
        "convoy asked GitHub about beta/mobile without a token for beta"
    );
    assert_eq!(mints_in(&log, 72), 0);

    // The App is installed on beta: the next run sees beta/mobile, cuts its RC branch and the
    // release ships.
    s.bot
        .put(
            "/_sandbox/apps/4242/installations/beta",
            &json!({"id": 72, "repositories": "all"}),
        )
        .await
        .unwrap();
    s.tick().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    assert!(
        s.waits("r1")
            .iter()
            .all(|(_, what)| !what.contains("install the App"))
    );
    let tag = s
        .get(&format!("/repos/beta/mobile/releases/tags/{}", m.tag))
        .await;
    assert_eq!(tag["tag_name"], m.tag.as_str());
}

/// A client acting as the fixture App (or as App `app_id`, with the fixture's key) at `url`.
fn app_client_for(url: &str, app_id: u64, private_key: &str) -> anyhow::Result<GitHub> {
    GitHub::with_app(
        ClientConfig::new(url.to_owned(), String::new()),
        AppAuth {
            app_id,
            private_key: private_key.to_owned(),
            home: "acme".into(),
            on_mint: None,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_credentials_errors_say_what_to_fix() {
    let key = test_app().private_key.unwrap();
    let bad = app_client_for("http://127.0.0.1:1", 4242, "not a key").unwrap_err();
    assert!(
        format!("{bad:#}").contains("the `private-key` input is not an RSA private key"),
        "{bad:#}"
    );
    // Installed on beta only: nothing runs without the control repo's owner.
    let mut seed = two_owners(Some(json!("all")));
    seed.apps[0].installations.retain(|i| i.account == "beta");
    let sandbox = convoy::sandbox::Sandbox::start(seed, None).await.unwrap();
    let url = sandbox.url();
    let gh = app_client_for(&url, 4242, &key).unwrap();
    let e = gh.get("/repos/acme/control").await.unwrap_err();
    assert!(
        e.to_string().contains(
            "it is not installed on acme, which owns the control repo; install the App on acme"
        ),
        "{e}"
    );
    assert_eq!(
        gh.reach(&"acme/api".parse().unwrap()).await.unwrap(),
        convoy::github::tokens::Reach::NotInstalled
    );
    assert_eq!(
        gh.reach(&"beta/mobile".parse().unwrap()).await.unwrap(),
        convoy::github::tokens::Reach::Reachable
    );
    assert_eq!(gh.minted(), 1, "beta's token only");
    // Another App's id with this key: GitHub's 401, and what to check.
    let gh = app_client_for(&url, 4243, &key).unwrap();
    let e = gh.get("/repos/acme/control").await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("A JSON web token could not be decoded")
            && text.contains(
                "check that `app-id` is 4243's id and `private-key` one of its private keys"
            ),
        "{text}"
    );
    // A token: nothing is known before GitHub answers.
    let gh = convoy::demo::sandbox_client(&url, "t-bot").unwrap();
    assert_eq!(
        gh.reach(&"beta/mobile".parse().unwrap()).await.unwrap(),
        convoy::github::tokens::Reach::Unknown
    );
}
