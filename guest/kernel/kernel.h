/*
 * kernel.h - shared definitions of the rvmmu demo kernel (guest/kernel).
 *
 * One hart, one user program, no interrupts: every trap taken in S-mode
 * comes from U-mode (ecall or an exception); the kernel itself never
 * faults, because it reaches user memory only through its own software
 * walk of the user page table (vm.c, user_page()).
 *
 * "priv spec" below is The RISC-V Instruction Set Manual, Volume II:
 * Privileged Architecture (version 20211203); "virtio spec" is Virtual
 * I/O Device (VIRTIO) Version 1.1.
 */
#ifndef KERNEL_H
#define KERNEL_H

typedef unsigned char      u8;
typedef unsigned short     u16;
typedef unsigned int       u32;
typedef unsigned long      u64;
typedef long               i64;
typedef unsigned long      size_t;

#define NORETURN __attribute__((noreturn))
#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12
#define PAGE_DOWN(a) ((a) & ~(PAGE_SIZE - 1))
#define PAGE_UP(a)   (((a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* ---- the board (QEMU virt memory map, as rvmmu presents it) ---- */
#define TEST_PA       0x00100000UL   /* SiFive test device: power off */
#define UART_PA       0x10000000UL   /* 16550A */
#define VIRTIO_PA(i)  (0x10001000UL + 0x1000UL * (i))
#define RAM_BASE      0x80000000UL

/*
 * Device registers live in the first GiB of physical memory.  Before
 * paging the kernel reaches them at their physical address; once satp is
 * set they are reached through a 1 GiB alias in the upper half of the
 * Sv39 space (root entry 256), so that the low half of every address
 * space belongs to the user program.  io_base is 0, then IO_ALIAS.
 */
#define IO_ALIAS      0xffffffc000000000UL
extern u64 io_base;
#define IO(pa)        (io_base + (pa))

