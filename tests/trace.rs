//! `--record-trace` and `sweep --trace`: a replay gives the counters of a
//! full run with the same TLB configuration (L1, L2 TLB, page-walk cache),
//! and the stack-distance miss curve equals fully associative LRU replays
//! of every size.
//!
//! The trace comes from the bundled guest kernel running `sort` with 64
//! frames: demand paging, swapping, sfence.vma of both kinds, several
//! address spaces — everything the recorder has to capture.

mod common;

use common::{rvmmu, TempPath};
use rvmmu_emulator::machine::DiskConfig;
use rvmmu_emulator::mmu::pwc::PwcConfig;
use rvmmu_emulator::mmu::record::{Recorder, Trace, TraceTotals};
use rvmmu_emulator::mmu::replay::{lru_miss_curves, replay};
use rvmmu_emulator::mmu::tlb::{Policy, TlbConfig};
use rvmmu_emulator::mmu::{AdMode, MmuConfig};
use rvmmu_emulator::report::Report;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

const GUESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build");

/// A `Write` into shared memory, so the test can read what the recorder wrote.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Boot the kernel with `sort` and 64 frames under `mmu`; when `record`,
/// record the translation stream. Returns the report and the trace bytes.
fn kernel_run(mmu: MmuConfig, record: bool) -> (Report, Vec<u8>) {
    let swap = TempPath::new(&format!("trace-swap-{}", std::thread::current().name().unwrap_or("t").replace(':', "_")));
    std::fs::File::create(swap.path()).and_then(|f| f.set_len(4 << 20)).expect("swap file");
    let config = MachineConfig {
        mem_size: 128 << 20,
        mmu,
        disks: vec![
            DiskConfig { path: format!("{GUESTS}/user/sort.elf"), read_only: true },
            DiskConfig { path: swap.as_str().to_string(), read_only: false },
        ],
        bootargs: Some("frames=64 policy=clock seed=1".into()),
        ..MachineConfig::default()
    };
    let mut m = Machine::from_elf_file(&format!("{GUESTS}/kernel/kernel.elf"), &config).expect("kernel loads");
    m.set_console(Box::new(std::io::sink()));
    let sink = Shared::default();
    if record {
        m.hart.mmu.start_recording(Recorder::new(Box::new(sink.clone()), mmu.ad).expect("recorder"));
    }
    let reason = m.run(Some(2_000_000_000));
    assert_eq!(reason, ExitReason::Exited(0), "the guest kernel ran sort to the end");
    if let Some(r) = m.hart.mmu.take_recorder() {
        let s = &m.hart.stats;
        let page_faults = [12, 13, 15].map(|c| s.exceptions_with_cause(c));
        r.finish(TraceTotals { instret: m.hart.retired, page_faults }).expect("trace written");
    }
    let bytes = sink.0.lock().unwrap().clone();
    (Report::from_machine(&m), bytes)
}

/// The recorded trace (default MMU), made once for every test here.
fn recorded() -> &'static (Report, Trace) {
    static TRACE: OnceLock<(Report, Trace)> = OnceLock::new();
    TRACE.get_or_init(|| {
        let (report, bytes) = kernel_run(MmuConfig::default(), true);
        (report, Trace::decode(&bytes[..]).expect("a valid trace"))
    })
}

fn tlb(sets: usize, ways: usize, policy: Policy) -> TlbConfig {
    TlbConfig { sets, ways, policy, seed: 3 }
}

/// The counters a replay can know: everything about translation.
fn translation_part(r: &Report) -> impl PartialEq + std::fmt::Debug {
    let faults = [r.exceptions[12], r.exceptions[13], r.exceptions[15]];
    (r.instret, r.tlbs.clone(), r.l2.clone(), r.pwc, r.walk, faults)
}

#[test]
fn recording_changes_no_counter() {
    let (with, _) = recorded();
    let (without, _) = kernel_run(MmuConfig::default(), false);
    assert_eq!(*with, without);
    assert!(with.walk.walk_faults > 0 && with.tlbs[1].stats.total_flushes() > 0, "faults and fences were exercised");
}

