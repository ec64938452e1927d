/*
 * blk.c - virtio-blk over virtio-mmio (virtio 1.x, modern interface:
 * Version 2) with one split virtqueue, completions by PLIC interrupt.
 *
 * Transport 0 (disk 0, read-write): check magic/version/device ID,
 * negotiate VERSION_1 (+ FLUSH, BLK_SIZE when offered), set up queue 0,
 * read the capacity from the configuration space (generation-checked),
 * read sector 0 and sectors 0-3 (data in two buffers), write a pattern to
 * sector 1, flush, read it back and compare, check sector 2 is untouched,
 * and read past the end (IOERR).  Transport 1 (disk 1, if present; the
 * test gives it read-only): capacity, RO, read sector 0, a write that must
 * fail.  The other transports must be empty (device ID 0).
 *
 * Each request: descriptors header (device-readable) -> data ->
 * status (device-writable); the head goes in the available ring, the
 * device is notified, and the driver sleeps (wfi with mstatus.MIE = 0)
 * until the used ring has advanced AND the interrupt (PLIC source 1 + i,
 * context 0 = M-mode) has been handled: claim, InterruptStatus ->
 * InterruptACK, complete.  Waiting for both makes the text independent of
 * when the device finishes.
 *
 * Pattern of sector 1: byte j = (j * 7 + 3) & 0xff.
 */
#include "virtio.h"

#define CTX_M 0
#define TIMEOUT 50000000UL   /* mtime ticks (5 s at 10 MHz) */

struct vblk {
    uintptr_t base;
    int irq;
    uint64_t features;       /* negotiated */
    struct vq *q;
    uint16_t last_used;
    volatile unsigned irq_seen;
    unsigned requests, requests_by_irq;
    struct blk_req_hdr hdr __attribute__((aligned(16)));
    volatile uint8_t status;
};

static struct vq queues[2];
static struct vblk disks[2];
static uint8_t buf0[SECTOR] __attribute__((aligned(16)));
static uint8_t buf4[4 * SECTOR] __attribute__((aligned(16)));
static uint8_t pattern[SECTOR] __attribute__((aligned(16)));
static uint8_t back[SECTOR] __attribute__((aligned(16)));
static volatile unsigned irq_other;

static uint32_t rd(struct vblk *d, uint32_t reg) { return mmio_read32(d->base + reg); }
static void wr(struct vblk *d, uint32_t reg, uint32_t v) { mmio_write32(d->base + reg, v); }

/* External interrupt in M-mode: claim, acknowledge the transport,
 * complete. */
void m_trap(struct trap_frame *f)
{
    (void)f;
    uint64_t cause = csr_read(mcause);
    if (cause != (CAUSE_INTERRUPT | IRQ_M_EXT))
        unexpected_trap("M-mode", cause, csr_read(mepc), csr_read(mtval));
    uint32_t src;
    while ((src = plic_claim(CTX_M)) != 0) {
        struct vblk *d = 0;
        for (int i = 0; i < 2; i++)
            if (disks[i].base && (uint32_t)disks[i].irq == src)
                d = &disks[i];
        if (d) {
            uint32_t st = rd(d, VIO_INT_STATUS);
            wr(d, VIO_INT_ACK, st);
            if (st & 1)
                d->irq_seen = 1;
        } else {
            irq_other++;
        }
        plic_complete(CTX_M, src);
    }
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811c9dc5U;
    while (n--) {
        h ^= *p++;
        h *= 16777619U;
    }
    return h;
}

static void put_text(const uint8_t *p, size_t max)
{
    size_t n = 0;
    while (n < max && p[n] && p[n] != '\n')
        n++;
    put_quoted(p, n);
}

