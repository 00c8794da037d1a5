/* Bitget REST operations of the exchange table (mix API v2): each builds its query or
 * JSON body, starts a call through rest.c and turns the answer into SDK structs with
 * parse.c. Operation contexts are single allocations, so an abandoned one is freed with
 * one free(). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg.h"

static const sqt_error no_error; /* code SQT_OK */

#define P_CONTRACTS "/api/v2/mix/market/contracts"
#define P_ACCOUNT "/api/v2/mix/account/account"
#define P_POSITION "/api/v2/mix/position/single-position"
#define P_PENDING "/api/v2/mix/order/orders-pending"
#define P_DETAIL "/api/v2/mix/order/detail"
#define P_PLACE "/api/v2/mix/order/place-order"
#define P_BATCH_PLACE "/api/v2/mix/order/batch-place-order"
#define P_CANCEL "/api/v2/mix/order/cancel-order"
#define P_BATCH_CANCEL "/api/v2/mix/order/batch-cancel-orders"
#define P_CANDLES "/api/v2/mix/market/candles"

/* ------------------------------------------------------------------------------------
 * validation and request building
 * ---------------------------------------------------------------------------------- */

int sqt_bg_symbol_ok(const char *s)
{
    return sqt_kit_symbol_ok(s);
}

/* [A-Za-z0-9_-]{1,50}: the characters live use shows work (bitget.md 7) */
int sqt_bg_client_id_ok(const char *s)
{
    return sqt_kit_id_ok(s, SQT_BG_CLIENT_ID_LIMIT, "_-");
}

static int order_id_ok(const char *s)
{
    return sqt_kit_digits_ok(s, 24);
}

SQT_HOT static int usable(sqt_exchange *ex, int have_cb)
{
    return sqt_kit_op_usable(ex->kit.closing, have_cb);
}

/* productType + symbol (+ marginCoin), the prefix of most queries */
static void base_query(const sqt_exchange *ex, sqt_kit_query *q, int with_coin)
{
    sqt_kit_query_init(q);
    sqt_kit_query_add(q, "symbol", ex->symbol);
    sqt_kit_query_add(q, "productType", ex->product_type);
    if (with_coin)
        sqt_kit_query_add(q, "marginCoin", ex->margin_coin);
}

/* GET path?q; q is freed. */
static int get(sqt_exchange *ex, const char *path, sqt_kit_query *q, int auth,
               sqt_kit_answer_fn done,
               void *ctx)
{
    int rc = q->err;
    if (rc == SQT_OK)
        rc = sqt_bg_rest(ex, "GET", path, sqt_kit_query_str(q), NULL, auth, 0, done, ctx);
    sqt_kit_query_free(q);
    return rc;
}

/* POST path with the JSON object (consumed), compact and in insertion order: the text
 * signed is the text sent. */
SQT_HOT static int post(sqt_exchange *ex, const char *path, json_t *body, sqt_kit_answer_fn done, void *ctx)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int rc;
    json_decref(body);
    if (text == NULL)
        return SQT_ENOMEM;
    rc = sqt_bg_rest(ex, "POST", path, NULL, text, 1, 1, done, ctx);
    free(text);
    return rc;
}

SQT_HOT static int set_str(json_t *o, const char *key, const char *value)
{
    return json_object_set_new(o, key, json_string(value)) != 0;
}

