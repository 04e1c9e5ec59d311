//! The platform registry: `public.platforms`, its rules and its queries.

pub mod audit;
pub mod claims;
pub mod domains;
pub mod maintenance;
pub mod migrations;
pub mod notifications;
pub mod store;
pub mod suggest;
pub mod tenants;

use crate::db::SchemaName;
use crate::rules::naming;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

word_enum! {
    "provision status",
    /// Where a platform is in its provisioning (`public.platforms.provision_status`).
    #[derive(clap::ValueEnum)]
    pub enum ProvisionStatus {
        Pending = "pending",
        Provisioning = "provisioning",
        Completed = "completed",
        Failed = "failed",
    }
}

/// One row of `public.platforms`. The serialised field names are part of the JSON output and
/// stay stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Platform {
    #[serde(rename = "platform_id")]
    pub id: i64,
    #[serde(rename = "platform")]
    pub name: String,
    pub host: bool,
    pub external: bool,
    pub url: Option<String>,
    pub domain: Option<String>,
    pub subdomain: Option<String>,
    /// Validated when the row is read; see [`StoredSchema`].
    #[serde(rename = "schema")]
    pub schema_name: Option<StoredSchema>,
    #[sqlx(try_from = "String")]
    pub provision_status: ProvisionStatus,
    pub provision_error: Option<String>,
    pub provisioned_at: Option<DateTime<Utc>>,
    pub last_backup_at: Option<DateTime<Utc>>,
    pub schema_size_bytes: Option<i64>,
    pub contact_email: Option<String>,
    /// In maintenance, `serve` answers 503 and no request touches the schema.
    pub maintenance: bool,
    pub maintenance_reason: Option<String>,
    /// Since when it is in maintenance (kept by a trigger; null when not in maintenance).
    #[sqlx(default)]
    #[serde(default)]
    pub maintenance_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The columns of `Platform`, for `SELECT {PLATFORM_COLUMNS} FROM public.platforms`.
pub const PLATFORM_COLUMNS: &str = "id, name, host, external, url, domain, subdomain, schema_name, \
     provision_status, provision_error, provisioned_at, last_backup_at, schema_size_bytes, \
     contact_email, maintenance, maintenance_reason, maintenance_since, created_at, updated_at";

impl Platform {
    /// A completed, plain platform that no registry row holds (the `public` pseudo-platform of
    /// a backup, tests): no host, domain, URL or contact, not in maintenance, made now.
    pub fn detached(id: i64, name: &str, schema_name: Option<StoredSchema>) -> Platform {
        let now = Utc::now();
        Platform {
            id,
            name: name.to_string(),
            host: false,
            external: false,
            url: None,
            domain: None,
            subdomain: None,
            schema_name,
            provision_status: ProvisionStatus::Completed,
            provision_error: None,
            provisioned_at: None,
            last_backup_at: None,
            schema_size_bytes: None,
            contact_email: None,
            maintenance: false,
            maintenance_reason: None,
            maintenance_since: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// The host name the platform is served at: `sub.domain`, `domain`, or `sub.<base>` for a
    /// subdomain-only platform (base: `base_domain` or the host platform's domain).
    pub fn address(&self, base_domain: Option<&str>) -> Option<String> {
        address_of(
            self.subdomain.as_deref(),
            self.domain.as_deref(),
            base_domain,
        )
    }

    /// The validated schema name; `None` for external platforms.
    pub fn schema(&self) -> Result<Option<SchemaName>, naming::ValidationError> {
        self.schema_name
            .as_ref()
            .map(|s| s.valid().cloned().map_err(Clone::clone))
            .transpose()
    }

    /// The stored schema name as text, for messages and tables (`None`: external).
    pub fn schema_str(&self) -> Option<&str> {
        self.schema_name.as_ref().map(StoredSchema::as_str)
    }

    /// The schema as a tenant target: `None` for external platforms, an [`InvalidPlatform`]
    /// when the registry row was edited by hand to a name that breaks the rules.
    pub fn tenant_schema(&self) -> Result<Option<SchemaName>, InvalidPlatform> {
        self.schema_name
            .as_ref()
            .map(|s| s.tenant(self.id, &self.name))
            .transpose()
    }

    /// The schema, or an error saying this platform has none (external).
    pub fn require_schema(&self) -> crate::error::Result<SchemaName> {
        match self.schema()? {
            Some(s) => Ok(s),
            None => Err(crate::error::Error::Usage(format!(
                "platform `{}` is external and has no schema",
                self.name
            ))),
        }
    }
}

/// A platform's `schema_name` as its registry row holds it, validated once, when the row is
/// decoded: a [`SchemaName`], or, for a row edited by hand to break the naming rules, the
/// stored text with the rule it breaks. Decoding never fails on a bad name, so one bad row
/// cannot stop a command over the fleet; the text of an invalid one is only printed (the row
/// reported as that platform's failure, or deleted), never put in SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredSchema {
    Valid(SchemaName),
    Invalid {
        raw: String,
        error: naming::ValidationError,
    },
}

impl StoredSchema {
    pub fn new(raw: &str) -> StoredSchema {
        match SchemaName::parse(raw) {
            Ok(s) => StoredSchema::Valid(s),
            Err(error) => StoredSchema::Invalid {
                raw: raw.to_string(),
                error,
            },
        }
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        match self {
            StoredSchema::Valid(s) => s.as_str(),
            StoredSchema::Invalid { raw, .. } => raw,
        }
    }

