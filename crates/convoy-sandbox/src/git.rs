//! Git plumbing for the sandbox: every repository is a bare repository driven through the `git`
//! binary with argv (never a shell), fixed identities and caller-supplied timestamps, so the same
//! sequence of operations always yields the same SHAs.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The all-zero object id git uses to remove an index entry.
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// A name, e-mail and time for a commit's author or committer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Seconds since the Unix epoch (UTC).
    pub time: i64,
}

/// A parsed commit object.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// The commit's own id.
    pub sha: String,
    /// Its root tree.
    pub tree: String,
    /// Parent commit ids, in order.
    pub parents: Vec<String>,
    /// Author.
    pub author: Ident,
    /// Committer.
    pub committer: Ident,
    /// Full message.
    pub message: String,
}

/// One entry of a tree listing.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    /// `blob`, `tree` or `commit` (submodule).
    pub kind: String,
    /// Object id.
    pub sha: String,
    /// Size in bytes for blobs, 0 otherwise.
    pub size: u64,
    /// Path from the repository root.
    pub path: String,
}

/// One changed file between two commits.
#[derive(Debug, Clone)]
pub struct FileChange {
    /// GitHub's status word: `added`, `removed`, `modified`, `renamed`.
    pub status: &'static str,
    /// Path after the change.
    pub path: String,
    /// Lines added (0 for binary files).
    pub additions: u64,
    /// Lines deleted (0 for binary files).
    pub deletions: u64,
    /// Blob id after the change (before it, for removals).
    pub blob: String,
}

/// The result of a three-way merge of two commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The merge is clean; the merged tree.
    Clean(String),
    /// The merge conflicts in these paths.
    Conflict(Vec<String>),
}

/// A bare repository on disk.
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

struct Output {
    code: i32,
    stdout: Vec<u8>,
}

impl Repo {
    /// Opens (without checking) the bare repository at `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The repository's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates a bare repository with `main` as its initial HEAD.
    pub async fn init(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        tokio::fs::create_dir_all(&dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
        let repo = Self { dir };
        repo.ok(
            &["init", "--bare", "--quiet", "--initial-branch=main", "."],
            None,
            &[],
        )
        .await?;
        Ok(repo)
    }

    async fn run(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        env: &[(&str, String)],
    ) -> Result<Output> {
        self.spawn(args, stdin, env, false).await
    }

    /// Runs git; any exit code is returned (`lenient`) or only 0 and 1 (otherwise an error).
    async fn spawn(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        env: &[(&str, String)],
        lenient: bool,
    ) -> Result<Output> {
        let mut cmd = Command::new("git");
        cmd.arg("-C")
            .arg(&self.dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().context("running git")?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input).await.context("writing to git")?;
            drop(pipe);
        }
        let out = child.wait_with_output().await.context("waiting for git")?;
        let code = out.status.code().unwrap_or(-1);
        if !lenient && code != 0 && code != 1 {
            bail!(
                "git {} failed ({code}): {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(Output {
            code,
            stdout: out.stdout,
        })
    }

