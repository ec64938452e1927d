//! Pre-decoded blocks: straight-line runs of instructions decoded once and
//! executed without a fetch, a decode-cache probe or a bounds check per
//! instruction.
//!
//! A block starts at a RAM offset and runs to the first instruction that
//! can change control flow or the machine's state beyond registers and
//! memory (jumps, branches, CSR, fence, trap and privileged instructions,
//! AMOs: see [`continues_block`]), which it includes, or to its page's end,
//! or to `MAX_BLOCK` instructions. Blocks never leave their page, so the
//! fetch translation of the first instruction holds for all of them (the
//! hart only enters a block from the page of its last fetch).
//!
//! A conditional branch does not end a block: the hart leaves the block
//! when a branch is taken (a side exit), so a loop body with its
//! early-exit tests is one block.
//!
//! A JAL to code of the same page that is not in the block yet does not
//! end it either: the block goes on at the target (a trace through calls
//! and the jumps around `else` arms and into loop tests), and compiled
//! code runs straight through. Threaded code leaves at such a JAL as at a
//! taken branch. Each instruction's bytes are kept, and compared, in the
//! block's order ([`next_in_block`]).
//!
//! Validation instead of invalidation: every block keeps the write stamp
//! of its page ([`Ram::write_stamp`], which changes with every store, PTE
//! update and DMA transfer that may touch the page) and a copy of the
//! bytes it was decoded from. Entering a block whose stamp changed
//! compares those bytes with RAM (a few words), so a write to code can
//! never run stale instructions past a block boundary, while data written
//! in the same page as code costs only that compare. Inside a block a
//! store to a later instruction of the same block is not seen until the
//! block ends, which the unprivileged spec allows: only FENCE.I (a block
//! end) orders stores before fetches (Zifencei).

use super::jit::{BlockCode, Entry, Link, Page, Touches};
use super::jit_compiler::Job;
use super::jit_queue::{Jit, Outcome, Request};
use super::threaded::Threaded;
use crate::bus::Ram;
use crate::isa::{decode, insn_len, Insn, Op};

/// Index slots, direct-mapped by RAM offset (see [`slot_of`]).
const INDEX_ENTRIES: usize = 1 << 15;
/// Decoded instructions kept before everything is dropped and rebuilt.
const POOL_INSNS: usize = 1 << 16;
/// Longest block.
const MAX_BLOCK: usize = 32;
const PAGE_SIZE: usize = 4096;

#[derive(Clone, Copy)]
struct BlockRef {
    /// RAM offset of the first instruction (`usize::MAX`: empty slot).
    off: usize,
    /// The page's write stamp when the bytes were last known to match.
    stamp: u64,
    /// First instruction in `insns`, and first byte in `raw`.
    start: u32,
    raw_start: u32,
    /// Instructions (their bytes are kept from `raw_start` on, each
    /// instruction's in the block's order).
    len: u16,
    /// Times entered while not compiled (counts up to `HOT_RUNS`).
    runs: u32,
    /// The compiled block, once hot.
    code: Option<BlockCode>,
}

impl BlockRef {
    const EMPTY: BlockRef = BlockRef { off: usize::MAX, stamp: 0, start: 0, raw_start: 0, len: 0, runs: 0, code: None };
}

/// A block as the hart runs it.
pub enum Block<'a> {
    /// Compiled, with the trampoline into it and its length in
    /// instructions.
    Compiled(BlockCode, Entry, usize),
    /// Threaded code.
    Threaded(&'a [Threaded]),
}

impl Block<'_> {
    /// Instructions in the block.
    pub fn len(&self) -> usize {
        match self {
            Block::Compiled(_, _, len) => *len,
            Block::Threaded(insns) => insns.len(),
        }
    }
}

