/* The scripted exchange (scripted_plugin.h). One book per loaded .so: it survives the
 * instance, so a second run of the app finds the first run's orders. Every call is
 * answered 1 ms later from a host timer, never from inside the call, as a real plugin
 * answers after a network round trip; the script's fill happens when the call it names
 * is served, before that call's answer, so the answer already shows it. Prices are kept
 * in cents (scale 2), quantities in thousandths (scale 3), fees at scale 9 (fee rate
 * 0.0002 of price * quantity). */
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>

#include "scripted_plugin.h"

#define PX_SCALE 2
#define QTY_SCALE 3
#define FEE_SCALE 9
#define ANSWER_MS 1
#define PRICE_EVERY_MS 20
#define PRICE_CENTS 300000 /* 3000.00 */

typedef struct bk_order {
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    sqt_side side;
    sqt_tif tif;
    int reduce_only;
    int status;
    int64_t price;   /* cents */
    int64_t qty;     /* thousandths */
    int64_t filled;  /* thousandths */
    int64_t fee;     /* scale 9 */
    int64_t time_ms;
} bk_order;

/* The exchange's own record: outlives every instance. */
static struct {
    bk_order orders[SCR_MAX_ORDERS];
    size_t n;
    int64_t position; /* thousandths */
    int64_t next_oid;
    int64_t seq;
    scripted_script script;
    int fired;
    char fired_cid[SQT_CLIENT_ID_MAX];
    int calls[SCR_CALL_MAX];
    int calls_at_fire[SCR_CALL_MAX];
    int warms_before_price;
    int reduce_only_refused;
    int duplicate_places;
    /* audit probe: at the first sell placed after the fill (its counterpart), was the
     * fill's event-log line already in the file? -1 not probed yet */
    char probe_path[512];
    int probe_fill_on_disk;
    /* journal probe: at the first sell placed after the fill, the journal's files as a
     * kill -9 at that instant would leave them, copied to snap_dir; from then on the
     * book is frozen (places and cancels refused): the exchange as that kill leaves it */
    char snap_journal[512], snap_dir[512], snap_cid[SQT_CLIENT_ID_MAX];
    int snapped, frozen, sells_after_fire;
    int places_before_tick;
    /* place calls answered inside the call (against the SDK's rule: a plugin the host
     * must survive) */
    int sync_places;
    /* at the fill: files of this process may not grow past this many bytes (a full
     * disk); 0 off */
    long fsize_at_fire;
    /* the market: open-order limit (0: 200), price path, what the limit saw */
    int max_open, hide_limit;
    int64_t path[64];
    size_t path_n;
    int peak_open, limit_refused;
    char log[8192];
    size_t log_n;
} B;

static int max_open(void)
{
    return B.max_open > 0 ? B.max_open : 200;
}

static void log_call(char c)
{
    if (B.log_n + 1 < sizeof B.log)
        B.log[B.log_n++] = c;
}

typedef struct req req;

struct sqt_exchange {
    const sqt_host_api *api;
    sqt_host *host;
    sqt_order_sink orders;
    int orders_on;
    sqt_price_sink price;
    int price_on;
    sqt_timer *price_timer;
    req *pending;
    int shutting;
    sqt_done_cb shut_cb;
    void *shut_ud;
    sqt_timer *shut_timer;
};

/* The live instance, for pushes of a fill made between calls (fill_top_buy). */
static sqt_exchange *live;

struct req {
    req *next;
    sqt_exchange *ex;
    int kind;
    int nth;
    sqt_timer *t;
    void *cb;
    void *ud;
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    int frozen;                /* submitted after the journal probe froze the book */
    sqt_order_req *places;
    sqt_cancel_req *cancels;
    size_t n;
};

static void set_err(sqt_error *e, int code, const char *msg);

/* ---- the book ------------------------------------------------------------------------ */

static int64_t wall(const sqt_exchange *ex)
{
    return ex ? ex->api->wall_ms(ex->host) : 0;
}

