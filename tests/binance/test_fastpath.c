/* The aggTrade fast path (fastpath.c, jsmn): what it reads, what it declines, and that
 * whatever it reads is what the Jansson parse reads from the same text. Then through the
 * plugin's price stream: a message the fast path declines still reaches the sink when
 * the DOM accepts it, and is still refused when the DOM refuses it. */
#include <string.h>

#include "bn_fixture.h"
#include "fastpath.h"
#include "parse.h"
#include "samples.h"
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


/* ------------------------------------------------------------------------------------
 * ORDER_TRADE_UPDATE
 * ---------------------------------------------------------------------------------- */

#define PFX "x-zdfVM8vY"

/* The spec's partial fill (samples.h BN_PUSH_PARTIAL) without its status, so a test can
 * set the status and add fields: OTU_TOP "{" OTU_O ... "}}". */
#define OTU_TOP "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1765101261002,\"T\":1765101261000,\"o\":"
#define OTU_O                                                                              \
    "\"s\":\"ETHUSDT\",\"c\":\"x-zdfVM8vY302155_B_1765101259001\",\"S\":\"BUY\",\"o\":\"LIMIT\"," \
    "\"f\":\"GTX\",\"q\":\"0.010\",\"p\":\"3021.55\",\"ap\":\"3021.55\",\"sp\":\"0\","      \
    "\"x\":\"TRADE\",\"i\":8389765537712345678,\"l\":\"0.004\",\"z\":\"0.004\","            \
    "\"L\":\"3021.55\",\"N\":\"USDT\",\"n\":\"0.00241724\",\"T\":1765101261000,"           \
    "\"t\":4455667788,\"b\":\"18.12\",\"a\":\"0\",\"m\":true,\"R\":false,"                 \
    "\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\","  \
    "\"V\":\"EXPIRE_MAKER\",\"pm\":\"NONE\",\"gtd\":0,\"er\":\"0\""
/* an order update with status X and `more` order fields (each with its leading ',') */
#define OTU(X, more) OTU_TOP "{" OTU_O ",\"X\":\"" X "\"" more "}}"

/* The DOM's verdict on the same text: 1 an order (filled), 0 anything else. */
static int dom_order(const char *json, const char *prefix, sqt_order *o)
{
    sqt_error e;
    char key[80];
    int kind = -1;
    return sqt_bn_parse_user_event(json, strlen(json), prefix, &kind, o, key, sizeof key, &e) ==
               SQT_OK &&
           kind == SQT_BN_EV_ORDER;
}

/* Accepted by the fast path, and equal to the DOM's order byte for byte. */
static void order_accepted(const char *json, const char *prefix, sqt_order *out)
{
    sqt_order dom;
    if (!sqt_bn_fast_order(json, strlen(json), prefix, out))
        fprintf(stderr, "    fast path declined: %s\n", json);
    CU_ASSERT_TRUE_FATAL(sqt_bn_fast_order(json, strlen(json), prefix, out));
    memset(&dom, 0x5a, sizeof dom);
    CU_ASSERT_TRUE_FATAL(dom_order(json, prefix, &dom));
    CU_ASSERT_EQUAL(memcmp(out, &dom, sizeof dom), 0);
}

/* Declined by the fast path; dom_ok says what the DOM makes of it. */
static void order_declined(const char *json, int dom_ok)
{
    sqt_order o;
    if (sqt_bn_fast_order(json, strlen(json), PFX, &o))
        fprintf(stderr, "    fast path took: %s\n", json);
    CU_ASSERT_FALSE(sqt_bn_fast_order(json, strlen(json), PFX, &o));
    if (dom_order(json, PFX, &o) != dom_ok)
        fprintf(stderr, "    the DOM did not %s: %s\n", dom_ok ? "accept" : "refuse", json);
    SQT_ASSERT_INT_EQ(dom_order(json, PFX, &o), dom_ok);
}

