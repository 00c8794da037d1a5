/* Containers of the grid engine; see grid_index.h. */
#include "grid_index.h"

#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

/* Fibonacci hashing: the top bits of k * 2^64/phi. Grid indexes are consecutive and
 * land in distinct, evenly spread cells; client id hashes are spread already. */
static size_t gmap_home(const sqt_gmap *m, int64_t k)
{
    return (size_t)(((uint64_t)k * UINT64_C(0x9e3779b97f4a7c15)) >> m->shift);
}

static int gmap_alloc(sqt_gmap *m, size_t cap)
{
    unsigned bits = 0;
    m->cells = calloc(cap, sizeof *m->cells);
    if (m->cells == NULL)
        return SQT_ENOMEM;
    while (((size_t)1 << bits) < cap)
        bits++;
    m->cap = cap;
    m->n = 0;
    m->shift = 64u - bits;
    return 0;
}

int sqt_gmap_init(sqt_gmap *m, size_t min_cap)
{
    size_t cap = 16;
    while (cap < min_cap)
        cap <<= 1;
    memset(m, 0, sizeof *m);
    m->hint = calloc(SQT_GMAP_HINTS, sizeof *m->hint);
    if (m->hint == NULL || gmap_alloc(m, cap) != 0) {
        free(m->hint);
        m->hint = NULL;
        return SQT_ENOMEM;
    }
    return 0;
}

void sqt_gmap_free(sqt_gmap *m)
{
    free(m->cells);
    free(m->hint);
    memset(m, 0, sizeof *m);
}



static size_t gmap_slot(const sqt_gmap *m, int64_t k)
{
    size_t mask = m->cap - 1, i = gmap_home(m, k);
    while (m->cells[i].used && m->cells[i].key != k)
        i = (i + 1) & mask;
    return i;
}

/* The cell holding k, or SIZE_MAX. */
static size_t gmap_index(const sqt_gmap *m, int64_t k)
{
    size_t i;
    if (m->cap == 0)
        return SIZE_MAX;
    i = gmap_slot(m, k);
    return m->cells[i].used ? i : SIZE_MAX;
}

SQT_HOT uint32_t *sqt_gmap_find(const sqt_gmap *m, int64_t k)
{
    size_t i = gmap_index(m, k);
    if (i == SIZE_MAX)
        return NULL;
    if (i < UINT32_MAX)
        m->hint[(uint64_t)k % SQT_GMAP_HINTS] = (uint32_t)(i + 1);
    return &m->cells[i].val;
}

/* A lookup without hints, for keys that are hashes (nothing to gain from a hint). */
static uint32_t *gmap_probe(const sqt_gmap *m, int64_t k)
{
    size_t i = gmap_index(m, k);
    return i == SIZE_MAX ? NULL : &m->cells[i].val;
}

static int gmap_grow(sqt_gmap *m)
{
    sqt_gmap bigger;
    size_t i;
    if (m->cap > SIZE_MAX / 4 / sizeof *m->cells)
        return SQT_ENOMEM;
    if (gmap_alloc(&bigger, m->cap * 2) != 0)
        return SQT_ENOMEM;
    for (i = 0; i < m->cap; i++) {
        if (m->cells[i].used) {
            size_t j = gmap_slot(&bigger, m->cells[i].key);
            bigger.cells[j] = m->cells[i];
            bigger.n++;
        }
    }
    free(m->cells);
    bigger.hint = m->hint; /* stale hints are harmless: each is checked */
    *m = bigger;
    return 0;
}

int sqt_gmap_put(sqt_gmap *m, int64_t k, uint32_t v)
{
    size_t i;
    if ((m->n + 1) * 4 > m->cap * 3 && gmap_grow(m) != 0)
        return SQT_ENOMEM;
    i = gmap_slot(m, k);
    if (!m->cells[i].used) {
        m->cells[i].used = 1;
        m->cells[i].key = k;
        m->n++;
    }
    m->cells[i].val = v;
    return 0;
}

