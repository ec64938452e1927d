//! The page-walk cache: a small cache of non-leaf PTEs, so that a walk
//! can start below the root. Off by default.
//!
//! Two fully associative LRU caches, one per non-leaf level of Sv39:
//! - `ROOT` holds pointers read from the root table (level 2), tagged by
//!   VPN[2]; a hit gives the level-1 table and saves one PTE read;
//! - `MID` holds pointers read from level-1 tables, tagged by VPN[2:1]; a
//!   hit gives the leaf table and saves two PTE reads.
//!
//! A walk probes `MID` first and `ROOT` only when `MID` misses, so
//! `MID.lookups` equals the walks made with the cache on and `ROOT.lookups`
//! equals `MID`'s misses. Entries carry the ASID and whether a non-leaf
//! PTE on their path was global, like TLB entries.
//!
//! Flushing follows the privileged spec (12.2.1, SFENCE.VMA): an
//! sfence.vma with rs1 = x0 orders accesses to every level of the page
//! tables, so it flushes this cache (every entry, or that ASID's
//! non-global ones); one with rs1 != x0 orders only the *leaf* PTE of that
//! address and leaves this cache alone. A guest that rewrites a non-leaf
//! PTE must therefore fence with rs1 = x0, as on hardware that caches
//! non-leaf PTEs.

use super::tlb::Fence;

/// The cache of pointers read from the root table (level 2).
pub const ROOT: usize = 0;
/// The cache of pointers read from level-1 tables.
pub const MID: usize = 1;

/// The page-walk cache's shape: entries of the `ROOT` and `MID` caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PwcConfig {
    /// Entries per level, indexed by `ROOT` and `MID`.
    pub entries: [usize; 2],
}

impl PwcConfig {
    /// Parse `N` (N entries at each level) or `ROOT:MID`, e.g. `4:16`.
    pub fn parse(s: &str) -> Result<PwcConfig, String> {
        let number = |x: &str| -> Result<usize, String> {
            let n: usize = x.trim().parse().map_err(|_| format!("page-walk cache '{s}': '{x}' is not a number"))?;
            if n == 0 || n > 4096 {
                return Err(format!("page-walk cache '{s}': entries must be from 1 to 4096, not {n}"));
            }
            Ok(n)
        };
        let entries = match s.split_once(':') {
            Some((root, mid)) => [number(root)?, number(mid)?],
            None => [number(s)?; 2],
        };
        Ok(PwcConfig { entries })
    }
}

impl std::fmt::Display for PwcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.entries[ROOT], self.entries[MID])
    }
}

/// Counters of the page-walk cache, per level (`ROOT`, `MID`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PwcStats {
    /// Probes.
    pub lookups: [u64; 2],
    /// Probes that found the pointer.
    pub hits: [u64; 2],
    /// Pointers inserted.
    pub fills: [u64; 2],
    /// Entries invalidated by sfence.vma.
    pub entries_flushed: u64,
}

impl PwcStats {
    /// PTE reads the cache saved: two per `MID` hit, one per `ROOT` hit.
    pub fn reads_saved(&self) -> u64 {
        2 * self.hits[MID] + self.hits[ROOT]
    }
}

#[derive(Clone, Copy, Debug)]
struct PwcEntry {
    /// VPN[2] (`ROOT`) or VPN[2:1] (`MID`).
    tag: u64,
    asid: u16,
    global: bool,
    /// Physical address of the next-level table.
    table: u64,
    /// LRU stamp.
    stamp: u64,
}

/// Where a walk can start after a page-walk-cache hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkStart {
    /// The level of the first PTE to read (1 after a `ROOT` hit, 0 after a
    /// `MID` hit).
    pub level: u32,
    /// Physical address of the table at that level.
    pub table: u64,
    /// A global non-leaf PTE is on the path.
    pub global: bool,
}

/// The page-walk cache.
pub struct PageWalkCache {
    config: PwcConfig,
    levels: [Vec<PwcEntry>; 2],
    clock: u64,
    /// Counters.
    pub stats: PwcStats,
}

/// The tag of `va` in the cache for `which` level.
fn tag(va: u64, which: usize) -> u64 {
    let vpn = (va >> 12) & ((1 << 27) - 1);
    if which == ROOT {
        vpn >> 18
    } else {
        vpn >> 9
    }
}

impl PageWalkCache {
    /// An empty cache.
    pub fn new(config: PwcConfig) -> PageWalkCache {
        PageWalkCache {
            config,
            levels: [Vec::with_capacity(config.entries[ROOT]), Vec::with_capacity(config.entries[MID])],
            clock: 0,
            stats: PwcStats::default(),
        }
    }

    /// The shape.
    pub fn config(&self) -> PwcConfig {
        self.config
    }

