/* Gate.io futures streams over the host's WebSocket service, on the kit's connection set
 * (one URL, wss://fx-ws.gateio.ws/v4/ws/usdt, a connection per kind).
 *
 * Price: futures.tickers, not futures.trades. The engine wants the last traded price,
 * which the ticker carries as `last`; it is throttled (about once a second), so a burst
 * of trades is one message instead of one per trade, and it also comes when nothing
 * trades, which keeps the stale watchdog quiet on calm markets. A grid spaced by ticks
 * loses nothing by missing the intermediate trades of a burst: fills come from the
 * private channels, never from the price.
 * Klines: futures.candlesticks per symbol; `w` closes a candle, and so does a later
 * candle of the same symbol when the `w` message was missed (gate.md 11). Volume is in
 * contracts: in coins for our contract, in contracts for other symbols (their multiplier
 * is unknown here; the REST history uses the same unit, see ops.c).
 * Orders: futures.orders and futures.usertrades with [user id, contract], each subscribe
 * signed on its own (gate.md 2.3); the numeric user id comes from the account (asked
 * for here when the account was not read yet). UP once both are acknowledged; a failed
 * subscribe is FAILED with its reason, never only a log line (the original's 9.2).
 * Every connection sends futures.ping every 10 s (its pong feeds the stale watchdog)
 * and the handshake carries X-Gate-Size-Decimal: 1. A futures.system upgrade notice
 * replaces the connection at once, make-before-break. A private connection that dropped
 * missed pushes for certain (nothing is replayed), so its next UP is preceded by RESYNC. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gt.h"

#define GT_PUSH_MAX 64             /* elements per push read at once */

static const char *const user_channels[] = {"futures.orders", "futures.usertrades"};

static gt_conn *conn_of(sqt_kit_conn *k)
{
    return (gt_conn *)k;
}

static const char *kind_name(int kind)
{
    return sqt_kit_stream_name(kind);
}

static void warn_bad(sqt_exchange *ex, const char *what, const char *why)
{
    sqt_kit_plugin_warn_bad(&ex->kit, what, why);
}

SQT_HOT void sqt_gt_deliver_order(sqt_exchange *ex, const sqt_order *o)
{
    if (!ex->kit.closing && ex->kit.sinks.order_on)
        ex->kit.sinks.order.on_order(ex->kit.sinks.order.ud, o);
}

/* {"time":s,"channel":..,"event":"subscribe","payload":[a, b],"auth":{..}} */
static int subscribe_one(gt_conn *c, const char *channel, const char *p1, const char *p2,
                         int auth)
{
    sqt_exchange *ex = c->ex;
    long long now_s = (long long)(sqt_kit_rest_server_now(&ex->kit.rest) / 1000);
    char sig[SQT_GT_SIG_LEN + 1];
    json_t *msg = json_object(), *payload = json_array(), *a = NULL;
    int bad = msg == NULL || payload == NULL, rc;
    if (!bad)
        bad = json_object_set_new(msg, "time", json_integer(now_s)) ||
              json_object_set_new(msg, "channel", json_string(channel)) ||
              json_object_set_new(msg, "event", json_string("subscribe")) ||
              json_array_append_new(payload, json_string(p1)) ||
              (p2 != NULL && json_array_append_new(payload, json_string(p2))) ||
              json_object_set(msg, "payload", payload);
    json_decref(payload);
    if (!bad && auth) {
        if ((rc = sqt_gt_sign_ws(ex->kit.secret, channel, "subscribe", now_s, sig)) != SQT_OK) {
            json_decref(msg);
            return rc;
        }
        bad = (a = json_object()) == NULL ||
              json_object_set_new(a, "method", json_string("api_key")) ||
              json_object_set_new(a, "KEY", json_string(ex->kit.api_key)) ||
              json_object_set_new(a, "SIGN", json_string(sig)) ||
              json_object_set(msg, "auth", a);
        json_decref(a);
    }
    if (bad) {
        json_decref(msg);
        return SQT_ENOMEM;
    }
    return sqt_kit_conn_send_json(&c->k, msg);
}

static int subscribe_user(gt_conn *c)
{
    sqt_exchange *ex = c->ex;
    size_t i;
    int rc = SQT_OK;
    for (i = 0; i < 2 && rc == SQT_OK; i++)
        rc = subscribe_one(c, user_channels[i], ex->user, ex->contract, 1);
    return rc;
}

