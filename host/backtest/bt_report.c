/* Backtest output: the summary as text or JSON, and the HTML/SVG chart. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backtest.h"
#include "bt_internal.h"

static const char *dec(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

void sqt_bt_time_text(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, cap, "%" PRId64, ms);
        return;
    }
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void span_text(int64_t ms, char *buf, size_t cap)
{
    int64_t s = ms / 1000;
    snprintf(buf, cap, "%" PRId64 "d %02" PRId64 "h %02" PRId64 "m %02" PRId64 "s", s / 86400,
             s / 3600 % 24, s / 60 % 60, s % 60);
}

void sqt_bt_summary_print(const sqt_bt_summary *s, FILE *f)
{
    char a[48], b[48], c[48], d[48], t0[32], t1[32], span[48];
    sqt_bt_time_text(s->first_ms, t0, sizeof(t0));
    sqt_bt_time_text(s->last_ms, t1, sizeof(t1));
    span_text(s->last_ms - s->first_ms, span, sizeof(span));
    fprintf(f, "backtest %s on %s (simulated), %s .. %s (%s), %" PRIu64 " trades\n", s->symbol,
            s->exchange, t0, t1, span, s->trades);
    fprintf(f, "  price          first %s, last %s, low %s, high %s\n", dec(s->first_price, a, 48),
            dec(s->last_price, b, 48), dec(s->low_price, c, 48), dec(s->high_price, d, 48));
    fprintf(f, "  grid           anchor %s, interval %s\n", dec(s->anchor, a, 48),
            dec(s->interval, b, 48));
    fprintf(f, "  pnl            net %s = realized %s + unrealized %s (fees included)\n",
            dec(s->net_pnl, a, 48), dec(s->realized_pnl, b, 48), dec(s->unrealized_pnl, c, 48));
    fprintf(f, "  fees           %s on a volume of %s\n", dec(s->fees, a, 48), dec(s->volume, b, 48));
    fprintf(f, "  equity         start %s, end %s, max drawdown %s (%s%%)\n", dec(s->balance, a, 48),
            dec(s->equity, b, 48), dec(s->max_drawdown, c, 48), dec(s->max_drawdown_pct, d, 48));
    fprintf(f, "  round trips    %" PRIu64 "; fills %" PRIu64 " (%" PRIu64 " buy, %" PRIu64 " sell)\n",
            s->round_trips, s->fills, s->buy_fills, s->sell_fills);
    fprintf(f, "  inventory      end %s, max %s (worth %s)\n", dec(s->position, a, 48),
            dec(s->max_inventory, b, 48), dec(s->max_inventory_value, c, 48));
    fprintf(f, "  margin         max used %s\n", dec(s->max_margin_used, a, 48));
    span_text(s->risk_pause_ms, span, sizeof(span));
    fprintf(f, "  risk pause     %" PRIu64 " times, %s in total\n", s->risk_pauses, span);
    fprintf(f,
            "  orders         %" PRIu64 " placed by the engine, %" PRIu64 " rejected, %" PRIu64
            " post-only rejects (%" PRIu64 " slots degraded), %" PRIu64 " margin locks\n",
            s->orders_placed, s->rejects, s->post_only_rejects, s->post_only_degrades,
            s->margin_locks);
    fprintf(f,
            "  request rate   %" PRIu64 " requests (%" PRIu64 " orders), %.2f/min on average, at "
            "most %" PRIu64 " requests and %" PRIu64 " orders in one minute\n",
            s->requests, s->orders_sent, s->requests_per_min_avg, s->requests_per_min_max,
            s->orders_per_min_max);
    fprintf(f, "  rate limits    token bucket %d requests/min", s->token_bucket_per_min);
    if (s->orders_per_min_limit > 0) {
        uint64_t pm = s->orders_per_min_max * 1000 / (uint64_t)s->orders_per_min_limit;
        fprintf(f, ", %s %d orders/min: the busiest minute used %" PRIu64 ".%" PRIu64 "%% of it%s",
                s->exchange, s->orders_per_min_limit, pm / 10, pm % 10,
                s->orders_per_min_max > (uint64_t)s->orders_per_min_limit ? " (EXCEEDED)" : "");
    }
    fprintf(f, "\n");
}

static void jdec(json_t *o, const char *k, sqt_dec d)
{
    char buf[48];
    json_object_set_new(o, k, json_string(dec(d, buf, sizeof(buf))));
}

static void jint(json_t *o, const char *k, uint64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

json_t *sqt_bt_summary_to_json(const sqt_bt_summary *s)
{
    json_t *o = json_object();
    char t[32];
    char avg[32];
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "exchange", json_string(s->exchange));
    json_object_set_new(o, "symbol", json_string(s->symbol));
    jint(o, "trades", s->trades);
    json_object_set_new(o, "first_ms", json_integer(s->first_ms));
    json_object_set_new(o, "last_ms", json_integer(s->last_ms));
    sqt_bt_time_text(s->first_ms, t, sizeof(t));
    json_object_set_new(o, "from", json_string(t));
    sqt_bt_time_text(s->last_ms, t, sizeof(t));
    json_object_set_new(o, "to", json_string(t));
    jdec(o, "first_price", s->first_price);
    jdec(o, "last_price", s->last_price);
    jdec(o, "low_price", s->low_price);
    jdec(o, "high_price", s->high_price);
    jdec(o, "anchor", s->anchor);
    jdec(o, "interval", s->interval);
    jdec(o, "balance", s->balance);
    jdec(o, "equity", s->equity);
    jdec(o, "net_pnl", s->net_pnl);
    jdec(o, "realized_pnl", s->realized_pnl);
    jdec(o, "unrealized_pnl", s->unrealized_pnl);
    jdec(o, "fees", s->fees);
    jdec(o, "volume", s->volume);
    jint(o, "round_trips", s->round_trips);
    jint(o, "fills", s->fills);
    jint(o, "buy_fills", s->buy_fills);
    jint(o, "sell_fills", s->sell_fills);
    jdec(o, "position", s->position);
    jdec(o, "max_inventory", s->max_inventory);
    jdec(o, "max_inventory_value", s->max_inventory_value);
    jdec(o, "max_margin_used", s->max_margin_used);
    jdec(o, "max_drawdown", s->max_drawdown);
    jdec(o, "max_drawdown_pct", s->max_drawdown_pct);
    jint(o, "orders_placed", s->orders_placed);
    jint(o, "rejects", s->rejects);
    jint(o, "post_only_rejects", s->post_only_rejects);
    jint(o, "post_only_degrades", s->post_only_degrades);
    jint(o, "margin_locks", s->margin_locks);
    jint(o, "risk_pauses", s->risk_pauses);
    json_object_set_new(o, "risk_pause_ms", json_integer(s->risk_pause_ms));
    jint(o, "requests", s->requests);
    jint(o, "orders_sent", s->orders_sent);
    /* a rate, not money: two decimals as a string keep the output byte-stable */
    snprintf(avg, sizeof(avg), "%.2f", s->requests_per_min_avg);
    json_object_set_new(o, "requests_per_min_avg", json_string(avg));
    jint(o, "requests_per_min_max", s->requests_per_min_max);
    jint(o, "orders_per_min_max", s->orders_per_min_max);
    json_object_set_new(o, "orders_per_min_limit", json_integer(s->orders_per_min_limit));
    json_object_set_new(o, "token_bucket_per_min", json_integer(s->token_bucket_per_min));
    return o;
}

void sqt_bt_summary_json(const sqt_bt_summary *s, FILE *f)
{
    json_t *o = sqt_bt_summary_to_json(s);
    char *txt;
    if (o == NULL)
        return;
    txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (txt) {
        fprintf(f, "%s\n", txt);
        free(txt);
    }
}
