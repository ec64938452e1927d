/*
 * main.c - the S-mode half of boot: device tree, boot arguments, paging,
 * disks, the program's ELF headers; then the first sret into U-mode.
 * Nothing of the program is loaded here: every page comes in on its
 * first page fault (vm.c).
 */
#include "kernel.h"

extern char strap_entry[];

static struct trapframe utf;        /* the program's registers */
static char bootargs[256];

/* ELF64 (System V ABI, ELF-64 Object File Format 1.5). */
struct elf64_ehdr {
    u8  ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD    1
#define ET_EXEC    2
#define EM_RISCV   243
#define MAX_SEGS   8

/* Value of key=NUMBER in the boot arguments, or dflt. */
static u64 arg_num(const char *key, u64 dflt)
{
    size_t k = 0;
    while (key[k])
        k++;
    for (const char *p = bootargs; *p; p++) {
        if ((p == bootargs || p[-1] == ' ') && strncmp_(p, key, k) == 0 && p[k] == '=') {
            u64 v = 0;
            for (p += k + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (u64)(*p - '0');
            return v;
        }
    }
    return dflt;
}

static int bad_policy;

static enum policy arg_policy(const char **name)
{
    static const char *const names[] = { "clock", "fifo", "random" };
    for (const char *p = bootargs; *p; p++) {
        if ((p == bootargs || p[-1] == ' ') && strncmp_(p, "policy=", 7) == 0) {
            for (int i = 0; i < 3; i++) {
                size_t n = i == 0 ? 5 : i == 1 ? 4 : 6;
                if (strncmp_(p + 7, names[i], n) == 0 && (p[7 + n] == ' ' || p[7 + n] == 0)) {
                    *name = names[i];
                    return (enum policy)i;
                }
            }
            bad_policy = 1;
        }
    }
    *name = names[0];
    return POLICY_CLOCK;
}

static const char *perm_text(u32 flags)
{
    static char t[4];
    t[0] = flags & 4 ? 'r' : '-';
    t[1] = flags & 2 ? 'w' : '-';
    t[2] = flags & 1 ? 'x' : '-';
    t[3] = 0;
    return t;
}

/* Read and check the ELF and program headers; returns the entry point. */
static u64 load_program(void)
{
    struct elf64_ehdr eh;
    struct elf64_phdr ph;
    struct segment segs[MAX_SEGS];
    int n = 0;

    if (prog_read(0, sizeof eh, &eh))
        panic("cannot read the program disk");
    if (eh.ident[0] != 0x7f || eh.ident[1] != 'E' || eh.ident[2] != 'L' || eh.ident[3] != 'F' ||
        eh.ident[4] != 2 || eh.ident[5] != 1 || eh.type != ET_EXEC || eh.machine != EM_RISCV ||
        eh.phentsize != sizeof ph)
        panic("disk 0 is not a 64-bit little-endian RISC-V executable ELF");
    for (u32 i = 0; i < eh.phnum; i++) {
        if (prog_read(eh.phoff + (u64)i * sizeof ph, sizeof ph, &ph))
            panic("cannot read the program headers");
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (n == MAX_SEGS)
            panic("too many PT_LOAD segments");
        if (ph.filesz > ph.memsz || ph.vaddr < 0x10000 || ph.vaddr + ph.memsz > USER_HEAP_MAX ||
            ph.vaddr + ph.memsz < ph.vaddr || (ph.vaddr - ph.offset) % PAGE_SIZE != 0)
            panic("a PT_LOAD segment is outside the user area or malformed");
        kprintf("kernel:   segment %u: vaddr %x memsz %x, file offset %x filesz %x, %s\n",
                (u64)n, ph.vaddr, ph.memsz, ph.offset, ph.filesz, perm_text(ph.flags));
        segs[n++] = (struct segment){ ph.vaddr, ph.memsz, ph.offset, ph.filesz, ph.flags };
    }
    if (n == 0)
        panic("the program has no PT_LOAD segment");
    vm_set_program(segs, n);
    return eh.entry;
}

void kernel_trap(void)
{
    kprintf("kernel: trap in the kernel: scause %x sepc %x stval %x\n",
            csr_read(scause), csr_read(sepc), csr_read(stval));
    panic("kernel bug");
}

NORETURN void s_main(u64 hartid, const void *dtb)
{
    (void)hartid;
    csr_write(stvec, (u64)strap_entry);     /* direct mode (priv spec 4.1.2) */
    csr_write(sscratch, 0);                 /* 0 = running in the kernel */
    csr_write(sie, 0);                      /* no interrupts: disks are polled */

    u64 ram_base = 0, ram_size = 0;
    if (fdt_parse(dtb, &ram_base, &ram_size, bootargs, sizeof bootargs) || ram_base != RAM_BASE)
        panic("no usable /memory node in the device tree");

    const char *pname;
    enum policy pol = arg_policy(&pname);
    u64 frames = arg_num("frames", 0), seed = arg_num("seed", 1);
    vm_init(ram_base, ram_size, frames, pol, seed);   /* paging on */

    kprintf("kernel: rvmmu demo kernel, %u MiB RAM, bootargs \"%s\"\n", ram_size >> 20, bootargs);
    if (bad_policy)
        kprintf("kernel: unknown policy= (fifo, clock or random): using clock\n");
    u64 sectors;
    if (disk_init(DISK_PROGRAM, &sectors))
        panic("no virtio-blk disk on transport 0 (the program)");
    if (disk_init(DISK_SWAP, &sectors) == 0)
        swap_init(sectors);
    else
        kprintf("kernel: no swap disk on transport 1: dirty pages cannot be evicted\n");

    u64 entry = load_program();
    kprintf("kernel: %u user frames, policy %s, seed %u, %u swap slots; entry %x\n",
            vm_nframes(), pname, seed, vm_nslots(), entry);

    /* Into U-mode (priv spec 4.1.1): sret goes to privilege SPP = U, to
     * sepc, with SIE = SPIE = 0.  FS = Initial: the program may use the
     * FPU (it is the only user of it, so nothing needs saving). */
    csr_write(satp, vm_user_satp());
    sfence_vma_all();
    csr_clear(sstatus, SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE | SSTATUS_FS);
    csr_set(sstatus, SSTATUS_FS_INITIAL);
    utf.x[2] = USER_STACK_TOP;
    utf.sepc = entry;
    user_return(&utf);
}
