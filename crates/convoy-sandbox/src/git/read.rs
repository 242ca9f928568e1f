//! Reading objects: resolving revisions, reading commits, listing trees, reading blobs and files.

use anyhow::{Result, bail};

use super::{CommitInfo, Ident, Repo, TreeEntry};

impl Repo {
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
