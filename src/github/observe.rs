//! The observer: reads what `decide` needs into an [`Observed`], with as few requests as the
//! phase allows, reads in parallel (the client bounds how many at once).
//!
//! Per member repo: one `matching-refs/heads/` request gives every branch head; during
//! development, staging and shipping the pull requests come from lists asked for by their
//! branches, one per phase as a rule (`pull_lists`: into the RC branch, RC → staging,
//! staging → base), each read to its last page (a pull request's `mergeable` needs its own GET,
//! made only for open promotion pull requests). Under
//! `reviews.approve_ship`, validation reads the pull requests too, the reviews of the open
//! staging → base ones, and the control-repo permission of their approvers. Per release: the
//! tracking issue, the runs still in flight (by id once convoy follows one; a run a
//! `convoy.tier-completed` names is read by its id too, while convoy follows none for that
//! dispatch), the releases of shipped repos, and the permission of
//! whoever gave a command; and, for a promotion pull request convoy put in a merge queue, where
//! its request stands (by its UUID).
//!
//! A repository convoy cannot see is a fact, not a failure: one whose owner has no installation
//! of the App, or outside the installation's selection (known from the App's credentials,
//! [`GitHub::reach`], without a request), or whose branch heads GitHub answers 404 to, goes to
//! [`Observed::unreachable`] and nothing else is read of it; the other reads go on.

use futures::future::{join_all, try_join_all};

use super::client::{GhError, GitHub};
use super::facts;
use super::rest;
use super::rest::issues::Comment;
use super::runs;
use super::tokens::Reach;
use crate::lifecycle::Scope;
use crate::lifecycle::observed::{
    Observed, ObservedApproval, ObservedBranch, ObservedComment, ObservedIssue,
    ObservedMergeMethods, ObservedPermission, ObservedPull, ObservedQueued, ObservedRelease,
    PullState, QueueState, Unreachable, UnreachableWhy,
};
use crate::model::config::Permission;
use crate::model::ids::{BranchName, Login, RepoName, Sha};
use crate::model::manifest::{Phase, ReleaseManifest, ReleaseRepo, RunStatus};
use crate::model::numbers::IssueNumber;
use crate::signal::Signal;

/// The label convoy puts on tracking issues (and finds them by).
pub const TRACKING_LABEL: &str = "convoy:release";

pub use super::runs::find_run;

/// Reads the GitHub state `decide` needs for `m`, given the `signal` being handled: all of it.
pub async fn observe(
    gh: &GitHub,
    m: &ReleaseManifest,
    signal: &Signal,
) -> Result<Observed, GhError> {
    observe_in(gh, m, signal, &Scope::All).await
}

