/* The Bitget plugin through the fake host: every operation's request (path, query,
 * JSON body, ACCESS-* headers with a signature recomputed here) and its answer,
 * errors to SDK classes, pagination, cancel-own, the streams with login, ping, derived
 * kline close and RESYNC after a drop, and shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg.h"
#include "fake_host.h"
#include "parse.h"
#include "samples.h"
#include "sign.h"
#include "sqt_test.h"

#define SECRET "bitget-demo-secret-0123456789"
#define API_KEY "bg_0123456789abcdef"
#define PASSPHRASE "Pass-Phrase-42"
#define T0 INT64_C(1735000000000)
#define PFX_EXCHANGE "bitget"
#define PFX_SECRETS SECRET, PASSPHRASE
#include "plugin_fx.h"

/* ---- fixture ------------------------------------------------------------------- */

static void fx_init(fx *f)
{
    memset(f, 0, sizeof(*f));
    f->fh = fake_host_new();
    fake_host_set_secret(f->fh, "api_key", API_KEY);
    fake_host_set_secret(f->fh, "secret_key", SECRET);
    fake_host_set_secret(f->fh, "passphrase", PASSPHRASE);
}

/* The ACCESS-* headers are there and the signature is the one we compute. */
static void assert_signed(fake_http *r)
{
    char p[256], q[1024], sig[SQT_BG_SIG_LEN + 1];
    const char *ts = fake_http_header(r, "ACCESS-TIMESTAMP");
    split_url(r->url, p, sizeof(p), q, sizeof(q));
    SQT_ASSERT_STR_EQ(fake_http_header(r, "ACCESS-KEY"), API_KEY);
    SQT_ASSERT_STR_EQ(fake_http_header(r, "ACCESS-PASSPHRASE"), PASSPHRASE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, ts, r->method, p, q, r->body, r->body_len, sig), 0);
    SQT_ASSERT_STR_EQ(fake_http_header(r, "ACCESS-SIGN"), sig);
    if (strcmp(r->method, "POST") == 0)
        SQT_ASSERT_STR_EQ(fake_http_header(r, "Content-Type"), "application/json");
}

/* The server-time request every first private call waits for. */
static void answer_time(fx *f, int64_t offset)
{
    char body[200];
    int i = pending(f, "GET", "/api/v2/public/time");
    CU_ASSERT_FATAL(i >= 0);
    CU_ASSERT_PTR_NULL(fake_http_header(fake_host_http_at(f->fh, (size_t)i), "ACCESS-KEY"));
    snprintf(body, sizeof(body),
             "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":"
             "{\"serverTime\":\"%lld\"}}", (long long)(T0 + offset));
    reply(f, i, 200, body);
}

/* symbol info loaded (tick 0.05, step 0.01), and the clock measured (offset 0). */
static void load_info(fx *f)
{
    fx_load_info(f, "/api/v2/mix/market/contracts", BG_CONTRACTS);
}

/* ---- config ------------------------------------------------------------------------ */

static void test_create(void)
{
    fx f;
    sqt_error err;
    fx_init(&f);
    SQT_ASSERT_INT_EQ(sqt_plugin_entry()->exchange->flags & SQT_EXF_NEEDS_PASSPHRASE,
                      SQT_EXF_NEEDS_PASSPHRASE);
    fake_host_set_secret(f.fh, "passphrase", NULL);
    SQT_ASSERT_INT_EQ(fx_create(&f, &err), SQT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "passphrase"));
    f.ex = NULL;
    fake_host_set_secret(f.fh, "passphrase", PASSPHRASE);
    fake_host_set_config(f.fh, "product_type", "usdt-futures");
    SQT_ASSERT_INT_EQ(fx_create(&f, &err), SQT_EINVAL);
    f.ex = NULL;
    fake_host_set_config(f.fh, "product_type", "SUSDT-FUTURES");
    fake_host_set_config(f.fh, "margin_coin", "SUSDT");
    fake_host_set_config(f.fh, "demo", "true");
    fx_start(&f);
    CU_ASSERT(fake_host_log_contains(f.fh, "demo trading"));
    CU_ASSERT(fake_host_log_contains(f.fh, "wspap.bitget.com"));
    fx_done(&f);
}

