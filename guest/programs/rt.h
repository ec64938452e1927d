/*
 * rt.h - tiny freestanding runtime for the rvmmu demo programs:
 * CSR access, HTIF console/exit, S-mode -> M-mode calls, printing.
 */
#ifndef RVMMU_PROGRAMS_RT_H
#define RVMMU_PROGRAMS_RT_H

typedef unsigned long      uint64_t;
typedef long               int64_t;
typedef unsigned int       uint32_t;
typedef unsigned long      uintptr_t;
typedef unsigned long      size_t;

#define csr_read(csr) ({ uint64_t v__; \
    __asm__ volatile("csrr %0, " #csr : "=r"(v__)); v__; })
#define csr_write(csr, val) \
    __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(val)))

#define NORETURN __attribute__((noreturn))

/* Registers saved by start.S's trap_entry, in this order. */
struct trap_frame {
    uint64_t ra, t0, t1, t2;
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
    uint64_t t3, t4, t5, t6;
    uint64_t gp, tp, sp;
};

/* Calls from S-mode to M-mode: ecall with a7 = number, a0 = argument. */
#define SCALL_PUTCHAR 1
#define SCALL_EXIT    93

/* start.S */
extern char m_stack_top[], s_stack_top[];
NORETURN void enter_smode(void (*fn)(void), uint64_t sp);

/* M-mode HTIF primitives. */
void htif_putc(int c);
NORETURN void htif_exit(uint64_t code);

/*
 * Console for either mode: after console_use_ecall(1) the functions below
 * go through ecall (for code running in S-mode); before, they write HTIF.
 */
void console_use_ecall(int on);
void putch(int c);
void puts_(const char *s);           /* no newline added */
void put_hex(uint64_t v);            /* "0x" + 16 hex digits */
void put_dec(uint64_t v);
NORETURN void exit_(uint64_t code);

/* Called by trap_entry (M-mode). */
void m_trap(struct trap_frame *f);

/* gcc may emit calls to these even with -ffreestanding. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif
