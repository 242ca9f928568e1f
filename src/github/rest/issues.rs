//! Issues, their comments and labels, and milestones.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::numbers::IssueNumber;

/// An issue (or a pull request, as the issues API lists both).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Issue {
    /// Its number.
    #[serde(deserialize_with = "de::lenient")]
    pub number: Option<IssueNumber>,
    /// Its title.
    #[serde(deserialize_with = "de::lenient")]
    pub title: Option<String>,
    /// Its body.
    #[serde(deserialize_with = "de::lenient")]
    pub body: Option<String>,
    /// `open` or `closed`.
    #[serde(deserialize_with = "de::lenient")]
    pub state: Option<String>,
    /// Why it has its state: `completed`, `not_planned` or `duplicate` when closed, `reopened`
    /// once reopened; `null` for an issue that was never closed (or closed before GitHub
    /// recorded reasons).
    #[serde(deserialize_with = "de::lenient")]
    pub state_reason: Option<String>,
    /// Its labels.
    #[serde(deserialize_with = "labels")]
    pub labels: Vec<Label>,
    /// Its milestone (`null` when it has none).
    #[serde(deserialize_with = "de::lenient")]
    pub milestone: Option<Milestone>,
    /// Whether the issues API shows a pull request here (it has a `pull_request` field).
    #[serde(rename = "pull_request", deserialize_with = "de::present")]
    pub is_pull_request: bool,
}

impl Issue {
    /// The title of the milestone it is in, if any.
    pub fn milestone_title(&self) -> Option<&str> {
        self.milestone.as_ref().and_then(|m| m.title.as_deref())
    }
}

/// A label on an issue: an object with a `name` (as GitHub answers), or a bare name (as some
/// answers and webhooks spell it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Label {
    /// The `name` of a label object.
    pub name: Option<String>,
    /// A label given as a bare string.
    pub bare: Option<String>,
}

impl Label {
    fn read(v: Value) -> Label {
        match v {
            Value::String(s) => Label {
                name: None,
                bare: Some(s),
            },
            Value::Object(mut o) => Label {
                name: match o.remove("name") {
                    Some(Value::String(s)) => Some(s),
                    _ => None,
                },
                bare: None,
            },
            _ => Label::default(),
        }
    }
}

fn labels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Label>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().map(Label::read).collect(),
        _ => Vec::new(),
    })
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Comment {
    /// Its text.
    #[serde(deserialize_with = "de::lenient")]
    pub body: Option<String>,
    /// Its author.
    #[serde(deserialize_with = "de::lenient")]
    pub user: Option<User>,
    /// Set (not `null`) when it was posted through a GitHub App.
    performed_via_github_app: Option<IgnoredAny>,
    /// The author's relation to the repository (`OWNER`, `MEMBER`, `COLLABORATOR`, …).
    #[serde(deserialize_with = "de::lenient")]
    pub author_association: Option<String>,
    /// The API URL of the issue or pull request it is on (`…/issues/{number}`).
    #[serde(deserialize_with = "de::lenient")]
    pub issue_url: Option<String>,
}

/// A GitHub account, as an author.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct User {
    /// `User` or `Bot`.
    #[serde(rename = "type", deserialize_with = "de::lenient")]
    pub kind: Option<String>,
    /// The login.
    #[serde(deserialize_with = "de::lenient")]
    pub login: Option<String>,
}

impl Comment {
    /// The number of the issue or pull request it is on, from `issue_url`.
    pub fn issue_number(&self) -> Option<IssueNumber> {
        let n: u64 = self
            .issue_url
            .as_deref()?
            .rsplit('/')
            .next()?
            .parse()
            .ok()?;
        Some(IssueNumber::new(n))
    }

    /// Whether it was posted through a GitHub App.
    pub fn via_app(&self) -> bool {
        self.performed_via_github_app.is_some()
    }

    /// Whether its author is a bot (`user.type` is `Bot`).
    pub fn by_bot(&self) -> bool {
        self.user.as_ref().and_then(|u| u.kind.as_deref()) == Some("Bot")
    }
}

/// A milestone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Milestone {
    /// Its number.
    #[serde(deserialize_with = "de::lenient")]
    pub number: Option<u64>,
    /// Its title.
    #[serde(deserialize_with = "de::lenient")]
    pub title: Option<String>,
}

#[derive(Serialize)]
struct NewIssue<'a> {
    title: &'a str,
    body: &'a str,
    labels: [&'a str; 1],
}

#[derive(Serialize)]
struct EditIssue<'a> {
    title: &'a str,
    body: &'a str,
}

#[derive(Serialize)]
struct CloseIssue<'a> {
    state: &'a str,
    state_reason: &'a str,
}

#[derive(Serialize)]
struct NewReaction<'a> {
    content: &'a str,
}

