/* The grid engine's answers from the exchange: place/cancel/query results, timeouts,
 * the risk pause, the order cleaner and reconciliation with position recovery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

static int finish_rc(sqt_grid *g, int rc)
{
    return rc < 0 ? rc : g->oom ? SQT_ENOMEM : 0;
}

/* Append src to the NUL-terminated dst, cutting at cap. */
static void text_cat(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(dst, cap), i = 0;
    while (n + 1 < cap && src[i] != '\0')
        dst[n++] = src[i++];
    if (n < cap)
        dst[n] = '\0';
}

/* Error classes after which the order may exist anyway: ask, never guess. */
static int outcome_unknown(int code)
{
    switch (code) {
    case SQT_EUNKNOWN_STATUS:
    case SQT_ETIMEOUT:
    case SQT_ENETWORK:
    case SQT_EPROTO:
    case SQT_ECANCELLED:
    case SQT_EDUP_CLIENT_ID:
        return 1;
    default:
        return 0;
    }
}

static void margin_lock(sqt_grid *g, int64_t now)
{
    int was = g->locked;
    g->locked = 1;
    g->lock_until = now + g->lock_ms;
    if (!was) { /* logged once per lock, not per tick (§11 #19) */
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_MARGIN_LOCK, now);
        if (e != NULL)
            snprintf(e->text, sizeof e->text, "insufficient margin: buys paused for %lld ms",
                     (long long)g->lock_ms);
    }
}

/* The wait after a rules rejection of slot s: the retry delay, doubled per rejection
 * in a row (reset by an acceptance), up to rules_max_ms. */
static int64_t rules_backoff(sqt_grid *g, grid_slot *s)
{
    /* a zero retry delay would never double: the backoff then starts at one second */
    int64_t wait = g->retry_ms > 0 ? g->retry_ms : 1000;
    int i;
    for (i = 0; i < s->rules_fails && wait < g->rules_max_ms; i++)
        wait *= 2;
    if (wait > g->rules_max_ms)
        wait = g->rules_max_ms;
    if (s->rules_fails < UINT8_MAX)
        s->rules_fails++;
    return wait;
}

/* A rules rejection (price band, filters) parks slot k: it retries after `wait`, or
 * sooner once the price moved a grid interval (slot_waits). A refused SELL is
 * reduce-only: the class also covers "reduce-only would increase the position" (the
 * inventory is gone), so no sell goes out until a reconcile checked the position. */
static void park(sqt_grid *g, int64_t k, sqt_side side, int64_t wait, int64_t now)
{
    grid_slot *s = sqt_grid__slot(g, k);
    sqt_grid_event *e;
    if (side == SQT_SIDE_SELL) {
        g->sell_hold = 1;
        g->sell_hold_gen = g->gen;
        g->want_rec = 1;
    }
    if (s == NULL)
        return; /* pruned: outside the window, nothing to retry */
    s->parked = 1;
    s->park_px = g->have_price ? g->cur : sqt_grid__level(g, k);
    if (side == SQT_SIDE_SELL)
        sqt_grid__hold(g, s);
    e = sqt_grid__ev_order(g, SQT_GRID_EV_PARKED, now, s);
    if (e != NULL) {
        e->side = side;
        sqt_grid__ev_text(e, "rules rejection %d in a row: parked %lld ms or until the price "
                          "moves one interval%s",
                          s->rules_fails, (long long)wait,
                          side == SQT_SIDE_SELL ? "; sells wait for a position check" : "");
    }
}

