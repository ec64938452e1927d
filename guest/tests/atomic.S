/*
 * atomic.S - RV64A: LR/SC and all AMOs, .W and .D.
 *
 * LR/SC: success (rd = 0, memory written), failure (rd = 1, memory
 * untouched) when there is no reservation, after an SC already consumed
 * the reservation, when the SC address differs from the LR address, and
 * after an intervening regular store to the reserved address.
 *   Note: the ISA only *requires* an SC to fail for stores by another
 *   hart; for a store by the same hart it merely *permits* failure.
 *   rvmmu invalidates the reservation on any store to it, and QEMU fails
 *   the SC because the reserved value changed, so check 12 stores a
 *   DIFFERENT value to stay meaningful on both.
 * LR.W sign-extends; SC.W / AMO*.W write only 4 bytes (the upper half of
 * the dword is a sentinel that must survive).  AMO*.W compare/operate on
 * the low 32 bits of rs2 and return the sign-extended old word.
 * Misaligned AMOs raise store/AMO address misaligned (cause 6) with
 * mtval = the address; a misaligned LR raises load address misaligned
 * (cause 4).  A faulting AMO/LR must not write rd or memory.  (A
 * misaligned SC is not tested: QEMU compares the address with the
 * reservation first and simply fails the SC without trapping.)
 */
#include "common.h"

/*
 * QEMU 7.2 (Debian bookworm) reports a misaligned AMO as a LOAD address
 * misaligned exception (cause 4) instead of store/AMO address misaligned
 * (cause 6) required by the privileged spec.  `make qemu` builds with
 * -DQEMU_QUIRKS so that the rest of this file can still be validated on
 * it; the real (default) build expects 6.
 */
#ifdef QEMU_QUIRKS
#define AMO_MISALIGNED_CAUSE CAUSE_MISALIGNED_LOAD
#else
#define AMO_MISALIGNED_CAUSE CAUSE_MISALIGNED_STORE
#endif

/*
 * TEST_AMO op, num, init, operand, old, new
 *   memory dword `amo_buf` = init, a2 = operand, a3 = op(a2, (a0))
 *   check a3 == old (check num) and the full dword == new (check num+1).
 */
.macro TEST_AMO op, num, init, operand, old, new
    la      a0, amo_buf
    li      a1, \init
    sd      a1, 0(a0)
    li      a2, \operand
    \op     a3, a2, (a0)
    CHECK_EQ a3, \old, \num
    ld      a4, 0(a0)
    CHECK_EQ a4, \new, \num + 1
.endm

    TEST_BEGIN

    /* ---------------------------- LR/SC .D --------------------------- */
    la      a0, amo_buf
    li      a1, 0x1122334455667788
    sd      a1, 0(a0)
    lr.d    a2, (a0)
    CHECK_EQ a2, 0x1122334455667788, 1
    li      a1, 0x8877665544332211
    sc.d    a3, a1, (a0)
    CHECK_EQ a3, 0, 2                       /* success */
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x8877665544332211, 3
    /* the SC above consumed the reservation: a second SC must fail */
    li      a1, 0x0badc0de
    sc.d    a3, a1, (a0)
    CHECK_EQ a3, 1, 4                       /* failure code 1 */
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x8877665544332211, 5      /* memory unchanged */
    /* a failed SC also clears the reservation state for the next one */
    sc.d    a3, a1, (a0)
    CHECK_EQ a3, 1, 6

    /* SC to an address other than the reserved one fails */
    la      a0, amo_buf
    la      a5, amo_buf2
    li      a1, 0x55
    sd      a1, 0(a5)
    lr.d    a2, (a0)
    li      a1, 0x66
    sc.d    a3, a1, (a5)
    CHECK_EQ a3, 1, 7
    ld      a4, 0(a5)
    CHECK_EQ a4, 0x55, 8
    /* ...and the failed SC killed the reservation on amo_buf as well */
    sc.d    a3, a1, (a0)
    CHECK_EQ a3, 1, 9
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x8877665544332211, 10

    /* intervening store to the reserved address: SC fails */
    la      a0, amo_buf
    lr.d    a2, (a0)
    li      a1, 0x1234
    sd      a1, 0(a0)                       /* different value */
    li      a1, 0x9999
    sc.d    a3, a1, (a0)
    CHECK_EQ a3, 1, 11
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x1234, 12

    /* LR/SC with aq/rl bits, and an increment loop built from them */
    la      a0, amo_buf
    li      a1, 40
    sd      a1, 0(a0)
    li      a5, 0                           /* retry counter */
1:  lr.d.aq a2, (a0)
    addi    a2, a2, 2
    sc.d.rl a3, a2, (a0)
    addi    a5, a5, 1
    li      t0, 100
    bgeu    a5, t0, 2f                      /* give up after 100 tries */
    bnez    a3, 1b
