//! Tenant selection: the names given to `--tenant`, `--exclude` (and a command's positional
//! NAMEs) resolved against the registry in one place. Every name must be a platform, so a typo
//! never silently widens or narrows a fleet run; a near miss gets "did you mean". The matching
//! is pure ([`pick`]); [`resolve`] reads the registry once and calls it.

use crate::error::{Error, Result};
use crate::registry::{ProvisionStatus, naming};
use sqlx::PgPool;

/// Which platforms a fleet command covers: all of its kind, or `only` these ids, minus
/// `exclude`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub only: Option<Vec<i64>>,
    pub exclude: Vec<i64>,
}

impl Selection {
    /// Whether the platform `id` is selected (the command still applies its own kind rule,
    /// e.g. "provisioned", to the whole fleet).
    pub fn admits(&self, id: i64) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&id)) && !self.exclude.contains(&id)
    }
}

/// What a platform named in `--tenant` must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Provisioned (status completed) and not external: migrate, query, back up, verify.
    Provisioned,
    /// Not external, with a schema name, whatever its status: cleanup (its backups).
    WithSchema,
}

/// A platform as selection sees it. Only columns of the first registry migration: `migrate`
/// resolves names before the registry is migrated.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub provision_status: ProvisionStatus,
    pub external: bool,
    pub has_schema: bool,
}

/// Resolve `tenants` and `exclude` (names or ids) against the registry. `verb` says what the
/// command does to a schema ("migrate", "back up"), for the error when a named platform has
/// none. Nothing is read when no name is given.
pub async fn resolve(
    pool: &PgPool,
    tenants: &[String],
    exclude: &[String],
    wanted: Wanted,
    verb: &str,
) -> Result<Selection> {
    if tenants.is_empty() && exclude.is_empty() {
        return Ok(Selection::default());
    }
    // language=PostgreSQL
    let candidates: Vec<Candidate> = sqlx::query_as(
        "SELECT id, name, provision_status, external, schema_name IS NOT NULL AS has_schema \
         FROM public.platforms ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| match crate::error::sqlstate(&e).as_deref() {
        Some("42P01") => Error::NotFound("the registry does not exist yet".into())
            .hint("run `tenantctl init` (or `tenantctl migrate --registry-only`)"),
        _ => Error::Db(e),
    })?;
    pick(&candidates, tenants, exclude, wanted, verb)
}

/// The pure part of [`resolve`]: every name must match a candidate (an all-digit name is an id
/// first, then a name; names compare case-insensitively); `tenants` must also be `wanted`.
pub fn pick(
    candidates: &[Candidate],
    tenants: &[String],
    exclude: &[String],
    wanted: Wanted,
    verb: &str,
) -> Result<Selection> {
    let mut only: Option<Vec<i64>> = None;
    for key in tenants {
        let c = lookup(candidates, key)?;
        check(c, wanted, verb)?;
        let ids = only.get_or_insert_with(Vec::new);
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
    let mut excluded = Vec::new();
    for key in exclude {
        let c = lookup(candidates, key)?;
        if !excluded.contains(&c.id) {
            excluded.push(c.id);
        }
    }
    Ok(Selection {
        only,
        exclude: excluded,
    })
}

fn lookup<'a>(candidates: &'a [Candidate], key: &str) -> Result<&'a Candidate> {
    let by_id = key
        .parse::<i64>()
        .ok()
        .filter(|_| key.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|id| candidates.iter().find(|c| c.id == id));
    let lower = key.to_lowercase();
    by_id
        .or_else(|| candidates.iter().find(|c| c.name.to_lowercase() == lower))
        .ok_or_else(|| {
            let e = Error::Usage(format!("platform `{}` not found", naming::shown(key)));
            match did_you_mean(key, candidates.iter().map(|c| c.name.as_str())) {
                Some(near) => e.hint(format!("did you mean `{near}`?")),
                None => e.hint("`tenantctl platform list` shows the platforms"),
            }
        })
}

fn check(c: &Candidate, wanted: Wanted, verb: &str) -> Result<()> {
    if c.external {
        return Err(Error::Usage(format!(
            "platform `{}` is external: it has no schema to {verb}",
            c.name
        )));
    }
    match wanted {
        Wanted::Provisioned if c.provision_status != ProvisionStatus::Completed => {
            Err(Error::Usage(format!(
                "platform `{}` is not provisioned (status {}): it has no schema to {verb}",
                c.name, c.provision_status
            ))
            .hint(format!("run `tenantctl provision {}` first", c.name)))
        }
        Wanted::WithSchema if !c.has_schema => Err(Error::Usage(format!(
            "platform `{}` has no schema (status {}): nothing to {verb}",
            c.name, c.provision_status
        ))),
        _ => Ok(()),
    }
}

