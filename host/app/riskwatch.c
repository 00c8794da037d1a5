/* The risk monitor's glue: kline history and stream to the monitor, its verdicts to the
 * engine (behaviour.md §3.5 with §11 #37/#38). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

static void on_kline(void *ud, const sqt_kline *k)
{
    app *a = ud;
    int r;
    if (a->risk == NULL)
        return;
    r = sqt_risk_on_kline(a->risk, k, sqt_wall_ms());
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

/* One history request of the start-up: which symbol it was for. */
struct risk_ask {
    app *a;
    size_t i;
    int answered;
    void (*done)(app *a);
};

static void risk_history(void *ud, const sqt_error *err, const sqt_kline *k, size_t n)
{
    struct risk_ask *q = ud;
    app *a = q->a;
    const sqt_config *c = a->cfg;
    size_t i;
    if (q->answered)
        return;
    q->answered = 1;
    if (a->risk == NULL || a->state == ST_DONE)
        return;
    if (err != NULL && err->code != SQT_OK && !sqt_risk_history_refuses(err->code, n)) {
        app_log_err(a, "risk monitor: kline history", err);
    } else if (sqt_risk_history_refuses(err != NULL ? err->code : SQT_OK, n)) {
        /* the exchange does not know the symbol: a typo would leave the monitor blind */
        const char *known[64];
        size_t nk = 0, j;
        char msg[400];
        for (j = 0; j < c->n_monitor_symbols && nk < 63; j++)
            if (j != q->i)
                known[nk++] = c->monitor_symbols[j];
        known[nk++] = c->symbol;
        sqt_risk_unknown_symbol(c->monitor_symbols[q->i], known, nk, msg, sizeof msg);
        sqt_logf(a->log, SQT_LV_ERROR, "risk_control.monitor_symbols: %s", msg);
        a->risk_refused = 1;
    }
    for (i = 0; i < n; i++) {
        /* history: only candles that already closed count as closed */
        sqt_kline kc = k[i];
        if (kc.close_time_ms > sqt_wall_ms())
            kc.closed = 0;
        sqt_risk_on_kline(a->risk, &kc, sqt_wall_ms());
    }
    if (a->risk_pending > 0 && --a->risk_pending == 0 && q->done != NULL)
        q->done(a);
}

void app_start_risk(app *a, void (*done)(app *a))
{
    const sqt_config *c = a->cfg;
    sqt_risk_params rp;
    sqt_kline_sink ks;
    size_t i;
    int rc;
    if (!c->risk_enabled) {
        sqt_logf(a->log, SQT_LV_WARN, "risk monitor disabled (risk_control.enabled: false)");
        done(a);
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
    a->risk_asks = c->n_monitor_symbols ? calloc(c->n_monitor_symbols, sizeof *a->risk_asks) : NULL;
    if (a->risk == NULL || (c->n_monitor_symbols && a->risk_asks == NULL)) {
        sqt_logf(a->log, SQT_LV_ERROR, "risk monitor: cannot start (no symbols or out of memory)");
        done(a);
        return;
    }
    a->risk_pending = c->n_monitor_symbols;
    for (i = 0; i < c->n_monitor_symbols; i++) {
        struct risk_ask *q = &a->risk_asks[i];
        q->a = a;
        q->i = i;
        q->done = done;
        rc = a->x->klines(a->ex, c->monitor_symbols[i], c->risk_interval, c->average_window + 2,
                          risk_history, q);
        if (rc < 0) {
            sqt_logf(a->log, SQT_LV_WARN, "risk monitor: no kline history for %s: %s",
                     c->monitor_symbols[i], sqt_strerror(rc));
            q->answered = 1;
            a->risk_pending--;
        }
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
    a->last_risk_report_ms = uv_now(&a->loop);
    if (a->risk_pending == 0)
        done(a);
}

/* Every 60 s: what the monitor sees, and a warning when its data is stale (a blind
 * monitor can never pause trading). */
void app_risk_watch(app *a)
{
    char buf[2048];
    int64_t iv;
    if (a->risk == NULL || uv_now(&a->loop) - a->last_risk_report_ms < 60000)
        return;
    a->last_risk_report_ms = uv_now(&a->loop);
    sqt_risk_report(a->risk, sqt_wall_ms(), buf, sizeof buf);
    {
        /* one log line per line of the report (a line break inside one is not printed) */
        char *line = buf, *nl;
        for (; line != NULL && *line != '\0'; line = nl != NULL ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl != NULL)
                *nl = '\0';
            if (*line != '\0')
                sqt_logf(a->log, SQT_LV_INFO, "%s", line);
        }
    }
    iv = sqt_risk_interval_ms(a->cfg->risk_interval);
    if (sqt_risk_stale(a->risk, sqt_wall_ms(), 2 * (iv > 0 ? iv : 60000) + 30000, buf, sizeof buf) > 0)
        sqt_logf(a->log, SQT_LV_WARN, "%s", buf);
}
