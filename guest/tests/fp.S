/*
 * fp.S - the F and D extensions (RV64FD) and their privileged state.
 *
 * Every expected value below is derived from IEEE 754-2008 and the RISC-V
 * unprivileged spec (chapters "F" and "D"), not from an implementation;
 * the comment next to each constant says why it is the right answer.
 * Operands and results are written as bit patterns (single: 8 hex digits,
 * double: 16 hex digits); every single-precision result is also checked
 * to be NaN-boxed (upper 32 bits of the f register all ones), and every
 * arithmetic check also checks the exact fflags it raised.
 *
 * Covered:
 *  - misa.F/D; mstatus.FS: with FS = Off every FP instruction (arithmetic,
 *    moves, loads/stores, a compressed load) and every access to fflags/
 *    frm/fcsr is an illegal instruction (mcause 2, mtval = the instruction
 *    bits); a write to FP state (f register or FP CSR) turns FS from
 *    Initial/Clean to Dirty, and SD = 1 iff FS = Dirty (XS = VS = 0 here)
 *  - fflags/frm/fcsr: CSRRW/CSRRS/CSRRC (and the immediate forms) on each
 *    view, WARL masking (fflags 5 bits, frm 3 bits, fcsr 8 bits)
 *  - every rounding mode, static (rm field) and dynamic (frm), on sums
 *    whose exact value lies between two floats (ties and non-ties, both
 *    signs), single and double; a static rm ignores frm
 *  - frm = 5, 6, 7 with a dynamic-rm instruction: illegal instruction,
 *    no register or flag written; a static rm of 5 or 6: illegal; with an
 *    invalid frm, instructions that have no rm field (or a static one)
 *    still execute
 *  - each exception flag (NX, UF, OF, DZ, NV), including the subtle
 *    cases: exact subnormal results raise no UF; tininess is detected
 *    after rounding; inf/0 raises no DZ; quiet NaN operands raise no NV
 *  - accrued flags accumulate (OR) until software clears them
 *  - NaN boxing: an improperly boxed single operand reads as the canonical
 *    NaN; transfers (fmv.x.w, fsw) ignore the upper bits; flw and fmv.w.x
 *    box; fmv.x.w sign-extends; loads, stores and moves never canonicalise
 *  - fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber): -0 < +0, one
 *    NaN operand returns the other, two NaNs give the canonical NaN, NV
 *    only for a signalling NaN
 *  - fcvt.{w,wu,l,lu}.{s,d} saturation (NaN, +-inf, out of range -> NV),
 *    rounding (NX), fcvt.wu.s sign-extending its 32-bit result; the
 *    integer-to-float conversions round
 *  - fclass.s/.d for all ten classes
 *  - feq (quiet: NV only for sNaN) vs flt/fle (signalling: NV for any
 *    NaN), -0 == +0
 *  - fmadd/fmsub/fnmsub/fnmadd .s/.d with a single rounding (results that
 *    differ from a separate multiply and add); inf*0 + qNaN raises NV
 *  - fsqrt: exact, inexact, -0, +inf, -1 (canonical NaN + NV)
 *  - fcvt.s.d rounding/overflow/NaN; fcvt.d.s is exact (subnormals too)
 *  - sign injection (no canonicalisation, no flags)
 *  - c.fld, c.fsd, c.fldsp, c.fsdsp
 *
 * Assembled with -march=rv64imafdc (see the Makefile); the body is
 * .option norvc except for the compressed section at the end.
 */
#include "common.h"

#define MSTATUS_FS   (3 << 13)
#define FS_INITIAL   (1 << 13)
#define FS_CLEAN     (2 << 13)
#define FS_DIRTY     (3 << 13)
#define MSTATUS_SD   0x8000000000000000

/* fflags bits */
#define NX 0x01                         /* inexact */
#define UF 0x02                         /* underflow */
#define OF 0x04                         /* overflow */
#define DZ 0x08                         /* divide by zero */
#define NV 0x10                         /* invalid operation */

/* ----- single-precision bit patterns (sign | 8-bit exp | 23-bit frac) --- */
#define S_PZERO    0x00000000
#define S_NZERO    0x80000000
#define S_ONE      0x3f800000           /* 1.0  = 2^0: exp 127 */
#define S_MONE     0xbf800000           /* -1.0 */
#define S_ONE_1U   0x3f800001           /* 1 + 2^-23 (1.0 plus one ulp) */
#define S_ONE_2U   0x3f800002           /* 1 + 2^-22 */
#define S_MONE_1U  0xbf800001           /* -(1 + 2^-23) */
#define S_HALF     0x3f000000           /* 0.5 */
#define S_TWO      0x40000000           /* 2.0 */
#define S_THREE    0x40400000           /* 3.0 = 1.5 * 2^1 */
#define S_FOUR     0x40800000           /* 4.0 */
#define S_PINF     0x7f800000
#define S_NINF     0xff800000
#define S_QNAN     0x7fc00000           /* the canonical NaN */
#define S_QNAN_P   0x7fc12345           /* a quiet NaN with a payload */
#define S_SNAN     0x7f800001           /* quiet bit (22) clear, frac != 0 */
#define S_MAX      0x7f7fffff           /* (2 - 2^-23) * 2^127 */
#define S_MMAX     0xff7fffff
#define S_2P127    0x7f000000           /* 2^127 */
#define S_M2P127   0xff000000
#define S_MIN_NORM 0x00800000           /* 2^-126 */
#define S_MIN_SUB  0x00000001           /* 2^-149 */
#define S_2PM24    0x33800000           /* 2^-24: exp -24 + 127 = 103 = 0x67 */
#define S_M2PM24   0xb3800000
#define S_3_2PM25  0x33c00000           /* 1.5 * 2^-24 = 0.75 ulp(1.0) */
#define S_M3_2PM25 0xb3c00000

/* ----- double-precision bit patterns (sign | 11-bit exp | 52-bit frac) -- */
#define D_PZERO    0x0000000000000000
#define D_NZERO    0x8000000000000000
#define D_ONE      0x3ff0000000000000   /* exp 1023 */
#define D_MONE     0xbff0000000000000
#define D_ONE_1U   0x3ff0000000000001   /* 1 + 2^-52 */
#define D_MONE_1U  0xbff0000000000001
#define D_TWO      0x4000000000000000
#define D_FOUR     0x4010000000000000
#define D_PINF     0x7ff0000000000000
#define D_NINF     0xfff0000000000000
#define D_QNAN     0x7ff8000000000000   /* the canonical NaN */
#define D_QNAN_P   0x7ff8000000012345
#define D_SNAN     0x7ff0000000000001
#define D_MAX      0x7fefffffffffffff
#define D_2P1023   0x7fe0000000000000
#define D_MIN_SUB  0x0000000000000001   /* 2^-1074 */
#define D_MIN_NORM 0x0010000000000000   /* 2^-1022 */
#define D_2PM53    0x3ca0000000000000   /* 2^-53 = half an ulp of 1.0 */
#define D_M2PM53   0xbca0000000000000
#define D_3_2PM54  0x3ca8000000000000   /* 1.5 * 2^-53 = 0.75 ulp(1.0) */

/* ---------------------------------------------------------------------
 * Helpers.  a5 is the scratch register for loading constants, a3 holds
 * results, a4 the flags.  fa0/fa1/fa3 are the operands, fa2 the result.
 * ------------------------------------------------------------------- */

.macro LOAD_S freg, bits                /* fmv.w.x NaN-boxes */
    li      a5, \bits
    fmv.w.x \freg, a5
.endm

.macro LOAD_D freg, bits
    li      a5, \bits
    fmv.d.x \freg, a5
.endm

/* f register holds the single `bits`, properly NaN-boxed */
.macro CHECK_S freg, bits, num
    fmv.x.d a3, \freg
    CHECK_EQ a3, (0xffffffff00000000 | \bits), \num
.endm

.macro CHECK_D freg, bits, num
    fmv.x.d a3, \freg
    CHECK_EQ a3, \bits, \num
.endm

/* fflags == flags exactly; then clear them (fsflags = csrrw fflags) */
.macro CHECK_FLAGS flags, num
    fsflags a4, x0
    CHECK_EQ a4, \flags, \num
.endm

/* fa2 = op(fa0, fa1) with rounding mode rm */
.macro TEST_S2 op, num, res, flags, a, b, rm=dyn
    LOAD_S  fa0, \a
    LOAD_S  fa1, \b
    \op     fa2, fa0, fa1, \rm
    CHECK_S fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_D2 op, num, res, flags, a, b, rm=dyn
    LOAD_D  fa0, \a
    LOAD_D  fa1, \b
    \op     fa2, fa0, fa1, \rm
    CHECK_D fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* same, for instructions without an rm field (fmin, fmax, fsgnj*) */
