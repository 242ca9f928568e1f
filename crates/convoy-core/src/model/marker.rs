//! The hidden markers convoy writes into what it posts on GitHub: `<!-- convoy:… -->` HTML
//! comments at the top of the tracking issue, of the pull requests it opens and of its
//! comments. A marker ties a text to a release, or says "convoy already posted this", so a
//! comment is never posted twice. Pure.
//!
//! [`Marker`] is the one place that spells them: every producer renders through it and every
//! reader parses through it. Parsing is strict (a marker parses only in the exact form convoy
//! renders), but it says nothing about who wrote the text: a reader trusts a marker only in a
//! comment convoy may have posted (see `posted_by_trusted_author` in the `convoy` crate).

use std::fmt;

use super::ids::{ReleaseId, Sha};
use super::manifest::Phase;
use super::numbers::PullNumber;

/// What opens a marker's tag.
const OPEN: &str = "<!-- ";
/// What closes a marker's tag.
const CLOSE: &str = " -->";
/// What every marker's content starts with.
const PREFIX: &str = "convoy:";

/// One hidden marker. Its [`content`](Marker::content) (`convoy:…`) is what a planned comment
/// and an observed comment carry; its [`tag`](Marker::tag) (`<!-- convoy:… -->`, also its
/// `Display`) is what is written into the text on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Marker {
    /// `convoy:release=<id>`: the tracking issue of a release and the pull requests it opens.
    Release(ReleaseId),
    /// `convoy:<key>`: the call for a human about the open escalation with this key (as the
    /// manifest records it, e.g. `tier:e2e:0a1b2c3d`), posted on the tracking issue.
    Escalation(String),
    /// `convoy:reply:<comment>:<index>`: the answer to the `index`-th command of a comment.
    Reply {
        /// The id of the comment that gave the command.
        comment_id: u64,
        /// The command's index among the comment's commands.
        index: usize,
    },
    /// `convoy:deferred:<release>:<pull>`: the notice on an open pull request of a task that
    /// was deferred from a release.
    Deferred {
        /// The release the task was deferred from.
        release: ReleaseId,
        /// The pull request's number.
        pull: PullNumber,
    },
    /// `convoy:ended:<phase>`: the final summary on the tracking issue of a release that ended
    /// in this phase (`shipped`, `aborted`, `rolled_back`).
    Ended(Phase),
    /// `convoy:conflict:<short sha>`: the notice on a promotion pull request that conflicts
    /// at this head.
    Conflict {
        /// The head's short SHA.
        head: String,
    },
    /// `convoy:box=<key>`: a checkbox control in the tracking issue's body, at the end of its
    /// line (`- [ ] approve the plan gate <!-- convoy:box=approve:plan -->`); the key says which
    /// command ticking it runs (`crate::signal::Checkbox`).
    Box(String),
    /// `convoy:claim:<16 hex digits>`: the note on the tracking issue that a tier result a
    /// caller claimed (`convoy.tier-completed`) was not borne out by GitHub; the digits are the
    /// claim's key (`model::claim::TierClaim`).
    Claim(String),
    /// `convoy:ticked:<edit>:<key>`: the answer to ticking the box `key` in the edit made at
    /// `edit` (the issue's `updated_at`, Unix seconds), so an edit delivered twice is answered,
    /// and carried out, once.
    Ticked {
        /// When the edit was made (Unix seconds).
        edit: u64,
        /// The box's key.
        key: String,
    },
}

impl Marker {
    /// The marker of the notice on a promotion pull request that conflicts at `head`.
    pub fn conflict(head: &Sha) -> Marker {
        Marker::Conflict {
            head: head.short().to_owned(),
        }
    }

    /// `convoy:…`: what stands between `<!-- ` and ` -->`.
    pub fn content(&self) -> String {
        match self {
            Marker::Release(id) => format!("{PREFIX}release={id}"),
            Marker::Escalation(key) => format!("{PREFIX}{key}"),
            Marker::Reply { comment_id, index } => format!("{PREFIX}reply:{comment_id}:{index}"),
            Marker::Deferred { release, pull } => format!("{PREFIX}deferred:{release}:{pull}"),
            Marker::Conflict { head } => format!("{PREFIX}conflict:{head}"),
            Marker::Ended(phase) => format!("{PREFIX}ended:{}", phase.as_str()),
            Marker::Box(key) => format!("{PREFIX}box={key}"),
            Marker::Ticked { edit, key } => format!("{PREFIX}ticked:{edit}:{key}"),
            Marker::Claim(digits) => format!("{PREFIX}claim:{digits}"),
        }
    }

    /// `<!-- convoy:… -->`: the hidden HTML comment written into a text.
    pub fn tag(&self) -> String {
        format!("{OPEN}{}{CLOSE}", self.content())
    }

