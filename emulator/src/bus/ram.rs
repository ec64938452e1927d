//! Guest RAM: one flat byte array, little-endian accessors.

/// Guest main memory.
pub struct Ram {
    base: u64,
    data: Vec<u8>,
    /// Per 4 KiB page of RAM, how many writes reached it through
    /// [`Ram::write`]: what the hart's pre-decoded blocks check to know
    /// that the code they were decoded from may have changed.
    page_writes: Vec<u64>,
    /// Calls of [`Ram::bytes_mut`], which may write any page.
    bulk_writes: u64,
}

const PAGE_SHIFT: u32 = 12;

fn pages(size: usize) -> Vec<u64> {
    vec![0; size.div_ceil(1 << PAGE_SHIFT)]
}

/// Ask Linux to back the 2 MiB-aligned part of `[p, p + size)` with
/// transparent huge pages (when the host has them in `madvise` mode, as
/// Debian does): a guest touching many pages then costs far fewer host
/// TLB misses, in every mode. QEMU asks the same for its guest RAM. A
/// refusal changes nothing but speed.
fn ask_for_huge_pages(p: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + size) & !(HUGE - 1);
        if end > start {
            // SAFETY: the range lies within the allocation of `size` bytes
            // at `p`; MADV_HUGEPAGE changes no contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, size);
}

impl Ram {
    /// Where `bulk_writes` lies in a `Ram`, for compiled code that checks
    /// write stamps itself (see `cpu/jit.rs`).
    pub(crate) const BULK_WRITES_OFFSET: usize = std::mem::offset_of!(Ram, bulk_writes);

    /// Host addresses of the guest's bytes and of the per-page write
    /// counts, for compiled code that loads and stores itself (both stay
    /// put for the life of the `Ram`).
    pub(crate) fn host_parts(&mut self) -> (*mut u8, *mut u64) {
        (self.data.as_mut_ptr(), self.page_writes.as_mut_ptr())
    }

    /// `size` bytes of zeroed RAM starting at physical address `base`, or
    /// `None` if the host cannot provide them.
    pub fn try_new(base: u64, size: usize) -> Option<Ram> {
        if size == 0 {
            return Some(Ram { base, data: Vec::new(), page_writes: Vec::new(), bulk_writes: 0 });
        }
        let layout = std::alloc::Layout::array::<u8>(size).ok()?;
        // SAFETY: `layout` has a non-zero size. `alloc_zeroed` returns either
        // null (checked) or a block of `size` zeroed, initialised bytes that
        // the global allocator owns with this layout, which is exactly what
        // `Vec::from_raw_parts` requires (u8 has alignment 1, capacity and
        // length both `size`). Zeroed allocation lets the host map pages
        // lazily, so untouched guest RAM costs no host memory.
        unsafe {
            let p = std::alloc::alloc_zeroed(layout);
            if p.is_null() {
                return None;
            }
            ask_for_huge_pages(p, size);
            Some(Ram { base, data: Vec::from_raw_parts(p, size, size), page_writes: pages(size), bulk_writes: 0 })
        }
    }

    /// `size` bytes of zeroed RAM at `base`; panics if the host has no room
    /// (for tests and small fixed sizes; guests' sizes go through
    /// [`Ram::try_new`]).
    pub fn new(base: u64, size: usize) -> Ram {
        Ram { base, data: vec![0; size], page_writes: pages(size), bulk_writes: 0 }
    }

    /// Physical address of the first byte.
    #[inline(always)]
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    #[inline(always)]
    pub fn len(&self) -> u64 {
        self.data.len() as u64
    }

    /// True when the RAM has no bytes (never, for a built machine).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Offset of `[pa, pa + size)` inside RAM, if the whole range is in RAM.
    #[inline(always)]
    pub fn offset_of(&self, pa: u64, size: u64) -> Option<usize> {
        let off = pa.wrapping_sub(self.base);
        if off < self.len() && size <= self.len() - off {
            Some(off as usize)
        } else {
            None
        }
    }

