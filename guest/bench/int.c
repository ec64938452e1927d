/*
 * int.c - integer-heavy workload: the kind of mix the classic synthetic
 * integer benchmarks exercise, written for this project.  Every round
 * takes a fresh pseudo-random seed and runs, each through calls that are
 * kept out of line:
 *
 *   text      build a 40-character string, copy it, compare the copy
 *             with a mutated one, reverse it, and tokenize it with a
 *             switch-based state machine (words, numbers, punctuation)
 *   crc       a bitwise CRC-16 over the string (8 data-dependent branches
 *             per byte)
 *   grid      a 6x6 integer matrix product with bounded entries
 *   records   a ring of 8 records visited through pointers, updated by a
 *             switch on each record's kind, with a division and a remainder
 *   small     insertion sort of 16 integers, then a binary search
 *
 * All of it fits in a few KiB: the data side stays within two or three
 * pages, so the workload measures instruction dispatch, not memory.
 * The rounds feed one checksum.  Built twice: `int` (-O2, rv64im: only
 * 32-bit instructions) and `rvc` (-Os, rv64imac: as many 16-bit
 * instructions as the compiler can use); the checksum is the same.
 */
#include "bench.h"

#define ROUNDS   250000U
#define TEXT_LEN 40
#define GRID     6
#define RECS     8
#define SMALL    16

typedef unsigned char  u8;
typedef unsigned short u16;

enum kind { KIND_PLAIN, KIND_HEAVY, KIND_LIGHT, KIND_SPARE };

struct record {
    struct record *next;
    enum kind kind;
    uint32_t hits;
    uint32_t weight;
    char label[12];
};

static char text[TEXT_LEN + 1], copy[TEXT_LEN + 1], other[TEXT_LEN + 1];
static int32_t grid_a[GRID][GRID], grid_b[GRID][GRID], grid_c[GRID][GRID];
static struct record ring[RECS];
static int32_t small[SMALL];

static const char alphabet[] =
    "etaoinshrdlucmfwypvbgkqjxz0123456789 .,;-+ ETAOINS";

/* A 32-bit linear congruential step (multiplier = 1 mod 4, odd increment:
 * full period). */
static NOINLINE uint32_t step_rand(uint32_t *state)
{
    *state = *state * 0x2c9277b5U + 0xac564b05U;
    return *state >> 8;
}

/* ---- text ---------------------------------------------------------- */

static NOINLINE void make_text(char *dst, uint32_t *state, int len)
{
    uint32_t r = 0;
    for (int i = 0; i < len; i++) {
        if ((i & 3) == 0)
            r = step_rand(state);
        dst[i] = alphabet[(r & 0x3f) % (sizeof(alphabet) - 1)];
        r >>= 6;
    }
    dst[len] = '\0';
}

static NOINLINE int str_copy(char *dst, const char *src)
{
    int n = 0;
    while ((dst[n] = src[n]) != '\0')
        n++;
    return n;
}

static NOINLINE int str_compare(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(u8)*a - (int)(u8)*b;
}

static NOINLINE void str_reverse(char *s, int n)
{
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        char t = s[i];
        s[i] = s[j];
        s[j] = t;
    }
}

enum cls { CLS_LETTER, CLS_DIGIT, CLS_SPACE, CLS_SIGN, CLS_OTHER };

static enum cls classify(char c)
{
    if (c >= 'a' && c <= 'z')
        return CLS_LETTER;
    if (c >= 'A' && c <= 'Z')
        return CLS_LETTER;
    if (c >= '0' && c <= '9')
        return CLS_DIGIT;
    if (c == ' ')
        return CLS_SPACE;
    if (c == '+' || c == '-')
        return CLS_SIGN;
    return CLS_OTHER;
}

enum state { ST_GAP, ST_WORD, ST_NUMBER, ST_SIGNED, ST_JUNK };

/* Tokenizer: counts words, numbers (optionally signed), junk runs, and
 * folds the value of each number into the result. */
static NOINLINE uint32_t tokenize(const char *s)
{
    enum state st = ST_GAP;
    uint32_t words = 0, numbers = 0, junk = 0, value = 0, acc = 0;

    for (;; s++) {
        enum cls c = *s ? classify(*s) : CLS_SPACE;
        switch (st) {
        case ST_GAP:
            switch (c) {
            case CLS_LETTER: st = ST_WORD; words++; break;
            case CLS_DIGIT:  st = ST_NUMBER; value = (uint32_t)(*s - '0'); break;
            case CLS_SIGN:   st = ST_SIGNED; value = 0; break;
            case CLS_OTHER:  st = ST_JUNK; junk++; break;
            case CLS_SPACE:  break;
            }
            break;
        case ST_WORD:
            if (c == CLS_SPACE)
                st = ST_GAP;
            else if (c != CLS_LETTER && c != CLS_DIGIT) {
                st = ST_JUNK;
                junk++;
            }
            break;
        case ST_SIGNED:
        case ST_NUMBER:
            if (c == CLS_DIGIT) {
                value = value * 10 + (uint32_t)(*s - '0');
                st = ST_NUMBER;
            } else {
                if (st == ST_NUMBER) {
                    numbers++;
                    acc = (acc ^ value) * 31 + numbers;
                }
                st = c == CLS_SPACE ? ST_GAP : ST_JUNK;
                junk += st == ST_JUNK;
            }
            break;
        case ST_JUNK:
            if (c == CLS_SPACE)
                st = ST_GAP;
            break;
        }
        if (!*s)
            break;
    }
    return acc + (words << 16) + (numbers << 8) + junk;
}

