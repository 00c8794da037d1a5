/* The app's metrics: counting, the exposition and the health rule (appmetrics.h). */
#include "appmetrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

#define M(name) "opensqt_" name

/* 10 us .. 1 s: the tick-to-order path is tens of microseconds when nothing waits, a
 * token-bucket wait is milliseconds, a pause is seconds (+Inf). */
static const double LATENCY_LE[] = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
                                    0.001,   0.0025,   0.005,   0.01,   0.025,   0.05,
                                    0.1,     0.25,     0.5,     1.0};
#define N_LE (sizeof LATENCY_LE / sizeof LATENCY_LE[0])

static const char *const REJ_CLASS[APP_M_REJ_N] = {"post_only",    "margin", "rules",
                                                   "rate_limited", "auth",   "other"};
static const char *const STREAM_NAME[APP_M_STREAM_N] = {"orders", "price"};

/* ---- counting --------------------------------------------------------------------- */

void app_metrics_init(app_metrics *m, uint64_t now_ns)
{
    memset(m, 0, sizeof(*m));
    m->started_ns = now_ns;
    sqt_histogram_init(&m->tick_to_order, LATENCY_LE, N_LE);
    sqt_histogram_init(&m->journal_write, LATENCY_LE, N_LE);
}

static int reject_index(int code)
{
    switch (code) {
    case SQT_EPOST_ONLY: return APP_M_REJ_POST_ONLY;
    case SQT_EMARGIN: return APP_M_REJ_MARGIN;
    case SQT_ERULES: return APP_M_REJ_RULES;
    case SQT_ERATE_LIMITED:
    case SQT_EBANNED: return APP_M_REJ_RATE_LIMITED;
    case SQT_EAUTH:
    case SQT_ETIMESTAMP: return APP_M_REJ_AUTH;
    default: return APP_M_REJ_OTHER;
    }
}

const char *app_metrics_reject_class(int err_code)
{
    return REJ_CLASS[reject_index(err_code)];
}

void app_metrics_count_event(app_metrics *m, const sqt_grid_event *e)
{
    if (m == NULL || e == NULL)
        return;
    switch (e->kind) {
    case SQT_GRID_EV_PLACED: m->placed++; break;
    case SQT_GRID_EV_PARTIAL: m->fills++; break;
    case SQT_GRID_EV_FILLED:
        m->fills++;
        m->filled++;
        break;
    case SQT_GRID_EV_CANCELLED: m->cancelled++; break;
    case SQT_GRID_EV_REJECTED: m->rejected[reject_index(e->err_code)]++; break;
    default: break;
    }
}

void app_metrics_stream(app_metrics *m, int stream, int state)
{
    int prev;
    if (m == NULL || stream < 0 || stream >= APP_M_STREAM_N)
        return;
    prev = m->stream_state[stream];
    if (state == SQT_STREAM_UP && (prev == SQT_STREAM_DOWN || prev == SQT_STREAM_RESYNC))
        m->reconnects[stream]++;
    m->stream_state[stream] = state;
}

SQT_HOT void app_metrics_tick_begin(app_metrics *m, uint64_t now_ns)
{
    if (m == NULL)
        return;
    m->in_tick = 1;
    m->tick_ns = now_ns;
}

void app_metrics_tick_end(app_metrics *m)
{
    if (m != NULL)
        m->in_tick = 0;
}

/* Only placements the price caused are timed; a sell after a fill or a retry is not a
 * tick-to-order path. The ring forgets the oldest when placements never go out. */
SQT_HOT void app_metrics_place_queued(app_metrics *m, const char *client_id)
{
    size_t i;
    if (m == NULL || !m->in_tick || client_id == NULL || client_id[0] == '\0')
        return;
    i = m->next_stamp++ % APP_M_STAMPS;
    if (m->stamps[i].client_id[0] == '\0')
        m->live_stamps++; /* else the ring forgets the oldest: as many live as before */
    snprintf(m->stamps[i].client_id, sizeof m->stamps[i].client_id, "%s", client_id);
    m->stamps[i].t0 = m->tick_ns;
}

