//! The virtio-mmio transport, modern interface (virtio 1.x, "Virtio Over
//! MMIO", Version 2), with QEMU's identity (VendorID "QEMU").
//!
//! Registers take 32-bit accesses only; the device configuration space at
//! 0x100 takes 1, 2, 4 and 8-byte accesses. Reads of write-only or unknown
//! registers return 0; writes to read-only or unknown registers are
//! ignored.
//!
//! Choices where the specification leaves room:
//! - FEATURES_OK is refused (left clear on read-back) if the driver accepts
//!   a feature not offered, or does not accept VIRTIO_F_VERSION_1 (which a
//!   Version 2 transport requires; Linux refuses such devices itself).
//!   DriverFeatures writes after FEATURES_OK was accepted are ignored.
//! - Buffers are consumed only while DRIVER_OK is set; a notification that
//!   arrives earlier is acted on when the driver sets DRIVER_OK.
//! - Writes to QueueNum and the queue addresses while QueueReady is 1 are
//!   ignored; making a queue ready starts it at ring position 0.
//! - A structural virtqueue fault sets DEVICE_NEEDS_RESET and raises a
//!   configuration-change interrupt; nothing is processed until the driver
//!   writes 0 to Status.

use super::queue::Queue;
use super::{device_id, features, interrupt, status, VirtioDevice};
use crate::bus::Ram;
use crate::devices::{Device, DeviceContext};

/// "virt" in little-endian ASCII.
pub const MAGIC: u32 = 0x7472_6976;
/// The modern (virtio 1.x) interface.
pub const VERSION: u32 = 2;
/// "QEMU" in little-endian ASCII, as QEMU's transports report.
pub const VENDOR_ID: u32 = 0x554d_4551;

pub(super) const MAGIC_VALUE: u64 = 0x000;
pub(super) const VERSION_REG: u64 = 0x004;
pub(super) const DEVICE_ID: u64 = 0x008;
pub(super) const VENDOR_ID_REG: u64 = 0x00c;
pub(super) const DEVICE_FEATURES: u64 = 0x010;
pub(super) const DEVICE_FEATURES_SEL: u64 = 0x014;
pub(super) const DRIVER_FEATURES: u64 = 0x020;
pub(super) const DRIVER_FEATURES_SEL: u64 = 0x024;
pub(super) const QUEUE_SEL: u64 = 0x030;
pub(super) const QUEUE_NUM_MAX: u64 = 0x034;
pub(super) const QUEUE_NUM: u64 = 0x038;
pub(super) const QUEUE_READY: u64 = 0x044;
pub(super) const QUEUE_NOTIFY: u64 = 0x050;
pub(super) const INTERRUPT_STATUS: u64 = 0x060;
pub(super) const INTERRUPT_ACK: u64 = 0x064;
pub(super) const STATUS: u64 = 0x070;
pub(super) const QUEUE_DESC_LOW: u64 = 0x080;
pub(super) const QUEUE_DESC_HIGH: u64 = 0x084;
pub(super) const QUEUE_DRIVER_LOW: u64 = 0x090;
pub(super) const QUEUE_DRIVER_HIGH: u64 = 0x094;
pub(super) const QUEUE_DEVICE_LOW: u64 = 0x0a0;
pub(super) const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
pub(super) const CONFIG_GENERATION: u64 = 0x0fc;
/// Start of the device configuration space.
pub const CONFIG: u64 = 0x100;

/// Transport features offered on top of the device's own.
const TRANSPORT_FEATURES: u64 = features::VERSION_1 | features::RING_INDIRECT_DESC;

/// Most queues a device may have (state is kept for each).
const MAX_QUEUES: usize = 16;

/// A virtio-mmio transport with a device behind it, or none.
pub struct VirtioMmio {
    device: Option<Box<dyn VirtioDevice>>,
    status: u32,
    needs_reset: bool,
    interrupt_status: u32,
    /// New interrupt bits since the bus last asked.
    irq_event: bool,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    queues: Vec<Queue>,
}

impl VirtioMmio {
    /// A transport presenting `device`.
    pub fn new(device: Box<dyn VirtioDevice>) -> VirtioMmio {
        let n = device.num_queues().min(MAX_QUEUES);
        VirtioMmio::with(Some(device), n)
    }

