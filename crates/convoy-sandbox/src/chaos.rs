//! Seeded random faults for chaos tests: `PUT /_sandbox/chaos` makes a share of one token's API
//! requests go wrong the ways GitHub's do, reproducibly for a seed.
//!
//! The kinds, drawn uniformly for a request picked at `rate`:
//!
//! | kind | what the client sees | applied? |
//! |---|---|---|
//! | `server_error` | 502/503/500 | no |
//! | `lost_response` | 502 after the request was carried out (a connection dropped on the way back) | yes |
//! | `secondary_rate_limit` | 403 with `retry-after`; with `bare_secondary`, 403 or 429 with only GitHub's message (no `retry-after`, no `x-ratelimit-*`) | no |
//! | `stale_contents` | 409 on a contents write (another writer won), else a 503 | no |
//! | `latency_spike` | the normal answer, 20–120 ms late | yes |
//!
//! With `protected: true`, two more kinds a protected organisation's GitHub answers with:
//!
//! | kind | what the client sees | applied? |
//! |---|---|---|
//! | `base_modified` | 405 `Base branch was modified. Review and try the merge again.` on a merge, else a 5xx | no |
//! | `mergeable_unknown` | a pull request read answers `mergeable: null` (still being computed), else a 5xx | yes (a read) |
//!
//! And one the test arms itself (`PUT /_sandbox/chaos/expiry` with `{"after": n}`): after `n`
//! more requests of the token, every request of it answers 401 `Bad credentials` (kind
//! `token_expired`), as GitHub does once an installation token's hour is up, until the test
//! disarms it (`{"after": null}`: the next workflow run's new token). It draws nothing from the
//! sequence, so a seed's other faults stay where they were.

use serde::{Deserialize, Serialize};

/// The chaos settings, as put to `PUT /_sandbox/chaos`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosConfig {
    /// The seed of the fault sequence.
    pub seed: u64,
    /// The share of requests that go wrong, 0.0–1.0.
    pub rate: f64,
    /// Only requests with this token are touched (convoy's); others pass. Default: all.
    #[serde(default)]
    pub token: Option<String>,
    /// Seconds sent in `retry-after` on secondary rate limits. Default 0 (tests stay fast).
    #[serde(default)]
    pub retry_after: u64,
    /// Secondary rate limits as GitHub may send them: 403 or 429 whose message alone says it
    /// ("You have exceeded a secondary rate limit…"), without `retry-after` or any
    /// `x-ratelimit-*` header, so a client must wait at least a minute. Default false.
    #[serde(default)]
    pub bare_secondary: bool,
    /// Also draw the transient answers of a protected organisation (`base_modified`,
    /// `mergeable_unknown`). Default false: the five kinds above, in the same sequence as
    /// before for a seed.
    #[serde(default)]
    pub protected: bool,
}

/// A fault kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChaosKind {
    /// 5xx, not applied.
    ServerError,
    /// Applied, answered 502.
    LostResponse,
    /// 403 with `retry-after` (or, with `bare_secondary`, 403/429 with only the message), not
    /// applied.
    SecondaryRateLimit,
    /// 409 on contents writes, not applied.
    StaleContents,
    /// Applied, answered late.
    LatencySpike,
    /// 405 "Base branch was modified…" on a merge, not applied.
    BaseModified,
    /// A pull request read with `mergeable: null`.
    MergeableUnknown,
    /// 401 `Bad credentials`: the token expired ([`Chaos::expire_after`]), not applied.
    TokenExpired,
}

/// Live chaos: the settings, the generator and what was injected.
#[derive(Debug, Clone)]
pub struct Chaos {
    /// The settings.
    pub config: ChaosConfig,
    state: u64,
    /// Faults injected so far, by kind.
    pub injected: std::collections::BTreeMap<String, u64>,
    /// Requests of the token left before it expires (`Some(0)`: expired, every request answers
    /// 401); `None`: it does not expire.
    pub expire_after: Option<u64>,
}

