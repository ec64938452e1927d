//! Disk durability and exclusion through the `rvmmu` binary:
//!
//! - `kill -9` in the middle of a write-and-flush-heavy run
//!   (guest/virt/durable.c) leaves every write that the guest saw flushed
//!   on disk: run, SIGKILL, reopen (from this test and from a second
//!   rvmmu, which resumes after the newest record), verify, twice;
//! - a second rvmmu on a disk that another one has open for writing stops
//!   at once with a one-line error about the lock, and leaves the disk as
//!   it was; after a `kill -9` of the holder the disk is usable again.
//!
//! (A read-only disk that the guest tries to write staying byte-identical
//! is checked by tests/virt_devices.rs, with blk.elf's disk 1.)

mod common;

use common::{ElfSpec, TempPath};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const SECTOR: usize = 512;
/// Sectors of the test disk; durable.elf uses min(capacity, 64) of them.
const SECTORS: u64 = 64;
/// Rounds to see flushed in each run before its kill: one run per entry,
/// each resuming from what the previous one left.
const ROUNDS_PER_RUN: [u64; 5] = [400, 137, 1000, 61, 523];
/// A run that has not got there by now has hung (it takes well under a
/// second normally, even with a real fsync per round).
const TIMEOUT: Duration = Duration::from_secs(60);
/// Exit status of a host error.
const EXIT_HOST_ERROR: i32 = 2;

fn elf(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build/virt").join(name);
    p.to_str().expect("UTF-8 path").to_string()
}

/// durable.c's record of round `r` for sector `s`.
fn record(r: u64, s: u64) -> [u8; SECTOR] {
    let mut p = [0u8; SECTOR];
    p[..8].copy_from_slice(b"DURABLE\0");
    p[8..16].copy_from_slice(&r.to_le_bytes());
    p[16..24].copy_from_slice(&s.to_le_bytes());
    let mut x =
        r.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(s.wrapping_mul(0xbf58_476d_1ce4_e5b9)).wrapping_add(1);
    for i in 0..60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[24 + 8 * i..32 + 8 * i].copy_from_slice(&x.to_le_bytes());
    }
    let mut h: u32 = 0x811c_9dc5;
    for &b in &p[..508] {
        h = (h ^ b as u32).wrapping_mul(16_777_619);
    }
    p[508..].copy_from_slice(&h.to_le_bytes());
    p
}

/// The round whose record sector `s` holds, if it holds a valid one.
fn round_in(sector: &[u8], s: u64) -> Option<u64> {
    let r = u64::from_le_bytes(sector[8..16].try_into().unwrap());
    (r % SECTORS == s && sector == record(r, s)).then_some(r)
}

/// Check the disk after a kill: every sector holds a valid record at least
/// as new as the last round <= `flushed` that wrote it (none required where
/// no such round exists). Returns the newest round on the disk.
fn verify(disk: &[u8], flushed: u64) -> u64 {
    assert_eq!(disk.len() as u64, SECTORS * SECTOR as u64, "the disk changed size");
    let mut newest = 0;
    for s in 0..SECTORS {
        let bytes = &disk[s as usize * SECTOR..(s as usize + 1) * SECTOR];
        let needed = (flushed >= s).then(|| flushed - (flushed - s) % SECTORS);
        match (round_in(bytes, s), needed) {
            (Some(r), Some(n)) => assert!(r >= n, "sector {s} holds round {r}, but round {n} was flushed"),
            (Some(_), None) => {}
            (None, Some(n)) => panic!("sector {s} holds no valid record, but round {n} was flushed"),
            (None, None) => assert!(bytes.iter().all(|&b| b == 0), "sector {s}: neither zero nor a record"),
        }
        newest = newest.max(round_in(bytes, s).unwrap_or(0));
    }
    newest
}

/// A spawned rvmmu, SIGKILLed when dropped (also when a test fails).
struct Proc {
    child: Child,
    lines: Receiver<String>,
}

impl Proc {
    fn spawn(args: &[&str]) -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rvmmu");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc { child, lines }
    }

    /// The next line of stdout; panics at EOF or after `TIMEOUT`.
    fn line(&mut self, deadline: Instant) -> String {
        match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(l) => l,
            Err(RecvTimeoutError::Timeout) => panic!("no output from rvmmu for {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().expect("wait");
                let mut err = String::new();
                let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("rvmmu ended early ({status}); stderr:\n{err}");
            }
        }
    }

    /// SIGKILL, and check that it was the kill that ended it.
    fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("wait");
        assert_eq!(status.signal(), Some(9), "rvmmu ended by SIGKILL, not by itself ({status})");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One run of durable.elf on `disk`: check its scan line, read `flushed r`
