/* The app's metrics (host/app/appmetrics.c) without a running app: engine events
 * counted by kind and rejection class, stream reconnects, the tick-to-order clock
 * (only placements a price caused, each once), the health rule, and the whole
 * exposition of a fake app read back by the real Prometheus parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/appmetrics.h"
#include "prom_parse.h"
#include "sqt_test.h"

static void event(app_metrics *m, int kind, int err_code)
{
    sqt_grid_event e;
    memset(&e, 0, sizeof e);
    e.kind = (sqt_grid_ev_kind)kind;
    e.err_code = err_code;
    app_metrics_count_event(m, &e);
}

static void test_events(void)
{
    static app_metrics m;
    app_metrics_init(&m, 0);
    event(&m, SQT_GRID_EV_PLACED, 0);
    event(&m, SQT_GRID_EV_PLACED, 0);
    event(&m, SQT_GRID_EV_PLACED, 0);
    event(&m, SQT_GRID_EV_ACKED, 0);
    event(&m, SQT_GRID_EV_PARTIAL, 0);
    event(&m, SQT_GRID_EV_FILLED, 0);
    event(&m, SQT_GRID_EV_CANCELLED, 0);
    event(&m, SQT_GRID_EV_CANCEL_SENT, 0); /* a request, not an end: not counted */
    event(&m, SQT_GRID_EV_REJECTED, SQT_EPOST_ONLY);
    event(&m, SQT_GRID_EV_REJECTED, SQT_EPOST_ONLY);
    event(&m, SQT_GRID_EV_REJECTED, SQT_EMARGIN);
    event(&m, SQT_GRID_EV_REJECTED, SQT_ERULES);
    event(&m, SQT_GRID_EV_REJECTED, SQT_ERATE_LIMITED);
    event(&m, SQT_GRID_EV_REJECTED, SQT_EBANNED);
    event(&m, SQT_GRID_EV_REJECTED, SQT_ETIMESTAMP);
    event(&m, SQT_GRID_EV_REJECTED, SQT_EEXCHANGE);
    SQT_ASSERT_INT_EQ(m.placed, 3);
    SQT_ASSERT_INT_EQ(m.fills, 2);
    SQT_ASSERT_INT_EQ(m.filled, 1);
    SQT_ASSERT_INT_EQ(m.cancelled, 1);
    SQT_ASSERT_INT_EQ(m.rejected[APP_M_REJ_POST_ONLY], 2);
    SQT_ASSERT_INT_EQ(m.rejected[APP_M_REJ_MARGIN], 1);
    SQT_ASSERT_INT_EQ(m.rejected[APP_M_REJ_RULES], 1);
    SQT_ASSERT_INT_EQ(m.rejected[APP_M_REJ_RATE_LIMITED], 2);
    SQT_ASSERT_INT_EQ(m.rejected[APP_M_REJ_AUTH], 1);
    SQT_ASSERT_INT_EQ(m.rejected[APP_M_REJ_OTHER], 1);
    SQT_ASSERT_STR_EQ(app_metrics_reject_class(SQT_EAUTH), "auth");
    SQT_ASSERT_STR_EQ(app_metrics_reject_class(-999), "other");
    /* metrics off: every hook is a no-op */
    app_metrics_count_event(NULL, NULL);
    app_metrics_stream(NULL, APP_M_STREAM_PRICE, SQT_STREAM_UP);
    app_metrics_tick_begin(NULL, 1);
    app_metrics_place_queued(NULL, "x");
    app_metrics_places_sent(NULL, NULL, 0, 2);
    app_metrics_journal_write(NULL, 5);
}

