/*
 * loadstore.S - RV64I loads and stores.
 *
 * All widths (LB/LBU/LH/LHU/LW/LWU/LD, SB/SH/SW/SD), sign vs zero
 * extension, positive/negative/extreme (+2047/-2048) offsets, x0 as
 * load destination and store source, rd == rs1, byte lanes of narrow
 * stores (only the addressed bytes change), and MISALIGNED accesses of
 * every width, including ones that cross an 8-byte boundary and a 4 KiB
 * page boundary.  rvmmu emulates misaligned loads/stores (no trap), and
 * so does QEMU TCG in M-mode, so they must read/write the right bytes in
 * little-endian order.
 *
 * tdat bytes (little endian), offsets 0..15:
 *   ef cd ab 89 67 45 23 01 | 10 32 54 76 98 ba dc fe
 */
#include "common.h"

/* load from tdat + off with base register a0 = tdat */
.macro TEST_LD op, num, result, off
    la      a0, tdat
    \op     a2, \off(a0)
    CHECK_EQ a2, \result, \num
.endm

/* zero the 16-byte buffer `buf` (two dwords) and point a0 at it */
.macro CLEAR_BUF
    la      a0, buf
    sd      x0, 0(a0)
    sd      x0, 8(a0)
.endm

    TEST_BEGIN

    /* ------------------------ aligned loads -------------------------- */
    TEST_LD lb,  1, 0xffffffffffffffef, 0
    TEST_LD lbu, 2, 0xef, 0
    TEST_LD lb,  3, 0x01, 7
    TEST_LD lb,  4, 0x10, 8
    TEST_LD lb,  5, 0xfffffffffffffffe, 15
    TEST_LD lbu, 6, 0xfe, 15
    TEST_LD lb,  7, 0xffffffffffffffcd, 1
    TEST_LD lh,  8, 0xffffffffffffcdef, 0
    TEST_LD lhu, 9, 0xcdef, 0
    TEST_LD lh,  10, 0x0123, 6
    TEST_LD lh,  11, 0xfffffffffffffedc, 14
    TEST_LD lhu, 12, 0xfedc, 14
    TEST_LD lh,  13, 0x3210, 8
    TEST_LD lw,  14, 0xffffffff89abcdef, 0
    TEST_LD lwu, 15, 0x89abcdef, 0
    TEST_LD lw,  16, 0x01234567, 4
    TEST_LD lwu, 17, 0x01234567, 4
    TEST_LD lw,  18, 0xfffffffffedcba98, 12
    TEST_LD lwu, 19, 0xfedcba98, 12
    TEST_LD lw,  20, 0x76543210, 8
    TEST_LD ld,  21, 0x0123456789abcdef, 0
    TEST_LD ld,  22, 0xfedcba9876543210, 8

    /* ------------------------ negative offsets ----------------------- */
    la      a0, tdat + 16
    lb      a2, -1(a0)
    CHECK_EQ a2, 0xfffffffffffffffe, 23
    lbu     a2, -9(a0)
    CHECK_EQ a2, 0x01, 24
    lh      a2, -4(a0)
    CHECK_EQ a2, 0xffffffffffffba98, 25
    lhu     a2, -16(a0)
    CHECK_EQ a2, 0xcdef, 26
    lw      a2, -8(a0)
    CHECK_EQ a2, 0x76543210, 27
    lwu     a2, -4(a0)
    CHECK_EQ a2, 0xfedcba98, 28
    ld      a2, -16(a0)
    CHECK_EQ a2, 0x0123456789abcdef, 29

    /* ------------------- extreme offsets -2048 / +2047 --------------- */
    la      a0, tdat + 2048
    lbu     a2, -2048(a0)
    CHECK_EQ a2, 0xef, 30
    ld      a2, -2040(a0)
    CHECK_EQ a2, 0xfedcba9876543210, 31
    la      a0, tdat + 15 - 2047
    lb      a2, 2047(a0)
    CHECK_EQ a2, 0xfffffffffffffffe, 32
    la      a0, tdat - 2047 + 8
    lwu     a2, 2047(a0)
    CHECK_EQ a2, 0x76543210, 33

    /* ------------------- x0 as destination, rd == rs1 ---------------- */
    la      a0, tdat
    lw      x0, 0(a0)
    ld      x0, 8(a0)
    CHECK_EQ x0, 0, 34
    la      a0, tdat
    ld      a0, 8(a0)
    CHECK_EQ a0, 0xfedcba9876543210, 35
    la      a0, tdat
    lb      a0, 0(a0)
    CHECK_EQ a0, 0xffffffffffffffef, 36

    /* ------------------------- aligned stores ------------------------ */
    /* fill with a pattern, then overwrite narrower lanes */
    la      a0, buf
    li      a1, 0x1111111111111111
    sd      a1, 0(a0)
    sd      a1, 8(a0)
    li      a1, 0xab
    sb      a1, 3(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x11111111ab111111, 37
    li      a1, 0x123456789abcdeff          /* only the low byte is stored */
    sb      a1, 0(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x11111111ab1111ff, 38
    li      a1, 0xffffffffffffbeef          /* only the low half */
    sh      a1, 6(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0xbeef1111ab1111ff, 39
    li      a1, 0x5555555522446688          /* only the low word */
    sw      a1, 8(a0)
    ld      a2, 8(a0)
    CHECK_EQ a2, 0x1111111122446688, 40
    li      a1, 0xcafef00d
    sw      a1, 12(a0)
    ld      a2, 8(a0)
    CHECK_EQ a2, 0xcafef00d22446688, 41
    ld      a2, 0(a0)                       /* neighbour untouched */
    CHECK_EQ a2, 0xbeef1111ab1111ff, 42
    li      a1, 0x0807060504030201
    sd      a1, 0(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x0807060504030201, 43
    /* store, then read back every byte lane */
    lbu     a2, 0(a0)
    CHECK_EQ a2, 1, 44
    lbu     a2, 3(a0)
    CHECK_EQ a2, 4, 45
    lbu     a2, 7(a0)
    CHECK_EQ a2, 8, 46
    lhu     a2, 2(a0)
    CHECK_EQ a2, 0x0403, 47
    lwu     a2, 4(a0)
    CHECK_EQ a2, 0x08070605, 48
    /* negative store offsets */
    la      a0, buf + 16
    li      a1, 0x7f
    sb      a1, -16(a0)
    li      a1, 0x8001
    sh      a1, -14(a0)
    li      a1, 0xdeadbeef
    sw      a1, -4(a0)
    la      a0, buf
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x080706058001027f, 49
    ld      a2, 8(a0)
    CHECK_EQ a2, 0xdeadbeef22446688, 50
    /* x0 as store source */
    sd      x0, 8(a0)
    ld      a2, 8(a0)
    CHECK_EQ a2, 0, 51
    sb      x0, 1(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x080706058001007f, 52
    /* store with base == data register */
    la      a0, buf
    sd      a0, 8(a0)
    ld      a2, 8(a0)
    CHECK_REG a2, a0, 53
    /* -2048 / +2047 store offsets */
    la      a0, buf + 2048
    li      a1, 0x66
    sb      a1, -2048(a0)
    la      a0, buf - 2047 + 15
    li      a1, 0x99
    sb      a1, 2047(a0)
    la      a0, buf
    lbu     a2, 0(a0)
    CHECK_EQ a2, 0x66, 54
    lbu     a2, 15(a0)
    CHECK_EQ a2, 0x99, 55

    /* ------------------------ misaligned loads ----------------------- */
    TEST_LD lh,  56, 0xffffffffffffabcd, 1
    TEST_LD lhu, 57, 0xabcd, 1
    TEST_LD lhu, 58, 0x1001, 7             /* crosses the dword boundary */
    TEST_LD lh,  59, 0x1001, 7
    TEST_LD lh,  60, 0xffffffffffff9876, 11
    TEST_LD lw,  61, 0x6789abcd, 1
    TEST_LD lw,  62, 0x456789ab, 2
    TEST_LD lw,  63, 0x23456789, 3
    TEST_LD lw,  64, 0x10012345, 5         /* crosses dword boundary */
    TEST_LD lwu, 65, 0x32100123, 6
    TEST_LD lw,  66, 0xffffffffdcba9876, 11
    TEST_LD lwu, 67, 0xdcba9876, 11
    TEST_LD lw,  68, 0x54321001, 7
    TEST_LD ld,  69, 0x100123456789abcd, 1
    TEST_LD ld,  70, 0x32100123456789ab, 2
    TEST_LD ld,  71, 0x7654321001234567, 4
    TEST_LD ld,  72, 0xdcba987654321001, 7
    TEST_LD ld,  73, 0x9876543210012345, 5

    /* ------------------------ misaligned stores ---------------------- */
    CLEAR_BUF
    li      a1, 0xbeef
    sh      a1, 1(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x0000000000beef00, 74
    CLEAR_BUF
    li      a1, 0xbeef
    sh      a1, 7(a0)                       /* crosses dword boundary */
    ld      a2, 0(a0)
    CHECK_EQ a2, 0xef00000000000000, 75
    ld      a2, 8(a0)
    CHECK_EQ a2, 0xbe, 76
    CLEAR_BUF
    li      a1, 0x44332211
    sw      a1, 1(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x0000004433221100, 77
    CLEAR_BUF
    li      a1, 0x44332211
    sw      a1, 6(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x2211000000000000, 78
    ld      a2, 8(a0)
    CHECK_EQ a2, 0x4433, 79
    CLEAR_BUF
    li      a1, 0x8877665544332211
    sd      a1, 3(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x5544332211000000, 80
    ld      a2, 8(a0)
    CHECK_EQ a2, 0x0000000000887766, 81
    CLEAR_BUF
    li      a1, 0x8877665544332211
    sd      a1, 7(a0)
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x1100000000000000, 82
    ld      a2, 8(a0)
    CHECK_EQ a2, 0x0088776655443322, 83
    /* misaligned store then misaligned load of the same bytes */
    CLEAR_BUF
    li      a1, 0xf0debc9a78563412
    sd      a1, 5(a0)
    ld      a2, 5(a0)
    CHECK_EQ a2, 0xf0debc9a78563412, 84
    lw      a2, 9(a0)
    CHECK_EQ a2, 0xfffffffff0debc9a, 85
    lh      a2, 11(a0)
    CHECK_EQ a2, 0xfffffffffffff0de, 86

    /* ------------- misaligned accesses across a 4 KiB page ----------- */
    la      a0, page2                       /* 4 KiB aligned */
    li      a1, 0x0706050403020100
    sd      a1, -4(a0)                      /* bytes 00..03 | 04..07 */
    ld      a2, -4(a0)
    CHECK_EQ a2, 0x0706050403020100, 87
    lwu     a2, -4(a0)
    CHECK_EQ a2, 0x03020100, 88
    lw      a2, -2(a0)                      /* 02 03 | 04 05 */
    CHECK_EQ a2, 0x05040302, 89
    lhu     a2, -1(a0)                      /* 03 | 04 */
    CHECK_EQ a2, 0x0403, 90
    li      a1, 0xa1b2
    sh      a1, -1(a0)
    lbu     a2, -1(a0)
    CHECK_EQ a2, 0xb2, 91
    lbu     a2, 0(a0)
    CHECK_EQ a2, 0xa1, 92
    li      a1, 0xc3d4e5f6
    sw      a1, -3(a0)
    ld      a2, -8(a0)
    CHECK_EQ a2, 0xd4e5f60000000000, 93
    ld      a2, 0(a0)
    CHECK_EQ a2, 0x00000000070605c3, 94

    PASS
    TEST_END

    .data
    .balign 16
tdat:
    .dword 0x0123456789abcdef
    .dword 0xfedcba9876543210
    .dword 0
buf:
    .dword 0
    .dword 0
    .dword 0

    .balign 4096
    .space 4096 - 64
page1_tail:
    .space 64
page2:
    .space 64
