/* Backtest core: see backtest.h.
 *
 * Virtual time. `now` only moves forward, to the next of: the next trade, the next
 * answer due from the simulated exchange (FIFO: constant latency keeps it in time
 * order), the executor's wake-up (token bucket, backoff, pause end) and the engine's
 * housekeeping (500 ms, as the app). At each instant a "turn" runs until nothing is
 * left to do: due answers are handed to the policy and the engine, the policy sends
 * what the token bucket allows, the engine's adjust step runs when it asks for it.
 *
 * The matcher is called for a trade only when the trade reaches a resting order (the
 * highest buy or the lowest sell); otherwise it only needs the last price, which is
 * handed to it before any request reaches it. With whole fills that is exact (a test
 * compares it with calling the matcher on every trade). */
#include "backtest.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bt_internal.h"
#include "core/clientid.h"
#include "core/eventlog_grid.h"
#include "match.h"
#include "safety/risk.h"

#define BT_HOUSEKEEPING_MS 500
#define BT_GAP_MS 10000        /* a gap between trades worth crossing in one step */
#define BT_QUIET_TICKS 4       /* housekeeping runs that changed nothing before that */
#define BT_MAX_STEPS_PER_INSTANT 1000000
#define BT_MONEY_SCALE 8
#define BT_CHART_COLS 2048
#define BT_FILLS_MAX 2000000
#define BT_SPARE_ANSWERS 16
#define BT_DRAIN_CHUNK 32

/* The head of an answer array: every array has room for the largest batch, so a spare
 * one fits any request. */
typedef union res_hdr {
    size_t cap;
    max_align_t align;
} res_hdr;

typedef __int128 i128;

enum { DLV_PUSH = 1, DLV_PLACED, DLV_CANCELLED, DLV_QUERIED };

/* One answer or push on its way to the host. */
typedef struct dlv {
    int kind;
    int64_t due;
    sqt_xbatch *b;
    int status;
    size_t n;
    void *res;                 /* sqt_place_result[n] / sqt_cancel_result[n] / sqt_order[n] */
    sqt_error err;             /* DLV_QUERIED */
    sqt_order push;            /* DLV_PUSH */
} dlv;

typedef sqt_bt_col col;
typedef sqt_bt_fillpt fillpt;

struct sqt_bt {
    sqt_bt_params p;
    char symbol[SQT_SYMBOL_MAX], tag[24], quote[SQT_ASSET_MAX];
    sqt_grid *g;
    sqt_match *m;
    sqt_xpolicy *x;
    sqt_risk *risk;
    int started, finished;
    int64_t now;
    int err;                   /* first internal error: ENOMEM, or ESTATE (did not settle) */

    /* market */
    int64_t tick_m, step_m;    /* tick/step mantissas at their scales */
    int32_t tick_s, step_s;
    int64_t last_ticks;
    int match_stale;           /* the matcher has not seen last_ticks yet */
    int64_t max_buy, min_sell; /* resting orders' extremes, ticks (INT64_MIN/MAX none) */
    int bounds_dirty;
    struct rest {
        int64_t id, ticks;
        int buy;
    } * rest;                  /* the matcher's open orders, as its pushes tell them */
    size_t nrest, caprest;
    uint64_t trades;
    int64_t first_ms, last_ms, first_ticks, low_ticks, high_ticks;

    /* deliveries */
    dlv *q;
    size_t qh, qn, qcap;
    res_hdr *spare_res[BT_SPARE_ANSWERS]; /* delivered answer arrays, for the next ones */
    sqt_grid_cmd cmdbuf[BT_DRAIN_CHUNK];  /* the engine's output, taken in chunks (not on */
    sqt_grid_event evbuf[BT_DRAIN_CHUNK]; /* the stack: 30 KB a drain, a few per trade) */
    size_t nspare_res;
    size_t res_cap;            /* bytes of an answer array: the largest batch */
    uint64_t x_wake;
    int64_t next_house, next_cleanup;
    int quiet_ticks;           /* housekeeping runs in a row that changed nothing */
    uint64_t gaps_skipped;

    /* risk candles */
    int64_t bar_open;
    int64_t bar_o, bar_h, bar_l, bar_c;
    int64_t bar_vol;           /* money scale (not money: a volume) */
    int have_bar;
    int64_t pause_since;

    /* ledger (money scale) */
    i128 cash;                 /* balance + realized cash flows - fees */
    int64_t pos;               /* steps */
    i128 eq_mul;               /* equity = cash + pos * ticks * eq_mul / eq_div */
    i128 eq_div;
    i128 peak, max_dd;
    int64_t max_dd_pct_bp;     /* hundredths of a percent */
    int64_t max_pos_abs, max_pos_value;
    i128 fees, volume;
    i128 max_margin;
    uint64_t fills, buy_fills, sell_fills;
    int margin_dirty;

    /* counts */
    uint64_t post_only_rejects, rejects, margin_locks, risk_pauses;
    int64_t risk_pause_ms;
    int64_t cur_min;
    uint64_t min_requests, min_orders, max_req_min, max_ord_min, orders_sent, requests;

    /* chart */
    col *cols;
    int64_t col_t0, col_w;
    fillpt *fp;
    size_t nfp, capfp;
};

void sqt_bt_params_init(sqt_bt_params *p)
{
    memset(p, 0, sizeof(*p));
    p->info.struct_size = sizeof(p->info);
    snprintf(p->info.symbol, sizeof(p->info.symbol), "ETHUSDT");
    snprintf(p->info.quote_asset, sizeof(p->info.quote_asset), "USDT");
    p->info.tick_size = sqt_dec_make(1, 2);
    p->info.step_size = sqt_dec_make(1, 3);
    p->info.min_qty = sqt_dec_make(1, 3);
    p->info.min_notional = sqt_dec_make(5, 0);
    p->info.max_open_orders = 200;
    p->info.max_batch_place = 5;
    p->info.max_batch_cancel = 10;
    p->info.client_id_max_len = 36;
    p->maker_fee = sqt_dec_make(2, 4);
    p->taker_fee = sqt_dec_make(5, 4);
    p->balance = sqt_dec_make(10000, 0);
    p->leverage = 5;
    p->cleanup_interval_ms = 60000;
    p->risk_interval_ms = 60000;
    p->risk_window = 20;
    p->risk_volume_multiplier = 3.0;
    p->exchange = "paper";
}