    /// Runs git and fails on any non-zero exit; returns trimmed stdout.
    async fn ok(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        env: &[(&str, String)],
    ) -> Result<String> {
        let out = self.run(args, stdin, env).await?;
        if out.code != 0 {
            bail!("git {} exited with {}", args.join(" "), out.code);
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    }

    /// Stores `content` as a blob and returns its id.
    pub async fn write_blob(&self, content: &[u8]) -> Result<String> {
        self.ok(&["hash-object", "-w", "--stdin"], Some(content), &[])
            .await
    }

    /// Writes a tree equal to `base` (or empty) with `changes` applied: `Some(blob)` sets a
    /// regular file, `None` removes the path.
    pub async fn tree_with(
        &self,
        base: Option<&str>,
        changes: &[(String, Option<String>)],
    ) -> Result<String> {
        let index = self.dir.join("sandbox-index");
        let env = [("GIT_INDEX_FILE", index.to_string_lossy().into_owned())];
        match base {
            Some(tree) => self.ok(&["read-tree", tree], None, &env).await?,
            None => self.ok(&["read-tree", "--empty"], None, &env).await?,
        };
        let mut info = String::new();
        for (path, blob) in changes {
            match blob {
                Some(sha) => info.push_str(&format!("100644 {sha}\t{path}\n")),
                None => info.push_str(&format!("0 {ZERO_OID}\t{path}\n")),
            }
        }
        self.ok(
            &["update-index", "--index-info"],
            Some(info.as_bytes()),
            &env,
        )
        .await?;
        let tree = self.ok(&["write-tree"], None, &env).await;
        // The index is scratch space; a leftover file is harmless, so ignore removal errors.
        let _ = tokio::fs::remove_file(&index).await;
        tree
    }

    /// Creates a commit object and returns its id.
    pub async fn commit_tree(
        &self,
        tree: &str,
        parents: &[&str],
        message: &str,
        author: &Ident,
        committer: &Ident,
    ) -> Result<String> {
        let mut args = vec!["commit-tree", tree];
        for p in parents {
            args.push("-p");
            args.push(p);
        }
        let env = [
            ("GIT_AUTHOR_NAME", author.name.clone()),
            ("GIT_AUTHOR_EMAIL", author.email.clone()),
            ("GIT_AUTHOR_DATE", format!("@{} +0000", author.time)),
            ("GIT_COMMITTER_NAME", committer.name.clone()),
            ("GIT_COMMITTER_EMAIL", committer.email.clone()),
            ("GIT_COMMITTER_DATE", format!("@{} +0000", committer.time)),
        ];
        self.ok(&args, Some(message.as_bytes()), &env).await
    }

    /// Points `refname` (e.g. `refs/heads/main`) at `sha`.
    pub async fn update_ref(&self, refname: &str, sha: &str) -> Result<()> {
        self.ok(&["update-ref", "--end-of-options", refname, sha], None, &[])
            .await
            .map(drop)
    }

    /// Deletes `refname`.
    pub async fn delete_ref(&self, refname: &str) -> Result<()> {
        self.ok(
            &["update-ref", "-d", "--end-of-options", refname],
            None,
            &[],
        )
        .await
        .map(drop)
    }

    /// Resolves a full commit id when `rev` names an existing commit.
    pub async fn resolve_commit(&self, rev: &str) -> Result<Option<String>> {
        if rev.starts_with('-') {
            return Ok(None);
        }
        let spec = format!("{rev}^{{commit}}");
        let out = self
            .run(
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    "--end-of-options",
                    &spec,
                ],
                None,
                &[],
            )
            .await?;
        Ok((out.code == 0).then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// The tree id when `sha` is the full id of an existing tree (GitHub's `tree` fields take
    /// full tree ids only, never commits or abbreviations).
    pub async fn resolve_tree(&self, sha: &str) -> Result<Option<String>> {
        if sha.starts_with('-') || sha.len() != 40 {
            return Ok(None);
        }
        let out = self
            .run(&["cat-file", "-t", "--end-of-options", sha], None, &[])
            .await?;
        let kind = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok((out.code == 0 && kind == "tree").then(|| sha.to_ascii_lowercase()))
    }

    /// The blob id when `sha` is the full id of an existing blob (GitHub's blobs API takes full
    /// ids only).
    pub async fn resolve_blob(&self, sha: &str) -> Result<Option<String>> {
        if sha.len() != 40 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let out = self
            .run(&["cat-file", "-t", "--end-of-options", sha], None, &[])
            .await?;
        let kind = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok((out.code == 0 && kind == "blob").then(|| sha.to_ascii_lowercase()))
    }

    /// Reads and parses a commit object.
    pub async fn read_commit(&self, sha: &str) -> Result<CommitInfo> {
        let raw = self
            .ok(&["cat-file", "commit", "--end-of-options", sha], None, &[])
            .await?;
        parse_commit(sha, &raw)
    }

    /// Lists the entries at `path` in `commit` (the root when `path` is empty); when `path` is a
    /// file, the single entry for it. Sizes are filled for blobs.
    pub async fn ls_tree(
        &self,
        commit: &str,
        path: &str,
        children: bool,
    ) -> Result<Vec<TreeEntry>> {
        let trimmed = path.trim_matches('/');
        let spec = if trimmed.is_empty() {
            commit.to_owned()
        } else if children {
            format!("{commit}:{trimmed}")
        } else {
            commit.to_owned()
        };
        let mut args = vec![
            "ls-tree",
            "-l",
            "-z",
            "--full-tree",
            "--end-of-options",
            spec.as_str(),
        ];
        if !children && !trimmed.is_empty() {
            args.push("--");
            args.push(trimmed);
        }
        // A missing directory exits 128: it lists as empty.
        let out = self.spawn(&args, None, &[], true).await?;
        if out.code != 0 {
            return Ok(Vec::new());
        }
        let prefix = if children && !trimmed.is_empty() {
            format!("{trimmed}/")
        } else {
            String::new()
        };
        let mut entries = Vec::new();
        for record in out.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let record = String::from_utf8_lossy(record);
            let Some((meta, name)) = record.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split_whitespace();
            let (_mode, kind, sha, size) = (parts.next(), parts.next(), parts.next(), parts.next());
            entries.push(TreeEntry {
                kind: kind.unwrap_or("blob").to_owned(),
                sha: sha.unwrap_or_default().to_owned(),
                size: size.and_then(|s| s.parse().ok()).unwrap_or(0),
                path: format!("{prefix}{name}"),
            });
        }
        Ok(entries)
    }

    /// Returns the content of a blob.
    pub async fn read_blob(&self, sha: &str) -> Result<Vec<u8>> {
        let out = self
            .run(&["cat-file", "blob", "--end-of-options", sha], None, &[])
            .await?;
        if out.code != 0 {
            bail!("no blob {sha}");
        }
        Ok(out.stdout)
    }

    /// Reads the file at `path` in `commit`, if it exists.
    pub async fn read_file(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let entries = self.ls_tree(commit, path, false).await?;
        match entries.into_iter().find(|e| e.kind == "blob") {
            Some(e) => Ok(Some(self.read_blob(&e.sha).await?)),
            None => Ok(None),
        }
    }

    /// Three-way merges `theirs` into `ours` (with `base` as merge base when given).
    pub async fn merge_tree(
        &self,
        ours: &str,
        theirs: &str,
        base: Option<&str>,
    ) -> Result<MergeOutcome> {
        let base_arg = base.map(|b| format!("--merge-base={b}"));
        let mut args = vec!["merge-tree", "--write-tree", "--name-only", "--no-messages"];
        if let Some(b) = &base_arg {
            args.push(b);
        }
        args.push("--end-of-options");
        args.push(ours);
        args.push(theirs);
        let out = self.run(&args, None, &[]).await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let tree = lines.next().unwrap_or_default().to_owned();
        if out.code == 0 {
            Ok(MergeOutcome::Clean(tree))
        } else {
            Ok(MergeOutcome::Conflict(
                lines.filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            ))
        }
    }

    /// Whether `ancestor` is reachable from `descendant`.
    pub async fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let out = self
            .run(
                &[
                    "merge-base",
                    "--is-ancestor",
                    "--end-of-options",
                    ancestor,
                    descendant,
                ],
                None,
                &[],
            )
            .await?;
        Ok(out.code == 0)
    }

