//! The translation hierarchy: L1 instruction and data TLBs (or one unified
//! TLB), an optional unified L2 TLB behind them, an optional page-walk
//! cache, and the walker — with every counter. It is generic over where
//! page-table entries come from ([`PageTable`]): guest RAM in a run, the
//! recorded walks in a trace replay. Both therefore run this same code,
//! which is why a replay's counters equal the run's.
//!
//! Order of events for an access (each step counted):
//! 1. the L1 TLB of the access (fetch: I-TLB; load/store: D-TLB);
//! 2. on an L1 miss, the L2 TLB when configured; its hit fills the L1;
//! 3. on a miss of both, a walk (probing the page-walk cache first), whose
//!    leaf fills the L2 and the L1.
//!
//! The usual miss (no L2 TLB or page-walk cache, only 4 KiB entries, a
//! walk with nothing to update or report) takes a shorter path with the
//! same effects (`Translator::quick_miss`).
//!
//! A hit — in L1 or L2 — whose entry does not permit the access is a page
//! fault without a walk (the entry is what the hardware believes); a store
//! that hits a clean entry (D clear) walks again to set D and refreshes
//! that entry in place (a "dirty walk").
//!
//! Fast path: each L1 TLB remembers the entry it touched last. An access to
//! the same page with the same kind of permission is that entry hitting
//! again; since it is already the most recent entry of its set, the
//! replacement state would not change, so the lookup is counted (one
//! lookup, one hit) without searching. Next, a small direct-mapped table
//! of remembered entries (indexed by the 4 KiB page number) is tried: a
//! hit there is counted and touches the entry's slot for the replacement
//! policy, exactly as the lookup would, without the set search (a
//! remembered entry is dropped whenever its slot is refilled, refreshed
//! or flushed, so it always names what the lookup would find).
//! Everything else goes through the modelled TLBs, so the counters equal
//! a lookup on every access.
//!
//! Compiled code (cpu/jit.rs) has a fast path of its own for loads and
//! stores: a D-TLB remembered entry whose slot is the most recent of its
//! set serves them with one compare and a host address (see
//! `TlbUnit::compiled`).

use super::pwc::{PageWalkCache, PwcConfig};
use super::record::Recorder;
use super::sv39::{is_canonical, peek, permits, permitted, quiet_walk, PageTable, WalkStats, Walker};
use super::tlb::{perm, Fence, Slot, Tlb, TlbConfig, TlbEntry};
use super::{Access, AdMode, MmuConfig, TranslationContext};
use crate::cpu::trap::Exception;
use crate::cpu::Privilege;
use std::mem::{offset_of, size_of};

/// The last entry an L1 TLB touched, with what the current context lets it
/// be used for: bit 0 fetch, bit 1 load, bit 2 store (store needs D set),
/// bit 3 its `page` is RAM's (`host_offset` holds).
///
/// The fields after `usable` are compiled code's (D-TLB remembered
/// entries only; see `TlbUnit::mru`): `load_page` and `store_page` are
/// the 4 KiB virtual page (VA >> 12) whose loads or stores compiled code
/// may take through this entry as hits without a lookup, `u64::MAX` when
/// none; the host address of a byte at `va` in that page is
/// `va + host_offset`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct LastEntry {
    tag: u64,
    pa_base: u64,
    /// Where the entry is in the TLB (`u32::MAX`: none; TLBs hold at
    /// most 2^20 entries).
    slot: u32,
    shift: u8,
    usable: u8,
    /// VA >> 12 of the access the entry was remembered for.
    page: u64,
    load_page: u64,
    store_page: u64,
    host_offset: u64,
}

/// `LastEntry::usable`: the entry's `page` lies in RAM.
const IN_RAM: u8 = 8;

impl LastEntry {
    const NONE: LastEntry = LastEntry {
        tag: u64::MAX,
        shift: 63,
        pa_base: 0,
        usable: 0,
        slot: u32::MAX,
        page: u64::MAX,
        load_page: u64::MAX,
        store_page: u64::MAX,
        host_offset: 0,
    };

    /// Let compiled code use this entry for the accesses it serves, or
    /// (`on` false) for none.
    #[inline(always)]
    fn set_compiled(&mut self, on: bool) {
        let usable = if on && self.usable & IN_RAM != 0 { self.usable } else { 0 };
        let page = |bit: u8| if usable & bit != 0 { self.page } else { u64::MAX };
        self.load_page = page(access_bit(Access::Load));
        self.store_page = page(access_bit(Access::Store));
    }

    /// The physical address of `va` through this entry.
    #[inline(always)]
    fn translate(&self, va: u64) -> u64 {
        self.pa_base | (va & ((1 << self.shift) - 1))
    }