SQT_HOT static json_t *base_body(const sqt_exchange *ex, int with_mode)
{
    json_t *o = json_object();
    int bad = o == NULL;
    if (!bad) {
        bad |= set_str(o, "symbol", ex->symbol);
        bad |= set_str(o, "productType", ex->product_type);
        if (with_mode)
            bad |= set_str(o, "marginMode", ex->margin_mode);
        bad |= set_str(o, "marginCoin", ex->margin_coin);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------------------------------
 * symbol info
 * ---------------------------------------------------------------------------------- */

/* The kit delivers; this keeps the rules for formatting orders. */
static int info_parse(void *owner, const char *body, size_t len, sqt_symbol_info *out,
                      sqt_error *e)
{
    sqt_exchange *ex = owner;
    int rc = sqt_bg_parse_contract(body, len, ex->symbol, out, e);
    if (rc != SQT_OK)
        return rc;
    ex->info = *out;
    ex->have_info = 1;
    return SQT_OK;
}

int sqt_bg_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    sqt_kit_rest_req rq;
    sqt_kit_query q;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    base_query(ex, &q, 0);
    rc = q.err;
    rq = sqt_kit_rest_req_of("GET", P_CONTRACTS, sqt_kit_query_str(&q), NULL, SQT_KIT_AUTH_NONE);
    if (rc == SQT_OK)
        rc = sqt_kit_info_fetch(&ex->kit.rest, &rq, info_parse, cb, ud);
    sqt_kit_query_free(&q);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * account (with the position and margin modes), positions
 * ---------------------------------------------------------------------------------- */

typedef struct list_ctx {
    sqt_account_cb acb;        /* one of the three is set */
    sqt_positions_cb pcb;
    sqt_orders_cb ocb;
    void *ud;
} list_ctx;

static list_ctx *list_new(sqt_account_cb acb, sqt_positions_cb pcb, sqt_orders_cb ocb, void *ud)
{
    list_ctx *c = calloc(1, sizeof(*c));
    if (c != NULL) {
        c->acb = acb;
        c->pcb = pcb;
        c->ocb = ocb;
        c->ud = ud;
    }
    return c;
}

static void account_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    list_ctx *c = r->ctx;
    sqt_exchange *ex = bg_ex(r);
    sqt_error e = res->err;
    sqt_bg_acct a;
    if (e.code == SQT_OK && sqt_bg_parse_account(res->body, res->len, &a, &e) == SQT_OK) {
        ex->pos_mode = a.acct.position_mode;
        snprintf(ex->margin_mode, sizeof(ex->margin_mode), "%s",
                 a.isolated ? "isolated" : "crossed");
        if (a.acct.leverage > 0)
            ex->leverage = a.acct.leverage;
        if (a.acct.position_mode == SQT_POSMODE_HEDGE && !ex->allow_hedge) {
            sqt_kit_fail(&e, SQT_EPOSITION_MODE,
                         "the Bitget futures account is in hedge mode (posMode hedge_mode); "
                         "OpenSQT needs one-way mode: switch it (no open orders or positions) "
                         "or set trading.allow_hedge_mode: true");
            sqt_bg_logf(ex, SQT_LOG_ERROR, "%s", e.message);
            c->acb(c->ud, &e, NULL);
        } else {
            c->acb(c->ud, &no_error, &a.acct);
        }
    } else {
        c->acb(c->ud, &e, NULL);
    }
    free(c);
}

int sqt_bg_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    sqt_kit_query q;
    list_ctx *c;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if ((c = list_new(cb, NULL, NULL, ud)) == NULL)
        return SQT_ENOMEM;
    base_query(ex, &q, 1);
    if ((rc = get(ex, P_ACCOUNT, &q, 1, account_done, c)) != SQT_OK)
        free(c);
    return rc;
}

static void positions_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    list_ctx *c = r->ctx;
    sqt_exchange *ex = bg_ex(r);
    sqt_error e = res->err;
    sqt_position pos[4];
    size_t n = 0, i;
    if (e.code == SQT_OK &&
        sqt_bg_parse_positions(res->body, res->len, ex->symbol, pos, 4, &n, &e) == SQT_OK) {
        for (i = 0; i < n; i++)
            if (pos[i].leverage == 0)
                pos[i].leverage = ex->leverage;
        c->pcb(c->ud, &no_error, pos, n);
    } else {
        c->pcb(c->ud, &e, NULL, 0);
    }
    free(c);
}

