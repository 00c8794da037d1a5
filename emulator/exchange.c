/* The emulator's exchange: the account and its book on sqt_match, the price, the order
 * and fill ledgers, and what happens outside our orders (outside trades, prints). */
#include "core.h"

#include <stdlib.h>
#include <string.h>

static int ledger_add(sqt_emu *e, const sqt_order *o)
{
    if (e->n_ords == e->cap_ords) {
        size_t cap = e->cap_ords ? e->cap_ords * 2 : 64;
        emu_ord *p = realloc(e->ords, cap * sizeof(*p));
        if (p == NULL)
            return SQT_ENOMEM;
        e->ords = p;
        e->cap_ords = cap;
    }
    memcpy(e->ords[e->n_ords].order_id, o->order_id, sizeof(o->order_id));
    e->ords[e->n_ords].created = o->update_time_ms;
    e->n_ords++;
    return SQT_OK;
}

int64_t sqt_emu_order_created(const sqt_emu *e, const char *order_id)
{
    size_t i;
    for (i = e->n_ords; i > 0; i--)
        if (strcmp(e->ords[i - 1].order_id, order_id) == 0)
            return e->ords[i - 1].created;
    return 0;
}

static void fill_add(sqt_emu *e, const sqt_order *o, int maker)
{
    if (e->n_fills == e->cap_fills) {
        size_t cap = e->cap_fills ? e->cap_fills * 2 : 64;
        sqt_emu_fill *p = realloc(e->fills, cap * sizeof(*p));
        if (p == NULL) {
            sqt_emu_logf(e, "out of memory: fill of %s not in the ledger", o->client_id);
            return;
        }
        e->fills = p;
        e->cap_fills = cap;
    }
    e->fills[e->n_fills].o = *o;
    e->fills[e->n_fills].trade_id = ++e->last_trade_id;
    e->fills[e->n_fills].maker = maker;
    e->n_fills++;
}

size_t sqt_emu_fill_count(const sqt_emu *e)
{
    return e->n_fills;
}

const sqt_emu_fill *sqt_emu_fill_at(const sqt_emu *e, size_t i)
{
    return i < e->n_fills ? &e->fills[i] : NULL;
}

static void on_emit(void *ud, const sqt_order *o)
{
    sqt_emu *e = ud;
    int maker = !e->in_place;
    if (o->status == SQT_ORDER_NEW && o->filled_qty.mant == 0 &&
        sqt_emu_order_created(e, o->order_id) == 0 && ledger_add(e, o) != SQT_OK)
        sqt_emu_logf(e, "out of memory: order %s not in the ledger", o->order_id);
    if (o->last_fill_qty.mant != 0) {
        fill_add(e, o, maker);
        e->fills_pending = 1;
    }
    if (e->d->on_order)
        e->d->on_order(e, e->dst, o, maker, o->update_time_ms);
}

static void account_if_filled(sqt_emu *e, int64_t now)
{
    if (e->fills_pending && e->d->on_account)
        e->d->on_account(e, e->dst, now);
    e->fills_pending = 0;
}

int emu_match_create(sqt_emu *e, char *err, size_t errlen)
{
    sqt_error me;
    sqt_match *m = NULL;
    int rc = sqt_match_new(&e->mcfg, on_emit, e, &m, &me);
    if (rc != SQT_OK) {
        snprintf(err, errlen, "%s", me.message);
        return rc;
    }
    sqt_match_free(e->match);
    e->match = m;
    sqt_match_symbol_info(m, &e->info);
    if (e->price.mant > 0)
        sqt_match_on_price(m, e->price, sqt_emu_now(e));
    return SQT_OK;
}

/* Move the market to `price` (on the tick): market pushes, then resting orders fill. */
int emu_apply_price(sqt_emu *e, sqt_dec price, sqt_dec qty)
{
    int64_t now = sqt_emu_now(e);
    sqt_dec p;
    int rc;
    if (sqt_dec_rescale(price, e->info.tick_size.scale, &p) != SQT_OK || p.mant <= 0 ||
        p.mant % e->info.tick_size.mant != 0)
        return SQT_EINVAL;
    e->price = p;
    sqt_kbars_trade(e->bars, p, qty, now);
    if (e->d->on_trade)
        e->d->on_trade(e, e->dst, p, qty, now);
    e->in_place = 0;
    e->fills_pending = 0;
    rc = sqt_match_on_price(e->match, p, now);
    account_if_filled(e, now);
    return rc < 0 ? rc : SQT_OK;
}

