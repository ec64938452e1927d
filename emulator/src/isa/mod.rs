//! The instruction set: one table of operations, the decoder (32-bit and
//! compressed), and the disassembler used by `--trace`.
//!
//! Decoding produces a small `Copy` value, [`Insn`], that the executor
//! dispatches on. Compressed instructions decode straight to the operation of
//! their 32-bit expansion with `len == 2`, so the executor never sees RVC.

mod decode;
mod disasm;
mod rvc;

pub use decode::decode;
pub use disasm::disassemble;

macro_rules! define_ops {
    ($($op:ident => $name:literal),* $(,)?) => {
        /// Every operation the hart executes. Compressed forms map onto these.
        #[allow(missing_docs, non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Op { $($op),* }

        impl Op {
            /// The assembler mnemonic.
            pub fn mnemonic(self) -> &'static str {
                match self { $(Op::$op => $name),* }
            }
        }
    };
}

define_ops! {
    ILLEGAL => "illegal",
    // RV64I
    LUI => "lui", AUIPC => "auipc", JAL => "jal", JALR => "jalr",
    BEQ => "beq", BNE => "bne", BLT => "blt", BGE => "bge", BLTU => "bltu", BGEU => "bgeu",
    LB => "lb", LH => "lh", LW => "lw", LD => "ld", LBU => "lbu", LHU => "lhu", LWU => "lwu",
    SB => "sb", SH => "sh", SW => "sw", SD => "sd",
    ADDI => "addi", SLTI => "slti", SLTIU => "sltiu", XORI => "xori", ORI => "ori", ANDI => "andi",
    SLLI => "slli", SRLI => "srli", SRAI => "srai",
    ADD => "add", SUB => "sub", SLL => "sll", SLT => "slt", SLTU => "sltu",
    XOR => "xor", SRL => "srl", SRA => "sra", OR => "or", AND => "and",
    ADDIW => "addiw", SLLIW => "slliw", SRLIW => "srliw", SRAIW => "sraiw",
    ADDW => "addw", SUBW => "subw", SLLW => "sllw", SRLW => "srlw", SRAW => "sraw",
    FENCE => "fence", FENCE_I => "fence.i", ECALL => "ecall", EBREAK => "ebreak",
    // RV64M
    MUL => "mul", MULH => "mulh", MULHSU => "mulhsu", MULHU => "mulhu",
    DIV => "div", DIVU => "divu", REM => "rem", REMU => "remu",
    MULW => "mulw", DIVW => "divw", DIVUW => "divuw", REMW => "remw", REMUW => "remuw",
    // RV64A
    LR_W => "lr.w", SC_W => "sc.w", LR_D => "lr.d", SC_D => "sc.d",
    AMOSWAP_W => "amoswap.w", AMOADD_W => "amoadd.w", AMOXOR_W => "amoxor.w",
    AMOAND_W => "amoand.w", AMOOR_W => "amoor.w", AMOMIN_W => "amomin.w",
    AMOMAX_W => "amomax.w", AMOMINU_W => "amominu.w", AMOMAXU_W => "amomaxu.w",
    AMOSWAP_D => "amoswap.d", AMOADD_D => "amoadd.d", AMOXOR_D => "amoxor.d",
    AMOAND_D => "amoand.d", AMOOR_D => "amoor.d", AMOMIN_D => "amomin.d",
    AMOMAX_D => "amomax.d", AMOMINU_D => "amominu.d", AMOMAXU_D => "amomaxu.d",
    // Zicsr
    CSRRW => "csrrw", CSRRS => "csrrs", CSRRC => "csrrc",
    CSRRWI => "csrrwi", CSRRSI => "csrrsi", CSRRCI => "csrrci",
    // Privileged
    MRET => "mret", SRET => "sret", WFI => "wfi", SFENCE_VMA => "sfence.vma",
}

/// A decoded instruction: what the executor needs and nothing else.
///
/// Field meaning depends on the operation: `imm` is the sign-extended
/// immediate (branch and jump offsets are relative to the instruction's pc);
/// for CSR operations `imm` is the CSR number and, in the immediate forms,
/// `rs1` holds the 5-bit zero-extended immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// The operation.
    pub op: Op,
    /// Destination register.
    pub rd: u8,
    /// First source register (or CSR immediate).
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Length in bytes: 2 (compressed) or 4.
    pub len: u8,
    /// Immediate, sign-extended to 32 bits (every RV64 immediate fits).
    pub imm: i32,
    /// The raw instruction bits (16 significant bits when `len == 2`).
    pub bits: u32,
}

impl Insn {
    /// The illegal instruction with these raw bits.
    pub const fn illegal(bits: u32, len: u8) -> Insn {
        Insn { op: Op::ILLEGAL, rd: 0, rs1: 0, rs2: 0, len, imm: 0, bits }
    }
}

/// Length in bytes of the instruction whose low 16 bits are `low_half`
/// (RV64GC has only 16- and 32-bit instructions; longer encodings are
/// reserved and decode as illegal 32-bit words).
#[inline(always)]
pub fn insn_len(low_half: u32) -> u8 {
    if low_half & 3 == 3 {
        4
    } else {
        2
    }
}
