//! Property tests (proptest):
//!
//! 1. `tlb::Tlb` against the reference model `RefTlb` of the exactness
//!    tests: random geometries, all four policies, random traces of
//!    lookups (a fill after each miss, sometimes a refresh after a hit) and
//!    sfence.vma of every kind; after every operation the two must agree on
//!    the result, every way of every set, and every counter.
//! 2. The page walker, through `Mmu::translate`, against a model written
//!    from the privileged specification's translation process (12.3.2):
//!    random small page tables in RAM (pointers, leaves at every level,
//!    superpages aligned or not, invalid PTEs, W without R, reserved high
//!    bits, A/D/U in pointers, pointers out of RAM), random satp (Bare or
//!    Sv39, the root possibly out of RAM), privilege, SUM, MXR, MPRV and
//!    access kind; the result (physical address, page fault or access
//!    fault) and the A/D bits left in RAM must agree.

use super::exactness::{RefEntry, RefTlb};
use super::*;
use crate::mmu::tlb::{tag_of, Tlb, TlbEntry};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;

// ---------------------------------------------------------------------------
// 1. The TLB against RefTlb.
// ---------------------------------------------------------------------------

/// The gigabytes a trace touches (511: the top of the address space, so
/// its addresses are sign-extended).
const GIGS: [u64; 4] = [0, 1, 2, 511];

/// Which page size maps each part of the address space, fixed for a trace
/// (as a page table would fix it): gigabyte g is one 1 GiB page if
/// `gig[g]`, else its 2 MiB slot m is one 2 MiB page if `meg[g][m]`, else
/// 4 KiB pages.
#[derive(Clone, Debug)]
struct Shape {
    gig: [bool; 4],
    meg: [[bool; 8]; 4],
}

impl Shape {
    /// A canonical virtual address in gigabyte `g`, 2 MiB slot `m`, page
    /// `p`, and its page's level.
    fn va(&self, g: usize, m: usize, p: usize, off: u64) -> (u64, u8) {
        let va = canon(GIGS[g] * GIGA + m as u64 * MEGA + p as u64 * PAGE + off);
        let level = if self.gig[g] {
            2
        } else if self.meg[g][m] {
            1
        } else {
            0
        };
        (va, level)
    }
}

#[derive(Clone, Debug)]
enum TlbOp {
    /// Look (g, m, p, offset) up in `asid`. On a miss, fill an entry (with
    /// `global`, `ppn`, `perms`); on a hit, when `refresh`, refresh the
    /// entry with them (a store re-walking a clean entry).
    Access { at: (usize, usize, usize, u64), asid: u16, global: bool, ppn: u64, perms: u8, refresh: bool },
    /// sfence.vma: kind 0 all, 1 ASID, 2 address, 3 address and ASID.
    Fence { kind: u8, at: (usize, usize, usize, u64), asid: u16 },
}

fn shape_strategy() -> impl Strategy<Value = Shape> {
    (prop::array::uniform4(prop::bool::weighted(0.2)), prop::array::uniform4(prop::array::uniform8(any::<bool>())))
        .prop_map(|(gig, meg)| Shape { gig, meg })
}

fn at_strategy() -> impl Strategy<Value = (usize, usize, usize, u64)> {
    (0..4usize, 0..8usize, 0..8usize, 0..PAGE)
}

fn tlb_op_strategy() -> impl Strategy<Value = TlbOp> {
    prop_oneof![
        12 => (at_strategy(), 0..3u16, prop::bool::weighted(0.2), any::<u64>(), any::<u8>(), prop::bool::weighted(0.2))
            .prop_map(|(at, asid, global, ppn, perms, refresh)| TlbOp::Access { at, asid, global, ppn, perms, refresh }),
        1 => (0..4u8, at_strategy(), 0..3u16).prop_map(|(kind, at, asid)| TlbOp::Fence { kind, at, asid }),
    ]
}