    #[inline(always)]
    fn serves(&self, va: u64, access: Access) -> bool {
        va >> self.shift == self.tag && self.usable & access_bit(access) != 0
    }
}

/// Entries an L1 TLB remembers besides the last one (a power of two): 32,
/// half the default D-TLB, took mem-sv39-4k from 1.90 to 1.73 s (8 did
/// less; 64 no more). Every sfence.vma clears them all.
const REMEMBERED: usize = 32;
const _: () = assert!(REMEMBERED <= u32::BITS as usize, "TlbUnit::remembered_by_slot is a u32 per slot");
const _: () =
    assert!(size_of::<LastEntry>().is_power_of_two(), "compiled code indexes entries with a shift and a mask");

/// Where `va`'s remembered entry would be.
#[inline(always)]
fn remembered_index(va: u64) -> usize {
    (va >> 12) as usize & (REMEMBERED - 1)
}

/// Pages whose physical page the translator guesses for a prefetch (a
/// power of two; 16 bytes each).
const GUESSES: usize = 4096;

/// Where `va`'s guess would be.
#[inline(always)]
fn guess_index(va: u64) -> usize {
    (va >> 12) as usize & (GUESSES - 1)
}

fn access_bit(access: Access) -> u8 {
    match access {
        Access::Fetch => 1,
        Access::Load => 2,
        Access::Store => 4,
    }
}

/// Where guest RAM is: physical base, size, host address of its first
/// byte.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RamWindow {
    pub base: u64,
    pub len: u64,
    pub host: u64,
}

/// A TLB and its remembered entries.
struct TlbUnit {
    tlb: Tlb,
    last: LastEntry,
    /// Entries used earlier, by `remembered_index` of an address they
    /// served.
    remembered: [LastEntry; REMEMBERED],
    /// Two valid entries of different page sizes may match one address
    /// (a page's size changed without sfence.vma): the fast paths are off,
    /// since which entry a lookup finds depends on set and way order, until
    /// an sfence.vma of everything.
    overlapping: bool,
    /// For each TLB slot, the remembered entries that may name it (bit i:
    /// `remembered[i]`; a bit may outlive its entry), so that refilling a
    /// slot looks at those alone.
    remembered_by_slot: Box<[u32]>,
    /// Compiled code takes loads and stores through remembered entries
    /// (the D-TLB, when RAM is known). It counts such a hit without
    /// touching the entry for the replacement policy, which is exact when
    /// the entry is the one of its set touched or filled last: touching
    /// it again would change nothing (LRU order within the set, tree-PLRU
    /// bits; FIFO and random ignore hits). So an entry serves compiled
    /// code only while its slot is its set's `mru`, kept here on every
    /// touch and fill made in Rust.
    compiled: bool,
    /// Per set, the slot touched or filled last (`u32::MAX`: none yet).
    mru: Box<[u32]>,
}

impl TlbUnit {
    /// `slot` was just touched or filled: it becomes its set's most
    /// recent, and remembered entries of the set's previous one stop
    /// serving compiled code (those of `slot` start again).
    #[inline]
    fn touched(&mut self, slot: Slot) {
        if !self.compiled {
            return;
        }
        let set = self.tlb.set_of_slot(slot);
        let Some(mru) = self.mru.get_mut(set) else { return };
        let old = std::mem::replace(mru, slot as u32) as Slot;
        if old != slot {
            self.set_compiled(old, false);
            self.set_compiled(slot, true);
        }
    }

    /// Let compiled code use the remembered entries of `slot`, or not.
    fn set_compiled(&mut self, slot: Slot, on: bool) {
        self.each_remembered_of(slot, |r| r.set_compiled(on));
    }

    /// Apply `f` to each remembered entry of `slot` (through its bits in
    /// `remembered_by_slot`).
    fn each_remembered_of(&mut self, slot: Slot, mut f: impl FnMut(&mut LastEntry)) {
        let mut maybe = self.remembered_by_slot.get(slot).copied().unwrap_or(0);
        while maybe != 0 {
            let r = &mut self.remembered[maybe.trailing_zeros() as usize];
            maybe &= maybe - 1;
            if r.slot as Slot == slot {
                f(r);
            }
        }
    }

    /// Remember `entry` at index `i`.
    fn remember(&mut self, i: usize, entry: LastEntry) {
        self.remembered[i] = entry;
        if let Some(by_slot) = self.remembered_by_slot.get_mut(entry.slot as Slot) {
            *by_slot |= 1 << i;
        }
    }

