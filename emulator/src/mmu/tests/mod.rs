//! Tests of the MMU through its public interface: `Mmu::new`,
//! `set_context`, `translate`, `fence`, `walk_stats` and the TLBs' `stats`,
//! on page tables written by hand into RAM.
//!
//! 1. The walker, one test per rule of the privileged specification's Sv39
//!    translation process ("Virtual Address Translation Process", 12.3.2 of
//!    the 2024 privileged spec, 4.3.2 in older editions; the Sv39 specifics
//!    in 12.4). Step numbers in the comments are that section's.
//! 2. The walk and TLB counters.
//! 3. sfence.vma and ASIDs.
//! 4. Exactness: the MMU's TLB counters (which take a "last entry" fast
//!    path) against a deliberately simple reference model of the TLBs as
//!    documented in `tlb.rs`, which consults its TLB on every access in
//!    program order, over random traces.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::sv39::pte::{A, D, G, R, U, V, W, X};
use super::tlb::{Fence, Policy, TlbConfig, TlbStats};
use super::{Access, AdMode, Mmu, MmuConfig, RamWindow};
use crate::addr::VirtAddr;
use crate::bus::{Bus, Ram, RAM_BASE};
use crate::cpu::csr::mstatus;
use crate::cpu::trap::{Cause, Exception};
use crate::cpu::Privilege;

const PAGE: u64 = 1 << 12;
const MEGA: u64 = 1 << 21;
const GIGA: u64 = 1 << 30;
const RAM_SIZE: usize = 4 << 20;
const SATP_SV39: u64 = 8 << 60;
const SUPERVISOR: Privilege = Privilege::Supervisor;
const USER: Privilege = Privilege::User;
const MACHINE: Privilege = Privilege::Machine;
const ACCESSES: [Access; 3] = [Access::Fetch, Access::Load, Access::Store];

// ---------------------------------------------------------------------------
// Helpers: page tables built by hand in RAM.
// ---------------------------------------------------------------------------

/// A PTE mapping physical address `pa` with `flags` (V included explicitly,
/// so tests can leave it out).
fn leaf(pa: u64, flags: u64) -> u64 {
    ((pa >> 12) << 10) | flags
}

/// A valid non-leaf PTE pointing at the table at `pa`.
fn pointer(pa: u64) -> u64 {
    ((pa >> 12) << 10) | V
}

/// The physical address a PTE's PPN field names.
fn pte_pa(pte: u64) -> u64 {
    ((pte >> 10) & ((1 << 44) - 1)) << 12
}

fn satp(asid: u16, root: u64) -> u64 {
    SATP_SV39 | (asid as u64) << 44 | root >> 12
}

/// Sign-extend a 39-bit virtual address.
fn canon(va: u64) -> u64 {
    (((va << 25) as i64) >> 25) as u64
}

fn page_fault(access: Access, va: u64) -> Result<u64, Exception> {
    let cause = match access {
        Access::Fetch => Cause::InstructionPageFault,
        Access::Load => Cause::LoadPageFault,
        Access::Store => Cause::StorePageFault,
    };
    Err(Exception::new(cause, va))
}

/// An MMU over a RAM of `RAM_SIZE` bytes, with a bump allocator for page
/// tables at the start of RAM and a root table.
struct Sys {
    mmu: Mmu,
    next_table: u64,
    root: u64,
}

impl Sys {
    fn new(ad: AdMode) -> Sys {
        Sys::with(MmuConfig { ad, ..MmuConfig::default() })
    }

    fn with(config: MmuConfig) -> Sys {
        let bus = Bus::new(Ram::new(RAM_BASE, RAM_SIZE));
        let mut s = Sys { mmu: Mmu::new(bus, config), next_table: RAM_BASE, root: 0 };
        s.root = s.alloc_table();
        s
    }

    fn alloc_table(&mut self) -> u64 {
        let t = self.next_table;
        self.next_table += PAGE;
        assert!(self.next_table <= RAM_BASE + RAM_SIZE as u64, "out of page-table RAM");
        t
    }

    fn read(&self, pa: u64) -> u64 {
        let ram = &self.mmu.bus.ram;
        ram.read(ram.offset_of(pa, 8).expect("PTE in RAM"), 8)
    }

    fn write(&mut self, pa: u64, value: u64) {
        let off = self.mmu.bus.ram.offset_of(pa, 8).expect("PTE in RAM");
        self.mmu.bus.ram.write(off, 8, value);
    }

    /// Address of the PTE for `va` at `level` in the table at `table`.
    fn slot(table: u64, va: u64, level: u32) -> u64 {
        table + ((va >> (12 + 9 * level)) & 0x1ff) * 8
    }

    /// Address of the PTE for `va` at `level` under `root`, creating the
    /// tables above it as needed.
    fn pte_addr_in(&mut self, root: u64, va: u64, level: u32) -> u64 {
        let mut table = root;
        for l in (level + 1..3).rev() {
            let a = Sys::slot(table, va, l);
            let p = self.read(a);
            if p & V == 0 {
                let t = self.alloc_table();
                self.write(a, pointer(t));
                table = t;
            } else {
                assert_eq!(p & (R | X), 0, "a leaf is in the way of {va:#x}");
                table = pte_pa(p);
            }
        }
        Sys::slot(table, va, level)
    }

    fn pte_addr(&mut self, va: u64, level: u32) -> u64 {
        self.pte_addr_in(self.root, va, level)
    }

    /// Write `pte` as the entry for `va` at `level` under `root`; returns
    /// its address.
    fn map_in(&mut self, root: u64, va: u64, level: u32, pte: u64) -> u64 {
        let a = self.pte_addr_in(root, va, level);
        self.write(a, pte);
        a
    }

    fn map(&mut self, va: u64, level: u32, pte: u64) -> u64 {
        self.map_in(self.root, va, level, pte)
    }

    /// Run at `prv` with `mstatus`, Sv39 on the root table, ASID 0.
    fn context(&mut self, prv: Privilege, mstatus_value: u64) {
        self.mmu.set_context(prv, mstatus_value, satp(0, self.root));
    }

    fn tr(&mut self, va: u64, access: Access) -> Result<u64, Exception> {
        self.mmu.translate(VirtAddr(va), access).map(|pa| pa.0)
    }
}

/// S-mode, SUM = MXR = 0, hardware A/D, with `va` mapped by a 4 KiB leaf
/// `pte`.
fn one_page(va: u64, pte: u64) -> Sys {
    let mut s = Sys::new(AdMode::Hardware);
    s.map(va, 0, pte);
    s.context(SUPERVISOR, 0);
    s
}

const VA: u64 = 0x1234_5000;
const PA: u64 = 0x8765_4000;
const RWXAD: u64 = V | R | W | X | A | D;

// ---------------------------------------------------------------------------
// 1. The walker.
// ---------------------------------------------------------------------------

#[test]
fn leaf_4k_translates() {
    // Step 8: pa.pgoff = va.pgoff, pa.ppn = pte.ppn for a level-0 leaf.
    let mut s = one_page(VA, leaf(PA, RWXAD));
    for access in ACCESSES {
        assert_eq!(s.tr(VA + 0x678, access), Ok(PA + 0x678));
        assert_eq!(s.tr(VA, access), Ok(PA));
        assert_eq!(s.tr(VA + 0xfff, access), Ok(PA + 0xfff));
    }
    // The neighbouring pages are not mapped.
    assert_eq!(s.tr(VA + PAGE, Access::Load), page_fault(Access::Load, VA + PAGE));
    assert_eq!(s.tr(VA - 1, Access::Load), page_fault(Access::Load, VA - 1));
}

