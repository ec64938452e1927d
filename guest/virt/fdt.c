/*
 * fdt.c - read the flattened device tree the board passes in a1.
 *
 * A tiny parser of the DTB format (Devicetree Specification v0.4,
 * chapter 5): the header, the memory reservation block, the structure
 * block (FDT_BEGIN_NODE / FDT_END_NODE / FDT_PROP / FDT_NOP / FDT_END
 * tokens, 4-byte aligned, big-endian) and the strings block for property
 * names.  reg is decoded with the parent's #address-cells/#size-cells.
 *
 * Printed: header facts, the memory node, /chosen (bootargs, stdout-path),
 * the timebase, the UART, the virtio-mmio nodes (how many, and the one at
 * the lowest address: node order is not part of the board's contract, and
 * QEMU emits them highest first), the CLINT, the PLIC and the test device.
 */
#include "virt.h"

#define FDT_MAGIC      0xd00dfeedU
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      8
#define MAX_PATH       160

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* A property value holds the string `s` in its string list. */
static int list_has(const uint8_t *v, uint32_t len, const char *s)
{
    uint32_t i = 0;
    while (i < len) {
        const char *item = (const char *)v + i;
        if (str_eq(item, s))
            return 1;
        i += str_len(item) + 1;
    }
    return 0;
}

/* Read `cells` big-endian 32-bit cells as one number. */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < cells; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

/* What one node says about itself (the props this program cares about). */
struct node {
    char path[MAX_PATH];
    const uint8_t *compatible, *reg, *interrupts, *device_type, *clock;
    uint32_t compatible_len, reg_len, interrupts_len, clock_len;
    /* Cells for this node's children (defaults 2 and 1). */
    uint32_t child_addr_cells, child_size_cells;
};

struct reg {
    int present;
    uint64_t base, size;
};

static struct {
    const char *model, *root_compatible, *bootargs, *stdout_path;
    uint32_t timebase;
    int timebase_present;
    unsigned cpus, memories, virtios, virtio_wired_ok;
    struct reg memory;
    char memory_path[MAX_PATH];
    char uart_path[MAX_PATH];
    struct reg uart;
    uint32_t uart_irq, uart_clock;
    char virtio_path[MAX_PATH];
    struct reg virtio;
    uint32_t virtio_irq;
    struct reg clint, plic, test;
} found;

static struct reg decode_reg(const struct node *n, const struct node *parent)
{
    struct reg r = { 0, 0, 0 };
    uint32_t ac = parent->child_addr_cells, sc = parent->child_size_cells;
    if (n->reg && n->reg_len >= 4 * (ac + sc)) {
        r.present = 1;
        r.base = read_cells(n->reg, ac);
        r.size = read_cells(n->reg + 4 * ac, sc);
    }
    return r;
}

static uint32_t first_cell(const uint8_t *v, uint32_t len)
{
    return len >= 4 ? be32(v) : ~0U;
}

