/* bad_kernel - reads the kernel's memory at 0x80000000, which is mapped
 * (the kernel shares the page table) but with U = 0: killed with a load
 * page fault (exit 113). */
#include "ulib.h"

int main(void)
{
    print("bad_kernel: reading 0x80000000\n");
    return (int)*(volatile u32 *)0x80000000UL;
}