/// lines until one `rounds` past the first, then kill -9. Returns the last
/// round it reported flushed.
fn run_and_kill(disk: &TempPath, scan: &str, first: u64, rounds: u64) -> u64 {
    let mut p = Proc::spawn(&["run", &elf("durable.elf"), "--disk", disk.as_str(), "--timeout", "300"]);
    let deadline = Instant::now() + TIMEOUT;
    assert_eq!(p.line(deadline), scan);
    let mut expect = first;
    loop {
        let line = p.line(deadline);
        assert_eq!(line, format!("flushed {expect}"), "rounds are reported in order");
        if expect >= first + rounds {
            break;
        }
        expect += 1;
    }
    p.kill9();
    expect
}

#[test]
fn kill_9_keeps_every_flushed_write() {
    let disk = TempPath::file("durable.img", &vec![0u8; SECTORS as usize * SECTOR]);
    // The first run starts on an empty disk; each later one reopens the
    // disk (so the killed one's lock is gone), finds every record, and
    // carries on after the newest.
    let mut newest = None;
    for rounds in ROUNDS_PER_RUN {
        let (scan, first) = match newest {
            None => ("durable: 64 sectors, 0 valid, newest round none".to_string(), 0),
            Some(n) => (format!("durable: 64 sectors, 64 valid, newest round {n}"), n + 1),
        };
        let k = run_and_kill(&disk, &scan, first, rounds);
        let n = verify(&std::fs::read(disk.path()).expect("reopen the disk"), k);
        assert!(n >= k);
        newest = Some(n);
    }
}

#[test]
fn record_matches_the_guest_format() {
    // Sanity of this file's copy of the format: fields where durable.c puts
    // them, and a record never valid for another round or sector.
    let r = record(1000, 1000 % SECTORS);
    assert_eq!(&r[..8], b"DURABLE\0");
    assert_eq!(round_in(&r, 1000 % SECTORS), Some(1000));
    assert_eq!(round_in(&r, 1001 % SECTORS), None);
    assert_ne!(record(1000, 8)[24..], record(1064, 8)[24..]);
    assert_eq!(round_in(&[0; SECTOR], 0), None);
}

/// Wait until another process holds a lock on `path` that excludes ours
/// (the first rvmmu has opened its disk); it takes milliseconds.
fn wait_until_locked(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let f = std::fs::File::open(path).expect("open the disk");
        match f.try_lock_shared() {
            Err(std::fs::TryLockError::WouldBlock) => return,
            Err(std::fs::TryLockError::Error(e)) => panic!("cannot test the lock on {}: {e}", path.display()),
            Ok(()) => {}
        }
        drop(f);
        assert!(Instant::now() < deadline, "the first rvmmu never locked its disk");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn second_writer_is_refused_and_changes_nothing() {
    let image: Vec<u8> = (0..16 * SECTOR).map(|i| (i * 31 % 251) as u8).collect();
    let disk = TempPath::file("locked.img", &image);
    let spin = TempPath::file("locked-spin.elf", &ElfSpec::default().build()); // `j .`

    // The first rvmmu holds the disk (its guest spins and never touches it).
    let mut first = Proc::spawn(&["run", spin.as_str(), "--disk", disk.as_str(), "--timeout", "300"]);
    wait_until_locked(disk.path());

    for spec in [disk.as_str().to_string(), format!("{},ro", disk.as_str())] {
        let out = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
            .args(["run", &elf("blk.elf"), "--disk", &spec, "--max-insns", "5000000"])
            .env_remove("RUST_LOG")
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("spawn rvmmu");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let what = format!("--disk {spec}: status {:?}, stderr:\n{stderr}", out.status.code());
        assert_eq!(out.status.code(), Some(EXIT_HOST_ERROR), "{what}");
        assert_eq!(lines.len(), 1, "one line: {what}");
        assert!(lines[0].starts_with("rvmmu: error: "), "{what}");
        assert!(lines[0].contains("locked") && lines[0].contains(disk.as_str()), "names the lock and the file: {what}");
        assert!(out.stdout.is_empty(), "the guest never ran: {what}");
        assert!(std::fs::read(disk.path()).unwrap() == image, "the disk changed: {what}");
    }

    // kill -9 releases the lock: the disk works again.
    first.kill9();
    assert!(std::fs::read(disk.path()).unwrap() == image, "the spinning guest changed the disk");
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu"))
        .args(["run", &elf("blk.elf"), "--disk", disk.as_str(), "--max-insns", "5000000"])
        .env_remove("RUST_LOG")
        .output()
        .expect("spawn rvmmu");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.ends_with("blk: done\n"), "after the kill: {stdout}");
}
