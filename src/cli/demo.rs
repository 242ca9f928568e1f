//! `convoy demo`: a whole release of the example config, played in memory.
//!
//! Developers land two tasks, an approver answers each human gate (careful), every tier passes,
//! and convoy reconciles after every event, exactly through `decide`. The GitHub here is the
//! in-memory [`World`]; the sandbox-backed demo (real git, real HTTP) replaces it later.

use std::process::ExitCode;

use anyhow::Context as _;

use super::CliError;
use crate::lifecycle::observed::{Observed, ObservedPermission};
use crate::lifecycle::simulate::{World, rehearse};
use crate::model::config::{Directive, Permission};
use crate::model::create::CreateRequest;
use crate::model::ids::{IssueRef, Login, ReleaseId};
use crate::model::manifest::{Phase, ReleaseManifest};
use crate::model::time::Timestamp;
use crate::signal::CreateArgs;

const EXAMPLE: &str = include_str!("../../examples/convoy.json");

pub(super) fn run(directive: Directive) -> Result<ExitCode, CliError> {
    let config = crate::validate::config_from_str(EXAMPLE).map_err(|p| {
        CliError::Failure(anyhow::anyhow!(
            "the built-in example config is invalid: {p:?}"
        ))
    })?;
    let now = Timestamp::parse("2026-12-01T09:00:00Z").map_err(anyhow::Error::msg)?;
    let captain = Login::parse("release-captain").map_err(anyhow::Error::from)?;
    let tasks = ["acme/api#12", "acme/web#7"]
        .iter()
        .map(|t| IssueRef::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    let control = config
        .control_repo
        .clone()
        .context("the example names its control repo")?;
    let manifest = ReleaseManifest::create(
        &config,
        CreateRequest {
            id: ReleaseId::parse("demo-1").map_err(anyhow::Error::from)?,
            control_repo: control,
            actor: captain.clone(),
            now,
            args: CreateArgs {
                title: Some("Orders v2".to_owned()),
                directive: Some(directive),
                tasks,
                ..CreateArgs::default()
            },
            gathered: Vec::new(),
        },
    )
    .map_err(anyhow::Error::from)?;

    let mut world = World::new(Observed::default());
    for r in &manifest.repos {
        let head = world.push(&r.name, &r.base);
        world.set_head(&r.name, &r.staging, head);
    }
    world.observed.permissions.push(ObservedPermission {
        login: captain.clone(),
        permission: Permission::Admin,
    });

    outln!(
        "convoy demo: release demo-1 of {} repos under the {} directive (in-memory GitHub)\n",
        manifest.repos.len(),
        directive.as_str()
    );
    let r = rehearse(manifest, world, &captain, now, 200, true);
    for (i, step) in r.steps.iter().enumerate() {
        let shown: Vec<_> = step
            .actions
            .iter()
            .filter(|a| a.action.kind() != "upsert_tracking_issue")
            .collect();
        if step.from == step.to && shown.is_empty() {
            continue;
        }
        let phase = if step.from == step.to {
            step.to.as_str().to_owned()
        } else {
            format!("{} → {}", step.from.as_str(), step.to.as_str())
        };
        outln!("step {:>2} {:<10} {phase}", i + 1, step.signal);
        for a in shown {
            let after: Vec<String> = a.after.iter().map(|x| format!("#{x}")).collect();
            let after = if after.is_empty() {
                String::new()
            } else {
                format!(" (after {})", after.join(", "))
            };
            outln!(
                "    #{:<2} {} {}{after} — {}",
                a.id,
                a.action.kind(),
                a.action.target(),
                a.reason
            );
        }
    }
    let waits = Vec::new();
    outln!("\n{}", crate::report::tracking_body(&r.manifest, &waits));
    if r.manifest.phase != Phase::Shipped {
        return Err(CliError::Failure(anyhow::anyhow!(
            "the demo release ended in {}, not shipped",
            r.manifest.phase.as_str()
        )));
    }
    for repo in &r.manifest.repos {
        let shipped = repo
            .shas
            .shipped
            .as_ref()
            .context("a shipped repo has a shipped SHA")?;
        let tagged = r
            .world
            .observed
            .releases
            .iter()
            .any(|x| x.repo == repo.name && x.tag == r.manifest.tag);
        if r.world.observed.head(&repo.name, &repo.base) != Some(shipped) || !tagged {
            return Err(CliError::Failure(anyhow::anyhow!(
                "{} was not shipped as validated",
                repo.name
            )));
        }
    }
    outln!(
        "shipped: every repo's {} holds its validated merge, tagged {}",
        "base branch",
        r.manifest.tag
    );
    Ok(ExitCode::SUCCESS)
}
