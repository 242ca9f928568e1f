//! GitHub Apps in the sandbox: an installation token reaches its owner's selected repositories
//! only (404 elsewhere, as on GitHub), expires after an hour of the sandbox's clock, stops
//! working once the App is uninstalled; the App acts as its `<slug>[bot]`, a bot.

use convoy::sandbox::Sandbox;
use convoy::sandbox::seed::{Repositories, SeedInstallation};
use serde_json::{Value, json};

use crate::sandbox_conformance::apps::{app_client, test_app};
use crate::sandbox_support::{call, client};

/// The demo seed with `beta/x` and `beta/y`, and the fixture App installed on `acme` (all) and
/// on `beta` (only `beta/x`).
fn two_owners() -> convoy::sandbox::Seed {
    let mut seed = convoy::sandbox::Seed::demo();
    for name in ["beta/x", "beta/y"] {
        let mut r = seed.repos[0].clone();
        r.name = name.to_owned();
        r.labels.clear();
        r.milestones.clear();
        seed.repos.push(r);
    }
    let mut app = test_app();
    app.installations.push(SeedInstallation {
        id: 72,
        account: "beta".into(),
        repositories: Repositories::Selected(vec!["beta/x".into()]),
    });
    seed.apps.push(app);
    seed
}

async fn mint(url: &str, installation: u64) -> String {
    let app = app_client(url);
    let a = call(
        &app,
        "POST",
        &format!("/app/installations/{installation}/access_tokens"),
        Some(json!({})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body["token"].as_str().unwrap().to_owned()
}

async fn status(url: &str, token: &str, path: &str) -> u16 {
    call(&client(url, token), "GET", path, None).await.status
}

#[tokio::test]
async fn a_token_reaches_its_installation_only() {
    let sandbox = Sandbox::start(two_owners(), None).await.unwrap();
    let url = sandbox.url();
    let acme = mint(&url, 71).await;
    let beta = mint(&url, 72).await;
    assert_eq!(status(&url, &acme, "/repos/acme/api").await, 200);
    assert_eq!(
        status(&url, &acme, "/repos/beta/x").await,
        404,
        "another owner"
    );
    assert_eq!(status(&url, &beta, "/repos/beta/x").await, 200);
    assert_eq!(
        status(&url, &beta, "/repos/beta/y").await,
        404,
        "not selected"
    );
    assert_eq!(status(&url, &beta, "/repos/acme/api").await, 404);
    // The installation's repositories, and where the App is installed.
    let reached = call(
        &client(&url, &beta),
        "GET",
        "/installation/repositories",
        None,
    )
    .await;
    let names: Vec<&str> = reached.body["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beta/x"]);
    let app = app_client(&url);
    let found = call(&app, "GET", "/repos/beta/y/installation", None).await;
    assert_eq!(found.status, 404, "beta/y is not selected");
    let found = call(&app, "GET", "/repos/beta/x/installation", None).await;
    assert_eq!(found.body["id"], 72);
    // Tokens are not JWTs, nor JWTs tokens.
    let wrong = call(&client(&url, &acme), "GET", "/app/installations", None).await;
    assert_eq!(
        (wrong.status, wrong.body["message"].clone()),
        (401, json!("A JSON web token could not be decoded"))
    );
    let wrong = call(&app, "GET", "/repos/acme/api", None).await;
    assert_eq!(wrong.status, 404, "a JWT reaches no repository");
    // The App writes as its bot.
    let c = call(
        &client(&url, &acme),
        "POST",
        "/repos/acme/api/issues",
        Some(json!({"title": "From the App"})),
    )
    .await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["user"]["login"], "convoy[bot]");
    assert_eq!(c.body["user"]["type"], "Bot");
}

#[tokio::test]
async fn tokens_expire_after_an_hour_and_with_their_installation() {
    let sandbox = Sandbox::start(two_owners(), None).await.unwrap();
    let url = sandbox.url();
    let bot = client(&url, "t-bot");
    let token = mint(&url, 71).await;
    let minted = call(
        &app_client(&url),
        "POST",
        "/app/installations/71/access_tokens",
        None,
    )
    .await;
    assert!(minted.body["expires_at"].as_str().unwrap().ends_with('Z'));
    let advance = |s: u32| {
        let bot = bot.clone();
        async move {
            call(
                &bot,
                "POST",
                "/_sandbox/clock",
                Some(json!({"advance_seconds": s})),
            )
            .await
        }
    };
    advance(3500).await;
    assert_eq!(status(&url, &token, "/repos/acme/api").await, 200);
    advance(100).await;
    let expired = call(&client(&url, &token), "GET", "/repos/acme/api", None).await;
    assert_eq!(
        (expired.status, &expired.body["message"]),
        (401, &Value::from("Bad credentials"))
    );
    // A fresh token works until the App is uninstalled from the owner.
    let fresh = mint(&url, 71).await;
    assert_eq!(status(&url, &fresh, "/repos/acme/api").await, 200);
    let gone = call(
        &bot,
        "DELETE",
        "/_sandbox/apps/4242/installations/acme",
        None,
    )
    .await;
    assert_eq!(gone.status, 204);
    assert_eq!(status(&url, &fresh, "/repos/acme/api").await, 401);
    let listed = call(&app_client(&url), "GET", "/app/installations", None).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "beta is left");
    // Installed again, on every repository of beta.
    let again = call(
        &bot,
        "PUT",
        "/_sandbox/apps/4242/installations/beta",
        Some(json!({"repositories": "all"})),
    )
    .await;
    assert_eq!(again.body["repository_selection"], "all");
    let beta = mint(&url, 72).await;
    assert_eq!(status(&url, &beta, "/repos/beta/y").await, 200);
}
