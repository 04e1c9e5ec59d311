//! The browser harness of the console's tests (issue 26): a real `tenantctl serve` with the
//! console on (on a listener of its own), console accounts made through the library the CLI
//! calls, and headless Chromium driven through WebDriver (fantoccini).
//!
//! chromedriver: `TENANTCTL_TEST_CHROMEDRIVER_URL` when `scripts/test` started one; otherwise
//! each test starts its own on a free loopback port (in a process group of its own, ended
//! with the test, Chromium included). Chromium runs headless with the flags a closed network
//! needs (`--disable-background-networking --disable-component-update --no-first-run`).

#![allow(dead_code)]

use crate::common::Env;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tenantctl::registry::audit::Actor;
use tenantctl::serve::console::accounts::{self, Role};
use tokio::io::{AsyncBufReadExt, BufReader};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running `tenantctl serve` with the console on.
pub struct Console {
    pub child: tokio::process::Child,
    /// The main listener (tenants; the console on the host platform's address).
    pub addr: SocketAddr,
    /// `serve.console_listen`: the console whatever the Host.
    pub console: SocketAddr,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl Console {
    /// Start serve with the console on; `extra`: more environment (settings).
    pub async fn start(env: &Env, extra: &[(&str, &str)]) -> Console {
        let mut vars = vec![
            ("TENANTCTL_SERVE_CONSOLE", "on"),
            ("TENANTCTL_SERVE_CONSOLE_LISTEN", "127.0.0.1:0"),
            ("TENANTCTL_URL_SCHEME", "http"),
        ];
        vars.extend_from_slice(extra);
        let mut child = env.spawn_with(&["serve", "--listen", "127.0.0.1:0"], &vars);
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let (addr, console) = tokio::time::timeout(Duration::from_secs(60), async {
            let mut console = None;
            while let Some(line) = lines.next_line().await.unwrap() {
                stderr.lock().unwrap().push(line.clone());
                if let Some(rest) = line.strip_prefix("console on http://") {
                    console = Some(rest.trim_end_matches("/console/").parse().unwrap());
                }
                if let Some(rest) = line.strip_prefix("serving on http://") {
                    let addr: SocketAddr = rest.split_whitespace().next().unwrap().parse().unwrap();
                    return (
                        addr,
                        console.expect("the console's address is printed first"),
                    );
                }
            }
            panic!("serve ended before listening: {:?}", stderr.lock().unwrap());
        })
        .await
        .expect("serve starts listening");
        let keep = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                keep.lock().unwrap().push(line);
            }
        });
        Console {
            child,
            addr,
            console,
            stderr,
        }
    }

    /// A URL of the console's own listener.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.console)
    }
}

/// A console account with its password set (through its one-time link, as a person would);
/// returns its id.
pub async fn account(env: &Env, email: &str, role: Role, password: &str) -> i64 {
    let link = accounts::add_user(&env.pool, email, role, &Actor::cli())
        .await
        .expect("account added");
    set_password(env, &link.token, password).await
}

/// Use a set-password link's token.
pub async fn set_password(env: &Env, token: &str, password: &str) -> i64 {
    let hash = accounts::hash_password(password).await.unwrap();
    accounts::use_link(&env.pool, token, &hash, None)
        .await
        .unwrap()
        .expect("the link is valid")
}

/// chromedriver started for one test: its process group ends with the test.
struct Driver {
    child: std::process::Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        if let Some(pid) = rustix::process::Pid::from_raw(pid) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Headless Chromium, one WebDriver session.
pub struct Browser {
    pub client: Client,
    _driver: Option<Driver>,
}

impl Browser {
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// With more Chromium flags (`--blink-settings=scriptEnabled=false`: no JavaScript).
    pub async fn start_with(flags: &[&str]) -> Browser {
        assert!(
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists(),
            "chromium and chromedriver are missing: run the tests via scripts/test (start_chromedriver installs Debian's chromium and chromium-driver)"
        );
        let (url, driver) = match std::env::var("TENANTCTL_TEST_CHROMEDRIVER_URL") {
            Ok(u) if !u.is_empty() => (u, None),
            _ => {
                let port = free_port();
                let child = std::process::Command::new(CHROMEDRIVER)
                    .arg(format!("--port={port}"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .process_group(0)
                    .spawn()
                    .expect("chromedriver starts");
                (format!("http://127.0.0.1:{port}"), Some(Driver { child }))
            }
        };
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--window-size=1280,900",
        ];
        args.extend_from_slice(flags);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        _driver: driver,
                    };
                }
                Err(e) => {
                    last = e.to_string();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("no WebDriver session at {url}: {last}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("page loads");
    }

    /// The current URL's path and query.
    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.client.find(Locator::Css(css)).await.expect(css);
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .expect(css)
            .click()
            .await
            .unwrap();
    }

    /// The text of the first element `css` matches, if any.
    pub async fn text(&self, css: &str) -> Option<String> {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => Some(e.text().await.unwrap()),
            Err(_) => None,
        }
    }

    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Wait until the path is `want` (after a form's redirect).
    pub async fn wait_path(&self, want: &str) {
        for _ in 0..100 {
            if self.path().await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("still at {} (wanted {want})", self.path().await);
    }

    /// Log in on the console at `base` (like `http://127.0.0.1:PORT`).
    pub async fn login(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/console/login")).await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("#login").await;
        self.wait_path("/console/platforms").await;
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
