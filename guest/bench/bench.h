/*
 * bench.h - the speed-comparison workloads (guest/bench).
 *
 * Each workload (int.c, mem.c, chase.c; rvc is int.c built with -Os and
 * the C extension) defines bench_run(), which does all its work and
 * returns a 64-bit checksum.  Each mode file (mode_bare.c, mode_sv39_1g.c,
 * mode_sv39_4k.c) supplies main(): it sets up the privilege mode and the
 * address translation, calls bench_run() and prints the checksum with
 * bench_report().  The workloads use nothing but the runtime of
 * guest/programs (start.S, rt.c, sv39.c): the same source gives the same
 * checksum in every mode and on every emulator.
 */
#ifndef RVMMU_BENCH_H
#define RVMMU_BENCH_H

#include "rt.h"

/* rt.h has the unsigned and 64-bit types; the workloads also use these. */
typedef int int32_t;

#define NOINLINE __attribute__((noinline))

/* The workload: all of it; returns its checksum. */
uint64_t bench_run(void);

/* Prints "<mode>: checksum 0x<16 hex digits>" and a newline. */
void bench_report(const char *mode, uint64_t checksum);

#endif
