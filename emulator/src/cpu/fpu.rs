//! The F and D extensions (unprivileged spec ch. 20 and 21): 32 f-registers
//! of 64 bits, fcsr, and every instruction. Arithmetic is Berkeley SoftFloat
//! 3 built with its RISC-V specialisation (canonical NaN 0x7fc00000 /
//! 0x7ff8000000000000, RISC-V's saturating conversions), so rounding and the
//! five exception flags are exact. SoftFloat's flag and rounding-mode bits
//! have the same encoding as fflags and frm.

use super::csr::mstatus;
use super::trap::Exception;
use super::Hart;
use crate::isa::{Insn, Op};
use softfloat_sys::{float32_t, float64_t};

/// fflags bit: invalid operation.
const NV: u8 = 0x10;
/// Canonical single-precision NaN.
const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// Canonical double-precision NaN.
const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;

/// A single-precision value in a 64-bit register is NaN-boxed: the upper 32
/// bits all ones (spec 21.2). Anything else reads as the canonical NaN.
#[inline]
fn unbox(v: u64) -> float32_t {
    float32_t { v: if v >> 32 == 0xffff_ffff { v as u32 } else { CANONICAL_NAN_S } }
}

#[inline]
fn boxed(v: u32) -> u64 {
    0xffff_ffff_0000_0000 | v as u64
}

fn d(v: u64) -> float64_t {
    float64_t { v }
}

/// Run SoftFloat code with rounding mode `rm`, returning its result and the
/// exception flags it raised.
fn softfloat<T>(rm: u8, f: impl FnOnce() -> T) -> (T, u8) {
    // SAFETY: these helpers only read or write SoftFloat's thread-local
    // rounding mode and exception flags (the crate builds them with
    // `__thread`), so concurrent harts on other threads are unaffected.
    unsafe {
        softfloat_sys::softfloat_roundingMode_write_helper(rm);
        softfloat_sys::softfloat_exceptionFlags_write_helper(0);
    }
    let r = f();
    // SAFETY: as above.
    let flags = unsafe { softfloat_sys::softfloat_exceptionFlags_read_helper() };
    (r, flags)
}

/// The 10-bit fclass mask (spec 20.9) from the sign, whether the exponent
/// is all zeros / all ones, whether the fraction is zero, and its top bit.
fn classify(sign: bool, exp_zero: bool, exp_ones: bool, frac_zero: bool, quiet_bit: bool) -> u64 {
    let bit = match (exp_ones, exp_zero, frac_zero) {
        (true, _, true) => {
            if sign {
                0
            } else {
                7
            }
        }
        (true, _, false) => {
            if quiet_bit {
                9
            } else {
                8
            }
        }
        (false, true, true) => {
            if sign {
                3
            } else {
                4
            }
        }
        (false, true, false) => {
            if sign {
                2
            } else {
                5
            }
        }
        (false, false, _) => {
            if sign {
                1
            } else {
                6
            }
        }
    };
    1 << bit
}

fn fclass_s(v: u32) -> u64 {
    let exp = (v >> 23) & 0xff;
    let frac = v & 0x7f_ffff;
    classify(v >> 31 == 1, exp == 0, exp == 0xff, frac == 0, frac >> 22 == 1)
}

fn fclass_d(v: u64) -> u64 {
    let exp = (v >> 52) & 0x7ff;
    let frac = v & ((1 << 52) - 1);
    classify(v >> 63 == 1, exp == 0, exp == 0x7ff, frac == 0, frac >> 51 == 1)
}

fn is_nan_s(v: u32) -> bool {
    (v >> 23) & 0xff == 0xff && v & 0x7f_ffff != 0
}
fn is_snan_s(v: u32) -> bool {
    is_nan_s(v) && v & 0x40_0000 == 0
}
fn is_nan_d(v: u64) -> bool {
    (v >> 52) & 0x7ff == 0x7ff && v & ((1 << 52) - 1) != 0
}
fn is_snan_d(v: u64) -> bool {
    is_nan_d(v) && v & (1 << 51) == 0
}

/// The raw bits of a single or double value, as fmin/fmax need them.
trait FloatBits: Copy {
    const CANONICAL_NAN: Self;
    fn is_nan(self) -> bool;
    fn is_snan(self) -> bool;
    fn sign(self) -> bool;
    /// Quiet less-than (no flags wanted here; NaNs are handled before).
    fn lt(self, other: Self) -> bool;
}

