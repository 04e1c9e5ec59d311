//! pg_dump and pg_restore, wrapped once: this module builds every command line, passes the
//! connection through the environment (`PGHOST`, `PGUSER`, … and the password as `PGPASSWORD`;
//! never argv, which `ps` shows to everybody, whether the URL carried the password in its user
//! part or as `?password=`), captures stderr (bounded), and on failure reports the command
//! (without the password) with its stderr between divider lines.

use crate::config::{Settings, mask_url};
use crate::db::Ident;
use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdout, Command};

/// How much of a tool's stderr is kept (the end of it, where the error is).
const STDERR_KEEP: usize = 64 * 1024;

/// Session settings every pg_dump runs with, ahead of the operator's own `PGOPTIONS` (so an
/// operator's `-c` for the same setting still wins).
///
/// Issue 29: on a fleet grown tenant by tenant, pg_dump 15's search for materialized-view
/// refresh dependencies (a `WITH RECURSIVE` over `pg_depend`, `pg_rewrite` and `pg_class`, run
/// even when there is no materialized view) is estimated at one row and planned as a merge join
/// feeding a nested loop over all of `pg_depend`: 18.5 s of one 20.5 s `pg_dump -n` at 1,500
/// tenants, 96 s at 5,000. Without merge joins the same query takes milliseconds, and no other
/// query of a pg_dump run gets slower (measured statement by statement on fleets of 1,000 and
/// 5,000: docs/running-10000-tenants.md).
pub const PG_DUMP_SETTINGS: &[(&str, &str)] = &[("enable_mergejoin", "off")];

/// Where the PostgreSQL client tools are and how they connect.
#[derive(Clone)]
pub struct PgTools {
    bin_dir: Option<PathBuf>,
    /// pg_dump's `--lock-wait-timeout`.
    lock_wait: Option<std::time::Duration>,
    /// The connection as libpq environment variables, all but the password.
    conn: Vec<(&'static str, String)>,
    password: Option<String>,
}

impl fmt::Debug for PgTools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTools")
            .field("bin_dir", &self.bin_dir)
            .field("lock_wait", &self.lock_wait)
            .field("conn", &self.conn)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .finish()
    }
}

impl PgTools {
    pub fn new(settings: &Settings) -> Result<PgTools> {
        let url = settings.database_url.as_deref().ok_or_else(|| {
            Error::Usage(
                "no database configured: pass `--database-url`, or set `DATABASE_URL`".into(),
            )
        })?;
        let mut t = PgTools::from_url(url, settings.backup.pg_bin_dir.clone())?;
        t.lock_wait = Some(*settings.backup.lock_wait_timeout);
        Ok(t)
    }

