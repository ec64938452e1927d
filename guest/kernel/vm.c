/*
 * vm.c - Sv39 page tables, demand paging, page replacement and swap.
 *
 * Physical memory (identity-mapped for the kernel):
 *
 *   0x80000000  kernel image (text, data, bss with the kernel stack)
 *   _end        PT_PAGES page-table pages (bump-allocated, never freed)
 *               the frame table (struct frame per user frame)
 *               the user frames: nframes pages (bootarg frames=N,
 *               default all that remain), the only memory a user page
 *               ever occupies
 *   RAM end
 *
 * Virtual memory (Sv39, priv spec 4.4; one page table for the user
 * program, whose root shares the kernel's entries):
 *
 *   0x0000_0000 .. 0x0000_ffff      never mapped (NULL and friends)
 *   PT_LOAD segments                from the ELF program headers, e.g.
 *                                   text at 0x10000 (R-X), data + bss (RW-)
 *   heap_base .. brk                heap (brk/sbrk), RW-, zero-filled;
 *                                   heap_base = end of the last segment
 *                                   rounded up to a page; at most
 *                                   USER_HEAP_MAX
 *   USER_STACK_LOW .. USER_STACK_TOP  the stack, RW-, zero-filled, grows
 *                                   on demand down to 1 MiB
 *   0x8000_0000 .. 0x1_0000_0000    kernel: RAM identity, 2 x 1 GiB pages,
 *                                   RWX, G, U = 0 (root entries 2, 3)
 *   0xffff_ffc0_0000_0000 + 1 GiB   kernel: the devices (physical 0..1 GiB),
 *                                   RW-, G, U = 0 (root entry 256)
 *
 * Every user page is U = 1 and mapped only on its first touch (a page
 * fault).  Where a non-resident page lives is kept in its invalid PTE
 * (kernel.h, PTE_SWAPPED): nothing (fill from the program file and/or
 * zeroes) or a swap slot.  A resident page's frame remembers its swap
 * slot too, if it has one: a page read back from swap keeps its slot, so
 * that evicting it again while clean (D = 0) needs no write.
 *
 * Replacement when no frame is free: policy=clock (default; second
 * chance on the PTE's A bit: the hand clears A, with sfence.vma of that
 * page, and takes the first page found with A = 0), fifo (oldest page
 * brought in) or random (xorshift64 seeded by seed=S: repeatable).
 * The victim is unmapped (PTE changed, sfence.vma), written to swap if
 * dirty (D = 1), otherwise just dropped.
 */
#include "kernel.h"

extern char _end[];

#define PT_PAGES   64            /* page-table pages: 2 MiB of user VA each */
#define MAX_SLOTS  65536         /* swap slots (of 8 sectors): 256 MiB */
#define SATP_SV39  (8UL << 60)   /* satp.MODE = Sv39 (priv spec 4.1.11) */
#define RAM_LIMIT  0x100000000UL /* the two 1 GiB kernel pages end here */

struct counters cnt;

struct frame {
    u64 va;                      /* user page held (page aligned) */
    i64 slot;                    /* its swap slot, or -1 */
    u64 seq;                     /* when it was brought in (fifo) */
    i64 next_free;               /* free list link, -1 = end */
};

static pte_t *kroot, *uroot;
static u64 pt_next, pt_end;      /* page-table page pool */
static struct frame *ftab;
static u64 frame_base, nframes;
static i64 free_head;
static u64 load_seq;
static enum policy policy;
static u64 hand;                 /* clock hand: a frame index */
static u64 rng;                  /* xorshift64 state (random) */

static u64 swapmap[MAX_SLOTS / 64];
static u64 nslots, slots_used;

static struct segment segs[8];
static int nsegs;
static u64 heap_base, brk;

/* Bounce buffer for program-file reads: one page plus the sectors around. */
static u8 bounce[PAGE_SIZE + 2 * SECTOR] __attribute__((aligned(4096)));

