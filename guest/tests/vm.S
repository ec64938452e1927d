/*
 * vm.S - Sv39 virtual memory, from S-mode and U-mode.
 *
 * M-mode builds the page tables (at run time: PTEs hold physical page
 * numbers that only the linker knows), delegates page faults (12, 13, 15)
 * and U-mode ECALL (8) to S-mode, writes satp = Sv39 | ASID 5 | root and
 * MRETs to S-mode with MPRV set (MRET to S must clear it).  All checks up
 * to check 127 run in S-mode (and U-mode), then an S-mode ECALL (not
 * delegated) returns to M-mode for the MPRV checks.
 *
 * Coverage
 *  - translation through a 1 GiB identity leaf (the code keeps running
 *    after satp is written), 4 KiB leaves, a 2 MiB leaf, 1 GiB aliases in
 *    the low and the high (sign-extended) half of the address space;
 *    store through one VA and load through the others; instruction fetch
 *    through the 2 MiB alias
 *  - page faults with their scause (12 fetch, 13 load, 15 store/AMO),
 *    sepc and stval = the faulting VA: V=0 at each level, W=1 R=0,
 *    X-only page (load faults, MXR=1 makes it readable, stores still
 *    fault), read-only page (store and AMOs fault), fetch from non-X
 *    pages, U page from S with SUM=0/1, S fetch from a U page with SUM=1,
 *    misaligned 2 MiB and 1 GiB leaves, non-canonical VAs (also one whose
 *    low 39 bits name a 4 KiB leaf, in a loop, for compiled code), a pointer PTE
 *    at level 0, PTE bits 63:54 (reserved, PBMT, N) set
 *  - an instruction straddling a page boundary: second page unmapped
 *    (fetch fault, sepc = instruction, stval = second page) and second
 *    page mapped to a non-adjacent physical page (executes correctly)
 *  - a misaligned load crossing two pages mapped to non-adjacent physical
 *    pages (also in a loop, for compiled code), and misaligned accesses
 *    crossing into an unmapped page (the fault is on the second page, so
 *    stval = its first byte).  This relies on misaligned loads/stores
 *    being emulated rather than trapped (the spec allows either): rvmmu
 *    and QEMU 7.2 both emulate (checks 12-16)
 *  - U-mode: SRET to code on a U page, U loads/stores a U page, U touches
 *    an S page (13, 15), U fetches an S page and a non-X U page (12),
 *    U ECALL (8); sstatus.SPP = 0 for traps from U
 *  - SFENCE.VMA by address, by ASID, by address+ASID and x0,x0 after
 *    remapping / invalidating a PTE; a satp switch to another ASID and
 *    root table (no fence needed: the ASID was never used before)
 *  - A/D bits: every PTE has A (and D if writable) preset, except two
 *    pages used by a probe: a load from an A=0 page either page-faults
 *    (Svade, `--ad trap`: then A=0 -> 13, D=0 store -> 15, PTEs untouched)
 *    or succeeds (Svadu, `--ad hw`, QEMU: then A is set by the load, D
 *    stays 0, and a store sets D); both end with A=D=1
 *  - MPRV in M-mode: loads/stores translated with MPP=S and MPP=U, SUM and
 *    MXR apply, a fault is taken in M (not delegated, scause untouched),
 *    MPP=M means no translation
 *
 * QEMU 7.2 (-DQEMU_QUIRKS, `make qemu`): its MRET to S-mode leaves
 * mstatus.MPRV set (privileged spec 1.12+: "If y != M, xRET also sets
 * MPRV = 0"; observed on 7.2.22, and a QEMU patch for it was posted in
 * December 2022), so check 130 only looks at MPP there.  Without
 * QEMU_QUIRKS, QEMU 7.2 reports check 130.
 *
 * Check numbers: n = trap taken with the right scause and sepc, n+1 =
 * stval, for every expected page fault (see the S_FAULT macros); the
 * others are single checks.  Checks 1-2 and 129-144 run in M-mode (128
 * is the S-mode ECALL that returns there); 145-146, added later, run in
 * S-mode among the non-canonical checks.
 *
 * Registers: s3 = S handler resume address (0 = no trap expected); the S
 * handler records s4 = scause, s5 = sepc, s6 = stval, s7 = sstatus and
 * always resumes at s3 in S-mode.  tp / s8..s11 as in common.h (M).
 */
#include "common.h"

#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT  13
#define CAUSE_STORE_PAGE_FAULT 15

#define MSTATUS_SUM (1 << 18)
#define MSTATUS_MXR (1 << 19)

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80

#define RW_AD   (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define RWX_AD  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RX_A    (PTE_V | PTE_R | PTE_X | PTE_A)

#define RAM_BASE 0x80000000
#define ASID1    5
#define ASID2    6

