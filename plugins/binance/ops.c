/* Binance REST operations of the exchange table: each builds its parameters, starts a
 * call through rest.c and turns the answer into SDK structs with parse.c. Operation
 * contexts are single allocations so an abandoned one is freed with one free(). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bn.h"
#include "fastpath.h"

static const sqt_error no_error; /* code SQT_OK */

/* ------------------------------------------------------------------------------------
 * validation
 * ---------------------------------------------------------------------------------- */

int sqt_bn_symbol_ok(const char *s)
{
    return sqt_kit_symbol_ok(s);
}

int sqt_bn_interval_ok(const char *s)
{
    static const char *const ok[] = {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h",
                                     "6h", "8h", "12h", "1d", "3d", "1w", "1M"};
    size_t i;
    if (s == NULL)
        return 0;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(s, ok[i]) == 0)
            return 1;
    return 0;
}

int sqt_bn_client_id_ok(const sqt_exchange *ex, const char *s)
{
    return sqt_kit_id_ok(s, SQT_BN_CLIENT_ID_LIMIT - ex->prefix_len, BN_ID_CHARS);
}

static int order_id_ok(const char *s)
{
    return sqt_kit_digits_ok(s, 19);
}

/* The wire form of an engine client id. */
/* prefix + cid, cut at cap - 1 like snprintf (on every order: no format parsing) */
static void full_client_id(const sqt_exchange *ex, const char *cid, char *out, size_t cap)
{
    size_t pl = strlen(ex->prefix), cl = strlen(cid);
    if (cap == 0)
        return;
    if (pl > cap - 1)
        pl = cap - 1;
    if (cl > cap - 1 - pl)
        cl = cap - 1 - pl;
    memcpy(out, ex->prefix, pl);
    memcpy(out + pl, cid, cl);
    out[pl + cl] = '\0';
}

static int usable(sqt_exchange *ex, int have_cb)
{
    return sqt_kit_op_usable(ex->kit.closing, have_cb);
}

/* ------------------------------------------------------------------------------------
 * symbol info
 * ---------------------------------------------------------------------------------- */

/* The kit delivers; this keeps the rules and the limits the plugin needs. */
static int info_parse(void *owner, const char *body, size_t len, sqt_symbol_info *out,
                      sqt_error *e)
{
    sqt_exchange *ex = owner;
    sqt_bn_limits lim;
    int rc = sqt_bn_parse_exchange_info(body, len, ex->symbol, out, &lim, e);
    if (rc != SQT_OK)
        return rc;
    out->client_id_max_len = SQT_BN_CLIENT_ID_LIMIT - (int32_t)ex->prefix_len;
    ex->info = *out;
    ex->limits = lim;
    ex->have_info = 1;
    return SQT_OK;
}

int sqt_bn_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    sqt_kit_rest_req rq = sqt_kit_rest_req_of("GET", "/fapi/v1/exchangeInfo", NULL, NULL,
                                              SQT_KIT_AUTH_NONE);
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    return sqt_kit_info_fetch(&ex->kit.rest, &rq, info_parse, cb, ud);
}

/* ------------------------------------------------------------------------------------
 * account: position mode first (refuse hedge mode), then balances and leverage
 * ---------------------------------------------------------------------------------- */

typedef struct acct_ctx {
    sqt_account_cb cb;
    void *ud;
    sqt_account acct;          /* parsed, while symbolConfig supplies the leverage */
} acct_ctx;

static void acct_fail(acct_ctx *c, const sqt_error *e)
{
    c->cb(c->ud, e, NULL);
    free(c);
}

static sqt_bn_query symbol_query(const sqt_exchange *ex);

static void acct_deliver(acct_ctx *c, sqt_exchange *ex)
{
    c->acct.position_mode = (sqt_position_mode)ex->pos_mode;
    c->cb(c->ud, &no_error, &c->acct);
    free(c);
}

/* The leverage is not in a v3 account: symbolConfig has it. Without it the account is
 * still good, with the leverage unknown (0), which the host treats as such. */
static void acct_leverage_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    acct_ctx *c = r->ctx;
    sqt_exchange *ex = bn_ex(r);
    sqt_error e = res->err;
    int32_t lev = 0;
    if (e.code == SQT_OK &&
        sqt_bn_parse_symbol_leverage(res->body, res->len, ex->symbol, &lev, &e) == SQT_OK)
        ex->leverage = c->acct.leverage = lev;
    else if (e.code != SQT_ECANCELLED)
        sqt_bn_logf(ex, SQT_LOG_WARN, "symbolConfig: %s: the leverage stays unknown", e.message);
    acct_deliver(c, ex);
}

