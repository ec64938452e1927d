//! Exceptions and interrupts, and trap entry/return (privileged spec 3.1.6,
//! 3.1.7, 3.1.9 and 3.3.2; 4.1.1 for the S-mode view).

use super::{Hart, Privilege};
use crate::cpu::csr::mstatus;

/// Synchronous exception causes (privileged spec table 3.6).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Cause {
    InstructionAddressMisaligned = 0,
    InstructionAccessFault = 1,
    IllegalInstruction = 2,
    Breakpoint = 3,
    LoadAddressMisaligned = 4,
    LoadAccessFault = 5,
    StoreAddressMisaligned = 6,
    StoreAccessFault = 7,
    EcallFromU = 8,
    EcallFromS = 9,
    EcallFromM = 11,
    InstructionPageFault = 12,
    LoadPageFault = 13,
    StorePageFault = 15,
}

/// A synchronous exception: the cause and the value for xtval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    /// Why.
    pub cause: Cause,
    /// The faulting address, instruction bits, or 0.
    pub tval: u64,
}

impl Exception {
    /// An exception with the given cause and tval.
    #[inline]
    pub fn new(cause: Cause, tval: u64) -> Exception {
        Exception { cause, tval }
    }

    /// Illegal instruction; tval holds the instruction bits.
    #[inline]
    pub fn illegal(bits: u32) -> Exception {
        Exception { cause: Cause::IllegalInstruction, tval: bits as u64 }
    }
}

/// Interrupt numbers (bit positions in mip/mie).
pub mod irq {
    /// Supervisor software interrupt.
    pub const SSI: u64 = 1;
    /// Machine software interrupt.
    pub const MSI: u64 = 3;
    /// Supervisor timer interrupt.
    pub const STI: u64 = 5;
    /// Machine timer interrupt.
    pub const MTI: u64 = 7;
    /// Supervisor external interrupt.
    pub const SEI: u64 = 9;
    /// Machine external interrupt.
    pub const MEI: u64 = 11;
    /// Priority order for simultaneous interrupts (privileged spec 3.1.9):
    /// MEI, MSI, MTI, SEI, SSI, STI.
    pub const PRIORITY: [u64; 6] = [MEI, MSI, MTI, SEI, SSI, STI];
}

const INTERRUPT_BIT: u64 = 1 << 63;

impl Hart {
    /// Take a synchronous exception raised by the instruction at `self.pc`.
    pub fn take_exception(&mut self, e: Exception) {
        self.stats.count_trap(e.cause as u64, self.prv);
        self.trap_enter(e.cause as u64, e.tval, false);
    }

    /// Take interrupt `irq` (a bit number of mip) before the instruction at
    /// `self.pc`.
    pub fn take_interrupt(&mut self, irq: u64) {
        self.stats.count_interrupt(irq, self.prv);
        self.trap_enter(irq, 0, true);
    }

    /// Trap entry (privileged spec 3.1.6.1 and 4.1.1): choose M or S by
    /// delegation, save pc/privilege/interrupt-enable, jump to the vector.
    fn trap_enter(&mut self, cause: u64, tval: u64, interrupt: bool) {
        log::debug!(
            "trap: {} {} tval=0x{:x} pc=0x{:x} from {:?}",
            if interrupt { "interrupt" } else { "exception" },
            cause,
            tval,
            self.pc,
            self.prv
        );
        // A trap clears the LR reservation (as Spike does; allowed by the
        // unprivileged spec's "SC may fail" latitude).
        self.mmu.reservation = crate::mmu::NO_RESERVATION;
        let deleg = if interrupt { self.csr.mideleg } else { self.csr.medeleg };
        let to_s = self.prv != Privilege::Machine && (deleg >> cause) & 1 == 1;
        let xcause = cause | if interrupt { INTERRUPT_BIT } else { 0 };
        let s = &mut self.csr;
        if to_s {
            s.scause = xcause;
            s.sepc = self.pc;
            s.stval = tval;
            let sie = s.mstatus & mstatus::SIE != 0;
            s.mstatus = set(s.mstatus, mstatus::SPIE, sie);
            s.mstatus = set(s.mstatus, mstatus::SIE, false);
            s.mstatus = set(s.mstatus, mstatus::SPP, self.prv != Privilege::User);
            self.pc = vector(s.stvec, cause, interrupt);
            self.set_privilege(Privilege::Supervisor);
        } else {
            s.mcause = xcause;
            s.mepc = self.pc;
            s.mtval = tval;
            let mie = s.mstatus & mstatus::MIE != 0;
            s.mstatus = set(s.mstatus, mstatus::MPIE, mie);
            s.mstatus = set(s.mstatus, mstatus::MIE, false);
            s.mstatus = (s.mstatus & !mstatus::MPP) | ((self.prv as u64) << mstatus::MPP_SHIFT);
            self.pc = vector(s.mtvec, cause, interrupt);
            self.set_privilege(Privilege::Machine);
        }
    }

