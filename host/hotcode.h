/* The code of the fill path (the functions marked SQT_HOT, in the ELF section sqt_hot of
 * the host and of a loaded plugin), prefetched into the CPU's L2 cache when the loop
 * wakes from idle: a turn that starts cold after the process slept otherwise takes a
 * cache miss, one after the other, for every line of that code as it first runs.
 * Prefetches are issued together and complete in parallel; they cannot fault, so an
 * address range that is wrong costs time, never a crash. */
#ifndef SQT_HOTCODE_H
#define SQT_HOTCODE_H

#include <stddef.h>

#define SQT_HOTCODE_RANGES 4
/* At most this much is prefetched per wake, all ranges together: a plugin whose section
 * is bigger gets its first part only (the whole L2 is a few times this). */
#define SQT_HOTCODE_MAX_BYTES ((size_t)256 << 10)

typedef struct sqt_hotcode {
    struct {
        const char *lo;
        size_t len;
    } r[SQT_HOTCODE_RANGES];
    int n;
    size_t bytes;                      /* the sum of the lengths */
} sqt_hotcode;

/* Starts with the executable's own section (none in a build without SQT_HOT). */
void sqt_hotcode_init(sqt_hotcode *hc);

/* Adds the sqt_hot section of an object loaded by dlopen (its handle), read from the
 * object's section headers. Returns the section's length in bytes (0: the object has
 * none, or it could not be read: nothing added). */
size_t sqt_hotcode_add_object(sqt_hotcode *hc, void *dl);

/* Prefetches every range into the L2 cache (one prefetch per 64-byte line). */
void sqt_hotcode_prefetch(const sqt_hotcode *hc);

#endif
