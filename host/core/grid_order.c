/* The grid engine's order life cycle: place, cancel, query, applying order reports
 * (fills as deltas, status forward only), finishing orders, untracked ids. */
#include <stdio.h>
#include <string.h>

#include "grid_internal.h"

/* ------------------------------------------------------------------------------------
 * Orders: place, cancel, query, apply reports, finish
 * ---------------------------------------------------------------------------------- */

SQT_HOT int sqt_grid__place(sqt_grid *g, int64_t k, sqt_side side, int64_t price, int64_t qty, int64_t now)
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
    n = sqt_clientid_encode_tag(g->tag, g->tag_len, &id, g->id_max_len, cid, sizeof cid);
    if (n < 0) {
        /* cannot happen within the budget checked at start; never truncate (§11 #31) */
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_ANOMALY, now);
        if (e != NULL) {
            e->slot = k;
            sqt_grid__ev_text(e, "client id does not fit %zu characters: order not placed", g->id_max_len);
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
    s->parked = 0; /* out again; a new refusal parks it again, longer */
    memset(&s->o, 0, sizeof s->o);
    memcpy(s->o.cid, cid, (size_t)n + 1);
    s->o.side = side;
    s->o.tif = s->po_fails >= g->po_max ? SQT_TIF_GTC : SQT_TIF_POST_ONLY;
    s->o.state = SQT_GRID_ORD_PENDING;
    sqt_grid__watch_from(g, now, g->pending_to);
    s->o.price = price;
    s->o.qty = qty;
    s->o.base_qty = side == SQT_SIDE_BUY ? s->qty : 0;
    s->o.created_ms = now;
    s->has_order = 1;
    g->order_gen++;
    sqt_grid__touch(g, s);
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

/* A cancel or query command for the order of slot s, and its "sent" event (which
 * reads none of the request flags the caller sets after). 0 or SQT_ENOMEM (nothing
 * queued then). */
static int order_cmd(sqt_grid *g, const grid_slot *s, sqt_grid_cmd_kind kind,
                     sqt_grid_ev_kind sent, sqt_grid_reason why, int64_t now)
{
    sqt_grid_cmd *c = sqt_grid__cmd_new(g, kind, s->k);
    sqt_grid_event *e;
    if (c == NULL)
        return SQT_ENOMEM;
    c->reason = why;
    memcpy(c->client_id, s->o.cid, sizeof c->client_id);
    memcpy(c->order_id, s->o.oid, sizeof c->order_id);
    e = sqt_grid__ev_order(g, sent, now, s);
    if (e != NULL)
        e->reason = why;
    return 0;
}

int sqt_grid__cancel(sqt_grid *g, grid_slot *s, sqt_grid_reason why, int force, int64_t now)
{
    if (!s->has_order || (s->o.cancel_req && !force))
        return 0;
    if (order_cmd(g, s, SQT_GRID_CMD_CANCEL, SQT_GRID_EV_CANCEL_SENT, why, now) != 0)
        return SQT_ENOMEM;
    s->o.cancel_req = 1;
    s->o.cancel_ms = now;
    s->o.cancel_reason = (uint8_t)why;
    sqt_grid__touch(g, s);
    sqt_grid__watch_from(g, now, g->cancel_to);
    return 0;
}

int sqt_grid__query(sqt_grid *g, grid_slot *s, sqt_grid_reason why, int64_t now)
{
    if (!s->has_order)
        return 0;
    if (order_cmd(g, s, SQT_GRID_CMD_QUERY, SQT_GRID_EV_QUERY_SENT, why, now) != 0)
        return SQT_ENOMEM;
    s->o.query_inflight = 1;
    s->o.query_ms = now;
    sqt_grid__watch_from(g, now, g->query_to);
    return 0;
}

/* Live buys that can be cancelled (acknowledged, not yet asked). Used by the risk
 * pause and the margin lock (§5.8 without the sleeps: confirmation is awaited through
 * the cancel timeout and a query, §11 #20/#28). */
int sqt_grid__cancel_all_buys(sqt_grid *g, sqt_grid_reason why, int64_t now)
{
    sqt_gset_pos i;
    for (i = sqt_gset_first(&g->buys); i != SQT_GSET_END; i = sqt_gset_next(&g->buys, i)) {
        grid_slot *s = sqt_grid__slot(g, sqt_gset_key(&g->buys, i));
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
    sqt_clientid_copy(c->client_id, sizeof c->client_id, cid);
    sqt_clientid_copy(c->order_id, sizeof c->order_id, oid ? oid : "");
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
    sqt_grid__touch(g, s);
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

/* The fee a report adds to its order, in 1e-12 of the fee asset: the fill's own fee
 * when it brings new quantity, and whatever the order's cumulative fee (ABI 1.1, from
 * a REST answer that saw fills whose pushes were missed) says beyond what was booked.
 * A cumulative figure behind what was booked is an older snapshot: nothing is taken
 * back. Fees may be rebates (negative): "beyond" is away from zero in cum's sign. A
 * cumulative figure of the other sign than the fees booked says the plugin reads a
 * sign convention wrongly: it is not used, and said once per order. */
static sqt_i128 report_fee(sqt_grid *g, grid_slot *s, const sqt_order *u, int64_t delta,
                           int64_t now)
{
    grid_order *o = &s->o;
    sqt_i128 f = delta > 0 ? sqt_grid__fee_units(u->fee) : 0;
    if (u->has_cum_fee == 1 && !o->fee_nocum) {
        sqt_i128 cum = sqt_grid__fee_units(u->cum_fee), seen = o->fee_seen + f;
        if ((cum < 0 && seen > 0) || (cum > 0 && seen < 0)) {
            sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_ANOMALY, now, s);
            sqt_grid__ev_text(e, "cumulative fee of the other sign than the fills' fees: "
                              "not used for this order");
            o->fee_nocum = 1;
            sqt_grid__touch(g, s);
        } else if (cum >= 0 ? cum > seen : cum < seen) {
            f += cum - seen;
        }
    }
    return f;
}

static void fee_asset_copy(sqt_grid_event *e, const sqt_order *u)
{
    memcpy(e->fee_asset, u->fee_asset, sizeof e->fee_asset);
    e->fee_asset[sizeof e->fee_asset - 1] = '\0';
}

/* Book fee units f (a quote-asset fee; others are tracked per order only) to the slot's
 * trip: the one its fill opens or continues, or, for a fee learned alone, the trip still
 * open. When none is (the trip closed before the fee came), it goes straight to the
 * realized figure and 1 is returned. s may be NULL (the slot is gone). */
SQT_HOT static int fee_to_books(sqt_grid *g, grid_slot *s, sqt_i128 f, const char *asset, int with_fill)
{
    if (!fee_in_quote(g, asset))
        return 0;
    g->fees_paid += f;
    if (s != NULL && (with_fill || s->qty > 0)) {
        s->rt_fees += f;
        sqt_grid__touch(g, s);
        return 0;
    }
    g->realized_fees += f;
    return 1;
}

/* A FEE event for fee units f; with `realized`, its effect on the realized PnL too
 * (the round_trip line it belonged to was written without it). */
static void fee_event_fill(const sqt_grid *g, sqt_grid_event *e, sqt_i128 f, int realized,
                           const sqt_order *u)
{
    e->fee = sqt_grid__fee_exact(f);
    fee_asset_copy(e, u);
    if (realized && sqt_grid__pnl_dec(g, 0, f, &e->pnl) != 0)
        e->pnl = sqt_dec_make(0, 0);
}

/* Apply delta steps filled at px ticks (its fee already booked). Buys add inventory at
 * cost; sells realise (px*delta - its share of the cost); a slot that sells out
 * closes its round trip (pnl with every fee of the trip). */
static void apply_fill(sqt_grid *g, grid_slot *s, int64_t delta, int64_t px, int64_t now)
{
    sqt_grid__touch(g, s);
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
            sqt_grid__ev_text(e, "pnl out of range");
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

/* An untouched post-only order's expiry is a GTX refusal only when the market was
 * about at its price (within half an interval): a maker order far from the market
 * cannot take liquidity. */
static int gtx_plausible(const sqt_grid *g, const grid_order *o)
{
    if (o->tif != SQT_TIF_POST_ONLY || o->filled != 0)
        return 0;
    if (!g->have_price)
        return 1;
    return o->side == SQT_SIDE_BUY ? 2 * g->cur <= 2 * o->price + g->I
                                   : 2 * g->cur >= 2 * o->price - g->I;
}

SQT_HOT int sqt_grid__finish(sqt_grid *g, grid_slot *s, sqt_order_status st, int confirmed,
                     sqt_grid_ev_kind ev, const char *text, int64_t now)
{
    grid_order *o = &s->o;
    /* a sell that ended without our asking (by hand, the exchange's expiry of
     * reduce-only orders when the position closed, a liquidation) or vanished: the
     * inventory may be gone, so the slot waits for a position check instead of selling
     * again blind. An expiry a post-only refusal (GTX) explains is retried as before. */
    int gtx = st == SQT_ORDER_EXPIRED && !o->cancel_req && gtx_plausible(g, o);
    int suspect = o->side == SQT_SIDE_SELL && !o->cancel_req && !gtx &&
                  (st == SQT_ORDER_CANCELED || st == SQT_ORDER_EXPIRED);
    if (sqt_gring_add(&g->finished, sqt_ghash_str(o->cid), confirmed ? FIN_CONFIRMED : FIN_ASSUMED))
        g->oom = 1;
    if (ev == SQT_GRID_EV_FILLED && o->fill_final_sent)
        ev = 0;
    if (ev != 0) {
        sqt_grid_event *e = sqt_grid__ev_order(g, ev, now, s);
        if (e != NULL)
            sqt_grid__ev_text(e, "%s", text ? text : status_name(st));
    }
    /* a post-only order the exchange expired untouched at a price the market had
     * reached is a post-only rejection (Binance GTX); our own or manual cancels are not
     * (§11 #27), nor the expiry of a reduce-only sell far above the market */
    if (gtx)
        sqt_grid__po_fail(g, s, now);
    if (st == SQT_ORDER_FILLED && o->filled >= o->qty)
        s->po_fails = 0;
    sqt_gset_del(o->side == SQT_SIDE_BUY ? &g->buys : &g->sells, s->k);
    memset(o, 0, sizeof *o);
    s->has_order = 0;
    g->order_gen++;
    g->dirty = 1;
    sqt_grid__touch(g, s);
    if (suspect && s->qty > 0)
        sqt_grid__hold(g, s);
    return sqt_grid__slot_refresh(g, s);
}

/* Fill price of a delta, in ticks: the report's last fill when it is exactly this delta
 * and on the tick; else what the order's average price says of the quantity not priced
 * yet (average x filled - booked notional, to the nearest tick: a REST answer for an
 * order that took liquidity), when it lies on the limit's good side; else the limit
 * price (a limit order fills there or better; a post-only one exactly there). */
static int64_t fill_price(const sqt_grid *g, const grid_order *o, const sqt_order *u,
                          int64_t filled, int64_t delta)
{
    int64_t lq, lp, avg;
    if (u->last_fill_qty.mant > 0 && u->last_fill_price.mant > 0 &&
        sqt_grid__steps(g, u->last_fill_qty, RND_EXACT, &lq) == 0 && lq == delta &&
        sqt_grid__ticks(g, u->last_fill_price, RND_EXACT, &lp) == 0 && lp > 0)
        return lp;
    if (u->avg_price.mant > 0 && g->tick.scale + 6 <= SQT_DEC_MAX_SCALE &&
        sqt_grid__to_units(u->avg_price, g->tick.mant, g->tick.scale + 6, RND_NEAREST, &avg) ==
            0 &&
        avg > 0) {
        const sqt_i128 M = 1000000; /* avg in millionths of a tick */
        sqt_i128 num = (sqt_i128)avg * filled - o->notional * M, den = (sqt_i128)delta * M;
        sqt_i128 px = num > 0 ? (num + den / 2) / den : 0;
        if (px > 0 && px < ((sqt_i128)1 << 62) &&
            (o->side == SQT_SIDE_BUY ? px <= o->price : px >= o->price))
            return (int64_t)px;
    }
    return o->price;
}

/* A push that brings `delta` steps but names a smaller last fill (or, ending the
 * order, none) covers fills whose own pushes were lost, and with them their fees. */
static int push_lacks_fees(const sqt_grid *g, const grid_order *o, const sqt_order *u,
                           int64_t delta)
{
    int64_t lq = 0;
    if (u->has_cum_fee == 1 || o->fee_nocum)
        return 0;
    if (u->last_fill_qty.mant == 0)
        return u->status == SQT_ORDER_CANCELED || u->status == SQT_ORDER_EXPIRED;
    return sqt_grid__steps(g, u->last_fill_qty, RND_EXACT, &lq) == 0 && lq < delta;
}

/* A push's fee for quantity a REST answer booked before it without one: the push must
 * be the next fill of that range (a duplicate or a reordered one is left to a query's
 * cumulative fee, never counted twice). 1 and *fee when taken. */
static int bare_take(const sqt_grid *g, int64_t *lo, int64_t *hi, const sqt_order *u,
                     sqt_i128 *fee)
{
    int64_t lq, z;
    if (*lo >= *hi || u->last_fill_qty.mant <= 0 || u->has_cum_fee == 1 ||
        sqt_grid__steps(g, u->last_fill_qty, RND_EXACT, &lq) != 0 ||
        sqt_grid__steps(g, u->filled_qty, RND_EXACT, &z) != 0 || lq <= 0 || z - lq != *lo ||
        z > *hi)
        return 0;
    *lo = z;
    *fee = sqt_grid__fee_units(u->fee);
    return 1;
}

/* A REST answer booked fills (from, to] without their fee: extend the open range when
 * it continues it, else start a new one (the older rest is left to a query). */
static void bare_add(grid_order *o, int64_t from, int64_t to)
{
    if (o->bare_lo < o->bare_hi && o->bare_hi == from) {
        o->bare_hi = to;
    } else {
        o->bare_lo = from;
        o->bare_hi = to;
    }
}

/* The order of slot s ends with fees still to come: remember it; with `ask`, query it
 * (the answer's cumulative fee is booked by sqt_grid__fee_watch_take), and a push of a
 * fill a REST answer booked without its fee is booked by sqt_grid__fee_watch_push. */
static void fee_watch_add(sqt_grid *g, grid_slot *s, int ask, int64_t now)
{
    fee_watch *w = &g->fw[g->fw_next++ % GRID_FEE_WATCH];
    const grid_order *o = &s->o;
    if (ask &&
        order_cmd(g, s, SQT_GRID_CMD_QUERY, SQT_GRID_EV_QUERY_SENT, SQT_GRID_WHY_FEE, now)) {
        g->oom = 1;
        return;
    }
    w->bare_lo = o->bare_lo;
    w->bare_hi = o->bare_hi;
    w->nocum = o->fee_nocum;
    w->h = sqt_ghash_str(o->cid) | 1u; /* never 0: 0 marks a free entry */
    memcpy(w->cid, o->cid, sizeof w->cid);
    memcpy(w->oid, o->oid, sizeof w->oid);
    w->k = s->k;
    w->side = o->side;
    w->price = o->price;
    w->qty = o->qty;
    w->filled = o->filled;
    w->seen = o->fee_seen;
}

static fee_watch *watch_find(sqt_grid *g, const char *cid)
{
    uint64_t h = sqt_ghash_str(cid) | 1u;
    size_t i;
    for (i = 0; i < GRID_FEE_WATCH; i++)
        if (g->fw[i].h == h && strcmp(g->fw[i].cid, cid) == 0)
            return &g->fw[i];
    return NULL;
}

/* Book fee units f of a watched (ended) order: to its slot's open trip, else realized. */
static void watch_book(sqt_grid *g, fee_watch *w, sqt_i128 f, const sqt_order *u, int64_t now)
{
    sqt_grid_event *e;
    int realized = fee_to_books(g, sqt_grid__slot(g, w->k), f, u->fee_asset, 0);
    w->seen += f;
    if ((e = sqt_grid__ev_new(g, SQT_GRID_EV_FEE, now)) != NULL) {
        e->slot = w->k;
        e->side = w->side;
        memcpy(e->client_id, w->cid, sizeof e->client_id);
        memcpy(e->order_id, w->oid, sizeof e->order_id);
        e->price = sqt_grid__price_dec(g, w->price);
        e->qty = sqt_grid__qty_dec(g, w->qty);
        e->filled = sqt_grid__qty_dec(g, w->filled);
        fee_event_fill(g, e, f, realized, u);
    }
}

int sqt_grid__fee_watch_take(sqt_grid *g, const char *cid, const sqt_order *u, int64_t now)
{
    fee_watch *w = watch_find(g, cid);
    sqt_i128 cum;
    if (w == NULL)
        return 0;
    w->h = 0;
    cum = sqt_grid__fee_units(u->cum_fee);
    if (u->has_cum_fee != 1 || w->nocum || (cum < 0 && w->seen > 0) ||
        (cum > 0 && w->seen < 0) || !(cum >= 0 ? cum > w->seen : cum < w->seen))
        return 1; /* nothing (more) to book: the fee stays as the pushes told it */
    watch_book(g, w, cum - w->seen, u, now);
    return 1;
}

void sqt_grid__fee_watch_push(sqt_grid *g, const char *cid, const sqt_order *u, int64_t now)
{
    fee_watch *w = watch_find(g, cid);
    sqt_i128 f = 0;
    if (w != NULL && bare_take(g, &w->bare_lo, &w->bare_hi, u, &f) && f != 0)
        watch_book(g, w, f, u, now);
}

/* What makes a report about our order impossible, or NULL: another symbol, a
 * cumulative or last fill above the order, a negative or unreadable quantity, a fill
 * price that is not positive, a negative average. Nothing of such a report is booked. */
static const char *report_impossible(const sqt_grid *g, const grid_order *o, const sqt_order *u)
{
    int64_t f;
    if (g->symbol[0] != '\0' && u->symbol[0] != '\0' && strcmp(u->symbol, g->symbol) != 0)
        return "another symbol";
    if (u->filled_qty.mant != 0) {
        if (sqt_grid__steps(g, u->filled_qty, RND_FLOOR, &f) != 0 || f < 0)
            return "unusable filled quantity";
        if (f > o->qty)
            return "filled above the order";
    }
    if (u->last_fill_qty.mant != 0) {
        if (sqt_grid__steps(g, u->last_fill_qty, RND_FLOOR, &f) != 0 || f < 0)
            return "unusable fill quantity";
        if (f > o->qty)
            return "fill larger than the order";
        if (u->last_fill_price.mant <= 0 || u->last_fill_price.scale < 0 ||
            u->last_fill_price.scale > SQT_DEC_MAX_SCALE)
            return "fill price not positive";
    }
    if (u->avg_price.mant < 0)
        return "negative average price";
    return NULL;
}

/* The ANOMALY event of an impossible report, with its raw values; the order is asked
 * for (unless this was the answer of a query: the query timer and the next reconcile
 * ask again, a bad plugin answer never loops at once). */
static void report_refuse(sqt_grid *g, grid_slot *s, const sqt_order *u, const char *why, int src,
                          int64_t now)
{
    char a[32], b[32], c[32], d[32], e5[32];
    sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_ANOMALY, now, s);
    g->anomalies++;
    sqt_grid__ev_text(e, "impossible report (%s): %s%sfilled %s of %s, last %s@%s, avg %s; not booked",
                      why, u->symbol[0] ? u->symbol : "", u->symbol[0] ? " " : "",
                      sqt_grid__dec_text(u->filled_qty, a, sizeof a), sqt_grid__dec_text(sqt_grid__qty_dec(g, s->o.qty), b, sizeof b),
                      sqt_grid__dec_text(u->last_fill_qty, c, sizeof c), sqt_grid__dec_text(u->last_fill_price, d, sizeof d),
                      sqt_grid__dec_text(u->avg_price, e5, sizeof e5));
    if (src != SRC_QUERY && !s->o.query_inflight && sqt_grid__query(g, s, SQT_GRID_WHY_ANOMALY, now))
        g->oom = 1;
}

SQT_HOT int sqt_grid__apply(sqt_grid *g, grid_slot *s, const sqt_order *u, int src, int64_t now)
{
    grid_order *o = &s->o;
    sqt_i128 fee;
    int64_t filled = o->filled, f;
    int terminal = 0, lacks = 0, cum_ok;
    uint8_t rank = 0;
    const char *bad = report_impossible(g, o, u);

    if (bad != NULL) {
        report_refuse(g, s, u, bad, src, now);
        return 0;
    }
    if (u->order_id[0] != '\0' && o->oid[0] == '\0') {
        sqt_clientid_copy(o->oid, sizeof o->oid, u->order_id);
        sqt_grid__touch(g, s);
    }
    if (u->filled_qty.mant != 0 && sqt_grid__steps(g, u->filled_qty, RND_FLOOR, &f) == 0 &&
        f > filled)
        filled = f;
    switch (u->status) {
    case SQT_ORDER_NEW: rank = SQT_GRID_ORD_CONFIRMED; break;
    case SQT_ORDER_PARTIALLY_FILLED: rank = SQT_GRID_ORD_PARTIAL; break;
    case SQT_ORDER_FILLED:
        terminal = 1;
        /* FILLED without a filled quantity: the whole order (said loudly: a plugin
         * that reports it has a mapping problem, §11 #40) */
        if (u->filled_qty.mant == 0 && o->filled < o->qty) {
            sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_ANOMALY, now, s);
            sqt_grid__ev_text(e, "FILLED without a filled quantity: taken as the whole order");
            filled = o->qty;
        }
        break;
    case SQT_ORDER_CANCELED:
    case SQT_ORDER_EXPIRED:
    case SQT_ORDER_REJECTED: terminal = 1; break;
    default:
        /* a REST/query/list answer without a status still proves the order exists */
        rank = src == SRC_PUSH ? 0 : SQT_GRID_ORD_PLACED;
        break;
    }
    if (o->state == SQT_GRID_ORD_PENDING && u->status != SQT_ORDER_REJECTED &&
        (terminal || rank > 0 || filled > o->filled)) {
        o->state = SQT_GRID_ORD_PLACED;
        o->unknown = 0;
        sqt_grid__touch(g, s);
        s->rules_fails = 0; /* accepted: a later rules refusal starts the backoff anew */
        sqt_grid__ev_order(g, SQT_GRID_EV_ACKED, now, s);
    }
    fee = report_fee(g, s, u, filled - o->filled, now);
    cum_ok = u->has_cum_fee == 1 && !o->fee_nocum;
    if (cum_ok && (o->bare_lo != 0 || o->bare_hi != 0)) {
        o->bare_lo = o->bare_hi = 0; /* the total is known: no push has more to tell */
        sqt_grid__touch(g, s);
    }
    if (filled > o->filled) {
        int64_t delta = filled - o->filled;
        int64_t px = fill_price(g, o, u, filled, delta);
        int complete = terminal && u->status == SQT_ORDER_FILLED;
        sqt_grid_event *e;
        if (src == SRC_PUSH) {
            lacks = push_lacks_fees(g, o, u, delta);
        } else if (!cum_ok && sqt_grid__fee_units(u->fee) == 0) {
            /* a REST answer without a fee: the fills' pushes bring it, and a place
             * answer's fills (the order took liquidity) are asked for in case they don't */
            bare_add(o, o->filled, filled);
            lacks = src == SRC_PLACE;
        }
        o->fee_seen += fee; /* booked before the fill: a closing sell's trip has it */
        fee_to_books(g, s, fee, u->fee_asset, 1);
        apply_fill(g, s, delta, px, now); /* touches the slot: bare_add's range too */
        o->notional += (sqt_i128)px * delta;
        o->filled = filled;
        g->dirty = 1;
        sqt_grid__slot_refresh(g, s); /* holds an order: never pruned here */
        e = sqt_grid__ev_order(g, complete ? SQT_GRID_EV_FILLED : SQT_GRID_EV_PARTIAL, now, s);
        if (e != NULL) {
            e->fill_qty = sqt_grid__qty_dec(g, delta);
            e->fill_price = sqt_grid__price_dec(g, px);
            e->fee = fee == sqt_grid__fee_units(u->fee) ? u->fee : sqt_grid__fee_exact(fee);
            fee_asset_copy(e, u);
        }
        if (complete)
            o->fill_final_sent = 1;
        if (rank < SQT_GRID_ORD_PARTIAL)
            rank = SQT_GRID_ORD_PARTIAL;
    } else {
        /* a fee without new quantity: the report's own, or a push's for a range a REST
         * answer booked bare (taking it moves the range even when the fee is 0) */
        if (fee == 0 && src == SRC_PUSH && bare_take(g, &o->bare_lo, &o->bare_hi, u, &fee))
            sqt_grid__touch(g, s);
        if (fee != 0) {
            int realized = fee_to_books(g, s, fee, u->fee_asset, 0);
            sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_FEE, now, s);
            o->fee_seen += fee;
            sqt_grid__touch(g, s);
            if (e != NULL)
                fee_event_fill(g, e, fee, realized, u);
        }
    }
    if (terminal && (lacks || o->bare_lo < o->bare_hi))
        fee_watch_add(g, s, lacks, now);
    else if (lacks && !o->query_inflight && sqt_grid__query(g, s, SQT_GRID_WHY_FEE, now))
        g->oom = 1;
    if (terminal) {
        if (u->status == SQT_ORDER_FILLED)
            return sqt_grid__finish(g, s, SQT_ORDER_FILLED, 1, SQT_GRID_EV_FILLED, "FILLED", now);
        return sqt_grid__finish(g, s, u->status, 1, SQT_GRID_EV_CANCELLED, NULL, now);
    }
    if (rank > o->state) { /* status only moves forward (§11 #26) */
        o->state = rank;
        sqt_grid__touch(g, s);
    }
    sqt_grid__ack_policy(g, s, now);
    return 0;
}

