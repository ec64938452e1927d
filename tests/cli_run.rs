//! `rvmmu run` on tiny hand-assembled guests: the exit status is the guest's
//! exit code (power-off device and HTIF), and `--trace` prints one line per
//! retired instruction in Spike's `--log-commits` format.
//!
//! The instruction words were checked with `riscv64-unknown-elf-as
//! -march=rv64i` and `riscv64-unknown-elf-objdump -d`.

mod common;

use common::*;

/// Stops a guest that failed to exit long before it could hang the test.
const LIMIT: &str = "100000";

/// `lui t0, 0x100` — t0 = 0x100000, the SiFive test (power-off) device.
const LUI_T0_0X100: u32 = 0x0010_02b7;
/// `lui t1, 0x5`
const LUI_T1_0X5: u32 = 0x0000_5337;
/// `addi t1, t1, 0x555` — t1 = 0x5555: power off, pass.
const ADDI_T1_0X555: u32 = 0x5553_0313;
/// `lui t1, 0x73`
const LUI_T1_0X73: u32 = 0x0007_3337;
/// `addi t1, t1, 0x333` — t1 = 0x73333 = 0x3333 | 7 << 16: power off, code 7.
const ADDI_T1_0X333: u32 = 0x3333_0313;
/// `sw t1, 0(t0)`
const SW_T1_0_T0: u32 = 0x0062_a023;

/// A guest that writes `hi20 << 12 | lo12` to the power-off device, then
/// loops (so that if the write were ignored it would hit the limit).
fn power_off_guest(lui_t1: u32, addi_t1: u32) -> Vec<u8> {
    words(&[LUI_T0_0X100, lui_t1, addi_t1, SW_T1_0_T0, J_SELF])
}

fn exit0_elf() -> Vec<u8> {
    ElfSpec { code: power_off_guest(LUI_T1_0X5, ADDI_T1_0X555), ..ElfSpec::default() }.build()
}