#[test]
fn leaf_2m_translates_with_low_vpn_from_va() {
    // Step 8: for a superpage (i > 0), pa.ppn[i-1:0] = va.vpn[i-1:0].
    let va = 0x4060_0000; // 2 MiB aligned
    let pa = 0x9040_0000; // 2 MiB aligned
    let mut s = Sys::new(AdMode::Hardware);
    s.map(va, 1, leaf(pa, RWXAD));
    s.context(SUPERVISOR, 0);
    for off in [0, 0x123, 0x1a_b123, MEGA - 1] {
        for access in ACCESSES {
            assert_eq!(s.tr(va + off, access), Ok(pa + off), "offset {off:#x}");
        }
    }
    assert!(s.tr(va + MEGA, Access::Load).is_err());
    assert_eq!(s.mmu.walk_stats().walks_by_level, [0, 2, 0], "one walk per TLB, a 2 MiB leaf");
}

#[test]
fn leaf_1g_translates_with_low_vpns_from_va() {
    // Step 8 with i = 2: pa.ppn[1:0] = va.vpn[1:0].
    let mut s = Sys::new(AdMode::Hardware);
    let va = 5 * GIGA;
    let pa = 3 * GIGA;
    s.map(va, 2, leaf(pa, RWXAD));
    // And one in the upper half of the address space (vpn[2] = 511).
    let high = canon(511 * GIGA);
    assert_eq!(high, 0xffff_ffff_c000_0000);
    s.map(high, 2, leaf(4 * GIGA, RWXAD));
    s.context(SUPERVISOR, 0);
    for off in [0, 0x2bcd_e123, GIGA - 1, 0x20_0000, 0x1000] {
        for access in ACCESSES {
            assert_eq!(s.tr(va + off, access), Ok(pa + off), "offset {off:#x}");
            assert_eq!(s.tr(high + off, access), Ok(4 * GIGA + off), "offset {off:#x}");
        }
    }
    assert!(s.tr(va + GIGA, Access::Load).is_err());
    assert_eq!(s.mmu.walk_stats().walks_by_level, [0, 0, 4], "two pages, one walk per TLB");
}

#[test]
fn invalid_pte_faults() {
    // Step 3: if pte.v = 0, stop and raise a page-fault exception
    // corresponding to the original access type.
    let mut s = Sys::new(AdMode::Hardware);
    s.map(VA, 0, leaf(PA, R | W | X | A | D)); // a leaf without V
    s.context(SUPERVISOR, 0);
    for access in ACCESSES {
        assert_eq!(s.tr(VA + 8, access), page_fault(access, VA + 8));
        // V = 0 at the root level (nothing mapped in that gigabyte).
        let far = 7 * GIGA + 0x10;
        assert_eq!(s.tr(far, access), page_fault(access, far));
        // V = 0 at level 1 (a different 2 MiB region of the same gigabyte).
        let mid = VA + 8 * MEGA;
        assert_eq!(s.tr(mid, access), page_fault(access, mid));
    }
    // A non-leaf PTE without V is invalid too, even with a good PPN below
    // it: make the leaf valid, then clear V in the root's pointer.
    let a = s.pte_addr(VA, 0);
    s.write(a, leaf(PA, RWXAD));
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    let root_slot = Sys::slot(s.root, VA, 2);
    let p = s.read(root_slot);
    s.write(root_slot, p & !V);
    s.mmu.fence(Fence::All);
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), page_fault(access, VA));
    }
}

#[test]
fn write_without_read_faults() {
    // Step 3: if pte.r = 0 and pte.w = 1, stop and raise a page-fault
    // exception (the encoding W without R is reserved), even for fetches of
    // an executable W-without-R page.
    for flags in [W, W | X, W | U, W | X | U] {
        let mut s = one_page(VA, leaf(PA, V | A | D | flags));
        for access in ACCESSES {
            assert_eq!(s.tr(VA, access), page_fault(access, VA), "flags {flags:#x}");
        }
        s.context(USER, 0);
        for access in ACCESSES {
            assert_eq!(s.tr(VA, access), page_fault(access, VA), "flags {flags:#x}, U-mode");
        }
    }
}

#[test]
fn reserved_high_bits_fault() {
    // Step 3: bits 63:54 (reserved 60:54, PBMT 62:61, N 63) are reserved
    // without Svpbmt/Svnapot: any set bit is a page fault, in a leaf ...
    for bit in [54, 55, 59, 60, 61, 62, 63] {
        let mut s = one_page(VA, leaf(PA, RWXAD) | 1 << bit);
        for access in ACCESSES {
            assert_eq!(s.tr(VA, access), page_fault(access, VA), "leaf bit {bit}");
        }
    }
    // ... and in a non-leaf PTE, at either level.
    for (level, bit) in [(2, 54), (2, 63), (1, 61), (1, 58)] {
        let mut s = one_page(VA, leaf(PA, RWXAD));
        let table = if level == 2 { s.root } else { pte_pa(s.read(Sys::slot(s.root, VA, 2))) };
        let a = Sys::slot(table, VA, level);
        let p = s.read(a);
        s.write(a, p | 1 << bit);
        for access in ACCESSES {
            assert_eq!(s.tr(VA, access), page_fault(access, VA), "level {level} pointer bit {bit}");
        }
    }
}

#[test]
fn pointer_at_level_0_faults() {
    // Step 4: a non-leaf PTE (R = X = 0) means i = i - 1; if i < 0, stop and
    // raise a page fault. A level-0 PTE with V = 1, R = W = X = 0 is such a
    // pointer.
    let mut s = one_page(VA, pointer(RAM_BASE));
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), page_fault(access, VA));
    }
    assert_eq!(s.mmu.walk_stats().pte_reads, 9, "three walks of three PTEs");
    assert_eq!(s.mmu.walk_stats().walk_faults, 3);
}

#[test]
fn pointer_with_a_d_or_u_faults() {
    // Step 4 (and 12.3.1): for non-leaf PTEs the D, A and U bits are
    // reserved and must be zero. The implementation faults on them, as
    // Spike does.
    for level in [2u32, 1] {
        for bit in [A, D, U] {
            let mut s = one_page(VA, leaf(PA, RWXAD));
            let table = if level == 2 { s.root } else { pte_pa(s.read(Sys::slot(s.root, VA, 2))) };
            let a = Sys::slot(table, VA, level);
            let p = s.read(a);
            s.write(a, p | bit);
            for access in ACCESSES {
                assert_eq!(s.tr(VA, access), page_fault(access, VA), "level {level} bit {bit:#x}");
            }
            // The G bit is allowed on a pointer.
            s.write(a, p | G);
            assert_eq!(s.tr(VA, Access::Load), Ok(PA));
        }
    }
}

#[test]
fn misaligned_superpage_faults() {
    // Step 6: if i > 0 and pte.ppn[i-1:0] != 0, this is a misaligned
    // superpage: stop and raise a page fault.
    let cases: [(u64, u32, u64); 4] = [
        (0x4060_0000, 1, 0x9040_1000),  // 2 MiB leaf, ppn[0] = 1
        (0x4060_0000, 1, 0x9041_f000),  // 2 MiB leaf, ppn[0] = 0x1f
        (5 * GIGA, 2, 3 * GIGA + MEGA), // 1 GiB leaf, ppn[1] != 0
        (5 * GIGA, 2, 3 * GIGA + PAGE), // 1 GiB leaf, ppn[0] != 0
    ];
    for (va, level, pa) in cases {
        let mut s = Sys::new(AdMode::Hardware);
        s.map(va, level, leaf(pa, RWXAD));
        s.context(SUPERVISOR, 0);
        for access in ACCESSES {
            let at = va + 0x3456;
            assert_eq!(s.tr(at, access), page_fault(access, at), "level {level} pa {pa:#x}");
        }
        assert_eq!(s.mmu.walk_stats().walks_by_level, [0, 0, 0]);
    }
}