/* ---- REST -------------------------------------------------------------------------- */

static void test_symbol_info(void)
{
    fx f;
    rec r;
    char q[512];
    int i;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->symbol_info(f.ex, info_cb, &r), SQT_OK);
    i = pending(&f, "GET", "/api/v2/mix/market/contracts");
    CU_ASSERT_FATAL(i >= 0);
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)i), q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES");
    CU_ASSERT_PTR_NULL(fake_http_header(fake_host_http_at(f.fh, (size_t)i), "ACCESS-KEY"));
    SQT_ASSERT_STR_EQ(fake_http_header(fake_host_http_at(f.fh, (size_t)i), "X-CHANNEL-API-CODE"),
                      "3xh1b");
    CU_ASSERT_PTR_NULL(fake_http_header(fake_host_http_at(f.fh, (size_t)i), "paptrading"));
    SQT_ASSERT_INT_EQ(r.calls, 0);
    reply(&f, i, 200, BG_CONTRACTS);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.info.tick_size.mant, 5);
    SQT_ASSERT_INT_EQ(r.info.tick_size.scale, 2);
    SQT_ASSERT_INT_EQ(r.info.max_open_orders, 400);
    fx_done(&f);
}

static void test_account_signed(void)
{
    fx f;
    rec r;
    char q[512];
    fake_http *h;
    int i;
    fx_init(&f);
    fake_host_set_config(f.fh, "demo", "yes");
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(pending(&f, "GET", "/api/v2/mix/account/account"), -1); /* after time */
    answer_time(&f, 2500);
    i = pending(&f, "GET", "/api/v2/mix/account/account");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    SQT_ASSERT_STR_EQ(query_of(h, q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES&marginCoin=USDT");
    assert_signed(h);
    /* the server's clock: local + the measured offset */
    SQT_ASSERT_STR_EQ(fake_http_header(h, "ACCESS-TIMESTAMP"), "1735000002500");
    SQT_ASSERT_STR_EQ(fake_http_header(h, "paptrading"), "1");
    reply(&f, i, 200, BG_ACCOUNT);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 10);
    SQT_ASSERT_INT_EQ(r.acct.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_STR_EQ(r.acct.asset, "USDT");
    /* hedge mode refused unless allowed */
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", "/api/v2/mix/account/account"), 200, BG_ACCOUNT_HEDGE);
    SQT_ASSERT_INT_EQ(r.calls, 2);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EPOSITION_MODE);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err.message, "allow_hedge_mode"));
    fx_done(&f);
}

static void test_positions_op(void)
{
    fx f;
    rec r;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r), SQT_OK);
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", "/api/v2/mix/position/single-position"), 200, BG_POSITION);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.pos[0].size.mant, 1);
    SQT_ASSERT_INT_EQ(r.pos[0].entry_price.mant, 302155);
    fx_done(&f);
}

