/* The grid engine: parameters, integer money, the slot store, the order life cycle
 * and the adjust step. Results, reconcile and timers are in grid_sync.c; accessors
 * and invariants in grid_status.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

/* ------------------------------------------------------------------------------------
 * Exact decimal <-> integer units
 * ---------------------------------------------------------------------------------- */

/* a*10^e/den rounded by mode; a < 2^64, 0 < den < 2^123 so r*10 cannot overflow. */
static int muldiv_p10(sqt_u128 a, int e, sqt_u128 den, int mode, sqt_u128 *out)
{
    sqt_u128 q = a / den, r = a % den;
    int i;
    for (i = 0; i < e; i++) {
        if (q > ((sqt_u128)1 << 120))
            return SQT_ERANGE;
        q = q * 10u + (r * 10u) / den;
        r = (r * 10u) % den;
    }
    if (r != 0) {
        if (mode == RND_EXACT)
            return SQT_EINVAL;
        if (mode == RND_CEIL || (mode == RND_NEAREST && r >= den - r))
            q++;
    }
    *out = q;
    return 0;
}

int sqt_grid__to_units(sqt_dec v, sqt_i128 umant, int uscale, int mode, int64_t *out)
{
    int neg = v.mant < 0, rc;
    sqt_u128 mag, den, q;
    int e = 0;
    if (v.scale < 0 || v.scale > SQT_DEC_MAX_SCALE || umant <= 0 || uscale < 0 ||
        umant >= ((sqt_i128)1 << 63))
        return SQT_EINVAL;
    mag = neg ? (sqt_u128)(-(sqt_i128)v.mant) : (sqt_u128)v.mant;
    if (neg && mode == RND_FLOOR)
        mode = RND_CEIL; /* floor(-x) = -ceil(x) */
    else if (neg && mode == RND_CEIL)
        mode = RND_FLOOR;
    den = (sqt_u128)umant;
    if (uscale >= v.scale) {
        e = uscale - v.scale;
    } else {
        int i;
        for (i = 0; i < v.scale - uscale; i++)
            den *= 10u; /* < 2^63 * 10^18 < 2^123 */
    }
    rc = muldiv_p10(mag, e, den, mode, &q);
    if (rc != 0)
        return rc;
    if (q > (sqt_u128)INT64_MAX)
        return SQT_ERANGE;
    *out = neg ? -(int64_t)q : (int64_t)q;
    return 0;
}

/* v * 10^(to - from), rounding halves away from zero when scaling down; |result| must
 * stay below 2^63. */
static int rescale_i128(sqt_i128 v, int from, int to, sqt_i128 *out)
{
    const sqt_i128 lim = (sqt_i128)INT64_MAX;
    if (v > ((sqt_i128)1 << 125) || v < -((sqt_i128)1 << 125))
        return SQT_ERANGE;
    while (from < to) {
        if (v > lim || v < -lim)
            return SQT_ERANGE;
        v *= 10;
        from++;
    }
    while (from > to) {
        sqt_i128 q = v / 10, r = v % 10;
        if (r >= 5)
            q++;
        else if (r <= -5)
            q--;
        v = q;
        from--;
    }
    if (v > lim || v < -lim)
        return SQT_ERANGE;
    *out = v;
    return 0;
}

int sqt_grid__from_units(sqt_i128 n, sqt_i128 umant, int uscale, int out_scale, sqt_dec *out)
{
    sqt_i128 v;
    int rc;
    if (n > ((sqt_i128)1 << 63) || n < -((sqt_i128)1 << 63) || out_scale < 0 ||
        out_scale > SQT_DEC_MAX_SCALE)
        return SQT_ERANGE;
    rc = rescale_i128(n * umant, uscale, out_scale, &v);
    if (rc != 0)
        return rc;
    *out = sqt_dec_make((int64_t)v, out_scale);
    return 0;
}

int sqt_grid__ticks(const sqt_grid *g, sqt_dec v, int mode, int64_t *out)
{
    return sqt_grid__to_units(v, g->tick.mant, g->tick.scale, mode, out);
}

int sqt_grid__steps(const sqt_grid *g, sqt_dec v, int mode, int64_t *out)
{
    return sqt_grid__to_units(v, g->step.mant, g->step.scale, mode, out);
}

sqt_dec sqt_grid__price_dec(const sqt_grid *g, int64_t ticks)
{
    sqt_dec d = sqt_dec_make(0, g->tick.scale);
    if (sqt_grid__from_units(ticks, g->tick.mant, g->tick.scale, g->tick.scale, &d) != 0)
        d = sqt_dec_make(0, g->tick.scale);
    return d;
}

sqt_dec sqt_grid__qty_dec(const sqt_grid *g, int64_t steps)
{
    sqt_dec d = sqt_dec_make(0, g->step.scale);
    if (sqt_grid__from_units(steps, g->step.mant, g->step.scale, g->step.scale, &d) != 0)
        d = sqt_dec_make(0, g->step.scale);
    return d;
}

static int pnl_scale(const sqt_grid *g)
{
    int s = g->unit_scale > 8 ? g->unit_scale : 8;
    return s > SQT_DEC_MAX_SCALE ? SQT_DEC_MAX_SCALE : s;
}

int sqt_grid__pnl_dec(const sqt_grid *g, sqt_i128 gross, sqt_i128 fees, sqt_dec *out)
{
    int s = pnl_scale(g), rc;
    sqt_i128 a, b;
    if (gross > ((sqt_i128)1 << 62) || gross < -((sqt_i128)1 << 62))
        return SQT_ERANGE;
    rc = rescale_i128(gross * g->unit_mant, g->unit_scale, s, &a);
    if (rc == 0)
        rc = rescale_i128(fees, GRID_FEE_SCALE, s, &b);
    if (rc != 0)
        return rc;
    if (a - b > (sqt_i128)INT64_MAX || a - b < -(sqt_i128)INT64_MAX)
        return SQT_ERANGE;
    *out = sqt_dec_make((int64_t)(a - b), s);
    return 0;
}

int sqt_grid__fee_dec(sqt_i128 fees, sqt_dec *out)
{
    sqt_i128 v;
    int rc = rescale_i128(fees, GRID_FEE_SCALE, 8, &v);
    if (rc != 0)
        return rc;
    *out = sqt_dec_make((int64_t)v, 8);
    return 0;
}