#[test]
fn non_canonical_va_faults_with_va_in_tval() {
    // Sv39 (12.4): instruction fetches, loads and stores whose VA bits
    // 63:39 do not all equal bit 38 raise a page fault; tval is the VA.
    let mut s = one_page(VA, leaf(PA, RWXAD));
    // Fill the TLB and the remembered last entries with VA's page first: a
    // non-canonical address with the same low 39 bits must not hit them.
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), Ok(PA));
    }
    let walks = s.mmu.walk_stats().walks;
    let lookups = (s.mmu.itlb().stats.lookups, s.mmu.dtlb().stats.lookups);
    for bad in [VA | 1 << 39, VA | 1 << 63, VA | 0xff00_0000_0000_0000, canon(VA | 1 << 38) & !(1 << 50), 1 << 38] {
        for access in ACCESSES {
            assert_eq!(s.tr(bad, access), page_fault(access, bad), "va {bad:#x}");
        }
    }
    assert_eq!(s.mmu.walk_stats().walks, walks, "no walk for a non-canonical address");
    assert_eq!((s.mmu.itlb().stats.lookups, s.mmu.dtlb().stats.lookups), lookups, "no TLB lookup either");
    // A canonical upper-half address (bit 38 set, sign-extended) is fine
    // where mapped, and faults, as a page fault, where not.
    let high = canon(1 << 38);
    assert_eq!(s.tr(high, Access::Load), page_fault(Access::Load, high));
}

#[test]
fn page_table_outside_ram_is_an_access_fault() {
    // Step 2: if accessing the PTE violates a PMA or PMP check, raise an
    // access-fault exception corresponding to the original access type
    // (causes 1, 5, 7), not a page fault. Here the root is at 0x1000_0000,
    // where there is no memory.
    let mut s = Sys::new(AdMode::Hardware);
    s.mmu.set_context(SUPERVISOR, 0, satp(0, 0x1000_0000));
    let va = 0x4000_0123;
    let expect = [
        (Access::Fetch, Cause::InstructionAccessFault, 1),
        (Access::Load, Cause::LoadAccessFault, 5),
        (Access::Store, Cause::StoreAccessFault, 7),
    ];
    for (access, cause, code) in expect {
        let e = s.tr(va, access).unwrap_err();
        assert_eq!(e, Exception::new(cause, va));
        assert_eq!(e.cause as u8, code);
    }
    assert_eq!(s.mmu.walk_stats().walk_faults, 3);
    assert_eq!(s.mmu.walk_stats().pte_reads, 3);
    // The same for a root PTE pointing at a level-1 table out of RAM (no
    // memory at 0x1000_0000, or just past the end of RAM).
    let mut s = one_page(VA, leaf(PA, RWXAD));
    let a = Sys::slot(s.root, VA, 2);
    s.write(a, pointer(0x1000_0000));
    assert_eq!(s.tr(VA, Access::Store), Err(Exception::new(Cause::StoreAccessFault, VA)));
    s.write(a, pointer(RAM_BASE + RAM_SIZE as u64));
    assert_eq!(s.tr(VA, Access::Load), Err(Exception::new(Cause::LoadAccessFault, VA)));
    // Page-fault causes are 12, 13, 15.
    let codes: Vec<u8> = ACCESSES.iter().map(|&acc| page_fault(acc, 0).unwrap_err().cause as u8).collect();
    assert_eq!(codes, [12, 13, 15]);
}

#[test]
fn read_write_execute_permissions() {
    // Step 5: the leaf must allow the access: fetch needs X, load needs R
    // (or X with MXR), store needs W.
    let kinds = [R, R | W, X, R | X, R | W | X];
    let mut s = Sys::new(AdMode::Hardware);
    for (i, &k) in kinds.iter().enumerate() {
        s.map(VA + i as u64 * PAGE, 0, leaf(PA + i as u64 * PAGE, V | A | D | k));
    }
    s.context(SUPERVISOR, 0);
    // Twice: the first round walks, the second hits the TLB (which must
    // check the cached permissions the same way).
    for round in 0..2 {
        for (i, &k) in kinds.iter().enumerate() {
            let va = VA + i as u64 * PAGE + 0x10;
            for (access, needed) in [(Access::Fetch, X), (Access::Load, R), (Access::Store, W)] {
                let want = if k & needed != 0 { Ok(PA + i as u64 * PAGE + 0x10) } else { page_fault(access, va) };
                assert_eq!(s.tr(va, access), want, "round {round} flags {k:#x} {access:?}");
            }
        }
    }
}

#[test]
fn user_pages_from_supervisor_need_sum_and_are_never_executed() {
    // Step 5 with sstatus.SUM ("Memory Privilege in sstatus"): S-mode may
    // load/store U pages only with SUM = 1, and may never execute them.
    let mut s = one_page(VA, leaf(PA, RWXAD | U));
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), page_fault(access, VA), "SUM = 0 {access:?}");
    }
    s.context(SUPERVISOR, mstatus::SUM);
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    assert_eq!(s.tr(VA, Access::Store), Ok(PA));
    assert_eq!(s.tr(VA, Access::Fetch), page_fault(Access::Fetch, VA), "S never executes U pages");
    // Back to SUM = 0: the entries are in the TLB, the check still applies.
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Load), page_fault(Access::Load, VA));
    assert_eq!(s.tr(VA, Access::Store), page_fault(Access::Store, VA));
    // U-mode may use the page, SUM or not.
    s.context(USER, 0);
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), Ok(PA), "U-mode {access:?}");
    }
}

#[test]
fn user_mode_cannot_touch_supervisor_pages() {
    // Step 5: U-mode may only access pages with U = 1 (SUM does not matter).
    let mut s = one_page(VA, leaf(PA, RWXAD));
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), Ok(PA), "S-mode {access:?}");
    }
    for ms in [0, mstatus::SUM, mstatus::MXR | mstatus::SUM] {
        s.context(USER, ms);
        for access in ACCESSES {
            assert_eq!(s.tr(VA, access), page_fault(access, VA), "U-mode {access:?} mstatus {ms:#x}");
        }
    }
}

#[test]
fn mxr_makes_execute_only_pages_readable() {
    // Step 5 with MXR: loads from pages marked R or X succeed; stores are
    // unaffected.
    let mut s = Sys::new(AdMode::Hardware);
    s.map(VA, 0, leaf(PA, V | X | A | D));
    s.map(VA + PAGE, 0, leaf(PA + PAGE, V | X | U | A | D));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Load), page_fault(Access::Load, VA));
    assert_eq!(s.tr(VA, Access::Fetch), Ok(PA));
    s.context(SUPERVISOR, mstatus::MXR);
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    assert_eq!(s.tr(VA, Access::Store), page_fault(Access::Store, VA));
    // A U page: S-mode needs SUM as well as MXR to read it.
    assert_eq!(s.tr(VA + PAGE, Access::Load), page_fault(Access::Load, VA + PAGE));
    s.context(SUPERVISOR, mstatus::MXR | mstatus::SUM);
    assert_eq!(s.tr(VA + PAGE, Access::Load), Ok(PA + PAGE));
    s.context(USER, mstatus::MXR);
    assert_eq!(s.tr(VA + PAGE, Access::Load), Ok(PA + PAGE));
    s.context(USER, 0);
    assert_eq!(s.tr(VA + PAGE, Access::Load), page_fault(Access::Load, VA + PAGE));
}

