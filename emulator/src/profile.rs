//! `--profile`: attribute TLB misses and page faults to the guest code that
//! caused them (by pc) and to the virtual pages they touched. Runs as a
//! [`Tracer`], so the plain run loop pays nothing for it; with it, each
//! retired instruction costs a comparison of two counters.

use crate::cpu::trap::{Cause, Exception};
use crate::cpu::{Hart, Privilege, Tracer};
use crate::isa::Insn;
use std::collections::HashMap;

/// What one pc or page is charged with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Charges {
    /// Instruction-TLB misses.
    pub itlb_misses: u64,
    /// Data-TLB misses (all misses when the TLB is unified).
    pub dtlb_misses: u64,
    /// Page faults (causes 12, 13, 15).
    pub page_faults: u64,
}

impl Charges {
    /// Misses of both TLBs.
    pub fn misses(&self) -> u64 {
        self.itlb_misses + self.dtlb_misses
    }
}

/// Collects charges during a run.
#[derive(Debug, Default)]
pub struct Profiler {
    seen: [u64; 2],
    /// Charges by the pc of the instruction.
    pub by_pc: HashMap<u64, Charges>,
    /// Charges by virtual page number (VA >> 12) touched.
    pub by_page: HashMap<u64, Charges>,
}

impl Profiler {
    /// Charge misses that happened since the last instruction to `pc`.
    fn account(&mut self, hart: &Hart, pc: u64) {
        let mmu = &hart.mmu;
        let unified = mmu.is_unified();
        let now = [if unified { 0 } else { mmu.itlb().stats.misses() }, mmu.dtlb().stats.misses()];
        for (unit, (&n, seen)) in now.iter().zip(self.seen.iter_mut()).enumerate() {
            if n > *seen {
                let new = n - *seen;
                *seen = n;
                let va_index = if unit == 0 { mmu.fetch_tlb_index() } else { 1 };
                let page = mmu.last_miss_va()[va_index] >> 12;
                for c in [self.by_pc.entry(pc).or_default(), self.by_page.entry(page).or_default()] {
                    if unit == 0 {
                        c.itlb_misses += new;
                    } else {
                        c.dtlb_misses += new;
                    }
                }
            }
        }
    }

    /// The `n` entries of `map` with the most misses plus faults, ties by
    /// address, so reports are deterministic.
    pub fn top(map: &HashMap<u64, Charges>, n: usize) -> Vec<(u64, Charges)> {
        let mut v: Vec<(u64, Charges)> = map.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_by(|a, b| (b.1.misses() + b.1.page_faults).cmp(&(a.1.misses() + a.1.page_faults)).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

impl Tracer for Profiler {
    const ENABLED: bool = true;

    fn retired(&mut self, hart: &Hart, _prv: Privilege, pc: u64, _insn: &Insn) {
        self.account(hart, pc);
    }

    fn exception(&mut self, hart: &Hart, pc: u64, e: Exception) {
        self.account(hart, pc);
        if matches!(e.cause, Cause::InstructionPageFault | Cause::LoadPageFault | Cause::StorePageFault) {
            self.by_pc.entry(pc).or_default().page_faults += 1;
            self.by_page.entry(e.tval >> 12).or_default().page_faults += 1;
        }
    }
}

/// `--check-fences`: collects the stale TLB uses the MMU finds, with the pc
/// of the instruction that made each.
#[derive(Debug, Default)]
pub struct FenceChecker {
    seen: usize,
    /// The stale uses, in program order.
    pub uses: Vec<crate::mmu::StaleUse>,
}

impl FenceChecker {
    fn collect(&mut self, hart: &Hart, pc: u64) {
        let found = hart.mmu.stale_uses();
        for u in &found[self.seen.min(found.len())..] {
            self.uses.push(crate::mmu::StaleUse { pc: Some(pc), ..*u });
        }
        self.seen = found.len();
    }
}

impl Tracer for FenceChecker {
    const ENABLED: bool = true;

    fn retired(&mut self, hart: &Hart, _prv: Privilege, pc: u64, _insn: &Insn) {
        self.collect(hart, pc);
    }

    fn exception(&mut self, hart: &Hart, pc: u64, _e: Exception) {
        self.collect(hart, pc);
    }
}
