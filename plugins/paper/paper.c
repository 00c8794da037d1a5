/* The `paper` exchange: an in-process simulated USDT perpetual, the default exchange.
 * Built against <opensqt/plugin.h> only, like any third-party plugin; needs no keys.
 *
 * A market timer (host timer, every tick_ms) moves the price path (pricepath.h) and
 * feeds each price to the matching core (match.h); the account's resting orders fill
 * there. Every callback — API results, order pushes, stream states, the first price —
 * goes through one FIFO delivered by a host one-shot timer latency_ms later, so nothing
 * is ever called from inside the call that caused it. Later price ticks and kline pushes
 * are made from the market timer itself (already on the loop).
 *
 * Klines (kbars.h): the trading symbol's 1m bars come from the prices the path produced
 * (for a generated path also `history_minutes` of history drawn backwards so that it
 * leads into start_price); any other symbol gets a steady synthetic series, so a risk
 * monitor watching BTCUSDT, SOLUSDT, ... has data and never sees a panic there. */
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>
#include <opensqt/pluginkit.h>

#include "kbars.h"
#include "match.h"
#include "pricepath.h"

#define MAX_KSUBS 64           /* symbols of one kline subscription */
#define MAX_POINTS_PER_TICK 100000
#define FORMING_PUSH_MS 1000   /* forming kline pushes at most once a second */

typedef enum dkind {
    D_SYMBOL,
    D_ACCOUNT,
    D_POSITIONS,
    D_ORDERS,
    D_PLACE,
    D_CANCEL,
    D_KLINES,
    D_PUSH_ORDER,
    D_PUSH_PRICE,
    D_STREAM_STATE
} dkind;

enum { STREAM_PRICE, STREAM_ORDERS, STREAM_KLINES };

/* Function pointers cannot be stored in void * portably; keep them in a union. */
typedef union anycb {
    sqt_symbol_info_cb sym;
    sqt_account_cb acct;
    sqt_positions_cb pos;
    sqt_orders_cb orders;
    sqt_place_cb place;
    sqt_cancel_cb cancel;
    sqt_klines_cb klines;
} anycb;

typedef struct delivery {
    struct delivery *next;
    dkind kind;
    uint64_t due_ms;
    anycb cb;                  /* API results: the member named by kind */
    void *ud;
    sqt_error err;
    int status;
    union {
        sqt_symbol_info info;
        sqt_account acct;
        sqt_position pos;
        sqt_order order;       /* D_PUSH_ORDER */
        sqt_price_tick tick;   /* D_PUSH_PRICE */
        struct {
            int stream;
            sqt_stream_state st;
        } state;
    } u;
    void *items;               /* D_ORDERS / D_PLACE / D_CANCEL / D_KLINES */
    size_t n;
} delivery;

typedef struct dlist {
    delivery *head, *tail;
    size_t n;
} dlist;

typedef struct ksub {
    char symbol[SQT_SYMBOL_MAX];
    int64_t cur_open;          /* open time of the interval being formed, -1 none yet */
    int64_t last_forming_ms;
} ksub;

typedef enum pstate { P_IDLE, P_RUNNING, P_CLOSING, P_CLOSED } pstate;

struct sqt_exchange {
    const sqt_host_api *api;
    sqt_host *host;
    char symbol[SQT_SYMBOL_MAX];
    pstate state;

    sqt_match *match;
    sqt_pricepath *path;
    sqt_pricepath_model model;
    int32_t ps;                /* the tick's scale */
    int32_t max_batch_place, max_batch_cancel;
    uint64_t latency_ms;
    uint64_t tick_ms;
    double replay_speed;

    /* market */
    sqt_timer *mtimer;
    uint64_t mono_t0;
    int64_t data_t0;
    sqt_price_point peek;
    int have_peek;
    int market_ended;
    int64_t last_price;        /* mantissa at ps */
    int64_t tick_seq;

    /* fill_log: the simulated exchange's own record of every fill (JSON lines), the
     * ground truth an end-to-end test compares the host's event log with */
    FILE *fill_log;

    /* deliveries */
    dlist q;
    dlist held;                /* pushes emitted during an API call: after its result */
    int hold;
    sqt_timer *dtimer;

    /* shutdown */
    sqt_timer *stimer;
    sqt_done_cb shutdown_cb;
    void *shutdown_ud;

    /* streams */
    int has_price, has_orders, has_klines;
    sqt_price_sink price_sink;
    sqt_order_sink order_sink;
    sqt_kline_sink kline_sink;
    int64_t kline_iv_ms;
    char kline_iv[SQT_INTERVAL_MAX];
    ksub ksubs[MAX_KSUBS];
    size_t n_ksubs;

    sqt_kbars *bars;           /* klines of this and any other symbol */
};

/* ------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void plog(sqt_exchange *ex, int level,
                                                      const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ex->api->log(ex->host, level, buf);
}

__attribute__((format(printf, 3, 4))) static void seterr(sqt_error *err, int code,
                                                        const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return;
    memset(err, 0, sizeof *err);
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static uint64_t mono_ms(sqt_exchange *ex)
{
    return ex->api->mono_ns(ex->host) / 1000000u;
}

static int64_t wall_ms(sqt_exchange *ex)
{
    return ex->api->wall_ms(ex->host);
}

static int valid_symbol(const char *s)
{
    size_t i, n;
    if (s == NULL)
        return 0;
    n = strnlen(s, SQT_SYMBOL_MAX);
    if (n == 0 || n >= SQT_SYMBOL_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------------------------
 * Delivery queue
 * ---------------------------------------------------------------------------------- */

static void dlist_push(dlist *l, delivery *d)
{
    d->next = NULL;
    if (l->tail)
        l->tail->next = d;
    else
        l->head = d;
    l->tail = d;
    l->n++;
}

