/* The Binance plugin's stream life cycle against the fake host: the listenKey DELETE at
 * shutdown and its bound, the make-before-break replacement of connections before
 * Binance's 24 h limit, and the stream_routing config key (routed / legacy URLs). */
#include <stddef.h>
#include <string.h>

#include "bn.h" /* BN_CONN_* */
#include "bn_fixture.h"
#include "samples.h"

#define MIN_MS (60u * 1000u)
#define HOUR_MS (60u * MIN_MS)
#define USER_URL_K1                                                                        \
    "wss://fstream.binance.com/private/ws?listenKey=K1&events="                            \
    "ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired"
#define PRICE_URL "wss://fstream.binance.com/market/ws/ethusdt@aggTrade"

/* ---- helpers ------------------------------------------------------------------------ */

/* Connection i (which must exist): closed by the plugin? its URL? */
static int ws_closed(fx *f, size_t i)
{
    fake_ws *w = fake_host_ws_at(f->fh, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    return w->closed;
}

static const char *ws_url(fx *f, size_t i)
{
    fake_ws *w = fake_host_ws_at(f->fh, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    return w->url;
}

/* A user stream on key K1, connected and UP (connection #ws). */
static void user_up(fx *f, sink_rec *s, sqt_order_sink *sink, size_t ws)
{
    user_sink(s, sink);
    SQT_ASSERT_INT_EQ(CALL(f->api->subscribe_orders(f->ex, sink)), SQT_OK);
    lk_reply(f, "K1");
    fake_host_ws_connect(f->fh, ws);
    SQT_ASSERT_STR_EQ(s->states, "U");
}

static void user_push(fx *f, size_t ws, const char *cid)
{
    char msg[1024];
    snprintf(msg, sizeof(msg),
             "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1765101262000,\"T\":1765101261999,\"o\":{"
             "\"s\":\"ETHUSDT\",\"c\":\"%s\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTX\","
             "\"q\":\"0.010\",\"p\":\"3021.55\",\"ap\":\"0\",\"x\":\"NEW\",\"X\":\"NEW\","
             "\"i\":77,\"l\":\"0\",\"z\":\"0\",\"L\":\"0\",\"N\":\"USDT\",\"n\":\"0\","
             "\"R\":false,\"rp\":\"0\"}}",
             cid);
    fake_host_ws_message(f->fh, ws, msg);
}

/* Answer the pending LIST_SUBSCRIPTIONS of connection ws with `streams` listed. */
static void list_reply(fx *f, size_t ws, const char *streams)
{
    char msg[256];
    long long id = last_sent_id(f, ws, "\"method\":\"LIST_SUBSCRIPTIONS\"");
    CU_ASSERT_TRUE_FATAL(id > 0);
    snprintf(msg, sizeof(msg), "{\"result\":[%s],\"id\":%lld}", streams, id);
    fake_host_ws_message(f->fh, ws, msg);
}

/* A price stream, connected and confirmed (connection #ws). */
static void price_up(fx *f, sink_rec *s, sqt_price_sink *sink, size_t ws)
{
    price_sink(s, sink);
    SQT_ASSERT_INT_EQ(CALL(f->api->subscribe_price(f->ex, sink)), SQT_OK);
    fake_host_ws_connect(f->fh, ws);
    list_reply(f, ws, "\"ethusdt@aggTrade\"");
    SQT_ASSERT_STR_EQ(s->states, "U");
}

/* Let `ms` pass in 30 min steps, answering every listenKey keepalive as it comes. */
static void pass_answering_puts(fx *f, uint64_t ms)
{
    int i;
    while (ms > 0) {
        uint64_t step = ms < 30u * MIN_MS ? ms : 30u * MIN_MS;
        fake_host_advance(f->fh, step);
        ms -= step;
        while ((i = pending(f, "PUT", "/fapi/v1/listenKey")) >= 0)
            reply(f, i, 200, "{}");
    }
}

/* Index of the last request sent with this method and path; -1 if none. */
static int last_sent(fx *f, const char *method, const char *path)
{
    size_t i = fake_host_http_total(f->fh);
    while (i-- > 0) {
        fake_http *r = fake_host_http_sent(f->fh, i);
        const char *p = path_of(r);
        if (strcmp(r->method, method) == 0 && p != NULL && strcmp(p, path) == 0)
            return (int)i;
    }
    return -1;
}

/* ---- listenKey DELETE at shutdown ---------------------------------------------------- */

static void test_delete_after_answer(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    rec info;
    fake_http *del;
    int done = 0, i;
    memset(&info, 0, sizeof(info));
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    CALL(f.api->symbol_info(f.ex, info_cb, &info)); /* in flight at shutdown */
    SQT_ASSERT_INT_EQ(f.api->shutdown(f.ex, shut_cb, &done), SQT_OK);
    /* the other request was cancelled first; the DELETE is the last one sent */
    SQT_ASSERT_INT_EQ(info.calls, 1);
    SQT_ASSERT_INT_EQ(info.err.code, SQT_ECANCELLED);
    i = last_sent(&f, "DELETE", "/fapi/v1/listenKey");
    CU_ASSERT_TRUE_FATAL(i >= 0);
    SQT_ASSERT_INT_EQ(i, (int)fake_host_http_total(f.fh) - 1);
    del = fake_host_http_sent(f.fh, (size_t)i);
    SQT_ASSERT_STR_EQ(del->url, "https://fapi.binance.com/fapi/v1/listenKey");
    /* USER_STREAM security: the key header, no timestamp, no signature */
    SQT_ASSERT_STR_EQ(fake_http_header(del, "X-MBX-APIKEY"), API_KEY);
    CU_ASSERT_TRUE(del->body == NULL || del->body_len == 0);
    CU_ASSERT_PTR_NULL(strstr(del->url, "signature"));
    CU_ASSERT_PTR_NULL(strstr(del->url, "timestamp"));
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    /* the callback waits for the answer */
    fake_host_advance(f.fh, 0);
    fake_host_advance(f.fh, 1999);
    SQT_ASSERT_INT_EQ(done, 0);
    CU_ASSERT_TRUE(fake_host_ws_finished(f.fh, 0));
    reply(&f, pending(&f, "DELETE", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_INT_EQ(done, 0); /* on a turn of its own */
    fake_host_advance(f.fh, 0);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f.fh), 0);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "INFO user data stream: listenKey deleted"));
    fake_host_advance(f.fh, 10000);
    SQT_ASSERT_INT_EQ(done, 1); /* once */
    SQT_ASSERT_STR_EQ(s.states, "U");
    f.api->destroy(f.ex);
    f.ex = NULL;
    fx_done(&f);
}