#[test]
fn mprv_translates_machine_data_accesses_but_not_fetches() {
    // 3.1.6.3: with MPRV = 1, loads and stores in M-mode are translated and
    // protected as if the privilege were MPP; fetches are not affected.
    let mut s = Sys::new(AdMode::Hardware);
    s.map(VA, 0, leaf(PA, RWXAD));
    s.map(VA + PAGE, 0, leaf(PA + PAGE, RWXAD | U));
    let mpp = |p: Privilege| (p as u64) << mstatus::MPP_SHIFT;
    s.context(MACHINE, mstatus::MPRV | mpp(SUPERVISOR));
    assert_eq!(s.tr(VA + 4, Access::Load), Ok(PA + 4));
    assert_eq!(s.tr(VA + 4, Access::Store), Ok(PA + 4));
    assert_eq!(s.tr(VA + 4, Access::Fetch), Ok(VA + 4), "fetches stay untranslated");
    let unmapped = VA + 16 * PAGE;
    assert_eq!(s.tr(unmapped, Access::Load), page_fault(Access::Load, unmapped));
    assert_eq!(s.tr(unmapped, Access::Fetch), Ok(unmapped));
    // MPP = S and a U page: needs SUM.
    assert_eq!(s.tr(VA + PAGE, Access::Load), page_fault(Access::Load, VA + PAGE));
    s.context(MACHINE, mstatus::MPRV | mpp(SUPERVISOR) | mstatus::SUM);
    assert_eq!(s.tr(VA + PAGE, Access::Load), Ok(PA + PAGE));
    // MPP = U: only the U page.
    s.context(MACHINE, mstatus::MPRV | mpp(USER));
    assert_eq!(s.tr(VA, Access::Store), page_fault(Access::Store, VA));
    assert_eq!(s.tr(VA + PAGE, Access::Store), Ok(PA + PAGE));
    // MPP = M, or MPRV = 0: no translation.
    for ms in [mstatus::MPRV | mpp(MACHINE), mpp(SUPERVISOR), 0] {
        s.context(MACHINE, ms);
        for access in ACCESSES {
            assert_eq!(s.tr(unmapped, access), Ok(unmapped), "mstatus {ms:#x} {access:?}");
        }
    }
}

#[test]
fn hardware_ad_load_sets_a_only() {
    // Step 7 (Svadu): the walker sets pte.a, and pte.d on a store, with
    // a write to the PTE in memory.
    let mut s = Sys::new(AdMode::Hardware);
    let a = s.map(VA, 0, leaf(PA, V | R | W));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    assert_eq!(s.read(a), leaf(PA, V | R | W | A), "A set, D not");
    assert_eq!(s.mmu.walk_stats().ad_updates, 1);
    // A second load: TLB hit, no walk, no write.
    assert_eq!(s.tr(VA + 8, Access::Load), Ok(PA + 8));
    assert_eq!(s.mmu.walk_stats().ad_updates, 1);
    assert_eq!(s.mmu.walk_stats().walks, 1);
}

#[test]
fn hardware_ad_store_sets_a_and_d() {
    let mut s = Sys::new(AdMode::Hardware);
    let a = s.map(VA, 0, leaf(PA, V | R | W));
    let b = s.map(VA + PAGE, 0, leaf(PA + PAGE, V | R | W | X | A));
    let c = s.map(VA + 2 * PAGE, 0, leaf(PA + 2 * PAGE, V | R | X));
    let d = s.map(VA + 3 * PAGE, 0, leaf(PA + 3 * PAGE, V | R | W | A | D));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Store), Ok(PA));
    assert_eq!(s.read(a), leaf(PA, V | R | W | A | D), "one store sets both");
    assert_eq!(s.mmu.walk_stats().ad_updates, 1, "in one PTE write");
    assert_eq!(s.tr(VA + PAGE, Access::Store), Ok(PA + PAGE));
    assert_eq!(s.read(b), leaf(PA + PAGE, V | R | W | X | A | D));
    assert_eq!(s.mmu.walk_stats().ad_updates, 2);
    // A fetch sets A.
    assert_eq!(s.tr(VA + 2 * PAGE, Access::Fetch), Ok(PA + 2 * PAGE));
    assert_eq!(s.read(c), leaf(PA + 2 * PAGE, V | R | X | A));
    assert_eq!(s.mmu.walk_stats().ad_updates, 3);
    // Nothing to update: no write.
    assert_eq!(s.tr(VA + 3 * PAGE, Access::Store), Ok(PA + 3 * PAGE));
    assert_eq!(s.read(d), leaf(PA + 3 * PAGE, V | R | W | A | D));
    assert_eq!(s.mmu.walk_stats().ad_updates, 3);
    // A faulting walk does not set A or D (a store to a read-only page).
    let e = s.map(VA + 4 * PAGE, 0, leaf(PA, V | R));
    assert_eq!(s.tr(VA + 4 * PAGE, Access::Store), page_fault(Access::Store, VA + 4 * PAGE));
    assert_eq!(s.read(e), leaf(PA, V | R));
    assert_eq!(s.mmu.walk_stats().ad_updates, 3);
    // Superpages get their A/D bits the same way.
    let big = s.map(0x4060_0000, 1, leaf(0x9040_0000, V | R | W));
    assert_eq!(s.tr(0x4060_0000 + 0x12_3456, Access::Store), Ok(0x9040_0000 + 0x12_3456));
    assert_eq!(s.read(big), leaf(0x9040_0000, V | R | W | A | D));
}

#[test]
fn trap_ad_clear_a_faults() {
    // Step 7 (Svade): if pte.a = 0, or the access is a store and pte.d = 0,
    // raise a page fault; the PTE is left alone.
    let mut s = Sys::new(AdMode::Trap);
    let a = s.map(VA, 0, leaf(PA, V | R | W | X | D));
    s.context(SUPERVISOR, 0);
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), page_fault(access, VA), "{access:?}");
    }
    assert_eq!(s.read(a), leaf(PA, V | R | W | X | D));
    assert_eq!(s.mmu.walk_stats().ad_updates, 0);
    assert_eq!(s.mmu.walk_stats().walk_faults, 3);
    // The handler sets A: no fence is needed, faults are not cached.
    s.write(a, leaf(PA, RWXAD));
    for access in ACCESSES {
        assert_eq!(s.tr(VA, access), Ok(PA));
    }
}

#[test]
fn trap_ad_store_to_clean_page_faults() {
    let mut s = Sys::new(AdMode::Trap);
    let a = s.map(VA, 0, leaf(PA, V | R | W | A));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA + 0x20, Access::Store), page_fault(Access::Store, VA + 0x20));
    assert_eq!(s.read(a), leaf(PA, V | R | W | A));
    assert_eq!(s.tr(VA + 0x20, Access::Load), Ok(PA + 0x20), "loads need only A");
    assert_eq!(s.mmu.walk_stats().ad_updates, 0);
}