static delivery *dlist_pop(dlist *l)
{
    delivery *d = l->head;
    if (d == NULL)
        return NULL;
    l->head = d->next;
    if (l->head == NULL)
        l->tail = NULL;
    l->n--;
    d->next = NULL;
    return d;
}

static void delivery_free(delivery *d)
{
    if (d == NULL)
        return;
    free(d->items);
    free(d);
}

static void dlist_clear(dlist *l)
{
    delivery *d;
    while ((d = dlist_pop(l)) != NULL)
        delivery_free(d);
}

static void dtimer_fire(void *ud);

static void schedule(sqt_exchange *ex)
{
    uint64_t now, wait;
    if (ex->state != P_RUNNING || ex->dtimer != NULL || ex->q.head == NULL)
        return;
    now = mono_ms(ex);
    wait = ex->q.head->due_ms > now ? ex->q.head->due_ms - now : 0;
    if (ex->api->timer_start(ex->host, wait, 0, dtimer_fire, ex, &ex->dtimer) != SQT_OK) {
        ex->dtimer = NULL;
        plog(ex, SQT_LOG_ERROR, "paper: cannot start the delivery timer");
    }
}

static delivery *dnew(sqt_exchange *ex, dkind kind)
{
    delivery *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->kind = kind;
    d->due_ms = mono_ms(ex) + ex->latency_ms;
    return d;
}