    /// Forget remembered entries whose slot was just rewritten.
    fn forget_slot(&mut self, slot: Slot) {
        self.each_remembered_of(slot, |r| *r = LastEntry::NONE);
        if let Some(by_slot) = self.remembered_by_slot.get_mut(slot) {
            *by_slot = 0;
        }
        if self.last.slot as Slot == slot {
            self.last = LastEntry::NONE;
        }
    }
}

/// `Translator::modelled`'s kinds of access.
const FETCH: u8 = Access::Fetch as u8;
const LOAD: u8 = Access::Load as u8;
const STORE: u8 = Access::Store as u8;

/// Index of the instruction TLB in `Translator::units`.
const INSN: usize = 0;
/// Index of the data TLB (the only L1 TLB when unified).
pub(super) const DATA: usize = 1;
/// Index of the L2 TLB.
const L2: usize = 2;

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

/// The TLBs, the page-walk cache, the walker's counters and the optional
/// fence checker and trace recorder.
pub struct Translator {
    /// L1 I-TLB, L1 D-TLB, L2 TLB (used only when `has_l2`).
    units: [TlbUnit; 3],
    has_l2: bool,
    /// Which unit fetches use: `INSN`, or `DATA` when the TLB is unified.
    fetch_unit: usize,
    pwc: Option<PageWalkCache>,
    ad_mode: AdMode,
    /// Page-walk counters.
    pub walk_stats: WalkStats,
    /// The virtual address of the latest miss in the instruction and data
    /// L1 TLB (for `--profile` attribution).
    pub last_miss_va: [u64; 2],
    /// `--check-fences`: verify every TLB hit against the page table.
    check_fences: bool,
    /// Stale translations found by the fence checker (the first
    /// `MAX_STALE_RECORDS`; `stale_count` counts them all).
    pub stale_uses: Vec<StaleUse>,
    /// Every stale use found.
    pub stale_count: u64,
    /// `--record-trace`: every modelled access goes to the recorder.
    recorder: Option<Box<Recorder>>,
    /// No L2 TLB, page-walk cache, fence checker or recorder: what the
    /// quick paths need, in one flag (see `Translator::update_plain`).
    plain: bool,
    /// Guest RAM, for compiled code's remembered D-TLB entries.
    ram: Option<RamWindow>,
    /// For 4 KiB virtual pages lately translated on the modelled path, by
    /// `guess_index`: (VA >> 12, PA >> 12). Only a hint for the host's
    /// cache: a data access that misses the fast paths prefetches its
    /// guessed physical address before the lookup and walk, so that a
    /// host cache miss on the guest's data overlaps with them. A wrong
    /// guess costs a useless prefetch and nothing else.
    guesses: Box<[(u64, u64)]>,
}

impl Translator {
    /// Where the D-TLB's remembered entries and counters lie in a
    /// `Translator`, for compiled code that takes hits itself (see
    /// `cpu/jit.rs` and [`super::DataFastPath`]).
    pub(crate) const DATA_STATS_OFFSET: usize =
        offset_of!(Translator, units) + DATA * size_of::<TlbUnit>() + offset_of!(TlbUnit, tlb.stats);
    pub(crate) const INSN_LAST_OFFSET: usize =
        offset_of!(Translator, units) + INSN * size_of::<TlbUnit>() + offset_of!(TlbUnit, last);
    pub(crate) const INSN_REMEMBERED_OFFSET: usize =
        offset_of!(Translator, units) + INSN * size_of::<TlbUnit>() + offset_of!(TlbUnit, remembered);
    pub(crate) const INSN_CLOCK_OFFSET: usize =
        offset_of!(Translator, units) + INSN * size_of::<TlbUnit>() + offset_of!(TlbUnit, tlb) + Tlb::CLOCK_OFFSET;
    pub(crate) const USABLE_FETCH: u8 = 1;
    pub(crate) const DATA_REMEMBERED_OFFSET: usize =
        offset_of!(Translator, units) + DATA * size_of::<TlbUnit>() + offset_of!(TlbUnit, remembered);
    /// Remembered entries: how many, and the size of one.
    pub(crate) const REMEMBERED_ENTRIES: usize = REMEMBERED;
    pub(crate) const LAST_ENTRY_SIZE: usize = size_of::<LastEntry>();
    pub(crate) const LAST_SLOT: usize = offset_of!(LastEntry, slot);
    pub(crate) const LAST_TAG: usize = offset_of!(LastEntry, tag);
    pub(crate) const LAST_PA_BASE: usize = offset_of!(LastEntry, pa_base);
    pub(crate) const LAST_SHIFT: usize = offset_of!(LastEntry, shift);
    pub(crate) const LAST_USABLE: usize = offset_of!(LastEntry, usable);
    /// The fields before compiled code's part of an entry: what a copy
    /// of an I-TLB entry needs (compiled code's part of those is unused).
    pub(crate) const LAST_RUST_PART: usize = offset_of!(LastEntry, page);
    pub(crate) const LAST_LOAD_PAGE: usize = offset_of!(LastEntry, load_page);
    pub(crate) const LAST_STORE_PAGE: usize = offset_of!(LastEntry, store_page);
    pub(crate) const LAST_HOST_OFFSET: usize = offset_of!(LastEntry, host_offset);