    /// The best common ancestor of two commits.
    pub async fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>> {
        let out = self
            .run(&["merge-base", "--end-of-options", a, b], None, &[])
            .await?;
        Ok((out.code == 0).then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// Commits reachable from `head` but not from `base`, oldest first.
    pub async fn commits_between(&self, base: &str, head: &str) -> Result<Vec<String>> {
        let range = format!("{base}..{head}");
        let out = self
            .ok(
                &[
                    "rev-list",
                    "--reverse",
                    "--topo-order",
                    "--end-of-options",
                    &range,
                ],
                None,
                &[],
            )
            .await?;
        Ok(out.lines().map(str::to_owned).collect())
    }

    /// Files changed from commit `a` to commit `b`.
    pub async fn diff(&self, a: &str, b: &str) -> Result<Vec<FileChange>> {
        let status = self
            .ok(
                &[
                    "diff-tree",
                    "-r",
                    "--no-renames",
                    "--raw",
                    "-z",
                    "--end-of-options",
                    a,
                    b,
                ],
                None,
                &[],
            )
            .await?;
        let numstat = self
            .ok(
                &[
                    "diff-tree",
                    "-r",
                    "--no-renames",
                    "--numstat",
                    "-z",
                    "--end-of-options",
                    a,
                    b,
                ],
                None,
                &[],
            )
            .await?;
        let mut counts = std::collections::HashMap::new();
        for rec in numstat.split('\0').filter(|r| !r.is_empty()) {
            let mut parts = rec.splitn(3, '\t');
            let (add, del, path) = (parts.next(), parts.next(), parts.next());
            if let Some(path) = path {
                let n = |s: Option<&str>| s.and_then(|s| s.parse().ok()).unwrap_or(0);
                counts.insert(path.to_owned(), (n(add), n(del)));
            }
        }
        let mut out = Vec::new();
        let mut fields = status.split('\0').filter(|r| !r.is_empty());
        while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
            let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
            let (old, new, letter) = (parts.get(2), parts.get(3), parts.get(4));
            let status = match letter.copied() {
                Some("A") => "added",
                Some("D") => "removed",
                _ => "modified",
            };
            let blob = if status == "removed" { old } else { new };
            let (additions, deletions) = counts.get(path).copied().unwrap_or((0, 0));
            out.push(FileChange {
                status,
                path: path.to_owned(),
                additions,
                deletions,
                blob: blob.map(|s| (*s).to_owned()).unwrap_or_default(),
            });
        }
        Ok(out)
    }
}

/// Whether `name` (e.g. `refs/heads/rc/r1`, or a branch name) is a valid git ref name, by the
/// rules of `git check-ref-format`, and no component starts with `-` (so no name can ever read
/// as an option, e.g. `--upload-pack=…`, wherever it reaches git's argv).
pub fn valid_ref_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.ends_with('.')
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && name != "@"
        && !name
            .chars()
            .any(|c| c.is_ascii_control() || " ~^:?*[\\".contains(c))
        && name.split('/').all(|part| {
            !part.starts_with('.') && !part.starts_with('-') && !part.ends_with(".lock")
        })
}