static void to_order(const bk_order *b, sqt_order *o)
{
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    snprintf(o->symbol, sizeof o->symbol, "ETHUSDT");
    snprintf(o->client_id, sizeof o->client_id, "%s", b->cid);
    snprintf(o->order_id, sizeof o->order_id, "%s", b->oid);
    o->side = b->side;
    o->status = (sqt_order_status)b->status;
    o->tif = b->tif;
    o->reduce_only = b->reduce_only;
    o->price = sqt_dec_make(b->price, PX_SCALE);
    o->qty = sqt_dec_make(b->qty, QTY_SCALE);
    o->filled_qty = sqt_dec_make(b->filled, QTY_SCALE);
    o->avg_price = sqt_dec_make(b->filled > 0 ? b->price : 0, PX_SCALE);
    o->last_fill_qty = sqt_dec_make(0, QTY_SCALE);
    o->last_fill_price = sqt_dec_make(0, PX_SCALE);
    o->fee = sqt_dec_make(0, FEE_SCALE);
    snprintf(o->fee_asset, sizeof o->fee_asset, "USDT");
    o->realized_pnl = sqt_dec_make(0, 0);
    o->update_time_ms = b->time_ms;
    o->seq = ++B.seq;
    o->cum_fee = sqt_dec_make(b->fee, FEE_SCALE);
    o->has_cum_fee = 1;
}

static int is_open(const bk_order *b)
{
    return b->status == SQT_ORDER_NEW || b->status == SQT_ORDER_PARTIALLY_FILLED;
}

static int open_count(void)
{
    size_t i;
    int n = 0;
    for (i = 0; i < B.n; i++)
        n += is_open(&B.orders[i]);
    return n;
}

static bk_order *find(const char *cid, const char *oid)
{
    size_t i;
    for (i = 0; i < B.n; i++) {
        if (cid && cid[0] && strcmp(B.orders[i].cid, cid) == 0)
            return &B.orders[i];
        if (oid && oid[0] && strcmp(B.orders[i].oid, oid) == 0)
            return &B.orders[i];
    }
    return NULL;
}

static void push(sqt_exchange *ex, const sqt_order *o)
{
    if (ex && ex->orders_on && !ex->shutting && ex->orders.on_order)
        ex->orders.on_order(ex->orders.ud, o);
}

/* Execute `qty` of b at its price; the push of that fill into *out. */
static void execute(sqt_exchange *ex, bk_order *b, int64_t qty, sqt_order *out)
{
    int64_t fee = b->price * qty * 2; /* cents*thousandths = 1e-5; * 0.0002 -> 1e-9 */
    b->filled += qty;
    b->fee += fee;
    b->status = b->filled == b->qty ? SQT_ORDER_FILLED : SQT_ORDER_PARTIALLY_FILLED;
    b->time_ms = wall(ex);
    B.position += b->side == SQT_SIDE_BUY ? qty : -qty;
    to_order(b, out);
    out->last_fill_qty = sqt_dec_make(qty, QTY_SCALE);
    out->last_fill_price = sqt_dec_make(b->price, PX_SCALE);
    out->fee = sqt_dec_make(fee, FEE_SCALE);
}

static bk_order *top_buy(void)
{
    bk_order *best = NULL;
    size_t i;
    for (i = 0; i < B.n; i++)
        if (is_open(&B.orders[i]) && B.orders[i].side == SQT_SIDE_BUY &&
            (best == NULL || B.orders[i].price > best->price))
            best = &B.orders[i];
    return best;
}

/* The script's fill: the highest open buy, all of it, with its push(es). */
static void fire(sqt_exchange *ex)
{
    bk_order *b = top_buy();
    sqt_order p1, p2;
    B.fired = 1;
    memcpy(B.calls_at_fire, B.calls, sizeof B.calls);
    if (B.fsize_at_fire > 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_FSIZE, &rl) == 0) {
            signal(SIGXFSZ, SIG_IGN); /* a write past it fails with EFBIG instead */
            rl.rlim_cur = (rlim_t)B.fsize_at_fire;
            setrlimit(RLIMIT_FSIZE, &rl);
        }
    }
    if (b == NULL)
        return;
    snprintf(B.fired_cid, sizeof B.fired_cid, "%s", b->cid);
    if (B.script.dup_out_of_order && b->qty - b->filled >= 2) {
        int64_t half = (b->qty - b->filled) / 2;
        execute(ex, b, half, &p1);
        execute(ex, b, b->qty - b->filled, &p2);
        /* the later state first, then the earlier, each twice */
        push(ex, &p2);
        push(ex, &p1);
        push(ex, &p2);
        push(ex, &p1);
    } else if (B.script.lost_push) {
        execute(ex, b, b->qty - b->filled, &p1);
        if (ex && ex->orders_on && ex->orders.on_state) {
            sqt_error e;
            set_err(&e, SQT_ENETWORK, "connection reset");
            ex->orders.on_state(ex->orders.ud, SQT_STREAM_DOWN, &e);
            ex->orders.on_state(ex->orders.ud, SQT_STREAM_UP, NULL);
        }
    } else {
        int k, n = B.script.fills > 1 ? B.script.fills : 1;
        for (k = 0; k < n && b != NULL; k++, b = top_buy()) {
            execute(ex, b, b->qty - b->filled, &p1);
            push(ex, &p1);
        }
    }
    if (B.script.tick_after && ex && ex->price_on && ex->price.on_price) {
        sqt_price_tick t;
        B.places_before_tick = B.calls[SCR_PLACE] - B.calls_at_fire[SCR_PLACE];
        memset(&t, 0, sizeof t);
        snprintf(t.symbol, sizeof t.symbol, "ETHUSDT");
        t.price = sqt_dec_make(PRICE_CENTS, PX_SCALE);
        t.time_ms = wall(ex);
        log_call('|');
        ex->price.on_price(ex->price.ud, &t);
    }
}

