//! The checks of `convoy verify`, pure: the manifest, the lock and what GitHub showed → a
//! [`Report`], checks in a fixed order (status; per repo base, ship, tree; per required tier;
//! the lock file; per repo the stamp), so the first break is the same on every run.

use serde_json::Value;

use super::facts::{Facts, RepoFacts, RunFacts};
use super::{Check, CheckKind, Options, Report};
use crate::lifecycle::{DirectivePolicy, fingerprint};
use crate::model::config::TierConfig;
use crate::model::ids::Sha;
use crate::model::lock::{Lock, LockDigest, LockStatus, LockedRepo, ShipMethod};
use crate::model::manifest::{Conclusion, ReleaseManifest};

/// Judges release `m` with what GitHub showed. The checks use the stored lock when it reads as
/// one, else the manifest's record ([`Lock::of`]); a release that never shipped has neither and
/// gets a single status break.
pub fn judge(m: &ReleaseManifest, facts: &Facts, options: Options) -> Report {
    let stored: Option<Result<Lock, String>> = facts
        .lock_text
        .as_deref()
        .map(|t| serde_json::from_str::<Lock>(t).map_err(|e| e.to_string()));
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

/// No facts were read for a repo (never the case when the reader ran).
fn unread(kind: CheckKind, r: &LockedRepo) -> Check {
    Check::broken(
        kind,
        format!("nothing was read of {}", r.name),
        "what GitHub shows of it",
        "nothing",
    )
    .of_repo(&r.name)
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
        (ShipMethod::Merge, Some(c)) => {
            if c.parents.len() == 2 && c.parents[1] == staged.as_str() {
                Check::holds(
                    CheckKind::Ship,
                    format!(
                        "the merge commit {} has the parents [{}, {}]: {}'s head before it and the validated SHA",
                        sha.short(),
                        short(&c.parents[0]),
                        staged.short(),
                        r.base
                    ),
                )
            } else {
                Check::broken(
                    CheckKind::Ship,
                    format!(
                        "the ship commit {} is not a merge of the validated {}",
                        sha.short(),
                        staged.short()
                    ),
                    format!("parents [{}'s head before it, {}]", r.base, staged.short()),
                    format!("parents {}", parents(&c.parents)),
                )
            }
        }
        (method, Some(c)) => {
            if c.parents.len() == 1 {
                Check::holds(
                    CheckKind::Ship,
                    format!(
                        "the {} commit {} is one commit on {}",
                        method.as_str(),
                        sha.short(),
                        short(&c.parents[0])
                    ),
                )
            } else {
                Check::broken(
                    CheckKind::Ship,
                    format!(
                        "the ship commit {} is not the single commit a {} makes",
                        sha.short(),
                        method.as_str()
                    ),
                    "one parent",
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

fn shas_words(shas: &std::collections::BTreeMap<crate::model::ids::RepoName, Sha>) -> String {
    let parts: Vec<String> = shas
        .iter()
        .map(|(r, s)| format!("{r}@{}", s.short()))
        .collect();
    parts.join(", ")
}

fn tier(lock: &Lock, config: &TierConfig, facts: &Facts) -> Check {
    let name = &config.name;
    let expected_shas = lock.covered_shas(config);
    let Some(t) = lock.tier(name) else {
        return Check::broken(
            CheckKind::Tier,
            format!("the lock names no run of tier {name} that passed on the shipped SHAs"),
            format!("a passing run on {}", shas_words(&expected_shas)),
            "none",
        )
        .of_tier(name);
    };
    let run = &t.run;
    let broken = |what: String, expected: String, found: String| {
        Check::broken(CheckKind::Tier, what, expected, found).of_tier(name)
    };
    if run.shas != expected_shas {
        return broken(
            format!(
                "the run the lock names for tier {name} ran on other SHAs than the ones that shipped"
            ),
            shas_words(&expected_shas),
            shas_words(&run.shas),
        );
    }
    let print = fingerprint(&run.shas);
    if !run.correlation_id.ends_with(&format!("-{print}")) {
        return broken(
            format!(
                "the correlation id of tier {name}'s run does not carry the fingerprint of its SHAs"
            ),
            format!("an id ending in -{print}"),
            run.correlation_id.clone(),
        );
    }
    let Some(run_id) = run.run_id else {
        return broken(
            format!("the lock names no run id for tier {name}"),
            format!("the id of the run titled with {}", run.correlation_id),
            "none".to_owned(),
        );
    };
    let seen = facts
        .runs
        .iter()
        .find(|f: &&RunFacts| &f.tier == name && f.run_id == run_id)
        .and_then(|f| f.seen.as_ref());
    let Some(seen) = seen else {
        return broken(
            format!("GitHub shows no run {run_id} in {}", t.repo),
            format!("run {run_id} of {} in {}", t.workflow, t.repo),
            "no such run".to_owned(),
        );
    };
    if seen.status != "completed" {
        return broken(
            format!("run {run_id} of tier {name} has not completed"),
            "completed, with conclusion success".to_owned(),
            seen.status.clone(),
        );
    }
    let conclusion = seen.conclusion.clone().unwrap_or_default();
    if Conclusion::parse(&conclusion).is_none_or(|c| !c.passed()) {
        return broken(
            format!("run {run_id} of tier {name} did not pass: it concluded {conclusion}"),
            "success".to_owned(),
            conclusion,
        );
    }
    if Conclusion::parse(&conclusion) != Some(run.conclusion) {
        return broken(
            format!(
                "the lock records tier {name}'s run {run_id} as {}, GitHub as {conclusion}",
                serde_plain(&run.conclusion)
            ),
            conclusion.clone(),
            serde_plain(&run.conclusion),
        );
    }
    let title = seen.title.clone().unwrap_or_default();
    if !title.contains(&run.correlation_id) {
        return broken(
            format!(
                "run {run_id} is not the run convoy dispatched for tier {name} on these SHAs: its title lacks the correlation id"
            ),
            format!("a title holding {}", run.correlation_id),
            format!("{title:?}"),
        );
    }
    Check::holds(
        CheckKind::Tier,
        format!(
            "run {run_id} (attempt {}) passed on {}",
            run.attempt,
            shas_words(&run.shas)
        ),
    )
    .of_tier(name)
}

/// A value's JSON spelling without quotes (`success`).
fn serde_plain(v: &impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => e.to_string(),
    }
}

/// The first place (a JSON pointer) where `found` differs from `expected`, with both values.
fn first_difference(expected: &Value, found: &Value, at: &str) -> Option<(String, String, String)> {
    match (expected, found) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let here = format!("{at}/{k}");
                match b.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &here) {
                            return Some(d);
                        }
                    }
                    None => return Some((here, brief(v), "absent".to_owned())),
                }
            }
            b.iter()
                .find(|(k, _)| !a.contains_key(*k))
                .map(|(k, w)| (format!("{at}/{k}"), "absent".to_owned(), brief(w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                if let Some(d) = first_difference(v, w, &format!("{at}/{i}")) {
                    return Some(d);
                }
            }
            let n = a.len().min(b.len());
            let here = format!("{at}/{n}");
            match (a.get(n), b.get(n)) {
                (Some(v), None) => Some((here, brief(v), "absent".to_owned())),
                (None, Some(w)) => Some((here, "absent".to_owned(), brief(w))),
                _ => None,
            }
        }
        (a, b) if a != b => Some((at.to_owned(), brief(a), brief(b))),
        _ => None,
    }
}

