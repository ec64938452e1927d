//! A test driver: drives a [`VirtioMmio`] through its registers exactly as
//! a guest driver would, with one split virtqueue laid out in a small RAM.

use super::mmio::*;
use super::queue::{DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE};
use super::{features, status, VirtioMmio};
use crate::bus::Ram;
use crate::devices::{Device, DeviceContext};

pub const BASE: u64 = 0x8000_0000;
pub const RAM_SIZE: usize = 1 << 20;
/// Descriptor table, available ring, used ring.
pub const DESC: u64 = BASE;
pub const AVAIL: u64 = BASE + 0x1000;
pub const USED: u64 = BASE + 0x2000;
/// Free space for request headers, data and status bytes.
pub const SCRATCH: u64 = BASE + 0x1_0000;
pub const QSIZE: u32 = 16;

pub const F: u16 = DESC_F_NEXT;
pub const W: u16 = DESC_F_WRITE;
pub const I: u16 = DESC_F_INDIRECT;

pub struct Driver {
    pub dev: VirtioMmio,
    pub ram: Ram,
    pub avail_idx: u16,
}

impl Driver {
    pub fn new(dev: VirtioMmio) -> Driver {
        Driver { dev, ram: Ram::new(BASE, RAM_SIZE), avail_idx: 0 }
    }

    pub fn rd(&mut self, off: u64) -> u32 {
        let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut self.ram };
        self.dev.read(off, 4, &mut ctx).expect("32-bit register read") as u32
    }

    pub fn rd_config(&mut self, off: u64, size: u8) -> Option<u64> {
        let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut self.ram };
        self.dev.read(CONFIG + off, size, &mut ctx)
    }

    pub fn wr(&mut self, off: u64, v: u32) {
        let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut self.ram };
        assert!(self.dev.write(off, 4, v as u64, &mut ctx));
    }

    pub fn offered_features(&mut self) -> u64 {
        self.wr(DEVICE_FEATURES_SEL, 0);
        let lo = self.rd(DEVICE_FEATURES) as u64;
        self.wr(DEVICE_FEATURES_SEL, 1);
        lo | (self.rd(DEVICE_FEATURES) as u64) << 32
    }

    /// The initialisation sequence of "Device Initialization" and
    /// "Virtqueue Configuration", accepting every offered feature; zeroes
    /// the rings first. Returns the features negotiated.
    pub fn init(&mut self) -> u64 {
        self.wr(STATUS, 0);
        assert_eq!(self.rd(STATUS), 0, "reset");
        self.wr(STATUS, status::ACKNOWLEDGE);
        self.wr(STATUS, status::ACKNOWLEDGE | status::DRIVER);
        let feats = self.offered_features();
        assert_ne!(feats & features::VERSION_1, 0, "VIRTIO_F_VERSION_1 offered");
        self.wr(DRIVER_FEATURES_SEL, 0);
        self.wr(DRIVER_FEATURES, feats as u32);
        self.wr(DRIVER_FEATURES_SEL, 1);
        self.wr(DRIVER_FEATURES, (feats >> 32) as u32);
        self.wr(STATUS, status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK);
        assert_ne!(self.rd(STATUS) & status::FEATURES_OK, 0, "FEATURES_OK accepted");

        self.ram.bytes_mut()[..0x3000].fill(0);
        self.avail_idx = 0;
        self.wr(QUEUE_SEL, 0);
        assert_eq!(self.rd(QUEUE_READY), 0);
        assert!(self.rd(QUEUE_NUM_MAX) >= QSIZE);
        self.wr(QUEUE_NUM, QSIZE);
        for (lo, addr) in [(QUEUE_DESC_LOW, DESC), (QUEUE_DRIVER_LOW, AVAIL), (QUEUE_DEVICE_LOW, USED)] {
            self.wr(lo, addr as u32);
            self.wr(lo + 4, (addr >> 32) as u32);
        }
        self.wr(QUEUE_READY, 1);
        assert_eq!(self.rd(QUEUE_READY), 1);
        self.wr(STATUS, status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK);
        assert_eq!(self.rd(STATUS), 0xf);
        feats
    }

    /// Write descriptor `i` of the table at `table`.
    pub fn desc_at(&mut self, table: u64, i: u64, addr: u64, len: u32, flags: u16, next: u16) {
        let o = self.ram.offset_of(table + 16 * i, 16).unwrap();
        self.ram.write(o, 8, addr);
        self.ram.write(o + 8, 4, len as u64);
        self.ram.write(o + 12, 2, flags as u64);
        self.ram.write(o + 14, 2, next as u64);
    }

    /// Write descriptor `i` of the queue's table.
    pub fn desc(&mut self, i: u64, addr: u64, len: u32, flags: u16, next: u16) {
        self.desc_at(DESC, i, addr, len, flags, next);
    }

    pub fn put(&mut self, pa: u64, bytes: &[u8]) {
        let o = self.ram.offset_of(pa, bytes.len() as u64).unwrap();
        self.ram.bytes_mut()[o..o + bytes.len()].copy_from_slice(bytes);
    }

    pub fn get(&self, pa: u64, len: usize) -> Vec<u8> {
        let o = self.ram.offset_of(pa, len as u64).unwrap();
        self.ram.bytes()[o..o + len].to_vec()
    }

    /// Make the chain at `head` available without notifying.
    pub fn offer(&mut self, head: u16) {
        let slot = (self.avail_idx as u32 % QSIZE) as u64;
        let o = self.ram.offset_of(AVAIL + 4 + 2 * slot, 2).unwrap();
        self.ram.write(o, 2, head as u64);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        let o = self.ram.offset_of(AVAIL + 2, 2).unwrap();
        self.ram.write(o, 2, self.avail_idx as u64);
    }

    /// Make the chain at `head` available and notify queue 0.
    pub fn submit(&mut self, head: u16) {
        self.offer(head);
        self.wr(QUEUE_NOTIFY, 0);
    }

    pub fn used_idx(&self) -> u16 {
        self.ram.read(self.ram.offset_of(USED + 2, 2).unwrap(), 2) as u16
    }

    /// Used-ring entry `i`: (id, len).
    pub fn used(&self, i: u16) -> (u32, u32) {
        let o = self.ram.offset_of(USED + 4 + 8 * (i as u32 % QSIZE) as u64, 8).unwrap();
        (self.ram.read(o, 4) as u32, self.ram.read(o + 4, 4) as u32)
    }

    /// Acknowledge every pending interrupt; returns what was pending.
    pub fn ack(&mut self) -> u32 {
        let s = self.rd(INTERRUPT_STATUS);
        self.wr(INTERRUPT_ACK, s);
        s
    }
}
