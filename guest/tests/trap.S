/*
 * trap.S - exceptions, privilege modes, delegation and xRET.
 *
 *  - ECALL from M/S/U (cause 11/9/8, mepc = the ecall, mtval = 0)
 *  - EBREAK (cause 3, mepc = the ebreak) from M and U
 *  - illegal instructions (cause 2, mtval = the instruction bits):
 *    0x00000000, 0xffffffff, an FP op with no F/FS=Off (0x00000053)
 *  - mstatus.MIE/MPIE/MPP on trap entry and on MRET (MPP <- U)
 *  - MRET to S and U mode via MPP; privilege checks from those modes:
 *    M-mode CSR from S, S-mode CSR from U, MRET from S/U, SRET from U
 *  - SRET in S with mstatus.TSR = 1, WFI in S with mstatus.TW = 1
 *  - medeleg: U ecall / S ecall / U illegal instruction delegated to the
 *    S-mode handler (scause, sepc, stval, sstatus.SPP/SPIE/SIE), SRET
 *    back to U or S; traps taken in M are never delegated
 *  (instruction-address-misaligned cannot happen with C, so not tested)
 *
 * Mode switches: ENTER_MODE sets MPP and mepc and executes MRET.  The
 * common M handler (common.h) resumes at tp in M-mode and leaves
 * s8..s11 = mstatus/mcause/mepc/mtval.  The S handler below (stvec)
 * records s7 = sstatus, s4 = scause, s5 = sepc, s6 = stval and SRETs to
 * the address in s3 (then clears s3); s3 == 0 means "not expected".
 */
#include "common.h"

#define INSN_CSRR_A0_MSTATUS 0x30002573
#define INSN_CSRR_A0_SSTATUS 0x10002573
#define INSN_MRET            0x30200073
#define INSN_SRET            0x10200073
#define INSN_WFI             0x10500073

.macro ENTER_MODE mode, target
    li      t6, MSTATUS_MPP
    csrc    mstatus, t6
    li      t6, (\mode << 11)
    csrs    mstatus, t6
    la      t6, \target
    csrw    mepc, t6
    mret
.endm

/* check (s8 >> 11) & 3 == mode: the mode the M trap came from */
.macro CHECK_MPP mode, num
    CHECK_MASK s8, MSTATUS_MPP, (\mode << 11), \num
.endm

    TEST_BEGIN

    csrw    mie, x0                         /* no interrupt sources */
    csrw    medeleg, x0
    csrw    mideleg, x0
    la      t0, strap_vector
    csrw    stvec, t0
    li      s3, 0

    /* --------------------------- ECALL from M ------------------------ */
    EXPECT_TRAP .Lt1_resume
.Lt1:
    ecall
.Lt1_resume:
    CHECK_TRAP CAUSE_MACHINE_ECALL, .Lt1, 1
    CHECK_EQ s11, 0, 2                      /* mtval = 0 */
    CHECK_MPP PRV_M, 3

    /* ------------------ mstatus on trap entry / MRET ----------------- */
    li      t0, MSTATUS_MIE
    csrs    mstatus, t0                     /* MIE = 1 */
    li      t0, MSTATUS_MPIE
    csrc    mstatus, t0                     /* MPIE = 0 */
    EXPECT_TRAP .Lt2_resume
.Lt2:
    ecall
.Lt2_resume:
    CHECK_TRAP CAUSE_MACHINE_ECALL, .Lt2, 4
    /* inside the handler: MIE = 0, MPIE = old MIE = 1, MPP = M */
    CHECK_MASK s8, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP, 5
    /* after MRET: MIE = MPIE = 1, MPIE = 1, MPP = U (least privileged) */
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MIE | MSTATUS_MPIE, 6
    li      t0, MSTATUS_MIE
    csrc    mstatus, t0                     /* MIE = 0 again */
    EXPECT_TRAP .Lt3_resume
.Lt3:
    ecall
.Lt3_resume:
    CHECK_TRAP CAUSE_MACHINE_ECALL, .Lt3, 7
    CHECK_MASK s8, MSTATUS_MIE | MSTATUS_MPIE, 0, 8 /* MPIE = old MIE = 0 */
    csrr    a0, mstatus
    CHECK_MASK a0, MSTATUS_MIE | MSTATUS_MPIE, MSTATUS_MPIE, 9

    /* ------------------------------ EBREAK --------------------------- */
    EXPECT_TRAP .Lt4_resume
