/* The Gate.io plugin through the fake host: every operation's request (path, query,
 * JSON body, KEY/SIGN/Timestamp with the signature recomputed here, the decimal-size
 * header) and its answer, errors by label, 201 on create, paging, cancel-own, the
 * coins -> contracts refusal, the streams with per-subscribe auth, the pairing of
 * futures.orders with futures.usertrades for exact fees, and shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "gt.h"
#include "parse.h"
#include "samples.h"
#include "sign.h"
#include "sqt_test.h"

#define SECRET "gate-demo-secret-0123456789abcdef"
#define API_KEY "gt_0123456789abcdef"
#define T0 INT64_C(1735000000000)
#define P "/api/v4/futures/usdt"
#define PFX_EXCHANGE "gate"
#define PFX_SECRETS SECRET
#include "plugin_fx.h"

/* ---- fixture ------------------------------------------------------------------- */

static void fx_init(fx *f)
{
    memset(f, 0, sizeof(*f));
    f->fh = fake_host_new();
    fake_host_set_secret(f->fh, "api_key", API_KEY);
    fake_host_set_secret(f->fh, "secret_key", SECRET);
    fake_host_set_config(f->fh, "rest_url", "http://127.0.0.1:18080");
    fake_host_set_config(f->fh, "ws_url", "ws://127.0.0.1:18080/v4/ws/usdt");
}

/* KEY, Timestamp (seconds) and the SIGN we compute over the request as sent. */
static void assert_signed(fake_http *r)
{
    char p[256], q[1024], sig[SQT_GT_SIG_LEN + 1];
    const char *ts = fake_http_header(r, "Timestamp");
    split_url(r->url, p, sizeof(p), q, sizeof(q));
    SQT_ASSERT_STR_EQ(fake_http_header(r, "KEY"), API_KEY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
    SQT_ASSERT_INT_EQ(strlen(ts), 10); /* seconds */
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest(SECRET, r->method, p, q, r->body, r->body_len, ts, sig),
                      0);
    SQT_ASSERT_STR_EQ(fake_http_header(r, "SIGN"), sig);
    SQT_ASSERT_STR_EQ(fake_http_header(r, "X-Gate-Size-Decimal"), "1");
    if (r->body_len > 0)
        SQT_ASSERT_STR_EQ(fake_http_header(r, "Content-Type"), "application/json");
}

static void answer_time(fx *f, int64_t offset)
{
    char body[80];
    int i = pending(f, "GET", "/api/v4/spot/time");
    CU_ASSERT_FATAL(i >= 0);
    CU_ASSERT_PTR_NULL(fake_http_header(fake_host_http_at(f->fh, (size_t)i), "KEY"));
    snprintf(body, sizeof(body), "{\"server_time\":%lld}", (long long)(T0 + offset));
    reply(f, i, 200, body);
}

/* symbol info loaded: tick 0.05, 1 contract = 0.01 ETH */
static void load_info(fx *f)
{
    fx_load_info(f, P "/contracts/ETH_USDT", GT_CONTRACT);
}

/* the account read (clock measured, user id 1234567 known) */
static void load_account(fx *f)
{
    rec r;
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f->api->account(f->ex, acct_cb, &r), SQT_OK);
    if (pending(f, "GET", "/api/v4/spot/time") >= 0)
        answer_time(f, 0);
    reply(f, pending(f, "GET", P "/accounts"), 200, GT_ACCOUNT);
    reply(f, pending(f, "GET", P "/positions/ETH_USDT"), 200, GT_POSITION_FLAT);
    SQT_ASSERT_INT_EQ(r.calls, 1);
}

static void assert_dec(sqt_dec d, const char *want)
{
    char buf[48];
    sqt_dec_format(sqt_dec_normalize(d), buf, sizeof(buf));
    SQT_ASSERT_STR_EQ(buf, want);
}

/* ---- config ------------------------------------------------------------------------ */

static void test_create(void)
{
    fx f;
    sqt_error err;
    fx_init(&f);
    SQT_ASSERT_INT_EQ(sqt_plugin_entry()->exchange->flags, SQT_EXF_NEEDS_API_KEY);
    fake_host_set_secret(f.fh, "secret_key", NULL);
    SQT_ASSERT_INT_EQ(fx_create(&f, &err), SQT_ENOENT);
    SQT_ASSERT_CONTAINS(err.message, "secret_key");
    f.ex = NULL;
    fake_host_set_secret(f.fh, "secret_key", SECRET);
    fake_host_set_config(f.fh, "channel_id", "bad id!");
    SQT_ASSERT_INT_EQ(fx_create(&f, &err), SQT_EINVAL);
    f.ex = NULL;
    fake_host_set_config(f.fh, "channel_id", NULL);
    fake_host_set_config(f.fh, "rest_url", "https://api.gateio.ws/api/v4");
    fake_host_set_config(f.fh, "ws_url", NULL);
    fx_start(&f);
    /* a configured /api/v4 is the same base: the paths carry it (it is signed) */
    CU_ASSERT(fake_host_log_contains(f.fh, "rest https://api.gateio.ws, ws "
                                           "wss://fx-ws.gateio.ws/v4/ws/usdt"));
    fx_done(&f);
    /* a symbol that is not <BASE>USDT */
    fx_init(&f);
    {
        sqt_create_args args;
        memset(&args, 0, sizeof(args));
        args.struct_size = sizeof(args);
        args.symbol = "BTCUSD";
        SQT_ASSERT_INT_EQ(sqt_plugin_entry()->exchange->create(fake_host_api(),
                                                               fake_host_handle(f.fh), &args,
                                                               &f.ex, &err),
                          SQT_EINVAL);
        SQT_ASSERT_CONTAINS(err.message, "ETH_USDT");
        f.ex = NULL;
    }
    fx_done(&f);
    /* testnet: the working hosts (gate.md 11) */
    fx_init(&f);
    fake_host_set_config(f.fh, "rest_url", NULL);
    fake_host_set_config(f.fh, "ws_url", NULL);
    fake_host_set_config(f.fh, "testnet", "true");
    fx_start(&f);
    CU_ASSERT(fake_host_log_contains(f.fh, "api-testnet.gateapi.io"));
    CU_ASSERT(fake_host_log_contains(f.fh, "ws-testnet.gate.com"));
    fx_done(&f);
}

