//! What a protected organisation sets, answered as GitHub answers it: merge methods per
//! repository, automatic deletion of head branches, required approving reviews, strict required
//! checks and `update-branch`, linear history, merge queues, pull-request-only branches (refs
//! and contents), bypass actors, and the protection and rules endpoints.

use crate::sandbox_support;

use convoy::sandbox::protection::{BranchProtection, RepoSettings};
use convoy::sandbox::{Sandbox, Seed};
use sandbox_support::{Answer, call, client, push};
use serde_json::{Value, json};

fn seed_with(repo: &str, settings: RepoSettings, main: BranchProtection) -> Seed {
    let mut seed = Seed::demo();
    let r = seed.repos.iter_mut().find(|r| r.name == repo).unwrap();
    r.settings = settings;
    r.protection.insert("main".into(), main);
    seed
}

/// Opens `feat/x` → main in acme/web as the bot; returns (number, head sha).
async fn open_pull(octo: &octocrab::Octocrab, branch: &str) -> (u64, String) {
    let head = push(
        octo,
        "acme/web",
        branch,
        json!({format!("{}.txt", branch.replace('/', "-")): "x\n"}),
        "work",
    )
    .await;
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

async fn merge(octo: &octocrab::Octocrab, n: u64, method: &str) -> Answer {
    call(
        octo,
        "PUT",
        &format!("/repos/acme/web/pulls/{n}/merge"),
        Some(json!({"merge_method": method})),
    )
    .await
}

fn refused(a: &Answer) -> (u16, &str) {
    (a.status, a.body["message"].as_str().unwrap_or_default())
}

#[tokio::test]
async fn merge_methods_follow_the_repository_settings_and_linear_history() {
    let settings = RepoSettings {
        allow_merge_commit: false,
        allow_rebase_merge: false,
        ..RepoSettings::default()
    };
    let main = BranchProtection {
        linear_history: true,
        ..Default::default()
    };
    let sandbox = Sandbox::start(seed_with("acme/web", settings, main), None)
        .await
        .unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let repo = call(&octo, "GET", "/repos/acme/web", None).await;
    assert_eq!(repo.body["allow_merge_commit"], false);
    assert_eq!(repo.body["allow_squash_merge"], true);
    assert_eq!(repo.body["allow_rebase_merge"], false);
    let (n, _) = open_pull(&octo, "feat/squash").await;
    let a = merge(&octo, n, "merge").await;
    assert_eq!(
        refused(&a),
        (405, "Merge commits are not allowed on this repository.")
    );
    let a = merge(&octo, n, "rebase").await;
    assert_eq!(
        refused(&a),
        (405, "Rebase merges are not allowed on this repository.")
    );
    assert_eq!(merge(&octo, n, "squash").await.status, 200);

    // Linear history alone: merge commits refused with the branch's words.
    let main = BranchProtection {
        linear_history: true,
        ..Default::default()
    };
    let sandbox = Sandbox::start(seed_with("acme/web", RepoSettings::default(), main), None)
        .await
        .unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let (n, _) = open_pull(&octo, "feat/linear").await;
    assert_eq!(
        refused(&merge(&octo, n, "merge").await),
        (405, "This branch must not contain merge commits.")
    );
    assert_eq!(merge(&octo, n, "rebase").await.status, 200);
}

#[tokio::test]
async fn required_reviews_count_approvals_of_the_head_by_writers() {
    let main = BranchProtection {
        required_approving_reviews: 1,
        ..Default::default()
    };
    let sandbox = Sandbox::start(seed_with("acme/web", RepoSettings::default(), main), None)
        .await
        .unwrap();
    let bot = client(&sandbox.url(), "t-bot");
    let bob = client(&sandbox.url(), "t-bob");
    let (n, _) = open_pull(&bot, "feat/reviewed").await;
    let raw = call(&bot, "GET", &format!("/repos/acme/web/pulls/{n}"), None).await;
    assert_eq!(raw.body["mergeable_state"], "blocked");
    let a = merge(&bot, n, "merge").await;
    assert_eq!(
        refused(&a),
        (
            405,
            "At least 1 approving review is required by reviewers with write access."
        )
    );
    // Asking for a review: 201, listed, and a `review_requested` event.
    call(&bot, "GET", "/_sandbox/events", None).await; // drain
    let a = call(
        &bot,
        "POST",
        &format!("/repos/acme/web/pulls/{n}/requested_reviewers"),
        Some(json!({"reviewers": ["bob"]})),
    )
    .await;
    assert_eq!(a.status, 201);
    assert_eq!(a.body["requested_reviewers"][0]["login"], "bob");
    let events = call(&bot, "GET", "/_sandbox/events", None).await.body;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "pull_request"
                && e["payload"]["action"] == "review_requested"
                && e["payload"]["requested_reviewer"]["login"] == "bob")
    );
    // The author cannot approve their own pull request.
    let a = call(
        &bot,
        "POST",
        &format!("/repos/acme/web/pulls/{n}/reviews"),
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    assert_eq!(
        refused(&a),
        (422, "Review Can not approve your own pull request")
    );
    // Bob approves: the review is listed, the event is sent, the merge goes through.
    let a = call(
        &bob,
        "POST",
        &format!("/repos/acme/web/pulls/{n}/reviews"),
        Some(json!({"event": "APPROVE", "body": "ok"})),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["state"], "APPROVED");
    let events = call(&bot, "GET", "/_sandbox/events", None).await.body;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "pull_request_review"
                && e["payload"]["action"] == "submitted"
                && e["payload"]["review"]["state"] == "approved")
    );
    let list = call(
        &bot,
        "GET",
        &format!("/repos/acme/web/pulls/{n}/reviews"),
        None,
    )
    .await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    // A push makes the approval stale.
    push(
        &bot,
        "acme/web",
        "feat/reviewed",
        json!({"more.txt": "m\n"}),
        "more",
    )
    .await;
    assert_eq!(merge(&bot, n, "merge").await.status, 405);
    let a = call(
        &bob,
        "POST",
        &format!("/repos/acme/web/pulls/{n}/reviews"),
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(merge(&bot, n, "merge").await.status, 200);
}