/// The block cache. Its storage is allocated once; when the pool is full
/// every block is dropped.
pub struct BlockCache {
    index: Box<[BlockRef]>,
    insns: Vec<Threaded>,
    raw: Vec<u8>,
    /// The compiler for hot blocks (none: every block stays threaded).
    jit: Option<Box<Jit>>,
    /// Runs after which a block is compiled.
    hot_runs: u32,
    /// How compiled code touches remembered TLB entries.
    touch: Touches,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            index: vec![BlockRef::EMPTY; INDEX_ENTRIES].into_boxed_slice(),
            insns: Vec::with_capacity(POOL_INSNS),
            raw: Vec::with_capacity(POOL_INSNS * 4),
            jit: None,
            hot_runs: u32::MAX,
            touch: Touches::default(),
        }
    }
}

/// Whether a block goes on after `op`: it only computes registers or
/// accesses memory, and the next instruction is the one after it (or, for
/// a taken branch, the block is left). Nothing that goes on changes the
/// translation context: compiled code reads it once per block.
pub fn continues_block(op: Op) -> bool {
    use Op::*;
    match op {
        BEQ | BNE | BLT | BGE | BLTU | BGEU => true,
        LUI | AUIPC | LB | LH | LW | LD | LBU | LHU | LWU | SB | SH | SW | SD => true,
        ADDI | SLTI | SLTIU | XORI | ORI | ANDI | SLLI | SRLI | SRAI => true,
        ADD | SUB | SLL | SLT | SLTU | XOR | SRL | SRA | OR | AND => true,
        ADDIW | SLLIW | SRLIW | SRAIW | ADDW | SUBW | SLLW | SRLW | SRAW => true,
        MUL | MULH | MULHSU | MULHU | DIV | DIVU | REM | REMU | MULW | DIVW | DIVUW | REMW | REMUW => true,
        // F and D touch only f-registers, fcsr and mstatus.FS.
        op => op.is_fp(),
    }
}

impl BlockCache {
    /// A placeholder with no storage (allocates nothing), to stand in while
    /// the real cache is lent out.
    pub fn empty() -> BlockCache {
        BlockCache {
            index: Box::new([]),
            insns: Vec::new(),
            raw: Vec::new(),
            jit: None,
            hot_runs: u32::MAX,
            touch: Touches::default(),
        }
    }

    /// Compile a block once it has run `after` times (where Cranelift
    /// supports the host), or (`None`) never, on a thread of its own or
    /// not (see `jit_queue.rs`); `touch` is from the hart's MMU.
    pub fn set_jit(&mut self, after: Option<u32>, background: bool, touch: Touches) {
        self.flush();
        self.jit = after.and_then(|_| Jit::new(background).map(Box::new));
        self.hot_runs = after.unwrap_or(u32::MAX).max(1);
        self.touch = touch;
    }

