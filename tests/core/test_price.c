/* Price monitor: coalescing per loop turn, rejection of bad prices, clean close. */
#include <string.h>
#include <uv.h>

#include "price.h"
#include "sqt_test.h"

static int deliveries;
static sqt_dec last;
static int64_t seen[8]; /* every delivered price, in order */

static void on_price(void *ud, sqt_dec p, int64_t t)
{
    (void)ud;
    (void)t;
    if (deliveries < 8)
        seen[deliveries] = p.mant;
    deliveries++;
    last = p;
}

static sqt_price_tick tick(const char *sym, int64_t mant)
{
    sqt_price_tick t;
    memset(&t, 0, sizeof(t));
    strcpy(t.symbol, sym);
    t.price = sqt_dec_make(mant, 2);
    return t;
}

static sqt_price_monitor pm;
static int pushes_done;

/* A timer pushes a burst of prices within one loop turn (as a feed delivering several
 * frames in one read would). */
static void burst(uv_timer_t *t)
{
    sqt_price_tick a = tick("ETHUSDT", 300000), b = tick("ETHUSDT", 300100),
                   c = tick("BTCUSDT", 6500000), z = tick("ETHUSDT", 0),
                   d = tick("ETHUSDT", 300200);
    sqt_price_push(&pm, &a);
    sqt_price_push(&pm, &b);
    sqt_price_push(&pm, &c); /* other symbol */
    sqt_price_push(&pm, &z); /* non-positive */
    sqt_price_push(&pm, &d);
    pushes_done++;
    uv_close((uv_handle_t *)t, NULL);
}

static void closed(sqt_price_monitor *p)
{
    (void)p;
}

static void test_coalesce(void)
{
    uv_loop_t loop;
    uv_timer_t t;
    sqt_log lg;
    sqt_dec out;
    memset(&lg, 0, sizeof(lg));
    lg.level = SQT_LV_FATAL + 1;
    uv_loop_init(&loop);
    deliveries = 0;
    SQT_ASSERT_INT_EQ(sqt_price_init(&pm, &loop, &lg, "ETHUSDT", on_price, NULL), 0);
    CU_ASSERT_FALSE(sqt_price_latest(&pm, &out));
    sqt_price_start(&pm);
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, burst, 1, 0);
    /* run until the burst was handled; the idle handle stops itself when delivered */
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(pushes_done, 1);
    SQT_ASSERT_INT_EQ(deliveries, 1);
    SQT_ASSERT_INT_EQ(last.mant, 300200);
    SQT_ASSERT_INT_EQ(pm.pushes, 3);
    SQT_ASSERT_INT_EQ(pm.rejected, 2);
    CU_ASSERT_TRUE(sqt_price_latest(&pm, &out));
    SQT_ASSERT_INT_EQ(out.mant, 300200);
    sqt_price_close(&pm, closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

/* With the market-data gate: a lone outlier never reaches the consumer; a move its
 * prints confirm does. One burst per loop turn. */
static int gate_step;

static void gate_bursts(uv_timer_t *t)
{
    static const int64_t bursts[3][3] = {
        {300000, 330000, 0},      /* accepted, then an outlier (held) */
        {300050, 0, 0},           /* back: the outlier dropped */
        {330000, 330100, 329900}, /* a real move: the third print confirms it */
    };
    int i;
    for (i = 0; i < 3 && bursts[gate_step][i] != 0; i++) {
        sqt_price_tick k = tick("ETHUSDT", bursts[gate_step][i]);
        sqt_price_push(&pm, &k);
    }
    if (++gate_step == 3)
        uv_close((uv_handle_t *)t, NULL);
}

static void test_gate(void)
{
    uv_loop_t loop;
    uv_timer_t t;
    sqt_log lg;
    sqt_pricegate gate;
    sqt_pricegate_params gp;
    memset(&lg, 0, sizeof(lg));
    lg.level = SQT_LV_FATAL + 1;
    sqt_pricegate_params_init(&gp);
    CU_ASSERT_EQUAL_FATAL(sqt_pricegate_init(&gate, &gp, NULL, 0), 0);
    uv_loop_init(&loop);
    deliveries = 0;
    gate_step = 0;
    SQT_ASSERT_INT_EQ(sqt_price_init(&pm, &loop, &lg, "ETHUSDT", on_price, NULL), 0);
    sqt_price_set_gate(&pm, &gate);
    sqt_price_start(&pm);
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, gate_bursts, 1, 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(deliveries, 3);
    SQT_ASSERT_INT_EQ(seen[0], 300000);
    SQT_ASSERT_INT_EQ(seen[1], 300050);
    SQT_ASSERT_INT_EQ(seen[2], 329900);
    SQT_ASSERT_INT_EQ(pm.held, 3); /* the outlier, then two prints of the real move */
    SQT_ASSERT_INT_EQ(gate.dropped, 1);
    SQT_ASSERT_INT_EQ(gate.confirmed, 1);
    sqt_price_close(&pm, closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"coalesce per loop turn", test_coalesce},
                                          {"market-data gate in front", test_gate},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("price", cases);
    return sqt_test_run();
}
