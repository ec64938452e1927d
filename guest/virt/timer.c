/*
 * timer.c - timer interrupts on the virt board.
 *
 *  1. M-mode, vectored mtvec: CLINT mtimecmp interrupts through vector
 *     slot 7, counted while the program spins.
 *  2. WFI: with the timer armed, wfi must wake; first with mstatus.MIE = 0
 *     (wake on pending-and-enabled, no trap), then taking the interrupt
 *     after each wake-up (direct mtvec).
 *  3. S-mode timer through Sstc: menvcfg.STCE = 1, mcounteren.TM = 1, STI
 *     delegated; stimecmp interrupts counted in S-mode, then wfi in S-mode.
 *
 * Only counts and fixed facts are printed, never times, so the text is the
 * same on every machine however fast it runs.
 */
#include "virt.h"

#define N        5
#define INTERVAL 2000UL          /* mtime ticks between interrupts */
#define TIMEOUT  50000000UL     /* give up after 5 s of mtime (QEMU: real time) */

static inline void set_mtimecmp(uint64_t v) { mmio_write64(CLINT_MTIMECMP, v); }
static inline uint64_t rdtime(void) { return csr_read(time); }

/* ---- M-mode timer state ---- */
static volatile unsigned m_count, m_target, m_early;
static volatile uint64_t m_armed, m_cause;

static void m_arm(void)
{
    m_armed = mtime() + INTERVAL;
    set_mtimecmp(m_armed);
}

/* One machine timer interrupt: count it, check it did not come early,
 * re-arm until the target is reached, then disarm. */
static void m_timer_tick(void)
{
    m_cause = csr_read(mcause);
    if (mtime() < m_armed)
        m_early++;
    m_count++;
    if (m_count < m_target)
        m_arm();
    else
        set_mtimecmp(~0UL);
}

/* Vector slot 7 (vectored mtvec). */
void m_timer_vectored(struct trap_frame *f)
{
    (void)f;
    m_timer_tick();
}

/* Direct mtvec: only the machine timer is expected. */
void m_trap(struct trap_frame *f)
{
    (void)f;
    uint64_t cause = csr_read(mcause);
    if (cause == (CAUSE_INTERRUPT | IRQ_M_TIMER)) {
        m_timer_tick();
        return;
    }
    unexpected_trap("M-mode", cause, csr_read(mepc), csr_read(mtval));
}

static void wait_until(volatile unsigned *count, unsigned target, const char *what)
{
    uint64_t start = mtime();
    while (*count < target)
        if (mtime() - start > TIMEOUT)
            fail(what);
}

static int mtip(void) { return (csr_read(mip) >> IRQ_M_TIMER) & 1; }

static void m_mode_tests(void)
{
    puts_("timer: M-mode timer, CLINT mtimecmp, vectored mtvec\n");
    csr_write(mtvec, (uintptr_t)m_vector_table | 1);
    puts_("  mtvec mode: ");
    puts_((csr_read(mtvec) & 3) == 1 ? "vectored\n" : "direct (vectored not supported)\n");

    set_mtimecmp(0);
    puts_("  mtimecmp in the past: MTIP = ");
    put_dec(mtip());
    set_mtimecmp(~0UL);
    puts_(", in the far future: MTIP = ");
    put_dec(mtip());
    putch('\n');

    m_count = 0;
    m_target = N;
    m_early = 0;
    m_arm();
    csr_set(mie, 1UL << IRQ_M_TIMER);
    csr_set(mstatus, MSTATUS_MIE);
    wait_until(&m_count, N, "M-mode timer interrupts did not arrive");
    csr_clear(mstatus, MSTATUS_MIE);
    puts_("  interrupts taken: ");
    put_dec(m_count);
    puts_(" (through vector slot 7)\n  mcause: ");
    put_hex(m_cause);
    puts_("\n  none before mtimecmp: ");
    puts_(yes_no(m_early == 0));
    puts_("\n  MTIP after disarming: ");
    put_dec(mtip());
    putch('\n');
}

static void wfi_tests(void)
{
    unsigned wakes = 0, pending = 0;

    puts_("timer: WFI with the machine timer armed\n");
    csr_write(mtvec, (uintptr_t)m_trap_entry);
    puts_("  mtvec mode: ");
    puts_((csr_read(mtvec) & 3) == 0 ? "direct\n" : "?\n");

    /* mstatus.MIE = 0: wfi wakes on MTIP (pending and enabled in mie)
     * without a trap.  wfi may also return early, so loop on MTIP. */
    for (int i = 0; i < N; i++) {
        uint64_t start = mtime();
        set_mtimecmp(start + INTERVAL);
        while (!mtip()) {
            wfi();
            if (mtime() - start > TIMEOUT)
                fail("wfi did not wake");
        }
        wakes++;
        pending += mtip();
        set_mtimecmp(~0UL);
    }
    puts_("  wfi wake-ups with mstatus.MIE = 0: ");
    put_dec(wakes);
    puts_(", MTIP pending each time: ");
    puts_(yes_no(pending == N));
    putch('\n');

    /* Wait with interrupts masked, then open the window after each
     * wake-up: the handler runs there (no lost-wake-up race). */
    m_count = 0;
    m_target = N;
    m_early = 0;
    m_arm();
    while (m_count < N) {
        unsigned before = m_count;
        uint64_t start = mtime();
        while (m_count == before) {
            wfi();
            csr_set(mstatus, MSTATUS_MIE);
            csr_clear(mstatus, MSTATUS_MIE);
            if (mtime() - start > TIMEOUT)
                fail("wfi + interrupt did not complete");
        }
    }
    puts_("  wfi then handler with mstatus.MIE = 1: ");
    put_dec(m_count);
    puts_(" interrupts, none before mtimecmp: ");
    puts_(yes_no(m_early == 0));
    putch('\n');
}

