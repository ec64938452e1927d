//! Criterion benches: interpretation speed on a CPU-bound guest loop (bare
//! and under Sv39 with 4 KiB pages), a TLB hit, and a full three-level walk.
//! Throughput is reported in guest instructions (or translations) per second.
//!
//! cargo bench --bench interpreter

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rvmmu_emulator::addr::VirtAddr;
use rvmmu_emulator::bus::{Bus, Ram, RAM_BASE};
use rvmmu_emulator::cpu::Privilege;
use rvmmu_emulator::mmu::tlb::Fence;
use rvmmu_emulator::mmu::{Access, Mmu, MmuConfig};
use rvmmu_emulator::profile::Profiler;
use rvmmu_emulator::{Machine, MachineConfig};
use std::hint::black_box;
use std::path::PathBuf;

/// Instructions per measured iteration of the guest loop.
const SLICE: u64 = 20_000_000;

fn guest(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build/programs").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} (run `make -C guest`)", p.display()))
}

fn guest_loop(c: &mut Criterion) {
    let mut g = c.benchmark_group("guest_loop");
    g.sample_size(10);
    g.throughput(Throughput::Elements(SLICE));
    for name in ["loop.elf", "loop-sv39.elf"] {
        let elf = guest(name);
        g.bench_function(name, |b| {
            // Run a fresh machine a slice at a time; the loop is long enough
            // that no slice reaches the guest's end.
            let config = MachineConfig::default();
            let mut m = Machine::from_elf_bytes(name, &elf, &config).expect("loads");
            m.run(Some(1_000_000)); // warm up: page tables built, TLB warm
            b.iter(|| {
                let end = m.hart.retired + SLICE;
                black_box(m.run(Some(end)))
            });
        });
    }
    g.finish();
}

/// Sv39 tables in RAM mapping VA 0x4000_0000 + i*4K to RAM, 4 KiB leaves.
fn mmu_with_tables() -> (Mmu, u64) {
    let mut bus = Bus::new(Ram::new(RAM_BASE, 1 << 20));
    let root = RAM_BASE;
    let l1 = RAM_BASE + 0x1000;
    let l0 = RAM_BASE + 0x2000;
    let pte_ptr = |pa: u64| ((pa >> 12) << 10) | 1;
    let leaf = |pa: u64| ((pa >> 12) << 10) | 0xcf; // V R W X A D
    let w = |bus: &mut Bus, at: u64, v: u64| bus.ram.write((at - RAM_BASE) as usize, 8, v);
    w(&mut bus, root + 8, pte_ptr(l1)); // vpn2 = 1 -> 0x4000_0000
    w(&mut bus, l1, pte_ptr(l0));
    for i in 0..512 {
        w(&mut bus, l0 + 8 * i, leaf(RAM_BASE + 0x10_0000 + i * 0x1000));
    }
    let mut mmu = Mmu::new(bus, MmuConfig::default());
    let satp = (8u64 << 60) | (root >> 12);
    mmu.set_context(Privilege::Supervisor, 0, satp);
    (mmu, 0x4000_0000)
}

fn translation(c: &mut Criterion) {
    let mut g = c.benchmark_group("translate");
    g.throughput(Throughput::Elements(1));
    let (mut mmu, va) = mmu_with_tables();
    g.bench_function("tlb_hit", |b| b.iter(|| black_box(mmu.translate(VirtAddr(black_box(va + 8)), Access::Load))));
    let (mut mmu, va) = mmu_with_tables();
    g.bench_function("three_level_walk", |b| {
        b.iter(|| {
            mmu.fence(Fence::All);
            black_box(mmu.translate(VirtAddr(black_box(va + 0x5008)), Access::Load))
        })
    });
    // The usual D-TLB miss, without a fence: 512 pages in a cycle that
    // the default 16x4 LRU D-TLB cannot hold, so every lookup misses,
    // walks and fills (the path whose length issue 8's `mem` numbers
    // depend on; docs/performance.md).
    let (mut mmu, va) = mmu_with_tables();
    let mut page = 0u64;
    g.bench_function("dtlb_miss", |b| {
        b.iter(|| {
            page = (page + 37) % 512;
            black_box(mmu.translate(VirtAddr(black_box(va + page * 0x1000 + 8)), Access::Load))
        })
    });
    g.finish();
}

/// What attribution costs: the same tlbdemo slice with and without the
/// `--profile` tracer (`--stats` itself adds nothing: the counters are
/// always kept).
fn profiling_overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("profiling");
    g.sample_size(10);
    const PROFILE_SLICE: u64 = 5_000_000;
    g.throughput(Throughput::Elements(PROFILE_SLICE));
    let elf = guest("tlbdemo.elf");
    for profiled in [false, true] {
        let name = if profiled { "tlbdemo_profile" } else { "tlbdemo_plain" };
        g.bench_function(name, |b| {
            let config = MachineConfig::default();
            let mut m = Machine::from_elf_bytes("tlbdemo.elf", &elf, &config).expect("loads");
            m.set_console(Box::new(std::io::sink()));
            let mut profiler = Profiler::default();
            b.iter(|| {
                // Restart when the program ends so every slice does work.
                if m.hart.retired + PROFILE_SLICE > 40_000_000 {
                    m = Machine::from_elf_bytes("tlbdemo.elf", &elf, &config).expect("loads");
                    m.set_console(Box::new(std::io::sink()));
                }
                let end = Some(m.hart.retired + PROFILE_SLICE);
                if profiled {
                    black_box(m.run_with(end, &mut profiler))
                } else {
                    black_box(m.run(end))
                }
            });
        });
    }
    g.finish();
}

criterion_group!(benches, translation, guest_loop, profiling_overhead);
criterion_main!(benches);
