//! Conditional requests: the answers of convoy's reads, kept with their `ETag`s, so that a read
//! repeated run after run goes out with `If-None-Match` and GitHub answers `304 Not Modified`,
//! which it does not count against the primary rate limit when the request is authenticated.
//!
//! The cache only ever saves requests: an entry whose `ETag` GitHub no longer matches gets a
//! full `200` answer (which replaces it), and an empty cache sends plain requests. It lives in
//! the client ([`super::client::GitHub`]) for the run, and between runs in the cache file the
//! Action restores and saves ([`super::cache_file`]).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Entries kept at most; the least recently used go first beyond it.
pub const MAX_ENTRIES: usize = 8_192;

/// Answers larger than this (serialised) are not kept: they would make the cache file heavy for
/// little gain.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// One kept answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The `ETag` GitHub sent with it.
    pub etag: String,
    /// The JSON body.
    pub body: Value,
    /// The `Link: rel="next"` URL, for a page of a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// When it was last used, in uses of the cache (for eviction).
    #[serde(default)]
    pub used: u64,
}

/// What the cache did, for the run's log and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EtagStats {
    /// Reads answered `304 Not Modified` from a kept answer.
    pub not_modified: u64,
    /// Reads sent with an `ETag` that GitHub answered in full (the entry was stale).
    pub refreshed: u64,
}

/// The kept answers, by request path (with its query).
#[derive(Debug, Default)]
pub struct Etags {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    clock: u64,
    stats: EtagStats,
}

impl Etags {
    /// A cache holding `entries` (from a cache file).
    pub fn from_entries(entries: HashMap<String, Entry>) -> Self {
        let clock = entries.values().map(|e| e.used).max().unwrap_or(0);
        Etags {
            inner: Mutex::new(Inner {
                entries,
                clock,
                stats: EtagStats::default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the map whole (every update is one insert or
        // remove), so the entries are still good to use.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `ETag` to send with a GET of `path`, if an answer is kept.
    pub fn etag(&self, path: &str) -> Option<String> {
        self.lock().entries.get(path).map(|e| e.etag.clone())
    }

    /// The kept answer of `path`, after GitHub said `304 Not Modified` to its `ETag`.
    pub fn not_modified(&self, path: &str) -> Option<(Value, Option<String>)> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(path)?;
        entry.used = now;
        let answer = (entry.body.clone(), entry.next.clone());
        inner.stats.not_modified += 1;
        Some(answer)
    }

    /// Keeps a full answer of `path` with its `etag`; `had` says whether the request went out
    /// with an older `ETag`.
    pub fn store(&self, path: &str, etag: &str, body: &Value, next: Option<&str>, had: bool) {
        let big = serde_json::to_vec(body).map_or(true, |b| b.len() > MAX_BODY_BYTES);
        let mut inner = self.lock();
        if had {
            inner.stats.refreshed += 1;
        }
        if big {
            inner.entries.remove(path);
            return;
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.entries.insert(
            path.to_owned(),
            Entry {
                etag: etag.to_owned(),
                body: body.clone(),
                next: next.map(str::to_owned),
                used,
            },
        );
        if inner.entries.len() > MAX_ENTRIES {
            evict(&mut inner.entries);
        }
    }

    /// Forgets the answer of `path` (its resource was just written).
    pub fn forget(&self, path: &str) {
        self.lock().entries.remove(path);
    }

    /// The kept answers, for the cache file.
    pub fn entries(&self) -> HashMap<String, Entry> {
        self.lock().entries.clone()
    }

    /// What the cache did so far.
    pub fn stats(&self) -> EtagStats {
        self.lock().stats
    }
}

/// Drops the least recently used quarter of `entries`.
fn evict(entries: &mut HashMap<String, Entry>) {
    let mut uses: Vec<u64> = entries.values().map(|e| e.used).collect();
    uses.sort_unstable();
    let cut = uses.get(uses.len() / 4).copied().unwrap_or(0);
    entries.retain(|_, e| e.used > cut);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_kept_answer_comes_back_on_not_modified_and_counts() {
        let c = Etags::default();
        assert_eq!(c.etag("/a"), None);
        c.store("/a", "W/\"1\"", &json!([1]), Some("/a?page=2"), false);
        assert_eq!(c.etag("/a").as_deref(), Some("W/\"1\""));
        assert_eq!(
            c.not_modified("/a"),
            Some((json!([1]), Some("/a?page=2".to_owned())))
        );
        c.store("/a", "W/\"2\"", &json!([2]), None, true);
        assert_eq!(c.etag("/a").as_deref(), Some("W/\"2\""));
        assert_eq!(
            c.stats(),
            EtagStats {
                not_modified: 1,
                refreshed: 1
            }
        );
        c.forget("/a");
        assert_eq!(c.not_modified("/a"), None);
    }

    #[test]
    fn big_answers_are_not_kept_and_the_cache_stays_bounded() {
        let c = Etags::default();
        c.store(
            "/big",
            "e",
            &json!("x".repeat(MAX_BODY_BYTES + 1)),
            None,
            false,
        );
        assert_eq!(c.etag("/big"), None);
        for i in 0..=MAX_ENTRIES {
            c.store(&format!("/{i}"), "e", &json!(i), None, false);
        }
        let n = c.entries().len();
        assert!(n <= MAX_ENTRIES && n > MAX_ENTRIES / 2, "{n} entries");
        // The newest survive.
        assert!(c.etag(&format!("/{MAX_ENTRIES}")).is_some());
        assert!(c.etag("/0").is_none());
    }
}
