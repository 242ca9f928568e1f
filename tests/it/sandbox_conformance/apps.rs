//! Conformance of the GitHub App endpoints: installations and installation tokens (as the App,
//! with its JWT), the repositories a token reaches (as the installation), and GitHub's 401s for
//! a forged or expired JWT.

use octocrab::Octocrab;
use serde_json::{Value, json};

use super::checker::Checker;
use crate::sandbox_support::client;

/// The test App of the seed fixture (`tests/fixtures/sandbox/app.json`).
pub(crate) const APP: &str = include_str!("../../fixtures/sandbox/app.json");

/// The fixture App, as a seed entry.
pub(crate) fn test_app() -> convoy::sandbox::seed::SeedApp {
    serde_json::from_str(APP).unwrap()
}

/// An octocrab client authenticated as the fixture App (it signs a JWT per request).
pub(crate) fn app_client(url: &str) -> Octocrab {
    let app = test_app();
    let key = octocrab::EncodingKey::from_rsa_pem(app.private_key.unwrap().as_bytes()).unwrap();
    Octocrab::builder()
        .base_uri(url)
        .unwrap()
        .app(octocrab::models::AppId(app.id), key)
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .build()
        .unwrap()
}

/// A JWT of the fixture App with the given claims.
pub(crate) fn jwt(claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(test_app().private_key.unwrap().as_bytes())
        .unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        claims,
        &key,
    )
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Installations, tokens and their reach; the JWT refusals.
pub(super) async fn apps(c: &mut Checker, url: &str) {
    let bot = std::mem::replace(&mut c.octo, app_client(url));
    let list = c
        .ex(
            "apps/list-installations",
            "GET",
            "/app/installations",
            None,
            200,
        )
        .await;
    assert_eq!(list[0]["account"]["login"], "acme", "{list}");
    c.ex(
        "apps/get-repo-installation",
        "GET",
        "/repos/acme/api/installation",
        None,
        200,
    )
    .await;
    let token = c
        .ex(
            "apps/create-installation-access-token",
            "POST",
            "/app/installations/71/access_tokens",
            Some(json!({})),
            201,
        )
        .await;
    c.ex(
        "apps/create-installation-access-token",
        "POST",
        "/app/installations/71/access_tokens",
        Some(json!({"repositories": ["api"], "permissions": {"contents": "read"}})),
        201,
    )
    .await;
    c.ex(
        "apps/create-installation-access-token",
        "POST",
        "/app/installations/9999/access_tokens",
        Some(json!({})),
        404,
    )
    .await;
    // A forged signature, and an expired JWT: GitHub's 401s.
    let forged = format!(
        "{}x",
        jwt(&json!({"iss": 4242, "iat": now() - 60, "exp": now() + 300}))
    );
    c.octo = client(url, &forged);
    let refused = c
        .ex(
            "apps/create-installation-access-token",
            "POST",
            "/app/installations/71/access_tokens",
            None,
            401,
        )
        .await;
    assert_eq!(refused["message"], "A JSON web token could not be decoded");
    c.octo = client(
        url,
        &jwt(&json!({"iss": 4242, "iat": now() - 900, "exp": now() - 300})),
    );
    let refused = c
        .ex(
            "apps/create-installation-access-token",
            "POST",
            "/app/installations/71/access_tokens",
            None,
            401,
        )
        .await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("'Expiration time' claim ('exp')"),
        "{refused}"
    );
    // The installation's token lists what it reaches.
    c.octo = client(url, token["token"].as_str().unwrap());
    let reached = c
        .ex(
            "apps/list-repos-accessible-to-installation",
            "GET",
            "/installation/repositories",
            None,
            200,
        )
        .await;
    assert_eq!(reached["repository_selection"], "all");
    assert!(reached["total_count"].as_u64().unwrap() >= 5, "{reached}");
    c.octo = bot;
}