/* virtual addresses */
#define VA_PAGE(i)      (0x40000000 + (i) * 0x1000)    /* 4 KiB leaves (l0_a) */
#define VA_RW           VA_PAGE(0)
#define VA_MEGA         0x40200000          /* 2 MiB leaf -> RAM_BASE, RWX */
#define VA_MEGA_MIS     0x40400000          /* 2 MiB leaf, PPN not aligned */
#define VA_L1_INV       0x40800000          /* level-1 PTE with V = 0 */
#define VA_GIGA         0xc0000000          /* 1 GiB leaf -> RAM_BASE, RW */
#define VA_GIGA_MIS     0x100000000         /* 1 GiB leaf, PPN not aligned */
#define VA_HIGH         0xffffffc080000000  /* root[258]: 1 GiB -> RAM_BASE */
#define VA_ROOT_INV     0x12345678          /* root[0]: V = 0 */
/* non-canonical; their low 39 bits select the valid root[258] / root[2] */
#define VA_NONCANON_LO  0x0000004080000000
#define VA_NONCANON_HI  0xffffff8080000018
/* non-canonical; its low 39 bits are VA_RW, a 4 KiB leaf */
#define VA_NONCANON_4K  0x0000008040000000

#define MAGIC_RW   0x1122334455667788
#define MAGIC_RO   0x0f0e0d0c0b0a0908
#define MAGIC_U    0x7766554433221100
#define MAGIC_AD   0x00adadad00adadad
#define MAGIC_SFA  0x5fa05fa15fa25fa3
#define MAGIC_SFB  0x5fb05fb15fb25fb3
#define MAGIC_W1   0x0123456789abcdef
#define MAGIC_W2   0x7edcba9876543210
#define MAGIC_W3   0x3333444455556666
#define MAGIC_W4   0x4444555566667777
#define MAGIC_W5   0x5555666677778888
#define MAGIC_W6   0x6666777788889999
#define MAGIC_U2   0x2222000022220000
#define S_FUNC_MAGIC 0x5a

/* ------------------------------------------------------------------ */

/* reg = physical page number of sym in PTE position | flags */
.macro PTE_OF reg, sym, flags
    la      \reg, \sym
    srli    \reg, \reg, 12
    slli    \reg, \reg, 10
    li      t5, \flags
    or      \reg, \reg, t5
.endm

/* table[idx] = PTE for the page at symbol sym */
.macro SET_PTE table, idx, sym, flags
    PTE_OF  t0, \sym, \flags
    la      t1, \table
    li      t2, (\idx) * 8
    add     t1, t1, t2
    sd      t0, 0(t1)
.endm

/* table[idx] = PTE for physical address pa (a constant) */
.macro SET_PTE_PA table, idx, pa, flags
    li      t0, (((\pa) >> 12) << 10) | (\flags)
    la      t1, \table
    li      t2, (\idx) * 8
    add     t1, t1, t2
    sd      t0, 0(t1)
.endm

/* reg = VA of sym through a mapping of RAM_BASE at vbase */
.macro ALIAS reg, sym, vbase
    la      \reg, \sym
    li      t5, RAM_BASE
    sub     \reg, \reg, t5
    li      t5, \vbase
    add     \reg, \reg, t5
.endm

/* reg = VA of a label on the U code page */
.macro UVA reg, sym
    la      \reg, \sym
    la      t5, pg_ucode
    sub     \reg, \reg, t5
    li      t5, VA_PAGE(6)
    add     \reg, \reg, t5
.endm

/* arm the S handler: the next delegated trap resumes at resume (S-mode) */
.macro S_EXPECT resume
    li      s4, -1
    li      s5, -1
    li      s6, -1
    li      s7, -1
    la      s3, \resume
.endm

/* trap taken (s3 consumed), scause == cause, sepc == epc_reg */
.macro S_CHECK_CAUSE_R cause, epc_reg, num
    CHECK_EQ s3, 0, \num
    CHECK_EQ s4, \cause, \num
    CHECK_REG s5, \epc_reg, \num
.endm

/* `insn` must trap with cause; checks num (cause, sepc), num+1 (stval) */
.macro S_FAULT cause, tval, num, insn:vararg
    S_EXPECT .Lsf_res\@
.Lsf_at\@:
    \insn
.Lsf_res\@:
    CHECK_EQ s3, 0, \num
    CHECK_EQ s4, \cause, \num
    CHECK_ADDR s5, .Lsf_at\@, \num
    CHECK_EQ s6, \tval, (\num + 1)
.endm

/* same with the expected stval in a register */
.macro S_FAULT_R cause, tval_reg, num, insn:vararg
    S_EXPECT .Lsfr_res\@
.Lsfr_at\@:
    \insn
.Lsfr_res\@:
    CHECK_EQ s3, 0, \num
    CHECK_EQ s4, \cause, \num
    CHECK_ADDR s5, .Lsfr_at\@, \num
    CHECK_REG s6, \tval_reg, (\num + 1)
.endm

/* jump to the VA in reg: fetch page fault with sepc = stval = reg */
.macro S_FETCH_FAULT reg, num
    S_EXPECT .Lff_res\@
    jr      \reg
.Lff_res\@:
    S_CHECK_CAUSE_R CAUSE_FETCH_PAGE_FAULT, \reg, \num
    CHECK_REG s6, \reg, (\num + 1)
.endm

/* reg is not a canonical Sv39 address (bits 63:38 not all equal) */
.macro CHECK_NONCANON reg, num
    li      gp, \num
    slli    t6, \reg, 25
    srai    t6, t6, 25
    bne     t6, \reg, .Lnc_ok\@
    j       fail
.Lnc_ok\@:
.endm