static void acct_balance_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    acct_ctx *c = r->ctx;
    sqt_exchange *ex = bn_ex(r);
    sqt_error e = res->err;
    sqt_bn_query q;
    const char *asset = ex->have_info ? ex->info.quote_asset : "USDT";
    if (e.code != SQT_OK ||
        sqt_bn_parse_account(res->body, res->len, asset, ex->symbol, &c->acct, &e) != SQT_OK) {
        acct_fail(c, &e);
        return;
    }
    if (c->acct.leverage > 0)
        ex->leverage = c->acct.leverage;
    if (c->acct.leverage > 0 || ex->kit.closing) {
        acct_deliver(c, ex);
        return;
    }
    q = symbol_query(ex);
    if (sqt_bn_rest(ex, "GET", "/fapi/v1/symbolConfig", &q, SQT_KIT_AUTH_SIGNED, 0,
                    acct_leverage_done, c) != SQT_OK)
        acct_deliver(c, ex);
}

static int acct_balance_start(sqt_exchange *ex, acct_ctx *c)
{
    return sqt_bn_rest(ex, "GET", "/fapi/v3/account", NULL, SQT_KIT_AUTH_SIGNED, 0,
                       acct_balance_done, c);
}

static void acct_mode_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    acct_ctx *c = r->ctx;
    sqt_exchange *ex = bn_ex(r);
    sqt_error e = res->err;
    int hedge = 0, rc;
    if (e.code != SQT_OK ||
        sqt_bn_parse_position_mode(res->body, res->len, &hedge, &e) != SQT_OK) {
        acct_fail(c, &e);
        return;
    }
    ex->pos_mode = hedge ? SQT_POSMODE_HEDGE : SQT_POSMODE_ONE_WAY;
    if (hedge && !ex->allow_hedge) {
        sqt_bn_set_err(&e, SQT_EPOSITION_MODE,
                       "the Binance futures account is in hedge mode (dualSidePosition=true); "
                       "OpenSQT needs one-way mode: switch it in the futures settings (no "
                       "open orders or positions) or set trading.allow_hedge_mode: true");
        sqt_bn_logf(ex, SQT_LOG_ERROR, "%s", e.message);
        acct_fail(c, &e);
        return;
    }
    if (ex->kit.closing) {
        sqt_bn_set_err(&e, SQT_ECANCELLED, "cancelled (shutdown)");
        acct_fail(c, &e);
        return;
    }
    if ((rc = acct_balance_start(ex, c)) != SQT_OK) {
        sqt_bn_set_err(&e, rc, "account request not sent: %s", sqt_strerror(rc));
        acct_fail(c, &e);
    }
}

int sqt_bn_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    acct_ctx *c;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->cb = cb;
    c->ud = ud;
    /* the mode cannot change while we hold orders; ask (weight 30) until it is settled */
    if (ex->pos_mode == SQT_POSMODE_ONE_WAY ||
        (ex->pos_mode == SQT_POSMODE_HEDGE && ex->allow_hedge))
        rc = acct_balance_start(ex, c);
    else
        rc = sqt_bn_rest(ex, "GET", "/fapi/v1/positionSide/dual", NULL, SQT_KIT_AUTH_SIGNED, 0,
                         acct_mode_done, c);
    if (rc != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * positions, open orders, one order
 * ---------------------------------------------------------------------------------- */

typedef struct list_ctx {
    sqt_positions_cb pcb;      /* one of the two is set */
    sqt_orders_cb ocb;
    void *ud;
} list_ctx;

static sqt_bn_query symbol_query(const sqt_exchange *ex)
{
    sqt_bn_query q;
    sqt_bn_query_init(&q);
    sqt_bn_query_add(&q, "symbol", ex->symbol);
    return q;
}

static void positions_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    list_ctx *c = r->ctx;
    sqt_positions_cb cb = c->pcb;
    sqt_error e = res->err;
    sqt_position pos[4];
    size_t n = 0;
    if (e.code == SQT_OK &&
        sqt_bn_parse_positions(res->body, res->len, bn_ex(r)->symbol, pos, 4, &n, &e) == SQT_OK) {
        size_t i;
        for (i = 0; i < n; i++) /* v3 answers carry no leverage: the account's */
            if (pos[i].leverage == 0)
                pos[i].leverage = bn_ex(r)->leverage;
        cb(c->ud, &no_error, pos, n);
    }
    else
        cb(c->ud, &e, NULL, 0);
    free(c);
}

