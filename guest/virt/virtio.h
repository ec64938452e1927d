/*
 * virtio.h - virtio-mmio (virtio 1.x, "Version 2") registers and the
 * virtio-blk request format with one split virtqueue of QSZ entries, for
 * the virt-board programs that drive a disk (blk.c, durable.c).
 * Definitions only: no code.
 */
#ifndef RVMMU_VIRT_VIRTIO_H
#define RVMMU_VIRT_VIRTIO_H

#include "virt.h"

/* virtio-mmio registers */
#define VIO_MAGIC        0x000
#define VIO_VERSION      0x004
#define VIO_DEVICE_ID    0x008
#define VIO_VENDOR_ID    0x00c
#define VIO_DEV_FEAT     0x010
#define VIO_DEV_FEAT_SEL 0x014
#define VIO_DRV_FEAT     0x020
#define VIO_DRV_FEAT_SEL 0x024
#define VIO_QUEUE_SEL    0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM    0x038
#define VIO_QUEUE_READY  0x044
#define VIO_QUEUE_NOTIFY 0x050
#define VIO_INT_STATUS   0x060
#define VIO_INT_ACK      0x064
#define VIO_STATUS       0x070
#define VIO_QDESC_LO     0x080
#define VIO_QDESC_HI     0x084
#define VIO_QDRIVER_LO   0x090
#define VIO_QDRIVER_HI   0x094
#define VIO_QDEVICE_LO   0x0a0
#define VIO_QDEVICE_HI   0x0a4
#define VIO_CONFIG_GEN   0x0fc
#define VIO_CONFIG       0x100

#define ST_ACKNOWLEDGE 1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8

#define F_BLK_RO       (1UL << 5)
#define F_BLK_SIZE     (1UL << 6)
#define F_BLK_FLUSH    (1UL << 9)
#define F_VERSION_1    (1UL << 32)

#define T_IN    0
#define T_OUT   1
#define T_FLUSH 4

#define DESC_F_NEXT  1
#define DESC_F_WRITE 2

#define QSZ 8
#define SECTOR 512

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSZ];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[QSZ];
    uint16_t avail_event;
};

/* One queue's rings (descriptor table 16-byte, rings 2/4-byte aligned). */
struct vq {
    struct virtq_desc desc[QSZ];
    struct virtq_avail avail __attribute__((aligned(16)));
    struct virtq_used used __attribute__((aligned(16)));
} __attribute__((aligned(4096)));

struct blk_req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

#endif
