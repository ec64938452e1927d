//! Memory-mapped devices. Each sees offsets within its own window and the
//! access width, owns its registers, and reports side effects (power-off,
//! interrupt lines) through [`DeviceContext`]; none knows about the hart.

mod clint;
mod htif;
mod power;

pub use clint::Clint;
pub use htif::{Htif, HtifAction};
pub use power::{PowerOff, PowerRequest};

/// What a device may observe or signal during one access.
#[derive(Debug, Default)]
pub struct DeviceContext {
    /// The current value of mtime (10 MHz ticks), for timekeeping devices.
    pub mtime: u64,
    /// Set by the power-off device.
    pub power: Option<PowerRequest>,
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
}
