//! The memory front door: every instruction fetch, load, store and AMO of
//! the hart goes through [`Mmu`], which translates the virtual address
//! (Bare or Sv39: the TLBs in [`tlb`], the walker in [`sv39`]) and performs
//! the physical access on the bus.
//!
//! Fast path: each TLB remembers the entry it touched last. An access to
//! the same page with the same kind of permission is that entry hitting
//! again; since it is already the most recent entry of its set, the
//! replacement state would not change, so the lookup is counted (one
//! lookup, one hit) without searching. Everything else goes through the
//! modelled TLB, so the counters equal a lookup on every access.
//!
//! Misaligned loads and stores are emulated (they never trap): an access
//! inside one page is done as one physical access (RAM takes any
//! alignment; device registers reject misaligned access with an access
//! fault), and an access that crosses a page boundary is split at the
//! boundary, both pages translated before any byte is written.

pub mod sv39;
pub mod tlb;

use crate::addr::{PhysAddr, VirtAddr};
use crate::bus::Bus;
use crate::cpu::csr::mstatus;
use crate::cpu::trap::{Cause, Exception};
use crate::cpu::Privilege;
use sv39::{is_canonical, permits, WalkStats};
use tlb::{perm, Fence, Policy, Tlb, TlbConfig};

/// What an access is for; selects the fault causes and permission checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Data read.
    Load,
    /// Data write, or an AMO / SC (which need write permission).
    Store,
}

impl Access {
    /// The access-fault cause for this kind of access.
    pub fn access_fault(self) -> Cause {
        match self {
            Access::Fetch => Cause::InstructionAccessFault,
            Access::Load => Cause::LoadAccessFault,
            Access::Store => Cause::StoreAccessFault,
        }
    }

    /// The page-fault cause for this kind of access.
    pub fn page_fault(self) -> Cause {
        match self {
            Access::Fetch => Cause::InstructionPageFault,
            Access::Load => Cause::LoadPageFault,
            Access::Store => Cause::StorePageFault,
        }
    }
}

const PAGE_SIZE: u64 = 4096;

/// How A and D bits are maintained (privileged spec 12.3.2 step 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdMode {
    /// Svadu: the walker sets A, and D on stores.
    Hardware,
    /// Svade: a page fault when A is clear or a store finds D clear.
    Trap,
}

/// The MMU's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmuConfig {
    /// Instruction TLB (unused when `unified`).
    pub itlb: TlbConfig,
    /// Data TLB, or the one TLB when `unified`.
    pub dtlb: TlbConfig,
    /// One TLB for fetches and data.
    pub unified: bool,
    /// A/D maintenance.
    pub ad: AdMode,
}

impl Default for MmuConfig {
    fn default() -> Self {
        MmuConfig {
            itlb: TlbConfig { sets: 8, ways: 4, policy: Policy::Lru, seed: 0 },
            dtlb: TlbConfig { sets: 16, ways: 4, policy: Policy::Lru, seed: 0 },
            unified: false,
            ad: AdMode::Hardware,
        }
    }
}

/// What translation depends on, refreshed whenever privilege, mstatus or
/// satp change.
#[derive(Clone, Copy, Debug, Default)]
pub struct TranslationContext {
    /// Fetches are translated (Sv39 and privilege below M).
    pub fetch_on: bool,
    /// Data accesses are translated (Sv39 and effective privilege below M).
    pub data_on: bool,
    /// Privilege of fetches.
    pub fetch_prv: Privilege,
    /// Effective privilege of loads and stores (MPP when MPRV is set).
    pub data_prv: Privilege,
    /// mstatus.SUM.
    pub sum: bool,
    /// mstatus.MXR.
    pub mxr: bool,
    /// satp.ASID.
    pub asid: u16,
    /// Physical address of the root page table.
    pub root: u64,
}

/// The last entry a TLB touched, with what the current context lets it be
/// used for: bit 0 fetch, bit 1 load, bit 2 store (store needs D set).
#[derive(Clone, Copy, Debug, Default)]
struct LastEntry {
    tag: u64,
    shift: u32,
    pa_base: u64,
    usable: u8,
}

impl LastEntry {
    const NONE: LastEntry = LastEntry { tag: u64::MAX, shift: 63, pa_base: 0, usable: 0 };
}

fn access_bit(access: Access) -> u8 {
    match access {
        Access::Fetch => 1,
        Access::Load => 2,
        Access::Store => 4,
    }
}

