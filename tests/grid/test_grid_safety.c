/* The grid engine's safety rules (issue 14): reports that cannot be true are refused,
 * rules rejections park with backoff, the position is repaired on every reconcile,
 * the market data pause. */
#include <stdio.h>
#include <string.h>

#include "grid_test_util.h"

static capture C; /* large: keep it off the stack */

static sqt_dec pos_of(const sqt_grid *g)
{
    sqt_grid_status st;
    sqt_grid_get_status(g, &st);
    return st.position;
}

static const sqt_grid_cmd *query_for(const char *cid, sqt_grid_reason why)
{
    size_t i;
    for (i = 0; i < C.nc; i++)
        if (C.cmd[i].kind == SQT_GRID_CMD_QUERY && strcmp(C.cmd[i].client_id, cid) == 0 &&
            C.cmd[i].reason == why)
            return &C.cmd[i];
    return NULL;
}

/* One engine call with its output captured alone in C. */
static void tick(sqt_grid *g, int64_t now)
{
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, now), 0);
    cap_drain(g, &C);
}

static void price(sqt_grid *g, const char *px, int64_t now)
{
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D(px), now), 0);
    cap_drain(g, &C);
}

/* ---- impossible reports -------------------------------------------------------- */

static void test_fill_above_order(void)
{
    /* a push saying 5 of a 0.010 order filled: before, clamped to 0.010 and booked */
    sqt_grid_params p;
    sqt_grid *g;
    char cid[SQT_CLIENT_ID_MAX];
    sqt_order u;
    e_params(&p);
    g = grid_e1_live(&p, &C);
    snprintf(cid, sizeof cid, "%s", cap_place_at(&C, "2998.00")->client_id);
    cap_clear(&C);
    u = mk_order(cid, SQT_ORDER_FILLED, "5");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    cap_drain(g, &C);
    ASSERT_DEC(pos_of(g), "0");
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_ANOMALY), 1);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_FILLED), 0);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_PARTIAL), 0);
    /* the raw values are in the text */
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_ANOMALY, "filled 5 "));
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_ANOMALY, "0.010"));
    CU_ASSERT_PTR_NOT_NULL(query_for(cid, SQT_GRID_WHY_ANOMALY));
    ASSERT_INVARIANTS(g);
    /* the order is still tracked; the query's true answer is booked */
    cap_clear(&C);
    u = mk_order(cid, SQT_ORDER_FILLED, "0.010");
    CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, cid, NULL, &u, 4), 0);
    cap_drain(g, &C);
    ASSERT_DEC(pos_of(g), "0.010");
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_FILLED), 1);
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_bad_fill_prices(void)
{
    /* a negative or zero fill price, a last fill above the order, a negative average:
     * nothing booked, each an anomaly */
    sqt_grid_params p;
    sqt_grid *g;
    char cid[SQT_CLIENT_ID_MAX];
    sqt_order u;
    sqt_grid_status st;
    e_params(&p);
    g = grid_e1_live(&p, &C);
    snprintf(cid, sizeof cid, "%s", cap_place_at(&C, "2998.00")->client_id);
    cap_clear(&C);
    u = mk_order(cid, SQT_ORDER_PARTIALLY_FILLED, "0.004");
    u.last_fill_qty = D("0.004");
    u.last_fill_price = D("-2998");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    u.last_fill_price = D("0");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    u.last_fill_price = D("2998");
    u.last_fill_qty = D("0.020");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    u.last_fill_qty = D("0.004");
    u.avg_price = D("-1");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    cap_drain(g, &C);
    ASSERT_DEC(pos_of(g), "0");
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_ANOMALY), 4);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_PARTIAL), 0);
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_ANOMALY, "@-2998"));
    /* one query at a time for the order */
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_QUERY, SQT_SIDE_NONE), 1);
    sqt_grid_get_status(g, &st);
    SQT_ASSERT_INT_EQ(st.anomalies, 4);
    /* a sane push still books */
    u.avg_price = D("0");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 4), 0);
    ASSERT_DEC(pos_of(g), "0.004");
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_impossible_query_answer(void)
{
    /* a query answer that cannot be true is not booked and not asked again at once
     * (the query timer and the next reconcile ask again) */
    sqt_grid_params p;
    sqt_grid *g;
    char cid[SQT_CLIENT_ID_MAX];
    sqt_order u;
    e_params(&p);
    g = grid_e1_live(&p, &C);
    snprintf(cid, sizeof cid, "%s", cap_place_at(&C, "2998.00")->client_id);
    u = mk_order(cid, SQT_ORDER_FILLED, "0.011");
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, cid, NULL, &u, 3), 0);
    cap_drain(g, &C);
    ASSERT_DEC(pos_of(g), "0");
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_ANOMALY), 1);
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_QUERY, SQT_SIDE_NONE), 0);
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_report_of_other_symbol(void)
{
    /* our tracked order's id on another symbol: not ours to book, and said; a foreign
     * symbol's report with an id we do not track stays silently ignored (§11 #25) */
    sqt_grid_params p;
    sqt_grid *g;
    char cid[SQT_CLIENT_ID_MAX];
    sqt_order u;
    e_params(&p);
    g = grid_e1_live(&p, &C);
    snprintf(cid, sizeof cid, "%s", cap_place_at(&C, "2998.00")->client_id);
    cap_clear(&C);
    u = mk_order(cid, SQT_ORDER_FILLED, "0.010");
    snprintf(u.symbol, sizeof u.symbol, "BTCUSDT");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    cap_drain(g, &C);
    ASSERT_DEC(pos_of(g), "0");
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_ANOMALY), 1);
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_ANOMALY, "BTCUSDT"));
    CU_ASSERT_PTR_NOT_NULL(query_for(cid, SQT_GRID_WHY_ANOMALY));
    cap_clear(&C);
    u = mk_order("T1-x-unknown", SQT_ORDER_FILLED, "0.010");
    snprintf(u.symbol, sizeof u.symbol, "BTCUSDT");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &u, 3), 0);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(C.ne, 0);
    SQT_ASSERT_INT_EQ(C.nc, 0);
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

