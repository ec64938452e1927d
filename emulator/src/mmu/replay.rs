//! Replaying a recorded translation stream ([`super::record`]) through any
//! TLB design, and the whole fully associative LRU miss curve in one pass.
//!
//! A replay drives the same [`Translator`] code as a run, with page-table
//! reads answered from the PTEs recorded with each access, so its counters
//! equal those of a full run with the same configuration (tests/trace.rs).

use super::record::{Trace, TraceEvent, TraceKey, EVENT_BIT};
use super::sv39::{pte, PageTable};
use super::tlb::{tag_of, Fence};
use super::{Access, MmuConfig, TranslationContext, Translator};

/// The page-table entries of one recorded access, as the walker sees them.
struct RecordedWalk<'a> {
    key: &'a TraceKey,
    ptes: [u64; 3],
}

impl PageTable for RecordedWalk<'_> {
    fn read_pte(&mut self, addr: u64) -> Option<u64> {
        // A walk reads the recorded path's addresses in order; a page-walk
        // cache may skip the first ones. Any other address (only possible
        // for a guest that changed a non-leaf PTE without the sfence.vma it
        // needs) was not recorded: an access fault.
        (0..self.key.path_len()).find(|&i| self.key.pte_addr(i) == addr).map(|i| self.ptes[i])
    }

    fn write_pte(&mut self, addr: u64, value: u64) {
        if let Some(i) = (0..self.key.path_len()).find(|&i| self.key.pte_addr(i) == addr) {
            self.ptes[i] = value;
        }
    }
}

/// Replay `trace` through the TLBs of `config` (its A/D mode is the
/// recorded run's). Returns the translator with its counters.
pub fn replay(trace: &Trace, config: &MmuConfig) -> Translator {
    Replayer::new(trace).run(config)
}

/// A trace prepared for replaying through many configurations.
///
/// Two op lists, each entry an op of the trace and how many times it
/// repeats (counted in one step when the fast path takes every repeat):
/// - `in_order`: consecutive identical accesses folded; valid for every
///   configuration;
/// - `split`: besides, every fetch identical to the previous fetch (same
///   context, no fence between) folded into that fetch. With separate I-
///   and D-TLBs such a fetch is a repeat hit of the I-TLB's remembered
///   entry wherever it sits: data accesses never touch the I-TLB, and an
///   L2 TLB or page-walk cache is only reached on misses. Should a folded
///   fetch not be a fast-path hit (its predecessor faulted), the replay
///   starts again with `in_order`.
pub struct Replayer<'t> {
    trace: &'t Trace,
    /// Per distinct access: its context, and a number naming the context.
    prepared: Vec<(TranslationContext, u32)>,
    in_order: Vec<(u32, u32)>,
    split: Vec<(u32, u32)>,
}

