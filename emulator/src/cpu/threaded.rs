//! Threaded code for pre-decoded blocks: each instruction of a block
//! carries a handler chosen when the block is decoded, specialised for its
//! operation (the operation is a `const` generic, so each handler compiles
//! to its one computation), so that running it is one indirect call with
//! no further dispatch.
//!
//! A handler takes the instruction and its pc and returns the next pc, or
//! [`TRAPPED`] after leaving the exception in [`Hart::block_exception`].
//! Handlers keep no state of their own and compute through the same
//! functions as [`Hart::execute`] (`alu`, `branch_taken`, `loaded`,
//! `load_size`, `Mmu::load`/`store`), which also runs every operation
//! without a handler of its own (CSR, fences, AMOs, FP, system).

use super::execute::{alu, branch_taken, load_size, loaded};
use super::trap::Exception;
use super::Hart;
use crate::isa::{Insn, Op};

/// Runs one pre-decoded instruction at pc; returns the next pc.
pub(super) type Handler = fn(&mut Hart, &Insn, u64) -> u64;

/// What a handler returns when the instruction raised an exception: pcs
/// are always even (IALIGN 16: every jump target, xEPC and trap vector has
/// bit 0 clear), so 1 is never a pc.
pub(super) const TRAPPED: u64 = 1;

/// An instruction of a block with its handler.
#[derive(Clone, Copy)]
pub(super) struct Threaded {
    pub run: Handler,
    pub insn: Insn,
}

impl Threaded {
    /// `insn` with the handler for its operation.
    pub fn new(insn: Insn) -> Threaded {
        Threaded { run: handler(&insn), insn }
    }
}

#[inline(always)]
fn sequential(i: &Insn, pc: u64) -> u64 {
    pc.wrapping_add(i.len as u64)
}

#[inline(always)]
fn rs1(h: &Hart, i: &Insn) -> u64 {
    h.x[(i.rs1 & 31) as usize]
}

#[inline(always)]
fn rs2(h: &Hart, i: &Insn) -> u64 {
    h.x[(i.rs2 & 31) as usize]
}

/// Write rd, keeping x0 zero.
#[inline(always)]
fn set_rd(h: &mut Hart, i: &Insn, v: u64) {
    h.x[(i.rd & 31) as usize] = v;
    h.x[0] = 0;
}

#[inline(always)]
fn trapped(h: &mut Hart, e: Exception) -> u64 {
    h.block_exception = e;
    TRAPPED
}

/// An instruction without effect: an integer computation into x0.
fn skip(_: &mut Hart, i: &Insn, pc: u64) -> u64 {
    sequential(i, pc)
}

fn alu_imm<const OP: u8>(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    let v = alu(Op::ALL[OP as usize], rs1(h, i), i.imm as i64 as u64);
    h.x[(i.rd & 31) as usize] = v; // rd is not x0: that is `skip`
    sequential(i, pc)
}

fn alu_reg<const OP: u8>(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    let v = alu(Op::ALL[OP as usize], rs1(h, i), rs2(h, i));
    h.x[(i.rd & 31) as usize] = v; // rd is not x0: that is `skip`
    sequential(i, pc)
}

fn lui(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    set_rd(h, i, i.imm as i64 as u64);
    sequential(i, pc)
}

fn auipc(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    set_rd(h, i, pc.wrapping_add(i.imm as i64 as u64));
    sequential(i, pc)
}

fn jal(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    set_rd(h, i, sequential(i, pc));
    pc.wrapping_add(i.imm as i64 as u64)
}

fn jalr(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    let target = rs1(h, i).wrapping_add(i.imm as i64 as u64) & !1;
    set_rd(h, i, sequential(i, pc));
    target
}

fn branch<const OP: u8>(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    if branch_taken(Op::ALL[OP as usize], rs1(h, i), rs2(h, i)) {
        pc.wrapping_add(i.imm as i64 as u64)
    } else {
        sequential(i, pc)
    }
}

fn load<const OP: u8, const SIGNED: bool>(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    let size = load_size(Op::ALL[OP as usize]);
    match h.load_data(rs1(h, i).wrapping_add(i.imm as i64 as u64), size) {
        Ok(v) => {
            set_rd(h, i, loaded(v, size, SIGNED));
            sequential(i, pc)
        }
        Err(e) => trapped(h, e),
    }
}

fn store<const OP: u8>(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    let size = load_size(Op::ALL[OP as usize]);
    match h.mmu.store(rs1(h, i).wrapping_add(i.imm as i64 as u64), size, rs2(h, i)) {
        Ok(()) => {
            h.after_access();
            sequential(i, pc)
        }
        Err(e) => trapped(h, e),
    }
}

/// Every other operation, through `Hart::execute` (which works on
/// `self.pc`).
fn interpret(h: &mut Hart, i: &Insn, pc: u64) -> u64 {
    h.pc = pc;
    match h.execute(i) {
        Ok(()) => h.pc,
        Err(e) => trapped(h, e),
    }
}

