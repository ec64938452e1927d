//! Bad input to the `rvmmu` CLI: each case must end with a clear, one-line
//! error naming the problem, a non-zero exit status (2: host error or usage
//! error), and never a panic. Also: a guest that never ends stops at
//! `--max-insns` with status 124.

mod common;

use common::*;

/// Exit status of a host error (and of clap's usage errors).
const EXIT_HOST_ERROR: i32 = 2;
/// Exit status when `--max-insns` is reached.
const EXIT_INSN_LIMIT: i32 = 124;
/// Enough for any of these guests to show that it was (wrongly) started, yet
/// small enough that a loader bug cannot hang the test.
const LIMIT: &str = "100000";

/// Run `rvmmu run <file>` (with an instruction limit) and check for a
/// one-line host error that contains every one of `needles`.
fn run_error(file: &str, needles: &[&str]) -> Run {
    host_error(&["run", "--max-insns", LIMIT, file], needles)
}

/// Run rvmmu with `args` and check for a one-line host error (`rvmmu: error:
/// ...`, status 2) that contains every one of `needles`.
fn host_error(args: &[&str], needles: &[&str]) -> Run {
    let r = rvmmu(args);
    r.assert_no_panic();
    r.check(r.status == Some(EXIT_HOST_ERROR), "expected exit status 2");
    let lines: Vec<&str> = r.stderr.lines().collect();
    r.check(lines.len() == 1, "expected exactly one line on stderr");
    r.check(lines[0].starts_with("rvmmu: error: "), "expected the line to start with 'rvmmu: error: '");
    for n in needles {
        r.check(lines[0].contains(n), &format!("expected the error to mention {n:?}"));
    }
    r
}

/// Run rvmmu with `args` and check for a clap usage error: status 2, and a
/// first stderr line `error: ...` containing every one of `needles` (clap
/// adds a blank line and a `--help` hint after it).
fn usage_error(args: &[&str], needles: &[&str]) -> Run {
    let r = rvmmu(args);
    r.assert_no_panic();
    r.check(r.status == Some(EXIT_HOST_ERROR), "expected exit status 2");
    let first = r.stderr.lines().next().unwrap_or("");
    r.check(first.starts_with("error: "), "expected the first line to start with 'error: '");
    for n in needles {
        r.check(first.contains(n), &format!("expected the error line to mention {n:?}"));
    }
    r.check(r.stdout.is_empty(), "expected nothing on stdout");
    r
}

/// Write `spec` to a temp file named after the test and expect a host error.
fn elf_error(name: &str, spec: ElfSpec, needles: &[&str]) {
    let f = TempPath::file(name, &spec.build());
    let mut all = vec![f.as_str()];
    all.extend_from_slice(needles);
    run_error(f.as_str(), &all);
}

// ---------------------------------------------------------------- files

#[test]
fn missing_file() {
    let f = TempPath::new("missing_file.elf");
    run_error(f.as_str(), &["cannot read", f.as_str(), "No such file"]);
}

#[test]
fn directory_as_program() {
    let d = TempPath::dir("directory_as_program");
    run_error(d.as_str(), &["cannot read", d.as_str(), "directory"]);
}

#[test]
fn empty_file() {
    let f = TempPath::file("empty_file", b"");
    run_error(f.as_str(), &[f.as_str(), "not a valid ELF"]);
}

#[test]
fn text_file() {
    let f = TempPath::file("text_file.txt", b"#!/bin/sh\necho hello, world\n");
    run_error(f.as_str(), &[f.as_str(), "not a valid ELF", "magic"]);
}

#[test]
fn magic_only() {
    // The magic number, then the file ends inside e_ident.
    let f = TempPath::file("magic_only", b"\x7fELF\x02\x01");
    run_error(f.as_str(), &[f.as_str(), "not a valid ELF"]);
}

#[test]
fn header_cut_short() {
    // A complete e_ident but only half of the ELF64 header.
    let bytes = ElfSpec::default().build();
    let f = TempPath::file("header_cut_short", &bytes[..32]);
    run_error(f.as_str(), &[f.as_str(), "not a valid ELF"]);
}

// ---------------------------------------------------------------- ELF headers