/// A TLB shape: sets 1-8, ways 1-8 (powers of two for tree-PLRU).
fn tlb_config_strategy() -> impl Strategy<Value = TlbConfig> {
    let policy = prop_oneof![Just(Policy::Lru), Just(Policy::Fifo), Just(Policy::Random), Just(Policy::Plru)];
    (
        policy,
        prop::sample::select(vec![1usize, 2, 4, 8]),
        prop::sample::select(vec![1usize, 2, 3, 4, 5, 8]),
        any::<u64>(),
    )
        .prop_map(|(policy, sets, ways, seed)| {
            let ways = if policy == Policy::Plru { ways.next_power_of_two().min(8) } else { ways };
            TlbConfig { sets, ways, policy, seed }
        })
}

/// Every way of every set, and the counters, of both.
fn same_state(tlb: &Tlb, r: &RefTlb, flushed: u64, flushes: [u64; 4]) -> Result<(), TestCaseError> {
    let c = tlb.config();
    for s in 0..c.sets {
        for w in 0..c.ways {
            let got = tlb.entry(s * c.ways + w);
            let got = got.valid.then_some((got.tag, got.level, got.asid, got.global, got.pa_base, got.perms));
            let want = r.sets[s].ways[w].map(|e| (e.vpn, e.level, e.asid, e.global, e.pa_base, e.pte as u8));
            prop_assert_eq!(got, want, "set {} way {}", s, w);
        }
    }
    let st = tlb.stats;
    prop_assert_eq!([st.lookups, st.hits, st.misses(), st.evictions], r.counts(), "[lookups, hits, misses, evictions]");
    prop_assert_eq!(tlb.occupancy(), r.occupancy());
    prop_assert_eq!((st.entries_flushed, st.flushes), (flushed, flushes));
    Ok(())
}

/// Run `ops` on a `Tlb` and a `RefTlb`, comparing after each; the TLB.
fn run_tlb_trace(config: TlbConfig, shape: &Shape, ops: &[TlbOp]) -> Result<Tlb, TestCaseError> {
    let mut tlb = Tlb::new(config);
    let mut r = RefTlb::new(config);
    let (mut flushed, mut flushes) = (0u64, [0u64; 4]);
    for (i, op) in ops.iter().enumerate() {
        match *op {
            TlbOp::Access { at: (g, m, p, off), asid, global, ppn, perms, refresh } => {
                let (va, level) = shape.va(g, m, p, off);
                let pa_base = (ppn & ((1 << 44) - 1) & !((1 << (9 * level as u32)) - 1)) << 12;
                let e = TlbEntry { tag: tag_of(va, level), level, asid, global, pa_base, perms, valid: true };
                let re = RefEntry { vpn: e.tag, level, asid, global, pa_base, pte: perms as u64 };
                let got = tlb.lookup(va, asid);
                let want = r.lookup(va, asid);
                prop_assert_eq!(got, want.map(|(s, w)| s * config.ways + w), "op {}: lookup of {:#x}", i, va);
                match (got, want) {
                    (Some(slot), Some(rslot)) if refresh => {
                        // As a store re-walking a clean entry: the same
                        // page (and G), in the current ASID, with new
                        // permissions and address.
                        let old = r.entry(rslot);
                        let fresh = TlbEntry { global: old.global, ..e };
                        prop_assert_eq!(tlb.refresh(slot, fresh), slot, "op {}: refreshed in place", i);
                        r.refresh(rslot, RefEntry { global: old.global, ..re });
                    }
                    (Some(_), _) => {}
                    (None, _) => {
                        tlb.insert(e);
                        r.fill(re);
                    }
                }
            }
            TlbOp::Fence { kind, at: (g, m, p, off), asid } => {
                let (va, _) = shape.va(g, m, p, off);
                let f = match kind {
                    0 => Fence::All,
                    1 => Fence::Asid(asid),
                    2 => Fence::Addr(va),
                    _ => Fence::AddrAsid(va, asid),
                };
                let before = r.occupancy();
                let n = tlb.fence(f);
                r.fence(f);
                prop_assert_eq!(n as usize, before - r.occupancy(), "op {}: {:x?} invalidated", i, f);
                flushed += n;
                flushes[kind as usize] += 1;
            }
        }
        same_state(&tlb, &r, flushed, flushes)
            .map_err(|e| TestCaseError::fail(format!("after op {i} {op:x?}: {e}")))?;
    }
    Ok(tlb)
}