/* A full page of 100, then a short one: two requests, the second with idLessThan. */
static void test_open_orders_pages(void)
{
    fx f;
    rec r;
    char q[512], *page;
    size_t i, used = 0, cap = 100 * 900 + 200;
    fake_http *h;
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    page = malloc(cap);
    used += (size_t)snprintf(page, cap, "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,"
                             "\"data\":{\"entrustedList\":[");
    for (i = 0; i < 100; i++) {
        char oid[24], cid[24], item[900];
        snprintf(oid, sizeof(oid), "%d", 5000 - (int)i);
        snprintf(cid, sizeof(cid), "sqt_%d", (int)i);
        snprintf(item, sizeof(item), "%s{\"symbol\":\"ETHUSDT\",\"size\":\"0.1\",\"orderId\":\"%s\","
                 "\"clientOid\":\"%s\",\"baseVolume\":\"0\",\"fee\":\"0\",\"price\":\"3000\","
                 "\"status\":\"live\",\"side\":\"buy\",\"force\":\"post_only\","
                 "\"marginCoin\":\"USDT\"}", i ? "," : "", oid, cid);
        used += (size_t)snprintf(page + used, cap - used, "%s", item);
    }
    snprintf(page + used, cap - used, "],\"endId\":\"4901\"}}");
    SQT_ASSERT_INT_EQ(f.api->open_orders(f.ex, orders_cb, &r), SQT_OK);
    answer_time(&f, 0);
    k = pending(&f, "GET", "/api/v2/mix/order/orders-pending");
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(query_of(h, q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES&limit=100");
    assert_signed(h);
    reply(&f, k, 200, page);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    k = pending(&f, "GET", "/api/v2/mix/order/orders-pending");
    CU_ASSERT_FATAL(k >= 0);
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(query_of(h, q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES&idLessThan=4901&limit=100");
    assert_signed(h);
    reply(&f, k, 200, BG_PENDING);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 102);
    SQT_ASSERT_STR_EQ(r.orders[0].client_id, "sqt_0");
    SQT_ASSERT_STR_EQ(r.orders[100].client_id, "sqt_302155_B_1");
    SQT_ASSERT_INT_EQ(r.orders[100].has_cum_fee, 1);
    free(page);
    fx_done(&f);
}

static void test_query_order(void)
{
    fx f;
    rec r;
    char q[512];
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->query_order(f.ex, "bad id!", NULL, orders_cb, &r), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(f.api->query_order(f.ex, "sqt_302155_B_1", NULL, orders_cb, &r), SQT_OK);
    answer_time(&f, 0);
    k = pending(&f, "GET", "/api/v2/mix/order/detail");
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)k), q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES&clientOid=sqt_302155_B_1");
    reply(&f, k, 200, BG_DETAIL);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].status, SQT_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(r.orders[0].has_cum_fee, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].cum_fee.mant, 604310);
    /* unknown order: its class, Bitget's code and text */
    SQT_ASSERT_INT_EQ(f.api->query_order(f.ex, NULL, "1381500303017938945", orders_cb, &r), SQT_OK);
    k = pending(&f, "GET", "/api/v2/mix/order/detail");
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)k), q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES&orderId=1381500303017938945");
    reply(&f, k, 400, "{\"code\":\"40768\",\"msg\":\"Order does not exist\",\"requestTime\":1,"
                      "\"data\":null}");
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(r.err.exch_code, "40768");
    SQT_ASSERT_STR_EQ(r.err.message, "Order does not exist");
    fx_done(&f);
}

static void test_place_single(void)
{
    fx f;
    rec r;
    sqt_order_req q;
    fake_http *h;
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    q = order_req("sqt_302155_B_1", SQT_SIDE_BUY, 302155, 2, 1, 1);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_ESTATE); /* no info */
    load_info(&f);
    /* off the 0.05 tick: refused locally */
    q.price = sqt_dec_make(302153, 2);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_ERULES);
    q.price = sqt_dec_make(302155, 2);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_OK);
    answer_time(&f, 0);
    k = pending(&f, "POST", "/api/v2/mix/order/place-order");
    CU_ASSERT_FATAL(k >= 0);
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(h->body, "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\","
                               "\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\","
                               "\"size\":\"0.10\",\"price\":\"3021.55\",\"side\":\"buy\","
                               "\"orderType\":\"limit\",\"force\":\"post_only\","
                               "\"clientOid\":\"sqt_302155_B_1\"}");
    assert_signed(h);
    reply(&f, k, 200, BG_PLACE_ACK);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.place[0].order.order_id, "1381500303017938945");
    SQT_ASSERT_INT_EQ(r.place[0].order.status, SQT_ORDER_NEW);
    /* a reduce-only sell; rejected for margin: an order-level verdict */
    q = order_req("sqt_302200_S_2", SQT_SIDE_SELL, 302200, 2, 1, 1);
    q.reduce_only = 1;
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_OK);
    k = pending(&f, "POST", "/api/v2/mix/order/place-order");
    h = fake_host_http_at(f.fh, (size_t)k);
    CU_ASSERT_PTR_NOT_NULL(strstr(h->body, "\"side\":\"sell\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(h->body, "\"reduceOnly\":\"YES\""));
    CU_ASSERT_PTR_NULL(strstr(h->body, "tradeSide")); /* omitted in one-way mode */
    reply(&f, k, 400, BG_ERROR);
    SQT_ASSERT_INT_EQ(r.calls, 2);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_EMARGIN);
    SQT_ASSERT_STR_EQ(r.place[0].err.exch_code, "40762");
    fx_done(&f);
}

