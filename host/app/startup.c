/* The start-up sequence, one step after the other (each logged, each with its own time
 * limit). The order is what keeps a restart from losing or inventing anything:
 *
 *   the journal (and the one-instance lock) before any network; the order stream
 *   confirmed before the exchange's view is read, so every push from then on is kept;
 *   open orders and the position read as one moment; the grid continued from the
 *   journal (or, without one, anchored at the first price and rebuilt from the
 *   exchange); the orders the journal knew that are gone asked for, so fills made
 *   while the bot was down are booked with their real price and fee; a last
 *   reconcile with a fresh view; only then trading.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"
#include "grid_config.h"
#include "safety/precheck.h"
#include "state/book.h"
#include "state/statelock.h"

#define MISSED_FILLS_WAIT_MS 15000

typedef struct startup_step {
    const char *name;
    void (*run)(app *a);
} startup_step;

static void step_journal(app *a);
static void step_symbol_info(app *a);
static void step_account(app *a);
static void step_order_stream(app *a);
static void step_snapshot(app *a);
static void step_price_stream(app *a);
static void step_safety_check(app *a);
static void step_grid(app *a);
static void step_import(app *a);
static void step_missed_fills(app *a);
static void step_reconcile(app *a);
static void step_risk(app *a);
static void step_trade(app *a);

static const startup_step STEPS[] = {
    {"state journal", step_journal},
    {"symbol info", step_symbol_info},
    {"account", step_account},
    {"order stream", step_order_stream},
    {"open orders and position", step_snapshot},
    {"first price", step_price_stream},
    {"safety check", step_safety_check},
    {"grid", step_grid},
    {"import", step_import},
    {"missed fills", step_missed_fills},
    {"reconcile", step_reconcile},
    {"risk monitor", step_risk},
    {"trade", step_trade},
};
#define N_STEPS ((int)(sizeof STEPS / sizeof STEPS[0]))

static void run_step(app *a)
{
    if (a->state != ST_STARTING)
        return;
    a->step = STEPS[a->step_no].name;
    sqt_logf(a->log, SQT_LV_DEBUG, "start-up %d/%d: %s", a->step_no + 1, N_STEPS, a->step);
    /* every step has its own time limit */
    uv_timer_start(&a->startup_timer, app_startup_timeout_cb, SQT_STEP_TIMEOUT_MS, 0);
    STEPS[a->step_no].run(a);
}

/* The current step is complete: on to the next. */
static void step_done(app *a)
{
    if (a->state != ST_STARTING || a->step_no + 1 >= N_STEPS)
        return;
    a->step_no++;
    run_step(a);
}

void app_startup_begin(app *a)
{
    a->step_no = 0;
    run_step(a);
}

void app_startup_timeout_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (a->state != ST_STARTING)
        return;
    sqt_logf(a->log, SQT_LV_ERROR, "start-up timed out after %d s at step '%s'",
             SQT_STEP_TIMEOUT_MS / 1000, a->step);
    app_stop(a, 1, NULL);
}

/* ---- 1. the journal ------------------------------------------------------------- */

