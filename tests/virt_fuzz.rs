//! vfuzz.elf (guest/virt/vfuzz.c, committed in guest/build/virt) on
//! rvmmu: 2000 seeded rounds of malformed virtqueues (descriptor loops,
//! next indexes out of range, buffers outside RAM or across its end, absurd
//! lengths, short headers, read-only status bytes, bad indirect tables,
//! runaway available indexes, notifications of missing queues, bad queue
//! layouts) and random register accesses of every size anywhere in the
//! transport window, against a virtio-blk disk on transport 0.
//!
//! The guest checks rvmmu against its own model of the transport and the
//! device (every register read, every byte the device may write, every
//! access fault) and, every 100 rounds, a well-formed read against the
//! disk's pattern; any difference makes it print FAIL and exit 1. Here the
//! run must end (instruction limit and wall-clock guard), exit 0 with the
//! summary line, and leave the disk file byte for byte as it was: the
//! fuzzer only ever reads, so any change is a stray write.
//!
//! Not compared with QEMU: QEMU may abort on malformed descriptors by
//! design, and ignores register accesses that rvmmu faults.

mod common;

use common::{Run, TempPath};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: u64 = 2000;
/// vfuzz.elf does a well-formed read of sector 0 and of another sector
/// every 100 rounds, and one of sector 0 at the end.
const WELL_FORMED_READS: u64 = 2 * ROUNDS / 100 + 1;
const SECTORS: usize = 64;
/// A run retires about 95 million instructions.
const MAX_INSNS: u64 = 1_000_000_000;
/// A run takes about a second; much longer means it hangs.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The disk: byte at offset o is (7 o + 13 (o / 512) + 0x3c) mod 256, as
/// vfuzz.c's disk_byte() expects.
fn disk_image() -> Vec<u8> {
    (0..SECTORS * 512).map(|o| (o * 7 + (o / 512) * 13 + 0x3c) as u8).collect()
}

fn elf() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build/virt/vfuzz.elf")
}

/// Run rvmmu with `args`, killing it after `TIMEOUT`.
fn run_guarded(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rvmmu");
    // Drain both pipes while waiting: the device's warnings fill stderr.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = pipe.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = out.join().unwrap();
            panic!("rvmmu still running after {TIMEOUT:?} (hang); killed. stdout so far:\n{stdout}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run { status: status.code(), stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

/// The numbers before each of `words` in `line` (`"12 resets"` -> 12).
fn counts(line: &str, words: &[&str]) -> Option<Vec<u64>> {
    let tokens: Vec<&str> = line.split([' ', ',', '(', ')']).filter(|t| !t.is_empty()).collect();
    words
        .iter()
        .map(|w| {
            let i = tokens.iter().position(|t| t == w)?;
            tokens.get(i.checked_sub(1)?)?.parse().ok()
        })
        .collect()
}

#[test]
fn vfuzz_malformed_virtqueues_and_register_abuse() {
    let image = disk_image();
    let disk = TempPath::file("vfuzz-disk.img", &image);
    let max = MAX_INSNS.to_string();
    let run = run_guarded(&["run", elf().to_str().expect("UTF-8 path"), "--disk", disk.as_str(), "--max-insns", &max]);
    run.assert_no_panic();
    run.check(!run.stdout.contains("FAIL"), "vfuzz found rvmmu differing from its model");
    run.check(run.status == Some(0), "vfuzz did not exit 0 (124 = instruction limit)");

    let last = run.stdout.lines().last().unwrap_or_default();
    let prefix = format!("vfuzz: {ROUNDS} rounds, ");
    run.check(last.starts_with(&prefix) && last.ends_with(" access faults, data ok"), "final line");
    let c = counts(last, &["rounds", "resets", "ioerr", "access"]).expect("counts in the final line");
    let (resets, ioerr, faults) = (c[1], c[2], c[3]);
    run.check(resets > 0 && ioerr > 0 && faults > 0, "every kind of outcome happened");

    // The summary above it: each structural fault was one reset, and the
    // well-formed reads all ran.
    let summary = |key: &str| run.stdout.lines().find(|l| l.contains(key)).unwrap_or_default().to_string();
    let s = counts(&summary("structural faults"), &["ok", "unsupp", "structural"]).expect("completions line");
    run.check(s[0] > 0 && s[1] > 0, "requests completed OK and UNSUPP too");
    run.check(s[2] == resets, "one reset per structural fault");
    let r = counts(&summary("well-formed reads"), &["well-formed"]).expect("well-formed reads line");
    run.check(r[0] == WELL_FORMED_READS, "all well-formed reads checked");

    let after = std::fs::read(disk.path()).expect("read the disk back");
    assert_eq!(after.len(), image.len(), "disk changed size");
    assert!(after == image, "disk contents changed: the fuzzer only reads");
    let path = disk.path().to_path_buf();
    drop(disk);
    assert!(!path.exists(), "temporary disk removed");
}