impl<'t> Replayer<'t> {
    /// Prepare `trace`.
    pub fn new(trace: &'t Trace) -> Replayer<'t> {
        let mut contexts: Vec<(u8, u8, u16, u64)> = Vec::new();
        let prepared: Vec<(TranslationContext, u32)> = trace
            .keys
            .iter()
            .map(|k| {
                let c = (k.prv, k.flags & 3, k.asid, k.root);
                let id = contexts.iter().position(|&x| x == c).unwrap_or_else(|| {
                    contexts.push(c);
                    contexts.len() - 1
                });
                (k.context(), id as u32)
            })
            .collect();
        let mut in_order: Vec<(u32, u32)> = Vec::new();
        let mut split: Vec<(u32, u32)> = Vec::new();
        // Where in `split` the latest fetch is, while folding is allowed.
        let mut last_fetch: Option<(u32, usize)> = None;
        let mut context = u32::MAX;
        for &op in &trace.ops {
            match in_order.last_mut() {
                Some(last) if last.0 == op && op & EVENT_BIT == 0 => last.1 += 1,
                _ => in_order.push((op, 0)),
            }
            let Some((key, (_, id))) = trace.keys.get(op as usize).zip(prepared.get(op as usize)) else {
                last_fetch = None; // a fence or satp change
                split.push((op, 0));
                continue;
            };
            if *id != context {
                context = *id;
                last_fetch = None;
            }
            let fetch = key.access() == Access::Fetch;
            if let Some((previous, at)) = last_fetch.filter(|&(previous, _)| fetch && previous == op) {
                split[at].1 += 1;
                last_fetch = Some((previous, at));
                continue;
            }
            match split.last_mut() {
                Some(last) if last.0 == op => last.1 += 1,
                _ => split.push((op, 0)),
            }
            if fetch {
                last_fetch = Some((op, split.len() - 1));
            }
        }
        Replayer { trace, prepared, in_order, split }
    }

    /// Replay through the TLBs of `config`; returns the translator with its
    /// counters.
    pub fn run(&self, config: &MmuConfig) -> Translator {
        let config = MmuConfig { ad: self.trace.ad.unwrap_or(config.ad), ..*config };
        if !config.unified {
            if let Some(tr) = self.run_ops(&config, &self.split, true) {
                return tr;
            }
        }
        // In order, every repeat that is not a fast-path hit is replayed
        // where it stands, so this run always completes.
        self.run_ops(&config, &self.in_order, false).unwrap_or_else(|| Translator::new(&config))
    }

    /// Replay `ops`; `None` when a folded fetch of `split` turns out not to
    /// be a fast-path hit and `folded_fetches` says the list has them.
    fn run_ops(&self, config: &MmuConfig, ops: &[(u32, u32)], folded_fetches: bool) -> Option<Translator> {
        let mut tr = Translator::new(config);
        // The run forgets its remembered entries whenever the context
        // changes; so does the replay (forgetting is invisible in the
        // counters, but a remembered entry's permissions are only valid in
        // its context).
        let mut context = u32::MAX;
        for &(op, again) in ops {
            let (Some(key), Some((ctx, id))) = (self.trace.keys.get(op as usize), self.prepared.get(op as usize))
            else {
                if let Some(TraceEvent::Fence(f)) = self.trace.events.get((op & !EVENT_BIT) as usize) {
                    tr.fence(*f);
                }
                continue;
            };
            if *id != context {
                tr.forget_last_entries();
                context = *id;
            }
            let (va, access) = (key.vpage << 12, key.access());
            let mut walk = RecordedWalk { key, ptes: key.ptes };
            let _ = tr.translate(&mut walk, ctx, va, access);
            if again > 0 && !tr.count_repeat_hits(va, access, again as u64) {
                if folded_fetches && access == Access::Fetch {
                    return None;
                }
                for _ in 0..again {
                    let _ = tr.translate(&mut walk, ctx, va, access);
                }
            }
        }
        Some(tr)
    }
}

/// The identity of the TLB entry an access uses: its page number at the
/// leaf's size, the size, and the ASID unless the mapping is global.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EntryId {
    tag: u64,
    level: u8,
    asid: Option<u16>,
}

/// What a walk of the recorded access finds: the entry it would fill, and
/// whether the access would fault (without filling).
fn leaf_of(key: &TraceKey) -> Option<(EntryId, bool)> {
    let n = key.path_len();
    if n == 0 || key.path_leaves_ram() {
        return None;
    }
    let leaf = key.ptes[n - 1];
    let level = (3 - n) as u8;
    let valid = leaf & pte::V != 0 && leaf & pte::HIGH == 0 && !(leaf & pte::R == 0 && leaf & pte::W != 0);
    let ppn = (leaf & pte::PPN_MASK) >> pte::PPN_SHIFT;
    if !valid || leaf & (pte::R | pte::X) == 0 || ppn & ((1 << (9 * level as u32)) - 1) != 0 {
        return None;
    }
    let global = key.ptes[..n].iter().any(|p| p & pte::G != 0);
    let ctx = key.context();
    let allowed = super::sv39::permits(leaf as u8, key.access(), ctx.data_prv, ctx.sum, ctx.mxr);
    let id = EntryId { tag: tag_of(key.vpage << 12, level), level, asid: (!global).then_some(key.asid) };
    Some((id, !allowed))
}

/// An LRU stack with holes: position `d` holds the entry a fully
/// associative LRU TLB of more than `d` entries keeps at recency rank `d`.
/// An entry invalidated by sfence.vma leaves a hole in place (every TLB
/// larger than its rank has a free way then); the next fill of a TLB with
/// a hole in its reach takes the hole instead of evicting.
#[derive(Default)]
struct LruStack {
    stack: Vec<Option<EntryId>>,
    /// `depth_hits[d]`: lookups that found their entry at rank `d`.
    depth_hits: Vec<u64>,
    lookups: u64,
    approximated: u64,
}

