//! The tracking issue's checkbox controls in the demo: the boxes the issue offers, and a person
//! ticking one as GitHub's page does (an edit of the body that turns `[ ]` into `[x]`, which
//! GitHub delivers as an `issues` `edited` event).

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::github::client::GitHub;
use crate::model::marker::Marker;
use crate::model::numbers::IssueNumber;

/// The checkbox lines of a body, as a person reads them (the hidden markers left out).
pub fn box_lines(body: &str) -> Vec<String> {
    body.lines()
        .filter(|l| l.trim_start().starts_with("- [") && l.contains("<!-- convoy:box="))
        .map(|l| match l.rfind("<!-- ") {
            Some(at) => l[..at].trim_end().to_owned(),
            None => l.to_owned(),
        })
        .collect()
}

/// The tracking issue `control#issue`'s body.
pub async fn body(gh: &GitHub, control: &str, issue: IssueNumber) -> anyhow::Result<String> {
    let i = gh.get(&format!("/repos/{control}/issues/{issue}")).await?;
    Ok(i.get("body")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned())
}

/// `who` ticks the box whose key is `key` in the tracking issue `control#issue`, as GitHub's
/// page does: the body edited with that box's `[ ]` turned into `[x]`. Returns the box's line as
/// a person reads it.
pub async fn tick(
    who: &GitHub,
    control: &str,
    issue: IssueNumber,
    key: &str,
) -> anyhow::Result<String> {
    let text = body(who, control, issue).await?;
    let marker = Marker::Box(key.to_owned()).tag();
    let line = text
        .lines()
        .find(|l| l.trim_end().ends_with(&marker) && l.contains("- [ ]"))
        .with_context(|| format!("{control}#{issue} offers no box `{key}`"))?
        .to_owned();
    let ticked = text.replacen(&line, &line.replacen("- [ ]", "- [x]", 1), 1);
    who.patch(
        &format!("/repos/{control}/issues/{issue}"),
        &json!({ "body": ticked }),
    )
    .await?;
    Ok(box_lines(&line).concat())
}