impl Chaos {
    /// Starts the sequence for `config`.
    pub fn new(config: ChaosConfig) -> Chaos {
        // splitmix64 of the seed: nearby seeds give unrelated sequences.
        let mut z = config.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Chaos {
            config,
            state: (z ^ (z >> 31)) | 1,
            injected: Default::default(),
            expire_after: None,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `[0, n)`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// The fault for one request (`None`: serve it normally), drawn in request order.
    pub fn draw(&mut self, token: Option<&str>, method: &str, path: &str) -> Option<ChaosKind> {
        if self
            .config
            .token
            .as_deref()
            .is_some_and(|t| Some(t) != token)
        {
            return None;
        }
        match self.expire_after.as_mut() {
            Some(0) => {
                *self.injected.entry("token_expired".to_owned()).or_default() += 1;
                return Some(ChaosKind::TokenExpired);
            }
            Some(left) => *left -= 1,
            None => {}
        }
        // 53 random bits → [0, 1).
        let roll = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        if roll >= self.config.rate {
            return None;
        }
        let kinds = if self.config.protected { 7 } else { 5 };
        let mut kind = match self.below(kinds) {
            0 => ChaosKind::ServerError,
            1 => ChaosKind::LostResponse,
            2 => ChaosKind::SecondaryRateLimit,
            3 => ChaosKind::StaleContents,
            4 => ChaosKind::LatencySpike,
            5 => ChaosKind::BaseModified,
            _ => ChaosKind::MergeableUnknown,
        };
        let fits = match kind {
            ChaosKind::StaleContents => method == "PUT" && path.contains("/contents/"),
            ChaosKind::BaseModified => method == "PUT" && path.ends_with("/merge"),
            ChaosKind::MergeableUnknown => method == "GET" && is_pull_read(path),
            _ => true,
        };
        if !fits {
            kind = ChaosKind::ServerError;
        }
        let name = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        *self.injected.entry(name).or_default() += 1;
        Some(kind)
    }
}

/// `/repos/{o}/{r}/pulls/{n}`: one pull request read.
fn is_pull_read(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["repos", _, _, "pulls", n] if n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64, rate: f64) -> ChaosConfig {
        ChaosConfig {
            seed,
            rate,
            token: Some("t-bot".to_owned()),
            retry_after: 0,
            bare_secondary: false,
            protected: false,
        }
    }

    #[test]
    fn protected_chaos_draws_the_transient_refusals_where_they_fit() {
        let mut c = Chaos::new(ChaosConfig {
            protected: true,
            ..config(3, 1.0)
        });
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..400 {
            if let Some(k) = c.draw(Some("t-bot"), "PUT", "/repos/a/b/pulls/3/merge") {
                seen.insert(format!("{k:?}"));
            }
            let k = c.draw(Some("t-bot"), "GET", "/repos/a/b/pulls/3");
            assert_ne!(k, Some(ChaosKind::BaseModified));
            if let Some(k) = k {
                seen.insert(format!("{k:?}"));
            }
            let k = c.draw(Some("t-bot"), "GET", "/repos/a/b/pulls");
            assert_ne!(
                k,
                Some(ChaosKind::MergeableUnknown),
                "a list is not a read of one"
            );
        }
        assert!(seen.contains("BaseModified") && seen.contains("MergeableUnknown"));
        // Without the flag, the old sequence: the same draws as before the kinds existed.
        let mut old = Chaos::new(config(3, 1.0));
        for _ in 0..200 {
            let k = old.draw(Some("t-bot"), "PUT", "/repos/a/b/pulls/3/merge");
            assert!(!matches!(
                k,
                Some(ChaosKind::BaseModified | ChaosKind::MergeableUnknown)
            ));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_faults_and_the_rate_holds() {
        let draws = |seed| {
            let mut c = Chaos::new(config(seed, 0.15));
            (0..10_000)
                .map(|i| c.draw(Some("t-bot"), "PUT", &format!("/repos/a/b/contents/{i}")))
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let hit = draws(7).iter().filter(|d| d.is_some()).count();
        assert!((1_300..1_700).contains(&hit), "{hit} of 10000 at 15 %");
        for kind in [
            ChaosKind::ServerError,
            ChaosKind::LostResponse,
            ChaosKind::SecondaryRateLimit,
            ChaosKind::StaleContents,
            ChaosKind::LatencySpike,
        ] {
            assert!(draws(7).contains(&Some(kind)), "{kind:?} is drawn");
        }
    }

    #[test]
    fn an_armed_expiry_answers_every_request_after_n_until_disarmed() {
        let mut c = Chaos::new(config(5, 0.0));
        c.expire_after = Some(2);
        assert_eq!(c.draw(Some("t-bob"), "GET", "/repos/a/b"), None);
        assert_eq!(c.draw(Some("t-bot"), "GET", "/repos/a/b"), None);
        assert_eq!(c.draw(Some("t-bot"), "GET", "/repos/a/b"), None);
        for _ in 0..3 {
            assert_eq!(
                c.draw(Some("t-bot"), "PUT", "/repos/a/b/contents/x"),
                Some(ChaosKind::TokenExpired)
            );
        }
        assert_eq!(c.draw(Some("t-bob"), "GET", "/repos/a/b"), None);
        assert_eq!(c.injected.get("token_expired"), Some(&3));
        c.expire_after = None;
        assert_eq!(c.draw(Some("t-bot"), "GET", "/repos/a/b"), None);
    }

    #[test]
    fn other_tokens_and_other_paths_are_spared_their_kinds() {
        let mut c = Chaos::new(config(1, 1.0));
        assert_eq!(c.draw(Some("t-bob"), "GET", "/repos/a/b"), None);
        for _ in 0..200 {
            let k = c.draw(Some("t-bot"), "GET", "/repos/a/b");
            assert!(k.is_some());
            assert_ne!(
                k,
                Some(ChaosKind::StaleContents),
                "409 only on contents writes"
            );
        }
    }
}
