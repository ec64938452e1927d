/*
 * seqscan - sequential scans over an array bigger than its frames:
 * 192 pages of u64 words in .bss (page aligned), PASSES passes over all
 * of it, front to back.  Even passes read and rewrite every word, odd
 * passes only read (so evicted pages are dirty after an even pass and
 * clean after an odd one).  With fewer frames than pages, clock and FIFO
 * both fault on every page of every pass.  The checksum depends only on
 * the arithmetic below (tests/kernel_demo.rs recomputes it):
 *
 *   a[i] = i * G initially (G = 0x9e3779b97f4a7c15, mod 2^64)
 *   pass p: x = p; for i = 0..N: x = x * M + a[i] (M = 6364136223846793005);
 *           in an even pass also a[i] = x ^ (x >> 29)
 *   h = 0xcbf29ce484222325; after each pass h = (h ^ x) * 0x100000001b3
 */
#include "ulib.h"

#define PAGES  192
#define N      (PAGES * 4096 / 8)
#define PASSES 8

static u64 a[N] __attribute__((aligned(4096)));

int main(void)
{
    for (long i = 0; i < N; i++)
        a[i] = (u64)i * 0x9e3779b97f4a7c15UL;
    u64 h = 0xcbf29ce484222325UL;
    for (int p = 0; p < PASSES; p++) {
        u64 x = (u64)p;
        if (p % 2 == 0) {
            for (long i = 0; i < N; i++) {
                x = x * 6364136223846793005UL + a[i];
                a[i] = x ^ (x >> 29);
            }
        } else {
            for (long i = 0; i < N; i++)
                x = x * 6364136223846793005UL + a[i];
        }
        h = (h ^ x) * 0x100000001b3UL;
    }
    printf("seqscan: %d pages, %d passes, checksum 0x%016lx\n", PAGES, PASSES, h);
    return 0;
}