int emu_step_path(sqt_emu *e, char *err, size_t errlen)
{
    sqt_price_point pt;
    int r = sqt_pricepath_next(e->path, &pt, err, errlen);
    if (r != 1) {
        if (r == 0)
            snprintf(err, errlen, "the price path has no more points");
        return SQT_ESTATE;
    }
    return emu_apply_price(e, pt.price, pt.qty);
}

__extension__ typedef __int128 i128;

static const int64_t P10[] = {1,          10,          100,         1000,       10000,
                              100000,     1000000,     10000000,    100000000};

/* The band's edge at the tick: mark * mult rounded inwards to a tick multiple. */
static int64_t band_edge(int64_t mark, sqt_dec mult, int64_t tick, int up)
{
    i128 v = (i128)mark * mult.mant, d = P10[mult.scale], q = v / d;
    if (!up && q * d < v)
        q++; /* ceil for the lower edge */
    q = up ? q / tick * tick : (q + tick - 1) / tick * tick;
    return q > INT64_MAX ? INT64_MAX : (int64_t)q;
}

/* PERCENT_PRICE: a limit price outside mark * [down, up] is refused, whatever the side
 * (Binance's rule); the edge goes into the message. 0 when inside. */
static int band_refuse(sqt_emu *e, const sqt_order_req *req, sqt_error *err)
{
    int32_t s = e->info.tick_size.scale;
    int64_t tick = e->info.tick_size.mant, mark = e->price.mant, edge;
    sqt_dec p;
    char b[48];
    int up;
    if (mark <= 0 || tick <= 0 || sqt_dec_rescale(req->price, s, &p) != SQT_OK || p.mant <= 0)
        return 0; /* the matching core judges a malformed price */
    if (e->o.band_up.mant > 0 && p.mant > (edge = band_edge(mark, e->o.band_up, tick, 1)))
        up = 1;
    else if (e->o.band_down.mant > 0 &&
             p.mant < (edge = band_edge(mark, e->o.band_down, tick, 0)))
        up = 0;
    else
        return 0;
    memset(err, 0, sizeof(*err));
    err->code = SQT_ERULES;
    snprintf(err->exch_code, sizeof(err->exch_code), "%s",
             up ? SQT_EMU_R_PRICE_ABOVE_BAND : SQT_EMU_R_PRICE_BELOW_BAND);
    snprintf(err->message, sizeof(err->message), "%s",
             sqt_emu_fmt(sqt_dec_make(edge, s), b, sizeof(b)));
    sqt_emu_logf(e, "refused: %s price outside the band around the mark price (edge %s)",
                 req->client_id, err->message);
    return 1;
}

int sqt_emu_place(sqt_emu *e, const sqt_order_req *req, sqt_order *out, sqt_error *err)
{
    int64_t now = sqt_emu_now(e);
    int rc;
    if (e->force_post_only > 0 && req->tif == SQT_TIF_POST_ONLY) {
        e->force_post_only--;
        memset(err, 0, sizeof(*err));
        err->code = SQT_EPOST_ONLY;
        snprintf(err->exch_code, sizeof(err->exch_code), "%s", SQT_MATCH_R_POST_ONLY);
        snprintf(err->message, sizeof(err->message),
                 "post-only order would immediately match and take liquidity");
        sqt_emu_logf(e, "fault: post-only rejection forced on %s", req->client_id);
        e->n_faults++;
        return SQT_EPOST_ONLY;
    }
    if (e->force_margin > 0 && !req->reduce_only) {
        e->force_margin--;
        memset(err, 0, sizeof(*err));
        err->code = SQT_EMARGIN;
        snprintf(err->exch_code, sizeof(err->exch_code), "%s", SQT_MATCH_R_MARGIN);
        snprintf(err->message, sizeof(err->message), "margin is insufficient");
        sqt_emu_logf(e, "fault: insufficient margin forced on %s", req->client_id);
        e->n_faults++;
        return SQT_EMARGIN;
    }
    if (band_refuse(e, req, err))
        return SQT_ERULES;
    e->in_place = 1;
    e->fills_pending = 0;
    rc = sqt_match_place(e->match, req, now, out, err);
    e->in_place = 0;
    if (rc == SQT_OK)
        e->n_orders++;
    account_if_filled(e, now);
    return rc;
}