static int list_start(sqt_exchange *ex, sqt_positions_cb pcb, sqt_orders_cb ocb, void *ud,
                      const char *path, sqt_bn_query *q, sqt_kit_answer_fn done)
{
    list_ctx *c = NULL;
    int rc;
    if ((rc = usable(ex, pcb != NULL || ocb != NULL)) != SQT_OK ||
        (c = calloc(1, sizeof(*c))) == NULL) {
        sqt_bn_query_free(q);
        return rc != SQT_OK ? rc : SQT_ENOMEM;
    }
    c->pcb = pcb;
    c->ocb = ocb;
    c->ud = ud;
    rc = sqt_bn_rest(ex, "GET", path, q, SQT_KIT_AUTH_SIGNED, 0, done, c);
    if (rc != SQT_OK)
        free(c);
    return rc;
}

int sqt_bn_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    sqt_bn_query q = symbol_query(ex);
    return list_start(ex, cb, NULL, ud, "/fapi/v3/positionRisk", &q, positions_done);
}

/* ------------------------------------------------------------------------------------
 * the fee of orders answered by REST: an order answer has no commission, so for each
 * order with fills GET /fapi/v1/userTrades (weight 5) supplies the trades. Their sum
 * becomes cum_fee only when it covers executedQty exactly (a lagging list must not
 * understate the fee) in one asset. The kit's filler (sqt_kit_fee_fill) asks the lists
 * one after the other; any failure delivers the orders without the fee.
 * ---------------------------------------------------------------------------------- */

#define BN_FEE_LISTS_MAX 10        /* trade lists per call: weight 50 at most */

static int fee_ask(void *plugin, void *ctx, const char *order_id)
{
    sqt_exchange *ex = plugin;
    sqt_bn_query q = symbol_query(ex);
    sqt_bn_query_add(&q, "orderId", order_id);
    sqt_bn_query_add_int(&q, "limit", 1000);
    return sqt_bn_rest(ex, "GET", "/fapi/v1/userTrades", &q, SQT_KIT_AUTH_SIGNED, 0,
                       sqt_kit_fee_done, ctx);
}

static int fee_sum(void *plugin, const sqt_order *o, const sqt_kit_answer *a,
                   sqt_kit_fee_sum *out, sqt_error *e)
{
    sqt_exchange *ex = plugin;
    sqt_bn_trade_sum s;
    int rc = sqt_bn_parse_user_trades(a->body, a->len, ex->symbol, o->order_id, &s, e);
    if (rc != SQT_OK)
        return rc;
    out->qty = s.qty;
    out->fee = s.fee;
    out->one_asset = s.one_asset;
    memcpy(out->asset, s.fee_asset, sizeof(out->asset));
    return SQT_OK;
}

static const sqt_kit_fee_hooks fee_hooks = {fee_ask, fee_sum, order_id_ok, BN_FEE_LISTS_MAX};

static void orders_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    list_ctx *c = r->ctx;
    sqt_orders_cb cb = c->ocb;
    sqt_exchange *ex = bn_ex(r);
    sqt_error e = res->err;
    sqt_order *orders = NULL;
    size_t n = 0;
    if (e.code == SQT_OK && sqt_bn_parse_orders(res->body, res->len, ex->symbol, ex->prefix,
                                                &orders, &n, &e) == SQT_OK)
        sqt_kit_fee_fill(&ex->kit, &fee_hooks, "open orders", cb, c->ud, orders, n);
    else
        cb(c->ud, &e, NULL, 0);
    free(orders);
    free(c);
}

int sqt_bn_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    sqt_bn_query q = symbol_query(ex);
    return list_start(ex, NULL, cb, ud, "/fapi/v1/openOrders", &q, orders_done);
}

static void query_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    list_ctx *c = r->ctx;
    sqt_orders_cb cb = c->ocb;
    sqt_exchange *ex = bn_ex(r);
    sqt_error e = res->err;
    sqt_order o;
    if (e.code == SQT_OK &&
        sqt_bn_parse_order(res->body, res->len, ex->prefix, &o, &e) == SQT_OK) {
        if (strcmp(o.symbol, ex->symbol) == 0) {
            sqt_kit_fee_fill(&ex->kit, &fee_hooks, "query order", cb, c->ud, &o, 1);
            free(c);
            return;
        }
        sqt_bn_set_err(&e, SQT_EPROTO, "query order: answer is for symbol %.31s", o.symbol);
    }
    cb(c->ud, &e, NULL, 0);
    free(c);
}

