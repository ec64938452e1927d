//! The hart: architectural state, the run loop, and the glue between
//! decode, execute, CSRs, traps and the MMU.

mod blocks;
pub mod csr;
mod execute;
mod fpu;
mod icache;
mod jit;
mod jit_compiler;
mod jit_queue;
#[cfg(test)]
mod jit_tests;
mod threaded;
pub mod trap;

use crate::bus::Bus;
use crate::mmu::{Mmu, MmuConfig};
use crate::stats::Stats;
use blocks::{Block, BlockCache};
use csr::Csrs;
use icache::DecodeCache;
use trap::irq;

/// Privilege modes (the encoding of mstatus.MPP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum Privilege {
    /// User mode.
    User = 0,
    /// Supervisor mode.
    Supervisor = 1,
    /// Machine mode (the reset mode).
    #[default]
    Machine = 3,
}

impl Privilege {
    /// Decode an MPP-style 2-bit field (2 is reserved and never stored).
    pub fn from_bits(b: u64) -> Privilege {
        match b & 3 {
            0 => Privilege::User,
            1 => Privilege::Supervisor,
            _ => Privilege::Machine,
        }
    }

    /// The letter Spike uses in its commit log (0, 1, 3).
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// Retired instructions per tick of mtime: the hart is modelled as 1 GHz at
/// one instruction per cycle against the 10 MHz timebase of QEMU virt.
pub const INSNS_PER_TICK: u64 = 100;

/// Most instructions run between two checks for interrupts and devices.
/// Devices raise their lines on the guest's MMIO accesses, which end the
/// batch, and timers set its end; so only host input waits for a batch's
/// end (16384 instructions: about 20 us).
const BATCH: u64 = 16384;

/// Traps in a row without a retired instruction that make a trap loop.
pub const TRAP_LOOP_BATCHES: u64 = 1_000_000;

/// Why [`Hart::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The retired-instruction limit was reached.
    InsnLimit,
    /// A store touched the HTIF `tohost` word.
    Htif,
    /// A device asked for power-off or reset.
    Power,
    /// WFI with no interrupt enabled that could ever wake the hart.
    Stuck,
    /// `TRAP_LOOP_BATCHES` batches in a row took a trap and retired
    /// nothing: a trap vector that itself faults, say.
    TrapLoop,
    /// The wall-clock deadline passed.
    Timeout,
}

/// Observes execution instruction by instruction (for `--trace`).
pub trait Tracer {
    /// False for the no-op tracer: the hot loop then compiles without hooks.
    const ENABLED: bool;
    /// `insn` at `pc`, executed in mode `prv`, has retired; `hart` shows
    /// the state after it.
    fn retired(&mut self, hart: &Hart, prv: Privilege, pc: u64, insn: &crate::isa::Insn);
    /// The instruction at `pc` raised `e` (about to be taken).
    fn exception(&mut self, hart: &Hart, pc: u64, e: trap::Exception);
}

/// The tracer that observes nothing.
pub struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;
    fn retired(&mut self, _: &Hart, _: Privilege, _: u64, _: &crate::isa::Insn) {}
    fn exception(&mut self, _: &Hart, _: u64, _: trap::Exception) {}
}

