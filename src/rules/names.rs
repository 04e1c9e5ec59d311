//! The schema names tenantctl makes itself, besides tenants' own (`tenant_<base>_<hex>`, see
//! [`naming::generate_schema_name`](super::naming::generate_schema_name)), made from the
//! prefixes declared once in [`prefixes`](super::prefixes) (re-exported here), and recognised
//! again.
//!
//! All of them are short (PostgreSQL cuts identifiers at 63 bytes) and valid schema names.

use super::ident::SchemaName;

// The prefixes themselves sit one floor lower (`prefixes`), where `naming` reads the reserved
// ones without importing the identifier types that import `naming`.
pub use super::prefixes::*;

fn made(raw: String) -> SchemaName {
    SchemaName::parse(&raw).expect("tenantctl's own schema names are valid")
}

/// The name the live schema of platform `platform_id` is moved to during a restore.
pub fn old_schema(platform_id: i64, stamp: impl std::fmt::Display) -> SchemaName {
    made(format!("{OLD_PREFIX}{platform_id}_{stamp}"))
}

/// A scratch schema for verifying a backup of platform `platform_id`.
pub fn backup_verify_schema(platform_id: i64, random: u32) -> SchemaName {
    made(format!("{VERIFY_PREFIX}{platform_id}_{random:08x}"))
}

/// A scratch schema for verifying the migration set.
pub fn migrate_verify_schema(random: u32) -> SchemaName {
    made(format!("{VERIFY_PREFIX}{random:08x}"))
}

/// A warm-pool spare.
pub fn pool_schema(random: u32) -> SchemaName {
    made(format!("{POOL_PREFIX}{random:08x}"))
}

/// The restore time in an old schema's name (`tctl_old_7_20261202073000`).
pub fn old_schema_time(name: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let stamp = name.strip_prefix(OLD_PREFIX)?.rsplit('_').next()?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_names_carry_their_prefix_and_are_recognised() {
        let old = old_schema(7, "20261202073000");
        assert_eq!(old.as_str(), "tctl_old_7_20261202073000");
        assert_eq!(reserved_prefix(old.as_str()), Some(OLD_PREFIX));
        let v = backup_verify_schema(7, 0xab);
        assert_eq!(v.as_str(), "tctl_verify_7_000000ab");
        assert_eq!(migrate_verify_schema(0xab).as_str(), "tctl_verify_000000ab");
        assert_eq!(pool_schema(1).as_str(), "_tenantctl_pool_00000001");
        assert_eq!(
            reserved_prefix("tenantctl_verify_0a"),
            Some(LEGACY_VERIFY_PREFIX)
        );
        assert_eq!(reserved_prefix("tenant_acme_abc123"), None);
        assert!([u32::MAX, 0].iter().all(
            |r| old_schema(i64::MAX, "20261202073000").as_str().len() <= 63
                && backup_verify_schema(i64::MAX, *r).as_str().len() <= 63
        ));
    }

    #[test]
    fn like_patterns_escape_the_underscores() {
        assert_eq!(like_prefix("tctl_old_"), "tctl\\_old\\_%");
        assert_eq!(
            scratch_like_patterns(),
            [
                "tctl\\_old\\_%",
                "tctl\\_verify\\_%",
                "tenantctl\\_verify\\_%"
            ]
        );
        assert_eq!(like_prefix(POOL_PREFIX), "\\_tenantctl\\_pool\\_%");
    }

    #[test]
    fn old_schema_times() {
        assert_eq!(
            old_schema_time("tctl_old_7_20261202073000").map(|t| t.to_rfc3339()),
            Some("2026-12-02T07:30:00+00:00".into())
        );
        assert_eq!(old_schema_time("tctl_old_7_x"), None);
        assert_eq!(old_schema_time("tenant_a"), None);
    }
}