int sqt_bn_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud)
{
    sqt_bn_query q = symbol_query(ex);
    char full[SQT_CLIENT_ID_MAX + BN_PREFIX_MAX];
    if (client_id != NULL && client_id[0] != '\0') {
        if (!sqt_bn_client_id_ok(ex, client_id)) {
            sqt_bn_query_free(&q);
            return SQT_EINVAL;
        }
        full_client_id(ex, client_id, full, sizeof(full));
        sqt_bn_query_add(&q, "origClientOrderId", full);
    } else if (order_id_ok(order_id)) {
        sqt_bn_query_add(&q, "orderId", order_id);
    } else {
        sqt_bn_query_free(&q);
        return SQT_EINVAL;
    }
    return list_start(ex, NULL, cb, ud, "/fapi/v1/order", &q, query_done);
}

/* ------------------------------------------------------------------------------------
 * place
 * ---------------------------------------------------------------------------------- */

typedef struct place_item {
    char cid[SQT_CLIENT_ID_MAX + BN_PREFIX_MAX];
    char price[48];
    char qty[48];
    const char *side;
    const char *tif;
    int reduce_only;
} place_item;

/* v > bound, for a bound that is set (> 0). */
SQT_HOT static int above(sqt_dec v, sqt_dec bound)
{
    int ok = 0;
    return bound.mant > 0 && sqt_dec_cmp(v, bound, &ok) > 0 && ok;
}

static int place_item_make(sqt_exchange *ex, const sqt_order_req *q, place_item *it,
                           sqt_error *e)
{
    int ok = 0;
    memset(e, 0, sizeof(*e));
    if (!sqt_bn_client_id_ok(ex, q->client_id)) {
        sqt_bn_set_err(e, SQT_EINVAL, "client id must be 1-%d of [.A-Za-z0-9:/_-]",
                       SQT_BN_CLIENT_ID_LIMIT - (int)ex->prefix_len);
        return e->code;
    }
    full_client_id(ex, q->client_id, it->cid, sizeof(it->cid));
    if (q->side != SQT_SIDE_BUY && q->side != SQT_SIDE_SELL) {
        sqt_bn_set_err(e, SQT_EINVAL, "side must be BUY or SELL");
        return e->code;
    }
    if (q->tif != SQT_TIF_GTC && q->tif != SQT_TIF_POST_ONLY) {
        sqt_bn_set_err(e, SQT_EINVAL, "time in force must be GTC or post-only");
        return e->code;
    }
    it->side = q->side == SQT_SIDE_BUY ? "BUY" : "SELL";
    it->tif = q->tif == SQT_TIF_POST_ONLY ? "GTX" : "GTC";
    it->reduce_only = q->reduce_only != 0;
    if (sqt_kit_dec_on_grid(q->price, ex->info.tick_size, "price", "tick", it->price,
                            sizeof(it->price), e) != SQT_OK ||
        sqt_kit_dec_on_grid(q->qty, ex->info.step_size, "quantity", "step", it->qty,
                            sizeof(it->qty), e) != SQT_OK)
        return e->code;
    if (sqt_dec_cmp(q->qty, ex->info.min_qty, &ok) < 0 && ok) {
        sqt_bn_set_err(e, SQT_ERULES, "quantity %s is below the minimum", it->qty);
        return e->code;
    }
    /* the static bounds of exchangeInfo (-4005, -4013, -4014 spared). PERCENT_PRICE is
     * left to the exchange: it is relative to the mark price, which the plugin does not
     * follow, and a guess from the last trade could refuse a valid order. */
    if (above(q->qty, ex->limits.max_qty))
        sqt_bn_set_err(e, SQT_ERULES, "quantity %s is above the maximum", it->qty);
    else if (above(q->price, ex->limits.max_price))
        sqt_bn_set_err(e, SQT_ERULES, "price %s is above the maximum", it->price);
    else if (above(ex->limits.min_price, q->price))
        sqt_bn_set_err(e, SQT_ERULES, "price %s is below the minimum", it->price);
    return e->code;
}

static int hedge_on(const sqt_exchange *ex)
{
    return ex->pos_mode == SQT_POSMODE_HEDGE;
}

static void place_single_params(sqt_exchange *ex, const place_item *it, sqt_bn_query *q)
{
    sqt_bn_query_add(q, "symbol", ex->symbol);
    sqt_bn_query_add(q, "side", it->side);
    sqt_bn_query_add(q, "type", "LIMIT");
    sqt_bn_query_add(q, "timeInForce", it->tif);
    sqt_bn_query_add(q, "quantity", it->qty);
    sqt_bn_query_add(q, "price", it->price);
    if (hedge_on(ex)) /* long-only grid: every order works the LONG side; no reduceOnly */
        sqt_bn_query_add(q, "positionSide", "LONG");
    else if (it->reduce_only)
        sqt_bn_query_add(q, "reduceOnly", "true");
    sqt_bn_query_add(q, "newClientOrderId", it->cid);
}

