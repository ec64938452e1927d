/*
 * vfuzz.c - robustness fuzzing of virtio-blk (transport 0, virtio-mmio
 * modern interface) with malformed virtqueues and register accesses.
 *
 * After one reset, the device on transport 0 (a disk whose byte at file
 * offset o is (7 o + 13 (o / 512) + 0x3c) mod 256; the test writes it)
 * goes through ROUNDS rounds built from a seeded xorshift64 generator, so
 * every run is the same.  Each round builds a request (header in the
 * readable scratch area, data and status in the writable one; direct or
 * through an indirect table) in a queue whose other descriptors are
 * garbage, corrupts it (descriptor loops, next out of range, addresses
 * outside RAM or straddling its end, absurd lengths, a short header, a
 * read-only status byte, indirect tables of bad length or place, nested
 * or misplaced INDIRECT flags, heads out of range, an available index
 * that jumps by more than the queue size, notifications of queues that do
 * not exist, notifications before DRIVER_OK, with the queue disabled or
 * with FAILED set, queue layouts that are not powers of two or lie outside
 * RAM) or makes random register accesses anywhere in the transport window
 * (1, 2, 4 and 8 bytes, aligned or not; the accesses the transport refuses
 * are access faults, which the trap handler skips and counts).
 *
 * The driver keeps a model of the transport and the device as
 * rvmmu/emulator/src/devices/virtio documents them (registers, status,
 * interrupt status, split-queue walking, virtio-blk requests).  Every
 * register read is compared with the model; every byte the device may
 * write (the writable scratch area, the used ring, the last 64 bytes of
 * RAM) is compared after each round with what the model wrote into its
 * shadow copy, so a missing, extra or wrong DMA write, used-ring entry or
 * status byte (0 OK, 1 IOERR, 2 UNSUPP) is caught.  Whenever Status shows
 * DEVICE_NEEDS_RESET (with the configuration-change interrupt), the driver
 * writes Status = 0 and initialises the device again; after rounds that
 * left it otherwise unusable it does the same (counted as re-inits).
 * Every CHECK_EVERY rounds one well-formed read of sector 0 and of another
 * sector must return the disk's pattern.
 *
 * Safety: descriptors are sanitised so that the device can only write
 * inside the writable scratch area or the last 64 bytes of RAM, read
 * headers only from the readable scratch area (which holds no 0x01 byte,
 * so no header can ever say OUT) and indirect tables only from the
 * indirect area; the model refuses to go on (FAIL) before the device would
 * write anywhere else or carry out a write request.  The disk file is
 * never written.
 *
 * Output: a summary, then "vfuzz: <rounds> rounds, <resets> resets,
 * <ioerr> ioerr, <faults> access faults, data ok"; exit 0.  Without a
 * block device on transport 0 it says so and exits 0.  The access-fault
 * and GET_ID expectations are rvmmu's (QEMU ignores bad register sizes).
 */
#include "virt.h"

/* virtio-mmio registers */
#define VIO_MAGIC         0x000
#define VIO_VERSION       0x004
#define VIO_DEVICE_ID     0x008
#define VIO_VENDOR_ID     0x00c
#define VIO_DEV_FEAT      0x010
#define VIO_DEV_FEAT_SEL  0x014
#define VIO_DRV_FEAT      0x020
#define VIO_DRV_FEAT_SEL  0x024
#define VIO_QUEUE_SEL     0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM     0x038
#define VIO_QUEUE_READY   0x044
#define VIO_QUEUE_NOTIFY  0x050
#define VIO_INT_STATUS    0x060
#define VIO_INT_ACK       0x064
#define VIO_STATUS        0x070
#define VIO_QDESC_LO      0x080
#define VIO_QDESC_HI      0x084
#define VIO_QDRIVER_LO    0x090
#define VIO_QDRIVER_HI    0x094
#define VIO_QDEVICE_LO    0x0a0
#define VIO_QDEVICE_HI    0x0a4
#define VIO_CONFIG_GEN    0x0fc
#define VIO_CONFIG        0x100
#define VIO_WINDOW        0x1000
#define CFG_BYTES         (VIO_WINDOW - VIO_CONFIG)

#define ST_ACK          1
#define ST_DRIVER       2
#define ST_DRIVER_OK    4
#define ST_FEATURES_OK  8
#define ST_NEEDS_RESET  0x40
#define ST_FAILED       0x80
#define ST_LIVE         (ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK)

#define INT_USED   1
#define INT_CONFIG 2

#define F_SEG_MAX   (1UL << 2)
#define F_BLK_SIZE  (1UL << 6)
#define F_FLUSH     (1UL << 9)
#define F_INDIRECT  (1UL << 28)
#define F_VERSION_1 (1UL << 32)

#define D_NEXT     1
#define D_WRITE    2
#define D_INDIRECT 4
#define AVAIL_NO_INTERRUPT 1

#define T_IN     0
#define T_OUT    1
#define T_FLUSH  4
#define T_GET_ID 8
#define S_OK     0
#define S_IOERR  1
#define S_UNSUPP 2

#define SECTOR      512
#define ROUNDS      2000
#define CHECK_EVERY 100
#define QMAX        256            /* largest queue this driver lays out */
#define ITAB_N      2048           /* indirect area, in descriptors (more
                                      * than the 1024 a table may have) */
#define RSCR_SIZE   4096
#define WSCR_SIZE   8192
#define TOP_SIZE    64             /* device-writable tail of RAM */
#define USED_SHADOW 2056           /* 6 + 8 * QMAX, rounded up to 8 */
#define MAX_CHAIN   (1UL << 30)
#define MAX_IND     1024
#define BAD_ADDR    0xfffffffffffff000UL
#define ID_BYTES    20

struct vdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

/* ---- guest memory the device sees ---- */
/* Descriptor table (QMAX entries) at +0, available ring at +4096, used
 * ring at +8192. */
static uint8_t ring_mem[16384] __attribute__((aligned(4096)));
static struct vdesc itab[ITAB_N] __attribute__((aligned(16)));
static uint8_t rscr[RSCR_SIZE] __attribute__((aligned(16)));   /* header + 0xa5 */
static uint8_t wscr[WSCR_SIZE] __attribute__((aligned(16)));
/* The model's copies of what the device may write. */
static uint8_t shadow_w[WSCR_SIZE] __attribute__((aligned(8)));
static uint8_t shadow_u[USED_SHADOW] __attribute__((aligned(8)));
static uint8_t shadow_t[TOP_SIZE] __attribute__((aligned(8)));
static uint8_t cfg[CFG_BYTES];

#define DESC_PA  ((uint64_t)(uintptr_t)ring_mem)
#define AVAIL_PA (DESC_PA + 4096)
#define USED_PA  (DESC_PA + 8192)
#define ITAB_PA  ((uint64_t)(uintptr_t)itab)
#define RSCR_PA  ((uint64_t)(uintptr_t)rscr)
#define WSCR_PA  ((uint64_t)(uintptr_t)wscr)

static uint64_t ram_base, ram_size, ram_end;
static uint64_t vbase = VIRTIO_BASE;

