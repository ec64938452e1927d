//! rvmmu's emulator library: an RV64 hart (IMAC, Zicsr, Zifencei; M, S and U
//! modes), its MMU, the physical bus and devices, ELF loading, and the
//! statistics reported by the `rvmmu` command.
//!
//! Layering (arrows point one way): `machine` → `cpu` → `isa`, `mmu` →
//! `bus` → `devices`. Guest events (exceptions, interrupts) are values
//! ([`cpu::trap::Exception`]); host problems are [`EmuError`].
#![deny(missing_docs)]

pub mod addr;
pub mod bus;
pub mod cpu;
pub mod devices;
mod error;
pub mod isa;
pub mod loader;
pub mod machine;
pub mod mmu;
pub mod profile;
pub mod report;
pub mod stats;
pub mod trace;

pub use error::EmuError;
pub use machine::{ExitReason, Machine, MachineConfig};
