/* Matching core (common/match.c): validation, post-only, fills, fees, partial
 * fills, cancels, reduce-only, margin, position arithmetic, determinism. No host. */
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "pricepath.h"
#include "sqt_test.h"

#define MAXREC 256

typedef struct recorder {
    sqt_order rec[MAXREC];
    size_t n;
} recorder;

static void record(void *ud, const sqt_order *o)
{
    recorder *r = ud;
    if (r->n < MAXREC)
        r->rec[r->n++] = *o;
}

static sqt_dec D(const char *s)
{
    sqt_dec d;
    CU_ASSERT_EQUAL_FATAL(sqt_dec_parse(s, strlen(s), &d), SQT_OK);
    return d;
}

/* d as an exact decimal string, trailing zeros dropped ("0.00599600" -> "0.005996"). */
static const char *S(sqt_dec d)
{
    static char buf[8][48];
    static int k;
    char *b = buf[k++ % 8];
    sqt_dec_format(sqt_dec_normalize(d), b, 48);
    return b;
}

static sqt_order_req R(const char *cid, sqt_side side, sqt_tif tif, const char *price,
                       const char *qty, int reduce_only)
{
    sqt_order_req q;
    memset(&q, 0, sizeof q);
    q.struct_size = sizeof q;
    snprintf(q.client_id, sizeof q.client_id, "%s", cid);
    q.side = side;
    q.tif = tif;
    q.price = D(price);
    q.qty = D(qty);
    q.reduce_only = reduce_only;
    return q;
}

static sqt_match *mk(sqt_match_config *c, recorder *r)
{
    sqt_match *m = NULL;
    sqt_error e;
    int rc = sqt_match_new(c, record, r, &m, &e);
    if (rc != SQT_OK)
        fprintf(stderr, "    sqt_match_new: %s\n", e.message);
    CU_ASSERT_EQUAL_FATAL(rc, SQT_OK);
    return m;
}

static sqt_match *mk_default(recorder *r, const char *price)
{
    sqt_match_config c;
    sqt_match *m;
    sqt_match_config_default(&c, "ETHUSDT");
    m = mk(&c, r);
    CU_ASSERT_EQUAL(sqt_match_on_price(m, D(price), 1000), 0);
    return m;
}

static int place(sqt_match *m, sqt_order_req q, sqt_error *e)
{
    sqt_order o;
    return sqt_match_place(m, &q, 2000, &o, e);
}

/* ------------------------------------------------------------------------------------ */

static void test_config_errors(void)
{
    sqt_match_config c;
    sqt_match *m = NULL;
    sqt_error e;

    sqt_match_config_default(&c, "ETHUSDT");
    c.tick_size = D("0");
    CU_ASSERT_EQUAL(sqt_match_new(&c, NULL, NULL, &m, &e), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "tick_size"));

    sqt_match_config_default(&c, "ETHUSDT");
    c.leverage = 0;
    CU_ASSERT_EQUAL(sqt_match_new(&c, NULL, NULL, &m, &e), SQT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "leverage"));

    sqt_match_config_default(&c, "ETHUSDT");
    c.maker_fee = D("0.5");
    CU_ASSERT_EQUAL(sqt_match_new(&c, NULL, NULL, &m, &e), SQT_EINVAL);

    sqt_match_config_default(&c, "ETHUSDT");
    c.min_qty = D("0.0015"); /* not on the 0.001 step */
    CU_ASSERT_EQUAL(sqt_match_new(&c, NULL, NULL, &m, &e), SQT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "min_qty"));

    sqt_match_config_default(&c, "ETHUSDT");
    c.balance = D("-1");
    CU_ASSERT_EQUAL(sqt_match_new(&c, NULL, NULL, &m, &e), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(m);
}

