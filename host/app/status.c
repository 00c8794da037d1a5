/* What a trader reads: one compact status line every status_print_interval (NOTICE, so
 * it shows at the default level and at WARN), the holding slots at DEBUG, the buy
 * window on SIGUSR1, the final line and a warning for a position left without orders.
 *
 * Money stays exact: average entry, unrealized PnL and equity are computed in 128-bit
 * integers at the scales of the figures, and only rounded for display. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

#define STATUS_HOLD_MAX 256        /* holding slots read for the average entry */
#define STATUS_QUOTE_DP 2          /* PnL and equity shown in cents */

typedef __int128 wide;

/* d as an integer at `scale` (>= d.scale); 0 when it does not fit. */
static int to_wide(sqt_dec d, int32_t scale, wide *out)
{
    wide v = d.mant;
    int32_t s = d.scale;
    if (s < 0 || s > scale || scale > SQT_DEC_MAX_SCALE)
        return 0;
    for (; s < scale; s++)
        v *= 10;
    *out = v;
    return 1;
}

/* v at scale `from` rounded half away from zero to scale `to` (<= from); 0 when the
 * result does not fit a sqt_dec. */
static int from_wide(wide v, int32_t from, int32_t to, sqt_dec *out)
{
    int neg = v < 0;
    wide m = neg ? -v : v;
    wide div = 1;
    int32_t s;
    for (s = from; s > to; s--)
        div *= 10;
    /* one rounding of the whole remainder (digit by digit would round twice) */
    m = m / div + (m % div * 2 >= div ? 1 : 0);
    if (m > (wide)INT64_MAX)
        return 0;
    *out = sqt_dec_make(neg ? -(int64_t)m : (int64_t)m, to < from ? to : from);
    return 1;
}

int app_status_money(const sqt_grid_slot_info *hold, size_t n, sqt_dec price, sqt_dec *avg,
                     sqt_dec *upnl)
{
    int32_t ps = price.scale, qs = 0;
    wide cost = 0, pos = 0, px;
    size_t i;
    *avg = sqt_dec_make(0, 0);
    *upnl = sqt_dec_make(0, 0);
    for (i = 0; i < n; i++) {
        if (hold[i].price.scale > ps)
            ps = hold[i].price.scale;
        if (hold[i].qty.scale > qs)
            qs = hold[i].qty.scale;
    }
    if (ps > SQT_DEC_MAX_SCALE || qs > SQT_DEC_MAX_SCALE)
        return SQT_ERANGE;
    for (i = 0; i < n; i++) {
        wide p, q;
        if (!to_wide(hold[i].price, ps, &p) || !to_wide(hold[i].qty, qs, &q))
            return SQT_ERANGE;
        cost += p * q; /* scale ps + qs */
        pos += q;
    }
    if (pos == 0)
        return SQT_OK;
    /* cost / pos is at the price's scale; twice it, then halved, rounds half away */
    {
        wide twice = cost * 2 / pos;
        if (!from_wide(twice >= 0 ? (twice + 1) / 2 : (twice - 1) / 2, ps, ps, avg))
            return SQT_ERANGE;
    }
    if (price.mant == 0)
        return SQT_OK; /* no price yet: nothing to mark against */
    if (!to_wide(price, ps, &px))
        return SQT_ERANGE;
    if (!from_wide(px * pos - cost, ps + qs, ps + qs > 8 ? 8 : ps + qs, upnl))
        return SQT_ERANGE;
    return SQT_OK;
}

/* A quote amount for display: rounded to cents. */
static const char *fmt_quote(sqt_dec d, char *buf, size_t cap)
{
    wide v;
    sqt_dec r;
    if (d.scale > STATUS_QUOTE_DP && to_wide(d, d.scale, &v) &&
        from_wide(v, d.scale, STATUS_QUOTE_DP, &r))
        d = r;
    return app_fmt_dec(d, buf, cap);
}

