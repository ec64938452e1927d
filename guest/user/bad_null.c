/* bad_null - reads address 0: killed with a load page fault (exit 113). */
#include "ulib.h"

int main(void)
{
    print("bad_null: reading address 0\n");
    volatile u32 *p = (volatile u32 *)0;
    return (int)*p;
}
