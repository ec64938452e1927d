//! Compiled code counts exactly what threaded code counts. Each guest runs
//! three times: with `--no-jit` (every block threaded), with `--jit-after 1
//! --jit-sync` (every block compiled on its second run, so compiled code
//! runs almost everything) and with `--jit-after 1` (compiled in the
//! background: blocks switch to compiled code at times of the host's
//! choosing). Every counter of `--stats-json` and the guest's output must
//! be the same: on bare-metal and Sv39 workloads under each replacement
//! policy (compiled code takes D-TLB hits of remembered entries itself),
//! on the own ISA tests (LR/SC, misaligned and faulting accesses,
//! interrupts, self-modifying code), and on the guest kernel (MMIO, DMA
//! into code pages, swap).

mod common;

use common::stats_and_output as run;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn same_counts(args: &[&str], name: &str) {
    let args: Vec<String> = args.iter().map(|a| a.replace('@', ROOT)).collect();
    let with = |flags: &[&str]| {
        let mut a = args.clone();
        a.extend(flags.iter().map(|f| f.to_string()));
        a
    };
    let (threaded, out_threaded) = run(&with(&["--no-jit"]), &format!("{name}-threaded"));
    let (compiled, out_compiled) = run(&with(&["--jit-after", "1", "--jit-sync"]), &format!("{name}-compiled"));
    let (background, out_background) = run(&with(&["--jit-after", "1"]), &format!("{name}-background"));
    assert!(threaded["instret"].as_u64().unwrap() > 100, "{name}: the guest ran");
    assert_eq!(threaded, compiled, "{name}: counters of threaded and compiled code");
    assert_eq!(out_threaded, out_compiled, "{name}: guest output");
    assert_eq!(threaded, background, "{name}: counters of threaded code and code compiled in the background");
    assert_eq!(out_threaded, out_background, "{name}: guest output, compiled in the background");
}

#[test]
fn workloads_count_the_same_compiled() {
    for w in ["int", "mem", "chase"] {
        for mode in ["bare", "sv39-1g", "sv39-4k"] {
            let elf = format!("@/guest/build/bench/{w}-{mode}.elf");
            same_counts(&["run", &elf, "--max-insns", "3000000"], &format!("{w}-{mode}"));
        }
    }
    for policy in ["lru", "fifo", "random", "plru"] {
        // A 2-entry fully associative I-TLB: jumps between code pages miss
        // its last entry, and which entry a miss replaces depends on the
        // touches of the others.
        let args = ["--itlb", "1x2", "--dtlb", "8x2", "--tlb-policy", policy, "--max-insns", "3000000"];
        for w in ["mem", "chase", "int"] {
            let elf = format!("@/guest/build/bench/{w}-sv39-4k.elf");
            let mut a = vec!["run", elf.as_str()];
            a.extend(args);
            same_counts(&a, &format!("{w}-{policy}"));
        }
    }
    // A 1-entry D-TLB: a block's loads from one page, then (a miss, in
    // Rust) from another, then from the first again miss every time;
    // compiled code must not take the last one for a repeat hit.
    // (chase's blocks do that; 20 M instructions reach such a pass.)
    let elf = "@/guest/build/bench/chase-sv39-4k.elf";
    same_counts(&["run", elf, "--dtlb", "1x1", "--max-insns", "20000000"], "chase-dtlb-1x1");
    same_counts(&["run", "@/guest/build/programs/tlbdemo.elf", "--tlb", "unified:4x2"], "tlbdemo-unified");
    same_counts(&["run", "@/guest/build/programs/tlbdemo.elf", "--ad", "trap"], "tlbdemo-ad-trap");
    // Returns that chain into the caller's page through a remembered
    // I-TLB entry: with 2 entries, which one the next call's miss evicts
    // depends on the return's LRU touch.
    for policy in ["lru", "fifo", "plru"] {
        let args = ["run", "@/guest/build/programs/codehop.elf", "--itlb", "1x2", "--tlb-policy", policy];
        same_counts(&args, &format!("codehop-{policy}"));
    }
}

#[test]
fn isa_tests_count_the_same_compiled() {
    for t in [
        "arith",
        "atomic",
        "branch",
        "compressed",
        "csr",
        "fp",
        "interrupt",
        "loadstore",
        "muldiv",
        "smc",
        "trap",
        "vm",
    ] {
        same_counts(&["run", &format!("@/guest/build/tests/{t}.elf")], t);
    }
}

#[test]
fn the_guest_kernel_counts_the_same_compiled() {
    same_counts(&["user", "@/guest/build/user/qsort.elf", "--frames", "24", "--ad", "trap"], "qsort");
    same_counts(&["user", "@/guest/build/user/sort.elf", "--frames", "16", "--policy", "fifo"], "sort");
    same_counts(&["user", "@/guest/build/user/hashtable.elf", "--frames", "32", "--tlb", "unified:16x4"], "hashtable");
}
