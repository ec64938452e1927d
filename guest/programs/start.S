/*
 * start.S - M-mode start-up, trap entry and S-mode entry for the rvmmu
 * demo programs (loop, loop-sv39, tlbdemo, fpprint).
 *
 *   _start        entered in M-mode at reset: opens PMP, installs the trap
 *                 vector, enables the FPU if built with F/D, zeroes .bss,
 *                 sets up the M-mode stack and calls main() (C, never
 *                 returns).
 *   trap_entry    M-mode trap vector: switches to a private trap stack
 *                 (through mscratch), saves the caller-saved registers in
 *                 a struct trap_frame (rt.h) and calls m_trap(frame).
 *   enter_smode   enter_smode(fn, sp): mret to fn in S-mode with stack sp.
 *
 * tohost/fromhost (HTIF) are defined here, in section .tohost.
 */
    .equ    FRAME_SIZE, 20*8        /* 19 saved words, 16-byte aligned */

    .section .text.init, "ax", @progbits
    .globl  _start
_start:
    /* No interrupts, nothing delegated, translation off. */
    csrw    mie, zero
    csrw    mideleg, zero
    csrw    medeleg, zero
    csrw    satp, zero

    /*
     * PMP entry 0 = whole address space, NAPOT, RWX, so that S-mode may
     * access memory on harts with PMP (QEMU).  mtvec points just past
     * these writes first: a hart without PMP traps and lands there.
     */
    la      t0, 1f
    csrw    mtvec, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    .balign 4
1:
    la      t0, trap_entry
    csrw    mtvec, t0
    la      t0, trap_stack_top
    csrw    mscratch, t0

    li      gp, 0                   /* no gp-relative addressing is used */
    li      tp, 0

#ifdef __riscv_flen
    /*
     * Built for F/D (fpprint): turn the FPU on before any C code runs
     * (mstatus.FS = Initial; with FS = Off every FP instruction is
     * illegal) and start from fcsr = 0 (round to nearest, no flags).
     */
    li      t0, (1 << 13)
    csrs    mstatus, t0
    csrw    fcsr, zero
#endif

    /* Zero .bss: 64 bytes per iteration (bounds are 64-byte aligned). */
    la      t0, _bss_start
    la      t1, _bss_end
    bgeu    t0, t1, 3f
2:  sd      zero, 0(t0)
    sd      zero, 8(t0)
    sd      zero, 16(t0)
    sd      zero, 24(t0)
    sd      zero, 32(t0)
    sd      zero, 40(t0)
    sd      zero, 48(t0)
    sd      zero, 56(t0)
    addi    t0, t0, 64
    bltu    t0, t1, 2b
3:
    la      sp, m_stack_top
    call    main
    /* main never returns; if it does, report exit code 0x7e. */
    li      a0, 0x7e
    call    htif_exit

/*
 * Trap vector (direct mode).  mscratch holds the top of trap_stack while
 * no trap is being handled.  Callee-saved registers are preserved by the
 * C handler itself.
 */
    .text
    .balign 4
    .globl  trap_entry
trap_entry:
    csrrw   sp, mscratch, sp
    addi    sp, sp, -FRAME_SIZE
    sd      ra,   0*8(sp)
    sd      t0,   1*8(sp)
    sd      t1,   2*8(sp)
    sd      t2,   3*8(sp)
    sd      a0,   4*8(sp)
    sd      a1,   5*8(sp)
    sd      a2,   6*8(sp)
    sd      a3,   7*8(sp)
    sd      a4,   8*8(sp)
    sd      a5,   9*8(sp)
    sd      a6,  10*8(sp)
    sd      a7,  11*8(sp)
    sd      t3,  12*8(sp)
    sd      t4,  13*8(sp)
    sd      t5,  14*8(sp)
    sd      t6,  15*8(sp)
    sd      gp,  16*8(sp)
    sd      tp,  17*8(sp)
    csrr    t0, mscratch            /* the interrupted sp */
    sd      t0,  18*8(sp)
    mv      a0, sp
    call    m_trap
    ld      ra,   0*8(sp)
    ld      t0,   1*8(sp)
    ld      t1,   2*8(sp)
    ld      t2,   3*8(sp)
    ld      a0,   4*8(sp)
    ld      a1,   5*8(sp)
    ld      a2,   6*8(sp)
    ld      a3,   7*8(sp)
    ld      a4,   8*8(sp)
    ld      a5,   9*8(sp)
    ld      a6,  10*8(sp)
    ld      a7,  11*8(sp)
    ld      t3,  12*8(sp)
    ld      t4,  13*8(sp)
    ld      t5,  14*8(sp)
    ld      t6,  15*8(sp)
    ld      gp,  16*8(sp)
    ld      tp,  17*8(sp)
    addi    sp, sp, FRAME_SIZE
    csrrw   sp, mscratch, sp
    mret

/*
 * void enter_smode(void (*fn)(void), uint64_t sp)  -- never returns.
 * mepc = fn, mstatus.MPP = S, MPRV = 0, MPIE = 0; then mret.
 */
    .balign 4
    .globl  enter_smode
enter_smode:
    csrw    mepc, a0
    li      t0, (3 << 11) | (1 << 17) | (1 << 7)
    csrc    mstatus, t0             /* MPP = U (0), MPRV = 0, MPIE = 0 */
    li      t0, (1 << 11)
    csrs    mstatus, t0             /* MPP = S */
    mv      sp, a1
    li      ra, 0                   /* fn must not return */
    mret

/* ---- stacks (in .bss, zeroed above before first use) ---- */
    .section .bss.stacks, "aw", @nobits
    .balign 16
    .globl  m_stack_top, s_stack_top, trap_stack_top
m_stack:    .skip 8192
m_stack_top:
s_stack:    .skip 16384
s_stack_top:
trap_stack: .skip 4096
trap_stack_top:

/* ---- HTIF mailbox ---- */
    .section .tohost, "aw", @progbits
    .balign 64
    .globl  tohost
    .type   tohost, @object
    .size   tohost, 8
tohost:     .dword 0
    .globl  fromhost
    .type   fromhost, @object
    .size   fromhost, 8
fromhost:   .dword 0
