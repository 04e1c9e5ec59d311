//! Which tenants: the one rule of what a tenant is, and every way a command picks some.
//!
//! - The rule: a tenant is a completed, non-external platform with a schema. In Rust it is
//!   [`Platform::is_tenant`]; in SQL it is [`tenant_sql!`], the fragment every query over the
//!   tenants puts in its `WHERE` (the registry aliased `p`).
//! - Names to a [`Selection`]: `--tenant`, `--exclude` (and a command's positional NAMEs)
//!   resolved against the registry in one place. Every name must be a platform, so a typo never
//!   silently widens or narrows a fleet run; a near miss gets "did you mean". The matching is
//!   pure ([`pick`]); [`resolve`] reads the registry once and calls it.
//! - A [`Selection`] to [`Target`]s: the tenants it admits, read from the registry a chunk at a
//!   time ([`targets`], a keyset walk by id, so memory does not grow with the fleet) or picked
//!   from platforms already read ([`among`]). Either way every row passes the one gate between
//!   a registry row and a tenant target, [`super::tenant_schema`]: a row whose schema name breaks
//!   the rules comes back apart, as an [`InvalidPlatform`] for the command to report as that
//!   platform's failure, and its name never reaches SQL.

pub use super::suggest::{did_you_mean, unknown_platform};
use crate::db::SchemaName;
use crate::error::{Error, Result};
use crate::registry::{InvalidPlatform, Platform, ProvisionStatus, StoredSchema};
use crate::rules::naming;
use sqlx::PgPool;

/// The tenant rule as a SQL condition on `public.platforms p`, a string literal for
/// `concat!` (so the statement stays a `&'static str`): a completed, non-external platform
/// with a schema. [`Platform::is_tenant`] is the same rule in Rust.
macro_rules! tenant_sql {
    () => {
        "p.provision_status = 'completed' AND NOT p.external AND p.schema_name IS NOT NULL"
    };
}
pub(crate) use tenant_sql;

impl Platform {
    /// Whether this platform is a tenant: completed, not external, with a schema (the rule
    /// [`tenant_sql!`] states in SQL).
    pub fn is_tenant(&self) -> bool {
        self.provision_status == ProvisionStatus::Completed
            && !self.external
            && self.schema_name.is_some()
    }
}

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
        require(c, wanted, verb)?;
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
        .ok_or_else(|| unknown_platform(key, candidates.iter().map(|c| c.name.as_str())))
}

