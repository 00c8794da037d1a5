/* Read-only views of the grid engine: names, status, slot listings, invariants. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "grid_internal.h"

const char *sqt_grid_event_name(sqt_grid_ev_kind kind)
{
    switch (kind) {
    case SQT_GRID_EV_PLACED: return "placed";
    case SQT_GRID_EV_ACKED: return "acknowledged";
    case SQT_GRID_EV_PARTIAL: return "partially_filled";
    case SQT_GRID_EV_FILLED: return "filled";
    case SQT_GRID_EV_CANCELLED: return "cancelled";
    case SQT_GRID_EV_REJECTED: return "rejected";
    case SQT_GRID_EV_CANCEL_SENT: return "cancel_sent";
    case SQT_GRID_EV_ROUND_TRIP: return "round_trip";
    case SQT_GRID_EV_BUY_SKIPPED: return "buy_skipped";
    case SQT_GRID_EV_POST_ONLY_DEGRADED: return "post_only_degraded";
    case SQT_GRID_EV_MARGIN_LOCK: return "margin_lock";
    case SQT_GRID_EV_MARGIN_UNLOCK: return "margin_unlock";
    case SQT_GRID_EV_RISK_PAUSE: return "risk_pause";
    case SQT_GRID_EV_RISK_RESUME: return "risk_resume";
    case SQT_GRID_EV_ORPHAN: return "orphan";
    case SQT_GRID_EV_QUERY_SENT: return "query_sent";
    case SQT_GRID_EV_ORDER_VANISHED: return "order_vanished";
    case SQT_GRID_EV_POSITION_MISMATCH: return "position_mismatch";
    case SQT_GRID_EV_RECOVERED: return "recovered";
    case SQT_GRID_EV_ADOPTED: return "adopted";
    case SQT_GRID_EV_SELL_BELOW_MARKET: return "sell_below_market";
    case SQT_GRID_EV_ANOMALY: return "anomaly";
    case SQT_GRID_EV_FEE: return "fee";
    case SQT_GRID_EV_PARKED: return "parked";
    case SQT_GRID_EV_POSITION_REPAIRED: return "position_repaired";
    case SQT_GRID_EV_DATA_PAUSE: return "data_pause";
    case SQT_GRID_EV_DATA_RESUME: return "data_resume";
    }
    return "unknown";
}

const char *sqt_grid_reason_name(sqt_grid_reason why)
{
    switch (why) {
    case SQT_GRID_WHY_NONE: return "";
    case SQT_GRID_WHY_OUT_OF_WINDOW: return "out_of_window";
    case SQT_GRID_WHY_RISK: return "risk";
    case SQT_GRID_WHY_MARGIN: return "margin";
    case SQT_GRID_WHY_CLEANER: return "cleaner";
    case SQT_GRID_WHY_ORPHAN: return "orphan";
    case SQT_GRID_WHY_OFF_GRID: return "off_grid";
    case SQT_GRID_WHY_RETRY: return "retry";
    case SQT_GRID_WHY_TIMEOUT: return "timeout";
    case SQT_GRID_WHY_UNKNOWN: return "outcome_unknown";
    case SQT_GRID_WHY_MISSING: return "missing";
    case SQT_GRID_WHY_GONE: return "gone";
    case SQT_GRID_WHY_FEE: return "fee";
    case SQT_GRID_WHY_REPAIR: return "repair";
    case SQT_GRID_WHY_ANOMALY: return "anomaly";
    }
    return "unknown";
}

SQT_HOT size_t sqt_grid_live_orders(const sqt_grid *g)
{
    return g->buys.n + g->sells.n;
}

int sqt_grid_get_status(const sqt_grid *g, sqt_grid_status *st)
{
    const sqt_gset *sets[2] = {&g->buys, &g->sells};
    sqt_gset_pos i;
    int j, rc = 0;
    memset(st, 0, sizeof *st);
    st->started = g->started;
    st->reconciled = g->reconciled;
    st->risk_paused = g->paused;
    st->margin_locked = g->locked;
    st->margin_lock_until_ms = g->locked ? g->lock_until : 0;
    st->anchor = sqt_grid__price_dec(g, g->A);
    st->last_price = sqt_grid__price_dec(g, g->have_price ? g->cur : 0);
    st->grid_index = g->have_price ? g->kg : 0;
    st->grid_price = sqt_grid__price_dec(g, g->have_price ? sqt_grid__level(g, g->kg) : 0);
    st->live_buys = g->buys.n;
    st->live_sells = g->sells.n;
    for (j = 0; j < 2; j++) {
        for (i = sqt_gset_first(sets[j]); i != SQT_GSET_END; i = sqt_gset_next(sets[j], i)) {
            const grid_slot *s = sqt_grid__slot(g, sqt_gset_key(sets[j], i));
            if (s == NULL)
                continue;
            st->pending += s->o.state == SQT_GRID_ORD_PENDING;
            st->cancel_requested += s->o.cancel_req != 0;
        }
    }
    st->holding_slots = g->hold.n;
    st->slots = g->map.n;
    st->position = sqt_grid__qty_dec(g, g->position);
    st->total_bought = sqt_grid__qty_dec(g, g->bought);
    st->total_sold = sqt_grid__qty_dec(g, g->sold);
    if (sqt_grid__pnl_dec(g, g->realized_gross, g->realized_fees, &st->realized_pnl) != 0) {
        st->realized_pnl = sqt_dec_make(0, 0);
        rc = SQT_ERANGE;
    }
    if (sqt_grid__fee_dec(g->fees_paid, &st->fees_paid) != 0) {
        st->fees_paid = sqt_dec_make(0, 0);
        rc = SQT_ERANGE;
    }
    st->round_trips = g->round_trips;
    st->orders_placed = g->orders_placed;
    st->ignored_updates = g->ignored;
    st->post_only_degrades = g->po_degrades;
    st->data_paused = g->data_paused;
    st->reconcile_wanted = g->want_rec;
    st->anomalies = g->anomalies;
    st->released = sqt_grid__qty_dec(g, g->released);
    st->adopted = sqt_grid__qty_dec(g, g->adopted);
    {
        size_t k;
        for (k = 0; k < g->pool_cap; k++) {
            const grid_slot *s = &g->pool[k];
            if (!s->in_use)
                continue;
            st->parked += s->parked != 0;
            st->held += s->held != 0;
        }
    }
    return rc;
}

static void slot_info(const sqt_grid *g, int64_t k, const grid_slot *s, sqt_grid_slot_info *o)
{
    memset(o, 0, sizeof *o);
    o->index = k;
    o->price = sqt_grid__price_dec(g, sqt_grid__level(g, k));
    o->qty = sqt_grid__qty_dec(g, s ? s->qty : 0);
    o->order_price = sqt_grid__price_dec(g, 0);
    o->order_qty = o->order_filled = sqt_grid__qty_dec(g, 0);
    if (s == NULL)
        return;
    o->post_only_failures = s->po_fails;
    if (!s->has_order)
        return;
    o->order_state = (sqt_grid_order_state)s->o.state;
    o->cancel_requested = s->o.cancel_req;
    o->side = s->o.side;
    o->order_price = sqt_grid__price_dec(g, s->o.price);
    o->order_qty = sqt_grid__qty_dec(g, s->o.qty);
    o->order_filled = sqt_grid__qty_dec(g, s->o.filled);
    memcpy(o->client_id, s->o.cid, sizeof o->client_id);
    memcpy(o->order_id, s->o.oid, sizeof o->order_id);
}

size_t sqt_grid_list_slots(const sqt_grid *g, sqt_grid_list which, sqt_grid_slot_info *out,
                           size_t cap)
{
    size_t n = 0;
    if (which == SQT_GRID_LIST_WINDOW) {
        int w;
        if (!g->have_price)
            return 0;
        for (w = 0; w < g->N; w++, n++) {
            int64_t k = g->kg - w;
            if (n < cap)
                slot_info(g, k, sqt_grid__slot(g, k), &out[n]);
        }
        return n;
    }
    if (which == SQT_GRID_LIST_HOLDING) {
        sqt_gset_pos i;
        for (i = sqt_gset_last(&g->hold); i != SQT_GSET_END; i = sqt_gset_prev(&g->hold, i), n++) {
            int64_t k = sqt_gset_key(&g->hold, i);
            if (n < cap)
                slot_info(g, k, sqt_grid__slot(g, k), &out[n]);
        }
        return n;
    }
    if (which == SQT_GRID_LIST_ORDERS) {
        sqt_gset_pos b = sqt_gset_last(&g->buys), s = sqt_gset_last(&g->sells);
        while (b != SQT_GSET_END || s != SQT_GSET_END) { /* merge of two sets, descending */
            int64_t k;
            if (s == SQT_GSET_END ||
                (b != SQT_GSET_END && sqt_gset_key(&g->buys, b) > sqt_gset_key(&g->sells, s))) {
                k = sqt_gset_key(&g->buys, b);
                b = sqt_gset_prev(&g->buys, b);
            } else {
                k = sqt_gset_key(&g->sells, s);
                s = sqt_gset_prev(&g->sells, s);
            }
            if (n < cap)
                slot_info(g, k, sqt_grid__slot(g, k), &out[n]);
            n++;
        }
    }
    return n;
}