/* ---- rules rejections park -------------------------------------------------------- */

static sqt_error rules_err(void)
{
    sqt_error e;
    memset(&e, 0, sizeof e);
    e.code = SQT_ERULES;
    snprintf(e.exch_code, sizeof e.exch_code, "-4131");
    snprintf(e.message, sizeof e.message, "PERCENT_PRICE");
    return e;
}

/* The buy at 2998.00 is refused by the rules at `now`; returns 1 when one was placed. */
static int refuse_buy_2998(sqt_grid *g, int64_t now)
{
    const sqt_grid_cmd *m;
    sqt_error e = rules_err();
    tick(g, now);
    m = cap_place_at(&C, "2998.00");
    if (m == NULL)
        return 0;
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, m->client_id, &e, NULL, now), 0);
    return 1;
}

static void test_rules_backoff(void)
{
    /* before: retried every place_retry_delay_ms (500) forever. Now 500, 1000, 2000,
     * then the cap 2000 */
    sqt_grid_params p;
    sqt_grid *g;
    sqt_grid_status st;
    const sqt_grid_cmd *m;
    int64_t t = 10;
    static const int64_t waits[] = {500, 1000, 2000, 2000};
    size_t i;
    e_params(&p);
    p.rules_reject_backoff_max_ms = 2000;
    g = grid_up(&p, "3000.00");
    price(g, "3000.50", 1);
    m = cap_place_at(&C, "2998.00");
    {
        sqt_error e = rules_err();
        CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, m->client_id, &e, NULL, t), 0);
    }
    cap_clear(&C);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_PARKED), 1);
    sqt_grid_get_status(g, &st);
    SQT_ASSERT_INT_EQ(st.parked, 1);
    for (i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        CU_ASSERT_FALSE(refuse_buy_2998(g, t + waits[i] - 1));
        CU_ASSERT_TRUE(refuse_buy_2998(g, t + waits[i]));
        t += waits[i];
    }
    /* buys are not sells: no position check asked for */
    CU_ASSERT_FALSE(sqt_grid_wants_reconcile(g));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
    /* no retry delay at all: the backoff starts at 1 s, not at the cap */
    p.place_retry_delay_ms = 0;
    p.rules_reject_backoff_max_ms = 300000;
    g = grid_up(&p, "3000.00");
    price(g, "3000.50", 1);
    m = cap_place_at(&C, "2998.00");
    {
        sqt_error e = rules_err();
        CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, m->client_id, &e, NULL, 10), 0);
    }
    CU_ASSERT_FALSE(refuse_buy_2998(g, 1009));
    CU_ASSERT_TRUE(refuse_buy_2998(g, 1010));
    CU_ASSERT_FALSE(refuse_buy_2998(g, 3009));
    CU_ASSERT_TRUE(refuse_buy_2998(g, 3010));
    sqt_grid_free(g);
}

