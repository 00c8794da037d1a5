/* Bitget parsers: every answer and push type of the spec, every error class, and
 * robustness: every truncation and thousands of byte mutations of every sample give
 * an error or a valid result, never a crash (ASan/UBSan in the sanitizer build). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parse_fx.h"
#include "samples.h"
#include "sqt_test.h"

#define TXT(s) s, strlen(s)

static void assert_dec(sqt_dec d, int64_t mant, int32_t scale)
{
    sqt_dec n = sqt_dec_normalize(d);
    SQT_ASSERT_INT_EQ(n.mant, mant);
    SQT_ASSERT_INT_EQ(n.scale, scale);
}

/* ---- errors --------------------------------------------------------------------- */

static void test_classify(void)
{
    sqt_error e;
    sqt_bg_classify(200, TXT(BG_PLACE_ACK), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_OK);
    sqt_bg_classify(400, TXT(BG_ERROR), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EMARGIN);
    SQT_ASSERT_STR_EQ(e.exch_code, "40762");
    SQT_ASSERT_STR_EQ(e.message, "The order amount exceeds the balance");
    SQT_ASSERT_INT_EQ(e.http_status, 400);
    sqt_bg_classify(429, TXT("{\"code\":\"429\",\"msg\":\"Too Many Requests\"}"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_ERATE_LIMITED);
    CU_ASSERT(e.retry_after_ms > 0);
    sqt_bg_classify(429, TXT("<html>slow down</html>"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_ERATE_LIMITED);
    sqt_bg_classify(400, TXT("{\"code\":\"1001\",\"msg\":\"throttled\"}"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_ERATE_LIMITED);
    sqt_bg_classify(502, TXT("bad gateway"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_STATUS);
    /* a 5xx with a code of its own is still an unknown outcome (the order may exist) */
    sqt_bg_classify(503, TXT("{\"code\":\"40725\",\"msg\":\"service return an error\"}"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_STR_EQ(e.exch_code, "40725");
    sqt_bg_classify(200, TXT("{\"foo\":1}"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EPROTO);
    /* a code in a 200 answer still fails */
    sqt_bg_classify(200, TXT("{\"code\":\"40768\",\"msg\":\"Order does not exist\"}"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_ORDER);
    sqt_bg_classify(400, TXT("{\"code\":40786,\"msg\":\"Duplicate clientOid\"}"), &e);
    SQT_ASSERT_INT_EQ(e.code, SQT_EDUP_CLIENT_ID);
    SQT_ASSERT_STR_EQ(e.exch_code, "40786");
}

static void test_code_table(void)
{
    static const struct {
        const char *code, *msg;
        int cls;
    } t[] = {
        {"40001", "", SQT_EAUTH},          {"40006", "", SQT_EAUTH},
        {"40009", "sign error", SQT_EAUTH}, {"40010", "", SQT_EAUTH},
        {"40012", "", SQT_EAUTH},          {"40018", "", SQT_EAUTH},
        {"40004", "", SQT_ETIMESTAMP},     {"40008", "", SQT_ETIMESTAMP},
        {"40005", "", SQT_ETIMESTAMP},     {"40007", "Content-Type", SQT_EEXCHANGE},
        {"40304", "parameter type", SQT_EEXCHANGE},
        {"40708", "parameter verification is abnormal", SQT_EEXCHANGE},
        {"40708", "duplicate clientOid", SQT_EDUP_CLIENT_ID},
        {"43118", "Duplicate data", SQT_EDUP_CLIENT_ID},
        {"40709", "automatic margin call", SQT_EEXCHANGE},
        {"22002", "No position to close", SQT_ERULES},
        {"40305", "clientOid too long", SQT_EINVAL},
        {"40711", "", SQT_EMARGIN},        {"40712", "", SQT_EMARGIN},
        {"43012", "", SQT_EMARGIN},        {"40768", "", SQT_EUNKNOWN_ORDER},
        {"43001", "", SQT_EUNKNOWN_ORDER}, {"22001", "", SQT_EUNKNOWN_ORDER},
        {"40774", "", SQT_EPOSITION_MODE}, {"40808", "", SQT_ERULES},
        {"41103", "", SQT_ERULES},         {"45110", "less than 5 USDT", SQT_ERULES},
        {"45111", "", SQT_ERULES},         {"45113", "", SQT_ERULES},
        {"41114", "maintenance", SQT_ESTATE}, {"43115", "", SQT_ESTATE},
        {"40099", "The order would take liquidity as post only", SQT_EPOST_ONLY},
        {"99999", "something else", SQT_EEXCHANGE},
    };
    size_t i;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int got = sqt_bg_code_class(t[i].code, t[i].msg);
        if (got != t[i].cls)
            fprintf(stderr, "    code %s (%s): %d, want %d\n", t[i].code, t[i].msg, got,
                    t[i].cls);
        SQT_ASSERT_INT_EQ(got, t[i].cls);
    }
}

/* ---- REST answers ------------------------------------------------------------------ */

static void test_server_time(void)
{
    int64_t ms = 0;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_server_time(TXT(BG_TIME), &ms, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(ms, INT64_C(1735000000250));
}

static void test_contract(void)
{
    sqt_symbol_info info;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_contract(TXT(BG_CONTRACTS), "ETHUSDT", &info, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(info.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(info.base_asset, "ETH");
    SQT_ASSERT_STR_EQ(info.quote_asset, "USDT");
    /* tick = priceEndStep x 10^-pricePlace: 5 x 0.01 (bitget.md 9.8) */
    SQT_ASSERT_INT_EQ(info.tick_size.mant, 5);
    SQT_ASSERT_INT_EQ(info.tick_size.scale, 2);
    assert_dec(info.step_size, 1, 2);
    assert_dec(info.min_qty, 1, 2);
    assert_dec(info.min_notional, 5, 0);
    assert_dec(info.contract_multiplier, 1, 0);
    SQT_ASSERT_INT_EQ(info.max_open_orders, 400);
    SQT_ASSERT_INT_EQ(info.max_batch_place, 50);
    SQT_ASSERT_INT_EQ(info.max_batch_cancel, 50);
    SQT_ASSERT_INT_EQ(info.client_id_max_len, 50);
    SQT_ASSERT_INT_EQ(info.struct_size, sizeof(info));
    SQT_ASSERT_INT_EQ(sqt_bg_parse_contract(TXT(BG_CONTRACTS), "BTCUSDT", &info, &e), SQT_ESTATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "maintain"));
    SQT_ASSERT_INT_EQ(sqt_bg_parse_contract(TXT(BG_CONTRACTS), "XRPUSDT", &info, &e), SQT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "XRPUSDT"));
    /* a step with more decimals than volumePlace is refused, not guessed */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_contract(TXT("{\"code\":\"00000\",\"data\":[{\"symbol\":\"X\","
                                                "\"baseCoin\":\"X\",\"quoteCoin\":\"USDT\","
                                                "\"pricePlace\":2,\"priceEndStep\":\"1\","
                                                "\"volumePlace\":1,\"sizeMultiplier\":\"0.01\","
                                                "\"minTradeNum\":\"0.01\"}]}"),
                                            "X", &info, &e),
                      SQT_EPROTO);
}

static void test_account(void)
{
    sqt_bg_acct a;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_account(TXT(BG_ACCOUNT), &a, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(a.acct.asset, "USDT");
    assert_dec(a.acct.available, 500025, 2);
    assert_dec(a.acct.balance, 50125, 1);
    SQT_ASSERT_INT_EQ(a.acct.leverage, 10); /* crossed: crossedMarginLeverage (a string) */
    SQT_ASSERT_INT_EQ(a.acct.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_INT_EQ(a.isolated, 0);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_account(TXT(BG_ACCOUNT_HEDGE), &a, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(a.acct.position_mode, SQT_POSMODE_HEDGE);
    SQT_ASSERT_INT_EQ(a.acct.leverage, 5); /* a number this time */
}

static void test_positions(void)
{
    sqt_position p[4];
    size_t n = 9;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_positions(TXT(BG_POSITION), "ETHUSDT", p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    assert_dec(p[0].size, 1, 1);
    assert_dec(p[0].entry_price, 302155, 2); /* openPriceAvg (bitget.md 9.4) */
    assert_dec(p[0].unrealized_pnl, -12, 2);
    SQT_ASSERT_INT_EQ(p[0].leverage, 10);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_positions(TXT(BG_POSITION_SHORT), "ETHUSDT", p, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    assert_dec(p[0].size, -25, 2); /* holdSide short gives the sign */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_positions(TXT(BG_POSITION_FLAT), "ETHUSDT", p, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 0);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_positions(TXT(BG_POSITION), "BTCUSDT", p, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 0);
}

static void test_pending(void)
{
    sqt_order *o = NULL;
    size_t n = 0, raw = 0;
    char end[48];
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_pending(TXT(BG_PENDING), "ETHUSDT", 0, &o, &n, &raw, end,
                                           sizeof(end), &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 2);
    SQT_ASSERT_INT_EQ(raw, 2);
    SQT_ASSERT_STR_EQ(end, "1381500303017938900");
    SQT_ASSERT_STR_EQ(o[0].client_id, "sqt_302155_B_1");
    SQT_ASSERT_STR_EQ(o[0].order_id, "1381500303017938945");
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_PARTIALLY_FILLED); /* v2 words (bitget.md 9.3) */
    assert_dec(o[0].filled_qty, 4, 2);                          /* baseVolume (9.2) */
    assert_dec(o[0].qty, 1, 1);
    SQT_ASSERT_INT_EQ(o[0].side, SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(o[0].tif, SQT_TIF_POST_ONLY);
    SQT_ASSERT_INT_EQ(o[0].has_cum_fee, 1);
    assert_dec(o[0].cum_fee, 2417, 5); /* paid: positive in the SDK */
    SQT_ASSERT_STR_EQ(o[0].fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(o[1].status, SQT_ORDER_NEW);
    /* a second page appends */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_pending(TXT(BG_PENDING), "ETHUSDT", 4, &o, &n, &raw, end,
                                           sizeof(end), &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 4);
    SQT_ASSERT_STR_EQ(o[2].client_id, "302155_B_1"); /* 4 characters stripped */
    free(o);
    o = NULL;
    n = 0;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_pending(TXT(BG_PENDING_EMPTY), "ETHUSDT", 0, &o, &n, &raw,
                                           end, sizeof(end), &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 0);
    SQT_ASSERT_INT_EQ(raw, 0);
    SQT_ASSERT_STR_EQ(end, "");
    free(o);
}

static void test_detail(void)
{
    sqt_order o;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_detail(TXT(BG_DETAIL), 0, &o, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED); /* `state`, not `status` (9.1) */
    assert_dec(o.filled_qty, 1, 1);
    assert_dec(o.avg_price, 302155, 2);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 1);
    assert_dec(o.cum_fee, 60431, 6);
    SQT_ASSERT_INT_EQ(o.update_time_ms, INT64_C(1765101262000));
    /* the list's `status` key is not the detail's */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_detail(TXT("{\"code\":\"00000\",\"data\":"
                                              BG_ORDER_ITEM("1", "a", "live", "0", "0") "}"),
                                          0, &o, &e),
                      SQT_EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "state"));
}

static void test_ack_and_batch(void)
{
    char oid[48];
    sqt_bg_item it[3];
    const char *cids[3] = {"sqt_a", "sqt_b", "sqt_c"};
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ack(TXT(BG_PLACE_ACK), oid, sizeof(oid), &e), SQT_OK);
    SQT_ASSERT_STR_EQ(oid, "1381500303017938945");
    /* the one-way reduce-only quirk: no orderId */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ack(TXT("{\"code\":\"00000\",\"data\":{\"clientOid\":\"x\"}}"),
                                       oid, sizeof(oid), &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(oid, "");
    SQT_ASSERT_INT_EQ(sqt_bg_parse_batch(TXT(BG_BATCH), cids, NULL, 3, it, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(it[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(it[0].order_id, "1001");
    SQT_ASSERT_INT_EQ(it[1].err.code, SQT_EMARGIN);
    SQT_ASSERT_STR_EQ(it[1].err.exch_code, "40762");
    CU_ASSERT_PTR_NOT_NULL(strstr(it[1].err.message, "exceeds the balance"));
    SQT_ASSERT_INT_EQ(it[2].err.code, SQT_EPROTO); /* listed nowhere */
}

static void test_candles(void)
{
    sqt_kline *k = NULL;
    size_t n = 0;
    sqt_error e;
    SQT_ASSERT_STR_EQ(sqt_bg_granularity("1h"), "1H"); /* bitget.md 9.11 */
    SQT_ASSERT_STR_EQ(sqt_bg_granularity("1d"), "1D");
    SQT_ASSERT_STR_EQ(sqt_bg_granularity("1m"), "1m");
    CU_ASSERT_PTR_NULL(sqt_bg_granularity("7m"));
    SQT_ASSERT_INT_EQ(sqt_bg_parse_candles(TXT(BG_CANDLES), "ETHUSDT", "1m",
                                           INT64_C(1765101330000), &k, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 2);
    SQT_ASSERT_INT_EQ(k[0].open_time_ms, INT64_C(1765101240000)); /* sorted ascending */
    SQT_ASSERT_INT_EQ(k[0].close_time_ms, INT64_C(1765101299999));
    SQT_ASSERT_INT_EQ(k[0].closed, 1);
    SQT_ASSERT_INT_EQ(k[1].closed, 0); /* the newest is still open */
    assert_dec(k[0].close, 302156, 2);
    assert_dec(k[0].volume, 81233, 2);
    SQT_ASSERT_STR_EQ(k[1].interval, "1m");
    free(k);
}

/* ---- WebSocket --------------------------------------------------------------------- */

static void test_ws_envelope(void)
{
    sqt_bg_ws_msg m;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT("pong"), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_PONG);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT(BG_WS_LOGIN_OK), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_LOGIN);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT("{\"event\":\"login\",\"code\":\"0\",\"msg\":\"\"}"),
                                      &m, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_LOGIN);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT(BG_WS_LOGIN_FAIL), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_ERROR);
    SQT_ASSERT_INT_EQ(m.err.code, SQT_EAUTH);
    SQT_ASSERT_STR_EQ(m.err.exch_code, "30005");
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT("{\"event\":\"error\",\"code\":30006,\"msg\":\"x\"}"),
                                      &m, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(m.err.code, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT(BG_WS_SUB_ACK("ticker", "ETHUSDT")), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_SUBSCRIBED);
    SQT_ASSERT_STR_EQ(m.channel, "ticker");
    SQT_ASSERT_STR_EQ(m.inst_id, "ETHUSDT");
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT(BG_WS_TICKER), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_TICKER);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT(BG_WS_CANDLE("1765101240000", "3021.56")), &m, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_CANDLE);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT(BG_WS_ORDER_PARTIAL), &m, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(m.kind, SQT_BG_WS_ORDERS);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT("{\"foo\":1}"), &m, &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ws(TXT("png"), &m, &e), SQT_EPROTO);
}

static void test_ws_ticker_candle(void)
{
    sqt_price_tick t;
    sqt_kline k[4];
    size_t n;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ticker(TXT(BG_WS_TICKER), &t, &e), SQT_OK);
    SQT_ASSERT_STR_EQ(t.symbol, "ETHUSDT");
    assert_dec(t.price, 302156, 2);
    SQT_ASSERT_INT_EQ(t.time_ms, INT64_C(1765101260101));
    /* `last` in older samples */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_ticker(TXT("{\"arg\":{\"channel\":\"ticker\"},\"data\":[{"
                                              "\"instId\":\"ETHUSDT\",\"last\":\"3000.5\"}],"
                                              "\"ts\":5}"),
                                          &t, &e),
                      SQT_OK);
    assert_dec(t.price, 30005, 1);
    SQT_ASSERT_INT_EQ(t.time_ms, 5);
    SQT_ASSERT_INT_EQ(sqt_bg_parse_candle_push(TXT(BG_WS_CANDLE("1765101240000", "3021.56")),
                                               "1m", k, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    SQT_ASSERT_STR_EQ(k[0].symbol, "ETHUSDT");
    SQT_ASSERT_INT_EQ(k[0].closed, 0);
    assert_dec(k[0].close, 302156, 2);
    SQT_ASSERT_INT_EQ(k[0].close_time_ms, INT64_C(1765101299999));
}

/* A fill whose fee is charged in several coins (a BGB discount): the order's cumulative
 * fee is kept only when all of it is in the quote coin; otherwise cum_fee stays unset
 * and the fill's own record (fillFee in fillFeeCoin) is what the host books. */
/* An orders push with this fill's fee and the order's feeDetail parts. */
static int fee_push(const char *fill_fee, const char *fill_coin, const char *detail,
                    sqt_order *o, sqt_error *e)
{
    char msg[1024];
    size_t n;
    snprintf(msg, sizeof(msg),
             "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"ETHUSDT\","
             "\"orderId\":\"9\","
             "\"clientOid\":\"g1\",\"status\":\"partially_filled\",\"side\":\"buy\","
             "\"price\":\"3000\",\"size\":\"0.01\",\"accBaseVolume\":\"0.008\","
             "\"baseVolume\":\"0.004\",\"fillPrice\":\"3000\",\"fillFee\":\"%s\","
             "\"fillFeeCoin\":\"%s\",\"feeDetail\":%s,\"marginCoin\":\"USDT\"}]}",
             fill_fee, fill_coin, detail);
    return sqt_bg_parse_order_push(msg, strlen(msg), 0, o, 1, &n, e);
}

static void test_ws_fee_coins(void)
{
    sqt_order o;
    sqt_error e;
    /* two parts, both USDT (e.g. per deduction kind): their sum is the order's fee */
    SQT_ASSERT_INT_EQ(fee_push("-0.0024", "USDT",
                               "[{\"feeCoin\":\"USDT\",\"fee\":\"-0.0024\"},"
                               "{\"feeCoin\":\"USDT\",\"fee\":\"-0.00245\"}]", &o, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 1);
    assert_dec(o.cum_fee, 485, 5);
    SQT_ASSERT_STR_EQ(o.fee_asset, "USDT");
    /* a discount coin with nothing paid in it changes nothing */
    SQT_ASSERT_INT_EQ(fee_push("-0.0024", "USDT",
                               "[{\"feeCoin\":\"BGB\",\"fee\":\"0\"},"
                               "{\"feeCoin\":\"USDT\",\"fee\":\"-0.0048\"}]", &o, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 1);
    assert_dec(o.cum_fee, 48, 4);
    /* part of the order's fee paid in BGB: no cumulative figure, this fill's USDT fee
     * is its own record */
    SQT_ASSERT_INT_EQ(fee_push("-0.0024", "USDT",
                               "[{\"feeCoin\":\"USDT\",\"fee\":\"-0.0024\"},"
                               "{\"feeCoin\":\"BGB\",\"fee\":\"-0.0003\"}]", &o, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 0);
    assert_dec(o.fee, 24, 4);
    SQT_ASSERT_STR_EQ(o.fee_asset, "USDT");
    /* this fill charged in BGB: its record says BGB, no USDT total is claimed */
    SQT_ASSERT_INT_EQ(fee_push("-0.0003", "BGB",
                               "[{\"feeCoin\":\"USDT\",\"fee\":\"-0.0024\"},"
                               "{\"feeCoin\":\"BGB\",\"fee\":\"-0.0003\"}]", &o, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 0);
    assert_dec(o.fee, 3, 4);
    SQT_ASSERT_STR_EQ(o.fee_asset, "BGB");
    /* all in BGB: still no USDT total (the coins have no exact rate) */
    SQT_ASSERT_INT_EQ(fee_push("-0.0003", "BGB", "[{\"feeCoin\":\"BGB\",\"fee\":\"-0.0006\"}]",
                               &o, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 0);
    /* a part that is not an object is refused with its index */
    SQT_ASSERT_INT_EQ(fee_push("-0.0024", "USDT", "[{\"feeCoin\":\"USDT\",\"fee\":\"-0.0024\"},7]",
                               &o, &e),
                      SQT_EPROTO);
    SQT_ASSERT_CONTAINS(e.message, "feeDetail[1]");
}

static void test_ws_orders(void)
{
    sqt_order o[4];
    size_t n;
    sqt_error e;
    SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(TXT(BG_WS_ORDER_PARTIAL), 0, o, 4, &n, &e), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 1);
    SQT_ASSERT_STR_EQ(o[0].client_id, "sqt_302155_B_1");
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_PARTIALLY_FILLED);
    assert_dec(o[0].filled_qty, 4, 3);     /* accBaseVolume: cumulative */
    assert_dec(o[0].last_fill_qty, 4, 3);  /* baseVolume: this fill */
    assert_dec(o[0].last_fill_price, 302155, 2);
    assert_dec(o[0].fee, 241724, 8);       /* fillFee -0.00241724: paid */
    SQT_ASSERT_STR_EQ(o[0].fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(o[0].has_cum_fee, 1);
    assert_dec(o[0].cum_fee, 241724, 8);
    SQT_ASSERT_INT_EQ(o[0].update_time_ms, INT64_C(1765101261000));
    /* the second fill: cumulative 0.01, this fill 0.006 */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(TXT(BG_WS_ORDER("filled", "0.01", "0.006",
                                                              "3021.55", "-0.00362586",
                                                              "-0.0060431")),
                                              0, o, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_FILLED);
    assert_dec(o[0].last_fill_qty, 6, 3);
    assert_dec(o[0].cum_fee, 60431, 7);
    /* a cancel push without a fill: no fill fields */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(TXT(BG_WS_ORDER("cancelled", "0", "0", "", "",
                                                              "0")),
                                              0, o, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_CANCELED);
    SQT_ASSERT_INT_EQ(o[0].last_fill_qty.mant, 0);
    SQT_ASSERT_INT_EQ(o[0].fee.mant, 0);
    /* the docs' clientOId spelling */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(TXT("{\"arg\":{\"channel\":\"orders\"},\"data\":[{"
                                                  "\"instId\":\"ETHUSDT\",\"orderId\":\"1\","
                                                  "\"clientOId\":\"abc\",\"status\":\"live\","
                                                  "\"side\":\"sell\",\"price\":\"1\","
                                                  "\"size\":\"1\"}]}"),
                                              0, o, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(o[0].client_id, "abc");
    SQT_ASSERT_INT_EQ(o[0].side, SQT_SIDE_SELL);
    /* a post-only order cancelled instead of taking: EXPIRED */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(TXT("{\"arg\":{\"channel\":\"orders\"},\"data\":[{"
                                                  "\"instId\":\"ETHUSDT\",\"orderId\":\"1\","
                                                  "\"clientOid\":\"abc\",\"status\":\"canceled\","
                                                  "\"side\":\"buy\",\"price\":\"1\",\"size\":\"1\","
                                                  "\"force\":\"post_only\",\"accBaseVolume\":\"0\","
                                                  "\"cancelReason\":\"post_only_cancel\"}]}"),
                                              0, o, 4, &n, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(o[0].status, SQT_ORDER_EXPIRED);
    /* filled more than the size: refused */
    SQT_ASSERT_INT_EQ(sqt_bg_parse_order_push(TXT(BG_WS_ORDER("filled", "0.02", "0.02",
                                                              "3021.55", "-1", "-1")),
                                              0, o, 4, &n, &e),
                      SQT_EPROTO);
    SQT_ASSERT_INT_EQ(n, 0);
}

/* ---- robustness -------------------------------------------------------------------- */

static void run_all(const char *s, size_t len)
{
    sqt_symbol_info info;
    sqt_bg_acct a;
    sqt_position p[4];
    sqt_order *orders = NULL, o, os[4];
    sqt_kline *k = NULL, ks[4];
    sqt_price_tick t;
    sqt_bg_ws_msg m;
    sqt_bg_item items[3];
    const char *cids[3] = {"sqt_a", "sqt_b", "sqt_c"};
    char buf[64];
    size_t n = 0, raw;
    int64_t ms;
    sqt_error e;
    sqt_bg_classify(400, s, len, &e);
    CU_ASSERT(e.code != SQT_OK || len > 0);
    sqt_bg_parse_server_time(s, len, &ms, &e);
    if (sqt_bg_parse_contract(s, len, "ETHUSDT", &info, &e) == SQT_OK)
        CU_ASSERT(info.tick_size.mant > 0 && info.step_size.mant > 0);
    sqt_bg_parse_account(s, len, &a, &e);
    if (sqt_bg_parse_positions(s, len, "ETHUSDT", p, 4, &n, &e) == SQT_OK)
        CU_ASSERT(n <= 4);
    n = 0;
    sqt_bg_parse_pending(s, len, "ETHUSDT", 0, &orders, &n, &raw, buf, sizeof(buf), &e);
    free(orders);
    if (sqt_bg_parse_detail(s, len, 0, &o, &e) == SQT_OK)
        CU_ASSERT(o.status != SQT_ORDER_UNKNOWN);
    sqt_bg_parse_ack(s, len, buf, sizeof(buf), &e);
    sqt_bg_parse_batch(s, len, cids, NULL, 3, items, &e);
    if (sqt_bg_parse_candles(s, len, "ETHUSDT", "1m", 0, &k, &n, &e) == SQT_OK)
        free(k);
    sqt_bg_parse_ws(s, len, &m, &e);
    sqt_bg_parse_ticker(s, len, &t, &e);
    sqt_bg_parse_candle_push(s, len, "1m", ks, 4, &n, &e);
    if (sqt_bg_parse_order_push(s, len, 0, os, 4, &n, &e) == SQT_OK && n > 0)
        CU_ASSERT(os[0].qty.mant > 0);
}

static const char *const samples[] = {
    BG_TIME, BG_CONTRACTS, BG_ACCOUNT, BG_ACCOUNT_HEDGE, BG_POSITION, BG_POSITION_SHORT,
    BG_PENDING, BG_PENDING_EMPTY, BG_DETAIL, BG_PLACE_ACK, BG_BATCH, BG_ERROR, BG_CANDLES,
    BG_WS_TICKER, BG_WS_CANDLE("1765101240000", "3021.56"), BG_WS_ORDER_PARTIAL,
    BG_WS_LOGIN_OK, BG_WS_LOGIN_FAIL, BG_WS_SUB_ACK("orders", "default")};

static void test_truncations(void)
{
    pfx_truncations(samples, sizeof(samples) / sizeof(samples[0]), run_all);
}

static void test_mutations(void)
{
    /* 19 samples x 400: 7600 mutants */
    pfx_mutations(samples, sizeof(samples) / sizeof(samples[0]), 12345u, 400, run_all);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"classify answers", test_classify},
        {"error code table", test_code_table},
        {"server time", test_server_time},
        {"contracts: exact tick and step", test_contract},
        {"account", test_account},
        {"positions", test_positions},
        {"orders-pending", test_pending},
        {"order detail", test_detail},
        {"place ack and batch lists", test_ack_and_batch},
        {"candles", test_candles},
        {"ws envelope", test_ws_envelope},
        {"ws ticker and candle", test_ws_ticker_candle},
        {"ws orders", test_ws_orders},
        {"ws orders: a fee charged in several coins", test_ws_fee_coins},
        {"every truncation", test_truncations},
        {"byte mutations", test_mutations},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("bitget_parse", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
