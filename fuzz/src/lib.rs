//! Helpers shared by the fuzz targets.

/// A cursor over the fuzzer's input that never fails: past the end every
/// read yields zeros, so any input, however short, is a complete test case.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// Whether every byte was consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The bytes not consumed yet (not consumed by this call).
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }

    /// The next byte, or 0.
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// The next `n` (at most 8) bytes, little-endian, zero-padded.
    pub fn le(&mut self, n: usize) -> u64 {
        (0..n.min(8)).fold(0, |v, i| v | (self.u8() as u64) << (8 * i))
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        self.le(2) as u16
    }

    /// The next four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        self.le(4) as u32
    }

    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        self.le(8)
    }

    /// Up to `n` next bytes (fewer at the end of the input).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(n).min(self.data.len());
        self.pos = start + n;
        &self.data[start..end]
    }
}