/// [`observe`], reading only what `scope` takes in: the member repos outside it are not read at
/// all (their part of the observation comes from what the last run saw,
/// [`Observed::carry_over`]), nor the tier runs unless it says so. The tracking issue and the
/// permission of whoever gave a command are always read.
pub async fn observe_in(
    gh: &GitHub,
    m: &ReleaseManifest,
    signal: &Signal,
    scope: &Scope,
) -> Result<Observed, GhError> {
    let phase = m.phase;
    // Validation looks at branch heads and runs only: no pull requests needed, unless approving
    // reviews on the staging → base pull requests can open the ship gate.
    let ship_reviews = phase == Phase::Validation && m.policy.reviews.approve_ship;
    let want_pulls = ship_reviews
        || matches!(
            phase,
            Phase::Development
                | Phase::Staging
                | Phase::Shipping
                | Phase::Aborted
                | Phase::RolledBack
        );
    let mut unreachable = out_of_reach(gh, m).await?;
    let out =
        |repo: &RepoName, unreachable: &[Unreachable]| unreachable.iter().any(|u| &u.repo == repo);
    let members: Vec<&ReleaseRepo> = m
        .repos
        .iter()
        .filter(|r| !out(&r.name, &unreachable) && scope.reads(&r.name))
        .collect();
    let repos = try_join_all(members.iter().map(|r| {
        let lists = if want_pulls {
            pull_lists(m, r, ship_reviews)
        } else {
            Vec::new()
        };
        observe_repo(gh, m, &r.name, lists, ship_reviews)
    }));
    let runs = try_join_all(
        m.tier_runs
            .iter()
            .filter(|r| {
                scope.reads_runs()
                    && r.status != RunStatus::Completed
                    && !out(&r.repo, &unreachable)
            })
            .map(|r| runs::observe_run(gh, m, r, runs::claimed_run(m, r, signal))),
    );
    let releases = try_join_all(
        m.repos
            .iter()
            .filter(|r| {
                r.shas.shipped.is_some() && !out(&r.name, &unreachable) && scope.reads(&r.name)
            })
            .map(|r| observe_release(gh, &r.name, &m.tag)),
    );
    let methods = futures::future::join_all(
        m.repos
            .iter()
            .filter(|r| {
                r.merge_method.is_none()
                    && (phase.is_active() || phase == Phase::RolledBack)
                    && !out(&r.name, &unreachable)
                    && scope.reads(&r.name)
            })
            .map(|r| observe_merge_methods(gh, r)),
    );
    let queued = try_join_all(m.repos.iter().filter_map(|r| {
        let q = r.queued.as_ref()?;
        let uuid = q.uuid.clone()?;
        (!out(&r.name, &unreachable) && scope.reads(&r.name))
            .then(|| observe_queued(gh, &r.name, q.pull, uuid))
    }));
    let (repos, runs, releases, issue, permission, tasks, methods, queued) = futures::try_join!(
        repos,
        runs,
        releases,
        observe_tracking_issue(gh, m),
        observe_permission(gh, m, signal),
        observe_shipped_tasks(gh, m, &unreachable, scope),
        async { Ok(methods.await) },
        queued
    )?;
    let mut o = Observed::default();
    for (repo, seen) in members.into_iter().zip(repos) {
        match seen {
            Some((branches, pulls)) => {
                o.branches.extend(branches);
                o.pulls.extend(pulls);
            }
            None => unreachable.push(Unreachable {
                repo: repo.name.clone(),
                why: UnreachableWhy::NotFound,
            }),
        }
    }
    for u in &unreachable {
        tracing::warn!("{}: out of reach: {}", u.repo, u.fix());
    }
    o.unreachable = unreachable;
    o.runs = runs.into_iter().flatten().collect();
    o.releases = releases.into_iter().flatten().collect();
    if let Some((issue, comments)) = issue {
        o.issues.push(issue);
        o.comments = comments;
    }
    o.permissions = permission.into_iter().collect();
    if ship_reviews && *scope == Scope::All {
        observe_reviewer_permissions(gh, m, &mut o).await?;
    }
    o.issues.extend(tasks);
    o.merge_methods = methods.into_iter().flatten().collect();
    o.queued = queued;
    Ok(o)
}

/// The issues of a shipped release's merged tasks, which convoy closes as completed (their pull
/// requests went into the RC branch, so GitHub's closing keywords never fired). Read only once
/// the release has shipped.
async fn observe_shipped_tasks(
    gh: &GitHub,
    m: &ReleaseManifest,
    unreachable: &[Unreachable],
    scope: &Scope,
) -> Result<Vec<ObservedIssue>, GhError> {
    if m.phase != Phase::Shipped {
        return Ok(Vec::new());
    }
    let reads = m
        .tasks
        .iter()
        .filter(|t| t.status == crate::model::manifest::TaskStatus::Merged)
        .filter(|t| scope.reads(t.issue.repo()))
        .filter(|t| !unreachable.iter().any(|u| &u.repo == t.issue.repo()))
        .map(|t| async move {
            let repo = t.issue.repo();
            let issue = gh.repo(repo).issue(t.issue.number()).await?;
            Ok::<_, GhError>(issue.and_then(|i| facts::issue(repo, &i)))
        });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}

/// Where a merge convoy put in a merge queue stands, by its UUID.
async fn observe_queued(
    gh: &GitHub,
    repo: &RepoName,
    pull: crate::model::numbers::PullNumber,
    uuid: String,
) -> Result<ObservedQueued, GhError> {
    use rest::merge_queue::AsyncMerge;
    let state = match gh.repo(repo).async_merge(pull, &uuid).await? {
        None => QueueState::Unknown,
        Some(AsyncMerge::Queued { .. }) => QueueState::Queued,
        Some(AsyncMerge::Merged { .. }) => QueueState::Merged,
        Some(AsyncMerge::Failed { message }) => QueueState::Failed { message },
    };
    Ok(ObservedQueued {
        repo: repo.clone(),
        uuid,
        state,
    })
}