/* ---- deterministic random numbers (xorshift64) ---- */
static uint64_t rng_state = 0x2545f4914f6cdd1dUL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static uint32_t rn(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

/* ---- statistics ---- */
enum { K_REQUEST, K_WRONG_QUEUE, K_AVAIL_JUMP, K_MULTI, K_REGS, K_BAD_LAYOUT, K_LATE_OK,
       K_QUEUE_OFF, K_FAILED, K_RESET_FIRST, K_KINDS };
static const char *const kind_name[K_KINDS] = {
    "request", "wrong-queue", "avail-jump", "multi", "registers", "bad-layout",
    "late-driver-ok", "queue-off", "failed", "reset-first",
};
static unsigned long kind_count[K_KINDS];
static unsigned long n_completed, n_ok, n_ioerr, n_unsupp, n_structural;
static unsigned long n_resets, n_reinits, n_relocated, n_mutations, n_reg_accesses;
static unsigned long n_data_checks, n_faults_expected;
static unsigned long cur_round;
static int cur_kind = -1;

/* ---- access faults (trap handler) ---- */
static volatile uint64_t probe_pa;
static volatile int probe_on;
static volatile unsigned long n_faults;
static volatile uint64_t last_fault_cause;

void m_trap(struct trap_frame *f)
{
    (void)f;
    uint64_t cause = csr_read(mcause), epc = csr_read(mepc), tval = csr_read(mtval);
    if (probe_on && (cause == 5 || cause == 7) && tval == probe_pa) {
        uint16_t insn = *(volatile uint16_t *)epc;
        csr_write(mepc, epc + ((insn & 3) == 3 ? 4 : 2));
        last_fault_cause = cause;
        n_faults++;
        return;
    }
    unexpected_trap("M-mode", cause, epc, tval);
}

static void where(void)
{
    puts_("  (round ");
    put_dec(cur_round);
    if (cur_kind >= 0) {
        puts_(", ");
        puts_(kind_name[cur_kind]);
    }
    puts_(")\n");
}

NORETURN static void die(const char *what)
{
    puts_("FAIL: ");
    puts_(what);
    putch('\n');
    where();
    virt_exit(1);
}

NORETURN static void die_val(const char *what, uint64_t off, uint64_t want, uint64_t got)
{
    puts_("FAIL: ");
    puts_(what);
    puts_(" at ");
    put_hex(off);
    puts_(": expected ");
    put_hex(want);
    puts_(", got ");
    put_hex(got);
    putch('\n');
    where();
    virt_exit(1);
}

/* ---- RAM and the shadow regions ---- */
static int in_ram(uint64_t pa, uint64_t size)
{
    uint64_t off = pa - ram_base;
    return off < ram_size && size <= ram_size - off;
}

struct region {
    uint64_t pa, len;
    uint8_t *shadow;
};
static struct region regions[3];

static uint8_t *shadow_at(uint64_t pa, uint64_t n)
{
    for (int i = 0; i < 3; i++) {
        struct region *r = &regions[i];
        if (pa >= r->pa && pa - r->pa < r->len && n <= r->len - (pa - r->pa))
            return r->shadow + (pa - r->pa);
    }
    return 0;
}

static int touches_shadow(uint64_t pa, uint64_t n)
{
    for (int i = 0; i < 3; i++)
        if (pa < regions[i].pa + regions[i].len && regions[i].pa < pa + n)
            return 1;
    return 0;
}

/* The model reads guest memory as the device would see it. */
static void mread(uint64_t pa, void *out, uint64_t n)
{
    uint8_t *o = out;
    if (!touches_shadow(pa, n)) {
        const volatile uint8_t *p = (const volatile uint8_t *)pa;
        for (uint64_t i = 0; i < n; i++)
            o[i] = p[i];
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *s = shadow_at(pa + i, 1);
        o[i] = s ? *s : *(const volatile uint8_t *)(pa + i);
    }
}

/* The model's device writes go to the shadow; anything else is a bug in
 * the sanitiser, stopped before the device can do it. */
static uint8_t *mwrite_at(uint64_t pa, uint64_t n)
{
    uint8_t *s = shadow_at(pa, n);
    if (!s)
        die_val("model: device write outside the scratch areas", pa, 0, n);
    return s;
}

static void mwrite(uint64_t pa, const void *src, uint64_t n)
{
    uint8_t *s = mwrite_at(pa, n);
    const uint8_t *p = src;
    for (uint64_t i = 0; i < n; i++)
        s[i] = p[i];
}

static void snap(void)
{
    io_fence();
    for (int i = 0; i < 3; i++) {
        const volatile uint64_t *p = (const volatile uint64_t *)regions[i].pa;
        uint64_t *s = (uint64_t *)regions[i].shadow;
        for (uint64_t j = 0; j < regions[i].len / 8; j++)
            s[j] = p[j];
    }
}

static void verify(void)
{
    static const char *const names[3] = { "writable scratch", "used ring", "end of RAM" };
    io_fence();
    for (int i = 0; i < 3; i++) {
        const volatile uint64_t *p = (const volatile uint64_t *)regions[i].pa;
        const uint64_t *s = (const uint64_t *)regions[i].shadow;
        for (uint64_t j = 0; j < regions[i].len / 8; j++)
            if (p[j] != s[j]) {
                puts_("FAIL: device memory differs from the model in the ");
                puts_(names[i]);
                puts_(" at ");
                put_hex(regions[i].pa + 8 * j);
                puts_(": expected ");
                put_hex(s[j]);
                puts_(", got ");
                put_hex(p[j]);
                putch('\n');
                where();
                virt_exit(1);
            }
    }
}

static uint8_t disk_byte(uint64_t o)
{
    return (uint8_t)(o * 7 + (o / SECTOR) * 13 + 0x3c);
}

/* ---- the model of the transport and the device ---- */
struct mqueue {
    uint32_t num;
    int ready;
    uint64_t desc, driver, device;
    uint16_t last_avail, used_idx;
};

static struct {
    uint32_t status;
    int needs_reset;
    uint32_t isr;
    uint32_t dfsel, drfsel, qsel;
    uint64_t drf;
    struct mqueue q;
} M;

/* Learned once from the device. */
static uint32_t k_vendor, k_cfg_gen, k_qmax;
static uint64_t k_offered, capacity;

static struct vdesc chain[MAX_IND];
static unsigned chain_n;
struct seg {
    uint64_t pa, len;
};
static struct seg rseg[MAX_IND], wseg[MAX_IND];
static unsigned nr, nw;

static int rdesc(uint64_t table, uint64_t idx, struct vdesc *d)
{
    uint64_t pa = table + idx * 16;
    if (pa < table || !in_ram(pa, 16))
        return 0;
    mread(pa, d, 16);
    return 1;
}

static int m_walk_indirect(const struct vdesc *d)
{
    uint64_t len = d->len;
    if (len == 0 || len % 16 || len / 16 > MAX_IND)
        return 0;
    if (!in_ram(d->addr, len))
        return 0;
    uint64_t entries = len / 16, idx = 0;
    chain_n = 0;
    for (uint64_t k = 0; k < entries; k++) {
        struct vdesc e;
        if (!rdesc(d->addr, idx, &e) || (e.flags & D_INDIRECT))
            return 0;
        chain[chain_n++] = e;
        if (!(e.flags & D_NEXT))
            return 1;
        idx = e.next;
        if (idx >= entries)
            return 0;
    }
    return 0;
}

static int m_walk(uint16_t head)
{
    uint64_t size = M.q.num, idx = head;
    if (head >= size)
        return 0;
    chain_n = 0;
    for (uint64_t n = 0; n < size; n++) {
        struct vdesc d;
        if (!rdesc(M.q.desc, idx, &d))
            return 0;
        if (d.flags & D_INDIRECT) {
            if (n != 0 || (d.flags & D_NEXT))
                return 0;
            return m_walk_indirect(&d);
        }
        chain[chain_n++] = d;
        if (!(d.flags & D_NEXT))
            return 1;
        idx = d.next;
        if (idx >= size)
            return 0;
    }
    return 0;
}

static int m_buffers(void)
{
    uint64_t total = 0;
    nr = nw = 0;
    for (unsigned i = 0; i < chain_n; i++) {
        struct vdesc *d = &chain[i];
        uint64_t len = d->len;
        total += len;
        if (len > MAX_CHAIN || total > MAX_CHAIN)
            return 0;
        if (!(d->flags & D_WRITE) && nw)
            return 0;
        if (!len)
            continue;
        if (!in_ram(d->addr, len))
            return 0;
        if (d->flags & D_WRITE)
            wseg[nw++] = (struct seg){ d->addr, len };
        else
            rseg[nr++] = (struct seg){ d->addr, len };
    }
    return 1;
}

static uint8_t m_execute(uint64_t *written)
{
    uint8_t h[16];
    uint64_t got = 0;
    for (unsigned i = 0; i < nr && got < 16; i++) {
        uint64_t n = rseg[i].len < 16 - got ? rseg[i].len : 16 - got;
        mread(rseg[i].pa, h + got, n);
        got += n;
    }
    *written = 0;
    if (got < 16)
        return S_IOERR;
    uint32_t kind = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    uint64_t sector = 0;
    for (int i = 7; i >= 0; i--)
        sector = sector << 8 | h[8 + i];
    uint64_t wl = 0;
    for (unsigned i = 0; i < nw; i++)
        wl += wseg[i].len;
    switch (kind) {
    case T_IN: {
        uint64_t n = wl / SECTOR;
        if (wl % SECTOR || sector + n < sector || sector + n > capacity)
            return S_IOERR;
        uint64_t pos = sector * SECTOR;
        for (unsigned i = 0; i < nw; i++) {
            uint8_t *s = mwrite_at(wseg[i].pa, wseg[i].len);
            for (uint64_t j = 0; j < wseg[i].len; j++)
                s[j] = disk_byte(pos++);
        }
        *written = wl;
        return S_OK;
    }
    case T_OUT:
        die("model: the fuzzer built a write request");
    case T_FLUSH:
        return S_OK;
    case T_GET_ID: {
        static const char id[ID_BYTES] = "rvmmu-disk0";
        uint64_t done = 0;
        for (unsigned i = 0; i < nw && done < ID_BYTES; i++) {
            uint64_t n = wseg[i].len < ID_BYTES - done ? wseg[i].len : ID_BYTES - done;
            mwrite(wseg[i].pa, id + done, n);
            done += n;
        }
        *written = done;
        return S_OK;
    }
    default:
        return S_UNSUPP;
    }
}

/* virtio-blk's handling of one chain: 0 = no status byte (structural). */
static int m_blk(uint32_t *used_len, uint8_t *status)
{
    struct vdesc *last = &chain[chain_n - 1];
    if (!(last->flags & D_WRITE) || last->len == 0)
        return 0;
    uint64_t at = last->addr + (last->len - 1);
    if (at < last->addr || !in_ram(at, 1))
        return 0;
    uint64_t written = 0;
    if (m_buffers()) {
        if (nw && --wseg[nw - 1].len == 0)
            nw--;
        *status = m_execute(&written);
    } else {
        *status = S_IOERR;
    }
    mwrite(at, status, 1);
    *used_len = (uint32_t)written + 1;
    return 1;
}

static void m_process(int *intr, int *err)
{
    uint32_t n = M.q.num;
    *intr = *err = 0;
    if (n == 0 || n > k_qmax || (n & (n - 1))) {
        *err = 1;
        return;
    }
    if (!in_ram(M.q.desc, 16UL * n) || !in_ram(M.q.driver, 6 + 2UL * n) || !in_ram(M.q.device, 6 + 8UL * n)) {
        *err = 1;
        return;
    }
    uint16_t size = (uint16_t)n, avail_idx, completed = 0;
    mread(M.q.driver + 2, &avail_idx, 2);
    if ((uint16_t)(avail_idx - M.q.last_avail) > size) {
        *err = 1;
        return;
    }
    while (M.q.last_avail != avail_idx) {
        uint16_t head;
        uint32_t len;
        uint8_t st;
        mread(M.q.driver + 4 + 2UL * (M.q.last_avail % size), &head, 2);
        if (!m_walk(head) || !m_blk(&len, &st)) {
            *err = 1;
            break;
        }
        uint64_t e = M.q.device + 4 + 8UL * (M.q.used_idx % size);
        uint32_t id = head;
        mwrite(e, &id, 4);
        mwrite(e + 4, &len, 4);
        M.q.used_idx++;
        M.q.last_avail++;
        completed++;
        n_completed++;
        if (st == S_OK)
            n_ok++;
        else if (st == S_IOERR)
            n_ioerr++;
        else
            n_unsupp++;
    }
    if (completed) {
        uint16_t flags;
        mwrite(M.q.device + 2, &M.q.used_idx, 2);
        mread(M.q.driver, &flags, 2);
        *intr = !(flags & AVAIL_NO_INTERRUPT);
    }
}

static void m_notify(uint32_t index)
{
    int intr, err;
    if (M.needs_reset || !(M.status & ST_DRIVER_OK) || (M.status & ST_FAILED))
        return;
    if (index != 0 || !M.q.ready)
        return;
    m_process(&intr, &err);
    if (intr)
        M.isr |= INT_USED;
    if (err) {
        M.needs_reset = 1;
        M.isr |= INT_CONFIG;
        n_structural++;
    }
}

static void m_reset(void)
{
    memset(&M, 0, sizeof M);
}

static void m_status(uint32_t v)
{
    if (v == 0) {
        m_reset();
        return;
    }
    uint32_t s = v & 0xff & ~(uint32_t)ST_NEEDS_RESET;
    int acceptable = (M.drf & ~k_offered) == 0; /* as QEMU: VERSION_1 not required */
    if ((s & ST_FEATURES_OK) && !(M.status & ST_FEATURES_OK) && !acceptable)
        s &= ~(uint32_t)ST_FEATURES_OK;
    int live = (s & ST_DRIVER_OK) && !(M.status & ST_DRIVER_OK);
    M.status = s;
    if (live)
        m_notify(0);
}

static void m_write(uint32_t off, uint32_t v)
{
    uint64_t *field = 0;
    switch (off) {
    case VIO_DEV_FEAT_SEL: M.dfsel = v; break;
    case VIO_DRV_FEAT_SEL: M.drfsel = v; break;
    case VIO_DRV_FEAT:
        if (M.status & ST_FEATURES_OK)
            break;
        if (M.drfsel == 0)
            M.drf = (M.drf & ~0xffffffffUL) | v;
        else if (M.drfsel == 1)
            M.drf = (M.drf & 0xffffffffUL) | (uint64_t)v << 32;
        break;
    case VIO_QUEUE_SEL: M.qsel = v; break;
    case VIO_QUEUE_NUM:
        if (M.qsel == 0 && !M.q.ready)
            M.q.num = v;
        break;
    case VIO_QUEUE_READY:
        if (M.qsel == 0) {
            int r = v & 1;
            if (r && !M.q.ready)
                M.q.last_avail = M.q.used_idx = 0;
            M.q.ready = r;
        }
        break;
    case VIO_QUEUE_NOTIFY: m_notify(v); break;
    case VIO_INT_ACK: M.isr &= ~v; break;
    case VIO_STATUS: m_status(v); break;
    case VIO_QDESC_LO: case VIO_QDESC_HI: field = &M.q.desc; break;
    case VIO_QDRIVER_LO: case VIO_QDRIVER_HI: field = &M.q.driver; break;
    case VIO_QDEVICE_LO: case VIO_QDEVICE_HI: field = &M.q.device; break;
    default: break;
    }
    if (field && M.qsel == 0 && !M.q.ready) {
        if (off & 4)
            *field = (*field & 0xffffffffUL) | (uint64_t)v << 32;
        else
            *field = (*field & ~0xffffffffUL) | v;
    }
}

static uint32_t m_read(uint32_t off)
{
    switch (off) {
    case VIO_MAGIC: return 0x74726976;
    case VIO_VERSION: return 2;
    case VIO_DEVICE_ID: return 2;
    case VIO_VENDOR_ID: return k_vendor;
    case VIO_DEV_FEAT:
        return M.dfsel == 0 ? (uint32_t)k_offered : M.dfsel == 1 ? (uint32_t)(k_offered >> 32) : 0;
    case VIO_QUEUE_NUM_MAX: return M.qsel == 0 ? k_qmax : 0;
    case VIO_QUEUE_READY: return M.qsel == 0 ? (uint32_t)M.q.ready : 0;
    case VIO_INT_STATUS: return M.isr;
    case VIO_STATUS: return M.status | (M.needs_reset ? ST_NEEDS_RESET : 0);
    case VIO_CONFIG_GEN: return k_cfg_gen;
    default: return 0;
    }
}

static uint64_t cfg_read(uint32_t off, int size)
{
    uint64_t v = 0;
    for (int i = size - 1; i >= 0; i--)
        v = v << 8 | cfg[off + i];
    return v;
}

/* ---- register access: model first (it may refuse), then the device ---- */
static uint32_t raw_rd(uint32_t off)
{
    io_fence();
    uint32_t v = mmio_read32(vbase + off);
    io_fence();
    return v;
}

static void raw_wr(uint32_t off, uint32_t v)
{
    io_fence();
    mmio_write32(vbase + off, v);
    io_fence();
}

static void tw(uint32_t off, uint32_t v)
{
    m_write(off, v);
    raw_wr(off, v);
}

static uint32_t tr(uint32_t off)
{
    uint32_t got = raw_rd(off), want = m_read(off);
    if (got != want)
        die_val("register differs from the model", off, want, got);
    return got;
}

/* A transport access that may fault; returns whether it did. */
static int probe_load(uint32_t off, int size, uint64_t *val)
{
    uint64_t pa = vbase + off, v = 0x5a5a5a5a5a5a5a5aUL;
    unsigned long before = n_faults;
    probe_pa = pa;
    probe_on = 1;
    switch (size) {
    case 1: __asm__ volatile("lbu %0, 0(%1)" : "+r"(v) : "r"(pa) : "memory"); break;
    case 2: __asm__ volatile("lhu %0, 0(%1)" : "+r"(v) : "r"(pa) : "memory"); break;
    case 4: __asm__ volatile("lwu %0, 0(%1)" : "+r"(v) : "r"(pa) : "memory"); break;
    default: __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(pa) : "memory"); break;
    }
    probe_on = 0;
    *val = v;
    return n_faults != before;
}