/* ---- REST -------------------------------------------------------------------------- */

static void test_symbol_info(void)
{
    fx f;
    rec r;
    fake_http *h;
    int i;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->symbol_info(f.ex, info_cb, &r), SQT_OK);
    i = pending(&f, "GET", P "/contracts/ETH_USDT");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    CU_ASSERT_PTR_NULL(fake_http_header(h, "KEY")); /* public */
    SQT_ASSERT_STR_EQ(fake_http_header(h, "X-Gate-Channel-Id"), "opensqt");
    SQT_ASSERT_STR_EQ(fake_http_header(h, "X-Gate-Size-Decimal"), "1");
    SQT_ASSERT_INT_EQ(r.calls, 0);
    reply(&f, i, 200, GT_CONTRACT);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    assert_dec(r.info.tick_size, "0.05");
    assert_dec(r.info.step_size, "0.01");
    assert_dec(r.info.contract_multiplier, "0.01");
    SQT_ASSERT_INT_EQ(r.info.client_id_max_len, 26);
    /* a delisting contract is refused */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->symbol_info(f.ex, info_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/contracts/ETH_USDT"), 200, GT_CONTRACT_DELISTING);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ESTATE);
    fx_done(&f);
}

static void test_account_signed(void)
{
    fx f;
    rec r;
    fake_http *h;
    int i;
    fx_init(&f);
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    /* the first signed call waits for the server time */
    SQT_ASSERT_INT_EQ(pending(&f, "GET", P "/accounts"), -1);
    answer_time(&f, 30000);
    i = pending(&f, "GET", P "/accounts");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    assert_signed(h);
    /* signed with the server's clock, in seconds */
    SQT_ASSERT_STR_EQ(fake_http_header(h, "Timestamp"), "1735000030");
    reply(&f, i, 200, GT_ACCOUNT);
    /* then the contract's leverage, from its position (cross: cross_leverage_limit) */
    SQT_ASSERT_INT_EQ(r.calls, 0);
    i = pending(&f, "GET", P "/positions/ETH_USDT");
    CU_ASSERT_FATAL(i >= 0);
    assert_signed(fake_host_http_at(f.fh, (size_t)i));
    reply(&f, i, 200, GT_POSITION);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    assert_dec(r.acct.balance, "5012.5");
    SQT_ASSERT_INT_EQ(r.acct.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 10);
    /* a leverage that cannot be read is unknown (0), the account still comes */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/accounts"), 200, GT_ACCOUNT);
    reply(&f, pending(&f, "GET", P "/positions/ETH_USDT"), 500, "oops");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 10); /* the last one known */
    /* dual mode: refused unless allowed */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/accounts"), 200, GT_ACCOUNT_DUAL);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EPOSITION_MODE);
    SQT_ASSERT_CONTAINS(r.err.message, "allow_hedge_mode");
    /* an auth failure keeps its label and message */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/accounts"), 401,
          GT_ERROR("INVALID_KEY", "Invalid key provided"));
    SQT_ASSERT_INT_EQ(r.err.code, SQT_EAUTH);
    SQT_ASSERT_STR_EQ(r.err.exch_code, "INVALID_KEY");
    SQT_ASSERT_STR_EQ(r.err.message, "Invalid key provided");
    fx_done(&f);

    fx_init(&f);
    f.allow_hedge = 1;
    fx_start(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK);
    answer_time(&f, 0);
    reply(&f, pending(&f, "GET", P "/accounts"), 200, GT_ACCOUNT_DUAL);
    /* dual: the leverage from the dual_comp endpoint, the higher side */
    reply(&f, pending(&f, "GET", P "/dual_comp/positions/ETH_USDT"), 200, GT_POSITION_DUAL);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.acct.position_mode, SQT_POSMODE_HEDGE);
    SQT_ASSERT_INT_EQ(r.acct.leverage, 20);
    /* dual: positions from the dual_comp endpoint */
    load_info(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/dual_comp/positions/ETH_USDT"), 200, GT_POSITION_DUAL);
    SQT_ASSERT_INT_EQ(r.n, 1);
    assert_dec(r.pos[0].size, "0.07");
    fx_done(&f);
}

