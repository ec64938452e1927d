/*
 * uart.c - the 16550A UART of the virt board.
 *
 *  1. M-mode, polled: line settings and divisor latch read back, scratch
 *     register, IIR with nothing pending; all output is polled on LSR.THRE.
 *  2. S-mode, received-data interrupts: IER.ERBFI, PLIC source 10 enabled
 *     for context 1 (hart 0 S-mode), threshold 0, SEI delegated; the
 *     handler claims, drains RBR while LSR.DR, completes.  Bytes typed on
 *     the console (one line, ended by '\n' or '\r') are echoed as they
 *     arrive, then the line is reported.
 *  3. S-mode, THRE interrupts: IER.ETBEI; the handler sends one byte per
 *     THR-empty interrupt and disables ETBEI when the line is done.
 *
 * FIFOs stay off (their reset state): enabling them would flush bytes
 * that may already have arrived.  Nothing printed depends on timing (how
 * many bytes each received-data interrupt finds is not printed).
 */
#include "virt.h"

#define CTX_S    1
#define MAX_LINE 64
#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IIR_ID_MASK 0x0f
#define IIR_THRE  0x02
#define IIR_RDA   0x04

static volatile uint8_t rx_buf[MAX_LINE];
static volatile unsigned rx_len, rx_done, rx_irqs;
static volatile unsigned claims_other, tx_phase, tx_claims;
static const char *volatile tx_line;
static volatile unsigned tx_pos, tx_irqs, tx_done;

static void uart_irq(void)
{
    uint8_t iir = uart_read(UART_IIR);
    if ((iir & IIR_ID_MASK) == IIR_RDA) {
        rx_irqs++;
        while (uart_read(UART_LSR) & UART_LSR_DR) {
            uint8_t c = uart_read(UART_RBR);
            if (rx_done)
                continue;               /* past the end of the line */
            if (c == '\n' || c == '\r') {
                rx_done = 1;
                continue;
            }
            rx_buf[rx_len++] = c;
            if (rx_len == MAX_LINE)
                rx_done = 1;
        }
    } else if ((iir & IIR_ID_MASK) == IIR_THRE) {
        tx_irqs++;
        char c = tx_line[tx_pos];
        if (c) {
            uart_write(UART_THR, (uint8_t)c);
            tx_pos++;
        } else {
            uart_write(UART_IER, 0);
            tx_done = 1;
        }
    }
}

void s_trap(struct trap_frame *f)
{
    (void)f;
    uint64_t cause = csr_read(scause);
    if (cause != (CAUSE_INTERRUPT | IRQ_S_EXT))
        unexpected_trap("S-mode", cause, csr_read(sepc), csr_read(stval));
    uint32_t src = plic_claim(CTX_S);
    if (src == 0)
        return;                         /* nothing left to claim */
    if (src == UART_IRQ) {
        if (tx_phase)
            tx_claims++;
        uart_irq();
    } else {
        claims_other++;
    }
    plic_complete(CTX_S, src);
}

/* Sleep until *flag is set: wfi with interrupts masked (it still wakes on
 * a pending enabled interrupt), then let the handler run. */
static void wait_flag(volatile unsigned *flag)
{
    while (!*flag) {
        wfi();
        csr_set(sstatus, MSTATUS_SIE);
        csr_clear(sstatus, MSTATUS_SIE);
    }
}

static const char tx_text[] = "  this line was sent by the THRE interrupt handler, one byte per interrupt\n";