impl FloatBits for u32 {
    const CANONICAL_NAN: u32 = CANONICAL_NAN_S;
    fn is_nan(self) -> bool {
        is_nan_s(self)
    }
    fn is_snan(self) -> bool {
        is_snan_s(self)
    }
    fn sign(self) -> bool {
        self >> 31 == 1
    }
    fn lt(self, other: u32) -> bool {
        // SAFETY: see `softfloat`; plain values in and out.
        softfloat(0, || unsafe { softfloat_sys::f32_lt_quiet(float32_t { v: self }, float32_t { v: other }) }).0
    }
}

impl FloatBits for u64 {
    const CANONICAL_NAN: u64 = CANONICAL_NAN_D;
    fn is_nan(self) -> bool {
        is_nan_d(self)
    }
    fn is_snan(self) -> bool {
        is_snan_d(self)
    }
    fn sign(self) -> bool {
        self >> 63 == 1
    }
    fn lt(self, other: u64) -> bool {
        // SAFETY: see `softfloat`; plain values in and out.
        softfloat(0, || unsafe { softfloat_sys::f64_lt_quiet(d(self), d(other)) }).0
    }
}

/// fmin/fmax (spec 20.6, the 2.2 semantics): -0 < +0; a NaN operand yields
/// the other operand; two NaNs give the canonical NaN; a signalling NaN
/// raises NV.
fn min_max<T: FloatBits>(a: T, b: T, want_max: bool) -> (T, u8) {
    let flags = if a.is_snan() || b.is_snan() { NV } else { 0 };
    let r = match (a.is_nan(), b.is_nan()) {
        (true, true) => T::CANONICAL_NAN,
        (true, false) => b,
        (false, true) => a,
        _ => {
            // Equal values (incl. -0 == +0) are ordered by sign.
            let a_is_less = a.lt(b) || (!b.lt(a) && a.sign() && !b.sign());
            if a_is_less != want_max {
                a
            } else {
                b
            }
        }
    };
    (r, flags)
}

impl Hart {
    /// Write f-register `rd` and mark the FP state dirty.
    #[inline]
    fn write_f(&mut self, rd: u8, v: u64) {
        self.f[(rd & 31) as usize] = v;
        self.csr.mstatus |= mstatus::FS;
    }

    /// Accumulate exception flags into fflags (dirtying the FP state when
    /// any was raised).
    #[inline]
    fn raise_fflags(&mut self, flags: u8) {
        if flags != 0 {
            self.fflags |= flags & 0x1f;
            self.csr.mstatus |= mstatus::FS;
        }
    }

    /// The instruction's rounding mode: its rm field, or frm when rm is 7
    /// (dynamic). Reserved values (5, 6, or frm > 4 when dynamic) make the
    /// instruction illegal.
    fn rounding_mode(&self, i: &Insn) -> Result<u8, Exception> {
        let rm = ((i.bits >> 12) & 7) as u8;
        let rm = if rm == 7 { self.frm } else { rm };
        if rm > 4 {
            return Err(Exception::illegal(i.bits));
        }
        Ok(rm)
    }

