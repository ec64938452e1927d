//! Virtio devices over the MMIO transport, as QEMU's virt board presents
//! them (virtio 1.x, "Virtio Over MMIO", modern interface: Version 2).
//!
//! - [`VirtioMmio`] is the transport: the register window, feature
//!   negotiation, the device status, the interrupt status, and the split
//!   virtqueues ([`queue`]). It holds a device behind the [`VirtioDevice`]
//!   trait, or nothing (an empty transport reports DeviceID 0, as QEMU's
//!   unused virt transports do).
//! - [`VirtioBlk`] is a block device backed by a host file.
//!
//! Requests are processed synchronously inside the guest's write to
//! QueueNotify (the machine is single-threaded), so no device ever needs a
//! tick or can wake a waiting hart on its own.
//!
//! On QEMU's virt board there are [`QEMU_VIRT_TRANSPORTS`] transports;
//! transport `i` sits at [`transport_base`]`(i)` with a window of
//! [`MMIO_SIZE`] bytes and drives PLIC source [`transport_irq`]`(i)`.

mod blk;
mod mmio;
pub mod queue;

pub use blk::{BlkStats, BlkStatsHandle, VirtioBlk};
pub use mmio::VirtioMmio;
pub use queue::{Chain, QueueError};

use crate::bus::Ram;

/// Physical base of the first virtio-mmio transport on QEMU's virt board.
pub const MMIO_BASE: u64 = 0x1000_1000;
/// Size of (and stride between) transport windows.
pub const MMIO_SIZE: u64 = 0x1000;
/// Number of virtio-mmio transports on QEMU's virt board.
pub const QEMU_VIRT_TRANSPORTS: usize = 8;
/// PLIC source of the first transport (transport `i` uses `1 + i`).
pub const IRQ_BASE: usize = 1;

/// Physical base of transport `index` on QEMU's virt board.
pub fn transport_base(index: usize) -> u64 {
    MMIO_BASE + MMIO_SIZE * index as u64
}

/// PLIC source driven by transport `index` on QEMU's virt board.
pub fn transport_irq(index: usize) -> usize {
    IRQ_BASE + index
}

/// Virtio device IDs ("Device Types").
pub mod device_id {
    /// No device behind the transport.
    pub const NONE: u32 = 0;
    /// Block device.
    pub const BLOCK: u32 = 2;
}

/// Device status bits ("Device Status Field").
pub mod status {
    /// The guest found the device.
    pub const ACKNOWLEDGE: u32 = 1;
    /// The guest knows how to drive it.
    pub const DRIVER: u32 = 2;
    /// The driver is ready: the device is live.
    pub const DRIVER_OK: u32 = 4;
    /// Feature negotiation is complete (refused by the device when the
    /// driver's features are unacceptable).
    pub const FEATURES_OK: u32 = 8;
    /// The device hit an error it cannot recover from without a reset.
    pub const DEVICE_NEEDS_RESET: u32 = 0x40;
    /// The driver gave up on the device.
    pub const FAILED: u32 = 0x80;
}

/// Transport-level feature bits ("Reserved Feature Bits").
pub mod features {
    /// Indirect descriptor tables are supported.
    pub const RING_INDIRECT_DESC: u64 = 1 << 28;
    /// The used_event/avail_event fields (not offered).
    pub const RING_EVENT_IDX: u64 = 1 << 29;
    /// A virtio 1.x device: required with the modern (Version 2) interface.
    pub const VERSION_1: u64 = 1 << 32;
}

/// Interrupt status bits (InterruptStatus / InterruptACK).
pub mod interrupt {
    /// The device used a buffer in some virtqueue.
    pub const USED_BUFFER: u32 = 1;
    /// The configuration changed (also raised with DEVICE_NEEDS_RESET).
    pub const CONFIG_CHANGE: u32 = 2;
}

/// A device behind a [`VirtioMmio`] transport.
pub trait VirtioDevice {
    /// Short name for diagnostics.
    fn name(&self) -> &'static str;
    /// The virtio device ID ([`device_id`]).
    fn device_id(&self) -> u32;
    /// Device-specific feature bits offered; the transport adds its own
    /// ([`features::VERSION_1`], [`features::RING_INDIRECT_DESC`]).
    fn features(&self) -> u64;
    /// Number of virtqueues (small: the transport keeps state for each).
    fn num_queues(&self) -> usize;
    /// Read `size` (1, 2, 4 or 8) bytes of the configuration space at
    /// `offset`; bytes past the end of the structure read as zero.
    fn config_read(&self, offset: u64, size: u8) -> u64;
    /// Write the configuration space (read-only by default).
    fn config_write(&mut self, _offset: u64, _size: u8, _value: u64) {}
    /// Handle one available descriptor chain taken from virtqueue `queue`,
    /// returning the number of bytes written into its device-writable
    /// buffers (the used-ring length). An `Err` means the chain is malformed
    /// beyond what the device can report to the driver: the transport then
    /// sets DEVICE_NEEDS_RESET and stops processing until reset.
    fn process(&mut self, queue: usize, chain: &Chain, ram: &mut Ram) -> Result<u32, QueueError>;
    /// The driver reset the device (Status written with 0).
    fn reset(&mut self) {}
    /// The machine stops: make every write durable.
    fn shutdown(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testutil;