    /// The block starting at offset `off` of `ram` (an even offset inside a
    /// page that lies wholly in RAM), decoded now if it is absent or its
    /// bytes changed. `None` when not even one instruction fits in the
    /// page before its last 4 bytes' start (the per-instruction path then
    /// fetches it).
    #[inline(always)]
    ///
    /// `link` is the chain cell the last compiled block left by (see
    /// `jit::ChainCell`): it is linked to this block, at `pc`, if that is
    /// compiled.
    pub fn get(&mut self, ram: &mut Ram, off: usize, pc: u64, link: Link) -> Option<Block<'_>> {
        let slot = slot_of(off);
        let b = self.index.get_mut(slot)?;
        if b.off == off {
            let stamp = ram.write_stamp(off);
            if b.stamp == stamp || same_bytes(ram.bytes(), off, &self.raw, &self.insns, b) {
                b.stamp = stamp;
                if let Some(code) = b.code {
                    let jit = self.jit.as_mut()?;
                    jit.link(link, code, b.len as usize, stamp, pc, off);
                    return Some(Block::Compiled(code, jit.entry(), b.len as usize));
                }
                b.runs = b.runs.saturating_add(1);
                if b.runs == self.hot_runs && self.jit.is_some() {
                    return self.compile(ram, off, slot);
                }
                return self.insns.get(b.start as usize..b.start as usize + b.len as usize).map(Block::Threaded);
            }
        }
        self.build(ram, off, slot).map(Block::Threaded)
    }

    /// Compile the block in `slot` (valid, for offset `off`).
    #[cold]
    #[inline(never)]
    fn compile(&mut self, ram: &mut Ram, off: usize, slot: usize) -> Option<Block<'_>> {
        if self.jit.as_ref().is_some_and(|j| j.full()) {
            // Out of code memory: start over, compiled code and blocks.
            self.flush();
            return self.build(ram, off, slot).map(Block::Threaded);
        }
        let b = self.index.get_mut(slot)?;
        let insns = self.insns.get(b.start as usize..b.start as usize + b.len as usize)?;
        let jit = self.jit.as_mut()?;
        let job = Job { insns: insns.into(), page: Page::new(ram, off, self.touch) };
        match jit.request(Request { job, slot, off, start: b.start }) {
            Outcome::Compiled(code) => {
                b.code = Some(code);
                Some(Block::Compiled(code, jit.entry(), insns.len()))
            }
            Outcome::Queued | Outcome::Refused => Some(Block::Threaded(insns)),
        }
    }

    /// Install the blocks compiled in the background since the last call
    /// (those whose block is still in its slot): once per batch.
    #[inline(always)]
    pub fn install_compiled(&mut self) {
        if self.compiling() != 0 {
            self.install_finished();
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn install_finished(&mut self) {
        let Some(jit) = self.jit.as_mut() else {
            return;
        };
        let index = &mut self.index;
        jit.take_finished(|f| {
            if let Some(b) = index.get_mut(f.slot).filter(|b| b.off == f.off && b.start == f.start) {
                b.code = Some(f.code);
            }
        });
    }

    /// Blocks being compiled in the background.
    pub(super) fn compiling(&self) -> usize {
        self.jit.as_ref().map_or(0, |j| j.in_flight())
    }

    #[cold]
    #[inline(never)]
    fn build(&mut self, ram: &Ram, off: usize, slot: usize) -> Option<&[Threaded]> {
        let stamp = ram.write_stamp(off);
        let ram = ram.bytes();
        if self.insns.len() + MAX_BLOCK > self.insns.capacity() || self.raw.len() + MAX_BLOCK * 4 > self.raw.capacity()
        {
            self.flush();
        }
        let start = self.insns.len();
        let page_start = off & !(PAGE_SIZE - 1);
        let page_end = page_start + PAGE_SIZE;
        // Where each instruction starts (a trace's may go back).
        let mut starts = [0usize; MAX_BLOCK];
        let raw_start = self.raw.len();
        let mut at = off;
        // Like the fetch path, which reads 4 bytes: an instruction starting
        // in the page's last 2 bytes is left to it.
        while at + 4 <= page_end && self.insns.len() - start < MAX_BLOCK {
            let word = u32::from_le_bytes(ram.get(at..at + 4)?.try_into().ok()?);
            let len = insn_len(word & 0xffff);
            let insn = decode(if len == 4 { word } else { word & 0xffff });
            starts[self.insns.len() - start] = at;
            self.insns.push(Threaded::new(insn));
            self.raw.extend_from_slice(ram.get(at..at + len as usize)?);
            let decoded = &starts[..self.insns.len() - start];
            let next = if insn.op == Op::JAL {
                // A jump within this page: the block goes on at its target
                // (a trace; see the module's comment).
                let target = jal_target(at, &insn);
                if !(page_start..page_end).contains(&target) {
                    break;
                }
                target
            } else if continues_block(insn.op) {
                at + len as usize
            } else {
                break;
            };
            if decoded.contains(&next) {
                // Goes on to an instruction already in the block: it ends
                // here (a JAL there is its last instruction).
                break;
            }
            at = next;
        }
        let len = self.insns.len() - start;
        if len == 0 {
            return None;
        }
        self.index[slot] = BlockRef {
            off,
            stamp,
            start: start as u32,
            raw_start: raw_start as u32,
            len: len as u16,
            runs: 0,
            code: None,
        };
        self.insns.get(start..start + len)
    }

    /// The link a compiled block's exit just asked for (`cell`: the
    /// address it left in `Hart::jit_link`).
    pub fn link_request(&self, cell: usize) -> Link {
        Link { cell, generation: self.jit.as_ref().map_or(0, |j| j.generation()) }
    }

    /// Whether the block at RAM offset `off` has compiled code.
    #[cfg(test)]
    pub fn compiled(&self, off: usize) -> bool {
        let slot = slot_of(off);
        self.index.get(slot).is_some_and(|b| b.off == off && b.code.is_some())
    }

    /// Drop every block, and the code compiled from them.
    pub(super) fn flush(&mut self) {
        self.index.fill(BlockRef::EMPTY);
        self.insns.clear();
        self.raw.clear();
        if let Some(jit) = self.jit.as_mut() {
            jit.clear();
        }
    }
}

/// The index slot of a block at RAM offset `off`: 64 KiB of code map
/// one-to-one, and the offset's higher bits are folded in so that code at
/// 64 KiB strides (user pages in scattered frames) spreads out too. A
/// conflict costs a decode, and the compiling again once hot.
#[inline(always)]
fn slot_of(off: usize) -> usize {
    ((off >> 1) ^ (off >> 17)) & (INDEX_ENTRIES - 1)
}

/// Whether RAM at `b.off` still holds the bytes `b` was decoded from:
/// each instruction's, where the block's way through them (`insns`, the
/// pool) finds it.
#[cold]
fn same_bytes(ram: &[u8], off: usize, raw: &[u8], insns: &[Threaded], b: &BlockRef) -> bool {
    let Some(block) = insns.get(b.start as usize..b.start as usize + b.len as usize) else {
        return false;
    };
    let (mut at, mut from) = (off, b.raw_start as usize);
    for (i, t) in block.iter().enumerate() {
        let n = t.insn.len as usize;
        if ram.get(at..at + n) != raw.get(from..from + n) {
            return false;
        }
        from += n;
        at = next_in_block(block, i, at);
    }
    true
}

/// The RAM offset a JAL at offset `at` jumps to.
fn jal_target(at: usize, jal: &Insn) -> usize {
    (at as i64).wrapping_add(jal.imm as i64) as usize
}

/// The RAM offset of the instruction after `block[i]` (at offset `at`) in
/// the block: the target of a JAL it goes on after (any JAL but its last
/// instruction), otherwise the next one in memory.
pub(super) fn next_in_block(block: &[Threaded], i: usize, at: usize) -> usize {
    let insn = &block[i].insn;
    if insn.op == Op::JAL && i + 1 < block.len() {
        jal_target(at, insn)
    } else {
        at + insn.len as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(words: &[u32]) -> Ram {
        let mut ram = Ram::new(0x8000_0000, 2 * PAGE_SIZE);
        for (i, w) in words.iter().enumerate() {
            ram.write(i * 4, 4, *w as u64);
        }
        ram
    }

    const ADDI_A0: u32 = 0x0015_0513; // addi a0, a0, 1
    const BEQ_0: u32 = 0x0000_0063; // beq x0, x0, 0
    const JAL_0: u32 = 0x0000_006f; // jal x0, 0

    fn ops(b: Option<Block<'_>>) -> Vec<Op> {
        threaded(b).iter().map(|t| t.insn.op).collect()
    }

    fn threaded(b: Option<Block<'_>>) -> &[Threaded] {
        match b {
            Some(Block::Threaded(insns)) => insns,
            _ => panic!("not a threaded block"),
        }
    }

    #[test]
    fn blocks_go_past_branches_and_end_after_jumps() {
        let mut ram = code(&[ADDI_A0, BEQ_0, ADDI_A0, JAL_0, ADDI_A0]);
        let mut c = BlockCache::default();
        assert_eq!(ops(c.get(&mut ram, 0, 0, Link::default())), [Op::ADDI, Op::BEQ, Op::ADDI, Op::JAL]);
        assert_eq!(ops(c.get(&mut ram, 8, 0, Link::default())), [Op::ADDI, Op::JAL], "a block may start anywhere");
    }

    #[test]
    fn blocks_go_on_at_jal_targets_in_their_page_once() {
        const J_8: u32 = 0x0080_006f; // jal x0, +8
        const J_M12: u32 = 0xff5f_f06f; // jal x0, -12

        // 0: addi; 4: j 12; 8: addi (skipped); 12: addi; 16: j 4 (in the
        // block already: its end).
        let mut ram = code(&[ADDI_A0, J_8, ADDI_A0, ADDI_A0, J_M12]);
        let mut c = BlockCache::default();
        assert_eq!(ops(c.get(&mut ram, 0, 0, Link::default())), [Op::ADDI, Op::JAL, Op::ADDI, Op::JAL]);
        // The skipped instruction is not the block's: writing it keeps
        // the block; writing one past the jump is seen.
        let first = threaded(c.get(&mut ram, 0, 0, Link::default())).as_ptr();
        ram.write(8, 4, JAL_0 as u64);
        assert_eq!(threaded(c.get(&mut ram, 0, 0, Link::default())).as_ptr(), first);
        ram.write(12, 4, JAL_0 as u64);
        assert_eq!(ops(c.get(&mut ram, 0, 0, Link::default())), [Op::ADDI, Op::JAL, Op::JAL]);
        // A jump out of the page ends the block.
        let mut ram = code(&[ADDI_A0, 0x8000_006f]); // jal x0, -1 MiB
        let mut c = BlockCache::default();
        assert_eq!(ops(c.get(&mut ram, 0, 0, Link::default())), [Op::ADDI, Op::JAL]);
    }

    #[test]
    fn rewritten_code_is_decoded_afresh_and_data_writes_keep_the_block() {
        let mut ram = code(&[ADDI_A0, ADDI_A0, JAL_0]);
        let mut c = BlockCache::default();
        let first = threaded(c.get(&mut ram, 0, 0, Link::default())).as_ptr();
        // A data store in the same page: same bytes, same block.
        ram.write(0x800, 8, 42);
        assert_eq!(threaded(c.get(&mut ram, 0, 0, Link::default())).as_ptr(), first);
        // A store to the second instruction.
        ram.write(4, 4, JAL_0 as u64);
        assert_eq!(ops(c.get(&mut ram, 0, 0, Link::default())), [Op::ADDI, Op::JAL]);
        // DMA (bytes_mut) is seen too.
        ram.bytes_mut()[0..4].copy_from_slice(&JAL_0.to_le_bytes());
        assert_eq!(ops(c.get(&mut ram, 0, 0, Link::default())), [Op::JAL]);
    }

    #[test]
    fn blocks_stay_in_their_page_and_in_bounds() {
        let mut ram = Ram::new(0x8000_0000, 2 * PAGE_SIZE);
        ram.bytes_mut().copy_from_slice(&[0x13u8, 0, 0, 0].repeat(2 * PAGE_SIZE / 4)); // nops
        let mut c = BlockCache::default();
        assert_eq!(c.get(&mut ram, 0, 0, Link::default()).unwrap().len(), MAX_BLOCK);
        assert_eq!(c.get(&mut ram, PAGE_SIZE - 8, 0, Link::default()).unwrap().len(), 2, "stops at the page end");
        assert!(c.get(&mut ram, PAGE_SIZE - 2, 0, Link::default()).is_none(), "last 2 bytes: left to the fetch path");
        assert!(c.get(&mut ram, 2 * PAGE_SIZE - 2, 0, Link::default()).is_none(), "off the end of RAM");
        // c.nop (0x0001): 16-bit instructions up to the page end.
        ram.bytes_mut()[..PAGE_SIZE].copy_from_slice(&[1u8, 0].repeat(PAGE_SIZE / 2));
        assert_eq!(c.get(&mut ram, PAGE_SIZE - 12, 0, Link::default()).unwrap().len(), 5);
    }

    #[test]
    fn a_full_pool_is_flushed_not_grown() {
        let mut ram = Ram::new(0x8000_0000, PAGE_SIZE);
        ram.bytes_mut().copy_from_slice(&[0x13u8, 0, 0, 0].repeat(PAGE_SIZE / 4));
        let mut c = BlockCache::default();
        let capacity = c.insns.capacity();
        for round in 0..3 {
            for off in (0..PAGE_SIZE - 4).step_by(2) {
                assert!(c.get(&mut ram, off, 0, Link::default()).is_some(), "round {round} offset {off}");
            }
        }
        assert_eq!(c.insns.capacity(), capacity);
    }
}