/// A JSON value in at most 100 characters.
fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 100 {
        s
    } else {
        s.chars().take(99).collect::<String>() + "…"
    }
}

fn lock_file(stored: &Option<Result<Lock, String>>, expected: Option<&Lock>) -> Check {
    let Some(expected) = expected else {
        return Check::broken(
            CheckKind::Lock,
            "the manifest records no shipped release, yet a lock exists",
            "no lock",
            "a lock",
        );
    };
    let file = Lock::file(&expected.release);
    match stored {
        None => Check::broken(
            CheckKind::Lock,
            format!("{file} is missing; the checks above used the manifest's record"),
            format!("{file}, written when the release shipped"),
            "no file",
        )
        .with_fix(
            "the release shipped before convoy wrote locks, or the file was deleted: restore it from the control repo's history",
        ),
        Some(Err(e)) => Check::broken(
            CheckKind::Lock,
            format!("{file} is not a lock (schemas/release-lock.schema.json)"),
            "a lock",
            e.clone(),
        ),
        Some(Ok(lock)) if lock == expected => Check::holds(
            CheckKind::Lock,
            format!("{file} is the manifest's record ({})", expected.digest().short()),
        ),
        Some(Ok(lock)) => {
            let expected_value = serde_json::to_value(expected).unwrap_or(Value::Null);
            let found_value = serde_json::to_value(lock).unwrap_or(Value::Null);
            let (at, want, got) = first_difference(&expected_value, &found_value, "")
                .unwrap_or_else(|| (String::new(), String::new(), String::new()));
            Check::broken(
                CheckKind::Lock,
                format!(
                    "{file} differs from what the manifest records, first at {at}: one of them was edited"
                ),
                format!("{at} = {want} (the manifest's record)"),
                format!("{at} = {got}"),
            )
            .with_fix(
                "compare both files' history in the control repo (`git log -p releases/<id>/`) and restore the one edited by hand",
            )
        }
    }
}

fn stamp(lock: &Lock, r: &LockedRepo, f: Option<&RepoFacts>, digest: Option<&LockDigest>) -> Check {
    let Some(f) = f else {
        return unread(CheckKind::Stamp, r);
    };
    let Some(digest) = digest else {
        return unread(CheckKind::Stamp, r);
    };
    let tag = &lock.tag;
    let check = match f.release_body.as_deref() {
        None => Check::broken(
            CheckKind::Stamp,
            format!("{} has no GitHub release of {tag}", r.name),
            format!("a release of {tag} stamped with {}", digest.short()),
            "no release",
        ),
        Some(body) => match Lock::stamped_digest(body, &lock.release) {
            Some(d) if &d == digest => Check::holds(
                CheckKind::Stamp,
                format!("its release {tag} is stamped with the lock's {}", d.short()),
            ),
            Some(d) => Check::broken(
                CheckKind::Stamp,
                format!(
                    "its release {tag} names another lock: the lock changed after it was stamped"
                ),
                digest.to_string(),
                d.to_string(),
            )
            .with_fix("the lock or the release was edited by hand: compare them with the control repo's history"),
            None => Check::broken(
                CheckKind::Stamp,
                format!("its release {tag} carries no lock stamp"),
                digest.to_string(),
                "no stamp".to_owned(),
            )
            .with_fix("the release's text was edited, or it was published before convoy stamped locks"),
        },
    };
    check.of_repo(&r.name)
}

#[cfg(test)]
mod tests;
