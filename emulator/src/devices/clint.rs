//! The core-local interruptor (SiFive CLINT layout, as QEMU virt): msip at
//! +0x0, mtimecmp at +0x4000, mtime at +0xBFF8. One hart.

/// CLINT state for hart 0. mtime itself is not stored here: it is derived
/// from the hart's retired-instruction count (see `Hart::mtime`), so it is
/// deterministic; writes to mtime move an offset.
#[derive(Debug, Default)]
pub struct Clint {
    /// Machine software interrupt pending (bit 0 of msip).
    pub msip: bool,
    /// Timer compare value. Resets to 0 as on QEMU, so MTIP reads pending
    /// until the guest arms its first timer (harmless while mie.MTIE is 0).
    pub mtimecmp: u64,
    /// Added to the derived time so that guest writes to mtime stick.
    pub mtime_offset: u64,
}

const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// Extract `size` bytes at byte `shift` of a 64-bit register.
fn part(reg: u64, shift: u64, size: u8) -> u64 {
    let v = reg >> (shift * 8);
    if size == 8 {
        v
    } else {
        v & ((1u64 << (size * 8)) - 1)
    }
}

/// Replace `size` bytes at byte `shift` of a 64-bit register.
fn merge(reg: u64, shift: u64, size: u8, value: u64) -> u64 {
    let mask = if size == 8 { u64::MAX } else { ((1u64 << (size * 8)) - 1) << (shift * 8) };
    (reg & !mask) | ((value << (shift * 8)) & mask)
}

impl Clint {
    /// The guest-visible mtime given the derived time base.
    pub fn mtime(&self, base: u64) -> u64 {
        base.wrapping_add(self.mtime_offset)
    }

    /// Read `size` bytes at `offset`; `base` is the derived time.
    pub fn read(&self, offset: u64, size: u8, base: u64) -> Option<u64> {
        match offset {
            MSIP..=0x3 => Some(part(self.msip as u64, offset, size)),
            MTIMECMP..=0x4007 if offset.is_multiple_of(size as u64) => {
                Some(part(self.mtimecmp, offset - MTIMECMP, size))
            }
            MTIME..=0xbfff if offset.is_multiple_of(size as u64) => Some(part(self.mtime(base), offset - MTIME, size)),
            0x4..=0xffff => Some(0),
            _ => None,
        }
    }

    /// Write `size` bytes at `offset`; `base` is the derived time.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, base: u64) -> bool {
        match offset {
            MSIP..=0x3 => {
                if offset == 0 {
                    self.msip = value & 1 != 0;
                }
                true
            }
            MTIMECMP..=0x4007 if offset.is_multiple_of(size as u64) => {
                self.mtimecmp = merge(self.mtimecmp, offset - MTIMECMP, size, value);
                true
            }
            MTIME..=0xbfff if offset.is_multiple_of(size as u64) => {
                let new = merge(self.mtime(base), offset - MTIME, size, value);
                self.mtime_offset = new.wrapping_sub(base);
                true
            }
            0x4..=0xffff => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtimecmp_halves_and_mtime_offset() {
        let mut c = Clint::default();
        assert!(c.write(0x4000, 4, 0x1111_2222, 0));
        assert!(c.write(0x4004, 4, 0x3333_4444, 0));
        assert_eq!(c.read(0x4000, 8, 0), Some(0x3333_4444_1111_2222));
        assert_eq!(c.read(0x4004, 4, 0), Some(0x3333_4444));
        assert_eq!(c.read(0xbff8, 8, 50), Some(50));
        assert!(c.write(0xbff8, 8, 1000, 50));
        assert_eq!(c.read(0xbff8, 8, 60), Some(1010));
        assert!(c.write(0, 4, 1, 0));
        assert!(c.msip);
        assert_eq!(c.read(0, 4, 0), Some(1));
    }
}