2:  CHECK_EQ a3, 0, 13
    ld      a4, 0(a0)
    CHECK_EQ a4, 42, 14

    /* ---------------------------- LR/SC .W --------------------------- */
    la      a0, amo_buf
    li      a1, 0xdeadbeef80000001          /* word at offset 0 = 0x80000001 */
    sd      a1, 0(a0)
    lr.w    a2, (a0)
    CHECK_EQ a2, 0xffffffff80000001, 15     /* sign-extended */
    li      a1, 0xffffffff12345678
    sc.w    a3, a1, (a0)
    CHECK_EQ a3, 0, 16
    ld      a4, 0(a0)
    CHECK_EQ a4, 0xdeadbeef12345678, 17     /* only 4 bytes written */
    sc.w    a3, a1, (a0)                    /* no reservation */
    CHECK_EQ a3, 1, 18
    /* LR.W / SC.W on the upper (4-aligned, not 8-aligned) word */
    addi    t0, a0, 4
    lr.w    a2, (t0)
    CHECK_EQ a2, 0xffffffffdeadbeef, 19
    li      a1, 0x7eadbeef
    addi    t0, a0, 4
    sc.w    a3, a1, (t0)
    CHECK_EQ a3, 0, 20
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x7eadbeef12345678, 21
    addi    t0, a0, 4
    lr.w    a2, (t0)
    CHECK_EQ a2, 0x7eadbeef, 22             /* positive: zero upper bits */
    addi    t0, a0, 4
    sc.w    a3, x0, (t0)                   /* x0 as data: stores 0 */
    CHECK_EQ a3, 0, 23
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x0000000012345678, 24

    /* --------------------------- AMO*.D ------------------------------ */
    TEST_AMO amoswap.d, 25, 0x0123456789abcdef, 0xfedcba9876543210, 0x0123456789abcdef, 0xfedcba9876543210
    TEST_AMO amoadd.d,  27, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000
    TEST_AMO amoadd.d,  29, 0xffffffff, 1, 0xffffffff, 0x100000000
    TEST_AMO amoadd.d,  31, -5, 3, -5, -2
    TEST_AMO amoand.d,  33, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00
    TEST_AMO amoor.d,   35, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0
    TEST_AMO amoxor.d,  37, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0
    TEST_AMO amomin.d,  39, -1, 1, -1, -1
    TEST_AMO amomin.d,  41, 5, -7, 5, -7
    TEST_AMO amomin.d,  43, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000
    TEST_AMO amomax.d,  45, -1, 1, -1, 1
    TEST_AMO amomax.d,  47, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff
    TEST_AMO amomax.d,  49, 9, 3, 9, 9
    TEST_AMO amominu.d, 51, -1, 1, -1, 1
    TEST_AMO amominu.d, 53, 1, -1, 1, 1
    TEST_AMO amominu.d, 55, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff
    TEST_AMO amomaxu.d, 57, 1, -1, 1, -1
    TEST_AMO amomaxu.d, 59, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000
    TEST_AMO amomaxu.d, 61, 3, 3, 3, 3

    /* --------------------------- AMO*.W ------------------------------ */
    /* upper word of the dword is the sentinel 0xdeadbeef */
    TEST_AMO amoswap.w, 63, 0xdeadbeef80000000, 0x12345678, 0xffffffff80000000, 0xdeadbeef12345678
    TEST_AMO amoswap.w, 65, 0xdeadbeef00000001, 0xffffffffffffffff, 1, 0xdeadbeefffffffff
    TEST_AMO amoadd.w,  67, 0xdeadbeef7fffffff, 1, 0x7fffffff, 0xdeadbeef80000000
    TEST_AMO amoadd.w,  69, 0xdeadbeefffffffff, 0x5555555500000001, 0xffffffffffffffff, 0xdeadbeef00000000 /* no carry out */
    TEST_AMO amoand.w,  71, 0xdeadbeeff0f0f0f0, 0xff00ff00, 0xfffffffff0f0f0f0, 0xdeadbeeff000f000
    TEST_AMO amoor.w,   73, 0xdeadbeef0000ffff, 0x80000000, 0xffff, 0xdeadbeef8000ffff
    TEST_AMO amoxor.w,  75, 0xdeadbeefffff0000, 0x0ff00ff0, 0xffffffffffff0000, 0xdeadbeeff00f0ff0
    /* MIN/MAX .W compare the low 32 bits as signed, ignoring rs2[63:32] */
    TEST_AMO amomin.w,  77, 0xdeadbeef80000000, 1, 0xffffffff80000000, 0xdeadbeef80000000
    TEST_AMO amomin.w,  79, 0xdeadbeef00000005, 0x00000000fffffffe, 5, 0xdeadbeeffffffffe
    TEST_AMO amomax.w,  81, 0xdeadbeeffffffffe, 3, 0xfffffffffffffffe, 0xdeadbeef00000003
    TEST_AMO amomax.w,  83, 0xdeadbeef7fffffff, 0x0000000080000000, 0x7fffffff, 0xdeadbeef7fffffff
    TEST_AMO amominu.w, 85, 0xdeadbeeffffffffe, 3, 0xfffffffffffffffe, 0xdeadbeef00000003
    TEST_AMO amominu.w, 87, 0xdeadbeef7fffffff, 0xffffffff80000000, 0x7fffffff, 0xdeadbeef7fffffff
    TEST_AMO amomaxu.w, 89, 0xdeadbeef00000003, 0x00000000fffffffe, 3, 0xdeadbeeffffffffe
    TEST_AMO amomaxu.w, 91, 0xdeadbeef80000000, 0xffffffff7fffffff, 0xffffffff80000000, 0xdeadbeef80000000

    /* AMO*.W on the upper word of a dword (4-aligned, not 8-aligned) */
    la      a0, amo_buf
    li      a1, 0x0000000a11111111
    sd      a1, 0(a0)
    li      a2, 5
    addi    t0, a0, 4
    amoadd.w a3, a2, (t0)
    CHECK_EQ a3, 10, 93
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x0000000f11111111, 94

    /* rd = x0: memory still updated */
    la      a0, amo_buf
    li      a1, 100
    sd      a1, 0(a0)
    li      a2, 23
    amoadd.d x0, a2, (a0)
    ld      a4, 0(a0)
    CHECK_EQ a4, 123, 95
    CHECK_EQ x0, 0, 96
    /* rs2 = x0: amoor with 0 is an atomic load */
    amoor.d a3, x0, (a0)
    CHECK_EQ a3, 123, 97
    /* rd == rs2: rd gets the old value, memory gets the old rs2 */
    li      a2, 777
    amoswap.d a2, a2, (a0)
    CHECK_EQ a2, 123, 98
    ld      a4, 0(a0)
    CHECK_EQ a4, 777, 99
    /* aq/rl variants decode the same way */
    li      a2, 1
    amoadd.d.aqrl a3, a2, (a0)
    CHECK_EQ a3, 777, 100
    amoadd.w.aq a3, a2, (a0)
    CHECK_EQ a3, 778, 101
    amoswap.d.rl a3, x0, (a0)
    CHECK_EQ a3, 779, 102
    ld      a4, 0(a0)
    CHECK_EQ a4, 0, 103

    /* ------------------ misaligned AMO / LR: must trap --------------- */
    la      a0, amo_buf
    li      a1, 0x0706050403020100
    sd      a1, 0(a0)
    li      a2, 0x5a5a
    li      a3, 0x1234                      /* rd sentinel */
    EXPECT_TRAP .Lmis1_resume
    addi    t0, a0, 1