/* ---- crc ----------------------------------------------------------- */

static NOINLINE u16 crc16(const char *s, int n, u16 crc)
{
    for (int i = 0; i < n; i++) {
        crc ^= (u16)((u8)s[i] << 8);
        for (int b = 0; b < 8; b++) {
            if (crc & 0x8000)
                crc = (u16)((crc << 1) ^ 0x1021);
            else
                crc = (u16)(crc << 1);
        }
    }
    return crc;
}

/* ---- grid ---------------------------------------------------------- */

static NOINLINE void grid_fill(uint32_t *state)
{
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            uint32_t r = step_rand(state);
            grid_a[i][j] = (int32_t)(r & 0xff) - 128;
            grid_b[i][j] = (int32_t)((r >> 8) & 0xff) - 128;
        }
}

static NOINLINE uint32_t grid_product(void)
{
    int32_t trace = 0;
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            int32_t sum = 0;
            for (int k = 0; k < GRID; k++)
                sum += grid_a[i][k] * grid_b[k][j];
            grid_c[i][j] = sum;
            if (i == j)
                trace += sum;
        }
    /* Entries are at most 6 * 128 * 128 in magnitude: no overflow. */
    return (uint32_t)trace ^ (uint32_t)grid_c[GRID - 1][0] ^
           ((uint32_t)grid_c[0][GRID - 1] << 3);
}

/* ---- records ------------------------------------------------------- */

static void ring_init(void)
{
    static const char *const names[RECS] = {
        "anchor", "bolt", "cable", "davit", "eyelet", "fender", "gunwale", "hawser",
    };
    for (int i = 0; i < RECS; i++) {
        ring[i].next = &ring[(i * 3 + 1) % RECS];
        ring[i].kind = (enum kind)(i & 3);
        ring[i].hits = 0;
        ring[i].weight = (uint32_t)(i * 7 + 3);
        str_copy(ring[i].label, names[i]);
    }
}

static NOINLINE void record_touch(struct record *r, uint32_t v, uint32_t *out)
{
    r->hits++;
    switch (r->kind) {
    case KIND_PLAIN:
        r->weight += v & 15;
        break;
    case KIND_HEAVY:
        r->weight = r->weight * 3 + (v >> 28);
        r->kind = KIND_LIGHT;
        break;
    case KIND_LIGHT:
        r->weight = (r->weight >> 1) + 1;
        if (v & 1)
            r->kind = KIND_HEAVY;
        break;
    case KIND_SPARE:
        r->weight ^= v;
        r->kind = (enum kind)(v & 3);
        break;
    }
    *out += r->weight / (uint32_t)(r->label[0] - 'a' + 3) + r->weight % 7U;
}

static NOINLINE uint32_t ring_walk(uint32_t v, int steps)
{
    uint32_t out = 0;
    struct record *r = &ring[v % RECS];
    for (int i = 0; i < steps; i++) {
        record_touch(r, v, &out);
        v = (v << 5) ^ (v >> 27) ^ (uint32_t)i;
        r = r->next;
    }
    return out;
}

/* ---- small array --------------------------------------------------- */

static NOINLINE void small_sort(int32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t x = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > x) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

static NOINLINE int small_find(const int32_t *a, int n, int32_t key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) >> 1;
        if (a[mid] == key)
            return mid;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1 - lo;
}

/* ---- the rounds ---------------------------------------------------- */

static uint64_t fold(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3UL;
    return h ^ (h >> 31);
}

uint64_t bench_run(void)
{
    uint32_t state = 0x1234567U;
    uint64_t h = 0xcbf29ce484222325UL;
    u16 crc = 0xffff;

    ring_init();
    for (uint32_t round = 0; round < ROUNDS; round++) {
        make_text(text, &state, TEXT_LEN);
        int n = str_copy(copy, text);
        str_copy(other, text);
        other[step_rand(&state) % TEXT_LEN] ^= 0x20;
        int cmp = str_compare(copy, other);
        str_reverse(copy, n);
        uint32_t tok = tokenize(copy);
        crc = crc16(text, n, crc);
        h = fold(h, (uint64_t)tok << 20 ^ (uint64_t)(uint32_t)cmp ^ crc);

        if ((round & 7) == 0) {
            grid_fill(&state);
            h = fold(h, grid_product());
        }

        h = fold(h, ring_walk(step_rand(&state), 6));

        for (int i = 0; i < SMALL; i++)
            small[i] = (int32_t)(step_rand(&state) & 0xfff) - 0x800;
        small_sort(small, SMALL);
        int32_t key = small[round % SMALL] + (int32_t)(round & 1);
        h = fold(h, (uint32_t)small_find(small, SMALL, key));
    }

    for (int i = 0; i < RECS; i++)
        h = fold(h, (uint64_t)ring[i].hits << 32 | ring[i].weight);
    return h;
}
