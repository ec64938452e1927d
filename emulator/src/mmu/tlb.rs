//! The modelled TLB: set-associative, with a choice of replacement policy,
//! ASID and global tags, and superpage entries.
//!
//! Design choices (documented in the README):
//! - **Superpage indexing.** An entry is placed in the set chosen by the low
//!   bits of its *own* page number: VA bits from 12 up for a 4 KiB page,
//!   from 21 up for 2 MiB and from 30 up for 1 GiB. A lookup, which does
//!   not know the page size yet, probes the set for each of the three
//!   sizes; a hit anywhere is one hit. A superpage therefore occupies
//!   exactly one entry, however much of it is touched. With one set
//!   (`1xN`) the three probes are the same set.
//! - **Filling.** A new entry goes to an invalid way of its set if there is
//!   one; otherwise the policy picks the victim (an eviction).
//! - **Policies.** LRU (hits and fills make an entry most recent), FIFO (fill
//!   order only), random (xorshift64*, seeded; deterministic), tree-PLRU
//!   (ways must be a power of two; hits and fills point the tree away).

use std::fmt;

/// Replacement policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Least recently used.
    Lru,
    /// First in, first out.
    Fifo,
    /// Uniformly random among the ways, from a seeded generator.
    Random,
    /// Tree pseudo-LRU.
    Plru,
}

impl std::str::FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Policy, String> {
        match s {
            "lru" => Ok(Policy::Lru),
            "fifo" => Ok(Policy::Fifo),
            "random" => Ok(Policy::Random),
            "plru" => Ok(Policy::Plru),
            _ => Err(format!("unknown TLB policy '{s}' (use lru, fifo, random or plru)")),
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Policy::Lru => "lru",
            Policy::Fifo => "fifo",
            Policy::Random => "random",
            Policy::Plru => "plru",
        })
    }
}

/// The shape of a TLB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbConfig {
    /// Number of sets (a power of two).
    pub sets: usize,
    /// Ways per set.
    pub ways: usize,
    /// Replacement policy.
    pub policy: Policy,
    /// Seed of the random policy.
    pub seed: u64,
}

impl TlbConfig {
    /// Parse `SETSxWAYS`, e.g. `16x4`.
    pub fn parse_geometry(s: &str, policy: Policy, seed: u64) -> Result<TlbConfig, String> {
        let (a, b) = s.split_once(['x', 'X']).ok_or_else(|| format!("'{s}': expected SETSxWAYS, e.g. 16x4"))?;
        let sets: usize = a.parse().map_err(|_| format!("'{s}': sets '{a}' is not a number"))?;
        let ways: usize = b.parse().map_err(|_| format!("'{s}': ways '{b}' is not a number"))?;
        let c = TlbConfig { sets, ways, policy, seed };
        c.validate()?;
        Ok(c)
    }

    /// Check the geometry against what the model supports.
    pub fn validate(&self) -> Result<(), String> {
        if self.sets == 0 || !self.sets.is_power_of_two() || self.sets > 1 << 16 {
            return Err(format!("TLB sets must be a power of two from 1 to 65536, not {}", self.sets));
        }
        if self.ways == 0 || self.ways > 1024 {
            return Err(format!("TLB ways must be from 1 to 1024, not {}", self.ways));
        }
        // The model keeps every entry in host memory (about 48 bytes each).
        if self.sets * self.ways > 1 << 20 {
            return Err(format!("a TLB holds at most 1048576 entries, not {}x{}", self.sets, self.ways));
        }
        if self.policy == Policy::Plru && (!self.ways.is_power_of_two() || self.ways > 64) {
            return Err(format!("tree-PLRU needs a power-of-two number of ways up to 64, not {}", self.ways));
        }
        Ok(())
    }
}

/// Permission and status bits of a PTE, as cached (PTE bit positions).
pub mod perm {
    /// Readable.
    pub const R: u8 = 1 << 1;
    /// Writable.
    pub const W: u8 = 1 << 2;
    /// Executable.
    pub const X: u8 = 1 << 3;
    /// User-accessible.
    pub const U: u8 = 1 << 4;
    /// Accessed.
    pub const A: u8 = 1 << 6;
    /// Dirty.
    pub const D: u8 = 1 << 7;
}