/* Submit one request (data in up to two buffers) and wait for it. */
static uint8_t request(struct vblk *d, uint32_t type, uint64_t sector,
                       uint8_t *data, uint32_t len, uint32_t split, uint32_t *used_len)
{
    struct vq *q = d->q;
    volatile struct virtq_avail *avail = &q->avail;
    volatile struct virtq_used *used = &q->used;
    uint16_t data_flags = type == T_IN ? DESC_F_WRITE : 0;
    int n = 0;

    d->hdr.type = type;
    d->hdr.reserved = 0;
    d->hdr.sector = sector;
    d->status = 0xff;
    q->desc[n] = (struct virtq_desc){ (uintptr_t)&d->hdr, sizeof d->hdr, DESC_F_NEXT, (uint16_t)(n + 1) };
    n++;
    if (len && split && split < len) {
        q->desc[n] = (struct virtq_desc){ (uintptr_t)data, split, DESC_F_NEXT | data_flags, (uint16_t)(n + 1) };
        n++;
        q->desc[n] = (struct virtq_desc){ (uintptr_t)data + split, len - split, DESC_F_NEXT | data_flags,
                                          (uint16_t)(n + 1) };
        n++;
    } else if (len) {
        q->desc[n] = (struct virtq_desc){ (uintptr_t)data, len, DESC_F_NEXT | data_flags, (uint16_t)(n + 1) };
        n++;
    }
    q->desc[n] = (struct virtq_desc){ (uintptr_t)&d->status, 1, DESC_F_WRITE, 0 };

    uint16_t idx = avail->idx;
    avail->ring[idx % QSZ] = 0;         /* head of the chain */
    io_fence();
    avail->idx = idx + 1;
    io_fence();
    d->irq_seen = 0;
    wr(d, VIO_QUEUE_NOTIFY, 0);

    uint64_t start = mtime();
    while (used->idx == d->last_used || !d->irq_seen) {
        wfi();
        csr_set(mstatus, MSTATUS_MIE);
        csr_clear(mstatus, MSTATUS_MIE);
        if (mtime() - start > TIMEOUT)
            fail(used->idx == d->last_used ? "request not completed" : "completion without interrupt");
    }
    io_fence();
    volatile struct virtq_used_elem *e = &used->ring[d->last_used % QSZ];
    if (e->id != 0)
        fail("used ring names another descriptor");
    *used_len = e->len;
    d->last_used++;
    d->requests++;
    d->requests_by_irq += d->irq_seen;
    return d->status;
}

static void report(const char *what, uint8_t status, uint32_t used_len)
{
    puts_("  ");
    puts_(what);
    puts_(": status ");
    put_dec(status);
    puts_(", used len ");
    put_dec(used_len);
    putch('\n');
}

static uint64_t read_capacity(struct vblk *d)
{
    uint32_t gen, lo, hi;
    do {
        gen = rd(d, VIO_CONFIG_GEN);
        lo = rd(d, VIO_CONFIG + 0);
        hi = rd(d, VIO_CONFIG + 4);
    } while (gen != rd(d, VIO_CONFIG_GEN));
    return (uint64_t)hi << 32 | lo;
}

/* Identify transport i; returns its device ID (after printing it). */
static uint32_t probe(int i, struct vblk *d)
{
    d->base = VIRTIO_BASE + VIRTIO_STRIDE * i;
    d->irq = VIRTIO_IRQ(i);
    uint32_t magic = rd(d, VIO_MAGIC), version = rd(d, VIO_VERSION);
    uint32_t id = rd(d, VIO_DEVICE_ID), vendor = rd(d, VIO_VENDOR_ID);
    puts_("blk: transport ");
    put_dec(i);
    puts_(" at ");
    put_hex(d->base);
    puts_("\n  magic ");
    put_hex(magic);
    puts_(magic == 0x74726976 ? " (\"virt\")" : " (bad)");
    puts_(", version ");
    put_dec(version);
    puts_(", device id ");
    put_dec(id);
    puts_(id == 2 ? " (block)" : id == 0 ? " (none)" : "");
    puts_(", vendor ");
    put_hex(vendor);
    putch('\n');
    if (magic != 0x74726976)
        fail("bad magic");
    if (version != 2)
        fail("not a virtio 1.x (Version 2) transport: QEMU needs -global virtio-mmio.force-legacy=false");
    return id;
}

