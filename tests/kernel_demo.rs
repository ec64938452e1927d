//! The demo kernel (guest/kernel, committed ELF guest/build/kernel/kernel.elf)
//! running its user programs (guest/user, guest/build/user/*.elf) through the
//! `rvmmu` binary: disk 0 is the program's ELF file (read-only), disk 1 a swap
//! file this test creates (and removes), the boot arguments choose the frame
//! count and the replacement policy.
//!
//! Where the expected values come from — not from rvmmu:
//!   * `sort`'s checksum is recomputed here in Rust from the arithmetic the
//!     program's header comment specifies (four xorshift32 generators, sort,
//!     FNV-1a 64 over the sorted keys); it must come out the same for every
//!     frame count and policy, and in both A/D modes;
//!   * `stack`'s sum is the closed sum over n = 1..=1500 of n mod 251;
//!   * the kill messages and exit codes (100 + scause) are the kernel's
//!     documented interface (guest/kernel/README.md), scause the priv spec's
//!     exception codes (12 fetch, 13 load, 15 store page fault);
//!   * when `qemu-system-riscv64` is on PATH, the same kernel and programs
//!     run on QEMU's virt board and must print the very same text, the
//!     kernel's counters included.

mod common;

use common::TempPath;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const QEMU: &str = "qemu-system-riscv64";
/// `sort` retires about 15 million instructions; nothing needs more than this.
const MAX_INSNS: &str = "200000000";
/// A run that takes longer than this has hung (normal runs: well under 1 s).
const TIMEOUT: Duration = Duration::from_secs(20);
/// Swap file size: 1024 slots of 4 KiB.
const SWAP_BYTES: u64 = 4 << 20;

fn guest(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build").join(rel);
    p.to_str().expect("UTF-8 path").to_string()
}

fn kernel() -> String {
    guest("kernel/kernel.elf")
}

fn program(name: &str) -> String {
    guest(&format!("user/{name}.elf"))
}

