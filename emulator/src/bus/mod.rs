//! The physical bus: RAM, the CLINT (which the hart's interrupt logic reads
//! directly), and a sorted map of other memory-mapped devices.

mod ram;

pub use ram::Ram;

use crate::addr::PhysAddr;
use crate::devices::{Clint, Device, DeviceContext, Plic, PowerRequest};

/// Physical base of RAM on QEMU's virt board.
pub const RAM_BASE: u64 = 0x8000_0000;
/// Physical base of the CLINT.
pub const CLINT_BASE: u64 = 0x0200_0000;
/// Size of the CLINT window.
pub const CLINT_SIZE: u64 = 0x1_0000;
/// Physical base of the SiFive test (power-off) device.
pub const POWER_BASE: u64 = 0x0010_0000;
/// Physical base of the PLIC.
pub const PLIC_BASE: u64 = 0x0c00_0000;
/// Size of the PLIC window.
pub const PLIC_SIZE: u64 = 0x60_0000;

struct Mapped {
    base: u64,
    size: u64,
    /// The PLIC source the device's interrupt line drives, if any.
    irq: Option<usize>,
    /// The line's level as last signalled (to find rising edges).
    level: bool,
    device: Box<dyn Device>,
}

/// The physical address space.
pub struct Bus {
    /// Main memory.
    pub ram: Ram,
    /// The core-local interruptor.
    pub clint: Clint,
    /// The platform-level interrupt controller.
    pub plic: Plic,
    devices: Vec<Mapped>,
    /// Physical address of the HTIF `tohost` word (u64::MAX when absent).
    tohost: u64,
    /// Set when a store touched `tohost`; the run loop services it.
    pub tohost_written: bool,
    /// The current derived time base, set by the hart before device access.
    pub time_base: u64,
    /// A power-off or reset request made by a device.
    pub power_request: Option<PowerRequest>,
    /// Set with either of the two above: the hart ends its batch after the
    /// current instruction so the machine can act at once.
    pub attention: bool,
}

impl Bus {
    /// Where `tohost` lies in a `Bus`, for compiled code that stores to
    /// RAM itself (see `cpu/jit.rs`).
    pub(crate) const TOHOST_OFFSET: usize = std::mem::offset_of!(Bus, tohost);

    /// A bus with `ram` and a CLINT, and no other device.
    pub fn new(ram: Ram) -> Bus {
        Bus {
            ram,
            clint: Clint::default(),
            plic: Plic::default(),
            devices: Vec::new(),
            tohost: u64::MAX,
            tohost_written: false,
            time_base: 0,
            power_request: None,
            attention: false,
        }
    }

    /// Map `device` at `[base, base + size)`, its interrupt line wired to
    /// PLIC source `irq`. Fails if the window overlaps RAM, the CLINT, the
    /// PLIC or another device.
    pub fn map(&mut self, base: u64, size: u64, irq: Option<usize>, device: Box<dyn Device>) -> Result<(), String> {
        let end = base.checked_add(size).ok_or("device window wraps")?;
        let overlaps = |b: u64, s: u64| base < b + s && b < end;
        if overlaps(self.ram.base(), self.ram.len())
            || overlaps(CLINT_BASE, CLINT_SIZE)
            || overlaps(PLIC_BASE, PLIC_SIZE)
        {
            return Err(format!("{} at 0x{base:x} overlaps RAM, the CLINT or the PLIC", device.name()));
        }
        if let Some(m) = self.devices.iter().find(|m| overlaps(m.base, m.size)) {
            return Err(format!("{} at 0x{base:x} overlaps {}", device.name(), m.device.name()));
        }
        let at = self.devices.partition_point(|m| m.base < base);
        self.devices.insert(at, Mapped { base, size, irq, level: false, device });
        Ok(())
    }

    /// Tell the PLIC about device `i`'s interrupt line: its level, and a
    /// request on a rising edge or a new cause.
    fn signal_irq(plic: &mut Plic, m: &mut Mapped) {
        if let Some(irq) = m.irq {
            let high = m.device.interrupt_pending();
            let event = m.device.take_interrupt_event();
            plic.signal(irq, high, high && (!m.level || event));
            m.level = high;
        }
    }

    /// Give every device its between-batches tick and refresh the PLIC's
    /// view of their interrupt lines.
    pub fn tick_devices(&mut self) {
        let mtime = self.clint.mtime(self.time_base);
        for m in &mut self.devices {
            let mut ctx = DeviceContext { mtime, power: None, ram: &mut self.ram };
            m.device.tick(&mut ctx);
            Self::signal_irq(&mut self.plic, m);
        }
    }

    /// Whether some device could raise an interrupt without the guest
    /// touching it (so a hart waiting in WFI is not stuck).
    pub fn device_can_wake(&self) -> bool {
        self.devices.iter().any(|m| m.irq.is_some() && m.device.can_wake())
    }

    /// Make every device's writes durable (disk flush at exit).
    pub fn shutdown_devices(&mut self) -> std::io::Result<()> {
        let mut first_error = Ok(());
        for m in &mut self.devices {
            if let Err(e) = m.device.shutdown() {
                if first_error.is_ok() {
                    first_error = Err(e);
                }
            }
        }
        first_error
    }

