//! The F/D guest program guest/programs/fpprint.c (committed ELF
//! guest/build/programs/fpprint.elf, rv64gc/lp64d, picolibc printf): it must
//! print exactly the expected text on the HTIF console and exit 0.
//!
//! (The F/D ISA test guest/build/tests/fp.elf runs with all the other
//! guest ISA tests in tests/guest_isa.rs.)
//!
//! Where the expected text comes from — not from rvmmu:
//!   * every number is an IEEE binary64 (or binary32) result worked out
//!     independently on the host in Python, whose floats are binary64 with
//!     round-to-nearest-even: 1.0/3.0, math.sqrt(2.0), 2.0**-1022/3.0, the
//!     Leibniz sum in the same order (s = s + t / s - t with t = 1.0/(2k+1),
//!     k < 5000, then 4.0*s), the binary32 values by rounding through
//!     struct.pack('<f'), and the fma result exactly: (1+2^-30)(1-2^-30) - 1
//!     = -2^-60, while the unfused product rounds to 1.0 and gives 0;
//!   * %f, %e, %g, %.9g and the integer conversions are Python's %-formatting
//!     (C semantics, exact decimal rounding); %a is float.hex() with the
//!     trailing zero hex digits dropped, as C prints it;
//!   * %.17g: picolibc's printf (Ryu) prints the SHORTEST digit string that
//!     reads back as the same double (see the note in fpprint.c), so those
//!     digits are Python's repr() digits (also shortest round-trip), laid out
//!     by the C %g rules (fixed notation for decimal exponents -4..16);
//!   * the whole text was then checked to be byte-identical to what the
//!     same ELF prints on QEMU 7.2 (`qemu-system-riscv64 -machine spike
//!     -bios none -nographic -kernel guest/build/programs/fpprint.elf`).

use rvmmu_emulator::{ExitReason, Machine, MachineConfig};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A console that appends to a shared buffer.
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const EXPECTED: &str = "\
1/3 = 0.3333333333333333 = 0x1.5555555555555p-2
1/3 %f %e = 0.333333 3.333333e-01
sqrt(2) = 1.4142135623730951 = 0x1.6a09e667f3bcdp+0
0.1f + 0.2f = 0.300000012 = 0x1.333334p-2
1.0f / 3.0f = 0.333333343 = 0x1.555556p-2
0.1 + 0.2 = 0.30000000000000004
1e308 * 10 = inf inf -inf
-0.0 = -0 -0.000000 -0.000000e+00 -0x0p+0
2^-1074 = 5e-324
2^-1022 / 3 = 7.41691286169067e-309
(int)-2.7 = -2, (long)1e10 = 10000000000, (unsigned)3e9 = 3000000000
(double)(2^53 + 1) = 9007199254740992
fma(1+2^-30, 1-2^-30, -1) = -8.673617379884035e-19 = -0x1p-60, unfused 0
pi (Leibniz, 5000 terms) = 3.141392653591791 = 3.141393 = 3.141393e+00
";

#[test]
fn fpprint_prints_the_expected_floating_point_text() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest/build/programs/fpprint.elf");
    let mut m = Machine::from_elf_file(&path.to_string_lossy(), &MachineConfig::default()).expect("loads");
    let out = Arc::new(Mutex::new(Vec::new()));
    m.set_console(Box::new(Capture(Arc::clone(&out))));
    // About 90,000 instructions; the limit only guards against a hang.
    assert_eq!(m.run(Some(10_000_000)), ExitReason::Exited(0));
    let text = String::from_utf8(out.lock().unwrap().clone()).expect("ASCII output");
    assert_eq!(text, EXPECTED);
}