int sqt_grid__report_ok(const sqt_order *u)
{
    /* text fields must be terminated inside their arrays; a malformed report is
     * dropped whole rather than half-read */
    return memchr(u->client_id, '\0', sizeof u->client_id) != NULL &&
           memchr(u->symbol, '\0', sizeof u->symbol) != NULL &&
           memchr(u->order_id, '\0', sizeof u->order_id) != NULL &&
           memchr(u->fee_asset, '\0', sizeof u->fee_asset) != NULL;
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
    if (g->n_intents > 0 && sqt_grid__intent_waits(g, cid))
        return; /* the previous run's: its slot asks for its state once free */
    if (!live) {
        if (sqt_gring_add(&g->finished, h, FIN_CONFIRMED))
            g->oom = 1;
        return;
    }
    /* live and not ours to track: it would trade outside the slots; cancel it */
    if (sqt_clientid_decode_tag(g->tag, g->tag_len, cid, &id) == 0)
        sqt_grid__index_of(g, id.price_ticks, &k);
    if (sqt_grid__cancel_untracked(g, cid, u ? u->order_id : "", k, SQT_GRID_WHY_ORPHAN, now)) {
        g->oom = 1;
        return;
    }
    {
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_ORPHAN, now);
        if (e != NULL) {
            e->slot = k;
            sqt_clientid_copy(e->client_id, sizeof e->client_id, cid);
            if (u != NULL) {
                sqt_clientid_copy(e->order_id, sizeof e->order_id, u->order_id);
                e->side = u->side;
                e->price = u->price;
                e->qty = u->qty;
                e->filled = u->filled_qty;
            }
            sqt_grid__ev_text(e, "live order of this instance unknown to the engine: cancelled");
        }
    }
    if (sqt_gring_add(&g->finished, h, FIN_ORPHAN))
        g->oom = 1;
}

