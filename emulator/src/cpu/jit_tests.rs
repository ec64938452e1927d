//! Compiled blocks against threaded ones: random programs run on two harts,
//! one compiling every block at once, one never compiling; registers, pc,
//! memory, retired count, traps and TLB counters must agree.

use super::*;
use crate::bus::{Ram, RAM_BASE};

const RAM_SIZE: usize = 0x4000;
/// Where the data the programs load and store lies (x10 points here).
const DATA: u64 = RAM_BASE + 0x2000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn r_type(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}

fn i_type(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}

fn s_type(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (imm >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | 0x23
}

fn b_type(offset: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let o = offset as u32;
    (o >> 12 & 1) << 31
        | (o >> 5 & 0x3f) << 25
        | rs2 << 20
        | rs1 << 15
        | f3 << 12
        | (o >> 1 & 0xf) << 8
        | (o >> 11 & 1) << 7
        | 0x63
}

fn jal(offset: i32, rd: u32) -> u32 {
    let o = offset as u32;
    (o >> 20 & 1) << 31 | (o >> 1 & 0x3ff) << 21 | (o >> 11 & 1) << 20 | (o >> 12 & 0xff) << 12 | rd << 7 | 0x6f
}

/// A random program of `n` instructions at RAM_BASE that loops forever:
/// integer and M operations on x1..x15 (x10 keeps the data pointer),
/// loads and stores around DATA (some misaligned, some crossing a page,
/// some from a wild base: access faults), forward branches, counted loops
/// (x30 counts) whose bodies are the same mix, JALs over code (linking a
/// random register), loops that go round through a JAL back to code
/// before their start, overlapping loops (x29 and x30 count), and a jump
/// back to the start. The trap handler
/// (`HANDLER`) skips the faulting instruction.
fn program(rng: &mut Rng, n: usize) -> Vec<u32> {
    let mut code = Vec::new();
    while code.len() < n {
        let pick = rng.below(12);
        if pick == 0 {
            // jal rd, over; (skipped instructions); over:
            let len = 1 + rng.below(4) as usize;
            let skipped = straight_line(rng, len);
            let rd = [0, 1, 5, 13][rng.below(4) as usize];
            code.push(jal(4 * (skipped.len() as i32 + 1), rd));
            code.extend(skipped);
        } else if pick == 1 {
            // A detour loop, which a block goes round by running into
            // itself: li x30, count; j at; again: B; at: addi x30, x30, -1;
            // A; beqz x30, out; j again; out:
            let (b_len, a_len) = (1 + rng.below(4) as usize, 1 + rng.below(4) as usize);
            let (b, a) = (straight_line(rng, b_len), straight_line(rng, a_len));
            code.push(i_type(1 + rng.below(5) as i32, 0, 0, 30, 0x13));
            code.push(jal(4 * (b.len() as i32 + 1), 0));
            code.extend(&b);
            code.push(i_type(-1, 30, 0, 30, 0x13));
            code.extend(&a);
            code.push(b_type(8, 0, 30, 0));
            code.push(jal(-4 * (a.len() as i32 + 2 + b.len() as i32), 0));
        } else if pick == 2 {
            // Overlapping loops, the inner one's pass going back to the
            // outer one's start: li x30, c1; li x29, c2; outer: A;
            // inner: B; addi x30, x30, -1; bnez x30, outer; C;
            // li x30, c3; addi x29, x29, -1; bnez x29, inner
            let lens = [1 + rng.below(3) as usize, 1 + rng.below(3) as usize, 1 + rng.below(3) as usize];
            let [a, b, c] = lens.map(|n| straight_line(rng, n));
            code.push(i_type(1 + rng.below(3) as i32, 0, 0, 30, 0x13));
            code.push(i_type(1 + rng.below(3) as i32, 0, 0, 29, 0x13));
            code.extend(&a);
            code.extend(&b);
            code.push(i_type(-1, 30, 0, 30, 0x13));
            code.push(b_type(-4 * (a.len() + b.len() + 1) as i32, 0, 30, 1));
            code.extend(&c);
            code.push(i_type(1 + rng.below(3) as i32, 0, 0, 30, 0x13));
            code.push(i_type(-1, 29, 0, 29, 0x13));
            code.push(b_type(-4 * (b.len() + c.len() + 4) as i32, 0, 29, 1));
        } else if pick < 5 {
            // li x30, count; body; addi x30, x30, -1; bnez x30, body
            code.push(i_type(1 + rng.below(5) as i32, 0, 0, 30, 0x13));
            let len = 1 + rng.below(10) as usize;
            let body = straight_line(rng, len);
            let back = -(4 * (body.len() as i32 + 1));
            code.extend(body);
            code.push(i_type(-1, 30, 0, 30, 0x13));
            code.push(b_type(back, 0, 30, 1));
        } else {
            let len = 1 + rng.below(8) as usize;
            code.extend(straight_line(rng, len));
        }
    }
    // Branches near the end land on these.
    code.extend([0x13; 4]);
    let back = -(4 * code.len() as i32);
    code.push(jal(back, 0));
    code
}

/// `n` random instructions of the mix [`program`] describes, without its
/// loops.
fn straight_line(rng: &mut Rng, n: usize) -> Vec<u32> {
    let mut code = Vec::new();
    let reg = |rng: &mut Rng| {
        let r = 1 + rng.below(15) as u32;
        if r == 10 {
            11
        } else {
            r
        }
    };
    while code.len() < n {
        let rd = reg(rng);
        let rs1 = reg(rng);
        let rs2 = reg(rng);
        let word = match rng.below(10) {
            0..=2 => {
                // add sub sll slt sltu xor srl sra or and, M, and the W forms
                const OPS: [(u32, u32, u32); 28] = [
                    (0, 0, 0x33),
                    (0x20, 0, 0x33),
                    (0, 1, 0x33),
                    (0, 2, 0x33),
                    (0, 3, 0x33),
                    (0, 4, 0x33),
                    (0, 5, 0x33),
                    (0x20, 5, 0x33),
                    (0, 6, 0x33),
                    (0, 7, 0x33),
                    (1, 0, 0x33),
                    (1, 1, 0x33),
                    (1, 2, 0x33),
                    (1, 3, 0x33),
                    (1, 4, 0x33),
                    (1, 5, 0x33),
                    (1, 6, 0x33),
                    (1, 7, 0x33),
                    (0, 0, 0x3b),
                    (0x20, 0, 0x3b),
                    (0, 1, 0x3b),
                    (0, 5, 0x3b),
                    (0x20, 5, 0x3b),
                    (1, 0, 0x3b),
                    (1, 4, 0x3b),
                    (1, 5, 0x3b),
                    (1, 6, 0x3b),
                    (1, 7, 0x3b),
                ];
                let (f7, f3, op) = OPS[rng.below(OPS.len() as u64) as usize];
                r_type(f7, rs2, rs1, f3, rd, op)
            }
            3..=4 => {
                let f3 = rng.below(8) as u32;
                let imm = match f3 {
                    1 => rng.below(64) as i32,
                    5 => rng.below(64) as i32 | if rng.below(2) == 0 { 0x400 } else { 0 },
                    _ => rng.below(4096) as i32 - 2048,
                };
                i_type(imm, rs1, f3, rd, 0x13)
            }
            5 => {
                // lui / auipc / addiw
                match rng.below(3) {
                    0 => (rng.next() as u32 & 0xffff_f000) | rd << 7 | 0x37,
                    1 => (rng.next() as u32 & 0xffff_f000) | rd << 7 | 0x17,
                    _ => i_type(rng.below(4096) as i32 - 2048, rs1, 0, rd, 0x1b),
                }
            }
            6..=7 => {
                // loads: lb lh lw ld lbu lhu lwu, mostly near DATA
                let f3 = [0, 1, 2, 3, 4, 5, 6][rng.below(7) as usize];
                let imm = if rng.below(8) == 0 { rng.below(4096) as i32 - 2048 } else { rng.below(64) as i32 };
                let base = if rng.below(16) == 0 { rs1 } else { 10 };
                i_type(imm, base, f3, rd, 0x03)
            }
            8 => {
                let f3 = rng.below(4) as u32;
                let imm = if rng.below(8) == 0 { rng.below(4096) as i32 - 2048 } else { rng.below(64) as i32 };
                let base = if rng.below(16) == 0 { rs1 } else { 10 };
                s_type(imm, rs2, base, f3)
            }
            _ => {
                // a forward branch over 1..4 instructions
                let f3 = [0, 1, 4, 5, 6, 7][rng.below(6) as usize];
                b_type(4 * (1 + rng.below(4) as i32), rs2, rs1, f3)
            }
        };
        code.push(word);
    }
    code
}

/// The trap handler: mepc += 4 (every instruction is 4 bytes), using x31
/// (which the programs leave alone), then mret.
const HANDLER: u64 = 0x1000;

fn hart(code: &[u32], jit: Option<u32>, background: bool) -> Hart {
    let mut ram = Ram::new(RAM_BASE, RAM_SIZE);
    for (i, w) in code.iter().enumerate() {
        ram.write(i * 4, 4, *w as u64);
    }
    let handler =
        [i_type(0x341, 0, 2, 31, 0x73), i_type(4, 31, 0, 31, 0x13), i_type(0x341, 31, 1, 0, 0x73), 0x3020_0073];
    for (i, w) in handler.iter().enumerate() {
        ram.write(HANDLER as usize + i * 4, 4, *w as u64);
    }
    for i in 0..0x200 {
        ram.write(0x2000 - 0x800 + i * 8, 8, (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    let mut h = Hart::new(Bus::new(ram), MmuConfig::default(), RAM_BASE);
    h.x[10] = DATA;
    h.csr.mtvec = RAM_BASE + HANDLER;
    h.set_jit(jit, background);
    h
}

#[test]
fn compiled_blocks_agree_with_threaded_blocks() {
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    for round in 0..40 {
        let n = 20 + rng.below(200) as usize;
        let code = program(&mut rng, n);
        // Every fourth round compiles in the background (which blocks run
        // compiled, when, is then the host's choice; the results may not
        // depend on it).
        let mut compiled = hart(&code, Some(1), round % 4 == 3);
        let mut threaded = hart(&code, None, false);
        for limit in [1_000u64, 30_000, 200_000] {
            let a = compiled.run(limit);
            let b = threaded.run(limit);
            let what = format!("round {round}, {limit} instructions");
            assert_eq!(a, b, "{what}: stop reason");
            assert_eq!(compiled.x, threaded.x, "{what}: registers");
            assert_eq!(compiled.pc, threaded.pc, "{what}: pc");
            assert_eq!(compiled.retired, threaded.retired, "{what}: retired");
            assert_eq!(compiled.stats, threaded.stats, "{what}: traps");
            assert_eq!(compiled.mmu.dtlb().stats, threaded.mmu.dtlb().stats, "{what}: D-TLB");
            assert!(compiled.mmu.bus.ram.bytes() == threaded.mmu.bus.ram.bytes(), "{what}: memory");
        }
    }
}

#[test]
fn a_branch_over_a_loop_header_gives_the_loop_its_registers() {
    // The branch at 4 skips the header at 8 of the loop that goes back
    // from 16; x6, which only the skipped instruction reads, must have
    // its value when that loop comes round to 8.
    let code = [
        i_type(2, 0, 0, 30, 0x13),   // 0: li x30, 2
        b_type(8, 0, 0, 0),          // 4: beq x0, x0, 12
        r_type(0, 0, 6, 0, 5, 0x33), // 8: add x5, x6, x0
        i_type(-1, 30, 0, 30, 0x13), // 12: addi x30, x30, -1
        b_type(-8, 0, 30, 1),        // 16: bnez x30, 8
        i_type(1, 6, 0, 6, 0x13),    // 20: addi x6, x6, 1
        i_type(0, 7, 0, 0, 0x67),    // 24: jalr x0, 0(x7): back to 0
    ];
    let mut compiled = hart(&code, Some(1), false);
    let mut threaded = hart(&code, None, false);
    for h in [&mut compiled, &mut threaded] {
        h.x[6] = 1000;
        h.x[7] = RAM_BASE;
        h.run(100);
    }
    assert_eq!(threaded.x[5], 1000 + 100 / 9 - 1, "the threaded run");
    assert_eq!(compiled.x, threaded.x);
}

#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn the_jit_compiles_where_cranelift_has_a_backend() {
    // On the hosts CI runs on, compiled blocks do run: with `after` = 1, a
    // block is decoded on its first run and compiled on its second.
    let code = program(&mut Rng(7), 16);
    let mut h = hart(&code, Some(1), false);
    let off = 0;
    let mut blocks = std::mem::replace(&mut h.blocks, BlockCache::empty());
    let first = blocks.get(&mut h.mmu.bus.ram, off, RAM_BASE, jit::Link::default());
    assert!(matches!(first, Some(Block::Threaded(..))), "decoded");
    let second = blocks.get(&mut h.mmu.bus.ram, off, RAM_BASE, jit::Link::default());
    assert!(matches!(second, Some(Block::Compiled(..))), "compiled");
}

/// With the hart's block cache, install what was compiled and call `get`
/// at offset 0 until it returns
/// compiled code or `tries` calls have been made (1 ms apart), and say
/// whether it did.
fn compiled_within(blocks: &mut BlockCache, h: &mut Hart, tries: usize) -> bool {
    for _ in 0..tries {
        blocks.install_compiled();
        if matches!(blocks.get(&mut h.mmu.bus.ram, 0, RAM_BASE, jit::Link::default()), Some(Block::Compiled(..))) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn blocks_compiled_in_the_background_get_installed() {
    let code = program(&mut Rng(11), 16);
    let mut h = hart(&code, Some(1), true);
    let mut blocks = std::mem::replace(&mut h.blocks, BlockCache::empty());
    assert!(compiled_within(&mut blocks, &mut h, 10_000), "compiled within 10 s");
}

#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn code_compiled_before_a_flush_is_never_installed_after_it() {
    let code = program(&mut Rng(12), 16);
    let mut h = hart(&code, Some(1), true);
    let mut blocks = std::mem::replace(&mut h.blocks, BlockCache::empty());
    // Decode, then ask for compiling; drop everything while that is on
    // its way, and put other code where the block was: the new block has
    // the old one's slot, offset and pool index.
    blocks.get(&mut h.mmu.bus.ram, 0, RAM_BASE, jit::Link::default());
    blocks.get(&mut h.mmu.bus.ram, 0, RAM_BASE, jit::Link::default());
    blocks.flush();
    h.mmu.bus.ram.write(0, 4, 0x0000_006f); // jal x0, 0
    blocks.get(&mut h.mmu.bus.ram, 0, RAM_BASE, jit::Link::default());
    for _ in 0..10_000 {
        blocks.install_finished();
        if blocks.compiling() == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(blocks.compiling(), 0, "answered within 10 s");
    assert!(!blocks.compiled(0), "the old block's code is not the new block's");
    // The new block compiles in its turn.
    assert!(compiled_within(&mut blocks, &mut h, 10_000), "compiled within 10 s");
}
