/*
 * qsort - quicksort of N = 65536 pseudo-random u64 keys in .bss (128
 * pages, page aligned): Hoare partition around the median of three,
 * recursion into the smaller part and a loop over the larger, insertion
 * sort below 16 keys.  Partitioning streams through the array from both
 * ends, so its page faults stay few per key.  The checksum depends only on
 * the arithmetic below (tests/kernel_demo.rs recomputes it):
 *
 *   x = 0x9e3779b97f4a7c15; key i: x ^= x << 13; x ^= x >> 7; x ^= x << 17
 *   checksum = FNV-1a (64-bit) over the sorted keys, one u64 per step:
 *   h = (h ^ key) * 0x100000001b3, h0 = 0xcbf29ce484222325
 */
#include "ulib.h"

#define N 65536

static u64 keys[N] __attribute__((aligned(4096)));

static void swap(u64 *a, u64 *b)
{
    u64 t = *a;
    *a = *b;
    *b = t;
}

/* Sort a[lo..hi] (inclusive). */
static void quicksort(u64 *a, long lo, long hi)
{
    while (hi - lo >= 16) {
        long mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap(&a[mid], &a[lo]);
        if (a[hi] < a[lo])
            swap(&a[hi], &a[lo]);
        if (a[hi] < a[mid])
            swap(&a[hi], &a[mid]);
        u64 pivot = a[mid];
        long i = lo - 1, j = hi + 1;
        for (;;) {
            do
                i++;
            while (a[i] < pivot);
            do
                j--;
            while (a[j] > pivot);
            if (i >= j)
                break;
            swap(&a[i], &a[j]);
        }
        /* a[lo..j] <= pivot <= a[j+1..hi] */
        if (j - lo < hi - j) {
            quicksort(a, lo, j);
            lo = j + 1;
        } else {
            quicksort(a, j + 1, hi);
            hi = j;
        }
    }
    for (long i = lo + 1; i <= hi; i++) {
        u64 v = a[i];
        long k = i;
        for (; k > lo && a[k - 1] > v; k--)
            a[k] = a[k - 1];
        a[k] = v;
    }
}

int main(void)
{
    u64 x = 0x9e3779b97f4a7c15UL;
    for (long i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        keys[i] = x;
    }
    quicksort(keys, 0, N - 1);
    u64 h = 0xcbf29ce484222325UL;
    long unsorted = 0;
    for (long i = 0; i < N; i++) {
        if (i && keys[i - 1] > keys[i])
            unsorted++;
        h = (h ^ keys[i]) * 0x100000001b3UL;
    }
    printf("qsort: %d keys %s, checksum 0x%016lx\n", N, unsorted ? "NOT SORTED" : "sorted", h);
    return unsorted ? 1 : 0;
}
