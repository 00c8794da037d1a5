/* The running app's metrics (metrics.listen): what the bot counts, what a scrape of
 * /metrics shows and when /healthz says healthy. The server and the text writer are
 * metrics.c; this file is the product side.
 *
 * The counting functions take the app_metrics (NULL: metrics off, they do nothing) and
 * are called from the few places the facts pass: engine events (trade.c's drain),
 * stream state changes (streams.c), a price handed to the engine and a place handed to
 * the plugin (tick-to-order), the journal's transactions. Time comes in as an argument
 * (uv_hrtime() nanoseconds) so they are testable without a loop. */
#ifndef SQT_APP_APPMETRICS_H
#define SQT_APP_APPMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/executor.h"
#include "core/grid.h"
#include "metrics.h"

typedef struct app app;

/* Why a placement was refused: the label class="..." of opensqt_orders_rejected_total. */
enum {
    APP_M_REJ_POST_ONLY,
    APP_M_REJ_MARGIN,
    APP_M_REJ_RULES,
    APP_M_REJ_RATE_LIMITED,
    APP_M_REJ_AUTH,
    APP_M_REJ_OTHER,
    APP_M_REJ_N
};

enum { APP_M_STREAM_ORDERS, APP_M_STREAM_PRICE, APP_M_STREAM_N };

#define APP_M_STAMPS 128       /* placements waiting for their tick-to-order time */

typedef struct app_metrics {
    sqt_metrics server;
    app *owner;
    int closing;
    uint64_t started_ns;

    /* from engine events */
    uint64_t placed, filled, cancelled, fills;
    uint64_t rejected[APP_M_REJ_N];

    /* streams: the last state reported, DOWN/RESYNC -> UP transitions */
    int stream_state[APP_M_STREAM_N];
    uint64_t reconnects[APP_M_STREAM_N];

    sqt_histogram tick_to_order;   /* seconds */
    sqt_histogram journal_write;   /* seconds */

    /* tick-to-order: the price's time while the engine acts on it, then per placement */
    int in_tick;
    uint64_t tick_ns;
    struct {
        char client_id[SQT_CLIENT_ID_MAX];
        uint64_t t0;
    } stamps[APP_M_STAMPS];
    size_t next_stamp;
    size_t live_stamps;            /* stamps with a client id (the rest are free) */
} app_metrics;

/* Everything a scrape shows besides the counters above, read from the app at once. */
typedef struct app_metrics_view {
    const char *exchange, *version, *symbol;
    const char *state;             /* "starting", "trading", "stopping" */
    const char *step;              /* start-up step name (last one once trading) */
    int step_no;                   /* 1-based */
    int orders_up, price_up;
    int data_paused;
    double uptime_s;
    int have_grid;
    sqt_grid_status grid;
    int have_exec;
    sqt_executor_stats exec;
    uint64_t warm_passes;          /* system.keep_warm_ms passes run */
} app_metrics_view;

/* ---- counting (m may be NULL) ----------------------------------------------------- */

void app_metrics_init(app_metrics *m, uint64_t now_ns);
const char *app_metrics_reject_class(int err_code);
void app_metrics_count_event(app_metrics *m, const sqt_grid_event *e);
void app_metrics_stream(app_metrics *m, int stream, int state);
/* A price handed to the engine: placements queued until tick_end are timed from now. */
void app_metrics_tick_begin(app_metrics *m, uint64_t now_ns);
void app_metrics_tick_end(app_metrics *m);
/* A placement handed to the executor. */
void app_metrics_place_queued(app_metrics *m, const char *client_id);
/* The executor hands placements to the plugin (sqt_executor_send_cb shape). */
void app_metrics_places_sent(app_metrics *m, const sqt_order_req *reqs, size_t n,
                             uint64_t now_ns);
void app_metrics_journal_write(app_metrics *m, uint64_t ns);

/* ---- reading ---------------------------------------------------------------------- */

/* The whole exposition. */
void app_metrics_render(const app_metrics *m, const app_metrics_view *v, sqt_mbuf *b);
/* 1 healthy (trading, both streams up); 0 with the reason in why. */
int app_metrics_health(const app_metrics_view *v, char *why, size_t cap);

/* ---- the app's side ---------------------------------------------------------------- */

/* With cfg->metrics_listen: start the server and log "metrics on http://HOST:PORT".
 * 0 (also when off), or the exit code: 2 for a bad address, 1 when it cannot listen. */
int app_metrics_start(app *a);
/* Close the server (shutdown, after the plugin); a->metrics is freed and NULL once its
 * handles are closed. */
void app_metrics_close(app *a);
void app_metrics_view_of(const app *a, app_metrics_view *v);
/* The executor's placements go through the tick-to-order clock. */
void app_metrics_attach_executor(app *a);

#endif
