/* The Binance plugin through its exchange table, against the fake host: request
 * building and signing, answers and errors, bans, the clock offset, streams and the
 * listenKey life cycle, shutdown. Every callback checks it is not running inside the
 * plugin call that started it. */
#include <stddef.h>
#include <string.h>

#include "bn.h"
#include "bn_fixture.h"
#include "fastpath.h"
#include "samples.h"
#include "sign.h"

/* ---- helpers: orders answered by REST and their trade lists -------------------------- */

/* Log lines holding needle. */
static size_t log_count(fx *f, const char *needle)
{
    size_t i, n = 0;
    for (i = 0; i < fake_host_log_count(f->fh); i++)
        n += strstr(fake_host_log_at(f->fh, i), needle) != NULL;
    return n;
}

/* A REST order of ETHUSDT, client id "g<id>" behind the broker prefix. */
static const char *order_json(char *buf, size_t cap, int id, const char *status,
                              const char *executed)
{
    snprintf(buf, cap,
             "{\"orderId\":%d,\"symbol\":\"ETHUSDT\",\"status\":\"%s\",\"clientOrderId\":"
             "\"x-zdfVM8vYg%d\",\"price\":\"3000.00\",\"avgPrice\":\"3000.00\",\"origQty\":"
             "\"0.010\",\"executedQty\":\"%s\",\"timeInForce\":\"GTX\",\"side\":\"BUY\","
             "\"updateTime\":1765101262000}",
             id, status, id, executed);
    return buf;
}

/* One trade of order `oid` (an element of a userTrades answer). */
static const char *trade_json(char *buf, size_t cap, int oid, const char *qty, const char *fee,
                              const char *asset)
{
    static int trade_id = 1000;
    snprintf(buf, cap,
             "{\"symbol\":\"ETHUSDT\",\"id\":%d,\"orderId\":%d,\"side\":\"BUY\",\"price\":"
             "\"3000.00\",\"qty\":\"%s\",\"realizedPnl\":\"0\",\"quoteQty\":\"1\",\"commission\":"
             "\"%s\",\"commissionAsset\":\"%s\",\"time\":1765101261000,\"buyer\":true,"
             "\"maker\":true,\"positionSide\":\"BOTH\"}",
             ++trade_id, oid, qty, fee, asset);
    return buf;
}

/* The pending trade-list request of `order_id`: signed, symbol + orderId + limit. */
static int trades_request(fx *f, const char *order_id)
{
    int i = pending(f, "GET", "/fapi/v1/userTrades");
    fake_http *req;
    char v[64];
    CU_ASSERT_TRUE_FATAL(i >= 0);
    req = fake_host_http_at(f->fh, (size_t)i);
    assert_signed(req);
    SQT_ASSERT_STR_EQ(param(params_of(req), "symbol", v, sizeof(v)), "ETHUSDT");
    SQT_ASSERT_STR_EQ(param(params_of(req), "orderId", v, sizeof(v)), order_id);
    SQT_ASSERT_STR_EQ(param(params_of(req), "limit", v, sizeof(v)), "1000");
    return i;
}

/* query_order(BN_ORDER_FILLED's client id), its answer given: the trade list is next. */
static void query_filled(fx *f, rec *r)
{
    memset(r, 0, sizeof(*r));
    SQT_ASSERT_INT_EQ(CALL(f->api->query_order(f->ex, "302155_B_1765101259001", NULL,
                                                orders_cb, r)), SQT_OK);
    if (pending(f, "GET", "/fapi/v1/time") >= 0)
        answer_time(f, 0);
    reply(f, pending(f, "GET", "/fapi/v1/order"), 200, BN_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(r->calls, 0); /* it waits for the trades */
}

/* The query delivered the order, without a cumulative fee. */
static void assert_no_cum_fee(const rec *r)
{
    SQT_ASSERT_INT_EQ(r->calls, 1);
    SQT_ASSERT_INT_EQ(r->err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r->n, 1);
    SQT_ASSERT_INT_EQ(r->orders[0].status, SQT_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(r->orders[0].filled_qty.mant, 10);
    SQT_ASSERT_INT_EQ(r->orders[0].has_cum_fee, 0);
    SQT_ASSERT_INT_EQ(r->orders[0].cum_fee.mant, 0);
    SQT_ASSERT_STR_EQ(r->orders[0].fee_asset, "");
}

/* ---- tests: descriptor and config ------------------------------------------------ */

static void test_descriptor(void)
{
    const sqt_plugin *p = sqt_plugin_entry();
    SQT_ASSERT_INT_EQ(p->abi_major, SQT_PLUGIN_ABI_MAJOR);
    SQT_ASSERT_STR_EQ(p->name, "binance");
    SQT_ASSERT_STR_EQ(p->build_signature, SQT_BUILD_SIGNATURE);
    SQT_ASSERT_INT_EQ(p->exchange->struct_size, sizeof(sqt_exchange_api));
    CU_ASSERT_TRUE(p->exchange->flags & SQT_EXF_NEEDS_API_KEY);
    CU_ASSERT_FALSE(p->exchange->flags & SQT_EXF_SIMULATED);
}

static void expect_create_fails(fx *f, const char *symbol, int code, const char *needle)
{
    sqt_error err;
    memset(&err, 0, sizeof(err));
    SQT_ASSERT_INT_EQ(fx_create(f, symbol, &err), code);
    SQT_ASSERT_INT_EQ(err.code, code);
    if (strstr(err.message, needle) == NULL)
        fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", err.message, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, needle));
    CU_ASSERT_PTR_NULL(strstr(err.message, SECRET));
    CU_ASSERT_PTR_NULL(strstr(err.message, "\n"));
    f->ex = NULL;
}

static void test_create_config_errors(void)
{
    fx f;
    fx_init(&f, NULL);
    expect_create_fails(&f, "ethusdt", SQT_EINVAL, "symbol");
    expect_create_fails(&f, NULL, SQT_EINVAL, "symbol");
    fake_host_set_config(f.fh, "recv_window", "70000");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "recv_window");
    fake_host_set_config(f.fh, "recv_window", "5x");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "recv_window");
    fake_host_set_config(f.fh, "recv_window", NULL);
    fake_host_set_config(f.fh, "rest_url", "ftp://fapi.binance.com");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "rest_url");
    fake_host_set_config(f.fh, "rest_url", NULL);
    fake_host_set_config(f.fh, "ws_private_url", "https://fstream.binance.com/private");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "ws_private_url");
    fake_host_set_config(f.fh, "ws_private_url", NULL);
    fake_host_set_config(f.fh, "broker_prefix", "x zdf");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "broker_prefix");
    fake_host_set_config(f.fh, "broker_prefix", "x-zdfVM8vYx-zdfVM8vYx-zdfVM8vY");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "broker_prefix");
    fake_host_set_config(f.fh, "broker_prefix", NULL);
    fake_host_set_secret(f.fh, "secret_key", NULL);
    expect_create_fails(&f, "ETHUSDT", SQT_ENOENT, "secret_key");
    fake_host_set_secret(f.fh, "secret_key", SECRET "\r\nX: y");
    expect_create_fails(&f, "ETHUSDT", SQT_EINVAL, "secret_key");
    fake_host_set_secret(f.fh, "secret_key", SECRET);
    fake_host_set_secret(f.fh, "api_key", NULL);
    expect_create_fails(&f, "ETHUSDT", SQT_ENOENT, "api_key");
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), 0); /* create does no I/O */
    fx_done(&f);
}

static void test_config_urls(void)
{
    fx f;
    rec r;
    fx_init(&f, NULL);
    fake_host_set_config(f.fh, "rest_url", "http://127.0.0.1:18080/");
    fake_host_set_config(f.fh, "ws_market_url", "ws://127.0.0.1:18081/market");
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->symbol_info(f.ex, info_cb, &r));
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->url, "http://127.0.0.1:18080/fapi/v1/exchangeInfo");
    fx_done(&f);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ECANCELLED);
}

/* ---- tests: REST ------------------------------------------------------------------- */

static void test_symbol_info(void)
{
    fx f;
    rec r;
    fake_http *req;
    fx_init(&f, PREFIX);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->symbol_info(f.ex, info_cb, &r)), SQT_OK);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    req = fake_host_http_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(req->method, "GET");
    SQT_ASSERT_STR_EQ(req->url, "https://fapi.binance.com/fapi/v1/exchangeInfo");
    CU_ASSERT_PTR_NULL(fake_http_header(req, "X-MBX-APIKEY")); /* market data: no key */
    reply(&f, 0, 200, BN_EXCHANGE_INFO);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.info.symbol, "ETHUSDT");
    SQT_ASSERT_INT_EQ(r.info.tick_size.mant, 1);
    SQT_ASSERT_INT_EQ(r.info.tick_size.scale, 2);
    SQT_ASSERT_INT_EQ(r.info.client_id_max_len, 36 - 10);
    SQT_ASSERT_INT_EQ(r.info.max_batch_place, 5);
    SQT_ASSERT_INT_EQ(r.info.max_batch_cancel, 10);
    fx_done(&f);
}

static void test_symbol_not_found(void)
{
    fx f;
    rec r;
    sqt_error err;
    fx_init(&f, NULL);
    SQT_ASSERT_INT_EQ(fx_create(&f, "NOPEUSDT", &err), SQT_OK);
    memset(&r, 0, sizeof(r));
    CALL(f.api->symbol_info(f.ex, info_cb, &r));
    reply(&f, 0, 200, BN_EXCHANGE_INFO);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err.message, "NOPEUSDT"));
    memset(&r, 0, sizeof(r));
    CALL(f.api->symbol_info(f.ex, info_cb, &r));
    reply(&f, 0, 200, "<html>gateway</html>");
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EPROTO);
    fx_done(&f);
}

