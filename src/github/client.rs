//! [`GitHub`]: the one HTTP client convoy talks to GitHub (or GHES, or the sandbox) with.
//!
//! A concrete struct around octocrab's raw request methods, with octocrab's own retries turned
//! off and ours explicit:
//! - reads are retried with exponential backoff and jitter on 5xx and transport errors;
//! - rate limits wait as GitHub documents: for `retry-after`, else until `x-ratelimit-reset` when
//!   `x-ratelimit-remaining` is 0, else (a 429, or a 403 whose message says "secondary rate
//!   limit", "abuse detection" or "rate limit exceeded") at least a minute, doubling while the
//!   limit lasts; a wait longer than `max_wait` ends the run as [`GhError::RateLimited`]. For
//!   reads and writes alike (a rate-limited request had no effect). Any other 401/403 ("Resource
//!   not accessible by integration", "Must have admin rights…") is [`GhError::Denied`];
//! - lists are read whole ([`GitHub::get_all`]): `per_page=100`, then `Link: rel="next"` to the
//!   end, up to a bound per list; a list longer than its bound is cut there with a warning
//!   naming it. Look-ups stop at the page that holds their answer ([`GitHub::get_until`]);
//! - other write failures are never retried here: the executor looks for the effect first;
//! - reads run at most `read_concurrency` at a time; writes one at a time, at least `write_gap`
//!   apart (GitHub asks for a second between mutating requests);
//! - every request is counted;
//! - reads are conditional ([`super::etags`]): a GET whose answer the client holds goes out with
//!   `If-None-Match`, and a `304 Not Modified` (free of the primary rate limit) gives the held
//!   answer back;
//! - with GitHub App credentials ([`GitHub::with_app`]) each request goes with the installation
//!   token of the owner in its path (`/repos/{owner}/…`; other paths: the control repo's owner),
//!   minted on first use ([`super::tokens`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::HeaderMap;
use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use serde::Deserialize as _;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::etags::Etags;
use super::limits::{RateLimit, rate_limit, secondary_wait};

pub use super::error::GhError;

/// How to reach GitHub and how politely.
#[derive(Clone)]
pub struct ClientConfig {
    /// The API root: `https://api.github.com`, `https://ghes.example.com/api/v3`, or the sandbox.
    pub api_url: String,
    /// The token (installation, fine-grained or `GITHUB_TOKEN`); unused by [`GitHub::with_app`],
    /// which mints one per owner.
    pub token: String,
    /// Reads in flight at once.
    pub read_concurrency: usize,
    /// The least time between two mutating requests.
    pub write_gap: Duration,
    /// Retries of a failed read (server error or transport error).
    pub max_retries: u32,
    /// The first backoff; doubled each retry, with jitter.
    pub base_backoff: Duration,
    /// The longest convoy waits for a rate limit before giving up this run.
    pub max_wait: Duration,
    /// Seed of the backoff jitter (randomness is passed in).
    pub jitter_seed: u64,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_url", &self.api_url)
            .field("token", &"***")
            .field("read_concurrency", &self.read_concurrency)
            .field("write_gap", &self.write_gap)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Defaults for `api_url` with `token`: 8 reads at once, writes a second apart, 4 retries.
    pub fn new(api_url: impl Into<String>, token: impl Into<String>) -> Self {
        ClientConfig {
            api_url: api_url.into(),
            token: token.into(),
            read_concurrency: 32,
            write_gap: Duration::from_secs(1),
            max_retries: 4,
            base_backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(120),
            jitter_seed: 0x5eed,
        }
    }
}

/// An HTTP method convoy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status (2xx).
    pub status: u16,
    /// The JSON body (`Null` when empty).
    pub body: Value,
    /// The `Link` header's `next` URL, when there is one.
    pub next: Option<String>,
}

