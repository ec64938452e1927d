//! The SiFive test device (`sifive,test1`) that QEMU's virt board uses for
//! power-off and reset.

use super::{Device, DeviceContext};

/// What the guest asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerRequest {
    /// Power off with this exit code (0 = pass).
    Off(u32),
    /// Reset the machine.
    Reset,
}

/// The power-off device: write 0x5555 (pass), 0x3333 | code << 16 (fail
/// with code), or 0x7777 (reset) to offset 0.
#[derive(Debug, Default)]
pub struct PowerOff;

impl Device for PowerOff {
    fn name(&self) -> &'static str {
        "power-off"
    }

    fn read(&mut self, _offset: u64, _size: u8, _ctx: &mut DeviceContext) -> Option<u64> {
        Some(0)
    }

    fn write(&mut self, offset: u64, size: u8, value: u64, ctx: &mut DeviceContext) -> bool {
        if offset != 0 || size < 4 {
            return size >= 1; // other offsets ignore writes, as on QEMU
        }
        let value = value as u32;
        match value & 0xffff {
            0x5555 => ctx.power = Some(PowerRequest::Off(0)),
            0x3333 => ctx.power = Some(PowerRequest::Off(value >> 16)),
            0x7777 => ctx.power = Some(PowerRequest::Reset),
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let mut d = PowerOff;
        let mut ram = crate::bus::Ram::new(0, 0);
        let mut ctx = DeviceContext { mtime: 0, power: None, ram: &mut ram };
        d.write(0, 4, 0x1234, &mut ctx);
        assert_eq!(ctx.power, None);
        d.write(0, 4, 0x5555, &mut ctx);
        assert_eq!(ctx.power, Some(PowerRequest::Off(0)));
        d.write(0, 4, (7 << 16) | 0x3333, &mut ctx);
        assert_eq!(ctx.power, Some(PowerRequest::Off(7)));
        d.write(0, 4, 0x7777, &mut ctx);
        assert_eq!(ctx.power, Some(PowerRequest::Reset));
    }
}
