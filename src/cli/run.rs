//! `rvmmu run`.

use super::jit_args::JitArgs;
use super::mmu_args::MmuArgs;
use super::plot::{write_svg, Line, Panel};
use super::size::parse_size;
use super::{EXIT_INSN_LIMIT, EXIT_RESET, EXIT_STUCK, EXIT_TIMEOUT};
use clap::Args;
use rvmmu_emulator::cpu::{NoTrace, Tracer};
use rvmmu_emulator::machine::{DiskConfig, VIRTIO_TRANSPORTS};
use rvmmu_emulator::mmu::record::{Recorder, TraceTotals};
use rvmmu_emulator::mmu::AdMode;
use rvmmu_emulator::profile::{Charges, FenceChecker, Profiler};
use rvmmu_emulator::report::{CostModel, Report};
use rvmmu_emulator::trace::CommitLog;
use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The RISC-V ELF program (RV64, little-endian).
    program: String,
    /// Guest RAM size, e.g. 128M or 1G.
    #[arg(long, default_value = "128M", value_parser = parse_size)]
    mem: u64,
    #[command(flatten)]
    mmu: MmuArgs,
    #[command(flatten)]
    jit: JitArgs,
    /// Stop after this many retired instructions.
    #[arg(long)]
    max_insns: Option<u64>,
    /// Stop after this many seconds of wall-clock time.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Print one line per retired instruction (Spike --log-commits format).
    #[arg(long)]
    trace: bool,
    /// Print translation and trap statistics at exit (on stderr).
    #[arg(long)]
    stats: bool,
    /// Write the statistics as JSON to FILE (schema: docs/stats.md).
    #[arg(long, value_name = "FILE")]
    stats_json: Option<String>,
    /// A disk backed by a host file, on the next virtio-mmio transport;
    /// append `,ro` for read-only. Repeatable (up to 8).
    #[arg(long, value_name = "FILE[,ro]", value_parser = parse_disk)]
    disk: Vec<DiskConfig>,
    /// Kernel command line, passed as the device tree's /chosen/bootargs.
    #[arg(long, value_name = "TEXT")]
    append: Option<String>,
    /// Tie mtime to the host clock instead of retired instructions (not
    /// deterministic).
    #[arg(long)]
    realtime: bool,
    /// Attribute TLB misses and page faults to guest pcs (with ELF symbol
    /// names) and to virtual pages; printed with --stats, and in the JSON.
    #[arg(long)]
    profile: bool,
    /// Check every TLB hit against the page table and report each use of a
    /// stale translation (a PTE changed without the sfence.vma it needs).
    #[arg(long)]
    check_fences: bool,
    /// Sample the counters every N retired instructions (see --interval-csv).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    interval: Option<u64>,
    /// Cost model: cycles per TLB hit (see docs/stats.md).
    #[arg(long, default_value_t = CostModel::default().tlb_hit)]
    cost_tlb_hit: f64,
    /// Cost model: cycles per L2 TLB hit.
    #[arg(long, default_value_t = CostModel::default().l2_hit)]
    cost_l2_hit: f64,
    /// Cost model: cycles per page-walk-cache hit.
    #[arg(long, default_value_t = CostModel::default().pwc_hit)]
    cost_pwc_hit: f64,
    /// Cost model: cycles per PTE read by the page walker.
    #[arg(long, default_value_t = CostModel::default().pte_read)]
    cost_pte_read: f64,
    /// Cost model: cycles of trap entry/return per page fault.
    #[arg(long, default_value_t = CostModel::default().trap)]
    cost_trap: f64,
    /// Record the translation stream (accesses, sfence.vma, satp changes)
    /// to FILE, for `rvmmu sweep --trace FILE` to replay through other TLBs.
    #[arg(long, value_name = "FILE")]
    record_trace: Option<String>,
    /// Where --interval writes its CSV (one row per interval, counts within it).
    #[arg(long, value_name = "FILE", default_value = "intervals.csv")]
    interval_csv: String,
    /// Also plot the --interval samples (misses and faults over time) as SVG.
    #[arg(long, value_name = "FILE", requires = "interval")]
    interval_svg: Option<String>,
}

/// Cumulative counters sampled for --interval.
#[derive(Clone, Copy, Default)]
struct Sample([u64; 9]);

