/*
 * arith.S - RV64I integer computational instructions.
 *
 * Register-register, register-immediate, the 32-bit "W" forms (which
 * operate on the low 32 bits and sign-extend the 32-bit result), shifts
 * (shift amount = low 6 bits of rs2, low 5 bits for the W forms), LUI and
 * AUIPC.  Includes overflow wrap-around, sign extension, x0 as a
 * destination and as a source, and rd == rs1 / rd == rs2.
 */
#include "common.h"

    TEST_BEGIN

    /* ------------------------------ ADD ------------------------------ */
    TEST_RR add, 1, 0, 0, 0
    TEST_RR add, 2, 2, 1, 1
    TEST_RR add, 3, 10, 3, 7
    TEST_RR add, 4, 0x8000000000000000, 0x7fffffffffffffff, 1
    TEST_RR add, 5, 0, 0xffffffffffffffff, 1
    TEST_RR add, 6, 0, 0x8000000000000000, 0x8000000000000000
    TEST_RR add, 7, 0xfffffffffffffffe, -1, -1
    TEST_RR add, 8, 0x100000000, 0xffffffff, 1
    TEST_RR_ZERODEST add, 9, 5, 6
    TEST_RR_SRC1_DEST add, 10, 10, 5, 5
    TEST_RR_SRC2_DEST add, 11, 0x123456789, 0x100000000, 0x23456789

    /* ------------------------------ SUB ------------------------------ */
    TEST_RR sub, 12, 0, 0, 0
    TEST_RR sub, 13, 2, 5, 3
    TEST_RR sub, 14, 0xfffffffffffffffe, 3, 5
    TEST_RR sub, 15, 0x7fffffffffffffff, 0x8000000000000000, 1
    TEST_RR sub, 16, 0x8000000000000000, 0, 0x8000000000000000
    TEST_RR sub, 17, 0xffffffff, 0x100000000, 1
    TEST_RR_ZERODEST sub, 18, 9, 1
    TEST_RR_SRC1_DEST sub, 19, 0, 0x5555, 0x5555

    /* ------------------------------ SLL ------------------------------ */
    TEST_RR sll, 20, 1, 1, 0
    TEST_RR sll, 21, 0x8000000000000000, 1, 63
    TEST_RR sll, 22, 1, 1, 64                      /* shamt 64 -> 0 */
    TEST_RR sll, 23, 0xffffffff00000000, -1, 32
    TEST_RR sll, 24, 0x80000000, 1, 31             /* no 32-bit sign ext */
    TEST_RR sll, 25, 0x42424242, 0x21212121, 65    /* shamt 65 -> 1 */
    TEST_RR sll, 26, 0x8000000000000000, 1, -1     /* shamt -1 -> 63 */
    TEST_RR sll, 27, 0x2468acf13579bde0, 0x123456789abcdef0, 1

    /* ------------------------------ SRL ------------------------------ */
    TEST_RR srl, 28, 1, 0x8000000000000000, 63
    TEST_RR srl, 29, 0x4000000000000000, 0x8000000000000000, 1
    TEST_RR srl, 30, 0xffffffffffffffff, -1, 0
    TEST_RR srl, 31, 0xffffffff, -1, 32
    TEST_RR srl, 32, 0xffffffffffffffff, -1, 64    /* shamt 64 -> 0 */
    TEST_RR srl, 33, 1, 0x80000000, 31
    TEST_RR srl, 34, 0x0123456789abcdef, 0x123456789abcdef0, 0x7fffffffffffffc4 /* -> 4 */

    /* ------------------------------ SRA ------------------------------ */
    TEST_RR sra, 35, 0xffffffffffffffff, 0x8000000000000000, 63
    TEST_RR sra, 36, 0xc000000000000000, 0x8000000000000000, 1
    TEST_RR sra, 37, 0, 0x7fffffffffffffff, 63
    TEST_RR sra, 38, 0xffffffffffffffff, -1, 127   /* shamt 127 -> 63 */
    TEST_RR sra, 39, 1, 0x80000000, 31             /* positive 64-bit value */
    TEST_RR sra, 40, 0xfffffffff8000000, 0xffffffff80000000, 4
    TEST_RR sra, 41, 0x8000000000000000, 0x8000000000000000, 64 /* -> 0 */

    /* ------------------------------ SLT ------------------------------ */
    TEST_RR slt, 42, 1, 0, 1
    TEST_RR slt, 43, 0, 1, 0
    TEST_RR slt, 44, 1, -1, 0
    TEST_RR slt, 45, 0, 0, -1
    TEST_RR slt, 46, 1, 0x8000000000000000, 0x7fffffffffffffff
    TEST_RR slt, 47, 0, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR slt, 48, 0, 5, 5
    TEST_RR slt, 49, 1, -3, -2

    /* ------------------------------ SLTU ----------------------------- */
    TEST_RR sltu, 50, 1, 0, -1
    TEST_RR sltu, 51, 0, -1, 0
    TEST_RR sltu, 52, 1, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR sltu, 53, 0, 1, 1
    TEST_RR sltu, 54, 1, 0xfffffffffffffffe, 0xffffffffffffffff
    /* snez idiom: sltu rd, x0, rs */
    li      a1, 5
    sltu    a2, x0, a1
    CHECK_EQ a2, 1, 55
    li      a1, 0
    sltu    a2, x0, a1
    CHECK_EQ a2, 0, 56

    /* ------------------------- XOR / OR / AND ------------------------ */
    TEST_RR xor, 57, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
    TEST_RR or,  58, 0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
    TEST_RR and, 59, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
    TEST_RR xor, 60, 0xaaaaaaaaaaaaaaaa, -1, 0x5555555555555555
    TEST_RR_SRC1_DEST xor, 61, 0, 0x123456789, 0x123456789
    TEST_RR or,  62, 0x8000000000000001, 0x8000000000000000, 1
    TEST_RR and, 63, 0, 0xaaaaaaaaaaaaaaaa, 0x5555555555555555
    TEST_RR_ZERODEST or, 64, -1, -1

    /* ------------------------------ ADDI ----------------------------- */
    TEST_RI addi, 65, 0, 0, 0
    TEST_RI addi, 66, 2048, 1, 2047
    TEST_RI addi, 67, 0xfffffffffffff800, 0, -2048
    TEST_RI addi, 68, 0x8000000000000000, 0x7fffffffffffffff, 1
    TEST_RI addi, 69, 0, -1, 1
    TEST_RI addi, 70, 0x100000000, 0xffffffff, 1
    TEST_RI addi, 71, 0x7fffffffffffffff, 0x8000000000000000, -1
    TEST_RI_ZERODEST addi, 72, 5, 5
    li      a0, 0
    addi    a0, a0, -1                              /* rd == rs1 */
    CHECK_EQ a0, -1, 73

    /* ------------------------------ SLTI ----------------------------- */
    TEST_RI slti, 74, 1, 0, 1
    TEST_RI slti, 75, 0, -1, -2048
    TEST_RI slti, 76, 1, -2049, -2048
    TEST_RI slti, 77, 0, 2047, 2047
    TEST_RI slti, 78, 1, 0x8000000000000000, 0
    TEST_RI slti, 79, 0, 0x7fffffffffffffff, -1

    /* ----------------------------- SLTIU ----------------------------- */
    TEST_RI sltiu, 80, 1, 0, -1           /* imm sign-extends to 2^64-1 */
    TEST_RI sltiu, 81, 1, -2, -1
    TEST_RI sltiu, 82, 0, -1, -1
    TEST_RI sltiu, 83, 1, 0, 1            /* seqz idiom */
    TEST_RI sltiu, 84, 0, 5, 1
    TEST_RI sltiu, 85, 0, 0xfffffffffffff800, 2047

    /* ------------------------ XORI / ORI / ANDI ---------------------- */
    TEST_RI xori, 86, 0xffffffffff00ff00, 0x00ff00ff, -1 /* not */
    TEST_RI xori, 87, 0x0fff, 0x0f0f, 0x0f0
    TEST_RI xori, 88, 0x80000000000007ff, 0x8000000000000000, 0x7ff
    TEST_RI ori,  89, 0xfffffffffffff800, 0, -2048
    TEST_RI ori,  90, 0xff000000000007ff, 0xff00000000000000, 0x7ff
    TEST_RI andi, 91, 0x7ff, -1, 0x7ff
    TEST_RI andi, 92, 0x123456789abcdef0, 0x123456789abcdeff, -16
    TEST_RI andi, 93, 0xfffffffffffff800, -1, -2048
    TEST_RI andi, 94, 0, 0xfffffffffffff000, 0x7ff
    TEST_RI_ZERODEST xori, 95, 0, -1

    /* ------------------------ SLLI / SRLI / SRAI --------------------- */
    TEST_RI slli, 96, 0x8000000000000000, 1, 63
    TEST_RI slli, 97, 0xffffffff00000000, 0xffffffff, 32
    TEST_RI slli, 98, 1, 1, 0
    TEST_RI slli, 99, 0x100000000, 0x80000000, 1
    TEST_RI srli, 100, 1, 0x8000000000000000, 63
    TEST_RI srli, 101, 0x7fffffffffffffff, -1, 1
    TEST_RI srli, 102, 0xffffffff, -1, 32
    TEST_RI srli, 103, 0x123456789abcdef0, 0x123456789abcdef0, 0
    TEST_RI srai, 104, 0xffffffffffffffff, 0x8000000000000000, 63
    TEST_RI srai, 105, 0xffffffff80000000, 0x8000000000000000, 32
    TEST_RI srai, 106, 1, 0x7fffffffffffffff, 62
    TEST_RI srai, 107, 0xffffffffffffffff, -1, 0
    TEST_RI srai, 108, 0xfff23456789abcde, 0xf23456789abcdef0, 8
    TEST_RI_ZERODEST slli, 109, 1, 5

    /* ------------------------------ ADDW ----------------------------- */
    TEST_RR addw, 110, 2, 1, 1
    TEST_RR addw, 111, 0xffffffff80000000, 0x7fffffff, 1
    TEST_RR addw, 112, 0, 0xffffffff, 1
    TEST_RR addw, 113, 0x10, 0x123456780000000f, 1      /* upper bits ignored */
    TEST_RR addw, 114, 0, 0x80000000, 0x80000000
    TEST_RR addw, 115, 0xffffffffffffffff, -1, 0
    TEST_RR addw, 116, 0x7fffffff, 0xffffffff80000000, -1
    TEST_RR_ZERODEST addw, 117, 1, 2

    /* ------------------------------ SUBW ----------------------------- */
    TEST_RR subw, 118, 0xffffffffffffffff, 0, 1
    TEST_RR subw, 119, 0x7fffffff, 0x80000000, 1
    TEST_RR subw, 120, 0xffffffff80000000, 0x7fffffff, -1
    TEST_RR subw, 121, 2, 0xffffffff00000005, 0x0000000100000003
    TEST_RR subw, 122, 0, 0x100000000, 0
    TEST_RR_SRC2_DEST subw, 123, 0xffffffff80000001, 0x80000000, -1

    /* ----------------------- SLLW / SRLW / SRAW ---------------------- */
    TEST_RR sllw, 124, 0xffffffff80000000, 1, 31
    TEST_RR sllw, 125, 1, 1, 32                         /* shamt 32 -> 0 */
    TEST_RR sllw, 126, 0x10, 0xffffffff00000001, 4
    TEST_RR sllw, 127, 0x23456780, 0x12345678, 4
    TEST_RR sllw, 129, 0xffffffff80000000, 0x80000000, 0 /* sext of bit 31 */
    TEST_RR srlw, 130, 1, 0xffffffff80000000, 31
    TEST_RR srlw, 131, 0xffffffff80000000, 0x80000000, 0 /* shamt 0 still sext */
    TEST_RR srlw, 132, 0x7fffffff, -1, 1
    TEST_RR srlw, 133, 0x7fffffff, 0xffffffff, 33        /* shamt 33 -> 1 */
    TEST_RR srlw, 134, 0x09abcdef, 0x123456789abcdef0, 4
    TEST_RR sraw, 135, 0xffffffffffffffff, 0x80000000, 31
    TEST_RR sraw, 136, 0xfffffffff8000000, 0x80000000, 4
    TEST_RR sraw, 137, 0, 0x7fffffff, 31
    TEST_RR sraw, 138, 0x7fffffff, 0xaaaaaaaa7fffffff, 0
    TEST_RR sraw, 139, 0xffffffffffffffff, -1, 63        /* shamt 63 -> 31 */
    TEST_RR sraw, 140, 0xffffffffff765432, 0x87654321f7654321, 36 /* shamt 36 -> 4 */

    /* ------------------------------ ADDIW ---------------------------- */
    TEST_RI addiw, 141, 0xffffffff80000000, 0x7fffffff, 1
    TEST_RI addiw, 142, 0xffffffffffffffff, 0, -1
    TEST_RI addiw, 143, 0, 0xffffffff, 1
    TEST_RI addiw, 144, 0x23456789, 0x123456789, 0      /* sext.w */
    TEST_RI addiw, 145, 0xffffffff80000000, 0x80000000, 0
    TEST_RI addiw, 146, 0xfffffffffffff805, 5, -2048
    TEST_RI addiw, 147, 0x7ffff7ff, 0xffffffff7ffff000, 2047
    TEST_RI_ZERODEST addiw, 148, 1, 1

    /* ---------------------- SLLIW / SRLIW / SRAIW -------------------- */
    TEST_RI slliw, 149, 0xffffffff80000000, 1, 31
    TEST_RI slliw, 150, 0xffffffffffffffff, 0xffffffff, 0
    TEST_RI slliw, 151, 0x10000, 0x100000001, 16
    TEST_RI slliw, 152, 0x70000000, 0x1234567, 28
    TEST_RI srliw, 153, 1, 0x80000000, 31
    TEST_RI srliw, 154, 0xffffffff80000000, 0xffffffff80000000, 0
    TEST_RI srliw, 155, 0xffff, -1, 16
    TEST_RI srliw, 156, 0x7fffffff, 0x00000001ffffffff, 1
    TEST_RI sraiw, 157, 0xffffffffffffffff, 0x80000000, 31
    TEST_RI sraiw, 158, 0xffffffff80000000, 0x80000000, 0
    TEST_RI sraiw, 159, 1, 0x7fffffff, 30
    TEST_RI sraiw, 160, 0, 0xdeadbeef7fffffff, 31
    TEST_RI sraiw, 161, 0xfffffffffff00000, 0x0000000080000000, 11

    /* ------------------------------ LUI ------------------------------ */
    lui     a2, 0
    CHECK_EQ a2, 0, 162
    lui     a2, 0x80000
    CHECK_EQ a2, 0xffffffff80000000, 163           /* sign-extended */
    lui     a2, 0x7ffff
    CHECK_EQ a2, 0x7ffff000, 164
    lui     a2, 0xfffff
    CHECK_EQ a2, 0xfffffffffffff000, 165
    lui     a2, 0x12345
    CHECK_EQ a2, 0x12345000, 166
    lui     x0, 0x12345
    CHECK_EQ x0, 0, 167
    lui     a2, 0x12345
    addi    a2, a2, 0x678
    CHECK_EQ a2, 0x12345678, 168
    lui     a2, 0xdeadc
    addiw   a2, a2, -0x111
    CHECK_EQ a2, 0xffffffffdeadbeef, 169

    /* ------------------------------ AUIPC ---------------------------- */