.Lt4:
    ebreak
.Lt4_resume:
    CHECK_TRAP CAUSE_BREAKPOINT, .Lt4, 10

    /* ----------------------- illegal instructions -------------------- */
    li      a0, 0x11
    EXPECT_TRAP .Lt5_resume
.Lt5:
    .word   0x00000000
.Lt5_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt5, 11
    CHECK_EQ s11, 0, 12
    CHECK_EQ a0, 0x11, 13

    EXPECT_TRAP .Lt6_resume
.Lt6:
    .word   0xffffffff
.Lt6_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt6, 14
    CHECK_EQ s11, 0xffffffff, 15

    EXPECT_TRAP .Lt7_resume
.Lt7:
    .word   0x00000053                      /* fadd.s f0, f0, f0 (no F) */
.Lt7_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt7, 16
    CHECK_EQ s11, 0x00000053, 17

    /* ------------------ MRET to S-mode, ECALL from S ----------------- */
    EXPECT_TRAP .Lt8_resume
    ENTER_MODE PRV_S, .Lt8_s
.Lt8_s:
    csrr    a0, sstatus                     /* legal in S */
    csrr    a0, sscratch
.Lt8:
    ecall
    j       fail
.Lt8_resume:
    CHECK_TRAP CAUSE_SUPERVISOR_ECALL, .Lt8, 18
    CHECK_MPP PRV_S, 19
    CHECK_EQ s11, 0, 20

    /* ------------------ MRET to U-mode, ECALL from U ----------------- */
    EXPECT_TRAP .Lt9_resume
    ENTER_MODE PRV_U, .Lt9_u
.Lt9_u:
    addi    a0, x0, 1                       /* ordinary code runs in U */
.Lt9:
    ecall
    j       fail
.Lt9_resume:
    CHECK_TRAP CAUSE_USER_ECALL, .Lt9, 21
    CHECK_MPP PRV_U, 22
    CHECK_EQ a0, 1, 23

    /* EBREAK from U goes to M with MPP = U */
    EXPECT_TRAP .Lt10_resume
    ENTER_MODE PRV_U, .Lt10
.Lt10:
    ebreak
    j       fail
.Lt10_resume:
    CHECK_TRAP CAUSE_BREAKPOINT, .Lt10, 24
    CHECK_MPP PRV_U, 25

    /* --------------------- privilege violations ---------------------- */
    /* M-mode CSR from S-mode */
    li      a0, 0x22
    EXPECT_TRAP .Lt11_resume
    ENTER_MODE PRV_S, .Lt11
.Lt11:
    csrr    a0, mstatus
    j       fail
.Lt11_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt11, 26
    CHECK_EQ s11, INSN_CSRR_A0_MSTATUS, 27
    CHECK_MPP PRV_S, 28
    CHECK_EQ a0, 0x22, 29

    /* S-mode CSR from U-mode */
    EXPECT_TRAP .Lt12_resume
    ENTER_MODE PRV_U, .Lt12
.Lt12:
    csrr    a0, sstatus
    j       fail
.Lt12_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt12, 30
    CHECK_EQ s11, INSN_CSRR_A0_SSTATUS, 31
    CHECK_MPP PRV_U, 32

    /* MRET from S-mode */
    EXPECT_TRAP .Lt13_resume
    ENTER_MODE PRV_S, .Lt13
.Lt13:
    mret
    j       fail
.Lt13_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt13, 33
    CHECK_EQ s11, INSN_MRET, 34
    CHECK_MPP PRV_S, 35

    /* MRET from U-mode */
    EXPECT_TRAP .Lt14_resume
    ENTER_MODE PRV_U, .Lt14
.Lt14:
    mret
    j       fail
.Lt14_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt14, 36
    CHECK_MPP PRV_U, 37

    /* SRET from U-mode */
    EXPECT_TRAP .Lt15_resume
    ENTER_MODE PRV_U, .Lt15
.Lt15:
    sret
    j       fail
