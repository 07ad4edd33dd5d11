//! The `tessera` command line (CONTRACT.md §1). Exit codes: 0 success, 2 bad usage (clap's own),
//! 1 anything else with a one-line error on stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{ServeConfig, Tessera, shutdown, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "tessera",
    version,
    about = "Reusable identity data: share tokens, redemption and hosted verification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: migrations at start, graceful shutdown on SIGTERM or Ctrl-C.
    Serve(ServeConfig),
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return fail(&anyhow::Error::from(err).context("could not start the async runtime"));
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(config) => serve(config).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let tessera = Tessera::build(config).await?;
    println!("Tessera is listening on {}", tessera.public_url());
    tessera.run_until(shutdown::signal()).await
}

fn fail(err: &anyhow::Error) -> ExitCode {
    eprintln!("tessera: {err:#}");
    ExitCode::FAILURE
}
