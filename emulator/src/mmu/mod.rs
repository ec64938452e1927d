//! The memory front door: every instruction fetch, load, store and AMO of
//! the hart goes through [`Mmu`], which translates the virtual address
//! (Bare or Sv39: the TLBs in [`tlb`], the walker in [`sv39`]) and performs
//! the physical access on the bus.
//!
//! The TLB hierarchy, its fast path and its counters live in
//! [`translator`]; the page-walk cache in [`pwc`]; `--record-trace` and its
//! replay in [`record`] and [`replay`].
//!
//! Misaligned loads and stores are emulated (they never trap): an access
//! inside one page is done as one physical access (RAM takes any
//! alignment; device registers reject misaligned access with an access
//! fault), and an access that crosses a page boundary is split at the
//! boundary, both pages translated before any byte is written.

pub mod pwc;
pub mod record;
pub mod replay;
pub mod sv39;
pub mod tlb;
pub mod translator;

use crate::addr::{PhysAddr, VirtAddr};
use crate::bus::Bus;
use crate::cpu::csr::mstatus;
use crate::cpu::trap::{Cause, Exception};
use crate::cpu::Privilege;
use pwc::{PageWalkCache, PwcConfig};
use record::Recorder;
use sv39::{PageTable, WalkStats};
use tlb::{Fence, Policy, Tlb, TlbConfig, TlbStats};
use translator::RamWindow;
pub use translator::{StaleUse, Translator, MAX_STALE_RECORDS};

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
    /// A unified L2 TLB behind the L1 TLBs (off by default).
    pub l2: Option<TlbConfig>,
    /// A page-walk cache for non-leaf PTEs (off by default).
    pub pwc: Option<PwcConfig>,
}

impl Default for MmuConfig {
    fn default() -> Self {
        MmuConfig {
            itlb: TlbConfig { sets: 8, ways: 4, policy: Policy::Lru, seed: 0 },
            dtlb: TlbConfig { sets: 16, ways: 4, policy: Policy::Lru, seed: 0 },
            unified: false,
            ad: AdMode::Hardware,
            l2: None,
            pwc: None,
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

/// Offsets in an [`Mmu`] of what the data-access fast path of compiled
/// code reads and updates, which is what [`Mmu::load`] and [`Mmu::store`]
/// do for an access within a page that hits the D-TLB's last entry (or
/// needs no translation) and reaches RAM: `data_on` (a bool), the D-TLB's
/// last and remembered entries, `lookups` and `hits`, `reservation` and
/// the bus's `tohost`.
pub(crate) struct DataFastPath {
    pub data_on: usize,
    /// The D-TLB's remembered entries (indexed by the 4 KiB page number
    /// modulo their count), the size of an entry and its fields' offsets
    /// within it (see `Translator`'s `LastEntry`).
    pub remembered: usize,
    pub remembered_entries: usize,
    pub entry_size: usize,
    pub entry_tag: usize,
    pub entry_pa_base: usize,
    pub entry_shift: usize,
    pub entry_usable: usize,
    pub entry_slot: usize,
    pub entry_rust_part: usize,
    pub entry_load_page: usize,
    pub entry_store_page: usize,
    pub entry_host_offset: usize,
    pub lookups: usize,
    pub hits: usize,
    pub reservation: usize,
    pub tohost: usize,
}

/// [`Mmu::reservation`] when no LR holds one (no LR address is odd).
pub const NO_RESERVATION: u64 = u64::MAX;

/// The MMU and the physical bus behind it.
pub struct Mmu {
    /// The physical address space.
    pub bus: Bus,
    /// The LR reservation: the physical address an LR reserved, cleared by
    /// any store that overlaps its 8-byte granule, by SC and by traps;
    /// [`NO_RESERVATION`] when there is none (a plain word, so that
    /// compiled code can test it).
    pub reservation: u64,
    ctx: TranslationContext,
    /// The TLBs, page-walk cache and their counters.
    tr: Translator,
    /// The page instructions are being fetched from.
    fetch_page: FetchPage,
}

/// The page of the last fetch, with where it is in RAM: further fetches
/// from it skip translation and the RAM bounds check. When fetches are
/// translated it is kept only while the I-TLB's remembered entry is the
/// one that maps it (split TLBs: data accesses never change that entry), so
/// each such fetch is exactly the repeat hit `translate` would count.
#[derive(Clone, Copy)]
struct FetchPage {
    /// The page's first virtual address.
    base: u64,
    /// RAM offset of the page's first byte.
    ram_off: usize,
    /// Whether each fetch counts an I-TLB lookup (translation on).
    counted: bool,
}

impl FetchPage {
    /// An odd base: pcs are even, so `pc - base` is odd and fails the
    /// check in `Mmu::fetch` whatever the pc.
    const NONE: FetchPage = FetchPage { base: 1, ram_off: 0, counted: false };
}

/// Page tables in guest RAM. A PTE write (A/D) is a store: it clears an LR
/// reservation on its granule.
struct RamTables<'a> {
    ram: &'a mut crate::bus::Ram,
    reservation: &'a mut u64,
    /// The bus's `attention`: raised by every PTE update.
    attention: &'a mut bool,
}

impl PageTable for RamTables<'_> {
    #[inline]
    fn read_pte(&mut self, addr: u64) -> Option<u64> {
        let off = self.ram.offset_of(addr, 8)?;
        Some(self.ram.read(off, 8))
    }

    #[inline(always)]
    fn prefetch(&self, pa: u64) {
        self.ram.prefetch(pa);
    }

    fn write_pte(&mut self, addr: u64, pte: u64) {
        if let Some(off) = self.ram.offset_of(addr, 8) {
            self.ram.write(off, 8, pte);
        }
        // An A/D update writes RAM, maybe code: the batch ends after this
        // access (as after a store), so a load is never a write that a
        // block must look for (see `Hart::after_access`).
        *self.attention = true;
        if *self.reservation != NO_RESERVATION && *self.reservation & !7 == addr {
            *self.reservation = NO_RESERVATION;
        }
    }
}

impl Mmu {
    /// An MMU in front of `bus`, translation off.
    pub fn new(bus: Bus, config: MmuConfig) -> Mmu {
        Mmu {
            bus,
            reservation: NO_RESERVATION,
            ctx: TranslationContext::default(),
            tr: Translator::new(&config),
            fetch_page: FetchPage::NONE,
        }
    }

