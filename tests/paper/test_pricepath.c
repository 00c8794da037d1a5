/* Price path (common/pricepath.c): seeded generators and CSV replay. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pricepath.h"
#include "sqt_test.h"

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

static void fixture(char *out, size_t cap, const char *name)
{
    const char *src = getenv("SQT_SOURCE_DIR");
    snprintf(out, cap, "%s/tests/data/paper/%s", src ? src : "../..", name);
}

static sqt_pricepath_config gen_cfg(uint64_t seed)
{
    sqt_pricepath_config c;
    memset(&c, 0, sizeof c);
    c.model = SQT_PATH_GBM;
    c.tick_size = D("0.01");
    c.step_size = D("0.001");
    c.seed = seed;
    c.start_price = D("3000");
    c.sigma = 0.0005;
    c.step_ms = 250;
    c.start_ms = 1700000000000LL;
    return c;
}

static sqt_pricepath_config csv_cfg(const char *name, int loop)
{
    static char path[4][1024];
    static int k;
    char *p = path[k++ % 4];
    sqt_pricepath_config c;
    memset(&c, 0, sizeof c);
    c.model = SQT_PATH_CSV;
    c.tick_size = D("0.01");
    c.step_size = D("0.001");
    fixture(p, 1024, name);
    c.csv_path = p;
    c.loop = loop;
    return c;
}

static int on_tick(sqt_dec price, sqt_dec tick)
{
    return price.scale == tick.scale && price.mant > 0 && price.mant % tick.mant == 0;
}

static void collect(sqt_pricepath_config c, sqt_price_point *pts, size_t n)
{
    sqt_pricepath *p = NULL;
    char err[256];
    size_t i;
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    for (i = 0; i < n; i++)
        CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pts[i], err, sizeof err), 1);
    sqt_pricepath_close(p);
}

/* ------------------------------------------------------------------------------------ */

static void test_seed_determinism(void)
{
    enum { N = 2000 };
    static sqt_price_point a[N], b[N], c[N];
    size_t i, same = 0, moved = 0;
    collect(gen_cfg(7), a, N);
    collect(gen_cfg(7), b, N);
    collect(gen_cfg(8), c, N);
    SQT_ASSERT_STR_EQ(S(a[0].price), "3000.00"); /* starts at the start price */
    SQT_ASSERT_INT_EQ(a[0].time_ms, 1700000000000LL);
    SQT_ASSERT_INT_EQ(a[1].time_ms, 1700000000250LL);
    for (i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(memcmp(&a[i], &b[i], sizeof a[i]), 0);
        same += a[i].price.mant == c[i].price.mant;
        moved += i > 0 && a[i].price.mant != a[i - 1].price.mant;
        CU_ASSERT_TRUE(on_tick(a[i].price, D("0.01")));
        CU_ASSERT_TRUE(a[i].qty.mant > 0 && a[i].qty.scale == 3);
    }
    CU_ASSERT_TRUE(same < N / 10); /* another seed: another path */
    CU_ASSERT_TRUE(moved > N / 2); /* sigma 0.05% of 3000 = 1.5 per step: it moves */
}

static void test_never_nonpositive(void)
{
    enum { N = 20000 };
    sqt_pricepath_config c = gen_cfg(3);
    sqt_pricepath *p = NULL;
    sqt_price_point pt;
    char err[256];
    int i, at_floor = 0;
    /* a violent crash: strong negative drift and large steps */
    c.sigma = 0.2;
    c.drift = -0.05;
    c.start_price = D("1.00");
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    for (i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt, err, sizeof err), 1);
        CU_ASSERT_TRUE(on_tick(pt.price, D("0.01")));
        at_floor += pt.price.mant == 1;
    }
    CU_ASSERT_TRUE(at_floor > 0); /* it did hit the one-tick floor and stayed positive */
    sqt_pricepath_close(p);

    /* the arithmetic walk too */
    c = gen_cfg(5);
    c.model = SQT_PATH_WALK;
    c.sigma = 0.3;
    c.start_price = D("0.05");
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    for (i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt, err, sizeof err), 1);
        CU_ASSERT_TRUE(on_tick(pt.price, D("0.01")));
    }
    sqt_pricepath_close(p);
}

static void test_generator_config_errors(void)
{
    sqt_pricepath_config c = gen_cfg(1);
    sqt_pricepath *p = NULL;
    char err[256];
    c.start_price = D("0");
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "start_price"));
    c = gen_cfg(1);
    c.sigma = -0.1;
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
    c = gen_cfg(1);
    c.step_ms = 0;
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
    c = gen_cfg(1);
    c.tick_size = D("0");
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
    c = gen_cfg(1);
    c.model = (sqt_pricepath_model)99;
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
}