/// One cached translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TlbEntry {
    /// Virtual page number at this entry's size (VA >> (12 + 9 * level)).
    pub tag: u64,
    /// Page size: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB.
    pub level: u8,
    /// Address-space identifier (ignored when `global`).
    pub asid: u16,
    /// Matches every ASID.
    pub global: bool,
    /// Physical address of the page's first byte.
    pub pa_base: u64,
    /// R/W/X/U/A/D bits of the leaf PTE.
    pub perms: u8,
    /// Occupied.
    pub valid: bool,
}

impl TlbEntry {
    /// Bits of a virtual address below this entry's page number.
    #[inline(always)]
    pub fn shift(&self) -> u32 {
        12 + 9 * self.level as u32
    }

    /// Whether this entry maps the address whose tags at each page size
    /// are `tags` (index 3 unused) in address space `asid`.
    #[inline(always)]
    fn matches(&self, tags: &[u64; 4], asid: u16) -> bool {
        self.valid && self.tag == tags[(self.level & 3) as usize] && (self.global || self.asid == asid)
    }
}

/// The tag of `va` for a page of `level` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB):
/// its virtual page number at that size.
#[inline(always)]
pub fn tag_of(va: u64, level: u8) -> u64 {
    (va >> (12 + 9 * level as u32)) & TAG_MASK
}

/// `va` sign-extended from bit 38 (a tag shifted back may carry copies of
/// the sign bit above it).
fn canonical(va: u64) -> u64 {
    ((va << 25) as i64 >> 25) as u64
}

/// Sv39 virtual page numbers have 27 bits; tags keep the bits above the
/// page offset of a canonical address, less the sign-extension.
const TAG_MASK: u64 = (1 << 27) - 1;

/// Counters of one TLB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbStats {
    /// Lookups (one per access that needed a translation).
    pub lookups: u64,
    /// Lookups that found a usable entry.
    pub hits: u64,
    /// Valid entries replaced to make room.
    pub evictions: u64,
    /// sfence.vma operations that reached this TLB, by kind:
    /// [all, one ASID, one address, one address in one ASID].
    pub flushes: [u64; 4],
    /// Entries invalidated by those operations.
    pub entries_flushed: u64,
}

impl TlbStats {
    /// Lookups that missed.
    pub fn misses(&self) -> u64 {
        self.lookups - self.hits
    }

    /// All sfence.vma operations.
    pub fn total_flushes(&self) -> u64 {
        self.flushes.iter().sum()
    }
}

/// The kind of an sfence.vma, by which of rs1/rs2 are x0 (privileged spec
/// 4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fence {
    /// rs1 = x0, rs2 = x0: every entry, global ones too.
    All,
    /// rs1 = x0, rs2 = ASID: that ASID's non-global entries.
    Asid(u16),
    /// rs1 = VA, rs2 = x0: entries mapping VA, in any ASID, global too.
    Addr(u64),
    /// rs1 = VA, rs2 = ASID: that ASID's non-global entries mapping VA.
    AddrAsid(u64, u16),
}

/// A set-associative TLB.
pub struct Tlb {
    config: TlbConfig,
    entries: Vec<TlbEntry>,
    /// Per slot, `key(entry)` when valid, `NO_KEY` when not: the usual
    /// search (4 KiB entries only) and the search for an invalid way
    /// compare these packed words, not whole entries.
    keys: Vec<u64>,
    /// LRU/FIFO timestamps per way.
    stamps: Vec<u64>,
    /// Tree-PLRU node bits per set (heap-numbered nodes 1..ways).
    plru: Vec<u128>,
    clock: u64,
    rng: u64,
    /// Valid entries per page size: a lookup probes only the sizes present.
    valid_by_level: [u32; 3],
    /// log2(ways) when ways is a power of two (a slot's set is then a
    /// shift away, not a division), else `u32::MAX`.
    ways_shift: u32,
    /// Counters.
    pub stats: TlbStats,
}

/// The way with the smallest stamp (the first of equals), as
/// `min_by_key` would pick it.
#[inline]
fn oldest(stamps: &[u64]) -> usize {
    let (mut best, mut min) = (0, u64::MAX);
    for (w, &s) in stamps.iter().enumerate() {
        if s < min {
            (best, min) = (w, s);
        }
    }
    best
}

/// Where an entry lives: set * ways + way.
pub type Slot = usize;

/// `Tlb::keys` of an invalid slot (no tag has bit 63).
const NO_KEY: u64 = u64::MAX;

