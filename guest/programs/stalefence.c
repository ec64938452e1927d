/*
 * stalefence - a deliberate missing sfence.vma, for rvmmu --check-fences.
 *
 * S-mode reads a word through VA 0x40000000 (mapped to page A), remaps
 * that VA to page B by rewriting the leaf PTE, reads it again WITHOUT
 * sfence.vma (the privileged spec, 12.2.1, says the hart may still use the
 * old translation: which value that read returns is not defined, so it is
 * not printed), then executes sfence.vma and reads again: now page B's
 * value is guaranteed. rvmmu --check-fences reports the one stale use.
 */
#include "rt.h"
#include "sv39.h"

#define TEST_VA 0x40000000UL

static uint64_t page_a[512] __attribute__((aligned(PAGE_4K)));
static uint64_t page_b[512] __attribute__((aligned(PAGE_4K)));
static pte_t *root;

static NORETURN void s_main(void)
{
    volatile uint64_t *p = (volatile uint64_t *)TEST_VA;
    uint64_t first = p[1];
    /* Remap TEST_VA to page B; no fence yet. */
    sv39_map_4k(root, TEST_VA, (uint64_t)page_b, PAGE_4K, PTE_R | PTE_W);
    uint64_t unfenced = p[1];
    (void)unfenced; /* old or new translation: either is allowed */
    __asm__ volatile("sfence.vma %0, zero" ::"r"(TEST_VA) : "memory");
    uint64_t fenced = p[1];
    puts_("stalefence: before remap ");
    put_hex(first);
    puts_(", after sfence.vma ");
    put_hex(fenced);
    putch('\n');
    exit_(first == 0xaaaa && fenced == 0xbbbb ? 0 : 1);
}

NORETURN void main(void)
{
    page_a[1] = 0xaaaa;
    page_b[1] = 0xbbbb;
    root = sv39_root();
    sv39_map_image(root);
    sv39_map_4k(root, TEST_VA, (uint64_t)page_a, PAGE_4K, PTE_R | PTE_W);
    sv39_enable(root);
    console_use_ecall(1);
    enter_smode(s_main, (uint64_t)s_stack_top);
}