static void test_positions(void)
{
    fx f;
    rec r;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/positions/ETH_USDT"), 200, GT_POSITION);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 1);
    assert_dec(r.pos[0].size, "-0.25"); /* -25 contracts of 0.01 */
    SQT_ASSERT_INT_EQ(r.pos[0].leverage, 10);
    fx_done(&f);
}

/* warm (system.keep_warm_ms): nothing sent before or after the contract's rules, no
 * callback, and the next real order is byte for byte test_place's first. */
static void test_warm_is_dry(void)
{
    fx f;
    rec r;
    sqt_order_req q = order_req("sqtA_1", SQT_SIDE_BUY, 302155, 2, 3, 2);
    fake_http *h;
    size_t sent;
    int i;
    fx_init(&f);
    fx_start(&f);
    CU_ASSERT_TRUE_FATAL(SQT_HAS_MEMBER(f.api, sqt_exchange_api, warm));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.api->warm);
    sent = fake_host_http_total(f.fh);
    f.api->warm(f.ex);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    load_info(&f);
    load_account(&f);
    sent = fake_host_http_total(f.fh);
    f.api->warm(f.ex);
    {
        /* its push is one the stream's parse reads, in the contract's units */
        sqt_order o;
        sqt_error e;
        size_t n = 0;
        CU_ASSERT_TRUE_FATAL(f.ex->warm_len > 0);
        SQT_ASSERT_INT_EQ(sqt_gt_parse_order_push(f.ex->warm_push, f.ex->warm_len, &f.ex->units,
                                                  &o, 1, &n, &e), SQT_OK);
        SQT_ASSERT_INT_EQ(n, 1);
        SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
        SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED);
    }
    f.api->warm(f.ex);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), sent);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, &q, 1, place_cb, &r), SQT_OK);
    f.api->warm(f.ex);
    i = pending(&f, "POST", P "/orders");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    assert_signed(h);
    SQT_ASSERT_STR_EQ(h->body, "{\"contract\":\"ETH_USDT\",\"size\":3,\"price\":\"3021.55\","
                               "\"tif\":\"poc\",\"text\":\"t-sqtA_1\"}");
    SQT_ASSERT_INT_EQ(r.calls, 0);
    fx_done(&f);
}

static void test_place(void)
{
    fx f;
    rec r;
    sqt_order_req q[3];
    fake_http *h;
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    /* one post-only buy of 0.03 ETH = 3 contracts (0.03 / 0.01 is 2.999... in doubles) */
    q[0] = order_req("sqtA_1", SQT_SIDE_BUY, 302155, 2, 3, 2);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_OK);
    i = pending(&f, "POST", P "/orders");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    assert_signed(h);
    SQT_ASSERT_STR_EQ(h->body, "{\"contract\":\"ETH_USDT\",\"size\":3,\"price\":\"3021.55\","
                               "\"tif\":\"poc\",\"text\":\"t-sqtA_1\"}");
    reply(&f, i, 201, GT_ORDER_OF("77", "open", "", "3", "3", "0", "t-sqtA_1"));
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(r.place[0].order.order_id, "77");
    SQT_ASSERT_INT_EQ(r.place[0].order.status, SQT_ORDER_NEW);
    assert_dec(r.place[0].order.qty, "0.03");
    /* a reduce-only sell: negative contracts */
    q[0] = order_req("sqtA_2", SQT_SIDE_SELL, 302160, 2, 5, 2);
    q[0].reduce_only = 1;
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_OK);
    h = fake_host_http_at(f.fh, (size_t)pending(&f, "POST", P "/orders"));
    SQT_ASSERT_STR_EQ(h->body, "{\"contract\":\"ETH_USDT\",\"size\":-5,\"price\":\"3021.60\","
                               "\"tif\":\"poc\",\"text\":\"t-sqtA_2\",\"reduce_only\":true}");
    /* the post-only would have taken: that order's own verdict */
    reply(&f, pending(&f, "POST", P "/orders"), 400,
          GT_ERROR("ORDER_POC_IMMEDIATE", "order would be filled immediately"));
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_EPOST_ONLY);
    SQT_ASSERT_STR_EQ(r.place[0].err.exch_code, "ORDER_POC_IMMEDIATE");
    /* a quantity that is not a whole number of contracts: refused, nothing sent */
    q[0] = order_req("sqtA_3", SQT_SIDE_BUY, 302155, 2, 15, 3);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_ERULES);
    SQT_ASSERT_INT_EQ(pending(&f, "POST", P "/orders"), -1);
    CU_ASSERT(fake_host_log_contains(f.fh, "0.01 or 0.02 would work"));
    /* a client id past 26 characters is never truncated: refused */
    q[0] = order_req("abcdefghijklmnopqrstuvwxyz1", SQT_SIDE_BUY, 302155, 2, 1, 2);
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_EINVAL);
    /* a batch of three: per-item results in request order */
    q[0] = order_req("a", SQT_SIDE_BUY, 3000, 0, 1, 2);
    q[1] = order_req("b", SQT_SIDE_BUY, 2999, 0, 1, 2);
    q[2] = order_req("c", SQT_SIDE_BUY, 2998, 0, 1, 2);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 3, place_cb, &r), SQT_OK);
    i = pending(&f, "POST", P "/batch_orders");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    assert_signed(h);
    CU_ASSERT(h->body[0] == '[');
    SQT_ASSERT_CONTAINS(h->body, "\"text\":\"t-c\"");
    reply(&f, i, 200, GT_BATCH_PLACE);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.n, 3);
    SQT_ASSERT_INT_EQ(r.place[0].err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.place[1].err.code, SQT_EPOST_ONLY);
    SQT_ASSERT_INT_EQ(r.place[2].err.code, SQT_EMARGIN);
    /* a 5xx: the outcome is unknown (the host verifies by text) */
    q[0] = order_req("d", SQT_SIDE_BUY, 3000, 0, 1, 2);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->place_orders(f.ex, q, 1, place_cb, &r), SQT_OK);
    reply(&f, pending(&f, "POST", P "/orders"), 502, "bad gateway");
    SQT_ASSERT_INT_EQ(r.status, SQT_EUNKNOWN_STATUS);
    fx_done(&f);
}

