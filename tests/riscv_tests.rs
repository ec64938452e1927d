//! The official riscv-tests suites, when a build of them is available:
//! set RISCV_TESTS_DIR to a directory of their ELFs (e.g. rv64ui-p-add).
//! Every physical-memory (-p) and virtual-memory (-v) test of the rv64
//! suites (I, M, A, C, F, D, machine and supervisor) must pass, the -v ones under every TLB policy, both A/D modes
//! and a 1x1 TLB. Without the variable the test says it was skipped.

use rvmmu_emulator::mmu::tlb::{Policy, TlbConfig};
use rvmmu_emulator::mmu::AdMode;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::path::{Path, PathBuf};

const SUITES: [&str; 14] = [
    "rv64ui-p", "rv64um-p", "rv64ua-p", "rv64uc-p", "rv64uf-p", "rv64ud-p", "rv64mi-p", "rv64si-p", "rv64ui-v",
    "rv64um-v", "rv64ua-v", "rv64uc-v", "rv64uf-v", "rv64ud-v",
];

fn tests_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("RISCV_TESTS_DIR {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            SUITES.iter().any(|s| name.starts_with(&format!("{s}-"))) && !name.ends_with(".dump")
        })
        .collect();
    v.sort();
    v
}

fn failures(tests: &[PathBuf], config: &MachineConfig) -> Vec<String> {
    let mut failed = Vec::new();
    for t in tests {
        let name = t.file_name().unwrap().to_string_lossy().to_string();
        let mut m = Machine::from_elf_file(&t.to_string_lossy(), config).expect("loads");
        m.set_console(Box::new(std::io::sink()));
        match m.run(Some(20_000_000)) {
            ExitReason::Exited(0) => {}
            other => failed.push(format!("{name}: {other:?}")),
        }
    }
    failed
}

#[test]
fn official_suites_pass() {
    let Some(dir) = std::env::var_os("RISCV_TESTS_DIR").map(PathBuf::from) else {
        println!("skipped: RISCV_TESTS_DIR not set");
        eprintln!("skipped: RISCV_TESTS_DIR not set");
        return;
    };
    let tests = tests_in(&dir);
    assert!(!tests.is_empty(), "no riscv-tests ELFs of {SUITES:?} in {}", dir.display());
    let f = failures(&tests, &MachineConfig::default());
    assert!(f.is_empty(), "failed with the default MMU: {f:#?}");

    let virtual_tests: Vec<_> =
        tests.iter().filter(|t| t.file_name().unwrap().to_string_lossy().contains("-v-")).cloned().collect();
    for policy in [Policy::Lru, Policy::Fifo, Policy::Random, Policy::Plru] {
        for (sets, ways) in [(1, 1), (4, 2)] {
            for ad in [AdMode::Hardware, AdMode::Trap] {
                let mut c = MachineConfig::default();
                let tlb = TlbConfig { sets, ways, policy, seed: 1 };
                c.mmu.itlb = tlb;
                c.mmu.dtlb = tlb;
                c.mmu.ad = ad;
                let f = failures(&virtual_tests, &c);
                assert!(f.is_empty(), "failed with {policy} {sets}x{ways} {ad:?}: {f:#?}");
            }
        }
    }
}
