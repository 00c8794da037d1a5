/* Gate.io REST operations of the exchange table (API v4, /futures/usdt): each builds its
 * path, query or JSON body, starts a call through rest.c and turns the answer into SDK
 * structs with parse.c. Operation contexts are single allocations that also hold the
 * call's path (the engine keeps a pointer to it until the call completes), so an
 * abandoned one is freed with one free(). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gt.h"

static const sqt_error no_error; /* code SQT_OK */

#define P_FUT GT_API "/futures/usdt"
#define GT_PATH_MAX 160

/* ------------------------------------------------------------------------------------
 * validation and request building
 * ---------------------------------------------------------------------------------- */

int sqt_gt_symbol_ok(const char *s)
{
    char c[SQT_GT_CONTRACT_MAX];
    return s != NULL && sqt_gt_contract_name(s, c, sizeof(c)) == SQT_OK;
}

SQT_HOT static int id_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

SQT_HOT int sqt_gt_client_id_ok(const char *s)
{
    return sqt_kit_id_ok(s, SQT_GT_CLIENT_ID_LIMIT, "_-.");
}

static int order_id_ok(const char *s)
{
    return sqt_kit_digits_ok(s, 24);
}

SQT_HOT static int usable(sqt_exchange *ex, int have_cb)
{
    return sqt_kit_op_usable(ex->kit.closing, have_cb);
}

/* The common context: the path the engine points at, the caller's callback. */
typedef struct op_ctx {
    char path[GT_PATH_MAX];
    sqt_symbol_info_cb icb;
    sqt_account_cb acb;
    sqt_positions_cb pcb;
    sqt_orders_cb ocb;
    void *ud;
    sqt_account acct;          /* account: read, waiting for its leverage */
} op_ctx;