#[test]
fn tlb_agrees_with_reference_model() {
    let mut runner = TestRunner::new(Config { cases: 1000, source_file: Some(file!()), ..Config::default() });
    let strategy = (tlb_config_strategy(), shape_strategy(), prop::collection::vec(tlb_op_strategy(), 1..400));
    // [hits, evictions, refreshes, entries fenced], summed over the cases.
    let cov = RefCell::new([0u64; 4]);
    let result = runner.run(&strategy, |(config, shape, ops)| {
        let tlb = run_tlb_trace(config, &shape, &ops)?;
        let mut c = cov.borrow_mut();
        c[0] += tlb.stats.hits;
        c[1] += tlb.stats.evictions;
        c[2] += ops.iter().filter(|op| matches!(op, TlbOp::Access { refresh: true, .. })).count() as u64;
        c[3] += tlb.stats.entries_flushed;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let c = cov.into_inner();
    eprintln!("tlb: [hits, evictions, refresh ops, entries fenced] = {c:?}");
    assert!(c.iter().all(|&n| n > 0), "the traces reached hits, evictions, refreshes and fences: {c:?}");
}

// ---------------------------------------------------------------------------
// 2. The page walker against a model of the specification.
// ---------------------------------------------------------------------------

/// RAM of the walker tests: 16 pages; the first `TABLES` hold page tables.
const WRAM: u64 = 16 * PAGE;
const WRAM_END: u64 = RAM_BASE + WRAM;
const TABLES: u64 = 4;
/// The VPN indices whose PTEs the tests fill, in every table.
const SLOTS: [u64; 4] = [0, 1, 2, 511];

/// What a translation should give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Pa(u64),
    PageFault,
    AccessFault,
}

/// The context of one access: privilege, SUM, MXR, and MPRV with MPP.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    prv: Privilege,
    sum: bool,
    mxr: bool,
    mprv: Option<Privilege>,
}

impl Ctx {
    fn mstatus(&self) -> u64 {
        let mut ms = 0;
        if self.sum {
            ms |= mstatus::SUM;
        }
        if self.mxr {
            ms |= mstatus::MXR;
        }
        if let Some(mpp) = self.mprv {
            let bits = match mpp {
                Privilege::User => 0,
                Privilege::Supervisor => 1,
                Privilege::Machine => 3,
            };
            ms |= mstatus::MPRV | bits << mstatus::MPP_SHIFT;
        }
        ms
    }
}

/// One PTE, from a kind and random bits:
/// - kind 0: a pointer to one of the tables (mostly clean; sometimes W, or
///   A, D or U set, which are reserved in a pointer);
/// - kind 1: a pointer out of RAM (below it, just past its end, or 0);
/// - kinds 2-4: a leaf, its PPN aligned to 1 GiB, to 2 MiB, or not at
///   all; half the time with random R/W/X/U/G/A/D, else with R, W, X, A
///   and D and a random U and G.
///
/// Any kind: V clear one time in sixteen, random RSW bits, and one time in
/// sixteen one of the reserved bits 63:54 set.
fn make_pte(kind: u8, bits: u64) -> u64 {
    let flag = |shift: u32, one_in: u64| (bits >> shift).is_multiple_of(one_in);
    let ppn = match kind {
        0 => (RAM_BASE >> 12) + (bits >> 40) % TABLES,
        1 => [0x1000_0000 >> 12, WRAM_END >> 12, 0][((bits >> 40) % 3) as usize],
        2 => ((bits >> 40) % 8) << 18,
        3 => ((bits >> 40) % 64) << 9,
        _ => (bits >> 20) & ((1 << 44) - 1),
    };
    let mut f = if kind <= 1 {
        let mut f = 0;
        if flag(8, 16) {
            f |= W;
        }
        for (b, shift) in [(A, 11), (D, 14), (U, 17)] {
            if flag(shift, 24) {
                f |= b;
            }
        }
        f | (bits & G)
    } else if flag(44, 2) {
        bits & (R | W | X | U | G | A | D)
    } else {
        R | W | X | A | D | (bits & (U | G))
    };
    if !flag(22, 16) {
        f |= V;
    }
    let rsw = (bits >> 26) & 3;
    let high = if flag(28, 16) { 1 << (54 + (bits >> 32) % 10) } else { 0 };
    high | ppn << 10 | rsw << 8 | f
}

