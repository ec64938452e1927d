//! `rvmmu user PROGRAM.elf`: boot the bundled guest kernel with PROGRAM as
//! disk 0 and a swap disk as disk 1, and report the program's output, the
//! kernel's counters and rvmmu's statistics.

use super::jit_args::JitArgs;
use super::mmu_args::MmuArgs;
use super::size::parse_size;
use clap::Args;
use rvmmu_emulator::machine::DiskConfig;
use rvmmu_emulator::mmu::MmuConfig;
use rvmmu_emulator::report::Report;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The bundled guest builds (the repository's guest/build).
pub const GUESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build");

#[derive(Args, Debug)]
pub struct UserArgs {
    /// The user program (a RISC-V ELF for the guest kernel, e.g. guest/build/user/sort.elf).
    program: PathBuf,
    /// User frames the kernel may use (default: all free RAM).
    #[arg(long)]
    frames: Option<u32>,
    /// The kernel's replacement policy: clock, fifo or random.
    #[arg(long, default_value = "clock")]
    policy: String,
    /// Seed of the kernel's random replacement policy (--seed seeds the TLB's).
    #[arg(long, default_value_t = 1)]
    policy_seed: u64,
    /// Keep the swap area in FILE (created if missing) instead of a temporary file.
    #[arg(long, value_name = "FILE")]
    swap: Option<PathBuf>,
    /// Size of a new swap file.
    #[arg(long, default_value = "16M", value_parser = parse_size)]
    swap_size: u64,
    /// The guest kernel to boot.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/kernel/kernel.elf"))]
    kernel: PathBuf,
    /// Stop after this many instructions.
    #[arg(long, default_value_t = 10_000_000_000)]
    max_insns: u64,
    /// Guest RAM size.
    #[arg(long, default_value = "128M", value_parser = parse_size)]
    mem: u64,
    /// Write rvmmu's statistics as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    stats_json: Option<String>,
    /// Record the translation stream to FILE (see `rvmmu run --record-trace`).
    #[arg(long, value_name = "FILE")]
    record_trace: Option<String>,
    #[command(flatten)]
    mmu: MmuArgs,
    #[command(flatten)]
    jit: JitArgs,
}

/// What `boot_user_program` needs.
pub struct UserRun<'a> {
    pub kernel: &'a Path,
    pub program: &'a Path,
    pub frames: Option<u32>,
    pub policy: &'a str,
    pub seed: u64,
    pub swap: Option<&'a Path>,
    pub swap_size: u64,
    pub mem: u64,
    pub mmu: MmuConfig,
    pub max_insns: u64,
    /// `--record-trace FILE`.
    pub record_trace: Option<&'a str>,
    /// `MachineConfig::jit_after`.
    pub jit_after: Option<u32>,
    /// `MachineConfig::jit_background`.
    pub jit_background: bool,
}

/// Boot the kernel with the program and a swap disk; the guest's output
/// goes to stdout. Returns how it ended and the statistics.
pub fn boot_user_program(r: &UserRun) -> Result<(ExitReason, Report), String> {
    if !["clock", "fifo", "random"].contains(&r.policy) {
        return Err(format!("--policy {}: use clock, fifo or random", r.policy));
    }
    let temporary = r.swap.is_none();
    let swap = match r.swap {
        Some(p) => p.to_path_buf(),
        None => std::env::temp_dir().join(format!("rvmmu-swap-{}.img", std::process::id())),
    };
    if temporary || !swap.exists() {
        std::fs::File::create(&swap)
            .and_then(|f| f.set_len(r.swap_size))
            .map_err(|e| format!("cannot create swap file {}: {e}", swap.display()))?;
    }
    let mut bootargs = format!("policy={} seed={}", r.policy, r.seed);
    if let Some(f) = r.frames {
        bootargs = format!("frames={f} {bootargs}");
    }
    let config = MachineConfig {
        mem_size: r.mem,
        mmu: r.mmu,
        disks: vec![
            DiskConfig { path: r.program.to_string_lossy().into(), read_only: true },
            DiskConfig { path: swap.to_string_lossy().into(), read_only: false },
        ],
        bootargs: Some(bootargs),
        jit_after: r.jit_after,
        jit_background: r.jit_background,
        ..MachineConfig::default()
    };
    let result = (|| {
        let mut m = Machine::from_elf_file(&r.kernel.to_string_lossy(), &config).map_err(|e| e.to_string())?;
        if let Some(path) = r.record_trace {
            super::run::start_trace(&mut m, path, r.mmu.ad)?;
        }
        let reason = m.run(Some(r.max_insns));
        m.shutdown().map_err(|e| format!("flushing disks: {e}"))?;
        if let Some(path) = r.record_trace {
            super::run::finish_trace(&mut m, path)?;
        }
        Ok((reason, Report::from_machine(&m)))
    })();
    if temporary {
        let _ = std::fs::remove_file(&swap);
    }
    result
}

pub fn user(a: UserArgs) -> Result<ExitCode, String> {
    if !a.program.is_file() {
        return Err(format!("{}: no such program file", a.program.display()));
    }
    let run = UserRun {
        kernel: &a.kernel,
        program: &a.program,
        frames: a.frames,
        policy: &a.policy,
        seed: a.policy_seed,
        swap: a.swap.as_deref(),
        swap_size: a.swap_size,
        mem: a.mem,
        mmu: a.mmu.config()?,
        max_insns: a.max_insns,
        record_trace: a.record_trace.as_deref(),
        jit_after: a.jit.jit_after(),
        jit_background: a.jit.jit_background(),
    };
    let (reason, report) = boot_user_program(&run)?;
    outln!("\n--- rvmmu: {reason:?}");
    out!("{}", report.to_table());
    if let Some(path) = &a.stats_json {
        std::fs::write(path, report.to_json()).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(match reason {
        ExitReason::Exited(c) => ExitCode::from(c.min(255) as u8),
        ExitReason::InsnLimit => ExitCode::from(super::EXIT_INSN_LIMIT),
        ExitReason::Stuck { .. } | ExitReason::TrapLoop { .. } => ExitCode::from(super::EXIT_STUCK),
        ExitReason::Reset => ExitCode::from(super::EXIT_RESET),
        ExitReason::Timeout => ExitCode::from(super::EXIT_TIMEOUT),
    })
}
