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

/* ---- printf (see ulib.h) ---- */

#include <stdarg.h>

struct out {
    char buf[256];
    int n;                      /* bytes in buf */
    int total;                  /* bytes emitted so far */
};

static void out_flush(struct out *o)
{
    if (o->n)
        write(1, o->buf, (size_t)o->n);
    o->n = 0;
}

static void out_char(struct out *o, char c)
{
    if (o->n == (int)sizeof o->buf)
        out_flush(o);
    o->buf[o->n++] = c;
    o->total++;
}

static void out_pad(struct out *o, char c, int count)
{
    while (count-- > 0)
        out_char(o, c);
}

/* s[0..len) in a field of width, right-justified unless left; with zero
 * padding the zeroes go after the sign or 0x prefix (its first pre bytes). */
static void out_field(struct out *o, const char *s, int len, int pre, int width,
                      int left, int zero)
{
    int pad = width > len ? width - len : 0;
    if (left) {
        for (int i = 0; i < len; i++)
            out_char(o, s[i]);
        out_pad(o, ' ', pad);
        return;
    }
    if (!zero)
        out_pad(o, ' ', pad);
    for (int i = 0; i < pre; i++)
        out_char(o, s[i]);
    if (zero)
        out_pad(o, '0', pad);
    for (int i = pre; i < len; i++)
        out_char(o, s[i]);
}

int printf(const char *fmt, ...)
{
    struct out o;
    va_list ap;
    o.n = 0;
    o.total = 0;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            out_char(&o, *f);
            continue;
        }
        int left = 0, zero = 0, width = 0, lng = 0;
        for (;; f++) {
            if (f[1] == '-')
                left = 1;
            else if (f[1] == '0')
                zero = 1;
            else
                break;
        }
        if (f[1] == '*') {
            f++;
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
        } else {
            while (f[1] >= '0' && f[1] <= '9')
                width = width * 10 + (*++f - '0');
        }
        while (f[1] == 'l' || f[1] == 'z') {
            f++;
            lng = 1;
        }
        char c = *++f;
        char num[24];           /* sign or 0x, then up to 20 digits */
        int len = 0, pre = 0;
        u64 v = 0;
        unsigned base = 10;
        const char *digits = "0123456789abcdef";
        switch (c) {
        case 'd':
        case 'i': {
            i64 x = lng ? va_arg(ap, long) : va_arg(ap, int);
            v = x < 0 ? -(u64)x : (u64)x;
            if (x < 0) {
                num[len++] = '-';
                pre = 1;
            }
            break;
        }
        case 'u':
            v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            break;
        case 'X':
            digits = "0123456789ABCDEF";
            /* fall through */
        case 'x':
            v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            base = 16;
            break;
        case 'p':
            v = (u64)va_arg(ap, void *);
            base = 16;
            num[len++] = '0';
            num[len++] = 'x';
            pre = 2;
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            out_field(&o, s, (int)strlen(s), 0, width, left, 0);
            continue;
        }
        case 'c':
            num[0] = (char)va_arg(ap, int);
            out_field(&o, num, 1, 0, width, left, 0);
            continue;
        case '%':
            out_char(&o, '%');
            continue;
        case '\0':              /* a lone % at the end */
            f--;
            continue;
        default:                /* unknown: print it as it stands */
            out_char(&o, '%');
            out_char(&o, c);
            continue;
        }
        char rev[20];
        int nd = 0;
        do {
            rev[nd++] = digits[v % base];
            v /= base;
        } while (v);
        while (nd)
            num[len++] = rev[--nd];
        out_field(&o, num, len, pre, width, left, zero && !left);
    }
    va_end(ap);
    out_flush(&o);
    return o.total;
}
