//! Random Sv39 page tables and translation contexts: RAM of eight pages
//! filled with PTEs from the input (pointers to tables in RAM, superpages,
//! raw values, reserved bits), random satp (Sv39 or not, any ASID, a root
//! in RAM or anywhere), privilege, SUM, MXR and MPRV/MPP, random TLB shapes
//! and A/D modes, and random virtual addresses translated through
//! `Mmu::translate` for fetch, load and store, with fences in between.
//!
//! Properties, besides "terminates, never panics":
//! - every result is Ok(pa) or an exception whose cause is architecturally
//!   valid for the access (fetch: 12 or 1, load: 13 or 5, store: 15 or 7)
//!   and whose tval is the virtual address;
//! - an Ok translation repeated at once gives the same physical address;
//! - while the TLBs cannot hold stale entries (no PTE written, satp
//!   changed or partial fence since the last full fence) every result
//!   equals that of a reference walker written from the privileged spec's
//!   "Virtual Address Translation Process" (with rvmmu's documented
//!   choices: A/D/U reserved in non-leaf PTEs, bits 63:54 reserved, Svadu or
//!   Svade for A/D).
#![no_main]
// MmuConfig is built from its Default and then changed field by field, so
// that the targets keep compiling when the configuration gains fields.
#![allow(clippy::field_reassign_with_default)]

use libfuzzer_sys::fuzz_target;
use rvmmu_emulator::addr::VirtAddr;
use rvmmu_emulator::bus::{Bus, Ram, RAM_BASE};
use rvmmu_emulator::cpu::csr::mstatus;
use rvmmu_emulator::cpu::trap::{Cause, Exception};
use rvmmu_emulator::cpu::Privilege;
use rvmmu_emulator::mmu::tlb::{Fence, Policy, TlbConfig};
use rvmmu_emulator::mmu::{Access, AdMode, Mmu, MmuConfig};
use rvmmu_fuzz::Reader;

const PAGES: u64 = 8;
const RAM_SIZE: u64 = PAGES * 4096;
const RAM_PPN: u64 = RAM_BASE >> 12;
const MAX_OPS: usize = 512;

const V: u64 = 1;
const R: u64 = 2;
const W: u64 = 4;
const X: u64 = 8;
const U: u64 = 16;
const A: u64 = 64;
const D: u64 = 128;

#[derive(Clone, Copy, Debug)]
struct Ctx {
    prv: Privilege,
    mstatus: u64,
    satp: u64,
    ad: AdMode,
}

impl Ctx {
    fn data_prv(&self) -> Privilege {
        if self.mstatus & mstatus::MPRV != 0 {
            Privilege::from_bits(self.mstatus >> mstatus::MPP_SHIFT)
        } else {
            self.prv
        }
    }
}

fn read_pte(ram: &Ram, pa: u64) -> Option<u64> {
    ram.offset_of(pa, 8).map(|o| ram.read(o, 8))
}

/// The privileged spec's translation process, read-only (Svadu's A/D
/// updates do not change the outcome).
fn reference(ram: &Ram, ctx: &Ctx, va: u64, access: Access) -> Result<u64, Exception> {
    let prv = if access == Access::Fetch { ctx.prv } else { ctx.data_prv() };
    if ctx.satp >> 60 != 8 || prv == Privilege::Machine {
        return Ok(va);
    }
    let pf = Err(Exception::new(access.page_fault(), va));
    if ((va as i64) << 25 >> 25) as u64 != va {
        return pf;
    }
    let mut a = (ctx.satp & ((1 << 44) - 1)) << 12;
    for level in (0..3).rev() {
        let vpn = (va >> (12 + 9 * level)) & 0x1ff;
        let Some(pte) = read_pte(ram, a + 8 * vpn) else { return Err(Exception::new(access.access_fault(), va)) };
        if pte & V == 0 || (pte & R == 0 && pte & W != 0) || pte >> 54 != 0 {
            return pf;
        }
        let ppn = (pte >> 10) & ((1 << 44) - 1);
        if pte & (R | X) == 0 {
            if level == 0 || pte & (A | D | U) != 0 {
                return pf;
            }
            a = ppn << 12;
            continue;
        }
        let user = pte & U != 0;
        let sum = ctx.mstatus & mstatus::SUM != 0;
        let mxr = ctx.mstatus & mstatus::MXR != 0;
        let mode_ok = match prv {
            Privilege::User => user,
            _ => !user || (sum && access != Access::Fetch),
        };
        let kind_ok = match access {
            Access::Fetch => pte & X != 0,
            Access::Load => pte & R != 0 || (mxr && pte & X != 0),
            Access::Store => pte & W != 0,
        };
        if !mode_ok || !kind_ok || ppn & ((1 << (9 * level)) - 1) != 0 {
            return pf;
        }
        let wanted = A | if access == Access::Store { D } else { 0 };
        if ctx.ad == AdMode::Trap && pte & wanted != wanted {
            return pf;
        }
        return Ok((ppn << 12) | (va & ((1 << (12 + 9 * level)) - 1)));
    }
    unreachable!("level 0 returns")
}