int sqt_gmap_del(sqt_gmap *m, int64_t k)
{
    size_t mask, i, j;
    if (m->cap == 0)
        return 0;
    mask = m->cap - 1;
    i = gmap_slot(m, k);
    if (!m->cells[i].used)
        return 0;
    /* backward-shift: pull later members of the probe run into the hole so lookups
     * never need tombstones */
    j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (!m->cells[j].used)
            break;
        home = gmap_home(m, m->cells[j].key);
        /* keep j where it is if its home lies cyclically in (i, j] */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        m->cells[i] = m->cells[j];
        i = j;
    }
    m->cells[i].used = 0;
    m->n--;
    return 1;
}

/* ---- ordered set: AVL tree in a node array ---------------------------------------- */

/* Indexes are uint32 and [0] is "none": at most UINT32_MAX - 1 nodes. */
#define GSET_MAX_NODES ((size_t)UINT32_MAX - 1)

#define GN(s, i) ((s)->nodes[i])

void sqt_gset_free(sqt_gset *s)
{
    free(s->nodes);
    memset(s, 0, sizeof *s);
}

int sqt_gset_reserve(sqt_gset *s, size_t cap)
{
    sqt_gset_node *nodes;
    if (s->cap >= cap)
        return 0;
    if (cap > GSET_MAX_NODES || cap + 1 > SIZE_MAX / sizeof *nodes)
        return SQT_ENOMEM;
    nodes = realloc(s->nodes, (cap + 1) * sizeof *nodes);
    if (nodes == NULL)
        return SQT_ENOMEM;
    if (s->nodes == NULL)
        memset(&nodes[0], 0, sizeof nodes[0]);
    s->nodes = nodes;
    s->cap = cap;
    return 0;
}

static int gset_h(const sqt_gset *s, sqt_gset_pos i)
{
    return i ? GN(s, i).h : 0;
}

static void gset_fix_h(sqt_gset *s, sqt_gset_pos i)
{
    int hl = gset_h(s, GN(s, i).l), hr = gset_h(s, GN(s, i).r);
    GN(s, i).h = (uint8_t)(1 + (hl > hr ? hl : hr));
}

/* Make `to` take `from`'s place under parent p (the root when p is 0). */
static void gset_relink(sqt_gset *s, sqt_gset_pos p, sqt_gset_pos from, sqt_gset_pos to)
{
    if (p == 0)
        s->root = to;
    else if (GN(s, p).l == from)
        GN(s, p).l = to;
    else
        GN(s, p).r = to;
    if (to != 0)
        GN(s, to).p = p;
}

/* x's right child y becomes the subtree's root. Returns y. */
static sqt_gset_pos gset_rot_left(sqt_gset *s, sqt_gset_pos x)
{
    sqt_gset_pos y = GN(s, x).r, b = GN(s, y).l;
    gset_relink(s, GN(s, x).p, x, y);
    GN(s, x).r = b;
    if (b != 0)
        GN(s, b).p = x;
    GN(s, y).l = x;
    GN(s, x).p = y;
    gset_fix_h(s, x);
    gset_fix_h(s, y);
    return y;
}

static sqt_gset_pos gset_rot_right(sqt_gset *s, sqt_gset_pos x)
{
    sqt_gset_pos y = GN(s, x).l, b = GN(s, y).r;
    gset_relink(s, GN(s, x).p, x, y);
    GN(s, x).l = b;
    if (b != 0)
        GN(s, b).p = x;
    GN(s, y).r = x;
    GN(s, x).p = y;
    gset_fix_h(s, x);
    gset_fix_h(s, y);
    return y;
}

/* Restore heights and balance from i upwards after a change below i. Each node's stored
 * height is still the one from before the change, so the walk stops at the first
 * position whose subtree kept its height: nothing above can have changed. */