static void test_reconnects(void)
{
    static app_metrics m;
    app_metrics_init(&m, 0);
    /* the first UP is a connect, not a reconnect */
    app_metrics_stream(&m, APP_M_STREAM_PRICE, SQT_STREAM_UP);
    app_metrics_stream(&m, APP_M_STREAM_ORDERS, SQT_STREAM_UP);
    SQT_ASSERT_INT_EQ(m.reconnects[APP_M_STREAM_PRICE], 0);
    app_metrics_stream(&m, APP_M_STREAM_PRICE, SQT_STREAM_DOWN);
    app_metrics_stream(&m, APP_M_STREAM_PRICE, SQT_STREAM_UP);
    app_metrics_stream(&m, APP_M_STREAM_PRICE, SQT_STREAM_UP); /* repeated: not again */
    app_metrics_stream(&m, APP_M_STREAM_ORDERS, SQT_STREAM_RESYNC);
    app_metrics_stream(&m, APP_M_STREAM_ORDERS, SQT_STREAM_UP);
    app_metrics_stream(&m, APP_M_STREAM_ORDERS, SQT_STREAM_DOWN);
    app_metrics_stream(&m, APP_M_STREAM_ORDERS, SQT_STREAM_UP);
    app_metrics_stream(&m, 7, SQT_STREAM_UP); /* no such stream: ignored */
    SQT_ASSERT_INT_EQ(m.reconnects[APP_M_STREAM_PRICE], 1);
    SQT_ASSERT_INT_EQ(m.reconnects[APP_M_STREAM_ORDERS], 2);
}

static sqt_order_req req(const char *cid)
{
    sqt_order_req r;
    memset(&r, 0, sizeof r);
    snprintf(r.client_id, sizeof r.client_id, "%s", cid);
    return r;
}

static void test_tick_to_order(void)
{
    static app_metrics m;
    sqt_order_req sent[3];
    app_metrics_init(&m, 0);
    app_metrics_place_queued(&m, "before"); /* no price in hand: not timed */
    app_metrics_tick_begin(&m, 1000000000ull);
    app_metrics_place_queued(&m, "a");
    app_metrics_place_queued(&m, "b");
    app_metrics_tick_end(&m);
    app_metrics_place_queued(&m, "after-fill"); /* a sell after a fill: not timed */
    sent[0] = req("a");
    sent[1] = req("before");
    sent[2] = req("after-fill");
    app_metrics_places_sent(&m, sent, 3, 1000000000ull + 40000); /* 40 us */
    SQT_ASSERT_INT_EQ(m.tick_to_order.total, 1);
    sent[0] = req("b");
    app_metrics_places_sent(&m, sent, 1, 1000000000ull + 3000000); /* 3 ms: waited */
    app_metrics_places_sent(&m, sent, 1, 1000000000ull + 9000000); /* a retry: once */
    SQT_ASSERT_INT_EQ(m.tick_to_order.total, 2);
    /* 40 us in the le=5e-05 bucket (index 2), 3 ms in le=0.005 (index 8) */
    SQT_ASSERT_INT_EQ(m.tick_to_order.count[2], 1);
    SQT_ASSERT_INT_EQ(m.tick_to_order.count[8], 1);
    CU_ASSERT_DOUBLE_EQUAL(m.tick_to_order.sum, 0.00304, 1e-12);

    /* placements that never go out are forgotten oldest first, never overflow */
    {
        char cid[32];
        int i;
        app_metrics_tick_begin(&m, 5);
        for (i = 0; i < APP_M_STAMPS + 10; i++) {
            snprintf(cid, sizeof cid, "x%d", i);
            app_metrics_place_queued(&m, cid);
        }
        app_metrics_tick_end(&m);
        sent[0] = req("x0");
        sent[1] = req("x137");
        app_metrics_places_sent(&m, sent, 2, 10);
        SQT_ASSERT_INT_EQ(m.tick_to_order.total, 3);
        /* the search stops at the live stamps, newest first: every one still kept
         * (x10 .. x136, in a scrambled order, a batch of three at a time) is found once */
        for (i = 0; i < APP_M_STAMPS - 1; i += 3) {
            int b;
            for (b = 0; b < 3; b++) {
                snprintf(cid, sizeof cid, "x%d", 10 + ((i + b) * 37) % (APP_M_STAMPS - 1));
                sent[b] = req(i + b < APP_M_STAMPS - 1 ? cid : "none");
            }
            app_metrics_places_sent(&m, sent, 3, 10);
        }
        SQT_ASSERT_INT_EQ(m.tick_to_order.total, 3 + APP_M_STAMPS - 1);
        SQT_ASSERT_INT_EQ(m.live_stamps, 0);
        app_metrics_places_sent(&m, sent, 3, 10); /* all taken: nothing more */
        SQT_ASSERT_INT_EQ(m.tick_to_order.total, 3 + APP_M_STAMPS - 1);
        /* a stamp queued after a wrap of the ring is found again */
        app_metrics_tick_begin(&m, 5);
        app_metrics_place_queued(&m, "y");
        app_metrics_tick_end(&m);
        sent[0] = req("y");
        app_metrics_places_sent(&m, sent, 1, 10);
        SQT_ASSERT_INT_EQ(m.tick_to_order.total, 3 + APP_M_STAMPS);
    }
    app_metrics_journal_write(&m, 17000);
    SQT_ASSERT_INT_EQ(m.journal_write.total, 1);
    SQT_ASSERT_INT_EQ(m.journal_write.count[1], 1); /* 17 us: le=2.5e-05 */
}

