/*
 * common.c - what every benchmark ELF shares besides the runtime.
 */
#include "bench.h"

void bench_report(const char *mode, uint64_t checksum)
{
    puts_(mode);
    puts_(": checksum ");
    put_hex(checksum);
    putch('\n');
}