/* warm (system.keep_warm_ms): nothing sent (not even the server-time measurement) before
 * or after the contract's rules, no callback, and the next real order is byte for byte
 * test_place_single's. */
static void test_warm_is_dry(void)
{
    fx f;
    rec r;
    sqt_order_req q = order_req("sqt_302155_B_1", SQT_SIDE_BUY, 302155, 2, 1, 1);
    fake_http *h;
    size_t sent;
    int k;
    fx_init(&f);
    fx_start(&f);
    CU_ASSERT_TRUE_FATAL(SQT_HAS_MEMBER(f.api, sqt_exchange_api, warm));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.api->warm);
    sent = fake_host_http_total(f.fh);
    f.api->warm(f.ex);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    {
        /* its push is one the stream's parse reads */
        sqt_order o;
        sqt_error e;
        size_t n = 0;
        CU_ASSERT_TRUE_FATAL(f.ex->warm_len > 0);
        SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(f.ex->warm_push, f.ex->warm_len, 0, &o, 1, &n,
                                                  &e), SQT_OK);
        SQT_ASSERT_INT_EQ(n, 1);
        SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
        SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED);
    }
    load_info(&f);
    sent = fake_host_http_total(f.fh);
    f.api->warm(f.ex);
    f.api->warm(f.ex);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_OK);
    f.api->warm(f.ex);
    answer_time(&f, 0);
    k = pending(&f, "POST", "/api/v2/mix/order/place-order");
    CU_ASSERT_FATAL(k >= 0);
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(h->body, "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\","
                               "\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\","
                               "\"size\":\"0.10\",\"price\":\"3021.55\",\"side\":\"buy\","
                               "\"orderType\":\"limit\",\"force\":\"post_only\","
                               "\"clientOid\":\"sqt_302155_B_1\"}");
    assert_signed(h);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    fx_done(&f);
}

static void test_place_hedge(void)
{
    fx f;
    rec r;
    sqt_order_req q;
    fake_http *h;
    int k;
    fx_init(&f);
    f.allow_hedge = 1;
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    load_info(&f);
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", "/api/v2/mix/account/account"), 200, BG_ACCOUNT_HEDGE);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    q = order_req("sqt_s", SQT_SIDE_SELL, 302200, 2, 1, 1);
    q.reduce_only = 1;
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_OK);
    k = pending(&f, "POST", "/api/v2/mix/order/place-order");
    h = fake_host_http_at(f.fh, (size_t)k);
    /* closing the long: side buy, tradeSide close (bitget.md 3.5), no reduceOnly */
    CU_ASSERT_PTR_NOT_NULL(strstr(h->body, "\"side\":\"buy\",\"tradeSide\":\"close\""));
    CU_ASSERT_PTR_NULL(strstr(h->body, "reduceOnly"));
    reply(&f, k, 200, BG_PLACE_ACK);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[0].order.side, SQT_SIDE_SELL);
    fx_done(&f);
}

static void test_place_batch(void)
{
    fx f;
    rec r;
    sqt_order_req q[3];
    fake_http *h;
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    load_info(&f);
    q[0] = order_req("sqt_a", SQT_SIDE_BUY, 300000, 2, 1, 1);
    q[1] = order_req("sqt_b", SQT_SIDE_BUY, 299995, 2, 1, 1);
    q[2] = order_req("sqt_c", SQT_SIDE_BUY, 299990, 2, 1, 3); /* off the 0.01 step */
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 3, place_cb, &r), SQT_OK);
    answer_time(&f, 0);
    k = pending(&f, "POST", "/api/v2/mix/order/batch-place-order");
    CU_ASSERT_FATAL(k >= 0);
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(h->body,
                      "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\","
                      "\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\",\"orderList\":["
                      "{\"size\":\"0.10\",\"price\":\"3000.00\",\"side\":\"buy\","
                      "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"sqt_a\"},"
                      "{\"size\":\"0.10\",\"price\":\"2999.95\",\"side\":\"buy\","
                      "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"sqt_b\"}]}");
    assert_signed(h);
    reply(&f, k, 200, BG_BATCH);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 3);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.place[0].order.order_id, "1001");
    SQT_ASSERT_INT_EQ(r.place[1].err.code, SQT_EMARGIN);
    SQT_ASSERT_INT_EQ(r.place[2].err.code, SQT_ERULES);
    fx_done(&f);
}