static void view_trading(app_metrics_view *v)
{
    memset(v, 0, sizeof *v);
    v->exchange = "paper";
    v->version = "1.0.0";
    v->symbol = "ETH\"USDT";
    v->state = "trading";
    v->step = "trading";
    v->step_no = 13;
    v->orders_up = v->price_up = 1;
    v->uptime_s = 12.5;
}

static void test_health(void)
{
    app_metrics_view v;
    char why[128];
    view_trading(&v);
    SQT_ASSERT_INT_EQ(app_metrics_health(&v, why, sizeof why), 1);
    v.price_up = 0;
    SQT_ASSERT_INT_EQ(app_metrics_health(&v, why, sizeof why), 0);
    SQT_ASSERT_STR_EQ(why, "price stream down");
    v.orders_up = 0;
    SQT_ASSERT_INT_EQ(app_metrics_health(&v, why, sizeof why), 0);
    SQT_ASSERT_STR_EQ(why, "order stream down, price stream down");
    v.price_up = 1;
    SQT_ASSERT_INT_EQ(app_metrics_health(&v, why, sizeof why), 0);
    SQT_ASSERT_STR_EQ(why, "order stream down");
    /* both streams up is not enough before trading, nor while stopping */
    view_trading(&v);
    v.state = "starting";
    v.step = "order stream";
    v.step_no = 4;
    SQT_ASSERT_INT_EQ(app_metrics_health(&v, why, sizeof why), 0);
    SQT_ASSERT_STR_EQ(why, "starting: step 4 (order stream)");
    v.state = "stopping";
    SQT_ASSERT_INT_EQ(app_metrics_health(&v, why, sizeof why), 0);
    SQT_ASSERT_STR_EQ(why, "stopping");
}

