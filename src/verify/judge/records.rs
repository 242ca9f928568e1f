//! The checks of the records: each required tier's run as GitHub shows it, the lock file
//! against the manifest's record, and the lock's stamp on each member repo's release.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::lifecycle::fingerprint;
use crate::model::config::TierConfig;
use crate::model::ids::{RepoName, Sha};
use crate::model::lock::{Lock, LockDigest, LockedRepo};
use crate::model::manifest::Conclusion;
use crate::verify::facts::{Facts, RepoFacts, RunFacts};
use crate::verify::report::{Check, CheckKind};

/// No facts were read for a repo (never the case when the reader ran).
pub(super) fn unread(kind: CheckKind, r: &LockedRepo) -> Check {
    Check::broken(
        kind,
        format!("nothing was read of {}", r.name),
        "what GitHub shows of it",
        "nothing",
    )
    .of_repo(&r.name)
}

fn shas_words(shas: &BTreeMap<RepoName, Sha>) -> String {
    let parts: Vec<String> = shas
        .iter()
        .map(|(r, s)| format!("{r}@{}", s.short()))
        .collect();
    parts.join(", ")
}

pub(super) fn tier(lock: &Lock, config: &TierConfig, facts: &Facts) -> Check {
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

pub(super) fn lock_file(stored: &Option<Result<Lock, String>>, expected: Option<&Lock>) -> Check {
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

pub(super) fn stamp(
    lock: &Lock,
    r: &LockedRepo,
    f: Option<&RepoFacts>,
    digest: Option<&LockDigest>,
) -> Check {
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
