//! What `convoy doctor` checks, from `convoy.json` alone: every repository a release touches,
//! with the part it plays (control repo, member, tier or auto-fix workflow). Pure.

use serde::Serialize;

use crate::model::config::{Config, MergeMethod, ReviewPolicy};
use crate::model::ids::{BranchName, RepoName, Reviewer};

/// The inputs convoy sends every tier dispatch (`docs/release-strategy.md`, "Inputs sent").
pub const TIER_INPUTS: [&str; 5] = ["release", "tier", "attempt", "correlation_id", "refs"];
/// The inputs convoy sends an auto-fix dispatch: a tier's, plus `run_url`.
pub const AUTO_FIX_INPUTS: [&str; 6] = [
    "release",
    "tier",
    "attempt",
    "correlation_id",
    "refs",
    "run_url",
];

/// Everything to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// The repositories, each once: the control repo, the members, the workflow repos.
    pub repos: Vec<RepoScope>,
    /// `ship.merge_method`: the method convoy prefers where a repository allows it.
    pub preferred_method: MergeMethod,
    /// `reviews`: how convoy waits for required reviews.
    pub reviews: ReviewPolicy,
    /// The RC branch's name, with `<id>` for the release (`rc/<id>`).
    pub rc_branch: String,
}

/// One repository and the parts it plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoScope {
    /// The repository.
    pub repo: RepoName,
    /// It is the control repo.
    pub control: Option<ControlRole>,
    /// It is a member.
    pub member: Option<MemberRole>,
    /// The workflows convoy dispatches here.
    pub workflows: Vec<WorkflowRole>,
}

/// The control repo's part: convoy reads its config there and writes manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRole {
    /// The config file's path (`config` input), when its presence is to be checked.
    pub config_file: Option<String>,
    /// The branch manifests are written to (`state-branch`); `None`: the default branch.
    pub state_branch: Option<BranchName>,
}

/// A member's part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRole {
    /// The branch releases ship to.
    pub base: BranchName,
    /// The staging branch.
    pub staging: BranchName,
    /// `repos[].merge_method`, when the config sets one.
    pub merge_method: Option<MergeMethod>,
    /// `repos[].reviewers`.
    pub reviewers: Vec<Reviewer>,
}

/// A workflow convoy dispatches: a tier's or the auto-fix's (one file may serve several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowRole {
    /// The file name in `.github/workflows/`.
    pub file: String,
    /// The ref it runs on (`tiers[].ref`); `None`: the repository's default branch.
    pub git_ref: Option<BranchName>,
    /// Who dispatches it: `tier smoke`, `auto-fix`, with the inputs each sends.
    pub uses: Vec<WorkflowUse>,
}

/// One use of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowUse {
    /// `tier smoke`, or `auto-fix`.
    pub label: String,
    /// The inputs convoy sends it.
    pub sends: Vec<&'static str>,
}

impl RepoScope {
    fn new(repo: &RepoName) -> Self {
        RepoScope {
            repo: repo.clone(),
            control: None,
            member: None,
            workflows: Vec::new(),
        }
    }

    /// The parts it plays, in words (`control repo`, `member`, `tier smoke`, `auto-fix`).
    pub fn roles(&self) -> Vec<String> {
        let mut roles = Vec::new();
        if self.control.is_some() {
            roles.push("control repo".to_owned());
        }
        if self.member.is_some() {
            roles.push("member".to_owned());
        }
        for w in &self.workflows {
            roles.extend(w.uses.iter().map(|u| u.label.clone()));
        }
        roles
    }

    /// The branches to read here: the member's base and staging, the control repo's state
    /// branch when one is named.
    pub fn branches(&self) -> Vec<BranchName> {
        let mut out: Vec<BranchName> = Vec::new();
        let named = self
            .member
            .iter()
            .flat_map(|m| [&m.base, &m.staging])
            .chain(self.control.iter().flat_map(|c| c.state_branch.as_ref()));
        for b in named {
            if !out.contains(b) {
                out.push(b.clone());
            }
        }
        out
    }
}

/// The scope of `config`, whose control repo is `control`; `state_branch` is the `state-branch`
/// input, `config_file` the config's path in the control repo when its presence is to be checked.
pub fn scope(
    config: &Config,
    control: &RepoName,
    state_branch: Option<&BranchName>,
    config_file: Option<&str>,
) -> Scope {
    let mut repos: Vec<RepoScope> = Vec::new();
    fn entry<'a>(repos: &'a mut Vec<RepoScope>, repo: &RepoName) -> &'a mut RepoScope {
        let i = match repos.iter().position(|r| &r.repo == repo) {
            Some(i) => i,
            None => {
                repos.push(RepoScope::new(repo));
                repos.len() - 1
            }
        };
        &mut repos[i]
    }
    entry(&mut repos, control).control = Some(ControlRole {
        config_file: config_file.map(str::to_owned),
        state_branch: state_branch.cloned(),
    });
    for r in &config.repos {
        entry(&mut repos, &r.name).member = Some(MemberRole {
            base: r.base.clone(),
            staging: r.staging.clone(),
            merge_method: r.merge_method,
            reviewers: r.reviewers.clone(),
        });
    }
    let dispatched = config
        .tiers
        .iter()
        .map(|t| {
            (
                &t.repo,
                &t.workflow,
                t.git_ref.clone(),
                format!("tier {}", t.name),
                &TIER_INPUTS[..],
            )
        })
        .chain(config.auto_fix.iter().map(|f| {
            (
                &f.repo,
                &f.workflow,
                None,
                "auto-fix".to_owned(),
                &AUTO_FIX_INPUTS[..],
            )
        }));
    for (repo, file, git_ref, label, sends) in dispatched {
        let scope = entry(&mut repos, repo);
        let use_ = WorkflowUse {
            label,
            sends: sends.to_vec(),
        };
        match scope
            .workflows
            .iter_mut()
            .find(|w| &w.file == file && w.git_ref == git_ref)
        {
            Some(w) => w.uses.push(use_),
            None => scope.workflows.push(WorkflowRole {
                file: file.clone(),
                git_ref,
                uses: vec![use_],
            }),
        }
    }
    Scope {
        repos,
        preferred_method: config.ship.merge_method,
        reviews: config.reviews.clone(),
        rc_branch: config.rc_branch.replace("{release}", "<id>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_repository_once_with_its_parts() {
        let config =
            crate::validate::config_from_str(include_str!("../../examples/convoy.json")).unwrap();
        let control = RepoName::parse("acme/release-control").unwrap();
        let s = scope(&config, &control, None, Some("convoy.json"));
        let names: Vec<&str> = s.repos.iter().map(|r| r.repo.as_str()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(names[0], "acme/release-control");
        for r in &config.repos {
            let entry = s.repos.iter().find(|x| x.repo == r.name).unwrap();
            assert_eq!(entry.member.as_ref().unwrap().base, r.base);
        }
        let uses: usize = s
            .repos
            .iter()
            .flat_map(|r| &r.workflows)
            .map(|w| w.uses.len())
            .sum();
        assert_eq!(
            uses,
            config.tiers.len() + usize::from(config.auto_fix.is_some())
        );
        let auto_fix = s
            .repos
            .iter()
            .flat_map(|r| &r.workflows)
            .flat_map(|w| &w.uses)
            .find(|u| u.label == "auto-fix")
            .unwrap();
        assert!(auto_fix.sends.contains(&"run_url"));
    }
}
