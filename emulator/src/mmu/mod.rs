//! The memory front door: every instruction fetch, load, store and AMO of
//! the hart goes through [`Mmu`], which translates the virtual address
//! (bare mode for now; the Sv39 walker plugs in at [`Mmu::translate`]) and
//! performs the physical access on the bus.
//!
//! Misaligned loads and stores are emulated (they never trap): an access
//! inside one page is done as one physical access (RAM takes any
//! alignment; device registers reject misaligned access with an access
//! fault), and an access that crosses a page boundary is split at the
//! boundary, both pages translated before any byte is written.

use crate::addr::{PhysAddr, VirtAddr};
use crate::bus::Bus;
use crate::cpu::trap::{Cause, Exception};

/// What an access is for; selects the fault causes and permission checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Data read.
    Load,
    /// Data write, or an AMO / SC (which need write permission).
    Store,
}

impl Access {
    /// The access-fault cause for this kind of access.
    pub fn access_fault(self) -> Cause {
        match self {
            Access::Fetch => Cause::InstructionAccessFault,
            Access::Load => Cause::LoadAccessFault,
            Access::Store => Cause::StoreAccessFault,
        }
    }

    /// The page-fault cause for this kind of access.
    pub fn page_fault(self) -> Cause {
        match self {
            Access::Fetch => Cause::InstructionPageFault,
            Access::Load => Cause::LoadPageFault,
            Access::Store => Cause::StorePageFault,
        }
    }
}

const PAGE_SIZE: u64 = 4096;

/// The MMU and the physical bus behind it.
pub struct Mmu {
    /// The physical address space.
    pub bus: Bus,
    /// The LR reservation: the physical address an LR reserved, cleared by
    /// any store that overlaps its 8-byte granule, by SC and by traps.
    pub reservation: Option<u64>,
}

impl Mmu {
    /// An MMU in front of `bus`, translation off.
    pub fn new(bus: Bus) -> Mmu {
        Mmu { bus, reservation: None }
    }

    /// Translate `va` for `access`. Bare mode for now: the identity.
    #[inline(always)]
    pub fn translate(&mut self, va: VirtAddr, _access: Access) -> Result<PhysAddr, Exception> {
        Ok(PhysAddr(va.0))
    }

    /// Fetch the instruction bits at `pc` (which is 2-byte aligned): 16
    /// significant bits for a compressed instruction, 32 otherwise. A 32-bit
    /// instruction whose halves lie in different pages translates each half.
    #[inline(always)]
    pub fn fetch(&mut self, pc: u64) -> Result<u32, Exception> {
        let pa = self.translate(VirtAddr(pc), Access::Fetch)?;
        let ram = &self.bus.ram;
        if pc & (PAGE_SIZE - 1) <= PAGE_SIZE - 4 {
            if let Some(off) = ram.offset_of(pa.0, 4) {
                let word = ram.read(off, 4) as u32;
                return Ok(if word & 3 == 3 { word } else { word & 0xffff });
            }
        }
        self.fetch_slow(pc, pa)
    }

    #[cold]
    fn fetch_slow(&mut self, pc: u64, pa: PhysAddr) -> Result<u32, Exception> {
        let fault = |va: u64| Exception::new(Cause::InstructionAccessFault, va);
        let lo = self.bus.read(pa, 2).ok_or(fault(pc))? as u32;
        if lo & 3 != 3 {
            return Ok(lo);
        }
        let next = pc.wrapping_add(2);
        let pa_hi = if next & (PAGE_SIZE - 1) == 0 {
            self.translate(VirtAddr(next), Access::Fetch)?
        } else {
            PhysAddr(pa.0 + 2)
        };
        let hi = self.bus.read(pa_hi, 2).ok_or(fault(next))? as u32;
        Ok(lo | (hi << 16))
    }

    /// Load `size` bytes (1, 2, 4, 8) from `va`, zero-extended.
    #[inline(always)]
    pub fn load(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        if crosses_page(va, size) {
            return self.load_split(va, size);
        }
        let pa = self.translate(VirtAddr(va), Access::Load)?;
        self.bus.read(pa, size).ok_or(Exception::new(Cause::LoadAccessFault, va))
    }

    /// Store the low `size` bytes of `value` at `va`.
    #[inline(always)]
    pub fn store(&mut self, va: u64, size: u8, value: u64) -> Result<(), Exception> {
        if crosses_page(va, size) {
            return self.store_split(va, size, value);
        }
        let pa = self.translate(VirtAddr(va), Access::Store)?;
        self.store_phys(pa, va, size, value)
    }

    /// Store at a translated address; clears an overlapping reservation.
    #[inline(always)]
    pub fn store_phys(&mut self, pa: PhysAddr, va: u64, size: u8, value: u64) -> Result<(), Exception> {
        if let Some(r) = self.reservation {
            if pa.0 < r + 8 && r < pa.0 + size as u64 {
                self.reservation = None;
            }
        }
        if self.bus.write(pa, size, value) {
            Ok(())
        } else {
            Err(Exception::new(Cause::StoreAccessFault, va))
        }
    }

    #[cold]
    fn load_split(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        let first = (PAGE_SIZE - (va & (PAGE_SIZE - 1))) as u8;
        let second_va = va.wrapping_add(first as u64);
        let pa1 = self.translate(VirtAddr(va), Access::Load)?;
        let pa2 = self.translate(VirtAddr(second_va), Access::Load)?;
        let mut value = 0u64;
        for i in 0..size {
            let (pa, fault_va) =
                if i < first { (pa1.0 + i as u64, va) } else { (pa2.0 + (i - first) as u64, second_va) };
            let b = self.bus.read(PhysAddr(pa), 1).ok_or(Exception::new(Cause::LoadAccessFault, fault_va))?;
            value |= b << (8 * i);
        }
        Ok(value)
    }

    #[cold]
    fn store_split(&mut self, va: u64, size: u8, value: u64) -> Result<(), Exception> {
        let first = (PAGE_SIZE - (va & (PAGE_SIZE - 1))) as u8;
        let second_va = va.wrapping_add(first as u64);
        let pa1 = self.translate(VirtAddr(va), Access::Store)?;
        let pa2 = self.translate(VirtAddr(second_va), Access::Store)?;
        for i in 0..size {
            let (pa, fault_va) =
                if i < first { (pa1.0 + i as u64, va) } else { (pa2.0 + (i - first) as u64, second_va) };
            self.store_phys(PhysAddr(pa), fault_va, 1, value >> (8 * i))?;
        }
        Ok(())
    }
}

/// Whether `[va, va + size)` spans two pages.
#[inline(always)]
fn crosses_page(va: u64, size: u8) -> bool {
    (va & (PAGE_SIZE - 1)) + size as u64 > PAGE_SIZE
}