/// The model: the privileged specification's translation process (12.3.2)
/// for Sv39 (LEVELS = 3, PTESIZE = 8), on a copy of RAM.
struct Model {
    ram: Vec<u64>,
    ad: AdMode,
    /// satp is Sv39 (else Bare) and its root.
    sv39: bool,
    root: u64,
    /// Set when a translation wrote A/D; the level of the last leaf used.
    changed: bool,
    leaf_level: u32,
}

impl Model {
    fn read(&self, pa: u64) -> Option<u64> {
        (RAM_BASE..WRAM_END).contains(&pa).then(|| self.ram[((pa - RAM_BASE) / 8) as usize])
    }

    fn translate(&mut self, va: u64, access: Access, ctx: Ctx) -> Outcome {
        // Fetches at the current privilege, data at MPP under MPRV
        // (3.1.6.3); M-mode and Bare are not translated.
        let prv = match (access, ctx.mprv) {
            (Access::Fetch, _) | (_, None) => ctx.prv,
            (_, Some(mpp)) => mpp,
        };
        if !self.sv39 || prv == Privilege::Machine {
            return Outcome::Pa(va);
        }
        // 12.4: bits 63:39 must equal bit 38.
        let top = va >> 38;
        if top != 0 && top != (1 << 26) - 1 {
            return Outcome::PageFault;
        }
        // Step 1.
        let mut a = self.root;
        for i in (0..3u32).rev() {
            // Step 2: the PTE at a + va.vpn[i] * PTESIZE; an access that
            // fails the PMA check (not RAM) is an access fault.
            let pte_addr = a + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
            let Some(pte) = self.read(pte_addr) else { return Outcome::AccessFault };
            let (v, r, w, x, u) = (pte & V != 0, pte & R != 0, pte & W != 0, pte & X != 0, pte & U != 0);
            // Step 3: invalid, W without R, or reserved bits: 63:54 (N,
            // PBMT and reserved; neither Svnapot nor Svpbmt implemented).
            if !v || (!r && w) || pte >> 54 != 0 {
                return Outcome::PageFault;
            }
            let ppn = (pte >> 10) & ((1 << 44) - 1);
            // Step 4: a pointer; A, D and U are reserved in one.
            if !r && !x {
                if pte & (A | D | U) != 0 || i == 0 {
                    return Outcome::PageFault;
                }
                a = ppn << 12;
                continue;
            }
            // Step 5: the leaf's permissions (and 12.1.1: SUM, MXR).
            let mode_ok = match prv {
                Privilege::User => u,
                Privilege::Supervisor => !u || (ctx.sum && access != Access::Fetch),
                Privilege::Machine => unreachable!(),
            };
            let kind_ok = match access {
                Access::Fetch => x,
                Access::Load => r || (ctx.mxr && x),
                Access::Store => w,
            };
            if !mode_ok || !kind_ok {
                return Outcome::PageFault;
            }
            // Step 6: a misaligned superpage.
            if i > 0 && ppn & ((1 << (9 * i)) - 1) != 0 {
                return Outcome::PageFault;
            }
            // Step 7: A, and D for a store: fault (Svade) or set (Svadu).
            let need = if access == Access::Store { A | D } else { A };
            if pte & need != need {
                if self.ad == AdMode::Trap {
                    return Outcome::PageFault;
                }
                self.ram[((pte_addr - RAM_BASE) / 8) as usize] = pte | need;
                self.changed = true;
            }
            self.leaf_level = i;
            // Step 8: superpages take the low VPNs from the address.
            let offset_bits = 12 + 9 * i;
            return Outcome::Pa((ppn << 12) | (va & ((1 << offset_bits) - 1)));
        }
        unreachable!("a pointer at level 0 returned a page fault")
    }
}