/* A reported fee in 1e-12 quote (halves away from zero beyond 12 decimals). */
static sqt_i128 fee_units(sqt_dec fee)
{
    sqt_i128 v = 0;
    if (fee.scale < 0 || fee.scale > SQT_DEC_MAX_SCALE ||
        rescale_i128(fee.mant, fee.scale, GRID_FEE_SCALE, &v) != 0)
        return 0;
    return v;
}

/* ------------------------------------------------------------------------------------
 * Grid geometry
 * ---------------------------------------------------------------------------------- */

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t sqt_grid__level(const sqt_grid *g, int64_t k)
{
    return g->A + k * g->I;
}

int sqt_grid__index_of(const sqt_grid *g, int64_t ticks, int64_t *k)
{
    int64_t d = ticks - g->A;
    if (ticks <= 0 || ticks > GRID_MAX_TICKS || d % g->I != 0)
        return SQT_EINVAL;
    *k = d / g->I;
    return 0;
}

/* G(p) of §4.3 as an index: nearest level, ties away from the anchor. */
int64_t sqt_grid__grid_index(const sqt_grid *g, int64_t ticks)
{
    int64_t d = ticks - g->A, q = d / g->I, r = d % g->I;
    if (r < 0)
        r = -r;
    if (2 * r >= g->I)
        q += d < 0 ? -1 : 1;
    return q;
}

/* A sell of qty at level k + 1 can be placed: exchange minimum quantity and the
 * configured minimum sell value (§5.4). */
int sqt_grid__sellable(const sqt_grid *g, int64_t k, int64_t qty)
{
    int64_t sp = sqt_grid__level(g, k) + g->I;
    return qty >= g->min_qty && sp > 0 && (sqt_i128)sp * qty >= g->mov_u;
}

int sqt_grid__in_window(const sqt_grid *g, int64_t k)
{
    return g->have_price && k <= g->kg && k > g->kg - g->N;
}

/* ------------------------------------------------------------------------------------
 * Queues
 * ---------------------------------------------------------------------------------- */

void *sqt_grid__queue_push(grid_queue *q)
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
    slot = q->buf + ((q->head + q->n) % q->cap) * q->item;
    memset(slot, 0, q->item);
    q->n++;
    return slot;
}

static size_t queue_take(grid_queue *q, void *out, size_t cap)
{
    size_t k = 0;
    while (k < cap && q->n > 0) {
        memcpy((unsigned char *)out + k * q->item, q->buf + q->head * q->item, q->item);
        q->head = (q->head + 1) % q->cap;
        q->n--;
        k++;
    }
    if (q->n == 0)
        q->head = 0;
    return k;
}

sqt_grid_cmd *sqt_grid__cmd_new(sqt_grid *g, sqt_grid_cmd_kind kind, int64_t slot)
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
    sqt_grid_event *e = sqt_grid__queue_push(&g->evs);
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

