//! virtio-blk (virtio 1.x, "Block Device") backed by a host file.
//!
//! The disk has ceil(file length / 512) sectors, fixed when it is opened;
//! the bytes past the end of a file whose length is not a multiple of 512
//! read as zero, and writing them extends the file. A read-only disk opens
//! its file read-only, offers VIRTIO_BLK_F_RO and fails writes with
//! IOERR. The file is locked (shared when read-only, exclusive otherwise)
//! so that two emulators cannot write one image; filesystems without locks
//! are used unlocked.
//!
//! Features offered: SEG_MAX (seg_max = QueueNumMax - 2), BLK_SIZE (512),
//! FLUSH, and RO for a read-only disk. Requests: IN, OUT, FLUSH and
//! GET_ID; anything else completes with UNSUPP. A request's header (type,
//! reserved, sector) is the first 16 device-readable bytes, however they
//! are split across buffers; its status is the last byte of the last
//! descriptor, which must be device-writable. IN and OUT data must be a
//! multiple of 512 bytes and lie within the capacity, else IOERR. A chain
//! whose buffers are bad (outside RAM, absurd lengths, readable after
//! writable) completes with IOERR when its status byte is sound; when it is
//! not, the transport needs a reset.
//!
//! The used length reported is the data bytes written plus one for the
//! status byte.

use super::queue::{gather, scatter, Buffers, Chain, QueueError, Seg, QUEUE_NUM_MAX};
use super::{device_id, VirtioDevice};
use crate::bus::Ram;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Sector size in bytes.
pub const SECTOR: u64 = 512;

/// Feature: seg_max in the configuration is the most data buffers per request.
pub const F_SEG_MAX: u64 = 1 << 2;
/// Feature: the disk is read-only.
pub const F_RO: u64 = 1 << 5;
/// Feature: blk_size in the configuration is the block size.
pub const F_BLK_SIZE: u64 = 1 << 6;
/// Feature: FLUSH requests are supported.
pub const F_FLUSH: u64 = 1 << 9;

/// Request type: read sectors.
pub const T_IN: u32 = 0;
/// Request type: write sectors.
pub const T_OUT: u32 = 1;
/// Request type: flush the write cache.
pub const T_FLUSH: u32 = 4;
/// Request type: the device ID string.
pub const T_GET_ID: u32 = 8;

/// Status: success.
pub const S_OK: u8 = 0;
/// Status: I/O error (including malformed and out-of-range requests).
pub const S_IOERR: u8 = 1;
/// Status: unsupported request type.
pub const S_UNSUPP: u8 = 2;

/// Length of the GET_ID string.
pub const ID_BYTES: usize = 20;

const HEADER: usize = 16;
const CONFIG_LEN: usize = 64;

/// Counters of one disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlkStats {
    /// Sectors read by successful IN requests.
    pub sectors_read: u64,
    /// Sectors written by successful OUT requests.
    pub sectors_written: u64,
    /// Requests completed (whatever their status).
    pub requests: u64,
    /// FLUSH requests completed.
    pub flushes: u64,
    /// Requests completed with a status other than OK.
    pub errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    sectors_read: AtomicU64,
    sectors_written: AtomicU64,
    requests: AtomicU64,
    flushes: AtomicU64,
    errors: AtomicU64,
}

/// A shared view of a disk's counters that stays valid after the disk is
/// handed to the bus (for end-of-run reports).
#[derive(Clone, Debug, Default)]
pub struct BlkStatsHandle(Arc<Counters>);

impl BlkStatsHandle {
    /// The counters now.
    pub fn get(&self) -> BlkStats {
        let c = &self.0;
        BlkStats {
            sectors_read: c.sectors_read.load(Relaxed),
            sectors_written: c.sectors_written.load(Relaxed),
            requests: c.requests.load(Relaxed),
            flushes: c.flushes.load(Relaxed),
            errors: c.errors.load(Relaxed),
        }
    }
}

/// A virtio block device backed by a host file.
#[derive(Debug)]
pub struct VirtioBlk {
    file: File,
    read_only: bool,
    /// Capacity in sectors.
    capacity: u64,
    id: [u8; ID_BYTES],
    config: [u8; CONFIG_LEN],
    stats: BlkStatsHandle,
}

