//! Instruction semantics for RV64I, M, A, Zicsr, Zifencei and the privileged
//! instructions. One `match` on the decoded operation; each arm is the
//! specification's one-line meaning.

use super::csr::mstatus;
use super::trap::{Cause, Exception};
use super::{Hart, Privilege};
use crate::addr::VirtAddr;
use crate::isa::{Insn, Op};
use crate::mmu::tlb::Fence;
use crate::mmu::Access;

#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

impl Hart {
    /// Execute `i` (at `self.pc`): update registers, memory and pc, or
    /// return the exception it raises (leaving pc at the instruction).
    #[inline(always)]
    pub(super) fn execute(&mut self, i: &Insn) -> Result<(), Exception> {
        use Op::*;
        let pc = self.pc;
        let mut next = pc.wrapping_add(i.len as u64);
        // Register fields are 5 bits; the mask lets the compiler drop the
        // bounds checks.
        let a = self.x[(i.rs1 & 31) as usize];
        let b = self.x[(i.rs2 & 31) as usize];
        let imm = i.imm as i64 as u64;
        let value: u64 = match i.op {
            LUI => imm,
            AUIPC => pc.wrapping_add(imm),
            JAL => {
                let link = next;
                next = pc.wrapping_add(imm);
                link
            }
            JALR => {
                let link = next;
                next = a.wrapping_add(imm) & !1;
                link
            }
            BEQ | BNE | BLT | BGE | BLTU | BGEU => {
                if branch_taken(i.op, a, b) {
                    next = pc.wrapping_add(imm);
                }
                self.pc = next;
                return Ok(());
            }
            LB => loaded(self.load_data(a.wrapping_add(imm), 1)?, 1, true),
            LH => loaded(self.load_data(a.wrapping_add(imm), 2)?, 2, true),
            LW => loaded(self.load_data(a.wrapping_add(imm), 4)?, 4, true),
            LD => self.load_data(a.wrapping_add(imm), 8)?,
            LBU | LHU | LWU => self.load_data(a.wrapping_add(imm), load_size(i.op))?,
            SB | SH | SW | SD => {
                self.mmu.store(a.wrapping_add(imm), load_size(i.op), b)?;
                self.after_access();
                self.pc = next;
                return Ok(());
            }
            ADDI | SLTI | SLTIU | XORI | ORI | ANDI | SLLI | SRLI | SRAI | ADDIW | SLLIW | SRLIW | SRAIW => {
                alu(i.op, a, imm)
            }
            ADD | SUB | SLL | SLT | SLTU | XOR | SRL | SRA | OR | AND | ADDW | SUBW | SLLW | SRLW | SRAW | MUL
            | MULH | MULHSU | MULHU | DIV | DIVU | REM | REMU | MULW | DIVW | DIVUW | REMW | REMUW => alu(i.op, a, b),
            LR_W | SC_W | LR_D | SC_D | AMOSWAP_W | AMOADD_W | AMOXOR_W | AMOAND_W | AMOOR_W | AMOMIN_W | AMOMAX_W
            | AMOMINU_W | AMOMAXU_W | AMOSWAP_D | AMOADD_D | AMOXOR_D | AMOAND_D | AMOOR_D | AMOMIN_D | AMOMAX_D
            | AMOMINU_D | AMOMAXU_D => self.atomic(i, a, b)?,
            CSRRW | CSRRS | CSRRC | CSRRWI | CSRRSI | CSRRCI => self.zicsr(i, a)?,
            // The decoded-instruction cache validates every entry against
            // the fetched bits, so fence.i has nothing left to invalidate;
            // this hart has no store buffer, so fences are no-ops.
            FENCE | FENCE_I => {
                self.pc = next;
                return Ok(());
            }
            ECALL => {
                let cause = match self.prv {
                    Privilege::User => Cause::EcallFromU,
                    Privilege::Supervisor => Cause::EcallFromS,
                    Privilege::Machine => Cause::EcallFromM,
                };
                return Err(Exception::new(cause, 0));
            }
            EBREAK => return Err(Exception::new(Cause::Breakpoint, pc)),
            MRET | SRET | WFI | SFENCE_VMA => return self.privileged(i, next),
            ILLEGAL => return Err(Exception::illegal(i.bits)),
            _ => return self.execute_fp(i),
        };
        self.x[(i.rd & 31) as usize] = value;
        self.x[0] = 0;
        self.pc = next;
        Ok(())
    }

