/*
 * chase.c - pointer chasing over a shuffled list of 16 MiB.
 *
 * 1 Mi nodes of 16 bytes (next pointer, value) fill a 16 MiB array in
 * .bss.  Sattolo's shuffle turns the identity into a random cyclic
 * permutation, so that following `next` from any node visits every node
 * once before coming back, each step landing at a random place in the
 * 16 MiB (under Sv39 with 4 KiB pages: a random one of 4096 pages).
 * LAPS walks around the whole cycle follow; each step reads the value,
 * folds it into the checksum and writes it back changed.  Every load
 * depends on the one before: no overlap, for host or guest.
 */
#include "bench.h"

#define NODES (1UL << 20)   /* x 16 bytes = 16 MiB */
#define LAPS  6

struct node {
    struct node *next;
    uint64_t value;
};

static struct node nodes[NODES] __attribute__((aligned(4096)));

static uint64_t xorshift64(uint64_t x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* A uniform-enough integer in [0, bound) without division: the high half
 * of the 128-bit product. */
static uint64_t below(uint64_t r, uint64_t bound)
{
    return (uint64_t)(((unsigned __int128)r * bound) >> 64);
}

static NOINLINE void build(void)
{
    /* The permutation is first built on indices, kept in `value`. */
    for (uint64_t i = 0; i < NODES; i++)
        nodes[i].value = i;
    uint64_t x = 0x6a09e667f3bcc909UL;
    for (uint64_t i = NODES - 1; i > 0; i--) {
        x = xorshift64(x);
        uint64_t j = below(x, i);           /* j < i: Sattolo */
        uint64_t t = nodes[i].value;
        nodes[i].value = nodes[j].value;
        nodes[j].value = t;
    }
    for (uint64_t i = 0; i < NODES; i++) {
        nodes[i].next = &nodes[nodes[i].value];
        nodes[i].value = i * 0x9e3779b97f4a7c15UL;
    }
}

static NOINLINE uint64_t chase(uint64_t laps)
{
    struct node *p = &nodes[0];
    uint64_t h = 0;
    for (uint64_t step = 0; step < laps * NODES; step++) {
        uint64_t v = p->value;
        h = (h ^ v) * 0x100000001b3UL;
        p->value = v + step;
        p = p->next;
    }
    /* Back at the start after whole laps iff the cycle covers all nodes. */
    return h ^ (uint64_t)(p - nodes) << 48;
}

uint64_t bench_run(void)
{
    build();
    return chase(LAPS);
}
