//! Git plumbing for the sandbox: every repository is a bare repository driven through the `git`
//! binary with argv (never a shell), fixed identities and caller-supplied timestamps, so the same
//! sequence of operations always yields the same SHAs.

mod history;
mod names;
mod read;
mod write;

pub use names::{valid_path, valid_ref_name};

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

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
}