static void test_rules_park_ends(void)
{
    /* a price move of one interval from where it was parked retries at once; an
     * acceptance resets the backoff */
    sqt_grid_params p;
    sqt_grid *g;
    const sqt_grid_cmd *m;
    sqt_grid_status st;
    sqt_error e = rules_err();
    char cid[SQT_CLIENT_ID_MAX];
    e_params(&p);
    g = grid_up(&p, "3000.00");
    price(g, "3000.50", 1);
    m = cap_place_at(&C, "2996.00");
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, m->client_id, &e, NULL, 10), 0);
    tick(g, 510);
    m = cap_place_at(&C, "2996.00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, m->client_id, &e, NULL, 510), 0); /* 1000 now */
    /* 1.99 away: still parked */
    price(g, "2998.51", 600);
    CU_ASSERT_PTR_NULL(cap_place_at(&C, "2996.00"));
    /* 2.00 away from 3000.50: retried */
    price(g, "2998.50", 601);
    m = cap_place_at(&C, "2996.00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    snprintf(cid, sizeof cid, "%s", m->client_id);
    place_ok(g, cid, 602);
    sqt_grid_get_status(g, &st);
    SQT_ASSERT_INT_EQ(st.parked, 0);
    /* accepted, then cancelled by hand: the next refusal waits the base delay again */
    push(g, cid, SQT_ORDER_CANCELED, "0", 603);
    tick(g, 604);
    m = cap_place_at(&C, "2996.00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, m->client_id, &e, NULL, 604), 0);
    tick(g, 1103);
    CU_ASSERT_PTR_NULL(cap_place_at(&C, "2996.00"));
    tick(g, 1104);
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&C, "2996.00"));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

/* ---- position truth ------------------------------------------------------------- */

/* A grid holding 0.010 at 2998.00 and 0.010 at 2996.00 (buys filled), the price at
 * 2993.50: their sells at 3000.00 and 2998.00 are placed (in C), not answered. */
static sqt_grid *two_holdings(sqt_grid_params *p, char sells[2][SQT_CLIENT_ID_MAX])
{
    sqt_grid *g;
    char b1[SQT_CLIENT_ID_MAX], b2[SQT_CLIENT_ID_MAX];
    e_params(p);
    g = grid_e1_live(p, &C);
    snprintf(b1, sizeof b1, "%s", cap_place_at(&C, "2998.00")->client_id);
    snprintf(b2, sizeof b2, "%s", cap_place_at(&C, "2996.00")->client_id);
    push(g, b1, SQT_ORDER_FILLED, "0.010", 3);
    push(g, b2, SQT_ORDER_FILLED, "0.010", 3);
    price(g, "2993.50", 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&C, "3000.00"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&C, "2998.00"));
    snprintf(sells[0], SQT_CLIENT_ID_MAX, "%s", cap_place_at(&C, "3000.00")->client_id);
    snprintf(sells[1], SQT_CLIENT_ID_MAX, "%s", cap_place_at(&C, "2998.00")->client_id);
    ASSERT_DEC(pos_of(g), "0.020");
    return g;
}

/* The open-order list of every live order the engine tracks, as the exchange has it. */
static size_t engine_open(const sqt_grid *g, sqt_order *out, size_t cap)
{
    static sqt_grid_slot_info si[256];
    size_t n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, 256), i, k = 0;
    for (i = 0; i < n && k < cap; i++) {
        char px[40], q[40], f[40];
        if (si[i].order_state < SQT_GRID_ORD_PLACED)
            continue;
        out[k++] = mk_open(si[i].client_id, si[i].side, dec_str(si[i].order_price, px, sizeof px),
                           dec_str(si[i].order_qty, q, sizeof q),
                           dec_str(si[i].order_filled, f, sizeof f), SQT_ORDER_NEW);
    }
    return k;
}

static void reconcile_at(sqt_grid *g, const char *position, int64_t now)
{
    static sqt_order open[256];
    size_t n = engine_open(g, open, 256);
    sqt_dec pos = D(position);
    sqt_grid_reconcile_begin(g);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, n, &pos, now), 0);
}

