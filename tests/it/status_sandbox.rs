//! Every active release on one line each, through the sandbox: `status` without a release (the
//! button, and a `/convoy status` comment on any issue of the control repo), the scheduled
//! run's step summary, and `convoy status` on the command line.

use crate::action_run::{convoy_run, scratch};
use crate::scenario::Scenario;

use serde_json::{Value, json};

/// Two releases of the demo: r1 (careful) waits for its plan approval, r2 (auto) for its tasks.
async fn two_releases() -> Scenario {
    let mut s = Scenario::demo().await;
    s.create("r1", "title=\"First\"").await;
    s.create("r2", "directive=auto title=\"Second\"").await;
    s
}

/// The lines of `text` that hold one release each.
fn release_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            l.contains("**r1**")
                || l.contains("**r2**")
                || l.starts_with("r1 ")
                || l.starts_with("r2 ")
        })
        .collect()
}

fn check_lines(lines: &[&str]) {
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].contains("(First) · planning · waits for human: an approver to approve the plan"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("(Second) · development · waits for developers: tasks to merge"),
        "{}",
        lines[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_without_a_release_and_the_schedule_list_every_active_release() {
    let s = two_releases().await;
    let dir = scratch("status-dispatch");
    let dispatch = json!({"inputs": {"command": "status"}, "ref": "refs/heads/main", "repository": {"full_name": "acme/control", "name": "control", "owner": {"login": "acme"}}, "sender": {"login": "alice", "type": "User"}, "workflow": ".github/workflows/convoy.yml"});
    let run = convoy_run(&dir, &s.url, "workflow_dispatch", dispatch, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.summary
            .starts_with("## convoy · active releases (2)\n\n"),
        "{}",
        run.summary
    );
    check_lines(&release_lines(&run.summary));

    let dir = scratch("status-schedule");
    let run = convoy_run(
        &dir,
        &s.url,
        "schedule",
        json!({"schedule": "*/15 * * * *"}),
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.summary.starts_with("## convoy · active releases (2)"),
        "{}",
        run.summary
    );
    // Each release's own summary follows, with its timeline.
    assert!(
        run.summary.contains("## convoy · release r1"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("### Timeline"), "{}", run.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_comment_on_any_control_issue_is_answered_with_every_active_release() {
    let mut s = two_releases().await;
    // An issue of the control repo that is no release's tracking issue.
    let issue = s
        .bob
        .post(
            "/repos/acme/control/issues",
            &json!({"title": "Release train questions"}),
        )
        .await
        .unwrap()
        .body["number"]
        .as_u64()
        .unwrap();
    s.bot
        .post(
            &format!("/_sandbox/repos/acme/control/issues/{issue}/comments"),
            &json!({"user": "bob", "body": "Where are we?\n/convoy status"}),
        )
        .await
        .unwrap();
    let events = s.bot.get("/_sandbox/events").await.unwrap();
    let comment: Value = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "issue_comment")
        .expect("GitHub delivers the comment")["payload"]
        .clone();
    let dir = scratch("status-comment");
    for _ in 0..2 {
        // Delivered twice: answered once.
        let run = convoy_run(&dir, &s.url, "issue_comment", comment.clone(), &[]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let answers = s
        .comments(
            "acme/control",
            convoy::model::numbers::IssueNumber::new(issue),
        )
        .await;
    let answers: Vec<&String> = answers
        .iter()
        .filter(|c| c.contains("Active releases"))
        .collect();
    assert_eq!(answers.len(), 1, "{answers:#?}");
    assert!(
        answers[0].starts_with("<!-- convoy:reply:"),
        "{}",
        answers[0]
    );
    assert!(
        answers[0].contains("**Active releases** (2):"),
        "{}",
        answers[0]
    );
    check_lines(&release_lines(answers[0]));
    s.deliver().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn convoy_status_prints_one_line_per_release() {
    let s = two_releases().await;
    let config = crate::action_run::scratch("status-cli").join("convoy.json");
    let seed: Value = serde_json::from_str(convoy::demo::SEED).unwrap();
    let text = seed["repos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "acme/control")
        .unwrap()["files"]["convoy.json"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(&config, text).unwrap();
    let url = s.url.clone();
    let status = |format: &'static str| {
        let config = config.clone();
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_convoy"))
                .args([
                    "status",
                    "--config",
                    config.to_str().unwrap(),
                    "--api-url",
                    &url,
                    "--format",
                    format,
                ])
                .env_remove("GITHUB_REPOSITORY")
                .env("GITHUB_TOKEN", "t-bot")
                .output()
                .unwrap()
        })
    };
    let out = status("text").await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("r1 (First) · planning · waits for human: "),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("r2 (Second) · development · waits for developers: "),
        "{stdout}"
    );

    let out = status("json").await.unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["release"], "r1");
    assert_eq!(v[0]["phase"], "planning");
    assert_eq!(v[0]["waits"][0]["who"], "human");
    assert_eq!(v[1]["waits"][0]["who"], "developers");

    // Nothing was written: a dry run of the scheduled run.
    let events = s.bot.get("/_sandbox/events").await.unwrap();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] != "issues"),
        "convoy status changed an issue: {events:#}"
    );
}
