/*
 * entry.S - the kernel's assembly: M-mode boot, the S-mode trap vector and
 * the return to U-mode.
 *
 *   _start        M-mode, at 0x80000000 with a0 = hart id, a1 = device
 *                 tree.  Opens PMP, delegates the traps the kernel handles
 *                 to S-mode, zeroes .bss and mrets to s_main(hartid, dtb)
 *                 in S-mode.  M-mode is never entered again: a trap into
 *                 it (none is expected) prints a line and powers off.
 *   strap_entry   stvec (direct mode).  sscratch holds &trapframe while
 *                 the user program runs and 0 while the kernel runs, so
 *                 one csrrw tells the two apart (a trap from the kernel is
 *                 a bug: kernel_trap() reports it).
 *   user_return   user_return(tf): restore the user registers, sret.
 */
    .equ    TF_SEPC, 32*8
    .equ    EXIT_KERNEL, 121

    .section .text.init, "ax", @progbits
    .globl  _start
_start:
    csrw    mie, zero
    csrw    satp, zero
    /*
     * PMP entry 0: NAPOT over the whole address space, R+W+X, so that S-
     * and U-mode may reach memory at all (priv spec 3.7: with PMP
     * implemented and no entry matching, S/U accesses fail; QEMU's board
     * leaves every entry off).  pmpaddr0 all ones + A = NAPOT covers all.
     * mtvec points just past these writes first: on a hart without PMP the
     * writes trap and execution carries on there.
     */
    la      t0, 1f
    csrw    mtvec, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f                /* A = NAPOT (3 << 3), X W R */
    csrw    pmpcfg0, t0
    .balign 4
1:
    la      t0, m_trap
    csrw    mtvec, t0
    li      gp, 0                   /* no gp-relative addressing is used */
    li      tp, 0
    mv      s0, a0
    mv      s1, a1

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
    /*
     * Delegate to S-mode (priv spec 3.1.8, medeleg/mideleg): every
     * exception the user program can cause -- misaligned (0, 4, 6),
     * access faults (1, 5, 7), illegal instruction (2), breakpoint (3),
     * ecall from U (8) and the page faults (12, 13, 15) -- and the three
     * S-level interrupts (SSIP 1, STIP 5, SEIP 9; the kernel enables none
     * of them, it polls its disks).
     */
    li      t0, 0xb1ff
    csrw    medeleg, t0
    li      t0, 0x222
    csrw    mideleg, t0
    /* S-mode may read cycle, time and instret (priv spec 3.1.11). */
    li      t0, 7
    csrw    mcounteren, t0

    /* mret to s_main in S-mode: MPP = S, MPIE = 0, MPRV = 0 (3.1.6.1). */
    li      t0, (3 << 11) | (1 << 7) | (1 << 17)
    csrc    mstatus, t0
    li      t0, (1 << 11)
    csrs    mstatus, t0
    la      t0, s_main
    csrw    mepc, t0
    mv      a0, s0
    mv      a1, s1
    la      sp, kstack_top
    li      ra, 0
    mret

/* An M-mode trap: nothing in this kernel should cause one. */
    .balign 4
m_trap:
    la      t0, m_trap_msg
    li      t1, 0x10000000          /* UART, physical: M-mode has no paging */
4:  lbu     t2, 0(t0)
    beqz    t2, 6f
5:  lbu     t3, 5(t1)               /* LSR.THRE */
    andi    t3, t3, 0x20
    beqz    t3, 5b
    sb      t2, 0(t1)
    addi    t0, t0, 1
    j       4b
6:  li      t0, 0x100000
    li      t1, (EXIT_KERNEL << 16) | 0x3333
    sw      t1, 0(t0)
    j       6b

    .section .rodata
m_trap_msg:
    .asciz  "kernel: unexpected trap into M-mode\n"

    .text
/* Register save/restore of x1, x3..x31 (x2 = sp is handled apart). */
.macro SAVE_REGS base
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n*8(\base)
    .endr
.endm
.macro LOAD_REGS base
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, \n*8(\base)
    .endr
.endm

    .balign 4
    .globl  strap_entry
strap_entry:
    csrrw   sp, sscratch, sp        /* sp = &trapframe, sscratch = user sp */
    beqz    sp, from_kernel
    SAVE_REGS sp
    csrr    t0, sscratch
    sd      t0, 2*8(sp)
    csrw    sscratch, zero          /* now in the kernel */
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)
    mv      s0, sp
    la      sp, kstack_top
    mv      a0, s0
    call    user_trap
    mv      a0, s0
    /* fall through */

/* void user_return(struct trapframe *tf): back to U-mode (sstatus.SPP = U). */
    .globl  user_return
user_return:
    mv      sp, a0
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    csrw    sscratch, sp
    LOAD_REGS sp
    ld      sp, 2*8(sp)
    sret

from_kernel:
    csrrw   sp, sscratch, sp        /* back: sp = kernel sp, sscratch = 0 */
    j       kernel_trap

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl  kstack_top
kstack:     .skip 16384
kstack_top:
