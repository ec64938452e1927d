//! Control and status registers (privileged spec ch. 2 and 3, 4.1; the
//! counters of unprivileged ch. "Zicntr"). Every CSR this hart implements
//! is listed in [`Hart::csr_read`]; anything else raises illegal instruction.

use super::trap::{irq, Exception};
use super::{Hart, Privilege};

/// mstatus/sstatus fields (privileged spec 3.1.6).
#[allow(missing_docs)]
pub mod mstatus {
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const MPP_SHIFT: u64 = 11;
    pub const MPP: u64 = 3 << MPP_SHIFT;
    pub const FS: u64 = 3 << 13;
    pub const XS: u64 = 3 << 15;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
    pub const UXL: u64 = 3 << 32;
    pub const SXL: u64 = 3 << 34;
    pub const SD: u64 = 1 << 63;
    /// Bits a CSR write to mstatus may change.
    pub const WRITABLE: u64 = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    /// Bits of mstatus visible through sstatus (4.1.1).
    pub const SSTATUS_VISIBLE: u64 = SIE | SPIE | SPP | FS | XS | SUM | MXR | UXL | SD;
    /// Bits a write to sstatus may change.
    pub const SSTATUS_WRITABLE: u64 = SIE | SPIE | SPP | FS | SUM | MXR;
    /// UXL = SXL = 2: U and S run with XLEN = 64 (read-only).
    pub const XLEN_FIELDS: u64 = (2 << 32) | (2 << 34);
}

/// CSR numbers used by name elsewhere.
#[allow(missing_docs)]
pub mod addr {
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10a;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const STIMECMP: u16 = 0x14d;
    pub const SATP: u16 = 0x180;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30a;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3a0;
    pub const PMPADDR0: u16 = 0x3b0;
    pub const TSELECT: u16 = 0x7a0;
    pub const TDATA1: u16 = 0x7a1;
    pub const TDATA2: u16 = 0x7a2;
    pub const TDATA3: u16 = 0x7a3;
    pub const TINFO: u16 = 0x7a4;
    pub const MCYCLE: u16 = 0xb00;
    pub const MINSTRET: u16 = 0xb02;
    pub const CYCLE: u16 = 0xc00;
    pub const TIME: u16 = 0xc01;
    pub const INSTRET: u16 = 0xc02;
    pub const MVENDORID: u16 = 0xf11;
    pub const MARCHID: u16 = 0xf12;
    pub const MIMPID: u16 = 0xf13;
    pub const MHARTID: u16 = 0xf14;
    pub const MCONFIGPTR: u16 = 0xf15;
}

