/* Start-up safety check (E15) and risk monitor (E16, §11 #37 fixes). */
#include <string.h>

#include "precheck.h"
#include "risk.h"
#include "sqt_test.h"
#include "suggest.h"

static sqt_dec D(const char *s)
{
    sqt_dec d;
    CU_ASSERT_EQUAL_FATAL(sqt_dec_parse(s, strlen(s), &d), SQT_OK);
    return d;
}

static sqt_precheck_in e15(void)
{
    sqt_precheck_in in;
    memset(&in, 0, sizeof(in));
    in.first_price = D("3000");
    in.order_quantity = D("30");
    in.price_interval = D("2");
    in.fee_rate = D("0.0002");
    in.required_positions = 100;
    in.max_leverage = 10;
    in.available = D("1000");
    in.leverage = 10;
    in.position = D("0");
    return in;
}

static void test_e15_pass(void)
{
    sqt_precheck_in in = e15();
    sqt_precheck_out out;
    char why[256] = "";
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), 0);
    SQT_ASSERT_INT_EQ(out.max_positions, 333);
    CU_ASSERT_TRUE(out.fee_ok);
    /* net per trip 0.007996 truncated to the common scale (4) */
    SQT_ASSERT_STR_EQ(out.net_per_trip, "0.0079");
}

static void test_e15_fee_too_high(void)
{
    sqt_precheck_in in = e15();
    sqt_precheck_out out;
    char why[256] = "";
    in.fee_rate = D("0.0004");
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), -1);
    CU_ASSERT_FALSE(out.fee_ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "loses money"));
    /* §11 #36: a position no longer skips the fee check */
    in.position = D("0.05");
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), -1);
}

static void test_e15_capacity_and_leverage(void)
{
    sqt_precheck_in in = e15();
    sqt_precheck_out out;
    char why[256] = "";
    in.available = D("200");
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), -1);
    SQT_ASSERT_INT_EQ(out.max_positions, 66);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "66 buy orders, 100 required"));
    /* with a position the capacity is advisory only */
    in.position = D("0.01");
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), 0);
    in = e15();
    in.leverage = 20;
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "leverage 20"));
    /* unknown leverage is assumed 1 and flagged: 1000*1/30 = 33 < 100 */
    in.leverage = 0;
    SQT_ASSERT_INT_EQ(sqt_precheck_run(&in, &out, why, sizeof(why)), -1);
    CU_ASSERT_TRUE(out.leverage_unknown);
    SQT_ASSERT_INT_EQ(out.max_positions, 33);
}

static sqt_kline K(const char *sym, int64_t minute, const char *close, const char *vol, int closed)
{
    sqt_kline k;
    memset(&k, 0, sizeof(k));
    strcpy(k.symbol, sym);
    strcpy(k.interval, "1m");
    k.open_time_ms = minute * 60000;
    k.close_time_ms = minute * 60000 + 59999;
    k.close = D(close);
    k.volume = D(vol);
    k.closed = closed;
    return k;
}

static sqt_risk *one_symbol(int threshold, int64_t min_pause)
{
    static const char *syms[] = {"BTCUSDT"};
    sqt_risk_params p;
    memset(&p, 0, sizeof(p));
    p.symbols = syms;
    p.n_symbols = 1;
    p.window = 3;
    p.volume_multiplier = 3.0;
    p.recovery_threshold = threshold;
    p.min_pause_ms = min_pause;
    return sqt_risk_new(&p);
}

static void feed_e16_history(sqt_risk *r)
{
    sqt_kline k;
    k = K("BTCUSDT", 1, "100", "10", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 0), SQT_RISK_NONE);
    k = K("BTCUSDT", 2, "100", "10", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 0), SQT_RISK_NONE);
    k = K("BTCUSDT", 3, "101", "12", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 0), SQT_RISK_NONE);
    k = K("BTCUSDT", 4, "102", "14", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 0), SQT_RISK_NONE);
}

/* E16: open c5 99/40 against AvgP 101, AvgV 12 -> panic -> trigger. The original then
 * recovered on the very next push from the old closed c4 (§11 #37); the fix only
 * counts candles closed after the trigger. */
static void test_e16_trigger_no_flip(void)
{
    sqt_risk *r = one_symbol(1, 0);
    sqt_kline k;
    int64_t t_trig = 5 * 60000 + 10000;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    feed_e16_history(r);
    k = K("BTCUSDT", 5, "99", "40", 0);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, t_trig), SQT_RISK_TRIGGERED);
    CU_ASSERT_TRUE(sqt_risk_triggered(r));
    k = K("BTCUSDT", 5, "98", "45", 0);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, t_trig + 5000), SQT_RISK_NONE);
    CU_ASSERT_TRUE(sqt_risk_triggered(r));
    /* the crash candle closes: still a panic candle, not a recovery */
    k = K("BTCUSDT", 5, "97", "50", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 6 * 60000), SQT_RISK_NONE);
    /* a normal candle closed after the trigger: averages over c3..c5 = 100/25.33 */
    k = K("BTCUSDT", 6, "101", "20", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 7 * 60000), SQT_RISK_RECOVERED);
    CU_ASSERT_FALSE(sqt_risk_triggered(r));
    sqt_risk_free(r);
}

