//! A machine: one hart, RAM, the devices, and a loaded program; runs it to
//! an exit reason.

use crate::bus::{Bus, Ram, POWER_BASE, RAM_BASE};
use crate::cpu::{Hart, StopReason, Tracer};
use crate::devices::{Htif, HtifAction, PowerOff, PowerRequest};
use crate::error::EmuError;
use crate::loader::{load_elf, LoadedElf};
use crate::mmu::MmuConfig;
use std::io::Write;

/// Default guest RAM size: 128 MiB, as QEMU's virt board.
pub const DEFAULT_MEM: u64 = 128 << 20;

/// How to build a machine.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    /// Guest RAM in bytes.
    pub mem_size: u64,
    /// TLBs and A/D maintenance.
    pub mmu: MmuConfig,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig { mem_size: DEFAULT_MEM, mmu: MmuConfig::default() }
    }
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// The guest ended itself (HTIF or the power-off device) with this code;
    /// 0 means success.
    Exited(u64),
    /// The instruction limit was reached first.
    InsnLimit,
    /// The guest waits (WFI) for an interrupt that nothing can raise.
    Stuck {
        /// Where it waits.
        pc: u64,
    },
    /// The guest asked for a reset.
    Reset,
}

/// A hart, its bus and devices, and the loaded program.
pub struct Machine {
    /// The hart (and through it the MMU and bus).
    pub hart: Hart,
    /// The loaded program's facts.
    pub program: LoadedElf,
    htif: Option<Htif>,
    console: Box<dyn Write>,
}

impl Machine {
    /// Build a machine and load the ELF file at `path`.
    pub fn from_elf_file(path: &str, config: &MachineConfig) -> Result<Machine, EmuError> {
        let bytes = std::fs::read(path).map_err(|source| EmuError::Io { path: path.to_string(), source })?;
        Machine::from_elf_bytes(path, &bytes, config)
    }

    /// Build a machine and load `bytes` (named `name` in errors).
    pub fn from_elf_bytes(name: &str, bytes: &[u8], config: &MachineConfig) -> Result<Machine, EmuError> {
        if config.mem_size == 0 || config.mem_size > (1 << 40) || !config.mem_size.is_multiple_of(4096) {
            return Err(EmuError::Config(format!(
                "memory size {} must be a non-zero multiple of 4 KiB, at most 1 TiB",
                config.mem_size
            )));
        }
        let mut ram = Ram::try_new(RAM_BASE, config.mem_size as usize).ok_or_else(|| {
            EmuError::Config(format!("cannot allocate {} MiB of guest RAM on this host", config.mem_size >> 20))
        })?;
        let program = load_elf(name, bytes, &mut ram)?;
        let mut bus = Bus::new(ram);
        bus.map(POWER_BASE, 0x1000, None, Box::new(PowerOff)).map_err(EmuError::Config)?;
        let htif = program.tohost.map(|tohost| Htif { tohost, fromhost: program.fromhost });
        if let Some(h) = &htif {
            bus.set_tohost(h.tohost);
        }
        config.mmu.itlb.validate().map_err(EmuError::Config)?;
        config.mmu.dtlb.validate().map_err(EmuError::Config)?;
        let mut hart = Hart::new(bus, config.mmu, program.entry);
        hart.x[10] = 0; // a0 = hart id
        Ok(Machine { hart, program, htif, console: Box::new(std::io::stdout()) })
    }

    /// Send the guest's console output (HTIF) to `out` instead of stdout.
    pub fn set_console(&mut self, out: Box<dyn Write>) {
        self.console = out;
    }

    /// Run until the guest exits or `max_insns` instructions have retired.
    pub fn run(&mut self, max_insns: Option<u64>) -> ExitReason {
        self.run_with(max_insns, &mut crate::cpu::NoTrace)
    }

    /// [`Machine::run`], reporting each instruction to `tracer`.
    pub fn run_with<T: Tracer>(&mut self, max_insns: Option<u64>, tracer: &mut T) -> ExitReason {
        let limit = max_insns.unwrap_or(u64::MAX);
        loop {
            match self.hart.run_with(limit, tracer) {
                StopReason::InsnLimit => return ExitReason::InsnLimit,
                StopReason::Stuck => return ExitReason::Stuck { pc: self.hart.pc },
                StopReason::Power => {
                    return match self.hart.bus().power_request.take() {
                        Some(PowerRequest::Off(code)) => ExitReason::Exited(code as u64),
                        _ => ExitReason::Reset,
                    }
                }
                StopReason::Htif => {
                    if let Some(h) = self.htif {
                        if let HtifAction::Exit(code) = h.service(&mut self.hart.mmu.bus.ram, &mut self.console) {
                            let _ = self.console.flush();
                            return ExitReason::Exited(code);
                        }
                    }
                }
            }
        }
    }

    /// The name of the function containing `addr`, if the ELF says.
    pub fn symbol_at(&self, addr: u64) -> Option<&str> {
        let syms = &self.program.symbols;
        let i = syms.partition_point(|s| s.addr <= addr).checked_sub(1)?;
        let s = &syms[i];
        (addr - s.addr < s.size.max(1)).then_some(s.name.as_str())
    }
}