    /// The marker whose [`content`](Marker::content) is exactly `s`; `None` for anything else
    /// (another comment, a partial or malformed marker, one in a form convoy never renders).
    pub fn parse_content(s: &str) -> Option<Marker> {
        let rest = s.strip_prefix(PREFIX)?;
        let marker = if let Some(id) = rest.strip_prefix("release=") {
            Marker::Release(ReleaseId::parse(id).ok()?)
        } else if let Some(r) = rest.strip_prefix("reply:") {
            let (comment, index) = r.split_once(':')?;
            Marker::Reply {
                comment_id: number(comment)?,
                index: number(index)?,
            }
        } else if let Some(r) = rest.strip_prefix("deferred:") {
            let (release, pull) = r.rsplit_once(':')?;
            Marker::Deferred {
                release: ReleaseId::parse(release).ok()?,
                pull: PullNumber::new(number(pull)?),
            }
        } else if let Some(key) = rest.strip_prefix("box=") {
            Marker::Box(box_key(key)?)
        } else if let Some(r) = rest.strip_prefix("ticked:") {
            let (edit, key) = r.split_once(':')?;
            Marker::Ticked {
                edit: number(edit)?,
                key: box_key(key)?,
            }
        } else if let Some(digits) = rest.strip_prefix("claim:")
            && digits.len() == 16
            && digits
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Marker::Claim(digits.to_owned())
        } else if let Some(phase) = rest.strip_prefix("ended:") {
            Marker::Ended(Phase::parse(phase).filter(|p| !p.is_active())?)
        } else if let Some(head) = rest.strip_prefix("conflict:")
            && !head.is_empty()
            && head.len() <= 40
            && head.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Marker::Conflict {
                head: head.to_owned(),
            }
        } else if escalation_key(rest) {
            Marker::Escalation(rest.to_owned())
        } else {
            return None;
        };
        // Only the form convoy renders counts (no `+1`, no leading zeros, no other case).
        (marker.content() == s).then_some(marker)
    }

    /// The marker whose [`tag`](Marker::tag) is exactly `s`.
    pub fn parse_tag(s: &str) -> Option<Marker> {
        Marker::parse_content(s.strip_prefix(OPEN)?.strip_suffix(CLOSE)?)
    }

    /// The marker a text starts with (`<!-- convoy:… -->` at its very beginning, as convoy
    /// writes it), if any.
    pub fn leading(text: &str) -> Option<Marker> {
        let (content, _) = text.strip_prefix(OPEN)?.split_once(CLOSE)?;
        Marker::parse_content(content)
    }
}

impl fmt::Display for Marker {
    /// The [`tag`](Marker::tag).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tag())
    }
}

/// Digits only (so `+1` does not pass as `1`).
fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A checkbox's key as convoy writes it: 1 to 200 characters of letters, digits and
/// `: / . _ - #` (`approve:plan`, `retry:e2e-full`, `defer:acme/api#12`), no empty part.
fn box_key(key: &str) -> Option<String> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && key.split(':').all(|part| !part.is_empty())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '_' | '-' | '#'));
    ok.then(|| key.to_owned())
}

