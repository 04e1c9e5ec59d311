use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use tenantctl::cli::Cli;
use tenantctl::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.global.overrides()) {
        Ok(c) => c,
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
        config.settings.log_format == "json",
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
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

fn report(e: tenantctl::Error) -> ExitCode {
    if let Some(text) = e.render() {
        eprintln!("{text}");
    }
    ExitCode::from(e.exit_code())
}