    /// Empty TLBs of the configured shapes.
    pub fn new(config: &MmuConfig) -> Translator {
        let unit = |c: TlbConfig| TlbUnit {
            tlb: Tlb::new(c),
            last: LastEntry::NONE,
            remembered: [LastEntry::NONE; REMEMBERED],
            overlapping: false,
            remembered_by_slot: vec![0; c.sets * c.ways].into_boxed_slice(),
            compiled: false,
            mru: vec![u32::MAX; c.sets].into_boxed_slice(),
        };
        let l2 = config.l2.unwrap_or(TlbConfig { sets: 1, ways: 1, ..config.dtlb });
        let mut t = Translator {
            units: [unit(config.itlb), unit(config.dtlb), unit(l2)],
            has_l2: config.l2.is_some(),
            fetch_unit: if config.unified { DATA } else { INSN },
            pwc: config.pwc.map(PageWalkCache::new),
            ad_mode: config.ad,
            walk_stats: WalkStats::default(),
            last_miss_va: [0; 2],
            check_fences: false,
            stale_uses: Vec::new(),
            stale_count: 0,
            recorder: None,
            plain: false,
            ram: None,
            guesses: vec![(u64::MAX, 0); GUESSES].into_boxed_slice(),
        };
        t.update_plain();
        t
    }

    /// Keep `plain` true to what it says.
    fn update_plain(&mut self) {
        self.plain = !self.has_l2 && self.pwc.is_none() && !self.check_fences && self.recorder.is_none();
    }

    /// Give every modelled access to `recorder` from now on.
    pub(super) fn start_recording(&mut self, recorder: Box<Recorder>) {
        self.recorder = Some(recorder);
        self.update_plain();
        self.forget_last_entries();
    }

    /// Stop recording: the recorder, if there was one.
    pub(super) fn take_recorder(&mut self) -> Option<Box<Recorder>> {
        let r = self.recorder.take();
        self.update_plain();
        self.forget_last_entries();
        r
    }

    /// The trace recorder, when recording.
    pub(super) fn recorder_mut(&mut self) -> Option<&mut Recorder> {
        self.recorder.as_deref_mut()
    }

    /// The instruction TLB (the unified TLB when there is only one).
    pub fn itlb(&self) -> &Tlb {
        &self.units[self.fetch_unit].tlb
    }

    /// The data TLB (the unified TLB when there is only one).
    pub fn dtlb(&self) -> &Tlb {
        &self.units[DATA].tlb
    }

    /// The L2 TLB, when configured.
    pub fn l2tlb(&self) -> Option<&Tlb> {
        self.has_l2.then_some(&self.units[L2].tlb)
    }

    /// The page-walk cache, when configured.
    pub fn pwc(&self) -> Option<&PageWalkCache> {
        self.pwc.as_ref()
    }

    /// The page-walk cache's shape, when configured.
    pub fn pwc_config(&self) -> Option<PwcConfig> {
        self.pwc.as_ref().map(PageWalkCache::config)
    }

    /// Index into `last_miss_va` of the TLB that fetches use.
    pub fn fetch_tlb_index(&self) -> usize {
        self.fetch_unit
    }

    /// Whether fetches and data share one TLB.
    pub fn is_unified(&self) -> bool {
        self.fetch_unit == DATA
    }

    /// Turn on the fence checker. Every lookup then goes through the
    /// modelled TLB (the counters are the same either way).
    pub fn enable_fence_check(&mut self) {
        self.check_fences = true;
        self.update_plain();
        self.forget_last_entries();
    }

    /// Forget the remembered entries (the context they were checked in
    /// changed).
    pub fn forget_last_entries(&mut self) {
        for u in &mut self.units {
            u.last = LastEntry::NONE;
            u.remembered = [LastEntry::NONE; REMEMBERED];
        }
    }

    /// Let compiled code take loads and stores in `ram` through the
    /// D-TLB's remembered entries (see `TlbUnit::compiled`).
    pub(crate) fn set_ram_for_compiled_code(&mut self, ram: RamWindow) {
        self.ram = Some(ram);
        self.units[DATA].compiled = true;
        self.forget_last_entries();
    }