/// misa: MXL = 2 (64-bit) and the extensions A, C, D, F, I, M, S, U.
pub const MISA_VALUE: u64 =
    (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

/// Exceptions that medeleg can delegate (all but ecall from M and the
/// reserved causes).
const MEDELEG_WRITABLE: u64 = 0xb3ff;
/// Interrupts that mideleg can delegate: the supervisor ones.
const MIDELEG_WRITABLE: u64 = (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);
/// Interrupt enables that exist.
const MIE_WRITABLE: u64 = MIDELEG_WRITABLE | (1 << irq::MSI) | (1 << irq::MTI) | (1 << irq::MEI);
/// mip bits that M-mode software may write (the others reflect devices).
const MIP_WRITABLE: u64 = MIDELEG_WRITABLE;
/// satp fields (4.1.11): MODE 63:60, ASID 59:44, PPN 43:0.
const SATP_MODE_BARE: u64 = 0;
const SATP_MODE_SV39: u64 = 8;
/// pmpaddr holds bits 55:2 of an address.
const PMPADDR_MASK: u64 = (1 << 54) - 1;
/// menvcfg.STCE: Sstc's stimecmp is enabled for S-mode.
pub const MENVCFG_STCE: u64 = 1 << 63;
/// Number of implemented PMP entries.
pub const PMP_ENTRIES: usize = 16;

/// The CSR state that is plain storage. Counters and mip's device bits are
/// derived in [`Hart`].
#[allow(missing_docs)]
#[derive(Clone, Debug, Default)]
pub struct Csrs {
    pub mstatus: u64,
    pub medeleg: u64,
    pub mideleg: u64,
    pub mie: u64,
    /// The software-writable bits of mip (SSIP, STIP, SEIP).
    pub mip_sw: u64,
    pub mtvec: u64,
    pub mscratch: u64,
    pub mepc: u64,
    pub mcause: u64,
    pub mtval: u64,
    pub mcounteren: u64,
    pub menvcfg: u64,
    pub stvec: u64,
    pub sscratch: u64,
    pub sepc: u64,
    pub scause: u64,
    pub stval: u64,
    pub scounteren: u64,
    pub senvcfg: u64,
    pub satp: u64,
    pub stimecmp: u64,
    pub pmpcfg: [u8; PMP_ENTRIES],
    pub pmpaddr: [u64; PMP_ENTRIES],
}

impl Csrs {
    /// Reset values (privileged spec 3.4): M-mode, interrupts off, MPRV 0.
    pub fn reset() -> Csrs {
        Csrs { mstatus: mstatus::XLEN_FIELDS, ..Csrs::default() }
    }
}

/// Fold SD into an mstatus value: set when FS or XS is Dirty.
fn with_sd(v: u64) -> u64 {
    let dirty = (v & mstatus::FS) == mstatus::FS || (v & mstatus::XS) == mstatus::XS;
    if dirty {
        v | mstatus::SD
    } else {
        v & !mstatus::SD
    }
}

impl Hart {
    /// Check privilege and read-only rules for an access to CSR `csr`
    /// (privileged spec 2.1: bits 11:10 = 3 is read-only, 9:8 the lowest
    /// privilege that may access it).
    fn csr_check(&self, csr: u16, write: bool, bits: u32) -> Result<(), Exception> {
        let min = (csr >> 8) & 3;
        if (self.prv as u16) < min || (write && csr >> 10 == 3) {
            return Err(Exception::illegal(bits));
        }
        Ok(())
    }

    /// Counter access from S/U is gated by mcounteren/scounteren (3.1.11).
    fn counter_enabled(&self, csr: u16) -> bool {
        let bit = 1u64 << (csr & 31);
        match self.prv {
            Privilege::Machine => true,
            Privilege::Supervisor => self.csr.mcounteren & bit != 0,
            Privilege::User => self.csr.mcounteren & self.csr.scounteren & bit != 0,
        }
    }

    /// Execute the CSR part of a Zicsr instruction: read (if `read`), then
    /// write `f(old)` (if `write`). Returns the old value.
    pub fn csr_op(
        &mut self,
        csr: u16,
        read: bool,
        write: bool,
        bits: u32,
        f: impl Fn(u64) -> u64,
    ) -> Result<u64, Exception> {
        self.csr_check(csr, write, bits)?;
        let old = self.csr_read(csr, bits)?;
        if write {
            self.csr_write(csr, f(old), bits)?;
        }
        let _ = read; // reads have no side effects on this hart
        Ok(old)
    }

    /// Read CSR `csr`; illegal if it does not exist or is not accessible.
    pub fn csr_read(&self, csr: u16, bits: u32) -> Result<u64, Exception> {
        use addr::*;
        let c = &self.csr;
        let illegal = Exception::illegal(bits);
        Ok(match csr {
            // The FP CSRs do not exist while mstatus.FS is Off.
            FFLAGS | FRM | FCSR if c.mstatus & mstatus::FS == 0 => return Err(illegal),
            FFLAGS => self.fflags as u64,
            FRM => self.frm as u64,
            FCSR => ((self.frm as u64) << 5) | self.fflags as u64,
            SSTATUS => with_sd(c.mstatus) & mstatus::SSTATUS_VISIBLE,
            SIE => c.mie & c.mideleg,
            STVEC => c.stvec,
            SCOUNTEREN => c.scounteren,
            SENVCFG => c.senvcfg,
            SSCRATCH => c.sscratch,
            SEPC => c.sepc,
            SCAUSE => c.scause,
            STVAL => c.stval,
            SIP => self.mip() & c.mideleg,
            // Sstc: S-mode needs menvcfg.STCE and mcounteren.TM.
            STIMECMP => {
                if self.prv == Privilege::Supervisor && (!self.sstc_enabled() || c.mcounteren & 2 == 0) {
                    return Err(illegal);
                }
                c.stimecmp
            }
            SATP => {
                if self.prv == Privilege::Supervisor && c.mstatus & mstatus::TVM != 0 {
                    return Err(illegal);
                }
                c.satp
            }
            MSTATUS => with_sd(c.mstatus),
            MISA => MISA_VALUE,
            MEDELEG => c.medeleg,
            MIDELEG => c.mideleg,
            MIE => c.mie,
            MTVEC => c.mtvec,
            MCOUNTEREN => c.mcounteren,
            MENVCFG => c.menvcfg,
            MSCRATCH => c.mscratch,
            MEPC => c.mepc,
            MCAUSE => c.mcause,
            MTVAL => c.mtval,
            MIP => self.mip(),
            // pmpcfg0/2 pack eight entries each; odd numbers do not exist on
            // RV64; pmpcfg4..14 and pmpaddr16..63 are unimplemented entries,
            // which read as zero (3.7.1).
            0x3a0..=0x3af if csr & 1 == 1 => return Err(illegal),
            0x3a0 | 0x3a2 => {
                let first = ((csr - PMPCFG0) as usize / 2) * 8;
                c.pmpcfg[first..first + 8].iter().rev().fold(0, |acc, &b| (acc << 8) | b as u64)
            }
            0x3a4..=0x3ae => 0,
            0x3b0..=0x3bf => c.pmpaddr[(csr - PMPADDR0) as usize],
            0x3c0..=0x3ef => 0,
            // mcountinhibit and the hpm event selectors are read-only zero
            // (WARL fields hardwired to 0).
            MCOUNTINHIBIT | 0x323..=0x33f => 0,
            MCYCLE => self.cycle(),
            MINSTRET => self.instret(),
            0xb03..=0xb1f => 0,
            CYCLE..=0xc1f => {
                if !self.counter_enabled(csr) {
                    return Err(illegal);
                }
                match csr {
                    CYCLE => self.cycle(),
                    TIME => self.mtime(),
                    INSTRET => self.instret(),
                    _ => 0,
                }
            }
            MVENDORID | MARCHID | MIMPID | MHARTID | MCONFIGPTR => 0,
            // Sdtrig with no triggers: tselect reads 0, tdata1 reads type 0
            // ("no trigger here"), and tinfo says only type 0 exists, so
            // debuggers and riscv-tests see triggers as unsupported.
            TSELECT | TDATA1 | TDATA2 | TDATA3 => 0,
            TINFO => 1,
            _ => return Err(illegal),
        })
    }

    /// Write CSR `csr` (already checked for privilege and read-only).
    fn csr_write(&mut self, csr: u16, v: u64, bits: u32) -> Result<(), Exception> {
        use addr::*;
        let sstc = self.sstc_enabled();
        let c = &mut self.csr;
        match csr {
            FFLAGS | FRM | FCSR => {
                // Writing fcsr dirties the FP state (3.1.6.6).
                c.mstatus |= mstatus::FS;
                match csr {
                    FFLAGS => self.fflags = (v & 0x1f) as u8,
                    FRM => self.frm = (v & 7) as u8,
                    _ => {
                        self.fflags = (v & 0x1f) as u8;
                        self.frm = ((v >> 5) & 7) as u8;
                    }
                }
            }
            SSTATUS => {
                c.mstatus = (c.mstatus & !mstatus::SSTATUS_WRITABLE) | (v & mstatus::SSTATUS_WRITABLE);
                self.context_changed();
            }
            SIE => {
                let m = c.mideleg & MIE_WRITABLE;
                c.mie = (c.mie & !m) | (v & m);
                self.interrupts_may_change();
            }
            STVEC => c.stvec = v & !2,
            SCOUNTEREN => c.scounteren = v & 0xffff_ffff,
            SENVCFG => c.senvcfg = v & 1,
            SSCRATCH => c.sscratch = v,
            SEPC => c.sepc = v & !1,
            SCAUSE => c.scause = v,
            STVAL => c.stval = v,
            SIP => {
                let m = c.mideleg & (1 << irq::SSI);
                c.mip_sw = (c.mip_sw & !m) | (v & m);
                self.interrupts_may_change();
            }
            STIMECMP => {
                if self.prv == Privilege::Supervisor && (!sstc || c.mcounteren & 2 == 0) {
                    return Err(Exception::illegal(bits));
                }
                c.stimecmp = v;
                self.interrupts_may_change();
            }
            SATP => {
                if self.prv == Privilege::Supervisor && c.mstatus & mstatus::TVM != 0 {
                    return Err(Exception::illegal(bits));
                }
                // A write selecting an unsupported mode has no effect (4.1.11).
                let mode = v >> 60;
                if mode == SATP_MODE_BARE || mode == SATP_MODE_SV39 {
                    c.satp = v;
                    self.context_changed();
                }
            }
            MSTATUS => {
                let mut v = v;
                // MPP is WARL: the reserved value 2 leaves the field as it was.
                if (v & mstatus::MPP) >> mstatus::MPP_SHIFT == 2 {
                    v = (v & !mstatus::MPP) | (c.mstatus & mstatus::MPP);
                }
                c.mstatus = (c.mstatus & !mstatus::WRITABLE) | (v & mstatus::WRITABLE);
                self.context_changed();
            }
            MISA => {} // WARL: extensions cannot be switched off
            MEDELEG => c.medeleg = v & MEDELEG_WRITABLE,
            MIDELEG => {
                c.mideleg = v & MIDELEG_WRITABLE;
                self.interrupts_may_change();
            }
            MIE => {
                c.mie = v & MIE_WRITABLE;
                self.interrupts_may_change();
            }
            MTVEC => c.mtvec = v & !2,
            MCOUNTEREN => c.mcounteren = v & 0xffff_ffff,
            MENVCFG => {
                c.menvcfg = v & (1 | MENVCFG_STCE);
                self.interrupts_may_change();
            }
            MSCRATCH => c.mscratch = v,
            MEPC => c.mepc = v & !1,
            MCAUSE => c.mcause = v,
            MTVAL => c.mtval = v,
            MIP => {
                c.mip_sw = (c.mip_sw & !MIP_WRITABLE) | (v & MIP_WRITABLE);
                self.interrupts_may_change();
            }
            0x3a0 | 0x3a2 => {
                let first = ((csr - PMPCFG0) as usize / 2) * 8;
                for i in 0..8 {
                    self.write_pmpcfg(first + i, (v >> (8 * i)) as u8);
                }
            }
            0x3b0..=0x3bf => {
                let i = (csr - PMPADDR0) as usize;
                if !self.pmpaddr_locked(i) {
                    self.csr.pmpaddr[i] = v & PMPADDR_MASK;
                }
            }
            MCYCLE => self.cycle_offset = v.wrapping_sub(self.retired + 1),
            MINSTRET => self.instret_offset = v.wrapping_sub(self.retired + 1),
            // Read-only-zero WARL registers: writes are ignored.
            0x3a4..=0x3ae | 0x3c0..=0x3ef | MCOUNTINHIBIT | 0x323..=0x33f | 0xb03..=0xb1f => {}
            TSELECT | TDATA1 | TDATA2 | TDATA3 | TINFO => {}
            _ => return Err(Exception::illegal(bits)),
        }
        Ok(())
    }

    /// pmpcfg entry write with the WARL rules of 3.7.1: locked entries ignore
    /// writes, bits 6:5 are reserved, and R=0/W=1 is reserved (W cleared).
    fn write_pmpcfg(&mut self, i: usize, mut b: u8) {
        const R: u8 = 1;
        const W: u8 = 2;
        const L: u8 = 0x80;
        if self.csr.pmpcfg[i] & L != 0 {
            return;
        }
        b &= 0x9f;
        if b & (R | W) == W {
            b &= !W;
        }
        self.csr.pmpcfg[i] = b;
    }

    /// pmpaddr[i] is locked if entry i is locked, or entry i+1 is a locked
    /// TOR entry (which uses pmpaddr[i] as its base).
    fn pmpaddr_locked(&self, i: usize) -> bool {
        const L: u8 = 0x80;
        const A_TOR: u8 = 1 << 3;
        let cfg = &self.csr.pmpcfg;
        cfg[i] & L != 0 || (i + 1 < PMP_ENTRIES && cfg[i + 1] & L != 0 && cfg[i + 1] & 0x18 == A_TOR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::trap::Cause;

    fn hart() -> Hart {
        Hart::new_for_tests()
    }

    #[test]
    fn privilege_and_read_only_rules() {
        let mut h = hart();
        assert_eq!(h.csr_op(addr::MSCRATCH, true, true, 0, |_| 5), Ok(0));
        assert_eq!(h.csr_read(addr::MSCRATCH, 0), Ok(5));
        // writing a read-only CSR
        let e = h.csr_op(addr::MHARTID, true, true, 0x1234, |_| 1).unwrap_err();
        assert_eq!((e.cause, e.tval), (Cause::IllegalInstruction, 0x1234));
        // reading it is fine
        assert_eq!(h.csr_op(addr::MHARTID, true, false, 0, |v| v), Ok(0));
        // M CSR from S
        h.prv = Privilege::Supervisor;
        assert!(h.csr_op(addr::MSCRATCH, true, false, 0, |v| v).is_err());
        assert!(h.csr_op(addr::SSCRATCH, true, true, 0, |_| 1).is_ok());
        // non-existent CSR
        h.prv = Privilege::Machine;
        assert!(h.csr_op(0x7c0, true, false, 0, |v| v).is_err());
        assert!(h.csr_op(0x3a1, true, false, 0, |v| v).is_err(), "pmpcfg1 is RV32-only");
    }

    #[test]
    fn warl_masks() {
        let mut h = hart();
        h.csr_op(addr::MEDELEG, false, true, 0, |_| u64::MAX).unwrap();
        assert_eq!(h.csr.medeleg & (1 << 11), 0, "ecall from M cannot be delegated");
        h.csr_op(addr::MIDELEG, false, true, 0, |_| u64::MAX).unwrap();
        assert_eq!(h.csr.mideleg, 0x222);
        h.csr_op(addr::MTVEC, false, true, 0, |_| 0x8000_0003).unwrap();
        assert_eq!(h.csr.mtvec, 0x8000_0001, "mode 3 is reserved");
        h.csr_op(addr::MEPC, false, true, 0, |_| 0x8000_0003).unwrap();
        assert_eq!(h.csr.mepc, 0x8000_0002);
        h.csr_op(addr::MSTATUS, false, true, 0, |_| 2 << 11).unwrap();
        assert_eq!(h.csr.mstatus & mstatus::MPP, 0, "MPP=2 is reserved");
        h.csr_op(addr::MSTATUS, false, true, 0, |_| u64::MAX).unwrap();
        let m = h.csr_read(addr::MSTATUS, 0).unwrap();
        assert_eq!(m & mstatus::XLEN_FIELDS, mstatus::XLEN_FIELDS);
        assert_ne!(m & mstatus::SD, 0, "SD follows FS = dirty");
        // sstatus shows only its fields
        let s = h.csr_read(addr::SSTATUS, 0).unwrap();
        assert_eq!(s & (mstatus::MIE | mstatus::MPP | mstatus::TVM), 0);
        // satp with an unsupported mode is ignored
        h.csr_op(addr::SATP, false, true, 0, |_| 9 << 60).unwrap();
        assert_eq!(h.csr.satp, 0);
        h.csr_op(addr::SATP, false, true, 0, |_| (8 << 60) | (0xffff << 44) | 5).unwrap();
        assert_eq!(h.csr.satp >> 44 & 0xffff, 0xffff, "ASIDLEN = 16");
    }

    #[test]
    fn counters_and_counteren() {
        let mut h = hart();
        h.csr_op(addr::MINSTRET, false, true, 0, |_| 100).unwrap();
        h.retired += 1; // the writing instruction retires
        assert_eq!(h.csr_read(addr::INSTRET, 0), Ok(100));
        h.prv = Privilege::User;
        assert!(h.csr_read(addr::CYCLE, 0).is_err());
        h.csr.mcounteren = 7;
        assert!(h.csr_read(addr::CYCLE, 0).is_err(), "scounteren also needed in U");
        h.csr.scounteren = 1;
        assert!(h.csr_read(addr::CYCLE, 0).is_ok());
        assert!(h.csr_read(addr::INSTRET, 0).is_err());
    }

    #[test]
    fn pmp_warl_and_lock() {
        let mut h = hart();
        h.csr_op(0x3a0, false, true, 0, |_| 0x0000_0000_0000_0a02).unwrap();
        // W without R is reserved: entry 0 (W) becomes 0, entry 1 (TOR|W) TOR
        assert_eq!(h.csr_read(0x3a0, 0).unwrap(), 0x0800);
        h.csr_op(0x3b0, false, true, 0, |_| u64::MAX).unwrap();
        assert_eq!(h.csr.pmpaddr[0], PMPADDR_MASK);
        h.csr_op(0x3a0, false, true, 0, |_| 0x80).unwrap(); // lock entry 0
        h.csr_op(0x3b0, false, true, 0, |_| 1).unwrap();
        assert_eq!(h.csr.pmpaddr[0], PMPADDR_MASK, "locked entry ignores writes");
        h.csr_op(0x3a0, false, true, 0, |_| 0).unwrap();
        assert_eq!(h.csr_read(0x3a0, 0).unwrap() & 0xff, 0x80);
    }
}