    /// The TLB hierarchy and its counters.
    pub fn translator(&self) -> &Translator {
        &self.tr
    }

    /// The instruction TLB (the unified TLB when there is only one).
    pub fn itlb(&self) -> &Tlb {
        self.tr.itlb()
    }

    /// The data TLB (the unified TLB when there is only one).
    pub fn dtlb(&self) -> &Tlb {
        self.tr.dtlb()
    }

    /// The L2 TLB, when configured.
    pub fn l2tlb(&self) -> Option<&Tlb> {
        self.tr.l2tlb()
    }

    /// The page-walk cache, when configured.
    pub fn pwc(&self) -> Option<&PageWalkCache> {
        self.tr.pwc()
    }

    /// Page-walk counters.
    pub fn walk_stats(&self) -> WalkStats {
        self.tr.walk_stats
    }

    /// The virtual address of the latest miss in the instruction and data
    /// TLB (for `--profile` attribution; index with `fetch_tlb_index`).
    pub fn last_miss_va(&self) -> [u64; 2] {
        self.tr.last_miss_va
    }

    /// Stale uses found by the fence checker (the first
    /// `MAX_STALE_RECORDS`).
    pub fn stale_uses(&self) -> &[StaleUse] {
        &self.tr.stale_uses
    }

    /// The fence checker's records, for its tracer to fill in the pc.
    pub fn stale_uses_mut(&mut self) -> &mut Vec<StaleUse> {
        &mut self.tr.stale_uses
    }

    /// Every stale use the fence checker found.
    pub fn stale_count(&self) -> u64 {
        self.tr.stale_count
    }

    /// Turn on the fence checker. Every lookup then goes through the
    /// modelled TLB (the counters are the same either way).
    pub fn enable_fence_check(&mut self) {
        self.tr.enable_fence_check();
        self.forget_fast_paths();
    }