/* 429, a 5xx after sending, a timeout after sending. */
static void test_place_failures(void)
{
    fx f;
    rec r;
    sqt_order_req q[2];
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    load_info(&f);
    q[0] = order_req("sqt_a", SQT_SIDE_BUY, 300000, 2, 1, 1);
    q[1] = order_req("sqt_b", SQT_SIDE_BUY, 299995, 2, 1, 1);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 2, place_cb, &r), SQT_OK);
    answer_time(&f, 0);
    reply(&f, pending(&f, "POST", "/api/v2/mix/order/batch-place-order"), 429,
          "{\"code\":\"429\",\"msg\":\"Too Many Requests\",\"requestTime\":1,\"data\":null}");
    SQT_ASSERT_INT_EQ(r.status, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(r.place[1].err.code, SQT_ERATE_LIMITED);
    CU_ASSERT(r.place[1].err.retry_after_ms > 0);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_OK);
    reply(&f, pending(&f, "POST", "/api/v2/mix/order/place-order"), 503, "Service Unavailable");
    SQT_ASSERT_INT_EQ(r.status, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_OK);
    fake_host_http_fail(f.fh, (size_t)pending(&f, "POST", "/api/v2/mix/order/place-order"),
                        SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(r.status, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(r.calls, 3);
    fx_done(&f);
}

/* 40008: the clock is measured again and the call retried once. */
static void test_timestamp_retry(void)
{
    fx f;
    rec r;
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r), SQT_OK);
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", "/api/v2/mix/position/single-position"), 400,
          "{\"code\":\"40008\",\"msg\":\"Request timestamp expired\",\"requestTime\":1,"
          "\"data\":null}");
    SQT_ASSERT_INT_EQ(r.calls, 0);
    answer_time(&f, 40000);
    k = pending(&f, "GET", "/api/v2/mix/position/single-position");
    CU_ASSERT_FATAL(k >= 0);
    SQT_ASSERT_STR_EQ(fake_http_header(fake_host_http_at(f.fh, (size_t)k), "ACCESS-TIMESTAMP"),
                      "1735000040000");
    reply(&f, k, 400, "{\"code\":\"40008\",\"msg\":\"Request timestamp expired\"}");
    SQT_ASSERT_INT_EQ(r.calls, 1); /* once only */
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ETIMESTAMP);
    fx_done(&f);
}

static void test_cancel(void)
{
    fx f;
    rec r;
    sqt_cancel_req c[2];
    fake_http *h;
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    memset(c, 0, sizeof(c));
    snprintf(c[0].client_id, sizeof(c[0].client_id), "sqt_a");
    snprintf(c[1].order_id, sizeof(c[1].order_id), "1002");
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, c, 2, cancel_cb, &r), SQT_OK);
    answer_time(&f, 0);
    k = pending(&f, "POST", "/api/v2/mix/order/batch-cancel-orders");
    CU_ASSERT_FATAL(k >= 0);
    h = fake_host_http_at(f.fh, (size_t)k);
    /* a list of objects (bitget.md 9.6), never absent (it would cancel the symbol) */
    SQT_ASSERT_STR_EQ(h->body, "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\","
                               "\"marginCoin\":\"USDT\",\"orderIdList\":[{\"clientOid\":\"sqt_a\"},"
                               "{\"orderId\":\"1002\"}]}");
    assert_signed(h);
    reply(&f, k, 200, "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{"
                      "\"successList\":[{\"orderId\":\"1001\",\"clientOid\":\"sqt_a\"}],"
                      "\"failureList\":[{\"orderId\":\"1002\",\"clientOid\":\"\","
                      "\"errorMsg\":\"Order does not exist\",\"errorCode\":\"40768\"}]}}");
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.cancel[0].order_id, "1001");
    SQT_ASSERT_INT_EQ(r.cancel[1].err.code, SQT_EUNKNOWN_ORDER);
    /* one by order id */
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, &c[1], 1, cancel_cb, &r), SQT_OK);
    k = pending(&f, "POST", "/api/v2/mix/order/cancel-order");
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(h->body, "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\","
                               "\"marginCoin\":\"USDT\",\"orderId\":\"1002\"}");
    reply(&f, k, 200, "{\"code\":\"00000\",\"data\":{\"orderId\":\"1002\",\"clientOid\":\"x\"}}");
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_OK);
    /* neither id: refused */
    memset(c, 0, sizeof(c));
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, c, 1, cancel_cb, &r), SQT_EINVAL);
    fx_done(&f);
}

