//! A just-in-time compiler for hot pre-decoded blocks (Cranelift).
//!
//! A block that has run often enough (`MachineConfig::jit_after`) is compiled to one host
//! function with exactly the block's semantics (see `blocks.rs`): the same
//! instructions, the same side exits on taken branches, the same stop
//! after any instruction that ends the batch, the same trap behaviour.
//! What changes is where the work happens:
//!
//! - integer computations, branches, jumps, LUI and AUIPC are host
//!   instructions; a guest register read once stays in a host register
//!   for the rest of the block;
//! - registers written stay in host registers and are stored to `Hart::x`
//!   on the way out: before each exit and before each helper call (which
//!   may trap or read them);
//! - loads and stores to RAM that need no translation or hit a D-TLB
//!   remembered entry that serves compiled code (one compare and a host
//!   address; such a hit changes no replacement state, see `Translator`)
//!   are host accesses, counted as `Translator::translate` counts them;
//!   every other access calls a helper that goes through
//!   `Mmu::load`/`Mmu::store`, the interpreter's own translation, TLB
//!   model and counters;
//! - exits jump straight into the next compiled block once linked, after
//!   the checks the Rust loop makes (see [`ChainCell`]); a branch back to
//!   one of the block's own instructions goes round inside the function
//!   after the same checks (`Emitter::loop_back`), guest registers being
//!   Cranelift variables that stay in host registers across passes; a
//!   branch forward to a later instruction of the block (over an `if`'s
//!   body) jumps there within the function, the skipped instructions not
//!   retiring; a JAL inside a block (a trace, see `blocks.rs`) just goes
//!   on, and a block whose way runs into its own code loops there;
//! - every other operation (F/D, CSR, fences, AMOs, system) calls the
//!   instruction's threaded handler, as the threaded loop does.
//!
//! The compiled function takes the hart and the pc of the block's first
//! instruction (the same physical code may be mapped at several virtual
//! addresses) and returns how many instructions retired, with
//! [`EXIT_TRAP`] set when the next one raised the exception left in
//! `Hart::block_exception`; it leaves `Hart::pc` at the next instruction
//! (or at the one that trapped).
//!
//! `jit_compiler.rs` turns the IR built here into code and owns the code
//! memory; where and when blocks get compiled (on a thread of their own
//! by default) is `jit_queue.rs`'s business.
//!
//! (One file of about 1,310 lines: the emitter, the helpers it calls and
//! the chain cells share one calling contract, `Meta`, the exit codes and
//! the MMU offsets, and read best together.)

use super::execute::{alu, load_size, loaded};
use super::threaded::{alu_like, Threaded, TRAPPED};
use super::Hart;
use crate::bus::Ram;
use crate::isa::{Insn, Op};
use crate::mmu::{Mmu, Translator, NO_RESERVATION};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, Signature, Value};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::mem::offset_of;

const PAGE_SIZE: usize = 4096;

/// Loads and stores to RAM are compiled as host accesses where the host
/// is little-endian like RISC-V; elsewhere they all go through helpers.
const FAST_DATA: bool = cfg!(target_endian = "little");

/// A compiled block, in Cranelift's tail-call convention (so that
/// blocks can jump to each other): `(hart, pc, start, retired) -> retired
/// | EXIT_TRAP`, where `start` is `Hart::retired` when Rust entered the
/// chain and `retired` the instructions the chain retired before this
/// block. Rust enters it through an [`Entry`] trampoline.
#[derive(Clone, Copy)]
pub(super) struct BlockCode(pub(super) usize);

/// The trampoline from Rust into a chain of compiled blocks:
/// `(code, hart, pc, start) -> retired | EXIT_TRAP`.
pub(super) type Entry = unsafe extern "C" fn(usize, *mut Hart, u64, u64) -> u64;

impl BlockCode {
    /// Run the block at `pc` with `hart` (whose `retired` is the chain's
    /// start).
    ///
    /// # Safety
    /// `self` and `entry` come from the same live [`Jit`], and the block's
    /// bytes are still RAM's (checked by `BlockCache::get`).
    pub unsafe fn run(self, entry: Entry, hart: &mut Hart, pc: u64) -> u64 {
        let start = hart.retired;
        // SAFETY: as the caller guarantees; the code borrows the hart
        // exclusively until it returns.
        unsafe { entry(self.0, hart as *mut Hart, pc, start) }
    }
}

/// Where a block's exit keeps the target's compiled code once known
/// (written by `BlockCache::get` when Rust next dispatches to it): the
/// exit then jumps straight there, after the checks the Rust loop would
/// make (same fetch page, or a new one whose fetch is a repeat hit;
/// unchanged code; room left in the batch).
#[repr(C)]
pub(super) struct ChainCell {
    /// The target's code (0: not linked yet).
    code: u64,
    /// The page's write stamp when linked; the link holds while it is
    /// unchanged (stamps only grow).
    stamp: u64,
    /// The target's length in instructions.
    len: u64,
    /// The target's pc (what an exit to another page, or an indirect
    /// jump's, compares).
    pc: u64,
    /// RAM offset of the target's page (what an exit to another page
    /// compares with its translation of the target).
    ram_off: u64,
}

impl ChainCell {
    pub(super) const EMPTY: ChainCell = ChainCell { code: 0, stamp: 0, len: 0, pc: 1, ram_off: u64::MAX };
}

/// A request to link a chain cell, valid while the JIT's generation is
/// unchanged.
#[derive(Clone, Copy, Default)]
pub(super) struct Link {
    pub cell: usize,
    pub generation: u64,
}

/// Set in a compiled block's result when the instruction after the
/// retired ones raised an exception.
pub(super) const EXIT_TRAP: u64 = 1 << 63;

/// A helper's word about one instruction, packed into one argument:
/// its index in the block, its length and (for loads) rd.
#[derive(Clone, Copy)]
struct Meta(u64);

impl Meta {
    fn new(index: usize, insn: &Insn) -> Meta {
        Meta(index as u64 | (insn.len as u64) << 8 | (insn.rd as u64 & 31) << 16)
    }
    fn index(self) -> u64 {
        self.0 & 0xff
    }
    fn len(self) -> u64 {
        (self.0 >> 8) & 0xff
    }
    fn rd(self) -> usize {
        (self.0 >> 16) as usize & 31
    }
}

/// What a helper returns to the compiled code after an instruction at
/// `pc` that did not trap: 0 to go on, or the block's result when the
/// instruction ended the batch or jumped (`Hart::pc` then set).
#[inline(always)]
fn after(h: &mut Hart, pc: u64, next: u64, m: Meta) -> u64 {
    if next != pc.wrapping_add(m.len()) || h.batch_end == 0 {
        h.pc = next;
        m.index() + 1
    } else {
        0
    }
}

/// The block's result for an instruction at `pc` that raised `e`.
#[inline(always)]
fn trap(h: &mut Hart, pc: u64, m: Meta, e: super::trap::Exception) -> u64 {
    h.block_exception = e;
    h.pc = pc;
    m.index() | EXIT_TRAP
}

/// LB..LWU: load into rd (in `Hart::x`; the compiled code reloads it).
unsafe extern "C" fn load_helper<const SIZE: u8, const SIGNED: bool>(h: *mut Hart, addr: u64, pc: u64, m: u64) -> u64 {
    // SAFETY: compiled blocks are only called by `Hart::run_compiled`
    // with the hart it holds exclusively.
    let h = unsafe { &mut *h };
    let m = Meta(m);
    h.mmu.prefetch_guess(addr);
    let result = match h.mmu.load_quickly(addr, SIZE) {
        Some(r) => r,
        None => h.mmu.load(addr, SIZE).inspect(|_| h.mmu.remember_for_compiled_code(addr)),
    };
    match result {
        Ok(v) => {
            h.after_access();
            h.x[m.rd()] = loaded(v, SIZE, SIGNED);
            h.x[0] = 0;
            after(h, pc, pc.wrapping_add(m.len()), m)
        }
        Err(e) => trap(h, pc, m, e),
    }
}

