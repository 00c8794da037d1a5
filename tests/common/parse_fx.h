/* The robustness drivers every exchange parser test runs over its samples: each sample
 * cut at every length, and byte mutations (1 to 3 bytes replaced by JSON-significant
 * or odd bytes, from a fixed seed so a failure repeats). `run` calls every parser on the
 * text: it must not crash, leak or read past len (ASan), whatever comes back. */
#ifndef SQT_PARSE_FX_H
#define SQT_PARSE_FX_H

#include <stdlib.h>
#include <string.h>

#include "sqt_test.h"

typedef void (*pfx_run_fn)(const char *s, size_t len);

static inline void pfx_truncations(const char *const *samples, size_t n, pfx_run_fn run)
{
    size_t i, cut;
    for (i = 0; i < n; i++)
        for (cut = 0; cut < strlen(samples[i]); cut++)
            run(samples[i], cut);
}

/* rounds mutants of each sample. */
static inline void pfx_mutations(const char *const *samples, size_t n, unsigned seed,
                                 size_t rounds, pfx_run_fn run)
{
    static const char bytes[] = "\"{}[],:0-9.aZ\\ \x01\xff";
    size_t i, r;
    for (i = 0; i < n; i++) {
        size_t len = strlen(samples[i]);
        char *buf = malloc(len + 1);
        if (buf == NULL) {
            CU_FAIL("out of memory");
            return;
        }
        for (r = 0; r < rounds; r++) {
            size_t k, flips = 1 + (r % 3);
            memcpy(buf, samples[i], len + 1);
            for (k = 0; k < flips; k++) {
                seed = seed * 1103515245u + 12345u;
                buf[(seed >> 8) % len] = bytes[(seed >> 20) % (sizeof(bytes) - 1)];
            }
            run(buf, len);
        }
        free(buf);
    }
}

#endif