/* ---- requests: answered from a timer ---------------------------------------------------- */

static void unlink_req(req *r)
{
    req **pp = &r->ex->pending;
    while (*pp && *pp != r)
        pp = &(*pp)->next;
    if (*pp)
        *pp = r->next;
}

static void free_req(req *r)
{
    free(r->places);
    free(r->cancels);
    free(r);
}

static void set_err(sqt_error *e, int code, const char *msg)
{
    memset(e, 0, sizeof *e);
    e->code = code;
    snprintf(e->message, sizeof e->message, "%s", msg);
}

static void answer_place(req *r, const sqt_error *fail)
{
    sqt_place_result *res = calloc(r->n ? r->n : 1, sizeof *res);
    sqt_order *news = calloc(r->n ? r->n : 1, sizeof *news);
    size_t i, n_new = 0;
    if (res == NULL || news == NULL) {
        free(res);
        free(news);
        return; /* a test plugin out of memory: the app's step timer reports it */
    }
    for (i = 0; i < r->n; i++) {
        const sqt_order_req *q = &r->places[i];
        sqt_dec p, qty;
        bk_order *b;
        size_t k;
        snprintf(res[i].client_id, sizeof res[i].client_id, "%s", q->client_id);
        if (fail) {
            res[i].err = *fail;
            continue;
        }
        if (sqt_dec_rescale(q->price, PX_SCALE, &p) != SQT_OK ||
            sqt_dec_rescale(q->qty, QTY_SCALE, &qty) != SQT_OK || qty.mant <= 0 || p.mant <= 0) {
            set_err(&res[i].err, SQT_ERULES, "price or quantity off the tick or step");
            continue;
        }
        if (q->reduce_only && q->side == SQT_SIDE_SELL && qty.mant > B.position) {
            B.reduce_only_refused++;
            set_err(&res[i].err, SQT_EEXCHANGE, "ReduceOnly Order is rejected");
            continue;
        }
        if (find(q->client_id, NULL) != NULL) {
            set_err(&res[i].err, SQT_EDUP_CLIENT_ID, "duplicate client order id");
            continue;
        }
        if (B.n == SCR_MAX_ORDERS) {
            set_err(&res[i].err, SQT_EEXCHANGE, "book full");
            continue;
        }
        if (open_count() >= max_open()) {
            B.limit_refused++;
            set_err(&res[i].err, SQT_EEXCHANGE, "too many open orders");
            continue;
        }
        for (k = 0; k < B.n; k++)
            if (is_open(&B.orders[k]) && B.orders[k].side == q->side && B.orders[k].price == p.mant)
                B.duplicate_places++;
        b = &B.orders[B.n++];
        memset(b, 0, sizeof *b);
        snprintf(b->cid, sizeof b->cid, "%s", q->client_id);
        snprintf(b->oid, sizeof b->oid, "%lld", (long long)++B.next_oid);
        b->side = q->side;
        b->tif = q->tif;
        b->reduce_only = q->reduce_only;
        b->status = SQT_ORDER_NEW;
        b->price = p.mant;
        b->qty = qty.mant;
        b->time_ms = wall(r->ex);
        to_order(b, &res[i].order);
        news[n_new++] = res[i].order;
        if (open_count() > B.peak_open)
            B.peak_open = open_count();
    }
    ((sqt_place_cb)r->cb)(r->ud, fail ? fail->code : SQT_OK, res, r->n);
    for (i = 0; i < n_new; i++)
        push(r->ex, &news[i]);
    free(res);
    free(news);
}

