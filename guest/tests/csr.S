/*
 * csr.S - Zicsr instructions and basic machine-mode CSRs.
 *
 * CSRRW/CSRRS/CSRRC and the immediate forms on mscratch (old value
 * returned, new value written, rs1 = x0 / uimm = 0 means "no write"),
 * misa (RV64 with I, M, A, C, S, U), mhartid = 0, the ID registers,
 * minstret/mcycle/instret/cycle counting, sstatus as a view of mstatus,
 * WARL behaviour of medeleg[11] and mepc[0], and illegal-instruction
 * traps (mcause 2, mtval = the instruction bits) for
 *   - a CSR address that does not exist, and
 *   - a write to a read-only CSR (mhartid, cycle), including the
 *     "write" performed by CSRRS/CSRRSI when rs1 != x0 / uimm != 0.
 *
 * Non-existent CSR used: 0x3ff.  0x300-0x3ff is the machine standard
 * read/write range; in the privileged spec's CSR listing (priv-csrs,
 * "Currently allocated RISC-V machine-level CSR addresses") nothing is
 * allocated above pmpaddr63 = 0x3ef in that range, so 0x3f0-0x3ff is
 * unassigned (and it is not a custom range like 0x7c0-0x7ff / 0x800-
 * 0x8ff, which an implementation may legitimately use).
 */
#include "common.h"

#define CSR_NONEXISTENT 0x3ff

/*
 * QEMU 7.2 (Debian bookworm) deviates from the spec in three places,
 * compiled out with -DQEMU_QUIRKS (used by `make qemu` only):
 *   - medeleg[11] is writable (spec: read-only zero)            check 44
 *   - mepc reads back bit 0 as written (spec: mepc[0] is zero)  46, 47
 *   - CSRRS/CSRRC with rs1 != x0 holding 0 on a read-only CSR does not
 *     trap (spec: it is a write attempt -> illegal)            58-60
 */

    TEST_BEGIN

    /* ----------------------------- mscratch -------------------------- */
    li      a1, 0x0123456789abcdef
    csrw    mscratch, a1
    csrr    a0, mscratch
    CHECK_EQ a0, 0x0123456789abcdef, 1       /* full 64 bits */
    li      a1, 0xfedcba9876543210
    csrrw   a0, mscratch, a1
    CHECK_EQ a0, 0x0123456789abcdef, 2       /* old value */
    csrr    a0, mscratch
    CHECK_EQ a0, 0xfedcba9876543210, 3       /* new value */

    li      a1, 0x00000000000000ff
    csrrs   a0, mscratch, a1
    CHECK_EQ a0, 0xfedcba9876543210, 4
    csrr    a0, mscratch
    CHECK_EQ a0, 0xfedcba98765432ff, 5
    li      a1, 0xff000000000000f0
    csrrc   a0, mscratch, a1
    CHECK_EQ a0, 0xfedcba98765432ff, 6
    csrr    a0, mscratch
    CHECK_EQ a0, 0x00dcba987654320f, 7

    /* immediate forms: uimm is a zero-extended 5-bit value */
    csrrwi  a0, mscratch, 31
    CHECK_EQ a0, 0x00dcba987654320f, 8
    csrr    a0, mscratch
    CHECK_EQ a0, 31, 9
    csrrci  a0, mscratch, 0x11
    CHECK_EQ a0, 31, 10
    csrr    a0, mscratch
    CHECK_EQ a0, 0x0e, 11
    csrrsi  a0, mscratch, 0x10
    CHECK_EQ a0, 0x0e, 12
    csrr    a0, mscratch
    CHECK_EQ a0, 0x1e, 13
    csrrsi  a0, mscratch, 0                  /* pure read */
    CHECK_EQ a0, 0x1e, 14
    csrrci  a0, mscratch, 0                  /* pure read */
    CHECK_EQ a0, 0x1e, 15
    csrwi   mscratch, 0
    csrr    a0, mscratch
    CHECK_EQ a0, 0, 16

    /* rs1 = x0: CSRRS/CSRRC do not modify */
    li      a1, -1
    csrw    mscratch, a1
    csrrc   a0, mscratch, x0
    csrr    a0, mscratch
    CHECK_EQ a0, -1, 17
    /* rd == rs1: swap in one instruction */
    li      a0, 0x1234
    csrrw   a0, mscratch, a0
    CHECK_EQ a0, -1, 18
    csrr    a0, mscratch
    CHECK_EQ a0, 0x1234, 19
    /* rd = x0 on csrrs still writes */
    li      a1, 0x8000000000000000
    csrrs   x0, mscratch, a1
    csrr    a0, mscratch
    CHECK_EQ a0, 0x8000000000001234, 20
    CHECK_EQ x0, 0, 21

    /* sscratch is a separate register */
    li      a1, 0x5a5a
    csrw    sscratch, a1
    csrr    a0, mscratch
    CHECK_EQ a0, 0x8000000000001234, 22
    csrr    a0, sscratch
    CHECK_EQ a0, 0x5a5a, 23

    /* -------------------------------- misa --------------------------- */
    csrr    a0, misa
    srli    a1, a0, 62
    CHECK_EQ a1, 2, 24                       /* MXL = 2: RV64 */
    /* A=bit0 C=bit2 I=bit8 M=bit12 S=bit18 U=bit20 */
    CHECK_MASK a0, 0x141105, 0x141105, 25
    CHECK_MASK a0, (1 << 4), 0, 26           /* not RV64E */

    /* ----------------------- ID registers, mhartid ------------------- */
    csrr    a0, mhartid
    CHECK_EQ a0, 0, 27
    csrrs   a0, mhartid, x0                  /* read-only: rs1=x0 is fine */
    CHECK_EQ a0, 0, 28
    csrrsi  a1, mhartid, 0
    csrrci  a2, mhartid, 0
    or      a1, a1, a2
    CHECK_EQ a1, 0, 29
    csrr    a0, mvendorid                    /* must exist (may be 0) */
    csrr    a0, marchid
    csrr    a0, mimpid
    CHECK_EQ x0, 0, 30

    /* ----------------------------- counters -------------------------- */
    csrr    a0, minstret
    nop
    nop
    nop
    csrr    a1, minstret
    li      gp, 31
    bgtu    a1, a0, 1f
    j       fail
