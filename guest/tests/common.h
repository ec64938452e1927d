/*
 * common.h - shared harness for the rvmmu bare-metal ISA tests.
 *
 * Included (through the C preprocessor) by every tests/*.S file.
 *
 * Result convention (HTIF "tohost")
 * ---------------------------------
 *   The program runs in M-mode from _start (0x80000000).  It reports its
 *   result by storing one 64-bit value to the symbol `tohost` and then
 *   spinning forever (`1: j 1b`):
 *
 *       tohost = 1                  all checks passed
 *       tohost = (n << 1) | 1       numbered check n failed (n >= 1)
 *
 *   `tohost` and `fromhost` are 8-byte words in section .tohost, which is
 *   64-byte aligned (and placed on its own page by link.ld); fromhost sits
 *   directly after tohost and is never used by the tests.
 *
 *   Unexpected traps are reported as a failure with a distinctive code:
 *
 *       n = 0x100000 | (testnum << 8) | 0x80 | (interrupt ? 0x40 : 0)
 *                    | (mcause & 0x3f)
 *
 *   where testnum is the number of the last check that was started (gp).
 *   (A trap taken to the S-mode handler of trap.S that was not expected
 *   uses 0x200000 instead of 0x100000.)  So any n >= 0x100000 means
 *   "trap nobody asked for"; bits 15:8 say where, bits 5:0 the cause.
 *
 *   QEMU note: `qemu-system-riscv64 -machine spike` exits with status
 *   (tohost >> 1) & 0xff, so check numbers are chosen never to be a
 *   multiple of 256 (status 0 would look like a pass); unexpected traps
 *   always give a status >= 128.
 *
 * Register conventions
 * --------------------
 *   gp (x3)   number of the current check (TESTNUM)
 *   t6 (x31)  scratch for CHECK_* (expected value) and for the handlers:
 *             never check t6 itself, and don't keep live values in it
 *   t5 (x30)  scratch in the pass/fail code
 *   tp (x4)   trap "resume address": 0 = no trap expected.  When a trap
 *             is taken with tp != 0 the M-mode handler records
 *                 s8 = mstatus (as seen on entry to the handler)
 *                 s9 = mcause, s10 = mepc, s11 = mtval
 *             sets mepc = tp, clears tp, sets mstatus.MPP = M and mrets,
 *             i.e. execution ALWAYS resumes at tp in M-mode, whatever
 *             mode the trap came from.  EXPECT_TRAP sets this up.
 *
 * Assembly mode: `.option norvc` is in force after TEST_BEGIN so the plain
 * tests contain only 32-bit encodings; compressed.S switches rvc on.
 */
#ifndef RVMMU_GUEST_COMMON_H
#define RVMMU_GUEST_COMMON_H

#define TESTNUM gp

/* mstatus fields */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* exception causes */
#define CAUSE_MISALIGNED_FETCH   0
#define CAUSE_FETCH_ACCESS       1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT         3
#define CAUSE_MISALIGNED_LOAD    4
#define CAUSE_LOAD_ACCESS        5
#define CAUSE_MISALIGNED_STORE   6
#define CAUSE_STORE_ACCESS       7
#define CAUSE_USER_ECALL         8
#define CAUSE_SUPERVISOR_ECALL   9
#define CAUSE_MACHINE_ECALL      11

#define UNEXPECTED_TRAP_M 0x100000
#define UNEXPECTED_TRAP_S 0x200000

/*
 * TEST_BEGIN: emits _start, the M-mode trap handler and the common
 * initialisation, then falls through into the test body (in .text.init).
 */
.macro TEST_BEGIN
    .option norvc
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    j       .Lreset_vector

    /* ---- M-mode trap handler (direct mode, 4-byte aligned) ---- */
    .balign 4
    .globl  trap_vector
trap_vector:
    csrr    s8, mstatus
    csrr    s9, mcause
    csrr    s10, mepc
    csrr    s11, mtval
    beqz    tp, .Lunexpected_m_trap
    csrw    mepc, tp
    li      tp, 0
    li      t6, MSTATUS_MPP
    csrs    mstatus, t6             /* always resume in M-mode */
    mret
.Lunexpected_m_trap:
    /* n = 0x100000 | testnum << 8 | 0x80 | irq << 6 | (cause & 0x3f) */
    andi    t6, gp, 0xff
    slli    t6, t6, 8
    li      t5, UNEXPECTED_TRAP_M | 0x80
    or      t6, t6, t5
    andi    t5, s9, 0x3f
    or      t6, t6, t5
    bgez    s9, 1f
    ori     t6, t6, 0x40
1:  mv      gp, t6
    j       fail

.Lreset_vector:
    li      gp, 0
    li      tp, 0
    la      t0, trap_vector
    csrw    mtvec, t0
    /*
     * Open PMP entry 0 over the whole address space (NAPOT, RWX) so that
     * S/U-mode code can run on implementations with PMP (QEMU).  If the
     * PMP CSRs do not exist the resulting trap just skips this block.
     */
    la      tp, .Lpmp_done
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
.Lpmp_done:
    li      tp, 0
    li      t0, 0
