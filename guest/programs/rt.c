/*
 * rt.c - HTIF console, printing and the M-mode trap handler.
 */
#include "rt.h"

extern volatile uint64_t tohost, fromhost;

#define HTIF_CONSOLE_PUTC ((1UL << 56) | (1UL << 48))

void htif_putc(int c)
{
    while (tohost)
        ;
    fromhost = 0;
    tohost = HTIF_CONSOLE_PUTC | (unsigned char)c;
}

void htif_exit(uint64_t code)
{
    while (tohost)
        ;
    tohost = (code << 1) | 1;
    for (;;)
        ;
}

static int use_ecall;

void console_use_ecall(int on)
{
    use_ecall = on;
}

static uint64_t scall(uint64_t num, uint64_t arg)
{
    register uint64_t a0 __asm__("a0") = arg;
    register uint64_t a7 __asm__("a7") = num;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    return a0;
}

void putch(int c)
{
    if (use_ecall)
        scall(SCALL_PUTCHAR, (unsigned char)c);
    else
        htif_putc(c);
}

void puts_(const char *s)
{
    while (*s)
        putch(*s++);
}

void put_hex(uint64_t v)
{
    puts_("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        putch("0123456789abcdef"[(v >> shift) & 0xf]);
}

void put_dec(uint64_t v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putch(buf[--n]);
}

void exit_(uint64_t code)
{
    if (use_ecall)
        scall(SCALL_EXIT, code);
    htif_exit(code);
}

/* Exit code for a trap that nobody expected. */
#define EXIT_UNEXPECTED_TRAP 99

void m_trap(struct trap_frame *f)
{
    uint64_t cause = csr_read(mcause);

    if (cause == 9) { /* ecall from S-mode */
        switch (f->a7) {
        case SCALL_PUTCHAR:
            htif_putc((int)f->a0);
            f->a0 = 0;
            break;
        case SCALL_EXIT:
            htif_exit(f->a0);
        default:
            f->a0 = (uint64_t)-1;
            break;
        }
        csr_write(mepc, csr_read(mepc) + 4);
        return;
    }

    use_ecall = 0; /* we are in M-mode now */
    puts_("\nunexpected trap: mcause ");
    put_hex(cause);
    puts_(" mepc ");
    put_hex(csr_read(mepc));
    puts_(" mtval ");
    put_hex(csr_read(mtval));
    puts_(" from mode ");
    put_dec((csr_read(mstatus) >> 11) & 3);
    putch('\n');
    htif_exit(EXIT_UNEXPECTED_TRAP);
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