/* from S-mode: continue in U-mode at the VA in reg */
.macro S_ENTER_U reg
    csrw    sepc, \reg
    li      t6, MSTATUS_SPP
    csrc    sstatus, t6
    sret
.endm

/* M-mode: mstatus.MPP = mode */
.macro SET_MPP mode
    li      t0, MSTATUS_MPP
    csrc    mstatus, t0
    li      t0, (\mode << 11)
    csrs    mstatus, t0
.endm

/* ================================================================== */

    TEST_BEGIN

    csrw    mie, x0
    csrw    mideleg, x0
    csrw    satp, x0

    /* ------------------------ page tables ------------------------ */
    /* root: [0] invalid, [1] -> l1_a, [2] identity 1 GiB RWX,
       [3] alias 1 GiB RW, [4] misaligned 1 GiB, [258] high alias RW */
    SET_PTE    root_pt, 1, l1_a, PTE_V
    SET_PTE_PA root_pt, 2, RAM_BASE, RWX_AD
    SET_PTE_PA root_pt, 3, RAM_BASE, RW_AD
    SET_PTE_PA root_pt, 4, RAM_BASE + 0x200000, RW_AD
    SET_PTE_PA root_pt, 258, RAM_BASE, RW_AD

    /* l1_a: [0] -> l0_a, [1] 2 MiB RWX -> RAM_BASE,
       [2] 2 MiB with PPN RAM_BASE + 4 KiB (misaligned), [4] invalid */
    SET_PTE    l1_a, 0, l0_a, PTE_V
    SET_PTE_PA l1_a, 1, RAM_BASE, RWX_AD
    SET_PTE_PA l1_a, 2, RAM_BASE + 0x1000, RW_AD

    /* l0_a: 4 KiB pages at VA_PAGE(i) */
    SET_PTE l0_a, 0, pg_rw, RW_AD
    SET_PTE l0_a, 1, pg_rw, (RWX_AD & ~PTE_V)               /* V = 0 */
    SET_PTE l0_a, 2, pg_rw, (PTE_V | PTE_W | PTE_A | PTE_D)  /* W, no R */
    SET_PTE l0_a, 3, pg_ro, (PTE_V | PTE_X | PTE_A)          /* X only */
    SET_PTE l0_a, 4, pg_ro, (PTE_V | PTE_R | PTE_A | PTE_D)  /* R only */
    SET_PTE l0_a, 5, pg_u, (RW_AD | PTE_U)                   /* U data */
    SET_PTE l0_a, 6, pg_ucode, (RX_A | PTE_U)                /* U code */
    SET_PTE l0_a, 7, l0_a, PTE_V                  /* pointer at level 0 */
    SET_PTE l0_a, 8, pg_rw, (RW_AD | (1 << 54))               /* reserved */
    SET_PTE l0_a, 9, pg_rw, (RW_AD | (1 << 61))               /* PBMT */
    SET_PTE l0_a, 10, pg_rw, (RW_AD | (1 << 63))              /* N */
    SET_PTE l0_a, 11, pg_ad, (PTE_V | PTE_R | PTE_W)          /* A=D=0 */
    SET_PTE l0_a, 12, pg_straddle, RX_A          /* [13] stays invalid */
    SET_PTE l0_a, 14, pg_sfa, RW_AD                  /* sfence.vma page */
    SET_PTE l0_a, 15, pg_ad2, (PTE_V | PTE_R | PTE_W)         /* A=D=0 */
    SET_PTE l0_a, 16, pg_str2a, RX_A         /* straddle, both mapped: */
    SET_PTE l0_a, 17, pg_str2b, RX_A         /* physically out of order */
    SET_PTE l0_a, 18, pg_sfb, RW_AD          /* misaligned load across */
    SET_PTE l0_a, 19, pg_sfa, RW_AD          /* out-of-order pages */

    /* second address space (ASID2): identity + VA_PAGE(14) -> pg_sfb */
    SET_PTE    root2_pt, 1, l1_b, PTE_V
    SET_PTE_PA root2_pt, 2, RAM_BASE, RWX_AD
    SET_PTE    l1_b, 0, l0_b, PTE_V
    SET_PTE    l0_b, 14, pg_sfb, RW_AD

    /* --------------------- delegation, satp ---------------------- */
    li      t0, (1 << CAUSE_USER_ECALL) | (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT)
    csrw    medeleg, t0
    csrr    a0, medeleg
    CHECK_MASK a0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15), (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15), 1
    la      t0, strap_vector
    csrw    stvec, t0
    li      s3, 0

    li      t0, 8
    slli    t0, t0, 60
    li      t1, ASID1
    slli    t1, t1, 44
    or      t0, t0, t1
    la      t1, root_pt
    srli    t1, t1, 12
    or      s0, t0, t1
    csrw    satp, s0
    sfence.vma x0, x0
    csrr    a0, satp
    /* MODE and PPN read back (the ASID field may be narrower) */
    li      t0, 0xf0000fffffffffff
    and     a0, a0, t0
    and     a1, s0, t0
    CHECK_REG a0, a1, 2

    /* MRET to S with MPRV = 1: MRET to a mode below M clears MPRV */
    SET_MPP PRV_S
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    la      t0, s_main
    csrw    mepc, t0
    mret