/* A result delivery with a zeroed array of n items (at least one: calloc(0) may be NULL). */
static delivery *dnew_items(sqt_exchange *ex, dkind kind, size_t n, size_t item_size)
{
    delivery *d = dnew(ex, kind);
    if (d == NULL)
        return NULL;
    d->items = calloc(n ? n : 1, item_size);
    if (d->items == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

/* Queue an API result for cb: after it, the pushes its call emitted. */
static void enqueue_result(sqt_exchange *ex, delivery *d, anycb cb, void *ud)
{
    delivery *h;
    d->cb = cb;
    d->ud = ud;
    dlist_push(&ex->q, d);
    while ((h = dlist_pop(&ex->held)) != NULL) {
        h->due_ms = d->due_ms;
        dlist_push(&ex->q, h);
    }
    ex->hold = 0;
    schedule(ex);
}

static void enqueue_push(sqt_exchange *ex, delivery *d)
{
    if (ex->hold) {
        dlist_push(&ex->held, d);
        return;
    }
    dlist_push(&ex->q, d);
    schedule(ex);
}

static int is_api(dkind k)
{
    return k != D_PUSH_ORDER && k != D_PUSH_PRICE && k != D_STREAM_STATE;
}

/* Call the callback of d. `cancel`: an API result failed with SQT_ECANCELLED. */
static void deliver(sqt_exchange *ex, delivery *d, int cancel)
{
    anycb cb = d->cb;
    sqt_error cerr;
    const sqt_error *e = &d->err;
    if (cancel) {
        memset(&cerr, 0, sizeof cerr);
        cerr.code = SQT_ECANCELLED;
        snprintf(cerr.message, sizeof cerr.message, "paper: exchange shut down");
        e = &cerr;
    }
    switch (d->kind) {
    case D_SYMBOL:
        cb.sym(d->ud, e, cancel || e->code ? NULL : &d->u.info);
        break;
    case D_ACCOUNT:
        cb.acct(d->ud, e, cancel || e->code ? NULL : &d->u.acct);
        break;
    case D_POSITIONS:
        cb.pos(d->ud, e, cancel || e->code ? NULL : &d->u.pos, cancel || e->code ? 0 : 1);
        break;
    case D_ORDERS:
        cb.orders(d->ud, e, cancel ? NULL : d->items, cancel ? 0 : d->n);
        break;
    case D_KLINES:
        cb.klines(d->ud, e, cancel ? NULL : d->items, cancel ? 0 : d->n);
        break;
    case D_PLACE: {
        sqt_place_result *r = d->items;
        size_t i;
        if (cancel)
            for (i = 0; i < d->n; i++)
                r[i].err = cerr;
        cb.place(d->ud, cancel ? SQT_ECANCELLED : d->status, r, d->n);
        break;
    }
    case D_CANCEL: {
        sqt_cancel_result *r = d->items;
        size_t i;
        if (cancel)
            for (i = 0; i < d->n; i++)
                r[i].err = cerr;
        cb.cancel(d->ud, cancel ? SQT_ECANCELLED : d->status, r, d->n);
        break;
    }
    case D_PUSH_ORDER:
        if (ex->has_orders)
            ex->order_sink.on_order(ex->order_sink.ud, &d->u.order);
        break;
    case D_PUSH_PRICE:
        if (ex->has_price)
            ex->price_sink.on_price(ex->price_sink.ud, &d->u.tick);
        break;
    case D_STREAM_STATE: {
        const sqt_error *se = d->err.code ? &d->err : NULL;
        if (d->u.state.stream == STREAM_PRICE && ex->has_price && ex->price_sink.on_state)
            ex->price_sink.on_state(ex->price_sink.ud, d->u.state.st, se);
        else if (d->u.state.stream == STREAM_ORDERS && ex->has_orders &&
                 ex->order_sink.on_state)
            ex->order_sink.on_state(ex->order_sink.ud, d->u.state.st, se);
        else if (d->u.state.stream == STREAM_KLINES && ex->has_klines &&
                 ex->kline_sink.on_state)
            ex->kline_sink.on_state(ex->kline_sink.ud, d->u.state.st, se);
        break;
    }
    }
}

static void dtimer_fire(void *ud)
{
    sqt_exchange *ex = ud;
    uint64_t now;
    size_t budget;
    ex->dtimer = NULL; /* a one-shot is released by the host after this call */
    now = mono_ms(ex);
    budget = ex->q.n; /* what a callback queues now waits for the next round */
    while (budget-- > 0 && ex->state == P_RUNNING && ex->q.head != NULL &&
           ex->q.head->due_ms <= now) {
        delivery *d = dlist_pop(&ex->q);
        deliver(ex, d, 0);
        delivery_free(d);
    }
    schedule(ex);
}

/* ------------------------------------------------------------------------------------
 * Klines
 * ---------------------------------------------------------------------------------- */

/* Kline pushes for the subscription, from the market timer: the forming kline about
 * once a second, the final one (closed) when its interval rolls over. */
static void klines_stream_step(sqt_exchange *ex, int64_t now)
{
    size_t i;
    for (i = 0; i < ex->n_ksubs && ex->state == P_RUNNING && ex->has_klines; i++) {
        ksub *s = &ex->ksubs[i];
        int64_t open = sqt_kbars_current_open(ex->bars, s->symbol, ex->kline_iv_ms, now);
        sqt_kline k;
        if (s->cur_open >= 0 && open > s->cur_open) {
            if (sqt_kbars_get(ex->bars, s->symbol, ex->kline_iv, s->cur_open,
                              s->cur_open + ex->kline_iv_ms, &k)) {
                k.closed = 1;
                ex->kline_sink.on_kline(ex->kline_sink.ud, &k);
                if (ex->state != P_RUNNING || !ex->has_klines)
                    return;
            }
            s->last_forming_ms = INT64_MIN;
        }
        s->cur_open = open;
        if (s->last_forming_ms == INT64_MIN || now - s->last_forming_ms >= FORMING_PUSH_MS) {
            s->last_forming_ms = now;
            if (sqt_kbars_get(ex->bars, s->symbol, ex->kline_iv, open, now, &k)) {
                k.closed = 0;
                ex->kline_sink.on_kline(ex->kline_sink.ud, &k);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Market
 * ---------------------------------------------------------------------------------- */

static void log_fill(sqt_exchange *ex, const sqt_order *o)
{
    char q[48], p[48], f[48], cum[48];
    if (sqt_dec_format(o->last_fill_qty, q, sizeof q) < 0 ||
        sqt_dec_format(o->last_fill_price, p, sizeof p) < 0 ||
        sqt_dec_format(o->fee, f, sizeof f) < 0 || sqt_dec_format(o->filled_qty, cum, sizeof cum) < 0)
        return;
    /* client ids are validated ([A-Za-z0-9._:/-]), so they need no JSON escaping */
    fprintf(ex->fill_log,
            "{\"client_id\":\"%s\",\"order_id\":\"%s\",\"side\":\"%s\",\"fill_qty\":\"%s\","
            "\"fill_price\":\"%s\",\"fee\":\"%s\",\"filled_qty\":\"%s\"}\n",
            o->client_id, o->order_id, o->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, f, cum);
    fflush(ex->fill_log);
}

static void on_match_emit(void *ud, const sqt_order *o)
{
    sqt_exchange *ex = ud;
    delivery *d;
    if (ex->fill_log != NULL && o->last_fill_qty.mant != 0)
        log_fill(ex, o);
    if (!ex->has_orders || ex->state != P_RUNNING)
        return; /* nobody listens: like a stream that is not connected */
    d = dnew(ex, D_PUSH_ORDER);
    if (d == NULL) {
        plog(ex, SQT_LOG_ERROR, "paper: out of memory: order update of %s lost", o->client_id);
        return;
    }
    d->u.order = *o;
    enqueue_push(ex, d);
}

static void market_point(sqt_exchange *ex, const sqt_price_point *pt, int64_t now)
{
    int rc = sqt_match_on_price(ex->match, pt->price, now);
    if (rc < 0)
        plog(ex, SQT_LOG_ERROR, "paper: price rejected by the matching core: %s",
             sqt_strerror(rc));
    ex->last_price = pt->price.mant;
    sqt_kbars_trade(ex->bars, pt->price, pt->qty, now);
}

static void stream_state(sqt_exchange *ex, int stream, sqt_stream_state st, int code,
                         const char *msg)
{
    delivery *d = dnew(ex, D_STREAM_STATE);
    if (d == NULL)
        return;
    d->u.state.stream = stream;
    d->u.state.st = st;
    if (code != SQT_OK)
        seterr(&d->err, code, "%s", msg);
    enqueue_push(ex, d);
}

static void market_stop(sqt_exchange *ex, int code, const char *why)
{
    if (ex->mtimer != NULL) {
        ex->api->timer_stop(ex->host, ex->mtimer);
        ex->mtimer = NULL;
    }
    ex->market_ended = 1;
    plog(ex, code == SQT_OK ? SQT_LOG_INFO : SQT_LOG_ERROR, "paper: %s", why);
    if (ex->has_price)
        stream_state(ex, STREAM_PRICE, SQT_STREAM_FAILED, code == SQT_OK ? SQT_ENOENT : code,
                     why);
}

static void make_tick(sqt_exchange *ex, int64_t now, sqt_price_tick *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->symbol, sizeof t->symbol, "%s", ex->symbol);
    t->price = sqt_dec_make(ex->last_price, ex->ps);
    t->time_ms = now;
    t->seq = ++ex->tick_seq;
}

static void mtimer_fire(void *ud)
{
    sqt_exchange *ex = ud;
    int64_t now = wall_ms(ex);
    char err[256];
    int moved = 0;
    if (ex->state != P_RUNNING)
        return;
    if (ex->model == SQT_PATH_CSV) {
        double elapsed = (double)(mono_ms(ex) - ex->mono_t0);
        int64_t target = ex->data_t0 + (int64_t)(elapsed * ex->replay_speed);
        int n = 0;
        while (n < MAX_POINTS_PER_TICK) {
            if (!ex->have_peek) {
                int r = sqt_pricepath_next(ex->path, &ex->peek, err, sizeof err);
                if (r == 0) {
                    market_stop(ex, SQT_OK, "price replay reached the end of the file");
                    break;
                }
                if (r < 0) {
                    market_stop(ex, SQT_EPROTO, err);
                    break;
                }
                ex->have_peek = 1;
            }
            if (ex->peek.time_ms > target)
                break;
            market_point(ex, &ex->peek, now);
            ex->have_peek = 0;
            moved = 1;
            n++;
        }
    } else {
        sqt_price_point pt;
        if (sqt_pricepath_next(ex->path, &pt, err, sizeof err) == 1) {
            market_point(ex, &pt, now);
            moved = 1;
        }
    }
    if (moved && ex->has_price && ex->state == P_RUNNING) {
        sqt_price_tick t;
        make_tick(ex, now, &t);
        ex->price_sink.on_price(ex->price_sink.ud, &t);
    }
    if (ex->state == P_RUNNING && ex->has_klines)
        klines_stream_step(ex, now);
}

/* The market starts with the first call that needs the exchange to be live. */
static int ensure_running(sqt_exchange *ex)
{
    if (ex->state == P_RUNNING)
        return SQT_OK;
    if (ex->state != P_IDLE)
        return SQT_ESTATE;
    if (!ex->market_ended &&
        ex->api->timer_start(ex->host, ex->tick_ms, ex->tick_ms, mtimer_fire, ex, &ex->mtimer) !=
            SQT_OK) {
        ex->mtimer = NULL;
        plog(ex, SQT_LOG_ERROR, "paper: cannot start the market timer");
        return SQT_ESTATE;
    }
    ex->mono_t0 = mono_ms(ex);
    ex->state = P_RUNNING;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * Config
 * ---------------------------------------------------------------------------------- */

typedef struct pcfg {
    sqt_match_config m;
    sqt_pricepath_config p;
    char csv[4096];
    char fill_log[4096];
    int64_t history_minutes;
    int64_t latency_ms, tick_ms, batch_place, batch_cancel;
    double replay_speed;
} pcfg;

static int dec_pos(sqt_dec d)
{
    return d.mant > 0;
}

/* Read and check every key of the block; defaults for an ETHUSDT-like contract. */
static int read_config(const sqt_host_api *api, sqt_host *h, const char *blk, const char *sym,
                       pcfg *c, sqt_error *err)
{
    sqt_kit_cfg kc;
    char model[16];
    int64_t v;
    int r, loop = 1;
    double sigma = 0.0001, drift = 0;
    sqt_dec start = sqt_dec_make(300000, 2);

    kc.api = api;
    kc.host = h;
    kc.block = blk;
    memset(c, 0, sizeof *c);
    sqt_match_config_default(&c->m, sym);
    c->history_minutes = 60;
    c->latency_ms = 5;
    c->tick_ms = 250;
    c->batch_place = 5;
    c->batch_cancel = 10;
    c->replay_speed = 1.0;
    c->p.model = SQT_PATH_GBM;
    c->p.seed = 1;

#define TRY(x)                                                                           \
    do {                                                                                 \
        if ((x) < 0)                                                                     \
            return SQT_EINVAL;                                                           \
    } while (0)

    TRY(sqt_kit_cfg_dec(&kc, "tick_size", &c->m.tick_size, err));
    TRY(sqt_kit_cfg_dec(&kc, "step_size", &c->m.step_size, err));
    c->m.min_qty = c->m.step_size;
    TRY(sqt_kit_cfg_dec(&kc, "min_qty", &c->m.min_qty, err));
    TRY(sqt_kit_cfg_dec(&kc, "min_notional", &c->m.min_notional, err));
    TRY(sqt_kit_cfg_dec(&kc, "balance", &c->m.balance, err));
    TRY(sqt_kit_cfg_dec(&kc, "maker_fee", &c->m.maker_fee, err));
    TRY(sqt_kit_cfg_dec(&kc, "taker_fee", &c->m.taker_fee, err));
    TRY(sqt_kit_cfg_dec(&kc, "partial_fill_qty", &c->m.partial_fill_qty, err));
    v = c->m.leverage;
    TRY(sqt_kit_cfg_int(&kc, "leverage", 1, 125, &v, err));
    c->m.leverage = (int32_t)v;
    v = c->m.max_open_orders;
    TRY(sqt_kit_cfg_int(&kc, "max_open_orders", 1, 10000, &v, err));
    c->m.max_open_orders = (int32_t)v;
    TRY(sqt_kit_cfg_int(&kc, "max_batch_place", 1, 100, &c->batch_place, err));
    TRY(sqt_kit_cfg_int(&kc, "max_batch_cancel", 1, 100, &c->batch_cancel, err));
    TRY(sqt_kit_cfg_int(&kc, "latency_ms", 0, 60000, &c->latency_ms, err));
    TRY(sqt_kit_cfg_int(&kc, "tick_ms", 1, 3600000, &c->tick_ms, err));
    TRY(sqt_kit_cfg_int(&kc, "history_minutes", 0, SQT_KBARS_CAP, &c->history_minutes, err));
    v = 1;
    TRY(sqt_kit_cfg_int(&kc, "seed", 0, INT64_MAX, &v, err));
    c->p.seed = (uint64_t)v;
    TRY(sqt_kit_cfg_dec(&kc, "start_price", &start, err));
    TRY(sqt_kit_cfg_dbl(&kc, "volatility", 0, 0.5, &sigma, err));
    TRY(sqt_kit_cfg_dbl(&kc, "drift", -0.1, 0.1, &drift, err));
    TRY(sqt_kit_cfg_dbl(&kc, "replay_speed", 1e-3, 1e6, &c->replay_speed, err));
    TRY(sqt_kit_cfg_bool(&kc, "loop", &loop, err));
    TRY(sqt_kit_cfg_str(&kc, "fill_log", c->fill_log, sizeof c->fill_log, err));
    TRY(r = sqt_kit_cfg_str(&kc, "csv", c->csv, sizeof c->csv, err));
    if (r == 1)
        c->p.model = SQT_PATH_CSV;
    TRY(r = sqt_kit_cfg_str(&kc, "model", model, sizeof model, err));
    if (r == 1) {
        if (strcmp(model, "gbm") == 0 && c->p.model != SQT_PATH_CSV)
            c->p.model = SQT_PATH_GBM;
        else if (strcmp(model, "walk") == 0 && c->p.model != SQT_PATH_CSV)
            c->p.model = SQT_PATH_WALK;
        else if (strcmp(model, "csv") == 0 && c->p.model == SQT_PATH_CSV)
            ;
        else {
            seterr(err, SQT_EINVAL,
                   "exchanges.%s.model: expected gbm or walk (or csv together with the csv "
                   "key), got \"%.15s\"",
                   blk, model);
            return SQT_EINVAL;
        }
    }
#undef TRY

    if (!dec_pos(c->m.tick_size) || !dec_pos(c->m.step_size)) {
        seterr(err, SQT_EINVAL, "exchanges.%s: tick_size and step_size must be > 0", blk);
        return SQT_EINVAL;
    }
    if (!dec_pos(start)) {
        seterr(err, SQT_EINVAL, "exchanges.%s.start_price: must be > 0", blk);
        return SQT_EINVAL;
    }
    c->p.tick_size = c->m.tick_size;
    c->p.step_size = c->m.step_size;
    c->p.start_price = start;
    c->p.sigma = sigma;
    c->p.drift = drift;
    c->p.step_ms = c->tick_ms;
    c->p.csv_path = c->csv;
    c->p.loop = loop;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * Create / destroy
 * ---------------------------------------------------------------------------------- */

static void paper_destroy(sqt_exchange *ex);

static int paper_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                        sqt_exchange **out, sqt_error *err)
{
    sqt_exchange *ex;
    pcfg c;
    sqt_error local;
    char perr[512], tbuf[48], sbuf[48];
    const char *blk;
    int rc;
    if (err == NULL)
        err = &local;
    memset(err, 0, sizeof *err);
    if (out == NULL || api == NULL || args == NULL) {
        seterr(err, SQT_EINVAL, "paper: create needs the host services and arguments");
        return SQT_EINVAL;
    }
    *out = NULL;
    if (api->struct_size < offsetof(sqt_host_api, config) + sizeof api->config ||
        api->log == NULL || api->timer_start == NULL || api->config == NULL) {
        seterr(err, SQT_ENOTSUP, "paper: the host services table lacks timers or config");
        return SQT_ENOTSUP;
    }
    if (!valid_symbol(args->symbol)) {
        seterr(err, SQT_EINVAL, "paper: symbol must be 1-31 upper-case letters or digits");
        return SQT_EINVAL;
    }
    blk = args->exchange_name && args->exchange_name[0] ? args->exchange_name : "paper";
    rc = read_config(api, host, blk, args->symbol, &c, err);
    if (rc != SQT_OK)
        return rc;

    ex = calloc(1, sizeof *ex);
    if (ex == NULL) {
        seterr(err, SQT_ENOMEM, "paper: out of memory");
        return SQT_ENOMEM;
    }
    ex->api = api;
    ex->host = host;
    snprintf(ex->symbol, sizeof ex->symbol, "%s", args->symbol);
    ex->state = P_IDLE;
    ex->latency_ms = (uint64_t)c.latency_ms;
    ex->tick_ms = (uint64_t)c.tick_ms;
    ex->replay_speed = c.replay_speed;
    ex->max_batch_place = (int32_t)c.batch_place;
    ex->max_batch_cancel = (int32_t)c.batch_cancel;
    ex->model = c.p.model;

    if (c.fill_log[0]) {
        ex->fill_log = fopen(c.fill_log, "a");
        if (ex->fill_log == NULL) {
            seterr(err, SQT_EINVAL, "exchanges.%s.fill_log: cannot open %.200s", blk, c.fill_log);
            paper_destroy(ex);
            return SQT_EINVAL;
        }
    }
    rc = sqt_match_new(&c.m, on_match_emit, ex, &ex->match, err);
    if (rc != SQT_OK) {
        char m[sizeof err->message];
        const char *why = err->message;
        if (strncmp(why, "match: ", 7) == 0)
            why += 7;
        snprintf(m, sizeof m, "%s", why);
        seterr(err, rc, "exchanges.%s: %s", blk, m);
        paper_destroy(ex);
        return rc;
    }
    {
        sqt_symbol_info si;
        sqt_match_symbol_info(ex->match, &si);
        ex->ps = si.tick_size.scale;
        c.p.tick_size = si.tick_size;
        c.p.step_size = si.step_size;
        if (sqt_kbars_new(ex->symbol, si.tick_size, si.step_size, &ex->bars) != SQT_OK) {
            seterr(err, SQT_ENOMEM, "paper: out of memory");
            paper_destroy(ex);
            return SQT_ENOMEM;
        }
    }
    c.p.start_ms = wall_ms(ex);
    rc = sqt_pricepath_open(&c.p, &ex->path, perr, sizeof perr);
    if (rc != SQT_OK) {
        seterr(err, SQT_EINVAL, "exchanges.%s: %s", blk, perr);
        paper_destroy(ex);
        return SQT_EINVAL;
    }

    /* history of a generated path: drawn backwards so that it leads into start_price */
    if (c.p.model != SQT_PATH_CSV && c.history_minutes > 0) {
        sqt_pricepath_config hc = c.p;
        int64_t span = c.history_minutes * 60000;
        size_t n, i;
        sqt_price_point *hist;
        /* bounded work for fast tick rates: a coarser step with the same statistics */
        if (span / hc.step_ms > 200000) {
            int64_t step = (span + 199999) / 200000;
            double ratio = (double)step / (double)hc.step_ms;
            hc.sigma *= sqrt(ratio);
            hc.drift *= ratio;
            if (hc.sigma > 0.5)
                hc.sigma = 0.5;
            if (hc.drift > 0.1 || hc.drift < -0.1)
                hc.drift = hc.drift > 0 ? 0.1 : -0.1;
            hc.step_ms = step;
        }
        n = (size_t)(span / hc.step_ms);
        hist = calloc(n ? n : 1, sizeof *hist);
        if (hist == NULL) {
            seterr(err, SQT_ENOMEM, "paper: out of memory");
            paper_destroy(ex);
            return SQT_ENOMEM;
        }
        if (sqt_pricepath_history(&hc, n, hist, perr, sizeof perr) != SQT_OK) {
            free(hist);
            seterr(err, SQT_EINVAL, "exchanges.%s: %s", blk, perr);
            paper_destroy(ex);
            return SQT_EINVAL;
        }
        for (i = 0; i < n; i++)
            sqt_kbars_trade(ex->bars, hist[i].price, hist[i].qty, hist[i].time_ms);
        free(hist);
    }
    /* the first point: the exchange has a price before anything is asked of it */
    {
        sqt_price_point pt;
        int r = sqt_pricepath_next(ex->path, &pt, perr, sizeof perr);
        if (r != 1) {
            seterr(err, SQT_EINVAL, "exchanges.%s: %s", blk,
                   r == 0 ? "the price path has no points" : perr);
            paper_destroy(ex);
            return SQT_EINVAL;
        }
        ex->data_t0 = pt.time_ms;
        market_point(ex, &pt, c.p.start_ms);
    }

    sqt_dec_format(sqt_dec_make(ex->last_price, ex->ps), tbuf, sizeof tbuf);
    if (ex->model == SQT_PATH_CSV) {
        plog(ex, SQT_LOG_INFO,
             "paper: simulated %s replaying %s (%s, %zu points, speed %g, %s), first price %s",
             ex->symbol, c.csv,
             sqt_pricepath_csv_format(ex->path) == SQT_CSV_KLINES ? "klines" : "aggTrades",
             sqt_pricepath_csv_points(ex->path), c.replay_speed, c.p.loop ? "looping" : "once",
             tbuf);
    } else {
        plog(ex, SQT_LOG_INFO,
             "paper: simulated %s, %s path from %s, volatility %g per %lld ms step, seed %llu",
             ex->symbol, ex->model == SQT_PATH_GBM ? "GBM" : "random-walk", tbuf, c.p.sigma,
             (long long)c.tick_ms, (unsigned long long)c.p.seed);
    }
    sqt_dec_format(sqt_dec_normalize(c.m.balance), sbuf, sizeof sbuf);
    plog(ex, SQT_LOG_INFO, "paper: balance %s %s, leverage %d, no real money is at risk", sbuf,
         c.m.margin_asset, (int)c.m.leverage);
    *out = ex;
    return SQT_OK;
}

static void stop_timer(sqt_exchange *ex, sqt_timer **t)
{
    if (*t != NULL) {
        ex->api->timer_stop(ex->host, *t);
        *t = NULL;
    }
}

static void paper_destroy(sqt_exchange *ex)
{
    if (ex == NULL)
        return;
    /* normally all stopped by shutdown; destroy without shutdown must not leave any */
    stop_timer(ex, &ex->mtimer);
    stop_timer(ex, &ex->dtimer);
    stop_timer(ex, &ex->stimer);
    dlist_clear(&ex->q);
    dlist_clear(&ex->held);
    sqt_match_free(ex->match);
    sqt_pricepath_close(ex->path);
    sqt_kbars_free(ex->bars);
    if (ex->fill_log != NULL)
        fclose(ex->fill_log);
    free(ex);
}

/* ------------------------------------------------------------------------------------
 * Shutdown
 * ---------------------------------------------------------------------------------- */

static void stimer_fire(void *ud)
{
    sqt_exchange *ex = ud;
    delivery *d;
    sqt_error ok;
    sqt_done_cb cb = ex->shutdown_cb;
    void *cud = ex->shutdown_ud;
    ex->stimer = NULL;
    while ((d = dlist_pop(&ex->q)) != NULL) {
        deliver(ex, d, 1);
        delivery_free(d);
    }
    ex->state = P_CLOSED;
    memset(&ok, 0, sizeof ok);
    cb(cud, &ok); /* last: the host may destroy the instance in it */
}

static int paper_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    delivery *d;
    dlist keep = {NULL, NULL, 0};
    if (ex == NULL || cb == NULL)
        return SQT_EINVAL;
    if (ex->state == P_CLOSING || ex->state == P_CLOSED)
        return SQT_ESTATE;
    if (ex->api->timer_start(ex->host, ex->latency_ms, 0, stimer_fire, ex, &ex->stimer) !=
        SQT_OK) {
        ex->stimer = NULL;
        return SQT_ESTATE;
    }
    ex->state = P_CLOSING;
    ex->shutdown_cb = cb;
    ex->shutdown_ud = ud;
    stop_timer(ex, &ex->mtimer);
    stop_timer(ex, &ex->dtimer);
    /* API calls in flight fail with SQT_ECANCELLED; stream data is simply dropped */
    while ((d = dlist_pop(&ex->q)) != NULL) {
        if (is_api(d->kind))
            dlist_push(&keep, d);
        else
            delivery_free(d);
    }
    dlist_clear(&ex->held);
    ex->q = keep;
    ex->has_price = ex->has_orders = ex->has_klines = 0;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * Queries
 * ---------------------------------------------------------------------------------- */

static int begin(sqt_exchange *ex, int has_cb)
{
    if (ex == NULL || !has_cb)
        return SQT_EINVAL;
    return ensure_running(ex);
}

/* symbol_info, account, positions: the result is a copy of the matching core's state at
 * the time of the call. */
static int snapshot_call(sqt_exchange *ex, int has_cb, dkind kind, anycb cb, void *ud)
{
    delivery *d;
    int rc = begin(ex, has_cb);
    if (rc != SQT_OK)
        return rc;
    d = dnew(ex, kind);
    if (d == NULL)
        return SQT_ENOMEM;
    if (kind == D_SYMBOL) {
        sqt_match_symbol_info(ex->match, &d->u.info);
        d->u.info.max_batch_place = ex->max_batch_place;
        d->u.info.max_batch_cancel = ex->max_batch_cancel;
    } else if (kind == D_ACCOUNT) {
        sqt_match_account(ex->match, &d->u.acct);
    } else {
        sqt_match_position(ex->match, &d->u.pos);
    }
    enqueue_result(ex, d, cb, ud);
    return SQT_OK;
}

static int paper_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    return snapshot_call(ex, cb != NULL, D_SYMBOL, (anycb){.sym = cb}, ud);
}

static int paper_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    return snapshot_call(ex, cb != NULL, D_ACCOUNT, (anycb){.acct = cb}, ud);
}

static int paper_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    return snapshot_call(ex, cb != NULL, D_POSITIONS, (anycb){.pos = cb}, ud);
}

static int paper_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    delivery *d;
    size_t i, n;
    sqt_order *o;
    int rc = begin(ex, cb != NULL);
    if (rc != SQT_OK)
        return rc;
    n = sqt_match_open_count(ex->match);
    d = dnew_items(ex, D_ORDERS, n, sizeof *o);
    if (d == NULL)
        return SQT_ENOMEM;
    o = d->items;
    for (i = 0; i < n; i++)
        sqt_match_open_at(ex->match, i, &o[i]);
    d->n = n;
    enqueue_result(ex, d, (anycb){.orders = cb}, ud);
    return SQT_OK;
}

static int paper_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                             sqt_orders_cb cb, void *ud)
{
    delivery *d;
    int rc = begin(ex, cb != NULL);
    if (rc != SQT_OK)
        return rc;
    if ((client_id == NULL || client_id[0] == '\0') && (order_id == NULL || order_id[0] == '\0'))
        return SQT_EINVAL;
    d = dnew_items(ex, D_ORDERS, 1, sizeof(sqt_order));
    if (d == NULL)
        return SQT_ENOMEM;
    if (sqt_match_query(ex->match, client_id, order_id, d->items, &d->err) == SQT_OK)
        d->n = 1;
    enqueue_result(ex, d, (anycb){.orders = cb}, ud);
    return SQT_OK;
}

/* place/cancel (kind D_PLACE/D_CANCEL) of 1..max_batch requests: the result delivery with
 * n zeroed results; from here the pushes the batch causes wait for its result (hold). */
static int batch_begin(sqt_exchange *ex, int has_cb, int has_reqs, size_t n, dkind kind,
                       delivery **out)
{
    size_t max, size;
    int rc = begin(ex, has_cb);
    if (rc != SQT_OK)
        return rc;
    max = (size_t)(kind == D_PLACE ? ex->max_batch_place : ex->max_batch_cancel);
    size = kind == D_PLACE ? sizeof(sqt_place_result) : sizeof(sqt_cancel_result);
    if (!has_reqs || n == 0 || n > max)
        return SQT_EINVAL;
    *out = dnew_items(ex, kind, n, size);
    if (*out == NULL)
        return SQT_ENOMEM;
    (*out)->n = n;
    (*out)->status = SQT_OK;
    ex->hold = 1;
    return SQT_OK;
}

static int paper_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                              sqt_place_cb cb, void *ud)
{
    delivery *d;
    sqt_place_result *r;
    size_t i;
    int64_t now;
    int rc = batch_begin(ex, cb != NULL, reqs != NULL, n, D_PLACE, &d);
    if (rc != SQT_OK)
        return rc;
    r = d->items;
    now = wall_ms(ex);
    for (i = 0; i < n; i++) {
        memcpy(r[i].client_id, reqs[i].client_id, sizeof r[i].client_id);
        r[i].client_id[sizeof r[i].client_id - 1] = '\0';
        if (sqt_match_place(ex->match, &reqs[i], now, &r[i].order, &r[i].err) != SQT_OK)
            memset(&r[i].order, 0, sizeof r[i].order);
    }
    enqueue_result(ex, d, (anycb){.place = cb}, ud);
    return SQT_OK;
}