.Lmis1:
    amoadd.w a3, a2, (t0)
.Lmis1_resume:
    CHECK_TRAP AMO_MISALIGNED_CAUSE, .Lmis1, 104
    addi    t0, a0, 1
    CHECK_REG s11, t0, 105                  /* mtval = address */
    CHECK_EQ a3, 0x1234, 106                /* rd not written */
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x0706050403020100, 107    /* memory not written */

    EXPECT_TRAP .Lmis2_resume
    addi    t0, a0, 4
.Lmis2:
    amoswap.d a3, a2, (t0)                 /* 4-aligned but not 8 */
.Lmis2_resume:
    CHECK_TRAP AMO_MISALIGNED_CAUSE, .Lmis2, 108
    addi    t0, a0, 4
    CHECK_REG s11, t0, 109
    CHECK_EQ a3, 0x1234, 110
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x0706050403020100, 111

    EXPECT_TRAP .Lmis3_resume
    addi    t0, a0, 2
.Lmis3:
    amomaxu.w a3, a2, (t0)
.Lmis3_resume:
    CHECK_TRAP AMO_MISALIGNED_CAUSE, .Lmis3, 112
    addi    t0, a0, 2
    CHECK_REG s11, t0, 113

    EXPECT_TRAP .Lmis4_resume
    addi    t0, a0, 7
.Lmis4:
    amoor.d x0, a2, (t0)
.Lmis4_resume:
    CHECK_TRAP AMO_MISALIGNED_CAUSE, .Lmis4, 114
    addi    t0, a0, 7
    CHECK_REG s11, t0, 115
    ld      a4, 0(a0)
    CHECK_EQ a4, 0x0706050403020100, 116

    /* misaligned LR: load address misaligned */
    EXPECT_TRAP .Lmis5_resume
    addi    t0, a0, 2
.Lmis5:
    lr.w    a3, (t0)
.Lmis5_resume:
    CHECK_TRAP CAUSE_MISALIGNED_LOAD, .Lmis5, 117
    addi    t0, a0, 2
    CHECK_REG s11, t0, 118
    CHECK_EQ a3, 0x1234, 119

    EXPECT_TRAP .Lmis6_resume
    addi    t0, a0, 4
.Lmis6:
    lr.d    a3, (t0)
.Lmis6_resume:
    CHECK_TRAP CAUSE_MISALIGNED_LOAD, .Lmis6, 120
    addi    t0, a0, 4
    CHECK_REG s11, t0, 121

    PASS
    TEST_END

    .data
    .balign 64
amo_buf:
    .dword 0
    .dword 0
amo_buf2:
    .dword 0
    .dword 0