SQT_HOT static void gset_retrace(sqt_gset *s, sqt_gset_pos i)
{
    while (i != 0) {
        sqt_gset_pos l = GN(s, i).l, r = GN(s, i).r;
        int bal = gset_h(s, l) - gset_h(s, r), before = GN(s, i).h;
        if (bal > 1) {
            if (gset_h(s, GN(s, l).l) < gset_h(s, GN(s, l).r))
                gset_rot_left(s, l);
            i = gset_rot_right(s, i);
        } else if (bal < -1) {
            if (gset_h(s, GN(s, r).r) < gset_h(s, GN(s, r).l))
                gset_rot_right(s, r);
            i = gset_rot_left(s, i);
        } else {
            gset_fix_h(s, i);
        }
        if (GN(s, i).h == before)
            return;
        i = GN(s, i).p;
    }
}

static sqt_gset_pos gset_find(const sqt_gset *s, int64_t k)
{
    sqt_gset_pos i = s->root;
    if (i == 0 || k < GN(s, s->lo).k || k > GN(s, s->hi).k)
        return 0;
    while (i != 0 && GN(s, i).k != k)
        i = k < GN(s, i).k ? GN(s, i).l : GN(s, i).r;
    return i;
}

int sqt_gset_has(const sqt_gset *s, int64_t k)
{
    return gset_find(s, k) != 0;
}

SQT_HOT int sqt_gset_add(sqt_gset *s, int64_t k)
{
    sqt_gset_pos p = 0, i = s->root, x;
    int left = 0;
    /* beyond an edge the new node hangs under that edge's node: no descent */
    if (i != 0 && k < GN(s, s->lo).k) {
        p = s->lo;
        left = 1;
        i = 0;
    } else if (i != 0 && k > GN(s, s->hi).k) {
        p = s->hi;
        i = 0;
    }
    while (i != 0) {
        if (k == GN(s, i).k)
            return 0;
        p = i;
        left = k < GN(s, i).k;
        i = left ? GN(s, i).l : GN(s, i).r;
    }
    if (s->free_list != 0) {
        x = s->free_list;
        s->free_list = GN(s, x).r;
    } else {
        if ((size_t)s->top >= s->cap &&
            sqt_gset_reserve(s, s->cap ? (s->cap > GSET_MAX_NODES / 2 ? GSET_MAX_NODES
                                                                      : s->cap * 2)
                                       : 16) != 0)
            return SQT_ENOMEM;
        if ((size_t)s->top >= s->cap)
            return SQT_ENOMEM; /* GSET_MAX_NODES members already */
        x = ++s->top;
    }
    GN(s, x).k = k;
    GN(s, x).l = GN(s, x).r = 0;
    GN(s, x).p = p;
    GN(s, x).h = 1;
    if (p == 0) {
        s->root = s->lo = s->hi = x;
    } else {
        if (left)
            GN(s, p).l = x;
        else
            GN(s, p).r = x;
        if (k < GN(s, s->lo).k)
            s->lo = x;
        if (k > GN(s, s->hi).k)
            s->hi = x;
    }
    s->n++;
    gset_retrace(s, p);
    return 0;
}

static sqt_gset_pos gset_min_from(const sqt_gset *s, sqt_gset_pos i)
{
    while (GN(s, i).l != 0)
        i = GN(s, i).l;
    return i;
}

static sqt_gset_pos gset_max_from(const sqt_gset *s, sqt_gset_pos i)
{
    while (GN(s, i).r != 0)
        i = GN(s, i).r;
    return i;
}

