//! `--profile` and `--interval`: the attribution and the interval samples
//! reconcile with the run's totals.

use std::process::Command;

const ELF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/tests/vm.elf");

#[test]
fn profile_and_intervals_reconcile_with_totals() {
    let dir = std::env::temp_dir();
    let json = dir.join(format!("rvmmu-profile-{}.json", std::process::id()));
    let csv = dir.join(format!("rvmmu-intervals-{}.csv", std::process::id()));
    let svg = dir.join(format!("rvmmu-intervals-{}.svg", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(["run", ELF, "--profile", "--stats", "--interval", "1000"])
        .args(["--stats-json", json.to_str().unwrap(), "--interval-csv", csv.to_str().unwrap()])
        .args(["--interval-svg", svg.to_str().unwrap()])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("top guest pcs") && stderr.contains("top virtual pages"));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = std::fs::read_to_string(&csv).unwrap();
    let plot = std::fs::read_to_string(&svg).unwrap();
    let _ = (std::fs::remove_file(&json), std::fs::remove_file(&csv), std::fs::remove_file(&svg));
    assert!(plot.contains("D-TLB misses") && plot.contains("page faults"), "the interval plot has its series");

    // The JSON lists every pc and page that was charged.
    let sum = |list: &str, field: &str| -> u64 {
        s["profile"][list].as_array().unwrap().iter().map(|e| e[field].as_u64().unwrap()).sum()
    };
    let total = |tlb: &str| s[tlb]["misses"].as_u64().unwrap();
    let faults: u64 = ["12", "13", "15"].iter().map(|c| s["page_faults"][*c].as_u64().unwrap()).sum();
    for list in ["pcs", "pages"] {
        assert_eq!(sum(list, "itlb_misses"), total("itlb"), "{list}: every I-TLB miss attributed");
        assert_eq!(sum(list, "dtlb_misses"), total("dtlb"), "{list}: every D-TLB miss attributed");
        assert_eq!(sum(list, "page_faults"), faults, "{list}: every page fault attributed");
    }

    // Interval rows: boundaries every 1000 instructions, deltas summing to
    // the totals.
    let mut lines = rows.lines();
    assert!(lines.next().unwrap().starts_with("instret_end,instret,"));
    let data: Vec<Vec<u64>> = lines.map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
    for (i, r) in data.iter().enumerate().take(data.len() - 1) {
        assert_eq!(r[0], 1000 * (i as u64 + 1));
    }
    let col = |c: usize| data.iter().map(|r| r[c]).sum::<u64>();
    assert_eq!(col(1), s["instret"].as_u64().unwrap());
    assert_eq!(col(3), total("itlb"));
    assert_eq!(col(5), total("dtlb"));
    assert_eq!(col(6), s["walks"].as_u64().unwrap());
    assert_eq!(col(7), faults);
}

#[test]
fn profile_names_functions_from_the_symbol_table() {
    let elf = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/programs/tlbdemo.elf");
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(["run", elf, "--profile", "--stats", "--max-insns", "15000000"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(124), "stopped by the instruction limit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let table = stderr.split("top guest pcs").nth(1).expect("profile table");
    // Phase c (random accesses over 16 MiB of 4 KiB pages, in
    // phase_random) misses on almost every access, far more than the
    // page-stride phase before it: its load tops the table.
    let first = table.lines().nth(2).expect("a row");
    assert!(first.contains("phase_random"), "{first}");
}
