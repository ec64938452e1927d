/*
 * compressed.S - RV64C.
 *
 * Assembled with `.option rvc`; every instruction under test is written
 * with its explicit c.* mnemonic, so the assembler must emit the 16-bit
 * encoding (it errors out otherwise).  Covers every RV64C class:
 *   CI:  c.addi c.addiw c.li c.lui c.addi16sp c.slli c.lwsp c.ldsp c.nop
 *   CIW: c.addi4spn        CSS: c.swsp c.sdsp
 *   CL/CS: c.lw c.ld c.sw c.sd
 *   CB:  c.srli c.srai c.andi c.beqz c.bnez
 *   CA:  c.sub c.xor c.or c.and c.subw c.addw
 *   CR:  c.mv c.add c.jr c.jalr c.ebreak       CJ: c.j
 * plus: c.jalr links pc+2, 32-bit instructions at 2-byte aligned (not
 * 4-byte aligned) addresses, including jump targets and one that
 * straddles a 4 KiB page boundary, and c.ebreak trapping with mepc
 * pointing at the 16-bit instruction.
 */
#include "common.h"

    TEST_BEGIN
    .option rvc

    la      sp, cstack                      /* 1 KiB scratch area */

    /* ----------------------------- c.addi ---------------------------- */
    li      a0, 10
    c.addi  a0, 5
    CHECK_EQ a0, 15, 1
    c.addi  a0, -32
    CHECK_EQ a0, -17, 2
    c.addi  a0, 31
    CHECK_EQ a0, 14, 3
    li      a0, -1
    c.addi  a0, 1                           /* 64-bit wrap */
    CHECK_EQ a0, 0, 4
    li      t1, 0x7fffffff                  /* not an rd' register */
    c.addi  t1, 1
    CHECK_EQ t1, 0x80000000, 5              /* 64-bit add: no sext */
    c.nop
    CHECK_EQ t1, 0x80000000, 6

    /* ----------------------------- c.addiw --------------------------- */
    li      a0, 0x7fffffff
    c.addiw a0, 1
    CHECK_EQ a0, 0xffffffff80000000, 7
    li      a0, 0x123456789
    c.addiw a0, 0                           /* sext.w */
    CHECK_EQ a0, 0x23456789, 8
    li      s1, 0xffffffff
    c.addiw s1, 0
    CHECK_EQ s1, -1, 9
    li      a0, 0x80000000
    c.addiw a0, -1
    CHECK_EQ a0, 0x7fffffff, 10

    /* ------------------------------ c.li ----------------------------- */
    c.li    a0, -32
    CHECK_EQ a0, -32, 11
    c.li    a0, 31
    CHECK_EQ a0, 31, 12
    c.li    t2, 0
    CHECK_EQ t2, 0, 13
    c.li    ra, -1
    CHECK_EQ ra, -1, 14

    /* ------------------------------ c.lui ---------------------------- */
    c.lui   a0, 1
    CHECK_EQ a0, 0x1000, 15
    c.lui   a0, 31
    CHECK_EQ a0, 0x1f000, 16
    c.lui   a0, 0xfffff                     /* nzimm = -1 */
    CHECK_EQ a0, 0xfffffffffffff000, 17
    c.lui   t0, 0xfffe0                     /* nzimm = -32 */
    CHECK_EQ t0, 0xfffffffffffe0000, 18

    /* --------------------------- c.addi16sp -------------------------- */
    mv      s0, sp
    c.addi16sp sp, -64
    sub     a0, s0, sp
    CHECK_EQ a0, 64, 19
    c.addi16sp sp, 496
    sub     a0, sp, s0
    CHECK_EQ a0, 432, 20
    c.addi16sp sp, -512
    sub     a0, s0, sp
    CHECK_EQ a0, 80, 21
    c.addi16sp sp, 80
    CHECK_REG sp, s0, 22

    /* --------------------------- c.addi4spn -------------------------- */
    c.addi4spn a0, sp, 4
    sub     a0, a0, sp
    CHECK_EQ a0, 4, 23
    c.addi4spn a5, sp, 1020
    sub     a5, a5, sp
    CHECK_EQ a5, 1020, 24
    c.addi4spn s0, sp, 512
    sub     s0, s0, sp
    CHECK_EQ s0, 512, 25

    /* --------------------- c.slli / c.srli / c.srai ------------------ */
    li      a0, 1
    c.slli  a0, 63
    CHECK_EQ a0, 0x8000000000000000, 26
    li      t3, 0xffffffff                  /* c.slli takes any rd */
    c.slli  t3, 32
    CHECK_EQ t3, 0xffffffff00000000, 27
    li      a0, 0x80000000
    c.slli  a0, 1                           /* no 32-bit sign extension */
    CHECK_EQ a0, 0x100000000, 28
    li      a0, 0x8000000000000000
    c.srli  a0, 63
    CHECK_EQ a0, 1, 29
    li      a1, -1
    c.srli  a1, 32
    CHECK_EQ a1, 0xffffffff, 30
    li      a2, 0x8000000000000000
    c.srai  a2, 1
    CHECK_EQ a2, 0xc000000000000000, 31
    li      a3, 0x8000000000000000
    c.srai  a3, 63
    CHECK_EQ a3, -1, 32
    li      a4, 0x7fffffffffffffff
    c.srai  a4, 32
    CHECK_EQ a4, 0x7fffffff, 33

    /* ------------------------------ c.andi --------------------------- */
    li      a0, 0x123456789abcdef0
    c.andi  a0, -1
    CHECK_EQ a0, 0x123456789abcdef0, 34
    c.andi  a0, -32                         /* sign-extended mask */
    CHECK_EQ a0, 0x123456789abcdee0, 35
    li      a5, -1
    c.andi  a5, 31
    CHECK_EQ a5, 31, 36
    c.andi  a5, 0
    CHECK_EQ a5, 0, 37

    /* -------------------- CA format: register ALU -------------------- */
    li      a0, 100
    li      a1, 58
    c.sub   a0, a1
    CHECK_EQ a0, 42, 38
    li      a0, 0
    li      a1, 0x8000000000000000
    c.sub   a0, a1
    CHECK_EQ a0, 0x8000000000000000, 39
    li      s0, 0xff00ff00ff00ff00
    li      s1, 0x0ff00ff00ff00ff0
    mv      a2, s0
    c.xor   a2, s1
    CHECK_EQ a2, 0xf0f0f0f0f0f0f0f0, 40
    mv      a3, s0
    c.or    a3, s1
    CHECK_EQ a3, 0xfff0fff0fff0fff0, 41
    mv      a4, s0
    c.and   a4, s1
    CHECK_EQ a4, 0x0f000f000f000f00, 42
    li      a0, 0x80000000
    li      a1, 1
    c.subw  a0, a1
    CHECK_EQ a0, 0x7fffffff, 43
    li      a0, 0
    li      a1, 1
    c.subw  a0, a1
    CHECK_EQ a0, -1, 44
    li      a0, 0x7fffffff
    li      a1, 1
    c.addw  a0, a1
    CHECK_EQ a0, 0xffffffff80000000, 45
    li      a0, 0x1234567800000005
    li      a1, 0x7777777700000003
    c.addw  a0, a1
    CHECK_EQ a0, 8, 46

    /* -------------------------- c.mv / c.add ------------------------- */
    li      t4, 0x5555aaaa5555aaaa
    c.mv    a0, t4
    CHECK_EQ a0, 0x5555aaaa5555aaaa, 47
    c.mv    t0, a0
    CHECK_EQ t0, 0x5555aaaa5555aaaa, 48
    li      a0, 0x7fffffffffffffff
    li      t0, 1
    c.add   a0, t0
    CHECK_EQ a0, 0x8000000000000000, 49
    li      t1, 0xffffffff
    c.add   t1, t1
    CHECK_EQ t1, 0x1fffffffe, 50

    /* ----------------------------- c.j ------------------------------- */
    li      gp, 51
    c.j     .Lcj_fwd
    j       fail
