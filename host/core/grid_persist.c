/* The engine's state out to a journal and back (grid.h, "persistence"). Restore
 * checks every record before it changes anything: a journal that does not describe a
 * consistent grid is refused whole, never half-loaded. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

/* ---- 128-bit integers as decimal text -------------------------------------------- */

static void wide_fmt(sqt_i128 v, char out[SQT_GRID_WIDE_MAX])
{
    char tmp[SQT_GRID_WIDE_MAX];
    size_t n = 0, i = 0;
    sqt_u128 u = v < 0 ? (sqt_u128)0 - (sqt_u128)v : (sqt_u128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    if (v < 0)
        out[i++] = '-';
    while (n > 0)
        out[i++] = tmp[--n];
    out[i] = '\0';
}

/* Strict: an optional '-', 1..39 digits, nothing else; |v| < 2^126. */
static int wide_parse(const char *s, sqt_i128 *out)
{
    sqt_u128 u = 0;
    const sqt_u128 lim = (sqt_u128)1 << 126;
    int neg = 0;
    size_t n = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++, n++) {
        u = u * 10 + (sqt_u128)(*s - '0');
        if (u >= lim)
            return -1;
    }
    if (n == 0 || *s != '\0')
        return -1;
    *out = neg ? -(sqt_i128)u : (sqt_i128)u;
    return 0;
}

