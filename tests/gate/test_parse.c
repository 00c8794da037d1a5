/* Gate.io parsers (plugins/gate/parse.c): contracts <-> coins exactly (multipliers 0.1,
 * 10, 0.0001 and sizes at the limits), errors by label, every REST answer, every
 * finish_as, the stream messages; robustness: every truncation and thousands of byte
 * mutations of every sample give a clean error or a sane result, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

#include "parse.h"
#include "parse_fx.h"
#include "samples.h"
#include "sqt_test.h"

#define TXT(s) (s), strlen(s)

static const sqt_gt_units eth = {"ETH_USDT", {1, 2, 0}, 2, 0};

static void assert_dec(sqt_dec d, const char *want)
{
    char buf[48];
    sqt_dec_format(sqt_dec_normalize(d), buf, sizeof(buf));
    SQT_ASSERT_STR_EQ(buf, want);
}

/* ---- symbols and units ------------------------------------------------------------- */

static void test_symbols(void)
{
    char buf[40];
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("BTCUSDT", buf, sizeof(buf)), SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "BTC_USDT");
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("1000PEPEUSDT", buf, sizeof(buf)), SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "1000PEPE_USDT");
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("USDT", buf, sizeof(buf)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("BTCUSD", buf, sizeof(buf)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("btcUSDT", buf, sizeof(buf)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("BTC_USDT", buf, sizeof(buf)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_contract_name("BTCUSDT", buf, 8), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_gt_symbol_of("ETH_USDT", buf, sizeof(buf)), SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "ETHUSDT");
    SQT_ASSERT_INT_EQ(sqt_gt_symbol_of("_", buf, sizeof(buf)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_symbol_of("ETH_USDT", buf, 4), SQT_ERANGE);
}

static void contracts_ok(const char *qty, const char *mult, int64_t want)
{
    sqt_dec q, m;
    sqt_error e;
    int64_t n = -1;
    sqt_dec_parse(qty, strlen(qty), &q);
    sqt_dec_parse(mult, strlen(mult), &m);
    SQT_ASSERT_INT_EQ(sqt_gt_to_contracts(q, m, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, want);
}

static void contracts_refused(const char *qty, const char *mult, const char *hint)
{
    sqt_dec q, m;
    sqt_error e;
    int64_t n = -1;
    sqt_dec_parse(qty, strlen(qty), &q);
    sqt_dec_parse(mult, strlen(mult), &m);
    SQT_ASSERT_INT_EQ(sqt_gt_to_contracts(q, m, &n, &e), SQT_ERULES);
    SQT_ASSERT_CONTAINS(e.message, hint);
    SQT_ASSERT_INT_EQ(n, -1);
}

static void test_to_contracts(void)
{
    /* 0.03 / 0.01 is 2.9999999999999996 in binary floating point (gate.md 8) */
    contracts_ok("0.03", "0.01", 3);
    contracts_ok("0.030", "0.01", 3);
    contracts_ok("0.7", "0.1", 7);
    contracts_ok("30", "10", 3);
    contracts_ok("0.0001", "0.0001", 1);
    contracts_ok("1.2345", "0.0001", 12345);
    contracts_ok("92233720368547758.07", "0.01", INT64_MAX);
    contracts_ok("9223372036854775807", "1", INT64_MAX);
    contracts_refused("0.015", "0.01", "0.01 or 0.02 would work");
    contracts_refused("0.005", "0.01", "0.01 would work");
    contracts_refused("25", "10", "20 or 30 would work");
    contracts_refused("0.75", "0.1", "0.7 or 0.8 would work");
    contracts_refused("0.00015", "0.0001", "0.0001 or 0.0002 would work");
    contracts_refused("0", "0.01", "must be > 0");
    contracts_refused("-0.01", "0.01", "must be > 0");
    {
        sqt_error e;
        int64_t n;
        /* more contracts than an int64 holds */
        SQT_ASSERT_INT_EQ(sqt_gt_to_contracts(sqt_dec_make(INT64_MAX, 0), sqt_dec_make(1, 18),
                                              &n, &e),
                          SQT_ERANGE);
        SQT_ASSERT_INT_EQ(sqt_gt_to_contracts(sqt_dec_make(1, 0), sqt_dec_make(0, 0), &n, &e),
                          SQT_EINVAL);
    }
}

static void test_to_coins(void)
{
    sqt_dec c;
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(3, 0), sqt_dec_make(1, 2), &c), SQT_OK);
    assert_dec(c, "0.03");
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(-7, 0), sqt_dec_make(1, 1), &c), SQT_OK);
    assert_dec(c, "-0.7");
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(3, 0), sqt_dec_make(10, 0), &c), SQT_OK);
    assert_dec(c, "30");
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(12345, 0), sqt_dec_make(1, 4), &c), SQT_OK);
    assert_dec(c, "1.2345");
    /* a fractional fill with the decimal header: 0.5 contract of 0.0001 */
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(5, 1), sqt_dec_make(1, 4), &c), SQT_OK);
    assert_dec(c, "0.00005");
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(INT64_MAX, 0), sqt_dec_make(1, 2), &c),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(c.mant, INT64_MAX);
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(INT64_MAX, 0), sqt_dec_make(10, 0), &c),
                      SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_gt_to_coins(sqt_dec_make(1, 18), sqt_dec_make(1, 18), &c), SQT_ERANGE);
    /* trailing zeros make room past scale 18; without them it does not fit */
    SQT_ASSERT_INT_EQ(sqt_gt_dec_mul(sqt_dec_make(100, 12), sqt_dec_make(100, 8), &c), SQT_OK);
    assert_dec(c, "0.0000000000000001");
    SQT_ASSERT_INT_EQ(sqt_gt_dec_mul(sqt_dec_make(1, 12), sqt_dec_make(1, 8), &c), SQT_ERANGE);
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_classify(void)
{
    sqt_error e;
    sqt_gt_classify(201, TXT(GT_ORDER), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_OK);
    sqt_gt_classify(400, TXT(GT_ERROR("ORDER_POC_IMMEDIATE", "order would be filled")), NULL,
                    0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EPOST_ONLY);
    SQT_ASSERT_INT_EQ(e.http_status, 400);
    SQT_ASSERT_STR_EQ(e.exch_code, "ORDER_POC_IMMEDIATE");
    SQT_ASSERT_STR_EQ(e.message, "order would be filled");
    sqt_gt_classify(400, TXT("{\"label\":\"INSUFFICIENT_AVAILABLE\",\"detail\":\"not enough\"}"),
                    NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EMARGIN);
    SQT_ASSERT_STR_EQ(e.message, "not enough");
    sqt_gt_classify(403, TXT(GT_ERROR("REQUEST_EXPIRED", "gap too large")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_ETIMESTAMP);
    sqt_gt_classify(401, TXT(GT_ERROR("INVALID_SIGNATURE", "sig")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EAUTH);
    sqt_gt_classify(401, NULL, 0, NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EAUTH);
    SQT_ASSERT_STR_EQ(e.message, "HTTP 401");
    sqt_gt_classify(404, TXT(GT_ERROR("ORDER_NOT_FOUND", "Order not found")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_ORDER);
    /* a 5xx is an unknown outcome whatever its label */
    sqt_gt_classify(502, TXT(GT_ERROR("ORDER_NOT_FOUND", "x")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_STATUS);
    sqt_gt_classify(500, TXT("<html>bad gateway</html>"), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_STATUS);
    /* 429: the reset header in seconds or ms (by magnitude) gives the wait */
    sqt_gt_classify(429, TXT(GT_ERROR("TOO_MANY_REQUESTS", "slow down")), "1735000002",
                    INT64_C(1735000000500), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 1500);
    sqt_gt_classify(429, NULL, 0, "1735000000800", INT64_C(1735000000500), &e);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 300);
    sqt_gt_classify(429, NULL, 0, NULL, INT64_C(1735000000500), &e);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 1000);
    sqt_gt_classify(400, TXT(GT_ERROR("TOO_FAST", "x")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_ERATE_LIMITED);
    sqt_gt_classify(400, TXT(GT_ERROR("NO_CHANGE", "same")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_OK);
    sqt_gt_classify(400, TXT(GT_ERROR("SOMETHING_NEW", "hm")), NULL, 0, &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EEXCHANGE);
    SQT_ASSERT_STR_EQ(e.exch_code, "SOMETHING_NEW");
}

static void test_label_table(void)
{
    static const struct {
        const char *label;
        int cls;
    } want[] = {
        {"INVALID_KEY", SQT_EAUTH}, {"INVALID_CREDENTIALS", SQT_EAUTH},
        {"INVALID_SIGNATURE", SQT_EAUTH}, {"IP_FORBIDDEN", SQT_EAUTH},
        {"READ_ONLY", SQT_EAUTH}, {"FORBIDDEN", SQT_EAUTH}, {"ACCOUNT_LOCKED", SQT_EAUTH},
        {"AUTHENTICATION_FAILED", SQT_EAUTH}, {"REQUEST_EXPIRED", SQT_ETIMESTAMP},
        {"MISSING_REQUIRED_HEADER", SQT_EINVAL}, {"INVALID_PARAM_VALUE", SQT_EINVAL},
        {"INVALID_ARGUMENT", SQT_EINVAL}, {"INVALID_REQUEST_BODY", SQT_EINVAL},
        {"MISSING_REQUIRED_PARAM", SQT_EINVAL}, {"INVALID_CONTENT_TYPE", SQT_EINVAL},
        {"ORDER_NOT_OWNED", SQT_EINVAL}, {"USER_NOT_FOUND", SQT_ESTATE},
        {"CONTRACT_NOT_FOUND", SQT_ESTATE}, {"CONTRACT_IN_DELISTING", SQT_ESTATE},
        {"INSUFFICIENT_AVAILABLE", SQT_EMARGIN}, {"FUTURES_BALANCE_NOT_ENOUGH", SQT_EMARGIN},
        {"LIQUIDATE_IMMEDIATELY", SQT_EMARGIN}, {"RISK_LIMIT_EXCEEDED", SQT_EMARGIN},
        {"ORDER_NOT_FOUND", SQT_EUNKNOWN_ORDER}, {"ORDER_FINISHED", SQT_EUNKNOWN_ORDER},
        {"ORDER_POC_IMMEDIATE", SQT_EPOST_ONLY}, {"INCREASE_POSITION", SQT_ERULES},
        {"REDUCE_EXCEEDED", SQT_ERULES}, {"TOO_MANY_ORDERS", SQT_ERULES},
        {"PRICE_TOO_DEVIATED", SQT_ERULES}, {"PRICE_OVER_LIQUIDATION", SQT_ERULES},
        {"PRICE_OVER_BANKRUPT", SQT_ERULES}, {"SIZE_TOO_LARGE", SQT_ERULES},
        {"SIZE_TOO_SMALL", SQT_ERULES}, {"ERR_QUOTA_LOWER_LIMIT", SQT_ERULES},
        {"POSITION_DUAL_MODE", SQT_EPOSITION_MODE}, {"POSITION_HOLDING", SQT_ESTATE},
        {"ORDER_PENDING", SQT_ESTATE}, {"ORDER_FOK", SQT_EEXCHANGE},
        {"TOO_MANY_REQUESTS", SQT_ERATE_LIMITED}, {"TOO_FAST", SQT_ERATE_LIMITED},
        {"INTERNAL", SQT_EUNKNOWN_STATUS}, {"SERVER_ERROR", SQT_EUNKNOWN_STATUS},
        {"TOO_BUSY", SQT_EUNKNOWN_STATUS}, {"NO_CHANGE", SQT_OK},
        {"LEVERAGE_TOO_HIGH", SQT_ESTATE}, {"POSITION_EMPTY", SQT_ERULES},
        {"order_not_found", SQT_EEXCHANGE}, {"", SQT_EEXCHANGE}};
    size_t i;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (sqt_gt_label_class(want[i].label) != want[i].cls)
            fprintf(stderr, "    label %s\n", want[i].label);
        SQT_ASSERT_INT_EQ(sqt_gt_label_class(want[i].label), want[i].cls);
    }
    SQT_ASSERT_INT_EQ(sqt_gt_label_class(NULL), SQT_EEXCHANGE);
}

/* ---- REST answers ------------------------------------------------------------------ */

static void test_server_time(void)
{
    sqt_error e;
    int64_t ms = 0;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_server_time(TXT(GT_TIME), &ms, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(ms, INT64_C(1735000000250));
    SQT_ASSERT_INT_EQ(sqt_gt_parse_server_time(TXT("{\"server_time\":\"x\"}"), &ms, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_server_time(TXT("{\"server_time\":-5}"), &ms, &e), SQT_EPROTO);
}

static void contract_case(const char *json, const char *symbol, const char *step,
                          const char *min, const char *tick)
{
    sqt_gt_contract c;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_contract(json, strlen(json), symbol, &c, &e), SQT_OK);
    assert_dec(c.info.step_size, step);
    assert_dec(c.info.contract_multiplier, step);
    assert_dec(c.info.min_qty, min);
    assert_dec(c.info.tick_size, tick);
    SQT_ASSERT_STR_EQ(c.info.symbol, symbol);
    SQT_ASSERT_STR_EQ(c.info.quote_asset, "USDT");
    SQT_ASSERT_INT_EQ(c.info.max_open_orders, 100);
    SQT_ASSERT_INT_EQ(c.info.max_batch_place, 10);
    SQT_ASSERT_INT_EQ(c.info.max_batch_cancel, 20);
    SQT_ASSERT_INT_EQ(c.info.client_id_max_len, 26);
}

static void test_contract(void)
{
    sqt_gt_contract c;
    sqt_error e;
    contract_case(GT_CONTRACT, "ETHUSDT", "0.01", "0.01", "0.05");
    contract_case(GT_CONTRACT_OF("XRP_USDT", "10", "0.0001", "1"), "XRPUSDT", "10", "10",
                  "0.0001");
    contract_case(GT_CONTRACT_OF("SOL_USDT", "0.1", "0.01", "3"), "SOLUSDT", "0.1", "0.3",
                  "0.01");
    contract_case(GT_CONTRACT_OF("BTC_USDT", "0.0001", "0.1", "0"), "BTCUSDT", "0.0001",
                  "0.0001", "0.1");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_contract(TXT(GT_CONTRACT), "ETHUSDT", &c, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(c.info.base_asset, "ETH");
    SQT_ASSERT_INT_EQ(c.size_min, 1);
    SQT_ASSERT_INT_EQ(c.size_max, 1000000);
    /* an answer for another contract, a delisting one, a zero multiplier */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_contract(TXT(GT_CONTRACT), "BTCUSDT", &c, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_contract(TXT(GT_CONTRACT_DELISTING), "ETHUSDT", &c, &e),
                      SQT_ESTATE);
    SQT_ASSERT_CONTAINS(e.message, "not tradable");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_contract(TXT(GT_CONTRACT_OF("ETH_USDT", "0", "0.05", "1")),
                                            "ETHUSDT", &c, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_contract(TXT(GT_CONTRACT), "ETH", &c, &e), SQT_EINVAL);
}

static void test_account(void)
{
    sqt_gt_acct a;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_account(TXT(GT_ACCOUNT), &a, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(a.user, "1234567");
    SQT_ASSERT_STR_EQ(a.acct.asset, "USDT");
    assert_dec(a.acct.balance, "5012.5");
    assert_dec(a.acct.available, "4912.5");
    SQT_ASSERT_INT_EQ(a.acct.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_account(TXT(GT_ACCOUNT_STR_USER), &a, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(a.user, "7654321");
    SQT_ASSERT_INT_EQ(a.acct.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_account(TXT(GT_ACCOUNT_DUAL), &a, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(a.acct.position_mode, SQT_POSMODE_HEDGE);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_account(TXT("{\"user\":\"12ab\",\"total\":\"1\","
                                               "\"available\":\"1\"}"), &a, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_account(TXT("{\"user\":1,\"available\":\"1\"}"), &a, &e),
                      SQT_EPROTO);
    SQT_ASSERT_CONTAINS(e.message, "total");
}

static void test_positions(void)
{
    sqt_position p[4];
    sqt_error e;
    size_t n = 9;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_positions(TXT(GT_POSITION), &eth, p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    SQT_ASSERT_STR_EQ(p[0].symbol, "ETHUSDT");
    assert_dec(p[0].size, "-0.25");
    assert_dec(p[0].entry_price, "3021.55");
    SQT_ASSERT_INT_EQ(p[0].leverage, 10); /* cross: cross_leverage_limit */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_positions(TXT(GT_POSITION_FLAT), &eth, p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 0);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_positions(TXT(GT_POSITION_DUAL), &eth, p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    assert_dec(p[0].size, "0.07");
    SQT_ASSERT_INT_EQ(p[0].leverage, 20);
    {
        int32_t lev = -1;
        SQT_ASSERT_INT_EQ(sqt_gt_parse_leverage(TXT(GT_POSITION_FLAT), "ETH_USDT", &lev, &e),
                          SQT_OK);
        SQT_ASSERT_INT_EQ(lev, 5); /* a flat position still has its leverage */
        SQT_ASSERT_INT_EQ(sqt_gt_parse_leverage(TXT(GT_POSITION), "ETH_USDT", &lev, &e), SQT_OK);
        SQT_ASSERT_INT_EQ(lev, 10);
        SQT_ASSERT_INT_EQ(sqt_gt_parse_leverage(TXT(GT_POSITION_DUAL), "ETH_USDT", &lev, &e),
                          SQT_OK);
        SQT_ASSERT_INT_EQ(lev, 20);
        SQT_ASSERT_INT_EQ(sqt_gt_parse_leverage(TXT(GT_POSITION), "BTC_USDT", &lev, &e), SQT_OK);
        SQT_ASSERT_INT_EQ(lev, 0);
        SQT_ASSERT_INT_EQ(sqt_gt_parse_leverage(TXT("[1]"), "ETH_USDT", &lev, &e), SQT_EPROTO);
    }
    SQT_ASSERT_INT_EQ(sqt_gt_parse_positions(TXT("{\"contract\":\"ETH_USDT\",\"size\":1.5}"),
                                             &eth, p, 4, &n, &e),
                      SQT_EPROTO); /* a size is never a float */
}

static void order_case(const char *status, const char *finish_as, const char *size,
                       const char *left, sqt_order_status want, const char *filled)
{
    char json[2048];
    sqt_order o;
    sqt_error e;
    snprintf(json, sizeof(json),
             "{\"id\":5,\"contract\":\"ETH_USDT\",\"status\":\"%s\",\"finish_as\":\"%s\","
             "\"size\":%s,\"left\":%s,\"price\":\"3000\",\"fill_price\":\"3000\","
             "\"text\":\"t-ab\",\"tif\":\"gtc\",\"update_time\":1765101300.5}",
             status, finish_as, size, left);
    if (sqt_gt_parse_order(json, strlen(json), &eth, &o, &e) != SQT_OK)
        fprintf(stderr, "    %s/%s: %s\n", status, finish_as, e.message);
    SQT_ASSERT_INT_EQ(o.status, want);
    assert_dec(o.filled_qty, filled);
}

static void test_every_finish_as(void)
{
    static const char *const cancelled[] = {
        "cancelled", "liquidated", "liquidate_cancelled", "reduce_only", "position_closed",
        "reduce_out", "auto_deleveraged", "stp", "small", "depth_not_enough",
        "trader_not_enough"};
    static const char *const expired[] = {"poc", "ioc", "fok"};
    size_t i;
    order_case("open", "", "5", "5", SQT_ORDER_NEW, "0");
    order_case("open", "open", "5", "3", SQT_ORDER_PARTIALLY_FILLED, "0.02");
    order_case("open", "", "-5", "-1", SQT_ORDER_PARTIALLY_FILLED, "0.04");
    order_case("finished", "filled", "5", "0", SQT_ORDER_FILLED, "0.05");
    order_case("finished", "filled", "-5", "0", SQT_ORDER_FILLED, "0.05");
    /* finished is not filled (gate.md 5, the original's bug 9.1): a cancelled order
     * with nothing filled is CANCELED with 0, a partly filled one keeps its part */
    for (i = 0; i < sizeof(cancelled) / sizeof(cancelled[0]); i++) {
        order_case("finished", cancelled[i], "5", "5", SQT_ORDER_CANCELED, "0");
        order_case("finished", cancelled[i], "5", "2", SQT_ORDER_CANCELED, "0.03");
    }
    for (i = 0; i < sizeof(expired) / sizeof(expired[0]); i++) {
        order_case("finished", expired[i], "5", "5", SQT_ORDER_EXPIRED, "0");
        order_case("finished", expired[i], "-5", "-4", SQT_ORDER_EXPIRED, "0.01");
    }
}

static void test_order_rest(void)
{
    sqt_order o;
    sqt_error e;
    char json[1024];
    sqt_gt_units raw = eth;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER), &eth, &o, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(o.order_id, "58796478453");
    SQT_ASSERT_STR_EQ(o.client_id, "302155_B_1765101259001");
    SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
    SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_POST_ONLY);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_NEW);
    assert_dec(o.qty, "0.01");
    assert_dec(o.price, "3021.55");
    assert_dec(o.avg_price, "0");
    SQT_ASSERT_INT_EQ(o.update_time_ms, INT64_C(1765101300500));
    raw.raw_text = 1;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER), &raw, &o, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(o.client_id, "t-302155_B_1765101259001");
    /* partly filled sell with its average price */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("7", "finished", "cancelled", "-3", "-1",
                                                         "3021.6", "t-x")),
                                         &eth, &o, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_SELL);
    assert_dec(o.filled_qty, "0.02");
    assert_dec(o.avg_price, "3021.6");
    /* a decimal-header answer: sizes as strings, a fractional fill */
    snprintf(json, sizeof(json), "{\"id\":\"8\",\"contract\":\"ETH_USDT\",\"status\":\"open\","
             "\"size\":\"2\",\"left\":\"1.5\",\"price\":\"3000\",\"text\":\"-\"}");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(json), &eth, &o, &e), SQT_OK);
    assert_dec(o.filled_qty, "0.005");
    SQT_ASSERT_STR_EQ(o.client_id, "");
    /* refusals: left beyond size, left of the other sign, filled with left, unknown words */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("1", "open", "", "2", "3", "0", "t-a")),
                                         &eth, &o, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("1", "open", "", "2", "-1", "0", "t-a")),
                                         &eth, &o, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("1", "finished", "filled", "2", "1",
                                                         "0", "t-a")),
                                         &eth, &o, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("1", "finished", "vanished", "2", "2",
                                                         "0", "t-a")),
                                         &eth, &o, &e),
                      SQT_EPROTO);
    SQT_ASSERT_CONTAINS(e.message, "finish_as");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("1", "pending", "", "2", "2", "0", "t-a")),
                                         &eth, &o, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order(TXT(GT_ORDER_OF("1", "open", "", "0", "0", "0", "t-a")),
                                         &eth, &o, &e),
                      SQT_EPROTO);
}

