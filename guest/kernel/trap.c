/*
 * trap.c - traps from U-mode: system calls, page faults, and killing the
 * program for anything else.
 *
 * System calls (ecall; number in a7, arguments in a0..a2, result in a0;
 * numbers as Linux on RISC-V):
 *   64  write(fd, buf, len)     fd 1 or 2 -> the UART; bytes written, or -1
 *                              (bad fd, or buf not readable by the program)
 *   93  exit(code)             ends the run: power off with code & 0xff
 *  214  brk(addr)              the new break (unchanged if addr is bad or 0)
 *  113  clock_gettime(id, ts)  ts = {seconds, nanoseconds} since boot from
 *                              the time CSR (10 MHz on this board); 0 or -1
 *  any other                   -1 (ENOSYS)
 */
#include "kernel.h"

#define SYS_write         64
#define SYS_exit          93
#define SYS_clock_gettime 113
#define SYS_brk           214
#define TIMEBASE_HZ       10000000UL

static const char *cause_name(u64 c)
{
    switch (c) {
    case CAUSE_FETCH_MISALIGNED: return "instruction address misaligned";
    case CAUSE_FETCH_ACCESS:     return "instruction access fault";
    case CAUSE_ILLEGAL:          return "illegal instruction";
    case CAUSE_BREAKPOINT:       return "breakpoint";
    case CAUSE_LOAD_MISALIGNED:  return "load address misaligned";
    case CAUSE_LOAD_ACCESS:      return "load access fault";
    case CAUSE_STORE_MISALIGNED: return "store address misaligned";
    case CAUSE_STORE_ACCESS:     return "store access fault";
    case CAUSE_FETCH_PAGE:       return "instruction page fault";
    case CAUSE_LOAD_PAGE:        return "load page fault";
    case CAUSE_STORE_PAGE:       return "store page fault";
    default:                     return "exception";
    }
}

void finish(u64 code)
{
    kprintf("kernel: program exited with code %u\n", code);
    print_counters();
    power_off(code);
}

void kill_program(u64 cause, u64 addr, u64 pc, const char *why)
{
    kprintf("kernel: killed: %s (scause %u) at address %x, pc %x: %s\n",
            cause_name(cause), cause, addr, pc, why);
    print_counters();
    power_off(EXIT_KILLED_BASE + cause);
}

static i64 sys_write(u64 fd, u64 buf, u64 len)
{
    if (fd != 1 && fd != 2)
        return -1;
    u64 done = 0;
    while (done < len) {
        u64 va = buf + done;
        if (va < buf)                           /* wrapped around */
            break;
        u8 *p = (u8 *)user_page(va, PTE_R);
        if (!p)
            break;
        u64 chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > len - done)
            chunk = len - done;
        for (u64 i = 0; i < chunk; i++)
            putc_(p[i]);
        done += chunk;
    }
    return done || len == 0 ? (i64)done : -1;
}

/* Copy n bytes to the program's memory at va; 0, or -1 if not writable. */
static int copy_out(u64 va, const void *src, u64 n)
{
    const u8 *s = src;
    while (n) {
        u8 *p = (u8 *)user_page(va, PTE_W);
        if (!p)
            return -1;
        u64 chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy(p, s, chunk);
        va += chunk;
        s += chunk;
        n -= chunk;
    }
    return 0;
}

static i64 sys_clock_gettime(u64 ts)
{
    u64 t = csr_read(time);
    u64 v[2] = { t / TIMEBASE_HZ, t % TIMEBASE_HZ * (1000000000UL / TIMEBASE_HZ) };
    return copy_out(ts, v, sizeof v);
}

static void syscall(struct trapframe *tf)
{
    u64 *a = &tf->x[10];                        /* a0.. */
    u64 n = tf->x[17];                          /* a7 */
    i64 r;
    switch (n) {
    case SYS_write:         r = sys_write(a[0], a[1], a[2]); break;
    case SYS_exit:          finish(a[0] & 0xff);
    case SYS_brk:           r = (i64)vm_brk(a[0]); break;
    case SYS_clock_gettime: r = sys_clock_gettime(a[1]); break;
    default:                r = -1; break;     /* ENOSYS */
    }
    a[0] = (u64)r;
}

void user_trap(struct trapframe *tf)
{
    u64 cause = csr_read(scause), tval = csr_read(stval);
    if (cause >> 63)
        panic("unexpected interrupt");
    switch (cause) {
    case CAUSE_ECALL_U:
        tf->sepc += 4;                          /* past the ecall */
        syscall(tf);
        return;
    case CAUSE_FETCH_PAGE:
    case CAUSE_LOAD_PAGE:
    case CAUSE_STORE_PAGE: {
        const char *why = vm_fault(tval, cause);
        if (why)
            kill_program(cause, tval, tf->sepc, why);
        return;
    }
    default:
        kill_program(cause, tval, tf->sepc, "not handled: the program is killed");
    }
}