/* The first signed call measures the server time; the offset lands in `timestamp`. */
static void test_signed_request_and_time_offset(void)
{
    fx f;
    rec r;
    fake_http *req;
    char v[64];
    fx_init(&f, NULL);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->positions(f.ex, pos_cb, &r)), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1); /* only the time request so far */
    req = fake_host_http_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(req->url, "https://fapi.binance.com/fapi/v1/time");
    CU_ASSERT_PTR_NULL(fake_http_header(req, "X-MBX-APIKEY"));
    fake_host_advance(f.fh, 40); /* a 40 ms round trip */
    {
        char body[64];
        snprintf(body, sizeof(body), "{\"serverTime\":%lld}", (long long)(T0 + 20 + 1234));
        reply(&f, 0, 200, body);
    }
    SQT_ASSERT_INT_EQ(r.calls, 0);
    req = fake_host_http_at(f.fh, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    SQT_ASSERT_STR_EQ(req->method, "GET");
    CU_ASSERT_PTR_NOT_NULL(strstr(req->url, "https://fapi.binance.com/fapi/v3/positionRisk?"
                                            "symbol=ETHUSDT&recvWindow=5000&timestamp="));
    param(params_of(req), "timestamp", v, sizeof(v));
    SQT_ASSERT_INT_EQ(strtoll(v, NULL, 10), T0 + 40 + 1234);
    CU_ASSERT_PTR_NULL(req->body);
    assert_signed(req);
    reply(&f, 0, 200, BN_POSITION_RISK);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.pos[0].size.mant, 30);
    SQT_ASSERT_INT_EQ(r.pos[0].leverage, 10);
    /* measured once: the next signed call goes straight out */
    memset(&r, 0, sizeof(r));
    CALL(f.api->positions(f.ex, pos_cb, &r));
    SQT_ASSERT_INT_EQ(pending(&f, "GET", "/fapi/v1/time"), -1);
    CU_ASSERT_TRUE(pending(&f, "GET", "/fapi/v3/positionRisk") >= 0);
    fx_done(&f);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ECANCELLED);
}

static void test_place_single(void)
{
    fx f;
    rec r;
    fake_http *req;
    sqt_order_req q = order_req("302155_B_1765101259001", SQT_SIDE_BUY, SQT_TIF_POST_ONLY,
                                302155, 2, 1, 2 /* 0.01 -> "0.010" */);
    const char *hdrs[] = {"x-mbx-used-weight-1m: 37", "X-MBX-ORDER-COUNT-10S: 3",
                          "X-MBX-ORDER-COUNT-1M: 12", NULL};
    char want[512];
    const char *sig;
    sqt_rate_usage u;
    fx_init(&f, PREFIX);
    fx_start(&f);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r)), SQT_OK);
    answer_time(&f, 0);
    req = fake_host_http_at(f.fh, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    SQT_ASSERT_STR_EQ(req->method, "POST");
    SQT_ASSERT_STR_EQ(req->url, "https://fapi.binance.com/fapi/v1/order");
    SQT_ASSERT_STR_EQ(fake_http_header(req, "Content-Type"), "application/x-www-form-urlencoded");
    snprintf(want, sizeof(want),
             "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=3021.55"
             "&newClientOrderId=x-zdfVM8vY302155_B_1765101259001&recvWindow=5000&timestamp=%lld"
             "&signature=",
             (long long)T0);
    sig = strstr(req->body, "&signature=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sig);
    CU_ASSERT_EQUAL(strncmp(req->body, want, strlen(want)), 0);
    SQT_ASSERT_INT_EQ(req->body_len, strlen(want) + 64);
    assert_signed(req);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    fake_host_http_reply(f.fh, 0, 200, BN_ORDER_NEW, hdrs);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.place[0].client_id, "302155_B_1765101259001");
    SQT_ASSERT_STR_EQ(r.place[0].order.client_id, "302155_B_1765101259001");
    SQT_ASSERT_STR_EQ(r.place[0].order.order_id, "8389765537712345678");
    SQT_ASSERT_INT_EQ(r.place[0].order.status, SQT_ORDER_NEW);
    u = fake_host_last_rate_usage(f.fh);
    SQT_ASSERT_INT_EQ(u.used_weight, 37);
    SQT_ASSERT_INT_EQ(u.weight_limit, 2400);
    SQT_ASSERT_INT_EQ(u.order_count, 12);
    SQT_ASSERT_INT_EQ(u.order_limit, 1200);
    SQT_ASSERT_INT_EQ(u.banned_until_ms, 0);

    /* a reduce-only plain limit sell */
    q = order_req("302155_S_1765101259002", SQT_SIDE_SELL, SQT_TIF_GTC, 3051770, 3, 10, 3);
    q.reduce_only = 1;
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r)), SQT_OK);
    req = fake_host_http_at(f.fh, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(req->body, "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTC"
                                             "&quantity=0.010&price=3051.77&reduceOnly=true"
                                             "&newClientOrderId=x-zdfVM8vY302155_S_1765101259002&"));
    assert_signed(req);
    fx_done(&f);
    SQT_ASSERT_INT_EQ(r.status, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_ECANCELLED);
}

/* warm (system.keep_warm_ms): in the table; it sends nothing (not even the server-time
 * measurement a first signed request starts), calls nothing back, before and after the
 * symbol's rules, and leaves nothing in the scratch the next real order is built in. */
static void test_warm_is_dry(void)
{
    fx f;
    rec r;
    fake_http *req;
    sqt_order_req q = order_req("302155_B_1765101259001", SQT_SIDE_BUY, SQT_TIF_POST_ONLY,
                                302155, 2, 1, 2);
    char want[512];
    size_t sent;
    int i;
    fx_init(&f, PREFIX);
    fx_start(&f);
    CU_ASSERT_TRUE_FATAL(SQT_HAS_MEMBER(f.api, sqt_exchange_api, warm));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.api->warm);
    sent = fake_host_http_total(f.fh);
    g_in_api = 1;
    f.api->warm(f.ex); /* before symbol_info: the push parse only */
    call_end(0);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    /* its push is one the fast path reads (it warms that path, not the DOM fallback) */
    {
        sqt_order o;
        int kind = 0;
        CU_ASSERT_TRUE_FATAL(f.ex->warm_len > 0);
        SQT_ASSERT_INT_EQ(sqt_bn_fast_user(f.ex->warm_push, f.ex->warm_len, f.ex->prefix,
                                           &kind, &o), 1);
        SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_ORDER);
        SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
        SQT_ASSERT_STR_EQ(o.client_id, "1_B_1765101259001"); /* the prefix stripped */
        SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED);
    }
    load_info(&f);
    sent = fake_host_http_total(f.fh);
    for (i = 0; i < 3; i++) {
        g_in_api = 1;
        f.api->warm(f.ex);
        call_end(0);
    }
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    SQT_ASSERT_INT_EQ(g_sync_violations, 0);

    /* the real order after it: exactly test_place_single's request */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r)), SQT_OK);
    g_in_api = 1;
    f.api->warm(f.ex); /* while the order waits for the server time */
    call_end(0);
    answer_time(&f, 0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    req = fake_host_http_at(f.fh, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    SQT_ASSERT_STR_EQ(req->url, "https://fapi.binance.com/fapi/v1/order");
    SQT_ASSERT_STR_EQ(fake_http_header(req, "X-MBX-APIKEY"), API_KEY);
    snprintf(want, sizeof(want),
             "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=3021.55"
             "&newClientOrderId=x-zdfVM8vY302155_B_1765101259001&recvWindow=5000&timestamp=%lld"
             "&signature=",
             (long long)T0);
    CU_ASSERT_EQUAL(strncmp(req->body, want, strlen(want)), 0);
    SQT_ASSERT_INT_EQ(req->body_len, strlen(want) + 64);
    assert_signed(req);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    fx_done(&f);
    SQT_ASSERT_INT_EQ(r.calls, 1);
}

static void test_place_local_checks(void)
{
    fx f;
    rec r;
    sqt_order_req q[3];
    char v[1024], dec[1024];
    fx_init(&f, PREFIX);
    fx_start(&f);
    /* without the symbol's rules an order cannot be formatted */
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ESTATE);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 3021555, 3, 10, 3); /* off tick */
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 15, 4); /* off step */
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 0, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 0, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    /* exchangeInfo's bounds: LOT_SIZE maxQty 10000, PRICE_FILTER 39.86 .. 306177 */
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10000001, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    q[0] = order_req("a1", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, 30617701, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 3985, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_ERULES);
    q[0] = order_req("a b", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_EINVAL);
    /* 27 characters + the 10 of the prefix > 36 */
    q[0] = order_req("123456789012345678901234567", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_EINVAL);
    q[0] = order_req("a1", SQT_SIDE_NONE, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 1, place_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 6, place_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 0, place_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), 1); /* only exchangeInfo went out */
    SQT_ASSERT_INT_EQ(r.calls, 0);
    /* one bad order of three: the other two go out as a batch */
    q[0] = order_req("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    q[1] = order_req("a2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 3021551, 3, 10, 3);
    q[2] = order_req("a3", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302000, 2, 10, 3);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 3, place_cb, &r)), SQT_OK);
    answer_time(&f, 0);
    url_decode(param(params_of(fake_host_http_at(f.fh, 0)), "batchOrders", v, sizeof(v)), dec,
               sizeof(dec));
    CU_ASSERT_PTR_NOT_NULL(strstr(dec, "\"newClientOrderId\":\"x-zdfVM8vYa1\""));
    CU_ASSERT_PTR_NULL(strstr(dec, "a2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dec, "\"newClientOrderId\":\"x-zdfVM8vYa3\""));
    reply(&f, 0, 200, "[" BN_ORDER_NEW ",{\"code\":-2019,\"msg\":\"Margin is insufficient.\"}]");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 3);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[1].err.code, SQT_ERULES);
    SQT_ASSERT_STR_EQ(r.place[1].client_id, "a2");
    SQT_ASSERT_INT_EQ(r.place[2].err.code, SQT_EMARGIN);
    SQT_ASSERT_STR_EQ(r.place[2].client_id, "a3");
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "order a2 not sent"));
    fx_done(&f);
}

