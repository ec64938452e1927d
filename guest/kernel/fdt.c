/*
 * fdt.c - just enough of a flattened-device-tree reader for this kernel:
 * the RAM range (/memory@.../reg) and the boot arguments
 * (/chosen/bootargs).  Format: Devicetree Specification v0.4, chapter 5
 * (big-endian header, a structure block of tokens, a strings block).
 */
#include "kernel.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static u32 be32(const void *p)
{
    const u8 *b = p;
    return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* A cells-long big-endian number (1 or 2 cells). */
static u64 cells(const u8 *p, u32 n)
{
    return n == 2 ? (u64)be32(p) << 32 | be32(p + 4) : be32(p);
}

static size_t slen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int fdt_parse(const void *dtb, u64 *ram_base, u64 *ram_size, char *bootargs, size_t cap)
{
    const u8 *base = dtb;
    if (!dtb || be32(base) != FDT_MAGIC)
        return -1;
    u32 totalsize = be32(base + 4);
    const u8 *p = base + be32(base + 8);          /* off_dt_struct */
    const char *strings = (const char *)base + be32(base + 12);
    const u8 *end = base + totalsize;
    u32 addr_cells = 2, size_cells = 1;          /* defaults (2.3.5) */
    int depth = 0, in_memory = 0, in_chosen = 0, found = 0;

    bootargs[0] = 0;
    while (p + 4 <= end) {
        u32 tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t n = slen(name);
            p += (n + 1 + 3) & ~3UL;
            depth++;
            /* Children of the root are at depth 2 (the root is depth 1). */
            in_memory = depth == 2 && strncmp_(name, "memory", 6) == 0 &&
                        (name[6] == 0 || name[6] == '@');
            in_chosen = depth == 2 && strncmp_(name, "chosen", 7) == 0;
        } else if (tok == FDT_END_NODE) {
            depth--;
            in_memory = in_chosen = 0;
        } else if (tok == FDT_PROP) {
            u32 len = be32(p), nameoff = be32(p + 4);
            const u8 *val = p + 8;
            const char *pname = strings + nameoff;
            p = val + ((len + 3) & ~3U);
            if (depth == 1 && strncmp_(pname, "#address-cells", 15) == 0)
                addr_cells = be32(val);
            else if (depth == 1 && strncmp_(pname, "#size-cells", 12) == 0)
                size_cells = be32(val);
            else if (in_memory && !found && strncmp_(pname, "reg", 4) == 0 &&
                     len >= 4 * (addr_cells + size_cells)) {
                *ram_base = cells(val, addr_cells);
                *ram_size = cells(val + 4 * addr_cells, size_cells);
                found = 1;
            } else if (in_chosen && strncmp_(pname, "bootargs", 9) == 0) {
                size_t n = len < cap ? len : cap - 1;
                memcpy(bootargs, val, n);
                bootargs[n] = 0;
            }
        } else if (tok == FDT_NOP) {
            continue;
        } else {                                 /* FDT_END or garbage */
            break;
        }
    }
    return found ? 0 : -1;
}
