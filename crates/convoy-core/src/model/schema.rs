//! The JSON Schemas of `convoy.json`, of the release manifest and of the release lock.
//!
//! They are generated from the Rust types (doc comments become `description`s) and committed in
//! `schemas/`; the binary embeds the committed files. A test proves the committed files equal what
//! the types generate, so the two cannot drift (`CONVOY_BLESS=1 cargo test schema` rewrites them
//! after a deliberate change).

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::config::Config;
use super::lock::Lock;
use super::manifest::ReleaseManifest;

/// The published schemas' directory: convoy's repository at the major-version tag that release
/// builds move (`.github/workflows/release.yml`), served raw by GitHub.
pub const SCHEMA_BASE_URL: &str = "https://raw.githubusercontent.com/convoy-dev/convoy/v0/schemas/";

/// Which of convoy's documents a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// `convoy.json`.
    Config,
    /// `releases/<id>/manifest.json`.
    Manifest,
    /// `releases/<id>/lock.json`.
    Lock,
}

impl Document {
    /// The embedded schema text (the committed file in `schemas/`).
    pub fn schema_text(self) -> &'static str {
        match self {
            Document::Config => include_str!("../../../../schemas/convoy-config.schema.json"),
            Document::Manifest => include_str!("../../../../schemas/release-manifest.schema.json"),
            Document::Lock => include_str!("../../../../schemas/release-lock.schema.json"),
        }
    }

    /// The file name of the committed schema.
    pub fn schema_file(self) -> &'static str {
        match self {
            Document::Config => "convoy-config.schema.json",
            Document::Manifest => "release-manifest.schema.json",
            Document::Lock => "release-lock.schema.json",
        }
    }

    /// Where the published schema lives: `$id` of the generated schema, and the `$schema` a
    /// `convoy.json` names so that editors check it. It points at the file in convoy's repository
    /// at the major-version tag (`v0`) that `uses: convoy-dev/convoy@v0` runs, so a config copied
    /// anywhere is checked against the schema of the convoy that will read it.
    pub fn url(self) -> String {
        format!("{SCHEMA_BASE_URL}{}", self.schema_file())
    }

    /// What the document is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Document::Config => "config",
            Document::Manifest => "manifest",
            Document::Lock => "lock",
        }
    }

    /// Generates the schema from the Rust types (draft 2020-12).
    pub fn generate(self) -> Value {
        let generator = SchemaSettings::draft2020_12().into_generator();
        let mut schema = match self {
            Document::Config => generator.into_root_schema_for::<Config>(),
            Document::Manifest => generator.into_root_schema_for::<ReleaseManifest>(),
            Document::Lock => generator.into_root_schema_for::<Lock>(),
        }
        .to_value();
        if let Value::Object(map) = &mut schema {
            map.insert("$id".to_owned(), Value::String(self.url()));
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_committed(doc: Document) {
        let generated = serde_json::to_string_pretty(&doc.generate()).unwrap() + "\n";
        if std::env::var_os("CONVOY_BLESS").is_some() {
            let path = format!(
                "{}/../../schemas/{}",
                env!("CARGO_MANIFEST_DIR"),
                doc.schema_file()
            );
            std::fs::write(path, &generated).unwrap();
            return;
        }
        assert_eq!(
            doc.schema_text(),
            generated,
            "schemas/{} is out of date with the Rust types; run `CONVOY_BLESS=1 cargo test schema`",
            doc.schema_file()
        );
    }

    #[test]
    fn committed_config_schema_matches_types() {
        check_committed(Document::Config);
    }

    #[test]
    fn committed_manifest_schema_matches_types() {
        check_committed(Document::Manifest);
    }

    #[test]
    fn committed_lock_schema_matches_types() {
        check_committed(Document::Lock);
    }

    /// Every property, at every depth, says what it means.
    #[test]
    fn every_property_has_a_description() {
        fn walk(v: &Value, at: &str, missing: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::Object(props)) = map.get("properties") {
                        for (name, prop) in props {
                            if prop.get("description").is_none() {
                                missing.push(format!("{at}/properties/{name}"));
                            }
                        }
                    }
                    for (k, child) in map {
                        walk(child, &format!("{at}/{k}"), missing);
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        walk(child, &format!("{at}/{i}"), missing);
                    }
                }
                _ => {}
            }
        }
        for doc in [Document::Config, Document::Manifest, Document::Lock] {
            let mut missing = Vec::new();
            walk(&doc.generate(), "", &mut missing);
            assert!(
                missing.is_empty(),
                "{}: no description at {missing:?}",
                doc.noun()
            );
        }
    }
}
