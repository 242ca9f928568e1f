//! Workflow files: the parts the sandbox reads (`name`, `run-name`, `on.workflow_dispatch.inputs`)
//! with a YAML parser (`serde_norway`, the maintained fork of the archived `serde_yaml`).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde_norway::Value;

/// What the sandbox knows of a workflow file.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowFile {
    /// `name`, or the file path when absent (as on GitHub).
    pub name: String,
    /// `run-name` template, if declared.
    pub run_name: Option<String>,
    /// Inputs of `on.workflow_dispatch`, or `None` when the workflow cannot be dispatched.
    pub dispatch: Option<BTreeMap<String, Input>>,
    /// `on.push`: which branch pushes start a run.
    pub push: Option<BranchFilter>,
    /// `on.pull_request`: which base branches' pull requests start a run.
    pub pull_request: Option<BranchFilter>,
}

/// The `branches` / `branches-ignore` filter of a `push` or `pull_request` trigger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BranchFilter {
    /// `branches` patterns (`!` negates, later patterns win); `None` matches every branch.
    pub branches: Option<Vec<String>>,
    /// `branches-ignore` patterns.
    pub ignore: Vec<String>,
    /// Only `tags` filters were given: branch pushes do not match.
    pub tags_only: bool,
}

impl BranchFilter {
    fn from_yaml(v: Option<&Value>) -> Self {
        let list = |key: &str| -> Option<Vec<String>> {
            match v?.get(key)? {
                Value::Sequence(items) => Some(items.iter().filter_map(scalar).collect()),
                other => scalar(other).map(|s| vec![s]),
            }
        };
        let branches = list("branches");
        let ignore = list("branches-ignore").unwrap_or_default();
        let has_tags = list("tags").is_some() || list("tags-ignore").is_some();
        let tags_only = has_tags && branches.is_none() && ignore.is_empty();
        Self {
            branches,
            ignore,
            tags_only,
        }
    }

    /// Whether a push to (or a pull request into) `branch` matches.
    pub fn matches(&self, branch: &str) -> bool {
        if self.tags_only || self.ignore.iter().any(|p| glob(p, branch)) {
            return false;
        }
        let Some(patterns) = &self.branches else {
            return true;
        };
        let mut hit = false;
        for p in patterns {
            match p.strip_prefix('!') {
                Some(neg) if glob(neg, branch) => hit = false,
                Some(_) => {}
                None if glob(p, branch) => hit = true,
                None => {}
            }
        }
        hit
    }
}

/// GitHub's filter globs: `**` matches anything, `*` anything but `/`, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => (0..=t.len()).any(|i| go(&p[2..], &t[i..])),
            Some(b'*') => (0..=t.len())
                .take_while(|i| *i == 0 || t[i - 1] != b'/')
                .any(|i| go(&p[1..], &t[i..])),
            Some(b'?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// One `workflow_dispatch` input.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Whether the caller must provide it.
    pub required: bool,
    /// Default value.
    pub default: Option<String>,
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses a workflow file.
pub fn parse(path: &str, text: &str) -> Result<WorkflowFile> {
    let doc: Value = serde_norway::from_str(text).with_context(|| format!("parsing {path}"))?;
    let name = doc
        .get("name")
        .and_then(scalar)
        .unwrap_or_else(|| path.to_owned());
    let run_name = doc.get("run-name").and_then(scalar);
    // `on` is a string in YAML 1.2, but a YAML 1.1 reader makes it `true`: accept both.
    let on = doc.get("on").or_else(|| doc.get(Value::Bool(true)));
    let trigger = |name: &str| -> Option<BranchFilter> {
        match on? {
            Value::String(s) => (s == name).then(BranchFilter::default),
            Value::Sequence(items) => items
                .iter()
                .any(|i| i.as_str() == Some(name))
                .then(BranchFilter::default),
            Value::Mapping(map) => map.get(name).map(|v| BranchFilter::from_yaml(Some(v))),
            _ => None,
        }
    };
    let push = trigger("push");
    let pull_request = trigger("pull_request");
    let dispatch = match on {
        Some(Value::String(s)) => (s == "workflow_dispatch").then(BTreeMap::new),
        Some(Value::Sequence(items)) => items
            .iter()
            .any(|i| i.as_str() == Some("workflow_dispatch"))
            .then(BTreeMap::new),
        Some(Value::Mapping(map)) => map.get("workflow_dispatch").map(|wd| {
            let mut inputs = BTreeMap::new();
            if let Some(Value::Mapping(defs)) = wd.get("inputs") {
                for (k, def) in defs {
                    let Some(key) = scalar(k) else { continue };
                    inputs.insert(
                        key,
                        Input {
                            required: def
                                .get("required")
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                            default: def.get("default").and_then(scalar),
                        },
                    );
                }
            }
            inputs
        }),
        _ => None,
    };
    Ok(WorkflowFile {
        name,
        run_name,
        dispatch,
        push,
        pull_request,
    })
}

/// Substitutes `${{ inputs.X }}` and `${{ github.event.inputs.X }}` in a `run-name`; other
/// expressions become empty, as unknown contexts do on GitHub.
pub fn render(template: &str, inputs: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expr = after[..end].trim();
        let key = expr
            .strip_prefix("inputs.")
            .or_else(|| expr.strip_prefix("github.event.inputs."));
        if let Some(value) = key.and_then(|k| inputs.get(k)) {
            match value {
                serde_json::Value::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dispatch_inputs_and_run_name() {
        let wf = parse("e2e.yml", super::super::seed::DEMO_E2E_WORKFLOW).unwrap();
        assert_eq!(wf.name, "e2e");
        let inputs = wf.dispatch.unwrap();
        assert!(inputs["correlation_id"].required);
        assert!(!inputs["release"].required);
        let mut map = serde_json::Map::new();
        map.insert("correlation_id".into(), "c-1".into());
        assert_eq!(render(wf.run_name.as_deref().unwrap(), &map), "e2e c-1");
    }

    #[test]
    fn branch_filters() {
        let wf = parse("ci.yml", super::super::seed::DEMO_CI_WORKFLOW).unwrap();
        let push = wf.push.unwrap();
        assert!(push.matches("main") && !push.matches("feat/x"));
        assert_eq!(wf.pull_request, None);
        let text = "on:\n  push:\n    branches: ['rc/**', '!rc/skip']\n  pull_request:\n    branches-ignore: [wip/*]\n";
        let wf = parse("x.yml", text).unwrap();
        let push = wf.push.unwrap();
        assert!(
            push.matches("rc/r1")
                && push.matches("rc/a/b")
                && !push.matches("rc/skip")
                && !push.matches("main")
        );
        let pr = wf.pull_request.unwrap();
        assert!(pr.matches("main") && !pr.matches("wip/x") && pr.matches("wip/x/y"));
        let tags = parse("t.yml", "on:\n  push:\n    tags: ['v*']\n").unwrap();
        assert!(!tags.push.unwrap().matches("main"));
        assert!(glob("feat/*", "feat/x") && !glob("feat/*", "feat/x/y") && glob("**", "a/b"));
    }

    #[test]
    fn push_only_is_not_dispatchable() {
        let wf = parse("ci.yml", super::super::seed::DEMO_CI_WORKFLOW).unwrap();
        assert_eq!(wf.dispatch, None);
        assert_eq!(
            parse("x.yml", "on: workflow_dispatch\n").unwrap().dispatch,
            Some(BTreeMap::new())
        );
        assert_eq!(
            parse("x.yml", "on: [push, workflow_dispatch]\n")
                .unwrap()
                .dispatch,
            Some(BTreeMap::new())
        );
    }
}