.Lt15_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt15, 38
    CHECK_EQ s11, INSN_SRET, 39
    CHECK_MPP PRV_U, 40

    /* ------------------- mstatus.TSR: SRET in S traps ---------------- */
    li      t0, MSTATUS_TSR
    csrs    mstatus, t0
    EXPECT_TRAP .Lt16_resume
    ENTER_MODE PRV_S, .Lt16
.Lt16:
    sret
    j       fail
.Lt16_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt16, 41
    CHECK_EQ s11, INSN_SRET, 42
    CHECK_MPP PRV_S, 43
    li      t0, MSTATUS_TSR
    csrc    mstatus, t0
    /* with TSR = 0 the same SRET works: S -> S (SPP = 1) at sepc, and
       the ECALL there then comes from S */
    EXPECT_TRAP .Lt17_resume
    ENTER_MODE PRV_S, .Lt17_s
.Lt17_s:
    li      t0, MSTATUS_SPP
    csrs    sstatus, t0
    la      t0, .Lt17_after_sret
    csrw    sepc, t0
    sret
    j       fail
.Lt17_after_sret:
.Lt17:
    ecall
    j       fail
.Lt17_resume:
    CHECK_TRAP CAUSE_SUPERVISOR_ECALL, .Lt17, 44
    CHECK_MPP PRV_S, 45
    /* SRET set SPP to U and SIE to the old SPIE */
    CHECK_MASK s8, MSTATUS_SPP, 0, 46

    /* -------------------- mstatus.TW: WFI in S traps ----------------- */
    li      t0, MSTATUS_TW
    csrs    mstatus, t0
    EXPECT_TRAP .Lt18_resume
    ENTER_MODE PRV_S, .Lt18
.Lt18:
    wfi
    j       fail
.Lt18_resume:
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt18, 47
    CHECK_EQ s11, INSN_WFI, 48
    CHECK_MPP PRV_S, 49
    li      t0, MSTATUS_TW
    csrc    mstatus, t0

    /* ------------- delegation: U ecall handled in S-mode ------------- */
    li      t0, (1 << CAUSE_USER_ECALL)
    csrw    medeleg, t0
    li      t0, MSTATUS_SIE
    csrs    mstatus, t0                     /* SIE = 1 (mie = 0: no irqs) */
    li      t0, MSTATUS_SPIE | MSTATUS_SPP
    csrc    mstatus, t0
    li      s4, -1
    li      s5, -1
    li      s6, -1
    li      s7, -1
    la      s3, .Lt19_u_after               /* S handler SRETs here (U) */
    EXPECT_TRAP .Lt19_resume                /* final trap: U -> M */
    ENTER_MODE PRV_U, .Lt19_u
.Lt19_u:
.Lt19:
    ecall                                   /* -> S handler */
    j       fail
.Lt19_u_after:
.Lt19_back_in_u:
    csrr    a0, sstatus                     /* U: illegal -> M (not delegated) */
    j       fail
.Lt19_resume:
    CHECK_EQ s4, CAUSE_USER_ECALL, 50       /* scause */
    CHECK_ADDR s5, .Lt19, 51                /* sepc */
    CHECK_EQ s6, 0, 52                      /* stval */
    CHECK_EQ s3, 0, 53                      /* S handler ran */
    /* sstatus inside the S handler: SPP = U, SPIE = old SIE = 1, SIE = 0 */
    CHECK_MASK s7, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE, 54
    /* then SRET went back to U (the csrr trapped from U) ... */
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt19_back_in_u, 55
    CHECK_MPP PRV_U, 56
    /* ... and set SIE = SPIE = 1, SPIE = 1, SPP = U */
    CHECK_MASK s8, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE | MSTATUS_SIE, 57
    li      t0, MSTATUS_SIE
    csrc    mstatus, t0

    /* ------------- delegation: S ecall handled in S-mode ------------- */
    li      t0, (1 << CAUSE_USER_ECALL) | (1 << CAUSE_SUPERVISOR_ECALL)
    csrw    medeleg, t0
    li      s4, -1
    li      s7, -1
    la      s3, .Lt20_s_after               /* S handler SRETs here (S) */
    EXPECT_TRAP .Lt20_resume
    ENTER_MODE PRV_S, .Lt20