static void cancel_one(sqt_exchange *ex, const char *cid, const char *oid, int64_t now,
                       sqt_cancel_result *r)
{
    sqt_order o;
    snprintf(r->client_id, sizeof r->client_id, "%s", cid ? cid : "");
    snprintf(r->order_id, sizeof r->order_id, "%s", oid ? oid : "");
    if (sqt_match_cancel(ex->match, cid, oid, now, &o, &r->err) == SQT_OK) {
        memcpy(r->client_id, o.client_id, sizeof r->client_id);
        memcpy(r->order_id, o.order_id, sizeof r->order_id);
    }
}

static int paper_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                               sqt_cancel_cb cb, void *ud)
{
    delivery *d;
    sqt_cancel_result *r;
    size_t i;
    int64_t now;
    int rc = batch_begin(ex, cb != NULL, reqs != NULL, n, D_CANCEL, &d);
    if (rc != SQT_OK)
        return rc;
    r = d->items;
    now = wall_ms(ex);
    for (i = 0; i < n; i++) {
        char cid[SQT_CLIENT_ID_MAX], oid[SQT_ORDER_ID_MAX];
        snprintf(cid, sizeof cid, "%.*s", (int)sizeof cid - 1, reqs[i].client_id);
        snprintf(oid, sizeof oid, "%.*s", (int)sizeof oid - 1, reqs[i].order_id);
        cancel_one(ex, cid, oid, now, &r[i]);
    }
    enqueue_result(ex, d, (anycb){.cancel = cb}, ud);
    return SQT_OK;
}