impl VirtioBlk {
    /// Open the disk image at `path`; `read_only` opens it read-only (it is
    /// then never written). Fails if the file cannot be opened, is a
    /// directory, or is locked by another process.
    pub fn open(path: &Path, read_only: bool) -> io::Result<VirtioBlk> {
        let file = OpenOptions::new().read(true).write(!read_only).open(path)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is a directory", path.display())));
        }
        let locked = if read_only { file.try_lock_shared() } else { file.try_lock() };
        match locked {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!("{} is locked by another process", path.display()),
                ))
            }
            // No locks on this filesystem: go on unlocked.
            Err(std::fs::TryLockError::Error(e)) => log::debug!("{}: cannot lock: {e}", path.display()),
        }
        // Seeking to the end also sizes block devices, whose metadata says 0.
        let len = (&file).seek(SeekFrom::End(0))?;
        Ok(VirtioBlk::from_file(file, len.div_ceil(SECTOR), read_only))
    }

    fn from_file(file: File, capacity: u64, read_only: bool) -> VirtioBlk {
        let mut config = [0u8; CONFIG_LEN];
        config[0..8].copy_from_slice(&capacity.to_le_bytes()); // capacity
        config[12..16].copy_from_slice(&(QUEUE_NUM_MAX - 2).to_le_bytes()); // seg_max
        config[20..24].copy_from_slice(&(SECTOR as u32).to_le_bytes()); // blk_size
        config[34..36].copy_from_slice(&1u16.to_le_bytes()); // num_queues
        let mut blk =
            VirtioBlk { file, read_only, capacity, id: [0; ID_BYTES], config, stats: BlkStatsHandle::default() };
        blk.set_index(0);
        blk
    }

    /// Name the disk `rvmmu-disk{index}` in GET_ID answers (default 0).
    pub fn with_index(mut self, index: usize) -> VirtioBlk {
        self.set_index(index);
        self
    }

    fn set_index(&mut self, index: usize) {
        let name = format!("rvmmu-disk{index}");
        let n = name.len().min(ID_BYTES);
        self.id = [0; ID_BYTES];
        self.id[..n].copy_from_slice(&name.as_bytes()[..n]);
    }

    /// The GET_ID string, NUL-padded.
    pub fn id(&self) -> &[u8; ID_BYTES] {
        &self.id
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Whether the disk refuses writes.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The counters now.
    pub fn stats(&self) -> BlkStats {
        self.stats.get()
    }

    /// A handle on the counters that outlives handing the disk to the bus.
    pub fn stats_handle(&self) -> BlkStatsHandle {
        self.stats.clone()
    }

    /// Make every write durable.
    pub fn shutdown(&mut self) -> io::Result<()> {
        if self.read_only {
            Ok(())
        } else {
            self.file.sync_all()
        }
    }

    /// The byte position of a transfer of `len` bytes at `sector`, if it is
    /// whole sectors within the capacity.
    fn range(&self, sector: u64, len: usize) -> Option<u64> {
        let len = len as u64;
        if !len.is_multiple_of(SECTOR) || sector.checked_add(len / SECTOR)? > self.capacity {
            return None;
        }
        Some(sector * SECTOR) // sector <= capacity < 2^55: no overflow
    }

    /// Read from the file at `pos` into the buffers, zero past its end.
    fn read_into(&self, ram: &mut Ram, segs: &[Seg], pos: u64) -> io::Result<()> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(pos))?;
        for s in segs {
            let buf = &mut ram.bytes_mut()[s.off..s.off + s.len];
            let mut filled = 0;
            while filled < buf.len() {
                match f.read(&mut buf[filled..]) {
                    Ok(0) => {
                        buf[filled..].fill(0);
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Write the buffers' bytes from `skip` on to the file at `pos`.
    fn write_from(&self, ram: &Ram, segs: &[Seg], mut skip: usize, pos: u64) -> io::Result<()> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(pos))?;
        for s in segs {
            if skip >= s.len {
                skip -= s.len;
                continue;
            }
            f.write_all(&ram.bytes()[s.off + skip..s.off + s.len])?;
            skip = 0;
        }
        Ok(())
    }

    /// Carry out a request whose buffers are sound (the status byte already
    /// removed from `b.writable`): (status, data bytes written to RAM).
    fn execute(&mut self, b: &Buffers, ram: &mut Ram) -> (u8, usize) {
        let mut header = [0u8; HEADER];
        if gather(ram, &b.readable, 0, &mut header) < HEADER {
            log::debug!("virtio-blk: request header shorter than 16 bytes");
            return (S_IOERR, 0);
        }
        let kind = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let mut sector_bytes = [0u8; 8];
        sector_bytes.copy_from_slice(&header[8..16]);
        let sector = u64::from_le_bytes(sector_bytes);
        let c = &self.stats.0;
        match kind {
            T_IN => {
                let len = b.writable_len();
                let Some(pos) = self.range(sector, len) else {
                    log::debug!("virtio-blk: read of {len} bytes at sector {sector} out of range");
                    return (S_IOERR, 0);
                };
                match self.read_into(ram, &b.writable, pos) {
                    Ok(()) => {
                        c.sectors_read.fetch_add(len as u64 / SECTOR, Relaxed);
                        (S_OK, len)
                    }
                    Err(e) => {
                        log::warn!("virtio-blk: read at sector {sector}: {e}");
                        (S_IOERR, 0)
                    }
                }
            }
            T_OUT => {
                let len = b.readable_len() - HEADER;
                let Some(pos) = self.range(sector, len).filter(|_| !self.read_only) else {
                    log::debug!("virtio-blk: write of {len} bytes at sector {sector} refused");
                    return (S_IOERR, 0);
                };
                match self.write_from(ram, &b.readable, HEADER, pos) {
                    Ok(()) => {
                        c.sectors_written.fetch_add(len as u64 / SECTOR, Relaxed);
                        (S_OK, 0)
                    }
                    Err(e) => {
                        log::warn!("virtio-blk: write at sector {sector}: {e}");
                        (S_IOERR, 0)
                    }
                }
            }
            T_FLUSH => {
                c.flushes.fetch_add(1, Relaxed);
                if self.read_only {
                    return (S_OK, 0);
                }
                match self.file.sync_data() {
                    Ok(()) => (S_OK, 0),
                    Err(e) => {
                        log::warn!("virtio-blk: flush: {e}");
                        (S_IOERR, 0)
                    }
                }
            }
            T_GET_ID => (S_OK, scatter(ram, &b.writable, &self.id)),
            _ => (S_UNSUPP, 0),
        }
    }
}

impl VirtioDevice for VirtioBlk {
    fn name(&self) -> &'static str {
        "virtio-blk"
    }

    fn device_id(&self) -> u32 {
        device_id::BLOCK
    }

    fn features(&self) -> u64 {
        F_SEG_MAX | F_BLK_SIZE | F_FLUSH | if self.read_only { F_RO } else { 0 }
    }

    fn num_queues(&self) -> usize {
        1
    }

    fn config_read(&self, offset: u64, size: u8) -> u64 {
        (0..size as u64).fold(0, |v, i| {
            let byte = offset.checked_add(i).and_then(|o| self.config.get(o as usize)).copied().unwrap_or(0);
            v | (byte as u64) << (8 * i)
        })
    }

    fn process(&mut self, _queue: usize, chain: &Chain, ram: &mut Ram) -> Result<u32, QueueError> {
        let status_at =
            chain.status_byte(ram).ok_or(QueueError("virtio-blk request without a device-writable status byte"))?;
        let (status, written) = match chain.buffers(ram) {
            Ok(mut b) => {
                b.strip_last_writable_byte();
                self.execute(&b, ram)
            }
            Err(why) => {
                log::debug!("virtio-blk: malformed request: {why}");
                (S_IOERR, 0)
            }
        };
        ram.bytes_mut()[status_at] = status;
        let c = &self.stats.0;
        c.requests.fetch_add(1, Relaxed);
        if status != S_OK {
            c.errors.fetch_add(1, Relaxed);
        }
        // written <= MAX_CHAIN_BYTES (1 GiB): fits.
        Ok(u32::try_from(written).unwrap_or(u32::MAX).saturating_add(1))
    }

    fn shutdown(&mut self) -> io::Result<()> {
        VirtioBlk::shutdown(self)
    }
}

