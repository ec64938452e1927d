/*
 * ulib.h - the user programs' tiny library: system calls (see
 * guest/kernel/trap.c for the numbers) and output helpers.
 */
#ifndef ULIB_H
#define ULIB_H

typedef unsigned char      u8;
typedef unsigned int       u32;
typedef unsigned long      u64;
typedef long               i64;
typedef unsigned long      size_t;

#define SYS_write         64
#define SYS_exit          93
#define SYS_clock_gettime 113
#define SYS_brk           214

static inline long syscall3(long n, long a, long b, long c)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

struct timespec { long tv_sec, tv_nsec; };

long write(int fd, const void *buf, size_t len);
__attribute__((noreturn)) void exit(int code);
long brk(void *addr);               /* returns the new (or current) break */
void *sbrk(long incr);              /* (void *)-1 on failure */
int clock_gettime(int id, struct timespec *ts);

size_t strlen(const char *s);
void print(const char *s);
void print_dec(u64 v);
void print_hex(u64 v);              /* 0x + 16 digits */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/*
 * printf - a small formatted print to fd 1 (one write() per call, or one
 * per 256 bytes of output).  Conversions: %d %i %u %x %X %s %c %p %%;
 * flags '-' (left-justify) and '0' (zero-pad); a field width (digits or
 * '*'); length modifiers l, ll, z for the integer conversions.  %p is
 * 0x followed by at least one hex digit (zero-padded like %#x).  No
 * precision, no floating point.  Returns the number of bytes written.
 */
__attribute__((format(printf, 1, 2))) int printf(const char *fmt, ...);

#endif
