/*
 * workload.c - a small CPU-bound integer kernel: a PRNG-driven hash over a
 * 16 KiB table.  Each round mixes shifts/xors (xorshift64), a multiply,
 * a data-dependent branch, a load and two stores at pseudo-random table
 * slots.  The table (2048 64-bit words) spans four 4 KiB pages, so under
 * Sv39 its data accesses hit in any TLB with at least a few entries.
 */
#include "workload.h"

#define TABLE_WORDS 2048                 /* 16 KiB */
#define ROUNDS      6000000UL            /* ~33.5 instructions each: ~200M */

static uint64_t table[TABLE_WORDS] __attribute__((aligned(4096)));

static uint64_t xorshift64(uint64_t x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

uint64_t workload_run(void)
{
    uint64_t x = 0x9e3779b97f4a7c15UL;   /* PRNG state */
    uint64_t h = 0xcbf29ce484222325UL;   /* running hash */

    for (uint64_t i = 0; i < TABLE_WORDS; i++) {
        x = xorshift64(x);
        table[i] = x ^ i;
    }

    for (uint64_t r = 0; r < ROUNDS; r++) {
        x = xorshift64(x);
        uint64_t i = (x >> 23) & (TABLE_WORDS - 1);
        uint64_t v = table[i];
        h = (h ^ v) * 0x100000001b3UL;
        if ((v ^ x) & 0x10)
            h += (v >> 11) | 1;
        else
            h ^= (h >> 29) + r;
        table[i] = v + h;
        table[(i + 97) & (TABLE_WORDS - 1)] ^= h >> 3;
    }

    uint64_t sum = h;
    for (uint64_t i = 0; i < TABLE_WORDS; i++)
        sum = (sum ^ table[i]) * 0x100000001b3UL + i;
    return sum;
}

void workload_report(const char *name, uint64_t checksum)
{
    puts_(name);
    puts_(" checksum ");
    put_hex(checksum);
    putch('\n');
}
