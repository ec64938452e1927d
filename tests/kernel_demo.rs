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
//!   * the virtual-memory workloads (`seqscan`, `random`, `matmul`, `qsort`,
//!     `ptrchase`, `hashtable`) print checksums that are recomputed here in
//!     Rust from the arithmetic each program's header comment specifies;
//!     every checksum-printing program runs under every policy with frames
//!     about one eighth of its working set (it must swap out and in) and
//!     with frames=4096 (nothing evicted), and prints the same lines;
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
/// The cap for the paging matrix: its programs retire at most some 28
/// million instructions (`matmul` with 13 frames), kernel included.
const VM_MAX_INSNS: &str = "60000000";
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
    rvmmu_capped(prog, swap, append, extra, MAX_INSNS)
}

/// [`rvmmu`] with `--max-insns max_insns`.
fn rvmmu_capped(prog: &str, swap: u64, append: &str, extra: &[&str], max_insns: &str) -> Out {
    let swap = swap_file(swap);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvmmu"));
    cmd.env_remove("RUST_LOG").arg("run").arg(kernel());
    cmd.arg("--disk").arg(format!("{},ro", program(prog)));
    cmd.arg("--disk").arg(swap.as_str());
    cmd.args(["--append", append, "--max-insns", max_insns]).args(extra);
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
                    printf: [-42] [    7] [ab  ] [00001234] [BEEF] [str] [z  ] [0x10000] [%] [  -123]\n\
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
        ("matmul", "frames=13 policy=random seed=5"),
        ("qsort", "frames=16 policy=fifo"),
        ("seqscan", "frames=24 policy=clock"),
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

// ---- The virtual-memory workloads: every policy, few frames and ample ----

const FNV0: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;
/// The golden-ratio multiplier the programs fill their arrays with.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

fn fnv(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(FNV_PRIME)
}

/// xorshift64 (13, 7, 17), as the programs' `next`.
fn xorshift64(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// guest/user/seqscan.c: 192 pages of u64, 8 passes, even ones rewriting.
fn seqscan_line() -> String {
    let mut a: Vec<u64> = (0..192 * 512u64).map(|i| i.wrapping_mul(GOLDEN)).collect();
    let mut h = FNV0;
    for p in 0..8u64 {
        let mut x = p;
        for w in a.iter_mut() {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(*w);
            if p % 2 == 0 {
                *w = x ^ (x >> 29);
            }
        }
        h = fnv(h, x);
    }
    format!("seqscan: 192 pages, 8 passes, checksum {h:#018x}\n")
}

/// guest/user/random.c: 16000 random reads and writes over 256 pages.
fn random_line() -> String {
    const W: u64 = 256 * 512;
    let mut a: Vec<u64> = (0..W).map(|i| i.wrapping_mul(GOLDEN)).collect();
    let (mut x, mut r, mut writes) = (0x2545_f491_4f6c_dd1du64, 0u64, 0);
    for _ in 0..16000 {
        let v = xorshift64(&mut x);
        let i = ((v >> 12) % W) as usize;
        if v & 1 == 1 {
            a[i] ^= v;
            writes += 1;
        } else {
            r = r.wrapping_mul(31).wrapping_add(a[i]);
        }
    }
    let h = fnv(a.iter().fold(FNV0, |h, &w| fnv(h, w)), r);
    format!("random: 256 pages, 16000 accesses ({writes} writes), checksum {h:#018x}\n")
}

/// guest/user/matmul.c, in integers: the entries are a/2 and b/4 for
/// small integers a, b, so 8 C[i][j] is the integer sum of a * b; naive
/// and blocked must both give this checksum.
fn matmul_line() -> String {
    const N: i64 = 112;
    let a = |i: i64, j: i64| (7 * i + 3 * j) % 13 - 6;
    let b = |i: i64, j: i64| (5 * i + 11 * j) % 17 - 8;
    let mut h = FNV0;
    for i in 0..N {
        for j in 0..N {
            h = fnv(h, (0..N).map(|k| a(i, k) * b(k, j)).sum::<i64>() as u64);
        }
    }
    format!("matmul: 112x112 doubles, naive checksum {h:#018x}, blocked checksum {h:#018x}\n")
}

/// guest/user/qsort.c: 65536 xorshift64 keys, sorted, FNV-1a over them.
fn qsort_line() -> String {
    let mut x = GOLDEN;
    let mut keys: Vec<u64> = (0..65536).map(|_| xorshift64(&mut x)).collect();
    keys.sort_unstable();
    let h = keys.iter().fold(FNV0, |h, &k| fnv(h, k));
    format!("qsort: 65536 keys sorted, checksum {h:#018x}\n")
}

/// guest/user/ptrchase.c: 8192 nodes linked in Fisher-Yates order, two laps.
fn ptrchase_line() -> String {
    const NODES: usize = 128 * 4096 / 64;
    let mut val: Vec<u64> = (0..NODES as u64).map(|i| i.wrapping_mul(GOLDEN)).collect();
    let mut perm: Vec<usize> = (0..NODES).collect();
    let mut x = 0x853c_49e6_748f_ea9bu64;
    for i in (1..NODES).rev() {
        let j = (xorshift64(&mut x) % (i as u64 + 1)) as usize;
        perm.swap(i, j);
    }
    let mut next = vec![0; NODES];
    for k in 0..NODES {
        next[perm[k]] = perm[(k + 1) % NODES];
    }
    let (mut p, mut h) = (perm[0], FNV0);
    for s in 0..2 * NODES {
        h = fnv(h, val[p]);
        if s < NODES {
            val[p] = h;
        }
        p = next[p];
    }
    assert_eq!(p, perm[0], "one cycle through all nodes");
    format!("ptrchase: 8192 nodes on 128 pages, 2 laps, back at the start, checksum {h:#018x}\n")
}

/// guest/user/hashtable.c: linear probing over 2^15 slots, 8000 inserts,
/// 8000 lookups (every other one a key inserted before).
fn hashtable_line() -> String {
    const BITS: u32 = 15;
    const SLOTS: usize = 1 << BITS;
    let mut table = vec![(0u64, 0u64); SLOTS];
    let find = |t: &[(u64, u64)], key: u64| {
        let mut i = (key.wrapping_mul(GOLDEN) >> (64 - BITS)) as usize;
        while t[i].0 != 0 && t[i].0 != key {
            i = (i + 1) % SLOTS;
        }
        i
    };
    let mut x = 0x0123_4567_89ab_cdefu64;
    for i in 0..8000u64 {
        let k = xorshift64(&mut x);
        let s = find(&table, k);
        table[s] = (k, i);
    }
    let (mut again, mut y) = (0x0123_4567_89ab_cdefu64, 0xfedc_ba98_7654_3210u64);
    let (mut h, mut hits) = (FNV0, 0);
    for j in 0..8000 {
        let k = if j % 2 == 0 { xorshift64(&mut again) } else { xorshift64(&mut y) };
        let s = table[find(&table, k)];
        let v = if s.0 == k {
            hits += 1;
            s.1
        } else {
            u64::MAX
        };
        h = fnv(h, v);
    }
    format!("hashtable: 32768 slots, 8000 keys inserted, {hits} of 8000 lookups found, checksum {h:#018x}\n")
}

fn stack_line() -> String {
    let sum: u64 = (1..=1500u64).map(|n| n % 251).sum();
    format!("stack: depth 1500, sum {sum}\n")
}

/// A checksum-printing program: its working set in pages (every page it
/// touches: text, data, bss, heap and stack, = the kernel's file + zero
/// counters with frames to spare, which the test checks) and its output.
struct Workload {
    name: &'static str,
    working_set: u64,
    line: fn() -> String,
}

impl Workload {
    /// The few frames: one eighth of the working set, rounded.
    fn frames(&self) -> u64 {
        ((self.working_set + 4) / 8).max(4)
    }
}

/// Working sets in pages: the program's arrays (or stack) plus its text,
/// small data and stack pages ("+ 3": text, the page of .data/.sdata or
/// the unaligned start of .bss, one stack page).
///   sort       96 (2 x 48 pages of keys, not page aligned) + 3 = 99  -> 12 frames
///   stack      178 stack pages + 1 text page = 179                   -> 22 frames
///   seqscan    192 + 3 = 195                                         -> 24 frames
///   random     256 heap pages + 3 = 259                              -> 32 frames
///   matmul     4 matrices x 25 pages + 3 = 103                       -> 13 frames
///   qsort      128 + 3 = 131                                         -> 16 frames
///   ptrchase   128 node pages + 8 of perm + 3 = 139                  -> 17 frames
///   hashtable  128 + 3 = 131                                         -> 16 frames
const WORKLOADS: [Workload; 8] = [
    Workload { name: "sort", working_set: 99, line: sort_line },
    Workload { name: "stack", working_set: 179, line: stack_line },
    Workload { name: "seqscan", working_set: 195, line: seqscan_line },
    Workload { name: "random", working_set: 259, line: random_line },
    Workload { name: "matmul", working_set: 103, line: matmul_line },
    Workload { name: "qsort", working_set: 131, line: qsort_line },
    Workload { name: "ptrchase", working_set: 139, line: ptrchase_line },
    Workload { name: "hashtable", working_set: 131, line: hashtable_line },
];

/// Frames enough for any of them: nothing is ever evicted.
const AMPLE_FRAMES: u64 = 4096;

/// The program's own output: every line but the kernel's.
fn program_lines(out: &Out) -> String {
    out.stdout.lines().filter(|l| !l.starts_with("kernel:")).map(|l| format!("{l}\n")).collect()
}

/// `name` under each policy with few frames and with ample frames: exit
/// 0, the expected line (and nothing else) from the program in every run;
/// with few frames pages are swapped out and in, with ample frames none.
/// The six runs go in two threads, three each (each run its own rvmmu
/// process and swap file); the harness runs the workloads' tests in
/// parallel too.
fn paging_matrix(name: &str) {
    let w = WORKLOADS.iter().find(|w| w.name == name).expect("a workload");
    let want = (w.line)();
    let small = w.frames();
    let runs: Vec<(String, bool)> = ["clock", "fifo", "random"]
        .iter()
        .flat_map(|p| {
            [
                (format!("frames={small} policy={p} seed=12345"), true),
                (format!("frames={AMPLE_FRAMES} policy={p} seed=12345"), false),
            ]
        })
        .collect();
    let outs: Vec<Out> = std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .chunks(runs.len().div_ceil(2))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(append, _)| rvmmu_capped(name, SWAP_BYTES, append, &[], VM_MAX_INSNS))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("run thread")).collect()
    });
    for ((append, few), out) in runs.iter().zip(&outs) {
        let what = format!("{name} [{append}]");
        out.check(out.status == Some(0), &format!("{what}: exit status 0"));
        out.check(out.stdout.contains("kernel: program exited with code 0\n"), &format!("{what}: exited"));
        out.check(program_lines(out) == want, &format!("{what}: the program prints exactly {want}"));
        let (swapout, swapin) = (out.counter("swapout"), out.counter("swapin"));
        if *few {
            out.check(swapout > 0 && swapin > 0, &format!("{what}: swap-outs and swap-ins"));
        } else {
            out.check(
                swapout == 0 && swapin == 0 && out.counter("evict") == 0,
                &format!("{what}: no eviction, no swapping"),
            );
            let touched = out.counter("file") + out.counter("zero");
            out.check(touched == w.working_set, &format!("{what}: working set {} pages", w.working_set));
        }
    }
}

#[test]
fn paging_matrix_sort() {
    paging_matrix("sort");
}

#[test]
fn paging_matrix_stack() {
    paging_matrix("stack");
}

#[test]
fn paging_matrix_seqscan() {
    paging_matrix("seqscan");
}

#[test]
fn paging_matrix_random() {
    paging_matrix("random");
}

#[test]
fn paging_matrix_matmul() {
    paging_matrix("matmul");
}

#[test]
fn paging_matrix_qsort() {
    paging_matrix("qsort");
}

#[test]
fn paging_matrix_ptrchase() {
    paging_matrix("ptrchase");
}

#[test]
fn paging_matrix_hashtable() {
    paging_matrix("hashtable");
}