/// Whether `path` is a valid file path inside a repository: relative, no empty, `.`, `..` or
/// `.git` components, no control characters (a newline or tab would forge a line of the
/// `update-index --index-info` input).
pub fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && part != ".git")
}

fn parse_ident(value: &str) -> Ident {
    // "Name <email> 1700000000 +0000"
    let (name, rest) = value.split_once(" <").unwrap_or((value, ""));
    let (email, rest) = rest.split_once("> ").unwrap_or((rest, ""));
    let time = rest
        .split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    Ident {
        name: name.to_owned(),
        email: email.to_owned(),
        time,
    }
}

fn parse_commit(sha: &str, raw: &str) -> Result<CommitInfo> {
    let (header, message) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut info = CommitInfo {
        sha: sha.to_owned(),
        tree: String::new(),
        parents: Vec::new(),
        author: parse_ident(""),
        committer: parse_ident(""),
        message: message.to_owned(),
    };
    for line in header.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "tree" => info.tree = value.to_owned(),
            "parent" => info.parents.push(value.to_owned()),
            "author" => info.author = parse_ident(value),
            "committer" => info.committer = parse_ident(value),
            _ => {}
        }
    }
    if info.tree.is_empty() {
        bail!("commit {sha} has no tree");
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names() {
        for ok in ["refs/heads/main", "rc/r1", "refs/tags/v1.0.0", "feat/x-y_z"] {
            assert!(valid_ref_name(ok), "{ok}");
        }
        for bad in [
            "",
            "a..b",
            "a b",
            "a/",
            "/a",
            "a.lock",
            "a/.b",
            "a~1",
            "a^",
            "a:b",
            "a@{1}",
            "a//b",
            "x.",
            "-x",
            "refs/heads/-x",
            "--upload-pack=touch /tmp/x",
            "a\nb",
        ] {
            assert!(!valid_ref_name(bad), "{bad}");
        }
        assert!(valid_path("src/lib.rs") && valid_path(".github/workflows/e2e.yml"));
        for bad in [
            "",
            "/abs",
            "a//b",
            "../x",
            "a/./b",
            ".git/config",
            "a/",
            "a\n100644 x\tb",
            "a\tb",
        ] {
            assert!(!valid_path(bad), "{bad}");
        }
    }
}