int sqt_emu_cancel(sqt_emu *e, const char *client_id, const char *order_id, sqt_order *out,
                   sqt_error *err)
{
    return sqt_match_cancel(e->match, client_id, order_id, sqt_emu_now(e), out, err);
}

/* ------------------------------------------------------------------------------------
 * user pushes: drop, duplicate, reorder
 * ---------------------------------------------------------------------------------- */


int emu_reset(sqt_emu *e, char *err, size_t errlen)
{
    /* a fresh account, but order ids keep counting: a client may still remember old ones */
    e->mcfg.balance = e->o.balance;
    if (e->n_ords > 0)
        e->mcfg.first_order_id = strtoll(e->ords[e->n_ords - 1].order_id, NULL, 10) + 1;
    if (emu_match_create(e, err, errlen) != SQT_OK)
        return SQT_ESTATE;
    e->n_ords = e->n_fills = 0;
    e->n_orders = 0;
    emu_clear_faults(e);
    return SQT_OK;
}

int emu_set_partial(sqt_emu *e, sqt_dec qty, char *err, size_t errlen)
{
    sqt_match_config old = e->mcfg;
    sqt_position p;
    sqt_account a;
    /* sqt_match fixes the fill size at creation: change it only while nothing is at
     * stake, carrying the wallet and the order ids over */
    sqt_match_position(e->match, &p);
    if (sqt_match_open_count(e->match) > 0 || p.size.mant != 0) {
        snprintf(err, errlen, "only while there are no open orders and no position "
                              "(or at start, in the faults file)");
        return SQT_ESTATE;
    }
    sqt_match_account(e->match, &a);
    e->mcfg.partial_fill_qty = qty;
    e->mcfg.balance = a.balance;
    if (e->n_ords > 0)
        e->mcfg.first_order_id = strtoll(e->ords[e->n_ords - 1].order_id, NULL, 10) + 1;
    if (emu_match_create(e, err, errlen) != SQT_OK) {
        e->mcfg = old;
        return SQT_EINVAL;
    }
    return SQT_OK;
}

int emu_close_position(sqt_emu *e, sqt_dec qty, sqt_dec *closed, char *err, size_t errlen)
{
    int64_t now = sqt_emu_now(e);
    sqt_error me;
    sqt_order f;
    int rc = sqt_match_outside_trade(e->match, qty, now, &f, &me);
    if (rc != SQT_OK) {
        snprintf(err, errlen, "%s", me.message);
        return rc;
    }
    /* not ours: no order id, no client id; the trader's side of the book learns it from
     * the account push and the trade list, as from a close on the exchange's website */
    fill_add(e, &f, 0);
    *closed = f.last_fill_qty;
    sqt_emu_logf(e, "outside trade: %s closed at the market", f.side == SQT_SIDE_SELL
                                                                  ? "long" : "short");
    if (e->d->on_account)
        e->d->on_account(e, e->dst, now);
    return SQT_OK;
}

int emu_print(sqt_emu *e, sqt_dec price, char *err, size_t errlen)
{
    sqt_dec p;
    if (sqt_dec_rescale(price, e->info.tick_size.scale, &p) != SQT_OK || p.mant <= 0 ||
        p.mant % e->info.tick_size.mant != 0) {
        snprintf(err, errlen, "not a positive multiple of the tick size");
        return SQT_EINVAL;
    }
    /* the stream shows it; the price, the klines and the book do not move */
    if (e->d->on_trade)
        e->d->on_trade(e, e->dst, p, e->info.min_qty.mant > 0 ? e->info.min_qty
                                                                : e->info.step_size,
                       sqt_emu_now(e));
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * the ground truth
 * ---------------------------------------------------------------------------------- */

static json_t *order_json(const sqt_order *o, int64_t created)
{
    char b[7][48];
    static const char *const st[] = {"UNKNOWN", "NEW", "PARTIALLY_FILLED", "FILLED",
                                     "CANCELED", "EXPIRED", "REJECTED"};
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
                     "order_id", o->order_id, "client_id", o->client_id, "side",
                     o->side == SQT_SIDE_BUY ? "BUY" : "SELL", "tif",
                     o->tif == SQT_TIF_POST_ONLY ? "POST_ONLY" : "GTC", "reduce_only",
                     o->reduce_only, "status",
                     (unsigned)o->status < sizeof(st) / sizeof(st[0]) ? st[o->status] : "UNKNOWN",
                     "price", sqt_emu_fmt(o->price, b[0], 48), "qty",
                     sqt_emu_fmt(o->qty, b[1], 48), "filled_qty",
                     sqt_emu_fmt(o->filled_qty, b[2], 48), "avg_price",
                     sqt_emu_fmt(o->avg_price, b[3], 48), "created", (json_int_t)created,
                     "updated", (json_int_t)o->update_time_ms);
}

