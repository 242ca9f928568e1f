//! What a run writes, read from the sandbox's request log (issue 16, "fewer writes"): a run with
//! nothing new writes nothing — no tracking-issue edit, no commit status, no manifest; the
//! tracking issue is edited when its text changes, and then once; a commit status is read at
//! most once per commit and context in an execution and set only when its state or description
//! changes; a description over GitHub's 140 characters is cut, so it is set once instead of
//! being refused on every run; a status whose write failed is set by a later run.

use crate::scenario;

use convoy::lifecycle::action::{Action, ActionOutcome};
use convoy::model::manifest::{Phase, ReleaseManifest};
use scenario::{Scenario, pass, seed_repo, seed_with};
use serde_json::{Value, json};

/// The login convoy's token stands for in the demo seed.
const CONVOY: &str = "convoy-bot";

/// One request convoy sent, as the sandbox logged it.
#[derive(Debug, Clone)]
struct Sent {
    method: String,
    path: String,
    status: u64,
}

impl Sent {
    fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

/// The requests convoy sent since the log was last cleared, oldest first; clears the log.
async fn sent(s: &Scenario) -> Vec<Sent> {
    let log: Value = s.get("/_sandbox/requests").await;
    s.bot.delete("/_sandbox/requests").await.unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["caller"] == CONVOY)
        .map(|r| Sent {
            method: r["method"].as_str().unwrap_or_default().to_owned(),
            path: r["path"].as_str().unwrap_or_default().to_owned(),
            status: r["status"].as_u64().unwrap_or_default(),
        })
        .collect()
}

/// Whether `path` is the tracking issue `n` itself (not its comments or labels).
fn is_issue(path: &str, n: u64) -> bool {
    path == format!("/repos/acme/control/issues/{n}")
}

/// The edits of tracking issue `n` among `log`.
fn issue_edits(log: &[Sent], n: u64) -> usize {
    log.iter()
        .filter(|r| r.method == "PATCH" && is_issue(&r.path, n))
        .count()
}

/// The status reads (`GET …/commits/{sha}/status`) and writes (`POST …/statuses/{sha}`) among
/// `log` on `sha` of `repo`.
fn status_requests(log: &[Sent], repo: &str, sha: &str) -> (usize, usize) {
    let read = format!("/repos/{repo}/commits/{sha}/status?");
    let write = format!("/repos/{repo}/statuses/{sha}");
    let reads = log
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(&read))
        .count();
    let writes = log
        .iter()
        .filter(|r| r.method == "POST" && r.path == write)
        .count();
    (reads, writes)
}

/// Every status write among `log`, as `(repo, sha)`.
fn status_writes(log: &[Sent]) -> Vec<(String, String)> {
    log.iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| {
            let rest = r.path.strip_prefix("/repos/")?;
            let (repo, sha) = rest.split_once("/statuses/")?;
            Some((repo.to_owned(), sha.to_owned()))
        })
        .collect()
}

fn writes(log: &[Sent]) -> Vec<String> {
    log.iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {} → {}", r.method, r.path, r.status))
        .collect()
}

/// A scheduled run settles whatever is pending; the next one, with nothing new, writes nothing.
async fn quiet_tick(s: &mut Scenario, id: &str, when: &str) {
    s.tick().await;
    sent(s).await;
    let before = s.manifest(id).await;
    s.tick().await;
    let log = sent(s).await;
    assert!(
        !log.is_empty(),
        "{when}: the run observed the release (it read GitHub)"
    );
    assert_eq!(writes(&log), Vec::<String>::new(), "{when}: nothing new");
    let after = s.manifest(id).await;
    assert_eq!(
        after.revision, before.revision,
        "{when}: manifest unchanged"
    );
}

/// The tracking issue's number of `m`.
fn tracking(m: &ReleaseManifest) -> u64 {
    m.tracking_issue.expect("a tracking issue").get()
}

/// In development (waiting for developers), in validation (tier runs going) and once shipped, a
/// scheduled run right after another writes nothing: the tracking issue is not edited, no
/// status is set, the manifest is not written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_nothing_new_writes_nothing() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    s.say("r1", "alice", "/convoy approve").await;
    assert_eq!(s.manifest("r1").await.phase, Phase::Development);
    quiet_tick(&mut s, "r1", "development").await;

    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    assert!(
        m.tier_runs
            .iter()
            .any(|r| r.status != convoy::model::manifest::RunStatus::Completed),
        "a validation tier is running: {:#?}",
        m.tier_runs
    );
    quiet_tick(&mut s, "r1", "validation").await;

    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    quiet_tick(&mut s, "r1", "shipped").await;
}

