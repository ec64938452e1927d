/*
 * pagecycle.c - the LRU working-set theory, on a guest: S-mode loads that
 * cycle over K distinct 4 KiB pages, ROUNDS times, and touch nothing else.
 *
 * The K pages are an alias window at VA 0x40000000 onto a .bss array, so
 * that every D-TLB miss on them can be told apart (rvmmu --profile charges
 * misses by page).  Theory for a fully associative LRU D-TLB:
 *   - with K entries or more, only the first round misses: K misses;
 *   - with K - 1 entries, each page is evicted just before its next use:
 *     every one of the K * ROUNDS loads misses.
 * The loop keeps everything in registers (-O2), so the window's loads are
 * the only data accesses while it runs; the checksum is printed through
 * the M-mode console ecall, which is not translated.
 */
#include "sv39.h"

#define K         48
#define ROUNDS    100
#define WORDS     (PAGE_4K / 8)
#define WINDOW_VA 0x40000000UL

static uint64_t pages[K * WORDS] __attribute__((aligned(PAGE_4K)));

static NORETURN void s_main(void)
{
    volatile uint64_t *w = (volatile uint64_t *)WINDOW_VA;
    uint64_t sum = 0;
    for (uint64_t r = 0; r < ROUNDS; r++)
        for (uint64_t i = 0; i < K; i++)
            sum += w[i * WORDS + (r & 7)];
    puts_("pagecycle: ");
    put_dec(K);
    puts_(" pages x ");
    put_dec(ROUNDS);
    puts_(" rounds, checksum ");
    put_hex(sum);
    putch('\n');
    exit_(0);
}

NORETURN void main(void)
{
    for (uint64_t i = 0; i < K * WORDS; i++)
        pages[i] = i * 0x9e3779b97f4a7c15UL;
    pte_t *root = sv39_root();
    sv39_map_image(root);
    sv39_map_4k(root, WINDOW_VA, (uint64_t)pages, K * PAGE_4K, PTE_R | PTE_W);
    sv39_enable(root);
    console_use_ecall(1);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