static void test_place_batch(void)
{
    fx f;
    rec r;
    sqt_order_req q[5];
    fake_http *req;
    char v[2048], dec[2048];
    int i;
    fx_init(&f, PREFIX);
    fx_start(&f);
    load_info(&f);
    for (i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "b%d", i);
        q[i] = order_req(id, SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302000 - i * 100, 2, 10, 3);
    }
    q[4].side = SQT_SIDE_SELL;
    q[4].tif = SQT_TIF_GTC;
    q[4].reduce_only = 1;
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, q, 5, place_cb, &r)), SQT_OK);
    answer_time(&f, 0);
    req = fake_host_http_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(req->method, "POST");
    SQT_ASSERT_STR_EQ(req->url, "https://fapi.binance.com/fapi/v1/batchOrders");
    CU_ASSERT_EQUAL(strncmp(req->body, "batchOrders=%5B%7B", 18), 0);
    assert_signed(req);
    url_decode(param(req->body, "batchOrders", v, sizeof(v)), dec, sizeof(dec));
    {
        const char *first = "[{\"symbol\":\"ETHUSDT\",\"side\":\"BUY\",\"type\":\"LIMIT\","
                            "\"timeInForce\":\"GTX\",\"quantity\":\"0.010\",\"price\":\"3020.00\","
                            "\"newClientOrderId\":\"x-zdfVM8vYb0\"},";
        CU_ASSERT_EQUAL(strncmp(dec, first, strlen(first)), 0);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(dec, "{\"symbol\":\"ETHUSDT\",\"side\":\"SELL\",\"type\":\"LIMIT\","
                                       "\"timeInForce\":\"GTC\",\"quantity\":\"0.010\",\"price\":\"3016.00\","
                                       "\"reduceOnly\":\"true\",\"newClientOrderId\":\"x-zdfVM8vYb4\"}]"));
    reply(&f, 0, 200,
          "[" BN_ORDER_NEW ",{\"code\":-5022,\"msg\":\"Post Only order will be rejected\"},"
          "{\"code\":-2019,\"msg\":\"Margin is insufficient.\"},{\"code\":-4116,\"msg\":\"dup\"},"
          "{\"code\":-4164,\"msg\":\"notional\"}]");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 5);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[1].err.code, SQT_EPOST_ONLY);
    SQT_ASSERT_STR_EQ(r.place[1].err.exch_code, "-5022");
    SQT_ASSERT_INT_EQ(r.place[2].err.code, SQT_EMARGIN);
    SQT_ASSERT_INT_EQ(r.place[3].err.code, SQT_EDUP_CLIENT_ID);
    SQT_ASSERT_INT_EQ(r.place[4].err.code, SQT_ERULES);
    SQT_ASSERT_STR_EQ(r.place[4].client_id, "b4");
    /* an answer of the wrong shape: the orders may exist, say so */
    memset(&r, 0, sizeof(r));
    CALL(f.api->place_orders(f.ex, q, 2, place_cb, &r));
    reply(&f, 0, 200, "[" BN_ORDER_NEW "]");
    SQT_ASSERT_INT_EQ(r.status, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(r.place[1].err.code, SQT_EUNKNOWN_STATUS);
    fx_done(&f);
}

/* What a single order's failure looks like for each kind of answer. */
static void test_place_single_errors(void)
{
    static const struct {
        int http;
        const char *body;
        int transport; /* SQT_E* for a transport failure instead of an answer */
        int status, item;
    } cases[] = {
        {400, "{\"code\":-5022,\"msg\":\"Post Only order will be rejected\"}", 0, SQT_OK, SQT_EPOST_ONLY},
        {400, "{\"code\":-2019,\"msg\":\"Margin is insufficient.\"}", 0, SQT_OK, SQT_EMARGIN},
        {400, "{\"code\":-4061,\"msg\":\"Order's position side does not match user's setting.\"}", 0,
         SQT_OK, SQT_EPOSITION_MODE},
        {400, "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}", 0,
         SQT_EAUTH, SQT_EAUTH},
        {429, "{\"code\":-1003,\"msg\":\"Too many requests.\"}", 0, SQT_ERATE_LIMITED, SQT_ERATE_LIMITED},
        {503, "{\"code\":-1000,\"msg\":\"Unknown error, please check your request or try again later.\"}",
         0, SQT_EUNKNOWN_STATUS, SQT_EUNKNOWN_STATUS},
        {200, "{\"orderId\":\"not a number\"}", 0, SQT_OK, SQT_EUNKNOWN_STATUS},
        {0, NULL, SQT_ETIMEOUT, SQT_EUNKNOWN_STATUS, SQT_EUNKNOWN_STATUS},
        {0, NULL, SQT_ENETWORK, SQT_ENETWORK, SQT_ENETWORK},
    };
    fx f;
    size_t i;
    sqt_order_req q = order_req("c1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    fx_init(&f, NULL);
    fx_start(&f);
    load_info(&f);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rec r;
        memset(&r, 0, sizeof(r));
        SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r)), SQT_OK);
        if (i == 0)
            answer_time(&f, 0);
        if (cases[i].transport != 0)
            fake_host_http_fail(f.fh, 0, cases[i].transport);
        else
            reply(&f, 0, cases[i].http, cases[i].body);
        if (r.status != cases[i].status || r.place[0].err.code != cases[i].item)
            fprintf(stderr, "    case %zu\n", i);
        SQT_ASSERT_INT_EQ(r.calls, 1);
        SQT_ASSERT_INT_EQ(r.status, cases[i].status);
        SQT_ASSERT_INT_EQ(r.place[0].err.code, cases[i].item);
        SQT_ASSERT_STR_EQ(r.place[0].client_id, "c1");
    }
    fx_done(&f);
}

static void test_rate_limited_retry_after(void)
{
    fx f;
    rec r;
    const char *hdrs[] = {"Retry-After: 3", "X-MBX-USED-WEIGHT-1M: 2400", NULL};
    fx_init(&f, NULL);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->klines(f.ex, "BTCUSDT", "1m", 3, klines_cb, &r));
    fake_host_http_reply(f.fh, 0, 429, "{\"code\":-1003,\"msg\":\"Too many requests\"}", hdrs);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(r.err.retry_after_ms, 3000);
    SQT_ASSERT_STR_EQ(r.err.exch_code, "-1003");
    SQT_ASSERT_INT_EQ(r.err.http_status, 429);
    SQT_ASSERT_INT_EQ(fake_host_last_rate_usage(f.fh).used_weight, 2400);
    /* a rate limit is not a ban: the next call goes out */
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "BTCUSDT", "1m", 3, klines_cb, &r)), SQT_OK);
    fx_done(&f);
}

static void test_ban(void)
{
    fx f;
    rec r;
    const char *hdrs[] = {"Retry-After: 60", NULL};
    sqt_order_req q = order_req("c1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    size_t sent;
    fx_init(&f, NULL);
    fx_start(&f);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 3, klines_cb, &r));
    fake_host_http_reply(f.fh, 0, 418, "{\"code\":-1003,\"msg\":\"Way too many requests\"}", hdrs);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EBANNED);
    SQT_ASSERT_INT_EQ(r.err.retry_after_ms, 60000);
    SQT_ASSERT_INT_EQ(fake_host_last_rate_usage(f.fh).banned_until_ms, T0 + 60000);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "ERROR BANNED by Binance"));
    /* everything is refused locally, loudly, and nothing goes out */
    sent = fake_host_http_total(f.fh);
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 3, klines_cb, &r)), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(CALL(f.api->positions(f.ex, pos_cb, &r)), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r)), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "refused locally"));
    fake_host_advance(f.fh, 59000);
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 3, klines_cb, &r)), SQT_EBANNED);
    fake_host_advance(f.fh, 1000);
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 3, klines_cb, &r)), SQT_OK);
    fx_done(&f);
}

/* -1021: re-measure the clock and resend once; a second -1021 is reported. */
static void test_timestamp_retry_once(void)
{
    fx f;
    rec r;
    char v[32];
    sqt_order_req q = order_req("c1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    const char *e1021 = "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of the recvWindow.\"}";
    fx_init(&f, NULL);
    fx_start(&f);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r));
    answer_time(&f, 0);
    reply(&f, pending(&f, "POST", "/fapi/v1/order"), 400, e1021);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "-1021"));
    answer_time(&f, 2500); /* the server is 2.5 s ahead */
    param(params_of(fake_host_http_at(f.fh, 0)), "timestamp", v, sizeof(v));
    SQT_ASSERT_INT_EQ(strtoll(v, NULL, 10), T0 + 2500);
    assert_signed(fake_host_http_at(f.fh, 0));
    reply(&f, pending(&f, "POST", "/fapi/v1/order"), 400, e1021);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_ETIMESTAMP);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_ETIMESTAMP);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    /* the clock is re-measured before the next signed call */
    CALL(f.api->positions(f.ex, pos_cb, &r));
    CU_ASSERT_TRUE(pending(&f, "GET", "/fapi/v1/time") >= 0);
    fx_done(&f);
}