static void test_cancel(void)
{
    fx f;
    rec r;
    sqt_cancel_req c[3];
    fake_http *h;
    char q[256];
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    memset(c, 0, sizeof(c));
    snprintf(c[0].order_id, sizeof(c[0].order_id), "11");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, c, 1, cancel_cb, &r), SQT_OK);
    i = pending(&f, "DELETE", P "/orders/11");
    CU_ASSERT_FATAL(i >= 0);
    h = fake_host_http_at(f.fh, (size_t)i);
    assert_signed(h);
    SQT_ASSERT_STR_EQ(query_of(h, q, sizeof(q)), "contract=ETH_USDT");
    reply(&f, i, 200, GT_ORDER_OF("11", "finished", "cancelled", "1", "1", "0", "t-a"));
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_OK);
    /* by client id only; gone already */
    memset(c, 0, sizeof(c));
    snprintf(c[0].client_id, sizeof(c[0].client_id), "sqtA_9");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, c, 1, cancel_cb, &r), SQT_OK);
    reply(&f, pending(&f, "DELETE", P "/orders/t-sqtA_9"), 404,
          GT_ERROR("ORDER_NOT_FOUND", "Order not found"));
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_EUNKNOWN_ORDER);
    /* a batch by ids */
    memset(c, 0, sizeof(c));
    snprintf(c[0].order_id, sizeof(c[0].order_id), "11");
    snprintf(c[1].order_id, sizeof(c[1].order_id), "12");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, c, 2, cancel_cb, &r), SQT_OK);
    i = pending(&f, "POST", P "/batch_cancel_orders");
    CU_ASSERT_FATAL(i >= 0);
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, (size_t)i)->body, "[\"11\",\"12\"]");
    reply(&f, i, 200, GT_BATCH_CANCEL);
    SQT_ASSERT_INT_EQ(r.status, SQT_OK);
    SQT_ASSERT_INT_EQ(r.cancel[0].err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(r.cancel[1].err.code, SQT_EUNKNOWN_ORDER);
    /* a batch where one is known by client id only: one by one */
    memset(c, 0, sizeof(c));
    snprintf(c[0].order_id, sizeof(c[0].order_id), "11");
    snprintf(c[1].client_id, sizeof(c[1].client_id), "x");
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->cancel_orders(f.ex, c, 2, cancel_cb, &r), SQT_OK);
    reply(&f, pending(&f, "DELETE", P "/orders/11"), 200,
          GT_ORDER_OF("11", "finished", "cancelled", "1", "1", "0", "t-a"));
    SQT_ASSERT_INT_EQ(r.calls, 0);
    reply(&f, pending(&f, "DELETE", P "/orders/t-x"), 200,
          GT_ORDER_OF("15", "finished", "cancelled", "1", "1", "0", "t-x"));
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_STR_EQ(r.cancel[1].order_id, "15");
    fx_done(&f);
}

/* A page of n open orders of ours, ids from `first`. */
static char *page_of(int first, int n)
{
    size_t cap = (size_t)n * 200 + 8, len = 0;
    char *s = malloc(cap);
    int k;
    s[len++] = '[';
    for (k = 0; k < n; k++)
        len += (size_t)snprintf(s + len, cap - len,
                                "%s{\"id\":%d,\"contract\":\"ETH_USDT\",\"status\":\"open\","
                                "\"size\":1,\"left\":1,\"price\":\"3000\",\"text\":\"t-sqtA_%d\"}",
                                k ? "," : "", first + k, first + k);
    s[len++] = ']';
    s[len] = '\0';
    return s;
}