.macro TEST_S2N op, num, res, flags, a, b
    LOAD_S  fa0, \a
    LOAD_S  fa1, \b
    \op     fa2, fa0, fa1
    CHECK_S fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_D2N op, num, res, flags, a, b
    LOAD_D  fa0, \a
    LOAD_D  fa1, \b
    \op     fa2, fa0, fa1
    CHECK_D fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* fa2 = op(fa0) */
.macro TEST_S1 op, num, res, flags, a, rm=dyn
    LOAD_S  fa0, \a
    \op     fa2, fa0, \rm
    CHECK_S fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_D1 op, num, res, flags, a, rm=dyn
    LOAD_D  fa0, \a
    \op     fa2, fa0, \rm
    CHECK_D fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* fa2 = op(fa0, fa1, fa3): fused multiply-add family */
.macro TEST_S3 op, num, res, flags, a, b, c, rm=dyn
    LOAD_S  fa0, \a
    LOAD_S  fa1, \b
    LOAD_S  fa3, \c
    \op     fa2, fa0, fa1, fa3, \rm
    CHECK_S fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_D3 op, num, res, flags, a, b, c, rm=dyn
    LOAD_D  fa0, \a
    LOAD_D  fa1, \b
    LOAD_D  fa3, \c
    \op     fa2, fa0, fa1, fa3, \rm
    CHECK_D fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* integer a2 = op(fa0, fa1): feq/flt/fle */
.macro TEST_CMP_S op, num, res, flags, a, b
    LOAD_S  fa0, \a
    LOAD_S  fa1, \b
    \op     a2, fa0, fa1
    CHECK_EQ a2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_CMP_D op, num, res, flags, a, b
    LOAD_D  fa0, \a
    LOAD_D  fa1, \b
    \op     a2, fa0, fa1
    CHECK_EQ a2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* integer a2 = fclass(fa0); fclass never raises flags */
.macro TEST_CLASS_S num, res, a
    LOAD_S  fa0, \a
    fclass.s a2, fa0
    CHECK_EQ a2, \res, \num
    CHECK_FLAGS 0, \num
.endm

.macro TEST_CLASS_D num, res, a
    LOAD_D  fa0, \a
    fclass.d a2, fa0
    CHECK_EQ a2, \res, \num
    CHECK_FLAGS 0, \num
.endm

/* integer a2 = op(fa0): fcvt.{w,wu,l,lu}.{s,d}; res is the full XLEN value */
.macro TEST_F2I_S op, num, res, flags, a, rm=dyn
    LOAD_S  fa0, \a
    \op     a2, fa0, \rm
    CHECK_EQ a2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_F2I_D op, num, res, flags, a, rm=dyn
    LOAD_D  fa0, \a
    \op     a2, fa0, \rm
    CHECK_EQ a2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* fa2 = op(integer a0): fcvt.{s,d}.{w,wu,l,lu} */
.macro TEST_I2F_S op, num, res, flags, a, rm=dyn
    li      a0, \a
    \op     fa2, a0, \rm
    CHECK_S fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

.macro TEST_I2F_D op, num, res, flags, a, rm=dyn
    li      a0, \a
    \op     fa2, a0, \rm
    CHECK_D fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* fa2 (single) = fcvt.s.d(fa0) */
.macro TEST_CVT_SD num, res, flags, a, rm=dyn
    LOAD_D  fa0, \a
    fcvt.s.d fa2, fa0, \rm
    CHECK_S fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* fa2 (double) = fcvt.d.s(fa0): always exact, so no rm operand */
.macro TEST_CVT_DS num, res, flags, a
    LOAD_S  fa0, \a
    fcvt.d.s fa2, fa0
    CHECK_D fa2, \res, \num
    CHECK_FLAGS \flags, \num
.endm

/* mstatus.FS/SD == fs/sd */
.macro CHECK_FS fs, sd, num
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_FS | MSTATUS_SD, \fs | \sd, \num
.endm

/*
 * After an EXPECT_TRAP resume label: an illegal-instruction trap at
 * `label`, with mtval = the instruction bits (32-bit instruction, or the
 * 16 bits of a compressed one for CHECK_ILLEGAL16).
 */
.macro CHECK_ILLEGAL label, num
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, \label, \num
    lwu     a5, 0(s10)
    CHECK_REG s11, a5, \num
.endm

.macro CHECK_ILLEGAL16 label, num
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, \label, \num
    lhu     a5, 0(s10)
    CHECK_REG s11, a5, \num
.endm

/* fadd.s ft0, ft0, ft0 with a reserved static rm (5 or 6); the assembler
 * refuses to encode those, so build the word: funct7 0, rm in 14:12,
 * opcode OP-FP 0x53. */
#define FADD_S_FT0_RM(rm) (((rm) << 12) | 0x53)

    TEST_BEGIN

    /* ------------------------------ misa ----------------------------- */
    csrr    a0, misa
    CHECK_MASK a0, (1 << 5) | (1 << 3), (1 << 5) | (1 << 3), 1   /* F, D */

    /* ------------------- mstatus.FS = Off: all illegal --------------- */
    li      t0, MSTATUS_FS
    csrc    mstatus, t0
    CHECK_FS 0, 0, 2

    EXPECT_TRAP .Loff1_resume
.Loff1:
    fadd.s  fa0, fa1, fa2
.Loff1_resume:
    CHECK_ILLEGAL .Loff1, 3

    EXPECT_TRAP .Loff2_resume
.Loff2:
    fmv.w.x fa0, a0
.Loff2_resume:
    CHECK_ILLEGAL .Loff2, 4

    EXPECT_TRAP .Loff3_resume
    li      a0, 0x5a5a
.Loff3:
    fmv.x.d a0, fa0                         /* reads FP state only */
.Loff3_resume:
    CHECK_ILLEGAL .Loff3, 5
    CHECK_EQ a0, 0x5a5a, 6                 /* rd not written */

    la      a1, fpdata
    EXPECT_TRAP .Loff4_resume
.Loff4:
    flw     fa0, 0(a1)
.Loff4_resume:
    CHECK_ILLEGAL .Loff4, 7

    la      a1, fpbuf
    sd      zero, 0(a1)
    EXPECT_TRAP .Loff5_resume
.Loff5:
    fsd     fa0, 0(a1)
.Loff5_resume:
    CHECK_ILLEGAL .Loff5, 8

    EXPECT_TRAP .Loff6_resume
.Loff6:
    csrr    a0, fcsr
.Loff6_resume:
    CHECK_ILLEGAL .Loff6, 9

    EXPECT_TRAP .Loff7_resume
.Loff7:
    csrwi   frm, 1
.Loff7_resume:
    CHECK_ILLEGAL .Loff7, 10

    EXPECT_TRAP .Loff8_resume
.Loff8:
    csrr    a0, fflags
.Loff8_resume:
    CHECK_ILLEGAL .Loff8, 11

    la      s0, fpdata
    EXPECT_TRAP .Loff9_resume
    .option push
    .option rvc
.Loff9:
    c.fld   fa0, 8(s0)
    .option pop
.Loff9_resume:
    CHECK_ILLEGAL16 .Loff9, 12

    EXPECT_TRAP .Loff10_resume
.Loff10:
    fcvt.w.d a0, fa0, rtz                   /* FP source, integer rd */
