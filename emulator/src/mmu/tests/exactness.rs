//! Exactness: the MMU's TLB counters against an independent reference
//! model over random traces (see the parent module's documentation).

use super::*;

// ---------------------------------------------------------------------------
// 4. Exactness against a reference model.
//
// The reference follows tlb.rs's documented design: an entry sits in the set
// named by its own page number, a lookup probes the sets of all three page
// sizes, a fill takes the first invalid way or else the policy's victim (LRU,
// FIFO, xorshift64* random, tree-PLRU), and a store that hits a clean entry
// counts as a hit, walks again and refreshes *that* entry in place (a
// refresh is not a fill). Random traces (fetches, loads, stores over a few
// hundred pages and superpages in two address spaces sharing global pages;
// context switches; sfence.vma of every kind; PTE rewrites with and without
// fences; Svade handlers that set A/D and retry) run through both; every
// counter, the occupancy, the walk counters and each translation must agree
// after every operation. Each trace also runs with its loads and stores
// taken the way compiled code takes them (a remembered entry serving
// compiled code hits without a lookup; see `TlbUnit::compiled`). On a
// disagreement the trace is shrunk and printed step by step.
// ---------------------------------------------------------------------------

/// xorshift64*, seeded as the TLB seeds its random policy.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// The virtual page number of `va` for a page of `level`, as the TLB keeps
/// it (27 bits: the sign-extension above bit 38 is dropped).
fn vpn_of(va: u64, level: u8) -> u64 {
    (va >> (12 + 9 * level as u32)) & ((1 << 27) - 1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RefEntry {
    pub(super) vpn: u64,
    pub(super) level: u8,
    pub(super) asid: u16,
    pub(super) global: bool,
    pub(super) pa_base: u64,
    /// The leaf PTE as the walk left it (A/D included).
    pub(super) pte: u64,
}

/// One set: its ways, plus the policy's state kept explicitly.
pub(super) struct RefSet {
    pub(super) ways: Vec<Option<RefEntry>>,
    /// LRU: valid ways, least recently used first. FIFO: valid ways, oldest
    /// fill first.
    order: Vec<usize>,
    /// Tree-PLRU: `ways - 1` nodes, node n's children at 2n+1 and 2n+2;
    /// true means the next victim is in the right (upper) half.
    tree: Vec<bool>,
}

/// A straightforward model of the documented TLB.
pub(super) struct RefTlb {
    policy: Policy,
    ways: usize,
    pub(super) sets: Vec<RefSet>,
    rng: Rng,
    lookups: u64,
    hits: u64,
    evictions: u64,
}

impl RefTlb {
    pub(super) fn new(c: TlbConfig) -> RefTlb {
        let set = || RefSet { ways: vec![None; c.ways], order: Vec::new(), tree: vec![false; c.ways - 1] };
        RefTlb {
            policy: c.policy,
            ways: c.ways,
            sets: (0..c.sets).map(|_| set()).collect(),
            rng: Rng::new(c.seed),
            lookups: 0,
            hits: 0,
            evictions: 0,
        }
    }

    /// An entry lives in the set named by the low bits of its own VPN.
    fn set_of(&self, vpn: u64) -> usize {
        (vpn % self.sets.len() as u64) as usize
    }

    /// One lookup: probe the set where a 4 KiB, a 2 MiB and a 1 GiB entry
    /// for `va` would be.
    pub(super) fn lookup(&mut self, va: u64, asid: u16) -> Option<(usize, usize)> {
        self.lookups += 1;
        for level in 0..3u8 {
            let vpn = vpn_of(va, level);
            let s = self.set_of(vpn);
            let found = self.sets[s]
                .ways
                .iter()
                .position(|e| e.is_some_and(|e| e.level == level && e.vpn == vpn && (e.global || e.asid == asid)));
            if let Some(w) = found {
                self.hits += 1;
                self.used(s, w);
                return Some((s, w));
            }
        }
        None
    }

    pub(super) fn entry(&self, (s, w): (usize, usize)) -> RefEntry {
        self.sets[s].ways[w].expect("valid")
    }

    /// A hit: LRU makes the way most recent, PLRU points away from it.
    fn used(&mut self, s: usize, w: usize) {
        match self.policy {
            Policy::Lru => {
                let order = &mut self.sets[s].order;
                order.retain(|&x| x != w);
                order.push(w);
            }
            Policy::Plru => self.point_away(s, w),
            Policy::Fifo | Policy::Random => {}
        }
    }

    fn point_away(&mut self, s: usize, w: usize) {
        let tree = &mut self.sets[s].tree;
        let (mut lo, mut hi, mut node) = (0, self.ways, 0);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            let upper = w >= mid;
            tree[node] = !upper;
            if upper {
                lo = mid;
                node = 2 * node + 2;
            } else {
                hi = mid;
                node = 2 * node + 1;
            }
        }
    }

    fn plru_victim(&self, s: usize) -> usize {
        let tree = &self.sets[s].tree;
        let (mut lo, mut hi, mut node) = (0, self.ways, 0);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if tree[node] {
                lo = mid;
                node = 2 * node + 2;
            } else {
                hi = mid;
                node = 2 * node + 1;
            }
        }
        lo
    }

    /// A fill after a miss: the first invalid way, else the policy's victim.
    pub(super) fn fill(&mut self, e: RefEntry) {
        let s = self.set_of(e.vpn);
        let w = match self.sets[s].ways.iter().position(Option::is_none) {
            Some(w) => w,
            None => {
                self.evictions += 1;
                let w = match self.policy {
                    Policy::Lru | Policy::Fifo => self.sets[s].order[0],
                    Policy::Random => (self.rng.next() % self.ways as u64) as usize,
                    Policy::Plru => self.plru_victim(s),
                };
                self.sets[s].order.retain(|&x| x != w);
                w
            }
        };
        self.sets[s].ways[w] = Some(e);
        match self.policy {
            Policy::Lru | Policy::Fifo => self.sets[s].order.push(w),
            Policy::Plru => self.point_away(s, w),
            Policy::Random => {}
        }
    }

    /// A store hit a clean entry and walked again: the entry is refreshed
    /// in place. The lookup already counted as the use of the way (LRU,
    /// PLRU); for FIFO this is not a new fill, so the fill order is kept.
    pub(super) fn refresh(&mut self, (s, w): (usize, usize), e: RefEntry) {
        let old = self.sets[s].ways[w].expect("valid");
        assert_eq!((old.vpn, old.level), (e.vpn, e.level), "test bug: the page table changed shape");
        self.sets[s].ways[w] = Some(e);
    }

    pub(super) fn fence(&mut self, f: Fence) {
        for set in &mut self.sets {
            for w in 0..set.ways.len() {
                let Some(e) = set.ways[w] else { continue };
                let covers = |va: u64| vpn_of(va, e.level) == e.vpn;
                let gone = match f {
                    Fence::All => true,
                    Fence::Asid(a) => !e.global && e.asid == a,
                    Fence::Addr(va) => covers(va),
                    Fence::AddrAsid(va, a) => !e.global && e.asid == a && covers(va),
                };
                if gone {
                    set.ways[w] = None;
                    set.order.retain(|&x| x != w);
                }
            }
        }
    }

    pub(super) fn occupancy(&self) -> usize {
        self.sets.iter().map(|s| s.ways.iter().flatten().count()).sum()
    }

    pub(super) fn counts(&self) -> [u64; 4] {
        [self.lookups, self.hits, self.lookups - self.hits, self.evictions]
    }
}

