/* `opensqt run`: see app.h. Everything runs on one libuv loop; the start-up sequence
 * is a chain of plugin callbacks (behaviour.md §2.1 with the §11 fixes: symbol rules
 * before anything, order stream confirmed before the first order, own open orders
 * imported before the first adjust step), the shutdown sequence another (§2.3). */
#include "app.h"

#include <ctype.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/eventlog.h"
#include "core/executor.h"
#include "core/clientid.h"
#include "core/grid.h"
#include "core/price.h"
#include "safety/precheck.h"
#include "safety/risk.h"
#include "services.h"

#define SQT_STARTUP_TIMEOUT_MS 20000
#define SQT_CANCEL_ON_EXIT_MS 10000
#define SQT_SHUTDOWN_GUARD_MS 30000
#define SQT_HOUSEKEEPING_MS 500
#define SQT_EXIT_SETTLE_MS 2000
#define SQT_AUTH_PAUSE_MS 30000
#define SQT_AUTH_MAX_FAILURES 10
#define SQT_BATCH 64

enum app_state { ST_STARTING, ST_TRADING, ST_STOPPING, ST_DONE };

typedef struct app {
    uv_loop_t loop;
    sqt_log *log;
    const sqt_config *cfg;
    const sqt_loaded_plugin *plugin;
    const sqt_exchange_api *x;
    sqt_exchange *ex;
    struct sqt_host host;
    int state;
    int exit_code;
    const char *step;          /* start-up step in progress, for error messages */

    sqt_price_monitor price;
    int price_inited;
    sqt_executor *exec;
    sqt_grid *grid;
    sqt_risk *risk;
    sqt_eventlog ev;
    char prefix[SQT_CLIENT_ID_MAX]; /* every own client id starts with it */

    uv_signal_t sigint, sigterm;
    uv_timer_t startup_timer, runfor_timer, status_timer, house_timer, reconcile_timer,
        guard_timer, exit_cancel_timer;
    uv_idle_t adjust_idle;
    int handles_open;

    sqt_symbol_info info;
    sqt_account acct;
    sqt_dec position;
    int have_position;
    sqt_dec first_price;
    int orders_up, orders_ever_up, price_seen;
    int reconciling, reconcile_again;
    int rec_fails;             /* failed reconcile rounds in a row */
    sqt_order *rec_orders;
    size_t rec_n;
    uint64_t last_cleanup_ms;
    int exit_cancel_done;
    int auth_failures;         /* AUTH/TIMESTAMP refusals while trading */
    uint64_t exit_wait_start;
    int shutdown_started;

    /* status */
    uint64_t fills_total, fills_at_last_status;
    uint64_t last_status_ms;
} app;

static void app_stop(app *a, int code, const char *why);
static void drain(app *a);
static void start_reconcile(app *a);

/* ---- small helpers ------------------------------------------------------------- */

static int64_t wall_ms(void)
{
    uv_timeval64_t tv;
    if (uv_gettimeofday(&tv) != 0)
        return 0;
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static const char *fmt_dec(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

static void log_err_at(app *a, int level, const char *what, const sqt_error *err)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "%s: %s%s%s%s%s", what, sqt_strerror(err ? err->code : SQT_EEXCHANGE),
             err && err->exch_code[0] ? " [" : "", err ? err->exch_code : "",
             err && err->exch_code[0] ? "]" : "", "");
    if (err && err->message[0]) {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof(msg) - l, ": %s", err->message);
    }
    sqt_log_redact(a->log, msg, sizeof(msg));
    sqt_logf(a->log, level, "%s", msg);
}

static void log_err(app *a, const char *what, const sqt_error *err)
{
    log_err_at(a, SQT_LV_ERROR, what, err);
}

static void fatal_startup(app *a, const sqt_error *err, int code)
{
    char what[128];
    snprintf(what, sizeof(what), "start-up failed at %s", a->step);
    log_err(a, what, err);
    app_stop(a, code, NULL);
}

/* A plugin call refused synchronously during start-up. */
static void fatal_rc(app *a, int rc)
{
    sqt_error e;
    memset(&e, 0, sizeof(e));
    e.code = rc;
    fatal_startup(a, &e, 1);
}

static void init_timer(app *a, uv_timer_t *t)
{
    uv_timer_init(&a->loop, t);
    t->data = a;
    a->handles_open++;
}

/* ---- engine glue --------------------------------------------------------------- */

