/*
 * ptrchase - a pointer chase through a linked list whose nodes (64 bytes,
 * 64 to a page) are spread over 128 pages in a shuffled order: each step
 * jumps to a random page, so with few frames nearly every step faults.
 * The list is one cycle through all NODES nodes, in the order of a
 * Fisher-Yates shuffle.  Two laps: the first rewrites each node's value
 * with the running hash, the second only reads.  The checksum depends only
 * on the arithmetic below (tests/kernel_demo.rs recomputes it):
 *
 *   node[i].val = i * 0x9e3779b97f4a7c15 (mod 2^64)
 *   perm = 0..NODES; x = 0x853c49e6748fea9b; for i = NODES-1 down to 1:
 *     x ^= x << 13; x ^= x >> 7; x ^= x << 17; swap perm[i], perm[x % (i+1)]
 *   list: perm[0] -> perm[1] -> ... -> perm[NODES-1] -> perm[0]
 *   h = 0xcbf29ce484222325; from perm[0], 2 NODES steps:
 *     h = (h ^ val) * 0x100000001b3; in the first lap val = h
 */
#include "ulib.h"

#define PAGES 128
#define NODES (PAGES * 4096 / 64)

struct node {
    struct node *next;
    u64 val;
    u64 pad[6];
};

static struct node nodes[NODES] __attribute__((aligned(4096)));
static u32 perm[NODES];

int main(void)
{
    for (long i = 0; i < NODES; i++) {
        nodes[i].val = (u64)i * 0x9e3779b97f4a7c15UL;
        perm[i] = (u32)i;
    }
    u64 x = 0x853c49e6748fea9bUL;
    for (long i = NODES - 1; i > 0; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long j = (long)(x % (u64)(i + 1));
        u32 t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (long k = 0; k < NODES; k++)
        nodes[perm[k]].next = &nodes[perm[(k + 1) % NODES]];

    struct node *p = &nodes[perm[0]];
    u64 h = 0xcbf29ce484222325UL;
    for (long s = 0; s < 2L * NODES; s++) {
        h = (h ^ p->val) * 0x100000001b3UL;
        if (s < NODES)
            p->val = h;
        p = p->next;
    }
    printf("ptrchase: %d nodes on %d pages, 2 laps, %s, checksum 0x%016lx\n", NODES, PAGES,
           p == &nodes[perm[0]] ? "back at the start" : "LOST", h);
    return p == &nodes[perm[0]] ? 0 : 1;
}
