/*
 * mode_sv39_4k.c - the workload in S-mode under Sv39, with the whole image
 * mapped identity by 4 KiB pages (sv39_map_image: text RX, rodata R,
 * data/tohost/bss RW), including the workload's 16 MiB of data in .bss:
 * about 4100 leaf PTEs, so that data accesses spread over the region miss
 * a TLB of a few dozen entries and walk three levels.
 */
#include "bench.h"
#include "sv39.h"

static NORETURN void s_main(void)
{
    bench_report("sv39-4k", bench_run());
    exit_(0);
}

NORETURN void main(void)
{
    pte_t *root = sv39_root();
    sv39_map_image(root);
    sv39_enable(root);
    console_use_ecall(1);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