/* A refusal with its reason in err (may be NULL): SQT_EINVAL. */
static int bad(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (err != NULL && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return SQT_EINVAL;
}

/* ---- save ------------------------------------------------------------------------- */

int sqt_grid_save(const sqt_grid *g, sqt_grid_saved *out)
{
    size_t i;
    memset(out, 0, sizeof *out);
    if (!g->started)
        return SQT_ESTATE;
    out->anchor = g->A;
    out->interval = g->I;
    out->tick = g->tick;
    out->step = g->step;
    out->seq = g->seq;
    out->position = g->position;
    out->bought = g->bought;
    out->sold = g->sold;
    wide_fmt(g->realized_gross, out->realized_gross);
    wide_fmt(g->realized_fees, out->realized_fees);
    wide_fmt(g->fees_paid, out->fees_paid);
    out->round_trips = g->round_trips;
    out->orders_placed = g->orders_placed;
    out->po_degrades = g->po_degrades;
    for (i = 0; i < GRID_FEE_WATCH; i++) {
        const fee_watch *w = &g->fw[i];
        sqt_grid_saved_watch *o;
        if (w->h == 0)
            continue;
        o = &out->watches[out->n_watches++];
        memcpy(o->cid, w->cid, sizeof o->cid);
        memcpy(o->oid, w->oid, sizeof o->oid);
        o->k = w->k;
        o->side = w->side;
        o->price = w->price;
        o->qty = w->qty;
        o->filled = w->filled;
        wide_fmt(w->seen, o->seen);
        o->bare_lo = w->bare_lo;
        o->bare_hi = w->bare_hi;
        o->nocum = w->nocum;
    }
    return 0;
}

/* The part of a slot its saved record is made of, zero-filled so that two images
 * compare with memcmp: equal images save equal records (the record is formatted from
 * the image alone, with the grid's constant tick, step and anchor). */
typedef struct grid_slot_img {
    int64_t k, qty;
    sqt_i128 cost, rt_gross, rt_fees;
    int32_t po_fails;
    uint8_t has_order;
    /* the order, when has_order */
    uint8_t state, cancel_req, unknown, fee_nocum;
    sqt_side side;
    sqt_tif tif;
    int64_t price, oqty, filled, base_qty, bare_lo, bare_hi;
    sqt_i128 fee_seen, notional;
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
} grid_slot_img;

struct grid_save_img {
    grid_slot_img img;
    uint8_t written;           /* the journal holds a row for this slot */
};

SQT_HOT static void slot_img(const grid_slot *s, grid_slot_img *m)
{
    memset(m, 0, sizeof *m);
    m->k = s->k;
    m->qty = s->qty;
    m->cost = s->cost;
    m->rt_gross = s->rt_gross;
    m->rt_fees = s->rt_fees;
    m->po_fails = s->po_fails;
    m->has_order = s->has_order != 0;
    if (s->has_order) {
        const grid_order *o = &s->o;
        m->state = o->state;
        m->cancel_req = o->cancel_req;
        m->unknown = o->unknown;
        m->fee_nocum = o->fee_nocum;
        m->side = o->side;
        m->tif = o->tif;
        m->price = o->price;
        m->oqty = o->qty;
        m->filled = o->filled;
        m->base_qty = o->base_qty;
        m->bare_lo = o->bare_lo;
        m->bare_hi = o->bare_hi;
        m->fee_seen = o->fee_seen;
        m->notional = o->notional;
        sqt_clientid_copy(m->cid, sizeof m->cid, o->cid);
        sqt_clientid_copy(m->oid, sizeof m->oid, o->oid);
    }
}

/* The order part of a slot's image (r zeroed by the caller). */
static void save_order(const grid_slot_img *m, sqt_grid_saved_order *r)
{
    memcpy(r->cid, m->cid, sizeof r->cid);
    memcpy(r->oid, m->oid, sizeof r->oid);
    r->side = m->side;
    r->tif = m->tif;
    r->state = m->state;
    r->cancel_req = m->cancel_req;
    r->unknown = m->unknown;
    r->fee_nocum = m->fee_nocum;
    r->price = m->price;
    r->qty = m->oqty;
    r->filled = m->filled;
    r->base_qty = m->base_qty;
    r->bare_lo = m->bare_lo;
    r->bare_hi = m->bare_hi;
    wide_fmt(m->fee_seen, r->fee_seen);
    wide_fmt(m->notional, r->notional);
}

static void save_slot(const sqt_grid *g, const grid_slot_img *m, sqt_grid_saved_slot *r)
{
    memset(r, 0, sizeof *r);
    r->k = m->k;
    r->qty = m->qty;
    wide_fmt(m->cost, r->cost);
    wide_fmt(m->rt_gross, r->rt_gross);
    wide_fmt(m->rt_fees, r->rt_fees);
    r->po_fails = m->po_fails;
    r->has_order = m->has_order;
    if (m->has_order)
        save_order(m, &r->o);
    r->level = sqt_grid__price_dec(g, sqt_grid__level(g, m->k));
    r->qty_dec = sqt_grid__qty_dec(g, m->qty);
    if (sqt_grid__from_units(m->cost, g->unit_mant, g->unit_scale, g->tick.scale + g->step.scale,
                             &r->cost_quote) != 0)
        r->cost_quote = sqt_dec_make(0, 0);
}

SQT_HOT int sqt_grid_intent_of(const sqt_grid *g, int64_t k, const char *cid, sqt_grid_saved_intent *out)
{
    const grid_slot *s = sqt_grid__slot(g, k);
    grid_slot_img m;
    if (s == NULL || !s->has_order || cid == NULL || strcmp(s->o.cid, cid) != 0)
        return SQT_ENOENT;
    /* the order's part only: the slot's figures (128-bit sums as text, decimals) are
     * not the intent's, and this runs between a push and its order */
    slot_img(s, &m);
    memset(&out->o, 0, sizeof out->o);
    save_order(&m, &out->o);
    out->k = k;
    return 0;
}

static int savable(const grid_slot *s)
{
    return s->in_use && (s->has_order || s->qty != 0);
}

int sqt_grid_save_slots(const sqt_grid *g, sqt_grid_slot_fn fn, void *ud)
{
    size_t i;
    if (!g->started)
        return SQT_ESTATE;
    for (i = 0; i < g->pool_cap; i++) {
        const grid_slot *s = &g->pool[i];
        grid_slot_img m;
        sqt_grid_saved_slot r;
        int rc;
        if (!savable(s))
            continue;
        slot_img(s, &m);
        save_slot(g, &m, &r);
        if ((rc = fn(ud, &r)) != 0)
            return rc;
    }
    return 0;
}

/* ---- what changed since the journal last wrote ------------------------------------ */

int sqt_grid__save_grow(sqt_grid *g, size_t cap)
{
    struct grid_save_img *img;
    int64_t *gone;
    uint32_t *pend;
    uint8_t *mark;
    if (cap > SIZE_MAX / sizeof *img)
        return SQT_ENOMEM;
    if ((img = realloc(g->sv_img, cap * sizeof *img)) == NULL)
        return SQT_ENOMEM;
    g->sv_img = img;
    memset(&img[g->pool_cap], 0, (cap - g->pool_cap) * sizeof *img);
    if ((gone = realloc(g->sv_gone, cap * sizeof *gone)) == NULL)
        return SQT_ENOMEM;
    g->sv_gone = gone;
    if ((pend = realloc(g->sv_pend, cap * sizeof *pend)) == NULL)
        return SQT_ENOMEM;
    g->sv_pend = pend;
    if ((pend = realloc(g->sv_dirty, cap * sizeof *pend)) == NULL)
        return SQT_ENOMEM;
    g->sv_dirty = pend;
    if ((mark = realloc(g->sv_mark, cap)) == NULL)
        return SQT_ENOMEM;
    g->sv_mark = mark;
    memset(&mark[g->pool_cap], 0, cap - g->pool_cap);
    return 0;
}

/* A slot leaves the pool: if the journal holds it, its row must go. Infallible: a level
 * enters sv_gone only by losing a written row, and rows are written only by
 * sqt_grid_save_mark, which empties sv_gone - so it never holds more than pool_cap. */
void sqt_grid__save_forget(sqt_grid *g, uint32_t idx)
{
    struct grid_save_img *v = &g->sv_img[idx];
    g->sv_late |= g->sv_reported;
    if (v->written)
        g->sv_gone[g->sv_n_gone++] = g->pool[idx].k;
    v->written = 0;
}

void sqt_grid__save_free(sqt_grid *g)
{
    free(g->sv_img);
    free(g->sv_gone);
    free(g->sv_pend);
    free(g->sv_dirty);
    free(g->sv_mark);
}

sqt_dec sqt_grid_last_price(const sqt_grid *g)
{
    return sqt_grid__price_dec(g, g->have_price ? g->cur : 0);
}

int sqt_grid_save_synced(const sqt_grid *g, const void *owner)
{
    return owner != NULL && g->sv_owner == owner;
}

static int report_removal(sqt_grid_slot_fn fn, void *ud, int64_t k)
{
    sqt_grid_saved_slot r;
    memset(&r, 0, sizeof r);
    r.k = k;
    return fn(ud, &r);
}

/* Pool entry i for the report: its record when it changed since the journal wrote it,
 * its removal when the journal holds a row for an idle slot, nothing otherwise. */
static int report_slot(sqt_grid *g, size_t i, int full, sqt_grid_slot_fn fn, void *ud)
{
    const grid_slot *s = &g->pool[i];
    struct grid_save_img *v = &g->sv_img[i];
    grid_slot_img m;
    sqt_grid_saved_slot r;
    int rc;
    if (!s->in_use)
        return 0; /* deleted: sv_gone has its level if the journal held it */
    if (!savable(s)) {
        /* idle but not pruned yet: its row goes (a full report has none) */
        if (v->written && !full) {
            if ((rc = report_removal(fn, ud, s->k)) != 0)
                return rc;
            g->sv_pend[g->sv_n_pend++] = (uint32_t)i;
        }
        return 0;
    }
    slot_img(s, &m);
    if (!full && v->written && memcmp(&m, &v->img, sizeof m) == 0)
        return 0; /* touched, but back to what the journal holds */
    save_slot(g, &m, &r);
    if ((rc = fn(ud, &r)) != 0)
        return rc;
    g->sv_pend[g->sv_n_pend++] = (uint32_t)i;
    return 0;
}

int sqt_grid_save_changed(sqt_grid *g, const void *owner, int full, sqt_grid_slot_fn fn, void *ud)
{
    size_t i;
    int rc;
    g->sv_n_pend = 0;
    if (!g->started)
        return SQT_ESTATE;
    full = full || !sqt_grid_save_synced(g, owner);
    g->sv_full = full;
    g->sv_reported = 1;
    g->sv_late = 0;
    if (full) {
        for (i = 0; i < g->pool_cap; i++)
            if ((rc = report_slot(g, i, 1, fn, ud)) != 0)
                return rc;
        return 1;
    }
    for (i = 0; i < g->sv_n_gone; i++)
        if ((rc = report_removal(fn, ud, g->sv_gone[i])) != 0)
            return rc;
    /* only what the engine touched since the last mark (the marks stay until then: a
     * report whose write failed is made again, with what changed meanwhile) */
    for (i = 0; i < g->sv_n_dirty; i++)
        if ((rc = report_slot(g, g->sv_dirty[i], 0, fn, ud)) != 0)
            return rc;
    return 0;
}

void sqt_grid_save_mark(sqt_grid *g, const void *owner)
{
    size_t i;
    if (g->sv_full) /* the journal holds exactly what was reported */
        for (i = 0; i < g->pool_cap; i++)
            g->sv_img[i].written = 0;
    for (i = 0; i < g->sv_n_pend; i++) {
        uint32_t idx = g->sv_pend[i];
        const grid_slot *s = &g->pool[idx];
        struct grid_save_img *v = &g->sv_img[idx];
        v->written = (uint8_t)savable(s);
        if (v->written)
            slot_img(s, &v->img);
    }
    for (i = 0; i < g->sv_n_dirty; i++)
        g->sv_mark[g->sv_dirty[i]] = 0;
    g->sv_n_dirty = 0;
    g->sv_n_pend = 0;
    g->sv_n_gone = 0;
    g->sv_full = 0;
    /* the contract (grid.h) broken: a slot changed after the report, so what the journal
     * wrote is not known to be the engine's; its next save is a full one */
    g->sv_owner = g->sv_late ? NULL : owner;
    g->sv_reported = 0;
    g->sv_late = 0;
}

int sqt_grid__save_audit(const sqt_grid *g, char *why, size_t cap)
{
    size_t i, marked = 0;
    if (g->sv_n_dirty > g->pool_cap)
        return bad(why, cap, "%zu touched entries for a pool of %zu", g->sv_n_dirty,
                         g->pool_cap);
    for (i = 0; i < g->sv_n_dirty; i++)
        if (g->sv_dirty[i] >= g->pool_cap || !g->sv_mark[g->sv_dirty[i]])
            return bad(why, cap, "touched entry %zu (pool index %lu) is not marked", i,
                             (unsigned long)g->sv_dirty[i]);
    for (i = 0; i < g->pool_cap; i++) {
        const grid_slot *s = &g->pool[i];
        const struct grid_save_img *v = &g->sv_img[i];
        grid_slot_img m;
        marked += g->sv_mark[i] != 0;
        if (!s->in_use) {
            if (v->written)
                return bad(why, cap, "pool index %zu is free, its row (level %lld) was "
                                 "never reported gone", i, (long long)s->k);
            continue;
        }
        if (g->sv_mark[i])
            continue;
        if (!savable(s)) {
            if (v->written)
                return bad(why, cap, "slot %lld went idle untouched: its row stays",
                                 (long long)s->k);
            continue;
        }
        slot_img(s, &m);
        if (!v->written)
            return bad(why, cap, "slot %lld holds or has an order, untouched and never "
                             "written", (long long)s->k);
        if (memcmp(&m, &v->img, sizeof m) != 0)
            return bad(why, cap, "slot %lld changed untouched (qty %lld, order %d state "
                             "%d filled %lld)", (long long)s->k, (long long)s->qty,
                             s->has_order, s->o.state, (long long)s->o.filled);
    }
    if (marked != g->sv_n_dirty)
        return bad(why, cap, "%zu entries marked, %zu listed", marked, g->sv_n_dirty);
    return 0;
}

size_t sqt_grid_queries_inflight(const sqt_grid *g)
{
    size_t i, n = 0;
    for (i = 0; i < g->pool_cap; i++)
        n += (size_t)(g->pool[i].in_use && g->pool[i].has_order && g->pool[i].o.query_inflight);
    return n;
}

/* ---- restore ---------------------------------------------------------------------- */

static int same_dec(sqt_dec a, sqt_dec b)
{
    int ok = 1;
    return sqt_dec_cmp(a, b, &ok) == 0 && ok;
}

/* One slot record against the grid's rules. */
int sqt_grid__check_saved(const sqt_grid *g, const sqt_grid_saved_slot *r, sqt_i128 *cost,
                          char *err, size_t cap)
{
    const sqt_grid_saved_order *o = &r->o;
    int64_t lvl;
    sqt_i128 v;
    if (r->k < -GRID_MAX_TICKS / (g->I > 0 ? g->I : 1) || r->k > GRID_MAX_TICKS / g->I)
        return bad(err, cap, "slot %lld is off the grid", (long long)r->k);
    lvl = sqt_grid__level(g, r->k);
    if (lvl <= 0 || lvl > GRID_MAX_TICKS)
        return bad(err, cap, "slot %lld has no positive price (%lld ticks)", (long long)r->k,
                   (long long)lvl);
    if (r->qty < 0 || (r->qty == 0 && !r->has_order))
        return bad(err, cap, "slot %lld holds %lld steps", (long long)r->k, (long long)r->qty);
    if (wide_parse(r->cost, cost) != 0 || *cost < 0 || wide_parse(r->rt_gross, &v) != 0 ||
        wide_parse(r->rt_fees, &v) != 0)
        return bad(err, cap, "slot %lld: unreadable cost figures", (long long)r->k);
    if (r->po_fails < 0)
        return bad(err, cap, "slot %lld: negative post-only count %lld", (long long)r->k,
                   (long long)r->po_fails);
    if (!r->has_order)
        return 0;
    {
        sqt_clientid id;
        int64_t want = lvl + (o->side == SQT_SIDE_SELL ? g->I : 0);
        if (o->cid[0] == '\0' || memchr(o->cid, '\0', sizeof o->cid) == NULL ||
            memchr(o->oid, '\0', sizeof o->oid) == NULL ||
            sqt_clientid_decode(g->tag, o->cid, &id) != 0 || id.side != o->side ||
            id.price_ticks != lvl)
            return bad(err, cap, "slot %lld: order id is not this grid's for this level",
                       (long long)r->k);
        if (o->side != SQT_SIDE_BUY && o->side != SQT_SIDE_SELL)
            return bad(err, cap, "slot %lld: order side %lld", (long long)r->k, (long long)o->side);
        if (o->price != want)
            return bad(err, cap, "slot %lld: order price %lld ticks is not the level's",
                       (long long)r->k, (long long)o->price);
        if (o->state < SQT_GRID_ORD_PENDING || o->state > SQT_GRID_ORD_PARTIAL)
            return bad(err, cap, "slot %lld: order state %lld", (long long)r->k, (long long)o->state);
        if (o->qty <= 0 || o->filled < 0 || o->filled > o->qty)
            return bad(err, cap, "slot %lld: order filled %lld of its quantity", (long long)r->k,
                       (long long)o->filled);
        if (o->side == SQT_SIDE_BUY && r->qty != o->base_qty + o->filled)
            return bad(err, cap, "slot %lld: holds %lld steps, its buy says %lld", (long long)r->k,
                       (long long)r->qty, (long long)(o->base_qty + o->filled));
        if (o->side == SQT_SIDE_SELL && r->qty != o->qty - o->filled)
            return bad(err, cap, "slot %lld: the sell is not the holding (%lld steps open)",
                       (long long)r->k, (long long)(o->qty - o->filled));
        if (wide_parse(o->fee_seen, &v) != 0 || wide_parse(o->notional, &v) != 0 ||
            o->bare_lo < 0 || o->bare_hi < o->bare_lo || o->base_qty < 0)
            return bad(err, cap, "slot %lld: unreadable order figures", (long long)r->k);
    }
    return 0;
}

void sqt_grid__order_load(sqt_grid *g, grid_slot *s, const sqt_grid_saved_order *r, int64_t now_ms)
{
    grid_order *o = &s->o;
    memcpy(o->cid, r->cid, sizeof o->cid);
    memcpy(o->oid, r->oid, sizeof o->oid);
    o->side = r->side;
    o->tif = r->tif == SQT_TIF_GTC ? SQT_TIF_GTC : SQT_TIF_POST_ONLY;
    o->state = (uint8_t)r->state;
    o->cancel_req = r->cancel_req != 0;
    g->watch = 1;
    o->unknown = r->unknown != 0 || r->state == SQT_GRID_ORD_PENDING;
    o->fee_nocum = r->fee_nocum != 0;
    o->price = r->price;
    o->qty = r->qty;
    o->filled = r->filled;
    o->base_qty = r->base_qty;
    o->bare_lo = r->bare_lo;
    o->bare_hi = r->bare_hi;
    wide_parse(r->fee_seen, &o->fee_seen);
    wide_parse(r->notional, &o->notional);
    o->created_ms = o->cancel_ms = now_ms;
    s->has_order = 1;
    g->order_gen++;
    sqt_gset_add(o->side == SQT_SIDE_BUY ? &g->buys : &g->sells, s->k);
    sqt_grid__touch(g, s); /* a restored slot's, or an intent taken into an existing slot */
}

static int cmp_k(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int sqt_grid_restore(sqt_grid *g, const sqt_grid_saved *m, const sqt_grid_saved_slot *slots,
                     size_t n, const char *const *finished, size_t n_finished, int64_t now_ms,
                     char *err, size_t errlen)
{
    sqt_i128 gross, rfees, paid, cost;
    int64_t sum = 0, *ks = NULL;
    size_t i;
    int rc = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    g->oom = 0;
    if (g->started)
        return SQT_ESTATE;
    if (m == NULL || (n > 0 && slots == NULL))
        return SQT_EINVAL;
    if (!same_dec(m->tick, g->tick) || !same_dec(m->step, g->step))
        return bad(err, errlen, "the journal's grid has another tick or step size than the "
                                "exchange's now");
    if (m->interval != g->I)
        return bad(err, errlen, "the journal's grid has a price interval of %lld ticks, the "
                                "config asks for %lld",
                   (long long)m->interval, (long long)g->I);
    if (m->anchor <= 0 || m->anchor > GRID_MAX_TICKS / 64)
        return bad(err, errlen, "the journal's anchor (%lld ticks) is out of range",
                   (long long)m->anchor);
    if (wide_parse(m->realized_gross, &gross) != 0 || wide_parse(m->realized_fees, &rfees) != 0 ||
        wide_parse(m->fees_paid, &paid) != 0 || m->position < 0 || m->bought < 0 || m->sold < 0 ||
        m->n_watches > SQT_GRID_SAVED_WATCHES)
        return bad(err, errlen, "the journal's totals are unreadable");
    g->A = m->anchor; /* the slot checks need the anchor */
    if (n > 0 && (ks = malloc(n * sizeof *ks)) == NULL)
        return SQT_ENOMEM;
    for (i = 0; i < n && rc == 0; i++) {
        rc = sqt_grid__check_saved(g, &slots[i], &cost, err, errlen);
        ks[i] = slots[i].k;
        if (rc == 0 && slots[i].qty > INT64_MAX - sum)
            rc = bad(err, errlen, "holdings overflow at slot %lld", (long long)slots[i].k);
        if (rc == 0)
            sum += slots[i].qty;
    }
    if (rc == 0 && n > 1) {
        qsort(ks, n, sizeof *ks, cmp_k);
        for (i = 1; i < n && rc == 0; i++)
            if (ks[i] == ks[i - 1])
                rc = bad(err, errlen, "slot %lld is in the journal twice", (long long)ks[i]);
    }
    free(ks);
    if (rc == 0 && sum != m->position)
        rc = bad(err, errlen, "the journal's position (%lld steps) is not the sum of its slots "
                              "(%lld steps)",
                 (long long)m->position, (long long)sum);
    if (rc != 0) {
        g->A = 0;
        return rc;
    }

    /* every record is sound: build */
    for (i = 0; i < n; i++) {
        const sqt_grid_saved_slot *r = &slots[i];
        grid_slot *s;
        if (sqt_grid__slot_create(g, r->k, &s) != 0) {
            rc = SQT_ENOMEM;
            break;
        }
        s->qty = r->qty;
        wide_parse(r->cost, &s->cost);
        wide_parse(r->rt_gross, &s->rt_gross);
        wide_parse(r->rt_fees, &s->rt_fees);
        s->po_fails = r->po_fails;
        if (r->has_order)
            sqt_grid__order_load(g, s, &r->o, now_ms);
        sqt_grid__slot_refresh(g, s); /* holds or has an order: never pruned */
    }
    if (rc != 0)
        return rc; /* only SQT_ENOMEM; the caller frees the engine */
    g->seq = m->seq > g->seq ? m->seq : g->seq;
    g->position = m->position;
    g->bought = m->bought;
    g->sold = m->sold;
    g->realized_gross = gross;
    g->realized_fees = rfees;
    g->fees_paid = paid;
    g->round_trips = m->round_trips;
    g->orders_placed = m->orders_placed;
    g->po_degrades = m->po_degrades;
    for (i = 0; i < m->n_watches; i++) {
        const sqt_grid_saved_watch *w = &m->watches[i];
        fee_watch *f = &g->fw[g->fw_next++ % GRID_FEE_WATCH];
        if (memchr(w->cid, '\0', sizeof w->cid) == NULL || memchr(w->oid, '\0', sizeof w->oid) == NULL ||
            wide_parse(w->seen, &f->seen) != 0) {
            memset(f, 0, sizeof *f);
            continue;
        }
        memcpy(f->cid, w->cid, sizeof f->cid);
        memcpy(f->oid, w->oid, sizeof f->oid);
        f->h = sqt_ghash_str(f->cid) | 1u;
        f->k = w->k;
        f->side = w->side;
        f->price = w->price;
        f->qty = w->qty;
        f->filled = w->filled;
        f->bare_lo = w->bare_lo;
        f->bare_hi = w->bare_hi;
        f->nocum = (uint8_t)(w->nocum != 0);
    }
    for (i = 0; i < n_finished; i++)
        if (finished[i] != NULL && sqt_gring_add(&g->finished, sqt_ghash_str(finished[i]), FIN_CONFIRMED))
            g->oom = 1;
    g->started = 1;
    g->restored = 1;
    /* placements the previous run never heard back about: ask now */
    for (i = 0; i < g->pool_cap; i++) {
        grid_slot *s = &g->pool[i];
        if (s->in_use && s->has_order && s->o.state == SQT_GRID_ORD_PENDING && !s->o.query_inflight &&
            (rc = sqt_grid__query(g, s, SQT_GRID_WHY_UNKNOWN, now_ms)) != 0)
            return rc;
    }
    return g->oom ? SQT_ENOMEM : 0;
}