static void copy_path(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < MAX_PATH; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* A node is complete (all its properties seen): note what it is. */
static void finish_node(const struct node *n, const struct node *parent)
{
    struct reg r = decode_reg(n, parent);
    if (n->device_type && str_eq((const char *)n->device_type, "memory")) {
        if (found.memories++ == 0) {
            found.memory = r;
            copy_path(found.memory_path, n->path);
        }
    }
    if (n->device_type && str_eq((const char *)n->device_type, "cpu"))
        found.cpus++;
    if (!n->compatible)
        return;
    const uint8_t *c = n->compatible;
    uint32_t cl = n->compatible_len;
    if (list_has(c, cl, "ns16550a")) {
        copy_path(found.uart_path, n->path);
        found.uart = r;
        found.uart_irq = first_cell(n->interrupts, n->interrupts_len);
        found.uart_clock = first_cell(n->clock, n->clock_len);
    } else if (list_has(c, cl, "virtio,mmio")) {
        uint32_t irq = first_cell(n->interrupts, n->interrupts_len);
        found.virtios++;
        if (r.present && r.base == VIRTIO_BASE + VIRTIO_STRIDE * (irq - 1) && r.size == VIRTIO_STRIDE)
            found.virtio_wired_ok++;
        if (r.present && (!found.virtio.present || r.base < found.virtio.base)) {
            found.virtio = r;
            found.virtio_irq = irq;
            copy_path(found.virtio_path, n->path);
        }
    } else if (list_has(c, cl, "riscv,clint0")) {
        found.clint = r;
    } else if (list_has(c, cl, "riscv,plic0")) {
        found.plic = r;
    } else if (list_has(c, cl, "sifive,test1")) {
        found.test = r;
    }
}

static const char *walk(const uint8_t *fdt)
{
    uint32_t off_struct = be32(fdt + 8), off_strings = be32(fdt + 12);
    uint32_t size_struct = be32(fdt + 36);
    const uint8_t *p = fdt + off_struct, *end = p + size_struct;
    const char *strings = (const char *)fdt + off_strings;
    static struct node stack[MAX_DEPTH + 1];
    int depth = -1;                     /* index of the current node */

    while (p + 4 <= end) {
        uint32_t token = be32(p);
        p += 4;
        switch (token) {
        case FDT_BEGIN_NODE: {
            const char *name = (const char *)p;
            size_t len = str_len(name);
            p += (len + 1 + 3) & ~3UL;
            if (++depth > MAX_DEPTH)
                return "nodes nested too deeply";
            struct node *n = &stack[depth];
            memset(n, 0, sizeof *n);
            n->child_addr_cells = 2;
            n->child_size_cells = 1;
            if (depth == 0) {
                copy_path(n->path, "/");
            } else {
                size_t i = 0;
                const char *pp = stack[depth - 1].path;
                if (depth > 1)
                    for (; pp[i] && i + 1 < MAX_PATH; i++)
                        n->path[i] = pp[i];
                if (i + 1 < MAX_PATH)
                    n->path[i++] = '/';
                for (size_t j = 0; j < len && i + 1 < MAX_PATH; j++)
                    n->path[i++] = name[j];
                n->path[i] = 0;
            }
            break;
        }
        case FDT_END_NODE:
            if (depth < 0)
                return "unbalanced FDT_END_NODE";
            if (depth > 0)
                finish_node(&stack[depth], &stack[depth - 1]);
            depth--;
            break;
        case FDT_PROP: {
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *v = p + 8;
            const char *name = strings + nameoff;
            p = v + ((len + 3) & ~3UL);
            if (depth < 0)
                return "property outside a node";
            struct node *n = &stack[depth];
            if (str_eq(name, "compatible")) {
                n->compatible = v;
                n->compatible_len = len;
                if (depth == 0)
                    found.root_compatible = (const char *)v;
            } else if (str_eq(name, "reg")) {
                n->reg = v;
                n->reg_len = len;
            } else if (str_eq(name, "interrupts")) {
                n->interrupts = v;
                n->interrupts_len = len;
            } else if (str_eq(name, "device_type")) {
                n->device_type = v;
            } else if (str_eq(name, "clock-frequency")) {
                n->clock = v;
                n->clock_len = len;
            } else if (str_eq(name, "#address-cells") && len == 4) {
                n->child_addr_cells = be32(v);
            } else if (str_eq(name, "#size-cells") && len == 4) {
                n->child_size_cells = be32(v);
            } else if (depth == 0 && str_eq(name, "model")) {
                found.model = (const char *)v;
            } else if (str_eq(n->path, "/chosen") && str_eq(name, "bootargs")) {
                found.bootargs = (const char *)v;
            } else if (str_eq(n->path, "/chosen") && str_eq(name, "stdout-path")) {
                found.stdout_path = (const char *)v;
            } else if (str_eq(n->path, "/cpus") && str_eq(name, "timebase-frequency") && len == 4) {
                found.timebase = be32(v);
                found.timebase_present = 1;
            }
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            return depth == -1 ? 0 : "FDT_END inside a node";
        default:
            return "unknown token";
        }
    }
    return "structure block ends without FDT_END";
}

static void put_str_or_none(const char *s)
{
    if (s)
        put_quoted((const uint8_t *)s, str_len(s));
    else
        puts_("(none)");
}

static void put_reg(struct reg r)
{
    if (!r.present) {
        puts_("(no reg)");
        return;
    }
    puts_("reg ");
    put_hex(r.base);
    puts_(" size ");
    put_hex(r.size);
}

int main(uint64_t hartid, const uint8_t *fdt)
{
    puts_("fdt: device tree from a1\n  a0 (hart id): ");
    put_dec(hartid);
    puts_(", a1: ");
    put_hex((uintptr_t)fdt);
    putch('\n');
    if (!fdt || ((uintptr_t)fdt & 7))
        fail("a1 is not an 8-byte-aligned address");
    uint32_t magic = be32(fdt), total = be32(fdt + 4);
    uint32_t off_struct = be32(fdt + 8), off_strings = be32(fdt + 12);
    uint32_t off_rsv = be32(fdt + 16), version = be32(fdt + 20);
    uint32_t last_comp = be32(fdt + 24);
    uint32_t size_strings = be32(fdt + 32), size_struct = be32(fdt + 36);
    puts_("  magic ");
    put_hex(magic);
    puts_(", version ");
    put_dec(version);
    puts_(", last compatible version ");
    put_dec(last_comp);
    putch('\n');
    if (magic != FDT_MAGIC)
        fail("bad magic");
    if (version < 17 || last_comp > 17)
        fail("unsupported version");
    int inside = off_struct + size_struct <= total && off_strings + size_strings <= total
                 && off_rsv < off_struct && (off_struct & 3) == 0 && (off_rsv & 7) == 0;
    puts_("  blocks inside totalsize and aligned: ");
    puts_(yes_no(inside));
    if (!inside)
        fail("bad header");
    unsigned rsv = 0;
    for (const uint8_t *r = fdt + off_rsv; be64(r) || be64(r + 8); r += 16)
        rsv++;
    puts_("\n  memory reservations: ");
    put_dec(rsv);
    putch('\n');

    const char *err = walk(fdt);
    if (err)
        fail(err);

    puts_("  model: ");
    put_str_or_none(found.model);
    puts_(", compatible: ");
    put_str_or_none(found.root_compatible);
    puts_("\n  memory nodes: ");
    put_dec(found.memories);
    puts_(", ");
    puts_(found.memory_path);
    puts_(": ");
    put_reg(found.memory);
    puts_(" (");
    put_dec(found.memory.size >> 20);
    puts_(" MiB)\n  /chosen/bootargs: ");
    put_str_or_none(found.bootargs);
    puts_("\n  /chosen/stdout-path: ");
    put_str_or_none(found.stdout_path);
    puts_("\n  /cpus: timebase-frequency ");
    if (found.timebase_present)
        put_dec(found.timebase);
    else
        puts_("(none)");
    puts_(", cpu nodes: ");
    put_dec(found.cpus);
    puts_("\n  uart ");
    puts_(found.uart_path[0] ? found.uart_path : "(not found)");
    puts_(": ");
    put_reg(found.uart);
    puts_(", interrupts ");
    put_dec(found.uart_irq);
    puts_(", clock-frequency ");
    put_dec(found.uart_clock);
    puts_("\n  virtio,mmio nodes: ");
    put_dec(found.virtios);
    puts_(", reg = 0x10001000 + 0x1000 * (interrupts - 1) for all: ");
    puts_(yes_no(found.virtios && found.virtio_wired_ok == found.virtios));
    puts_("\n  first virtio (lowest address) ");
    puts_(found.virtio_path[0] ? found.virtio_path : "(not found)");
    puts_(": ");
    put_reg(found.virtio);
    puts_(", interrupts ");
    put_dec(found.virtio_irq);
    puts_("\n  clint: ");
    put_reg(found.clint);
    puts_("\n  plic: ");
    put_reg(found.plic);
    puts_("\n  test device: ");
    put_reg(found.test);
    puts_("\nfdt: done\n");
    return 0;
}