/* An error answer completes the shutdown too, logged as a warning, not an error. */
static void delete_error_case(int status, const char *body)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    size_t i, logs;
    int done = 0;
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    logs = fake_host_log_count(f.fh);
    SQT_ASSERT_INT_EQ(f.api->shutdown(f.ex, shut_cb, &done), SQT_OK);
    reply(&f, pending(&f, "DELETE", "/fapi/v1/listenKey"), status, body);
    fake_host_advance(f.fh, 0);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f.fh), 0);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "WARN user data stream: listenKey DELETE "
                                                "failed"));
    for (i = logs; i < fake_host_log_count(f.fh); i++)
        CU_ASSERT_PTR_NULL(strstr(fake_host_log_at(f.fh, i), "ERROR"));
    f.api->destroy(f.ex);
    f.ex = NULL;
    fx_done(&f);
}

static void test_delete_error_answer(void)
{
    delete_error_case(400, "{\"code\":-1125,\"msg\":\"This listenKey does not exist.\"}");
    delete_error_case(503, "");
}

static void delete_bound_case(int deferred_cancel)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    int done = 0;
    size_t i;
    fx_init(&f, NULL);
    fake_host_set_cancel_deferred(f.fh, deferred_cancel);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    SQT_ASSERT_INT_EQ(f.api->shutdown(f.ex, shut_cb, &done), SQT_OK);
    CU_ASSERT_TRUE(pending(&f, "DELETE", "/fapi/v1/listenKey") >= 0);
    fake_host_advance(f.fh, 1999);
    SQT_ASSERT_INT_EQ(done, 0);
    CU_ASSERT_TRUE(pending(&f, "DELETE", "/fapi/v1/listenKey") >= 0);
    /* the bound: the DELETE is cancelled and the shutdown completes without it */
    fake_host_advance(f.fh, 1);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f.fh), 0);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "WARN user data stream: no answer to the "
                                                "listenKey DELETE"));
    for (i = 0; i < fake_host_log_count(f.fh); i++)
        CU_ASSERT_PTR_NULL(strstr(fake_host_log_at(f.fh, i), "ERROR"));
    fake_host_advance(f.fh, 60000);
    SQT_ASSERT_INT_EQ(done, 1);
    f.api->destroy(f.ex);
    f.ex = NULL;
    fx_done(&f);
}