    /// MRET (privileged spec 3.3.2).
    pub fn mret(&mut self) {
        let s = &mut self.csr;
        let mpp = Privilege::from_bits((s.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT);
        let mpie = s.mstatus & mstatus::MPIE != 0;
        s.mstatus = set(s.mstatus, mstatus::MIE, mpie);
        s.mstatus = set(s.mstatus, mstatus::MPIE, true);
        s.mstatus &= !mstatus::MPP; // least-privileged supported mode: U
        if mpp != Privilege::Machine {
            s.mstatus &= !mstatus::MPRV;
        }
        self.pc = s.mepc;
        self.set_privilege(mpp);
    }

    /// SRET (privileged spec 3.3.2).
    pub fn sret(&mut self) {
        let s = &mut self.csr;
        let spp = if s.mstatus & mstatus::SPP != 0 { Privilege::Supervisor } else { Privilege::User };
        let spie = s.mstatus & mstatus::SPIE != 0;
        s.mstatus = set(s.mstatus, mstatus::SIE, spie);
        s.mstatus = set(s.mstatus, mstatus::SPIE, true);
        s.mstatus &= !mstatus::SPP;
        s.mstatus &= !mstatus::MPRV; // the new mode is never M
        self.pc = s.sepc;
        self.set_privilege(spp);
    }

    /// The highest-priority interrupt that is pending, enabled and not
    /// masked at the current privilege (privileged spec 3.1.9), if any.
    pub fn pending_interrupt(&self) -> Option<u64> {
        let pending = self.mip() & self.csr.mie;
        if pending == 0 {
            return None;
        }
        let mie = self.csr.mstatus & mstatus::MIE != 0;
        let sie = self.csr.mstatus & mstatus::SIE != 0;
        let m_enabled = self.prv < Privilege::Machine || mie;
        let s_enabled = self.prv < Privilege::Supervisor || (self.prv == Privilege::Supervisor && sie);
        let m_set = if m_enabled { pending & !self.csr.mideleg } else { 0 };
        let s_set = if s_enabled { pending & self.csr.mideleg } else { 0 };
        let take = if m_set != 0 { m_set } else { s_set };
        irq::PRIORITY.into_iter().find(|&i| take >> i & 1 == 1)
    }
}

#[inline]
fn set(reg: u64, mask: u64, on: bool) -> u64 {
    if on {
        reg | mask
    } else {
        reg & !mask
    }
}

/// The trap vector: BASE, or BASE + 4 * cause for interrupts in vectored mode.
fn vector(tvec: u64, cause: u64, interrupt: bool) -> u64 {
    let base = tvec & !3;
    if tvec & 1 == 1 && interrupt {
        // Wraps like the hardware's adder (a found overflow: mtvec near
        // the top of the address space).
        base.wrapping_add(4 * cause)
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::vector;

    #[test]
    fn vectored_interrupts_wrap_at_the_top_of_the_address_space() {
        assert_eq!(vector(0x8000_0101, 7, true), 0x8000_0100 + 28);
        assert_eq!(vector(0x8000_0101, 7, false), 0x8000_0100, "exceptions use BASE");
        // Found by fuzzing: this overflowed (a panic with overflow checks).
        assert_eq!(vector(0xffff_ffff_ffff_fffd, 1, true), 0);
        assert_eq!(vector(0xffff_ffff_ffff_fffd, 9, true), 0x20);
    }
}
