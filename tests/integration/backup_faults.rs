//! Bad backups and failures half-way: a corrupt or truncated dump, a manifest whose checksum
//! does not match, a dump of another schema, a full disk, SIGKILL during backup and during
//! restore. In every case the tenant keeps its data and nothing half-done looks like a backup.

use crate::backup::{dump_path, fleet, id_of, manifest_path, read_manifest};
use crate::common::Env;
use serde_json::Value;
use sha2::Digest;
use sqlx::PgPool;
use std::time::Duration;

/// Rewrite a manifest's fields.
fn edit_manifest(env: &Env, schema: &str, id: &str, f: impl FnOnce(&mut Value)) {
    let mut m = read_manifest(env, schema, id);
    f(&mut m);
    std::fs::write(
        manifest_path(env, schema, id),
        serde_json::to_vec(&m).unwrap(),
    )
    .unwrap();
}

/// Make the manifest match whatever the dump file now holds (as if it had been written so).
fn reseal(env: &Env, schema: &str, id: &str) {
    let bytes = std::fs::read(dump_path(env, schema, id)).unwrap();
    edit_manifest(env, schema, id, |m| {
        m["sha256"] = Value::from(hex::encode(sha2::Sha256::digest(&bytes)));
        m["size_bytes"] = Value::from(bytes.len());
    });
}

/// What a user checks after a failed restore: same rows, same registry, no stray schema,
/// not left in maintenance.
async fn unchanged(env: &Env, schema: &str, people: i64, registry: &[String]) {
    assert_eq!(env.count(schema, "people").await, people);
    assert_eq!(env.registry_snapshot().await, registry);
    assert!(!env.schemas().await.iter().any(|s| s.starts_with("tctl_")));
}

/// Files in a schema's backup folder that look like backups (not dot-temporaries).
fn visible(env: &Env, schema: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.backups().join(schema))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[sqlx::test(migrations = false)]
async fn a_truncated_or_corrupt_dump_is_refused_and_nothing_changes(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.fill("tenant_a", 200, 200).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let id = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 5, 10).await;
    let people = env.count("tenant_a", "people").await;
    let registry = env.registry_snapshot().await;
    let dump = dump_path(&env, "tenant_a", &id);
    let good = std::fs::read(&dump).unwrap();

    // Truncated: the checksum says so before anything is touched.
    std::fs::write(&dump, &good[..good.len() / 2]).unwrap();
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("checksum mismatch");
    unchanged(&env, "tenant_a", people, &registry).await;
    env.run(&["backup", "verify", "A"])
        .await
        .code(1)
        .stderr_has("checksum mismatch");
    let to = env.path().join("got.dump");
    env.run(&["backup", "get", "A", &id, "--to", to.to_str().unwrap()])
        .await
        .code(4);
    assert!(!to.exists());
    assert_eq!(
        std::fs::read_dir(env.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .count(),
        0
    );

    // Truncated and a manifest to match (damaged when it was written): the archive check
    // still refuses it.
    reseal(&env, "tenant_a", &id);
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("damaged");
    unchanged(&env, "tenant_a", people, &registry).await;

    // Corrupt compressed table data, resealed: refused too.
    let mut bad = good.clone();
    let n = bad.len();
    for b in &mut bad[n - 200..n - 100] {
        *b ^= 0x5a;
    }
    std::fs::write(&dump, &bad).unwrap();
    reseal(&env, "tenant_a", &id);
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("damaged");
    unchanged(&env, "tenant_a", people, &registry).await;

    // Corrupt SQL in the table of contents (the archive's structure is fine): refused before
    // anything starts, since every entry's SQL is parsed first (issue 27.9).
    let mut bad = good.clone();
    let at = bad
        .windows(13)
        .position(|w| w == b"CREATE TABLE ")
        .expect("a CREATE TABLE in the TOC");
    bad[at..at + 6].copy_from_slice(b"CRAETE");
    std::fs::write(&dump, &bad).unwrap();
    reseal(&env, "tenant_a", &id);
    let r = env.run(&["restore", "A", "--yes"]).await;
    r.code(4).stderr_has("CRAETE").stderr_has("does not parse");
    unchanged(&env, "tenant_a", people, &registry).await;
    env.run(&["backup", "verify", "A"]).await.code(1);

    // The intact dump with its true manifest still restores.
    std::fs::write(&dump, &good).unwrap();
    reseal(&env, "tenant_a", &id);
    env.run(&["restore", "A", "--yes"]).await.ok();
    assert_eq!(env.count("tenant_a", "people").await, people - 5);
}