    /// The tools connecting where `url` points, with the connection taken apart into libpq's
    /// environment variables (the URL parameters sqlx and libpq share, in either spelling).
    pub fn from_url(url: &str, bin_dir: Option<PathBuf>) -> Result<PgTools> {
        let invalid = |why: String| {
            Error::Usage(format!(
                "invalid database URL `{}`: {why} (expected postgres://user[:password]@host[:port]/database[?sslmode=...])",
                mask_url(url)
            ))
        };
        let u = url::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        let mut conn: Vec<(&'static str, String)> = Vec::new();
        let mut set = |var: &'static str, value: String| {
            conn.retain(|(k, _)| *k != var);
            if !value.is_empty() {
                conn.push((var, value));
            }
        };
        match u.host() {
            Some(url::Host::Domain(d)) => set("PGHOST", percent_decode(d)),
            Some(url::Host::Ipv4(a)) => set("PGHOST", a.to_string()),
            Some(url::Host::Ipv6(a)) => set("PGHOST", a.to_string()),
            None => {}
        }
        if let Some(p) = u.port() {
            set("PGPORT", p.to_string());
        }
        set("PGUSER", percent_decode(u.username()));
        set(
            "PGDATABASE",
            percent_decode(u.path().trim_start_matches('/')),
        );
        let mut password = u.password().map(percent_decode);
        for (k, v) in u.query_pairs() {
            let v = v.into_owned();
            match k.as_ref() {
                "host" => set("PGHOST", v),
                "hostaddr" => set("PGHOSTADDR", v),
                "port" => set("PGPORT", v),
                "user" => set("PGUSER", v),
                "dbname" => set("PGDATABASE", v),
                "password" => password = Some(v),
                "sslmode" | "ssl-mode" => set("PGSSLMODE", v),
                "sslrootcert" | "ssl-root-cert" | "ssl-ca" => set("PGSSLROOTCERT", v),
                "sslcert" | "ssl-cert" => set("PGSSLCERT", v),
                "sslkey" | "ssl-key" => set("PGSSLKEY", v),
                "options" => set("PGOPTIONS", v),
                "connect_timeout" => set("PGCONNECT_TIMEOUT", v),
                "target_session_attrs" => set("PGTARGETSESSIONATTRS", v),
                "sslpassword" => {
                    return Err(invalid(
                        "`sslpassword` cannot reach pg_dump but on its command line, which every user can read: use a key file without a passphrase (mode 0600)".into(),
                    ));
                }
                // sqlx's own (statement-cache-capacity, application_name, ...): not libpq's.
                _ => {}
            }
        }
        tls_roots_as_tenantctl(&mut conn);
        Ok(PgTools {
            bin_dir,
            lock_wait: None,
            conn,
            password,
        })
    }

    fn program(&self, name: &str) -> PathBuf {
        match &self.bin_dir {
            Some(d) => d.join(name),
            None => PathBuf::from(name),
        }
    }

    /// `pg_dump` of exactly these schemas into one custom-format archive on stdout, in one
    /// snapshot. Each name is passed as a quoted pattern with `--strict-names`: quoted, `t1`
    /// never matches `t10` or `T1` (a pattern's letters fold and `*?[]` are wildcards), and
    /// a schema that vanished fails the dump instead of being skipped.
    pub fn dump(&self, schemas: &[Ident]) -> PgCommand {
        let mut args: Vec<OsString> = vec![
            "--format=custom".into(),
            "--strict-names".into(),
            "--no-password".into(),
        ];
        if let Some(w) = self.lock_wait {
            args.push(format!("--lock-wait-timeout={}ms", w.as_millis().max(1)).into());
        }
        for s in schemas {
            args.push(format!("--schema={}", s.sql()).into());
        }
        self.command("pg_dump", args, true)
    }

    /// `pg_restore` rendering an archive as an SQL script on stdout (no connection).
    pub fn script(&self, archive: &Path) -> PgCommand {
        let args: Vec<OsString> = vec!["--file=-".into(), archive.as_os_str().to_owned()];
        self.command("pg_restore", args, false)
    }

    /// `<tool> --version`.
    pub async fn version(&self, tool: &str) -> Result<String> {
        let cmd = self.command(tool, vec!["--version".into()], false);
        let out = cmd
            .to_command()
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| cmd.spawn_error(e))?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn command(&self, tool: &str, args: Vec<OsString>, connects: bool) -> PgCommand {
        let mut env = vec![("PGAPPNAME".to_string(), format!("tenantctl-{tool}"))];
        if connects {
            env.extend(
                self.conn
                    .iter()
                    .filter(|(k, _)| *k != "PGOPTIONS")
                    .map(|(k, v)| (k.to_string(), v.clone())),
            );
            // The operator's options: the URL's `options`, else our own environment's.
            let theirs = self
                .conn
                .iter()
                .find(|(k, _)| *k == "PGOPTIONS")
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var("PGOPTIONS").ok());
            env.push((
                "PGOPTIONS".to_string(),
                pg_options(PG_DUMP_SETTINGS, theirs.as_deref()),
            ));
            if let Some(p) = &self.password {
                env.push(("PGPASSWORD".to_string(), p.clone()));
            }
        }
        PgCommand {
            tool: tool.to_string(),
            program: self.program(tool),
            args,
            env,
        }
    }
}

