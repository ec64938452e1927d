//! Disassembly for `--trace`. Compressed instructions print as their 32-bit
//! expansion (the raw bits next to them show they were compressed).

use super::{Insn, Op};

/// ABI register names, x0..x31.
pub const REG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

/// Render `insn`, located at `pc`, in assembler syntax.
pub fn disassemble(insn: &Insn, pc: u64) -> String {
    use Op::*;
    let m = insn.op.mnemonic();
    let rd = REG_NAMES[insn.rd as usize];
    let rs1 = REG_NAMES[insn.rs1 as usize];
    let rs2 = REG_NAMES[insn.rs2 as usize];
    let imm = insn.imm;
    let target = pc.wrapping_add(imm as i64 as u64);
    match insn.op {
        ILLEGAL => format!("illegal 0x{:x}", insn.bits),
        LUI | AUIPC => format!("{m} {rd}, 0x{:x}", (imm as u32) >> 12),
        JAL => format!("{m} {rd}, 0x{target:x}"),
        JALR => format!("{m} {rd}, {imm}({rs1})"),
        BEQ | BNE | BLT | BGE | BLTU | BGEU => format!("{m} {rs1}, {rs2}, 0x{target:x}"),
        LB | LH | LW | LD | LBU | LHU | LWU => format!("{m} {rd}, {imm}({rs1})"),
        SB | SH | SW | SD => format!("{m} {rs2}, {imm}({rs1})"),
        ADDI | SLTI | SLTIU | XORI | ORI | ANDI | SLLI | SRLI | SRAI | ADDIW | SLLIW | SRLIW | SRAIW => {
            format!("{m} {rd}, {rs1}, {imm}")
        }
        LR_W | LR_D => format!("{m} {rd}, ({rs1})"),
        SC_W | SC_D | AMOSWAP_W | AMOADD_W | AMOXOR_W | AMOAND_W | AMOOR_W | AMOMIN_W | AMOMAX_W | AMOMINU_W
        | AMOMAXU_W | AMOSWAP_D | AMOADD_D | AMOXOR_D | AMOAND_D | AMOOR_D | AMOMIN_D | AMOMAX_D | AMOMINU_D
        | AMOMAXU_D => format!("{m} {rd}, {rs2}, ({rs1})"),
        CSRRW | CSRRS | CSRRC => format!("{m} {rd}, 0x{imm:03x}, {rs1}"),
        CSRRWI | CSRRSI | CSRRCI => format!("{m} {rd}, 0x{imm:03x}, {}", insn.rs1),
        SFENCE_VMA => format!("{m} {rs1}, {rs2}"),
        FENCE | FENCE_I | ECALL | EBREAK | MRET | SRET | WFI => m.to_string(),
        _ => format!("{m} {rd}, {rs1}, {rs2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode;

    #[test]
    fn renders_common_forms() {
        assert_eq!(disassemble(&decode(0xfff5_8513), 0), "addi a0, a1, -1");
        assert_eq!(disassemble(&decode(0xfeb1_3c23), 0), "sd a1, -8(sp)");
        assert_eq!(disassemble(&decode(0xfeb5_0ee3), 0x100), "beq a0, a1, 0xfc");
        assert_eq!(disassemble(&decode(0x3400_1573), 0), "csrrw a0, 0x340, zero");
        assert_eq!(disassemble(&decode(0x952e), 0), "add a0, a0, a1");
        assert_eq!(disassemble(&decode(0xffff_ffff), 0), "illegal 0xffffffff");
    }
}