/* list -> only ours (the prefix) -> batch cancel of those; never cancel-all. */
static void test_cancel_own(void)
{
    fx f;
    rec r;
    fake_http *h;
    size_t i;
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->cancel_own(f.ex, "", cancel_cb, &r), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(f.api->cancel_own(f.ex, "sqt_", cancel_cb, &r), SQT_OK);
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", "/api/v2/mix/order/orders-pending"), 200, BG_PENDING);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    k = pending(&f, "POST", "/api/v2/mix/order/cancel-order");
    CU_ASSERT_FATAL(k >= 0);
    h = fake_host_http_at(f.fh, (size_t)k);
    SQT_ASSERT_STR_EQ(h->body, "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\","
                               "\"marginCoin\":\"USDT\",\"clientOid\":\"sqt_302155_B_1\"}");
    reply(&f, k, 200, BG_PLACE_ACK);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_STR_EQ(r.cancel[0].client_id, "sqt_302155_B_1");
    for (i = 0; i < fake_host_http_total(f.fh); i++) {
        const char *url = fake_host_http_sent(f.fh, i)->url;
        CU_ASSERT_PTR_NULL(strstr(url, "cancel-all-orders"));
    }
    fx_done(&f);
}

static void test_klines(void)
{
    fx f;
    rec r;
    char q[512];
    int k;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->klines(f.ex, "ETHUSDT", "7m", 10, klines_cb, &r), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(f.api->klines(f.ex, "ETHUSDT", "1h", 2, klines_cb, &r), SQT_OK);
    k = pending(&f, "GET", "/api/v2/mix/market/candles");
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)k), q, sizeof(q)),
                      "symbol=ETHUSDT&productType=USDT-FUTURES&granularity=1H&limit=2");
    reply(&f, k, 200, BG_CANDLES);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.n, 2);
    CU_ASSERT(r.klines[0].open_time_ms < r.klines[1].open_time_ms);
    fx_done(&f);
}

/* Shutdown with calls in flight: each completes once with SQT_ECANCELLED. */
static void test_shutdown_in_flight(void)
{
    fx f;
    rec r1, r2;
    int done = 0, i;
    fx_init(&f);
    fx_start(&f);
    memset(&r1, 0, sizeof(r1));
    memset(&r2, 0, sizeof(r2));
    SQT_ASSERT_INT_EQ(f.api->symbol_info(f.ex, info_cb, &r1), SQT_OK);
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r2), SQT_OK); /* parked behind time */
    SQT_ASSERT_INT_EQ(f.api->shutdown(f.ex, fx_shut_cb, &done), SQT_OK);
    for (i = 0; i < 10 && done == 0; i++)
        fake_host_advance(f.fh, 10);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(r1.calls, 1);
    SQT_ASSERT_INT_EQ(r1.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(r2.calls, 1);
    SQT_ASSERT_INT_EQ(r2.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r2), SQT_ESTATE);
    f.api->destroy(f.ex);
    f.ex = NULL;
    fx_done(&f);
}

/* ---- streams ----------------------------------------------------------------------- */

