//! Random instruction streams executed from RAM in M, S or U mode, with
//! random CSR state (mstatus, satp -- possibly Sv39 over page tables made
//! of the instruction bytes themselves --, medeleg, mideleg, mie, mip, the
//! counter enables, menvcfg and the trap vectors).
//!
//! Properties, besides "never panics" and "terminates":
//! - the first instruction: if the decoder says its encoding is undefined,
//!   executing it raises illegal instruction (cause 2) with the bits in
//!   tval; illegal instruction is only ever raised by an undefined encoding,
//!   a CSR access, a privileged instruction or an F/D instruction; if the
//!   fetch translation faults, that fault is what the hart takes;
//! - every retired instruction decodes to a defined operation, equal to
//!   what the decoder makes of its bits (the decode cache is never stale);
//! - privilege: no CSR of a higher level is accessed successfully, no
//!   read-only CSR is written, MRET only retires in M, SRET/WFI/SFENCE.VMA
//!   only in M or in S when TSR/TW/TVM allow it, F/D instructions and the FP
//!   CSRs only with mstatus.FS on;
//! - exceptions: never "instruction address misaligned" (C is implemented),
//!   ECALL's cause names the current mode, EBREAK's tval is its pc;
//! - afterwards: x0 = 0, pc, mepc and sepc are even, MPP is never the
//!   reserved 2, satp's mode is Bare or Sv39, medeleg/mideleg hold only
//!   delegable bits, tvec modes are never the reserved 2/3, and no more
//!   instructions retired than the limit.
#![no_main]
// MmuConfig is built from its Default and then changed field by field, so
// that the targets keep compiling when the configuration gains fields.
#![allow(clippy::field_reassign_with_default)]

use libfuzzer_sys::fuzz_target;
use rvmmu_emulator::addr::VirtAddr;
use rvmmu_emulator::bus::{Bus, Ram, RAM_BASE};
use rvmmu_emulator::cpu::csr::{addr, mstatus};
use rvmmu_emulator::cpu::trap::{Cause, Exception};
use rvmmu_emulator::cpu::{Hart, Privilege, Tracer};
use rvmmu_emulator::isa::{decode, Insn, Op};
use rvmmu_emulator::mmu::{Access, AdMode, MmuConfig};
use rvmmu_fuzz::Reader;
use std::time::{Duration, Instant};

const RAM_SIZE: usize = 64 << 10;
/// M-mode trap handler: mepc += 4; mret.
const M_HANDLER: u64 = RAM_BASE + 0x100;
/// S-mode trap handler: sepc += 4; sret.
const S_HANDLER: u64 = RAM_BASE + 0x180;
/// Where the fuzzed instructions start.
const ENTRY: u64 = RAM_BASE + 0x1000;
/// Retired-instruction bound of one run.
const MAX_INSNS: u64 = 2000;
/// Exceptions do not retire, so a trap loop (a handler that itself traps)
/// never reaches the instruction limit: the wall clock bounds it.
const WALL: Duration = Duration::from_millis(5);

const T6: u32 = 31;

fn csrr(rd: u32, csr: u16) -> u32 {
    ((csr as u32) << 20) | (2 << 12) | (rd << 7) | 0x73
}

fn csrw(csr: u16, rs1: u32) -> u32 {
    ((csr as u32) << 20) | (rs1 << 15) | (1 << 12) | 0x73
}

fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    (((imm as u32) & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13
}

const MRET: u32 = 0x3020_0073;
const SRET: u32 = 0x1020_0073;

fn put_words(ram: &mut Ram, pa: u64, words: &[u32]) {
    for (i, w) in words.iter().enumerate() {
        let off = ram.offset_of(pa + 4 * i as u64, 4).unwrap();
        ram.write(off, 4, *w as u64);
    }
}

/// Whether retiring `insn` in `prv` is allowed by the privileged spec given
/// `ms`, mstatus before the instruction.
fn check_retired(prv: Privilege, ms: u64, insn: &Insn) {
    use Op::*;
    assert_ne!(insn.op, ILLEGAL, "an undefined encoding retired: {insn:?}");
    assert_eq!(decode(insn.bits), *insn, "decode cache disagrees with the decoder");
    let at_least_s = prv >= Privilege::Supervisor;
    let s_ok = |bit: u64| prv == Privilege::Machine || (prv == Privilege::Supervisor && ms & bit == 0);
    match insn.op {
        MRET => assert_eq!(prv, Privilege::Machine, "mret retired below M"),
        SRET => assert!(at_least_s && s_ok(mstatus::TSR), "sret retired in {prv:?} (mstatus {ms:#x})"),
        WFI => assert!(at_least_s && s_ok(mstatus::TW), "wfi retired in {prv:?} (mstatus {ms:#x})"),
        SFENCE_VMA => assert!(at_least_s && s_ok(mstatus::TVM), "sfence.vma retired in {prv:?}"),
        CSRRW | CSRRS | CSRRC | CSRRWI | CSRRSI | CSRRCI => {
            let csr = (insn.imm as u32 & 0xfff) as u16;
            let writes = matches!(insn.op, CSRRW | CSRRWI) || insn.rs1 != 0;
            assert!(prv as u16 >= (csr >> 8) & 3, "CSR {csr:#x} accessed from {prv:?}");
            assert!(!(writes && csr >> 10 == 3), "read-only CSR {csr:#x} written");
            if (1..=3).contains(&csr) {
                assert_ne!(ms & mstatus::FS, 0, "FP CSR {csr:#x} accessed with FS off");
            }
            if csr == addr::SATP && prv == Privilege::Supervisor {
                assert_eq!(ms & mstatus::TVM, 0, "satp accessed from S with TVM set");
            }
        }
        op if op.is_fp() => assert_ne!(ms & mstatus::FS, 0, "{} retired with FS off", op.mnemonic()),
        _ => {}
    }
}

/// What the first instruction's fetch will give, found by translating its
/// pc before the run (the translation is then cached, so the run sees the
/// same one).
#[derive(Clone, Copy, Debug)]
enum FirstFetch {
    /// The bits (16 significant bits for a compressed instruction).
    Bits(u32),
    /// The translation faults.
    Fault(Exception),
    /// Outside RAM: not checked.
    Unknown,
}

struct Checker {
    first: Option<FirstFetch>,
    events: u64,
    /// mstatus before the current instruction: its TSR, TW, TVM and FS
    /// bits change only through CSR writes (never through traps, MRET or
    /// SRET), so the value after the previous event is the one in force.
    mstatus_before: u64,
}

impl Checker {
    fn first_event(&mut self, pc: u64) -> Option<FirstFetch> {
        self.events += 1;
        if self.events == 1 {
            if let Some(f) = self.first {
                assert_eq!(pc, ENTRY, "no interrupt was pending, yet the first event is elsewhere");
                return Some(f);
            }
        }
        None
    }
}

impl Tracer for Checker {
    const ENABLED: bool = true;

    fn retired(&mut self, hart: &Hart, prv: Privilege, pc: u64, insn: &Insn) {
        match self.first_event(pc) {
            Some(FirstFetch::Bits(bits)) => assert_eq!(insn.bits, bits, "the first instruction's bits"),
            Some(FirstFetch::Fault(e)) => panic!("fetch translation faulted ({e:?}) but {insn:?} retired"),
            _ => {}
        }
        check_retired(prv, self.mstatus_before, insn);
        self.mstatus_before = hart.csr.mstatus;
    }

    fn exception(&mut self, hart: &Hart, pc: u64, e: Exception) {
        match self.first_event(pc) {
            Some(FirstFetch::Bits(bits)) => {
                let insn = decode(bits);
                assert!(
                    !matches!(e.cause, Cause::InstructionAccessFault | Cause::InstructionPageFault),
                    "fetch of {bits:#x} faulted ({e:?}) though its translation succeeded"
                );
                if insn.op == Op::ILLEGAL {
                    assert_eq!(e, Exception::illegal(bits), "undefined encoding {bits:#x}");
                }
                if e.cause == Cause::IllegalInstruction {
                    use Op::*;
                    let may_be_illegal = matches!(
                        insn.op,
                        ILLEGAL | CSRRW | CSRRS | CSRRC | CSRRWI | CSRRSI | CSRRCI | MRET | SRET | WFI | SFENCE_VMA
                    ) || insn.op.is_fp();
                    assert!(may_be_illegal, "{} ({bits:#x}) raised illegal instruction", insn.op.mnemonic());
                    assert_eq!(e.tval, bits as u64, "tval of illegal instruction");
                }
            }
            Some(FirstFetch::Fault(f)) => assert_eq!(e, f, "the first fetch's fault"),
            _ => {}
        }
        assert_ne!(e.cause, Cause::InstructionAddressMisaligned, "IALIGN is 16: pc {pc:#x}");
        match e.cause {
            Cause::EcallFromU => assert_eq!(hart.prv, Privilege::User),
            Cause::EcallFromS => assert_eq!(hart.prv, Privilege::Supervisor),
            Cause::EcallFromM => assert_eq!(hart.prv, Privilege::Machine),
            Cause::Breakpoint => assert_eq!(e.tval, pc, "ebreak's tval"),
            _ => {}
        }
        self.mstatus_before = hart.csr.mstatus;
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let prv = [Privilege::User, Privilege::Supervisor, Privilege::Machine][r.u8() as usize % 3];
    let flags = r.u8();
    let satp_in_ram = flags & 1 != 0;
    let raw_vectors = (flags >> 1) & 3 == 3;
    let delegate_fetch_faults = flags & 8 != 0;
    let fs_on = flags & 16 != 0;
    let mstatus_in = r.u64();
    let satp_in = r.u64();
    let medeleg = r.u16() as u64;
    let mideleg = r.u16() as u64;
    let mie = r.u16() as u64;
    let mip = r.u16() as u64;
    let mcounteren = r.u8() as u64;
    let scounteren = r.u8() as u64;
    let menvcfg = r.u8() as u64;
    let mtvec_in = r.u64();
    let stvec_in = r.u64();
    let xs = [r.u64(), r.u64(), r.u64(), r.u64()];

    let mut ram = Ram::new(RAM_BASE, RAM_SIZE);
    put_words(&mut ram, M_HANDLER, &[csrr(T6, addr::MEPC), addi(T6, T6, 4), csrw(addr::MEPC, T6), MRET]);
    put_words(&mut ram, S_HANDLER, &[csrr(T6, addr::SEPC), addi(T6, T6, 4), csrw(addr::SEPC, T6), SRET]);
    let code = r.rest();
    let n = code.len().min(RAM_SIZE - 0x1000);
    ram.bytes_mut()[0x1000..0x1000 + n].copy_from_slice(&code[..n]);

    let mut mmu = MmuConfig::default();
    mmu.unified = flags & 32 != 0;
    mmu.ad = if flags & 64 != 0 { AdMode::Trap } else { AdMode::Hardware };
    let mut hart = Hart::new(Bus::new(ram), mmu, ENTRY);
    for (i, x) in hart.x.iter_mut().enumerate().skip(1) {
        *x = RAM_BASE + 0x800 * i as u64;
    }
    hart.x[5..9].copy_from_slice(&xs);

    // The CSR state, written as M-mode software would (WARL rules apply).
    let satp = if satp_in_ram {
        // Sv39 over a root page table in RAM: the code (and the zeros after
        // it) become page-table entries. The ASID is the input's.
        (8 << 60) | (satp_in & (0xffff << 44)) | ((RAM_BASE >> 12) + (satp_in & 0xf))
    } else {
        satp_in // mostly an unsupported mode, which the write ignores
    };
    let medeleg = if delegate_fetch_faults { medeleg } else { medeleg & !((1 << 1) | (1 << 12)) };
    let (mtvec, stvec) = if raw_vectors { (mtvec_in, stvec_in) } else { (M_HANDLER, S_HANDLER) };
    let mstatus_v = if fs_on { mstatus_in | (1 << 13) } else { mstatus_in };
    for (csr, v) in [
        (addr::MSTATUS, mstatus_v),
        (addr::SATP, satp),
        (addr::MEDELEG, medeleg),
        (addr::MIDELEG, mideleg),
        (addr::MIE, mie),
        (addr::MIP, mip),
        (addr::MCOUNTEREN, mcounteren),
        (addr::SCOUNTEREN, scounteren),
        (addr::MENVCFG, (menvcfg & 1) | (menvcfg >> 7) << 63),
        (addr::MTVEC, mtvec),
        (addr::STVEC, stvec),
    ] {
        let _ = hart.csr_op(csr, false, true, 0, |_| v);
    }
    hart.set_privilege(prv);

    // Predict the first fetch, unless an interrupt comes first.
    let first = if hart.pending_interrupt().is_some() {
        None
    } else {
        Some(match hart.mmu.translate(VirtAddr(ENTRY), Access::Fetch) {
            Err(e) => FirstFetch::Fault(e),
            Ok(pa) => match hart.mmu.bus.ram.offset_of(pa.0, 4) {
                Some(off) => {
                    let w = hart.mmu.bus.ram.read(off, 4) as u32;
                    FirstFetch::Bits(if w & 3 == 3 { w } else { w & 0xffff })
                }
                None => FirstFetch::Unknown,
            },
        })
    };

    let mut checker = Checker { first, events: 0, mstatus_before: hart.csr.mstatus };
    hart.wall_deadline = Some(Instant::now() + WALL);
    hart.run_with(MAX_INSNS, &mut checker);

    let c = &hart.csr;
    assert_eq!(hart.x[0], 0, "x0");
    assert_eq!(hart.pc & 1, 0, "pc {:#x}", hart.pc);
    assert_eq!(c.mepc & 1, 0, "mepc");
    assert_eq!(c.sepc & 1, 0, "sepc");
    assert_ne!((c.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT, 2, "MPP = 2 is reserved");
    assert!(matches!(c.satp >> 60, 0 | 8), "satp mode {:#x}", c.satp >> 60);
    assert_eq!(c.medeleg & !0xb3ff, 0, "medeleg {:#x}", c.medeleg);
    assert_eq!(c.mideleg & !0x222, 0, "mideleg {:#x}", c.mideleg);
    assert_eq!(c.mtvec & 2, 0, "mtvec mode");
    assert_eq!(c.stvec & 2, 0, "stvec mode");
    assert!(hart.retired <= MAX_INSNS, "{} instructions retired", hart.retired);
});