static void test_order_reads(void)
{
    sqt_order o;
    static const struct {
        const char *json;
        sqt_order_status status;
    } every[] = {
        {OTU("NEW", ""), SQT_ORDER_NEW},
        {OTU("PARTIALLY_FILLED", ""), SQT_ORDER_PARTIALLY_FILLED},
        {OTU("FILLED", ""), SQT_ORDER_FILLED},
        {OTU("CANCELED", ""), SQT_ORDER_CANCELED},
        {OTU("EXPIRED", ""), SQT_ORDER_EXPIRED},
        {OTU("EXPIRED_IN_MATCH", ""), SQT_ORDER_EXPIRED},
        {OTU("REJECTED", ""), SQT_ORDER_REJECTED},
    };
    size_t i;
    for (i = 0; i < sizeof every / sizeof every[0]; i++) {
        order_accepted(every[i].json, PFX, &o);
        SQT_ASSERT_INT_EQ(o.status, every[i].status);
    }
    /* the spec's sample, field by field */
    order_accepted(BN_PUSH_PARTIAL, PFX, &o);
    SQT_ASSERT_INT_EQ(o.struct_size, sizeof o);
    SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(o.client_id, "302155_B_1765101259001");
    SQT_ASSERT_STR_EQ(o.order_id, "8389765537712345678");
    SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_PARTIALLY_FILLED);
    SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_POST_ONLY);
    SQT_ASSERT_INT_EQ(o.qty.mant, 10);
    SQT_ASSERT_INT_EQ(o.qty.scale, 3);
    SQT_ASSERT_INT_EQ(o.price.mant, 302155);
    SQT_ASSERT_INT_EQ(o.filled_qty.mant, 4);
    SQT_ASSERT_INT_EQ(o.last_fill_qty.mant, 4);
    SQT_ASSERT_INT_EQ(o.last_fill_price.mant, 302155);
    SQT_ASSERT_INT_EQ(o.avg_price.mant, 302155);
    SQT_ASSERT_INT_EQ(o.fee.mant, 241724);
    SQT_ASSERT_INT_EQ(o.fee.scale, 8);
    SQT_ASSERT_STR_EQ(o.fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(o.update_time_ms, 1765101261000);
    SQT_ASSERT_INT_EQ(o.seq, 1765101261002);
    SQT_ASSERT_INT_EQ(o.reduce_only, 0);
    /* without a prefix configured, the id as sent */
    order_accepted(BN_PUSH_PARTIAL, "", &o);
    SQT_ASSERT_STR_EQ(o.client_id, "x-zdfVM8vY302155_B_1765101259001");
    order_accepted(BN_PUSH_PARTIAL, NULL, &o);
    SQT_ASSERT_STR_EQ(o.client_id, "x-zdfVM8vY302155_B_1765101259001");
    /* a fee in BNB, a sell, GTC, reduce-only as the string Binance once sent */
    order_accepted(OTU_TOP "{\"s\":\"ETHUSDT\",\"c\":\"x-zdfVM8vY9_S_1\",\"S\":\"SELL\","
                   "\"f\":\"GTC\",\"q\":\"0.010\",\"p\":\"3030\",\"X\":\"FILLED\",\"i\":\"12\","
                   "\"l\":\"0.006\",\"z\":\"0.010\",\"L\":\"3030\",\"N\":\"BNB\","
                   "\"n\":\"0.00000361\",\"rp\":\"-1.25\",\"R\":\"true\"}}",
                   PFX, &o);
    SQT_ASSERT_STR_EQ(o.fee_asset, "BNB");
    SQT_ASSERT_INT_EQ(o.fee.mant, 361);
    SQT_ASSERT_INT_EQ(o.side, SQT_SIDE_SELL);
    SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_GTC);
    SQT_ASSERT_INT_EQ(o.reduce_only, 1);
    SQT_ASSERT_INT_EQ(o.realized_pnl.mant, -125);
    SQT_ASSERT_STR_EQ(o.order_id, "12");
    /* a liquidation: another client id (no prefix to strip), IOC, CALCULATED */
    order_accepted(OTU_TOP "{\"s\":\"ETHUSDT\",\"c\":\"autoclose-1765101261002\",\"S\":\"SELL\","
                   "\"o\":\"LIQUIDATION\",\"f\":\"IOC\",\"q\":\"0.5\",\"p\":\"2900\","
                   "\"ap\":\"2901.5\",\"x\":\"CALCULATED\",\"X\":\"FILLED\",\"i\":5,"
                   "\"l\":\"0.5\",\"z\":\"0.5\",\"L\":\"2901.5\",\"R\":true,\"ot\":\"LIQUIDATION\"}}",
                   PFX, &o);
    SQT_ASSERT_STR_EQ(o.client_id, "autoclose-1765101261002");
    SQT_ASSERT_INT_EQ(o.reduce_only, 1);
    SQT_ASSERT_INT_EQ(o.fee.mant, 0); /* no "n": none */
    SQT_ASSERT_STR_EQ(o.fee_asset, "");
    /* self-trade prevention: expired in match, with the STP fields Binance adds */
    order_accepted(OTU("EXPIRED_IN_MATCH", ",\"si\":0,\"ss\":0"), PFX, &o);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_EXPIRED);
    /* the transaction time: the event's T, the order's when that is 0 or null, else E */
    order_accepted(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"T\":55}}", PFX, &o);
    SQT_ASSERT_INT_EQ(o.update_time_ms, 1765101261000);
    order_accepted("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":9,\"T\":0,\"o\":{\"s\":\"B\",\"c\":\"c\","
                   "\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\","
                   "\"T\":55}}", PFX, &o);
    SQT_ASSERT_INT_EQ(o.update_time_ms, 55);
    order_accepted("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":\"9\",\"T\":null,\"o\":{\"s\":\"B\","
                   "\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":1,\"p\":3000,"
                   "\"z\":\"0\",\"ap\":\"\",\"n\":null,\"N\":null,\"f\":null,\"R\":null}}",
                   PFX, &o);
    SQT_ASSERT_INT_EQ(o.update_time_ms, 9);
    SQT_ASSERT_INT_EQ(o.seq, 9);
    SQT_ASSERT_INT_EQ(o.price.mant, 3000);
    SQT_ASSERT_INT_EQ(o.price.scale, 0);
    SQT_ASSERT_INT_EQ(o.tif, SQT_TIF_GTC);
    /* "o" before the event's name, whitespace everywhere JSON allows it */
    order_accepted(" {\"o\" : { \"s\":\"B\" ,\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"\n} ,\"E\":3,\t\"e\":\"ORDER_TRADE_UPDATE\"}\r\n",
                   PFX, &o);
    /* a key longer than two letters with the name of a field ("si" vs "s") is not it */
    order_accepted(OTU("NEW", ",\"sss\":\"x\",\"ap2\":1"), PFX, &o);
    SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
}

