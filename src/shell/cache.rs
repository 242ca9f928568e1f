//! The cache file: what one run leaves the next so it spends fewer requests — the answers of
//! its reads with their `ETag`s ([`crate::github::etags`]), and what it saw of each release at
//! which manifest revision ([`crate::runner::memory`]).
//!
//! The control workflow restores it before convoy runs and saves it after (the `cache-file`
//! input, with `actions/cache`). It is an optimisation only: a missing, unreadable, stale or
//! foreign file costs requests and changes no decision, because every answer it holds is
//! revalidated by its `ETag` and every observation is used only at the manifest revision it
//! was made for.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::github::etags::{Entry, Etags};
use crate::model::ids::ReleaseId;
use crate::runner::memory::{Memory, Seen};

/// The file's format version; a file of another version is ignored.
pub const VERSION: u32 = 1;

/// The cache file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CacheFile {
    /// [`VERSION`].
    pub version: u32,
    /// The kept answers, by request path.
    #[serde(default)]
    pub etags: HashMap<String, Entry>,
    /// What convoy last saw of each release.
    #[serde(default)]
    pub seen: BTreeMap<ReleaseId, Seen>,
}

impl CacheFile {
    /// Reads `path`; a file that is missing, unreadable or of another version gives an empty
    /// cache (with a warning, except when missing: the first run has none).
    pub fn load(path: &Path) -> CacheFile {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::info!("no cache at {}: this run reads everything", path.display());
                return CacheFile::default();
            }
            Err(e) => {
                tracing::warn!("the cache {} cannot be read ({e}): ignored", path.display());
                return CacheFile::default();
            }
        };
        match serde_json::from_str::<CacheFile>(&text) {
            Ok(c) if c.version == VERSION => c,
            Ok(c) => {
                tracing::warn!(
                    "the cache {} is of version {} (this convoy writes {VERSION}): ignored",
                    path.display(),
                    c.version
                );
                CacheFile::default()
            }
            Err(e) => {
                tracing::warn!(
                    "the cache {} is not convoy's ({e}): ignored",
                    path.display()
                );
                CacheFile::default()
            }
        }
    }

    /// Splits it into the client's answers and the runner's memory.
    pub fn into_parts(self) -> (Etags, Memory) {
        (
            Etags::from_entries(self.etags),
            Memory::from_entries(self.seen),
        )
    }

    /// The cache of a run that ends with `etags` and `memory`.
    pub fn of(etags: &Etags, memory: &Memory) -> CacheFile {
        CacheFile {
            version: VERSION,
            etags: etags.entries(),
            seen: memory.entries(),
        }
    }

    /// Writes it to `path` whole or not at all (a temporary file beside it, then renamed), making
    /// the directory when needed.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tmp = path.with_extension("tmp");
        let text = serde_json::to_vec(self).context("serialising the cache")?;
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("moving {} to {}", tmp.display(), path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_cache_loads_back_and_a_bad_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cache.json");
        assert!(CacheFile::load(&path).etags.is_empty());
        let etags = Etags::default();
        etags.store(
            "/repos/a/b",
            "W/\"1\"",
            &serde_json::json!({"x": 1}),
            None,
            false,
        );
        CacheFile::of(&etags, &Memory::default())
            .save(&path)
            .unwrap();
        let back = CacheFile::load(&path);
        assert_eq!(back.version, VERSION);
        assert_eq!(back.etags.len(), 1);
        let (etags, _) = back.into_parts();
        assert_eq!(etags.etag("/repos/a/b").as_deref(), Some("W/\"1\""));

        std::fs::write(&path, "{not json").unwrap();
        assert!(CacheFile::load(&path).etags.is_empty());
        std::fs::write(&path, r#"{"version": 99, "etags": {}}"#).unwrap();
        assert_eq!(CacheFile::load(&path).version, 0);
    }
}
