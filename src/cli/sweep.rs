//! `rvmmu sweep`: run one program under many TLB designs, in parallel, and
//! tabulate the translation counters. Results are printed in the order the
//! configurations were listed, whatever the number of threads, and are
//! identical from run to run (the emulator is deterministic).

use super::plot::{write_svg, Line, Panel};
use super::size::parse_size;
use clap::Args;
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
    /// The RISC-V ELF program.
    program: String,
    /// D-TLB shapes to try, comma-separated SETSxWAYS.
    #[arg(long, default_value = "4x1,8x2,16x4,32x4,64x8")]
    dtlb: String,
    /// I-TLB shape used in every run.
    #[arg(long, default_value = "8x4")]
    itlb: String,
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
    dtlb: TlbConfig,
    report: Report,
    ending: String,
}

fn list<T>(s: &str, what: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    let items: Vec<T> = s.split(',').map(|x| parse(x.trim())).collect::<Result<_, _>>()?;
    if items.is_empty() {
        return Err(format!("--{what}: give at least one value"));
    }
    Ok(items)
}

fn run_one(program: &[u8], a: &SweepArgs, mmu: MmuConfig) -> Result<(Report, String), String> {
    let config = MachineConfig { mem_size: a.mem, mmu, bootargs: a.append.clone(), ..MachineConfig::default() };
    let mut m = Machine::from_elf_bytes(&a.program, program, &config).map_err(|e| e.to_string())?;
    m.set_console(Box::new(std::io::sink()));
    let ending = match m.run(Some(a.max_insns)) {
        ExitReason::Exited(c) => format!("exit {c}"),
        ExitReason::InsnLimit => "insn limit".into(),
        ExitReason::Stuck { .. } => "stuck".into(),
        ExitReason::Reset => "reset".into(),
        ExitReason::Timeout => "timeout".into(),
    };
    Ok((Report::from_machine(&m), ending))
}

pub fn sweep(a: SweepArgs) -> Result<ExitCode, String> {
    let policies: Vec<Policy> = list(&a.tlb_policy, "tlb-policy", |p| p.parse())?;
    let shapes: Vec<&str> = a.dtlb.split(',').map(str::trim).collect();
    let mut configs = Vec::new();
    for &policy in &policies {
        for shape in &shapes {
            let dtlb = TlbConfig::parse_geometry(shape, policy, a.seed).map_err(|e| format!("--dtlb {e}"))?;
            let itlb = TlbConfig::parse_geometry(&a.itlb, policy, a.seed).map_err(|e| format!("--itlb {e}"))?;
            configs.push(MmuConfig { itlb, dtlb, unified: false, ad: AdMode::Hardware });
        }
    }
    let program = std::fs::read(&a.program).map_err(|e| format!("cannot read {}: {e}", a.program))?;
    // Fail early, once, on a program that cannot load.
    Machine::from_elf_bytes(&a.program, &program, &MachineConfig { mem_size: a.mem, ..MachineConfig::default() })
        .map_err(|e| e.to_string())?;

    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Row, String>>>> = Mutex::new((0..configs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(configs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&mmu) = configs.get(i) else { break };
                let row = run_one(&program, &a, mmu).map(|(report, ending)| Row { dtlb: mmu.dtlb, report, ending });
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
    let mut table = String::new();
    let mut csv = String::from(
        "policy,sets,ways,entries,instret,dtlb_lookups,dtlb_misses,dtlb_mpki,dtlb_evictions,walks,pte_reads,itlb_misses,\
         ending,translation_cycles,translation_share\n",
    );
    let _ = writeln!(
        table,
        "{:<7} {:>7} {:>8} {:>12} {:>12} {:>10} {:>10} {:>12} {:>8} {:>10}",
        "policy", "shape", "entries", "instret", "D lookups", "D misses", "D MPKI", "walks", "xlat %", "ending"
    );
    for r in &rows {
        let rep = &r.report;
        let d = rep.tlbs.iter().find(|t| t.name == "dtlb").map(|t| t.stats).unwrap_or_default();
        let i = rep.tlbs.iter().find(|t| t.name == "itlb").map(|t| t.stats).unwrap_or_default();
        let mpki = if rep.instret == 0 { 0.0 } else { d.misses() as f64 * 1000.0 / rep.instret as f64 };
        let shape = format!("{}x{}", r.dtlb.sets, r.dtlb.ways);
        let entries = r.dtlb.sets * r.dtlb.ways;
        let cost = rep.cost(&CostModel::default());
        let _ = writeln!(
            table,
            "{:<7} {:>7} {:>8} {:>12} {:>12} {:>10} {:>10.3} {:>12} {:>8.2} {:>10}",
            r.dtlb.policy.to_string(),
            shape,
            entries,
            rep.instret,
            d.lookups,
            d.misses(),
            mpki,
            rep.walk.walks,
            100.0 * cost.share(),
            r.ending
        );
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{:.6},{},{},{},{},{},{:.0},{:.6}",
            r.dtlb.policy,
            r.dtlb.sets,
            r.dtlb.ways,
            entries,
            rep.instret,
            d.lookups,
            d.misses(),
            mpki,
            d.evictions,
            rep.walk.walks,
            rep.walk.pte_reads,
            i.misses(),
            r.ending,
            cost.translation,
            cost.share()
        );
    }
    out!("{table}");
    if let Some(path) = &a.csv {
        std::fs::write(path, csv).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    if let Some(path) = &a.svg {
        let mut mpki = Vec::new();
        let mut share = Vec::new();
        for &policy in &policies {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.dtlb.policy == policy).collect();
            let point = |r: &&Row, y: f64| ((r.dtlb.sets * r.dtlb.ways) as f64, y);
            let d_mpki = |r: &&Row| {
                let d = r.report.tlbs.iter().find(|t| t.name == "dtlb").map(|t| t.stats).unwrap_or_default();
                d.misses() as f64 * 1000.0 / r.report.instret.max(1) as f64
            };
            let mut m: Vec<(f64, f64)> = mine.iter().map(|r| point(r, d_mpki(r))).collect();
            let mut c: Vec<(f64, f64)> =
                mine.iter().map(|r| point(r, 100.0 * r.report.cost(&CostModel::default()).share())).collect();
            m.sort_by(|a, b| a.0.total_cmp(&b.0));
            c.sort_by(|a, b| a.0.total_cmp(&b.0));
            mpki.push(Line { label: policy.to_string(), points: m });
            share.push(Line { label: policy.to_string(), points: c });
        }
        let name = std::path::Path::new(&a.program).file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
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