/* GET of a formatted path with a context copied from t (the caller's callback). */
static int op_get(sqt_exchange *ex, const op_ctx *t, int have_cb, int auth,
                  sqt_kit_answer_fn done, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int op_get(sqt_exchange *ex, const op_ctx *t, int have_cb, int auth,
                  sqt_kit_answer_fn done, const char *fmt, ...)
{
    op_ctx *c;
    va_list ap;
    int rc;
    if ((rc = usable(ex, have_cb)) != SQT_OK)
        return rc;
    if ((c = malloc(sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    *c = *t;
    va_start(ap, fmt);
    vsnprintf(c->path, sizeof(c->path), fmt, ap);
    va_end(ap);
    if ((rc = sqt_gt_rest(ex, "GET", c->path, NULL, NULL, auth, 0, done, c)) != SQT_OK)
        free(c);
    return rc;
}

static int contract_query(const sqt_exchange *ex, sqt_kit_query *q)
{
    sqt_kit_query_init(q);
    sqt_kit_query_add(q, "contract", ex->contract);
    return q->err;
}

/* ------------------------------------------------------------------------------------
 * symbol info
 * ---------------------------------------------------------------------------------- */

static void info_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    op_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    sqt_gt_contract con;
    if (e.code == SQT_OK &&
        sqt_gt_parse_contract(a->body, a->len, ex->symbol, &con, &e) == SQT_OK) {
        ex->con = con;
        ex->units.mult = con.mult;
        ex->units.tick_scale = con.info.tick_size.scale;
        ex->have_info = 1;
        c->icb(c->ud, &no_error, &ex->con.info);
    } else {
        c->icb(c->ud, &e, NULL);
    }
    free(c);
}

int sqt_gt_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    op_ctx t = {.icb = cb, .ud = ud};
    return op_get(ex, &t, cb != NULL, SQT_KIT_AUTH_NONE, info_done, P_FUT "/contracts/%s",
                  ex->contract);
}

/* ------------------------------------------------------------------------------------
 * account (user id, position mode), positions
 * ---------------------------------------------------------------------------------- */

/* The account's leverage for the contract: the position endpoint has it even when flat
 * (leverage "0" is cross: cross_leverage_limit, gate.md 3.3). Unknown (0) when it cannot
 * be read: the host then assumes one, and says so. */
static void leverage_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    op_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    int32_t lev = 0;
    if (e.code == SQT_ECANCELLED) {
        c->acb(c->ud, &e, NULL);
        free(c);
        return;
    }
    if (e.code == SQT_OK)
        sqt_gt_parse_leverage(a->body, a->len, ex->contract, &lev, &e);
    if (e.code != SQT_OK)
        sqt_gt_logf(ex, SQT_LOG_WARN, "account: the leverage of %s is unknown: %s",
                    ex->contract, e.message);
    if (lev > 0)
        ex->leverage = lev;
    c->acct.leverage = ex->leverage;
    c->acb(c->ud, &no_error, &c->acct);
    free(c);
}

static void account_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    op_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    sqt_gt_acct acct;
    int rc;
    if (e.code != SQT_OK || sqt_gt_parse_account(a->body, a->len, &acct, &e) != SQT_OK) {
        c->acb(c->ud, &e, NULL);
        free(c);
        return;
    }
    ex->pos_mode = acct.acct.position_mode;
    if (acct.user[0] != '\0')
        memcpy(ex->user, acct.user, sizeof(ex->user));
    if (acct.acct.position_mode == SQT_POSMODE_HEDGE && !ex->allow_hedge) {
        sqt_kit_fail(&e, SQT_EPOSITION_MODE,
                     "the Gate futures account is in dual (hedge) position mode; OpenSQT "
                     "needs single mode: switch it (no open orders or positions) or set "
                     "trading.allow_hedge_mode: true");
        sqt_gt_logf(ex, SQT_LOG_ERROR, "%s", e.message);
        c->acb(c->ud, &e, NULL);
        free(c);
        return;
    }
    c->acct = acct.acct;
    c->acct.leverage = ex->leverage;
    /* the same context asks for the contract's leverage (the engine checks it) */
    snprintf(c->path, sizeof(c->path), P_FUT "%s/positions/%s",
             ex->pos_mode == SQT_POSMODE_HEDGE ? "/dual_comp" : "", ex->contract);
    if (ex->kit.closing ||
        (rc = sqt_gt_rest(ex, "GET", c->path, NULL, NULL, SQT_KIT_AUTH_SIGNED, 0, leverage_done,
                          c)) != SQT_OK) {
        c->acb(c->ud, &no_error, &c->acct);
        free(c);
    }
}

int sqt_gt_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    op_ctx t = {.acb = cb, .ud = ud};
    return op_get(ex, &t, cb != NULL, SQT_KIT_AUTH_SIGNED, account_done, P_FUT "/accounts");
}

static void positions_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    op_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    sqt_position pos[4];
    size_t n = 0, i;
    if (e.code == SQT_OK && !ex->have_info)
        sqt_kit_fail(&e, SQT_ESTATE, "positions: the contract's multiplier is not known yet "
                     "(symbol_info first)");
    if (e.code == SQT_OK &&
        sqt_gt_parse_positions(a->body, a->len, &ex->units, pos, 4, &n, &e) == SQT_OK) {
        for (i = 0; i < n; i++)
            if (pos[i].leverage > 0)
                ex->leverage = pos[i].leverage;
        c->pcb(c->ud, &no_error, pos, n);
    } else {
        c->pcb(c->ud, &e, NULL, 0);
    }
    free(c);
}

int sqt_gt_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    op_ctx t = {.pcb = cb, .ud = ud};
    /* the single-position endpoint refuses a dual-mode account (gate.md 3.3) */
    return op_get(ex, &t, cb != NULL, SQT_KIT_AUTH_SIGNED, positions_done,
                  P_FUT "%s/positions/%s",
                  ex->pos_mode == SQT_POSMODE_HEDGE ? "/dual_comp" : "", ex->contract);
}

/* ------------------------------------------------------------------------------------
 * open orders: every page (limit 100, offset) while a page comes back full (gate.md
 * 3.10, 9.7); cancel_own lists through the same pager with raw texts
 * ---------------------------------------------------------------------------------- */

