/* The aggTrade fast path (fastpath.c, jsmn): what it reads, what it declines, and that
 * whatever it reads is what the Jansson parse reads from the same text. Then through the
 * plugin's price stream: a message the fast path declines still reaches the sink when
 * the DOM accepts it, and is still refused when the DOM refuses it. */
#include <string.h>

#include "bn_fixture.h"
#include "fastpath.h"
#include "parse.h"
#include "sqt_test.h"

#define TXT(s) s, strlen(s)

#define AGG "{\"e\":\"aggTrade\",\"E\":1765000000123,\"a\":2189012345,\"s\":\"BTCUSDT\"," \
            "\"p\":\"100000.10\",\"q\":\"0.012\",\"f\":5012345678,\"l\":5012345680,"     \
            "\"T\":1765000000120,\"m\":true}"

/* The DOM's verdict on the same text: 1 trade (tick filled), 0 anything else. */
static int dom_trade(const char *json, sqt_price_tick *t)
{
    sqt_kline k;
    sqt_error e;
    int64_t id = 0;
    int kind = -1, failed = 0;
    return sqt_bn_parse_market(json, strlen(json), &kind, t, &k, &id, &failed, &e) == SQT_OK &&
           kind == SQT_BN_MK_TRADE;
}

/* Accepted by the fast path, and equal to the DOM's tick byte for byte. */
static void accepted(const char *json, sqt_price_tick *out)
{
    sqt_price_tick dom;
    CU_ASSERT_TRUE_FATAL(sqt_bn_fast_trade(json, strlen(json), out));
    CU_ASSERT_TRUE_FATAL(dom_trade(json, &dom));
    CU_ASSERT_EQUAL(memcmp(out, &dom, sizeof dom), 0);
}

/* Declined by the fast path; dom_ok says what the DOM makes of it. */
static void declined(const char *json, int dom_ok)
{
    sqt_price_tick t;
    if (sqt_bn_fast_trade(json, strlen(json), &t))
        fprintf(stderr, "    fast path took: %s\n", json);
    CU_ASSERT_FALSE(sqt_bn_fast_trade(json, strlen(json), &t));
    if (dom_trade(json, &t) != dom_ok)
        fprintf(stderr, "    the DOM did not %s: %s\n", dom_ok ? "accept" : "refuse", json);
    SQT_ASSERT_INT_EQ(dom_trade(json, &t), dom_ok);
}

static void test_reads(void)
{
    sqt_price_tick t;
    accepted(AGG, &t);
    SQT_ASSERT_STR_EQ(t.symbol, "BTCUSDT");
    SQT_ASSERT_INT_EQ(t.price.mant, 10000010);
    SQT_ASSERT_INT_EQ(t.price.scale, 2);
    SQT_ASSERT_INT_EQ(t.time_ms, 1765000000120);
    SQT_ASSERT_INT_EQ(t.seq, 2189012345);
    /* whitespace anywhere JSON allows it */
    accepted(" {\n \"e\" : \"aggTrade\" ,\t\"E\":7 , \"s\":\"ETHUSDT\",\"p\" :\"3000.5\"}\r\n", &t);
    SQT_ASSERT_INT_EQ(t.price.mant, 30005);
    SQT_ASSERT_INT_EQ(t.time_ms, 7); /* no T: the event time */
    SQT_ASSERT_INT_EQ(t.seq, 0);
    /* T and a null: their defaults; E as a digit string (the kit reads those too) */
    accepted("{\"e\":\"aggTrade\",\"E\":\"42\",\"T\":null,\"a\":null,\"s\":\"X\",\"p\":\"1\"}", &t);
    SQT_ASSERT_INT_EQ(t.time_ms, 42);
    /* an integer price is an integer decimal */
    accepted("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":100000}", &t);
    SQT_ASSERT_INT_EQ(t.price.mant, 100000);
    SQT_ASSERT_INT_EQ(t.price.scale, 0);
    /* the extremes Jansson's strtoll still takes */
    accepted("{\"e\":\"aggTrade\",\"E\":-9223372036854775808,\"a\":9223372036854775807,"
             "\"s\":\"B\",\"p\":\"1\"}", &t);
    SQT_ASSERT_INT_EQ(t.seq, INT64_MAX);
    /* a price string with an exponent: whatever sqt_dec_parse makes of it, as the DOM */
    if (sqt_bn_fast_trade(TXT("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1e5\"}"), &t))
        accepted("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1e5\"}", &t);
    else
        declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1e5\"}", 0);
}