impl Sample {
    const HEADER: &'static str =
        "instret_end,instret,itlb_lookups,itlb_misses,dtlb_lookups,dtlb_misses,walks,page_faults,traps,ad_updates";

    fn take(m: &Machine) -> Sample {
        let r = Report::from_machine(m);
        let tlb = |name: &str| r.tlbs.iter().find(|t| t.name == name || t.name == "tlb").map(|t| t.stats);
        let (i, d) = (tlb("itlb").unwrap_or_default(), tlb("dtlb").unwrap_or_default());
        let faults = r.exceptions[12] + r.exceptions[13] + r.exceptions[15];
        let traps: u64 = r.exceptions.iter().sum::<u64>() + r.interrupts.iter().sum::<u64>();
        Sample([
            r.instret,
            i.lookups,
            i.misses(),
            d.lookups,
            d.misses(),
            r.walk.walks,
            faults,
            traps,
            r.walk.ad_updates,
        ])
    }
}

/// Run to the end, stopping every `--interval` instructions to write a CSV
/// row of what happened within the interval.
fn drive<T: Tracer>(m: &mut Machine, a: &RunArgs, tracer: &mut T) -> Result<ExitReason, String> {
    let limit = a.max_insns.unwrap_or(u64::MAX);
    let Some(n) = a.interval else { return Ok(m.run_with(a.max_insns, tracer)) };
    let mut csv = format!("{}\n", Sample::HEADER);
    let mut rows: Vec<[u64; 10]> = Vec::new();
    let mut prev = Sample::take(m);
    let reason = loop {
        let stop = (m.hart.retired / n + 1).saturating_mul(n).min(limit);
        let reason = m.run_with(Some(stop), tracer);
        let now = Sample::take(m);
        let delta: Vec<String> = now.0.iter().zip(prev.0.iter()).map(|(a, b)| (a - b).to_string()).collect();
        csv += &format!("{},{}\n", now.0[0], delta.join(","));
        let mut row = [0u64; 10];
        row[0] = now.0[0];
        for (k, (a, b)) in now.0.iter().zip(prev.0.iter()).enumerate() {
            row[k + 1] = a - b;
        }
        rows.push(row);
        prev = now;
        if reason != ExitReason::InsnLimit || m.hart.retired >= limit {
            break reason;
        }
    };
    std::fs::write(&a.interval_csv, csv).map_err(|e| format!("cannot write {}: {e}", a.interval_csv))?;
    if let Some(path) = &a.interval_svg {
        // Columns as in Sample::HEADER: 0 instret_end, 3 itlb_misses,
        // 5 dtlb_misses, 6 walks, 7 page_faults, 8 traps.
        let line = |label: &str, col: usize| Line {
            label: label.to_string(),
            points: rows.iter().map(|r| (r[0] as f64 / 1e6, r[col] as f64)).collect(),
        };
        let name = std::path::Path::new(&a.program).file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let t1 = format!("{name}: TLB misses and walks per {n} instructions");
        let t2 = format!("{name}: page faults and traps per {n} instructions");
        let x = "instructions retired (millions)";
        write_svg(
            path,
            &[
                Panel {
                    title: &t1,
                    x_desc: x,
                    y_desc: "per interval",
                    log_x: false,
                    lines: vec![line("D-TLB misses", 5), line("I-TLB misses", 3), line("walks", 6)],
                },
                Panel {
                    title: &t2,
                    x_desc: x,
                    y_desc: "per interval",
                    log_x: false,
                    lines: vec![line("page faults", 7), line("traps", 8)],
                },
            ],
        )?;
    }
    Ok(reason)
}

/// The --check-fences report: how many stale uses, and the first ones.
fn fence_report(m: &Machine, c: &FenceChecker) -> String {
    let total = m.hart.mmu.stale_count();
    let mut o = format!("\nfence check: {total} use(s) of stale TLB entries\n");
    let rwxu = |p: u8| {
        let f = |bit: u8, ch: char| if p & bit != 0 { ch } else { '-' };
        format!("{}{}{}{}", f(2, 'r'), f(4, 'w'), f(8, 'x'), f(16, 'u'))
    };
    for u in c.uses.iter().take(20) {
        let pc = u.pc.unwrap_or(0);
        let now = match u.current {
            Some((pa, p)) => format!("page table now maps it to pa 0x{pa:x} {}", rwxu(p)),
            None => "page table now has no valid mapping".to_string(),
        };
        o += &format!(
            "  pc 0x{pc:x} ({}) {:?} va 0x{:x}: TLB had pa 0x{:x} {}; {now}\n",
            m.symbol_at(pc).unwrap_or("?"),
            u.access,
            u.va,
            u.cached.0,
            rwxu(u.cached.1)
        );
    }
    if total > 20 {
        o += &format!("  ... and {} more\n", total - 20);
    }
    o
}