static void test_risk_min_pause_and_dedupe(void)
{
    sqt_risk *r = one_symbol(5 /* clamped to 1 */, 10 * 60000);
    sqt_kline k;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    feed_e16_history(r);
    /* the same closed candle again must not shift the window */
    k = K("BTCUSDT", 4, "102", "14", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 0), SQT_RISK_NONE);
    k = K("BTCUSDT", 5, "99", "40", 0);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 5 * 60000), SQT_RISK_TRIGGERED);
    k = K("BTCUSDT", 5, "99", "40", 1);
    sqt_risk_on_kline(r, &k, 6 * 60000);
    k = K("BTCUSDT", 6, "101", "20", 1);
    /* normal candle, but inside the minimum pause */
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 7 * 60000), SQT_RISK_NONE);
    k = K("BTCUSDT", 7, "102", "20", 1);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 16 * 60000), SQT_RISK_RECOVERED);
    /* unknown symbols are ignored */
    k = K("ETHUSDT", 8, "1", "1000", 0);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 17 * 60000), SQT_RISK_NONE);
    sqt_risk_free(r);
}

/* BTCUSDT and ETHUSDT, window 3, volume x3. */
static sqt_risk *two_symbols(int recovery_threshold)
{
    static const char *syms[] = {"BTCUSDT", "ETHUSDT"};
    sqt_risk_params p;
    memset(&p, 0, sizeof(p));
    p.symbols = syms;
    p.n_symbols = 2;
    p.window = 3;
    p.volume_multiplier = 3.0;
    p.recovery_threshold = recovery_threshold;
    return sqt_risk_new(&p);
}

static void test_risk_needs_all_symbols(void)
{
    sqt_risk *r = two_symbols(2);
    sqt_kline k;
    int i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (i = 1; i <= 4; i++) {
        k = K("BTCUSDT", i, "100", "10", 1);
        sqt_risk_on_kline(r, &k, 0);
        k = K("ETHUSDT", i, "100", "10", 1);
        sqt_risk_on_kline(r, &k, 0);
    }
    k = K("BTCUSDT", 5, "90", "100", 0);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 1), SQT_RISK_NONE); /* one of two */
    k = K("ETHUSDT", 5, "90", "100", 0);
    SQT_ASSERT_INT_EQ(sqt_risk_on_kline(r, &k, 2), SQT_RISK_TRIGGERED);
    sqt_risk_free(r);
}

static void test_risk_report(void)
{
    /* the 60 s report: per symbol the figures that decide, and the candle's age */
    sqt_risk *r = two_symbols(1);
    sqt_kline k;
    char buf[1024];
    int n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    feed_e16_history(r);
    k = K("BTCUSDT", 5, "99", "40", 0);
    sqt_risk_on_kline(r, &k, 5 * 60000 + 10000);
    n = sqt_risk_report(r, 5 * 60000 + 12000, buf, sizeof buf);
    SQT_ASSERT_INT_EQ(n, (int)strlen(buf));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "risk monitor: normal, 1 of 2 symbols show a panic candle"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "BTCUSDT: close 99 (avg 101), volume 40 vs threshold 36 "
                                       "(avg 12 x 3) forming, PANIC, last candle 2 s ago"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ETHUSDT: close 0, not enough candles yet (0 of 3), last candle never"));
    /* a small buffer: cut, never overrun, the full length said */
    SQT_ASSERT_INT_EQ(sqt_risk_report(r, 5 * 60000 + 12000, buf, 16), n);
    SQT_ASSERT_INT_EQ(strlen(buf), 15);
    sqt_risk_free(r);
}

static void test_risk_stale(void)
{
    sqt_risk *r = two_symbols(1);
    sqt_kline k;
    char buf[512];
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    k = K("BTCUSDT", 1, "100", "10", 0);
    sqt_risk_on_kline(r, &k, 1000);
    SQT_ASSERT_INT_EQ(sqt_risk_stale(r, 61000, 60000, buf, sizeof buf), 1);
    SQT_ASSERT_STR_EQ(buf, "risk monitor data is stale: ETHUSDT (last candle never); limit 60 s: "
                           "the monitor cannot trigger on what it does not see");
    k = K("ETHUSDT", 1, "100", "10", 0);
    sqt_risk_on_kline(r, &k, 61000);
    SQT_ASSERT_INT_EQ(sqt_risk_stale(r, 61000, 60000, buf, sizeof buf), 0);
    SQT_ASSERT_STR_EQ(buf, "");
    SQT_ASSERT_INT_EQ(sqt_risk_stale(r, 130000, 60000, buf, sizeof buf), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "BTCUSDT (last candle 129 s ago), ETHUSDT (last candle 69 s ago)"));
    sqt_risk_free(r);
}