.Lcj_back:
    c.j     .Lcj_done                       /* forward again */
    j       fail
.Lcj_fwd:
    c.j     .Lcj_back                       /* backward */
    j       fail
.Lcj_done:

    /* ------------------------- c.jr / c.jalr ------------------------- */
    la      t0, .Lcjr_target
    li      gp, 52
    c.jr    t0
    j       fail
.Lcjr_target:
    la      t0, .Lcjalr_target
    li      ra, 0
.Lcjalr:
    c.jalr  t0
.Lcjalr_ret:                                /* = .Lcjalr + 2 */
    j       fail
.Lcjalr_target:
    CHECK_ADDR ra, .Lcjalr_ret, 53
    la      t0, .Lcjalr
    sub     t0, ra, t0
    CHECK_EQ t0, 2, 54                      /* link = pc + 2 */
    /* c.jalr where the target register is ra itself */
    la      ra, .Lcjalr2_target
    c.jalr  ra
.Lcjalr2_ret:
    j       fail
.Lcjalr2_target:
    CHECK_ADDR ra, .Lcjalr2_ret, 55
    /* subroutine returning with c.jr ra */
    li      a0, 3
    call    .Lcsub
    CHECK_EQ a0, 9, 56
    la      t0, .Lcsub
    c.jalr  t0
    CHECK_EQ a0, 27, 57
    j       .Lcsub_done
