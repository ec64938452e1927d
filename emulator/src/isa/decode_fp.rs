//! Decoding of the F and D extensions (unprivileged spec ch. 20 "F", 21 "D";
//! listings in ch. 34). The rounding-mode field (bits 14:12) and rs3 (bits
//! 31:27) are read from the raw bits at execute time; operations whose
//! funct3 is not a rounding mode are checked here.

use super::{Insn, Op};

fn make(op: Op, b: u32, imm: i32) -> Insn {
    Insn {
        op,
        rd: ((b >> 7) & 31) as u8,
        rs1: ((b >> 15) & 31) as u8,
        rs2: ((b >> 20) & 31) as u8,
        len: 4,
        imm,
        bits: b,
    }
}

/// Decode a 32-bit word whose major opcode (bits 6:2) is LOAD-FP (0x01),
/// STORE-FP (0x09), one of the fused multiply-adds (0x10..=0x13) or OP-FP
/// (0x14). Returns `None` for anything else.
pub fn decode_fp(b: u32) -> Option<Insn> {
    use Op::*;
    let f3 = (b >> 12) & 7;
    let rs2 = (b >> 20) & 31;
    let illegal = Some(Insn::illegal(b, 4));
    let imm_i = (b as i32) >> 20;
    let imm_s = ((b as i32) >> 25 << 5) | ((b >> 7) & 31) as i32;
    let insn = match (b >> 2) & 0x1f {
        0x01 => match f3 {
            2 => make(FLW, b, imm_i),
            3 => make(FLD, b, imm_i),
            _ => return illegal,
        },
        0x09 => match f3 {
            2 => make(FSW, b, imm_s),
            3 => make(FSD, b, imm_s),
            _ => return illegal,
        },
        major @ 0x10..=0x13 => {
            let double = match (b >> 25) & 3 {
                0 => false,
                1 => true,
                _ => return illegal,
            };
            let op = match (major, double) {
                (0x10, false) => FMADD_S,
                (0x11, false) => FMSUB_S,
                (0x12, false) => FNMSUB_S,
                (0x13, false) => FNMADD_S,
                (0x10, true) => FMADD_D,
                (0x11, true) => FMSUB_D,
                (0x12, true) => FNMSUB_D,
                _ => FNMADD_D,
            };
            make(op, b, 0)
        }
        0x14 => {
            let op = match (b >> 25, f3, rs2) {
                (0x00, _, _) => FADD_S,
                (0x01, _, _) => FADD_D,
                (0x04, _, _) => FSUB_S,
                (0x05, _, _) => FSUB_D,
                (0x08, _, _) => FMUL_S,
                (0x09, _, _) => FMUL_D,
                (0x0c, _, _) => FDIV_S,
                (0x0d, _, _) => FDIV_D,
                (0x2c, _, 0) => FSQRT_S,
                (0x2d, _, 0) => FSQRT_D,
                (0x10, 0, _) => FSGNJ_S,
                (0x10, 1, _) => FSGNJN_S,
                (0x10, 2, _) => FSGNJX_S,
                (0x11, 0, _) => FSGNJ_D,
                (0x11, 1, _) => FSGNJN_D,
                (0x11, 2, _) => FSGNJX_D,
                (0x14, 0, _) => FMIN_S,
                (0x14, 1, _) => FMAX_S,
                (0x15, 0, _) => FMIN_D,
                (0x15, 1, _) => FMAX_D,
                (0x20, _, 1) => FCVT_S_D,
                (0x21, _, 0) => FCVT_D_S,
                (0x60, _, 0) => FCVT_W_S,
                (0x60, _, 1) => FCVT_WU_S,
                (0x60, _, 2) => FCVT_L_S,
                (0x60, _, 3) => FCVT_LU_S,
                (0x61, _, 0) => FCVT_W_D,
                (0x61, _, 1) => FCVT_WU_D,
                (0x61, _, 2) => FCVT_L_D,
                (0x61, _, 3) => FCVT_LU_D,
                (0x68, _, 0) => FCVT_S_W,
                (0x68, _, 1) => FCVT_S_WU,
                (0x68, _, 2) => FCVT_S_L,
                (0x68, _, 3) => FCVT_S_LU,
                (0x69, _, 0) => FCVT_D_W,
                (0x69, _, 1) => FCVT_D_WU,
                (0x69, _, 2) => FCVT_D_L,
                (0x69, _, 3) => FCVT_D_LU,
                (0x70, 0, 0) => FMV_X_W,
                (0x70, 1, 0) => FCLASS_S,
                (0x71, 0, 0) => FMV_X_D,
                (0x71, 1, 0) => FCLASS_D,
                (0x50, 2, _) => FEQ_S,
                (0x50, 1, _) => FLT_S,
                (0x50, 0, _) => FLE_S,
                (0x51, 2, _) => FEQ_D,
                (0x51, 1, _) => FLT_D,
                (0x51, 0, _) => FLE_D,
                (0x78, 0, 0) => FMV_W_X,
                (0x79, 0, 0) => FMV_D_X,
                _ => return illegal,
            };
            make(op, b, 0)
        }
        _ => return None,
    };
    Some(insn)
}
