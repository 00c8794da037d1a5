/* The engine glue: the engine's output goes first to the journal (the orders the turn
 * places, before any request leaves), then to the executor, which sends what its
 * tokens allow at once, then to the journal again (the rest of the turn, in one
 * transaction), then to the audit trail (buffered, written once per loop turn
 * by app_turn_end_cb). An order push that calls for requests sends them at once
 * (app_send_now) and leaves the transaction and the audit to the turn's end. The
 * executor's answers go back to the engine. Also the auth/ban policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

SQT_HOT static void adjust_idle_cb(uv_idle_t *h)
{
    app *a = h->data;
    uv_idle_stop(h);
    if (a->grid == NULL)
        return;
    a->in_turn_end++; /* this is the turn's drain, whichever phase runs it */
    if (a->state == ST_TRADING && sqt_grid_needs_adjust(a->grid))
        sqt_grid_adjust(a->grid, (int64_t)uv_now(&a->loop));
    app_drain(a); /* also what a drain left for this step (app_drain), trading or not */
    a->in_turn_end--;
    app_metrics_tick_end(a->metrics); /* a price's tick ends with its turn's drain */
}

static void journal_broken(app *a)
{
    a->journal_failed = 1;
    sqt_logf(a->log, SQT_LV_ERROR,
             "journal %s cannot be written (%s): no new orders; stopping so nothing goes out "
             "that a restart would not know",
             sqt_journal_path(a->journal), sqt_journal_errmsg(a->journal));
}

/* The turn's first write, before its requests leave: the orders it places, as intents
 * (one write to the journal's intent log; a later send part of the same turn appends
 * its own, so the log holds every order the turn sent until its transaction records
 * them). 0, or -1 when it could not be written: these placements are then not sent. */
static int journal_intents(app *a, const sqt_grid_event *evs, size_t n)
{
    size_t i, m = 0;
    int rc;
    if (a->journal == NULL)
        return 0;
    if (a->journal_failed)
        return -1;
    for (i = 0; i < n; i++) {
        if (evs[i].kind != SQT_GRID_EV_PLACED)
            continue;
        if (m == a->icap) {
            size_t cap = a->icap ? a->icap * 2 : 16;
            sqt_grid_saved_intent *p = realloc(a->ibuf, cap * sizeof *p);
            if (p == NULL) {
                sqt_logf(a->log, SQT_LV_ERROR, "out of memory: the turn's orders are not sent");
                return -1;
            }
            a->ibuf = p;
            a->icap = cap;
        }
        if (sqt_grid_intent_of(a->grid, evs[i].slot, evs[i].client_id, &a->ibuf[m]) == 0)
            m++; /* else this turn has ended it already */
    }
    if (m == 0)
        return 0;
    rc = a->n_intents == 0 ? sqt_journal_intents(a->journal, a->ibuf, m)
                           : sqt_journal_intents_more(a->journal, a->ibuf, m);
    if (rc == 0) {
        a->n_intents += m;
        return 0;
    }
    journal_broken(a);
    return -1;
}

/* The turn's events and the engine's state in one transaction, right after its
 * requests left. 0, or -1 when the journal could not be written. */
static int journal_turn(app *a, const sqt_grid_event *evs, size_t n)
{
    sqt_journal *j = a->journal;
    int64_t now = sqt_wall_ms();
    uint64_t t0 = uv_hrtime();
    size_t i;
    int rc;
    if (j == NULL)
        return 0;
    if (a->journal_failed)
        return -1;
    rc = sqt_journal_begin(j);
    for (i = 0; rc == 0 && i < n; i++)
        rc = sqt_journal_event(j, &evs[i], now);
    if (rc == 0)
        rc = sqt_journal_save_grid(j, a->grid, sqt_grid_last_price(a->grid));
    if (rc == 0)
        rc = sqt_journal_commit(j);
    if (rc == 0) {
        app_metrics_journal_write(a->metrics, uv_hrtime() - t0);
        return 0;
    }
    sqt_journal_rollback(j);
    journal_broken(a);
    return -1;
}

void app_journal_sync(app *a)
{
    if (a->grid != NULL)
        journal_turn(a, NULL, 0);
}

/* Move every pending engine event into a->evbuf behind the ones held since the turn's
 * send part (app_send_now); returns how many it holds now. */
