/* bad_text - writes into its own code: killed with a store page fault
 * (exit 115); the text segment is mapped R-X. */
#include "ulib.h"

int main(void)
{
    print("bad_text: writing to main()\n");
    *(volatile u32 *)(void *)main = 0;
    return 0;
}
