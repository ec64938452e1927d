//! The LRU working-set theory on a guest program (guest/programs/pagecycle.c):
//! S-mode loads cycling over K = 48 distinct pages, 100 rounds. A fully
//! associative LRU D-TLB of at least K entries misses only on the first
//! touch of each page; one of K - 1 entries misses on every access. The
//! misses on the K pages are counted exactly through `--profile`'s
//! attribution by page.

mod common;

use common::{rvmmu, TempPath};

const ELF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/programs/pagecycle.elf");
const K: u64 = 48;
const ROUNDS: u64 = 100;
const WINDOW: u64 = 0x4000_0000;

/// D-TLB misses charged to the K pages of the window, and in all.
fn window_misses(dtlb: &str, policy: &str) -> (u64, u64) {
    let json = TempPath::new(&format!("theory-{dtlb}-{policy}.json"));
    let r = rvmmu(&["run", ELF, "--dtlb", dtlb, "--tlb-policy", policy, "--profile", "--stats-json", json.as_str()]);
    r.check(r.status == Some(0), "pagecycle runs");
    // The checksum the guest prints, recomputed: page word j holds j * φ64.
    let words = 4096 / 8;
    let sum = (0..ROUNDS)
        .flat_map(|r| (0..K).map(move |i| (i * words + (r & 7)).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        .fold(0u64, u64::wrapping_add);
    r.check(r.stdout.contains(&format!("checksum 0x{sum:016x}")), "the guest computed the right checksum");
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json.path()).unwrap()).unwrap();
    let in_window = s["profile"]["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter(|p| (WINDOW..WINDOW + K * 4096).contains(&p["addr"].as_u64().unwrap()))
        .map(|p| p["dtlb_misses"].as_u64().unwrap())
        .sum();
    (in_window, s["dtlb"]["misses"].as_u64().unwrap())
}

#[test]
fn k_entries_take_only_compulsory_misses() {
    for shape in ["1x48", "1x64", "1x256"] {
        assert_eq!(window_misses(shape, "lru").0, K, "{shape}: one miss per page");
    }
}

#[test]
fn k_minus_one_entries_miss_on_every_access() {
    let (window, total) = window_misses("1x47", "lru");
    assert_eq!(window, K * ROUNDS, "every load misses");
    assert!(total >= window);
    // FIFO behaves the same on a cyclic pattern; random replacement keeps
    // some pages and so misses less.
    assert_eq!(window_misses("1x47", "fifo").0, K * ROUNDS);
    let random = window_misses("1x47", "random").0;
    assert!(random < K * ROUNDS && random > K, "random: {random}");
}
