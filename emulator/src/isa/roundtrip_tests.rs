//! Property tests: an independent encoder for each 32-bit instruction format
//! (unprivileged spec 2.2 and 2.3) builds random instructions from random
//! fields; the decoder must give back the operation and every field.

use super::{decode, Op};
use proptest::prelude::*;

fn r(opcode: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode
}
fn i(opcode: u32, f3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
    (((imm as u32) & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode
}
fn s(opcode: u32, f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | opcode
}
fn b(f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3f) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | (((imm >> 1) & 0xf) << 8)
        | (((imm >> 11) & 1) << 7)
        | 0x63
}
fn u(opcode: u32, rd: u32, imm: i32) -> u32 {
    ((imm as u32) & 0xffff_f000) | (rd << 7) | opcode
}
fn j(rd: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12)
        | (rd << 7)
        | 0x6f
}

const R_OPS: [(u32, u32, u32, Op); 10] = [
    (0x33, 0, 0x00, Op::ADD),
    (0x33, 0, 0x20, Op::SUB),
    (0x33, 7, 0x00, Op::AND),
    (0x33, 5, 0x20, Op::SRA),
    (0x33, 0, 0x01, Op::MUL),
    (0x33, 3, 0x01, Op::MULHU),
    (0x33, 6, 0x01, Op::REM),
    (0x3b, 0, 0x00, Op::ADDW),
    (0x3b, 5, 0x20, Op::SRAW),
    (0x3b, 7, 0x01, Op::REMUW),
];
const I_OPS: [(u32, u32, Op); 8] = [
    (0x13, 0, Op::ADDI),
    (0x13, 2, Op::SLTI),
    (0x13, 4, Op::XORI),
    (0x03, 3, Op::LD),
    (0x03, 4, Op::LBU),
    (0x03, 6, Op::LWU),
    (0x67, 0, Op::JALR),
    (0x1b, 0, Op::ADDIW),
];
const S_OPS: [(u32, Op); 4] = [(0, Op::SB), (1, Op::SH), (2, Op::SW), (3, Op::SD)];
const B_OPS: [(u32, Op); 6] = [(0, Op::BEQ), (1, Op::BNE), (4, Op::BLT), (5, Op::BGE), (6, Op::BLTU), (7, Op::BGEU)];

proptest! {
    #[test]
    fn r_type(k in 0..R_OPS.len(), rd in 0u32..32, rs1 in 0u32..32, rs2 in 0u32..32) {
        let (opc, f3, f7, op) = R_OPS[k];
        let d = decode(r(opc, f3, f7, rd, rs1, rs2));
        prop_assert_eq!((d.op, d.rd as u32, d.rs1 as u32, d.rs2 as u32, d.len), (op, rd, rs1, rs2, 4));
    }

    #[test]
    fn i_type(k in 0..I_OPS.len(), rd in 0u32..32, rs1 in 0u32..32, imm in -2048i32..2048) {
        let (opc, f3, op) = I_OPS[k];
        let d = decode(i(opc, f3, rd, rs1, imm));
        prop_assert_eq!((d.op, d.rd as u32, d.rs1 as u32, d.imm), (op, rd, rs1, imm));
    }

    #[test]
    fn shifts(rd in 0u32..32, rs1 in 0u32..32, sh in 0i32..64, arith in any::<bool>()) {
        let f6 = if arith { 0x10 } else { 0 };
        let d = decode(i(0x13, 5, rd, rs1, (f6 << 6) | sh));
        prop_assert_eq!((d.op, d.imm), (if arith { Op::SRAI } else { Op::SRLI }, sh));
    }

    #[test]
    fn s_type(k in 0..S_OPS.len(), rs1 in 0u32..32, rs2 in 0u32..32, imm in -2048i32..2048) {
        let (f3, op) = S_OPS[k];
        let d = decode(s(0x23, f3, rs1, rs2, imm));
        prop_assert_eq!((d.op, d.rs1 as u32, d.rs2 as u32, d.imm), (op, rs1, rs2, imm));
    }

    #[test]
    fn b_type(k in 0..B_OPS.len(), rs1 in 0u32..32, rs2 in 0u32..32, half in -2048i32..2048) {
        let (f3, op) = B_OPS[k];
        let imm = half * 2; // branch offsets are multiples of 2 in -4096..4096
        let d = decode(b(f3, rs1, rs2, imm));
        prop_assert_eq!((d.op, d.rs1 as u32, d.rs2 as u32, d.imm), (op, rs1, rs2, imm));
    }

    #[test]
    fn u_type(rd in 0u32..32, upper in any::<u32>(), auipc in any::<bool>()) {
        let imm = (upper & 0xffff_f000) as i32;
        let d = decode(u(if auipc { 0x17 } else { 0x37 }, rd, imm));
        prop_assert_eq!((d.op, d.rd as u32, d.imm), (if auipc { Op::AUIPC } else { Op::LUI }, rd, imm));
    }

    #[test]
    fn j_type(rd in 0u32..32, half in -(1i32 << 19)..(1i32 << 19)) {
        let imm = half * 2;
        let d = decode(j(rd, imm));
        prop_assert_eq!((d.op, d.rd as u32, d.imm), (Op::JAL, rd, imm));
    }

    #[test]
    fn any_word_decodes_without_panic(bits in any::<u32>()) {
        let d = decode(bits);
        prop_assert!(d.len == 2 || d.len == 4);
        prop_assert_eq!(d.len == 4, bits & 3 == 3);
    }
}
