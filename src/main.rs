//! `rvmmu`: run RISC-V programs on the rvmmu emulator, and run test suites.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).format_timestamp(None).init();
    let args = cli::Cli::parse();
    match cli::dispatch(args) {
        Ok(code) => code,
        Err(e) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "rvmmu: error: {e}");
            ExitCode::from(cli::EXIT_HOST_ERROR)
        }
    }
}
