/* What every exchange's streams do around the connection set (pluginkit.h): the sinks'
 * streams opened, their names, bad messages warned about without flooding the log,
 * RESYNC before an UP that follows a drop, and klines closed by the next candle. */
#include <opensqt/pluginkit.h>

#include <stdio.h>
#include <string.h>

const char *sqt_kit_stream_name(int kind)
{
    return kind == SQT_KIT_STREAM_PRICE    ? "price stream"
           : kind == SQT_KIT_STREAM_KLINES ? "kline stream"
           : kind == SQT_KIT_STREAM_ORDERS ? "order stream"
                                           : "stream";
}

int sqt_kit_plugin_stream_open(sqt_kit_plugin *p, int kind, const char *url, uint32_t stale_ms,
                               sqt_kit_conn **out)
{
    int rc = sqt_kit_conn_open(&p->streams, kind, url, stale_ms, out);
    if (rc != SQT_OK)
        return rc;
    if (kind == SQT_KIT_STREAM_PRICE)
        p->sinks.price_on = 1;
    else if (kind == SQT_KIT_STREAM_KLINES)
        p->sinks.kline_on = 1;
    else if (kind == SQT_KIT_STREAM_ORDERS)
        p->sinks.order_on = 1;
    return SQT_OK;
}

void sqt_kit_plugin_warn_bad(sqt_kit_plugin *p, const char *what, const char *why)
{
    int64_t now = p->api->wall_ms(p->host);
    char line[512];
    if (p->warn_ms != 0 && now - p->warn_ms < SQT_KIT_WARN_EVERY_MS) {
        p->warn_dropped++;
        return;
    }
    snprintf(line, sizeof(line), "%s: message ignored: %s (%u more held back)", what, why,
             p->warn_dropped);
    p->api->log(p->host, SQT_LOG_WARN, line);
    p->warn_ms = now;
    p->warn_dropped = 0;
}

int sqt_kit_conn_ack(sqt_kit_conn *c, size_t need)
{
    return ++c->acks >= need && !c->up;
}

void sqt_kit_conn_up_resync(sqt_kit_conn *c, int resync)
{
    /* a successor takes over from a live connection: nothing was missed */
    if (resync && c->drops > 0 && c->replaces == NULL) {
        c->drops = 0;
        sqt_kit_conns_state(c->set, c->kind, SQT_STREAM_RESYNC, NULL);
    }
    sqt_kit_conn_up(c);
}

/* ---- klines ------------------------------------------------------------------------ */

int sqt_kit_klines_take(sqt_kit_plugin *p, sqt_kit_klines *k, const char *const *symbols,
                        size_t n, const char *interval, int (*symbol_ok)(const char *),
                        const sqt_kline_sink *sink)
{
    size_t i;
    int rc;
    if (symbols == NULL || n == 0 || n > SQT_KIT_KLINE_SYMBOLS || interval == NULL ||
        strlen(interval) >= sizeof(k->interval))
        return SQT_EINVAL;
    for (i = 0; i < n; i++)
        if (!(symbol_ok != NULL ? symbol_ok(symbols[i]) : sqt_kit_symbol_ok(symbols[i])))
            return SQT_EINVAL;
    if ((rc = sqt_kit_plugin_take_klines(p, sink)) != SQT_OK)
        return rc;
    memset(k, 0, sizeof(*k));
    for (i = 0; i < n; i++)
        snprintf(k->symbols[i], sizeof(k->symbols[i]), "%s", symbols[i]);
    k->n = n;
    snprintf(k->interval, sizeof(k->interval), "%s", interval);
    return SQT_OK;
}

int sqt_kit_klines_find(const sqt_kit_klines *k, const char *symbol)
{
    size_t s;
    for (s = 0; s < k->n; s++)
        if (strcmp(symbol, k->symbols[s]) == 0)
            return (int)s;
    return -1;
}

void sqt_kit_klines_push(sqt_kit_plugin *p, sqt_kit_klines *k, const sqt_kline *row)
{
    const sqt_kline_sink *sink = &p->sinks.kline;
    int s = sqt_kit_klines_find(k, row->symbol);
    sqt_kline *last;
    if (s < 0 || p->closing)
        return;
    last = &k->last[s];
    if (k->have[s] && row->open_time_ms < last->open_time_ms)
        return; /* older than what we have: a late snapshot row */
    if (k->have[s] && row->open_time_ms > last->open_time_ms && !last->closed) {
        sqt_kline done = *last;
        done.closed = 1; /* a later candle began: this one is final */
        sink->on_kline(sink->ud, &done);
        if (p->closing)
            return;
    }
    if (k->have[s] && row->open_time_ms == last->open_time_ms && last->closed)
        return; /* already delivered closed */
    *last = *row;
    k->have[s] = 1;
    sink->on_kline(sink->ud, row);
}
