/* The shutdown sequence (behaviour.md §2.3 with §11 #33): new placements dropped, our
 * own orders cancelled when system.cancel_on_exit, the order stream given time to
 * report the cancellations, the engine's state written, the executor and the plugin
 * closed, then every handle.
 *
 * Cancel on exit does not give up after one failed request: it runs rounds of
 * cancel_own (list + batch cancel) with backoff, falls back to the orders the engine
 * tracks (cancel_orders by client id, batch by batch, past failed batches) when the
 * list keeps failing, abandons a request that does not answer in XC_REQ_MS (its late
 * answer still counts), and stops trying after XC_BOUND_MS. What may remain open is
 * named in one ERROR line and the exit code becomes APP_EXIT_ORDERS_REMAIN. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

#define XC_BOUND_MS 15000          /* the whole cancel on exit */
#define XC_REQ_MS 4000             /* one request; then it is abandoned */
#define XC_BACKOFF_FIRST_MS 250
#define XC_BACKOFF_MAX_MS 2000
#define XC_OWN_FAILS_FALLBACK 2    /* failed cancel_own rounds before a tracked pass */
#define PLUGIN_GIVEUP_STOP_MS 1000 /* after giving up on the plugin, the loop's last second */

enum { XC_OFF, XC_OWN, XC_BACKOFF, XC_TRACKED, XC_SETTLE, XC_DONE };

/* One own order seen during the rounds. */
struct app_xc_entry {
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
    int gone;                  /* the exchange said cancelled or unknown */
    int listed;                /* the exchange listed it open and its cancel failed */
};

/* The context of one request: a late answer of an abandoned request is recognised. */
typedef struct xc_req {
    app *a;
    unsigned gen;
} xc_req;

static void xc_own(app *a);
static void xc_tracked_next(app *a);
static void finish_shutdown(app *a);

/* ---- handles --------------------------------------------------------------------- */

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
    close_handle(a, (uv_handle_t *)&a->sighup);
    close_handle(a, (uv_handle_t *)&a->sigusr1);
    close_handle(a, (uv_handle_t *)&a->startup_timer);
    close_handle(a, (uv_handle_t *)&a->runfor_timer);
    close_handle(a, (uv_handle_t *)&a->status_timer);
    close_handle(a, (uv_handle_t *)&a->house_timer);
    close_handle(a, (uv_handle_t *)&a->warm_timer);
    close_handle(a, (uv_handle_t *)&a->reconcile_timer);
    /* a plugin given up on may hold timers of its own: the guard ends the loop then */
    if (!a->plugin_stuck)
        close_handle(a, (uv_handle_t *)&a->guard_timer);
    close_handle(a, (uv_handle_t *)&a->exit_cancel_timer);
    close_handle(a, (uv_handle_t *)&a->wait_timer);
    close_handle(a, (uv_handle_t *)&a->adjust_idle);
    close_handle(a, (uv_handle_t *)&a->spin);
    sqt_eventlog_flush(&a->ev);
    close_handle(a, (uv_handle_t *)&a->turn_end);
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
    if (a->plugin_shut_done)
        return;
    a->plugin_shut_done = 1;
    if (err && err->code != SQT_OK)
        app_log_err(a, "exchange plugin shutdown", err);
    if (a->plugin_stuck)
        return; /* given up on already: the host is closing */
    sqt_host_close(&a->host, host_closed, a);
}

/* ---- the own orders seen, and what may remain -------------------------------------- */

