//! Tests of the identifier newtypes.

use super::*;

#[test]
fn release_ids_follow_git_ref_rules() {
    for ok in ["2026.12.0", "demo-1", "r_1", "A"] {
        assert!(ReleaseId::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "../x",
        "a..b",
        "x.lock",
        "has space",
        "-x",
        ".x",
        "x.",
        "a/b",
        "a~b",
        "a^b",
        "a:b",
        "a?b",
        "a*b",
        "a[b",
        "a\\b",
        "a@{b",
        "tab\tx",
        "nl\nx",
    ] {
        assert!(ReleaseId::parse(bad).is_err(), "{bad:?} accepted");
    }
    assert!(ReleaseId::parse(&"x".repeat(64)).is_ok());
    assert!(ReleaseId::parse(&"x".repeat(65)).is_err());
}

#[test]
fn release_id_errors_say_what_to_fix() {
    let e = ReleaseId::parse("a..b").unwrap_err();
    assert_eq!(
        e.to_string(),
        "`a..b` is not a valid release id: it holds `..`, which git refuses in a branch name"
    );
    let e = ReleaseId::parse("nl\nx").unwrap_err();
    assert_eq!(
        e.to_string(),
        "`nl\u{fffd}x` is not a valid release id: it holds the control character U+000A"
    );
}

#[test]
fn repo_names() {
    let r = RepoName::parse("acme/api.v2").unwrap();
    assert_eq!((r.owner(), r.name()), ("acme", "api.v2"));
    for bad in ["acme", "/api", "acme/", "-a/b", "a b/c", "a/..", "a/b/c"] {
        assert!(RepoName::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn repo_names_compare_without_case_and_keep_their_spelling() {
    use std::collections::{BTreeSet, HashSet};
    let written = RepoName::parse("Acme/API").unwrap();
    let canonical = RepoName::parse("acme/api").unwrap();
    assert_eq!(written, canonical);
    assert_eq!(written.cmp(&canonical), std::cmp::Ordering::Equal);
    assert_eq!(HashSet::from([written.clone(), canonical.clone()]).len(), 1);
    assert_eq!(
        BTreeSet::from([written.clone(), canonical.clone()]).len(),
        1
    );
    assert_ne!(written, RepoName::parse("acme/apis").unwrap());
    assert!(RepoName::parse("acme/API").unwrap() < RepoName::parse("acme/b").unwrap());
    // The spelling stays: display, serialization and a round trip.
    assert_eq!(written.to_string(), "Acme/API");
    let json = serde_json::to_string(&written).unwrap();
    assert_eq!(json, "\"Acme/API\"");
    let back: RepoName = serde_json::from_str(&json).unwrap();
    assert_eq!(back.as_str(), "Acme/API");
    let i = IssueRef::parse("Acme/API#12").unwrap();
    assert_eq!(i, IssueRef::parse("acme/api#12").unwrap());
    assert_ne!(i, IssueRef::parse("acme/api#13").unwrap());
    assert_eq!(i.as_str(), "Acme/API#12");
}

#[test]
fn shas_issue_refs_branches_logins() {
    let sha = Sha::parse(&"AB".repeat(20)).unwrap();
    assert_eq!(sha.as_str(), "ab".repeat(20));
    assert_eq!(sha.short(), "abababa");
    assert!(Sha::parse("abc").is_err());
    let i = IssueRef::parse("acme/api#12").unwrap();
    assert_eq!((i.repo().as_str(), i.number().get()), ("acme/api", 12));
    for bad in [
        "acme/api",
        "acme/api#0",
        "acme/api#x",
        "api#3",
        "acme/api#+3",
    ] {
        assert!(IssueRef::parse(bad).is_err(), "{bad}");
    }
    assert!(BranchName::parse("rc/2026.12.0").is_ok());
    for bad in [
        "rc//x",
        "rc/x.lock",
        "a..b",
        "/x",
        "x/",
        "a b",
        ".x",
        "rc/.x",
    ] {
        assert!(BranchName::parse(bad).is_err(), "{bad}");
    }
    assert!(Login::parse("convoy-bot[bot]").unwrap().is_bot());
    assert!(!Login::parse("alice").unwrap().is_bot());
    assert!(Login::parse("a b").is_err());
}

#[test]
fn identifiers_round_trip_through_json() {
    let r: RepoName = serde_json::from_str("\"acme/api\"").unwrap();
    assert_eq!(serde_json::to_string(&r).unwrap(), "\"acme/api\"");
    let e = serde_json::from_str::<ReleaseId>("\"x.lock\"").unwrap_err();
    assert!(e.to_string().contains("ends with `.lock`"), "{e}");
}

#[test]
fn reviewers_are_logins_or_teams_of_an_organisation() {
    let bob = Reviewer::parse("bob").unwrap();
    assert_eq!((bob.login(), bob.team()), (Some("bob"), None));
    let team = Reviewer::parse("acme/release").unwrap();
    assert_eq!(
        (team.login(), team.team()),
        (None, Some(("acme", "release")))
    );
    assert_eq!(team.to_string(), "acme/release");
    assert_eq!(format!("@{team}"), "@acme/release");
    for ok in [
        "alice",
        "Api-Lead",
        "convoy-bot[bot]",
        "acme/release-2",
        "Acme/api-owners",
        "a/b",
    ] {
        assert!(Reviewer::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "a b",
        "acme/",
        "/release",
        "acme/Release",
        "acme/release team",
        "acme/release_team",
        "acme/release/x",
        "acme[bot]/release",
        "a_b/release",
        "@acme/release",
        "@bob",
    ] {
        assert!(Reviewer::parse(bad).is_err(), "{bad}");
    }
    assert!(Reviewer::parse(&format!("acme/{}", "x".repeat(101))).is_err());
    assert!(Reviewer::parse(&"x".repeat(40)).is_err());
}

#[test]
fn a_bad_reviewer_says_what_to_write() {
    let e = |s: &str| Reviewer::parse(s).unwrap_err().to_string();
    assert_eq!(
        e("@acme/release"),
        "`@acme/release` is not a valid reviewer: write it without the `@`, as `acme/release`"
    );
    assert_eq!(
        e("acme/Release"),
        "`acme/Release` is not a valid reviewer: a team slug has 1 to 100 lowercase letters, \
         digits or hyphens, as in the team's URL (`github.com/orgs/acme/teams/<slug>`); did you \
         mean `acme/release`?"
    );
    assert_eq!(
        e("a b"),
        "`a b` is not a valid reviewer: a GitHub login has 1 to 39 letters, digits or hyphens, \
         or a team as `org/team-slug`"
    );
}

#[test]
fn reviewers_of_old_manifests_load_as_logins() {
    let old: Vec<Reviewer> = serde_json::from_str(r#"["bob", "api-lead"]"#).unwrap();
    assert!(old.iter().all(|r| r.login().is_some()));
    let e = serde_json::from_str::<Vec<Reviewer>>(r#"["acme/Release"]"#).unwrap_err();
    assert!(e.to_string().contains("did you mean `acme/release`"), "{e}");
}