static void test_delete_bound(void)
{
    delete_bound_case(0);
}

static void test_delete_bound_deferred_cancel(void)
{
    delete_bound_case(1);
}

static void test_no_delete_without_key(void)
{
    fx f;
    sink_rec s, ps;
    sqt_order_sink sink;
    sqt_price_sink psink;
    rec r;
    const char *ban[] = {"Retry-After: 600", NULL};

    /* no user stream at all */
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &ps, &psink, 0);
    fx_done_lk(&f, 0, NULL);

    /* the key request still in flight: cancelled, nothing to delete */
    fx_init(&f, NULL);
    fx_start(&f);
    user_sink(&s, &sink);
    CALL(f.api->subscribe_orders(f.ex, &sink));
    CU_ASSERT_TRUE(pending(&f, "POST", "/fapi/v1/listenKey") >= 0);
    fx_done_lk(&f, 0, NULL);

    /* the key was found dead (-1125) and no new one came yet */
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    fake_host_advance(f.fh, 30u * MIN_MS);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 400,
          "{\"code\":-1125,\"msg\":\"This listenKey does not exist.\"}");
    SQT_ASSERT_STR_EQ(s.states, "UD");
    CU_ASSERT_TRUE(pending(&f, "POST", "/fapi/v1/listenKey") >= 0);
    fx_done_lk(&f, 0, NULL);

    /* listenKeyExpired */
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    fake_host_ws_message(f.fh, 0, "{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"K1\"}");
    fake_host_http_fail(f.fh, (size_t)pending(&f, "POST", "/fapi/v1/listenKey"), SQT_ENETWORK);
    fx_done_lk(&f, 0, NULL);

    /* banned: refused locally, the shutdown does not wait */
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    memset(&r, 0, sizeof(r));
    CALL(f.api->klines(f.ex, "ETHUSDT", "1m", 3, klines_cb, &r));
    fake_host_http_reply(f.fh, 0, 418, "{\"code\":-1003,\"msg\":\"Way too many requests\"}", ban);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EBANNED);
    fx_done_lk(&f, 0, NULL);
}

/* ---- replacement before the 24 h limit ------------------------------------------------ */

static void test_user_stream_replaced_at_23h(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    size_t puts;
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    /* keepalives every 30 min, one connection */
    pass_answering_puts(&f, BN_CONN_MAX_AGE_MS - 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    puts = fake_host_http_total(f.fh);
    /* 23 h: the key is extended first, then a second socket on the same URL */
    fake_host_advance(f.fh, 1);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), puts + 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    SQT_ASSERT_STR_EQ(ws_url(&f, 1), USER_URL_K1);
    SQT_ASSERT_INT_EQ(fake_host_ws_options(f.fh, 1)->stale_timeout_ms,
                      fake_host_ws_options(f.fh, 0)->stale_timeout_ms);
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    /* the old one still delivers until the new one is up */
    user_push(&f, 0, "a");
    SQT_ASSERT_INT_EQ(s.orders, 1);
    fake_host_ws_connect(f.fh, 1);
    SQT_ASSERT_STR_EQ(s.states, "U"); /* no DOWN, no RESYNC */
    user_push(&f, 1, "b");
    SQT_ASSERT_INT_EQ(s.orders, 2);
    SQT_ASSERT_STR_EQ(s.order.client_id, "b");
    /* the old one overlaps a little: a push it still carries is read, then it closes */
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    user_push(&f, 0, "c");
    SQT_ASSERT_INT_EQ(s.orders, 3);
    fake_host_advance(f.fh, BN_CONN_RETIRE_MS - 1);
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    fake_host_advance(f.fh, 1);
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_advance(f.fh, 0);
    CU_ASSERT_TRUE(fake_host_ws_finished(f.fh, 0));
    /* the new one is the stream now: its drop is a gap, its reconnect checks the key */
    fake_host_ws_drop(f.fh, 1);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    fake_host_ws_connect(f.fh, 1);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 200, "{}");
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    /* ... and it is replaced in turn 23 h after it opened */
    pass_answering_puts(&f, BN_CONN_MAX_AGE_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 3);
    fake_host_ws_connect(f.fh, 2);
    CU_ASSERT_FALSE(ws_closed(&f, 1));
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    /* shut down inside the overlap: the retire timer goes with it (no timer left) */
    fx_done_lk(&f, 200, "{}");
}

