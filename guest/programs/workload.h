/*
 * workload.h - the CPU-bound kernel shared by `loop` and `loop-sv39`
 * (workload.c is compiled once and linked into both programs).
 */
#ifndef RVMMU_PROGRAMS_WORKLOAD_H
#define RVMMU_PROGRAMS_WORKLOAD_H

#include "rt.h"

/* Runs the whole workload (about 200 million instructions) and returns
 * its checksum. */
uint64_t workload_run(void);

/* Prints "<name> checksum 0x..." on the console. */
void workload_report(const char *name, uint64_t checksum);

#endif