#[sqlx::test(migrations = false)]
async fn a_manifest_checksum_mismatch_or_another_schemas_dump_is_refused(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    env.fill("tenant_b", 30, 10).await;
    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.ok();
    let a = id_of(&r.json(), "tenant_a");
    let b = id_of(&r.json(), "tenant_b");
    let people = env.count("tenant_a", "people").await;
    let registry = env.registry_snapshot().await;

    edit_manifest(&env, "tenant_a", &a, |m| {
        m["sha256"] = Value::from("0".repeat(64));
    });
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("checksum mismatch");
    unchanged(&env, "tenant_a", people, &registry).await;

    // B's dump in A's place, with checksum and row counts to match: it holds the wrong schema.
    std::fs::copy(
        dump_path(&env, "tenant_b", &b),
        dump_path(&env, "tenant_a", &a),
    )
    .unwrap();
    let b_manifest = read_manifest(&env, "tenant_b", &b);
    edit_manifest(&env, "tenant_a", &a, |m| {
        m["row_counts"] = b_manifest["row_counts"].clone();
    });
    reseal(&env, "tenant_a", &a);
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("the dump holds schema `tenant_b`, not `tenant_a`");
    unchanged(&env, "tenant_a", people, &registry).await;
    env.run(&["backup", "verify", "A"])
        .await
        .code(1)
        .stderr_has("tenant_b");
    assert_eq!(
        env.count("tenant_b", "people").await,
        b_manifest["row_counts"]["people"].as_i64().unwrap()
    );
}

#[sqlx::test(migrations = false)]
async fn a_full_disk_fails_the_backup_and_leaves_no_file(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let first = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 500, 2000).await;
    // No file may grow past 300 kB: the dump of A (about 1 MB now) cannot be written.
    let bin = crate::common::BIN;
    let r = env
        .run_program(
            "prlimit",
            &["--fsize=300000", "--", bin, "backup", "A", "-o", "json"],
        )
        .await;
    r.code(1).stderr_has("File too large");
    assert_eq!(r.json()[0]["status"], "failed");
    assert_eq!(
        std::fs::read_dir(env.backups().join("tenant_a"))
            .unwrap()
            .count(),
        2,
        "only the first backup's two files, no temporary left"
    );
    assert_eq!(
        visible(&env, "tenant_a"),
        [format!("{first}.dump"), format!("{first}.json")]
    );
    let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1);
    // With room again it works.
    env.run(&["backup", "A"]).await.ok();
}

