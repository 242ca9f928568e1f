//! The sandbox driven through octocrab's own methods: repos, refs, contents, commits, pulls.

use crate::sandbox_support;

use octocrab::params::pulls::MergeMethod;
use octocrab::params::repos::{Commitish, Reference};
use sandbox_support::{call, client, push, shared, status_of};
use serde_json::json;

#[tokio::test]
async fn repo_branch_and_permissions() {
    let octo = client(shared(), "t-bot");
    let repo = octo.repos("acme", "api").get().await.unwrap();
    assert_eq!(repo.full_name.as_deref(), Some("acme/api"));
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    let main = octo
        .repos("acme", "schema")
        .branches()
        .get("main")
        .await
        .unwrap();
    let staging = octo
        .repos("acme", "schema")
        .branches()
        .get("staging")
        .await
        .unwrap();
    assert_eq!(main.commit.sha, staging.commit.sha);
    assert_eq!(main.commit.sha.len(), 40);

    let perm = octo
        .repos("acme", "control")
        .get_contributor_permission("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(perm.permission, octocrab::params::teams::Permission::Admin);
    assert_eq!(perm.role_name, "admin");
    // octocrab 0.54 types `permission` as pull/push/admin/maintain/triage, but GitHub answers
    // the legacy admin/write/read/none: a write user fails typed parsing, so read it raw.
    let bob = call(
        &octo,
        "GET",
        "/repos/acme/api/collaborators/bob/permission",
        None,
    )
    .await;
    assert_eq!(bob.body["permission"], "write");
    assert_eq!(bob.body["role_name"], "write");
    assert!(
        octo.repos("acme", "api")
            .get_contributor_permission("bob")
            .send()
            .await
            .is_err()
    );

    // Unknown token: 401; a user without access: 404; read-less writes: 403/404.
    let stranger = client(shared(), "t-nobody");
    assert_eq!(
        status_of(&stranger.repos("acme", "api").get().await.unwrap_err()),
        401
    );
    let alice = client(shared(), "t-alice");
    assert_eq!(
        status_of(&alice.repos("acme", "api").get().await.unwrap_err()),
        404
    );
    assert_eq!(
        status_of(&octo.repos("acme", "nope").get().await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn refs_with_slashes() {
    let octo = client(shared(), "t-bot");
    let repos = octo.repos("acme", "web");
    let main = repos
        .get_ref(&Reference::Branch("main".into()))
        .await
        .unwrap();
    let octocrab::models::repos::Object::Commit { sha, .. } = main.object else {
        panic!()
    };
    let created = repos
        .create_ref(&Reference::Branch("rc/r1".into()), sha.clone())
        .await
        .unwrap();
    assert_eq!(created.ref_field, "refs/heads/rc/r1");
    let again = repos
        .create_ref(&Reference::Branch("rc/r1".into()), sha.clone())
        .await
        .unwrap_err();
    assert_eq!(status_of(&again), 422);

    // Branch GETs with encoded and plain slashes, contents with ?ref=rc/r1.
    let b = repos.branches().get("rc%2Fr1").await.unwrap();
    assert_eq!(b.name, "rc/r1");
    let b = repos.branches().get("rc/r1").await.unwrap();
    assert_eq!(b.commit.sha, sha);
    let items = repos
        .get_content()
        .path("README.md")
        .r#ref("rc/r1")
        .send()
        .await
        .unwrap();
    assert_eq!(items.items[0].decoded_content().as_deref(), Some("# web\n"));

    let matching = repos.list_matching_refs("heads/rc/").await.unwrap();
    assert_eq!(matching.len(), 1);

    // Fast-forward only without force.
    let new = push(&octo, "acme/web", "rc/r1", json!({"a.txt": "a\n"}), "add a").await;
    let side = push(
        &octo,
        "acme/web",
        "side/x",
        json!({"b.txt": "b\n"}),
        "add b",
    )
    .await;
    let updated = repos
        .update_ref(&Reference::Branch("rc/r1".into()), side.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&updated), 422);
    let forced = repos
        .update_ref(&Reference::Branch("rc/r1".into()), side.clone())
        .force(true)
        .send()
        .await
        .unwrap();
    let octocrab::models::repos::Object::Commit { sha: now, .. } = forced.object else {
        panic!()
    };
    assert_eq!(now, side);
    assert_ne!(new, side);
    repos
        .delete_ref(&Reference::Branch("rc/r1".into()))
        .await
        .unwrap();
    assert_eq!(
        status_of(
            &repos
                .get_ref(&Reference::Branch("rc/r1".into()))
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status_of(
            &repos
                .delete_ref(&Reference::Branch("rc/r1".into()))
                .await
                .unwrap_err()
        ),
        422
    );
}

#[tokio::test]
async fn contents_create_update_and_stale_sha() {
    let octo = client(shared(), "t-bot");
    let repos = octo.repos("acme", "control");
    let created = repos
        .create_file("releases/r1.json", "add manifest [skip ci]", "{\"v\":1}\n")
        .branch("main")
        .send()
        .await
        .unwrap();
    let sha1 = created.content.sha.clone();
    // Missing sha on update: 422; stale sha: 409.
    let missing = repos
        .create_file("releases/r1.json", "again", "{}")
        .branch("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing), 422);
    let updated = repos
        .update_file("releases/r1.json", "bump", "{\"v\":2}\n", sha1.clone())
        .branch("main")
        .send()
        .await
        .unwrap();
    assert_ne!(updated.content.sha, sha1);
    let stale = repos
        .update_file("releases/r1.json", "stale", "{\"v\":3}\n", sha1)
        .branch("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&stale), 409);

    let file = repos
        .get_content()
        .path("releases/r1.json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        file.items[0].decoded_content().as_deref(),
        Some("{\"v\":2}\n")
    );
    let dir = repos.get_content().path("releases").send().await.unwrap();
    assert_eq!(dir.items.len(), 1);
    assert_eq!(dir.items[0].r#type, "file");
    let root = repos.get_content().send().await.unwrap();
    assert!(
        root.items
            .iter()
            .any(|i| i.name == "releases" && i.r#type == "dir")
    );
    let missing = repos
        .get_content()
        .path("nope.txt")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing), 404);
}

#[tokio::test]
async fn commits_and_compare() {
    let octo = client(shared(), "t-bot");
    let base = push(
        &octo,
        "acme/schema",
        "cmp/base",
        json!({"x.txt": "1\n"}),
        "base",
    )
    .await;
    let head = push(
        &octo,
        "acme/schema",
        "cmp/head",
        json!({"y.txt": "y\n"}),
        "head 1",
    )
    .await;
    let head = {
        let _ = head;
        push(
            &octo,
            "acme/schema",
            "cmp/head",
            json!({"z.txt": "z\n"}),
            "head 2",
        )
        .await
    };
    let commit = octo.commits("acme", "schema").get(&base).await.unwrap();
    assert_eq!(commit.sha, base);
    assert_eq!(commit.commit.message, "base");
    let files = commit.files.unwrap();
    assert_eq!(files[0].filename, "x.txt");

    let cmp = octo
        .commits("acme", "schema")
        .compare("cmp/base", "cmp/head")
        .send()
        .await
        .unwrap();
    assert_eq!(cmp.ahead_by, 2);
    assert_eq!(cmp.behind_by, 1);
    assert_eq!(cmp.total_commits, 2);
    assert_eq!(cmp.commits.last().unwrap().sha, head);
    let names: Vec<_> = cmp
        .files
        .unwrap()
        .iter()
        .map(|f| f.filename.clone())
        .collect();
    assert_eq!(names, ["y.txt", "z.txt"]);
}

#[tokio::test]
async fn pulls_merge_conflict_stale_duplicate() {
    let octo = client(shared(), "t-bot");
    let pulls = octo.pulls("acme", "api");
    // Two branches change different files: a real merge holding both sides.
    push(
        &octo,
        "acme/api",
        "feat/one",
        json!({"one.txt": "one\n"}),
        "one",
    )
    .await;
    let two = push(
        &octo,
        "acme/api",
        "feat/two",
        json!({"two.txt": "two\n"}),
        "two",
    )
    .await;
    let pr1 = pulls
        .create("One", "feat/one", "staging")
        .body("first")
        .send()
        .await
        .unwrap();
    let pr2 = pulls
        .create("Two", "acme:feat/two", "staging")
        .send()
        .await
        .unwrap();
    let dup = pulls
        .create("Two again", "feat/two", "staging")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&dup), 422);

    let got = pulls.get(pr1.number).await.unwrap();
    assert_eq!(got.mergeable, Some(true));
    assert_eq!(got.merged, Some(false));

    let listed = pulls
        .list()
        .state(octocrab::params::State::Open)
        .base("staging")
        .send()
        .await
        .unwrap();
    assert!(listed.items.iter().any(|p| p.number == pr2.number));
    let by_head = pulls.list().head("acme:feat/two").send().await.unwrap();
    assert_eq!(by_head.items.len(), 1);

    let before = octo
        .repos("acme", "api")
        .branches()
        .get("staging")
        .await
        .unwrap()
        .commit
        .sha;
    let m1 = pulls
        .merge(pr1.number)
        .method(MergeMethod::Merge)
        .send()
        .await
        .unwrap();
    let stale = pulls
        .merge(pr2.number)
        .sha("0000000000000000000000000000000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&stale), 409);
    let m2 = pulls
        .merge(pr2.number)
        .sha(two.clone())
        .method(MergeMethod::Merge)
        .send()
        .await
        .unwrap();
    assert!(m1.merged && m2.merged);
    let after = octo
        .repos("acme", "api")
        .branches()
        .get("staging")
        .await
        .unwrap()
        .commit
        .sha;
    assert_eq!(after, m2.sha.clone().unwrap());
    assert_ne!(after, before);
    let merge_commit = octo.commits("acme", "api").get(&after).await.unwrap();
    assert_eq!(merge_commit.parents.len(), 2);
    let tree = octo
        .repos("acme", "api")
        .get_content()
        .path("")
        .r#ref("staging")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = tree.items.iter().map(|i| i.name.as_str()).collect();
    assert!(
        names.contains(&"one.txt") && names.contains(&"two.txt"),
        "{names:?}"
    );
    let merged = pulls.get(pr2.number).await.unwrap();
    assert_eq!(merged.merged, Some(true));
    assert_eq!(merged.merge_commit_sha.as_deref(), m2.sha.as_deref());
    let again = pulls.merge(pr2.number).send().await.unwrap_err();
    assert_eq!(status_of(&again), 405);

    // Two branches editing the same line: mergeable false, merge 405.
    push(
        &octo,
        "acme/api",
        "feat/red",
        json!({"README.md": "# api red\n"}),
        "red",
    )
    .await;
    push(
        &octo,
        "acme/api",
        "feat/blue",
        json!({"README.md": "# api blue\n"}),
        "blue",
    )
    .await;
    let red = pulls
        .create("Red", "feat/red", "main")
        .send()
        .await
        .unwrap();
    let blue = pulls
        .create("Blue", "feat/blue", "main")
        .send()
        .await
        .unwrap();
    pulls
        .merge(red.number)
        .method(MergeMethod::Squash)
        .send()
        .await
        .unwrap();
    let blue_now = pulls.get(blue.number).await.unwrap();
    assert_eq!(blue_now.mergeable, Some(false));
    assert_eq!(
        status_of(&pulls.merge(blue.number).send().await.unwrap_err()),
        405
    );

    // Update: title, body, base, state.
    let upd = pulls
        .update(blue.number)
        .title("Blue (blocked)")
        .body("conflicts")
        .base("staging")
        .send()
        .await
        .unwrap();
    assert_eq!(upd.title.as_deref(), Some("Blue (blocked)"));
    assert_eq!(upd.base.ref_field, "staging");
    let closed = pulls
        .update(blue.number)
        .state(octocrab::params::pulls::State::Closed)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.state, Some(octocrab::models::IssueState::Closed));
}

#[tokio::test]
async fn squash_and_rebase_make_new_commits() {
    let octo = client(shared(), "t-bot");
    let pulls = octo.pulls("acme", "web");
    push(&octo, "acme/web", "sq/a", json!({"sq1.txt": "1\n"}), "sq 1").await;
    let head = push(&octo, "acme/web", "sq/a", json!({"sq2.txt": "2\n"}), "sq 2").await;
    let pr = pulls
        .create("Squash me", "sq/a", "staging")
        .send()
        .await
        .unwrap();
    let m = pulls
        .merge(pr.number)
        .method(MergeMethod::Squash)
        .send()
        .await
        .unwrap();
    let c = octo
        .commits("acme", "web")
        .get(m.sha.clone().unwrap())
        .await
        .unwrap();
    assert_eq!(c.parents.len(), 1);
    assert_ne!(c.sha, head);
    assert!(c.commit.message.starts_with("Squash me (#"));

    push(&octo, "acme/web", "rb/a", json!({"rb1.txt": "1\n"}), "rb 1").await;
    let rb_head = push(&octo, "acme/web", "rb/a", json!({"rb2.txt": "2\n"}), "rb 2").await;
    let pr = pulls
        .create("Rebase me", "rb/a", "staging")
        .send()
        .await
        .unwrap();
    let m = pulls
        .merge(pr.number)
        .method(MergeMethod::Rebase)
        .send()
        .await
        .unwrap();
    let tip = octo
        .commits("acme", "web")
        .get(m.sha.clone().unwrap())
        .await
        .unwrap();
    assert_eq!(tip.commit.message, "rb 2");
    assert_ne!(tip.sha, rb_head);
    let files = octo
        .repos("acme", "web")
        .get_content()
        .path("")
        .r#ref("staging")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = files.items.iter().map(|i| i.name.clone()).collect();
    for n in ["sq1.txt", "sq2.txt", "rb1.txt", "rb2.txt"] {
        assert!(names.contains(&n.to_owned()), "{names:?}");
    }
}

#[tokio::test]
async fn statuses_and_checks() {
    let octo = client(shared(), "t-bot");
    let sha = push(
        &octo,
        "acme/schema",
        "checks/x",
        json!({"c.txt": "c\n"}),
        "checks",
    )
    .await;
    let repos = octo.repos("acme", "schema");
    repos
        .create_status(sha.clone(), octocrab::models::StatusState::Pending)
        .context("convoy/e2e".to_owned())
        .send()
        .await
        .unwrap();
    let s = repos
        .create_status(sha.clone(), octocrab::models::StatusState::Success)
        .context("convoy/e2e".to_owned())
        .description("all good".to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(s.state, octocrab::models::StatusState::Success);
    let list = repos.list_statuses(sha.clone()).send().await.unwrap();
    assert_eq!(list.items.len(), 2);
    let combined = repos
        .combined_status_for_ref(&Reference::Branch("checks/x".into()))
        .await
        .unwrap();
    assert_eq!(combined.state, octocrab::models::StatusState::Success);
    assert_eq!(combined.total_count, 1);

    let checks = octo.checks("acme", "schema");
    let run = checks
        .create_check_run("convoy", sha.clone())
        .status(octocrab::params::checks::CheckRunStatus::InProgress)
        .send()
        .await
        .unwrap();
    let done = checks
        .update_check_run(run.id)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .send()
        .await
        .unwrap();
    assert_eq!(done.conclusion.as_deref(), Some("success"));
    let listed = checks
        .list_check_runs_for_git_ref(Commitish(sha.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1);
    assert_eq!(listed.check_runs[0].id, run.id);
    let fetched = checks.get_check_run(run.id).send().await.unwrap();
    assert_eq!(fetched.name, "convoy");
}

#[tokio::test]
async fn releases_and_repository_dispatch() {
    let octo = client(shared(), "t-bot");
    let rel = octo
        .repos("acme", "schema")
        .releases()
        .create("v1.0.0")
        .name("v1.0.0")
        .body("notes")
        .send()
        .await
        .unwrap();
    assert_eq!(rel.tag_name, "v1.0.0");
    let got = octo
        .repos("acme", "schema")
        .releases()
        .get_by_tag("v1.0.0")
        .await
        .unwrap();
    assert_eq!(got.id, rel.id);
    let tag = octo
        .repos("acme", "schema")
        .get_ref(&Reference::Tag("v1.0.0".into()))
        .await
        .unwrap();
    assert_eq!(tag.ref_field, "refs/tags/v1.0.0");
    let dup = octo
        .repos("acme", "schema")
        .releases()
        .create("v1.0.0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&dup), 422);
    let missing = octo
        .repos("acme", "schema")
        .releases()
        .get_by_tag("v9")
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing), 404);
    octo.repos("acme", "control")
        .create_dispatch("convoy-tier-done")
        .client_payload(json!({"release": "r1"}))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn request_log_counts_api_calls() {
    let octo = client(shared(), "t-bot");
    octo.repos("acme", "e2e")
        .branches()
        .get("main")
        .await
        .unwrap();
    let log = call(&octo, "GET", "/_sandbox/requests", None).await;
    let hits = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/repos/acme/e2e/branches/main")
        .count();
    assert!(hits >= 1);
    let entry = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/repos/acme/e2e/branches/main")
        .unwrap();
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["status"], 200);
    assert!(entry["ms"].is_u64());
}

#[tokio::test]
async fn merge_async_reports_results() {
    use octocrab::models::pr_stacks::{AsyncMergeDetails, AsyncMergeStatus};
    let octo = client(shared(), "t-bot");
    let pulls = octo.pulls("acme", "e2e");
    push(
        &octo,
        "acme/e2e",
        "async/ok",
        json!({"ok.txt": "ok\n"}),
        "ok",
    )
    .await;
    let pr = pulls
        .create("Async", "async/ok", "main")
        .send()
        .await
        .unwrap();
    let accepted = pulls.merge_async(pr.number).send().await.unwrap();
    assert_eq!(accepted.status, AsyncMergeStatus::Pending);
    let AsyncMergeDetails::Pending { uuid, .. } = accepted.details else {
        panic!("{:?}", accepted.details)
    };
    let done = pulls
        .get_merge_async_result(pr.number, &uuid)
        .await
        .unwrap();
    assert_eq!(done.status, AsyncMergeStatus::Merged);
    let AsyncMergeDetails::Merged { sha, .. } = done.details else {
        panic!()
    };
    let staging = octo
        .repos("acme", "e2e")
        .branches()
        .get("main")
        .await
        .unwrap();
    assert_eq!(staging.commit.sha, sha);

    // A conflicting pull request: accepted, then failed with the reason.
    push(
        &octo,
        "acme/e2e",
        "async/a",
        json!({"README.md": "create table a (id int);\n"}),
        "a",
    )
    .await;
    push(
        &octo,
        "acme/e2e",
        "async/b",
        json!({"README.md": "create table b (id int);\n"}),
        "b",
    )
    .await;
    let a = pulls.create("A", "async/a", "main").send().await.unwrap();
    let b = pulls.create("B", "async/b", "main").send().await.unwrap();
    pulls.merge(a.number).send().await.unwrap();
    let accepted = pulls.merge_async(b.number).send().await.unwrap();
    let AsyncMergeDetails::Pending { uuid, .. } = accepted.details else {
        panic!()
    };
    let failed = pulls.get_merge_async_result(b.number, &uuid).await.unwrap();
    assert_eq!(failed.status, AsyncMergeStatus::Failed);
    assert_eq!(
        failed.details,
        AsyncMergeDetails::Failed {
            message: "Pull Request is not mergeable".into()
        }
    );
    assert_eq!(
        status_of(
            &pulls
                .get_merge_async_result(b.number, "nope")
                .await
                .unwrap_err()
        ),
        404
    );
}
