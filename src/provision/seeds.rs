//! Seeds: SQL files run, in file-name order, in a freshly migrated tenant schema inside the
//! provisioning transaction. They are idempotent and read the platform's facts from settings
//! (`current_setting('tenantctl.platform_name')` and the like), never from pasted text.

use crate::error::{Error, Result};
use include_dir::{Dir, include_dir};
use sqlx::PgConnection;
use std::path::{Path, PathBuf};

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/seeds");

#[derive(Debug, Clone)]
pub struct Seeds {
    /// `embedded` or the directory.
    pub source: String,
    /// (file name, SQL), in file-name order.
    pub files: Vec<(String, String)>,
}

impl Seeds {
    pub fn embedded() -> Seeds {
        let mut files: Vec<(String, String)> = EMBEDDED
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "sql"))
            .filter_map(|f| {
                Some((
                    f.path().file_name()?.to_string_lossy().into_owned(),
                    f.contents_utf8()?.to_string(),
                ))
            })
            .collect();
        files.sort();
        Seeds {
            source: "embedded".into(),
            files,
        }
    }

    pub fn from_dir(dir: &Path) -> Result<Seeds> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::Config(format!(
                "cannot read seeds directory `{}`: {e}",
                dir.display()
            ))
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "sql") {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((name, std::fs::read_to_string(&path)?));
            }
        }
        files.sort();
        Ok(Seeds {
            source: dir.display().to_string(),
            files,
        })
    }

    pub async fn load(dir: Option<&PathBuf>) -> Result<Seeds> {
        match dir {
            Some(d) => Seeds::from_dir(d),
            None => Ok(Seeds::embedded()),
        }
    }

    /// The seed files that read no platform fact (no `tenantctl.` setting): the neutral data a
    /// warm-pool schema is seeded with before any platform claims it.
    pub fn neutral(&self) -> Seeds {
        Seeds {
            source: self.source.clone(),
            files: self
                .files
                .iter()
                .filter(|(_, sql)| !sql.contains("tenantctl."))
                .cloned()
                .collect(),
        }
    }

    /// The other seed files: those that read the platform's facts, run when a warm-pool schema
    /// is claimed.
    pub fn platform_facts(&self) -> Seeds {
        Seeds {
            source: self.source.clone(),
            files: self
                .files
                .iter()
                .filter(|(_, sql)| sql.contains("tenantctl."))
                .cloned()
                .collect(),
        }
    }

    /// Run every file inside the caller's transaction (search_path and settings already set).
    pub async fn run(&self, conn: &mut PgConnection) -> Result<()> {
        for (name, sql) in &self.files {
            crate::db::statements::execute(conn, sql)
                .await
                .map_err(|e| {
                    Error::Other(anyhow::anyhow!(
                        "seed file {name} failed: {}",
                        db_message(&e)
                    ))
                })?;
        }
        Ok(())
    }
}

fn db_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_seeds_are_sorted_sql() {
        let s = Seeds::embedded();
        assert!(!s.files.is_empty());
        let names: Vec<_> = s.files.iter().map(|(n, _)| n.clone()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        let all: String = s.files.iter().map(|(_, sql)| sql.as_str()).collect();
        assert!(all.contains("current_setting('tenantctl.platform_name')"));
        let neutral = s.neutral();
        assert!(!neutral.files.is_empty() && neutral.files.len() < s.files.len());
        assert!(
            neutral
                .files
                .iter()
                .all(|(_, sql)| !sql.contains("tenantctl."))
        );
    }
}