static int place_batch_params(sqt_exchange *ex, const place_item *items, size_t n,
                              sqt_bn_query *q)
{
    json_t *arr = json_array(), *o;
    char *text;
    size_t i;
    int bad = arr == NULL;
    for (i = 0; i < n && !bad; i++) {
        o = json_object();
        bad = o == NULL || json_array_append_new(arr, o) != 0;
        if (bad)
            break;
        bad |= json_object_set_new(o, "symbol", json_string(ex->symbol));
        bad |= json_object_set_new(o, "side", json_string(items[i].side));
        bad |= json_object_set_new(o, "type", json_string("LIMIT"));
        bad |= json_object_set_new(o, "timeInForce", json_string(items[i].tif));
        bad |= json_object_set_new(o, "quantity", json_string(items[i].qty));
        bad |= json_object_set_new(o, "price", json_string(items[i].price));
        if (hedge_on(ex))
            bad |= json_object_set_new(o, "positionSide", json_string("LONG"));
        else if (items[i].reduce_only)
            bad |= json_object_set_new(o, "reduceOnly", json_string("true"));
        bad |= json_object_set_new(o, "newClientOrderId", json_string(items[i].cid));
    }
    text = bad ? NULL : json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (text == NULL)
        return SQT_ENOMEM;
    sqt_bn_query_add(q, "batchOrders", text);
    free(text);
    return SQT_OK;
}

static int place_one(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                     sqt_order *out, sqt_error *e)
{
    (void)p;
    return sqt_bn_parse_order(body, len, ((sqt_exchange *)owner)->prefix, out, e);
}

static int place_batch(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                       sqt_kit_item *items, sqt_error *e)
{
    return sqt_bn_parse_batch(body, len, p->n_sent, ((sqt_exchange *)owner)->prefix, items, e);
}

static const sqt_kit_placing_parse place_parse = {place_one, place_batch};

