/*
 * stack - deep recursion: DEPTH frames of about 512 bytes each (some
 * 770 KiB), so the stack grows page by page on demand towards its 1 MiB
 * limit.  Prints sum over n = 1..DEPTH of (n mod 251), computed on the
 * way back up through the frames' own buffers.
 */
#include "ulib.h"

#define DEPTH 1500

static u64 down(u64 n)
{
    volatile u8 buf[480];
    buf[0] = (u8)(n % 251);
    buf[479] = (u8)(n % 251);
    if (n == 0)
        return 0;
    u64 below = down(n - 1);
    return below + buf[0] + (buf[479] - buf[0]);
}

int main(void)
{
    u64 sum = down(DEPTH);
    print("stack: depth ");
    print_dec(DEPTH);
    print(", sum ");
    print_dec(sum);
    print("\n");
    return 0;
}
