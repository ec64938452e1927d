/*
 * hashtable - an open-addressing hash table (linear probing, 2^15 slots
 * of 16 bytes: 128 pages of .bss, page aligned) much larger than the
 * frames: INSERTS pseudo-random keys go in, then LOOKUPS keys are looked
 * up, every other one inserted before (a hit) and the rest fresh (almost
 * surely a miss).  Each operation lands on a random page.  The checksum
 * depends only on the arithmetic below (tests/kernel_demo.rs recomputes
 * it):
 *
 *   next(x): x ^= x << 13; x ^= x >> 7; x ^= x << 17 (xorshift64)
 *   slot(k) = (k * 0x9e3779b97f4a7c15) >> 49, probing slot + 1, + 2, ...
 *   (mod 2^15); key 0 marks an empty slot
 *   insert i = 0..INSERTS: key = next(x), x from 0x0123456789abcdef;
 *     value i (a key already there gets the new value)
 *   lookup j = 0..LOOKUPS: j even: the (j/2)-th inserted key again (a
 *     second generator from the same seed); j odd: key = next(y), y from
 *     0xfedcba9876543210
 *   h = 0xcbf29ce484222325; per lookup h = (h ^ v) * 0x100000001b3 with
 *   v = the value found, or 2^64 - 1 for a miss
 */
#include "ulib.h"

#define BITS    15
#define SLOTS   (1L << BITS)
#define INSERTS 8000
#define LOOKUPS 8000

struct slot {
    u64 key, val;
};

static struct slot table[SLOTS] __attribute__((aligned(4096)));

static u64 next(u64 *s)
{
    u64 x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static struct slot *find(u64 key)
{
    u64 i = (key * 0x9e3779b97f4a7c15UL) >> (64 - BITS);
    while (table[i].key != 0 && table[i].key != key)
        i = (i + 1) & (SLOTS - 1);
    return &table[i];
}

int main(void)
{
    u64 x = 0x0123456789abcdefUL;
    for (long i = 0; i < INSERTS; i++) {
        u64 k = next(&x);
        struct slot *s = find(k);
        s->key = k;
        s->val = (u64)i;
    }
    u64 again = 0x0123456789abcdefUL, y = 0xfedcba9876543210UL;
    u64 h = 0xcbf29ce484222325UL;
    long hits = 0;
    for (long j = 0; j < LOOKUPS; j++) {
        u64 k = j % 2 == 0 ? next(&again) : next(&y);
        struct slot *s = find(k);
        u64 v = ~0UL;
        if (s->key == k) {
            v = s->val;
            hits++;
        }
        h = (h ^ v) * 0x100000001b3UL;
    }
    printf("hashtable: %ld slots, %d keys inserted, %ld of %d lookups found, checksum 0x%016lx\n",
           SLOTS, INSERTS, hits, LOOKUPS, h);
    return 0;
}
