/* Bitget streams over the host's WebSocket service, on the kit's connection set.
 *
 * Price: the public `ticker` channel, not `trade`. The engine wants the last traded
 * price, which the ticker carries as lastPr; its pushes are throttled (~100-300 ms), so
 * a burst of trades is one message instead of one per trade, and the ticker also
 * pushes when nothing trades, which keeps the stale watchdog quiet on calm markets.
 * A grid spaced by ticks loses nothing by missing the intermediate trades of a burst:
 * fills come from the private orders channel, never from the price.
 * Klines: one public connection with candle<granularity> per symbol. Bitget sends no
 * closed flag (bitget.md 4.3): a row is closed when a row with a later ts arrives for
 * its symbol; that row is then delivered once more with closed = 1.
 * Orders: the private connection logs in (seconds timestamp, bitget.md 2.5), then
 * subscribes `orders` for instId default; pushes are filtered to our symbol.
 * Each kind is UP once its subscriptions are acknowledged. Every connection sends the
 * text "ping" every 30 s; the "pong" answers feed the host's stale watchdog, which
 * reconnects after BG_STALE_MS of silence.
 * Bitget ends every connection after 24 h: the kit replaces it make-before-break at
 * 23 h. A private connection that dropped instead (DOWN) missed pushes for certain
 * (Bitget replays nothing), so its next UP is preceded by RESYNC: the host reconciles. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg.h"

#define BG_PUSH_MAX 64             /* elements per push read at once */

static bg_conn *conn_of(sqt_kit_conn *k)
{
    return (bg_conn *)k;
}

static const char *kind_name(int kind)
{
    return sqt_kit_stream_name(kind);
}

static void warn_bad(sqt_exchange *ex, const char *what, const char *why)
{
    sqt_kit_plugin_warn_bad(&ex->kit, what, why);
}