static int probe_store(uint32_t off, int size, uint64_t v)
{
    uint64_t pa = vbase + off;
    unsigned long before = n_faults;
    probe_pa = pa;
    probe_on = 1;
    switch (size) {
    case 1: __asm__ volatile("sb %0, 0(%1)" :: "r"(v), "r"(pa) : "memory"); break;
    case 2: __asm__ volatile("sh %0, 0(%1)" :: "r"(v), "r"(pa) : "memory"); break;
    case 4: __asm__ volatile("sw %0, 0(%1)" :: "r"(v), "r"(pa) : "memory"); break;
    default: __asm__ volatile("sd %0, 0(%1)" :: "r"(v), "r"(pa) : "memory"); break;
    }
    probe_on = 0;
    return n_faults != before;
}

/* Registers take aligned 32-bit accesses; the configuration space aligned
 * 1, 2, 4 and 8-byte ones. */
static int access_ok(uint32_t off, int size)
{
    if (off % (uint32_t)size)
        return 0;
    return off >= VIO_CONFIG || size == 4;
}

/* ---- the driver's side ---- */
static uint16_t qsz;       /* queue size in use */
static uint16_t aidx;      /* driver's available index */
static unsigned itab_hi;   /* indirect entries written since last cleared */
static uint32_t wcur;      /* writable scratch allocator */