static void test_cancel(void)
{
    fx f;
    rec r;
    sqt_cancel_req c[3];
    fake_http *req;
    char v[512], dec[512];
    fx_init(&f, PREFIX);
    fx_start(&f);
    memset(c, 0, sizeof(c));
    snprintf(c[0].client_id, sizeof(c[0].client_id), "k1");
    /* single: DELETE /fapi/v1/order by origClientOrderId */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_orders(f.ex, c, 1, cancel_cb, &r)), SQT_OK);
    answer_time(&f, 0);
    req = fake_host_http_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(req->method, "DELETE");
    CU_ASSERT_PTR_NOT_NULL(strstr(req->url, "/fapi/v1/order?symbol=ETHUSDT&origClientOrderId=x-zdfVM8vYk1&recvWindow=5000&timestamp="));
    CU_ASSERT_PTR_NULL(req->body);
    assert_signed(req);
    reply(&f, 0, 400, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(r.cancel[0].client_id, "k1");

    /* batch by client ids, mixed answers */
    snprintf(c[1].client_id, sizeof(c[1].client_id), "k2");
    snprintf(c[2].client_id, sizeof(c[2].client_id), "k3");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_orders(f.ex, c, 3, cancel_cb, &r)), SQT_OK);
    req = fake_host_http_at(f.fh, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(req->url, "/fapi/v1/batchOrders?symbol=ETHUSDT&origClientOrderIdList="));
    url_decode(param(params_of(req), "origClientOrderIdList", v, sizeof(v)), dec, sizeof(dec));
    SQT_ASSERT_STR_EQ(dec, "[\"x-zdfVM8vYk1\",\"x-zdfVM8vYk2\",\"x-zdfVM8vYk3\"]");
    assert_signed(req);
    reply(&f, 0, 200,
          "[{\"orderId\":11,\"symbol\":\"ETHUSDT\",\"status\":\"CANCELED\",\"clientOrderId\":\"x-zdfVM8vYk1\","
          "\"price\":\"3000.00\",\"origQty\":\"0.010\",\"executedQty\":\"0.004\",\"side\":\"BUY\"},"
          "{\"code\":-2011,\"msg\":\"Unknown order sent.\"},"
          "{\"orderId\":13,\"symbol\":\"ETHUSDT\",\"status\":\"CANCELED\",\"clientOrderId\":\"x-zdfVM8vYk3\","
          "\"price\":\"3000.00\",\"origQty\":\"0.010\",\"executedQty\":\"0\",\"side\":\"BUY\"}]");
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 3);
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.cancel[0].order_id, "11");
    SQT_ASSERT_INT_EQ(r.cancel[1].err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_INT_EQ(r.cancel[2].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.cancel[2].order_id, "13");

    /* ids of two kinds: one request by client id, one by order id */
    memset(c, 0, sizeof(c));
    snprintf(c[0].client_id, sizeof(c[0].client_id), "k1");
    snprintf(c[1].order_id, sizeof(c[1].order_id), "22");
    snprintf(c[2].order_id, sizeof(c[2].order_id), "23");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_orders(f.ex, c, 3, cancel_cb, &r)), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 2);
    {
        int byid = pending(&f, "DELETE", "/fapi/v1/batchOrders");
        CU_ASSERT_TRUE_FATAL(byid >= 0);
        url_decode(param(params_of(fake_host_http_at(f.fh, (size_t)byid)), "orderIdList", v, sizeof(v)),
                   dec, sizeof(dec));
        SQT_ASSERT_STR_EQ(dec, "[22,23]");
        reply(&f, byid, 200, "[{\"code\":-2011,\"msg\":\"Unknown order sent.\"},{\"code\":-2011,\"msg\":\"x\"}]");
    }
    SQT_ASSERT_INT_EQ(r.calls, 0); /* the other part is still out */
    reply(&f, pending(&f, "DELETE", "/fapi/v1/order"), 503, "");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(r.cancel[1].err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(r.cancel[2].order_id, "23");
    /* nothing to name an order by */
    memset(c, 0, sizeof(c));
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_orders(f.ex, c, 1, cancel_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_orders(f.ex, c, 11, cancel_cb, &r)), SQT_EINVAL);
    fx_done(&f);
}

/* Open orders of the symbol, ours by prefix, 23 of them: batches of 10, 10, 3 in turn. */
static void test_cancel_own(void)
{
    fx f;
    rec r;
    char body[16384];
    size_t n = 0;
    int i, batch;
    fx_init(&f, PREFIX);
    fx_start(&f);
    n += (size_t)snprintf(body + n, sizeof(body) - n, "[");
    for (i = 0; i < 25; i++) {
        const char *id = i < 23 ? "x-zdfVM8vYg1_" : (i == 23 ? "x-zdfVM8vYg2_" : "g1_manual");
        n += (size_t)snprintf(body + n, sizeof(body) - n,
                              "%s{\"orderId\":%d,\"symbol\":\"ETHUSDT\",\"status\":\"NEW\","
                              "\"clientOrderId\":\"%s%d\",\"price\":\"3000.00\",\"origQty\":\"0.010\","
                              "\"executedQty\":\"0\",\"side\":\"BUY\"}",
                              i ? "," : "", 100 + i, id, i);
    }
    snprintf(body + n, sizeof(body) - n, "]");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_own(f.ex, "", cancel_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->cancel_own(f.ex, "g1_", cancel_cb, &r)), SQT_OK);
    answer_time(&f, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(fake_host_http_at(f.fh, 0)->url, "/fapi/v1/openOrders?symbol=ETHUSDT&"));
    reply(&f, 0, 200, body);
    for (batch = 0; batch < 3; batch++) {
        char v[4096], dec[1024], want[1024];
        size_t w = 0;
        int first = batch * 10, last = batch < 2 ? first + 10 : 23;
        fake_http *req;
        SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1); /* one batch at a time */
        req = fake_host_http_at(f.fh, 0);
        SQT_ASSERT_STR_EQ(req->method, "DELETE");
        CU_ASSERT_PTR_NOT_NULL(strstr(req->url, "/fapi/v1/batchOrders?"));
        assert_signed(req);
        url_decode(param(params_of(req), "origClientOrderIdList", v, sizeof(v)), dec, sizeof(dec));
        w += (size_t)snprintf(want + w, sizeof(want) - w, "[");
        for (i = first; i < last; i++)
            w += (size_t)snprintf(want + w, sizeof(want) - w, "%s\"x-zdfVM8vYg1_%d\"",
                                  i > first ? "," : "", i);
        snprintf(want + w, sizeof(want) - w, "]");
        SQT_ASSERT_STR_EQ(dec, want);
        /* answer: all cancelled except the first of the batch (already gone) */
        w = 0;
        w += (size_t)snprintf(v + w, sizeof(v) - w, "[{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
        for (i = first + 1; i < last; i++)
            w += (size_t)snprintf(v + w, sizeof(v) - w,
                                  ",{\"orderId\":%d,\"symbol\":\"ETHUSDT\",\"status\":\"CANCELED\","
                                  "\"clientOrderId\":\"x-zdfVM8vYg1_%d\",\"price\":\"3000.00\","
                                  "\"origQty\":\"0.010\",\"executedQty\":\"0\",\"side\":\"BUY\"}",
                                  100 + i, i);
        snprintf(v + w, sizeof(v) - w, "]");
        SQT_ASSERT_INT_EQ(r.calls, 0);
        reply(&f, 0, 200, v);
    }
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 23);
    SQT_ASSERT_STR_EQ(r.cancel[0].client_id, "g1_0");
    SQT_ASSERT_STR_EQ(r.cancel[0].order_id, "100");
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_INT_EQ(r.cancel[1].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.cancel[22].client_id, "g1_22");
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    /* nothing of ours open: an empty result, still asynchronous */
    memset(&r, 0, sizeof(r));
    CALL(f.api->cancel_own(f.ex, "zz", cancel_cb, &r));
    SQT_ASSERT_INT_EQ(r.calls, 0);
    reply(&f, 0, 200, body);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 0);
    fx_done(&f);
}

static void test_open_and_query_orders(void)
{
    fx f;
    rec r;
    fake_http *req;
    fx_init(&f, PREFIX);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->open_orders(f.ex, orders_cb, &r));
    answer_time(&f, 0);
    assert_signed(fake_host_http_at(f.fh, 0));
    reply(&f, 0, 200, "[" BN_ORDER_NEW "]");
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_STR_EQ(r.orders[0].client_id, "302155_B_1765101259001");

    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->query_order(f.ex, "302155_B_1765101259001", NULL, orders_cb, &r)),
                      SQT_OK);
    req = fake_host_http_at(f.fh, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(req->url, "/fapi/v1/order?symbol=ETHUSDT&origClientOrderId="
                                            "x-zdfVM8vY302155_B_1765101259001&recvWindow="));
    reply(&f, 0, 200, BN_ORDER_NEW);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_STR_EQ(r.orders[0].order_id, "8389765537712345678");

    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->query_order(f.ex, "", "8389765537712345678", orders_cb, &r)), SQT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(fake_host_http_at(f.fh, 0)->url, "&orderId=8389765537712345678&"));
    reply(&f, 0, 400, "{\"code\":-2013,\"msg\":\"Order does not exist.\"}");
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(r.err.message, "Order does not exist.");
    SQT_ASSERT_INT_EQ(r.n, 0);
    SQT_ASSERT_INT_EQ(CALL(f.api->query_order(f.ex, NULL, "12ab", orders_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->query_order(f.ex, NULL, NULL, orders_cb, &r)), SQT_EINVAL);
    fx_done(&f);
}

/* A filled order learnt by REST carries the fee of all its trades. */
static void test_query_fee_filled(void)
{
    fx f;
    rec r;
    fx_init(&f, PREFIX);
    fx_start(&f);
    query_filled(&f, &r);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    reply(&f, trades_request(&f, "8389765537712345678"), 200, BN_USER_TRADES);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_STR_EQ(r.orders[0].client_id, "302155_B_1765101259001");
    SQT_ASSERT_INT_EQ(r.orders[0].status, SQT_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(r.orders[0].has_cum_fee, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].cum_fee.mant, 604310); /* 0.00241724 + 0.00362586 */
    SQT_ASSERT_INT_EQ(r.orders[0].cum_fee.scale, 8);
    SQT_ASSERT_STR_EQ(r.orders[0].fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(r.orders[0].fee.mant, 0); /* no single fill is reported */
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    SQT_ASSERT_INT_EQ(log_count(&f, "without its fee"), 0);
    fx_done(&f);
}

/* A trade list that does not cover the order exactly, or in one asset, gives no fee. */
static void test_query_fee_disagrees(void)
{
    static const struct {
        const char *trades;
        const char *log;
    } cases[] = {
        {"[" BN_USER_TRADE_1 "]", "its trades hold 0.004 of the executed 0.010"}, /* lagging */
        {"[]", "its trades hold 0 of the executed 0.010"},
        {"[" BN_USER_TRADE_1 "," BN_USER_TRADE_2 "," BN_USER_TRADE_1 "]",
         "its trades hold 0.014 of the executed 0.010"},
        {"{\"code\":0}", "userTrades: not an array"},
        {"[" BN_USER_TRADE_1 ",{\"symbol\":\"ETHUSDT\"}]", "userTrades[1]: field"},
    };
    fx f;
    rec r;
    size_t i;
    char t1[512], t2[512], body[1100];
    fx_init(&f, PREFIX);
    fx_start(&f);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        query_filled(&f, &r);
        reply(&f, trades_request(&f, "8389765537712345678"), 200, cases[i].trades);
        assert_no_cum_fee(&r);
        if (log_count(&f, cases[i].log) != 1)
            fprintf(stderr, "    case %zu: no log line \"%s\"\n", i, cases[i].log);
        SQT_ASSERT_INT_EQ(log_count(&f, cases[i].log), 1);
        SQT_ASSERT_INT_EQ(log_count(&f, "WARN query order: order 8389765537712345678 without "
                                        "its fee"), i + 1);
    }
    /* the right quantity, paid in two assets */
    snprintf(body, sizeof(body), "[%s,%s]",
             trade_json(t1, sizeof(t1), 7, "0.004", "0.0024", "USDT"),
             trade_json(t2, sizeof(t2), 7, "0.006", "0.0000100", "BNB"));
    memset(&r, 0, sizeof(r));
    CALL(f.api->query_order(f.ex, NULL, "7", orders_cb, &r));
    reply(&f, pending(&f, "GET", "/fapi/v1/order"), 200,
          order_json(t1, sizeof(t1), 7, "FILLED", "0.010"));
    reply(&f, trades_request(&f, "7"), 200, body);
    assert_no_cum_fee(&r);
    SQT_ASSERT_INT_EQ(log_count(&f, "order 7 without its fee: paid in more than one asset"), 1);
    fx_done(&f);
}

