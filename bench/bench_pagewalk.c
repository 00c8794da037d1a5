/* What a cold page costs on this machine, against a cold cache line: the figure behind
 * the host's heap on huge pages (host/memalloc.h) and its code prefetch (host/hotcode.h).
 *
 * A chain of dependent loads (each load's value is the next address, as a turn's code
 * follows its pointers) runs after the caches and the TLB were swept by streaming 256
 * MiB through the core. Reported per load, the median of SQT_BENCH_ROUNDS (default 40):
 *   - lines in 4 pages: a cache miss, the page's translation found;
 *   - distinct 4 KiB pages in one 2 MiB region, on 4 KiB pages and on a transparent
 *     huge page (a heap's case: one region, many pages);
 *   - distinct pages 10 MiB apart (a process's libraries and data: far apart), without and
 *     after a prefetch per page issued together first (the walks overlap).
 * On a virtual machine a TLB miss walks the guest's tables and, for each of their
 * entries, the host's: the difference between the first line and the others. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench_util.h"

#define HUGE ((size_t)2 << 20)
#define PAGE ((size_t)4096)
#define LOADS 100
#define SWEEP ((size_t)256 << 20)

enum { LINES_4_PAGES, PAGES_ONE_REGION, PAGES_ONE_HUGE, PAGES_FAR, PAGES_FAR_PREFETCHED, CASES };
static const char *const names[CASES] = {
    "lines in 4 pages (cache miss, translation found)",
    "distinct 4 KiB pages in one 2 MiB region, 4 KiB pages",
    "distinct 4 KiB pages in one 2 MiB region, a huge page",
    "distinct pages 10 MiB apart",
    "distinct pages 10 MiB apart, one prefetch per page first",
};

static char *map_region(size_t len, int huge)
{
    char *m = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    m = (char *)(((uintptr_t)m + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
    madvise(m, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    memset(m, 1, len); /* every page present before the clock */
    return m;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    int rounds = (int)bench_env_long("SQT_BENCH_ROUNDS", 40), r, c, i;
    size_t far_len = (size_t)LOADS * (10 << 20);
    char *small = map_region(HUGE * 64, 0), *huge = map_region(HUGE * 64, 1);
    char *far = map_region(far_len, 0), *sweep = malloc(SWEEP);
    uint64_t *t = calloc((size_t)rounds, sizeof(*t));
    volatile char sink = 0;
    if (small == NULL || huge == NULL || far == NULL || sweep == NULL || t == NULL || rounds < 1) {
        fprintf(stderr, "bench_pagewalk: out of memory\n");
        return 1;
    }
    memset(sweep, 2, SWEEP);
    printf("== bench_pagewalk: one dependent load after the caches and TLB were swept "
           "(median of %d rounds x %d loads)\n", rounds, LOADS);
    for (c = 0; c < CASES; c++) {
        for (r = 0; r < rounds; r++) {
            size_t off[LOADS], p;
            char *base;
            uint64_t t0;
            for (i = 0; i < LOADS; i++) {
                size_t line = (size_t)((i * 37 + r * 11) % 64) * 64;
                if (c == LINES_4_PAGES)
                    off[i] = (size_t)(i % 4) * PAGE + (size_t)((i / 4 * 37) % 64) * 64;
                else if (c == PAGES_ONE_REGION || c == PAGES_ONE_HUGE)
                    off[i] = (size_t)((i * 7) % 512) * PAGE + line;
                else
                    off[i] = (size_t)i * (10 << 20) + (size_t)(r % 16) * PAGE + line;
            }
            base = c == PAGES_ONE_HUGE ? huge + (size_t)(r % 64) * HUGE
                   : c >= PAGES_FAR    ? far
                                       : small + (size_t)(r % 64) * HUGE;
            for (i = 0; i < LOADS; i++)
                *(size_t *)(base + off[i]) = i + 1 < LOADS ? off[i + 1] : 0;
            for (p = 0; p < SWEEP; p += 64)
                sink += sweep[p];
            t0 = bench_now_ns();
            if (c == PAGES_FAR_PREFETCHED)
                for (i = 0; i < LOADS; i++) /* another line of the same page */
                    __builtin_prefetch(base + (off[i] ^ 2048), 0, 2);
            for (p = off[0], i = 0; i < LOADS; i++)
                p = *(volatile size_t *)(base + p);
            t[r] = bench_now_ns() - t0;
            sink += (char)p;
        }
        qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
        printf("  %-58s %7.0f ns per load\n", names[c], (double)t[rounds / 2] / LOADS);
    }
    (void)sink;
    return 0;
}
