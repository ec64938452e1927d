//! The fetch-page fast path (`Mmu::fetch`): exact I-TLB counts, and no
//! stale page after a context change.

use super::*;

/// Code at virtual page 0 (as riscv-tests' icache-alias has): the first
/// fetches after a context change must translate, whatever the pc, and
/// every fetch counts one I-TLB lookup, split or unified.
#[test]
fn fetches_from_page_zero_and_across_pages_translate_and_count() {
    for unified in [false, true] {
        let mut s = Sys::with(MmuConfig { unified, ..MmuConfig::default() });
        let code = [RAM_BASE + 0x20_0000, RAM_BASE + 0x30_0000];
        s.map(0, 0, leaf(code[0], V | X | A));
        s.map(PAGE, 0, leaf(code[1], V | X | A));
        for (i, &pa) in code.iter().enumerate() {
            for w in 0..PAGE / 4 {
                let off = s.mmu.bus.ram.offset_of(pa + 4 * w, 4).unwrap();
                s.mmu.bus.ram.write(off, 4, 0x0000_0013 | (i as u64 + 1) << 20 | (w & 0xfff) << 7);
                // addi xN
            }
        }
        // M-mode fetches from RAM fill the page cache with a physical page...
        s.context(MACHINE, 0);
        assert!(s.mmu.fetch(RAM_BASE + 0x20_0000).is_ok());
        // ...which a switch to S-mode must forget: pc 4 is virtual page 0.
        s.context(SUPERVISOR, 0);
        let before = s.mmu.itlb().stats.lookups;
        let expect = |i: u64, w: u64| (0x0000_0013 | (i + 1) << 20 | (w & 0xfff) << 7) as u32;
        let mut fetched = 0;
        for pc in [4, 8, 0xffc, PAGE, PAGE + 4, 0, 2 * 4, PAGE + 0xff8] {
            let (i, w) = (pc / PAGE, (pc % PAGE) / 4);
            assert_eq!(s.mmu.fetch(pc), Ok(expect(i, w)), "unified {unified} pc {pc:#x}");
            fetched += 1;
        }
        assert_eq!(s.mmu.itlb().stats.lookups - before, fetched, "one lookup per fetch");
        // An unmapped page faults, and the next fetch from page 0 still works.
        assert_eq!(s.mmu.fetch(2 * PAGE), Err(Exception::new(Cause::InstructionPageFault, 2 * PAGE)));
        assert_eq!(s.mmu.fetch(4), Ok(expect(0, 1)));
        // In M-mode a pc outside RAM is an access fault, fast path or not.
        s.context(MACHINE, 0);
        assert_eq!(s.mmu.fetch(4), Err(Exception::new(Cause::InstructionAccessFault, 4)));
    }
}