static struct app_xc_entry *xc_entry(app *a, const char *client_id, const char *order_id)
{
    size_t i;
    struct app_xc_entry *e;
    if (client_id == NULL || client_id[0] == '\0')
        return NULL;
    for (i = 0; i < a->xc_n; i++)
        if (strcmp(a->xc_tab[i].client_id, client_id) == 0) {
            e = &a->xc_tab[i];
            if (e->order_id[0] == '\0' && order_id != NULL)
                snprintf(e->order_id, sizeof(e->order_id), "%s", order_id);
            return e;
        }
    if (a->xc_n == a->xc_cap) {
        size_t cap = a->xc_cap ? a->xc_cap * 2 : 64;
        struct app_xc_entry *p = realloc(a->xc_tab, cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        a->xc_tab = p;
        a->xc_cap = cap;
    }
    e = &a->xc_tab[a->xc_n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->client_id, sizeof(e->client_id), "%s", client_id);
    if (order_id != NULL)
        snprintf(e->order_id, sizeof(e->order_id), "%s", order_id);
    return e;
}

/* Book the answers of one cancel request; `listing`: they come from cancel_own, so a
 * failed item is an order the exchange listed open. */
static void xc_book(app *a, const sqt_cancel_result *res, size_t n, int listing)
{
    size_t i;
    if (a->xc_phase == XC_OFF || a->xc_phase == XC_DONE || res == NULL)
        return;
    for (i = 0; i < n; i++) {
        struct app_xc_entry *e = xc_entry(a, res[i].client_id, res[i].order_id);
        if (e == NULL)
            continue;
        if (res[i].err.code == SQT_OK || res[i].err.code == SQT_EUNKNOWN_ORDER)
            e->gone = 1;
        else if (listing)
            e->listed = 1;
    }
}

static int xc_is_gone(app *a, const char *client_id)
{
    size_t i;
    for (i = 0; i < a->xc_n; i++)
        if (strcmp(a->xc_tab[i].client_id, client_id) == 0)
            return a->xc_tab[i].gone;
    return 0;
}

/* The own orders that may still be open: those the engine tracks and those the
 * exchange listed, less the ones the exchange said are gone. With `out`, a malloc'd
 * array of cancel requests for them (NULL when none or out of memory). */
static size_t xc_remaining(app *a, sqt_cancel_req **out)
{
    sqt_grid_slot_info *slots = NULL;
    sqt_cancel_req *reqs = NULL;
    size_t total = 0, n = 0, i;
    if (out)
        *out = NULL;
    if (a->grid != NULL)
        total = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_ORDERS, NULL, 0);
    if (total > 0 && (slots = malloc(total * sizeof(*slots))) != NULL)
        total = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_ORDERS, slots, total);
    else
        total = 0;
    if (total + a->xc_n > 0)
        reqs = calloc(total + a->xc_n, sizeof(*reqs));
    for (i = 0; i < total; i++) {
        if (slots[i].client_id[0] == '\0' || xc_is_gone(a, slots[i].client_id))
            continue;
        if (reqs != NULL) {
            memcpy(reqs[n].client_id, slots[i].client_id, sizeof(reqs[n].client_id));
            memcpy(reqs[n].order_id, slots[i].order_id, sizeof(reqs[n].order_id));
        }
        n++;
    }
    for (i = 0; i < a->xc_n; i++) {
        const struct app_xc_entry *e = &a->xc_tab[i];
        size_t j;
        int dup = 0;
        if (e->gone || !e->listed)
            continue;
        for (j = 0; j < total && !dup; j++)
            dup = strcmp(slots[j].client_id, e->client_id) == 0;
        if (dup)
            continue;
        if (reqs != NULL) {
            memcpy(reqs[n].client_id, e->client_id, sizeof(reqs[n].client_id));
            memcpy(reqs[n].order_id, e->order_id, sizeof(reqs[n].order_id));
        }
        n++;
    }
    free(slots);
    if (out != NULL && n > 0)
        *out = reqs;
    else
        free(reqs);
    return n;
}

/* ---- the rounds ---------------------------------------------------------------------- */

static int xc_past_deadline(app *a)
{
    return uv_now(&a->loop) >= a->xc_deadline;
}

/* Arm the cancel timer for `ms`, never past the deadline. */
static void xc_arm(app *a, uv_timer_cb cb, uint64_t ms)
{
    uint64_t now = uv_now(&a->loop);
    uint64_t left = a->xc_deadline > now ? a->xc_deadline - now : 0;
    uv_timer_start(&a->exit_cancel_timer, cb, ms < left ? ms : left, 0);
}

