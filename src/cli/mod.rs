//! Argument parsing and the subcommands. No emulation logic lives here.

/// `println!` that tolerates a closed stdout (e.g. piped into `head`).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `print!` that tolerates a closed stdout.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `eprintln!` that tolerates a closed stderr.
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// `eprint!` that tolerates a closed stderr.
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

mod demo;
mod dtb;
mod jit_args;
mod mmu_args;
mod plot;
mod run;
mod size;
mod sweep;
mod test;
mod user;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit status when rvmmu itself fails (bad file, bad flag).
pub const EXIT_HOST_ERROR: u8 = 2;
/// Exit status when the guest hits `--max-insns`.
pub const EXIT_INSN_LIMIT: u8 = 124;
/// Exit status when the guest waits for an interrupt that can never come.
pub const EXIT_STUCK: u8 = 125;
/// Exit status when the guest asks for a reset.
pub const EXIT_RESET: u8 = 126;
/// Exit status when the wall-clock `--timeout` passes.
pub const EXIT_TIMEOUT: u8 = 123;

/// An instruction-level RISC-V RV64 emulator centred on virtual memory.
#[derive(Parser, Debug)]
#[command(name = "rvmmu", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one RISC-V ELF program; the exit status is the guest's exit code.
    Run(run::RunArgs),
    /// Run riscv-tests style ELFs (files or directories) and report per suite.
    Test(test::TestArgs),
    /// Run one program under many D-TLB shapes and policies and tabulate the counters.
    Sweep(sweep::SweepArgs),
    /// The demo on the bundled guests: TLB costs of access patterns, and a
    /// small kernel demand-paging and swapping a user program.
    Demo(demo::DemoArgs),
    /// Boot the bundled guest kernel with a user program (disk 0) and a swap disk (disk 1).
    User(user::UserArgs),
    /// Write the board's device tree blob (check it with `dtc -I dtb`).
    Dtb(dtb::DtbArgs),
}

/// Run the chosen subcommand.
pub fn dispatch(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Test(a) => test::test(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Demo(a) => demo::demo(a),
        Command::User(a) => user::user(a),
        Command::Dtb(a) => dtb::dtb(a),
    }
}
