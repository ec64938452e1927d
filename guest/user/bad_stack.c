/* bad_stack - unbounded recursion: the stack passes its 1 MiB limit and
 * the program is killed with a store page fault (exit 115). */
#include "ulib.h"

static u64 down(u64 n)
{
    volatile u8 buf[1000];
    buf[0] = (u8)n;
    if (n == ~0UL)              /* never: keeps gcc from calling it infinite */
        return 0;
    return down(n + 1) + buf[0];
}

int main(void)
{
    print("bad_stack: recursing without end\n");
    return (int)down(0);
}