.Lauipc0:
    auipc   a0, 0
    la      a1, .Lauipc0
    CHECK_REG a0, a1, 170
.Lauipc1:
    auipc   a0, 1
    la      a1, .Lauipc1
    sub     a0, a0, a1
    CHECK_EQ a0, 0x1000, 171
.Lauipc2:
    auipc   a0, 0x80000                 /* imm sign-extends: -2 GiB */
    la      a1, .Lauipc2
    sub     a0, a0, a1
    CHECK_EQ a0, 0xffffffff80000000, 172
.Lauipc3:
    auipc   a0, 0xfffff
    la      a1, .Lauipc3
    sub     a0, a0, a1
    CHECK_EQ a0, -0x1000, 173
    /* auipc + jalr-style pairing: the assembler's `la` itself */
    la      a0, arith_word
    ld      a0, 0(a0)
    CHECK_EQ a0, 0x0123456789abcdef, 174
    auipc   x0, 1
    CHECK_EQ x0, 0, 175

    /* --------------------- x0 as a source operand -------------------- */
    li      a1, 5
    sub     a2, x0, a1                  /* neg */
    CHECK_EQ a2, -5, 176
    li      a0, 0x8000000000000000
    sra     a2, a0, x0
    CHECK_EQ a2, 0x8000000000000000, 177
    or      a2, x0, x0
    CHECK_EQ a2, 0, 178
    addiw   a2, x0, -1
    CHECK_EQ a2, -1, 179
    li      a0, 0x80000000
    addw    a2, a0, x0                  /* sext.w via addw */
    CHECK_EQ a2, 0xffffffff80000000, 180
    /* writes to x0 really are discarded for every form */
    li      a0, -1
    add     x0, a0, a0
    addi    x0, x0, 7
    slli    x0, a0, 3
    mv      a2, x0
    CHECK_EQ a2, 0, 181

    PASS
    TEST_END

    .data
    .balign 8
arith_word:
    .dword 0x0123456789abcdef