/// `Tlb::keys` of a valid entry: its tag and page size (a 4 KiB entry's
/// key is its tag).
#[inline(always)]
fn key(e: &TlbEntry) -> u64 {
    e.tag | (e.level as u64) << 32
}

impl Tlb {
    /// Where `clock` lies in a `Tlb`, for compiled code that touches an
    /// LRU entry itself (see `cpu/jit.rs`).
    pub(crate) const CLOCK_OFFSET: usize = std::mem::offset_of!(Tlb, clock);

    /// How a hit touches an entry, for compiled code: `Some(None)` not at
    /// all (FIFO, random), `Some(Some(stamps))` an LRU stamp from
    /// `clock` into `stamps[slot]` (which stay at that host address for
    /// the life of the TLB), `None` otherwise (tree-PLRU: left to Rust).
    pub(crate) fn touch_for_compiled_code(&mut self) -> Option<Option<*mut u64>> {
        match self.config.policy {
            Policy::Fifo | Policy::Random => Some(None),
            Policy::Lru => Some(Some(self.stamps.as_mut_ptr())),
            Policy::Plru => None,
        }
    }

    /// An empty TLB of the given shape (validated).
    pub fn new(config: TlbConfig) -> Tlb {
        let n = config.sets * config.ways;
        Tlb {
            config,
            entries: vec![TlbEntry::default(); n],
            keys: vec![NO_KEY; n],
            stamps: vec![0; n],
            plru: vec![0; config.sets],
            clock: 0,
            rng: config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
            valid_by_level: [0; 3],
            ways_shift: if config.ways.is_power_of_two() { config.ways.trailing_zeros() } else { u32::MAX },
            stats: TlbStats::default(),
        }
    }

    /// The shape.
    pub fn config(&self) -> TlbConfig {
        self.config
    }

    /// The entry in `slot`.
    #[inline(always)]
    pub fn entry(&self, slot: Slot) -> &TlbEntry {
        &self.entries[slot]
    }

    /// The set that `slot` belongs to.
    #[inline(always)]
    pub fn set_of_slot(&self, slot: Slot) -> usize {
        if self.ways_shift != u32::MAX {
            slot >> self.ways_shift
        } else {
            slot / self.config.ways
        }
    }

    fn set_of(&self, tag: u64) -> usize {
        (tag as usize) & (self.config.sets - 1)
    }

    /// Look `va` up in address space `asid`: counts one lookup, and on a hit
    /// one hit and the policy's touch. Returns the slot that hit.
    #[inline]
    pub fn lookup(&mut self, va: u64, asid: u16) -> Option<Slot> {
        self.stats.lookups += 1;
        let slot = self.find(va, asid)?;
        self.stats.hits += 1;
        self.touch(slot);
        Some(slot)
    }

    /// Whether every valid entry maps a 4 KiB page and none maps `va` in
    /// `asid`: a lookup would miss after searching one set.
    #[inline(always)]
    pub fn misses_small_pages_only(&self, va: u64, asid: u16) -> bool {
        self.valid_by_level[1] == 0 && self.valid_by_level[2] == 0 && self.find_small(va, asid).is_none()
    }

    /// Count a lookup that missed (known by the caller to miss).
    #[inline(always)]
    pub fn count_miss(&mut self) {
        self.stats.lookups += 1;
    }

    /// Count a lookup that hits `slot` again, known by the caller to be the
    /// most recently touched entry of this TLB (so the policy's state would
    /// not change: LRU and PLRU already point away from it, FIFO and
    /// random ignore hits).
    #[inline(always)]
    pub fn count_repeat_hit(&mut self) {
        self.count_repeat_hits(1);
    }

    /// [`Tlb::count_repeat_hit`] `n` times.
    #[inline(always)]
    pub fn count_repeat_hits(&mut self, n: u64) {
        self.stats.lookups += n;
        self.stats.hits += n;
    }

    /// Count a lookup that hits `slot`, known by the caller to hold the
    /// entry the lookup would find, and touch it for the policy.
    #[inline]
    pub fn count_hit_and_touch(&mut self, slot: Slot) {
        self.count_repeat_hits(1);
        self.touch(slot);
    }