static void answer_cancel(req *r, const sqt_error *fail)
{
    size_t cap = r->kind == SCR_CANCEL ? r->n : B.n, i, n = 0;
    sqt_cancel_result *res = calloc(cap ? cap : 1, sizeof *res);
    sqt_order *gone = calloc(cap ? cap : 1, sizeof *gone);
    size_t n_gone = 0;
    if (res == NULL || gone == NULL) {
        free(res);
        free(gone);
        return;
    }
    for (i = 0; i < cap; i++) {
        bk_order *b;
        if (r->kind == SCR_CANCEL) {
            b = find(r->cancels[i].client_id, r->cancels[i].order_id);
            snprintf(res[n].client_id, sizeof res[n].client_id, "%s", r->cancels[i].client_id);
            snprintf(res[n].order_id, sizeof res[n].order_id, "%s", r->cancels[i].order_id);
        } else {
            b = &B.orders[i];
            if (!is_open(b) || strncmp(b->cid, r->cid, strlen(r->cid)) != 0)
                continue;
            snprintf(res[n].client_id, sizeof res[n].client_id, "%s", b->cid);
            snprintf(res[n].order_id, sizeof res[n].order_id, "%s", b->oid);
        }
        if (fail)
            res[n].err = *fail;
        else if (b == NULL || !is_open(b))
            set_err(&res[n].err, SQT_EUNKNOWN_ORDER, "unknown order");
        else {
            b->status = SQT_ORDER_CANCELED;
            b->time_ms = wall(r->ex);
            to_order(b, &gone[n_gone++]);
            set_err(&res[n].err, SQT_OK, "");
        }
        n++;
    }
    ((sqt_cancel_cb)r->cb)(r->ud, fail ? fail->code : SQT_OK, res, n);
    for (i = 0; i < n_gone; i++)
        push(r->ex, &gone[i]);
    free(res);
    free(gone);
}

static void answer(req *r, const sqt_error *fail)
{
    sqt_exchange *ex = r->ex;
    switch (r->kind) {
    case SCR_SYMBOL_INFO: {
        sqt_symbol_info si;
        memset(&si, 0, sizeof si);
        si.struct_size = sizeof si;
        snprintf(si.symbol, sizeof si.symbol, "ETHUSDT");
        snprintf(si.base_asset, sizeof si.base_asset, "ETH");
        snprintf(si.quote_asset, sizeof si.quote_asset, "USDT");
        si.tick_size = sqt_dec_make(1, PX_SCALE);
        si.step_size = sqt_dec_make(1, QTY_SCALE);
        si.min_qty = sqt_dec_make(1, QTY_SCALE);
        si.min_notional = sqt_dec_make(5, 0);
        si.contract_multiplier = sqt_dec_make(1, 0);
        si.max_open_orders = B.hide_limit ? 0 : max_open();
        si.max_batch_place = 5;
        si.max_batch_cancel = 10;
        si.client_id_max_len = 36;
        ((sqt_symbol_info_cb)r->cb)(r->ud, fail, fail ? NULL : &si);
        break;
    }
    case SCR_ACCOUNT: {
        sqt_account ac;
        memset(&ac, 0, sizeof ac);
        ac.struct_size = sizeof ac;
        snprintf(ac.asset, sizeof ac.asset, "USDT");
        ac.balance = sqt_dec_make(10000, 0);
        ac.available = sqt_dec_make(10000, 0);
        ac.leverage = 5;
        ac.position_mode = SQT_POSMODE_ONE_WAY;
        ((sqt_account_cb)r->cb)(r->ud, fail, fail ? NULL : &ac);
        break;
    }
    case SCR_POSITIONS: {
        sqt_position p;
        memset(&p, 0, sizeof p);
        p.struct_size = sizeof p;
        snprintf(p.symbol, sizeof p.symbol, "ETHUSDT");
        p.size = sqt_dec_make(B.position, QTY_SCALE);
        p.entry_price = sqt_dec_make(0, 0);
        p.unrealized_pnl = sqt_dec_make(0, 0);
        ((sqt_positions_cb)r->cb)(r->ud, fail, fail ? NULL : &p, fail ? 0 : 1);
        break;
    }
    case SCR_OPEN_ORDERS:
    case SCR_QUERY: {
        sqt_order *list = calloc(B.n ? B.n : 1, sizeof *list);
        size_t i, n = 0;
        sqt_error e;
        if (list == NULL)
            return;
        if (fail) {
            ((sqt_orders_cb)r->cb)(r->ud, fail, NULL, 0);
        } else if (r->kind == SCR_OPEN_ORDERS) {
            for (i = 0; i < B.n; i++)
                if (is_open(&B.orders[i]))
                    to_order(&B.orders[i], &list[n++]);
            ((sqt_orders_cb)r->cb)(r->ud, NULL, list, n);
        } else {
            bk_order *b = find(r->cid, r->oid);
            if (b == NULL) {
                set_err(&e, SQT_EUNKNOWN_ORDER, "Order does not exist");
                ((sqt_orders_cb)r->cb)(r->ud, &e, NULL, 0);
            } else {
                to_order(b, &list[0]);
                ((sqt_orders_cb)r->cb)(r->ud, NULL, list, 1);
            }
        }
        free(list);
        break;
    }
    case SCR_PLACE:
        answer_place(r, fail);
        break;
    case SCR_CANCEL:
    case SCR_CALL_MAX: /* cancel_own */
        answer_cancel(r, fail);
        break;
    case SCR_SUBSCRIBE_ORDERS:
        if (!fail && ex->orders.on_state)
            ex->orders.on_state(ex->orders.ud, SQT_STREAM_UP, NULL);
        break;
    default:
        break;
    }
}