    /// Watch stores to the HTIF `tohost` word at `pa`.
    pub fn set_tohost(&mut self, pa: u64) {
        self.tohost = pa & !7;
    }

    fn device_index(&self, pa: u64) -> Option<usize> {
        let i = self.devices.partition_point(|m| m.base <= pa).checked_sub(1)?;
        let m = &self.devices[i];
        (pa - m.base < m.size).then_some(i)
    }

    /// Read `size` bytes at `pa`; `None` is an access fault.
    #[inline]
    pub fn read(&mut self, pa: PhysAddr, size: u8) -> Option<u64> {
        if let Some(off) = self.ram.offset_of(pa.0, size as u64) {
            return Some(self.ram.read(off, size));
        }
        self.read_mmio(pa.0, size)
    }

    /// Write the low `size` bytes of `value` at `pa`; `false` is an access
    /// fault.
    #[inline]
    pub fn write(&mut self, pa: PhysAddr, size: u8, value: u64) -> bool {
        if let Some(off) = self.ram.offset_of(pa.0, size as u64) {
            self.ram.write(off, size, value);
            if pa.0 & !7 == self.tohost {
                self.tohost_written = true;
                self.attention = true;
            }
            return true;
        }
        self.write_mmio(pa.0, size, value)
    }

    #[cold]
    fn read_mmio(&mut self, pa: u64, size: u8) -> Option<u64> {
        if !pa.is_multiple_of(size as u64) {
            return None; // device registers take naturally aligned accesses only
        }
        if pa.wrapping_sub(CLINT_BASE) < CLINT_SIZE {
            return self.clint.read(pa - CLINT_BASE, size, self.time_base);
        }
        if pa.wrapping_sub(PLIC_BASE) < PLIC_SIZE {
            return self.plic.read(pa - PLIC_BASE, size);
        }
        let i = self.device_index(pa)?;
        let mtime = self.clint.mtime(self.time_base);
        let m = &mut self.devices[i];
        let mut ctx = DeviceContext { mtime, power: None, ram: &mut self.ram };
        let v = m.device.read(pa - m.base, size, &mut ctx);
        Self::signal_irq(&mut self.plic, m);
        v
    }

    #[cold]
    fn write_mmio(&mut self, pa: u64, size: u8, value: u64) -> bool {
        if !pa.is_multiple_of(size as u64) {
            return false;
        }
        // A device write can change interrupt lines or timers: end the
        // batch so the hart looks at them before the next instruction.
        self.attention = true;
        if pa.wrapping_sub(CLINT_BASE) < CLINT_SIZE {
            return self.clint.write(pa - CLINT_BASE, size, value, self.time_base);
        }
        if pa.wrapping_sub(PLIC_BASE) < PLIC_SIZE {
            return self.plic.write(pa - PLIC_BASE, size, value);
        }
        let Some(i) = self.device_index(pa) else { return false };
        let mtime = self.clint.mtime(self.time_base);
        let m = &mut self.devices[i];
        let mut ctx = DeviceContext { mtime, power: None, ram: &mut self.ram };
        let ok = m.device.write(pa - m.base, size, value, &mut ctx);
        if ctx.power.is_some() {
            self.power_request = ctx.power;
        }
        Self::signal_irq(&mut self.plic, m);
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::PowerOff;

    #[test]
    fn routes_ram_devices_and_faults() {
        let mut bus = Bus::new(Ram::new(RAM_BASE, 0x1000));
        bus.map(POWER_BASE, 0x1000, None, Box::new(PowerOff)).unwrap();
        assert!(bus.map(POWER_BASE + 0x800, 0x1000, None, Box::new(PowerOff)).is_err());
        assert!(bus.map(RAM_BASE, 0x10, None, Box::new(PowerOff)).is_err());
        assert!(bus.map(PLIC_BASE + 0x1000, 0x10, None, Box::new(PowerOff)).is_err());
        assert!(bus.write(PhysAddr(RAM_BASE + 8), 8, 42));
        assert_eq!(bus.read(PhysAddr(RAM_BASE + 8), 8), Some(42));
        assert_eq!(bus.read(PhysAddr(0x4000_0000), 4), None, "unmapped");
        assert_eq!(bus.read(PhysAddr(RAM_BASE + 0x1000), 1), None, "past RAM");
        assert_eq!(bus.read(PhysAddr(RAM_BASE + 0xffc), 8), None, "straddles RAM end");
        assert!(!bus.write(PhysAddr(POWER_BASE + 1), 4, 0x5555), "misaligned MMIO");
        assert!(bus.write(PhysAddr(POWER_BASE), 4, 0x5555));
        assert_eq!(bus.power_request, Some(PowerRequest::Off(0)));
        bus.set_tohost(RAM_BASE + 0x40);
        assert!(bus.write(PhysAddr(RAM_BASE + 0x44), 4, 0));
        assert!(bus.tohost_written);
    }
}
