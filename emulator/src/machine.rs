//! A machine: one hart, RAM, the devices, and a loaded program; runs it to
//! an exit reason.

use crate::bus::{Bus, Ram, POWER_BASE, RAM_BASE};
use crate::cpu::{Hart, StopReason, Tracer};
use crate::devices::fdt::{build_fdt, fdt_address, BoardDescription};
use crate::devices::virtio::{transport_base, transport_irq, BlkStats, BlkStatsHandle, VirtioBlk, VirtioMmio};
use crate::devices::Uart16550;
use crate::devices::{Htif, HtifAction, PowerOff, PowerRequest};
use crate::error::EmuError;
use crate::loader::{load_elf, LoadedElf};
use crate::mmu::MmuConfig;
use std::io::Write;

/// Default guest RAM size: 128 MiB, as QEMU's virt board.
pub const DEFAULT_MEM: u64 = 128 << 20;

/// Physical base of the 16550 UART.
pub const UART_BASE: u64 = 0x1000_0000;
/// PLIC source of the UART.
pub const UART_IRQ: usize = 10;
/// Physical base of the first virtio-mmio transport (then every 0x1000).
pub const VIRTIO_BASE: u64 = 0x1000_1000;
/// Number of virtio-mmio transports, as on QEMU virt.
pub const VIRTIO_TRANSPORTS: usize = 8;
/// The ISA string of the hart, for the device tree.
pub const ISA_STRING: &str = "rv64imafdc_zicsr_zifencei_sstc";

/// A disk: a host file behind a virtio-blk device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskConfig {
    /// The host file.
    pub path: String,
    /// Never write the file.
    pub read_only: bool,
}

/// How to build a machine.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    /// Guest RAM in bytes.
    pub mem_size: u64,
    /// TLBs and A/D maintenance.
    pub mmu: MmuConfig,
    /// Disks, on virtio-mmio transports 0, 1, ... in order.
    pub disks: Vec<DiskConfig>,
    /// The device tree's /chosen/bootargs.
    pub bootargs: Option<String>,
    /// mtime follows the host clock instead of retired instructions.
    pub realtime: bool,
    /// Feed the host's stdin to the UART.
    pub uart_stdin: bool,
    /// Compile a block to host code once it has run this many times
    /// (`None`: never; every block then runs as threaded code).
    pub jit_after: Option<u32>,
    /// Compile on a thread of its own while the hart goes on running the
    /// block threaded (the default), rather than on the hart's thread at
    /// once. Results and statistics are the same either way.
    pub jit_background: bool,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            mem_size: DEFAULT_MEM,
            mmu: MmuConfig::default(),
            disks: Vec::new(),
            bootargs: None,
            realtime: false,
            uart_stdin: false,
            jit_after: Some(64),
            jit_background: true,
        }
    }
}

/// Output that goes wherever the machine's console currently points (the
/// UART and HTIF share it).
#[derive(Clone)]
struct SharedConsole(std::sync::Arc<std::sync::Mutex<Box<dyn Write + Send>>>);

impl Write for SharedConsole {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut w) => w.write(buf),
            Err(_) => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.lock() {
            Ok(mut w) => w.flush(),
            Err(_) => Ok(()),
        }
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
    /// The guest traps again and again without retiring an instruction.
    TrapLoop {
        /// Where the last trap went.
        pc: u64,
    },
    /// The guest asked for a reset.
    Reset,
    /// The wall-clock limit (`--timeout`) passed first.
    Timeout,
}

/// A hart, its bus and devices, and the loaded program.
pub struct Machine {
    /// The hart (and through it the MMU and bus).
    pub hart: Hart,
    /// The loaded program's facts.
    pub program: LoadedElf,
    htif: Option<Htif>,
    console: SharedConsole,
    /// Physical address of the device tree blob (passed in a1).
    pub fdt_addr: u64,
    disks: Vec<BlkStatsHandle>,
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
        let console = SharedConsole(std::sync::Arc::new(std::sync::Mutex::new(Box::new(std::io::stdout()))));

