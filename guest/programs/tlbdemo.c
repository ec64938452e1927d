/*
 * tlbdemo.c - what the D-TLB sees for four access patterns under Sv39.
 *
 * M-mode maps the image identity with 4 KiB pages -- including the 16 MiB
 * arena in .bss (4096 pages) -- plus one 2 MiB megapage at VA 0x40000000
 * that aliases the arena's first 2 MiB, then runs the phases in S-mode:
 *
 *   a  sequential, 8-byte stride over 64 KiB (16 pages)
 *        -> one miss per page on the first pass, hits afterwards
 *   b  one word per 4 KiB page over the 16 MiB arena (4096 pages)
 *        -> a miss on every access: 4096 pages >> 64 entries (16x4)
 *   c  xorshift-random words over the 16 MiB arena through 4 KiB pages
 *        -> almost every access misses (64 of 4096 pages fit)
 *   d  the same random sequence over 2 MiB through the single megapage
 *        -> one TLB entry covers it all: about one miss for the phase
 *
 * Every access is a load followed by a store to the same word (so one
 * access = two D-TLB lookups, of which the store always hits).  Each phase
 * prints a checksum of the values it read; phase d reads, through the
 * megapage alias, words that phase c wrote through 4 KiB pages.
 */
#include "sv39.h"

#define ARENA_BYTES   (16UL << 20)
#define ARENA_WORDS   (ARENA_BYTES / 8)
#define WORDS_PER_PAGE (PAGE_4K / 8)

#define SEQ_BYTES     (64UL << 10)
#define SEQ_PASSES    16
#define STRIDE_PASSES 8
#define RANDOM_ACCESSES (1UL << 20)

/* VA of the megapage window (a gigapage slot of its own, L2 index 1). */
#define MEGA_VA       0x40000000UL

static uint64_t arena[ARENA_WORDS] __attribute__((aligned(PAGE_2M)));

static uint64_t mix(uint64_t s, uint64_t v)
{
    return (s ^ v) * 0x100000001b3UL;
}

static uint64_t xorshift64(uint64_t x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

static uint64_t phase_sequential(volatile uint64_t *p, uint64_t *count)
{
    uint64_t s = 0, n = 0;
    for (uint64_t pass = 0; pass < SEQ_PASSES; pass++)
        for (uint64_t i = 0; i < SEQ_BYTES / 8; i++, n++) {
            uint64_t v = p[i];
            p[i] = v + i + pass;
            s = mix(s, v);
        }
    *count = n;
    return s;
}

static uint64_t phase_page_stride(volatile uint64_t *p, uint64_t *count)
{
    uint64_t s = 0, n = 0;
    for (uint64_t pass = 0; pass < STRIDE_PASSES; pass++)
        for (uint64_t w = 0; w < ARENA_WORDS; w += WORDS_PER_PAGE, n++) {
            uint64_t v = p[w];
            p[w] = v ^ (w + pass + 1);
            s = mix(s, v);
        }
    *count = n;
    return s;
}

/* `words` must be a power of two. */
static uint64_t phase_random(volatile uint64_t *p, uint64_t words, uint64_t *count)
{
    uint64_t s = 0, x = 0x2545f4914f6cdd1dUL;
    for (uint64_t n = 0; n < RANDOM_ACCESSES; n++) {
        x = xorshift64(x);
        uint64_t w = (x >> 11) & (words - 1);
        uint64_t v = p[w];
        p[w] = v + x;
        s = mix(s, v);
    }
    *count = RANDOM_ACCESSES;
    return s;
}

static void report(const char *label, uint64_t count, uint64_t checksum)
{
    puts_(label);
    /* right-align the count in 8 columns */
    uint64_t width = 1;
    for (uint64_t c = count; c >= 10; c /= 10)
        width++;
    for (; width < 8; width++)
        putch(' ');
    put_dec(count);
    puts_(" accesses  checksum ");
    put_hex(checksum);
    putch('\n');
}

static NORETURN void s_main(void)
{
    uint64_t n, sum;

    puts_("tlbdemo: Sv39 in S-mode, 4 KiB pages over a 16 MiB arena, "
          "one 2 MiB megapage\n");

    sum = phase_sequential(arena, &n);
    report("phase a: sequential over 64 KiB       ", n, sum);

    sum = phase_page_stride(arena, &n);
    report("phase b: page-stride over 16 MiB      ", n, sum);

    sum = phase_random(arena, ARENA_WORDS, &n);
    report("phase c: random over 16 MiB (4 KiB)   ", n, sum);

    sum = phase_random((volatile uint64_t *)MEGA_VA, PAGE_2M / 8, &n);
    report("phase d: random over 2 MiB (megapage) ", n, sum);

    exit_(0);
}

NORETURN void main(void)
{
    pte_t *root = sv39_root();
    sv39_map_image(root);                       /* includes the arena */
    sv39_map_2m(root, MEGA_VA, (uint64_t)arena, PTE_R | PTE_W);
    sv39_enable(root);
    console_use_ecall(1);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