    /// The slot holding a translation of `va` for `asid`, without counting.
    #[inline]
    pub fn find(&self, va: u64, asid: u16) -> Option<Slot> {
        if self.valid_by_level[1] == 0 && self.valid_by_level[2] == 0 {
            return self.find_small(va, asid);
        }
        let ways = self.config.ways;
        let tags = [tag_of(va, 0), tag_of(va, 1), tag_of(va, 2), u64::MAX];
        let mut probed = [usize::MAX; 3];
        for level in 0..3u8 {
            if self.valid_by_level[level as usize] == 0 {
                continue; // no entry of this size to find
            }
            let set = self.set_of(tags[level as usize]);
            if probed.contains(&set) {
                continue; // this set was already searched
            }
            probed[level as usize] = set;
            let base = set * ways;
            if let Some(w) = self.entries[base..base + ways].iter().position(|e| e.matches(&tags, asid)) {
                return Some(base + w);
            }
        }
        None
    }

    /// `find` when the TLB holds only 4 KiB entries: one set to search.
    #[inline(always)]
    fn find_small(&self, va: u64, asid: u16) -> Option<Slot> {
        let tag = tag_of(va, 0); // also the key of a 4 KiB entry
        let base = self.set_of(tag) * self.config.ways;
        let keys = self.keys.get(base..base + self.config.ways)?;
        for (w, &k) in keys.iter().enumerate() {
            if k == tag {
                let e = &self.entries[base + w];
                if e.global || e.asid == asid {
                    return Some(base + w);
                }
            }
        }
        None
    }

    /// Record a use of `slot` for the replacement policy.
    #[inline(always)]
    fn touch(&mut self, slot: Slot) {
        match self.config.policy {
            Policy::Lru => {
                self.clock += 1;
                self.stamps[slot] = self.clock;
            }
            Policy::Plru => self.plru_point_away(slot),
            Policy::Fifo | Policy::Random => {}
        }
    }

    /// Tree-PLRU: each internal node's bit says which half holds the next
    /// victim (0 = left). Using a way sets the nodes on its path to point to
    /// the other half.
    fn plru_point_away(&mut self, slot: Slot) {
        let ways = self.config.ways;
        let set = self.set_of_slot(slot);
        let way = slot - set * ways;
        let mut bits = self.plru[set];
        let mut node = 1usize; // heap numbering, root = 1
        let mut span = ways;
        while span > 1 {
            span /= 2;
            let right = way & span != 0;
            if right {
                bits &= !(1 << node);
            } else {
                bits |= 1 << node;
            }
            node = node * 2 + right as usize;
        }
        self.plru[set] = bits;
    }