        // The device tree goes where QEMU's virt board puts it, or, if the
        // program occupies that spot, to the highest page-aligned place
        // above the program.
        let board = BoardDescription {
            ram_base: RAM_BASE,
            ram_size: config.mem_size,
            bootargs: config.bootargs.clone(),
            isa: ISA_STRING.to_string(),
            virtio_transports: VIRTIO_TRANSPORTS as u32,
        };
        let blob = build_fdt(&board).map_err(|e| EmuError::Config(format!("device tree: {e}")))?;
        let ram_end = RAM_BASE + config.mem_size;
        let fdt_addr = fdt_address(RAM_BASE, config.mem_size, blob.len() as u64)
            .filter(|&a| a >= program.image_end)
            .or_else(|| ram_end.checked_sub(blob.len() as u64).map(|a| a & !0xfff).filter(|&a| a >= program.image_end));
        let fdt_addr = match fdt_addr.and_then(|a| ram.offset_of(a, blob.len() as u64).map(|off| (a, off))) {
            Some((addr, off)) => {
                ram.bytes_mut()[off..off + blob.len()].copy_from_slice(&blob);
                addr
            }
            None => {
                log::warn!("no room in RAM for the device tree above the program; a1 = 0");
                0
            }
        };
        let mut bus = Bus::new(ram);
        bus.map(POWER_BASE, 0x1000, None, Box::new(PowerOff)).map_err(EmuError::Config)?;
        let input = config.uart_stdin.then(Uart16550::stdin_channel);
        bus.map(UART_BASE, 0x100, Some(UART_IRQ), Box::new(Uart16550::new(Box::new(console.clone()), input)))
            .map_err(EmuError::Config)?;
        if config.disks.len() > VIRTIO_TRANSPORTS {
            return Err(EmuError::Config(format!("at most {VIRTIO_TRANSPORTS} disks")));
        }
        let mut disks = Vec::new();
        for i in 0..VIRTIO_TRANSPORTS {
            let transport = match config.disks.get(i) {
                Some(d) => {
                    let disk = VirtioBlk::open(std::path::Path::new(&d.path), d.read_only)
                        .map_err(|source| EmuError::Disk { path: d.path.clone(), source })?
                        .with_index(i);
                    disks.push(disk.stats_handle());
                    VirtioMmio::blk(disk)
                }
                None => VirtioMmio::empty(),
            };
            bus.map(transport_base(i), 0x1000, Some(transport_irq(i)), Box::new(transport))
                .map_err(EmuError::Config)?;
        }
        let htif = program.tohost.map(|tohost| Htif { tohost, fromhost: program.fromhost });
        if let Some(h) = &htif {
            bus.set_tohost(h.tohost);
        }
        config.mmu.itlb.validate().map_err(EmuError::Config)?;
        config.mmu.dtlb.validate().map_err(EmuError::Config)?;
        let mut hart = Hart::new(bus, config.mmu, program.entry);
        // The boot convention of QEMU's virt board with -bios none.
        hart.x[10] = 0; // a0 = hart id
        hart.x[11] = fdt_addr; // a1 = device tree
        hart.set_jit(config.jit_after, config.jit_background);
        if config.realtime {
            hart.use_realtime_clock();
        }
        Ok(Machine { hart, program, htif, console, fdt_addr, disks })
    }

    /// Send the guest's console output (UART and HTIF) to `out` instead of
    /// stdout.
    pub fn set_console(&mut self, out: Box<dyn Write + Send>) {
        if let Ok(mut c) = self.console.0.lock() {
            *c = out;
        }
    }

    /// Make every device's writes durable (disks flushed); called when the
    /// run ends, whatever the reason.
    pub fn shutdown(&mut self) -> std::io::Result<()> {
        let _ = self.console.flush();
        self.hart.mmu.bus.shutdown_devices()
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
                StopReason::TrapLoop => return ExitReason::TrapLoop { pc: self.hart.pc },
                StopReason::Timeout => return ExitReason::Timeout,
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

    /// Counters of each disk, in `--disk` order.
    pub fn disk_stats(&self) -> Vec<BlkStats> {
        self.disks.iter().map(|d| d.get()).collect()
    }

    /// The name of the function containing `addr`, if the ELF says.
    pub fn symbol_at(&self, addr: u64) -> Option<&str> {
        let syms = &self.program.symbols;
        let i = syms.partition_point(|s| s.addr <= addr).checked_sub(1)?;
        let s = &syms[i];
        (addr - s.addr < s.size.max(1)).then_some(s.name.as_str())
    }
}
