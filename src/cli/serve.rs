//! `tenantctl serve`: run the tenant-aware HTTP front door until SIGTERM or SIGINT.

use super::Ctx;
use crate::db::SchemaName;
use crate::error::{Error, Result};
use crate::serve::{self, Metrics, ServeOptions};
use clap::Args;
use std::net::SocketAddr;

#[derive(Debug, Args)]
pub struct Serve {
    /// Address to listen on, like 127.0.0.1:8080 (port 0: any free port; the address is
    /// printed) [env: TENANTCTL_SERVE_LISTEN] [config: serve.listen] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,

    /// Benchmark only: also serve /_bench/fixed/api/* from SCHEMA with no resolution and no
    /// per-request schema switch (the floor of scripts/bench-serve)
    #[arg(long, value_name = "SCHEMA", hide = true)]
    pub bench_fixed_schema: Option<String>,
}

impl Serve {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let s = ctx.settings();
        let listen = self
            .listen
            .clone()
            .unwrap_or_else(|| s.serve.listen.clone());
        let addr: SocketAddr = listen.parse().map_err(|_| {
            Error::Usage(format!(
                "invalid listen address `{}`: expected IP:PORT, like 127.0.0.1:8080",
                crate::rules::naming::shown(&listen)
            ))
        })?;
        let bench_fixed_schema = self
            .bench_fixed_schema
            .as_deref()
            .map(SchemaName::parse)
            .transpose()?;
        let registry = ctx.pool().await?.clone();
        let app = serve::build(
            s,
            registry,
            ServeOptions {
                bench_fixed_schema,
                metrics: Metrics::new(),
            },
        )
        .await?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Other(anyhow::anyhow!("cannot listen on {addr}: {e}")))?;
        let metrics = match s.serve.metrics_listen.as_deref() {
            Some(m) => {
                let addr: SocketAddr = m.parse().map_err(|_| {
                    Error::Usage(format!(
                        "invalid `serve.metrics_listen` `{}`: expected IP:PORT, like 127.0.0.1:9464",
                        crate::rules::naming::shown(m)
                    ))
                })?;
                let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                    Error::Other(anyhow::anyhow!("cannot listen on {addr} for metrics: {e}"))
                })?;
                ctx.out
                    .note(&format!("metrics on http://{}/metrics", l.local_addr()?));
                Some(l)
            }
            None => None,
        };
        let console = match s.serve.console_listen.as_deref() {
            Some(c) if s.serve.console == crate::config::ConsoleMode::On => {
                let addr: SocketAddr = c.parse().map_err(|_| {
                    Error::Usage(format!(
                        "invalid `serve.console_listen` `{}`: expected IP:PORT, like 127.0.0.1:8081",
                        crate::rules::naming::shown(c)
                    ))
                })?;
                let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                    Error::Other(anyhow::anyhow!(
                        "cannot listen on {addr} for the console: {e}"
                    ))
                })?;
                ctx.out
                    .note(&format!("console on http://{}/console/", l.local_addr()?));
                Some(l)
            }
            Some(_) => {
                return Err(Error::Usage(
                    "`serve.console_listen` is set but the console is off".into(),
                )
                .hint("set `serve.console = \"on\"` (or TENANTCTL_SERVE_CONSOLE=on)"));
            }
            None => None,
        };
        let bound = listener.local_addr()?;
        ctx.out.note(&format!(
            "serving on http://{bound} ({} addresses; SIGTERM or Ctrl-C stops)",
            app.resolver.current().len()
        ));
        serve::serve_with(
            app,
            listener,
            metrics,
            console,
            *s.serve.refresh_interval,
            *s.serve.shutdown_timeout,
            serve::shutdown_signal(),
        )
        .await?;
        ctx.out.note("stopped");
        Ok(())
    }
}
