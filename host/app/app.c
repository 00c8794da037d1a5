/* `opensqt run` (app.h): the loop and its handles, the plugin instance, then the
 * start-up sequence (startup.c); everything else hangs off the callbacks. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"
#include "memalloc.h"
#include "net/ws.h"
#include "state/statelock.h"

/* system.busy_poll: an idle handle that is always active keeps libuv from blocking in
 * its poll (it polls with a zero timeout instead), so the loop spins on one core and
 * never waits for the scheduler and a cold core to wake it: the tick-to-order latency
 * halves on the bench's guest (bench/README.md) at the price of that core. It is
 * unref'ed: it never keeps the loop alive on its own. */
static void spin_cb(uv_idle_t *h)
{
    (void)h;
}

static void init_handles(app *a)
{
    const sqt_config *c = a->cfg;
    uv_signal_init(&a->loop, &a->sigint);
    uv_signal_init(&a->loop, &a->sigterm);
    uv_signal_init(&a->loop, &a->sighup);
    uv_signal_init(&a->loop, &a->sigusr1);
    a->sigint.data = a->sigterm.data = a->sighup.data = a->sigusr1.data = a;
    a->handles_open += 4;
    uv_signal_start(&a->sigint, app_on_signal, SIGINT);
    uv_signal_start(&a->sigterm, app_on_signal, SIGTERM);
    uv_signal_start(&a->sighup, app_on_signal, SIGHUP); /* a closed terminal: stop cleanly */
    uv_signal_start(&a->sigusr1, app_on_status_signal, SIGUSR1);
    app_init_timer(a, &a->startup_timer);
    app_init_timer(a, &a->runfor_timer);
    app_init_timer(a, &a->status_timer);
    app_init_timer(a, &a->house_timer);
    app_init_timer(a, &a->reconcile_timer);
    app_init_timer(a, &a->guard_timer);
    app_init_timer(a, &a->exit_cancel_timer);
    app_init_timer(a, &a->wait_timer);
    app_init_timer(a, &a->warm_timer);
    uv_idle_init(&a->loop, &a->adjust_idle);
    a->adjust_idle.data = a;
    a->handles_open++;
    uv_idle_init(&a->loop, &a->spin);
    a->spin.data = a;
    if (c->busy_poll) {
        uv_idle_start(&a->spin, spin_cb);
        uv_unref((uv_handle_t *)&a->spin);
        sqt_logf(a->log, SQT_LV_NOTICE,
                 "system.busy_poll: the loop spins without sleeping (one CPU core at 100%%)");
    }
    a->handles_open++;
    uv_check_init(&a->loop, &a->turn_end);
    a->turn_end.data = a;
    uv_check_start(&a->turn_end, app_turn_end_cb);
    uv_unref((uv_handle_t *)&a->turn_end); /* it never keeps the loop alive */
    a->handles_open++;
    sqt_price_init(&a->price, &a->loop, a->log, c->symbol, app_price_cb, a);
    sqt_price_set_gate(&a->price, &a->gate);
    a->price.data = a;
    a->price_inited = 1;
    a->handles_open++;
}

static int create_plugin(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_create_args args;
    sqt_error err;
    int rc;
    sqt_config_create_args(c, &args);
    memset(&err, 0, sizeof(err));
    rc = a->x->create(sqt_host_services(), &a->host, &args, &a->ex, &err);
    if (rc != 0 || a->ex == NULL) {
        char msg[400];
        snprintf(msg, sizeof(msg), "plugin '%s' failed to initialise: %s", a->plugin->desc->name,
                 err.message[0] ? err.message : sqt_strerror(rc));
        sqt_log_redact(a->log, msg, sizeof(msg));
        sqt_logf(a->log, SQT_LV_ERROR, "%s", msg);
        a->ex = NULL;
        return rc == SQT_EINVAL || err.code == SQT_EINVAL ? APP_EXIT_USAGE : 1;
    }
    /* unused keys of the exchange block were reported before the plugin was loaded for
     * this run (main.c prepare) */
    return 0;
}

SQT_HOT static void app_wake_cb(void *ud)
{
    app *a = ud;
    sqt_hotcode_prefetch(&a->hot);
}

/* system.keep_warm_ms: the way from a fill push to its order request run dry while
 * trading - the plugin's part (its warm: a push parsed, an order built and signed, all
 * thrown away) and the host's (the HTTP client's request set-up on a handle that never
 * sends) - so that a fill after a quiet spell finds that code, its data and their page
 * translations still in the CPU's caches instead of taking a miss for each
 * (bench/README.md, session 13: the turn's first read to curl 71 -> 38 us on the bench's
 * guest). Nothing is sent and nothing changes; ~0.7 % of a core at 5 ms. */
static void warm_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (a->state != ST_TRADING || a->draining || a->ex == NULL)
        return;
    if (SQT_HAS_MEMBER(a->x, sqt_exchange_api, warm) && a->x->warm != NULL)
        a->x->warm(a->ex);
    sqt_host_warm(&a->host);
    a->warm_passes++;
}

void app_keep_warm_start(app *a)
{
    uint64_t ms = (uint64_t)a->cfg->keep_warm_ms;
    int plug = SQT_HAS_MEMBER(a->x, sqt_exchange_api, warm) && a->x->warm != NULL;
    int http = sqt_host_has_http(&a->host); /* a networked plugin has made requests by now */
    if (ms == 0)
        return;
    if (!plug && !http) { /* e.g. the paper exchange: no timer that wakes for nothing */
        sqt_logf(a->log, SQT_LV_INFO,
                 "keep warm: off, nothing to warm on %s (no warm function, no HTTP client)",
                 a->plugin->desc->name);
        return;
    }
    uv_timer_start(&a->warm_timer, warm_cb, ms, ms);
    sqt_logf(a->log, SQT_LV_INFO, "keep warm: the fill path run dry every %llu ms (%s%s%s; "
             "nothing is sent)", (unsigned long long)ms,
             plug ? "the plugin's parse and signed order" : "", plug && http ? ", " : "",
             http ? "the HTTP request set-up" : "");
}