SQT_HOT int sqt_bn_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n, sqt_place_cb cb,
                        void *ud)
{
    place_item items[SQT_BN_MAX_BATCH_PLACE];
    char qbuf[512]; /* a single order's parameters fit: no allocation for the query */
    sqt_kit_placing *c;
    sqt_bn_query q;
    size_t i;
    int rc, first_err = SQT_OK;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (reqs == NULL || n == 0 || n > SQT_BN_MAX_BATCH_PLACE)
        return SQT_EINVAL;
    if (!ex->have_info)
        return SQT_ESTATE; /* tick and step are needed to format the order */
    if ((rc = sqt_kit_rest_ban_check(&ex->kit.rest, "place orders")) != SQT_OK)
        return rc;
    if ((c = sqt_kit_placing_new(reqs, n, &place_parse, cb, ud)) == NULL)
        return SQT_ENOMEM;
    for (i = 0; i < n; i++) {
        if (place_item_make(ex, &reqs[i], &items[c->n_sent], &c->res[i].err) != SQT_OK)
            sqt_kit_placing_refuse(c, &ex->kit, i, &first_err);
        else
            sqt_kit_placing_send(c, i, &reqs[i]);
    }
    if (c->n_sent == 0) { /* nothing valid: refuse the whole call now */
        free(c);
        return first_err;
    }
    sqt_kit_query_init_on(&q, qbuf, sizeof(qbuf));
    if (c->n_sent == 1) {
        place_single_params(ex, &items[0], &q);
        rc = sqt_bn_rest(ex, "POST", "/fapi/v1/order", &q, SQT_KIT_AUTH_SIGNED, 1,
                         sqt_kit_placing_done, c);
    } else if ((rc = place_batch_params(ex, items, c->n_sent, &q)) == SQT_OK) {
        rc = sqt_bn_rest(ex, "POST", "/fapi/v1/batchOrders", &q, SQT_KIT_AUTH_SIGNED, 1,
                         sqt_kit_placing_done, c);
    } else {
        sqt_bn_query_free(&q);
    }
    if (rc != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * warm: the fill path run dry (sqt_exchange_api.warm)
 * ---------------------------------------------------------------------------------- */

/* A fill of one of the instance's own buys, as the user stream pushes it. */
static void warm_push_make(sqt_exchange *ex)
{
    ex->warm_len = sqt_kit_warm_text(
        ex->warm_push, sizeof(ex->warm_push),
        "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1765101261002,\"T\":1765101261000,\"o\":{"
        "\"s\":\"%s\",\"c\":\"%s1_B_1765101259001\",\"S\":\"BUY\",\"o\":\"LIMIT\","
        "\"f\":\"GTX\",\"q\":\"0.010\",\"p\":\"3021.55\",\"ap\":\"3021.55\",\"sp\":\"0\","
        "\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":8389765537712345678,\"l\":\"0.010\","
        "\"z\":\"0.010\",\"L\":\"3021.55\",\"N\":\"USDT\",\"n\":\"0.00604310\","
        "\"T\":1765101261000,\"t\":4455667788,\"b\":\"0\",\"a\":\"0\",\"m\":true,"
        "\"R\":false,\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\","
        "\"cp\":false,\"rp\":\"0\",\"V\":\"EXPIRE_MAKER\",\"pm\":\"NONE\",\"gtd\":0}}",
        ex->symbol, ex->prefix);
}


SQT_HOT void sqt_bn_warm(sqt_exchange *ex)
{
    sqt_order o;
    sqt_order_req r;
    place_item it;
    sqt_error e;
    char qbuf[512];
    sqt_bn_query q;
    int kind;
    if (ex == NULL || ex->kit.closing)
        return;
    if (ex->warm_len == 0)
        warm_push_make(ex);
    (void)sqt_bn_fast_user(ex->warm_push, ex->warm_len, ex->prefix, &kind, &o);
    if (!ex->have_info)
        return; /* no tick and step to format an order on yet */
    sqt_kit_warm_order(&ex->info, &r);
    if (ex->limits.min_price.mant > 0) /* PRICE_FILTER's floor, above one tick */
        r.price = ex->limits.min_price;
    if (place_item_make(ex, &r, &it, &e) != SQT_OK)
        return;
    sqt_kit_query_init_on(&q, qbuf, sizeof(qbuf));
    place_single_params(ex, &it, &q);
    if (q.err == SQT_OK)
        sqt_kit_rest_warm_post(&ex->kit.rest, "/fapi/v1/order", sqt_bn_query_str(&q));
    sqt_bn_query_free(&q);
}

/* ------------------------------------------------------------------------------------
 * cancel: by client id where given (one request), by order id for the rest (another)
 * ---------------------------------------------------------------------------------- */

typedef struct cancel_ctx {
    sqt_cancel_cb cb;
    void *ud;
    size_t n;
    sqt_cancel_result res[SQT_BN_MAX_BATCH_CANCEL];
    int pending;               /* parts in flight */
    int reached;               /* some part got the exchange's verdict */
    int first_fail;
} cancel_ctx;

typedef struct cancel_part {
    cancel_ctx *group;
    size_t idx[SQT_BN_MAX_BATCH_CANCEL];
    size_t k;
    int by_client;
} cancel_part;

/* symbol + the ids of items idx[0..k) of res, as one single or batch DELETE. */
static int cancel_params(sqt_exchange *ex, const sqt_cancel_result *res, const size_t *idx,
                         size_t k, int by_client, sqt_bn_query *q, const char **path)
{
    char full[SQT_CLIENT_ID_MAX + BN_PREFIX_MAX];
    json_t *arr;
    char *text;
    size_t i;
    int bad = 0;
    sqt_bn_query_init(q);
    sqt_bn_query_add(q, "symbol", ex->symbol);
    if (k == 1) {
        *path = "/fapi/v1/order";
        if (by_client) {
            full_client_id(ex, res[idx[0]].client_id, full, sizeof(full));
            sqt_bn_query_add(q, "origClientOrderId", full);
        } else {
            sqt_bn_query_add(q, "orderId", res[idx[0]].order_id);
        }
        return q->err;
    }
    *path = "/fapi/v1/batchOrders";
    if ((arr = json_array()) == NULL)
        return SQT_ENOMEM;
    for (i = 0; i < k; i++) {
        if (by_client) {
            full_client_id(ex, res[idx[i]].client_id, full, sizeof(full));
            bad |= json_array_append_new(arr, json_string(full));
        } else {
            bad |= json_array_append_new(
                arr, json_integer((json_int_t)strtoll(res[idx[i]].order_id, NULL, 10)));
        }
    }
    text = bad ? NULL : json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (text == NULL)
        return SQT_ENOMEM;
    sqt_bn_query_add(q, by_client ? "origClientOrderIdList" : "orderIdList", text);
    free(text);
    return q->err;
}

/* Fill results idx[0..k) from one cancel answer. Returns 1 when the exchange judged the
 * items, 0 when the whole request failed (the items then carry that error). */
static int cancel_fill(sqt_exchange *ex, sqt_cancel_result *res, const size_t *idx, size_t k,
                       const sqt_kit_answer *resp)
{
    sqt_bn_item items[SQT_BN_MAX_BATCH_CANCEL];
    sqt_order o;
    sqt_error perr;
    size_t i;
    if (resp->err.code != SQT_OK) {
        if (k == 1 && sqt_kit_item_level(&resp->err)) {
            res[idx[0]].err = resp->err;
            return 1;
        }
        for (i = 0; i < k; i++)
            res[idx[i]].err = resp->err;
        return 0;
    }
    if (k == 1) {
        if (sqt_bn_parse_order(resp->body, resp->len, ex->prefix, &o, &perr) != SQT_OK) {
            sqt_kit_unreadable(&res[idx[0]].err, &perr);
        } else if (res[idx[0]].order_id[0] == '\0') {
            memcpy(res[idx[0]].order_id, o.order_id, sizeof(o.order_id));
        }
        return 1;
    }
    if (sqt_bn_parse_batch(resp->body, resp->len, k, ex->prefix, items, &perr) != SQT_OK) {
        for (i = 0; i < k; i++)
            sqt_kit_unreadable(&res[idx[i]].err, &perr);
        return 1;
    }
    for (i = 0; i < k; i++) {
        sqt_cancel_result *cr = &res[idx[i]];
        if (items[i].err.code == SQT_EPROTO)
            sqt_kit_unreadable(&cr->err, &items[i].err);
        else
            cr->err = items[i].err;
        if (cr->err.code == SQT_OK && cr->order_id[0] == '\0')
            memcpy(cr->order_id, items[i].order.order_id, sizeof(cr->order_id));
    }
    return 1;
}

static void cancel_group_end(cancel_ctx *g)
{
    g->cb(g->ud, g->reached ? SQT_OK : g->first_fail, g->res, g->n);
    free(g);
}

static void cancel_part_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    cancel_part *p = r->ctx;
    cancel_ctx *g = p->group;
    if (cancel_fill(bn_ex(r), g->res, p->idx, p->k, res))
        g->reached = 1;
    else if (g->first_fail == SQT_OK)
        g->first_fail = res->err.code;
    free(p);
    if (--g->pending == 0)
        cancel_group_end(g);
}

/* Send the cancel of items idx[0..k) of res; `done` gets ctx. */
static int cancel_send(sqt_exchange *ex, const sqt_cancel_result *res, const size_t *idx,
                       size_t k, int by_client, sqt_kit_answer_fn done, void *ctx)
{
    sqt_bn_query q;
    const char *path;
    int rc = cancel_params(ex, res, idx, k, by_client, &q, &path);
    if (rc != SQT_OK) {
        sqt_bn_query_free(&q);
        return rc;
    }
    return sqt_bn_rest(ex, "DELETE", path, &q, SQT_KIT_AUTH_SIGNED, 1, done, ctx);
}

int sqt_bn_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud)
{
    cancel_ctx *g;
    cancel_part *parts[2] = {NULL, NULL};
    size_t i, started = 0;
    int rc, pi, first_err = SQT_OK;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (reqs == NULL || n == 0 || n > SQT_BN_MAX_BATCH_CANCEL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_rest_ban_check(&ex->kit.rest, "cancel orders")) != SQT_OK)
        return rc;
    if ((g = calloc(1, sizeof(*g))) == NULL)
        return SQT_ENOMEM;
    g->cb = cb;
    g->ud = ud;
    g->n = n;
    sqt_kit_cancel_results(g->res, reqs, n);
    for (i = 0; i < n; i++) {
        sqt_cancel_result *cr = &g->res[i];
        int by_client;
        if (sqt_bn_client_id_ok(ex, cr->client_id))
            by_client = 1;
        else if (order_id_ok(cr->order_id))
            by_client = 0;
        else {
            sqt_bn_set_err(&cr->err, SQT_EINVAL, "cancel needs a valid client id or order id");
            if (first_err == SQT_OK)
                first_err = SQT_EINVAL;
            continue;
        }
        if (parts[by_client] == NULL) {
            if ((parts[by_client] = calloc(1, sizeof(cancel_part))) == NULL)
                goto nomem;
            parts[by_client]->group = g;
            parts[by_client]->by_client = by_client;
        }
        parts[by_client]->idx[parts[by_client]->k++] = i;
    }
    if (parts[0] == NULL && parts[1] == NULL) {
        free(g);
        return first_err;
    }
    for (pi = 1; pi >= 0; pi--) {
        cancel_part *p = parts[pi];
        if (p == NULL)
            continue;
        g->pending++;
        rc = cancel_send(ex, g->res, p->idx, p->k, p->by_client, cancel_part_done, p);
        if (rc == SQT_OK) {
            started++;
            continue;
        }
        g->pending--;
        if (started == 0) { /* nothing in flight: refuse the call */
            free(parts[0]);
            free(parts[1]);
            free(g);
            return rc;
        }
        /* the other part is in flight and will end the group: these items failed */
        for (i = 0; i < p->k; i++)
            sqt_bn_set_err(&g->res[p->idx[i]].err, rc, "cancel not sent: %s", sqt_strerror(rc));
        free(p);
    }
    return SQT_OK;