#[cfg(test)]
mod tests {
    use super::super::mmio::{INTERRUPT_STATUS, QUEUE_NOTIFY, STATUS};
    use super::super::status::{DEVICE_NEEDS_RESET, DRIVER_OK};
    use super::super::testutil::*;
    use super::super::VirtioMmio;
    use super::*;
    use crate::devices::Device;
    use std::path::PathBuf;

    /// A temporary disk image, removed on drop.
    struct TempImage(PathBuf);

    impl TempImage {
        fn new(name: &str, contents: &[u8]) -> TempImage {
            let p = std::env::temp_dir().join(format!("rvmmu-virtio-{}-{name}.img", std::process::id()));
            std::fs::write(&p, contents).unwrap();
            TempImage(p)
        }

        fn contents(&self) -> Vec<u8> {
            std::fs::read(&self.0).unwrap()
        }
    }

    impl Drop for TempImage {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Sector `s` is filled with bytes (s * 7 + i) mod 251.
    fn pattern(sectors: usize) -> Vec<u8> {
        (0..sectors * 512).map(|i| ((i / 512 * 7 + i % 512) % 251) as u8).collect()
    }

    const HDR: u64 = SCRATCH;
    const STAT: u64 = SCRATCH + 0x100;
    const DATA: u64 = SCRATCH + 0x1000;