/// The GitHub client.
pub struct GitHub {
    octo: Octocrab,
    /// Where each request's client comes from, when not from the one token.
    credentials: Option<Box<dyn Credentials>>,
    cfg: ClientConfig,
    reads: Semaphore,
    last_write: tokio::sync::Mutex<Option<Instant>>,
    requests: AtomicU64,
    jitter: Mutex<u64>,
    etags: Etags,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl GitHub {
    /// Builds the client. Must run inside a Tokio runtime (octocrab spawns a task).
    pub fn new(cfg: ClientConfig) -> anyhow::Result<Self> {
        let octo = build_octocrab(&cfg.api_url, cfg.token.clone())?;
        Ok(GitHub {
            octo,
            credentials: None,
            reads: Semaphore::new(cfg.read_concurrency.max(1)),
            last_write: tokio::sync::Mutex::new(None),
            requests: AtomicU64::new(0),
            jitter: Mutex::new(cfg.jitter_seed | 1),
            etags: Etags::default(),
            cfg,
        })
    }

    /// The same client, starting from the answers in `etags` (a cache file's).
    #[must_use]
    pub fn with_etags(mut self, etags: Etags) -> Self {
        self.etags = etags;
        self
    }

    /// The answers the client holds for conditional reads.
    pub fn etags(&self) -> &Etags {
        &self.etags
    }

    /// A client whose requests go out with the clients `credentials` gives (`cfg.token` is
    /// unused). Must run inside a Tokio runtime.
    pub fn with_credentials(
        cfg: ClientConfig,
        credentials: Box<dyn Credentials>,
    ) -> anyhow::Result<Self> {
        let mut gh = GitHub::new(cfg)?;
        gh.credentials = Some(credentials);
        Ok(gh)
    }

    /// The credentials the client was built with, if not one token.
    pub fn credentials(&self) -> Option<&dyn Credentials> {
        self.credentials.as_deref()
    }

    /// The client a request for `path` goes out with: the token's, or the one the credentials
    /// give (with App credentials: the installation token of the owner in the path).
    async fn client_for(&self, path: &str) -> Result<Octocrab, GhError> {
        match &self.credentials {
            None => Ok(self.octo.clone()),
            Some(c) => c.client_for(self, path).await,
        }
    }

    /// Sends one request with `octo` (an App's client, whose requests carry its JWT), retried as
    /// a read, outside the queue of writes (minting a token changes nothing on GitHub).
    pub(crate) async fn send_as(
        &self,
        octo: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, GhError> {
        self.send_with(octo, method, path, body, &[], false).await
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// GET `path`, retried as a read.
    pub async fn get(&self, path: &str) -> Result<Value, GhError> {
        Ok(self.send(Method::Get, path, None).await?.body)
    }

    /// GET `path`; a 404 is `None`.
    pub async fn get_opt(&self, path: &str) -> Result<Option<Value>, GhError> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(GhError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GET every page of a list (`per_page=100` unless `path` sets it), following
    /// `Link: rel="next"` to the end, or to `max_pages`: a list that goes on past its bound is
    /// cut there, with a warning naming it. `key` names the array inside an object answer
    /// (`workflow_runs`), or `None` for an array.
    pub async fn get_all(
        &self,
        path: &str,
        key: Option<&str>,
        max_pages: usize,
    ) -> Result<Vec<Value>, GhError> {
        self.get_until(path, key, max_pages, |_| false).await
    }

    /// [`GitHub::get_all`] for a look-up: stops after the first page for which `found` holds
    /// (it is given that page's items), since the rest of the list cannot change the answer.
    pub async fn get_until(
        &self,
        path: &str,
        key: Option<&str>,
        max_pages: usize,
        mut found: impl FnMut(&[Value]) -> bool,
    ) -> Result<Vec<Value>, GhError> {
        let mut url = if query_has(path, "per_page") {
            path.to_owned()
        } else {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}per_page=100")
        };
        let max_pages = max_pages.max(1);
        let mut out = Vec::new();
        let mut pages = 0;
        loop {
            let answer = self.send(Method::Get, &url, None).await?;
            pages += 1;
            let items = match key {
                Some(k) => answer.body.get(k).cloned().unwrap_or(Value::Null),
                None => answer.body,
            };
            let start = out.len();
            match items {
                Value::Array(a) => out.extend(a),
                Value::Null => {}
                other => {
                    return Err(GhError::Unexpected {
                        what: format!("GET {path}"),
                        message: format!("expected a list, got {}", kind(&other)),
                    });
                }
            }
            if found(&out[start..]) {
                break;
            }
            let Some(next) = answer.next else { break };
            if pages >= max_pages {
                tracing::warn!(
                    "GET {path}: the list goes on past {pages} pages; convoy read the first {} items and left the rest unread",
                    out.len()
                );
                break;
            }
            url = self.relative(&next);
        }
        Ok(out)
    }

    /// POST `body` to `path` (a write).
    pub async fn post(&self, path: &str, body: &Value) -> Result<Answer, GhError> {
        self.send(Method::Post, path, Some(body)).await
    }

    /// PUT `body` to `path` (a write).
    pub async fn put(&self, path: &str, body: &Value) -> Result<Answer, GhError> {
        self.send(Method::Put, path, Some(body)).await
    }

    /// PATCH `path` with `body` (a write).
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Answer, GhError> {
        self.send(Method::Patch, path, Some(body)).await
    }

    /// DELETE `path` (a write).
    pub async fn delete(&self, path: &str) -> Result<Answer, GhError> {
        self.send(Method::Delete, path, None).await
    }

    /// Turns an absolute URL from a `Link` header into a path under the API root.
    pub(crate) fn relative(&self, url: &str) -> String {
        let root = self.cfg.api_url.trim_end_matches('/');
        url.strip_prefix(root)
            .map_or_else(|| url.to_owned(), str::to_owned)
    }

    /// PUT `body` to `path` (a write), taking the statuses in `accept` as answers too: for
    /// endpoints whose refusals carry data (`merge-async` answers 409 with the existing
    /// request's UUID, 400 with why it cannot merge).
    pub async fn put_accepting(
        &self,
        path: &str,
        body: &Value,
        accept: &[u16],
    ) -> Result<Answer, GhError> {
        self.send_accepting(Method::Put, path, Some(body), accept)
            .await
    }

    /// Sends one request with the retry policy of its kind.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, GhError> {
        self.send_accepting(method, path, body, &[]).await
    }

    /// [`GitHub::send`], taking the statuses in `accept` as answers.
    async fn send_accepting(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        accept: &[u16],
    ) -> Result<Answer, GhError> {
        let octo = self.client_for(path).await?;
        self.send_with(&octo, method, path, body, accept, method != Method::Get)
            .await
    }

    /// The retry loop of one request with `octo`; `queued` writes wait their turn and gap.
    async fn send_with(
        &self,
        octo: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
        accept: &[u16],
        queued: bool,
    ) -> Result<Answer, GhError> {
        let what = format!("{} {path}", method.as_str());
        // Reads are retried, and so are the App's own requests (minting twice is harmless).
        let read = method == Method::Get || !queued;
        let mut attempt: u32 = 0;
        let mut secondary: u32 = 0;
        loop {
            attempt += 1;
            let result = if !queued {
                let _permit = self.reads.acquire().await.map_err(|e| GhError::Transport {
                    what: what.clone(),
                    message: e.to_string(),
                })?;
                self.once(octo, method, path, body, &what, accept).await
            } else {
                let mut last = self.last_write.lock().await;
                if let Some(at) = *last {
                    let since = at.elapsed();
                    if since < self.cfg.write_gap {
                        tokio::time::sleep(self.cfg.write_gap - since).await;
                    }
                }
                let r = self.once(octo, method, path, body, &what, accept).await;
                *last = Some(Instant::now());
                r
            };
            let wait = match result {
                Ok(answer) => return Ok(answer),
                Err(Failure::RateLimited(limit)) => {
                    let seconds = match limit {
                        RateLimit::Seconds(s) => s,
                        RateLimit::Secondary => {
                            secondary += 1;
                            secondary_wait(secondary)
                        }
                    };
                    if Duration::from_secs(seconds) > self.cfg.max_wait
                        || attempt > self.cfg.max_retries
                    {
                        return Err(GhError::RateLimited { what, seconds });
                    }
                    tracing::warn!("{what}: rate limited; waiting {seconds} s");
                    Duration::from_secs(seconds)
                }
                Err(Failure::Retryable(e)) if read && attempt <= self.cfg.max_retries => {
                    let wait = self.backoff(attempt);
                    tracing::info!("{e}; retrying in {} ms", wait.as_millis());
                    wait
                }
                Err(Failure::Retryable(e)) | Err(Failure::Final(e)) => return Err(e),
            };
            tokio::time::sleep(wait).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .cfg
            .base_backoff
            .saturating_mul(1 << attempt.min(10).saturating_sub(1));
        // xorshift64: jitter of up to half the backoff, from the seed passed in.
        let mut state = self
            .jitter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let half = base.as_millis() as u64 / 2;
        let jitter = if half == 0 { 0 } else { *state % half };
        base / 2 + Duration::from_millis(jitter)
    }

    async fn once(
        &self,
        octo: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
        accept: &[u16],
    ) -> Result<Answer, Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let etag = if method == Method::Get {
            self.etags.etag(path)
        } else {
            None
        };
        let sent = match method {
            Method::Get => match etag.as_deref().and_then(if_none_match) {
                Some(headers) => octo._get_with_headers(path, Some(headers)).await,
                None => octo._get(path).await,
            },
            Method::Post => octo._post(path, body).await,
            Method::Put => octo._put(path, body).await,
            Method::Patch => octo._patch(path, body).await,
            Method::Delete => octo._delete(path, body).await,
        };
        let response = sent.map_err(|e| {
            Failure::Retryable(GhError::Transport {
                what: what.to_owned(),
                message: transport_message(&e),
            })
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if status == 304
            && let Some((body, next)) = self.etags.not_modified(path)
        {
            return Ok(Answer {
                status: 200,
                body,
                next,
            });
        }
        let text = octo.body_to_string(response).await.map_err(|e| {
            Failure::Retryable(GhError::Transport {
                what: what.to_owned(),
                message: e.to_string(),
            })
        })?;
        let body: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if (200..300).contains(&status) || accept.contains(&status) {
            if method == Method::Get
                && status == 200
                && let Some(tag) = headers.get("etag").and_then(|v| v.to_str().ok())
            {
                let next = next_link(&headers);
                self.etags
                    .store(path, tag, &body, next.as_deref(), etag.is_some());
            }
            return Ok(Answer {
                status,
                body,
                next: next_link(&headers),
            });
        }
        let message = error_message(&body);
        let what = what.to_owned();
        if let Some(limit) = rate_limit(status, &headers, &message) {
            return Err(Failure::RateLimited(limit));
        }
        Err(match status {
            404 => Failure::Final(GhError::NotFound { what }),
            409 => Failure::Final(GhError::Conflict { what, message }),
            405 => Failure::Final(GhError::NotAllowed { what, message }),
            400 => Failure::Final(GhError::BadRequest { what, message }),
            // A refusal that names a permission says which to grant.
            401 | 403 | 422 => Failure::Final(GhError::refused(
                status,
                what,
                message,
                headers
                    .get("x-accepted-github-permissions")
                    .and_then(|v| v.to_str().ok()),
            )),
            s if s >= 500 => Failure::Retryable(GhError::Server {
                what,
                status,
                message,
            }),
            _ => Failure::Final(GhError::Unexpected {
                what,
                message: format!("status {status}: {message}"),
            }),
        })
    }
}

/// Where each request's client comes from, for a [`GitHub`] not built with one token:
/// [`super::tokens::AppTokens`] gives the installation token of the owner in the path. Defined
/// here, so the transport knows nothing of who implements it.
pub trait Credentials: Send + Sync {
    /// The client a request for `path` goes out with; it may send requests of its own through
    /// `gh` ([`GitHub::send_as`]), which never ask it back.
    fn client_for<'a>(
        &'a self,
        gh: &'a GitHub,
        path: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<Octocrab, GhError>>;

    /// Itself, so its implementer can find its own type again.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// An octocrab client for `api_url` sending `token`, with octocrab's own retries off (the
/// transport retries). Must run inside a Tokio runtime.
pub(crate) fn build_octocrab(api_url: &str, token: String) -> anyhow::Result<Octocrab> {
    use anyhow::Context as _;
    Octocrab::builder()
        .base_uri(api_url)
        .with_context(|| format!("`{api_url}` is not a usable API URL"))?
        .personal_token(token)
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(60)))
        .build()
        .context("building the GitHub client")
}

enum Failure {
    Retryable(GhError),
    Final(GhError),
    RateLimited(RateLimit),
}

/// The `If-None-Match` header for `etag` (`None` if it cannot be a header value).
fn if_none_match(etag: &str) -> Option<HeaderMap> {
    let mut h = HeaderMap::new();
    h.insert(http::header::IF_NONE_MATCH, etag.parse().ok()?);
    Some(h)
}

/// The `next` URL of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

/// Whether `path`'s query sets `name`.
fn query_has(path: &str, name: &str) -> bool {
    path.split_once('?').is_some_and(|(_, q)| {
        q.split('&')
            .any(|p| p.split_once('=').map_or(p, |(k, _)| k) == name)
    })
}

fn transport_message(e: &octocrab::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// The body of an error answer: GitHub says why in `message`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    message: String,
}

/// GitHub's `message` of an error answer, else the body itself (cut to 300 characters).
fn error_message(body: &Value) -> String {
    let said = if body.is_object() {
        ErrorBody::deserialize(body).ok()
    } else {
        None
    };
    said.map_or_else(|| truncate(&body.to_string()), |b| b.message)
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "an object",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "a list",
        Value::Null => "nothing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_sets_per_page_keeps_it() {
        assert!(query_has("/x?state=all&per_page=50", "per_page"));
        assert!(!query_has("/x?state=all&xper_page=50", "per_page"));
        assert!(!query_has("/x", "per_page"));
    }

    #[test]
    fn error_messages_are_githubs_else_the_body() {
        let said = serde_json::json!({"message": "Not Found", "documentation_url": "x"});
        assert_eq!(error_message(&said), "Not Found");
        let odd = serde_json::json!({"message": 7});
        assert_eq!(error_message(&odd), r#"{"message":7}"#);
        assert_eq!(error_message(&serde_json::json!(["x"])), r#"["x"]"#);
        assert_eq!(error_message(&Value::String("x".repeat(400))).len(), 300);
    }

    #[test]
    fn link_headers_give_the_next_page() {
        let mut h = HeaderMap::new();
        h.insert("link", "<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\"".parse().unwrap());
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
    }
}
