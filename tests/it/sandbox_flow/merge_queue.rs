//! The merge queue of a protected branch, as GitHub runs it: `merge-async` queues pull
//! requests, each gets a real merge-group commit on the one ahead of it, CI reports the required
//! checks on the groups (the tests play CI with `act_as_merge_group_ci`), green groups merge in
//! order, a failing check ejects its pull request and rebuilds the groups behind it; the plain
//! merge is refused unless the caller bypasses the rules.

use crate::sandbox_support;

use convoy::sandbox::protection::{BranchProtection, QueueMergeMethod, RepoSettings};
use convoy::sandbox::{Sandbox, SandboxHandle, Seed};
use octocrab::Octocrab;
use sandbox_support::{
    Answer, MergeGroup, act_as_merge_group_ci, call, client, merge_groups_awaiting_checks, push,
};
use serde_json::{Value, json};

const CHECK_FAILED: &str = "Required status check \"ci\" failed in the merge queue.";
const HEAD_MODIFIED: &str = "Head branch was modified. Review and try the merge again.";

/// acme/web's `main` requires a merge queue and the check `ci`; bob bypasses the rules.
fn queued_main() -> BranchProtection {
    BranchProtection {
        required_checks: vec!["ci".into()],
        merge_queue: true,
        bypass: vec!["bob".into()],
        ..Default::default()
    }
}

async fn start(main: BranchProtection, settings: RepoSettings) -> SandboxHandle {
    let mut seed = Seed::demo();
    let web = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/web")
        .unwrap();
    web.settings = settings;
    web.protection.insert("main".into(), main);
    Sandbox::start(seed, None).await.unwrap()
}

/// Opens `branch` → main in acme/web (one new file, or `files`); returns (number, head sha).
async fn open_pull(octo: &Octocrab, branch: &str, files: Option<Value>) -> (u64, String) {
    let files =
        files.unwrap_or_else(|| json!({format!("{}.txt", branch.replace('/', "-")): "x\n"}));
    let head = push(octo, "acme/web", branch, files, "work").await;
    let a = call(
        octo,
        "POST",
        "/repos/acme/web/pulls",
        Some(json!({"title": "Work", "head": branch, "base": "main"})),
    )
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    (a.body["number"].as_u64().unwrap(), head)
}

async fn merge_async(octo: &Octocrab, n: u64, body: Value) -> Answer {
    let path = format!("/repos/acme/web/pulls/{n}/merge-async");
    call(octo, "PUT", &path, Some(body)).await
}

/// Queues pull request `n` (202 `pending`); returns the request's uuid.
async fn enqueue(octo: &Octocrab, n: u64) -> String {
    let a = merge_async(octo, n, json!({})).await;
    assert_eq!(
        (a.status, &a.body["status"]),
        (202, &json!("pending")),
        "{:?}",
        a.body
    );
    a.body["details"]["uuid"].as_str().unwrap().to_owned()
}

async fn result(octo: &Octocrab, n: u64, uuid: &str) -> Value {
    let path = format!("/repos/acme/web/pulls/{n}/merge-async/{uuid}");
    let a = call(octo, "GET", &path, None).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body
}

fn failed(message: &str) -> Value {
    json!({"status": "failed", "details": {"message": message}})
}

fn merged(sha: &str) -> Value {
    json!({"status": "merged", "details": {"message": "Pull request was merged.", "sha": sha}})
}

async fn get(octo: &Octocrab, path: &str) -> Answer {
    call(octo, "GET", &format!("/repos/acme/web{path}"), None).await
}

async fn branch_sha(octo: &Octocrab, branch: &str) -> String {
    let a = get(octo, &format!("/branches/{branch}")).await;
    a.body["commit"]["sha"].as_str().unwrap().to_owned()
}

