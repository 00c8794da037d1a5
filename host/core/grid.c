/* The grid engine: parameters and creation, grid geometry, and the adjust step
 * (§5). Money is in grid_money.c, storage in grid_store.c, the order life cycle in
 * grid_order.c, answers from the exchange in grid_sync.c, views in grid_status.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

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

SQT_HOT int64_t sqt_grid__level(const sqt_grid *g, int64_t k)
{
    return g->A + k * g->I;
}

SQT_HOT int sqt_grid__index_of(const sqt_grid *g, int64_t ticks, int64_t *k)
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
SQT_HOT int sqt_grid__sellable(const sqt_grid *g, int64_t k, int64_t qty)
{
    int64_t sp = sqt_grid__level(g, k) + g->I;
    return qty >= g->min_qty && sp > 0 && (sqt_i128)sp * qty >= g->mov_u;
}

SQT_HOT int sqt_grid__in_window(const sqt_grid *g, int64_t k)
{
    return g->have_price && k <= g->kg && k > g->kg - g->N;
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
    p->rules_reject_backoff_max_ms = 300000;
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
                    sqt_grid__dec_text(p->price_interval, a, sizeof a), sqt_grid__dec_text(p->tick_size, b, sizeof b));
    if (rc != 0 || g->I > GRID_MAX_INTERVAL_TICKS)
        return fail(err, errlen, SQT_ERANGE, "price_interval %s is too large for tick %s",
                    sqt_grid__dec_text(p->price_interval, a, sizeof a), sqt_grid__dec_text(p->tick_size, b, sizeof b));
    g->unit_mant = (sqt_i128)p->tick_size.mant * p->step_size.mant;
    g->unit_scale = p->tick_size.scale + p->step_size.scale;
    if (g->unit_mant >= ((sqt_i128)1 << 62))
        return fail(err, errlen, SQT_ERANGE, "tick size %s and step size %s are not usable",
                    sqt_grid__dec_text(p->tick_size, a, sizeof a), sqt_grid__dec_text(p->step_size, b, sizeof b));
    if (sqt_grid__to_units(p->order_quantity, g->unit_mant, g->unit_scale, RND_FLOOR, &g->oq_u) ||
        sqt_grid__to_units(p->min_order_value, g->unit_mant, g->unit_scale, RND_CEIL, &g->mov_u) ||
        sqt_grid__to_units(p->min_notional, g->unit_mant, g->unit_scale, RND_CEIL, &g->mn_u) ||
        sqt_grid__steps(g, p->min_qty, RND_CEIL, &v))
        return fail(err, errlen, SQT_ERANGE,
                    "order_quantity / min_order_value / min_notional / min_qty out of range");
    if (g->oq_u < 1)
        return fail(err, errlen, SQT_EINVAL, "order_quantity %s buys nothing at any price",
                    sqt_grid__dec_text(p->order_quantity, a, sizeof a));
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
    g->tag_len = strlen(g->tag);
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
        p->cancel_timeout_ms < 1 || p->pending_timeout_ms < 1 || p->query_retry_ms < 1 ||
        p->rules_reject_backoff_max_ms < 0)
        return fail(err, errlen, SQT_EINVAL, "negative or zero timing parameter");
    /* the backoff starts at the retry delay (1 s when that is 0): a smaller cap means
     * no doubling */
    g->rules_max_ms = p->rules_reject_backoff_max_ms;
    if (g->rules_max_ms < (p->place_retry_delay_ms > 0 ? p->place_retry_delay_ms : 1000))
        g->rules_max_ms = p->place_retry_delay_ms > 0 ? p->place_retry_delay_ms : 1000;
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
            (g->scratch = calloc((size_t)g->SW, sizeof *g->scratch)) == NULL || sqt_grid__pool_grow(g) != 0)
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
    free(g->intents);
    free(g->scratch);
    free(g->cmds.buf);
    free(g->evs.buf);
    free(g->early.buf);
    sqt_grid__save_free(g);
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

void sqt_grid_set_events(sqt_grid *g, uint64_t kinds)
{
    g->ev_off = ~kinds;
}