/* The trade list failing never fails the query: the order comes without its fee. */
static void test_query_fee_request_fails(void)
{
    fx f;
    rec r, pos;
    fx_init(&f, PREFIX);
    fx_start(&f);
    query_filled(&f, &r);
    reply(&f, trades_request(&f, "8389765537712345678"), 500,
          "{\"code\":-1000,\"msg\":\"An unknown error occured while processing the request.\"}");
    assert_no_cum_fee(&r);
    SQT_ASSERT_INT_EQ(log_count(&f, "WARN query order: 1 filled order(s) without their fee: "
                                    "trade list failed: An unknown error occured"), 1);
    query_filled(&f, &r);
    fake_host_http_fail(f.fh, (size_t)trades_request(&f, "8389765537712345678"), SQT_ENETWORK);
    assert_no_cum_fee(&r);
    SQT_ASSERT_INT_EQ(log_count(&f, "trade list failed"), 2);
    /* banned while the query was out: the list is refused locally, the order still comes */
    memset(&pos, 0, sizeof(pos));
    memset(&r, 0, sizeof(r));
    CALL(f.api->positions(f.ex, pos_cb, &pos));
    CALL(f.api->query_order(f.ex, "302155_B_1765101259001", NULL, orders_cb, &r));
    reply(&f, pending(&f, "GET", "/fapi/v3/positionRisk"), 418,
          "{\"code\":-1003,\"msg\":\"Way too many requests; IP(1.2.3.4) banned until "
          "1735000600000.\"}");
    SQT_ASSERT_INT_EQ(pos.err.code, SQT_EBANNED);
    reply(&f, pending(&f, "GET", "/fapi/v1/order"), 200, BN_ORDER_FILLED);
    assert_no_cum_fee(&r);
    SQT_ASSERT_INT_EQ(log_count(&f, "WARN query order: 1 filled order(s) without their fee: "
                                    "trade list not sent"), 1);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    fx_done(&f);
}

/* Nothing executed, nothing to ask: the order comes at once. */
static void test_query_fee_not_needed(void)
{
    fx f;
    rec r;
    char o[512];
    fx_init(&f, PREFIX);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->query_order(f.ex, "302155_B_1765101259001", NULL, orders_cb, &r));
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", "/fapi/v1/order"), 200, BN_ORDER_NEW);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].has_cum_fee, 0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    memset(&r, 0, sizeof(r));
    CALL(f.api->query_order(f.ex, "g5", NULL, orders_cb, &r));
    reply(&f, pending(&f, "GET", "/fapi/v1/order"), 200,
          order_json(o, sizeof(o), 5, "CANCELED", "0.000"));
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].status, SQT_ORDER_CANCELED);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), 3); /* time, two queries */
    /* a cancelled order with fills has a fee to learn */
    memset(&r, 0, sizeof(r));
    CALL(f.api->query_order(f.ex, "g6", NULL, orders_cb, &r));
    reply(&f, pending(&f, "GET", "/fapi/v1/order"), 200,
          order_json(o, sizeof(o), 6, "CANCELED", "0.003"));
    SQT_ASSERT_INT_EQ(r.calls, 0);
    reply(&f, trades_request(&f, "6"), 200,
          "[" "{\"symbol\":\"ETHUSDT\",\"id\":9,\"orderId\":6,\"side\":\"BUY\",\"price\":"
          "\"3000.00\",\"qty\":\"0.003\",\"commission\":\"0.0018\",\"commissionAsset\":"
          "\"USDT\",\"time\":1}]");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].has_cum_fee, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].cum_fee.mant, 18);
    SQT_ASSERT_INT_EQ(r.orders[0].cum_fee.scale, 4);
    fx_done(&f);
}

/* Open orders: one trade list per partly filled order, in turn, then one callback. */
static void test_open_orders_fee(void)
{
    fx f;
    rec r;
    char o1[512], o2[512], o3[512], t1[512], t2[512], list[1700];
    fx_init(&f, PREFIX);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->open_orders(f.ex, orders_cb, &r)), SQT_OK);
    answer_time(&f, 0);
    snprintf(list, sizeof(list), "[%s,%s,%s]", order_json(o1, sizeof(o1), 1, "NEW", "0"),
             order_json(o2, sizeof(o2), 2, "PARTIALLY_FILLED", "0.004"),
             order_json(o3, sizeof(o3), 3, "PARTIALLY_FILLED", "0.006"));
    reply(&f, pending(&f, "GET", "/fapi/v1/openOrders"), 200, list);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1); /* one list at a time */
    snprintf(list, sizeof(list), "[%s]", trade_json(t1, sizeof(t1), 2, "0.004", "0.0024", "USDT"));
    reply(&f, trades_request(&f, "2"), 200, list);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    snprintf(list, sizeof(list), "[%s,%s]",
             trade_json(t1, sizeof(t1), 3, "0.002", "0.0012", "USDT"),
             trade_json(t2, sizeof(t2), 3, "0.004", "0.0024", "USDT"));
    reply(&f, trades_request(&f, "3"), 200, list);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 3);
    SQT_ASSERT_STR_EQ(r.orders[0].order_id, "1");
    SQT_ASSERT_INT_EQ(r.orders[0].has_cum_fee, 0);
    SQT_ASSERT_STR_EQ(r.orders[1].client_id, "g2");
    SQT_ASSERT_INT_EQ(r.orders[1].has_cum_fee, 1);
    SQT_ASSERT_INT_EQ(r.orders[1].cum_fee.mant, 24);
    SQT_ASSERT_INT_EQ(r.orders[1].cum_fee.scale, 4);
    SQT_ASSERT_STR_EQ(r.orders[1].fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(r.orders[2].has_cum_fee, 1);
    SQT_ASSERT_INT_EQ(r.orders[2].cum_fee.mant, 36);
    SQT_ASSERT_INT_EQ(r.orders[2].cum_fee.scale, 4);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), 4); /* time, openOrders, two lists */
    fx_done(&f);
}

/* At most 10 trade lists per open_orders call; the rest come without their fee. */
static void test_open_orders_fee_cap(void)
{
    fx f;
    rec r;
    char list[6000], o[512], t[512], id[8];
    size_t n = 1;
    int k;
    fx_init(&f, PREFIX);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->open_orders(f.ex, orders_cb, &r));
    answer_time(&f, 0);
    list[0] = '[';
    for (k = 1; k <= 12; k++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", k > 1 ? "," : "",
                              order_json(o, sizeof(o), k, "PARTIALLY_FILLED", "0.001"));
    snprintf(list + n, sizeof(list) - n, "]");
    reply(&f, pending(&f, "GET", "/fapi/v1/openOrders"), 200, list);
    for (k = 1; k <= 10; k++) {
        SQT_ASSERT_INT_EQ(r.calls, 0);
        snprintf(id, sizeof(id), "%d", k);
        snprintf(list, sizeof(list), "[%s]",
                 trade_json(t, sizeof(t), k, "0.001", "0.0006", "USDT"));
        reply(&f, trades_request(&f, id), 200, list);
    }
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.n, 12);
    for (k = 0; k < 12; k++)
        SQT_ASSERT_INT_EQ(r.orders[k].has_cum_fee, k < 10);
    SQT_ASSERT_INT_EQ(log_count(&f, "INFO open orders: 2 filled order(s) without their fee "
                                    "(at most 10 trade lists per call)"), 1);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    fx_done(&f);
}

/* Shutdown cancels a pending trade list: the query's callback runs once, cancelled. */
static void test_fee_shutdown(void)
{
    fx f;
    rec q, oo;
    char list[600], o[512];
    int deferred;
    for (deferred = 0; deferred < 2; deferred++) {
        fx_init(&f, PREFIX);
        fake_host_set_cancel_deferred(f.fh, deferred);
        fx_start(&f);
        query_filled(&f, &q);
        memset(&oo, 0, sizeof(oo));
        CALL(f.api->open_orders(f.ex, orders_cb, &oo));
        snprintf(list, sizeof(list), "[%s]",
                 order_json(o, sizeof(o), 4, "PARTIALLY_FILLED", "0.005"));
        reply(&f, pending(&f, "GET", "/fapi/v1/openOrders"), 200, list);
        SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 2); /* a trade list for each */
        fx_done(&f);
        SQT_ASSERT_INT_EQ(q.calls, 1);
        SQT_ASSERT_INT_EQ(q.err.code, SQT_ECANCELLED);
        SQT_ASSERT_INT_EQ(q.n, 0);
        SQT_ASSERT_INT_EQ(oo.calls, 1);
        SQT_ASSERT_INT_EQ(oo.err.code, SQT_ECANCELLED);
    }
}

