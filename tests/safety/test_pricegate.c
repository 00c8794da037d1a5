/* Market-data sanity: outliers held until confirmed or dropped, staleness edges. */
#include <string.h>

#include "pricegate.h"
#include "sqt_test.h"

static sqt_dec D(const char *s)
{
    sqt_dec d = sqt_dec_make(0, 0);
    CU_ASSERT_EQUAL_FATAL(sqt_dec_parse(s, strlen(s), &d), SQT_OK);
    return d;
}

static sqt_pricegate gate(const char *pct, int prints, int age_s)
{
    sqt_pricegate_params p;
    sqt_pricegate g;
    char err[128] = "";
    sqt_pricegate_params_init(&p);
    if (pct != NULL)
        p.max_price_jump_percent = D(pct);
    p.price_confirm_prints = prints;
    p.market_data_max_age_seconds = age_s;
    CU_ASSERT_EQUAL_FATAL(sqt_pricegate_init(&g, &p, err, sizeof err), 0);
    return g;
}

static int feed(sqt_pricegate *g, const char *px, int64_t now, sqt_pricegate_verdict *v)
{
    CU_ASSERT_EQUAL(sqt_pricegate_on_price(g, D(px), now, v), 0);
    return v->action;
}

static void test_defaults(void)
{
    sqt_pricegate_params p;
    sqt_pricegate_params_init(&p);
    SQT_ASSERT_INT_EQ(p.max_price_jump_percent.mant, 3);
    SQT_ASSERT_INT_EQ(p.max_price_jump_percent.scale, 0);
    SQT_ASSERT_INT_EQ(p.price_confirm_prints, 3);
    SQT_ASSERT_INT_EQ(p.market_data_max_age_seconds, 15);
}

