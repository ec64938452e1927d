//! The end-of-run statistics: gathered from the machine into one plain
//! value, printed as a table (`--stats`) or written as JSON
//! (`--stats-json`). The JSON schema is documented in docs/stats.md; the
//! names follow the project's statistics vocabulary.

use crate::devices::virtio::BlkStats;
use crate::machine::Machine;
use crate::mmu::pwc::{PwcConfig, PwcStats, MID, ROOT};
use crate::mmu::record::TraceTotals;
use crate::mmu::sv39::WalkStats;
use crate::mmu::tlb::{Tlb, TlbConfig, TlbStats};
use crate::mmu::Translator;
use crate::stats::CAUSES;
use std::fmt::Write as _;

/// Version of the JSON layout; bumped when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// Latencies of the translation cost model, in cycles (docs/stats.md).
/// The model charges one cycle per retired instruction, `tlb_hit` per L1
/// TLB lookup that hits, `l2_hit` per L2 TLB hit, `pwc_hit` per page-walk
/// cache hit, `pte_read` per PTE the walker reads, and `trap` per page fault
/// taken (the handler's own instructions are already counted as
/// instructions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostModel {
    /// Cycles an L1 TLB hit adds.
    pub tlb_hit: f64,
    /// Cycles an L2 TLB hit adds.
    pub l2_hit: f64,
    /// Cycles a page-walk-cache hit adds.
    pub pwc_hit: f64,
    /// Cycles per PTE read by the walker (a memory access).
    pub pte_read: f64,
    /// Cycles of trap entry and return per page fault.
    pub trap: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel { tlb_hit: 0.0, l2_hit: 8.0, pwc_hit: 2.0, pte_read: 30.0, trap: 40.0 }
    }
}

/// What the cost model estimates for a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostEstimate {
    /// Cycles spent translating (hits, walks, page-fault traps).
    pub translation: f64,
    /// Translation plus one cycle per instruction.
    pub total: f64,
}

impl CostEstimate {
    /// Translation's share of the total, 0..=1.
    pub fn share(&self) -> f64 {
        if self.total == 0.0 {
            0.0
        } else {
            self.translation / self.total
        }
    }
}

/// One TLB's shape and counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlbReport {
    /// `itlb`, `dtlb`, `tlb` (unified) or `l2tlb`.
    pub name: &'static str,
    /// Shape and policy.
    pub config: TlbConfig,
    /// Counters.
    pub stats: TlbStats,
}

/// Everything `--stats` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Retired instructions.
    pub instret: u64,
    /// The L1 TLBs (one when unified).
    pub tlbs: Vec<TlbReport>,
    /// The L2 TLB, when configured.
    pub l2: Option<TlbReport>,
    /// The page-walk cache, when configured.
    pub pwc: Option<(PwcConfig, PwcStats)>,
    /// Page-walk counters.
    pub walk: WalkStats,
    /// Exceptions by cause (summed over modes).
    pub exceptions: [u64; CAUSES],
    /// Exceptions by mode taken from (U, S, M) and cause.
    pub exceptions_by_mode: [[u64; CAUSES]; 3],
    /// Interrupts by number (summed over modes).
    pub interrupts: [u64; CAUSES],
    /// Per disk, in `--disk` order.
    pub disks: Vec<BlkStats>,
}

const MODES: [(&str, usize); 3] = [("U", 0), ("S", 1), ("M", 3)];

/// Exception names (privileged spec table "mcause values").
pub fn cause_name(cause: usize) -> &'static str {
    match cause {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store/AMO address misaligned",
        7 => "store/AMO access fault",
        8 => "ecall from U",
        9 => "ecall from S",
        11 => "ecall from M",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store/AMO page fault",
        _ => "reserved",
    }
}

