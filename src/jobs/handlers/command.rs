//! The `command` handler: the kind's `argv` run without a shell, in a process group of its own.
//!
//! The job's payload (JSON) arrives on stdin; the tenant in the environment:
//! `TENANTCTL_PLATFORM_ID`, `_NAME`, `_SCHEMA`, `_DOMAIN`, `_URL`, the job in `TENANTCTL_JOB_ID`,
//! `_KIND`, `_ATTEMPT`, `_MAX_ATTEMPTS`, and `PGOPTIONS` gets `-c search_path=<the tenant's
//! schema>` after the worker's own options, so a libpq client the command starts lands in the
//! tenant's schema. Exit 0 completes the job; 75 (`EX_TEMPFAIL`) and every other status retry
//! it (the worker discards it after its last attempt). At the timeout the whole group gets
//! SIGTERM, and SIGKILL [`KILL_GRACE`] later; when the command ends, whatever it left running in
//! its group is killed too, so no job outlives its attempt. The end of stdout and stderr is kept
//! in the error ([`OUTPUT_TAIL`] bytes each).

use super::{excerpt, schema_of};
use crate::config::Settings;
use crate::config::job_kinds::CommandSettings;
use crate::jobs::handler::{Attempt, Handler, Outcome};
use crate::rules::SchemaName;
use async_trait::async_trait;
use rustix::process::{Pid, Signal, kill_process_group};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Bytes of the end of stdout and of stderr kept for the error.
pub const OUTPUT_TAIL: usize = 2048;

/// Between SIGTERM and SIGKILL at the timeout.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// `EX_TEMPFAIL` (sysexits.h): "try again later".
pub const EX_TEMPFAIL: i32 = 75;

pub struct Command {
    argv: Vec<String>,
    extension_schema: Option<SchemaName>,
}

impl Command {
    pub fn new(c: &CommandSettings, settings: &Settings) -> Command {
        Command {
            argv: c.argv.clone(),
            extension_schema: settings.extension_schema.clone(),
        }
    }
}

/// `PGOPTIONS` for the command: the worker's own options, then the tenant's search_path (a
/// later `-c` wins). Schema names are validated (a-z, 0-9, `_`), so nothing needs libpq's
/// backslash escaping.
pub fn pgoptions(
    inherited: Option<&str>,
    schema: &SchemaName,
    extension_schema: Option<&SchemaName>,
) -> String {
    let path = schema.search_path(extension_schema).replace(", ", ",");
    let own = format!("-c search_path={path}");
    match inherited.map(str::trim).filter(|s| !s.is_empty()) {
        Some(before) => format!("{before} {own}"),
        None => own,
    }
}

/// Kills the process group when dropped, so a cancelled attempt (the worker shutting down)
/// leaves nothing running either.
struct Group(Option<Pid>);

impl Group {
    fn signal(&self, sig: Signal) {
        if let Some(pid) = self.0 {
            // ESRCH: nobody is left in the group.
            let _ = kill_process_group(pid, sig);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.signal(Signal::KILL);
    }
}

/// The last `limit` bytes of a stream, read to its end.
fn tail<R: AsyncRead + Unpin + Send + 'static>(
    mut r: R,
    limit: usize,
) -> (Arc<Mutex<Vec<u8>>>, tokio::task::JoinHandle<()>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let k = kept.clone();
    let task = tokio::spawn(async move {
        let mut buf = [0u8; 8192];
        while let Ok(n) = r.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let mut v = k.lock().expect("tail lock");
            v.extend_from_slice(&buf[..n]);
            if v.len() > limit * 2 {
                let cut = v.len() - limit;
                v.drain(..cut);
            }
        }
    });
    (kept, task)
}

/// How the command ended.
enum End {
    Exited(ExitStatus),
    TimedOut,
}

/// What one attempt's end means for the job.
fn outcome(end: &End, timeout: Duration, stdout: &[u8], stderr: &[u8]) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    let said = {
        let mut s = String::new();
        for (name, bytes) in [("stderr", stderr), ("stdout", stdout)] {
            if !bytes.is_empty() {
                s.push_str(&format!("; {name}: {}", excerpt(bytes, OUTPUT_TAIL, true)));
            }
        }
        s
    };
    let what = match end {
        End::Exited(st) if st.success() => return Outcome::Completed,
        End::Exited(st) => match (st.code(), st.signal()) {
            (Some(EX_TEMPFAIL), _) => {
                format!("the command exited with {EX_TEMPFAIL} (EX_TEMPFAIL: try again later)")
            }
            (Some(c), _) => format!("the command exited with {c}"),
            (None, Some(sig)) => format!("the command was killed by signal {sig}"),
            (None, None) => "the command ended without an exit status".into(),
        },
        End::TimedOut => format!(
            "the command did not finish within {}; its process group was killed",
            humantime::format_duration(timeout)
        ),
    };
    Outcome::Retry {
        error: format!("{what}{said}"),
        after: None,
    }
}