static volatile struct vdesc *dtab(void)
{
    return (volatile struct vdesc *)DESC_PA;
}

static volatile uint16_t *avail16(void)
{
    return (volatile uint16_t *)AVAIL_PA;
}

static void publish(uint16_t head)
{
    avail16()[2 + aidx % qsz] = head;
    aidx++;
    io_fence();
    avail16()[1] = aidx;
    io_fence();
}

static void clear_rings(void)
{
    volatile uint64_t *p = (volatile uint64_t *)AVAIL_PA;
    for (int i = 0; i < 8192 / 8; i++)
        p[i] = 0;    /* available and used rings */
    aidx = 0;
}

/* Set up the device: reset, features, queue 0 (num and areas as given),
 * then DRIVER_OK if live. */
static void dev_setup(uint32_t num, uint64_t desc, uint64_t drv, uint64_t dev, int live)
{
    tw(VIO_STATUS, 0);
    tr(VIO_STATUS);
    tw(VIO_STATUS, ST_ACK);
    tw(VIO_STATUS, ST_ACK | ST_DRIVER);
    tw(VIO_DEV_FEAT_SEL, 0);
    uint64_t offered = tr(VIO_DEV_FEAT);
    tw(VIO_DEV_FEAT_SEL, 1);
    offered |= (uint64_t)tr(VIO_DEV_FEAT) << 32;
    tw(VIO_DEV_FEAT_SEL, 2 + rn(8));
    tr(VIO_DEV_FEAT);                     /* no features there */
    uint64_t want = offered & (F_VERSION_1 | F_INDIRECT | F_FLUSH | F_BLK_SIZE | F_SEG_MAX);
    /* Sometimes first a set the device must refuse (a feature it does
     * not offer, or no VERSION_1), with a selector that selects nothing. */
    int tries = rn(4) == 0 ? 2 : 1;
    for (int t = 0; t < tries; t++) {
        uint64_t f = t + 1 < tries ? (rn(2) ? want | 1 : want & ~F_VERSION_1) : want;
        tw(VIO_DRV_FEAT_SEL, 0);
        tw(VIO_DRV_FEAT, (uint32_t)f);
        tw(VIO_DRV_FEAT_SEL, 1);
        tw(VIO_DRV_FEAT, (uint32_t)(f >> 32));
        tw(VIO_DRV_FEAT_SEL, 2);
        tw(VIO_DRV_FEAT, 0xffffffffU);
        tw(VIO_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
        tr(VIO_STATUS);
    }
    if (!(tr(VIO_STATUS) & ST_FEATURES_OK))
        die("device refused the features");
    if (rn(4) == 0) {
        /* ignored once FEATURES_OK is set: dropping FEATURES_OK and
         * setting it again checks the same features */
        tw(VIO_DRV_FEAT_SEL, 0);
        tw(VIO_DRV_FEAT, 0xffffffffU);
        tw(VIO_DRV_FEAT_SEL, 1);
        tw(VIO_DRV_FEAT, 0);
        tw(VIO_STATUS, ST_ACK | ST_DRIVER);
        tw(VIO_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
        if (!(tr(VIO_STATUS) & ST_FEATURES_OK))
            die("features changed after FEATURES_OK");
    }
    tw(VIO_QUEUE_SEL, 0);
    tr(VIO_QUEUE_READY);
    tr(VIO_QUEUE_NUM_MAX);
    tw(VIO_QUEUE_NUM, num);
    tw(VIO_QDESC_LO, (uint32_t)desc);
    tw(VIO_QDESC_HI, (uint32_t)(desc >> 32));
    tw(VIO_QDRIVER_LO, (uint32_t)drv);
    tw(VIO_QDRIVER_HI, (uint32_t)(drv >> 32));
    tw(VIO_QDEVICE_LO, (uint32_t)dev);
    tw(VIO_QDEVICE_HI, (uint32_t)(dev >> 32));
    tw(VIO_QUEUE_READY, 1);
    tr(VIO_QUEUE_READY);
    tw(VIO_QUEUE_SEL, 1 + rn(3));         /* no such queue: reads 0 */
    tr(VIO_QUEUE_NUM_MAX);
    tr(VIO_QUEUE_READY);
    tw(VIO_QUEUE_READY, rn(2));
    tw(VIO_QUEUE_SEL, 0);
    tr(VIO_QUEUE_READY);
    if (live)
        tw(VIO_STATUS, ST_LIVE);
    tr(VIO_STATUS);
}

static uint16_t pick_qsz(void)
{
    static const uint16_t sizes[] = { 4, 8, 8, 16, 16, 32, 64, 256 };
    uint16_t s;
    do
        s = sizes[rn(8)];
    while (s > k_qmax);
    return s;
}

/* Reset and initialise again with a fresh queue size. */
static void reinit(void)
{
    qsz = pick_qsz();
    clear_rings();
    snap();
    dev_setup(qsz, DESC_PA, AVAIL_PA, USED_PA, 1);
    verify();
    if (tr(VIO_STATUS) != ST_LIVE)
        die("device not live after initialisation");
}

static int standard(void)
{
    return M.status == ST_LIVE && !M.needs_reset && M.q.ready && M.q.num == qsz && M.q.desc == DESC_PA
           && M.q.driver == AVAIL_PA && M.q.device == USED_PA && M.q.last_avail == aidx;
}

/* End of a round: compare memory and registers with the model, then
 * recover: reset on DEVICE_NEEDS_RESET, re-initialise if unusable. */
static void post_round(void)
{
    verify();
    uint32_t st = tr(VIO_STATUS), isr = tr(VIO_INT_STATUS);
    if (isr && rn(2)) {
        tw(VIO_INT_ACK, 1 + rn(2));       /* acknowledge one bit of two */
        tr(VIO_INT_STATUS);
    }
    if (st & ST_NEEDS_RESET) {
        if (!(isr & INT_CONFIG))
            die("DEVICE_NEEDS_RESET without the configuration-change interrupt");
        n_resets++;
        reinit();
    } else if (!standard()) {
        n_reinits++;
        reinit();
    } else if (M.isr) {
        tw(VIO_INT_ACK, M.isr);
        tr(VIO_INT_STATUS);
    }
}

/* ---- descriptor generation ---- */
static int in_area(uint64_t a, uint64_t l, uint64_t base, uint64_t size)
{
    return a >= base && a - base <= size && l <= size - (a - base);
}

static int dev_writable_ok(uint64_t a, uint64_t l)
{
    return in_area(a, l, WSCR_PA, WSCR_SIZE) || in_area(a, l, ram_end - TOP_SIZE, TOP_SIZE);
}

/* Make a descriptor harmless whatever chain it ends up in: the device may
 * write only the writable areas, read headers only from the readable
 * scratch area and indirect tables only from the indirect area. */
static void sanitize(volatile struct vdesc *d)
{
    uint64_t a = d->addr, l = d->len;
    uint16_t f = d->flags;
    int bad;
    if (f & D_INDIRECT) {
        bad = in_ram(a, l) && !in_area(a, l, ITAB_PA, sizeof itab);
    } else if (f & D_WRITE) {
        bad = l && in_ram(a, l) && !dev_writable_ok(a, l);
        uint64_t last = a + (l - 1);
        if (l && last >= a && in_ram(last, 1) && !dev_writable_ok(last, 1))
            bad = 1;
    } else {
        bad = l && in_ram(a, l) && !in_area(a, l, RSCR_PA, RSCR_SIZE);
    }
    if (bad) {
        d->addr = BAD_ADDR;
        n_relocated++;
    }
}

static uint64_t bad_addr(void)
{
    switch (rn(13)) {
    case 0: return 0;
    case 1: return 0x1000;
    case 2: return BAD_ADDR;
    case 3: return ram_end - 4;
    case 4: return ram_end - 1;
    case 5: return ram_end;
    case 6: return ram_base - 8;
    case 7: return VIRTIO_BASE;
    case 8: return UART_BASE;
    case 9: return TEST_BASE;
    case 10: return PLIC_BASE;
    case 11: return 0x7fffffffffffffffUL;
    default: return ram_end - TOP_SIZE;
    }
}

static uint32_t absurd_len(void)
{
    static const uint32_t lens[] = { 0, 0xffffffffU, 1U << 30, (1U << 30) + 1, 0x80000000U, 511, 513 };
    return lens[rn(7)];
}

static void garbage(volatile struct vdesc *d, uint32_t limit)
{
    static const uint32_t lens[] = { 1, 2, 16, 64, 512, 1024, 0, 0xffffffffU, 1U << 30, 48 };
    uint32_t r = rn(10);
    uint64_t a;
    if (r < 4)
        a = WSCR_PA + rn(WSCR_SIZE);
    else if (r < 6)
        a = RSCR_PA + rn(RSCR_SIZE);
    else if (r < 7)
        a = ITAB_PA + 16 * rn(64);
    else
        a = bad_addr();
    static const uint32_t ilens[] = { 0, 16, 24, 48, 64, 1024, 16 * 1024, 16 * 1025 };
    uint32_t len = r < 4 ? rn(600) : r == 6 && rn(2) ? ilens[rn(8)] : lens[rn(10)];
    if (r < 4 && a + len > WSCR_PA + WSCR_SIZE)
        a = WSCR_PA + WSCR_SIZE - len;
    d->addr = a;
    d->len = len;
    /* flags mostly fitting the area (else sanitize() moves it away) */
    if (rn(8) == 0)
        d->flags = (uint16_t)rn(8);
    else if (r < 4)
        d->flags = (uint16_t)(D_WRITE | rn(2));
    else if (r < 6)
        d->flags = (uint16_t)rn(2);
    else if (r < 7)
        d->flags = (uint16_t)(D_INDIRECT | (rn(4) == 0 ? rn(4) : 0));
    else
        d->flags = (uint16_t)rn(4);
    d->next = (uint16_t)(rn(4) ? rn(limit) : rn(65536));
    sanitize(d);
}

static uint64_t fix01(uint64_t v)
{
    uint64_t out = 0;
    for (int i = 7; i >= 0; i--) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        out = out << 8 | (b == 1 ? 2 : b);
    }
    return out;
}

static void set_header(uint32_t type, uint64_t sector)
{
    volatile uint32_t *h32 = (volatile uint32_t *)rscr;
    volatile uint64_t *h64 = (volatile uint64_t *)rscr;
    h32[0] = type;
    h32[1] = rn(4) ? 0 : 0xa5a5a5a5U;
    h64[1] = fix01(sector);
}

static uint64_t walloc(uint32_t len)
{
    if (wcur + len > WSCR_SIZE)
        wcur = rn(64);
    uint64_t a = WSCR_PA + wcur;
    wcur += len + rn(33);
    return a;
}

struct tdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
};