static void fmt_uptime(uint64_t s, char *buf, size_t cap)
{
    if (s >= 86400)
        snprintf(buf, cap, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, (s % 86400) / 3600);
    else if (s >= 3600)
        snprintf(buf, cap, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, cap, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
}

/* Equity for display: cents below 10000, whole units above (the line stays short). */
static const char *fmt_equity(sqt_dec d, char *buf, size_t cap)
{
    wide v, lim;
    sqt_dec r;
    if (to_wide(d, d.scale, &v) && to_wide(sqt_dec_make(10000, 0), d.scale, &lim) &&
        (v >= lim || v <= -lim) && from_wide(v, d.scale, 0, &r))
        return app_fmt_dec(r, buf, cap);
    return fmt_quote(d, buf, cap);
}

int app_status_format(const app_status_view *v, char *buf, size_t cap)
{
    char px[48], pos[48], avg[64], pnl[48], upnl[48], eq[48], up[32];
    int n;
    fmt_uptime(v->uptime_s, up, sizeof(up));
    if (v->position.mant != 0)
        snprintf(avg, sizeof(avg), "@%s", app_fmt_dec(v->avg_entry, px, sizeof(px)));
    else
        avg[0] = '\0';
    /* pnl: realized/unrealized, the latter always signed */
    n = snprintf(buf, cap, "%sstatus: %s pos %s%s pnl %s/%s%s eq %s %zub/%zus %.1ff/m up %s%s%s%s%s",
                 v->final ? "final " : "", app_fmt_dec(v->price, px, sizeof(px)),
                 app_fmt_dec(v->position, pos, sizeof(pos)), avg, fmt_quote(v->realized, pnl, sizeof(pnl)),
                 v->unrealized.mant >= 0 ? "+" : "", fmt_quote(v->unrealized, upnl, sizeof(upnl)),
                 v->have_equity ? fmt_equity(v->equity, eq, sizeof(eq)) : "?", v->buys, v->sells,
                 v->fills_per_min, up, v->risk_paused ? " PAUSED" : "", v->margin_locked ? " MLOCK" : "",
                 v->data_paused ? " DATA-PAUSE" : "", v->safety);
    return n < 0 ? SQT_EINVAL : n;
}

/* Called when trading begins (startup.c). When it was not, the first status line sets
 * the base: uptime from when trading began (start-up sets last_status_ms then), but the
 * equity's realized part only from that line on. */
void app_status_begin(app *a)
{
    sqt_grid_status st;
    if (a->status_begun || a->grid == NULL || sqt_grid_get_status(a->grid, &st) != 0)
        return;
    a->status_begun = 1;
    a->status_realized0 = st.realized_pnl;
    a->status_start_ms = a->last_status_ms ? a->last_status_ms : uv_now(&a->loop);
}

/* Equity: the wallet balance read at start-up, the PnL realized since, and the
 * unrealized PnL of the holdings. */
static int equity_of(const app *a, const sqt_grid_status *st, sqt_dec upnl, sqt_dec *out)
{
    int32_t s = a->acct.balance.scale;
    wide b, r, r0, u;
    if (st->realized_pnl.scale > s)
        s = st->realized_pnl.scale;
    if (a->status_realized0.scale > s)
        s = a->status_realized0.scale;
    if (upnl.scale > s)
        s = upnl.scale;
    if (a->acct.balance.mant == 0 || !to_wide(a->acct.balance, s, &b) ||
        !to_wide(st->realized_pnl, s, &r) || !to_wide(a->status_realized0, s, &r0) ||
        !to_wide(upnl, s, &u))
        return 0;
    return from_wide(b + r - r0 + u, s, s, out);
}

static void status_view(app *a, int final, sqt_grid_status *st, app_status_view *v)
{
    sqt_grid_slot_info *hold = malloc(STATUS_HOLD_MAX * sizeof(*hold));
    size_t n = 0;
    uint64_t now = uv_now(&a->loop);
    double minutes;
    memset(v, 0, sizeof(*v));
    app_status_begin(a);
    v->final = final;
    v->price = st->last_price;
    v->position = st->position;
    v->realized = st->realized_pnl;
    v->buys = st->live_buys;
    v->sells = st->live_sells;
    v->risk_paused = st->risk_paused;
    v->margin_locked = st->margin_locked;
    v->data_paused = st->data_paused;
    /* the safety counters, only when there is something to say */
    {
        size_t k = 0;
        if (st->parked > 0)
            k += (size_t)snprintf(v->safety + k, sizeof v->safety - k, " park%zu", (size_t)st->parked);
        if (st->held > 0 && k < sizeof v->safety)
            k += (size_t)snprintf(v->safety + k, sizeof v->safety - k, " hold%zu", (size_t)st->held);
        if (st->anomalies > 0 && k < sizeof v->safety)
            snprintf(v->safety + k, sizeof v->safety - k, " anom%llu", (unsigned long long)st->anomalies);
    }
    v->uptime_s = (now - a->status_start_ms) / 1000;
    minutes = (double)(now - a->last_status_ms) / 60000.0;
    v->fills_per_min = minutes > 0 ? (double)(a->fills_total - a->fills_at_last_status) / minutes : 0.0;
    if (hold != NULL)
        n = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_HOLDING, hold, STATUS_HOLD_MAX);
    if (hold != NULL && n <= STATUS_HOLD_MAX &&
        app_status_money(hold, n, st->last_price, &v->avg_entry, &v->unrealized) == SQT_OK)
        v->have_equity = equity_of(a, st, v->unrealized, &v->equity);
    free(hold);
}

