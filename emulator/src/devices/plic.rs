//! The platform-level interrupt controller, laid out as QEMU virt's (SiFive
//! PLIC): priority at +4*source, pending bits at +0x1000, enables at
//! +0x2000 + 0x80*context, threshold/claim at +0x20_0000 + 0x1000*context.
//! Sources 1..=95; contexts 0 (hart 0 M-mode) and 1 (hart 0 S-mode).
//! (RISC-V PLIC specification, "Memory Map" and "Interrupt Gateways".)

/// Number of interrupt sources, source 0 included (it does not exist).
pub const SOURCES: usize = 96;
const CONTEXTS: usize = 2;
const PRIORITY_MASK: u32 = 7;

/// PLIC state.
#[derive(Debug, Clone)]
pub struct Plic {
    priority: [u32; SOURCES],
    /// Pending bits (set by the gateway, cleared by a claim).
    pending: [bool; SOURCES],
    /// Level of each source's line as devices drive it.
    level: [bool; SOURCES],
    /// Claimed and not yet completed: the gateway holds further requests.
    in_service: [bool; SOURCES],
    enable: [[bool; SOURCES]; CONTEXTS],
    threshold: [u32; CONTEXTS],
}

impl Default for Plic {
    fn default() -> Self {
        Plic {
            priority: [0; SOURCES],
            pending: [false; SOURCES],
            level: [false; SOURCES],
            in_service: [false; SOURCES],
            enable: [[false; SOURCES]; CONTEXTS],
            threshold: [0; CONTEXTS],
        }
    }
}

impl Plic {
    /// A device signals source `irq`: its line is `high`, and `request`
    /// says whether this is a new interrupt request (a rising edge, or a
    /// new cause while the line was already high). This is QEMU's
    /// sifive_plic gateway, which kernels written for QEMU's virt rely on
    /// (xv6's UART handler never clears THRE): a request sets the pending
    /// bit, a low line clears it, and completion does not re-raise a line
    /// that is still high. (The PLIC specification's gateway would
    /// re-request at completion; that storms such kernels.)
    pub fn signal(&mut self, irq: usize, high: bool, request: bool) {
        if irq == 0 || irq >= SOURCES {
            return;
        }
        self.level[irq] = high;
        if !high {
            self.pending[irq] = false;
        } else if request {
            self.pending[irq] = true;
        }
    }

    /// The best pending, enabled source above threshold for `context`.
    fn best(&self, context: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        for irq in 1..SOURCES {
            let p = self.priority[irq];
            if self.pending[irq] && !self.in_service[irq] && self.enable[context][irq] && p > self.threshold[context] {
                // Ties go to the lowest source number.
                if best.is_none_or(|b| p > self.priority[b]) {
                    best = Some(irq);
                }
            }
        }
        best
    }

    /// Whether context `context` (0 = M, 1 = S) has an interrupt to take:
    /// this drives mip.MEIP / mip.SEIP.
    pub fn interrupt(&self, context: usize) -> bool {
        self.best(context).is_some()
    }

    fn claim(&mut self, context: usize) -> u32 {
        match self.best(context) {
            Some(irq) => {
                self.pending[irq] = false;
                self.in_service[irq] = true;
                irq as u32
            }
            None => 0,
        }
    }

    fn complete(&mut self, context: usize, irq: u32) {
        let irq = irq as usize;
        // A completion for a source not enabled for this context is ignored
        // (PLIC spec, "Interrupt Completion").
        if irq == 0 || irq >= SOURCES || !self.enable[context][irq] {
            return;
        }
        self.in_service[irq] = false;
    }

