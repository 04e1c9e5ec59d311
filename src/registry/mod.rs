//! The platform registry: `public.platforms`, its rules and its queries.

pub mod domains;
pub mod maintenance;
pub mod migrations;
pub mod naming;
pub mod select;
pub mod store;

use crate::db::SchemaName;
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
    #[serde(rename = "schema")]
    pub schema_name: Option<String>,
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
    pub fn schema(&self) -> Result<Option<crate::db::SchemaName>, naming::ValidationError> {
        self.schema_name
            .as_deref()
            .map(crate::db::SchemaName::parse)
            .transpose()
    }

    /// The schema as a tenant target: `None` for external platforms, an [`InvalidPlatform`]
    /// when the registry row was edited by hand to a name that breaks the rules.
    pub fn tenant_schema(&self) -> Result<Option<crate::db::SchemaName>, InvalidPlatform> {
        self.schema_name
            .as_deref()
            .map(|s| tenant_schema(self.id, &self.name, s))
            .transpose()
    }

    /// The schema, or an error saying this platform has none (external).
    pub fn require_schema(&self) -> crate::error::Result<crate::db::SchemaName> {
        match self.schema()? {
            Some(s) => Ok(s),
            None => Err(crate::error::Error::Usage(format!(
                "platform `{}` is external and has no schema",
                self.name
            ))),
        }
    }
}

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
) -> Result<crate::db::SchemaName, InvalidPlatform> {
    crate::db::SchemaName::parse(schema_name).map_err(|e| InvalidPlatform {
        platform_id,
        platform: platform.to_string(),
        schema: naming::shown(schema_name),
        error: e.to_string(),
    })
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
