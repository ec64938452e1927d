/*
 * fpprint.c - floating point through a real C library: a handful of IEEE
 * double/single results, computed by the guest's F/D instructions and
 * formatted by picolibc's printf (%.17g, %a, %f, %e) on the HTIF console.
 *
 * Built for rv64gc with the lp64d ABI (doubles in f registers) and linked
 * statically against picolibc (see the Makefile); start.S enables the FPU.
 * picolibc's stdio writes through the `stdout` FILE defined below, whose
 * put function is rt.c's HTIF console.  Exits 0 through HTIF.
 *
 * The operands are volatile so that the compiler cannot fold anything:
 * every value printed is computed at run time on the guest.  The program
 * is compiled with -ffp-contract=off, so a*b+c is only fused where fma is
 * asked for explicitly.
 *
 * Note on picolibc's decimal output (its default io-float-exact build,
 * libc/stdio/dtoa_ryu.c): digits come from Ryu, i.e. the SHORTEST digit
 * string that reads back as the same double, cut to the precision asked
 * for.  So %.17g prints 1/3 as 0.3333333333333333 (16 digits, which is
 * all it takes to identify the double) where glibc prints the 17 correctly
 * rounded digits 0.33333333333333331.  %a, and %f/%e/%.9g with fewer
 * digits than the shortest form, are the usual C renderings.
 */
#include <stdio.h>

#include "rt.h"

static int htif_stdout_put(char c, FILE *f)
{
    (void)f;
    htif_putc((unsigned char)c);
    return (unsigned char)c;
}

static FILE htif_stdout =
    FDEV_SETUP_STREAM(htif_stdout_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &htif_stdout;

static volatile double one = 1.0, two = 2.0, three = 3.0, ten = 10.0;
static volatile double zero = 0.0, big = 1e308, d01 = 0.1, d02 = 0.2;
static volatile double min_normal = 0x1p-1022, two52 = 0x1p52;
static volatile double fma_a = 1 + 0x1p-30, fma_b = 1 - 0x1p-30;
static volatile double minus_2_7 = -2.7, three_e9 = 3e9, e10 = 1e10;
static volatile float f01 = 0.1f, f02 = 0.2f, fone = 1.0f, fthree = 3.0f;
static volatile long two53_plus_1 = 9007199254740993L; /* 2^53 + 1 */

/* pi by the Leibniz series 4 * (1 - 1/3 + 1/5 - ...), n terms, summed in
 * order with one rounding per division and per addition. */
static double leibniz_pi(int n)
{
    double s = 0.0;
    for (int k = 0; k < n; k++) {
        double t = one / (2 * k + 1); /* 2k + 1 converts exactly */
        s = (k & 1) ? s - t : s + t;
    }
    return 4.0 * s;
}

int main(void)
{
    double third = one / three;
    printf("1/3 = %.17g = %a\n", third, third);
    printf("1/3 %%f %%e = %f %e\n", third, third);

    double r2 = __builtin_sqrt(two); /* fsqrt.d, no libm */
    printf("sqrt(2) = %.17g = %a\n", r2, r2);

    float fs = f01 + f02; /* fadd.s, then widened exactly for printf */
    printf("0.1f + 0.2f = %.9g = %a\n", (double)fs, (double)fs);
    float fq = fone / fthree;
    printf("1.0f / 3.0f = %.9g = %a\n", (double)fq, (double)fq);
    printf("0.1 + 0.2 = %.17g\n", d01 + d02);

    double inf = big * ten; /* overflows to +inf */
    printf("1e308 * 10 = %f %e %g\n", inf, inf, -inf);

    double nz = zero * -one; /* -0 */
    printf("-0.0 = %g %f %e %a\n", nz, nz, nz, nz);

    double sub = min_normal / two52; /* 2^-1074, the smallest subnormal */
    double sub3 = min_normal / three; /* a subnormal, rounded */
    printf("2^-1074 = %.17g\n", sub);
    printf("2^-1022 / 3 = %.17g\n", sub3);

    printf("(int)-2.7 = %d, (long)1e10 = %ld, (unsigned)3e9 = %u\n",
           (int)minus_2_7, (long)e10, (unsigned)three_e9);
    printf("(double)(2^53 + 1) = %.17g\n", (double)two53_plus_1);

    double a = fma_a, b = fma_b; /* a*b = 1 - 2^-60 exactly */
    double fused = __builtin_fma(a, b, -one); /* fmadd.d: -2^-60 */
    double unfused = a * b - one;             /* a*b rounds to 1: 0 */
    printf("fma(1+2^-30, 1-2^-30, -1) = %.17g = %a, unfused %g\n", fused,
           fused, unfused);

    double pi = leibniz_pi(5000);
    printf("pi (Leibniz, 5000 terms) = %.17g = %.6f = %e\n", pi, pi, pi);

    htif_exit(0);
}
