//! The conformance checker: sends a request, checks its status, validates the request and
//! response bodies against the operation's schemas, and records the operations covered.

use crate::sandbox_support;

use std::collections::BTreeSet;

use octocrab::Octocrab;
use sandbox_support::call;
use serde_json::{Value, json};

/// GitHub's OpenAPI description, cut down to the operations the sandbox serves.
pub(super) const SUBSET: &str = include_str!("../../fixtures/openapi/github-subset.json");

pub(super) struct Checker {
    pub(super) spec: Value,
    pub(super) octo: Octocrab,
    pub(super) covered: BTreeSet<String>,
    pub(super) failures: Vec<String>,
}

impl Checker {
    fn validate(&mut self, what: &str, schema: &Value, instance: &Value) {
        let root = json!({"definitions": self.spec["definitions"], "allOf": [schema]});
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("{what}: bad schema: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            self.failures.push(format!("{what}: {}", errors.join("; ")));
        }
    }

    /// Sends one request for operation `op`, checks the status and validates both bodies.
    pub(super) async fn ex(
        &mut self,
        op: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let spec = self.spec["operations"][op].clone();
        assert!(spec.is_object(), "unknown operation {op}");
        assert_eq!(spec["method"], method, "{op} method");
        if let Some(b) = &body {
            let schema = spec["request"].clone();
            assert!(!schema.is_null(), "{op} takes no body");
            self.validate(&format!("{op} request"), &schema, b);
        }
        let a = call(&self.octo, method, path, body).await;
        assert_eq!(a.status, expect, "{op} {method} {path}: {}", a.body);
        let code = a.status.to_string();
        match spec["responses"].get(&code) {
            Some(Value::Null) => assert!(a.body.is_null(), "{op} {code} should have no body"),
            Some(schema) => {
                let schema = schema.clone();
                self.validate(&format!("{op} {code} response"), &schema, &a.body);
            }
            None => self
                .failures
                .push(format!("{op}: status {code} is not documented")),
        }
        if a.status < 300 {
            self.covered.insert(op.to_owned());
        }
        a.body
    }

    /// Sends one request for operation `op` that GitHub answers with a status its description
    /// leaves out for that operation (a 403 for an App token without the endpoint's permission,
    /// a 404 for a deployment that does not exist when creating its status): the body must be
    /// GitHub's `basic-error`, the body of its 403s and 404s everywhere.
    pub(super) async fn ex_error(
        &mut self,
        op: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let spec = self.spec["operations"][op].clone();
        assert_eq!(spec["method"], method, "{op} method");
        let code = expect.to_string();
        assert!(
            spec["responses"].get(&code).is_none(),
            "{op} documents {code}: use `ex`"
        );
        if let Some(b) = &body {
            let schema = spec["request"].clone();
            self.validate(&format!("{op} request"), &schema, b);
        }
        let a = call(&self.octo, method, path, body).await;
        assert_eq!(a.status, expect, "{op} {method} {path}: {}", a.body);
        let schema = json!({"$ref": "#/definitions/basic-error"});
        self.validate(&format!("{op} {code} (basic-error)"), &schema, &a.body);
        a.body
    }
}