static void pager_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    sqt_kit_pager *p = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    sqt_gt_units u = ex->units;
    size_t raw = 0;
    u.raw_text = p->own != NULL;
    if (e.code == SQT_OK && !ex->have_info)
        sqt_kit_fail(&e, SQT_ESTATE, "open orders: the contract's multiplier is not known "
                     "yet (symbol_info first)");
    if (e.code == SQT_OK)
        sqt_gt_parse_orders(a->body, a->len, &u, &p->orders, &p->n, &raw, &e);
    sqt_kit_pager_page(p, &e, raw, NULL);
}

static int pager_send(void *plugin, sqt_kit_pager *p)
{
    sqt_exchange *ex = plugin;
    sqt_kit_query q;
    int rc;
    contract_query(ex, &q);
    sqt_kit_query_add(&q, "status", "open");
    sqt_kit_query_add_int(&q, "limit", SQT_GT_PAGE);
    sqt_kit_query_add_int(&q, "offset", (long long)p->pages * SQT_GT_PAGE);
    rc = q.err;
    if (rc == SQT_OK)
        rc = sqt_gt_rest(ex, "GET", P_FUT "/orders", sqt_kit_query_str(&q), NULL,
                         SQT_KIT_AUTH_SIGNED, 0, pager_done, p);
    sqt_kit_query_free(&q);
    return rc;
}

/* open_orders(): the fees of filled orders are asked for before the host hears them */
static void pager_deliver(void *plugin, sqt_orders_cb cb, void *ud, const sqt_order *o,
                          size_t n)
{
    sqt_gt_fee_start(plugin, "open orders", cb, ud, o, n);
}

static const sqt_kit_pager_ops pager_ops = {pager_send, pager_deliver, NULL, SQT_GT_PAGE,
                                            GT_OPEN_PAGES_MAX};

int sqt_gt_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    return sqt_kit_pager_start(&pager_ops, ex, cb, NULL, ud);
}

/* ------------------------------------------------------------------------------------
 * query one order: by "t-<client id>" (open, or up to 60 s after it finished) or id
 * ---------------------------------------------------------------------------------- */

static void query_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    op_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    sqt_order o;
    if (e.code == SQT_OK && !ex->have_info)
        sqt_kit_fail(&e, SQT_ESTATE, "query order: the contract's multiplier is not known "
                     "yet (symbol_info first)");
    if (e.code == SQT_OK && sqt_gt_parse_order(a->body, a->len, &ex->units, &o, &e) == SQT_OK)
        sqt_gt_fee_start(ex, "query order", c->ocb, c->ud, &o, 1);
    else
        c->ocb(c->ud, &e, NULL, 0);
    free(c);
}

int sqt_gt_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud)
{
    op_ctx t = {.ocb = cb, .ud = ud};
    if (client_id != NULL && client_id[0] != '\0') {
        if (!sqt_gt_client_id_ok(client_id))
            return SQT_EINVAL;
        return op_get(ex, &t, cb != NULL, SQT_KIT_AUTH_SIGNED, query_done,
                      P_FUT "/orders/" SQT_GT_TEXT_PREFIX "%s", client_id);
    }
    if (!order_id_ok(order_id))
        return SQT_EINVAL;
    return op_get(ex, &t, cb != NULL, SQT_KIT_AUTH_SIGNED, query_done, P_FUT "/orders/%s",
                  order_id);
}

/* ------------------------------------------------------------------------------------
 * place: one order through /orders (HTTP 201), more through /batch_orders (<= 10)
 * ---------------------------------------------------------------------------------- */