#[test]
fn elf32() {
    elf_error("elf32", ElfSpec { class: 1, ..ElfSpec::default() }, &["32-bit"]);
}

#[test]
fn unknown_class() {
    elf_error("unknown_class", ElfSpec { class: 7, ..ElfSpec::default() }, &["class"]);
}

#[test]
fn big_endian() {
    elf_error("big_endian", ElfSpec { data: 2, ..ElfSpec::default() }, &["big-endian"]);
}

#[test]
fn x86_64_elf() {
    elf_error("x86_64_elf", ElfSpec { machine: EM_X86_64, ..ElfSpec::default() }, &["not RISC-V"]);
}

#[test]
fn relocatable_object() {
    elf_error("relocatable_object", ElfSpec { e_type: ET_REL, ..ElfSpec::default() }, &["not an executable"]);
}

#[test]
fn no_loadable_segment() {
    elf_error("no_loadable_segment", ElfSpec { p_type: PT_NOTE, ..ElfSpec::default() }, &["no loadable segment"]);
}

#[test]
fn huge_phnum() {
    // 65535 program headers claimed, in a file of 124 bytes: must be refused
    // without allocating for them or reading past the end.
    let r = elf_error_run("huge_phnum", ElfSpec { phnum: Some(u16::MAX), ..ElfSpec::default() });
    r.check(r.stderr.contains("not a valid ELF"), "expected 'not a valid ELF'");
}

#[test]
fn many_phnum() {
    let r = elf_error_run("many_phnum", ElfSpec { phnum: Some(1000), ..ElfSpec::default() });
    r.check(r.stderr.contains("not a valid ELF"), "expected 'not a valid ELF'");
}

#[test]
fn bogus_phoff() {
    for (i, phoff) in [0xffff_ffff_ffff_0000u64, u64::MAX, 0x1_0000_0000, 100].into_iter().enumerate() {
        let r = elf_error_run(&format!("bogus_phoff_{i}"), ElfSpec { phoff: Some(phoff), ..ElfSpec::default() });
        r.check(r.stderr.contains("not a valid ELF"), &format!("phoff 0x{phoff:x}: expected 'not a valid ELF'"));
    }
}

#[test]
fn bogus_section_headers() {
    // Section headers are not needed to load a program, but the parser reads
    // them: a bogus table must give an error, not a crash.
    let cases = [(0xffff_ffff_fff0_0000u64, 3u16), (64, u16::MAX), (0x100_0000, 1)];
    for (i, (shoff, shnum)) in cases.into_iter().enumerate() {
        let spec = ElfSpec { shoff: Some(shoff), shnum: Some(shnum), ..ElfSpec::default() };
        let r = elf_error_run(&format!("bogus_section_headers_{i}"), spec);
        r.check(r.stderr.contains("not a valid ELF"), &format!("shoff 0x{shoff:x}: expected 'not a valid ELF'"));
    }
}

