/*
 * durable.c - a crash-durability workload for virtio-blk (virtio 1.x over
 * virtio-mmio, one split virtqueue, polled completions), for
 * tests/disk_durability.rs: run it, kill -9 the emulator, reopen the disk
 * and check that every write the guest saw flushed is there.
 *
 * Disk 0 (read-write; FLUSH must be offered) uses its first
 * N = min(capacity, 64) sectors.  Each holds a record of one round r with
 * r % N == its sector s (512 bytes, little-endian):
 *
 *   0   "DURABLE\0"
 *   8   u64 r
 *   16  u64 s
 *   24  60 u64 words: x = r * 0x9e3779b97f4a7c15 + s * 0xbf58476d1ce4e5b9
 *       + 1, then for each word x = xorshift64(x) (<<13, >>7, <<17)
 *   504 u32 0
 *   508 u32 fnv-1a of bytes 0-507
 *
 * First a scan: read sectors 0..N-1 and print
 *   "durable: N sectors, V valid, newest round R"   (or "newest round none")
 * Then rounds r = R + 1, R + 2, ... (from 0 on a disk without records):
 * write round r's record to sector r % N, FLUSH, wait for its completion
 * and print "flushed r".  It stops by itself only after ROUNDS rounds
 * ("durable: done"); the test kills it long before.  Without a disk on
 * transport 0 it says so and exits 0.
 */
#include "virtio.h"

#define MAX_SECTORS 64
#define ROUNDS 10000000UL
#define TIMEOUT 50000000UL   /* mtime ticks (5 s at 10 MHz) */

static struct vq queue;
static uintptr_t base = VIRTIO_BASE;
static uint16_t last_used;
static struct blk_req_hdr hdr __attribute__((aligned(16)));
static volatile uint8_t status;
static uint8_t buf[SECTOR] __attribute__((aligned(16)));
static uint8_t want[SECTOR] __attribute__((aligned(16)));

static uint32_t rd(uint32_t reg) { return mmio_read32(base + reg); }
static void wr(uint32_t reg, uint32_t v) { mmio_write32(base + reg, v); }

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811c9dc5U;
    while (n--) {
        h ^= *p++;
        h *= 16777619U;
    }
    return h;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Round r's record for sector s. */
static void record(uint8_t *p, uint64_t r, uint64_t s)
{
    memcpy(p, "DURABLE", 8);
    put64(p + 8, r);
    put64(p + 16, s);
    uint64_t x = r * 0x9e3779b97f4a7c15UL + s * 0xbf58476d1ce4e5b9UL + 1;
    for (int i = 0; i < 60; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        put64(p + 24 + 8 * i, x);
    }
    memset(p + 504, 0, 4);
    uint32_t h = fnv1a(p, 508);
    for (int i = 0; i < 4; i++)
        p[508 + i] = (uint8_t)(h >> (8 * i));
}

/* Submit one request (at most one data buffer) and poll for its end. */
static uint8_t request(uint32_t type, uint64_t sector, uint8_t *data, uint32_t len)
{
    struct vq *q = &queue;
    volatile struct virtq_avail *avail = &q->avail;
    volatile struct virtq_used *used = &q->used;
    int n = 0;

    hdr.type = type;
    hdr.reserved = 0;
    hdr.sector = sector;
    status = 0xff;
    q->desc[n] = (struct virtq_desc){ (uintptr_t)&hdr, sizeof hdr, DESC_F_NEXT, (uint16_t)(n + 1) };
    n++;
    if (len) {
        uint16_t flags = DESC_F_NEXT | (type == T_IN ? DESC_F_WRITE : 0);
        q->desc[n] = (struct virtq_desc){ (uintptr_t)data, len, flags, (uint16_t)(n + 1) };
        n++;
    }
    q->desc[n] = (struct virtq_desc){ (uintptr_t)&status, 1, DESC_F_WRITE, 0 };

    uint16_t idx = avail->idx;
    avail->ring[idx % QSZ] = 0;
    io_fence();
    avail->idx = idx + 1;
    io_fence();
    wr(VIO_QUEUE_NOTIFY, 0);

    uint64_t start = mtime();
    while (used->idx == last_used)
        if (mtime() - start > TIMEOUT)
            fail("request not completed");
    io_fence();
    last_used++;
    return status;
}