    /// MRET, SRET, WFI, SFENCE.VMA with their privilege and trap-virtual-
    /// memory/timeout/SRET checks (privileged spec 3.1.6.5).
    fn privileged(&mut self, i: &Insn, next: u64) -> Result<(), Exception> {
        let tsr = self.csr.mstatus & mstatus::TSR != 0;
        let tw = self.csr.mstatus & mstatus::TW != 0;
        let tvm = self.csr.mstatus & mstatus::TVM != 0;
        let illegal = Err(Exception::illegal(i.bits));
        match (i.op, self.prv) {
            (Op::MRET, Privilege::Machine) => self.mret(),
            (Op::SRET, Privilege::Machine) => self.sret(),
            (Op::SRET, Privilege::Supervisor) if !tsr => self.sret(),
            (Op::WFI, Privilege::Machine) => self.wait_for_interrupt(next),
            (Op::WFI, Privilege::Supervisor) if !tw => self.wait_for_interrupt(next),
            (Op::SFENCE_VMA, Privilege::Machine) => self.sfence_vma(i, next),
            (Op::SFENCE_VMA, Privilege::Supervisor) if !tvm => self.sfence_vma(i, next),
            _ => return illegal,
        }
        Ok(())
    }

    /// A store may have asked the machine to act (HTIF, power-off), and a
    /// load or store may have updated a PTE's A/D bits (which may be code):
    /// end the batch after this instruction. So a load never writes RAM
    /// within a batch.
    #[inline(always)]
    pub(super) fn after_access(&mut self) {
        if self.mmu.bus.attention {
            self.batch_end = 0;
        }
    }

    /// A data load of `size` bytes at `va`, then [`Hart::after_access`].
    #[inline(always)]
    pub(super) fn load_data(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        let v = self.mmu.load(va, size)?;
        self.after_access();
        Ok(v)
    }

    /// SFENCE.VMA rs1, rs2 (privileged spec 12.2.1): x0 in rs1 means every
    /// address, x0 in rs2 every address space.
    fn sfence_vma(&mut self, i: &Insn, next: u64) {
        let va = self.x[i.rs1 as usize];
        let asid = self.x[i.rs2 as usize] as u16;
        let fence = match (i.rs1, i.rs2) {
            (0, 0) => Fence::All,
            (0, _) => Fence::Asid(asid),
            (_, 0) => Fence::Addr(va),
            _ => Fence::AddrAsid(va, asid),
        };
        self.mmu.fence(fence);
        self.pc = next;
    }

    fn wait_for_interrupt(&mut self, next: u64) {
        self.pc = next;
        self.waiting = true;
        self.batch_end = 0;
    }