/// A fresh all-zero swap file of `bytes`, removed when dropped.
fn swap_file(bytes: u64) -> TempPath {
    static N: AtomicUsize = AtomicUsize::new(0);
    let t = TempPath::new(&format!("kdemo-swap-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::File::create(t.path()).and_then(|f| f.set_len(bytes)).expect("create swap file");
    t
}

struct Out {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn check(&self, cond: bool, what: &str) {
        assert!(cond, "{what}\nstatus: {:?}\nstdout:\n{}\nstderr:\n{}", self.status, self.stdout, self.stderr);
    }

    /// The value the kernel printed as `name=N` in its counters.
    fn counter(&self, name: &str) -> u64 {
        let key = format!(" {name}=");
        let Some(at) = self.stdout.find(&key) else {
            self.check(false, &format!("no counter {name}"));
            unreachable!()
        };
        let digits: String = self.stdout[at + key.len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().expect("counter value")
    }
}

/// Run `cmd` (stdin closed), killing it after `TIMEOUT`; `None` if the
/// program does not exist.
fn run(mut cmd: Command) -> Option<Out> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("spawn {cmd:?}: {e}"),
    };
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {TIMEOUT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().expect("output");
    Some(Out {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The kernel on rvmmu with `prog` as disk 0, a swap file of `swap` bytes
/// as disk 1, boot arguments `append` and extra flags `extra`.
fn rvmmu(prog: &str, swap: u64, append: &str, extra: &[&str]) -> Out {
    let swap = swap_file(swap);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvmmu"));
    cmd.env_remove("RUST_LOG").arg("run").arg(kernel());
    cmd.arg("--disk").arg(format!("{},ro", program(prog)));
    cmd.arg("--disk").arg(swap.as_str());
    cmd.args(["--append", append, "--max-insns", MAX_INSNS]).args(extra);
    let out = run(cmd).expect("the rvmmu binary exists");
    out.check(!out.stderr.contains("panicked"), "rvmmu panicked");
    out
}

/// The same on QEMU's virt board; `None` without QEMU.
fn qemu(prog: &str, swap: u64, append: &str) -> Option<Out> {
    let swap = swap_file(swap);
    let mut cmd = Command::new(QEMU);
    cmd.args(["-machine", "virt", "-bios", "none", "-nographic", "-m", "128M"]);
    cmd.args(["-global", "virtio-mmio.force-legacy=false"]);
    cmd.arg("-drive").arg(format!("file={},if=none,format=raw,id=d0,readonly=on", program(prog)));
    cmd.args(["-device", "virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0"]);
    cmd.arg("-drive").arg(format!("file={},if=none,format=raw,id=d1", swap.as_str()));
    cmd.args(["-device", "virtio-blk-device,drive=d1,bus=virtio-mmio-bus.1"]);
    cmd.arg("-kernel").arg(kernel()).args(["-append", append]);
    run(cmd)
}

/// `sort`'s checksum, from its specification (guest/user/sort.c).
fn sort_checksum() -> u64 {
    let mut state = [0x1234_5678u32, 0x9abc_def1, 0x0bad_f00d, 0xdead_beef];
    let mut keys: Vec<u32> = (0..49152)
        .map(|i| {
            let s = &mut state[i % 4];
            *s ^= *s << 13;
            *s ^= *s >> 17;
            *s ^= *s << 5;
            *s
        })
        .collect();
    keys.sort_unstable();
    keys.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &k| (h ^ k as u64).wrapping_mul(0x0100_0000_01b3))
}

fn sort_line() -> String {
    format!("sort: 49152 keys sorted, checksum {:#018x}\n", sort_checksum())
}

#[test]
fn hello_prints_and_exits_0() {
    let out = rvmmu("hello", SWAP_BYTES, "frames=32 policy=clock", &[]);
    out.check(out.status == Some(0), "exit status 0");
    let expected = "hello, world from U-mode\n\
                    unknown syscall 12345 -> -1 (ENOSYS)\n\
                    write from address 0x100 -> -1\n\
                    sbrk: ok\n\
                    clock_gettime: ok\n\
                    kernel: program exited with code 0\n";
    out.check(out.stdout.contains(expected), "hello's lines, then the kernel's exit line");
    out.check(out.stdout.contains("kernel: 32 user frames, policy clock"), "boot arguments read");
    // Loaded lazily: one text page from the file, stack and heap zero-filled.
    out.check(out.counter("file") == 1 && out.counter("evict") == 0, "one file page, no eviction");
}

/// `sort` (96 pages of arrays) under one policy: the checksum for frames=8
/// and 32 (it pages: evictions, swap-outs and swap-ins) and with frames
/// enough (no eviction at all).
fn sort_with(policy: &str) {
    let want = sort_line();
    for frames in [8, 32] {
        let append = format!("frames={frames} policy={policy} seed=12345");
        let out = rvmmu("sort", SWAP_BYTES, &append, &[]);
        out.check(out.status == Some(0), &format!("{append}: exit status 0"));
        out.check(out.stdout.contains(&want), &format!("{append}: checksum line {want}"));
        for c in ["evict", "swapout", "swapin", "drop"] {
            out.check(out.counter(c) > 0, &format!("{append}: {c} > 0"));
        }
    }
    let out = rvmmu("sort", SWAP_BYTES, &format!("frames=200 policy={policy}"), &[]);
    out.check(out.status == Some(0) && out.stdout.contains(&want), "frames=200: checksum");
    out.check(out.counter("evict") == 0 && out.counter("swapin") == 0, "frames=200: nothing evicted");
}

#[test]
fn sort_fifo() {
    sort_with("fifo");
}

#[test]
fn sort_clock() {
    sort_with("clock");
}

#[test]
fn sort_random() {
    sort_with("random");
}

/// With `--ad trap` the hart faults instead of setting A/D (Svade); the
/// kernel sets them. Clock clears A bits, so those faults must happen.
#[test]
fn ad_trap_mode() {
    let out = rvmmu("sort", SWAP_BYTES, "frames=8 policy=clock", &["--ad", "trap"]);
    out.check(out.status == Some(0) && out.stdout.contains(&sort_line()), "sort, --ad trap: checksum");
    out.check(out.counter("ad") > 0 && out.counter("swapout") > 0, "A/D faults handled, pages swapped");
    let out = rvmmu("hello", SWAP_BYTES, "frames=8 policy=fifo", &["--ad", "trap"]);
    out.check(out.status == Some(0) && out.stdout.contains("hello, world from U-mode\n"), "hello, --ad trap");
}

#[test]
fn stack_grows_on_demand() {
    let sum: u64 = (1..=1500u64).map(|n| n % 251).sum();
    let line = format!("stack: depth 1500, sum {sum}\n");
    for append in ["frames=64 policy=clock", "frames=8 policy=fifo"] {
        let out = rvmmu("stack", SWAP_BYTES, append, &[]);
        out.check(out.status == Some(0) && out.stdout.contains(&line), &format!("{append}: {line}"));
        // About 770 KiB of stack: some 190 zero-filled pages.
        out.check(out.counter("zero") > 150, "stack pages zero-filled on demand");
    }
}

/// Two segments sharing a page, data not page aligned: every word of .data
/// arrives right, and survives eviction (frames=4).
#[test]
fn packed_segments() {
    let out = rvmmu("segments", SWAP_BYTES, "frames=4 policy=clock", &[]);
    out.check(out.status == Some(0) && out.stdout.contains("all words right (0 wrong)"), "segments");
    out.check(out.counter("swapin") > 0, "with swap-ins");
}

#[test]
fn bad_programs_are_killed() {
    let cases = [
        ("bad_null", 113, "killed: load page fault (scause 13) at address 0x0, pc 0x", ": address not mapped\n"),
        ("bad_text", 115, "killed: store page fault (scause 15) at address 0x1", ": page is not writable\n"),
        ("bad_exec", 112, "killed: instruction page fault (scause 12) at address 0x1", ": page is not executable\n"),
        (
            "bad_kernel",
            113,
            "killed: load page fault (scause 13) at address 0x80000000, pc 0x",
            ": not a user address (kernel or beyond, U = 0)\n",
        ),
        (
            "bad_stack",
            115,
            "killed: store page fault (scause 15) at address 0x7fe",
            ": address not mapped (below the 1 MiB stack limit)\n",
        ),
    ];
    for (prog, code, start, end) in cases {
        let out = rvmmu(prog, SWAP_BYTES, "frames=16", &[]);
        out.check(out.status == Some(code), &format!("{prog}: exit status {code}"));
        let line = out.stdout.lines().find(|l| l.starts_with("kernel: killed:")).unwrap_or("");
        out.check(
            line.starts_with(&format!("kernel: {start}")) && line.ends_with(end.trim_end()),
            &format!("{prog}: kill message"),
        );
        out.check(out.stdout.contains("kernel: page faults:"), "counters printed");
    }
}

#[test]
fn out_of_swap_ends_the_program() {
    let out = rvmmu("sort", 16 << 10, "frames=8 policy=clock", &[]);
    out.check(out.status == Some(120), "exit status 120");
    out.check(out.stdout.contains("kernel: out of swap space (4 slots)"), "message");
}

/// The same kernel and programs on QEMU print the same text, counters and
/// all (QEMU sets A and D in hardware, as rvmmu's default mode).
#[test]
fn same_output_on_qemu() {
    let runs = [
        ("hello", "frames=32 policy=clock"),
        ("sort", "frames=8 policy=fifo"),
        ("sort", "frames=32 policy=clock"),
        ("sort", "frames=8 policy=random seed=3"),
        ("bad_text", "frames=8"),
    ];
    for (prog, append) in runs {
        let Some(q) = qemu(prog, SWAP_BYTES, append) else {
            println!("skipped: {QEMU} not found");
            return;
        };
        let r = rvmmu(prog, SWAP_BYTES, append, &[]);
        assert!(
            r.status == q.status && r.stdout == q.stdout,
            "{prog} [{append}]: rvmmu exit {:?}, QEMU exit {:?}\n--- rvmmu ---\n{}--- QEMU ---\n{}--- QEMU stderr ---\n{}",
            r.status,
            q.status,
            r.stdout,
            q.stdout,
            q.stderr
        );
    }
}
