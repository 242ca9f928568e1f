//! convoy's integration tests, one binary (one link of axum and octocrab): the sandbox, the
//! GitHub client, scenarios and end-to-end releases through the sandbox, the CLI and the
//! Actions shell, chaos, races, hostile input. Pure tests live in crates/convoy-core/tests.

mod action_run;
mod action_shell;
mod chaos;
mod cli;
mod doc_links;
mod docs;
mod doctor;
mod e2e_sandbox;
mod github_client;
mod hostile;
mod lists;
mod races;
mod races_replies;
mod races_staging;
mod rollback_sandbox;
mod routing;
mod run_help;
mod sandbox_api;
mod sandbox_by_hand;
mod sandbox_conformance;
mod sandbox_flow;
mod sandbox_git_data;
mod sandbox_seed;
mod sandbox_support;
mod sandbox_webhooks;
mod scenario;
mod scenarios_claims;
mod scenarios_deployments;
mod scenarios_forwarded;
mod scenarios_methods;
mod scenarios_multi;
mod scenarios_owners;
mod scenarios_promotion;
mod scenarios_protected;
mod scenarios_queue;
mod scenarios_ship_reviews;
mod scenarios_sprints;
mod scenarios_staging;
mod scenarios_tiers;
mod scenarios_windows;
mod scenarios_writes;
mod security;
mod status_sandbox;
#[path = "../../crates/convoy-core/tests/it/support/mod.rs"]
mod support;
mod tracking_checkboxes;
mod tracking_sandbox;
mod verify_sandbox;
mod walls;
mod workflows_examples;