/* ---- CSRs ---- */
#define csr_read(csr) ({ u64 v__; \
    __asm__ volatile("csrr %0, " #csr : "=r"(v__) :: "memory"); v__; })
#define csr_write(csr, val) \
    __asm__ volatile("csrw " #csr ", %0" :: "rK"((u64)(val)) : "memory")
#define csr_set(csr, val) \
    __asm__ volatile("csrs " #csr ", %0" :: "rK"((u64)(val)) : "memory")
#define csr_clear(csr, val) \
    __asm__ volatile("csrc " #csr ", %0" :: "rK"((u64)(val)) : "memory")

#define SSTATUS_SIE   (1UL << 1)
#define SSTATUS_SPIE  (1UL << 5)
#define SSTATUS_SPP   (1UL << 8)
#define SSTATUS_FS    (3UL << 13)
#define SSTATUS_FS_INITIAL (1UL << 13)

/* scause exception codes (priv spec 4.1.9, table 4.2). */
#define CAUSE_FETCH_MISALIGNED 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL          2
#define CAUSE_BREAKPOINT       3
#define CAUSE_LOAD_MISALIGNED  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_STORE_MISALIGNED 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_FETCH_PAGE       12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15

static inline void sfence_vma_va(u64 va)
{
    __asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
}
static inline void sfence_vma_all(void) { __asm__ volatile("sfence.vma" ::: "memory"); }
static inline void fence_i(void) { __asm__ volatile("fence.i" ::: "memory"); }
static inline void io_fence(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }

static inline u8  mmio_read8(u64 a)  { return *(volatile u8 *)a; }
static inline u32 mmio_read32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_write8(u64 a, u8 v)   { *(volatile u8 *)a = v; }
static inline void mmio_write32(u64 a, u32 v) { *(volatile u32 *)a = v; }

/* ---- exit codes (the board's power-off device reports them) ---- */
/* 0..99: the user program's own exit code (exit(code), code & 0xff). */
#define EXIT_KILLED_BASE 100   /* killed by exception: 100 + scause */
#define EXIT_NO_SWAP     120   /* a dirty page had to go and swap was full */
#define EXIT_KERNEL      121   /* kernel error: bad ELF, disk error, ... */

/* ---- console.c ---- */
void putc_(int c);
void puts_(const char *s);
void put_dec(u64 v);
void put_hex(u64 v);
/* printf-like, only %s %d (signed 64-bit) %u %x (64-bit, 0x prefix) %c. */
void kprintf(const char *fmt, ...);
NORETURN void power_off(u64 code);
NORETURN void panic(const char *what);

/* ---- lib ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int strncmp_(const char *a, const char *b, size_t n);

/* ---- fdt.c ---- */
/* Reads RAM size and /chosen/bootargs (copied, NUL-terminated). */
int fdt_parse(const void *dtb, u64 *ram_base, u64 *ram_size, char *bootargs, size_t cap);

/* ---- virtio.c ---- */
#define SECTOR 512UL
/* Set up virtio-blk on transport i; returns 0 and the capacity in
 * sectors, or -1 if there is no block device there. */
int disk_init(int i, u64 *sectors);
/* Transfer n sectors between the disk and physical address pa; 0 = ok. */
int disk_read(int i, u64 sector, void *pa, u32 n);
int disk_write(int i, u64 sector, const void *pa, u32 n);
#define DISK_PROGRAM 0
#define DISK_SWAP    1

/* ---- vm.c ---- */
typedef u64 pte_t;
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
/*
 * A PTE with V = 0 is ignored by the hardware and all its other bits are
 * free for software (priv spec 4.3.1).  This kernel uses them to remember
 * where a non-resident user page lives:
 *   0                       never loaded, or dropped while clean: fill it
 *                           again from its origin (program file / zeroes)
 *   PTE_SWAPPED | slot<<10  its contents are in swap slot `slot`
 */
#define PTE_SWAPPED (1UL << 9)
#define PTE_PPN(pte)   (((pte) >> 10) & ((1UL << 44) - 1))
#define PTE_SLOT(pte)  ((pte) >> 10)

/* Page-replacement policies. */
enum policy { POLICY_CLOCK, POLICY_FIFO, POLICY_RANDOM };

/* The user address space (see vm.c for the picture). */
#define USER_TOP         0x80000000UL         /* the kernel starts here */
#define USER_STACK_TOP   0x7fff0000UL
#define USER_STACK_MAX   (1UL << 20)           /* 1 MiB */
#define USER_STACK_LOW   (USER_STACK_TOP - USER_STACK_MAX)
#define USER_HEAP_MAX    (USER_STACK_LOW - (16UL << 20)) /* 16 MiB gap */

struct segment {            /* one PT_LOAD program header */
    u64 vaddr, memsz, offset, filesz;
    u64 perm;               /* PTE_R/W/X */
};

struct counters {
    u64 fault_fetch, fault_load, fault_store;  /* user page faults by cause */
    u64 fault_kernel;       /* pages brought in for a system call */
    u64 ad_update;          /* faults that only set A or D (--ad trap) */
    u64 spurious;           /* valid, permitted, A/D set: stale TLB entry */
    u64 file_read;          /* pages filled (partly) from the program file */
    u64 zero_fill;          /* pages filled with zeroes only */
    u64 evict;              /* pages taken from a frame to reuse it */
    u64 swap_out;           /* ... of which written to swap */
    u64 drop;               /* ... of which dropped (clean: no write) */
    u64 swap_in;            /* pages read back from swap */
};
extern struct counters cnt;

void vm_init(u64 ram_base, u64 ram_size, u64 frames, enum policy pol, u64 seed);
void vm_set_program(const struct segment *segs, int nseg);
u64  vm_user_satp(void);
/* Handle a user page fault; returns 0 if handled, else the reason text
 * (the program must be killed). */
const char *vm_fault(u64 va, u64 cause);
/* Physical address of user byte va for an access of kind PTE_R or PTE_W,
 * bringing the page in if needed; 0 if the program may not do that. */
u64 user_page(u64 va, u64 need);
u64 vm_brk(u64 addr);
void swap_init(u64 sectors);
int prog_read(u64 off, u64 len, void *dst);
u64 vm_nframes(void);
u64 vm_nslots(void);
void print_counters(void);

/* ---- trap.c ---- */
struct trapframe {          /* entry.S saves x1..x31 here, then sepc */
    u64 x[32];              /* x[0] unused */
    u64 sepc;
};
NORETURN void user_return(struct trapframe *tf);   /* entry.S */
void user_trap(struct trapframe *tf);
NORETURN void kill_program(u64 cause, u64 addr, u64 pc, const char *why);
NORETURN void finish(u64 code);

#endif