#[async_trait]
impl Handler for Command {
    async fn perform(&self, a: Attempt<'_>) -> crate::error::Result<Outcome> {
        let t = a.tenant;
        let mut cmd = tokio::process::Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .env("TENANTCTL_PLATFORM_ID", t.id.to_string())
            .env("TENANTCTL_PLATFORM_NAME", &t.name)
            .env(
                "TENANTCTL_PLATFORM_SCHEMA",
                t.schema.as_deref().unwrap_or(""),
            )
            .env(
                "TENANTCTL_PLATFORM_DOMAIN",
                t.address.as_deref().unwrap_or(""),
            )
            .env(
                "TENANTCTL_PLATFORM_URL",
                super::base_url(t).unwrap_or_default(),
            )
            .env("TENANTCTL_JOB_ID", a.job_id.to_string())
            .env("TENANTCTL_JOB_KIND", a.kind)
            .env("TENANTCTL_JOB_ATTEMPT", a.attempt.to_string())
            .env("TENANTCTL_JOB_MAX_ATTEMPTS", a.max_attempts.to_string());
        if t.schema.is_some() {
            let schema = match schema_of(t, "command") {
                Ok(s) => s,
                Err(o) => return Ok(o),
            };
            let inherited = std::env::var("PGOPTIONS").ok();
            cmd.env(
                "PGOPTIONS",
                pgoptions(
                    inherited.as_deref(),
                    &schema,
                    self.extension_schema.as_ref(),
                ),
            );
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Ok(Outcome::Retry {
                    error: format!("cannot start `{}`: {e}", self.argv[0]),
                    after: None,
                });
            }
        };
        let group = Group(
            child
                .id()
                .and_then(|id| i32::try_from(id).ok())
                .and_then(Pid::from_raw),
        );
        if let Some(mut stdin) = child.stdin.take() {
            let payload = serde_json::to_vec(a.payload).expect("JSON values serialize");
            // NOTE: a command that never reads stdin must not block the attempt; the writer
            // ends with the pipe.
            tokio::spawn(async move {
                let _ = stdin.write_all(&payload).await;
                let _ = stdin.shutdown().await;
            });
        }
        let (out, out_task) = tail(child.stdout.take().expect("piped"), OUTPUT_TAIL);
        let (err, err_task) = tail(child.stderr.take().expect("piped"), OUTPUT_TAIL);

        let end = match tokio::time::timeout(a.timeout, child.wait()).await {
            Ok(Ok(status)) => End::Exited(status),
            Ok(Err(e)) => {
                return Ok(Outcome::Retry {
                    error: format!("cannot wait for `{}`: {e}", self.argv[0]),
                    after: None,
                });
            }
            Err(_) => {
                group.signal(Signal::TERM);
                if tokio::time::timeout(KILL_GRACE, child.wait())
                    .await
                    .is_err()
                {
                    group.signal(Signal::KILL);
                    let _ = child.wait().await;
                }
                End::TimedOut
            }
        };
        // Whatever the command left behind in its group goes with it (and closes the pipes).
        group.signal(Signal::KILL);
        // A process that left the group (setsid) may still hold a pipe: wait for the output a
        // little, not for that process.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = out_task.await;
            let _ = err_task.await;
        })
        .await;
        let stdout = out.lock().expect("tail lock").clone();
        let stderr = err.lock().expect("tail lock").clone();
        let o = outcome(&end, a.timeout, &stdout, &stderr);
        if o == Outcome::Completed && !stdout.is_empty() {
            tracing::debug!(
                output = %excerpt(&stdout, OUTPUT_TAIL, true),
                "the command's output"
            );
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgoptions_put_the_tenant_last() {
        let s = SchemaName::parse("tenant_acme").unwrap();
        let ext = SchemaName::parse("extensions").unwrap();
        assert_eq!(pgoptions(None, &s, None), "-c search_path=\"tenant_acme\"");
        assert_eq!(
            pgoptions(Some("-c statement_timeout=5s "), &s, Some(&ext)),
            "-c statement_timeout=5s -c search_path=\"tenant_acme\",\"extensions\""
        );
    }

    #[test]
    fn exit_statuses_map_to_outcomes() {
        use std::os::unix::process::ExitStatusExt;
        let t = Duration::from_secs(1);
        let exited = |code: i32| End::Exited(ExitStatus::from_raw(code << 8));
        assert_eq!(outcome(&exited(0), t, b"x", b""), Outcome::Completed);
        let Outcome::Retry { error, .. } = outcome(&exited(75), t, b"", b"db busy\n") else {
            panic!()
        };
        assert_eq!(
            error,
            "the command exited with 75 (EX_TEMPFAIL: try again later); stderr: db busy"
        );
        let Outcome::Retry { error, .. } = outcome(&exited(2), t, b"out", b"") else {
            panic!()
        };
        assert_eq!(error, "the command exited with 2; stdout: out");
        let Outcome::Retry { error, .. } =
            outcome(&End::Exited(ExitStatus::from_raw(9)), t, b"", b"")
        else {
            panic!()
        };
        assert_eq!(error, "the command was killed by signal 9");
        let long = vec![b'x'; 10_000];
        let Outcome::Retry { error, .. } = outcome(&End::TimedOut, t, b"", &long) else {
            panic!()
        };
        assert!(error.starts_with(
            "the command did not finish within 1s; its process group was killed; stderr: …x"
        ));
        assert!(error.len() < OUTPUT_TAIL + 200, "{}", error.len());
    }
}
