/*
 * codehop.c - instruction fetches that hop between 4 KiB code pages: what
 * an I-TLB sees, and which entries its replacement policy keeps.
 *
 * Three routines sit on code pages of their own (4 KiB-aligned) and the
 * loop that calls them on a fourth.  Run in S-mode under Sv39 with the
 * image identity-mapped by 4 KiB pages, every call and every return
 * fetches from another page.  The loop calls a, b, a, c, a, b, ...: with a
 * 2-entry LRU I-TLB the loop's page, used again by every return, stays
 * and each call's page takes the other entry (one miss per call); with
 * FIFO the loop's page is evicted in its turn and returns miss too.  So
 * the miss counts tell whether every return's hit updated the LRU order
 * (tests/jit.rs runs it with compiled and with threaded code).
 */
#include "sv39.h"

#define ROUNDS 3000U
#define STEPS  12U

#define CODE_PAGE __attribute__((noinline, aligned(4096)))

static CODE_PAGE uint64_t hop_a(uint64_t x)
{
    for (uint64_t i = 0; i < STEPS; i++)
        x = (x ^ (x << 13)) + i;
    return x;
}

static CODE_PAGE uint64_t hop_b(uint64_t x)
{
    for (uint64_t i = 0; i < STEPS; i++)
        x = (x ^ (x >> 7)) * 0x100000001b3UL;
    return x;
}

static CODE_PAGE uint64_t hop_c(uint64_t x)
{
    for (uint64_t i = 0; i < STEPS; i++)
        x = (x ^ (x << 17)) - i;
    return x;
}

static CODE_PAGE NORETURN void s_main(void)
{
    uint64_t x = 0x9e3779b97f4a7c15UL;
    for (uint64_t r = 0; r < ROUNDS; r++) {
        x = hop_a(x);
        x = hop_b(x);
        x = hop_a(x);
        x = hop_c(x);
    }
    puts_("codehop: checksum ");
    put_hex(x);
    putch('\n');
    exit_(0);
}

NORETURN void main(void)
{
    pte_t *root = sv39_root();
    sv39_map_image(root);
    sv39_enable(root);
    console_use_ecall(1);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
