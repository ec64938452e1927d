/*
 * loop.c - the workload in M-mode with address translation off.
 */
#include "workload.h"

NORETURN void main(void)
{
    workload_report("loop", workload_run());
    exit_(0);
}