/// Whether `key` may be an escalation key: the ones convoy makes are built from repo names,
/// tier names, numbers and hex digits, joined by single `:`s (`tier:<name>:<fingerprint>`,
/// `conflict:<repo>:<pull>`, `blocked:<repo>:<pull>`, `missing-base:<repo>`,
/// `refused:<correlation id>`). The other
/// markers' prefixes are reserved: a malformed one of them is no escalation key.
fn escalation_key(key: &str) -> bool {
    key.split(':').all(|part| !part.is_empty())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '_' | '-'))
        && ![
            "release=",
            "reply:",
            "deferred:",
            "ended:",
            "box=",
            "ticked:",
            "claim:",
        ]
        .iter()
        .any(|p| key.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ReleaseId {
        ReleaseId::parse(s).unwrap()
    }

    fn all() -> Vec<(Marker, &'static str)> {
        vec![
            (
                Marker::Release(id("2026.12.0")),
                "<!-- convoy:release=2026.12.0 -->",
            ),
            (
                Marker::Escalation("tier:e2e:0a1b2c3d".to_owned()),
                "<!-- convoy:tier:e2e:0a1b2c3d -->",
            ),
            (
                Marker::Escalation("conflict:acme/api:12".to_owned()),
                "<!-- convoy:conflict:acme/api:12 -->",
            ),
            (
                Marker::Escalation("blocked:acme/api:12".to_owned()),
                "<!-- convoy:blocked:acme/api:12 -->",
            ),
            (
                Marker::Escalation("missing-base:acme/api".to_owned()),
                "<!-- convoy:missing-base:acme/api -->",
            ),
            (
                Marker::Reply {
                    comment_id: 4711,
                    index: 0,
                },
                "<!-- convoy:reply:4711:0 -->",
            ),
            (
                Marker::Deferred {
                    release: id("2026.12.0"),
                    pull: PullNumber::new(7),
                },
                "<!-- convoy:deferred:2026.12.0:7 -->",
            ),
            (
                Marker::conflict(&Sha::parse(&"ab12".repeat(10)).unwrap()),
                "<!-- convoy:conflict:ab12ab1 -->",
            ),
            (
                Marker::Ended(Phase::RolledBack),
                "<!-- convoy:ended:rolled_back -->",
            ),
            (
                Marker::Box("approve:plan".to_owned()),
                "<!-- convoy:box=approve:plan -->",
            ),
            (
                Marker::Box("defer:acme/api#12".to_owned()),
                "<!-- convoy:box=defer:acme/api#12 -->",
            ),
            (
                Marker::Ticked {
                    edit: 1_796_115_600,
                    key: "retry:e2e".to_owned(),
                },
                "<!-- convoy:ticked:1796115600:retry:e2e -->",
            ),
            (
                Marker::Claim("0a1b2c3d4e5f6a7b".to_owned()),
                "<!-- convoy:claim:0a1b2c3d4e5f6a7b -->",
            ),
        ]
    }

    #[test]
    fn every_marker_renders_and_parses_back() {
        for (marker, tag) in all() {
            assert_eq!(marker.tag(), tag);
            assert_eq!(marker.to_string(), tag);
            assert_eq!(format!("<!-- {} -->", marker.content()), tag);
            assert_eq!(Marker::parse_tag(tag), Some(marker.clone()), "{tag}");
            assert_eq!(
                Marker::parse_content(&marker.content()),
                Some(marker.clone())
            );
            let body = format!("{tag}\nconvoy needs a human");
            assert_eq!(Marker::leading(&body), Some(marker), "{body}");
        }
    }

    #[test]
    fn text_that_is_no_marker_does_not_parse() {
        for s in [
            "",
            "convoy:",
            "<!-- convoy: -->",
            "<!-- convoy -->",
            "<!-- convoy:release= -->",
            "<!-- convoy:release=r1",
            "<!-- convoy:release=r1 --",
            "<!--convoy:release=r1-->",
            " <!-- convoy:release=r1 -->",
            "<!-- convoy:release=r1 --> ",
            "<!--  convoy:release=r1 -->",
            "<!-- Convoy:release=r1 -->",
            "<!-- other:release=r1 -->",
            "<!-- convoy:release=a b -->",
            "<!-- convoy:reply:1 -->",
            "<!-- convoy:reply:x:0 -->",
            "<!-- convoy:reply:+1:0 -->",
            "<!-- convoy:reply:01:0 -->",
            "<!-- convoy:reply:1:0:2 -->",
            "<!-- convoy:reply:1:-1 -->",
            "<!-- convoy:deferred:r1 -->",
            "<!-- convoy:deferred:r1:x -->",
            "<!-- convoy:deferred::7 -->",
            "<!-- convoy:conflict: -->",
            "<!-- convoy:ended: -->",
            "<!-- convoy:ended:staging -->",
            "<!-- convoy:ended:Shipped -->",
            "<!-- convoy:tier::x -->",
            "<!-- convoy:tier: -->",
            "<!-- convoy:tier:e2e <b>x</b> -->",
            "<!-- convoy:tier:e2e\n -->",
            "<!-- convoy:status --> planning",
            "<!-- convoy:box= -->",
            "<!-- convoy:box=approve: -->",
            "<!-- convoy:box=a b -->",
            "<!-- convoy:box=<b> -->",
            "<!-- convoy:ticked:x:abort -->",
            "<!-- convoy:ticked:1 -->",
            "<!-- convoy:ticked:01:abort -->",
            "<!-- convoy:ticked:1: -->",
            "<!-- convoy:claim: -->",
            "<!-- convoy:claim:0a1b -->",
            "<!-- convoy:claim:0A1B2C3D4E5F6A7B -->",
            "<!-- convoy:claim:0a1b2c3d4e5f6a7b7 -->",
            "<!-- convoy:claim:convoy-r1-e2e-1 -->",
        ] {
            assert_eq!(Marker::parse_tag(s), None, "{s:?}");
        }
        for s in [
            "",
            "convoy needs a human",
            "text <!-- convoy:release=r1 -->",
            "\n<!-- convoy:release=r1 -->",
            "<!-- convoy:reply:x:0 -->\nok",
            "<!-- convoy:release=r1",
            "<!-- nothing -->",
        ] {
            assert_eq!(Marker::leading(s), None, "{s:?}");
        }
        for s in [
            "release=r1",
            "convoy:",
            "convoy:reply:1:",
            "<!-- convoy:x -->",
        ] {
            assert_eq!(Marker::parse_content(s), None, "{s:?}");
        }
    }

    #[test]
    fn a_text_holds_its_marker_on_the_first_line() {
        let m = Marker::leading("<!-- convoy:reply:3:1 -->\nok <!-- convoy:release=r1 -->");
        assert_eq!(
            m,
            Some(Marker::Reply {
                comment_id: 3,
                index: 1
            })
        );
    }
}