/* What the round's request looks like once placed. */
static struct {
    int tn;                        /* descriptors of the request */
    volatile struct vdesc *cp[8];  /* where each one is */
    uint16_t idx[8];               /* its index in its table */
    uint32_t limit;                /* size of that table */
    int indirect;
    volatile struct vdesc *ind;    /* the INDIRECT head, if any */
    uint16_t head;                 /* what goes in the available ring */
    uint16_t avail_flags;
} rq;

static void distinct(uint16_t *out, int n, uint32_t limit)
{
    for (int i = 0; i < n; i++) {
        uint16_t v;
        int dup;
        do {
            v = (uint16_t)rn(limit);
            dup = 0;
            for (int j = 0; j < i; j++)
                dup |= out[j] == v;
        } while (dup);
        out[i] = v;
    }
}

/* Build a request (well formed if mutate is 0), with every other
 * descriptor of the queue garbage. */
static void build_request(int mutate)
{
    struct tdesc t[8];
    int tn = 0;
    uint32_t r = rn(100), type;
    static const uint32_t odd[] = { 2, 3, 11, 13, 0xa5a5a5a5U, 0xffffff00U, 0x80000000U };
    if (r < 70)
        type = T_IN;
    else if (r < 78)
        type = T_FLUSH;
    else if (r < 86)
        type = T_GET_ID;
    else
        type = odd[rn(7)];
    uint64_t sector;
    r = rn(100);
    if (r < 80)
        sector = rn((uint32_t)capacity);
    else if (r < 85)
        sector = capacity - 1;
    else if (r < 90)
        sector = capacity + rn(5);
    else if (r < 95)
        sector = 0xffffffffffffffffUL;
    else
        sector = 1UL << 55;
    set_header(type, sector);

    /* header: whole, or split in two */
    if (rn(8) == 0) {
        uint32_t k = 1 + rn(15);
        t[tn++] = (struct tdesc){ RSCR_PA, k, 0 };
        t[tn++] = (struct tdesc){ RSCR_PA + k, 16 - k, 0 };
    } else {
        t[tn++] = (struct tdesc){ RSCR_PA, 16, 0 };
    }
    /* readable filler after the header, sometimes */
    if (rn(10) == 0)
        t[tn++] = (struct tdesc){ RSCR_PA + 16 + rn(2048), rn(512), 0 };
    /* data */
    uint32_t total = 0, nseg = 1 + rn(3);
    if (type == T_IN)
        total = rn(8) == 0 ? 1 + rn(2100) : SECTOR * (1 + rn(4));
    else if (type == T_GET_ID)
        total = rn(2) ? ID_BYTES : 1 + rn(40);
    else if (rn(3) == 0)
        total = SECTOR;
    if (total < nseg)
        nseg = 1;
    uint32_t left = total;
    for (uint32_t i = 0; total && i < nseg; i++) {
        uint32_t len = i == nseg - 1 ? left : 1 + rn(left - (nseg - 1 - i));
        t[tn++] = (struct tdesc){ walloc(len), len, D_WRITE };
        left -= len;
    }
    /* status */
    uint32_t slen = rn(8) ? 1 : 2 + rn(3);
    t[tn++] = (struct tdesc){ walloc(slen), slen, D_WRITE };

    rq.tn = tn;
    rq.indirect = qsz < (uint32_t)tn || rn(5) == 0;
    rq.avail_flags = 0;
    rq.ind = 0;

    /* clear the indirect entries of earlier rounds */
    for (unsigned i = 0; i < itab_hi; i++)
        itab[i] = (struct vdesc){ 0, 0, 0, 0 };
    itab_hi = 0;
    for (unsigned i = 0; i < qsz; i++)
        garbage(&dtab()[i], qsz);

    volatile struct vdesc *table;
    if (rq.indirect) {
        uint32_t entries = tn + rn(8), toff = rn(4) == 0 ? rn(16) : 0;
        table = (volatile struct vdesc *)&itab[toff];
        rq.limit = entries;
        distinct(rq.idx, tn, entries);
        for (uint32_t i = 0; i < entries; i++)
            garbage(&table[i], entries);
        itab_hi = toff + entries;
        rq.head = (uint16_t)rn(qsz);
        rq.ind = &dtab()[rq.head];
        *rq.ind = (struct vdesc){ ITAB_PA + 16 * toff, 16 * entries, D_INDIRECT, (uint16_t)rn(qsz) };
    } else {
        table = dtab();
        rq.limit = qsz;
        distinct(rq.idx, tn, qsz);
        rq.head = rq.idx[0];
    }
    for (int i = 0; i < tn; i++) {
        volatile struct vdesc *d = &table[rq.idx[i]];
        d->addr = t[i].addr;
        d->len = t[i].len;
        d->flags = (uint16_t)(t[i].flags | (i < tn - 1 ? D_NEXT : 0));
        d->next = i < tn - 1 ? rq.idx[i + 1] : (uint16_t)rn(rq.limit);
        rq.cp[i] = d;
    }
    if (!mutate)
        return;

    int k = rn(4) == 0 ? 0 : 1 + rn(3);
    for (int j = 0; j < k; j++) {
        int i = rn(tn);
        volatile struct vdesc *d = rq.cp[i];
        n_mutations++;
        switch (rq.ind && rn(4) == 0 ? 8 : rn(14)) {
        case 0: /* loop back */
            d->flags |= D_NEXT;
            d->next = rq.idx[rn(i + 1)];
            break;
        case 1: /* next out of range */
            d->flags |= D_NEXT;
            d->next = (uint16_t)(rq.limit + rn(65536 - rq.limit));
            break;
        case 2: /* address outside RAM or across its end */
            d->addr = bad_addr();
            if (d->addr == ram_end - 4)
                d->len = 64;
            break;
        case 3:
            d->len = absurd_len();
            break;
        case 4: { /* header too short */
            static const uint32_t shorts[] = { 0, 1, 4, 8, 12, 15 };
            rq.cp[0]->len = shorts[rn(6)];
            break;
        }
        case 5: /* status byte read-only */
            rq.cp[tn - 1]->flags &= ~D_WRITE;
            break;
        case 6:
            d->flags = (uint16_t)rn(8);
            break;
        case 7:
            d->flags ^= D_WRITE;
            break;
        case 8: /* indirect trouble */
            if (rq.ind) {
                switch (rn(5)) {
                case 0: {
                    static const uint32_t ilens[] = { 0, 8, 24, 16 * 1025, 16 * 1024, 16 * 2048 };
                    rq.ind->len = ilens[rn(6)];
                    break;
                }
                case 1: rq.ind->addr = bad_addr(); break;
                case 2: rq.ind->addr = ram_end - rq.ind->len / 2; break;
                case 3: rq.ind->flags |= D_NEXT; break;
                default: d->flags |= D_INDIRECT; break;   /* nested */
                }
            } else {
                /* INDIRECT somewhere in a direct chain */
                d->flags |= D_INDIRECT;
                d->addr = ITAB_PA;
                d->len = 16 * (1 + rn(4));
            }
            break;
        case 9: /* head out of range */
            rq.head = (uint16_t)(qsz + rn(65536 - qsz));
            break;
        case 10:
            rq.avail_flags = AVAIL_NO_INTERRUPT;
            break;
        case 11:
            d->len = 0;
            break;
        case 12: /* status byte address wraps around 2^64 (into the scratch) */
            rq.cp[tn - 1]->len = 0xffffffffU;
            rq.cp[tn - 1]->addr = WSCR_PA + rn(WSCR_SIZE) - 0xfffffffeUL;
            break;
        default: /* readable data after writable */
            if (tn > 2)
                rq.cp[tn - 2]->flags &= ~D_WRITE;
            break;
        }
    }
    for (int i = 0; i < tn; i++)
        sanitize(rq.cp[i]);
    if (rq.ind)
        sanitize(rq.ind);
}

