/* bad_exec - jumps into its data: killed with an instruction page fault
 * (exit 112); the data segment is mapped RW-. */
#include "ulib.h"

static u32 code[2] = { 0x00008067, 0 };   /* ret */

int main(void)
{
    print("bad_exec: calling into .data\n");
    ((void (*)(void))(void *)code)();
    return 0;
}