static int paper_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    delivery *d;
    sqt_cancel_result *r;
    size_t i, n, k = 0, plen;
    int64_t now;
    sqt_order *open;
    int rc = begin(ex, cb != NULL);
    if (rc != SQT_OK)
        return rc;
    /* an empty prefix would match everyone's orders */
    if (prefix == NULL || prefix[0] == '\0')
        return SQT_EINVAL;
    plen = strlen(prefix);
    n = sqt_match_open_count(ex->match);
    d = dnew_items(ex, D_CANCEL, n, sizeof *r);
    open = calloc(n ? n : 1, sizeof *open);
    if (d == NULL || open == NULL) {
        delivery_free(d);
        free(open);
        return SQT_ENOMEM;
    }
    r = d->items;
    for (i = 0; i < n; i++) /* snapshot first: cancelling changes the open list */
        sqt_match_open_at(ex->match, i, &open[i]);
    now = wall_ms(ex);
    ex->hold = 1;
    for (i = 0; i < n; i++) {
        if (strncmp(open[i].client_id, prefix, plen) != 0)
            continue;
        cancel_one(ex, open[i].client_id, open[i].order_id, now, &r[k]);
        k++;
    }
    free(open);
    d->n = k;
    d->status = SQT_OK;
    enqueue_result(ex, d, (anycb){.cancel = cb}, ud);
    return SQT_OK;
}