/* Initialise the device (virtio 1.x, 3.1.1) with queue 0 ready. */
static void init(struct vblk *d, struct vq *q)
{
    d->q = q;
    d->last_used = 0;
    wr(d, VIO_STATUS, 0);
    if (rd(d, VIO_STATUS) != 0)
        fail("reset did not clear Status");
    wr(d, VIO_STATUS, ST_ACKNOWLEDGE);
    wr(d, VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);

    wr(d, VIO_DEV_FEAT_SEL, 0);
    uint64_t offered = rd(d, VIO_DEV_FEAT);
    wr(d, VIO_DEV_FEAT_SEL, 1);
    offered |= (uint64_t)rd(d, VIO_DEV_FEAT) << 32;
    puts_("  offered: VERSION_1 ");
    puts_(yes_no((offered & F_VERSION_1) != 0));
    puts_(", FLUSH ");
    puts_(yes_no((offered & F_BLK_FLUSH) != 0));
    puts_(", BLK_SIZE ");
    puts_(yes_no((offered & F_BLK_SIZE) != 0));
    puts_(", RO ");
    puts_(yes_no((offered & F_BLK_RO) != 0));
    putch('\n');
    if (!(offered & F_VERSION_1))
        fail("VERSION_1 not offered");
    d->features = offered & (F_VERSION_1 | F_BLK_FLUSH | F_BLK_SIZE | F_BLK_RO);
    wr(d, VIO_DRV_FEAT_SEL, 0);
    wr(d, VIO_DRV_FEAT, (uint32_t)d->features);
    wr(d, VIO_DRV_FEAT_SEL, 1);
    wr(d, VIO_DRV_FEAT, (uint32_t)(d->features >> 32));
    wr(d, VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    int ok = (rd(d, VIO_STATUS) & ST_FEATURES_OK) != 0;
    puts_("  accepted VERSION_1");
    if (d->features & F_BLK_FLUSH)
        puts_(" | FLUSH");
    if (d->features & F_BLK_SIZE)
        puts_(" | BLK_SIZE");
    if (d->features & F_BLK_RO)
        puts_(" | RO");
    puts_(", FEATURES_OK kept: ");
    puts_(yes_no(ok));
    putch('\n');
    if (!ok)
        fail("device refused the features");

    wr(d, VIO_QUEUE_SEL, 0);
    uint32_t ready = rd(d, VIO_QUEUE_READY), max = rd(d, VIO_QUEUE_NUM_MAX);
    puts_("  queue 0: ready before set-up ");
    put_dec(ready);
    puts_(", QueueNumMax >= ");
    put_dec(QSZ);
    puts_(": ");
    puts_(yes_no(max >= QSZ));
    puts_(", using ");
    put_dec(QSZ);
    puts_(" entries\n");
    if (ready || max < QSZ)
        fail("queue 0 unusable");
    memset(q, 0, sizeof *q);
    wr(d, VIO_QUEUE_NUM, QSZ);
    wr(d, VIO_QDESC_LO, (uint32_t)(uintptr_t)q->desc);
    wr(d, VIO_QDESC_HI, (uint32_t)((uintptr_t)q->desc >> 32));
    wr(d, VIO_QDRIVER_LO, (uint32_t)(uintptr_t)&q->avail);
    wr(d, VIO_QDRIVER_HI, (uint32_t)((uintptr_t)&q->avail >> 32));
    wr(d, VIO_QDEVICE_LO, (uint32_t)(uintptr_t)&q->used);
    wr(d, VIO_QDEVICE_HI, (uint32_t)((uintptr_t)&q->used >> 32));
    wr(d, VIO_QUEUE_READY, 1);
    wr(d, VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    puts_("  queue ready: ");
    put_dec(rd(d, VIO_QUEUE_READY));
    puts_(", status: ");
    put_hex(rd(d, VIO_STATUS));
    putch('\n');

    plic_enable(CTX_M, d->irq, 1);
}

static void put_capacity(struct vblk *d, uint64_t cap)
{
    puts_("  capacity: ");
    put_dec(cap);
    puts_(" sectors (");
    put_dec(cap * SECTOR);
    puts_(" bytes)");
    if (d->features & F_BLK_SIZE) {
        puts_(", blk_size ");
        put_dec(rd(d, VIO_CONFIG + 20));
    }
    putch('\n');
}

static void disk0(void)
{
    struct vblk *d = &disks[0];
    uint32_t len;
    uint8_t st;

    init(d, &queues[0]);
    uint64_t cap = read_capacity(d);
    put_capacity(d, cap);
    if (cap < 4)
        fail("disk 0 needs at least 4 sectors");

    st = request(d, T_IN, 0, buf0, SECTOR, 0, &len);
    report("read sector 0", st, len);
    puts_("  sector 0 bytes 0-15: ");
    put_bytes_hex(buf0, 16);
    puts_("\n  sector 0 text: ");
    put_text(buf0, 64);
    puts_("\n  sector 0 fnv-1a: ");
    put_hex(fnv1a(buf0, SECTOR));
    putch('\n');

    st = request(d, T_IN, 0, buf4, 4 * SECTOR, 3 * SECTOR / 2, &len);
    report("read sectors 0-3 into two buffers", st, len);
    puts_("  sector 0 the same: ");
    puts_(yes_no(memcmp(buf4, buf0, SECTOR) == 0));
    puts_(", sectors 0-3 fnv-1a: ");
    put_hex(fnv1a(buf4, 4 * SECTOR));
    puts_("\n  sector 1 before: fnv-1a ");
    put_hex(fnv1a(buf4 + SECTOR, SECTOR));
    putch('\n');
    uint32_t sector2 = fnv1a(buf4 + 2 * SECTOR, SECTOR);

    for (int j = 0; j < SECTOR; j++)
        pattern[j] = (uint8_t)(j * 7 + 3);
    st = request(d, T_OUT, 1, pattern, SECTOR, 0, &len);
    report("write the pattern to sector 1", st, len);
    if (d->features & F_BLK_FLUSH) {
        st = request(d, T_FLUSH, 0, 0, 0, 0, &len);
        report("flush", st, len);
    }
    memset(back, 0, SECTOR);
    st = request(d, T_IN, 1, back, SECTOR, 0, &len);
    report("read sector 1 back", st, len);
    puts_("  sector 1 holds the pattern: ");
    puts_(yes_no(memcmp(back, pattern, SECTOR) == 0));
    putch('\n');
    st = request(d, T_IN, 2, back, SECTOR, 0, &len);
    puts_("  sector 2 unchanged: ");
    puts_(yes_no(st == 0 && fnv1a(back, SECTOR) == sector2));
    putch('\n');

    st = request(d, T_IN, cap, back, SECTOR, 0, &len);
    puts_("  read at sector ");
    put_dec(cap);
    puts_(" (the capacity): status ");
    put_dec(st);
    puts_(st == 1 ? " (IOERR)\n" : "\n");

    puts_("  requests: ");
    put_dec(d->requests);
    puts_(", each completed with its interrupt: ");
    puts_(yes_no(d->requests_by_irq == d->requests));
    puts_(", InterruptStatus now: ");
    put_hex(rd(d, VIO_INT_STATUS));
    putch('\n');
}

static void disk1(void)
{
    struct vblk *d = &disks[1];
    uint32_t len;
    uint8_t st;

    init(d, &queues[1]);
    uint64_t cap = read_capacity(d);
    put_capacity(d, cap);
    st = request(d, T_IN, 0, buf0, SECTOR, 0, &len);
    report("read sector 0", st, len);
    puts_("  sector 0 text: ");
    put_text(buf0, 64);
    putch('\n');
    if (d->features & F_BLK_RO) {
        for (int j = 0; j < SECTOR; j++)
            pattern[j] = 0xee;
        st = request(d, T_OUT, 0, pattern, SECTOR, 0, &len);
        puts_("  write to the read-only disk: status ");
        put_dec(st);
        puts_(st == 1 ? " (IOERR)\n" : "\n");
        st = request(d, T_IN, 0, back, SECTOR, 0, &len);
        puts_("  sector 0 unchanged: ");
        puts_(yes_no(st == 0 && memcmp(back, buf0, SECTOR) == 0));
        putch('\n');
    }
    puts_("  requests: ");
    put_dec(d->requests);
    puts_(", each completed with its interrupt: ");
    puts_(yes_no(d->requests_by_irq == d->requests));
    putch('\n');
}

int main(void)
{
    mmio_write32(PLIC_THRESHOLD(CTX_M), 0);
    csr_set(mie, 1UL << IRQ_M_EXT);

    if (probe(0, &disks[0]) != 2) {
        puts_("blk: no block device on transport 0\n");
        return 0;
    }
    disk0();
    if (probe(1, &disks[1]) == 2)
        disk1();
    else
        disks[1].base = 0;

    unsigned empty = 0;
    for (int i = 2; i < 8; i++) {
        uintptr_t b = VIRTIO_BASE + VIRTIO_STRIDE * i;
        if (mmio_read32(b + VIO_MAGIC) == 0x74726976 && mmio_read32(b + VIO_VERSION) == 2
            && mmio_read32(b + VIO_DEVICE_ID) == 0)
            empty++;
    }
    puts_("blk: transports 2-7 present and empty (device id 0): ");
    put_dec(empty);
    puts_(" of 6\n  interrupts from other sources: ");
    put_dec(irq_other);
    puts_("\nblk: done\n");
    return 0;
}
