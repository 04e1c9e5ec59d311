//! Identifiers in SQL text. This is the one place where an identifier is quoted: a schema name
//! reaches SQL only as a [`SchemaName`] (validated against the naming rules), any other
//! identifier (a table or column name read from the catalog) only as an [`Ident`]. Everything
//! else travels as a bound parameter.

use super::naming::{self, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Double-quote an identifier, doubling embedded quotes (PostgreSQL's `quote_ident`). Private:
/// callers go through the validated types below.
fn quote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    out.push('"');
    for c in raw.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A tenant schema name that passed [`naming::validate_schema_name`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SchemaName(String);

impl SchemaName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        naming::validate_schema_name(raw)?;
        Ok(SchemaName(raw.to_string()))
    }

    /// The bare name, for bound parameters, file names, messages and pg_dump patterns.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The quoted identifier, for SQL text: `"tenant_acme_abc123"`.
    pub fn sql(&self) -> String {
        quote(&self.0)
    }

    /// `"schema"."name"` for an object inside this schema.
    pub fn qualify(&self, object: &Ident) -> String {
        format!("{}.{}", self.sql(), object.sql())
    }

    /// The value for `set_config('search_path', ...)`: this schema alone, or with a shared
    /// extension schema after it. Never `public`.
    pub fn search_path(&self, extension_schema: Option<&SchemaName>) -> String {
        match extension_schema {
            Some(ext) => format!("{}, {}", self.sql(), ext.sql()),
            None => self.sql(),
        }
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SchemaName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        SchemaName::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<&str> for SchemaName {
    type Error = ValidationError;
    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        SchemaName::parse(raw)
    }
}

// Decoded from a `text` column through the naming rules: a stored name that breaks them is a
// decode error naming the rule, never a `SchemaName`. (The registry's own column decodes as
// `registry::StoredSchema`, which keeps a bad row readable so fleet commands report it.)
sql_text!(SchemaName, SchemaName::parse);

/// Any other identifier (a table, column, sequence or constraint name as the catalog reports
/// it): non-empty, at most 63 bytes, no NUL. Quoted, so any such name is safe in SQL text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Ident(String);

impl Ident {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new("identifier", raw, "must not be empty"));
        }
        if raw.len() > naming::MAX_IDENT_BYTES {
            return Err(ValidationError::new(
                "identifier",
                raw,
                format!("must be at most {} bytes", naming::MAX_IDENT_BYTES),
            ));
        }
        if raw.contains('\0') {
            return Err(ValidationError::new(
                "identifier",
                raw,
                "must not contain NUL",
            ));
        }
        Ok(Ident(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn sql(&self) -> String {
        quote(&self.0)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_validated_and_quoted() {
        let s = SchemaName::parse("tenant_acme_abc123").unwrap();
        assert_eq!(s.sql(), "\"tenant_acme_abc123\"");
        assert_eq!(s.as_str(), "tenant_acme_abc123");
        assert!(SchemaName::parse("public").is_err());
        assert!(SchemaName::parse("x\"; drop schema y; --").is_err());
        let ext = SchemaName::parse("extensions").unwrap();
        assert_eq!(
            s.search_path(Some(&ext)),
            "\"tenant_acme_abc123\", \"extensions\""
        );
        assert_eq!(s.search_path(None), "\"tenant_acme_abc123\"");
    }

    #[test]
    fn idents_double_embedded_quotes() {
        let i = Ident::parse("we\"ird Table").unwrap();
        assert_eq!(i.sql(), "\"we\"\"ird Table\"");
        let s = SchemaName::parse("t").unwrap();
        assert_eq!(s.qualify(&i), "\"t\".\"we\"\"ird Table\"");
        assert!(Ident::parse("").is_err());
        assert!(Ident::parse("a\0b").is_err());
        assert!(Ident::parse(&"x".repeat(64)).is_err());
    }

    #[test]
    fn deserialising_validates() {
        let ok: SchemaName = serde_json::from_str("\"tenant_a\"").unwrap();
        assert_eq!(ok.as_str(), "tenant_a");
        assert!(serde_json::from_str::<SchemaName>("\"pg_toast\"").is_err());
    }
}
