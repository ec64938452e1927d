/*
 * smc.S - self-modifying code and FENCE.I (Zifencei).
 *
 * A routine in a writable page is called, rewritten with stores, ordered
 * with FENCE.I and called again: each call must run the instructions as
 * last written (FENCE.I makes earlier stores visible to fetches).  Also:
 * a data store into the routine's page that leaves the code unchanged,
 * a routine warmed up by many calls before it is rewritten, and a rewrite
 * of a single halfword-aligned word in the middle of the routine.
 * (An emulator that caches decoded code must notice every one of these.)
 */
#include "common.h"

#define ADDI_A0(imm) (((imm) << 20) | 0x00050513)   /* addi a0, a0, imm */

    TEST_BEGIN

    /* 1: the routine as assembled: a0 + 1 + 2 */
    li      a0, 0
    call    code_buf
    CHECK_EQ a0, 3, 1

    /* 2: rewrite the first instruction (addi a0, a0, 16) */
    la      t0, code_buf
    li      t1, ADDI_A0(16)
    sw      t1, 0(t0)
    fence.i
    li      a0, 0
    call    code_buf
    CHECK_EQ a0, 18, 2

    /* 3: a data store in the same page leaves the code as it is */
    la      t0, code_data
    li      t1, 0x1234
    sd      t1, 0(t0)
    fence.i
    li      a0, 0
    call    code_buf
    CHECK_EQ a0, 18, 3

    /* 4: warm the routine up with many calls, then rewrite its second
     *    instruction (addi a0, a0, 100) */
    li      s0, 1000
    li      s1, 0
1:  li      a0, 0
    call    code_buf
    add     s1, s1, a0
    addi    s0, s0, -1
    bnez    s0, 1b
    CHECK_EQ s1, 18000, 4
    la      t0, code_buf
    li      t1, ADDI_A0(100)
    sw      t1, 4(t0)
    fence.i
    li      a0, 0
    call    code_buf
    CHECK_EQ a0, 116, 5

    /* 6: rewrite it back with byte stores, one byte at a time */
    la      t0, code_buf
    li      t1, ADDI_A0(1)
    sb      t1, 0(t0)
    srli    t1, t1, 8
    sb      t1, 1(t0)
    srli    t1, t1, 8
    sb      t1, 2(t0)
    srli    t1, t1, 8
    sb      t1, 3(t0)
    fence.i
    li      a0, 0
    call    code_buf
    CHECK_EQ a0, 101, 6

    PASS
    TEST_END

    .data
    .balign 4096
code_buf:
    addi    a0, a0, 1
    addi    a0, a0, 2
    ret
    .balign 64
code_data:
    .dword  0