/// SB..SD.
unsafe extern "C" fn store_helper<const SIZE: u8>(h: *mut Hart, addr: u64, value: u64, pc: u64, m: u64) -> u64 {
    // SAFETY: as in `load_helper`.
    let h = unsafe { &mut *h };
    let m = Meta(m);
    let result = match h.mmu.store_quickly(addr, SIZE, value) {
        Some(r) => r,
        None => h.mmu.store(addr, SIZE, value).inspect(|_| h.mmu.remember_for_compiled_code(addr)),
    };
    match result {
        Ok(()) => {
            h.after_access();
            after(h, pc, pc.wrapping_add(m.len()), m)
        }
        Err(e) => trap(h, pc, m, e),
    }
}

/// Any other instruction, through its threaded handler; `retired` is the
/// count before it (CSR reads of instret, cycle and time see it).
unsafe extern "C" fn threaded_helper(h: *mut Hart, t: *const Threaded, pc: u64, m: u64, retired: u64) -> u64 {
    // SAFETY: as in `load_helper`; `t` points into the block pool, which
    // outlives the compiled code (both are dropped together).
    let (h, t) = unsafe { (&mut *h, &*t) };
    let m = Meta(m);
    h.retired = retired;
    let next = (t.run)(h, &t.insn, pc);
    if next == TRAPPED {
        let e = h.block_exception;
        return trap(h, pc, m, e);
    }
    after(h, pc, next, m)
}

/// Division and remainder (their corner cases are `alu`'s).
extern "C" fn divide_helper(op: u64, a: u64, b: u64) -> u64 {
    alu(Op::ALL[op as usize & 0xff], a, b)
}

/// What a block's code knows of its page and of RAM.
pub(super) struct Page {
    /// RAM: guest physical base, size, host address of its bytes and of
    /// its per-page write counts.
    ram_base: u64,
    ram_len: u64,
    ram_host: *mut u8,
    ram_page_writes: *mut u64,
    /// The block's offset in its page.
    pub(super) in_page: i64,
    /// RAM offset of the page.
    pub(super) ram_off: usize,
    /// How remembered I-TLB hits touch their entries.
    touch: Touches,
}

/// How compiled code touches a remembered entry of the I-TLB that it hits
/// (`None`: it leaves such hits to Rust; see
/// `Tlb::touch_for_compiled_code`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Touches {
    pub fetch: Option<Option<*mut u64>>,
}

impl Page {
    /// For a block at offset `off` of `ram` (`touch`: from the MMU of the
    /// hart that runs it).
    pub fn new(ram: &mut Ram, off: usize, touch: Touches) -> Page {
        let (ram_host, ram_page_writes) = ram.host_parts();
        Page {
            ram_base: ram.base(),
            ram_len: ram.len(),
            ram_host,
            ram_page_writes,
            in_page: (off % PAGE_SIZE) as i64,
            ram_off: off - off % PAGE_SIZE,
            touch,
        }
    }
}

/// Link the chain cell of `link` to `code` (a block of `len`
/// instructions at `pc`, RAM offset `off`, whose page's write stamp is
/// `stamp`).
///
/// # Safety
/// `link.cell` is a cell of a compiler's current generation (checked by
/// the caller against `link.generation`), which only that compiler's
/// `clear` frees, and nothing else holds a reference to it.
pub(super) unsafe fn link_cell(link: Link, code: BlockCode, len: usize, stamp: u64, pc: u64, off: usize) {
    // SAFETY: as the caller guarantees.
    let cell = unsafe { &mut *(link.cell as *mut ChainCell) };
    let ram_off = (off - off % PAGE_SIZE) as u64;
    *cell = ChainCell { code: code.0 as u64, stamp, len: len as u64, pc, ram_off };
}

/// The signature of compiled blocks.
pub(super) fn block_signature(ptr: types::Type) -> Signature {
    signature(CallConv::Tail, &[ptr, types::I64, types::I64, types::I64])
}

/// A signature of integer parameters returning one i64.
pub(super) fn signature(call_conv: CallConv, params: &[types::Type]) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// The registers (not x0) that `insns` write.
fn written_in(insns: &[Threaded]) -> u32 {
    insns.iter().fold(0u32, |w, t| w | 1 << (t.insn.rd & 31)) & !1
}

/// Guest registers as SSA values within one compiled block.
struct Emitter<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    hart: Value,
    /// The block's pc and the chain's start.
    pc0: Value,
    start: Value,
    /// Instructions the chain retired before this pass through the block
    /// began (a variable: a loop within the block adds each pass).
    acc: Variable,
    /// Each guest register's value, as a variable (SSA across the block's
    /// loops), meaningful for the registers in `known`: those read or
    /// written on every path here.
    regs: [Variable; 32],
    known: u32,
    /// Registers written in the block and perhaps not yet in `Hart::x`
    /// (more is harmless: a write-back then stores the value it holds).
    dirty: u32,
    /// Whether a threaded handler has been called on the way here.
    called_handler: bool,
    /// D-TLB hits taken by compiled code and not yet added to the
    /// counters (nothing reads them while a block runs): added once per
    /// exit instead of once per access, which would chain every access
    /// through a read-modify-write of memory.
    pending_hits: Variable,
    /// Whether `pending_hits` may be nonzero on some path here (no
    /// counters to update before the first data access).
    may_have_hits: bool,
    ptr: types::Type,
    /// `Mmu`'s `ctx.data_on` as the block was entered (nonzero: loads and
    /// stores are translated).
    data_on: Value,
}

/// An `Emitter`'s knowledge on one way into a join.
struct PathState {
    known: u32,
    dirty: u32,
    called_handler: bool,
    may_have_hits: bool,
}

const FLAGS: MemFlagsData = MemFlagsData::trusted();

fn x_offset(r: u8) -> i32 {
    (offset_of!(Hart, x) + 8 * (r as usize & 31)) as i32
}

const PC_OFFSET: i32 = offset_of!(Hart, pc) as i32;
const LINK_OFFSET: i32 = offset_of!(Hart, jit_link) as i32;
const BATCH_END_OFFSET: i32 = offset_of!(Hart, batch_end) as i32;
const BULK_WRITES_OFFSET: i32 = (offset_of!(Hart, mmu.bus.ram) + Ram::BULK_WRITES_OFFSET) as i32;
const FETCH_BASE_OFFSET: i32 = (offset_of!(Hart, mmu) + Mmu::FETCH_PAGE_BASE_OFFSET) as i32;
const FETCH_RAM_OFF_OFFSET: i32 = (offset_of!(Hart, mmu) + Mmu::FETCH_PAGE_RAM_OFF_OFFSET) as i32;

impl Emitter<'_, '_> {
    fn read(&mut self, r: u8) -> Value {
        let r = r & 31;
        if r == 0 {
            return self.b.ins().iconst(types::I64, 0);
        }
        if self.known & 1 << r != 0 {
            return self.b.use_var(self.regs[r as usize]);
        }
        self.reload(r)
    }

    /// Read register `r` (not x0) from `Hart::x`, where a helper may have
    /// written it.
    fn reload(&mut self, r: u8) -> Value {
        let r = r & 31;
        let v = self.b.ins().load(types::I64, FLAGS, self.hart, x_offset(r));
        self.b.def_var(self.regs[r as usize], v);
        self.known |= 1 << r;
        v
    }

