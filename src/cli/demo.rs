//! `convoy demo`: a whole release in the sandbox, driven as GitHub Actions would (see
//! [`crate::demo`]). Exit 0 only when the release shipped and every repo's base branch holds a
//! tagged merge of the SHA that was validated.

use std::path::PathBuf;
use std::process::ExitCode;

use super::error::CliError;
use crate::model::config::Directive;
use crate::model::manifest::{Phase, RepoState};

pub(super) fn run(
    directive: Directive,
    protected: bool,
    keep: Option<PathBuf>,
) -> Result<ExitCode, CliError> {
    let world = if protected {
        crate::demo::World::Protected
    } else {
        crate::demo::World::Plain
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))?;
    let started = std::time::Instant::now();
    outln!(
        "convoy demo: release demo-1 of acme/schema ← acme/api ← acme/web under the {} directive{}",
        directive.as_str(),
        if protected {
            ", in a protected organisation (required checks, a required review, squash only, a merge queue, a protected staging)"
        } else {
            ""
        }
    );
    let mut lines: Vec<String> = Vec::new();
    let outcome = runtime.block_on(async {
        let mut say = |line: String| {
            println!("{line}");
            lines.push(line);
        };
        crate::demo::run(directive, world, keep.clone(), &mut say).await
    });
    let outcome = outcome.map_err(CliError::Failure)?;
    outln!("\n{}", outcome.summary);
    let m = &outcome.manifest;
    if m.phase != Phase::Shipped || m.repos.iter().any(|r| r.state != RepoState::Shipped) {
        return Err(CliError::Failure(anyhow::anyhow!(
            "the demo release ended in {}, not shipped",
            m.phase.as_str()
        )));
    }
    outln!(
        "shipped {} in {:.1} s: {} events through `convoy run`'s path, {} API requests ({} answered 304 Not Modified, free of the rate limit); every base branch holds its validated merge, tagged {}",
        m.id,
        started.elapsed().as_secs_f64(),
        outcome.events,
        outcome.requests,
        outcome.not_modified,
        m.tag
    );
    if let Some(digest) = &outcome.lock {
        let file = crate::model::lock::Lock::file(&m.id);
        let kept = keep.as_ref().map_or_else(String::new, |dir| {
            format!(
                "; read it with `git -C {} show HEAD:{file}`",
                dir.join("acme/control.git").display()
            )
        });
        outln!(
            "the lock: {file} in acme/control, {digest}, stamped on each repo's release {}{kept}",
            m.tag
        );
    }
    if let Some(dir) = keep {
        outln!(
            "the sandbox's git repositories are kept in {}",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
