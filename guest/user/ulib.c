/* ulib.c - system call wrappers and output helpers (see ulib.h). */
#include "ulib.h"

long write(int fd, const void *buf, size_t len)
{
    return syscall3(SYS_write, fd, (long)buf, (long)len);
}

void exit(int code)
{
    syscall3(SYS_exit, code, 0, 0);
    for (;;)
        ;
}

long brk(void *addr)
{
    return syscall3(SYS_brk, (long)addr, 0, 0);
}

void *sbrk(long incr)
{
    long old = brk(0);
    if (incr == 0)
        return (void *)old;
    if (brk((void *)(old + incr)) != old + incr)
        return (void *)-1;
    return (void *)old;
}

int clock_gettime(int id, struct timespec *ts)
{
    return (int)syscall3(SYS_clock_gettime, id, (long)ts, 0);
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void print(const char *s)
{
    write(1, s, strlen(s));
}

void print_dec(u64 v)
{
    char buf[24];
    int n = sizeof buf;
    do {
        buf[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    write(1, buf + n, sizeof buf - n);
}

void print_hex(u64 v)
{
    char buf[18];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    write(1, buf, sizeof buf);
}

void *memset(void *d, int c, size_t n)
{
    u8 *p = d;
    while (n--)
        *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    u8 *p = d;
    const u8 *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