sqt_grid_event *sqt_grid__ev_order(sqt_grid *g, sqt_grid_ev_kind kind, int64_t now,
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

static void ev_text(sqt_grid_event *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ev_text(sqt_grid_event *e, const char *fmt, ...)
{
    va_list ap;
    if (e == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
}

size_t sqt_grid_take_commands(sqt_grid *g, sqt_grid_cmd *out, size_t cap)
{
    return queue_take(&g->cmds, out, cap);
}

size_t sqt_grid_pending_commands(const sqt_grid *g)
{
    return g->cmds.n;
}

size_t sqt_grid_take_events(sqt_grid *g, sqt_grid_event *out, size_t cap)
{
    return queue_take(&g->evs, out, cap);
}

size_t sqt_grid_pending_events(const sqt_grid *g)
{
    return g->evs.n;
}

/* ------------------------------------------------------------------------------------
 * Slot store
 * ---------------------------------------------------------------------------------- */

grid_slot *sqt_grid__slot(const sqt_grid *g, int64_t k)
{
    const uint32_t *i = sqt_gmap_get(&g->map, k);
    return i != NULL ? &g->pool[*i] : NULL;
}

static int gset_reserve(sqt_gset *s, size_t cap)
{
    int64_t *v;
    if (s->cap >= cap)
        return 0;
    if (cap > SIZE_MAX / sizeof *v)
        return SQT_ENOMEM;
    v = realloc(s->v, cap * sizeof *v);
    if (v == NULL)
        return SQT_ENOMEM;
    s->v = v;
    s->cap = cap;
    return 0;
}

/* Every index set holds a subset of the slots: reserving the pool's capacity in each
 * makes their inserts infallible, so no state change can half-fail. */
static int pool_grow(sqt_grid *g)
{
    size_t cap = g->pool_cap ? g->pool_cap * 2 : 64, i;
    grid_slot *pool;
    uint32_t *fr;
    if (cap > UINT32_MAX || cap > SIZE_MAX / sizeof *pool)
        return SQT_ENOMEM;
    if (gset_reserve(&g->buys, cap) || gset_reserve(&g->sells, cap) ||
        gset_reserve(&g->ready, cap) || gset_reserve(&g->hold, cap))
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
    if (g->free_n == 0 && pool_grow(g) != 0)
        return SQT_ENOMEM;
    idx = g->free_idx[g->free_n - 1];
    if (sqt_gmap_put(&g->map, k, idx) != 0)
        return SQT_ENOMEM;
    g->free_n--;
    s = &g->pool[idx];
    memset(s, 0, sizeof *s);
    s->k = k;
    s->in_use = 1;
    *out = s;
    return 0;
}

static void slot_delete(sqt_grid *g, grid_slot *s)
{
    uint32_t idx = (uint32_t)(s - g->pool);
    sqt_gmap_del(&g->map, s->k);
    sqt_gset_del(&g->ready, s->k);
    sqt_gset_del(&g->hold, s->k);
    s->in_use = 0;
    g->free_idx[g->free_n++] = idx;
}

int sqt_grid__slot_refresh(sqt_grid *g, grid_slot *s)
{
    if (s->qty > 0)
        sqt_gset_add(&g->hold, s->k);
    else
        sqt_gset_del(&g->hold, s->k);
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

grid_slot *sqt_grid__slot_by_cid(const sqt_grid *g, const char *cid)
{
    sqt_clientid id;
    int64_t k;
    grid_slot *s;
    if (!g->started || sqt_clientid_decode(g->tag, cid, &id) != 0 ||
        sqt_grid__index_of(g, id.price_ticks, &k) != 0)
        return NULL;
    s = sqt_grid__slot(g, k);
    if (s == NULL || !s->has_order || strcmp(s->o.cid, cid) != 0)
        return NULL;
    return s;
}

/* ------------------------------------------------------------------------------------
 * Creation
 * ---------------------------------------------------------------------------------- */

void sqt_grid_params_init(sqt_grid_params *p)
{
    memset(p, 0, sizeof *p);
    p->buy_window_size = 10;
    p->sell_window_size = 10;
    p->order_cleanup_threshold = 100;
    p->cleanup_batch_size = 10;
    p->sell_quota_reserve = -1; /* Th / 4 */
    p->post_only_max_failures = 3;
    p->cancel_out_of_window_buys = 1;
    p->out_of_window_slack = 2;
    p->margin_lock_duration_ms = 10000;
    p->place_retry_delay_ms = 500;
    p->cancel_timeout_ms = 5000;
    p->pending_timeout_ms = 30000;
    p->query_retry_ms = 5000;
    p->finished_ids = 8192;
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const char *fmtdec(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

static int dec_ok(sqt_dec d, int positive)
{
    if (d.scale < 0 || d.scale > SQT_DEC_MAX_SCALE)
        return 0;
    return positive ? d.mant > 0 : d.mant >= 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return -1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

static int grid_validate(sqt_grid *g, const sqt_grid_params *p, char *err, size_t errlen)
{
    char a[48], b[48];
    int64_t v;
    size_t need;
    int rc;

    if (!dec_ok(p->tick_size, 1) || !dec_ok(p->step_size, 1))
        return fail(err, errlen, SQT_EINVAL, "tick size and step size must be > 0");
    if (!dec_ok(p->min_qty, 0) || !dec_ok(p->min_notional, 0) || !dec_ok(p->min_order_value, 0))
        return fail(err, errlen, SQT_EINVAL, "min_qty, min_notional and min_order_value must be >= 0");
    if (!dec_ok(p->price_interval, 1))
        return fail(err, errlen, SQT_EINVAL, "price_interval must be > 0");
    if (!dec_ok(p->order_quantity, 1))
        return fail(err, errlen, SQT_EINVAL, "order_quantity must be > 0");
    g->tick = p->tick_size;
    g->step = p->step_size;
    rc = sqt_grid__ticks(g, p->price_interval, RND_EXACT, &g->I);
    if (rc == SQT_EINVAL)
        return fail(err, errlen, SQT_EINVAL,
                    "price_interval %s is not a multiple of the tick size %s",
                    fmtdec(p->price_interval, a, sizeof a), fmtdec(p->tick_size, b, sizeof b));
    if (rc != 0 || g->I > GRID_MAX_INTERVAL_TICKS)
        return fail(err, errlen, SQT_ERANGE, "price_interval %s is too large for tick %s",
                    fmtdec(p->price_interval, a, sizeof a), fmtdec(p->tick_size, b, sizeof b));
    g->unit_mant = (sqt_i128)p->tick_size.mant * p->step_size.mant;
    g->unit_scale = p->tick_size.scale + p->step_size.scale;
    if (g->unit_mant >= ((sqt_i128)1 << 62))
        return fail(err, errlen, SQT_ERANGE, "tick size %s and step size %s are not usable",
                    fmtdec(p->tick_size, a, sizeof a), fmtdec(p->step_size, b, sizeof b));
    if (sqt_grid__to_units(p->order_quantity, g->unit_mant, g->unit_scale, RND_FLOOR, &g->oq_u) ||
        sqt_grid__to_units(p->min_order_value, g->unit_mant, g->unit_scale, RND_CEIL, &g->mov_u) ||
        sqt_grid__to_units(p->min_notional, g->unit_mant, g->unit_scale, RND_CEIL, &g->mn_u) ||
        sqt_grid__steps(g, p->min_qty, RND_CEIL, &v))
        return fail(err, errlen, SQT_ERANGE,
                    "order_quantity / min_order_value / min_notional / min_qty out of range");
    if (g->oq_u < 1)
        return fail(err, errlen, SQT_EINVAL, "order_quantity %s buys nothing at any price",
                    fmtdec(p->order_quantity, a, sizeof a));
    g->min_qty = v < 1 ? 1 : v;

    if (p->buy_window_size < 1 || p->buy_window_size > GRID_MAX_WINDOW ||
        p->sell_window_size < 1 || p->sell_window_size > GRID_MAX_WINDOW)
        return fail(err, errlen, SQT_EINVAL, "buy_window_size and sell_window_size must be 1..%d",
                    GRID_MAX_WINDOW);
    if (p->order_cleanup_threshold < 1 || p->cleanup_batch_size < 1)
        return fail(err, errlen, SQT_EINVAL,
                    "order_cleanup_threshold and cleanup_batch_size must be >= 1");
    g->N = p->buy_window_size;
    g->SW = p->sell_window_size;
    g->Th = p->order_cleanup_threshold;
    g->batch = p->cleanup_batch_size;
    g->reserve = p->sell_quota_reserve < 0 ? g->Th / 4 : p->sell_quota_reserve;
    if (g->reserve >= g->Th)
        return fail(err, errlen, SQT_EINVAL,
                    "sell_quota_reserve %d must be below order_cleanup_threshold %d", g->reserve,
                    g->Th);
    if (p->post_only_max_failures < 0 || p->out_of_window_slack < 0)
        return fail(err, errlen, SQT_EINVAL,
                    "post_only_max_failures and out_of_window_slack must be >= 0");
    g->po_max = p->post_only_max_failures;
    g->oow = p->cancel_out_of_window_buys != 0;
    g->slack = p->out_of_window_slack;

    if (!sqt_clientid_tag_valid(p->instance_tag))
        return fail(err, errlen, SQT_EINVAL, "instance tag \"%s\" must match [A-Za-z0-9]{1,%d}",
                    p->instance_tag ? p->instance_tag : "", SQT_CLIENTID_TAG_MAX);
    memcpy(g->tag, p->instance_tag, strlen(p->instance_tag) + 1);
    if (p->client_id_max_len < 1)
        return fail(err, errlen, SQT_EINVAL, "client_id_max_len must be > 0");
    /* worst case of this run: a 7-digit base-36 price (7.8e10 ticks) and 2^32 ids */
    need = strlen(g->tag) + 3 + GRID_ID_PRICE_CHARS +
           sqt_clientid_b36_len(p->id_seed + ((uint64_t)1 << 32));
    if (need > (size_t)p->client_id_max_len || need >= SQT_CLIENT_ID_MAX)
        return fail(err, errlen, SQT_ERANGE,
                    "client ids of tag \"%s\" need up to %zu characters, the exchange allows %d: "
                    "use a shorter instance tag",
                    g->tag, need, p->client_id_max_len);
    g->id_max_len = (size_t)p->client_id_max_len;
    if (g->id_max_len >= SQT_CLIENT_ID_MAX)
        g->id_max_len = SQT_CLIENT_ID_MAX - 1;
    g->seq = p->id_seed;
    if (copy_str(g->symbol, sizeof g->symbol, p->symbol) ||
        copy_str(g->quote_asset, sizeof g->quote_asset, p->quote_asset) ||
        copy_str(g->prefix, sizeof g->prefix, p->client_id_prefix))
        return fail(err, errlen, SQT_EINVAL, "symbol, quote asset or client id prefix too long");

    if (p->margin_lock_duration_ms < 0 || p->place_retry_delay_ms < 0 ||
        p->cancel_timeout_ms < 1 || p->pending_timeout_ms < 1 || p->query_retry_ms < 1)
        return fail(err, errlen, SQT_EINVAL, "negative or zero timing parameter");
    g->lock_ms = p->margin_lock_duration_ms;
    g->retry_ms = p->place_retry_delay_ms;
    g->cancel_to = p->cancel_timeout_ms;
    g->pending_to = p->pending_timeout_ms;
    g->query_to = p->query_retry_ms;
    if (p->finished_ids < 16)
        return fail(err, errlen, SQT_EINVAL, "finished_ids must be >= 16");
    return 0;
}

int sqt_grid_new(const sqt_grid_params *p, sqt_grid **out, char *err, size_t errlen)
{
    sqt_grid *g;
    int rc;
    if (p == NULL || out == NULL)
        return fail(err, errlen, SQT_EINVAL, "no parameters");
    *out = NULL;
    g = calloc(1, sizeof *g);
    if (g == NULL)
        return fail(err, errlen, SQT_ENOMEM, "out of memory");
    g->cmds.item = sizeof(sqt_grid_cmd);
    g->evs.item = sizeof(sqt_grid_event);
    g->early.item = sizeof(sqt_order);
    rc = grid_validate(g, p, err, errlen);
    if (rc == 0) {
        if (sqt_gmap_init(&g->map, 256) != 0 || sqt_gring_init(&g->finished, p->finished_ids) != 0 ||
            (g->scratch = calloc((size_t)g->SW, sizeof *g->scratch)) == NULL || pool_grow(g) != 0)
            rc = fail(err, errlen, SQT_ENOMEM, "out of memory");
    }
    if (rc != 0) {
        sqt_grid_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void sqt_grid_free(sqt_grid *g)
{
    if (g == NULL)
        return;
    free(g->pool);
    free(g->free_idx);
    sqt_gmap_free(&g->map);
    sqt_gset_free(&g->buys);
    sqt_gset_free(&g->sells);
    sqt_gset_free(&g->ready);
    sqt_gset_free(&g->hold);
    sqt_gring_free(&g->finished);
    free(g->scratch);
    free(g->cmds.buf);
    free(g->evs.buf);
    free(g->early.buf);
    free(g);
}

int sqt_grid_start(sqt_grid *g, sqt_dec price, int64_t now_ms)
{
    int64_t t;
    int rc;
    (void)now_ms;
    if (g->started)
        return SQT_ESTATE;
    rc = sqt_grid__ticks(g, price, RND_NEAREST, &t);
    if (rc != 0)
        return rc;
    if (t <= 0)
        return SQT_EINVAL;
    /* headroom: the price may rise 64x before ids outgrow their budget */
    if (t > GRID_MAX_TICKS / 64 ||
        sqt_clientid_len(strlen(g->tag), t * 64, g->seq + ((uint64_t)1 << 32)) > g->id_max_len)
        return SQT_ERANGE;
    g->A = t;
    g->started = 1;
    return 0;
}

int sqt_grid_needs_adjust(const sqt_grid *g)
{
    return g->dirty;
}

/* ------------------------------------------------------------------------------------
 * Orders: place, cancel, query, apply reports, finish
 * ---------------------------------------------------------------------------------- */

static int place(sqt_grid *g, int64_t k, sqt_side side, int64_t price, int64_t qty, int64_t now)
{
    grid_slot *s = sqt_grid__slot(g, k);
    sqt_clientid id;
    sqt_grid_cmd *c;
    sqt_order_req *r;
    char cid[SQT_CLIENT_ID_MAX];
    int created = 0, n;

    id.side = side;
    id.price_ticks = sqt_grid__level(g, k);
    id.seq = g->seq;
    n = sqt_clientid_encode(g->tag, &id, g->id_max_len, cid, sizeof cid);
    if (n < 0) {
        /* cannot happen within the budget checked at start; never truncate (§11 #31) */
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_ANOMALY, now);
        if (e != NULL) {
            e->slot = k;
            ev_text(e, "client id does not fit %zu characters: order not placed", g->id_max_len);
        }
        if (s != NULL)
            s->retry_at = now + g->retry_ms;
        return 0;
    }
    if (s == NULL) {
        if (sqt_grid__slot_create(g, k, &s) != 0)
            return SQT_ENOMEM;
        created = 1;
    }
    c = sqt_grid__cmd_new(g, SQT_GRID_CMD_PLACE, k);
    if (c == NULL) {
        if (created)
            sqt_grid__slot_refresh(g, s);
        return SQT_ENOMEM;
    }
    g->seq++;
    memset(&s->o, 0, sizeof s->o);
    memcpy(s->o.cid, cid, (size_t)n + 1);
    s->o.side = side;
    s->o.tif = s->po_fails >= g->po_max ? SQT_TIF_GTC : SQT_TIF_POST_ONLY;
    s->o.state = SQT_GRID_ORD_PENDING;
    s->o.price = price;
    s->o.qty = qty;
    s->o.base_qty = side == SQT_SIDE_BUY ? s->qty : 0;
    s->o.created_ms = now;
    s->has_order = 1;
    sqt_gset_add(side == SQT_SIDE_BUY ? &g->buys : &g->sells, k);
    sqt_grid__slot_refresh(g, s);

    r = &c->req;
    r->struct_size = sizeof *r;
    memcpy(r->client_id, cid, (size_t)n + 1);
    memcpy(c->client_id, cid, (size_t)n + 1);
    r->side = side;
    r->tif = s->o.tif;
    r->reduce_only = side == SQT_SIDE_SELL;
    r->price = sqt_grid__price_dec(g, price);
    r->qty = sqt_grid__qty_dec(g, qty);
    g->orders_placed++;
    sqt_grid__ev_order(g, SQT_GRID_EV_PLACED, now, s);
    return 0;
}

int sqt_grid__cancel(sqt_grid *g, grid_slot *s, sqt_grid_reason why, int force, int64_t now)
{
    sqt_grid_cmd *c;
    sqt_grid_event *e;
    if (!s->has_order || (s->o.cancel_req && !force))
        return 0;
    c = sqt_grid__cmd_new(g, SQT_GRID_CMD_CANCEL, s->k);
    if (c == NULL)
        return SQT_ENOMEM;
    c->reason = why;
    memcpy(c->client_id, s->o.cid, sizeof c->client_id);
    memcpy(c->order_id, s->o.oid, sizeof c->order_id);
    s->o.cancel_req = 1;
    s->o.cancel_ms = now;
    s->o.cancel_reason = (uint8_t)why;
    e = sqt_grid__ev_order(g, SQT_GRID_EV_CANCEL_SENT, now, s);
    if (e != NULL)
        e->reason = why;
    return 0;
}

int sqt_grid__query(sqt_grid *g, grid_slot *s, sqt_grid_reason why, int64_t now)
{
    sqt_grid_cmd *c;
    sqt_grid_event *e;
    if (!s->has_order)
        return 0;
    c = sqt_grid__cmd_new(g, SQT_GRID_CMD_QUERY, s->k);
    if (c == NULL)
        return SQT_ENOMEM;
    c->reason = why;
    memcpy(c->client_id, s->o.cid, sizeof c->client_id);
    memcpy(c->order_id, s->o.oid, sizeof c->order_id);
    s->o.query_inflight = 1;
    s->o.query_ms = now;
    e = sqt_grid__ev_order(g, SQT_GRID_EV_QUERY_SENT, now, s);
    if (e != NULL)
        e->reason = why;
    return 0;
}

/* Live buys that can be cancelled (acknowledged, not yet asked). Used by the risk
 * pause and the margin lock (§5.8 without the sleeps: confirmation is awaited through
 * the cancel timeout and a query, §11 #20/#28). */
int sqt_grid__cancel_all_buys(sqt_grid *g, sqt_grid_reason why, int64_t now)
{
    size_t i;
    for (i = 0; i < g->buys.n; i++) {
        grid_slot *s = sqt_grid__slot(g, g->buys.v[i]);
        if (s != NULL && s->o.state >= SQT_GRID_ORD_PLACED && !s->o.cancel_req) {
            int rc = sqt_grid__cancel(g, s, why, 0, now);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

int sqt_grid__cancel_untracked(sqt_grid *g, const char *cid, const char *oid, int64_t slot,
                               sqt_grid_reason why, int64_t now)
{
    sqt_grid_cmd *c = sqt_grid__cmd_new(g, SQT_GRID_CMD_CANCEL, slot);
    sqt_grid_event *e;
    if (c == NULL)
        return SQT_ENOMEM;
    c->reason = why;
    snprintf(c->client_id, sizeof c->client_id, "%s", cid);
    snprintf(c->order_id, sizeof c->order_id, "%s", oid ? oid : "");
    e = sqt_grid__ev_new(g, SQT_GRID_EV_CANCEL_SENT, now);
    if (e != NULL) {
        e->slot = slot;
        e->reason = why;
        memcpy(e->client_id, c->client_id, sizeof e->client_id);
        memcpy(e->order_id, c->order_id, sizeof e->order_id);
    }
    return 0;
}

void sqt_grid__po_fail(sqt_grid *g, grid_slot *s, int64_t now)
{
    s->po_fails++;
    if (s->po_fails == g->po_max) {
        g->po_degrades++;
        sqt_grid__ev_order(g, SQT_GRID_EV_POST_ONLY_DEGRADED, now, s);
    }
}

/* A buy acknowledged while buys are paused is cancelled right away: the pause
 * covers buys accepted after it began (§11 #20). */
void sqt_grid__ack_policy(sqt_grid *g, grid_slot *s, int64_t now)
{
    if (s->has_order && s->o.side == SQT_SIDE_BUY && s->o.state >= SQT_GRID_ORD_PLACED &&
        !s->o.cancel_req && (g->paused || g->locked)) {
        if (sqt_grid__cancel(g, s, g->paused ? SQT_GRID_WHY_RISK : SQT_GRID_WHY_MARGIN, 0, now))
            g->oom = 1;
    }
}

static int fee_in_quote(const sqt_grid *g, const char *asset)
{
    size_t i;
    if (g->quote_asset[0] == '\0' || asset == NULL || asset[0] == '\0')
        return 1;
    for (i = 0;; i++) {
        char a = g->quote_asset[i], b = asset[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A');
        if (b >= 'a' && b <= 'z')
            b = (char)(b - 'a' + 'A');
        if (a != b)
            return 0;
        if (a == '\0')
            return 1;
    }
}

/* Apply delta steps filled at px ticks with the reported fee. Buys add inventory at
 * cost; sells realise (px*delta - its share of the cost); a slot that sells out
 * closes its round trip (pnl with every fee of the trip). */
static void apply_fill(sqt_grid *g, grid_slot *s, int64_t delta, int64_t px, sqt_dec fee,
                       const char *fee_asset, int64_t now)
{
    sqt_i128 f = fee_in_quote(g, fee_asset) ? fee_units(fee) : 0;
    g->fees_paid += f;
    s->rt_fees += f;
    if (s->o.side == SQT_SIDE_BUY) {
        s->qty += delta;
        s->cost += (sqt_i128)px * delta;
        g->position += delta;
        g->bought += delta;
        return;
    }
    {
        sqt_i128 part = delta >= s->qty ? s->cost : s->cost * delta / s->qty;
        s->rt_gross += (sqt_i128)px * delta - part;
        s->cost -= part;
        s->qty -= delta;
        g->position -= delta;
        g->sold += delta;
    }
    if (s->qty == 0) {
        sqt_grid_event *e;
        g->realized_gross += s->rt_gross;
        g->realized_fees += s->rt_fees;
        g->round_trips++;
        e = sqt_grid__ev_order(g, SQT_GRID_EV_ROUND_TRIP, now, s);
        if (e != NULL && sqt_grid__pnl_dec(g, s->rt_gross, s->rt_fees, &e->pnl) != 0)
            ev_text(e, "pnl out of range");
        s->rt_gross = 0;
        s->rt_fees = 0;
        s->cost = 0;
    }
}

static const char *status_name(sqt_order_status st)
{
    switch (st) {
    case SQT_ORDER_NEW: return "NEW";
    case SQT_ORDER_PARTIALLY_FILLED: return "PARTIALLY_FILLED";
    case SQT_ORDER_FILLED: return "FILLED";
    case SQT_ORDER_CANCELED: return "CANCELED";
    case SQT_ORDER_EXPIRED: return "EXPIRED";
    case SQT_ORDER_REJECTED: return "REJECTED";
    default: return "UNKNOWN";
    }
}

int sqt_grid__finish(sqt_grid *g, grid_slot *s, sqt_order_status st, int confirmed,
                     sqt_grid_ev_kind ev, const char *text, int64_t now)
{
    grid_order *o = &s->o;
    if (sqt_gring_add(&g->finished, sqt_ghash_str(o->cid), confirmed ? FIN_CONFIRMED : FIN_ASSUMED))
        g->oom = 1;
    if (ev == SQT_GRID_EV_FILLED && o->fill_final_sent)
        ev = 0;
    if (ev != 0) {
        sqt_grid_event *e = sqt_grid__ev_order(g, ev, now, s);
        if (e != NULL)
            ev_text(e, "%s", text ? text : status_name(st));
    }
    /* a post-only order the exchange expired untouched is a post-only rejection
     * (Binance GTX); our own or manual cancels are not (§11 #27) */
    if (st == SQT_ORDER_EXPIRED && o->tif == SQT_TIF_POST_ONLY && o->filled == 0 && !o->cancel_req)
        sqt_grid__po_fail(g, s, now);
    if (st == SQT_ORDER_FILLED && o->filled >= o->qty)
        s->po_fails = 0;
    sqt_gset_del(o->side == SQT_SIDE_BUY ? &g->buys : &g->sells, s->k);
    memset(o, 0, sizeof *o);
    s->has_order = 0;
    g->dirty = 1;
    return sqt_grid__slot_refresh(g, s);
}

/* Fill price of a delta: the report's last fill when it is exactly this delta and on
 * the tick, else the order's limit price (a limit order fills there or better; a
 * post-only one exactly there). */
static int64_t fill_price(const sqt_grid *g, const grid_slot *s, const sqt_order *u, int64_t delta)
{
    int64_t lq, lp;
    if (u->last_fill_qty.mant > 0 && u->last_fill_price.mant > 0 &&
        sqt_grid__steps(g, u->last_fill_qty, RND_EXACT, &lq) == 0 && lq == delta &&
        sqt_grid__ticks(g, u->last_fill_price, RND_EXACT, &lp) == 0 && lp > 0)
        return lp;
    return s->o.price;
}

int sqt_grid__apply(sqt_grid *g, grid_slot *s, const sqt_order *u, int src, int64_t now)
{
    grid_order *o = &s->o;
    int64_t filled = o->filled, f;
    int terminal = 0;
    uint8_t rank = 0;

    if (u->order_id[0] != '\0' && o->oid[0] == '\0')
        snprintf(o->oid, sizeof o->oid, "%s", u->order_id);
    if (u->filled_qty.mant != 0) {
        if (sqt_grid__steps(g, u->filled_qty, RND_FLOOR, &f) != 0 || f < 0) {
            sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_ANOMALY, now, s);
            ev_text(e, "unusable filled quantity ignored");
        } else if (f > o->qty) {
            sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_ANOMALY, now, s);
            ev_text(e, "filled quantity above the order quantity clamped");
            filled = o->qty;
        } else if (f > filled) {
            filled = f;
        }
    }
    switch (u->status) {
    case SQT_ORDER_NEW: rank = SQT_GRID_ORD_CONFIRMED; break;
    case SQT_ORDER_PARTIALLY_FILLED: rank = SQT_GRID_ORD_PARTIAL; break;
    case SQT_ORDER_FILLED:
        terminal = 1;
        /* FILLED without a filled quantity: the whole order */
        if (u->filled_qty.mant == 0)
            filled = o->qty;
        break;
    case SQT_ORDER_CANCELED:
    case SQT_ORDER_EXPIRED:
    case SQT_ORDER_REJECTED: terminal = 1; break;
    default:
        /* a REST/query/list answer without a status still proves the order exists */
        rank = src == SRC_PUSH ? 0 : SQT_GRID_ORD_PLACED;
        break;
    }
    if (!terminal && o->state == SQT_GRID_ORD_PENDING && (rank > 0 || filled > o->filled)) {
        o->state = SQT_GRID_ORD_PLACED;
        o->unknown = 0;
        sqt_grid__ev_order(g, SQT_GRID_EV_ACKED, now, s);
    }
    if (filled > o->filled) {
        int64_t delta = filled - o->filled;
        int64_t px = fill_price(g, s, u, delta);
        int complete = terminal && u->status == SQT_ORDER_FILLED;
        sqt_grid_event *e;
        apply_fill(g, s, delta, px, u->fee, u->fee_asset, now);
        o->filled = filled;
        g->dirty = 1;
        sqt_grid__slot_refresh(g, s); /* holds an order: never pruned here */
        e = sqt_grid__ev_order(g, complete ? SQT_GRID_EV_FILLED : SQT_GRID_EV_PARTIAL, now, s);
        if (e != NULL) {
            e->fill_qty = sqt_grid__qty_dec(g, delta);
            e->fill_price = sqt_grid__price_dec(g, px);
            e->fee = u->fee;
            memcpy(e->fee_asset, u->fee_asset, sizeof e->fee_asset);
            e->fee_asset[sizeof e->fee_asset - 1] = '\0';
        }
        if (complete)
            o->fill_final_sent = 1;
        if (rank < SQT_GRID_ORD_PARTIAL)
            rank = SQT_GRID_ORD_PARTIAL;
    }
    if (terminal) {
        if (u->status == SQT_ORDER_FILLED)
            return sqt_grid__finish(g, s, SQT_ORDER_FILLED, 1, SQT_GRID_EV_FILLED, "FILLED", now);
        return sqt_grid__finish(g, s, u->status, 1, SQT_GRID_EV_CANCELLED, NULL, now);
    }
    if (rank > o->state) /* status only moves forward (§11 #26) */
        o->state = rank;
    sqt_grid__ack_policy(g, s, now);
    return 0;
}

/* An order report whose client id is ours but matches no slot's current order. */
void sqt_grid__untracked(sqt_grid *g, const char *cid, const sqt_order *u, int live, int64_t now)
{
    uint64_t h = sqt_ghash_str(cid);
    uint8_t tag = sqt_gring_get(&g->finished, h);
    sqt_clientid id;
    int64_t k = 0;
    g->ignored++;
    if (tag == FIN_CONFIRMED)
        return; /* late or duplicate report of a finished order (§11 #22/#23) */
    if (!live) {
        if (sqt_gring_add(&g->finished, h, FIN_CONFIRMED))
            g->oom = 1;
        return;
    }
    /* live and not ours to track: it would trade outside the slots; cancel it */
    if (sqt_clientid_decode(g->tag, cid, &id) == 0)
        sqt_grid__index_of(g, id.price_ticks, &k);
    if (sqt_grid__cancel_untracked(g, cid, u ? u->order_id : "", k, SQT_GRID_WHY_ORPHAN, now)) {
        g->oom = 1;
        return;
    }
    {
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_ORPHAN, now);
        if (e != NULL) {
            e->slot = k;
            snprintf(e->client_id, sizeof e->client_id, "%s", cid);
            if (u != NULL) {
                snprintf(e->order_id, sizeof e->order_id, "%s", u->order_id);
                e->side = u->side;
                e->price = u->price;
                e->qty = u->qty;
                e->filled = u->filled_qty;
            }
            ev_text(e, "live order of this instance unknown to the engine: cancelled");
        }
    }
    if (sqt_gring_add(&g->finished, h, FIN_ORPHAN))
        g->oom = 1;
}

int sqt_grid_on_order_update(sqt_grid *g, const sqt_order *u, int64_t now_ms)
{
    const char *cid;
    grid_slot *s;
    sqt_clientid id;
    g->oom = 0;
    if (u == NULL)
        return SQT_EINVAL;
    if (!g->started || (g->symbol[0] != '\0' && u->symbol[0] != '\0' &&
                        strcmp(u->symbol, g->symbol) != 0)) {
        g->ignored++; /* another symbol's order on a shared stream (§11 #25) */
        return 0;
    }
    cid = sqt_clientid_strip(u->client_id, g->prefix);
    if (sqt_clientid_decode(g->tag, cid, &id) != 0) {
        g->ignored++; /* another bot, a manual order, another instance */
        return 0;
    }
    if (!g->reconciled) {
        /* the previous run's orders are not imported yet: keep the push for the first
         * reconcile instead of taking the order for an orphan */
        sqt_order *k = g->early.n < GRID_EARLY_MAX ? sqt_grid__queue_push(&g->early) : NULL;
        if (k == NULL)
            g->ignored++;
        else
            *k = *u;
        return 0;
    }
    s = sqt_grid__slot_by_cid(g, cid);
    if (s != NULL) {
        sqt_grid__apply(g, s, u, SRC_PUSH, now_ms);
    } else {
        int live = u->status == SQT_ORDER_NEW || u->status == SQT_ORDER_PARTIALLY_FILLED;
        sqt_grid__untracked(g, cid, u, live, now_ms);
    }
    return g->oom ? SQT_ENOMEM : 0;
}

/* ------------------------------------------------------------------------------------
 * The adjust step
 * ---------------------------------------------------------------------------------- */

void sqt_grid__lock_expire(sqt_grid *g, int64_t now)
{
    if (g->locked && now >= g->lock_until) {
        g->locked = 0;
        g->dirty = 1;
        sqt_grid__ev_new(g, SQT_GRID_EV_MARGIN_UNLOCK, now);
    }
}

/* Move the window to the current price; idle slots the old window leaves are pruned. */
static void window_update(sqt_grid *g)
{
    int64_t kg = sqt_grid__grid_index(g, g->cur), old = g->kg, i, lo, hi;
    int had = g->have_price;
    g->have_price = 1;
    g->kg = kg;
    if (!had || kg == old)
        return;
    hi = old;
    lo = old - g->N + 1;
    for (i = hi; i >= lo; i--) {
        grid_slot *s;
        if (sqt_grid__in_window(g, i))
            continue;
        s = sqt_grid__slot(g, i);
        if (s != NULL)
            sqt_grid__slot_refresh(g, s);
    }
}

/* Sells first (§11 #17): the candidates nearest to the price, ties to the lower slot
 * (§11 #18). No lower bound (§11 #16 keeps it: the only exit for such inventory). */
static int sell_pass(sqt_grid *g, int64_t now, int cap, int *placed)
{
    int64_t sell_max = g->cur + (int64_t)g->SW * g->I;
    int64_t kmax = floordiv(sell_max - g->A, g->I);
    int64_t kc = floordiv(g->cur - g->A, g->I);
    size_t hi = sqt_gset_lower(&g->ready, kc + 1), lo = hi, n = 0, i;
    *placed = 0;
    while ((int)n < cap) {
        int use_lo = 0, have_lo = lo > 0 && g->ready.v[lo - 1] <= kmax;
        int have_hi = hi < g->ready.n && g->ready.v[hi] <= kmax;
        int64_t k;
        grid_slot *s;
        if (!have_lo && !have_hi)
            break;
        if (have_lo && have_hi) {
            int64_t dl = g->cur - sqt_grid__level(g, g->ready.v[lo - 1]);
            int64_t dh = sqt_grid__level(g, g->ready.v[hi]) - g->cur;
            use_lo = dl <= dh;
        } else {
            use_lo = have_lo;
        }
        k = use_lo ? g->ready.v[--lo] : g->ready.v[hi++];
        s = sqt_grid__slot(g, k);
        if (s == NULL || s->retry_at > now)
            continue;
        g->scratch[n++] = k;
    }
    for (i = 0; i < n; i++) {
        grid_slot *s = sqt_grid__slot(g, g->scratch[i]);
        int64_t sp;
        int rc;
        if (s == NULL || s->has_order || s->qty <= 0)
            continue;
        sp = sqt_grid__level(g, s->k) + g->I;
        rc = place(g, s->k, SQT_SIDE_SELL, sp, s->qty, now);
        if (rc != 0)
            return rc;
        (*placed)++;
        if (sp <= g->cur) {
            s = sqt_grid__slot(g, g->scratch[i]);
            if (s != NULL) {
                sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_SELL_BELOW_MARKET, now, s);
                ev_text(e, "sell at or below the market price");
            }
        }
    }
    return 0;
}

/* §5.3 with the §11 #14 fix: qty = floor(order_quantity / price) to the step; a buy
 * below min qty, min notional, or whose sell could not reach min_order_value (E9) is
 * skipped with one notice until buys fit again. A slot holding an unsellable rest
 * (a partial fill) is topped up to a full buy so it can be sold. */
static int buy_pass(sqt_grid *g, int64_t now, int cap)
{
    int placed = 0, i, skipped = 0;
    int64_t skip_k = 0, skip_qty = 0;
    for (i = 0; i < g->N && placed < cap; i++) {
        int64_t k = g->kg - i, p = sqt_grid__level(g, k), have = 0, full, want;
        grid_slot *s;
        int rc;
        if (p <= 0)
            break;
        /* safety buffer: W_i >= cur - 0.1*I is skipped, in integers */
        if ((sqt_i128)10 * p >= (sqt_i128)10 * g->cur - g->I)
            continue;
        s = sqt_grid__slot(g, k);
        if (s != NULL) {
            if (s->has_order || s->retry_at > now)
                continue;
            have = s->qty;
            if (have > 0 && sqt_grid__sellable(g, k, have))
                continue; /* holds inventory to sell */
        }
        full = g->oq_u / p;
        if (have > 0 && full <= have)
            continue; /* a rest no full buy can top up: left to the sell check */
        want = full - have;
        if (want < g->min_qty || (sqt_i128)p * want < g->mn_u ||
            !sqt_grid__sellable(g, k, full)) {
            if (!skipped) {
                skip_k = k;
                skip_qty = want;
            }
            skipped++;
            continue;
        }
        rc = place(g, k, SQT_SIDE_BUY, p, want, now);
        if (rc != 0)
            return rc;
        placed++;
    }
    if (skipped && !g->warned_small) {
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_BUY_SKIPPED, now);
        g->warned_small = 1;
        if (e != NULL) {
            e->slot = skip_k;
            e->side = SQT_SIDE_BUY;
            e->price = sqt_grid__price_dec(g, sqt_grid__level(g, skip_k));
            e->qty = sqt_grid__qty_dec(g, skip_qty);
            ev_text(e, "buy below min qty / min notional / min_order_value: not placed "
                       "(%d level(s); said once until buys fit again)", skipped);
        }
    } else if (!skipped) {
        g->warned_small = 0;
    }
    return 0;
}

/* §11 #13 option: buys more than `slack` levels below the window are cancelled. The
 * slack keeps a price oscillating around the window edge from cancelling and
 * re-placing the lowest buy on every swing: a cancel needs a move of slack+1 levels. */
static int oow_pass(sqt_grid *g, int64_t now)
{
    int64_t bound = g->kg - g->N + 1 - g->slack;
    size_t i;
    for (i = 0; i < g->buys.n && g->buys.v[i] < bound; i++) {
        grid_slot *s = sqt_grid__slot(g, g->buys.v[i]);
        if (s != NULL && !s->o.cancel_req &&
            (s->o.state == SQT_GRID_ORD_PLACED || s->o.state == SQT_GRID_ORD_CONFIRMED)) {
            int rc = sqt_grid__cancel(g, s, SQT_GRID_WHY_OUT_OF_WINDOW, 0, now);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int adjust(sqt_grid *g, int64_t now)
{
    int64_t live, free_q, buy_cap;
    int rc, sells = 0;
    g->dirty = 0;
    if (!g->started || !g->reconciled || !g->have_price)
        return 0;
    sqt_grid__lock_expire(g, now);
    if (g->paused)
        return 0;
    if (g->oow) {
        rc = oow_pass(g, now);
        if (rc != 0)
            return rc;
    }
    /* every order the exchange may hold counts toward Th (pending and cancel-requested
     * too: in the asynchronous engine they are real orders) */
    live = (int64_t)(g->buys.n + g->sells.n);
    free_q = g->Th - live;
    if (free_q <= 0)
        return 0;
    rc = sell_pass(g, now, (int)(free_q < g->SW ? free_q : g->SW), &sells);
    if (rc != 0 || g->locked)
        return rc; /* margin lock pauses buys only (§11 #19) */
    free_q -= sells;
    buy_cap = (int64_t)(g->Th - g->reserve) - (int64_t)g->buys.n;
    if (buy_cap > free_q)
        buy_cap = free_q;
    if (buy_cap > g->N)
        buy_cap = g->N;
    if (buy_cap <= 0)
        return 0;
    return buy_pass(g, now, (int)buy_cap);
}

int sqt_grid_adjust(sqt_grid *g, int64_t now_ms)
{
    int rc;
    g->oom = 0;
    rc = adjust(g, now_ms);
    return rc ? rc : g->oom ? SQT_ENOMEM : 0;
}

int sqt_grid_on_price(sqt_grid *g, sqt_dec price, int64_t now_ms)
{
    int64_t t;
    int rc;
    if (!g->started)
        return SQT_ESTATE;
    rc = sqt_grid__ticks(g, price, RND_NEAREST, &t);
    if (rc != 0)
        return rc;
    if (t <= 0 || t > GRID_MAX_TICKS)
        return SQT_EINVAL;
    g->cur = t;
    window_update(g);
    return sqt_grid_adjust(g, now_ms);
}
