/* The running app's shared context. Not a public header: the files of host/app/ each
 * take one part of `opensqt run` - start-up (startup.c), the engine glue (trade.c,
 * audit.c), the streams (streams.c), reconciliation (reconcile.c), the risk monitor's
 * glue (riskwatch.c), status (status.c) and shutdown (shutdown.c) - and app.c ties
 * them to the loop. Lower files never call up into the orchestration except through
 * the few functions declared here. */
#ifndef SQT_APP_INTERNAL_H
#define SQT_APP_INTERNAL_H

#include <stdint.h>
#include <uv.h>

#include "app.h"
#include "appmetrics.h"
#include "clock.h"
#include "exitcode.h"
#include "hotcode.h"
#include "core/clientid.h"
#include "core/eventlog.h"
#include "core/executor.h"
#include "core/grid.h"
#include "core/price.h"
#include "safety/authguard.h"
#include "safety/pricegate.h"
#include "safety/risk.h"
#include "services.h"
#include "state/journal.h"

#define SQT_STEP_TIMEOUT_MS 20000
#define SQT_CANCEL_ON_EXIT_MS 10000
#define SQT_SHUTDOWN_GUARD_MS 30000
#define SQT_HOUSEKEEPING_MS 500
#define SQT_EXIT_SETTLE_MS 2000
#define SQT_AUTH_PAUSE_MS 30000
#define SQT_AUTH_MAX_FAILURES 10
#define SQT_BATCH 64

/* exit codes (exitcode.h, docs/operations.md) */
#define APP_EXIT_USAGE SQT_EXIT_USAGE
#define APP_EXIT_REFUSED SQT_EXIT_REFUSED
#define APP_EXIT_ORDERS_REMAIN SQT_EXIT_ORDERS_REMAIN

enum app_state { ST_STARTING, ST_TRADING, ST_STOPPING, ST_DONE };

/* Open orders and the position of one moment (reconcile.c). */
typedef struct app_snapshot {
    sqt_order *orders;
    size_t n;
    sqt_dec position;
    int have_position;         /* 0: the position call failed */
} app_snapshot;

typedef struct app app;
typedef void (*app_snapshot_cb)(app *a, int status, const sqt_error *err, app_snapshot *snap);

struct app {
    uv_loop_t loop;
    sqt_log *log;
    const sqt_config *cfg;
    const sqt_loaded_plugin *plugin;
    const sqt_exchange_api *x;
    sqt_exchange *ex;
    struct sqt_host host;
    sqt_hotcode hot;           /* the fill path's code, prefetched on a wake from idle */
    int state;
    int exit_code;
    const char *step;          /* start-up step in progress, for messages */
    int step_no;

    sqt_price_monitor price;
    int price_inited;
    sqt_executor *exec;
    sqt_grid *grid;
    sqt_risk *risk;
    struct risk_ask *risk_asks; /* one per monitored symbol: its kline history request */
    size_t risk_pending;       /* history answers still awaited at start-up */
    int risk_refused;          /* a monitored symbol is unknown to the exchange */
    uint64_t last_risk_report_ms;
    sqt_pricegate gate;        /* market-data sanity in front of the price monitor */
    int md_stale;              /* market data older than safety.market_data_max_age_seconds */
    int data_paused;           /* what the engine was told: md_stale or no order stream */
    uint64_t last_rec_start_ms;
    sqt_eventlog ev;
    char tag[24];              /* client-id tag */
    char prefix[SQT_CLIENT_ID_MAX]; /* every own client id starts with it */

    /* the state journal */
    sqt_journal *journal;
    sqt_journal_state saved;
    int have_saved;            /* the journal holds a grid to continue */
    int lock_fd;
    int journal_failed;
    /* the WAL copied back on the thread pool, never inside a commit (trade.c) */
    uv_work_t ckpt_work;
    int ckpt_busy;
    int ckpt_rc, ckpt_left, ckpt_warned;
    int ckpt_frames;           /* the WAL's length when the last one was queued */
    char ckpt_err[256];
    char book[160];
    char state_dir[4096];