/* ================================================================== */
/*                              S-mode                                */
/* ================================================================== */
s_main:
    /* ----------------- 1. translation and aliases ---------------- */
    la      s2, pg_rw                       /* identity (1 GiB leaf) */
    ld      a0, 0(s2)
    CHECK_EQ a0, MAGIC_RW, 3
    li      s1, VA_RW                       /* 4 KiB leaf */
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_RW, 4
    li      a1, MAGIC_W1
    sd      a1, 8(s1)                       /* store through VA_RW ... */
    ld      a0, 8(s2)                       /* ... read physically */
    CHECK_EQ a0, MAGIC_W1, 5
    ALIAS   a2, pg_rw, VA_GIGA              /* 1 GiB alias */
    ld      a0, 8(a2)
    CHECK_EQ a0, MAGIC_W1, 6
    ALIAS   a2, pg_rw, VA_MEGA              /* 2 MiB alias */
    ld      a0, 8(a2)
    CHECK_EQ a0, MAGIC_W1, 7
    ALIAS   a2, pg_rw, VA_HIGH              /* 1 GiB, upper half */
    ld      a0, 8(a2)
    CHECK_EQ a0, MAGIC_W1, 8
    ALIAS   a2, pg_rw, VA_GIGA
    li      a1, MAGIC_W2
    sd      a1, 16(a2)                      /* store via 1 GiB alias */
    ld      a0, 16(s1)                      /* load via 4 KiB page */
    CHECK_EQ a0, MAGIC_W2, 9

    /* fetch through the 2 MiB alias: s_func reports its own pc */
    ALIAS   a2, s_func, VA_MEGA
    li      a0, 0
    li      a1, 0
    jalr    ra, 0(a2)
    CHECK_EQ a0, S_FUNC_MAGIC, 10
    CHECK_REG a1, a2, 11

    /* misaligned load across VA_PAGE(18) -> pg_sfb | VA_PAGE(19) ->
       pg_sfa: the second half comes from the other physical page */
    li      t0, VA_PAGE(18) + 0xffc
    ld      a0, 0(t0)
    CHECK_EQ a0, (MAGIC_SFA & 0xffffffff) << 32, 12
    /* the same in a loop, so that rvmmu's compiled code (--jit-after 1)
       runs it: the load from page 18 alone makes page 18's translation
       the one compiled code takes, which must not serve the load that
       crosses into page 19 */
    li      t1, 4
1:  lw      a0, -4(t0)
    ld      a0, 0(t0)
    CHECK_EQ a0, (MAGIC_SFA & 0xffffffff) << 32, 12
    addi    t1, t1, -1
    bnez    t1, 1b
    /* misaligned access crossing into an invalid page: the fault is on
       the second page, stval = its first byte */
    li      t0, VA_RW + 0xffc
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(1), 13, ld a0, 0(t0)
    li      t0, VA_RW + 0xffa
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(1), 15, sd a1, 0(t0)

    /* -------------------------- 2. faults ------------------------ */
    /* V = 0 at level 0, 1 and 2 */
    li      t0, VA_PAGE(1)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(1) + 0x10, 17, ld a0, 0x10(t0)
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(1) + 0x28, 19, sd a0, 0x28(t0)
    S_FETCH_FAULT t0, 21
    li      t0, VA_L1_INV
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_L1_INV + 0x18, 23, lw a0, 0x18(t0)
    li      t0, VA_ROOT_INV
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_ROOT_INV, 25, lbu a0, 0(t0)

    /* W = 1, R = 0 is reserved: loads and stores both fault */
    li      t0, VA_PAGE(2)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(2), 27, ld a0, 0(t0)
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(2) + 8, 29, sd a0, 8(t0)

    /* X-only page: load faults; readable with MXR = 1; store still faults */
    li      t0, VA_PAGE(3)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(3), 31, ld a0, 0(t0)
    li      t1, MSTATUS_MXR
    csrs    sstatus, t1
    li      a0, 0
    ld      a0, 0(t0)
    CHECK_EQ a0, MAGIC_RO, 33
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(3) + 0x20, 34, sd a0, 0x20(t0)
    li      t1, MSTATUS_MXR
    csrc    sstatus, t1

    /* read-only page: stores and AMOs fault with 15, memory unchanged */
    li      t0, VA_PAGE(4)
    ld      a0, 0(t0)
    CHECK_EQ a0, MAGIC_RO, 36
    li      a1, 1
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(4), 37, sd a1, 0(t0)
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(4), 39, amoadd.w a2, a1, (t0)
    addi    t1, t0, 8
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(4) + 8, 41, amoswap.d a2, a1, (t1)
    ld      a0, 0(t0)
    CHECK_EQ a0, MAGIC_RO, 43
    la      t1, pg_ro
    ld      a0, 8(t1)
    CHECK_EQ a0, 0, 44

    /* fetch from non-executable pages: 4 KiB RW page, 1 GiB RW alias */
    li      t0, VA_RW + 0x40
    S_FETCH_FAULT t0, 45
    ALIAS   t0, s_func, VA_GIGA
    S_FETCH_FAULT t0, 47
    li      t0, VA_PAGE(4) + 0x10            /* read-only */
    S_FETCH_FAULT t0, 49

    /* U page from S-mode: SUM = 0 faults, SUM = 1 allows data access,
       but S-mode never executes from a U page */
    li      t1, MSTATUS_SUM
    csrc    sstatus, t1
    li      t0, VA_PAGE(5)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(5), 51, ld a0, 0(t0)
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(5) + 0x10, 53, sd a0, 0x10(t0)
    li      t1, MSTATUS_SUM
    csrs    sstatus, t1
    ld      a0, 0(t0)
    CHECK_EQ a0, MAGIC_U, 55
    li      a1, MAGIC_W3
    sd      a1, 0x10(t0)
    la      t1, pg_u
    ld      a0, 0x10(t1)
    CHECK_EQ a0, MAGIC_W3, 56
    li      t0, VA_PAGE(6)                   /* U, R+X */
    S_FETCH_FAULT t0, 57
    li      t1, MSTATUS_SUM
    csrc    sstatus, t1

    /* misaligned superpages */
    li      t0, VA_MEGA_MIS + 0x40
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_MEGA_MIS + 0x40, 59, ld a0, 0x0(t0)
    li      t0, VA_GIGA_MIS
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_GIGA_MIS + 0x80, 61, ld a0, 0x80(t0)
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_GIGA_MIS + 0x88, 63, sd a0, 0x88(t0)

    /* non-canonical VAs (stval may be any invalid address, so only its
       non-canonicality is checked) */
    li      t0, VA_NONCANON_LO
    S_EXPECT .Lnc1_res
