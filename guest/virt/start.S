/*
 * start.S - M-mode start-up and trap entries for the virt-board programs.
 *
 *   _start          entered in M-mode with a0 = hart id, a1 = device tree
 *                   (QEMU virt -bios none, and rvmmu): opens PMP for S/U,
 *                   installs m_trap_entry, zeroes .bss, calls
 *                   main(hartid, dtb) and powers off with its return value.
 *   m_trap_entry    direct-mode M vector: saves the caller-saved registers
 *                   on the current stack, calls m_trap(frame), mret.
 *   s_trap_entry    the same for S-mode: s_trap(frame), sret.
 *   m_vector_table  vectored-mode M table (mtvec = table | 1): slot 7
 *                   (machine timer) calls m_timer_vectored(frame), every
 *                   other slot (exceptions use slot 0) m_trap(frame).
 *   enter_smode     enter_smode(fn, sp): mret to fn in S-mode.
 */
    .equ    FRAME_SIZE, 16*8

    .section .text.init, "ax", @progbits
    .globl  _start
_start:
    csrw    mie, zero
    csrw    mideleg, zero
    csrw    medeleg, zero
    csrw    satp, zero

    /*
     * PMP entry 0 = whole address space, NAPOT, RWX: QEMU's virt board
     * leaves PMP closed to S/U-mode.  mtvec points just past these writes
     * first, so a hart without PMP traps and carries on there.
     */
    la      t0, 1f
    csrw    mtvec, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    .balign 4
1:
    la      t0, m_trap_entry
    csrw    mtvec, t0
    li      gp, 0
    li      tp, 0
    mv      s0, a0                  /* hart id */
    mv      s1, a1                  /* device tree */

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
    mv      a0, s0
    mv      a1, s1
    call    main
    call    virt_exit               /* a0 = main's return value */

    .text
/* Save the caller-saved registers, call \handler(frame), restore, \ret. */
.macro TRAP_ENTRY name, handler, ret
    .balign 4
    .globl  \name
\name:
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
    mv      a0, sp
    call    \handler
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
    addi    sp, sp, FRAME_SIZE
    \ret
.endm

    TRAP_ENTRY m_trap_entry, m_trap, mret
    TRAP_ENTRY s_trap_entry, s_trap, sret
    TRAP_ENTRY m_timer_entry, m_timer_vectored, mret

/* Vectored table: 16 four-byte jumps (no compressed instructions here). */
    .balign 256
    .globl  m_vector_table
m_vector_table:
    .option push
    .option norvc
    j       m_trap_entry            /* 0: exceptions */
    j       m_trap_entry            /* 1: supervisor software */
    j       m_trap_entry            /* 2 */
    j       m_trap_entry            /* 3: machine software */
    j       m_trap_entry            /* 4 */
    j       m_trap_entry            /* 5: supervisor timer */
    j       m_trap_entry            /* 6 */
    j       m_timer_entry           /* 7: machine timer */
    j       m_trap_entry            /* 8 */
    j       m_trap_entry            /* 9: supervisor external */
    j       m_trap_entry            /* 10 */
    j       m_trap_entry            /* 11: machine external */
    j       m_trap_entry            /* 12 */
    j       m_trap_entry            /* 13 */
    j       m_trap_entry            /* 14 */
    j       m_trap_entry            /* 15 */
    .option pop

/*
 * void enter_smode(void (*fn)(void), uint64_t sp)  -- never returns.
 * mepc = fn, mstatus.MPP = S, MPRV = 0, MPIE = 0; then mret.
 */
    .balign 4
    .globl  enter_smode
enter_smode:
    csrw    mepc, a0
    li      t0, (3 << 11) | (1 << 17) | (1 << 7)
    csrc    mstatus, t0
    li      t0, (1 << 11)
    csrs    mstatus, t0
    mv      sp, a1
    li      ra, 0
    mret

/* ---- stacks ---- */
    .section .bss.stacks, "aw", @nobits
    .balign 16
    .globl  m_stack_top, s_stack_top
m_stack:    .skip 8192
m_stack_top:
s_stack:    .skip 8192
s_stack_top:
