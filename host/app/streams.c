/* The streams: prices to the price monitor and on to the engine, order pushes to the
 * engine - kept in order while the engine is not ready yet, never dropped - and the
 * streams' state changes. */
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

SQT_HOT static void on_price_tick(void *ud, const sqt_price_tick *t)
{
    app *a = ud;
    if (a->price_inited)
        sqt_price_push(&a->price, t);
}

static void on_price_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    app *a = ud;
    a->price_up = st == SQT_STREAM_UP;
    app_metrics_stream(a->metrics, APP_M_STREAM_PRICE, (int)st);
    if (st == SQT_STREAM_FAILED) {
        app_log_err(a, "price stream failed", err);
        if (a->state == ST_STARTING || a->state == ST_TRADING)
            app_stop(a, 1, "no price stream");
    } else if (st == SQT_STREAM_DOWN) {
        sqt_logf(a->log, SQT_LV_WARN, "price stream down; waiting for it to come back");
    } else if (st == SQT_STREAM_UP) {
        sqt_logf(a->log, SQT_LV_INFO, "price stream up");
    }
}

/* Every price: the grid's adjust step (once per loop turn, freshest price). */
static void on_price(void *ud, sqt_dec price, int64_t t)
{
    app *a = ud;
    (void)t;
    if (a->state == ST_STARTING) {
        if (!a->price_seen) {
            a->price_seen = 1;
            a->first_price = price;
            app_startup_first_price(a, price);
        } else {
            a->first_price = price; /* the freshest, for the first adjust step */
        }
        return;
    }
    if (a->state != ST_TRADING || a->grid == NULL)
        return;
    if (a->md_stale &&
        sqt_pricegate_poll(&a->gate, (int64_t)uv_now(&a->loop), NULL, NULL, 0) == SQT_PG_FRESH) {
        a->md_stale = 0;
        app_update_data_pause(a);
    }
    app_metrics_tick_begin(a->metrics, uv_hrtime());
    sqt_grid_on_price(a->grid, price, (int64_t)uv_now(&a->loop));
    app_drain(a);
    /* a drain left for the end of the turn ends the tick there (trade.c), so the
     * orders of this price's adjust step are timed from the price */
    if (!uv_is_active((uv_handle_t *)&a->adjust_idle))
        app_metrics_tick_end(a->metrics);
}

static void keep_early(app *a, const sqt_order *u)
{
    if (a->n_early == a->cap_early) {
        size_t cap = a->cap_early ? a->cap_early * 2 : 64;
        sqt_order *p = realloc(a->early, cap * sizeof *p);
        if (p == NULL) {
            /* the start-up reconcile repairs what this push would have told */
            sqt_logf(a->log, SQT_LV_WARN, "out of memory keeping an order push during start-up");
            a->resync_seen = 1;
            return;
        }
        a->early = p;
        a->cap_early = cap;
    }
    a->early[a->n_early++] = *u;
}

void app_feed_early_pushes(app *a)
{
    size_t i;
    for (i = 0; i < a->n_early && a->grid != NULL; i++)
        sqt_grid_on_order_update(a->grid, &a->early[i], (int64_t)uv_now(&a->loop));
    free(a->early);
    a->early = NULL;
    a->n_early = a->cap_early = 0;
}

SQT_HOT static void on_order(void *ud, const sqt_order *u)
{
    app *a = ud;
    if (a->state == ST_DONE)
        return;
    /* until the engine has imported the exchange's view, pushes wait in order */
    if (!a->imported) {
        keep_early(a, u);
        return;
    }
    sqt_grid_on_order_update(a->grid, u, (int64_t)uv_now(&a->loop));
    app_drain(a);
    app_send_now(a);
}

static void on_order_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    app *a = ud;
    app_metrics_stream(a->metrics, APP_M_STREAM_ORDERS, (int)st);
    switch (st) {
    case SQT_STREAM_UP:
        a->orders_up = 1;
        if (!a->orders_ever_up) {
            a->orders_ever_up = 1;
            sqt_logf(a->log, SQT_LV_INFO, "order stream confirmed");
            if (a->state == ST_STARTING)
                app_startup_orders_up(a);
        } else if (a->state == ST_STARTING) {
            a->resync_seen = 1;
        } else {
            sqt_logf(a->log, SQT_LV_INFO, "order stream back; reconciling");
            app_update_data_pause(a);
            app_start_reconcile(a);
        }
        break;
    case SQT_STREAM_DOWN:
        a->orders_up = 0;
        sqt_logf(a->log, SQT_LV_WARN, "order stream down: pushes may be missed until it is back");
        app_update_data_pause(a);
        break;
    case SQT_STREAM_RESYNC:
        sqt_logf(a->log, SQT_LV_WARN, "order stream lost data; reconciling");
        if (a->state == ST_STARTING)
            a->resync_seen = 1;
        else
            app_start_reconcile(a);
        break;
    case SQT_STREAM_FAILED:
        app_log_err(a, "order stream failed", err);
        app_stop(a, 1, "no order stream");
        break;
    }
}

int app_subscribe_orders(app *a)
{
    sqt_order_sink os;
    os.ud = a;
    os.on_order = on_order;
    os.on_state = on_order_state;
    return a->x->subscribe_orders(a->ex, &os);
}

int app_subscribe_price(app *a)
{
    sqt_price_sink ps;
    int rc;
    ps.ud = a;
    ps.on_price = on_price_tick;
    ps.on_state = on_price_state;
    rc = a->x->subscribe_price(a->ex, &ps);
    if (rc == 0)
        sqt_price_start(&a->price);
    return rc;
}

SQT_HOT void app_price_cb(void *ud, sqt_dec price, int64_t t)
{
    on_price(ud, price, t);
}