/* The order as Gate's JSON: signed integer contracts, the price on the tick, tif, text. */
SQT_HOT static json_t *place_item(sqt_exchange *ex, const sqt_order_req *q, sqt_error *e)
{
    char price[48], text[SQT_GT_TEXT_MAX + 1];
    int64_t contracts = 0;
    int ro = q->reduce_only != 0, bad;
    json_t *o;
    memset(e, 0, sizeof(*e));
    if (!sqt_gt_client_id_ok(q->client_id)) {
        sqt_kit_fail(e, SQT_EINVAL, "client id must be 1-%d of [A-Za-z0-9_.-] (Gate's text "
                     "is t- + at most %d, gate.md 7)", SQT_GT_CLIENT_ID_LIMIT,
                     SQT_GT_CLIENT_ID_LIMIT);
        return NULL;
    }
    if (q->side != SQT_SIDE_BUY && q->side != SQT_SIDE_SELL) {
        sqt_kit_fail(e, SQT_EINVAL, "side must be BUY or SELL");
        return NULL;
    }
    if (q->tif != SQT_TIF_GTC && q->tif != SQT_TIF_POST_ONLY) {
        sqt_kit_fail(e, SQT_EINVAL, "time in force must be GTC or post-only");
        return NULL;
    }
    if (sqt_kit_dec_on_grid(q->price, ex->con.info.tick_size, "price", "tick", price,
                            sizeof(price), e) != SQT_OK ||
        sqt_gt_to_contracts(q->qty, ex->con.mult, &contracts, e) != SQT_OK)
        return NULL;
    if (contracts < ex->con.size_min || (ex->con.size_max > 0 && contracts > ex->con.size_max)) {
        sqt_kit_fail(e, SQT_ERULES, "size %lld contracts is outside the contract's %lld..%lld",
                     (long long)contracts, (long long)ex->con.size_min,
                     (long long)ex->con.size_max);
        return NULL;
    }
    /* dual mode: the long-only grid's sells close the long, so they reduce only
     * (gate.md 8) */
    if (ex->pos_mode == SQT_POSMODE_HEDGE && q->side == SQT_SIDE_SELL)
        ro = 1;
    /* bounded: checked above (sqt_gt_client_id_ok), which gcc -O2 cannot see once inlined */
    snprintf(text, sizeof(text), SQT_GT_TEXT_PREFIX "%.*s", SQT_GT_CLIENT_ID_LIMIT, q->client_id);
    if ((o = json_object()) == NULL) {
        sqt_kit_fail(e, SQT_ENOMEM, "out of memory");
        return NULL;
    }
    bad = json_object_set_new(o, "contract", json_string(ex->contract)) ||
          json_object_set_new(o, "size", json_integer(q->side == SQT_SIDE_BUY ? contracts
                                                                               : -contracts)) ||
          json_object_set_new(o, "price", json_string(price)) ||
          json_object_set_new(o, "tif", json_string(q->tif == SQT_TIF_POST_ONLY ? "poc"
                                                                                : "gtc")) ||
          json_object_set_new(o, "text", json_string(text));
    if (!bad && ro)
        bad = json_object_set_new(o, "reduce_only", json_true());
    if (bad) {
        json_decref(o);
        sqt_kit_fail(e, SQT_ENOMEM, "out of memory");
        return NULL;
    }
    return o;
}

/* An answered order must be the one we sent: our text, our contract. */
static int answer_is(const sqt_order *o, const sqt_order_req *q, sqt_error *e)
{
    if (strcmp(o->client_id, q->client_id) != 0)
        return sqt_kit_fail(e, SQT_EPROTO, "answer names text t-%.30s, not t-%.30s",
                            o->client_id, q->client_id);
    return SQT_OK;
}

SQT_HOT static int place_one(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                     sqt_order *out, sqt_error *e)
{
    sqt_exchange *ex = owner;
    if (sqt_gt_parse_order(body, len, &ex->units, out, e) != SQT_OK)
        return e->code;
    return answer_is(out, &p->reqs[0], e);
}

