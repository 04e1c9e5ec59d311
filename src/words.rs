//! Enums whose values are written as words: settings (`serve.setup = "token"`) and states
//! stored as text (`queued`, `verified`). [`word_enum!`] declares one with its words once, and
//! gives it `WORDS` (what the configuration's key table offers), `as_str`, `Display`,
//! `FromStr`, `TryFrom<String>`, serde both ways and sqlx's text encoding both ways (bind it,
//! or decode a `text` column straight into it), so the JSON, the database text and the
//! configuration all read the same words.
//!
//! Declared with `#[macro_use]` first in `lib.rs`, so every module can use it without an
//! import (and this leaf module imports nothing).

/// `sql_text!(Type, |s: &str| parse(s))`: sqlx's PostgreSQL text encoding for a type with an
/// `as_str()`: bound as its text, and decoded from any text-like column through `parse`
/// (whose error, a `String` or any error type, becomes the decode error).
macro_rules! sql_text {
    ($name:ty, $parse:expr) => {
        impl ::sqlx::Type<::sqlx::Postgres> for $name {
            fn type_info() -> ::sqlx::postgres::PgTypeInfo {
                <str as ::sqlx::Type<::sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &::sqlx::postgres::PgTypeInfo) -> bool {
                <str as ::sqlx::Type<::sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> ::sqlx::Decode<'r, ::sqlx::Postgres> for $name {
            fn decode(
                value: ::sqlx::postgres::PgValueRef<'r>,
            ) -> ::std::result::Result<Self, ::sqlx::error::BoxDynError> {
                let s = <&str as ::sqlx::Decode<'r, ::sqlx::Postgres>>::decode(value)?;
                Ok(($parse)(s)?)
            }
        }

        impl ::sqlx::Encode<'_, ::sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut ::sqlx::postgres::PgArgumentBuffer,
            ) -> ::std::result::Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&str as ::sqlx::Encode<'_, ::sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }
    };
}

/// `word_enum! { "what it is", #[attrs] pub enum Name { #[attrs] Variant = "word", ... } }`.
/// The description names the value in errors: ``unknown job status `x` (expected one of ...)``.
macro_rules! word_enum {
    (
        $what:literal,
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's word, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> ::std::result::Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}` (expected one of {})",
                        $what,
                        $name::WORDS.join(", ")
                    )),
                }
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> ::std::result::Result<Self, String> {
                s.parse()
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        sql_text!($name, |s: &str| s.parse::<$name>());

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    word_enum! {
        "colour",
        /// A test enum.
        pub enum Colour {
            Red = "red",
            /// With a doc comment.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn words_round_trip_everywhere() {
        assert_eq!(Colour::WORDS, ["red", "dark_blue"]);
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>().unwrap(), *c);
            assert_eq!(Colour::try_from(c.to_string()).unwrap(), *c);
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(
            "Red".parse::<Colour>().unwrap_err(),
            "unknown colour `Red` (expected one of red, dark_blue)"
        );
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
    }
}
