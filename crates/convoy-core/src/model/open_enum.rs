//! [`open_enum!`]: enums over an open set of strings.
//!
//! GitHub adds values to its vocabularies (a new check conclusion, a new review state), and a
//! newer convoy may write a history kind this build does not know. Such a value must not be an
//! error: the enum has one variant per known string and a last variant holding anything else
//! verbatim, so it reads and writes back exactly what it was given.
//!
//! The generated type serialises as its plain string, parses from any string (`From<&str>`,
//! `From<String>`, infallible `FromStr`) and displays as that string.

/// Declares an enum with one variant per known string and a catch-all variant for the rest.
///
/// ```text
/// open_enum! {
///     /// A review's state.
///     pub enum ReviewState {
///         /// Approved.
///         Approved => "approved",
///         @other
///         /// Anything else, as GitHub spelled it.
///         Other,
///     }
/// }
/// ```
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
            @other $(#[$ometa:meta])* $other:ident $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            $(#[$ometa])*
            $other(String),
        }

        impl $name {
            /// Every known spelling, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($text),+];

            /// The value as written in JSON (the catch-all variant's text verbatim).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::$other(text) => text,
                }
            }

            /// Whether this is one of the known values.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::$other(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::$other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match $name::from(text.as_str()) {
                    $name::$other(_) => $name::$other(text),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok($name::from(text))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(d).map($name::from)
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    open_enum! {
        /// A test vocabulary.
        pub enum Colour {
            /// Red.
            Red => "red",
            /// Light blue.
            LightBlue => "light_blue",
            @other
            /// Anything else.
            Other,
        }
    }

    #[test]
    fn known_and_unknown_values_round_trip_as_strings() {
        assert_eq!(Colour::from("light_blue"), Colour::LightBlue);
        assert_eq!(Colour::from("mauve"), Colour::Other("mauve".to_owned()));
        assert!(!Colour::from("mauve").is_known());
        assert_eq!(Colour::KNOWN, ["red", "light_blue"]);
        let json = serde_json::to_string(&[Colour::Red, Colour::Other("mauve".into())]).unwrap();
        assert_eq!(json, r#"["red","mauve"]"#);
        let back: Vec<Colour> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, [Colour::Red, Colour::Other("mauve".into())]);
        assert_eq!("red".parse::<Colour>(), Ok(Colour::Red));
        assert_eq!(Colour::LightBlue.to_string(), "light_blue");
    }
}