.Loff10_resume:
    CHECK_ILLEGAL .Loff10, 13

    /* none of the faulting instructions changed FS, or the memory */
    CHECK_FS 0, 0, 14
    la      a1, fpbuf
    ld      a0, 0(a1)
    CHECK_EQ a0, 0, 15

    /* ------------------- FS = Initial / Clean -> Dirty --------------- */
    li      t0, FS_INITIAL
    csrs    mstatus, t0
    CHECK_FS FS_INITIAL, 0, 16              /* SD only for Dirty */
    fmv.w.x ft0, zero                       /* writes an f register */
    CHECK_FS FS_DIRTY, MSTATUS_SD, 17

    li      t0, FS_INITIAL
    csrc    mstatus, t0                     /* Dirty (3) -> Clean (2) */
    CHECK_FS FS_CLEAN, 0, 18
    csrwi   fflags, 0                       /* writes an FP CSR */
    CHECK_FS FS_DIRTY, MSTATUS_SD, 19

    li      t0, FS_INITIAL
    csrc    mstatus, t0
    la      a1, fpdata
    flw     ft1, 0(a1)                      /* FP load */
    CHECK_FS FS_DIRTY, MSTATUS_SD, 20

    li      t0, FS_INITIAL
    csrc    mstatus, t0
    fadd.d  ft2, ft0, ft0                   /* FP arithmetic */
    CHECK_FS FS_DIRTY, MSTATUS_SD, 21

    li      t0, FS_INITIAL
    csrc    mstatus, t0
    csrwi   frm, 0
    CHECK_FS FS_DIRTY, MSTATUS_SD, 22

    /* sstatus shows the same FS and SD */
    csrr    a0, sstatus
    CHECK_MASK a0, MSTATUS_FS | MSTATUS_SD, FS_DIRTY | MSTATUS_SD, 23

    /* FS stays Dirty for the rest of the test. */

    /* --------------------- fflags / frm / fcsr CSRs ------------------ */
    csrw    fcsr, zero
    li      a1, 0xfff
    csrw    fcsr, a1                        /* bits 31:8 are reserved: */
    csrr    a0, fcsr                        /* writes ignored, read 0 */
    CHECK_EQ a0, 0xff, 24
    csrr    a0, fflags                      /* fcsr[4:0] */
    CHECK_EQ a0, 0x1f, 25
    csrr    a0, frm                         /* fcsr[7:5] */
    CHECK_EQ a0, 7, 26

    csrrw   a0, fflags, x0                  /* old value, then write 0 */
    CHECK_EQ a0, 0x1f, 27
    csrr    a0, fcsr
    CHECK_EQ a0, 0xe0, 28                   /* frm untouched */
    csrrwi  a0, frm, 2
    CHECK_EQ a0, 7, 29
    csrr    a0, fcsr
    CHECK_EQ a0, 0x40, 30
    csrrsi  a0, fflags, NX | OF
    CHECK_EQ a0, 0, 31
    csrr    a0, fcsr
    CHECK_EQ a0, 0x45, 32
    li      a1, 1
    csrrs   a0, frm, a1
    CHECK_EQ a0, 2, 33
    csrr    a0, fcsr
    CHECK_EQ a0, 0x65, 34                   /* frm = 3 */
    csrrci  a0, fflags, NX
    CHECK_EQ a0, 0x05, 35
    csrr    a0, fcsr
    CHECK_EQ a0, 0x64, 36
    li      a1, 0x60
    csrrc   a0, fcsr, a1
    CHECK_EQ a0, 0x64, 37
    csrr    a0, fcsr
    CHECK_EQ a0, 0x04, 38
    li      a1, -1
    csrrw   a0, frm, a1                     /* frm keeps only bits 2:0 */
    CHECK_EQ a0, 0, 39
    csrr    a0, fcsr
    CHECK_EQ a0, 0xe4, 40
    li      a1, 0x3f
    csrrw   a0, fflags, a1                  /* fflags keeps bits 4:0 */
    CHECK_EQ a0, 0x04, 41
    csrr    a0, fcsr
    CHECK_EQ a0, 0xff, 42
    csrrs   a0, fcsr, x0                    /* read only */
    CHECK_EQ a0, 0xff, 43
    csrrw   a0, fcsr, x0
    CHECK_EQ a0, 0xff, 44
    csrr    a0, fcsr
    CHECK_EQ a0, 0, 45
    /* the F pseudo-instructions are the same CSR accesses */
    fsrmi   a0, 4                           /* csrrwi a0, frm, 4 */
    CHECK_EQ a0, 0, 46
    frrm    a0
    CHECK_EQ a0, 4, 47
    fsflagsi a0, DZ
    CHECK_EQ a0, 0, 48
    frcsr   a0
    CHECK_EQ a0, (4 << 5) | DZ, 49
    fscsr   a0, x0
    CHECK_EQ a0, (4 << 5) | DZ, 50
    frcsr   a0
    CHECK_EQ a0, 0, 51

    /* ------------------------ static rounding modes ------------------
     * Five single-precision sums, exact value -> rounded result.  ulp(1.0)
     * is 2^-23, so the exact sums sit 0.75 ulp, or exactly half an ulp,
     * above 1.0 (or below -1.0), or half an ulp above 1 + 1 ulp (an odd
     * significand, where ties-to-even rounds up):
     *   A = 1 + 0.75u    RNE/RUP/RMM -> 1+u,   RTZ/RDN -> 1
     *   B = 1 + 0.5u     RNE (1 is even), RTZ, RDN -> 1;  RUP/RMM -> 1+u
     *   C = -(1 + 0.5u)  RNE, RTZ, RUP -> -1;  RDN/RMM -> -(1+u)
     *   D = 1+u + 0.5u   RNE (1+2u is even), RUP, RMM -> 1+2u; RTZ/RDN -> 1+u
     *   E = -(1 + 0.75u) RNE, RDN, RMM -> -(1+u); RTZ/RUP -> -1
     * All of them are inexact (NX).  frm is set to a different valid mode
     * (RMM, or RTZ for the rmm checks) to show that a static rm wins.
     * --------------------------------------------------------------- */
    fsrmi   4                               /* frm = RMM */
    TEST_S2 fadd.s, 52, S_ONE_1U,  NX, S_ONE,    S_3_2PM25,  rne
    TEST_S2 fadd.s, 53, S_ONE,     NX, S_ONE,    S_2PM24,    rne
    TEST_S2 fadd.s, 54, S_MONE,    NX, S_MONE,   S_M2PM24,   rne
    TEST_S2 fadd.s, 55, S_ONE_2U,  NX, S_ONE_1U, S_2PM24,    rne
    TEST_S2 fadd.s, 56, S_MONE_1U, NX, S_MONE,   S_M3_2PM25, rne

    TEST_S2 fadd.s, 57, S_ONE,     NX, S_ONE,    S_3_2PM25,  rtz
    TEST_S2 fadd.s, 58, S_ONE,     NX, S_ONE,    S_2PM24,    rtz
    TEST_S2 fadd.s, 59, S_MONE,    NX, S_MONE,   S_M2PM24,   rtz
    TEST_S2 fadd.s, 60, S_ONE_1U,  NX, S_ONE_1U, S_2PM24,    rtz
    TEST_S2 fadd.s, 61, S_MONE,    NX, S_MONE,   S_M3_2PM25, rtz

    TEST_S2 fadd.s, 62, S_ONE,     NX, S_ONE,    S_3_2PM25,  rdn
    TEST_S2 fadd.s, 63, S_ONE,     NX, S_ONE,    S_2PM24,    rdn
    TEST_S2 fadd.s, 64, S_MONE_1U, NX, S_MONE,   S_M2PM24,   rdn
    TEST_S2 fadd.s, 65, S_ONE_1U,  NX, S_ONE_1U, S_2PM24,    rdn
    TEST_S2 fadd.s, 66, S_MONE_1U, NX, S_MONE,   S_M3_2PM25, rdn

    TEST_S2 fadd.s, 67, S_ONE_1U,  NX, S_ONE,    S_3_2PM25,  rup
    TEST_S2 fadd.s, 68, S_ONE_1U,  NX, S_ONE,    S_2PM24,    rup
    TEST_S2 fadd.s, 69, S_MONE,    NX, S_MONE,   S_M2PM24,   rup
    TEST_S2 fadd.s, 70, S_ONE_2U,  NX, S_ONE_1U, S_2PM24,    rup
    TEST_S2 fadd.s, 71, S_MONE,    NX, S_MONE,   S_M3_2PM25, rup

    fsrmi   1                               /* frm = RTZ */
    TEST_S2 fadd.s, 72, S_ONE_1U,  NX, S_ONE,    S_3_2PM25,  rmm
    TEST_S2 fadd.s, 73, S_ONE_1U,  NX, S_ONE,    S_2PM24,    rmm
    TEST_S2 fadd.s, 74, S_MONE_1U, NX, S_MONE,   S_M2PM24,   rmm
    TEST_S2 fadd.s, 75, S_ONE_2U,  NX, S_ONE_1U, S_2PM24,    rmm
    TEST_S2 fadd.s, 76, S_MONE_1U, NX, S_MONE,   S_M3_2PM25, rmm

    /* Double: ulp(1.0) = 2^-52; the same A, B, C with 2^-53 = 0.5 ulp. */
    fsrmi   4
    TEST_D2 fadd.d, 77, D_ONE_1U,  NX, D_ONE,  D_3_2PM54, rne
    TEST_D2 fadd.d, 78, D_ONE,     NX, D_ONE,  D_2PM53,   rne
    TEST_D2 fadd.d, 79, D_MONE,    NX, D_MONE, D_M2PM53,  rne
    TEST_D2 fadd.d, 80, D_ONE,     NX, D_ONE,  D_3_2PM54, rtz
    TEST_D2 fadd.d, 81, D_ONE,     NX, D_ONE,  D_2PM53,   rtz
    TEST_D2 fadd.d, 82, D_MONE,    NX, D_MONE, D_M2PM53,  rtz
    TEST_D2 fadd.d, 83, D_ONE,     NX, D_ONE,  D_3_2PM54, rdn
    TEST_D2 fadd.d, 84, D_ONE,     NX, D_ONE,  D_2PM53,   rdn
    TEST_D2 fadd.d, 85, D_MONE_1U, NX, D_MONE, D_M2PM53,  rdn
    TEST_D2 fadd.d, 86, D_ONE_1U,  NX, D_ONE,  D_3_2PM54, rup
    TEST_D2 fadd.d, 87, D_ONE_1U,  NX, D_ONE,  D_2PM53,   rup
    TEST_D2 fadd.d, 88, D_MONE,    NX, D_MONE, D_M2PM53,  rup
    fsrmi   1
    TEST_D2 fadd.d, 89, D_ONE_1U,  NX, D_ONE,  D_3_2PM54, rmm
    TEST_D2 fadd.d, 90, D_ONE_1U,  NX, D_ONE,  D_2PM53,   rmm
    TEST_D2 fadd.d, 91, D_MONE_1U, NX, D_MONE, D_M2PM53,  rmm

    /* ---------------- dynamic rounding modes (rm = dyn, frm) --------- */
    fsrmi   0                               /* RNE */
    TEST_S2 fadd.s, 92, S_ONE_1U,  NX, S_ONE,    S_3_2PM25
    TEST_S2 fadd.s, 93, S_ONE,     NX, S_ONE,    S_2PM24
    TEST_S2 fadd.s, 94, S_MONE,    NX, S_MONE,   S_M2PM24
    TEST_S2 fadd.s, 95, S_ONE_2U,  NX, S_ONE_1U, S_2PM24
    TEST_S2 fadd.s, 96, S_MONE_1U, NX, S_MONE,   S_M3_2PM25
    TEST_D2 fadd.d, 97, D_ONE,     NX, D_ONE,    D_2PM53
    fsrmi   1                               /* RTZ */
    TEST_S2 fadd.s, 98, S_ONE,     NX, S_ONE,    S_3_2PM25
    TEST_S2 fadd.s, 99, S_ONE,     NX, S_ONE,    S_2PM24
    TEST_S2 fadd.s, 100, S_MONE,    NX, S_MONE,   S_M2PM24
    TEST_S2 fadd.s, 101, S_ONE_1U,  NX, S_ONE_1U, S_2PM24
    TEST_S2 fadd.s, 102, S_MONE,    NX, S_MONE,   S_M3_2PM25
    TEST_D2 fadd.d, 103, D_ONE,     NX, D_ONE,    D_3_2PM54
    fsrmi   2                               /* RDN */
    TEST_S2 fadd.s, 104, S_ONE,     NX, S_ONE,    S_3_2PM25
    TEST_S2 fadd.s, 105, S_ONE,     NX, S_ONE,    S_2PM24
    TEST_S2 fadd.s, 106, S_MONE_1U, NX, S_MONE,   S_M2PM24
    TEST_S2 fadd.s, 107, S_ONE_1U,  NX, S_ONE_1U, S_2PM24
    TEST_S2 fadd.s, 108, S_MONE_1U, NX, S_MONE,   S_M3_2PM25
    TEST_D2 fadd.d, 109, D_MONE_1U, NX, D_MONE,   D_M2PM53
    fsrmi   3                               /* RUP */
    TEST_S2 fadd.s, 110, S_ONE_1U,  NX, S_ONE,    S_3_2PM25
    TEST_S2 fadd.s, 111, S_ONE_1U,  NX, S_ONE,    S_2PM24
    TEST_S2 fadd.s, 112, S_MONE,    NX, S_MONE,   S_M2PM24
    TEST_S2 fadd.s, 113, S_ONE_2U,  NX, S_ONE_1U, S_2PM24
    TEST_S2 fadd.s, 114, S_MONE,    NX, S_MONE,   S_M3_2PM25
    TEST_D2 fadd.d, 115, D_ONE_1U,  NX, D_ONE,    D_2PM53
    fsrmi   4                               /* RMM */
    TEST_S2 fadd.s, 116, S_ONE_1U,  NX, S_ONE,    S_3_2PM25
    TEST_S2 fadd.s, 117, S_ONE_1U,  NX, S_ONE,    S_2PM24
    TEST_S2 fadd.s, 118, S_MONE_1U, NX, S_MONE,   S_M2PM24
    TEST_S2 fadd.s, 119, S_ONE_2U,  NX, S_ONE_1U, S_2PM24
    TEST_S2 fadd.s, 120, S_MONE_1U, NX, S_MONE,   S_M3_2PM25
    TEST_D2 fadd.d, 121, D_MONE_1U, NX, D_MONE,   D_M2PM53
    /* an exact sum is unaffected by the mode and raises nothing */
    TEST_S2 fadd.s, 122, S_TWO,     0,  S_ONE,    S_ONE
    fsrmi   0

    /* ----------------- invalid frm with a dynamic rm ----------------- */
    LOAD_S  fa0, S_ONE
    LOAD_S  fa1, S_THREE
    LOAD_D  fa2, 0x0123456789abcdef         /* sentinel */
    csrwi   fflags, 0
    csrwi   frm, 5
    EXPECT_TRAP .Lfrm1_resume
