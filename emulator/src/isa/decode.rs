//! 32-bit instruction decoding (unprivileged spec ch. 34 "RV32/64G
//! Instruction Set Listings"; privileged spec ch. 2 for SYSTEM).

use super::{rvc, Insn, Op};

/// Decode one instruction. `bits` holds 16 significant bits for a compressed
/// instruction, 32 otherwise. Anything not in RV64IMAC + Zicsr + Zifencei +
/// the privileged instructions decodes as [`Op::ILLEGAL`].
pub fn decode(bits: u32) -> Insn {
    if bits & 3 != 3 {
        return rvc::decode_compressed(bits & 0xffff);
    }
    decode32(bits)
}

#[inline]
fn rd(b: u32) -> u8 {
    ((b >> 7) & 31) as u8
}
#[inline]
fn rs1(b: u32) -> u8 {
    ((b >> 15) & 31) as u8
}
#[inline]
fn rs2(b: u32) -> u8 {
    ((b >> 20) & 31) as u8
}
#[inline]
fn funct3(b: u32) -> u32 {
    (b >> 12) & 7
}
#[inline]
fn funct7(b: u32) -> u32 {
    b >> 25
}
fn imm_i(b: u32) -> i32 {
    (b as i32) >> 20
}
fn imm_s(b: u32) -> i32 {
    ((b as i32) >> 25 << 5) | ((b >> 7) & 31) as i32
}
fn imm_b(b: u32) -> i32 {
    ((b as i32) >> 31 << 12)
        | (((b >> 7) & 1) << 11) as i32
        | (((b >> 25) & 0x3f) << 5) as i32
        | (((b >> 8) & 0xf) << 1) as i32
}
fn imm_u(b: u32) -> i32 {
    (b & 0xffff_f000) as i32
}
fn imm_j(b: u32) -> i32 {
    ((b as i32) >> 31 << 20)
        | (b & 0x000f_f000) as i32
        | (((b >> 20) & 1) << 11) as i32
        | (((b >> 21) & 0x3ff) << 1) as i32
}

fn make(op: Op, b: u32, imm: i32) -> Insn {
    Insn { op, rd: rd(b), rs1: rs1(b), rs2: rs2(b), len: 4, imm, bits: b }
}

