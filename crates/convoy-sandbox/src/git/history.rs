//! Merges and history: three-way merges, ancestry, merge bases, commit ranges and diffs.

use anyhow::Result;

use super::{FileChange, MergeOutcome, Repo};

impl Repo {
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