.Lfrm1:
    fdiv.s  fa2, fa0, fa1                   /* 1/3 would set NX */
.Lfrm1_resume:
    CHECK_ILLEGAL .Lfrm1, 123
    CHECK_D fa2, 0x0123456789abcdef, 124     /* rd not written */
    csrr    a0, fcsr
    CHECK_EQ a0, 5 << 5, 125                 /* no flags, frm still 5 */

    csrwi   frm, 6
    EXPECT_TRAP .Lfrm2_resume
.Lfrm2:
    fmul.d  fa2, fa0, fa1, dyn
.Lfrm2_resume:
    CHECK_ILLEGAL .Lfrm2, 126

    csrwi   frm, 7                          /* 7 = "dynamic": invalid in frm */
    EXPECT_TRAP .Lfrm3_resume
.Lfrm3:
    fsqrt.s fa2, fa1
.Lfrm3_resume:
    CHECK_ILLEGAL .Lfrm3, 127

    csrwi   frm, 5
    li      a0, 0x5a5a
    EXPECT_TRAP .Lfrm4_resume
.Lfrm4:
    fcvt.w.s a0, fa1                        /* integer rd */
.Lfrm4_resume:
    CHECK_ILLEGAL .Lfrm4, 128
    CHECK_EQ a0, 0x5a5a, 129

    EXPECT_TRAP .Lfrm5_resume
.Lfrm5:
    fmadd.d fa2, fa0, fa1, fa0
.Lfrm5_resume:
    CHECK_ILLEGAL .Lfrm5, 130
    CHECK_D fa2, 0x0123456789abcdef, 131
    CHECK_FLAGS 0, 132

    /* still frm = 5: a static rm, or no rm field at all, is fine */
    TEST_S2 fadd.s, 133, S_ONE_1U, NX, S_ONE, S_2PM24, rup
    TEST_S2N fsgnjn.s, 134, S_MONE, 0, S_ONE, S_ONE
    TEST_S2N fmin.s, 135, S_ONE, 0, S_ONE, S_THREE
    TEST_CMP_S flt.s, 136, 1, 0, S_ONE, S_THREE
    csrr    a0, frm
    CHECK_EQ a0, 5, 137

    /* a reserved static rm (5, 6) is illegal whatever frm holds */
    csrwi   frm, 0
    EXPECT_TRAP .Lrm5_resume
.Lrm5:
    .word   FADD_S_FT0_RM(5)                /* fadd.s ft0, ft0, ft0, rm=5 */
.Lrm5_resume:
    CHECK_ILLEGAL .Lrm5, 138
    EXPECT_TRAP .Lrm6_resume
.Lrm6:
    .word   FADD_S_FT0_RM(6)
