/* Market data reader of the backtest: every format, any chunking, bad rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt_data.h"
#include "sqt_test.h"

typedef struct got {
    sqt_bt_tick t[64];
    int n;
} got;

static int collect(void *ud, const sqt_bt_tick *t)
{
    got *g = ud;
    if (g->n < 64)
        g->t[g->n] = *t;
    g->n++;
    return 0;
}

/* Parse text in chunks of `chunk` bytes; returns the reader's status. */
static int parse(const char *text, sqt_bt_format fmt, size_t chunk, got *g, char *err, size_t errlen,
                 sqt_bt_format *seen)
{
    sqt_bt_reader *r = sqt_bt_reader_new("f.csv", fmt, collect, g);
    size_t len = strlen(text), pos = 0;
    int rc = 0;
    memset(g, 0, sizeof(*g));
    err[0] = '\0';
    while (rc == 0 && pos < len) {
        size_t n = len - pos < chunk ? len - pos : chunk;
        rc = sqt_bt_reader_push(r, text + pos, n, err, errlen);
        pos += n;
    }
    if (rc == 0)
        rc = sqt_bt_reader_finish(r, err, errlen);
    if (seen)
        *seen = sqt_bt_reader_format(r);
    sqt_bt_reader_free(r);
    return rc;
}

static int dec_is(sqt_dec d, const char *want)
{
    char buf[48];
    sqt_dec_format(d, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "    got %s, want %s\n", buf, want);
    return strcmp(buf, want) == 0;
}

static const char *AGG =
    "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"
    "1,2281.50,0.512,10,12,1704067200012,false\n"
    "2,2281.49,1.004,13,13,1704067200055,true\r\n"
    "\n"
    "3,2281.47,0.030,14,15,1704067200301,true";

static void test_aggtrades(void)
{
    got g;
    char err[256];
    sqt_bt_format f;
    SQT_ASSERT_INT_EQ(parse(AGG, SQT_BT_FMT_AUTO, 1 << 16, &g, err, sizeof(err), &f), 0);
    SQT_ASSERT_INT_EQ(f, SQT_BT_FMT_BINANCE_AGG);
    SQT_ASSERT_INT_EQ(g.n, 3);
    CU_ASSERT(dec_is(g.t[0].price, "2281.50"));
    CU_ASSERT(dec_is(g.t[1].qty, "1.004"));
    SQT_ASSERT_INT_EQ(g.t[2].time_ms, 1704067200301LL);
    SQT_ASSERT_INT_EQ(g.t[2].line, 5);
    /* spot files without header, microseconds, an eighth column */
    SQT_ASSERT_INT_EQ(parse("9,2281.50000000,0.5,1,3,1735689600012345,False,True\n", SQT_BT_FMT_AUTO,
                            7, &g, err, sizeof(err), &f),
                      0);
    SQT_ASSERT_INT_EQ(f, SQT_BT_FMT_BINANCE_AGG);
    SQT_ASSERT_INT_EQ(g.t[0].time_ms, 1735689600012LL);
}

static void test_klines(void)
{
    got g;
    char err[256];
    sqt_bt_format f;
    const char *up = "1704067200000,100.0,103.0,99.0,102.0,8.0,1704067259999,0,0,0,0,0\n";
    const char *down = "open_time,open,high,low,close,volume,close_time\n"
                       "1704067200000,100.0,103.0,99.0,99.5,8.0,1704067259999\n";
    SQT_ASSERT_INT_EQ(parse(up, SQT_BT_FMT_AUTO, 5, &g, err, sizeof(err), &f), 0);
    SQT_ASSERT_INT_EQ(f, SQT_BT_FMT_BINANCE_KLINES);
    SQT_ASSERT_INT_EQ(g.n, 4);
    /* a rising bar: open, low, high, close, 15 s apart */
    CU_ASSERT(dec_is(g.t[0].price, "100.0"));
    CU_ASSERT(dec_is(g.t[1].price, "99.0"));
    CU_ASSERT(dec_is(g.t[2].price, "103.0"));
    CU_ASSERT(dec_is(g.t[3].price, "102.0"));
    SQT_ASSERT_INT_EQ(g.t[1].time_ms - g.t[0].time_ms, 15000);
    CU_ASSERT(dec_is(g.t[0].qty, "2.0"));
    SQT_ASSERT_INT_EQ(parse(down, SQT_BT_FMT_AUTO, 3, &g, err, sizeof(err), &f), 0);
    CU_ASSERT(dec_is(g.t[1].price, "103.0")); /* falling: high first */
    CU_ASSERT(dec_is(g.t[2].price, "99.0"));
}