1:  sub     a2, a1, a0
    CHECK_MASK a2, 0xffffffff00000000, 0, 32 /* a sane, small delta */
    rdinstret a0                             /* instret (0xc02) mirrors it */
    nop
    rdinstret a1
    li      gp, 33
    bgtu    a1, a0, 2f
    j       fail
2:  csrr    a0, mcycle
    nop
    nop
    csrr    a1, mcycle
    li      gp, 34
    bgtu    a1, a0, 3f
    j       fail
3:  rdcycle a0
    nop
    rdcycle a1
    li      gp, 35
    bgtu    a1, a0, 4f
    j       fail
4:  /* minstret is writable */
    li      a1, 0x1000000000
    csrw    minstret, a1
    csrr    a0, minstret
    sub     a0, a0, a1
    CHECK_MASK a0, 0xffffffff00000000, 0, 36

    /* ------------------- sstatus is a view of mstatus ---------------- */
    csrw    mie, x0                          /* no interrupt can fire */
    li      a1, MSTATUS_SIE
    csrc    mstatus, a1
    csrs    sstatus, a1
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_SIE, MSTATUS_SIE, 37
    csrc    mstatus, a1
    csrr    a0, sstatus
    CHECK_MASK a0, MSTATUS_SIE, 0, 38
    li      a1, MSTATUS_MIE | MSTATUS_MPP
    csrs    mstatus, a1
    csrr    a0, sstatus
    CHECK_MASK a0, MSTATUS_MIE | MSTATUS_MPP, 0, 39  /* M fields hidden */
    csrc    mstatus, a1
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_MIE, 0, 40
    li      a1, MSTATUS_SPP
    csrs    sstatus, a1
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_SPP, MSTATUS_SPP, 41
    csrc    sstatus, a1
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_SPP, 0, 42
    /* mstatus.UXL/SXL read as 2 (64-bit) on RV64 with S and U */
    csrr    a0, mstatus
    srli    a0, a0, 32
    CHECK_MASK a0, 0xf, 0xa, 43

    /* ----------------------------- WARL bits ------------------------- */
    /* medeleg[11] (ecall from M) can never be delegated */
    li      a1, -1
    csrw    medeleg, a1
    csrr    a0, medeleg
    csrw    medeleg, x0