.Lnc1:
    ld      a0, 0(t0)
.Lnc1_res:
    CHECK_EQ s3, 0, 65
    CHECK_EQ s4, CAUSE_LOAD_PAGE_FAULT, 65
    CHECK_ADDR s5, .Lnc1, 65
    CHECK_NONCANON s6, 66
    li      t0, VA_NONCANON_HI
    S_EXPECT .Lnc2_res
.Lnc2:
    sd      a0, 0(t0)
.Lnc2_res:
    CHECK_EQ s3, 0, 67
    CHECK_EQ s4, CAUSE_STORE_PAGE_FAULT, 67
    CHECK_ADDR s5, .Lnc2, 67
    CHECK_NONCANON s6, 68
    li      t0, VA_NONCANON_LO
    S_EXPECT .Lnc3_res
    jr      t0
.Lnc3_res:
    CHECK_EQ s3, 0, 69
    CHECK_EQ s4, CAUSE_FETCH_PAGE_FAULT, 69
    CHECK_NONCANON s6, 70
    /* a non-canonical alias of a 4 KiB page, loaded from one loop four
       times with only 4 KiB entries in the TLB (so that under
       --jit-after 1 compiled code's miss path meets it too): a page fault
       every time, never the page's data */
    sfence.vma x0, x0
    li      a7, 4
.Lnc4_loop:
    li      t0, VA_NONCANON_4K
    S_EXPECT .Lnc4_res
.Lnc4:
    ld      a0, 0(t0)
.Lnc4_res:
    CHECK_EQ s3, 0, 145
    CHECK_EQ s4, CAUSE_LOAD_PAGE_FAULT, 145
    CHECK_ADDR s5, .Lnc4, 145
    CHECK_NONCANON s6, 146
    addi    a7, a7, -1
    bnez    a7, .Lnc4_loop

    /* pointer PTE at level 0 (no leaf found) */
    li      t0, VA_PAGE(7)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(7) + 8, 71, ld a0, 8(t0)

    /* PTE bits 63:54 set: reserved (54), PBMT (61), N (63) */
    li      t0, VA_PAGE(8)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(8), 73, ld a0, 0(t0)
    li      t0, VA_PAGE(9)
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(9), 75, ld a0, 0(t0)
    li      t0, VA_PAGE(10)
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(10), 77, sd a0, 0(t0)

    /* a 32-bit instruction at VA_PAGE(12) + 0xffe whose second half is in
       the unmapped VA_PAGE(13): sepc = the instruction, stval = page 13;
       the c.li before it (at + 0xffc) runs */
    li      a0, 0
    li      t0, VA_PAGE(12) + 0xffc
    S_EXPECT .Lstr_res
    jr      t0
.Lstr_res:
    li      t1, VA_PAGE(12) + 0xffe
    S_CHECK_CAUSE_R CAUSE_FETCH_PAGE_FAULT, t1, 79
    CHECK_EQ s6, VA_PAGE(13), 80
    CHECK_EQ a0, 13, 81

    /* a 32-bit instruction straddling VA_PAGE(16) | VA_PAGE(17), which map
       physically non-adjacent pages: both halves are translated */
    li      a0, 0
    li      t1, 0
    li      t0, VA_PAGE(16) + 0xffc
    jalr    ra, 0(t0)
    CHECK_EQ a0, 0x5a5, 82

    /* ------------------------- 3. U-mode ------------------------- */
    li      a5, VA_RW                       /* an S page */
    la      a3, s_func                      /* S page, executable */
    li      a4, VA_PAGE(5) + 8              /* U page, not executable */
    li      a0, 0
    li      a2, 0x77
    UVA     t0, u_entry1
    S_EXPECT .Lu1_res
    S_ENTER_U t0