    fn header(kind: u32, sector: u64) -> [u8; 16] {
        let mut hdr = [0u8; 16];
        hdr[0..4].copy_from_slice(&kind.to_le_bytes());
        hdr[8..16].copy_from_slice(&sector.to_le_bytes());
        hdr
    }

    /// A driven transport over the disk `img`, and its counters.
    fn disk_stats(img: &TempImage, read_only: bool) -> (Driver, BlkStatsHandle) {
        let blk = VirtioBlk::open(&img.0, read_only).unwrap();
        let stats = blk.stats_handle();
        let mut d = Driver::new(VirtioMmio::blk(blk));
        d.init();
        (d, stats)
    }

    fn disk(img: &TempImage, read_only: bool) -> Driver {
        disk_stats(img, read_only).0
    }

    /// Issue a three-descriptor request (header, data, status) and return
    /// (status byte, used length).
    fn request(d: &mut Driver, kind: u32, sector: u64, data_len: u32) -> (u8, u32) {
        d.put(HDR, &header(kind, sector));
        d.put(STAT, &[0xff]);
        let dir = if kind == T_OUT { 0 } else { W };
        d.desc(0, HDR, 16, F, 1);
        d.desc(1, DATA, data_len, F | dir, 2);
        d.desc(2, STAT, 1, W, 0);
        let before = d.used_idx();
        d.submit(0);
        assert_eq!(d.used_idx(), before.wrapping_add(1), "request completed");
        let (id, len) = d.used(before);
        assert_eq!(id, 0);
        (d.get(STAT, 1)[0], len)
    }

    #[test]
    fn identity_config_and_features() {
        let img = TempImage::new("identity", &pattern(3));
        let mut d = disk(&img, false);
        assert_eq!(d.rd(0x008), 2, "DeviceID block");
        assert_eq!(d.rd_config(0, 8), Some(3), "capacity");
        assert_eq!(d.rd_config(0, 4), Some(3));
        assert_eq!(d.rd_config(4, 4), Some(0));
        assert_eq!(d.rd_config(0, 1), Some(3));
        assert_eq!(d.rd_config(12, 4), Some(254), "seg_max");
        assert_eq!(d.rd_config(20, 4), Some(512), "blk_size");
        assert_eq!(d.rd_config(21, 1), Some(2));
        assert_eq!(d.rd_config(0x200, 4), Some(0));
        let f = d.offered_features();
        assert_eq!(f, (1 << 32) | (1 << 28) | F_SEG_MAX | F_BLK_SIZE | F_FLUSH);
        assert_eq!(d.dev.driver_features(), f);
    }

    #[test]
    fn read_sectors() {
        let img = TempImage::new("read", &pattern(8));
        let (mut d, stats) = disk_stats(&img, false);
        let (st, len) = request(&mut d, T_IN, 2, 1024);
        assert_eq!((st, len), (S_OK, 1025));
        assert_eq!(d.get(DATA, 1024), pattern(8)[1024..2048]);
        assert_eq!(d.rd(INTERRUPT_STATUS), 1, "used-buffer interrupt");
        assert!(d.dev.interrupt_pending());
        assert_eq!(d.ack(), 1);
        assert!(!d.dev.interrupt_pending());

        // The same read with the header split in two and the data in three
        // uneven buffers, and the status byte at the end of the last one.
        d.put(HDR, &header(T_IN, 5));
        d.desc(3, HDR, 5, F, 4);
        d.desc(4, HDR + 5, 11, F, 5);
        d.desc(5, DATA, 100, F | W, 6);
        d.desc(6, DATA + 0x1000, 300, F | W, 7);
        d.desc(7, DATA + 0x2000, 113, W, 0);
        d.submit(3);
        assert_eq!(d.used(1), (3, 513));
        assert_eq!(d.get(DATA + 0x2000 + 112, 1), [S_OK]);
        let want = &pattern(8)[5 * 512..6 * 512];
        assert_eq!(d.get(DATA, 100), want[..100]);
        assert_eq!(d.get(DATA + 0x1000, 300), want[100..400]);
        assert_eq!(d.get(DATA + 0x2000, 112), want[400..]);

        assert_eq!(d.dev.status() & DEVICE_NEEDS_RESET, 0);
        let s = stats.get();
        assert_eq!((s.sectors_read, s.sectors_written, s.requests, s.errors), (3, 0, 2, 0));
    }