static void price_tick(void *ud)
{
    sqt_exchange *ex = ud;
    sqt_price_tick t;
    if (!ex->price_on || ex->shutting)
        return;
    B.calls[SCR_PRICE_TICK]++;
    if (B.script.call == SCR_PRICE_TICK && B.script.nth == B.calls[SCR_PRICE_TICK] && !B.fired)
        fire(ex);
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "ETHUSDT");
    {
        size_t k = (size_t)B.calls[SCR_PRICE_TICK] - 1;
        int64_t cents = B.path_n == 0 ? PRICE_CENTS : B.path[k < B.path_n ? k : B.path_n - 1];
        t.price = sqt_dec_make(cents, PX_SCALE);
    }
    log_call('|');
    t.time_ms = wall(ex);
    ex->price.on_price(ex->price.ud, &t);
}

static void serve(void *ud)
{
    req *r = ud;
    sqt_exchange *ex = r->ex;
    r->t = NULL; /* a one-shot timer is gone after its callback */
    unlink_req(r);
    if (B.script.call == r->kind && B.script.nth == r->nth && !B.fired)
        fire(ex);
    if (r->kind == SCR_SUBSCRIBE_PRICE) {
        ex->price_on = 1;
        if (ex->price.on_state)
            ex->price.on_state(ex->price.ud, SQT_STREAM_UP, NULL);
        price_tick(ex);
        ex->api->timer_start(ex->host, PRICE_EVERY_MS, PRICE_EVERY_MS, price_tick, ex, &ex->price_timer);
    } else if (r->frozen && (r->kind == SCR_PLACE || r->kind == SCR_CANCEL || r->kind == SCR_CALL_MAX)) {
        sqt_error e;
        set_err(&e, SQT_EEXCHANGE, "frozen: the bot was killed at the journal probe");
        answer(r, &e);
    } else {
        answer(r, NULL);
    }
    free_req(r);
}

static req *new_req(sqt_exchange *ex, int kind, void *cb, void *ud)
{
    req *r;
    if (ex->shutting)
        return NULL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->ex = ex;
    r->kind = kind;
    r->cb = cb;
    r->ud = ud;
    r->frozen = B.frozen;
    if (kind > SCR_NONE && kind < SCR_CALL_MAX)
        r->nth = ++B.calls[kind];
    return r;
}

static int submit(req *r)
{
    if (r == NULL)
        return SQT_ESTATE;
    if (B.sync_places && r->kind == SCR_PLACE) {
        answer(r, NULL);
        free_req(r);
        return 0;
    }
    if (r->ex->api->timer_start(r->ex->host, ANSWER_MS, 0, serve, r, &r->t) != 0) {
        free_req(r);
        return SQT_ENOMEM;
    }
    r->next = r->ex->pending;
    r->ex->pending = r;
    return 0;
}

/* ---- the exchange table -------------------------------------------------------------- */

static int x_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                    sqt_exchange **out, sqt_error *err)
{
    sqt_exchange *ex;
    if (args == NULL || args->symbol == NULL || strcmp(args->symbol, "ETHUSDT") != 0) {
        set_err(err, SQT_ENOENT, "the scripted exchange trades ETHUSDT only");
        return SQT_ENOENT;
    }
    ex = calloc(1, sizeof *ex);
    if (ex == NULL) {
        set_err(err, SQT_ENOMEM, "out of memory");
        return SQT_ENOMEM;
    }
    ex->api = api;
    ex->host = host;
    memset(B.calls, 0, sizeof B.calls);
    B.warms_before_price = 0;
    live = ex;
    *out = ex;
    return 0;
}

