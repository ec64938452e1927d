//! The Sv39 page walk, step by step as the privileged specification's
//! "Virtual Address Translation Process" (section 12.3.2 of the 2024
//! privileged spec; 4.3.2 in older editions), with LEVELS = 3, PTESIZE = 8.

use super::pwc::{PageWalkCache, WalkStart};
use super::tlb::{perm, tag_of, TlbEntry};
use super::{Access, AdMode, TranslationContext};
use crate::cpu::trap::Exception;
use crate::cpu::Privilege;

/// PTE bits (privileged spec 12.3.1, figure "Sv39 page table entry").
pub mod pte {
    /// Valid.
    pub const V: u64 = 1 << 0;
    /// Readable.
    pub const R: u64 = 1 << 1;
    /// Writable.
    pub const W: u64 = 1 << 2;
    /// Executable.
    pub const X: u64 = 1 << 3;
    /// User.
    pub const U: u64 = 1 << 4;
    /// Global.
    pub const G: u64 = 1 << 5;
    /// Accessed.
    pub const A: u64 = 1 << 6;
    /// Dirty.
    pub const D: u64 = 1 << 7;
    /// Bits 63:54: reserved (60:54), PBMT (62:61) and N (63). Svpbmt and
    /// Svnapot are not implemented, so every one of them must be zero.
    pub const HIGH: u64 = 0x3ff << 54;
    /// Shift of the PPN field.
    pub const PPN_SHIFT: u32 = 10;
    /// The 44-bit PPN field (bits 53:10).
    pub const PPN_MASK: u64 = ((1 << 44) - 1) << 10;
}

/// Counters of the page walker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Walks started.
    pub walks: u64,
    /// PTEs read by them.
    pub pte_reads: u64,
    /// Successful walks by the level of the leaf: [4 KiB, 2 MiB, 1 GiB].
    pub walks_by_level: [u64; 3],
    /// Walks that ended in a page or access fault.
    pub walk_faults: u64,
    /// PTEs written to set A or D.
    pub ad_updates: u64,
    /// Walks made because a store hit a clean TLB entry (D clear); the
    /// other walks are TLB misses (of the L2 TLB when there is one).
    pub dirty_walks: u64,
}

/// Whether a leaf with `perms` permits `access` at `prv` with SUM/MXR
/// (privileged spec 12.3.2 step 5, and 12.1.1 for SUM and MXR): U pages
/// only from U-mode, or from S-mode for data with SUM; S-mode never
/// executes U pages; MXR makes executable pages readable.
#[inline(always)]
pub fn permits(perms: u8, access: Access, prv: Privilege, sum: bool, mxr: bool) -> bool {
    let user_page = perms & perm::U != 0;
    match prv {
        Privilege::User if !user_page => return false,
        Privilege::Supervisor if user_page && (access == Access::Fetch || !sum) => return false,
        _ => {}
    }
    match access {
        Access::Fetch => perms & perm::X != 0,
        Access::Load => perms & perm::R != 0 || (mxr && perms & perm::X != 0),
        Access::Store => perms & perm::W != 0,
    }
}

/// The accesses a leaf with `perms` permits at `prv` with SUM/MXR, as
/// bits (1 fetch, 2 load, 4 store): [`permits`] for all three at once.
#[inline(always)]
pub fn permitted(perms: u8, prv: Privilege, sum: bool, mxr: bool) -> u8 {
    // Without branches (it is on the D-TLB miss path): `&`, `|` on bools.
    let user_page = perms & perm::U != 0;
    let (user, supervisor, machine) = (prv == Privilege::User, prv == Privilege::Supervisor, prv == Privilege::Machine);
    let fetch_ok = machine | (user & user_page) | (supervisor & !user_page);
    let data_ok = machine | (user & user_page) | (supervisor & (!user_page | sum));
    let readable = perms & perm::R != 0 || (mxr & (perms & perm::X != 0));
    let fetch = (fetch_ok & (perms & perm::X != 0)) as u8;
    let load = (data_ok & readable) as u8;
    let store = (data_ok & (perms & perm::W != 0)) as u8;
    fetch | load << 1 | store << 2
}

/// Whether `va` is a canonical Sv39 address: bits 63:39 equal bit 38.
#[inline(always)]
pub fn is_canonical(va: u64) -> bool {
    ((va as i64) << 25 >> 25) as u64 == va
}

/// Where the walker reads and writes page-table entries: guest RAM in a
/// run, the recorded walk in a trace replay.
pub trait PageTable {
    /// The 8-byte PTE at physical `addr`, or `None` when `addr` is not in
    /// RAM (page tables must live in RAM: anywhere else is an access fault).
    fn read_pte(&mut self, addr: u64) -> Option<u64>;
    /// Write back a PTE whose A/D bits the walker set.
    fn write_pte(&mut self, addr: u64, pte: u64);
    /// A hint that the data at physical `pa` is about to be accessed.
    fn prefetch(&self, _pa: u64) {}
}