.Lu1_res:
    UVA     t1, u_fault1
    S_CHECK_CAUSE_R CAUSE_LOAD_PAGE_FAULT, t1, 83
    CHECK_EQ s6, VA_RW, 84
    CHECK_MASK s7, MSTATUS_SPP, 0, 85       /* came from U */
    CHECK_EQ a0, MAGIC_U, 86                /* U load of a U page */
    la      t1, pg_u
    ld      a1, 8(t1)
    CHECK_EQ a1, MAGIC_U2, 87               /* U store to a U page */
    CHECK_EQ a2, 0x77, 88                   /* faulting load: rd kept */

    UVA     t0, u_entry2
    S_EXPECT .Lu2_res
    S_ENTER_U t0
.Lu2_res:
    UVA     t1, u_fault2
    S_CHECK_CAUSE_R CAUSE_STORE_PAGE_FAULT, t1, 89
    CHECK_EQ s6, VA_RW + 0x10, 90
    ld      a0, 0x10(s2)
    CHECK_EQ a0, MAGIC_W2, 91               /* not written */

    UVA     t0, u_entry3
    S_EXPECT .Lu3_res
    S_ENTER_U t0
.Lu3_res:
    UVA     t1, u_entry3
    S_CHECK_CAUSE_R CAUSE_USER_ECALL, t1, 92
    CHECK_EQ s6, 0, 93
    CHECK_MASK s7, MSTATUS_SPP, 0, 94

    UVA     t0, u_entry4                    /* U fetch from an S page */
    S_EXPECT .Lu4_res
    S_ENTER_U t0
.Lu4_res:
    S_CHECK_CAUSE_R CAUSE_FETCH_PAGE_FAULT, a3, 95
    CHECK_REG s6, a3, 96

    UVA     t0, u_entry5                    /* U fetch from a non-X U page */
    S_EXPECT .Lu5_res
    S_ENTER_U t0
.Lu5_res:
    S_CHECK_CAUSE_R CAUSE_FETCH_PAGE_FAULT, a4, 97
    CHECK_REG s6, a4, 98

    /* ------------------------ 4. sfence.vma ---------------------- */
    la      s2, l0_a
    li      s1, VA_PAGE(14)
    li      s0, ASID1
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFA, 99
    /* remap to pg_sfb, fence that address */
    PTE_OF  a1, pg_sfb, RW_AD
    sd      a1, 14*8(s2)
    sfence.vma s1, x0
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFB, 100
    /* back to pg_sfa, fence everything */
    PTE_OF  a1, pg_sfa, RW_AD
    sd      a1, 14*8(s2)
    sfence.vma x0, x0
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFA, 101
    /* to pg_sfb, fence the ASID */
    PTE_OF  a1, pg_sfb, RW_AD
    sd      a1, 14*8(s2)
    sfence.vma x0, s0
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFB, 102
    /* to pg_sfa, fence address + ASID; a store goes to the new page */
    PTE_OF  a1, pg_sfa, RW_AD
    sd      a1, 14*8(s2)
    sfence.vma s1, s0
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFA, 103
    li      a1, MAGIC_W4
    sd      a1, 8(s1)
    la      t1, pg_sfa
    ld      a0, 8(t1)
    CHECK_EQ a0, MAGIC_W4, 104
    la      t1, pg_sfb
    ld      a0, 8(t1)
    CHECK_EQ a0, 0, 105
    /* invalidate the PTE: the access faults */
    sd      x0, 14*8(s2)
    sfence.vma s1, x0
    S_FAULT CAUSE_LOAD_PAGE_FAULT, VA_PAGE(14) + 8, 106, ld a0, 8(s1)
    PTE_OF  a1, pg_sfa, RW_AD
    sd      a1, 14*8(s2)
    sfence.vma s1, x0
    ld      a0, 8(s1)
    CHECK_EQ a0, MAGIC_W4, 108

    /* switch to the never-used ASID2 with its own root (VA_PAGE(14) ->
       pg_sfb there): no stale ASID1 entry may be used.  If the ASID field
       is not implemented (reads back differently) a fence is needed. */
    csrr    a6, satp
    li      t0, 8
    slli    t0, t0, 60
    li      t1, ASID2
    slli    t1, t1, 44
    or      t0, t0, t1
    la      t1, root2_pt
    srli    t1, t1, 12
    or      t0, t0, t1
    csrw    satp, t0
    csrr    a7, satp
    srli    a7, a7, 44
    li      t1, 0xffff
    and     a7, a7, t1
    li      t1, ASID2
    beq     a7, t1, 1f
    sfence.vma x0, x0
1:  ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFB, 109
    csrw    satp, a6
    li      t1, ASID2
    beq     a7, t1, 1f
    sfence.vma x0, x0
1:  ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_SFA, 110

    /* ------------------------ 5. A and D bits --------------------- */
    /* VA_PAGE(11) -> pg_ad and VA_PAGE(15) -> pg_ad2 have A = D = 0 */
    la      s2, l0_a
    li      s1, VA_PAGE(11)
    li      s0, VA_PAGE(15)
    li      a0, 0
    S_EXPECT .Lad_probe_res
.Lad_probe:
    ld      a0, 0(s1)
