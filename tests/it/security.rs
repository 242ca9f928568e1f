//! Security checks against the sandbox: spoofed convoy markers in other people's comments are
//! ignored, a manifest over 1 MB round-trips through the store (GitHub leaves such files' content
//! out of the Contents API), git never reads a name from a request as an option, and a minted
//! installation token is masked before anything else is printed.

use std::time::Instant;

use convoy::demo::{SEED, sandbox_client};
use convoy::github::GhError;
use convoy::github::observe::comment_markers;
use convoy::github::store::ManifestStore;
use convoy::model::ids::{ReleaseId, RepoName};
use convoy::model::numbers::IssueNumber;
use convoy::sandbox::{Sandbox, SandboxHandle, Seed};
use convoy::validate::manifest_from_str;
use serde_json::{Value, json};

/// The demo seed plus `mallory`, who can read (and so comment on) every repository but write
/// none, like any GitHub user on a public repository.
async fn sandbox_with_outsider() -> SandboxHandle {
    let mut seed: Value = serde_json::from_str(SEED).unwrap();
    seed["users"].as_array_mut().unwrap().push(json!({
        "login": "mallory",
        "token": "t-mallory",
        "permissions": {"*": "read"}
    }));
    Sandbox::start(Seed::from_json(&seed.to_string()).unwrap(), None)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markers_in_outsiders_comments_are_ignored() {
    let sandbox = sandbox_with_outsider().await;
    let url = sandbox.url();
    let bot = sandbox_client(&url, "t-bot").unwrap();
    let mallory = sandbox_client(&url, "t-mallory").unwrap();
    let control = RepoName::parse("acme/control").unwrap();
    let issue = bot
        .post(
            "/repos/acme/control/issues",
            &json!({"title": "Release r1", "body": "<!-- convoy:release=r1 -->"}),
        )
        .await
        .unwrap()
        .body["number"]
        .as_u64()
        .map(IssueNumber::new)
        .unwrap();
    let comments = format!("/repos/acme/control/issues/{issue}/comments");
    // An outsider writes the markers convoy would look for before posting its escalation call
    // and its reply to comment 1.
    for marker in ["convoy:escalation:tier:e2e", "convoy:reply:1:0"] {
        mallory
            .post(
                &comments,
                &json!({"body": format!("<!-- {marker} -->\nnothing to see")}),
            )
            .await
            .unwrap();
    }
    let seen = comment_markers(&bot, &control, issue).await.unwrap();
    assert!(seen.is_empty(), "spoofed markers count: {seen:?}");

    // convoy's own comments (a Bot account) count.
    bot.post(
        &comments,
        &json!({"body": "<!-- convoy:escalation:tier:e2e -->\n@alice convoy needs a human"}),
    )
    .await
    .unwrap();
    let seen = comment_markers(&bot, &control, issue).await.unwrap();
    let markers: Vec<&str> = seen.iter().map(|c| c.marker.as_str()).collect();
    assert_eq!(markers, ["convoy:escalation:tier:e2e"]);

    // Someone with write access (a machine user behind a personal token) counts too.
    let bob = sandbox_client(&url, "t-bob").unwrap();
    bob.post(&comments, &json!({"body": "<!-- convoy:reply:1:0 -->\nok"}))
        .await
        .unwrap();
    let seen = comment_markers(&bot, &control, issue).await.unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn trusted_authors_are_bots_apps_and_collaborators() {
    // The comment as GitHub's answer reads it (the typed REST layer's `Comment`).
    let trusted = |comment: &Value| {
        convoy::github::observe::posted_by_trusted_author(
            &serde_json::from_value(comment.clone()).unwrap(),
        )
    };
    assert!(trusted(
        &json!({"user": {"type": "Bot"}, "author_association": "NONE"})
    ));
    assert!(trusted(
        &json!({"user": {"type": "User"}, "performed_via_github_app": {"id": 1}})
    ));
    for association in ["OWNER", "MEMBER", "COLLABORATOR"] {
        assert!(trusted(
            &json!({"user": {"type": "User"}, "author_association": association})
        ));
    }
    for association in [
        "CONTRIBUTOR",
        "FIRST_TIMER",
        "FIRST_TIME_CONTRIBUTOR",
        "NONE",
    ] {
        assert!(!trusted(&json!({
            "user": {"type": "User"},
            "author_association": association,
            "performed_via_github_app": null
        })));
    }
    assert!(!trusted(&json!({"body": "<!-- convoy:x -->"})));
}

/// The example manifest, moved to the demo control repo, grown past `bytes` with history
/// entries (copies of the last one, so the history stays in time order).
fn big_manifest(id: &str, bytes: usize) -> convoy::model::manifest::ReleaseManifest {
    let mut v: Value =
        serde_json::from_str(include_str!("../../examples/release-manifest.json")).unwrap();
    v["id"] = json!(id);
    v["control_repo"] = json!("acme/control");
    let mut entry = v["history"].as_array().unwrap().last().unwrap().clone();
    entry["detail"] = json!(format!("{} é ✓", "padding ".repeat(100)));
    let per_entry = entry.to_string().len();
    let count = bytes / per_entry + 1;
    v["history"]
        .as_array_mut()
        .unwrap()
        .extend(std::iter::repeat_n(entry, count));
    manifest_from_str(&v.to_string()).unwrap_or_else(|p| panic!("{p:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_over_1_mb_round_trips_through_the_store() {
    let sandbox = convoy::demo::start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let store = ManifestStore {
        repo: RepoName::parse("acme/control").unwrap(),
        branch: None,
    };
    let m = big_manifest("big-1", 1_500_000);
    let size = serde_json::to_string_pretty(&m).unwrap().len();
    assert!(size > 1024 * 1024, "{size} bytes");

    let start = Instant::now();
    let sha = store.save(&gh, &m, None, "a big manifest").await.unwrap();
    let saved = start.elapsed();

    // As on GitHub, the Contents API leaves a file over 1 MB out of its answer …
    let answer = gh
        .get("/repos/acme/control/contents/releases/big-1/manifest.json")
        .await
        .unwrap();
    assert_eq!(answer["content"], "");
    assert_eq!(answer["encoding"], "none");
    assert_eq!(answer["sha"], sha.as_str());

    // … so the store reads it through the blobs API.
    let start = Instant::now();
    let loaded = store
        .load(&gh, &ReleaseId::parse("big-1").unwrap())
        .await
        .unwrap()
        .expect("the manifest is there");
    let read = start.elapsed();
    assert_eq!(loaded.manifest, m);
    assert_eq!(loaded.blob_sha, sha);
    let log: Value = gh.get("/_sandbox/requests").await.unwrap();
    let paths: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/repos/acme/control/git/blobs/")),
        "{paths:?}"
    );
    println!("{size}-byte manifest: saved in {saved:?}, loaded in {read:?}");

    // A second write replaces it (compare-and-swap on the blob SHA), and reads back.
    let mut m2 = m.clone();
    m2.revision += 1;
    let sha2 = store
        .save(&gh, &m2, Some(&sha), "a bigger one")
        .await
        .unwrap();
    let loaded = store
        .load(&gh, &ReleaseId::parse("big-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.manifest.revision, m2.revision);
    assert_eq!(loaded.blob_sha, sha2);
    // The stale SHA is refused.
    assert!(store.save(&gh, &m2, Some(&sha), "stale").await.is_err());

    // The raw media type gives the bytes too.
    let raw = reqwest_raw(
        &url,
        "/repos/acme/control/contents/releases/big-1/manifest.json",
    )
    .await;
    assert_eq!(
        raw.len(),
        serde_json::to_string_pretty(&m2).unwrap().len() + 1
    );
}

/// GETs `path` with `Accept: application/vnd.github.raw` over a bare HTTP/1.1 connection.
async fn reqwest_raw(base: &str, path: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: token t-bot\r\nAccept: application/vnd.github.raw\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let body = answer[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        dechunk(&body)
    } else {
        body
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + size]);
        body = &body[eol + 2 + size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_from_requests_never_reach_git_as_options() {
    let sandbox = convoy::demo::start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let canary = std::env::temp_dir().join(format!("convoy-canary-{}", std::process::id()));
    let _ = std::fs::remove_file(&canary);
    let evil = format!("--upload-pack=touch {}", canary.display());
    let main = gh.get("/repos/acme/api/git/ref/heads/main").await.unwrap()["object"]["sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let unprocessable = |r: Result<convoy::github::client::Answer, GhError>, what: &str| match r {
        Err(GhError::Unprocessable { .. }) => {}
        other => panic!("{what}: {other:?}"),
    };

    for name in ["-x", "--output=/tmp/x", evil.as_str(), "a/-b"] {
        unprocessable(
            gh.post(
                "/repos/acme/api/git/refs",
                &json!({"ref": format!("refs/heads/{name}"), "sha": main}),
            )
            .await,
            name,
        );
        unprocessable(
            gh.post(
                "/_sandbox/repos/acme/api/commits",
                &json!({"branch": name, "files": {"x.txt": "x"}}),
            )
            .await,
            name,
        );
    }
    // A SHA that is an option: refused, never run.
    for sha in ["--all", "-p", evil.as_str()] {
        unprocessable(
            gh.post(
                "/repos/acme/api/git/refs",
                &json!({"ref": "refs/heads/ok-name", "sha": sha}),
            )
            .await,
            sha,
        );
        let enc = convoy::github::path::enc(sha);
        for path in [
            format!("/repos/acme/api/git/commits/{enc}"),
            format!("/repos/acme/api/git/blobs/{enc}"),
            format!("/repos/acme/api/contents/README.md?ref={enc}"),
            format!("/repos/acme/api/compare/{enc}...main"),
            format!("/repos/acme/api/commits/{enc}"),
        ] {
            assert!(
                matches!(
                    gh.get(&path).await,
                    Err(GhError::NotFound { .. } | GhError::Unprocessable { .. })
                ),
                "{path}"
            );
        }
    }
    // A path with a newline would forge a line of git's index input.
    unprocessable(
        gh.put(
            "/repos/acme/api/contents/a%0A100644%20e69de29bb2d1d6434b8b29ae775ad8c2e48c5391%09b",
            &json!({"message": "m", "content": "eA=="}),
        )
        .await,
        "newline path",
    );
    assert!(!canary.exists(), "git ran an option from a request");
    // The sandbox still works.
    assert!(gh.get("/repos/acme/api/git/ref/heads/main").await.is_ok());
}

/// A stand-in for GitHub's App endpoints: the App's one installation (on `acme`) and a token
/// for it; everything else is 404.
async fn fake_app_api(token: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    use axum::Router;
    use axum::routing::{get, post};
    let app = Router::new()
        .route(
            "/app/installations",
            get(|| async {
                axum::Json(
                    json!([{"id": 7, "account": {"login": "acme"}, "repository_selection": "all"}]),
                )
            }),
        )
        .route(
            "/app/installations/7/access_tokens",
            post(move || async move {
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(json!({
                        "token": token,
                        "expires_at": "2099-01-01T00:00:00Z",
                        "permissions": {"contents": "write"},
                        "repository_selection": "all"
                    })),
                )
            }),
        )
        .fallback(|| async {
            (
                axum::http::StatusCode::NOT_FOUND,
                axum::Json(json!({"message": "Not Found"})),
            )
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minted_installation_token_is_masked_before_anything_else() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("security-app");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("key.pem");
    let generated = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&key_path)
        .arg("2048")
        .output();
    if !generated.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: `openssl genrsa` is not available to make a test App key");
        return;
    }
    let key = std::fs::read_to_string(&key_path).unwrap();
    const MINTED: &str = "ghs_minted0123456789abcdefTOKEN";
    let (url, server) = fake_app_api(MINTED).await;
    let event = dir.join("event.json");
    std::fs::write(&event, "{}").unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"));
    cmd.arg("run")
        .env_clear()
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", "acme/control")
        .env("GITHUB_API_URL", &url)
        .env("GITHUB_ACTOR", "alice")
        .env("INPUT_APP-ID", "12345")
        .env("INPUT_PRIVATE-KEY", &key)
        .env("INPUT_COMMAND", "status")
        .env("INPUT_RELEASE", "r1")
        .env("INPUT_LOG-LEVEL", "trace")
        .env("RUST_LOG", "trace");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The run fails later (the fake API has no manifest); what matters is what it printed.
    let mask = format!("::add-mask::{MINTED}");
    let at = stdout
        .find(&mask)
        .unwrap_or_else(|| panic!("the minted token is not masked:\n{stdout}\n{stderr}"));
    assert_eq!(
        stdout.find(MINTED),
        Some(at + "::add-mask::".len()),
        "the token is printed before it is masked"
    );
    assert!(!stderr.contains(MINTED), "the token reaches the log");
    // Every line of the private key is masked before anything else is printed.
    for line in key.lines().filter(|l| !l.trim().is_empty()) {
        let mask = format!("::add-mask::{line}");
        let pos = stdout
            .find(&mask)
            .unwrap_or_else(|| panic!("{line} unmasked"));
        assert!(pos < at, "a key line is masked after the token");
    }
    assert!(stdout.starts_with("::add-mask::"), "{stdout}");
    let key_body = key.lines().nth(1).unwrap();
    assert!(
        !stderr.contains(key_body),
        "the private key reaches the log"
    );
}