/// A TLB and its remembered last entry.
struct TlbUnit {
    tlb: Tlb,
    last: LastEntry,
}

/// Index of the data TLB in `Mmu::units` (the instruction TLB is 0).
const DATA: usize = 1;

/// The MMU and the physical bus behind it.
pub struct Mmu {
    /// The physical address space.
    pub bus: Bus,
    /// The LR reservation: the physical address an LR reserved, cleared by
    /// any store that overlaps its 8-byte granule, by SC and by traps.
    pub reservation: Option<u64>,
    ctx: TranslationContext,
    ad_mode: AdMode,
    units: [TlbUnit; 2],
    /// Which unit fetches use: 0, or `DATA` when the TLB is unified.
    fetch_unit: usize,
    /// Page-walk counters.
    pub walk_stats: WalkStats,
    /// The virtual address of the latest miss in the instruction and data
    /// TLB (for `--profile` attribution).
    pub last_miss_va: [u64; 2],
    /// `--check-fences`: verify every TLB hit against the page table.
    check_fences: bool,
    /// Stale translations found by the fence checker (the first
    /// `MAX_STALE_RECORDS`; `stale_count` counts them all).
    pub stale_uses: Vec<StaleUse>,
    /// Every stale use found.
    pub stale_count: u64,
}

/// How many stale uses are kept in detail.
pub const MAX_STALE_RECORDS: usize = 1000;

/// A TLB hit whose cached translation no longer matches the page table: the
/// guest changed a PTE and did not execute the sfence.vma the privileged
/// spec (12.2.1) requires before relying on the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaleUse {
    /// The guest pc, filled in by the checker's tracer.
    pub pc: Option<u64>,
    /// The virtual address accessed.
    pub va: u64,
    /// The kind of access.
    pub access: Access,
    /// The cached translation: page base and R/W/X/U bits.
    pub cached: (u64, u8),
    /// What the page table says now, if it maps the address at all.
    pub current: Option<(u64, u8)>,
}

impl Mmu {
    /// An MMU in front of `bus`, translation off.
    pub fn new(bus: Bus, config: MmuConfig) -> Mmu {
        let unit = |c| TlbUnit { tlb: Tlb::new(c), last: LastEntry::NONE };
        Mmu {
            bus,
            reservation: None,
            ctx: TranslationContext::default(),
            ad_mode: config.ad,
            units: [unit(config.itlb), unit(config.dtlb)],
            fetch_unit: if config.unified { DATA } else { 0 },
            walk_stats: WalkStats::default(),
            last_miss_va: [0; 2],
            check_fences: false,
            stale_uses: Vec::new(),
            stale_count: 0,
        }
    }

    /// The instruction TLB (the unified TLB when there is only one).
    pub fn itlb(&self) -> &Tlb {
        &self.units[self.fetch_unit].tlb
    }

    /// The data TLB (the unified TLB when there is only one).
    pub fn dtlb(&self) -> &Tlb {
        &self.units[DATA].tlb
    }

    /// Turn on the fence checker. Every lookup then goes through the
    /// modelled TLB (the counters are the same either way).
    pub fn enable_fence_check(&mut self) {
        self.check_fences = true;
        self.forget_last_entries();
    }

    /// Compare a TLB hit's entry with the page table as it is now.
    #[cold]
    fn check_hit(&mut self, va: u64, access: Access, e: &tlb::TlbEntry, ctx: &TranslationContext) {
        const RWXU: u8 = perm::R | perm::W | perm::X | perm::U;
        let current = self.peek(va, ctx).map(|f| (f.pa_base | (va & ((1 << f.shift()) - 1)) & !0xfff, f.perms & RWXU));
        let cached = ((e.pa_base | (va & ((1 << e.shift()) - 1))) & !0xfff, e.perms & RWXU);
        if current != Some(cached) {
            self.stale_count += 1;
            if self.stale_uses.len() < MAX_STALE_RECORDS {
                self.stale_uses.push(StaleUse { pc: None, va, access, cached, current });
            }
        }
    }

    /// Index into `last_miss_va` of the TLB that fetches use.
    pub fn fetch_tlb_index(&self) -> usize {
        self.fetch_unit
    }

    /// Whether fetches and data share one TLB.
    pub fn is_unified(&self) -> bool {
        self.fetch_unit == DATA
    }