static void test_price_stream(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink = {&s, sink_price, sink_state};
    const sqt_ws_options *o;
    fake_ws *w;
    fx_init(&f);
    fx_start(&f);
    memset(&s, 0, sizeof(s));
    SQT_ASSERT_INT_EQ(f.api->subscribe_price(f.ex, &sink), SQT_OK);
    SQT_ASSERT_INT_EQ(f.api->subscribe_price(f.ex, &sink), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    w = fake_host_ws_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(w->url, "wss://ws.bitget.com/v2/ws/public");
    o = fake_host_ws_options(f.fh, 0);
    SQT_ASSERT_STR_EQ(o->app_ping_text, "ping");
    SQT_ASSERT_INT_EQ(o->app_ping_interval_ms, 30000);
    SQT_ASSERT_INT_EQ(o->flags, SQT_WS_MARKET_DATA);
    CU_ASSERT(o->stale_timeout_ms > 30000);
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_INT_EQ(w->n_sent, 1);
    SQT_ASSERT_STR_EQ(w->sent[0], "{\"op\":\"subscribe\",\"args\":[{\"instType\":\"USDT-FUTURES\","
                                  "\"channel\":\"ticker\",\"instId\":\"ETHUSDT\"}]}");
    SQT_ASSERT_STR_EQ(s.states, "");
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("ticker", "ETHUSDT"));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 0, "pong");
    fake_host_ws_message(f.fh, 0, BG_WS_TICKER);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    SQT_ASSERT_INT_EQ(s.tick.price.mant, 302156);
    fake_host_ws_message(f.fh, 0, "{\"arg\":{\"channel\":\"ticker\"},\"data\":[{\"instId\":"
                                  "\"BTCUSDT\",\"lastPr\":\"1\"}]}");
    SQT_ASSERT_INT_EQ(s.ticks, 1); /* another symbol */
    fake_host_ws_message(f.fh, 0, "{broken");
    CU_ASSERT(fake_host_log_contains(f.fh, "message ignored"));
    fake_host_ws_drop(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    fake_host_ws_connect(f.fh, 0);
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("ticker", "ETHUSDT"));
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    fx_done(&f);
}

static void test_kline_stream(void)
{
    fx f;
    sink_rec s;
    sqt_kline_sink sink = {&s, sink_kline, sink_state};
    const char *syms[1] = {"ETHUSDT"};
    fake_ws *w;
    fx_init(&f);
    fx_start(&f);
    memset(&s, 0, sizeof(s));
    SQT_ASSERT_INT_EQ(f.api->subscribe_klines(f.ex, syms, 1, "1m", &sink), SQT_OK);
    fake_host_ws_connect(f.fh, 0);
    w = fake_host_ws_at(f.fh, 0);
    SQT_ASSERT_INT_EQ(w->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_STR_EQ(w->sent[0], "{\"op\":\"subscribe\",\"args\":[{\"instType\":\"USDT-FUTURES\","
                                  "\"channel\":\"candle1m\",\"instId\":\"ETHUSDT\"}]}");
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("candle1m", "ETHUSDT"));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 0, BG_WS_CANDLE("1765101240000", "3021.56"));
    fake_host_ws_message(f.fh, 0, BG_WS_CANDLE("1765101240000", "3021.60"));
    SQT_ASSERT_INT_EQ(s.klines, 2);
    SQT_ASSERT_INT_EQ(s.kline[1].closed, 0);
    /* the next minute begins: the previous one is delivered once more, closed */
    fake_host_ws_message(f.fh, 0, BG_WS_CANDLE("1765101300000", "3022.00"));
    SQT_ASSERT_INT_EQ(s.klines, 4);
    SQT_ASSERT_INT_EQ(s.kline[2].closed, 1);
    SQT_ASSERT_INT_EQ(s.kline[2].open_time_ms, INT64_C(1765101240000));
    SQT_ASSERT_INT_EQ(s.kline[2].close.mant, 302160);
    SQT_ASSERT_INT_EQ(s.kline[3].closed, 0);
    SQT_ASSERT_INT_EQ(s.kline[3].open_time_ms, INT64_C(1765101300000));
    /* a late row of an older candle is ignored */
    fake_host_ws_message(f.fh, 0, BG_WS_CANDLE("1765101240000", "1.00"));
    SQT_ASSERT_INT_EQ(s.klines, 4);
    fx_done(&f);
}