static int paper_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                        sqt_klines_cb cb, void *ud)
{
    delivery *d;
    int64_t iv;
    int rc = begin(ex, cb != NULL);
    if (rc != SQT_OK)
        return rc;
    iv = sqt_kbars_interval_ms(interval);
    if (!valid_symbol(symbol) || iv == 0)
        return SQT_EINVAL;
    if (limit <= 0)
        limit = 500;
    if (limit > SQT_KBARS_CAP)
        limit = SQT_KBARS_CAP;
    d = dnew_items(ex, D_KLINES, (size_t)limit, sizeof(sqt_kline));
    if (d == NULL)
        return SQT_ENOMEM;
    d->n = sqt_kbars_recent(ex->bars, symbol, interval, (size_t)limit, wall_ms(ex), d->items);
    enqueue_result(ex, d, (anycb){.klines = cb}, ud);
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * Streams
 * ---------------------------------------------------------------------------------- */

/* Subscribing starts the market; a stream takes one subscriber. The caller stores its
 * sink only after SQT_OK, so a refused second subscriber leaves the first in place. */
static int stream_claim(sqt_exchange *ex, int *has, int stream)
{
    int rc = ensure_running(ex);
    if (rc != SQT_OK)
        return rc;
    if (*has)
        return SQT_ESTATE;
    *has = 1;
    stream_state(ex, stream, SQT_STREAM_UP, SQT_OK, NULL);
    return SQT_OK;
}

static int paper_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    int rc;
    if (ex == NULL || sink == NULL || sink->on_price == NULL)
        return SQT_EINVAL;
    rc = stream_claim(ex, &ex->has_price, STREAM_PRICE);
    if (rc != SQT_OK)
        return rc;
    ex->price_sink = *sink;
    {
        /* the current price at once, so a subscriber never waits a market step for it */
        delivery *d = dnew(ex, D_PUSH_PRICE);
        if (d != NULL) {
            make_tick(ex, wall_ms(ex), &d->u.tick);
            enqueue_push(ex, d);
        }
    }
    if (ex->market_ended)
        stream_state(ex, STREAM_PRICE, SQT_STREAM_FAILED, SQT_ENOENT,
                     "price replay already ended");
    return SQT_OK;
}