static void test_order_declines_what_the_dom_refuses(void)
{
    /* unknown status and side */
    order_declined(OTU("NEW_INSURANCE", ""), 0);
    order_declined(OTU("new", ""), 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BOTH\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    /* duplicate keys, in the order and at the top */
    order_declined(OTU("NEW", ",\"z\":\"0.010\""), 0);
    order_declined(OTU("NEW", ",\"X\":\"FILLED\""), 0);
    order_declined(OTU("NEW", ",\"rp\":\"1\""), 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"E\":2,\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    order_declined(OTU_TOP "{" OTU_O ",\"X\":\"NEW\"},\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    /* reals where a decimal string or an integer belongs, and in fields not read */
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":0.01,\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1.0,"
                   "\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    /* out of range */
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\","
                   "\"i\":9223372036854775808,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU("NEW", ",\"gtd2\":-9223372036854775809"), 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"1\",\"p\":\"99999999999999999999.5\",\"z\":\"0\"}}", 0);
    /* negative quantities */
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"-1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"l\":\"-0.1\"}}", 0);
    /* too long for the SDK's fields */
    order_declined(OTU_TOP "{\"s\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ\",\"c\":\"c\",\"S\":\"BUY\","
                   "\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"0123456789012345678901234567890123456789012345678901234567890123456789\","
                   "\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\","
                   "\"p\":\"1\",\"z\":\"0\",\"N\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}}", 0);
    /* missing required fields */
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1}", 0);
    order_declined(OTU_TOP "{\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\"}}", 0);
    /* mistyped */
    order_declined(OTU_TOP "{\"s\":7,\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":null,\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":\"1x\",\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":null}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"R\":1}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"R\":\"yes\"}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"N\":5}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"f\":true}}", 0);
    order_declined(OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\",\"n\":\"abc\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":true,\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"T\":\"null\",\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"o\":\"x\"}", 0);
    /* not JSON: jsmn passes these token by token, the separators are checked */
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"o\":{" OTU_O ",\"X\" \"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"o\":{" OTU_O ",\"X\":\"NEW\",}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"o\":{" OTU_O " \"X\":\"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1 \"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"o\":{" OTU_O ",\"X\":\"NEW\"}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"o\":{" OTU_O ",\"X\":\"NEW\"]}", 0);
    order_declined(OTU("NEW", "") "x", 0);
    order_declined(OTU("NEW", ",\"m\":tru"), 0);
    order_declined(OTU("NEW", ",\"gtd2\":01"), 0);
    {
        static const char nul[] = OTU("NEW", "") "\0";
        sqt_order o;
        CU_ASSERT_FALSE(sqt_bn_fast_order(nul, sizeof nul - 1, PFX, &o));
    }
}

