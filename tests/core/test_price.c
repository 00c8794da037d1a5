/* Price monitor: coalescing per loop turn, rejection of bad prices, clean close. */
#include <string.h>
#include <uv.h>

#include "price.h"
#include "sqt_test.h"

static int deliveries;
static sqt_dec last;

static void on_price(void *ud, sqt_dec p, int64_t t)
{
    (void)ud;
    (void)t;
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

int main(void)
{
    static const sqt_test_case cases[] = {{"coalesce per loop turn", test_coalesce}, {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("price", cases);
    return sqt_test_run();
}