/// What a walk needs besides the page table: the A/D mode, the optional
/// page-walk cache and the counters to update.
pub(super) struct Walker<'a> {
    pub ad_mode: AdMode,
    pub pwc: Option<&'a mut PageWalkCache>,
    pub stats: &'a mut WalkStats,
}

/// What a walk's PTE reads found (steps 2 to 4 and 6), before any
/// permission check or side effect.
enum Found {
    /// A leaf PTE at `level` (0 = 4 KiB), read from physical `addr`.
    Leaf { pte: u64, addr: u64, level: u32, global: bool },
    /// An invalid PTE, reserved bits, a misaligned superpage or no leaf.
    PageFault,
    /// A PTE outside RAM.
    AccessFault,
}

/// The PTE reads of a walk of `va` from `start`: returns what they found
/// and how many PTEs were read. `followed(level, table, global)` sees each
/// pointer to a next-level table (the page-walk cache's fills). No counter,
/// no A/D update, no permission check: those are the caller's.
#[inline(always)]
fn read_path<P: PageTable>(
    pt: &mut P,
    va: u64,
    start: WalkStart,
    mut followed: impl FnMut(u32, u64, bool),
) -> (Found, u32) {
    let WalkStart { mut level, mut table, mut global } = start;
    let mut reads = 0;
    loop {
        // Step 2: read the PTE at a + va.vpn[i] * PTESIZE.
        let vpn_i = (va >> (12 + 9 * level)) & 0x1ff;
        let addr = table + vpn_i * 8;
        reads += 1;
        let Some(pte) = pt.read_pte(addr) else { return (Found::AccessFault, reads) };
        // Step 3: invalid, W without R, or reserved bits set.
        if pte & pte::V == 0 || pte & (pte::R | pte::W) == pte::W || pte & pte::HIGH != 0 {
            return (Found::PageFault, reads);
        }
        global |= pte & pte::G != 0;
        let ppn = (pte & pte::PPN_MASK) >> pte::PPN_SHIFT;
        // Step 4: a pointer to the next level. A, D and U are reserved in
        // non-leaf PTEs and must be zero (as Spike checks).
        if pte & (pte::R | pte::X) == 0 {
            if pte & (pte::A | pte::D | pte::U) != 0 || level == 0 {
                return (Found::PageFault, reads);
            }
            table = ppn << 12;
            followed(level, table, global);
            level -= 1;
            continue;
        }
        // Step 6: a superpage's PPN must be aligned to its size (step 5,
        // the permission check, is the caller's; both fail with a page
        // fault, so their order is not observable).
        if ppn & ((1u64 << (9 * level)) - 1) != 0 {
            return (Found::PageFault, reads);
        }
        return (Found::Leaf { pte, addr, level, global }, reads);
    }
}

/// Step 8: the translation of `va` by a leaf (superpages take the VA's
/// low VPNs).
#[inline(always)]
fn leaf_entry(va: u64, level: u32, asid: u16, global: bool, pte: u64) -> TlbEntry {
    TlbEntry {
        tag: tag_of(va, level as u8),
        level: level as u8,
        asid,
        global,
        pa_base: ((pte & pte::PPN_MASK) >> pte::PPN_SHIFT) << 12,
        perms: pte as u8,
        valid: true,
    }
}

impl Walker<'_> {
    /// Walk the page table for `va` and return the translation as a TLB
    /// entry. Updates A/D in hardware or faults, as `ad_mode` says.
    pub fn walk<P: PageTable>(
        &mut self,
        pt: &mut P,
        va: u64,
        access: Access,
        ctx: &TranslationContext,
    ) -> Result<TlbEntry, Exception> {
        self.stats.walks += 1;
        let result = self.walk_uncounted(pt, va, access, ctx);
        match &result {
            Ok(e) => self.stats.walks_by_level[e.level as usize] += 1,
            Err(_) => self.stats.walk_faults += 1,
        }
        result
    }

    #[inline(always)]
    fn walk_uncounted<P: PageTable>(
        &mut self,
        pt: &mut P,
        va: u64,
        access: Access,
        ctx: &TranslationContext,
    ) -> Result<TlbEntry, Exception> {
        // Step 1: a = satp.ppn * PAGESIZE, i = LEVELS - 1 -- or, after a
        // page-walk-cache hit, the cached table further down.
        let mut start = WalkStart { level: 2, table: ctx.root, global: false };
        if let Some(pwc) = self.pwc.as_deref_mut() {
            if let Some(s) = pwc.lookup(va, ctx.asid) {
                start = s;
            }
        }
        let pwc = &mut self.pwc;
        let (found, reads) = read_path(pt, va, start, |level, table, global| {
            if let Some(pwc) = pwc.as_deref_mut() {
                pwc.fill(level, va, ctx.asid, global, table);
            }
        });
        self.stats.pte_reads += reads as u64;
        let page_fault = || Exception::new(access.page_fault(), va);
        let (mut pte, addr, level, global) = match found {
            Found::Leaf { pte, addr, level, global } => (pte, addr, level, global),
            Found::PageFault => return Err(page_fault()),
            Found::AccessFault => return Err(Exception::new(access.access_fault(), va)),
        };
        // Step 5: check R/W/X/U against the access.
        let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
        if !permits(pte as u8, access, prv, ctx.sum, ctx.mxr) {
            return Err(page_fault());
        }
        // Step 7: A must be set, and D for a store: set them (Svadu) or
        // fault (Svade).
        let wanted = pte::A | if access == Access::Store { pte::D } else { 0 };
        if pte & wanted != wanted {
            if self.ad_mode == AdMode::Trap {
                return Err(page_fault());
            }
            pte |= wanted;
            pt.write_pte(addr, pte);
            self.stats.ad_updates += 1;
        }
        Ok(leaf_entry(va, level, ctx.asid, global, pte))
    }
}