SQT_HOT int sqt_grid_needs_adjust(const sqt_grid *g)
{
    return g->dirty;
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

/* 1 when slot s may not get a new order now: held for a position check, or waiting
 * out a retry delay. A slot parked by a rules rejection retries early once the price
 * moved a grid interval from where it was parked (the band it broke has moved too). */
static int slot_waits(const sqt_grid *g, grid_slot *s, int64_t now)
{
    int64_t moved;
    if (s->held)
        return 1;
    if (s->retry_at <= now)
        return 0;
    moved = g->cur - s->park_px;
    if (s->parked && (moved >= g->I || -moved >= g->I)) {
        s->retry_at = now;
        return 0;
    }
    return 1;
}

void sqt_grid__hold(sqt_grid *g, grid_slot *s)
{
    s->held = 1;
    s->hold_gen = g->gen;
    g->want_rec = 1;
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
    /* the levels of the old window the new one lacks, top down */
    hi = old;
    lo = old - g->N + 1;
    if (kg > old && kg - g->N < hi)
        hi = kg - g->N;
    else if (kg < old && kg + 1 > lo)
        lo = kg + 1;
    for (i = hi; i >= lo; i--) {
        grid_slot *s = sqt_grid__slot(g, i);
        if (s != NULL)
            sqt_grid__slot_refresh(g, s);
    }
}

/* Sells first (§11 #17): the candidates nearest to the price, ties to the lower slot
 * (§11 #18). No lower bound (§11 #16 keeps it: the only exit for such inventory). */
static int sell_pass(sqt_grid *g, int64_t now, int cap, int *placed)
{
    /* floor((cur + SW*I - A) / I) is kc + SW: one division, not two */
    int64_t kc = floordiv(g->cur - g->A, g->I);
    int64_t kmax = kc + g->SW;
    const sqt_gset *rd = &g->ready;
    sqt_gset_pos hi = sqt_gset_lower(rd, kc + 1);
    sqt_gset_pos lo = hi != SQT_GSET_END ? sqt_gset_prev(rd, hi) : sqt_gset_last(rd);
    size_t n = 0, i;
    *placed = 0;
    if (g->sell_hold)
        return 0; /* a sell was refused by the rules: the position is checked first */
    while ((int)n < cap) {
        int use_lo = 0, have_lo = lo != SQT_GSET_END && sqt_gset_key(rd, lo) <= kmax;
        int have_hi = hi != SQT_GSET_END && sqt_gset_key(rd, hi) <= kmax;
        int64_t k;
        grid_slot *s;
        if (!have_lo && !have_hi)
            break;
        if (have_lo && have_hi) {
            int64_t dl = g->cur - sqt_grid__level(g, sqt_gset_key(rd, lo));
            int64_t dh = sqt_grid__level(g, sqt_gset_key(rd, hi)) - g->cur;
            use_lo = dl <= dh;
        } else {
            use_lo = have_lo;
        }
        if (use_lo) {
            k = sqt_gset_key(rd, lo);
            lo = sqt_gset_prev(rd, lo);
        } else {
            k = sqt_gset_key(rd, hi);
            hi = sqt_gset_next(rd, hi);
        }
        s = sqt_grid__slot(g, k);
        if (s == NULL || slot_waits(g, s, now))
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
        rc = sqt_grid__place(g, s->k, SQT_SIDE_SELL, sp, s->qty, now);
        if (rc != 0)
            return rc;
        (*placed)++;
        if (sp <= g->cur) {
            s = sqt_grid__slot(g, g->scratch[i]);
            if (s != NULL) {
                sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_SELL_BELOW_MARKET, now, s);
                sqt_grid__ev_text(e, "sell at or below the market price");
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
    int placed = 0, i, skipped = 0, has_lo = 0;
    int64_t skip_k = 0, skip_qty = 0, lo = 0;
    /* safety buffer: W_i >= cur - 0.1*I is skipped, in integers (prices are at most
     * GRID_MAX_TICKS: no overflow); placing orders moves neither cur nor the window */
    const int64_t guard = 10 * g->cur - g->I, kg = g->kg;
    if (g->bp_memo && !g->memo_off && g->bp_gen == g->order_gen && g->bp_kg == kg && g->bp_A == g->A &&
        (!g->bp_has_lo || 10 * sqt_grid__level(g, g->bp_lo) >= guard)) {
        g->warned_small = 0; /* what the full pass would do: nothing skipped */
        return 0;
    }
    g->bp_memo = 0;
    for (i = 0; i < g->N && placed < cap; i++) {
        int64_t k = kg - i, p = sqt_grid__level(g, k), have = 0, full, want;
        grid_slot *s;
        int rc;
        if (p <= 0)
            break;
        s = sqt_grid__slot(g, k);
        if (s == NULL || !s->has_order) {
            lo = k; /* k falls: the last one is the lowest */
            has_lo = 1;
        }
        if (10 * p >= guard)
            continue;
        if (s != NULL) {
            if (s->has_order || slot_waits(g, s, now))
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
        rc = sqt_grid__place(g, k, SQT_SIDE_BUY, p, want, now);
        if (rc != 0)
            return rc;
        placed++;
    }
    if (placed == 0 && i == g->N) {
        g->bp_memo = 1;
        g->bp_gen = g->order_gen;
        g->bp_kg = kg;
        g->bp_A = g->A;
        g->bp_lo = lo;
        g->bp_has_lo = has_lo;
    }
    if (skipped && !g->warned_small) {
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_BUY_SKIPPED, now);
        g->warned_small = 1;
        if (e != NULL) {
            e->slot = skip_k;
            e->side = SQT_SIDE_BUY;
            e->price = sqt_grid__price_dec(g, sqt_grid__level(g, skip_k));
            e->qty = sqt_grid__qty_dec(g, skip_qty);
            sqt_grid__ev_text(e, "buy below min qty / min notional / min_order_value: not placed "
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
    sqt_gset_pos i;
    for (i = sqt_gset_first(&g->buys); i != SQT_GSET_END && sqt_gset_key(&g->buys, i) < bound;
         i = sqt_gset_next(&g->buys, i)) {
        grid_slot *s = sqt_grid__slot(g, sqt_gset_key(&g->buys, i));
        if (s != NULL && !s->o.cancel_req &&
            (s->o.state == SQT_GRID_ORD_PLACED || s->o.state == SQT_GRID_ORD_CONFIRMED)) {
            int rc = sqt_grid__cancel(g, s, SQT_GRID_WHY_OUT_OF_WINDOW, 0, now);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

SQT_HOT static int adjust(sqt_grid *g, int64_t now)
{
    int64_t live, free_q, buy_cap;
    int rc, sells = 0;
    g->dirty = 0;
    if (!g->started || !g->reconciled || !g->have_price)
        return 0;
    sqt_grid__lock_expire(g, now);
    /* an intent whose slot is free now takes it before anything is placed there */
    if (g->n_intents > 0 && (rc = sqt_grid__intents_bind(g, now)) != 0)
        return rc;
    if (g->paused || g->data_paused)
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

SQT_HOT int sqt_grid_adjust(sqt_grid *g, int64_t now_ms)
{
    int rc;
    g->oom = 0;
    rc = adjust(g, now_ms);
    return rc ? rc : g->oom ? SQT_ENOMEM : 0;
}

SQT_HOT int sqt_grid_on_price_ticks(sqt_grid *g, int64_t t, int64_t now_ms)
{
    if (!g->started)
        return SQT_ESTATE;
    if (t <= 0 || t > GRID_MAX_TICKS)
        return SQT_EINVAL;
    g->cur = t;
    window_update(g);
    return sqt_grid_adjust(g, now_ms);
}

SQT_HOT int sqt_grid_on_price(sqt_grid *g, sqt_dec price, int64_t now_ms)
{
    int64_t t;
    int rc;
    if (!g->started)
        return SQT_ESTATE;
    rc = sqt_grid__ticks(g, price, RND_NEAREST, &t);
    if (rc != 0)
        return rc;
    return sqt_grid_on_price_ticks(g, t, now_ms);
}