/* The key turns out dead at the 23 h check: the normal new-key path, with its gap. */
static void test_user_stream_dead_key_at_23h(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    pass_answering_puts(&f, BN_CONN_MAX_AGE_MS - 1);
    fake_host_advance(f.fh, 1);
    reply(&f, pending(&f, "PUT", "/fapi/v1/listenKey"), 400,
          "{\"code\":-1125,\"msg\":\"This listenKey does not exist.\"}");
    SQT_ASSERT_STR_EQ(s.states, "UD");
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    lk_reply(&f, "K2");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(ws_url(&f, 1), "listenKey=K2&"));
    fake_host_ws_connect(f.fh, 1);
    SQT_ASSERT_STR_EQ(s.states, "UDRU");
    fx_done_lk(&f, 200, "{}");
}

static void test_price_stream_replaced_at_23h(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &s, &sink, 0);
    fake_host_advance(f.fh, BN_CONN_MAX_AGE_MS - 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    fake_host_advance(f.fh, 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    SQT_ASSERT_STR_EQ(ws_url(&f, 1), PRICE_URL);
    fake_host_ws_message(f.fh, 0, BN_AGG_TRADE);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    /* connected is not confirmed: the old one stays until the subscription is listed */
    fake_host_ws_connect(f.fh, 1);
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    fake_host_ws_message(f.fh, 0, BN_AGG_TRADE);
    SQT_ASSERT_INT_EQ(s.ticks, 2);
    list_reply(&f, 1, "\"ethusdt@aggTrade\"");
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 1, BN_AGG_TRADE);
    SQT_ASSERT_INT_EQ(s.ticks, 3);
    fake_host_advance(f.fh, 0);
    CU_ASSERT_TRUE(fake_host_ws_finished(f.fh, 0));
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fx_done(&f);
}

/* Combined kline stream: the successor carries every stream name; data confirms it. */
static void test_kline_stream_replaced_at_23h(void)
{
    fx f;
    sink_rec s;
    sqt_kline_sink sink;
    const char *const syms[] = {"BTCUSDT", "ETHUSDT"};
    char msg[1024];
    memset(&s, 0, sizeof(s));
    sink.ud = &s;
    sink.on_kline = sink_kline;
    sink.on_state = sink_state;
    fx_init(&f, NULL);
    fx_start(&f);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_klines(f.ex, syms, 2, "1m", &sink)), SQT_OK);
    fake_host_ws_connect(f.fh, 0);
    list_reply(&f, 0, "\"btcusdt@kline_1m\",\"ethusdt@kline_1m\"");
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_advance(f.fh, BN_CONN_MAX_AGE_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    SQT_ASSERT_STR_EQ(ws_url(&f, 1), ws_url(&f, 0));
    fake_host_ws_connect(f.fh, 1);
    /* only one of the two listed: the successor subscribes both, not yet UP */
    list_reply(&f, 1, "\"ethusdt@kline_1m\"");
    CU_ASSERT_TRUE(last_sent_id(&f, 1, "\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@kline_1m\","
                                       "\"ethusdt@kline_1m\"]") > 0);
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    snprintf(msg, sizeof(msg), "{\"stream\":\"ethusdt@kline_1m\",\"data\":%s}", BN_KLINE_PUSH);
    fake_host_ws_message(f.fh, 1, msg);
    SQT_ASSERT_INT_EQ(s.klines, 1);
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fx_done(&f);
}

