//! The README's main job, `rvmmu demo`, runs to completion on the bundled
//! guests and shows both parts: the TLB demo and the paging kernel.

use std::process::Command;

#[test]
fn demo_runs_both_parts() {
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu")).args(["demo", "--frames", "8"]).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("phase d: random over 2 MiB (megapage)"), "{text}");
    assert!(text.contains("sort: 49152 keys sorted"), "{text}");
    // With 8 frames for 96+ pages the kernel must evict and swap.
    let swapouts: u64 = text
        .split("swapout=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the kernel's replacement counters");
    assert!(swapouts > 0, "{text}");
    assert!(text.contains("disk 1: requests"), "per-disk statistics: {text}");
    assert_eq!(text.matches("=== ").count(), 2);
}
