//! The numbers GitHub gives issues, pull requests and workflow runs, as distinct types.
//!
//! A pull request number, an issue number and a run id are all `u64` on the wire, and easy to
//! mix up in code. Each has its own type here: it (de)serializes as the bare JSON number
//! (`#[serde(transparent)]`), describes itself in the JSON Schemas exactly as a `u64` does, and
//! displays as the bare number, so `#{n}` renderings, manifests and schemas read as before.
//!
//! GitHub counts issues and pull requests in one sequence per repository, and every pull request
//! is also an issue (comments and labels on a pull request go through the issues API): a
//! [`PullNumber`] converts into an [`IssueNumber`], never the other way round.
//!
//! Only an issue number parses from text (`FromStr`, the `N` of `owner/repo#N`); numbers and
//! ids otherwise arrive as JSON numbers, and a run id a tier workflow reports as a string is read
//! where the event is parsed.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use super::id_error::IdError;

/// Defines a `u64` newtype: `new`, `get`, `Display` as the bare number, and a `JsonSchema` that
/// is `u64`'s own (inlined, so the generated schemas are unchanged).
macro_rules! number {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $ty(u64);

        impl $ty {
            /// Wraps a number as GitHub gives it.
            pub const fn new(n: u64) -> Self {
                $ty(n)
            }

            /// The bare number.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                <u64 as JsonSchema>::inline_schema()
            }
            fn schema_name() -> Cow<'static, str> {
                <u64 as JsonSchema>::schema_name()
            }
            fn schema_id() -> Cow<'static, str> {
                <u64 as JsonSchema>::schema_id()
            }
            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                <u64 as JsonSchema>::json_schema(generator)
            }
        }
    };
}

number!(
    /// A pull request's number in its repository (the `N` of `owner/repo#N`).
    PullNumber
);

number!(
    /// An issue's number in its repository (the `N` of `owner/repo#N`). Pull requests are issues
    /// too: where GitHub takes "an issue or pull request" (comments, labels), this is the type.
    IssueNumber
);

number!(
    /// A GitHub Actions workflow run's id (the `N` of `…/actions/runs/N`).
    RunId
);

impl From<PullNumber> for IssueNumber {
    /// A pull request is an issue with the same number.
    fn from(n: PullNumber) -> Self {
        IssueNumber(n.0)
    }
}

impl FromStr for IssueNumber {
    type Err = IdError;

    /// Parses a whole number from 1, digits only (no sign, no spaces), as in `owner/repo#12`.
    fn from_str(s: &str) -> Result<Self, IdError> {
        match s.parse::<u64>() {
            Ok(n) if n >= 1 && !s.starts_with('+') => Ok(IssueNumber(n)),
            _ => Err(IdError::new(
                "issue number",
                s,
                "write a whole number from 1, such as 12",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_write_and_show_as_bare_numbers() {
        let n = PullNumber::new(7);
        assert_eq!(n.get(), 7);
        assert_eq!(n.to_string(), "7");
        assert_eq!(format!("#{n}"), "#7");
        assert_eq!(serde_json::to_string(&RunId::new(12)).unwrap(), "12");
        assert_eq!(
            serde_json::from_str::<IssueNumber>("3").unwrap(),
            IssueNumber::new(3)
        );
        assert!(serde_json::from_str::<IssueNumber>("\"3\"").is_err());
        assert_eq!(IssueNumber::from(n), IssueNumber::new(7));
        assert!(PullNumber::new(2) < PullNumber::new(10));
    }

    #[test]
    fn issue_numbers_parse_as_digits_from_one() {
        assert_eq!("12".parse::<IssueNumber>().unwrap(), IssueNumber::new(12));
        for bad in ["0", "+1", "-1", "", " 1", "1a", "99999999999999999999"] {
            assert!(bad.parse::<IssueNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn schemas_are_those_of_u64() {
        let mut g = SchemaGenerator::default();
        let plain = u64::json_schema(&mut g);
        assert_eq!(PullNumber::json_schema(&mut g), plain);
        assert_eq!(IssueNumber::json_schema(&mut g), plain);
        assert_eq!(RunId::json_schema(&mut g), plain);
        assert!(PullNumber::inline_schema());
    }
}
