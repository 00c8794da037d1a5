/* Containers of the grid engine; see grid_index.h. */
#include "grid_index.h"

#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finaliser: grid indexes are consecutive, so spread them */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static int gmap_alloc(sqt_gmap *m, size_t cap)
{
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    m->used = calloc(cap, sizeof *m->used);
    if (m->keys == NULL || m->vals == NULL || m->used == NULL) {
        free(m->keys);
        free(m->vals);
        free(m->used);
        m->keys = NULL;
        m->vals = NULL;
        m->used = NULL;
        return SQT_ENOMEM;
    }
    m->cap = cap;
    m->n = 0;
    return 0;
}

int sqt_gmap_init(sqt_gmap *m, size_t min_cap)
{
    size_t cap = 16;
    while (cap < min_cap)
        cap <<= 1;
    memset(m, 0, sizeof *m);
    return gmap_alloc(m, cap);
}

void sqt_gmap_free(sqt_gmap *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    memset(m, 0, sizeof *m);
}

static size_t gmap_slot(const sqt_gmap *m, int64_t k)
{
    size_t mask = m->cap - 1, i = (size_t)mix64((uint64_t)k) & mask;
    while (m->used[i] && m->keys[i] != k)
        i = (i + 1) & mask;
    return i;
}

uint32_t *sqt_gmap_get(const sqt_gmap *m, int64_t k)
{
    size_t i;
    if (m->cap == 0)
        return NULL;
    i = gmap_slot(m, k);
    return m->used[i] ? &m->vals[i] : NULL;
}

static int gmap_grow(sqt_gmap *m)
{
    sqt_gmap bigger;
    size_t i;
    if (m->cap > SIZE_MAX / 4)
        return SQT_ENOMEM;
    if (gmap_alloc(&bigger, m->cap * 2) != 0)
        return SQT_ENOMEM;
    for (i = 0; i < m->cap; i++) {
        if (m->used[i]) {
            size_t j = gmap_slot(&bigger, m->keys[i]);
            bigger.used[j] = 1;
            bigger.keys[j] = m->keys[i];
            bigger.vals[j] = m->vals[i];
            bigger.n++;
        }
    }
    sqt_gmap_free(m);
    *m = bigger;
    return 0;
}

int sqt_gmap_put(sqt_gmap *m, int64_t k, uint32_t v)
{
    size_t i;
    if ((m->n + 1) * 4 > m->cap * 3 && gmap_grow(m) != 0)
        return SQT_ENOMEM;
    i = gmap_slot(m, k);
    if (!m->used[i]) {
        m->used[i] = 1;
        m->keys[i] = k;
        m->n++;
    }
    m->vals[i] = v;
    return 0;
}

int sqt_gmap_del(sqt_gmap *m, int64_t k)
{
    size_t mask, i, j;
    if (m->cap == 0)
        return 0;
    mask = m->cap - 1;
    i = gmap_slot(m, k);
    if (!m->used[i])
        return 0;
    /* backward-shift: pull later members of the probe run into the hole so lookups
     * never need tombstones */
    j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (!m->used[j])
            break;
        home = (size_t)mix64((uint64_t)m->keys[j]) & mask;
        /* keep j where it is if its home lies cyclically in (i, j] */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        i = j;
    }
    m->used[i] = 0;
    m->n--;
    return 1;
}

void sqt_gset_free(sqt_gset *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

size_t sqt_gset_lower(const sqt_gset *s, int64_t k)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int sqt_gset_has(const sqt_gset *s, int64_t k)
{
    size_t i = sqt_gset_lower(s, k);
    return i < s->n && s->v[i] == k;
}

int sqt_gset_add(sqt_gset *s, int64_t k)
{
    size_t i = sqt_gset_lower(s, k);
    if (i < s->n && s->v[i] == k)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        int64_t *v;
        if (cap > SIZE_MAX / sizeof *v)
            return SQT_ENOMEM;
        v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return SQT_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
    s->v[i] = k;
    s->n++;
    return 0;
}

void sqt_gset_del(sqt_gset *s, int64_t k)
{
    size_t i = sqt_gset_lower(s, k);
    if (i < s->n && s->v[i] == k) {
        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
        s->n--;
    }
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

int sqt_gring_add(sqt_gring *r, uint64_t key, uint8_t tag)
{
    uint32_t *p = sqt_gmap_get(&r->pos, (int64_t)key);
    if (p != NULL) {
        r->tags[*p] = tag;
        return 0;
    }
    if (r->n == r->cap) {
        /* forget the oldest, which sits where we are about to write */
        uint64_t old = r->keys[r->head];
        uint32_t *q = sqt_gmap_get(&r->pos, (int64_t)old);
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

uint8_t sqt_gring_get(const sqt_gring *r, uint64_t key)
{
    const uint32_t *p = sqt_gmap_get(&r->pos, (int64_t)key);
    return p != NULL ? r->tags[*p] : 0;
}

uint64_t sqt_ghash_str(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s != '\0'; s++) {
        h ^= (uint8_t)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