static void audit(app *a, const sqt_grid_event *e)
{
    sqt_audit_event ae;
    const char *name = sqt_grid_event_name(e->kind);
    char p[48], q[48], f[48], fee[48], pnl[48];
    memset(&ae, 0, sizeof(ae));
    ae.ts_ms = wall_ms();
    ae.event = name;
    ae.client_id = e->client_id;
    ae.order_id = e->order_id;
    ae.side = e->side;
    ae.price = e->price;
    ae.qty = e->qty;
    ae.slot = e->slot;
    switch (e->kind) {
    case SQT_GRID_EV_PLACED:
    case SQT_GRID_EV_ACKED:
    case SQT_GRID_EV_CANCELLED:
    case SQT_GRID_EV_REJECTED:
        ae.has_filled = 1;
        ae.filled_qty = e->filled;
        if (e->kind == SQT_GRID_EV_REJECTED || e->kind == SQT_GRID_EV_CANCELLED)
            ae.reason = e->text;
        sqt_eventlog_write(&a->ev, &ae);
        break;
    case SQT_GRID_EV_PARTIAL:
    case SQT_GRID_EV_FILLED:
        ae.has_filled = 1;
        ae.filled_qty = e->filled;
        /* the order line, then the fill line */
        sqt_eventlog_write(&a->ev, &ae);
        ae.event = "fill";
        ae.has_fill = 1;
        ae.fill_qty = e->fill_qty;
        ae.fill_price = e->fill_price;
        ae.has_fee = 1;
        ae.fee = e->fee;
        ae.fee_asset = e->fee_asset;
        sqt_eventlog_write(&a->ev, &ae);
        break;
    case SQT_GRID_EV_CANCEL_SENT:
        ae.reason = sqt_grid_reason_name(e->reason);
        sqt_eventlog_write(&a->ev, &ae);
        break;
    case SQT_GRID_EV_FEE:
        ae.has_fee = 1;
        ae.fee = e->fee;
        ae.fee_asset = e->fee_asset;
        ae.has_pnl = e->pnl.mant != 0; /* its round trip was logged without it */
        ae.pnl = e->pnl;
        sqt_eventlog_write(&a->ev, &ae);
        break;
    case SQT_GRID_EV_ROUND_TRIP:
        ae.has_pnl = 1;
        ae.pnl = e->pnl;
        sqt_eventlog_write(&a->ev, &ae);
        break;
    default:
        break;
    }
    /* the console */
    fmt_dec(e->price, p, sizeof(p));
    fmt_dec(e->qty, q, sizeof(q));
    switch (e->kind) {
    case SQT_GRID_EV_PLACED:
        sqt_logf(a->log, SQT_LV_INFO, "place %s %s @ %s (slot %" PRId64 ") %s",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, e->slot, e->client_id);
        break;
    case SQT_GRID_EV_PARTIAL:
    case SQT_GRID_EV_FILLED:
        a->fills_total++;
        sqt_logf(a->log, SQT_LV_INFO, "%s %s %s @ %s (filled %s of %s, fee %s %s) %s",
                 e->kind == SQT_GRID_EV_FILLED ? "FILLED" : "partial fill",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", fmt_dec(e->fill_qty, f, sizeof(f)),
                 fmt_dec(e->fill_price, pnl, sizeof(pnl)), fmt_dec(e->filled, fee, sizeof(fee)), q,
                 fmt_dec(e->fee, p, sizeof(p)), e->fee_asset, e->client_id);
        break;
    case SQT_GRID_EV_CANCELLED:
        sqt_logf(a->log, SQT_LV_INFO, "cancelled %s %s @ %s (%s) %s",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, e->text, e->client_id);
        break;
    case SQT_GRID_EV_REJECTED:
        sqt_logf(a->log, SQT_LV_WARN, "rejected %s %s @ %s: %s (%s) %s",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, sqt_strerror(e->err_code), e->text,
                 e->client_id);
        break;
    case SQT_GRID_EV_ROUND_TRIP:
        sqt_logf(a->log, SQT_LV_INFO, "round trip at slot %s: pnl %s (fees included)", p,
                 fmt_dec(e->pnl, pnl, sizeof(pnl)));
        break;
    case SQT_GRID_EV_FEE:
        sqt_logf(a->log, SQT_LV_INFO, "fee %s %s learned after its fill%s%s %s",
                 fmt_dec(e->fee, f, sizeof(f)), e->fee_asset,
                 e->pnl.mant != 0 ? ", realized pnl " : "",
                 e->pnl.mant != 0 ? fmt_dec(e->pnl, pnl, sizeof(pnl)) : "", e->client_id);
        break;
    case SQT_GRID_EV_ACKED:
    case SQT_GRID_EV_CANCEL_SENT:
    case SQT_GRID_EV_QUERY_SENT:
        sqt_logf(a->log, SQT_LV_DEBUG, "%s %s %s", name, e->client_id,
                 e->kind == SQT_GRID_EV_ACKED ? e->order_id : sqt_grid_reason_name(e->reason));
        break;
    case SQT_GRID_EV_MARGIN_LOCK:
    case SQT_GRID_EV_RISK_PAUSE:
    case SQT_GRID_EV_POSITION_MISMATCH:
    case SQT_GRID_EV_ORPHAN:
    case SQT_GRID_EV_ORDER_VANISHED:
    case SQT_GRID_EV_BUY_SKIPPED:
    case SQT_GRID_EV_POST_ONLY_DEGRADED:
    case SQT_GRID_EV_SELL_BELOW_MARKET:
    case SQT_GRID_EV_ANOMALY:
        sqt_logf(a->log, SQT_LV_WARN, "%s: %s%s%s", name, e->text, e->client_id[0] ? " " : "",
                 e->client_id);
        break;
    default:
        sqt_logf(a->log, SQT_LV_INFO, "%s: %s%s%s", name, e->text, e->client_id[0] ? " " : "",
                 e->client_id);
        break;
    }
}

