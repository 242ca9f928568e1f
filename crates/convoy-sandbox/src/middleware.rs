//! Request pipeline for API calls: latency, faults, authentication, rate-limit headers and the
//! request log. Control endpoints (`/_sandbox/…`) bypass all but routing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::chaos::ChaosKind;
use super::error::ApiError;
use super::faults;
use super::state::{App, RequestRecord};

/// The request log keeps at most this many entries (the oldest half is dropped when full).
pub const MAX_LOG: usize = 100_000;

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Login of the user the token belongs to (an App's `<slug>[bot]` for its tokens).
    pub login: String,
    /// What the token is.
    pub via: Via,
}

/// What authenticated a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A seeded user's token: the user's permissions apply.
    User,
    /// An installation token: the installation's owner and repositories only.
    Installation {
        /// The installation.
        id: u64,
        /// The repositories the token was narrowed to, if it was.
        repositories: Option<Vec<String>>,
        /// The role its permissions imply.
        role: crate::seed::Permission,
        /// Its permissions, by area (`deployments` → `write`, …): endpoints that check their
        /// area answer 403 without it (see [`crate::routes`]' `authorize_area`).
        permissions: std::collections::BTreeMap<String, crate::apps::AccessLevel>,
    },
    /// An App's JWT: only the App's own endpoints (`/app/…`, `…/installation`).
    Jwt {
        /// The App.
        app: u64,
    },
}

impl Caller {
    /// The caller's role on the repository `full_name`: a user's permissions; an installation
    /// token's role where its installation (and the token) reaches, else none; an App's JWT
    /// reaches no repository.
    pub fn permission(&self, st: &super::state::State, full_name: &str) -> crate::seed::Permission {
        use crate::seed::Permission;
        match &self.via {
            Via::User => st.permission(&self.login, full_name),
            Via::Installation {
                id,
                repositories,
                role,
                ..
            } => {
                let Some((_, installation)) = st.installation(*id) else {
                    return Permission::None;
                };
                let owner = full_name.split_once('/').map_or("", |(o, _)| o);
                let narrowed = repositories
                    .as_ref()
                    .is_none_or(|list| list.iter().any(|r| r.eq_ignore_ascii_case(full_name)));
                if installation.account.eq_ignore_ascii_case(owner)
                    && installation.repositories.includes(full_name)
                    && narrowed
                {
                    *role
                } else {
                    Permission::None
                }
            }
            Via::Jwt { .. } => Permission::None,
        }
    }
}

/// The caller a token stands for: a seeded user, a live installation token (by the sandbox's
/// clock), or an App's JWT (by the wall clock); else GitHub's 401 and why.
fn authenticate(st: &super::state::State, token: &str) -> Result<Caller, ApiError> {
    if let Some(u) = st.user_by_token(token) {
        return Ok(Caller {
            login: u.login.clone(),
            via: Via::User,
        });
    }
    let bad = || ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials");
    if let Some(m) = st.minted.get(token) {
        let Some((app, _)) = st.installation(m.installation) else {
            return Err(bad());
        };
        if st.clock >= m.expires {
            return Err(bad());
        }
        return Ok(Caller {
            login: app.bot_login(),
            via: Via::Installation {
                id: m.installation,
                repositories: m.repositories.clone(),
                role: super::apps::SeedApp::role(&m.permissions),
                permissions: m.permissions.clone(),
            },
        });
    }
    if super::apps::looks_like_jwt(token) {
        let id = super::apps::verify_jwt(&st.apps, token, unix_now())?;
        let login = st
            .apps
            .iter()
            .find(|a| a.id == id)
            .map_or_else(String::new, super::apps::SeedApp::bot_login);
        return Ok(Caller {
            login,
            via: Via::Jwt { app: id },
        });
    }
    Err(bad())
}

/// Adds a weak `etag` (a hash of the body) to a 200 answer, or answers 304 Not Modified when
/// the client already holds it (`if-none-match`), as GitHub does for conditional requests.
async fn with_etag(resp: Response, if_none_match: Option<&str>) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let etag = format!("W/\"{:016x}\"", super::state::fnv_bytes(&bytes));
    let Ok(value) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    parts.headers.insert("etag", value.clone());
    let bare = etag.trim_start_matches("W/");
    let matches = if_none_match.is_some_and(|tags| {
        tags.split(',')
            .any(|t| t.trim().trim_start_matches("W/") == bare)
    });
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert("etag", value);
        return not_modified;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A pull request's answer while GitHub still computes its mergeability: `mergeable: null`.
async fn mergeable_unknown(resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if v.get("mergeable").is_some() && v.get("merged") != Some(&serde_json::Value::Bool(true)) {
        v["mergeable"] = serde_json::Value::Null;
        v["rebaseable"] = serde_json::Value::Null;
        v["mergeable_state"] = serde_json::Value::from("unknown");
    }
    let body = serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec());
    let mut parts = parts;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// A fault rule for a chaos draw.
fn chaos_fault(status: u16, retry_after: Option<u64>, message: &str) -> faults::Fault {
    faults::Fault {
        method: None,
        path: String::new(),
        status,
        times: None,
        retry_after,
        body: Some(
            serde_json::json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
        ),
        delay_ms: None,
        headers: Default::default(),
        rate_limit_headers: None,
    }
}

fn token(req: &Request) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        .then(|| token.trim().to_owned())
}