int sqt_grid_on_place_result(sqt_grid *g, const char *client_id, const sqt_error *err,
                             const sqt_order *order, int64_t now_ms)
{
    const char *cid;
    grid_slot *s;
    int code = err != NULL ? err->code : SQT_OK;
    g->oom = 0;
    if (client_id == NULL)
        return SQT_EINVAL;
    if (order != NULL && !sqt_grid__report_ok(order))
        order = NULL; /* unreadable details: the acceptance itself still counts */
    cid = sqt_clientid_strip(client_id, g->prefix);
    s = sqt_grid__slot_by_cid(g, cid);
    if (s == NULL) {
        sqt_clientid id;
        /* finished on the stream before this answer came: a late REST result must not
         * resurrect it (§11 #22); an accepted id we never issued or gave up on is an
         * orphan */
        if (code == SQT_OK && sqt_clientid_decode_tag(g->tag, g->tag_len, cid, &id) == 0) {
            int live = order == NULL || order->status == SQT_ORDER_UNKNOWN ||
                       order->status == SQT_ORDER_NEW ||
                       order->status == SQT_ORDER_PARTIALLY_FILLED;
            sqt_grid__untracked(g, cid, order, live, now_ms);
        } else {
            g->ignored++;
        }
        return finish_rc(g, 0);
    }
    if (code == SQT_OK) {
        sqt_order u;
        if (order != NULL)
            u = *order;
        else
            memset(&u, 0, sizeof u);
        sqt_grid__apply(g, s, &u, SRC_PLACE, now_ms);
        return finish_rc(g, 0);
    }
    if (s->o.state != SQT_GRID_ORD_PENDING) {
        /* the stream already showed the order: it exists whatever the REST call says */
        sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_ANOMALY, now_ms, s);
        if (e != NULL)
            snprintf(e->text, sizeof e->text, "place error %s for an order the stream confirmed",
                     sqt_strerror(code));
        return finish_rc(g, 0);
    }
    if (outcome_unknown(code)) {
        s->o.unknown = 1;
        sqt_grid__touch(g, s);
        g->watch = 1;
        if (!s->o.query_inflight)
            return finish_rc(g, sqt_grid__query(g, s, SQT_GRID_WHY_UNKNOWN, now_ms));
        return finish_rc(g, 0);
    }
    {
        sqt_grid_event *e = sqt_grid__ev_order(g, SQT_GRID_EV_REJECTED, now_ms, s);
        int64_t wait = g->retry_ms, k = s->k;
        sqt_side side = s->o.side;
        if (e != NULL) {
            e->err_code = code;
            /* cut to fit: the event is a log line */
            text_cat(e->text, sizeof e->text, sqt_strerror(code));
            if (err->exch_code[0]) {
                text_cat(e->text, sizeof e->text, " ");
                text_cat(e->text, sizeof e->text, err->exch_code);
            }
            if (err->message[0]) {
                text_cat(e->text, sizeof e->text, ": ");
                text_cat(e->text, sizeof e->text, err->message);
            }
        }
        if (code == SQT_EPOST_ONLY) /* the only thing that degrades post-only (§11 #27) */
            sqt_grid__po_fail(g, s, now_ms);
        if ((code == SQT_ERATE_LIMITED || code == SQT_EBANNED) && err->retry_after_ms > wait)
            wait = err->retry_after_ms;
        if (code == SQT_ERULES)
            wait = rules_backoff(g, s);
        s->retry_at = now_ms + wait;
        /* the slot keeps retry_at unless finishing prunes it (outside the window) */
        sqt_grid__finish(g, s, SQT_ORDER_REJECTED, 1, 0, NULL, now_ms);
        if (code == SQT_ERULES)
            park(g, k, side, wait, now_ms);
    }
    if (code == SQT_EMARGIN) {
        /* this result is recorded; now cancel the live buys (§11 #20) */
        margin_lock(g, now_ms);
        return finish_rc(g, sqt_grid__cancel_all_buys(g, SQT_GRID_WHY_MARGIN, now_ms));
    }
    return finish_rc(g, 0);
}

int sqt_grid_on_cancel_result(sqt_grid *g, const char *client_id, const sqt_error *err,
                              int64_t now_ms)
{
    grid_slot *s;
    int code = err != NULL ? err->code : SQT_OK;
    g->oom = 0;
    if (client_id == NULL)
        return SQT_EINVAL;
    s = sqt_grid__slot_by_cid(g, sqt_clientid_strip(client_id, g->prefix));
    if (s == NULL)
        return 0; /* finished meanwhile, or an untracked order's cancel */
    if (code == SQT_OK)
        return 0; /* the final push carries the fills; the timeout covers a lost one */
    if (code == SQT_EUNKNOWN_ORDER) {
        if (!s->o.query_inflight)
            return finish_rc(g, sqt_grid__query(g, s, SQT_GRID_WHY_GONE, now_ms));
        return 0;
    }
    /* a transient failure: the cancel timeout queries and re-sends (§11 #28) */
    if (!s->o.cancel_req) {
        s->o.cancel_req = 1;
        s->o.cancel_ms = now_ms;
        sqt_grid__touch(g, s);
        g->watch = 1;
    }
    return 0;
}

int sqt_grid_on_query_result(sqt_grid *g, const char *client_id, const sqt_error *err,
                             const sqt_order *order, int64_t now_ms)
{
    const char *cid;
    grid_slot *s;
    int code = err != NULL ? err->code : SQT_OK;
    g->oom = 0;
    if (client_id == NULL)
        return SQT_EINVAL;
    if (code == SQT_OK && (order == NULL || !sqt_grid__report_ok(order)))
        return 0; /* nothing usable: the query is asked again after query_retry_ms */
    cid = sqt_clientid_strip(client_id, g->prefix);
    s = sqt_grid__slot_by_cid(g, cid);
    if (s == NULL) {
        sqt_clientid id;
        if (code == SQT_OK && order != NULL && sqt_grid__fee_watch_take(g, cid, order, now_ms))
            return finish_rc(g, 0);
        if (code == SQT_OK && order != NULL && sqt_clientid_decode_tag(g->tag, g->tag_len, cid, &id) == 0)
            sqt_grid__untracked(g, cid, order,
                                order->status == SQT_ORDER_NEW ||
                                    order->status == SQT_ORDER_PARTIALLY_FILLED,
                                now_ms);
        return finish_rc(g, 0);
    }
    if (code != SQT_OK && code != SQT_EUNKNOWN_ORDER)
        return 0; /* still in flight as far as the timer goes: asked again after query_retry_ms */
    s->o.query_inflight = 0;
    if (code == SQT_OK && order != NULL) {
        int64_t k = s->k;
        if (sqt_grid__apply(g, s, order, SRC_QUERY, now_ms))
            return finish_rc(g, 0);
        s = sqt_grid__slot(g, k);
        if (s != NULL && s->has_order && s->o.cancel_req &&
            (order->status == SQT_ORDER_NEW || order->status == SQT_ORDER_PARTIALLY_FILLED))
            return finish_rc(g, sqt_grid__cancel(g, s, SQT_GRID_WHY_RETRY, 1, now_ms));
        return finish_rc(g, 0);
    }
    if (code == SQT_EUNKNOWN_ORDER) {
        if (s->o.state == SQT_GRID_ORD_PENDING) {
            /* never reached the exchange: release the slot */
            s->retry_at = now_ms + g->retry_ms;
            sqt_grid__finish(g, s, SQT_ORDER_REJECTED, 0, SQT_GRID_EV_REJECTED,
                             "not placed (query: unknown order)", now_ms);
        } else {
            sqt_grid__ev_order(g, SQT_GRID_EV_ORDER_VANISHED, now_ms, s);
            sqt_grid__finish(g, s, SQT_ORDER_CANCELED, 0, SQT_GRID_EV_CANCELLED,
                             "vanished (query: unknown order)", now_ms);
        }
    }
    return finish_rc(g, 0);
}