#[test]
fn replay_equals_full_runs() {
    let (_, trace) = recorded();
    let configs = [
        MmuConfig::default(),
        MmuConfig { dtlb: tlb(4, 1, Policy::Lru), l2: Some(tlb(64, 4, Policy::Lru)), ..MmuConfig::default() },
        MmuConfig {
            itlb: tlb(2, 2, Policy::Fifo),
            dtlb: tlb(1, 8, Policy::Fifo),
            l2: Some(tlb(16, 8, Policy::Fifo)),
            pwc: Some(PwcConfig { entries: [2, 4] }),
            ..MmuConfig::default()
        },
        MmuConfig {
            itlb: tlb(1, 4, Policy::Plru),
            dtlb: tlb(4, 4, Policy::Plru),
            pwc: Some(PwcConfig { entries: [1, 1] }),
            ..MmuConfig::default()
        },
        MmuConfig { dtlb: tlb(8, 2, Policy::Random), unified: true, ..MmuConfig::default() },
    ];
    for config in configs {
        let (full, _) = kernel_run(config, false);
        let replayed = Report::from_replay(&replay(trace, &config), &trace.totals);
        assert_eq!(translation_part(&replayed), translation_part(&full), "{config:?}");
    }
}

#[test]
fn stack_distance_curve_equals_fully_associative_lru_replays() {
    let (_, trace) = recorded();
    for unified in [false, true] {
        let curves = lru_miss_curves(trace, unified);
        assert!(curves.iter().all(|c| c.approximated == 0), "no faulting access found its entry cached");
        for n in [1, 2, 3, 4, 8, 16, 48, 64, 256, 1024] {
            let t = tlb(1, n, Policy::Lru);
            let r = replay(trace, &MmuConfig { itlb: t, dtlb: t, unified, ..MmuConfig::default() });
            let measured: Vec<(u64, u64)> = if unified {
                vec![(r.dtlb().stats.lookups, r.dtlb().stats.misses())]
            } else {
                vec![
                    (r.itlb().stats.lookups, r.itlb().stats.misses()),
                    (r.dtlb().stats.lookups, r.dtlb().stats.misses()),
                ]
            };
            let predicted: Vec<(u64, u64)> = curves.iter().map(|c| (c.lookups, c.misses_at(n))).collect();
            assert_eq!(predicted, measured, "{n} entries, unified {unified}");
        }
        for c in &curves {
            assert!(c.misses.windows(2).all(|w| w[0] >= w[1]), "more entries never miss more (LRU inclusion)");
        }
    }
}

#[test]
fn second_level_counters_reconcile() {
    let l1 = MmuConfig { dtlb: tlb(4, 2, Policy::Lru), itlb: tlb(2, 2, Policy::Lru), ..MmuConfig::default() };
    let (plain, _) = kernel_run(l1, false);
    let (with_l2, _) = kernel_run(MmuConfig { l2: Some(tlb(32, 4, Policy::Lru)), ..l1 }, false);
    let (with_pwc, _) = kernel_run(MmuConfig { pwc: Some(PwcConfig { entries: [2, 8] }), ..l1 }, false);

    // An L2 TLB changes nothing the L1 TLBs see; it is looked up on every
    // L1 miss, and only its misses (and stores to clean entries) walk.
    assert_eq!(with_l2.tlbs, plain.tlbs);
    let l1_misses: u64 = with_l2.tlbs.iter().map(|t| t.stats.misses()).sum();
    let l2 = with_l2.l2.as_ref().expect("L2 reported").stats;
    assert_eq!(l2.lookups, l1_misses);
    assert_eq!(with_l2.walk.walks, l2.misses() + with_l2.walk.dirty_walks);
    assert!(l2.hits > 0 && with_l2.walk.walks < plain.walk.walks);
    assert_eq!(plain.walk.walks, l1_misses + plain.walk.dirty_walks);

    // A page-walk cache changes only how many PTEs each walk reads: the
    // MID level is probed by every walk, ROOT by MID's misses, and every
    // hit saves the reads it skips.
    let (config, p) = with_pwc.pwc.expect("PWC reported");
    assert_eq!(config.entries, [2, 8]);
    assert_eq!(with_pwc.tlbs, plain.tlbs);
    assert_eq!(with_pwc.walk.walks, plain.walk.walks);
    assert_eq!(p.lookups[1], with_pwc.walk.walks);
    assert_eq!(p.lookups[0], p.lookups[1] - p.hits[1]);
    assert!(p.hits[1] > 0);
    assert_eq!(with_pwc.walk.pte_reads + p.reads_saved(), plain.walk.pte_reads);
    let cost = |r: &Report| r.cost(&Default::default()).translation;
    assert!(cost(&with_pwc) < cost(&plain) && cost(&with_l2) < cost(&plain));
}