#[sqlx::test(migrations = false)]
async fn sigkill_during_backup_leaves_nothing_that_looks_like_a_backup(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let first = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 4000, 4000).await;
    let people = env.count("tenant_a", "people").await;

    let mut child = env.spawn(&["backup", "A"]);
    let dir = env.backups().join("tenant_a");
    let started = std::time::Instant::now();
    loop {
        let writing = std::fs::read_dir(&dir).unwrap().flatten().any(|e| {
            e.file_name().to_string_lossy().contains(".tmp-")
                && e.metadata().is_ok_and(|m| m.len() > 0)
        });
        if writing {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backup ended before it could be killed; give tenant_a more data"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no dump started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    // What remains is the first backup and at most a dot-temporary, which nothing lists.
    assert_eq!(
        visible(&env, "tenant_a"),
        [format!("{first}.dump"), format!("{first}.json")]
    );
    let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1);
    assert_eq!(env.count("tenant_a", "people").await, people);
    // pg_dump goes away with its reader (SIGPIPE at its next write).
    let started = std::time::Instant::now();
    loop {
        let dumping: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tenantctl-pg_dump' \
             AND datname = current_database()",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if dumping == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "pg_dump outlived tenantctl"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A rerun works, and that backup restores.
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    env.run(&["backup", "verify", "A"]).await.ok();
}

#[sqlx::test(migrations = false)]
async fn sigkill_during_restore_keeps_the_old_data_and_a_rerun_works(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.fill("tenant_a", 4000, 4000).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let backed_up = env.count("tenant_a", "people").await;
    env.fill("tenant_a", 3, 10).await;
    let people = env.count("tenant_a", "people").await;

    let mut child = env.spawn(&["restore", "A", "--yes"]);
    let started = std::time::Instant::now();
    loop {
        // The restore is copying rows inside its transaction.
        let copying: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantctl-restore' \
             AND query LIKE 'COPY %' AND state = 'active'",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if copying > 0 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the restore ended before it could be killed; give tenant_a more data"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no restore started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    // The server notices the dead connection and rolls its transaction back.
    let started = std::time::Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantctl-restore'",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the restore's session stays"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        env.count("tenant_a", "people").await,
        people,
        "the old data is all there"
    );
    assert!(!env.schemas().await.iter().any(|s| s.starts_with("tctl_")));
    // The platform stays in maintenance, saying why, until a restore completes.
    let (m, reason): (bool, Option<String>) = sqlx::query_as(
        "SELECT maintenance, maintenance_reason FROM public.platforms WHERE name = 'A'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(m);
    assert!(reason.unwrap().starts_with("tenantctl restore:"));

    env.run(&["restore", "A", "--yes"]).await.ok();
    assert_eq!(env.count("tenant_a", "people").await, backed_up);
    let (m, reason): (bool, Option<String>) = sqlx::query_as(
        "SELECT maintenance, maintenance_reason FROM public.platforms WHERE name = 'A'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(!m);
    assert!(reason.is_none());
}

/// A custom-format archive's TOC with entries added: enough of the format to append what an
/// attacker would (issue 27.9). Data offsets are cleared, so pg_restore finds each block by
/// reading on, as it does for a dump written to a pipe.
mod forge {
    struct Cur<'a> {
        b: &'a [u8],
        pos: usize,
        isz: usize,
    }

    impl Cur<'_> {
        fn int(&mut self) -> i64 {
            let sign = self.b[self.pos];
            let mut v: i64 = 0;
            for i in 0..self.isz {
                v |= (self.b[self.pos + 1 + i] as i64) << (8 * i);
            }
            self.pos += 1 + self.isz;
            if sign != 0 { -v } else { v }
        }
        fn string(&mut self) -> Option<String> {
            let n = self.int();
            if n < 0 {
                return None;
            }
            let s = String::from_utf8_lossy(&self.b[self.pos..self.pos + n as usize]).into_owned();
            self.pos += n as usize;
            Some(s)
        }
    }

    fn int(out: &mut Vec<u8>, v: i64, isz: usize) {
        out.push(u8::from(v < 0));
        let a = v.unsigned_abs();
        for i in 0..isz {
            out.push((a >> (8 * i)) as u8);
        }
    }

    fn string(out: &mut Vec<u8>, s: Option<&str>, isz: usize) {
        match s {
            Some(s) => {
                int(out, s.len() as i64, isz);
                out.extend_from_slice(s.as_bytes());
            }
            None => int(out, -1, isz),
        }
    }

    /// An entry to add: its kind, namespace, tag and definition (no data, no owner).
    pub struct Extra<'a> {
        pub desc: &'a str,
        pub namespace: &'a str,
        pub tag: &'a str,
        pub defn: &'a str,
    }

    /// `bytes` with `extra` appended to its TOC.
    pub fn add_entries(bytes: &[u8], extra: &[Extra<'_>]) -> Vec<u8> {
        assert_eq!(&bytes[..5], b"PGDMP");
        let (vmaj, vmin) = (bytes[5], bytes[6]);
        let isz = bytes[8] as usize;
        let osz = bytes[9] as usize;
        let mut c = Cur {
            b: bytes,
            pos: 11,
            isz,
        };
        if (vmaj, vmin) >= (1, 15) {
            c.pos += 1;
        } else {
            c.int();
        }
        for _ in 0..7 {
            c.int();
        }
        for _ in 0..3 {
            c.string();
        }
        let count_at = c.pos;
        let count = c.int();
        let mut out = bytes[..count_at].to_vec();
        int(&mut out, count + extra.len() as i64, isz);
        let mut max_id = 0;
        for _ in 0..count {
            let start = c.pos;
            max_id = max_id.max(c.int());
            c.int();
            for _ in 0..4 {
                c.string();
            }
            c.int();
            for _ in 0..6 {
                c.string();
            }
            if (vmaj, vmin) >= (1, 16) {
                c.int();
            }
            c.string();
            c.string();
            while c.string().is_some() {}
            out.extend_from_slice(&bytes[start..c.pos]);
            let flag = bytes[c.pos];
            // Position set (2) becomes not set (1): the TOC grows, the data moves.
            out.push(if flag == 2 { 1 } else { flag });
            out.extend(std::iter::repeat_n(0, osz));
            c.pos += 1 + osz;
        }
        for (i, e) in extra.iter().enumerate() {
            int(&mut out, max_id + 1 + i as i64, isz);
            int(&mut out, 0, isz);
            string(&mut out, Some("0"), isz);
            string(&mut out, Some("0"), isz);
            string(&mut out, Some(e.tag), isz);
            string(&mut out, Some(e.desc), isz);
            int(&mut out, 2, isz); // pre-data
            string(&mut out, Some(e.defn), isz);
            string(&mut out, Some(""), isz);
            string(&mut out, Some(""), isz);
            string(&mut out, Some(e.namespace), isz);
            string(&mut out, Some(""), isz);
            string(&mut out, Some(""), isz);
            if (vmaj, vmin) >= (1, 16) {
                int(&mut out, 0, isz);
            }
            string(&mut out, Some(""), isz);
            string(&mut out, Some("false"), isz);
            string(&mut out, None, isz);
            out.push(3); // no data
            out.extend(std::iter::repeat_n(0, osz));
        }
        out.extend_from_slice(&bytes[c.pos..]);
        out
    }
}

/// Issue 27.9: an archive whose extra entries say they belong to the tenant's schema but
/// whose SQL reaches outside it (a role, `public`, another tenant) fails `backup verify`
/// naming the entry, and `restore` refuses it with nothing changed. Before, both ran all four.
#[sqlx::test(migrations = false)]
async fn a_forged_archive_reaching_outside_its_schema_is_refused(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("Beta", "tenant_beta"), ("Gamma", "tenant_gamma")]).await;
    let role = format!("tctl_forged_{}", std::process::id());
    env.sql(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} NOLOGIN NOSUPERUSER"
    ))
    .await;
    let r = env.run(&["backup", "Beta", "-o", "json"]).await;
    r.ok();
    let id = id_of(&r.json(), "tenant_beta");
    env.fill("tenant_beta", 3, 10).await;
    let people = env.count("tenant_beta", "people").await;
    let registry = env.registry_snapshot().await;
    let original = std::fs::read(dump_path(&env, "tenant_beta", &id)).unwrap();
    let attacks = [
        format!("ALTER ROLE {role} SUPERUSER LOGIN PASSWORD 'owned';"),
        "GRANT CREATE ON SCHEMA public TO PUBLIC;".to_string(),
        "CREATE FUNCTION public.forged() RETURNS int LANGUAGE sql AS 'SELECT 1';".to_string(),
        "CREATE TABLE tenant_gamma.forged (x int);".to_string(),
    ];
    let what_changed = async || {
        let super_: bool =
            sqlx::query_scalar("SELECT rolsuper OR rolcanlogin FROM pg_roles WHERE rolname = $1")
                .bind(&role)
                .fetch_one(&env.pool)
                .await
                .unwrap();
        let public_create: bool =
            sqlx::query_scalar("SELECT has_schema_privilege('public', 'public', 'CREATE')")
                .fetch_one(&env.pool)
                .await
                .unwrap();
        let forged: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM pg_proc WHERE proname = 'forged') \
             + (SELECT count(*) FROM pg_class WHERE relname = 'forged')",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        (super_, public_create, forged)
    };
    // PostgreSQL 15 grants no CREATE on public to PUBLIC: nothing to see before.
    let before = what_changed().await;
    assert_eq!(before, (false, false, 0));

    // All four at once, then each alone: verify names the entry, restore refuses.
    let mut cases: Vec<Vec<&String>> = vec![attacks.iter().collect()];
    cases.extend(attacks.iter().map(|a| vec![a]));
    for (i, sqls) in cases.iter().enumerate() {
        let extra: Vec<forge::Extra<'_>> = sqls
            .iter()
            .map(|sql| forge::Extra {
                desc: "TABLE",
                namespace: "tenant_beta",
                tag: "innocent",
                defn: sql,
            })
            .collect();
        std::fs::write(
            dump_path(&env, "tenant_beta", &id),
            forge::add_entries(&original, &extra),
        )
        .unwrap();
        reseal(&env, "tenant_beta", &id);
        let r = env.run(&["backup", "verify", "Beta", "-o", "json"]).await;
        r.code(1)
            .stdout_has("the dump holds more than the tenant's own objects")
            .stdout_has("(table tenant_beta.innocent)");
        let r = env.run(&["restore", "Beta", "--yes"]).await;
        r.code(4)
            .stderr_has("the dump holds more than the tenant's own objects")
            .stderr_has("(table tenant_beta.innocent)");
        unchanged(&env, "tenant_beta", people, &registry).await;
        assert_eq!(what_changed().await, before, "case {i}: {}", r.stderr);
    }
    // The untouched archive still restores.
    std::fs::write(dump_path(&env, "tenant_beta", &id), &original).unwrap();
    reseal(&env, "tenant_beta", &id);
    env.run(&["backup", "verify", "Beta"]).await.ok();
    env.run(&["restore", "Beta", "--yes"]).await.ok();
    env.sql(&format!("DROP ROLE IF EXISTS {role}")).await;
}