#[tokio::test]
async fn teams_of_the_owner_are_asked_to_review_and_a_members_review_answers() {
    let main = BranchProtection {
        required_approving_reviews: 1,
        ..Default::default()
    };
    let mut seed = seed_with("acme/web", RepoSettings::default(), main);
    let team = |org: &str, slug: &str, member: &str| convoy::sandbox::seed::SeedTeam {
        org: org.into(),
        slug: slug.into(),
        name: Some(format!("{slug} team")),
        description: None,
        members: vec![member.into()],
        permission: convoy::sandbox::seed::Permission::Write,
    };
    // alice has no permission of her own on acme/web: her team gives her write.
    seed.teams = vec![
        team("acme", "release", "alice"),
        team("platform", "qa", "bob"),
    ];
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let bot = client(&sandbox.url(), "t-bot");
    let alice = client(&sandbox.url(), "t-alice");
    let (n, _) = open_pull(&bot, "feat/team").await;
    let ask = |teams: Value| {
        let bot = bot.clone();
        async move {
            call(
                &bot,
                "POST",
                &format!("/repos/acme/web/pulls/{n}/requested_reviewers"),
                Some(json!({"team_reviewers": teams})),
            )
            .await
        }
    };
    // A team of another organisation, or none at all: GitHub's collaborator refusal.
    for slug in ["qa", "ghost"] {
        assert_eq!(
            refused(&ask(json!([slug])).await),
            (
                422,
                "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/web repository."
            )
        );
    }
    call(&bot, "GET", "/_sandbox/events", None).await; // drain
    let a = ask(json!(["Release"])).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let requested = &a.body["requested_teams"];
    assert_eq!(requested.as_array().map(Vec::len), Some(1), "{requested:#}");
    assert_eq!(requested[0]["slug"], "release");
    assert_eq!(requested[0]["name"], "release team");
    assert_eq!(requested[0]["permission"], "push");
    assert!(
        requested[0]["html_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/orgs/acme/teams/release"))
    );
    // Asked once, one event; asking again changes nothing and sends nothing.
    assert_eq!(ask(json!(["release"])).await.status, 201);
    let events = call(&bot, "GET", "/_sandbox/events", None).await.body;
    let asked: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["action"] == "review_requested")
        .collect();
    assert_eq!(asked.len(), 1, "{events:#}");
    assert_eq!(asked[0]["payload"]["requested_team"]["slug"], "release");
    assert!(asked[0]["payload"].get("requested_reviewer").is_none());
    // alice, a member, approves: the team's request is answered and the merge goes through.
    let a = call(
        &alice,
        "POST",
        &format!("/repos/acme/web/pulls/{n}/reviews"),
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let pull = call(&bot, "GET", &format!("/repos/acme/web/pulls/{n}"), None).await;
    assert_eq!(pull.body["requested_teams"], json!([]));
    assert_eq!(merge(&bot, n, "merge").await.status, 200);
}