/* The rounds end: name what may remain, then the rest of the shutdown. */
static void xc_finish(app *a, const char *why)
{
    sqt_cancel_req *reqs = NULL;
    size_t n, i, len = 0;
    char names[1600];
    if (a->xc_phase == XC_OFF || a->xc_phase == XC_DONE)
        return;
    uv_timer_stop(&a->exit_cancel_timer);
    n = xc_remaining(a, &reqs);
    a->xc_phase = XC_DONE;
    a->xc_gen++; /* answers still in flight are late now */
    if (n == 0) {
        sqt_logf(a->log, SQT_LV_NOTICE, "cancel on exit: no order of ours remains open");
    } else {
        names[0] = '\0';
        for (i = 0; reqs != NULL && i < n && len + 2 < sizeof(names); i++) {
            int w = snprintf(names + len, sizeof(names) - len, "%s%s", i ? " " : "", reqs[i].client_id);
            if (w < 0 || (size_t)w >= sizeof(names) - len) {
                names[len] = '\0';
                break;
            }
            len += (size_t)w;
        }
        sqt_logf(a->log, SQT_LV_ERROR,
                 "cancel on exit: %zu orders of ours may remain open (%s); cancel them by hand: %s%s",
                 n, why, names, i < n ? " ..." : "");
        a->exit_code = APP_EXIT_ORDERS_REMAIN;
    }
    free(reqs);
    free(a->xc_reqs);
    a->xc_reqs = NULL;
    free(a->xc_tab);
    a->xc_tab = NULL;
    a->xc_n = a->xc_cap = 0;
    finish_shutdown(a);
}

static void xc_give_up(app *a)
{
    char why[64];
    snprintf(why, sizeof(why), "gave up after %d s", XC_BOUND_MS / 1000);
    xc_finish(a, why);
}

/* Let the order stream report the cancellations (and any last fill) to the engine, so
 * the final status and the event log agree with the exchange. */
static void xc_settle_cb(uv_timer_t *t)
{
    app *a = t->data;
    sqt_grid_status st;
    uint64_t now = uv_now(&a->loop);
    sqt_grid_get_status(a->grid, &st);
    if (st.live_buys + st.live_sells == 0) {
        xc_finish(a, "confirmed");
        return;
    }
    if (now - a->xc_settle_start < SQT_EXIT_SETTLE_MS && now < a->xc_deadline)
        return;
    if (xc_remaining(a, NULL) > 0 && now < a->xc_deadline) {
        /* orders the engine still tracks that no answer called gone (e.g. a placement
         * that landed after the list): cancel them by id */
        xc_tracked_next(a);
        return;
    }
    if (xc_remaining(a, NULL) == 0)
        sqt_logf(a->log, SQT_LV_WARN,
                 "cancel on exit: the exchange cancelled them, but the order stream did not "
                 "confirm %zu cancellations in %d ms",
                 st.live_buys + st.live_sells, SQT_EXIT_SETTLE_MS);
    xc_finish(a, "not confirmed in time");
}

static void xc_settle(app *a)
{
    a->xc_phase = XC_SETTLE;
    a->xc_settle_start = uv_now(&a->loop);
    uv_timer_start(&a->exit_cancel_timer, xc_settle_cb, 20, 20);
}

static void xc_backoff_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (xc_past_deadline(a)) {
        xc_give_up(a);
        return;
    }
    xc_own(a);
}

static void xc_backoff(app *a)
{
    a->xc_phase = XC_BACKOFF;
    xc_arm(a, xc_backoff_cb, a->xc_backoff_ms);
    a->xc_backoff_ms = a->xc_backoff_ms * 2 > XC_BACKOFF_MAX_MS ? XC_BACKOFF_MAX_MS : a->xc_backoff_ms * 2;
}

/* A tracked pass by client id: every order the engine tracks that is not known gone. */
static void xc_tracked_start(app *a)
{
    free(a->xc_reqs);
    a->xc_nreqs = xc_remaining(a, &a->xc_reqs);
    a->xc_next = 0;
    a->xc_batch = 0;
    a->xc_tracked_passes++;
    a->xc_phase = XC_TRACKED;
    if (a->xc_nreqs > 0)
        sqt_logf(a->log, SQT_LV_INFO, "cancel on exit: cancelling the %zu orders the engine tracks by id",
                 a->xc_nreqs);
}