    /// Give every register in `regs` (not x0) a value on the path being
    /// built, loading those not yet known, so that a way into a join or a
    /// loop header defines them.
    fn define(&mut self, regs: u32) {
        for r in 1..32u8 {
            if regs & !self.known & 1 << r != 0 {
                self.reload(r);
            }
        }
    }

    /// Make a loop's header at the instruction being emitted, for a loop
    /// whose instructions name the registers in `used` and write those in
    /// `written`: each register it uses gets its value on entry first,
    /// so that its variable is defined on every way into the header.
    fn loop_header(&mut self, header: Block, used: u32, written: u32) {
        self.define(used);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        self.dirty |= written;
    }

    /// rd := v, in a host register only: `Hart::x` is written back by
    /// [`Emitter::write_back`] before anything that reads it.
    fn write(&mut self, r: u8, v: Value) {
        let r = r & 31;
        if r != 0 {
            self.b.def_var(self.regs[r as usize], v);
            self.known |= 1 << r;
            self.dirty |= 1 << r;
        }
    }

    /// Store every register written since the last write-back to
    /// `Hart::x` (on the path being built: before a helper call or an
    /// exit). The registers stay marked as written for the other paths.
    fn write_back(&mut self) {
        for r in 1..32 {
            if self.dirty & self.known & 1 << r != 0 {
                let v = self.b.use_var(self.regs[r]);
                self.b.ins().store(FLAGS, v, self.hart, x_offset(r as u8));
            }
        }
    }

    /// Add the pending D-TLB hits to the D-TLB's lookups and hits (on the
    /// path being built, an exit).
    fn count_pending_hits(&mut self) {
        if !self.may_have_hits {
            return;
        }
        let f = Mmu::DATA_FAST_PATH;
        let pending = self.b.use_var(self.pending_hits);
        for counter in [f.lookups, f.hits] {
            let at = (offset_of!(Hart, mmu) + counter) as i32;
            let n = self.load_hart(at);
            let n = self.b.ins().iadd(n, pending);
            self.b.ins().store(FLAGS, n, self.hart, at);
        }
    }

    /// The chain's instructions retired once `n` of this pass's have.
    fn retired(&mut self, n: usize) -> Value {
        let acc = self.b.use_var(self.acc);
        self.b.ins().iadd_imm_s(acc, n as i64)
    }

    fn load_hart(&mut self, offset: i32) -> Value {
        self.b.ins().load(types::I64, FLAGS, self.hart, offset)
    }

    /// `pc0 + delta`.
    fn pc(&mut self, delta: i64) -> Value {
        self.b.ins().iadd_imm_s(self.pc0, delta)
    }

    /// Leave the block for `next` with `retired` instructions of this
    /// block retired.
    fn exit(&mut self, next: Value, retired: usize) {
        self.write_back();
        self.count_pending_hits();
        self.b.ins().store(FLAGS, next, self.hart, PC_OFFSET);
        let done = self.retired(retired);
        self.b.ins().return_(&[done]);
    }

    /// Leave the block for `next`, a fixed target in this block's page,
    /// with `retired` of its instructions retired: straight into the
    /// target's compiled code when `cell` is linked and the Rust loop would
    /// enter it now; otherwise back to Rust, asking it to link `cell`.
    fn exit_chained(&mut self, next: Value, retired: usize, page: &Page, cell: &ChainCell) {
        self.write_back();
        self.count_pending_hits();
        let done = self.retired(retired);
        let back = self.cold_block();
        let cell_addr = self.b.ins().iconst(self.ptr, cell as *const ChainCell as i64);
        let check = |e: &mut Self, ok: Value| {
            let go_on = e.b.create_block();
            e.b.ins().brif(ok, go_on, &[], back, &[]);
            e.b.switch_to_block(go_on);
        };
        // Linked?
        let code = self.b.ins().load(types::I64, FLAGS, cell_addr, offset_of!(ChainCell, code) as i32);
        check(self, code);
        // The code unchanged since linking.
        let ram_off = self.b.ins().iconst(types::I64, page.ram_off as i64);
        let same = self.stamp_unchanged(page, ram_off, cell_addr);
        check(self, same);
        // Still fetching from this page. It was the fetch page when the
        // block was entered, and only an instruction run by its threaded
        // handler may change that (loads and stores never do).
        if self.called_handler {
            let same = self.fetching_from_this_page(page);
            check(self, same);
        }
        // The target fits in the batch (batch_end is 0 when it must end).
        let fits = self.room_in_batch(cell_addr, done);
        check(self, fits);
        self.enter_or_go_back(code, next, done, cell_addr, back);
    }