/// One RV64 hart with its MMU and bus.
pub struct Hart {
    /// Integer registers; x0 is kept at zero.
    pub x: [u64; 32],
    /// Floating-point registers (single-precision values NaN-boxed).
    pub f: [u64; 32],
    /// fcsr.fflags: accrued exceptions NV DZ OF UF NX.
    pub fflags: u8,
    /// fcsr.frm: dynamic rounding mode.
    pub frm: u8,
    /// The program counter.
    pub pc: u64,
    /// Current privilege mode.
    pub prv: Privilege,
    /// CSR storage.
    pub csr: Csrs,
    /// The MMU, and behind it the bus.
    pub mmu: Mmu,
    /// Trap counters.
    pub stats: Stats,
    /// Instructions retired since reset (monotonic; drives time).
    pub retired: u64,
    /// Time spent waiting in WFI, in instruction-equivalents.
    pub idle: u64,
    /// minstret = retired + instret_offset (guest writes move the offset).
    instret_offset: u64,
    /// mcycle = retired + idle + cycle_offset.
    cycle_offset: u64,
    /// The inner loop runs while `retired < batch_end`; anything that needs
    /// the slow path's attention sets it to 0.
    batch_end: u64,
    /// Set by WFI; the run loop waits for an interrupt.
    waiting: bool,
    /// Batches in a row that retired nothing (see `StopReason::TrapLoop`).
    stalled_batches: u64,
    /// With `--realtime`, when mtime was 0 on the host clock.
    realtime_start: Option<std::time::Instant>,
    /// Stop when the host clock passes this (`--timeout`); checked
    /// between batches.
    pub wall_deadline: Option<std::time::Instant>,
    icache: DecodeCache,
    blocks: BlockCache,
    /// The exception a block's instruction raised (see `threaded::TRAPPED`).
    block_exception: trap::Exception,
    /// The chain cell a compiled block left by, to link to the block run
    /// next (0: none; see `jit::ChainCell`).
    jit_link: usize,
}