    #[test]
    fn indirect_request() {
        let img = TempImage::new("indirect", &pattern(4));
        let mut d = disk(&img, false);
        let table = SCRATCH + 0x8000;
        d.put(HDR, &header(T_IN, 1));
        d.desc_at(table, 0, HDR, 16, F, 1);
        d.desc_at(table, 1, DATA, 512, F | W, 2);
        d.desc_at(table, 2, STAT, 1, W, 0);
        d.desc(9, table, 48, I, 0);
        d.submit(9);
        assert_eq!(d.used(0), (9, 513));
        assert_eq!(d.get(STAT, 1), [S_OK]);
        assert_eq!(d.get(DATA, 512), pattern(4)[512..1024]);
    }

    #[test]
    fn write_then_reopen() {
        let img = TempImage::new("write", &pattern(4));
        let mut d = disk(&img, false);
        let data: Vec<u8> = (0..1024).map(|i| (i * 13 % 256) as u8).collect();
        d.put(DATA, &data);
        assert_eq!(request(&mut d, T_OUT, 1, 1024), (S_OK, 1));
        assert!(d.dev.shutdown().is_ok());
        drop(d);
        let mut want = pattern(4);
        want[512..1536].copy_from_slice(&data);
        assert_eq!(img.contents(), want);

        // Read it back through a fresh disk.
        let mut d = disk(&img, false);
        assert_eq!(request(&mut d, T_IN, 1, 1024), (S_OK, 1025));
        assert_eq!(d.get(DATA, 1024), data);
    }

    #[test]
    fn flush_get_id_unsupported_and_stats() {
        let img = TempImage::new("flush", &pattern(2));
        let blk = VirtioBlk::open(&img.0, false).unwrap().with_index(3);
        let stats = blk.stats_handle();
        let mut d = Driver::new(VirtioMmio::blk(blk));
        d.init();
        d.desc(0, HDR, 16, F, 1);
        d.desc(1, STAT, 1, W, 0);
        d.put(HDR, &header(T_FLUSH, 0));
        d.submit(0);
        assert_eq!(d.used(0), (0, 1));
        assert_eq!(d.get(STAT, 1), [S_OK]);

        d.put(DATA, &[0xaa; 32]);
        assert_eq!(request(&mut d, T_GET_ID, 0, 20), (S_OK, 21));
        let mut want = [0u8; 20];
        want[..11].copy_from_slice(b"rvmmu-disk3");
        assert_eq!(d.get(DATA, 20), want);
        assert_eq!(d.get(DATA + 20, 1), [0xaa], "nothing past the 20 bytes");

        assert_eq!(request(&mut d, 11, 0, 512), (S_UNSUPP, 1), "DISCARD not offered");
        assert_eq!(request(&mut d, T_OUT, 0, 512), (S_OK, 1));
        assert_eq!(request(&mut d, T_IN, 0, 1024), (S_OK, 1025));
        assert_eq!(stats.get(), BlkStats { sectors_read: 2, sectors_written: 1, requests: 5, flushes: 1, errors: 1 });
    }

    #[test]
    fn read_only_disk_refuses_writes() {
        let img = TempImage::new("ro", &pattern(4));
        let mut d = disk(&img, true);
        assert_ne!(d.offered_features() & F_RO, 0);
        d.put(DATA, &[0x55; 512]);
        assert_eq!(request(&mut d, T_OUT, 0, 512), (S_IOERR, 1));
        assert_eq!(request(&mut d, T_FLUSH, 0, 0), (S_OK, 1));
        assert_eq!(request(&mut d, T_IN, 3, 512), (S_OK, 513));
        assert!(d.dev.shutdown().is_ok());
        drop(d);
        assert_eq!(img.contents(), pattern(4), "file unchanged");
    }