int sqt_bg_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    sqt_kit_query q;
    list_ctx *c;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if ((c = list_new(NULL, cb, NULL, ud)) == NULL)
        return SQT_ENOMEM;
    base_query(ex, &q, 1);
    if ((rc = get(ex, P_POSITION, &q, 1, positions_done, c)) != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * open orders: every page, following endId -> idLessThan while a page is full
 * (bitget.md 3.10, 9.2); cancel_own lists through the same pager
 * ---------------------------------------------------------------------------------- */

static void pager_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_kit_pager *p = r->ctx;
    sqt_exchange *ex = bg_ex(r);
    sqt_error e = res->err;
    char end[SQT_ORDER_ID_MAX] = "";
    size_t raw = 0;
    if (e.code == SQT_OK)
        sqt_bg_parse_pending(res->body, res->len, ex->symbol, 0, &p->orders, &p->n, &raw, end,
                             sizeof(end), &e);
    sqt_kit_pager_page(p, &e, raw, end);
}

static int pager_send(void *plugin, sqt_kit_pager *p)
{
    sqt_exchange *ex = plugin;
    sqt_kit_query q;
    base_query(ex, &q, 0);
    if (p->cursor[0] != '\0')
        sqt_kit_query_add(&q, "idLessThan", p->cursor);
    sqt_kit_query_add_int(&q, "limit", SQT_BG_PAGE);
    return get(ex, P_PENDING, &q, 1, pager_done, p);
}

static const sqt_kit_pager_ops pager_ops = {pager_send, NULL, NULL, SQT_BG_PAGE,
                                            BG_OPEN_PAGES_MAX};

int sqt_bg_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    return sqt_kit_pager_start(&pager_ops, ex, cb, NULL, ud);
}

static void detail_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    list_ctx *c = r->ctx;
    sqt_exchange *ex = bg_ex(r);
    sqt_error e = res->err;
    sqt_order o;
    if (e.code == SQT_OK && sqt_bg_parse_detail(res->body, res->len, 0, &o, &e) == SQT_OK) {
        if (strcmp(o.symbol, ex->symbol) == 0) {
            c->ocb(c->ud, &no_error, &o, 1);
            free(c);
            return;
        }
        sqt_kit_fail(&e, SQT_EPROTO, "query order: answer is for symbol %.31s", o.symbol);
    }
    c->ocb(c->ud, &e, NULL, 0);
    free(c);
}