static void step_journal(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_journal_identity id;
    sqt_book bk;
    const char *path;
    char err[600];
    long holder = 0;
    int rc, created = 0;

    sqt_book_of(c, &bk);
    snprintf(a->tag, sizeof a->tag, "%s", bk.tag);
    snprintf(a->book, sizeof a->book, "%s", bk.name);
    snprintf(a->state_dir, sizeof a->state_dir, "%s", bk.dir);
    path = bk.journal;
    sqt_clientid_prefix(a->tag, a->prefix, sizeof(a->prefix));
    if (c->instance == NULL || c->instance[0] == '\0')
        sqt_logf(a->log, SQT_LV_INFO,
                 "app.instance not set: client-id tag '%s' from the symbol; a second config on %s "
                 "with the same account needs its own app.instance",
                 a->tag, c->symbol);
    if (sqt_state_dir_make(a->state_dir, err, sizeof err) != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", err);
        app_stop(a, APP_EXIT_USAGE, NULL);
        return;
    }
    rc = sqt_state_lock(a->state_dir, a->book, &holder, err, sizeof err);
    if (rc < 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", err);
        app_stop(a, APP_EXIT_REFUSED, NULL);
        return;
    }
    a->lock_fd = rc;
    id.exchange = c->current_exchange;
    id.account = bk.account;
    id.symbol = c->symbol;
    id.instance = a->tag;
    rc = sqt_journal_open(path, &id,
                          c->journal_sync == SQT_CFG_JOURNAL_FULL ? SQT_JOURNAL_SYNC_FULL
                                                                  : SQT_JOURNAL_SYNC_NORMAL,
                          &a->journal, &created, err, sizeof err);
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", err);
        app_stop(a, APP_EXIT_REFUSED, NULL);
        return;
    }
    rc = sqt_journal_load(a->journal, &a->saved, err, sizeof err);
    if (rc < 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", err);
        app_stop(a, APP_EXIT_REFUSED, NULL);
        return;
    }
    a->have_saved = rc == 1;
    if (a->saved.note[0] != '\0')
        sqt_logf(a->log, SQT_LV_WARN,
                 "journal: %s; orders sent in the last turn before the previous run stopped, if "
                 "any, are found by the position check",
                 a->saved.note);
    if (a->have_saved && (a->x->flags & SQT_EXF_SIMULATED) != 0) {
        /* a simulated exchange starts anew with its process: the journal's grid
         * describes a book that no longer exists; its history stays */
        sqt_journal_free_state(&a->saved);
        a->have_saved = 0;
        if (sqt_journal_reset_grid(a->journal) != 0) {
            sqt_logf(a->log, SQT_LV_ERROR, "journal %s: %s", path, sqt_journal_errmsg(a->journal));
            app_stop(a, 1, NULL);
            return;
        }
        sqt_logf(a->log, SQT_LV_INFO,
                 "%s is simulated and starts anew each run: the journal keeps its history, the "
                 "grid starts fresh",
                 a->plugin->desc->name);
    }
    if (a->have_saved) {
        char lp[48];
        sqt_logf(a->log, SQT_LV_INFO,
                 "journal %s: continuing the grid (%zu slots, %" PRIu64 " round trips, last price %s)",
                 path, a->saved.n_slots, a->saved.meta.round_trips,
                 app_fmt_dec(a->saved.last_price, lp, sizeof lp));
    } else {
        sqt_logf(a->log, SQT_LV_INFO,
                 "journal %s: %s - the grid is rebuilt from the exchange's open orders and position",
                 path, created ? "new" : "holds no grid yet");
    }
    step_done(a);
}

/* ---- 2-3. the exchange's rules and the account ------------------------------------ */

static void got_symbol_info(void *ud, const sqt_error *err, const sqt_symbol_info *info)
{
    app *a = ud;
    char why[512], t[48], s[48], mq[48], mn[48];
    if (a->state != ST_STARTING)
        return;
    if (err && err->code != SQT_OK) {
        app_fatal(a, err, err->code == SQT_ENOENT ? APP_EXIT_USAGE : 1);
        return;
    }
    a->info = *info;
    sqt_logf(a->log, SQT_LV_INFO, "%s: tick %s, step %s, min qty %s, min notional %s, max %d open orders",
             info->symbol, app_fmt_dec(info->tick_size, t, sizeof(t)),
             app_fmt_dec(info->step_size, s, sizeof(s)), app_fmt_dec(info->min_qty, mq, sizeof(mq)),
             app_fmt_dec(info->min_notional, mn, sizeof(mn)), info->max_open_orders);
    if (sqt_config_check_symbol(a->cfg, info, why, sizeof(why)) != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", why);
        app_stop(a, APP_EXIT_USAGE, NULL);
        return;
    }
    step_done(a);
}

static void step_symbol_info(app *a)
{
    int rc = a->x->symbol_info(a->ex, got_symbol_info, a);
    if (rc < 0)
        app_fatal_rc(a, rc);
}