    /// LR/SC and AMOs (unprivileged ch. 8 "A"). The address must be
    /// naturally aligned (misaligned: cause 4 for LR, 6 otherwise); AMOs and
    /// SC are translated and checked as stores.
    fn atomic(&mut self, i: &Insn, addr: u64, src: u64) -> Result<u64, Exception> {
        use Op::*;
        let word = matches!(
            i.op,
            LR_W | SC_W
                | AMOSWAP_W
                | AMOADD_W
                | AMOXOR_W
                | AMOAND_W
                | AMOOR_W
                | AMOMIN_W
                | AMOMAX_W
                | AMOMINU_W
                | AMOMAXU_W
        );
        let size: u8 = if word { 4 } else { 8 };
        let is_lr = matches!(i.op, LR_W | LR_D);
        if addr & (size as u64 - 1) != 0 {
            let cause = if is_lr { Cause::LoadAddressMisaligned } else { Cause::StoreAddressMisaligned };
            return Err(Exception::new(cause, addr));
        }
        let extend = |v: u64| if word { sext32(v) } else { v };
        if is_lr {
            let pa = self.mmu.translate(VirtAddr(addr), Access::Load)?;
            let v = self.mmu.bus.read(pa, size).ok_or(Exception::new(Cause::LoadAccessFault, addr))?;
            self.mmu.reservation = pa.0;
            return Ok(extend(v));
        }
        let pa = self.mmu.translate(VirtAddr(addr), Access::Store)?;
        if matches!(i.op, SC_W | SC_D) {
            let ok = self.mmu.reservation == pa.0;
            self.mmu.reservation = crate::mmu::NO_RESERVATION;
            if !ok {
                return Ok(1);
            }
            self.mmu.store_phys(pa, addr, size, src)?;
            return Ok(0);
        }
        let fault = Exception::new(Cause::StoreAccessFault, addr);
        let old = extend(self.mmu.bus.read(pa, size).ok_or(fault)?);
        let src = extend(src);
        let new = match i.op {
            AMOSWAP_W | AMOSWAP_D => src,
            AMOADD_W | AMOADD_D => old.wrapping_add(src),
            AMOXOR_W | AMOXOR_D => old ^ src,
            AMOAND_W | AMOAND_D => old & src,
            AMOOR_W | AMOOR_D => old | src,
            AMOMIN_W | AMOMIN_D => (old as i64).min(src as i64) as u64,
            AMOMAX_W | AMOMAX_D => (old as i64).max(src as i64) as u64,
            AMOMINU_W | AMOMINU_D => old.min(src),
            _ => old.max(src),
        };
        self.mmu.store_phys(pa, addr, size, new)?;
        Ok(old)
    }

    /// Zicsr: CSRRS/CSRRC with rs1 = x0 (or uimm = 0) do not write, so they
    /// may read read-only CSRs (Zicsr ch. "CSR Instructions").
    fn zicsr(&mut self, i: &Insn, rs1_value: u64) -> Result<u64, Exception> {
        use Op::*;
        let csr = i.imm as u16;
        let src = match i.op {
            CSRRWI | CSRRSI | CSRRCI => i.rs1 as u64,
            _ => rs1_value,
        };
        let write = match i.op {
            CSRRW | CSRRWI => true,
            _ => i.rs1 != 0,
        };
        let read = !(matches!(i.op, CSRRW | CSRRWI) && i.rd == 0);
        match i.op {
            CSRRW | CSRRWI => self.csr_op(csr, read, write, i.bits, |_| src),
            CSRRS | CSRRSI => self.csr_op(csr, read, write, i.bits, |old| old | src),
            _ => self.csr_op(csr, read, write, i.bits, |old| old & !src),
        }
    }
}

/// The access size of a load or store.
#[inline(always)]
pub(super) fn load_size(op: Op) -> u8 {
    use Op::*;
    match op {
        LB | LBU | SB => 1,
        LH | LHU | SH => 2,
        LW | LWU | SW => 4,
        _ => 8,
    }
}

/// A loaded value as rd receives it: sign-extended from `size` bytes for
/// LB/LH/LW, zero-extended (as loaded) otherwise.
#[inline(always)]
pub(super) fn loaded(v: u64, size: u8, signed: bool) -> u64 {
    match (signed, size) {
        (true, 1) => v as i8 as i64 as u64,
        (true, 2) => v as i16 as i64 as u64,
        (true, 4) => v as i32 as i64 as u64,
        _ => v,
    }
}

/// Whether branch `op` (BEQ..BGEU) is taken for operands `a` and `b`.
#[inline(always)]
pub(super) fn branch_taken(op: Op, a: u64, b: u64) -> bool {
    match op {
        Op::BEQ => a == b,
        Op::BNE => a != b,
        Op::BLT => (a as i64) < (b as i64),
        Op::BGE => (a as i64) >= (b as i64),
        Op::BLTU => a < b,
        _ => a >= b,
    }
}