static pte_t leaf_pte(u64 pa, u64 perm)
{
    return (pa >> 12) << 10 | perm | PTE_V;
}

static void *pt_alloc(void)
{
    if (pt_next >= pt_end)
        panic("out of page-table pages");
    void *p = (void *)pt_next;
    pt_next += PAGE_SIZE;
    memset(p, 0, PAGE_SIZE);
    return p;
}

u64 vm_nframes(void) { return nframes; }
u64 vm_nslots(void) { return nslots; }

void vm_init(u64 ram_base, u64 ram_size, u64 want, enum policy pol, u64 seed)
{
    u64 ram_end = ram_base + ram_size;
    if (ram_end > RAM_LIMIT)
        ram_end = RAM_LIMIT;
    pt_next = PAGE_UP((u64)_end);
    pt_end = pt_next + PT_PAGES * PAGE_SIZE;
    if (pt_end >= ram_end)
        panic("not enough RAM");

    /* Frames and the frame table share what is left. */
    u64 left = ram_end - pt_end;
    u64 maxf = (left - PAGE_SIZE) / (PAGE_SIZE + sizeof(struct frame));
    nframes = want && want < maxf ? want : maxf;
    /* One instruction may touch 4 pages: a fetch and a data access, each
     * straddling a page boundary.  Fewer frames could livelock. */
    if (nframes < 4)
        nframes = 4;
    if (nframes > maxf)
        panic("not enough RAM for 4 user frames");
    ftab = (struct frame *)pt_end;
    frame_base = PAGE_UP(pt_end + nframes * sizeof(struct frame));
    for (u64 i = 0; i < nframes; i++) {
        ftab[i].slot = -1;
        ftab[i].next_free = i + 1 < nframes ? (i64)i + 1 : -1;
    }
    free_head = 0;
    policy = pol;
    rng = seed ? seed : 0x9e3779b97f4a7c15UL;   /* xorshift needs non-zero */

    /*
     * The kernel's page table: three 1 GiB leaves in the root (a leaf at
     * level 2 must have PPN[1] = PPN[0] = 0: 1 GiB aligned, priv spec
     * 4.3.2 step 6).  G: present in every address space (4.3.1).  A and D
     * preset, so that the kernel works whether the hardware updates A/D
     * or faults (Svade) -- the priv spec allows both (4.3.1).
     */
    kroot = pt_alloc();
    const u64 kflags = PTE_G | PTE_A | PTE_D;
    kroot[2] = leaf_pte(0x80000000UL, PTE_R | PTE_W | PTE_X | kflags);
    kroot[3] = leaf_pte(0xc0000000UL, PTE_R | PTE_W | PTE_X | kflags);
    kroot[256] = leaf_pte(0, PTE_R | PTE_W | kflags);   /* devices */
    csr_write(satp, SATP_SV39 | ((u64)kroot >> 12));
    sfence_vma_all();
    io_base = IO_ALIAS;
}

static u64 perm_of(u32 p_flags)
{
    u64 perm = 0;
    if (p_flags & 4) perm |= PTE_R;
    if (p_flags & 2) perm |= PTE_W | PTE_R;   /* W without R is reserved */
    if (p_flags & 1) perm |= PTE_X;
    return perm;
}

void vm_set_program(const struct segment *s, int n)
{
    nsegs = n;
    heap_base = 0;
    for (int i = 0; i < n; i++) {
        segs[i] = s[i];
        segs[i].perm = perm_of((u32)s[i].perm);
        u64 end = PAGE_UP(s[i].vaddr + s[i].memsz);
        if (end > heap_base)
            heap_base = end;
    }
    brk = heap_base;
    /* The user root shares the kernel's entries, so traps need no satp
     * switch; U = 0 keeps them out of the program's reach. */
    uroot = pt_alloc();
    uroot[2] = kroot[2];
    uroot[3] = kroot[3];
    uroot[256] = kroot[256];
}

u64 vm_user_satp(void)
{
    return SATP_SV39 | ((u64)uroot >> 12);
}