static int bad(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (why != NULL && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int sqt_grid_check_invariants(const sqt_grid *g, char *why, size_t cap)
{
    size_t i, used = 0, nb = 0, ns = 0, nr = 0, nh = 0;
    int64_t sum = 0;
    if (sqt_gset_check(&g->buys) || sqt_gset_check(&g->sells) || sqt_gset_check(&g->ready) ||
        sqt_gset_check(&g->hold))
        return bad(why, cap, "an index set is malformed (order, links or balance)");
    for (i = 0; i < g->pool_cap; i++) {
        const grid_slot *s = &g->pool[i];
        const grid_order *o = &s->o;
        const uint32_t *idx;
        int64_t p;
        int ready;
        if (!s->in_use)
            continue;
        used++;
        idx = sqt_gmap_get(&g->map, s->k);
        if (idx == NULL || *idx != (uint32_t)i)
            return bad(why, cap, "slot %lld not indexed", (long long)s->k);
        if (s->qty < 0 || s->cost < 0)
            return bad(why, cap, "slot %lld: negative qty or cost", (long long)s->k);
        sum += s->qty;
        p = sqt_grid__level(g, s->k);
        if (sqt_gset_has(&g->buys, s->k) != (s->has_order && o->side == SQT_SIDE_BUY) ||
            sqt_gset_has(&g->sells, s->k) != (s->has_order && o->side == SQT_SIDE_SELL))
            return bad(why, cap, "slot %lld: order index out of step", (long long)s->k);
        ready = !s->has_order && s->qty > 0 && sqt_grid__sellable(g, s->k, s->qty);
        if (sqt_gset_has(&g->ready, s->k) != ready)
            return bad(why, cap, "slot %lld: ready index out of step", (long long)s->k);
        if (sqt_gset_has(&g->hold, s->k) != (s->qty > 0))
            return bad(why, cap, "slot %lld: holding index out of step", (long long)s->k);
        nr += (size_t)ready;
        nh += (size_t)(s->qty > 0);
        if (!s->has_order) {
            if (s->qty == 0 && !sqt_grid__in_window(g, s->k))
                return bad(why, cap, "slot %lld: idle outside the window", (long long)s->k);
            continue;
        }
        {
            sqt_clientid id;
            if (sqt_clientid_decode(g->tag, o->cid, &id) != 0 || id.side != o->side ||
                id.price_ticks != p)
                return bad(why, cap, "slot %lld: client id %s does not name it", (long long)s->k,
                           o->cid);
        }
        if (o->state < SQT_GRID_ORD_PENDING || o->state > SQT_GRID_ORD_PARTIAL)
            return bad(why, cap, "slot %lld: order state %d", (long long)s->k, o->state);
        if (o->qty <= 0 || o->filled < 0 || o->filled > o->qty)
            return bad(why, cap, "slot %lld: filled %lld of %lld", (long long)s->k,
                       (long long)o->filled, (long long)o->qty);
        if (o->side == SQT_SIDE_BUY) {
            nb++;
            if (o->price != p)
                return bad(why, cap, "slot %lld: buy price %lld off its level %lld",
                           (long long)s->k, (long long)o->price, (long long)p);
            if (o->qty < g->min_qty || (sqt_i128)o->price * o->qty < g->mn_u)
                return bad(why, cap, "slot %lld: buy below the exchange minimum", (long long)s->k);
            if (s->qty != o->base_qty + o->filled)
                return bad(why, cap, "slot %lld: qty %lld != base %lld + filled %lld",
                           (long long)s->k, (long long)s->qty, (long long)o->base_qty,
                           (long long)o->filled);
        } else if (o->side == SQT_SIDE_SELL) {
            ns++;
            if (o->price != p + g->I)
                return bad(why, cap, "slot %lld: sell price %lld is not slot + I", (long long)s->k,
                           (long long)o->price);
            if (o->qty - o->filled != s->qty)
                return bad(why, cap, "slot %lld: sell open qty %lld != slot qty %lld",
                           (long long)s->k, (long long)(o->qty - o->filled), (long long)s->qty);
        } else {
            return bad(why, cap, "slot %lld: order without a side", (long long)s->k);
        }
    }
    if (used != g->map.n)
        return bad(why, cap, "%zu slots in use, %zu indexed", used, g->map.n);
    if (nb != g->buys.n || ns != g->sells.n || nr != g->ready.n || nh != g->hold.n)
        return bad(why, cap, "index sizes disagree with the slots");
    if (sum != g->position)
        return bad(why, cap, "position %lld != sum of slots %lld", (long long)g->position,
                   (long long)sum);
    if (g->free_n + used != g->pool_cap)
        return bad(why, cap, "free list lost slots");
    return 0;
}

int sqt_grid_event_is_notice(sqt_grid_ev_kind kind)
{
    switch (kind) {
    case SQT_GRID_EV_POSITION_MISMATCH:
    case SQT_GRID_EV_POSITION_REPAIRED:
    case SQT_GRID_EV_RECOVERED:
    case SQT_GRID_EV_ADOPTED:
    case SQT_GRID_EV_ORPHAN:
    case SQT_GRID_EV_ORDER_VANISHED:
    case SQT_GRID_EV_POST_ONLY_DEGRADED:
    case SQT_GRID_EV_MARGIN_LOCK:
    case SQT_GRID_EV_MARGIN_UNLOCK:
    case SQT_GRID_EV_RISK_PAUSE:
    case SQT_GRID_EV_RISK_RESUME:
    case SQT_GRID_EV_DATA_PAUSE:
    case SQT_GRID_EV_DATA_RESUME:
    case SQT_GRID_EV_PARKED:
    case SQT_GRID_EV_ANOMALY:
        return 1;
    default:
        return 0;
    }
}