static void test_open_orders_paging(void)
{
    fx f;
    rec *r = calloc(1, sizeof(rec));
    char q[256], *p1 = page_of(1, 100), *p2 = page_of(101, 2);
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    SQT_ASSERT_INT_EQ(f.api->open_orders(f.ex, orders_cb, r), SQT_OK);
    i = pending(&f, "GET", P "/orders");
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)i), q, sizeof(q)),
                      "contract=ETH_USDT&status=open&limit=100&offset=0");
    reply(&f, i, 200, p1);
    i = pending(&f, "GET", P "/orders");
    CU_ASSERT_FATAL(i >= 0);
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)i), q, sizeof(q)),
                      "contract=ETH_USDT&status=open&limit=100&offset=100");
    SQT_ASSERT_INT_EQ(r->calls, 0);
    reply(&f, i, 200, p2);
    SQT_ASSERT_INT_EQ(r->calls, 1);
    SQT_ASSERT_INT_EQ(r->n, 102);
    SQT_ASSERT_STR_EQ(r->orders[101].client_id, "sqtA_102");
    free(p1);
    free(p2);
    free(r);
    fx_done(&f);
}

/* A filled order learned by query carries its whole fee from its trade list. */
static void test_query_fee(void)
{
    fx f;
    rec r;
    char q[256];
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->query_order(f.ex, "sqtA_1", NULL, orders_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/orders/t-sqtA_1"), 200,
          GT_ORDER_OF("58796478453", "finished", "filled", "5", "0", "3021.55", "t-sqtA_1"));
    SQT_ASSERT_INT_EQ(r.calls, 0);
    i = pending(&f, "GET", P "/my_trades");
    CU_ASSERT_FATAL(i >= 0);
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)i), q, sizeof(q)),
                      "contract=ETH_USDT&order=58796478453&limit=1000");
    reply(&f, i, 200, GT_MY_TRADES);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.n, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].status, SQT_ORDER_FILLED);
    assert_dec(r.orders[0].filled_qty, "0.05");
    SQT_ASSERT_INT_EQ(r.orders[0].has_cum_fee, 1);
    assert_dec(r.orders[0].cum_fee, "0.0030215");
    SQT_ASSERT_STR_EQ(r.orders[0].fee_asset, "USDT");
    /* a cancelled order with nothing filled needs no trade list */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->query_order(f.ex, NULL, "9", orders_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/orders/9"), 200,
          GT_ORDER_OF("9", "finished", "cancelled", "5", "5", "0", "t-sqtA_2"));
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.orders[0].status, SQT_ORDER_CANCELED);
    SQT_ASSERT_INT_EQ(pending(&f, "GET", P "/my_trades"), -1);
    fx_done(&f);
}

static void test_cancel_own(void)
{
    fx f;
    rec r;
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->cancel_own(f.ex, "sqtA", cancel_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/orders"), 200, GT_OPEN_ORDERS);
    /* only ours (t-sqtA_*), by id, never the contract-wide cancel */
    SQT_ASSERT_INT_EQ(pending(&f, "DELETE", P "/orders"), -1);
    i = pending(&f, "POST", P "/batch_cancel_orders");
    CU_ASSERT_FATAL(i >= 0);
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, (size_t)i)->body, "[\"1\",\"2\"]");
    reply(&f, i, 200, "[{\"id\":\"1\",\"succeeded\":true},{\"id\":\"2\",\"succeeded\":true}]");
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.n, 2);
    SQT_ASSERT_STR_EQ(r.cancel[0].client_id, "sqtA_1");
    SQT_ASSERT_INT_EQ(r.cancel[1].err.code, SQT_OK);
    SQT_ASSERT_INT_EQ(f.api->cancel_own(f.ex, "", cancel_cb, &r), SQT_EINVAL);
    fx_done(&f);
}

static void test_klines_rest(void)
{
    fx f;
    rec r;
    char q[256];
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->klines(f.ex, "ETHUSDT", "1m", 2, klines_cb, &r), SQT_OK);
    i = pending(&f, "GET", P "/candlesticks");
    SQT_ASSERT_STR_EQ(query_of(fake_host_http_at(f.fh, (size_t)i), q, sizeof(q)),
                      "contract=ETH_USDT&interval=1m&limit=2");
    reply(&f, i, 200, GT_CANDLES);
    SQT_ASSERT_INT_EQ(r.n, 2);
    SQT_ASSERT_INT_EQ(r.klines[0].open_time_ms, INT64_C(1765101240000));
    assert_dec(r.klines[0].volume, "8.12");
    SQT_ASSERT_INT_EQ(f.api->klines(f.ex, "ETHUSDT", "3m", 2, klines_cb, &r), SQT_EINVAL);
    fx_done(&f);
}

/* 429 with the rate headers, and a clock refusal re-measured and retried once. */
static void test_rate_and_clock(void)
{
    fx f;
    rec r;
    sqt_rate_usage u;
    static const char *const hdrs[] = {"X-Gate-RateLimit-Requests-Remain: 0",
                                       "X-Gate-RateLimit-Limit: 100",
                                       "X-Gate-RateLimit-Reset-Timestamp: 1735000002", NULL};
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r), SQT_OK);
    fake_host_http_reply(f.fh, (size_t)pending(&f, "GET", P "/positions/ETH_USDT"), 429,
                         GT_ERROR("TOO_MANY_REQUESTS", "Request Rate limit Exceeded"), hdrs);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(r.err.retry_after_ms, 2000);
    u = fake_host_last_rate_usage(f.fh);
    SQT_ASSERT_INT_EQ(u.order_limit, 100);
    SQT_ASSERT_INT_EQ(u.order_count, 100);
    /* REQUEST_EXPIRED: the clock is measured again and the call sent once more */
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->positions(f.ex, pos_cb, &r), SQT_OK);
    reply(&f, pending(&f, "GET", P "/positions/ETH_USDT"), 403,
          GT_ERROR("REQUEST_EXPIRED", "gap between request Timestamp and server time exceeds 60"));
    SQT_ASSERT_INT_EQ(r.calls, 0);
    answer_time(&f, -90000);
    SQT_ASSERT_STR_EQ(fake_http_header(fake_host_http_at(f.fh, (size_t)pending(
                                                                    &f, "GET",
                                                                    P "/positions/ETH_USDT")),
                                       "Timestamp"),
                      "1734999910");
    reply(&f, pending(&f, "GET", P "/positions/ETH_USDT"), 200, GT_POSITION);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
    fx_done(&f);
}