/// libpq's `PGOPTIONS` with `ours` first and the operator's own options after them, so both
/// reach the server and the operator's win where they name the same setting.
fn pg_options(ours: &[(&str, &str)], theirs: Option<&str>) -> String {
    let mut out: Vec<String> = ours.iter().map(|(k, v)| format!("-c {k}={v}")).collect();
    if let Some(t) = theirs.map(str::trim).filter(|t| !t.is_empty()) {
        out.push(t.to_string());
    }
    out.join(" ")
}

/// pg_dump trusts what tenantctl's own connections trust (see `crate::tls`): with verify-ca or
/// verify-full and no `sslrootcert` (libpq would read ~/.postgresql/root.crt), or with libpq
/// 16's `sslrootcert=system` (which libpq 15 reads as a file name), the system's CA bundle.
fn tls_roots_as_tenantctl(conn: &mut Vec<(&'static str, String)>) {
    let get = |conn: &Vec<(&'static str, String)>, k: &str| {
        conn.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    };
    let verifies = get(conn, "PGSSLMODE")
        .or_else(|| std::env::var("PGSSLMODE").ok())
        .is_some_and(|m| m.starts_with("verify"));
    let root = get(conn, "PGSSLROOTCERT").or_else(|| std::env::var("PGSSLROOTCERT").ok());
    let wants_system = match root.as_deref() {
        Some("system") => true,
        None => verifies,
        Some(_) => false,
    };
    if wants_system && let Some(bundle) = system_ca_bundle() {
        conn.retain(|(k, _)| *k != "PGSSLROOTCERT");
        conn.push(("PGSSLROOTCERT", bundle));
    }
}

/// The system's CA bundle as one file: `SSL_CERT_FILE`, else where Debian, Fedora and Alpine
/// keep it.
fn system_ca_bundle() -> Option<String> {
    std::env::var("SSL_CERT_FILE")
        .ok()
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/cert.pem",
            ]
            .map(String::from),
        )
        .find(|p| Path::new(p).is_file())
}

/// A URL part as libpq reads it: `%XX` decoded (bytes that are not UTF-8 replaced).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// One prepared tool invocation.
pub struct PgCommand {
    tool: String,
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(String, String)>,
}

impl fmt::Debug for PgCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl PgCommand {
    /// The command line as messages show it: URLs password-masked, long schema lists cut.
    pub fn shown(&self) -> String {
        // The connection as the environment it travels in, never the password.
        let mut parts: Vec<String> = self
            .env
            .iter()
            .filter(|(k, _)| k != "PGPASSWORD" && k != "PGAPPNAME" && k != "PGOPTIONS")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(self.program.display().to_string());
        let schemas = self
            .args
            .iter()
            .filter(|a| a.to_string_lossy().starts_with("--schema="))
            .count();
        let mut schema_shown = 0;
        for a in &self.args {
            let a = a.to_string_lossy();
            if a.starts_with("--schema=") {
                schema_shown += 1;
                if schemas <= 4 || schema_shown <= 2 {
                    parts.push(a.into_owned());
                } else if schema_shown == 3 {
                    parts.push(format!("(... {} more --schema)", schemas - 2));
                }
            } else {
                parts.push(a.into_owned());
            }
        }
        parts.join(" ")
    }