static void test_order_stream(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink = {&s, sink_order, sink_state};
    char sig[SQT_BG_SIG_LEN + 1], want[512];
    fake_ws *w;
    fx_init(&f);
    fx_start(&f);
    memset(&s, 0, sizeof(s));
    SQT_ASSERT_INT_EQ(f.api->subscribe_orders(f.ex, &sink), SQT_OK);
    w = fake_host_ws_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(w->url, "wss://ws.bitget.com/v2/ws/private");
    SQT_ASSERT_INT_EQ(w->flags, 0); /* the private stream: unflagged */
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_INT_EQ(w->n_sent, 1);
    /* login with the timestamp in seconds (the fake wall clock: 1735000000000 ms) */
    sqt_bg_sign_login(SECRET, "1735000000", sig);
    snprintf(want, sizeof(want), "{\"op\":\"login\",\"args\":[{\"apiKey\":\"%s\",\"passphrase\":"
             "\"%s\",\"timestamp\":\"1735000000\",\"sign\":\"%s\"}]}", API_KEY, PASSPHRASE, sig);
    SQT_ASSERT_STR_EQ(w->sent[0], want);
    fake_host_ws_message(f.fh, 0, BG_WS_LOGIN_OK);
    SQT_ASSERT_INT_EQ(w->n_sent, 2);
    SQT_ASSERT_STR_EQ(w->sent[1], "{\"op\":\"subscribe\",\"args\":[{\"instType\":\"USDT-FUTURES\","
                                  "\"channel\":\"orders\",\"instId\":\"default\"}]}");
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("orders", "default"));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 0, BG_WS_ORDER_PARTIAL);
    SQT_ASSERT_INT_EQ(s.orders, 1);
    SQT_ASSERT_STR_EQ(s.order[0].client_id, "sqt_302155_B_1");
    SQT_ASSERT_INT_EQ(s.order[0].fee.mant, 241724);
    /* the drop loses pushes for certain: RESYNC before the next UP */
    fake_host_ws_drop(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    fake_host_ws_connect(f.fh, 0);
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("orders", "default")); /* before login: no */
    SQT_ASSERT_STR_EQ(s.states, "UD");
    fake_host_ws_message(f.fh, 0, BG_WS_LOGIN_OK);
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("orders", "default"));
    SQT_ASSERT_STR_EQ(s.states, "UDRU");
    /* a login failure is logged loudly, never with the passphrase */
    fake_host_ws_message(f.fh, 0, BG_WS_LOGIN_FAIL);
    CU_ASSERT(fake_host_log_contains(f.fh, "30005"));
    fx_done(&f);
}

/* At 23 h a successor takes over before the old connection closes: the sink hears
 * nothing of it. */
static void test_rotation(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink = {&s, sink_price, sink_state};
    fx_init(&f);
    fx_start(&f);
    memset(&s, 0, sizeof(s));
    SQT_ASSERT_INT_EQ(f.api->subscribe_price(f.ex, &sink), SQT_OK);
    fake_host_ws_connect(f.fh, 0);
    fake_host_ws_message(f.fh, 0, BG_WS_SUB_ACK("ticker", "ETHUSDT"));
    fake_host_advance(f.fh, UINT64_C(82800000));
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fake_host_ws_connect(f.fh, 1);
    fake_host_ws_message(f.fh, 1, BG_WS_SUB_ACK("ticker", "ETHUSDT"));
    fake_host_advance(f.fh, 10000);
    CU_ASSERT(fake_host_ws_at(f.fh, 0)->closed);
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 1, BG_WS_TICKER);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    fx_done(&f);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"create: passphrase, product type, demo", test_create},
        {"symbol info", test_symbol_info},
        {"account: signed, clock offset, hedge refused", test_account_signed},
        {"positions", test_positions_op},
        {"open orders: idLessThan pages", test_open_orders_pages},
        {"query order", test_query_order},
        {"place one", test_place_single},
        {"warm: a dry run, nothing sent", test_warm_is_dry},
        {"place in hedge mode", test_place_hedge},
        {"place a batch", test_place_batch},
        {"place: 429, 5xx, timeout", test_place_failures},
        {"timestamp error: re-measure, retry once", test_timestamp_retry},
        {"cancel", test_cancel},
        {"cancel own", test_cancel_own},
        {"klines", test_klines},
        {"shutdown with calls in flight", test_shutdown_in_flight},
        {"price stream", test_price_stream},
        {"kline stream: derived close", test_kline_stream},
        {"order stream: login, RESYNC after a drop", test_order_stream},
        {"24 h rotation", test_rotation},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("bitget_plugin", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