static void test_open_orders(void)
{
    sqt_order *o = NULL;
    sqt_error e;
    size_t n = 0, raw = 0;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_orders(TXT(GT_OPEN_ORDERS), &eth, &o, &n, &raw, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(raw, 4);
    SQT_ASSERT_INT_EQ(n, 3); /* BTC_USDT left out */
    if (n == 3) {
        SQT_ASSERT_STR_EQ(o[0].client_id, "sqtA_1");
        SQT_ASSERT_STR_EQ(o[1].client_id, "sqtA_2");
        SQT_ASSERT_STR_EQ(o[2].client_id, ""); /* "web": not ours */
        assert_dec(o[1].filled_qty, "0.02");
        SQT_ASSERT_INT_EQ(o[1].status, SQT_ORDER_PARTIALLY_FILLED);
    }
    /* a second page appends */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_orders(TXT("[]"), &eth, &o, &n, &raw, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(raw, 0);
    SQT_ASSERT_INT_EQ(n, 3);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_orders(TXT("{}"), &eth, &o, &n, &raw, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(n, 3);
    free(o);
}

static void test_batches(void)
{
    sqt_gt_item it[3];
    sqt_error e, errs[3];
    const char *ids[3] = {"11", "12", "13"};
    SQT_ASSERT_INT_EQ(sqt_gt_parse_batch_place(TXT(GT_BATCH_PLACE), &eth, 3, it, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(it[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(it[0].order.order_id, "11");
    SQT_ASSERT_STR_EQ(it[0].order.client_id, "a");
    SQT_ASSERT_INT_EQ(it[1].err.code, SQT_EPOST_ONLY);
    SQT_ASSERT_STR_EQ(it[1].err.exch_code, "ORDER_POC_IMMEDIATE");
    SQT_ASSERT_STR_EQ(it[1].err.message, "order would match");
    SQT_ASSERT_INT_EQ(it[2].err.code, SQT_EMARGIN);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_batch_place(TXT(GT_BATCH_PLACE), &eth, 2, it, &e), SQT_EPROTO);
    memset(errs, 'x', sizeof(errs)); /* the caller's array may hold anything */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_batch_cancel(TXT(GT_BATCH_CANCEL), ids, 3, errs, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(errs[0].code, SQT_OK);
    SQT_ASSERT_INT_EQ(errs[1].code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(errs[1].exch_code, "ORDER_NOT_FOUND");
    SQT_ASSERT_INT_EQ(errs[2].code, SQT_EPROTO); /* not answered */
    /* ... with every text terminated (found by fuzz_gate: exch_code was left as given) */
    CU_ASSERT(memchr(errs[2].exch_code, '\0', sizeof(errs[2].exch_code)) != NULL);
    CU_ASSERT(errs[2].exch_code[0] == '\0');
}

static void test_my_trades(void)
{
    sqt_gt_fee_sum s;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_my_trades(TXT(GT_MY_TRADES), &eth, "58796478453", &s, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(s.trades, 2);
    assert_dec(s.qty, "0.05");
    assert_dec(s.fee, "0.0030215");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_my_trades(TXT("[]"), &eth, "1", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.trades, 0);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_my_trades(TXT("[{\"contract\":\"ETH_USDT\"}]"), &eth, "1", &s,
                                             &e),
                      SQT_EPROTO);
}

static void test_candles(void)
{
    sqt_kline *k = NULL;
    sqt_error e;
    size_t n = 0;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_candles(TXT(GT_CANDLES), "ETHUSDT", "1m", sqt_dec_make(1, 2),
                                           INT64_C(1765101330000), &k, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 2);
    if (n == 2) {
        SQT_ASSERT_INT_EQ(k[0].open_time_ms, INT64_C(1765101240000)); /* sorted */
        SQT_ASSERT_INT_EQ(k[0].close_time_ms, INT64_C(1765101299999));
        SQT_ASSERT_INT_EQ(k[0].closed, 1);
        SQT_ASSERT_INT_EQ(k[1].closed, 0);
        assert_dec(k[0].volume, "8.12"); /* 812 contracts x 0.01 */
        assert_dec(k[0].close, "3021.56");
        SQT_ASSERT_STR_EQ(k[1].interval, "1m");
    }
    free(k);
    /* another symbol's candles (multiplier unknown): volume stays in contracts */
    SQT_ASSERT_INT_EQ(sqt_gt_parse_candles(TXT(GT_CANDLES), "BTCUSDT", "1m", sqt_dec_make(0, 0),
                                           0, &k, &n, &e),
                      SQT_OK);
    if (n == 2)
        assert_dec(k[0].volume, "812");
    free(k);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_candles(TXT(GT_CANDLES), "ETHUSDT", "3m", sqt_dec_make(0, 0),
                                           0, &k, &n, &e),
                      SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_interval_ms("7d"), INT64_C(604800000));
    SQT_ASSERT_INT_EQ(sqt_gt_interval_ms("1w"), 0);
}

/* ---- WebSocket --------------------------------------------------------------------- */

static void ws_kind(const char *msg, int want)
{
    sqt_gt_ws_msg m;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ws(msg, strlen(msg), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, want);
}

static void test_ws_envelope(void)
{
    sqt_gt_ws_msg m;
    sqt_error e;
    ws_kind(GT_WS_TICKER, SQT_GT_WS_TICKERS);
    ws_kind(GT_WS_CANDLE("1765101240", "3021.56", "true"), SQT_GT_WS_CANDLES);
    ws_kind(GT_WS_ORDER, SQT_GT_WS_ORDERS);
    ws_kind(GT_WS_USERTRADE("1", "2", "0.0012"), SQT_GT_WS_USERTRADES);
    ws_kind(GT_WS_SUB_OK("futures.orders"), SQT_GT_WS_SUBSCRIBED);
    ws_kind(GT_WS_PONG, SQT_GT_WS_PONG);
    ws_kind(GT_WS_UPGRADE, SQT_GT_WS_UPGRADE);
    ws_kind("{\"channel\":\"futures.tickers\",\"event\":\"unsubscribe\",\"error\":null}",
            SQT_GT_WS_OTHER);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ws(TXT(GT_WS_SUB_AUTH_FAIL), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_GT_WS_ERROR);
    SQT_ASSERT_INT_EQ(m.err.code, SQT_EAUTH);
    SQT_ASSERT_STR_EQ(m.err.exch_code, "INVALID_KEY");
    SQT_ASSERT_STR_EQ(m.err.message, "Invalid key provided");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ws(TXT(GT_WS_SUB_FAIL), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_GT_WS_ERROR);
    SQT_ASSERT_INT_EQ(m.err.code, SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ws(TXT("[1]"), &m, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ws(TXT("{\"channel\":\"futures.orders\",\"event\":\"update\"}"),
                                      &m, &e),
                      SQT_EPROTO);
}

static void test_ws_ticker_candle(void)
{
    sqt_price_tick t;
    sqt_kline k[4];
    sqt_error e;
    size_t n = 0;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ticker(TXT(GT_WS_TICKER), &t, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(t.symbol, "ETHUSDT");
    assert_dec(t.price, "3021.56");
    SQT_ASSERT_INT_EQ(t.time_ms, INT64_C(1765101260101));
    SQT_ASSERT_INT_EQ(sqt_gt_parse_candle_push(TXT(GT_WS_CANDLE("1765101240", "3021.56", "true")),
                                               k, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    SQT_ASSERT_STR_EQ(k[0].symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(k[0].interval, "1m");
    SQT_ASSERT_INT_EQ(k[0].closed, 1);
    SQT_ASSERT_INT_EQ(k[0].open_time_ms, INT64_C(1765101240000));
    SQT_ASSERT_INT_EQ(k[0].close_time_ms, INT64_C(1765101299999));
    assert_dec(k[0].volume, "812");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_candle_push(TXT(GT_WS_CANDLE("1765101300", "3022", "false")),
                                               k, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(k[0].closed, 0);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_ticker(TXT("{\"result\":[{\"contract\":\"ETH_USDT\","
                                              "\"last\":\"0\"}]}"), &t, &e),
                      SQT_EPROTO);
}

static void test_ws_orders(void)
{
    sqt_order o[4];
    sqt_gt_fill f[4];
    sqt_error e;
    size_t n = 0;
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order_push(TXT(GT_WS_ORDER), &eth, o, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_PARTIALLY_FILLED);
    assert_dec(o[0].qty, "0.05");
    assert_dec(o[0].filled_qty, "0.02");
    assert_dec(o[0].price, "3021.55"); /* a JSON number, brought to the tick's scale */
    assert_dec(o[0].avg_price, "3021.55");
    SQT_ASSERT_INT_EQ(o[0].update_time_ms, INT64_C(1765101261000)); /* ms on the stream */
    SQT_ASSERT_INT_EQ(o[0].seq, 2);
    SQT_ASSERT_STR_EQ(o[0].client_id, "302155_B_1765101259001");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order_push(TXT(GT_WS_ORDER_OF("finished", "poc", "5", "5",
                                                                 "1765101262000")),
                                              &eth, o, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_EXPIRED);
    SQT_ASSERT_INT_EQ(sqt_gt_parse_order_push(TXT(GT_WS_ORDER_OF("finished", "filled", "5", "0",
                                                                 "1765101262000")),
                                              &eth, o, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_FILLED);
    assert_dec(o[0].filled_qty, "0.05");
    SQT_ASSERT_INT_EQ(sqt_gt_parse_usertrades(TXT(GT_WS_USERTRADE("9", "-2", "0.00120862")), &eth,
                                              f, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    SQT_ASSERT_STR_EQ(f[0].order_id, "58796478453");
    SQT_ASSERT_STR_EQ(f[0].trade_id, "9");
    assert_dec(f[0].qty, "0.02");
    assert_dec(f[0].price, "3021.55");
    assert_dec(f[0].fee, "0.00120862");
    SQT_ASSERT_INT_EQ(f[0].time_ms, INT64_C(1765101261003));
    SQT_ASSERT_INT_EQ(sqt_gt_parse_usertrades(TXT(GT_WS_USERTRADE("9", "2", "-0.0006")), &eth, f,
                                              4, &n, &e),
                      SQT_OK);
    assert_dec(f[0].fee, "-0.0006"); /* a rebate */
}

/* ---- robustness -------------------------------------------------------------------- */

static void run_all(const char *s, size_t len)
{
    sqt_gt_contract c;
    sqt_gt_acct a;
    sqt_position p[4];
    sqt_order *orders = NULL, o, os[4];
    sqt_kline *k = NULL, ks[4];
    sqt_price_tick t;
    sqt_gt_ws_msg m;
    sqt_gt_item items[3];
    sqt_gt_fee_sum fs;
    sqt_gt_fill f[4];
    sqt_error e, errs[3];
    const char *ids[3] = {"11", "12", "13"};
    size_t n = 0, raw, i;
    int64_t ms;
    int32_t lev;
    sqt_gt_classify(400, s, len, "17", 1, &e);
    CU_ASSERT(e.code != SQT_OK || strcmp(e.exch_code, "NO_CHANGE") == 0);
    sqt_gt_parse_server_time(s, len, &ms, &e);
    if (sqt_gt_parse_contract(s, len, "ETHUSDT", &c, &e) == SQT_OK)
        CU_ASSERT(c.info.tick_size.mant > 0 && c.info.step_size.mant > 0 &&
                  c.info.min_qty.mant > 0);
    sqt_gt_parse_account(s, len, &a, &e);
    if (sqt_gt_parse_positions(s, len, &eth, p, 4, &n, &e) == SQT_OK)
        CU_ASSERT(n <= 4);
    if (sqt_gt_parse_leverage(s, len, "ETH_USDT", &lev, &e) == SQT_OK)
        CU_ASSERT(lev >= 0 && lev <= 1000);
    n = 0;
    if (sqt_gt_parse_orders(s, len, &eth, &orders, &n, &raw, &e) == SQT_OK)
        for (i = 0; i < n; i++)
            CU_ASSERT(orders[i].qty.mant > 0 &&
                      sqt_dec_cmp(orders[i].filled_qty, orders[i].qty, NULL) <= 0);
    free(orders);
    if (sqt_gt_parse_order(s, len, &eth, &o, &e) == SQT_OK)
        CU_ASSERT(o.status != SQT_ORDER_UNKNOWN && o.qty.mant > 0);
    sqt_gt_parse_batch_place(s, len, &eth, 3, items, &e);
    sqt_gt_parse_batch_cancel(s, len, ids, 3, errs, &e);
    sqt_gt_parse_my_trades(s, len, &eth, "58796478453", &fs, &e);
    if (sqt_gt_parse_candles(s, len, "ETHUSDT", "1m", sqt_dec_make(1, 2), 0, &k, &n, &e) ==
        SQT_OK)
        free(k);
    sqt_gt_parse_ws(s, len, &m, &e);
    if (sqt_gt_parse_ticker(s, len, &t, &e) == SQT_OK)
        CU_ASSERT(t.price.mant > 0);
    sqt_gt_parse_candle_push(s, len, ks, 4, &n, &e);
    if (sqt_gt_parse_order_push(s, len, &eth, os, 4, &n, &e) == SQT_OK && n > 0)
        CU_ASSERT(os[0].qty.mant > 0);
    if (sqt_gt_parse_usertrades(s, len, &eth, f, 4, &n, &e) == SQT_OK && n > 0)
        CU_ASSERT(f[0].qty.mant > 0 && f[0].price.mant > 0);
}

static const char *const samples[] = {
    GT_TIME, GT_CONTRACT, GT_CONTRACT_DELISTING, GT_ACCOUNT, GT_ACCOUNT_STR_USER,
    GT_ACCOUNT_DUAL, GT_POSITION, GT_POSITION_FLAT, GT_POSITION_DUAL, GT_ORDER,
    GT_OPEN_ORDERS, GT_BATCH_PLACE, GT_BATCH_CANCEL, GT_MY_TRADES, GT_CANDLES,
    GT_ERROR("ORDER_POC_IMMEDIATE", "x"), GT_WS_TICKER,
    GT_WS_CANDLE("1765101240", "3021.56", "true"), GT_WS_ORDER,
    GT_WS_USERTRADE("9", "-2", "0.00120862"), GT_WS_SUB_OK("futures.orders"),
    GT_WS_SUB_AUTH_FAIL, GT_WS_SUB_FAIL, GT_WS_PONG, GT_WS_UPGRADE};

static void test_truncations(void)
{
    pfx_truncations(samples, sizeof(samples) / sizeof(samples[0]), run_all);
}

static void test_mutations(void)
{
    /* 25 samples x 300: 7500 mutants */
    pfx_mutations(samples, sizeof(samples) / sizeof(samples[0]), 4242u, 300, run_all);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"symbols: BTCUSDT <-> BTC_USDT", test_symbols},
        {"coins -> contracts, exact, with a hint", test_to_contracts},
        {"contracts -> coins, exact", test_to_coins},
        {"classify answers by label", test_classify},
        {"label table", test_label_table},
        {"server time", test_server_time},
        {"contract: multipliers 0.01, 0.1, 10, 0.0001", test_contract},
        {"account", test_account},
        {"positions", test_positions},
        {"every finish_as", test_every_finish_as},
        {"order answers", test_order_rest},
        {"open orders", test_open_orders},
        {"batch place and cancel", test_batches},
        {"my_trades fee sum", test_my_trades},
        {"candles", test_candles},
        {"ws envelope", test_ws_envelope},
        {"ws ticker and candlesticks", test_ws_ticker_candle},
        {"ws orders and usertrades", test_ws_orders},
        {"every truncation", test_truncations},
        {"byte mutations", test_mutations},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("gate_parse", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
