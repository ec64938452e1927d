//! `rvmmu demo`: the main job a newcomer runs. Two bundled guests, no
//! cross toolchain needed:
//! 1. tlbdemo: four access patterns under Sv39, and what each costs the TLB;
//! 2. the guest kernel running `sort` in U-mode with few physical frames,
//!    so it demand-pages, evicts and swaps to a scratch disk.

use super::user::{boot_user_program, UserRun};
use clap::Args;
use rvmmu_emulator::mmu::MmuConfig;
use rvmmu_emulator::report::Report;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the bundled guests are (the repository's guest/build).
    #[arg(long, default_value = super::user::GUESTS)]
    guests: PathBuf,
    /// User frames the guest kernel may use (fewer means more swapping).
    #[arg(long, default_value_t = 16)]
    frames: u32,
    /// The guest kernel's replacement policy: clock, fifo or random.
    #[arg(long, default_value = "clock")]
    policy: String,
}

fn run(title: &str, elf: &std::path::Path, config: &MachineConfig) -> Result<(), String> {
    outln!("\n=== {title}");
    outln!("--- guest output");
    let mut m = Machine::from_elf_file(&elf.to_string_lossy(), config).map_err(|e| e.to_string())?;
    let reason = m.run(Some(2_000_000_000));
    m.shutdown().map_err(|e| format!("flushing disks: {e}"))?;
    outln!("--- rvmmu statistics ({reason:?})");
    out!("{}", Report::from_machine(&m).to_table());
    match reason {
        ExitReason::Exited(0) => Ok(()),
        other => Err(format!("{title}: the guest ended with {other:?}")),
    }
}

pub fn demo(a: DemoArgs) -> Result<ExitCode, String> {
    if !["clock", "fifo", "random"].contains(&a.policy.as_str()) {
        return Err(format!("--policy {}: use clock, fifo or random", a.policy));
    }
    let tlbdemo = a.guests.join("programs/tlbdemo.elf");
    run(
        "tlbdemo: sequential, page-stride and random accesses over 16 MiB of 4 KiB pages, then random accesses \
         within one 2 MiB megapage (default TLBs: I 8x4, D 16x4, LRU)",
        &tlbdemo,
        &MachineConfig::default(),
    )?;

    let title = format!(
        "the guest kernel runs `sort` (96 pages of data) in U-mode with {} frames, {} replacement, swap on disk 1",
        a.frames, a.policy
    );
    outln!("\n=== {title}");
    outln!("--- guest output");
    let (reason, report) = boot_user_program(&UserRun {
        kernel: &a.guests.join("kernel/kernel.elf"),
        program: &a.guests.join("user/sort.elf"),
        frames: Some(a.frames),
        policy: &a.policy,
        seed: 1,
        swap: None,
        swap_size: 4 << 20,
        mem: 128 << 20,
        mmu: MmuConfig::default(),
        max_insns: 2_000_000_000,
        record_trace: None,
        jit_after: MachineConfig::default().jit_after,
        jit_background: MachineConfig::default().jit_background,
    })?;
    outln!("--- rvmmu statistics ({reason:?})");
    out!("{}", report.to_table());
    if reason != ExitReason::Exited(0) {
        return Err(format!("the guest kernel ended with {reason:?}"));
    }
    outln!("\nTry: rvmmu sweep {} --dtlb 4x1,16x4,64x8 --tlb-policy lru,fifo", tlbdemo.display());
    Ok(ExitCode::SUCCESS)
}