static void got_account(void *ud, const sqt_error *err, const sqt_account *acct)
{
    app *a = ud;
    char b[48], av[48];
    if (a->state != ST_STARTING)
        return;
    if (err && err->code != SQT_OK) {
        app_fatal(a, err, err->code == SQT_EAUTH ? APP_EXIT_REFUSED : 1);
        return;
    }
    a->acct = *acct;
    sqt_logf(a->log, SQT_LV_INFO, "account: balance %s %s, available %s, leverage %d%s",
             app_fmt_dec(acct->balance, b, sizeof(b)), acct->asset,
             app_fmt_dec(acct->available, av, sizeof(av)), acct->leverage,
             acct->position_mode == SQT_POSMODE_HEDGE ? ", HEDGE mode" : "");
    if (acct->position_mode == SQT_POSMODE_HEDGE && !a->cfg->allow_hedge_mode) {
        sqt_logf(a->log, SQT_LV_ERROR,
                 "the account is in hedge (dual-side) position mode; this grid needs one-way mode. "
                 "Switch the account to one-way, or set trading.allow_hedge_mode: true");
        app_stop(a, APP_EXIT_REFUSED, NULL);
        return;
    }
    step_done(a);
}

static void step_account(app *a)
{
    int rc = a->x->account(a->ex, got_account, a);
    if (rc < 0)
        app_fatal_rc(a, rc);
}

/* ---- 4. the order stream (seed principle 2) --------------------------------------- */

static void step_order_stream(app *a)
{
    int rc = app_subscribe_orders(a);
    if (rc < 0)
        app_fatal_rc(a, rc);
    /* app_startup_orders_up() moves on */
}

void app_startup_orders_up(app *a)
{
    if (a->state == ST_STARTING && STEPS[a->step_no].run == step_order_stream)
        step_done(a);
}

/* ---- 5. open orders and the position, of one moment -------------------------------- */

static void got_snapshot(app *a, int status, const sqt_error *err, app_snapshot *s)
{
    char q[48];
    if (a->state != ST_STARTING) {
        if (s)
            app_snapshot_free(s);
        return;
    }
    if (status != 0) {
        app_fatal(a, err, err && err->code == SQT_EAUTH ? APP_EXIT_REFUSED : 1);
        return;
    }
    a->snap = *s;
    a->position = s->position;
    a->have_position = 1;
    sqt_logf(a->log, SQT_LV_INFO, "exchange: position %s %s, %zu open orders",
             app_fmt_dec(s->position, q, sizeof q), a->info.base_asset, s->n);
    if (s->position.mant < 0) {
        sqt_logf(a->log, SQT_LV_ERROR,
                 "the account holds a SHORT position in %s; this long-only grid will not trade it. "
                 "Close it first.",
                 a->cfg->symbol);
        app_stop(a, APP_EXIT_REFUSED, NULL);
        return;
    }
    step_done(a);
}

static void step_snapshot(app *a)
{
    int rc = app_snapshot_take(a, got_snapshot);
    if (rc < 0)
        app_fatal_rc(a, rc);
}

/* ---- 6-7. the first price and the safety check ------------------------------------ */

static void step_price_stream(app *a)
{
    int rc;
    if (a->price_seen) { /* a price came with an earlier subscription */
        step_done(a);
        return;
    }
    rc = app_subscribe_price(a);
    if (rc < 0)
        app_fatal_rc(a, rc);
    /* app_startup_first_price() moves on */
}

void app_startup_first_price(app *a, sqt_dec price)
{
    (void)price;
    if (a->state == ST_STARTING && STEPS[a->step_no].run == step_price_stream)
        step_done(a);
}

static void step_safety_check(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_precheck_in in;
    sqt_precheck_out out;
    char why[512], p0[48];
    int rc;
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
             app_fmt_dec(a->first_price, p0, sizeof(p0)), out.leverage_used,
             out.leverage_unknown ? " (unknown, assumed)" : "", out.max_positions,
             c->position_safety_check, out.net_per_trip);
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", why);
        app_stop(a, APP_EXIT_REFUSED, NULL);
        return;
    }
    step_done(a);
}

/* ---- 8. the grid: continued from the journal, or anchored at the first price ------- */