/* ---- S-mode timer (Sstc) ---- */
static volatile unsigned s_count, s_target, s_early;
static volatile uint64_t s_armed, s_cause;

static void s_arm(void)
{
    s_armed = rdtime() + INTERVAL;
    csr_write_n(CSR_STIMECMP, s_armed);
}

void s_trap(struct trap_frame *f)
{
    (void)f;
    uint64_t cause = csr_read(scause);
    if (cause != (CAUSE_INTERRUPT | IRQ_S_TIMER))
        unexpected_trap("S-mode", cause, csr_read(sepc), csr_read(stval));
    s_cause = cause;
    if (rdtime() < s_armed)
        s_early++;
    s_count++;
    if (s_count < s_target)
        s_arm();
    else
        csr_write_n(CSR_STIMECMP, ~0UL);
}

static int stip(void) { return (csr_read(sip) >> IRQ_S_TIMER) & 1; }

static void s_main(void)
{
    unsigned wakes = 0, pending = 0;

    puts_("  running in S-mode: time CSR readable: ");
    uint64_t t0 = rdtime(), t1 = rdtime();
    puts_(yes_no(t1 >= t0));
    putch('\n');

    csr_write_n(CSR_STIMECMP, 0);
    puts_("  stimecmp in the past: sip.STIP = ");
    put_dec(stip());
    csr_write_n(CSR_STIMECMP, ~0UL);
    puts_(", in the far future: sip.STIP = ");
    put_dec(stip());
    putch('\n');

    s_count = 0;
    s_target = N;
    s_early = 0;
    csr_set(sie, 1UL << IRQ_S_TIMER);
    s_arm();
    csr_set(sstatus, MSTATUS_SIE);
    {
        uint64_t start = rdtime();
        while (s_count < N)
            if (rdtime() - start > TIMEOUT)
                fail("S-mode timer interrupts did not arrive");
    }
    csr_clear(sstatus, MSTATUS_SIE);
    puts_("  interrupts taken in S-mode: ");
    put_dec(s_count);
    puts_("\n  scause: ");
    put_hex(s_cause);
    puts_("\n  none before stimecmp: ");
    puts_(yes_no(s_early == 0));
    putch('\n');

    /* wfi in S-mode with sstatus.SIE = 0 wakes on STIP. */
    for (int i = 0; i < N; i++) {
        uint64_t start = rdtime();
        csr_write_n(CSR_STIMECMP, start + INTERVAL);
        while (!stip()) {
            wfi();
            if (rdtime() - start > TIMEOUT)
                fail("S-mode wfi did not wake");
        }
        wakes++;
        pending += stip();
        csr_write_n(CSR_STIMECMP, ~0UL);
    }
    puts_("  wfi wake-ups in S-mode with sstatus.SIE = 0: ");
    put_dec(wakes);
    puts_(", STIP pending each time: ");
    puts_(yes_no(pending == N));
    puts_("\n  sip.STIP after disarming: ");
    put_dec(stip());
    puts_("\ntimer: done\n");
    virt_exit(0);
}

int main(void)
{
    m_mode_tests();
    wfi_tests();

    puts_("timer: S-mode timer through Sstc (stimecmp)\n");
    /* Start from a disarmed stimecmp, then enable Sstc for S-mode. */
    csr_write_n(CSR_STIMECMP, ~0UL);
    csr_write_n(CSR_MENVCFG, csr_read_n(CSR_MENVCFG) | (1UL << 63));
    csr_set(mcounteren, 2);                      /* TM: time, stimecmp */
    csr_set(mideleg, 1UL << IRQ_S_TIMER);
    csr_clear(mie, 1UL << IRQ_M_TIMER);
    set_mtimecmp(~0UL);
    puts_("  menvcfg.STCE = ");
    put_dec(csr_read_n(CSR_MENVCFG) >> 63);
    puts_(", mcounteren.TM = ");
    put_dec((csr_read(mcounteren) >> 1) & 1);
    puts_(", mideleg.STI = ");
    put_dec((csr_read(mideleg) >> IRQ_S_TIMER) & 1);
    putch('\n');
    csr_write(stvec, (uintptr_t)s_trap_entry);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
