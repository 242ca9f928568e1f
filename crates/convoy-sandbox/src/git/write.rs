//! Writing objects and refs: blobs, trees, commits, ref updates and deletions.

use anyhow::Result;

use super::{Ident, Repo};

/// The all-zero object id git uses to remove an index entry.
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

impl Repo {
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
}