.Lt20:
    ecall                                   /* -> S handler, SPP = S */
    j       fail
.Lt20_s_after:
    csrr    a0, mstatus                     /* S: illegal -> M */
    j       fail
.Lt20_resume:
    CHECK_EQ s4, CAUSE_SUPERVISOR_ECALL, 58
    CHECK_ADDR s5, .Lt20, 59
    CHECK_MASK s7, MSTATUS_SPP, MSTATUS_SPP, 60
    CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION, .Lt20_s_after, 61
    CHECK_MPP PRV_S, 62                     /* SRET returned to S */
    /* a delegated trap does not touch mcause/mepc... checked above by the
       M handler seeing the later trap only; now the M ecall is not
       delegable and an M ebreak is not delegated even if bit 3 is set */
    li      t0, (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_USER_ECALL) | (1 << CAUSE_SUPERVISOR_ECALL)
    csrw    medeleg, t0
    EXPECT_TRAP .Lt21_resume
.Lt21:
    ebreak                                  /* in M: stays in M */
.Lt21_resume:
    CHECK_TRAP CAUSE_BREAKPOINT, .Lt21, 63
    CHECK_MPP PRV_M, 64
    EXPECT_TRAP .Lt22_resume
.Lt22:
    ecall                                   /* in M: stays in M */
.Lt22_resume:
    CHECK_TRAP CAUSE_MACHINE_ECALL, .Lt22, 65

    /* ------ delegation: U illegal instruction handled in S-mode ------ */
    li      t0, (1 << CAUSE_ILLEGAL_INSTRUCTION)
    csrw    medeleg, t0
    li      s4, -1
    li      s6, -1
    la      s3, .Lt23_u_after
    EXPECT_TRAP .Lt23_resume
    ENTER_MODE PRV_U, .Lt23
.Lt23:
    .word   0x00000000                      /* illegal -> S handler */
    j       fail
.Lt23_u_after:
.Lt23_ecall:
    ecall                                   /* not delegated now -> M */
    j       fail
.Lt23_resume:
    CHECK_EQ s4, CAUSE_ILLEGAL_INSTRUCTION, 66
    CHECK_ADDR s5, .Lt23, 67
    CHECK_EQ s6, 0, 68                      /* stval = instruction bits */
    CHECK_MASK s7, MSTATUS_SPP, 0, 69
    CHECK_TRAP CAUSE_USER_ECALL, .Lt23_ecall, 70
    CHECK_MPP PRV_U, 71

    /* same, with a non-zero instruction: csrr a0, mstatus from U */
    li      s4, -1
    li      s6, -1
    la      s3, .Lt24_u_after
    EXPECT_TRAP .Lt24_resume
    ENTER_MODE PRV_U, .Lt24
.Lt24:
    csrr    a0, mstatus                     /* illegal -> S handler */
    j       fail
.Lt24_u_after:
.Lt24_ecall:
    ecall
    j       fail
.Lt24_resume:
    CHECK_EQ s4, CAUSE_ILLEGAL_INSTRUCTION, 72
    CHECK_ADDR s5, .Lt24, 73
    CHECK_EQ s6, INSN_CSRR_A0_MSTATUS, 74
    CHECK_TRAP CAUSE_USER_ECALL, .Lt24_ecall, 75
    csrw    medeleg, x0

    PASS

    /* ---------------------------- S handler -------------------------- */
    .balign 4
strap_vector:
    csrr    s7, sstatus
    csrr    s4, scause
    csrr    s5, sepc
    csrr    s6, stval
    beqz    s3, .Lunexpected_s_trap
    csrw    sepc, s3
    li      s3, 0
    sret
.Lunexpected_s_trap:
    /* n = 0x200000 | testnum << 8 | 0x80 | irq << 6 | (scause & 0x3f) */
    andi    t6, gp, 0xff
    slli    t6, t6, 8
    li      t5, UNEXPECTED_TRAP_S | 0x80
    or      t6, t6, t5
    andi    t5, s4, 0x3f
    or      t6, t6, t5
    bgez    s4, 1f
    ori     t6, t6, 0x40
1:  mv      gp, t6
    j       fail

    TEST_END