SQT_HOT void sqt_gset_del(sqt_gset *s, int64_t k)
{
    sqt_gset_pos z = gset_find(s, k), from;
    if (z == 0)
        return;
    /* successor and predecessor do not change when z's node is unlinked */
    if (z == s->lo)
        s->lo = sqt_gset_next(s, z);
    if (z == s->hi)
        s->hi = sqt_gset_prev(s, z);
    if (GN(s, z).l == 0 || GN(s, z).r == 0) {
        from = GN(s, z).p;
        gset_relink(s, from, z, GN(s, z).l ? GN(s, z).l : GN(s, z).r);
    } else {
        /* the successor node y moves into z's place (nodes are relinked, never
         * rewritten, so positions held by callers keep naming their members) */
        sqt_gset_pos y = gset_min_from(s, GN(s, z).r);
        if (GN(s, y).p != z) {
            from = GN(s, y).p;
            gset_relink(s, from, y, GN(s, y).r);
            GN(s, y).r = GN(s, z).r;
            GN(s, GN(s, y).r).p = y;
        } else {
            from = y;
        }
        gset_relink(s, GN(s, z).p, z, y);
        GN(s, y).l = GN(s, z).l;
        GN(s, GN(s, y).l).p = y;
        GN(s, y).h = GN(s, z).h; /* the position's old height, for the retrace */
    }
    GN(s, z).r = s->free_list;
    s->free_list = z;
    s->n--;
    gset_retrace(s, from);
}

SQT_HOT sqt_gset_pos sqt_gset_lower(const sqt_gset *s, int64_t k)
{
    sqt_gset_pos i = s->root, best = 0;
    if (i == 0 || k > GN(s, s->hi).k)
        return 0;
    if (k <= GN(s, s->lo).k)
        return s->lo;
    while (i != 0) {
        if (GN(s, i).k >= k) {
            best = i;
            i = GN(s, i).l;
        } else {
            i = GN(s, i).r;
        }
    }
    return best;
}

SQT_HOT sqt_gset_pos sqt_gset_first(const sqt_gset *s)
{
    return s->lo;
}

SQT_HOT sqt_gset_pos sqt_gset_last(const sqt_gset *s)
{
    return s->hi;
}

sqt_gset_pos sqt_gset_next(const sqt_gset *s, sqt_gset_pos i)
{
    sqt_gset_pos p;
    if (i == s->hi)
        return 0;
    if (GN(s, i).r != 0)
        return gset_min_from(s, GN(s, i).r);
    for (p = GN(s, i).p; p != 0 && GN(s, p).r == i; p = GN(s, p).p)
        i = p;
    return p;
}

SQT_HOT sqt_gset_pos sqt_gset_prev(const sqt_gset *s, sqt_gset_pos i)
{
    sqt_gset_pos p;
    if (i == s->lo)
        return 0;
    if (GN(s, i).l != 0)
        return gset_max_from(s, GN(s, i).l);
    for (p = GN(s, i).p; p != 0 && GN(s, p).l == i; p = GN(s, p).p)
        i = p;
    return p;
}

/* Descend to the leftmost node under i, refusing links that leave the handed-out
 * nodes or whose child does not point back: 0 then. */
static sqt_gset_pos gset_check_min(const sqt_gset *s, sqt_gset_pos i)
{
    sqt_gset_pos l;
    size_t steps = 0;
    while ((l = GN(s, i).l) != 0) {
        if (l > s->top || GN(s, l).p != i || ++steps > s->n)
            return 0;
        i = l;
    }
    return i;
}

int sqt_gset_check(const sqt_gset *s)
{
    sqt_gset_pos i;
    size_t seen = 0;
    int64_t prev = 0;
    sqt_gset_pos last = 0;
    if (s->root == 0)
        return s->n == 0 && s->lo == 0 && s->hi == 0 ? 0 : -1;
    if (s->root > s->top || (size_t)s->top > s->cap || GN(s, s->root).p != 0 ||
        (i = gset_check_min(s, s->root)) == 0 || i != s->lo)
        return -1;
    /* in order; every node is entered through a verified child link, so climbing its
     * parent links stays inside the tree; seen bounds the walk */
    while (i != 0) {
        sqt_gset_pos l = GN(s, i).l, r = GN(s, i).r, p;
        int hl, hr;
        if (r > s->top || (r != 0 && GN(s, r).p != i))
            return -1;
        hl = gset_h(s, l); /* l was verified on the way down */
        hr = gset_h(s, r);
        if (++seen > s->n || hl - hr < -1 || hl - hr > 1 ||
            GN(s, i).h != 1 + (hl > hr ? hl : hr))
            return -1;
        if (seen > 1 && GN(s, i).k <= prev)
            return -1;
        prev = GN(s, i).k;
        last = i;
        if (r != 0) {
            if ((i = gset_check_min(s, r)) == 0)
                return -1;
            continue;
        }
        for (p = GN(s, i).p; p != 0 && GN(s, p).r == i; p = GN(s, p).p)
            i = p;
        i = p;
    }
    return seen == s->n && last == s->hi ? 0 : -1;
}

