//! Injected faults: a matching request gets a configured status, body, `retry-after`,
//! `x-ratelimit-*` and other headers instead of its normal answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One fault rule, as posted to `POST /_sandbox/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// HTTP method to match (case-insensitive). Default: any.
    #[serde(default)]
    pub method: Option<String>,
    /// Glob over the request path (no query): `*` matches any run of characters, `/` included;
    /// `?` matches one character.
    pub path: String,
    /// Status code to answer with.
    pub status: u16,
    /// How many matching requests fail; then the rule is spent. Default: every one.
    #[serde(default)]
    pub times: Option<u64>,
    /// Seconds to send in a `retry-after` header. Default: no header.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Response body (any JSON). Default: a GitHub error body naming the status.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// Delay before answering, to play a timeout. Default: none.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Headers sent with the answer (`x-accepted-github-permissions`, …). Default: none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Which `x-ratelimit-*` headers the answer carries. Default: `exhausted` for a 403/429
    /// without `retry_after` (unless `headers` names `x-ratelimit-remaining`), `ordinary`
    /// otherwise.
    #[serde(default)]
    pub rate_limit_headers: Option<RateLimitHeaders>,
}

/// The `x-ratelimit-*` headers of a fault's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitHeaders {
    /// The primary limit used up: `x-ratelimit-remaining: 0`, a reset a minute ahead.
    Exhausted,
    /// Those every answer carries (`x-ratelimit-remaining: 4999`, a reset an hour ahead).
    Ordinary,
    /// None at all: a secondary rate limit as GitHub may answer it, which says only in its
    /// message that it is one.
    None,
}

/// GitHub's message for a secondary rate limit.
pub const SECONDARY_RATE_LIMIT: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:5A4D:B0C5:1.";

impl Fault {
    /// Whether this rule applies to a request.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m == "*" || m.eq_ignore_ascii_case(method));
        method_ok && self.times != Some(0) && glob(self.path.as_bytes(), path.as_bytes())
    }

    /// The `x-ratelimit-*` headers this fault's answer carries.
    pub fn limit_headers(&self) -> RateLimitHeaders {
        self.rate_limit_headers.unwrap_or(
            if matches!(self.status, 403 | 429)
                && self.retry_after.is_none()
                && !self.headers.contains_key("x-ratelimit-remaining")
            {
                RateLimitHeaders::Exhausted
            } else {
                RateLimitHeaders::Ordinary
            },
        )
    }
}

/// Takes the first matching rule, counting one use of it.
pub fn take(faults: &mut [Fault], method: &str, path: &str) -> Option<Fault> {
    let fault = faults.iter_mut().find(|f| f.matches(method, path))?;
    if let Some(times) = fault.times.as_mut() {
        *times -= 1;
    }
    Some(fault.clone())
}

/// Glob match with `*` (any run, `/` included) and `?` (one byte).
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == b'?' || *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob(b"/repos/*/pulls", b"/repos/acme/api/pulls"));
        assert!(glob(b"*", b"/x"));
        assert!(glob(b"/repos/acme/a?i", b"/repos/acme/api"));
        assert!(!glob(b"/repos/*/pulls", b"/repos/acme/api/pulls/1"));
        assert!(glob(b"/repos/*/pulls*", b"/repos/acme/api/pulls/1"));
    }
}
