//! Webhook events: wrapping payloads in their webhook form (`repository`, `sender`, webhook
//! shapes) and recording them.

use serde_json::{Value, json};

use super::json;
use super::shapes;
use super::state::State;

/// Adds `repository` and `sender` to a webhook payload.
pub fn envelope(base: &str, st: &State, key: &str, sender: &str, mut payload: Value) -> Value {
    if let Some(r) = st.repos.get(key) {
        payload["repository"] = json::repo(base, st, r);
    }
    payload["sender"] = json::user(base, st, sender);
    payload
}

/// Rewrites REST shapes inside a payload into their webhook forms.
fn webhook_form(name: &str, v: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                if o.contains_key("network_count") && o.contains_key("full_name") {
                    *v = shapes::webhook_repo(std::mem::take(v));
                    return;
                }
                if crate::teams::is_team(o) {
                    crate::teams::webhook_team(o);
                    return;
                }
                o.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(v);
    match name {
        "status" => {
            if let Some(ver) = v
                .pointer_mut("/commit/commit/verification")
                .and_then(Value::as_object_mut)
            {
                ver.remove("verified_at");
            }
        }
        // Delivered to GitHub App installations only: the payload names the installation.
        "repository_dispatch" => {
            v["installation"] = json!({"id": 1, "node_id": json::node_id("Installation", 1)});
        }
        _ => {}
    }
}

/// Emits a webhook event for a repository.
pub fn emit(base: &str, st: &mut State, key: &str, name: &str, sender: &str, payload: Value) {
    let mut payload = envelope(base, st, key, sender, payload);
    webhook_form(name, &mut payload);
    let full = st
        .repos
        .get(key)
        .map(|r| r.full_name())
        .unwrap_or_else(|| key.to_owned());
    st.emit(name, &full, payload);
}