static void s_main(void)
{
    unsigned echoed = 0;

    puts_("  running in S-mode; type a line:\n  echo: ");
    csr_set(sie, 1UL << IRQ_S_EXT);
    uart_write(UART_IER, IER_ERBFI);
    while (!rx_done) {
        wfi();
        csr_set(sstatus, MSTATUS_SIE);
        csr_clear(sstatus, MSTATUS_SIE);
        while (echoed < rx_len)         /* echo what has arrived so far */
            putch(rx_buf[echoed++]);
    }
    while (echoed < rx_len)
        putch(rx_buf[echoed++]);
    uart_write(UART_IER, 0);
    puts_("\n  received ");
    put_dec(rx_len);
    puts_(" bytes: ");
    put_quoted((const uint8_t *)rx_buf, rx_len);
    {
        uint32_t sum = 0;
        for (unsigned i = 0; i < rx_len; i++)
            sum = sum * 31 + rx_buf[i];
        puts_("\n  hash (h = 31h + byte): ");
        put_hex(sum);
    }
    puts_("\n  taken through data-ready interrupts: ");
    puts_(yes_no(rx_irqs > 0));
    putch('\n');

    puts_("uart: THRE-interrupt-driven transmit\n");
    tx_line = tx_text;
    tx_pos = 0;
    tx_irqs = 0;
    tx_done = 0;
    tx_phase = 1;
    uart_write(UART_IER, IER_ETBEI);    /* THR is empty: raises at once */
    wait_flag(&tx_done);
    puts_("  THRE interrupts: ");
    put_dec(tx_irqs);
    puts_(" for ");
    put_dec(sizeof tx_text - 1);
    puts_(" bytes (one per byte, one to finish)\n");
    puts_("  each PLIC claim of source 10 found THRE pending: ");
    puts_(yes_no(tx_claims == tx_irqs));
    puts_("\n  PLIC claims of other sources: ");
    put_dec(claims_other);
    puts_("\nuart: done\n");
    virt_exit(0);
}

int main(void)
{
    puts_("uart: polled transmit (LSR.THRE)\n");
    uart_write(UART_IER, 0);
    uart_write(UART_LCR, 0x80);         /* DLAB: 115200 baud at 3.6864 MHz */
    uart_write(UART_DLL, 2);
    uart_write(UART_DLM, 0);
    uart_write(UART_LCR, 0x03);         /* 8N1 */
    uart_write(UART_MCR, 0x0b);         /* DTR, RTS, OUT2 */
    uint8_t lcr = uart_read(UART_LCR);
    uart_write(UART_LCR, 0x83);
    uint32_t div = uart_read(UART_DLL) | (uint32_t)uart_read(UART_DLM) << 8;
    uart_write(UART_LCR, 0x03);
    uart_write(UART_SCR, 0x5a);
    uint8_t scr = uart_read(UART_SCR);
    puts_("  LCR: ");
    put_hex(lcr);
    puts_(", divisor latch: ");
    put_dec(div);
    puts_(", MCR: ");
    put_hex(uart_read(UART_MCR));
    puts_(", scratch: ");
    put_hex(scr);
    puts_("\n  IIR with no interrupt enabled: ");
    put_hex(uart_read(UART_IIR));
    {
        unsigned spins = 0;
        while (!(uart_read(UART_LSR) & UART_LSR_TEMT) && spins < 1000000)
            spins++;
        puts_("\n  LSR.TEMT after polled output: ");
        put_dec((uart_read(UART_LSR) & UART_LSR_TEMT) != 0);
    }
    putch('\n');

    puts_("uart: receive interrupts, PLIC source 10 -> context 1 (S-mode)\n");
    mmio_write32(PLIC_THRESHOLD(CTX_S), 0);
    plic_enable(CTX_S, UART_IRQ, 1);
    csr_set(mideleg, 1UL << IRQ_S_EXT);
    csr_write(stvec, (uintptr_t)s_trap_entry);
    puts_("  priority ");
    put_dec(mmio_read32(PLIC_PRIORITY(UART_IRQ)));
    puts_(", enabled for context 1: ");
    puts_(yes_no((mmio_read32(PLIC_ENABLE(CTX_S, 0)) >> UART_IRQ) & 1));
    puts_(", for context 0: ");
    puts_(yes_no((mmio_read32(PLIC_ENABLE(0, 0)) >> UART_IRQ) & 1));
    puts_(", threshold ");
    put_dec(mmio_read32(PLIC_THRESHOLD(CTX_S)));
    putch('\n');
    enter_smode(s_main, (uint64_t)s_stack_top);
}
