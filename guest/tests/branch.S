/*
 * branch.S - conditional branches, JAL and JALR.
 *
 * Every branch is tried taken and not taken, signed vs unsigned
 * comparisons are distinguished, forward and backward offsets are used,
 * and JAL/JALR link values (pc + 4), JALR's clearing of bit 0 of the
 * target, rd == rs1 for JALR and x0 as link register are checked.
 */
#include "common.h"

/* branch must be taken: falling through reaches `j fail` */
.macro BR_TAKEN op, num, a, b
    li      gp, \num
    li      a0, \a
    li      a1, \b
    \op     a0, a1, .Lbt\@
    j       fail
.Lbt\@:
.endm

/* branch must not be taken */
.macro BR_NOT op, num, a, b
    li      gp, \num
    li      a0, \a
    li      a1, \b
    \op     a0, a1, .Lbn_bad\@
    j       .Lbn_ok\@
.Lbn_bad\@:
    j       fail
.Lbn_ok\@:
.endm

    TEST_BEGIN

    /* ------------------------------ BEQ ------------------------------ */
    BR_TAKEN beq, 1, 0, 0
    BR_TAKEN beq, 2, -1, -1
    BR_TAKEN beq, 3, 0x8000000000000000, 0x8000000000000000
    BR_NOT   beq, 4, 0, 1
    BR_NOT   beq, 5, 0x100000000, 0          /* differ only above bit 31 */
    BR_NOT   beq, 6, -1, 0x7fffffffffffffff

    /* ------------------------------ BNE ------------------------------ */
    BR_TAKEN bne, 7, 0, 1
    BR_TAKEN bne, 8, 0x100000000, 0
    BR_TAKEN bne, 9, 1, -1
    BR_NOT   bne, 10, 0, 0
    BR_NOT   bne, 11, -1, -1

    /* ------------------------------ BLT ------------------------------ */
    BR_TAKEN blt, 12, 0, 1
    BR_TAKEN blt, 13, -1, 1
    BR_TAKEN blt, 14, -2, -1
    BR_TAKEN blt, 15, 0x8000000000000000, 0x7fffffffffffffff
    BR_NOT   blt, 16, 1, 0
    BR_NOT   blt, 17, 1, -1
    BR_NOT   blt, 18, 5, 5
    BR_NOT   blt, 19, 0x7fffffffffffffff, 0x8000000000000000
    BR_NOT   blt, 20, 0x80000000, 0x7fffffff      /* 64-bit compare */

    /* ------------------------------ BGE ------------------------------ */
    BR_TAKEN bge, 21, 0, 0
    BR_TAKEN bge, 22, 1, 0
    BR_TAKEN bge, 23, 1, -1
    BR_TAKEN bge, 24, -1, -2
    BR_TAKEN bge, 25, 0x7fffffffffffffff, 0x8000000000000000
    BR_NOT   bge, 26, -1, 0
    BR_NOT   bge, 27, 0x8000000000000000, -1
    BR_NOT   bge, 28, -2, -1

    /* ------------------------------ BLTU ----------------------------- */
    BR_TAKEN bltu, 29, 0, 1
    BR_TAKEN bltu, 30, 1, -1
    BR_TAKEN bltu, 31, 0x7fffffffffffffff, 0x8000000000000000
    BR_TAKEN bltu, 32, 0xfffffffffffffffe, 0xffffffffffffffff
    BR_NOT   bltu, 33, -1, 1
    BR_NOT   bltu, 34, 7, 7
    BR_NOT   bltu, 35, 0x8000000000000000, 0x7fffffffffffffff
    BR_NOT   bltu, 36, 0x100000000, 0xffffffff

    /* ------------------------------ BGEU ----------------------------- */
    BR_TAKEN bgeu, 37, 0, 0
    BR_TAKEN bgeu, 38, -1, 1
    BR_TAKEN bgeu, 39, 0x8000000000000000, 0x7fffffffffffffff
    BR_TAKEN bgeu, 40, 0x100000000, 0xffffffff
    BR_NOT   bgeu, 41, 1, -1
    BR_NOT   bgeu, 42, 0, 1
    BR_NOT   bgeu, 43, 0xfffffffffffffffe, 0xffffffffffffffff

    /* --------------------- comparisons against x0 -------------------- */
    li      gp, 44
    li      a0, 0
    bne     a0, x0, .Lfail_near
    beq     x0, x0, 1f
    j       fail
1:  li      gp, 45
    li      a0, -5
    bge     a0, x0, .Lfail_near             /* bgez not taken */
    blt     a0, x0, 2f                      /* bltz taken */
    j       fail
2:  li      gp, 46
    bltu    a0, x0, .Lfail_near             /* nothing is <u 0 */
    bgeu    a0, x0, 3f                      /* always taken */
    j       fail
3:  li      gp, 47
    bltu    x0, a0, 4f                      /* 0 <u nonzero */
    j       fail
4:

    /* ------------- backward branches: count a loop 10 times ---------- */
    li      a0, 0
    li      a1, 10
5:  addi    a0, a0, 1
    blt     a0, a1, 5b
    CHECK_EQ a0, 10, 48
    li      a0, 7
