/*
 * hello - the smallest demo: prints through write(), then checks the
 * other system calls' answers (all printed, so a wrong one shows), then
 * prints one line through printf.
 */
#include "ulib.h"

int main(void)
{
    print("hello, world from U-mode\n");

    /* An unknown system call number returns -1 (ENOSYS). */
    long r = syscall3(12345, 0, 0, 0);
    print("unknown syscall 12345 -> ");
    print(r == -1 ? "-1 (ENOSYS)\n" : "WRONG\n");

    /* A buffer the program does not own: the kernel refuses, no crash. */
    r = write(1, (const void *)0x100, 8);
    print("write from address 0x100 -> ");
    print(r == -1 ? "-1\n" : "WRONG\n");

    /* The heap: sbrk two pages, touch both ends, give them back. */
    char *p = sbrk(8192);
    p[0] = 'a';
    p[8191] = 'b';
    int ok = p != (char *)-1 && p[0] == 'a' && p[8191] == 'b' && sbrk(-8192) == p + 8192;
    print(ok ? "sbrk: ok\n" : "sbrk: WRONG\n");

    /* The clock runs forward. */
    struct timespec a, b;
    int c1 = clock_gettime(1, &a);
    for (volatile int i = 0; i < 1000; i++)
        ;
    int c2 = clock_gettime(1, &b);
    ok = c1 == 0 && c2 == 0 && (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec));
    print(ok ? "clock_gettime: ok\n" : "clock_gettime: WRONG\n");

    /* printf's conversions, widths and flags. */
    printf("printf: [%d] [%5u] [%-4x] [%08lx] [%X] [%s] [%-3c] [%p] [%%] [%*d]\n", -42, 7u, 0xabu,
           0x1234UL, 0xbeefu, "str", 'z', (void *)0x10000, 6, -123);
    return 0;
}