/// The value an integer operation writes to rd (unprivileged ch. 2 and
/// 7), for the register-register operations, the register-immediate ones
/// (`b` is then the sign-extended immediate) and M.
#[inline(always)]
pub(super) fn alu(op: Op, a: u64, b: u64) -> u64 {
    use Op::*;
    match op {
        ADD | ADDI => a.wrapping_add(b),
        SUB => a.wrapping_sub(b),
        SLT | SLTI => ((a as i64) < (b as i64)) as u64,
        SLTU | SLTIU => (a < b) as u64,
        XOR | XORI => a ^ b,
        OR | ORI => a | b,
        AND | ANDI => a & b,
        SLL | SLLI => a << (b & 63),
        SRL | SRLI => a >> (b & 63),
        SRA | SRAI => ((a as i64) >> (b & 63)) as u64,
        ADDW | ADDIW => sext32(a.wrapping_add(b)),
        SUBW => sext32(a.wrapping_sub(b)),
        SLLW | SLLIW => sext32(((a as u32) << (b & 31)) as u64),
        SRLW | SRLIW => sext32(((a as u32) >> (b & 31)) as u64),
        SRAW | SRAIW => ((a as i32) >> (b & 31)) as i64 as u64,
        _ => muldiv(op, a, b),
    }
}

/// RV64M (unprivileged ch. 7): division by zero and overflow give the
/// specified results instead of trapping.
fn muldiv(op: Op, a: u64, b: u64) -> u64 {
    use Op::*;
    match op {
        MUL => a.wrapping_mul(b),
        MULH => (((a as i64 as i128) * (b as i64 as i128)) >> 64) as u64,
        MULHSU => (((a as i64 as i128) * (b as i128)) >> 64) as u64,
        MULHU => (((a as u128) * (b as u128)) >> 64) as u64,
        DIV => match b {
            0 => u64::MAX,
            _ => (a as i64).wrapping_div(b as i64) as u64,
        },
        DIVU => a.checked_div(b).unwrap_or(u64::MAX),
        REM => match b {
            0 => a,
            _ => (a as i64).wrapping_rem(b as i64) as u64,
        },
        REMU => a.checked_rem(b).unwrap_or(a),
        MULW => sext32((a as u32).wrapping_mul(b as u32) as u64),
        DIVW => match b as i32 {
            0 => u64::MAX,
            d => (a as i32).wrapping_div(d) as i64 as u64,
        },
        DIVUW => match b as u32 {
            0 => u64::MAX,
            d => sext32(((a as u32) / d) as u64),
        },
        REMW => match b as i32 {
            0 => sext32(a),
            d => (a as i32).wrapping_rem(d) as i64 as u64,
        },
        _ => match b as u32 {
            0 => sext32(a),
            d => sext32(((a as u32) % d) as u64),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_corner_cases() {
        let min = i64::MIN as u64;
        assert_eq!(muldiv(Op::DIV, 7, 0), u64::MAX);
        assert_eq!(muldiv(Op::DIV, min, u64::MAX), min);
        assert_eq!(muldiv(Op::REM, min, u64::MAX), 0);
        assert_eq!(muldiv(Op::REM, 7, 0), 7);
        assert_eq!(muldiv(Op::DIVU, 7, 0), u64::MAX);
        assert_eq!(muldiv(Op::REMU, 7, 0), 7);
        assert_eq!(muldiv(Op::DIVW, 0x8000_0000, 0xffff_ffff), 0xffff_ffff_8000_0000);
        assert_eq!(muldiv(Op::REMW, 0x8000_0000, 0xffff_ffff), 0);
        assert_eq!(muldiv(Op::DIVUW, 5, 0), u64::MAX);
        assert_eq!(muldiv(Op::REMUW, 0xffff_ffff, 0), u64::MAX, "sign-extended dividend");
        assert_eq!(muldiv(Op::MULHSU, u64::MAX, u64::MAX), u64::MAX); // -1 * (2^64-1) >> 64
        assert_eq!(muldiv(Op::MULHU, u64::MAX, u64::MAX), u64::MAX - 1);
        assert_eq!(muldiv(Op::MULH, min, min), 1 << 62);
        assert_eq!(muldiv(Op::MULW, 0x7fff_ffff, 2), 0xffff_ffff_ffff_fffe);
    }
}