    /// Drop the remembered TLB entries and the fetch page.
    fn forget_fast_paths(&mut self) {
        self.tr.forget_last_entries();
        self.fetch_page = FetchPage::NONE;
    }

    /// Start `--record-trace`: every translated access, sfence.vma and satp
    /// change from now on goes to `recorder`.
    pub fn start_recording(&mut self, mut recorder: Recorder) {
        recorder.satp(self.ctx.root, self.ctx.asid);
        self.tr.start_recording(Box::new(recorder));
        self.forget_fast_paths();
    }

    /// Stop recording: the recorder, to be finished with the run's totals.
    pub fn take_recorder(&mut self) -> Option<Recorder> {
        self.forget_fast_paths();
        self.tr.take_recorder().map(|b| *b)
    }

    /// Index into `last_miss_va` of the TLB that fetches use.
    pub fn fetch_tlb_index(&self) -> usize {
        self.tr.fetch_tlb_index()
    }

    /// Whether fetches and data share one TLB.
    pub fn is_unified(&self) -> bool {
        self.tr.is_unified()
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
        let old = self.ctx;
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
        if let Some(r) = self.tr.recorder_mut() {
            if (old.root, old.asid) != (self.ctx.root, self.ctx.asid) {
                r.satp(self.ctx.root, self.ctx.asid);
            }
        }
        self.forget_fast_paths();
    }

    /// sfence.vma: flush what the fence covers from every TLB.
    pub fn fence(&mut self, fence: Fence) {
        self.tr.fence(fence);
        self.fetch_page = FetchPage::NONE;
    }

    /// Translate `va` for `access`.
    #[inline(always)]
    pub fn translate(&mut self, va: VirtAddr, access: Access) -> Result<PhysAddr, Exception> {
        let on = if access == Access::Fetch { self.ctx.fetch_on } else { self.ctx.data_on };
        if !on {
            return Ok(PhysAddr(va.0));
        }
        let bus = &mut self.bus;
        let mut pt = RamTables { ram: &mut bus.ram, reservation: &mut self.reservation, attention: &mut bus.attention };
        self.tr.translate(&mut pt, &self.ctx, va.0, access).map(PhysAddr)
    }

    /// Fetch the instruction bits at `pc` (which is 2-byte aligned): 16
    /// significant bits for a compressed instruction, 32 otherwise. A 32-bit
    /// instruction whose halves lie in different pages translates each half.
    #[inline(always)]
    pub fn fetch(&mut self, pc: u64) -> Result<u32, Exception> {
        let page = self.fetch_page;
        // One compare: in the page, not straddling its end, and even (an
        // odd difference, as from `FetchPage::NONE`, rotates into bit 63).
        let in_page = pc.wrapping_sub(page.base);
        if in_page.rotate_right(1) <= (PAGE_SIZE - 4) / 2 {
            if page.counted {
                self.tr.count_fetch_repeat_hit();
            }
            let word = self.bus.ram.read(page.ram_off + in_page as usize, 4) as u32;
            return Ok(if word & 3 == 3 { word } else { word & 0xffff });
        }
        self.fetch_new_page(pc)
    }

    /// Where `pc` is in RAM when it lies in the page of the last fetch
    /// (not in its last 2 bytes), and whether fetches from that page count
    /// I-TLB hits: the block path's view of [`Mmu::fetch`]'s fast case.
    /// Counts nothing; the caller counts its fetches with
    /// [`Mmu::count_fetch_hits`].
    #[inline(always)]
    pub fn fetch_page_offset(&self, pc: u64) -> Option<(usize, bool)> {
        let page = self.fetch_page;
        let in_page = pc.wrapping_sub(page.base);
        (in_page.rotate_right(1) <= (PAGE_SIZE - 4) / 2).then_some((page.ram_off + in_page as usize, page.counted))
    }