static void rec(sqt_grid *g, const char *position, int64_t now)
{
    cap_clear(&C);
    reconcile_at(g, position, now);
    cap_drain(g, &C);
}

static void test_reduce_only_refusal(void)
{
    /* the position was closed outside: the first sell is refused (reduce-only, class
     * SQT_ERULES); no sell goes out again (one refusal in all), a reconcile is asked
     * for; the shortfall seen twice is released */
    sqt_grid_params p;
    sqt_grid *g;
    char sells[2][SQT_CLIENT_ID_MAX];
    sqt_error e = rules_err();
    sqt_grid_status st;
    int64_t t;
    snprintf(e.exch_code, sizeof e.exch_code, "-2022");
    snprintf(e.message, sizeof e.message, "ReduceOnly Order is rejected.");
    g = two_holdings(&p, sells);
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, sells[0], &e, NULL, 5), 0);
    CU_ASSERT_TRUE(sqt_grid_wants_reconcile(g));
    /* the other sell's answer is a refusal too, then nothing more goes out */
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, sells[1], &e, NULL, 5), 0);
    for (t = 6; t < 20000; t += 700) {
        cap_clear(&C);
        CU_ASSERT_EQUAL(sqt_grid_on_time(g, t), 0);
        cap_drain(g, &C);
        SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0);
    }
    sqt_grid_get_status(g, &st);
    SQT_ASSERT_INT_EQ(st.held, 2);
    /* first reconcile: the numbers, no release yet */
    rec(g, "0", 20000);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_MISMATCH), 1);
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_POSITION_MISMATCH, "exchange 0, slots 0.020, difference -0.020"));
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 0);
    ASSERT_DEC(pos_of(g), "0.020");
    CU_ASSERT_TRUE(sqt_grid_wants_reconcile(g));
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, 20001), 0);
    cap_clear(&C);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0);
    /* second: released, highest slot first */
    cap_clear(&C);
    reconcile_at(g, "0", 21000);
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, 21001), 0);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 2);
    {
        size_t i, seen = 0;
        for (i = 0; i < C.ne; i++) {
            const sqt_grid_event *ev = &C.ev[i];
            if (ev->kind != SQT_GRID_EV_POSITION_REPAIRED)
                continue;
            ASSERT_DEC(ev->price, seen == 0 ? "2998.00" : "2996.00");
            ASSERT_DEC(ev->fill_qty, "0.010");
            ASSERT_DEC(ev->qty, "0");
            CU_ASSERT_EQUAL(ev->side, SQT_SIDE_SELL);
            seen++;
        }
    }
    ASSERT_DEC(pos_of(g), "0");
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0);
    sqt_grid_get_status(g, &st);
    ASSERT_DEC(st.released, "0.020");
    SQT_ASSERT_INT_EQ(st.held, 0);
    /* the third agrees: nothing more */
    rec(g, "0", 22000);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_MISMATCH), 0);
    CU_ASSERT_FALSE(sqt_grid_wants_reconcile(g));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_refusal_position_intact(void)
{
    /* a sell refused by a price band while the position is intact: the reconcile
     * lifts the hold, the slot retries after its backoff */
    sqt_grid_params p;
    sqt_grid *g;
    char sells[2][SQT_CLIENT_ID_MAX];
    sqt_error e = rules_err();
    g = two_holdings(&p, sells);
    place_ok(g, sells[1], 5);
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, sells[0], &e, NULL, 5), 0);
    cap_drain(g, &C);
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_PARKED, "rules rejection 1 in a row: parked 500 ms"));
    /* a reconcile without the position decides nothing: still held */
    sqt_grid_reconcile_begin(g);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, NULL, 0, NULL, 50), 0);
    tick(g, 600);
    CU_ASSERT_PTR_NULL(cap_place_at(&C, "3000.00"));
    CU_ASSERT_TRUE(sqt_grid_wants_reconcile(g));
    rec(g, "0.020", 100);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_MISMATCH), 0);
    CU_ASSERT_FALSE(sqt_grid_wants_reconcile(g));
    tick(g, 504);
    CU_ASSERT_PTR_NULL(cap_place_at(&C, "3000.00"));
    tick(g, 505);
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&C, "3000.00"));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_hold_after_snapshot(void)
{
    /* a refusal that comes after the host began fetching: that snapshot may predate
     * it, so its reconcile does not lift the hold; the next one does */
    sqt_grid_params p;
    sqt_grid *g;
    char sells[2][SQT_CLIENT_ID_MAX];
    sqt_error e = rules_err();
    static sqt_order open[64];
    size_t n;
    sqt_dec pos = D("0.020");
    g = two_holdings(&p, sells);
    place_ok(g, sells[1], 5);
    n = engine_open(g, open, 64);
    CU_ASSERT_EQUAL(sqt_grid_reconcile_begin(g), 0);
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, sells[0], &e, NULL, 6), 0);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, n, &pos, 7), 0);
    tick(g, 5000);
    CU_ASSERT_PTR_NULL(cap_place_at(&C, "3000.00"));
    CU_ASSERT_TRUE(sqt_grid_wants_reconcile(g));
    reconcile_at(g, "0.020", 5001);
    tick(g, 5002);
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&C, "3000.00"));
    sqt_grid_free(g);
}