    #[test]
    fn requests_beyond_capacity_fail() {
        let img = TempImage::new("capacity", &pattern(4));
        let mut d = disk(&img, false);
        d.put(DATA, &[0x55; 1024]);
        assert_eq!(request(&mut d, T_IN, 4, 512).0, S_IOERR);
        assert_eq!(request(&mut d, T_IN, 3, 1024).0, S_IOERR, "straddles the end");
        assert_eq!(request(&mut d, T_IN, u64::MAX, 512).0, S_IOERR, "sector overflows");
        assert_eq!(request(&mut d, T_OUT, 4, 512).0, S_IOERR);
        assert_eq!(request(&mut d, T_OUT, u64::MAX / 512 + 1, 512).0, S_IOERR);
        assert_eq!(request(&mut d, T_IN, 0, 100).0, S_IOERR, "not whole sectors");
        assert_eq!(request(&mut d, T_OUT, 0, 513).0, S_IOERR, "not whole sectors");
        assert_eq!(request(&mut d, T_IN, 3, 512).0, S_OK, "the last sector");
        assert_eq!(d.dev.status() & DEVICE_NEEDS_RESET, 0);
        drop(d);
        assert_eq!(img.contents(), pattern(4));
    }

    #[test]
    fn partial_last_sector() {
        let mut contents = pattern(2);
        contents.truncate(1000);
        let img = TempImage::new("partial", &contents);
        let mut d = disk(&img, false);
        assert_eq!(d.rd_config(0, 8), Some(2), "ceil(1000 / 512)");
        d.put(DATA, &[0xee; 1024]);
        assert_eq!(request(&mut d, T_IN, 0, 1024), (S_OK, 1025));
        let mut want = contents.clone();
        want.resize(1024, 0);
        assert_eq!(d.get(DATA, 1024), want, "zero-padded");
        assert_eq!(request(&mut d, T_IN, 2, 512).0, S_IOERR);

        d.put(DATA, &[0x77; 512]);
        assert_eq!(request(&mut d, T_OUT, 1, 512), (S_OK, 1));
        drop(d);
        let mut want = contents[..512].to_vec();
        want.extend_from_slice(&[0x77; 512]);
        assert_eq!(img.contents(), want, "the write extended the file");
    }

    #[test]
    fn malformed_requests_with_a_status_byte_get_ioerr() {
        let img = TempImage::new("malformed-ioerr", &pattern(4));
        let mut d = disk(&img, false);
        d.put(HDR, &header(T_OUT, 0));
        let cases: [(u64, u32, u16); 5] = [
            (0x1000, 512, F),                       // data below RAM
            (BASE + RAM_SIZE as u64 - 256, 512, F), // data runs off RAM
            (u64::MAX - 100, 512, F),               // address wraps
            (DATA, 0x8000_0000, F),                 // absurd length
            (DATA, 0xffff_ffff, F | W),             // absurd, writable
        ];
        for (i, &(addr, len, flags)) in cases.iter().enumerate() {
            d.put(STAT, &[0xff]);
            d.desc(0, HDR, 16, F, 1);
            d.desc(1, addr, len, flags, 2);
            d.desc(2, STAT, 1, W, 0);
            d.submit(0);
            assert_eq!(d.used_idx(), i as u16 + 1, "case {i} completed");
            assert_eq!(d.get(STAT, 1), [S_IOERR], "case {i}");
        }
        // Readable after writable; header too short; no header at all.
        d.desc(0, HDR, 16, F, 1);
        d.desc(1, DATA, 512, F | W, 2);
        d.desc(2, DATA, 512, F, 3);
        d.desc(3, STAT, 1, W, 0);
        d.submit(0);
        d.desc(0, HDR, 8, F, 3);
        d.submit(0);
        d.submit(3);
        assert_eq!(d.used_idx(), 8);
        assert_eq!(d.get(STAT, 1), [S_IOERR]);
        assert_eq!(d.dev.status() & DEVICE_NEEDS_RESET, 0);
        drop(d);
        assert_eq!(img.contents(), pattern(4), "nothing written");
    }