#[test]
fn store_hitting_a_clean_tlb_entry_sets_d_in_hardware_mode() {
    // A load fills the TLB with the PTE's D = 0. A store to the page then
    // hits that entry, but may not use it: it walks again (step 7 sets D)
    // and refreshes the entry.
    let mut s = Sys::new(AdMode::Hardware);
    let a = s.map(VA, 0, leaf(PA, V | R | W | A));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    assert_eq!(s.mmu.walk_stats().walks, 1);
    assert_eq!(s.mmu.walk_stats().ad_updates, 0, "A was already set");
    assert_eq!(s.tr(VA + 8, Access::Store), Ok(PA + 8));
    assert_eq!(s.read(a), leaf(PA, V | R | W | A | D), "D set in memory");
    assert_eq!(s.mmu.walk_stats().walks, 2, "the store walked again");
    assert_eq!(s.mmu.walk_stats().ad_updates, 1);
    let st = s.mmu.dtlb().stats;
    assert_eq!((st.lookups, st.hits, st.misses()), (2, 1, 1), "the store's lookup is a hit");
    assert_eq!(s.mmu.dtlb().occupancy(), 1, "refreshed in place, not duplicated");
    // From now on stores use the entry without walking.
    for i in 0..4 {
        assert_eq!(s.tr(VA + 16 * i, Access::Store), Ok(PA + 16 * i));
        assert_eq!(s.tr(VA + 16 * i, Access::Load), Ok(PA + 16 * i));
    }
    assert_eq!(s.mmu.walk_stats().walks, 2);
    // The same for a superpage.
    s.map(0x4060_0000, 1, leaf(0x9040_0000, V | R | W | A));
    assert_eq!(s.tr(0x4060_0000 + 0x3000, Access::Load), Ok(0x9040_3000));
    assert_eq!(s.tr(0x4060_0000 + 0x5000, Access::Store), Ok(0x9040_5000));
    assert_eq!(s.mmu.walk_stats().walks, 4);
    assert_eq!(s.mmu.dtlb().occupancy(), 2);
}

#[test]
fn store_hitting_a_clean_tlb_entry_faults_in_trap_mode() {
    let mut s = Sys::new(AdMode::Trap);
    let a = s.map(VA, 0, leaf(PA, V | R | W | A));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    assert_eq!(s.tr(VA + 8, Access::Store), page_fault(Access::Store, VA + 8));
    assert_eq!(s.mmu.walk_stats().walks, 2);
    assert_eq!(s.mmu.walk_stats().walk_faults, 1);
    let st = s.mmu.dtlb().stats;
    assert_eq!((st.lookups, st.hits), (2, 1), "the store's lookup hit the clean entry");
    // Still faults (the entry stays clean; loads still work).
    assert_eq!(s.tr(VA + 8, Access::Store), page_fault(Access::Store, VA + 8));
    assert_eq!(s.tr(VA + 8, Access::Load), Ok(PA + 8));
    // The handler sets D; the retried store walks, succeeds, and refreshes.
    s.write(a, leaf(PA, V | R | W | A | D));
    assert_eq!(s.tr(VA + 8, Access::Store), Ok(PA + 8));
    assert_eq!(s.tr(VA + 8, Access::Store), Ok(PA + 8));
    assert_eq!(s.mmu.walk_stats().walks, 4);
    assert_eq!(s.mmu.dtlb().occupancy(), 1);
}