/* Which allocator the process runs on and whether its heap got huge pages (memalloc.h). */
static void app_memory_log(app *a)
{
    char mem[256];
    sqt_logf(a->log, SQT_LV_INFO, "memory: %s", sqt_memalloc_describe(mem, sizeof(mem)));
}

/* The host's and the plugin's SQT_HOT code into the L2 cache whenever the loop wakes
 * from idle (ws.c's wake hook, before the first read of the turn): a fill that comes
 * after the process slept then runs its path from L2 instead of taking a miss to memory
 * for each line of it, one after the other. */
static void app_hotcode_start(app *a)
{
    size_t own, plug;
    sqt_hotcode_init(&a->hot);
    own = a->hot.bytes;
    plug = sqt_hotcode_add_object(&a->hot, a->plugin->dl);
    if (a->hot.bytes == 0)
        return;
    sqt_ws_set_wake_hook(app_wake_cb, a);
    sqt_logf(a->log, SQT_LV_INFO,
             "hot code: %zu KiB prefetched when the loop wakes from idle (host %zu KiB, %s %zu KiB)",
             (a->hot.bytes + 1023) / 1024, (own + 1023) / 1024, a->plugin->desc->name,
             (plug + 1023) / 1024);
}

int sqt_app_run(const sqt_app_opts *o)
{
    app *a = calloc(1, sizeof(*a));
    const sqt_config *c = o->cfg;
    const char *evpath;
    int rc, code;

    if (a == NULL)
        return 1;
    /* a console piped into a pager or `head` that went away must not kill the bot with
     * its orders open (main.c ignores it too; harmless twice) */
    signal(SIGPIPE, SIG_IGN);
    a->log = o->log;
    a->cfg = c;
    a->plugin = o->plugin;
    a->x = o->plugin->desc->exchange;
    a->state = ST_STARTING;
    a->step = "plugin init";
    a->lock_fd = -1;
    sqt_authguard_init(&a->auth, SQT_AUTH_MAX_FAILURES + 1);
    if (uv_loop_init(&a->loop) != 0) {
        free(a);
        return 1;
    }
    sqt_logf(a->log, SQT_LV_NOTICE, "opensqt starting: %s on %s (%s)", c->symbol, o->plugin->desc->name,
             o->plugin->desc->version);

    evpath = o->events_path ? o->events_path : c->event_log;
    if (evpath != NULL && evpath[0]) {
        rc = sqt_eventlog_open(&a->ev, evpath);
        if (rc < 0) {
            sqt_logf(a->log, SQT_LV_ERROR, "cannot open the event log %s: %s", evpath, uv_strerror(rc));
            uv_loop_close(&a->loop);
            free(a);
            return APP_EXIT_USAGE;
        }
        sqt_logf(a->log, SQT_LV_INFO, "event log: %s", evpath);
    }

    {
        sqt_pricegate_params gp;
        char err[256];
        sqt_pricegate_params_init(&gp);
        gp.max_price_jump_percent = c->max_price_jump_percent;
        gp.price_confirm_prints = c->price_confirm_prints;
        gp.market_data_max_age_seconds = c->market_data_max_age_seconds;
        if (sqt_pricegate_init(&a->gate, &gp, err, sizeof err) != 0) {
            sqt_logf(a->log, SQT_LV_ERROR, "safety: %s", err);
            sqt_eventlog_close(&a->ev);
            uv_loop_close(&a->loop);
            free(a);
            return APP_EXIT_USAGE;
        }
    }
    init_handles(a);
    sqt_host_init(&a->host, &a->loop, a->log, c, o->plugin->desc->name);
    rc = app_metrics_start(a);
    if (rc == 0)
        rc = create_plugin(a);
    if (rc != 0) {
        app_stop(a, rc, NULL);
    } else {
        if (o->run_for_seconds > 0)
            uv_timer_start(&a->runfor_timer, app_runfor_cb, (uint64_t)(o->run_for_seconds * 1000.0), 0);
        app_startup_begin(a);
    }

    app_memory_log(a);
    app_hotcode_start(a);
    uv_run(&a->loop, UV_RUN_DEFAULT);
    sqt_ws_set_wake_hook(NULL, NULL); /* before the plugin's code goes */

    app_release_plugin(a);
    sqt_grid_free(a->grid);
    sqt_risk_free(a->risk);
    free(a->risk_asks);
    app_snapshot_free(&a->snap);
    free(a->snap_first);
    free(a->early);
    free(a->evbuf);
    free(a->ibuf);
    sqt_journal_free_state(&a->saved);
    sqt_journal_close(a->journal);
    sqt_state_unlock(a->lock_fd);
    sqt_eventlog_close(&a->ev);
    if (uv_loop_close(&a->loop) != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "event loop closed with handles still open");
        if (a->exit_code == 0)
            a->exit_code = 1;
    }
    code = a->exit_code;
    sqt_logf(a->log, code == 0 ? SQT_LV_NOTICE : SQT_LV_ERROR, "opensqt stopped (exit %d)", code);
    free(a);
    return code;
}
