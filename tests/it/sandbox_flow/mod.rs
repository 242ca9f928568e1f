//! Issues, actions, events, faults and latency, through octocrab.

mod actions;
mod events;
mod faults;
mod http;
mod issues;
mod merge_queue;
mod protected_org;
mod protection;