nomem:
    free(parts[0]);
    free(parts[1]);
    free(g);
    return SQT_ENOMEM;
}

/* ------------------------------------------------------------------------------------
 * cancel_own: the kit lists, filters and batches (sqt_kit_own); Binance's part is the
 * open-order list and the batch cancel of 10
 * ---------------------------------------------------------------------------------- */

static void own_batch_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_kit_own *o = r->ctx;
    size_t idx[SQT_BN_MAX_BATCH_CANCEL], i, n;
    sqt_cancel_result *items = sqt_kit_own_batch(o, &n);
    for (i = 0; i < n; i++)
        idx[i] = i;
    sqt_kit_own_batch_done(o, cancel_fill(bn_ex(r), items, idx, n, res) ? SQT_OK : res->err.code);
}

static int own_send_batch(void *plugin, sqt_kit_own *o, sqt_cancel_result *res, size_t n)
{
    sqt_exchange *ex = plugin;
    size_t idx[SQT_BN_MAX_BATCH_CANCEL], i;
    for (i = 0; i < n; i++)
        idx[i] = i;
    return cancel_send(ex, res, idx, n, 1, own_batch_done, o);
}

static const sqt_kit_own_ops own_ops = {own_send_batch, NULL};

static void own_list_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_kit_own *o = r->ctx;
    sqt_order *orders = NULL;
    size_t n = 0;
    sqt_error e = res->err;
    /* raw ids (prefix kept): only ids carrying broker prefix + engine prefix are ours */
    if (e.code == SQT_OK)
        sqt_bn_parse_orders(res->body, res->len, bn_ex(r)->symbol, NULL, &orders, &n, &e);
    sqt_kit_own_listed(o, e.code, orders, n);
    free(orders);
}