    /// Ask the host to bring the cache line of `pa` in, when `pa` is in
    /// RAM: a hint, with no effect on what the guest sees.
    #[inline(always)]
    pub fn prefetch(&self, pa: u64) {
        if let Some(off) = self.offset_of(pa, 1) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `off` is within `data`; a prefetch reads nothing
            // the program sees and never faults.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(self.data.as_ptr().add(off) as *const i8);
            }
            #[cfg(not(target_arch = "x86_64"))]
            let _ = off;
        }
    }

    /// Read `size` (1, 2, 4, 8) bytes at offset `off`, zero-extended.
    #[inline(always)]
    pub fn read(&self, off: usize, size: u8) -> u64 {
        let d = &self.data[off..];
        match size {
            1 => d[0] as u64,
            2 => u16::from_le_bytes([d[0], d[1]]) as u64,
            4 => u32::from_le_bytes(d[..4].try_into().unwrap()) as u64,
            _ => u64::from_le_bytes(d[..8].try_into().unwrap()),
        }
    }

    /// Write the low `size` (1, 2, 4, 8) bytes of `value` at offset `off`.
    #[inline(always)]
    pub fn write(&mut self, off: usize, size: u8, value: u64) {
        // One fixed-size copy per width: a copy of variable length becomes a
        // call to memcpy on every store.
        let d = &mut self.data[off..];
        match size {
            1 => d[0] = value as u8,
            2 => d[..2].copy_from_slice(&(value as u16).to_le_bytes()),
            4 => d[..4].copy_from_slice(&(value as u32).to_le_bytes()),
            _ => d[..8].copy_from_slice(&value.to_le_bytes()),
        }
        if let Some(n) = self.page_writes.get_mut(off >> PAGE_SHIFT) {
            *n += 1;
        }
    }

    /// A number that changes whenever the page holding offset `off` may
    /// have been written (both counts only grow, so their sum does too).
    #[inline(always)]
    pub fn write_stamp(&self, off: usize) -> u64 {
        self.page_writes.get(off >> PAGE_SHIFT).map_or(u64::MAX, |n| n.wrapping_add(self.bulk_writes))
    }

    /// The whole of RAM, for loaders and DMA.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The whole of RAM, mutable, for loaders and DMA. Counts as a write
    /// to every page (see [`Ram::write_stamp`]).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bulk_writes += 1;
        &mut self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_every_width_and_bounds() {
        let mut r = Ram::new(0x8000_0000, 16);
        r.write(0, 8, 0x0807_0605_0403_0201);
        assert_eq!(r.read(0, 1), 0x01);
        assert_eq!(r.read(1, 2), 0x0302);
        assert_eq!(r.read(3, 4), 0x0706_0504); // misaligned is fine in RAM
        assert_eq!(r.read(0, 8), 0x0807_0605_0403_0201);
        assert_eq!(r.offset_of(0x8000_0008, 8), Some(8));
        assert_eq!(r.offset_of(0x8000_0009, 8), None); // runs off the end
        assert_eq!(r.offset_of(0x7fff_ffff, 1), None);
        assert_eq!(r.offset_of(u64::MAX, 8), None);
    }

    #[test]
    fn write_stamps_change_with_every_write_to_their_page() {
        let mut r = Ram::new(0x8000_0000, 3 * 4096 + 16);
        let stamps = |r: &Ram| [0, 4096, 8192, 3 * 4096 + 8].map(|o| r.write_stamp(o));
        let s0 = stamps(&r);
        r.write(4096 + 8, 4, 1);
        let s1 = stamps(&r);
        assert_eq!((s1[0], s1[2], s1[3]), (s0[0], s0[2], s0[3]));
        assert_ne!(s1[1], s0[1]);
        r.bytes_mut()[0] = 1; // DMA: any page may have changed
        let s2 = stamps(&r);
        assert!(s2.iter().zip(s1).all(|(a, b)| *a != b));
        assert_eq!(r.write_stamp(4 * 4096), u64::MAX, "past the end");
    }
}