static void test_bitget_gate(void)
{
    got g;
    char err[256];
    sqt_bt_format f;
    const char *bitget = "trade_id,timestamp,price,side,volume(quote),size(base)\n"
                         "1478349886673666048,1788192000000,78546,buy,7.8546,0.0001\n"
                         "1478349886673666049,1788192000004,78545.5,sell,15.7091,0.0002\n";
    const char *gate = "1700000000.123,5001,36500.5,-12\n1700000000.5,5002,36501,3\n1700000001,5003,36499,1\n";
    const char *gate_spot = "timestamp,dealid,price,amount,side\n1700000000.25,1,2.5,100,1\n";
    SQT_ASSERT_INT_EQ(parse(bitget, SQT_BT_FMT_AUTO, 11, &g, err, sizeof(err), &f), 0);
    SQT_ASSERT_INT_EQ(f, SQT_BT_FMT_BITGET);
    SQT_ASSERT_INT_EQ(g.n, 2);
    CU_ASSERT(dec_is(g.t[0].price, "78546"));
    CU_ASSERT(dec_is(g.t[1].qty, "0.0002")); /* the base size, not the quote volume */
    SQT_ASSERT_INT_EQ(parse(gate, SQT_BT_FMT_AUTO, 4, &g, err, sizeof(err), &f), 0);
    SQT_ASSERT_INT_EQ(f, SQT_BT_FMT_GATE);
    SQT_ASSERT_INT_EQ(g.n, 3);
    SQT_ASSERT_INT_EQ(g.t[0].time_ms, 1700000000123LL);
    SQT_ASSERT_INT_EQ(g.t[1].time_ms, 1700000000500LL);
    SQT_ASSERT_INT_EQ(g.t[2].time_ms, 1700000001000LL);
    CU_ASSERT(dec_is(g.t[0].qty, "12")); /* a sell: the size's absolute value */
    SQT_ASSERT_INT_EQ(parse(gate_spot, SQT_BT_FMT_AUTO, 100, &g, err, sizeof(err), &f), 0);
    SQT_ASSERT_INT_EQ(f, SQT_BT_FMT_GATE);
    SQT_ASSERT_INT_EQ(g.t[0].time_ms, 1700000000250LL);
}

/* Any split of the bytes gives the same ticks. */
static void test_any_chunking(void)
{
    got a, b;
    char err[256];
    size_t chunk;
    int i;
    SQT_ASSERT_INT_EQ(parse(AGG, SQT_BT_FMT_AUTO, 1 << 20, &a, err, sizeof(err), NULL), 0);
    for (chunk = 1; chunk <= 64; chunk++) {
        SQT_ASSERT_INT_EQ(parse(AGG, SQT_BT_FMT_AUTO, chunk, &b, err, sizeof(err), NULL), 0);
        SQT_ASSERT_INT_EQ(b.n, a.n);
        for (i = 0; i < a.n && i < b.n; i++) {
            CU_ASSERT(a.t[i].time_ms == b.t[i].time_ms && a.t[i].line == b.t[i].line);
            CU_ASSERT(sqt_dec_cmp(a.t[i].price, b.t[i].price, NULL) == 0);
        }
    }
}

static void expect_error(const char *text, sqt_bt_format fmt, const char *want)
{
    got g;
    char err[256];
    size_t chunk;
    /* the same message whatever the chunking */
    for (chunk = 1; chunk <= 4096; chunk *= 8) {
        int rc = parse(text, fmt, chunk, &g, err, sizeof(err), NULL);
        CU_ASSERT(rc < 0);
        if (strstr(err, want) == NULL)
            fprintf(stderr, "    error \"%s\" lacks \"%s\"\n", err, want);
        CU_ASSERT(strstr(err, want) != NULL);
    }
}