    /// The physical address of `va` if its page was lately translated
    /// on the modelled path (maybe wrongly: only a hint for a prefetch).
    #[inline]
    pub(crate) fn guess(&self, va: u64) -> Option<u64> {
        let (page, pa_page) = self.guesses.get(guess_index(va)).copied()?;
        (page == va >> 12).then_some(pa_page << 12 | (va & 0xfff))
    }

    /// After compiled code missed its remembered entries for a data
    /// access at `va` that then succeeded: when the D-TLB's last entry
    /// maps `va` (a repeat hit, which remembers nothing), remember it for
    /// `va`'s page too, so that compiled code finds it next time. The
    /// last entry is the one touched last, the most recent of its set.
    #[inline(always)]
    pub(crate) fn remember_for_compiled_code(&mut self, va: u64) {
        let u = &self.units[DATA];
        if u.remembered[remembered_index(va)].page != va >> 12 {
            self.remember_last_for_compiled_code(va);
        }
    }

    /// `remember_for_compiled_code` when `va`'s page is not remembered.
    #[inline(never)]
    fn remember_last_for_compiled_code(&mut self, va: u64) {
        let u = &self.units[DATA];
        let i = remembered_index(va);
        let last = u.last;
        if !u.compiled || va >> last.shift != last.tag {
            return;
        }
        let mut e = self.for_page(last, va, DATA);
        e.set_compiled(true);
        self.units[DATA].remember(i, e);
    }

    /// What compiled code's data fast path does with a load or store at
    /// `va` (translation on; `cpu/jit.rs`, `Emitter::data_address`): a
    /// hit of a remembered entry that serves compiled code is counted as
    /// one lookup and one hit, touching nothing, and gives the host
    /// address (`None` also for an access of `size` bytes that would
    /// cross into the next page). For tests that hold compiled code to the
    /// reference.
    #[cfg(test)]
    pub(crate) fn compiled_data_hit(&mut self, va: u64, size: u8, access: Access) -> Option<u64> {
        let u = &mut self.units[DATA];
        let e = &u.remembered[remembered_index(va)];
        let page = if access == Access::Store { e.store_page } else { e.load_page };
        if page != va.wrapping_add(size as u64 - 1) >> 12 {
            return None;
        }
        u.tlb.count_repeat_hit();
        Some(va.wrapping_add(e.host_offset))
    }

    /// `e`, remembered for an access at `va` by the unit `unit`, with
    /// its page, whether that is RAM's and its host offset; whether
    /// compiled code may use it is each caller's `set_compiled`.
    fn for_page(&self, mut e: LastEntry, va: u64, unit: usize) -> LastEntry {
        e.page = va >> 12;
        e.usable &= !IN_RAM;
        if let Some(host_offset) = self.host_offset(e.translate(va), va, unit) {
            e.usable |= IN_RAM;
            e.host_offset = host_offset;
        }
        e
    }

    /// When compiled code may use `unit`'s entries and the 4 KiB page of
    /// `pa`, the translation of `va`, lies in RAM: what to add to an
    /// address in `va`'s page for its host address.
    #[inline(always)]
    fn host_offset(&self, pa: u64, va: u64, unit: usize) -> Option<u64> {
        let ram = self.ram.filter(|_| self.units[unit].compiled)?;
        let off = (pa & !0xfff).wrapping_sub(ram.base);
        (off < ram.len && ram.len - off >= 0x1000).then(|| ram.host.wrapping_add(off).wrapping_sub(va & !0xfff))
    }

    /// How a remembered I-TLB hit touches its entry in compiled code (see
    /// [`Tlb::touch_for_compiled_code`]; `None` with a unified TLB, whose
    /// fetches compiled code leaves to Rust).
    pub(crate) fn fetch_touch_for_compiled_code(&mut self) -> Option<Option<*mut u64>> {
        if self.is_unified() {
            return None;
        }
        self.units[INSN].tlb.touch_for_compiled_code()
    }

    /// sfence.vma: flush what the fence covers from every TLB and the
    /// page-walk cache.
    pub fn fence(&mut self, fence: Fence) {
        if let Some(r) = self.recorder.as_deref_mut() {
            r.fence(fence);
        }
        self.units[DATA].tlb.fence(fence);
        if !self.is_unified() {
            self.units[INSN].tlb.fence(fence);
        }
        if self.has_l2 {
            self.units[L2].tlb.fence(fence);
        }
        if let Some(pwc) = &mut self.pwc {
            pwc.fence(fence);
        }
        if fence == Fence::All {
            for u in &mut self.units {
                u.overlapping = false;
            }
        }
        self.forget_last_entries();
    }

