//! Request pipeline for API calls: latency, faults, authentication, rate-limit headers and the
//! request log. Control endpoints (`/_sandbox/…`) bypass all but routing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::faults;
use super::state::{App, RequestRecord};

/// The request log keeps at most this many entries (the oldest half is dropped when full).
pub const MAX_LOG: usize = 100_000;

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Login of the user the token belongs to.
    pub login: String,
}

fn token(req: &Request) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        .then(|| token.trim().to_owned())
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
    let (latency, fault) = match app.control.lock() {
        Ok(mut c) => (c.latency_ms, faults::take(&mut c.faults, &method, &path)),
        Err(_) => (0, None),
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
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
        if matches!(f.status, 403 | 429) && f.retry_after.is_none() {
            resp.headers_mut()
                .insert("x-ratelimit-remaining", HeaderValue::from(0));
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
                st.user_by_token(&t)
                    .map(|u| Caller {
                        login: u.login.clone(),
                    })
                    .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials"))
            }
        };
        match caller {
            Ok(c) => {
                req.extensions_mut().insert(c);
                next.run(req).await
            }
            Err(e) => e.into_response(),
        }
    };
    let headers = response.headers_mut();
    for (k, v) in [
        ("x-ratelimit-limit", 5000),
        ("x-ratelimit-used", 1),
        ("x-ratelimit-reset", super::state::EPOCH + 3600),
    ] {
        headers.entry(k).or_insert(HeaderValue::from(v));
    }
    headers
        .entry("x-ratelimit-remaining")
        .or_insert(HeaderValue::from(4999));
    headers.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    let record = RequestRecord {
        method,
        path: logged_path,
        status: response.status().as_u16(),
        ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
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
