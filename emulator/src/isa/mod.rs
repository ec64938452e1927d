//! The instruction set: one table of operations, the decoder (32-bit and
//! compressed), and the disassembler used by `--trace`.
//!
//! Decoding produces a small `Copy` value, [`Insn`], that the executor
//! dispatches on. Compressed instructions decode straight to the operation of
//! their 32-bit expansion with `len == 2`, so the executor never sees RVC.

mod decode;
mod decode_fp;
mod disasm;
#[cfg(test)]
mod roundtrip_tests;
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
            /// Every operation, indexed by its discriminant (so that a
            /// `const` u8 can name an operation in a generic parameter).
            pub const ALL: [Op; [$(stringify!($op)),*].len()] = [$(Op::$op),*];

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
    // RV64F
    FLW => "flw", FSW => "fsw",
    FMADD_S => "fmadd.s", FMSUB_S => "fmsub.s", FNMSUB_S => "fnmsub.s", FNMADD_S => "fnmadd.s",
    FADD_S => "fadd.s", FSUB_S => "fsub.s", FMUL_S => "fmul.s", FDIV_S => "fdiv.s", FSQRT_S => "fsqrt.s",
    FSGNJ_S => "fsgnj.s", FSGNJN_S => "fsgnjn.s", FSGNJX_S => "fsgnjx.s", FMIN_S => "fmin.s", FMAX_S => "fmax.s",
    FCVT_W_S => "fcvt.w.s", FCVT_WU_S => "fcvt.wu.s", FCVT_L_S => "fcvt.l.s", FCVT_LU_S => "fcvt.lu.s",
    FMV_X_W => "fmv.x.w", FEQ_S => "feq.s", FLT_S => "flt.s", FLE_S => "fle.s", FCLASS_S => "fclass.s",
    FCVT_S_W => "fcvt.s.w", FCVT_S_WU => "fcvt.s.wu", FCVT_S_L => "fcvt.s.l", FCVT_S_LU => "fcvt.s.lu",
    FMV_W_X => "fmv.w.x",
    // RV64D
    FLD => "fld", FSD => "fsd",
    FMADD_D => "fmadd.d", FMSUB_D => "fmsub.d", FNMSUB_D => "fnmsub.d", FNMADD_D => "fnmadd.d",
    FADD_D => "fadd.d", FSUB_D => "fsub.d", FMUL_D => "fmul.d", FDIV_D => "fdiv.d", FSQRT_D => "fsqrt.d",
    FSGNJ_D => "fsgnj.d", FSGNJN_D => "fsgnjn.d", FSGNJX_D => "fsgnjx.d", FMIN_D => "fmin.d", FMAX_D => "fmax.d",
    FCVT_S_D => "fcvt.s.d", FCVT_D_S => "fcvt.d.s",
    FCVT_W_D => "fcvt.w.d", FCVT_WU_D => "fcvt.wu.d", FCVT_L_D => "fcvt.l.d", FCVT_LU_D => "fcvt.lu.d",
    FMV_X_D => "fmv.x.d", FEQ_D => "feq.d", FLT_D => "flt.d", FLE_D => "fle.d", FCLASS_D => "fclass.d",
    FCVT_D_W => "fcvt.d.w", FCVT_D_WU => "fcvt.d.wu", FCVT_D_L => "fcvt.d.l", FCVT_D_LU => "fcvt.d.lu",
    FMV_D_X => "fmv.d.x",
}

impl Op {
    /// Whether this is an F or D instruction (needs mstatus.FS != Off).
    #[inline(always)]
    pub fn is_fp(self) -> bool {
        self as u8 >= Op::FLW as u8
    }

    /// Whether this operation writes a floating-point register (rd is an
    /// f-register) rather than an integer one.
    pub fn writes_f_register(self) -> bool {
        use Op::*;
        self.is_fp()
            && !matches!(
                self,
                FSW | FSD
                    | FCVT_W_S
                    | FCVT_WU_S
                    | FCVT_L_S
                    | FCVT_LU_S
                    | FMV_X_W
                    | FEQ_S
                    | FLT_S
                    | FLE_S
                    | FCLASS_S
                    | FCVT_W_D
                    | FCVT_WU_D
                    | FCVT_L_D
                    | FCVT_LU_D
                    | FMV_X_D
                    | FEQ_D
                    | FLT_D
                    | FLE_D
                    | FCLASS_D
            )
    }
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