void app_metrics_places_sent(app_metrics *m, const sqt_order_req *reqs, size_t n,
                             uint64_t now_ns)
{
    size_t i, k, seen, j;
    if (m == NULL || reqs == NULL)
        return;
    /* This runs as the batch is handed to the plugin, before its request is written:
     * the newest stamps first, and no further than the live ones (none for a sell
     * after a fill), instead of a walk of the whole ring (9 KB, cold) per batch. */
    for (i = 0; i < n && m->live_stamps > 0; i++) {
        for (k = 1, seen = 0; k <= APP_M_STAMPS && seen < m->live_stamps; k++) {
            j = (m->next_stamp - k) % APP_M_STAMPS;
            if (m->stamps[j].client_id[0] == '\0')
                continue;
            seen++;
            if (strcmp(m->stamps[j].client_id, reqs[i].client_id) != 0)
                continue;
            if (now_ns >= m->stamps[j].t0)
                sqt_histogram_observe(&m->tick_to_order,
                                      (double)(now_ns - m->stamps[j].t0) / 1e9);
            m->stamps[j].client_id[0] = '\0';
            m->live_stamps--;
            break;
        }
    }
}

void app_metrics_journal_write(app_metrics *m, uint64_t ns)
{
    if (m != NULL)
        sqt_histogram_observe(&m->journal_write, (double)ns / 1e9);
}

/* ---- the exposition --------------------------------------------------------------- */

static void labelled_family(sqt_mbuf *b, const char *name, const char *type, const char *help,
                            const char *label, const char *const *values, const uint64_t *v,
                            size_t n)
{
    size_t i;
    sqt_metrics_family(b, name, type, help);
    for (i = 0; i < n; i++) {
        sqt_metric_label l = {label, values[i]};
        sqt_metrics_sample_i64(b, name, &l, 1, (int64_t)v[i]);
    }
}

static void render_info(sqt_mbuf *b, const app_metrics_view *v)
{
    static const char *const states[] = {"starting", "trading", "stopping"};
    sqt_metric_label info[3] = {{"exchange", v->exchange ? v->exchange : ""},
                                {"version", v->version ? v->version : ""},
                                {"symbol", v->symbol ? v->symbol : ""}};
    sqt_metric_label step = {"step", v->step ? v->step : ""};
    size_t i;
    sqt_metrics_family(b, M("info"), "gauge", "Always 1: the exchange plugin, its version and the symbol traded.");
    sqt_metrics_sample_i64(b, M("info"), info, 3, 1);
    sqt_metrics_family(b, M("state"), "gauge",
                       "1 for the state the bot is in (starting, trading, stopping), 0 for the others.");
    for (i = 0; i < 3; i++) {
        sqt_metric_label l = {"state", states[i]};
        sqt_metrics_sample_i64(b, M("state"), &l, 1,
                               v->state != NULL && strcmp(v->state, states[i]) == 0);
    }
    sqt_metrics_family(b, M("startup_step"), "gauge",
                       "The start-up step reached (1-based; the last one, trade, once trading), named in the label.");
    sqt_metrics_sample_i64(b, M("startup_step"), &step, 1, v->step_no);
    sqt_metrics_family(b, M("uptime_seconds"), "gauge", "Seconds since the process started the app.");
    sqt_metrics_sample_f64(b, M("uptime_seconds"), NULL, 0, v->uptime_s);
}

static void render_orders(sqt_mbuf *b, const app_metrics *m)
{
    sqt_metrics_counter(b, M("orders_placed_total"), "Placements the engine sent (buys and sells).",
                        (int64_t)m->placed);
    sqt_metrics_counter(b, M("orders_filled_total"), "Orders filled completely.", (int64_t)m->filled);
    sqt_metrics_counter(b, M("orders_cancelled_total"),
                        "Orders that ended cancelled or expired on the exchange.", (int64_t)m->cancelled);
    labelled_family(b, M("orders_rejected_total"), "counter",
                    "Placements the exchange refused, by error class.", "class", REJ_CLASS,
                    m->rejected, APP_M_REJ_N);
    sqt_metrics_counter(b, M("fills_total"), "Fills booked (partial and final).", (int64_t)m->fills);
}