static void test_history(void)
{
    enum { N = 240 };
    static sqt_price_point h1[N], h2[N], live[2];
    sqt_pricepath_config c = gen_cfg(11);
    char err[256];
    size_t i, same = 0;
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_history(&c, N, h1, err, sizeof err), SQT_OK);
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_history(&c, N, h2, err, sizeof err), SQT_OK);
    collect(c, live, 2);
    for (i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(memcmp(&h1[i], &h2[i], sizeof h1[i]), 0);
        CU_ASSERT_TRUE(on_tick(h1[i].price, D("0.01")));
        SQT_ASSERT_INT_EQ(h1[i].time_ms, c.start_ms - (int64_t)(N - i) * c.step_ms);
        same += i < 2 && h1[i].price.mant == live[i].price.mant;
    }
    /* leads into the start price: the last history point is one step away from it */
    CU_ASSERT_TRUE(llabs(h1[N - 1].price.mant - 300000) < 3000);
    CU_ASSERT_TRUE(same < 2);
    c.model = SQT_PATH_CSV;
    CU_ASSERT_EQUAL(sqt_pricepath_history(&c, N, h1, err, sizeof err), SQT_EINVAL);
}

static void test_csv_klines_header(void)
{
    sqt_pricepath_config c = csv_cfg("klines_1m_header.csv", 0);
    sqt_pricepath *p = NULL;
    sqt_price_point pt[24];
    char err[256];
    int i;
    int rc = sqt_pricepath_open(&c, &p, err, sizeof err);
    if (rc != SQT_OK)
        fprintf(stderr, "    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, SQT_OK);
    CU_ASSERT_EQUAL(sqt_pricepath_csv_format(p), SQT_CSV_KLINES);
    SQT_ASSERT_INT_EQ(sqt_pricepath_csv_points(p), 24);
    for (i = 0; i < 24; i++)
        CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt[i], err, sizeof err), 1);
    CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt[0], err, sizeof err), 0); /* end, no loop */
    CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt[0], err, sizeof err), 0);
    sqt_pricepath_close(p);
    /* first kline rises (2281.50 -> 2283.20): open, low, high, close */
    collect(c, pt, 24);
    SQT_ASSERT_STR_EQ(S(pt[0].price), "2281.50");
    SQT_ASSERT_STR_EQ(S(pt[1].price), "2279.80");
    SQT_ASSERT_STR_EQ(S(pt[2].price), "2284.10");
    SQT_ASSERT_STR_EQ(S(pt[3].price), "2283.20");
    SQT_ASSERT_INT_EQ(pt[0].time_ms, 1704067200000LL);
    SQT_ASSERT_INT_EQ(pt[1].time_ms, 1704067215000LL);
    SQT_ASSERT_INT_EQ(pt[3].time_ms, 1704067245000LL);
    /* second falls (2283.20 -> 2279.10): open, high, low, close */
    SQT_ASSERT_STR_EQ(S(pt[5].price), "2283.90");
    SQT_ASSERT_STR_EQ(S(pt[6].price), "2278.40");
    SQT_ASSERT_INT_EQ(pt[4].time_ms, 1704067260000LL);
    /* volume is split over the four points: 812.431 */
    SQT_ASSERT_INT_EQ(pt[0].qty.mant + pt[1].qty.mant + pt[2].qty.mant + pt[3].qty.mant, 812431);
    for (i = 1; i < 24; i++)
        CU_ASSERT_TRUE(pt[i].time_ms >= pt[i - 1].time_ms);
}

static void test_csv_klines_noheader_loop(void)
{
    sqt_pricepath_config c = csv_cfg("klines_1m_noheader.csv", 1);
    sqt_pricepath *p = NULL;
    sqt_price_point pt[30];
    char err[256];
    int i;
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    CU_ASSERT_EQUAL(sqt_pricepath_csv_format(p), SQT_CSV_KLINES);
    SQT_ASSERT_INT_EQ(sqt_pricepath_csv_points(p), 12);
    for (i = 0; i < 30; i++)
        CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt[i], err, sizeof err), 1);
    sqt_pricepath_close(p);
    /* the loop repeats the prices and the time goes on: next open one minute later */
    for (i = 0; i < 18; i++)
        CU_ASSERT_EQUAL(pt[i].price.mant, pt[i + 12].price.mant);
    SQT_ASSERT_INT_EQ(pt[12].time_ms, 1704067380000LL);
    for (i = 1; i < 30; i++)
        CU_ASSERT_TRUE(pt[i].time_ms > pt[i - 1].time_ms);
}