6:  addi    a0, a0, -1
    bnez    a0, 6b
    CHECK_EQ a0, 0, 49
    /* bgeu backward loop: count down an unsigned value past zero */
    li      a0, 3
    li      a2, 0
7:  addi    a2, a2, 1
    addi    a0, a0, -1
    bgeu    a0, x0, 8f                      /* always true: forward */
8:  bnez    a0, 7b
    CHECK_EQ a2, 3, 50

    /* a branch whose rs1 == rs2 */
    li      gp, 51
    li      a0, 12345
    beq     a0, a0, 9f
    j       fail
9:  li      gp, 52
    blt     a0, a0, .Lfail_near
    bltu    a0, a0, .Lfail_near
    bne     a0, a0, .Lfail_near
    j       .Lbr_done
.Lfail_near:
    j       fail
.Lbr_done:

    /* ------------------------------ JAL ------------------------------ */
    li      ra, 0
.Ljal1:
    jal     ra, .Ljal1_target
.Ljal1_ret:
    j       fail                            /* must skip this */
.Ljal1_target:
    CHECK_ADDR ra, .Ljal1_ret, 53           /* link = pc + 4 */

    li      t1, 0
    jal     t1, .Ljal2_target               /* other link register */
.Ljal2_ret:
    j       fail
.Ljal2_target:
    CHECK_ADDR t1, .Ljal2_ret, 54

    /* jal x0 (plain jump): no register written, and it does jump */
    li      gp, 55
    jal     x0, .Ljal3_target
    j       fail
.Ljal3_target:
    CHECK_EQ x0, 0, 56

    /* backward jal: jump back over the return point once */
    li      a3, 0
    j       .Ljal4_setup
.Ljal4_back:
    addi    a3, a3, 1
    CHECK_ADDR ra, .Ljal4_ret, 57
    j       .Ljal4_done
.Ljal4_setup:
    jal     ra, .Ljal4_back                 /* negative offset */
.Ljal4_ret:
    j       fail
.Ljal4_done:
    CHECK_EQ a3, 1, 58

    /* ------------------------------ JALR ----------------------------- */
    la      t0, .Ljalr1_target
    li      ra, 0
    jalr    ra, 0(t0)
.Ljalr1_ret:
    j       fail
.Ljalr1_target:
    CHECK_ADDR ra, .Ljalr1_ret, 59

    /* positive offset */
    la      t0, .Ljalr2_target - 8
    jalr    ra, 8(t0)
.Ljalr2_ret:
    j       fail
.Ljalr2_target:
    CHECK_ADDR ra, .Ljalr2_ret, 60

    /* negative offset */
    la      t0, .Ljalr3_target + 16
    jalr    ra, -16(t0)
.Ljalr3_ret:
    j       fail
.Ljalr3_target:
    CHECK_ADDR ra, .Ljalr3_ret, 61

    /* bit 0 of the computed target is cleared: odd base register */
    la      t0, .Ljalr4_target + 1
    jalr    ra, 0(t0)
.Ljalr4_ret:
    j       fail
.Ljalr4_target:
    CHECK_ADDR ra, .Ljalr4_ret, 62

    /* bit 0 cleared: even base + odd offset */
    la      t0, .Ljalr5_target
    jalr    ra, 1(t0)
.Ljalr5_ret:
    j       fail
.Ljalr5_target:
    CHECK_ADDR ra, .Ljalr5_ret, 63

    /* odd base + odd offset = even target + 0 (nothing to clear) */
    la      t0, .Ljalr6_target - 1
    jalr    ra, 1(t0)
.Ljalr6_ret:
    j       fail
.Ljalr6_target:
    CHECK_ADDR ra, .Ljalr6_ret, 64

    /* rd == rs1: the target uses the OLD value of rs1 */
    la      t0, .Ljalr7_target
    jalr    t0, 0(t0)
.Ljalr7_ret:
    j       fail
.Ljalr7_target:
    CHECK_ADDR t0, .Ljalr7_ret, 65

    /* jalr x0 (jr): no link written */
    la      t0, .Ljalr8_target
    li      ra, 0x55
    jalr    x0, 0(t0)
    j       fail
.Ljalr8_target:
    CHECK_EQ ra, 0x55, 66
    CHECK_EQ x0, 0, 67

    /* call / ret through a real subroutine, twice */
    li      a0, 5
    jal     ra, .Lsub_double
    CHECK_EQ a0, 10, 68
    jal     ra, .Lsub_double
    CHECK_EQ a0, 20, 69
    /* the same subroutine via jalr with a computed address */
    la      t1, .Lsub_double
    jalr    ra, 0(t1)
.Ljalr9_ret:
    CHECK_EQ a0, 40, 70
    CHECK_ADDR ra, .Ljalr9_ret, 71
    j       .Lsub_done
.Lsub_double:
    add     a0, a0, a0
    jalr    x0, 0(ra)
.Lsub_done:

    /* link register is written even when it is also the target
       register of a later instruction in the callee (t2 chain) */
    la      t2, .Ljalr10_a
    jalr    t2, 0(t2)
.Ljalr10_ret:
    j       fail
.Ljalr10_a:
    CHECK_ADDR t2, .Ljalr10_ret, 72

    PASS
    TEST_END
