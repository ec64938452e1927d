/*
 * sv39.c - run-time construction of Sv39 page tables (see sv39.h).
 */
#include "sv39.h"

#define PT_POOL_PAGES 32
#define PTES_PER_TABLE 512

static pte_t pt_pool[PT_POOL_PAGES][PTES_PER_TABLE]
    __attribute__((aligned(PAGE_4K)));
static uint64_t pt_used;

extern char _text_start[], _text_end[];
extern char _rodata_start[], _rodata_end[];
extern char _data_start[], _end[];

static NORETURN void pt_fail(const char *what, uint64_t va)
{
    puts_("sv39: ");
    puts_(what);
    puts_(" at va ");
    put_hex(va);
    putch('\n');
    htif_exit(98);
}

static pte_t *alloc_table(uint64_t va)
{
    if (pt_used == PT_POOL_PAGES)
        pt_fail("page-table pool exhausted", va);
    pte_t *t = pt_pool[pt_used++];
    for (int i = 0; i < PTES_PER_TABLE; i++) /* the pool is .bss: already 0 */
        t[i] = 0;
    return t;
}

static pte_t pte_table(const pte_t *t)
{
    return (((uint64_t)t >> 12) << 10) | PTE_V;
}

static pte_t pte_leaf(uint64_t pa, uint64_t perm)
{
    return ((pa >> 12) << 10) | perm | PTE_A | PTE_D | PTE_V;
}

static uint64_t vpn(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & (PTES_PER_TABLE - 1);
}

/* The table at `level` (0 or 1) on the way to va, creating tables. */
static pte_t *table_for(pte_t *root, uint64_t va, int level)
{
    pte_t *t = root;
    for (int l = 2; l > level; l--) {
        pte_t *e = &t[vpn(va, l)];
        if (!(*e & PTE_V))
            *e = pte_table(alloc_table(va));
        else if (*e & (PTE_R | PTE_W | PTE_X))
            pt_fail("already mapped by a superpage", va);
        t = (pte_t *)((*e >> 10) << 12);
    }
    return t;
}

pte_t *sv39_root(void)
{
    return alloc_table(0);
}

void sv39_map_4k(pte_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
    for (uint64_t off = 0; off < size; off += PAGE_4K) {
        pte_t *t = table_for(root, va + off, 0);
        t[vpn(va + off, 0)] = pte_leaf(pa + off, perm);
    }
}

void sv39_map_2m(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm)
{
    pte_t *t = table_for(root, va, 1);
    pte_t *e = &t[vpn(va, 1)];
    if (*e & PTE_V)
        pt_fail("megapage slot already in use", va);
    *e = pte_leaf(pa, perm);
}

static void map_identity(pte_t *root, const char *start, const char *end, uint64_t perm)
{
    uint64_t s = (uint64_t)start & ~(PAGE_4K - 1);
    uint64_t e = ((uint64_t)end + PAGE_4K - 1) & ~(PAGE_4K - 1);
    sv39_map_4k(root, s, s, e - s, perm);
}

void sv39_map_image(pte_t *root)
{
    map_identity(root, _text_start, _text_end, PTE_R | PTE_X);
    map_identity(root, _rodata_start, _rodata_end, PTE_R);
    map_identity(root, _data_start, _end, PTE_R | PTE_W);
}

void sv39_enable(pte_t *root)
{
    csr_write(satp, (8UL << 60) | ((uint64_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
}

uint64_t sv39_tables_used(void)
{
    return pt_used;
}