/// The tracking issue is edited only when its text changes: an hour later the waits' age
/// ("under 1 h" → "1 h") changes the body, and one run edits it once; the run after that
/// does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracking_issue_is_edited_once_when_its_text_changes() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    s.say("r1", "alice", "/convoy approve").await;
    let n = tracking(&s.manifest("r1").await);
    s.tick().await;
    sent(&s).await;
    let body = |v: Value| v["body"].as_str().unwrap_or_default().to_owned();
    let before = body(s.get(&format!("/repos/acme/control/issues/{n}")).await);
    assert!(before.contains("(under 1 h)"), "{before}");

    s.advance_minutes(61);
    s.tick().await;
    let log = sent(&s).await;
    assert_eq!(issue_edits(&log, n), 1, "{:#?}", writes(&log));
    let after = body(s.get(&format!("/repos/acme/control/issues/{n}")).await);
    assert_ne!(after, before);
    assert!(
        after.contains("(1 h)") && !after.contains("(under 1 h)"),
        "{after}"
    );

    s.tick().await;
    let log = sent(&s).await;
    assert_eq!(issue_edits(&log, n), 0, "{:#?}", writes(&log));
}

/// A whole release: every `convoy/release` status convoy set differs from the one before it on
/// that commit, and each commit's status is read once however many statuses the execution sets
/// on it (pending while a dependency merges, then success).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_status_is_read_once_per_commit_and_never_set_unchanged() {
    let mut s = Scenario::demo().await;
    sent(&s).await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    let log = sent(&s).await;
    let mut commits = status_writes(&log);
    commits.sort();
    commits.dedup();
    // Two promotions of three repos.
    assert_eq!(commits.len(), 6, "{commits:#?}");
    let mut twice = 0;
    for (repo, sha) in &commits {
        let (reads, sets) = status_requests(&log, repo, sha);
        assert_eq!(reads, 1, "{repo}@{sha}: one read");
        let set: Vec<(String, String, String)> = s
            .statuses(repo, sha)
            .await
            .into_iter()
            .filter(|(c, _, _)| c == "convoy/release")
            .collect();
        assert_eq!(set.len(), sets, "{repo}@{sha}: {set:#?}");
        assert!(
            set.windows(2).all(|w| w[0] != w[1]),
            "{repo}@{sha}: a status set unchanged: {set:#?}"
        );
        assert_eq!(set[0].1, "success", "{repo}@{sha}: {set:#?}");
        if sets == 2 {
            assert_eq!(set[1].1, "pending", "{repo}@{sha}: {set:#?}");
            twice += 1;
        }
    }
    // api and web wait for their dependency in each promotion.
    assert_eq!(twice, 4, "{commits:#?}");
}

/// acme/api's `main` requires `ci/build`, which never reports: api's ship pull request cannot
/// merge, and web's waits for it. Every run reads api's and web's `convoy/release` once and sets
/// neither again: they already say what convoy would set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_release_reads_its_statuses_and_sets_none_again() {
    let seed = seed_with(
        |_| {},
        |s| seed_repo(s, "acme/api")["required_checks"] = json!({"main": ["ci/build"]}),
    );
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    let pin = |name: &str| {
        m.repos
            .iter()
            .find(|r| r.name.as_str() == name)
            .and_then(|r| r.shas.staged.clone())
            .unwrap_or_else(|| panic!("{name} is staged"))
            .to_string()
    };
    let (api, web) = (pin("acme/api"), pin("acme/web"));
    sent(&s).await;
    for tick in 0..3 {
        s.tick().await;
        let log = sent(&s).await;
        assert_eq!(status_writes(&log), [], "tick {tick}");
        assert_eq!(
            status_requests(&log, "acme/api", &api),
            (1, 0),
            "tick {tick}"
        );
        assert_eq!(
            status_requests(&log, "acme/web", &web),
            (1, 0),
            "tick {tick}"
        );
    }
    let latest = |v: Vec<(String, String, String)>| {
        v.into_iter()
            .find(|(c, _, _)| c == "convoy/release")
            .map(|(_, state, description)| (state, description))
    };
    let (state, _) = latest(s.statuses("acme/api", &api).await).unwrap();
    assert_eq!(state, "success");
    let (state, description) = latest(s.statuses("acme/web", &web).await).unwrap();
    assert_eq!(state, "pending");
    assert!(description.contains("acme/api"), "{description}");
}