    /// Refresh the translation context from the hart's privilege, mstatus
    /// and satp (privileged spec 3.1.6.3 for MPRV, 12.1.11 for satp).
    pub fn set_context(&mut self, prv: Privilege, mstatus_value: u64, satp: u64) {
        let sv39 = satp >> 60 == 8;
        let data_prv = if mstatus_value & mstatus::MPRV != 0 {
            Privilege::from_bits(mstatus_value >> mstatus::MPP_SHIFT)
        } else {
            prv
        };
        self.ctx = TranslationContext {
            fetch_on: sv39 && prv != Privilege::Machine,
            data_on: sv39 && data_prv != Privilege::Machine,
            fetch_prv: prv,
            data_prv,
            sum: mstatus_value & mstatus::SUM != 0,
            mxr: mstatus_value & mstatus::MXR != 0,
            asid: (satp >> 44) as u16,
            root: (satp & ((1 << 44) - 1)) << 12,
        };
        self.forget_last_entries();
    }

    fn forget_last_entries(&mut self) {
        for u in &mut self.units {
            u.last = LastEntry::NONE;
        }
    }

    /// sfence.vma: flush what the fence covers from every TLB.
    pub fn fence(&mut self, fence: Fence) {
        self.units[DATA].tlb.fence(fence);
        if !self.is_unified() {
            self.units[0].tlb.fence(fence);
        }
        self.forget_last_entries();
    }

    /// Translate `va` for `access`.
    #[inline(always)]
    pub fn translate(&mut self, va: VirtAddr, access: Access) -> Result<PhysAddr, Exception> {
        let on = if access == Access::Fetch { self.ctx.fetch_on } else { self.ctx.data_on };
        if !on {
            return Ok(PhysAddr(va.0));
        }
        let unit = if access == Access::Fetch { self.fetch_unit } else { DATA };
        let last = self.units[unit].last;
        if va.0 >> last.shift == last.tag && last.usable & access_bit(access) != 0 {
            self.units[unit].tlb.count_repeat_hit();
            return Ok(PhysAddr(last.pa_base | (va.0 & ((1 << last.shift) - 1))));
        }
        self.translate_sv39(va.0, access, unit)
    }