static void adjust_idle_cb(uv_idle_t *h)
{
    app *a = h->data;
    uv_idle_stop(h);
    if (a->state != ST_TRADING || a->grid == NULL)
        return;
    sqt_grid_adjust(a->grid, (int64_t)uv_now(&a->loop));
    drain(a);
}

/* Engine output: commands to the executor, events to the audit log; an adjust step
 * requested by a fill or cancel runs once at the end of this loop turn. */
static void drain(app *a)
{
    sqt_grid_cmd cmds[SQT_BATCH];
    sqt_grid_event evs[16];
    size_t n, i;
    if (a->grid == NULL)
        return;
    /* commands first: the audit lines do not delay the orders (bench_tick_to_order) */
    while ((n = sqt_grid_take_commands(a->grid, cmds, SQT_BATCH)) > 0) {
        for (i = 0; i < n; i++) {
            const sqt_grid_cmd *c = &cmds[i];
            int rc;
            if (a->exec == NULL || a->shutdown_started)
                continue; /* the plugin is shutting down: it takes no new requests */
            if (c->kind == SQT_GRID_CMD_PLACE) {
                if (a->state != ST_TRADING)
                    continue; /* no new orders once stopping */
                rc = sqt_executor_place(a->exec, &c->req);
            } else if (c->kind == SQT_GRID_CMD_CANCEL) {
                rc = sqt_executor_cancel(a->exec, c->client_id, c->order_id);
            } else {
                rc = sqt_executor_query(a->exec, c->client_id, c->order_id);
            }
            if (rc < 0)
                sqt_logf(a->log, SQT_LV_ERROR, "executor refused a command for %s: %s",
                         c->client_id, sqt_strerror(rc));
        }
    }
    while ((n = sqt_grid_take_events(a->grid, evs, 16)) > 0)
        for (i = 0; i < n; i++)
            audit(a, &evs[i]);
    if (a->state == ST_TRADING && sqt_grid_needs_adjust(a->grid))
        uv_idle_start(&a->adjust_idle, adjust_idle_cb);
}