.Lad_probe_res:
    bnez    s3, .Lad_hw
    /* Svade: the load faulted because A = 0 */
    CHECK_EQ s4, CAUSE_LOAD_PAGE_FAULT, 111
    CHECK_ADDR s5, .Lad_probe, 111
    CHECK_EQ s6, VA_PAGE(11), 112
    ld      a1, 11*8(s2)
    CHECK_MASK a1, PTE_A | PTE_D, 0, 113    /* PTE untouched */
    ori     a1, a1, PTE_A
    sd      a1, 11*8(s2)
    sfence.vma s1, x0
    ld      a0, 0(s1)
    CHECK_EQ a0, MAGIC_AD, 114
    li      a1, MAGIC_W5
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(11) + 8, 115, sd a1, 8(s1)
    ld      a2, 11*8(s2)
    CHECK_MASK a2, PTE_A | PTE_D, PTE_A, 117
    ori     a2, a2, PTE_D
    sd      a2, 11*8(s2)
    sfence.vma s1, x0
    sd      a1, 8(s1)
    /* first access a store, A = D = 0: store page fault */
    S_FAULT CAUSE_STORE_PAGE_FAULT, VA_PAGE(15), 118, sd a1, 0(s0)
    ld      a2, 15*8(s2)
    CHECK_MASK a2, PTE_A | PTE_D, 0, 120
    ori     a2, a2, PTE_A | PTE_D
    sd      a2, 15*8(s2)
    sfence.vma s0, x0
    sd      a1, 0(s0)
    j       .Lad_common
.Lad_hw:
    /* Svadu: the load set A (not D), the stores set D */
    li      s3, 0
    CHECK_EQ a0, MAGIC_AD, 121
    ld      a1, 11*8(s2)
    CHECK_MASK a1, PTE_A | PTE_D, PTE_A, 122
    li      a1, MAGIC_W5
    sd      a1, 8(s1)
    ld      a2, 11*8(s2)
    CHECK_MASK a2, PTE_A | PTE_D, PTE_A | PTE_D, 123
    sd      a1, 0(s0)
.Lad_common:
    ld      a2, 11*8(s2)
    CHECK_MASK a2, PTE_A | PTE_D, PTE_A | PTE_D, 124
    ld      a2, 15*8(s2)
    CHECK_MASK a2, PTE_A | PTE_D, PTE_A | PTE_D, 125
    la      t1, pg_ad
    ld      a0, 8(t1)
    CHECK_EQ a0, MAGIC_W5, 126
    la      t1, pg_ad2
    ld      a0, 0(t1)
    CHECK_EQ a0, MAGIC_W5, 127

    /* ---------------------- back to M-mode ----------------------- */
    li      gp, 128
    la      tp, .Lm_back
.Lecall_s:
    ecall                                   /* S ecall: not delegated */
    j       fail

/* S-mode helper, also run through the 2 MiB alias: a1 = its own pc */
    .balign 4
s_func:
    auipc   a1, 0
    li      a0, S_FUNC_MAGIC
    ret

/* ================================================================== */
/*                         M-mode: MPRV                               */
/* ================================================================== */
.Lm_back:
    CHECK_EQ s9, CAUSE_SUPERVISOR_ECALL, 129
    CHECK_ADDR s10, .Lecall_s, 129
    li      t0, MSTATUS_MPRV                /* (a no-op unless QEMU) */
    csrc    mstatus, t0
#ifndef QEMU_QUIRKS
    CHECK_MASK s8, MSTATUS_MPRV | MSTATUS_MPP, (PRV_S << 11), 130 /* MRET cleared MPRV */
#else
    CHECK_MASK s8, MSTATUS_MPP, (PRV_S << 11), 130
#endif

    /* MPRV = 1, MPP = S: loads and stores translated */
    SET_MPP PRV_S
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    li      t1, VA_RW
    ld      a0, 0(t1)
    li      a1, MAGIC_W6
    sd      a1, 24(t1)
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    CHECK_EQ a0, MAGIC_RW, 131
    la      t2, pg_rw
    ld      a2, 24(t2)
    CHECK_EQ a2, MAGIC_W6, 132

    /* MPRV with MXR: an X-only page becomes readable */
    li      t0, MSTATUS_MPRV | MSTATUS_MXR
    csrs    mstatus, t0
    li      t1, VA_PAGE(3)
    ld      a0, 0(t1)
    li      t0, MSTATUS_MPRV | MSTATUS_MXR
    csrc    mstatus, t0
    CHECK_EQ a0, MAGIC_RO, 133

    /* MPP = S, SUM = 0, U page: page fault taken in M (not delegated) */
    csrr    a5, scause
    li      t0, MSTATUS_SUM
    csrc    mstatus, t0
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    li      t1, VA_PAGE(5)
    EXPECT_TRAP .Lmp1_res
.Lmp1:
    ld      a0, 0(t1)
