//! Errors shaped like GitHub's: `{"message", "documentation_url", "status"}` plus `errors` for 422.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Where GitHub's error bodies point.
pub const DOCS: &str = "https://docs.github.com/rest";

/// An API error answer.
#[derive(Debug)]
pub struct ApiError {
    /// Status code.
    pub status: StatusCode,
    /// Message.
    pub message: String,
    /// Validation errors (`errors` array of a 422).
    pub errors: Vec<serde_json::Value>,
}

/// The result of a handler.
pub type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// 404 Not Found.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 422 with a message.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 422 "Validation Failed" with one error entry.
    pub fn validation(resource: &str, field: &str, code: &str, message: Option<&str>) -> Self {
        let mut e = json!({"resource": resource, "field": field, "code": code});
        if let Some(m) = message {
            e["message"] = json!(m);
        }
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Validation Failed".into(),
            errors: vec![e],
        }
    }

    /// 400 for a body that is not valid JSON or of the wrong shape.
    pub fn bad_json(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            format!("Problems parsing JSON: {detail}"),
        )
    }

    /// 500 for internal failures (git errors).
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!("sandbox internal error: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Server Error: {err}"),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "message": self.message,
            "documentation_url": DOCS,
            "status": self.status.as_u16().to_string(),
        });
        if !self.errors.is_empty() {
            body["errors"] = json!(self.errors);
        }
        body
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(format!("{err:#}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