static const int64_t P10[19] = {1,
                                10,
                                100,
                                1000,
                                10000,
                                100000,
                                1000000,
                                10000000,
                                100000000,
                                1000000000,
                                10000000000,
                                100000000000,
                                1000000000000,
                                10000000000000,
                                100000000000000,
                                1000000000000000,
                                10000000000000000,
                                100000000000000000,
                                1000000000000000000};

/* Divide rounding half away from zero. */
static i128 div_round(i128 a, i128 b)
{
    i128 q = a / b, r = a % b;
    if (r < 0)
        r = -r;
    if (2 * r >= (b < 0 ? -b : b))
        q += (a < 0) != (b < 0) ? -1 : 1;
    return q;
}

/* A decimal at the money scale (rounded when it has more digits). */
static i128 money_of(sqt_dec d)
{
    if (d.scale <= BT_MONEY_SCALE)
        return (i128)d.mant * P10[BT_MONEY_SCALE - d.scale];
    return div_round(d.mant, P10[d.scale - BT_MONEY_SCALE]);
}

static sqt_dec dec_money(i128 v)
{
    if (v > INT64_MAX || v < -INT64_MAX)
        v = v > 0 ? INT64_MAX : -INT64_MAX;
    return sqt_dec_normalize(sqt_dec_make((int64_t)v, BT_MONEY_SCALE));
}

/* price -> ticks, half up; -1 when it does not fit */
static int64_t to_ticks(const sqt_bt *bt, sqt_dec price)
{
    i128 num = price.mant, den = bt->tick_m;
    /* the common case, once per trade: the data writes prices at the tick's scale */
    if (price.scale == bt->tick_s && price.mant >= 0 && price.mant < INT64_MAX / 4) {
        if (bt->tick_m == 1)
            return price.mant;
        return (2 * price.mant + bt->tick_m) / (2 * bt->tick_m);
    }
    if (price.scale < 0 || price.scale > 18)
        return -1;
    if (price.scale <= bt->tick_s)
        num *= P10[bt->tick_s - price.scale];
    else
        den *= P10[price.scale - bt->tick_s];
    num = (2 * num + den) / (2 * den);
    return num > INT64_MAX / 4 ? -1 : (int64_t)num;
}

static sqt_dec ticks_dec(const sqt_bt *bt, int64_t t)
{
    return sqt_dec_make(t * bt->tick_m, bt->tick_s);
}

static int64_t to_steps(const sqt_bt *bt, sqt_dec q)
{
    i128 num = q.mant, den = bt->step_m;
    if (q.scale == bt->step_s && bt->step_m == 1)
        return q.mant; /* every fill: the matcher writes quantities at the step's scale */
    if (q.scale <= bt->step_s)
        num *= P10[bt->step_s - q.scale];
    else
        den *= P10[q.scale - bt->step_s];
    return (int64_t)div_round(num, den);
}

static i128 equity_at(const sqt_bt *bt, int64_t ticks)
{
    i128 v = (i128)bt->pos * ticks * bt->eq_mul;
    if (bt->eq_div != 1)
        v = div_round(v, bt->eq_div);
    return bt->cash + v;
}

/* ---- deliveries -------------------------------------------------------------------- */

static dlv *dlv_add(sqt_bt *bt, int kind)
{
    dlv *d;
    if (bt->qn == bt->qcap) {
        size_t ncap = bt->qcap ? bt->qcap * 2 : 64, i;
        dlv *nq = malloc(ncap * sizeof(*nq));
        if (nq == NULL) {
            bt->err = SQT_ENOMEM;
            return NULL;
        }
        for (i = 0; i < bt->qn; i++)
            nq[i] = bt->q[(bt->qh + i) % bt->qcap];
        free(bt->q);
        bt->q = nq;
        bt->qh = 0;
        bt->qcap = ncap;
    }
    d = &bt->q[bt->qh + bt->qn < bt->qcap ? bt->qh + bt->qn : bt->qh + bt->qn - bt->qcap];
    bt->qn++;
    memset(d, 0, offsetof(dlv, err)); /* err and push are written when used */
    d->kind = kind;
    d->due = bt->now + bt->p.latency_ms;
    return d;
}

/* ---- the simulated exchange -------------------------------------------------------- */

static void chart_fill(sqt_bt *bt, int64_t ticks, int buy)
{
    if (!bt->p.chart || bt->nfp >= BT_FILLS_MAX)
        return;
    if (bt->nfp == bt->capfp) {
        size_t ncap = bt->capfp ? bt->capfp * 2 : 1024;
        fillpt *n = realloc(bt->fp, ncap * sizeof(*n));
        if (n == NULL)
            return;
        bt->fp = n;
        bt->capfp = ncap;
    }
    bt->fp[bt->nfp].t = bt->now;
    bt->fp[bt->nfp].ticks = ticks;
    bt->fp[bt->nfp].buy = buy;
    bt->nfp++;
}

static void rest_track(sqt_bt *bt, const sqt_order *u);

/* Every order state change of the matcher: the ledger moves now (exchange time), the
 * engine hears of it latency_ms later. */