static size_t take_events(app *a)
{
    size_t n = a->ev_held, m;
    for (;;) {
        if (n == a->evcap) {
            size_t cap = a->evcap ? a->evcap * 2 : 64;
            sqt_grid_event *p = realloc(a->evbuf, cap * sizeof *p);
            if (p == NULL)
                break; /* the rest stays queued for the next drain */
            a->evbuf = p;
            a->evcap = cap;
        }
        m = sqt_grid_take_events(a->grid, a->evbuf + n, a->evcap - n);
        if (m == 0)
            break;
        n += m;
    }
    return n;
}

/* The exchange's open-order limit minus every order the engine counts as live (open,
 * being placed - this turn's included - or being cancelled); -1 when the limit is not
 * known. At >= 0 the places may pass the far cancels: even if every one of them were
 * open at once, the limit would hold. Orders the engine does not own (placed by hand
 * on the symbol) are not counted: a place over the exchange's limit is refused by it
 * and handled as any rejection. */
static long open_room(const app *a)
{
    if (a->info.max_open_orders <= 0)
        return -1;
    return (long)a->info.max_open_orders - (long)sqt_grid_live_orders(a->grid);
}

static void drain_once(app *a);

SQT_HOT void app_drain(app *a)
{
    if (a->grid == NULL)
        return;
    /* While trading, the turn's output is taken once, at the end of the loop turn
     * (app_turn_end_cb): the pushes of one poll phase, the price that came with them and
     * the adjust step they call for go to the journal together, and their orders out
     * right after the intents. The idle keeps the poll from blocking before then. */
    if (!a->in_turn_end && a->state == ST_TRADING) {
        uv_idle_start(&a->adjust_idle, adjust_idle_cb);
        return;
    }
    /* One drain at a time: a callback inside this one's requests (an executor that
     * settles a refusal at once) must not take the events this drain has yet to write
     * and audit; what it brought is drained right after, in the same turn. */
    if (a->draining) {
        a->drain_again = 1;
        return;
    }
    a->draining = 1;
    do {
        a->drain_again = 0;
        drain_once(a);
    } while (a->drain_again && a->grid != NULL);
    a->draining = 0;
}