SQT_HOT int sqt_grid_on_order_update(sqt_grid *g, const sqt_order *u, int64_t now_ms)
{
    const char *cid;
    grid_slot *s;
    sqt_clientid id;
    g->oom = 0;
    if (u == NULL)
        return SQT_EINVAL;
    if (!sqt_grid__report_ok(u)) {
        g->ignored++;
        return 0;
    }
    if (!g->started) {
        g->ignored++;
        return 0;
    }
    if (g->symbol[0] != '\0' && u->symbol[0] != '\0' && strcmp(u->symbol, g->symbol) != 0) {
        /* another symbol's order on a shared stream (§11 #25) - unless it names the very
         * order a slot tracks: then the report cannot be true (apply refuses it) */
        s = g->reconciled ? sqt_grid__slot_by_cid(g, sqt_clientid_strip(u->client_id, g->prefix))
                          : NULL;
        if (s != NULL)
            sqt_grid__apply(g, s, u, SRC_PUSH, now_ms);
        else
            g->ignored++;
        return g->oom ? SQT_ENOMEM : 0;
    }
    cid = sqt_clientid_strip(u->client_id, g->prefix);
    if (sqt_clientid_decode_tag(g->tag, g->tag_len, cid, &id) != 0) {
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
    s = sqt_grid__slot_by_id(g, &id, cid); /* decoded above */
    if (s != NULL) {
        sqt_grid__apply(g, s, u, SRC_PUSH, now_ms);
    } else {
        int live = u->status == SQT_ORDER_NEW || u->status == SQT_ORDER_PARTIALLY_FILLED;
        sqt_grid__fee_watch_push(g, cid, u, now_ms); /* a REST answer ended it first */
        sqt_grid__untracked(g, cid, u, live, now_ms);
    }
    return g->oom ? SQT_ENOMEM : 0;
}