static void on_emit(void *ud, const sqt_order *u)
{
    sqt_bt *bt = ud;
    dlv *d;
    bt->bounds_dirty = 1;
    bt->margin_dirty = 1;
    rest_track(bt, u);
    if (u->last_fill_qty.mant > 0) {
        int buy = u->side == SQT_SIDE_BUY;
        int64_t q = to_steps(bt, u->last_fill_qty), a;
        i128 num = (i128)u->last_fill_qty.mant * u->last_fill_price.mant, notional;
        int32_t sc = u->last_fill_qty.scale + u->last_fill_price.scale;
        notional = sc <= BT_MONEY_SCALE ? num * P10[BT_MONEY_SCALE - sc]
                                        : div_round(num, P10[sc - BT_MONEY_SCALE]);
        bt->cash += buy ? -notional : notional;
        bt->cash -= money_of(u->fee);
        bt->fees += money_of(u->fee);
        bt->volume += notional;
        bt->pos += buy ? q : -q;
        bt->fills++;
        if (buy)
            bt->buy_fills++;
        else
            bt->sell_fills++;
        a = bt->pos < 0 ? -bt->pos : bt->pos;
        if (a > bt->max_pos_abs) {
            i128 v = (i128)a * to_ticks(bt, u->last_fill_price) * bt->eq_mul;
            bt->max_pos_abs = a;
            bt->max_pos_value = (int64_t)(bt->eq_div != 1 ? div_round(v, bt->eq_div) : v);
        }
        chart_fill(bt, to_ticks(bt, u->last_fill_price), buy);
    }
    if ((d = dlv_add(bt, DLV_PUSH)) != NULL)
        d->push = *u;
}

static void match_sync(sqt_bt *bt)
{
    if (bt->match_stale) {
        bt->match_stale = 0;
        sqt_match_on_price(bt->m, ticks_dec(bt, bt->last_ticks), bt->now);
    }
}

static void bounds(sqt_bt *bt)
{
    size_t i;
    bt->max_buy = INT64_MIN;
    bt->min_sell = INT64_MAX;
    for (i = 0; i < bt->nrest; i++) {
        if (bt->rest[i].buy && bt->rest[i].ticks > bt->max_buy)
            bt->max_buy = bt->rest[i].ticks;
        if (!bt->rest[i].buy && bt->rest[i].ticks < bt->min_sell)
            bt->min_sell = bt->rest[i].ticks;
    }
    bt->bounds_dirty = 0;
}

/* Keep the list of resting orders from the matcher's pushes (cheaper than asking it),
 * sorted by order id: the matcher numbers its orders in placement order, so a new one
 * goes at the end and a push finds its order by binary search. */