/* A successor that does not come up in time is dropped; the old one stays; retried. */
static void test_successor_not_up(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &s, &sink, 0);
    fake_host_advance(f.fh, BN_CONN_MAX_AGE_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    /* connected, but the subscription is never confirmed */
    fake_host_ws_connect(f.fh, 1);
    fake_host_advance(f.fh, BN_CONN_SWITCH_MS - 1);
    CU_ASSERT_FALSE(ws_closed(&f, 1));
    fake_host_advance(f.fh, 1);
    CU_ASSERT_TRUE(ws_closed(&f, 1));
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "WARN price stream: the new connection is not up"));
    fake_host_ws_message(f.fh, 0, BN_AGG_TRADE);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    /* retried later; this one never even connects */
    fake_host_advance(f.fh, BN_CONN_SWITCH_RETRY_MS - 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fake_host_advance(f.fh, 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 3);
    fake_host_advance(f.fh, BN_CONN_SWITCH_MS);
    CU_ASSERT_TRUE(ws_closed(&f, 2));
    /* the host gives up on the next one: same as not coming up */
    fake_host_advance(f.fh, BN_CONN_SWITCH_RETRY_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 4);
    fake_host_ws_give_up(f.fh, 3);
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    fake_host_advance(f.fh, BN_CONN_SWITCH_RETRY_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 5);
    fake_host_ws_connect(f.fh, 4);
    list_reply(&f, 4, "\"ethusdt@aggTrade\"");
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    SQT_ASSERT_STR_EQ(s.states, "U");
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(f.fh), 0);
    fx_done(&f);
}

/* The old connection drops during the switch: the normal DOWN, then UP from the new. */
static void test_old_drops_during_switch(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &s, &sink, 0);
    fake_host_advance(f.fh, BN_CONN_MAX_AGE_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fake_host_ws_drop(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UD");
    fake_host_ws_connect(f.fh, 1);
    list_reply(&f, 1, "\"ethusdt@aggTrade\"");
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    fake_host_ws_message(f.fh, 1, BN_AGG_TRADE);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    fx_done(&f);
}

/* The host gives up on the old connection during the switch: FAILED, and the successor
 * goes too (no more data after FAILED). */
static void test_old_given_up_during_switch(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &s, &sink, 0);
    fake_host_advance(f.fh, BN_CONN_MAX_AGE_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fake_host_ws_give_up(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "UDF");
    CU_ASSERT_TRUE(ws_closed(&f, 1));
    fake_host_ws_connect(f.fh, 1); /* closed: nothing */
    fake_host_advance(f.fh, BN_CONN_SWITCH_RETRY_MS + BN_CONN_SWITCH_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    SQT_ASSERT_STR_EQ(s.states, "UDF");
    fx_done(&f);
}

/* The key expires while the user switch is under way: both connections go, the normal
 * new-key path follows. */
static void test_key_expires_during_switch(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    pass_answering_puts(&f, BN_CONN_MAX_AGE_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fake_host_ws_message(f.fh, 0, "{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"K1\"}");
    SQT_ASSERT_STR_EQ(s.states, "UD");
    CU_ASSERT_TRUE(ws_closed(&f, 0));
    CU_ASSERT_TRUE(ws_closed(&f, 1));
    lk_reply(&f, "K2");
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(ws_url(&f, 2), "listenKey=K2&"));
    fake_host_ws_connect(f.fh, 2);
    SQT_ASSERT_STR_EQ(s.states, "UDRU");
    /* the dropped successor's bound does not fire later */
    fake_host_advance(f.fh, BN_CONN_SWITCH_MS);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 3);
    fx_done_lk(&f, 200, "{}");
}

/* A dropped connection's age starts again when it reconnects. */
static void test_age_restarts_on_reconnect(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &s, &sink, 0);
    fake_host_advance(f.fh, 10u * HOUR_MS);
    fake_host_ws_drop(f.fh, 0);
    fake_host_advance(f.fh, 5000);
    fake_host_ws_connect(f.fh, 0);
    fake_host_ws_message(f.fh, 0, BN_AGG_TRADE);
    SQT_ASSERT_STR_EQ(s.states, "UDU");
    fake_host_advance(f.fh, BN_CONN_MAX_AGE_MS - 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    fake_host_advance(f.fh, 1);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 2);
    fx_done(&f);
}

/* Shutdown in the middle of a switch closes both and leaves no timer behind. */
static void test_shutdown_during_switch(void)
{
    fx f;
    sink_rec s, us;
    sqt_price_sink sink;
    sqt_order_sink usink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_up(&f, &s, &sink, 0);
    user_up(&f, &us, &usink, 1);
    pass_answering_puts(&f, BN_CONN_MAX_AGE_MS); /* the PUT of the user switch too */
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 4);
    CU_ASSERT_FALSE(ws_closed(&f, 0));
    CU_ASSERT_FALSE(ws_closed(&f, 1));
    fx_done_lk(&f, 200, "{}");
    /* fx_done checked: no request pending, no timer active */
}