/// A deferred task's open pull request: the status decide planned is read by the observer only
/// (`observe_task_pulls`), so a run that finds it set neither reads it again nor sets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_decide_saw_is_neither_read_again_nor_set() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    s.say("r1", "alice", "/convoy approve").await;
    let (_, head) = s.open_task_pull("r1", "acme/api", 12).await;
    s.say("r1", "alice", "/convoy defer acme/api#12").await;
    s.tick().await;
    let failing = s
        .statuses("acme/api", &head)
        .await
        .into_iter()
        .find(|(c, _, _)| c == "convoy/release");
    assert_eq!(
        failing,
        Some((
            "convoy/release".to_owned(),
            "failure".to_owned(),
            "deferred from release r1".to_owned()
        ))
    );
    sent(&s).await;
    s.tick().await;
    let log = sent(&s).await;
    assert_eq!(status_requests(&log, "acme/api", &head), (1, 0));
    assert_eq!(writes(&log), Vec::<String>::new());
}

/// A task pull request that names more dependencies than fit in GitHub's 140 characters gets a
/// `convoy/depends-on` status cut to 140 characters: set once, not refused on every run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_depends_on_status_is_cut_to_fit_and_set_once() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    s.say("r1", "alice", "/convoy approve").await;
    let m = s.manifest("r1").await;
    let rc = m
        .repos
        .iter()
        .find(|r| r.name.as_str() == "acme/api")
        .unwrap()
        .rc_branch
        .to_string();
    let out = s
        .bob
        .post(
            "/_sandbox/repos/acme/api/commits",
            &json!({"branch": "task-r1-12", "message": "Work on #12", "files": {"src/r1-task-12.txt": "done\n"}, "author": "bob"}),
        )
        .await
        .unwrap();
    let head = out.body["sha"].as_str().unwrap().to_owned();
    let deps: Vec<String> = (1001..1013)
        .map(|n| format!("acme/schema-tools#{n}"))
        .collect();
    s.bob
        .post(
            "/repos/acme/api/pulls",
            &json!({"title": "Task 12", "head": "task-r1-12", "base": rc,
                    "body": format!("Closes #12\nDepends-On: {}", deps.join(", "))}),
        )
        .await
        .unwrap();
    s.deliver().await;
    s.tick().await;
    let set: Vec<(String, String, String)> = s
        .statuses("acme/api", &head)
        .await
        .into_iter()
        .filter(|(c, _, _)| c == "convoy/depends-on")
        .collect();
    assert_eq!(set.len(), 1, "{set:#?}");
    let (_, state, description) = &set[0];
    assert_eq!(state, "pending");
    assert_eq!(description.chars().count(), 140, "{description}");
    assert!(
        description.starts_with("waiting for acme/schema-tools#1001, ")
            && description.ends_with('…'),
        "{description}"
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);

    sent(&s).await;
    s.tick().await;
    let log = sent(&s).await;
    assert_eq!(status_writes(&log), [], "{:#?}", writes(&log));
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// GitHub fails convoy's first `convoy/release` write (a 500): the merge that waits for it is
/// not made, and a later run sets the status and merges; the release ships with every
/// promotion pull request's head showing success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_whose_write_failed_is_set_by_a_later_run() {
    let mut s = Scenario::demo().await;
    s.bot
        .post(
            "/_sandbox/faults",
            &json!({"method": "POST", "path": "/repos/acme/schema/statuses/*", "status": 500, "times": 1}),
        )
        .await
        .unwrap();
    s.create("r1", "directive=auto").await;
    sent(&s).await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", m.history);
    assert!(
        s.failures.iter().any(|f| f.contains("500")),
        "the fault was met: {:#?}",
        s.failures
    );
    // In the run whose status write failed, schema's merge waited for it and was not made.
    let failed_run = s
        .runs
        .iter()
        .find(|r| {
            r.executed.iter().any(|e| {
                matches!(&e.planned.action, Action::SetCommitStatus { repo, .. } if repo.as_str() == "acme/schema")
                    && matches!(e.outcome, ActionOutcome::Failed { .. })
            })
        })
        .expect("a run whose status write failed");
    assert!(
        failed_run.executed.iter().any(|e| {
            matches!(&e.planned.action, Action::MergePullRequest { repo, .. } if repo.as_str() == "acme/schema")
                && matches!(e.outcome, ActionOutcome::Skipped { .. })
        }),
        "{:#?}",
        failed_run.executed
    );
    // The faulted write is logged without its caller (the fault answered first).
    let log = sent(&s).await;
    let mut commits = status_writes(&log);
    commits.sort();
    commits.dedup();
    // Both of schema's promotion heads among them: the failed write was made again.
    assert_eq!(commits.len(), 6, "{commits:#?}");
    for (repo, sha) in &commits {
        let latest = s
            .statuses(repo, sha)
            .await
            .into_iter()
            .find(|(c, _, _)| c == "convoy/release")
            .unwrap_or_else(|| panic!("{repo}@{sha} has convoy/release"));
        assert_eq!(latest.1, "success", "{repo}@{sha}: {latest:?}");
    }
}
