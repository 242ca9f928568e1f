//! The checks of `convoy verify`, pure: the manifest, the lock and what GitHub showed → a
//! [`Report`], checks in a fixed order (status; per repo base, ship, tree; per required tier;
//! the lock file; per repo the stamp), so the first break is the same on every run. The checks
//! of the records (tier runs, the lock file, the stamps) are [`records`].

mod records;

use records::{lock_file, stamp, tier, unread};

use super::facts::{Facts, RepoFacts};
use super::report::{Check, CheckKind, Options, Report};
use crate::lifecycle::DirectivePolicy;
use crate::model::ids::Sha;
use crate::model::lock::{Lock, LockDigest, LockStatus, LockedRepo, ShipMethod};
use crate::model::manifest::ReleaseManifest;

/// A parse error of the stored lock, at most 300 characters: serde quotes the value it refused,
/// which in an edited lock can be any length.
fn clipped(error: &str) -> String {
    const MAX: usize = 300;
    if error.chars().count() <= MAX {
        return error.to_owned();
    }
    let mut cut: String = error.chars().take(MAX - 1).collect();
    cut.push('…');
    cut
}

/// Judges release `m` with what GitHub showed. The checks use the stored lock when it reads as
/// one, else the manifest's record ([`Lock::of`]); a release that never shipped has neither and
/// gets a single status break.
pub fn judge(m: &ReleaseManifest, facts: &Facts, options: Options) -> Report {
    let stored: Option<Result<Lock, String>> = facts
        .lock_text
        .as_deref()
        .map(|t| serde_json::from_str::<Lock>(t).map_err(|e| clipped(&e.to_string())));
    let digest = facts
        .lock_text
        .as_deref()
        .map(|t| LockDigest::of(t.as_bytes()));
    let expected = Lock::of(m);
    let lock = match (&stored, &expected) {
        (Some(Ok(l)), _) => l.clone(),
        (_, Some(l)) => l.clone(),
        _ => {
            let never = Check::broken(
                CheckKind::Status,
                format!(
                    "release {} has not shipped (it is in {}): there is nothing to verify",
                    m.id,
                    m.phase.as_str()
                ),
                "a shipped release",
                m.phase.as_str(),
            );
            return Report::new(
                m.id.clone(),
                m.tag.clone(),
                m.control_repo.clone(),
                digest,
                vec![never],
            );
        }
    };
    let mut checks = vec![status(&lock)];
    for r in &lock.repos {
        let f = facts.repos.iter().find(|f| f.name == r.name);
        checks.push(base(&lock, r, f, options));
        checks.push(ship(r, f));
        checks.push(tree(r, f, options));
    }
    let policy = DirectivePolicy::of(lock.directive);
    for t in m.policy.tiers.iter().filter(|t| policy.must_pass(t)) {
        checks.push(tier(&lock, t, facts));
    }
    checks.push(lock_file(&stored, expected.as_ref()));
    let stamped = digest
        .clone()
        .or_else(|| expected.as_ref().map(Lock::digest));
    for r in &lock.repos {
        let f = facts.repos.iter().find(|f| f.name == r.name);
        checks.push(stamp(&lock, r, f, stamped.as_ref()));
    }
    Report::new(
        lock.release.clone(),
        lock.tag.clone(),
        lock.control_repo.clone(),
        digest,
        checks,
    )
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

fn commits(n: u64) -> String {
    if n == 1 {
        "1 commit".to_owned()
    } else {
        format!("{n} commits")
    }
}

fn parents(list: &[String]) -> String {
    let shorts: Vec<&str> = list.iter().map(|p| short(p)).collect();
    format!("[{}]", shorts.join(", "))
}

fn status(lock: &Lock) -> Check {
    match (lock.status, lock.rolled_back_at) {
        (LockStatus::Shipped, _) => Check::holds(
            CheckKind::Status,
            format!(
                "release {} shipped on {} as {}",
                lock.release,
                lock.shipped_at.human(),
                lock.tag
            ),
        ),
        (LockStatus::RolledBack, at) => {
            let reverted: Vec<String> = lock
                .repos
                .iter()
                .filter(|r| r.reverted)
                .map(|r| r.name.to_string())
                .collect();
            Check::broken(
                CheckKind::Status,
                format!(
                    "release {} was rolled back{}: what shipped was reverted, so the bases no longer hold it",
                    lock.release,
                    at.map(|a| format!(" on {}", a.human())).unwrap_or_default()
                ),
                "shipped",
                format!(
                    "rolled back (reverted so far: {})",
                    if reverted.is_empty() {
                        "none".to_owned()
                    } else {
                        reverted.join(", ")
                    }
                ),
            )
        }
    }
}

fn base(lock: &Lock, r: &LockedRepo, f: Option<&RepoFacts>, options: Options) -> Check {
    let Some(f) = f else {
        return unread(CheckKind::Base, r);
    };
    let ship = &r.ship.sha;
    let b = &r.base;
    let expected = format!("{b} at {} (the ship commit) or a descendant", ship.short());
    let check = match (&f.base_head, &f.shipped_to_base) {
        (None, _) => Check::broken(
            CheckKind::Base,
            format!("GitHub shows no branch {b} in {}", r.name),
            expected,
            format!("no branch {b}"),
        )
        .with_fix(format!("check that the token can read {}", r.name)),
        (Some(head), _) if head == ship => Check::holds(
            CheckKind::Base,
            format!("{b}'s head is the ship commit {}", ship.short()),
        ),
        (Some(head), None) => Check::broken(
            CheckKind::Base,
            format!(
                "GitHub relates {b}'s head {} to no ship commit {}: the commit is gone or unrelated",
                head.short(),
                ship.short()
            ),
            expected,
            format!("{b} at {}", head.short()),
        ),
        (Some(head), Some(rel)) if rel.head_contains_base() => {
            let later = commits(rel.ahead_by);
            let broken = Check::broken(
                CheckKind::Base,
                format!(
                    "{b} has {later} pushed after the release: it no longer holds only what shipped"
                ),
                format!("{b} at {} (the ship commit)", ship.short()),
                format!("{b} at {}, {later} after the ship commit", head.short()),
            )
            .with_fix(format!(
                "if those commits belong on {b}, run `convoy verify {} --allow-later-commits`; otherwise revert them",
                lock.release
            ));
            if options.allow_later_commits {
                Check {
                    what: format!(
                        "{b} holds the ship commit {} and {later} pushed after it (accepted: --allow-later-commits)",
                        ship.short()
                    ),
                    fix: None,
                    ..broken.accepted()
                }
            } else {
                broken
            }
        }
        (Some(head), Some(rel)) => Check::broken(
            CheckKind::Base,
            format!(
                "{b} no longer holds the ship commit {}: it was reset or force-pushed",
                ship.short()
            ),
            expected,
            format!(
                "{b} at {}, which lacks {} of the ship commit's history",
                head.short(),
                commits(rel.behind_by)
            ),
        )
        .with_fix(format!(
            "restore {b} to hold {}, or roll the release back and ship again",
            ship.short()
        )),
    };
    check.of_repo(&r.name)
}

fn ship(r: &LockedRepo, f: Option<&RepoFacts>) -> Check {
    let Some(f) = f else {
        return unread(CheckKind::Ship, r);
    };
    let sha = &r.ship.sha;
    let staged = &r.staged;
    let check = match (r.ship.method, &f.shipped) {
        (ShipMethod::AlreadyOnBase, _) if sha == staged => Check::holds(
            CheckKind::Ship,
            format!(
                "nothing was merged: {} already held the validated {}",
                r.base,
                staged.short()
            ),
        ),
        (ShipMethod::AlreadyOnBase, _) => Check::broken(
            CheckKind::Ship,
            format!(
                "the lock says {} already held the validated SHA, but names another ship commit",
                r.base
            ),
            format!("the ship commit {}", staged.short()),
            format!("the ship commit {}", sha.short()),
        ),
        (_, None) => no_commit(CheckKind::Ship, r, sha, "ship"),
        (method, Some(c)) => {
            // Judged by the commit's shape, whatever the lock calls it: a merge queue may land a
            // pull request with its own method.
            let recorded = |shape: ShipMethod| {
                if method == shape || (shape == ShipMethod::Squash && method == ShipMethod::Rebase)
                {
                    String::new()
                } else {
                    format!(
                        " (the lock records {}; a merge queue lands with its own method)",
                        method.as_str()
                    )
                }
            };
            if c.parents.len() == 2 && c.parents[1] == staged.as_str() {
                Check::holds(
                    CheckKind::Ship,
                    format!(
                        "the merge commit {} has the parents [{}, {}]: {}'s head before it and the validated SHA{}",
                        sha.short(),
                        short(&c.parents[0]),
                        staged.short(),
                        r.base,
                        recorded(ShipMethod::Merge)
                    ),
                )
            } else if c.parents.len() == 1 {
                Check::holds(
                    CheckKind::Ship,
                    format!(
                        "the ship commit {} is one commit on {}{}",
                        sha.short(),
                        short(&c.parents[0]),
                        recorded(ShipMethod::Squash)
                    ),
                )
            } else {
                Check::broken(
                    CheckKind::Ship,
                    format!(
                        "the ship commit {} is neither a merge of the validated {} nor a single commit",
                        sha.short(),
                        staged.short()
                    ),
                    format!(
                        "parents [{}'s head before it, {}], or one parent",
                        r.base,
                        staged.short()
                    ),
                    format!("parents {}", parents(&c.parents)),
                )
            }
        }
    };
    check.of_repo(&r.name)
}

fn no_commit(kind: CheckKind, r: &LockedRepo, sha: &Sha, which: &str) -> Check {
    Check::broken(
        kind,
        format!(
            "GitHub has no {which} commit {} in {}",
            sha.short(),
            r.name
        ),
        format!("the {which} commit {sha}"),
        "no such commit",
    )
    .with_fix(format!(
        "check that the token can read {}; a commit GitHub no longer has was removed by a force-push and garbage collection",
        r.name
    ))
    .of_repo(&r.name)
}

fn tree(r: &LockedRepo, f: Option<&RepoFacts>, options: Options) -> Check {
    let Some(f) = f else {
        return unread(CheckKind::Tree, r);
    };
    if r.ship.method == ShipMethod::AlreadyOnBase && r.ship.sha == r.staged {
        return Check::holds(
            CheckKind::Tree,
            "the ship commit is the validated commit itself",
        )
        .of_repo(&r.name);
    }
    let (Some(shipped), Some(staged)) = (&f.shipped, &f.staged) else {
        return match f.shipped {
            None => no_commit(CheckKind::Tree, r, &r.ship.sha, "ship"),
            Some(_) => no_commit(CheckKind::Tree, r, &r.staged, "validated"),
        };
    };
    let sha = r.ship.sha.short();
    let validated = r.staged.short();
    if shipped.tree == staged.tree {
        return Check::holds(
            CheckKind::Tree,
            format!(
                "the tree of {sha} is the tree of the validated {validated} ({})",
                short(&staged.tree)
            ),
        )
        .of_repo(&r.name);
    }
    let differs = Check::broken(
        CheckKind::Tree,
        format!("the tree of the ship commit {sha} is not the validated tree of {validated}"),
        format!("tree {} (of {validated})", short(&staged.tree)),
        format!("tree {} (of {sha})", short(&shipped.tree)),
    )
    .with_fix(format!(
        "the ship commit changed content no tier tested; compare {validated}...{sha} in {}",
        r.name
    ))
    .of_repo(&r.name);
    match (&f.base_before, &f.before_to_staged) {
        (Some(before), Some(rel)) if !rel.head_contains_base() => {
            let untested = commits(rel.behind_by);
            let broken = Check::broken(
                CheckKind::Tree,
                format!(
                    "{} held {untested} not in the validated {validated} when the release merged: the ship commit {sha} combines them with the validated tree, and no tier tested that",
                    r.base
                ),
                format!(
                    "{}'s head before the merge ({}) contained in {validated}",
                    r.base,
                    short(before)
                ),
                format!("{untested} on {} not in {validated}", r.base),
            )
            .with_fix(
                "--allow-later-commits accepts commits that reached the base outside the release (the shipped tree is then not proven)",
            )
            .of_repo(&r.name);
            if options.allow_later_commits {
                Check {
                    what: format!(
                        "{} held {untested} not in the validated {validated} when the release merged (accepted: --allow-later-commits; the tree of {sha} is not proven)",
                        r.base
                    ),
                    fix: None,
                    ..broken.accepted()
                }
            } else {
                broken
            }
        }
        _ => differs,
    }
}

#[cfg(test)]
mod tests;