    uv_signal_t sigint, sigterm, sighup, sigusr1;
    uv_timer_t startup_timer, runfor_timer, status_timer, house_timer, reconcile_timer,
        guard_timer, exit_cancel_timer, wait_timer;
    uv_timer_t warm_timer;     /* system.keep_warm_ms (app.c) */
    uint64_t warm_passes;
    uv_idle_t adjust_idle;
    uv_idle_t spin;            /* system.busy_poll (app.c) */
    uv_check_t turn_end;       /* the end of each loop turn: adjust, then the audit (trade.c) */
    int evlog_failed;          /* the event log could not be written: said once */
    int in_turn_end;           /* inside the turn's drain (adjust_idle_cb): drain now */
    int handles_open;

    sqt_symbol_info info;
    sqt_account acct;
    sqt_dec position;
    int have_position;
    sqt_dec first_price;
    int orders_up, orders_ever_up, price_seen;
    int price_up;              /* the price stream's last state was UP */
    app_metrics *metrics;      /* NULL: metrics.listen not set (appmetrics.c) */

    /* start-up: pushes kept until the import, the first snapshot */
    sqt_order *early;
    size_t n_early, cap_early;
    app_snapshot snap;
    int imported;              /* the engine has the exchange's view: pushes go straight in */
    int resync_seen;           /* the order stream lost data during start-up */
    uint64_t startup_fills;    /* fills booked before trading began */

    /* snapshots (reconcile.c) */
    int snap_busy;
    int snap_tries;
    app_snapshot_cb snap_cb;
    sqt_order *snap_first;
    size_t snap_first_n;
    sqt_dec snap_pos;
    int snap_have_pos;
    int reconciling, reconcile_again;
    int rec_fails;             /* failed reconcile rounds in a row */
    uint64_t last_cleanup_ms;

    /* shutdown (shutdown.c) */
    sqt_authguard auth;        /* AUTH/TIMESTAMP refusals while trading */
    uint64_t exit_wait_start;
    int shutdown_started;
    int exit_signals;          /* SIGINT/SIGTERM/SIGHUP received */
    int plugin_shut_called, plugin_shut_done, plugin_stuck;
    /* cancel on exit: rounds of cancel_own, tracked-order batches and confirmation */
    int xc_phase;              /* XC_* of shutdown.c; 0 = not running */
    unsigned xc_gen;           /* answers of an abandoned request carry an older one */
    uint64_t xc_deadline, xc_backoff_ms, xc_settle_start;
    int xc_own_fails, xc_own_ok, xc_tracked_passes;
    struct app_xc_entry *xc_tab; /* every own order seen during the rounds */
    size_t xc_n, xc_cap;
    sqt_cancel_req *xc_reqs;   /* the tracked pass in progress */
    size_t xc_nreqs, xc_next, xc_batch;

    /* engine output scratch */
    sqt_grid_event *evbuf;
    size_t evcap;
    size_t ev_held;            /* evbuf[0..ev_held): sent, for the turn's transaction */
    sqt_grid_saved_intent *ibuf; /* a send part's placements for the journal's intent log */
    size_t icap, n_intents;    /* the turn's intents in the log so far (0: a new turn) */
    int draining, drain_again; /* app_drain runs one at a time; again when asked inside */
    int send_only;             /* app_send_now: requests out, the record at the turn's end */

    /* status */
    uint64_t fills_total, fills_at_last_status;
    uint64_t last_status_ms;
    int status_begun;
    sqt_dec status_realized0;  /* realized PnL when trading began (equity) */
    uint64_t status_start_ms;  /* uptime */
};

/* One status line's figures (status.c). */
typedef struct app_status_view {
    int final;
    sqt_dec price, position, avg_entry;
    sqt_dec realized, unrealized, equity; /* quote */
    int have_equity;
    size_t buys, sells;
    double fills_per_min;
    uint64_t uptime_s;
    int risk_paused, margin_locked, data_paused;
    char safety[48];           /* " parkP holdH anomA", each only when non-zero */
} app_status_view;