    /// The deepest cached pointer on the walk of `va` in `asid`: probes
    /// `MID`, then `ROOT`, counting each probe.
    pub fn lookup(&mut self, va: u64, asid: u16) -> Option<WalkStart> {
        for (which, level) in [(MID, 0), (ROOT, 1)] {
            self.stats.lookups[which] += 1;
            let t = tag(va, which);
            if let Some(e) = self.levels[which].iter_mut().find(|e| e.tag == t && (e.global || e.asid == asid)) {
                self.clock += 1;
                e.stamp = self.clock;
                self.stats.hits[which] += 1;
                return Some(WalkStart { level, table: e.table, global: e.global });
            }
        }
        None
    }

    /// Remember that the walk of `va` found, at `pte_level` (2 or 1), a
    /// pointer to `table`.
    pub fn fill(&mut self, pte_level: u32, va: u64, asid: u16, global: bool, table: u64) {
        let which = if pte_level == 2 { ROOT } else { MID };
        self.clock += 1;
        let e = PwcEntry { tag: tag(va, which), asid, global, table, stamp: self.clock };
        self.stats.fills[which] += 1;
        let set = &mut self.levels[which];
        if let Some(old) = set.iter_mut().find(|x| x.tag == e.tag && x.asid == asid && x.global == global) {
            *old = e;
        } else if set.len() < self.config.entries[which] {
            set.push(e);
        } else if let Some(victim) = set.iter_mut().min_by_key(|x| x.stamp) {
            *victim = e;
        }
    }

    /// Carry out an sfence.vma (see the module documentation).
    pub fn fence(&mut self, fence: Fence) {
        let before: usize = self.levels.iter().map(Vec::len).sum();
        match fence {
            Fence::All => self.levels.iter_mut().for_each(Vec::clear),
            Fence::Asid(a) => self.levels.iter_mut().for_each(|l| l.retain(|e| e.global || e.asid != a)),
            Fence::Addr(_) | Fence::AddrAsid(..) => {}
        }
        let after: usize = self.levels.iter().map(Vec::len).sum();
        self.stats.entries_flushed += (before - after) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_shapes() {
        assert_eq!(PwcConfig::parse("8").unwrap().entries, [8, 8]);
        assert_eq!(PwcConfig::parse("2:16").unwrap().entries, [2, 16]);
        assert!(PwcConfig::parse("0").is_err());
        assert!(PwcConfig::parse("x").is_err());
        assert!(PwcConfig::parse("4:").is_err());
        assert!(PwcConfig::parse("5000").is_err());
    }

    #[test]
    fn mid_hits_before_root_and_lru_replacement() {
        let mut c = PageWalkCache::new(PwcConfig { entries: [1, 2] });
        let va = |vpn2: u64, vpn1: u64| (vpn2 << 30) | (vpn1 << 21);
        assert_eq!(c.lookup(va(1, 1), 0), None);
        c.fill(2, va(1, 1), 0, false, 0x1000);
        c.fill(1, va(1, 1), 0, false, 0x2000);
        assert_eq!(c.lookup(va(1, 1), 0), Some(WalkStart { level: 0, table: 0x2000, global: false }));
        assert_eq!(c.lookup(va(1, 2), 0), Some(WalkStart { level: 1, table: 0x1000, global: false }));
        assert_eq!(c.lookup(va(1, 1), 7), None, "another ASID");
        c.fill(1, va(1, 2), 0, false, 0x3000);
        c.lookup(va(1, 1), 0); // va(1,1) is now more recent than va(1,2)
        c.fill(1, va(1, 3), 0, false, 0x4000); // evicts va(1,2)
        assert_eq!(c.lookup(va(1, 2), 0).map(|s| s.level), Some(1), "only the root pointer is left");
        assert_eq!(c.lookup(va(1, 1), 0).map(|s| s.table), Some(0x2000));
        assert_eq!(c.stats.lookups[MID], 7);
        assert_eq!(c.stats.lookups[ROOT], 4);
        assert_eq!(c.stats.hits, [2, 3]);
    }

    #[test]
    fn only_rs1_x0_fences_flush() {
        let mut c = PageWalkCache::new(PwcConfig { entries: [4, 4] });
        c.fill(2, 0, 1, false, 0x1000);
        c.fill(2, 1 << 30, 2, true, 0x2000);
        c.fence(Fence::Addr(0));
        c.fence(Fence::AddrAsid(0, 1));
        assert!(c.lookup(0, 1).is_some(), "address fences order only leaf PTEs");
        c.fence(Fence::Asid(2));
        assert!(c.lookup(1 << 30, 2).is_some(), "a global pointer survives an ASID fence");
        c.fence(Fence::Asid(1));
        assert!(c.lookup(0, 1).is_none());
        c.fence(Fence::All);
        assert!(c.lookup(1 << 30, 2).is_none());
        assert_eq!(c.stats.entries_flushed, 2);
    }
}
