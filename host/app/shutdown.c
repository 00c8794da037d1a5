/* The shutdown sequence (behaviour.md §2.3 with §11 #33): new placements dropped, our
 * own orders cancelled when system.cancel_on_exit, the order stream given time to
 * report the cancellations, the engine's state written, the executor and the plugin
 * closed, then every handle. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app_internal.h"

static void handle_closed(uv_handle_t *h)
{
    app *a = h->data;
    a->handles_open--;
}

static void close_handle(app *a, uv_handle_t *h)
{
    if (!uv_is_closing(h)) {
        h->data = a;
        uv_close(h, handle_closed);
    }
}

static void price_closed(sqt_price_monitor *pm)
{
    app *a = pm->data;
    a->handles_open--;
}

static void host_closed(void *ud)
{
    app *a = ud;
    close_handle(a, (uv_handle_t *)&a->sigint);
    close_handle(a, (uv_handle_t *)&a->sigterm);
    close_handle(a, (uv_handle_t *)&a->startup_timer);
    close_handle(a, (uv_handle_t *)&a->runfor_timer);
    close_handle(a, (uv_handle_t *)&a->status_timer);
    close_handle(a, (uv_handle_t *)&a->house_timer);
    close_handle(a, (uv_handle_t *)&a->reconcile_timer);
    close_handle(a, (uv_handle_t *)&a->guard_timer);
    close_handle(a, (uv_handle_t *)&a->exit_cancel_timer);
    close_handle(a, (uv_handle_t *)&a->wait_timer);
    close_handle(a, (uv_handle_t *)&a->adjust_idle);
    if (a->price_inited)
        sqt_price_close(&a->price, price_closed);
    app_metrics_close(a);
    a->state = ST_DONE;
}

static void exec_closed(void *ud)
{
    app *a = ud;
    a->exec = NULL;
}

static void plugin_shut(void *ud, const sqt_error *err)
{
    app *a = ud;
    if (err && err->code != SQT_OK)
        app_log_err(a, "exchange plugin shutdown", err);
    sqt_host_close(&a->host, host_closed, a);
}

static void finish_shutdown(app *a)
{
    int rc;
    if (a->shutdown_started)
        return;
    a->shutdown_started = 1;
    if (a->grid) {
        app_drain(a); /* the last answers into the journal and the audit trail */
        app_journal_sync(a);
        app_print_status(a, 1);
    }
    /* results still in flight arrive (cancelled) during the plugin's shutdown and are
     * dropped by the closing executor, which frees itself after the last one */
    if (a->exec)
        sqt_executor_close(a->exec, exec_closed, a);
    if (a->ex != NULL) {
        rc = a->x->shutdown(a->ex, plugin_shut, a);
        if (rc == 0)
            return;
        sqt_logf(a->log, SQT_LV_ERROR, "exchange plugin shutdown refused: %s", sqt_strerror(rc));
    }
    plugin_shut(a, NULL);
}

static void exit_settle_cb(uv_timer_t *t)
{
    app *a = t->data;
    sqt_grid_status st;
    sqt_grid_get_status(a->grid, &st);
    if (st.live_buys + st.live_sells == 0 || uv_now(&a->loop) - a->exit_wait_start >= SQT_EXIT_SETTLE_MS) {
        uv_timer_stop(t);
        if (st.live_buys + st.live_sells > 0)
            sqt_logf(a->log, SQT_LV_WARN,
                     "cancel on exit: the order stream did not confirm %zu cancellations in %d ms",
                     st.live_buys + st.live_sells, SQT_EXIT_SETTLE_MS);
        finish_shutdown(a);
    }
}

static void exit_cancelled(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    app *a = ud;
    size_t i, ok = 0;
    if (a->exit_cancel_done)
        return;
    a->exit_cancel_done = 1;
    uv_timer_stop(&a->exit_cancel_timer);
    for (i = 0; i < n; i++)
        if (res[i].err.code == SQT_OK || res[i].err.code == SQT_EUNKNOWN_ORDER)
            ok++;
    if (status < 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "cancel on exit failed: %s; orders may remain open",
                 sqt_strerror(status));
        finish_shutdown(a);
        return;
    }
    sqt_logf(a->log, SQT_LV_INFO, "cancel on exit: %zu of %zu own orders cancelled", ok, n);
    /* let the order stream report the cancellations (and any last fill) to the engine,
     * so the final status and the event log agree with the exchange */
    a->exit_wait_start = uv_now(&a->loop);
    uv_timer_start(&a->exit_cancel_timer, exit_settle_cb, 20, 20);
}