/* ---- stream_routing ------------------------------------------------------------------- */

static void test_legacy_routing(void)
{
    fx f;
    sink_rec s, ps;
    sqt_order_sink sink;
    sqt_price_sink psink;
    fx_init(&f, NULL);
    fake_host_set_config(f.fh, "stream_routing", "legacy");
    fake_host_set_config(f.fh, "rest_url", "https://demo-fapi.binance.com");
    fake_host_set_config(f.fh, "ws_market_url", "wss://fstream.binancefuture.com");
    fake_host_set_config(f.fh, "ws_private_url", "wss://fstream.binancefuture.com/");
    fx_start(&f);
    user_sink(&s, &sink);
    price_sink(&ps, &psink);
    CALL(f.api->subscribe_orders(f.ex, &sink));
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->url,
                      "https://demo-fapi.binance.com/fapi/v1/listenKey");
    lk_reply(&f, "K1");
    SQT_ASSERT_STR_EQ(ws_url(&f, 0), "wss://fstream.binancefuture.com/ws/K1");
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_STR_EQ(s.states, "U");
    user_push(&f, 0, "a");
    SQT_ASSERT_INT_EQ(s.orders, 1);
    /* market streams are the same in both routings */
    CALL(f.api->subscribe_price(f.ex, &psink));
    SQT_ASSERT_STR_EQ(ws_url(&f, 1),
                      "wss://fstream.binancefuture.com/ws/ethusdt@aggTrade");
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "stream_routing legacy"));
    /* a new key after expiry uses the same form */
    fake_host_ws_message(f.fh, 0, "{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"K1\"}");
    lk_reply(&f, "K2");
    SQT_ASSERT_STR_EQ(ws_url(&f, 2), "wss://fstream.binancefuture.com/ws/K2");
    fx_done_lk(&f, 200, "{}");
}

static void test_routed_explicit(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    fx_init(&f, NULL);
    fake_host_set_config(f.fh, "stream_routing", "routed");
    fx_start(&f);
    user_up(&f, &s, &sink, 0);
    SQT_ASSERT_STR_EQ(ws_url(&f, 0), USER_URL_K1);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "stream_routing routed"));
    fx_done_lk(&f, 200, "{}");
}

static void test_bad_routing_refused(void)
{
    static const char *const bad[] = {"Legacy", "testnet", "routed ", "legacy-ish-and-far-too-long"
                                      "-for-any-buffer-we-have"};
    fx f;
    sqt_error err;
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fx_init(&f, NULL);
        fake_host_set_config(f.fh, "stream_routing", bad[i]);
        memset(&err, 0, sizeof(err));
        SQT_ASSERT_INT_EQ(fx_create(&f, "ETHUSDT", &err), SQT_EINVAL);
        SQT_ASSERT_INT_EQ(err.code, SQT_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "stream_routing"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "routed or legacy"));
        CU_ASSERT_PTR_NULL(f.ex);
        fx_done(&f);
    }
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"shutdown: DELETE listenKey, callback after the answer", test_delete_after_answer},
        {"shutdown: DELETE answered with an error", test_delete_error_answer},
        {"shutdown: DELETE unanswered, 2 s bound", test_delete_bound},
        {"shutdown: DELETE bound, host with deferred cancel", test_delete_bound_deferred_cancel},
        {"shutdown: no DELETE without a live key", test_no_delete_without_key},
        {"23 h: user stream replaced", test_user_stream_replaced_at_23h},
        {"23 h: user stream, key found dead", test_user_stream_dead_key_at_23h},
        {"23 h: price stream replaced", test_price_stream_replaced_at_23h},
        {"23 h: kline stream replaced", test_kline_stream_replaced_at_23h},
        {"23 h: successor not up, old kept, retried", test_successor_not_up},
        {"23 h: old drops during the switch", test_old_drops_during_switch},
        {"23 h: old given up during the switch", test_old_given_up_during_switch},
        {"23 h: key expires during the switch", test_key_expires_during_switch},
        {"23 h: age restarts on reconnect", test_age_restarts_on_reconnect},
        {"23 h: shutdown during a switch", test_shutdown_during_switch},
        {"stream_routing: legacy", test_legacy_routing},
        {"stream_routing: routed", test_routed_explicit},
        {"stream_routing: bad value refused", test_bad_routing_refused},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("binance_stream", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