fn decode32(b: u32) -> Insn {
    let illegal = Insn::illegal(b, 4);
    let f3 = funct3(b);
    let f7 = funct7(b);
    match (b >> 2) & 0x1f {
        0x0d => make(Op::LUI, b, imm_u(b)),
        0x05 => make(Op::AUIPC, b, imm_u(b)),
        0x1b => make(Op::JAL, b, imm_j(b)),
        0x19 if f3 == 0 => make(Op::JALR, b, imm_i(b)),
        0x18 => {
            let op = match f3 {
                0 => Op::BEQ,
                1 => Op::BNE,
                4 => Op::BLT,
                5 => Op::BGE,
                6 => Op::BLTU,
                7 => Op::BGEU,
                _ => return illegal,
            };
            make(op, b, imm_b(b))
        }
        0x00 => {
            let op = match f3 {
                0 => Op::LB,
                1 => Op::LH,
                2 => Op::LW,
                3 => Op::LD,
                4 => Op::LBU,
                5 => Op::LHU,
                6 => Op::LWU,
                _ => return illegal,
            };
            make(op, b, imm_i(b))
        }
        0x08 => {
            let op = match f3 {
                0 => Op::SB,
                1 => Op::SH,
                2 => Op::SW,
                3 => Op::SD,
                _ => return illegal,
            };
            make(op, b, imm_s(b))
        }
        0x04 => {
            let op = match f3 {
                0 => Op::ADDI,
                2 => Op::SLTI,
                3 => Op::SLTIU,
                4 => Op::XORI,
                6 => Op::ORI,
                7 => Op::ANDI,
                // RV64 shifts: a 6-bit shamt, funct6 in bits 31:26.
                1 if b >> 26 == 0 => Op::SLLI,
                5 if b >> 26 == 0 => Op::SRLI,
                5 if b >> 26 == 0x10 => Op::SRAI,
                _ => return illegal,
            };
            let imm = if matches!(op, Op::SLLI | Op::SRLI | Op::SRAI) { ((b >> 20) & 0x3f) as i32 } else { imm_i(b) };
            make(op, b, imm)
        }
        0x06 => {
            let op = match (f3, f7) {
                (0, _) => Op::ADDIW,
                (1, 0) => Op::SLLIW,
                (5, 0) => Op::SRLIW,
                (5, 0x20) => Op::SRAIW,
                _ => return illegal,
            };
            let imm = if op == Op::ADDIW { imm_i(b) } else { ((b >> 20) & 0x1f) as i32 };
            make(op, b, imm)
        }
        0x0c => {
            let op = match (f7, f3) {
                (0, 0) => Op::ADD,
                (0x20, 0) => Op::SUB,
                (0, 1) => Op::SLL,
                (0, 2) => Op::SLT,
                (0, 3) => Op::SLTU,
                (0, 4) => Op::XOR,
                (0, 5) => Op::SRL,
                (0x20, 5) => Op::SRA,
                (0, 6) => Op::OR,
                (0, 7) => Op::AND,
                (1, 0) => Op::MUL,
                (1, 1) => Op::MULH,
                (1, 2) => Op::MULHSU,
                (1, 3) => Op::MULHU,
                (1, 4) => Op::DIV,
                (1, 5) => Op::DIVU,
                (1, 6) => Op::REM,
                (1, 7) => Op::REMU,
                _ => return illegal,
            };
            make(op, b, 0)
        }
        0x0e => {
            let op = match (f7, f3) {
                (0, 0) => Op::ADDW,
                (0x20, 0) => Op::SUBW,
                (0, 1) => Op::SLLW,
                (0, 5) => Op::SRLW,
                (0x20, 5) => Op::SRAW,
                (1, 0) => Op::MULW,
                (1, 4) => Op::DIVW,
                (1, 5) => Op::DIVUW,
                (1, 6) => Op::REMW,
                (1, 7) => Op::REMUW,
                _ => return illegal,
            };
            make(op, b, 0)
        }
        0x03 => match f3 {
            // FENCE: fm/pred/succ are accepted whatever their value (unknown
            // fm values must be treated as a plain fence, unprivileged 2.7).
            0 => make(Op::FENCE, b, imm_i(b)),
            1 => make(Op::FENCE_I, b, imm_i(b)),
            _ => illegal,
        },
        0x0b => decode_amo(b),
        0x1c => decode_system(b),
        _ => super::decode_fp::decode_fp(b).unwrap_or(illegal),
    }
}

fn decode_amo(b: u32) -> Insn {
    let word = match funct3(b) {
        2 => true,
        3 => false,
        _ => return Insn::illegal(b, 4),
    };
    let op = match (b >> 27, word) {
        (0x02, true) if rs2(b) == 0 => Op::LR_W,
        (0x02, false) if rs2(b) == 0 => Op::LR_D,
        (0x03, true) => Op::SC_W,
        (0x03, false) => Op::SC_D,
        (0x01, true) => Op::AMOSWAP_W,
        (0x01, false) => Op::AMOSWAP_D,
        (0x00, true) => Op::AMOADD_W,
        (0x00, false) => Op::AMOADD_D,
        (0x04, true) => Op::AMOXOR_W,
        (0x04, false) => Op::AMOXOR_D,
        (0x0c, true) => Op::AMOAND_W,
        (0x0c, false) => Op::AMOAND_D,
        (0x08, true) => Op::AMOOR_W,
        (0x08, false) => Op::AMOOR_D,
        (0x10, true) => Op::AMOMIN_W,
        (0x10, false) => Op::AMOMIN_D,
        (0x14, true) => Op::AMOMAX_W,
        (0x14, false) => Op::AMOMAX_D,
        (0x18, true) => Op::AMOMINU_W,
        (0x18, false) => Op::AMOMINU_D,
        (0x1c, true) => Op::AMOMAXU_W,
        (0x1c, false) => Op::AMOMAXU_D,
        _ => return Insn::illegal(b, 4),
    };
    make(op, b, 0)
}