static void rest_track(sqt_bt *bt, const sqt_order *u)
{
    int64_t id = 0;
    const char *c;
    int open = u->status == SQT_ORDER_NEW || u->status == SQT_ORDER_PARTIALLY_FILLED;
    size_t lo = 0, hi = bt->nrest;
    /* the matcher's ids are decimal numbers: their value is the key */
    for (c = u->order_id; *c >= '0' && *c <= '9' && id < INT64_MAX / 10 - 10; c++)
        id = id * 10 + (*c - '0');
    while (lo < hi) { /* the first entry whose id is >= id */
        size_t mid = lo + (hi - lo) / 2;
        if (bt->rest[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < bt->nrest && bt->rest[lo].id == id) {
        if (!open) {
            memmove(&bt->rest[lo], &bt->rest[lo + 1], (bt->nrest - lo - 1) * sizeof(*bt->rest));
            bt->nrest--;
            return;
        }
    } else {
        if (!open)
            return;
        if (bt->nrest == bt->caprest) {
            size_t ncap = bt->caprest ? bt->caprest * 2 : 64;
            struct rest *n = realloc(bt->rest, ncap * sizeof(*n));
            if (n == NULL) {
                bt->err = SQT_ENOMEM;
                return;
            }
            bt->rest = n;
            bt->caprest = ncap;
        }
        memmove(&bt->rest[lo + 1], &bt->rest[lo], (bt->nrest - lo) * sizeof(*bt->rest));
        bt->nrest++;
    }
    bt->rest[lo].id = id;
    bt->rest[lo].ticks = to_ticks(bt, u->price);
    bt->rest[lo].buy = u->side == SQT_SIDE_BUY;
}

static void margin_sample(sqt_bt *bt)
{
    int64_t bal, upnl, avail;
    i128 used;
    bt->margin_dirty = 0;
    match_sync(bt);
    sqt_match_margin_parts(bt->m, &bal, &upnl, &avail);
    used = money_of(sqt_dec_make(bal, SQT_MATCH_MONEY_SCALE)) +
           money_of(sqt_dec_make(upnl, SQT_MATCH_MONEY_SCALE)) -
           money_of(sqt_dec_make(avail, SQT_MATCH_MONEY_SCALE));
    if (used > bt->max_margin)
        bt->max_margin = used;
}

static void minute_count(sqt_bt *bt, size_t orders)
{
    int64_t m = bt->now / 60000;
    if (m != bt->cur_min) {
        bt->cur_min = m;
        bt->min_requests = 0;
        bt->min_orders = 0;
    }
    bt->min_requests++;
    bt->min_orders += orders;
    bt->requests++;
    bt->orders_sent += orders;
    if (bt->min_requests > bt->max_req_min)
        bt->max_req_min = bt->min_requests;
    if (bt->min_orders > bt->max_ord_min)
        bt->max_ord_min = bt->min_orders;
}

/* A zeroed array of n answers of `size` bytes: a spare one, else a new one (about one
 * per request: not through malloc and free each time). NULL: out of memory. */
static void *res_get(sqt_bt *bt, size_t n, size_t size)
{
    res_hdr *h;
    if (n > SIZE_MAX / size || n * size > bt->res_cap)
        return NULL;
    if (bt->nspare_res > 0) {
        h = bt->spare_res[--bt->nspare_res];
    } else {
        if ((h = malloc(sizeof(*h) + bt->res_cap)) == NULL)
            return NULL;
        h->cap = bt->res_cap;
    }
    memset(h + 1, 0, n * size);
    return h + 1;
}

static void res_put(sqt_bt *bt, void *res)
{
    res_hdr *h;
    if (res == NULL)
        return;
    h = (res_hdr *)res - 1;
    if (bt->nspare_res < BT_SPARE_ANSWERS)
        bt->spare_res[bt->nspare_res++] = h;
    else
        free(h);
}

/* The answer array of a request (counted in the rate statistics); NULL: out of memory,
 * the request was refused. */
static void *answers(sqt_bt *bt, sqt_xbatch *b, size_t n, size_t size)
{
    void *res = res_get(bt, n, size);
    minute_count(bt, sqt_xbatch_kind_of(b) == SQT_XB_PLACE ? n : 0);
    if (res == NULL) {
        bt->err = SQT_ENOMEM;
        sqt_xpolicy_on_refused(bt->x, b, SQT_ENOMEM, (uint64_t)bt->now);
    }
    return res;
}

/* The answer travels back: it arrives latency_ms later. */
static void answer_later(sqt_bt *bt, sqt_xbatch *b, int kind, void *res, size_t n, const sqt_error *e)
{
    dlv *d = dlv_add(bt, kind);
    if (d == NULL) {
        res_put(bt, res);
        sqt_xpolicy_on_refused(bt->x, b, SQT_ENOMEM, (uint64_t)bt->now);
        return;
    }
    d->b = b;
    d->res = res;
    d->n = n;
    if (e)
        d->err = *e;
}

/* One request reaches the simulated exchange at `now`. */
static void execute(sqt_bt *bt, sqt_xbatch *b)
{
    size_t i, n = sqt_xbatch_size(b);
    match_sync(bt);
    switch (sqt_xbatch_kind_of(b)) {
    case SQT_XB_PLACE: {
        sqt_place_result *res = answers(bt, b, n, sizeof(*res));
        if (res == NULL)
            return;
        for (i = 0; i < n; i++) {
            const sqt_order_req *r = sqt_xbatch_req(b, i);
            sqt_clientid_copy(res[i].client_id, sizeof(res[i].client_id), r->client_id);
            sqt_match_place(bt->m, r, bt->now, &res[i].order, &res[i].err);
        }
        answer_later(bt, b, DLV_PLACED, res, n, NULL);
        break;
    }
    case SQT_XB_CANCEL: {
        sqt_cancel_result *res = answers(bt, b, n, sizeof(*res));
        if (res == NULL)
            return;
        for (i = 0; i < n; i++) {
            sqt_order o;
            sqt_clientid_copy(res[i].client_id, sizeof(res[i].client_id), sqt_xbatch_client_id(b, i));
            sqt_clientid_copy(res[i].order_id, sizeof(res[i].order_id), sqt_xbatch_order_id(b, i));
            sqt_match_cancel(bt->m, res[i].client_id[0] ? res[i].client_id : NULL,
                             res[i].order_id[0] ? res[i].order_id : NULL, bt->now, &o, &res[i].err);
        }
        answer_later(bt, b, DLV_CANCELLED, res, n, NULL);
        break;
    }
    default: {
        sqt_order *o = answers(bt, b, 1, sizeof(*o));
        const char *cid = sqt_xbatch_client_id(b, 0), *oid = sqt_xbatch_order_id(b, 0);
        sqt_error e;
        if (o == NULL)
            return;
        memset(&e, 0, sizeof(e));
        sqt_match_query(bt->m, cid[0] ? cid : NULL, oid[0] ? oid : NULL, o, &e);
        answer_later(bt, b, DLV_QUERIED, o, e.code == SQT_OK ? 1 : 0, &e);
        break;
    }
    }
    bt->margin_dirty = 1;
}

/* ---- the host side ----------------------------------------------------------------- */

static void sink_event(sqt_bt *bt, const sqt_grid_event *e)
{
    switch (e->kind) {
    case SQT_GRID_EV_REJECTED:
        if (e->err_code == SQT_EPOST_ONLY)
            bt->post_only_rejects++;
        else
            bt->rejects++;
        break;
    case SQT_GRID_EV_MARGIN_LOCK:
        bt->margin_locks++;
        break;
    case SQT_GRID_EV_RISK_PAUSE:
        bt->risk_pauses++;
        break;
    default:
        break;
    }
    if (bt->p.events)
        sqt_eventlog_grid_event(bt->p.events, e, e->time_ms);
}

/* Engine output: commands to the policy, events to the log. Returns how many. */
static size_t drain(sqt_bt *bt)
{
    sqt_grid_cmd *cmds = bt->cmdbuf;
    sqt_grid_event *evs = bt->evbuf;
    size_t n, i, total = 0;
    if (sqt_grid_pending_commands(bt->g) == 0 && sqt_grid_pending_events(bt->g) == 0)
        return 0; /* most turns: nothing to move (and 2 x 32 records not to copy) */
    while (sqt_grid_pending_commands(bt->g) > 0) {
        n = sqt_grid_take_commands(bt->g, cmds, BT_DRAIN_CHUNK);
        total += n;
        for (i = 0; i < n; i++) {
            const sqt_grid_cmd *c = &cmds[i];
            int rc;
            if (c->kind == SQT_GRID_CMD_PLACE)
                rc = sqt_xpolicy_place(bt->x, &c->req);
            else if (c->kind == SQT_GRID_CMD_CANCEL)
                rc = sqt_xpolicy_cancel(bt->x, c->client_id, c->order_id);
            else
                rc = sqt_xpolicy_query(bt->x, c->client_id, c->order_id);
            if (rc == SQT_ENOMEM)
                bt->err = rc;
        }
    }
    while (sqt_grid_pending_events(bt->g) > 0) {
        n = sqt_grid_take_events(bt->g, evs, BT_DRAIN_CHUNK);
        total += n;
        for (i = 0; i < n; i++)
            sink_event(bt, &evs[i]);
    }
    return total;
}

static void x_on_place(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    sqt_bt *bt = ud;
    sqt_grid_on_place_result(bt->g, cid, err, o, bt->now);
}

static void x_on_cancel(void *ud, const char *cid, const sqt_error *err)
{
    sqt_bt *bt = ud;
    sqt_grid_on_cancel_result(bt->g, cid, err, bt->now);
}

static void x_on_query(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    sqt_bt *bt = ud;
    sqt_grid_on_query_result(bt->g, cid, err, o, bt->now);
}

static void deliver(sqt_bt *bt, dlv *d)
{
    uint64_t now = (uint64_t)bt->now;
    switch (d->kind) {
    case DLV_PUSH:
        sqt_grid_on_order_update(bt->g, &d->push, bt->now);
        break;
    case DLV_PLACED:
        sqt_xpolicy_on_placed(bt->x, d->b, SQT_OK, d->res, d->n, now);
        break;
    case DLV_CANCELLED:
        sqt_xpolicy_on_cancelled(bt->x, d->b, SQT_OK, d->res, d->n, now);
        break;
    default:
        sqt_xpolicy_on_queried(bt->x, d->b, d->n ? NULL : &d->err, d->res, d->n, now);
        break;
    }
    res_put(bt, d->res);
}

/* Everything that is due at `now`, until nothing moves. A loop that never settles at one
 * instant (engine and exchange answering each other forever) stops the run with an
 * error instead of hanging it. */
static int turn(sqt_bt *bt)
{
    long steps = 0;
    int any = 0;
    for (;;) {
        int moved = 0;
        sqt_xbatch *b;
        if (++steps > BT_MAX_STEPS_PER_INSTANT) {
            bt->err = SQT_ESTATE;
            break;
        }
        if (drain(bt) > 0)
            moved = 1;
        while (bt->qn > 0 && bt->q[bt->qh].due <= bt->now) {
            /* delivered where it lies (no copy of the record): the engine and the
             * policy answer into their own queues, only the exchange side (execute,
             * the matcher's pushes) adds deliveries, so the queue holds still here */
            deliver(bt, &bt->q[bt->qh]);
            if (++bt->qh == bt->qcap)
                bt->qh = 0;
            bt->qn--;
            drain(bt);
            moved = 1;
        }
        while ((b = sqt_xpolicy_next(bt->x, (uint64_t)bt->now)) != NULL) {
            execute(bt, b);
            moved = 1;
        }
        if (bt->qn > 0 && bt->q[bt->qh].due <= bt->now)
            moved = 1;
        if (sqt_grid_needs_adjust(bt->g)) {
            sqt_grid_adjust(bt->g, bt->now);
            moved = 1;
        }
        if (!moved)
            break;
        any = 1;
    }
    bt->x_wake = sqt_xpolicy_wake_at(bt->x, (uint64_t)bt->now);
    if (bt->margin_dirty)
        margin_sample(bt);
    return any;
}

static void set_pause(sqt_bt *bt, int on)
{
    if (on && bt->pause_since < 0)
        bt->pause_since = bt->now;
    if (!on && bt->pause_since >= 0) {
        bt->risk_pause_ms += bt->now - bt->pause_since;
        bt->pause_since = -1;
    }
    sqt_grid_set_risk_pause(bt->g, on, bt->now);
}

/* Nothing in flight and nothing the engine waits for: housekeeping would only repeat
 * itself until the next trade. */
static int quiescent(const sqt_bt *bt)
{
    sqt_grid_status st;
    if (bt->quiet_ticks < BT_QUIET_TICKS || bt->qn > 0 || bt->x_wake != UINT64_MAX ||
        !sqt_xpolicy_idle(bt->x))
        return 0;
    sqt_grid_get_status(bt->g, &st);
    return st.pending == 0 && st.cancel_requested == 0 && !st.margin_locked;
}

/* Timers due up to t, in time order. A long gap in the data with nothing going on is
 * crossed in one step: housekeeping resumes at the last 500 ms mark before the next
 * trade (the price did not move in between, so nothing could have filled; a slot's
 * place retry waiting in the engine goes out then instead of inside the gap). */
static void advance(sqt_bt *bt, int64_t t)
{
    int64_t last = INT64_MIN;
    long same = 0;
    for (;;) {
        int64_t next = bt->next_house;
        if (bt->qn > 0 && bt->q[bt->qh].due < next)
            next = bt->q[bt->qh].due;
        if (bt->x_wake != UINT64_MAX && (int64_t)bt->x_wake < next)
            next = (int64_t)bt->x_wake;
        if (next > t)
            break;
        if (next == bt->next_house && t - next >= BT_GAP_MS && quiescent(bt)) {
            bt->next_house += (t - next) / BT_HOUSEKEEPING_MS * BT_HOUSEKEEPING_MS;
            next = bt->next_house;
            bt->gaps_skipped++;
        }
        if (next > bt->now)
            bt->now = next;
        /* a timer that keeps firing at one instant without effect (out of memory in the
         * policy) must not spin forever */
        same = bt->now == last ? same + 1 : 0;
        last = bt->now;
        if (same > BT_MAX_STEPS_PER_INSTANT) {
            bt->err = SQT_ESTATE;
            return;
        }
        if (bt->now >= bt->next_house) {
            int moved;
            bt->next_house += BT_HOUSEKEEPING_MS;
            sqt_grid_on_time(bt->g, bt->now);
            if (bt->now >= bt->next_cleanup) {
                bt->next_cleanup = bt->now + bt->p.cleanup_interval_ms;
                sqt_grid_cleanup(bt->g, bt->now);
            }
            bt->x_wake = UINT64_MAX; /* turn() computes it again */
            moved = turn(bt);
            bt->quiet_ticks = moved ? 0 : bt->quiet_ticks + 1;
        } else {
            bt->x_wake = UINT64_MAX;
            turn(bt);
            bt->quiet_ticks = 0;
        }
        if (bt->err)
            return;
    }
    if (t > bt->now)
        bt->now = t;
}

static void risk_bar(sqt_bt *bt, int64_t t, int64_t ticks, sqt_dec qty)
{
    int64_t open = t - t % bt->p.risk_interval_ms;
    if (bt->have_bar && open != bt->bar_open) {
        sqt_kline k;
        int r;
        memset(&k, 0, sizeof(k));
        snprintf(k.symbol, sizeof(k.symbol), "%s", bt->symbol);
        snprintf(k.interval, sizeof(k.interval), "bt");
        k.open_time_ms = bt->bar_open;
        k.close_time_ms = bt->bar_open + bt->p.risk_interval_ms - 1;
        k.open = ticks_dec(bt, bt->bar_o);
        k.high = ticks_dec(bt, bt->bar_h);
        k.low = ticks_dec(bt, bt->bar_l);
        k.close = ticks_dec(bt, bt->bar_c);
        k.volume = sqt_dec_make(bt->bar_vol, BT_MONEY_SCALE);
        k.closed = 1;
        r = sqt_risk_on_kline(bt->risk, &k, t);
        if (r == SQT_RISK_TRIGGERED)
            set_pause(bt, 1);
        else if (r == SQT_RISK_RECOVERED)
            set_pause(bt, 0);
        bt->have_bar = 0;
    }
    if (!bt->have_bar) {
        bt->have_bar = 1;
        bt->bar_open = open;
        bt->bar_o = bt->bar_h = bt->bar_l = ticks;
        bt->bar_vol = 0;
    }
    if (ticks > bt->bar_h)
        bt->bar_h = ticks;
    if (ticks < bt->bar_l)
        bt->bar_l = ticks;
    bt->bar_c = ticks;
    {
        /* a statistic: saturate rather than overflow on absurd volumes */
        i128 v = (i128)bt->bar_vol + money_of(qty);
        bt->bar_vol = v > INT64_MAX ? INT64_MAX : (int64_t)v;
    }
}

static void chart_point(sqt_bt *bt, int64_t ticks, i128 eq)
{
    int64_t k;
    col *c;
    if (!bt->p.chart)
        return;
    k = (bt->now - bt->col_t0) / bt->col_w;
    while (k >= BT_CHART_COLS) {
        /* twice as wide: merge neighbours */
        size_t i;
        for (i = 0; i < BT_CHART_COLS / 2; i++) {
            col a = bt->cols[2 * i], b = bt->cols[2 * i + 1];
            if (a.used && b.used) {
                a.lo = a.lo < b.lo ? a.lo : b.lo;
                a.hi = a.hi > b.hi ? a.hi : b.hi;
                a.last = b.last;
                a.pos = b.pos;
                a.equity = b.equity;
            } else if (b.used) {
                a = b;
            }
            bt->cols[i] = a;
        }
        memset(bt->cols + BT_CHART_COLS / 2, 0, BT_CHART_COLS / 2 * sizeof(col));
        bt->col_w *= 2;
        k = (bt->now - bt->col_t0) / bt->col_w;
    }
    c = &bt->cols[k];
    if (!c->used) {
        c->used = 1;
        c->lo = c->hi = ticks;
    }
    if (ticks < c->lo)
        c->lo = ticks;
    if (ticks > c->hi)
        c->hi = ticks;
    c->last = ticks;
    c->pos = bt->pos;
    c->equity = (int64_t)eq;
}

static int start(sqt_bt *bt, int64_t t, int64_t ticks, char *err, size_t errlen)
{
    sqt_match_config mc;
    sqt_error me;
    sqt_executor_cbs cbs;
    sqt_dec zero = sqt_dec_make(0, 0);
    int rc;
    sqt_match_config_default(&mc, bt->symbol);
    snprintf(mc.margin_asset, sizeof(mc.margin_asset), "%s", bt->quote);
    mc.tick_size = bt->p.info.tick_size;
    mc.step_size = bt->p.info.step_size;
    mc.min_qty = bt->p.info.min_qty;
    mc.min_notional = bt->p.info.min_notional;
    mc.balance = bt->p.balance;
    mc.leverage = bt->p.leverage;
    mc.maker_fee = bt->p.maker_fee;
    mc.taker_fee = bt->p.taker_fee;
    mc.max_open_orders = bt->p.info.max_open_orders > 0 ? bt->p.info.max_open_orders : 200;
    mc.history_max = 100000;
    memset(&me, 0, sizeof(me));
    if ((rc = sqt_match_new(&mc, on_emit, bt, &bt->m, &me)) != SQT_OK) {
        snprintf(err, errlen, "simulated exchange: %s", me.message);
        return rc;
    }
    bt->now = t;
    bt->last_ticks = ticks;
    sqt_match_on_price(bt->m, ticks_dec(bt, ticks), t);
    memset(&cbs, 0, sizeof(cbs));
    cbs.ud = bt;
    cbs.on_place = x_on_place;
    cbs.on_cancel = x_on_cancel;
    cbs.on_query = x_on_query;
    bt->x = sqt_xpolicy_new(&bt->p.exec, &cbs, NULL, (uint64_t)t);
    if (bt->x == NULL)
        return SQT_ENOMEM;
    if ((rc = sqt_grid_start(bt->g, ticks_dec(bt, ticks), t)) != 0 ||
        (rc = sqt_grid_reconcile(bt->g, NULL, 0, &zero, t)) != 0) {
        snprintf(err, errlen, "grid engine: cannot start: %s", sqt_strerror(rc));
        return rc;
    }
    bt->next_house = t + BT_HOUSEKEEPING_MS;
    bt->next_cleanup = t + bt->p.cleanup_interval_ms;
    bt->x_wake = UINT64_MAX;
    bt->first_ms = t;
    bt->first_ticks = bt->low_ticks = bt->high_ticks = ticks;
    bt->col_t0 = t;
    bt->col_w = 1000;
    bt->cur_min = t / 60000;
    bt->peak = bt->cash;
    bt->started = 1;
    return 0;
}

int sqt_bt_new(const sqt_bt_params *p, sqt_bt **out, char *err, size_t errlen)
{
    sqt_bt *bt;
    sqt_grid_params gp;
    int32_t sc;
    int rc;
    *out = NULL;
    if (p->info.tick_size.mant <= 0 || p->info.step_size.mant <= 0 || p->info.tick_size.scale < 0 ||
        p->info.tick_size.scale > 12 || p->info.step_size.scale < 0 || p->info.step_size.scale > 12) {
        snprintf(err, errlen, "tick and step must be > 0 with at most 12 decimals");
        return SQT_EINVAL;
    }
    if (p->latency_ms < 0 || p->cleanup_interval_ms <= 0 || p->leverage < 1 ||
        (p->risk_enabled && p->risk_interval_ms <= 0)) {
        snprintf(err, errlen, "latency >= 0, cleanup interval > 0, leverage >= 1 required");
        return SQT_EINVAL;
    }
    if ((bt = calloc(1, sizeof(*bt))) == NULL)
        return SQT_ENOMEM;
    bt->p = *p;
    {
        /* the largest batch the policy may send (it caps both at its maximum) */
        size_t items = SQT_XPOLICY_MAX_BATCH, place = sizeof(sqt_place_result);
        size_t cancel = sizeof(sqt_cancel_result), one = sizeof(sqt_order);
        size_t item = place > cancel ? place : cancel;
        bt->res_cap = items * (item > one ? item : one);
    }
    snprintf(bt->symbol, sizeof(bt->symbol), "%s", p->info.symbol);
    snprintf(bt->quote, sizeof(bt->quote), "%s", p->info.quote_asset[0] ? p->info.quote_asset : "USDT");
    snprintf(bt->tag, sizeof(bt->tag), "%s", p->grid.instance_tag ? p->grid.instance_tag : "bt");
    bt->p.events = p->events;
    bt->tick_m = p->info.tick_size.mant;
    bt->tick_s = p->info.tick_size.scale;
    bt->step_m = p->info.step_size.mant;
    bt->step_s = p->info.step_size.scale;
    sc = bt->tick_s + bt->step_s;
    bt->eq_mul = (i128)bt->tick_m * bt->step_m;
    bt->eq_div = 1;
    if (sc <= BT_MONEY_SCALE)
        bt->eq_mul *= P10[BT_MONEY_SCALE - sc];
    else
        bt->eq_div = P10[sc - BT_MONEY_SCALE];
    bt->cash = money_of(p->balance);
    bt->max_buy = INT64_MIN;
    bt->min_sell = INT64_MAX;
    bt->pause_since = -1;
    gp = p->grid;
    gp.symbol = bt->symbol;
    gp.quote_asset = bt->quote;
    gp.tick_size = p->info.tick_size;
    gp.step_size = p->info.step_size;
    gp.min_qty = p->info.min_qty;
    gp.min_notional = p->info.min_notional;
    gp.instance_tag = bt->tag;
    if (gp.client_id_max_len <= 0)
        gp.client_id_max_len = p->info.client_id_max_len;
    if ((rc = sqt_grid_new(&gp, &bt->g, err, errlen)) != 0) {
        free(bt);
        return rc;
    }
    if (p->events == NULL) /* no event log: only the kinds sink_event counts are built */
        sqt_grid_set_events(bt->g, ((uint64_t)1 << SQT_GRID_EV_REJECTED) |
                                       ((uint64_t)1 << SQT_GRID_EV_MARGIN_LOCK) |
                                       ((uint64_t)1 << SQT_GRID_EV_RISK_PAUSE));
    if (p->chart && (bt->cols = calloc(BT_CHART_COLS, sizeof(col))) == NULL) {
        sqt_bt_free(bt);
        return SQT_ENOMEM;
    }
    if (p->risk_enabled) {
        sqt_risk_params rp;
        const char *syms[1];
        syms[0] = bt->symbol;
        memset(&rp, 0, sizeof(rp));
        rp.symbols = syms;
        rp.n_symbols = 1;
        rp.window = p->risk_window;
        rp.volume_multiplier = p->risk_volume_multiplier;
        rp.recovery_threshold = 1;
        rp.min_pause_ms = 60000;
        if ((bt->risk = sqt_risk_new(&rp)) == NULL) {
            snprintf(err, errlen, "risk monitor: cannot start");
            sqt_bt_free(bt);
            return SQT_EINVAL;
        }
    }
    *out = bt;
    return 0;
}

void sqt_bt_free(sqt_bt *bt)
{
    if (bt == NULL)
        return;
    while (bt->qn > 0) {
        dlv *d = &bt->q[bt->qh];
        if (d->b)
            sqt_xpolicy_discard(bt->x, d->b);
        if (d->res != NULL)
            free((res_hdr *)d->res - 1);
        bt->qh = (bt->qh + 1) % bt->qcap;
        bt->qn--;
    }
    while (bt->nspare_res > 0)
        free(bt->spare_res[--bt->nspare_res]);
    free(bt->q);
    free(bt->rest);
    sqt_xpolicy_free(bt->x);
    sqt_grid_free(bt->g);
    sqt_match_free(bt->m);
    sqt_risk_free(bt->risk);
    free(bt->cols);
    free(bt->fp);
    free(bt);
}

int sqt_bt_on_trade(sqt_bt *bt, int64_t t, sqt_dec price, sqt_dec qty, char *err, size_t errlen)
{
    int64_t ticks = to_ticks(bt, price);
    i128 eq, dd;
    int rc;
    if (bt->finished) {
        snprintf(err, errlen, "backtest already finished");
        return SQT_ESTATE;
    }
    if (ticks <= 0) {
        snprintf(err, errlen, "price is below half a tick or too large");
        return SQT_EINVAL;
    }
    if (!bt->started) {
        if ((rc = start(bt, t, ticks, err, errlen)) != 0)
            return rc;
    } else {
        if (t < bt->now) {
            snprintf(err, errlen, "time goes backwards (%lld < %lld)", (long long)t,
                     (long long)bt->now);
            return SQT_EINVAL;
        }
        advance(bt, t);
    }
    bt->trades++;
    bt->last_ms = t;
    if (ticks < bt->low_ticks)
        bt->low_ticks = ticks;
    if (ticks > bt->high_ticks)
        bt->high_ticks = ticks;
    if (bt->risk)
        risk_bar(bt, t, ticks, qty);
    bt->last_ticks = ticks;
    if (bt->bounds_dirty)
        bounds(bt);
    if (bt->p.no_fast_path || ticks <= bt->max_buy || ticks >= bt->min_sell) {
        bt->match_stale = 0;
        sqt_match_on_price(bt->m, ticks_dec(bt, ticks), t);
    } else {
        bt->match_stale = 1;
    }
    sqt_grid_on_price_ticks(bt->g, ticks, t);
    if (turn(bt))
        bt->quiet_ticks = 0;
    if (bt->err) {
        snprintf(err, errlen, "%s", bt->err == SQT_ENOMEM ? "out of memory"
                                                            : "the engine and the simulated exchange "
                                                              "did not settle at this trade");
        return bt->err;
    }
    eq = equity_at(bt, ticks);
    if (eq > bt->peak)
        bt->peak = eq;
    dd = bt->peak - eq;
    if (dd > bt->max_dd) {
        bt->max_dd = dd;
        bt->max_dd_pct_bp = bt->peak > 0 ? (int64_t)div_round(dd * 10000, bt->peak) : 0;
    }
    chart_point(bt, ticks, eq);
    return 0;
}

int sqt_bt_finish(sqt_bt *bt, char *err, size_t errlen)
{
    int64_t end;
    if (!bt->started) {
        snprintf(err, errlen, "no trades in the selected time range");
        return SQT_EINVAL;
    }
    if (bt->finished)
        return 0;
    /* the answers in flight land; nothing else happens after the last trade */
    end = bt->now + bt->p.latency_ms;
    while (bt->qn > 0 && bt->q[bt->qh].due <= end) {
        bt->now = bt->q[bt->qh].due;
        turn(bt);
    }
    if (bt->pause_since >= 0) {
        bt->risk_pause_ms += bt->last_ms - bt->pause_since;
        bt->pause_since = -1;
    }
    bt->finished = 1;
    if (bt->err) {
        snprintf(err, errlen, "%s", bt->err == SQT_ENOMEM ? "out of memory" : "the run did not settle");
        return bt->err;
    }
    return 0;
}

void sqt_bt_summary_get(const sqt_bt *bt, sqt_bt_summary *s)
{
    sqt_grid_status st;
    i128 eq, net;
    double mins;
    memset(s, 0, sizeof(*s));
    s->exchange = bt->p.exchange ? bt->p.exchange : "paper";
    snprintf(s->symbol, sizeof(s->symbol), "%s", bt->symbol);
    s->trades = bt->trades;
    s->first_ms = bt->first_ms;
    s->last_ms = bt->last_ms;
    s->first_price = sqt_dec_normalize(ticks_dec(bt, bt->first_ticks));
    s->last_price = sqt_dec_normalize(ticks_dec(bt, bt->last_ticks));
    s->low_price = sqt_dec_normalize(ticks_dec(bt, bt->low_ticks));
    s->high_price = sqt_dec_normalize(ticks_dec(bt, bt->high_ticks));
    s->balance = sqt_dec_normalize(bt->p.balance);
    eq = equity_at(bt, bt->last_ticks);
    net = eq - money_of(bt->p.balance);
    s->equity = dec_money(eq);
    s->net_pnl = dec_money(net);
    sqt_grid_get_status(bt->g, &st);
    s->realized_pnl = sqt_dec_normalize(st.realized_pnl);
    s->unrealized_pnl = dec_money(net - money_of(st.realized_pnl));
    s->fees = dec_money(bt->fees);
    s->volume = dec_money(bt->volume);
    s->round_trips = st.round_trips;
    s->fills = bt->fills;
    s->buy_fills = bt->buy_fills;
    s->sell_fills = bt->sell_fills;
    s->position = sqt_dec_normalize(sqt_dec_make(bt->pos * bt->step_m, bt->step_s));
    s->max_inventory = sqt_dec_normalize(sqt_dec_make(bt->max_pos_abs * bt->step_m, bt->step_s));
    s->max_inventory_value = dec_money(bt->max_pos_value);
    s->max_margin_used = dec_money(bt->max_margin);
    s->max_drawdown = dec_money(bt->max_dd);
    s->max_drawdown_pct = sqt_dec_normalize(sqt_dec_make(bt->max_dd_pct_bp, 2));
    s->orders_placed = st.orders_placed;
    s->post_only_rejects = bt->post_only_rejects;
    s->rejects = bt->rejects;
    s->margin_locks = bt->margin_locks;
    s->post_only_degrades = st.post_only_degrades;
    s->risk_pauses = bt->risk_pauses;
    s->risk_pause_ms = bt->risk_pause_ms;
    s->requests = bt->requests;
    s->orders_sent = bt->orders_sent;
    mins = (double)(bt->last_ms - bt->first_ms) / 60000.0;
    s->requests_per_min_avg = mins >= 1.0 ? (double)bt->requests / mins : (double)bt->requests;
    s->requests_per_min_max = bt->max_req_min;
    s->orders_per_min_max = bt->max_ord_min;
    s->orders_per_min_limit = bt->p.orders_per_min_limit;
    s->token_bucket_per_min = (bt->p.exec.rate_per_sec > 0 ? bt->p.exec.rate_per_sec : 25) * 60;
    s->anchor = st.anchor;
    s->interval = sqt_dec_normalize(bt->p.grid.price_interval);
}

int sqt_bt_chart_view_get(const sqt_bt *bt, sqt_bt_chart_view *v)
{
    sqt_grid_status st;
    memset(v, 0, sizeof(*v));
    if (!bt->p.chart || !bt->started)
        return -1;
    v->cols = bt->cols;
    v->ncols = BT_CHART_COLS;
    v->t0 = bt->col_t0;
    v->width_ms = bt->col_w;
    v->fills = bt->fp;
    v->nfills = bt->nfp;
    v->tick = bt->p.info.tick_size;
    v->step = bt->p.info.step_size;
    sqt_grid_get_status(bt->g, &st);
    v->anchor_ticks = to_ticks(bt, st.anchor);
    v->interval_ticks = to_ticks(bt, bt->p.grid.price_interval);
    sqt_bt_summary_get(bt, &v->summary);
    return 0;
}

const sqt_grid *sqt_bt_grid(const sqt_bt *bt)
{
    return bt->g;
}

uint64_t sqt_bt_gaps_crossed(const sqt_bt *bt)
{
    return bt->gaps_skipped;
}
