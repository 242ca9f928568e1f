//! JSON shapes of users, repositories, commits and refs, as GitHub's REST API returns them.

use base64::Engine;
use serde_json::{Value, json};

use super::git::{CommitInfo, FileChange, Ident};
use super::state::{Repo, State};

/// RFC 3339 UTC time for seconds since the epoch.
pub fn ts(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Opaque GraphQL-ish node id.
pub fn node_id(kind: &str, id: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{id}"))
}

/// A `simple-user` for a login.
pub fn user(base: &str, st: &State, login: &str) -> Value {
    let kind = st.user_kind(login).as_str();
    account(base, login, st.user_id(login), kind)
}

fn account(base: &str, login: &str, id: u64, kind: &str) -> Value {
    // An App's `<slug>[bot]` in a URL: GitHub escapes the brackets (`/users/x%5Bbot%5D`).
    let login_url = login.replace('[', "%5B").replace(']', "%5D");
    let u = format!("{base}/users/{login_url}");
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("User", id),
        "avatar_url": format!("{base}/avatars/{login_url}"),
        "gravatar_id": "",
        "url": u,
        "html_url": format!("{base}/{login_url}"),
        "followers_url": format!("{u}/followers"),
        "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"),
        "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"),
        "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"),
        "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"),
        "type": kind,
        "site_admin": false,
    })
}

/// The owner of a repository: a seeded user, or an organization.
pub fn owner(base: &str, st: &State, login: &str) -> Value {
    if st.user(login).is_some() {
        user(base, st, login)
    } else {
        account(
            base,
            login,
            500_000 + super::state::fnv(login) % 100_000,
            "Organization",
        )
    }
}

/// The API URL of a repository.
pub fn repo_url(base: &str, full_name: &str) -> String {
    format!("{base}/repos/{full_name}")
}