static void test_shortfall_in_flight(void)
{
    /* a sell filled whose push is not in: the list lacks it, the position is lower.
     * The query explains it: no release on any number of reconciles until it answers */
    sqt_grid_params p;
    sqt_grid *g;
    char sells[2][SQT_CLIENT_ID_MAX];
    static sqt_order open[64];
    size_t n, i, k = 0;
    sqt_dec pos = D("0.010");
    g = two_holdings(&p, sells);
    place_ok(g, sells[0], 5);
    place_ok(g, sells[1], 5);
    n = engine_open(g, open, 64);
    for (i = 0; i < n; i++)
        if (strcmp(open[i].client_id, sells[0]) != 0)
            open[k++] = open[i];
    cap_clear(&C);
    for (i = 0; i < 3; i++) {
        sqt_grid_reconcile_begin(g);
        CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, k, &pos, 10 + (int64_t)i), 0);
    }
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 0);
    CU_ASSERT_TRUE(ev_text_has(&C, SQT_GRID_EV_POSITION_MISMATCH, "in flight 0.010"));
    {
        sqt_order u = mk_order(sells[0], SQT_ORDER_FILLED, "0.010");
        CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, sells[0], NULL, &u, 20), 0);
    }
    ASSERT_DEC(pos_of(g), "0.010");
    rec(g, "0.010", 30);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_MISMATCH), 0);
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_release_live_sells(void)
{
    /* half the position sold outside, the sells still resting: the highest slot's sell
     * is cancelled (repair) and the slot released once that cancel is final; the lower
     * slot keeps its sell */
    sqt_grid_params p;
    sqt_grid *g;
    char sells[2][SQT_CLIENT_ID_MAX];
    const sqt_grid_cmd *m;
    g = two_holdings(&p, sells);
    place_ok(g, sells[0], 5);
    place_ok(g, sells[1], 5);
    cap_clear(&C);
    reconcile_at(g, "0.010", 10);
    reconcile_at(g, "0.010", 20);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_CANCEL, SQT_SIDE_NONE), 1);
    m = cap_cmd_for(&C, SQT_GRID_CMD_CANCEL, sells[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    SQT_ASSERT_INT_EQ(m->reason, SQT_GRID_WHY_REPAIR);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 0);
    push(g, sells[0], SQT_ORDER_CANCELED, "0", 21);
    tick(g, 22);
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0); /* held */
    rec(g, "0.010", 30);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 1);
    ASSERT_DEC(pos_of(g), "0.010");
    {
        sqt_grid_slot_info si;
        CU_ASSERT_FALSE(slot_info_at(g, SQT_GRID_LIST_HOLDING, "2998.00", &si));
        CU_ASSERT_TRUE(slot_info_at(g, SQT_GRID_LIST_HOLDING, "2996.00", &si));
        SQT_ASSERT_STR_EQ(si.client_id, sells[1]);
    }
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_adopt_mid_run(void)
{
    /* before: holdings beyond the slots were adopted only at the first reconcile. Now
     * any reconcile adopts them once seen twice, just above the grid price */
    sqt_grid_params p;
    sqt_grid *g;
    sqt_grid_status st;
    e_params(&p);
    g = grid_e1_live(&p, &C);
    rec(g, "0.020", 10);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 0);
    CU_ASSERT_TRUE(sqt_grid_wants_reconcile(g));
    rec(g, "0.020", 20);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_POSITION_REPAIRED), 2);
    CU_ASSERT_EQUAL(C.ev[C.ne - 1].side, SQT_SIDE_BUY);
    sqt_grid_get_status(g, &st);
    ASSERT_DEC(st.position, "0.020");
    ASSERT_DEC(st.adopted, "0.020");
    {
        sqt_grid_slot_info si;
        CU_ASSERT_TRUE(slot_info_at(g, SQT_GRID_LIST_HOLDING, "3002.00", &si));
        CU_ASSERT_TRUE(slot_info_at(g, SQT_GRID_LIST_HOLDING, "3004.00", &si));
    }
    tick(g, 21);
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&C, "3004.00"));
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&C, "3006.00"));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

