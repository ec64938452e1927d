//! The virtio-mmio transport with a virtio-blk disk backed by a temporary
//! file, driven the way a guest would: the input is a sequence of
//! operations -- MMIO reads and writes of every width (1, 2, 4, 8) at every
//! offset of the 4 KiB window, writes of register values, raw RAM writes,
//! descriptor writes, available-ring pushes, queue notifications, and whole
//! (well- or ill-formed) block requests -- optionally after a correct
//! driver initialisation.
//!
//! Properties, besides "never panics":
//! - bounded work: at most `MAX_OPS` operations per input, each of which
//!   must return (the device processes at most a queue's worth of chains
//!   per notification, so libFuzzer's -timeout catches a hang);
//! - a read-only disk's file is never changed, byte for byte, and its
//!   counters show no sector written; a writable disk's file never changes
//!   length (requests stay within capacity);
//! - the register contract: registers below 0x100 take aligned 32-bit
//!   accesses only, the configuration space any aligned 1/2/4/8-byte
//!   access; MagicValue, Version, DeviceID, VendorID read their fixed
//!   values; Status and InterruptStatus never show undefined bits;
//!   QueueNumMax is 256 or 0; the configuration space reports the disk's
//!   capacity and block size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvmmu_emulator::bus::{Ram, RAM_BASE};
use rvmmu_emulator::devices::virtio::{VirtioBlk, VirtioMmio};
use rvmmu_emulator::devices::{Device, DeviceContext};
use rvmmu_fuzz::Reader;
use std::path::PathBuf;
use std::sync::OnceLock;

const RAM_SIZE: usize = 64 << 10;
const SECTORS: usize = 16;
const MAX_OPS: usize = 256;

/// Where the driver puts the queue: descriptor table, available ring, used
/// ring, then request headers, data and status bytes.
const DESC: u64 = RAM_BASE;
const AVAIL: u64 = RAM_BASE + 0x1000;
const USED: u64 = RAM_BASE + 0x2000;
const DATA: u64 = RAM_BASE + 0x4000;

// Transport registers (virtio 1.x, "MMIO Device Register Layout").
const MAGIC_VALUE: u64 = 0x000;
const VERSION: u64 = 0x004;
const DEVICE_ID: u64 = 0x008;
const VENDOR_ID: u64 = 0x00c;
const DEVICE_FEATURES: u64 = 0x010;
const DEVICE_FEATURES_SEL: u64 = 0x014;
const DRIVER_FEATURES: u64 = 0x020;
const DRIVER_FEATURES_SEL: u64 = 0x024;
const QUEUE_SEL: u64 = 0x030;
const QUEUE_NUM_MAX: u64 = 0x034;
const QUEUE_NUM: u64 = 0x038;
const QUEUE_READY: u64 = 0x044;
const QUEUE_NOTIFY: u64 = 0x050;
const INTERRUPT_STATUS: u64 = 0x060;
const INTERRUPT_ACK: u64 = 0x064;
const STATUS: u64 = 0x070;
const QUEUE_DESC_LOW: u64 = 0x080;
const QUEUE_DESC_HIGH: u64 = 0x084;
const QUEUE_DRIVER_LOW: u64 = 0x090;
const QUEUE_DRIVER_HIGH: u64 = 0x094;
const QUEUE_DEVICE_LOW: u64 = 0x0a0;
const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
const CONFIG_GENERATION: u64 = 0x0fc;
const CONFIG: u64 = 0x100;

const REGISTERS: [u64; 24] = [
    MAGIC_VALUE,
    VERSION,
    DEVICE_ID,
    VENDOR_ID,
    DEVICE_FEATURES,
    DEVICE_FEATURES_SEL,
    DRIVER_FEATURES,
    DRIVER_FEATURES_SEL,
    QUEUE_SEL,
    QUEUE_NUM_MAX,
    QUEUE_NUM,
    QUEUE_READY,
    QUEUE_NOTIFY,
    INTERRUPT_STATUS,
    INTERRUPT_ACK,
    STATUS,
    QUEUE_DESC_LOW,
    QUEUE_DESC_HIGH,
    QUEUE_DRIVER_LOW,
    QUEUE_DRIVER_HIGH,
    QUEUE_DEVICE_LOW,
    QUEUE_DEVICE_HIGH,
    CONFIG_GENERATION,
    CONFIG,
];

const F_NEXT: u16 = 1;
const F_WRITE: u16 = 2;

/// The disk image: every byte different from its neighbours.
fn image() -> Vec<u8> {
    (0..SECTORS * 512).map(|o| (o * 7 + (o / 512) * 13 + 0x3c) as u8).collect()
}