/// A repository (`full-repository`, which also satisfies `repository` and `minimal-repository`).
pub fn repo(base: &str, st: &State, r: &Repo) -> Value {
    let full = r.full_name();
    let u = repo_url(base, &full);
    let open = r.issues.values().filter(|i| i.state == "open").count();
    let mut v = json!({
        "id": r.id,
        "node_id": node_id("Repository", r.id),
        "name": r.name,
        "full_name": full,
        "owner": owner(base, st, &r.owner),
        "private": false,
        "html_url": format!("{base}/{full}"),
        "description": null,
        "fork": false,
        "url": u,
        "clone_url": format!("{base}/{full}.git"),
        "git_url": format!("git://sandbox/{full}.git"),
        "ssh_url": format!("git@sandbox:{full}.git"),
        "svn_url": format!("{base}/{full}"),
        "mirror_url": null,
        "homepage": null,
        "language": null,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": r.default_branch,
        "open_issues": open,
        "open_issues_count": open,
    });
    let more = json!({
        "is_template": false,
        "topics": [],
        "has_issues": true,
        "has_projects": false,
        "has_wiki": false,
        "has_pages": false,
        "has_downloads": true,
        "has_discussions": false,
        "archived": false,
        "disabled": false,
        "visibility": "public",
        "license": null,
        "pushed_at": ts(r.pushed),
        "created_at": ts(r.created),
        "updated_at": ts(r.pushed),
        "allow_merge_commit": r.settings.allow_merge_commit,
        "allow_squash_merge": r.settings.allow_squash_merge,
        "allow_rebase_merge": r.settings.allow_rebase_merge,
        "delete_branch_on_merge": r.settings.delete_branch_on_merge,
        "network_count": 0,
        "subscribers_count": 0,
    });
    if let (Some(obj), Some(more)) = (v.as_object_mut(), more.as_object()) {
        obj.extend(more.clone());
    }
    let templates = [
        ("archive_url", "/{archive_format}{/ref}"),
        ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("comments_url", "/comments{/number}"),
        ("commits_url", "/commits{/sha}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"),
        ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"),
        ("downloads_url", "/downloads"),
        ("events_url", "/events"),
        ("forks_url", "/forks"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("hooks_url", "/hooks"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"),
        ("issues_url", "/issues{/number}"),
        ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"),
        ("languages_url", "/languages"),
        ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"),
        (
            "notifications_url",
            "/notifications{?since,all,participating}",
        ),
        ("pulls_url", "/pulls{/number}"),
        ("releases_url", "/releases{/id}"),
        ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("tags_url", "/tags"),
        ("teams_url", "/teams"),
        ("trees_url", "/git/trees{/sha}"),
    ];
    for (key, suffix) in templates {
        v[key] = json!(format!("{u}{suffix}"));
    }
    v
}

/// `{name, email, date}` of a git identity.
pub fn git_user(i: &Ident) -> Value {
    json!({"name": i.name, "email": i.email, "date": ts(i.time)})
}

fn verification() -> Value {
    json!({"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null})
}

/// A `commit` (as from `GET /commits/{ref}`), with `files` and `stats` when given.
pub fn commit(
    base: &str,
    st: &State,
    full: &str,
    c: &CommitInfo,
    files: Option<&[FileChange]>,
) -> Value {
    let u = repo_url(base, full);
    let login_of = |i: &Ident| {
        i.email
            .strip_suffix("@users.noreply.sandbox")
            .map(|login| user(base, st, login))
            .unwrap_or(Value::Null)
    };
    let mut v = json!({
        "sha": c.sha,
        "node_id": node_id("Commit", super::state::fnv(&c.sha)),
        "url": format!("{u}/commits/{}", c.sha),
        "html_url": format!("{base}/{full}/commit/{}", c.sha),
        "comments_url": format!("{u}/commits/{}/comments", c.sha),
        "commit": {
            "url": format!("{u}/git/commits/{}", c.sha),
            "author": git_user(&c.author),
            "committer": git_user(&c.committer),
            "message": c.message,
            "comment_count": 0,
            "tree": {"sha": c.tree, "url": format!("{u}/git/trees/{}", c.tree)},
            "verification": verification(),
        },
        "author": login_of(&c.author),
        "committer": login_of(&c.committer),
        "parents": c.parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{u}/commits/{p}"),
            "html_url": format!("{base}/{full}/commit/{p}"),
        })).collect::<Vec<_>>(),
    });
    if let Some(files) = files {
        let (add, del) = files
            .iter()
            .fold((0, 0), |(a, d), f| (a + f.additions, d + f.deletions));
        v["stats"] = json!({"additions": add, "deletions": del, "total": add + del});
        v["files"] = json!(
            files
                .iter()
                .map(|f| diff_entry(base, full, &c.sha, f))
                .collect::<Vec<_>>()
        );
    }
    v
}

/// A `diff-entry`.
pub fn diff_entry(base: &str, full: &str, sha: &str, f: &FileChange) -> Value {
    let u = repo_url(base, full);
    json!({
        "sha": f.blob,
        "filename": f.path,
        "status": f.status,
        "additions": f.additions,
        "deletions": f.deletions,
        "changes": f.additions + f.deletions,
        "blob_url": format!("{base}/{full}/blob/{sha}/{}", f.path),
        "raw_url": format!("{base}/{full}/raw/{sha}/{}", f.path),
        "contents_url": format!("{u}/contents/{}?ref={sha}", f.path),
    })
}

/// The short commit shape inside file-commit and webhook payloads.
pub fn git_commit(base: &str, full: &str, c: &CommitInfo) -> Value {
    let u = repo_url(base, full);
    json!({
        "sha": c.sha,
        "node_id": node_id("Commit", super::state::fnv(&c.sha)),
        "url": format!("{u}/git/commits/{}", c.sha),
        "html_url": format!("{base}/{full}/commit/{}", c.sha),
        "author": git_user(&c.author),
        "committer": git_user(&c.committer),
        "message": c.message,
        "tree": {"sha": c.tree, "url": format!("{u}/git/trees/{}", c.tree)},
        "parents": c.parents.iter().map(|p| json!({
            "sha": p, "url": format!("{u}/git/commits/{p}"), "html_url": format!("{base}/{full}/commit/{p}"),
        })).collect::<Vec<_>>(),
        "verification": verification(),
    })
}

/// A `simple-commit` (workflow runs' `head_commit`, push payloads).
pub fn simple_commit(c: &CommitInfo) -> Value {
    json!({
        "id": c.sha,
        "tree_id": c.tree,
        "message": c.message,
        "timestamp": ts(c.committer.time),
        "author": {"name": c.author.name, "email": c.author.email},
        "committer": {"name": c.committer.name, "email": c.committer.email},
    })
}

/// A `git-ref`.
pub fn git_ref(base: &str, full: &str, refname: &str, sha: &str) -> Value {
    let u = repo_url(base, full);
    let short = refname.strip_prefix("refs/").unwrap_or(refname);
    json!({
        "ref": refname,
        "node_id": node_id("Ref", super::state::fnv(&format!("{full}:{refname}"))),
        "url": format!("{u}/git/refs/{short}"),
        "object": {"type": "commit", "sha": sha, "url": format!("{u}/git/commits/{sha}")},
    })
}

/// A `branch-with-protection`; `required` lists its required status checks.
pub fn branch(
    base: &str,
    st: &State,
    full: &str,
    name: &str,
    c: &CommitInfo,
    protection: &crate::protection::BranchProtection,
) -> Value {
    let u = repo_url(base, full);
    let protected = protection.is_protected();
    let required = &protection.required_checks;
    let checks: Vec<Value> = required
        .iter()
        .map(|c| json!({"context": c, "app_id": null}))
        .collect();
    let level = if protected { "non_admins" } else { "off" };
    json!({
        "name": name,
        "commit": commit(base, st, full, c, None),
        "_links": {"self": format!("{u}/branches/{name}"), "html": format!("{base}/{full}/tree/{name}")},
        "protected": protected,
        "protection": {"enabled": protected, "required_status_checks": {"enforcement_level": level, "contexts": required, "checks": checks}},
        "protection_url": format!("{u}/branches/{name}/protection"),
    })
}