json_t *sqt_emu_state(sqt_emu *e)
{
    sqt_account a;
    sqt_position p;
    sqt_match_stats ms;
    sqt_order o;
    json_t *root, *orders, *fills;
    sqt_emu_ws *w;
    char b[8][48];
    size_t i, n;
    int nm = 0, nu = 0;
    sqt_match_account(e->match, &a);
    sqt_match_position(e->match, &p);
    sqt_match_stats_get(e->match, &ms);
    for (w = e->ws; w != NULL; w = w->next) {
        nm += w->open && (w->kind & SQT_EMU_WS_MARKET) != 0;
        nu += w->open && (w->kind & SQT_EMU_WS_USER) != 0;
    }
    root = json_pack(
        "{s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:i, s:{s:s, s:s, s:s}, "
        "s:{s:I, s:s, s:s, s:s}, s:{s:I, s:I, s:I, s:I, s:I}, s:{s:i, s:i}}",
        "dialect", e->d->name, "symbol", e->info.symbol, "price",
        sqt_emu_fmt(e->price, b[0], 48), "server_time", (json_int_t)sqt_emu_now(e),
        "manual_price", e->o.manual_price, "balance", sqt_emu_fmt(a.balance, b[1], 48),
        "available", sqt_emu_fmt(a.available, b[2], 48), "leverage", (int)a.leverage,
        "position", "size", sqt_emu_fmt(p.size, b[3], 48), "entry_price",
        sqt_emu_fmt(p.entry_price, b[4], 48), "unrealized_pnl",
        sqt_emu_fmt(p.unrealized_pnl, b[5], 48), "stats", "fills", (json_int_t)ms.fills,
        "fees", sqt_emu_fmt(ms.fees, b[6], 48), "realized_pnl",
        sqt_emu_fmt(ms.realized_pnl, b[7], 48), "volume",
        sqt_emu_fmt(ms.volume, b[0], 48), "counters", "requests",
        (json_int_t)e->n_requests, "orders", (json_int_t)e->n_orders, "pushes_sent",
        (json_int_t)e->pushes_sent, "pushes_dropped", (json_int_t)e->pushes_dropped,
        "faults", (json_int_t)e->n_faults, "connections", "market", nm, "user", nu);
    if (root == NULL)
        return NULL;
    orders = json_array();
    n = sqt_match_open_count(e->match);
    for (i = 0; i < n && orders != NULL; i++)
        if (sqt_match_open_at(e->match, i, &o) == SQT_OK)
            json_array_append_new(orders, order_json(&o, sqt_emu_order_created(e, o.order_id)));
    json_object_set_new(root, "open_orders", orders);
    fills = json_array();
    for (i = 0; i < e->n_fills && fills != NULL; i++) {
        const sqt_order *f = &e->fills[i].o;
        json_array_append_new(
            fills,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I}",
                      "trade_id", (json_int_t)e->fills[i].trade_id, "order_id",
                      f->order_id, "client_id", f->client_id, "side",
                      f->side == SQT_SIDE_BUY ? "BUY" : "SELL", "qty",
                      sqt_emu_fmt(f->last_fill_qty, b[0], 48), "price",
                      sqt_emu_fmt(f->last_fill_price, b[1], 48), "fee",
                      sqt_emu_fmt(f->fee, b[2], 48), "fee_asset", f->fee_asset, "realized_pnl",
                      sqt_emu_fmt(f->realized_pnl, b[3], 48), "filled_qty",
                      sqt_emu_fmt(f->filled_qty, b[4], 48), "maker", e->fills[i].maker, "time",
                      (json_int_t)f->update_time_ms));
    }
    json_object_set_new(root, "fills", fills);
    if (e->d->state)
        e->d->state(e, e->dst, root);
    return root;
}

