//! The binary, and only the edge: parse the command line, resolve the configuration, install
//! logging, call [`tenantctl::run`], cancel our own server statements on Ctrl-C, and map the
//! error to an exit code. Everything else is the library.

use std::io::IsTerminal;
use std::process::ExitCode;
use tenantctl::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash tenantctl -- ...`) is answered and ends here.
    tenantctl::cli::complete::handle_request();
    let monitoring = tenantctl::cli::status::is_check_invocation(std::env::args_os().skip(1));
    let cli = match tenantctl::cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if monitoring && e.use_stderr() => {
            return tenantctl::cli::status::unknown(&e.to_string());
        }
        Err(e) => e.exit(),
    };
    let config = match Config::load(&cli.global.overrides()) {
        Ok(c) => c,
        Err(e) if monitoring => return tenantctl::cli::status::unknown(&e.to_string()),
        Err(e) => return report(e),
    };
    let stderr_color = std::io::stderr().is_terminal()
        && tenantctl::output::colour_allowed(
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        );
    tenantctl::logging::init(
        cli.global.verbose,
        cli.global.quiet,
        config.settings.log_format == tenantctl::config::LogFormat::Json,
        stderr_color,
    );
    if cli.command.handles_signals() {
        // The worker finishes its jobs and serve drains its requests on SIGINT/SIGTERM.
        return match tenantctl::run(cli, config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(e),
        };
    }
    tokio::select! {
        res = tenantctl::run(cli, config) => match res {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(e),
        },
        _ = tokio::signal::ctrl_c() => {
            // A prompt may have hidden the cursor; give the terminal back as it was.
            let _ = console::Term::stderr().show_cursor();
            tenantctl::output::to_stderr("interrupted");
            // The server would go on running a statement that waits for a lock (and holding
            // the locks it took) after the process is gone.
            tenantctl::db::cancel::cancel_own(std::time::Duration::from_secs(3)).await;
            ExitCode::from(130)
        }
    }
}

fn report(e: tenantctl::Error) -> ExitCode {
    if let Some(text) = e.render() {
        tenantctl::output::to_stderr(&text);
    }
    ExitCode::from(e.exit_code())
}