    fn plru_victim(&self, set: usize) -> usize {
        let bits = self.plru[set];
        let mut node = 1usize;
        let mut way = 0usize;
        let mut span = self.config.ways;
        while span > 1 {
            span /= 2;
            let right = bits >> node & 1 == 1;
            if right {
                way += span;
            }
            node = node * 2 + right as usize;
        }
        way
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Insert `e` (valid), replacing an entry for the same page if there is
    /// one, else an invalid way, else the policy's victim. Returns its slot.
    pub fn insert(&mut self, e: TlbEntry) -> Slot {
        let ways = self.config.ways;
        let base = self.set_of(e.tag) * ways;
        let same = self.entries[base..base + ways]
            .iter()
            .position(|x| x.valid && x.tag == e.tag && x.level == e.level && x.asid == e.asid && x.global == e.global);
        match same {
            Some(w) => self.place(base + w, e),
            None => self.insert_missed(e),
        }
    }

    /// Insert `e` (valid), known to map a page that no entry of its set
    /// maps (a lookup of it just missed): the first invalid way, else the
    /// policy's victim. Returns its slot.
    #[inline(always)]
    pub fn insert_missed(&mut self, e: TlbEntry) -> Slot {
        let ways = self.config.ways;
        let set = self.set_of(e.tag);
        let base = set * ways;
        // Once the TLB is full (as it soon is), no set has an invalid way.
        let valid = self.valid_by_level[0] + self.valid_by_level[1] + self.valid_by_level[2];
        let free = if valid as usize == self.keys.len() {
            None
        } else {
            self.keys[base..base + ways].iter().position(|&k| k == NO_KEY)
        };
        let way = match free {
            Some(w) => w,
            None => {
                self.stats.evictions += 1;
                match self.config.policy {
                    Policy::Lru | Policy::Fifo => oldest(&self.stamps[base..base + ways]),
                    Policy::Random => (self.next_random() % ways as u64) as usize,
                    Policy::Plru => self.plru_victim(set),
                }
            }
        };
        self.place(base + way, e)
    }

    /// Fill `slot` with `e` as a new entry: stamped, and pointed away from
    /// by tree-PLRU.
    #[inline(always)]
    fn place(&mut self, slot: Slot, e: TlbEntry) -> Slot {
        self.replace(slot, e);
        self.clock += 1;
        self.stamps[slot] = self.clock;
        if self.config.policy == Policy::Plru {
            self.plru_point_away(slot);
        }
        slot
    }

    /// Replace the entry in `slot` with `e`, a re-walk of the page it maps
    /// (a store finding D clear), without touching the replacement state:
    /// the lookup that hit already did. Should the page's size have changed
    /// (a guest that rewrote its PTE without sfence.vma), the entry belongs
    /// to another set: the old one is dropped and `e` inserted normally.
    /// Returns the slot now holding `e`.
    pub fn refresh(&mut self, slot: Slot, e: TlbEntry) -> Slot {
        if self.entries[slot].level == e.level {
            self.replace(slot, e);
            slot
        } else {
            self.invalidate(slot);
            self.insert(e)
        }
    }

    /// Put `e` (valid) in `slot`, keeping the per-size counts.
    #[inline(always)]
    fn replace(&mut self, slot: Slot, e: TlbEntry) {
        self.invalidate(slot);
        self.entries[slot] = TlbEntry { valid: true, ..e };
        self.keys[slot] = key(&e);
        self.valid_by_level[e.level as usize] += 1;
    }

    /// Make `slot` invalid, keeping the per-size counts.
    #[inline(always)]
    fn invalidate(&mut self, slot: Slot) {
        let old = &mut self.entries[slot];
        if old.valid {
            old.valid = false;
            self.keys[slot] = NO_KEY;
            self.valid_by_level[old.level as usize] -= 1;
        }
    }

    /// Carry out an sfence.vma; returns how many entries were invalidated.
    pub fn fence(&mut self, fence: Fence) -> u64 {
        let kind = match fence {
            Fence::All => 0,
            Fence::Asid(_) => 1,
            Fence::Addr(_) => 2,
            Fence::AddrAsid(..) => 3,
        };
        self.stats.flushes[kind] += 1;
        let mut n = 0;
        for (e, k) in self.entries.iter_mut().zip(&mut self.keys).filter(|(e, _)| e.valid) {
            let covers = |va: u64| e.tag == tag_of(va, e.level);
            let hit = match fence {
                Fence::All => true,
                Fence::Asid(a) => !e.global && e.asid == a,
                Fence::Addr(va) => covers(va),
                Fence::AddrAsid(va, a) => !e.global && e.asid == a && covers(va),
            };
            if hit {
                e.valid = false;
                *k = NO_KEY;
                self.valid_by_level[e.level as usize] -= 1;
                n += 1;
            }
        }
        self.stats.entries_flushed += n;
        n
    }

    /// Whether a valid entry of another page size covers an address that
    /// `e` covers, in an address space `e` can share with it: after a page
    /// table changed a page's size without sfence.vma, two entries can
    /// match one address, and a lookup then finds the first by set and way
    /// order. `after_miss`: `e` was just filled after a lookup in its own
    /// address space missed, so no larger entry of that space contains it
    /// (the lookup would have found it); only a global `e` can then share
    /// an address with a larger entry of another space. Cheap unless the
    /// TLB holds several page sizes (a search of one set per larger size;
    /// of every entry for smaller ones, only when `e` is a superpage).
    #[inline]
    pub fn overlaps_other_size(&self, e: &TlbEntry, after_miss: bool) -> bool {
        let larger_possible = !after_miss || e.global;
        if e.level == 0 && !larger_possible {
            return false; // the usual fill: a 4 KiB page after a miss
        }
        self.overlaps_other_size_search(e, larger_possible)
    }

    #[cold]
    fn overlaps_other_size_search(&self, e: &TlbEntry, larger_possible: bool) -> bool {
        let va = canonical(e.tag << e.shift());
        let shareable = |x: &TlbEntry| x.valid && (x.global || e.global || x.asid == e.asid);
        let sizes = (0..3u8)
            .filter(|&l| (l < e.level || (l > e.level && larger_possible)) && self.valid_by_level[l as usize] > 0);
        sizes.into_iter().any(|level| {
            let tag = tag_of(va, level);
            if level > e.level {
                let base = self.set_of(tag) * self.config.ways;
                self.entries[base..base + self.config.ways]
                    .iter()
                    .any(|x| shareable(x) && x.level == level && x.tag == tag)
            } else {
                self.entries.iter().any(|x| {
                    shareable(x) && x.level == level && tag_of(canonical(x.tag << x.shift()), e.level) == e.tag
                })
            }
        })
    }

    /// Valid entries, for tests and reports.
    pub fn occupancy(&self) -> usize {
        self.entries.iter().filter(|e| e.valid).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlb(sets: usize, ways: usize, policy: Policy) -> Tlb {
        Tlb::new(TlbConfig { sets, ways, policy, seed: 1 })
    }

    fn page(vpn: u64) -> TlbEntry {
        TlbEntry { tag: vpn, level: 0, asid: 0, global: false, pa_base: vpn << 12, perms: 0xff, valid: true }
    }

    /// Fill one set of a 1x4 TLB with pages 0..4, touch some, insert a 5th
    /// and report which page was evicted.
    fn evicted_after(policy: Policy, touches: &[u64]) -> u64 {
        let mut t = tlb(1, 4, policy);
        for v in 0..4 {
            t.insert(page(v));
        }
        for &v in touches {
            assert!(t.lookup(v << 12, 0).is_some());
        }
        t.insert(page(100));
        (0..4).find(|&v| t.find(v << 12, 0).is_none()).expect("one page evicted")
    }

    #[test]
    fn lru_evicts_least_recently_used() {
        assert_eq!(evicted_after(Policy::Lru, &[]), 0);
        assert_eq!(evicted_after(Policy::Lru, &[0, 1]), 2);
        assert_eq!(evicted_after(Policy::Lru, &[3, 2, 1, 0]), 3);
    }

    #[test]
    fn fifo_ignores_hits() {
        assert_eq!(evicted_after(Policy::Fifo, &[0, 0, 0]), 0);
        assert_eq!(evicted_after(Policy::Fifo, &[3, 2, 1, 0]), 0);
    }

    #[test]
    fn plru_follows_the_tree() {
        // fills 0,1,2,3 leave the tree pointing at way 0
        assert_eq!(evicted_after(Policy::Plru, &[]), 0);
        // touching 0 points the root right and then way 2 (left of right half)
        assert_eq!(evicted_after(Policy::Plru, &[0]), 2);
        // touching 0 then 2: root points left, left node points to way 1
        assert_eq!(evicted_after(Policy::Plru, &[0, 2]), 1);
    }

    #[test]
    fn random_is_deterministic_per_seed() {
        let run = |seed| {
            let mut t = Tlb::new(TlbConfig { sets: 1, ways: 4, policy: Policy::Random, seed });
            let mut order = Vec::new();
            for v in 0..40 {
                t.insert(page(v));
                order.push((0..=v).filter(|&p| t.find(p << 12, 0).is_some()).collect::<Vec<_>>());
            }
            order
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn set_indexing_and_counters() {
        let mut t = tlb(4, 1, Policy::Lru);
        t.insert(page(1));
        t.insert(page(5)); // same set as 1 (5 & 3 == 1): evicts it
        assert_eq!(t.stats.evictions, 1);
        assert!(t.lookup(1 << 12, 0).is_none());
        assert!(t.lookup(5 << 12, 0).is_some());
        t.insert(page(2)); // another set: no eviction
        assert_eq!(t.stats.evictions, 1);
        assert_eq!((t.stats.lookups, t.stats.hits, t.stats.misses()), (2, 1, 1));
    }

    #[test]
    fn superpages_cover_their_range_in_one_entry() {
        let mut t = tlb(8, 2, Policy::Lru);
        let va = 0x4020_0000u64; // a 2 MiB page
        t.insert(TlbEntry { tag: va >> 21, level: 1, pa_base: 0x8020_0000, perms: 0xff, ..Default::default() });
        for off in [0u64, 0x1000, 0x1f_f000, 0x12345] {
            assert!(t.lookup(va + off, 0).is_some(), "offset {off:x}");
        }
        assert!(t.lookup(va + 0x20_0000, 0).is_none());
        assert_eq!(t.occupancy(), 1);
        let giga = 0x1_4000_0000u64 & ((1 << 39) - 1);
        t.insert(TlbEntry { tag: giga >> 30, level: 2, pa_base: 0, perms: 0xff, ..Default::default() });
        assert!(t.lookup(giga + 0x3fff_ffff, 0).is_some());
    }

    #[test]
    fn fences_respect_asid_and_global() {
        let mut t = tlb(1, 8, Policy::Lru);
        let mk = |vpn, asid, global| TlbEntry { asid, global, ..page(vpn) };
        t.insert(mk(1, 1, false));
        t.insert(mk(2, 2, false));
        t.insert(mk(3, 1, true));
        assert!(t.find(3 << 12, 9).is_some(), "global matches any ASID");
        assert!(t.find(1 << 12, 2).is_none(), "other ASID does not match");
        assert_eq!(t.fence(Fence::Asid(1)), 1, "global entry survives an ASID flush");
        assert!(t.find(3 << 12, 1).is_some());
        assert_eq!(t.fence(Fence::AddrAsid(3 << 12, 1)), 0, "global survives addr+ASID");
        assert_eq!(t.fence(Fence::Addr(3 << 12)), 1, "address flush removes global");
        t.insert(mk(4, 5, false));
        assert_eq!(t.fence(Fence::AddrAsid(4 << 12, 5)), 1);
        assert_eq!(t.fence(Fence::All), 1);
        assert_eq!(t.occupancy(), 0);
        assert_eq!(t.stats.flushes, [1, 1, 1, 2]);
    }

    /// Theory: cycling over K pages, a fully associative LRU TLB of K entries
    /// misses only on the first touch of each page, and one of K - 1
    /// entries misses on every access (each page is evicted just before its
    /// next use).
    #[test]
    fn lru_cyclic_working_set_theory() {
        let cycle = |entries: usize, k: u64, rounds: u64| {
            let mut t = tlb(1, entries, Policy::Lru);
            for _ in 0..rounds {
                for v in 0..k {
                    if t.lookup(v << 12, 0).is_none() {
                        t.insert(page(v));
                    }
                }
            }
            t.stats
        };
        let (k, rounds) = (16, 10);
        let fits = cycle(16, k, rounds);
        assert_eq!(fits.misses(), k, "only compulsory misses");
        let short = cycle(15, k, rounds);
        assert_eq!(short.misses(), k * rounds, "a miss on every access");
        assert_eq!(short.lookups, k * rounds);
    }

    #[test]
    fn geometry_parsing() {
        assert!(TlbConfig::parse_geometry("16x4", Policy::Lru, 0).is_ok());
        assert!(TlbConfig::parse_geometry("1x64", Policy::Plru, 0).is_ok());
        assert!(TlbConfig::parse_geometry("3x4", Policy::Lru, 0).is_err());
        assert!(TlbConfig::parse_geometry("4x3", Policy::Plru, 0).is_err());
        assert!(TlbConfig::parse_geometry("4x0", Policy::Lru, 0).is_err());
        assert!(TlbConfig::parse_geometry("16", Policy::Lru, 0).is_err());
        assert!(TlbConfig::parse_geometry("ax4", Policy::Lru, 0).is_err());
        assert!(TlbConfig::parse_geometry("1024x1024", Policy::Lru, 0).is_ok());
        assert!(TlbConfig::parse_geometry("65536x1024", Policy::Lru, 0).is_err(), "64 Mi entries: GiBs of host memory");
    }

    /// A refresh that changes the page's size frees the old slot, and the
    /// entry's new home is that free way, not an eviction.
    #[test]
    fn refresh_to_another_size_frees_its_slot() {
        let mut t = tlb(1, 2, Policy::Lru);
        let small = t.insert(page(0));
        t.insert(page(1));
        let mega = TlbEntry { tag: 0, level: 1, pa_base: 0x20_0000, ..page(0) };
        assert_eq!(t.refresh(small, mega), small, "the way page 0 left");
        assert_eq!(t.stats.evictions, 0, "page 0's way was freed, not evicted");
        assert_eq!(t.occupancy(), 2);
        assert_eq!(t.find(0, 0), Some(small), "the 2 MiB entry maps page 0");
        assert!(t.find(1 << 12, 0).is_some(), "page 1 stays");
    }
}