impl Report {
    /// Gather the counters of `m`.
    pub fn from_machine(m: &Machine) -> Report {
        let s = &m.hart.stats;
        let mut exceptions = [0; CAUSES];
        let mut interrupts = [0; CAUSES];
        let mut exceptions_by_mode = [[0; CAUSES]; 3];
        for c in 0..CAUSES {
            exceptions[c] = s.exceptions_with_cause(c);
            interrupts[c] = s.interrupts.iter().map(|m| m[c]).sum();
            for (i, (_, prv)) in MODES.iter().enumerate() {
                exceptions_by_mode[i][c] = s.exceptions[*prv][c];
            }
        }
        Report {
            exceptions,
            exceptions_by_mode,
            interrupts,
            disks: m.disk_stats(),
            ..Report::translation(m.hart.mmu.translator(), m.hart.retired)
        }
    }

    /// The counters of a trace replay (`rvmmu sweep --trace`): the TLBs and
    /// walks of the replay, the instructions and page faults of the
    /// recorded run.
    pub fn from_replay(tr: &Translator, totals: &TraceTotals) -> Report {
        let mut r = Report::translation(tr, totals.instret);
        for (cause, n) in [12, 13, 15].into_iter().zip(totals.page_faults) {
            r.exceptions[cause] = n;
        }
        r
    }

    /// The translation counters of `tr`, everything else zero.
    fn translation(tr: &Translator, instret: u64) -> Report {
        let report = |name, t: &Tlb| TlbReport { name, config: t.config(), stats: t.stats };
        let tlbs = if tr.is_unified() {
            vec![report("tlb", tr.dtlb())]
        } else {
            vec![report("itlb", tr.itlb()), report("dtlb", tr.dtlb())]
        };
        Report {
            instret,
            tlbs,
            l2: tr.l2tlb().map(|t| report("l2tlb", t)),
            pwc: tr.pwc().map(|p| (p.config(), p.stats)),
            walk: tr.walk_stats,
            exceptions: [0; CAUSES],
            exceptions_by_mode: [[0; CAUSES]; 3],
            interrupts: [0; CAUSES],
            disks: Vec::new(),
        }
    }

    /// The estimated cost of translation under `model`.
    pub fn cost(&self, model: &CostModel) -> CostEstimate {
        let hits: u64 = self.tlbs.iter().map(|t| t.stats.hits).sum();
        let faults = self.exceptions[12] + self.exceptions[13] + self.exceptions[15];
        let l2_hits = self.l2.as_ref().map_or(0, |t| t.stats.hits);
        let pwc_hits = self.pwc.map_or(0, |(_, s)| s.hits[ROOT] + s.hits[MID]);
        let translation = hits as f64 * model.tlb_hit
            + l2_hits as f64 * model.l2_hit
            + pwc_hits as f64 * model.pwc_hit
            + self.walk.pte_reads as f64 * model.pte_read
            + faults as f64 * model.trap;
        CostEstimate { translation, total: self.instret as f64 + translation }
    }

    /// Misses per thousand retired instructions.
    fn mpki(&self, misses: u64) -> f64 {
        if self.instret == 0 {
            0.0
        } else {
            misses as f64 * 1000.0 / self.instret as f64
        }
    }

    /// The readable table printed by `--stats`, with the default cost model.
    pub fn to_table(&self) -> String {
        self.to_table_with(&CostModel::default())
    }