.Lrm6_resume:
    CHECK_ILLEGAL .Lrm6, 139
    /* ... and the same word with rm = 7 (dyn, frm = RNE) executes */
    LOAD_S  ft0, S_ONE
    .word   FADD_S_FT0_RM(7)                /* ft0 = 1 + 1 */
    CHECK_S ft0, S_TWO, 140

    /* ----------------------------- fflags ---------------------------- */
    csrw    fcsr, zero
    /* NX: 1/3 is not representable; RNE: 0x3eaaaaab (the 25th bit of
       1/3 = 0.0101...b is 1 and more bits follow -> round up) */
    TEST_S2 fdiv.s, 141, 0x3eaaaaab, NX, S_ONE, S_THREE
    TEST_S2 fdiv.s, 142, 0x3eaaaaaa, NX, S_ONE, S_THREE, rtz
    /* UF: 2^-100 * 2^-100 = 2^-200 is far below 2^-149 -> +0, inexact */
    TEST_S2 fmul.s, 143, S_PZERO, UF | NX, 0x0d800000, 0x0d800000
    /* an exact subnormal result is not an underflow: 2^-126 * 0.5 =
       2^-127 = 0x00400000 (frac bit 22) */
    TEST_S2 fmul.s, 144, 0x00400000, 0, S_MIN_NORM, S_HALF
    /* (2^-126 + 2^-149) * 0.5 = 2^-127 + 2^-150: half a subnormal ulp
       (2^-149) above 0x00400000 (even) -> 0x00400000, UF + NX */
    TEST_S2 fmul.s, 145, 0x00400000, UF | NX, 0x00800001, S_HALF
    /* tininess is detected after rounding: 2^-126 - 2^-151 (computed
       exactly by fmadd: -2^-75 * 2^-76 + 2^-126) rounds to 2^-126 both
       with an unbounded exponent and in the subnormal grid, so it is not
       tiny: NX only, no UF */
    TEST_S3 fmadd.s, 146, S_MIN_NORM, NX, 0x9a000000, 0x19800000, S_MIN_NORM, rne
    /* double: 2^-600 * 2^-600 -> +0 (exp field of 2^-600 = 423 = 0x1a7) */
    TEST_D2 fmul.d, 147, D_PZERO, UF | NX, 0x1a70000000000000, 0x1a70000000000000
    /* a subnormal double result that is exact: 2^-1022 * 2^-52 = 2^-1074 */
    TEST_D2 fmul.d, 148, D_MIN_SUB, 0, D_MIN_NORM, 0x3cb0000000000000
    /* OF: 2^127 * 2^127 = 2^254: RNE -> +inf; RTZ/RDN -> largest finite;
       negative with RUP -> -largest finite, with RDN -> -inf */
    TEST_S2 fmul.s, 149, S_PINF, OF | NX, S_2P127, S_2P127
    TEST_S2 fmul.s, 150, S_MAX,  OF | NX, S_2P127, S_2P127, rtz
    TEST_S2 fmul.s, 151, S_MAX,  OF | NX, S_2P127, S_2P127, rdn
    TEST_S2 fmul.s, 152, S_MMAX, OF | NX, S_M2P127, S_2P127, rup
    TEST_S2 fmul.s, 153, S_NINF, OF | NX, S_M2P127, S_2P127, rdn
    TEST_S2 fadd.s, 154, S_PINF, OF | NX, S_MAX, S_MAX
    TEST_D2 fmul.d, 155, D_PINF, OF | NX, D_2P1023, D_TWO
    TEST_D2 fadd.d, 156, D_MAX,  OF | NX, D_MAX, D_MAX, rtz
    /* DZ: finite nonzero / zero -> correctly signed infinity */
    TEST_S2 fdiv.s, 157, S_PINF, DZ, S_ONE, S_PZERO
    TEST_S2 fdiv.s, 158, S_NINF, DZ, S_ONE, S_NZERO
    TEST_D2 fdiv.d, 159, D_NINF, DZ, D_MONE, D_PZERO
    /* ... but inf / 0 is an exact infinity (no DZ), 0 / 0 is invalid */
    TEST_S2 fdiv.s, 160, S_PINF, 0,  S_PINF, S_PZERO
    TEST_S2 fdiv.s, 161, S_QNAN, NV, S_PZERO, S_PZERO
    /* NV: inf - inf, 0 * inf, inf / inf, any signalling NaN operand;
       the result is the canonical NaN (payloads are not propagated) */
    TEST_S2 fsub.s, 162, S_QNAN, NV, S_PINF, S_PINF
    TEST_S2 fadd.s, 163, S_QNAN, NV, S_PINF, S_NINF
    TEST_S2 fmul.s, 164, S_QNAN, NV, S_PZERO, S_NINF
    TEST_D2 fdiv.d, 165, D_QNAN, NV, D_PINF, D_NINF
    TEST_D2 fmul.d, 166, D_QNAN, NV, D_PINF, D_NZERO
    TEST_S2 fadd.s, 167, S_QNAN, NV, S_SNAN, S_ONE
    TEST_D2 fsub.d, 168, D_QNAN, NV, D_ONE, D_SNAN
    /* a quiet NaN operand: canonical NaN, no flags */
    TEST_S2 fadd.s, 169, S_QNAN, 0,  S_QNAN_P, S_ONE
    TEST_D2 fmul.d, 170, D_QNAN, 0,  D_TWO, D_QNAN_P
    TEST_S2 fdiv.s, 171, S_QNAN, 0,  S_QNAN_P, S_PZERO     /* no DZ either */

    /* accrued: flags are ORed in until cleared */
    csrwi   fflags, 0
    LOAD_S  fa0, S_ONE
    LOAD_S  fa1, S_THREE
    LOAD_S  fa3, S_PZERO
    fdiv.s  fa2, fa0, fa1                   /* NX */
    fdiv.s  fa2, fa0, fa3                   /* DZ */
    frflags a0
    CHECK_EQ a0, NX | DZ, 172
    fadd.s  fa2, fa0, fa0                   /* exact: flags unchanged */
    frflags a0
    CHECK_EQ a0, NX | DZ, 173
    LOAD_S  fa1, S_MONE
    fsqrt.s fa2, fa1                        /* NV */
    frflags a0
    CHECK_EQ a0, NX | DZ | NV, 174
    LOAD_S  fa0, S_2P127
    fmul.s  fa2, fa0, fa0                   /* OF | NX */
    LOAD_S  fa0, 0x0d800000
    fmul.s  fa2, fa0, fa0                   /* UF | NX */
    frcsr   a0
    CHECK_EQ a0, 0x1f, 175                   /* frm = 0, all five flags */
    CHECK_FLAGS 0x1f, 176
    frflags a0
    CHECK_EQ a0, 0, 177

    /* --------------------------- NaN boxing -------------------------- */
    li      a0, S_ONE                       /* upper 32 bits zero: */
    fmv.d.x fa0, a0                         /* not a valid boxed single */
    fadd.s  fa2, fa0, fa0                   /* operand = canonical NaN */
    CHECK_S fa2, S_QNAN, 178
    CHECK_FLAGS 0, 179                       /* a quiet NaN: no NV */
    fmv.s   fa2, fa0                        /* fsgnj.s: also not a transfer */
    CHECK_S fa2, S_QNAN, 180
    fclass.s a2, fa0
    CHECK_EQ a2, 1 << 9, 181                 /* quiet NaN */
    fmv.x.w a2, fa0                         /* transfers ignore bits 63:32 */
    CHECK_EQ a2, S_ONE, 182
    la      a1, fpbuf
    li      a2, -1
    sd      a2, 0(a1)
    fsw     fa0, 0(a1)                      /* stores only the low word */
    ld      a2, 0(a1)
    CHECK_EQ a2, 0xffffffff3f800000, 183
    li      a0, 0xfffffffe3f800000          /* upper half not all ones */
    fmv.d.x fa0, a0
    fmul.s  fa2, fa0, fa0
    CHECK_S fa2, S_QNAN, 184
    li      a0, 0xffffffff3f800000          /* properly boxed 1.0 */
    fmv.d.x fa0, a0
    fadd.s  fa2, fa0, fa0
    CHECK_S fa2, S_TWO, 185
    /* ... which as a double is a (negative, quiet) NaN */
    fadd.d  fa2, fa0, fa0
    CHECK_D fa2, D_QNAN, 186
    CHECK_FLAGS 0, 187
    /* flw and fmv.w.x write a boxed value */
    la      a1, fpdata
    flw     fa0, 0(a1)                      /* 0x40490fdb (pi) */
    fmv.x.d a2, fa0
    CHECK_EQ a2, 0xffffffff40490fdb, 188
    li      a0, 0x123456783f800000
    fmv.w.x fa0, a0                         /* uses a0[31:0] only */
    fmv.x.d a2, fa0
    CHECK_EQ a2, 0xffffffff3f800000, 189
    /* fmv.x.w sign-extends bit 31 */
    LOAD_S  fa0, 0x80000000
    fmv.x.w a2, fa0
    CHECK_EQ a2, 0xffffffff80000000, 190
    LOAD_S  fa0, 0x7f800000
    fmv.x.w a2, fa0
    CHECK_EQ a2, 0x7f800000, 191
    /* loads, stores and moves do not canonicalise signalling NaNs */
    flw     fa0, 4(a1)                      /* 0x7f800001 */
    fmv.x.w a2, fa0
    CHECK_EQ a2, S_SNAN, 192
    fld     fa0, 16(a1)                     /* 0x7ff0000000000001 */
    fmv.x.d a2, fa0
    CHECK_EQ a2, D_SNAN, 193
    la      a3, fpbuf
    fsd     fa0, 8(a3)
    ld      a2, 8(a3)
    CHECK_EQ a2, D_SNAN, 194
    fmv.d   fa2, fa0                        /* fsgnj.d */
    CHECK_D fa2, D_SNAN, 195
    CHECK_FLAGS 0, 196

    /* ----------------------- sign injection ------------------------- */
    TEST_S2N fsgnj.s,  197, S_MONE, 0, S_ONE,  S_NZERO
    TEST_S2N fsgnjn.s, 198, S_ONE,  0, S_ONE,  S_MONE
    TEST_S2N fsgnjx.s, 199, S_ONE,  0, S_MONE, S_MONE
    TEST_S2N fsgnjx.s, 200, S_NZERO, 0, S_PZERO, S_MONE
    TEST_S2N fsgnjn.s, 201, 0xff800001, 0, S_SNAN, S_SNAN   /* sign of NaN */
    TEST_D2N fsgnj.d,  202, 0xfff8000000012345, 0, D_QNAN_P, D_MONE
    TEST_D2N fsgnjn.d, 203, D_NZERO, 0, D_PZERO, D_PZERO
    TEST_D2N fsgnjx.d, 204, D_ONE,  0, D_MONE, D_NINF

    /* --------------------------- fmin / fmax ------------------------- */
    /* -0 is less than +0 (for these instructions), in either order */
    TEST_S2N fmin.s, 205, S_NZERO, 0, S_NZERO, S_PZERO
    TEST_S2N fmin.s, 206, S_NZERO, 0, S_PZERO, S_NZERO
    TEST_S2N fmax.s, 207, S_PZERO, 0, S_NZERO, S_PZERO
    TEST_S2N fmax.s, 208, S_PZERO, 0, S_PZERO, S_NZERO
    TEST_S2N fmin.s, 209, S_MONE,  0, S_THREE, S_MONE
    TEST_S2N fmax.s, 210, S_PINF,  0, S_PINF, S_THREE
    /* one NaN: the other operand; NV only if that NaN is signalling */
    TEST_S2N fmin.s, 211, S_ONE,   0,  S_QNAN_P, S_ONE
    TEST_S2N fmax.s, 212, S_ONE,   0,  S_ONE, S_QNAN_P
    TEST_S2N fmin.s, 213, S_ONE,   NV, S_SNAN, S_ONE
    TEST_S2N fmax.s, 214, S_MONE,  NV, S_MONE, S_SNAN
    /* two NaNs: the canonical NaN */
    TEST_S2N fmin.s, 215, S_QNAN,  0,  S_QNAN_P, S_QNAN_P
    TEST_S2N fmax.s, 216, S_QNAN,  NV, S_SNAN, S_QNAN_P
    TEST_D2N fmin.d, 217, D_NZERO, 0,  D_PZERO, D_NZERO
    TEST_D2N fmax.d, 218, D_PZERO, 0,  D_NZERO, D_PZERO
    TEST_D2N fmin.d, 219, D_TWO,   0,  D_TWO, D_QNAN_P
    TEST_D2N fmax.d, 220, D_NINF,  NV, D_SNAN, D_NINF
    TEST_D2N fmax.d, 221, D_QNAN,  0,  D_QNAN_P, D_QNAN_P
    TEST_D2N fmin.d, 222, D_QNAN,  NV, D_QNAN_P, D_SNAN

    /* ------------------- float -> integer conversions ----------------
     * Out of range inputs (after rounding), infinities and NaNs give
     * (spec table "domains and invalid behaviors"):
     *                  NaN / +inf / too big    -inf / too small
     *   fcvt.w         2^31 - 1                -2^31
     *   fcvt.wu        2^32 - 1                0
     *   fcvt.l         2^63 - 1                -2^63
     *   fcvt.lu        2^64 - 1                0
     * with NV.  32-bit results are sign-extended to 64 bits.
     * --------------------------------------------------------------- */
    TEST_F2I_S fcvt.w.s, 223, 0x7fffffff, NV, S_QNAN, rtz
    TEST_F2I_S fcvt.w.s, 224, 0x7fffffff, NV, 0xffc00000, rtz     /* -NaN */
    TEST_F2I_S fcvt.w.s, 225, 0x7fffffff, NV, S_PINF, rtz
    TEST_F2I_S fcvt.w.s, 226, 0xffffffff80000000, NV, S_NINF, rtz
    TEST_F2I_S fcvt.w.s, 227, 0x7fffffff, NV, 0x4f000000, rtz     /* 2^31 */
    TEST_F2I_S fcvt.w.s, 228, 0xffffffff80000000, 0, 0xcf000000, rtz /* -2^31 fits */
    TEST_F2I_S fcvt.w.s, 229, 0xffffffff80000000, NV, 0xcf32d05e, rtz /* -3e9 */
    /* rounding: 1.5 and 2.5 -> 2 (RNE), -1.5 -> -1 (RTZ), -2 (RDN) */
    TEST_F2I_S fcvt.w.s, 230, 2, NX, 0x3fc00000, rne
    TEST_F2I_S fcvt.w.s, 231, 2, NX, 0x40200000, rne
    TEST_F2I_S fcvt.w.s, 232, 0xffffffffffffffff, NX, 0xbfc00000, rtz
    TEST_F2I_S fcvt.w.s, 233, 0xfffffffffffffffe, NX, 0xbfc00000, rdn
    TEST_F2I_S fcvt.w.s, 234, 3, NX, 0x40200000, rmm              /* 2.5 */

    TEST_F2I_S fcvt.wu.s, 235, 0xffffffffffffffff, NV, S_QNAN, rtz /* 2^32-1, sext */
    TEST_F2I_S fcvt.wu.s, 236, 0xffffffffffffffff, NV, S_PINF, rtz
    TEST_F2I_S fcvt.wu.s, 237, 0, NV, S_NINF, rtz
    TEST_F2I_S fcvt.wu.s, 238, 0xffffffffffffffff, NV, 0x4f800000, rtz /* 2^32 */
    TEST_F2I_S fcvt.wu.s, 239, 0, NV, S_MONE, rtz
    /* -0.5 rounds (RTZ) to 0, which is representable: only NX; with RNE
       -0.75 rounds to -1: invalid */
    TEST_F2I_S fcvt.wu.s, 240, 0, NX, 0xbf000000, rtz
    TEST_F2I_S fcvt.wu.s, 241, 0, NV, 0xbf400000, rne
    /* 3e9 = 0xb2d05e00 fits in 32 unsigned bits (exactly representable as
       a single: 0x4f32d05e); the 32-bit result is sign-extended */
    TEST_F2I_S fcvt.wu.s, 242, 0xffffffffb2d05e00, 0, 0x4f32d05e, rtz

    TEST_F2I_D fcvt.l.d, 243, 0x7fffffffffffffff, NV, D_QNAN, rtz
    TEST_F2I_D fcvt.l.d, 244, 0x7fffffffffffffff, NV, D_SNAN, rtz
    TEST_F2I_D fcvt.l.d, 245, 0x7fffffffffffffff, NV, D_PINF, rtz
    TEST_F2I_D fcvt.l.d, 246, 0x8000000000000000, NV, D_NINF, rtz
    TEST_F2I_D fcvt.l.d, 247, 0x7fffffffffffffff, NV, 0x43e158e460913d00, rtz /* 1e19 */
    TEST_F2I_D fcvt.l.d, 248, 0x8000000000000000, NV, 0xc3e158e460913d00, rtz /* -1e19 */
    TEST_F2I_D fcvt.l.d, 249, 0x7fffffffffffffff, NV, 0x43e0000000000000, rtz /* 2^63 */
    TEST_F2I_D fcvt.l.d, 250, 0x8000000000000000, 0,  0xc3e0000000000000, rtz /* -2^63 fits */
    TEST_F2I_D fcvt.l.d, 251, 0xfffffffffffffffe, NX, 0xc004000000000000, rne /* -2.5 -> -2 */

    TEST_F2I_D fcvt.lu.d, 252, 0xffffffffffffffff, NV, D_QNAN, rtz
    TEST_F2I_D fcvt.lu.d, 253, 0xffffffffffffffff, NV, D_PINF, rtz
    TEST_F2I_D fcvt.lu.d, 254, 0, NV, D_NINF, rtz
    TEST_F2I_D fcvt.lu.d, 255, 0xffffffffffffffff, NV, 0x43f0000000000000, rtz /* 2^64 */
    TEST_F2I_D fcvt.lu.d, 257, 0, NV, D_MONE, rtz
    TEST_F2I_D fcvt.lu.d, 258, 0, 0, D_NZERO, rtz
    /* 2^64 - 2^11 (largest double below 2^64) is exact */
    TEST_F2I_D fcvt.lu.d, 259, 0xfffffffffffff800, 0, 0x43efffffffffffff, rtz
    /* and the mixed-width ones */
    TEST_F2I_D fcvt.w.d, 260, 0xffffffff80000000, NV, 0xc1e65a0bc0000000, rtz /* -3e9 */
    TEST_F2I_D fcvt.wu.d, 261, 0xffffffffb2d05e00, 0, 0x41e65a0bc0000000, rtz /* 3e9 */
    TEST_F2I_S fcvt.l.s, 262, 0x7fffffffffffffff, NV, S_PINF, rtz
    TEST_F2I_S fcvt.lu.s, 263, 0xffffffffffffffff, NV, S_SNAN, rtz

    /* ------------------- integer -> float conversions ---------------- */
    /* 2^24 + 1 needs 25 bits: a tie between 2^24 (even) and 2^24 + 2 */
    TEST_I2F_S fcvt.s.w, 264, 0x4b800000, NX, 0x1000001, rne
    TEST_I2F_S fcvt.s.w, 265, 0x4b800001, NX, 0x1000001, rup
    TEST_I2F_S fcvt.s.w, 266, 0xcf000000, 0, 0xffffffff80000000, rne /* -2^31 */
    /* fcvt.s.wu reads rs1[31:0] unsigned: 0xffffffff = 2^32 - 1 -> 2^32 */
    TEST_I2F_S fcvt.s.wu, 267, 0x4f800000, NX, 0xffffffffffffffff, rne
    TEST_I2F_S fcvt.s.lu, 268, 0x5f800000, NX, 0xffffffffffffffff, rne /* 2^64 */
    TEST_I2F_S fcvt.s.l, 269, 0xbf800000, 0, -1, rne
    /* 2^53 + 1: tie between 2^53 (even) and 2^53 + 2 */
    TEST_I2F_D fcvt.d.l, 270, 0x4340000000000000, NX, 0x20000000000001, rne
    TEST_I2F_D fcvt.d.l, 271, 0x4340000000000001, NX, 0x20000000000001, rmm
    TEST_I2F_D fcvt.d.lu, 272, 0x43f0000000000000, NX, 0xffffffffffffffff, rne
    TEST_I2F_D fcvt.d.lu, 273, 0x43efffffffffffff, NX, 0xffffffffffffffff, rtz
    li      a0, 0xffffffffffffffff
    fcvt.d.wu fa2, a0                       /* exact: 2^32 - 1 */
    CHECK_D fa2, 0x41efffffffe00000, 274
    li      a0, 0x00000000ffffffff
    fcvt.d.w fa2, a0                        /* rs1[31:0] signed = -1 */
    CHECK_D fa2, D_MONE, 275
    CHECK_FLAGS 0, 276

    /* ----------------------------- fclass ---------------------------- */
    TEST_CLASS_S 277, 1 << 0, S_NINF
    TEST_CLASS_S 278, 1 << 1, S_MONE
    TEST_CLASS_S 279, 1 << 2, 0x807fffff     /* negative subnormal */
    TEST_CLASS_S 280, 1 << 3, S_NZERO
    TEST_CLASS_S 281, 1 << 4, S_PZERO
    TEST_CLASS_S 282, 1 << 5, S_MIN_SUB
    TEST_CLASS_S 283, 1 << 6, S_MIN_NORM
    TEST_CLASS_S 284, 1 << 7, S_PINF
    TEST_CLASS_S 285, 1 << 8, S_SNAN
    TEST_CLASS_S 286, 1 << 9, S_QNAN_P
    TEST_CLASS_S 287, 1 << 8, 0xffbfffff     /* negative sNaN */
    TEST_CLASS_D 288, 1 << 0, D_NINF
    TEST_CLASS_D 289, 1 << 1, 0xffefffffffffffff /* -max */
    TEST_CLASS_D 290, 1 << 2, 0x8000000000000001
    TEST_CLASS_D 291, 1 << 3, D_NZERO
    TEST_CLASS_D 292, 1 << 4, D_PZERO
    TEST_CLASS_D 293, 1 << 5, 0x000fffffffffffff /* largest subnormal */
    TEST_CLASS_D 294, 1 << 6, D_ONE
    TEST_CLASS_D 295, 1 << 7, D_PINF
    TEST_CLASS_D 296, 1 << 8, 0x7ff7ffffffffffff
    TEST_CLASS_D 297, 1 << 9, D_QNAN

    /* --------------------------- comparisons ------------------------- */
    /* feq is a quiet comparison (NV only for sNaN); flt/fle signal on
       any NaN.  Every comparison with a NaN is false. */
    TEST_CMP_S feq.s, 298, 0, 0,  S_QNAN, S_ONE
    TEST_CMP_S feq.s, 299, 0, 0,  S_QNAN, S_QNAN
    TEST_CMP_S flt.s, 300, 0, NV, S_QNAN, S_ONE
    TEST_CMP_S fle.s, 301, 0, NV, S_ONE, S_QNAN
    TEST_CMP_S feq.s, 302, 0, NV, S_SNAN, S_ONE
    TEST_CMP_S feq.s, 303, 1, 0,  S_NZERO, S_PZERO   /* -0 == +0 */
    TEST_CMP_S flt.s, 304, 0, 0,  S_NZERO, S_PZERO
    TEST_CMP_S fle.s, 305, 1, 0,  S_PZERO, S_NZERO
    TEST_CMP_S flt.s, 306, 1, 0,  S_MONE, S_ONE
    TEST_CMP_S fle.s, 307, 0, 0,  S_THREE, S_ONE
    TEST_CMP_S flt.s, 308, 1, 0,  S_NINF, S_MMAX
    TEST_CMP_D feq.d, 309, 0, 0,  D_QNAN_P, D_QNAN_P
    TEST_CMP_D flt.d, 310, 0, NV, D_ONE, D_QNAN
    TEST_CMP_D fle.d, 311, 0, NV, D_QNAN, D_QNAN
    TEST_CMP_D feq.d, 312, 0, NV, D_ONE, D_SNAN
    TEST_CMP_D feq.d, 313, 1, 0,  D_PZERO, D_NZERO
    TEST_CMP_D fle.d, 314, 1, 0,  D_ONE, D_ONE
    TEST_CMP_D flt.d, 315, 0, 0,  D_ONE, D_ONE
    TEST_CMP_D flt.d, 316, 1, 0,  D_MIN_SUB, D_MIN_NORM

    /* --------------------- fused multiply-add ------------------------
     * Double: a = 1 + 2^-30, b = 1 - 2^-30, so a*b = 1 - 2^-60 exactly.
     * Fused, a*b - 1 = -2^-60 (exact, no flags); a separate multiply
     * would round a*b to 1.0 and give 0.  2^-60: exp 963 = 0x3c3.
     * --------------------------------------------------------------- */