#[test]
fn symbol_table_is_accepted() {
    // The same program with a symbol table and section headers loads and runs.
    let spec = ElfSpec { symbols: vec![("_start".into(), RAM_BASE)], ..ElfSpec::default() };
    let f = TempPath::file("symbol_table_is_accepted", &spec.build());
    let r = rvmmu(&["run", "--max-insns", "10", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(EXIT_INSN_LIMIT), "expected exit status 124");
}

/// Like [`elf_error`] but without a fixed message, returning the run.
fn elf_error_run(name: &str, spec: ElfSpec) -> Run {
    let f = TempPath::file(name, &spec.build());
    run_error(f.as_str(), &[f.as_str()])
}

// ---------------------------------------------------------------- segments

#[test]
fn segment_below_ram() {
    let spec = ElfSpec { paddr: 0x1000, vaddr: 0x1000, entry: 0x1000, ..ElfSpec::default() };
    elf_error("segment_below_ram", spec, &["outside RAM", "0x1000..0x1004", "0x80000000..0x88000000"]);
}

#[test]
fn segment_far_above_ram() {
    let spec = ElfSpec { paddr: 0x1_0000_0000_0000, ..ElfSpec::default() };
    elf_error("segment_far_above_ram", spec, &["outside RAM", "0x1000000000000"]);
}

#[test]
fn segment_straddles_ram_end() {
    // Starts in the last word of a 64 KiB RAM and runs past it.
    let spec = ElfSpec { paddr: RAM_BASE + 0x10000 - 4, memsz: Some(8), ..ElfSpec::default() };
    let f = TempPath::file("segment_straddles_ram_end", &spec.build());
    run_error_mem(f.as_str(), "64K", &["outside RAM", "0x80010000"]);
}

#[test]
fn segment_near_address_space_end() {
    // paddr + memsz overflows 64 bits.
    let spec = ElfSpec { paddr: u64::MAX - 3, memsz: Some(0x100), ..ElfSpec::default() };
    elf_error("segment_near_address_space_end", spec, &["outside RAM"]);
}

#[test]
fn segment_memsz_huge() {
    let spec = ElfSpec { memsz: Some(u64::MAX), ..ElfSpec::default() };
    elf_error("segment_memsz_huge", spec, &["outside RAM"]);
}

#[test]
fn truncated_segment() {
    // The segment claims 4 KiB of file bytes; the file holds 4 after the headers.
    let spec = ElfSpec { filesz: Some(0x1000), memsz: Some(0x1000), ..ElfSpec::default() };
    elf_error("truncated_segment", spec, &["truncated", "124 bytes"]);
}

#[test]
fn segment_offset_past_eof() {
    let spec = ElfSpec { offset: Some(0x10_0000), ..ElfSpec::default() };
    elf_error("segment_offset_past_eof", spec, &["truncated"]);
}

#[test]
fn segment_offset_overflows() {
    // p_offset + p_filesz wraps around 64 bits.
    let spec = ElfSpec { offset: Some(u64::MAX - 1), ..ElfSpec::default() };
    elf_error("segment_offset_overflows", spec, &["truncated"]);
}

#[test]
fn filesz_greater_than_memsz() {
    let spec = ElfSpec { filesz: Some(4), memsz: Some(2), ..ElfSpec::default() };
    elf_error("filesz_greater_than_memsz", spec, &["p_filesz > p_memsz"]);
}

// ---------------------------------------------------------------- flags

fn run_error_mem(file: &str, mem: &str, needles: &[&str]) -> Run {
    host_error(&["run", "--max-insns", LIMIT, "--mem", mem, file], needles)
}

#[test]
fn unknown_flag() {
    usage_error(&["run", "--bogus", "x"], &["--bogus"]);
}

#[test]
fn unknown_subcommand() {
    usage_error(&["frobnicate"], &["frobnicate"]);
}

#[test]
fn run_without_program() {
    usage_error(&["run"], &["required"]);
}

#[test]
fn mem_unknown_unit() {
    usage_error(&["run", "--mem", "12X", "prog.elf"], &["--mem", "12X", "unit"]);
}

#[test]
fn mem_not_a_number() {
    usage_error(&["run", "--mem", "lots", "prog.elf"], &["--mem", "lots", "not a size"]);
}

#[test]
fn mem_too_large_to_represent() {
    usage_error(&["run", "--mem", "99999999999G", "prog.elf"], &["--mem", "too large"]);
}

#[test]
fn max_insns_not_a_number() {
    usage_error(&["run", "--max-insns", "many", "prog.elf"], &["--max-insns", "many"]);
}

#[test]
fn mem_zero() {
    let f = TempPath::file("mem_zero", &ElfSpec::default().build());
    run_error_mem(f.as_str(), "0", &["memory size 0", "multiple of 4 KiB"]);
}

#[test]
fn mem_not_page_multiple() {
    let f = TempPath::file("mem_not_page_multiple", &ElfSpec::default().build());
    run_error_mem(f.as_str(), "3000", &["memory size 3000", "multiple of 4 KiB"]);
}

#[test]
fn mem_over_limit() {
    let f = TempPath::file("mem_over_limit", &ElfSpec::default().build());
    run_error_mem(f.as_str(), "2048G", &["at most 1 TiB"]);
}

#[test]
fn mem_more_than_the_host_has() {
    // 1 TiB is the largest size accepted. Whether the host can provide it
    // depends on its memory and overcommit policy; either way rvmmu must
    // either run the guest or say that it cannot, never abort.
    let f = TempPath::file("mem_more_than_the_host_has", &ElfSpec::default().build());
    let r = rvmmu(&["run", "--max-insns", "10", "--mem", "1024G", f.as_str()]);
    r.assert_no_panic();
    if r.status != Some(EXIT_INSN_LIMIT) {
        r.check(r.status == Some(EXIT_HOST_ERROR), "expected the guest to run (124) or a host error (2)");
        r.check(r.stderr.lines().count() == 1, "expected exactly one line on stderr");
        r.check(r.stderr.starts_with("rvmmu: error: "), "expected 'rvmmu: error: '");
    }
}

// ---------------------------------------------------------------- rvmmu test

#[test]
fn test_dir_without_elf_files() {
    let d = TempPath::dir("test_dir_without_elf_files");
    std::fs::write(d.path().join("README"), b"no programs here\n").unwrap();
    std::fs::write(d.path().join("notes.txt"), b"").unwrap();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    host_error(&["test", d.as_str()], &["no ELF files"]);
}

#[test]
fn test_missing_path() {
    let p = TempPath::new("test_missing_path");
    host_error(&["test", p.as_str()], &[p.as_str(), "No such file"]);
}

#[test]
fn test_without_paths() {
    usage_error(&["test"], &["required"]);
}

// ---------------------------------------------------------------- instruction limit

#[test]
fn endless_guest_stops_at_max_insns() {
    let f = TempPath::file("endless_guest_stops_at_max_insns", &ElfSpec::default().build());
    let r = rvmmu(&["run", "--max-insns", "1000", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(EXIT_INSN_LIMIT), "expected exit status 124");
    let lines: Vec<&str> = r.stderr.lines().collect();
    r.check(lines.len() == 1, "expected exactly one line on stderr");
    r.check(lines[0].contains("instruction limit"), "expected 'instruction limit'");
    r.check(lines[0].contains("1000"), "expected the limit in the message");
    r.check(lines[0].contains("0x80000000"), "expected the pc in the message");
}

#[test]
fn endless_guest_stops_at_wall_clock_timeout() {
    let f = TempPath::file("endless_guest_stops_at_wall_clock_timeout", &ElfSpec::default().build());
    let r = rvmmu(&["run", "--timeout", "0.2", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(123), "expected exit status 123");
    let lines: Vec<&str> = r.stderr.lines().collect();
    r.check(lines.len() == 1 && lines[0].contains("--timeout"), "expected one line naming --timeout");
    r.check(lines[0].contains("0x80000000"), "expected the pc in the message");
    let r = rvmmu(&["run", "--timeout=-1", f.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(EXIT_HOST_ERROR), "a negative timeout is a host error");
    r.check(r.stderr.contains("--timeout"), "the message names the flag");
}

#[test]
fn test_command_reports_endless_guest() {
    // `rvmmu test` gives each program its own limit and counts it as failed.
    let d = TempPath::dir("test_command_reports_endless_guest");
    std::fs::write(d.path().join("rv64ui-p-loop"), ElfSpec::default().build()).unwrap();
    let r = rvmmu(&["test", "--max-insns", "1000", d.as_str()]);
    r.assert_no_panic();
    r.check(r.status == Some(1), "expected exit status 1 (a test failed)");
    r.check(r.stdout.contains("FAIL rv64ui-p-loop: no result after 1000 instructions"), "expected a FAIL line");
    r.check(r.stdout.contains("0 passed, 1 failed"), "expected the totals");
}

#[test]
fn test_command_reports_bad_elf() {
    // A file named explicitly is tried even if it is not an ELF file, and
    // reported as a failure rather than aborting the whole run.
    let d = TempPath::dir("test_command_reports_bad_elf");
    let bad = d.path().join("rv64ui-p-bad");
    std::fs::write(&bad, b"not an elf").unwrap();
    let r = rvmmu(&["test", "--max-insns", "1000", bad.to_str().unwrap()]);
    r.assert_no_panic();
    r.check(r.status == Some(1), "expected exit status 1 (a test failed)");
    r.check(r.stdout.contains("FAIL rv64ui-p-bad:") && r.stdout.contains("not a valid ELF"), "expected a FAIL line");
}