    /// The readable table, with translation cost estimated by `model`.
    pub fn to_table_with(&self, model: &CostModel) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "instructions retired   {}", self.instret);
        let c = self.cost(model);
        let _ = writeln!(
            o,
            "estimated translation cost {:.0} of {:.0} cycles ({:.1}%)  [model: hit {}, L2 hit {}, PWC hit {}, PTE \
             read {}, fault trap {} cycles; 1 cycle/instruction]",
            c.translation,
            c.total,
            100.0 * c.share(),
            model.tlb_hit,
            model.l2_hit,
            model.pwc_hit,
            model.pte_read,
            model.trap
        );
        let _ = writeln!(
            o,
            "\n{:<6} {:>8} {:>12} {:>12} {:>10} {:>8} {:>10} {:>8}",
            "tlb", "shape", "lookups", "hits", "misses", "MPKI", "evictions", "flushes"
        );
        for t in self.tlbs.iter().chain(&self.l2) {
            let shape = format!("{}x{} {}", t.config.sets, t.config.ways, t.config.policy);
            let _ = writeln!(
                o,
                "{:<6} {:>8} {:>12} {:>12} {:>10} {:>8.3} {:>10} {:>8}",
                t.name,
                shape,
                t.stats.lookups,
                t.stats.hits,
                t.stats.misses(),
                self.mpki(t.stats.misses()),
                t.stats.evictions,
                t.stats.total_flushes()
            );
        }
        let w = &self.walk;
        let per_walk = if w.walks == 0 { 0.0 } else { w.pte_reads as f64 / w.walks as f64 };
        let _ = writeln!(
            o,
            "\npage walks {} ({} to set D)  PTE reads {} ({:.2}/walk)  leaves: 4K {} 2M {} 1G {}  faulting walks {}  A/D \
             updates {}",
            w.walks,
            w.dirty_walks,
            w.pte_reads,
            per_walk,
            w.walks_by_level[0],
            w.walks_by_level[1],
            w.walks_by_level[2],
            w.walk_faults,
            w.ad_updates
        );
        if let Some((c, p)) = &self.pwc {
            let rate = |i: usize| if p.lookups[i] == 0 { 0.0 } else { 100.0 * p.hits[i] as f64 / p.lookups[i] as f64 };
            let _ = writeln!(
                o,
                "page-walk cache {c}: root-level hits {}/{} ({:.1}%)  mid-level hits {}/{} ({:.1}%)  PTE reads \
                 saved {}  flushed {}",
                p.hits[ROOT],
                p.lookups[ROOT],
                rate(ROOT),
                p.hits[MID],
                p.lookups[MID],
                rate(MID),
                p.reads_saved(),
                p.entries_flushed
            );
        }
        let pf = |c: usize| self.exceptions[c];
        let _ = writeln!(o, "page faults: fetch {}  load {}  store/AMO {}", pf(12), pf(13), pf(15));
        let traps: Vec<usize> = (0..CAUSES).filter(|&c| self.exceptions[c] > 0).collect();
        if !traps.is_empty() {
            let _ = writeln!(o, "\n{:<32} {:>10} {:>10} {:>10}", "exceptions by cause, from", "U", "S", "M");
            for c in traps {
                let by = |i: usize| self.exceptions_by_mode[i][c];
                let _ = writeln!(o, "{:<32} {:>10} {:>10} {:>10}", cause_name(c), by(0), by(1), by(2));
            }
        }
        let irqs: Vec<String> =
            (0..CAUSES).filter(|&c| self.interrupts[c] > 0).map(|c| format!("{c}:{}", self.interrupts[c])).collect();
        if !irqs.is_empty() {
            let _ = writeln!(o, "interrupts (number:count) {}", irqs.join(" "));
        }
        for (i, d) in self.disks.iter().enumerate() {
            let _ = writeln!(
                o,
                "disk {i}: requests {}  sectors read {}  sectors written {}  flushes {}  errors {}",
                d.requests, d.sectors_read, d.sectors_written, d.flushes, d.errors
            );
        }
        o
    }

    /// The same numbers as JSON (schema in docs/stats.md).
    pub fn to_json(&self) -> String {
        let mut o = String::new();
        let _ = write!(o, "{{\"schema\":{SCHEMA_VERSION},\"instret\":{}", self.instret);
        for t in self.tlbs.iter().chain(&self.l2) {
            let s = &t.stats;
            let _ = write!(
                o,
                ",\"{}\":{{\"sets\":{},\"ways\":{},\"policy\":\"{}\",\"lookups\":{},\"hits\":{},\"misses\":{},\
                 \"evictions\":{},\"flushes\":{},\"flushes_by_kind\":{{\"all\":{},\"asid\":{},\"addr\":{},\
                 \"addr_asid\":{}}},\"entries_flushed\":{}}}",
                t.name,
                t.config.sets,
                t.config.ways,
                t.config.policy,
                s.lookups,
                s.hits,
                s.misses(),
                s.evictions,
                s.total_flushes(),
                s.flushes[0],
                s.flushes[1],
                s.flushes[2],
                s.flushes[3],
                s.entries_flushed
            );
        }
        let w = &self.walk;
        let _ = write!(
            o,
            ",\"walks\":{},\"pte_reads\":{},\"walks_by_level\":{{\"0\":{},\"1\":{},\"2\":{}}},\"walk_faults\":{},\
             \"ad_updates\":{},\"dirty_walks\":{}",
            w.walks,
            w.pte_reads,
            w.walks_by_level[0],
            w.walks_by_level[1],
            w.walks_by_level[2],
            w.walk_faults,
            w.ad_updates,
            w.dirty_walks
        );
        if let Some((c, p)) = &self.pwc {
            let _ = write!(
                o,
                ",\"pwc\":{{\"entries\":{{\"root\":{},\"mid\":{}}},\"lookups\":{{\"root\":{},\"mid\":{}}},\
                 \"hits\":{{\"root\":{},\"mid\":{}}},\"fills\":{{\"root\":{},\"mid\":{}}},\"entries_flushed\":{},\
                 \"pte_reads_saved\":{}}}",
                c.entries[ROOT],
                c.entries[MID],
                p.lookups[ROOT],
                p.lookups[MID],
                p.hits[ROOT],
                p.hits[MID],
                p.fills[ROOT],
                p.fills[MID],
                p.entries_flushed,
                p.reads_saved()
            );
        }
        let _ = write!(
            o,
            ",\"page_faults\":{{\"12\":{},\"13\":{},\"15\":{}}}",
            self.exceptions[12], self.exceptions[13], self.exceptions[15]
        );
        let by_cause = |counts: &[u64; CAUSES]| {
            (0..CAUSES)
                .filter(|&c| counts[c] > 0)
                .map(|c| format!("\"{c}\":{}", counts[c]))
                .collect::<Vec<_>>()
                .join(",")
        };
        let _ = write!(o, ",\"traps\":{{\"by_cause\":{{{}}},\"by_mode\":{{", by_cause(&self.exceptions));
        let modes: Vec<String> = MODES
            .iter()
            .enumerate()
            .map(|(i, (name, _))| format!("\"{name}\":{{{}}}", by_cause(&self.exceptions_by_mode[i])))
            .collect();
        let _ = write!(o, "{}}}}}", modes.join(","));
        let _ = write!(o, ",\"interrupts\":{{{}}}", by_cause(&self.interrupts));
        let disks: Vec<String> = self
            .disks
            .iter()
            .map(|d| {
                format!(
                    "{{\"requests\":{},\"sectors_read\":{},\"sectors_written\":{},\"flushes\":{},\"errors\":{}}}",
                    d.requests, d.sectors_read, d.sectors_written, d.flushes, d.errors
                )
            })
            .collect();
        let _ = write!(o, ",\"disks\":[{}]}}", disks.join(","));
        o.push('\n');
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::tlb::Policy;

    #[test]
    fn cost_model_arithmetic() {
        let config = TlbConfig { sets: 1, ways: 1, policy: Policy::Lru, seed: 0 };
        let stats = TlbStats { lookups: 1000, hits: 900, ..TlbStats::default() };
        let mut exceptions = [0; CAUSES];
        exceptions[13] = 2;
        exceptions[15] = 3;
        exceptions[8] = 7; // ecalls are not page faults
        let r = Report {
            instret: 10_000,
            tlbs: vec![TlbReport { name: "dtlb", config, stats }],
            l2: None,
            pwc: None,
            walk: WalkStats { walks: 100, pte_reads: 300, ..WalkStats::default() },
            exceptions,
            exceptions_by_mode: [[0; CAUSES]; 3],
            interrupts: [0; CAUSES],
            disks: Vec::new(),
        };
        let c = r.cost(&CostModel { tlb_hit: 1.0, pte_read: 30.0, trap: 40.0, ..CostModel::default() });
        assert_eq!(c.translation, 900.0 + 300.0 * 30.0 + 5.0 * 40.0);
        assert_eq!(c.total, 10_000.0 + c.translation);
        assert!((c.share() - c.translation / c.total).abs() < 1e-12);
        assert!(r.to_table().contains("estimated translation cost"));
    }
}