static void test_validation_classes(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_order_req q;

    /* price off the tick: too many decimals, and not a multiple */
    CU_ASSERT_EQUAL(place(m, R("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.005", "0.010", 0), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_PRICE_PRECISION);
    CU_ASSERT_EQUAL(place(m, R("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "0", "0.010", 0), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_PRICE_TICK);
    /* quantity: too many decimals, zero, below min qty */
    CU_ASSERT_EQUAL(place(m, R("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.0105", 0), &e),
                    SQT_ERULES);
    CU_ASSERT_EQUAL(place(m, R("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0", 0), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_QTY_NOT_POSITIVE);
    /* min notional: 0.001 * 2990 = 2.99 < 5 */
    CU_ASSERT_EQUAL(place(m, R("a1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.001", 0), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_MIN_NOTIONAL);
    /* exactly the minimum notional passes: 0.002 * 2500 = 5 */
    CU_ASSERT_EQUAL(place(m, R("a2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2500.00", "0.002", 0), &e),
                    SQT_OK);
    /* shape errors */
    q = R("a3", SQT_SIDE_NONE, SQT_TIF_GTC, "2990.00", "0.010", 0);
    CU_ASSERT_EQUAL(place(m, q, &e), SQT_EINVAL);
    q = R("a3", SQT_SIDE_BUY, (sqt_tif)9, "2990.00", "0.010", 0);
    CU_ASSERT_EQUAL(place(m, q, &e), SQT_EINVAL);
    q = R("bad id", SQT_SIDE_BUY, SQT_TIF_GTC, "2990.00", "0.010", 0);
    CU_ASSERT_EQUAL(place(m, q, &e), SQT_EINVAL);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_CLIENT_ID);
    q = R("0123456789012345678901234567890123456", SQT_SIDE_BUY, SQT_TIF_GTC, "2990.00", "0.010",
          0); /* 37 characters */
    CU_ASSERT_EQUAL(place(m, q, &e), SQT_EINVAL);
    /* nothing of the rejected orders reached the book or the stream */
    SQT_ASSERT_INT_EQ(sqt_match_open_count(m), 1);
    SQT_ASSERT_INT_EQ(r.n, 1);
    CU_ASSERT_EQUAL(r.rec[0].status, SQT_ORDER_NEW);
    sqt_match_free(m);
}

static void test_min_qty_and_open_cap(void)
{
    sqt_match_config c;
    recorder r = {0};
    sqt_match *m;
    sqt_error e;
    sqt_match_config_default(&c, "ETHUSDT");
    c.min_qty = D("0.01");
    c.max_open_orders = 2;
    m = mk(&c, &r);
    sqt_match_on_price(m, D("3000"), 1);
    CU_ASSERT_EQUAL(place(m, R("q1", SQT_SIDE_BUY, SQT_TIF_GTC, "2990.00", "0.009", 0), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_QTY_MIN);
    CU_ASSERT_EQUAL(place(m, R("q1", SQT_SIDE_BUY, SQT_TIF_GTC, "2990.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("q2", SQT_SIDE_BUY, SQT_TIF_GTC, "2980.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("q3", SQT_SIDE_BUY, SQT_TIF_GTC, "2970.00", "0.010", 0), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_MAX_OPEN);
    sqt_match_free(m);
}

static void test_duplicate_client_id(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_order o;
    CU_ASSERT_EQUAL(place(m, R("dup", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("dup", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2980.00", "0.010", 0), &e),
                    SQT_EDUP_CLIENT_ID);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_DUP_CLIENT_ID);
    CU_ASSERT_EQUAL(sqt_match_cancel(m, "dup", NULL, 3000, &o, &e), SQT_OK);
    /* a finished order's id may be reused */
    CU_ASSERT_EQUAL(place(m, R("dup", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2980.00", "0.010", 0), &e),
                    SQT_OK);
    sqt_match_free(m);
}

static void test_post_only_cross(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    CU_ASSERT_EQUAL(place(m, R("p1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "3000.00", "0.010", 0), &e),
                    SQT_EPOST_ONLY);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_POST_ONLY);
    CU_ASSERT_EQUAL(place(m, R("p2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "3000.01", "0.010", 0), &e),
                    SQT_EPOST_ONLY);
    CU_ASSERT_EQUAL(place(m, R("p3", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2999.99", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("p4", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3000.00", "0.010", 0), &e),
                    SQT_EPOST_ONLY);
    CU_ASSERT_EQUAL(place(m, R("p5", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3000.01", "0.010", 0), &e),
                    SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_match_open_count(m), 2);
    sqt_match_free(m);
}

/* Buy at 2998 fills at/below, sell at 3000 fills at/above; fees and PnL exact. */
static void test_round_trip_fees_pnl(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_account a;
    sqt_position p;
    sqt_match_stats st;

    CU_ASSERT_EQUAL(place(m, R("b1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2998.00", "0.010", 0), &e),
                    SQT_OK);
    /* resting margin: 29.98 / 5 = 5.996 */
    sqt_match_account(m, &a);
    SQT_ASSERT_STR_EQ(S(a.balance), "10000");
    SQT_ASSERT_STR_EQ(S(a.available), "9994.004");
    CU_ASSERT_EQUAL(a.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_INT_EQ(a.leverage, 5);

    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2998.01"), 5000), 0);
    /* the market gaps through the order: it fills at its own price as maker */
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2990.00"), 6000), 1);
    SQT_ASSERT_INT_EQ(r.n, 2);
    CU_ASSERT_EQUAL(r.rec[1].status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[1].last_fill_price), "2998");
    SQT_ASSERT_STR_EQ(S(r.rec[1].last_fill_qty), "0.01");
    SQT_ASSERT_STR_EQ(S(r.rec[1].filled_qty), "0.01");
    SQT_ASSERT_STR_EQ(S(r.rec[1].avg_price), "2998");
    SQT_ASSERT_STR_EQ(S(r.rec[1].fee), "0.005996"); /* 29.98 * 0.0002 */
    SQT_ASSERT_STR_EQ(r.rec[1].fee_asset, "USDT");
    SQT_ASSERT_INT_EQ(r.rec[1].update_time_ms, 6000);
    CU_ASSERT_TRUE(r.rec[1].seq > r.rec[0].seq);
    SQT_ASSERT_STR_EQ(r.rec[1].order_id, r.rec[0].order_id);

    sqt_match_position(m, &p);
    SQT_ASSERT_STR_EQ(S(p.size), "0.01");
    SQT_ASSERT_STR_EQ(S(p.entry_price), "2998");
    SQT_ASSERT_STR_EQ(S(p.unrealized_pnl), "-0.08"); /* (2990 - 2998) * 0.01 */

    CU_ASSERT_EQUAL(place(m, R("s1", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3000.00", "0.010", 1), &e),
                    SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2999.99"), 7000), 0);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("3000.00"), 8000), 1);
    CU_ASSERT_EQUAL(r.rec[r.n - 1].status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].fee), "0.006");
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].realized_pnl), "0.02");

    sqt_match_account(m, &a);
    /* 10000 - 0.005996 + 0.02 - 0.006 */
    SQT_ASSERT_STR_EQ(S(a.balance), "10000.008004");
    SQT_ASSERT_STR_EQ(S(a.available), "10000.008004");
    sqt_match_position(m, &p);
    CU_ASSERT_EQUAL(p.size.mant, 0);
    sqt_match_stats_get(m, &st);
    SQT_ASSERT_STR_EQ(S(st.realized_pnl), "0.02");
    SQT_ASSERT_STR_EQ(S(st.fees), "0.011996");
    SQT_ASSERT_INT_EQ(st.fills, 2);
    sqt_match_free(m);
}

static void test_taker_fill(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_order o;
    sqt_order_req q = R("t1", SQT_SIDE_BUY, SQT_TIF_GTC, "3005.00", "0.010", 0);
    CU_ASSERT_EQUAL(sqt_match_place(m, &q, 100, &o, &e), SQT_OK);
    /* a crossing GTC buy takes at the market price with the taker fee */
    CU_ASSERT_EQUAL(o.status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(S(o.avg_price), "3000");
    SQT_ASSERT_STR_EQ(S(o.fee), "0.015"); /* 30 * 0.0005 */
    SQT_ASSERT_INT_EQ(r.n, 2);
    CU_ASSERT_EQUAL(r.rec[0].status, SQT_ORDER_NEW);
    CU_ASSERT_EQUAL(r.rec[1].status, SQT_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(sqt_match_open_count(m), 0);
    sqt_match_free(m);
}

static void test_partial_fills(void)
{
    sqt_match_config c;
    recorder r = {0};
    sqt_match *m;
    sqt_error e;
    sqt_order o;
    sqt_match_config_default(&c, "ETHUSDT");
    c.partial_fill_qty = D("0.004");
    m = mk(&c, &r);
    sqt_match_on_price(m, D("3000"), 1);
    CU_ASSERT_EQUAL(place(m, R("pf", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2998.00", "0.010", 0), &e),
                    SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2998"), 2), 1);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2997"), 3), 1);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2998"), 4), 1);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2998"), 5), 0); /* nothing left */
    SQT_ASSERT_INT_EQ(r.n, 4);
    CU_ASSERT_EQUAL(r.rec[1].status, SQT_ORDER_PARTIALLY_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[1].filled_qty), "0.004");
    SQT_ASSERT_STR_EQ(S(r.rec[1].last_fill_qty), "0.004");
    SQT_ASSERT_STR_EQ(S(r.rec[1].fee), "0.0023984"); /* 11.992 * 0.0002 */
    CU_ASSERT_EQUAL(r.rec[2].status, SQT_ORDER_PARTIALLY_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[2].filled_qty), "0.008");
    CU_ASSERT_EQUAL(r.rec[3].status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[3].filled_qty), "0.01");
    SQT_ASSERT_STR_EQ(S(r.rec[3].last_fill_qty), "0.002");
    SQT_ASSERT_STR_EQ(S(r.rec[3].fee), "0.0011992");
    /* query of the finished order from the history */
    CU_ASSERT_EQUAL(sqt_match_query(m, "pf", NULL, &o, &e), SQT_OK);
    CU_ASSERT_EQUAL(o.status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(S(o.filled_qty), "0.01");
    /* a partially filled order cancelled keeps its fill */
    CU_ASSERT_EQUAL(place(m, R("pf2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.010", 0),
                          &e),
                    SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("2990"), 6), 1);
    CU_ASSERT_EQUAL(sqt_match_cancel(m, NULL, r.rec[r.n - 1].order_id, 7, &o, &e), SQT_OK);
    CU_ASSERT_EQUAL(o.status, SQT_ORDER_CANCELED);
    SQT_ASSERT_STR_EQ(S(o.filled_qty), "0.004");
    sqt_match_free(m);
}

static void test_cancel_rules(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_order o;
    CU_ASSERT_EQUAL(place(m, R("c1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("c2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2980.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(sqt_match_cancel(m, "nope", NULL, 1, &o, &e), SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_CANCEL_UNKNOWN);
    CU_ASSERT_EQUAL(sqt_match_cancel(m, NULL, NULL, 1, &o, &e), SQT_EINVAL);
    /* both ids given must name the same order */
    CU_ASSERT_EQUAL(sqt_match_cancel(m, "c1", r.rec[1].order_id, 1, &o, &e), SQT_EUNKNOWN_ORDER);
    CU_ASSERT_EQUAL(sqt_match_cancel(m, "c1", r.rec[0].order_id, 1, &o, &e), SQT_OK);
    CU_ASSERT_EQUAL(r.rec[r.n - 1].status, SQT_ORDER_CANCELED);
    /* cancelled: gone */
    CU_ASSERT_EQUAL(sqt_match_cancel(m, "c1", NULL, 1, &o, &e), SQT_EUNKNOWN_ORDER);
    /* filled: gone too */
    sqt_match_on_price(m, D("2980"), 2);
    CU_ASSERT_EQUAL(sqt_match_cancel(m, "c2", NULL, 3, &o, &e), SQT_EUNKNOWN_ORDER);
    CU_ASSERT_EQUAL(sqt_match_query(m, "c2", NULL, &o, &e), SQT_OK);
    CU_ASSERT_EQUAL(o.status, SQT_ORDER_FILLED);
    CU_ASSERT_EQUAL(sqt_match_query(m, "zzz", NULL, &o, &e), SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_QUERY_UNKNOWN);
    sqt_match_free(m);
}

static void test_reduce_only(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    size_t before;
    /* flat: nothing to reduce */
    CU_ASSERT_EQUAL(place(m, R("r1", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3010.00", "0.010", 1), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_REDUCE_ONLY);
    /* long 0.02 */
    CU_ASSERT_EQUAL(place(m, R("b1", SQT_SIDE_BUY, SQT_TIF_GTC, "3000.00", "0.020", 0), &e),
                    SQT_OK);
    /* a reduce-only buy would increase the long */
    CU_ASSERT_EQUAL(place(m, R("r2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.010", 1), &e),
                    SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_REDUCE_ONLY);
    /* more than the position */
    CU_ASSERT_EQUAL(place(m, R("r3", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3010.00", "0.021", 1), &e),
                    SQT_ERULES);
    /* reduce-only is exempt from min notional: 0.001 * 3010 = 3.01 < 5 */
    CU_ASSERT_EQUAL(place(m, R("r4", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3010.00", "0.001", 1), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("r5", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3020.00", "0.020", 1), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("r6", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3030.00", "0.020", 1), &e),
                    SQT_OK);
    /* 3020: r4 fills (0.001), r5 fills only the remaining 0.019 of the position and the
     * rest expires, and r6 can no longer reduce anything: expired */
    before = r.n;
    sqt_match_on_price(m, D("3020"), 10);
    SQT_ASSERT_INT_EQ(r.n - before, 4);
    SQT_ASSERT_STR_EQ(r.rec[before].client_id, "r4");
    CU_ASSERT_EQUAL(r.rec[before].status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(r.rec[before + 1].client_id, "r5");
    CU_ASSERT_EQUAL(r.rec[before + 1].status, SQT_ORDER_PARTIALLY_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[before + 1].last_fill_qty), "0.019");
    /* r5 and r6 expire in book order once the position is flat */
    SQT_ASSERT_STR_EQ(r.rec[before + 2].client_id, "r5");
    CU_ASSERT_EQUAL(r.rec[before + 2].status, SQT_ORDER_EXPIRED);
    SQT_ASSERT_STR_EQ(S(r.rec[before + 2].filled_qty), "0.019");
    SQT_ASSERT_STR_EQ(r.rec[before + 3].client_id, "r6");
    CU_ASSERT_EQUAL(r.rec[before + 3].status, SQT_ORDER_EXPIRED);
    SQT_ASSERT_INT_EQ(sqt_match_open_count(m), 0);
    sqt_match_free(m);
}

static void test_margin(void)
{
    sqt_match_config c;
    recorder r = {0};
    sqt_match *m;
    sqt_error e;
    sqt_account a;
    sqt_match_config_default(&c, "ETHUSDT");
    c.balance = D("100");
    c.leverage = 1;
    m = mk(&c, &r);
    sqt_match_on_price(m, D("3000"), 1);
    CU_ASSERT_EQUAL(place(m, R("m1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.030", 0), &e),
                    SQT_OK); /* 89.70 */
    CU_ASSERT_EQUAL(place(m, R("m2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2980.00", "0.004", 0), &e),
                    SQT_EMARGIN); /* + 11.92 > 100 */
    SQT_ASSERT_STR_EQ(e.exch_code, SQT_MATCH_R_MARGIN);
    CU_ASSERT_EQUAL(place(m, R("m3", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2500.00", "0.004", 0), &e),
                    SQT_OK); /* + 10.00 = 99.70 */
    sqt_match_account(m, &a);
    SQT_ASSERT_STR_EQ(S(a.available), "0.3");
    /* more leverage frees margin */
    CU_ASSERT_EQUAL(sqt_match_set_leverage(m, 5, &e), SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("m2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2980.00", "0.004", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(sqt_match_set_leverage(m, 0, &e), SQT_EINVAL);
    sqt_match_free(m);
}

/* A GTC order that crosses on arrival with partial fills: its rest goes on taking at
 * each price while it stays marketable (taker fee, the market's price), and only rests
 * as a maker once the market has moved back through its limit. */
static void test_partial_taker_rest(void)
{
    sqt_match_config c;
    recorder r = {0};
    sqt_match *m;
    sqt_error e;
    sqt_match_config_default(&c, "ETHUSDT");
    c.partial_fill_qty = D("0.004");
    m = mk(&c, &r);
    sqt_match_on_price(m, D("3000"), 1);
    CU_ASSERT_EQUAL(place(m, R("tk", SQT_SIDE_BUY, SQT_TIF_GTC, "3010.00", "0.010", 0), &e),
                    SQT_OK);
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].last_fill_price), "3000");
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].fee), "0.006"); /* 12.000 * 0.0005 taker */
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("3004"), 2), 1);
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].last_fill_price), "3004");
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].fee), "0.006008"); /* 12.016 * 0.0005 */
    /* the market moves above the limit: nothing fills, the rest now rests */
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("3020"), 3), 0);
    SQT_ASSERT_INT_EQ(sqt_match_on_price(m, D("3005"), 4), 1);
    CU_ASSERT_EQUAL(r.rec[r.n - 1].status, SQT_ORDER_FILLED);
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].last_fill_price), "3010");
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].fee), "0.001204"); /* 6.020 * 0.0002 maker */
    sqt_match_free(m);
}

/* Average entry, partial closes and realized PnL, all exact. */
static void test_position_arithmetic(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_position p;
    sqt_account a;
    CU_ASSERT_EQUAL(place(m, R("b1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2998.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("b2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2996.00", "0.020", 0), &e),
                    SQT_OK);
    sqt_match_on_price(m, D("2996"), 2);
    sqt_match_position(m, &p);
    SQT_ASSERT_STR_EQ(S(p.size), "0.03");
    SQT_ASSERT_STR_EQ(S(p.entry_price), "2996.66666667"); /* 89.90 / 0.03 */
    sqt_match_on_price(m, D("3000"), 3);
    sqt_match_position(m, &p);
    SQT_ASSERT_STR_EQ(S(p.unrealized_pnl), "0.1"); /* 90.00 - 89.90 */

    CU_ASSERT_EQUAL(place(m, R("s1", SQT_SIDE_SELL, SQT_TIF_GTC, "3000.00", "0.015", 1), &e),
                    SQT_OK); /* crosses: taker at 3000 */
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].realized_pnl), "0.05"); /* 45.00 - 44.95 */
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].fee), "0.0225");        /* 45 * 0.0005 */
    sqt_match_position(m, &p);
    SQT_ASSERT_STR_EQ(S(p.size), "0.015");
    SQT_ASSERT_STR_EQ(S(p.entry_price), "2996.66666667");
    CU_ASSERT_EQUAL(place(m, R("s2", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3001.00", "0.015", 1), &e),
                    SQT_OK);
    sqt_match_on_price(m, D("3001"), 4);
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].realized_pnl), "0.065"); /* 45.015 - 44.95 */
    sqt_match_position(m, &p);
    CU_ASSERT_EQUAL(p.size.mant, 0);
    CU_ASSERT_EQUAL(p.unrealized_pnl.mant, 0);
    sqt_match_account(m, &a);
    /* 10000 + 0.115 - fees (0.005996 + 0.011984 + 0.0225 + 0.009003) */
    SQT_ASSERT_STR_EQ(S(a.balance), "10000.065517");

    /* short side: open a short with a plain sell, close with a buy at a lower price */
    CU_ASSERT_EQUAL(place(m, R("x1", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, "3010.00", "0.010", 0), &e),
                    SQT_OK);
    sqt_match_on_price(m, D("3010"), 5);
    sqt_match_position(m, &p);
    SQT_ASSERT_STR_EQ(S(p.size), "-0.01");
    SQT_ASSERT_STR_EQ(S(p.entry_price), "3010");
    CU_ASSERT_EQUAL(place(m, R("x2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "3005.00", "0.030", 0), &e),
                    SQT_OK);
    sqt_match_on_price(m, D("3005"), 6);
    /* closes 0.01 short at +0.05, then flips long 0.02 at 3005 */
    SQT_ASSERT_STR_EQ(S(r.rec[r.n - 1].realized_pnl), "0.05");
    sqt_match_position(m, &p);
    SQT_ASSERT_STR_EQ(S(p.size), "0.02");
    SQT_ASSERT_STR_EQ(S(p.entry_price), "3005");
    sqt_match_free(m);
}

static void test_open_orders_listing(void)
{
    recorder r = {0};
    sqt_match *m = mk_default(&r, "3000.00");
    sqt_error e;
    sqt_order o;
    sqt_symbol_info si;
    CU_ASSERT_EQUAL(place(m, R("o1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2990.00", "0.010", 0), &e),
                    SQT_OK);
    CU_ASSERT_EQUAL(place(m, R("", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, "2980.00", "0.010", 0), &e),
                    SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_match_open_count(m), 2);
    CU_ASSERT_EQUAL(sqt_match_open_at(m, 0, &o), SQT_OK);
    SQT_ASSERT_STR_EQ(o.client_id, "o1");
    SQT_ASSERT_STR_EQ(o.symbol, "ETHUSDT");
    CU_ASSERT_EQUAL(sqt_match_open_at(m, 1, &o), SQT_OK);
    CU_ASSERT_TRUE(strncmp(o.client_id, "auto_", 5) == 0); /* generated id */
    CU_ASSERT_EQUAL(sqt_match_open_at(m, 2, &o), SQT_ENOENT);
    sqt_match_symbol_info(m, &si);
    SQT_ASSERT_STR_EQ(si.base_asset, "ETH");
    SQT_ASSERT_STR_EQ(si.quote_asset, "USDT");
    SQT_ASSERT_STR_EQ(S(si.tick_size), "0.01");
    SQT_ASSERT_STR_EQ(S(si.min_notional), "5");
    SQT_ASSERT_INT_EQ(si.client_id_max_len, 36);
    sqt_match_free(m);
}

/* The same inputs give the same updates, byte for byte. */
static void run_scenario(recorder *r, uint64_t seed)
{
    sqt_match_config c;
    sqt_pricepath_config pc;
    sqt_pricepath *p = NULL;
    sqt_match *m;
    sqt_price_point pt;
    char err[256];
    int i, k = 0;
    sqt_match_config_default(&c, "ETHUSDT");
    c.partial_fill_qty = D("0.005");
    m = mk(&c, r);
    memset(&pc, 0, sizeof pc);
    pc.model = SQT_PATH_GBM;
    pc.tick_size = c.tick_size;
    pc.step_size = c.step_size;
    pc.seed = seed;
    pc.start_price = D("3000");
    pc.sigma = 0.0005;
    pc.step_ms = 250;
    pc.start_ms = 1700000000000LL;
    CU_ASSERT_EQUAL_FATAL(sqt_pricepath_open(&pc, &p, err, sizeof err), SQT_OK);
    for (i = 0; i < 2000; i++) {
        sqt_error e;
        CU_ASSERT_EQUAL(sqt_pricepath_next(p, &pt, err, sizeof err), 1);
        sqt_match_on_price(m, pt.price, pt.time_ms);
        if (i % 50 == 0) {
            /* a buy a little below and a reduce-only sell a little above the market */
            char cid[32], price[32];
            sqt_order_req q;
            sqt_position pos;
            sqt_dec px = pt.price;
            snprintf(cid, sizeof cid, "g%d", k++);
            px.mant -= 200; /* 2.00 below */
            sqt_dec_format(px, price, sizeof price);
            q = R(cid, SQT_SIDE_BUY, SQT_TIF_POST_ONLY, price, "0.010", 0);
            sqt_match_place(m, &q, pt.time_ms, NULL, &e);
            sqt_match_position(m, &pos);
            if (pos.size.mant >= 10) {
                px.mant += 400;
                sqt_dec_format(px, price, sizeof price);
                snprintf(cid, sizeof cid, "g%d", k++);
                q = R(cid, SQT_SIDE_SELL, SQT_TIF_POST_ONLY, price, "0.010", 1);
                sqt_match_place(m, &q, pt.time_ms, NULL, &e);
            }
        }
    }
    sqt_pricepath_close(p);
    sqt_match_free(m);
}

static void test_deterministic(void)
{
    static recorder a, b, c;
    size_t i, fills = 0;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    run_scenario(&a, 42);
    run_scenario(&b, 42);
    run_scenario(&c, 43);
    SQT_ASSERT_INT_EQ(a.n, b.n);
    CU_ASSERT_TRUE(a.n > 20);
    for (i = 0; i < a.n && i < b.n; i++) {
        CU_ASSERT_EQUAL(memcmp(&a.rec[i], &b.rec[i], sizeof a.rec[i]), 0);
        fills += a.rec[i].status == SQT_ORDER_PARTIALLY_FILLED ||
                 a.rec[i].status == SQT_ORDER_FILLED;
    }
    CU_ASSERT_TRUE(fills > 5); /* the scenario really trades */
    /* another seed trades differently */
    CU_ASSERT_TRUE(a.n != c.n || memcmp(a.rec, c.rec, a.n * sizeof a.rec[0]) != 0);
}

/* The margin of open orders is kept as running per-side totals (match.c book_q,
 * book_n) as orders come, fill in parts and go: after thousands of random places,
 * cancels, partial and taker fills, expiries of reduce-only orders and outside closes,
 * every time the position is flat the available balance is the balance less the larger
 * side's notional / leverage, recomputed here from the open-order listing. */
static void test_margin_book_random(void)
{
    sqt_match_config c;
    recorder r = {0};
    sqt_match *m;
    uint64_t st = 0x2545f4914f6cdd1dull;
    int64_t px = 300000; /* ticks of 0.01 */
    int step, flat_checks = 0, bad = 0, fills = 0;
    sqt_match_config_default(&c, "ETHUSDT");
    c.partial_fill_qty = D("0.004");
    c.leverage = 3;
    c.max_open_orders = 60;
    m = mk(&c, &r);
    sqt_match_on_price(m, sqt_dec_make(px, 2), 1);
    for (step = 0; step < 20000 && bad < 3; step++) {
        int a;
        sqt_position pos;
        sqt_test_xorshift(&st);
        a = (int)(st % 100);
        r.n = 0;
        if (a < 45) {
            sqt_order_req q;
            sqt_order o;
            sqt_error e;
            memset(&q, 0, sizeof q);
            q.struct_size = sizeof q;
            snprintf(q.client_id, sizeof q.client_id, "r%d", step);
            q.side = (st >> 8) & 1 ? SQT_SIDE_BUY : SQT_SIDE_SELL;
            q.tif = (st >> 9) & 3 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
            q.reduce_only = (st >> 11) % 10 == 0;
            q.price = sqt_dec_make(px + (int64_t)((st >> 16) % 41) - 20, 2);
            q.qty = sqt_dec_make((int64_t)((st >> 24) % 15) + 2, 3);
            sqt_match_place(m, &q, 1000 + step, &o, &e);
        } else if (a < 65 && sqt_match_open_count(m) > 0) {
            sqt_order o;
            sqt_error e;
            size_t i = (size_t)((st >> 20) % sqt_match_open_count(m));
            CU_ASSERT_FATAL(sqt_match_open_at(m, i, &o) == SQT_OK);
            CU_ASSERT(sqt_match_cancel(m, o.client_id, NULL, 1000 + step, NULL, &e) == SQT_OK);
        } else if (a < 97) {
            px += (int64_t)((st >> 30) % 9) - 4;
            fills += sqt_match_on_price(m, sqt_dec_make(px, 2), 1000 + step);
        } else {
            sqt_order f;
            sqt_error e;
            sqt_match_outside_trade(m, D("0"), 1000 + step, &f, &e);
        }
        sqt_match_position(m, &pos);
        if (pos.size.mant == 0) {
            /* flat: margin is the orders' only, the larger side's notional (money scale 8:
             * ticks of 0.01 x steps of 0.001 x 1000) over the leverage, rounded up */
            sqt_account acc;
            __int128 bn = 0, sn = 0, orders, need;
            size_t i;
            for (i = 0; i < sqt_match_open_count(m); i++) {
                sqt_order o;
                __int128 ntl;
                sqt_match_open_at(m, i, &o);
                if (o.reduce_only)
                    continue;
                ntl = (__int128)o.price.mant * (o.qty.mant - o.filled_qty.mant) * 1000;
                if (o.side == SQT_SIDE_BUY)
                    bn += ntl;
                else
                    sn += ntl;
            }
            orders = bn > sn ? bn : sn;
            need = (orders + 2) / 3;
            sqt_match_account(m, &acc);
            CU_ASSERT_EQUAL(acc.available.scale, 8);
            if ((__int128)acc.balance.mant - need != acc.available.mant) {
                fprintf(stderr, "    step %d: available %lld, expected %lld\n", step,
                        (long long)acc.available.mant, (long long)(acc.balance.mant - need));
                bad++;
            }
            flat_checks++;
        }
    }
    SQT_ASSERT_INT_EQ(bad, 0);
    CU_ASSERT(flat_checks > 500);
    CU_ASSERT(fills > 500);
    sqt_match_free(m);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"config errors", test_config_errors},
        {"validation error classes", test_validation_classes},
        {"min qty and open-order cap", test_min_qty_and_open_cap},
        {"duplicate client id", test_duplicate_client_id},
        {"post-only cross rejection", test_post_only_cross},
        {"round trip: fills, fees, PnL", test_round_trip_fees_pnl},
        {"crossing GTC fills as taker", test_taker_fill},
        {"partial fills", test_partial_fills},
        {"partial fills: a crossing order's rest keeps taking", test_partial_taker_rest},
        {"cancel rules", test_cancel_rules},
        {"reduce-only rules", test_reduce_only},
        {"margin", test_margin},
        {"margin from running book totals (random, flat points)", test_margin_book_random},
        {"position arithmetic", test_position_arithmetic},
        {"open orders listing and symbol info", test_open_orders_listing},
        {"deterministic replay", test_deterministic},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("paper matching core", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