    /// A transport presenting block device `disk`.
    pub fn blk(disk: super::VirtioBlk) -> VirtioMmio {
        VirtioMmio::new(Box::new(disk))
    }

    /// A transport with no device behind it (DeviceID 0), as QEMU's unused
    /// virt transports.
    pub fn empty() -> VirtioMmio {
        VirtioMmio::with(None, 0)
    }

    fn with(device: Option<Box<dyn VirtioDevice>>, queues: usize) -> VirtioMmio {
        VirtioMmio {
            device,
            status: 0,
            needs_reset: false,
            interrupt_status: 0,
            irq_event: false,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            queues: vec![Queue::default(); queues],
        }
    }

    /// The features offered: the device's and the transport's (none for an
    /// empty transport).
    pub fn device_features(&self) -> u64 {
        self.device.as_ref().map_or(0, |d| d.features() | TRANSPORT_FEATURES)
    }

    /// The features the driver accepted (as written to DriverFeatures).
    pub fn driver_features(&self) -> u64 {
        self.driver_features
    }

    /// The Status register as the driver reads it.
    pub fn status(&self) -> u32 {
        self.status | if self.needs_reset { status::DEVICE_NEEDS_RESET } else { 0 }
    }

    /// The InterruptStatus register.
    pub fn interrupt_status(&self) -> u32 {
        self.interrupt_status
    }

    fn reset(&mut self) {
        self.status = 0;
        self.needs_reset = false;
        self.interrupt_status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        self.queues.iter_mut().for_each(Queue::reset);
        if let Some(d) = &mut self.device {
            d.reset();
        }
    }

    /// FEATURES_OK is refused only for features that were not offered. A
    /// driver that leaves VERSION_1 unaccepted (xv6 writes only feature
    /// word 0) is served as QEMU serves it: the spec lets a device refuse
    /// it (virtio 1.x, 6.1), but kernels written for QEMU's virt rely on it.
    fn features_acceptable(&self) -> bool {
        self.driver_features & !self.device_features() == 0
    }

    fn write_status(&mut self, value: u32, ram: &mut Ram) {
        if value == 0 {
            self.reset();
            return;
        }
        // DEVICE_NEEDS_RESET is the device's to set; bits above 7 do not exist.
        let mut v = value & 0xff & !status::DEVICE_NEEDS_RESET;
        if v & status::FEATURES_OK != 0 && self.status & status::FEATURES_OK == 0 && !self.features_acceptable() {
            v &= !status::FEATURES_OK;
        }
        let went_live = v & status::DRIVER_OK != 0 && self.status & status::DRIVER_OK == 0;
        self.status = v;
        if went_live {
            for q in 0..self.queues.len() {
                self.notify(q, ram);
            }
        }
    }

    fn selected_queue(&mut self) -> Option<&mut Queue> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    /// Set the low or high half of a queue address (ignored while ready).
    fn write_queue_addr(&mut self, reg: u64, value: u32) {
        let Some(q) = self.selected_queue().filter(|q| !q.ready) else { return };
        let (field, high) = match reg {
            QUEUE_DESC_LOW => (&mut q.desc, false),
            QUEUE_DESC_HIGH => (&mut q.desc, true),
            QUEUE_DRIVER_LOW => (&mut q.driver, false),
            QUEUE_DRIVER_HIGH => (&mut q.driver, true),
            QUEUE_DEVICE_LOW => (&mut q.device, false),
            _ => (&mut q.device, true),
        };
        *field =
            if high { (*field & 0xffff_ffff) | (value as u64) << 32 } else { (*field & !0xffff_ffff) | value as u64 };
    }

    /// Process queue `index` after a notification.
    fn notify(&mut self, index: usize, ram: &mut Ram) {
        if self.needs_reset || self.status & status::DRIVER_OK == 0 || self.status & status::FAILED != 0 {
            return;
        }
        let (Some(device), Some(q)) = (self.device.as_mut(), self.queues.get_mut(index)) else { return };
        if !q.ready {
            return;
        }
        let out = q.process(ram, |chain, ram| device.process(index, chain, ram));
        if out.interrupt {
            self.interrupt_status |= interrupt::USED_BUFFER;
            self.irq_event = true;
        }
        if let Some(e) = out.error {
            log::warn!("{}: virtqueue {index}: {e}; device needs reset", device.name());
            self.needs_reset = true;
            self.interrupt_status |= interrupt::CONFIG_CHANGE;
            self.irq_event = true;
        }
    }