/* After a pass: all gone settles, else another listing round. */
static void xc_tracked_end(app *a)
{
    free(a->xc_reqs);
    a->xc_reqs = NULL;
    a->xc_nreqs = 0;
    if (xc_remaining(a, NULL) == 0)
        xc_settle(a);
    else
        xc_backoff(a);
}

static void xc_own_failed(app *a)
{
    a->xc_own_fails++;
    if (a->xc_own_fails % XC_OWN_FAILS_FALLBACK == 0 && xc_remaining(a, NULL) > 0) {
        xc_tracked_start(a);
        xc_tracked_next(a);
        return;
    }
    xc_backoff(a);
}

static void xc_req_timeout_cb(uv_timer_t *t)
{
    app *a = t->data;
    a->xc_gen++;
    if (xc_past_deadline(a)) {
        xc_give_up(a);
        return;
    }
    sqt_logf(a->log, SQT_LV_WARN, "cancel on exit: no answer in %d ms; going on without it", XC_REQ_MS);
    if (a->xc_phase == XC_OWN) {
        xc_own_failed(a);
    } else if (a->xc_phase == XC_TRACKED) {
        a->xc_next += a->xc_batch;
        xc_tracked_next(a);
    }
}

static xc_req *xc_req_new(app *a)
{
    xc_req *r = malloc(sizeof(*r));
    if (r != NULL) {
        r->a = a;
        r->gen = a->xc_gen;
    }
    return r;
}

/* Take an answer's context: its app, or NULL when the request was abandoned. */
static app *xc_req_take(xc_req *r, int phase)
{
    app *a = r->a;
    int current = r->gen == a->xc_gen && a->xc_phase == phase;
    free(r);
    return current ? a : NULL;
}

static void tracked_done(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    xc_req *r = ud;
    app *a = r->a;
    size_t i, ok = 0;
    int why = status < 0 ? status : SQT_EUNKNOWN_STATUS;
    xc_book(a, res, n, 0);
    if ((a = xc_req_take(r, XC_TRACKED)) == NULL)
        return;
    uv_timer_stop(&a->exit_cancel_timer);
    for (i = 0; i < n; i++) {
        if (res[i].err.code == SQT_OK || res[i].err.code == SQT_EUNKNOWN_ORDER)
            ok++;
        else if (status >= 0 && why == SQT_EUNKNOWN_STATUS)
            why = res[i].err.code; /* the first item's own reason */
    }
    if (ok < a->xc_batch)
        sqt_logf(a->log, SQT_LV_WARN, "cancel on exit: %zu of a batch of %zu not cancelled (%s); going on",
                 a->xc_batch - ok, a->xc_batch, sqt_strerror(why));
    a->xc_next += a->xc_batch;
    if (xc_past_deadline(a)) {
        xc_give_up(a);
        return;
    }
    xc_tracked_next(a);
}

/* Send the next batch of the tracked pass; a batch refused at once is passed over. */
static void xc_tracked_next(app *a)
{
    size_t max = a->info.max_batch_cancel > 0 ? (size_t)a->info.max_batch_cancel : 1;
    if (a->xc_phase != XC_TRACKED)
        xc_tracked_start(a);
    while (a->xc_next < a->xc_nreqs) {
        xc_req *r;
        int rc = SQT_ENOMEM;
        a->xc_batch = a->xc_nreqs - a->xc_next < max ? a->xc_nreqs - a->xc_next : max;
        if ((r = xc_req_new(a)) != NULL) {
            rc = a->x->cancel_orders(a->ex, a->xc_reqs + a->xc_next, a->xc_batch, tracked_done, r);
            if (rc == 0) {
                xc_arm(a, xc_req_timeout_cb, XC_REQ_MS);
                return;
            }
            free(r);
        }
        sqt_logf(a->log, SQT_LV_WARN, "cancel on exit: a batch of %zu refused: %s; going on", a->xc_batch,
                 sqt_strerror(rc));
        a->xc_next += a->xc_batch;
    }
    xc_tracked_end(a);
}

