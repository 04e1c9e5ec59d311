//! Pipes and terminals: a reader that closes the pipe early, tables on terminals of odd sizes,
//! colour and log settings from the environment, and empty results.

use crate::common::Env;
use sqlx::PgPool;

/// Run `tenantctl ARGS` with stdout a pipe whose reader is already gone (what `| head -1` does
/// once it has its line): the first write fails with EPIPE, every time.
async fn with_closed_stdout(env: &Env, args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut cmd = env.command(args);
    // NOTE: not `output()`, which would replace this stdout with a pipe of its own.
    cmd.stdout(writer);
    let out = cmd
        .spawn()
        .expect("tenantctl starts")
        .wait_with_output()
        .await
        .expect("tenantctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `set -o pipefail; tenantctl ... | head -1` must not fail: a closed stdout ends the command
/// quietly with exit 0 (as ripgrep does), whatever the command.
#[sqlx::test(migrations = false)]
async fn a_closed_stdout_ends_quietly_with_exit_0(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    for args in [
        &["platform", "list", "-o", "json"][..],
        &["platform", "list"],
        &["completions", "bash"],
        &["config", "show"],
        &["report", "query", "--sql", "select 1 as one", "-o", "csv"],
        &["status"],
    ] {
        let (code, stderr) = with_closed_stdout(&env, args).await;
        assert_eq!(code, 0, "{args:?} exit {code}, stderr:\n{stderr}");
        assert_eq!(stderr, "", "{args:?} printed on stderr");
    }
}

/// The same through a real shell with `set -o pipefail`, where `head -1` closes the pipe while
/// a result far bigger than the pipe's buffer is still being written.
#[sqlx::test(migrations = false)]
async fn pipefail_with_head_succeeds(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let script = format!(
        "set -o pipefail; '{}' report query -o csv --sql 'select g from generate_series(1, 200000) g' | head -1",
        crate::common::BIN
    );
    let r = env.run_program("bash", &["-c", &script]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
    assert_eq!(r.stderr, "");
}