    fn read_reg(&mut self, offset: u64) -> u32 {
        let present = self.device.is_some();
        match offset {
            MAGIC_VALUE => MAGIC,
            VERSION_REG => VERSION,
            DEVICE_ID => self.device.as_ref().map_or(device_id::NONE, |d| d.device_id()),
            VENDOR_ID_REG => VENDOR_ID,
            _ if !present => 0,
            DEVICE_FEATURES => match self.device_features_sel {
                0 => self.device_features() as u32,
                1 => (self.device_features() >> 32) as u32,
                _ => 0,
            },
            QUEUE_NUM_MAX => self.selected_queue().map_or(0, |_| super::queue::QUEUE_NUM_MAX),
            QUEUE_READY => self.selected_queue().map_or(0, |q| q.ready as u32),
            INTERRUPT_STATUS => self.interrupt_status,
            STATUS => self.status(),
            CONFIG_GENERATION => 0, // the configuration never changes
            _ => 0,                 // write-only or reserved
        }
    }

    fn write_reg(&mut self, offset: u64, value: u32, ram: &mut Ram) {
        if self.device.is_none() {
            return;
        }
        match offset {
            DEVICE_FEATURES_SEL => self.device_features_sel = value,
            DRIVER_FEATURES_SEL => self.driver_features_sel = value,
            DRIVER_FEATURES => {
                if self.status & status::FEATURES_OK != 0 {
                    return;
                }
                match self.driver_features_sel {
                    0 => self.driver_features = (self.driver_features & !0xffff_ffff) | value as u64,
                    1 => self.driver_features = (self.driver_features & 0xffff_ffff) | (value as u64) << 32,
                    _ => {} // no features exist there
                }
            }
            QUEUE_SEL => self.queue_sel = value,
            QUEUE_NUM => {
                if let Some(q) = self.selected_queue().filter(|q| !q.ready) {
                    q.num = value;
                }
            }
            QUEUE_READY => {
                if let Some(q) = self.selected_queue() {
                    let ready = value & 1 != 0;
                    if ready && !q.ready {
                        q.rewind();
                    }
                    q.ready = ready;
                }
            }
            QUEUE_NOTIFY => self.notify(value as usize, ram),
            INTERRUPT_ACK => self.interrupt_status &= !value,
            STATUS => self.write_status(value, ram),
            QUEUE_DESC_LOW | QUEUE_DESC_HIGH | QUEUE_DRIVER_LOW | QUEUE_DRIVER_HIGH | QUEUE_DEVICE_LOW
            | QUEUE_DEVICE_HIGH => self.write_queue_addr(offset, value),
            _ => {} // read-only or reserved
        }
    }
}

impl Device for VirtioMmio {
    fn name(&self) -> &'static str {
        self.device.as_ref().map_or("virtio-mmio", |d| d.name())
    }

    fn read(&mut self, offset: u64, size: u8, _ctx: &mut DeviceContext) -> Option<u64> {
        if offset >= CONFIG {
            if !matches!(size, 1 | 2 | 4 | 8) || !offset.is_multiple_of(size as u64) {
                return None;
            }
            return Some(self.device.as_ref().map_or(0, |d| d.config_read(offset - CONFIG, size)));
        }
        if size != 4 || !offset.is_multiple_of(4) {
            return None;
        }
        Some(self.read_reg(offset) as u64)
    }

    fn write(&mut self, offset: u64, size: u8, value: u64, ctx: &mut DeviceContext) -> bool {
        if offset >= CONFIG {
            if !matches!(size, 1 | 2 | 4 | 8) || !offset.is_multiple_of(size as u64) {
                return false;
            }
            if let Some(d) = &mut self.device {
                d.config_write(offset - CONFIG, size, value);
            }
            return true;
        }
        if size != 4 || !offset.is_multiple_of(4) {
            return false;
        }
        self.write_reg(offset, value as u32, ctx.ram);
        true
    }

    fn interrupt_pending(&self) -> bool {
        self.interrupt_status != 0
    }

    fn take_interrupt_event(&mut self) -> bool {
        std::mem::take(&mut self.irq_event)
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        self.device.as_mut().map_or(Ok(()), |d| d.shutdown())
    }
}

#[cfg(test)]
mod tests {
    use super::super::queue::{Chain, QueueError};
    use super::*;