/* The account's user id, for a private connection opened before the account was read. */
typedef struct user_ctx {
    char path[64];
} user_ctx;

static void user_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    sqt_exchange *ex = call->owner;
    sqt_kit_conn *k = ex->kit.streams.current[GT_CONN_USER];
    sqt_gt_acct acct;
    sqt_error e = a->err;
    int rc;
    free(call->ctx);
    if (ex->kit.closing || e.code == SQT_ECANCELLED)
        return;
    if (e.code == SQT_OK && sqt_gt_parse_account(a->body, a->len, &acct, &e) == SQT_OK &&
        acct.user[0] == '\0')
        sqt_kit_fail(&e, SQT_EPROTO, "account: no user id in the answer");
    if (e.code != SQT_OK) {
        sqt_gt_logf(ex, SQT_LOG_ERROR, "order stream: the user id for futures.orders is "
                    "unknown: %s", e.message);
        sqt_kit_conns_state(&ex->kit.streams, GT_CONN_USER, SQT_STREAM_FAILED, &e);
        return;
    }
    memcpy(ex->user, acct.user, sizeof(ex->user));
    if (k != NULL && k->connected && !k->up &&
        (rc = subscribe_user(conn_of(k))) != SQT_OK)
        sqt_gt_logf(ex, SQT_LOG_ERROR, "order stream: subscribe not sent: %s",
                    sqt_strerror(rc));
}

static int user_fetch(sqt_exchange *ex)
{
    user_ctx *u = calloc(1, sizeof(*u));
    int rc;
    if (u == NULL)
        return SQT_ENOMEM;
    snprintf(u->path, sizeof(u->path), GT_API "/futures/usdt/accounts");
    if ((rc = sqt_gt_rest(ex, "GET", u->path, NULL, NULL, SQT_KIT_AUTH_SIGNED, 0, user_done,
                          u)) != SQT_OK)
        free(u);
    return rc;
}

/* What this connection carries, subscribed again (after every reconnect). */
static int subscribe(gt_conn *c)
{
    sqt_exchange *ex = c->ex;
    char contract[SQT_GT_CONTRACT_MAX];
    size_t i;
    int rc = SQT_OK;
    c->k.acks = 0;
    if (c->k.kind == GT_CONN_PRICE)
        return subscribe_one(c, "futures.tickers", ex->contract, NULL, 0);
    if (c->k.kind == GT_CONN_KLINE) {
        for (i = 0; i < ex->klines.n && rc == SQT_OK; i++) {
            sqt_gt_contract_name(ex->klines.symbols[i], contract, sizeof(contract));
            rc = subscribe_one(c, "futures.candlesticks", ex->klines.interval, contract, 0);
        }
        return rc;
    }
    if (ex->user[0] == '\0')
        return user_fetch(ex);
    return subscribe_user(c);
}

/* ------------------------------------------------------------------------------------
 * pushes
 * ---------------------------------------------------------------------------------- */

/* Volume is in contracts: in coins for our contract (its multiplier is known), left in
 * contracts for the other symbols. */
static void kline_push(sqt_exchange *ex, const char *data, size_t len)
{
    sqt_kline rows[GT_PUSH_MAX];
    sqt_error e;
    size_t n = 0, i;
    if (sqt_gt_parse_candle_push(data, len, rows, GT_PUSH_MAX, &n, &e) != SQT_OK) {
        warn_bad(ex, "kline stream", e.message);
        return;
    }
    for (i = 0; i < n && !ex->kit.closing; i++) {
        sqt_kline *k = &rows[i];
        if (strcmp(k->interval, ex->klines.interval) != 0 ||
            sqt_kit_klines_find(&ex->klines, k->symbol) < 0)
            continue;
        if (ex->have_info && strcmp(k->symbol, ex->symbol) == 0 &&
            sqt_gt_to_coins(k->volume, ex->con.mult, &k->volume) != SQT_OK) {
            warn_bad(ex, "kline stream", "volume out of range");
            continue;
        }
        sqt_kit_klines_push(&ex->kit, &ex->klines, k);
    }
}