/* trade.c: right after the loop's poll phase, every turn: the adjust step asked for in
 * this turn (its requests leave now, not a turn later), then the turn's buffered
 * event-log lines reach the file, after the requests. */
void app_turn_end_cb(uv_check_t *h);
void app_send_now(app *a);

/* util.c */
const char *app_fmt_dec(sqt_dec d, char *buf, size_t cap);
void app_log_err_at(app *a, int level, const char *what, const sqt_error *err);
void app_log_err(app *a, const char *what, const sqt_error *err);
void app_init_timer(app *a, uv_timer_t *t);
/* app.c: system.keep_warm_ms from the start of trading (startup.c) */
void app_keep_warm_start(app *a);
/* A notice that is not an engine event: log line, event-log line, journal note. */
void app_note(app *a, int level, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* trade.c: engine output to the journal, the executor and the audit trail */
void app_drain(app *a);
/* Write the engine's state now (status timer, before exit). */
void app_journal_sync(app *a);
int app_executor_start(app *a);
void app_house_timer_cb(uv_timer_t *t);

/* audit.c */
void app_audit(app *a, const sqt_grid_event *e);

/* streams.c */
int app_subscribe_orders(app *a);
int app_subscribe_price(app *a);
void app_feed_early_pushes(app *a);
void app_price_cb(void *ud, sqt_dec price, int64_t t); /* the price monitor's callback */

/* reconcile.c */
int app_snapshot_take(app *a, app_snapshot_cb cb);
void app_snapshot_free(app_snapshot *s);
/* A position list entry for our symbol (flat when absent). */
sqt_dec app_position_of(const app *a, const sqt_position *pos, size_t n);
void app_start_reconcile(app *a);
void app_reconcile_timer_cb(uv_timer_t *t);

/* riskwatch.c */
/* Start the monitor: kline history for every symbol, then the stream. done() runs once
 * every history answer is in (at once when the monitor is off). */
void app_start_risk(app *a, void (*done)(app *a));
/* The 60 s report and the stale-data warning (house timer). */
void app_risk_watch(app *a);

/* trade.c: new orders pause while market data is stale or the order stream is down */
void app_update_data_pause(app *a);

/* status.c */
void app_print_status(app *a, int final);
void app_status_timer_cb(uv_timer_t *t);
/* Trading began: the base of uptime, fills per minute and equity. */
void app_status_begin(app *a);
/* The status line of v (no newline); its length, as snprintf. */
int app_status_format(const app_status_view *v, char *buf, size_t cap);
/* Average entry (at the price's scale, rounded) and unrealized PnL of the holding
 * slots marked at `price`; 0 or SQT_ERANGE. */
int app_status_money(const sqt_grid_slot_info *hold, size_t n, sqt_dec price, sqt_dec *avg,
                     sqt_dec *upnl);
/* One buy-window level as text; its length, as snprintf. */
int app_window_line(const sqt_grid_slot_info *s, char *buf, size_t cap);
/* SIGUSR1: the status line and the buy window. */
void app_print_window(app *a);
/* At exit: a WARN when a position remains with no order of ours to close it. */
void app_warn_position_left(app *a);

/* startup.c */
void app_startup_begin(app *a);
/* The order stream came up for the first time / the first price arrived. */
void app_startup_orders_up(app *a);
void app_startup_first_price(app *a, sqt_dec price);
void app_startup_timeout_cb(uv_timer_t *t);

/* shutdown.c */
void app_stop(app *a, int code, const char *why);
void app_fatal(app *a, const sqt_error *err, int code);
void app_fatal_rc(app *a, int rc);
void app_on_signal(uv_signal_t *s, int signum);
void app_on_status_signal(uv_signal_t *s, int signum);
/* After the loop: close what a forced stop left, destroy the plugin instance unless its
 * shutdown never called back (the SDK forbids it then). */
void app_release_plugin(app *a);
void app_runfor_cb(uv_timer_t *t);

#endif