static void test_lone_outlier(void)
{
    /* the issue's +10% print, never repeated: held, then dropped with one WARN */
    sqt_pricegate g = gate(NULL, 3, 15);
    sqt_pricegate_verdict v;
    int warns = 0;
    SQT_ASSERT_INT_EQ(feed(&g, "3000.00", 0, &v), SQT_PG_ACCEPT);
    SQT_ASSERT_INT_EQ(feed(&g, "3300.00", 1, &v), SQT_PG_HOLD);
    warns += v.warn;
    SQT_ASSERT_INT_EQ(feed(&g, "3000.50", 2, &v), SQT_PG_ACCEPT);
    warns += v.warn;
    CU_ASSERT_PTR_NOT_NULL(strstr(v.text, "dropped outlier 3300.00 (10.00% from the accepted 3000.00; 1 of 3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(v.text, "limit 3%"));
    SQT_ASSERT_INT_EQ(feed(&g, "3001.00", 3, &v), SQT_PG_ACCEPT);
    warns += v.warn;
    SQT_ASSERT_INT_EQ(warns, 1);
    SQT_ASSERT_INT_EQ(g.dropped, 1);
    /* the print at 30.00: held and dropped the same way */
    SQT_ASSERT_INT_EQ(feed(&g, "30.00", 4, &v), SQT_PG_HOLD);
    SQT_ASSERT_INT_EQ(feed(&g, "30.00", 5, &v), SQT_PG_HOLD);
    SQT_ASSERT_INT_EQ(feed(&g, "3001.00", 6, &v), SQT_PG_ACCEPT);
    CU_ASSERT_TRUE(v.warn);
    CU_ASSERT_PTR_NOT_NULL(strstr(v.text, "99.00% from the accepted 3001.00; 2 of 3"));
}

static void test_real_move_confirmed(void)
{
    sqt_pricegate g = gate(NULL, 3, 15);
    sqt_pricegate_verdict v;
    SQT_ASSERT_INT_EQ(feed(&g, "3000.00", 0, &v), SQT_PG_ACCEPT);
    SQT_ASSERT_INT_EQ(feed(&g, "3300.00", 1, &v), SQT_PG_HOLD);
    SQT_ASSERT_INT_EQ(feed(&g, "3310.00", 2, &v), SQT_PG_HOLD);
    SQT_ASSERT_INT_EQ(feed(&g, "3295.50", 3, &v), SQT_PG_ACCEPT);
    CU_ASSERT_TRUE(v.confirmed);
    CU_ASSERT_FALSE(v.warn);
    CU_ASSERT_PTR_NOT_NULL(strstr(v.text, "move to 3295.50 (9.85% from 3000.00) confirmed by 3 prints"));
    /* the new level is the reference now */
    SQT_ASSERT_INT_EQ(feed(&g, "3301.00", 4, &v), SQT_PG_ACCEPT);
    CU_ASSERT_FALSE(v.confirmed);
    SQT_ASSERT_INT_EQ(g.confirmed, 1);
}

static void test_two_outliers(void)
{
    /* a second, different jump drops the first (one WARN each) */
    sqt_pricegate g = gate(NULL, 3, 15);
    sqt_pricegate_verdict v;
    feed(&g, "3000", 0, &v);
    SQT_ASSERT_INT_EQ(feed(&g, "3300", 1, &v), SQT_PG_HOLD);
    CU_ASSERT_FALSE(v.warn);
    SQT_ASSERT_INT_EQ(feed(&g, "2700", 2, &v), SQT_PG_HOLD);
    CU_ASSERT_TRUE(v.warn);
    CU_ASSERT_PTR_NOT_NULL(strstr(v.text, "dropped outlier 3300"));
    SQT_ASSERT_INT_EQ(feed(&g, "3000", 3, &v), SQT_PG_ACCEPT);
    CU_ASSERT_TRUE(v.warn);
    CU_ASSERT_PTR_NOT_NULL(strstr(v.text, "dropped outlier 2700"));
    SQT_ASSERT_INT_EQ(g.dropped, 2);
}

static void test_band_edge_and_scales(void)
{
    /* exactly 3% is inside the band; a tick more is not; scales may differ */
    sqt_pricegate g = gate("3", 3, 15);
    sqt_pricegate_verdict v;
    feed(&g, "3000", 0, &v);
    SQT_ASSERT_INT_EQ(feed(&g, "3090.00", 1, &v), SQT_PG_ACCEPT);
    SQT_ASSERT_INT_EQ(feed(&g, "3000", 2, &v), SQT_PG_ACCEPT); /* 2.91% down */
    SQT_ASSERT_INT_EQ(feed(&g, "3090.001", 3, &v), SQT_PG_HOLD);
    g = gate("0.5", 2, 15);
    feed(&g, "100.0", 0, &v);
    SQT_ASSERT_INT_EQ(feed(&g, "100.5", 1, &v), SQT_PG_ACCEPT);
    SQT_ASSERT_INT_EQ(feed(&g, "101.006", 2, &v), SQT_PG_HOLD);
    SQT_ASSERT_INT_EQ(feed(&g, "101.01", 3, &v), SQT_PG_ACCEPT); /* 2 prints confirm */
    CU_ASSERT_TRUE(v.confirmed);
}

static void test_off(void)
{
    sqt_pricegate g = gate("0", 3, 0);
    sqt_pricegate_verdict v;
    int64_t age;
    feed(&g, "3000", 0, &v);
    SQT_ASSERT_INT_EQ(feed(&g, "30", 1, &v), SQT_PG_ACCEPT);
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 1000000, &age, NULL, 0), SQT_PG_FRESH);
    SQT_ASSERT_INT_EQ(age, 999999);
    g = gate("3", 1, 15); /* one print confirms itself: every jump accepted */
    feed(&g, "3000", 0, &v);
    SQT_ASSERT_INT_EQ(feed(&g, "30", 1, &v), SQT_PG_ACCEPT);
}