fn counts(st: &TlbStats) -> [u64; 4] {
    [st.lookups, st.hits, st.misses(), st.evictions]
}

/// The translation context, derived independently of the MMU's.
#[derive(Clone, Copy, Debug)]
struct RefCtx {
    fetch_on: bool,
    data_on: bool,
    fetch_prv: Privilege,
    data_prv: Privilege,
    sum: bool,
    mxr: bool,
    asid: u16,
    root: u64,
}

impl RefCtx {
    fn new(prv: Privilege, ms: u64, satp_value: u64) -> RefCtx {
        let sv39 = satp_value >> 60 == 8;
        let data_prv = if ms & mstatus::MPRV != 0 {
            match (ms >> mstatus::MPP_SHIFT) & 3 {
                0 => USER,
                1 => SUPERVISOR,
                _ => MACHINE,
            }
        } else {
            prv
        };
        RefCtx {
            fetch_on: sv39 && prv != MACHINE,
            data_on: sv39 && data_prv != MACHINE,
            fetch_prv: prv,
            data_prv,
            sum: ms & mstatus::SUM != 0,
            mxr: ms & mstatus::MXR != 0,
            asid: ((satp_value >> 44) & 0xffff) as u16,
            root: (satp_value & ((1 << 44) - 1)) << 12,
        }
    }
}