static int timeouts(sqt_grid *g, const sqt_gset *set, int64_t now)
{
    sqt_gset_pos i;
    for (i = sqt_gset_first(set); i != SQT_GSET_END; i = sqt_gset_next(set, i)) {
        grid_slot *s = sqt_grid__slot(g, sqt_gset_key(set, i));
        grid_order *o;
        int rc = 0;
        if (s == NULL)
            continue;
        o = &s->o;
        /* still one to watch: from the earliest time any of its states can time out */
        if (o->query_inflight)
            sqt_grid__watch_from(g, o->query_ms, g->query_to);
        if (o->cancel_req)
            sqt_grid__watch_from(g, o->cancel_ms, g->cancel_to);
        if (o->state == SQT_GRID_ORD_PENDING)
            sqt_grid__watch_from(g, o->unknown ? INT64_MIN : o->created_ms, o->unknown ? 0 : g->pending_to);
        if (o->query_inflight) {
            if (now - o->query_ms >= g->query_to)
                rc = sqt_grid__query(g, s, SQT_GRID_WHY_TIMEOUT, now);
        } else if (o->cancel_req && now - o->cancel_ms >= g->cancel_to) {
            rc = sqt_grid__query(g, s, SQT_GRID_WHY_TIMEOUT, now);
        } else if (o->state == SQT_GRID_ORD_PENDING &&
                   (o->unknown || now - o->created_ms >= g->pending_to)) {
            rc = sqt_grid__query(g, s, SQT_GRID_WHY_TIMEOUT, now);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sqt_grid_on_time(sqt_grid *g, int64_t now_ms)
{
    int rc;
    g->oom = 0;
    rc = 0;
    if (g->watch || g->watch_off || (g->watch_timed && now_ms >= g->watch_due)) {
        g->watch = 0; /* the scan watches what it leaves, orders sent later watch themselves */
        g->watch_timed = 0;
        rc = timeouts(g, &g->buys, now_ms);
        if (rc == 0)
            rc = timeouts(g, &g->sells, now_ms);
        if (rc != 0)
            g->watch = 1;
    }
    if (rc != 0)
        return rc;
    sqt_grid__lock_expire(g, now_ms);
    rc = sqt_grid_adjust(g, now_ms);
    return rc ? rc : g->oom ? SQT_ENOMEM : 0;
}

/* Flip a pause flag; 1 when it changed (its event emitted, a resume marks dirty). */
static int pause_flip(sqt_grid *g, int *flag, int paused, sqt_grid_ev_kind on,
                      sqt_grid_ev_kind off, int64_t now_ms)
{
    g->oom = 0;
    paused = paused != 0;
    if (paused == *flag)
        return 0;
    *flag = paused;
    sqt_grid__ev_new(g, paused ? on : off, now_ms);
    if (!paused)
        g->dirty = 1;
    return 1;
}

int sqt_grid_set_risk_pause(sqt_grid *g, int paused, int64_t now_ms)
{
    if (!pause_flip(g, &g->paused, paused, SQT_GRID_EV_RISK_PAUSE, SQT_GRID_EV_RISK_RESUME, now_ms) ||
        !g->paused)
        return finish_rc(g, 0);
    return finish_rc(g, sqt_grid__cancel_all_buys(g, SQT_GRID_WHY_RISK, now_ms));
}

int sqt_grid_set_data_pause(sqt_grid *g, int paused, int64_t now_ms)
{
    pause_flip(g, &g->data_paused, paused, SQT_GRID_EV_DATA_PAUSE, SQT_GRID_EV_DATA_RESUME, now_ms);
    return finish_rc(g, 0);
}

int sqt_grid_reconcile_begin(sqt_grid *g)
{
    int asked = g->want_rec;
    g->want_rec = 0;
    g->gen++;
    g->begun = 1;
    return asked;
}

int sqt_grid_wants_reconcile(const sqt_grid *g)
{
    return g->want_rec;
}

static int cleanable(const grid_slot *s)
{
    return s != NULL && !s->o.cancel_req &&
           (s->o.state == SQT_GRID_ORD_PLACED || s->o.state == SQT_GRID_ORD_CONFIRMED);
}

/* Cancel up to `want` cleanable orders of one side, from its end farthest from the
 * market (from_top: the highest first). Returns how many, or SQT_ENOMEM. */
static int clean_side(sqt_grid *g, const sqt_gset *side, int from_top, int want,
                      int64_t now_ms)
{
    sqt_gset_pos i = from_top ? sqt_gset_last(side) : sqt_gset_first(side);
    int done = 0;
    for (; i != SQT_GSET_END && done < want;
         i = from_top ? sqt_gset_prev(side, i) : sqt_gset_next(side, i)) {
        grid_slot *s = sqt_grid__slot(g, sqt_gset_key(side, i));
        int rc;
        if (!cleanable(s))
            continue;
        rc = sqt_grid__cancel(g, s, SQT_GRID_WHY_CLEANER, 0, now_ms);
        if (rc != 0)
            return rc;
        done++;
    }
    return done;
}

int sqt_grid_cleanup(sqt_grid *g, int64_t now_ms)
{
    size_t nb = 0, ns = 0;
    sqt_gset_pos i;
    int cb, cs, done, rc;
    g->oom = 0;
    for (i = sqt_gset_first(&g->buys); i != SQT_GSET_END; i = sqt_gset_next(&g->buys, i))
        nb += (size_t)cleanable(sqt_grid__slot(g, sqt_gset_key(&g->buys, i)));
    for (i = sqt_gset_first(&g->sells); i != SQT_GSET_END; i = sqt_gset_next(&g->sells, i))
        ns += (size_t)cleanable(sqt_grid__slot(g, sqt_gset_key(&g->sells, i)));
    if (nb + ns < (size_t)g->Th)
        return 0;
    if (nb > ns) {
        cb = g->batch;
        cs = 0;
    } else if (ns > nb) {
        cb = 0;
        cs = g->batch;
    } else {
        cb = g->batch / 2;
        cs = g->batch - cb;
    }
    /* lowest buys and highest sells: farthest from the market */
    if ((done = clean_side(g, &g->buys, 0, cb, now_ms)) < 0)
        return done;
    if ((rc = clean_side(g, &g->sells, 1, cs, now_ms)) < 0)
        return rc;
    done += rc;
    return g->oom ? SQT_ENOMEM : done;
}

/* ------------------------------------------------------------------------------------
 * Reconcile
 * ---------------------------------------------------------------------------------- */

typedef struct own_order {
    const sqt_order *u;
    const char *cid;
    sqt_clientid id;
    int64_t price, qty, filled;  /* ticks, steps */
    int ok;                      /* numbers usable */
} own_order;

static int64_t pos_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* Read one open order of ours; 0 when it is not ours at all. */
static int own_read(const sqt_grid *g, const sqt_order *u, own_order *o)
{
    memset(o, 0, sizeof *o);
    if (!sqt_grid__report_ok(u))
        return 0;
    if (g->symbol[0] != '\0' && u->symbol[0] != '\0' && strcmp(u->symbol, g->symbol) != 0)
        return 0;
    o->u = u;
    o->cid = sqt_clientid_strip(u->client_id, g->prefix);
    if (sqt_clientid_decode_tag(g->tag, g->tag_len, o->cid, &o->id) != 0)
        return 0;
    o->ok = o->id.price_ticks <= GRID_MAX_TICKS &&
            sqt_grid__ticks(g, u->price, RND_EXACT, &o->price) == 0 &&
            sqt_grid__steps(g, u->qty, RND_EXACT, &o->qty) == 0 &&
            sqt_grid__steps(g, u->filled_qty, RND_FLOOR, &o->filled) == 0 && o->qty > 0 &&
            o->filled >= 0 && o->filled < o->qty &&
            (u->side == SQT_SIDE_NONE || u->side == o->id.side) &&
            o->price == o->id.price_ticks + (o->id.side == SQT_SIDE_SELL ? g->I : 0);
    return 1;
}

/* First reconcile: continue the previous run's grid. The anchor moves to the level
 * nearest to it on the alignment (price mod I) most of our open orders share. */
static void realign(sqt_grid *g, const sqt_order *open, size_t n)
{
    int64_t best_r = 0, d;
    size_t best = 0, i, j, tried = 0;
    for (i = 0; i < n && tried < 64; i++) { /* 64 candidates are plenty: one run, one grid */
        own_order a;
        size_t cnt = 0;
        if (!own_read(g, &open[i], &a) || !a.ok)
            continue;
        tried++;
        for (j = 0; j < n; j++) {
            own_order b;
            if (own_read(g, &open[j], &b) && b.ok &&
                pos_mod(b.id.price_ticks, g->I) == pos_mod(a.id.price_ticks, g->I))
                cnt++;
        }
        if (cnt > best) {
            best = cnt;
            best_r = pos_mod(a.id.price_ticks, g->I);
        }
    }
    if (best == 0)
        return;
    d = pos_mod(best_r - g->A, g->I);
    if (2 * d > g->I)
        d -= g->I;
    if (g->A + d <= 0)
        d += g->I;
    g->A += d;
    if (g->have_price)
        g->kg = sqt_grid__grid_index(g, g->cur);
}

/* Take over an open order of ours the engine does not track. 0 adopted, 1 refused. */
static int adopt(sqt_grid *g, const own_order *oo, int64_t now)
{
    int64_t k, remaining = oo->qty - oo->filled, p;
    grid_slot *s;
    sqt_grid_event *e;
    uint8_t rank;
    if (!oo->ok || sqt_grid__index_of(g, oo->id.price_ticks, &k) != 0)
        return 1;
    p = sqt_grid__level(g, k);
    s = sqt_grid__slot(g, k);
    if (s != NULL && s->has_order)
        return 1; /* never two orders on one slot */
    if (oo->id.side == SQT_SIDE_BUY) {
        if ((s != NULL && s->qty > 0) || oo->qty < g->min_qty ||
            (sqt_i128)p * oo->qty < g->mn_u)
            return 1;
    } else if (s != NULL && s->qty > 0 && s->qty != remaining) {
        return 1;
    }
    if (s == NULL && sqt_grid__slot_create(g, k, &s) != 0) {
        g->oom = 1;
        return 1;
    }
    memset(&s->o, 0, sizeof s->o);
    snprintf(s->o.cid, sizeof s->o.cid, "%s", oo->cid);
    snprintf(s->o.oid, sizeof s->o.oid, "%s", oo->u->order_id);
    s->o.side = oo->id.side;
    s->o.tif = oo->u->tif == SQT_TIF_GTC ? SQT_TIF_GTC : SQT_TIF_POST_ONLY;
    rank = oo->u->status == SQT_ORDER_PARTIALLY_FILLED || oo->filled > 0 ? SQT_GRID_ORD_PARTIAL
           : oo->u->status == SQT_ORDER_NEW                              ? SQT_GRID_ORD_CONFIRMED
                                                                         : SQT_GRID_ORD_PLACED;
    s->o.state = rank;
    g->watch = 1;
    s->o.price = oo->price;
    s->o.qty = oo->qty;
    s->o.filled = oo->filled;
    s->o.notional = (sqt_i128)oo->price * oo->filled; /* the previous run priced them */
    /* the fills before the import were booked by the previous run: the cumulative fee
     * seen now is the baseline; without one, later cumulative figures could not tell
     * old fees from new and are not used (each later push still brings its fee) */
    if (oo->u->has_cum_fee == 1)
        s->o.fee_seen = sqt_grid__fee_units(oo->u->cum_fee);
    else
        s->o.fee_nocum = oo->filled > 0;
    s->o.created_ms = now;
    s->o.seen_epoch = g->epoch;
    if (oo->id.side == SQT_SIDE_BUY) {
        /* the filled part of a buy of the previous run is this slot's inventory */
        s->o.base_qty = s->qty;
        s->qty += oo->filled;
        s->cost += (sqt_i128)p * oo->filled;
        g->position += oo->filled;
    } else if (s->qty == 0) {
        s->qty = remaining;
        s->cost = (sqt_i128)p * remaining;
        g->position += remaining;
    }
    s->has_order = 1;
    g->order_gen++;
    sqt_grid__touch(g, s);
    sqt_gset_add(oo->id.side == SQT_SIDE_BUY ? &g->buys : &g->sells, k);
    sqt_grid__slot_refresh(g, s);
    e = sqt_grid__ev_order(g, SQT_GRID_EV_ADOPTED, now, s);
    if (e != NULL)
        snprintf(e->text, sizeof e->text, "open order imported");
    sqt_grid__ack_policy(g, s, now);
    return 0;
}

/* §4.6 with the §11 #32 fixes: excess holdings go to K sell slots at the first free
 * levels from index `base` up (1: above the anchor), split in proportion to a full buy
 * at each level (rounded half up to the step, the last slot takes the rest); q1 = 0
 * cannot divide; K shrinks until every slot is sellable. `first`: the start-up
 * recovery (RECOVERED events); else a repair (POSITION_REPAIRED, counted as adopted). */
static int recover(sqt_grid *g, int64_t excess, int64_t base, int first, int64_t now)
{
    int64_t q1 = g->oq_u / sqt_grid__level(g, base - 1), K, i; /* a buy at the level below */
    int64_t *ks = NULL, *qs = NULL, *ts = NULL;
    int rc = 0;
    if (excess <= 0)
        return 0;
    K = q1 > 0 ? (excess + q1 - 1) / q1 : 1;
    if (K > 100000)
        K = 100000;
    ks = calloc((size_t)K, sizeof *ks);
    qs = calloc((size_t)K, sizeof *qs);
    ts = calloc((size_t)K, sizeof *ts);
    if (ks == NULL || qs == NULL || ts == NULL) {
        rc = SQT_ENOMEM;
        goto out;
    }
    {
        int64_t k = base;
        for (i = 0; i < K; k++) {
            grid_slot *s = sqt_grid__slot(g, k);
            if (s != NULL && (s->has_order || s->qty > 0))
                continue; /* an imported order holds this level (§11 #32) */
            ks[i++] = k;
        }
    }
    for (; K >= 1; K--) {
        sqt_i128 T = 0;
        int64_t left = excess;
        int ok = 1;
        for (i = 0; i < K; i++) {
            ts[i] = g->oq_u / sqt_grid__level(g, ks[i]);
            if (ts[i] < 1)
                ts[i] = 1;
            T += ts[i];
        }
        for (i = 0; i < K; i++) {
            int64_t q;
            if (i == K - 1) {
                q = left;
            } else {
                q = (int64_t)(((sqt_i128)2 * excess * ts[i] + T) / (2 * T));
                if (q > left)
                    q = left;
            }
            qs[i] = q;
            left -= q;
            if (q > 0 && !sqt_grid__sellable(g, ks[i], q))
                ok = 0;
        }
        if (ok || K == 1)
            break;
    }
    for (i = 0; i < K; i++) {
        grid_slot *s;
        sqt_grid_event *e;
        if (qs[i] <= 0)
            continue;
        s = sqt_grid__slot(g, ks[i]);
        if (s == NULL && sqt_grid__slot_create(g, ks[i], &s) != 0) {
            rc = SQT_ENOMEM;
            goto out;
        }
        s->qty = qs[i];
        s->cost = (sqt_i128)sqt_grid__level(g, ks[i]) * qs[i];
        sqt_grid__touch(g, s);
        g->position += qs[i];
        if (!first)
            g->adopted += qs[i];
        sqt_grid__slot_refresh(g, s);
        e = sqt_grid__ev_order(g, first ? SQT_GRID_EV_RECOVERED : SQT_GRID_EV_POSITION_REPAIRED,
                               now, s);
        if (e != NULL) {
            if (!first) {
                e->side = SQT_SIDE_BUY;
                e->fill_qty = e->qty;
                e->fill_price = e->price;
            }
            snprintf(e->text, sizeof e->text, "%s: slot %lld of %lld%s",
                     first ? "holdings without a slot" : "adopted holdings the slots lacked",
                     (long long)(i + 1), (long long)K,
                     sqt_grid__sellable(g, ks[i], qs[i]) ? "" : " (below the minimum sell)");
        }
    }
out:
    free(ks);
    free(qs);
    free(ts);
    return rc;
}

/* Open quantity of one side's orders whose fills may not be known yet: unanswered
 * placements, orders being queried, acknowledged orders missing from this list. */
static int64_t unsure_open(const sqt_grid *g, const sqt_gset *set)
{
    sqt_gset_pos i;
    /* an intent still waiting for its slot is an order of that side in flight too */
    int64_t sum = sqt_grid__intents_qty(g, set == &g->buys ? SQT_SIDE_BUY : SQT_SIDE_SELL);
    for (i = sqt_gset_first(set); i != SQT_GSET_END; i = sqt_gset_next(set, i)) {
        const grid_slot *s = sqt_grid__slot(g, sqt_gset_key(set, i));
        if (s != NULL && (s->o.state == SQT_GRID_ORD_PENDING || s->o.query_inflight ||
                          s->o.seen_epoch != g->epoch))
            sum += s->o.qty - s->o.filled;
    }
    return sum;
}

static int holds_pending(const sqt_grid *g)
{
    sqt_gset_pos i;
    if (g->sell_hold)
        return 1;
    for (i = sqt_gset_first(&g->hold); i != SQT_GSET_END; i = sqt_gset_next(&g->hold, i)) {
        const grid_slot *s = sqt_grid__slot(g, sqt_gset_key(&g->hold, i));
        if (s != NULL && s->held)
            return 1;
    }
    return 0;
}

/* The position check lifts holds set before this reconcile's snapshot. */
static void holds_lift(sqt_grid *g)
{
    sqt_gset_pos i;
    for (i = sqt_gset_first(&g->hold); i != SQT_GSET_END; i = sqt_gset_next(&g->hold, i)) {
        grid_slot *s = sqt_grid__slot(g, sqt_gset_key(&g->hold, i));
        if (s != NULL && s->held && s->hold_gen < g->gen) {
            s->held = 0;
            s->repair = 0;
            g->dirty = 1;
        }
    }
    if (g->sell_hold && g->sell_hold_gen < g->gen) {
        g->sell_hold = 0;
        g->dirty = 1;
    }
}

/* Take `take` steps off free slot s: its cost share is written off (what the outside
 * sale brought is unknown); what its round trip already realized is kept. */
static void release_slot(sqt_grid *g, grid_slot *s, int64_t take, const char *why, int64_t now)
{
    sqt_i128 part = take >= s->qty ? s->cost : s->cost * take / s->qty;
    sqt_grid_event *e;
    sqt_grid__touch(g, s);
    s->qty -= take;
    s->cost -= part;
    g->position -= take;
    g->released += take;
    if (s->qty == 0) {
        g->realized_gross += s->rt_gross;
        g->realized_fees += s->rt_fees;
        s->rt_gross = 0;
        s->rt_fees = 0;
        s->cost = 0;
    }
    s->held = 0;
    s->repair = 0;
    e = sqt_grid__ev_order(g, SQT_GRID_EV_POSITION_REPAIRED, now, s);
    if (e != NULL) {
        e->side = SQT_SIDE_SELL;
        e->fill_qty = sqt_grid__qty_dec(g, take);
        e->fill_price = sqt_grid__price_dec(g, (int64_t)((part + take / 2) / take));
        if (sqt_grid__pnl_dec(g, -part, 0, &e->pnl) != 0)
            e->pnl = sqt_dec_make(0, 0);
        sqt_grid__ev_text(e, "released %s", why);
    }
    g->dirty = 1;
    sqt_grid__slot_refresh(g, s);
}

/* The exchange holds `want` steps fewer than the slots: release them from the highest
 * slot down. A slot with an order gets a cancel and a hold, and is released at a later
 * reconcile once the order's final fills are in. Returns the steps released now. */
static int64_t release(sqt_grid *g, int64_t want, const char *why, int64_t now)
{
    int64_t left = want, done = 0, below = INT64_MAX;
    while (left > 0) {
        sqt_gset_pos p = below == INT64_MAX ? sqt_gset_last(&g->hold) : sqt_gset_lower(&g->hold, below);
        grid_slot *s;
        int64_t take;
        if (below != INT64_MAX)
            p = p != SQT_GSET_END ? sqt_gset_prev(&g->hold, p) : sqt_gset_last(&g->hold);
        if (p == SQT_GSET_END)
            break;
        below = sqt_gset_key(&g->hold, p);
        s = sqt_grid__slot(g, below);
        if (s == NULL)
            break;
        take = s->qty < left ? s->qty : left;
        left -= take;
        if (s->has_order) {
            /* an unanswered placement is not cancelled: its outcome comes first */
            if (s->o.state >= SQT_GRID_ORD_PLACED && !s->o.cancel_req &&
                sqt_grid__cancel(g, s, SQT_GRID_WHY_REPAIR, 0, now) != 0)
                g->oom = 1;
            s->repair = 1;
            sqt_grid__hold(g, s);
            continue;
        }
        release_slot(g, s, take, why, now);
        done += take;
    }
    return done;
}

/* Position vs slots on every reconcile (see sqt_grid_reconcile in grid.h). */
static int position_check(sqt_grid *g, const sqt_dec *position, int first, int64_t now)
{
    int64_t pos, have, diff, unsure_s, unsure_b, shortf = 0, longf = 0;
    char a[40], b[40], c[40], d[40], why[96];
    int rc = sqt_grid__steps(g, *position, RND_FLOOR, &pos);
    if (rc != 0)
        return rc;
    holds_lift(g);
    if (first) {
        /* start-up (§4.6): holdings no slot accounts for - but not what a buy whose
         * state is being asked for may explain (a continued grid queries the orders it
         * knew; their fills are booked when the answers come, never twice) */
        int64_t excess = pos - g->position - unsure_open(g, &g->buys);
        if (excess > 0 && (rc = recover(g, excess, 1, 1, now)) != 0)
            return rc;
    }
    have = pos > 0 ? pos : 0; /* a short position holds no inventory for the slots */
    diff = have - g->position;
    unsure_s = unsure_open(g, &g->sells);
    unsure_b = unsure_open(g, &g->buys);
    if (diff < 0 && -diff > unsure_s)
        shortf = -diff - unsure_s;
    if (diff > 0 && diff > unsure_b)
        longf = diff - unsure_b;
    if (pos != g->position) {
        sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_POSITION_MISMATCH, now);
        if (e != NULL) {
            e->qty = *position;
            e->filled = sqt_grid__qty_dec(g, g->position);
            sqt_grid__ev_text(e, "exchange %s, slots %s, difference %s, in flight %s%s%s",
                              sqt_grid__dec_text(*position, a, sizeof a), sqt_grid__dec_text(e->filled, b, sizeof b),
                              sqt_grid__dec_text(sqt_grid__qty_dec(g, pos - g->position), c, sizeof c),
                              sqt_grid__dec_text(sqt_grid__qty_dec(g, diff < 0 ? unsure_s : unsure_b), d, sizeof d),
                              pos < 0 ? " (short position)" : "",
                              (shortf > 0 && g->short_prev == 0) || (longf > 0 && g->long_prev == 0)
                                  ? "; repaired if the next reconcile sees it too"
                                  : "");
        }
    }
    snprintf(why, sizeof why, "(exchange %s < slots %s)", sqt_grid__dec_text(*position, a, sizeof a),
             sqt_grid__dec_text(sqt_grid__qty_dec(g, g->position), b, sizeof b));
    if (shortf > 0 && g->short_prev > 0) {
        int64_t r = shortf < g->short_prev ? shortf : g->short_prev;
        shortf -= release(g, r, why, now);
    }
    if (longf > 0 && g->long_prev > 0) {
        int64_t r = longf < g->long_prev ? longf : g->long_prev;
        int64_t base = g->have_price ? g->kg + 1 : 1;
        if (sqt_grid__level(g, base - 1) <= 0)
            base = 1;
        /* at start-up §4.6 prices it at the anchor = the first price; mid-run its cost is
         * as unknown, and the market is the honest guess: just above the grid price */
        rc = recover(g, r, base, 0, now);
        if (rc != 0)
            return rc;
        longf -= r;
    }
    g->short_prev = shortf;
    g->long_prev = longf;
    if (shortf > 0) {
        /* the inventory may be gone: no sell goes out until the next reconcile decides */
        g->sell_hold = 1;
        g->sell_hold_gen = g->gen;
    }
    if (shortf > 0 || longf > 0)
        g->want_rec = 1;
    return 0;
}

int sqt_grid_reconcile(sqt_grid *g, const sqt_order *open, size_t n, const sqt_dec *position,
                       int64_t now_ms)
{
    int first = !g->reconciled, rc = 0;
    size_t i;
    g->oom = 0;
    if (!g->started)
        return SQT_ESTATE;
    if (n > 0 && open == NULL)
        return SQT_EINVAL;
    if (first && !g->restored && g->buys.n + g->sells.n == 0 && g->hold.n == 0)
        realign(g, open, n);
    /* intents whose slot the missed-fill queries freed: theirs before the list is read */
    if (g->n_intents > 0 && (rc = sqt_grid__intents_bind(g, now_ms)) != 0)
        return rc;
    if (!g->begun)
        g->gen++; /* no begin: the snapshot is of this moment */
    g->begun = 0;
    g->epoch++;
    for (i = 0; i < n; i++) {
        own_order oo;
        grid_slot *s;
        uint8_t tag;
        int64_t k;
        if (!own_read(g, &open[i], &oo))
            continue; /* not ours: never touched */
        /* never issue an id an open order already has (adopted or being cancelled),
         * as long as the ids still fit the exchange's limit */
        if (oo.id.seq >= g->seq && oo.id.seq < UINT64_MAX &&
            strlen(g->tag) + 3 + GRID_ID_PRICE_CHARS + sqt_clientid_b36_len(oo.id.seq + 1) <=
                g->id_max_len)
            g->seq = oo.id.seq + 1;
        s = sqt_grid__slot_by_cid(g, oo.cid);
        if (s != NULL) {
            k = s->k;
            if (!sqt_grid__apply(g, s, oo.u, SRC_LIST, now_ms)) {
                s = sqt_grid__slot(g, k);
                if (s != NULL && s->has_order)
                    s->o.seen_epoch = g->epoch;
            }
            continue;
        }
        tag = sqt_gring_get(&g->finished, sqt_ghash_str(oo.cid));
        if (tag == FIN_CONFIRMED)
            continue; /* the list is older than the final push we had */
        if (g->n_intents > 0 && sqt_grid__intent_waits(g, oo.cid))
            continue; /* the previous run's, waiting for its slot: never an orphan */
        if (tag == 0 && adopt(g, &oo, now_ms) == 0)
            continue;
        if (sqt_grid__index_of(g, oo.id.price_ticks, &k) != 0)
            k = 0;
        rc = sqt_grid__cancel_untracked(g, oo.cid, oo.u->order_id, k,
                                        tag ? SQT_GRID_WHY_ORPHAN : SQT_GRID_WHY_OFF_GRID, now_ms);
        if (rc != 0)
            return rc;
        if (sqt_gring_add(&g->finished, sqt_ghash_str(oo.cid), FIN_ORPHAN))
            g->oom = 1;
    }
    /* acknowledged orders missing from the list ended unseen: fetch their final state */
    {
        const sqt_gset *sets[2] = {&g->buys, &g->sells};
        sqt_gset_pos p;
        int j;
        for (j = 0; j < 2; j++) {
            for (p = sqt_gset_first(sets[j]); p != SQT_GSET_END; p = sqt_gset_next(sets[j], p)) {
                grid_slot *s = sqt_grid__slot(g, sqt_gset_key(sets[j], p));
                if (s == NULL || s->o.state < SQT_GRID_ORD_PLACED || s->o.seen_epoch == g->epoch ||
                    s->o.query_inflight)
                    continue;
                rc = sqt_grid__query(g, s, SQT_GRID_WHY_MISSING, now_ms);
                if (rc != 0)
                    return rc;
            }
        }
    }
    if (position != NULL) {
        /* the start-up recovery: at the first reconcile, or for a restored grid at the
         * first one that knows the position (it books the fills it missed first) */
        rc = position_check(g, position, g->restored ? !g->recover_done : first, now_ms);
        g->recover_done = 1;
        if (rc != 0)
            return rc;
    } else if (holds_pending(g)) {
        g->want_rec = 1; /* only a position check lifts them: ask again */
    }
    /* pushes that came before the first reconcile, now that the import and the
     * recovery are done (the list and the position are of one moment; these pushes may
     * be newer). apply is forward-only and delta-based: stale ones change nothing */
    if (first) {
        size_t e;
        for (e = 0; e < g->early.n; e++) {
            const sqt_order *u =
                (const sqt_order *)(g->early.buf + ((g->early.head + e) % g->early.cap) * g->early.item);
            const char *cid = sqt_clientid_strip(u->client_id, g->prefix);
            grid_slot *s = sqt_grid__slot_by_cid(g, cid);
            if (s != NULL) {
                sqt_grid__apply(g, s, u, SRC_PUSH, now_ms);
            } else if (u->status >= SQT_ORDER_FILLED && !sqt_grid__intent_waits(g, cid)) {
                /* ended before the list was taken: never an orphan */
                if (sqt_gring_add(&g->finished, sqt_ghash_str(cid), FIN_CONFIRMED))
                    g->oom = 1;
            }
        }
        free(g->early.buf);
        memset(&g->early, 0, sizeof g->early);
        g->early.item = sizeof(sqt_order);
    }
    g->reconciled = 1;
    g->dirty = 1;
    return g->oom ? SQT_ENOMEM : 0;
}
