/*
 * muldiv.S - RV64M: MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU and
 * the W forms MULW, DIVW, DIVUW, REMW, REMUW.
 *
 * Division corner cases (no traps in RISC-V):
 *   x / 0   -> quotient all ones (-1 signed, 2^XLEN-1 unsigned),
 *              remainder = dividend
 *   MIN / -1 (signed overflow) -> quotient MIN, remainder 0
 * The W forms use the low 32 bits of the sources and sign-extend the
 * 32-bit result (so DIVUW/REMUW results with bit 31 set are negative).
 * Signed division rounds towards zero; the remainder takes the sign of
 * the dividend.
 */
#include "common.h"

    TEST_BEGIN

    /* ------------------------------ MUL ------------------------------ */
    TEST_RR mul, 1, 21, 3, 7
    TEST_RR mul, 2, 0, 0, 0x123456789
    TEST_RR mul, 3, 1, -1, -1
    TEST_RR mul, 4, 0xfffffffffffffff9, -1, 7
    TEST_RR mul, 5, 0xfffffffffffffffe, 0x7fffffffffffffff, 2
    TEST_RR mul, 6, 0x8000000000000000, 0x8000000000000000, -1
    TEST_RR mul, 7, 0x2236d88fe5618cf0, 0x123456789abcdef0, 0x0fedcba987654321
    TEST_RR mul, 8, 0x100000000, 0x10000, 0x10000          /* no 32-bit wrap */
    TEST_RR_ZERODEST mul, 9, 3, 4
    TEST_RR_SRC1_DEST mul, 10, 0x144, 0x12, 0x12

    /* ------------------------------ MULH ----------------------------- */
    TEST_RR mulh, 11, 0, -1, -1
    TEST_RR mulh, 12, 0xffffffffffffffff, -1, 1
    TEST_RR mulh, 13, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000
    TEST_RR mulh, 14, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff
    TEST_RR mulh, 15, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff
    TEST_RR mulh, 16, 0x0121fa00ad77d742, 0x123456789abcdef0, 0x0fedcba987654321
    TEST_RR mulh, 17, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210
    TEST_RR mulh, 18, 0, 0x7fffffff, 0x7fffffff
    TEST_RR mulh, 19, 1, 0x100000000, 0x100000000

    /* ----------------------------- MULHSU ---------------------------- */
    /* rs1 signed, rs2 unsigned */
    TEST_RR mulhsu, 20, 0xffffffffffffffff, -1, 0xffffffffffffffff
    TEST_RR mulhsu, 21, 0, 1, 0xffffffffffffffff
    TEST_RR mulhsu, 22, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR mulhsu, 23, 1, 2, 0x8000000000000000
    TEST_RR mulhsu, 24, 0xffffffffffffffff, -2, 0x8000000000000000
    TEST_RR mulhsu, 25, 0xffeb49923cc09532, 0xfedcba9876543210, 0x123456789abcdef0
    TEST_RR mulhsu, 26, 0x7ffffffffffffffe, 0x7fffffffffffffff, 0xffffffffffffffff

    /* ------------------------------ MULHU ---------------------------- */
    TEST_RR mulhu, 27, 0xfffffffffffffffe, -1, -1
    TEST_RR mulhu, 28, 1, 0x8000000000000000, 2
    TEST_RR mulhu, 29, 0, 0xffffffff, 0xffffffff
    TEST_RR mulhu, 30, 1, 0x100000000, 0x100000000
    TEST_RR mulhu, 31, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210
    TEST_RR mulhu, 32, 0, -1, 0
    TEST_RR_ZERODEST mulhu, 33, -1, -1

    /* ------------------------------ MULW ----------------------------- */
    TEST_RR mulw, 34, 0xfffffffffffffffe, 0x7fffffff, 2
    TEST_RR mulw, 35, 1, 0x100000001, 0x100000001
    TEST_RR mulw, 36, 1, -1, -1
    TEST_RR mulw, 37, 0, 0x10000, 0x10000            /* 2^32 wraps to 0 */
    TEST_RR mulw, 38, 0xffffffff80000000, 0x8000, 0x10000
    TEST_RR mulw, 39, 0xffffffff88cf5b62, 0xdeadbeef, 0xcafebabe
    TEST_RR mulw, 40, 0x15, 0xabcdef0000000003, 0x1234567800000007

    /* ------------------------------ DIV ------------------------------ */
    TEST_RR div, 41, 3, 20, 6
    TEST_RR div, 42, -3, -20, 6                      /* rounds to zero */
    TEST_RR div, 43, -3, 20, -6
    TEST_RR div, 44, 3, -20, -6
    TEST_RR div, 45, 0xffffffffffffffff, 20, 0       /* x / 0 = -1 */
    TEST_RR div, 46, 0xffffffffffffffff, 0, 0
    TEST_RR div, 47, 0xffffffffffffffff, 0x8000000000000000, 0
    TEST_RR div, 48, 0x8000000000000000, 0x8000000000000000, -1 /* overflow */
    TEST_RR div, 49, 0xc000000000000000, 0x8000000000000000, 2
    TEST_RR div, 50, 0, 5, 7
    TEST_RR div, 51, 0x7fffffffffffffff, 0x7fffffffffffffff, 1
    TEST_RR div, 52, 0xffffffff, 0xffffffff, 1       /* no 32-bit sext */
    TEST_RR_ZERODEST div, 53, 10, 2

    /* ------------------------------ DIVU ----------------------------- */
    TEST_RR divu, 54, 3, 20, 6
    TEST_RR divu, 55, 0x2aaaaaaaaaaaaaa7, -20, 6
    TEST_RR divu, 56, 0, 20, -6
    TEST_RR divu, 57, 0xffffffffffffffff, 20, 0      /* x / 0 = 2^64-1 */
    TEST_RR divu, 58, 0xffffffffffffffff, 0, 0
    TEST_RR divu, 59, 0, 0x8000000000000000, -1
    TEST_RR divu, 60, 0x4000000000000000, 0x8000000000000000, 2
    TEST_RR divu, 61, 1, -1, -1

    /* ------------------------------ REM ------------------------------ */
    TEST_RR rem, 62, 2, 20, 6
    TEST_RR rem, 63, -2, -20, 6                      /* sign of dividend */
    TEST_RR rem, 64, 2, 20, -6
    TEST_RR rem, 65, -2, -20, -6
    TEST_RR rem, 66, 20, 20, 0                       /* x % 0 = x */
    TEST_RR rem, 67, 0x8000000000000000, 0x8000000000000000, 0
    TEST_RR rem, 68, 0, 0x8000000000000000, -1       /* overflow -> 0 */
    TEST_RR rem, 69, 0, 0, 1
    TEST_RR rem, 70, -1, -1, 0x7fffffffffffffff

    /* ------------------------------ REMU ----------------------------- */
    TEST_RR remu, 71, 2, 20, 6
    TEST_RR remu, 72, 2, -20, 6
    TEST_RR remu, 73, 20, 20, -6
    TEST_RR remu, 74, 20, 20, 0                      /* x % 0 = x */
    TEST_RR remu, 75, 0xffffffffffffffff, -1, 0
    TEST_RR remu, 76, 0x7fffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR remu, 77, 0, -1, -1

    /* ------------------------------ DIVW ----------------------------- */
    TEST_RR divw, 78, 3, 0xffffffff00000014, 6       /* upper bits ignored */
    TEST_RR divw, 79, -3, -20, 6
    TEST_RR divw, 80, 3, -20, -6
    TEST_RR divw, 81, 0xffffffffffffffff, 20, 0
    TEST_RR divw, 82, 0xffffffffffffffff, 20, 0x100000000 /* low word 0 */
    TEST_RR divw, 83, 0xffffffff80000000, 0x80000000, -1 /* overflow */
    TEST_RR divw, 84, 0xffffffff80000000, 0xffffffff80000000, 0xffffffff
    TEST_RR divw, 85, 0xffffffffc0000000, 0x80000000, 2
    TEST_RR divw, 86, 0x7fffffff, 0x7fffffff, 1
    TEST_RR_ZERODEST divw, 87, 9, 3

    /* ----------------------------- DIVUW ----------------------------- */
    TEST_RR divuw, 88, 3, 20, 6
    TEST_RR divuw, 89, 0x2aaaaaa7, -20, 6            /* 0xffffffec / 6 */
    TEST_RR divuw, 90, 0xffffffffffffffff, 20, 0     /* 0xffffffff sext */
    TEST_RR divuw, 91, 0xffffffff80000000, 0x80000000, 1 /* bit31 -> sext */
    TEST_RR divuw, 92, 0, 0x80000000, -1
    TEST_RR divuw, 93, 0x40000000, 0x80000000, 2
    TEST_RR divuw, 94, 1, 0x1ffffffff, 0x2ffffffff

    /* ------------------------------ REMW ----------------------------- */
    TEST_RR remw, 95, 2, 20, 6
    TEST_RR remw, 96, -2, -20, 6
    TEST_RR remw, 97, 2, 20, -6
    TEST_RR remw, 98, 0xffffffff80000000, 0x80000000, 0 /* x % 0 = sext(x) */
    TEST_RR remw, 99, 0, 0x80000000, -1              /* overflow -> 0 */
    TEST_RR remw, 100, 0x14, 0x1234567800000014, 0
    TEST_RR remw, 101, -2, 0x00000000ffffffec, 0xffffffff00000006

    /* ----------------------------- REMUW ----------------------------- */
    TEST_RR remuw, 102, 2, 20, 6
    TEST_RR remuw, 103, 2, -20, 6                    /* 0xffffffec % 6 */
    TEST_RR remuw, 104, 0xffffffff80000001, 0x80000001, 0 /* sext(x) */
    TEST_RR remuw, 105, 0x14, 0xabcdef0000000014, 0
    TEST_RR remuw, 106, 0xffffffff80000000, 0x80000000, 0xffffffff
    TEST_RR remuw, 107, 0, -1, -1

    /* rd == rs2 for a divide, rd == rs1 for a remainder */
    TEST_RR_SRC2_DEST div, 108, 7, 21, 3
    TEST_RR_SRC1_DEST remu, 109, 1, 22, 3

    PASS
    TEST_END