.Lcsub:
    mv      a1, a0
    c.add   a0, a1
    c.add   a0, a1
    c.jr    ra
.Lcsub_done:

    /* ------------------------- c.beqz / c.bnez ----------------------- */
    li      gp, 58
    li      a0, 0
    c.beqz  a0, 1f
    j       fail
1:  li      gp, 59
    li      a0, 0x100000000                 /* nonzero only above bit 31 */
    c.beqz  a0, .Lcb_fail
    c.bnez  a0, 2f
    j       fail
2:  li      gp, 60
    li      s1, 0
    c.bnez  s1, .Lcb_fail
    /* backward c.bnez loop */
    li      a1, 5
    li      a2, 0
3:  c.addi  a2, 2
    c.addi  a1, -1
    c.bnez  a1, 3b
    CHECK_EQ a2, 10, 61
    j       .Lcb_done
.Lcb_fail:
    j       fail
.Lcb_done:

    /* ----------------------- c.lw/c.ld/c.sw/c.sd --------------------- */
    la      a0, cdat
    c.lw    a1, 0(a0)
    CHECK_EQ a1, 0xffffffff89abcdef, 62     /* sign-extended */
    c.lw    a2, 4(a0)
    CHECK_EQ a2, 0x01234567, 63
    c.ld    a3, 0(a0)
    CHECK_EQ a3, 0x0123456789abcdef, 64
    c.ld    a4, 8(a0)
    CHECK_EQ a4, 0xfedcba9876543210, 65
    c.lw    a5, 124(a0)
    CHECK_EQ a5, 0x7c7c7c7c, 66
    c.ld    s0, 248(a0)
    CHECK_EQ s0, 0xf8f8f8f8f8f8f8f8, 67
    la      s1, cbuf
    li      a1, 0x1111111111111111
    sd      a1, 0(s1)
    li      a2, 0xaaaaaaaa22222222
    c.sw    a2, 4(s1)                       /* only 4 bytes */
    ld      a3, 0(s1)
    CHECK_EQ a3, 0x2222222211111111, 68
    li      a4, 0x0102030405060708
    c.sd    a4, 8(s1)
    ld      a5, 8(s1)
    CHECK_EQ a5, 0x0102030405060708, 69
    c.sw    a4, 124(s1)
    lwu     a5, 124(s1)
    CHECK_EQ a5, 0x05060708, 70
    c.sd    a4, 248(s1)
    ld      a5, 248(s1)
    CHECK_EQ a5, 0x0102030405060708, 71
    /* c.lw with rd == rs1 */
    la      a0, cdat
    c.lw    a0, 4(a0)
    CHECK_EQ a0, 0x01234567, 72

    /* ------------------ c.lwsp/c.ldsp/c.swsp/c.sdsp ------------------ */
    li      a0, 0x0123456789abcdef
    c.sdsp  a0, 0(sp)
    ld      a1, 0(sp)
    CHECK_EQ a1, 0x0123456789abcdef, 73
    c.lwsp  t0, 0(sp)
    CHECK_EQ t0, 0xffffffff89abcdef, 74
    c.lwsp  t1, 4(sp)
    CHECK_EQ t1, 0x01234567, 75
    c.ldsp  t2, 0(sp)
    CHECK_EQ t2, 0x0123456789abcdef, 76
    li      a0, 0xcafebabe
    c.swsp  a0, 252(sp)
    lwu     a1, 252(sp)
    CHECK_EQ a1, 0xcafebabe, 77
    c.lwsp  s2, 252(sp)
    CHECK_EQ s2, 0xffffffffcafebabe, 78
    li      a0, 0x8000000000000001
    c.sdsp  a0, 504(sp)
    c.ldsp  s3, 504(sp)
    CHECK_EQ s3, 0x8000000000000001, 79
    c.swsp  x0, 0(sp)                       /* x0 as store source */
    c.ldsp  s4, 0(sp)
    CHECK_EQ s4, 0x0123456700000000, 80

    /* ------------------------ c.ebreak: trap ------------------------- */
    EXPECT_TRAP .Lcebreak_resume
