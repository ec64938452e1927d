//! `--trace`: one line per retired instruction in the format of Spike's
//! `--log-commits` (so the two can be diffed), followed by the disassembly
//! after a `;`.

use crate::cpu::trap::Exception;
use crate::cpu::{Hart, Privilege, Tracer};
use crate::isa::{disassemble, Insn, Op};
use std::io::Write;

/// Writes a commit log to `out`.
pub struct CommitLog<W: Write> {
    out: W,
}

impl<W: Write> CommitLog<W> {
    /// A commit log written to `out`.
    pub fn new(out: W) -> Self {
        CommitLog { out }
    }
}

/// Whether `op` writes its rd.
fn writes_rd(op: Op) -> bool {
    use Op::*;
    !matches!(
        op,
        BEQ | BNE
            | BLT
            | BGE
            | BLTU
            | BGEU
            | SB
            | SH
            | SW
            | SD
            | FENCE
            | FENCE_I
            | ECALL
            | EBREAK
            | MRET
            | SRET
            | WFI
            | SFENCE_VMA
            | ILLEGAL
    )
}

impl<W: Write> Tracer for CommitLog<W> {
    const ENABLED: bool = true;

    fn retired(&mut self, hart: &Hart, prv: Privilege, pc: u64, insn: &Insn) {
        let bits = if insn.len == 2 { format!("0x{:04x}", insn.bits) } else { format!("0x{:08x}", insn.bits) };
        let mut line = format!("core   0: {} 0x{:016x} ({})", prv.number(), pc, bits);
        if insn.op.writes_f_register() {
            line += &format!(" f{:<2} 0x{:016x}", insn.rd, hart.f[insn.rd as usize]);
        } else if writes_rd(insn.op) && insn.rd != 0 {
            line += &format!(" x{:<2} 0x{:016x}", insn.rd, hart.x[insn.rd as usize]);
        }
        let _ = writeln!(self.out, "{line} ; {}", disassemble(insn, pc));
    }

    fn exception(&mut self, _hart: &Hart, pc: u64, e: Exception) {
        let _ = writeln!(self.out, "core   0: exception {:?}, epc 0x{:016x}", e.cause, pc);
        let _ = writeln!(self.out, "core   0:           tval 0x{:016x}", e.tval);
    }
}