    fn to_command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn spawn_error(&self, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Config(format!(
                "`{}` not found ({}): install the PostgreSQL client tools or set `backup.pg_bin_dir`",
                self.tool,
                self.program.display()
            ))
        } else {
            Error::Other(anyhow::anyhow!("cannot run `{}`: {e}", self.shown()))
        }
    }

    /// Start it with stdout piped to us and stderr captured; killed if dropped.
    pub fn spawn(&self) -> Result<PgChild> {
        let mut child = self
            .to_command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| self.spawn_error(e))?;
        let stdout = child.stdout.take().expect("stdout piped");
        let mut stderr = child.stderr.take().expect("stderr piped");
        let stderr_task = tokio::spawn(async move {
            let mut kept: Vec<u8> = Vec::new();
            let mut buf = vec![0u8; 8192];
            loop {
                match stderr.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        kept.extend_from_slice(&buf[..n]);
                        if kept.len() > 2 * STDERR_KEEP {
                            kept.drain(..kept.len() - STDERR_KEEP);
                        }
                    }
                }
            }
            if kept.len() > STDERR_KEEP {
                kept.drain(..kept.len() - STDERR_KEEP);
            }
            String::from_utf8_lossy(&kept).into_owned()
        });
        Ok(PgChild {
            shown: self.shown(),
            tool: self.tool.clone(),
            child,
            stdout: Some(stdout),
            stderr_task: Some(stderr_task),
        })
    }
}

/// A running tool.
pub struct PgChild {
    shown: String,
    tool: String,
    child: Child,
    stdout: Option<ChildStdout>,
    stderr_task: Option<tokio::task::JoinHandle<String>>,
}

impl PgChild {
    pub fn stdout(&mut self) -> &mut ChildStdout {
        self.stdout.as_mut().expect("stdout not taken")
    }

    pub fn take_stdout(&mut self) -> ChildStdout {
        self.stdout.take().expect("stdout not taken")
    }

    /// Wait for it to end; a non-zero exit is a [`ToolError`] with its stderr.
    pub async fn wait(mut self) -> std::result::Result<(), ToolError> {
        // Close our end first so a tool still writing gets EPIPE instead of blocking.
        drop(self.stdout.take());
        let status = self.child.wait().await;
        let stderr = match self.stderr_task.take() {
            Some(t) => t.await.unwrap_or_default(),
            None => String::new(),
        };
        match status {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(ToolError {
                tool: self.tool.clone(),
                command: self.shown.clone(),
                status: describe_status(s),
                stderr,
            }),
            Err(e) => Err(ToolError {
                tool: self.tool.clone(),
                command: self.shown.clone(),
                status: format!("could not be waited for: {e}"),
                stderr,
            }),
        }
    }

    /// Stop it now (after a failure on our side).
    pub async fn kill(mut self) {
        drop(self.stdout.take());
        let _ = self.child.kill().await;
        if let Some(t) = self.stderr_task.take() {
            t.abort();
        }
    }
}

fn describe_status(s: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => s.to_string(),
    }
}

/// A tool that failed: the command (password-masked) and what it said.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ToolError {
    pub tool: String,
    pub command: String,
    pub status: String,
    pub stderr: String,
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed ({}): {}",
            self.tool, self.status, self.command
        )?;
        let text = self.stderr.trim_end();
        if !text.is_empty() {
            write!(
                f,
                "\n----- {} stderr -----\n{text}\n-----------------------",
                self.tool
            )?;
        }
        Ok(())
    }
}

impl ToolError {
    /// The first line pg_dump printed, for one-line summaries.
    pub fn short(&self) -> String {
        let first = self
            .stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string());
        match first {
            Some(l) => format!("{} failed: {l}", self.tool),
            None => format!("{} failed ({})", self.tool, self.status),
        }
    }
}

