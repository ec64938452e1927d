//! `rvmmu run`.

use super::mmu_args::MmuArgs;
use super::size::parse_size;
use super::{EXIT_INSN_LIMIT, EXIT_RESET, EXIT_STUCK};
use clap::Args;
use rvmmu_emulator::machine::{DiskConfig, VIRTIO_TRANSPORTS};
use rvmmu_emulator::report::Report;
use rvmmu_emulator::trace::CommitLog;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The RISC-V ELF program (RV64, little-endian).
    program: String,
    /// Guest RAM size, e.g. 128M or 1G.
    #[arg(long, default_value = "128M", value_parser = parse_size)]
    mem: u64,
    #[command(flatten)]
    mmu: MmuArgs,
    /// Stop after this many retired instructions.
    #[arg(long)]
    max_insns: Option<u64>,
    /// Print one line per retired instruction (Spike --log-commits format).
    #[arg(long)]
    trace: bool,
    /// Print translation and trap statistics at exit (on stderr).
    #[arg(long)]
    stats: bool,
    /// Write the statistics as JSON to FILE (schema: docs/stats.md).
    #[arg(long, value_name = "FILE")]
    stats_json: Option<String>,
    /// A disk backed by a host file, on the next virtio-mmio transport;
    /// append `,ro` for read-only. Repeatable (up to 8).
    #[arg(long, value_name = "FILE[,ro]", value_parser = parse_disk)]
    disk: Vec<DiskConfig>,
    /// Kernel command line, passed as the device tree's /chosen/bootargs.
    #[arg(long, value_name = "TEXT")]
    append: Option<String>,
    /// Tie mtime to the host clock instead of retired instructions (not
    /// deterministic).
    #[arg(long)]
    realtime: bool,
}

fn parse_disk(s: &str) -> Result<DiskConfig, String> {
    let (path, read_only) = match s.strip_suffix(",ro") {
        Some(p) => (p, true),
        None => (s, false),
    };
    if path.is_empty() {
        return Err("expected FILE or FILE,ro".into());
    }
    Ok(DiskConfig { path: path.to_string(), read_only })
}

/// Map a guest exit code onto a process exit status without letting a
/// failure wrap around to 0.
fn exit_status(code: u64) -> u8 {
    match code {
        0 => 0,
        1..=255 => code as u8,
        _ => 255,
    }
}

pub fn run(a: RunArgs) -> Result<ExitCode, String> {
    if a.disk.len() > VIRTIO_TRANSPORTS {
        return Err(format!("at most {VIRTIO_TRANSPORTS} disks (one per virtio-mmio transport)"));
    }
    let config = MachineConfig {
        mem_size: a.mem,
        mmu: a.mmu.config()?,
        disks: a.disk.clone(),
        bootargs: a.append.clone(),
        realtime: a.realtime,
        uart_stdin: true,
    };
    let mut m = Machine::from_elf_file(&a.program, &config).map_err(|e| e.to_string())?;
    let reason = if a.trace {
        let stderr = std::io::stderr();
        let mut log = CommitLog::new(BufWriter::new(stderr.lock()));
        m.run_with(a.max_insns, &mut log)
    } else {
        m.run(a.max_insns)
    };
    let _ = std::io::stdout().flush();
    m.shutdown().map_err(|e| format!("flushing devices at exit: {e}"))?;
    if a.stats || a.stats_json.is_some() {
        let report = Report::from_machine(&m);
        if a.stats {
            eprint!("\n{}", report.to_table());
        }
        if let Some(path) = &a.stats_json {
            std::fs::write(path, report.to_json()).map_err(|e| format!("cannot write {path}: {e}"))?;
        }
    }
    let status = match reason {
        ExitReason::Exited(code) => {
            if code != 0 {
                eprintln!("rvmmu: guest exited with code {code}");
            }
            exit_status(code)
        }
        ExitReason::InsnLimit => {
            eprintln!("rvmmu: stopped: instruction limit of {} reached at pc 0x{:x}", m.hart.retired, m.hart.pc);
            EXIT_INSN_LIMIT
        }
        ExitReason::Stuck { pc } => {
            eprintln!("rvmmu: stopped: the guest waits (wfi at 0x{pc:x}) for an interrupt that nothing can raise");
            EXIT_STUCK
        }
        ExitReason::Reset => {
            eprintln!("rvmmu: stopped: the guest asked for a reset");
            EXIT_RESET
        }
    };
    Ok(ExitCode::from(status))
}