.Lmp1_res:
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    CHECK_TRAP CAUSE_LOAD_PAGE_FAULT, .Lmp1, 134
    CHECK_EQ s11, VA_PAGE(5), 135
    CHECK_MASK s8, MSTATUS_MPP, MSTATUS_MPP, 136   /* trap from M */
    csrr    a6, scause
    CHECK_REG a5, a6, 137                           /* S not involved */

    /* MPP = S, SUM = 1: the U page is readable */
    SET_MPP PRV_S
    li      t0, MSTATUS_MPRV | MSTATUS_SUM
    csrs    mstatus, t0
    li      t1, VA_PAGE(5)
    ld      a0, 0(t1)
    li      t0, MSTATUS_MPRV | MSTATUS_SUM
    csrc    mstatus, t0
    CHECK_EQ a0, MAGIC_U, 138

    /* MPP = U: U page readable, S page faults (in M) */
    SET_MPP PRV_U
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    li      t1, VA_PAGE(5)
    ld      a0, 0(t1)
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    CHECK_EQ a0, MAGIC_U, 139
    SET_MPP PRV_U
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    li      t1, VA_RW
    EXPECT_TRAP .Lmp2_res
.Lmp2:
    sd      a0, 0x30(t1)
.Lmp2_res:
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    CHECK_TRAP CAUSE_STORE_PAGE_FAULT, .Lmp2, 140
    CHECK_EQ s11, VA_RW + 0x30, 141

    /* MPP = M: MPRV has no effect (physical addresses) */
    SET_MPP PRV_M
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    la      t1, pg_rw
    ld      a0, 0(t1)
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    CHECK_EQ a0, MAGIC_RW, 142

    /* M-mode itself is never translated, even with satp set */
    csrr    a0, satp
    CHECK_MASK a0, 0xf000000000000000, 0x8000000000000000, 143
    la      t1, pg_ro
    ld      a0, 0(t1)
    CHECK_EQ a0, MAGIC_RO, 144

    csrw    satp, x0
    csrw    medeleg, x0
    PASS

/* ================================================================== */
/*                       S-mode trap handler                          */
/* ================================================================== */
    .balign 4
strap_vector:
    csrr    s4, scause
    csrr    s5, sepc
    csrr    s6, stval
    csrr    s7, sstatus
    beqz    s3, .Lunexpected_s_trap
    csrw    sepc, s3
    li      s3, 0
    li      t6, MSTATUS_SPP                 /* always resume in S-mode */
    csrs    sstatus, t6
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

/* ================================================================== */
/*     code pages mapped at other VAs (position-independent code)     */
/* ================================================================== */
    .section .text.vmpages, "ax", @progbits

    /* U code page, at VA_PAGE(6).  a5 = an S page, a3 = an S code
       address, a4 = a non-executable U address.  Every expected fault is
       followed by an ECALL, so a missing fault shows up as cause 8. */
    .balign 4096
pg_ucode:
u_entry1:
    li      t0, VA_PAGE(5)
    ld      a0, 0(t0)                       /* U page: fine */
    li      a1, MAGIC_U2
    sd      a1, 8(t0)                       /* U page: fine */
u_fault1:
    ld      a2, 0(a5)                       /* S page: 13 */
    ecall
u_entry2:
    li      a1, 1
u_fault2:
    sd      a1, 0x10(a5)                    /* S page: 15 */
    ecall
u_entry3:
    ecall                                   /* 8 */
    ecall
u_entry4:
    jr      a3                              /* S page: 12 */
    ecall
u_entry5:
    jr      a4                              /* U page, no X: 12 */
    ecall

    /* VA_PAGE(17): the upper half of `addi a0, x0, 0x5a5` (0x5a500513),
       whose lower half ends pg_str2a (VA_PAGE(16)), then return */
    .balign 4096
pg_str2b:
    .2byte  0x5a50
    .2byte  0x0001                          /* c.nop: realign to 4 */
    ret

    /* VA_PAGE(16): nops, then a c.nop at 0xffc and the lower half of the
       straddling instruction at 0xffe.  Physically followed by
       pg_straddle, whose first halfword (0x0013) would make a different
       instruction if the walk were skipped. */
    .balign 4096
pg_str2a:
    .fill   1023, 4, 0x00000013
    .2byte  0x0001                          /* c.nop */
    .2byte  0x0513                          /* addi a0, x0, 0x5a5 (low) */

    /* VA_PAGE(12): c.li a0, 13 at 0xffc, then a 32-bit instruction at
       0xffe that runs into the unmapped VA_PAGE(13) */
    .balign 4096
pg_straddle:
    .fill   1023, 4, 0x00000013
    .option push
    .option rvc
    c.li    a0, 13
    .option pop
pg_straddle_insn:
    addi    a0, a0, 1
    .2byte  0x0001
    ret

/* ================================================================== */
/*             page tables and data pages (all in .data)              */
/* ================================================================== */
    .section .data.vm, "aw", @progbits
    .balign 4096
root_pt:  .zero 4096
root2_pt: .zero 4096
l1_a:     .zero 4096
l1_b:     .zero 4096
l0_a:     .zero 4096
l0_b:     .zero 4096
pg_rw:    .dword MAGIC_RW
          .zero 4088
pg_ro:    .dword MAGIC_RO
          .zero 4088
pg_u:     .dword MAGIC_U
          .zero 4088
pg_ad:    .dword MAGIC_AD
          .zero 4088
pg_ad2:   .zero 4096
pg_sfa:   .dword MAGIC_SFA
          .zero 4088
pg_sfb:   .dword MAGIC_SFB
          .zero 4088

    .section .text.init, "ax", @progbits
    TEST_END