/// Wall-clock seconds since the epoch, for rate-limit reset times (clients compute waits from
/// them, so they cannot come from the logical clock).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The API pipeline.
pub async fn api(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sandbox/") {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let logged_path = req
        .uri()
        .path_and_query()
        .map_or(path.clone(), |p| p.as_str().to_owned());
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bearer = token(&req);
    let (latency, mut fault, chaos) = match app.control.lock() {
        Ok(mut c) => {
            let fault = faults::take(&mut c.faults, &method, &path);
            let chaos = match (&fault, c.chaos.as_mut()) {
                (None, Some(ch)) => ch.draw(bearer.as_deref(), &method, &path).map(|k| {
                    let secondary = (!ch.config.bare_secondary).then_some(ch.config.retry_after);
                    (k, ch.below(100), secondary)
                }),
                _ => None,
            };
            (c.latency_ms, fault, chaos)
        }
        Err(_) => (0, None, None),
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut lost = false;
    let mut unknown_mergeable = false;
    if let Some((kind, extra, retry_after)) = chaos {
        match kind {
            ChaosKind::ServerError => {
                fault = Some(chaos_fault(
                    [500, 502, 503][extra as usize % 3],
                    None,
                    "Server Error",
                ))
            }
            ChaosKind::SecondaryRateLimit => {
                // With a `retry-after` (the default), else bare: 403 or 429 whose message alone
                // says what it is.
                let mut f = chaos_fault(
                    if retry_after.is_some() || extra % 2 == 0 {
                        403
                    } else {
                        429
                    },
                    retry_after,
                    faults::SECONDARY_RATE_LIMIT,
                );
                if retry_after.is_none() {
                    f.rate_limit_headers = Some(faults::RateLimitHeaders::None);
                }
                fault = Some(f);
            }
            ChaosKind::StaleContents => {
                fault = Some(chaos_fault(
                    409,
                    None,
                    "is at 0000000000000000000000000000000000000000 but expected another sha",
                ))
            }
            ChaosKind::BaseModified => {
                fault = Some(chaos_fault(
                    405,
                    None,
                    "Base branch was modified. Review and try the merge again.",
                ))
            }
            ChaosKind::TokenExpired => {
                fault = Some(chaos_fault(401, None, "Bad credentials"));
            }
            ChaosKind::MergeableUnknown => unknown_mergeable = true,
            ChaosKind::LostResponse => lost = true,
            ChaosKind::LatencySpike => tokio::time::sleep(Duration::from_millis(20 + extra)).await,
        }
    }
    // A fault answered without any `x-ratelimit-*` header.
    let mut bare = false;
    let mut caller_login = None;
    let mut response = if let Some(f) = fault {
        if let Some(ms) = f.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = f.body.clone().unwrap_or_else(|| {
            ApiError::new(
                status,
                status.canonical_reason().unwrap_or("Injected fault"),
            )
            .body()
        });
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = f.retry_after {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        match f.limit_headers() {
            faults::RateLimitHeaders::Exhausted => {
                resp.headers_mut()
                    .insert("x-ratelimit-remaining", HeaderValue::from(0));
                resp.headers_mut()
                    .insert("x-ratelimit-reset", HeaderValue::from(unix_now() + 60));
            }
            faults::RateLimitHeaders::Ordinary => {}
            faults::RateLimitHeaders::None => bare = true,
        }
        for (name, value) in &f.headers {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
                HeaderValue::from_str(value),
            ) {
                resp.headers_mut().insert(name, value);
            }
        }
        resp
    } else {
        let caller = match token(&req) {
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Requires authentication",
            )),
            Some(t) => {
                let st = app.state.lock().await;
                authenticate(&st, &t)
            }
        };
        match caller {
            Ok(c) => {
                caller_login = Some(c.login.clone());
                req.extensions_mut().insert(c);
                let mut resp = next.run(req).await;
                if unknown_mergeable && resp.status() == StatusCode::OK {
                    resp = mergeable_unknown(resp).await;
                }
                if method == "GET" && resp.status() == StatusCode::OK {
                    with_etag(resp, if_none_match.as_deref()).await
                } else {
                    resp
                }
            }
            Err(e) => e.into_response(),
        }
    };
    if lost {
        // Carried out, but the answer never arrives: the client sees a gateway error.
        response = (
            StatusCode::BAD_GATEWAY,
            axum::Json(ApiError::new(StatusCode::BAD_GATEWAY, "Connection reset by peer").body()),
        )
            .into_response();
    }
    let headers = response.headers_mut();
    if !bare {
        for (k, v) in [
            ("x-ratelimit-limit", 5000),
            ("x-ratelimit-used", 1),
            ("x-ratelimit-reset", unix_now() + 3600),
        ] {
            headers.entry(k).or_insert(HeaderValue::from(v));
        }
        headers
            .entry("x-ratelimit-remaining")
            .or_insert(HeaderValue::from(4999));
    }
    headers.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    let record = RequestRecord {
        method,
        path: logged_path,
        status: response.status().as_u16(),
        ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        caller: caller_login,
    };
    tracing::debug!(method = %record.method, path = %record.path, status = record.status, ms = record.ms, "request");
    if let Ok(mut c) = app.control.lock() {
        if c.requests.len() >= MAX_LOG {
            c.requests.drain(..MAX_LOG / 2);
        }
        c.requests.push(record);
    }
    response
}
