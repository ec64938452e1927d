/*
 * virt.h - freestanding runtime for the virt-board programs (guest/virt):
 * the board's addresses, CSR and MMIO access, UART console output, exit
 * through the SiFive test device, PLIC helpers and the trap interface of
 * start.S.  Everything here works the same on rvmmu and on
 * qemu-system-riscv64 -machine virt -bios none.
 */
#ifndef RVMMU_VIRT_H
#define RVMMU_VIRT_H

typedef unsigned char      uint8_t;
typedef unsigned short     uint16_t;
typedef unsigned int       uint32_t;
typedef unsigned long      uint64_t;
typedef long               int64_t;
typedef unsigned long      uintptr_t;
typedef unsigned long      size_t;

#define NORETURN __attribute__((noreturn))

/* ---- the board (QEMU virt memory map) ---- */
#define TEST_BASE     0x00100000UL   /* SiFive test / power-off */
#define CLINT_BASE    0x02000000UL
#define PLIC_BASE     0x0c000000UL
#define UART_BASE     0x10000000UL
#define VIRTIO_BASE   0x10001000UL   /* + 0x1000 * i, i < 8 */
#define VIRTIO_STRIDE 0x1000UL
#define RAM_BASE      0x80000000UL
#define UART_IRQ      10
#define VIRTIO_IRQ(i) (1 + (i))

#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME    (CLINT_BASE + 0xbff8)

/* ---- CSRs (by number where older assemblers lack the name) ---- */
#define CSR_MENVCFG  0x30a
#define CSR_STIMECMP 0x14d

#define csr_read(csr) ({ uint64_t v__; \
    __asm__ volatile("csrr %0, " #csr : "=r"(v__) :: "memory"); v__; })
#define csr_write(csr, val) \
    __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define csr_set(csr, val) \
    __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define csr_clear(csr, val) \
    __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
/* For CSRs named by number: csr_read_n(0x30a). */
#define csr_read_n(num) ({ uint64_t v__; \
    __asm__ volatile("csrr %0, %1" : "=r"(v__) : "i"(num) : "memory"); v__; })
#define csr_write_n(num, val) \
    __asm__ volatile("csrw %0, %1" :: "i"(num), "r"((uint64_t)(val)) : "memory")

#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_MIE  (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP  (1UL << 8)
#define MSTATUS_MPP  (3UL << 11)
#define MSTATUS_MPP_S (1UL << 11)

/* Interrupt numbers (mip/mie bits, mcause/scause codes). */
#define IRQ_S_SOFT  1
#define IRQ_M_SOFT  3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT   9
#define IRQ_M_EXT   11
#define CAUSE_INTERRUPT (1UL << 63)

static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
/* Full fence between memory and device I/O (virtio ordering). */
static inline void io_fence(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }

/* ---- MMIO ---- */
static inline uint8_t  mmio_read8(uintptr_t a)   { return *(volatile uint8_t *)a; }
static inline uint32_t mmio_read32(uintptr_t a)  { return *(volatile uint32_t *)a; }
static inline uint64_t mmio_read64(uintptr_t a)  { return *(volatile uint64_t *)a; }
static inline void mmio_write8(uintptr_t a, uint8_t v)   { *(volatile uint8_t *)a = v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

static inline uint64_t mtime(void) { return mmio_read64(CLINT_MTIME); }

/* ---- 16550 UART registers (byte-wide, reg-shift 0) ---- */
#define UART_RBR 0   /* receive buffer (read, DLAB=0) */
#define UART_THR 0   /* transmit holding (write, DLAB=0) */
#define UART_DLL 0   /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2   /* read */
#define UART_FCR 2   /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

static inline uint8_t uart_read(int reg) { return mmio_read8(UART_BASE + reg); }
static inline void uart_write(int reg, uint8_t v) { mmio_write8(UART_BASE + reg, v); }

/* ---- PLIC (context 0 = hart 0 M-mode, 1 = hart 0 S-mode) ---- */
#define PLIC_PRIORITY(src)   (PLIC_BASE + 4 * (src))
#define PLIC_PENDING(word)   (PLIC_BASE + 0x1000 + 4 * (word))
#define PLIC_ENABLE(ctx, w)  (PLIC_BASE + 0x2000 + 0x80 * (ctx) + 4 * (w))
#define PLIC_THRESHOLD(ctx)  (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)      (PLIC_BASE + 0x200004 + 0x1000 * (ctx))

void plic_enable(int ctx, int src, uint32_t priority);
static inline uint32_t plic_claim(int ctx) { return mmio_read32(PLIC_CLAIM(ctx)); }
static inline void plic_complete(int ctx, uint32_t src) { mmio_write32(PLIC_CLAIM(ctx), src); }

/* ---- console (polled UART output; usable from M- and S-mode) ---- */
void putch(int c);
void puts_(const char *s);          /* no newline added */
void put_hex(uint64_t v);           /* "0x" + at least one hex digit */
void put_dec(uint64_t v);
void put_bytes_hex(const uint8_t *p, size_t n);  /* "de ad be ef" */
void put_quoted(const uint8_t *p, size_t n);     /* "text", \xNN for others */
const char *yes_no(int b);

/* Power off through the SiFive test device: 0 = pass, else exit code. */
NORETURN void virt_exit(uint64_t code);
/* Print "FAIL: what" and exit with code 1. */
NORETURN void fail(const char *what);

/* ---- traps (start.S) ---- */
/* Caller-saved registers saved by the trap entries, in this order. */
struct trap_frame {
    uint64_t ra, t0, t1, t2;
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
    uint64_t t3, t4, t5, t6;
};

/* Entry points: direct-mode M and S vectors, and a vectored M table whose
 * interrupt slot 7 (machine timer) calls m_timer_vectored() and every
 * other slot calls m_trap(). */
extern char m_trap_entry[], s_trap_entry[], m_vector_table[];
/* mret to fn in S-mode with stack sp (MPIE = 0). */
NORETURN void enter_smode(void (*fn)(void), uint64_t sp);
extern char m_stack_top[], s_stack_top[];

/* Handlers; the defaults (lib.c) report an unexpected trap and exit 99. */
void m_trap(struct trap_frame *f);
void s_trap(struct trap_frame *f);
void m_timer_vectored(struct trap_frame *f);
NORETURN void unexpected_trap(const char *mode, uint64_t cause, uint64_t epc, uint64_t tval);

/* gcc may emit calls to these even with -ffreestanding. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
