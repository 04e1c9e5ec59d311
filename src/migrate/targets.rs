//! Which tenant schemas a fleet command works on: the completed, non-external platforms with a
//! schema that a [`Filter`] admits, read from the registry a chunk at a time ([`targets`], a
//! keyset walk by id, so memory does not grow with the fleet) or picked from platforms already
//! read ([`among`]). Either way every row passes the one gate between a registry row and a
//! tenant target, [`crate::registry::tenant_schema`]: a row whose schema name breaks the rules
//! comes back apart, as an [`InvalidPlatform`] for the command to report as that platform's
//! failure, and its name never reaches SQL.

use crate::db::SchemaName;
use crate::error::Result;
use crate::registry::{InvalidPlatform, Platform, ProvisionStatus, StoredSchema};
use sqlx::PgPool;

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

/// Which completed platforms a run covers: all, or `only` these ids, minus `exclude`.
pub use crate::registry::select::Selection as Filter;

// language=PostgreSQL
const TARGETS_WHERE: &str = "p.provision_status = 'completed' AND NOT p.external AND p.schema_name IS NOT NULL \
     AND ($1::bigint[] IS NULL OR p.id = ANY($1)) AND NOT (p.id = ANY($2))";

/// A walk over the targets by id, one chunk at a time.
pub struct Cursor {
    filter: Filter,
    chunk: usize,
    after: i64,
    done: bool,
    /// The newest version of the set, when the stored status should be read as a hint.
    hints: Option<Option<i64>>,
}

/// The targets of `filter`, `chunk` at a time.
pub fn targets(filter: Filter, chunk: usize) -> Cursor {
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
    /// that platform's failure; see [`crate::registry::tenant_schema`]).
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
pub async fn count(pool: &PgPool, filter: &Filter) -> Result<u64> {
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
pub fn among(platforms: &[Platform], filter: &Filter) -> (Vec<Target>, Vec<InvalidPlatform>) {
    let mut targets = Vec::new();
    let mut invalid = Vec::new();
    let chosen = platforms.iter().filter(|p| {
        !p.external && p.provision_status == ProvisionStatus::Completed && filter.admits(p.id)
    });
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