/// `permitted` (the fast paths' three checks at once) says what
/// `permits` says, for every R/W/X/U/A/D combination, privilege, SUM and
/// MXR.
#[test]
fn permitted_agrees_with_permits_everywhere() {
    use super::sv39::{permits, permitted};
    for perms in 0..=255u8 {
        for prv in [USER, SUPERVISOR, MACHINE] {
            for (sum, mxr) in [(false, false), (false, true), (true, false), (true, true)] {
                let bits = permitted(perms, prv, sum, mxr);
                for (i, access) in ACCESSES.into_iter().enumerate() {
                    assert_eq!(
                        bits >> i & 1 == 1,
                        permits(perms, access, prv, sum, mxr),
                        "perms {perms:#x} {prv:?} sum {sum} mxr {mxr} {access:?}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Counters.
// ---------------------------------------------------------------------------

fn assert_consistent(st: &TlbStats) {
    assert!(st.hits <= st.lookups);
    assert_eq!(st.hits + st.misses(), st.lookups);
}

#[test]
fn walk_counters_by_leaf_size() {
    let mut s = Sys::new(AdMode::Hardware);
    s.map(VA, 0, leaf(PA, RWXAD));
    s.map(0x4060_0000, 1, leaf(0x9040_0000, RWXAD));
    s.map(5 * GIGA, 2, leaf(3 * GIGA, RWXAD));
    s.context(SUPERVISOR, 0);
    let ws = |s: &Sys| {
        let w = s.mmu.walk_stats();
        (w.walks, w.pte_reads, w.walks_by_level, w.walk_faults)
    };
    assert_eq!(s.tr(VA, Access::Load), Ok(PA));
    assert_eq!(ws(&s), (1, 3, [1, 0, 0], 0), "4 KiB leaf: three PTE reads");
    assert_eq!(s.tr(0x4060_0000, Access::Load), Ok(0x9040_0000));
    assert_eq!(ws(&s), (2, 5, [1, 1, 0], 0), "2 MiB leaf: two PTE reads");
    assert_eq!(s.tr(5 * GIGA, Access::Load), Ok(3 * GIGA));
    assert_eq!(ws(&s), (3, 6, [1, 1, 1], 0), "1 GiB leaf: one PTE read");
    // TLB hits walk nowhere, for any page of the superpages.
    for off in [0, PAGE, 100 * PAGE] {
        s.tr(VA + (off & (PAGE - 1)), Access::Load).unwrap();
        s.tr(0x4060_0000 + off, Access::Load).unwrap();
        s.tr(5 * GIGA + off * 1000, Access::Load).unwrap();
    }
    assert_eq!(ws(&s), (3, 6, [1, 1, 1], 0));
    // Faults: at the root (one read), at level 0 (three reads).
    assert!(s.tr(7 * GIGA, Access::Load).is_err());
    assert_eq!(ws(&s), (4, 7, [1, 1, 1], 1));
    assert!(s.tr(VA + PAGE, Access::Load).is_err());
    assert_eq!(ws(&s), (5, 10, [1, 1, 1], 2));
    // A permission fault on a TLB hit does not walk.
    s.context(USER, 0);
    assert!(s.tr(VA, Access::Load).is_err());
    assert_eq!(ws(&s), (5, 10, [1, 1, 1], 2));
    // The instruction TLB is separate: a fetch of VA walks again.
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(VA, Access::Fetch), Ok(PA));
    assert_eq!(ws(&s), (6, 13, [2, 1, 1], 2));
}

#[test]
fn tlb_lookup_hit_miss_counters() {
    let mut s = Sys::new(AdMode::Hardware);
    for i in 0..4 {
        s.map(VA + i * PAGE, 0, leaf(PA + i * PAGE, RWXAD));
    }
    // Translation off (M-mode): no lookups at all.
    s.mmu.set_context(MACHINE, 0, satp(0, s.root));
    for access in ACCESSES {
        s.tr(VA, access).unwrap();
    }
    assert_eq!((s.mmu.itlb().stats.lookups, s.mmu.dtlb().stats.lookups), (0, 0));
    s.context(SUPERVISOR, 0);
    let counts = |st: TlbStats| (st.lookups, st.hits, st.misses());
    // Fetch: miss, then hits (the remembered last entry).
    s.tr(VA, Access::Fetch).unwrap();
    s.tr(VA + 4, Access::Fetch).unwrap();
    s.tr(VA + 8, Access::Fetch).unwrap();
    assert_eq!(counts(s.mmu.itlb().stats), (3, 2, 1));
    assert_eq!(counts(s.mmu.dtlb().stats), (0, 0, 0));
    // Loads go to the data TLB: a miss for the same page.
    s.tr(VA, Access::Load).unwrap();
    assert_eq!(counts(s.mmu.dtlb().stats), (1, 0, 1));
    // Another page, then back: a hit through the modelled lookup.
    s.tr(VA + PAGE, Access::Load).unwrap();
    s.tr(VA, Access::Store).unwrap();
    s.tr(VA + PAGE, Access::Load).unwrap();
    assert_eq!(counts(s.mmu.dtlb().stats), (4, 2, 2));
    // A permission fault on a hit is still a hit.
    s.context(USER, 0);
    assert!(s.tr(VA, Access::Load).is_err());
    assert_eq!(counts(s.mmu.dtlb().stats), (5, 3, 2));
    // A fault in the walk is a miss.
    s.context(SUPERVISOR, 0);
    assert!(s.tr(VA + 9 * PAGE, Access::Load).is_err());
    assert_eq!(counts(s.mmu.dtlb().stats), (6, 3, 3));
    // Non-canonical addresses are rejected before the TLB.
    assert!(s.tr(1 << 40, Access::Load).is_err());
    assert_eq!(counts(s.mmu.dtlb().stats), (6, 3, 3));
    assert_consistent(&s.mmu.itlb().stats);
    assert_consistent(&s.mmu.dtlb().stats);
    assert_eq!(s.mmu.itlb().stats.evictions + s.mmu.dtlb().stats.evictions, 0);
}

#[test]
fn unified_tlb_counts_fetches_and_data_together() {
    let dtlb = TlbConfig { sets: 1, ways: 2, policy: Policy::Lru, seed: 0 };
    let mut s = Sys::with(MmuConfig { unified: true, dtlb, ..MmuConfig::default() });
    for i in 0..3 {
        s.map(VA + i * PAGE, 0, leaf(PA + i * PAGE, RWXAD));
    }
    s.context(SUPERVISOR, 0);
    assert!(s.mmu.is_unified());
    s.tr(VA, Access::Fetch).unwrap();
    s.tr(VA, Access::Load).unwrap(); // same entry
    s.tr(VA + PAGE, Access::Store).unwrap();
    s.tr(VA, Access::Fetch).unwrap();
    let st = s.mmu.dtlb().stats;
    assert_eq!(s.mmu.itlb().stats, st, "itlb() is the unified TLB");
    assert_eq!((st.lookups, st.hits, st.evictions), (4, 2, 0));
    // A third page in a 1x2 TLB: VA + PAGE is least recently used.
    s.tr(VA + 2 * PAGE, Access::Load).unwrap();
    assert_eq!(s.mmu.dtlb().stats.evictions, 1);
    let walks = s.mmu.walk_stats().walks;
    s.tr(VA, Access::Fetch).unwrap();
    assert_eq!(s.mmu.walk_stats().walks, walks, "VA survived");
    s.tr(VA + PAGE, Access::Load).unwrap();
    assert_eq!(s.mmu.walk_stats().walks, walks + 1, "VA + PAGE was the victim");
    assert_consistent(&s.mmu.dtlb().stats);
}

#[test]
fn evictions_in_a_direct_mapped_tlb() {
    let dtlb = TlbConfig { sets: 4, ways: 1, policy: Policy::Lru, seed: 0 };
    let mut s = Sys::with(MmuConfig { dtlb, ..MmuConfig::default() });
    for i in [0, 1, 4] {
        s.map(VA + i * PAGE, 0, leaf(PA + i * PAGE, RWXAD));
    }
    s.context(SUPERVISOR, 0);
    // VA's VPN is 0x12345: pages 0 and 4 after it share a set (of 4).
    for _ in 0..3 {
        s.tr(VA, Access::Load).unwrap();
        s.tr(VA + PAGE, Access::Load).unwrap();
        s.tr(VA + 4 * PAGE, Access::Load).unwrap();
    }
    let st = s.mmu.dtlb().stats;
    // Round 1: 3 misses (one fill into VA's set, one into another set, one
    // eviction); rounds 2 and 3: VA and VA + 4 pages keep evicting each
    // other, VA + PAGE hits.
    assert_eq!((st.lookups, st.hits, st.evictions), (9, 2, 5));
    assert_eq!(s.mmu.dtlb().occupancy(), 2);
}

// ---------------------------------------------------------------------------
// 3. sfence.vma and ASIDs.
// ---------------------------------------------------------------------------

/// Whether translating `va` now walks the page table (i.e. missed the TLB),
/// and the physical address.
fn probe(s: &mut Sys, va: u64, access: Access) -> (bool, u64) {
    let walks = s.mmu.walk_stats().walks;
    let pa = s.tr(va, access).expect("mapped");
    (s.mmu.walk_stats().walks != walks, pa)
}

#[test]
fn fences_and_global_entries() {
    // 4.2.1 (sfence.vma): rs1 = x0 and rs2 = ASID orders only that ASID's
    // non-global mappings; rs1 = VA covers leaf PTEs mapping VA, with rs2 = x0
    // in all address spaces including global ones.
    let mut s = Sys::new(AdMode::Hardware);
    let global = VA + 0x10 * PAGE;
    let big = 0x4060_0000;
    s.map(VA, 0, leaf(PA, RWXAD));
    s.map(global, 0, leaf(PA + PAGE, RWXAD | G));
    s.map(big, 1, leaf(0x9040_0000, RWXAD));
    s.mmu.set_context(SUPERVISOR, 0, satp(1, s.root));
    let fill = |s: &mut Sys| {
        probe(s, VA, Access::Load);
        probe(s, global, Access::Load);
        probe(s, big + 0x5000, Access::Load);
    };
    fill(&mut s);
    assert_eq!(s.mmu.dtlb().occupancy(), 3);
    // The page's own ASID flush: the non-global entries go, the global stays.
    s.mmu.fence(Fence::Asid(1));
    assert_eq!(s.mmu.dtlb().occupancy(), 1);
    assert!(!probe(&mut s, global, Access::Load).0, "global survives Asid(1)");
    assert!(probe(&mut s, VA, Access::Load).0);
    assert!(probe(&mut s, big, Access::Load).0);
    // Another ASID's flush touches nothing of ASID 1.
    s.mmu.fence(Fence::Asid(2));
    assert_eq!(s.mmu.dtlb().occupancy(), 3);
    // Address + ASID: the global entry survives, a non-global one goes.
    s.mmu.fence(Fence::AddrAsid(global, 1));
    assert_eq!(s.mmu.dtlb().occupancy(), 3);
    s.mmu.fence(Fence::AddrAsid(VA + 0x123, 1));
    assert_eq!(s.mmu.dtlb().occupancy(), 2);
    assert!(probe(&mut s, VA, Access::Load).0);
    // Address + another ASID: nothing.
    s.mmu.fence(Fence::AddrAsid(VA, 2));
    assert_eq!(s.mmu.dtlb().occupancy(), 3);
    // Address alone: global or not, in any ASID.
    s.mmu.fence(Fence::Addr(global + 0xff8));
    assert_eq!(s.mmu.dtlb().occupancy(), 2);
    assert!(probe(&mut s, global, Access::Load).0);
    // Any address inside a superpage flushes the superpage.
    s.mmu.fence(Fence::Addr(big + 0x1f_f000));
    assert_eq!(s.mmu.dtlb().occupancy(), 2);
    assert!(probe(&mut s, big + 0x10_0000, Access::Load).0);
    // All: everything, global too, in both TLBs.
    probe(&mut s, VA, Access::Fetch);
    probe(&mut s, global, Access::Fetch);
    s.mmu.fence(Fence::All);
    assert_eq!((s.mmu.dtlb().occupancy(), s.mmu.itlb().occupancy()), (0, 0));
    assert!(probe(&mut s, global, Access::Fetch).0);
    let fl = s.mmu.dtlb().stats.flushes;
    assert_eq!(fl, [1, 2, 2, 3]);
    assert_eq!(s.mmu.itlb().stats.flushes, fl, "every fence reaches both TLBs");
}

#[test]
fn address_fence_drops_only_that_page() {
    // Without a fence the TLB keeps stale translations (the page-table
    // writes below are not seen); an address fence makes exactly that
    // page's new PTE visible.
    let mut s = Sys::new(AdMode::Hardware);
    let pages: Vec<u64> = (0..4).map(|i| VA + i * PAGE).collect();
    let addrs: Vec<u64> =
        pages.iter().enumerate().map(|(i, &va)| s.map(va, 0, leaf(PA + i as u64 * PAGE, RWXAD))).collect();
    let big = 0x4060_0000;
    let big_addr = s.map(big, 1, leaf(0x9040_0000, RWXAD));
    s.mmu.set_context(SUPERVISOR, 0, satp(3, s.root));
    for &va in &pages {
        probe(&mut s, va, Access::Load);
    }
    probe(&mut s, big, Access::Load);
    // Remap everything to other physical pages.
    const NEW: u64 = 0xa000_0000;
    for (i, &a) in addrs.iter().enumerate() {
        s.write(a, leaf(NEW + i as u64 * PAGE, RWXAD));
    }
    s.write(big_addr, leaf(0xc000_0000, RWXAD));
    for (i, &va) in pages.iter().enumerate() {
        assert_eq!(probe(&mut s, va, Access::Load), (false, PA + i as u64 * PAGE), "stale before the fence");
    }
    s.mmu.fence(Fence::Addr(pages[1] + 0x800));
    s.mmu.fence(Fence::AddrAsid(pages[2], 3));
    for (i, &va) in pages.iter().enumerate() {
        let want = if i == 1 || i == 2 { (true, NEW + i as u64 * PAGE) } else { (false, PA + i as u64 * PAGE) };
        assert_eq!(probe(&mut s, va, Access::Load), want, "page {i}");
    }
    assert_eq!(probe(&mut s, big + 0x1234, Access::Load), (false, 0x9040_1234));
    s.mmu.fence(Fence::AddrAsid(big + 3 * MEGA / 4, 3));
    assert_eq!(probe(&mut s, big + 0x1234, Access::Load), (true, 0xc000_1234));
}

/// Two address spaces: ASID 1 and ASID 2 map the same virtual pages to
/// different physical pages (and one of them with a different page size).
fn two_spaces(config: MmuConfig) -> (Sys, u64, u64) {
    let mut s = Sys::with(config);
    let r1 = s.root;
    let r2 = s.alloc_table();
    for i in 0..4 {
        s.map_in(r1, VA + i * PAGE, 0, leaf(0xa000_0000 + i * PAGE, RWXAD));
        s.map_in(r2, VA + i * PAGE, 0, leaf(0xb000_0000 + i * PAGE, RWXAD));
    }
    // 0x4060_0000: a 2 MiB page in ASID 1, 4 KiB pages in ASID 2.
    s.map_in(r1, 0x4060_0000, 1, leaf(0xc020_0000, RWXAD));
    s.map_in(r2, 0x4060_0000, 0, leaf(0xd000_0000, RWXAD));
    (s, r1, r2)
}

#[test]
fn asids_isolate_without_fences() {
    let (mut s, r1, r2) = two_spaces(MmuConfig::default());
    for round in 0..3 {
        for (asid, root, base, big) in [(1, r1, 0xa000_0000, 0xc020_0000), (2, r2, 0xb000_0000, 0xd000_0000)] {
            s.mmu.set_context(SUPERVISOR, 0, satp(asid, root));
            for i in 0..4 {
                for access in ACCESSES {
                    let (walked, pa) = probe(&mut s, VA + i * PAGE + 4, access);
                    assert_eq!(pa, base + i * PAGE + 4, "ASID {asid} round {round}");
                    assert_eq!(walked, round == 0 && access != Access::Store, "ASID {asid} round {round} {access:?}");
                }
            }
            assert_eq!(probe(&mut s, 0x4060_0000 + 0x10, Access::Load), (round == 0, big + 0x10));
        }
    }
    // Flushing ASID 1 leaves ASID 2's entries.
    s.mmu.fence(Fence::Asid(1));
    s.mmu.set_context(SUPERVISOR, 0, satp(2, r2));
    assert_eq!(probe(&mut s, VA, Access::Load), (false, 0xb000_0000));
    s.mmu.set_context(SUPERVISOR, 0, satp(1, r1));
    assert_eq!(probe(&mut s, VA, Access::Load), (true, 0xa000_0000));
}

#[test]
fn same_asid_on_another_table_reuses_stale_entries() {
    // The TLB is tagged by ASID, not by root: changing satp.PPN but not the
    // ASID without a fence keeps using the old translations (the spec
    // requires software to fence in that case).
    let (mut s, r1, r2) = two_spaces(MmuConfig::default());
    s.mmu.set_context(SUPERVISOR, 0, satp(1, r1));
    assert_eq!(probe(&mut s, VA, Access::Load), (true, 0xa000_0000));
    s.mmu.set_context(SUPERVISOR, 0, satp(1, r2));
    assert_eq!(probe(&mut s, VA, Access::Load), (false, 0xa000_0000));
    s.mmu.fence(Fence::Asid(1));
    assert_eq!(probe(&mut s, VA, Access::Load), (true, 0xb000_0000));
}

// ---------------------------------------------------------------------------
// Minimal reproductions of what the exactness tests below found (each is a
// shrunk random trace, rewritten by hand).
// ---------------------------------------------------------------------------

/// A store to a clean page refreshes the TLB entry it hit *in place*
/// (mod.rs: "A clean entry: the walk sets D (or faults) and the entry is
/// refreshed in place"). For a global entry filled under another ASID the
/// refresh must not add a second entry for the same page.
#[test]
fn store_refresh_of_a_global_entry_from_another_asid_stays_in_place() {
    let dtlb = TlbConfig { sets: 1, ways: 4, policy: Policy::Lru, seed: 0 };
    let mut s = Sys::with(MmuConfig { dtlb, ..MmuConfig::default() });
    let global = VA;
    let other = VA + PAGE;
    let a = s.map(global, 0, leaf(PA, V | R | W | A | G)); // clean
    s.map(other, 0, leaf(PA + PAGE, RWXAD));
    // Both ASIDs use the same table (the global page is in both spaces).
    s.mmu.set_context(SUPERVISOR, 0, satp(1, s.root));
    assert_eq!(s.tr(global, Access::Load), Ok(PA)); // miss: fill, D clear
    s.mmu.set_context(SUPERVISOR, 0, satp(2, s.root));
    assert_eq!(s.tr(global, Access::Store), Ok(PA)); // hit, clean: walk sets D
    assert_eq!(s.read(a), leaf(PA, V | R | W | A | D | G));
    assert_eq!(s.mmu.walk_stats().walks, 2);
    assert_eq!(s.mmu.dtlb().occupancy(), 1, "refreshed in place: still one entry for the page");
    // The refreshed entry is dirty: later stores neither walk nor depend on
    // whether the MMU's last-entry fast path is taken.
    assert_eq!(s.tr(global, Access::Store), Ok(PA)); // (fast path)
    assert_eq!(s.tr(other, Access::Load), Ok(PA + PAGE)); // miss, walk
    assert_eq!(s.tr(global, Access::Store), Ok(PA)); // full lookup
    assert_eq!(s.mmu.walk_stats().walks, 3, "no further walk for the dirty global page");
    let st = s.mmu.dtlb().stats;
    assert_eq!((st.lookups, st.hits, st.evictions), (5, 3, 0));
}

/// FIFO replaces in fill order only (tlb.rs). Refreshing a clean entry in
/// place after a store is neither a fill nor something FIFO looks at, so it
/// must not move the entry to the back of the queue.
#[test]
fn fifo_refresh_in_place_keeps_fill_order() {
    let dtlb = TlbConfig { sets: 1, ways: 2, policy: Policy::Fifo, seed: 0 };
    let mut s = Sys::with(MmuConfig { dtlb, ..MmuConfig::default() });
    s.map(VA, 0, leaf(PA, V | R | W | A)); // clean
    s.map(VA + PAGE, 0, leaf(PA + PAGE, RWXAD));
    s.map(VA + 2 * PAGE, 0, leaf(PA + 2 * PAGE, RWXAD));
    s.context(SUPERVISOR, 0);
    s.tr(VA, Access::Load).unwrap(); // fill 1: VA
    s.tr(VA + PAGE, Access::Load).unwrap(); // fill 2: VA + PAGE
    s.tr(VA, Access::Store).unwrap(); // hit; re-walk sets D; refresh in place
    s.tr(VA + 2 * PAGE, Access::Load).unwrap(); // fill 3 evicts the oldest fill: VA
    assert_eq!(s.mmu.dtlb().stats.evictions, 1);
    let walks = s.mmu.walk_stats().walks;
    assert_eq!(probe(&mut s, VA + PAGE, Access::Load), (false, PA + PAGE), "VA + PAGE was filled after VA");
    assert_eq!(probe(&mut s, VA, Access::Load), (true, PA), "VA, the first fill, was the victim");
    assert_eq!(s.mmu.walk_stats().walks, walks + 1);
}

// The exactness tests and their reference TLB model.
mod exactness;
// The fetch-page fast path of Mmu::fetch.
mod fetch;
mod proptests;

#[test]
fn a_page_resized_without_a_fence_is_found_as_the_modelled_lookup_finds_it() {
    // A 4 KiB page becomes part of a 2 MiB superpage without sfence.vma
    // (privileged spec 12.2.1 then allows either translation). Both
    // entries match the old page; the modelled lookup of this 1x2 TLB
    // finds the first in way order (the 4 KiB one), and the fast paths
    // must not answer otherwise, or the counters drift from the model.
    let region = 0x4060_0000; // 2 MiB aligned
    let (p1, p2, other) = (region + 0x1000, region + 0x5000, 0x9000_0000);
    let big = 0x8040_0000; // 2 MiB aligned
    let dtlb = TlbConfig { sets: 1, ways: 2, policy: Policy::Lru, seed: 0 };
    let mut s = Sys::with(MmuConfig { dtlb, ..MmuConfig::default() });
    s.map(p1, 0, leaf(PA, RWXAD));
    s.map(other, 0, leaf(PA + PAGE, RWXAD));
    s.context(SUPERVISOR, 0);
    assert_eq!(s.tr(p1, Access::Load), Ok(PA)); // miss: 4 KiB entry, way 0
    let l1 = s.pte_addr(region, 1);
    s.write(l1, leaf(big, RWXAD));
    assert_eq!(s.tr(p2, Access::Load), Ok(big + 0x5000)); // miss: 2 MiB entry, way 1
    for _ in 0..3 {
        assert_eq!(s.tr(p1, Access::Load), Ok(PA), "way 0 matches first"); // hits, touch way 0
    }
    assert_eq!(s.tr(other, Access::Load), Ok(PA + PAGE)); // miss: evicts way 1 (LRU)
    assert_eq!(s.tr(p2, Access::Load), Ok(big + 0x5000)); // miss again
    let st = s.mmu.dtlb().stats;
    assert_eq!((st.lookups, st.hits, st.misses()), (7, 3, 4));
    // After sfence.vma of everything the fast paths are back (and exact).
    s.mmu.fence(Fence::All);
    for _ in 0..3 {
        assert_eq!(s.tr(p2, Access::Load), Ok(big + 0x5000));
    }
    let st = s.mmu.dtlb().stats;
    assert_eq!((st.lookups, st.hits, st.misses()), (10, 5, 5));
}

/// `quiet_walk` (the quick miss path's walk) takes exactly the walks that
/// `Walker::walk` ends at a 4 KiB leaf with no A/D update, and gives the
/// same entry: every low PTE bit pattern, with and without bits 63:54, at
/// each level, for each access, privilege, SUM and MXR.
#[test]
fn quiet_walk_agrees_with_the_walker() {
    use super::sv39::{permitted, quiet_walk, PageTable, WalkStats, Walker};
    use super::TranslationContext;
    /// PTEs by physical address (0 elsewhere); counts A/D writes.
    #[derive(Clone)]
    struct Tables(HashMap<u64, u64>, u32);
    impl PageTable for Tables {
        fn read_pte(&mut self, addr: u64) -> Option<u64> {
            Some(self.0.get(&addr).copied().unwrap_or(0))
        }
        fn write_pte(&mut self, addr: u64, pte: u64) {
            self.0.insert(addr, pte);
            self.1 += 1;
        }
    }
    let (root, mid, low, page) = (0x1000, 0x2000, 0x3000, 0x5000);
    let va = 0x4020_3123; // vpn[2] = 1, vpn[1] = 1, vpn[0] = 3
    let slots = [root + 8, mid + 8, low + 3 * 8]; // PTE of levels 2, 1, 0
    let good = [pointer(mid), pointer(low), leaf(page, V | R | W | X | A | D)];
    let mut accepted = 0;
    for level in 0..3 {
        for flags in 0..=0xffu64 {
            for high in [0, 1 << 54, 1 << 61, 1 << 63] {
                let mut ptes = good;
                ptes[level] = leaf(pte_pa(good[level]), flags) | high;
                let tables = Tables(slots.iter().copied().zip(ptes).collect(), 0);
                for prv in [USER, SUPERVISOR] {
                    for (sum, mxr) in [(false, false), (true, false), (false, true)] {
                        let ctx = TranslationContext {
                            fetch_on: true,
                            data_on: true,
                            fetch_prv: prv,
                            data_prv: prv,
                            sum,
                            mxr,
                            asid: 3,
                            root,
                        };
                        for access in ACCESSES {
                            let quiet = quiet_walk(&mut tables.clone(), va, access, &ctx);
                            let mut walked = tables.clone();
                            let mut stats = WalkStats::default();
                            let mut walker = Walker { ad_mode: AdMode::Hardware, pwc: None, stats: &mut stats };
                            let expected = match walker.walk(&mut walked, va, access, &ctx) {
                                Ok(e) if e.level == 0 && walked.1 == 0 => {
                                    assert_eq!(stats.pte_reads, 3);
                                    Some((e, permitted(e.perms, prv, sum, mxr)))
                                }
                                _ => None,
                            };
                            let what =
                                format!("level {level} PTE {:#x} {prv:?} sum {sum} mxr {mxr} {access:?}", ptes[level]);
                            assert_eq!(quiet, expected, "{what}");
                            accepted += quiet.is_some() as u32;
                        }
                    }
                }
            }
        }
    }
    assert!(accepted > 100, "the test reaches walks the quick path takes ({accepted})");
}