static void test_account_hedge_refused(void)
{
    fx f;
    rec r;
    int old_host;
    for (old_host = 0; old_host < 2; old_host++) {
        fx_init(&f, NULL);
        if (old_host) {
            /* an ABI 1.0 host has no host settings in its create arguments: whatever lies
             * past its struct_size is not read, so hedge mode stays refused */
            f.allow_hedge = 1;
            f.args_size = offsetof(sqt_create_args, allow_hedge_mode);
        }
        fx_start(&f);
        memset(&r, 0, sizeof(r));
        SQT_ASSERT_INT_EQ(CALL(f.api->account(f.ex, acct_cb, &r)), SQT_OK);
        answer_time(&f, 0);
        assert_signed(fake_host_http_at(f.fh, 0));
        reply(&f, pending(&f, "GET", "/fapi/v1/positionSide/dual"), 200, "{\"dualSidePosition\":true}");
        SQT_ASSERT_INT_EQ(r.calls, 1);
        SQT_ASSERT_INT_EQ(r.err.code, SQT_EPOSITION_MODE);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.err.message, "hedge mode"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.err.message, "one-way"));
        SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0); /* no account request after it */
        CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "ERROR the Binance futures account is in hedge mode"));
        fx_done(&f);
    }
}

/* A started instance asked for the account; the clock and the one-way mode answered:
 * the balances request is next. */
static void account_in_one_way(fx *f, rec *r)
{
    fx_init(f, NULL);
    fx_start(f);
    load_info(f);
    memset(r, 0, sizeof(*r));
    CALL(f->api->account(f->ex, acct_cb, r));
    answer_time(f, 0);
    reply(f, pending(f, "GET", "/fapi/v1/positionSide/dual"), 200, "{\"dualSidePosition\":false}");
}

/* v3 account and positionRisk carry no leverage: symbolConfig supplies it. */
static void test_account_v3_leverage(void)
{
    fx f;
    rec r;
    static const char acct_v3[] =
        "{\"totalWalletBalance\":\"100.0\",\"availableBalance\":\"90.0\",\"assets\":"
        "[{\"asset\":\"USDT\",\"walletBalance\":\"100.0\",\"availableBalance\":\"90.0\"}],"
        "\"positions\":[{\"symbol\":\"ETHUSDT\",\"positionSide\":\"BOTH\","
        "\"positionAmt\":\"0.010\"}]}";
    static const char risk_v3[] =
        "[{\"symbol\":\"ETHUSDT\",\"positionSide\":\"BOTH\",\"positionAmt\":\"0.010\","
        "\"entryPrice\":\"2990.0\",\"unRealizedProfit\":\"0\",\"marginAsset\":\"USDT\"}]";
    account_in_one_way(&f, &r);
    reply(&f, pending(&f, "GET", "/fapi/v3/account"), 200, acct_v3);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    CU_ASSERT_TRUE_FATAL(pending(&f, "GET", "/fapi/v1/symbolConfig") >= 0);
    assert_signed(fake_host_http_at(f.fh, (size_t)pending(&f, "GET", "/fapi/v1/symbolConfig")));
    reply(&f, pending(&f, "GET", "/fapi/v1/symbolConfig"), 200,
          "[{\"symbol\":\"ETHUSDT\",\"marginType\":\"CROSSED\",\"isAutoAddMargin\":\"false\","
          "\"leverage\":7,\"maxNotionalValue\":\"1000000\"}]");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 7);
    SQT_ASSERT_INT_EQ(r.acct.balance.mant, 1000);
    /* positions take the leverage the account learned */
    memset(&r, 0, sizeof(r));
    CALL(f.api->positions(f.ex, pos_cb, &r));
    reply(&f, pending(&f, "GET", "/fapi/v3/positionRisk"), 200, risk_v3);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.pos[0].leverage, 7);
    SQT_ASSERT_INT_EQ(r.pos[0].size.mant, 10);
    /* symbolConfig failing: the account still arrives, leverage unknown */
    memset(&r, 0, sizeof(r));
    CALL(f.api->account(f.ex, acct_cb, &r));
    reply(&f, pending(&f, "GET", "/fapi/v3/account"), 200, acct_v3);
    reply(&f, pending(&f, "GET", "/fapi/v1/symbolConfig"), 200, "[]");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 0);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "leverage stays unknown"));
    fx_done(&f);
}

static void test_account_one_way_and_hedge_allowed(void)
{
    fx f;
    rec r;
    sqt_order_req q = order_req("h1", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    account_in_one_way(&f, &r);
    SQT_ASSERT_INT_EQ(r.calls, 0);
    assert_signed(fake_host_http_at(f.fh, 0));
    reply(&f, pending(&f, "GET", "/fapi/v3/account"), 200, BN_ACCOUNT);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.acct.asset, "USDT");
    SQT_ASSERT_INT_EQ(r.acct.available.mant, 90025000000LL);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 20);
    SQT_ASSERT_INT_EQ(r.acct.position_mode, SQT_POSMODE_ONE_WAY);
    /* the mode is known now: straight to the balances */
    memset(&r, 0, sizeof(r));
    CALL(f.api->account(f.ex, acct_cb, &r));
    CU_ASSERT_TRUE(pending(&f, "GET", "/fapi/v3/account") >= 0);
    fx_done(&f);

    fx_init(&f, NULL);
    f.allow_hedge = 1; /* trading.allow_hedge_mode, handed over by the host */
    fx_start(&f);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    CALL(f.api->account(f.ex, acct_cb, &r));
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", "/fapi/v1/positionSide/dual"), 200, "{\"dualSidePosition\":true}");
    reply(&f, pending(&f, "GET", "/fapi/v3/account"), 200, BN_ACCOUNT);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.acct.position_mode, SQT_POSMODE_HEDGE);
    /* hedge mode: the long side is named, reduceOnly is not sent */
    q.reduce_only = 1;
    memset(&r, 0, sizeof(r));
    CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &r));
    CU_ASSERT_PTR_NOT_NULL(strstr(fake_host_http_at(f.fh, 0)->body, "&positionSide=LONG&"));
    CU_ASSERT_PTR_NULL(strstr(fake_host_http_at(f.fh, 0)->body, "reduceOnly"));
    fx_done(&f);
}

static void test_klines_rest(void)
{
    fx f;
    rec r;
    fake_http *req;
    fx_init(&f, NULL);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "2h", 3, klines_cb, &r)), SQT_OK);
    req = fake_host_http_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(req->url, "https://fapi.binance.com/fapi/v1/klines?symbol=ETHUSDT&interval=2h&limit=3");
    CU_ASSERT_PTR_NULL(fake_http_header(req, "X-MBX-APIKEY"));
    /* the last candle is open at this (server) time */
    fake_host_set_wall_ms(f.fh, 1765101260000LL);
    reply(&f, 0, 200, BN_KLINES_REST);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 3);
    SQT_ASSERT_INT_EQ(r.klines[0].closed, 1);
    SQT_ASSERT_INT_EQ(r.klines[2].closed, 0);
    SQT_ASSERT_STR_EQ(r.klines[2].interval, "2h");
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "7m", 3, klines_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "eth", "1m", 3, klines_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 0, klines_cb, &r)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 1501, klines_cb, &r)), SQT_EINVAL);
    fx_done(&f);
}

/* ---- tests: streams ---------------------------------------------------------------- */

static void test_price_stream(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    char msg[256];
    long long id;
    price_sink(&s, &sink);
    fx_init(&f, NULL);
    fx_start(&f);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_price(f.ex, &sink)), SQT_OK);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_price(f.ex, &sink)), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(f.fh, 0)->url,
                      "wss://fstream.binance.com/market/ws/ethusdt@aggTrade");
    SQT_ASSERT_INT_EQ(fake_host_ws_at(f.fh, 0)->flags, SQT_WS_MARKET_DATA);
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, ""); /* connected is not confirmed */
    id = last_sent_id(&f, 0, "\"method\":\"LIST_SUBSCRIPTIONS\"");
    CU_ASSERT_TRUE(id > 0);
    snprintf(msg, sizeof(msg), "{\"result\":[\"ethusdt@aggTrade\"],\"id\":%lld}", id);
    fake_host_ws_message(f.fh, 0, msg);
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 0, BN_AGG_TRADE);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    SQT_ASSERT_INT_EQ(s.tick.price.mant, 302156);
    SQT_ASSERT_STR_EQ(s.tick.symbol, "ETHUSDT");
    /* junk and foreign symbols never reach the sink */
    fake_host_ws_message(f.fh, 0, "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"ETHUSDT\",\"p\":\"-3\"}");
    fake_host_ws_message(f.fh, 0, "not json");
    fake_host_ws_message(f.fh, 0, "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"90000\"}");
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "WARN price stream: message ignored"));
    fake_host_ws_drop(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    /* after a reconnect data confirms the stream even before the reply */
    fake_host_ws_connect(f.fh, 0);
    fake_host_ws_message(f.fh, 0, BN_AGG_TRADE);
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    SQT_ASSERT_INT_EQ(s.ticks, 2);
    fx_done(&f);
}

static void test_price_stream_subscribe_fallback(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    char msg[128];
    long long id;
    price_sink(&s, &sink);
    fx_init(&f, NULL);
    fake_host_set_config(f.fh, "ws_market_url", "ws://127.0.0.1:9/market/");
    fx_start(&f);
    CALL(f.api->subscribe_price(f.ex, &sink));
    SQT_ASSERT_STR_EQ(fake_host_ws_at(f.fh, 0)->url, "ws://127.0.0.1:9/market/ws/ethusdt@aggTrade");
    fake_host_ws_connect(f.fh, 0);
    id = last_sent_id(&f, 0, "LIST_SUBSCRIPTIONS");
    snprintf(msg, sizeof(msg), "{\"result\":[],\"id\":%lld}", id);
    fake_host_ws_message(f.fh, 0, msg);
    SQT_ASSERT_STR_EQ(s.states, "");
    id = last_sent_id(&f, 0, "\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@aggTrade\"]");
    CU_ASSERT_TRUE(id > 0);
    snprintf(msg, sizeof(msg), "{\"result\":null,\"id\":%lld}", id);
    fake_host_ws_message(f.fh, 0, msg);
    SQT_ASSERT_STR_EQ(s.states, "U");
    fx_done(&f);
}