static int paper_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    int rc;
    if (ex == NULL || sink == NULL || sink->on_order == NULL)
        return SQT_EINVAL;
    rc = stream_claim(ex, &ex->has_orders, STREAM_ORDERS);
    if (rc != SQT_OK)
        return rc;
    ex->order_sink = *sink;
    return SQT_OK;
}

static int paper_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                                  const char *interval, const sqt_kline_sink *sink)
{
    size_t i;
    int64_t iv;
    int rc;
    if (ex == NULL || sink == NULL || sink->on_kline == NULL || symbols == NULL || n == 0 ||
        n > MAX_KSUBS)
        return SQT_EINVAL;
    iv = sqt_kbars_interval_ms(interval);
    if (iv == 0)
        return SQT_EINVAL;
    for (i = 0; i < n; i++)
        if (!valid_symbol(symbols[i]))
            return SQT_EINVAL;
    rc = stream_claim(ex, &ex->has_klines, STREAM_KLINES);
    if (rc != SQT_OK)
        return rc;
    for (i = 0; i < n; i++) {
        snprintf(ex->ksubs[i].symbol, sizeof ex->ksubs[i].symbol, "%s", symbols[i]);
        ex->ksubs[i].cur_open = -1;
        ex->ksubs[i].last_forming_ms = INT64_MIN;
    }
    ex->n_ksubs = n;
    ex->kline_iv_ms = iv;
    snprintf(ex->kline_iv, sizeof ex->kline_iv, "%s", interval);
    ex->kline_sink = *sink;
    return SQT_OK;
}

static const sqt_exchange_api paper_api = {
    sizeof(sqt_exchange_api),
    SQT_EXF_SIMULATED,
    paper_create,
    paper_shutdown,
    paper_destroy,
    paper_symbol_info,
    paper_account,
    paper_positions,
    paper_open_orders,
    paper_query_order,
    paper_place_orders,
    paper_cancel_orders,
    paper_cancel_own,
    paper_klines,
    paper_subscribe_price,
    paper_subscribe_orders,
    paper_subscribe_klines,
    NULL, /* warm: nothing on a network path to keep warm */
};

SQT_PLUGIN_DEFINE("paper", "1.0.0",
                  "Simulated USDT perpetual: generated or replayed prices, no API keys",
                  &paper_api)
