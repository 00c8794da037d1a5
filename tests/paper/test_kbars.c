/* Kline store of the simulated market (common/kbars.c). */
#include <stdlib.h>
#include <string.h>

#include "kbars.h"
#include "sqt_test.h"

#define T0 1735000020000LL /* a minute boundary: 28916667 * 60000 */

static sqt_dec D(const char *s)
{
    sqt_dec d;
    CU_ASSERT_EQUAL_FATAL(sqt_dec_parse(s, strlen(s), &d), SQT_OK);
    return d;
}

static const char *S(sqt_dec d)
{
    static char buf[8][48];
    static int k;
    char *b = buf[k++ % 8];
    sqt_dec_format(d, b, 48);
    return b;
}

static sqt_kbars *mk(void)
{
    sqt_kbars *k = NULL;
    CU_ASSERT_EQUAL_FATAL(sqt_kbars_new("ETHUSDT", D("0.01"), D("0.001"), &k), SQT_OK);
    return k;
}

static void test_intervals(void)
{
    SQT_ASSERT_INT_EQ(sqt_kbars_interval_ms("1m"), 60000);
    SQT_ASSERT_INT_EQ(sqt_kbars_interval_ms("4h"), 14400000);
    SQT_ASSERT_INT_EQ(sqt_kbars_interval_ms("1w"), 604800000);
    SQT_ASSERT_INT_EQ(sqt_kbars_interval_ms("7m"), 0);
    SQT_ASSERT_INT_EQ(sqt_kbars_interval_ms("1M"), 0);
    SQT_ASSERT_INT_EQ(sqt_kbars_interval_ms(NULL), 0);
    CU_ASSERT_EQUAL(T0 % 60000, 0);
}

