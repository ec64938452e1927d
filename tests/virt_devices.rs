//! The virt-board guest programs (guest/virt, committed ELFs in
//! guest/build/virt): each runs through the `rvmmu` binary and must print
//! exactly the expected text and exit 0; when `qemu-system-riscv64` is on
//! PATH the same ELF also runs on QEMU's virt board (same disk contents,
//! same input, same boot arguments) and must print the same text.
//!
//! Where the expected text comes from — not from rvmmu: each program's
//! specification (its header comment) fixes what it prints: counts it
//! controls (5 timer interrupts of each kind, one THRE interrupt per byte
//! plus one), constants of QEMU's virt board (addresses, IRQ numbers, the
//! 10 MHz timebase, the 3686400 Hz UART clock, where QEMU puts the device
//! tree: end of RAM minus the blob, aligned down to 2 MiB), the virtio 1.x
//! specification (magic "virt", version 2, device ID 2, used lengths = bytes
//! written + the status byte, IOERR past the end), and the data this test
//! itself puts on the disks and feeds on stdin (hashes computed here).

mod common;

use common::TempPath;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const QEMU: &str = "qemu-system-riscv64";
/// A run that takes longer than this has hung (normal runs take well under
/// a second on either machine).
const TIMEOUT: Duration = Duration::from_secs(20);
const SECTOR: usize = 512;

fn elf(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build/virt").join(name);
    p.to_str().expect("UTF-8 path").to_string()
}

/// What one run of either machine produced.
struct Out {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `cmd` with `input` on its stdin (then closed), killing it after
/// `TIMEOUT`. `None` if the program does not exist.
fn run(mut cmd: Command, input: &[u8]) -> Option<Out> {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("spawn {cmd:?}: {e}"),
    };
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let out = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
            panic!("{cmd:?} still running after {TIMEOUT:?}; killed. stdout so far:\n{out}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = feeder.join();
    Some(Out {
        status: status.code(),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    })
}

/// A disk for either machine: the file and whether it is read-only.
struct Disk<'a> {
    path: &'a TempPath,
    read_only: bool,
}

fn run_rvmmu(program: &str, args: &[&str], disks: &[Disk], input: &[u8], max_insns: u64) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvmmu"));
    cmd.env_remove("RUST_LOG").arg("run").arg(elf(program));
    for d in disks {
        let spec = format!("{}{}", d.path.as_str(), if d.read_only { ",ro" } else { "" });
        cmd.arg("--disk").arg(spec);
    }
    cmd.args(args).arg("--max-insns").arg(max_insns.to_string());
    run(cmd, input).expect("the rvmmu binary exists")
}

/// The same program on QEMU's virt board (`mem` e.g. "128M"), disks on
/// transports 0, 1, ... with the modern interface; `None` without QEMU.
fn run_qemu(program: &str, mem: &str, append: Option<&str>, disks: &[Disk], input: &[u8]) -> Option<Out> {
    let mut cmd = Command::new(QEMU);
    cmd.args(["-machine", "virt", "-bios", "none", "-nographic", "-m", mem]);
    cmd.args(["-global", "virtio-mmio.force-legacy=false"]);
    for (i, d) in disks.iter().enumerate() {
        let ro = if d.read_only { ",readonly=on" } else { "" };
        cmd.arg("-drive").arg(format!("file={},if=none,format=raw,id=d{i}{ro}", d.path.as_str()));
        cmd.arg("-device").arg(format!("virtio-blk-device,drive=d{i},bus=virtio-mmio-bus.{i}"));
    }
    cmd.arg("-kernel").arg(elf(program));
    if let Some(a) = append {
        cmd.arg("-append").arg(a);
    }
    run(cmd, input)
}

fn skipped() {
    println!("skipped: {QEMU} not found");
}

/// The run exited 0 and printed exactly `expected`.
fn assert_output(machine: &str, out: &Out, expected: &str) {
    assert!(
        out.status == Some(0) && out.stdout == expected,
        "{machine}: exit status {:?}\n--- expected ---\n{expected}--- got ---\n{}--- stderr ---\n{}",
        out.status,
        out.stdout,
        out.stderr
    );
}

// ---------------------------------------------------------------- timer

const TIMER_EXPECTED: &str = "\
timer: M-mode timer, CLINT mtimecmp, vectored mtvec
  mtvec mode: vectored
  mtimecmp in the past: MTIP = 1, in the far future: MTIP = 0
  interrupts taken: 5 (through vector slot 7)
  mcause: 0x8000000000000007
  none before mtimecmp: yes
  MTIP after disarming: 0