/* The level-0 PTE of user address va (allocating tables if alloc). */
static pte_t *walk(u64 va, int alloc)
{
    pte_t *t = uroot;
    for (int level = 2; level > 0; level--) {
        pte_t *e = &t[(va >> (12 + 9 * level)) & 511];
        if (!(*e & PTE_V)) {
            if (!alloc)
                return 0;
            /* Non-leaf: V only (R = W = X = 0; A, D, U must be 0, 4.3.1). */
            *e = ((u64)pt_alloc() >> 12) << 10 | PTE_V;
        }
        t = (pte_t *)(PTE_PPN(*e) << 12);
    }
    return &t[(va >> 12) & 511];
}

/* What the program may do at va: PTE_R/W/X, 0 = nothing is there. */
static u64 region_perm(u64 va)
{
    if (va >= USER_STACK_LOW && va < USER_STACK_TOP)
        return PTE_R | PTE_W;
    if (va >= heap_base && va < PAGE_UP(brk))
        return PTE_R | PTE_W;
    /* Segments: a page shared by two of them gets both permissions. */
    u64 perm = 0, page = PAGE_DOWN(va);
    for (int i = 0; i < nsegs; i++)
        if (segs[i].memsz && page < segs[i].vaddr + segs[i].memsz &&
            page + PAGE_SIZE > segs[i].vaddr)
            perm |= segs[i].perm;
    return perm;
}

/* Copy len bytes at file offset off of the program to dst (any
 * alignment) through the bounce buffer. */
int prog_read(u64 off, u64 len, void *dst)
{
    while (len) {
        u64 s0 = off / SECTOR;
        u64 skip = off % SECTOR;
        u64 chunk = len < PAGE_SIZE ? len : PAGE_SIZE;
        u32 n = (u32)((skip + chunk + SECTOR - 1) / SECTOR);
        if (disk_read(DISK_PROGRAM, s0, bounce, n))
            return -1;
        memcpy(dst, bounce + skip, chunk);
        dst = (u8 *)dst + chunk;
        off += chunk;
        len -= chunk;
    }
    return 0;
}

/*
 * A page's first contents: zeroes, with the file bytes of every segment
 * that covers part of it ([vaddr, vaddr + filesz) comes from the file at
 * offset; [vaddr + filesz, vaddr + memsz) is bss).  Returns 1 if any byte
 * came from the file.
 */
static int fill_page(u64 va, u8 *pa)
{
    int from_file = 0;
    memset(pa, 0, PAGE_SIZE);
    for (int i = 0; i < nsegs; i++) {
        u64 lo = segs[i].vaddr, hi = segs[i].vaddr + segs[i].filesz;
        if (lo < va)
            lo = va;
        if (hi > va + PAGE_SIZE)
            hi = va + PAGE_SIZE;
        if (lo >= hi)
            continue;
        if (prog_read(segs[i].offset + (lo - segs[i].vaddr), hi - lo, pa + (lo - va)))
            panic("cannot read the program disk");
        from_file = 1;
    }
    return from_file;
}

/* ---- swap slots: a bitmap over disk 1, 8 sectors a slot ---- */
void swap_init(u64 sectors)
{
    nslots = sectors / (PAGE_SIZE / SECTOR);
    if (nslots > MAX_SLOTS)
        nslots = MAX_SLOTS;
}

static i64 slot_alloc(void)
{
    for (u64 w = 0; w * 64 < nslots; w++) {
        if (swapmap[w] == ~0UL)
            continue;
        for (u64 b = 0; b < 64 && w * 64 + b < nslots; b++)
            if (!(swapmap[w] >> b & 1)) {
                swapmap[w] |= 1UL << b;
                slots_used++;
                return (i64)(w * 64 + b);
            }
    }
    return -1;
}

static void slot_free(i64 s)
{
    swapmap[s / 64] &= ~(1UL << (s % 64));
    slots_used--;
}