/// Whether a leaf PTE allows `access` at `prv`.
fn ref_allows(pte: u64, access: Access, prv: Privilege, sum: bool, mxr: bool) -> bool {
    let (r, w, x, u) = (pte & R != 0, pte & W != 0, pte & X != 0, pte & U != 0);
    let mode_ok = match prv {
        Privilege::User => u,
        Privilege::Supervisor => !u || (sum && access != Access::Fetch),
        Privilege::Machine => true,
    };
    let kind_ok = match access {
        Access::Fetch => x,
        Access::Load => r || (mxr && x),
        Access::Store => w,
    };
    mode_ok && kind_ok
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefFault {
    /// A page fault the handler can do nothing about.
    Page,
    /// A page fault for a clear A, or D on a store (Svade), at this PTE.
    Ad(u64),
}

/// The reference: page-table contents as a map, the TLBs as `RefTlb`s.
struct Reference {
    tlbs: Vec<RefTlb>,
    fetch_tlb: usize,
    data_tlb: usize,
    ad: AdMode,
    ctx: RefCtx,
    /// (root, level, vpn) -> (address of the leaf PTE, global).
    leaves: HashMap<(u64, u8, u64), (u64, bool)>,
    /// Leaf PTE contents by address.
    ptes: HashMap<u64, u64>,
    walks: u64,
    walk_faults: u64,
    ad_updates: u64,
    walks_by_level: [u64; 3],
    /// Stores that refreshed a clean entry, and how many of those entries
    /// were global ones filled under another ASID (to check that the
    /// traces reach these paths).
    refreshes: u64,
    foreign_refreshes: u64,
}

impl Reference {
    fn walk(&mut self, va: u64, access: Access) -> Result<RefEntry, RefFault> {
        self.walks += 1;
        let r = self.walk_inner(va, access);
        match r {
            Ok(e) => self.walks_by_level[e.level as usize] += 1,
            Err(_) => self.walk_faults += 1,
        }
        r
    }

    fn walk_inner(&mut self, va: u64, access: Access) -> Result<RefEntry, RefFault> {
        let ctx = self.ctx;
        let (level, addr, global) = (0..3u8)
            .rev()
            .find_map(|l| self.leaves.get(&(ctx.root, l, vpn_of(va, l))).map(|&(a, g)| (l, a, g)))
            .ok_or(RefFault::Page)?;
        let mut pte = self.ptes[&addr];
        let prv = if access == Access::Fetch { ctx.fetch_prv } else { ctx.data_prv };
        if pte & V == 0 || !ref_allows(pte, access, prv, ctx.sum, ctx.mxr) {
            return Err(RefFault::Page);
        }
        let need = A | if access == Access::Store { D } else { 0 };
        if pte & need != need {
            if self.ad == AdMode::Trap {
                return Err(RefFault::Ad(addr));
            }
            pte |= need;
            self.ptes.insert(addr, pte);
            self.ad_updates += 1;
        }
        Ok(RefEntry { vpn: vpn_of(va, level), level, asid: ctx.asid, global, pa_base: pte_pa(pte), pte })
    }

    /// Translate as documented: a lookup on every translated access, in
    /// program order.
    fn translate(&mut self, va: u64, access: Access) -> Result<u64, RefFault> {
        let ctx = self.ctx;
        let (on, t, prv) = match access {
            Access::Fetch => (ctx.fetch_on, self.fetch_tlb, ctx.fetch_prv),
            _ => (ctx.data_on, self.data_tlb, ctx.data_prv),
        };
        if !on {
            return Ok(va);
        }
        if canon(va) != va {
            return Err(RefFault::Page);
        }
        let e = match self.tlbs[t].lookup(va, ctx.asid) {
            Some(slot) => {
                let e = self.tlbs[t].entry(slot);
                if !ref_allows(e.pte, access, prv, ctx.sum, ctx.mxr) {
                    return Err(RefFault::Page);
                }
                if access == Access::Store && e.pte & D == 0 {
                    let fresh = self.walk(va, access)?;
                    self.refreshes += 1;
                    self.foreign_refreshes += (e.asid != ctx.asid) as u64;
                    self.tlbs[t].refresh(slot, fresh);
                    fresh
                } else {
                    e
                }
            }
            None => {
                let fresh = self.walk(va, access)?;
                self.tlbs[t].fill(fresh);
                fresh
            }
        };
        let mask = (1u64 << (12 + 9 * e.level as u32)) - 1;
        Ok(e.pa_base | (va & mask))
    }

    fn fence(&mut self, f: Fence) {
        for t in &mut self.tlbs {
            t.fence(f);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Access(u64, Access),
    Fence(Fence),
    Context(Privilege, u64, u64),
    SetPte(u64, u64),
}

/// A page (or superpage, or hole) the trace may touch.
#[derive(Clone, Copy, Debug)]
struct Region {
    va: u64,
    size: u64,
    /// Index in `Pair::leaves` of the leaf mapping it, if any.
    leaf: Option<usize>,
}

/// A leaf the trace may rewrite.
#[derive(Clone, Copy, Debug)]
struct LeafInfo {
    addr: u64,
    va: u64,
}

/// The MMU under test and the reference side by side.
struct Pair {
    sys: Sys,
    reference: Reference,
    roots: [u64; 2],
    regions: Vec<Region>,
    leaves: Vec<LeafInfo>,
    label: String,
    history: Vec<Op>,
    /// The last context set: privilege, mstatus, satp.
    context: (Privilege, u64, u64),
    /// RAM as compiled code sees it, when loads and stores go its way,
    /// and how many of them took its fast path.
    compiled: Option<RamWindow>,
    compiled_hits: u64,
}

fn random_flags(rng: &mut Rng) -> u64 {
    if rng.chance(1, 20) {
        return 0; // invalid
    }
    let kinds = [R, R | W, X, R | X, R | W | X];
    let mut f = V | kinds[rng.below(5) as usize];
    if rng.chance(1, 2) {
        f |= U;
    }
    if rng.chance(3, 4) {
        f |= A;
    }
    if rng.chance(1, 2) {
        f |= D;
    }
    f
}

/// Shared global pages are writable and clean more often, so that stores
/// find clean global entries filled under the other ASID.
fn global_flags(rng: &mut Rng) -> u64 {
    let f = random_flags(rng);
    if f != 0 && rng.chance(1, 2) {
        (f | R | W | A) & !D
    } else {
        f
    }
}

impl Pair {
    /// `compiled`: loads and stores go the way compiled code takes them
    /// (see `Pair::compiled_access`).
    fn new(config: MmuConfig, seed: u64, label: String, compiled: bool) -> Pair {
        let mut sys = Sys::with(config);
        // Every physical address counts as RAM for compiled code (the
        // traces' pages lie anywhere; nothing is read through them).
        let compiled = compiled.then_some(RamWindow { base: 0, len: 1 << 56, host: 1 << 60 });
        if let Some(ram) = compiled {
            sys.mmu.tr.set_ram_for_compiled_code(ram);
        }
        let (tlbs, fetch_tlb) = if config.unified {
            (vec![RefTlb::new(config.dtlb)], 0)
        } else {
            (vec![RefTlb::new(config.dtlb), RefTlb::new(config.itlb)], 1)
        };
        let reference = Reference {
            tlbs,
            fetch_tlb,
            data_tlb: 0,
            ad: config.ad,
            ctx: RefCtx::new(MACHINE, 0, 0),
            leaves: HashMap::new(),
            ptes: HashMap::new(),
            walks: 0,
            walk_faults: 0,
            ad_updates: 0,
            walks_by_level: [0; 3],
            refreshes: 0,
            foreign_refreshes: 0,
        };
        let mut p = Pair {
            sys,
            reference,
            roots: [0; 2],
            regions: Vec::new(),
            leaves: Vec::new(),
            label,
            history: Vec::new(),
            context: (MACHINE, 0, 0),
            compiled,
            compiled_hits: 0,
        };
        p.build(&mut Rng::new(seed ^ 0x5eed));
        p
    }

    /// A load or store at `va` as compiled code makes it: its fast path
    /// (`Translator::compiled_data_hit`; the physical address is the host
    /// address less `ram.host`, plus `ram.base`), else the load or store
    /// helper's way (`cpu/jit.rs`).
    fn compiled_access(&mut self, va: u64, access: Access, ram: RamWindow) -> Result<u64, Exception> {
        let mmu = &mut self.sys.mmu;
        if let Some(host) = mmu.ctx.data_on.then(|| mmu.tr.compiled_data_hit(va, 8, access)).flatten() {
            self.compiled_hits += 1;
            return Ok(host.wrapping_sub(ram.host).wrapping_add(ram.base));
        }
        let pa = self.sys.tr(va, access)?;
        self.sys.mmu.remember_for_compiled_code(va);
        Ok(pa)
    }

    /// Record a leaf in both the RAM page table and the reference.
    fn add_leaf(&mut self, roots: &[u64], va: u64, level: u8, pte: u64, global: bool) {
        let addr = self.sys.map_in(roots[0], va, level as u32, pte);
        for &r in roots {
            self.reference.leaves.insert((r, level, vpn_of(va, level)), (addr, global));
        }
        self.reference.ptes.insert(addr, pte);
        self.regions.push(Region { va, size: 1 << (12 + 9 * level as u32), leaf: Some(self.leaves.len()) });
        self.leaves.push(LeafInfo { addr, va });
    }

    /// Random physical page aligned for `level`.
    fn random_pa(rng: &mut Rng, level: u8) -> u64 {
        let ppn = rng.below(1 << 26) & !((1 << (9 * level as u32)) - 1);
        ppn << 12
    }

    /// Two address spaces (roots for ASIDs 1 and 2) of a few hundred pages:
    /// - gigabyte 0: 2 MiB slots 0..12, each either a table of 4 KiB pages
    ///   (some missing) or a 2 MiB page, chosen per address space;
    /// - gigabytes 1 and 2: 1 GiB pages (not global);
    /// - gigabyte 3: a global 1 GiB page, one PTE per address space;
    /// - gigabyte 4: unmapped;
    /// - gigabyte 511 (the top of the address space): a level-1 table shared
    ///   by both spaces through pointers with G set, holding two tables of
    ///   4 KiB pages and four 2 MiB pages: all global.
    fn build(&mut self, rng: &mut Rng) {
        let r1 = self.sys.root;
        let r2 = self.sys.alloc_table();
        self.roots = [r1, r2];
        for root in [r1, r2] {
            for slot in 0..12u64 {
                let base = slot * MEGA;
                if rng.chance(1, 2) {
                    let mut vpns: Vec<u64> = Vec::new();
                    while vpns.len() < 24 {
                        let v = rng.below(64);
                        if !vpns.contains(&v) {
                            vpns.push(v);
                        }
                    }
                    for v in vpns {
                        let pa = Pair::random_pa(rng, 0);
                        self.add_leaf(&[root], base + v * PAGE, 0, leaf(pa, random_flags(rng)), false);
                    }
                    // Holes in the table.
                    self.regions.push(Region { va: base + 64 * PAGE + rng.below(400) * PAGE, size: PAGE, leaf: None });
                } else {
                    let pa = Pair::random_pa(rng, 1);
                    self.add_leaf(&[root], base, 1, leaf(pa, random_flags(rng)), false);
                }
            }
            for g in [1, 2] {
                let pa = Pair::random_pa(rng, 2);
                self.add_leaf(&[root], g * GIGA, 2, leaf(pa, random_flags(rng)), false);
            }
        }
        // The global gigapage, one PTE in each root.
        let pa = Pair::random_pa(rng, 2);
        let flags = V | R | W | X | G | A;
        self.add_leaf(&[r1], 3 * GIGA, 2, leaf(pa, flags), true);
        self.add_leaf(&[r2], 3 * GIGA, 2, leaf(pa, flags), true);
        self.regions.push(Region { va: 4 * GIGA, size: GIGA, leaf: None });
        // The shared global subtree.
        let top = canon(511 * GIGA);
        let shared = self.sys.alloc_table();
        for root in [r1, r2] {
            self.sys.write(Sys::slot(root, top, 2), pointer(shared) | G);
        }
        for slot in 0..6u64 {
            let base = top + slot * MEGA;
            if slot < 2 {
                for v in 0..16 {
                    let pa = Pair::random_pa(rng, 0);
                    self.add_leaf(&[r1, r2], base + v * PAGE, 0, leaf(pa, global_flags(rng)), true);
                }
            } else {
                let pa = Pair::random_pa(rng, 1);
                self.add_leaf(&[r1, r2], base, 1, leaf(pa, global_flags(rng)), true);
            }
        }
    }

    /// Apply one operation to both sides and compare them; an error says
    /// where they disagree.
    fn apply(&mut self, op: Op) -> Result<Option<RefFault>, String> {
        self.history.push(op);
        let mut fault = None;
        match op {
            Op::Access(va, access) => {
                let got = match self.compiled {
                    Some(ram) if access != Access::Fetch => self.compiled_access(va, access, ram),
                    _ => self.sys.tr(va, access),
                };
                let want = match self.reference.translate(va, access) {
                    Ok(pa) => Ok(pa),
                    Err(f) => {
                        fault = Some(f);
                        page_fault(access, va)
                    }
                };
                if got != want {
                    return Err(format!("translate: mmu {got:x?}, reference {want:x?}"));
                }
            }
            Op::Fence(f) => {
                self.sys.mmu.fence(f);
                self.reference.fence(f);
            }
            Op::Context(prv, ms, sp) => {
                self.context = (prv, ms, sp);
                self.sys.mmu.set_context(prv, ms, sp);
                self.reference.ctx = RefCtx::new(prv, ms, sp);
            }
            Op::SetPte(addr, value) => {
                self.sys.write(addr, value);
                self.reference.ptes.insert(addr, value);
            }
        }
        self.compare()?;
        Ok(fault)
    }

    fn compare(&self) -> Result<(), String> {
        let m = &self.sys.mmu;
        let r = &self.reference;
        let pairs = [("itlb", m.itlb(), &r.tlbs[r.fetch_tlb]), ("dtlb", m.dtlb(), &r.tlbs[r.data_tlb])];
        for (name, tlb, rt) in pairs {
            if counts(&tlb.stats) != rt.counts() {
                return Err(format!(
                    "{name} [lookups, hits, misses, evictions]: mmu {:?}, reference {:?}",
                    counts(&tlb.stats),
                    rt.counts()
                ));
            }
            if tlb.occupancy() != rt.occupancy() {
                return Err(format!("{name} occupancy: mmu {}, reference {}", tlb.occupancy(), rt.occupancy()));
            }
        }
        let w = m.walk_stats();
        let got = (w.walks, w.walk_faults, w.ad_updates, w.walks_by_level);
        let want = (r.walks, r.walk_faults, r.ad_updates, r.walks_by_level);
        if got != want {
            return Err(format!("walks (walks, faults, A/D updates, by level): mmu {got:?}, reference {want:?}"));
        }
        Ok(())
    }

    fn random_context(&self, rng: &mut Rng) -> Op {
        let (old_prv, old_ms, old_satp) = self.context;
        if old_satp != 0 && rng.chance(1, 2) {
            // Switch address space only (as a context switch between two
            // processes would).
            let i = if old_satp == satp(1, self.roots[0]) { 1 } else { 0 };
            return Op::Context(old_prv, old_ms, satp(i as u16 + 1, self.roots[i]));
        }
        let prv = match rng.below(20) {
            0..=9 => SUPERVISOR,
            10..=16 => USER,
            _ => MACHINE,
        };
        let mut ms = 0;
        if rng.chance(1, 2) {
            ms |= mstatus::SUM;
        }
        if rng.chance(1, 4) {
            ms |= mstatus::MXR;
        }
        if prv == MACHINE && rng.chance(2, 3) {
            ms |= mstatus::MPRV | [0, 1, 3][rng.below(3) as usize] << mstatus::MPP_SHIFT;
        }
        let sp = match rng.below(25) {
            0 => 0, // Bare
            n => {
                let i = (n % 2) as usize;
                satp(i as u16 + 1, self.roots[i])
            }
        };
        Op::Context(prv, ms, sp)
    }

    fn random_va(&self, rng: &mut Rng, hot: &mut Vec<usize>) -> u64 {
        let i = if !hot.is_empty() && rng.chance(3, 4) {
            hot[rng.below(hot.len() as u64) as usize]
        } else {
            let i = rng.below(self.regions.len() as u64) as usize;
            if hot.len() == 12 {
                hot.remove(0);
            }
            hot.push(i);
            i
        };
        let r = self.regions[i];
        let off = if r.size > PAGE && rng.chance(1, 2) { rng.below(4) * PAGE } else { rng.below(r.size) };
        r.va + (off & !7)
    }

    /// Run `steps` random operations, comparing after each. Returns the
    /// operations and the first disagreement, if any.
    fn run(&mut self, steps: usize, seed: u64) -> Result<(), String> {
        let mut rng = Rng::new(seed);
        let mut hot = Vec::new();
        let first = self.random_context(&mut rng);
        self.apply(first)?;
        for _ in 1..steps {
            let op = match rng.below(1000) {
                0..=24 => self.random_context(&mut rng),
                25..=34 => {
                    let va = self.random_va(&mut rng, &mut hot);
                    let asid = 1 + rng.below(3) as u16;
                    Op::Fence(match rng.below(4) {
                        0 => Fence::All,
                        1 => Fence::Asid(asid),
                        2 => Fence::Addr(va),
                        _ => Fence::AddrAsid(va, asid),
                    })
                }
                35..=54 => {
                    // Rewrite a leaf (one of the recently used ones half
                    // the time): clear A and D (page aging), or new
                    // permissions; the fence that should follow comes only
                    // half the time.
                    let hot_leaf =
                        hot.get(rng.below(hot.len().max(1) as u64) as usize).and_then(|&i| self.regions[i].leaf);
                    let i = match hot_leaf {
                        Some(i) if rng.chance(1, 2) => i,
                        _ => rng.below(self.leaves.len() as u64) as usize,
                    };
                    let l = self.leaves[i];
                    let old = self.reference.ptes[&l.addr];
                    let new = match rng.below(3) {
                        0 => old & !(A | D),
                        1 => old & !D,
                        _ => (old & !0xdf) | random_flags(&mut rng),
                    };
                    self.apply(Op::SetPte(l.addr, new))?;
                    if rng.chance(1, 2) {
                        Op::Fence(Fence::Addr(l.va))
                    } else {
                        continue;
                    }
                }
                _ => {
                    let mut va = self.random_va(&mut rng, &mut hot);
                    if rng.chance(1, 100) {
                        va ^= 1 << (39 + rng.below(25)); // non-canonical
                    }
                    let access = match rng.below(20) {
                        0..=6 => Access::Fetch,
                        7..=14 => Access::Load,
                        _ => Access::Store,
                    };
                    Op::Access(va, access)
                }
            };
            if let (Some(RefFault::Ad(addr)), Op::Access(_, access)) = (self.apply(op)?, op) {
                // Svade: the handler sets A (and D for a store) half the
                // time, and the access is retried.
                if rng.chance(1, 2) {
                    let pte = self.reference.ptes[&addr] | A | if access == Access::Store { D } else { 0 };
                    self.apply(Op::SetPte(addr, pte))?;
                    self.apply(op)?;
                }
            }
        }
        // The page tables in RAM hold what the reference says (A/D updates).
        for l in &self.leaves {
            let (got, want) = (self.sys.read(l.addr), self.reference.ptes[&l.addr]);
            if got != want {
                return Err(format!("PTE at {:#x}: mmu {got:#x}, reference {want:#x}", l.addr));
            }
        }
        Ok(())
    }
}

/// Replay `ops` on a fresh pair; the first disagreement, if any.
fn replay(config: MmuConfig, build_seed: u64, compiled: bool, ops: &[Op]) -> Result<(), String> {
    let mut p = Pair::new(config, build_seed, String::new(), compiled);
    ops.iter().try_for_each(|&op| p.apply(op).map(|_| ()))
}

/// Shrink a failing trace: drop chunks of operations (halving the chunk
/// size down to single operations) as long as some disagreement remains.
fn shrink(config: MmuConfig, build_seed: u64, compiled: bool, mut ops: Vec<Op>) -> Vec<Op> {
    let mut chunk = ops.len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        let mut removed = false;
        while i < ops.len() {
            let end = (i + chunk).min(ops.len());
            let candidate: Vec<Op> = ops[..i].iter().chain(&ops[end..]).copied().collect();
            if replay(config, build_seed, compiled, &candidate).is_err() {
                ops = candidate;
                removed = true;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 && !removed {
            return ops;
        }
        chunk = (chunk / 2).max(1);
    }
}

/// Describe a trace step by step: each operation, the MMU's answer and
/// the data-TLB counters after it.
fn describe(config: MmuConfig, build_seed: u64, compiled: bool, ops: &[Op]) -> String {
    let mut p = Pair::new(config, build_seed, String::new(), compiled);
    let mut out = String::new();
    for (i, &op) in ops.iter().enumerate() {
        let leaf_of = |p: &Pair, va: u64| {
            let root = p.reference.ctx.root;
            (0..3u8).rev().find_map(|l| {
                p.reference.leaves.get(&(root, l, vpn_of(va, l))).map(|&(a, g)| (l, a, g, p.reference.ptes[&a]))
            })
        };
        let before = if let Op::Access(va, _) = op { leaf_of(&p, va) } else { None };
        let result = p.apply(op);
        let _ = write!(out, "  {i}: {op:x?}");
        if let Some((l, a, g, pte)) = before {
            let _ = write!(out, " [leaf level {l} PTE@{a:#x}={pte:#x} global {g}]");
        }
        let d = &p.sys.mmu;
        let _ = writeln!(
            out,
            " -> itlb {:?} occ {} / dtlb {:?} occ {}, walks {}{}",
            counts(&d.itlb().stats),
            d.itlb().occupancy(),
            counts(&d.dtlb().stats),
            d.dtlb().occupancy(),
            d.walk_stats().walks,
            match result {
                Err(e) => format!("  <-- {e}"),
                Ok(_) => String::new(),
            }
        );
    }
    out
}

const GEOMETRIES: [(usize, usize); 6] = [(1, 1), (1, 4), (4, 1), (4, 2), (8, 4), (2, 8)];
const STEPS: usize = 8000;

fn exactness_config(policy: Policy, g: usize, unified: bool, ad: AdMode) -> MmuConfig {
    let (is, iw) = GEOMETRIES[g];
    let (ds, dw) = if unified { GEOMETRIES[g] } else { GEOMETRIES[(g + 3) % GEOMETRIES.len()] };
    MmuConfig {
        itlb: TlbConfig { sets: is, ways: iw, policy, seed: 11 + g as u64 },
        dtlb: TlbConfig { sets: ds, ways: dw, policy, seed: 97 + g as u64 },
        unified,
        ad,
        l2: None,
        pwc: None,
    }
}

fn run_exactness(policy: Policy) {
    let mut coverage = [0u64; 4];
    for g in 0..GEOMETRIES.len() {
        for unified in [false, true] {
            for ad in [AdMode::Hardware, AdMode::Trap] {
                for compiled in [false, true] {
                    let config = exactness_config(policy, g, unified, ad);
                    let label = format!(
                        "{policy} itlb {}x{} dtlb {}x{} unified {unified} {ad:?} compiled {compiled}",
                        config.itlb.sets, config.itlb.ways, config.dtlb.sets, config.dtlb.ways
                    );
                    let seed = (g as u64) << 8 | (unified as u64) << 4 | (ad == AdMode::Trap) as u64;
                    let mut p = Pair::new(config, seed, label, compiled);
                    let hits_before = p.sys.mmu.dtlb().stats.hits;
                    if let Err(e) = p.run(STEPS, seed.wrapping_add(policy as u64 * 1_000_003)) {
                        let step = p.history.len();
                        let min = shrink(config, seed, compiled, p.history.clone());
                        panic!(
                            "{}: disagreement at operation {step}: {e}\nshrunk trace:\n{}",
                            p.label,
                            describe(config, seed, compiled, &min)
                        );
                    }
                    let m = &p.sys.mmu;
                    assert!(
                        m.dtlb().stats.hits > hits_before && m.dtlb().stats.misses() > 0,
                        "{}: trace exercised the TLB",
                        p.label
                    );
                    coverage[0] += m.itlb().stats.evictions + m.dtlb().stats.evictions;
                    coverage[1] += p.reference.refreshes;
                    coverage[2] += p.reference.foreign_refreshes;
                    coverage[3] += p.compiled_hits;
                }
            }
        }
    }
    // The traces reached evictions, refreshes of clean entries by stores,
    // refreshes of global entries filled under another ASID, and hits
    // taken the way compiled code takes them.
    assert!(
        coverage.iter().all(|&n| n > 0),
        "{policy}: coverage [evictions, refreshes, foreign, compiled hits] {coverage:?}"
    );
    eprintln!("{policy}: [evictions, refreshes, foreign refreshes, compiled hits] = {coverage:?}");
}

#[test]
fn exactness_lru() {
    run_exactness(Policy::Lru);
}

#[test]
fn exactness_fifo() {
    run_exactness(Policy::Fifo);
}

#[test]
fn exactness_random() {
    run_exactness(Policy::Random);
}

#[test]
fn exactness_plru() {
    run_exactness(Policy::Plru);
}

#[test]
fn reference_model_sanity() {
    // The reference's own policies on one set of four ways, as tlb.rs's unit
    // tests pin them: fills 0..4, some hits, a fifth fill.
    let evicted = |policy, touches: &[u64]| {
        let mut t = RefTlb::new(TlbConfig { sets: 1, ways: 4, policy, seed: 1 });
        let e = |vpn| RefEntry { vpn, level: 0, asid: 0, global: false, pa_base: 0, pte: RWXAD };
        for v in 0..4 {
            t.fill(e(v));
        }
        for &v in touches {
            assert!(t.lookup(v << 12, 0).is_some());
        }
        t.fill(e(100));
        (0..4).find(|&v| t.sets[0].ways.iter().flatten().all(|x| x.vpn != v)).expect("one evicted")
    };
    assert_eq!(evicted(Policy::Lru, &[]), 0);
    assert_eq!(evicted(Policy::Lru, &[0, 1]), 2);
    assert_eq!(evicted(Policy::Lru, &[3, 2, 1, 0]), 3);
    assert_eq!(evicted(Policy::Fifo, &[3, 2, 1, 0]), 0);
    assert_eq!(evicted(Policy::Plru, &[]), 0);
    assert_eq!(evicted(Policy::Plru, &[0]), 2);
    assert_eq!(evicted(Policy::Plru, &[0, 2]), 1);
}
