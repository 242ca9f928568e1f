//! The environment GitHub Actions gives a container action, read once and validated.
//!
//! The runner passes every input declared in `action.yml` as `INPUT_<NAME>`, upper-cased with
//! hyphens kept (`INPUT_CONTROL-REPO`), and sets each one — empty when the workflow did not give
//! it. So an empty (or blank) value counts as unset everywhere here. The environment is passed in
//! as a lookup function, so tests need no process environment.

use std::fmt;
use std::path::PathBuf;

use crate::model::ids::{BranchName, IdError, Login, ReleaseId, RepoName};

/// A value that must never reach a log: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it (an `Authorization` header, a JWT
    /// signer).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// GitHub App credentials: convoy mints an installation token per owner with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    /// The App's numeric id (`app-id` input).
    pub app_id: u64,
    /// The App's private key in PEM (`private-key` input).
    pub private_key: Secret,
}

/// How much convoy logs (`log-level` input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Requests and decisions in detail.
    Debug,
    /// What convoy does (the default).
    Info,
    /// Only what needs attention.
    Warn,
    /// Only failures.
    Error,
}

impl LogLevel {
    /// The level as `tracing` filters spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    fn parse(s: &str) -> Option<LogLevel> {
        match s.to_ascii_lowercase().as_str() {
            "trace" => Some(LogLevel::Trace),
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warn" | "warning" => Some(LogLevel::Warn),
            "error" => Some(LogLevel::Error),
            _ => None,
        }
    }
}

/// Why the environment cannot run convoy. Each text names the variable and says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A variable the runner always sets is missing.
    #[error("{var} is not set: {hint}")]
    Missing {
        /// The variable.
        var: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// A variable holds an identifier that does not parse.
    #[error("{var}: {source}")]
    BadId {
        /// The variable.
        var: &'static str,
        /// Why the identifier is refused.
        source: IdError,
    },
    /// A variable holds a value outside what it accepts.
    #[error("{var} is `{value}`: {expected}")]
    BadValue {
        /// The variable.
        var: &'static str,
        /// The value (never a secret), shortened.
        value: String,
        /// What it accepts.
        expected: &'static str,
    },
    /// Only one of the two App inputs is set.
    #[error(
        "{set} is set but {missing} is not: GitHub App credentials need both `app-id` and `private-key`; set the other input, or neither to use a token"
    )]
    HalfApp {
        /// The input that is set.
        set: &'static str,
        /// The input that is missing.
        missing: &'static str,
    },
    /// No way to authenticate.
    #[error(
        "no credentials: set the `token` input (INPUT_TOKEN), or `app-id` and `private-key` (INPUT_APP-ID, INPUT_PRIVATE-KEY), or pass GITHUB_TOKEN"
    )]
    NoCredentials,
}

/// Everything `convoy run` reads from the environment, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowEnv {
    /// The event that started the workflow (`GITHUB_EVENT_NAME`).
    pub event_name: String,
    /// The file holding the event's webhook payload (`GITHUB_EVENT_PATH`).
    pub event_path: PathBuf,
    /// The repository the workflow runs in (`GITHUB_REPOSITORY`).
    pub repository: RepoName,
    /// The REST API's base URL (`GITHUB_API_URL`, default `https://api.github.com`).
    pub api_url: String,
    /// The web server's address, for links (`GITHUB_SERVER_URL`, default `https://github.com`;
    /// a value that is no http(s) URL counts as unset).
    pub server_url: String,
    /// Who triggered the run (`GITHUB_ACTOR`).
    pub actor: Login,
    /// Where step outputs go (`GITHUB_OUTPUT`), when set.
    pub output_file: Option<PathBuf>,
    /// Where the step summary goes (`GITHUB_STEP_SUMMARY`), when set.
    pub step_summary_file: Option<PathBuf>,
    /// Where variables for later steps go (`GITHUB_ENV`), when set.
    pub env_file: Option<PathBuf>,
    /// The token: the `token` input, else `GITHUB_TOKEN`.
    pub token: Option<Secret>,
    /// GitHub App credentials, when both `app-id` and `private-key` are given.
    pub app: Option<AppCredentials>,
    /// The `command` input, as written (parsed by the signal layer).
    pub command: Option<String>,
    /// The `release` input.
    pub release: Option<ReleaseId>,
    /// The `args` input, as written (`version=… title="…" …`).
    pub args: Option<String>,
    /// The config file in the control repo (`config` input, default `convoy.json`).
    pub config: String,
    /// The control repo (`control-repo` input, default `GITHUB_REPOSITORY`).
    pub control_repo: RepoName,
    /// The branch holding manifests (`state-branch` input); `None`: the control repo's default
    /// branch, resolved once connected.
    pub state_branch: Option<BranchName>,
    /// Print the plan and change nothing (`dry-run` input, default false).
    pub dry_run: bool,
    /// How much to log (`log-level` input, default info).
    pub log_level: LogLevel,
    /// The minimum gap between writes, in milliseconds (`write-gap-ms` input), when given.
    pub write_gap_ms: Option<u64>,
    /// The cache file read before the run and written after it (`cache-file` input), when
    /// given ([`crate::shell::cache`]).
    pub cache_file: Option<PathBuf>,
}

/// The API URL when `GITHUB_API_URL` is unset.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The config path when the `config` input is unset.
pub const DEFAULT_CONFIG: &str = "convoy.json";