/* ---- streams ------------------------------------------------------------------------ */

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
    SQT_ASSERT_INT_EQ(fake_host_ws_count(f.fh), 1);
    o = fake_host_ws_options(f.fh, 0);
    SQT_ASSERT_STR_EQ(o->url, "ws://127.0.0.1:18080/v4/ws/usdt");
    SQT_ASSERT_INT_EQ(o->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_INT_EQ(o->n_headers, 1);
    if (o->n_headers == 1) {
        SQT_ASSERT_STR_EQ(o->headers[0].name, "X-Gate-Size-Decimal");
        SQT_ASSERT_STR_EQ(o->headers[0].value, "1");
    }
    fake_host_ws_connect(f.fh, 0);
    w = fake_host_ws_at(f.fh, 0);
    SQT_ASSERT_INT_EQ(w->n_sent, 1);
    SQT_ASSERT_CONTAINS(w->sent[0], "\"channel\":\"futures.tickers\",\"event\":\"subscribe\","
                                    "\"payload\":[\"ETH_USDT\"]");
    CU_ASSERT(strstr(w->sent[0], "auth") == NULL); /* public */
    SQT_ASSERT_STR_EQ(s.states, "");
    fake_host_ws_message(f.fh, 0, GT_WS_SUB_OK("futures.tickers"));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 0, GT_WS_TICKER);
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    assert_dec(s.tick.price, "3021.56");
    SQT_ASSERT_STR_EQ(s.tick.symbol, "ETHUSDT");
    /* the app-level ping every 10 s, with the time */
    fake_host_advance(f.fh, 10000);
    w = fake_host_ws_at(f.fh, 0);
    SQT_ASSERT_INT_EQ(w->n_sent, 2);
    SQT_ASSERT_CONTAINS(w->sent[1], "\"channel\":\"futures.ping\"");
    SQT_ASSERT_CONTAINS(w->sent[1], "\"time\":17350000");
    fake_host_ws_message(f.fh, 0, GT_WS_PONG);
    fake_host_ws_message(f.fh, 0, "not json");
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    /* an error that answers no subscribe (a ping's, say) is logged, the stream stays */
    fake_host_ws_message(f.fh, 0, "{\"channel\":\"futures.ping\",\"event\":\"\","
                                  "\"error\":{\"code\":3,\"message\":\"busy\"}}");
    SQT_ASSERT_STR_EQ(s.states, "U");
    CU_ASSERT_FALSE(fake_host_ws_at(f.fh, 0)->closed);
    fake_host_ws_message(f.fh, 0, GT_WS_TICKER);
    SQT_ASSERT_INT_EQ(s.ticks, 2);
    fx_done(&f);
}

