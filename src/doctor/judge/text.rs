//! How findings quote and list what they name: values from GitHub or a file as code, lists as
//! a sentence reads them.

use crate::model::config::MergeMethod;

/// A value from GitHub or a file, quoted as code: one line, at most 80 characters, no backtick
/// that could close the span.
pub fn code(value: &str) -> String {
    let mut s: String = value
        .chars()
        .take(80)
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    if value.chars().count() > 80 {
        s.push('…');
    }
    format!("`{s}`")
}

/// Items as a sentence lists them: `a`, `a and b`, `a, b and c`.
pub(super) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Values, each quoted as code, listed as a sentence.
pub(super) fn codes<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    list(&items.into_iter().map(code).collect::<Vec<_>>())
}

/// Merge methods by name, listed as a sentence.
pub(super) fn method_names(methods: &[MergeMethod]) -> String {
    list(
        &methods
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
}