    /// Execute an F or D instruction (`i.op.is_fp()`).
    pub(super) fn execute_fp(&mut self, i: &Insn) -> Result<(), Exception> {
        use softfloat_sys as sf;
        use Op::*;
        if self.csr.mstatus & mstatus::FS == 0 {
            return Err(Exception::illegal(i.bits));
        }
        let next = self.pc.wrapping_add(i.len as u64);
        let x1 = self.x[(i.rs1 & 31) as usize];
        let f1 = self.f[(i.rs1 & 31) as usize];
        let f2 = self.f[(i.rs2 & 31) as usize];
        let f3 = self.f[(i.bits >> 27) as usize & 31];
        let (s1, s2, s3) = (unbox(f1), unbox(f2), unbox(f3));
        let rd = i.rd;
        // Results are either an f-register value or an integer-register
        // value; `flags` are the IEEE exceptions raised.
        enum Out {
            F(u64),
            X(u64),
        }
        let (out, flags) = match i.op {
            FLW => (Out::F(boxed(self.load_data(x1.wrapping_add(i.imm as i64 as u64), 4)? as u32)), 0),
            FLD => (Out::F(self.load_data(x1.wrapping_add(i.imm as i64 as u64), 8)?), 0),
            FSW | FSD => {
                let size = if i.op == FSW { 4 } else { 8 };
                self.mmu.store(x1.wrapping_add(i.imm as i64 as u64), size, f2)?;
                self.after_access();
                self.pc = next;
                return Ok(());
            }
            // Sign injection and moves are bit manipulations: no flags, no
            // rounding (spec 20.6, 20.7).
            FSGNJ_S | FSGNJN_S | FSGNJX_S => {
                let (a, b) = (s1.v, s2.v);
                let sign = match i.op {
                    FSGNJ_S => b,
                    FSGNJN_S => !b,
                    _ => a ^ b,
                } & 0x8000_0000;
                (Out::F(boxed((a & 0x7fff_ffff) | sign)), 0)
            }
            FSGNJ_D | FSGNJN_D | FSGNJX_D => {
                let sign = match i.op {
                    FSGNJ_D => f2,
                    FSGNJN_D => !f2,
                    _ => f1 ^ f2,
                } & (1 << 63);
                (Out::F((f1 & !(1 << 63)) | sign), 0)
            }
            FMV_X_W => (Out::X(f1 as u32 as i32 as i64 as u64), 0),
            FMV_W_X => (Out::F(boxed(x1 as u32)), 0),
            FMV_X_D => (Out::X(f1), 0),
            FMV_D_X => (Out::F(x1), 0),
            FCLASS_S => (Out::X(fclass_s(s1.v)), 0),
            FCLASS_D => (Out::X(fclass_d(f1)), 0),
            FMIN_S | FMAX_S => {
                let (r, fl) = min_max(s1.v, s2.v, i.op == FMAX_S);
                (Out::F(boxed(r)), fl)
            }
            FMIN_D | FMAX_D => {
                let (r, fl) = min_max(f1, f2, i.op == FMAX_D);
                (Out::F(r), fl)
            }
            // Comparisons: FEQ is quiet, FLT/FLE signal on any NaN.
            FEQ_S | FLT_S | FLE_S | FEQ_D | FLT_D | FLE_D => {
                // SAFETY (this and every SoftFloat call below): the
                // functions take and return plain values and touch only
                // SoftFloat's thread-local state, managed by `softfloat`.
                let (r, fl) = softfloat(0, || unsafe {
                    match i.op {
                        FEQ_S => sf::f32_eq(s1, s2),
                        FLT_S => sf::f32_lt(s1, s2),
                        FLE_S => sf::f32_le(s1, s2),
                        FEQ_D => sf::f64_eq(d(f1), d(f2)),
                        FLT_D => sf::f64_lt(d(f1), d(f2)),
                        _ => sf::f64_le(d(f1), d(f2)),
                    }
                });
                (Out::X(r as u64), fl)
            }
            _ => {
                let rm = self.rounding_mode(i)?;
                let (out, fl) = softfloat(rm, || unsafe {
                    match i.op {
                        FADD_S => Out::F(boxed(sf::f32_add(s1, s2).v)),
                        FSUB_S => Out::F(boxed(sf::f32_sub(s1, s2).v)),
                        FMUL_S => Out::F(boxed(sf::f32_mul(s1, s2).v)),
                        FDIV_S => Out::F(boxed(sf::f32_div(s1, s2).v)),
                        FSQRT_S => Out::F(boxed(sf::f32_sqrt(s1).v)),
                        FMADD_S => Out::F(boxed(sf::f32_mulAdd(s1, s2, s3).v)),
                        FMSUB_S => Out::F(boxed(sf::f32_mulAdd(s1, s2, neg_s(s3)).v)),
                        FNMSUB_S => Out::F(boxed(sf::f32_mulAdd(neg_s(s1), s2, s3).v)),
                        FNMADD_S => Out::F(boxed(sf::f32_mulAdd(neg_s(s1), s2, neg_s(s3)).v)),
                        FADD_D => Out::F(sf::f64_add(d(f1), d(f2)).v),
                        FSUB_D => Out::F(sf::f64_sub(d(f1), d(f2)).v),
                        FMUL_D => Out::F(sf::f64_mul(d(f1), d(f2)).v),
                        FDIV_D => Out::F(sf::f64_div(d(f1), d(f2)).v),
                        FSQRT_D => Out::F(sf::f64_sqrt(d(f1)).v),
                        FMADD_D => Out::F(sf::f64_mulAdd(d(f1), d(f2), d(f3)).v),
                        FMSUB_D => Out::F(sf::f64_mulAdd(d(f1), d(f2), d(f3 ^ (1 << 63))).v),
                        FNMSUB_D => Out::F(sf::f64_mulAdd(d(f1 ^ (1 << 63)), d(f2), d(f3)).v),
                        FNMADD_D => Out::F(sf::f64_mulAdd(d(f1 ^ (1 << 63)), d(f2), d(f3 ^ (1 << 63))).v),
                        FCVT_S_D => Out::F(boxed(sf::f64_to_f32(d(f1)).v)),
                        FCVT_D_S => Out::F(sf::f32_to_f64(s1).v),
                        // Conversions to 32-bit integers sign-extend the
                        // 32-bit result, the unsigned ones included.
                        FCVT_W_S => Out::X(sf::f32_to_i32(s1, rm, true) as i32 as i64 as u64),
                        FCVT_WU_S => Out::X(sf::f32_to_ui32(s1, rm, true) as u32 as i32 as i64 as u64),
                        FCVT_L_S => Out::X(sf::f32_to_i64(s1, rm, true) as u64),
                        FCVT_LU_S => Out::X(sf::f32_to_ui64(s1, rm, true)),
                        FCVT_W_D => Out::X(sf::f64_to_i32(d(f1), rm, true) as i32 as i64 as u64),
                        FCVT_WU_D => Out::X(sf::f64_to_ui32(d(f1), rm, true) as u32 as i32 as i64 as u64),
                        FCVT_L_D => Out::X(sf::f64_to_i64(d(f1), rm, true) as u64),
                        FCVT_LU_D => Out::X(sf::f64_to_ui64(d(f1), rm, true)),
                        FCVT_S_W => Out::F(boxed(sf::i32_to_f32(x1 as i32).v)),
                        FCVT_S_WU => Out::F(boxed(sf::ui32_to_f32(x1 as u32).v)),
                        FCVT_S_L => Out::F(boxed(sf::i64_to_f32(x1 as i64).v)),
                        FCVT_S_LU => Out::F(boxed(sf::ui64_to_f32(x1).v)),
                        FCVT_D_W => Out::F(sf::i32_to_f64(x1 as i32).v),
                        FCVT_D_WU => Out::F(sf::ui32_to_f64(x1 as u32).v),
                        FCVT_D_L => Out::F(sf::i64_to_f64(x1 as i64).v),
                        _ => Out::F(sf::ui64_to_f64(x1).v), // FCVT_D_LU
                    }
                });
                (out, fl)
            }
        };
        match out {
            Out::F(v) => self.write_f(rd, v),
            Out::X(v) => {
                self.x[(rd & 31) as usize] = v;
                self.x[0] = 0;
            }
        }
        self.raise_fflags(flags);
        self.pc = next;
        Ok(())
    }
}