/// The --profile tables: top pcs (with symbols) and top pages.
fn profile_tables(m: &Machine, p: &Profiler) -> String {
    let mut o = String::from("\ntop guest pcs by TLB misses + page faults\n");
    o += &format!("{:<18} {:<28} {:>10} {:>10} {:>8}\n", "pc", "function", "I misses", "D misses", "faults");
    for (pc, c) in Profiler::top(&p.by_pc, 15) {
        let f = m.symbol_at(pc).unwrap_or("?");
        o += &format!("0x{pc:016x} {f:<28.28} {:>10} {:>10} {:>8}\n", c.itlb_misses, c.dtlb_misses, c.page_faults);
    }
    o += "\ntop virtual pages by TLB misses + page faults\n";
    o += &format!("{:<18} {:>10} {:>10} {:>8}\n", "page", "I misses", "D misses", "faults");
    for (page, c) in Profiler::top(&p.by_page, 15) {
        o += &format!("0x{:016x} {:>10} {:>10} {:>8}\n", page << 12, c.itlb_misses, c.dtlb_misses, c.page_faults);
    }
    o
}

fn profile_json(m: &Machine, p: &Profiler) -> String {
    let entry = |addr: u64, c: &Charges, name: Option<&str>| {
        let f = name.map(|n| format!(",\"function\":\"{}\"", n.replace(['"', '\\'], "_"))).unwrap_or_default();
        format!(
            "{{\"addr\":{addr},\"itlb_misses\":{},\"dtlb_misses\":{},\"page_faults\":{}{f}}}",
            c.itlb_misses, c.dtlb_misses, c.page_faults
        )
    };
    let pcs: Vec<String> =
        Profiler::top(&p.by_pc, usize::MAX).iter().map(|(pc, c)| entry(*pc, c, m.symbol_at(*pc))).collect();
    let pages: Vec<String> =
        Profiler::top(&p.by_page, usize::MAX).iter().map(|(pg, c)| entry(pg << 12, c, None)).collect();
    format!("\"profile\":{{\"pcs\":[{}],\"pages\":[{}]}}", pcs.join(","), pages.join(","))
}

fn parse_disk(s: &str) -> Result<DiskConfig, String> {
    let (path, read_only) = match s.strip_suffix(",ro") {
        Some(p) => (p, true),
        None => (s, false),
    };
    if path.is_empty() {
        return Err("expected FILE or FILE,ro".into());
    }
    Ok(DiskConfig { path: path.to_string(), read_only })
}

/// `--record-trace FILE`: record the translation stream of `m` from now on.
pub fn start_trace(m: &mut Machine, path: &str, ad: AdMode) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create trace {path}: {e}"))?;
    let recorder =
        Recorder::new(Box::new(BufWriter::new(file)), ad).map_err(|e| format!("cannot write trace {path}: {e}"))?;
    m.hart.mmu.start_recording(recorder);
    Ok(())
}

/// End `--record-trace`: write the run's totals and close the file.
pub fn finish_trace(m: &mut Machine, path: &str) -> Result<(), String> {
    let Some(recorder) = m.hart.mmu.take_recorder() else { return Ok(()) };
    let s = &m.hart.stats;
    let page_faults = [12, 13, 15].map(|c| s.exceptions_with_cause(c));
    recorder
        .finish(TraceTotals { instret: m.hart.retired, page_faults })
        .map_err(|e| format!("cannot write trace {path}: {e}"))
}

/// Map a guest exit code onto a process exit status without letting a
/// failure wrap around to 0.
fn exit_status(code: u64) -> u8 {
    match code {
        0 => 0,
        1..=255 => code as u8,
        _ => 255,
    }
}