static void test_declines_what_the_dom_refuses(void)
{
    /* duplicate keys: the DOM loads with JSON_REJECT_DUPLICATES, so neither reads them */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",\"p\":\"2.5\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",\"q\":1,\"q\":1}", 0);
    /* numbers out of int64 */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":99999999999999999999}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":9223372036854775808,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":\"-9223372036854775808\",\"s\":\"B\",\"p\":\"1\"}", 0);
    /* out of int64 in a field the trade does not use: Jansson refuses the whole text
     * (found by fuzz_bnfast) */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\",\"Q\":17644444444444444444444}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\",\"Q\":-9223372036854775809}", 0);
    /* reals where an integer or a decimal string belongs */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":100.5}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"a\":1e3,\"s\":\"B\",\"p\":\"1\"}", 0);
    /* the string "null" is not null */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"T\":\"null\",\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":null,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"T\":true,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":\"-\",\"s\":\"B\",\"p\":\"1\"}", 0);
    /* values the engine must never see */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"0.00\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"-1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"12345678901234567890123.5\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ\","
             "\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":7,\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\"}", 0);
    /* not JSON: jsmn passes these token by token, the separators are checked */
    declined("{\"e\":\"aggTrade\",\"E\" 1,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1 \"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\":\"E\",1,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\",}", 0);
    declined("{,\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":01,\"s\":\"B\",\"p\":\"1\"}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\",\"m\":tru}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\tC\",\"p\":\"1\"}", 0);
    declined(AGG "x", 0);
    declined(AGG "{}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\"", 0);
    declined("", 0);
    declined("{}", 0);
    /* a NUL inside the length: jsmn stops there, Jansson refuses it */
    {
        static const char nul[] = "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1\"}\0";
        sqt_price_tick t;
        CU_ASSERT_FALSE(sqt_bn_fast_trade(nul, sizeof nul - 1, &t));
    }
}

static void test_declines_what_the_dom_reads(void)
{
    /* escapes, non-ASCII text, nesting, other events, replies: the DOM's business */
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"\\u0070\":\"1.5\"}", 1);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTC\\u0055SDT\",\"p\":\"1.5\"}", 1);
    declined("{\"e\":\"agg\\u0054rade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\"}", 1);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\xc3\xa9\",\"p\":\"1.5\"}", 1);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",\"x\":{\"y\":1}}", 1);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",\"x\":[1,2]}", 1);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",\"q\":1.5}", 1);
    declined("{\"stream\":\"b@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\","
             "\"p\":\"1.5\"}}", 1);
    declined("{\"result\":null,\"id\":3}", 0);
    declined("{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\"}", 0);
    declined("[{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\"}]", 0);
}

/* Through the plugin: the fast path's declines still reach the DOM's verdict. */
static void test_stream_falls_back(void)
{
    fx f;
    sink_rec s;
    sqt_price_sink sink;
    fx_init(&f, NULL);
    fx_start(&f);
    price_sink(&s, &sink);
    SQT_ASSERT_INT_EQ(CALL(f.api->subscribe_price(f.ex, &sink)), SQT_OK);
    fake_host_ws_connect(f.fh, 0);
    /* the usual shape: the fast path */
    fake_host_ws_message(f.fh, 0, "{\"e\":\"aggTrade\",\"E\":5,\"s\":\"ETHUSDT\",\"p\":\"3000.25\"}");
    SQT_ASSERT_INT_EQ(s.ticks, 1);
    SQT_ASSERT_INT_EQ(s.tick.price.mant, 300025);
    /* an escaped symbol: declined, read by Jansson, delivered */
    fake_host_ws_message(f.fh, 0,
                         "{\"e\":\"aggTrade\",\"E\":6,\"s\":\"ETH\\u0055SDT\",\"p\":\"3001\"}");
    SQT_ASSERT_INT_EQ(s.ticks, 2);
    SQT_ASSERT_INT_EQ(s.tick.price.mant, 3001);
    SQT_ASSERT_INT_EQ(s.tick.time_ms, 6);
    /* a duplicate price: declined, refused by Jansson, nothing delivered */
    fake_host_ws_message(f.fh, 0,
                         "{\"e\":\"aggTrade\",\"E\":7,\"s\":\"ETHUSDT\",\"p\":\"1\",\"p\":\"2\"}");
    SQT_ASSERT_INT_EQ(s.ticks, 2);
    fx_done(&f);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"reads the usual shapes as the DOM", test_reads},
        {"declines what the DOM refuses", test_declines_what_the_dom_refuses},
        {"declines what only the DOM reads", test_declines_what_the_dom_reads},
        {"price stream falls back to the DOM", test_stream_falls_back},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("binance_fastpath", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
