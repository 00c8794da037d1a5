/* The grid engine's storage: the command and event queues, and the slot store
 * (pool, index by grid index, the ordered index sets, pruning). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

/* ------------------------------------------------------------------------------------
 * Queues
 * ---------------------------------------------------------------------------------- */

SQT_HOT void *sqt_grid__queue_push(grid_queue *q)
{
    unsigned char *slot;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64, i;
        unsigned char *buf;
        if (cap > SIZE_MAX / q->item)
            return NULL;
        buf = malloc(cap * q->item);
        if (buf == NULL)
            return NULL;
        for (i = 0; i < q->n; i++) /* unwrap into the new buffer */
            memcpy(buf + i * q->item, q->buf + ((q->head + i) % q->cap) * q->item, q->item);
        free(q->buf);
        q->buf = buf;
        q->cap = cap;
        q->head = 0;
    }
    {
        size_t at = q->head + q->n; /* < 2 * cap: one wrap, no division */
        slot = q->buf + (at >= q->cap ? at - q->cap : at) * q->item;
    }
    memset(slot, 0, q->item);
    q->n++;
    return slot;
}

static size_t queue_take(grid_queue *q, void *out, size_t cap)
{
    size_t k = 0;
    while (k < cap && q->n > 0) {
        memcpy((unsigned char *)out + k * q->item, q->buf + q->head * q->item, q->item);
        if (++q->head == q->cap)
            q->head = 0;
        q->n--;
        k++;
    }
    if (q->n == 0)
        q->head = 0;
    return k;
}

SQT_HOT sqt_grid_cmd *sqt_grid__cmd_new(sqt_grid *g, sqt_grid_cmd_kind kind, int64_t slot)
{
    sqt_grid_cmd *c = sqt_grid__queue_push(&g->cmds);
    if (c != NULL) {
        c->kind = kind;
        c->slot = slot;
    }
    return c;
}

/* Events are notices: a failed push is reported by the call (SQT_ENOMEM) but never
 * undoes the state change it describes. */
sqt_grid_event *sqt_grid__ev_new(sqt_grid *g, sqt_grid_ev_kind kind, int64_t now)
{
    sqt_grid_event *e;
    if (g->ev_off & ((uint64_t)1 << kind))
        return NULL; /* nobody reads this kind: not built (every caller takes NULL) */
    e = sqt_grid__queue_push(&g->evs);
    if (e == NULL) {
        g->oom = 1;
        return NULL;
    }
    e->kind = kind;
    e->time_ms = now;
    e->price = sqt_dec_make(0, g->tick.scale);
    e->qty = e->filled = e->fill_qty = sqt_dec_make(0, g->step.scale);
    e->fill_price = sqt_dec_make(0, g->tick.scale);
    return e;
}

SQT_HOT sqt_grid_event *sqt_grid__ev_order(sqt_grid *g, sqt_grid_ev_kind kind, int64_t now,
                                   const grid_slot *s)
{
    sqt_grid_event *e = sqt_grid__ev_new(g, kind, now);
    if (e == NULL)
        return NULL;
    e->slot = s->k;
    if (s->has_order) {
        e->side = s->o.side;
        memcpy(e->client_id, s->o.cid, sizeof e->client_id);
        memcpy(e->order_id, s->o.oid, sizeof e->order_id);
        e->price = sqt_grid__price_dec(g, s->o.price);
        e->qty = sqt_grid__qty_dec(g, s->o.qty);
        e->filled = sqt_grid__qty_dec(g, s->o.filled);
    } else {
        e->price = sqt_grid__price_dec(g, sqt_grid__level(g, s->k));
        e->qty = sqt_grid__qty_dec(g, s->qty);
    }
    return e;
}

SQT_HOT void sqt_grid__ev_text(sqt_grid_event *e, const char *fmt, ...)
{
    va_list ap;
    if (e == NULL)
        return;
    if (strchr(fmt, '%') == NULL) {
        /* a fixed text ("sell at or below the market price", on the order path): copied,
         * so the turn runs none of stdio's formatting code (five code pages) */
        size_t n = strnlen(fmt, sizeof e->text - 1);
        memcpy(e->text, fmt, n);
        e->text[n] = '\0';
        return;
    }
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
}

SQT_HOT size_t sqt_grid_take_commands(sqt_grid *g, sqt_grid_cmd *out, size_t cap)
{
    return queue_take(&g->cmds, out, cap);
}

size_t sqt_grid_pending_commands(const sqt_grid *g)
{
    return g->cmds.n;
}

SQT_HOT size_t sqt_grid_take_events(sqt_grid *g, sqt_grid_event *out, size_t cap)
{
    return queue_take(&g->evs, out, cap);
}