    /// Set up one malformed situation and check it ends in NEEDS_RESET, that
    /// nothing more is processed, and that a reset recovers.
    fn expect_needs_reset(d: &mut Driver, what: &str, setup: impl FnOnce(&mut Driver)) {
        d.init();
        d.ack();
        setup(d);
        assert_ne!(d.rd(STATUS) & DEVICE_NEEDS_RESET, 0, "{what}: NEEDS_RESET");
        assert_eq!(d.rd(INTERRUPT_STATUS) & 2, 2, "{what}: configuration-change interrupt");
        assert!(d.dev.interrupt_pending());
        // Dead until reset: a good request is not processed.
        let used = d.used_idx();
        d.desc(0, HDR, 16, F, 1);
        d.desc(1, STAT, 1, W, 0);
        d.put(HDR, &header(T_FLUSH, 0));
        d.offer(0);
        d.wr(QUEUE_NOTIFY, 0);
        assert_eq!(d.used_idx(), used, "{what}: nothing processed after the fault");
        d.wr(STATUS, 0);
        assert_eq!(d.rd(STATUS), 0, "{what}: reset clears NEEDS_RESET");
        assert_eq!(d.rd(INTERRUPT_STATUS), 0);
        d.init();
        assert_eq!(request(d, T_IN, 0, 512), (S_OK, 513), "{what}: works after reset");
    }