SQT_HOT static void on_push(gt_conn *c, const sqt_gt_ws_msg *m, const char *data, size_t len)
{
    sqt_exchange *ex = c->ex;
    sqt_error e;
    size_t n = 0, i;
    if (m->kind == SQT_GT_WS_TICKERS && c->k.kind == GT_CONN_PRICE) {
        sqt_price_tick t;
        if (sqt_gt_parse_ticker(data, len, &t, &e) != SQT_OK)
            warn_bad(ex, "price stream", e.message);
        else if (strcmp(t.symbol, ex->symbol) == 0)
            ex->kit.sinks.price.on_price(ex->kit.sinks.price.ud, &t);
    } else if (m->kind == SQT_GT_WS_CANDLES && c->k.kind == GT_CONN_KLINE) {
        kline_push(ex, data, len);
    } else if (m->kind == SQT_GT_WS_ORDERS && c->k.kind == GT_CONN_USER) {
        sqt_order o[GT_PUSH_MAX];
        if (!ex->have_info) {
            warn_bad(ex, "order stream", "the contract's multiplier is not known yet");
            return;
        }
        if (sqt_gt_parse_order_push(data, len, &ex->units, o, GT_PUSH_MAX, &n, &e) != SQT_OK) {
            warn_bad(ex, "order stream", e.message);
            return;
        }
        for (i = 0; i < n && !ex->kit.closing; i++)
            sqt_gt_fees_on_order(ex, &o[i]);
    } else if (m->kind == SQT_GT_WS_USERTRADES && c->k.kind == GT_CONN_USER) {
        sqt_gt_fill f[GT_PUSH_MAX];
        if (!ex->have_info) {
            warn_bad(ex, "order stream", "the contract's multiplier is not known yet");
            return;
        }
        if (sqt_gt_parse_usertrades(data, len, &ex->units, f, GT_PUSH_MAX, &n, &e) != SQT_OK) {
            warn_bad(ex, "order stream", e.message);
            return;
        }
        for (i = 0; i < n && !ex->kit.closing; i++)
            sqt_gt_fees_on_fill(ex, &f[i]);
    }
}

/* ------------------------------------------------------------------------------------
 * the kit's hooks
 * ---------------------------------------------------------------------------------- */

static void hook_on_open(void *owner, sqt_kit_conn *k)
{
    gt_conn *c = conn_of(k);
    int rc;
    (void)owner;
    if ((rc = subscribe(c)) != SQT_OK)
        sqt_gt_logf(c->ex, SQT_LOG_ERROR, "%s: subscribe not sent: %s", kind_name(k->kind),
                    sqt_strerror(rc));
}

static size_t expected_acks(const sqt_exchange *ex, int kind)
{
    return kind == GT_CONN_KLINE ? ex->klines.n : kind == GT_CONN_USER ? 2 : 1;
}

SQT_HOT static void hook_on_message(void *owner, sqt_kit_conn *k, const char *data, size_t len)
{
    sqt_exchange *ex = owner;
    gt_conn *c = conn_of(k);
    sqt_gt_ws_msg m;
    sqt_error e;
    if (ex->kit.closing)
        return;
    if (sqt_gt_parse_ws(data, len, &m, &e) != SQT_OK) {
        warn_bad(ex, kind_name(k->kind), e.message);
        return;
    }
    switch (m.kind) {
    case SQT_GT_WS_SUBSCRIBED:
        if (sqt_kit_conn_ack(k, expected_acks(ex, k->kind)))
            sqt_kit_conn_up_resync(k, k->kind == GT_CONN_USER);
        break;
    case SQT_GT_WS_ERROR:
        if (strcmp(m.event, "subscribe") != 0) {
            sqt_gt_logf(ex, SQT_LOG_WARN, "%s: %s %s answered an error: %s %s",
                        kind_name(k->kind), m.channel, m.event, m.err.exch_code, m.err.message);
            break;
        }
        /* a refused subscription: no data will come on it, say so (never only a log
         * line: the original lost its order stream that way, gate.md 9.2) */
        sqt_gt_logf(ex, SQT_LOG_ERROR, "%s: %s refused: %s %s", kind_name(k->kind), m.channel,
                    m.err.exch_code, m.err.message);
        if (k->replaces == NULL)
            sqt_kit_conns_state(&ex->kit.streams, k->kind, SQT_STREAM_FAILED, &m.err);
        sqt_kit_conn_close(k);
        break;
    case SQT_GT_WS_UPGRADE:
        sqt_gt_logf(ex, SQT_LOG_INFO, "%s: server upgrade announced: replacing the connection",
                    kind_name(k->kind));
        sqt_kit_conn_rotate(k);
        break;
    case SQT_GT_WS_TICKERS:
    case SQT_GT_WS_CANDLES:
    case SQT_GT_WS_ORDERS:
    case SQT_GT_WS_USERTRADES:
        on_push(c, &m, data, len);
        break;
    default: /* pong, unsubscribe answers, other channels */
        break;
    }
}