static u8 *frame_pa(u64 f) { return (u8 *)(frame_base + f * PAGE_SIZE); }

/* ---- replacement ---- */
static u64 choose_victim(void)
{
    if (policy == POLICY_FIFO) {
        u64 best = 0;
        for (u64 f = 1; f < nframes; f++)
            if (ftab[f].seq < ftab[best].seq)
                best = f;
        return best;
    }
    if (policy == POLICY_RANDOM) {
        rng ^= rng << 13;           /* xorshift64 (Marsaglia 2003) */
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng % nframes;
    }
    /* Clock: every frame is in use here; at most two sweeps. */
    for (;;) {
        u64 f = hand;
        hand = (hand + 1) % nframes;
        pte_t *p = walk(ftab[f].va, 0);
        if (*p & PTE_A) {
            /* Second chance.  The TLB may hold the translation with A = 1:
             * flush it so the next access sets A again (or faults, with
             * Svade) -- priv spec 4.2.1, sfence.vma after a PTE change. */
            *p &= ~PTE_A;
            sfence_vma_va(ftab[f].va);
            continue;
        }
        return f;
    }
}

/* Take page out of frame f; its PTE then says where the page lives. */
static void evict(u64 f)
{
    struct frame *fr = &ftab[f];
    pte_t *p = walk(fr->va, 0);
    pte_t old = *p;
    *p = 0;
    sfence_vma_va(fr->va);
    if (old & PTE_D) {
        if (fr->slot < 0)
            fr->slot = slot_alloc();
        if (fr->slot < 0) {
            kprintf("kernel: out of swap space (%u slots) evicting page %x\n", nslots, fr->va);
            print_counters();
            power_off(EXIT_NO_SWAP);
        }
        if (disk_write(DISK_SWAP, (u64)fr->slot * (PAGE_SIZE / SECTOR), frame_pa(f),
                       PAGE_SIZE / SECTOR))
            panic("cannot write the swap disk");
        cnt.swap_out++;
    } else {
        cnt.drop++;             /* clean: the file, zeroes or swap has it */
    }
    *p = fr->slot >= 0 ? PTE_SWAPPED | (u64)fr->slot << 10 : 0;
    fr->slot = -1;
    cnt.evict++;
}

static u64 frame_alloc(void)
{
    if (free_head >= 0) {
        u64 f = (u64)free_head;
        free_head = ftab[f].next_free;
        return f;
    }
    u64 f = choose_victim();
    evict(f);
    return f;
}

/* Bring the page at va in; p is its (invalid) PTE. */
static void page_in(u64 va, pte_t *p, u64 perm, u64 need)
{
    va = PAGE_DOWN(va);
    u64 f = frame_alloc();
    u8 *pa = frame_pa(f);
    pte_t old = *p;
    if (old & PTE_SWAPPED) {
        ftab[f].slot = (i64)PTE_SLOT(old);
        if (disk_read(DISK_SWAP, PTE_SLOT(old) * (PAGE_SIZE / SECTOR), pa, PAGE_SIZE / SECTOR))
            panic("cannot read the swap disk");
        cnt.swap_in++;
    } else {
        ftab[f].slot = -1;
        if (fill_page(va, pa))
            cnt.file_read++;
        else
            cnt.zero_fill++;
    }
    if (perm & PTE_X)
        fence_i();              /* new instructions in memory (Zifencei) */
    ftab[f].va = va;
    ftab[f].seq = load_seq++;
    /* A (and D for a store) preset: the access that faulted is about to
     * happen, and under Svade it would otherwise fault once more. */
    *p = leaf_pte((u64)pa, perm | PTE_U | PTE_A | (need == PTE_W ? PTE_D : 0));
    sfence_vma_va(va);
}

