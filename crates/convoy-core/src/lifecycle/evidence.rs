//! Whether a run GitHub shows is the run convoy dispatched: the one test every tier result
//! passes before it counts, whoever brought the news (a callback, a `workflow_run` event, the
//! scheduled look).
//!
//! convoy dispatches a tier with `workflow_dispatch` of one workflow file, in one repository, on
//! one ref, with a correlation id the workflow echoes in the run's title (`run-name`), and
//! follows the run by its id once it has seen it. A run is that run when GitHub shows all of it:
//! the repository, the run id once recorded, the correlation id in the title (as a whole word),
//! the workflow file (`path`), the event (`workflow_dispatch`) and, when the tier names a
//! `ref`, the branch (`head_branch`). The member SHAs under test are bound by the correlation
//! id, whose fingerprint is theirs: a run on other SHAs carries another id. GitHub always sends
//! `path`, `event` and `head_branch`; a hand-built observation that leaves them out is not
//! checked on them.

use super::observed::ObservedRun;
use crate::model::ids::BranchName;
use crate::model::manifest::{ReleaseManifest, RunKind, TierRun};

/// The branch convoy dispatched `run` on, when the tier names one (`tiers[].ref`); `None` for
/// the repository's default branch (and for auto-fix runs), which convoy does not read here.
pub fn dispatched_ref<'m>(m: &'m ReleaseManifest, run: &TierRun) -> Option<&'m BranchName> {
    match run.kind {
        RunKind::Tier => m.tier(&run.tier).and_then(|t| t.git_ref.as_ref()),
        RunKind::AutoFix => None,
    }
}

/// Why `seen` is not the run convoy dispatched as `run` (on `git_ref`), as a clause about it
/// ("its title does not hold …"); `None` when it is. Text GitHub shows of the run is quoted
/// inert ([`code`]).
pub fn mismatch(run: &TierRun, git_ref: Option<&BranchName>, seen: &ObservedRun) -> Option<String> {
    let workflow = format!(".github/workflows/{}", run.workflow);
    if seen.repo != run.repo {
        return Some(format!("it runs in {}, not in {}", seen.repo, run.repo));
    }
    if let Some(id) = run.run_id
        && seen.run_id != id
    {
        return Some(format!(
            "convoy follows run {id} of {} for {}",
            run.repo,
            code(&run.correlation_id)
        ));
    }
    if !holds(&seen.title, &run.correlation_id) {
        return Some(format!(
            "its title {} does not hold {}",
            code(&seen.title),
            code(&run.correlation_id)
        ));
    }
    if let Some(path) = &seen.path
        && path != &workflow
        && !path
            .strip_prefix(&workflow)
            .is_some_and(|p| p.starts_with('@'))
    {
        return Some(format!("it runs {}, not {}", code(path), code(&workflow)));
    }
    if let Some(event) = &seen.event
        && event != "workflow_dispatch"
    {
        return Some(format!(
            "it was started by {}, not by a workflow dispatch",
            code(event)
        ));
    }
    if let (Some(branch), Some(wanted)) = (&seen.head_branch, git_ref)
        && branch != wanted.as_str()
    {
        return Some(format!(
            "it ran on branch {}, not on {}",
            code(branch),
            code(wanted.as_str())
        ));
    }
    None
}

