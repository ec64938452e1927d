//! `rvmmu sweep`: run one program under many TLB designs, in parallel, and
//! tabulate the translation counters — or replay a trace recorded with
//! `rvmmu run --record-trace` through them (`--trace`), which gives the
//! same numbers far faster, and the whole fully associative LRU miss
//! curve by stack-distance analysis (`--lru-curve`). Results are printed
//! in the order the configurations were listed, whatever the number of
//! threads, and are identical from run to run (the emulator is
//! deterministic).

use super::plot::{write_svg, Line, Panel};
use super::size::parse_size;
use clap::Args;
use rvmmu_emulator::mmu::pwc::PwcConfig;
use rvmmu_emulator::mmu::record::Trace;
use rvmmu_emulator::mmu::replay::{lru_miss_curves, Replayer};
use rvmmu_emulator::mmu::tlb::{Policy, TlbConfig};
use rvmmu_emulator::mmu::{AdMode, MmuConfig};
use rvmmu_emulator::report::{CostModel, Report};
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The RISC-V ELF program (or give --trace).
    #[arg(required_unless_present = "trace", conflicts_with = "trace")]
    program: Option<String>,
    /// Replay this trace (from `rvmmu run --record-trace`) instead of
    /// running a program.
    #[arg(long, value_name = "FILE")]
    trace: Option<String>,
    /// With --trace: also compute the fully associative LRU miss curve for
    /// every TLB size in one pass; printed at powers of two, every size
    /// written to FILE as CSV.
    #[arg(long, value_name = "FILE", requires = "trace")]
    lru_curve: Option<String>,
    /// D-TLB shapes to try, comma-separated SETSxWAYS.
    #[arg(long, default_value = "4x1,8x2,16x4,32x4,64x8")]
    dtlb: String,
    /// I-TLB shape used in every run.
    #[arg(long, default_value = "8x4")]
    itlb: String,
    /// L2 TLB shapes to try, comma-separated SETSxWAYS or `none`.
    #[arg(long, default_value = "none")]
    l2tlb: String,
    /// Page-walk caches to try, comma-separated N or ROOT:MID, or `none`.
    #[arg(long, default_value = "none")]
    pwc: String,
    /// Replacement policies to try, comma-separated (lru, fifo, random, plru).
    #[arg(long, default_value = "lru")]
    tlb_policy: String,
    /// Seed of the random policy.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Guest RAM size.
    #[arg(long, default_value = "128M", value_parser = parse_size)]
    mem: u64,
    /// Per-run instruction limit (a run that reaches it is reported as such).
    #[arg(long, default_value_t = 2_000_000_000)]
    max_insns: u64,
    /// Kernel command line for the device tree's /chosen/bootargs.
    #[arg(long)]
    append: Option<String>,
    /// Worker threads (default: the machine's cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also write the table as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    csv: Option<String>,
    /// Also plot D-TLB MPKI and the estimated translation share against
    /// TLB entries, one line per policy, as an SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<String>,
}

/// One configuration's outcome.
struct Row {
    mmu: MmuConfig,
    report: Report,
    ending: String,
}

impl Row {
    /// The L2 TLB and page-walk cache, as listed (`-` for none).
    fn second_level(&self) -> (String, String) {
        let l2 = self.mmu.l2.map_or("-".into(), |c| format!("{}x{}", c.sets, c.ways));
        (l2, self.mmu.pwc.map_or("-".into(), |c| c.to_string()))
    }

    /// The line of the plot this row belongs to.
    fn series(&self, varied_l2: bool, varied_pwc: bool) -> String {
        let (l2, pwc) = self.second_level();
        let mut label = self.mmu.dtlb.policy.to_string();
        if varied_l2 {
            label += &format!(" L2 {l2}");
        }
        if varied_pwc {
            label += &format!(" PWC {pwc}");
        }
        label
    }

    fn dtlb_mpki(&self) -> f64 {
        let d = self.report.tlbs.iter().find(|t| t.name == "dtlb").map(|t| t.stats).unwrap_or_default();
        d.misses() as f64 * 1000.0 / self.report.instret.max(1) as f64
    }
}

/// A comma-separated list whose items may be `none`.
fn optional_list<T>(s: &str, what: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<Option<T>>, String> {
    list(s, what, |x| if x == "none" { Ok(None) } else { parse(x).map(Some).map_err(|e| format!("--{what} {e}")) })
}

fn list<T>(s: &str, what: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    let items: Vec<T> = s.split(',').map(|x| parse(x.trim())).collect::<Result<_, _>>()?;
    if items.is_empty() {
        return Err(format!("--{what}: give at least one value"));
    }
    Ok(items)
}

fn run_one(path: &str, program: &[u8], a: &SweepArgs, mmu: MmuConfig) -> Result<(Report, String), String> {
    let config = MachineConfig { mem_size: a.mem, mmu, bootargs: a.append.clone(), ..MachineConfig::default() };
    let mut m = Machine::from_elf_bytes(path, program, &config).map_err(|e| e.to_string())?;
    m.set_console(Box::new(std::io::sink()));
    let ending = match m.run(Some(a.max_insns)) {
        ExitReason::Exited(c) => format!("exit {c}"),
        ExitReason::InsnLimit => "insn limit".into(),
        ExitReason::Stuck { .. } => "stuck".into(),
        ExitReason::TrapLoop { .. } => "trap loop".into(),
        ExitReason::Reset => "reset".into(),
        ExitReason::Timeout => "timeout".into(),
    };
    Ok((Report::from_machine(&m), ending))
}

/// Where the sweep's numbers come from.
enum Source<'t> {
    Program { path: String, bytes: Vec<u8> },
    Trace(&'t Trace, Replayer<'t>),
}

