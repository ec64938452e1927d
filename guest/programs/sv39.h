/*
 * sv39.h - building Sv39 page tables at run time (M-mode, translation off).
 *
 * Tables come from a page-aligned pool in .bss.  Leaf PTEs are created
 * with A and D already set, so the programs run the same whether the
 * hart updates A/D in hardware or traps (rvmmu --ad trap, Svade).
 */
#ifndef RVMMU_PROGRAMS_SV39_H
#define RVMMU_PROGRAMS_SV39_H

#include "rt.h"

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

#define PAGE_4K  0x1000UL
#define PAGE_2M  0x200000UL

typedef uint64_t pte_t;

/* A fresh, empty root table. */
pte_t *sv39_root(void);
/* Map [va, va+size) -> [pa, pa+size) with 4 KiB leaves (all page-aligned). */
void sv39_map_4k(pte_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);
/* Map one 2 MiB megapage va -> pa (both 2 MiB-aligned). */
void sv39_map_2m(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm);
/* Map this program's image identity with 4 KiB pages: text RX, rodata R,
 * data/tohost/bss RW (bounds from link.ld). */
void sv39_map_image(pte_t *root);
/* Write satp (Sv39, ASID 0, this root) and flush the TLB. */
void sv39_enable(pte_t *root);
/* Number of page-table pages used so far. */
uint64_t sv39_tables_used(void);

#endif
