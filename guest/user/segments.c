/*
 * segments - initialised data that is not page aligned (linked with
 * packed.ld: the data segment starts mid-page, in the text's last page,
 * and spans five more pages), then bss.  Checks every word of .data as
 * the kernel loaded it, rewrites it all, and checks it again after the
 * bss has pushed it out of a few frames (run with a small frames=N):
 * the second check reads pages back from swap, never from the file.
 */
#include "ulib.h"

#define W 5000                                  /* words of .data */
#define V(i) ((u32)((i) * 2654435761u))          /* Knuth's multiplier */
#define R10(b)   V(b), V(b + 1), V(b + 2), V(b + 3), V(b + 4), \
                 V(b + 5), V(b + 6), V(b + 7), V(b + 8), V(b + 9)
#define R100(b)  R10(b), R10(b + 10), R10(b + 20), R10(b + 30), R10(b + 40), \
                 R10(b + 50), R10(b + 60), R10(b + 70), R10(b + 80), R10(b + 90)
#define R1000(b) R100(b), R100(b + 100), R100(b + 200), R100(b + 300), \
                 R100(b + 400), R100(b + 500), R100(b + 600), R100(b + 700), \
                 R100(b + 800), R100(b + 900)

static u32 table[W] = { R1000(0), R1000(1000), R1000(2000), R1000(3000), R1000(4000) };
static volatile u32 scratch[16384];             /* bss: 16 pages */

static long check(u32 add)
{
    long bad = 0;
    for (long i = 0; i < W; i++)
        bad += table[i] != V(i) + add;
    return bad;
}

int main(void)
{
    long bad1 = check(0);
    for (long i = 0; i < W; i++)
        table[i] += 7;
    for (long i = 0; i < 16384; i++)            /* push .data out */
        scratch[i] = (u32)i;
    long bad2 = check(7);
    print("segments: .data at ");
    print_hex((u64)table);
    print(bad1 || bad2 ? ", WRONG words: " : ", all words right (");
    print_dec((u64)(bad1 + bad2));
    print(bad1 || bad2 ? "\n" : " wrong)\n");
    return bad1 || bad2 ? 1 : 0;
}