/* Publish the built request with its available-ring flags. */
static void publish_request(void)
{
    avail16()[0] = rq.avail_flags;
    publish(rq.head);
}

static void notify(uint32_t q)
{
    tw(VIO_QUEUE_NOTIFY, q);
}

/* ---- round kinds ---- */
/* Queue set-up writes while the queue is ready: all ignored. */
static void ready_writes(void)
{
    static const uint32_t regs[] = { VIO_QUEUE_NUM, VIO_QDESC_LO, VIO_QDESC_HI, VIO_QDRIVER_LO,
                                     VIO_QDRIVER_HI, VIO_QDEVICE_LO, VIO_QDEVICE_HI };
    uint32_t r = regs[rn(7)];
    tw(r, r == VIO_QUEUE_NUM ? 3 : r & 4 ? 0xffffffffU : 0x1000);
}

static void round_request(void)
{
    build_request(1);
    publish_request();
    snap();
    if (rn(8) == 0)
        ready_writes();
    notify(0);
    if (rn(10) == 0)
        notify(0);   /* nothing new: must do nothing */
}

static void round_wrong_queue(void)
{
    static const uint32_t bad_q[] = { 1, 2, 15, 16, 255, 0x10000, 0xffffffffU };
    build_request(rn(2));
    publish_request();
    snap();
    notify(bad_q[rn(7)]);
    notify(0);
}

static void round_avail_jump(void)
{
    build_request(rn(2));
    publish_request();
    uint32_t r = rn(10);
    /* size + 1 and 65535 (one behind) are malformed; exactly size is not */
    uint32_t jump = r < 3 ? qsz + 1U : r < 4 ? 65535U : r < 5 ? (uint32_t)qsz : qsz + 1 + rn(65535 - qsz);
    avail16()[1] = (uint16_t)(aidx - 1 + jump);
    snap();
    notify(0);
}

static void round_multi(void)
{
    build_request(rn(2));
    publish_request();
    uint32_t extra = 1 + rn(qsz - 1);
    for (uint32_t i = 0; i < extra; i++)
        publish(rn(8) ? (uint16_t)rn(qsz) : (uint16_t)rn(65536));
    snap();
    notify(0);
}