pub fn run(a: RunArgs) -> Result<ExitCode, String> {
    if a.disk.len() > VIRTIO_TRANSPORTS {
        return Err(format!("at most {VIRTIO_TRANSPORTS} disks (one per virtio-mmio transport)"));
    }
    let config = MachineConfig {
        mem_size: a.mem,
        mmu: a.mmu.config()?,
        disks: a.disk.clone(),
        bootargs: a.append.clone(),
        realtime: a.realtime,
        uart_stdin: true,
        jit_after: a.jit.jit_after(),
        jit_background: a.jit.jit_background(),
    };
    let mut m = Machine::from_elf_file(&a.program, &config).map_err(|e| e.to_string())?;
    if let Some(t) = a.timeout {
        let d = std::time::Duration::try_from_secs_f64(t)
            .map_err(|_| format!("--timeout {t}: expected a non-negative number of seconds"))?;
        m.hart.wall_deadline = Some(std::time::Instant::now() + d);
    }
    if [a.trace, a.profile, a.check_fences].iter().filter(|&&x| x).count() > 1 {
        return Err("--trace, --profile and --check-fences cannot be combined".into());
    }
    if let Some(path) = &a.record_trace {
        start_trace(&mut m, path, config.mmu.ad)?;
    }
    let mut profiler = Profiler::default();
    let mut checker = FenceChecker::default();
    let reason = if a.check_fences {
        m.hart.mmu.enable_fence_check();
        drive(&mut m, &a, &mut checker)?
    } else if a.trace {
        let stderr = std::io::stderr();
        let mut log = CommitLog::new(BufWriter::new(stderr.lock()));
        drive(&mut m, &a, &mut log)?
    } else if a.profile {
        drive(&mut m, &a, &mut profiler)?
    } else {
        drive(&mut m, &a, &mut NoTrace)?
    };
    let _ = std::io::stdout().flush();
    m.shutdown().map_err(|e| format!("flushing devices at exit: {e}"))?;
    if let Some(path) = &a.record_trace {
        finish_trace(&mut m, path)?;
    }
    if a.check_fences {
        err!("{}", fence_report(&m, &checker));
    }
    if a.stats || a.stats_json.is_some() {
        let report = Report::from_machine(&m);
        if a.stats {
            let model = CostModel {
                tlb_hit: a.cost_tlb_hit,
                l2_hit: a.cost_l2_hit,
                pwc_hit: a.cost_pwc_hit,
                pte_read: a.cost_pte_read,
                trap: a.cost_trap,
            };
            err!("\n{}", report.to_table_with(&model));
            if a.profile {
                err!("{}", profile_tables(&m, &profiler));
            }
        }
        if let Some(path) = &a.stats_json {
            let mut json = report.to_json();
            if a.profile {
                // Insert the profile section before the closing brace.
                let end = json.trim_end().len() - 1;
                json.replace_range(end.., &format!(",{}}}\n", profile_json(&m, &profiler)));
            }
            std::fs::write(path, json).map_err(|e| format!("cannot write {path}: {e}"))?;
        }
    }
    let status = match reason {
        ExitReason::Exited(code) => {
            if code != 0 {
                errln!("rvmmu: guest exited with code {code}");
            }
            exit_status(code)
        }
        ExitReason::InsnLimit => {
            errln!("rvmmu: stopped: instruction limit of {} reached at pc 0x{:x}", m.hart.retired, m.hart.pc);
            EXIT_INSN_LIMIT
        }
        ExitReason::Stuck { pc } => {
            errln!("rvmmu: stopped: the guest waits (wfi at 0x{pc:x}) for an interrupt that nothing can raise");
            EXIT_STUCK
        }
        ExitReason::TrapLoop { pc } => {
            errln!(
                "rvmmu: stopped: the guest traps again and again without retiring an instruction (trap vector 0x{pc:x}, \
                 mcause 0x{:x}, scause 0x{:x})",
                m.hart.csr.mcause,
                m.hart.csr.scause
            );
            EXIT_STUCK
        }
        ExitReason::Reset => {
            errln!("rvmmu: stopped: the guest asked for a reset");
            EXIT_RESET
        }
        ExitReason::Timeout => {
            errln!(
                "rvmmu: stopped: --timeout of {} s passed after {} instructions, at pc 0x{:x}",
                a.timeout.unwrap_or(0.0),
                m.hart.retired,
                m.hart.pc
            );
            EXIT_TIMEOUT
        }
    };
    Ok(ExitCode::from(status))
}
