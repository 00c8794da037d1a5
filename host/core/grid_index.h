/* Containers of the grid engine (internal to host/core/grid*.c): an int64 -> uint32
 * hash map, an ordered set of int64 and a bounded "recently finished" set. They keep the
 * engine's per-tick work proportional to the window, not to every slot ever seen.
 * All allocation failures are reported (SQT_ENOMEM); nothing aborts. */
#ifndef SQT_GRID_INDEX_H
#define SQT_GRID_INDEX_H

#include <stddef.h>
#include <stdint.h>

/* Open addressing, linear probing, backward-shift deletion; capacity a power of two.
 * Key, value and the in-use mark of a cell sit together: a probe touches one cache
 * line (the engine looks up every window level on every price). */
typedef struct sqt_gmap_cell {
    int64_t key;
    uint32_t val;
    uint32_t used;
} sqt_gmap_cell;

#define SQT_GMAP_HINTS 64

typedef struct sqt_gmap {
    sqt_gmap_cell *cells;
    size_t cap;
    size_t n;
    unsigned shift;            /* 64 - log2(cap): the hash's top bits pick the home cell */
    uint32_t *hint;            /* [k % SQT_GMAP_HINTS]: 1 + the cell k was last found in,
                                * checked before use (cells move); a window of consecutive
                                * levels is found without probing */
} sqt_gmap;

int sqt_gmap_init(sqt_gmap *m, size_t min_cap);
void sqt_gmap_free(sqt_gmap *m);
/* sqt_gmap_get without a usable hint: probes, and leaves a hint when found. */
uint32_t *sqt_gmap_find(const sqt_gmap *m, int64_t k);
/* Pointer to the value of k, or NULL. Valid until the next put/del. Inline: the
 * engine asks for every level of its window on every price. */
static inline uint32_t *sqt_gmap_get(const sqt_gmap *m, int64_t k)
{
    uint32_t h;
    if (m->cap == 0)
        return NULL;
    h = m->hint[(uint64_t)k % SQT_GMAP_HINTS];
    if (h != 0 && m->cells[h - 1].used && m->cells[h - 1].key == k)
        return &m->cells[h - 1].val;
    return sqt_gmap_find(m, k);
}
/* Insert or overwrite. 0 or SQT_ENOMEM (the map is unchanged then). */
int sqt_gmap_put(sqt_gmap *m, int64_t k, uint32_t v);
/* 1 if k was present. */
int sqt_gmap_del(sqt_gmap *m, int64_t k);

/* Ordered set of int64: an AVL tree whose nodes live in one array (indexes, not
 * pointers; deleted nodes are reused), so every operation is O(log n) worst case and
 * growth is one realloc. A zeroed struct is an empty set.
 * A position (sqt_gset_pos) names one member; 0 (SQT_GSET_END) names none. It stays
 * valid while its member is in the set, across other inserts, deletes and growth. */
typedef uint32_t sqt_gset_pos;
#define SQT_GSET_END ((sqt_gset_pos)0)

typedef struct sqt_gset_node {
    int64_t k;
    sqt_gset_pos l, r, p;      /* children and parent, 0 = none */
    uint8_t h;                 /* height of the subtree, a leaf is 1 */
} sqt_gset_node;

typedef struct sqt_gset {
    sqt_gset_node *nodes;      /* [1..cap]; [0] stands for "none" and is never used */
    size_t cap;
    size_t n;                  /* members (read-only) */
    sqt_gset_pos root;
    sqt_gset_pos lo, hi;       /* smallest and largest member: the engine works at the
                                * edges (fills near the market), so those are O(1) */
    sqt_gset_pos free_list;    /* deleted nodes, linked through .r */
    sqt_gset_pos top;          /* nodes above this were never handed out */
} sqt_gset;

void sqt_gset_free(sqt_gset *s);
/* Room for cap members: while n < cap, sqt_gset_add cannot fail. 0 or SQT_ENOMEM (the
 * set is unchanged then). */
int sqt_gset_reserve(sqt_gset *s, size_t cap);
int sqt_gset_has(const sqt_gset *s, int64_t k);
/* 0 (also when already present) or SQT_ENOMEM (the set is unchanged then). */
int sqt_gset_add(sqt_gset *s, int64_t k);
void sqt_gset_del(sqt_gset *s, int64_t k);
/* The first member >= k, the smallest, the largest, the next and previous members in
 * order; SQT_GSET_END when there is none. first/last are O(1), next/prev O(1) amortised
 * over a scan. */
sqt_gset_pos sqt_gset_lower(const sqt_gset *s, int64_t k);
sqt_gset_pos sqt_gset_first(const sqt_gset *s);
sqt_gset_pos sqt_gset_last(const sqt_gset *s);
sqt_gset_pos sqt_gset_next(const sqt_gset *s, sqt_gset_pos i);
sqt_gset_pos sqt_gset_prev(const sqt_gset *s, sqt_gset_pos i);
/* The member at a position other than SQT_GSET_END. */
static inline int64_t sqt_gset_key(const sqt_gset *s, sqt_gset_pos i)
{
    return s->nodes[i].k;
}
/* 0 when the tree is well formed (order, links, heights, balance, count); for the
 * engine's invariant check and tests. O(n). */
int sqt_gset_check(const sqt_gset *s);

/* The last `cap` finished keys (64-bit hashes of client ids) with a small tag each;
 * the oldest is forgotten when full. A key added goes first into a short list in the
 * struct itself (hot memory), and into the ring and its map (random places in ~330 KiB:
 * cold cache lines and TLB entries, ~4 µs of a fill's turn) when the list is full or
 * at sqt_gring_flush(), which the engine's user calls once the turn's requests left
 * (sqt_grid_tidy). The list is the adds in order, so after a flush the ring is what it
 * would have been without the list; before it, sqt_gring_get answers as that ring for
 * every key it holds (the list only makes the oldest keys forgotten a little later). */
#define SQT_GRING_PENDING 16

typedef struct sqt_gring {
    uint64_t *keys;
    uint8_t *tags;
    size_t cap;
    size_t head;               /* next write position */
    size_t n;
    sqt_gmap pos;              /* key -> ring position */
    uint64_t pend_key[SQT_GRING_PENDING]; /* added, not yet in the ring: oldest first */
    uint8_t pend_tag[SQT_GRING_PENDING];
    size_t n_pend;
} sqt_gring;

int sqt_gring_init(sqt_gring *r, size_t cap);
void sqt_gring_free(sqt_gring *r);
/* Remember key with tag (a repeated key gets the new tag). 0 or SQT_ENOMEM. */
int sqt_gring_add(sqt_gring *r, uint64_t key, uint8_t tag);
/* Its tag, or 0 when not remembered. */
uint8_t sqt_gring_get(const sqt_gring *r, uint64_t key);
/* Move the keys added since the last flush into the ring. 0 or SQT_ENOMEM (the keys
 * not moved stay listed). */
int sqt_gring_flush(sqt_gring *r);

/* FNV-1a 64 of a NUL-terminated string. */
uint64_t sqt_ghash_str(const char *s);

#endif