fn decode_system(b: u32) -> Insn {
    let f3 = funct3(b);
    let csr = (b >> 20) as i32;
    let op = match f3 {
        0 => {
            if rd(b) != 0 {
                return Insn::illegal(b, 4);
            }
            match (funct7(b), rs2(b), rs1(b)) {
                (0x00, 0, 0) => Op::ECALL,
                (0x00, 1, 0) => Op::EBREAK,
                (0x08, 2, 0) => Op::SRET,
                (0x18, 2, 0) => Op::MRET,
                (0x08, 5, 0) => Op::WFI,
                (0x09, _, _) => Op::SFENCE_VMA,
                _ => return Insn::illegal(b, 4),
            }
        }
        1 => Op::CSRRW,
        2 => Op::CSRRS,
        3 => Op::CSRRC,
        5 => Op::CSRRWI,
        6 => Op::CSRRSI,
        7 => Op::CSRRCI,
        _ => return Insn::illegal(b, 4),
    };
    let imm = if matches!(op, Op::CSRRW | Op::CSRRS | Op::CSRRC | Op::CSRRWI | Op::CSRRSI | Op::CSRRCI) {
        csr & 0xfff
    } else {
        0
    };
    make(op, b, imm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(bits: u32) -> Insn {
        decode(bits)
    }

    #[test]
    fn immediates_of_every_format() {
        // addi a0, a1, -1
        let i = d(0xfff5_8513);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::ADDI, 10, 11, -1));
        // sd a1, -8(sp)
        let s = d(0xfeb1_3c23);
        assert_eq!((s.op, s.rs1, s.rs2, s.imm), (Op::SD, 2, 11, -8));
        // beq a0, a1, -4 (offset encodings: imm[12|10:5] rs2 rs1 000 imm[4:1|11])
        let b = d(0xfeb5_0ee3);
        assert_eq!((b.op, b.imm), (Op::BEQ, -4));
        // jal ra, 2048
        let j = d(0x0010_00ef);
        assert_eq!((j.op, j.rd, j.imm), (Op::JAL, 1, 2048));
        // jal x0, -2 (c.f. tight loop)
        let j = d(0xfffff06f);
        assert_eq!((j.op, j.imm), (Op::JAL, -2));
        // lui a0, 0x80000 -> sign-extended
        let u = d(0x8000_0537);
        assert_eq!((u.op, u.imm), (Op::LUI, i32::MIN));
    }

    #[test]
    fn shifts_use_six_bit_shamt_on_rv64() {
        assert_eq!(d(0x03f5_1513).op, Op::SLLI); // slli a0,a0,63
        assert_eq!(d(0x03f5_1513).imm, 63);
        assert_eq!(d(0x43f5_5513).op, Op::SRAI);
        assert_eq!(d(0x43f5_5513).imm, 63);
        // funct6 other than 0/0x10 is reserved
        assert_eq!(d(0x83f5_5513).op, Op::ILLEGAL);
        // slliw with shamt[5] set is reserved
        assert_eq!(d(0x0205_151b).op, Op::ILLEGAL);
    }

    #[test]
    fn system_and_csr() {
        assert_eq!(d(0x0000_0073).op, Op::ECALL);
        assert_eq!(d(0x0010_0073).op, Op::EBREAK);
        assert_eq!(d(0x3020_0073).op, Op::MRET);
        assert_eq!(d(0x1020_0073).op, Op::SRET);
        assert_eq!(d(0x1050_0073).op, Op::WFI);
        assert_eq!(d(0x1200_0073).op, Op::SFENCE_VMA);
        let c = d(0x3400_1573); // csrrw a0, mscratch, zero
        assert_eq!((c.op, c.rd, c.imm), (Op::CSRRW, 10, 0x340));
        let c = d(0x3402_e573); // csrrsi a0, mscratch, 5
        assert_eq!((c.op, c.rs1, c.imm), (Op::CSRRSI, 5, 0x340));
        // ecall with rd != 0 is reserved
        assert_eq!(d(0x0000_00f3).op, Op::ILLEGAL);
        // funct3 = 4 in SYSTEM is not a CSR op
        assert_eq!(d(0x3400_4573).op, Op::ILLEGAL);
    }

    #[test]
    fn amo_and_lr_sc() {
        assert_eq!(d(0x1005_252f).op, Op::LR_W);
        assert_eq!(d(0x1005_352f).op, Op::LR_D);
        assert_eq!(d(0x18b5_352f).op, Op::SC_D);
        assert_eq!(d(0x08b5_352f).op, Op::AMOSWAP_D);
        assert_eq!(d(0xe0b5_252f).op, Op::AMOMAXU_W);
        // lr with rs2 != 0 is reserved; AMO width b/h do not exist
        assert_eq!(d(0x10b5_252f).op, Op::ILLEGAL);
        assert_eq!(d(0x08b5_052f).op, Op::ILLEGAL);
    }

    #[test]
    fn illegal_words() {
        assert_eq!(d(0xffff_ffff).op, Op::ILLEGAL);
        assert_eq!(d(0x0000_0000).op, Op::ILLEGAL);
        assert_eq!(d(0x0000_7003).op, Op::ILLEGAL); // load funct3 = 7
        assert_eq!(d(0x0000_4023).op, Op::ILLEGAL); // store funct3 = 4
        assert_eq!(d(0x0000_2063).op, Op::ILLEGAL); // branch funct3 = 2
        assert_eq!(d(0x0000_1067).op, Op::ILLEGAL); // jalr funct3 = 1
        assert_eq!(d(0x0400_0033).op, Op::ILLEGAL); // OP funct7 = 2
        assert_eq!(d(0x0000_2013).op, Op::SLTI);
    }

    /// One encoding of every RV64IMAC + Zicsr + Zifencei + privileged
    /// instruction, assembled with `riscv64-unknown-elf-as
    /// -march=rv64imac_zicsr_zifencei` (norvc) and read back with objdump.
    const EVERY_INSTRUCTION: [(u32, Op); 98] = [
        (0x12345537, Op::LUI),
        (0x12345517, Op::AUIPC),
        (0x008000ef, Op::JAL),
        (0x004580e7, Op::JALR),
        (0x00b50463, Op::BEQ),
        (0x00b51463, Op::BNE),
        (0x00b54463, Op::BLT),
        (0x00b55463, Op::BGE),
        (0x00b56463, Op::BLTU),
        (0x00b57463, Op::BGEU),
        (0xffd58503, Op::LB),
        (0xffd59503, Op::LH),
        (0xffd5a503, Op::LW),
        (0xffd5b503, Op::LD),
        (0xffd5c503, Op::LBU),
        (0xffd5d503, Op::LHU),
        (0xffd5e503, Op::LWU),
        (0xfea58ea3, Op::SB),
        (0xfea59ea3, Op::SH),
        (0xfea5aea3, Op::SW),
        (0xfea5bea3, Op::SD),
        (0xff958513, Op::ADDI),
        (0xff95a513, Op::SLTI),
        (0xff95b513, Op::SLTIU),
        (0xff95c513, Op::XORI),
        (0xff95e513, Op::ORI),
        (0xff95f513, Op::ANDI),
        (0x02159513, Op::SLLI),
        (0x0215d513, Op::SRLI),
        (0x4215d513, Op::SRAI),
        (0x00c58533, Op::ADD),
        (0x40c58533, Op::SUB),
        (0x00c59533, Op::SLL),
        (0x00c5a533, Op::SLT),
        (0x00c5b533, Op::SLTU),
        (0x00c5c533, Op::XOR),
        (0x00c5d533, Op::SRL),
        (0x40c5d533, Op::SRA),
        (0x00c5e533, Op::OR),
        (0x00c5f533, Op::AND),
        (0xff95851b, Op::ADDIW),
        (0x0115951b, Op::SLLIW),
        (0x0115d51b, Op::SRLIW),
        (0x4115d51b, Op::SRAIW),
        (0x00c5853b, Op::ADDW),
        (0x40c5853b, Op::SUBW),
        (0x00c5953b, Op::SLLW),
        (0x00c5d53b, Op::SRLW),
        (0x40c5d53b, Op::SRAW),
        (0x0330000f, Op::FENCE),
        (0x0000100f, Op::FENCE_I),
        (0x00000073, Op::ECALL),
        (0x00100073, Op::EBREAK),
        (0x02c58533, Op::MUL),
        (0x02c59533, Op::MULH),
        (0x02c5a533, Op::MULHSU),
        (0x02c5b533, Op::MULHU),
        (0x02c5c533, Op::DIV),
        (0x02c5d533, Op::DIVU),
        (0x02c5e533, Op::REM),
        (0x02c5f533, Op::REMU),
        (0x02c5853b, Op::MULW),
        (0x02c5c53b, Op::DIVW),
        (0x02c5d53b, Op::DIVUW),
        (0x02c5e53b, Op::REMW),
        (0x02c5f53b, Op::REMUW),
        (0x1005a52f, Op::LR_W),
        (0x18c5a52f, Op::SC_W),
        (0x1005b52f, Op::LR_D),
        (0x18c5b52f, Op::SC_D),
        (0x08c5a52f, Op::AMOSWAP_W),
        (0x00c5a52f, Op::AMOADD_W),
        (0x20c5a52f, Op::AMOXOR_W),
        (0x60c5a52f, Op::AMOAND_W),
        (0x40c5a52f, Op::AMOOR_W),
        (0x80c5a52f, Op::AMOMIN_W),
        (0xa0c5a52f, Op::AMOMAX_W),
        (0xc0c5a52f, Op::AMOMINU_W),
        (0xe0c5a52f, Op::AMOMAXU_W),
        (0x0ec5b52f, Op::AMOSWAP_D),
        (0x00c5b52f, Op::AMOADD_D),
        (0x20c5b52f, Op::AMOXOR_D),
        (0x60c5b52f, Op::AMOAND_D),
        (0x40c5b52f, Op::AMOOR_D),
        (0x80c5b52f, Op::AMOMIN_D),
        (0xa0c5b52f, Op::AMOMAX_D),
        (0xc0c5b52f, Op::AMOMINU_D),
        (0xe0c5b52f, Op::AMOMAXU_D),
        (0x34059573, Op::CSRRW),
        (0x3405a573, Op::CSRRS),
        (0x3405b573, Op::CSRRC),
        (0x3402d573, Op::CSRRWI),
        (0x3402e573, Op::CSRRSI),
        (0x3402f573, Op::CSRRCI),
        (0x30200073, Op::MRET),
        (0x10200073, Op::SRET),
        (0x10500073, Op::WFI),
        (0x12b50073, Op::SFENCE_VMA),
    ];

    #[test]
    fn every_instruction_decodes_to_its_operation() {
        for (bits, op) in EVERY_INSTRUCTION {
            let i = d(bits);
            assert_eq!(i.op, op, "0x{bits:08x}");
            assert_eq!((i.len, i.bits), (4, bits));
        }
        // Every operation but ILLEGAL appears in the table.
        let mut seen: Vec<Op> = EVERY_INSTRUCTION.iter().map(|e| e.1).collect();
        seen.sort_by_key(|o| *o as u8);
        seen.dedup();
        assert_eq!(seen.len(), Op::SFENCE_VMA as usize, "one entry per operation");
    }

    #[test]
    fn neighbours_of_every_instruction_never_panic() {
        // Flip each bit of each encoding: the result decodes to something
        // (often illegal) without panicking, and keeps length 4 or 2.
        for (bits, _) in EVERY_INSTRUCTION {
            for b in 0..32 {
                let i = d(bits ^ (1 << b));
                assert!(i.len == 4 || i.len == 2);
            }
        }
    }

    #[test]
    fn every_compressed_encoding_decodes_without_panic() {
        for bits in 0..=0xffffu32 {
            let i = d(bits);
            if bits & 3 == 3 {
                assert_eq!(i.len, 4);
            } else {
                assert_eq!((i.len, i.bits), (2, bits));
            }
        }
    }

    #[test]
    fn every_major_opcode_decodes_or_is_illegal() {
        // Exhaustive over the 32 major opcodes x funct3 x a few funct7 values:
        // nothing panics and the length is always 4.
        for opcode in 0..32u32 {
            for f3 in 0..8u32 {
                for f7 in [0u32, 1, 0x20, 0x7f] {
                    let bits = (f7 << 25) | (f3 << 12) | (opcode << 2) | 3;
                    assert_eq!(d(bits).len, 4);
                }
            }
        }
    }
}
