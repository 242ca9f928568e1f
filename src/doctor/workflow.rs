//! What `convoy doctor` reads in a workflow file: whether it can be dispatched
//! (`on.workflow_dispatch`), the inputs it declares, and its `run-name`. Pure.
//!
//! The file is read with a YAML parser (`serde_norway`, the one the sandbox uses), not by lines:
//! `on:` comes as a word, a list or a mapping, and inputs as flow or block mappings, and GitHub
//! reads them all alike. YAML 1.1 readers turn the key `on` into `true`; both are accepted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_norway::Value;

/// What convoy needs to know of a workflow file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowFile {
    /// `run-name`, when declared: the title of each run (GitHub shows the workflow's name
    /// otherwise).
    pub run_name: Option<String>,
    /// The inputs of `on.workflow_dispatch`; `None` when the workflow has no `workflow_dispatch`
    /// trigger (GitHub then refuses a dispatch).
    pub dispatch: Option<BTreeMap<String, DeclaredInput>>,
}

/// One declared `workflow_dispatch` input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeclaredInput {
    /// `required: true`.
    pub required: bool,
    /// A `default` is given (a required input with a default need not be sent).
    pub has_default: bool,
}

impl WorkflowFile {
    /// Whether `run-name` mentions the `correlation_id` input (`${{ inputs.correlation_id }}`,
    /// `github.event.inputs.correlation_id`, or the bracket forms).
    pub fn run_name_has_correlation_id(&self) -> bool {
        let Some(run_name) = &self.run_name else {
            return false;
        };
        let squeezed: String = run_name.chars().filter(|c| !c.is_whitespace()).collect();
        squeezed.contains("${{")
            && [
                "inputs.correlation_id",
                "inputs['correlation_id']",
                "inputs[\"correlation_id\"]",
            ]
            .iter()
            .any(|form| squeezed.contains(form))
    }
}

/// Reads a workflow file; the error says why the YAML does not read as a workflow.
pub fn parse(text: &str) -> Result<WorkflowFile, String> {
    let doc: Value = serde_norway::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let Value::Mapping(map) = &doc else {
        return Err("not a YAML mapping (a workflow starts with `name:`, `on:`, `jobs:`)".into());
    };
    let on = map
        .get("on")
        .or_else(|| map.get(Value::Bool(true)))
        .ok_or_else(|| "no `on:` trigger".to_owned())?;
    let run_name = map.get("run-name").and_then(scalar);
    Ok(WorkflowFile {
        run_name,
        dispatch: dispatch_inputs(on),
    })
}

/// The inputs of the `workflow_dispatch` trigger in `on`, or `None` without that trigger.
fn dispatch_inputs(on: &Value) -> Option<BTreeMap<String, DeclaredInput>> {
    const DISPATCH: &str = "workflow_dispatch";
    match on {
        Value::String(s) if s == DISPATCH => Some(BTreeMap::new()),
        Value::Sequence(events) => events
            .iter()
            .any(|e| e.as_str() == Some(DISPATCH))
            .then(BTreeMap::new),
        Value::Mapping(events) => {
            let trigger = events.get(DISPATCH)?;
            let Some(Value::Mapping(inputs)) = trigger.get("inputs") else {
                return Some(BTreeMap::new());
            };
            Some(
                inputs
                    .iter()
                    .filter_map(|(name, spec)| Some((scalar(name)?, declared(spec))))
                    .collect(),
            )
        }
        _ => None,
    }
}

fn declared(spec: &Value) -> DeclaredInput {
    let required = match spec.get("required") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    DeclaredInput {
        required,
        has_default: spec.get("default").is_some_and(|d| !d.is_null()),
    }
}

/// A scalar as text (a key or value written as a number or boolean reads as its text).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../examples/workflows/e2e-tier.yml");

    #[test]
    fn the_example_tier_declares_what_convoy_sends() {
        let w = parse(EXAMPLE).unwrap();
        let inputs = w.dispatch.as_ref().unwrap();
        let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["attempt", "correlation_id", "refs", "release", "tier"]
        );
        assert!(inputs["release"].required && !inputs["release"].has_default);
        assert!(w.run_name_has_correlation_id());
    }

    #[test]
    fn triggers_as_a_word_a_list_or_a_mapping() {
        let word = parse("on: workflow_dispatch\njobs: {}\n").unwrap();
        assert_eq!(word.dispatch, Some(BTreeMap::new()));
        let list = parse("on: [push, workflow_dispatch]\n").unwrap();
        assert_eq!(list.dispatch, Some(BTreeMap::new()));
        let bare = parse("on:\n  workflow_dispatch:\n  push:\n").unwrap();
        assert_eq!(bare.dispatch, Some(BTreeMap::new()));
        let push = parse("on:\n  push:\n    branches: [main]\n").unwrap();
        assert_eq!(push.dispatch, None);
        let flow = parse(
            "on:\n  workflow_dispatch:\n    inputs:\n      a: { required: true, default: x }\n      b: {}\n",
        )
        .unwrap();
        let inputs = flow.dispatch.unwrap();
        assert_eq!(
            inputs["a"],
            DeclaredInput {
                required: true,
                has_default: true
            }
        );
        assert_eq!(inputs["b"], DeclaredInput::default());
    }

    #[test]
    fn run_name_must_use_the_correlation_id_input() {
        let with = |run_name: &str| WorkflowFile {
            run_name: Some(run_name.to_owned()),
            dispatch: None,
        };
        assert!(with("e2e ${{ inputs.correlation_id }}").run_name_has_correlation_id());
        assert!(with("x ${{ github.event.inputs.correlation_id }}").run_name_has_correlation_id());
        assert!(with("x ${{ inputs['correlation_id'] }}").run_name_has_correlation_id());
        assert!(!with("e2e ${{ inputs.release }}").run_name_has_correlation_id());
        assert!(!with("inputs.correlation_id").run_name_has_correlation_id());
        assert!(
            !WorkflowFile {
                run_name: None,
                dispatch: None
            }
            .run_name_has_correlation_id()
        );
    }

    #[test]
    fn what_is_not_a_workflow_says_why() {
        assert!(parse("on: [").unwrap_err().starts_with("not valid YAML"));
        assert!(parse("- a\n").unwrap_err().contains("not a YAML mapping"));
        assert_eq!(parse("name: x\n").unwrap_err(), "no `on:` trigger");
    }
}