#define D_A      0x3ff0000000400000         /* 1 + 2^-30 */
#define D_B      0x3fefffffff800000         /* 1 - 2^-30 */
#define D_2PM60  0x3c30000000000000
#define D_M2PM60 0xbc30000000000000
    TEST_D3 fmadd.d,  317, D_M2PM60, 0, D_A, D_B, D_MONE  /*  a*b + -1 */
    TEST_D3 fmsub.d,  318, D_M2PM60, 0, D_A, D_B, D_ONE   /*  a*b - 1  */
    TEST_D3 fnmsub.d, 319, D_2PM60,  0, D_A, D_B, D_ONE   /* -a*b + 1  */
    TEST_D3 fnmadd.d, 320, D_2PM60,  0, D_A, D_B, D_MONE  /* -a*b - -1 */
    /* a*b + 0 rounds once: 1 - 2^-60 -> 1.0 (RNE), 1 - 2^-53 (RTZ) */
    TEST_D3 fmadd.d,  321, D_ONE, NX, D_A, D_B, D_PZERO, rne
    TEST_D3 fmadd.d,  322, 0x3fefffffffffffff, NX, D_A, D_B, D_PZERO, rtz
    /* Single: a = 1 + 2^-13, b = 1 - 2^-13, a*b = 1 - 2^-26 (not a single);
       a*b - 1 = -2^-26: exp 101 = 0x65 */