/// The disk file: in /dev/shm when there is one (the device syncs the file
/// at FLUSH and shutdown, which costs a disk write elsewhere), else in the
/// temporary directory.
fn disk_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        // Remove the files of earlier fuzzing processes that are gone.
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.strip_prefix("rvmmu-fuzz-virtio-").and_then(|n| n.strip_suffix(".img"));
            if pid.is_some_and(|p| !std::path::Path::new("/proc").join(p).exists()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        dir.join(format!("rvmmu-fuzz-virtio-{}.img", std::process::id()))
    })
}

struct Driver {
    dev: VirtioMmio,
    ram: Ram,
    qsize: u16,
    avail_idx: u16,
}

impl Driver {
    fn read(&mut self, off: u64, size: u8) -> Option<u64> {
        self.dev.read(off, size, &mut DeviceContext { mtime: 0, power: None, ram: &mut self.ram })
    }

    fn write(&mut self, off: u64, size: u8, value: u64) -> bool {
        self.dev.write(off, size, value, &mut DeviceContext { mtime: 0, power: None, ram: &mut self.ram })
    }

    fn reg(&mut self, off: u64, value: u32) {
        assert!(self.write(off, 4, value as u64), "aligned 32-bit write to register {off:#x} refused");
    }

    fn put(&mut self, pa: u64, bytes: &[u8]) {
        if let Some(o) = self.ram.offset_of(pa, bytes.len() as u64) {
            self.ram.bytes_mut()[o..o + bytes.len()].copy_from_slice(bytes);
        }
    }

    fn desc(&mut self, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let mut d = [0u8; 16];
        d[0..8].copy_from_slice(&addr.to_le_bytes());
        d[8..12].copy_from_slice(&len.to_le_bytes());
        d[12..14].copy_from_slice(&flags.to_le_bytes());
        d[14..16].copy_from_slice(&next.to_le_bytes());
        self.put(DESC + 16 * i as u64, &d);
    }

    fn offer(&mut self, head: u16) {
        let slot = (self.avail_idx % self.qsize.max(1)) as u64;
        self.put(AVAIL + 4 + 2 * slot, &head.to_le_bytes());
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.put(AVAIL + 2, &self.avail_idx.to_le_bytes());
    }

    /// A driver's initialisation: reset, ACKNOWLEDGE, DRIVER, features,
    /// FEATURES_OK, queue 0 of `qsize` at DESC/AVAIL/USED, DRIVER_OK.
    fn init(&mut self, features: u64) {
        self.reg(STATUS, 0);
        self.reg(STATUS, 1);
        self.reg(STATUS, 3);
        self.reg(DRIVER_FEATURES_SEL, 0);
        self.reg(DRIVER_FEATURES, features as u32);
        self.reg(DRIVER_FEATURES_SEL, 1);
        self.reg(DRIVER_FEATURES, (features >> 32) as u32);
        self.reg(STATUS, 0xb);
        self.reg(QUEUE_SEL, 0);
        self.reg(QUEUE_NUM, self.qsize as u32);
        for (lo, a) in [(QUEUE_DESC_LOW, DESC), (QUEUE_DRIVER_LOW, AVAIL), (QUEUE_DEVICE_LOW, USED)] {
            self.reg(lo, a as u32);
            self.reg(lo + 4, (a >> 32) as u32);
        }
        self.reg(QUEUE_READY, 1);
        self.reg(STATUS, 0xf);
    }

    /// Check one MMIO read against the register contract.
    fn check_read(&mut self, off: u64, size: u8, v: Option<u64>) {
        let aligned = off.is_multiple_of(size as u64);
        if off >= CONFIG {
            assert_eq!(v.is_some(), aligned, "config read of {size} bytes at {off:#x}: {v:?}");
            match (off, size) {
                (0x100, 8) => assert_eq!(v, Some(SECTORS as u64), "capacity"),
                (0x114, 4) => assert_eq!(v, Some(512), "blk_size"),
                _ => {}
            }
            return;
        }
        if size != 4 || !aligned {
            assert_eq!(v, None, "register read of {size} bytes at {off:#x}");
            return;
        }
        let v = v.unwrap_or_else(|| panic!("aligned 32-bit register read at {off:#x} refused"));
        match off {
            MAGIC_VALUE => assert_eq!(v, 0x7472_6976, "MagicValue"),
            VERSION => assert_eq!(v, 2, "Version"),
            DEVICE_ID => assert_eq!(v, 2, "DeviceID (block)"),
            VENDOR_ID => assert_eq!(v, 0x554d_4551, "VendorID"),
            STATUS => assert_eq!(v & !0xff, 0, "Status {v:#x}"),
            INTERRUPT_STATUS => assert_eq!(v & !3, 0, "InterruptStatus {v:#x}"),
            QUEUE_NUM_MAX => assert!(v == 256 || v == 0, "QueueNumMax {v}"),
            _ => {}
        }
    }

