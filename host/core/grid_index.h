/* Containers of the grid engine (internal to host/core/grid*.c): an int64 -> uint32
 * hash map, a sorted set of int64 and a bounded "recently finished" set. They keep the
 * engine's per-tick work proportional to the window, not to every slot ever seen.
 * All allocation failures are reported (SQT_ENOMEM); nothing aborts. */
#ifndef SQT_GRID_INDEX_H
#define SQT_GRID_INDEX_H

#include <stddef.h>
#include <stdint.h>

/* Open addressing, linear probing, backward-shift deletion; capacity a power of two. */
typedef struct sqt_gmap {
    int64_t *keys;
    uint32_t *vals;
    uint8_t *used;
    size_t cap;
    size_t n;
} sqt_gmap;

int sqt_gmap_init(sqt_gmap *m, size_t min_cap);
void sqt_gmap_free(sqt_gmap *m);
/* Pointer to the value of k, or NULL. Valid until the next put/del. */
uint32_t *sqt_gmap_get(const sqt_gmap *m, int64_t k);
/* Insert or overwrite. 0 or SQT_ENOMEM (the map is unchanged then). */
int sqt_gmap_put(sqt_gmap *m, int64_t k, uint32_t v);
/* 1 if k was present. */
int sqt_gmap_del(sqt_gmap *m, int64_t k);

/* Sorted ascending, no duplicates. Insert/delete move memory (they happen on state
 * changes, not per tick); lookups are binary searches. */
typedef struct sqt_gset {
    int64_t *v;
    size_t n;
    size_t cap;
} sqt_gset;

void sqt_gset_free(sqt_gset *s);
/* Index of the first element >= k (n when none). */
size_t sqt_gset_lower(const sqt_gset *s, int64_t k);
int sqt_gset_has(const sqt_gset *s, int64_t k);
/* 0 (also when already present) or SQT_ENOMEM. */
int sqt_gset_add(sqt_gset *s, int64_t k);
void sqt_gset_del(sqt_gset *s, int64_t k);

/* The last `cap` finished keys (64-bit hashes of client ids) with a small tag each;
 * the oldest is forgotten when full. */
typedef struct sqt_gring {
    uint64_t *keys;
    uint8_t *tags;
    size_t cap;
    size_t head;               /* next write position */
    size_t n;
    sqt_gmap pos;              /* key -> ring position */
} sqt_gring;

int sqt_gring_init(sqt_gring *r, size_t cap);
void sqt_gring_free(sqt_gring *r);
/* Remember key with tag (a repeated key gets the new tag). 0 or SQT_ENOMEM. */
int sqt_gring_add(sqt_gring *r, uint64_t key, uint8_t tag);
/* Its tag, or 0 when not remembered. */
uint8_t sqt_gring_get(const sqt_gring *r, uint64_t key);

/* FNV-1a 64 of a NUL-terminated string. */
uint64_t sqt_ghash_str(const char *s);

#endif