static uint32_t reg_value(uint32_t off)
{
    switch (off) {
    case VIO_QUEUE_NUM: {
        static const uint32_t nums[] = { 0, 1, 3, 4, 8, 100, 256, 257, 512, 0xffffffffU };
        return rn(3) == 0 ? qsz : nums[rn(10)];
    }
    case VIO_QUEUE_SEL:
    case VIO_QUEUE_NOTIFY:
        return rn(2) ? 0 : rn(3) ? 1 + rn(20) : (uint32_t)rnd();
    case VIO_STATUS: {
        static const uint32_t sts[] = { 0, ST_LIVE, ST_ACK | ST_DRIVER, ST_LIVE | ST_FAILED,
                                        ST_NEEDS_RESET, ST_LIVE & ~ST_DRIVER_OK, 0x1ff };
        return rn(3) == 0 ? (uint32_t)rnd() : sts[rn(7)];
    }
    case VIO_QDESC_LO: case VIO_QDRIVER_LO: case VIO_QDEVICE_LO: {
        uint64_t real = off == VIO_QDESC_LO ? DESC_PA : off == VIO_QDRIVER_LO ? AVAIL_PA : USED_PA;
        uint32_t los[] = { (uint32_t)real, (uint32_t)real, 0, 0x1000, 0xfffff000U, (uint32_t)(ram_end - 8) };
        return los[rn(6)];
    }
    case VIO_QDESC_HI: case VIO_QDRIVER_HI: case VIO_QDEVICE_HI: {
        static const uint32_t his[] = { 0, 0, 1, 0xffffffffU };
        return his[rn(4)];
    }
    default:
        return rn(2) ? (uint32_t)rnd() : rn(16);
    }
}

static void round_registers(void)
{
    static const uint16_t regs[] = {
        VIO_DEV_FEAT, VIO_DEV_FEAT_SEL, VIO_DRV_FEAT, VIO_DRV_FEAT_SEL, VIO_QUEUE_SEL,
        VIO_QUEUE_NUM_MAX, VIO_QUEUE_NUM, VIO_QUEUE_READY, VIO_QUEUE_NOTIFY, VIO_INT_STATUS,
        VIO_INT_ACK, VIO_STATUS, VIO_STATUS, VIO_QDESC_LO, VIO_QDESC_HI, VIO_QDRIVER_LO,
        VIO_QDRIVER_HI, VIO_QDEVICE_LO, VIO_QDEVICE_HI, VIO_CONFIG_GEN,
    };
    snap();
    int n = 4 + rn(13);
    for (int i = 0; i < n; i++) {
        /* the registers that exist, anywhere below the configuration, the
         * start of the configuration (the structure), anywhere in it */
        uint32_t r = rn(8), off;
        if (r < 3)
            off = regs[rn(sizeof regs / sizeof regs[0])];
        else if (r < 5)
            off = rn(VIO_CONFIG);
        else if (r < 7)
            off = VIO_CONFIG + rn(64);
        else
            off = VIO_CONFIG + rn(CFG_BYTES);
        int size = r < 3 && rn(3) ? 4 : 1 << rn(4);
        if (rn(4))
            off &= ~(uint32_t)(size - 1);
        else if (rn(2))
            off = (off & ~3U) | 4;    /* aligned to 4, maybe not to 8 */
        int ok = access_ok(off, size), faulted;
        n_reg_accesses++;
        n_faults_expected += !ok;
        if (rn(5) < 2) {
            uint64_t v;
            faulted = probe_load(off, size, &v);
            if (faulted == ok || (faulted && last_fault_cause != 5))
                die_val("load access fault expectation (size in the value)", off, !ok, (uint64_t)size << 8 | faulted);
            if (ok) {
                uint64_t want = off < VIO_CONFIG ? m_read(off) : cfg_read(off - VIO_CONFIG, size);
                if (v != want)
                    die_val("register read differs from the model", off, want, v);
            }
        } else {
            uint64_t v = rnd();
            if (ok && off < VIO_CONFIG) {
                v = reg_value(off);
                m_write(off, (uint32_t)v);
            }
            faulted = probe_store(off, size, v);
            if (faulted == ok || (faulted && last_fault_cause != 7))
                die_val("store access fault expectation (size in the value)", off, !ok, (uint64_t)size << 8 | faulted);
        }
    }
}

static void round_bad_layout(void)
{
    uint32_t num = qsz;
    uint64_t desc = DESC_PA, drv = AVAIL_PA, dev = USED_PA;
    switch (rn(9)) {
    case 0: {
        static const uint32_t nums[] = { 0, 3, 5, 6, 12, 257, 384, 512, 0x80000000U, 0xffffffffU };
        num = nums[rn(10)];
        break;
    }
    case 1: desc = 0; break;
    case 2: desc = ram_end - 8UL * qsz; break;
    case 3: desc = BAD_ADDR; break;
    case 4: drv = ram_end - 4; break;
    case 5: drv = 0x1000; break;
    case 6: dev = ram_end - 8; break;
    case 7: dev = USED_PA + (1UL << 32); break;
    default: break;   /* a good layout after all */
    }
    clear_rings();
    build_request(rn(2));
    publish_request();
    snap();
    dev_setup(num, desc, drv, dev, 1);
    notify(0);
}

static void round_late_driver_ok(void)
{
    clear_rings();
    build_request(rn(2));
    publish_request();
    snap();
    dev_setup(qsz, DESC_PA, AVAIL_PA, USED_PA, 0);
    notify(0);                  /* not live yet: nothing */
    tw(VIO_STATUS, ST_LIVE);    /* going live processes it */
}

static void round_queue_off(void)
{
    static const uint32_t nums[] = { 4, 8, 16, 256, 3, 0 };
    build_request(rn(2));
    publish_request();
    snap();
    ready_writes();
    tw(VIO_QUEUE_READY, 0);
    notify(0);
    if (rn(2)) {
        uint32_t num = nums[rn(6)];
        tw(VIO_QUEUE_NUM, num > k_qmax ? qsz : num);
    }
    tw(VIO_QUEUE_READY, 1);     /* starts again at ring position 0 */
    notify(0);
}

static void round_failed(void)
{
    build_request(rn(2));
    publish_request();
    snap();
    tw(VIO_STATUS, ST_LIVE | ST_FAILED);
    notify(0);
}

static void round_reset_first(void)
{
    build_request(rn(2));
    publish_request();
    snap();
    tw(VIO_STATUS, 0);
    notify(0);
    tw(VIO_QUEUE_READY, 1);
    notify(0);
}

/* One well-formed read of `sector` (data in one or two buffers), checked
 * against the disk's pattern independently of the model. */
static void good_read(uint64_t sector)
{
    cur_kind = -1;
    uint32_t split = rn(2) ? 0 : 1 + rn(SECTOR - 1);
    uint64_t data = WSCR_PA + 256, stat = WSCR_PA + 128;
    volatile uint8_t *buf = (volatile uint8_t *)data;
    uint16_t idx[4];
    int n = split ? 4 : 3;
    if (qsz < n) {
        n = 3;
        split = 0;
    }
    distinct(idx, n, qsz);
    volatile struct vdesc *t = dtab();
    volatile uint32_t *h32 = (volatile uint32_t *)rscr;
    volatile uint64_t *h64 = (volatile uint64_t *)rscr;
    h32[0] = T_IN;
    h32[1] = 0;
    h64[1] = sector;
    t[idx[0]] = (struct vdesc){ RSCR_PA, 16, D_NEXT, idx[1] };
    if (split) {
        t[idx[1]] = (struct vdesc){ data, split, D_WRITE | D_NEXT, idx[2] };
        t[idx[2]] = (struct vdesc){ data + split, SECTOR - split, D_WRITE | D_NEXT, idx[3] };
    } else {
        t[idx[1]] = (struct vdesc){ data, SECTOR, D_WRITE | D_NEXT, idx[2] };
    }
    t[idx[n - 1]] = (struct vdesc){ stat, 1, D_WRITE, 0 };
    for (int i = 0; i < SECTOR; i++)
        buf[i] = 0xee;
    *(volatile uint8_t *)stat = 0xee;
    avail16()[0] = 0;
    publish(idx[0]);
    uint16_t used_before = ((volatile uint16_t *)USED_PA)[1];
    snap();
    notify(0);
    verify();
    volatile uint16_t *u16 = (volatile uint16_t *)USED_PA;
    volatile uint32_t *u32 = (volatile uint32_t *)USED_PA;
    if (u16[1] != (uint16_t)(used_before + 1))
        die("well-formed read not completed");
    if (u32[1 + 2 * (used_before % qsz)] != idx[0] || u32[2 + 2 * (used_before % qsz)] != SECTOR + 1)
        die("well-formed read: wrong used-ring entry");
    if (*(volatile uint8_t *)stat != S_OK)
        die("well-formed read: status not OK");
    for (int i = 0; i < SECTOR; i++)
        if (buf[i] != disk_byte(sector * SECTOR + i))
            die_val("well-formed read: data differs from the disk pattern", sector * SECTOR + i,
                    disk_byte(sector * SECTOR + i), buf[i]);
    n_data_checks++;
    /* the header area must never hold a 0x01 byte */
    set_header(T_IN, 0);
    post_round();
}

