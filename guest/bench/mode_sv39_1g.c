/*
 * mode_sv39_1g.c - the workload in S-mode under Sv39, with all of RAM
 * from 0x80000000 mapped identity by one 1 GiB page (RWX): a single TLB
 * entry covers the image, its stacks and its data.
 */
#include "bench.h"
#include "sv39.h"

#define RAM_START 0x80000000UL

static NORETURN void s_main(void)
{
    bench_report("sv39-1g", bench_run());
    exit_(0);
}

NORETURN void main(void)
{
    pte_t *root = sv39_root();
    /* Root entry 2 covers VA [0x80000000, 0xc0000000): a gigapage leaf. */
    root[(RAM_START >> 30) & 511] =
        ((RAM_START >> 12) << 10) | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V;
    sv39_enable(root);
    console_use_ecall(1);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