SQT_HOT static int place_batch(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                       sqt_kit_item *items, sqt_error *e)
{
    sqt_exchange *ex = owner;
    sqt_gt_item got[SQT_GT_MAX_BATCH_PLACE];
    size_t k;
    if (sqt_gt_parse_batch_place(body, len, &ex->units, p->n_sent, got, e) != SQT_OK)
        return e->code;
    for (k = 0; k < p->n_sent; k++) {
        items[k].err = got[k].err;
        items[k].order = got[k].order;
        if (items[k].err.code == SQT_OK)
            answer_is(&items[k].order, &p->reqs[k], &items[k].err);
    }
    return SQT_OK;
}

static const sqt_kit_placing_parse place_parse = {place_one, place_batch};

SQT_HOT int sqt_gt_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n, sqt_place_cb cb,
                        void *ud)
{
    sqt_kit_placing *c;
    json_t *list, *item;
    char *text;
    size_t i;
    int rc, first_err = SQT_OK;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (reqs == NULL || n == 0 || n > SQT_GT_MAX_BATCH_PLACE)
        return SQT_EINVAL;
    if (!ex->have_info)
        return SQT_ESTATE; /* tick and multiplier make the order */
    if ((c = sqt_kit_placing_new(reqs, n, &place_parse, cb, ud)) == NULL)
        return SQT_ENOMEM;
    if ((list = json_array()) == NULL) {
        free(c);
        return SQT_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        if ((item = place_item(ex, &reqs[i], &c->res[i].err)) == NULL) {
            sqt_kit_placing_refuse(c, &ex->kit, i, &first_err);
            continue;
        }
        if (json_array_append_new(list, item) != 0) {
            json_decref(list);
            free(c);
            return SQT_ENOMEM;
        }
        sqt_kit_placing_send(c, i, &reqs[i]);
    }
    if (c->n_sent == 0) { /* nothing valid: refuse the whole call now */
        json_decref(list);
        free(c);
        return first_err;
    }
    /* one order: /orders (201 with the order); more: /batch_orders (200, one result
     * per item, each with its text, gate.md 3.6, 11) */
    text = json_dumps(c->n_sent == 1 ? json_array_get(list, 0) : list,
                      JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(list);
    if (text == NULL) {
        free(c);
        return SQT_ENOMEM;
    }
    rc = sqt_gt_rest(ex, "POST", c->n_sent == 1 ? P_FUT "/orders" : P_FUT "/batch_orders", NULL,
                     text, SQT_KIT_AUTH_SIGNED, 1, sqt_kit_placing_done, c);
    free(text);
    if (rc != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * warm: the fill path run dry (sqt_exchange_api.warm)
 * ---------------------------------------------------------------------------------- */

/* A fill of one of the instance's buys, as futures.orders pushes it. */
static void warm_push_make(sqt_exchange *ex)
{
    ex->warm_len = sqt_kit_warm_text(
        ex->warm_push, sizeof(ex->warm_push),
        "{\"time\":1765101261,\"time_ms\":1765101261005,\"channel\":\"futures.orders\","
        "\"event\":\"update\",\"result\":[{\"id\":58796478453,\"user\":\"1\","
        "\"contract\":\"%s\",\"create_time\":1765101259,\"create_time_ms\":1765101259412,"
        "\"update_time\":1765101261000,\"update_id\":2,\"finish_time\":1765101261,"
        "\"finish_time_ms\":1765101261000,\"status\":\"finished\",\"finish_as\":\"filled\","
        "\"size\":\"1\",\"left\":\"0\",\"price\":3000,\"fill_price\":3000,"
        "\"text\":\"t-1_B_1765101259001\",\"tif\":\"poc\",\"is_reduce_only\":false,"
        "\"is_close\":false,\"is_liq\":false,\"mkfr\":0.0002,\"tkfr\":0.0005,\"refu\":0,"
        "\"refr\":0,\"iceberg\":\"0\",\"stp_id\":\"0\",\"stp_act\":\"-\"}]}",
        ex->contract);
}

SQT_HOT void sqt_gt_warm(sqt_exchange *ex)
{
    sqt_order o;
    sqt_order_req r;
    sqt_error e;
    json_t *item;
    char *text;
    size_t n = 0;
    if (ex == NULL || ex->kit.closing)
        return;
    if (ex->warm_len == 0)
        warm_push_make(ex);
    (void)sqt_gt_parse_order_push(ex->warm_push, ex->warm_len, &ex->units, &o, 1, &n, &e);
    if (!ex->have_info)
        return; /* no tick and multiplier to make an order of yet */
    sqt_kit_warm_order(&ex->con.info, &r);
    if ((item = place_item(ex, &r, &e)) == NULL)
        return;
    text = json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(item);
    if (text == NULL)
        return;
    sqt_kit_rest_warm_post(&ex->kit.rest, P_FUT "/orders", text);
    free(text);
}

/* ------------------------------------------------------------------------------------
 * cancel: by id in batches (batch_cancel_orders, <= 20 ids); an order known only by
 * its client id is cancelled alone (DELETE /orders/t-<id>)
 * ---------------------------------------------------------------------------------- */

typedef struct cancel_ctx {
    char path[GT_PATH_MAX];
    sqt_cancel_cb cb;          /* cancel_orders; or */
    sqt_kit_own *own;          /* cancel_own's batch */
    void *ud;
    size_t n;
    size_t next;               /* one by one: the item in flight */
    int batch;
    sqt_cancel_result res[SQT_GT_MAX_BATCH_CANCEL];
} cancel_ctx;

static int cancel_send_next(sqt_exchange *ex, cancel_ctx *c);

static void cancel_end(cancel_ctx *c, int status)
{
    if (c->own != NULL) {
        size_t n, i;
        sqt_cancel_result *items = sqt_kit_own_batch(c->own, &n);
        for (i = 0; i < n && i < c->n; i++)
            items[i].err = c->res[i].err;
        if (status == SQT_OK)
            for (i = 0; i < c->n; i++)
                if (c->res[i].err.code != SQT_OK && c->res[i].err.code != SQT_EUNKNOWN_ORDER) {
                    status = c->res[i].err.code;
                    break;
                }
        sqt_kit_own_batch_done(c->own, status);
    } else {
        c->cb(c->ud, status, c->res, c->n);
    }
    free(c);
}

/* The verdict on one order from a single cancel's answer. */
static void cancel_one_fill(sqt_exchange *ex, sqt_cancel_result *r, const sqt_kit_answer *a)
{
    sqt_order o;
    sqt_error perr;
    if (a->err.code != SQT_OK) {
        r->err = a->err;
        return;
    }
    if (sqt_gt_parse_order(a->body, a->len, &ex->units, &o, &perr) != SQT_OK) {
        sqt_kit_unreadable(&r->err, &perr);
        return;
    }
    if (r->order_id[0] == '\0')
        snprintf(r->order_id, sizeof(r->order_id), "%s", o.order_id);
    memset(&r->err, 0, sizeof(r->err));
}

static void cancel_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    cancel_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    const char *ids[SQT_GT_MAX_BATCH_CANCEL];
    sqt_error errs[SQT_GT_MAX_BATCH_CANCEL], perr;
    size_t i;
    int rc;
    if (!c->batch) {
        sqt_cancel_result *r = &c->res[c->next];
        cancel_one_fill(ex, r, a);
        /* a whole-request failure of a lone cancel (rate limit, auth, clock) ends the
         * rest with it; the order's own verdict moves on */
        if (a->err.code != SQT_OK && !sqt_kit_item_level(&a->err)) {
            for (i = c->next + 1; i < c->n; i++)
                c->res[i].err = a->err;
            cancel_end(c, c->n == 1 ? a->err.code : SQT_OK);
            return;
        }
        c->next++;
        if (c->next == c->n) {
            cancel_end(c, SQT_OK);
            return;
        }
        if ((rc = ex->kit.closing ? SQT_ECANCELLED : cancel_send_next(ex, c)) != SQT_OK) {
            for (i = c->next; i < c->n; i++)
                sqt_kit_fail(&c->res[i].err, rc, "cancel not sent: %s", sqt_strerror(rc));
            cancel_end(c, SQT_OK);
        }
        return;
    }
    if (a->err.code != SQT_OK) {
        for (i = 0; i < c->n; i++)
            c->res[i].err = a->err;
        cancel_end(c, a->err.code);
        return;
    }
    for (i = 0; i < c->n; i++)
        ids[i] = c->res[i].order_id;
    if (sqt_gt_parse_batch_cancel(a->body, a->len, ids, c->n, errs, &perr) != SQT_OK) {
        for (i = 0; i < c->n; i++)
            sqt_kit_unreadable(&c->res[i].err, &perr);
    } else {
        for (i = 0; i < c->n; i++) {
            if (errs[i].code == SQT_EPROTO)
                sqt_kit_unreadable(&c->res[i].err, &errs[i]);
            else
                c->res[i].err = errs[i];
        }
    }
    cancel_end(c, SQT_OK);
}

static int cancel_send_next(sqt_exchange *ex, cancel_ctx *c)
{
    const sqt_cancel_result *r = &c->res[c->next];
    char path[GT_PATH_MAX];
    sqt_kit_query q;
    int rc;
    if (order_id_ok(r->order_id))
        snprintf(path, sizeof(path), P_FUT "/orders/%s", r->order_id);
    else
        snprintf(path, sizeof(path), P_FUT "/orders/" SQT_GT_TEXT_PREFIX "%s", r->client_id);
    memcpy(c->path, path, sizeof(path));
    contract_query(ex, &q); /* the contract guards against another's order (gate.md 11) */
    rc = q.err;
    if (rc == SQT_OK)
        rc = sqt_gt_rest(ex, "DELETE", c->path, sqt_kit_query_str(&q), NULL,
                         SQT_KIT_AUTH_SIGNED, 1, cancel_done, c);
    sqt_kit_query_free(&q);
    return rc;
}

static int cancel_send(sqt_exchange *ex, cancel_ctx *c)
{
    json_t *ids;
    char *text;
    size_t i;
    int rc;
    c->batch = c->n > 1;
    for (i = 0; i < c->n && c->batch; i++)
        if (!order_id_ok(c->res[i].order_id))
            c->batch = 0;
    if (!c->batch) {
        c->next = 0;
        return cancel_send_next(ex, c);
    }
    if ((ids = json_array()) == NULL)
        return SQT_ENOMEM;
    for (i = 0; i < c->n; i++)
        if (json_array_append_new(ids, json_string(c->res[i].order_id)) != 0) {
            json_decref(ids);
            return SQT_ENOMEM;
        }
    text = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    if (text == NULL)
        return SQT_ENOMEM;
    snprintf(c->path, sizeof(c->path), P_FUT "/batch_cancel_orders");
    rc = sqt_gt_rest(ex, "POST", c->path, NULL, text, SQT_KIT_AUTH_SIGNED, 1, cancel_done, c);
    free(text);
    return rc;
}

int sqt_gt_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud)
{
    cancel_ctx *c;
    size_t i;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (reqs == NULL || n == 0 || n > SQT_GT_MAX_BATCH_CANCEL)
        return SQT_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->cb = cb;
    c->ud = ud;
    c->n = n;
    sqt_kit_cancel_results(c->res, reqs, n);
    for (i = 0; i < n; i++) {
        sqt_cancel_result *cr = &c->res[i];
        if (!order_id_ok(cr->order_id) && !sqt_gt_client_id_ok(cr->client_id)) {
            /* every order must be named: one bad item refuses the call */
            free(c);
            return SQT_EINVAL;
        }
    }
    if ((rc = cancel_send(ex, c)) != SQT_OK)
        free(c);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * cancel_own: every page of the contract's open orders -> the kit keeps "t-" + our
 * prefix -> batch cancels of 20 by id. Never the contract-wide cancel (it would take
 * other bots' orders too).
 * ---------------------------------------------------------------------------------- */

static int own_send_batch(void *plugin, sqt_kit_own *o, sqt_cancel_result *res, size_t n)
{
    sqt_exchange *ex = plugin;
    cancel_ctx *c;
    int rc;
    if (n == 0 || n > SQT_GT_MAX_BATCH_CANCEL)
        return SQT_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->own = o;
    c->n = n;
    memcpy(c->res, res, n * sizeof(res[0]));
    if ((rc = cancel_send(ex, c)) != SQT_OK)
        free(c);
    return rc;
}

/* closing: the kit's record says */
static const sqt_kit_own_ops own_ops = {own_send_batch, NULL};

int sqt_gt_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    char match[SQT_GT_TEXT_MAX + 1];
    size_t i, n;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    /* an empty prefix would match everyone's orders */
    if (prefix == NULL || (n = strlen(prefix)) == 0 || n > SQT_GT_CLIENT_ID_LIMIT)
        return SQT_EINVAL;
    for (i = 0; i < n; i++)
        if (!id_char_ok(prefix[i]))
            return SQT_EINVAL;
    if (!ex->have_info)
        return SQT_ESTATE;
    snprintf(match, sizeof(match), SQT_GT_TEXT_PREFIX "%s", prefix);
    return sqt_kit_pager_cancel_own(&pager_ops, &own_ops, ex, match, SQT_GT_TEXT_PREFIX_LEN,
                                    SQT_GT_MAX_BATCH_CANCEL, cb, ud);
}

/* ------------------------------------------------------------------------------------
 * historical klines
 * ---------------------------------------------------------------------------------- */

typedef struct klines_ctx {
    char path[GT_PATH_MAX];
    sqt_klines_cb cb;
    void *ud;
    char symbol[SQT_SYMBOL_MAX];
    char interval[SQT_INTERVAL_MAX];
} klines_ctx;

static void klines_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    klines_ctx *c = call->ctx;
    sqt_exchange *ex = call->owner;
    sqt_error e = a->err;
    sqt_kline *k = NULL;
    size_t n = 0;
    /* volumes in coins for our own contract; other symbols' stay in contracts (their
     * multiplier is not known here), the same unit as their stream (stream.c) */
    sqt_dec mult = ex->have_info && strcmp(c->symbol, ex->symbol) == 0 ? ex->con.mult
                                                                        : sqt_dec_make(0, 0);
    if (e.code == SQT_OK &&
        sqt_gt_parse_candles(a->body, a->len, c->symbol, c->interval, mult,
                             sqt_kit_rest_server_now(&ex->kit.rest), &k, &n, &e) == SQT_OK)
        c->cb(c->ud, &no_error, k, n);
    else
        c->cb(c->ud, &e, NULL, 0);
    free(k);
    free(c);
}

int sqt_gt_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud)
{
    char contract[SQT_GT_CONTRACT_MAX];
    sqt_kit_query q;
    klines_ctx *c;
    int rc;
    if ((rc = usable(ex, cb != NULL)) != SQT_OK)
        return rc;
    if (symbol == NULL || sqt_gt_contract_name(symbol, contract, sizeof(contract)) != SQT_OK ||
        sqt_gt_interval_ms(interval) == 0 || limit < 1 || limit > 2000)
        return SQT_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->cb = cb;
    c->ud = ud;
    snprintf(c->path, sizeof(c->path), P_FUT "/candlesticks");
    snprintf(c->symbol, sizeof(c->symbol), "%s", symbol);
    snprintf(c->interval, sizeof(c->interval), "%s", interval);
    sqt_kit_query_init(&q);
    sqt_kit_query_add(&q, "contract", contract);
    sqt_kit_query_add(&q, "interval", interval);
    sqt_kit_query_add_int(&q, "limit", limit);
    rc = q.err;
    if (rc == SQT_OK)
        rc = sqt_gt_rest(ex, "GET", c->path, sqt_kit_query_str(&q), NULL, SQT_KIT_AUTH_NONE, 0,
                         klines_done, c);
    sqt_kit_query_free(&q);
    if (rc != SQT_OK)
        free(c);
    return rc;
}
