/*
 * sort - a program bigger than its frames: sorts N pseudo-random 32-bit
 * keys (a heap array from sbrk and a bss array of the same size, 2 x 192
 * KiB = 96 pages) with a bottom-up merge sort, then prints a checksum.
 * With frames=32 or fewer it must page: evict, swap out, swap in.  The
 * checksum depends only on the arithmetic below, never on the paging
 * (tests/kernel_demo.rs recomputes it in Rust):
 *
 *   four xorshift32 generators, states seeds[0..4] (in .data), key i
 *   comes from generator i % 4:  x ^= x << 13; x ^= x >> 17; x ^= x << 5
 *   checksum = FNV-1a (64-bit) over the sorted keys, one 32-bit key per
 *   step: h = (h ^ key) * 0x100000001b3, h0 = 0xcbf29ce484222325
 */
#include "ulib.h"

#define N 49152

static u32 seeds[4] = { 0x12345678, 0x9abcdef1, 0x0badf00d, 0xdeadbeef };
static u32 tmp[N];                   /* bss */

static u32 xorshift32(u32 *s)
{
    u32 x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Merge src[lo, mid) and src[mid, hi) into dst[lo, hi). */
static void merge(const u32 *src, u32 *dst, long lo, long mid, long hi)
{
    long i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

int main(void)
{
    u32 *a = sbrk(N * sizeof(u32));
    if (a == (u32 *)-1) {
        print("sort: sbrk failed\n");
        return 1;
    }
    for (long i = 0; i < N; i++)
        a[i] = xorshift32(&seeds[i % 4]);

    u32 *src = a, *dst = tmp;
    for (long w = 1; w < N; w *= 2) {
        for (long lo = 0; lo < N; lo += 2 * w) {
            long mid = lo + w < N ? lo + w : N;
            long hi = lo + 2 * w < N ? lo + 2 * w : N;
            merge(src, dst, lo, mid, hi);
        }
        u32 *t = src;
        src = dst;
        dst = t;
    }

    u64 h = 0xcbf29ce484222325UL;
    long unsorted = 0;
    for (long i = 0; i < N; i++) {
        if (i && src[i - 1] > src[i])
            unsorted++;
        h = (h ^ src[i]) * 0x100000001b3UL;
    }
    print("sort: ");
    print_dec(N);
    print(unsorted ? " keys, NOT SORTED" : " keys sorted");
    print(", checksum ");
    print_hex(h);
    print("\n");
    return unsorted ? 1 : 0;
}