/// The closest name to `key` (case-insensitive edit distance), when it is close enough to be
/// a typo: at most one edit in three characters, and at least one.
pub fn did_you_mean<'a>(key: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = key.to_lowercase();
    let limit = (key.chars().count() / 3).max(1);
    names
        .into_iter()
        .map(|n| (strsim::levenshtein(&key, &n.to_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, name: &str, status: &str, external: bool) -> Candidate {
        Candidate {
            id,
            name: name.into(),
            provision_status: status.to_string().try_into().unwrap(),
            external,
            has_schema: !external,
        }
    }

    fn fleet() -> Vec<Candidate> {
        vec![
            c(1, "Host", "completed", false),
            c(2, "Acme", "completed", false),
            c(3, "Beta", "completed", false),
            c(4, "Pending", "pending", false),
            c(5, "Ext", "completed", true),
            c(6, "7", "completed", false),
        ]
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn message(e: Error) -> String {
        match e {
            Error::Hinted { source, hint } => format!("{source} ({hint})"),
            e => e.to_string(),
        }
    }

    #[test]
    fn names_and_ids_resolve_once_each() {
        let f = fleet();
        let sel = pick(
            &f,
            &s(&["acme", "2", "BETA"]),
            &s(&[]),
            Wanted::Provisioned,
            "x",
        )
        .unwrap();
        assert_eq!(sel.only, Some(vec![2, 3]));
        let sel = pick(&f, &s(&[]), &s(&["host", "3"]), Wanted::Provisioned, "x").unwrap();
        assert_eq!(sel.only, None);
        assert_eq!(sel.exclude, vec![1, 3]);
        assert!(sel.admits(2) && !sel.admits(1));
        // An all-digit name that is no id is a name.
        let sel = pick(&f, &s(&["7"]), &s(&[]), Wanted::Provisioned, "x").unwrap();
        assert_eq!(sel.only, Some(vec![6]));
    }

    #[test]
    fn unknown_names_are_usage_errors_with_a_near_miss() {
        let f = fleet();
        let e = pick(&f, &s(&["acm"]), &s(&[]), Wanted::Provisioned, "x").unwrap_err();
        assert_eq!(e.exit_code(), crate::exit_code::USAGE);
        assert_eq!(
            message(e),
            "platform `acm` not found (did you mean `Acme`?)"
        );
        let e = pick(&f, &s(&[]), &s(&["nosuch"]), Wanted::Provisioned, "x").unwrap_err();
        assert_eq!(
            message(e),
            "platform `nosuch` not found (`tenantctl platform list` shows the platforms)"
        );
    }

    #[test]
    fn tenants_must_have_what_the_command_needs() {
        let f = fleet();
        let e = pick(
            &f,
            &s(&["pending"]),
            &s(&[]),
            Wanted::Provisioned,
            "migrate",
        )
        .unwrap_err();
        assert!(message(e).contains("platform `Pending` is not provisioned (status pending)"),);
        assert!(pick(&f, &s(&["pending"]), &s(&[]), Wanted::WithSchema, "x").is_ok());
        let e = pick(&f, &s(&["ext"]), &s(&[]), Wanted::WithSchema, "back up").unwrap_err();
        assert!(message(e).contains("is external: it has no schema to back up"));
        // Excluding needs only that the platform exists.
        assert!(
            pick(
                &f,
                &s(&[]),
                &s(&["ext", "pending"]),
                Wanted::Provisioned,
                "x"
            )
            .is_ok()
        );
    }

    #[test]
    fn did_you_mean_only_for_typos() {
        let names = ["Acme", "Beta", "acme-two"];
        assert_eq!(did_you_mean("acm", names), Some("Acme"));
        assert_eq!(did_you_mean("ACME-TWP", names), Some("acme-two"));
        assert_eq!(did_you_mean("bet", names), Some("Beta"));
        assert_eq!(did_you_mean("gamma", names), None);
        assert_eq!(did_you_mean("x", names), None);
    }
}
