//! HTIF, the host-target interface of riscv-tests and their benchmarks: the
//! guest writes requests to the `tohost` word in RAM and reads replies from
//! `fromhost`. The bus notices stores to `tohost`; [`Htif::service`] then
//! carries out the request.

use crate::bus::Ram;
use std::io::Write;

/// Syscall numbers of the `magic_mem` request block (Linux/pk numbering).
const SYS_WRITE: u64 = 64;
const SYS_EXIT: u64 = 93;
const ENOSYS: i64 = 38;
const EBADF: i64 = 9;

/// The addresses of the two HTIF words, from the ELF's symbols.
#[derive(Clone, Copy, Debug)]
pub struct Htif {
    /// Physical address of `tohost`.
    pub tohost: u64,
    /// Physical address of `fromhost`, if the ELF has one.
    pub fromhost: Option<u64>,
}

/// What the run loop must do after servicing a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtifAction {
    /// Keep running.
    Continue,
    /// The guest ended with this exit code (0 = pass; riscv-tests' failing
    /// test number n gives code n).
    Exit(u64),
}

impl Htif {
    fn read_word(ram: &Ram, pa: u64) -> Option<u64> {
        ram.offset_of(pa, 8).map(|off| ram.read(off, 8))
    }

    fn write_word(ram: &mut Ram, pa: u64, value: u64) {
        if let Some(off) = ram.offset_of(pa, 8) {
            ram.write(off, 8, value);
        }
    }

    /// Carry out the request now in `tohost`, if any, clear `tohost`, and
    /// acknowledge through `fromhost` where the protocol asks for it.
    pub fn service(&self, ram: &mut Ram, console: &mut dyn Write) -> HtifAction {
        let Some(value) = Self::read_word(ram, self.tohost) else {
            return HtifAction::Continue;
        };
        if value == 0 {
            return HtifAction::Continue;
        }
        let device = value >> 56;
        let command = (value >> 48) & 0xff;
        let payload = value & 0xffff_ffff_ffff;
        Self::write_word(ram, self.tohost, 0);
        let ack = |ram: &mut Ram, v: u64| {
            if let Some(fh) = self.fromhost {
                Self::write_word(ram, fh, v);
            }
        };
        match (device, command) {
            (0, 0) if payload & 1 == 1 => return HtifAction::Exit(payload >> 1),
            (0, 0) => {
                // A syscall block: eight 64-bit words, word 0 the number.
                let mut args = [0u64; 8];
                for (i, a) in args.iter_mut().enumerate() {
                    match Self::read_word(ram, payload + 8 * i as u64) {
                        Some(v) => *a = v,
                        None => {
                            log::warn!("htif: syscall block at 0x{payload:x} is outside RAM");
                            return HtifAction::Continue;
                        }
                    }
                }
                let ret = match args[0] {
                    SYS_EXIT => return HtifAction::Exit(args[1]),
                    SYS_WRITE => Self::sys_write(ram, console, args[1], args[2], args[3]),
                    n => {
                        log::debug!("htif: unsupported syscall {n}");
                        -ENOSYS
                    }
                };
                Self::write_word(ram, payload, ret as u64);
                ack(ram, 1);
            }
            (1, 1) => {
                let _ = console.write_all(&[payload as u8]);
                let _ = console.flush();
                ack(ram, (1 << 56) | (1 << 48));
            }
            _ => log::debug!("htif: ignoring request 0x{value:x}"),
        }
        HtifAction::Continue
    }

    fn sys_write(ram: &Ram, console: &mut dyn Write, fd: u64, buf: u64, len: u64) -> i64 {
        if fd != 1 && fd != 2 {
            return -EBADF;
        }
        match ram.offset_of(buf, len) {
            Some(off) => {
                let _ = console.write_all(&ram.bytes()[off..off + len as usize]);
                let _ = console.flush();
                len as i64
            }
            None => -14, // EFAULT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 0x8000_0000;

    fn setup() -> (Ram, Htif) {
        (Ram::new(BASE, 0x1000), Htif { tohost: BASE + 0x100, fromhost: Some(BASE + 0x108) })
    }

    #[test]
    fn exit_codes() {
        let (mut ram, h) = setup();
        let mut out = Vec::new();
        ram.write(0x100, 8, 1);
        assert_eq!(h.service(&mut ram, &mut out), HtifAction::Exit(0));
        ram.write(0x100, 8, (5 << 1) | 1);
        assert_eq!(h.service(&mut ram, &mut out), HtifAction::Exit(5));
        assert_eq!(ram.read(0x100, 8), 0, "tohost is cleared");
    }

    #[test]
    fn console_and_write_syscall() {
        let (mut ram, h) = setup();
        let mut out = Vec::new();
        ram.write(0x100, 8, (1 << 56) | (1 << 48) | b'A' as u64);
        assert_eq!(h.service(&mut ram, &mut out), HtifAction::Continue);
        assert_eq!(ram.read(0x108, 8), (1 << 56) | (1 << 48));
        // magic_mem at 0x200: write(1, 0x300, 3)
        ram.bytes_mut()[0x300..0x303].copy_from_slice(b"hi\n");
        for (i, v) in [SYS_WRITE, 1, BASE + 0x300, 3].iter().enumerate() {
            ram.write(0x200 + 8 * i, 8, *v);
        }
        ram.write(0x100, 8, BASE + 0x200);
        assert_eq!(h.service(&mut ram, &mut out), HtifAction::Continue);
        assert_eq!(out, b"Ahi\n");
        assert_eq!(ram.read(0x200, 8), 3, "return value in word 0");
        assert_eq!(ram.read(0x108, 8), 1, "fromhost acknowledges");
        // a wild buffer pointer is EFAULT, not a crash
        for (i, v) in [SYS_WRITE, 1, 0x10, 1 << 40].iter().enumerate() {
            ram.write(0x200 + 8 * i, 8, *v);
        }
        ram.write(0x100, 8, BASE + 0x200);
        h.service(&mut ram, &mut out);
        assert_eq!(ram.read(0x200, 8) as i64, -14);
    }
}