timer: WFI with the machine timer armed
  mtvec mode: direct
  wfi wake-ups with mstatus.MIE = 0: 5, MTIP pending each time: yes
  wfi then handler with mstatus.MIE = 1: 5 interrupts, none before mtimecmp: yes
timer: S-mode timer through Sstc (stimecmp)
  menvcfg.STCE = 1, mcounteren.TM = 1, mideleg.STI = 1
  running in S-mode: time CSR readable: yes
  stimecmp in the past: sip.STIP = 1, in the far future: sip.STIP = 0
  interrupts taken in S-mode: 5
  scause: 0x8000000000000005
  none before stimecmp: yes
  wfi wake-ups in S-mode with sstatus.SIE = 0: 5, STIP pending each time: yes
  sip.STIP after disarming: 0
timer: done
";

#[test]
fn timer_machine_wfi_and_sstc_interrupts() {
    // About 2 million instructions (two busy waits of 5 x 2000 ticks).
    let out = run_rvmmu("timer.elf", &[], &[], b"", 20_000_000);
    assert_output("rvmmu", &out, TIMER_EXPECTED);
    match run_qemu("timer.elf", "128M", None, &[], b"") {
        Some(q) => assert_output("qemu", &q, &out.stdout),
        None => skipped(),
    }
}

// ----------------------------------------------------------------- uart

/// The line uart.elf sends from its THRE interrupt handler.
const THRE_LINE: &str = "  this line was sent by the THRE interrupt handler, one byte per interrupt\n";

