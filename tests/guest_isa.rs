//! The project's own ISA tests (guest/tests/*.S, built ELFs committed under
//! guest/build/tests): each must report pass (exit code 0) through HTIF,
//! under the default MMU, under a 1x1 random TLB, and (vm.elf, which probes
//! the A/D mode at run time) with A/D faults instead of hardware updates.

use rvmmu_emulator::mmu::tlb::{Policy, TlbConfig};
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::path::{Path, PathBuf};

fn guest_elfs() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build/tests");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "elf"))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "expected the committed guest test ELFs in {}", dir.display());
    v
}

fn run(path: &Path, config: &MachineConfig) -> ExitReason {
    let mut m = Machine::from_elf_file(&path.to_string_lossy(), config).expect("loads");
    m.set_console(Box::new(std::io::sink()));
    m.run(Some(10_000_000))
}

#[test]
fn every_guest_isa_test_passes() {
    for elf in guest_elfs() {
        assert_eq!(run(&elf, &MachineConfig::default()), ExitReason::Exited(0), "{}", elf.display());
    }
}

#[test]
fn guest_isa_tests_pass_with_ad_traps_and_a_unified_tlb() {
    let mut config = MachineConfig::default();
    config.mmu.ad = rvmmu_emulator::mmu::AdMode::Trap;
    config.mmu.unified = true;
    config.mmu.dtlb = TlbConfig { sets: 2, ways: 2, policy: Policy::Plru, seed: 0 };
    for elf in guest_elfs() {
        assert_eq!(run(&elf, &config), ExitReason::Exited(0), "{}", elf.display());
    }
}

#[test]
fn guest_isa_tests_pass_with_a_tiny_tlb() {
    let mut config = MachineConfig::default();
    let tiny = TlbConfig { sets: 1, ways: 1, policy: Policy::Random, seed: 9 };
    config.mmu.itlb = tiny;
    config.mmu.dtlb = tiny;
    for elf in guest_elfs() {
        assert_eq!(run(&elf, &config), ExitReason::Exited(0), "{}", elf.display());
    }
}