static void test_bars_and_gaps(void)
{
    sqt_kbars *k = mk();
    sqt_kline kl[10];
    size_t n;
    sqt_kbars_trade(k, D("3000.00"), D("1.000"), T0 + 1000);
    sqt_kbars_trade(k, D("3004.50"), D("0.500"), T0 + 20000);
    sqt_kbars_trade(k, D("2998.10"), D("0.250"), T0 + 40000);
    sqt_kbars_trade(k, D("3001.00"), D("0.250"), T0 + 59999);
    /* nothing for two minutes, then a trade in the fourth */
    sqt_kbars_trade(k, D("3010.00"), D("2.000"), T0 + 3 * 60000 + 5);
    n = sqt_kbars_recent(k, "ETHUSDT", "1m", 10, T0 + 3 * 60000 + 10, kl);
    SQT_ASSERT_INT_EQ(n, 4);
    SQT_ASSERT_INT_EQ(kl[0].open_time_ms, T0);
    SQT_ASSERT_INT_EQ(kl[0].close_time_ms, T0 + 59999);
    SQT_ASSERT_STR_EQ(S(kl[0].open), "3000.00");
    SQT_ASSERT_STR_EQ(S(kl[0].high), "3004.50");
    SQT_ASSERT_STR_EQ(S(kl[0].low), "2998.10");
    SQT_ASSERT_STR_EQ(S(kl[0].close), "3001.00");
    SQT_ASSERT_STR_EQ(S(kl[0].volume), "2.000");
    SQT_ASSERT_INT_EQ(kl[0].closed, 1);
    /* the silent minutes are flat at the last close, without volume */
    SQT_ASSERT_STR_EQ(S(kl[1].open), "3001.00");
    SQT_ASSERT_STR_EQ(S(kl[1].high), "3001.00");
    SQT_ASSERT_STR_EQ(S(kl[2].close), "3001.00");
    CU_ASSERT_EQUAL(kl[2].volume.mant, 0);
    SQT_ASSERT_INT_EQ(kl[3].open_time_ms, T0 + 3 * 60000);
    SQT_ASSERT_STR_EQ(S(kl[3].close), "3010.00");
    SQT_ASSERT_INT_EQ(kl[3].closed, 0);
    SQT_ASSERT_STR_EQ(kl[3].symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(kl[3].interval, "1m");

    /* 5m aggregates: [T0 - 2m, T0 + 3m) holds minutes 0-2, the next one minute 3 */
    SQT_ASSERT_INT_EQ(T0 % 300000, 120000);
    n = sqt_kbars_recent(k, "ETHUSDT", "5m", 3, T0 + 3 * 60000 + 10, kl);
    SQT_ASSERT_INT_EQ(n, 2);
    SQT_ASSERT_INT_EQ(kl[0].open_time_ms, T0 - 120000);
    SQT_ASSERT_STR_EQ(S(kl[0].open), "3000.00");
    SQT_ASSERT_STR_EQ(S(kl[0].high), "3004.50");
    SQT_ASSERT_STR_EQ(S(kl[0].low), "2998.10");
    SQT_ASSERT_STR_EQ(S(kl[0].close), "3001.00");
    SQT_ASSERT_STR_EQ(S(kl[0].volume), "2.000");
    SQT_ASSERT_INT_EQ(kl[0].closed, 1);
    SQT_ASSERT_STR_EQ(S(kl[1].open), "3010.00");
    SQT_ASSERT_STR_EQ(S(kl[1].volume), "2.000");
    SQT_ASSERT_INT_EQ(kl[1].closed, 0);
    /* before the history: nothing */
    CU_ASSERT_EQUAL(sqt_kbars_get(k, "ETHUSDT", "1m", T0 - 60000, T0, &kl[0]), 0);
    CU_ASSERT_EQUAL(sqt_kbars_get(k, "ETHUSDT", "9m", T0, T0, &kl[0]), 0);
    sqt_kbars_free(k);
}

static void test_ring_bound(void)
{
    sqt_kbars *k = mk();
    static sqt_kline kl[SQT_KBARS_CAP + 10];
    size_t n;
    int64_t i;
    for (i = 0; i < SQT_KBARS_CAP + 100; i++)
        sqt_kbars_trade(k, D("100.00"), D("1"), T0 + i * 60000);
    n = sqt_kbars_recent(k, "ETHUSDT", "1m", SQT_KBARS_CAP + 10,
                         T0 + (SQT_KBARS_CAP + 99) * 60000LL, kl);
    SQT_ASSERT_INT_EQ(n, SQT_KBARS_CAP + 1); /* kept bars plus the forming one */
    sqt_kbars_free(k);
}

static void test_synthetic(void)
{
    sqt_kbars *a = mk(), *b = NULL;
    static sqt_kline x[30], y[30], z[30];
    size_t i, n;
    CU_ASSERT_EQUAL_FATAL(sqt_kbars_new("XRPUSDT", D("0.01"), D("0.001"), &b), SQT_OK);
    sqt_kbars_trade(b, D("1.00"), D("1"), T0); /* b's own trades don't touch BTCUSDT */
    n = sqt_kbars_recent(a, "BTCUSDT", "1m", 30, T0 + 30000, x);
    SQT_ASSERT_INT_EQ(n, 30);
    SQT_ASSERT_INT_EQ(sqt_kbars_recent(b, "BTCUSDT", "1m", 30, T0 + 30000, y), 30);
    CU_ASSERT_EQUAL(memcmp(x, y, sizeof x), 0); /* stateless: same everywhere */
    SQT_ASSERT_INT_EQ(sqt_kbars_recent(a, "SOLUSDT", "1m", 30, T0 + 30000, z), 30);
    CU_ASSERT_NOT_EQUAL(x[5].close.mant, z[5].close.mant);
    for (i = 0; i < n; i++) {
        CU_ASSERT_TRUE(x[i].low.mant > 0);
        CU_ASSERT_TRUE(x[i].high.mant >= x[i].open.mant && x[i].high.mant >= x[i].close.mant);
        CU_ASSERT_TRUE(x[i].low.mant <= x[i].open.mant && x[i].low.mant <= x[i].close.mant);
        CU_ASSERT_TRUE(x[i].volume.mant >= 1000000 && x[i].volume.mant < 1100000);
        if (i > 0) /* continuous: each opens at the previous close */
            CU_ASSERT_EQUAL(x[i].open.mant, x[i - 1].close.mant);
    }
    SQT_ASSERT_INT_EQ(x[29].closed, 0);
    SQT_ASSERT_INT_EQ(x[28].closed, 1);
    /* no data from the future */
    CU_ASSERT_EQUAL(sqt_kbars_get(a, "BTCUSDT", "1m", T0 + 120000, T0, &x[0]), 0);
    sqt_kbars_free(a);
    sqt_kbars_free(b);
}

static void test_bad_args(void)
{
    sqt_kbars *k = NULL;
    CU_ASSERT_EQUAL(sqt_kbars_new("", D("0.01"), D("0.001"), &k), SQT_EINVAL);
    CU_ASSERT_EQUAL(sqt_kbars_new("ETHUSDT", D("0"), D("0.001"), &k), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(k);
    k = mk();
    /* off-scale or non-positive trades are ignored */
    sqt_kbars_trade(k, D("-1"), D("1"), T0);
    sqt_kbars_trade(k, D("1.001"), D("1"), T0);
    {
        sqt_kline kl[2];
        SQT_ASSERT_INT_EQ(sqt_kbars_recent(k, "ETHUSDT", "1m", 2, T0, kl), 0);
    }
    sqt_kbars_free(k);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"intervals", test_intervals},
                                          {"bars, gaps, aggregation", test_bars_and_gaps},
                                          {"bounded history", test_ring_bound},
                                          {"synthetic symbols", test_synthetic},
                                          {"bad arguments", test_bad_args},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("paper klines", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