static json_t *sub_arg(const sqt_exchange *ex, const char *channel, const char *inst)
{
    json_t *a = json_object();
    if (a != NULL && (json_object_set_new(a, "instType", json_string(ex->product_type)) ||
                      json_object_set_new(a, "channel", json_string(channel)) ||
                      json_object_set_new(a, "instId", json_string(inst)))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* {"op":"subscribe","args":[...]} with what this connection carries. */
static int subscribe(bg_conn *c)
{
    sqt_exchange *ex = c->ex;
    json_t *msg = json_object(), *args = json_array();
    char channel[24];
    size_t i;
    int bad = msg == NULL || args == NULL;
    if (!bad) {
        if (c->k.kind == BG_CONN_PRICE) {
            bad |= json_array_append_new(args, sub_arg(ex, "ticker", ex->symbol));
        } else if (c->k.kind == BG_CONN_KLINE) {
            snprintf(channel, sizeof(channel), "candle%s", sqt_bg_granularity(ex->klines.interval));
            for (i = 0; i < ex->klines.n; i++)
                bad |= json_array_append_new(args, sub_arg(ex, channel, ex->klines.symbols[i]));
        } else {
            bad |= json_array_append_new(args, sub_arg(ex, "orders", "default"));
        }
    }
    if (bad || json_object_set_new(msg, "op", json_string("subscribe")) ||
        json_object_set_new(msg, "args", args)) {
        if (bad)
            json_decref(args);
        json_decref(msg);
        return SQT_ENOMEM;
    }
    c->k.acks = 0;
    return sqt_kit_conn_send_json(&c->k, msg);
}

static int login(bg_conn *c)
{
    sqt_exchange *ex = c->ex;
    char ts[24], sig[SQT_BG_SIG_LEN + 1];
    json_t *msg, *arg, *args;
    int rc;
    snprintf(ts, sizeof(ts), "%lld", (long long)(sqt_kit_rest_server_now(&ex->kit.rest) / 1000));
    if ((rc = sqt_bg_sign_login(ex->kit.secret, ts, sig)) != SQT_OK)
        return rc;
    msg = json_object();
    args = json_array();
    arg = json_object();
    if (msg == NULL || args == NULL || arg == NULL ||
        json_object_set_new(arg, "apiKey", json_string(ex->kit.api_key)) ||
        json_object_set_new(arg, "passphrase", json_string(ex->kit.passphrase)) ||
        json_object_set_new(arg, "timestamp", json_string(ts)) ||
        json_object_set_new(arg, "sign", json_string(sig)) || json_array_append(args, arg) ||
        json_object_set_new(msg, "op", json_string("login")) ||
        json_object_set(msg, "args", args)) {
        json_decref(arg);
        json_decref(args);
        json_decref(msg);
        return SQT_ENOMEM;
    }
    json_decref(arg);
    json_decref(args);
    return sqt_kit_conn_send_json(&c->k, msg);
}

/* ------------------------------------------------------------------------------------
 * the kit's hooks
 * ---------------------------------------------------------------------------------- */

static void hook_on_open(void *owner, sqt_kit_conn *k)
{
    bg_conn *c = conn_of(k);
    int rc;
    (void)owner;
    c->logged_in = 0;
    rc = k->kind == BG_CONN_USER ? login(c) : subscribe(c);
    if (rc != SQT_OK)
        sqt_bg_logf(c->ex, SQT_LOG_ERROR, "%s: %s not sent: %s", kind_name(k->kind),
                    k->kind == BG_CONN_USER ? "login" : "subscribe", sqt_strerror(rc));
}

static void kline_push(sqt_exchange *ex, const char *data, size_t len)
{
    sqt_kline rows[BG_PUSH_MAX];
    sqt_error e;
    size_t n = 0, i;
    if (sqt_bg_parse_candle_push(data, len, ex->klines.interval, rows, BG_PUSH_MAX, &n, &e) !=
        SQT_OK) {
        warn_bad(ex, "kline stream", e.message);
        return;
    }
    for (i = 0; i < n && !ex->kit.closing; i++)
        sqt_kit_klines_push(&ex->kit, &ex->klines, &rows[i]);
}

SQT_HOT static void on_push(bg_conn *c, const sqt_bg_ws_msg *m, const char *data, size_t len)
{
    sqt_exchange *ex = c->ex;
    sqt_error e;
    if (m->kind == SQT_BG_WS_TICKER && c->k.kind == BG_CONN_PRICE) {
        sqt_price_tick t;
        if (sqt_bg_parse_ticker(data, len, &t, &e) != SQT_OK)
            warn_bad(ex, "price stream", e.message);
        else if (strcmp(t.symbol, ex->symbol) == 0)
            ex->kit.sinks.price.on_price(ex->kit.sinks.price.ud, &t);
    } else if (m->kind == SQT_BG_WS_CANDLE && c->k.kind == BG_CONN_KLINE) {
        kline_push(ex, data, len);
    } else if (m->kind == SQT_BG_WS_ORDERS && c->k.kind == BG_CONN_USER) {
        sqt_order o[BG_PUSH_MAX];
        size_t n = 0, i;
        if (sqt_bg_parse_order_push(data, len, 0, o, BG_PUSH_MAX, &n, &e) != SQT_OK) {
            warn_bad(ex, "order stream", e.message);
            return;
        }
        for (i = 0; i < n && !ex->kit.closing; i++)
            if (strcmp(o[i].symbol, ex->symbol) == 0) /* instId default: every symbol */
                ex->kit.sinks.order.on_order(ex->kit.sinks.order.ud, &o[i]);
    }
}

static size_t expected_acks(const sqt_exchange *ex, int kind)
{
    return kind == BG_CONN_KLINE ? ex->klines.n : 1;
}

SQT_HOT static void hook_on_message(void *owner, sqt_kit_conn *k, const char *data, size_t len)
{
    sqt_exchange *ex = owner;
    bg_conn *c = conn_of(k);
    sqt_bg_ws_msg m;
    sqt_error e;
    int rc;
    if (ex->kit.closing)
        return;
    if (sqt_bg_parse_ws(data, len, &m, &e) != SQT_OK) {
        warn_bad(ex, kind_name(k->kind), e.message);
        return;
    }
    switch (m.kind) {
    case SQT_BG_WS_LOGIN:
        if (k->kind != BG_CONN_USER || c->logged_in)
            break;
        c->logged_in = 1;
        if ((rc = subscribe(c)) != SQT_OK)
            sqt_bg_logf(ex, SQT_LOG_ERROR, "order stream: subscribe not sent: %s",
                        sqt_strerror(rc));
        break;
    case SQT_BG_WS_SUBSCRIBED:
        if (k->kind == BG_CONN_USER && !c->logged_in)
            break; /* not ours: we subscribe only after the login */
        if (sqt_kit_conn_ack(k, expected_acks(ex, k->kind)))
            sqt_kit_conn_up_resync(k, k->kind == BG_CONN_USER);
        break;
    case SQT_BG_WS_ERROR:
        sqt_bg_logf(ex, m.err.code == SQT_EAUTH ? SQT_LOG_ERROR : SQT_LOG_WARN,
                    "%s: error %s: %s", kind_name(k->kind), m.err.exch_code, m.err.message);
        break;
    case SQT_BG_WS_TICKER:
    case SQT_BG_WS_CANDLE:
    case SQT_BG_WS_ORDERS:
        on_push(c, &m, data, len);
        break;
    default: /* pong, unsubscribe acks, other channels */
        break;
    }
}

static void hook_on_down(void *owner, sqt_kit_conn *k)
{
    bg_conn *c = conn_of(k);
    (void)owner;
    c->logged_in = 0;
}

static int hook_dup(void *owner, const sqt_kit_conn *from, sqt_kit_conn *to)
{
    (void)from;
    conn_of(to)->ex = owner;
    return SQT_OK;
}

static const sqt_kit_conn_hooks conn_hooks = {
    sizeof(bg_conn), hook_on_open, hook_on_message, hook_on_down, sqt_kit_plugin_hook_state,
    NULL, hook_dup, NULL, sqt_kit_plugin_hook_check, kind_name, sqt_kit_plugin_hook_log};

void sqt_bg_streams_init(sqt_exchange *ex)
{
    sqt_kit_plugin_streams_init(&ex->kit, &conn_hooks, BG_CONN_MAX_AGE_MS, BG_CONN_SWITCH_MS,
                                BG_CONN_SWITCH_RETRY_MS);
    ex->kit.streams.overlap_ms[BG_CONN_USER] = BG_CONN_OVERLAP_MS;
    ex->kit.streams.app_ping_text = "ping";
    ex->kit.streams.app_ping_ms = BG_PING_MS;
    /* tickers and candles: handled after an order push read in the same loop turn */
    ex->kit.streams.ws_flags[BG_CONN_PRICE] = SQT_WS_MARKET_DATA;
    ex->kit.streams.ws_flags[BG_CONN_KLINE] = SQT_WS_MARKET_DATA;
}

static int conn_open(sqt_exchange *ex, int kind, const char *url)
{
    sqt_kit_conn *k;
    int rc = sqt_kit_plugin_stream_open(&ex->kit, kind, url, BG_STALE_MS, &k);
    if (rc == SQT_OK)
        conn_of(k)->ex = ex;
    return rc;
}

/* ------------------------------------------------------------------------------------
 * subscriptions
 * ---------------------------------------------------------------------------------- */

int sqt_bg_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    int rc = sqt_kit_plugin_take_price(&ex->kit, sink);
    return rc != SQT_OK ? rc : conn_open(ex, BG_CONN_PRICE, ex->ws_public);
}

int sqt_bg_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink)
{
    int rc;
    if (sqt_bg_granularity(interval) == NULL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_klines_take(&ex->kit, &ex->klines, symbols, n, interval, sqt_bg_symbol_ok,
                                  sink)) != SQT_OK)
        return rc;
    return conn_open(ex, BG_CONN_KLINE, ex->ws_public);
}

int sqt_bg_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    int rc = sqt_kit_plugin_take_orders(&ex->kit, sink);
    return rc != SQT_OK ? rc : conn_open(ex, BG_CONN_USER, ex->ws_private);
}