    /// A device that completes every chain with used length 7.
    struct Dummy;

    impl VirtioDevice for Dummy {
        fn name(&self) -> &'static str {
            "dummy"
        }
        fn device_id(&self) -> u32 {
            42
        }
        fn features(&self) -> u64 {
            1 << 3
        }
        fn num_queues(&self) -> usize {
            2
        }
        fn config_read(&self, offset: u64, size: u8) -> u64 {
            let bytes: [u8; 8] = 0x0807_0605_0403_0201u64.to_le_bytes();
            let mut v = 0u64;
            for i in 0..size as u64 {
                v |= (*bytes.get((offset + i) as usize).unwrap_or(&0) as u64) << (8 * i);
            }
            v
        }
        fn process(&mut self, _queue: usize, _chain: &Chain, _ram: &mut Ram) -> Result<u32, QueueError> {
            Ok(7)
        }
    }

    fn rd(d: &mut VirtioMmio, ram: &mut Ram, off: u64, size: u8) -> Option<u64> {
        d.read(off, size, &mut DeviceContext { mtime: 0, power: None, ram })
    }

    fn wr(d: &mut VirtioMmio, ram: &mut Ram, off: u64, size: u8, v: u64) -> bool {
        d.write(off, size, v, &mut DeviceContext { mtime: 0, power: None, ram })
    }

    #[test]
    fn identity_and_access_sizes() {
        let mut ram = Ram::new(0x8000_0000, 0x1000);
        let mut d = VirtioMmio::new(Box::new(Dummy));
        assert_eq!(rd(&mut d, &mut ram, MAGIC_VALUE, 4), Some(0x7472_6976));
        assert_eq!(rd(&mut d, &mut ram, VERSION_REG, 4), Some(2));
        assert_eq!(rd(&mut d, &mut ram, DEVICE_ID, 4), Some(42));
        assert_eq!(rd(&mut d, &mut ram, VENDOR_ID_REG, 4), Some(0x554d_4551));
        assert_eq!(rd(&mut d, &mut ram, MAGIC_VALUE, 2), None, "registers are 32-bit");
        assert_eq!(rd(&mut d, &mut ram, MAGIC_VALUE, 8), None);
        assert_eq!(rd(&mut d, &mut ram, 2, 4), None, "misaligned");
        assert!(!wr(&mut d, &mut ram, STATUS, 1, 1));
        assert!(!wr(&mut d, &mut ram, STATUS, 8, 1));
        assert_eq!(rd(&mut d, &mut ram, CONFIG, 1), Some(0x01));
        assert_eq!(rd(&mut d, &mut ram, CONFIG + 2, 2), Some(0x0403));
        assert_eq!(rd(&mut d, &mut ram, CONFIG + 4, 4), Some(0x0807_0605));
        assert_eq!(rd(&mut d, &mut ram, CONFIG, 8), Some(0x0807_0605_0403_0201));
        assert_eq!(rd(&mut d, &mut ram, CONFIG + 1, 2), None, "misaligned config read");
        assert_eq!(rd(&mut d, &mut ram, CONFIG, 3), None);
        assert_eq!(rd(&mut d, &mut ram, CONFIG + 0x40, 4), Some(0), "past the structure");
        assert!(wr(&mut d, &mut ram, CONFIG, 1, 0xff), "config writes accepted, ignored");
        assert_eq!(rd(&mut d, &mut ram, CONFIG, 1), Some(0x01));
        assert_eq!(rd(&mut d, &mut ram, 0x0c0, 4), Some(0), "reserved register");
        assert!(wr(&mut d, &mut ram, MAGIC_VALUE, 4, 0), "read-only register: write ignored");
        assert_eq!(rd(&mut d, &mut ram, MAGIC_VALUE, 4), Some(0x7472_6976));
    }

    #[test]
    fn empty_transport() {
        let mut ram = Ram::new(0x8000_0000, 0x1000);
        let mut d = VirtioMmio::empty();
        assert_eq!(d.name(), "virtio-mmio");
        assert_eq!(rd(&mut d, &mut ram, MAGIC_VALUE, 4), Some(0x7472_6976));
        assert_eq!(rd(&mut d, &mut ram, VERSION_REG, 4), Some(2));
        assert_eq!(rd(&mut d, &mut ram, DEVICE_ID, 4), Some(0));
        assert_eq!(rd(&mut d, &mut ram, VENDOR_ID_REG, 4), Some(0x554d_4551));
        for off in (0x10..0x100).step_by(4) {
            assert!(wr(&mut d, &mut ram, off, 4, 0xffff_ffff));
        }
        for off in (0x10..0x100).step_by(4) {
            assert_eq!(rd(&mut d, &mut ram, off, 4), Some(0), "register {off:#x}");
        }
        assert_eq!(rd(&mut d, &mut ram, CONFIG, 8), Some(0));
        assert!(!d.interrupt_pending());
        assert!(d.shutdown().is_ok());
    }

    #[test]
    fn feature_negotiation() {
        let mut ram = Ram::new(0x8000_0000, 0x1000);
        let mut d = VirtioMmio::new(Box::new(Dummy));
        wr(&mut d, &mut ram, STATUS, 4, (status::ACKNOWLEDGE | status::DRIVER) as u64);
        assert_eq!(rd(&mut d, &mut ram, DEVICE_FEATURES, 4), Some((1 << 3) | (1 << 28)));
        wr(&mut d, &mut ram, DEVICE_FEATURES_SEL, 4, 1);
        assert_eq!(rd(&mut d, &mut ram, DEVICE_FEATURES, 4), Some(1), "VIRTIO_F_VERSION_1");
        wr(&mut d, &mut ram, DEVICE_FEATURES_SEL, 4, 2);
        assert_eq!(rd(&mut d, &mut ram, DEVICE_FEATURES, 4), Some(0));

        // Accepting bit 4, which is not offered: FEATURES_OK refused.
        wr(&mut d, &mut ram, DRIVER_FEATURES_SEL, 4, 0);
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, (1 << 3) | (1 << 4));
        wr(&mut d, &mut ram, DRIVER_FEATURES_SEL, 4, 1);
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, 1);
        assert_eq!(d.driver_features(), (1 << 32) | (1 << 4) | (1 << 3));
        wr(&mut d, &mut ram, STATUS, 4, 0xb);
        assert_eq!(rd(&mut d, &mut ram, STATUS, 4), Some(3), "FEATURES_OK left clear");

        // Without VERSION_1: accepted, as QEMU does (xv6's driver only
        // writes feature word 0).
        wr(&mut d, &mut ram, DRIVER_FEATURES_SEL, 4, 0);
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, 1 << 3);
        wr(&mut d, &mut ram, DRIVER_FEATURES_SEL, 4, 1);
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, 0);
        wr(&mut d, &mut ram, STATUS, 4, 0xb);
        assert_eq!(rd(&mut d, &mut ram, STATUS, 4), Some(0xb));

        // After a reset, a subset including VERSION_1: accepted, then frozen.
        wr(&mut d, &mut ram, STATUS, 4, 0);
        wr(&mut d, &mut ram, STATUS, 4, 3);
        wr(&mut d, &mut ram, DRIVER_FEATURES_SEL, 4, 0);
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, 1 << 3);
        wr(&mut d, &mut ram, DRIVER_FEATURES_SEL, 4, 1);
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, 1);
        wr(&mut d, &mut ram, STATUS, 4, 0xb);
        assert_eq!(rd(&mut d, &mut ram, STATUS, 4), Some(0xb));
        wr(&mut d, &mut ram, DRIVER_FEATURES, 4, 0);
        assert_eq!(d.driver_features(), (1 << 32) | (1 << 3), "no changes after FEATURES_OK");
        wr(&mut d, &mut ram, STATUS, 4, 0xf | status::DEVICE_NEEDS_RESET as u64);
        assert_eq!(rd(&mut d, &mut ram, STATUS, 4), Some(0xf), "the driver cannot set NEEDS_RESET");
    }

    #[test]
    fn queue_registers_and_reset() {
        let mut ram = Ram::new(0x8000_0000, 0x10000);
        let mut d = VirtioMmio::new(Box::new(Dummy));
        assert_eq!(rd(&mut d, &mut ram, QUEUE_NUM_MAX, 4), Some(256));
        wr(&mut d, &mut ram, QUEUE_SEL, 4, 2);
        assert_eq!(rd(&mut d, &mut ram, QUEUE_NUM_MAX, 4), Some(0), "queue 2 does not exist");
        wr(&mut d, &mut ram, QUEUE_READY, 4, 1);
        assert_eq!(rd(&mut d, &mut ram, QUEUE_READY, 4), Some(0));
        wr(&mut d, &mut ram, QUEUE_SEL, 4, 1);
        wr(&mut d, &mut ram, QUEUE_NUM, 4, 4);
        wr(&mut d, &mut ram, QUEUE_DESC_LOW, 4, 0x8000_0000);
        wr(&mut d, &mut ram, QUEUE_DESC_HIGH, 4, 0);
        wr(&mut d, &mut ram, QUEUE_DRIVER_LOW, 4, 0x8000_1000);
        wr(&mut d, &mut ram, QUEUE_DEVICE_LOW, 4, 0x8000_2000);
        wr(&mut d, &mut ram, QUEUE_READY, 4, 1);
        assert_eq!(rd(&mut d, &mut ram, QUEUE_READY, 4), Some(1));
        wr(&mut d, &mut ram, QUEUE_NUM, 4, 8); // ignored while ready
        assert_eq!(d.queues[1].num, 4);
        assert_eq!((d.queues[1].desc, d.queues[1].driver, d.queues[1].device), (0x8000_0000, 0x8000_1000, 0x8000_2000));

        // Go live, complete one chain on queue 1 (one descriptor, index 0).
        wr(&mut d, &mut ram, STATUS, 4, 0xf);
        ram.write(0x1002, 2, 1); // avail idx = 1, ring[0] = 0
        wr(&mut d, &mut ram, QUEUE_NOTIFY, 4, 1);
        assert_eq!(ram.read(0x2002, 2), 1, "used idx");
        assert_eq!(ram.read(0x2008, 4), 7, "used len");
        assert!(d.interrupt_pending());
        assert_eq!(rd(&mut d, &mut ram, INTERRUPT_STATUS, 4), Some(1));
        wr(&mut d, &mut ram, INTERRUPT_ACK, 4, 1);
        assert!(!d.interrupt_pending());
        wr(&mut d, &mut ram, QUEUE_NOTIFY, 4, 9); // no such queue: ignored
        assert!(!d.interrupt_pending());

        // Reset clears everything the driver set.
        wr(&mut d, &mut ram, INTERRUPT_ACK, 4, 0);
        wr(&mut d, &mut ram, STATUS, 4, 0);
        assert_eq!(rd(&mut d, &mut ram, STATUS, 4), Some(0));
        assert_eq!(rd(&mut d, &mut ram, QUEUE_READY, 4), Some(0), "QueueSel back to 0");
        wr(&mut d, &mut ram, QUEUE_SEL, 4, 1);
        assert_eq!(rd(&mut d, &mut ram, QUEUE_READY, 4), Some(0));
        assert_eq!(d.queues[1], Queue::default());
        assert_eq!(d.driver_features(), 0);
        assert_eq!(rd(&mut d, &mut ram, QUEUE_NUM_MAX, 4), Some(256));
    }

    #[test]
    fn on_the_bus_as_qemu_virt_maps_it() {
        use crate::addr::PhysAddr;
        use crate::bus::{Bus, RAM_BASE};
        use crate::devices::virtio::{transport_base, transport_irq, MMIO_SIZE, QEMU_VIRT_TRANSPORTS};
        let mut bus = Bus::new(Ram::new(RAM_BASE, 0x1000));
        for i in 0..QEMU_VIRT_TRANSPORTS {
            let dev: Box<dyn Device> =
                if i == 7 { Box::new(VirtioMmio::new(Box::new(Dummy))) } else { Box::new(VirtioMmio::empty()) };
            bus.map(transport_base(i), MMIO_SIZE, Some(transport_irq(i)), dev).unwrap();
        }
        assert_eq!(transport_base(7), 0x1000_8000);
        assert_eq!(transport_irq(7), 8);
        assert_eq!(bus.read(PhysAddr(0x1000_1000), 4), Some(0x7472_6976));
        assert_eq!(bus.read(PhysAddr(0x1000_1008), 4), Some(0), "empty");
        assert_eq!(bus.read(PhysAddr(0x1000_8008), 4), Some(42));
        assert_eq!(bus.read(PhysAddr(0x1000_8000), 2), None, "16-bit register read faults");
        assert_eq!(bus.read(PhysAddr(0x1000_8100), 2), Some(0x0201), "16-bit config read");
        assert!(bus.shutdown_devices().is_ok());
    }
}