pub fn sweep(a: SweepArgs) -> Result<ExitCode, String> {
    let policies: Vec<Policy> = list(&a.tlb_policy, "tlb-policy", |p| p.parse())?;
    let shapes: Vec<&str> = a.dtlb.split(',').map(str::trim).collect();
    let l2s = optional_list(&a.l2tlb, "l2tlb", |g| TlbConfig::parse_geometry(g, Policy::Lru, a.seed))?;
    let pwcs = optional_list(&a.pwc, "pwc", PwcConfig::parse)?;
    let mut configs = Vec::new();
    for &policy in &policies {
        for &l2 in &l2s {
            for &pwc in &pwcs {
                for shape in &shapes {
                    let dtlb = TlbConfig::parse_geometry(shape, policy, a.seed).map_err(|e| format!("--dtlb {e}"))?;
                    let itlb = TlbConfig::parse_geometry(&a.itlb, policy, a.seed).map_err(|e| format!("--itlb {e}"))?;
                    let l2 = l2.map(|c| TlbConfig { policy, ..c });
                    configs.push(MmuConfig { itlb, dtlb, unified: false, ad: AdMode::Hardware, l2, pwc });
                }
            }
        }
    }
    let trace = match &a.trace {
        Some(path) => Some(Trace::read(path)?),
        None => None,
    };
    let source = match (&a.program, &trace) {
        (_, Some(t)) => Source::Trace(t, Replayer::new(t)),
        (Some(path), None) => {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            // Fail early, once, on a program that cannot load.
            Machine::from_elf_bytes(path, &bytes, &MachineConfig { mem_size: a.mem, ..MachineConfig::default() })
                .map_err(|e| e.to_string())?;
            Source::Program { path: path.clone(), bytes }
        }
        (None, None) => return Err("give a program or --trace FILE".into()),
    };
    let name = match &source {
        Source::Program { path, .. } => path.as_str(),
        Source::Trace(..) => a.trace.as_deref().unwrap_or_default(),
    };
    let name = std::path::Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();

    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Row, String>>>> = Mutex::new((0..configs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(configs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&mmu) = configs.get(i) else { break };
                let outcome = match &source {
                    Source::Program { path, bytes } => run_one(path, bytes, &a, mmu),
                    Source::Trace(t, r) => Ok((Report::from_replay(&r.run(&mmu), &t.totals), "replay".into())),
                };
                let row = outcome.map(|(report, ending)| Row { mmu, report, ending });
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(row);
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let _ = write!(std::io::stderr(), "\rsweep: {n}/{} configurations done", configs.len());
            });
        }
    });
    errln!();

    let rows: Vec<Row> = results
        .into_inner()
        .map_err(|_| "a sweep worker failed".to_string())?
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not run".into())))
        .collect::<Result<_, _>>()?;
    let varied_l2 = l2s.iter().any(Option::is_some);
    let varied_pwc = pwcs.iter().any(Option::is_some);
    let mut table = String::new();
    let mut csv = String::from(
        "policy,sets,ways,entries,instret,dtlb_lookups,dtlb_misses,dtlb_mpki,dtlb_evictions,walks,pte_reads,itlb_misses,\
         ending,translation_cycles,translation_share,l2tlb,l2_lookups,l2_hits,pwc,pwc_hits,pte_reads_saved\n",
    );
    let _ = write!(table, "{:<7} {:>7} {:>8} ", "policy", "shape", "entries");
    if varied_l2 {
        let _ = write!(table, "{:>7} {:>10} ", "L2", "L2 hits");
    }
    if varied_pwc {
        let _ = write!(table, "{:>7} {:>10} ", "PWC", "PWC hits");
    }
    let _ = writeln!(
        table,
        "{:>12} {:>12} {:>10} {:>10} {:>12} {:>10} {:>8} {:>10}",
        "instret", "D lookups", "D misses", "D MPKI", "walks", "PTE reads", "xlat %", "ending"
    );
    for r in &rows {
        let rep = &r.report;
        let d = rep.tlbs.iter().find(|t| t.name == "dtlb").map(|t| t.stats).unwrap_or_default();
        let i = rep.tlbs.iter().find(|t| t.name == "itlb").map(|t| t.stats).unwrap_or_default();
        let l2 = rep.l2.as_ref().map(|t| t.stats).unwrap_or_default();
        let (pwc_hits, saved) = rep.pwc.map_or((0, 0), |(_, p)| (p.hits.iter().sum::<u64>(), p.reads_saved()));
        let dtlb = r.mmu.dtlb;
        let entries = dtlb.sets * dtlb.ways;
        let cost = rep.cost(&CostModel::default());
        let (l2_shape, pwc_shape) = r.second_level();
        let _ = write!(
            table,
            "{:<7} {:>7} {:>8} ",
            dtlb.policy.to_string(),
            format!("{}x{}", dtlb.sets, dtlb.ways),
            entries
        );
        if varied_l2 {
            let _ = write!(table, "{:>7} {:>10} ", l2_shape, l2.hits);
        }
        if varied_pwc {
            let _ = write!(table, "{:>7} {:>10} ", pwc_shape, pwc_hits);
        }
        let _ = writeln!(
            table,
            "{:>12} {:>12} {:>10} {:>10.3} {:>12} {:>10} {:>8.2} {:>10}",
            rep.instret,
            d.lookups,
            d.misses(),
            r.dtlb_mpki(),
            rep.walk.walks,
            rep.walk.pte_reads,
            100.0 * cost.share(),
            r.ending
        );
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{:.6},{},{},{},{},{},{:.0},{:.6},{},{},{},{},{},{}",
            dtlb.policy,
            dtlb.sets,
            dtlb.ways,
            entries,
            rep.instret,
            d.lookups,
            d.misses(),
            r.dtlb_mpki(),
            d.evictions,
            rep.walk.walks,
            rep.walk.pte_reads,
            i.misses(),
            r.ending,
            cost.translation,
            cost.share(),
            l2_shape,
            l2.lookups,
            l2.hits,
            pwc_shape,
            pwc_hits,
            saved
        );
    }
    out!("{table}");
    if let Some(path) = &a.csv {
        std::fs::write(path, csv).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    if let (Some(path), Source::Trace(t, _)) = (&a.lru_curve, &source) {
        out!("{}", lru_curve(t, path)?);
    }
    if let Some(path) = &a.svg {
        let mut labels: Vec<String> = Vec::new();
        for r in &rows {
            let l = r.series(varied_l2, varied_pwc);
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let mut mpki = Vec::new();
        let mut share = Vec::new();
        for label in labels {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.series(varied_l2, varied_pwc) == label).collect();
            let x = |r: &&Row| (r.mmu.dtlb.sets * r.mmu.dtlb.ways) as f64;
            let mut m: Vec<(f64, f64)> = mine.iter().map(|r| (x(r), r.dtlb_mpki())).collect();
            let mut c: Vec<(f64, f64)> =
                mine.iter().map(|r| (x(r), 100.0 * r.report.cost(&CostModel::default()).share())).collect();
            m.sort_by(|a, b| a.0.total_cmp(&b.0));
            c.sort_by(|a, b| a.0.total_cmp(&b.0));
            mpki.push(Line { label: label.clone(), points: m });
            share.push(Line { label, points: c });
        }
        let t1 = format!("{name}: D-TLB misses per 1000 instructions");
        let t2 = format!("{name}: estimated translation share of cycles (%)");
        write_svg(
            path,
            &[
                Panel { title: &t1, x_desc: "D-TLB entries (sets x ways)", y_desc: "MPKI", log_x: true, lines: mpki },
                Panel { title: &t2, x_desc: "D-TLB entries (sets x ways)", y_desc: "%", log_x: true, lines: share },
            ],
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The fully associative LRU miss curves of the I- and D-TLB: every size
/// in the CSV at `path`, powers of two in the returned table.
fn lru_curve(t: &Trace, path: &str) -> Result<String, String> {
    let curves = lru_miss_curves(t, false);
    let (i, d) = (&curves[0], &curves[1]);
    let largest = i.misses.len().max(d.misses.len()).max(2);
    let mpki = |m: u64| m as f64 * 1000.0 / t.totals.instret.max(1) as f64;
    let mut csv = String::from("entries,itlb_misses,itlb_mpki,dtlb_misses,dtlb_mpki\n");
    for n in 1..largest {
        let (im, dm) = (i.misses_at(n), d.misses_at(n));
        let _ = writeln!(csv, "{n},{im},{:.6},{dm},{:.6}", mpki(im), mpki(dm));
    }
    std::fs::write(path, csv).map_err(|e| format!("cannot write {path}: {e}"))?;
    let mut o = format!(
        "\nfully associative LRU, every size in one pass ({} I and {} D lookups; beyond {} entries only compulsory \
         misses remain)\n{:>8} {:>12} {:>10} {:>12} {:>10}\n",
        i.lookups,
        d.lookups,
        largest - 1,
        "entries",
        "I misses",
        "I MPKI",
        "D misses",
        "D MPKI"
    );
    let mut n = 1;
    while n < largest * 2 {
        let (im, dm) = (i.misses_at(n), d.misses_at(n));
        let _ = writeln!(o, "{n:>8} {im:>12} {:>10.3} {dm:>12} {:>10.3}", mpki(im), mpki(dm));
        n *= 2;
    }
    if i.approximated + d.approximated > 0 {
        let _ = writeln!(
            o,
            "note: {} faulting accesses hit a cached entry; the curve treats them approximately (docs/stats.md)",
            i.approximated + d.approximated
        );
    }
    Ok(o)
}