#define S_A      0x3f800400
#define S_B      0x3f7ff800
    TEST_S3 fmadd.s,  323, 0xb2800000, 0, S_A, S_B, S_MONE
    TEST_S3 fmsub.s,  324, 0xb2800000, 0, S_A, S_B, S_ONE
    TEST_S3 fnmsub.s, 325, 0x32800000, 0, S_A, S_B, S_ONE
    TEST_S3 fnmadd.s, 326, 0x32800000, 0, S_A, S_B, S_MONE
    /* 1*1 + 2^-24: tie, rounded once by rm */
    TEST_S3 fmadd.s,  327, S_ONE_1U, NX, S_ONE, S_ONE, S_2PM24, rup
    TEST_S3 fmadd.s,  328, S_ONE,    NX, S_ONE, S_ONE, S_2PM24, rne
    /* fnmadd of positive values is -(a*b) - c: -(2*3) - 1 = -7 */
    TEST_S3 fnmadd.s, 329, 0xc0e00000, 0, S_TWO, S_THREE, S_ONE
    /* inf * 0 + qNaN is invalid (RISC-V requires NV here) */
    TEST_S3 fmadd.s,  330, S_QNAN, NV, S_PINF, S_PZERO, S_QNAN_P
    TEST_D3 fmadd.d,  331, D_QNAN, NV, D_PZERO, D_NINF, D_QNAN_P
    /* inf + -inf inside the fma */
    TEST_D3 fmsub.d,  332, D_QNAN, NV, D_PINF, D_ONE, D_PINF
    /* fused overflow */
    TEST_S3 fmadd.s,  333, S_PINF, OF | NX, S_2P127, S_FOUR, S_ONE

    /* ------------------------------ fsqrt ---------------------------- */
    TEST_S1 fsqrt.s, 334, S_QNAN, NV, S_MONE        /* sqrt(-1): invalid */
    TEST_D1 fsqrt.d, 335, D_QNAN, NV, D_MONE
    TEST_D1 fsqrt.d, 336, D_QNAN, NV, D_NINF
    TEST_S1 fsqrt.s, 337, S_NZERO, 0, S_NZERO       /* sqrt(-0) = -0 */
    TEST_S1 fsqrt.s, 338, S_PINF, 0, S_PINF
    TEST_D1 fsqrt.d, 339, D_TWO, 0, D_FOUR          /* exact */
    TEST_S1 fsqrt.s, 340, S_QNAN, 0, S_QNAN_P       /* quiet NaN: no NV */
    TEST_D1 fsqrt.d, 341, D_QNAN, NV, D_SNAN
    /* sqrt(2) is irrational, so always inexact.  Its significand
       truncated to 24 bits is 0xb504f3 with a remainder below half an
       ulp ((2*0xb504f3 + 1)^2 > 2^49): RNE = RTZ = 0x3fb504f3, RUP one
       ulp more.  Truncated to 53 bits it is 0x16a09e667f3bcc with a
       remainder above half an ulp: RNE = RUP = ...bcd, RTZ = ...bcc. */
    TEST_S1 fsqrt.s, 342, 0x3fb504f3, NX, S_TWO
    TEST_S1 fsqrt.s, 343, 0x3fb504f4, NX, S_TWO, rup
    TEST_D1 fsqrt.d, 344, 0x3ff6a09e667f3bcd, NX, D_TWO
    TEST_D1 fsqrt.d, 345, 0x3ff6a09e667f3bcc, NX, D_TWO, rtz

    /* ----------------------- fcvt.s.d / fcvt.d.s --------------------- */
    /* 1 + 2^-24 is a tie between 1.0 and 1 + 2^-23 in single */
    TEST_CVT_SD 346, S_ONE,    NX, 0x3ff0000010000000, rne
    TEST_CVT_SD 347, S_ONE_1U, NX, 0x3ff0000010000000, rup
    TEST_CVT_SD 348, S_ONE_1U, NX, 0x3ff0000010000000, rmm
    TEST_CVT_SD 349, S_ONE,    NX, 0x3ff0000010000000, rtz
    /* 1 + 2^-24 + 2^-30 is above the tie: RNE rounds up */
    TEST_CVT_SD 350, S_ONE_1U, NX, 0x3ff0000010400000, rne
    TEST_CVT_SD 351, S_ONE,    0,  D_ONE, rne
    /* 1e300 overflows single: +inf (RNE), largest finite (RTZ) */
    TEST_CVT_SD 352, S_PINF, OF | NX, 0x7e37e43c8800759c, rne
    TEST_CVT_SD 353, S_MAX,  OF | NX, 0x7e37e43c8800759c, rtz
    /* 2^-1074 underflows to 0 */
    TEST_CVT_SD 354, S_PZERO, UF | NX, D_MIN_SUB, rne
    /* NaNs: canonical result; NV for a signalling NaN */
    TEST_CVT_SD 355, S_QNAN, 0,  D_QNAN_P, rne
    TEST_CVT_SD 356, S_QNAN, NV, D_SNAN, rne
    TEST_CVT_SD 357, S_NINF, 0,  D_NINF, rne
    /* fcvt.d.s is always exact */
    TEST_CVT_DS 358, 0x3ff0000020000000, 0, S_ONE_1U   /* 1 + 2^-23 */
    TEST_CVT_DS 359, 0x36a0000000000000, 0, S_MIN_SUB  /* 2^-149: exp 874 */
    TEST_CVT_DS 360, 0xc7efffffe0000000, 0, S_MMAX     /* -(2-2^-23)*2^127 */
    TEST_CVT_DS 361, D_NZERO, 0, S_NZERO
    TEST_CVT_DS 362, D_PINF, 0, S_PINF
    TEST_CVT_DS 363, D_QNAN, 0, S_QNAN_P
    TEST_CVT_DS 364, D_QNAN, NV, S_SNAN

    /* ------------------ compressed FP loads and stores --------------- */
    .option push
    .option rvc
    la      s0, fpdata                      /* x8..x15: s0, s1, a0..a5 */
    la      s1, fpbuf
    c.fld   fa0, 8(s0)                      /* pi (double) */
    fmv.x.d a2, fa0
    CHECK_EQ a2, 0x400921fb54442d18, 365
    c.fld   fs1, 24(s0)                     /* -pi */
    fmv.x.d a2, fs1
    CHECK_EQ a2, 0xc00921fb54442d18, 366
    c.fsd   fs1, 32(s1)
    ld      a2, 32(s1)
    CHECK_EQ a2, 0xc00921fb54442d18, 367
    c.fsd   fa0, 248(s1)                    /* largest c.fsd offset */
    ld      a2, 248(s1)
    CHECK_EQ a2, 0x400921fb54442d18, 368
    mv      s2, sp
    mv      sp, s0
    c.fldsp ft3, 16(sp)                     /* the double sNaN */
    fmv.x.d a2, ft3
    CHECK_EQ a2, D_SNAN, 369
    mv      sp, s1
    c.fsdsp ft3, 40(sp)
    ld      a2, 40(s1)
    CHECK_EQ a2, D_SNAN, 370
    c.fsdsp fs1, 504(sp)                    /* largest c.fsdsp offset */
    c.fldsp ft4, 504(sp)
    fmv.x.d a2, ft4
    CHECK_EQ a2, 0xc00921fb54442d18, 371
    mv      sp, s2
    .option pop

    CHECK_FLAGS 0, 372
    CHECK_FS FS_DIRTY, MSTATUS_SD, 373

    PASS

    TEST_END

    .data
    .balign 16
fpdata:
    .word   0x40490fdb                      /*  0: pi, single */
    .word   0x7f800001                      /*  4: single sNaN */
    .dword  0x400921fb54442d18              /*  8: pi, double */
    .dword  0x7ff0000000000001              /* 16: double sNaN */
    .dword  0xc00921fb54442d18              /* 24: -pi */
    .balign 16
fpbuf:
    .space  512
