/* The process's memory allocator (memalloc.h). */
#include "memalloc.h"

#include <stdio.h>
#include <string.h>

/* jemalloc's control call: there when the program links jemalloc (the opensqt
 * executable does, with OPENSQT_JEMALLOC), NULL otherwise. Weak, so the host library
 * links into the tests and benchmarks without it (they keep the C library's malloc). */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

/* jemalloc reads its options from this symbol of the program at its first allocation
 * (the MALLOC_CONF environment variable, read after it, can still override them):
 * thp:always madvises every extent of its heap for huge pages, metadata_thp:always its
 * own bookkeeping too (looked up on every malloc and free). Unused without jemalloc. */
const char *malloc_conf = "thp:always,metadata_thp:always";

const char *sqt_memalloc_thp_mode(char *buf, size_t len)
{
    char line[128];
    const char *lb, *rb;
    size_t n;
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    snprintf(buf, len, "unknown");
    if (f == NULL)
        return buf;
    /* "always [madvise] never": the mode in brackets */
    if (fgets(line, sizeof(line), f) != NULL && (lb = strchr(line, '[')) != NULL &&
        (rb = strchr(lb, ']')) != NULL) {
        n = (size_t)(rb - lb - 1);
        snprintf(buf, len, "%.*s", (int)n, lb + 1);
    }
    fclose(f);
    return buf;
}

int sqt_memalloc_huge(void)
{
    const char *thp = NULL;
    size_t sz = sizeof(thp);
    return mallctl != NULL && mallctl("opt.thp", &thp, &sz, NULL, 0) == 0 && thp != NULL &&
           strcmp(thp, "always") == 0;
}

const char *sqt_memalloc_describe(char *buf, size_t len)
{
    char mode[32];
    const char *grant;
    const char *ver = NULL;
    size_t sz = sizeof(ver);
    sqt_memalloc_thp_mode(mode, sizeof(mode));
    if (mallctl == NULL) {
        snprintf(buf, len, "the C library's malloc, its heap on 4 KiB pages (no jemalloc "
                           "linked; system THP: %s)", mode);
        return buf;
    }
    if (mallctl("version", &ver, &sz, NULL, 0) != 0 || ver == NULL)
        ver = "?";
    if (!sqt_memalloc_huge())
        grant = "its heap on 4 KiB pages (MALLOC_CONF turned thp off)";
    else if (strcmp(mode, "never") == 0)
        grant = "its heap on 4 KiB pages: the system's transparent huge pages are off";
    else if (strcmp(mode, "unknown") == 0)
        grant = "its heap on 4 KiB pages: this kernel has no transparent huge pages";
    else
        grant = "its heap on transparent huge pages";
    snprintf(buf, len, "jemalloc %.40s, %s (system THP: %s)", ver, grant, mode);
    return buf;
}
