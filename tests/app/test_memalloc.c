/* The process's allocator (host/memalloc.h), built twice: linked with jemalloc as the
 * opensqt executable is (SQT_TEST_JEMALLOC=1), and without, as the tests and benchmarks
 * are. With jemalloc the options the host sets must reach it, and where the system grants
 * transparent huge pages a heap of small blocks must come to lie on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memalloc.h"
#include "sqt_test.h"

/* AnonHugePages of this process, in KiB (-1: unreadable) */
static long anon_huge_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void test_thp_mode(void)
{
    char mode[32];
    sqt_memalloc_thp_mode(mode, sizeof(mode));
    CU_ASSERT_TRUE(strcmp(mode, "always") == 0 || strcmp(mode, "madvise") == 0 ||
                   strcmp(mode, "never") == 0 || strcmp(mode, "unknown") == 0);
    /* a buffer too small is cut, never overrun */
    sqt_memalloc_thp_mode(mode, 3);
    CU_ASSERT_TRUE(strlen(mode) <= 2);
}

static void test_allocator(void)
{
    char desc[256], mode[32];
    enum { BLOCKS = 16384, SIZE = 512 }; /* 8 MiB of small blocks */
    char **b;
    long before, after;
    int i;
    sqt_memalloc_describe(desc, sizeof(desc));
    sqt_memalloc_thp_mode(mode, sizeof(mode));
    SQT_ASSERT_CONTAINS(desc, mode);
#if SQT_TEST_JEMALLOC
    /* the host's malloc_conf reached jemalloc: its heap asks for huge pages */
    SQT_ASSERT_INT_EQ(sqt_memalloc_huge(), 1);
    SQT_ASSERT_CONTAINS(desc, "jemalloc 5");
#else
    SQT_ASSERT_INT_EQ(sqt_memalloc_huge(), 0);
    SQT_ASSERT_CONTAINS(desc, "the C library's malloc, its heap on 4 KiB pages");
#endif
    before = anon_huge_kb();
    b = calloc(BLOCKS, sizeof(*b));
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (i = 0; i < BLOCKS; i++) {
        b[i] = malloc(SIZE);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b[i]);
        memset(b[i], i & 0xff, SIZE);
    }
    after = anon_huge_kb();
    if (sqt_memalloc_huge() && (strcmp(mode, "always") == 0 || strcmp(mode, "madvise") == 0)) {
        SQT_ASSERT_CONTAINS(desc, "its heap on transparent huge pages");
        /* the blocks lie on huge pages: at least one 2 MiB page more than before */
        CU_ASSERT_TRUE(before >= 0 && after >= before + 2048);
    } else if (after >= 0) {
        printf("\n  (huge pages not asked for or not granted here: %s)\n", desc);
    }
    for (i = 0; i < BLOCKS; i++)
        free(b[i]);
    free(b);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"the system's THP mode", test_thp_mode},
        {"the allocator and its heap's pages", test_allocator},
        {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("memalloc", cases);
    return sqt_test_run();
}
