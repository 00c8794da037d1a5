/* The fee of an order. Gate reports no fee on an order (gate.md 5): a fill's fee comes
 * with futures.usertrades on the stream, or from the order's trade list
 * (GET /futures/usdt/my_trades?order=<id>).
 *
 * REST answers (query, open orders): each order with fills gets its trade list; the sum
 * becomes cum_fee only when it covers the filled quantity exactly (a lagging list must
 * not understate the fee). The kit's filler (sqt_kit_fee_fill) asks the lists one
 * after the other, at most GT_FEE_LISTS per call; any failure delivers the orders
 * without the fee. The stream's fetch below shares the call and the sum.
 *
 * The stream: futures.orders says how much filled, futures.usertrades what each fill
 * cost, in either order. An order state that brings a new fill is held until its fills'
 * trades cover the filled quantity, then delivered with cum_fee = their fees (and the
 * completing fill as last_fill); after GT_FEE_WAIT_MS without them its trade list is
 * fetched, and failing that it goes without a fee (the host then asks). The fee is
 * always cumulative, never per push, so a repeat or a reorder never counts twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gt.h"

#define GT_FEE_LISTS 10            /* trade lists per REST answer */
#define P_TRADES GT_API "/futures/usdt/my_trades"

/* The trade list of order_id; done gets ctx. */
static int trades_ask(sqt_exchange *ex, const char *order_id, sqt_kit_answer_fn done, void *ctx)
{
    sqt_kit_query q;
    int rc;
    sqt_kit_query_init(&q);
    sqt_kit_query_add(&q, "contract", ex->contract);
    sqt_kit_query_add(&q, "order", order_id);
    sqt_kit_query_add_int(&q, "limit", 1000);
    rc = q.err;
    if (rc == SQT_OK)
        rc = sqt_gt_rest(ex, "GET", P_TRADES, sqt_kit_query_str(&q), NULL, SQT_KIT_AUTH_SIGNED,
                         0, done, ctx);
    sqt_kit_query_free(&q);
    return rc;
}

