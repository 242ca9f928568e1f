//! Pull requests: create, list, update and merge (merge, squash, rebase, asynchronous), with
//! conflicts, stale SHAs and duplicates.

use crate::sandbox_support;

use octocrab::params::pulls::MergeMethod;
use sandbox_support::{client, push, shared, status_of};
use serde_json::json;

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