#[tokio::test]
async fn strict_checks_stay_expected_until_the_branch_is_updated() {
    let main = BranchProtection {
        required_checks: vec!["ci".into(), "lint".into()],
        strict: true,
        ..Default::default()
    };
    let sandbox = Sandbox::start(seed_with("acme/web", RepoSettings::default(), main), None)
        .await
        .unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let (n, head) = open_pull(&octo, "feat/strict").await;
    let pass = |sha: String| {
        let octo = octo.clone();
        async move {
            for ctx in ["ci", "lint"] {
                let a = call(
                    &octo,
                    "POST",
                    &format!("/repos/acme/web/statuses/{sha}"),
                    Some(json!({"state": "success", "context": ctx})),
                )
                .await;
                assert_eq!(a.status, 201);
            }
        }
    };
    assert_eq!(
        refused(&merge(&octo, n, "merge").await),
        (405, "2 of 2 required status checks are expected.")
    );
    pass(head.clone()).await;
    // main moves: the head is behind, its green checks no longer count.
    push(
        &octo,
        "acme/web",
        "main",
        json!({"main.txt": "m\n"}),
        "main moved",
    )
    .await;
    let raw = call(&octo, "GET", &format!("/repos/acme/web/pulls/{n}"), None).await;
    assert_eq!(raw.body["mergeable_state"], "behind");
    assert_eq!(
        refused(&merge(&octo, n, "merge").await),
        (405, "2 of 2 required status checks are expected.")
    );
    // update-branch: a stale expected head is refused, the right one makes a new head.
    let a = call(
        &octo,
        "PUT",
        &format!("/repos/acme/web/pulls/{n}/update-branch"),
        Some(json!({"expected_head_sha": "0".repeat(40)})),
    )
    .await;
    assert_eq!(
        refused(&a),
        (
            422,
            "expected head sha didn\u{2019}t match current head ref."
        )
    );
    let a = call(
        &octo,
        "PUT",
        &format!("/repos/acme/web/pulls/{n}/update-branch"),
        Some(json!({"expected_head_sha": head})),
    )
    .await;
    assert_eq!(a.status, 202);
    assert_eq!(a.body["message"], "Updating pull request branch.");
    let pr = call(&octo, "GET", &format!("/repos/acme/web/pulls/{n}"), None).await;
    let new_head = pr.body["head"]["sha"].as_str().unwrap().to_owned();
    assert_ne!(new_head, head);
    assert_eq!(
        refused(&merge(&octo, n, "merge").await),
        (405, "2 of 2 required status checks are expected.")
    );
    pass(new_head).await;
    assert_eq!(merge(&octo, n, "merge").await.status, 200);
}