/// Whether `title` holds `id` as a whole word: not inside a longer id (`…-1-0a1b2c3d` is not
/// in `…-1-0a1b2c3d9`, nor `convoy-r1-…` in `xconvoy-r1-…`).
pub fn holds(title: &str, id: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    title.match_indices(id).any(|(i, _)| {
        let before = title[..i].chars().next_back();
        let after = title[i + id.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// `text` as an inert code span: one line, at most 80 characters, backticks turned into `'` so
/// the span cannot be closed (inside it, no HTML, link or mention renders).
pub fn code(text: &str) -> String {
    let shown: String = text
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .take(80)
        .collect();
    let cut = if text.chars().count() > 80 { "…" } else { "" };
    format!("`{shown}{cut}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::TierPhase;
    use crate::model::ids::{RepoName, TierName};
    use crate::model::manifest::RunStatus;
    use crate::model::numbers::RunId;
    use crate::model::time::Timestamp;

    const ID: &str = "convoy-r1-e2e-1-0a1b2c3d";

    fn run(run_id: Option<u64>) -> TierRun {
        TierRun {
            tier: TierName::parse("e2e").unwrap(),
            kind: RunKind::Tier,
            phase: TierPhase::Validation,
            attempt: 1,
            correlation_id: ID.to_owned(),
            repo: RepoName::parse("acme/e2e").unwrap(),
            workflow: "e2e.yml".to_owned(),
            run_id: run_id.map(RunId::new),
            url: None,
            shas: Default::default(),
            status: RunStatus::Queued,
            conclusion: None,
            superseded: false,
            dispatched_at: Timestamp::from_unix_seconds(1_796_115_600).unwrap(),
            completed_at: None,
            refusal: None,
        }
    }

    fn seen(id: u64, title: &str) -> ObservedRun {
        ObservedRun {
            repo: RepoName::parse("acme/e2e").unwrap(),
            run_id: RunId::new(id),
            title: title.to_owned(),
            status: RunStatus::InProgress,
            conclusion: None,
            url: None,
            path: Some(".github/workflows/e2e.yml".to_owned()),
            event: Some("workflow_dispatch".to_owned()),
            head_branch: Some("main".to_owned()),
        }
    }

    #[test]
    fn the_run_convoy_dispatched_is_it() {
        let title = format!("e2e e2e for r1 attempt 1 [{ID}]");
        let main = BranchName::parse("main").unwrap();
        assert_eq!(mismatch(&run(None), None, &seen(7, &title)), None);
        assert_eq!(mismatch(&run(Some(7)), Some(&main), &seen(7, &title)), None);
        assert_eq!(mismatch(&run(None), None, &seen(7, ID)), None);
        // A reusable workflow's path carries the ref it was called at.
        let mut at = seen(7, &title);
        at.path = Some(".github/workflows/e2e.yml@refs/heads/main".to_owned());
        assert_eq!(mismatch(&run(None), None, &at), None);
        // A hand-built observation without GitHub's fields is checked on the rest.
        let mut bare = seen(7, ID);
        (bare.path, bare.event, bare.head_branch) = (None, None, None);
        assert_eq!(mismatch(&run(None), Some(&main), &bare), None);
    }

    #[test]
    fn any_other_run_is_not_and_says_why() {
        let title = format!("[{ID}]");
        let main = BranchName::parse("main").unwrap();
        let r = run(None);
        let followed = run(Some(7));
        let cases: Vec<(ObservedRun, Option<&BranchName>, &TierRun, &str)> = vec![
            (seen(8, &title), None, &followed, "convoy follows run 7"),
            (
                seen(7, "[convoy-r1-e2e-1-0a1b2c3d9]"),
                None,
                &r,
                "does not hold",
            ),
            (
                seen(7, "[xconvoy-r1-e2e-1-0a1b2c3d]"),
                None,
                &r,
                "does not hold",
            ),
            (
                seen(7, "[convoy-r1-e2e-2-0a1b2c3d]"),
                None,
                &r,
                "does not hold",
            ),
            (seen(7, "e2e"), None, &r, "does not hold"),
            (
                ObservedRun {
                    path: Some(".github/workflows/other.yml".to_owned()),
                    ..seen(7, &title)
                },
                None,
                &r,
                "it runs `.github/workflows/other.yml`, not `.github/workflows/e2e.yml`",
            ),
            (
                ObservedRun {
                    path: Some(".github/workflows/e2e.yml.bak".to_owned()),
                    ..seen(7, &title)
                },
                None,
                &r,
                "it runs",
            ),
            (
                ObservedRun {
                    event: Some("push".to_owned()),
                    ..seen(7, &title)
                },
                None,
                &r,
                "started by `push`",
            ),
            (
                ObservedRun {
                    head_branch: Some("evil".to_owned()),
                    ..seen(7, &title)
                },
                Some(&main),
                &r,
                "ran on branch `evil`, not on `main`",
            ),
            (
                ObservedRun {
                    repo: RepoName::parse("acme/other").unwrap(),
                    ..seen(7, &title)
                },
                None,
                &r,
                "it runs in acme/other",
            ),
        ];
        for (seen, git_ref, run, why) in cases {
            let said = mismatch(run, git_ref, &seen).unwrap_or_default();
            assert!(said.contains(why), "{said:?} should say {why:?}");
        }
    }

    #[test]
    fn text_from_a_run_is_quoted_inert() {
        let shown = code("x` <b>@all</b>\n[link](https://evil)");
        assert_eq!(shown, "`x' <b>@all</b> [link](https://evil)`");
        assert_eq!(code(&"a".repeat(100)).chars().count(), 80 + 3);
    }
}
