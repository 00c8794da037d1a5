/* The process's memory allocator. Built with OPENSQT_JEMALLOC (the default outside the
 * sanitizer build), the opensqt executable links jemalloc, and this file asks it to keep
 * its heap on transparent huge pages (2 MiB): a wake after sleep pays a page walk for
 * every distinct 4 KiB page it touches, and a tick touches ~100 heap pages (the
 * WebSocket buffers, the engine's slots, the executor, curl's handles and buffers, the
 * journal's). On a KVM guest a cold load to a new 4 KiB page of one 2 MiB region took
 * 0.33 µs, to one on a huge page 0.18 µs, a cache miss alone 0.1 µs (bench_pagewalk).
 * The cost: the heap's resident memory is rounded up to huge pages (~15 MiB more). */
#ifndef SQT_MEMALLOC_H
#define SQT_MEMALLOC_H

#include <stddef.h>

/* One line for the start-up log: which allocator, whether its heap asks for huge pages,
 * and what the system grants (/sys/kernel/mm/transparent_hugepage/enabled). Returns
 * buf. */
const char *sqt_memalloc_describe(char *buf, size_t len);

/* 1: the allocator asks the kernel for huge pages for its heap (jemalloc, thp:always);
 * 0: it does not (the C library's malloc: a program that does not link jemalloc, such as
 * the tests and benchmarks; or jemalloc told otherwise by MALLOC_CONF). */
int sqt_memalloc_huge(void);

/* The system's transparent huge page mode: "always", "madvise", "never", or "unknown"
 * (no such file: a kernel without THP). */
const char *sqt_memalloc_thp_mode(char *buf, size_t len);

#endif