#[tokio::test]
async fn queues_pull_request_only_branches_bypass_and_head_deletion() {
    let settings = RepoSettings {
        delete_branch_on_merge: true,
        ..RepoSettings::default()
    };
    let main = BranchProtection {
        merge_queue: true,
        pull_request_only: true,
        bypass: vec!["alice".into()],
        ..Default::default()
    };
    let mut seed = seed_with("acme/web", settings, main);
    let web = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/web")
        .unwrap();
    web.protection.insert(
        "staging".into(),
        BranchProtection {
            linear_history: true,
            ..Default::default()
        },
    );
    // Alice may write to acme/web (the demo gives her the control repo only).
    let alice = seed.users.iter_mut().find(|u| u.login == "alice").unwrap();
    alice
        .permissions
        .insert("acme/web".into(), convoy::sandbox::seed::Permission::Admin);
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let bot = client(&sandbox.url(), "t-bot");
    let alice = client(&sandbox.url(), "t-alice");

    let protection = call(
        &bot,
        "GET",
        "/repos/acme/web/branches/main/protection",
        None,
    )
    .await;
    assert_eq!(protection.status, 200);
    let rules = call(&bot, "GET", "/repos/acme/web/rules/branches/main", None).await;
    let types: Vec<&str> = rules
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    assert!(types.contains(&"merge_queue") && types.contains(&"pull_request"));
    let none = call(
        &bot,
        "GET",
        "/repos/acme/control/branches/main/protection",
        None,
    )
    .await;
    assert_eq!(refused(&none), (404, "Branch not protected"));
    let no_rules = call(&bot, "GET", "/repos/acme/control/rules/branches/main", None).await;
    assert_eq!(no_rules.body, Value::Array(vec![]));

    let (n, _) = open_pull(&bot, "feat/queued").await;
    assert_eq!(
        refused(&merge(&bot, n, "merge").await),
        (405, "Changes must be made through the merge queue.")
    );
    // The ref and contents APIs refuse the bot, not the bypass actor.
    let main_sha = call(&bot, "GET", "/repos/acme/web/git/ref/heads/main", None)
        .await
        .body["object"]["sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = call(
        &bot,
        "PATCH",
        "/repos/acme/web/git/refs/heads/main",
        Some(json!({"sha": main_sha, "force": true})),
    )
    .await;
    assert_eq!(a.status, 422);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("Changes must be made through a pull request."),
        "{:?}",
        a.body
    );
    let a = call(
        &bot,
        "PUT",
        "/repos/acme/web/contents/x.txt",
        Some(json!({"message": "x", "content": "eA==", "branch": "main"})),
    )
    .await;
    assert_eq!(a.status, 409);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Repository rule violations found")
    );
    // The bypass actor merges through the API; the head branch is deleted afterwards.
    assert_eq!(merge(&alice, n, "merge").await.status, 200);
    let gone = call(
        &bot,
        "GET",
        "/repos/acme/web/git/ref/heads/feat/queued",
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
    // A protected head branch (staging here) is kept after its merge.
    push(
        &bot,
        "acme/web",
        "staging",
        json!({"s.txt": "s\n"}),
        "staged",
    )
    .await;
    let a = call(
        &bot,
        "POST",
        "/repos/acme/web/pulls",
        Some(json!({"title": "Ship", "head": "staging", "base": "main"})),
    )
    .await;
    let n = a.body["number"].as_u64().unwrap();
    assert_eq!(merge(&alice, n, "merge").await.status, 200);
    let kept = call(&bot, "GET", "/repos/acme/web/git/ref/heads/staging", None).await;
    assert_eq!(kept.status, 200);
}

#[tokio::test]
async fn mergeable_is_null_for_the_first_reads_after_a_push() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let a = call(
        &octo,
        "PUT",
        "/_sandbox/mergeable",
        Some(json!({"null_reads": 2})),
    )
    .await;
    assert_eq!(a.status, 200);
    let (n, _) = open_pull(&octo, "feat/lag").await;
    let read = || async {
        let pr = call(&octo, "GET", &format!("/repos/acme/web/pulls/{n}"), None).await;
        (
            pr.body["mergeable"].clone(),
            pr.body["mergeable_state"].clone(),
        )
    };
    assert_eq!(read().await, (Value::Null, json!("unknown")));
    assert_eq!(read().await, (Value::Null, json!("unknown")));
    assert_eq!(read().await, (json!(true), json!("clean")));
    // The base moves: computed again in the background.
    push(
        &octo,
        "acme/web",
        "main",
        json!({"base.txt": "b\n"}),
        "base moved",
    )
    .await;
    assert_eq!(read().await.0, Value::Null);
}