/// The names of a clap subcommand enum's commands (`backup`'s `list`, `get`, `verify`).
pub fn subcommand_names<S: clap::Subcommand>() -> Vec<String> {
    S::augment_subcommands(clap::Command::new("_"))
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// A command that takes platform names and has subcommands too (`backup NAME` and `backup
/// list`) reads a mistyped subcommand as a platform: when the one name given is no platform
/// but near a subcommand (`backup lst`), say which subcommand was meant.
pub async fn check_subcommand_typo(
    pool: &PgPool,
    names: &[String],
    command: &str,
    subcommands: &[String],
) -> Result<()> {
    let [name] = names else {
        return Ok(());
    };
    let Some(sub) = did_you_mean(name, subcommands.iter().map(String::as_str)) else {
        return Ok(());
    };
    let mut conn = pool.acquire().await?;
    if super::store::find_opt(&mut conn, name).await?.is_some() {
        return Ok(());
    }
    Err(
        Error::Usage(format!("platform `{}` not found", naming::shown(name))).hint(format!(
            "did you mean the subcommand `tenantctl {command} {sub}`? (`{}` was read as a platform)",
            naming::shown(name)
        )),
    )
}

/// That a platform named in `--tenant` is what the command needs (`wanted`).
fn require(c: &Candidate, wanted: Wanted, verb: &str) -> Result<()> {
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

/// One tenant schema to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub platform_id: i64,
    pub name: String,
    pub schema: SchemaName,
    /// What `tenantctl.tenant_migrations` says: at the newest version, nothing pending, no
    /// drift, no error. Only a routing hint (see [`Cursor::with_hints`]); `true` when not asked.
    pub likely_current: bool,
    /// The version `tenantctl.tenant_migrations` records, when hints were asked for.
    pub recorded_version: Option<i64>,
}

impl Target {
    /// A registry row as a target, through the one gate ([`StoredSchema::tenant`]); without
    /// hints.
    fn of(
        platform_id: i64,
        name: String,
        schema_name: &StoredSchema,
    ) -> std::result::Result<Target, InvalidPlatform> {
        let schema = schema_name.tenant(platform_id, &name)?;
        Ok(Target {
            platform_id,
            name,
            schema,
            likely_current: true,
            recorded_version: None,
        })
    }
}

/// The tenants a [`Selection`] admits (`$1` its `only`, `$2` its `exclude`).
// language=PostgreSQL
const TARGETS_WHERE: &str = concat!(
    tenant_sql!(),
    " AND ($1::bigint[] IS NULL OR p.id = ANY($1)) AND NOT (p.id = ANY($2))"
);

/// A walk over the targets by id, one chunk at a time.
pub struct Cursor {
    filter: Selection,
    chunk: usize,
    after: i64,
    done: bool,
    /// The newest version of the set, when the stored status should be read as a hint.
    hints: Option<Option<i64>>,
}

/// The targets of `filter`, `chunk` at a time.
pub fn targets(filter: Selection, chunk: usize) -> Cursor {
    Cursor {
        filter,
        chunk: chunk.max(1),
        after: i64::MIN,
        done: false,
        hints: None,
    }
}

impl Cursor {
    /// Also say which targets `tenantctl.tenant_migrations` records as being at `latest` with
    /// nothing pending. The hint only routes work: likely-current schemas are read in batches
    /// (cheap when nothing is pending), the others go straight to a worker, which reads the
    /// schema's tracking table in its own transaction (reading it twice would cost as much as
    /// the migration itself). A wrong hint costs time, never correctness.
    pub fn with_hints(mut self, latest: Option<i64>) -> Cursor {
        self.hints = Some(latest);
        self
    }

    /// The next chunk: its targets, and its rows whose schema name breaks the rules (each
    /// that platform's failure; see [`super::tenant_schema`]).
    pub async fn next(&mut self, pool: &PgPool) -> Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let (hint, join) = match self.hints {
            None => ("true, NULL::bigint", ""),
            Some(_) => (
                "coalesce(s.version IS NOT DISTINCT FROM $5 AND s.pending_count = 0 \
                 AND NOT s.drift AND s.last_error IS NULL, false), s.version",
                "LEFT JOIN tenantctl.tenant_migrations s ON s.platform_id = p.id",
            ),
        };
        // language=PostgreSQL
        let sql = format!(
            "SELECT p.id, p.name, p.schema_name, {hint} FROM public.platforms p {join} \
             WHERE {TARGETS_WHERE} AND p.id > $3 ORDER BY p.id LIMIT $4"
        );
        let mut q = sqlx::query_as::<_, (i64, String, StoredSchema, bool, Option<i64>)>(
            sqlx::AssertSqlSafe(sql),
        )
        .bind(&self.filter.only)
        .bind(&self.filter.exclude)
        .bind(self.after)
        .bind(self.chunk as i64);
        if let Some(latest) = self.hints {
            q = q.bind(latest);
        }
        let rows = q.fetch_all(pool).await?;
        if rows.len() < self.chunk {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = last.0;
        let mut chunk = Chunk::default();
        for (platform_id, name, schema, likely_current, recorded_version) in rows {
            match Target::of(platform_id, name, &schema) {
                Ok(t) => chunk.targets.push(Target {
                    likely_current,
                    recorded_version,
                    ..t
                }),
                Err(bad) => chunk.invalid.push(bad),
            }
        }
        Ok(Some(chunk))
    }
}

/// One chunk of a [`Cursor`].
#[derive(Debug, Default)]
pub struct Chunk {
    pub targets: Vec<Target>,
    /// Rows whose schema name breaks the rules: never used in SQL, reported as failed.
    pub invalid: Vec<InvalidPlatform>,
}

/// How many platforms `filter` covers.
pub async fn count(pool: &PgPool, filter: &Selection) -> Result<u64> {
    let sql = format!("SELECT count(*) FROM public.platforms p WHERE {TARGETS_WHERE}");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&filter.only)
        .bind(&filter.exclude)
        .fetch_one(pool)
        .await?;
    Ok(n as u64)
}

/// The targets among `platforms` already read (the rule of [`targets`]: completed, not
/// external, with a schema, admitted by `filter`), in the order given, and apart the chosen
/// rows whose schema name breaks the rules.
pub fn among(platforms: &[Platform], filter: &Selection) -> (Vec<Target>, Vec<InvalidPlatform>) {
    let mut targets = Vec::new();
    let mut invalid = Vec::new();
    let chosen = platforms
        .iter()
        .filter(|p| p.is_tenant() && filter.admits(p.id));
    for p in chosen {
        let Some(schema) = &p.schema_name else {
            continue;
        };
        match Target::of(p.id, p.name.clone(), schema) {
            Ok(t) => targets.push(t),
            Err(bad) => invalid.push(bad),
        }
    }
    (targets, invalid)
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
