//! Compressed (RVC) decoding, unprivileged spec ch. 16 "C" Standard
//! Extension: each 16-bit form decodes to the operation of its 32-bit
//! expansion, with `len == 2`. Reserved encodings decode as illegal; HINTs
//! (e.g. `c.addi x0`, `c.li x0`) execute as their expansion, which writes x0.

use super::{Insn, Op};

fn bit(b: u32, n: u32) -> u32 {
    (b >> n) & 1
}
fn bits(b: u32, hi: u32, lo: u32) -> u32 {
    (b >> lo) & ((1 << (hi - lo + 1)) - 1)
}
/// Sign-extend the low `width` bits of `v`.
fn sext(v: u32, width: u32) -> i32 {
    let shift = 32 - width;
    ((v << shift) as i32) >> shift
}
/// The 3-bit compressed register fields name x8..x15.
fn creg(v: u32) -> u8 {
    (v + 8) as u8
}

fn insn(op: Op, rd: u8, rs1: u8, rs2: u8, imm: i32, b: u32) -> Insn {
    Insn { op, rd, rs1, rs2, len: 2, imm, bits: b }
}

/// Decode the 16-bit instruction `b` (low two bits != 0b11).
pub fn decode_compressed(b: u32) -> Insn {
    let illegal = Insn::illegal(b, 2);
    let f3 = bits(b, 15, 13);
    let rd_full = bits(b, 11, 7) as u8;
    let rs2_full = bits(b, 6, 2) as u8;
    let rd_p = creg(bits(b, 4, 2)); // rd'/rs2' in CIW/CL/CS
    let rs1_p = creg(bits(b, 9, 7)); // rs1'/rd' in CL/CS/CB/CA
                                     // CI immediate: imm[5] = b[12], imm[4:0] = b[6:2]
    let ci_imm = sext((bit(b, 12) << 5) | bits(b, 6, 2), 6);
    let ci_shamt = ((bit(b, 12) << 5) | bits(b, 6, 2)) as i32;
    match (b & 3, f3) {
        // ---- Quadrant 0
        (0, 0) => {
            let nzuimm = (bits(b, 12, 11) << 4) | (bits(b, 10, 7) << 6) | (bit(b, 6) << 2) | (bit(b, 5) << 3);
            if nzuimm == 0 {
                return illegal; // includes the all-zero instruction
            }
            insn(Op::ADDI, rd_p, 2, 0, nzuimm as i32, b)
        }
        (0, 1) => {
            let uimm = (bits(b, 12, 10) << 3) | (bits(b, 6, 5) << 6);
            insn(Op::FLD, rd_p, rs1_p, 0, uimm as i32, b)
        }
        (0, 2) => {
            let uimm = (bits(b, 12, 10) << 3) | (bit(b, 6) << 2) | (bit(b, 5) << 6);
            insn(Op::LW, rd_p, rs1_p, 0, uimm as i32, b)
        }
        (0, 5) => {
            let uimm = (bits(b, 12, 10) << 3) | (bits(b, 6, 5) << 6);
            insn(Op::FSD, 0, rs1_p, rd_p, uimm as i32, b)
        }
        (0, 3) => {
            let uimm = (bits(b, 12, 10) << 3) | (bits(b, 6, 5) << 6);
            insn(Op::LD, rd_p, rs1_p, 0, uimm as i32, b)
        }
        (0, 6) => {
            let uimm = (bits(b, 12, 10) << 3) | (bit(b, 6) << 2) | (bit(b, 5) << 6);
            insn(Op::SW, 0, rs1_p, rd_p, uimm as i32, b)
        }
        (0, 7) => {
            let uimm = (bits(b, 12, 10) << 3) | (bits(b, 6, 5) << 6);
            insn(Op::SD, 0, rs1_p, rd_p, uimm as i32, b)
        }
        // ---- Quadrant 1
        (1, 0) => insn(Op::ADDI, rd_full, rd_full, 0, ci_imm, b),
        (1, 1) => {
            if rd_full == 0 {
                return illegal;
            }
            insn(Op::ADDIW, rd_full, rd_full, 0, ci_imm, b)
        }
        (1, 2) => insn(Op::ADDI, rd_full, 0, 0, ci_imm, b),
        (1, 3) if rd_full == 2 => {
            let nzimm =
                (bit(b, 12) << 9) | (bit(b, 6) << 4) | (bit(b, 5) << 6) | (bits(b, 4, 3) << 7) | (bit(b, 2) << 5);
            if nzimm == 0 {
                return illegal;
            }
            insn(Op::ADDI, 2, 2, 0, sext(nzimm, 10), b)
        }
        (1, 3) => {
            let nzimm = (bit(b, 12) << 17) | (bits(b, 6, 2) << 12);
            if nzimm == 0 {
                return illegal;
            }
            insn(Op::LUI, rd_full, 0, 0, sext(nzimm, 18), b)
        }
        (1, 4) => match bits(b, 11, 10) {
            0 => insn(Op::SRLI, rs1_p, rs1_p, 0, ci_shamt, b),
            1 => insn(Op::SRAI, rs1_p, rs1_p, 0, ci_shamt, b),
            2 => insn(Op::ANDI, rs1_p, rs1_p, 0, ci_imm, b),
            _ => {
                let op = match (bit(b, 12), bits(b, 6, 5)) {
                    (0, 0) => Op::SUB,
                    (0, 1) => Op::XOR,
                    (0, 2) => Op::OR,
                    (0, 3) => Op::AND,
                    (1, 0) => Op::SUBW,
                    (1, 1) => Op::ADDW,
                    _ => return illegal,
                };
                insn(op, rs1_p, rs1_p, rd_p, 0, b)
            }
        },
        (1, 5) => {
            let off = (bit(b, 12) << 11)
                | (bit(b, 11) << 4)
                | (bits(b, 10, 9) << 8)
                | (bit(b, 8) << 10)
                | (bit(b, 7) << 6)
                | (bit(b, 6) << 7)
                | (bits(b, 5, 3) << 1)
                | (bit(b, 2) << 5);
            insn(Op::JAL, 0, 0, 0, sext(off, 12), b)
        }
        (1, 6) | (1, 7) => {
            let off = (bit(b, 12) << 8)
                | (bits(b, 11, 10) << 3)
                | (bits(b, 6, 5) << 6)
                | (bits(b, 4, 3) << 1)
                | (bit(b, 2) << 5);
            let op = if f3 == 6 { Op::BEQ } else { Op::BNE };
            insn(op, 0, rs1_p, 0, sext(off, 9), b)
        }
        // ---- Quadrant 2
        (2, 0) => insn(Op::SLLI, rd_full, rd_full, 0, ci_shamt, b),
        (2, 1) => {
            let uimm = (bit(b, 12) << 5) | (bits(b, 6, 5) << 3) | (bits(b, 4, 2) << 6);
            insn(Op::FLD, rd_full, 2, 0, uimm as i32, b)
        }
        (2, 5) => {
            let uimm = (bits(b, 12, 10) << 3) | (bits(b, 9, 7) << 6);
            insn(Op::FSD, 0, 2, rs2_full, uimm as i32, b)
        }
        (2, 2) => {
            if rd_full == 0 {
                return illegal;
            }
            let uimm = (bit(b, 12) << 5) | (bits(b, 6, 4) << 2) | (bits(b, 3, 2) << 6);
            insn(Op::LW, rd_full, 2, 0, uimm as i32, b)
        }
        (2, 3) => {
            if rd_full == 0 {
                return illegal;
            }
            let uimm = (bit(b, 12) << 5) | (bits(b, 6, 5) << 3) | (bits(b, 4, 2) << 6);
            insn(Op::LD, rd_full, 2, 0, uimm as i32, b)
        }
        (2, 4) => match (bit(b, 12), rd_full, rs2_full) {
            (0, 0, 0) => illegal, // c.jr x0 is reserved
            (0, rs1, 0) => insn(Op::JALR, 0, rs1, 0, 0, b),
            (0, rd, rs2) => insn(Op::ADD, rd, 0, rs2, 0, b), // c.mv
            (_, 0, 0) => insn(Op::EBREAK, 0, 0, 0, 0, b),
            (_, rs1, 0) => insn(Op::JALR, 1, rs1, 0, 0, b),
            (_, rd, rs2) => insn(Op::ADD, rd, rd, rs2, 0, b),
        },
        (2, 6) => {
            let uimm = (bits(b, 12, 9) << 2) | (bits(b, 8, 7) << 6);
            insn(Op::SW, 0, 2, rs2_full, uimm as i32, b)
        }
        (2, 7) => {
            let uimm = (bits(b, 12, 10) << 3) | (bits(b, 9, 7) << 6);
            insn(Op::SD, 0, 2, rs2_full, uimm as i32, b)
        }
        // The reserved quadrant-0 funct3 = 4.
        _ => illegal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(b: u32) -> Insn {
        decode_compressed(b)
    }
    fn shape(i: Insn) -> (Op, u8, u8, u8, i32) {
        (i.op, i.rd, i.rs1, i.rs2, i.imm)
    }

    // Encodings below were produced by assembling each line with
    // `riscv64-unknown-elf-as -march=rv64imac` and reading the listing.
    #[test]
    fn quadrant0() {
        assert_eq!(shape(c(0x0048)), (Op::ADDI, 10, 2, 0, 4)); // c.addi4spn a0,sp,4
        assert_eq!(shape(c(0x1fe8)), (Op::ADDI, 10, 2, 0, 1020)); // c.addi4spn a0,sp,1020
        assert_eq!(shape(c(0x41c8)), (Op::LW, 10, 11, 0, 4)); // c.lw a0,4(a1)
        assert_eq!(shape(c(0x7de8)), (Op::LD, 10, 11, 0, 248)); // c.ld a0,248(a1)
        assert_eq!(shape(c(0xc1c8)), (Op::SW, 0, 11, 10, 4)); // c.sw a0,4(a1)
        assert_eq!(shape(c(0xfde8)), (Op::SD, 0, 11, 10, 248)); // c.sd a0,248(a1)
        assert_eq!(c(0x0000).op, Op::ILLEGAL);
        assert_eq!(c(0x8000).op, Op::ILLEGAL); // reserved funct3 = 4
    }

    #[test]
    fn quadrant1() {
        assert_eq!(shape(c(0x0001)), (Op::ADDI, 0, 0, 0, 0)); // c.nop
        assert_eq!(shape(c(0x157d)), (Op::ADDI, 10, 10, 0, -1)); // c.addi a0,-1
        assert_eq!(shape(c(0x2505)), (Op::ADDIW, 10, 10, 0, 1)); // c.addiw a0,1
        assert_eq!(c(0x2001).op, Op::ILLEGAL); // c.addiw x0 reserved
        assert_eq!(shape(c(0x557d)), (Op::ADDI, 10, 0, 0, -1)); // c.li a0,-1
        assert_eq!(shape(c(0x7101)), (Op::ADDI, 2, 2, 0, -512)); // c.addi16sp sp,-512
        assert_eq!(shape(c(0x6141)), (Op::ADDI, 2, 2, 0, 16)); // c.addi16sp sp,16
        assert_eq!(c(0x6101).op, Op::ILLEGAL); // c.addi16sp 0 reserved
        assert_eq!(shape(c(0x7541)), (Op::LUI, 10, 0, 0, -0x10000)); // c.lui a0,0xffff0
        assert_eq!(c(0x6501).op, Op::ILLEGAL); // c.lui a0,0 reserved
        assert_eq!(shape(c(0x9579)), (Op::SRAI, 10, 10, 0, 62)); // c.srai a0,62
        assert_eq!(shape(c(0x8105)), (Op::SRLI, 10, 10, 0, 1)); // c.srli a0,1
        assert_eq!(shape(c(0x897d)), (Op::ANDI, 10, 10, 0, 31)); // c.andi a0,31
        assert_eq!(shape(c(0x8d0d)), (Op::SUB, 10, 10, 11, 0)); // c.sub a0,a1
        assert_eq!(shape(c(0x8d2d)), (Op::XOR, 10, 10, 11, 0));
        assert_eq!(shape(c(0x8d4d)), (Op::OR, 10, 10, 11, 0));
        assert_eq!(shape(c(0x8d6d)), (Op::AND, 10, 10, 11, 0));
        assert_eq!(shape(c(0x9d0d)), (Op::SUBW, 10, 10, 11, 0));
        assert_eq!(shape(c(0x9d2d)), (Op::ADDW, 10, 10, 11, 0));
        assert_eq!(c(0x9d4d).op, Op::ILLEGAL); // reserved
        assert_eq!(c(0x9d6d).op, Op::ILLEGAL); // reserved
        assert_eq!(shape(c(0xbffd)), (Op::JAL, 0, 0, 0, -2)); // c.j .-2
        assert_eq!(shape(c(0xa001)), (Op::JAL, 0, 0, 0, 0)); // c.j .
        assert_eq!(shape(c(0xdd7d)), (Op::BEQ, 0, 10, 0, -2)); // c.beqz a0,.-2
        assert_eq!(shape(c(0xe111)), (Op::BNE, 0, 10, 0, 4)); // c.bnez a0,.+4
    }

    #[test]
    fn quadrant2() {
        assert_eq!(shape(c(0x157e)), (Op::SLLI, 10, 10, 0, 63)); // c.slli a0,63
        assert_eq!(shape(c(0x4512)), (Op::LW, 10, 2, 0, 4)); // c.lwsp a0,4(sp)
        assert_eq!(c(0x4002).op, Op::ILLEGAL); // c.lwsp x0 reserved
        assert_eq!(shape(c(0x6522)), (Op::LD, 10, 2, 0, 8)); // c.ldsp a0,8(sp)
        assert_eq!(c(0x6002).op, Op::ILLEGAL); // c.ldsp x0 reserved
        assert_eq!(shape(c(0x8502)), (Op::JALR, 0, 10, 0, 0)); // c.jr a0
        assert_eq!(c(0x8002).op, Op::ILLEGAL); // c.jr x0 reserved
        assert_eq!(shape(c(0x852e)), (Op::ADD, 10, 0, 11, 0)); // c.mv a0,a1
        assert_eq!(c(0x9002).op, Op::EBREAK);
        assert_eq!(shape(c(0x9502)), (Op::JALR, 1, 10, 0, 0)); // c.jalr a0
        assert_eq!(shape(c(0x952e)), (Op::ADD, 10, 10, 11, 0)); // c.add a0,a1
        assert_eq!(shape(c(0xc22a)), (Op::SW, 0, 2, 10, 4)); // c.swsp a0,4(sp)
        assert_eq!(shape(c(0xe42a)), (Op::SD, 0, 2, 10, 8)); // c.sdsp a0,8(sp)
        assert_eq!(shape(c(0x2522)), (Op::FLD, 10, 2, 0, 8)); // c.fldsp fa0,8(sp)
        assert_eq!(shape(c(0xa42a)), (Op::FSD, 0, 2, 10, 8)); // c.fsdsp fa0,8(sp)
        assert_eq!(shape(c(0x3de8)), (Op::FLD, 10, 11, 0, 248)); // c.fld fa0,248(a1)
        assert_eq!(shape(c(0xbde8)), (Op::FSD, 0, 11, 10, 248)); // c.fsd fa0,248(a1)
    }
}