fn uart_expected(line: &str) -> String {
    let hash = line.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let n = THRE_LINE.len();
    format!(
        "\
uart: polled transmit (LSR.THRE)
  LCR: 0x3, divisor latch: 2, MCR: 0xb, scratch: 0x5a
  IIR with no interrupt enabled: 0x1
  LSR.TEMT after polled output: 1
uart: receive interrupts, PLIC source 10 -> context 1 (S-mode)
  priority 1, enabled for context 1: yes, for context 0: no, threshold 0
  running in S-mode; type a line:
  echo: {line}
  received {len} bytes: \"{line}\"
  hash (h = 31h + byte): {hash:#x}
  taken through data-ready interrupts: yes
uart: THRE-interrupt-driven transmit
{THRE_LINE}  THRE interrupts: {irqs} for {n} bytes (one per byte, one to finish)
  each PLIC claim of source 10 found THRE pending: yes
  PLIC claims of other sources: 0
uart: done
",
        len = line.len(),
        irqs = n + 1,
    )
}

#[test]
fn uart_polled_output_rx_interrupts_and_thre_transmit() {
    let line = "Hello, virt UART!";
    let input = format!("{line}\n");
    let expected = uart_expected(line);
    let out = run_rvmmu("uart.elf", &[], &[], input.as_bytes(), 5_000_000);
    assert_output("rvmmu", &out, &expected);
    match run_qemu("uart.elf", "128M", None, &[], input.as_bytes()) {
        Some(q) => assert_output("qemu", &q, &out.stdout),
        None => skipped(),
    }
}

// ------------------------------------------------------------------ fdt

/// What fdt.elf prints for a board with `mem_mib` MiB of RAM and the given
/// boot arguments. QEMU places the blob (a few KiB) at the end of RAM
/// aligned down to 2 MiB: RAM end - 2 MiB.
fn fdt_expected(mem_mib: u64, bootargs: Option<&str>) -> String {
    let ram_end = 0x8000_0000u64 + (mem_mib << 20);
    let dtb = ram_end - (2 << 20);
    let bootargs = match bootargs {
        Some(a) => format!("\"{a}\""),
        None => "(none)".into(),
    };
    format!(
        "\
fdt: device tree from a1
  a0 (hart id): 0, a1: {dtb:#x}
  magic 0xd00dfeed, version 17, last compatible version 16
  blocks inside totalsize and aligned: yes
  memory reservations: 0
  model: \"riscv-virtio,qemu\", compatible: \"riscv-virtio\"
  memory nodes: 1, /memory@80000000: reg 0x80000000 size {size:#x} ({mem_mib} MiB)
  /chosen/bootargs: {bootargs}
  /chosen/stdout-path: \"/soc/serial@10000000\"
  /cpus: timebase-frequency 10000000, cpu nodes: 1
  uart /soc/serial@10000000: reg 0x10000000 size 0x100, interrupts 10, clock-frequency 3686400
  virtio,mmio nodes: 8, reg = 0x10001000 + 0x1000 * (interrupts - 1) for all: yes
  first virtio (lowest address) /soc/virtio_mmio@10001000: reg 0x10001000 size 0x1000, interrupts 1
  clint: reg 0x2000000 size 0x10000
  plic: reg 0xc000000 size 0x600000
  test device: reg 0x100000 size 0x1000
fdt: done
",
        size = mem_mib << 20,
    )
}

#[test]
fn fdt_memory_chosen_uart_and_virtio_nodes() {
    let args = "frames=64 policy=clock seed=7";
    let out = run_rvmmu("fdt.elf", &["--append", args], &[], b"", 5_000_000);
    assert_output("rvmmu", &out, &fdt_expected(128, Some(args)));
    let out256 = run_rvmmu("fdt.elf", &["--mem", "256M"], &[], b"", 5_000_000);
    assert_output("rvmmu --mem 256M", &out256, &fdt_expected(256, None));
    match run_qemu("fdt.elf", "128M", Some(args), &[], b"") {
        Some(q) => {
            assert_output("qemu", &q, &out.stdout);
            let q256 = run_qemu("fdt.elf", "256M", None, &[], b"").expect("qemu ran once already");
            assert_output("qemu -m 256M", &q256, &out256.stdout);
        }
        None => skipped(),
    }
}

// ------------------------------------------------------------------ blk

/// Disk 0: 128 sectors; byte at offset o is (13 o + o / 512) mod 256,
/// except that sector 0 starts with a NUL-terminated text.
fn disk0_image() -> Vec<u8> {
    let mut d: Vec<u8> = (0..128 * SECTOR).map(|o| (o * 13 + o / SECTOR) as u8).collect();
    let text = b"RVMMU virtio-blk test disk 0\0";
    d[..text.len()].copy_from_slice(text);
    d
}

/// Disk 1 (read-only): 16 sectors of zeros after a text.
fn disk1_image() -> Vec<u8> {
    let mut d = vec![0u8; 16 * SECTOR];
    let text = b"RVMMU virtio-blk test disk 1 (read-only)\0";
    d[..text.len()].copy_from_slice(text);
    d
}

/// What blk.elf writes to sector 1 of disk 0: byte j = 7 j + 3.
fn pattern() -> Vec<u8> {
    (0..SECTOR).map(|j| (j * 7 + 3) as u8).collect()
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ b as u32).wrapping_mul(16_777_619))
}

/// The text in the first 64 bytes of a sector, up to NUL or newline.
fn sector_text(sector: &[u8]) -> String {
    let head = &sector[..64];
    let n = head.iter().position(|&b| b == 0 || b == b'\n').unwrap_or(64);
    String::from_utf8(head[..n].to_vec()).expect("ASCII text")
}

fn transport_header(i: usize, id: u32) -> String {
    let name = if id == 2 { " (block)" } else { " (none)" };
    format!(
        "blk: transport {i} at {base:#x}\n  magic 0x74726976 (\"virt\"), version 2, device id {id}{name}, vendor 0x554d4551\n",
        base = 0x1000_1000 + 0x1000 * i
    )
}

fn device_setup(ro: bool) -> String {
    let (offered_ro, accepted_ro) = if ro { ("yes", " | RO") } else { ("no", "") };
    format!(
        "  offered: VERSION_1 yes, FLUSH yes, BLK_SIZE yes, RO {offered_ro}
  accepted VERSION_1 | FLUSH | BLK_SIZE{accepted_ro}, FEATURES_OK kept: yes
  queue 0: ready before set-up 0, QueueNumMax >= 8: yes, using 8 entries
  queue ready: 1, status: 0xf
"
    )
}

/// What blk.elf prints for these disk images (disk 1 read-only).
fn blk_expected(d0: &[u8], d1: Option<&[u8]>) -> String {
    let cap0 = d0.len() / SECTOR;
    let s0 = &d0[..SECTOR];
    let hex16: Vec<String> = s0[..16].iter().map(|b| format!("{b:02x}")).collect();
    let mut t = transport_header(0, 2);
    t += &device_setup(false);
    t += &format!(
        "  capacity: {cap0} sectors ({bytes} bytes), blk_size 512
  read sector 0: status 0, used len 513
  sector 0 bytes 0-15: {hex}
  sector 0 text: \"{text}\"
  sector 0 fnv-1a: {h0:#x}
  read sectors 0-3 into two buffers: status 0, used len 2049
  sector 0 the same: yes, sectors 0-3 fnv-1a: {h03:#x}
  sector 1 before: fnv-1a {h1:#x}
  write the pattern to sector 1: status 0, used len 1
  flush: status 0, used len 1
  read sector 1 back: status 0, used len 513
  sector 1 holds the pattern: yes
  sector 2 unchanged: yes
  read at sector {cap0} (the capacity): status 1 (IOERR)
  requests: 7, each completed with its interrupt: yes, InterruptStatus now: 0x0
",
        bytes = d0.len(),
        hex = hex16.join(" "),
        text = sector_text(s0),
        h0 = fnv1a(s0),
        h03 = fnv1a(&d0[..4 * SECTOR]),
        h1 = fnv1a(&d0[SECTOR..2 * SECTOR]),
    );
    match d1 {
        Some(d1) => {
            t += &transport_header(1, 2);
            t += &device_setup(true);
            t += &format!(
                "  capacity: {cap} sectors ({bytes} bytes), blk_size 512
  read sector 0: status 0, used len 513
  sector 0 text: \"{text}\"
  write to the read-only disk: status 1 (IOERR)
  sector 0 unchanged: yes
  requests: 3, each completed with its interrupt: yes
",
                cap = d1.len() / SECTOR,
                bytes = d1.len(),
                text = sector_text(&d1[..SECTOR]),
            );
        }
        None => t += &transport_header(1, 0),
    }
    t += "blk: transports 2-7 present and empty (device id 0): 6 of 6\n  interrupts from other sources: 0\nblk: done\n";
    t
}

/// After a run: disk 0 is the original image with the pattern in sector
/// 1; disk 1 is untouched.
fn check_disks_after(machine: &str, d0: &TempPath, d1: Option<&TempPath>) {
    let mut want = disk0_image();
    want[SECTOR..2 * SECTOR].copy_from_slice(&pattern());
    let got = std::fs::read(d0.path()).expect("read disk 0 back");
    assert_eq!(got.len(), want.len(), "{machine}: disk 0 changed size");
    assert!(got[SECTOR..2 * SECTOR] == want[SECTOR..2 * SECTOR], "{machine}: sector 1 does not hold the pattern");
    assert!(got == want, "{machine}: disk 0 changed outside sector 1");
    if let Some(d1) = d1 {
        assert!(
            std::fs::read(d1.path()).expect("read disk 1 back") == disk1_image(),
            "{machine}: read-only disk 1 changed"
        );
    }
}

#[test]
fn blk_two_disks_read_write_flush_and_read_only() {
    let expected = blk_expected(&disk0_image(), Some(&disk1_image()));
    let d0 = TempPath::file("virt-blk-d0.img", &disk0_image());
    let d1 = TempPath::file("virt-blk-d1.img", &disk1_image());
    let disks = [Disk { path: &d0, read_only: false }, Disk { path: &d1, read_only: true }];
    let out = run_rvmmu("blk.elf", &[], &disks, b"", 5_000_000);
    assert_output("rvmmu", &out, &expected);
    check_disks_after("rvmmu", &d0, Some(&d1));

    let q0 = TempPath::file("virt-blk-q0.img", &disk0_image());
    let q1 = TempPath::file("virt-blk-q1.img", &disk1_image());
    let qdisks = [Disk { path: &q0, read_only: false }, Disk { path: &q1, read_only: true }];
    match run_qemu("blk.elf", "128M", None, &qdisks, b"") {
        Some(q) => {
            assert_output("qemu", &q, &out.stdout);
            check_disks_after("qemu", &q0, Some(&q1));
        }
        None => skipped(),
    }
}

#[test]
fn blk_one_disk_leaves_transport_1_empty() {
    let expected = blk_expected(&disk0_image(), None);
    let d0 = TempPath::file("virt-blk1-d0.img", &disk0_image());
    let out = run_rvmmu("blk.elf", &[], &[Disk { path: &d0, read_only: false }], b"", 5_000_000);
    assert_output("rvmmu", &out, &expected);
    check_disks_after("rvmmu", &d0, None);

    let q0 = TempPath::file("virt-blk1-q0.img", &disk0_image());
    match run_qemu("blk.elf", "128M", None, &[Disk { path: &q0, read_only: false }], b"") {
        Some(q) => {
            assert_output("qemu", &q, &out.stdout);
            check_disks_after("qemu", &q0, None);
        }
        None => skipped(),
    }
}
