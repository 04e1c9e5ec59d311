//! A tenant migration set: the embedded sample (`migrations/tenant/`) or an application's own
//! directory in sqlx's file format (`<version>_<name>.up.sql` / `.down.sql`).

use crate::error::{Error, Result};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct MigrationSet {
    /// `embedded` or the directory it was read from.
    pub source: String,
    migrations: Vec<Migration>,
}

impl MigrationSet {
    /// The sample community-engine schema compiled into the binary.
    pub fn embedded() -> MigrationSet {
        let m: Migrator = sqlx::migrate!("migrations/tenant");
        MigrationSet {
            source: "embedded".into(),
            migrations: m.migrations.into_owned(),
        }
    }

    /// Read a directory; a missing or empty directory is an error naming it.
    pub async fn from_dir(dir: &Path) -> Result<MigrationSet> {
        if !dir.is_dir() {
            return Err(Error::Config(format!(
                "tenant migrations directory `{}` does not exist",
                dir.display()
            )));
        }
        let m = Migrator::new(dir.to_path_buf()).await.map_err(|e| {
            Error::Config(format!(
                "cannot read tenant migrations from `{}`: {e}",
                dir.display()
            ))
        })?;
        let set = MigrationSet {
            source: dir.display().to_string(),
            migrations: m.migrations.into_owned(),
        };
        if set.ups().next().is_none() {
            return Err(Error::Config(format!(
                "tenant migrations directory `{}` holds no migrations",
                dir.display()
            )));
        }
        Ok(set)
    }

    /// The configured set: `dir` if given, else the embedded one.
    pub async fn load(dir: Option<&PathBuf>) -> Result<MigrationSet> {
        match dir {
            Some(d) => MigrationSet::from_dir(d).await,
            None => Ok(MigrationSet::embedded()),
        }
    }

    /// Build from migrations in memory (tests).
    pub fn from_migrations(source: &str, mut migrations: Vec<Migration>) -> MigrationSet {
        migrations.sort();
        MigrationSet {
            source: source.into(),
            migrations,
        }
    }

    /// Up migrations (simple or reversible), in version order.
    pub fn ups(&self) -> impl Iterator<Item = &Migration> {
        self.migrations
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
    }

    pub fn up(&self, version: i64) -> Option<&Migration> {
        self.ups().find(|m| m.version == version)
    }

    /// The down migration of a version, if the set has one.
    pub fn down(&self, version: i64) -> Option<&Migration> {
        self.migrations
            .iter()
            .find(|m| m.version == version && m.migration_type == MigrationType::ReversibleDown)
    }

    /// The newest version in the set.
    pub fn latest(&self) -> Option<i64> {
        self.ups().map(|m| m.version).max()
    }

    pub fn len(&self) -> usize {
        self.ups().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_set_is_reversible_and_ordered() {
        let s = MigrationSet::embedded();
        assert!(s.len() >= 10, "{}", s.len());
        let versions: Vec<i64> = s.ups().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort();
        assert_eq!(versions, sorted);
        for v in versions {
            assert!(s.down(v).is_some(), "version {v} has no down migration");
        }
        for m in s.ups() {
            assert!(
                !m.sql.as_str().to_lowercase().contains("public."),
                "migration {} names public",
                m.version
            );
        }
    }

    #[tokio::test]
    async fn missing_and_empty_directories_are_named() {
        let e = MigrationSet::from_dir(Path::new("/nonexistent/migrations"))
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("`/nonexistent/migrations` does not exist")
        );
        let dir = tempfile::tempdir().unwrap();
        let e = MigrationSet::from_dir(dir.path()).await.unwrap_err();
        assert!(e.to_string().contains("holds no migrations"), "{e}");
    }

    #[tokio::test]
    async fn no_transaction_migrations_are_loaded_with_their_mark() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("1_idx.sql"),
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON posts (title);\n",
        )
        .unwrap();
        let s = MigrationSet::from_dir(dir.path()).await.unwrap();
        assert!(s.up(1).unwrap().no_tx);
    }
}