/* The trades of o in a list; the fee is always in the settle currency. */
static int trades_sum(void *plugin, const sqt_order *o, const sqt_kit_answer *a,
                      sqt_kit_fee_sum *out, sqt_error *e)
{
    sqt_exchange *ex = plugin;
    sqt_gt_fee_sum s;
    int rc = sqt_gt_parse_my_trades(a->body, a->len, &ex->units, o->order_id, &s, e);
    if (rc != SQT_OK)
        return rc;
    out->qty = s.qty;
    out->fee = s.fee;
    out->one_asset = 1;
    snprintf(out->asset, sizeof(out->asset), "USDT");
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * REST answers: the kit's filler
 * ---------------------------------------------------------------------------------- */

static int fill_ask(void *plugin, void *ctx, const char *order_id)
{
    return trades_ask(plugin, order_id, sqt_kit_fee_done, ctx);
}

static const sqt_kit_fee_hooks fill_hooks = {fill_ask, trades_sum, NULL, GT_FEE_LISTS};

void sqt_gt_fee_start(sqt_exchange *ex, const char *what, sqt_orders_cb cb, void *ud,
                      const sqt_order *orders, size_t n)
{
    sqt_kit_fee_fill(&ex->kit, &fill_hooks, what, cb, ud, orders, n);
}

/* ------------------------------------------------------------------------------------
 * the stream: pairing futures.orders with futures.usertrades
 * ---------------------------------------------------------------------------------- */

static gt_fee_rec *rec_find(sqt_exchange *ex, const char *order_id)
{
    size_t i;
    for (i = 0; i < GT_FEE_ORDERS; i++)
        if (ex->fees[i].order_id[0] != '\0' && strcmp(ex->fees[i].order_id, order_id) == 0)
            return &ex->fees[i];
    return NULL;
}

/* The record of order_id, a free one, or the least recently used one that waits for
 * nothing; NULL when every record holds an order. */
static gt_fee_rec *rec_get(sqt_exchange *ex, const char *order_id)
{
    gt_fee_rec *r = rec_find(ex, order_id), *victim = NULL;
    size_t i;
    if (r == NULL) {
        for (i = 0; i < GT_FEE_ORDERS; i++) {
            gt_fee_rec *x = &ex->fees[i];
            if (x->held || x->fetching)
                continue;
            if (x->order_id[0] == '\0') {
                victim = x;
                break;
            }
            if (victim == NULL || x->stamp < victim->stamp)
                victim = x;
        }
        if ((r = victim) == NULL)
            return NULL;
        memset(r, 0, sizeof(*r));
        snprintf(r->order_id, sizeof(r->order_id), "%s", order_id);
    }
    r->stamp = ++ex->fee_clock;
    return r;
}

/* 1 when the fills seen, in arrival order, add up to exactly `filled`: *cum their fees
 * and *last the fill that completes them. */
static int covered(const gt_fee_rec *r, sqt_dec filled, sqt_dec *cum, const sqt_gt_fill **last)
{
    sqt_dec q = sqt_dec_make(0, 0), f = sqt_dec_make(0, 0);
    size_t i;
    int ok;
    if (filled.mant <= 0)
        return 0;
    for (i = 0; i < r->n_trades; i++) {
        if (sqt_kit_dec_add(q, r->trades[i].qty, &q) != SQT_OK ||
            sqt_kit_dec_add(f, r->trades[i].fee, &f) != SQT_OK)
            return 0;
        if (sqt_dec_cmp(q, filled, &ok) == 0 && ok) {
            *cum = sqt_dec_normalize(f);
            *last = &r->trades[i];
            return 1;
        }
    }
    return 0;
}

/* Deliver o (the order's newest state) with what the fills tell of its fee. */
static void rec_deliver(sqt_exchange *ex, gt_fee_rec *r, const sqt_order *o)
{
    sqt_order d = *o;
    const sqt_gt_fill *last = NULL;
    sqt_dec cum, prev = r->have_delivered ? r->delivered.filled_qty : sqt_dec_make(0, 0), delta;
    if (!d.has_cum_fee && covered(r, d.filled_qty, &cum, &last)) {
        d.cum_fee = cum;
        d.has_cum_fee = 1;
        snprintf(d.fee_asset, sizeof(d.fee_asset), "USDT");
        /* the completing fill is this push's fill when it is the whole new quantity; its
         * fee is in cum_fee (never both: the host would count it twice) */
        prev.mant = -prev.mant;
        if (sqt_kit_dec_add(d.filled_qty, prev, &delta) == SQT_OK &&
            sqt_dec_cmp(delta, last->qty, NULL) == 0) {
            d.last_fill_qty = last->qty;
            d.last_fill_price = last->price;
        }
    }
    r->delivered = d;
    r->have_delivered = 1;
    sqt_gt_deliver_order(ex, &d);
}

static void fee_timer_fire(void *ud);

static void arm_timer(sqt_exchange *ex)
{
    int64_t now = sqt_gt_wall(ex), first = 0;
    size_t i;
    if (ex->fee_timer != NULL || ex->kit.closing)
        return;
    for (i = 0; i < GT_FEE_ORDERS; i++) {
        const gt_fee_rec *r = &ex->fees[i];
        if (r->held && !r->fetching && (first == 0 || r->hold_until_ms < first))
            first = r->hold_until_ms;
    }
    if (first == 0)
        return;
    if (ex->kit.api->timer_start(ex->kit.host, first > now ? (uint64_t)(first - now) : 0, 0,
                             fee_timer_fire, ex, &ex->fee_timer) != SQT_OK) {
        ex->fee_timer = NULL;
        sqt_gt_logf(ex, SQT_LOG_WARN, "order stream: fee wait timer not started");
    }
}

static void stream_fetched(sqt_kit_call *call, const sqt_kit_answer *a);

/* Give up waiting for r's trades on the stream: ask for its trade list (the call's ctx
 * is the order id: the record may be reused before the answer). */
static void rec_fetch(sqt_exchange *ex, gt_fee_rec *r)
{
    char *id = malloc(sizeof(r->order_id));
    if (id != NULL) {
        snprintf(id, sizeof(r->order_id), "%s", r->order_id);
        if (trades_ask(ex, r->order_id, stream_fetched, id) == SQT_OK) {
            r->fetching = 1;
            return;
        }
        free(id);
    }
    sqt_gt_logf(ex, SQT_LOG_WARN, "order stream: order %s delivered without its fee (trade "
                "list not sent)", r->order_id);
    r->held = 0;
    rec_deliver(ex, r, &r->hold);
}

static void fee_timer_fire(void *ud)
{
    sqt_exchange *ex = ud;
    int64_t now = sqt_gt_wall(ex);
    size_t i;
    ex->fee_timer = NULL; /* one-shot: released by the host after this */
    for (i = 0; i < GT_FEE_ORDERS && !ex->kit.closing; i++) {
        gt_fee_rec *r = &ex->fees[i];
        if (r->held && !r->fetching && r->hold_until_ms <= now)
            rec_fetch(ex, r);
    }
    arm_timer(ex);
}

static void stream_apply(sqt_exchange *ex, gt_fee_rec *r, const sqt_kit_answer *a)
{
    sqt_kit_fee_sum s;
    sqt_error e;
    memset(&s, 0, sizeof(s));
    memset(&e, 0, sizeof(e));
    if (a->err.code != SQT_OK)
        sqt_gt_logf(ex, SQT_LOG_WARN, "order stream: order %s without its fee: trade list "
                    "failed: %s", r->order_id, a->err.message);
    else if (trades_sum(ex, &r->hold, a, &s, &e) != SQT_OK)
        sqt_gt_logf(ex, SQT_LOG_WARN, "order stream: order %s without its fee: %s",
                    r->order_id, e.message);
    else
        sqt_kit_fee_take(&ex->kit, "order stream", &r->hold, &s);
}

static void stream_fetched(sqt_kit_call *call, const sqt_kit_answer *a)
{
    sqt_exchange *ex = call->owner;
    char *id = call->ctx;
    gt_fee_rec *r = rec_find(ex, id);
    free(id);
    if (r == NULL || !r->fetching)
        return;
    r->fetching = 0;
    if (!r->held || ex->kit.closing)
        return;
    r->held = 0;
    stream_apply(ex, r, a);
    rec_deliver(ex, r, &r->hold);
}

void sqt_gt_fees_on_order(sqt_exchange *ex, const sqt_order *o)
{
    gt_fee_rec *r = rec_get(ex, o->order_id);
    sqt_dec cum;
    const sqt_gt_fill *last;
    int ok = 0;
    if (r == NULL) { /* every record waits: no pairing for this one */
        sqt_gt_deliver_order(ex, o);
        return;
    }
    if (r->held) {
        /* a newer state replaces the held one (filled only grows); an older one is a
         * reordered repeat */
        if (sqt_dec_cmp(o->filled_qty, r->hold.filled_qty, &ok) >= 0 && ok)
            r->hold = *o;
        if (!r->fetching && covered(r, r->hold.filled_qty, &cum, &last)) {
            r->held = 0;
            rec_deliver(ex, r, &r->hold);
        }
        return;
    }
    if (o->filled_qty.mant > 0 &&
        (!r->have_delivered ||
         (sqt_dec_cmp(o->filled_qty, r->delivered.filled_qty, &ok) > 0 && ok)) &&
        !covered(r, o->filled_qty, &cum, &last)) {
        r->hold = *o;
        r->held = 1;
        r->hold_until_ms = sqt_gt_wall(ex) + GT_FEE_WAIT_MS;
        arm_timer(ex);
        return;
    }
    rec_deliver(ex, r, o);
}

void sqt_gt_fees_on_fill(sqt_exchange *ex, const sqt_gt_fill *f)
{
    gt_fee_rec *r = rec_get(ex, f->order_id);
    sqt_dec cum;
    const sqt_gt_fill *last;
    size_t i;
    if (r == NULL)
        return;
    for (i = 0; i < r->n_trades; i++)
        if (f->trade_id[0] != '\0' && strcmp(r->trade_ids[i], f->trade_id) == 0)
            return; /* a repeat */
    if (r->n_trades == GT_FEE_TRADES) {
        sqt_gt_logf(ex, SQT_LOG_WARN, "order stream: order %s has more than %d fills; its fee "
                    "comes from its trade list", r->order_id, GT_FEE_TRADES);
        return;
    }
    r->trades[r->n_trades] = *f;
    snprintf(r->trade_ids[r->n_trades], sizeof(r->trade_ids[0]), "%s", f->trade_id);
    r->n_trades++;
    if (r->held && !r->fetching && covered(r, r->hold.filled_qty, &cum, &last)) {
        r->held = 0;
        rec_deliver(ex, r, &r->hold);
    } else if (!r->held && r->have_delivered && !r->delivered.has_cum_fee &&
               covered(r, r->delivered.filled_qty, &cum, &last)) {
        /* the fee of a fill already delivered without it: the same state again, now with
         * its cumulative fee (the host books what it had not) */
        sqt_order again = r->delivered;
        memset(&again.last_fill_qty, 0, sizeof(again.last_fill_qty));
        memset(&again.last_fill_price, 0, sizeof(again.last_fill_price));
        rec_deliver(ex, r, &again);
    }
}

void sqt_gt_fees_stop(sqt_exchange *ex)
{
    size_t i;
    if (ex->fee_timer != NULL) {
        ex->kit.api->timer_stop(ex->kit.host, ex->fee_timer);
        ex->fee_timer = NULL;
    }
    for (i = 0; i < GT_FEE_ORDERS; i++)
        ex->fees[i].held = 0;
}