/// The handler for `i`.
fn handler(i: &Insn) -> Handler {
    use Op::*;
    macro_rules! each {
        ($f:ident; $($op:ident),*) => {
            match i.op { $($op => return $f::<{ $op as u8 }>,)* _ => {} }
        };
    }
    if i.rd == 0 && (alu_like(i.op) || matches!(i.op, LUI | AUIPC)) {
        return skip;
    }
    each!(alu_imm; ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI, ADDIW, SLLIW, SRLIW, SRAIW);
    each!(alu_reg; ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND, ADDW, SUBW, SLLW, SRLW, SRAW,
        MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, MULW, DIVW, DIVUW, REMW, REMUW);
    each!(branch; BEQ, BNE, BLT, BGE, BLTU, BGEU);
    each!(store; SB, SH, SW, SD);
    match i.op {
        LB => load::<{ LB as u8 }, true>,
        LH => load::<{ LH as u8 }, true>,
        LW => load::<{ LW as u8 }, true>,
        LD => load::<{ LD as u8 }, false>,
        LBU => load::<{ LBU as u8 }, false>,
        LHU => load::<{ LHU as u8 }, false>,
        LWU => load::<{ LWU as u8 }, false>,
        LUI => lui,
        AUIPC => auipc,
        JAL => jal,
        JALR => jalr,
        _ => interpret,
    }
}

/// Integer computations with no effect but on rd (M included: division
/// by zero does not trap).
pub(super) fn alu_like(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        ADDI | SLTI
            | SLTIU
            | XORI
            | ORI
            | ANDI
            | SLLI
            | SRLI
            | SRAI
            | ADDIW
            | SLLIW
            | SRLIW
            | SRAIW
            | ADD
            | SUB
            | SLL
            | SLT
            | SLTU
            | XOR
            | SRL
            | SRA
            | OR
            | AND
            | ADDW
            | SUBW
            | SLLW
            | SRLW
            | SRAW
            | MUL
            | MULH
            | MULHSU
            | MULHU
            | DIV
            | DIVU
            | REM
            | REMU
            | MULW
            | DIVW
            | DIVUW
            | REMW
            | REMUW
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode;

    /// Every handler agrees with `Hart::execute` on registers, memory and
    /// the next pc, for random operands, over the operations that have
    /// handlers (and a few that go through `interpret`).
    #[test]
    fn handlers_agree_with_execute() {
        let ops: &[u32] = &[
            0x00b5_0533, // add a0, a0, a1
            0x40b5_0533, // sub a0, a0, a1
            0x02b5_4533, // div a0, a0, a1
            0x02b5_6533, // rem a0, a0, a1
            0x02b5_1533, // mulh a0, a0, a1
            0x00b5_253b, // sllw a0, a0, a1
            0x40b5_553b, // sraw a0, a0, a1
            0xfff5_0513, // addi a0, a0, -1
            0x8005_2513, // slti a0, a0, -2048
            0x03f5_1513, // slli a0, a0, 63
            0x4015_d51b, // sraiw a0, a1, 1
            0x0005_0033, // add x0, a0, x0 (skip)
            0x1234_5537, // lui a0, 0x12345
            0x0000_1517, // auipc a0, 1
            0x00b5_0463, // beq a0, a1, 8
            0x00b5_4463, // blt a0, a1, 8
            0x00b5_7463, // bgeu a0, a1, 8
            0x0080_00ef, // jal ra, 8
            0x0085_80e7, // jalr ra, 8(a1)
            0x0005_3503, // ld a0, 0(a0)
            0xffc5_0503, // lb a0, -4(a0)
            0x0025_5503, // lhu a0, 2(a0)
            0x00b5_3023, // sd a1, 0(a0)
            0x00b5_1123, // sh a1, 2(a0)
            0x3400_2573, // csrrs a0, mscratch, x0 (interpret)
            0x0000_0000, // illegal (interpret, traps)
        ];
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next_random = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for &bits in ops {
            let insn = decode(bits);
            for round in 0..200 {
                let mut a = Hart::new_for_tests();
                let base = crate::bus::RAM_BASE;
                // Operands: random, or addresses in RAM (some of them
                // misaligned, some past its end) for loads and stores.
                let (x10, x11) = match round % 4 {
                    0 => (next_random(), next_random()),
                    1 => (base + 0x100 + next_random() % 0x200, next_random()),
                    2 => (next_random() % 64, next_random() % 64),
                    _ => (base + 0x10000 - 4 + next_random() % 8, base + next_random() % 0x100),
                };
                a.x[10] = x10;
                a.x[11] = x11;
                a.pc = base + 0x40;
                let mut b = Hart::new_for_tests();
                b.x = a.x;
                b.pc = a.pc;
                let executed = a.execute(&insn);
                let pc = b.pc;
                let next = (handler(&insn))(&mut b, &insn, pc);
                match executed {
                    Ok(()) => assert_eq!(next, a.pc, "{bits:08x} next pc"),
                    Err(e) => {
                        assert_eq!(next, TRAPPED, "{bits:08x} traps");
                        assert_eq!(b.block_exception, e, "{bits:08x} exception");
                    }
                }
                assert_eq!(a.x, b.x, "{bits:08x} registers (x10 {x10:#x}, x11 {x11:#x})");
                assert!(a.mmu.bus.ram.bytes() == b.mmu.bus.ram.bytes(), "{bits:08x} memory");
            }
        }
    }
}