static void step_grid(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_grid_params gp;
    char why[512];
    int rc;
    if (sqt_grid_config_params(c, &a->info, a->tag, &gp))
        sqt_logf(a->log, SQT_LV_WARN,
                 "order_cleanup_threshold %d is above the exchange's %d open orders per symbol; using %d",
                 c->order_cleanup_threshold, a->info.max_open_orders, a->info.max_open_orders);
    gp.id_seed = (uint64_t)sqt_wall_ms();
    rc = sqt_grid_new(&gp, &a->grid, why, sizeof(why));
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "cannot trade %s with this configuration: %s", c->symbol, why);
        app_stop(a, APP_EXIT_USAGE, NULL);
        return;
    }
    if (a->have_saved) {
        rc = sqt_grid_restore(a->grid, &a->saved.meta, a->saved.slots, a->saved.n_slots,
                              (const char *const *)a->saved.finished, a->saved.n_finished,
                              (int64_t)uv_now(&a->loop), why, sizeof why);
        if (rc != 0) {
            sqt_logf(a->log, SQT_LV_ERROR,
                     "the journal %s cannot be continued: %s. It is left as it is: restore the "
                     "settings it was written with, or move it away to rebuild from the exchange",
                     sqt_journal_path(a->journal), rc == SQT_ENOMEM ? "out of memory" : why);
            app_stop(a, rc == SQT_ENOMEM ? 1 : APP_EXIT_REFUSED, NULL);
            return;
        }
        if (a->saved.n_intents > 0) {
            /* killed between a turn's two writes: the orders that turn sent are taken
             * over (their state asked) once the orders their slots still hold ended */
            sqt_logf(a->log, SQT_LV_WARN,
                     "journal: %zu orders were sent in a turn the previous run did not finish "
                     "writing; they are taken over and asked for",
                     a->saved.n_intents);
            rc = sqt_grid_restore_intents(a->grid, a->saved.intents, a->saved.n_intents,
                                          (int64_t)uv_now(&a->loop));
            if (rc != 0) {
                sqt_logf(a->log, SQT_LV_ERROR, "cannot take over the unsaved turn's orders: %s",
                         sqt_strerror(rc));
                app_stop(a, 1, NULL);
                return;
            }
        }
    } else {
        rc = sqt_grid_start(a->grid, a->first_price, (int64_t)uv_now(&a->loop));
        if (rc != 0) {
            char p[48];
            sqt_logf(a->log, SQT_LV_ERROR, "cannot anchor the grid at %s: %s",
                     app_fmt_dec(a->first_price, p, sizeof p), sqt_strerror(rc));
            app_stop(a, 1, NULL);
            return;
        }
    }
    sqt_journal_free_state(&a->saved);
    if (app_executor_start(a) != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "out of memory");
        app_stop(a, 1, NULL);
        return;
    }
    step_done(a);
}

/* ---- 9. the exchange's view into the engine, then the pushes kept meanwhile -------- */

static void step_import(app *a)
{
    int64_t now = (int64_t)uv_now(&a->loop);
    /* a continued grid first books what it missed (step 10), then compares positions
     * (step 11); without a journal the position is compared and recovered now */
    sqt_grid_reconcile(a->grid, a->snap.orders, a->snap.n,
                       a->have_saved || !a->snap.have_position ? NULL : &a->snap.position, now);
    app_snapshot_free(&a->snap);
    a->imported = 1;
    if (a->n_early > 0)
        sqt_logf(a->log, SQT_LV_INFO, "applying %zu order pushes received during start-up", a->n_early);
    app_feed_early_pushes(a);
    app_drain(a);
    step_done(a);
}

/* ---- 10. fills made while the bot was down ---------------------------------------- */

static void missed_poll_cb(uv_timer_t *t)
{
    app *a = t->data;
    size_t q;
    if (a->state != ST_STARTING || STEPS[a->step_no].run != step_missed_fills) {
        uv_timer_stop(t);
        return;
    }
    q = sqt_grid_queries_inflight(a->grid);
    if (q == 0 || uv_now(&a->loop) - a->exit_wait_start >= MISSED_FILLS_WAIT_MS) {
        uv_timer_stop(t);
        if (q > 0)
            sqt_logf(a->log, SQT_LV_WARN,
                     "%zu orders of the journal are still unanswered after %d s; trading starts, "
                     "they are asked again",
                     q, MISSED_FILLS_WAIT_MS / 1000);
        step_done(a);
    }
}

