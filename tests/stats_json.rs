//! `rvmmu run --stats-json` on the project's Sv39 guest test: the JSON
//! parses, has the documented fields (docs/stats.md), and its numbers are
//! consistent: walks and misses happened, hits + misses = lookups, every
//! miss walked, and runs are deterministic.

use std::process::Command;

fn stats(extra: &[&str], name: &str) -> serde_json::Value {
    let out = std::env::temp_dir().join(format!("rvmmu-stats-{}-{name}.json", std::process::id()));
    let elf = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/tests/vm.elf");
    let status = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(["run", elf, "--stats-json", out.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(status.status.code(), Some(0), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(&out).expect("JSON written");
    let _ = std::fs::remove_file(&out);
    serde_json::from_str(&text).expect("valid JSON")
}

fn u(v: &serde_json::Value, path: &[&str]) -> u64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_u64().unwrap_or_else(|| panic!("{path:?} is not a number in {v}"))
}

#[test]
fn counters_are_present_consistent_and_deterministic() {
    let s = stats(&[], "default");
    assert_eq!(u(&s, &["schema"]), 1);
    assert!(u(&s, &["instret"]) > 0);
    for tlb in ["itlb", "dtlb"] {
        let (l, h, m) = (u(&s, &[tlb, "lookups"]), u(&s, &[tlb, "hits"]), u(&s, &[tlb, "misses"]));
        assert_eq!(h + m, l, "{tlb}: hits + misses = lookups");
        assert!(m > 0, "{tlb}: the guest's first touches miss");
    }
    assert_eq!(s["itlb"]["policy"], "lru");
    assert_eq!((u(&s, &["dtlb", "sets"]), u(&s, &["dtlb", "ways"])), (16, 4));
    let walks = u(&s, &["walks"]);
    let misses = u(&s, &["itlb", "misses"]) + u(&s, &["dtlb", "misses"]);
    assert!(walks >= misses, "every miss walks (clean-store re-walks come on top)");
    let by_level: u64 = ["0", "1", "2"].iter().map(|l| u(&s, &["walks_by_level", l])).sum();
    assert_eq!(by_level + u(&s, &["walk_faults"]), walks, "every walk ends in a leaf or a fault");
    assert!(u(&s, &["pte_reads"]) >= walks);
    assert!(u(&s, &["page_faults", "13"]) > 0 && u(&s, &["page_faults", "15"]) > 0, "vm.S takes load/store faults");
    assert!(u(&s, &["traps", "by_mode", "U", "8"]) > 0, "ecall from U counted by mode");
    assert_eq!(stats(&[], "again"), s, "same ELF and flags, same numbers");
}

#[test]
fn unified_tlb_and_trap_mode_are_reported() {
    let s = stats(&["--tlb", "unified:4x2", "--tlb-policy", "random", "--seed", "3", "--ad", "trap"], "unified");
    assert!(s.get("itlb").is_none() && s.get("dtlb").is_none());
    assert_eq!(s["tlb"]["policy"], "random");
    assert_eq!(u(&s, &["tlb", "hits"]) + u(&s, &["tlb", "misses"]), u(&s, &["tlb", "lookups"]));
    assert!(u(&s, &["tlb", "evictions"]) > 0, "a 4x2 TLB evicts");
    assert_eq!(u(&s, &["ad_updates"]), 0, "trap mode never writes A/D in hardware");
    let again = stats(&["--tlb", "unified:4x2", "--tlb-policy", "random", "--seed", "3", "--ad", "trap"], "u2");
    assert_eq!(again, s, "random policy is deterministic for a seed");
}