static void own_done(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    xc_req *r = ud;
    app *a = r->a;
    size_t i, ok = 0;
    xc_book(a, res, n, 1);
    if ((a = xc_req_take(r, XC_OWN)) == NULL)
        return;
    uv_timer_stop(&a->exit_cancel_timer);
    for (i = 0; i < n; i++)
        if (res[i].err.code == SQT_OK || res[i].err.code == SQT_EUNKNOWN_ORDER)
            ok++;
    if (status == SQT_OK && ok == n) {
        /* the listing was whole and every order on it is gone */
        for (i = 0; i < a->xc_n; i++)
            a->xc_tab[i].listed = 0;
        a->xc_own_ok = 1;
        sqt_logf(a->log, SQT_LV_INFO, "cancel on exit: %zu own orders cancelled", n);
        xc_settle(a);
        return;
    }
    sqt_logf(a->log, SQT_LV_WARN, "cancel on exit: round %d failed: %s (%zu of %zu cancelled)",
             a->xc_own_fails + 1, sqt_strerror(status < 0 ? status : SQT_EUNKNOWN_STATUS), ok, n);
    if (xc_past_deadline(a)) {
        xc_give_up(a);
        return;
    }
    xc_own_failed(a);
}

static void xc_own(app *a)
{
    xc_req *r = xc_req_new(a);
    int rc = SQT_ENOMEM;
    a->xc_phase = XC_OWN;
    if (r != NULL) {
        rc = a->x->cancel_own(a->ex, a->prefix, own_done, r);
        if (rc == 0) {
            xc_arm(a, xc_req_timeout_cb, XC_REQ_MS);
            return;
        }
        free(r);
    }
    sqt_logf(a->log, SQT_LV_WARN, "cancel on exit: round %d refused: %s", a->xc_own_fails + 1,
             sqt_strerror(rc));
    if (xc_past_deadline(a)) {
        xc_give_up(a);
        return;
    }
    xc_own_failed(a);
}

static void xc_start(app *a)
{
    a->xc_deadline = uv_now(&a->loop) + XC_BOUND_MS;
    a->xc_backoff_ms = XC_BACKOFF_FIRST_MS;
    a->xc_own_fails = 0;
    sqt_logf(a->log, SQT_LV_NOTICE, "cancelling own open orders (%s*)", a->prefix);
    xc_own(a);
}

/* ---- the rest of the shutdown ------------------------------------------------------ */

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
        app_warn_position_left(a);
    }
    /* results still in flight arrive (cancelled) during the plugin's shutdown and are
     * dropped by the closing executor, which frees itself after the last one */
    if (a->exec)
        sqt_executor_close(a->exec, exec_closed, a);
    if (a->ex != NULL) {
        a->plugin_shut_called = 1;
        rc = a->x->shutdown(a->ex, plugin_shut, a);
        if (rc == 0)
            return;
        sqt_logf(a->log, SQT_LV_ERROR, "exchange plugin shutdown refused: %s", sqt_strerror(rc));
    }
    plugin_shut(a, NULL);
}

static void giveup_stop_cb(uv_timer_t *t)
{
    app *a = t->data;
    uv_stop(&a->loop);
}

/* The plugin's shutdown never called back: the SDK forbids destroying the instance
 * before it did, so the instance is left alone; the host's side is closed. */
static void plugin_giveup(app *a)
{
    sqt_logf(a->log, SQT_LV_ERROR,
             "the exchange plugin did not finish its shutdown; its instance is left undestroyed");
    if (a->exit_code == 0)
        a->exit_code = 1;
    a->plugin_stuck = 1;
    uv_timer_start(&a->guard_timer, giveup_stop_cb, PLUGIN_GIVEUP_STOP_MS, 0);
    sqt_host_close(&a->host, host_closed, a);
}

