//! The field reference tables in docs/release-strategy.md are generated from the JSON Schemas
//! (which are generated from the Rust types), so the documentation cannot drift from the code.
//! `CONVOY_BLESS=1 cargo test --test it docs::` rewrites the generated sections.

use serde_json::Value;

const DOC: &str = "docs/release-strategy.md";

fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(s),
        None => s,
    }
}

/// A short type for people: `string`, `integer`, `"a" | "b"`, `array of RepoName`, …
fn type_of(root: &Value, s: &Value) -> String {
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let parts: Vec<String> = any
            .iter()
            .filter(|x| x.get("type") != Some(&Value::String("null".into())))
            .map(|x| type_of(root, x))
            .collect();
        return parts.join(" or ");
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let target = resolve(root, s);
        if let Some(one) = target.get("oneOf").and_then(Value::as_array)
            && one.iter().all(|x| x.get("const").is_some())
        {
            return one
                .iter()
                .map(|x| format!("`{}`", x["const"].as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" \\| ");
        }
        let name = r.rsplit('/').next().unwrap_or(r);
        return match target.get("type").and_then(Value::as_str) {
            Some("string") => format!("string ({name})"),
            _ => name.to_owned(),
        };
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ => "any".to_owned(),
    };
    match ty.as_str() {
        "array" => format!(
            "array of {}",
            s.get("items")
                .map_or("any".to_owned(), |i| type_of(root, i))
        ),
        "object" => match s.get("additionalProperties") {
            Some(v @ Value::Object(_)) => format!("map of {}", type_of(root, v)),
            _ => "object".to_owned(),
        },
        other => other.to_owned(),
    }
}

fn rows(root: &Value, obj: &Value, prefix: &str, out: &mut Vec<String>, depth: usize) {
    let required: Vec<&str> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = obj.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        if name == "$schema" {
            continue;
        }
        let path = format!("{prefix}{name}");
        let default = if required.contains(&name.as_str()) {
            "required".to_owned()
        } else {
            match prop.get("default") {
                Some(d) => format!("`{d}`"),
                None => "optional".to_owned(),
            }
        };
        let meaning = prop
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace('\n', " ")
            .replace('|', "\\|");
        out.push(format!(
            "| `{path}` | {} | {default} | {meaning} |",
            type_of(root, prop)
        ));
        if depth > 4 {
            continue;
        }
        // Recurse into nested objects and arrays of objects.
        let (inner, suffix) = match prop.get("items") {
            Some(items) => (resolve(root, items), "[]."),
            None => {
                let single = prop
                    .get("anyOf")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find(|x| x.get("$ref").is_some()))
                    .unwrap_or(prop);
                (resolve(root, single), ".")
            }
        };
        if inner.get("properties").is_some() {
            rows(root, inner, &format!("{path}{suffix}"), out, depth + 1);
        }
    }
}

fn table(schema_text: &str) -> String {
    let root: Value = serde_json::from_str(schema_text).unwrap();
    let mut out = vec![
        "| field | type | default | meaning |".to_owned(),
        "|---|---|---|---|".to_owned(),
    ];
    rows(&root, &root, "", &mut out, 0);
    out.join("\n")
}

fn replace_section(doc: &str, name: &str, body: &str) -> String {
    let begin = format!("<!-- BEGIN GENERATED: {name} -->");
    let end = format!("<!-- END GENERATED: {name} -->");
    let (Some(b), Some(e)) = (doc.find(&begin), doc.find(&end)) else {
        panic!("{DOC} lacks the markers {begin} … {end}");
    };
    format!("{}{begin}\n{body}\n{}", &doc[..b], &doc[e..])
}

#[test]
fn field_tables_match_the_schemas() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/release-strategy.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let config = table(include_str!("../../schemas/convoy-config.schema.json"));
    let manifest = table(include_str!("../../schemas/release-manifest.schema.json"));
    let lock = table(include_str!("../../schemas/release-lock.schema.json"));
    let generated = replace_section(
        &replace_section(
            &replace_section(&doc, "config-fields", &config),
            "manifest-fields",
            &manifest,
        ),
        "lock-fields",
        &lock,
    );
    if std::env::var_os("CONVOY_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
        return;
    }
    assert!(
        generated == doc,
        "{DOC}'s field tables are stale; run `CONVOY_BLESS=1 cargo test --test it docs::`"
    );
    // Every config field appears.
    for field in [
        "repos[].depends_on",
        "tiers[].covers",
        "ship.on_partial",
        "approvers.min_permission",
        "rc_branch",
    ] {
        assert!(config.contains(&format!("`{field}`")), "{field} missing");
    }
}
