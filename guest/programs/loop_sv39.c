/*
 * loop_sv39.c - the same workload as `loop`, in S-mode under Sv39.
 *
 * M-mode identity-maps the image (text, rodata, data, tohost, bss with the
 * stacks and the workload's table) with 4 KiB pages, turns translation on
 * and mrets to s_main in S-mode.  S-mode prints and exits through ecall
 * (rt.c's m_trap serves the calls in M-mode).
 */
#include "sv39.h"
#include "workload.h"

static NORETURN void s_main(void)
{
    /* The checksum must equal loop's: the workload does not know where it
     * runs. */
    workload_report("loop-sv39", workload_run());
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