static void test_risk_interval(void)
{
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("1m"), 60000);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("15m"), 900000);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("4h"), 14400000);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("1d"), 86400000);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("1M"), 2592000000LL);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms(""), 0);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("m"), 0);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("0m"), 0);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("1x"), 0);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms("1mm"), 0);
    SQT_ASSERT_INT_EQ(sqt_risk_interval_ms(NULL), 0);
}

static void test_risk_unknown_symbol(void)
{
    /* a misspelt symbol never gets candles: refused at start-up, with a suggestion */
    static const char *known[] = {"ETHUSDT", "BTCUSDT", "LINKUSDT"};
    char buf[256];
    CU_ASSERT_TRUE(sqt_risk_history_refuses(SQT_ENOENT, 0));
    CU_ASSERT_TRUE(sqt_risk_history_refuses(SQT_EEXCHANGE, 0)); /* e.g. Binance -1121 */
    CU_ASSERT_TRUE(sqt_risk_history_refuses(SQT_OK, 0));
    CU_ASSERT_FALSE(sqt_risk_history_refuses(SQT_OK, 5));
    CU_ASSERT_FALSE(sqt_risk_history_refuses(SQT_ENETWORK, 0));
    CU_ASSERT_FALSE(sqt_risk_history_refuses(SQT_ETIMEOUT, 0));
    CU_ASSERT_FALSE(sqt_risk_history_refuses(SQT_ERATE_LIMITED, 0));
    CU_ASSERT_FALSE(sqt_risk_history_refuses(SQT_EUNKNOWN_STATUS, 0));
    sqt_risk_unknown_symbol("BTCUSTD", known, 3, buf, sizeof buf);
    SQT_ASSERT_STR_EQ(buf, "risk_control.monitor_symbols: BTCUSTD is not a symbol of this "
                           "exchange (did you mean BTCUSDT?)");
    sqt_risk_unknown_symbol("linkusdt", known, 3, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "(did you mean LINKUSDT?)"));
    sqt_risk_unknown_symbol("SOLUSD", NULL, 0, buf, sizeof buf); /* the usual leaders */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "(did you mean SOLUSDT?)"));
    sqt_risk_unknown_symbol("PEPE", known, 3, buf, sizeof buf);
    SQT_ASSERT_STR_EQ(buf, "risk_control.monitor_symbols: PEPE is not a symbol of this exchange");
}

static void test_suggest(void)
{
    static const char *names[] = {"price_interval", "order_quantity", "buy_window_size"};
    SQT_ASSERT_INT_EQ(sqt_edit_distance("kitten", "sitting", 0), 3);
    SQT_ASSERT_INT_EQ(sqt_edit_distance("", "abc", 0), 3);
    SQT_ASSERT_INT_EQ(sqt_edit_distance("ABC", "abc", 0), 3);
    SQT_ASSERT_INT_EQ(sqt_edit_distance("ABC", "abc", 1), 0);
    SQT_ASSERT_STR_EQ(sqt_suggest("price_intervall", names, 3, 0), "price_interval");
    SQT_ASSERT_STR_EQ(sqt_suggest("buy_windw_size", names, 3, 0), "buy_window_size");
    CU_ASSERT_PTR_NULL(sqt_suggest("leverage", names, 3, 0));
    CU_ASSERT_PTR_NULL(sqt_suggest("price_interval", names, 1, 0)); /* never itself */
    CU_ASSERT_PTR_NULL(sqt_suggest("x", names, 0, 0));
}

int main(void)
{
    static const sqt_test_case precheck[] = {
        {"E15 pass", test_e15_pass},
        {"E15 fee too high, position does not skip", test_e15_fee_too_high},
        {"E15 capacity and leverage", test_e15_capacity_and_leverage},
        {NULL, NULL}};
    static const sqt_test_case risk[] = {
        {"E16 trigger without the recovery flip", test_e16_trigger_no_flip},
        {"minimum pause and de-duplication", test_risk_min_pause_and_dedupe},
        {"trigger needs every symbol", test_risk_needs_all_symbols},
        {"the periodic report", test_risk_report},
        {"stale data", test_risk_stale},
        {"kline intervals", test_risk_interval},
        {"unknown symbol refused with did you mean", test_risk_unknown_symbol},
        {"edit distance and suggestions", test_suggest},
        {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("precheck", precheck);
    sqt_test_suite("risk", risk);
    return sqt_test_run();
}
