/*
 * mode_bare.c - the workload in M-mode, address translation off.
 */
#include "bench.h"

NORETURN void main(void)
{
    bench_report("bare", bench_run());
    exit_(0);
}