static void test_order_declines_what_the_dom_reads(void)
{
    /* escapes and non-ASCII text: the DOM's business */
    order_declined(OTU("NEW", ",\"xx\":\"\\u0041\""), 1);
    order_declined(OTU_TOP "{\"s\":\"ETH\\u0055SDT\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1,"
                   "\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}", 1);
    order_declined(OTU("NEW", ",\"xx\":\"\xc3\xa9\""), 1);
    order_declined("{\"e\":\"ORDER_TRADE_\\u0055PDATE\",\"E\":1,\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 1);
    /* a real in a field nobody reads: Jansson takes it (strtod), the fast path does not */
    order_declined(OTU("NEW", ",\"Q\":0.5"), 1);
    /* nesting other than the order object */
    order_declined(OTU("NEW", ",\"xx\":{\"y\":1}"), 1);
    order_declined(OTU("NEW", ",\"xx\":[1,2]"), 1);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"a\":{},\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 1);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1,\"a\":[],\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 1);
    /* a wrapped message (stream mode) */
    order_declined("{\"stream\":\"k\",\"data\":" OTU("FILLED", "") "}", 1);
    /* other events */
    order_declined("{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":1,\"a\":{\"m\":\"ORDER\",\"B\":[],\"P\":[]}}", 0);
    order_declined("{\"e\":\"TRADE_LITE\",\"E\":1,\"T\":1,\"s\":\"ETHUSDT\",\"q\":\"0.01\",\"p\":\"3000\","
                   "\"c\":\"x-1\",\"S\":\"BUY\",\"L\":\"3000\",\"l\":\"0.01\",\"t\":1,\"i\":2}", 0);
    order_declined("{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"k\"}", 0);
}

/* A plugin with the broker prefix, its user stream up (connection #0), the spec's
 * partial fill pushed on it. */
static void user_stream_with_fill(fx *f, sink_rec *s, sqt_order_sink *sink)
{
    fx_init(f, PFX);
    fx_start(f);
    user_sink(s, sink);
    SQT_ASSERT_INT_EQ(CALL(f->api->subscribe_orders(f->ex, sink)), SQT_OK);
    lk_reply(f, "K1");
    fake_host_ws_connect(f->fh, 0);
    fake_host_ws_message(f->fh, 0, BN_PUSH_PARTIAL);
}

/* Through the plugin: the user stream delivers what the fast path reads, and what it
 * declines still reaches the DOM's verdict. */
static void test_user_stream_falls_back(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    user_stream_with_fill(&f, &s, &sink);
    SQT_ASSERT_INT_EQ(s.orders, 1);
    SQT_ASSERT_STR_EQ(s.order.client_id, "302155_B_1765101259001");
    SQT_ASSERT_INT_EQ(s.order.status, SQT_ORDER_PARTIALLY_FILLED);
    /* an escaped client id: declined, read by Jansson, delivered */
    fake_host_ws_message(f.fh, 0, OTU_TOP "{\"s\":\"ETHUSDT\",\"c\":\"x-zdfVM8vY\\u0041\","
                                  "\"S\":\"SELL\",\"X\":\"FILLED\",\"i\":9,\"q\":\"1\",\"p\":\"1\",\"z\":\"1\"}}");
    SQT_ASSERT_INT_EQ(s.orders, 2);
    SQT_ASSERT_STR_EQ(s.order.client_id, "A");
    SQT_ASSERT_INT_EQ(s.order.status, SQT_ORDER_FILLED);
    /* a duplicate status: declined, refused by Jansson, nothing delivered */
    fake_host_ws_message(f.fh, 0, OTU("NEW", ",\"X\":\"FILLED\""));
    SQT_ASSERT_INT_EQ(s.orders, 2);
    /* another symbol: read, not delivered */
    fake_host_ws_message(f.fh, 0, OTU_TOP "{\"s\":\"BTCUSDT\",\"c\":\"c\",\"S\":\"BUY\","
                                  "\"X\":\"NEW\",\"i\":1,\"q\":\"1\",\"p\":\"1\",\"z\":\"0\"}}");
    SQT_ASSERT_INT_EQ(s.orders, 2);
    fx_done_lk(&f, 200, "{}");
}

/* ---- events the plugin ignores ------------------------------------------------------ */

#define ACCT_UPDATE                                                                        \
    "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1765101261003,\"T\":1765101261003,\"a\":{\"m\":\"ORDER\","  \
    "\"B\":[{\"a\":\"USDT\",\"wb\":\"1000.5\",\"cw\":\"1000.5\",\"bc\":\"0\"}],"              \
    "\"P\":[{\"s\":\"ETHUSDT\",\"pa\":\"0.004\",\"ep\":\"3021.55\",\"bep\":\"3021.55\",\"cr\":\"0\"," \
    "\"up\":\"0\",\"mt\":\"cross\",\"iw\":\"0\",\"ps\":\"BOTH\"}]}}"

/* Read by the fast path as an ignored event, and by the DOM the same way. */
static void ignored(const char *json)
{
    sqt_order o;
    sqt_error e;
    char key[80];
    int kind = -1;
    if (!sqt_bn_fast_user(json, strlen(json), PFX, &kind, &o))
        fprintf(stderr, "    fast path declined: %s\n", json);
    CU_ASSERT_TRUE_FATAL(sqt_bn_fast_user(json, strlen(json), PFX, &kind, &o));
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_OTHER);
    CU_ASSERT_FALSE(sqt_bn_fast_order(json, strlen(json), PFX, &o));
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(json, strlen(json), PFX, &kind, &o, key, sizeof key, &e),
                      SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_OTHER);
}