static void shut_now(void *ud)
{
    sqt_exchange *ex = ud;
    sqt_error e;
    ex->shut_timer = NULL;
    set_err(&e, SQT_ECANCELLED, "shutting down");
    while (ex->pending) {
        req *r = ex->pending;
        ex->pending = r->next;
        if (r->t)
            ex->api->timer_stop(ex->host, r->t);
        if (r->kind != SCR_SUBSCRIBE_PRICE && r->kind != SCR_SUBSCRIBE_ORDERS)
            answer(r, &e);
        free_req(r);
    }
    ex->orders_on = 0;
    ex->shut_cb(ex->shut_ud, NULL);
}

static int x_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    if (ex->shutting)
        return SQT_ESTATE;
    ex->shutting = 1;
    ex->price_on = 0;
    if (ex->price_timer) {
        ex->api->timer_stop(ex->host, ex->price_timer);
        ex->price_timer = NULL;
    }
    ex->shut_cb = cb;
    ex->shut_ud = ud;
    return ex->api->timer_start(ex->host, ANSWER_MS, 0, shut_now, ex, &ex->shut_timer) != 0 ? SQT_ENOMEM : 0;
}

static void x_destroy(sqt_exchange *ex)
{
    if (ex == NULL)
        return;
    if (ex->price_timer)
        ex->api->timer_stop(ex->host, ex->price_timer);
    if (ex->shut_timer)
        ex->api->timer_stop(ex->host, ex->shut_timer);
    while (ex->pending) {
        req *r = ex->pending;
        ex->pending = r->next;
        if (r->t)
            ex->api->timer_stop(ex->host, r->t);
        free_req(r);
    }
    if (live == ex)
        live = NULL;
    free(ex);
}

static int x_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    return submit(new_req(ex, SCR_SYMBOL_INFO, (void *)cb, ud));
}

static int x_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    return submit(new_req(ex, SCR_ACCOUNT, (void *)cb, ud));
}

static int x_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    return submit(new_req(ex, SCR_POSITIONS, (void *)cb, ud));
}

static int x_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    return submit(new_req(ex, SCR_OPEN_ORDERS, (void *)cb, ud));
}

static int x_query_order(sqt_exchange *ex, const char *cid, const char *oid, sqt_orders_cb cb, void *ud)
{
    req *r = new_req(ex, SCR_QUERY, (void *)cb, ud);
    if (r) {
        snprintf(r->cid, sizeof r->cid, "%s", cid ? cid : "");
        snprintf(r->oid, sizeof r->oid, "%s", oid ? oid : "");
    }
    return submit(r);
}

/* A batch call: its items copied into the request (places or cancels). */
static int submit_batch(sqt_exchange *ex, int kind, void *cb, void *ud, const void *items,
                        size_t n, size_t item_size, size_t max)
{
    req *r;
    void *copy;
    if (n == 0 || n > max)
        return SQT_EINVAL;
    r = new_req(ex, kind, cb, ud);
    if (r == NULL)
        return SQT_ESTATE;
    copy = malloc(n * item_size);
    if (copy == NULL) {
        free_req(r);
        return SQT_ENOMEM;
    }
    memcpy(copy, items, n * item_size);
    if (kind == SCR_PLACE)
        r->places = copy;
    else
        r->cancels = copy;
    r->n = n;
    return submit(r);
}

/* 1 when a line of the file holds both the fill event and the fired order's id. */
static int fill_line_on_disk(void)
{
    FILE *f = fopen(B.probe_path, "r");
    char line[4096];
    int hit = 0;
    if (f == NULL)
        return 0;
    while (!hit && fgets(line, sizeof line, f) != NULL)
        hit = strstr(line, "\"event\":\"fill\"") != NULL && strstr(line, B.fired_cid) != NULL;
    fclose(f);
    return hit;
}

/* src to dst whole; 0, or -1 (a missing src is an empty dst). */
static int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    char buf[65536];
    size_t n;
    int rc = out != NULL ? 0 : -1;
    while (rc == 0 && in != NULL && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        rc = -1;
    return rc;
}

static void snap_journal(const char *sell_cid)
{
    char src[600], dst[1300];
    const char *base = strrchr(B.snap_journal, '/');
    base = base ? base + 1 : B.snap_journal;
    snprintf(dst, sizeof dst, "%s/%s", B.snap_dir, base);
    B.snapped = copy_file(B.snap_journal, dst) == 0 ? 1 : -1;
    snprintf(src, sizeof src, "%s-wal", B.snap_journal);
    snprintf(dst, sizeof dst, "%s/%s-wal", B.snap_dir, base);
    if (copy_file(src, dst) != 0)
        B.snapped = -1;
    snprintf(src, sizeof src, "%s-intents", B.snap_journal);
    snprintf(dst, sizeof dst, "%s/%s-intents", B.snap_dir, base);
    if (copy_file(src, dst) != 0)
        B.snapped = -1;
    snprintf(B.snap_cid, sizeof B.snap_cid, "%s", sell_cid);
}