void app_print_status(app *a, int final)
{
    sqt_grid_status st;
    sqt_grid_slot_info slots[12];
    app_status_view v;
    char line[400];
    size_t n, i;
    if (a->grid == NULL)
        return;
    sqt_grid_get_status(a->grid, &st);
    status_view(a, final, &st, &v);
    a->fills_at_last_status = a->fills_total;
    a->last_status_ms = uv_now(&a->loop);
    app_status_format(&v, line, sizeof(line));
    sqt_logf(a->log, SQT_LV_NOTICE, "%s", line);
    if (!sqt_log_wants(a->log, SQT_LV_DEBUG))
        return;
    n = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_HOLDING, slots, 12);
    for (i = 0; i < n && i < 12; i++) {
        char sp[48], sq[48], op[48];
        sqt_logf(a->log, SQT_LV_DEBUG, "  holding %s %s%s%s", app_fmt_dec(slots[i].price, sp, sizeof(sp)),
                 app_fmt_dec(slots[i].qty, sq, sizeof(sq)),
                 slots[i].order_state != SQT_GRID_ORD_NONE ? ", sell at " : "",
                 slots[i].order_state != SQT_GRID_ORD_NONE ? app_fmt_dec(slots[i].order_price, op, sizeof(op))
                                                            : "");
    }
    if (n > 12)
        sqt_logf(a->log, SQT_LV_DEBUG, "  ... and %zu more holding slots", n - 12);
}

static const char *order_state_name(const sqt_grid_slot_info *s)
{
    if (s->cancel_requested)
        return "cancelling";
    switch (s->order_state) {
    case SQT_GRID_ORD_PENDING:
        return "pending";
    case SQT_GRID_ORD_PLACED:
        return "placed";
    case SQT_GRID_ORD_CONFIRMED:
        return "open";
    case SQT_GRID_ORD_PARTIAL:
        return "partial";
    default:
        return "free";
    }
}

int app_window_line(const sqt_grid_slot_info *s, char *buf, size_t cap)
{
    char p[48], q[48], op[48];
    int n;
    if (s->order_state == SQT_GRID_ORD_NONE)
        n = snprintf(buf, cap, "  level %s: %s%s%s", app_fmt_dec(s->price, p, sizeof(p)),
                     s->qty.mant != 0 ? "holding " : "free", s->qty.mant != 0 ? app_fmt_dec(s->qty, q, sizeof(q)) : "",
                     "");
    else
        n = snprintf(buf, cap, "  level %s: %s %s @ %s %s%s%s", app_fmt_dec(s->price, p, sizeof(p)),
                     s->side == SQT_SIDE_BUY ? "BUY" : "SELL", order_state_name(s),
                     app_fmt_dec(s->order_price, op, sizeof(op)), s->client_id,
                     s->qty.mant != 0 ? ", holding " : "", s->qty.mant != 0 ? app_fmt_dec(s->qty, q, sizeof(q)) : "");
    return n < 0 ? SQT_EINVAL : n;
}

/* SIGUSR1: the status line and the buy window, level by level, whatever the log level
 * (the operator asked for it). */
void app_print_window(app *a)
{
    sqt_grid_slot_info *w;
    size_t n, i;
    char line[300];
    if (a->grid == NULL || a->state != ST_TRADING) {
        sqt_logf(a->log, SQT_LV_NOTICE, "buy window: not trading yet");
        return;
    }
    app_print_status(a, 0);
    n = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_WINDOW, NULL, 0);
    w = n > 0 ? calloc(n, sizeof(*w)) : NULL;
    if (w == NULL) {
        sqt_logf(a->log, SQT_LV_NOTICE, "buy window: empty");
        return;
    }
    n = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_WINDOW, w, n);
    sqt_logf(a->log, SQT_LV_NOTICE, "buy window: %zu levels, highest first", n);
    for (i = 0; i < n; i++) {
        app_window_line(&w[i], line, sizeof(line));
        sqt_logf(a->log, SQT_LV_NOTICE, "%s", line);
    }
    free(w);
}

void app_warn_position_left(app *a)
{
    sqt_grid_status st;
    char pos[48];
    if (a->grid == NULL || sqt_grid_get_status(a->grid, &st) != 0 || st.position.mant == 0)
        return;
    if (st.live_sells > 0 && !a->cfg->cancel_on_exit)
        return; /* its sells stay open on purpose */
    sqt_logf(a->log, SQT_LV_WARN,
             "a position of %s %s remains open on the exchange without orders of ours to "
             "close it",
             app_fmt_dec(st.position, pos, sizeof(pos)), a->cfg->symbol);
}

void app_status_timer_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (a->state != ST_TRADING)
        return;
    app_print_status(a, 0);
    /* the last price reaches the journal even when nothing traded (report's unrealized) */
    app_journal_sync(a);
}

void app_on_status_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    app_print_window(s->data);
}
