//! REST paths, with every user-supplied part percent-encoded. Only the typed layer builds
//! paths; `convoy::github::path` re-exports this module for callers of the raw client.

use crate::model::ids::{BranchName, RepoName};

/// Percent-encodes one path segment or query value (everything but `A-Z a-z 0-9 - . _ ~`).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/repos/{owner}/{repo}`.
pub fn repo(r: &RepoName) -> String {
    format!("/repos/{}/{}", enc(r.owner()), enc(r.name()))
}

/// `/repos/{owner}/{repo}/git/ref/heads/{branch}` — slashes of the branch kept, each part encoded.
pub fn head_ref(r: &RepoName, branch: &BranchName) -> String {
    let parts: Vec<String> = branch.as_str().split('/').map(enc).collect();
    format!("{}/git/ref/heads/{}", repo(r), parts.join("/"))
}

/// `/repos/{owner}/{repo}/git/refs/heads/{branch}` (update and delete).
pub fn heads_ref(r: &RepoName, branch: &BranchName) -> String {
    let parts: Vec<String> = branch.as_str().split('/').map(enc).collect();
    format!("{}/git/refs/heads/{}", repo(r), parts.join("/"))
}

/// A file path in the contents API (slashes kept, parts encoded).
pub fn contents(r: &RepoName, file: &str) -> String {
    let parts: Vec<String> = file.split('/').map(enc).collect();
    format!("{}/contents/{}", repo(r), parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_must_be_encoded() {
        assert_eq!(enc("rc/1.0 x#y"), "rc%2F1.0%20x%23y");
        let r = RepoName::parse("acme/api").unwrap();
        let b = BranchName::parse("rc/2026.12.0").unwrap();
        assert_eq!(
            head_ref(&r, &b),
            "/repos/acme/api/git/ref/heads/rc/2026.12.0"
        );
        assert_eq!(
            contents(&r, "releases/x y/manifest.json"),
            "/repos/acme/api/contents/releases/x%20y/manifest.json"
        );
    }
}