/// What `r`'s repository allows its pull requests to merge with: its settings and the rules of
/// its staging and base branches (three reads, made once per release: the decision records the
/// method in the manifest). A read that fails leaves the repo out; the next run asks again.
async fn observe_merge_methods(gh: &GitHub, r: &ReleaseRepo) -> Option<ObservedMergeMethods> {
    let api = gh.repo(&r.name);
    let read = futures::try_join!(
        api.repository(),
        api.branch_rules(&r.staging),
        api.branch_rules(&r.base)
    );
    let (repository, staging, base) = match read {
        Ok(answers) => answers,
        Err(e) => {
            tracing::warn!("{}: merge methods not read: {e}", r.name);
            return None;
        }
    };
    let linear = |rules: &[super::rest::repos::BranchRule]| {
        rules
            .iter()
            .any(super::rest::repos::BranchRule::requires_linear_history)
    };
    let queue = |rules: &[super::rest::repos::BranchRule]| {
        rules
            .iter()
            .any(super::rest::repos::BranchRule::requires_merge_queue)
    };
    let mut linear_history = Vec::new();
    let mut merge_queue = Vec::new();
    for (branch, rules) in [(&r.staging, &staging), (&r.base, &base)] {
        if linear(rules) {
            linear_history.push(branch.clone());
        }
        if queue(rules) {
            merge_queue.push(branch.clone());
        }
    }
    Some(ObservedMergeMethods {
        repo: r.name.clone(),
        allowed: repository.merge_methods(),
        linear_history,
        merge_queue,
    })
}

/// A pull request list convoy asks GitHub for, by what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PullList {
    /// The pull requests into a branch (`base=`), in a state (`open`, `all`).
    Into(BranchName, &'static str),
    /// Every pull request from one branch into another (`head=owner:branch&base=`).
    Between(BranchName, BranchName),
}

/// The pull request lists of `r` the phase needs, each asked for by its branches so that a
/// busy repository's other pull requests never crowd the release's out of a page: during
/// development every pull request into the RC branch (tasks, deferral reverts) and the open ones
/// into the RC branches carried-over tasks came from; while staging, RC → staging; while
/// shipping (and during validation under `reviews.approve_ship`), staging → base, and RC →
/// staging too until a repo ships; once stopped, both promotions and, after a rollback, the
/// release's revert pull requests. A decision that moves through several phases reads these of
/// the phase it starts in: each list that a later phase's sync needs is read with it.
fn pull_lists(m: &ReleaseManifest, r: &ReleaseRepo, ship_reviews: bool) -> Vec<PullList> {
    let promote = PullList::Between(r.rc_branch.clone(), r.staging.clone());
    let ship = PullList::Between(r.staging.clone(), r.base.clone());
    match m.phase {
        Phase::Development => {
            let mut lists = vec![PullList::Into(r.rc_branch.clone(), "all")];
            let carried = m
                .tasks
                .iter()
                .filter(|t| t.repo == r.name && !t.status.is_settled())
                .filter_map(|t| t.carried_from.as_ref())
                .map(|from| PullList::Into(from.rc_branch.clone(), "open"));
            for list in carried {
                if !lists.contains(&list) {
                    lists.push(list);
                }
            }
            lists
        }
        Phase::Staging => vec![promote],
        Phase::Validation if ship_reviews => vec![ship],
        // Until a repo ships, a moved RC or staging branch sends the release back to staging
        // within the same decision, which finds the merged RC → staging pull requests again.
        Phase::Shipping if !m.repos.iter().any(|r| r.shas.shipped.is_some()) => {
            vec![ship, promote]
        }
        Phase::Shipping => vec![ship],
        Phase::Aborted => vec![promote, ship],
        Phase::RolledBack => {
            let mut lists = vec![promote, ship];
            if r.shas.shipped.is_some() {
                let revert = crate::lifecycle::revert_branch(&m.id);
                lists.push(PullList::Between(revert, r.base.clone()));
            }
            lists
        }
        Phase::Planning | Phase::Validation | Phase::Shipped => Vec::new(),
    }
}

/// Reads the pull request lists, in parallel; a pull request in two lists counts once.
async fn read_pulls(
    api: rest::Repo<'_>,
    lists: &[PullList],
) -> Result<Vec<rest::pulls::Pull>, GhError> {
    let read = try_join_all(lists.iter().map(|list| async move {
        match list {
            PullList::Into(base, state) => api.pulls_into(base, state).await,
            PullList::Between(head, base) => api.pulls_between(head, base).await,
        }
    }))
    .await?;
    let mut pulls: Vec<rest::pulls::Pull> = Vec::new();
    for p in read.into_iter().flatten() {
        if p.number.is_none() || !pulls.iter().any(|q| q.number == p.number) {
            pulls.push(p);
        }
    }
    Ok(pulls)
}