static void test_bad_rows(void)
{
    char longline[6000];
    expect_error("1,2281.50,0.5,1,1,1704067200012,false\n2,2281.5,0.5,2,2,1704067200013,false\n"
                 "3,abc,0.5,3,3,1704067200014,false\n",
                 SQT_BT_FMT_AUTO, "f.csv:3: price \"abc\" is not a decimal number");
    expect_error("1,2281.50,0.5,1,1,1704067200012,false\n2,-5,0.5,2,2,1704067200013,false\n",
                 SQT_BT_FMT_AUTO, "f.csv:2: price -5 is not > 0");
    expect_error("1,2281.50,0.5,1,1,1704067200012,false\n2,2281.5,0.5,2,2,1704067200011,false\n",
                 SQT_BT_FMT_AUTO, "f.csv:2: time 1704067200011 ms is before");
    expect_error("1,2281.50,0.5,1,1,1704067200012,false\n2,2281.5,0.5,2,2,1704067200013,maybe\n",
                 SQT_BT_FMT_AUTO, "f.csv:2: is_buyer_maker");
    expect_error("1,2281.50,0.5,1,1,1704067200012,false\n2,2281.5,0.5\n", SQT_BT_FMT_AUTO,
                 "f.csv:2: aggTrades row needs 7 or 8 columns, got 3");
    /* the last line cut off at the end of the file */
    expect_error("1,2281.50,0.5,1,1,1704067200012,false\n1930005103,2281.4", SQT_BT_FMT_AUTO,
                 "f.csv:2: aggTrades row needs 7 or 8 columns, got 2");
    expect_error("price,time\n1,2\n", SQT_BT_FMT_AUTO, "f.csv:1: unknown header");
    expect_error("hello world\n", SQT_BT_FMT_AUTO, "f.csv:1: unknown header");
    expect_error("1,2,3\n", SQT_BT_FMT_AUTO, "f.csv:1: 3 columns: not a Binance");
    expect_error("", SQT_BT_FMT_AUTO, "f.csv: no data rows");
    expect_error("1704067200000,100,99,98,99,1,1704067259999\n", SQT_BT_FMT_AUTO,
                 "f.csv:1: high/low do not contain open/close");
    expect_error("trade_id,timestamp,price,side,volume(quote),size(base)\n1,1788192000000,5,hold,1,1\n",
                 SQT_BT_FMT_AUTO, "f.csv:2: side \"hold\" is not buy/sell");
    expect_error("17000000x0.5,1,2,3\n", SQT_BT_FMT_GATE, "f.csv:1: timestamp");
    expect_error("agg_trade_id,price\n", SQT_BT_FMT_GATE, "f.csv:1: the header is of a binance-aggtrades file");
    memset(longline, '1', sizeof(longline) - 2);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = '\0';
    expect_error(longline, SQT_BT_FMT_AUTO, "f.csv:1: line longer than 4096");
}

static void test_nul_byte(void)
{
    static const char text[] = "1,2281.50,0.5,1,1,1704067200012,false\n2,22\0081.5,0.5,2,2,1704067200013,false\n";
    got g;
    char err[256];
    sqt_bt_reader *r = sqt_bt_reader_new("f.csv", SQT_BT_FMT_AUTO, collect, &g);
    memset(&g, 0, sizeof(g));
    CU_ASSERT(sqt_bt_reader_push(r, text, sizeof(text) - 1, err, sizeof(err)) < 0);
    CU_ASSERT(strstr(err, "f.csv:2: binary data") != NULL);
    sqt_bt_reader_free(r);
}

static void test_times(void)
{
    int64_t ms;
    SQT_ASSERT_INT_EQ(sqt_bt_parse_time("1704067200000", &ms), 0);
    SQT_ASSERT_INT_EQ(ms, 1704067200000LL);
    SQT_ASSERT_INT_EQ(sqt_bt_parse_time("2024-01-01", &ms), 0);
    SQT_ASSERT_INT_EQ(ms, 1704067200000LL);
    SQT_ASSERT_INT_EQ(sqt_bt_parse_time("2024-02-29T12:30", &ms), 0);
    SQT_ASSERT_INT_EQ(ms, 1709209800000LL);
    SQT_ASSERT_INT_EQ(sqt_bt_parse_time("2024-02-29 12:30:15Z", &ms), 0);
    SQT_ASSERT_INT_EQ(ms, 1709209815000LL);
    CU_ASSERT(sqt_bt_parse_time("2024-13-01", &ms) < 0);
    CU_ASSERT(sqt_bt_parse_time("2024-01-01T25:00", &ms) < 0);
    CU_ASSERT(sqt_bt_parse_time("yesterday", &ms) < 0);
    CU_ASSERT(sqt_bt_parse_time("", &ms) < 0);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"binance aggTrades", test_aggtrades},
                                          {"binance klines", test_klines},
                                          {"bitget and gate trades", test_bitget_gate},
                                          {"any chunking gives the same ticks", test_any_chunking},
                                          {"bad rows name file:line", test_bad_rows},
                                          {"NUL byte", test_nul_byte},
                                          {"--from/--to times", test_times},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("bt_data", cases);
    return sqt_test_run();
}
