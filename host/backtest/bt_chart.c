/* The backtest chart: one self-contained HTML page, three inline SVG panels sharing a
 * time axis: price (each column's low-high band and last price, the grid levels when
 * they are few enough to read, buy and sell fills), position, equity. Coordinates are
 * display values (doubles, one decimal), computed from the exact series; the page has
 * no script and loads nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bt_internal.h"

#define W 1200.0
#define LEFT 90.0
#define RIGHT 20.0
#define MAX_GRID_LINES 120
#define MAX_FILL_MARKS 4000

typedef struct panel {
    double top, h;
    double vmin, vmax;
} panel;

typedef struct xaxis {
    int64_t t0, t1;
} xaxis;

static double xpos(const xaxis *x, int64_t t)
{
    double span = (double)(x->t1 - x->t0);
    if (span <= 0)
        span = 1;
    return LEFT + (W - LEFT - RIGHT) * (double)(t - x->t0) / span;
}

static double ypos(const panel *p, double v)
{
    double span = p->vmax - p->vmin;
    if (span <= 0)
        span = 1;
    return p->top + p->h - p->h * (v - p->vmin) / span;
}

static double dec_d(sqt_dec d)
{
    double v = (double)d.mant;
    int32_t i;
    for (i = 0; i < d.scale; i++)
        v /= 10.0;
    return v;
}

static void frame(FILE *f, const panel *p, const char *title, const char *lo, const char *hi)
{
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"fr\"/>\n", LEFT,
            p->top, W - LEFT - RIGHT, p->h);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tt\">%s</text>\n", LEFT + 4, p->top + 14, title);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%s</text>\n", LEFT - 4,
            p->top + 10, hi);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%s</text>\n", LEFT - 4,
            p->top + p->h, lo);
}

enum { S_PRICE, S_POS, S_EQUITY };

/* One line through the columns' ends: the last price, the position or the equity. */
static void series(FILE *f, const sqt_bt_chart_view *v, const xaxis *x, const panel *p, size_t last,
                   int which, double unit, const char *cls)
{
    size_t i;
    int any = 0;
    fprintf(f, "<path class=\"%s\" d=\"", cls);
    for (i = 0; i <= last; i++) {
        const sqt_bt_col *c = &v->cols[i];
        int64_t val = which == S_PRICE ? c->last : which == S_POS ? c->pos : c->equity;
        if (!c->used)
            continue;
        fprintf(f, "%s%.1f %.1f", any ? " L" : "M", xpos(x, v->t0 + (int64_t)(i + 1) * v->width_ms),
                ypos(p, (double)val * unit));
        any = 1;
    }
    fprintf(f, "\"/>\n");
}

/* Text into HTML: the title comes from the config (a symbol, but any text loads). */
static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void fmt_num(double v, int decimals, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*f", decimals, v);
}