static void test_kline_stream(void)
{
    fx f;
    sink_rec s;
    sqt_kline_sink sink = {&s, sink_kline, sink_state};
    const char *syms[2] = {"ETHUSDT", "BTCUSDT"};
    fake_ws *w;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    memset(&s, 0, sizeof(s));
    SQT_ASSERT_INT_EQ(f.api->subscribe_klines(f.ex, syms, 2, "1m", &sink), SQT_OK);
    fake_host_ws_connect(f.fh, 0);
    w = fake_host_ws_at(f.fh, 0);
    SQT_ASSERT_INT_EQ(w->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_INT_EQ(w->n_sent, 2);
    SQT_ASSERT_CONTAINS(w->sent[1], "\"payload\":[\"1m\",\"BTC_USDT\"]");
    fake_host_ws_message(f.fh, 0, GT_WS_SUB_OK("futures.candlesticks"));
    SQT_ASSERT_STR_EQ(s.states, "");
    fake_host_ws_message(f.fh, 0, GT_WS_SUB_OK("futures.candlesticks"));
    SQT_ASSERT_STR_EQ(s.states, "U");
    fake_host_ws_message(f.fh, 0, GT_WS_CANDLE("1765101240", "3021.5", "false"));
    SQT_ASSERT_INT_EQ(s.klines, 1);
    SQT_ASSERT_INT_EQ(s.kline[0].closed, 0);
    assert_dec(s.kline[0].volume, "8.12"); /* our contract: in coins */
    /* the w message missed: the next candle closes the previous one first */
    fake_host_ws_message(f.fh, 0, GT_WS_CANDLE("1765101300", "3022", "false"));
    SQT_ASSERT_INT_EQ(s.klines, 3);
    SQT_ASSERT_INT_EQ(s.kline[1].closed, 1);
    SQT_ASSERT_INT_EQ(s.kline[1].open_time_ms, INT64_C(1765101240000));
    SQT_ASSERT_INT_EQ(s.kline[2].closed, 0);
    fake_host_ws_message(f.fh, 0, GT_WS_CANDLE("1765101300", "3023", "true"));
    SQT_ASSERT_INT_EQ(s.klines, 4);
    SQT_ASSERT_INT_EQ(s.kline[3].closed, 1);
    /* a repeat of the closed one is not delivered again */
    fake_host_ws_message(f.fh, 0, GT_WS_CANDLE("1765101300", "3023", "true"));
    SQT_ASSERT_INT_EQ(s.klines, 4);
    fx_done(&f);
}

/* The two private subscribes carry [user id, contract] and their own auth. */
static void assert_user_subscribe(const char *msg, const char *channel)
{
    char want[128], sig[SQT_GT_SIG_LEN + 1];
    const char *t = strstr(msg, "\"time\":");
    long long time_s;
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    time_s = atoll(t + 7);
    snprintf(want, sizeof(want), "\"channel\":\"%s\",\"event\":\"subscribe\","
             "\"payload\":[\"1234567\",\"ETH_USDT\"]", channel);
    SQT_ASSERT_CONTAINS(msg, want);
    SQT_ASSERT_INT_EQ(sqt_gt_sign_ws(SECRET, channel, "subscribe", time_s, sig), 0);
    snprintf(want, sizeof(want), "\"auth\":{\"method\":\"api_key\",\"KEY\":\"%s\",\"SIGN\":\"",
             API_KEY);
    SQT_ASSERT_CONTAINS(msg, want);
    SQT_ASSERT_CONTAINS(msg, sig);
}

static void user_up(fx *f, sink_rec *s)
{
    sqt_order_sink sink = {s, sink_order, sink_state};
    fake_ws *w;
    memset(s, 0, sizeof(*s));
    SQT_ASSERT_INT_EQ(f->api->subscribe_orders(f->ex, &sink), SQT_OK);
    fake_host_ws_connect(f->fh, 0);
    w = fake_host_ws_at(f->fh, 0);
    SQT_ASSERT_INT_EQ(w->flags, 0); /* the private stream: unflagged */
    SQT_ASSERT_INT_EQ(w->n_sent, 2);
    if (w->n_sent == 2) {
        assert_user_subscribe(w->sent[0], "futures.orders");
        assert_user_subscribe(w->sent[1], "futures.usertrades");
    }
    fake_host_ws_message(f->fh, 0, GT_WS_SUB_OK("futures.orders"));
    fake_host_ws_message(f->fh, 0, GT_WS_SUB_OK("futures.usertrades"));
    SQT_ASSERT_STR_EQ(s->states, "U");
}

static void test_order_stream_fees(void)
{
    fx f;
    sink_rec s;
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    load_account(&f);
    user_up(&f, &s);
    /* a fill's order state first: held until its trade comes */
    fake_host_ws_message(f.fh, 0, GT_WS_ORDER_OF("open", "open", "5", "3", "1765101261000"));
    SQT_ASSERT_INT_EQ(s.orders, 0);
    fake_host_ws_message(f.fh, 0, GT_WS_USERTRADE("1", "2", "0.00120862"));
    SQT_ASSERT_INT_EQ(s.orders, 1);
    SQT_ASSERT_INT_EQ(s.order[0].status, SQT_ORDER_PARTIALLY_FILLED);
    assert_dec(s.order[0].filled_qty, "0.02");
    SQT_ASSERT_INT_EQ(s.order[0].has_cum_fee, 1);
    assert_dec(s.order[0].cum_fee, "0.00120862");
    assert_dec(s.order[0].fee, "0"); /* never both: the host would count it twice */
    assert_dec(s.order[0].last_fill_qty, "0.02");
    assert_dec(s.order[0].last_fill_price, "3021.55");
    SQT_ASSERT_STR_EQ(s.order[0].client_id, "302155_B_1765101259001");
    /* the trade first, then the state: delivered at once, cumulative fee of both */
    fake_host_ws_message(f.fh, 0, GT_WS_USERTRADE("2", "3", "0.0018"));
    SQT_ASSERT_INT_EQ(s.orders, 1);
    fake_host_ws_message(f.fh, 0, GT_WS_ORDER_OF("finished", "filled", "5", "0",
                                                 "1765101262000"));
    SQT_ASSERT_INT_EQ(s.orders, 2);
    SQT_ASSERT_INT_EQ(s.order[1].status, SQT_ORDER_FILLED);
    assert_dec(s.order[1].cum_fee, "0.00300862");
    assert_dec(s.order[1].last_fill_qty, "0.03");
    /* a repeated trade is not counted again */
    fake_host_ws_message(f.fh, 0, GT_WS_USERTRADE("2", "3", "0.0018"));
    SQT_ASSERT_INT_EQ(s.orders, 2);
    /* another order whose trade never comes: after the wait, its trade list */
    fake_host_ws_message(f.fh, 0,
                         "{\"channel\":\"futures.orders\",\"event\":\"update\",\"result\":[{"
                         "\"id\":58796478453,\"contract\":\"ETH_USDT\",\"status\":\"finished\","
                         "\"finish_as\":\"filled\",\"size\":\"5\",\"left\":\"0\",\"price\":3021.55,"
                         "\"fill_price\":3021.55,\"text\":\"t-q\",\"update_time\":1765101263000,"
                         "\"id_dummy\":0}]}");
    SQT_ASSERT_INT_EQ(s.orders, 3); /* same filled as delivered: no wait */
    fake_host_ws_message(f.fh, 0,
                         "{\"channel\":\"futures.orders\",\"event\":\"update\",\"result\":[{"
                         "\"id\":99,\"contract\":\"ETH_USDT\",\"status\":\"finished\","
                         "\"finish_as\":\"cancelled\",\"size\":\"4\",\"left\":\"1\","
                         "\"price\":3000,\"fill_price\":3000,\"text\":\"t-r\","
                         "\"update_time\":1765101263000}]}");
    SQT_ASSERT_INT_EQ(s.orders, 3);
    SQT_ASSERT_INT_EQ(pending(&f, "GET", P "/my_trades"), -1);
    fake_host_advance(f.fh, 1600);
    i = pending(&f, "GET", P "/my_trades");
    CU_ASSERT_FATAL(i >= 0);
    reply(&f, i, 200,
          "[{\"id\":7,\"contract\":\"ETH_USDT\",\"order_id\":\"99\",\"size\":3,"
          "\"price\":\"3000\",\"fee\":\"0.0018\"}]");
    SQT_ASSERT_INT_EQ(s.orders, 4);
    SQT_ASSERT_INT_EQ(s.order[3].status, SQT_ORDER_CANCELED);
    assert_dec(s.order[3].filled_qty, "0.03");
    SQT_ASSERT_INT_EQ(s.order[3].has_cum_fee, 1);
    assert_dec(s.order[3].cum_fee, "0.0018");
    /* a drop and a reconnect: RESYNC before UP (pushes were missed) */
    fake_host_ws_drop(f.fh, 0);
    fake_host_ws_connect(f.fh, 0);
    fake_host_ws_message(f.fh, 0, GT_WS_SUB_OK("futures.orders"));
    fake_host_ws_message(f.fh, 0, GT_WS_SUB_OK("futures.usertrades"));
    SQT_ASSERT_STR_EQ(s.states, "UDRU");
    fx_done(&f);
}

/* A refused private subscribe is FAILED with its label, not only a log line. */
static void test_order_stream_auth_fail(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink = {&s, sink_order, sink_state};
    int i;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    memset(&s, 0, sizeof(s));
    /* the account was not read: the stream asks for the user id itself */
    SQT_ASSERT_INT_EQ(f.api->subscribe_orders(f.ex, &sink), SQT_OK);
    fake_host_ws_connect(f.fh, 0);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(f.fh, 0)->n_sent, 0);
    answer_time(&f, 0);
    i = pending(&f, "GET", P "/accounts");
    CU_ASSERT_FATAL(i >= 0);
    reply(&f, i, 200, GT_ACCOUNT_STR_USER);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(f.fh, 0)->n_sent, 2);
    SQT_ASSERT_CONTAINS(fake_host_ws_at(f.fh, 0)->sent[0], "[\"7654321\",\"ETH_USDT\"]");
    fake_host_ws_message(f.fh, 0, GT_WS_SUB_AUTH_FAIL);
    SQT_ASSERT_STR_EQ(s.states, "F");
    SQT_ASSERT_INT_EQ(s.state_err.code, SQT_EAUTH);
    SQT_ASSERT_STR_EQ(s.state_err.exch_code, "INVALID_KEY");
    CU_ASSERT(fake_host_ws_at(f.fh, 0)->closed);
    fx_done(&f);
}

