/*
 * random - random reads and writes over a working set of PAGES pages (a
 * heap array from sbrk, page aligned), addresses from a seeded xorshift64:
 * every access may land on any page, so with few frames nearly every one
 * faults.  The checksum depends only on the arithmetic below
 * (tests/kernel_demo.rs recomputes it):
 *
 *   a[i] = i * 0x9e3779b97f4a7c15 (mod 2^64), i < W = PAGES * 512 words
 *   x = SEED; OPS times: x ^= x << 13; x ^= x >> 7; x ^= x << 17;
 *     i = (x >> 12) % W;  x odd: a[i] ^= x (write);  x even: r = r * 31 + a[i]
 *     (read; r starts at 0)
 *   checksum: h = 0xcbf29ce484222325, h = (h ^ a[i]) * 0x100000001b3 over
 *   i = 0..W, then h = (h ^ r) * 0x100000001b3
 */
#include "ulib.h"

#define PAGES 256
#define W     (PAGES * 512L)
#define OPS   16000
#define SEED  0x2545f4914f6cdd1dUL

int main(void)
{
    char *brk0 = sbrk(0);
    long pad = -(long)brk0 & 4095;
    if (sbrk(pad + W * 8) == (void *)-1) {
        printf("random: sbrk failed\n");
        return 1;
    }
    u64 *a = (u64 *)(brk0 + pad);
    for (long i = 0; i < W; i++)
        a[i] = (u64)i * 0x9e3779b97f4a7c15UL;

    u64 x = SEED, r = 0;
    long writes = 0;
    for (long k = 0; k < OPS; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long i = (long)((x >> 12) % W);
        if (x & 1) {
            a[i] ^= x;
            writes++;
        } else {
            r = r * 31 + a[i];
        }
    }
    u64 h = 0xcbf29ce484222325UL;
    for (long i = 0; i < W; i++)
        h = (h ^ a[i]) * 0x100000001b3UL;
    h = (h ^ r) * 0x100000001b3UL;
    printf("random: %d pages, %d accesses (%ld writes), checksum 0x%016lx\n",
           PAGES, OPS, writes, h);
    return 0;
}
