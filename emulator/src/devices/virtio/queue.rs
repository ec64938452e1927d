//! Split virtqueues (virtio 1.x, "Split Virtqueues"): the descriptor
//! table, the available (driver) ring and the used (device) ring, all in
//! guest RAM and all untrusted.
//!
//! Bounds, so that no guest input can panic, hang or make the host
//! allocate without limit:
//! - the queue size must be a power of two no larger than
//!   [`QUEUE_NUM_MAX`], and the three areas must lie wholly in RAM;
//! - one notification processes at most the queue size of chains (an
//!   available index more than the queue size ahead of the device's is
//!   malformed);
//! - a chain follows at most queue-size NEXT links (a loop, or a chain
//!   longer than the queue, is malformed);
//! - INDIRECT descriptors are supported, as the only descriptor of a chain
//!   (as QEMU and Linux use them): the table's length must be a non-zero
//!   multiple of 16 bytes, at most [`MAX_INDIRECT`] entries, wholly in
//!   RAM; its chain starts at entry 0, follows at most that many links, and
//!   must not contain another INDIRECT descriptor;
//! - every buffer must lie wholly in RAM, be at most [`MAX_CHAIN_BYTES`]
//!   long and so must the chain's buffers in total.
//!
//! Structural faults (the first four kinds) are [`QueueError`]s: the
//! transport sets DEVICE_NEEDS_RESET. Buffer faults (the last kind) are
//! reported by [`Chain::buffers`] so that a device can still complete the
//! request with an error status when it can find where to put it
//! ([`Chain::status_byte`]).
//!
//! Notification suppression: without VIRTIO_F_EVENT_IDX (never offered)
//! used_event is ignored; the available ring's NO_INTERRUPT flag is
//! honoured (the spec's "SHOULD NOT interrupt"). The device never asks the
//! driver to suppress notifications (used ring flags are left as the
//! driver set them, normally 0).

use crate::bus::Ram;

/// Descriptor flag: the chain continues at `next`.
pub const DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the buffer is device-writable (else device-readable).
pub const DESC_F_WRITE: u16 = 2;
/// Descriptor flag: the buffer is a table of descriptors.
pub const DESC_F_INDIRECT: u16 = 4;
/// Available ring flag: the driver does not want used-buffer interrupts.
pub const AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Largest queue size offered (QueueNumMax).
pub const QUEUE_NUM_MAX: u32 = 256;
/// Largest indirect table accepted, in descriptors (QEMU's limit).
pub const MAX_INDIRECT: usize = 1024;
/// Largest buffer, and largest total of one chain's buffers, in bytes.
pub const MAX_CHAIN_BYTES: u64 = 1 << 30;

const DESC_SIZE: u64 = 16;

/// A structural fault in a virtqueue that the device cannot report through
/// the request itself; the transport needs a reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueError(pub &'static str);

impl std::fmt::Display for QueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One descriptor as the driver wrote it (the `next` link already
/// followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// Guest physical address of the buffer.
    pub addr: u64,
    /// Length of the buffer in bytes.
    pub len: u32,
    /// `DESC_F_*` flags.
    pub flags: u16,
}

impl Descriptor {
    /// Whether the buffer is device-writable.
    pub fn writable(&self) -> bool {
        self.flags & DESC_F_WRITE != 0
    }
}

/// A buffer known to lie in RAM: `len` bytes at RAM offset `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    /// Offset inside RAM (not a guest address).
    pub off: usize,
    /// Length in bytes.
    pub len: usize,
}

/// A chain's buffers, checked against RAM, in order: the device-readable
/// ones, then the device-writable ones. Zero-length buffers are dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buffers {
    /// Device-readable buffers.
    pub readable: Vec<Seg>,
    /// Device-writable buffers.
    pub writable: Vec<Seg>,
}

impl Buffers {
    /// Total bytes of the readable buffers.
    pub fn readable_len(&self) -> usize {
        self.readable.iter().map(|s| s.len).sum()
    }

    /// Total bytes of the writable buffers.
    pub fn writable_len(&self) -> usize {
        self.writable.iter().map(|s| s.len).sum()
    }

    /// Drop the last writable byte (a status byte the device writes
    /// itself), so that `writable` describes only the data area.
    pub fn strip_last_writable_byte(&mut self) {
        if let Some(last) = self.writable.last_mut() {
            last.len -= 1;
            if last.len == 0 {
                self.writable.pop();
            }
        }
    }
}