    /// A 32-bit read at `offset` (the PLIC only takes 32-bit accesses).
    pub fn read(&mut self, offset: u64, size: u8) -> Option<u64> {
        if size != 4 {
            return None;
        }
        let o = offset as usize;
        let v = match o {
            0..=0xfff => self.priority.get(o / 4).copied().unwrap_or(0),
            0x1000..=0x107f => {
                let word = (o - 0x1000) / 4;
                (0..32).filter(|b| self.pending.get(word * 32 + b).copied().unwrap_or(false)).fold(0, |a, b| a | 1 << b)
            }
            0x2000..=0x1f_ffff => {
                let (ctx, rest) = ((o - 0x2000) / 0x80, (o - 0x2000) % 0x80);
                match self.enable.get(ctx) {
                    Some(en) if rest < 0x80 => (0..32)
                        .filter(|b| en.get(rest / 4 * 32 + b).copied().unwrap_or(false))
                        .fold(0, |a, b| a | 1 << b),
                    _ => 0,
                }
            }
            0x20_0000.. => {
                let (ctx, reg) = ((o - 0x20_0000) / 0x1000, (o - 0x20_0000) % 0x1000);
                if ctx >= CONTEXTS {
                    0
                } else {
                    match reg {
                        0 => self.threshold[ctx],
                        4 => self.claim(ctx),
                        _ => 0,
                    }
                }
            }
            _ => 0,
        };
        Some(v as u64)
    }

    /// A 32-bit write at `offset`.
    pub fn write(&mut self, offset: u64, size: u8, value: u64) -> bool {
        if size != 4 {
            return false;
        }
        let o = offset as usize;
        let v = value as u32;
        match o {
            0..=0xfff => {
                if let Some(p) = self.priority.get_mut(o / 4).filter(|_| o >= 4) {
                    *p = v & PRIORITY_MASK;
                }
            }
            0x2000..=0x1f_ffff => {
                let (ctx, rest) = ((o - 0x2000) / 0x80, (o - 0x2000) % 0x80);
                if let Some(en) = self.enable.get_mut(ctx) {
                    for b in 0..32 {
                        let irq = rest / 4 * 32 + b;
                        if irq > 0 && irq < SOURCES {
                            en[irq] = v >> b & 1 == 1;
                        }
                    }
                }
            }
            0x20_0000.. => {
                let (ctx, reg) = ((o - 0x20_0000) / 0x1000, (o - 0x20_0000) % 0x1000);
                if ctx < CONTEXTS {
                    match reg {
                        0 => self.threshold[ctx] = v & PRIORITY_MASK,
                        4 => self.complete(ctx, v),
                        _ => {}
                    }
                }
            }
            _ => {} // pending bits are read-only
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_complete_priority_threshold() {
        let mut p = Plic::default();
        p.write(4 * 10, 4, 3); // UART priority 3
        p.write(4, 4, 1); // source 1 (virtio 0) priority 1
        p.write(0x2080, 4, (1 << 10) | (1 << 1)); // enable both for S (context 1)
        p.signal(10, true, true);
        p.signal(1, true, true);
        assert!(!p.interrupt(0), "not enabled for M");
        assert!(p.interrupt(1));
        assert_eq!(p.read(0x1000, 4), Some((1 << 10) | (1 << 1)));
        assert_eq!(p.read(0x20_1004, 4), Some(10), "highest priority first");
        assert_eq!(p.read(0x20_1004, 4), Some(1));
        assert_eq!(p.read(0x20_1004, 4), Some(0), "nothing left");
        p.signal(1, false, false);
        p.write(0x20_1004, 4, 1); // complete 1: line low, stays clear
        p.write(0x20_1004, 4, 10); // complete 10: line still high, but no new request (as QEMU)
        assert_eq!(p.read(0x1000, 4), Some(0));
        p.signal(10, true, false); // still high, no new cause: nothing
        assert!(!p.interrupt(1));
        p.signal(10, true, true); // a new cause on a high line: a new request
        assert_eq!(p.read(0x1000, 4), Some(1 << 10));
        let claimed = p.read(0x20_1004, 4);
        p.signal(10, true, true); // a request while in service waits for completion
        assert!(!p.interrupt(1));
        p.write(0x20_1004, 4, claimed.unwrap());
        assert!(p.interrupt(1));
        p.read(0x20_1004, 4);
        p.write(0x20_1004, 4, 10);
        p.signal(10, true, true);
        p.write(0x20_1000, 4, 3); // threshold 3 masks priority 3
        assert!(!p.interrupt(1));
        assert_eq!(p.read(0x20_1000, 4), Some(3));
        assert_eq!(p.read(0x20_1000, 8), None, "32-bit accesses only");
        assert_eq!(p.read(0, 4), Some(0), "source 0 does not exist");
    }
}
