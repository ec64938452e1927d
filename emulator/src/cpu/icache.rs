//! The decoded-instruction cache: decode once, execute many times.
//!
//! Direct-mapped, indexed by pc, and tagged with the instruction's raw bits:
//! the fetch path reads the bits from memory anyway (it must, to honour
//! translation and permissions), so a hit is "same bits at this slot" and a
//! stale entry can never be used. This makes the cache correct without any
//! invalidation: a store that rewrites code, or a `fence.i`, simply leads
//! to a tag mismatch and a fresh decode on the next fetch.

use crate::isa::{decode, Insn};

const ENTRIES: usize = 1 << 12;

/// Cache of decoded instructions.
pub struct DecodeCache {
    entries: Box<[Insn]>,
}

impl Default for DecodeCache {
    fn default() -> Self {
        // decode(0) is the illegal all-zero instruction with bits 0, so an
        // empty slot is already a correct entry for the bits 0.
        DecodeCache { entries: vec![decode(0); ENTRIES].into_boxed_slice() }
    }
}

impl DecodeCache {
    /// A placeholder with no entries (allocates nothing), to stand in while
    /// the real cache is lent out.
    pub fn empty() -> DecodeCache {
        DecodeCache { entries: Box::new([]) }
    }

    /// The decoded form of `bits`, fetched at `pc`.
    #[inline(always)]
    pub fn get(&mut self, pc: u64, bits: u32) -> &Insn {
        let slot = &mut self.entries[(pc >> 1) as usize & (ENTRIES - 1)];
        if slot.bits != bits {
            *slot = decode(bits);
        }
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Op;

    #[test]
    fn rewritten_code_is_redecoded() {
        let mut c = DecodeCache::default();
        assert_eq!(c.get(0x8000_0000, 0x0000_0013).op, Op::ADDI); // nop
        assert_eq!(c.get(0x8000_0000, 0x0000_0033).op, Op::ADD); // same pc, new bits
        assert_eq!(c.get(0x8000_0000, 0).op, Op::ILLEGAL);
        assert_eq!(c.get(0x8000_0000, 0x4501).op, Op::ADDI); // c.li a0,0
        assert!(DecodeCache::empty().entries.is_empty());
    }
}