/// Copy from the byte stream formed by `segs`, starting `skip` bytes in,
/// into `out`; returns the number of bytes copied.
pub fn gather(ram: &Ram, segs: &[Seg], mut skip: usize, out: &mut [u8]) -> usize {
    let mut done = 0;
    for s in segs {
        if done == out.len() {
            break;
        }
        if skip >= s.len {
            skip -= s.len;
            continue;
        }
        let n = (s.len - skip).min(out.len() - done);
        let from = s.off + skip;
        out[done..done + n].copy_from_slice(&ram.bytes()[from..from + n]);
        done += n;
        skip = 0;
    }
    done
}

/// Copy `data` into the byte stream formed by `segs`; returns the number of
/// bytes copied (less than `data.len()` when the buffers are too short).
pub fn scatter(ram: &mut Ram, segs: &[Seg], data: &[u8]) -> usize {
    let mut done = 0;
    for s in segs {
        if done == data.len() {
            break;
        }
        let n = s.len.min(data.len() - done);
        ram.bytes_mut()[s.off..s.off + n].copy_from_slice(&data[done..done + n]);
        done += n;
    }
    done
}

/// One available descriptor chain, flattened: an indirect table replaced by
/// its entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Index of the head descriptor (the used-ring id).
    pub head: u16,
    /// The descriptors in chain order; never empty.
    pub descs: Vec<Descriptor>,
}

impl Chain {
    /// RAM offset of the chain's last byte if the last descriptor is
    /// device-writable, at least one byte long and its last byte is in RAM:
    /// where a request's status byte goes.
    pub fn status_byte(&self, ram: &Ram) -> Option<usize> {
        let last = self.descs.last()?;
        if !last.writable() || last.len == 0 {
            return None;
        }
        ram.offset_of(last.addr.checked_add(last.len as u64 - 1)?, 1)
    }

    /// Check every buffer against RAM and the length limits, and that no
    /// device-readable buffer follows a device-writable one.
    pub fn buffers(&self, ram: &Ram) -> Result<Buffers, &'static str> {
        let mut b = Buffers::default();
        let mut total = 0u64;
        for d in &self.descs {
            let len = d.len as u64;
            total += len; // at most 1280 descriptors of u32 lengths: no overflow
            if len > MAX_CHAIN_BYTES || total > MAX_CHAIN_BYTES {
                return Err("buffer length absurd");
            }
            if !d.writable() && !b.writable.is_empty() {
                return Err("device-readable buffer after a device-writable one");
            }
            if len == 0 {
                continue;
            }
            let off = ram.offset_of(d.addr, len).ok_or("buffer outside RAM")?;
            let seg = Seg { off, len: len as usize };
            if d.writable() {
                b.writable.push(seg);
            } else {
                b.readable.push(seg);
            }
        }
        Ok(b)
    }
}

fn rd16(ram: &Ram, pa: u64) -> Option<u16> {
    ram.offset_of(pa, 2).map(|o| ram.read(o, 2) as u16)
}

fn wr16(ram: &mut Ram, pa: u64, v: u16) -> Option<()> {
    let o = ram.offset_of(pa, 2)?;
    ram.write(o, 2, v as u64);
    Some(())
}

fn wr32(ram: &mut Ram, pa: u64, v: u32) -> Option<()> {
    let o = ram.offset_of(pa, 4)?;
    ram.write(o, 4, v as u64);
    Some(())
}

/// Read descriptor `idx` of the table at `table`: (descriptor, next).
fn read_desc(ram: &Ram, table: u64, idx: u64) -> Option<(Descriptor, u16)> {
    let o = ram.offset_of(table.checked_add(idx * DESC_SIZE)?, DESC_SIZE)?;
    let d = Descriptor { addr: ram.read(o, 8), len: ram.read(o + 8, 4) as u32, flags: ram.read(o + 12, 2) as u16 };
    Some((d, ram.read(o + 14, 2) as u16))
}

/// What one round of queue processing did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Chains completed (used-ring entries written).
    pub completed: u32,
    /// The driver wants a used-buffer interrupt for them.
    pub interrupt: bool,
    /// A structural fault stopped processing.
    pub error: Option<QueueError>,
}