/// One walker case: the PTEs of the tables, satp, A/D mode and a list of
/// accesses, each with its own context.
#[derive(Clone, Debug)]
struct WalkCase {
    /// (kind, bits) for each table and each of `SLOTS`.
    ptes: Vec<(u8, u64)>,
    /// None: Bare. Some(0): root 0 of the tables; 1-3: another table; 4:
    /// out of RAM.
    satp_root: Option<u8>,
    asid: u16,
    ad: AdMode,
    accesses: Vec<WalkAccess>,
}

/// One access: VPN[2..0] as indices into `SLOTS`, the page offset, a bit
/// above 38 to flip (a non-canonical address), the kind and the context.
type WalkAccess = ([usize; 3], u64, Option<u32>, Access, Ctx);

fn ctx_strategy() -> impl Strategy<Value = Ctx> {
    let prv = prop_oneof![
        3 => Just(Privilege::Supervisor),
        3 => Just(Privilege::User),
        1 => Just(Privilege::Machine),
    ];
    let mpp = prop_oneof![Just(Privilege::User), Just(Privilege::Supervisor), Just(Privilege::Machine)];
    (prv, any::<bool>(), any::<bool>(), prop::option::weighted(0.7, mpp)).prop_map(|(prv, sum, mxr, mprv)| Ctx {
        prv,
        sum,
        mxr,
        // MPRV only has an effect in M-mode (it is cleared on the way out).
        mprv: if prv == Privilege::Machine { mprv } else { None },
    })
}

fn access_strategy() -> impl Strategy<Value = Access> {
    prop_oneof![Just(Access::Fetch), Just(Access::Load), Just(Access::Store)]
}

fn walk_case_strategy() -> impl Strategy<Value = WalkCase> {
    let pte =
        (prop_oneof![4 => Just(0u8), 1 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8), 4 => Just(4u8)], any::<u64>());
    let satp_root = prop_oneof![1 => Just(None), 12 => Just(Some(0u8)), 2 => (1..5u8).prop_map(Some)];
    let ad = prop_oneof![Just(AdMode::Hardware), Just(AdMode::Trap)];
    let one = (
        prop::array::uniform3(0..SLOTS.len()),
        0..(1u64 << 12),
        prop::option::weighted(0.05, 39..64u32),
        access_strategy(),
        ctx_strategy(),
    );
    (
        prop::collection::vec(pte, (TABLES as usize) * SLOTS.len()),
        satp_root,
        any::<u16>(),
        ad,
        prop::collection::vec(one, 1..40),
    )
        .prop_map(|(ptes, satp_root, asid, ad, accesses)| WalkCase { ptes, satp_root, asid, ad, accesses })
}

fn expected(access: Access, va: u64, o: Outcome) -> Result<u64, Exception> {
    use Cause::*;
    let (page, fault) = match access {
        Access::Fetch => (InstructionPageFault, InstructionAccessFault),
        Access::Load => (LoadPageFault, LoadAccessFault),
        Access::Store => (StorePageFault, StoreAccessFault),
    };
    match o {
        Outcome::Pa(pa) => Ok(pa),
        Outcome::PageFault => Err(Exception::new(page, va)),
        Outcome::AccessFault => Err(Exception::new(fault, va)),
    }
}

/// How often each outcome was seen (to check the cases reach them all).
#[derive(Default)]
struct WalkCoverage {
    translated: u64,
    superpages: u64,
    page_faults: u64,
    access_faults: u64,
}