    /// Translate `va` (translation is on for `access`): the physical address
    /// or the page or access fault.
    #[inline(always)]
    pub fn translate<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
    ) -> Result<u64, Exception> {
        if let Some(pa) = self.repeat_hit(va, access) {
            return Ok(pa);
        }
        let unit = if access == Access::Fetch { self.fetch_unit } else { DATA };
        self.translate_remembered(pt, ctx, va, access, unit)
    }

    /// `translate`'s first step: when the last entry of `access`'s TLB
    /// serves it, a repeat hit (counted, touching nothing) and the
    /// physical address of `va`.
    #[inline(always)]
    pub(crate) fn repeat_hit(&mut self, va: u64, access: Access) -> Option<u64> {
        let unit = if access == Access::Fetch { self.fetch_unit } else { DATA };
        let u = &mut self.units[unit];
        if !u.last.serves(va, access) {
            return None;
        }
        u.tlb.count_repeat_hit();
        Some(u.last.translate(va))
    }

    /// A remembered entry, or else the modelled path.
    #[inline(never)]
    fn translate_remembered<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
        unit: usize,
    ) -> Result<u64, Exception> {
        let i = remembered_index(va);
        let mut hit = self.units[unit].remembered[i];
        if !hit.serves(va, access) {
            // One copy of the modelled path per kind of access, each with
            // its checks folded (a data access's unit is always `DATA`).
            return match access {
                Access::Fetch => self.modelled::<P, FETCH>(pt, ctx, va, unit),
                Access::Load => self.modelled::<P, LOAD>(pt, ctx, va, unit),
                Access::Store => self.modelled::<P, STORE>(pt, ctx, va, unit),
            };
        }
        if hit.page != va >> 12 {
            // Another 4 KiB page of the same superpage.
            hit = self.for_page(hit, va, unit);
        }
        let u = &mut self.units[unit];
        u.tlb.count_hit_and_touch(hit.slot as Slot);
        u.touched(hit.slot as Slot);
        hit.set_compiled(u.compiled);
        u.remember(i, hit);
        u.last = hit; // now the most recently touched entry
        Ok(hit.translate(va))
    }

    /// Compiled code's load or store at `va` missed its remembered
    /// entries: when this is the usual D-TLB miss (`quick_miss`), make it
    /// straight away, with the modelled path's effects, and return the
    /// physical address; otherwise `None`, having changed nothing. (The
    /// modelled path would first look at the last and remembered entries:
    /// they only name entries of the D-TLB, which misses.)
    #[inline(never)]
    pub(crate) fn translate_usual_data_miss<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
    ) -> Option<u64> {
        if !is_canonical(va) {
            return None;
        }
        let (slot, known) = self.quick_miss(pt, ctx, va, access, DATA)?;
        Some(self.remember_slot(ctx, va, DATA, slot, Some(known)))
    }

    /// Whether the next fetch from `pc`'s page will be a repeat hit of the
    /// I-TLB's remembered entry whatever happens in between but fetches:
    /// only with separate I- and D-TLBs (a unified one changes its
    /// remembered entry on data accesses).
    pub fn fetch_repeats_fast(&self, pc: u64) -> bool {
        !self.is_unified() && self.units[INSN].last.serves(pc, Access::Fetch)
    }

    /// Count a fetch that `fetch_repeats_fast` said repeats the remembered
    /// entry (no fetch from another page in between).
    #[inline(always)]
    pub fn count_fetch_repeat_hit(&mut self) {
        self.units[INSN].tlb.count_repeat_hit();
    }

    /// Count `n` fetches of the kind `count_fetch_repeat_hit` counts.
    #[inline(always)]
    pub fn count_fetch_repeat_hits(&mut self, n: u64) {
        self.units[INSN].tlb.count_repeat_hits(n);
    }

    /// Count `n` more accesses like the one just translated, if the fast
    /// path would take every one of them (then each is a repeat hit of the
    /// remembered entry, which changes no replacement state); otherwise
    /// count nothing and return false.
    pub fn count_repeat_hits(&mut self, va: u64, access: Access, n: u64) -> bool {
        let unit = if access == Access::Fetch { self.fetch_unit } else { DATA };
        if !self.units[unit].last.serves(va, access) {
            return false;
        }
        self.units[unit].tlb.count_repeat_hits(n);
        true
    }

    /// [`Translator::translate_modelled`] for one kind of access
    /// (`KIND`: `Access::Fetch`, `Load` or `Store` as u8): a copy per kind,
    /// each with its access's checks folded (callgrind: 28 fewer host
    /// instructions per D-TLB miss than one copy for every access). Data
    /// accesses always use `DATA`.
    #[cold]
    #[inline(never)]
    fn modelled<P: PageTable, const KIND: u8>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        unit: usize,
    ) -> Result<u64, Exception> {
        match KIND {
            FETCH => self.translate_modelled(pt, ctx, va, Access::Fetch, unit),
            LOAD => self.translate_modelled(pt, ctx, va, Access::Load, DATA),
            _ => self.translate_modelled(pt, ctx, va, Access::Store, DATA),
        }
    }

    /// The modelled path: TLB lookups, permission check, walk on a miss.
    #[inline(always)]
    fn translate_modelled<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
        unit: usize,
    ) -> Result<u64, Exception> {
        if !is_canonical(va) {
            self.units[unit].last = LastEntry::NONE;
            return Err(Exception::new(access.page_fault(), va));
        }
        // Compiled code's loads prefetched at their helper's entry
        // (`Mmu::prefetch_guess`), earlier.
        if unit == DATA && !(access == Access::Load && self.units[DATA].compiled) {
            if let Some(pa) = self.guess(va) {
                pt.prefetch(pa);
            }
        }
        if let Some((slot, known)) = self.quick_miss(pt, ctx, va, access, unit) {
            return Ok(self.remember_slot(ctx, va, unit, slot, Some(known)));
        }
        // The last entry may stop being the most recent of its set.
        self.units[unit].last = LastEntry::NONE;
        if self.recorder.is_some() {
            self.record(pt, ctx, va, access);
        }
        // `resized`: a hit refreshed to another page size; `missed`: filled.
        let (slot, resized, missed) = match self.units[unit].tlb.lookup(va, ctx.asid) {
            Some(slot) => {
                // The lookup touched it, whatever follows.
                self.units[unit].touched(slot);
                let level = self.units[unit].tlb.entry(slot).level;
                let (now, e) = self.use_hit(pt, ctx, va, access, unit, slot)?;
                self.units[unit].forget_slot(slot); // refreshed, maybe moved
                (now, e.level != level, false)
            }
            None => {
                self.last_miss_va[unit] = va;
                let fresh = self.below_l1(pt, ctx, va, access)?;
                (self.units[unit].tlb.insert(fresh), false, true)
            }
        };
        let u = &mut self.units[unit];
        let e = u.tlb.entry(slot);
        if (missed || resized) && !u.overlapping && u.tlb.overlaps_other_size(e, missed) {
            u.overlapping = true;
            u.last = LastEntry::NONE;
            u.remembered = [LastEntry::NONE; REMEMBERED];
        }
        Ok(self.remember_slot(ctx, va, unit, slot, None))
    }

    /// The usual miss, handled with less work than the modelled path
    /// would do for it, and with the same effects: no L2 TLB, page-walk
    /// cache, recorder or fence checker; a TLB of 4 KiB entries only
    /// (searching one set finds none, and no entry of another size can
    /// overlap the fill); a walk that [`quiet_walk`] can make. Returns the
    /// slot filled and what the entry permits at the access's privilege
    /// (as [`permitted`] gives it), or `None` having changed nothing.
    #[inline(always)]
    fn quick_miss<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
        unit: usize,
    ) -> Option<(Slot, (Privilege, u8))> {
        if !self.plain {
            return None;
        }
        if !self.units[unit].tlb.misses_small_pages_only(va, ctx.asid) {
            return None;
        }
        let (fresh, permitted) = quiet_walk(pt, va, access, ctx)?;
        // The modelled path's effects, in its order: the lookup's miss,
        // the walk, the fill.
        self.units[unit].tlb.count_miss();
        self.last_miss_va[unit] = va;
        self.walk_stats.count_quiet_walk();
        let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
        Some((self.units[unit].tlb.insert_missed(fresh), (prv, permitted)))
    }

    /// After the lookup of `va` touched, filled or refreshed `slot`: make
    /// its entry the unit's last and a remembered one, as far as the
    /// context lets it serve the fast paths (`known`: what the entry
    /// permits at a privilege, when the caller knows). Returns the
    /// physical address of `va`.
    #[inline(always)]
    fn remember_slot(
        &mut self,
        ctx: &TranslationContext,
        va: u64,
        unit: usize,
        slot: Slot,
        known: Option<(Privilege, u8)>,
    ) -> u64 {
        self.units[unit].forget_slot(slot); // filled, refreshed or touched
        let e = self.units[unit].tlb.entry(slot);
        let (perms, shift, pa_base) = (e.perms, e.shift(), e.pa_base);
        // What the entry may serve from the fast path: fetches only from
        // the TLB fetches use, data only from the data TLB (the same one
        // when unified), stores only once D is set; and nothing when every
        // access must reach the fence checker or the recorder, or when
        // entries overlap.
        let allowed = |prv: Privilege| match known {
            Some((p, bits)) if p == prv => bits,
            _ => permitted(perms, prv, ctx.sum, ctx.mxr),
        };
        let mut usable = 0;
        if !self.check_fences && self.recorder.is_none() && !self.units[unit].overlapping {
            if unit == self.fetch_unit {
                usable |= allowed(ctx.fetch_prv) & access_bit(Access::Fetch);
            }
            if unit == DATA {
                let mut data = access_bit(Access::Load);
                if perms & perm::D != 0 {
                    data |= access_bit(Access::Store);
                }
                usable |= allowed(ctx.data_prv) & data;
            }
        }
        let pa = pa_base | (va & ((1 << shift) - 1));
        let (usable, host_offset) = match self.host_offset(pa, va, unit) {
            Some(offset) => (usable | IN_RAM, offset),
            None => (usable, 0),
        };
        // Tags of the remembered entry compare against the full VA, so a
        // non-canonical address can never match it.
        let mut entry = LastEntry {
            tag: va >> shift,
            shift: shift as u8,
            pa_base,
            usable,
            slot: slot as u32,
            page: va >> 12,
            host_offset,
            ..LastEntry::NONE
        };
        let u = &mut self.units[unit];
        u.touched(slot);
        entry.set_compiled(u.compiled);
        u.remember(remembered_index(va), entry);
        u.last = entry;
        if unit == DATA {
            if let Some(g) = self.guesses.get_mut(guess_index(va)) {
                *g = (va >> 12, pa >> 12);
            }
        }
        pa
    }

    /// Give the access to the recorder (kept out of the miss path's code).
    #[cold]
    #[inline(never)]
    fn record<P: PageTable>(&mut self, pt: &mut P, ctx: &TranslationContext, va: u64, access: Access) {
        if let Some(r) = self.recorder.as_deref_mut() {
            r.access(pt, ctx, va, access);
        }
    }

    /// A hit in `slot` of TLB `unit`: check the permissions and, for a store
    /// to a clean entry, walk again to set D and refresh the entry. Returns
    /// the slot now holding the entry, and the entry.
    #[inline]
    fn use_hit<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
        unit: usize,
        slot: Slot,
    ) -> Result<(Slot, TlbEntry), Exception> {
        let e = *self.units[unit].tlb.entry(slot);
        if self.check_fences {
            self.check_hit(pt, ctx, va, access, &e);
        }
        let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
        if !permits(e.perms, access, prv, ctx.sum, ctx.mxr) {
            return Err(Exception::new(access.page_fault(), va));
        }
        if access == Access::Store && e.perms & perm::D == 0 {
            self.walk_stats.dirty_walks += 1;
            let fresh = self.walk(pt, ctx, va, access)?;
            return Ok((self.units[unit].tlb.refresh(slot, fresh), fresh));
        }
        Ok((slot, e))
    }

    /// An L1 miss: the L2 TLB when there is one, and a walk on its miss.
    fn below_l1<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
    ) -> Result<TlbEntry, Exception> {
        if !self.has_l2 {
            return self.walk(pt, ctx, va, access);
        }
        match self.units[L2].tlb.lookup(va, ctx.asid) {
            Some(slot) => Ok(self.use_hit(pt, ctx, va, access, L2, slot)?.1),
            None => {
                let fresh = self.walk(pt, ctx, va, access)?;
                self.units[L2].tlb.insert(fresh);
                Ok(fresh)
            }
        }
    }

    fn walk<P: PageTable>(
        &mut self,
        pt: &mut P,
        ctx: &TranslationContext,
        va: u64,
        access: Access,
    ) -> Result<TlbEntry, Exception> {
        let mut walker = Walker { ad_mode: self.ad_mode, pwc: self.pwc.as_mut(), stats: &mut self.walk_stats };
        walker.walk(pt, va, access, ctx)
    }

    /// Compare a TLB hit's entry with the page table as it is now.
    #[cold]
    fn check_hit<P: PageTable>(&mut self, pt: &mut P, ctx: &TranslationContext, va: u64, access: Access, e: &TlbEntry) {
        const RWXU: u8 = perm::R | perm::W | perm::X | perm::U;
        let page = |base: u64, shift: u32| (base | (va & ((1 << shift) - 1))) & !0xfff;
        let current = peek(pt, va, ctx).map(|f| (page(f.pa_base, f.shift()), f.perms & RWXU));
        let cached = (page(e.pa_base, e.shift()), e.perms & RWXU);
        if current != Some(cached) {
            self.stale_count += 1;
            if self.stale_uses.len() < MAX_STALE_RECORDS {
                self.stale_uses.push(StaleUse { pc: None, va, access, cached, current });
            }
        }
    }
}
