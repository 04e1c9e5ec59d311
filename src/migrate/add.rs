//! `migrate add NAME`: a new reversible migration pair in a tenant migrations folder, in sqlx's
//! file format (`<version>_<name>.up.sql` / `.down.sql`), as `sqlx migrate add -r` writes it.
//! The version is the UTC time (`YYYYMMDDhhmmss`, like the existing ones), bumped past the
//! newest version already in the folder so the new pair always sorts last.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The longest name accepted (file names stay readable, and well under any file-name limit).
pub const MAX_NAME: usize = 64;

/// What [`add`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub version: i64,
    pub up: PathBuf,
    pub down: PathBuf,
}

/// A migration name is lower-case letters, digits and underscores, starting with a letter
/// (it becomes part of the file name and, with spaces for underscores, the description sqlx
/// records).
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        return Ok(());
    }
    let err = Error::Usage(format!(
        "migration name `{name}` must be 1-{MAX_NAME} lower-case letters, digits and underscores, starting with a letter"
    ));
    let suggestion = suggest(name);
    Err(match suggestion {
        Some(s) if s != name && validate_name(&s).is_ok() => err.hint(format!("try `{s}`")),
        _ => err.hint("e.g. `add_posts_published_at`"),
    })
}

/// `Add Posts-Index` → `add_posts_index`.
fn suggest(name: &str) -> Option<String> {
    let mut s = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    let s = s.trim_end_matches('_').to_string();
    (!s.is_empty()).then_some(s)
}

/// The next version: `now` as `YYYYMMDDhhmmss`, or one more than `latest` if that is not
/// greater (a clock behind, or two migrations added in one second).
pub fn next_version(now: DateTime<Utc>, latest: Option<i64>) -> i64 {
    let stamp: i64 = now
        .format("%Y%m%d%H%M%S")
        .to_string()
        .parse()
        .expect("digits");
    match latest {
        Some(l) if l >= stamp => l + 1,
        _ => stamp,
    }
}

/// The newest version among the folder's `<version>_*.sql` files (none in a new folder).
pub fn latest_in(dir: &Path) -> Result<Option<i64>> {
    let mut latest = None;
    for e in std::fs::read_dir(dir)? {
        let name = e?.file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".sql") {
            continue;
        }
        if let Some((v, _)) = name.split_once('_')
            && let Ok(v) = v.parse::<i64>()
        {
            latest = latest.max(Some(v));
        }
    }
    Ok(latest)
}

/// Write `<version>_<name>.up.sql` and `.down.sql` into `dir` (created if missing). Neither
/// file is overwritten; if the second cannot be written the first is removed again.
pub fn add(dir: &Path, name: &str, now: DateTime<Utc>) -> Result<Added> {
    validate_name(name)?;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Config(format!(
            "tenant migrations folder `{}` is not a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Config(format!(
            "cannot create tenant migrations folder `{}`: {e}",
            dir.display()
        ))
    })?;
    let version = next_version(now, latest_in(dir)?);
    let up = dir.join(format!("{version}_{name}.up.sql"));
    let down = dir.join(format!("{version}_{name}.down.sql"));
    let description = name.replace('_', " ");
    write_new(
        &up,
        &format!(
            "-- {description}: runs inside each tenant's transaction, with the tenant's schema on the search_path\n"
        ),
    )?;
    if let Err(e) = write_new(
        &down,
        &format!("-- {description}: undo what the up migration did (`tenantctl migrate revert`)\n"),
    ) {
        let _ = std::fs::remove_file(&up);
        return Err(e);
    }
    Ok(Added { version, up, down })
}

fn write_new(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::Config(format!("cannot write `{}`: {e}", path.display())))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn version_is_the_time_or_one_past_the_latest() {
        let now = at(2026, 12, 2, 7, 30, 5);
        assert_eq!(next_version(now, None), 20261202073005);
        assert_eq!(next_version(now, Some(20260101000010)), 20261202073005);
        // Same second, or a folder from a machine whose clock ran ahead.
        assert_eq!(next_version(now, Some(20261202073005)), 20261202073006);
        assert_eq!(next_version(now, Some(20300101000000)), 20300101000001);
    }

    #[test]
    fn names_are_checked_with_a_valid_suggestion() {
        for ok in ["add_posts_index", "a", "v2_people", &"x".repeat(MAX_NAME)] {
            validate_name(ok).unwrap();
        }
        for (bad, hint) in [
            ("Add Posts-Index", "try `add_posts_index`"),
            ("posts.index", "try `posts_index`"),
            ("", "e.g."),
            ("1_first", "e.g."),
            ("_x", "try `x`"),
        ] {
            let e = validate_name(bad).unwrap_err();
            let text = e.render().unwrap();
            assert!(
                text.contains("lower-case letters, digits and underscores"),
                "{text}"
            );
            assert!(text.contains(hint), "{bad}: {text}");
        }
        assert!(validate_name(&"x".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn add_writes_a_pair_after_the_newest_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("tenant");
        let now = at(2026, 12, 2, 7, 30, 5);
        let a = add(&d, "create_people", now).unwrap();
        assert_eq!(a.version, 20261202073005);
        assert_eq!(
            a.up.file_name().unwrap(),
            "20261202073005_create_people.up.sql"
        );
        assert!(a.down.is_file());
        // Same second: the next one still sorts after it.
        let b = add(&d, "add_email", now).unwrap();
        assert_eq!(b.version, 20261202073006);
        assert_eq!(latest_in(&d).unwrap(), Some(20261202073006));
        assert!(add(&d, "Bad Name", now).is_err());
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 4);
    }
}
