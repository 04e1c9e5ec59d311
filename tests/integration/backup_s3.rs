//! Backups in S3, against the S3-compatible server (moto) `scripts/test` starts on loopback:
//! layout checked with the `aws` CLI, multipart uploads, server-side encryption, prefix
//! listing, restore from S3, and an upload cut off half-way.

use crate::backup::{fleet, id_of};
use crate::common::{Env, S3_ENV, s3_client, s3_endpoint};
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// `aws --endpoint-url E ARGS` with the test credentials.
async fn aws(env: &Env, endpoint: &str, args: &[&str]) -> crate::common::Run {
    let mut cmd = env.program("aws");
    cmd.arg("--endpoint-url").arg(endpoint).args(args);
    for (k, v) in S3_ENV {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .await
        .expect("the aws CLI runs (scripts/test installs it when missing)");
    crate::common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[sqlx::test(migrations = false)]
async fn backups_land_in_s3_in_the_documented_layout_and_restore_from_there(pool: PgPool) {
    let endpoint = s3_endpoint();
    let mut env = Env::new(pool);
    // `tenant_s` is a prefix of `tenant_s2`: listing one must not show the other's backups.
    fleet(&env, &[("S", "tenant_s"), ("S2", "tenant_s2")]).await;
    env.fill("tenant_s", 3000, 4000).await;
    let bucket = env.use_s3(&endpoint, "/backups/prod/").await;
    env.set("TENANTCTL_BACKUP_S3_SSE", "AES256")
        .set("TENANTCTL_BACKUP_S3_PART_SIZE_MIB", "5");

    let r = env.run(&["backup", "S", "S2", "-o", "json"]).await;
    r.ok();
    let s = r.json();
    let id = id_of(&s, "tenant_s");
    let size = s[0]["size_bytes"].as_u64().unwrap();
    assert!(size > 6 << 20, "big enough for a multipart upload: {size}");
    assert!(!env.backups().exists(), "nothing written locally");

    // The aws CLI sees `<prefix>/<schema>/<timestamp>.dump` and `.json`.
    let ls = aws(
        &env,
        &endpoint,
        &["s3", "ls", "--recursive", &format!("s3://{bucket}/")],
    )
    .await;
    ls.ok();
    let keys: Vec<&str> = ls
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    for key in [
        format!("backups/prod/tenant_s/{id}.dump"),
        format!("backups/prod/tenant_s/{id}.json"),
        format!("backups/prod/tenant_s2/{}.dump", id_of(&s, "tenant_s2")),
        format!("backups/prod/tenant_s2/{}.json", id_of(&s, "tenant_s2")),
    ] {
        assert!(keys.contains(&key.as_str()), "{key} not in\n{}", ls.stdout);
    }
    assert_eq!(keys.len(), 4, "{}", ls.stdout);
    let head = aws(
        &env,
        &endpoint,
        &[
            "s3api",
            "head-object",
            "--bucket",
            &bucket,
            "--key",
            &format!("backups/prod/tenant_s/{id}.dump"),
        ],
    )
    .await;
    head.ok();
    let h: serde_json::Value = serde_json::from_str(&head.stdout).unwrap();
    assert_eq!(h["ContentLength"].as_u64(), Some(size));
    assert_eq!(h["ServerSideEncryption"], "AES256");
    assert!(
        h["ETag"].as_str().unwrap().contains("-"),
        "a multipart upload: {h}"
    );
    // The manifest there is the one tenantctl lists, and no upload was left open.
    let got = aws(
        &env,
        &endpoint,
        &[
            "s3",
            "cp",
            &format!("s3://{bucket}/backups/prod/tenant_s/{id}.json"),
            "-",
        ],
    )
    .await;
    got.ok();
    let m: serde_json::Value = serde_json::from_str(&got.stdout).unwrap();
    assert_eq!(m["size_bytes"].as_u64(), Some(size));
    let uploads = aws(
        &env,
        &endpoint,
        &["s3api", "list-multipart-uploads", "--bucket", &bucket],
    )
    .await;
    uploads.ok();
    assert!(!uploads.stdout.contains("UploadId"), "{}", uploads.stdout);

    // Only S2 backed up again: S still lists exactly one backup.
    env.run(&["backup", "S2"]).await.ok();
    let l = env.run(&["backup", "list", "S", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1, "{}", l.stdout);
    assert_eq!(l.json()[0]["sha256"], m["sha256"]);

    // Get, verify and restore straight from S3.
    let to = env.path().join("s.dump");
    env.run(&["backup", "get", "S", &id, "--to", to.to_str().unwrap()])
        .await
        .ok();
    assert_eq!(std::fs::metadata(&to).unwrap().len(), size);
    env.run(&["backup", "verify", "S"]).await.ok();
    let people = env.count("tenant_s", "people").await;
    env.fill("tenant_s", 2, 10).await;
    env.run(&["restore", "S", "--yes"]).await.ok();
    assert_eq!(env.count("tenant_s", "people").await, people);

    // Cleanup deletes in S3 as well.
    env.run(&["backup", "S"]).await.ok();
    env.run(&["cleanup", "S", "--yes"]).await.ok();
    let l = env.run(&["backup", "list", "S", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1);
    let ls = aws(
        &env,
        &endpoint,
        &[
            "s3",
            "ls",
            "--recursive",
            &format!("s3://{bucket}/backups/prod/tenant_s/"),
        ],
    )
    .await;
    assert_eq!(ls.stdout.lines().count(), 2, "{}", ls.stdout);
}

/// A loopback TCP proxy to `upstream` that, once `budget` bytes went upstream in total, cuts
/// the connection carrying them and every later connection that sends more than 64 KiB: small
/// requests (list, abort) pass, uploads of parts do not.
async fn cutting_proxy(upstream: String, budget: u64) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let cut = Arc::new(AtomicBool::new(false));
    let cut2 = cut.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let up = upstream.clone();
            let sent = sent.clone();
            let cut = cut2.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&up).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let back = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                });
                let mut mine = 0u64;
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match cr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    mine += n as u64;
                    let total = sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                    if (!cut.load(Ordering::SeqCst) && total > budget)
                        || (cut.load(Ordering::SeqCst) && mine > 64 * 1024)
                    {
                        cut.store(true, Ordering::SeqCst);
                        break;
                    }
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                back.abort();
            });
        }
    });
    (format!("http://{addr}"), cut)
}

