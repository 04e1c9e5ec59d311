//! Each command's pool is sized from what that command runs at once (`--jobs`, its own
//! setting), and no other command's setting sizes it: the pool a command used is the one its
//! context holds afterwards, read in-process.

use crate::common::Env;
use clap::Parser;
use sqlx::PgPool;
use std::collections::BTreeMap;
use tenantctl::cli::{Cli, Ctx, dispatch};
use tenantctl::config::Config;
use tenantctl::output::Term;

/// Run `tenantctl ARGS` in this process with `settings` (key = value) in the environment, and
/// return the max_connections of the pool it used.
async fn pool_max(env: &Env, args: &[&str], settings: &[(&str, &str)]) -> u32 {
    let mut argv = vec!["tenantctl", "--no-config", "--database-url", &env.url];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).unwrap();
    let vars: BTreeMap<String, String> = settings
        .iter()
        .map(|(k, v)| (tenantctl::config::env_var(k), v.to_string()))
        .collect();
    let config = Config::resolve(&cli.global.overrides(), &vars, &[]).unwrap();
    let ctx = Ctx::new(config, &cli.global, Term::none());
    dispatch(cli.command, &ctx).await.unwrap();
    ctx.pool().await.unwrap().options().get_max_connections()
}

#[sqlx::test(migrations = false)]
async fn worker_concurrency_sizes_the_worker_pool(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    // A connection per job, one for LISTEN, one for claiming, one spare.
    let max = pool_max(&env, &["worker", "--once"], &[("worker.concurrency", "7")]).await;
    assert_eq!(max, 10);
    let max = pool_max(&env, &["worker", "--once", "--jobs", "2"], &[]).await;
    assert_eq!(max, 5);
}

#[sqlx::test(migrations = false)]
async fn backup_jobs_size_the_backup_pool(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let dir = env.path().join("backups");
    let dir = dir.to_str().unwrap();
    // Two connections per pg_dump job (sizes and dependencies read beside it), two more.
    let local = [("backup.local_dir", dir)];
    let max = pool_max(&env, &["backup", "--all", "--jobs", "3"], &local).await;
    assert_eq!(max, 8);
    let max = pool_max(
        &env,
        &["backup", "--all"],
        &[("backup.local_dir", dir), ("backup.jobs", "5")],
    )
    .await;
    assert_eq!(max, 12);
}

#[sqlx::test(migrations = false)]
async fn other_commands_settings_do_not_size_a_commands_pool(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let big = [
        ("worker.concurrency", "50"),
        ("report.jobs", "40"),
        ("parallel_migration_threads", "30"),
        ("backup.jobs", "20"),
    ];
    let max = pool_max(&env, &["platform", "list"], &big).await;
    assert_eq!(max, 6);
}