static void test_hand_cancel_then_closed(void)
{
    /* the exchange ends the resting sells when the position is closed (the emulator
     * and Binance expire reduce-only orders, Gate says position_closed): no sell is
     * re-sent at all, and an expiry far above the market is no post-only failure */
    sqt_grid_params p;
    sqt_grid *g;
    char sells[2][SQT_CLIENT_ID_MAX];
    g = two_holdings(&p, sells);
    place_ok(g, sells[0], 5);
    place_ok(g, sells[1], 5);
    push(g, sells[0], SQT_ORDER_EXPIRED, "0", 6);
    push(g, sells[1], SQT_ORDER_CANCELED, "0", 6);
    {
        sqt_grid_slot_info si;
        CU_ASSERT_TRUE(slot_info_at(g, SQT_GRID_LIST_HOLDING, "2998.00", &si));
        SQT_ASSERT_INT_EQ(si.post_only_failures, 0);
    }
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, 7), 0);
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, 5000), 0);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0);
    CU_ASSERT_TRUE(sqt_grid_wants_reconcile(g));
    reconcile_at(g, "0", 5001);
    reconcile_at(g, "0", 6001);
    tick(g, 6002);
    ASSERT_DEC(pos_of(g), "0");
    SQT_ASSERT_INT_EQ(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0);
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

/* ---- market data pause ---------------------------------------------------------- */

static void test_data_pause(void)
{
    sqt_grid_params p;
    sqt_grid *g;
    sqt_grid_status st;
    e_params(&p);
    g = grid_e1_live(&p, &C);
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_set_data_pause(g, 1, 10), 0);
    CU_ASSERT_EQUAL(sqt_grid_set_data_pause(g, 1, 11), 0);
    /* far up: no new buy, and the buys left below the window are not cancelled */
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("3030.00"), 12), 0);
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, 13), 0);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(C.nc, 0);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_DATA_PAUSE), 1);
    sqt_grid_get_status(g, &st);
    CU_ASSERT_TRUE(st.data_paused);
    CU_ASSERT_FALSE(st.risk_paused);
    cap_clear(&C);
    CU_ASSERT_EQUAL(sqt_grid_set_data_pause(g, 0, 14), 0);
    CU_ASSERT_TRUE(sqt_grid_needs_adjust(g));
    CU_ASSERT_EQUAL(sqt_grid_adjust(g, 15), 0);
    cap_drain(g, &C);
    SQT_ASSERT_INT_EQ(cap_events(&C, SQT_GRID_EV_DATA_RESUME), 1);
    CU_ASSERT_TRUE(cap_count(&C, SQT_GRID_CMD_PLACE, SQT_SIDE_BUY) > 0);
    CU_ASSERT_TRUE(cap_count(&C, SQT_GRID_CMD_CANCEL, SQT_SIDE_NONE) > 0);
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"fill above the order: anomaly, not booked, queried", test_fill_above_order},
        {"non-positive fill prices, fill above the order", test_bad_fill_prices},
        {"impossible query answer", test_impossible_query_answer},
        {"our order on another symbol", test_report_of_other_symbol},
        {"rules rejection: backoff doubles to its cap", test_rules_backoff},
        {"rules rejection: price move and acceptance end it", test_rules_park_ends},
        {"reduce-only refusal: no blind retry, released", test_reduce_only_refusal},
        {"sell refused, position intact: retried", test_refusal_position_intact},
        {"hold set after the snapshot survives it", test_hold_after_snapshot},
        {"shortfall a fill in flight explains", test_shortfall_in_flight},
        {"release from the highest slot, live sells", test_release_live_sells},
        {"excess adopted mid-run", test_adopt_mid_run},
        {"sells cancelled by the exchange: none re-sent", test_hand_cancel_then_closed},
        {"market data pause", test_data_pause},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("grid safety", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