static int hook_dup(void *owner, const sqt_kit_conn *from, sqt_kit_conn *to)
{
    (void)from;
    conn_of(to)->ex = owner;
    return SQT_OK;
}

static const sqt_kit_conn_hooks conn_hooks = {
    sizeof(gt_conn), hook_on_open, hook_on_message, NULL, sqt_kit_plugin_hook_state,
    NULL, hook_dup, NULL, sqt_kit_plugin_hook_check, kind_name, sqt_kit_plugin_hook_log};

/* futures.ping on every live connection, with the current time (a fixed text could not
 * carry it, so this is not the kit's app_ping_text). */
static void ping_fire(void *ud)
{
    sqt_exchange *ex = ud;
    sqt_kit_conn *k;
    char msg[80];
    int n;
    if (ex->kit.closing)
        return;
    n = snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.ping\"}",
                 (long long)(sqt_kit_rest_server_now(&ex->kit.rest) / 1000));
    for (k = ex->kit.streams.head; k != NULL; k = k->next)
        if (k->connected && !k->closing && k->ws != NULL)
            ex->kit.api->ws_send(ex->kit.host, k->ws, msg, (size_t)n, 0);
}

static void ping_start(sqt_exchange *ex)
{
    if (ex->ping_timer != NULL)
        return;
    if (ex->kit.api->timer_start(ex->kit.host, GT_PING_MS, GT_PING_MS, ping_fire, ex,
                             &ex->ping_timer) != SQT_OK) {
        ex->ping_timer = NULL;
        sqt_gt_logf(ex, SQT_LOG_WARN, "streams: ping timer not started (the host's protocol "
                    "pings remain)");
    }
}

void sqt_gt_streams_init(sqt_exchange *ex)
{
    sqt_kit_plugin_streams_init(&ex->kit, &conn_hooks, GT_CONN_MAX_AGE_MS, GT_CONN_SWITCH_MS,
                                GT_CONN_SWITCH_RETRY_MS);
    ex->kit.streams.overlap_ms[GT_CONN_USER] = GT_CONN_OVERLAP_MS;
    ex->ws_headers[0].name = "X-Gate-Size-Decimal";
    ex->ws_headers[0].value = "1";
    ex->kit.streams.ws_headers = ex->ws_headers;
    ex->kit.streams.n_ws_headers = 1;
    /* tickers and candles: handled after an order push read in the same loop turn */
    ex->kit.streams.ws_flags[GT_CONN_PRICE] = SQT_WS_MARKET_DATA;
    ex->kit.streams.ws_flags[GT_CONN_KLINE] = SQT_WS_MARKET_DATA;
}

static int conn_open(sqt_exchange *ex, int kind)
{
    sqt_kit_conn *k;
    int rc = sqt_kit_plugin_stream_open(&ex->kit, kind, ex->ws_url, GT_STALE_MS, &k);
    if (rc == SQT_OK) {
        conn_of(k)->ex = ex;
        ping_start(ex);
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * subscriptions
 * ---------------------------------------------------------------------------------- */

int sqt_gt_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    int rc = sqt_kit_plugin_take_price(&ex->kit, sink);
    return rc != SQT_OK ? rc : conn_open(ex, GT_CONN_PRICE);
}

int sqt_gt_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink)
{
    int rc;
    if (sqt_gt_interval_ms(interval) == 0)
        return SQT_EINVAL;
    if ((rc = sqt_kit_klines_take(&ex->kit, &ex->klines, symbols, n, interval, sqt_gt_symbol_ok,
                                  sink)) != SQT_OK)
        return rc;
    return conn_open(ex, GT_CONN_KLINE);
}

int sqt_gt_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    int rc = sqt_kit_plugin_take_orders(&ex->kit, sink);
    return rc != SQT_OK ? rc : conn_open(ex, GT_CONN_USER);
}

void sqt_gt_streams_stop(sqt_exchange *ex)
{
    if (ex->ping_timer != NULL) {
        ex->kit.api->timer_stop(ex->kit.host, ex->ping_timer);
        ex->ping_timer = NULL;
    }
}
