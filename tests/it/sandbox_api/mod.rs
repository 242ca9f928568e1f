//! The sandbox driven through octocrab's own methods: repos, refs, contents, commits, pulls.

mod apps;
mod checks;
mod contents;
mod pulls;
mod releases;
mod repos;
mod request_log;