async fn parents(octo: &Octocrab, sha: &str) -> Vec<String> {
    let a = get(octo, &format!("/git/commits/{sha}")).await;
    let parents = a.body["parents"].as_array().unwrap();
    parents
        .iter()
        .map(|p| p["sha"].as_str().unwrap().to_owned())
        .collect()
}

async fn status(octo: &Octocrab, sha: &str, state: &str) {
    let body = json!({"state": state, "context": "ci"});
    let a = call(
        octo,
        "POST",
        &format!("/repos/acme/web/statuses/{sha}"),
        Some(body),
    )
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
}

/// The payloads of the deliveries named `name` with `action`.
fn payloads<'a>(events: &'a [Value], name: &str, action: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["name"] == name && e["payload"]["action"] == action)
        .map(|e| &e["payload"])
        .collect()
}

/// Drains the deliveries without reporting any check; returns them and the groups awaiting
/// checks among them.
async fn drain(octo: &Octocrab) -> (Vec<Value>, Vec<MergeGroup>) {
    let (events, _) = act_as_merge_group_ci(octo, "acme/web", "ci", |_| None).await;
    let groups = merge_groups_awaiting_checks(&events, "acme/web");
    (events, groups)
}

#[tokio::test]
async fn queued_pull_requests_merge_in_order_through_their_groups() {
    let settings = RepoSettings {
        delete_branch_on_merge: true,
        ..RepoSettings::default()
    };
    let sandbox = start(queued_main(), settings).await;
    let bot = client(&sandbox.url(), "t-bot");
    let main0 = branch_sha(&bot, "main").await;
    let (n1, h1) = open_pull(&bot, "feat/one", None).await;
    let (n2, h2) = open_pull(&bot, "feat/two", None).await;
    drain(&bot).await;

    let a = merge_async(&bot, n1, json!({})).await;
    assert_eq!(a.status, 202);
    let u1 = a.body["details"]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        a.body,
        json!({"status": "pending", "details": {"message": "Merge request enqueued.", "uuid": u1,
               "merge_method": "merge", "merge_action": "default", "expected_head_sha": h1}})
    );
    let a = merge_async(&bot, n2, json!({"merge_action": "merge_queue", "sha": h2})).await;
    assert_eq!(a.body["details"]["merge_action"], "merge_queue");
    let u2 = a.body["details"]["uuid"].as_str().unwrap().to_owned();
    // A second request while queued: 409 with the first request's uuid.
    let again = merge_async(&bot, n1, json!({"merge_method": "squash"})).await;
    assert_eq!(again.status, 409);
    assert_eq!(
        again.body["details"]["message"],
        "A merge request already exists for this pull request."
    );
    assert_eq!(again.body["details"]["uuid"], u1.as_str());
    let enqueued = json!({"status": "enqueued", "details": {"message": "Pull request is in the merge queue."}});
    assert_eq!(result(&bot, n1, &u1).await, enqueued);

    // Each pull request is announced and gets a group on the one ahead of it.
    let (events, groups) = drain(&bot).await;
    let numbers: Vec<_> = payloads(&events, "pull_request", "enqueued")
        .iter()
        .map(|p| p["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [n1, n2]);
    let [g1, g2] = groups.as_slice() else {
        panic!("{groups:?}")
    };
    assert_eq!((g1.number, g2.number), (n1, n2));
    assert_eq!(g1.base_sha, main0);
    assert_eq!(
        g1.head_ref,
        format!("refs/heads/gh-readonly-queue/main/pr-{n1}-{main0}")
    );
    assert_eq!(g2.base_sha, g1.head_sha);
    assert_eq!(parents(&bot, &g1.head_sha).await, [main0.clone(), h1]);
    assert_eq!(parents(&bot, &g2.head_sha).await, [g1.head_sha.clone(), h2]);
    let requested = payloads(&events, "merge_group", "checks_requested");
    assert_eq!(requested[0]["merge_group"]["base_ref"], "refs/heads/main");
    assert_eq!(
        requested[0]["merge_group"]["head_commit"]["id"],
        g1.head_sha.as_str()
    );
    let queue_ref = format!("/git/ref/heads/gh-readonly-queue/main/pr-{n1}-{main0}");
    assert_eq!(
        get(&bot, &queue_ref).await.body["object"]["sha"],
        g1.head_sha.as_str()
    );

    // The second group passing first merges nothing: the first goes first.
    status(&bot, &g2.head_sha, "success").await;
    assert_eq!(branch_sha(&bot, "main").await, main0);
    status(&bot, &g1.head_sha, "pending").await;
    assert_eq!(result(&bot, n1, &u1).await, enqueued);
    status(&bot, &g1.head_sha, "success").await;
    assert_eq!(branch_sha(&bot, "main").await, g2.head_sha);
    assert_eq!(result(&bot, n1, &u1).await, merged(&g1.head_sha));
    assert_eq!(result(&bot, n2, &u2).await, merged(&g2.head_sha));
    let pr = get(&bot, &format!("/pulls/{n1}")).await.body;
    assert_eq!(
        (&pr["merged"], &pr["state"]),
        (&json!(true), &json!("closed"))
    );
    assert_eq!(pr["merge_commit_sha"], g1.head_sha.as_str());
    assert_eq!(pr["merged_by"]["login"], "convoy-bot");

    let (events, _) = drain(&bot).await;
    let closed = payloads(&events, "pull_request", "closed");
    assert_eq!(closed.len(), 2);
    assert!(closed.iter().all(|p| p["pull_request"]["merged"] == true));
    let destroyed = payloads(&events, "merge_group", "destroyed");
    let reasons: Vec<_> = destroyed.iter().map(|p| p["reason"].clone()).collect();
    assert_eq!(reasons, [json!("merged"), json!("merged")]);
    assert_eq!(get(&bot, &queue_ref).await.status, 404);
    assert_eq!(get(&bot, "/branches/feat/one").await.status, 404);
    // An async merge of a merged pull request: 200 `merged`.
    let a = merge_async(&bot, n1, json!({})).await;
    assert_eq!((a.status, &a.body["status"]), (200, &json!("merged")));
}

#[tokio::test]
async fn a_failing_check_ejects_its_pull_request_and_rebuilds_the_groups_behind() {
    let sandbox = start(queued_main(), RepoSettings::default()).await;
    let bot = client(&sandbox.url(), "t-bot");
    let main0 = branch_sha(&bot, "main").await;
    let (n1, _) = open_pull(&bot, "feat/red", None).await;
    let (n2, h2) = open_pull(&bot, "feat/green", None).await;
    let u1 = enqueue(&bot, n1).await;
    let u2 = enqueue(&bot, n2).await;

    // CI fails the first group and has not reported on the second yet.
    let (_, reported) = act_as_merge_group_ci(&bot, "acme/web", "ci", |g| {
        (g.number == n1).then_some("failure")
    })
    .await;
    let [g1] = reported.as_slice() else {
        panic!("{reported:?}")
    };
    assert_eq!(result(&bot, n1, &u1).await, failed(CHECK_FAILED));
    assert_eq!(branch_sha(&bot, "main").await, main0);

    // The next pass sees the ejection and the rebuilt group, and passes it.
    let (events, reported) =
        act_as_merge_group_ci(&bot, "acme/web", "ci", |_| Some("success")).await;
    let destroyed: Vec<_> = payloads(&events, "merge_group", "destroyed")
        .iter()
        .map(|p| (p["reason"].clone(), p["merge_group"]["head_sha"].clone()))
        .collect();
    assert_eq!(destroyed[0], (json!("dequeued"), json!(g1.head_sha)));
    assert_eq!(destroyed[1].0, "invalidated");
    let dequeued = payloads(&events, "pull_request", "dequeued");
    assert_eq!(dequeued.len(), 1);
    assert_eq!(
        (dequeued[0]["number"].as_u64(), &dequeued[0]["reason"]),
        (Some(n1), &json!("CI_FAILURE"))
    );
    let [g2] = reported.as_slice() else {
        panic!("{reported:?}")
    };
    assert_eq!((g2.number, &g2.base_sha), (n2, &main0));
    assert_eq!(
        g2.head_ref,
        format!("refs/heads/gh-readonly-queue/main/pr-{n2}-{main0}")
    );
    assert_eq!(parents(&bot, &g2.head_sha).await, [main0.clone(), h2]);
    assert_eq!(result(&bot, n2, &u2).await, merged(&g2.head_sha));
    assert_eq!(branch_sha(&bot, "main").await, g2.head_sha);
    let pr1 = get(&bot, &format!("/pulls/{n1}")).await.body;
    assert_eq!(
        (&pr1["state"], &pr1["merged"]),
        (&json!("open"), &json!(false))
    );
    let file = get(&bot, "/contents/feat-red.txt?ref=main").await;
    assert_eq!(file.status, 404);
    // Ejected, it can be queued again.
    let u1 = enqueue(&bot, n1).await;
    let (_, reported) = act_as_merge_group_ci(&bot, "acme/web", "ci", |_| Some("success")).await;
    assert_eq!(reported.len(), 1);
    assert_eq!(result(&bot, n1, &u1).await, merged(&reported[0].head_sha));
}

#[tokio::test]
async fn the_plain_merge_is_refused_unless_the_caller_bypasses_the_rules() {
    let sandbox = start(queued_main(), RepoSettings::default()).await;
    let bot = client(&sandbox.url(), "t-bot");
    let bob = client(&sandbox.url(), "t-bob");
    let (n1, _) = open_pull(&bot, "feat/plain", None).await;
    let path = format!("/repos/acme/web/pulls/{n1}/merge");
    let a = call(&bot, "PUT", &path, Some(json!({}))).await;
    assert_eq!(
        (a.status, a.body["message"].as_str()),
        (405, Some("Changes must be made through the merge queue."))
    );
    // A direct async merge meets the same refusal.
    let a = merge_async(&bot, n1, json!({"merge_action": "direct_merge"})).await;
    assert_eq!(a.status, 202);
    let uuid = a.body["details"]["uuid"].as_str().unwrap();
    assert_eq!(
        result(&bot, n1, uuid).await,
        failed("Changes must be made through the merge queue.")
    );

    // bob bypasses: his plain merge goes through, and moves the base under a queued group,
    // which is rebuilt on the new tip.
    let (n2, _) = open_pull(&bot, "feat/queued", None).await;
    let u2 = enqueue(&bot, n2).await;
    let (_, groups) = drain(&bot).await;
    let old = groups.last().unwrap().clone();
    assert_eq!(call(&bob, "PUT", &path, Some(json!({}))).await.status, 200);
    let tip = branch_sha(&bot, "main").await;
    let (events, groups) = drain(&bot).await;
    assert_eq!(
        payloads(&events, "merge_group", "destroyed")[0]["reason"],
        "invalidated"
    );
    assert_eq!(groups.len(), 1);
    assert_ne!(groups[0].head_sha, old.head_sha);
    assert_eq!(groups[0].base_sha, tip);

    // A queued pull request merged past the queue leaves it, merged.
    let a = call(
        &bob,
        "PUT",
        &format!("/repos/acme/web/pulls/{n2}/merge"),
        Some(json!({})),
    )
    .await;
    assert_eq!(a.status, 200);
    let sha = a.body["sha"].as_str().unwrap();
    assert_eq!(result(&bot, n2, &u2).await, merged(sha));
    let (events, _) = drain(&bot).await;
    let dequeued = payloads(&events, "pull_request", "dequeued");
    assert_eq!(dequeued[0]["reason"], "ALREADY_MERGED");
    assert_eq!(
        payloads(&events, "merge_group", "destroyed")[0]["reason"],
        "dequeued"
    );
}

#[tokio::test]
async fn a_moved_head_cancels_the_request() {
    let sandbox = start(queued_main(), RepoSettings::default()).await;
    let bot = client(&sandbox.url(), "t-bot");
    let (n, h) = open_pull(&bot, "feat/moving", None).await;
    let h2 = push(
        &bot,
        "acme/web",
        "feat/moving",
        json!({"more.txt": "m\n"}),
        "more",
    )
    .await;
    drain(&bot).await;
    // Pinned to a stale head: accepted, then failed, never queued.
    let a = merge_async(&bot, n, json!({"sha": h})).await;
    assert_eq!(
        (a.status, &a.body["details"]["expected_head_sha"]),
        (202, &json!(h))
    );
    let uuid = a.body["details"]["uuid"].as_str().unwrap();
    assert_eq!(result(&bot, n, uuid).await, failed(HEAD_MODIFIED));
    let (events, groups) = drain(&bot).await;
    assert!(payloads(&events, "pull_request", "enqueued").is_empty());
    assert!(groups.is_empty());

    // Pushed while queued: dequeued, and its group destroyed.
    let a = merge_async(&bot, n, json!({"sha": h2})).await;
    let uuid = a.body["details"]["uuid"].as_str().unwrap().to_owned();
    push(
        &bot,
        "acme/web",
        "feat/moving",
        json!({"late.txt": "l\n"}),
        "late",
    )
    .await;
    assert_eq!(result(&bot, n, &uuid).await, failed(HEAD_MODIFIED));
    let (events, _) = drain(&bot).await;
    assert_eq!(
        payloads(&events, "merge_group", "destroyed")[0]["reason"],
        "dequeued"
    );
    assert_eq!(
        payloads(&events, "pull_request", "dequeued")[0]["reason"],
        "MANUAL"
    );

    // Closed while queued: failed.
    let uuid = enqueue(&bot, n).await;
    let closed = json!({"state": "closed"});
    call(
        &bot,
        "PATCH",
        &format!("/repos/acme/web/pulls/{n}"),
        Some(closed),
    )
    .await;
    assert_eq!(
        result(&bot, n, &uuid).await,
        failed("Pull request is closed.")
    );
    let a = merge_async(&bot, n, json!({})).await;
    assert_eq!(
        (a.status, a.body.clone()),
        (400, failed("Pull request is closed."))
    );
}

#[tokio::test]
async fn the_queue_needs_approvals_a_queue_and_a_ready_pull_request() {
    let main = BranchProtection {
        required_approving_reviews: 1,
        ..queued_main()
    };
    let sandbox = start(main, RepoSettings::default()).await;
    let bot = client(&sandbox.url(), "t-bot");
    let bob = client(&sandbox.url(), "t-bob");
    let (n, _) = open_pull(&bot, "feat/review", None).await;
    let uuid = enqueue(&bot, n).await;
    let text = "At least 1 approving review is required by reviewers with write access.";
    assert_eq!(result(&bot, n, &uuid).await, failed(text));
    let review = json!({"event": "APPROVE"});
    call(
        &bob,
        "POST",
        &format!("/repos/acme/web/pulls/{n}/reviews"),
        Some(review),
    )
    .await;
    let uuid = enqueue(&bot, n).await;
    assert_eq!(result(&bot, n, &uuid).await["status"], "enqueued");

    // `merge_queue` into a branch without a queue: accepted, then failed.
    push(
        &bot,
        "acme/web",
        "feat/staging",
        json!({"s.txt": "s\n"}),
        "s",
    )
    .await;
    let body = json!({"title": "S", "head": "feat/staging", "base": "staging"});
    let s = call(&bot, "POST", "/repos/acme/web/pulls", Some(body))
        .await
        .body;
    let s = s["number"].as_u64().unwrap();
    let a = merge_async(&bot, s, json!({"merge_action": "merge_queue"})).await;
    assert_eq!(a.status, 202);
    let uuid = a.body["details"]["uuid"].as_str().unwrap();
    let no_queue = failed("Merge queue is not enabled for this branch.");
    assert_eq!(result(&bot, s, uuid).await, no_queue);
    let a = merge_async(&bot, s, json!({"merge_action": "later"})).await;
    assert_eq!(a.status, 422);

    // A draft is refused at once, by both merges.
    push(&bot, "acme/web", "feat/draft", json!({"d.txt": "d\n"}), "d").await;
    let body = json!({"title": "D", "head": "feat/draft", "base": "main", "draft": true});
    let d = call(&bot, "POST", "/repos/acme/web/pulls", Some(body))
        .await
        .body;
    assert_eq!(d["draft"], true);
    let d = d["number"].as_u64().unwrap();
    let a = merge_async(&bot, d, json!({})).await;
    assert_eq!(
        (a.status, a.body),
        (400, failed("Pull request is still a draft."))
    );
    let a = call(
        &bob,
        "PUT",
        &format!("/repos/acme/web/pulls/{d}/merge"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (a.status, a.body["message"].as_str()),
        (405, Some("Pull Request is still a draft"))
    );
}

#[tokio::test]
async fn a_squash_queue_lands_squashed_groups_and_drops_conflicts() {
    let main = BranchProtection {
        merge_queue_method: QueueMergeMethod::Squash,
        ..queued_main()
    };
    let sandbox = start(main, RepoSettings::default()).await;
    let bot = client(&sandbox.url(), "t-bot");
    let main0 = branch_sha(&bot, "main").await;
    let (n1, _) = open_pull(&bot, "feat/a", Some(json!({"README.md": "a\n"}))).await;
    let (n2, _) = open_pull(&bot, "feat/b", Some(json!({"README.md": "b\n"}))).await;
    let a = merge_async(&bot, n1, json!({"merge_method": "rebase"})).await;
    assert_eq!(a.body["details"]["merge_method"], "squash");
    let u1 = a.body["details"]["uuid"].as_str().unwrap().to_owned();
    let u2 = enqueue(&bot, n2).await;
    // The second conflicts with the group ahead of it.
    assert_eq!(
        result(&bot, n2, &u2).await,
        failed("Merge conflict: the pull request could not be merged.")
    );
    let (events, groups) = drain(&bot).await;
    assert_eq!(
        payloads(&events, "pull_request", "dequeued")[0]["reason"],
        "MERGE_CONFLICT"
    );
    let [g1] = groups.as_slice() else {
        panic!("{groups:?}")
    };
    assert_eq!(parents(&bot, &g1.head_sha).await, [main0]);
    // CI reports with a check run this time: in progress, then a success.
    let run = json!({"name": "ci", "head_sha": g1.head_sha, "status": "in_progress"});
    let run = call(&bot, "POST", "/repos/acme/web/check-runs", Some(run)).await;
    assert_eq!(result(&bot, n1, &u1).await["status"], "enqueued");
    let id = run.body["id"].as_u64().unwrap();
    let done = json!({"conclusion": "success"});
    let path = format!("/repos/acme/web/check-runs/{id}");
    assert_eq!(call(&bot, "PATCH", &path, Some(done)).await.status, 200);
    assert_eq!(result(&bot, n1, &u1).await, merged(&g1.head_sha));
    let pr = get(&bot, &format!("/pulls/{n1}")).await.body;
    assert_eq!(pr["merge_commit_sha"], g1.head_sha.as_str());
    let commit = get(&bot, &format!("/git/commits/{}", g1.head_sha))
        .await
        .body;
    assert_eq!(commit["message"], format!("Work (#{n1})"));
    let rules = get(&bot, "/rules/branches/main").await.body;
    let queue = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "merge_queue")
        .unwrap();
    assert_eq!(queue["parameters"]["merge_method"], "SQUASH");
}