static void guard_cb(uv_timer_t *t)
{
    app *a = t->data;
    sqt_logf(a->log, SQT_LV_ERROR, "shutdown did not finish in %d s; forcing it",
             SQT_SHUTDOWN_GUARD_MS / 1000);
    if (a->exit_code == 0)
        a->exit_code = 1;
    if (a->plugin_stuck) {
        uv_stop(&a->loop);
    } else if (a->xc_phase != XC_OFF && a->xc_phase != XC_DONE) {
        xc_finish(a, "shutdown guard");
        uv_timer_start(t, guard_cb, SQT_SHUTDOWN_GUARD_MS / 6, 0);
    } else if (a->plugin_shut_called && !a->plugin_shut_done) {
        plugin_giveup(a);
    } else {
        uv_stop(&a->loop);
    }
}

static void close_left(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void app_release_plugin(app *a)
{
    /* a forced stop may leave handles (referenced or not): close them so the loop can
     * be closed; after a clean stop there are none and this does nothing */
    uv_walk(&a->loop, close_left, NULL);
    uv_run(&a->loop, UV_RUN_DEFAULT);
    if (a->ex != NULL && a->plugin_shut_called && !a->plugin_shut_done) {
        sqt_logf(a->log, SQT_LV_ERROR, "exchange plugin instance not destroyed: its shutdown never finished");
        a->ex = NULL;
        return;
    }
    if (a->ex != NULL)
        a->x->destroy(a->ex);
    a->ex = NULL;
}

void app_stop(app *a, int code, const char *why)
{
    int was_trading = a->state == ST_TRADING;
    if (a->state == ST_STOPPING || a->state == ST_DONE) {
        sqt_logf(a->log, SQT_LV_INFO, "already stopping");
        return;
    }
    if (code > a->exit_code)
        a->exit_code = code;
    if (why)
        sqt_logf(a->log, code ? SQT_LV_ERROR : SQT_LV_NOTICE, "stopping: %s", why);
    a->state = ST_STOPPING;
    if (a->price_inited)
        sqt_price_stop(&a->price);
    uv_idle_stop(&a->adjust_idle);
    uv_timer_stop(&a->status_timer);
    uv_timer_stop(&a->house_timer);
    uv_timer_stop(&a->warm_timer);
    uv_timer_stop(&a->reconcile_timer);
    uv_timer_stop(&a->startup_timer);
    uv_timer_stop(&a->wait_timer);
    uv_timer_stop(&a->runfor_timer);
    uv_timer_start(&a->guard_timer, guard_cb, SQT_SHUTDOWN_GUARD_MS, 0);
    if (a->exec)
        sqt_executor_drop_places(a->exec);
    /* §2.3 step 2 with §11 #33: only our own orders, and also after a runtime fault */
    if (a->ex != NULL && a->grid != NULL && a->cfg->cancel_on_exit && was_trading) {
        xc_start(a);
        return;
    } else if (a->grid != NULL && !a->cfg->cancel_on_exit) {
        sqt_logf(a->log, SQT_LV_WARN, "system.cancel_on_exit is false: own orders stay open");
    }
    finish_shutdown(a);
}

static const char *signal_name(int signum)
{
    switch (signum) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "a signal";
    }
}

/* SIGINT, SIGTERM and SIGHUP (a closed terminal or SSH session) stop gracefully; one
 * more during the shutdown ends its waiting at once. */
void app_on_signal(uv_signal_t *s, int signum)
{
    app *a = s->data;
    a->exit_signals++;
    if (a->state != ST_STOPPING) {
        sqt_logf(a->log, SQT_LV_NOTICE, "received %s: stopping (send it again to stop waiting)",
                 signal_name(signum));
        app_stop(a, 0, "exit signal");
        return;
    }
    sqt_logf(a->log, SQT_LV_WARN, "received %s again: not waiting for the shutdown any longer",
             signal_name(signum));
    if (a->exit_code == 0)
        a->exit_code = 1;
    if (a->xc_phase != XC_OFF && a->xc_phase != XC_DONE)
        xc_finish(a, "interrupted by a second signal");
    else if (a->plugin_shut_called && !a->plugin_shut_done)
        plugin_giveup(a);
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