/* ---- device tree: RAM size ---- */
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static uint64_t dtb_size;

static int find_memory(uint64_t dtb)
{
    const uint8_t *h = (const uint8_t *)dtb;
    if (!dtb || be32(h) != 0xd00dfeed)
        return 0;
    dtb_size = be32(h + 4);
    const uint8_t *p = h + be32(h + 8), *end = h + dtb_size;
    const char *strings = (const char *)h + be32(h + 12);
    int depth = 0, in_mem = 0;
    while (p + 4 <= end) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == 1) {           /* FDT_BEGIN_NODE */
            const char *name = (const char *)p;
            size_t n = 0;
            while (name[n])
                n++;
            depth++;
            if (depth == 2)
                in_mem = n >= 6 && name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'o'
                         && name[4] == 'r' && name[5] == 'y' && (name[6] == 0 || name[6] == '@');
            p += (n + 4) & ~3UL;
        } else if (tok == 2) {    /* FDT_END_NODE */
            if (depth == 2)
                in_mem = 0;
            depth--;
        } else if (tok == 3) {    /* FDT_PROP */
            uint32_t len = be32(p), nameoff = be32(p + 4);
            p += 8;
            if (in_mem && len >= 16 && streq(strings + nameoff, "reg")) {
                ram_base = be64(p);
                ram_size = be64(p + 8);
                return 1;
            }
            p += (len + 3) & ~3U;
        } else if (tok != 4) {    /* not FDT_NOP: FDT_END or junk */
            break;
        }
    }
    return 0;
}

extern char _end[];

int main(uint64_t hartid, uint64_t dtb)
{
    (void)hartid;
    if (!find_memory(dtb))
        die("no /memory node in the device tree");
    ram_end = ram_base + ram_size;
    if (ram_base != RAM_BASE || ram_size > (1UL << 30))
        die("vfuzz needs RAM at 0x80000000 and at most 1 GiB of it");
    if (dtb < (uint64_t)(uintptr_t)_end || dtb + dtb_size > ram_end - TOP_SIZE)
        die("device tree in the way");

    uint32_t magic = raw_rd(VIO_MAGIC), version = raw_rd(VIO_VERSION), id = raw_rd(VIO_DEVICE_ID);
    if (magic != 0x74726976 || version != 2)
        die("transport 0 is not a virtio-mmio Version 2 transport");
    if (id != 2) {
        puts_("vfuzz: no block device on transport 0\n");
        return 0;
    }
    /* Learn the device's constants (the model predicts everything else). */
    k_vendor = raw_rd(VIO_VENDOR_ID);
    k_cfg_gen = raw_rd(VIO_CONFIG_GEN);
    tw(VIO_STATUS, 0);
    tw(VIO_DEV_FEAT_SEL, 0);
    k_offered = raw_rd(VIO_DEV_FEAT);
    tw(VIO_DEV_FEAT_SEL, 1);
    k_offered |= (uint64_t)raw_rd(VIO_DEV_FEAT) << 32;
    tw(VIO_QUEUE_SEL, 0);
    k_qmax = raw_rd(VIO_QUEUE_NUM_MAX);
    for (uint32_t off = 0; off < CFG_BYTES; off += 4) {
        uint32_t v = raw_rd(VIO_CONFIG + off);
        for (int i = 0; i < 4; i++)
            cfg[off + i] = (uint8_t)(v >> (8 * i));
    }
    capacity = cfg_read(0, 8);
    if (!(k_offered & F_VERSION_1) || k_qmax < 4)
        die("device offers no VERSION_1 or a queue smaller than 4");
    if (capacity < 8 || capacity > 0xffffffffUL)
        die("disk must have 8 to 2^32 - 1 sectors");
    if (k_qmax > QMAX)
        die("QueueNumMax above 256: the rings here are laid out for 256");
    puts_("vfuzz: virtio-blk on transport 0, capacity ");
    put_dec(capacity);
    puts_(" sectors, RAM ");
    put_hex(ram_base);
    putch('-');
    put_hex(ram_end);
    puts_(", QueueNumMax ");
    put_dec(k_qmax);
    puts_(", seed ");
    put_hex(rng_state);
    putch('\n');

    regions[0] = (struct region){ WSCR_PA, WSCR_SIZE, shadow_w };
    regions[1] = (struct region){ USED_PA, USED_SHADOW, shadow_u };
    regions[2] = (struct region){ ram_end - TOP_SIZE, TOP_SIZE, shadow_t };
    for (int i = 16; i < RSCR_SIZE; i++)
        rscr[i] = 0xa5;
    set_header(T_IN, 0);

    reinit();
    for (cur_round = 0; cur_round < ROUNDS; cur_round++) {
        uint32_t r = rn(100);
        int kind = r < 50 ? K_REQUEST : r < 58 ? K_WRONG_QUEUE : r < 64 ? K_AVAIL_JUMP : r < 70 ? K_MULTI
                 : r < 82 ? K_REGS : r < 87 ? K_BAD_LAYOUT : r < 91 ? K_LATE_OK : r < 95 ? K_QUEUE_OFF
                 : r < 97 ? K_FAILED : K_RESET_FIRST;
        cur_kind = kind;
        kind_count[kind]++;
        switch (kind) {
        case K_REQUEST: round_request(); break;
        case K_WRONG_QUEUE: round_wrong_queue(); break;
        case K_AVAIL_JUMP: round_avail_jump(); break;
        case K_MULTI: round_multi(); break;
        case K_REGS: round_registers(); break;
        case K_BAD_LAYOUT: round_bad_layout(); break;
        case K_LATE_OK: round_late_driver_ok(); break;
        case K_QUEUE_OFF: round_queue_off(); break;
        case K_FAILED: round_failed(); break;
        default: round_reset_first(); break;
        }
        post_round();
        if (cur_round % CHECK_EVERY == CHECK_EVERY - 1) {
            good_read(0);
            good_read(1 + rn((uint32_t)capacity - 1));
        }
    }
    cur_kind = -1;
    good_read(0);

    puts_("vfuzz: rounds by kind:");
    for (int k = 0; k < K_KINDS; k++) {
        puts_(k ? ", " : " ");
        puts_(kind_name[k]);
        putch(' ');
        put_dec(kind_count[k]);
    }
    puts_("\nvfuzz: ");
    put_dec(n_completed);
    puts_(" requests completed (");
    put_dec(n_ok);
    puts_(" ok, ");
    put_dec(n_ioerr);
    puts_(" ioerr, ");
    put_dec(n_unsupp);
    puts_(" unsupp), ");
    put_dec(n_structural);
    puts_(" structural faults, ");
    put_dec(n_reinits);
    puts_(" re-inits, ");
    put_dec(n_mutations);
    puts_(" mutations, ");
    put_dec(n_relocated);
    puts_(" descriptors made harmless\nvfuzz: ");
    put_dec(n_reg_accesses);
    puts_(" random register accesses, ");
    put_dec(n_faults);
    puts_(" access faults (");
    put_dec(n_faults_expected);
    puts_(" expected), ");
    put_dec(n_data_checks);
    puts_(" well-formed reads checked\n");
    if (n_faults != n_faults_expected)
        die("access fault count differs from the expectation");

    puts_("vfuzz: ");
    put_dec(ROUNDS);
    puts_(" rounds, ");
    put_dec(n_resets);
    puts_(" resets, ");
    put_dec(n_ioerr);
    puts_(" ioerr, ");
    put_dec(n_faults);
    puts_(" access faults, data ok\n");
    return 0;
}