#ifndef QEMU_QUIRKS
    CHECK_MASK a0, (1 << 11), 0, 44
#endif
    CHECK_MASK a0, (1 << 8), (1 << 8), 45    /* U ecall is delegable */
    /* mepc[0] is always zero (IALIGN = 16 with C: bit 1 is writable) */
#ifndef QEMU_QUIRKS
    li      a1, -1
    csrw    mepc, a1
    csrr    a0, mepc
    CHECK_EQ a0, 0xfffffffffffffffe, 46
    li      a1, 0x80000003
    csrw    mepc, a1
    csrr    a0, mepc
    CHECK_EQ a0, 0x80000002, 47
#endif
    /* mtvec: direct mode with a 4-aligned base reads back unchanged */
    csrr    a2, mtvec
    la      a1, trap_vector
    CHECK_REG a2, a1, 48

    /* ---------------- illegal instruction: no such CSR --------------- */
    li      a0, 0x77
    EXPECT_TRAP .Lill1_resume
.Lill1:
    csrr    a0, CSR_NONEXISTENT               /* csrrs a0, 0x3ff, x0 */
.Lill1_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill1, 49
    CHECK_EQ s11, 0x3ff02573, 50             /* mtval = instruction */
    CHECK_EQ a0, 0x77, 51                    /* rd not written */

    li      a1, 5
    EXPECT_TRAP .Lill2_resume
.Lill2:
    csrw    CSR_NONEXISTENT, a1               /* csrrw x0, 0x3ff, a1 */
.Lill2_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill2, 52
    CHECK_EQ s11, 0x3ff59073, 53

    /* --------------- illegal instruction: read-only CSRs ------------- */
    EXPECT_TRAP .Lill3_resume
.Lill3:
    csrw    mhartid, x0                      /* csrrw x0, mhartid, x0 */
.Lill3_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill3, 54
    CHECK_EQ s11, 0xf1401073, 55

    EXPECT_TRAP .Lill4_resume
.Lill4:
    csrw    cycle, x0                        /* csrrw x0, cycle, x0 */
.Lill4_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill4, 56
    CHECK_EQ s11, 0xc0001073, 57

#ifndef QEMU_QUIRKS
    /* CSRRS with rs1 != x0 is a write even if the register holds 0 */
    li      a1, 0
    li      a0, 0x99
    EXPECT_TRAP .Lill5_resume
.Lill5:
    csrrs   a0, mhartid, a1
.Lill5_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill5, 58
    CHECK_EQ s11, 0xf145a573, 59
    CHECK_EQ a0, 0x99, 60
#endif

    /* CSRRSI with uimm != 0 on a read-only CSR */
    EXPECT_TRAP .Lill6_resume
.Lill6:
    csrrsi  a0, mhartid, 1
.Lill6_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill6, 61
    CHECK_EQ s11, 0xf140e573, 62

    /* CSRRC to instret (read-only) with rs1 != x0 */
    li      a1, 1
    EXPECT_TRAP .Lill7_resume
.Lill7:
    csrrc   a0, instret, a1
.Lill7_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lill7, 63
    CHECK_EQ s11, 0xc025b573, 64

    /* mscratch is unaffected by all of the above */
    csrr    a0, mscratch
    CHECK_EQ a0, 0x8000000000001234, 65

    PASS
    TEST_END