static void test_kline_stream(void)
{
    fx f;
    sink_rec s;
    sqt_kline_sink sink;
    const char *const syms[] = {"BTCUSDT", "ETHUSDT"};
    const char *const bad[] = {"BTCUSDT", "eth"};
    char msg[1024];
    memset(&s, 0, sizeof(s));
    sink.ud = &s;
    sink.on_kline = sink_kline;
    sink.on_state = sink_state;
    fx_init(&f, NULL);
    fx_start(&f);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_klines(f.ex, bad, 2, "1m", &sink)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_klines(f.ex, syms, 2, "9m", &sink)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_klines(f.ex, syms, 2, "1m", &sink)), SQT_OK);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(f.fh, 0)->url,
                      "wss://fstream.binance.com/market/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m");
    SQT_ASSERT_INT_EQ(fake_host_ws_at(f.fh, 0)->flags, SQT_WS_MARKET_DATA);
    fake_host_ws_connect(f.fh, 0);
    snprintf(msg, sizeof(msg), "{\"result\":[\"btcusdt@kline_1m\",\"ethusdt@kline_1m\"],\"id\":%lld}",
             last_sent_id(&f, 0, "LIST_SUBSCRIPTIONS"));
    fake_host_ws_message(f.fh, 0, msg);
    SQT_ASSERT_STR_EQ(s.states, "U");
    snprintf(msg, sizeof(msg), "{\"stream\":\"ethusdt@kline_1m\",\"data\":%s}", BN_KLINE_PUSH);
    fake_host_ws_message(f.fh, 0, msg);
    SQT_ASSERT_INT_EQ(s.klines, 1);
    SQT_ASSERT_INT_EQ(s.kline.closed, 1);
    SQT_ASSERT_INT_EQ(s.kline.close.mant, 302156);
    fake_host_ws_give_up(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UDF");
    fx_done(&f);
}

static void user_push(fx *f, size_t ws, const char *symbol, const char *cid, const char *status)
{
    char msg[1024];
    snprintf(msg, sizeof(msg),
             "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1765101262000,\"T\":1765101261999,\"o\":{\"s\":\"%s\","
             "\"c\":\"%s\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTX\",\"q\":\"0.010\",\"p\":\"3021.55\","
             "\"ap\":\"3021.55\",\"x\":\"TRADE\",\"X\":\"%s\",\"i\":77,\"l\":\"0.006\",\"z\":\"0.010\","
             "\"L\":\"3021.55\",\"N\":\"USDT\",\"n\":\"0.0036\",\"R\":false,\"rp\":\"0.5\"}}",
             symbol, cid, status);
    fake_host_ws_message(f->fh, ws, msg);
}

static void test_user_stream_lifecycle(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    const char *url1 = "wss://fstream.binance.com/private/ws?listenKey=K1&events="
                       "ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired";
    user_sink(&s, &sink);
    fx_init(&f, PREFIX);
    fx_start(&f);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_orders(f.ex, &sink)), SQT_OK);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_orders(f.ex, &sink)), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 0); /* no socket before the key */
    lk_reply(&f, "K1");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(f.fh, 0)->url, url1);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(f.fh, 0)->flags, 0); /* the user stream: unflagged */
    SQT_ASSERT_STR_EQ(s.states, "");
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "U");

    /* pushes: our symbol passes with the prefix stripped, others are dropped */
    user_push(&f, 0, "ETHUSDT", "x-zdfVM8vY302155_B_1765101259001", "FILLED");
    SQT_ASSERT_INT_EQ(s.orders, 1);
    SQT_ASSERT_STR_EQ(s.order.client_id, "302155_B_1765101259001");
    SQT_ASSERT_INT_EQ(s.order.status, SQT_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(s.order.filled_qty.mant, 10);
    SQT_ASSERT_INT_EQ(s.order.last_fill_qty.mant, 6);
    SQT_ASSERT_INT_EQ(s.order.seq, 1765101262000LL);
    user_push(&f, 0, "BTCUSDT", "x-zdfVM8vY9000000_B_1765101259001", "NEW");
    user_push(&f, 0, "ETHUSDT", "x-zdfVM8vYbroken", "NEW_ADL");
    SQT_ASSERT_INT_EQ(s.orders, 1);
    fake_host_ws_message(f.fh, 0, "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":1,\"a\":{}}");
    SQT_ASSERT_INT_EQ(s.orders, 1);

    /* keepalive every 30 minutes */
    fake_host_advance(f.fh, 30 * 60 * 1000 - 1);
    SQT_ASSERT_INT_EQ(pending(&f, "PUT", "/fapi/v1/listenKey"), -1);
    fake_host_advance(f.fh, 1);
    CU_ASSERT_TRUE_FATAL(pending(&f, "PUT", "/fapi/v1/listenKey") >= 0);
    SQT_ASSERT_STR_EQ(fake_http_header(fake_host_http_at(f.fh, 0), "X-MBX-APIKEY"), API_KEY);
    CU_ASSERT_PTR_NULL(strstr(fake_host_http_at(f.fh, 0)->url, "signature"));
    reply(&f, 0, 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "U");

    /* the next keepalive learns the key is gone (-1125): new key, new socket, re-sync */
    fake_host_advance(f.fh, 30 * 60 * 1000);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 400,
          "{\"code\":-1125,\"msg\":\"This listenKey does not exist.\"}");
    SQT_ASSERT_STR_EQ(s.states, "UD");
    CU_ASSERT_TRUE(fake_host_ws_at(f.fh, 0)->closed);
    lk_reply(&f, "K2");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(fake_host_ws_at(f.fh, 1)->url, "listenKey=K2&"));
    fake_host_ws_connect(f.fh, 1);
    SQT_ASSERT_STR_EQ(s.states, "UDRU");
    fake_host_advance(f.fh, 0);
    CU_ASSERT_TRUE(fake_host_ws_finished(f.fh, 0));

    /* an expiry event for an older key changes nothing; for ours it does */
    fake_host_ws_message(f.fh, 1, "{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"K1\"}");
    SQT_ASSERT_STR_EQ(s.states, "UDRU");
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    fake_host_ws_message(f.fh, 1, "{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"K2\"}");
    SQT_ASSERT_STR_EQ(s.states, "UDRUD");
    lk_reply(&f, "K3");
    fake_host_ws_connect(f.fh, 2);
    SQT_ASSERT_STR_EQ(s.states, "UDRUDRU");
    user_push(&f, 2, "ETHUSDT", "x-zdfVM8vYa", "CANCELED");
    SQT_ASSERT_INT_EQ(s.orders, 2);
    SQT_ASSERT_STR_EQ(s.order.client_id, "a");
    fx_done_lk(&f, 200, "{}");
}

static void test_user_stream_reconnect_and_retry(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    user_sink(&s, &sink);
    fx_init(&f, NULL);
    f.keepalive_ms = 10 * 60 * 1000; /* timing.listen_key_keepalive_interval: 10 */
    fx_start(&f);
    CALL(f.api->subscribe_orders(f.ex, &sink));
    /* a failed key request is retried */
    fake_host_http_fail(f.fh, 0, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    fake_host_advance(f.fh, 1000);
    lk_reply(&f, "K1");
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "U");
    /* a drop is a gap; after the host reconnects the key is checked before UP */
    fake_host_ws_drop(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    /* the configured keepalive period */
    fake_host_advance(f.fh, 10 * 60 * 1000);
    CU_ASSERT_TRUE(pending(&f, "PUT", "/fapi/v1/listenKey") >= 0);
    fx_done_lk(&f, 200, "{}");
}

static void test_user_stream_auth_failure(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    user_sink(&s, &sink);
    fx_init(&f, NULL);
    fx_start(&f);
    CALL(f.api->subscribe_orders(f.ex, &sink));
    reply(&f, 0, 401, "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}");
    SQT_ASSERT_STR_EQ(s.states, "F");
    fake_host_advance(f.fh, 120000);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0); /* no retry loop on a bad key */
    fx_done(&f);
}

/* A failed connection attempt is on_down without on_open; the fake host delivers on_down
 * only for an open socket, so the test keeps the callbacks the plugin opened each
 * connection with and calls them as the real host does after a refused upgrade. */
#define MAX_TAPPED 8
static struct {
    const sqt_ws_callbacks *cbs;
    void *ud;
    sqt_ws *ws;
} g_tapped[MAX_TAPPED];
static size_t g_n_tapped;
static sqt_host_api g_tap_api;

static int tap_ws_open(sqt_host *h, const sqt_ws_options *opt, const sqt_ws_callbacks *cbs,
                       void *ud, sqt_ws **out)
{
    int rc = fake_host_api()->ws_open(h, opt, cbs, ud, out);
    if (rc == SQT_OK && g_n_tapped < MAX_TAPPED) {
        g_tapped[g_n_tapped].cbs = cbs;
        g_tapped[g_n_tapped].ud = ud;
        g_tapped[g_n_tapped].ws = *out;
        g_n_tapped++;
    }
    return rc;
}

/* Connection i (fake host index = open order) was refused: 403 on the upgrade. */
static void refused_attempt(size_t i)
{
    sqt_error why;
    CU_ASSERT_FATAL(i < g_n_tapped);
    memset(&why, 0, sizeof(why));
    why.code = SQT_ENETWORK;
    snprintf(why.message, sizeof(why.message), "upgrade refused: HTTP 403");
    g_tapped[i].cbs->on_down(g_tapped[i].ud, g_tapped[i].ws, &why);
}