static void test_stale(void)
{
    sqt_pricegate g = gate(NULL, 3, 15);
    sqt_pricegate_verdict v;
    char text[160];
    int64_t age = 0;
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 100000, &age, text, sizeof text), SQT_PG_FRESH);
    feed(&g, "3000", 1000, &v);
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 16000, &age, text, sizeof text), SQT_PG_FRESH);
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 16001, &age, text, sizeof text), SQT_PG_STALE_BEGIN);
    SQT_ASSERT_INT_EQ(age, 15001);
    SQT_ASSERT_STR_EQ(text, "market data is 15.001 s old (limit 15 s): new orders paused until a fresh price");
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 20000, &age, text, sizeof text), SQT_PG_STALE);
    SQT_ASSERT_STR_EQ(text, "");
    /* an outlier is not fresh data */
    SQT_ASSERT_INT_EQ(feed(&g, "4000", 20001, &v), SQT_PG_HOLD);
    CU_ASSERT_FALSE(v.resumed);
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 20002, NULL, NULL, 0), SQT_PG_STALE);
    SQT_ASSERT_INT_EQ(feed(&g, "3001", 20003, &v), SQT_PG_ACCEPT);
    CU_ASSERT_TRUE(v.resumed);
    SQT_ASSERT_INT_EQ(sqt_pricegate_poll(&g, 20004, &age, NULL, 0), SQT_PG_FRESH);
    SQT_ASSERT_INT_EQ(age, 1);
}

static void test_bad_input(void)
{
    sqt_pricegate_params p;
    sqt_pricegate g;
    sqt_pricegate_verdict v;
    char err[128];
    static const char *bad_pct[] = {"-1", "100.5", "0.0000001"};
    size_t i;
    for (i = 0; i < sizeof bad_pct / sizeof bad_pct[0]; i++) {
        sqt_pricegate_params_init(&p);
        p.max_price_jump_percent = D(bad_pct[i]);
        err[0] = '\0';
        CU_ASSERT_EQUAL(sqt_pricegate_init(&g, &p, err, sizeof err), SQT_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_price_jump_percent"));
    }
    sqt_pricegate_params_init(&p);
    p.price_confirm_prints = 0;
    CU_ASSERT_EQUAL(sqt_pricegate_init(&g, &p, err, sizeof err), SQT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "price_confirm_prints"));
    sqt_pricegate_params_init(&p);
    p.market_data_max_age_seconds = -1;
    CU_ASSERT_EQUAL(sqt_pricegate_init(&g, &p, err, sizeof err), SQT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "market_data_max_age_seconds"));
    sqt_pricegate_params_init(&p);
    CU_ASSERT_EQUAL(sqt_pricegate_init(&g, &p, err, sizeof err), 0);
    CU_ASSERT_EQUAL(sqt_pricegate_on_price(&g, sqt_dec_make(0, 2), 0, &v), SQT_EINVAL);
    CU_ASSERT_EQUAL(sqt_pricegate_on_price(&g, sqt_dec_make(-5, 2), 0, &v), SQT_EINVAL);
    CU_ASSERT_EQUAL(sqt_pricegate_on_price(&g, sqt_dec_make(5, 40), 0, &v), SQT_EINVAL);
    CU_ASSERT_FALSE(g.have_ref);
    /* extreme but valid prices never overflow */
    CU_ASSERT_EQUAL(sqt_pricegate_on_price(&g, sqt_dec_make(INT64_MAX, 0), 0, &v), 0);
    CU_ASSERT_EQUAL(sqt_pricegate_on_price(&g, sqt_dec_make(1, 18), 1, &v), 0);
    SQT_ASSERT_INT_EQ(v.action, SQT_PG_HOLD);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"defaults", test_defaults},
        {"a lone outlier is held and dropped with one WARN", test_lone_outlier},
        {"a real move is confirmed by its prints", test_real_move_confirmed},
        {"two different outliers", test_two_outliers},
        {"band edge, mixed scales", test_band_edge_and_scales},
        {"off switches", test_off},
        {"stale data: pause edge, resume on a fresh price", test_stale},
        {"bad parameters and prices", test_bad_input},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("pricegate", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