fn neg_s(v: float32_t) -> float32_t {
    float32_t { v: v.v ^ 0x8000_0000 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_boxing() {
        assert_eq!(unbox(0xffff_ffff_3f80_0000).v, 0x3f80_0000);
        assert_eq!(unbox(0x0000_0000_3f80_0000).v, CANONICAL_NAN_S, "improperly boxed reads as canonical NaN");
        assert_eq!(boxed(1), 0xffff_ffff_0000_0001);
    }

    #[test]
    fn fclass_every_class() {
        assert_eq!(fclass_s(0xff80_0000), 1 << 0); // -inf
        assert_eq!(fclass_s(0xbf80_0000), 1 << 1); // -1
        assert_eq!(fclass_s(0x8000_0001), 1 << 2); // -subnormal
        assert_eq!(fclass_s(0x8000_0000), 1 << 3); // -0
        assert_eq!(fclass_s(0x0000_0000), 1 << 4); // +0
        assert_eq!(fclass_s(0x0000_0001), 1 << 5); // +subnormal
        assert_eq!(fclass_s(0x3f80_0000), 1 << 6); // +1
        assert_eq!(fclass_s(0x7f80_0000), 1 << 7); // +inf
        assert_eq!(fclass_s(0x7f80_0001), 1 << 8); // sNaN
        assert_eq!(fclass_s(0x7fc0_0000), 1 << 9); // qNaN
        assert_eq!(fclass_d(0xfff0_0000_0000_0000), 1 << 0);
        assert_eq!(fclass_d(0x7ff8_0000_0000_0000), 1 << 9);
        assert_eq!(fclass_d(0x0000_0000_0000_0001), 1 << 5);
    }

    #[test]
    fn min_max_signed_zero_and_nans() {
        let mm = |a: u32, b: u32, max| min_max(a, b, max);
        assert_eq!(mm(0x8000_0000, 0, false), (0x8000_0000, 0), "min(-0, +0) = -0");
        assert_eq!(mm(0, 0x8000_0000, true), (0, 0), "max(+0, -0) = +0");
        assert_eq!(mm(0x7fc0_0000, 0x3f80_0000, false), (0x3f80_0000, 0), "qNaN yields the other");
        assert_eq!(mm(0x7f80_0001, 0x3f80_0000, true), (0x3f80_0000, NV), "sNaN raises NV");
        assert_eq!(mm(0x7f80_0001, 0x7fc0_0000, true), (CANONICAL_NAN_S, NV), "two NaNs: canonical");
    }

    #[test]
    fn rounding_modes_and_flags() {
        // 1 + 2^-24 is halfway between 1 and the next float: rounding decides.
        let one = float32_t { v: 0x3f80_0000 };
        let tiny = float32_t { v: 0x3380_0000 }; // 2^-24
        let add = |rm| softfloat(rm, || unsafe { softfloat_sys::f32_add(one, tiny) });
        assert_eq!(add(0).0.v, 0x3f80_0000, "RNE: ties to even");
        assert_eq!(add(1).0.v, 0x3f80_0000, "RTZ");
        assert_eq!(add(2).0.v, 0x3f80_0000, "RDN");
        assert_eq!(add(3).0.v, 0x3f80_0001, "RUP");
        assert_eq!(add(4).0.v, 0x3f80_0001, "RMM: ties away");
        assert_eq!(add(0).1, 1, "inexact");
        let (_, f) = softfloat(0, || unsafe { softfloat_sys::f32_div(one, float32_t { v: 0 }) });
        assert_eq!(f, 0x08, "divide by zero");
        let (r, f) = softfloat(0, || unsafe { softfloat_sys::f32_sqrt(float32_t { v: 0xbf80_0000 }) });
        assert_eq!((r.v, f), (CANONICAL_NAN_S, NV), "sqrt(-1) is the canonical NaN, invalid");
        let big = float32_t { v: 0x7f7f_ffff };
        let (_, f) = softfloat(0, || unsafe { softfloat_sys::f32_mul(big, big) });
        assert_eq!(f, 0x05, "overflow and inexact");
        let small = float32_t { v: 0x0080_0000 };
        let (_, f) = softfloat(0, || unsafe { softfloat_sys::f32_mul(small, float32_t { v: 0x3f00_0001 }) });
        assert_eq!(f, 0x03, "underflow and inexact");
    }

    #[test]
    fn conversions_saturate() {
        let conv = |v: u32| softfloat(1, || unsafe { softfloat_sys::f32_to_i32(float32_t { v }, 1, true) });
        assert_eq!(conv(0x7fc0_0000), (0x7fff_ffff, NV), "NaN -> max");
        assert_eq!(conv(0xcf80_0000), (i32::MIN as _, NV), "-2^32 -> min");
        assert_eq!(conv(0x4f80_0000), (0x7fff_ffff, NV), "2^32 -> max");
        let u = softfloat(1, || unsafe { softfloat_sys::f32_to_ui32(float32_t { v: 0xbf80_0000 }, 1, true) });
        assert_eq!(u, (0, NV), "-1 -> 0 unsigned");
        let l = softfloat(1, || unsafe { softfloat_sys::f64_to_i64(d(0x7ff0_0000_0000_0000), 1, true) });
        assert_eq!(l, (i64::MAX as _, NV), "+inf -> i64 max");
    }
}
