//! `rvmmu test`: run riscv-tests style programs (pass = exit code 0 through
//! HTIF or the power-off device) and print a table per suite.

use super::jit_args::JitArgs;
use super::mmu_args::MmuArgs;
use super::size::parse_size;
use clap::Args;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// ELF files, or directories searched recursively for ELF files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Per-test instruction limit.
    #[arg(long, default_value_t = 50_000_000)]
    max_insns: u64,
    /// Guest RAM size per test.
    #[arg(long, default_value = "128M", value_parser = parse_size)]
    mem: u64,
    #[command(flatten)]
    mmu: MmuArgs,
    #[command(flatten)]
    jit: JitArgs,
    /// Worker threads (default: the machine's cores).
    #[arg(long)]
    jobs: Option<usize>,
}

/// Outcome of one test program.
#[derive(Debug)]
struct Outcome {
    name: String,
    result: Result<(), String>,
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"\x7fELF"
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || is_elf(&e) {
                collect(&e, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// The suite a test belongs to: `rv64ui-p-add` is in `rv64ui-p`; a name
/// without that shape is grouped under its directory.
fn suite_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let parts: Vec<&str> = name.splitn(3, '-').collect();
    if parts.len() == 3 && parts[0].starts_with("rv") {
        format!("{}-{}", parts[0], parts[1])
    } else {
        path.parent().and_then(|p| p.file_name()).map(|p| p.to_string_lossy().to_string()).unwrap_or_else(|| ".".into())
    }
}

fn run_one(path: &Path, config: &MachineConfig, max_insns: u64) -> Result<(), String> {
    let mut m = Machine::from_elf_file(&path.to_string_lossy(), config).map_err(|e| e.to_string())?;
    m.set_console(Box::new(std::io::sink()));
    match m.run(Some(max_insns)) {
        ExitReason::Exited(0) => Ok(()),
        ExitReason::Exited(code) => Err(format!("exit code {code} (test {code} failed)")),
        ExitReason::InsnLimit => Err(format!("no result after {max_insns} instructions (pc 0x{:x})", m.hart.pc)),
        ExitReason::Stuck { pc } => Err(format!("stuck in wfi at 0x{pc:x}")),
        ExitReason::TrapLoop { pc } => Err(format!("trap loop (vector 0x{pc:x})")),
        ExitReason::Reset => Err("the guest asked for a reset".into()),
        ExitReason::Timeout => Err("wall-clock timeout".into()),
    }
}

pub fn test(a: TestArgs) -> Result<ExitCode, String> {
    let mut files = Vec::new();
    for p in &a.paths {
        collect(p, &mut files)?;
    }
    if files.is_empty() {
        return Err("no ELF files found in the given paths".into());
    }
    let config = MachineConfig {
        mem_size: a.mem,
        mmu: a.mmu.config()?,
        jit_after: a.jit.jit_after(),
        jit_background: a.jit.jit_background(),
        ..MachineConfig::default()
    };
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut outcomes: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
    let results = std::sync::Mutex::new(&mut outcomes);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(files.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let result = run_one(path, &config, a.max_insns);
                let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                results.lock().unwrap()[i] = Some(Outcome { name, result });
            });
        }
    });

    let mut suites: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (path, o) in files.iter().zip(outcomes.into_iter().flatten()) {
        let entry = suites.entry(suite_of(path)).or_default();
        match o.result {
            Ok(()) => entry.0 += 1,
            Err(why) => {
                entry.1 += 1;
                failures.push(format!("FAIL {}: {why}", o.name));
            }
        }
    }
    outln!("{:<16} {:>7} {:>7}", "suite", "passed", "failed");
    for (suite, (p, f)) in &suites {
        outln!("{suite:<16} {p:>7} {f:>7}");
    }
    for f in &failures {
        outln!("{f}");
    }
    let passed: usize = suites.values().map(|s| s.0).sum();
    let failed: usize = suites.values().map(|s| s.1).sum();
    outln!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