/// What the page table maps `va` to right now, without side effects: no
/// counters, no A/D updates, no page-walk cache, no permission check (for
/// the fence checker, which compares it with a cached translation).
pub(super) fn peek<P: PageTable>(pt: &mut P, va: u64, ctx: &TranslationContext) -> Option<TlbEntry> {
    let root = WalkStart { level: 2, table: ctx.root, global: false };
    match read_path(pt, va, root, |_, _, _| {}).0 {
        Found::Leaf { pte, level, global, .. } => Some(leaf_entry(va, level, ctx.asid, global, pte)),
        Found::PageFault | Found::AccessFault => None,
    }
}

/// The usual walk, when it is nothing more: a 4 KiB leaf that permits
/// `access` and already has A set (and D, for a store), found from the
/// root with no page-walk cache. Returns the translation and what the
/// leaf permits at the access's privilege (as [`permitted`] gives it),
/// having changed nothing; `None` for any other walk (a fault, a
/// superpage, an A/D update), which the caller makes with
/// [`Walker::walk`]. Reading PTEs has no side effect, so the caller may
/// count this walk (of three PTE reads) as if `Walker::walk` had made it
/// (see [`WalkStats::count_quiet_walk`]).
///
/// It accepts exactly the walks `read_path` and `Walker::walk` would
/// end at a level-0 leaf with nothing to update, but tests each PTE with
/// one mask (it is on the D-TLB miss path).
#[inline(always)]
pub(super) fn quiet_walk<P: PageTable>(
    pt: &mut P,
    va: u64,
    access: Access,
    ctx: &TranslationContext,
) -> Option<(TlbEntry, u8)> {
    // Levels 2 and 1 (steps 2 to 4): a valid pointer to the next table,
    // so R, W and X clear; A, D and U clear (reserved in non-leaf PTEs);
    // bits 63:54 clear. G may be set.
    const NOT_A_POINTER: u64 = pte::R | pte::W | pte::X | pte::U | pte::A | pte::D | pte::HIGH;
    let mut table = ctx.root;
    let mut bits = 0;
    for level in [2, 1] {
        let pte = pt.read_pte(table + ((va >> (12 + 9 * level)) & 0x1ff) * 8)?;
        if pte & (pte::V | NOT_A_POINTER) != pte::V {
            return None;
        }
        bits |= pte;
        table = ((pte & pte::PPN_MASK) >> pte::PPN_SHIFT) << 12;
    }
    // Level 0: a valid leaf (R or X set, not W without R, bits 63:54
    // clear) with A set, and D for a store (step 7 with nothing to do).
    let pte = pt.read_pte(table + ((va >> 12) & 0x1ff) * 8)?;
    let wanted = pte::V | pte::A | if access == Access::Store { pte::D } else { 0 };
    if pte & (wanted | pte::HIGH) != wanted || pte & (pte::R | pte::X) == 0 || pte & (pte::R | pte::W) == pte::W {
        return None;
    }
    // Step 5.
    let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
    let allowed = permitted(pte as u8, prv, ctx.sum, ctx.mxr);
    if allowed & 1 << access as u8 == 0 {
        return None;
    }
    let global = (bits | pte) & pte::G != 0;
    Some((leaf_entry(va, 0, ctx.asid, global, pte), allowed))
}

impl WalkStats {
    /// Count a walk that [`quiet_walk`] made (three PTE reads), as
    /// [`Walker::walk`] counts it.
    #[inline(always)]
    pub(super) fn count_quiet_walk(&mut self) {
        self.walks += 1;
        self.pte_reads += 3;
        self.walks_by_level[0] += 1;
    }
}