impl WorkflowEnv {
    /// Reads and validates the environment through `get` (a variable's value, `None` if unset).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<WorkflowEnv, EnvError> {
        let var = |name: &str| -> Option<String> {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &'static str| {
            var(name).ok_or(EnvError::Missing {
                var: name,
                hint: "convoy run expects the variables GitHub Actions sets; run it as an action step",
            })
        };
        let id = |name: &'static str, e: IdError| EnvError::BadId {
            var: name,
            source: e,
        };

        let event_name = required("GITHUB_EVENT_NAME")?;
        let event_path = PathBuf::from(required("GITHUB_EVENT_PATH")?);
        let repository = RepoName::parse(&required("GITHUB_REPOSITORY")?)
            .map_err(|e| id("GITHUB_REPOSITORY", e))?;
        let api_url = match var("GITHUB_API_URL") {
            None => DEFAULT_API_URL.to_owned(),
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
                u.trim_end_matches('/').to_owned()
            }
            Some(u) => {
                return Err(EnvError::BadValue {
                    var: "GITHUB_API_URL",
                    value: shorten(&u),
                    expected: "give the REST API's base URL, starting with https:// (e.g. https://api.github.com or https://ghes.example.com/api/v3)",
                });
            }
        };
        let actor = Login::parse(&required("GITHUB_ACTOR")?).map_err(|e| id("GITHUB_ACTOR", e))?;

        let token = var("INPUT_TOKEN")
            .or_else(|| var("GITHUB_TOKEN"))
            .map(Secret);
        let app =
            match (var("INPUT_APP-ID"), var("INPUT_PRIVATE-KEY")) {
                (None, None) => None,
                (Some(_), None) => {
                    return Err(EnvError::HalfApp {
                        set: "INPUT_APP-ID",
                        missing: "INPUT_PRIVATE-KEY",
                    });
                }
                (None, Some(_)) => {
                    return Err(EnvError::HalfApp {
                        set: "INPUT_PRIVATE-KEY",
                        missing: "INPUT_APP-ID",
                    });
                }
                (Some(app_id), Some(key)) => {
                    let app_id = app_id.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(
                        || EnvError::BadValue {
                            var: "INPUT_APP-ID",
                            value: shorten(&app_id),
                            expected: "give the App's numeric id (App settings → General → App ID)",
                        },
                    )?;
                    Some(AppCredentials {
                        app_id,
                        private_key: Secret(key),
                    })
                }
            };
        if token.is_none() && app.is_none() {
            return Err(EnvError::NoCredentials);
        }

        let release = var("INPUT_RELEASE")
            .map(|r| ReleaseId::parse(&r))
            .transpose()
            .map_err(|e| id("INPUT_RELEASE", e))?;
        let control_repo = match var("INPUT_CONTROL-REPO") {
            Some(r) => RepoName::parse(&r).map_err(|e| id("INPUT_CONTROL-REPO", e))?,
            None => repository.clone(),
        };
        let state_branch = var("INPUT_STATE-BRANCH")
            .map(|b| BranchName::parse(&b))
            .transpose()
            .map_err(|e| id("INPUT_STATE-BRANCH", e))?;
        let dry_run = match var("INPUT_DRY-RUN").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(EnvError::BadValue {
                    var: "INPUT_DRY-RUN",
                    value: shorten(other),
                    expected: "write `true` or `false`",
                });
            }
        };
        let log_level = match var("INPUT_LOG-LEVEL") {
            None => LogLevel::Info,
            Some(l) => LogLevel::parse(&l).ok_or_else(|| EnvError::BadValue {
                var: "INPUT_LOG-LEVEL",
                value: shorten(&l),
                expected: "write one of trace, debug, info, warn, error",
            })?,
        };
        let write_gap_ms = var("INPUT_WRITE-GAP-MS")
            .map(|g| {
                g.parse::<u64>().map_err(|_| EnvError::BadValue {
                    var: "INPUT_WRITE-GAP-MS",
                    value: shorten(&g),
                    expected: "give a whole number of milliseconds, such as 1000 (0 for no gap)",
                })
            })
            .transpose()?;

        Ok(WorkflowEnv {
            event_name,
            event_path,
            repository,
            api_url,
            server_url: var("GITHUB_SERVER_URL")
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map_or_else(
                    || "https://github.com".to_owned(),
                    |u| u.trim_end_matches('/').to_owned(),
                ),
            actor,
            output_file: var("GITHUB_OUTPUT").map(PathBuf::from),
            step_summary_file: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            env_file: var("GITHUB_ENV").map(PathBuf::from),
            token,
            app,
            command: var("INPUT_COMMAND"),
            release,
            args: var("INPUT_ARGS"),
            config: var("INPUT_CONFIG").unwrap_or_else(|| DEFAULT_CONFIG.to_owned()),
            control_repo,
            state_branch,
            dry_run,
            log_level,
            write_gap_ms,
            cache_file: var("INPUT_CACHE-FILE").map(PathBuf::from),
        })
    }

    /// Reads the process environment (a variable that is not valid Unicode counts as unset).
    pub fn from_process_env() -> Result<WorkflowEnv, EnvError> {
        WorkflowEnv::from_vars(|name| std::env::var(name).ok())
    }

    /// Every secret this environment holds, to mask in the log before anything is printed.
    pub fn secrets(&self) -> Vec<&Secret> {
        self.token
            .iter()
            .chain(self.app.iter().map(|a| &a.private_key))
            .collect()
    }
}

/// A value shown in an error: at most 80 characters, control characters replaced.
fn shorten(value: &str) -> String {
    let mut s: String = value
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if value.chars().count() > 80 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests;