.endm

/*
 * TEST_END: pass/fail epilogue plus the HTIF mailbox.  Put it after the
 * last check (a `PASS` right before it is implied by falling through).
 */
.macro TEST_END
    .balign 4
    .globl  pass
pass:
    fence
    li      t6, 1
    la      t5, tohost
    sd      t6, 0(t5)
1:  j       1b

    .balign 4
    .globl  fail
fail:
    fence
    bnez    gp, 2f
    li      gp, 0xfff               /* never report "pass" by accident */
2:  slli    t6, gp, 1
    ori     t6, t6, 1
    la      t5, tohost
    sd      t6, 0(t5)
3:  j       3b

    .pushsection .tohost, "aw", @progbits
    .balign 64
    .globl  tohost
    .type   tohost, @object
    .size   tohost, 8
tohost:   .dword 0
    .globl  fromhost
    .type   fromhost, @object
    .size   fromhost, 8
fromhost: .dword 0
    .popsection
.endm

.macro PASS
    j       pass
.endm

/* Fail with an explicit check number. */
.macro FAIL num
    li      gp, \num
    j       fail
.endm

/* ---------------------------------------------------------------------
 * Checks.  Each sets gp = num first, so a failure reports num.
 * The branch to fail is an inverted short branch around a `j`, so a test
 * file may be longer than the 4 KiB reach of a conditional branch.
 * ------------------------------------------------------------------- */

/* reg == expected (expected is any `li` immediate, up to 64 bits) */
.macro CHECK_EQ reg, expected, num
    li      gp, \num
    li      t6, \expected
    beq     \reg, t6, .Lck_ok\@
    j       fail
.Lck_ok\@:
.endm

/* reg1 == reg2 */
.macro CHECK_REG reg1, reg2, num
    li      gp, \num
    beq     \reg1, \reg2, .Lck_ok\@
    j       fail
.Lck_ok\@:
.endm

/* reg == address of symbol */
.macro CHECK_ADDR reg, sym, num
    li      gp, \num
    la      t6, \sym
    beq     \reg, t6, .Lck_ok\@
    j       fail
.Lck_ok\@:
.endm

/* (reg & mask) == expected  (mask/expected: li immediates; reg != t5) */
.macro CHECK_MASK reg, mask, expected, num
    li      gp, \num
    li      t6, \mask
    and     t6, \reg, t6
    li      t5, \expected
    beq     t6, t5, .Lck_ok\@
    j       fail
.Lck_ok\@:
.endm

/* ---------------------------------------------------------------------
 * Expected traps.
 *   EXPECT_TRAP resume_label   poisons s8..s11 with -1 and arms tp; the
 *   next trap (from any mode) lands at resume_label in M-mode with
 *   s8..s11 = mstatus/mcause/mepc/mtval.  If no trap happens the code
 *   falls through with s9 = -1, which the following cause check catches.
 * ------------------------------------------------------------------- */
.macro EXPECT_TRAP resume
    li      s8, -1
    li      s9, -1
    li      s10, -1
    li      s11, -1
    la      tp, \resume
.endm

/* After the resume label: check cause, mepc (symbol) and that tp was
 * consumed (i.e. a trap really happened). */
.macro CHECK_TRAP cause, epc_sym, num
    CHECK_EQ s9, \cause, \num
    CHECK_ADDR s10, \epc_sym, \num
    CHECK_EQ tp, 0, \num
.endm

/* ---------------------------------------------------------------------
 * ALU helpers
 * ------------------------------------------------------------------- */

/* rd = op(a, b) with a0/a1 as sources and a2 as destination */
.macro TEST_RR op, num, result, a, b
    li      a0, \a
    li      a1, \b
    \op     a2, a0, a1
    CHECK_EQ a2, \result, \num
.endm

/* rd = op(a, imm) */
.macro TEST_RI op, num, result, a, imm
    li      a0, \a
    \op     a2, a0, \imm
    CHECK_EQ a2, \result, \num
.endm

/* destination == first source */
.macro TEST_RR_SRC1_DEST op, num, result, a, b
    li      a0, \a
    li      a1, \b
    \op     a0, a0, a1
    CHECK_EQ a0, \result, \num
.endm

/* destination == second source */
.macro TEST_RR_SRC2_DEST op, num, result, a, b
    li      a0, \a
    li      a1, \b
    \op     a1, a0, a1
    CHECK_EQ a1, \result, \num
.endm

/* x0 as destination: result must be discarded */
.macro TEST_RR_ZERODEST op, num, a, b
    li      a0, \a
    li      a1, \b
    \op     x0, a0, a1
    CHECK_EQ x0, 0, \num
.endm

.macro TEST_RI_ZERODEST op, num, a, imm
    li      a0, \a
    \op     x0, a0, \imm
    CHECK_EQ x0, 0, \num
.endm

#endif /* RVMMU_GUEST_COMMON_H */