const char *vm_fault(u64 va, u64 cause)
{
    u64 need = cause == CAUSE_FETCH_PAGE ? PTE_X : cause == CAUSE_LOAD_PAGE ? PTE_R : PTE_W;
    if (need == PTE_X)
        cnt.fault_fetch++;
    else if (need == PTE_R)
        cnt.fault_load++;
    else
        cnt.fault_store++;

    u64 perm = region_perm(va);
    if (!perm) {
        if (va >= USER_TOP)
            return "not a user address (kernel or beyond, U = 0)";
        if (va < USER_STACK_LOW && va >= USER_STACK_LOW - (16UL << 20))
            return "address not mapped (below the 1 MiB stack limit)";
        return "address not mapped";
    }
    if (!(perm & need))
        return need == PTE_W ? "page is not writable" :
               need == PTE_X ? "page is not executable" : "page is not readable";

    pte_t *p = walk(va, 1);
    if (*p & PTE_V) {
        /*
         * Resident and permitted: with Svade (rvmmu --ad trap) the hart
         * faults instead of setting A, or D on a store (priv spec 4.3.1);
         * set the bit here.  Otherwise a stale TLB entry: flush it.
         */
        static u64 last_spurious = ~0UL;
        pte_t add = PTE_A | (need == PTE_W ? PTE_D : 0);
        if ((*p & add) != add) {
            *p |= add;
            cnt.ad_update++;
            last_spurious = ~0UL;
        } else {
            /* The same spurious fault twice in a row: flushing did not
             * help, and retrying would loop for ever. */
            if (last_spurious == va)
                return "repeated page fault on a valid page";
            last_spurious = va;
            cnt.spurious++;
        }
        sfence_vma_va(va);
        return 0;
    }
    page_in(va, p, perm, need);
    return 0;
}

u64 user_page(u64 va, u64 need)
{
    u64 perm = region_perm(va);
    if (!(perm & need))
        return 0;
    pte_t *p = walk(va, 1);
    if (!(*p & PTE_V)) {
        page_in(va, p, perm, need);
        cnt.fault_kernel++;
    }
    /* The kernel's access counts as the program's (for clock and D). */
    pte_t add = PTE_A | (need == PTE_W ? PTE_D : 0);
    if ((*p & add) != add) {
        *p |= add;
        sfence_vma_va(va);
    }
    return (PTE_PPN(*p) << 12) | (va & (PAGE_SIZE - 1));
}

/* Forget the user page at va (brk shrinking): free its frame or slot. */
static void page_free(u64 va)
{
    pte_t *p = walk(va, 0);
    if (!p || !*p)
        return;
    if (*p & PTE_V) {
        u64 f = ((PTE_PPN(*p) << 12) - frame_base) / PAGE_SIZE;
        if (ftab[f].slot >= 0)
            slot_free(ftab[f].slot);
        ftab[f].slot = -1;
        ftab[f].next_free = free_head;
        free_head = (i64)f;
    } else if (*p & PTE_SWAPPED) {
        slot_free((i64)PTE_SLOT(*p));
    }
    *p = 0;
    sfence_vma_va(va);
}

/* brk(addr): 0 asks for the current break; an address outside
 * [heap_base, USER_HEAP_MAX] fails (the break stays where it is). */
u64 vm_brk(u64 addr)
{
    if (addr < heap_base || addr > USER_HEAP_MAX)
        return brk;
    for (u64 va = PAGE_UP(addr); va < PAGE_UP(brk); va += PAGE_SIZE)
        page_free(va);
    brk = addr;
    return brk;
}

void print_counters(void)
{
    kprintf("kernel: page faults: fetch=%u load=%u store=%u (syscall=%u)\n",
            cnt.fault_fetch, cnt.fault_load, cnt.fault_store, cnt.fault_kernel);
    kprintf("kernel: pages: file=%u zero=%u swapin=%u ad=%u spurious=%u\n",
            cnt.file_read, cnt.zero_fill, cnt.swap_in, cnt.ad_update, cnt.spurious);
    kprintf("kernel: replacement: evict=%u swapout=%u drop=%u (slots in use %u of %u)\n",
            cnt.evict, cnt.swap_out, cnt.drop, slots_used, nslots);
}
