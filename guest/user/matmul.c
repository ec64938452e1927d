/*
 * matmul - C = A B for 112 x 112 doubles, twice: a naive triple loop
 * (i, k, j order: rows of B and C streamed; the i, j, k order would
 * fault on every element of B's columns with few frames) and a blocked
 * one (16 x 16 tiles, ii/jj/kk then i/k/j), into two result matrices.
 * The four matrices (.bss, each page aligned, 98 KiB) are 4 x 25 = 100
 * pages.  The entries are
 * small multiples of 1/2 and 1/4, so every product and sum is exact in
 * double precision: both results are identical whatever the order or
 * fusing of the operations, and so are their checksums (which
 * tests/kernel_demo.rs recomputes with integers):
 *
 *   A[i][j] = ((7i + 3j) mod 13 - 6) / 2,  B[i][j] = ((5i + 11j) mod 17 - 8) / 4
 *   checksum: h = 0xcbf29ce484222325; h = (h ^ (u64)(i64)(8 C[i][j])) *
 *   0x100000001b3 over the rows in order
 */
#include "ulib.h"

#define N  112
#define BS 16

typedef double mat[N][N];
static mat A __attribute__((aligned(4096)));
static mat B __attribute__((aligned(4096)));
static mat C1 __attribute__((aligned(4096)));
static mat C2 __attribute__((aligned(4096)));

static u64 checksum(mat m)
{
    u64 h = 0xcbf29ce484222325UL;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            h = (h ^ (u64)(i64)(m[i][j] * 8.0)) * 0x100000001b3UL;
    return h;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = ((7 * i + 3 * j) % 13 - 6) * 0.5;
            B[i][j] = ((5 * i + 11 * j) % 17 - 8) * 0.25;
        }

    for (int i = 0; i < N; i++)                 /* naive (C1 starts at 0) */
        for (int k = 0; k < N; k++) {
            double aik = A[i][k];
            for (int j = 0; j < N; j++)
                C1[i][j] += aik * B[k][j];
        }

    for (int ii = 0; ii < N; ii += BS)          /* blocked */
        for (int jj = 0; jj < N; jj += BS)
            for (int kk = 0; kk < N; kk += BS)
                for (int i = ii; i < ii + BS; i++)
                    for (int k = kk; k < kk + BS; k++) {
                        double aik = A[i][k];
                        for (int j = jj; j < jj + BS; j++)
                            C2[i][j] += aik * B[k][j];
                    }

    u64 h1 = checksum(C1), h2 = checksum(C2);
    printf("matmul: %dx%d doubles, naive checksum 0x%016lx, blocked checksum 0x%016lx%s\n",
           N, N, h1, h2, h1 == h2 ? "" : " DIFFER");
    return h1 == h2 ? 0 : 1;
}