/* Declined by the fast path (no kind); dom_ok: the DOM loads it. */
static void user_declined(const char *json, int dom_ok)
{
    sqt_order o;
    sqt_error e;
    char key[80];
    int kind = -1;
    if (sqt_bn_fast_user(json, strlen(json), PFX, &kind, &o))
        fprintf(stderr, "    fast path took: %s\n", json);
    CU_ASSERT_FALSE(sqt_bn_fast_user(json, strlen(json), PFX, &kind, &o));
    SQT_ASSERT_INT_EQ(sqt_bn_parse_user_event(json, strlen(json), PFX, &kind, &o, key, sizeof key,
                                              &e) == SQT_OK, dom_ok);
}

static void test_ignored_events(void)
{
    ignored(ACCT_UPDATE);
    ignored(" {\"e\" : \"ACCOUNT_UPDATE\", \"a\" : { \"B\" : [ ] , \"P\":[{},{\"x\":[1,[2,{}]]}]} }\n");
    ignored("{\"e\":\"TRADE_LITE\",\"E\":1,\"T\":1,\"s\":\"ETHUSDT\",\"q\":\"0.01\",\"p\":\"3000\","
            "\"m\":false,\"c\":\"x-1\",\"S\":\"BUY\",\"L\":\"3000\",\"l\":\"0.01\",\"t\":1,\"i\":2}");
    ignored("{\"e\":\"ACCOUNT_CONFIG_UPDATE\",\"E\":1,\"T\":1,\"ac\":{\"s\":\"ETHUSDT\",\"l\":25}}");
    ignored("{\"e\":\"MARGIN_CALL\",\"E\":1,\"cw\":\"3.16\",\"p\":[{\"s\":\"ETHUSDT\",\"ps\":\"LONG\"}]}");
    /* another event with an "o" object: not an order update */
    ignored("{\"e\":\"SOMETHING_NEW\",\"E\":1,\"o\":{\"s\":\"ETHUSDT\",\"X\":\"NEW\"}}");
    /* a "stream" that is not a wrapper (no "data" object) */
    ignored("{\"stream\":\"k\",\"data\":[1],\"e\":\"ACCOUNT_UPDATE\"}");
    /* what the DOM decides: the key expiry, wrapped messages, escapes, reals, depth */
    user_declined("{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"k\"}", 1);
    user_declined("{\"stream\":\"k\",\"data\":" ACCT_UPDATE "}", 1);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[\"\\u0041\"]}}", 1);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[1.5]}}", 1);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":[[[[[[[[[1]]]]]]]]]}", 1);
    /* what the DOM refuses: duplicates at any depth, bad JSON inside, no or a bad "e" */
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[{\"a\":1,\"a\":2}]}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"e\":\"X\"}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[1 2]}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[1,]}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[\"k\":1]}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[1],}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[99999999999999999999]}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[tru]}}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[1]}", 0);
    user_declined("{\"e\":5,\"a\":{}}", 0);
    user_declined("{\"E\":1,\"a\":{}}", 0);
    user_declined("[{\"e\":\"ACCOUNT_UPDATE\"}]", 0);
}