static int x_place(sqt_exchange *ex, const sqt_order_req *reqs, size_t n, sqt_place_cb cb, void *ud)
{
    size_t i;
    int rc, snap = 0;
    for (i = 0; i < n && B.fired && B.probe_path[0] && B.probe_fill_on_disk < 0; i++)
        if (reqs[i].side == SQT_SIDE_SELL) /* the filled buy's counterpart */
            B.probe_fill_on_disk = fill_line_on_disk();
    for (i = 0; i < n && B.fired && B.snap_dir[0] && !B.snapped && !B.frozen; i++)
        if (reqs[i].side == SQT_SIDE_SELL &&
            ++B.sells_after_fire >= (B.script.fills > 1 ? B.script.fills : 1)) {
            snap_journal(reqs[i].client_id);
            snap = 1;
        }
    log_call('P');
    rc = submit_batch(ex, SCR_PLACE, (void *)cb, ud, reqs, n, sizeof *reqs, 5);
    if (snap)
        B.frozen = 1; /* this request was on its way: it reaches the book, nothing after */
    return rc;
}

static int x_cancel(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n, sqt_cancel_cb cb, void *ud)
{
    log_call('C');
    return submit_batch(ex, SCR_CANCEL, (void *)cb, ud, reqs, n, sizeof *reqs, 10);
}

static int x_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    /* SCR_CALL_MAX marks cancel_own: not a call a script fires at */
    req *r = new_req(ex, SCR_CALL_MAX, (void *)cb, ud);
    if (r == NULL)
        return SQT_ESTATE;
    if (prefix == NULL || prefix[0] == '\0') {
        free_req(r);
        return SQT_EINVAL;
    }
    snprintf(r->cid, sizeof r->cid, "%s", prefix);
    return submit(r);
}

static int x_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                    sqt_klines_cb cb, void *ud)
{
    (void)ex, (void)symbol, (void)interval, (void)limit, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int x_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    req *r;
    if (sink == NULL || sink->on_price == NULL)
        return SQT_EINVAL;
    r = new_req(ex, SCR_SUBSCRIBE_PRICE, NULL, NULL);
    if (r == NULL)
        return SQT_ESTATE;
    ex->price = *sink;
    return submit(r);
}

static int x_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    req *r;
    if (sink == NULL || sink->on_order == NULL)
        return SQT_EINVAL;
    r = new_req(ex, SCR_SUBSCRIBE_ORDERS, NULL, NULL);
    if (r == NULL)
        return SQT_ESTATE;
    ex->orders = *sink;
    ex->orders_on = 1;
    return submit(r);
}

static int x_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                              const char *interval, const sqt_kline_sink *sink)
{
    (void)ex, (void)symbols, (void)n, (void)interval, (void)sink;
    return SQT_ENOTSUP;
}

static void x_warm(sqt_exchange *ex)
{
    (void)ex;
    B.calls[SCR_WARM]++;
    if (B.calls[SCR_SUBSCRIBE_PRICE] == 0)
        B.warms_before_price++;
}

static const sqt_exchange_api scripted_exchange = {
    sizeof(sqt_exchange_api), 0u,
    x_create, x_shutdown, x_destroy, x_symbol_info, x_account, x_positions, x_open_orders,
    x_query_order, x_place, x_cancel, x_cancel_own, x_klines, x_subscribe_price,
    x_subscribe_orders, x_subscribe_klines, x_warm,
};

SQT_PLUGIN_DEFINE("scripted", "1.0.0", "Scripted exchange for start-up tests", &scripted_exchange)

/* ---- the test's side ------------------------------------------------------------------ */

static void c_reset(void)
{
    memset(&B, 0, sizeof B);
}

static void c_set_script(const scripted_script *s)
{
    B.script = *s;
    B.fired = 0;
    B.fired_cid[0] = '\0';
    B.probe_path[0] = '\0';
    B.probe_fill_on_disk = -1;
    B.snap_dir[0] = B.snap_journal[0] = B.snap_cid[0] = '\0';
    B.snapped = B.frozen = B.sells_after_fire = 0;
    B.places_before_tick = -1;
    memset(B.calls_at_fire, 0, sizeof B.calls_at_fire);
}

