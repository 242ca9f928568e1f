//! Escaping for GitHub Actions workflow commands (`::error file=…,title=…::message`,
//! `::add-mask::value`, …) that convoy prints to stdout.
//!
//! The runner unescapes a command's data and its property values; anything else a value holds
//! (a newline, a `::`) would end the command early or split it. GitHub documents the escapes in
//! its toolkit (`@actions/core`, `command.ts`): data escapes `%`, CR and LF; a property value
//! also escapes `:` and `,`, which separate the properties.

/// Escapes a workflow command's data (what follows the last `::`): `%` → `%25`, CR → `%0D`,
/// LF → `%0A`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (`file=…`, `title=…`): the data escapes of
/// [`escape_data`], then `:` → `%3A` and `,` → `%2C`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks() {
        assert_eq!(escape_data("plain text"), "plain text");
        assert_eq!(escape_data("100%\r\nnext"), "100%25%0D%0Anext");
        // `%` first, so an escape already in the text is not read back as a line break.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(escape_data(""), "");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(escape_property("C:\\conf,ig.json"), "C%3A\\conf%2Cig.json");
        assert_eq!(escape_property("/repos/0:1\n%"), "/repos/0%3A1%0A%25");
        assert_eq!(escape_property("convoy.json"), "convoy.json");
    }
}