/* Through the plugin: an ACCOUNT_UPDATE after a fill is skipped quietly; a broken one
 * is still the DOM's warning. */
static void test_user_stream_skips_ignored(void)
{
    fx f;
    sink_rec s;
    sqt_order_sink sink;
    user_stream_with_fill(&f, &s, &sink);
    fake_host_ws_message(f.fh, 0, ACCT_UPDATE);
    SQT_ASSERT_INT_EQ(s.orders, 1);
    CU_ASSERT_FALSE(fake_host_log_contains(f.fh, "WARN"));
    fake_host_ws_message(f.fh, 0, "{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[1 2]}}");
    SQT_ASSERT_INT_EQ(s.orders, 1);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "WARN user stream"));
    fx_done_lk(&f, 200, "{}");
}

/* The fast path on any text, held to the DOM as fuzz_bnfast holds it: when it reads an
 * order, the DOM reads the same one byte for byte. Returns whether it read an order. */
static int order_agrees(const char *json, size_t len)
{
    sqt_order fast, dom;
    sqt_error e;
    char key[80];
    int kind = -1;
    if (!sqt_bn_fast_order(json, len, PFX, &fast))
        return 0;
    memset(&dom, 0x5a, sizeof dom);
    CU_ASSERT_EQUAL_FATAL(sqt_bn_parse_user_event(json, len, PFX, &kind, &dom, key, sizeof key, &e),
                          SQT_OK);
    SQT_ASSERT_INT_EQ(kind, SQT_BN_EV_ORDER);
    CU_ASSERT_EQUAL(memcmp(&fast, &dom, sizeof dom), 0);
    return 1;
}

/* Every byte value inside a string, at every lane of the eight-byte check and in its
 * tail, in compact text (the one check of the whole text) and with whitespace between
 * tokens (each string checked on its own): read exactly when printable ASCII without a
 * backslash. The text is passed with its length, so a NUL is inside it too. */
static void test_every_byte_in_strings(void)
{
    char buf[1024];
    int c, pad, where, spaced, bad = 0;
    for (c = 0; c < 256; c++) {
        if (c == '"')
            continue;
        for (spaced = 0; spaced < 2; spaced++)
            for (where = 0; where < 2; where++)
                for (pad = 0; pad < 16; pad++) {
                    int n, ok = c >= 0x20 && c < 0x80 && c != '\\';
                    const char *sp = spaced ? " " : "";
                    if (where == 0) /* in a field of the order object */
                        n = snprintf(buf, sizeof buf, OTU_TOP "{" OTU_O ",\"X\":\"NEW\",%s\"xx\":\"%.*s%cB\"}}",
                                     sp, pad, "AAAAAAAAAAAAAAAA", c);
                    else /* at the very end of the text: the byte loop after the words */
                        n = snprintf(buf, sizeof buf, OTU_TOP "{" OTU_O ",\"X\":\"NEW\"},%s\"xx\":\"%.*s%c\"}",
                                     sp, pad, "AAAAAAAAAAAAAAAA", c);
                    if (c == 0) /* snprintf stopped at the NUL: write it and the rest by hand */
                        n = snprintf(buf, sizeof buf, OTU_TOP "{" OTU_O ",\"X\":\"NEW\",%s\"xx\":\"%.*s",
                                     sp, pad, "AAAAAAAAAAAAAAAA"),
                        memcpy(buf + n, "\0B\"}}", 5), n += 5;
                    if (order_agrees(buf, (size_t)n) != ok) {
                        if (bad++ < 5)
                            fprintf(stderr, "    byte 0x%02x pad %d where %d spaced %d: %s\n", c,
                                    pad, where, spaced, ok ? "declined" : "read");
                    }
                }
    }
    SQT_ASSERT_INT_EQ(bad, 0);
}

