//! Why an identifier or number failed to parse: the one error type of `ids` and `numbers`.

/// Why an identifier failed to parse. The text completes the sentence "`<value>` is not a valid
/// `<kind>`: …" and says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}: {reason}")]
pub struct IdError {
    /// What kind of identifier was expected ("release id", "repository name", …).
    pub kind: &'static str,
    /// The rejected input, truncated to 80 characters so a hostile value cannot flood a log,
    /// with control characters replaced by U+FFFD and backticks by `'`.
    pub value: String,
    /// What is wrong with it, as an instruction.
    pub reason: String,
}

impl IdError {
    pub(crate) fn new(kind: &'static str, value: &str, reason: impl Into<String>) -> Self {
        let mut shown: String = value.chars().take(80).collect();
        if value.chars().count() > 80 {
            shown.push('…');
        }
        // The value is quoted in backticks: a backtick inside becomes `'` so it cannot close
        // the code span (and let markdown or HTML through) when the text is echoed in a reply.
        let shown = shown
            .chars()
            .map(|c| match c {
                '`' => '\'',
                c if c.is_control() => '\u{fffd}',
                c => c,
            })
            .collect();
        IdError {
            kind,
            value: shown,
            reason: reason.into(),
        }
    }
}