/* Shutdown cancels what is in flight; its callback comes once, later. */
static void test_shutdown_inflight(void)
{
    fx f;
    rec r;
    fx_init(&f);
    fx_start(&f);
    load_info(&f);
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f.api->account(f.ex, acct_cb, &r), SQT_OK); /* parked behind time */
    fx_done(&f);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_ECANCELLED);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"create: keys, urls, symbol", test_create},
        {"symbol info", test_symbol_info},
        {"account: signed, dual refused unless allowed", test_account_signed},
        {"positions in coins", test_positions},
        {"place: contracts, 201, poc, batch, refusals", test_place},
        {"warm: a dry run, nothing sent", test_warm_is_dry},
        {"cancel: by id, by text, batch", test_cancel},
        {"open orders: paging", test_open_orders_paging},
        {"query: fee from the trade list", test_query_fee},
        {"cancel own: ours only, by id", test_cancel_own},
        {"klines over REST", test_klines_rest},
        {"rate limit and clock retry", test_rate_and_clock},
        {"price stream", test_price_stream},
        {"kline stream: w and a later candle", test_kline_stream},
        {"order stream: orders + usertrades, exact fees", test_order_stream_fees},
        {"order stream: auth refusal is FAILED", test_order_stream_auth_fail},
        {"shutdown with a call in flight", test_shutdown_inflight},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("gate_plugin", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
