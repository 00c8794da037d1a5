/* Binance parsers: every message type from the spec's samples, every error-code class,
 * and robustness against malformed input (truncations and byte mutations of every
 * sample must give an error or a valid result, never a crash or a half-filled one). */
#include <string.h>

#include "parse.h"
#include "samples.h"
#include "sqt_test.h"

#define LEN(s) strlen(s)
/* a literal and its length */
#define TXT(s) s, strlen(s)

static void assert_dec(sqt_dec d, int64_t mant, int32_t scale)
{
    SQT_ASSERT_INT_EQ(d.mant, mant);
    SQT_ASSERT_INT_EQ(d.scale, scale);
}

/* ---- exchangeInfo ------------------------------------------------------------- */

static void test_exchange_info(void)
{
    sqt_symbol_info info;
    sqt_bn_limits lim;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(BN_EXCHANGE_INFO, LEN(BN_EXCHANGE_INFO),
                                                 "ETHUSDT", &info, &lim, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(info.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(info.base_asset, "ETH");
    SQT_ASSERT_STR_EQ(info.quote_asset, "USDT");
    assert_dec(info.tick_size, 1, 2); /* "0.010" normalised: decimals come from the tick */
    assert_dec(info.step_size, 1, 3);
    assert_dec(info.min_qty, 1, 3);
    assert_dec(info.min_notional, 20, 0);
    assert_dec(info.contract_multiplier, 1, 0);
    SQT_ASSERT_INT_EQ(info.max_open_orders, 200);
    SQT_ASSERT_INT_EQ(info.max_batch_place, 5);
    SQT_ASSERT_INT_EQ(info.max_batch_cancel, 10);
    SQT_ASSERT_INT_EQ(info.client_id_max_len, 36);
    SQT_ASSERT_INT_EQ(info.struct_size, sizeof(info));
    SQT_ASSERT_INT_EQ(lim.weight_1m, 2400);
    SQT_ASSERT_INT_EQ(lim.orders_1m, 1200);
    SQT_ASSERT_INT_EQ(lim.orders_10s, 300);
    assert_dec(lim.min_price, 3986, 2);
    assert_dec(lim.max_price, 306177, 0);
    assert_dec(lim.max_qty, 10000, 0);
}

static void test_exchange_info_errors(void)
{
    sqt_symbol_info info;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(BN_EXCHANGE_INFO, LEN(BN_EXCHANGE_INFO),
                                                 "DOGEUSDT", &info, NULL, &e), SQT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "DOGEUSDT"));
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(BN_EXCHANGE_INFO, LEN(BN_EXCHANGE_INFO),
                                                 "OLDUSDT", &info, NULL, &e), SQT_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "SETTLING"));
    /* BTCUSDT in the sample has no LOT_SIZE */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(BN_EXCHANGE_INFO, LEN(BN_EXCHANGE_INFO),
                                                 "BTCUSDT", &info, NULL, &e), SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "LOT_SIZE"));
}

static void expect_info_proto(const char *filters, const char *needle)
{
    char buf[1024];
    sqt_symbol_info info;
    sqt_error e;
    snprintf(buf, sizeof(buf),
             "{\"symbols\":[{\"symbol\":\"ETHUSDT\",\"status\":\"TRADING\",\"baseAsset\":\"ETH\","
             "\"quoteAsset\":\"USDT\",\"filters\":%s}]}",
             filters);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(buf, strlen(buf), "ETHUSDT", &info, NULL, &e),
                      SQT_EPROTO);
    if (needle != NULL && strstr(e.message, needle) == NULL)
        fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", e.message, needle);
    CU_ASSERT_TRUE(needle == NULL || strstr(e.message, needle) != NULL);
}

static void test_exchange_info_malformed(void)
{
    sqt_symbol_info info;
    sqt_error e;
    const char *lot = "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\",\"stepSize\":\"0.001\"}";
    char f[512];
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\"},%s]", lot);
    expect_info_proto(f, "tickSize");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":0.01},%s]", lot);
    expect_info_proto(f, "tickSize"); /* a float: its exact text is lost, refuse it */
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"abc\"},%s]", lot);
    expect_info_proto(f, "tickSize");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"99999999999999999999\"},%s]", lot);
    expect_info_proto(f, "range");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0\"},%s]", lot);
    expect_info_proto(f, "> 0");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"-0.01\"},%s]", lot);
    expect_info_proto(f, "> 0");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.01\","
             "\"maxPrice\":\"-5\"},%s]", lot);
    expect_info_proto(f, "maxPrice");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.01\"},"
             "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\",\"stepSize\":\"0.001\","
             "\"maxQty\":1e3}]");
    expect_info_proto(f, "maxQty"); /* a float */
    expect_info_proto("{}", "filters");
    expect_info_proto("[42]", "filterType");
    snprintf(f, sizeof(f), "[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.01\"},%s,"
             "{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":\"many\"}]", lot);
    expect_info_proto(f, "limit");
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(TXT("<html>502</html>"), "ETHUSDT", &info, NULL, &e),
                      SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "not JSON"));
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(TXT(""), "ETHUSDT", &info, NULL, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(TXT("[]"), "ETHUSDT", &info, NULL, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(TXT("{\"symbols\":{}}"), "ETHUSDT", &info, NULL, &e),
                      SQT_EPROTO);
    /* a base asset longer than the SDK's field */
    {
        const char *t = "{\"symbols\":[{\"symbol\":\"ETHUSDT\",\"status\":\"TRADING\","
                        "\"baseAsset\":\"ETHETHETHETHETHETHETH\",\"quoteAsset\":\"USDT\",\"filters\":[]}]}";
        SQT_ASSERT_INT_EQ(sqt_bn_parse_exchange_info(t, strlen(t), "ETHUSDT", &info, NULL, &e),
                          SQT_EPROTO);
    }
}

/* ---- small REST answers ------------------------------------------------------- */