    /// The modelled path: TLB lookup, permission check, walk on a miss.
    #[cold]
    fn translate_sv39(&mut self, va: u64, access: Access, unit: usize) -> Result<PhysAddr, Exception> {
        self.units[unit].last = LastEntry::NONE;
        if !is_canonical(va) {
            return Err(Exception::new(access.page_fault(), va));
        }
        let ctx = self.ctx;
        let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
        let slot = match self.units[unit].tlb.lookup(va, ctx.asid) {
            Some(slot) => {
                let e = *self.units[unit].tlb.entry(slot);
                if self.check_fences {
                    self.check_hit(va, access, &e, &ctx);
                }
                if !permits(e.perms, access, prv, ctx.sum, ctx.mxr) {
                    return Err(Exception::new(access.page_fault(), va));
                }
                if access == Access::Store && e.perms & perm::D == 0 {
                    // A clean entry: the walk sets D (or faults) and the
                    // entry is refreshed in place.
                    let fresh = self.walk(va, access, &ctx)?;
                    self.units[unit].tlb.refresh(slot, fresh)
                } else {
                    slot
                }
            }
            None => {
                self.last_miss_va[unit] = va;
                let fresh = self.walk(va, access, &ctx)?;
                self.units[unit].tlb.insert(fresh)
            }
        };
        let e = *self.units[unit].tlb.entry(slot);
        let mut usable = 0;
        for a in [Access::Fetch, Access::Load, Access::Store] {
            let clean_store = a == Access::Store && e.perms & perm::D == 0;
            let fetch_elsewhere = (a == Access::Fetch) != (unit == self.fetch_unit) && !self.is_unified();
            if permits(e.perms, a, if a == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv }, ctx.sum, ctx.mxr)
                && !clean_store
                && !fetch_elsewhere
            {
                usable |= access_bit(a);
            }
        }
        if self.check_fences {
            usable = 0; // every access must reach the checker
        }
        let shift = e.shift();
        // Tags of the remembered entry compare against the full VA, so a
        // non-canonical address can never match it.
        self.units[unit].last = LastEntry { tag: va >> shift, shift, pa_base: e.pa_base, usable };
        Ok(PhysAddr(e.pa_base | (va & ((1 << shift) - 1))))
    }

    /// Fetch the instruction bits at `pc` (which is 2-byte aligned): 16
    /// significant bits for a compressed instruction, 32 otherwise. A 32-bit
    /// instruction whose halves lie in different pages translates each half.
    #[inline(always)]
    pub fn fetch(&mut self, pc: u64) -> Result<u32, Exception> {
        let pa = self.translate(VirtAddr(pc), Access::Fetch)?;
        let ram = &self.bus.ram;
        if pc & (PAGE_SIZE - 1) <= PAGE_SIZE - 4 {
            if let Some(off) = ram.offset_of(pa.0, 4) {
                let word = ram.read(off, 4) as u32;
                return Ok(if word & 3 == 3 { word } else { word & 0xffff });
            }
        }
        self.fetch_slow(pc, pa)
    }

    #[cold]
    fn fetch_slow(&mut self, pc: u64, pa: PhysAddr) -> Result<u32, Exception> {
        let fault = |va: u64| Exception::new(Cause::InstructionAccessFault, va);
        let lo = self.bus.read(pa, 2).ok_or(fault(pc))? as u32;
        if lo & 3 != 3 {
            return Ok(lo);
        }
        let next = pc.wrapping_add(2);
        let pa_hi = if next & (PAGE_SIZE - 1) == 0 {
            self.translate(VirtAddr(next), Access::Fetch)?
        } else {
            PhysAddr(pa.0 + 2)
        };
        let hi = self.bus.read(pa_hi, 2).ok_or(fault(next))? as u32;
        Ok(lo | (hi << 16))
    }

    /// Load `size` bytes (1, 2, 4, 8) from `va`, zero-extended.
    #[inline(always)]
    pub fn load(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        if crosses_page(va, size) {
            return self.load_split(va, size);
        }
        let pa = self.translate(VirtAddr(va), Access::Load)?;
        self.bus.read(pa, size).ok_or(Exception::new(Cause::LoadAccessFault, va))
    }

    /// Store the low `size` bytes of `value` at `va`.
    #[inline(always)]
    pub fn store(&mut self, va: u64, size: u8, value: u64) -> Result<(), Exception> {
        if crosses_page(va, size) {
            return self.store_split(va, size, value);
        }
        let pa = self.translate(VirtAddr(va), Access::Store)?;
        self.store_phys(pa, va, size, value)
    }

    /// Store at a translated address; clears an overlapping reservation.
    #[inline(always)]
    pub fn store_phys(&mut self, pa: PhysAddr, va: u64, size: u8, value: u64) -> Result<(), Exception> {
        if let Some(r) = self.reservation {
            if pa.0 < r + 8 && r < pa.0 + size as u64 {
                self.reservation = None;
            }
        }
        if self.bus.write(pa, size, value) {
            Ok(())
        } else {
            Err(Exception::new(Cause::StoreAccessFault, va))
        }
    }

    #[cold]
    fn load_split(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        let first = (PAGE_SIZE - (va & (PAGE_SIZE - 1))) as u8;
        let second_va = va.wrapping_add(first as u64);
        let pa1 = self.translate(VirtAddr(va), Access::Load)?;
        let pa2 = self.translate(VirtAddr(second_va), Access::Load)?;
        let mut value = 0u64;
        for i in 0..size {
            let (pa, fault_va) =
                if i < first { (pa1.0 + i as u64, va) } else { (pa2.0 + (i - first) as u64, second_va) };
            let b = self.bus.read(PhysAddr(pa), 1).ok_or(Exception::new(Cause::LoadAccessFault, fault_va))?;
            value |= b << (8 * i);
        }
        Ok(value)
    }

    #[cold]
    fn store_split(&mut self, va: u64, size: u8, value: u64) -> Result<(), Exception> {
        let first = (PAGE_SIZE - (va & (PAGE_SIZE - 1))) as u8;
        let second_va = va.wrapping_add(first as u64);
        let pa1 = self.translate(VirtAddr(va), Access::Store)?;
        let pa2 = self.translate(VirtAddr(second_va), Access::Store)?;
        for i in 0..size {
            let (pa, fault_va) =
                if i < first { (pa1.0 + i as u64, va) } else { (pa2.0 + (i - first) as u64, second_va) };
            self.store_phys(PhysAddr(pa), fault_va, 1, value >> (8 * i))?;
        }
        Ok(())
    }
}

/// Whether `[va, va + size)` spans two pages.
#[inline(always)]
fn crosses_page(va: u64, size: u8) -> bool {
    (va & (PAGE_SIZE - 1)) + size as u64 > PAGE_SIZE
}

#[cfg(test)]
mod tests;