/// One split virtqueue's configuration (as the driver wrote it through the
/// transport) and the device's ring positions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue {
    /// Queue size (QueueNum).
    pub num: u32,
    /// QueueReady.
    pub ready: bool,
    /// Guest address of the descriptor table (QueueDesc).
    pub desc: u64,
    /// Guest address of the available ring (QueueDriver).
    pub driver: u64,
    /// Guest address of the used ring (QueueDevice).
    pub device: u64,
    /// Next available-ring position the device will read.
    pub last_avail: u16,
    /// Next used-ring position the device will write.
    pub used_idx: u16,
}

impl Queue {
    /// Back to the reset state.
    pub fn reset(&mut self) {
        *self = Queue::default();
    }

    /// Start afresh at ring position 0 (the driver made the queue ready).
    pub fn rewind(&mut self) {
        self.last_avail = 0;
        self.used_idx = 0;
    }

    /// Check the size and that all three areas lie in RAM.
    fn check_layout(&self, ram: &Ram) -> Result<u16, QueueError> {
        let n = self.num;
        if n == 0 || n > QUEUE_NUM_MAX || !n.is_power_of_two() {
            return Err(QueueError("queue size not a power of two in 1..=QueueNumMax"));
        }
        let n64 = n as u64;
        if ram.offset_of(self.desc, DESC_SIZE * n64).is_none()
            || ram.offset_of(self.driver, 6 + 2 * n64).is_none()
            || ram.offset_of(self.device, 6 + 8 * n64).is_none()
        {
            return Err(QueueError("virtqueue area outside RAM"));
        }
        Ok(n as u16)
    }

    /// Walk the chain starting at descriptor `head`.
    pub fn walk(&self, ram: &Ram, head: u16) -> Result<Chain, QueueError> {
        let size = self.num as u64;
        if head as u64 >= size {
            return Err(QueueError("head descriptor index out of range"));
        }
        let mut descs = Vec::new();
        let mut idx = head as u64;
        for n in 0..size {
            let (d, next) = read_desc(ram, self.desc, idx).ok_or(QueueError("descriptor table outside RAM"))?;
            if d.flags & DESC_F_INDIRECT != 0 {
                if n != 0 || d.flags & DESC_F_NEXT != 0 {
                    return Err(QueueError("INDIRECT descriptor not alone in its chain"));
                }
                return Ok(Chain { head, descs: walk_indirect(ram, &d)? });
            }
            descs.push(d);
            if d.flags & DESC_F_NEXT == 0 {
                return Ok(Chain { head, descs });
            }
            idx = next as u64;
            if idx >= size {
                return Err(QueueError("next descriptor index out of range"));
            }
        }
        Err(QueueError("descriptor chain longer than the queue (a loop?)"))
    }

    /// Process every newly available chain with `f`, which returns the
    /// used length; write the used ring. Stops at the first structural
    /// fault (the chains completed before it stay completed).
    pub fn process<F>(&mut self, ram: &mut Ram, mut f: F) -> Outcome
    where
        F: FnMut(&Chain, &mut Ram) -> Result<u32, QueueError>,
    {
        let mut out = Outcome::default();
        let size = match self.check_layout(ram) {
            Ok(s) => s,
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        };
        // The layout check put every ring field in RAM: the reads and
        // writes below cannot fail, but stay checked all the same.
        let Some(avail_idx) = rd16(ram, self.driver + 2) else {
            out.error = Some(QueueError("available ring outside RAM"));
            return out;
        };
        if avail_idx.wrapping_sub(self.last_avail) > size {
            out.error = Some(QueueError("available index moved by more than the queue size"));
            return out;
        }
        while self.last_avail != avail_idx {
            let slot = (self.last_avail % size) as u64;
            let result = rd16(ram, self.driver + 4 + 2 * slot)
                .ok_or(QueueError("available ring outside RAM"))
                .and_then(|head| self.walk(ram, head))
                .and_then(|chain| f(&chain, ram).map(|len| (chain.head, len)));
            let (head, len) = match result {
                Ok(r) => r,
                Err(e) => {
                    out.error = Some(e);
                    break;
                }
            };
            let elem = self.device + 4 + 8 * (self.used_idx % size) as u64;
            if wr32(ram, elem, head as u32).and_then(|_| wr32(ram, elem + 4, len)).is_none() {
                out.error = Some(QueueError("used ring outside RAM"));
                break;
            }
            self.used_idx = self.used_idx.wrapping_add(1);
            self.last_avail = self.last_avail.wrapping_add(1);
            out.completed += 1;
        }
        if out.completed > 0 {
            if wr16(ram, self.device + 2, self.used_idx).is_none() {
                out.error = Some(QueueError("used ring outside RAM"));
            }
            let flags = rd16(ram, self.driver).unwrap_or(0);
            out.interrupt = flags & AVAIL_F_NO_INTERRUPT == 0;
        }
        out
    }
}

