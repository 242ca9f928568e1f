//! Long help texts of the command line that are too long for a doc comment.

/// What `convoy run --help` prints after the usage: every environment variable `convoy run`
/// reads. `tests/it/run_help.rs` checks that it names every variable the Action shell reads.
pub(super) const RUN_ENV: &str = "\
Environment (a GitHub Actions step has it set by the runner; by hand, set it yourself):
  GITHUB_EVENT_NAME     the event that started the run: workflow_dispatch, issue_comment,
                        repository_dispatch, pull_request, schedule, … (required)
  GITHUB_EVENT_PATH     the file holding the event's webhook payload (required; not read when
                        INPUT_COMMAND is given, so /dev/null will do then)
  GITHUB_REPOSITORY     owner/name of the repository the workflow runs in: the control repo,
                        unless INPUT_CONTROL-REPO names another (required)
  GITHUB_ACTOR          the login that started the run; the author of INPUT_COMMAND (required)
  GITHUB_API_URL        the REST API's base URL (default https://api.github.com; GitHub
                        Enterprise Server: https://HOST/api/v3; the sandbox: its URL)
  GITHUB_SERVER_URL     the web server, for links in the tracking issue and the step summary
                        (default https://github.com)
  GITHUB_TOKEN          the token, when INPUT_TOKEN is empty
  GITHUB_OUTPUT         file that receives the step outputs release, phase, changed, plan
  GITHUB_STEP_SUMMARY   file that receives the step summary (markdown)
  GITHUB_ENV            file that receives CONVOY_RELEASE, CONVOY_PHASE, CONVOY_RC_BRANCH,
                        CONVOY_REFS for later steps

Inputs (the action's `with:`; the runner passes each as INPUT_<NAME>, upper-cased, hyphens
kept; an empty value counts as unset):
  INPUT_TOKEN           the token (a GitHub App installation token); else GITHUB_TOKEN
  INPUT_APP-ID          the GitHub App's id: with INPUT_PRIVATE-KEY, convoy mints the token
  INPUT_PRIVATE-KEY     the GitHub App's private key (PEM)
  INPUT_COMMAND         a release command instead of the event: create, plan, approve,
                        promote, validate, ship, retry, defer, abort, rollback, status,
                        reconcile; or doctor (check every repository, change nothing), or
                        verify (check a shipped release's lock against GitHub, change nothing)
  INPUT_RELEASE         the release id (create and verify need it)
  INPUT_ARGS            the command's arguments, e.g. `version=2026.12.0 directive=auto`
  INPUT_CONFIG          convoy's config file in the control repo (default convoy.json)
  INPUT_CONTROL-REPO    the control repo, owner/name (default GITHUB_REPOSITORY)
  INPUT_STATE-BRANCH    the branch holding releases/<id>/manifest.json (default: the control
                        repo's default branch)
  INPUT_DRY-RUN         true: decide and print the plan, change nothing (default false)
  INPUT_LOG-LEVEL       trace, debug, info, warn or error (default info)
  INPUT_WRITE-GAP-MS    the least milliseconds between two writes (default 1000; 0: none)
  INPUT_CACHE-FILE      a file to read before the run and write after it: ETags and what
                        convoy saw, so fewer requests count (default: none)

Also read: CONVOY_LOG (the log level outside Actions) and NO_COLOR.

A shell cannot export a name with a hyphen; pass such inputs with env(1), e.g. against
`convoy sandbox serve` (docs/sandbox.md walks a whole release through by hand):
  env GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH=/dev/null \\
      GITHUB_REPOSITORY=acme/control GITHUB_ACTOR=alice GITHUB_API_URL=http://127.0.0.1:8080 \\
      INPUT_TOKEN=t-bot INPUT_COMMAND=status INPUT_WRITE-GAP-MS=0 convoy run";
