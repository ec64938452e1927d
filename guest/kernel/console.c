/*
 * console.c - polled output on the 16550A UART, a tiny kprintf, power-off
 * through the SiFive test device, and the few string routines the kernel
 * needs (gcc may also emit calls to memset/memcpy itself).
 */
#include <stdarg.h>
#include "kernel.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

u64 io_base;   /* 0 before paging, IO_ALIAS after (kernel.h) */

void putc_(int c)
{
    while (!(mmio_read8(IO(UART_PA) + UART_LSR) & UART_LSR_THRE))
        ;
    mmio_write8(IO(UART_PA) + UART_THR, (u8)c);
}

void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

void put_dec(u64 v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putc_(buf[--n]);
}

void put_hex(u64 v)
{
    int shift = 60;
    puts_("0x");
    while (shift > 0 && !((v >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        putc_("0123456789abcdef"[(v >> shift) & 0xf]);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc_(*fmt);
            continue;
        }
        switch (*++fmt) {
        case 's': puts_(va_arg(ap, const char *)); break;
        case 'u': put_dec(va_arg(ap, u64)); break;
        case 'x': put_hex(va_arg(ap, u64)); break;
        case 'c': putc_(va_arg(ap, int)); break;
        case 'd': {
            i64 v = va_arg(ap, i64);
            if (v < 0) {
                putc_('-');
                v = -v;
            }
            put_dec((u64)v);
            break;
        }
        case '%': putc_('%'); break;
        default: putc_('%'); putc_(*fmt); break;
        }
    }
    va_end(ap);
}

/* The SiFive test device: 0x5555 = pass, (code << 16) | 0x3333 = fail. */
void power_off(u64 code)
{
    u32 v = code ? (u32)((code & 0xffff) << 16) | 0x3333 : 0x5555;
    mmio_write32(IO(TEST_PA), v);
    for (;;)
        __asm__ volatile("wfi");
}

void panic(const char *what)
{
    kprintf("kernel: panic: %s\n", what);
    power_off(EXIT_KERNEL);
}

void *memset(void *d, int c, size_t n)
{
    u8 *p = d;
    if (((u64)p & 7) == 0 && (n & 7) == 0 && c == 0) {
        for (u64 *q = d; n; n -= 8)
            *q++ = 0;
        return d;
    }
    while (n--)
        *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    u8 *p = d;
    const u8 *q = s;
    if ((((u64)p | (u64)q | n) & 7) == 0) {
        u64 *p8 = d;
        const u64 *q8 = s;
        for (; n; n -= 8)
            *p8++ = *q8++;
        return d;
    }
    while (n--)
        *p++ = *q++;
    return d;
}

int strncmp_(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (u8)*a - (u8)*b;
        if (!*a)
            return 0;
    }
    return 0;
}