static int c_fill_top_buy(char *cid, size_t cap)
{
    bk_order *b = top_buy();
    sqt_order p;
    if (b == NULL)
        return -1;
    snprintf(cid, cap, "%s", b->cid);
    execute(live, b, b->qty - b->filled, &p);
    push(live, &p);
    return 0;
}

static int c_fill_order(const char *cid)
{
    bk_order *b = find(cid, NULL);
    sqt_order p;
    if (b == NULL || !is_open(b))
        return -1;
    execute(live, b, b->qty - b->filled, &p);
    push(live, &p);
    return 0;
}

static void c_sync_places(int on)
{
    B.sync_places = on;
}

static void c_disk_full_at_fire(long bytes)
{
    B.fsize_at_fire = bytes;
}

static void c_probe_journal(const char *journal, const char *snap_dir)
{
    snprintf(B.snap_journal, sizeof B.snap_journal, "%s", journal);
    snprintf(B.snap_dir, sizeof B.snap_dir, "%s", snap_dir);
    B.snapped = B.frozen = B.sells_after_fire = 0;
    B.snap_cid[0] = '\0';
}

static int c_places_before_tick(void)
{
    return B.places_before_tick;
}

static int c_probe_journal_result(char *sell_cid, size_t cap)
{
    snprintf(sell_cid, cap, "%s", B.snap_cid);
    return B.snapped;
}

static int c_fired(char *cid, size_t cap)
{
    snprintf(cid, cap, "%s", B.fired_cid);
    return B.fired;
}

static int c_calls(int call)
{
    return call > SCR_NONE && call < SCR_CALL_MAX ? B.calls[call] : 0;
}

static int c_calls_at_fire(int call)
{
    return call > SCR_NONE && call < SCR_CALL_MAX ? B.calls_at_fire[call] : 0;
}

static sqt_dec c_position(void)
{
    return sqt_dec_make(B.position, QTY_SCALE);
}

static size_t c_open_orders(sqt_order *out, size_t cap)
{
    size_t i, n = 0;
    int64_t seq = B.seq;
    for (i = 0; i < B.n; i++)
        if (is_open(&B.orders[i])) {
            if (n < cap)
                to_order(&B.orders[i], &out[n]);
            n++;
        }
    B.seq = seq; /* looking is not an exchange event */
    return n;
}

static int c_order(const char *cid, sqt_order *out)
{
    bk_order *b = find(cid, NULL);
    int64_t seq = B.seq;
    if (b == NULL)
        return -1;
    to_order(b, out);
    B.seq = seq;
    return 0;
}

static int c_reduce_only_refused(void)
{
    return B.reduce_only_refused;
}

static int c_duplicate_places(void)
{
    return B.duplicate_places;
}

static void c_probe_audit(const char *events_path)
{
    snprintf(B.probe_path, sizeof B.probe_path, "%s", events_path ? events_path : "");
    B.probe_fill_on_disk = -1;
}

static int c_probe_result(void)
{
    return B.probe_fill_on_disk;
}

static void c_set_market(int max_open_orders, int reported, const int64_t *cents, size_t n)
{
    B.max_open = max_open_orders;
    B.hide_limit = !reported;
    B.path_n = n < 64 ? n : 64;
    if (B.path_n > 0)
        memcpy(B.path, cents, B.path_n * sizeof *cents);
    B.peak_open = B.limit_refused = 0;
    B.log_n = 0;
    B.log[0] = '\0';
}

static int c_peak_open(void)
{
    return B.peak_open;
}

static int c_limit_refused(void)
{
    return B.limit_refused;
}

static const char *c_call_log(void)
{
    B.log[B.log_n] = '\0';
    return B.log;
}

static int c_warms_before_price(void)
{
    return B.warms_before_price;
}

static const scripted_api control = {
    c_reset, c_set_script, c_fill_top_buy, c_fired, c_calls, c_calls_at_fire, c_position,
    c_open_orders, c_order, c_reduce_only_refused, c_duplicate_places, c_probe_audit,
    c_probe_result, c_set_market, c_peak_open, c_limit_refused, c_call_log, c_fill_order,
    c_probe_journal, c_probe_journal_result, c_sync_places, c_disk_full_at_fire,
    c_places_before_tick, c_warms_before_price,
};

SQT_EXPORT const scripted_api *scripted_plugin_api(void);
SQT_EXPORT const scripted_api *scripted_plugin_api(void)
{
    return &control;
}
