//! `--check-fences`: a guest that rewrites a PTE and uses the address before
//! its sfence.vma is reported exactly once, with pc, address and both
//! translations; correct guests report nothing; the counters do not change.

use std::process::Command;

fn run(elf: &str, extra: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu")).arg("run").arg(elf).args(extra).output().expect("runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

const STALE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/programs/stalefence.elf");
const VM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/tests/vm.elf");

#[test]
fn a_missing_fence_is_reported_once() {
    let (code, err) = run(STALE, &["--check-fences"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("fence check: 1 use(s) of stale TLB entries"), "{err}");
    // The guest reads word 1 of the page at 0x40000000 between remapping it
    // and executing sfence.vma.
    let line = err.lines().find(|l| l.contains("va 0x40000008")).expect("the stale use");
    assert!(line.contains("(s_main)") && line.contains("Load"), "{line}");
    assert!(line.contains("page table now maps it to"), "{line}");
}

#[test]
fn correct_guests_report_nothing_and_counters_are_unchanged() {
    let (code, err) = run(VM, &["--check-fences"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("fence check: 0 use(s)"), "{err}");
    let json = |name: &str, extra: &[&str]| {
        let p = std::env::temp_dir().join(format!("rvmmu-fence-{}-{name}.json", std::process::id()));
        let mut args = vec!["--stats-json", p.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (code, err) = run(VM, &args);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        v
    };
    assert_eq!(json("plain", &[]), json("checked", &["--check-fences"]), "the checker changes no counter");
}