    /// The host address of a data access of `size` bytes at `va` when the
    /// fast path applies (see [`DataFastPath`]): within one page, a hit
    /// of a D-TLB remembered entry that serves compiled code (counted as
    /// `Mmu::translate` counts it; such a hit changes no replacement
    /// state, see `Translator`'s `TlbUnit::compiled`) or no translation,
    /// in RAM, and for a store neither `tohost` nor with an LR
    /// reservation held. Every other case branches to `slow`. Also
    /// returns the RAM offset.
    fn data_address(&mut self, va: Value, size: u8, store: bool, page: &Page, slow: Block) -> (Value, Value) {
        let f = Mmu::DATA_FAST_PATH;
        let mmu = offset_of!(Hart, mmu);
        let at = |field: usize| (mmu + field) as i32;
        let check = |e: &mut Self, ok: Value| {
            let go_on = e.b.create_block();
            e.b.ins().brif(ok, go_on, &[], slow, &[]);
            e.b.switch_to_block(go_on);
        };
        // `in_ram(host, translated)`: the access at host address `host`;
        // `translated` (0 or 1) is what the D-TLB counters grow by once the
        // access is known to take the fast path (so that the slow path,
        // which counts itself, never finds it counted).
        let in_ram = self.b.create_block();
        let host = self.b.append_block_param(in_ram, types::I64);
        let translated = self.b.append_block_param(in_ram, types::I64);
        let tlb = self.b.create_block();
        let physical = self.b.create_block();
        self.b.ins().brif(self.data_on, tlb, &[], physical, &[]);
        // A remembered entry (`Translator::translate_remembered`) that
        // serves compiled code: its page for this kind of access is `va`'s.
        self.b.switch_to_block(tlb);
        // The entry is the one of `va`'s page; comparing its page with that
        // of the access's last byte also rules out crossing into the next
        // page (whose entry would sit at the next index).
        let scaled = self.remembered_offset(va);
        let entry = self.b.ins().iadd(self.hart, scaled);
        let page_field = if store { f.entry_store_page } else { f.entry_load_page };
        let served = self.b.ins().load(types::I64, FLAGS, entry, at(f.remembered + page_field));
        let last_byte = if size > 1 { self.b.ins().iadd_imm_s(va, size as i64 - 1) } else { va };
        let last_vpn = self.b.ins().ushr_imm_s(last_byte, 12);
        let hit = self.b.ins().icmp(IntCC::Equal, served, last_vpn);
        check(self, hit);
        let offset = self.b.ins().load(types::I64, FLAGS, entry, at(f.remembered + f.entry_host_offset));
        let translated_host = self.b.ins().iadd(va, offset);
        let one = self.b.ins().iconst(types::I64, 1);
        self.b.ins().jump(in_ram, &[BlockArg::Value(translated_host), BlockArg::Value(one)]);
        // No translation: within one page (a store bumps one page's write
        // count), and in RAM.
        self.b.switch_to_block(physical);
        if size > 1 {
            let in_page = self.b.ins().band_imm_s(va, PAGE_SIZE as i64 - 1);
            let fits =
                self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, in_page, (PAGE_SIZE - size as usize) as i64);
            check(self, fits);
        }
        let off = self.b.ins().iadd_imm_s(va, page.ram_base.wrapping_neg() as i64);
        let fits = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, off, (page.ram_len - size as u64) as i64);
        check(self, fits);
        let physical_host = self.b.ins().iadd_imm_s(off, page.ram_host as i64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.ins().jump(in_ram, &[BlockArg::Value(physical_host), BlockArg::Value(zero)]);
        self.b.switch_to_block(in_ram);
        // Host and physical addresses of RAM differ by a constant.
        let host_minus_pa = (page.ram_host as u64).wrapping_sub(page.ram_base) as i64;
        if store {
            let tohost = self.load_hart(at(f.tohost));
            let tohost = self.b.ins().iadd_imm_s(tohost, host_minus_pa);
            let word = self.b.ins().band_imm_s(host, !7);
            let other = self.b.ins().icmp(IntCC::NotEqual, word, tohost);
            check(self, other);
            let reservation = self.load_hart(at(f.reservation));
            let none = self.b.ins().icmp_imm_s(IntCC::Equal, reservation, NO_RESERVATION as i64);
            check(self, none);
        }
        let pending = self.b.use_var(self.pending_hits);
        let pending = self.b.ins().iadd(pending, translated);
        self.b.def_var(self.pending_hits, pending);
        self.may_have_hits = true;
        let off = self.b.ins().iadd_imm_s(host, (page.ram_host as i64).wrapping_neg());
        (host, off)
    }

    /// Where `va`'s remembered entry lies from the start of a TLB's
    /// remembered entries (`Translator`'s `remembered_index` times the
    /// entry size): entries are a power of two in size, so one shift and
    /// one mask.
    fn remembered_offset(&mut self, va: Value) -> Value {
        let f = Mmu::DATA_FAST_PATH;
        let size_log2 = f.entry_size.trailing_zeros() as i64;
        let shifted = self.b.ins().ushr_imm_s(va, 12 - size_log2);
        self.b.ins().band_imm_s(shifted, ((f.remembered_entries - 1) * f.entry_size) as i64)
    }

    /// The physical address of `va` through the TLB entry (a
    /// `LastEntry`) at host address `entry` if it serves accesses with
    /// `access_bit` at `va` (`LastEntry::serves`, `LastEntry::translate`);
    /// otherwise branches to `miss`.
    fn probe(&mut self, entry: Value, va: Value, access_bit: u8, miss: Block) -> Value {
        let f = Mmu::DATA_FAST_PATH;
        let shift = self.b.ins().uload8(types::I64, FLAGS, entry, f.entry_shift as i32);
        let tag = self.b.ins().load(types::I64, FLAGS, entry, f.entry_tag as i32);
        let vpn = self.b.ins().ushr(va, shift);
        let hit = self.b.ins().icmp(IntCC::Equal, vpn, tag);
        let go_on = self.b.create_block();
        self.b.ins().brif(hit, go_on, &[], miss, &[]);
        self.b.switch_to_block(go_on);
        let usable = self.b.ins().uload8(types::I32, FLAGS, entry, f.entry_usable as i32);
        let ok = self.b.ins().band_imm_s(usable, access_bit as i64);
        let go_on = self.b.create_block();
        self.b.ins().brif(ok, go_on, &[], miss, &[]);
        self.b.switch_to_block(go_on);
        let base = self.b.ins().load(types::I64, FLAGS, entry, f.entry_pa_base as i32);
        let one = self.b.ins().iconst(types::I64, 1);
        let size_of_page = self.b.ins().ishl(one, shift);
        let mask = self.b.ins().iadd_imm_s(size_of_page, -1);
        let in_page = self.b.ins().band(va, mask);
        self.b.ins().bor(base, in_page)
    }

    /// Leave the block for `next`, which may lie in another page, with
    /// `retired` of its instructions retired: straight into the target's
    /// compiled code when `cell` is linked to it and the Rust loop would
    /// enter it now, after doing what the Rust loop does on a fetch from
    /// a new page (`Mmu::fetch_new_page`) when the fetch needs no
    /// translation, is a repeat hit of the I-TLB's last entry (a 1 GiB or
    /// 2 MiB page, or back into the same page) or hits a remembered entry
    /// (other 4 KiB pages lately used): translate it (the lookup is
    /// counted with the chain's other fetches: the same counts as a repeat
    /// hit; a remembered entry is touched and made the last) and make the
    /// target's page the fetch page. Anything else goes back to
    /// Rust, asking it to link `cell`.
    fn exit_to_any_page(&mut self, next: Value, retired: usize, page: &Page, cell: &ChainCell) {
        self.write_back();
        self.count_pending_hits();
        let done = self.retired(retired);
        let back = self.cold_block();
        let mmu = offset_of!(Hart, mmu);
        let at = |field: usize| (mmu + field) as i32;
        let cell_addr = self.b.ins().iconst(self.ptr, cell as *const ChainCell as i64);
        let check = |e: &mut Self, ok: Value| {
            let go_on = e.b.create_block();
            e.b.ins().brif(ok, go_on, &[], back, &[]);
            e.b.switch_to_block(go_on);
        };
        let cell_field = |e: &mut Self, offset: usize| e.b.ins().load(types::I64, FLAGS, cell_addr, offset as i32);
        // Linked, to this target, which is not in its page's last 4 bytes
        // (`Mmu::fetch_page_offset`).
        let code = cell_field(self, offset_of!(ChainCell, code));
        check(self, code);
        let linked_pc = cell_field(self, offset_of!(ChainCell, pc));
        let same = self.b.ins().icmp(IntCC::Equal, next, linked_pc);
        check(self, same);
        let in_page = self.b.ins().band_imm_s(next, PAGE_SIZE as i64 - 1);
        let fits = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, in_page, PAGE_SIZE as i64 - 4);
        check(self, fits);
        // The fetch's physical address: untranslated, or through an entry.
        // `physical(pa, entry)`: `entry` is the remembered entry that hit
        // (0: none), touched once the chain is committed.
        let physical = self.b.create_block();
        let pa = self.b.append_block_param(physical, types::I64);
        let entry = self.b.append_block_param(physical, types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        let tlb = self.b.create_block();
        let on = self.b.ins().uload8(types::I32, FLAGS, self.hart, at(Mmu::FETCH_ON_OFFSET));
        self.b.ins().brif(on, tlb, &[], physical, &[BlockArg::Value(next), BlockArg::Value(zero)]);
        self.b.switch_to_block(tlb);
        let remembered = self.b.create_block();
        let last = self.b.ins().iadd_imm_s(self.hart, at(Mmu::INSN_LAST_OFFSET) as i64);
        let last_pa = self.probe(last, next, Translator::USABLE_FETCH, remembered);
        self.b.ins().jump(physical, &[BlockArg::Value(last_pa), BlockArg::Value(zero)]);
        // A remembered entry (`Translator::translate_remembered`) where
        // compiled code can touch it; a miss, or tree-PLRU, is Rust's.
        self.b.switch_to_block(remembered);
        if page.touch.fetch.is_some() {
            let scaled = self.remembered_offset(next);
            let table = self.b.ins().iadd_imm_s(self.hart, at(Mmu::INSN_REMEMBERED_OFFSET) as i64);
            let hit = self.b.ins().iadd(table, scaled);
            let hit_pa = self.probe(hit, next, Translator::USABLE_FETCH, back);
            self.b.ins().jump(physical, &[BlockArg::Value(hit_pa), BlockArg::Value(hit)]);
        } else {
            self.b.ins().jump(back, &[]);
        }
        self.b.switch_to_block(physical);
        // The page is RAM's, and the one the cell was linked to.
        let page_pa = self.b.ins().band_imm_s(pa, !(PAGE_SIZE as i64 - 1));
        let ram_off = self.b.ins().iadd_imm_s(page_pa, page.ram_base.wrapping_neg() as i64);
        let in_ram =
            self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, ram_off, (page.ram_len - PAGE_SIZE as u64) as i64);
        check(self, in_ram);
        let linked_off = cell_field(self, offset_of!(ChainCell, ram_off));
        let same = self.b.ins().icmp(IntCC::Equal, ram_off, linked_off);
        check(self, same);
        // Its code unchanged since linking.
        let same = self.stamp_unchanged(page, ram_off, cell_addr);
        check(self, same);
        // Room in the batch.
        let fits = self.room_in_batch(cell_addr, done);
        check(self, fits);
        // Committed. A remembered entry that hit is touched and becomes
        // the I-TLB's last entry (the fetch's lookup is counted with the
        // chain's other fetches: the same counts as a repeat hit), and the
        // target's page becomes the fetch page.
        if let Some(stamps) = page.touch.fetch {
            let touch = self.b.create_block();
            let touched = self.b.create_block();
            self.b.ins().brif(entry, touch, &[], touched, &[]);
            self.b.switch_to_block(touch);
            self.touch_and_make_last(entry, stamps, Mmu::INSN_CLOCK_OFFSET, Mmu::INSN_LAST_OFFSET);
            self.b.ins().jump(touched, &[]);
            self.b.switch_to_block(touched);
        }
        let base = self.b.ins().band_imm_s(next, !(PAGE_SIZE as i64 - 1));
        self.b.ins().store(FLAGS, base, self.hart, at(Mmu::FETCH_PAGE_BASE_OFFSET));
        self.b.ins().store(FLAGS, ram_off, self.hart, at(Mmu::FETCH_PAGE_RAM_OFF_OFFSET));
        self.b.ins().istore8(FLAGS, on, self.hart, at(Mmu::FETCH_PAGE_COUNTED_OFFSET));
        self.enter_or_go_back(code, next, done, cell_addr, back);
    }

    /// Whether the write stamp (`Ram::write_stamp`) of the RAM page at
    /// offset `ram_off` is still the one the cell at `cell_addr` was
    /// linked with: the target's code is unchanged (stamps only grow).
    fn stamp_unchanged(&mut self, page: &Page, ram_off: Value, cell_addr: Value) -> Value {
        let stamp = self.write_stamp(page, ram_off);
        let linked_stamp = self.b.ins().load(types::I64, FLAGS, cell_addr, offset_of!(ChainCell, stamp) as i32);
        self.b.ins().icmp(IntCC::Equal, stamp, linked_stamp)
    }

    /// The write stamp (`Ram::write_stamp`) of the RAM page at offset
    /// `ram_off`.
    fn write_stamp(&mut self, page: &Page, ram_off: Value) -> Value {
        let index = self.b.ins().ushr_imm_s(ram_off, 12);
        let scaled = self.b.ins().ishl_imm_s(index, 3);
        let count_at = self.b.ins().iadd_imm_s(scaled, page.ram_page_writes as i64);
        let writes = self.b.ins().load(types::I64, FLAGS, count_at, 0);
        let bulk = self.load_hart(BULK_WRITES_OFFSET);
        self.b.ins().iadd(writes, bulk)
    }

    /// The taken branch at instruction `index` jumps back to instruction
    /// `to` of this block (`header`, where the pass it starts has
    /// `len - to` instructions at most): go round again inside this
    /// function when the Rust loop would enter the block there now, the
    /// same checks as a chained exit's against `entry_stamp` (the page's
    /// write stamp on entry, `None` when the block cannot write); otherwise
    /// leave as any exit to `target` through `cell` does.
    #[allow(clippy::too_many_arguments)]
    fn loop_back(
        &mut self,
        header: Block,
        to: usize,
        index: usize,
        len: usize,
        target: Value,
        entry_stamp: Option<Value>,
        page: &Page,
        cell: &ChainCell,
    ) {
        let leave = self.cold_block();
        let check = |e: &mut Self, ok: Value| {
            let go_on = e.b.create_block();
            e.b.ins().brif(ok, go_on, &[], leave, &[]);
            e.b.switch_to_block(go_on);
        };
        // The code unchanged since the block was entered (as it was then).
        if let Some(entry_stamp) = entry_stamp {
            let ram_off = self.b.ins().iconst(types::I64, page.ram_off as i64);
            let stamp = self.write_stamp(page, ram_off);
            let same = self.b.ins().icmp(IntCC::Equal, stamp, entry_stamp);
            check(self, same);
        }
        if self.called_handler {
            let same = self.fetching_from_this_page(page);
            check(self, same);
        }
        // The rest of the block fits in the batch.
        let done = self.retired(index + 1);
        let upto = self.b.ins().iadd(self.start, done);
        let need = self.b.ins().iadd_imm_s(upto, (len - to) as i64);
        let end = self.load_hart(BATCH_END_OFFSET);
        let fits = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, need, end);
        check(self, fits);
        let acc = self.retired(index + 1 - to);
        self.b.def_var(self.acc, acc);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(leave);
        self.exit_chained(target, index + 1, page, cell);
    }

    /// What the path being built knows (for a join, see `emit`).
    fn state(&self) -> PathState {
        PathState {
            known: self.known,
            dirty: self.dirty,
            called_handler: self.called_handler,
            may_have_hits: self.may_have_hits,
        }
    }

    /// Join another way in: only registers known on both stay known (each
    /// is defined on every way), and what either may have done counts.
    fn merge(&mut self, other: PathState) {
        self.known &= other.known;
        self.dirty |= other.dirty;
        self.called_handler |= other.called_handler;
        self.may_have_hits |= other.may_have_hits;
    }

    /// Whether the fetch page is still this block's.
    fn fetching_from_this_page(&mut self, page: &Page) -> Value {
        let base = self.load_hart(FETCH_BASE_OFFSET);
        let page_base = self.b.ins().band_imm_s(self.pc0, !(PAGE_SIZE as i64 - 1));
        let same_base = self.b.ins().icmp(IntCC::Equal, base, page_base);
        let ram_off = self.load_hart(FETCH_RAM_OFF_OFFSET);
        let same_off = self.b.ins().icmp_imm_s(IntCC::Equal, ram_off, page.ram_off as i64);
        self.b.ins().band(same_base, same_off)
    }

    /// Whether the target linked in the cell at `cell_addr` fits in the
    /// batch after `done` instructions (batch_end is 0 when it must end).
    fn room_in_batch(&mut self, cell_addr: Value, done: Value) -> Value {
        let len = self.b.ins().load(types::I64, FLAGS, cell_addr, offset_of!(ChainCell, len) as i32);
        let upto = self.b.ins().iadd(self.start, done);
        let need = self.b.ins().iadd(upto, len);
        let end = self.load_hart(BATCH_END_OFFSET);
        self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, need, end)
    }

    /// Jump into `code` for `next` (every check passed), and build `back`:
    /// return to Rust at `next`, asking it to link the cell at `cell_addr`.
    fn enter_or_go_back(&mut self, code: Value, next: Value, done: Value, cell_addr: Value, back: Block) {
        let sig = self.b.import_signature(block_signature(self.ptr));
        self.b.ins().return_call_indirect(sig, code, &[self.hart, next, self.start, done]);
        self.b.switch_to_block(back);
        self.b.ins().store(FLAGS, next, self.hart, PC_OFFSET);
        self.b.ins().store(FLAGS, cell_addr, self.hart, LINK_OFFSET);
        self.b.ins().return_(&[done]);
    }

    /// A remembered TLB entry at host address `entry` has hit: touch it
    /// for LRU (`stamps`: the TLB's, `clock`: offset in the MMU of its
    /// clock) and copy it to the unit's last entry (offset `last`), as
    /// `Tlb::count_hit_and_touch` and `Translator::translate_remembered` do.
    fn touch_and_make_last(&mut self, entry: Value, stamps: Option<*mut u64>, clock: usize, last: usize) {
        let f = Mmu::DATA_FAST_PATH;
        let at = |field: usize| (offset_of!(Hart, mmu) + field) as i32;
        if let Some(stamps) = stamps {
            // LRU: stamps[slot] = ++clock.
            let now = self.load_hart(at(clock));
            let now = self.b.ins().iadd_imm_s(now, 1);
            self.b.ins().store(FLAGS, now, self.hart, at(clock));
            let slot = self.b.ins().uload32(FLAGS, entry, f.entry_slot as i32);
            let scaled = self.b.ins().ishl_imm_s(slot, 3);
            let stamp_at = self.b.ins().iadd_imm_s(scaled, stamps as i64);
            self.b.ins().store(FLAGS, now, stamp_at, 0);
        }
        for word in (0..f.entry_rust_part).step_by(8) {
            let w = self.b.ins().load(types::I64, FLAGS, entry, word as i32);
            self.b.ins().store(FLAGS, w, self.hart, at(last + word));
        }
    }

    /// Return a helper's nonzero result (counted from this block's start)
    /// with the chain's earlier instructions added, or go on.
    fn exit_if_nonzero(&mut self, result: Value) {
        let leave = self.cold_block();
        let go_on = self.b.create_block();
        self.b.ins().brif(result, leave, &[], go_on, &[]);
        self.b.switch_to_block(leave);
        self.count_pending_hits();
        let acc = self.b.use_var(self.acc);
        let total = self.b.ins().iadd(result, acc);
        self.b.ins().return_(&[total]);
        self.b.switch_to_block(go_on);
    }

    /// A block off the usual way (a slow path, a way back to Rust), which
    /// Cranelift lays out after the rest so that the usual way's code is
    /// dense and falls through.
    fn cold_block(&mut self) -> Block {
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        block
    }

    fn call(&mut self, sig: Signature, helper: usize, args: &[Value]) -> Value {
        let sig = self.b.import_signature(sig);
        let callee = self.b.ins().iconst(self.ptr, helper as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call)[0]
    }

    /// The 32-bit operation `f` on the low words, sign-extended (the W
    /// instructions).
    fn word(&mut self, a: Value, c: Value, f: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value) -> Value {
        let a = self.b.ins().ireduce(types::I32, a);
        let c = self.b.ins().ireduce(types::I32, c);
        let v = f(self.b, a, c);
        self.b.ins().sextend(types::I64, v)
    }

    /// rd's value for an integer computation that has native code, or
    /// `None` for the rest.
    fn compute(&mut self, op: Op, a: Value, c: Value, call_conv: CallConv) -> Value {
        use Op::*;
        match op {
            ADD | ADDI => self.b.ins().iadd(a, c),
            SUB => self.b.ins().isub(a, c),
            SLT | SLTI => {
                let f = self.b.ins().icmp(IntCC::SignedLessThan, a, c);
                self.b.ins().uextend(types::I64, f)
            }
            SLTU | SLTIU => {
                let f = self.b.ins().icmp(IntCC::UnsignedLessThan, a, c);
                self.b.ins().uextend(types::I64, f)
            }
            XOR | XORI => self.b.ins().bxor(a, c),
            OR | ORI => self.b.ins().bor(a, c),
            AND | ANDI => self.b.ins().band(a, c),
            // Cranelift's shifts take the amount modulo the width, as
            // RISC-V's do (6 bits, and 5 for the W forms).
            SLL | SLLI => self.b.ins().ishl(a, c),
            SRL | SRLI => self.b.ins().ushr(a, c),
            SRA | SRAI => self.b.ins().sshr(a, c),
            ADDW | ADDIW => self.word(a, c, |b, a, c| b.ins().iadd(a, c)),
            SUBW => self.word(a, c, |b, a, c| b.ins().isub(a, c)),
            SLLW | SLLIW => self.word(a, c, |b, a, c| b.ins().ishl(a, c)),
            SRLW | SRLIW => self.word(a, c, |b, a, c| b.ins().ushr(a, c)),
            SRAW | SRAIW => self.word(a, c, |b, a, c| b.ins().sshr(a, c)),
            MUL => self.b.ins().imul(a, c),
            MULW => self.word(a, c, |b, a, c| b.ins().imul(a, c)),
            MULH => self.b.ins().smulhi(a, c),
            MULHU => self.b.ins().umulhi(a, c),
            // mulhsu(a, b) = mulhu(a, b) - (a < 0 ? b : 0)
            MULHSU => {
                let high = self.b.ins().umulhi(a, c);
                let sign = self.b.ins().sshr_imm_s(a, 63);
                let fix = self.b.ins().band(sign, c);
                self.b.ins().isub(high, fix)
            }
            _ => {
                let op = self.b.ins().iconst(types::I64, op as i64);
                let sig = signature(call_conv, &[types::I64; 3]);
                self.call(sig, divide_helper as *const () as usize, &[op, a, c])
            }
        }
    }
}