    /// Where the fetch page's virtual base and RAM offset lie in an `Mmu`,
    /// for compiled code that checks it is still fetching from the page it
    /// was entered in (see `cpu/jit.rs`).
    pub(crate) const FETCH_PAGE_BASE_OFFSET: usize = std::mem::offset_of!(Mmu, fetch_page.base);
    pub(crate) const FETCH_PAGE_RAM_OFF_OFFSET: usize = std::mem::offset_of!(Mmu, fetch_page.ram_off);
    pub(crate) const FETCH_PAGE_COUNTED_OFFSET: usize = std::mem::offset_of!(Mmu, fetch_page.counted);
    pub(crate) const FETCH_ON_OFFSET: usize = std::mem::offset_of!(Mmu, ctx.fetch_on);
    /// Where the I-TLB's last entry, remembered entries and LRU clock lie.
    pub(crate) const INSN_LAST_OFFSET: usize = std::mem::offset_of!(Mmu, tr) + Translator::INSN_LAST_OFFSET;
    pub(crate) const INSN_REMEMBERED_OFFSET: usize = std::mem::offset_of!(Mmu, tr) + Translator::INSN_REMEMBERED_OFFSET;
    pub(crate) const INSN_CLOCK_OFFSET: usize = std::mem::offset_of!(Mmu, tr) + Translator::INSN_CLOCK_OFFSET;

    /// Where compiled code finds what a data access's fast path reads.
    pub(crate) const DATA_FAST_PATH: DataFastPath = {
        let tr = std::mem::offset_of!(Mmu, tr);
        let stats = tr + Translator::DATA_STATS_OFFSET;
        DataFastPath {
            data_on: std::mem::offset_of!(Mmu, ctx.data_on),
            remembered: tr + Translator::DATA_REMEMBERED_OFFSET,
            remembered_entries: Translator::REMEMBERED_ENTRIES,
            entry_size: Translator::LAST_ENTRY_SIZE,
            entry_tag: Translator::LAST_TAG,
            entry_pa_base: Translator::LAST_PA_BASE,
            entry_shift: Translator::LAST_SHIFT,
            entry_usable: Translator::LAST_USABLE,
            entry_slot: Translator::LAST_SLOT,
            entry_rust_part: Translator::LAST_RUST_PART,
            entry_load_page: Translator::LAST_LOAD_PAGE,
            entry_store_page: Translator::LAST_STORE_PAGE,
            entry_host_offset: Translator::LAST_HOST_OFFSET,
            lookups: stats + std::mem::offset_of!(TlbStats, lookups),
            hits: stats + std::mem::offset_of!(TlbStats, hits),
            reservation: std::mem::offset_of!(Mmu, reservation),
            tohost: std::mem::offset_of!(Mmu, bus) + Bus::TOHOST_OFFSET,
        }
    };

    /// Let compiled code take loads and stores in RAM through the D-TLB's
    /// remembered entries (see `Translator`'s `TlbUnit::compiled`).
    pub(crate) fn enable_compiled_data(&mut self) {
        let ram = &mut self.bus.ram;
        let (base, len) = (ram.base(), ram.len());
        let host = ram.host_parts().0 as u64;
        self.tr.set_ram_for_compiled_code(RamWindow { base, len, host });
    }

    /// Compiled code's load at `va` missed its fast path: start bringing
    /// the guessed data into the host's cache before the TLB model runs
    /// (see `Translator::guesses`).
    #[inline]
    pub(crate) fn prefetch_guess(&self, va: u64) {
        if self.ctx.data_on {
            if let Some(pa) = self.tr.guess(va) {
                self.bus.ram.prefetch(pa);
            }
        }
    }

    /// Compiled code's load of `size` bytes at `va` missed its fast path:
    /// when a quick way translates it ([`Mmu::translate_quickly`]), the
    /// load's result, as [`Mmu::load`] gives it, with the entry remembered
    /// for compiled code as after [`Mmu::load`]; otherwise `None`, having
    /// changed nothing, for [`Mmu::load`] to do.
    #[inline(always)]
    pub(crate) fn load_quickly(&mut self, va: u64, size: u8) -> Option<Result<u64, Exception>> {
        let (pa, repeat) = self.translate_quickly(va, size, Access::Load)?;
        let value = self.bus.read(pa, size);
        if repeat && value.is_some() {
            self.tr.remember_for_compiled_code(va);
        }
        Some(value.ok_or(Exception::new(Cause::LoadAccessFault, va)))
    }