/// Whether `access` in `ctx` is translated when satp is Sv39.
fn access_translated(access: Access, ctx: Ctx) -> bool {
    let prv = if access == Access::Fetch { ctx.prv } else { ctx.mprv.unwrap_or(ctx.prv) };
    prv != Privilege::Machine
}

fn run_walk_case(case: &WalkCase, cov: &mut WalkCoverage) -> Result<(), TestCaseError> {
    let mut mmu =
        Mmu::new(Bus::new(Ram::new(RAM_BASE, WRAM as usize)), MmuConfig { ad: case.ad, ..MmuConfig::default() });
    let mut model = Model {
        ram: vec![0; (WRAM / 8) as usize],
        ad: case.ad,
        sv39: case.satp_root.is_some(),
        root: 0,
        changed: false,
        leaf_level: 0,
    };
    let mut pte_addrs = Vec::new();
    for (i, &(kind, bits)) in case.ptes.iter().enumerate() {
        let (table, slot) = (i as u64 / SLOTS.len() as u64, SLOTS[i % SLOTS.len()]);
        let addr = RAM_BASE + table * PAGE + slot * 8;
        let pte = make_pte(kind, bits);
        let off = mmu.bus.ram.offset_of(addr, 8).expect("in RAM");
        mmu.bus.ram.write(off, 8, pte);
        model.ram[((addr - RAM_BASE) / 8) as usize] = pte;
        pte_addrs.push(addr);
    }
    model.root = match case.satp_root {
        Some(t @ 0..=3) => RAM_BASE + t as u64 * PAGE,
        _ => WRAM_END,
    };
    let satp_value = if model.sv39 { SATP_SV39 | (case.asid as u64) << 44 | model.root >> 12 } else { 0 };
    for (n, &(vpns, off, flip, access, ctx)) in case.accesses.iter().enumerate() {
        let [v2, v1, v0] = vpns.map(|k| SLOTS[k]);
        let mut va = canon(v2 << 30 | v1 << 21 | v0 << 12 | off);
        if let Some(bit) = flip {
            va ^= 1 << bit;
        }
        mmu.set_context(ctx.prv, ctx.mstatus(), satp_value);
        model.changed = false;
        let want = model.translate(va, access, ctx);
        let got = mmu.translate(VirtAddr(va), access).map(|pa| pa.0);
        prop_assert_eq!(got, expected(access, va, want), "access {}: {:?} of {:#x} in {:?}", n, access, va, ctx);
        match want {
            Outcome::Pa(_) if model.sv39 && access_translated(access, ctx) => {
                cov.translated += 1;
                cov.superpages += (model.leaf_level > 0) as u64;
            }
            Outcome::Pa(_) => {}
            Outcome::PageFault => cov.page_faults += 1,
            Outcome::AccessFault => cov.access_faults += 1,
        }
        // The PTEs in RAM: A/D set exactly where the model set them.
        for &a in &pte_addrs {
            let got = mmu.bus.ram.read((a - RAM_BASE) as usize, 8);
            prop_assert_eq!(got, model.read(a).unwrap_or(0), "access {}: the PTE at {:#x}", n, a);
        }
        // A PTE changed (A/D): what the TLB holds may be stale by design
        // (the spec lets it be until sfence.vma), so fence as a guest would.
        if model.changed {
            mmu.fence(Fence::All);
        }
    }
    Ok(())
}

#[test]
fn walker_agrees_with_spec_model() {
    let mut runner = TestRunner::new(Config { cases: 10000, source_file: Some(file!()), ..Config::default() });
    let cov = RefCell::new(WalkCoverage::default());
    let result = runner.run(&walk_case_strategy(), |case| run_walk_case(&case, &mut cov.borrow_mut()));
    if let Err(e) = result {
        panic!("{e}");
    }
    // The random tables reached every outcome.
    let c = cov.into_inner();
    let seen = [c.translated, c.superpages, c.page_faults, c.access_faults];
    eprintln!("walker: [translated, by a superpage, page faults, access faults] = {seen:?}");
    assert!(seen.iter().all(|&n| n > 0), "[translated, superpages, page faults, access faults] = {seen:?}");
}