static void render_book(sqt_mbuf *b, const app_metrics_view *v)
{
    sqt_grid_status z;
    const sqt_grid_status *g = &v->grid;
    sqt_metric_label buy = {"side", "buy"}, sell = {"side", "sell"};
    if (!v->have_grid) { /* before the grid exists: zeros, so every series is there */
        memset(&z, 0, sizeof z);
        g = &z;
    }
    sqt_metrics_counter(b, M("round_trips_total"),
                        "Round trips completed by this book (continues from the journal).",
                        (int64_t)g->round_trips);
    sqt_metrics_gauge_dec(b, M("realized_pnl"),
                          "Realized PnL of completed round trips, fees included, in the quote asset (continues from the journal).",
                          g->realized_pnl);
    sqt_metrics_gauge_dec(b, M("fees_paid"), "Fees paid in the quote asset (continues from the journal).",
                          g->fees_paid);
    sqt_metrics_gauge_dec(b, M("position"), "Position the engine holds, in the base asset.", g->position);
    sqt_metrics_gauge_dec(b, M("price"), "Last market price the engine acted on (0 before the first).",
                          g->last_price);
    sqt_metrics_gauge_i64(b, M("holding_slots"), "Grid slots holding inventory.",
                          (int64_t)g->holding_slots);
    sqt_metrics_family(b, M("live_orders"), "gauge", "Own orders live or in flight, by side.");
    sqt_metrics_sample_i64(b, M("live_orders"), &buy, 1, (int64_t)g->live_buys);
    sqt_metrics_sample_i64(b, M("live_orders"), &sell, 1, (int64_t)g->live_sells);
    sqt_metrics_gauge_i64(b, M("risk_paused"), "1 while the risk monitor pauses new buys.", g->risk_paused != 0);
    sqt_metrics_gauge_i64(b, M("margin_locked"), "1 while buys wait out a margin refusal.", g->margin_locked != 0);
}

static void render_latency(sqt_mbuf *b, const app_metrics *m)
{
    sqt_metrics_family(b, M("tick_to_order_seconds"), "histogram",
                       "From the price monitor handing a price to the engine to the executor handing the placement it caused to the plugin.");
    sqt_metrics_histogram(b, M("tick_to_order_seconds"), NULL, 0, &m->tick_to_order);
    sqt_metrics_family(b, M("journal_write_seconds"), "histogram",
                       "One state-journal transaction (begin to commit), written before the turn's requests leave.");
    sqt_metrics_histogram(b, M("journal_write_seconds"), NULL, 0, &m->journal_write);
}

static void render_streams(sqt_mbuf *b, const app_metrics *m, const app_metrics_view *v)
{
    uint64_t up[APP_M_STREAM_N];
    up[APP_M_STREAM_ORDERS] = v->orders_up != 0;
    up[APP_M_STREAM_PRICE] = v->price_up != 0;
    labelled_family(b, M("stream_up"), "gauge", "1 while the stream is up.", "stream", STREAM_NAME,
                    up, APP_M_STREAM_N);
    labelled_family(b, M("ws_reconnects_total"), "counter",
                    "Stream reconnects (down to up again) since start.", "stream", STREAM_NAME,
                    m->reconnects, APP_M_STREAM_N);
    sqt_metrics_gauge_i64(b, M("data_paused"),
                          "1 while new orders pause: market data stale or the order stream down.",
                          v->data_paused != 0);
}

static void render_executor(sqt_mbuf *b, const app_metrics_view *v)
{
    sqt_executor_stats z;
    const sqt_executor_stats *x = &v->exec;
    if (!v->have_exec) {
        memset(&z, 0, sizeof z);
        x = &z;
    }
    sqt_metrics_counter(b, M("requests_total"), "Order requests sent to the exchange (a batch is one).",
                        (int64_t)x->requests);
    sqt_metrics_counter(b, M("rate_limited_total"), "Answers that said: rate limited.",
                        (int64_t)x->rate_limited);
    sqt_metrics_counter(b, M("rate_limit_pauses_total"),
                        "Pauses of every request begun by a rate-limit answer.", (int64_t)x->rate_pauses);
    sqt_metrics_counter(b, M("bans_total"), "Bans by the exchange begun.", (int64_t)x->bans);
    sqt_metrics_gauge_i64(b, M("executor_queue_depth"), "Commands waiting in the executor.",
                          (int64_t)x->queued);
    sqt_metrics_gauge_i64(b, M("executor_inflight"), "Requests in flight.", (int64_t)x->inflight);
    sqt_metrics_counter(b, M("keep_warm_passes_total"),
                        "Dry runs of the fill path (system.keep_warm_ms); none sends anything.",
                        (int64_t)v->warm_passes);
}

void app_metrics_render(const app_metrics *m, const app_metrics_view *v, sqt_mbuf *b)
{
    render_info(b, v);
    render_orders(b, m);
    render_book(b, v);
    render_latency(b, m);
    render_streams(b, m, v);
    render_executor(b, v);
}