int sqt_gring_init(sqt_gring *r, size_t cap)
{
    memset(r, 0, sizeof *r);
    if (cap == 0)
        cap = 1;
    r->keys = calloc(cap, sizeof *r->keys);
    r->tags = calloc(cap, sizeof *r->tags);
    if (r->keys == NULL || r->tags == NULL || sqt_gmap_init(&r->pos, cap * 2) != 0) {
        free(r->keys);
        free(r->tags);
        memset(r, 0, sizeof *r);
        return SQT_ENOMEM;
    }
    r->cap = cap;
    return 0;
}

void sqt_gring_free(sqt_gring *r)
{
    free(r->keys);
    free(r->tags);
    sqt_gmap_free(&r->pos);
    memset(r, 0, sizeof *r);
}

static int ring_put(sqt_gring *r, uint64_t key, uint8_t tag)
{
    uint32_t *p = gmap_probe(&r->pos, (int64_t)key);
    if (p != NULL) {
        r->tags[*p] = tag;
        return 0;
    }
    if (r->n == r->cap) {
        /* forget the oldest, which sits where we are about to write */
        uint64_t old = r->keys[r->head];
        uint32_t *q = gmap_probe(&r->pos, (int64_t)old);
        if (q != NULL && *q == (uint32_t)r->head)
            sqt_gmap_del(&r->pos, (int64_t)old);
        r->n--;
    }
    if (sqt_gmap_put(&r->pos, (int64_t)key, (uint32_t)r->head) != 0)
        return SQT_ENOMEM;
    r->keys[r->head] = key;
    r->tags[r->head] = tag;
    r->head = (r->head + 1) % r->cap;
    r->n++;
    return 0;
}

int sqt_gring_flush(sqt_gring *r)
{
    size_t i;
    int rc = 0;
    for (i = 0; i < r->n_pend && rc == 0; i++)
        rc = ring_put(r, r->pend_key[i], r->pend_tag[i]);
    if (rc != 0)
        i--; /* that one is not in */
    memmove(r->pend_key, r->pend_key + i, (r->n_pend - i) * sizeof r->pend_key[0]);
    memmove(r->pend_tag, r->pend_tag + i, (r->n_pend - i) * sizeof r->pend_tag[0]);
    r->n_pend -= i;
    return rc;
}

/* Every add is listed, a repeated key too (merged, a flush would put the keys in another
 * order than they came and forget other ones than the ring would have). */
SQT_HOT int sqt_gring_add(sqt_gring *r, uint64_t key, uint8_t tag)
{
    int rc;
    if (r->n_pend == SQT_GRING_PENDING && (rc = sqt_gring_flush(r)) != 0)
        return rc;
    r->pend_key[r->n_pend] = key;
    r->pend_tag[r->n_pend++] = tag;
    return 0;
}

uint8_t sqt_gring_get(const sqt_gring *r, uint64_t key)
{
    const uint32_t *p;
    size_t i;
    for (i = r->n_pend; i-- > 0;) /* the newest add of key first */
        if (r->pend_key[i] == key)
            return r->pend_tag[i];
    p = gmap_probe(&r->pos, (int64_t)key);
    return p != NULL ? r->tags[*p] : 0;
}

SQT_HOT uint64_t sqt_ghash_str(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s != '\0'; s++) {
        h ^= (uint8_t)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
