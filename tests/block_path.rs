//! The pre-decoded block path counts exactly what the one-instruction-at-a-
//! time path counts. `--profile` observes every instruction through a
//! tracer, which makes the hart run one instruction at a time (fetch,
//! decode cache, execute); so does `--record-trace` for translated code
//! (every access must reach the recorder); a plain run uses blocks. Every counter of
//! `--stats-json` (instret, I-TLB and D-TLB, walks, PTE reads, A/D updates,
//! page faults, traps, interrupts, disk traffic) and the guest's output
//! must be the same, on guests that exercise translation, superpages,
//! traps, timer interrupts, self-modifying code and code loaded by DMA
//! (the guest kernel demand-pages its programs from disk and reuses frames).

mod common;

use common::stats_and_output as run;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A plain run and a run with `single` (options that make the hart run
/// one instruction at a time) give the same counters and output.
fn same_counts(args: &[&str], single: &[&str], name: &str) {
    let mut args: Vec<String> = args.iter().map(|a| a.replace('@', ROOT)).collect();
    let (blocks, out_blocks) = run(&args, &format!("{name}-blocks"));
    args.extend(single.iter().map(|a| a.to_string()));
    let (one_at_a_time, out_single) = run(&args, &format!("{name}-single"));
    assert!(blocks["instret"].as_u64().unwrap() > 100, "{name}: the guest ran");
    assert_eq!(blocks, one_at_a_time, "{name}: counters of the block path and the one-at-a-time path");
    assert_eq!(out_blocks, out_single, "{name}: guest output");
}

#[test]
fn sv39_guests_count_the_same_on_both_paths() {
    let profile = ["--profile"];
    same_counts(&["run", "@/guest/build/programs/tlbdemo.elf", "--max-insns", "3000000"], &profile, "tlbdemo");
    same_counts(
        &["run", "@/guest/build/programs/tlbdemo.elf", "--tlb", "unified:4x2", "--max-insns", "2000000"],
        &profile,
        "tlbdemo-unified",
    );
    same_counts(&["run", "@/guest/build/bench/int-sv39-4k.elf", "--max-insns", "2000000"], &profile, "int-4k");
    same_counts(&["run", "@/guest/build/bench/rvc-sv39-1g.elf", "--max-insns", "2000000"], &profile, "rvc-1g");
    same_counts(&["run", "@/guest/build/tests/vm.elf"], &profile, "vm");
    same_counts(&["run", "@/guest/build/tests/interrupt.elf"], &profile, "interrupt");
    same_counts(&["run", "@/guest/build/tests/smc.elf"], &profile, "smc");
}

#[test]
fn the_guest_kernel_counts_the_same_on_both_paths() {
    let trace = std::env::temp_dir().join(format!("rvmmu-block-path-{}.trc", std::process::id()));
    let record = ["--record-trace", trace.to_str().unwrap()];
    // Few frames: text pages are evicted and their frames refilled by DMA
    // with other pages, code included.
    same_counts(&["user", "@/guest/build/user/qsort.elf", "--frames", "24", "--ad", "trap"], &record, "qsort");
    same_counts(&["user", "@/guest/build/user/segments.elf", "--frames", "8", "--policy", "fifo"], &record, "segments");
    let _ = std::fs::remove_file(&trace);
}