impl Hart {
    /// A hart in its reset state (M-mode) at `pc`, in front of `bus`.
    pub fn new(bus: Bus, mmu: MmuConfig, pc: u64) -> Hart {
        Hart {
            x: [0; 32],
            f: [0; 32],
            fflags: 0,
            frm: 0,
            pc,
            prv: Privilege::Machine,
            csr: Csrs::reset(),
            mmu: Mmu::new(bus, mmu),
            stats: Stats::default(),
            retired: 0,
            idle: 0,
            instret_offset: 0,
            cycle_offset: 0,
            batch_end: 0,
            waiting: false,
            stalled_batches: 0,
            realtime_start: None,
            wall_deadline: None,
            icache: DecodeCache::default(),
            blocks: BlockCache::default(),
            block_exception: trap::Exception::illegal(0),
            jit_link: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn new_for_tests() -> Hart {
        let bus = Bus::new(crate::bus::Ram::new(crate::bus::RAM_BASE, 0x10000));
        Hart::new(bus, MmuConfig::default(), crate::bus::RAM_BASE)
    }

    /// The bus.
    pub fn bus(&mut self) -> &mut Bus {
        &mut self.mmu.bus
    }

    /// minstret.
    pub fn instret(&self) -> u64 {
        self.retired.wrapping_add(self.instret_offset)
    }

    /// mcycle (one cycle per instruction, plus time asleep in WFI).
    pub fn cycle(&self) -> u64 {
        self.retired.wrapping_add(self.idle).wrapping_add(self.cycle_offset)
    }

    /// The time base mtime is derived from, before the CLINT's offset:
    /// retired instructions (plus time asleep) by default, the host clock
    /// with `--realtime`.
    fn time_base(&self) -> u64 {
        match self.realtime_start {
            Some(t0) => (t0.elapsed().as_nanos() / 100) as u64,
            None => (self.retired + self.idle) / INSNS_PER_TICK,
        }
    }

    /// Compile a block to host code once it has run `after` times, where
    /// Cranelift supports the host (`None`, the default of a new hart:
    /// every block runs as threaded code), on a thread of its own
    /// (`background`) or on the hart's.
    pub fn set_jit(&mut self, after: Option<u32>, background: bool) {
        if after.is_some() {
            self.mmu.enable_compiled_data();
        }
        let touch = jit::Touches { fetch: self.mmu.fetch_touch_for_compiled_code() };
        self.blocks.set_jit(after, background, touch);
    }

    /// Tie mtime to the host clock (10 MHz from now) instead of to retired
    /// instructions. Runs are then no longer deterministic.
    pub fn use_realtime_clock(&mut self) {
        self.realtime_start = Some(std::time::Instant::now());
    }

    /// Whether Sstc is enabled for S-mode (menvcfg.STCE).
    pub(crate) fn sstc_enabled(&self) -> bool {
        self.csr.menvcfg & csr::MENVCFG_STCE != 0
    }

    /// mtime as the guest sees it.
    pub fn mtime(&self) -> u64 {
        self.mmu.bus.clint.mtime(self.time_base())
    }

    /// mip: the software-writable bits plus the lines devices drive.
    pub fn mip(&self) -> u64 {
        let clint = &self.mmu.bus.clint;
        let mut mip = self.csr.mip_sw;
        if clint.msip {
            mip |= 1 << irq::MSI;
        }
        let now = self.mtime();
        if now >= clint.mtimecmp {
            mip |= 1 << irq::MTI;
        }
        // With Sstc, STIP is the stimecmp comparison and not writable.
        if self.sstc_enabled() {
            mip &= !(1 << irq::STI);
            if now >= self.csr.stimecmp {
                mip |= 1 << irq::STI;
            }
        }
        let plic = &self.mmu.bus.plic;
        if plic.interrupt(0) {
            mip |= 1 << irq::MEI;
        }
        if plic.interrupt(1) {
            mip |= 1 << irq::SEI;
        }
        mip
    }

    /// Change privilege mode; translation and interrupt masking follow.
    pub fn set_privilege(&mut self, prv: Privilege) {
        self.prv = prv;
        self.context_changed();
    }

    /// Something that translation or interrupt enabling depends on changed
    /// (privilege, mstatus, satp).
    pub(crate) fn context_changed(&mut self) {
        self.mmu.set_context(self.prv, self.csr.mstatus, self.csr.satp);
        self.interrupts_may_change();
    }

    /// Re-check interrupts after the current instruction.
    pub(crate) fn interrupts_may_change(&mut self) {
        self.batch_end = 0;
    }

    /// mtime ticks until the earliest timer comparator that has not fired
    /// yet does (mtimecmp; stimecmp under Sstc); with `enabled_only`, only
    /// those whose interrupt is enabled in mie.
    fn ticks_to_next_timer(&self, enabled_only: bool) -> Option<u64> {
        let now = self.mtime();
        let mie = self.csr.mie;
        let mut compares = [None, None];
        if !enabled_only || mie & (1 << irq::MTI) != 0 {
            compares[0] = Some(self.mmu.bus.clint.mtimecmp);
        }
        if self.sstc_enabled() && (!enabled_only || mie & (1 << irq::STI) != 0) {
            compares[1] = Some(self.csr.stimecmp);
        }
        compares.into_iter().flatten().filter(|&c| c > now).map(|c| c - now).min()
    }

    /// The retired count at which the next timer fires, when time follows
    /// retired instructions (to end a batch exactly then).
    fn timer_deadline(&self) -> Option<u64> {
        if self.realtime_start.is_some() {
            return None;
        }
        let ticks = self.ticks_to_next_timer(false)?;
        let into_tick = (self.retired + self.idle) % INSNS_PER_TICK;
        Some(self.retired.saturating_add(ticks.saturating_mul(INSNS_PER_TICK)).saturating_sub(into_tick))
    }

    /// Run until `limit` instructions have retired in total, or an event
    /// needs the machine's attention.
    pub fn run(&mut self, limit: u64) -> StopReason {
        self.run_with(limit, &mut NoTrace)
    }

    /// [`Hart::run`], reporting every retired instruction and every trap to
    /// `tracer`. With [`NoTrace`] this compiles to the plain loop.
    pub fn run_with<T: Tracer>(&mut self, limit: u64, tracer: &mut T) -> StopReason {
        loop {
            self.mmu.bus.attention = false;
            if self.mmu.bus.tohost_written {
                self.mmu.bus.tohost_written = false;
                return StopReason::Htif;
            }
            if self.mmu.bus.power_request.is_some() {
                return StopReason::Power;
            }
            if self.wall_deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return StopReason::Timeout;
            }
            self.mmu.bus.time_base = self.time_base();
            self.mmu.bus.tick_devices();
            if let Some(i) = self.pending_interrupt() {
                self.waiting = false;
                self.take_interrupt(i);
            }
            if self.waiting {
                if self.mip() & self.csr.mie != 0 {
                    self.waiting = false; // WFI wakes on pending-and-enabled, even if masked
                } else if let Some(ticks) = self.ticks_to_next_timer(true) {
                    // Sleep until the timer fires: skip the time (default),
                    // or wait for the host clock (--realtime).
                    match self.realtime_start {
                        None => self.idle += ticks * INSNS_PER_TICK - (self.retired + self.idle) % INSNS_PER_TICK,
                        Some(_) => std::thread::sleep(std::time::Duration::from_nanos((ticks * 100).min(10_000_000))),
                    }
                    continue;
                } else if self.mmu.bus.device_can_wake() {
                    // Only host input can wake the guest: poll for it.
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    continue;
                } else {
                    self.waiting = false;
                    return StopReason::Stuck;
                }
            }
            if self.retired >= limit {
                return StopReason::InsnLimit;
            }
            let mut end = limit.min(self.retired + BATCH);
            if let Some(d) = self.timer_deadline() {
                end = end.min(d.max(self.retired + 1));
            }
            self.batch_end = end;
            let before = self.retired;
            self.run_batch(tracer);
            // A batch ends early at every trap; one that retired nothing
            // trapped on its first instruction. A guest doing only that is
            // in a trap loop that no instruction limit would end.
            if self.retired == before {
                self.stalled_batches += 1;
                if self.stalled_batches >= TRAP_LOOP_BATCHES {
                    self.stalled_batches = 0;
                    return StopReason::TrapLoop;
                }
            } else {
                self.stalled_batches = 0;
            }
        }
    }

    /// The hot loop: pre-decoded blocks from the page of the last fetch,
    /// and one instruction at a time (fetch, decode (cached), execute)
    /// everywhere else: to cross into another page, near a batch's end, and
    /// always when tracing.
    #[inline(never)]
    fn run_batch<T: Tracer>(&mut self, tracer: &mut T) {
        // The caches are moved out of the hart for the batch so that
        // execute can read decoded instructions in place (references into
        // the caches) while it mutates the hart.
        let mut icache = std::mem::replace(&mut self.icache, DecodeCache::empty());
        let mut blocks = std::mem::replace(&mut self.blocks, BlockCache::empty());
        blocks.install_compiled();
        // The chain cell the last compiled block left by, to be linked to
        // the next block if that one is compiled too.
        let mut link = jit::Link::default();
        while self.retired < self.batch_end {
            if !T::ENABLED {
                // Fetches counted already (by a fetch from a new page).
                let mut counted_first = 0;
                if self.mmu.fetch_page_offset(self.pc).is_none() {
                    // A fetch from another page: translated and counted
                    // as `step` would, after which the block there runs
                    // (its first fetch already counted). A compiled
                    // block that jumped here asked for a link across
                    // pages, which the block there may take.
                    let pc = self.pc;
                    match self.mmu.fetch(pc) {
                        Err(e) => {
                            self.take_exception(e);
                            link = jit::Link::default();
                            continue;
                        }
                        Ok(bits) if self.mmu.fetch_page_offset(pc).is_none() => {
                            self.step_fetched(&mut icache, tracer, pc, bits);
                            link = jit::Link::default();
                            continue;
                        }
                        Ok(_) => counted_first = 1,
                    }
                }
                if let Some((off, counted)) = self.mmu.fetch_page_offset(self.pc) {
                    if let Some(block) = blocks.get(&mut self.mmu.bus.ram, off, self.pc, std::mem::take(&mut link)) {
                        if block.len() as u64 <= self.batch_end - self.retired {
                            match block {
                                Block::Compiled(code, entry, _) => {
                                    self.run_compiled(code, entry, counted, counted_first);
                                    link = blocks.link_request(std::mem::take(&mut self.jit_link));
                                }
                                Block::Threaded(insns) => self.run_block(insns, counted, counted_first),
                            }
                            continue;
                        }
                    }
                    if counted_first == 1 {
                        // No block here (or none that fits the batch):
                        // the instruction fetched above, as `step` runs it.
                        let pc = self.pc;
                        let bits = self.mmu.fetch_counted_already(pc);
                        self.step_fetched(&mut icache, tracer, pc, bits);
                        continue;
                    }
                }
            }
            link = jit::Link::default();
            self.step(&mut icache, tracer);
        }
        self.icache = icache;
        self.blocks = blocks;
    }

    /// Execute `block`, which starts at `self.pc` in the fetch page and
    /// fits in the batch, up to its end, a taken branch, a trap, or a
    /// request to end the batch. Each instruction fetched is counted as the
    /// I-TLB repeat hit the per-instruction path would count (`counted`:
    /// translation on).
    #[inline(always)]
    fn run_block(&mut self, block: &[threaded::Threaded], counted: bool, counted_first: u64) {
        // `retired` is kept current before each instruction: CSR reads of
        // instret, cycle and time see it.
        let start = self.retired;
        let mut done = 0;
        let mut pc = self.pc;
        for t in block {
            self.retired = start + done;
            let next = (t.run)(self, &t.insn, pc);
            if next == threaded::TRAPPED {
                self.pc = pc;
                self.take_exception(self.block_exception);
                if counted {
                    self.mmu.count_fetch_hits(done + 1 - counted_first);
                }
                return;
            }
            done += 1;
            let sequential = next == pc.wrapping_add(t.insn.len as u64);
            pc = next;
            if !sequential || self.batch_end == 0 {
                break;
            }
        }
        self.retired = start + done;
        self.pc = pc;
        if counted {
            self.mmu.count_fetch_hits(done - counted_first);
        }
    }

    /// [`Hart::run_block`] for a compiled block: the same effects, the
    /// same counts.
    #[inline(always)]
    fn run_compiled(&mut self, code: jit::BlockCode, entry: jit::Entry, counted: bool, counted_first: u64) {
        let start = self.retired;
        let pc = self.pc;
        // SAFETY: `code` and `entry` come from the block cache's JIT, and
        // the block's bytes are still RAM's (checked by `BlockCache::get`).
        let result = unsafe { code.run(entry, self, pc) };
        let done = result & !jit::EXIT_TRAP;
        self.retired = start + done;
        if result & jit::EXIT_TRAP != 0 {
            self.take_exception(self.block_exception);
            if counted {
                self.mmu.count_fetch_hits(done + 1 - counted_first);
            }
        } else if counted {
            self.mmu.count_fetch_hits(done - counted_first);
        }
    }

    /// Execute one instruction, or take the exception it raises.
    #[inline(always)]
    fn step<T: Tracer>(&mut self, icache: &mut DecodeCache, tracer: &mut T) {
        let pc = self.pc;
        let bits = match self.mmu.fetch(pc) {
            Ok(b) => b,
            Err(e) => {
                if T::ENABLED {
                    tracer.exception(self, pc, e);
                }
                return self.take_exception(e);
            }
        };
        self.step_fetched(icache, tracer, pc, bits)
    }

    /// Execute the instruction `bits` fetched from `pc`, or take the
    /// exception it raises.
    #[inline(always)]
    fn step_fetched<T: Tracer>(&mut self, icache: &mut DecodeCache, tracer: &mut T, pc: u64, bits: u32) {
        let prv = self.prv;
        let insn = icache.get(pc, bits);
        match self.execute(insn) {
            Ok(()) => {
                self.retired += 1;
                if T::ENABLED {
                    tracer.retired(self, prv, pc, insn);
                }
            }
            Err(e) => {
                if T::ENABLED {
                    tracer.exception(self, pc, e);
                }
                self.take_exception(e)
            }
        }
    }
}