/* A minimal order update, its order id "i" the argument's text. */
#define MINI_OTU                                                                           \
    OTU_TOP "{\"s\":\"B\",\"c\":\"c\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":%s,\"q\":\"1\","   \
            "\"p\":\"1\",\"z\":\"0\"}}"

/* Integers of every length, in a field nobody reads ("gtd") and in the order id, with
 * and without a stray byte at each place: read exactly when JSON's integer grammar holds
 * and the value is within int64 (what Jansson takes); the order id as "%lld" writes it. */
static void test_integers_every_length(void)
{
    static const char strays[] = "/:;?A.e+-~xX";
    static const char *const edges[][2] = {
        {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"\"-42\"", "-42"},
        {"-0", "0"},
    };
    char num[40], buf[1024];
    sqt_order o;
    int len, at, k, bad = 0;
    for (len = 1; len <= 20; len++) {
        for (at = -1; at < len; at++)
            for (k = 0; k < (at < 0 ? 1 : (int)sizeof strays - 1); k++) {
                int field, ok;
                memset(num, 0, sizeof num);
                memset(num, '7', (size_t)len);
                num[0] = len > 1 ? '1' : '7';
                if (at >= 0)
                    num[at] = strays[k];
                /* a stray '-' in front is a negative number, fine when the rest is */
                ok = (at < 0 || (at == 0 && strays[k] == '-' && len > 1)) && len - (at == 0) <= 19;
                for (field = 0; field < 2; field++) {
                    int n = snprintf(buf, sizeof buf,
                                     field == 0 ? OTU("NEW", ",\"gtd2\":%s") : MINI_OTU,
                                     num);
                    if (order_agrees(buf, (size_t)n) != ok && bad++ < 5)
                        fprintf(stderr, "    %s as %s: %s\n", num, field ? "i" : "gtd2",
                                ok ? "declined" : "read");
                }
            }
    }
    SQT_ASSERT_INT_EQ(bad, 0);
    /* the edges of int64, read and printed as the DOM does */
    for (k = 0; k < (int)(sizeof edges / sizeof edges[0]); k++) {
        snprintf(buf, sizeof buf, MINI_OTU, edges[k][0]);
        order_accepted(buf, PFX, &o);
        SQT_ASSERT_STR_EQ(o.order_id, edges[k][1]);
    }
    order_declined(OTU("NEW", ",\"gtd2\":9223372036854775808"), 0);
    order_declined(OTU("NEW", ",\"gtd2\":-9223372036854775809"), 0);
    order_declined(OTU("NEW", ",\"gtd2\":01"), 0);
    order_declined(OTU("NEW", ",\"gtd2\":-01"), 0);
    order_declined(OTU("NEW", ",\"gtd2\":-"), 0);
}

/* Keys longer than a byte go through a small hash: a key twice is found, keys alike in
 * length and the hashed bytes are not mistaken for one, the empty key is a key. */
