//! `tenantctl init` on a terminal: the wizard, driven through a pseudo-terminal (`script`).

use crate::common::{BIN, Env};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A program on a pseudo-terminal: what it printed so far, and its keyboard.
struct Tty {
    child: tokio::process::Child,
    screen: Arc<Mutex<String>>,
}

impl Tty {
    fn start(env: &Env, args: &str) -> Tty {
        let mut cmd = tokio::process::Command::new("script");
        cmd.args(["-qfec", &format!("{BIN} {args}"), "/dev/null"])
            .current_dir(env.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .env("DATABASE_URL", &env.url)
            .env("TERM", "xterm")
            .env_remove("CONFIRM")
            .env_remove("NO_COLOR");
        let mut child = cmd.spawn().expect("`script` (util-linux) runs");
        let mut out = child.stdout.take().unwrap();
        let screen = Arc::new(Mutex::new(String::new()));
        let s = screen.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                s.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Tty { child, screen }
    }

    /// Wait until the screen shows `text` (after the last `mark`), at most 30 s.
    async fn expect(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let plain = strip(&self.screen.lock().unwrap());
            if plain.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "screen never showed {text:?}:\n{plain}"
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    async fn keys(&mut self, keys: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(keys.as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }

    fn clear(&self) {
        self.screen.lock().unwrap().clear();
    }
}

/// The screen text without escape sequences.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[sqlx::test(migrations = false)]
async fn the_wizard_checks_addresses_as_typed_and_sets_up_the_host(pool: PgPool) {
    let env = Env::new(pool);
    // A platform registered before init holds an address the host must not take.
    env.run(&["migrate", "--registry-only"]).await.ok();
    env.run(&[
        "platform",
        "create",
        "--name",
        "Shop",
        "--domain",
        "shop.example.org",
    ])
    .await
    .ok();

    let mut tty = Tty::start(&env, "init");
    tty.expect("Name of the host platform").await;
    tty.keys("Example\r").await;
    tty.expect("Domain (like example.org)").await;
    tty.clear();
    tty.keys("exa").await;
    tty.expect("must have at least two labels").await;
    tty.clear();
    tty.keys("mple.org").await;
    tty.expect("example.org is available").await;
    tty.keys("\r").await;
    tty.expect("Serve the host at a subdomain").await;
    tty.keys("y").await;
    tty.expect("Subdomain").await;
    // The offered `www`, replaced by a taken one, then a free one.
    tty.clear();
    tty.keys("\u{7f}\u{7f}\u{7f}shop").await;
    tty.expect("taken by platform `Shop`").await;
    tty.keys("\r").await; // refused: still asking
    tty.clear();
    tty.keys("\u{7f}\u{7f}\u{7f}\u{7f}www").await;
    tty.expect("www.example.org is available").await;
    tty.keys("\r").await;
    tty.expect("Contact address").await;
    tty.keys("ops@example.org\r").await;
    tty.expect("provision its schema now?").await;
    tty.keys("y").await;
    tty.expect("served at https://www.example.org/").await;
    let status = tty.child.wait().await.unwrap();
    assert!(status.success());

    let host = env.show("example").await;
    assert_eq!(host["host"], true);
    assert_eq!(host["address"], "www.example.org");
    assert_eq!(host["provision_status"], "completed");
    assert_eq!(host["contact_email"], "ops@example.org");

    // A second run on a terminal says what exists and asks nothing.
    let before = env.registry_snapshot().await;
    let mut tty = Tty::start(&env, "init");
    tty.expect("exists already").await;
    tty.expect("nothing changed").await;
    assert!(tty.child.wait().await.unwrap().success());
    assert_eq!(env.registry_snapshot().await, before);
}