.Lcebreak:
    c.ebreak
.Lcebreak_resume:
    CHECK_TRAP CAUSE_BREAKPOINT, .Lcebreak, 81

    /* ---------- 32-bit instructions at 2-byte aligned addresses ------ */
    li      a0, 1
    .balign 4
    c.nop                                   /* now at 4n + 2 */
.Lmis32:
    .option push
    .option norvc
    addi    a0, a0, 100                     /* 32-bit at 4n + 2 */
    lui     a1, 0x12345                     /* 32-bit at 4n + 6 */
    .option pop
    CHECK_EQ a0, 101, 82
    CHECK_EQ a1, 0x12345000, 83
    la      t0, .Lmis32
    andi    t0, t0, 3
    CHECK_EQ t0, 2, 84                      /* really 2-aligned */

    /* jump (jalr) to a 32-bit instruction at 4n + 2, link from there */
    la      t0, .Lmis32_target
    jalr    ra, 0(t0)
    j       .Lmis32_after
    .balign 4
    c.nop
.Lmis32_target:
    .option push
    .option norvc
    jal     t1, .Lmis32_jal_target          /* 32-bit jal at 4n + 2 */
.Lmis32_link:
    .option pop
    j       fail
.Lmis32_jal_target:
    CHECK_ADDR t1, .Lmis32_link, 85         /* link = pc + 4 */
    jr      ra
.Lmis32_after:
    /* a 32-bit branch at 4n + 2, taken to a 4n + 2 target */
    li      gp, 86
    .balign 4
    c.nop
    .option push
    .option norvc
    beq     x0, x0, .Lmis32_br
    .option pop
    j       fail
    .balign 4
    c.nop
.Lmis32_br:
    c.nop

    /* a 32-bit instruction straddling a 4 KiB page boundary */
    li      a0, 7
    la      t0, page_cross_insn
    la      ra, .Lpage_cross_ret
    jr      t0
.Lpage_cross_ret:
    CHECK_EQ a0, 1007, 87
    la      t0, page_cross_insn
    li      t1, 0xfff
    and     t0, t0, t1
    CHECK_EQ t0, 0xffe, 88

    PASS

    /* page_cross_insn sits at offset 0xffe of a page: its two halves are
       on different pages. */
    .balign 4096
    .fill   2047, 2, 0x0001                 /* 2047 x c.nop = 4094 bytes */
page_cross_insn:
    .option push
    .option norvc
    addi    a0, a0, 1000
    .option pop
    c.jr    ra

    TEST_END

    .data
    .balign 16
cdat:
    .dword 0x0123456789abcdef
    .dword 0xfedcba9876543210
    .fill  120 - 16, 1, 0
    .dword 0x7c7c7c7c00000000               /* word at 124 = 0x7c7c7c7c */
    .fill  248 - 128, 1, 0
    .dword 0xf8f8f8f8f8f8f8f8               /* dword at 248 */
    .balign 16
cbuf:
    .space 256
    .balign 16
cstack:
    .space 1024