static void test_longer_keys(void)
{
    sqt_order o;
    char buf[2048];
    int i, n;
    order_declined(OTU("NEW", ",\"gtd\":1"), 0);
    order_declined(OTU("NEW", ",\"abXc\":1,\"abXc\":2"), 0);
    order_accepted(OTU("NEW", ",\"abXc\":1,\"abYc\":2,\"abZZc\":3,\"abc\":4"), PFX, &o);
    order_accepted(OTU("NEW", ",\"\":1"), PFX, &o);
    order_declined(OTU("NEW", ",\"\":1,\"\":2"), 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"wb\":1,\"cw\":2,\"wb\":3}}", 0);
    ignored("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"wb\":1,\"cw\":2},\"b\":{\"wb\":1,\"cw\":2}}");
    /* as many keys as the fast path takes in one object, all but the order's longer */
    n = snprintf(buf, sizeof buf, OTU_TOP "{" OTU_O ",\"X\":\"NEW\"");
    for (i = 0; i < 28; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"k%02d\":%d", i, i);
    snprintf(buf + n, sizeof buf - (size_t)n, "}}");
    order_accepted(buf, PFX, &o);
    /* ... and one of them twice */
    snprintf(buf + n, sizeof buf - (size_t)n, ",\"k17\":0}}");
    order_declined(buf, 0);
}

/* jsmn runs in its lax mode: what its strict mode refused itself is refused by the
 * walk (keys that are not strings, bare words, objects as keys, stray separators). */
static void test_lax_tokens_refused(void)
{
    /* order fields after the status, each refused by the DOM */
    static const char *const more[] = {
        ",{}:1",         ",\"xx\":abc",  ",\"xx\":True",  ",\"xx\":nul",       ",\"xx\":+1",
        ",\"xx\":1-2",   ",\"xx\":0x10", ",\"xx\":--1",   ",\"xx\":1:2",      ",\"xx\":\"a\":2",
        ",\"xx\"::2",    ",,\"xx\":2",   ",\"xx\":@",
    };
    size_t i;
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",E:1,\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    order_declined("{\"e\":\"ORDER_TRADE_UPDATE\",1:1,\"E\":1,\"o\":{" OTU_O ",\"X\":\"NEW\"}}", 0);
    for (i = 0; i < sizeof more / sizeof more[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, OTU("NEW", "%s"), more[i]);
        order_declined(buf, 0);
    }
    order_declined(OTU("NEW", "") "x", 0);
    order_declined(OTU("NEW", "") " 1", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":[abc]}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":[1:2]}", 0);
    user_declined("{\"e\":\"ACCOUNT_UPDATE\",\"a\":{x:1}}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",q:1}", 0);
    declined("{\"e\":\"aggTrade\",\"E\":1,\"s\":\"B\",\"p\":\"1.5\",\"q\":yes}", 0);
}

/* Whitespace between the tokens (not what Binance sends): still read, as the DOM. */
static void test_spaced_text(void)
{
    sqt_order o;
    sqt_price_tick t;
    order_accepted("{ \"e\" : \"ORDER_TRADE_UPDATE\" ,\n\t\"E\":1765101261002 , \"o\" :\r\n"
                   " { \"s\" :\"B\",\"c\": \"x-zdfVM8vYc\" ,\"S\":\"SELL\",\"X\":\"FILLED\",\"i\":7 ,"
                   "\"q\":\"1\",\"p\":\"2.5\",\"z\":\"1\" , \"rp\" : \"-0.5\" } }\n", PFX, &o);
    SQT_ASSERT_STR_EQ(o.client_id, "c");
    accepted(" {\"e\":\"aggTrade\", \"E\":1,\"s\":\"B\",\n\"p\":\"1.5\"}\t", &t);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"reads the usual shapes as the DOM", test_reads},
        {"declines what the DOM refuses", test_declines_what_the_dom_refuses},
        {"declines what only the DOM reads", test_declines_what_the_dom_reads},
        {"price stream falls back to the DOM", test_stream_falls_back},
        {"order update: reads every status as the DOM", test_order_reads},
        {"order update: declines what the DOM refuses", test_order_declines_what_the_dom_refuses},
        {"order update: declines what only the DOM reads", test_order_declines_what_the_dom_reads},
        {"user stream falls back to the DOM", test_user_stream_falls_back},
        {"ignored user events: read as the DOM or declined", test_ignored_events},
        {"user stream skips an ignored event quietly", test_user_stream_skips_ignored},
        {"every byte value in a string, both string checks", test_every_byte_in_strings},
        {"integers of every length, stray bytes, int64 edges", test_integers_every_length},
        {"keys longer than a byte: duplicates, look-alikes", test_longer_keys},
        {"what jsmn's lax mode lets through is refused", test_lax_tokens_refused},
        {"whitespace between tokens: read as the DOM", test_spaced_text},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("binance_fastpath", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