#[test]
fn sweep_replays_a_recorded_trace_deterministically() {
    let trace = TempPath::new("sweep.trc");
    let swap = TempPath::new("sweep-swap.img");
    let r = rvmmu(&[
        "user",
        &format!("{GUESTS}/user/sort.elf"),
        "--frames",
        "64",
        "--swap",
        swap.as_str(),
        "--swap-size",
        "4M",
        "--record-trace",
        trace.as_str(),
    ]);
    r.check(r.status == Some(0), "recording run");
    let (csv1, csv2, curve) = (TempPath::new("s1.csv"), TempPath::new("s2.csv"), TempPath::new("curve.csv"));
    let sweep = |jobs: &str, csv: &TempPath| {
        let r = rvmmu(&[
            "sweep",
            "--trace",
            trace.as_str(),
            "--dtlb",
            "2x1,4x4,1x32",
            "--tlb-policy",
            "lru,random",
            "--l2tlb",
            "none,16x4",
            "--pwc",
            "none,2:4",
            "--jobs",
            jobs,
            "--csv",
            csv.as_str(),
            "--lru-curve",
            curve.as_str(),
        ]);
        r.check(r.status == Some(0), "sweep --trace");
        r.stdout
    };
    let (one, two) = (sweep("1", &csv1), sweep("2", &csv2));
    assert_eq!(one, two, "same table whatever the thread count");
    let c1 = std::fs::read_to_string(csv1.path()).unwrap();
    assert_eq!(c1, std::fs::read_to_string(csv2.path()).unwrap());
    assert_eq!(c1.lines().count(), 1 + 3 * 2 * 2 * 2, "header + shapes x policies x L2 x PWC");
    assert!(one.contains("fully associative LRU"));
    // The curve file has every size, misses never rising.
    let misses: Vec<u64> = std::fs::read_to_string(curve.path())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert!(misses.len() > 32 && misses.windows(2).all(|w| w[0] >= w[1]));
    // The 1x32 LRU row of the sweep (no L2, no PWC) equals the curve at 32.
    let row = c1.lines().find(|l| l.starts_with("lru,1,32,") && l.ends_with(",-,0,0,-,0,0")).expect("1x32 row");
    assert_eq!(row.split(',').nth(6).unwrap().parse::<u64>().unwrap(), misses[31]);
}

#[test]
fn bad_trace_files_are_one_line_errors() {
    let garbage = TempPath::file("garbage.trc", b"this is not a trace at all");
    let truncated = TempPath::file("truncated.trc", b"RVMMUTR1\x00\x01\x02");
    for path in [garbage.as_str(), truncated.as_str(), "/nonexistent/trace"] {
        let r = rvmmu(&["sweep", "--trace", path]);
        r.assert_no_panic();
        r.check(r.status == Some(2), "host error exit");
        r.check(r.stderr.trim().lines().count() == 1 && r.stderr.contains("trace"), "one line naming the trace");
    }
    let r = rvmmu(&["sweep", "--trace", garbage.as_str(), "--pwc", "0"]);
    r.check(r.status == Some(2) && r.stderr.contains("--pwc"), "bad --pwc list");
}

#[test]
fn svade_traces_replay_too() {
    let config = MmuConfig { ad: AdMode::Trap, dtlb: tlb(2, 2, Policy::Lru), ..MmuConfig::default() };
    let (full, bytes) = kernel_run(config, true);
    let trace = Trace::decode(&bytes[..]).unwrap();
    let replayed = Report::from_replay(&replay(&trace, &MmuConfig::default()), &trace.totals);
    // The replay takes the recorded A/D mode; the TLB shapes are its own.
    let again = Report::from_replay(&replay(&trace, &config), &trace.totals);
    assert_eq!(translation_part(&again), translation_part(&full));
    assert_eq!(replayed.instret, full.instret);
}