static void test_time_mode_key(void)
{
    int64_t ms = 0;
    int hedge = -1;
    char key[128];
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_server_time(TXT("{\"serverTime\":1700000000123}"), &ms, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(ms, 1700000000123LL);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_server_time(TXT("{\"serverTime\":\"x\"}"), &ms, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_server_time(TXT("{\"serverTime\":-5}"), &ms, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_position_mode(TXT("{\"dualSidePosition\":true}"), &hedge, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(hedge, 1);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_position_mode(TXT("{\"dualSidePosition\":false}"), &hedge, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(hedge, 0);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_position_mode(TXT("{\"dualSidePosition\":\"false\"}"), &hedge, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_listen_key(TXT("{\"listenKey\":\"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1\"}"), key, sizeof(key), &e), SQT_OK);
    SQT_ASSERT_STR_EQ(key, "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1");
    /* it goes into the stream URL: nothing but letters and digits */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_listen_key(TXT("{\"listenKey\":\"ab&c\"}"), key, sizeof(key), &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_listen_key(TXT("{\"listenKey\":\"\"}"), key, sizeof(key), &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_listen_key(TXT("{}"), key, sizeof(key), &e), SQT_EPROTO);
}

static void test_account(void)
{
    sqt_account a;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_account(BN_ACCOUNT, LEN(BN_ACCOUNT), "USDT", "ETHUSDT", &a, &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(a.asset, "USDT");
    assert_dec(a.balance, 100050000000LL, 8);
    assert_dec(a.available, 90025000000LL, 8);
    SQT_ASSERT_INT_EQ(a.leverage, 20);
    /* an asset the account never held: zero, not an error */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_account(BN_ACCOUNT, LEN(BN_ACCOUNT), "USDC", "SOLUSDT", &a, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(a.balance.mant, 0);
    SQT_ASSERT_INT_EQ(a.leverage, 0);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_account(TXT("{\"assets\":[{\"asset\":\"USDT\",\"walletBalance\":1.5}]}"), "USDT", "ETHUSDT", &a, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_account(TXT("{\"positions\":[]}"), "USDT", "ETHUSDT", &a, &e),
                      SQT_EPROTO);
}

static void test_positions(void)
{
    sqt_position p[4];
    size_t n = 9;
    sqt_error e;
    const char *two = "[{\"symbol\":\"BTCUSDT\",\"positionAmt\":\"1\",\"entryPrice\":\"1\"},"
                      "{\"symbol\":\"ETHUSDT\",\"positionAmt\":\"-0.500\",\"entryPrice\":\"3100\",\"leverage\":7}]";
    SQT_ASSERT_INT_EQ(sqt_bn_parse_positions(BN_POSITION_RISK, LEN(BN_POSITION_RISK), "ETHUSDT", p,
                                             4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    assert_dec(p[0].size, 30, 3);
    assert_dec(p[0].entry_price, 300050, 2);
    assert_dec(p[0].unrealized_pnl, 61500000, 8);
    SQT_ASSERT_INT_EQ(p[0].leverage, 10);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_positions(two, strlen(two), "ETHUSDT", p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    assert_dec(p[0].size, -500, 3);
    SQT_ASSERT_INT_EQ(p[0].leverage, 7);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_positions(TXT("[]"), "ETHUSDT", p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 0);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_positions(TXT("{}"), "ETHUSDT", p, 4, &n, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_positions(TXT("[{\"symbol\":\"ETHUSDT\",\"positionAmt\":\"1e3\","
                                             "\"entryPrice\":\"1\"}]"), "ETHUSDT", p, 4, &n, &e),
                      SQT_EPROTO);
}

/* ---- orders --------------------------------------------------------------------- */

static void test_order(void)
{
    sqt_order o;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_order(BN_ORDER_NEW, LEN(BN_ORDER_NEW), "x-zdfVM8vY", &o, &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(o.client_id, "302155_B_1765101259001"); /* prefix stripped */
    SQT_ASSERT_STR_EQ(o.order_id, "8389765537712345678");
    SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_NEW);
    SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_POST_ONLY);
    SQT_ASSERT_INT_EQ(o.reduce_only, 0);
    assert_dec(o.price, 302155, 2);
    assert_dec(o.qty, 10, 3);
    SQT_ASSERT_INT_EQ(o.filled_qty.mant, 0);
    SQT_ASSERT_INT_EQ(o.update_time_ms, 1765101259130LL);
    /* without a configured prefix the id is passed as is */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_order(BN_ORDER_NEW, LEN(BN_ORDER_NEW), "", &o, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(o.client_id, "x-zdfVM8vY302155_B_1765101259001");
}

static void test_order_statuses(void)
{
    static const struct {
        const char *wire;
        int want;
    } map[] = {{"NEW", SQT_ORDER_NEW},
               {"PARTIALLY_FILLED", SQT_ORDER_PARTIALLY_FILLED},
               {"FILLED", SQT_ORDER_FILLED},
               {"CANCELED", SQT_ORDER_CANCELED},
               {"EXPIRED", SQT_ORDER_EXPIRED},
               {"EXPIRED_IN_MATCH", SQT_ORDER_EXPIRED},
               {"REJECTED", SQT_ORDER_REJECTED},
               {"NEW_INSURANCE", -1},
               {"filled", -1}};
    size_t i;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        char buf[512];
        sqt_order o;
        sqt_error e;
        int rc;
        snprintf(buf, sizeof(buf),
                 "{\"orderId\":1,\"symbol\":\"ETHUSDT\",\"status\":\"%s\",\"clientOrderId\":\"a\","
                 "\"price\":\"1\",\"origQty\":\"1\",\"executedQty\":\"0.5\",\"side\":\"SELL\"}",
                 map[i].wire);
        rc = sqt_bn_parse_order(buf, strlen(buf), "", &o, &e);
        if (map[i].want < 0) {
            SQT_ASSERT_INT_EQ(rc, SQT_EPROTO);
        } else {
            SQT_ASSERT_INT_EQ(rc, SQT_OK);
            SQT_ASSERT_INT_EQ(o.status, map[i].want);
            SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_SELL);
            SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_GTC);
        }
    }
}

static void test_orders_list(void)
{
    const char *list = "[" BN_ORDER_NEW ","
                       "{\"orderId\":2,\"symbol\":\"BTCUSDT\",\"status\":\"NEW\",\"clientOrderId\":\"b\","
                       "\"price\":\"1\",\"origQty\":\"1\",\"executedQty\":\"0\",\"side\":\"BUY\"},"
                       "{\"orderId\":3,\"symbol\":\"ETHUSDT\",\"status\":\"PARTIALLY_FILLED\","
                       "\"clientOrderId\":\"x-zdfVM8vYc\",\"price\":\"3000.00\",\"origQty\":\"0.020\","
                       "\"executedQty\":\"0.005\",\"avgPrice\":\"3000.00\",\"side\":\"SELL\","
                       "\"reduceOnly\":true,\"time\":5,\"timeInForce\":\"GTC\"}]";
    sqt_order *o = NULL;
    size_t n = 0;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_orders(list, strlen(list), "ETHUSDT", "x-zdfVM8vY", &o, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 2);
    if (n == 2) {
        SQT_ASSERT_STR_EQ(o[1].client_id, "c");
        SQT_ASSERT_STR_EQ(o[1].order_id, "3");
        SQT_ASSERT_INT_EQ(o[1].reduce_only, 1);
        SQT_ASSERT_INT_EQ(o[1].update_time_ms, 5); /* "time" when there is no updateTime */
        assert_dec(o[1].filled_qty, 5, 3);
        assert_dec(o[1].avg_price, 300000, 2);
    }
    free(o);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_orders(TXT("[]"), "ETHUSDT", "", &o, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 0);
    CU_ASSERT_PTR_NULL(o);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_orders(TXT("[{\"orderId\":1}]"), "ETHUSDT", "", &o, &n, &e),
                      SQT_EPROTO);
    CU_ASSERT_PTR_NULL(o);
    /* an order id beyond int64 is not JSON Jansson accepts: refused, not wrapped */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_orders(TXT("[{\"orderId\":99999999999999999999999}]"), "ETHUSDT",
                                          "", &o, &n, &e), SQT_EPROTO);
}

static void test_batch_mixed(void)
{
    const char *body = "[" BN_ORDER_NEW ",{\"code\":-5022,\"msg\":\"Due to the order could not be "
                       "executed as maker, the Post Only order will be rejected.\"},"
                       "{\"code\":-2019,\"msg\":\"Margin is insufficient.\"},"
                       "{\"code\":-4116,\"msg\":\"ClientOrderId is duplicated.\"},"
                       "{\"code\":-1013,\"msg\":\"Filter failure\"}]";
    sqt_bn_item it[5];
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_batch(body, strlen(body), 5, "x-zdfVM8vY", it, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(it[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(it[0].order.client_id, "302155_B_1765101259001");
    SQT_ASSERT_INT_EQ(it[1].err.code, SQT_EPOST_ONLY);
    SQT_ASSERT_STR_EQ(it[1].err.exch_code, "-5022");
    CU_ASSERT_PTR_NOT_NULL(strstr(it[1].err.message, "Post Only"));
    SQT_ASSERT_INT_EQ(it[2].err.code, SQT_EMARGIN);
    SQT_ASSERT_INT_EQ(it[3].err.code, SQT_EDUP_CLIENT_ID);
    SQT_ASSERT_INT_EQ(it[4].err.code, SQT_ERULES);
    /* the answer must have one element per order sent */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_batch(body, strlen(body), 4, "", it, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_batch(TXT("{\"code\":-1021}"), 1, "", it, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_batch(TXT("[{\"code\":\"x\"}]"), 1, "", it, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_batch(TXT("[7]"), 1, "", it, &e), SQT_EPROTO);
}

static void test_klines_rest(void)
{
    sqt_kline *k = NULL;
    size_t n = 0;
    sqt_error e;
    /* server time inside the last candle: it is still open */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_klines(BN_KLINES_REST, LEN(BN_KLINES_REST), "ETHUSDT", "1m",
                                          1765101260000LL, &k, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 3);
    if (n == 3) {
        SQT_ASSERT_INT_EQ(k[0].closed, 1);
        SQT_ASSERT_INT_EQ(k[1].closed, 1);
        SQT_ASSERT_INT_EQ(k[2].closed, 0);
        SQT_ASSERT_STR_EQ(k[2].symbol, "ETHUSDT");
        SQT_ASSERT_STR_EQ(k[2].interval, "1m");
        SQT_ASSERT_INT_EQ(k[2].open_time_ms, 1765101240000LL);
        assert_dec(k[2].close, 302156, 2);
        assert_dec(k[2].volume, 812330, 3);
    }
    free(k);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_klines(BN_KLINES_REST, LEN(BN_KLINES_REST), "ETHUSDT", "1m",
                                          1765101300000LL, &k, &n, &e), SQT_OK);
    if (n == 3)
        SQT_ASSERT_INT_EQ(k[2].closed, 1);
    free(k);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_klines(TXT("[[1,\"1\",\"1\",\"1\",\"1\",\"1\"]]"), "ETHUSDT", TXT("1m"), &k, &n, &e), SQT_EPROTO);
    CU_ASSERT_PTR_NULL(k);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_klines(TXT("[[1,1.5,\"1\",\"1\",\"1\",\"1\",2]]"), "ETHUSDT", TXT("1m"), &k, &n, &e), SQT_EPROTO);
}

/* ---- account trade list ------------------------------------------------------- */

#define OID "8389765537712345678"

/* The fields of one trade of order 7; build_trade() changes or drops one of them. */
static const char *const trade_fields[][2] = {
    {"symbol", "\"ETHUSDT\""},   {"id", "1"},
    {"orderId", "7"},             {"side", "\"SELL\""},
    {"price", "\"3000.00\""},     {"qty", "\"0.010\""},
    {"commission", "\"0.006\""},  {"commissionAsset", "\"USDT\""},
    {"time", "1765101261000"}};

/* A one-trade list with `key` set to the raw JSON `val` (NULL: the field left out). */
static const char *build_trade(char *buf, size_t cap, const char *key, const char *val)
{
    size_t i, n = 0;
    n += (size_t)snprintf(buf, cap, "[{");
    for (i = 0; i < sizeof(trade_fields) / sizeof(trade_fields[0]); i++) {
        const char *v = trade_fields[i][1];
        if (key != NULL && strcmp(key, trade_fields[i][0]) == 0) {
            if (val == NULL)
                continue;
            v = val;
        }
        n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\":%s", n > 2 ? "," : "",
                              trade_fields[i][0], v);
    }
    snprintf(buf + n, cap - n, "}]");
    return buf;
}

static int trades_of(const char *json, const char *oid, sqt_bn_trade_sum *s, sqt_error *e)
{
    return sqt_bn_parse_user_trades(json, strlen(json), "ETHUSDT", oid, s, e);
}

/* Refused with a message holding `needle`, and nothing half-summed handed out. */
static void expect_trades_proto(const char *json, const char *needle)
{
    sqt_bn_trade_sum s;
    sqt_error e;
    memset(&e, 0, sizeof(e));
    SQT_ASSERT_INT_EQ(trades_of(json, "7", &s, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(e.code, SQT_EPROTO);
    if (strstr(e.message, needle) == NULL)
        fprintf(stderr, "    message \"%s\" lacks \"%s\" (%s)\n", e.message, needle, json);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, needle));
    SQT_ASSERT_INT_EQ(s.n, 0);
    SQT_ASSERT_INT_EQ(s.qty.mant, 0);
    SQT_ASSERT_INT_EQ(s.fee.mant, 0);
    SQT_ASSERT_INT_EQ(s.one_asset, 0);
}

static void test_user_trades(void)
{
    sqt_bn_trade_sum s;
    sqt_error e;
    SQT_ASSERT_INT_EQ(trades_of(BN_USER_TRADES, OID, &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 2);
    assert_dec(s.qty, 10, 3);
    assert_dec(s.fee, 604310, 8); /* 0.00241724 + 0.00362586 */
    SQT_ASSERT_STR_EQ(s.fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(s.one_asset, 1);
    /* the documentation's example */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_trades(BN_USER_TRADES_DOC, LEN(BN_USER_TRADES_DOC),
                                               "BTCUSDT", "270093109", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 1);
    assert_dec(s.qty, 10, 3);
    assert_dec(s.fee, 114044, 6);
    SQT_ASSERT_STR_EQ(s.fee_asset, "USDT");
    /* trades of another order or symbol are not the order's */
    SQT_ASSERT_INT_EQ(trades_of(BN_USER_TRADES, "8389765537712345679", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 0);
    SQT_ASSERT_INT_EQ(s.qty.mant, 0);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_trades(BN_USER_TRADES, LEN(BN_USER_TRADES), "BTCUSDT",
                                               OID, &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 0);
    /* an empty list: nothing summed, no asset */
    SQT_ASSERT_INT_EQ(trades_of("[]", OID, &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 0);
    SQT_ASSERT_INT_EQ(s.qty.mant, 0);
    SQT_ASSERT_INT_EQ(s.fee.mant, 0);
    SQT_ASSERT_STR_EQ(s.fee_asset, "");
    SQT_ASSERT_INT_EQ(s.one_asset, 0);
}

/* The two one-trade lists a and b as one list. */
static const char *two(char *out, size_t cap, const char *a, const char *b)
{
    snprintf(out, cap, "[%.*s,%.*s]", (int)(strlen(a) - 2), a + 1, (int)(strlen(b) - 2), b + 1);
    return out;
}

static void test_user_trades_sums(void)
{
    sqt_bn_trade_sum s;
    sqt_error e;
    char a[512], b[512], l[1100];
    const char *free_trade = "[{\"symbol\":\"ETHUSDT\",\"id\":2,\"orderId\":7,\"side\":\"SELL\","
                             "\"price\":\"3000.00\",\"qty\":\"0.005\",\"commission\":\"0\","
                             "\"commissionAsset\":\"\",\"time\":1765101261000}]";
    /* rescaled to the larger scale, exactly */
    build_trade(a, sizeof(a), "qty", "\"0.01\"");
    build_trade(b, sizeof(b), "qty", "\"0.005\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 2);
    assert_dec(s.qty, 15, 3);
    assert_dec(s.fee, 12, 3);
    build_trade(a, sizeof(a), "commission", "\"0.1\"");
    build_trade(b, sizeof(b), "commission", "\"0.00000001\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_OK);
    assert_dec(s.fee, 10000001, 8);
    build_trade(a, sizeof(a), "qty", "1"); /* a JSON integer is exact too */
    build_trade(b, sizeof(b), "qty", "\"0.5\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_OK);
    assert_dec(s.qty, 15, 1);
    /* the commission's sign is taken as given (UNCONFIRMED convention): no abs() */
    build_trade(a, sizeof(a), "commission", "\"-0.001\"");
    build_trade(b, sizeof(b), "commission", "\"0.003\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_OK);
    assert_dec(s.fee, 2, 3);
    SQT_ASSERT_INT_EQ(trades_of(a, "7", &s, &e), SQT_OK);
    assert_dec(s.fee, -1, 3);
    SQT_ASSERT_INT_EQ(s.one_asset, 1);
    /* mixed assets: summed, but not one asset */
    build_trade(a, sizeof(a), NULL, NULL);
    build_trade(b, sizeof(b), "commissionAsset", "\"BNB\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 2);
    SQT_ASSERT_INT_EQ(s.one_asset, 0);
    SQT_ASSERT_STR_EQ(s.fee_asset, "USDT");
    /* a free trade may name no asset: it does not split the asset; alone it names none */
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), free_trade, a), "7", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 2);
    SQT_ASSERT_INT_EQ(s.one_asset, 1);
    SQT_ASSERT_STR_EQ(s.fee_asset, "USDT");
    assert_dec(s.qty, 15, 3);
    SQT_ASSERT_INT_EQ(trades_of(free_trade, "7", &s, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(s.n, 1);
    SQT_ASSERT_INT_EQ(s.one_asset, 0);
    /* sums that do not fit are refused, not wrapped */
    build_trade(a, sizeof(a), "qty", "\"9223372036854775807\"");
    build_trade(b, sizeof(b), "qty", "\"1\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "out of range"));
    SQT_ASSERT_INT_EQ(s.n, 0);
    build_trade(a, sizeof(a), "commission", "\"922337203685477580.7\"");
    build_trade(b, sizeof(b), "commission", "\"0.01\""); /* rescaling a overflows */
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "out of range"));
    build_trade(a, sizeof(a), "commission", "\"-9223372036854775807\"");
    build_trade(b, sizeof(b), "commission", "\"-2\"");
    SQT_ASSERT_INT_EQ(trades_of(two(l, sizeof(l), a, b), "7", &s, &e), SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "out of range"));
}

static void test_user_trades_malformed(void)
{
    char buf[512], what[64];
    size_t i;
    /* every field is required */
    for (i = 0; i < sizeof(trade_fields) / sizeof(trade_fields[0]); i++) {
        snprintf(what, sizeof(what), "'%s' missing", trade_fields[i][0]);
        expect_trades_proto(build_trade(buf, sizeof(buf), trade_fields[i][0], NULL), what);
        snprintf(what, sizeof(what), "'%s'", trade_fields[i][0]);
        expect_trades_proto(build_trade(buf, sizeof(buf), trade_fields[i][0], "[]"), what);
    }
    expect_trades_proto(build_trade(buf, sizeof(buf), "qty", "\"0\""), "> 0");
    expect_trades_proto(build_trade(buf, sizeof(buf), "qty", "\"-0.010\""), "> 0");
    expect_trades_proto(build_trade(buf, sizeof(buf), "price", "\"0\""), "> 0");
    /* floats lose their exact text: refused */
    expect_trades_proto(build_trade(buf, sizeof(buf), "qty", "0.01"), "'qty'");
    expect_trades_proto(build_trade(buf, sizeof(buf), "commission", "0.006"), "'commission'");
    expect_trades_proto(build_trade(buf, sizeof(buf), "commission", "\"6e-3\""), "'commission'");
    expect_trades_proto(build_trade(buf, sizeof(buf), "commission", "\"99999999999999999999\""),
                        "out of range");
    expect_trades_proto(build_trade(buf, sizeof(buf), "commissionAsset", "\"ABCDEFGHIJKLMNOP\""),
                        "too long");
    expect_trades_proto(build_trade(buf, sizeof(buf), "commissionAsset", "\"\""),
                        "without commissionAsset");
    expect_trades_proto(build_trade(buf, sizeof(buf), "side", "\"BOTH\""), "side");
    expect_trades_proto(build_trade(buf, sizeof(buf), "orderId", "\"7x\""), "'orderId'");
    expect_trades_proto(build_trade(buf, sizeof(buf), "symbol", "7"), "'symbol'");
    /* a bad element anywhere spoils the answer, even one of another order */
    expect_trades_proto("[" BN_USER_TRADE_1 ",7]", "userTrades[1]: not an object");
    expect_trades_proto("[" BN_USER_TRADE_1 ",{\"symbol\":\"ETHUSDT\"}]", "userTrades[1]");
    expect_trades_proto("{}", "not an array");
    expect_trades_proto("{\"code\":-1102,\"msg\":\"Mandatory parameter\"}", "not an array");
    expect_trades_proto("", "empty");
    expect_trades_proto("<html>502</html>", "not JSON");
    expect_trades_proto("[" BN_USER_TRADE_1, "not JSON");
    /* an order id given as a string of digits is still that order */
    {
        sqt_bn_trade_sum s;
        sqt_error e;
        SQT_ASSERT_INT_EQ(trades_of(build_trade(buf, sizeof(buf), "orderId", "\"7\""), "7", &s,
                                    &e), SQT_OK);
        SQT_ASSERT_INT_EQ(s.n, 1);
        SQT_ASSERT_INT_EQ(sqt_bn_parse_user_trades(buf, strlen(buf), "ETHUSDT", "7", &s, NULL),
                          SQT_OK);
    }
}

/* ---- stream messages --------------------------------------------------------- */

static void test_order_push(void)
{
    sqt_order o;
    sqt_error e;
    char key[64];
    int kind = -1;
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(BN_PUSH_PARTIAL, LEN(BN_PUSH_PARTIAL), "x-zdfVM8vY",
                                              &kind, &o, key, sizeof(key), &e), SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_ORDER);
    SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(o.client_id, "302155_B_1765101259001");
    SQT_ASSERT_STR_EQ(o.order_id, "8389765537712345678");
    SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_PARTIALLY_FILLED);
    SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_POST_ONLY);
    assert_dec(o.qty, 10, 3);
    assert_dec(o.price, 302155, 2);
    assert_dec(o.filled_qty, 4, 3);       /* z, cumulative */
    assert_dec(o.last_fill_qty, 4, 3);    /* l */
    assert_dec(o.last_fill_price, 302155, 2);
    assert_dec(o.avg_price, 302155, 2);
    assert_dec(o.fee, 241724, 8);         /* n, this fill */
    SQT_ASSERT_STR_EQ(o.fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(o.realized_pnl.mant, 0);
    SQT_ASSERT_INT_EQ(o.update_time_ms, 1765101261000LL); /* T */
    SQT_ASSERT_INT_EQ(o.seq, 1765101261002LL);            /* E orders events */
}

static void test_order_push_variants(void)
{
    sqt_order o;
    sqt_error e;
    char key[80];
    int kind;
    const char *expired_in_match =
        "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":10,\"T\":9,\"o\":{\"s\":\"ETHUSDT\",\"c\":\"c1\",\"S\":\"SELL\","
        "\"q\":\"0.010\",\"p\":\"3030.00\",\"X\":\"EXPIRED_IN_MATCH\",\"i\":5,\"z\":\"0.002\",\"R\":true,"
        "\"rp\":\"-0.12\"}}";
    const char *no_z = "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":10,\"o\":{\"s\":\"ETHUSDT\",\"c\":\"c1\","
                       "\"S\":\"SELL\",\"q\":\"0.010\",\"p\":\"3030.00\",\"X\":\"NEW\",\"i\":5}}";
    const char *wrapped = "{\"stream\":\"k\",\"data\":{\"e\":\"listenKeyExpired\",\"E\":1,"
                          "\"listenKey\":\"abc\"}}";
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(expired_in_match, strlen(expired_in_match), "", &kind,
                                              &o, key, sizeof(key), &e), SQT_OK);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_EXPIRED);
    SQT_ASSERT_INT_EQ(o.reduce_only, 1);
    assert_dec(o.filled_qty, 2, 3); /* a partly filled expired order keeps its fill */
    assert_dec(o.realized_pnl, -12, 2);
    SQT_ASSERT_INT_EQ(o.last_fill_qty.mant, 0);
    SQT_ASSERT_STR_EQ(o.fee_asset, "");
    SQT_ASSERT_INT_EQ(o.update_time_ms, 9);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(no_z, strlen(no_z), "", &kind, &o, key, sizeof(key),
                                              &e), SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "'z'"));
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_OTHER);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(wrapped, strlen(wrapped), "", &kind, &o, key,
                                              sizeof(key), &e), SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_EXPIRED);
    SQT_ASSERT_STR_EQ(key, "abc");
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(TXT("{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"a\":{}}"), "",
                                              &kind, &o, key, sizeof(key), &e), SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_OTHER);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(TXT("{\"x\":1}"), "", &kind, &o, key, sizeof(key), &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(TXT("pong"), "", &kind, &o, key, sizeof(key), &e),
                      SQT_EPROTO);
}

static void test_market_messages(void)
{
    sqt_price_tick t;
    sqt_kline k;
    sqt_error e;
    int64_t id = 0;
    int kind, failed = 0;
    char wrapped[1024];
    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(BN_AGG_TRADE, LEN(BN_AGG_TRADE), &kind, &t, &k, &id,
                                          &failed, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_MK_TRADE);
    SQT_ASSERT_STR_EQ(t.symbol, "ETHUSDT");
    assert_dec(t.price, 302156, 2);
    SQT_ASSERT_INT_EQ(t.time_ms, 1765101260099LL);
    SQT_ASSERT_INT_EQ(t.seq, 2210334455LL);

    snprintf(wrapped, sizeof(wrapped), "{\"stream\":\"ethusdt@kline_1m\",\"data\":%s}", BN_KLINE_PUSH);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(wrapped, strlen(wrapped), &kind, &t, &k, &id, &failed, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_MK_KLINE);
    SQT_ASSERT_STR_EQ(k.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(k.interval, "1m");
    SQT_ASSERT_INT_EQ(k.closed, 1);
    SQT_ASSERT_INT_EQ(k.open_time_ms, 1765101240000LL);
    SQT_ASSERT_INT_EQ(k.close_time_ms, 1765101299999LL);
    assert_dec(k.open, 301910, 2);
    assert_dec(k.high, 302200, 2);
    assert_dec(k.low, 301875, 2);
    assert_dec(k.close, 302156, 2);
    assert_dec(k.volume, 812330, 3);

    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(TXT("{\"result\":null,\"id\":7}"), &kind, &t, &k, &id,
                                          &failed, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_MK_REPLY);
    SQT_ASSERT_INT_EQ(id, 7);
    SQT_ASSERT_INT_EQ(failed, 0);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(TXT("{\"error\":{\"code\":2,\"msg\":\"Invalid request\"},\"id\":8}"), &kind, &t, &k, &id, &failed, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(id, 8);
    SQT_ASSERT_INT_EQ(failed, 1);
    /* a zero or negative price never reaches the engine */
    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(TXT("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"ETHUSDT\",\"p\":\"0\"}"),
                                          &kind, &t, &k, &id, &failed, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_MK_OTHER);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(TXT("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"ETHUSDT\",\"p\":3021.5}"),
                                          &kind, &t, &k, &id, &failed, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bn_parse_market(TXT("{\"e\":\"bookTicker\",\"s\":\"ETHUSDT\"}"), &kind, &t, &k,
                                          &id, &failed, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_MK_OTHER);
}

static void test_reply_lists_all(void)
{
    const char *const want[] = {"ethusdt@aggTrade"};
    const char *const want2[] = {"ethusdt@aggtrade", "btcusdt@kline_1m"};
    const char *r = "{\"result\":[\"ethusdt@aggTrade\"],\"id\":1}";
    CU_ASSERT_TRUE(sqt_bn_reply_lists_all(r, strlen(r), want, 1));
    CU_ASSERT_FALSE(sqt_bn_reply_lists_all(r, strlen(r), want2, 2));
    CU_ASSERT_FALSE(sqt_bn_reply_lists_all(TXT("{\"result\":null,\"id\":1}"), want, 1));
    CU_ASSERT_FALSE(sqt_bn_reply_lists_all(TXT("junk"), want, 1));
}

/* ---- error classes ------------------------------------------------------------ */

static void test_error_codes(void)
{
    static const struct {
        long code;
        int cls;
    } map[] = {{-1003, SQT_ERATE_LIMITED}, {-1015, SQT_ERATE_LIMITED}, {-1008, SQT_ERATE_LIMITED},
               {-5022, SQT_EPOST_ONLY},     {-2019, SQT_EMARGIN},       {-2018, SQT_EMARGIN},
               {-2011, SQT_EUNKNOWN_ORDER}, {-2013, SQT_EUNKNOWN_ORDER}, {-1021, SQT_ETIMESTAMP},
               {-5028, SQT_ETIMESTAMP},     {-1002, SQT_EAUTH},         {-1022, SQT_EAUTH},
               {-2014, SQT_EAUTH},          {-2015, SQT_EAUTH},         {-4061, SQT_EPOSITION_MODE},
               {-4116, SQT_EDUP_CLIENT_ID}, {-1013, SQT_ERULES},        {-1111, SQT_ERULES},
               {-4003, SQT_ERULES},         {-4004, SQT_ERULES},        {-4014, SQT_ERULES},
               {-4015, SQT_ERULES},         {-4164, SQT_ERULES},        {-2022, SQT_ERULES},
               {-4016, SQT_ERULES},         {-4024, SQT_ERULES},        {-4023, SQT_ERULES},
               {-1006, SQT_EUNKNOWN_STATUS}, {-1007, SQT_EUNKNOWN_STATUS},
               {-1121, SQT_EEXCHANGE},      {-1125, SQT_EEXCHANGE},     {-9999, SQT_EEXCHANGE}};
    size_t i;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        char body[96], code[16];
        sqt_error e;
        int rc;
        snprintf(body, sizeof(body), "{\"code\":%ld,\"msg\":\"m%ld\"}", map[i].code, map[i].code);
        snprintf(code, sizeof(code), "%ld", map[i].code);
        SQT_ASSERT_INT_EQ(sqt_bn_code_class(map[i].code), map[i].cls);
        rc = sqt_bn_classify(400, body, strlen(body), NULL, 0, &e);
        if (rc != map[i].cls)
            fprintf(stderr, "    code %ld\n", map[i].code);
        SQT_ASSERT_INT_EQ(rc, map[i].cls);
        SQT_ASSERT_INT_EQ(e.code, map[i].cls);
        SQT_ASSERT_STR_EQ(e.exch_code, code);
        snprintf(body, sizeof(body), "m%ld", map[i].code);
        SQT_ASSERT_STR_EQ(e.message, body);
        SQT_ASSERT_INT_EQ(e.http_status, 400);
    }
}

static void test_classify_http(void)
{
    sqt_error e;
    const int64_t now = 1700000000000LL;
    const char *ban = "{\"code\":-1003,\"msg\":\"Way too many requests; IP(1.2.3.4) banned until "
                      "1700000600000. Please use the websocket for live updates to avoid bans.\"}";
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT("{}"), NULL, now, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT("{\"code\":200,\"msg\":\"success\"}"), NULL, now, &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(e.message, "");
    /* HTTP 200 carrying an error object is an error */
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT("{\"code\":-2011,\"msg\":\"Unknown order sent.\"}"),
                                      NULL, now, &e), SQT_EUNKNOWN_ORDER);
    /* ... also when the key is spelled with an escape (the DOM decodes it) */
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT("{\"\\u0063ode\":-2011,\"msg\":\"Unknown order sent.\"}"),
                                      NULL, now, &e), SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(e.exch_code, "-2011");
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT(" {\"msg\":\"x\",\"code\" : -1021}"), NULL, now, &e),
                      SQT_ETIMESTAMP);
    /* a success without a "code" key is one without a parse; an order, a batch whose
     * element failed (the array is the answer, the operation reads the element), a
     * "code" inside a string, not JSON at all */
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT(BN_ORDER_NEW), NULL, now, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(e.message, "");
    SQT_ASSERT_INT_EQ(e.http_status, 200);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT("[{\"code\":-2022,\"msg\":\"x\"}]"), NULL, now, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, TXT("{\"msg\":\"\\\"code\\\":-1\"}"), NULL, now, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(204, TXT("not json"), NULL, now, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(e.message, "");
    SQT_ASSERT_INT_EQ(sqt_bn_classify(200, NULL, 0, NULL, now, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(429, TXT("{\"code\":-1003,\"msg\":\"Too many requests\"}"), "7",
                                      now, &e), SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 7000);
    SQT_ASSERT_STR_EQ(e.exch_code, "-1003");
    SQT_ASSERT_INT_EQ(sqt_bn_classify(429, TXT(""), NULL, now, &e), SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 0);
    /* 418: the ban end from the message wins over the header */
    SQT_ASSERT_INT_EQ(sqt_bn_classify(418, ban, strlen(ban), "120", now, &e), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 600000);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(418, TXT(""), "120", now, &e), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(e.retry_after_ms, 120000);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(418, TXT(""), NULL, now, &e), SQT_EBANNED);
    CU_ASSERT_TRUE(e.retry_after_ms > 0);
    /* "banned until" in a 429 body is a ban too */
    SQT_ASSERT_INT_EQ(sqt_bn_classify(429, ban, strlen(ban), NULL, now, &e), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(503, TXT("{\"code\":-1000,\"msg\":\"Unknown error, please check "
                                      "your request or try again later.\"}"), NULL, now, &e),
                      SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(503, TXT("{\"code\":-1008,\"msg\":\"Request throttled by "
                                      "system-level protection.\"}"), NULL, now, &e),
                      SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(502, TXT("<html>Bad Gateway</html>"), NULL, now, &e),
                      SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_STR_EQ(e.message, "<html>Bad Gateway</html>");
    SQT_ASSERT_INT_EQ(sqt_bn_classify(408, TXT(""), NULL, now, &e), SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_STR_EQ(e.message, "HTTP 408");
    SQT_ASSERT_INT_EQ(sqt_bn_classify(401, TXT(""), NULL, now, &e), SQT_EAUTH);
    SQT_ASSERT_INT_EQ(sqt_bn_classify(403, TXT(""), NULL, now, &e), SQT_EEXCHANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "firewall"));
    SQT_ASSERT_INT_EQ(sqt_bn_classify(400, TXT("{\"code\":-1102,\"msg\":\"Mandatory parameter\"}"),
                                      NULL, now, &e), SQT_EEXCHANGE);
    SQT_ASSERT_STR_EQ(e.exch_code, "-1102");
    SQT_ASSERT_STR_EQ(e.message, "Mandatory parameter");
}

/* ---- robustness: every parser on every truncation and many mutations ---------- */

static void run_all_parsers(const char *s, size_t n)
{
    sqt_symbol_info info;
    sqt_bn_limits lim;
    sqt_account a;
    sqt_position p[4];
    sqt_order o, *os = NULL;
    sqt_bn_item it[5];
    sqt_kline k, *ks = NULL;
    sqt_price_tick t;
    sqt_bn_trade_sum ts;
    char key[64];
    size_t cnt;
    int64_t v;
    int kind, failed, hedge;
    sqt_error e;
    const char *const want[] = {"ethusdt@aggTrade"};
    sqt_bn_parse_exchange_info(s, n, "ETHUSDT", &info, &lim, &e);
    sqt_bn_parse_server_time(s, n, &v, NULL);
    sqt_bn_parse_listen_key(s, n, key, sizeof(key), &e);
    sqt_bn_parse_position_mode(s, n, &hedge, &e);
    sqt_bn_parse_account(s, n, "USDT", "ETHUSDT", &a, &e);
    sqt_bn_parse_positions(s, n, "ETHUSDT", p, 4, &cnt, &e);
    sqt_bn_parse_order(s, n, "x-zdfVM8vY", &o, &e);
    if (sqt_bn_parse_orders(s, n, "ETHUSDT", "x", &os, &cnt, &e) == SQT_OK)
        free(os);
    sqt_bn_parse_batch(s, n, 1, "", it, &e);
    if (sqt_bn_parse_user_trades(s, n, "ETHUSDT", OID, &ts, &e) == SQT_OK) {
        CU_ASSERT_TRUE(ts.qty.mant >= 0 && (ts.n > 0) == (ts.qty.mant > 0) &&
                       (!ts.one_asset || ts.fee_asset[0] != '\0'));
    } else {
        CU_ASSERT_TRUE(ts.n == 0 && e.code == SQT_EPROTO);
    }
    if (sqt_bn_parse_klines(s, n, "ETHUSDT", TXT("1m"), &ks, &cnt, &e) == SQT_OK)
        free(ks);
    if (sqt_bn_parse_user_event(s, n, "", &kind, &o, key, sizeof(key), &e) == SQT_OK &&
        kind == SQT_BN_EV_ORDER)
        CU_ASSERT_TRUE(o.status >= SQT_ORDER_NEW && o.status <= SQT_ORDER_REJECTED);
    if (sqt_bn_parse_market(s, n, &kind, &t, &k, &v, &failed, &e) == SQT_OK &&
        kind == SQT_BN_MK_TRADE)
        CU_ASSERT_TRUE(t.price.mant > 0);
    sqt_bn_reply_lists_all(s, n, want, 1);
    sqt_bn_classify(400, s, n, s, 0, &e);
}

static void test_robust_truncations(void)
{
    static const char *const samples[] = {BN_EXCHANGE_INFO, BN_ACCOUNT,   BN_POSITION_RISK,
                                          BN_ORDER_NEW,     BN_PUSH_PARTIAL, BN_AGG_TRADE,
                                          BN_KLINE_PUSH,    BN_KLINES_REST, BN_USER_TRADES,
                                          BN_USER_TRADES_DOC};
    size_t i, n;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        for (n = 0; n <= strlen(samples[i]); n += (n < 200 ? 1 : 7))
            run_all_parsers(samples[i], n);
}

static void test_robust_mutations(void)
{
    static const char *const samples[] = {BN_ORDER_NEW, BN_PUSH_PARTIAL, BN_AGG_TRADE,
                                          BN_KLINE_PUSH, BN_POSITION_RISK, BN_USER_TRADES};
    static const char junk[] = "\"{}[]:,0-9.eE+\\ \x01\xff" "ntf";
    uint32_t seed = 12345;
    char buf[2048];
    int round;
    size_t i;
    for (round = 0; round < 3000; round++) {
        const char *s = samples[round % (int)(sizeof(samples) / sizeof(samples[0]))];
        size_t n = strlen(s);
        int flips;
        memcpy(buf, s, n + 1);
        for (flips = 0; flips < 1 + round % 4; flips++) {
            seed = seed * 1103515245u + 12345u;
            i = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            buf[i] = junk[(seed >> 8) % (sizeof(junk) - 1)];
        }
        run_all_parsers(buf, n);
    }
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"exchangeInfo", test_exchange_info},
        {"exchangeInfo errors", test_exchange_info_errors},
        {"exchangeInfo malformed", test_exchange_info_malformed},
        {"time, position mode, listenKey", test_time_mode_key},
        {"account", test_account},
        {"positions", test_positions},
        {"order", test_order},
        {"order statuses", test_order_statuses},
        {"open orders list", test_orders_list},
        {"batch mixed results", test_batch_mixed},
        {"userTrades", test_user_trades},
        {"userTrades: exact sums, signs, assets", test_user_trades_sums},
        {"userTrades malformed", test_user_trades_malformed},
        {"klines REST", test_klines_rest},
        {"ORDER_TRADE_UPDATE", test_order_push},
        {"user event variants", test_order_push_variants},
        {"market messages", test_market_messages},
        {"LIST_SUBSCRIPTIONS reply", test_reply_lists_all},
        {"error codes", test_error_codes},
        {"HTTP classification", test_classify_http},
        {"robust: truncations", test_robust_truncations},
        {"robust: mutations", test_robust_mutations},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("binance_parse", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