int sqt_bg_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud)
{
    sqt_kit_query q;
    list_ctx *c;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    base_query(ex, &q, 0);
    if (client_id != NULL && client_id[0] != '\0') {
        if (!sqt_bg_client_id_ok(client_id)) {
            sqt_kit_query_free(&q);
            return SQT_EINVAL;
        }
        sqt_kit_query_add(&q, "clientOid", client_id);
    } else if (order_id_ok(order_id)) {
        sqt_kit_query_add(&q, "orderId", order_id);
    } else {
        sqt_kit_query_free(&q);
        return SQT_EINVAL;
    }
    if ((c = list_new(NULL, NULL, cb, ud)) == NULL) {
        sqt_kit_query_free(&q);
        return SQT_ENOMEM;
    }
    if ((rc = get(ex, P_DETAIL, &q, 1, detail_done, c)) != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * place: one order through place-order, more through batch-place-order (<= 50)
 * ---------------------------------------------------------------------------------- */

/* The order's JSON fields (the batch item; the single order adds the base fields). */
SQT_HOT static int place_fields(sqt_exchange *ex, const sqt_order_req *q, json_t *o, sqt_error *e)
{
    char price[48], size[48];
    int ok = 0, bad = 0;
    memset(e, 0, sizeof(*e));
    if (!sqt_bg_client_id_ok(q->client_id))
        return sqt_kit_fail(e, SQT_EINVAL, "client id must be 1-%d of [A-Za-z0-9_-]",
                            SQT_BG_CLIENT_ID_LIMIT);
    if (q->side != SQT_SIDE_BUY && q->side != SQT_SIDE_SELL)
        return sqt_kit_fail(e, SQT_EINVAL, "side must be BUY or SELL");
    if (q->tif != SQT_TIF_GTC && q->tif != SQT_TIF_POST_ONLY)
        return sqt_kit_fail(e, SQT_EINVAL, "time in force must be GTC or post-only");
    if (sqt_kit_dec_on_grid(q->price, ex->info.tick_size, "price", "tick", price,
                            sizeof(price), e) ||
        sqt_kit_dec_on_grid(q->qty, ex->info.step_size, "size", "size multiplier", size,
                            sizeof(size), e))
        return e->code;
    if (sqt_dec_cmp(q->qty, ex->info.min_qty, &ok) < 0 && ok)
        return sqt_kit_fail(e, SQT_ERULES, "size %s is below minTradeNum", size);
    bad |= set_str(o, "size", size);
    bad |= set_str(o, "price", price);
    if (ex->pos_mode == SQT_POSMODE_HEDGE) {
        /* a long-only grid in hedge mode: buys open the long, sells close it, and both
         * name the position's direction (buy) (bitget.md 3.5) */
        bad |= set_str(o, "side", "buy");
        bad |= set_str(o, "tradeSide", q->side == SQT_SIDE_BUY ? "open" : "close");
    } else {
        bad |= set_str(o, "side", q->side == SQT_SIDE_BUY ? "buy" : "sell");
    }
    bad |= set_str(o, "orderType", "limit");
    bad |= set_str(o, "force", q->tif == SQT_TIF_POST_ONLY ? "post_only" : "gtc");
    bad |= set_str(o, "clientOid", q->client_id);
    if (ex->pos_mode != SQT_POSMODE_HEDGE && q->reduce_only)
        bad |= set_str(o, "reduceOnly", "YES");
    return bad ? sqt_kit_fail(e, SQT_ENOMEM, "out of memory") : SQT_OK;
}

/* What the exchange accepted, as an order: NEW with what we asked. */
static void accepted(sqt_exchange *ex, const sqt_order_req *q, const char *order_id,
                     sqt_order *o)
{
    memset(o, 0, sizeof(*o));
    o->struct_size = sizeof(*o);
    snprintf(o->symbol, sizeof(o->symbol), "%s", ex->symbol);
    snprintf(o->client_id, sizeof(o->client_id), "%s", q->client_id);
    /* bounded: gcc -O3 cannot see that order_id is one item's field */
    snprintf(o->order_id, sizeof(o->order_id), "%.*s", SQT_ORDER_ID_MAX - 1, order_id);
    o->side = q->side;
    o->status = SQT_ORDER_NEW;
    o->tif = q->tif;
    o->reduce_only = q->reduce_only != 0;
    o->price = q->price;
    o->qty = q->qty;
    o->update_time_ms = sqt_kit_rest_server_now(&ex->kit.rest);
}

/* Bitget answers an accepted order with its ids only: the order is the one sent. */
SQT_HOT static int place_one(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                     sqt_order *out, sqt_error *e)
{
    char oid[SQT_ORDER_ID_MAX];
    int rc = sqt_bg_parse_ack(body, len, oid, sizeof(oid), e);
    if (rc == SQT_OK)
        accepted(owner, &p->reqs[0], oid, out);
    return rc;
}

SQT_HOT static int place_batch(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                       sqt_kit_item *items, sqt_error *e)
{
    const char *cids[SQT_BG_MAX_BATCH];
    sqt_bg_item got[SQT_BG_MAX_BATCH];
    size_t k;
    int rc;
    if (p->n_sent > SQT_BG_MAX_BATCH)
        return sqt_kit_fail(e, SQT_EINVAL, "batch larger than %d", SQT_BG_MAX_BATCH);
    for (k = 0; k < p->n_sent; k++)
        cids[k] = p->reqs[k].client_id;
    if ((rc = sqt_bg_parse_batch(body, len, cids, NULL, p->n_sent, got, e)) != SQT_OK)
        return rc;
    for (k = 0; k < p->n_sent; k++) {
        items[k].err = got[k].err;
        if (got[k].err.code == SQT_OK)
            accepted(owner, &p->reqs[k], got[k].order_id, &items[k].order);
    }
    return SQT_OK;
}

static const sqt_kit_placing_parse place_parse = {place_one, place_batch};

SQT_HOT int sqt_bg_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n, sqt_place_cb cb,
                        void *ud)
{
    sqt_kit_placing *c;
    json_t *body, *list = NULL, *item;
    size_t i;
    int rc, first_err = SQT_OK;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (reqs == NULL || n == 0 || n > SQT_BG_MAX_BATCH)
        return SQT_EINVAL;
    if (!ex->have_info)
        return SQT_ESTATE; /* tick and size multiplier format the order */
    if ((body = base_body(ex, 1)) == NULL)
        return SQT_ENOMEM;
    c = sqt_kit_placing_new(reqs, n, &place_parse, cb, ud);
    if (c == NULL || (n > 1 && (list = json_array()) == NULL))
        goto nomem;
    for (i = 0; i < n; i++) {
        item = n == 1 ? body : json_object();
        if (item == NULL)
            goto nomem;
        if (place_fields(ex, &reqs[i], item, &c->res[i].err) != SQT_OK) {
            if (n > 1)
                json_decref(item);
            sqt_kit_placing_refuse(c, &ex->kit, i, &first_err);
            continue;
        }
        if (n > 1 && json_array_append_new(list, item) != 0)
            goto nomem;
        sqt_kit_placing_send(c, i, &reqs[i]);
    }
    if (c->n_sent == 0) { /* nothing valid: refuse the whole call now */
        json_decref(body);
        json_decref(list);
        free(c);
        return first_err;
    }
    if (n == 1) {
        rc = post(ex, P_PLACE, body, sqt_kit_placing_done, c);
    } else {
        if (json_object_set_new(body, "orderList", list) != 0) {
            list = NULL;
            goto nomem;
        }
        rc = post(ex, P_BATCH_PLACE, body, sqt_kit_placing_done, c);
    }
    if (rc != SQT_OK)
        free(c);
    return rc;
nomem:
    json_decref(body);
    json_decref(list);
    free(c);
    return SQT_ENOMEM;
}

/* ------------------------------------------------------------------------------------
 * warm: the fill path run dry (sqt_exchange_api.warm)
 * ---------------------------------------------------------------------------------- */

/* A fill of one of the instance's buys, as the orders channel pushes it. */
static void warm_push_make(sqt_exchange *ex)
{
    ex->warm_len = sqt_kit_warm_text(
        ex->warm_push, sizeof(ex->warm_push),
        "{\"action\":\"snapshot\",\"arg\":{\"instType\":\"USDT-FUTURES\","
        "\"channel\":\"orders\",\"instId\":\"default\"},\"data\":[{\"instId\":\"%s\","
        "\"orderId\":\"1\",\"clientOid\":\"1_B_1765101259001\",\"status\":\"filled\","
        "\"side\":\"buy\",\"price\":\"3000\",\"size\":\"0.01\",\"accBaseVolume\":\"0.01\","
        "\"baseVolume\":\"0.01\",\"fillPrice\":\"3000\",\"fillFee\":\"-0.006\","
        "\"fillFeeCoin\":\"USDT\",\"marginCoin\":\"USDT\",\"uTime\":\"1765101261000\"}],"
        "\"ts\":1765101261002}",
        ex->symbol);
}

SQT_HOT void sqt_bg_warm(sqt_exchange *ex)
{
    sqt_order o;
    sqt_order_req r;
    sqt_error e;
    json_t *body;
    char *text;
    size_t n = 0;
    if (ex == NULL || ex->kit.closing)
        return;
    if (ex->warm_len == 0)
        warm_push_make(ex);
    (void)sqt_bg_parse_order_push(ex->warm_push, ex->warm_len, 0, &o, 1, &n, &e);
    if (!ex->have_info || (body = base_body(ex, 1)) == NULL)
        return; /* no tick and size multiplier to format an order on yet */
    sqt_kit_warm_order(&ex->info, &r);
    if (place_fields(ex, &r, body, &e) == SQT_OK &&
        (text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
        sqt_kit_rest_warm_post(&ex->kit.rest, P_PLACE, text);
        free(text);
    }
    json_decref(body);
}

/* ------------------------------------------------------------------------------------
 * cancel: one through cancel-order, more through batch-cancel-orders with a non-empty
 * orderIdList of objects (bitget.md 3.8, 9.6: an absent list cancels the symbol)
 * ---------------------------------------------------------------------------------- */

typedef struct cancel_ctx {
    sqt_cancel_cb cb;
    void *ud;
    size_t n;
    sqt_cancel_result res[SQT_BG_MAX_BATCH];
    int by_client[SQT_BG_MAX_BATCH];
} cancel_ctx;

/* Fill res[0..n) from the answer; 1 when the exchange judged the items. */
static int cancel_fill(sqt_cancel_result *res, size_t n, const int *by_client,
                       const sqt_kit_answer *resp)
{
    const char *cids[SQT_BG_MAX_BATCH] = {NULL}, *oids[SQT_BG_MAX_BATCH] = {NULL};
    sqt_bg_item items[SQT_BG_MAX_BATCH];
    char oid[SQT_ORDER_ID_MAX];
    sqt_error perr;
    size_t i;
    if (resp->err.code != SQT_OK) {
        if (n == 1 && sqt_kit_item_level(&resp->err)) {
            res[0].err = resp->err;
            return 1;
        }
        for (i = 0; i < n; i++)
            res[i].err = resp->err;
        return 0;
    }
    if (n == 1) {
        if (sqt_bg_parse_ack(resp->body, resp->len, oid, sizeof(oid), &perr) != SQT_OK)
            sqt_kit_unreadable(&res[0].err, &perr);
        else if (res[0].order_id[0] == '\0')
            snprintf(res[0].order_id, sizeof(res[0].order_id), "%s", oid);
        return 1;
    }
    for (i = 0; i < n; i++) {
        cids[i] = by_client[i] ? res[i].client_id : NULL;
        oids[i] = by_client[i] ? NULL : res[i].order_id;
    }
    if (sqt_bg_parse_batch(resp->body, resp->len, cids, oids, n, items, &perr) != SQT_OK) {
        for (i = 0; i < n; i++)
            sqt_kit_unreadable(&res[i].err, &perr);
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (items[i].err.code == SQT_EPROTO)
            sqt_kit_unreadable(&res[i].err, &items[i].err);
        else
            res[i].err = items[i].err;
        if (res[i].err.code == SQT_OK && res[i].order_id[0] == '\0')
            memcpy(res[i].order_id, items[i].order_id, sizeof(res[i].order_id));
    }
    return 1;
}

/* POST the cancel of res[0..n): by client id where by_client[i], else by order id. */
static int cancel_send(sqt_exchange *ex, const sqt_cancel_result *res, const int *by_client,
                       size_t n, sqt_kit_answer_fn done, void *ctx)
{
    json_t *body = base_body(ex, 0), *list = NULL, *o;
    size_t i;
    int bad = body == NULL || n == 0;
    if (n > 1 && !bad)
        bad = (list = json_array()) == NULL || json_object_set_new(body, "orderIdList", list);
    for (i = 0; i < n && !bad; i++) {
        o = n == 1 ? body : json_object();
        if (o == NULL || (n > 1 && json_array_append_new(list, o) != 0)) {
            bad = 1;
            break;
        }
        if (by_client[i])
            bad |= set_str(o, "clientOid", res[i].client_id);
        else
            bad |= set_str(o, "orderId", res[i].order_id);
    }
    if (bad) {
        json_decref(body);
        return n == 0 ? SQT_EINVAL : SQT_ENOMEM;
    }
    return post(ex, n == 1 ? P_CANCEL : P_BATCH_CANCEL, body, done, ctx);
}

static void cancel_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    cancel_ctx *c = r->ctx;
    int judged = cancel_fill(c->res, c->n, c->by_client, res);
    c->cb(c->ud, judged ? SQT_OK : res->err.code, c->res, c->n);
    free(c);
}

int sqt_bg_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud)
{
    cancel_ctx *c;
    size_t i;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (reqs == NULL || n == 0 || n > SQT_BG_MAX_BATCH)
        return SQT_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->cb = cb;
    c->ud = ud;
    c->n = n;
    sqt_kit_cancel_results(c->res, reqs, n);
    for (i = 0; i < n; i++) {
        sqt_cancel_result *cr = &c->res[i];
        if (sqt_bg_client_id_ok(cr->client_id))
            c->by_client[i] = 1;
        else if (!order_id_ok(cr->order_id)) {
            /* the batch must name every order it cancels: one bad item refuses the call */
            free(c);
            return SQT_EINVAL;
        }
    }
    if ((rc = cancel_send(ex, c->res, c->by_client, n, cancel_done, c)) != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * cancel_own: every page of the symbol's open orders -> the kit keeps our prefix ->
 * batch cancels of 50 by client id. Never cancel-all-orders (bitget.md 9.7).
 * ---------------------------------------------------------------------------------- */

static const int all_by_client[SQT_BG_MAX_BATCH] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static void own_batch_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_kit_own *o = r->ctx;
    size_t n;
    sqt_cancel_result *items = sqt_kit_own_batch(o, &n);
    sqt_kit_own_batch_done(o, cancel_fill(items, n, all_by_client, res) ? SQT_OK
                                                                          : res->err.code);
}

static int own_send_batch(void *plugin, sqt_kit_own *o, sqt_cancel_result *res, size_t n)
{
    if (n > SQT_BG_MAX_BATCH)
        return SQT_EINVAL;
    return cancel_send(plugin, res, all_by_client, n, own_batch_done, o);
}

static const sqt_kit_own_ops own_ops = {own_send_batch, NULL};

int sqt_bg_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    /* an empty prefix would match everyone's orders */
    if (!sqt_bg_client_id_ok(prefix))
        return SQT_EINVAL;
    return sqt_kit_pager_cancel_own(&pager_ops, &own_ops, ex, prefix, 0, SQT_BG_MAX_BATCH, cb,
                                    ud);
}

/* ------------------------------------------------------------------------------------
 * historical klines
 * ---------------------------------------------------------------------------------- */

int sqt_bg_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud)
{
    sqt_kit_rest_req rq;
    sqt_kit_query q;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (!sqt_bg_symbol_ok(symbol) || sqt_bg_granularity(interval) == NULL || limit < 1 ||
        limit > 1000)
        return SQT_EINVAL;
    sqt_kit_query_init(&q);
    sqt_kit_query_add(&q, "symbol", symbol);
    sqt_kit_query_add(&q, "productType", ex->product_type);
    sqt_kit_query_add(&q, "granularity", sqt_bg_granularity(interval));
    sqt_kit_query_add_int(&q, "limit", limit);
    rc = q.err;
    rq = sqt_kit_rest_req_of("GET", P_CANDLES, sqt_kit_query_str(&q), NULL, SQT_KIT_AUTH_NONE);
    if (rc == SQT_OK)
        rc = sqt_kit_klines_fetch(&ex->kit.rest, &rq, symbol, interval, sqt_bg_parse_candles, cb,
                                  ud);
    sqt_kit_query_free(&q);
    return rc;
}