static void test_csv_aggtrades(void)
{
    sqt_pricepath_config c = csv_cfg("aggtrades_futures.csv", 0);
    sqt_pricepath *p = NULL;
    sqt_price_point pt[8];
    char err[256];
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    CU_ASSERT_EQUAL(sqt_pricepath_csv_format(p), SQT_CSV_AGGTRADES);
    SQT_ASSERT_INT_EQ(sqt_pricepath_csv_points(p), 8);
    sqt_pricepath_close(p);
    collect(c, pt, 8);
    SQT_ASSERT_STR_EQ(S(pt[0].price), "2281.50");
    SQT_ASSERT_STR_EQ(S(pt[0].qty), "0.512");
    SQT_ASSERT_INT_EQ(pt[0].time_ms, 1704067200012LL);
    SQT_ASSERT_STR_EQ(S(pt[7].price), "2281.41");
    {
        /* looping a headered file: the header is skipped again, time goes on */
        sqt_price_point lp[20];
        int i;
        collect(csv_cfg("aggtrades_futures.csv", 1), lp, 20);
        for (i = 0; i < 12; i++)
            CU_ASSERT_EQUAL(lp[i].price.mant, lp[i + 8].price.mant);
        for (i = 1; i < 20; i++)
            CU_ASSERT_TRUE(lp[i].time_ms > lp[i - 1].time_ms);
        /* one pass spans 3486 ms; the next starts one first-gap (43 ms) after the end */
        SQT_ASSERT_INT_EQ(lp[8].time_ms, 1704067200012LL + 3486 + 43);
    }

    /* spot layout: 8 columns, no header, True/False, microsecond times, 8 decimals */
    c = csv_cfg("aggtrades_spot_us.csv", 0);
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    CU_ASSERT_EQUAL(sqt_pricepath_csv_format(p), SQT_CSV_AGGTRADES);
    CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt[0], err, sizeof err), 1);
    SQT_ASSERT_STR_EQ(S(pt[0].price), "2281.50");
    SQT_ASSERT_STR_EQ(S(pt[0].qty), "0.512");
    SQT_ASSERT_INT_EQ(pt[0].time_ms, 1735689600012LL);
    sqt_pricepath_close(p);
}

static void test_csv_errors(void)
{
    sqt_pricepath_config c = csv_cfg("klines_bad_line4.csv", 0);
    sqt_pricepath *p = NULL;
    char err[256];
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "klines_bad_line4.csv:4:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "high"));

    c = csv_cfg("aggtrades_truncated.csv", 0);
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "aggtrades_truncated.csv:3:"));

    c = csv_cfg("no_such_file.csv", 0);
    CU_ASSERT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open"));
}

/* Files written on the fly: each bad shape gives a line-numbered error, never a crash. */
static void check_bad(const char *content, size_t len, const char *want)
{
    char path[] = "/tmp/sqt_paper_csv_XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    sqt_pricepath_config c = csv_cfg("x", 0);
    sqt_pricepath *p = NULL;
    char err[256] = "";
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    if (len == 0)
        len = strlen(content);
    f = fdopen(fd, "w");
    fwrite(content, 1, len, f);
    fclose(f);
    c.csv_path = path;
    CU_ASSERT_NOT_EQUAL(sqt_pricepath_open(&c, &p, err, sizeof err), SQT_OK);
    CU_ASSERT_PTR_NULL(p);
    if (strstr(err, want) == NULL)
        fprintf(stderr, "    want \"%s\" in \"%s\"\n", want, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    unlink(path);
}

static void test_csv_malformed_shapes(void)
{
    static const char nul[] = "1,2281.5,0.5,1,1,1704067200000,true\n2,22\0\x01,1,1,1,1,true\n";
    check_bad("", 0, "no data rows");
    check_bad("agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
              "is_buyer_maker\n",
              0, "no data rows");
    check_bad("hello,world\n", 0, ":1: unknown header");
    check_bad("1,2,3\n", 0, ":1: 3 columns");
    check_bad("1,2281.5,0.5,1,1,1704067200000,true\n1,-5,0.5,1,1,1704067200001,true\n", 0,
              ":2: price -5 is not > 0");
    check_bad("1,2281.5,0.5,1,1,1704067200000,true\n1,2281.5,0.5,1,1,1704067200001,maybe\n", 0,
              ":2: is_buyer_maker");
    check_bad(nul, sizeof nul - 1, ":2: binary data");
    /* kline whose high is below its close */
    check_bad("1704067200000,10.00,10.50,9.00,11.00,5,1704067259999\n", 0,
              ":1: high/low do not contain open/close");
    check_bad("1704067200000,10.00,10.50,9.00,10.20,5,1704067259999\n"
              "1704067260000,10.20,10.50,9.00,10.20,abc,1704067319999\n",
              0, ":2: volume");
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"same seed same path, other seed other path", test_seed_determinism},
        {"never <= 0, always on the tick", test_never_nonpositive},
        {"generator config errors", test_generator_config_errors},
        {"history leads into the start price", test_history},
        {"CSV klines with header", test_csv_klines_header},
        {"CSV klines without header, looping", test_csv_klines_noheader_loop},
        {"CSV aggTrades futures and spot", test_csv_aggtrades},
        {"CSV errors name the line", test_csv_errors},
        {"CSV malformed shapes", test_csv_malformed_shapes},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("paper price path", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