static void test_render(void)
{
    static app_metrics m;
    app_metrics_view v;
    sqt_mbuf b;
    char *parsed = malloc(65536);
    int rc, i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(parsed);
    app_metrics_init(&m, 0);
    for (i = 0; i < 7; i++)
        event(&m, SQT_GRID_EV_PLACED, 0);
    event(&m, SQT_GRID_EV_FILLED, 0);
    event(&m, SQT_GRID_EV_REJECTED, SQT_EMARGIN);
    app_metrics_stream(&m, APP_M_STREAM_PRICE, SQT_STREAM_DOWN);
    app_metrics_stream(&m, APP_M_STREAM_PRICE, SQT_STREAM_UP);
    app_metrics_tick_begin(&m, 0);
    app_metrics_place_queued(&m, "a");
    app_metrics_tick_end(&m);
    {
        sqt_order_req r = req("a");
        app_metrics_places_sent(&m, &r, 1, 20000);
    }
    app_metrics_journal_write(&m, 2000000);

    view_trading(&v);
    v.data_paused = 1;
    v.have_grid = 1;
    v.grid.realized_pnl = sqt_dec_make(-123456789, 8); /* exact, negative */
    v.grid.fees_paid = sqt_dec_make(4020566, 8);
    v.grid.position = sqt_dec_make(9, 3);
    v.grid.last_price = sqt_dec_make(300167, 2);
    v.grid.round_trips = 3;
    v.grid.holding_slots = 1;
    v.grid.live_buys = 10;
    v.grid.live_sells = 2;
    v.grid.risk_paused = 1;
    v.have_exec = 1;
    v.exec.queued = 4;
    v.exec.inflight = 1;
    v.exec.requests = 30;
    v.exec.rate_limited = 3;
    v.exec.rate_pauses = 2;
    v.exec.bans = 1;

    memset(&b, 0, sizeof b);
    app_metrics_render(&m, &v, &b);
    CU_ASSERT_FALSE_FATAL(b.failed);
    /* every family has its HELP; the money is the exact decimal */
    SQT_ASSERT_CONTAINS(b.p, "# HELP opensqt_orders_placed_total ");
    SQT_ASSERT_CONTAINS(b.p, "\nopensqt_realized_pnl -1.23456789\n");
    rc = prom_parse(b.p, parsed, 65536);
    if (rc != 0)
        fprintf(stderr, "\n    prometheus parser: %s\n", parsed);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_info [('exchange', 'paper'), ('symbol', 'ETH\"USDT'), "
                            "('version', '1.0.0')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_state [('state', 'trading')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_state [('state', 'starting')] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_startup_step [('step', 'trading')] 13.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_uptime_seconds [] 12.5");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_placed_total [] 7.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_filled_total [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_cancelled_total [] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_rejected_total [('class', 'margin')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_rejected_total [('class', 'post_only')] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_fills_total [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_round_trips_total [] 3.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_realized_pnl [] -1.23456789");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_fees_paid [] 0.04020566");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_position [] 0.009");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_price [] 3001.67");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_holding_slots [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_live_orders [('side', 'buy')] 10.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_live_orders [('side', 'sell')] 2.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_risk_paused [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_data_paused [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_bucket [('le', '1e-05')] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_bucket [('le', '2.5e-05')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_bucket [('le', '1')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_bucket [('le', '+Inf')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_count [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_journal_write_seconds_bucket [('le', '0.001')] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_journal_write_seconds_bucket [('le', '0.0025')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_stream_up [('stream', 'orders')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_ws_reconnects_total [('stream', 'price')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_ws_reconnects_total [('stream', 'orders')] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_requests_total [] 30.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_rate_limited_total [] 3.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_rate_limit_pauses_total [] 2.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_bans_total [] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_executor_queue_depth [] 4.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_executor_inflight [] 1.0");
    CU_ASSERT_DOUBLE_EQUAL(prom_value(parsed, "counter opensqt_orders_placed_total []"), 7.0, 1e-9);
    free(b.p);

    /* before the grid and the executor exist (start-up): zeros, every series there */
    v.have_grid = v.have_exec = 0;
    v.state = "starting";
    memset(&b, 0, sizeof b);
    app_metrics_render(&m, &v, &b);
    rc = prom_parse(b.p, parsed, 65536);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_position [] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_executor_queue_depth [] 0.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_state [('state', 'starting')] 1.0");
    free(b.p);
    free(parsed);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"events", test_events},
                                          {"reconnects", test_reconnects},
                                          {"tick_to_order", test_tick_to_order},
                                          {"health", test_health},
                                          {"render", test_render},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("appmetrics", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