static void step_missed_fills(app *a)
{
    if (sqt_grid_queries_inflight(a->grid) == 0) {
        step_done(a);
        return;
    }
    sqt_logf(a->log, SQT_LV_INFO, "asking the exchange about %zu orders of the journal that are not open",
             sqt_grid_queries_inflight(a->grid));
    a->exit_wait_start = uv_now(&a->loop);
    uv_timer_start(&a->wait_timer, missed_poll_cb, 20, 20);
}

/* ---- 11. a fresh view: positions compared, holdings nobody accounts for recovered -- */

static void got_final_snapshot(app *a, int status, const sqt_error *err, app_snapshot *s)
{
    if (a->state != ST_STARTING) {
        if (s)
            app_snapshot_free(s);
        return;
    }
    if (status != 0) {
        app_fatal(a, err, 1);
        return;
    }
    a->position = s->position;
    sqt_grid_reconcile(a->grid, s->orders, s->n, s->have_position ? &s->position : NULL,
                       (int64_t)uv_now(&a->loop));
    app_snapshot_free(s);
    app_drain(a);
    step_done(a);
}

static void step_reconcile(app *a)
{
    int rc;
    a->resync_seen = 0;
    rc = app_snapshot_take(a, got_final_snapshot);
    if (rc < 0)
        app_fatal_rc(a, rc);
}

/* ---- 12. the risk monitor: every watched symbol known, its history in ------------- */

static void risk_ready(app *a)
{
    if (a->state != ST_STARTING || STEPS[a->step_no].run != step_risk)
        return;
    if (a->risk_refused) {
        app_stop(a, APP_EXIT_USAGE, NULL);
        return;
    }
    step_done(a);
}

static void step_risk(app *a)
{
    app_start_risk(a, risk_ready);
}

/* ---- 13. trading ----------------------------------------------------------------- */

static void step_trade(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_grid_status st;
    char pos[48], pnl[48];
    uint64_t status_ms;
    uv_timer_stop(&a->startup_timer);
    sqt_grid_get_status(a->grid, &st);
    a->state = ST_TRADING;
    a->step = "trading";
    app_status_begin(a);
    if (a->startup_fills > 0)
        app_note(a, SQT_LV_WARN, "startup_booking",
                 "%" PRIu64 " fills made while the bot was not trading were booked at start-up "
                 "(position %s, realized pnl %s)",
                 a->startup_fills, app_fmt_dec(st.position, pos, sizeof pos),
                 app_fmt_dec(st.realized_pnl, pnl, sizeof pnl));
    sqt_logf(a->log, SQT_LV_NOTICE,
             "trading %s on %s: %s, own orders live: %zu (%zu buy, %zu sell), holding %zu slots (%s)",
             c->symbol, a->plugin->desc->name,
             a->have_saved ? "grid continued from the journal" : "grid anchored at the first price",
             st.live_buys + st.live_sells, st.live_buys, st.live_sells, st.holding_slots,
             app_fmt_dec(st.position, pos, sizeof pos));

    status_ms = c->status_print_seconds > 0 ? (uint64_t)c->status_print_seconds * 1000u
                                            : (uint64_t)c->status_print_interval * 60000u;
    a->last_status_ms = uv_now(&a->loop);
    uv_timer_start(&a->status_timer, app_status_timer_cb, status_ms, status_ms);
    uv_timer_start(&a->house_timer, app_house_timer_cb, SQT_HOUSEKEEPING_MS, SQT_HOUSEKEEPING_MS);
    app_keep_warm_start(a);
    a->last_cleanup_ms = uv_now(&a->loop);
    uv_timer_start(&a->reconcile_timer, app_reconcile_timer_cb, (uint64_t)c->reconcile_interval * 1000u,
                   (uint64_t)c->reconcile_interval * 1000u);
    if (a->resync_seen) /* the stream lost data after the last view was read */
        app_start_reconcile(a);

    /* §11 #9: act right away on the freshest price, not on the next change */
    sqt_grid_on_price(a->grid, a->first_price, (int64_t)uv_now(&a->loop));
    app_drain(a);
}