SQT_HOT static void drain_once(app *a)
{
    sqt_grid_cmd cmds[SQT_BATCH];
    size_t n, i, nev, held = a->ev_held;
    int journal_ok;
    if (sqt_grid_pending_events(a->grid) == 0 && sqt_grid_pending_commands(a->grid) == 0 &&
        (held == 0 || a->send_only))
        goto adjust;
    nev = take_events(a);
    journal_ok = journal_intents(a, a->evbuf + held, nev - held) == 0;
    while ((n = sqt_grid_take_commands(a->grid, cmds, SQT_BATCH)) > 0) {
        for (i = 0; i < n; i++) {
            const sqt_grid_cmd *c = &cmds[i];
            int rc;
            if (a->exec == NULL || a->shutdown_started)
                continue; /* the plugin is shutting down: it takes no new requests */
            if (c->kind == SQT_GRID_CMD_PLACE) {
                if (a->state != ST_TRADING || !journal_ok)
                    continue; /* no new orders once stopping, or unjournalled */
                rc = sqt_executor_place(a->exec, &c->req);
                if (rc == 0)
                    app_metrics_place_queued(a->metrics, c->req.client_id);
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
    /* the requests leave now, in this turn, before the rest of the journal and the audit */
    if (a->exec != NULL) {
        sqt_executor_set_open_room(a->exec, open_room(a));
        sqt_executor_flush(a->exec);
    }
    if (a->send_only) {
        a->ev_held = nev; /* recorded by the turn's drain at its end (a failed intent
                           * write has set journal_failed: that drain stops the bot) */
        return;
    }
    a->ev_held = 0;
    a->n_intents = 0;
    if (journal_ok)
        journal_ok = journal_turn(a, a->evbuf, nev) == 0;
    for (i = 0; i < nev; i++) {
        if (a->state == ST_STARTING &&
            (a->evbuf[i].kind == SQT_GRID_EV_FILLED || a->evbuf[i].kind == SQT_GRID_EV_PARTIAL))
            a->startup_fills++;
        app_metrics_count_event(a->metrics, &a->evbuf[i]);
        app_audit(a, &a->evbuf[i]);
    }
    if (!journal_ok && a->state == ST_TRADING)
        app_stop(a, 1, "the journal cannot be written");
adjust:
    if (a->state == ST_TRADING && sqt_grid_needs_adjust(a->grid))
        uv_idle_start(&a->adjust_idle, adjust_idle_cb);
}

/* An order push that changed the engine (a fill, an order that ended) sends what it
 * calls for at once, before the rest of the poll phase is read (more pushes, market
 * data): the price read so far this turn is delivered, the adjust step runs and the
 * turn's send part (intents, then the requests) goes out; the turn's transaction and
 * audit stay for its drain at the end of the loop turn, with everything else the
 * turn brings. */
SQT_HOT void app_send_now(app *a)
{
    if (a->grid == NULL || a->state != ST_TRADING || a->draining)
        return;
    if (!sqt_grid_needs_adjust(a->grid) && sqt_grid_pending_commands(a->grid) == 0)
        return;
    sqt_price_deliver_now(&a->price);
    if (a->grid == NULL || a->state != ST_TRADING)
        return;
    a->in_turn_end++;
    a->send_only++;
    if (sqt_grid_needs_adjust(a->grid))
        sqt_grid_adjust(a->grid, (int64_t)uv_now(&a->loop));
    app_drain(a);
    a->send_only--;
    a->in_turn_end--;
    if (a->grid != NULL)
        uv_idle_start(&a->adjust_idle, adjust_idle_cb); /* the turn's record */
}

/* The journal's WAL is copied back into its file on the thread pool once it holds
 * APP_CKPT_FRAMES frames (SQLite's own threshold, ~4 MB), after the turn's requests
 * left: the fsyncs of a checkpoint never sit between a price and its order. */
#define APP_CKPT_FRAMES 1000

static void ckpt_work_cb(uv_work_t *w)
{
    app *a = w->data;
    a->ckpt_rc = sqt_journal_checkpoint_file(sqt_journal_path(a->journal), &a->ckpt_left,
                                             a->ckpt_err, sizeof a->ckpt_err);
}

static void ckpt_done_cb(uv_work_t *w, int status)
{
    app *a = w->data;
    a->ckpt_busy = 0;
    if (status == 0 && a->ckpt_rc != 0 && !a->ckpt_warned) {
        a->ckpt_warned = 1; /* the journal stays whole; only its WAL file grows */
        sqt_logf(a->log, SQT_LV_WARN, "journal: %s (the WAL keeps growing until one works)",
                 a->ckpt_err);
    } else if (status == 0 && a->ckpt_rc == 0) {
        a->ckpt_warned = 0;
    }
}

static void journal_maybe_checkpoint(app *a)
{
    int frames;
    if (a->journal == NULL || a->ckpt_busy || a->journal_failed)
        return;
    /* the length is the last commit's: the same length again means nothing new came */
    frames = sqt_journal_wal_frames(a->journal);
    if (frames < APP_CKPT_FRAMES || frames == a->ckpt_frames)
        return;
    a->ckpt_frames = frames;
    a->ckpt_work.data = a;
    if (uv_queue_work(&a->loop, &a->ckpt_work, ckpt_work_cb, ckpt_done_cb) == 0)
        a->ckpt_busy = 1;
}

SQT_HOT void app_turn_end_cb(uv_check_t *h)
{
    app *a = h->data;
    /* the market frames this turn read, after its order pushes: the price is in before
     * it is delivered */
    sqt_host_run_deferred(&a->host);
    /* an adjust asked for by this turn's pushes runs now, once for all of them (the
     * idle stays for the turns that block in no poll: it is stopped here) */
    /* the turn's price first (its own idle would deliver it a turn later) */
    if (a->state == ST_TRADING)
        sqt_price_deliver_now(&a->price);
    if (uv_is_active((uv_handle_t *)&a->adjust_idle))
        adjust_idle_cb(&a->adjust_idle);
    if (sqt_eventlog_flush(&a->ev) != 0 && !a->evlog_failed) {
        a->evlog_failed = 1;
        sqt_logf(a->log, SQT_LV_ERROR, "the event log cannot be written (disk full?): audit "
                                       "lines are being lost; the journal still keeps the state");
    }
    journal_maybe_checkpoint(a);
    if (a->grid != NULL)
        sqt_grid_tidy(a->grid); /* the engine's put-off bookkeeping, the requests being out */
}

static void ex_on_place(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    app *a = ud;
    if (a->grid == NULL)
        return;
    if (err == NULL || err->code == SQT_OK)
        sqt_authguard_accepted(&a->auth); /* the credentials work: the count starts again */
    sqt_grid_on_place_result(a->grid, cid, err, o, (int64_t)uv_now(&a->loop));
    app_drain(a);
}

static void ex_on_cancel(void *ud, const char *cid, const sqt_error *err)
{
    app *a = ud;
    if (a->grid == NULL)
        return;
    if (err == NULL || err->code == SQT_OK)
        sqt_authguard_accepted(&a->auth);
    sqt_grid_on_cancel_result(a->grid, cid, err, (int64_t)uv_now(&a->loop));
    app_drain(a);
}

static void ex_on_query(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    app *a = ud;
    if (a->grid == NULL)
        return;
    if (err == NULL || err->code == SQT_OK)
        sqt_authguard_accepted(&a->auth);
    sqt_grid_on_query_result(a->grid, cid, err, o, (int64_t)uv_now(&a->loop));
    app_drain(a);
}

static void ex_on_fatal(void *ud, const sqt_error *err)
{
    app *a = ud;
    if (err->code == SQT_EBANNED) {
        app_note(a, SQT_LV_ERROR, "ban",
                 "the exchange banned this client for %lld ms; requests resume when the ban ends",
                 (long long)err->retry_after_ms);
        return;
    }
    /* during trading: pause loudly and retry; stop only when it persists (the count
     * restarts with every accepted request) */
    if (sqt_authguard_refused(&a->auth) == SQT_AUTH_STOP) {
        app_log_err(a, "the exchange keeps refusing our credentials or clock; stopping", err);
        app_stop(a, 1, NULL);
        return;
    }
    app_log_err(a, "the exchange refused our credentials or clock: all requests paused for 30 s "
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

int app_executor_start(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_executor_opts eo;
    sqt_executor_cbs cbs;
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
    if (a->exec == NULL)
        return SQT_ENOMEM;
    app_metrics_attach_executor(a);
    a->host.on_rate_usage = host_rate_usage;
    a->host.rate_ud = a;
    return 0;
}

void app_house_timer_cb(uv_timer_t *t)
{
    app *a = t->data;
    uint64_t now = uv_now(&a->loop);
    /* not during start-up: the engine's timer step also places orders */
    if (a->grid == NULL || a->state != ST_TRADING)
        return;
    sqt_grid_on_time(a->grid, (int64_t)now);
    /* the engine asks for a position check (a refused sell, a vanished order, a
     * difference waiting for its confirmation): at most one a second */
    if (sqt_grid_wants_reconcile(a->grid) && !a->reconciling && now - a->last_rec_start_ms >= 1000)
        app_start_reconcile(a);
    {
        char text[256];
        int64_t age = 0;
        int pg = sqt_pricegate_poll(&a->gate, (int64_t)now, &age, text, sizeof text);
        if (pg == SQT_PG_STALE_BEGIN && !a->md_stale) {
            a->md_stale = 1;
            sqt_logf(a->log, SQT_LV_WARN, "%s", text);
        } else if (pg == SQT_PG_FRESH && a->md_stale) {
            a->md_stale = 0;
        }
        app_update_data_pause(a);
    }
    app_risk_watch(a);
    if (now - a->last_cleanup_ms >= (uint64_t)a->cfg->order_cleanup_interval * 1000u) {
        int nc;
        a->last_cleanup_ms = now;
        nc = sqt_grid_cleanup(a->grid, (int64_t)now);
        if (nc > 0) /* §9.4: what the cleaner did is said (the cancels follow as order lines) */
            sqt_logf(a->log, SQT_LV_INFO,
                     "order cleaner: the live orders reached the threshold (%d): cancelling the "
                     "%d farthest from the market",
                     a->cfg->order_cleanup_threshold, nc);
    }
    app_drain(a);
}

void app_update_data_pause(app *a)
{
    int want;
    if (a->grid == NULL || a->state != ST_TRADING)
        return;
    /* no new order on a price we cannot trust, nor while fills could go unseen */
    want = a->md_stale || !a->orders_up;
    if (want == a->data_paused)
        return;
    a->data_paused = want;
    if (want)
        sqt_logf(a->log, SQT_LV_WARN, "new orders paused: %s",
                 a->md_stale ? "the market data is stale" : "the order stream is down");
    else
        sqt_logf(a->log, SQT_LV_INFO, "new orders resume: market data fresh, order stream up");
    sqt_grid_set_data_pause(a->grid, want, (int64_t)uv_now(&a->loop));
    app_drain(a);
}