#[sqlx::test(migrations = false)]
async fn an_upload_cut_off_half_way_fails_cleanly_and_loses_nothing(pool: PgPool) {
    let endpoint = s3_endpoint();
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.fill("tenant_a", 5000, 4000).await;
    let bucket = env.use_s3(&endpoint, "tenantctl").await;
    env.set("TENANTCTL_BACKUP_S3_PART_SIZE_MIB", "5");
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let first = id_of(&r.json(), "tenant_a");
    let people = env.count("tenant_a", "people").await;

    // The next upload dies after 6 MiB: its first 5 MiB part gets through, the second (and
    // its retries) do not.
    let upstream = endpoint.trim_start_matches("http://").to_string();
    let (proxy, cut) = cutting_proxy(upstream, 6 << 20).await;
    let r = env
        .run_with(
            &["backup", "A", "-o", "json"],
            &[("TENANTCTL_BACKUP_S3_ENDPOINT", &proxy)],
        )
        .await;
    assert!(cut.load(Ordering::SeqCst), "the proxy never cut the upload");
    r.code(1);
    assert_eq!(r.json()[0]["status"], "failed", "{}", r.stdout);

    // Nothing of the failed run is visible, no multipart upload stays open, the earlier
    // backup is intact and restores.
    let client = s3_client(&endpoint).await;
    let listed = client
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("tenantctl/tenant_a/")
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(String::from))
        .collect();
    assert_eq!(
        keys,
        [
            format!("tenantctl/tenant_a/{first}.dump"),
            format!("tenantctl/tenant_a/{first}.json")
        ]
    );
    let uploads = client
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty(), "{:?}", uploads.uploads());
    env.fill("tenant_a", 1, 10).await;
    env.run(&["restore", "A", "--yes"]).await.ok();
    assert_eq!(env.count("tenant_a", "people").await, people);
}

#[sqlx::test(migrations = false)]
async fn an_unreachable_or_missing_bucket_fails_before_any_dump(pool: PgPool) {
    let endpoint = s3_endpoint();
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.use_s3(&endpoint, "x").await;
    env.run_with(
        &["backup", "A"],
        &[("TENANTCTL_BACKUP_S3_ENDPOINT", "http://127.0.0.1:1")],
    )
    .await
    .code(69)
    .stderr_has("cannot reach backup storage");
    env.run_with(
        &["backup", "--all"],
        &[("TENANTCTL_BACKUP_S3_BUCKET", "no-such-bucket-here")],
    )
    .await
    .code(2)
    .stderr_has("bucket `no-such-bucket-here` does not exist");
    let last: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_backup_at FROM public.platforms WHERE name = 'A'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(last.is_none());
}

/// Issue 27.12: a bucket with S3 Object Lock (and a default retention) is refused at the first
/// backup with a message that says so, before any upload; cleanup refuses it too; restore and
/// verify, which only read, are not stopped by it. Before, every PutObject failed with the
/// server's own complaint about missing lock headers, tenant by tenant.
#[sqlx::test(migrations = false)]
async fn a_bucket_with_object_lock_is_refused_for_backups_with_a_clear_message(pool: PgPool) {
    let endpoint = s3_endpoint();
    let mut env = Env::new(pool);
    fleet(&env, &[("L", "tenant_l")]).await;
    let bucket = env.use_s3(&endpoint, "locked").await;
    // The same settings, a locked bucket: created with Object Lock and a default retention.
    let locked = format!("{bucket}-lock");
    let s3 = s3_client(&endpoint).await;
    s3.create_bucket()
        .bucket(&locked)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .unwrap();
    use aws_sdk_s3::types::{
        DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
        ObjectLockRule,
    };
    s3.put_object_lock_configuration()
        .bucket(&locked)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(
                            DefaultRetention::builder()
                                .mode(ObjectLockRetentionMode::Governance)
                                .days(1)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    // A backup to the unlocked bucket, to read back from the locked one later.
    let r = env.run(&["backup", "L", "-o", "json"]).await;
    r.ok();
    env.set("TENANTCTL_BACKUP_S3_BUCKET", &locked);
    let r = env.run(&["backup", "L"]).await;
    r.code(2)
        .stderr_has(&format!("bucket `{locked}` has S3 Object Lock enabled"))
        .stderr_has("back up to a bucket without Object Lock");
    let listed = s3.list_objects_v2().bucket(&locked).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0), "nothing uploaded: {listed:?}");
    env.run(&["cleanup", "--all", "--yes"])
        .await
        .code(2)
        .stderr_has("S3 Object Lock enabled");
    // Reading is fine: `backup list` and `backup verify` answer (there is nothing in it).
    env.run(&["backup", "list", "L"]).await.ok();
}
