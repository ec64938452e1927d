/*
 * interrupt.S - (optional feature) vectored mtvec and software-raised
 * supervisor software interrupts (SSIP), which M-mode can set in mip
 * without any interrupt controller (no CLINT/PLIC needed).
 *
 *  - mtvec MODE = 1 (vectored): exceptions still go to BASE, interrupt
 *    cause i goes to BASE + 4*i
 *  - a pending, enabled interrupt is not taken in M while mstatus.MIE = 0
 *    and is taken right after the instruction that sets MIE (mepc = the
 *    next instruction, mcause = 2^63 | 1, MPIE = 1, MIE = 0 in the trap)
 *  - from U-mode a non-delegated interrupt is taken regardless of MIE
 *  - mideleg: a delegated SSI is never taken in M (even with MIE = 1),
 *    is taken in U, and in S only once sstatus.SIE = 1 (to stvec with
 *    scause = 2^63 | 1 and sepc = the interrupted instruction)
 */
#include "common.h"

#define MIP_SSIP    (1 << 1)
#define IRQ_S_SOFT  0x8000000000000001

    TEST_BEGIN

    csrw    mie, x0
    csrw    mideleg, x0
    csrw    medeleg, x0
    li      t0, MIP_SSIP
    csrc    mip, t0
    li      s2, 0                           /* set to 1 by the SSI vector */

    /* ------------------------ vectored mtvec ------------------------- */
    la      t0, mvec_table
    ori     t0, t0, 1
    csrw    mtvec, t0
    csrr    a0, mtvec
    CHECK_REG a0, t0, 1

    /* exceptions go to BASE (entry 0 jumps to the common handler) */
    EXPECT_TRAP .Li2_resume
.Li2:
    ecall
.Li2_resume:
    CHECK_TRAP CAUSE_MACHINE_ECALL, .Li2, 2
    CHECK_EQ s2, 0, 3

    /* ------------------- pending, but MIE = 0 in M ------------------- */
    li      t0, MIP_SSIP
    csrw    mie, t0                         /* SSIE */
    csrs    mip, t0                         /* raise SSIP */
    EXPECT_TRAP .Li4_resume
    nop
    nop
    csrr    a0, mip
    CHECK_MASK a0, MIP_SSIP, MIP_SSIP, 4    /* visible as pending */
    CHECK_EQ s9, -1, 5                      /* and not taken */

    /* ------------------- setting MIE takes it at once ---------------- */
    csrsi   mstatus, MSTATUS_MIE
.Li6_next:
    nop
.Li4_resume:
    CHECK_EQ s9, IRQ_S_SOFT, 6
    CHECK_ADDR s10, .Li6_next, 7            /* precise: after the csrsi */
    CHECK_EQ s2, 1, 8                       /* came through BASE + 4 */
    CHECK_MASK s8, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP, 9
    csrr    a0, mip
    CHECK_MASK a0, MIP_SSIP, 0, 10          /* handler cleared it */
    csrci   mstatus, MSTATUS_MIE

    /* --------- U-mode: non-delegated interrupt ignores MIE = 0 ------- */
    li      s2, 0
    li      t0, MIP_SSIP
    csrs    mip, t0
    EXPECT_TRAP .Li11_resume
    li      t6, MSTATUS_MPP | MSTATUS_MPIE
    csrc    mstatus, t6                     /* MPP = U, MPIE = 0 */
    la      t6, .Li11_u
    csrw    mepc, t6
    mret
.Li11_u:
    nop
    j       fail
.Li11_resume:
    CHECK_EQ s9, IRQ_S_SOFT, 11
    CHECK_ADDR s10, .Li11_u, 12
    CHECK_MASK s8, MSTATUS_MPP, (PRV_U << 11), 13
    CHECK_EQ s2, 1, 14

    /* ----------------------- delegated to S -------------------------- */
    la      t0, strap_vector
    csrw    stvec, t0
    li      t0, MIP_SSIP
    csrw    mideleg, t0
    csrs    mip, t0                         /* pending, delegated */
    li      s2, 0
    li      s4, -1
    EXPECT_TRAP .Li15_resume
    csrsi   mstatus, MSTATUS_MIE            /* M: delegated SSI ignored */
    nop
    nop
.Li15_resume:
    CHECK_EQ s9, -1, 15
    CHECK_EQ s4, -1, 16
    csrci   mstatus, MSTATUS_MIE

    /* in U it is taken (to S) */
    EXPECT_TRAP .Li17_resume                /* S handler ecalls to M */
    li      t6, MSTATUS_MPP | MSTATUS_SIE
    csrc    mstatus, t6                     /* MPP = U, SIE = 0 */
    la      t6, .Li17_u
    csrw    mepc, t6
    mret
.Li17_u:
    nop
    j       fail
.Li17_resume:
    CHECK_EQ s4, IRQ_S_SOFT, 17             /* scause */
    CHECK_ADDR s5, .Li17_u, 18              /* sepc */
    CHECK_EQ s9, CAUSE_SUPERVISOR_ECALL, 19 /* handler ran in S */
    CHECK_EQ s2, 0, 20                      /* not via the M vector */

    /* in S it waits for sstatus.SIE */
    li      t0, MIP_SSIP
    csrs    mip, t0
    li      s4, -1
    EXPECT_TRAP .Li21_resume
    li      t6, MSTATUS_MPP
    csrc    mstatus, t6
    li      t6, (PRV_S << 11)
    csrs    mstatus, t6
    la      t6, .Li21_s
    csrw    mepc, t6
    mret
.Li21_s:
    nop
    nop
    mv      a0, s4                          /* still -1: not taken yet */
    csrsi   sstatus, MSTATUS_SIE
.Li21_next:
    nop
    j       fail
.Li21_resume:
    CHECK_EQ a0, -1, 21
    CHECK_EQ s4, IRQ_S_SOFT, 22
    CHECK_ADDR s5, .Li21_next, 23
    CHECK_EQ s9, CAUSE_SUPERVISOR_ECALL, 24

    /* leave everything quiet */
    csrw    mideleg, x0
    csrw    mie, x0
    li      t0, MSTATUS_SIE
    csrc    mstatus, t0
    PASS

    /* ---------------------- M vector table --------------------------- */
    .balign 256
mvec_table:
    j       trap_vector                     /* 0: exceptions */
    j       mvec_ssi                        /* 1: supervisor software */
    j       mvec_bad                        /* 2 */
    j       mvec_bad                        /* 3: machine software */
    j       mvec_bad                        /* 4 */
    j       mvec_bad                        /* 5: supervisor timer */
    j       mvec_bad                        /* 6 */
    j       mvec_bad                        /* 7: machine timer */
    j       mvec_bad                        /* 8 */
    j       mvec_bad                        /* 9: supervisor external */
    j       mvec_bad                        /* 10 */
    j       mvec_bad                        /* 11: machine external */
mvec_ssi:
    li      s2, 1
    li      t6, MIP_SSIP
    csrc    mip, t6
    j       trap_vector                     /* record + resume at tp */
mvec_bad:
    li      gp, 0x1ff                       /* interrupt on a wrong vector */
    j       fail

    /* S handler (direct mode): record, clear SSIP, ecall to M */
    .balign 4
strap_vector:
    csrr    s4, scause
    csrr    s5, sepc
    li      t6, MIP_SSIP
    csrc    sip, t6
    ecall

    TEST_END
