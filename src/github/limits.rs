//! Rate limits as GitHub documents them for its REST API: how long an answer asks the client to
//! wait, told apart from a permission refusal. The client ([`super::client`]) waits, within
//! `ClientConfig::max_wait`.

use http::HeaderMap;

/// How long a rate-limited request must wait, as GitHub said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RateLimit {
    /// `retry-after`, or until `x-ratelimit-reset` of an exhausted limit: this many seconds.
    Seconds(u64),
    /// A secondary rate limit whose answer says nothing of how long (no `retry-after`, no
    /// exhausted `x-ratelimit-remaining`): GitHub asks to wait at least a minute, and longer
    /// each time it goes on ([`secondary_wait`]).
    Secondary,
}

/// Whether a 403/429 answer is a rate limit, and how long it asks to wait. GitHub's rules for
/// its REST API: with `retry-after`, wait that many seconds; with `x-ratelimit-remaining: 0`,
/// wait until `x-ratelimit-reset`; otherwise wait at least a minute. A 429 is always a limit; a
/// 403 with neither header is one only when its message says so ("You have exceeded a
/// secondary rate limit…", "…abuse detection mechanism…", "API rate limit exceeded…"); any
/// other 403 ("Resource not accessible by integration", "Must have admin rights to
/// Repository.") is a denial.
pub(super) fn rate_limit(status: u16, headers: &HeaderMap, message: &str) -> Option<RateLimit> {
    if status != 403 && status != 429 {
        return None;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(s) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(RateLimit::Seconds(s));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok());
        return Some(RateLimit::Seconds(reset.map_or(60, |reset| {
            let now = crate::clock::now().unix_seconds();
            u64::try_from(reset - now).unwrap_or(0).max(1)
        })));
    }
    (status == 429 || says_rate_limited(message)).then_some(RateLimit::Secondary)
}

/// Whether GitHub's message says the request was rate limited (its texts for secondary
/// limits, the older "abuse detection" one, and the primary limit's).
fn says_rate_limited(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "secondary rate limit",
        "abuse detection",
        "rate limit exceeded",
    ]
    .iter()
    .any(|s| m.contains(s))
}

/// Seconds to wait for the `times`-th secondary rate limit in a row of one request: a minute,
/// then doubling (GitHub: "wait for an exponentially increasing amount of time between
/// retries"); `ClientConfig::max_wait` bounds it.
pub(super) fn secondary_wait(times: u32) -> u64 {
    60u64.saturating_mul(1 << times.clamp(1, 16).saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_are_read_from_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(
            rate_limit(403, &h, "Forbidden"),
            None,
            "a plain 403 is a denial"
        );
        assert_eq!(rate_limit(429, &h, ""), Some(RateLimit::Secondary));
        assert_eq!(rate_limit(404, &h, "API rate limit exceeded"), None);
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(rate_limit(403, &h, ""), Some(RateLimit::Seconds(7)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "1".parse().unwrap());
        assert_eq!(
            rate_limit(403, &h, ""),
            Some(RateLimit::Seconds(1)),
            "a reset in the past waits a second"
        );
        h.remove("x-ratelimit-reset");
        assert_eq!(rate_limit(403, &h, ""), Some(RateLimit::Seconds(60)));
    }

    #[test]
    fn secondary_limits_are_told_from_denials_by_githubs_message() {
        // As GitHub may send them: no retry-after, and x-ratelimit-* of the primary limit
        // (not exhausted) or none at all.
        let mut ordinary = HeaderMap::new();
        ordinary.insert("x-ratelimit-remaining", "4999".parse().unwrap());
        ordinary.insert("x-ratelimit-reset", "4102444800".parse().unwrap());
        for h in [HeaderMap::new(), ordinary] {
            for status in [403, 429] {
                for said in [
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1234:5678.",
                    "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.",
                    "API rate limit exceeded for installation ID 42.",
                ] {
                    assert_eq!(
                        rate_limit(status, &h, said),
                        Some(RateLimit::Secondary),
                        "{status} {said}"
                    );
                }
            }
            for said in [
                "Resource not accessible by integration",
                "Must have admin rights to Repository.",
                "Although you appear to have the correct authorization credentials, the `acme` organization has an IP allow list enabled.",
            ] {
                assert_eq!(rate_limit(403, &h, said), None, "{said}");
            }
        }
    }

    #[test]
    fn secondary_limits_wait_a_minute_then_longer() {
        assert_eq!(secondary_wait(1), 60);
        assert_eq!(secondary_wait(2), 120);
        assert_eq!(secondary_wait(3), 240);
        assert_eq!(secondary_wait(0), 60);
        assert!(secondary_wait(u32::MAX) >= secondary_wait(16));
    }
}
