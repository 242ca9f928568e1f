//! The workflows convoy dispatches (tiers, auto-fix): each file is there on the ref convoy
//! dispatches, has a `workflow_dispatch` trigger that takes exactly the inputs convoy sends, and
//! carries the correlation id in its `run-name`.

use std::collections::BTreeSet;

use super::text::{code, codes, list};
use crate::doctor::facts::{Read, RepoSeen, WorkflowFacts};
use crate::doctor::finding::Finding;
use crate::doctor::scope::{RepoScope, WorkflowRole};

/// GitHub's limit on the inputs of a `workflow_dispatch` trigger.
const MAX_DISPATCH_INPUTS: usize = 25;

/// The findings about one workflow file convoy dispatches in `r`.
pub(super) fn workflow(
    r: &RepoScope,
    w: &WorkflowRole,
    seen: &RepoSeen,
    facts: &[WorkflowFacts],
    out: &mut Vec<Finding>,
) {
    let name = &r.repo;
    let path = format!(".github/workflows/{}", w.file);
    let subject = code(&path);
    let on = match (&w.git_ref, &seen.default_branch) {
        (Some(b), _) => format!("the tier's ref {}", code(b.as_str())),
        (None, Some(b)) => format!("the default branch {}", code(b.as_str())),
        (None, None) => "the default branch".to_owned(),
    };
    let labels: Vec<String> = w.uses.iter().map(|u| u.label.clone()).collect();
    let labels = list(&labels);
    let is_auto_fix = w.uses.iter().any(|u| u.label == "auto-fix");
    let example = if is_auto_fix {
        "examples/workflows/auto-fix.yml"
    } else {
        "examples/workflows/e2e-tier.yml"
    };
    let field = if is_auto_fix && w.uses.len() == 1 {
        "`auto_fix.workflow`"
    } else {
        "`tiers[].workflow`"
    };
    let fact = facts
        .iter()
        .find(|x| x.file == w.file && x.git_ref == w.git_ref);
    let file = match fact.map(|x| &x.read) {
        Some(Read::Found(Ok(file))) => file,
        Some(Read::Found(Err(why))) => {
            out.push(Finding::blocker(
                subject,
                format!("does not read as a workflow: {why}"),
                format!("GitHub cannot run it: convoy cannot dispatch {labels}"),
                format!("fix {path} in {name} (actionlint shows where)"),
            ));
            return;
        }
        Some(Read::Missing) => {
            out.push(Finding::blocker(
                subject,
                format!("not found on {on}"),
                format!(
                    "convoy dispatches {labels} with it: GitHub refuses the dispatch (404) and nothing runs"
                ),
                format!(
                    "add the workflow to {name} as {path} on {on} (start from {example}), or correct {field} in convoy.json"
                ),
            ));
            return;
        }
        Some(Read::Failed(message)) => {
            out.push(Finding::blocker(
                subject,
                format!("could not be read: {message}"),
                "doctor could not check it",
                "run convoy doctor again",
            ));
            return;
        }
        None => return,
    };
    let Some(declared) = &file.dispatch else {
        let sends: BTreeSet<&str> = w
            .uses
            .iter()
            .flat_map(|u| u.sends.iter().copied())
            .collect();
        out.push(Finding::blocker(
            subject,
            "has no `workflow_dispatch` trigger",
            format!(
                "convoy starts {labels} with a workflow_dispatch: GitHub refuses it (422) and nothing runs"
            ),
            format!(
                "add `workflow_dispatch:` under `on:` in {path} of {name}, declaring the inputs {} (as {example} does)",
                codes(sends)
            ),
        ));
        return;
    };
    let mut fine = true;
    let undeclared: BTreeSet<&str> = w
        .uses
        .iter()
        .flat_map(|u| u.sends.iter().copied())
        .filter(|i| !declared.contains_key(*i))
        .collect();
    if !undeclared.is_empty() {
        fine = false;
        out.push(Finding::blocker(
            subject.clone(),
            format!("does not declare the input(s) {}", codes(undeclared.iter().copied())),
            format!(
                "convoy sends them with every dispatch of {labels}: GitHub refuses a dispatch with an input the workflow does not declare (422 \"Unexpected inputs provided\")"
            ),
            format!(
                "declare {} under `on.workflow_dispatch.inputs` in {path} (type: string), as {example} does",
                codes(undeclared.iter().copied())
            ),
        ));
    }
    for u in &w.uses {
        let unsent: Vec<&str> = declared
            .iter()
            .filter(|(k, d)| d.required && !d.has_default && !u.sends.contains(&k.as_str()))
            .map(|(k, _)| k.as_str())
            .collect();
        if !unsent.is_empty() {
            fine = false;
            out.push(Finding::blocker(
                subject.clone(),
                format!(
                    "requires the input(s) {}, which convoy does not send for {}",
                    codes(unsent.iter().copied()),
                    u.label
                ),
                format!(
                    "GitHub refuses the dispatch of {} (422 \"Required input … not provided\")",
                    u.label
                ),
                format!(
                    "give {} a default, or make it optional (`required: false`)",
                    codes(unsent.iter().copied())
                ),
            ));
        }
    }
    if declared.len() > MAX_DISPATCH_INPUTS {
        fine = false;
        out.push(Finding::blocker(
            subject.clone(),
            format!("declares {} inputs", declared.len()),
            format!(
                "GitHub refuses a workflow_dispatch of a workflow with more than {MAX_DISPATCH_INPUTS} inputs"
            ),
            format!("declare at most {MAX_DISPATCH_INPUTS} inputs in {path}"),
        ));
    }
    if !file.run_name_has_correlation_id() {
        fine = false;
        let seen = match &file.run_name {
            Some(run_name) => format!(
                "its `run-name` {} does not mention the `correlation_id` input",
                code(run_name)
            ),
            None => "has no `run-name`: each run's title is the workflow's name".to_owned(),
        };
        out.push(Finding::blocker(
            subject.clone(),
            seen,
            format!(
                "convoy finds the run of a dispatch of {labels} by the correlation id in its title (when GitHub does not return the run's id, and after an interrupted run): it would not find the run and would dispatch again"
            ),
            format!(
                "add `run-name: \"{} ${{{{ inputs.correlation_id }}}}\"` to {path} (as {example} does)",
                w.file.trim_end_matches(".yml").trim_end_matches(".yaml")
            ),
        ));
    }
    if fine {
        let sends: BTreeSet<&str> = w
            .uses
            .iter()
            .flat_map(|u| u.sends.iter().copied())
            .collect();
        out.push(Finding::fine(
            subject,
            format!(
                "on {on}: dispatchable, declares {}, and its `run-name` carries the correlation id",
                codes(sends)
            ),
            format!("convoy dispatches {labels} with it"),
        ));
    }
}