SQT_HOT size_t sqt_grid_pending_events(const sqt_grid *g)
{
    return g->evs.n;
}

void sqt_grid_tidy(sqt_grid *g)
{
    (void)sqt_gring_flush(&g->finished); /* a failure leaves the keys listed: kept */
}

/* ------------------------------------------------------------------------------------
 * Slot store
 * ---------------------------------------------------------------------------------- */

/* Every index set holds a subset of the slots: reserving the pool's capacity in each
 * makes their inserts infallible, so no state change can half-fail. */
int sqt_grid__pool_grow(sqt_grid *g)
{
    size_t cap = g->pool_cap ? g->pool_cap * 2 : 64, i;
    grid_slot *pool;
    uint32_t *fr;
    if (cap > UINT32_MAX || cap > SIZE_MAX / sizeof *pool)
        return SQT_ENOMEM;
    if (sqt_gset_reserve(&g->buys, cap) || sqt_gset_reserve(&g->sells, cap) ||
        sqt_gset_reserve(&g->ready, cap) || sqt_gset_reserve(&g->hold, cap) ||
        sqt_grid__save_grow(g, cap) != 0)
        return SQT_ENOMEM;
    pool = realloc(g->pool, cap * sizeof *pool);
    if (pool == NULL)
        return SQT_ENOMEM;
    g->pool = pool;
    fr = realloc(g->free_idx, cap * sizeof *fr);
    if (fr == NULL)
        return SQT_ENOMEM;
    g->free_idx = fr;
    memset(&g->pool[g->pool_cap], 0, (cap - g->pool_cap) * sizeof *pool);
    for (i = cap; i > g->pool_cap; i--) /* lowest index on top of the stack */
        g->free_idx[g->free_n++] = (uint32_t)(i - 1);
    g->pool_cap = cap;
    return 0;
}

/* May move the pool: slot pointers taken before are invalid afterwards. */
int sqt_grid__slot_create(sqt_grid *g, int64_t k, grid_slot **out)
{
    uint32_t idx;
    grid_slot *s;
    if (g->free_n == 0 && sqt_grid__pool_grow(g) != 0)
        return SQT_ENOMEM;
    idx = g->free_idx[g->free_n - 1];
    if (sqt_gmap_put(&g->map, k, idx) != 0)
        return SQT_ENOMEM;
    g->free_n--;
    s = &g->pool[idx];
    memset(s, 0, sizeof *s);
    s->k = k;
    s->in_use = 1;
    g->order_gen++;
    sqt_grid__touch(g, s); /* covers whatever its creator sets before the next save */
    *out = s;
    return 0;
}

static void slot_delete(sqt_grid *g, grid_slot *s)
{
    uint32_t idx = (uint32_t)(s - g->pool);
    sqt_gmap_del(&g->map, s->k);
    sqt_gset_del(&g->ready, s->k);
    sqt_gset_del(&g->hold, s->k);
    sqt_grid__save_forget(g, idx);
    s->in_use = 0;
    g->free_idx[g->free_n++] = idx;
    g->order_gen++;
}

SQT_HOT int sqt_grid__slot_refresh(sqt_grid *g, grid_slot *s)
{
    if (s->qty > 0) {
        sqt_gset_add(&g->hold, s->k);
    } else {
        sqt_gset_del(&g->hold, s->k);
        s->held = 0; /* holds guard inventory: none left, nothing to guard */
        s->repair = 0;
    }
    if (!s->has_order && s->qty > 0 && sqt_grid__sellable(g, s->k, s->qty))
        sqt_gset_add(&g->ready, s->k);
    else
        sqt_gset_del(&g->ready, s->k);
    /* prune idle slots outside the buy window: memory and scans stay bounded (§11 #11) */
    if (!s->has_order && s->qty == 0 && !sqt_grid__in_window(g, s->k)) {
        slot_delete(g, s);
        return 1;
    }
    return 0;
}

SQT_HOT grid_slot *sqt_grid__slot_by_id(const sqt_grid *g, const sqt_clientid *id, const char *cid)
{
    int64_t k;
    grid_slot *s;
    if (!g->started || sqt_grid__index_of(g, id->price_ticks, &k) != 0)
        return NULL;
    s = sqt_grid__slot(g, k);
    if (s == NULL || !s->has_order || strcmp(s->o.cid, cid) != 0)
        return NULL;
    return s;
}

grid_slot *sqt_grid__slot_by_cid(const sqt_grid *g, const char *cid)
{
    sqt_clientid id;
    if (!g->started || sqt_clientid_decode_tag(g->tag, g->tag_len, cid, &id) != 0)
        return NULL;
    return sqt_grid__slot_by_id(g, &id, cid);
}