int sqt_bt_chart_write(const sqt_bt *bt, FILE *f, const char *title)
{
    sqt_bt_chart_view v;
    const sqt_bt_summary *s;
    xaxis x;
    panel pp, pq, pe;
    double tick, step, pmin = 0, pmax = 0, qmin = 0, qmax = 0, emin = 0, emax = 0;
    size_t i, last = 0, every;
    int any = 0, pd;
    char a[64], b[64], t0[32], t1[32];
    if (sqt_bt_chart_view_get(bt, &v) != 0)
        return -1;
    s = &v.summary;
    tick = dec_d(v.tick);
    step = dec_d(v.step);
    pd = v.tick.scale;
    for (i = 0; i < v.ncols; i++) {
        const sqt_bt_col *c = &v.cols[i];
        double lo = (double)c->lo * tick, hi = (double)c->hi * tick, q = (double)c->pos * step,
               e = (double)c->equity / 1e8;
        if (!c->used)
            continue;
        if (!any || lo < pmin)
            pmin = lo;
        if (!any || hi > pmax)
            pmax = hi;
        if (!any || q < qmin)
            qmin = q;
        if (!any || q > qmax)
            qmax = q;
        if (!any || e < emin)
            emin = e;
        if (!any || e > emax)
            emax = e;
        any = 1;
        last = i;
    }
    if (qmin > 0)
        qmin = 0;
    if (qmax < 0)
        qmax = 0;
    if (pmax - pmin < tick)
        pmax = pmin + tick;
    x.t0 = v.t0;
    x.t1 = v.t0 + (int64_t)(last + 1) * v.width_ms;
    pp.top = 40;
    pp.h = 420;
    pp.vmin = pmin - (pmax - pmin) * 0.02;
    pp.vmax = pmax + (pmax - pmin) * 0.02;
    pq.top = pp.top + pp.h + 30;
    pq.h = 140;
    pq.vmin = qmin;
    pq.vmax = qmax > qmin ? qmax : qmin + step;
    pe.top = pq.top + pq.h + 30;
    pe.h = 160;
    pe.vmin = emin;
    pe.vmax = emax > emin ? emax : emin + 1;

    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    put_text(f, title);
    fprintf(f, "</title>\n"
               "<style>body{font-family:sans-serif;margin:16px;color:#222}"
               ".fr{fill:#fcfcfc;stroke:#999}.tt{font-size:13px;font-weight:bold}"
               ".ax{font-size:11px;fill:#555}.band{fill:#9ab;stroke:none;opacity:.5}"
               ".px{fill:none;stroke:#246;stroke-width:1}.gl{stroke:#c9c9c9;stroke-width:.6}"
               ".buy{fill:#1a8f2a}.sell{fill:#c62828}.pos{fill:none;stroke:#7b3fa0;stroke-width:1.2}"
               ".eq{fill:none;stroke:#b26a00;stroke-width:1.2}.zero{stroke:#888;stroke-dasharray:3 3}"
               "table{border-collapse:collapse;font-size:13px}td{padding:1px 10px 1px 0}</style>\n"
               "</head><body>\n<h2>");
    put_text(f, title);
    fprintf(f, " backtest</h2>\n");
    sqt_bt_time_text(s->first_ms, t0, sizeof(t0));
    sqt_bt_time_text(s->last_ms, t1, sizeof(t1));
    fprintf(f, "<table>\n<tr><td>period</td><td>%s .. %s, %" PRIu64 " trades</td></tr>\n", t0, t1,
            s->trades);
    sqt_dec_format(s->net_pnl, a, sizeof(a));
    sqt_dec_format(s->realized_pnl, b, sizeof(b));
    fprintf(f, "<tr><td>net PnL</td><td>%s (realized %s, fees included)</td></tr>\n", a, b);
    sqt_dec_format(s->max_drawdown, a, sizeof(a));
    sqt_dec_format(s->max_drawdown_pct, b, sizeof(b));
    fprintf(f, "<tr><td>max drawdown</td><td>%s (%s%%)</td></tr>\n", a, b);
    fprintf(f, "<tr><td>round trips</td><td>%" PRIu64 ", %" PRIu64 " fills</td></tr>\n</table>\n",
            s->round_trips, s->fills);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\">\n",
            W, pe.top + pe.h + 40, W, pe.top + pe.h + 40);

    /* price */
    fmt_num(pp.vmin, pd, a, sizeof(a));
    fmt_num(pp.vmax, pd, b, sizeof(b));
    frame(f, &pp, "price, grid levels, fills (green buy, red sell)", a, b);
    if (v.interval_ticks > 0) {
        double it = (double)v.interval_ticks * tick, an = (double)v.anchor_ticks * tick;
        double k0 = (pp.vmin - an) / it, k1 = (pp.vmax - an) / it;
        if (k1 - k0 <= MAX_GRID_LINES) {
            long k;
            for (k = (long)k0 - 1; k <= (long)k1 + 1; k++) {
                double y, pv = an + (double)k * it;
                if (pv < pp.vmin || pv > pp.vmax)
                    continue;
                y = ypos(&pp, pv);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"gl\"/>\n",
                        LEFT, y, W - RIGHT, y);
            }
        }
    }
    /* the band: highs left to right, lows back */
    fprintf(f, "<path class=\"band\" d=\"");
    any = 0;
    for (i = 0; i <= last; i++) {
        const sqt_bt_col *c = &v.cols[i];
        if (!c->used)
            continue;
        fprintf(f, "%s%.1f %.1f", any ? " L" : "M", xpos(&x, v.t0 + (int64_t)i * v.width_ms),
                ypos(&pp, (double)c->hi * tick));
        any = 1;
    }
    for (i = last + 1; i-- > 0;) {
        const sqt_bt_col *c = &v.cols[i];
        if (!c->used)
            continue;
        fprintf(f, " L%.1f %.1f", xpos(&x, v.t0 + (int64_t)i * v.width_ms),
                ypos(&pp, (double)c->lo * tick));
    }
    fprintf(f, " Z\"/>\n");
    series(f, &v, &x, &pp, last, S_PRICE, tick, "px");
    every = v.nfills > MAX_FILL_MARKS ? (v.nfills + MAX_FILL_MARKS - 1) / MAX_FILL_MARKS : 1;
    for (i = 0; i < v.nfills; i += every) {
        const sqt_bt_fillpt *p = &v.fills[i];
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"%s\"/>\n", xpos(&x, p->t),
                ypos(&pp, (double)p->ticks * tick), p->buy ? "buy" : "sell");
    }
    if (every > 1)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\">every %zuth of %zu fills shown</text>\n",
                LEFT + 4, pp.top + 28, every, v.nfills);

    /* position */
    fmt_num(pq.vmin, v.step.scale, a, sizeof(a));
    fmt_num(pq.vmax, v.step.scale, b, sizeof(b));
    frame(f, &pq, "position (base coin)", a, b);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"zero\"/>\n", LEFT,
            ypos(&pq, 0), W - RIGHT, ypos(&pq, 0));
    series(f, &v, &x, &pq, last, S_POS, step, "pos");

    /* equity */
    fmt_num(pe.vmin, 2, a, sizeof(a));
    fmt_num(pe.vmax, 2, b, sizeof(b));
    frame(f, &pe, "equity (wallet + position at market, quote)", a, b);
    series(f, &v, &x, &pe, last, S_EQUITY, 1e-8, "eq");
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\">%s</text>\n", LEFT, pe.top + pe.h + 16, t0);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%s</text>\n", W - RIGHT,
            pe.top + pe.h + 16, t1);
    fprintf(f, "</svg>\n</body></html>\n");
    return ferror(f) ? -1 : 0;
}