/// Cross-check the constants above against a tiny encoder.
#[test]
fn encodings() {
    fn u_type(op: u32, rd: u32, imm20: u32) -> u32 {
        (imm20 << 12) | (rd << 7) | op
    }
    fn i_type(op: u32, f3: u32, rd: u32, rs1: u32, imm12: u32) -> u32 {
        (imm12 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
    }
    fn s_type(op: u32, f3: u32, rs1: u32, rs2: u32, imm12: u32) -> u32 {
        ((imm12 >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm12 & 0x1f) << 7) | op
    }
    let (t0, t1) = (5, 6);
    assert_eq!(u_type(0x37, t0, 0x100), LUI_T0_0X100);
    assert_eq!(u_type(0x37, t1, 0x5), LUI_T1_0X5);
    assert_eq!(i_type(0x13, 0, t1, t1, 0x555), ADDI_T1_0X555);
    assert_eq!(u_type(0x37, t1, 0x73), LUI_T1_0X73);
    assert_eq!(i_type(0x13, 0, t1, t1, 0x333), ADDI_T1_0X333);
    assert_eq!(s_type(0x23, 2, t0, t1, 0), SW_T1_0_T0);
    assert_eq!(u_type(0x6f, 0, 0), J_SELF, "jal x0, 0");
    assert_eq!((0x73 << 12) + 0x333, 0x3333 | (7 << 16));
}

#[test]
fn power_off_pass_exits_0() {
    let f = TempPath::file("power_off_pass_exits_0", &exit0_elf());
    let r = rvmmu(&["run", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(0), "expected exit status 0");
    r.check(r.stderr.is_empty(), "expected nothing on stderr");
    r.check(r.stdout.is_empty(), "expected nothing on stdout");
}

#[test]
fn power_off_fail_exits_with_code() {
    let spec = ElfSpec { code: power_off_guest(LUI_T1_0X73, ADDI_T1_0X333), ..ElfSpec::default() };
    let f = TempPath::file("power_off_fail_exits_with_code", &spec.build());
    let r = rvmmu(&["run", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(7), "expected exit status 7");
    r.check(r.stderr.trim_end() == "rvmmu: guest exited with code 7", "expected one line naming the exit code");
}

#[test]
fn power_off_code_above_255_saturates() {
    // 0x3333 | 300 << 16 = 0x12c3333: lui t1, 0x12c3; addi t1, t1, 0x333.
    // A code that does not fit in an exit status must not wrap to success.
    let lui = (0x12c3 << 12) | (6 << 7) | 0x37;
    let spec = ElfSpec { code: power_off_guest(lui, ADDI_T1_0X333), ..ElfSpec::default() };
    let f = TempPath::file("power_off_code_above_255_saturates", &spec.build());
    let r = rvmmu(&["run", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(255), "expected exit status 255");
    r.check(r.stderr.contains("guest exited with code 300"), "expected the real code on stderr");
}

#[test]
fn power_off_reset_exits_126() {
    // lui t1, 0x7; addi t1, t1, 0x777 → 0x7777: reset.
    let lui = (0x7 << 12) | (6 << 7) | 0x37;
    let addi = (0x777 << 20) | (6 << 15) | (6 << 7) | 0x13;
    let spec = ElfSpec { code: power_off_guest(lui, addi), ..ElfSpec::default() };
    let f = TempPath::file("power_off_reset_exits_126", &spec.build());
    let r = rvmmu(&["run", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(126), "expected exit status 126");
    r.check(r.stderr.contains("reset"), "expected a message about the reset");
}

#[test]
fn limit_boundary() {
    // The power-off store is the 4th instruction: a limit of 4 lets it
    // retire (exit 0); a limit of 3 stops just before it (124).
    let f = TempPath::file("limit_boundary", &exit0_elf());
    let r = rvmmu(&["run", "--max-insns", "4", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(0), "limit 4: expected exit status 0");
    let r = rvmmu(&["run", "--max-insns", "3", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(124), "limit 3: expected exit status 124");
    r.check(r.stderr.contains("instruction limit of 3"), "limit 3: expected the limit message");
    r.check(r.stderr.contains("0x8000000c"), "limit 3: expected the pc of the store");
}

#[test]
fn runs_with_small_ram() {
    let f = TempPath::file("runs_with_small_ram", &exit0_elf());
    let r = rvmmu(&["run", "--mem", "4K", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(0), "expected exit status 0 with 4 KiB of RAM");
}

/// The commit-log lines (everything before ` ; `) and mnemonics expected for
/// the exit-0 guest.
const TRACE: [(&str, &str); 4] = [
    ("core   0: 3 0x0000000080000000 (0x001002b7) x5  0x0000000000100000", "lui"),
    ("core   0: 3 0x0000000080000004 (0x00005337) x6  0x0000000000005000", "lui"),
    ("core   0: 3 0x0000000080000008 (0x55530313) x6  0x0000000000005555", "addi"),
    ("core   0: 3 0x000000008000000c (0x0062a023)", "sw"),
];

fn trace_exit0(name: &str) -> Run {
    let f = TempPath::file(name, &exit0_elf());
    let r = rvmmu(&["run", "--trace", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(0), "expected exit status 0");
    r.check(r.stdout.is_empty(), "expected the trace on stderr, not stdout");
    r
}

#[test]
fn trace_prints_commit_log() {
    let r = trace_exit0("trace_prints_commit_log");
    let lines: Vec<&str> = r.stderr.lines().collect();
    r.check(lines.len() >= TRACE.len(), "expected a line per retired instruction");
    r.check(lines[0].starts_with("core   0: 3 0x0000000080000000 (0x"), "expected Spike's format on line 1");
    for (i, (line, (commit, mnemonic))) in lines.iter().zip(TRACE).enumerate() {
        let (head, disasm) = line.split_once(" ; ").unwrap_or((line, ""));
        r.check(head == commit, &format!("line {}: expected {commit:?}", i + 1));
        r.check(
            disasm.split_whitespace().next() == Some(mnemonic),
            &format!("line {}: expected the disassembly {mnemonic} ... after ' ; '", i + 1),
        );
    }
    for (i, line) in lines.iter().enumerate() {
        r.check(line.starts_with("core   0: 3 0x") && line.contains(" ; "), &format!("line {}: malformed", i + 1));
    }
}

/// Nothing retires after the store that powers the machine off, so the
/// trace has exactly four lines.
#[test]
fn trace_stops_at_power_off() {
    let r = trace_exit0("trace_stops_at_power_off");
    r.check(r.stderr.lines().count() == TRACE.len(), "expected exactly 4 trace lines");
}

#[test]
fn no_trace_without_flag() {
    let f = TempPath::file("no_trace_without_flag", &exit0_elf());
    let r = rvmmu(&["run", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(!r.stderr.contains("core   0:"), "expected no trace without --trace");
}

// ---------------------------------------------------------------- HTIF

/// Prints "Hi\n" through the HTIF console (device 1, command 1), waiting for
/// the host to clear `tohost` between requests, then exits with code 5
/// through HTIF (`tohost = 5 << 1 | 1`). `tohost` is at 0x80001000.
const HTIF_GUEST: [u32; 19] = [
    0x0000_1297, // 80000000 auipc t0, 0x1         t0 = tohost
    0x1010_0393, // 80000004 li    t2, 0x101
    0x0303_9393, // 80000008 slli  t2, t2, 48      device 1, command 1
    0x0000_0517, // 8000000c auipc a0, 0x0
    0x03c5_0513, // 80000010 addi  a0, a0, 60      a0 = msg
    0x0005_4303, // 80000014 next: lbu t1, 0(a0)
    0x0003_0e63, // 80000018 beqz  t1, done
    0x0073_6333, // 8000001c or    t1, t1, t2
    0x0002_be03, // 80000020 1: ld t3, 0(t0)
    0xfe0e_1ee3, // 80000024 bnez  t3, 1b
    0x0062_b023, // 80000028 sd    t1, 0(t0)
    0x0015_0513, // 8000002c addi  a0, a0, 1
    0xfe5f_f06f, // 80000030 j     next
    0x0002_be03, // 80000034 done: ld t3, 0(t0)
    0xfe0e_1ee3, // 80000038 bnez  t3, done
    0x00b0_0313, // 8000003c li    t1, 11
    0x0062_b023, // 80000040 sd    t1, 0(t0)
    0x0000_006f, // 80000044 j     .
    0x000a_6948, // 80000048 msg:  .asciz "Hi\n"
];

fn htif_spec() -> ElfSpec {
    ElfSpec {
        code: words(&HTIF_GUEST),
        memsz: Some(0x1010), // the code, then zeroes up to and including tohost/fromhost
        symbols: vec![("tohost".into(), RAM_BASE + 0x1000), ("fromhost".into(), RAM_BASE + 0x1008)],
        ..ElfSpec::default()
    }
}

#[test]
fn htif_console_and_exit_code() {
    let f = TempPath::file("htif_console_and_exit_code", &htif_spec().build());
    let r = rvmmu(&["run", "--max-insns", LIMIT, f.as_str()]);
    r.assert_no_panic();
    r.check(r.stdout == "Hi\n", "expected the guest's console output on stdout");
    r.check(r.status == Some(5), "expected exit status 5");
    r.check(r.stderr.trim_end() == "rvmmu: guest exited with code 5", "expected one line naming the exit code");
}

#[test]
fn htif_without_tohost_symbol_does_not_exit() {
    // Without the symbol the stores to 0x80001000 are plain RAM writes: the
    // guest spins until the limit.
    let spec = ElfSpec { symbols: vec![("unrelated".into(), RAM_BASE + 0x1000)], ..htif_spec() };
    let f = TempPath::file("htif_without_tohost_symbol_does_not_exit", &spec.build());
    let r = rvmmu(&["run", "--max-insns", "20000", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(124), "expected exit status 124");
    r.check(r.stdout.is_empty(), "expected no console output");
}

#[test]
fn test_command_passes_and_fails() {
    // `rvmmu test` on a directory: one passing and one failing program, in
    // the same suite.
    let d = TempPath::dir("test_command_passes_and_fails");
    std::fs::write(d.path().join("rv64ui-p-pass"), exit0_elf()).unwrap();
    std::fs::write(d.path().join("rv64ui-p-fail"), htif_spec().build()).unwrap();
    std::fs::write(d.path().join("README"), b"not an ELF, skipped\n").unwrap();
    let r = rvmmu(&["test", "--max-insns", LIMIT, d.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(1), "expected exit status 1 (a test failed)");
    r.check(r.stdout.contains("rv64ui-p"), "expected the suite in the table");
    r.check(r.stdout.contains("FAIL rv64ui-p-fail: exit code 5"), "expected a FAIL line for the failing test");
    r.check(!r.stdout.contains("Hi"), "expected the guests' console output to be discarded");
    r.check(r.stdout.contains("1 passed, 1 failed"), "expected the totals");
}

#[test]
fn test_command_all_pass() {
    let d = TempPath::dir("test_command_all_pass");
    std::fs::write(d.path().join("rv64ui-p-a"), exit0_elf()).unwrap();
    std::fs::write(d.path().join("rv64ui-p-b"), exit0_elf()).unwrap();
    let r = rvmmu(&["test", "--jobs", "2", d.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(0), "expected exit status 0");
    r.check(r.stdout.contains("2 passed, 0 failed"), "expected the totals");
}

/// Found by the `exec` fuzz target (fuzz/README.md): a vectored mtvec near
/// the top of the address space overflowed `base + 4 * cause` (a panic in
/// builds with overflow checks). The guest sets mtvec = -3 (vectored, base
/// 0xffff_ffff_ffff_fffc) and raises a supervisor software interrupt in
/// M-mode: the vector wraps to 0, which is not memory, and every trap from
/// then on faults at the trap vector itself. rvmmu must stop the trap loop
/// with a one-line message and exit 125, even with no instruction limit.
#[test]
fn wrapping_trap_vector_and_trap_loop_stop_cleanly() {
    let i_type =
        |op: u32, f3: u32, rd: u32, rs1: u32, imm12: u32| (imm12 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    let t0 = 5;
    let code = words(&[
        i_type(0x13, 0, t0, 0, 0xffd), // addi t0, zero, -3
        i_type(0x73, 1, 0, t0, 0x305), // csrw mtvec, t0
        i_type(0x13, 0, t0, 0, 2),     // addi t0, zero, 2 (SSIP/SSIE)
        i_type(0x73, 2, 0, t0, 0x304), // csrs mie, t0
        i_type(0x73, 2, 0, t0, 0x344), // csrs mip, t0
        i_type(0x13, 0, t0, 0, 8),     // addi t0, zero, 8 (MIE)
        i_type(0x73, 2, 0, t0, 0x300), // csrs mstatus, t0
        J_SELF,
    ]);
    let elf = TempPath::file("trap-loop.elf", &ElfSpec { code, ..ElfSpec::default() }.build());
    let r = rvmmu(&["run", elf.as_str(), "--stats-json", "/dev/null"]);
    r.assert_no_panic();
    r.check(r.status == Some(125), "exit status 125");
    r.check(r.stderr.contains("traps again and again") && r.stderr.trim().lines().count() == 1, "one line");
    r.check(r.stderr.contains("mcause 0x1"), "the last trap is an instruction access fault");
}