/// The repositories of the release (members, tier and auto-fix repos, those of runs in flight;
/// not the control repo, without which nothing runs) that convoy's credentials say it cannot
/// reach. Asking mints each owner's token, once per run ([`GitHub::reach`]).
async fn out_of_reach(gh: &GitHub, m: &ReleaseManifest) -> Result<Vec<Unreachable>, GhError> {
    let all = (m.repos.iter().map(|r| &r.name))
        .chain(m.policy.tiers.iter().map(|t| &t.repo))
        .chain(m.policy.auto_fix.iter().map(|f| &f.repo))
        .chain(m.tier_runs.iter().map(|r| &r.repo));
    let mut repos: Vec<&RepoName> = Vec::new();
    for r in all {
        if r != &m.control_repo && !repos.contains(&r) {
            repos.push(r);
        }
    }
    let reach = join_all(repos.iter().map(|r| gh.reach(r))).await;
    let mut out = Vec::new();
    for (repo, reach) in repos.into_iter().zip(reach) {
        let why = match reach? {
            Reach::NotInstalled => UnreachableWhy::NotInstalled,
            Reach::NotSelected => UnreachableWhy::NotSelected,
            Reach::Unknown | Reach::Reachable => continue,
        };
        out.push(Unreachable {
            repo: repo.clone(),
            why,
        });
    }
    Ok(out)
}

/// A member repo's branch heads and pull requests; `None` when GitHub answers 404 to its
/// branch heads (convoy cannot see it: reported, not a failure).
async fn observe_repo(
    gh: &GitHub,
    m: &ReleaseManifest,
    repo: &RepoName,
    lists: Vec<PullList>,
    ship_reviews: bool,
) -> Result<Option<(Vec<ObservedBranch>, Vec<ObservedPull>)>, GhError> {
    let api = gh.repo(repo);
    let (heads, pulls) = futures::join!(api.branch_heads(), read_pulls(api, &lists));
    let heads = match heads {
        Err(GhError::NotFound { .. }) => return Ok(None),
        other => other?,
    };
    let pulls = pulls?;
    let branches: Vec<ObservedBranch> = heads
        .into_iter()
        .map(|h| ObservedBranch {
            repo: repo.clone(),
            branch: h.branch,
            sha: h.sha,
        })
        .collect();
    let mut out = Vec::new();
    let release_repo = m.repo(repo);
    for p in &pulls {
        let Some(mut pull) = facts::pull(repo, p) else {
            continue;
        };
        // GitHub computes mergeability only for a single pull request; ask for the open
        // promotion pull requests convoy is about to merge.
        let promotion = release_repo.is_some_and(|r| {
            (pull.head == r.rc_branch && pull.base == r.staging)
                || (pull.head == r.staging && pull.base == r.base)
        });
        if pull.state == PullState::Open && promotion {
            let full = api.pull(pull.number).await?;
            if let Some(fresh) = facts::pull(repo, &full) {
                pull = fresh;
            }
            if pull.mergeable == Some(false)
                && let Some(base_sha) = full.base_sha()
            {
                pull.conflict_files =
                    conflict_files(gh, repo, base_sha, pull.head_sha.as_str()).await?;
            }
            if ship_reviews && release_repo.is_some_and(|r| pull.base == r.base) {
                pull.approvals = approvals(&api.reviews(pull.number).await?);
            }
        }
        out.push(pull);
    }
    Ok(Some((branches, out)))
}

/// The approvals standing on a pull request, from its reviews.
fn approvals(reviews: &[rest::reviews::Review]) -> Vec<ObservedApproval> {
    rest::reviews::standing_approvals(reviews)
        .into_iter()
        .filter_map(|(by, commit)| {
            Some(ObservedApproval {
                by: Login::parse(&by).ok()?,
                commit: Sha::parse(&commit).ok()?,
            })
        })
        .collect()
}

/// The control-repo permission of everyone whose approving review could open the ship gate
/// (`reviews.approve_ship`) and who is not a listed approver, unless already read this run.
pub async fn observe_reviewer_permissions(
    gh: &GitHub,
    m: &ReleaseManifest,
    o: &mut Observed,
) -> Result<(), GhError> {
    let mut logins: Vec<Login> = o
        .pulls
        .iter()
        .flat_map(|p| p.approvals.iter().map(|a| a.by.clone()))
        .filter(|l| !m.policy.approvers.users.contains(l) && o.permission(l).is_none())
        .collect();
    logins.sort();
    logins.dedup();
    let read = try_join_all(logins.iter().map(|l| permission_of(gh, &m.control_repo, l))).await?;
    o.permissions.extend(
        logins
            .into_iter()
            .zip(read)
            .map(|(login, permission)| ObservedPermission { login, permission }),
    );
    Ok(())
}