static void init(void)
{
    wr(VIO_STATUS, 0);
    wr(VIO_STATUS, ST_ACKNOWLEDGE);
    wr(VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
    wr(VIO_DEV_FEAT_SEL, 0);
    uint64_t offered = rd(VIO_DEV_FEAT);
    wr(VIO_DEV_FEAT_SEL, 1);
    offered |= (uint64_t)rd(VIO_DEV_FEAT) << 32;
    if (!(offered & F_VERSION_1))
        fail("VERSION_1 not offered");
    if (!(offered & F_BLK_FLUSH))
        fail("FLUSH not offered");
    if (offered & F_BLK_RO)
        fail("disk 0 is read-only");
    uint64_t features = F_VERSION_1 | F_BLK_FLUSH;
    wr(VIO_DRV_FEAT_SEL, 0);
    wr(VIO_DRV_FEAT, (uint32_t)features);
    wr(VIO_DRV_FEAT_SEL, 1);
    wr(VIO_DRV_FEAT, (uint32_t)(features >> 32));
    wr(VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    if (!(rd(VIO_STATUS) & ST_FEATURES_OK))
        fail("device refused the features");

    wr(VIO_QUEUE_SEL, 0);
    if (rd(VIO_QUEUE_READY) || rd(VIO_QUEUE_NUM_MAX) < QSZ)
        fail("queue 0 unusable");
    memset(&queue, 0, sizeof queue);
    wr(VIO_QUEUE_NUM, QSZ);
    wr(VIO_QDESC_LO, (uint32_t)(uintptr_t)queue.desc);
    wr(VIO_QDESC_HI, (uint32_t)((uintptr_t)queue.desc >> 32));
    wr(VIO_QDRIVER_LO, (uint32_t)(uintptr_t)&queue.avail);
    wr(VIO_QDRIVER_HI, (uint32_t)((uintptr_t)&queue.avail >> 32));
    wr(VIO_QDEVICE_LO, (uint32_t)(uintptr_t)&queue.used);
    wr(VIO_QDEVICE_HI, (uint32_t)((uintptr_t)&queue.used >> 32));
    wr(VIO_QUEUE_READY, 1);
    wr(VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
}

static uint64_t read_capacity(void)
{
    uint32_t gen, lo, hi;
    do {
        gen = rd(VIO_CONFIG_GEN);
        lo = rd(VIO_CONFIG + 0);
        hi = rd(VIO_CONFIG + 4);
    } while (gen != rd(VIO_CONFIG_GEN));
    return (uint64_t)hi << 32 | lo;
}

int main(void)
{
    if (rd(VIO_MAGIC) != 0x74726976 || rd(VIO_VERSION) != 2)
        fail("transport 0 is not a virtio 1.x (Version 2) transport");
    if (rd(VIO_DEVICE_ID) != 2) {
        puts_("durable: no block device on transport 0\n");
        return 0;
    }
    init();
    uint64_t cap = read_capacity();
    uint64_t n = cap < MAX_SECTORS ? cap : MAX_SECTORS;
    if (n == 0)
        fail("disk 0 is empty");

    /* The scan: which records survived, and the newest round. */
    uint64_t valid = 0, newest = 0;
    int any = 0;
    for (uint64_t s = 0; s < n; s++) {
        if (request(T_IN, s, buf, SECTOR) != 0)
            fail("read failed");
        uint64_t r = get64(buf + 8);
        if (r % n != s)
            continue;
        record(want, r, s);
        if (memcmp(buf, want, SECTOR) != 0)
            continue;
        valid++;
        if (!any || r > newest)
            newest = r;
        any = 1;
    }
    puts_("durable: ");
    put_dec(n);
    puts_(" sectors, ");
    put_dec(valid);
    puts_(" valid, newest round ");
    if (any)
        put_dec(newest);
    else
        puts_("none");
    putch('\n');

    uint64_t first = any ? newest + 1 : 0;
    for (uint64_t r = first; r < first + ROUNDS; r++) {
        record(buf, r, r % n);
        if (request(T_OUT, r % n, buf, SECTOR) != 0)
            fail("write failed");
        if (request(T_FLUSH, 0, 0, 0) != 0)
            fail("flush failed");
        puts_("flushed ");
        put_dec(r);
        putch('\n');
    }
    puts_("durable: done\n");
    return 0;
}