static void exit_cancel_timeout(uv_timer_t *t)
{
    app *a = t->data;
    if (a->exit_cancel_done)
        return;
    a->exit_cancel_done = 1;
    sqt_logf(a->log, SQT_LV_ERROR, "cancel on exit: no answer in %d s; orders may remain open",
             SQT_CANCEL_ON_EXIT_MS / 1000);
    finish_shutdown(a);
}

static void guard_cb(uv_timer_t *t)
{
    app *a = t->data;
    sqt_logf(a->log, SQT_LV_ERROR, "shutdown did not finish in %d s; forcing the loop to stop",
             SQT_SHUTDOWN_GUARD_MS / 1000);
    a->exit_code = a->exit_code ? a->exit_code : 1;
    uv_stop(&a->loop);
}

void app_stop(app *a, int code, const char *why)
{
    int was_trading = a->state == ST_TRADING;
    int rc;
    if (a->state == ST_STOPPING || a->state == ST_DONE) {
        sqt_logf(a->log, SQT_LV_INFO, "already stopping");
        return;
    }
    if (code > a->exit_code)
        a->exit_code = code;
    if (why)
        sqt_logf(a->log, code ? SQT_LV_ERROR : SQT_LV_INFO, "stopping: %s", why);
    a->state = ST_STOPPING;
    if (a->price_inited)
        sqt_price_stop(&a->price);
    uv_idle_stop(&a->adjust_idle);
    uv_timer_stop(&a->status_timer);
    uv_timer_stop(&a->house_timer);
    uv_timer_stop(&a->reconcile_timer);
    uv_timer_stop(&a->startup_timer);
    uv_timer_stop(&a->wait_timer);
    uv_timer_stop(&a->runfor_timer);
    uv_timer_start(&a->guard_timer, guard_cb, SQT_SHUTDOWN_GUARD_MS, 0);
    if (a->exec)
        sqt_executor_drop_places(a->exec);
    /* §2.3 step 2 with §11 #33: only our own orders, and also after a runtime fault */
    if (a->ex != NULL && a->grid != NULL && a->cfg->cancel_on_exit && was_trading) {
        sqt_logf(a->log, SQT_LV_INFO, "cancelling own open orders (%s*)", a->prefix);
        rc = a->x->cancel_own(a->ex, a->prefix, exit_cancelled, a);
        if (rc == 0) {
            uv_timer_start(&a->exit_cancel_timer, exit_cancel_timeout, SQT_CANCEL_ON_EXIT_MS, 0);
            return;
        }
        sqt_logf(a->log, SQT_LV_ERROR, "cancel on exit refused: %s", sqt_strerror(rc));
    } else if (a->grid != NULL && !a->cfg->cancel_on_exit) {
        sqt_logf(a->log, SQT_LV_WARN, "system.cancel_on_exit is false: own orders stay open");
    }
    finish_shutdown(a);
}

void app_on_signal(uv_signal_t *s, int signum)
{
    app *a = s->data;
    sqt_logf(a->log, SQT_LV_INFO, "received %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
    app_stop(a, 0, "exit signal");
}

void app_runfor_cb(uv_timer_t *t)
{
    app *a = t->data;
    sqt_logf(a->log, SQT_LV_INFO, "--run-for elapsed");
    app_stop(a, 0, "run time reached");
}

void app_fatal(app *a, const sqt_error *err, int code)
{
    char what[128];
    snprintf(what, sizeof(what), "start-up failed at %s", a->step);
    app_log_err(a, what, err);
    app_stop(a, code, NULL);
}

/* A plugin call refused synchronously during start-up. */
void app_fatal_rc(app *a, int rc)
{
    sqt_error e;
    memset(&e, 0, sizeof(e));
    e.code = rc;
    app_fatal(a, &e, 1);
}
