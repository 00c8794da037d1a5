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

int main(void)
{
    static const sqt_test_case cases[] = {
        {"fill above the order: anomaly, not booked, queried", test_fill_above_order},
        {"non-positive fill prices, fill above the order", test_bad_fill_prices},
        {"impossible query answer", test_impossible_query_answer},
        {"our order on another symbol", test_report_of_other_symbol},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("grid safety", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