/// A PTE from the input: mostly something a kernel could write.
fn pte(r: &mut Reader) -> u64 {
    let kind = r.u8();
    let flags = r.u8() as u64;
    let ppn = match kind % 8 {
        0 => (r.u64() >> 10) & ((1 << 44) - 1),
        1 => RAM_PPN, // 1 GiB- and 2 MiB-aligned: a valid superpage
        _ => RAM_PPN + (r.u8() as u64 % (PAGES + 1)),
    };
    let high = if kind & 0x80 != 0 { (r.u8() as u64 & 0x3ff) << 54 } else { 0 };
    match (kind >> 3) & 3 {
        0 => high | (ppn << 10) | V, // a pointer to a table
        1 => high | (ppn << 10) | (flags & 0xdf) | V | A,
        _ => high | (ppn << 10) | flags,
    }
}

/// A virtual address from the input: mostly canonical, built from the
/// three VPNs.
fn va(r: &mut Reader) -> u64 {
    match r.u8() % 4 {
        0 => r.u64(),
        _ => {
            let vpn2 = r.u8() as u64 | ((r.u8() as u64 & 1) << 8);
            let (vpn1, vpn0) = (r.u8() as u64, r.u8() as u64);
            let off = r.u16() as u64 & 0xfff;
            let v = (vpn2 << 30) | (vpn1 << 21) | (vpn0 << 12) | off;
            ((v as i64) << 25 >> 25) as u64
        }
    }
}

fn tlb_config(r: &mut Reader) -> TlbConfig {
    let policy = [Policy::Lru, Policy::Fifo, Policy::Random, Policy::Plru][r.u8() as usize % 4];
    let sets = 1 << (r.u8() % 4);
    let ways = if policy == Policy::Plru { 1 << (r.u8() % 3) } else { 1 + r.u8() as usize % 4 };
    TlbConfig { sets, ways, policy, seed: r.u8() as u64 }
}

fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let mut config = MmuConfig::default();
    config.itlb = tlb_config(&mut r);
    config.dtlb = tlb_config(&mut r);
    config.unified = r.u8() & 1 != 0;
    config.ad = if r.u8() & 1 != 0 { AdMode::Trap } else { AdMode::Hardware };
    let mut mmu = Mmu::new(Bus::new(Ram::new(RAM_BASE, RAM_SIZE as usize)), config);
    let mut ctx = Ctx { prv: Privilege::Supervisor, mstatus: 0, satp: (8 << 60) | RAM_PPN, ad: config.ad };
    mmu.set_context(ctx.prv, ctx.mstatus, ctx.satp);
    // The TLBs start empty, so nothing stale.
    let mut stale = false;

    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        match r.u8() % 8 {
            0 | 1 => {
                let at = RAM_BASE + 4096 * (r.u8() as u64 % PAGES) + 8 * (r.u16() as u64 % 512);
                let v = pte(&mut r);
                let o = mmu.bus.ram.offset_of(at, 8).unwrap();
                mmu.bus.ram.write(o, 8, v);
                stale = true;
            }
            2 => {
                let prv = [Privilege::User, Privilege::Supervisor, Privilege::Machine][r.u8() as usize % 3];
                let bits = r.u8() as u64;
                let mpp = [0u64, 1, 3][(bits & 3) as usize % 3];
                let mut ms = mpp << mstatus::MPP_SHIFT;
                if bits & 4 != 0 {
                    ms |= mstatus::SUM;
                }
                if bits & 8 != 0 {
                    ms |= mstatus::MXR;
                }
                if bits & 16 != 0 {
                    ms |= mstatus::MPRV;
                }
                let satp = if bits & 32 != 0 {
                    let s = r.u64();
                    match s % 4 {
                        0 => s,
                        _ => (8 << 60) | (s & (0xffff << 44)) | (RAM_PPN + ((s >> 8) & 0xff) % (PAGES + 1)),
                    }
                } else {
                    ctx.satp
                };
                if satp != ctx.satp {
                    stale = true;
                }
                ctx = Ctx { prv, mstatus: ms, satp, ad: config.ad };
                mmu.set_context(ctx.prv, ctx.mstatus, ctx.satp);
            }
            3 => {
                let fence = match r.u8() % 4 {
                    0 => Fence::All,
                    1 => Fence::Asid(r.u16()),
                    2 => Fence::Addr(va(&mut r)),
                    _ => Fence::AddrAsid(va(&mut r), r.u16()),
                };
                mmu.fence(fence);
                if fence == Fence::All {
                    stale = false;
                }
            }
            _ => {
                let access = [Access::Fetch, Access::Load, Access::Store][r.u8() as usize % 3];
                let va = va(&mut r);
                let expected = (!stale).then(|| reference(&mmu.bus.ram, &ctx, va, access));
                let got = mmu.translate(VirtAddr(va), access);
                match got {
                    Ok(pa) => {
                        let again = mmu.translate(VirtAddr(va), access);
                        assert_eq!(again, Ok(pa), "{access:?} {va:#x} translated twice");
                    }
                    Err(e) => {
                        let valid = match access {
                            Access::Fetch => [Cause::InstructionPageFault, Cause::InstructionAccessFault],
                            Access::Load => [Cause::LoadPageFault, Cause::LoadAccessFault],
                            Access::Store => [Cause::StorePageFault, Cause::StoreAccessFault],
                        };
                        assert!(valid.contains(&e.cause), "{access:?} {va:#x}: cause {:?}", e.cause);
                        assert_eq!(e.tval, va, "{access:?}: tval");
                    }
                }
                if let Some(expected) = expected {
                    let got = got.map(|pa| pa.0);
                    assert_eq!(got, expected, "{access:?} {va:#x} in {ctx:x?}: rvmmu vs the reference walker");
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| run(data));