impl LruStack {
    fn access(&mut self, id: Option<EntryId>, faults: bool) {
        self.lookups += 1;
        let Some(id) = id else { return }; // nothing to fill: a miss everywhere
        let mut hole = None;
        let mut found = None;
        for (d, e) in self.stack.iter().enumerate() {
            match e {
                None if hole.is_none() => hole = Some(d),
                Some(x) if x.tag == id.tag && x.level == id.level && x.asid == id.asid => {
                    found = Some(d);
                    break;
                }
                _ => {}
            }
        }
        if let Some(d) = found {
            if self.depth_hits.len() <= d {
                self.depth_hits.resize(d + 1, 0);
            }
            self.depth_hits[d] += 1;
        }
        if faults {
            // A faulting access touches its entry in TLBs that hold it but
            // fills none; one stack cannot show both, so it is left alone.
            self.approximated += found.is_some() as u64;
            return;
        }
        match (found, hole) {
            (Some(d), Some(h)) => {
                self.stack.copy_within(0..h, 1);
                self.stack[0] = Some(id);
                self.stack[d] = None;
            }
            (Some(d), None) => {
                self.stack.copy_within(0..d, 1);
                self.stack[0] = Some(id);
            }
            (None, Some(h)) => {
                self.stack.copy_within(0..h, 1);
                self.stack[0] = Some(id);
            }
            (None, None) => self.stack.insert(0, Some(id)),
        }
        while self.stack.last() == Some(&None) {
            self.stack.pop();
        }
    }

    fn fence(&mut self, fence: Fence) {
        for e in &mut self.stack {
            if let Some(x) = e {
                let covers = |va: u64| x.tag == tag_of(va, x.level);
                let hit = match fence {
                    Fence::All => true,
                    Fence::Asid(a) => x.asid == Some(a),
                    Fence::Addr(va) => covers(va),
                    Fence::AddrAsid(va, a) => x.asid == Some(a) && covers(va),
                };
                if hit {
                    *e = None;
                }
            }
        }
        while self.stack.last() == Some(&None) {
            self.stack.pop();
        }
    }

    fn curve(&self) -> MissCurve {
        let mut misses = Vec::with_capacity(self.depth_hits.len() + 1);
        let mut left = self.lookups;
        misses.push(left);
        for h in &self.depth_hits {
            left -= h;
            misses.push(left);
        }
        MissCurve { lookups: self.lookups, misses, approximated: self.approximated }
    }
}

/// Misses of a fully associative LRU TLB for every number of entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissCurve {
    /// Lookups.
    pub lookups: u64,
    /// `misses[n]`: misses with `n` entries; constant beyond the last index.
    pub misses: Vec<u64>,
    /// Faulting accesses whose entry was cached: exact curves have none
    /// (see `LruStack::access`).
    pub approximated: u64,
}

impl MissCurve {
    /// Misses with `entries` entries.
    pub fn misses_at(&self, entries: usize) -> u64 {
        self.misses.get(entries).or(self.misses.last()).copied().unwrap_or(0)
    }
}

/// The fully associative LRU miss curves of a trace by stack-distance
/// analysis: `[I-TLB, D-TLB]` for split TLBs, or one curve when `unified`.
pub fn lru_miss_curves(trace: &Trace, unified: bool) -> Vec<MissCurve> {
    let mut stacks: Vec<LruStack> = (0..if unified { 1 } else { 2 }).map(|_| LruStack::default()).collect();
    let mut leaves: Vec<Option<(EntryId, bool)>> = trace.keys.iter().map(leaf_of).collect();
    // A leaf the walk would refuse for lack of A/D (Svade) faults too.
    if trace.ad == Some(super::AdMode::Trap) {
        for (l, k) in leaves.iter_mut().zip(&trace.keys) {
            if let Some((_, faults)) = l {
                let leaf = k.ptes[k.path_len() - 1];
                let wanted = pte::A | if k.access() == Access::Store { pte::D } else { 0 };
                *faults |= leaf & wanted != wanted;
            }
        }
    }
    for &op in &trace.ops {
        if op & EVENT_BIT != 0 {
            if let Some(TraceEvent::Fence(f)) = trace.events.get((op & !EVENT_BIT) as usize) {
                stacks.iter_mut().for_each(|s| s.fence(*f));
            }
            continue;
        }
        let Some(key) = trace.keys.get(op as usize) else { continue };
        let unit = if unified || key.access() != Access::Fetch { stacks.len() - 1 } else { 0 };
        let (id, faults) = match leaves[op as usize] {
            Some((id, f)) => (Some(id), f),
            None => (None, true),
        };
        stacks[unit].access(id, faults);
    }
    stacks.iter().map(LruStack::curve).collect()
}
