/*
 * lib.c - console, exit, PLIC helpers and default trap handlers for the
 * virt-board programs.
 */
#include "virt.h"

void putch(int c)
{
    while (!(uart_read(UART_LSR) & UART_LSR_THRE))
        ;
    uart_write(UART_THR, (uint8_t)c);
}

void puts_(const char *s)
{
    while (*s)
        putch(*s++);
}

void put_hex(uint64_t v)
{
    int shift = 60;
    puts_("0x");
    while (shift > 0 && !((v >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
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

void put_bytes_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            putch(' ');
        putch("0123456789abcdef"[p[i] >> 4]);
        putch("0123456789abcdef"[p[i] & 0xf]);
    }
}

void put_quoted(const uint8_t *p, size_t n)
{
    putch('"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            putch(c);
        } else {
            puts_("\\x");
            putch("0123456789abcdef"[c >> 4]);
            putch("0123456789abcdef"[c & 0xf]);
        }
    }
    putch('"');
}

const char *yes_no(int b)
{
    return b ? "yes" : "no";
}

void virt_exit(uint64_t code)
{
    uint32_t v = code ? (uint32_t)((code & 0xffff) << 16) | 0x3333 : 0x5555;
    mmio_write32(TEST_BASE, v);
    for (;;)
        wfi();
}

void fail(const char *what)
{
    puts_("FAIL: ");
    puts_(what);
    putch('\n');
    virt_exit(1);
}

void plic_enable(int ctx, int src, uint32_t priority)
{
    uintptr_t en = PLIC_ENABLE(ctx, src / 32);
    mmio_write32(PLIC_PRIORITY(src), priority);
    mmio_write32(en, mmio_read32(en) | (1U << (src % 32)));
}

/* Exit code for a trap that nobody expected. */
#define EXIT_UNEXPECTED_TRAP 99

void unexpected_trap(const char *mode, uint64_t cause, uint64_t epc, uint64_t tval)
{
    puts_("\nunexpected ");
    puts_(mode);
    puts_(" trap: cause ");
    put_hex(cause);
    puts_(" epc ");
    put_hex(epc);
    puts_(" tval ");
    put_hex(tval);
    putch('\n');
    virt_exit(EXIT_UNEXPECTED_TRAP);
}

__attribute__((weak)) void m_trap(struct trap_frame *f)
{
    (void)f;
    unexpected_trap("M-mode", csr_read(mcause), csr_read(mepc), csr_read(mtval));
}

__attribute__((weak)) void s_trap(struct trap_frame *f)
{
    (void)f;
    unexpected_trap("S-mode", csr_read(scause), csr_read(sepc), csr_read(stval));
}

__attribute__((weak)) void m_timer_vectored(struct trap_frame *f)
{
    m_trap(f);
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

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return 0;
}