    /// [`Mmu::load_quickly`] for a store.
    #[inline(always)]
    pub(crate) fn store_quickly(&mut self, va: u64, size: u8, value: u64) -> Option<Result<(), Exception>> {
        let (pa, repeat) = self.translate_quickly(va, size, Access::Store)?;
        let result = self.store_phys(pa, va, size, value);
        if repeat && result.is_ok() {
            self.tr.remember_for_compiled_code(va);
        }
        Some(result)
    }

    /// The translation of a data access of `size` bytes at `va` within
    /// one page, in `Translator::translate`'s order, when it is a repeat
    /// hit of the D-TLB's last entry (superpage guests meet one on nearly
    /// every remembered-entry miss: `true`, the entry is still to be
    /// remembered for `va`'s page) or the usual D-TLB miss (`false`: the
    /// fill remembered it); `None`, having changed nothing, otherwise.
    #[inline(always)]
    fn translate_quickly(&mut self, va: u64, size: u8, access: Access) -> Option<(PhysAddr, bool)> {
        if !self.ctx.data_on || crosses_page(va, size) {
            return None;
        }
        if let Some(pa) = self.tr.repeat_hit(va, access) {
            return Some((PhysAddr(pa), true));
        }
        let bus = &mut self.bus;
        let mut pt = RamTables { ram: &mut bus.ram, reservation: &mut self.reservation, attention: &mut bus.attention };
        let pa = self.tr.translate_usual_data_miss(&mut pt, &self.ctx, va, access)?;
        Some((PhysAddr(pa), false))
    }

    /// Compiled code's data access at `va` missed its fast path and then
    /// succeeded (see [`Translator::remember_for_compiled_code`]).
    #[inline]
    pub(crate) fn remember_for_compiled_code(&mut self, va: u64) {
        if self.ctx.data_on {
            self.tr.remember_for_compiled_code(va);
        }
    }

    /// How a remembered I-TLB hit touches its entry, for compiled code
    /// (see [`tlb::Tlb::touch_for_compiled_code`]).
    pub(crate) fn fetch_touch_for_compiled_code(&mut self) -> Option<Option<*mut u64>> {
        self.tr.fetch_touch_for_compiled_code()
    }

    /// The instruction bits at `pc`, in the fetch page (which
    /// `fetch_page_offset` gave), without counting the fetch: it was
    /// counted when the page became the fetch page.
    pub fn fetch_counted_already(&self, pc: u64) -> u32 {
        let page = self.fetch_page;
        let word = self.bus.ram.read(page.ram_off + pc.wrapping_sub(page.base) as usize, 4) as u32;
        if word & 3 == 3 {
            word
        } else {
            word & 0xffff
        }
    }

    /// Count `n` fetches from the fetch page that `fetch_page_offset` gave,
    /// each the I-TLB repeat hit `fetch` would have counted.
    #[inline(always)]
    pub fn count_fetch_hits(&mut self, n: u64) {
        self.tr.count_fetch_repeat_hits(n);
    }

    /// A fetch from another page than the last one (or straddling two).
    #[inline(never)]
    fn fetch_new_page(&mut self, pc: u64) -> Result<u32, Exception> {
        // Forgotten first: a fetch that faults changes the I-TLB's
        // remembered entry too.
        self.fetch_page = FetchPage::NONE;
        let pa = self.translate(VirtAddr(pc), Access::Fetch)?;
        let in_page = pc & (PAGE_SIZE - 1);
        if in_page <= PAGE_SIZE - 4 {
            if let Some(ram_off) = self.bus.ram.offset_of(pa.0 & !(PAGE_SIZE - 1), PAGE_SIZE) {
                let counted = self.ctx.fetch_on;
                if !counted || self.tr.fetch_repeats_fast(pc) {
                    self.fetch_page = FetchPage { base: pc & !(PAGE_SIZE - 1), ram_off, counted };
                }
                let word = self.bus.ram.read(ram_off + in_page as usize, 4) as u32;
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
        let r = self.reservation;
        if r != NO_RESERVATION && pa.0 < r + 8 && r < pa.0 + size as u64 {
            self.reservation = NO_RESERVATION;
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