/// The files a conflicting pull request most likely conflicts in: those changed on both sides
/// since the merge base, from two compare requests (GitHub does not list conflicts itself).
async fn conflict_files(
    gh: &GitHub,
    repo: &RepoName,
    base: &str,
    head: &str,
) -> Result<Vec<String>, GhError> {
    let api = gh.repo(repo);
    let (ours, theirs) = futures::try_join!(api.compare(base, head), api.compare(head, base))?;
    let theirs = theirs.files();
    let mut both: Vec<String> = ours
        .files()
        .into_iter()
        .filter(|f| theirs.contains(f))
        .collect();
    both.sort();
    both.dedup();
    Ok(both)
}

async fn observe_release(
    gh: &GitHub,
    repo: &RepoName,
    tag: &str,
) -> Result<Option<ObservedRelease>, GhError> {
    let found = gh.repo(repo).release_by_tag(tag).await?;
    Ok(found.map(|_| ObservedRelease {
        repo: repo.clone(),
        tag: tag.to_owned(),
    }))
}

/// The tracking issue (by number, else by label and marker) and the markers of convoy's comments
/// on it.
async fn observe_tracking_issue(
    gh: &GitHub,
    m: &ReleaseManifest,
) -> Result<Option<(ObservedIssue, Vec<ObservedComment>)>, GhError> {
    let control = &m.control_repo;
    let issue = match m.tracking_issue {
        Some(n) => gh.repo(control).issue(n).await?,
        None => {
            let marker = crate::model::marker::Marker::Release(m.id.clone()).tag();
            gh.repo(control)
                .labelled_issue_with(TRACKING_LABEL, &marker)
                .await?
        }
    };
    let Some(issue) = issue.and_then(|i| facts::issue(control, &i)) else {
        return Ok(None);
    };
    // Convoy's calls for a human, and the final summary of a release that ended.
    let comments = if !m.escalations.is_empty() || !m.phase.is_active() {
        comment_markers(gh, control, issue.number).await?
    } else {
        Vec::new()
    };
    Ok(Some((issue, comments)))
}

/// Whether a comment may be one convoy posted, so its marker counts: its author is a bot
/// (`user.type` is `Bot`: the `github-actions[bot]` of `GITHUB_TOKEN` or an App's
/// `<slug>[bot]`), it was posted through a GitHub App, or its author is the repository's owner,
/// a member of its organisation or a collaborator (a machine user behind a personal token).
///
/// Anyone who can comment on a public issue could otherwise write `<!-- convoy:… -->` first and
/// make convoy believe its escalation call or its reply was already posted.
pub fn posted_by_trusted_author(comment: &Comment) -> bool {
    let associated = matches!(
        comment.author_association.as_deref(),
        Some("OWNER" | "MEMBER" | "COLLABORATOR")
    );
    comment.by_bot() || comment.via_app() || associated
}

/// The `<!-- convoy:… -->` markers the comments on an issue start with (parsed as
/// [`Marker`](crate::model::marker::Marker)s), from comments convoy may have posted
/// ([`posted_by_trusted_author`]); a marker in anyone else's comment is ignored.
pub async fn comment_markers(
    gh: &GitHub,
    repo: &RepoName,
    issue: IssueNumber,
) -> Result<Vec<ObservedComment>, GhError> {
    let list = gh.repo(repo).comments(issue).await?;
    Ok(list
        .iter()
        .filter(|c| posted_by_trusted_author(c))
        .filter_map(|c| c.body.as_deref())
        .filter_map(crate::model::marker::Marker::leading)
        .map(|marker| ObservedComment {
            repo: repo.clone(),
            issue,
            marker: marker.content(),
        })
        .collect())
}

/// The permission on the control repo of whoever gave a command.
async fn observe_permission(
    gh: &GitHub,
    m: &ReleaseManifest,
    signal: &Signal,
) -> Result<Option<ObservedPermission>, GhError> {
    let actor = match signal {
        Signal::Command(c) => Some(c.actor.clone()),
        Signal::Comment(c) if !c.author_is_bot => Some(c.author.clone()),
        _ => None,
    };
    let Some(login) = actor else { return Ok(None) };
    permission_of(gh, &m.control_repo, &login).await.map(|p| {
        Some(ObservedPermission {
            login,
            permission: p,
        })
    })
}

/// `login`'s permission on `repo` (`none` when GitHub does not know them there).
pub async fn permission_of(
    gh: &GitHub,
    repo: &RepoName,
    login: &Login,
) -> Result<Permission, GhError> {
    Ok(gh
        .repo(repo)
        .permission(login)
        .await?
        .map_or(Permission::None, |p| p.level()))
}