    /// Check one MMIO write's acceptance against the register contract.
    fn check_write(off: u64, size: u8, ok: bool) {
        let aligned = off.is_multiple_of(size as u64);
        let expected = if off >= CONFIG { aligned } else { size == 4 && aligned };
        assert_eq!(ok, expected, "write of {size} bytes at {off:#x}");
    }

    /// A buffer address: mostly in the data area, sometimes anywhere.
    fn addr(r: &mut Reader) -> u64 {
        match r.u8() % 8 {
            0 => r.u64(),
            1 => RAM_BASE + RAM_SIZE as u64 - (r.u8() as u64),
            _ => DATA + (r.u16() as u64 % 0xc000),
        }
    }
}

fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let read_only = flags & 1 != 0;
    let path = disk_path();
    let original = image();
    std::fs::write(path, &original).expect("write the disk image");
    let blk = VirtioBlk::open(path, read_only).expect("open the disk image");
    let stats = blk.stats_handle();
    let mut d = Driver { dev: VirtioMmio::blk(blk), ram: Ram::new(RAM_BASE, RAM_SIZE), qsize: 0, avail_idx: 0 };
    if flags & 2 != 0 {
        d.qsize = 1 << (r.u8() % 9);
        // Every offered feature, or what the input says.
        let features = if flags & 4 != 0 { r.u64() } else { (1 << 32) | (1 << 28) | 0x264 };
        d.init(features);
    }

    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        match r.u8() % 9 {
            0 => {
                let (off, size) = (r.u16() as u64 & 0xfff, 1u8 << (r.u8() & 3));
                let v = d.read(off, size);
                d.check_read(off, size, v);
            }
            1 => {
                let (off, size, value) = (r.u16() as u64 & 0xfff, 1u8 << (r.u8() & 3), r.u64());
                let ok = d.write(off, size, value);
                Driver::check_write(off, size, ok);
            }
            2 => {
                let off = REGISTERS[r.u8() as usize % REGISTERS.len()];
                let value = if r.u8() & 1 == 0 { r.u8() as u32 } else { r.u32() };
                d.reg(off, value);
            }
            3 => {
                let off = r.u16() as u64 % RAM_SIZE as u64;
                let n = r.u8() as usize % 33;
                let bytes = r.bytes(n);
                d.put(RAM_BASE + off, bytes);
            }
            4 => {
                let i = r.u8() as u16;
                let addr = Driver::addr(&mut r);
                let len = if r.u8() & 1 == 0 { r.u16() as u32 } else { r.u32() };
                let (flags, next) = (r.u8() as u16 & 7, r.u8() as u16);
                d.desc(i, addr, len, flags, next);
            }
            5 => {
                let head = r.u8() as u16;
                d.offer(head);
            }
            6 => {
                let q = r.u8() as u32 % 3;
                d.reg(QUEUE_NOTIFY, q);
            }
            7 => {
                // A whole request: header, data, status, then notify.
                let kind = [0u32, 1, 4, 8, 2, 0xdead][r.u8() as usize % 6];
                let sector = if r.u8() & 3 == 0 { r.u64() } else { r.u8() as u64 % (SECTORS as u64 + 2) };
                let nsect = r.u8() as u32 % 4;
                let qsize = d.qsize.max(1);
                let head = r.u16() % qsize;
                let (i1, i2) = ((head + 1) % qsize, (head + 2) % qsize);
                let mut header = [0u8; 16];
                header[0..4].copy_from_slice(&kind.to_le_bytes());
                header[8..16].copy_from_slice(&sector.to_le_bytes());
                let base = DATA + 0x1000 * (r.u8() as u64 % 8);
                d.put(base, &header);
                let data_flags = if kind == 1 { 0 } else { F_WRITE };
                d.desc(head, base, 16, F_NEXT, i1);
                d.desc(i1, base + 0x200, 512 * nsect + if kind == 8 { 20 } else { 0 }, data_flags | F_NEXT, i2);
                d.desc(i2, base + 0x100, 1, F_WRITE, 0);
                d.offer(head);
                d.reg(QUEUE_NOTIFY, 0);
            }
            _ => {
                let v = d.read(STATUS, 4);
                d.check_read(STATUS, 4, v);
                if r.u8() & 1 == 0 {
                    // Acknowledge whatever is pending.
                    let s = d.read(INTERRUPT_STATUS, 4).unwrap_or(0);
                    d.reg(INTERRUPT_ACK, s as u32);
                }
            }
        }
    }
    d.dev.shutdown().expect("shutdown");
    drop(d);

    let after = std::fs::read(path).expect("read the disk image back");
    if read_only {
        assert!(after == original, "a read-only disk's file changed");
        assert_eq!(stats.get().sectors_written, 0, "a read-only disk counted sectors written");
    } else {
        assert_eq!(after.len(), original.len(), "the disk file changed size");
    }
}

fuzz_target!(|data: &[u8]| run(data));