#[derive(Serialize)]
struct NewComment<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct AddLabels<'a> {
    labels: [&'a str; 1],
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Created {
    #[serde(deserialize_with = "de::lenient")]
    number: Option<IssueNumber>,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/issues/{number}`; `None` when it does not exist.
    pub async fn issue(&self, number: IssueNumber) -> Result<Option<Issue>, GhError> {
        let found = self.get_opt(&format!("/issues/{number}")).await?;
        Ok(found.map(de::object))
    }

    /// `GET /repos/{o}/{r}/issues?state=all&labels={label}`, newest first, page by page until
    /// an issue whose body holds `tag`, else to the last page (up to 10 of 100): that issue.
    pub async fn labelled_issue_with(
        &self,
        label: &str,
        tag: &str,
    ) -> Result<Option<Issue>, GhError> {
        let url = format!("/issues?state=all&labels={}", path::enc(label));
        let holds = |i: &Issue| i.body.as_deref().is_some_and(|b| b.contains(tag));
        let read = self.find_in_pages(&url, None, 10, holds).await?;
        Ok(read.into_iter().find(holds))
    }

    /// `GET /repos/{o}/{r}/issues?state=all&milestone={number}` (up to 10 pages).
    pub async fn milestone_issues(&self, milestone: u64) -> Result<Vec<Issue>, GhError> {
        let url = format!("/issues?state=all&milestone={milestone}");
        Ok(de::objects(self.get_all(&url, 10).await?))
    }

    /// `POST /repos/{o}/{r}/issues` with one label; the new issue's number when GitHub gives it.
    pub async fn create_issue(
        &self,
        title: &str,
        body: &str,
        label: &str,
    ) -> Result<Option<IssueNumber>, GhError> {
        let new = NewIssue {
            title,
            body,
            labels: [label],
        };
        let answer = self.post("/issues", &new).await?;
        Ok(de::object::<Created>(answer.body).number)
    }

    /// `PATCH /repos/{o}/{r}/issues/{number}`: a new title and body.
    pub async fn edit_issue(
        &self,
        number: IssueNumber,
        title: &str,
        body: &str,
    ) -> Result<(), GhError> {
        let edit = EditIssue { title, body };
        self.patch(&format!("/issues/{number}"), &edit)
            .await
            .map(drop)
    }

    /// `PATCH /repos/{o}/{r}/issues/{number}` with `state: closed` and GitHub's `state_reason`
    /// (`completed`, `not_planned`).
    pub async fn close_issue(
        &self,
        number: IssueNumber,
        state_reason: &str,
    ) -> Result<(), GhError> {
        let close = CloseIssue {
            state: "closed",
            state_reason,
        };
        self.patch(&format!("/issues/{number}"), &close)
            .await
            .map(drop)
    }

    /// `POST /repos/{o}/{r}/issues/comments/{comment_id}/reactions`: GitHub answers 201 for a
    /// new reaction and 200 when this account already reacted so.
    pub async fn react(&self, comment_id: u64, content: &str) -> Result<(), GhError> {
        self.post(
            &format!("/issues/comments/{comment_id}/reactions"),
            &NewReaction { content },
        )
        .await
        .map(drop)
    }

    /// [`Repo::react`], saying whether this reaction is new: GitHub answers 201 to the first
    /// reaction of an account with a content on a comment and 200 to every later one, so of
    /// several runs reacting at once exactly one hears `true`.
    pub async fn react_first(&self, comment_id: u64, content: &str) -> Result<bool, GhError> {
        let answer = self
            .post(
                &format!("/issues/comments/{comment_id}/reactions"),
                &NewReaction { content },
            )
            .await?;
        Ok(answer.status == 201)
    }

    /// `GET /repos/{o}/{r}/issues/comments/{id}`: one comment; `None` when it does not exist.
    pub async fn issue_comment(&self, id: u64) -> Result<Option<Comment>, GhError> {
        Ok(self
            .get_opt(&format!("/issues/comments/{id}"))
            .await?
            .map(de::object))
    }

    /// `GET /repos/{o}/{r}/issues/{number}/comments` (up to 10 pages).
    pub async fn comments(&self, issue: IssueNumber) -> Result<Vec<Comment>, GhError> {
        let list = self
            .get_all(&format!("/issues/{issue}/comments"), 10)
            .await?;
        Ok(de::objects(list))
    }

    /// `POST /repos/{o}/{r}/issues/{number}/comments`.
    pub async fn comment(&self, issue: IssueNumber, body: &str) -> Result<(), GhError> {
        self.post(&format!("/issues/{issue}/comments"), &NewComment { body })
            .await
            .map(drop)
    }

    /// `POST /repos/{o}/{r}/issues/{number}/labels` with one label.
    pub async fn add_label(&self, issue: IssueNumber, label: &str) -> Result<(), GhError> {
        let body = AddLabels { labels: [label] };
        self.post(&format!("/issues/{issue}/labels"), &body)
            .await
            .map(drop)
    }

    /// `DELETE /repos/{o}/{r}/issues/{number}/labels/{label}`.
    pub async fn remove_label(&self, issue: IssueNumber, label: &str) -> Result<(), GhError> {
        self.delete(&format!("/issues/{issue}/labels/{}", path::enc(label)))
            .await
            .map(drop)
    }

    /// `GET /repos/{o}/{r}/milestones?state=all` (up to 10 pages).
    pub async fn milestones(&self) -> Result<Vec<Milestone>, GhError> {
        Ok(de::objects(
            self.get_all("/milestones?state=all", 10).await?,
        ))
    }
}