static void test_user_stream_refused_key(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    sqt_create_args args;
    sqt_error err;
    user_sink(&s, &sink);
    g_n_tapped = 0;
    g_tap_api = *fake_host_api();
    g_tap_api.ws_open = tap_ws_open;
    fx_init(&f, NULL);
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.symbol = "ETHUSDT";
    args.exchange_name = "binance";
    f.api = bn_api();
    SQT_ASSERT_INT_EQ(f.api->create(&g_tap_api, fake_host_handle(f.fh), &args, &f.ex, &err),
                      SQT_OK);
    CALL(f.api->subscribe_orders(f.ex, &sink));
    lk_reply(&f, "K1");
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "U");

    /* dropped, then two refused reconnects: the third failure in a row checks the key */
    fake_host_ws_drop(f.fh, 0);
    refused_attempt(0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    refused_attempt(0);
    CU_ASSERT_TRUE_FATAL(pending(&f, "PUT", "/fapi/v1/listenKey") >= 0);
    /* alive: nothing changes, and a passed check never reports UP for a socket that is
     * down */
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "UD");
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    CU_ASSERT_FALSE(fake_host_ws_at(f.fh, 0)->closed);

    /* still refused after six: the live key is not ours; a new one, a new socket */
    refused_attempt(0);
    refused_attempt(0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    refused_attempt(0);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "UD");
    CU_ASSERT_TRUE(fake_host_ws_at(f.fh, 0)->closed);
    lk_reply(&f, "K2");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(fake_host_ws_at(f.fh, 1)->url, "listenKey=K2&"));
    fake_host_ws_connect(f.fh, 1);
    SQT_ASSERT_STR_EQ(s.states, "UDRU"); /* the gap is reported: the host reconciles */

    /* the key died while the stream was down (no listenKeyExpired seen): refused three
     * times, the check says -1125, a new key */
    fake_host_ws_drop(f.fh, 1);
    refused_attempt(1);
    refused_attempt(1);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 400,
          "{\"code\":-1125,\"msg\":\"This listenKey does not exist.\"}");
    CU_ASSERT_TRUE(fake_host_ws_at(f.fh, 1)->closed);
    lk_reply(&f, "K3");
    fake_host_ws_connect(f.fh, 2);
    SQT_ASSERT_STR_EQ(s.states, "UDRUDRU");

    /* a success resets the count: two failures after a good connection check nothing */
    fake_host_ws_drop(f.fh, 2);
    refused_attempt(2);
    fake_host_ws_connect(f.fh, 2); /* reconnected: the key is verified before UP */
    CU_ASSERT_TRUE_FATAL(pending(&f, "PUT", "/fapi/v1/listenKey") >= 0);
    fake_host_ws_drop(f.fh, 2); /* lost again before the answer: no UP for it */
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "UDRUDRUD");
    refused_attempt(2);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    fake_host_ws_connect(f.fh, 2);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "UDRUDRUDU");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 3);
    fx_done_lk(&f, 200, "{}");
}

/* ---- tests: shutdown --------------------------------------------------------------- */

static void shutdown_case(int deferred_cancel)
{
    fx f;
    rec info, pos, place, own;
    sink_rec ps, us;
    sqt_price_sink psink;
    sqt_order_sink osink;
    sqt_order_req q = order_req("s1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, 302155, 2, 10, 3);
    int done = 0;
    memset(&info, 0, sizeof(info));
    memset(&pos, 0, sizeof(pos));
    memset(&place, 0, sizeof(place));
    memset(&own, 0, sizeof(own));
    memset(&ps, 0, sizeof(ps));
    memset(&us, 0, sizeof(us));
    psink.ud = &ps;
    psink.on_price = sink_price;
    psink.on_state = sink_state;
    osink.ud = &us;
    osink.on_order = sink_order;
    osink.on_state = sink_state;
    fx_init(&f, NULL);
    fake_host_set_cancel_deferred(f.fh, deferred_cancel);
    fx_start(&f);
    load_info(&f);
    CALL(f.api->subscribe_price(f.ex, &psink));
    fake_host_ws_connect(f.fh, 0);
    CALL(f.api->subscribe_orders(f.ex, &osink));
    lk_reply(&f, "K1");
    fake_host_ws_connect(f.fh, 1);
    /* in flight: exchangeInfo, the time request with two calls parked behind it, and
     * a cancel_own still listing */
    CALL(f.api->symbol_info(f.ex, info_cb, &info));
    CALL(f.api->positions(f.ex, pos_cb, &pos));
    CALL(f.api->place_orders(f.ex, &q, 1, place_cb, &place));
    CALL(f.api->cancel_own(f.ex, "s", cancel_cb, &own));
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 2);
    SQT_ASSERT_INT_EQ(f.api->shutdown(f.ex, shut_cb, &done), SQT_OK);
    SQT_ASSERT_INT_EQ(done, 0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1); /* only the listenKey DELETE */
    CU_ASSERT_TRUE(fake_host_ws_at(f.fh, 0)->closed);
    CU_ASSERT_TRUE(fake_host_ws_at(f.fh, 1)->closed);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f.fh), 2); /* the shutdown turn, DELETE bound */
    /* nothing new once shutdown began */
    SQT_ASSERT_INT_EQ(CALL(f.api->positions(f.ex, pos_cb, &pos)), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(CALL(f.api->shutdown(f.ex, shut_cb, &done)), SQT_ESTATE);
    reply(&f, pending(&f, "DELETE", "/fapi/v1/listenKey"), 200, "{}");
    fake_host_advance(f.fh, 0);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(info.calls, 1);
    SQT_ASSERT_INT_EQ(info.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(pos.calls, 1);
    SQT_ASSERT_INT_EQ(pos.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(place.calls, 1);
    SQT_ASSERT_INT_EQ(place.status, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(place.place[0].err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(own.calls, 1);
    SQT_ASSERT_INT_EQ(own.status, SQT_ECANCELLED);
    CU_ASSERT_TRUE(fake_host_ws_finished(f.fh, 0));
    CU_ASSERT_TRUE(fake_host_ws_finished(f.fh, 1));
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f.fh), 0); /* keepalive stopped too */
    /* sinks hear nothing after shutdown began */
    SQT_ASSERT_STR_EQ(ps.states, "");
    SQT_ASSERT_STR_EQ(us.states, "U");
    fake_host_advance(f.fh, 3600 * 1000);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(info.calls + pos.calls + place.calls + own.calls, 4);
    f.api->destroy(f.ex);
    f.ex = NULL;
    fx_done(&f);
}

static void test_shutdown_cancels(void)
{
    shutdown_case(0);
}

static void test_shutdown_cancels_deferred_host(void)
{
    shutdown_case(1);
}

/* The close handshake outlasts our zero-delay turn: the callback waits for it. */
static void test_shutdown_slow_close(void)
{
    fx f;
    sink_rec ps;
    sqt_price_sink psink;
    int done = 0;
    memset(&ps, 0, sizeof(ps));
    psink.ud = &ps;
    psink.on_price = sink_price;
    psink.on_state = sink_state;
    fx_init(&f, NULL);
    fake_host_set_ws_close_delay(f.fh, 50);
    fx_start(&f);
    CALL(f.api->subscribe_price(f.ex, &psink));
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_INT_EQ(f.api->shutdown(f.ex, shut_cb, &done), SQT_OK);
    fake_host_advance(f.fh, 0);
    SQT_ASSERT_INT_EQ(done, 0);
    fake_host_advance(f.fh, 49);
    SQT_ASSERT_INT_EQ(done, 0);
    fake_host_advance(f.fh, 1);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f.fh), 0);
    f.api->destroy(f.ex);
    f.ex = NULL;
    fx_done(&f);
}

static void test_shutdown_idle(void)
{
    fx f;
    fx_init(&f, NULL);
    fx_start(&f);
    fx_done(&f); /* shutdown with nothing open still calls back on a later turn */
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"descriptor", test_descriptor},
        {"create: config errors", test_create_config_errors},
        {"create: configured URLs", test_config_urls},
        {"symbol info", test_symbol_info},
        {"symbol not found", test_symbol_not_found},
        {"signed request, time offset", test_signed_request_and_time_offset},
        {"place single", test_place_single},
        {"place: local checks", test_place_local_checks},
        {"warm: a dry run, nothing sent", test_warm_is_dry},
        {"place batch, mixed results", test_place_batch},
        {"place single: error classes", test_place_single_errors},
        {"rate limited: Retry-After", test_rate_limited_retry_after},
        {"ban: refused locally until it ends", test_ban},
        {"-1021: re-measure, retry once", test_timestamp_retry_once},
        {"cancel single, batch, mixed ids", test_cancel},
        {"cancel own in batches of 10", test_cancel_own},
        {"open orders, query order", test_open_and_query_orders},
        {"query: a filled order's fee from its trades", test_query_fee_filled},
        {"query: trades that disagree give no fee", test_query_fee_disagrees},
        {"query: trade list failing, order still delivered", test_query_fee_request_fails},
        {"query: nothing executed, no trade list", test_query_fee_not_needed},
        {"open orders: fees of partly filled orders", test_open_orders_fee},
        {"open orders: at most 10 trade lists", test_open_orders_fee_cap},
        {"shutdown cancels a pending trade list", test_fee_shutdown},
        {"account: hedge mode refused", test_account_hedge_refused},
        {"account: one-way; hedge allowed", test_account_one_way_and_hedge_allowed},
        {"account and positions v3: leverage from symbolConfig", test_account_v3_leverage},
        {"klines REST", test_klines_rest},
        {"price stream", test_price_stream},
        {"price stream: SUBSCRIBE fallback", test_price_stream_subscribe_fallback},
        {"kline stream", test_kline_stream},
        {"user stream: listenKey life cycle", test_user_stream_lifecycle},
        {"user stream: reconnect, retry", test_user_stream_reconnect_and_retry},
        {"user stream: bad key", test_user_stream_auth_failure},
        {"user stream: refused connections renew the key", test_user_stream_refused_key},
        {"shutdown cancels everything", test_shutdown_cancels},
        {"shutdown, host with deferred cancel", test_shutdown_cancels_deferred_host},
        {"shutdown, slow close", test_shutdown_slow_close},
        {"shutdown idle", test_shutdown_idle},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("binance_plugin", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
