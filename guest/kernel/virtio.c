/*
 * virtio.c - a polling virtio-blk driver for the virtio-mmio transport,
 * modern interface (Version register = 2), one split virtqueue of 8
 * descriptors per disk and one request at a time.  virtio spec
 * 4.2.2 (MMIO registers), 4.2.3.1 and 3.1.1 (device initialisation),
 * 2.6 (split virtqueues), 5.2 (block device).
 *
 * The kernel runs with interrupts off: after notifying the device it
 * polls the used ring, then acknowledges the interrupt the device raised.
 * Buffers are passed by physical address; kernel virtual addresses of RAM
 * are identical to physical ones (vm.c).
 */
#include "kernel.h"

/* MMIO register offsets (4.2.2). */
#define R_MAGIC         0x000
#define R_VERSION       0x004
#define R_DEVICE_ID     0x008
#define R_DEV_FEAT      0x010
#define R_DEV_FEAT_SEL  0x014
#define R_DRV_FEAT      0x020
#define R_DRV_FEAT_SEL  0x024
#define R_QUEUE_SEL     0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM     0x038
#define R_QUEUE_READY   0x044
#define R_QUEUE_NOTIFY  0x050
#define R_INT_STATUS    0x060
#define R_INT_ACK       0x064
#define R_STATUS        0x070
#define R_DESC_LO       0x080
#define R_DESC_HI       0x084
#define R_DRIVER_LO     0x090
#define R_DRIVER_HI     0x094
#define R_DEVICE_LO     0x0a0
#define R_DEVICE_HI     0x0a4
#define R_CONFIG        0x100   /* virtio_blk_config: capacity first */

/* Device status bits (2.1). */
#define S_ACKNOWLEDGE 1
#define S_DRIVER      2
#define S_DRIVER_OK   4
#define S_FEATURES_OK 8
#define S_FAILED      128

#define VIRTIO_MAGIC     0x74726976     /* "virt" */
#define DEVICE_ID_BLOCK  2
#define F_VERSION_1_HI   1              /* feature bit 32, in word 1 */

#define QSIZE 8
#define DESC_F_NEXT  1
#define DESC_F_WRITE 2

#define BLK_T_IN  0
#define BLK_T_OUT 1

struct vq_desc  { u64 addr; u32 len; u16 flags, next; };
struct vq_avail { u16 flags, idx, ring[QSIZE], used_event; };
struct vq_used_elem { u32 id, len; };
struct vq_used  { u16 flags, idx; struct vq_used_elem ring[QSIZE]; u16 avail_event; };
struct blk_req  { u32 type, reserved; u64 sector; };

/* One page per disk: the three rings, the request header and status. */
struct disk {
    struct vq_desc desc[QSIZE];                   /* 16-byte aligned */
    struct vq_avail avail;                        /*  2-byte aligned */
    struct vq_used used __attribute__((aligned(8)));  /* 4-byte aligned */
    struct blk_req req;
    volatile u8 status;
    u16 last_used;
    int ready;
    u64 base;                                     /* MMIO registers */
} __attribute__((aligned(4096)));

static struct disk disks[2];

static u32 rd(struct disk *d, u64 off) { return mmio_read32(d->base + off); }
static void wr(struct disk *d, u64 off, u32 v) { mmio_write32(d->base + off, v); }

int disk_init(int i, u64 *sectors)
{
    struct disk *d = &disks[i];
    d->base = IO(VIRTIO_PA(i));
    if (rd(d, R_MAGIC) != VIRTIO_MAGIC || rd(d, R_VERSION) != 2 ||
        rd(d, R_DEVICE_ID) != DEVICE_ID_BLOCK)
        return -1;

    /* 3.1.1: reset, ACKNOWLEDGE, DRIVER, negotiate, FEATURES_OK. */
    wr(d, R_STATUS, 0);
    wr(d, R_STATUS, S_ACKNOWLEDGE);
    wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
    wr(d, R_DEV_FEAT_SEL, 1);
    if (!(rd(d, R_DEV_FEAT) & F_VERSION_1_HI))
        return -1;
    /* Accept VIRTIO_F_VERSION_1 only: no read-only flag needed (we never
     * write disk 0), no indirect descriptors, no event index. */
    wr(d, R_DRV_FEAT_SEL, 0);
    wr(d, R_DRV_FEAT, 0);
    wr(d, R_DRV_FEAT_SEL, 1);
    wr(d, R_DRV_FEAT, F_VERSION_1_HI);
    wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    if (!(rd(d, R_STATUS) & S_FEATURES_OK)) {
        wr(d, R_STATUS, S_FAILED);
        return -1;
    }

    /* 4.2.3.2: queue 0 must not be live yet; size, ring addresses, ready. */
    wr(d, R_QUEUE_SEL, 0);
    if (rd(d, R_QUEUE_READY) != 0 || rd(d, R_QUEUE_NUM_MAX) < QSIZE) {
        wr(d, R_STATUS, S_FAILED);
        return -1;
    }
    wr(d, R_QUEUE_NUM, QSIZE);
    u64 desc = (u64)d->desc, avail = (u64)&d->avail, used = (u64)&d->used;
    wr(d, R_DESC_LO, (u32)desc);
    wr(d, R_DESC_HI, (u32)(desc >> 32));
    wr(d, R_DRIVER_LO, (u32)avail);
    wr(d, R_DRIVER_HI, (u32)(avail >> 32));
    wr(d, R_DEVICE_LO, (u32)used);
    wr(d, R_DEVICE_HI, (u32)(used >> 32));
    wr(d, R_QUEUE_READY, 1);
    wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);

    /* capacity (5.2.4), a 64-bit field read as two 32-bit halves. */
    *sectors = rd(d, R_CONFIG) | (u64)rd(d, R_CONFIG + 4) << 32;
    d->ready = 1;
    return 0;
}

/* One request: header, data, status (5.2.6); wait for it; 0 = ok. */
static int disk_rw(int i, u32 type, u64 sector, u64 pa, u32 n)
{
    struct disk *d = &disks[i];
    if (!d->ready)
        return -1;
    d->req.type = type;
    d->req.reserved = 0;
    d->req.sector = sector;
    d->status = 0xff;

    d->desc[0] = (struct vq_desc){ (u64)&d->req, sizeof d->req, DESC_F_NEXT, 1 };
    d->desc[1] = (struct vq_desc){ pa, n * (u32)SECTOR,
                                   DESC_F_NEXT | (type == BLK_T_IN ? DESC_F_WRITE : 0), 2 };
    d->desc[2] = (struct vq_desc){ (u64)&d->status, 1, DESC_F_WRITE, 0 };

    /* 2.6.13: put the head in the ring, barrier, publish the index. */
    d->avail.ring[d->avail.idx % QSIZE] = 0;
    io_fence();
    d->avail.idx++;
    io_fence();
    wr(d, R_QUEUE_NOTIFY, 0);

    while (*(volatile u16 *)&d->used.idx == d->last_used)
        ;
    io_fence();
    d->last_used++;
    wr(d, R_INT_ACK, rd(d, R_INT_STATUS));
    return d->status == 0 ? 0 : -1;
}

int disk_read(int i, u64 sector, void *pa, u32 n)
{
    return disk_rw(i, BLK_T_IN, sector, (u64)pa, n);
}

int disk_write(int i, u64 sector, const void *pa, u32 n)
{
    return disk_rw(i, BLK_T_OUT, sector, (u64)pa, n);
}