int sqt_bn_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    char match[SQT_CLIENT_ID_MAX + BN_PREFIX_MAX];
    sqt_kit_own *o;
    sqt_bn_query q;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    /* an empty prefix would match everyone's orders */
    if (!sqt_bn_client_id_ok(ex, prefix))
        return SQT_EINVAL;
    full_client_id(ex, prefix, match, sizeof(match));
    o = sqt_kit_own_new(&own_ops, ex, match, ex->prefix_len, SQT_BN_MAX_BATCH_CANCEL, cb, ud);
    if (o == NULL)
        return SQT_ENOMEM;
    q = symbol_query(ex);
    rc = sqt_bn_rest(ex, "GET", "/fapi/v1/openOrders", &q, SQT_KIT_AUTH_SIGNED, 0, own_list_done,
                     o);
    if (rc != SQT_OK)
        sqt_kit_own_free(o);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * historical klines
 * ---------------------------------------------------------------------------------- */

int sqt_bn_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud)
{
    sqt_kit_rest_req rq;
    sqt_bn_query q;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (!sqt_bn_symbol_ok(symbol) || !sqt_bn_interval_ok(interval) || limit < 1 || limit > 1500)
        return SQT_EINVAL;
    sqt_bn_query_init(&q);
    sqt_bn_query_add(&q, "symbol", symbol);
    sqt_bn_query_add(&q, "interval", interval);
    sqt_bn_query_add_int(&q, "limit", limit);
    rc = q.err;
    rq = sqt_kit_rest_req_of("GET", "/fapi/v1/klines", sqt_bn_query_str(&q), NULL,
                             SQT_KIT_AUTH_NONE);
    if (rc == SQT_OK)
        rc = sqt_kit_klines_fetch(&ex->kit.rest, &rq, symbol, interval, sqt_bn_parse_klines, cb,
                                  ud);
    sqt_bn_query_free(&q);
    return rc;
}
