/* The risk monitor's glue: kline history and stream to the monitor, its verdicts to the
 * engine (behaviour.md §3.5 with §11 #37/#38). */
#include <stdio.h>
#include <string.h>

#include "app_internal.h"

static void on_kline(void *ud, const sqt_kline *k)
{
    app *a = ud;
    int r;
    if (a->risk == NULL)
        return;
    r = sqt_risk_on_kline(a->risk, k, app_wall_ms());
    if (r == SQT_RISK_NONE || a->grid == NULL)
        return;
    if (r == SQT_RISK_TRIGGERED)
        sqt_logf(a->log, SQT_LV_WARN,
                 "risk monitor: every watched market shows a panic candle: buys cancelled, trading paused");
    else
        sqt_logf(a->log, SQT_LV_INFO, "risk monitor: markets look normal again: trading resumes");
    sqt_grid_set_risk_pause(a->grid, r == SQT_RISK_TRIGGERED, (int64_t)uv_now(&a->loop));
    app_drain(a);
}

static void on_kline_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    app *a = ud;
    if (st == SQT_STREAM_FAILED)
        app_log_err(a, "kline stream failed: the risk monitor cannot see the market", err);
    else if (st == SQT_STREAM_DOWN)
        sqt_logf(a->log, SQT_LV_WARN, "kline stream down");
}

static void risk_history(void *ud, const sqt_error *err, const sqt_kline *k, size_t n)
{
    app *a = ud;
    size_t i;
    if (a->risk == NULL || a->state == ST_DONE)
        return;
    if (err && err->code != SQT_OK) {
        app_log_err(a, "risk monitor: kline history", err);
        return;
    }
    for (i = 0; i < n; i++) {
        /* history: only candles that already closed count as closed */
        sqt_kline c = k[i];
        if (c.close_time_ms > app_wall_ms())
            c.closed = 0;
        sqt_risk_on_kline(a->risk, &c, app_wall_ms());
    }
}

void app_start_risk(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_risk_params rp;
    sqt_kline_sink ks;
    size_t i;
    int rc;
    if (!c->risk_enabled) {
        sqt_logf(a->log, SQT_LV_WARN, "risk monitor disabled (risk_control.enabled: false)");
        return;
    }
    memset(&rp, 0, sizeof(rp));
    rp.symbols = (const char *const *)c->monitor_symbols;
    rp.n_symbols = c->n_monitor_symbols;
    rp.window = c->average_window;
    rp.volume_multiplier = c->volume_multiplier;
    rp.recovery_threshold = c->recovery_threshold;
    rp.min_pause_ms = 60000;
    a->risk = sqt_risk_new(&rp);
    if (a->risk == NULL) {
        sqt_logf(a->log, SQT_LV_ERROR, "risk monitor: cannot start (no symbols or out of memory)");
        return;
    }
    for (i = 0; i < c->n_monitor_symbols; i++) {
        rc = a->x->klines(a->ex, c->monitor_symbols[i], c->risk_interval, c->average_window + 2,
                          risk_history, a);
        if (rc < 0)
            sqt_logf(a->log, SQT_LV_WARN, "risk monitor: no kline history for %s: %s",
                     c->monitor_symbols[i], sqt_strerror(rc));
    }
    ks.ud = a;
    ks.on_kline = on_kline;
    ks.on_state = on_kline_state;
    rc = a->x->subscribe_klines(a->ex, (const char *const *)c->monitor_symbols, c->n_monitor_symbols,
                                c->risk_interval, &ks);
    if (rc < 0)
        sqt_logf(a->log, SQT_LV_ERROR, "risk monitor: kline stream: %s: the monitor is blind",
                 sqt_strerror(rc));
    else
        sqt_logf(a->log, SQT_LV_INFO, "risk monitor watching %zu symbols (%s klines, window %d)",
                 c->n_monitor_symbols, c->risk_interval, c->average_window);
}