int app_metrics_health(const app_metrics_view *v, char *why, size_t cap)
{
    if (v->state == NULL || strcmp(v->state, "trading") != 0) {
        if (v->state != NULL && strcmp(v->state, "starting") == 0)
            snprintf(why, cap, "starting: step %d (%s)", v->step_no, v->step ? v->step : "?");
        else
            snprintf(why, cap, "%s", v->state ? v->state : "not running");
        return 0;
    }
    if (!v->orders_up || !v->price_up) {
        snprintf(why, cap, "%s%s%s", !v->orders_up ? "order stream down" : "",
                 !v->orders_up && !v->price_up ? ", " : "", !v->price_up ? "price stream down" : "");
        return 0;
    }
    return 1;
}

/* ---- the app's side ---------------------------------------------------------------- */

void app_metrics_view_of(const app *a, app_metrics_view *v)
{
    memset(v, 0, sizeof(*v));
    v->exchange = a->plugin->desc->name;
    v->version = a->plugin->desc->version;
    v->symbol = a->cfg->symbol;
    v->state = a->state == ST_STARTING ? "starting" : a->state == ST_TRADING ? "trading" : "stopping";
    v->step = a->step;
    v->step_no = a->step_no + 1;
    v->orders_up = a->orders_up;
    v->price_up = a->price_up;
    v->data_paused = a->data_paused;
    if (a->metrics != NULL)
        v->uptime_s = (double)(uv_hrtime() - a->metrics->started_ns) / 1e9;
    if (a->grid != NULL && sqt_grid_get_status(a->grid, &v->grid) == 0)
        v->have_grid = 1;
    if (a->exec != NULL) {
        sqt_executor_stats_get(a->exec, &v->exec);
        v->have_exec = 1;
    }
    v->warm_passes = a->warm_passes;
}

static void render_cb(void *ud, sqt_mbuf *b)
{
    app *a = ud;
    app_metrics_view v;
    app_metrics_view_of(a, &v);
    app_metrics_render(a->metrics, &v, b);
}

static int health_cb(void *ud, char *why, size_t cap)
{
    app_metrics_view v;
    app_metrics_view_of(ud, &v);
    return app_metrics_health(&v, why, cap);
}

static void server_closed(sqt_metrics *s)
{
    app_metrics *m = s->data;
    m->owner->metrics = NULL;
    free(m);
}

int app_metrics_start(app *a)
{
    const sqt_config *c = a->cfg;
    sqt_metrics_opts o;
    app_metrics *m;
    char err[320];
    int rc;
    if (c->metrics_listen == NULL || c->metrics_listen[0] == '\0')
        return 0;
    m = malloc(sizeof(*m));
    if (m == NULL)
        return 1;
    app_metrics_init(m, uv_hrtime());
    m->owner = a;
    memset(&o, 0, sizeof(o));
    o.host = c->metrics_host;
    o.port = c->metrics_port;
    o.allow_non_loopback = c->metrics_allow_non_loopback;
    o.render = render_cb;
    o.health = health_cb;
    o.ud = a;
    rc = sqt_metrics_init(&m->server, &a->loop, &o);
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "metrics: cannot serve %s: %s", c->metrics_listen,
                 sqt_strerror(rc));
        free(m);
        return rc == SQT_EINVAL ? APP_EXIT_USAGE : 1;
    }
    m->server.data = m;
    a->metrics = m;
    rc = sqt_metrics_start(&m->server, err, sizeof err);
    if (rc != 0) {
        sqt_logf(a->log, SQT_LV_ERROR, "%s", err);
        app_metrics_close(a); /* the handle is open: closed with the loop's others */
        return rc == SQT_EINVAL ? APP_EXIT_USAGE : 1;
    }
    /* tests and scripts with port 0 read the port the kernel chose from this line */
    snprintf(err, sizeof err, strchr(c->metrics_host, ':') != NULL ? "[%s]" : "%s", c->metrics_host);
    sqt_log_note(a->log, "metrics on http://%s:%d", err, sqt_metrics_port(&m->server));
    return 0;
}

void app_metrics_close(app *a)
{
    app_metrics *m = a->metrics;
    if (m == NULL || m->closing)
        return;
    m->closing = 1;
    sqt_metrics_close(&m->server, server_closed);
}

static void places_sent(void *ud, const sqt_order_req *reqs, size_t n)
{
    app_metrics_places_sent(ud, reqs, n, uv_hrtime());
}

void app_metrics_attach_executor(app *a)
{
    if (a->metrics != NULL && a->exec != NULL)
        sqt_executor_on_send(a->exec, places_sent, a->metrics);
}