impl From<ToolError> for Error {
    fn from(e: ToolError) -> Self {
        Error::Other(anyhow::anyhow!(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_parameter_password_goes_to_the_environment_too() {
        let t = PgTools::from_url(
            "postgres://app@db:6432/main?password=p%26w&ssl-mode=require&statement-cache-capacity=0",
            None,
        )
        .unwrap();
        assert_eq!(t.password.as_deref(), Some("p&w"));
        let cmd = t.dump(&[Ident::parse("tenant_a").unwrap()]);
        assert!(cmd.args.iter().all(
            |a| !a.to_string_lossy().contains("p&w") && !a.to_string_lossy().contains("dbname")
        ));
        let env: std::collections::HashMap<_, _> = cmd.env.iter().cloned().collect();
        assert_eq!(env["PGHOST"], "db");
        assert_eq!(env["PGPORT"], "6432");
        assert_eq!(env["PGUSER"], "app");
        assert_eq!(env["PGDATABASE"], "main");
        assert_eq!(env["PGSSLMODE"], "require");
        assert_eq!(env["PGPASSWORD"], "p&w");
        assert!(!cmd.shown().contains("p&w"), "{}", cmd.shown());
        let e = PgTools::from_url("postgres://app@db/main?sslpassword=x", None).unwrap_err();
        assert!(e.to_string().contains("sslpassword"), "{e}");
        assert!(!e.to_string().contains("=x"), "{e}");
    }

    #[test]
    fn the_password_never_reaches_argv_or_messages() {
        let t = PgTools::from_url("postgres://app:s%40cret@db:5432/main?sslmode=require", None)
            .unwrap();
        assert_eq!(t.password.as_deref(), Some("s@cret"));
        let s = vec![Ident::parse("tenant_a").unwrap()];
        let cmd = t.dump(&s);
        let argv: Vec<String> = cmd
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(argv.iter().all(|a| !a.contains("cret")), "{argv:?}");
        assert!(argv.contains(&"--schema=\"tenant_a\"".to_string()));
        assert!(argv.contains(&"--strict-names".to_string()));
        assert!(
            cmd.env
                .iter()
                .any(|(k, v)| k == "PGPASSWORD" && v == "s@cret")
        );
        assert!(!format!("{t:?}").contains("cret"));
        assert!(!cmd.shown().contains("cret"));
        assert!(
            cmd.shown().starts_with(
                "PGHOST=db PGPORT=5432 PGUSER=app PGDATABASE=main PGSSLMODE=require pg_dump "
            ),
            "{}",
            cmd.shown()
        );
    }

    #[test]
    fn pg_dump_gets_our_settings_and_the_operators_options_after_them() {
        let env_of = |t: &PgTools| -> std::collections::HashMap<String, String> {
            t.dump(&[Ident::parse("tenant_a").unwrap()])
                .env
                .into_iter()
                .collect()
        };
        // Options in the URL are the operator's: kept, after ours.
        let t = PgTools::from_url(
            "postgres://app@db/main?options=-c%20statement_timeout%3D5min",
            None,
        )
        .unwrap();
        assert_eq!(
            env_of(&t)["PGOPTIONS"],
            "-c enable_mergejoin=off -c statement_timeout=5min"
        );
        assert_eq!(
            pg_options(PG_DUMP_SETTINGS, Some("  -c work_mem=64MB ")),
            "-c enable_mergejoin=off -c work_mem=64MB"
        );
        assert_eq!(
            pg_options(PG_DUMP_SETTINGS, Some("")),
            "-c enable_mergejoin=off"
        );
        assert_eq!(
            pg_options(PG_DUMP_SETTINGS, None),
            "-c enable_mergejoin=off"
        );
        // pg_restore rendering a script does not connect: nothing to set.
        let script = t.script(Path::new("x.dump"));
        assert!(script.env.iter().all(|(k, _)| k != "PGOPTIONS"));
    }

    #[test]
    fn long_schema_lists_are_cut_in_messages() {
        let t = PgTools::from_url("postgres://db/main", None).unwrap();
        let s: Vec<Ident> = (0..50)
            .map(|i| Ident::parse(&format!("tenant_{i}")).unwrap())
            .collect();
        let shown = t.dump(&s).shown();
        assert!(shown.contains("(... 48 more --schema)"), "{shown}");
        let e = ToolError {
            tool: "pg_dump".into(),
            command: shown,
            status: "exit status 1".into(),
            stderr: "pg_dump: error: no matching schemas were found for pattern \"x\"\n".into(),
        };
        assert_eq!(
            e.short(),
            "pg_dump failed: pg_dump: error: no matching schemas were found for pattern \"x\""
        );
        assert!(e.to_string().contains("----- pg_dump stderr -----"));
    }
}
