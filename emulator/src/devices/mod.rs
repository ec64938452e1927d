//! Memory-mapped devices. Each sees offsets within its own window and the
//! access width, owns its registers, and reports side effects (power-off,
//! interrupt lines) through [`DeviceContext`]; none knows about the hart.

mod clint;
pub mod fdt;
mod htif;
mod plic;
mod power;
mod uart;
pub mod virtio;

pub use clint::Clint;
pub use htif::{Htif, HtifAction};
pub use plic::Plic;
pub use power::{PowerOff, PowerRequest};
pub use uart::Uart16550;

use crate::bus::Ram;

/// What a device may observe or signal during one access or tick.
pub struct DeviceContext<'a> {
    /// The current value of mtime (10 MHz ticks), for timekeeping devices.
    pub mtime: u64,
    /// Set by the power-off device.
    pub power: Option<PowerRequest>,
    /// Guest RAM, for devices that do DMA (virtio). Every access must be
    /// bounds-checked (`Ram::offset_of`): a guest address is untrusted.
    pub ram: &'a mut Ram,
}

/// A memory-mapped device on the bus. Reads and writes are 1, 2, 4 or 8
/// bytes at an offset inside the device's window; `None`/`false` means the
/// access is not supported there and becomes an access fault.
pub trait Device {
    /// Short name for diagnostics.
    fn name(&self) -> &'static str;
    /// Read `size` bytes at `offset`.
    fn read(&mut self, offset: u64, size: u8, ctx: &mut DeviceContext) -> Option<u64>;
    /// Write the low `size` bytes of `value` at `offset`.
    fn write(&mut self, offset: u64, size: u8, value: u64, ctx: &mut DeviceContext) -> bool;
    /// The level of this device's interrupt line (wired to a PLIC source).
    fn interrupt_pending(&self) -> bool {
        false
    }
    /// Whether a new interrupt cause arose since the last call (a byte
    /// received, THR emptied again, a used buffer): the PLIC then takes a
    /// new request even though the line was already high, as QEMU's devices
    /// re-signal their line on such events.
    fn take_interrupt_event(&mut self) -> bool {
        false
    }
    /// Called between instruction batches (poll host input, timers).
    fn tick(&mut self, _ctx: &mut DeviceContext) {}
    /// Whether the device may raise its interrupt later without a guest
    /// access (e.g. a UART waiting for host input): a guest in WFI is then
    /// not stuck.
    fn can_wake(&self) -> bool {
        false
    }
    /// Called when the machine stops: make every write durable.
    fn shutdown(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