    #[test]
    fn structural_faults_need_reset() {
        let img = TempImage::new("malformed-reset", &pattern(4));
        let mut d = disk(&img, false);
        expect_needs_reset(&mut d, "loop", |d| {
            d.desc(0, HDR, 16, F, 1);
            d.desc(1, DATA, 512, F | W, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "self loop", |d| {
            d.desc(4, HDR, 16, F, 4);
            d.submit(4);
        });
        expect_needs_reset(&mut d, "next out of range", |d| {
            d.desc(0, HDR, 16, F, 16);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "head out of range", |d| d.submit(200));
        expect_needs_reset(&mut d, "status descriptor read-only", |d| {
            d.desc(0, HDR, 16, F, 1);
            d.desc(1, STAT, 1, 0, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "status outside RAM", |d| {
            d.desc(0, HDR, 16, F, 1);
            d.desc(1, 0x1000, 1, W, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "status length 0", |d| {
            d.desc(0, HDR, 16, F, 1);
            d.desc(1, STAT, 0, W, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "absurd status length", |d| {
            d.desc(0, HDR, 16, F, 1);
            d.desc(1, STAT, u32::MAX, W, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "indirect loop", |d| {
            let t = SCRATCH + 0x8000;
            d.desc_at(t, 0, HDR, 16, F, 1);
            d.desc_at(t, 1, STAT, 1, F | W, 0);
            d.desc(0, t, 32, I, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "indirect table outside RAM", |d| {
            d.desc(0, 0x4000, 32, I, 0);
            d.submit(0);
        });
        expect_needs_reset(&mut d, "avail idx runs away", |d| {
            let o = d.ram.offset_of(AVAIL + 2, 2).unwrap();
            d.ram.write(o, 2, 1000);
            d.wr(QUEUE_NOTIFY, 0);
        });
        expect_needs_reset(&mut d, "rings outside RAM", |d| {
            d.wr(STATUS, 0);
            d.wr(STATUS, 3);
            let f = d.offered_features();
            d.wr(0x020, f as u32);
            d.wr(0x024, 1);
            d.wr(0x020, (f >> 32) as u32);
            d.wr(STATUS, 0xb);
            d.wr(0x038, QSIZE);
            d.wr(0x080, 0x7000_0000);
            d.wr(0x090, AVAIL as u32);
            d.wr(0x0a0, USED as u32);
            d.wr(0x044, 1);
            d.wr(STATUS, 0xf);
            d.submit(0);
        });
        assert_eq!(d.rd(STATUS), 0xf);
        drop(d);
        assert_eq!(img.contents(), pattern(4));
    }

    #[test]
    fn notifications_wait_for_driver_ok_and_no_interrupt_flag() {
        let img = TempImage::new("driver-ok", &pattern(2));
        let mut d = disk(&img, false);
        // Suppressed interrupt: completed, but InterruptStatus stays 0.
        let o = d.ram.offset_of(AVAIL, 2).unwrap();
        d.ram.write(o, 2, 1);
        assert_eq!(request(&mut d, T_IN, 0, 512), (S_OK, 513));
        assert_eq!(d.rd(INTERRUPT_STATUS), 0);
        d.ram.write(o, 2, 0);

        // Before DRIVER_OK, a notification is not acted on; setting
        // DRIVER_OK processes what is pending.
        d.wr(STATUS, 0);
        d.wr(STATUS, 1);
        d.wr(STATUS, 3);
        let f = d.offered_features();
        d.wr(0x024, 0);
        d.wr(0x020, f as u32);
        d.wr(0x024, 1);
        d.wr(0x020, (f >> 32) as u32);
        d.wr(STATUS, 0xb);
        d.ram.bytes_mut()[..0x3000].fill(0);
        d.avail_idx = 0;
        d.wr(0x038, QSIZE);
        d.wr(0x080, DESC as u32);
        d.wr(0x090, AVAIL as u32);
        d.wr(0x0a0, USED as u32);
        d.wr(0x044, 1);
        d.desc(0, HDR, 16, F, 1);
        d.desc(1, STAT, 1, W, 0);
        d.put(HDR, &header(T_FLUSH, 0));
        d.submit(0);
        assert_eq!(d.used_idx(), 0, "not live yet");
        d.wr(STATUS, 0xb | DRIVER_OK);
        assert_eq!(d.used_idx(), 1, "processed at DRIVER_OK");
        assert_eq!(d.rd(INTERRUPT_STATUS), 1);
    }

    #[test]
    fn open_errors() {
        let missing = std::env::temp_dir().join(format!("rvmmu-virtio-{}-missing.img", std::process::id()));
        assert!(VirtioBlk::open(&missing, false).is_err());
        assert!(VirtioBlk::open(&std::env::temp_dir(), true).is_err(), "a directory");
        let img = TempImage::new("locked", &pattern(1));
        let a = VirtioBlk::open(&img.0, false).unwrap();
        let second = VirtioBlk::open(&img.0, true);
        assert!(second.is_err(), "exclusively locked by the first");
        drop(a);
        let r1 = VirtioBlk::open(&img.0, true).unwrap();
        let r2 = VirtioBlk::open(&img.0, true).unwrap();
        assert_eq!((r1.capacity(), r2.capacity()), (1, 1));
        assert!(r1.read_only());
    }

    /// Deterministic xorshift64.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn random_rings_never_panic_or_hang() {
        let img = TempImage::new("fuzz", &pattern(16));
        let (mut d, stats) = disk_stats(&img, false);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut completed, mut resets) = (0u32, 0u32);
        for round in 0..1000 {
            // Random descriptors: some shaped like request parts (header,
            // data, status) linked to the next entry, the rest arbitrary
            // (addresses anywhere, random lengths, flags and links).
            for i in 0..QSIZE as u64 {
                let r = rng.next();
                let slot = rng.next() % 16;
                let (addr, len, flags, next) = match r % 8 {
                    0 => (SCRATCH + slot * 0x1000, 16, F, i as u16 + 1),
                    1 | 2 => {
                        let dir = if rng.next() & 1 == 0 { W } else { 0 };
                        (SCRATCH + 0x10_000 + slot * 0x1000, 512 * (1 + rng.next() % 4) as u32, F | dir, i as u16 + 1)
                    }
                    3 | 4 => (SCRATCH + 0x100 + slot * 0x1000, 1, W, 0),
                    _ => {
                        let addr = match r >> 8 & 3 {
                            0 => rng.next(),
                            1 => BASE + rng.next() % RAM_SIZE as u64,
                            _ => SCRATCH + rng.next() % 0x2_0000,
                        };
                        let len = match r >> 16 & 7 {
                            0 => rng.next() as u32,
                            1 => 16,
                            2 => 1,
                            _ => (rng.next() % 4096) as u32,
                        };
                        (addr, len, (rng.next() & 7) as u16, (rng.next() % (QSIZE as u64 + 2)) as u16)
                    }
                };
                d.desc(i, addr, len, flags, next);
            }
            // Random request headers in the scratch area.
            for k in 0..16u64 {
                let kind = [T_IN, T_OUT, T_FLUSH, T_GET_ID, 3][(rng.next() % 5) as usize];
                d.put(SCRATCH + k * 0x1000, &header(kind, rng.next() % 20));
            }
            // A few available entries, sometimes a runaway index.
            for _ in 0..rng.next() % 4 {
                d.offer((rng.next() % (QSIZE as u64 + 1)) as u16);
            }
            if rng.next().is_multiple_of(50) {
                let o = d.ram.offset_of(AVAIL + 2, 2).unwrap();
                d.ram.write(o, 2, rng.next() & 0xffff);
            }
            d.wr(QUEUE_NOTIFY, (rng.next() % 3) as u32);
            completed += d.used_idx() as u32;
            if d.rd(STATUS) & DEVICE_NEEDS_RESET != 0 || round % 97 == 0 {
                resets += 1;
                d.init();
            }
        }
        let s = stats.get();
        assert!(completed > 0 && resets > 0, "the fuzzer reached both outcomes ({completed}, {resets})");
        assert!(s.requests > s.errors, "some random requests succeeded: {s:?}");
    }
}