    /// The validated name, or the rule the stored text breaks.
    pub fn valid(&self) -> Result<&SchemaName, &naming::ValidationError> {
        match self {
            StoredSchema::Valid(s) => Ok(s),
            StoredSchema::Invalid { error, .. } => Err(error),
        }
    }

    /// The validated name as platform `platform_id`'s tenant target, or that row as an
    /// [`InvalidPlatform`].
    pub fn tenant(&self, platform_id: i64, platform: &str) -> Result<SchemaName, InvalidPlatform> {
        match self {
            StoredSchema::Valid(s) => Ok(s.clone()),
            StoredSchema::Invalid { raw, error } => Err(InvalidPlatform {
                platform_id,
                platform: platform.to_string(),
                schema: naming::shown(raw),
                error: error.to_string(),
            }),
        }
    }
}

impl From<SchemaName> for StoredSchema {
    fn from(s: SchemaName) -> Self {
        StoredSchema::Valid(s)
    }
}

/// For tests and literals: `Some("tenant_acme".into())`; a name that breaks the rules becomes
/// [`StoredSchema::Invalid`], as it would read from the database.
impl From<&str> for StoredSchema {
    fn from(raw: &str) -> Self {
        StoredSchema::new(raw)
    }
}

impl fmt::Display for StoredSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StoredSchema {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StoredSchema {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(StoredSchema::new(&String::deserialize(d)?))
    }
}

// Never a decode error: a bad name decodes as `Invalid`.
sql_text!(StoredSchema, |s| Ok::<_, std::convert::Infallible>(
    StoredSchema::new(s)
));

/// A registry row whose `schema_name` breaks the naming rules (edited by hand). Its name never
/// reaches SQL: every command over the fleet reports it as that platform's failure, naming the
/// rule, and carries on with the others; `platform delete` removes the row (no schema dropped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidPlatform {
    pub platform_id: i64,
    pub platform: String,
    /// The stored value, as it is safe to print.
    pub schema: String,
    /// `invalid schema name `public`: is reserved`.
    pub error: String,
}

impl fmt::Display for InvalidPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)
    }
}

/// The one gate between a registry row and a tenant target: the validated schema, or the
/// row as an [`InvalidPlatform`]. Every fleet command builds its targets through this.
pub fn tenant_schema(
    platform_id: i64,
    platform: &str,
    schema_name: &str,
) -> Result<SchemaName, InvalidPlatform> {
    StoredSchema::new(schema_name).tenant(platform_id, platform)
}

/// See [`Platform::address`].
pub fn address_of(
    subdomain: Option<&str>,
    domain: Option<&str>,
    base_domain: Option<&str>,
) -> Option<String> {
    match (subdomain, domain) {
        (Some(s), Some(d)) => Some(format!("{s}.{d}")),
        (None, Some(d)) => Some(d.to_string()),
        (Some(s), None) => base_domain.map(|b| format!("{s}.{b}")),
        (None, None) => None,
    }
}