/// Build the IR of `block` into `ctx.func`; `cells` has one chain cell
/// per instruction and one for the end.
pub(super) fn emit(
    ctx: &mut Context,
    builder: &mut FunctionBuilderContext,
    block: &[Threaded],
    call_conv: CallConv,
    target: TargetFrontendConfig,
    page: &Page,
    cells: &mut [ChainCell],
) {
    use Op::*;
    let ptr = target.pointer_type();
    let mut b = FunctionBuilder::new(&mut ctx.func, builder);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let pending_hits = b.declare_var(types::I64);
    let zero = b.ins().iconst(types::I64, 0);
    b.def_var(pending_hits, zero);
    let acc = b.declare_var(types::I64);
    b.def_var(acc, p[3]);
    let regs = std::array::from_fn(|_| b.declare_var(types::I64));
    // Whether data accesses are translated, loaded once: only a CSR write,
    // which ends the block, or a trap, which leaves it, changes that.
    let data_on_at = (offset_of!(Hart, mmu) + Mmu::DATA_FAST_PATH.data_on) as i32;
    let data_on = b.ins().uload8(types::I32, FLAGS, p[0], data_on_at);
    let mut e = Emitter {
        b: &mut b,
        hart: p[0],
        pc0: p[1],
        start: p[2],
        acc,
        regs,
        known: 0,
        dirty: 0,
        called_handler: false,
        pending_hits,
        may_have_hits: false,
        ptr,
        data_on,
    };
    // Each instruction's offset from the block's start (a trace goes on at
    // the target of each JAL but its last: `blocks::next_in_block`).
    let mut offsets = Vec::with_capacity(block.len());
    let mut at = page.in_page as usize;
    for i in 0..block.len() {
        offsets.push(at as i64 - page.in_page);
        at = super::blocks::next_in_block(block, i, at);
    }
    // The instruction of this block a branch or JAL at `index` targets.
    let in_block = |index: usize| -> Option<usize> {
        let i = &block[index].insn;
        let branch = matches!(i.op, BEQ | BNE | BLT | BGE | BLTU | BGEU | JAL);
        let target = offsets[index] + i.imm as i64;
        branch.then(|| offsets.iter().position(|&o| o == target)).flatten()
    };
    let back_edge = |index: usize| in_block(index).filter(|&to| to <= index);
    // Branches forward to a later instruction of the block (over an `if`'s
    // body) jump there inside the function instead of leaving it: the
    // instruction's join block, where the state of every way in merges.
    // (A JAL ends its block or goes on at its target, the next
    // instruction, so only branches have forward targets.)
    let forward = |index: usize| in_block(index).filter(|&to| to > index + 1);
    let mut joins: Vec<Option<(Block, Vec<PathState>)>> = (0..block.len()).map(|_| None).collect();
    // A block whose way ends at the next instruction in memory, one of its
    // own (a trace that ran into code it holds), loops back there too.
    let last = block.len() - 1;
    let end_offset = offsets[last] + block[last].insn.len as i64;
    let falls_back = super::blocks::continues_block(block[last].insn.op)
        .then(|| offsets.iter().position(|&o| o == end_offset))
        .flatten();
    // Loops within the block: branches and jumps back to one of its own
    // instructions go round inside the function (see `Emitter::loop_back`)
    // from a header made at their target.
    // Each loop's header, and the last instruction its passes may run: its
    // back edges', or those of a loop whose header lies within it (which
    // a pass may go round before it comes back: loops nest or overlap).
    let mut headers: Vec<Option<Block>> = vec![None; block.len()];
    let mut extent = vec![0; block.len()];
    let edges = (0..block.len()).filter_map(|index| Some((back_edge(index)?, index)));
    for (to, index) in edges.chain(falls_back.map(|to| (to, last))) {
        headers[to] = Some(e.b.create_block());
        extent[to] = extent[to].max(index);
    }
    for h in (0..block.len()).rev().filter(|&h| headers[h].is_some()) {
        // Later headers' extents are final: a loop reaches only forward
        // from its own header except through those.
        let mut reach = extent[h];
        let mut inner = h + 1;
        while inner <= reach {
            if headers[inner].is_some() {
                reach = reach.max(extent[inner]);
            }
            inner += 1;
        }
        extent[h] = reach;
    }
    // The registers each loop's instructions name (not x0): defined on
    // every way into its header (see `Emitter::loop_header`).
    let loop_used: Vec<u32> = (0..block.len())
        .map(|h| {
            let body = if headers[h].is_some() { &block[h..=extent[h]] } else { &[] };
            body.iter().fold(0u32, |u, t| u | 1 << (t.insn.rs1 & 31) | 1 << (t.insn.rs2 & 31) | 1 << (t.insn.rd & 31))
                & !1
        })
        .collect();
    // The page's write stamp on entry, which a back edge compares when an
    // instruction up to it may write memory (or call code that does).
    // Integer loads never write: a PTE update on their way ends the batch
    // (`Hart::after_access`), and with it the loop. Writes after the back
    // edge are caught at the back edge after them (the only way round
    // again), so at this one the page is as on entry unless a writer up
    // to it ran.
    let may_write = |t: &Threaded| {
        !matches!(t.insn.op, LUI | AUIPC | LB | LH | LW | LD | LBU | LHU | LWU)
            && !alu_like(t.insn.op)
            && !matches!(t.insn.op, BEQ | BNE | BLT | BGE | BLTU | BGEU | JAL | JALR)
    };
    let first_writer = block.iter().position(may_write).unwrap_or(usize::MAX);
    let checks_stamp = |index: usize| first_writer <= index;
    let loops_back = |i: usize| back_edge(i).is_some() || i == last && falls_back.is_some();
    let entry_stamp = (0..block.len()).any(|i| loops_back(i) && checks_stamp(i)).then(|| {
        let ram_off = e.b.ins().iconst(types::I64, page.ram_off as i64);
        e.write_stamp(page, ram_off)
    });
    let hart = e.hart;
    // Whether a jump by `delta` from the block's start stays in its page
    // (then its exit may chain).
    let in_page = |delta: i64| (0..PAGE_SIZE as i64).contains(&(page.in_page + delta));
    // Leave for (or loop back to) the fixed target at `delta` from the
    // block's start, after `index + 1` instructions.
    let jump_to = |e: &mut Emitter, index: usize, delta: i64| {
        let target = e.pc(delta);
        if let Some(to) = back_edge(index) {
            let header = headers[to].expect("made for every back edge");
            let stamp = entry_stamp.filter(|_| checks_stamp(index));
            e.loop_back(header, to, index, block.len(), target, stamp, page, &cells[index]);
        } else if in_page(delta) {
            e.exit_chained(target, index + 1, page, &cells[index]);
        } else {
            e.exit_to_any_page(target, index + 1, page, &cells[index]);
        }
    };
    let mut offset = 0i64;
    let mut ended = false;
    for (index, t) in block.iter().enumerate() {
        let i = &t.insn;
        let imm = i.imm as i64;
        let next_offset = offset + i.len as i64;
        debug_assert_eq!(offset, offsets[index]);
        let m = Meta::new(index, i).0 as i64;
        let op = i.op;
        if let Some((join, incoming)) = joins[index].take() {
            e.b.ins().jump(join, &[]);
            e.b.switch_to_block(join);
            for state in incoming {
                e.merge(state);
            }
        }
        if let Some(header) = headers[index] {
            let body = &block[index..=extent[index]];
            if body.iter().any(|t| matches!(t.insn.op, LB | LH | LW | LD | LBU | LHU | LWU | SB | SH | SW | SD)) {
                e.may_have_hits = true;
            }
            e.loop_header(header, loop_used[index], written_in(body));
        }
        match op {
            // A computation into x0 has no effect (as the threaded `skip`).
            _ if i.rd == 0 && (alu_like(op) || matches!(op, LUI | AUIPC)) => {}
            LUI => {
                let v = e.b.ins().iconst(types::I64, imm);
                e.write(i.rd, v);
            }
            AUIPC => {
                let v = e.pc(offset + imm);
                e.write(i.rd, v);
            }
            ADDI | SLTI | SLTIU | XORI | ORI | ANDI | SLLI | SRLI | SRAI | ADDIW | SLLIW | SRLIW | SRAIW => {
                let a = e.read(i.rs1);
                let c = e.b.ins().iconst(types::I64, imm);
                let v = e.compute(op, a, c, call_conv);
                e.write(i.rd, v);
            }
            ADD | SUB | SLL | SLT | SLTU | XOR | SRL | SRA | OR | AND | ADDW | SUBW | SLLW | SRLW | SRAW | MUL
            | MULH | MULHSU | MULHU | DIV | DIVU | REM | REMU | MULW | DIVW | DIVUW | REMW | REMUW => {
                let a = e.read(i.rs1);
                let c = e.read(i.rs2);
                let v = e.compute(op, a, c, call_conv);
                e.write(i.rd, v);
            }
            BEQ | BNE | BLT | BGE | BLTU | BGEU => {
                let cc = match op {
                    BEQ => IntCC::Equal,
                    BNE => IntCC::NotEqual,
                    BLT => IntCC::SignedLessThan,
                    BGE => IntCC::SignedGreaterThanOrEqual,
                    BLTU => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                let a = e.read(i.rs1);
                let c = e.read(i.rs2);
                let taken = e.b.ins().icmp(cc, a, c);
                let leave = e.b.create_block();
                let go_on = e.b.create_block();
                if let Some(to) = forward(index) {
                    // Registers the skipped instructions write get their
                    // values first, so that both ways define them; so do
                    // those of each loop whose header it skips, whose back
                    // edges it may reach.
                    let skipped = index + 1..to;
                    let headers_skipped = skipped.clone().fold(0, |u, h| u | loop_used[h]);
                    e.define(written_in(&block[skipped]) | headers_skipped);
                    e.b.ins().brif(taken, leave, &[], go_on, &[]);
                    e.b.switch_to_block(leave);
                    // The skipped instructions do not retire.
                    let acc = e.b.use_var(e.acc);
                    let acc = e.b.ins().iadd_imm_s(acc, index as i64 + 1 - to as i64);
                    e.b.def_var(e.acc, acc);
                    let join = joins[to].get_or_insert_with(|| (e.b.create_block(), Vec::new()));
                    e.b.ins().jump(join.0, &[]);
                    join.1.push(e.state());
                } else {
                    e.b.ins().brif(taken, leave, &[], go_on, &[]);
                    e.b.switch_to_block(leave);
                    jump_to(&mut e, index, offset + imm);
                }
                e.b.switch_to_block(go_on);
            }
            JAL => {
                let link = e.pc(next_offset);
                e.write(i.rd, link);
                if index + 1 < block.len() {
                    // The block goes on at the target.
                    offset += imm;
                    continue;
                }
                jump_to(&mut e, index, offset + imm);
                ended = true;
                break;
            }
            JALR => {
                let base = e.read(i.rs1);
                let sum = e.b.ins().iadd_imm_s(base, imm);
                let target = e.b.ins().band_imm_s(sum, !1i64);
                let link = e.pc(next_offset);
                e.write(i.rd, link);
                e.exit_to_any_page(target, index + 1, page, &cells[index]);
                ended = true;
                break;
            }
            LB | LH | LW | LD | LBU | LHU | LWU => {
                let base = e.read(i.rs1);
                let addr = e.b.ins().iadd_imm_s(base, imm);
                let size = load_size(op);
                let slow = e.cold_block();
                let join = e.b.create_block();
                let value = e.b.append_block_param(join, types::I64);
                if FAST_DATA {
                    let (host, _) = e.data_address(addr, size, false, page, slow);
                    let ins = e.b.ins();
                    let v = match op {
                        LB => ins.sload8(types::I64, FLAGS, host, 0),
                        LH => ins.sload16(types::I64, FLAGS, host, 0),
                        LW => ins.sload32(FLAGS, host, 0),
                        LD => ins.load(types::I64, FLAGS, host, 0),
                        LBU => ins.uload8(types::I64, FLAGS, host, 0),
                        LHU => ins.uload16(types::I64, FLAGS, host, 0),
                        _ => ins.uload32(FLAGS, host, 0),
                    };
                    e.b.ins().jump(join, &[BlockArg::Value(v)]);
                } else {
                    e.b.ins().jump(slow, &[]);
                }
                e.b.switch_to_block(slow);
                let pc = e.pc(offset);
                let meta = e.b.ins().iconst(types::I64, m);
                let helper = match op {
                    LB => load_helper::<1, true> as *const () as usize,
                    LH => load_helper::<2, true> as *const () as usize,
                    LW => load_helper::<4, true> as *const () as usize,
                    LD => load_helper::<8, false> as *const () as usize,
                    LBU => load_helper::<1, false> as *const () as usize,
                    LHU => load_helper::<2, false> as *const () as usize,
                    _ => load_helper::<4, false> as *const () as usize,
                };
                let sig = signature(call_conv, &[ptr, types::I64, types::I64, types::I64]);
                e.write_back();
                let result = e.call(sig, helper, &[hart, addr, pc, meta]);
                e.exit_if_nonzero(result);
                let v = if i.rd & 31 == 0 { e.read(0) } else { e.reload(i.rd) };
                e.b.ins().jump(join, &[BlockArg::Value(v)]);
                e.b.switch_to_block(join);
                e.write(i.rd, value);
            }
            SB | SH | SW | SD => {
                let base = e.read(i.rs1);
                let value = e.read(i.rs2);
                let addr = e.b.ins().iadd_imm_s(base, imm);
                let slow = e.cold_block();
                let join = e.b.create_block();
                if FAST_DATA {
                    let (host, off) = e.data_address(addr, load_size(op), true, page, slow);
                    match load_size(op) {
                        1 => e.b.ins().istore8(FLAGS, value, host, 0),
                        2 => e.b.ins().istore16(FLAGS, value, host, 0),
                        4 => e.b.ins().istore32(FLAGS, value, host, 0),
                        _ => e.b.ins().store(FLAGS, value, host, 0),
                    };
                    // The page's write count, as `Ram::write` keeps it.
                    let index = e.b.ins().ushr_imm_s(off, 12);
                    let scaled = e.b.ins().ishl_imm_s(index, 3);
                    let count_at = e.b.ins().iadd_imm_s(scaled, page.ram_page_writes as i64);
                    let n = e.b.ins().load(types::I64, FLAGS, count_at, 0);
                    let n = e.b.ins().iadd_imm_s(n, 1);
                    e.b.ins().store(FLAGS, n, count_at, 0);
                    e.b.ins().jump(join, &[]);
                } else {
                    e.b.ins().jump(slow, &[]);
                }
                e.b.switch_to_block(slow);
                let pc = e.pc(offset);
                let meta = e.b.ins().iconst(types::I64, m);
                let helper = match load_size(op) {
                    1 => store_helper::<1> as *const () as usize,
                    2 => store_helper::<2> as *const () as usize,
                    4 => store_helper::<4> as *const () as usize,
                    _ => store_helper::<8> as *const () as usize,
                };
                let sig = signature(call_conv, &[ptr, types::I64, types::I64, types::I64, types::I64]);
                e.write_back();
                let result = e.call(sig, helper, &[hart, addr, value, pc, meta]);
                e.exit_if_nonzero(result);
                e.b.ins().jump(join, &[]);
                e.b.switch_to_block(join);
            }
            _ => {
                let threaded = e.b.ins().iconst(ptr, t as *const Threaded as i64);
                let pc = e.pc(offset);
                let meta = e.b.ins().iconst(types::I64, m);
                let done = e.retired(index);
                let now = e.b.ins().iadd(e.start, done);
                let sig = signature(call_conv, &[ptr, ptr, types::I64, types::I64, types::I64]);
                e.write_back();
                e.dirty = 0;
                e.called_handler = true;
                let result = e.call(sig, threaded_helper as *const () as usize, &[hart, threaded, pc, meta, now]);
                e.exit_if_nonzero(result);
                // The handler may have written any integer register it
                // names as rd (FP compares and moves, CSR reads).
                if i.rd & 31 != 0 {
                    e.reload(i.rd);
                }
                if !super::blocks::continues_block(op) {
                    // The block ends after an instruction that may have
                    // changed the machine's state: back to Rust, which
                    // checks it all again.
                    let next = e.pc(next_offset);
                    e.exit(next, index + 1);
                    ended = true;
                    break;
                }
            }
        }
        offset = next_offset;
    }
    if !ended {
        let next = e.pc(offset);
        let cell = &cells[block.len()];
        if let Some(to) = falls_back {
            let header = headers[to].expect("made for the way back");
            let stamp = entry_stamp.filter(|_| checks_stamp(last));
            e.loop_back(header, to, last, block.len(), next, stamp, page, cell);
        } else if in_page(offset) {
            e.exit_chained(next, block.len(), page, cell);
        } else {
            e.exit_to_any_page(next, block.len(), page, cell);
        }
    }
    b.seal_all_blocks();
    b.finalize(target);
}