static void ex_on_place(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    app *a = ud;
    if (a->grid == NULL)
        return;
    sqt_grid_on_place_result(a->grid, cid, err, o, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void ex_on_cancel(void *ud, const char *cid, const sqt_error *err)
{
    app *a = ud;
    if (a->grid == NULL)
        return;
    sqt_grid_on_cancel_result(a->grid, cid, err, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void ex_on_query(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    app *a = ud;
    if (a->grid == NULL)
        return;
    sqt_grid_on_query_result(a->grid, cid, err, o, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void ex_on_fatal(void *ud, const sqt_error *err)
{
    app *a = ud;
    if (err->code == SQT_EBANNED) {
        log_err(a, "the exchange banned this client; requests resume when the ban ends", err);
        return;
    }
    /* during trading: pause loudly and retry; stop only when it persists */
    a->auth_failures++;
    if (a->auth_failures > SQT_AUTH_MAX_FAILURES) {
        log_err(a, "the exchange keeps refusing our credentials or clock; stopping", err);
        app_stop(a, 1, NULL);
        return;
    }
    log_err(a, "the exchange refused our credentials or clock: all requests paused for 30 s "
               "(check the API key, its permissions and IP whitelist, and the system clock)",
            err);
    if (a->exec)
        sqt_executor_pause(a->exec, SQT_AUTH_PAUSE_MS);
}

static void host_rate_usage(void *ud, const sqt_rate_usage *u)
{
    app *a = ud;
    if (a->exec)
        sqt_executor_rate_usage(a->exec, u);
}

/* ---- streams ------------------------------------------------------------------- */

static void on_price_tick(void *ud, const sqt_price_tick *t)
{
    app *a = ud;
    if (a->price_inited)
        sqt_price_push(&a->price, t);
}

static void start_trading(app *a);

static void on_price_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    app *a = ud;
    if (st == SQT_STREAM_FAILED) {
        log_err(a, "price stream failed", err);
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
    if (a->state == ST_STARTING && !a->price_seen) {
        a->price_seen = 1;
        a->first_price = price;
        start_trading(a);
        return;
    }
    if (a->state != ST_TRADING || a->grid == NULL)
        return;
    sqt_grid_on_price(a->grid, price, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void on_order(void *ud, const sqt_order *u)
{
    app *a = ud;
    if (a->grid == NULL)
        return; /* before the grid exists, the import by open orders covers it */
    sqt_grid_on_order_update(a->grid, u, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void subscribe_price(app *a);

static void on_order_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    app *a = ud;
    switch (st) {
    case SQT_STREAM_UP:
        a->orders_up = 1;
        if (!a->orders_ever_up) {
            a->orders_ever_up = 1;
            sqt_logf(a->log, SQT_LV_INFO, "order stream confirmed");
            if (a->state == ST_STARTING)
                subscribe_price(a);
        } else {
            sqt_logf(a->log, SQT_LV_INFO, "order stream back; reconciling");
            start_reconcile(a);
        }
        break;
    case SQT_STREAM_DOWN:
        a->orders_up = 0;
        sqt_logf(a->log, SQT_LV_WARN, "order stream down: pushes may be missed until it is back");
        break;
    case SQT_STREAM_RESYNC:
        sqt_logf(a->log, SQT_LV_WARN, "order stream lost data; reconciling");
        start_reconcile(a);
        break;
    case SQT_STREAM_FAILED:
        log_err(a, "order stream failed", err);
        app_stop(a, 1, "no order stream");
        break;
    }
}

static void on_kline(void *ud, const sqt_kline *k)
{
    app *a = ud;
    int r;
    if (a->risk == NULL)
        return;
    r = sqt_risk_on_kline(a->risk, k, wall_ms());
    if (r == SQT_RISK_NONE || a->grid == NULL)
        return;
    if (r == SQT_RISK_TRIGGERED)
        sqt_logf(a->log, SQT_LV_WARN,
                 "risk monitor: every watched market shows a panic candle: buys cancelled, trading paused");
    else
        sqt_logf(a->log, SQT_LV_INFO, "risk monitor: markets look normal again: trading resumes");
    sqt_grid_set_risk_pause(a->grid, r == SQT_RISK_TRIGGERED, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void on_kline_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    app *a = ud;
    if (st == SQT_STREAM_FAILED)
        log_err(a, "kline stream failed: the risk monitor cannot see the market", err);
    else if (st == SQT_STREAM_DOWN)
        sqt_logf(a->log, SQT_LV_WARN, "kline stream down");
}

/* ---- reconciliation ------------------------------------------------------------ */

static void rec_positions(void *ud, const sqt_error *err, const sqt_position *pos, size_t n)
{
    app *a = ud;
    sqt_dec p = sqt_dec_make(0, 0);
    size_t i;
    int have = 0;
    a->reconciling = 0;
    if (a->state == ST_DONE || a->grid == NULL) {
        free(a->rec_orders);
        a->rec_orders = NULL;
        return;
    }
    if (err && err->code != SQT_OK) {
        log_err(a, "reconcile: positions", err);
    } else {
        for (i = 0; i < n; i++)
            if (strcmp(pos[i].symbol, a->cfg->symbol) == 0) {
                p = pos[i].size;
                have = 1;
                break;
            }
        if (!have)
            have = 1; /* no entry: flat */
        sqt_grid_reconcile(a->grid, a->rec_orders, a->rec_n, have ? &p : NULL,
                           (int64_t)uv_now(&a->loop));
        drain(a);
    }
    free(a->rec_orders);
    a->rec_orders = NULL;
    a->rec_n = 0;
    if (a->reconcile_again) {
        a->reconcile_again = 0;
        start_reconcile(a);
    }
}

static void rec_orders(void *ud, const sqt_error *err, const sqt_order *o, size_t n)
{
    app *a = ud;
    int rc;
    if (a->state == ST_DONE || (err && err->code != SQT_OK)) {
        /* one failed round is retried at the next interval: a warning; a run of them
         * means the books are not being checked, which is an error */
        if (err && err->code != SQT_OK && err->code != SQT_ECANCELLED)
            log_err_at(a, ++a->rec_fails >= 3 ? SQT_LV_ERROR : SQT_LV_WARN,
                       "reconcile: open orders", err);
        a->reconciling = 0;
        return;
    }
    a->rec_fails = 0;
    a->rec_orders = n ? malloc(n * sizeof(*o)) : NULL;
    if (n && a->rec_orders == NULL) {
        a->reconciling = 0;
        return;
    }
    if (n)
        memcpy(a->rec_orders, o, n * sizeof(*o));
    a->rec_n = n;
    rc = a->x->positions(a->ex, rec_positions, a);
    if (rc < 0) {
        free(a->rec_orders);
        a->rec_orders = NULL;
        a->reconciling = 0;
        sqt_logf(a->log, SQT_LV_ERROR, "reconcile: positions: %s", sqt_strerror(rc));
    }
}

static void start_reconcile(app *a)
{
    int rc;
    if (a->grid == NULL || a->state != ST_TRADING)
        return;
    if (a->reconciling) {
        a->reconcile_again = 1;
        return;
    }
    a->reconciling = 1;
    rc = a->x->open_orders(a->ex, rec_orders, a);
    if (rc < 0) {
        a->reconciling = 0;
        sqt_logf(a->log, SQT_LV_ERROR, "reconcile: open orders: %s", sqt_strerror(rc));
    }
}

static void reconcile_timer_cb(uv_timer_t *t)
{
    start_reconcile(t->data);
}

/* ---- status -------------------------------------------------------------------- */

static void print_status(app *a, int final)
{
    sqt_grid_status st;
    sqt_grid_slot_info slots[12];
    char p[48], g[48], pos[48], pnl[48], fees[48];
    size_t n, i;
    uint64_t now = uv_now(&a->loop);
    double minutes, fpm;
    if (a->grid == NULL)
        return;
    sqt_grid_get_status(a->grid, &st);
    minutes = a->last_status_ms ? (double)(now - a->last_status_ms) / 60000.0 : 0.0;
    fpm = minutes > 0 ? (double)(a->fills_total - a->fills_at_last_status) / minutes : 0.0;
    a->fills_at_last_status = a->fills_total;
    a->last_status_ms = now;
    sqt_logf(a->log, SQT_LV_INFO,
             "%sstatus: price %s (grid %s) | orders: %zu buy, %zu sell | holding %zu slots, "
             "position %s | realized pnl %s (fees %s) in %" PRIu64 " round trips | fills/min %.1f%s%s",
             final ? "final " : "", fmt_dec(st.last_price, p, sizeof(p)),
             fmt_dec(st.grid_price, g, sizeof(g)), st.live_buys, st.live_sells, st.holding_slots,
             fmt_dec(st.position, pos, sizeof(pos)), fmt_dec(st.realized_pnl, pnl, sizeof(pnl)),
             fmt_dec(st.fees_paid, fees, sizeof(fees)), st.round_trips, fpm,
             st.risk_paused ? " | RISK PAUSE" : "", st.margin_locked ? " | MARGIN LOCK" : "");
    n = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_HOLDING, slots, 12);
    for (i = 0; i < n && i < 12; i++) {
        char sp[48], sq[48], op[48];
        sqt_logf(a->log, SQT_LV_INFO, "  holding %s %s%s%s", fmt_dec(slots[i].price, sp, sizeof(sp)),
                 fmt_dec(slots[i].qty, sq, sizeof(sq)),
                 slots[i].order_state != SQT_GRID_ORD_NONE ? ", sell at " : "",
                 slots[i].order_state != SQT_GRID_ORD_NONE ? fmt_dec(slots[i].order_price, op, sizeof(op))
                                                            : "");
    }
    if (n > 12)
        sqt_logf(a->log, SQT_LV_INFO, "  ... and %zu more holding slots", n - 12);
}

static void status_timer_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (a->state == ST_TRADING)
        print_status(a, 0);
}

static void house_timer_cb(uv_timer_t *t)
{
    app *a = t->data;
    uint64_t now = uv_now(&a->loop);
    if (a->state != ST_TRADING || a->grid == NULL)
        return;
    sqt_grid_on_time(a->grid, (int64_t)now);
    if (now - a->last_cleanup_ms >= (uint64_t)a->cfg->order_cleanup_interval * 1000u) {
        a->last_cleanup_ms = now;
        sqt_grid_cleanup(a->grid, (int64_t)now);
    }
    drain(a);
}

/* ---- start-up chain ------------------------------------------------------------ */

static void make_tag(const sqt_config *cfg, char *out, size_t cap)
{
    const char *src = cfg->instance && cfg->instance[0] ? cfg->instance : cfg->symbol;
    size_t n = 0, max = cfg->instance && cfg->instance[0] ? 16 : 10;
    for (; *src && n + 1 < cap && n < max; src++)
        if (isalnum((unsigned char)*src))
            out[n++] = *src;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "sqt");
}

static void risk_history(void *ud, const sqt_error *err, const sqt_kline *k, size_t n)
{
    app *a = ud;
    size_t i;
    if (a->risk == NULL || a->state == ST_DONE)
        return;
    if (err && err->code != SQT_OK) {
        log_err(a, "risk monitor: kline history", err);
        return;
    }
    for (i = 0; i < n; i++) {
        /* history: only candles that already closed count as closed */
        sqt_kline c = k[i];
        if (c.close_time_ms > wall_ms())
            c.closed = 0;
        sqt_risk_on_kline(a->risk, &c, wall_ms());
    }
}

static void start_risk(app *a)
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

static void got_open_orders(void *ud, const sqt_error *err, const sqt_order *o, size_t n);

/* The first price arrived: safety check, the engine, the import of own orders. */
static void start_trading(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_precheck_in in;
    sqt_precheck_out out;
    sqt_grid_params gp;
    char why[512], tag[24], p0[48];
    int rc;

    a->step = "safety check";
    memset(&in, 0, sizeof(in));
    in.first_price = a->first_price;
    in.order_quantity = c->order_quantity;
    in.price_interval = c->price_interval;
    in.fee_rate = sqt_config_exchange(c)->fee_rate;
    in.required_positions = c->position_safety_check;
    in.max_leverage = c->max_leverage;
    in.available = a->acct.available;
    in.leverage = a->acct.leverage;
    in.position = a->have_position ? a->position : sqt_dec_make(0, 0);
    rc = sqt_precheck_run(&in, &out, why, sizeof(why));
    sqt_logf(a->log, SQT_LV_INFO,
             "safety check: first price %s, leverage %d%s, room for %lld buy orders (need %d), "
             "net per round trip %s",
             fmt_dec(a->first_price, p0, sizeof(p0)), out.leverage_used,
             out.leverage_unknown ? " (unknown, assumed)" : "", out.max_positions,
             c->position_safety_check, out.net_per_trip);
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", why);
        app_stop(a, 1, NULL);
        return;
    }

    a->step = "grid engine";
    sqt_grid_params_init(&gp);
    gp.symbol = c->symbol;
    gp.quote_asset = a->info.quote_asset;
    gp.tick_size = a->info.tick_size;
    gp.step_size = a->info.step_size;
    gp.min_qty = a->info.min_qty;
    gp.min_notional = a->info.min_notional;
    gp.price_interval = c->price_interval;
    gp.order_quantity = c->order_quantity;
    gp.min_order_value = c->min_order_value;
    gp.buy_window_size = c->buy_window_size;
    gp.sell_window_size = c->sell_window_size;
    gp.order_cleanup_threshold = c->order_cleanup_threshold;
    if (a->info.max_open_orders > 0 && gp.order_cleanup_threshold > a->info.max_open_orders) {
        sqt_logf(a->log, SQT_LV_WARN,
                 "order_cleanup_threshold %d is above the exchange's %d open orders per symbol; using %d",
                 gp.order_cleanup_threshold, a->info.max_open_orders, a->info.max_open_orders);
        gp.order_cleanup_threshold = a->info.max_open_orders;
    }
    gp.cleanup_batch_size = c->cleanup_batch_size;
    gp.sell_quota_reserve = c->sell_quota_reserve < gp.order_cleanup_threshold
                                ? c->sell_quota_reserve
                                : gp.order_cleanup_threshold / 4;
    gp.post_only_max_failures = c->post_only_max_failures;
    gp.cancel_out_of_window_buys = c->cancel_out_of_window_buys;
    gp.out_of_window_slack = c->out_of_window_slack;
    make_tag(c, tag, sizeof(tag));
    gp.instance_tag = tag;
    gp.client_id_max_len = a->info.client_id_max_len;
    gp.id_seed = (uint64_t)wall_ms();
    gp.margin_lock_duration_ms = (int64_t)c->margin_lock_duration_seconds * 1000;
    gp.place_retry_delay_ms = c->order_retry_delay;
    rc = sqt_grid_new(&gp, &a->grid, why, sizeof(why));
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "cannot trade %s with this configuration: %s", c->symbol, why);
        app_stop(a, 2, NULL);
        return;
    }
    sqt_clientid_prefix(tag, a->prefix, sizeof(a->prefix));
    sqt_grid_start(a->grid, a->first_price, (int64_t)uv_now(&a->loop));

    a->step = "open orders";
    rc = a->x->open_orders(a->ex, got_open_orders, a);
    if (rc < 0) {
        fatal_rc(a, rc);
    }
}

static void got_open_orders(void *ud, const sqt_error *err, const sqt_order *o, size_t n)
{
    app *a = ud;
    sqt_executor_opts eo;
    sqt_executor_cbs cbs;
    const sqt_config *c = a->cfg;
    uint64_t status_ms;
    if (a->state != ST_STARTING)
        return;
    if (err && err->code != SQT_OK) {
        fatal_startup(a, err, 1);
        return;
    }
    /* import own orders and the position before the first order (§11 #32) */
    sqt_grid_reconcile(a->grid, o, n, a->have_position ? &a->position : NULL,
                       (int64_t)uv_now(&a->loop));

    memset(&eo, 0, sizeof(eo));
    eo.rate_per_sec = c->rate_limit_per_sec;
    eo.burst = c->rate_limit_burst;
    eo.max_batch_place = a->info.max_batch_place;
    eo.max_batch_cancel = a->info.max_batch_cancel;
    eo.rate_limit_retry_ms = (uint32_t)c->rate_limit_retry_delay * 1000u;
    eo.retry_base_ms = (uint32_t)c->order_retry_delay;
    cbs.ud = a;
    cbs.on_place = ex_on_place;
    cbs.on_cancel = ex_on_cancel;
    cbs.on_query = ex_on_query;
    cbs.on_fatal = ex_on_fatal;
    a->exec = sqt_executor_new(&a->loop, a->log, a->x, a->ex, &eo, &cbs);
    if (a->exec == NULL) {
        sqt_logf(a->log, SQT_LV_ERROR, "out of memory");
        app_stop(a, 1, NULL);
        return;
    }
    a->host.on_rate_usage = host_rate_usage;
    a->host.rate_ud = a;

    uv_timer_stop(&a->startup_timer);
    a->state = ST_TRADING;
    a->step = "trading";
    sqt_logf(a->log, SQT_LV_INFO, "trading %s on %s: grid anchored, %zu own open orders imported",
             c->symbol, a->plugin->desc->name, n);

    status_ms = c->status_print_seconds > 0 ? (uint64_t)c->status_print_seconds * 1000u
                                            : (uint64_t)c->status_print_interval * 60000u;
    a->last_status_ms = uv_now(&a->loop);
    uv_timer_start(&a->status_timer, status_timer_cb, status_ms, status_ms);
    uv_timer_start(&a->house_timer, house_timer_cb, SQT_HOUSEKEEPING_MS, SQT_HOUSEKEEPING_MS);
    a->last_cleanup_ms = uv_now(&a->loop);
    uv_timer_start(&a->reconcile_timer, reconcile_timer_cb, (uint64_t)c->reconcile_interval * 1000u,
                   (uint64_t)c->reconcile_interval * 1000u);
    start_risk(a);
    sqt_price_start(&a->price);

    /* §11 #9: act right away on the first price, not on the next change */
    sqt_grid_on_price(a->grid, a->first_price, (int64_t)uv_now(&a->loop));
    drain(a);
}

static void subscribe_price(app *a)
{
    sqt_price_sink ps;
    int rc;
    a->step = "price stream";
    ps.ud = a;
    ps.on_price = on_price_tick;
    ps.on_state = on_price_state;
    rc = a->x->subscribe_price(a->ex, &ps);
    if (rc < 0) {
        fatal_rc(a, rc);
        return;
    }
    a->step = "first price";
    sqt_price_start(&a->price);
}

static void got_positions(void *ud, const sqt_error *err, const sqt_position *pos, size_t n)
{
    app *a = ud;
    sqt_order_sink os;
    size_t i;
    int rc;
    if (a->state != ST_STARTING)
        return;
    if (err && err->code != SQT_OK) {
        fatal_startup(a, err, 1);
        return;
    }
    a->position = sqt_dec_make(0, 0);
    a->have_position = 1;
    for (i = 0; i < n; i++)
        if (strcmp(pos[i].symbol, a->cfg->symbol) == 0) {
            char q[48];
            a->position = pos[i].size;
            if (pos[i].leverage > 0 && a->acct.leverage <= 0)
                a->acct.leverage = pos[i].leverage;
            sqt_logf(a->log, SQT_LV_INFO, "position %s %s", fmt_dec(pos[i].size, q, sizeof(q)),
                     a->info.base_asset);
        }
    if (a->position.mant < 0) {
        sqt_logf(a->log, SQT_LV_ERROR,
                 "the account holds a SHORT position in %s; this long-only grid will not trade it. "
                 "Close it first.",
                 a->cfg->symbol);
        app_stop(a, 1, NULL);
        return;
    }
    /* seed principle 2: the order stream is confirmed before any order is placed */
    a->step = "order stream";
    os.ud = a;
    os.on_order = on_order;
    os.on_state = on_order_state;
    rc = a->x->subscribe_orders(a->ex, &os);
    if (rc < 0) {
        fatal_rc(a, rc);
    }
}

static void got_account(void *ud, const sqt_error *err, const sqt_account *acct)
{
    app *a = ud;
    char b[48], av[48];
    int rc;
    if (a->state != ST_STARTING)
        return;
    if (err && err->code != SQT_OK) {
        fatal_startup(a, err, 1);
        return;
    }
    a->acct = *acct;
    sqt_logf(a->log, SQT_LV_INFO, "account: balance %s %s, available %s, leverage %d%s",
             fmt_dec(acct->balance, b, sizeof(b)), acct->asset, fmt_dec(acct->available, av, sizeof(av)),
             acct->leverage,
             acct->position_mode == SQT_POSMODE_HEDGE ? ", HEDGE mode" : "");
    if (acct->position_mode == SQT_POSMODE_HEDGE && !a->cfg->allow_hedge_mode) {
        sqt_logf(a->log, SQT_LV_ERROR,
                 "the account is in hedge (dual-side) position mode; this grid needs one-way mode. "
                 "Switch the account to one-way, or set trading.allow_hedge_mode: true");
        app_stop(a, 2, NULL);
        return;
    }
    a->step = "positions";
    rc = a->x->positions(a->ex, got_positions, a);
    if (rc < 0) {
        fatal_rc(a, rc);
    }
}

static void got_symbol_info(void *ud, const sqt_error *err, const sqt_symbol_info *info)
{
    app *a = ud;
    char why[512], t[48], s[48], mq[48], mn[48];
    int rc;
    if (a->state != ST_STARTING)
        return;
    if (err && err->code != SQT_OK) {
        fatal_startup(a, err, err->code == SQT_ENOENT ? 2 : 1);
        return;
    }
    a->info = *info;
    sqt_logf(a->log, SQT_LV_INFO, "%s: tick %s, step %s, min qty %s, min notional %s, max %d open orders",
             info->symbol, fmt_dec(info->tick_size, t, sizeof(t)), fmt_dec(info->step_size, s, sizeof(s)),
             fmt_dec(info->min_qty, mq, sizeof(mq)), fmt_dec(info->min_notional, mn, sizeof(mn)),
             info->max_open_orders);
    if (sqt_config_check_symbol(a->cfg, info, why, sizeof(why)) != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", why);
        app_stop(a, 2, NULL);
        return;
    }
    a->step = "account";
    rc = a->x->account(a->ex, got_account, a);
    if (rc < 0) {
        fatal_rc(a, rc);
    }
}

static void startup_timeout_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (a->state != ST_STARTING)
        return;
    sqt_logf(a->log, SQT_LV_ERROR, "start-up timed out after %d s waiting for the %s",
             SQT_STARTUP_TIMEOUT_MS / 1000, a->step);
    app_stop(a, 1, NULL);
}

/* ---- shutdown chain ------------------------------------------------------------ */

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
    close_handle(a, (uv_handle_t *)&a->adjust_idle);
    if (a->price_inited)
        sqt_price_close(&a->price, price_closed);
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
        log_err(a, "exchange plugin shutdown", err);
    sqt_host_close(&a->host, host_closed, a);
}

static void finish_shutdown(app *a)
{
    int rc;
    if (a->shutdown_started)
        return;
    a->shutdown_started = 1;
    if (a->grid)
        print_status(a, 1);
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

static void app_stop(app *a, int code, const char *why)
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

static void on_signal(uv_signal_t *s, int signum)
{
    app *a = s->data;
    sqt_logf(a->log, SQT_LV_INFO, "received %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
    app_stop(a, 0, "exit signal");
}

static void runfor_cb(uv_timer_t *t)
{
    app *a = t->data;
    sqt_logf(a->log, SQT_LV_INFO, "--run-for elapsed");
    app_stop(a, 0, "run time reached");
}

/* ---- entry --------------------------------------------------------------------- */

int sqt_app_run(const sqt_app_opts *o)
{
    app *a = calloc(1, sizeof(*a));
    const sqt_config *c = o->cfg;
    sqt_create_args args;
    sqt_error err;
    const char *evpath;
    int rc, code;

    if (a == NULL)
        return 1;
    a->log = o->log;
    a->cfg = c;
    a->plugin = o->plugin;
    a->x = o->plugin->desc->exchange;
    a->state = ST_STARTING;
    a->step = "plugin init";
    if (uv_loop_init(&a->loop) != 0) {
        free(a);
        return 1;
    }
    sqt_logf(a->log, SQT_LV_INFO, "opensqt starting: %s on %s (%s)", c->symbol, o->plugin->desc->name,
             o->plugin->desc->version);

    evpath = o->events_path ? o->events_path : c->event_log;
    if (evpath != NULL && evpath[0]) {
        rc = sqt_eventlog_open(&a->ev, evpath);
        if (rc < 0) {
            sqt_logf(a->log, SQT_LV_ERROR, "cannot open the event log %s: %s", evpath, uv_strerror(rc));
            uv_loop_close(&a->loop);
            free(a);
            return 2;
        }
        sqt_logf(a->log, SQT_LV_INFO, "event log: %s", evpath);
    }

    uv_signal_init(&a->loop, &a->sigint);
    uv_signal_init(&a->loop, &a->sigterm);
    a->sigint.data = a->sigterm.data = a;
    a->handles_open += 2;
    uv_signal_start(&a->sigint, on_signal, SIGINT);
    uv_signal_start(&a->sigterm, on_signal, SIGTERM);
    init_timer(a, &a->startup_timer);
    init_timer(a, &a->runfor_timer);
    init_timer(a, &a->status_timer);
    init_timer(a, &a->house_timer);
    init_timer(a, &a->reconcile_timer);
    init_timer(a, &a->guard_timer);
    init_timer(a, &a->exit_cancel_timer);
    uv_idle_init(&a->loop, &a->adjust_idle);
    a->adjust_idle.data = a;
    a->handles_open++;
    sqt_price_init(&a->price, &a->loop, a->log, c->symbol, on_price, a);
    a->price.data = a;
    a->price_inited = 1;
    a->handles_open++;

    sqt_host_init(&a->host, &a->loop, a->log, c, o->plugin->desc->name);

    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.symbol = c->symbol;
    args.exchange_name = c->current_exchange;
    args.allow_hedge_mode = c->allow_hedge_mode ? 1 : 0;
    args.user_stream_keepalive_ms = (int64_t)c->listen_key_keepalive_interval * 60 * 1000;
    memset(&err, 0, sizeof(err));
    rc = a->x->create(sqt_host_services(), &a->host, &args, &a->ex, &err);
    if (rc != 0 || a->ex == NULL) {
        char msg[400];
        snprintf(msg, sizeof(msg), "plugin '%s' failed to initialise: %s", o->plugin->desc->name,
                 err.message[0] ? err.message : sqt_strerror(rc));
        sqt_log_redact(a->log, msg, sizeof(msg));
        sqt_logf(a->log, SQT_LV_ERROR, "%s", msg);
        a->ex = NULL;
        app_stop(a, rc == SQT_EINVAL || err.code == SQT_EINVAL ? 2 : 1, NULL);
    } else {
        sqt_host_warn_unused_keys(&a->host);
        if (o->run_for_seconds > 0)
            uv_timer_start(&a->runfor_timer, runfor_cb, (uint64_t)(o->run_for_seconds * 1000.0), 0);
        uv_timer_start(&a->startup_timer, startup_timeout_cb, SQT_STARTUP_TIMEOUT_MS, 0);
        a->step = "symbol info";
        rc = a->x->symbol_info(a->ex, got_symbol_info, a);
        if (rc < 0)
            fatal_rc(a, rc);
    }

    uv_run(&a->loop, UV_RUN_DEFAULT);

    if (a->ex != NULL)
        a->x->destroy(a->ex);
    a->ex = NULL;
    sqt_grid_free(a->grid);
    sqt_risk_free(a->risk);
    free(a->rec_orders);
    sqt_eventlog_close(&a->ev);
    /* a forced stop may leave handles: close them so the loop can be closed */
    if (uv_loop_close(&a->loop) != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "event loop closed with handles still open");
        if (a->exit_code == 0)
            a->exit_code = 1;
    }
    code = a->exit_code;
    sqt_logf(a->log, code == 0 ? SQT_LV_INFO : SQT_LV_ERROR, "opensqt stopped (exit %d)", code);
    free(a);
    return code;
}