/// Flatten the indirect table that descriptor `d` points to.
fn walk_indirect(ram: &Ram, d: &Descriptor) -> Result<Vec<Descriptor>, QueueError> {
    let len = d.len as u64;
    if len == 0 || !len.is_multiple_of(DESC_SIZE) || len / DESC_SIZE > MAX_INDIRECT as u64 {
        return Err(QueueError("indirect table length invalid"));
    }
    if ram.offset_of(d.addr, len).is_none() {
        return Err(QueueError("indirect table outside RAM"));
    }
    let entries = len / DESC_SIZE;
    let mut descs = Vec::new();
    let mut idx = 0;
    for _ in 0..entries {
        let (e, next) = read_desc(ram, d.addr, idx).ok_or(QueueError("indirect table outside RAM"))?;
        if e.flags & DESC_F_INDIRECT != 0 {
            return Err(QueueError("nested INDIRECT descriptor"));
        }
        descs.push(e);
        if e.flags & DESC_F_NEXT == 0 {
            return Ok(descs);
        }
        idx = next as u64;
        if idx >= entries {
            return Err(QueueError("indirect next index out of range"));
        }
    }
    Err(QueueError("indirect chain longer than its table (a loop?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 0x8000_0000;

    fn desc(ram: &mut Ram, table: u64, i: u64, addr: u64, len: u32, flags: u16, next: u16) {
        let o = ram.offset_of(table + 16 * i, 16).unwrap();
        ram.write(o, 8, addr);
        ram.write(o + 8, 4, len as u64);
        ram.write(o + 12, 2, flags as u64);
        ram.write(o + 14, 2, next as u64);
    }

    fn queue() -> Queue {
        Queue { num: 8, ready: true, desc: BASE, driver: BASE + 0x1000, device: BASE + 0x2000, ..Queue::default() }
    }

    #[test]
    fn walks_direct_and_indirect_chains() {
        let mut ram = Ram::new(BASE, 0x10000);
        let q = queue();
        desc(&mut ram, q.desc, 3, BASE + 0x4000, 16, DESC_F_NEXT, 5);
        desc(&mut ram, q.desc, 5, BASE + 0x5000, 1, DESC_F_WRITE, 0);
        let c = q.walk(&ram, 3).unwrap();
        assert_eq!(c.descs.len(), 2);
        assert_eq!(c.status_byte(&ram), Some(0x5000));
        let b = c.buffers(&ram).unwrap();
        assert_eq!(b.readable, vec![Seg { off: 0x4000, len: 16 }]);
        assert_eq!(b.writable, vec![Seg { off: 0x5000, len: 1 }]);

        // Indirect: table of three at 0x6000, chained 0 -> 2 -> 1.
        desc(&mut ram, q.desc, 0, BASE + 0x6000, 48, DESC_F_INDIRECT | DESC_F_WRITE, 0);
        desc(&mut ram, BASE + 0x6000, 0, BASE + 0x7000, 16, DESC_F_NEXT, 2);
        desc(&mut ram, BASE + 0x6000, 2, BASE + 0x7100, 512, DESC_F_NEXT | DESC_F_WRITE, 1);
        desc(&mut ram, BASE + 0x6000, 1, BASE + 0x7400, 1, DESC_F_WRITE, 0);
        let c = q.walk(&ram, 0).unwrap();
        assert_eq!(c.descs.iter().map(|d| d.addr - BASE).collect::<Vec<_>>(), [0x7000, 0x7100, 0x7400]);
    }

    #[test]
    fn malformed_chains_are_errors() {
        let mut ram = Ram::new(BASE, 0x10000);
        let q = queue();
        assert!(q.walk(&ram, 8).is_err(), "head out of range");
        desc(&mut ram, q.desc, 0, BASE + 0x4000, 16, DESC_F_NEXT, 1);
        desc(&mut ram, q.desc, 1, BASE + 0x4000, 16, DESC_F_NEXT, 0);
        assert!(q.walk(&ram, 0).is_err(), "loop");
        desc(&mut ram, q.desc, 1, BASE + 0x4000, 16, DESC_F_NEXT, 9);
        assert!(q.walk(&ram, 0).is_err(), "next out of range");
        desc(&mut ram, q.desc, 1, BASE + 0x6000, 32, DESC_F_INDIRECT, 0);
        assert!(q.walk(&ram, 0).is_err(), "indirect not at the head");
        desc(&mut ram, q.desc, 2, BASE + 0x6000, 24, DESC_F_INDIRECT, 0);
        assert!(q.walk(&ram, 2).is_err(), "indirect length not a multiple of 16");
        desc(&mut ram, q.desc, 2, BASE + 0xfff0, 32, DESC_F_INDIRECT, 0);
        assert!(q.walk(&ram, 2).is_err(), "indirect table runs off RAM");
        desc(&mut ram, q.desc, 2, BASE + 0x6000, 32, DESC_F_INDIRECT, 0);
        desc(&mut ram, BASE + 0x6000, 0, 0, 0, DESC_F_NEXT, 1);
        desc(&mut ram, BASE + 0x6000, 1, 0, 0, DESC_F_NEXT, 0);
        assert!(q.walk(&ram, 2).is_err(), "indirect loop");
        desc(&mut ram, BASE + 0x6000, 1, BASE + 0x6000, 32, DESC_F_INDIRECT, 0);
        assert!(q.walk(&ram, 2).is_err(), "nested indirect");

        // Walkable, but with bad buffers: the status byte is still found.
        desc(&mut ram, q.desc, 4, 0x1000, 16, DESC_F_NEXT, 5);
        desc(&mut ram, q.desc, 5, BASE + 0x5000, 1, DESC_F_WRITE, 0);
        let c = q.walk(&ram, 4).unwrap();
        assert_eq!(c.buffers(&ram), Err("buffer outside RAM"));
        assert_eq!(c.status_byte(&ram), Some(0x5000));
        desc(&mut ram, q.desc, 4, BASE, 0x8000_0000, DESC_F_NEXT, 5);
        assert_eq!(q.walk(&ram, 4).unwrap().buffers(&ram), Err("buffer length absurd"));
        desc(&mut ram, q.desc, 4, BASE, 16, DESC_F_NEXT | DESC_F_WRITE, 6);
        desc(&mut ram, q.desc, 6, BASE, 16, DESC_F_NEXT, 5);
        assert!(q.walk(&ram, 4).unwrap().buffers(&ram).is_err(), "readable after writable");
        desc(&mut ram, q.desc, 5, u64::MAX, 1, DESC_F_WRITE, 0);
        assert_eq!(q.walk(&ram, 4).unwrap().status_byte(&ram), None);
        desc(&mut ram, q.desc, 5, u64::MAX - 1, 4, DESC_F_WRITE, 0);
        assert_eq!(q.walk(&ram, 4).unwrap().status_byte(&ram), None, "address wraps");
    }

    #[test]
    fn gather_and_scatter_cross_buffers() {
        let mut ram = Ram::new(BASE, 0x100);
        let segs = [Seg { off: 0x10, len: 3 }, Seg { off: 0x40, len: 5 }];
        assert_eq!(scatter(&mut ram, &segs, b"abcdefghij"), 8);
        let mut out = [0u8; 6];
        assert_eq!(gather(&ram, &segs, 2, &mut out), 6);
        assert_eq!(&out, b"cdefgh");
        assert_eq!(gather(&ram, &segs, 7, &mut out), 1);
        assert_eq!(gather(&ram, &segs, 70, &mut out), 0);
    }

    #[test]
    fn bad_layouts_and_runaway_index() {
        let mut ram = Ram::new(BASE, 0x10000);
        let mut q = queue();
        q.num = 6;
        assert!(q.process(&mut ram, |_, _| Ok(0)).error.is_some(), "not a power of two");
        q.num = 8;
        q.device = BASE + 0xfffc;
        assert!(q.process(&mut ram, |_, _| Ok(0)).error.is_some(), "used ring off RAM");
        q.device = BASE + 0x2000;
        let o = ram.offset_of(q.driver + 2, 2).unwrap();
        ram.write(o, 2, 9);
        assert!(q.process(&mut ram, |_, _| Ok(0)).error.is_some(), "9 chains in a queue of 8");
        ram.write(o, 2, 0);
        assert_eq!(q.process(&mut ram, |_, _| Ok(0)), Outcome::default(), "nothing new");
    }
}
