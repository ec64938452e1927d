/*
 * mem.c - memory-heavy workload: hashing, then sorting, over one 16 MiB
 * array of 64-bit words (2 Mi slots, in .bss).
 *
 *   1. insert  INSERTS pseudo-random keys into the array used as an
 *              open-addressing hash table (linear probing, multiplicative
 *              hashing): a slot holds key | count << 32, 0 = empty.
 *              Random accesses over all 16 MiB.
 *   2. lookup  LOOKUPS more pseudo-random keys: how many are present,
 *              and the sum of their counts.
 *   3. sort    the whole table, empty slots included (they sort first),
 *              with an in-place quicksort (median of three, Hoare
 *              partition, insertion sort below a cut-off, recursion into
 *              the smaller side only).  Mostly sequential sweeps.
 *   4. check   fold the sorted array into the checksum; a slot out of
 *              order spoils it.
 *
 * Slot values are distinct apart from the empty ones, so the sorted
 * array, and the checksum, depend on nothing but the key sequence.
 */
#include "bench.h"

#define SLOTS      (2UL << 20)          /* 2 Mi words = 16 MiB */
#define SLOT_BITS  21
#define KEY_MASK   ((1UL << 23) - 1)    /* keys 1 .. 8 Mi: some repeat */
#define INSERTS    1200000UL
#define LOOKUPS    4000000UL
#define CUTOFF     12

static uint64_t table[SLOTS] __attribute__((aligned(4096)));

static uint64_t xorshift64(uint64_t x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

static uint64_t slot_of(uint64_t key)
{
    return (key * 0x9e3779b97f4a7c15UL) >> (64 - SLOT_BITS);
}

static NOINLINE void insert_all(uint64_t *x)
{
    for (uint64_t n = 0; n < INSERTS; n++) {
        *x = xorshift64(*x);
        uint64_t key = (*x & KEY_MASK) | 1;
        uint64_t i = slot_of(key);
        for (;;) {
            uint64_t s = table[i];
            if (s == 0) {
                table[i] = key | (1UL << 32);
                break;
            }
            if ((s & 0xffffffffUL) == key) {
                table[i] = s + (1UL << 32);
                break;
            }
            i = (i + 1) & (SLOTS - 1);
        }
    }
}

static NOINLINE uint64_t lookup_all(uint64_t *x)
{
    uint64_t found = 0, counts = 0;
    for (uint64_t n = 0; n < LOOKUPS; n++) {
        *x = xorshift64(*x);
        uint64_t key = (*x & KEY_MASK) | 1;
        for (uint64_t i = slot_of(key);; i = (i + 1) & (SLOTS - 1)) {
            uint64_t s = table[i];
            if (s == 0)
                break;
            if ((s & 0xffffffffUL) == key) {
                found++;
                counts += s >> 32;
                break;
            }
        }
    }
    return found << 32 ^ counts;
}

static void insertion_sort(uint64_t *a, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        uint64_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    if (b > c)
        b = c;
    return a > b ? a : b;
}

static NOINLINE void quick_sort(uint64_t *a, uint64_t n)
{
    while (n > CUTOFF) {
        uint64_t pivot = median3(a[0], a[n / 2], a[n - 1]);
        /* Hoare partition: [0, j] <= pivot <= [j+1, n). */
        uint64_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint64_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        uint64_t left = j + 1;
        if (left < n - left) {
            quick_sort(a, left);
            a += left;
            n -= left;
        } else {
            quick_sort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

uint64_t bench_run(void)
{
    uint64_t x = 0x853c49e6748fea9bUL;
    uint64_t h = 0xcbf29ce484222325UL;

    insert_all(&x);
    h = (h ^ lookup_all(&x)) * 0x100000001b3UL;

    quick_sort(table, SLOTS);

    uint64_t prev = 0, used = 0;
    for (uint64_t i = 0; i < SLOTS; i++) {
        uint64_t v = table[i];
        if (v < prev)
            h ^= 0xbad0bad0UL + i;          /* out of order */
        used += v != 0;
        h = (h ^ v) * 0x100000001b3UL;
        prev = v;
    }
    return h ^ used << 40;
}
