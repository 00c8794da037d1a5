/* Binance streams over the host's WebSocket service.
 *
 * Price: <sym>@aggTrade on /market (ws mode, raw payloads). aggTrade, not bookTicker:
 * the engine wants the last traded price (what fills our resting orders, and what the
 * original bot used), aggTrade shares the /market entry point with the klines, and
 * bookTicker on /public pushes on every best-price change, far more traffic for a
 * price the grid does not need.
 * Klines: one combined /market/stream?streams=a@kline_1m/b@kline_1m connection.
 * Market streams are "confirmed" (UP) when LIST_SUBSCRIPTIONS lists them or when their
 * first data arrives.
 * User data: a listenKey (POST), /private/ws?listenKey=..&events=..; PUT every 30 min;
 * on -1125 or listenKeyExpired a new key and a new connection, reported as DOWN, then
 * RESYNC + UP once the new connection is open, so the host reconciles over REST.
 * A dead key may also show only as refused connections (the host retries the same URL
 * forever): after BN_USER_FAILS_CHECK failed attempts in a row the key is checked with
 * a PUT (-1125: new key), and after twice that many a new key is fetched even if the
 * PUT passed (POST returns the account's live key, which may not be ours).
 * With stream_routing: legacy the user stream is <ws_private_url>/ws/<listenKey> instead
 * (testnet, older SDKs); the market URLs are the same in both.
 * Binance ends every connection after 24 h: at BN_CONN_MAX_AGE_MS a connection gets a
 * successor on the same URL (for the user stream after a PUT proves the key alive), and
 * the old one is closed once the successor is UP; the sink hears nothing of it. A
 * successor not UP within BN_CONN_SWITCH_MS is dropped and tried again later.
 * At shutdown the listenKey we hold is deleted (bounded by BN_LK_DELETE_WAIT_MS). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bn.h"
#include "fastpath.h"

#define BN_USER_EVENTS "ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired"
/* Binance pings every 3 minutes but a quiet account sends no data for hours: the
 * watchdog must be longer than a ping period. */
#define BN_USER_STALE_MS (15u * 60u * 1000u)
#define BN_LK_RETRY_MAX_MS 60000u
#define BN_MAX_KLINE_SYMBOLS 200
#define BN_USER_FAILS_CHECK 3u

static int lk_create(sqt_exchange *ex);
static void lk_put(sqt_exchange *ex, int verify);

/* ------------------------------------------------------------------------------------
 * connections: the kit's set (sqt_kit_conns) with Binance's hooks
 * ---------------------------------------------------------------------------------- */

static bn_conn *conn_of(sqt_kit_conn *k)
{
    return (bn_conn *)k;
}

static bn_conn *current(sqt_exchange *ex, int kind)
{
    return conn_of(ex->kit.streams.current[kind]);
}

static const char *conn_name(int kind)
{
    return kind == BN_CONN_PRICE   ? "price stream"
           : kind == BN_CONN_KLINE ? "kline stream"
                                   : "user data stream";
}

static void timer_clear(sqt_exchange *ex, sqt_timer **t)
{
    if (*t != NULL) {
        ex->kit.api->timer_stop(ex->kit.host, *t);
        *t = NULL;
    }
}

static void streams_free(char **s, size_t n)
{
    size_t i;
    for (i = 0; s != NULL && i < n; i++)
        free(s[i]);
    free(s);
}

static void warn_bad(sqt_exchange *ex, const char *what, const char *why)
{
    sqt_kit_plugin_warn_bad(&ex->kit, what, why);
}

static int send_json(bn_conn *c, json_t *msg)
{
    return sqt_kit_conn_send_json(&c->k, msg);
}

/* {"method":M,"id":N[,"params":[streams]]} */
static int send_control(bn_conn *c, const char *method, int with_params, int64_t *id)
{
    json_t *msg = json_object(), *params = NULL;
    size_t i;
    *id = ++c->ex->ws_msg_id;
    if (msg == NULL)
        return SQT_ENOMEM;
    json_object_set_new(msg, "method", json_string(method));
    if (with_params) {
        params = json_array();
        for (i = 0; params != NULL && i < c->n_streams; i++)
            json_array_append_new(params, json_string(c->streams[i]));
        json_object_set_new(msg, "params", params);
    }
    json_object_set_new(msg, "id", json_integer((json_int_t)*id));
    return send_json(c, msg);
}

static void on_market(bn_conn *c, const char *data, size_t len);
static void on_user(bn_conn *c, const char *data, size_t len);
static void user_down(bn_conn *c);

static void hook_on_open(void *owner, sqt_kit_conn *k)
{
    sqt_exchange *ex = owner;
    bn_conn *c = conn_of(k);
    if (k->kind == BN_CONN_USER) {
        c->downs = 0;
        /* first open: a fresh key just issued (or, for a successor, just extended) */
        if (k->opens == 1) {
            if (ex->user_resync && k->replaces == NULL) {
                ex->user_resync = 0;
                sqt_kit_conns_state(&ex->kit.streams, BN_CONN_USER, SQT_STREAM_RESYNC, NULL);
            }
            sqt_kit_conn_up(k);
        } else {
            lk_put(ex, 1); /* the host reconnected with our key: is it still alive? */
        }
        return;
    }
    if (send_control(c, "LIST_SUBSCRIPTIONS", 0, &c->list_id) != SQT_OK)
        c->list_id = 0; /* the first data message will confirm instead */
}

SQT_HOT static void hook_on_message(void *owner, sqt_kit_conn *k, const char *data, size_t len)
{
    sqt_exchange *ex = owner;
    if (ex->kit.closing)
        return;
    if (k->kind == BN_CONN_USER)
        on_user(conn_of(k), data, len);
    else
        on_market(conn_of(k), data, len);
}

static void hook_on_down(void *owner, sqt_kit_conn *k)
{
    sqt_exchange *ex = owner;
    bn_conn *c = conn_of(k);
    c->list_id = c->sub_id = 0;
    if (k->kind == BN_CONN_USER && c == current(ex, BN_CONN_USER))
        user_down(c);
}

/* At 23 h. Market streams: the successor at once. The user stream: a successor on a dead
 * key would be a silent socket, so the key is extended first and the PUT's answer opens
 * the successor (lk_put_done) or starts a new key (-1125). */
static int hook_on_age(void *owner, sqt_kit_conn *k)
{
    sqt_exchange *ex = owner;
    if (k->kind != BN_CONN_USER)
        return 1;
    if (ex->lk_creating || ex->listen_key[0] == '\0')
        return 0; /* a new key is on its way, with a new connection */
    ex->lk_switch = 1;
    lk_put(ex, 0);
    return 0;
}

/* A successor listens to the same streams (none for the user stream). */
static int hook_dup(void *owner, const sqt_kit_conn *from, sqt_kit_conn *to)
{
    const bn_conn *f = (const bn_conn *)from;
    bn_conn *t = conn_of(to);
    size_t i;
    t->ex = owner;
    if (f->n_streams == 0)
        return SQT_OK;
    if ((t->streams = calloc(f->n_streams, sizeof(char *))) == NULL)
        return SQT_ENOMEM;
    for (i = 0; i < f->n_streams; i++)
        if ((t->streams[i] = strdup(f->streams[i])) == NULL) {
            streams_free(t->streams, f->n_streams);
            t->streams = NULL;
            return SQT_ENOMEM;
        }
    t->n_streams = f->n_streams;
    return SQT_OK;
}

static void hook_release(void *owner, sqt_kit_conn *k)
{
    bn_conn *c = conn_of(k);
    (void)owner;
    streams_free(c->streams, c->n_streams);
    c->streams = NULL;
    c->n_streams = 0;
}

static const char *hook_name(int kind)
{
    return conn_name(kind);
}

static const sqt_kit_conn_hooks conn_hooks = {
    sizeof(bn_conn), hook_on_open, hook_on_message, hook_on_down, sqt_kit_plugin_hook_state,
    hook_on_age, hook_dup, hook_release, sqt_kit_plugin_hook_check, hook_name,
    sqt_kit_plugin_hook_log};

void sqt_bn_streams_init(sqt_exchange *ex)
{
    sqt_kit_plugin_streams_init(&ex->kit, &conn_hooks, BN_CONN_MAX_AGE_MS, BN_CONN_SWITCH_MS,
                                BN_CONN_SWITCH_RETRY_MS);
    /* an old user connection stays open a little longer: an order push the exchange sent
     * there before the new one was registered is still read (the overlap's duplicates are
     * harmless: the host books by cumulative quantity) */
    ex->kit.streams.overlap_ms[BN_CONN_USER] = BN_CONN_RETIRE_MS;
    /* trades and candles: handled after an order push read in the same loop turn */
    ex->kit.streams.ws_flags[BN_CONN_PRICE] = SQT_WS_MARKET_DATA;
    ex->kit.streams.ws_flags[BN_CONN_KLINE] = SQT_WS_MARKET_DATA;
}

/* Open a connection of kind on url; streams (taken over) are its market stream names. */
static int conn_open(sqt_exchange *ex, int kind, const char *url, uint32_t stale_ms,
                     char **streams, size_t n)
{
    sqt_kit_conn *k;
    int rc = sqt_kit_conn_open(&ex->kit.streams, kind, url, stale_ms, &k);
    if (rc != SQT_OK) {
        streams_free(streams, n);
        return rc;
    }
    conn_of(k)->ex = ex;
    conn_of(k)->streams = streams;
    conn_of(k)->n_streams = n;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * messages
 * ---------------------------------------------------------------------------------- */

SQT_HOT static void on_market(bn_conn *c, const char *data, size_t len)
{
    sqt_exchange *ex = c->ex;
    sqt_price_tick tick;
    sqt_kline k;
    sqt_error e;
    int64_t id = 0;
    int kind, failed = 0;
    /* an aggTrade of the usual shape without a DOM; anything else through Jansson */
    if (sqt_bn_fast_trade(data, len, &tick))
        kind = SQT_BN_MK_TRADE;
    else if (sqt_bn_parse_market(data, len, &kind, &tick, &k, &id, &failed, &e) != SQT_OK) {
        warn_bad(ex, conn_name(c->k.kind), e.message);
        return;
    }
    switch (kind) {
    case SQT_BN_MK_REPLY:
        if (id != 0 && id == c->list_id) {
            c->list_id = 0;
            if (!failed &&
                sqt_bn_reply_lists_all(data, len, (const char *const *)c->streams, c->n_streams)) {
                sqt_kit_conn_up(&c->k);
            } else if (!c->k.up) {
                sqt_bn_logf(ex, SQT_LOG_WARN, "streams not listed by the server: subscribing");
                if (send_control(c, "SUBSCRIBE", 1, &c->sub_id) != SQT_OK)
                    c->sub_id = 0;
            }
        } else if (id != 0 && id == c->sub_id) {
            c->sub_id = 0;
            if (!failed)
                sqt_kit_conn_up(&c->k);
            else
                sqt_bn_logf(ex, SQT_LOG_ERROR, "SUBSCRIBE refused: %.200s", data);
        }
        break;
    case SQT_BN_MK_TRADE:
        if (c->k.kind != BN_CONN_PRICE || strcmp(tick.symbol, ex->symbol) != 0)
            break;
        sqt_kit_conn_up(&c->k);
        if (!ex->kit.closing && ex->kit.sinks.price.on_price != NULL)
            ex->kit.sinks.price.on_price(ex->kit.sinks.price.ud, &tick);
        break;
    case SQT_BN_MK_KLINE:
        if (c->k.kind != BN_CONN_KLINE)
            break;
        sqt_kit_conn_up(&c->k);
        if (!ex->kit.closing && ex->kit.sinks.kline.on_kline != NULL)
            ex->kit.sinks.kline.on_kline(ex->kit.sinks.kline.ud, &k);
        break;
    default:
        break;
    }
}

static void lk_recreate(sqt_exchange *ex, const char *why);

SQT_HOT static void on_user(bn_conn *c, const char *data, size_t len)
{
    sqt_exchange *ex = c->ex;
    sqt_order o;
    sqt_error e;
    char key[BN_LISTEN_KEY_MAX];
    int kind;
    /* an order update, or an event to ignore (the ACCOUNT_UPDATE right behind a fill),
     * without a DOM: both are on the way from a fill to the next order; anything else
     * through Jansson */
    if (sqt_bn_fast_user(data, len, ex->prefix, &kind, &o) == 0 &&
        sqt_bn_parse_user_event(data, len, ex->prefix, &kind, &o, key, sizeof(key), &e) !=
            SQT_OK) {
        warn_bad(ex, "user stream", e.message);
        return;
    }
    if (kind == SQT_BN_EV_ORDER) {
        /* the stream carries every symbol of the account */
        if (strcmp(o.symbol, ex->symbol) == 0 && !ex->kit.closing &&
            ex->kit.sinks.order.on_order != NULL)
            ex->kit.sinks.order.on_order(ex->kit.sinks.order.ud, &o);
    } else if (kind == SQT_BN_EV_EXPIRED) {
        if (key[0] == '\0' || strcmp(key, ex->listen_key) == 0)
            lk_recreate(ex, "listenKeyExpired");
    }
}

/* Failed attempts in a row on the user stream: is our key still alive? */
static void user_down(bn_conn *c)
{
    sqt_exchange *ex = c->ex;
    ex->lk_verify = 0; /* a check started for the lost connection cannot confirm it */
    c->downs++;
    if (ex->kit.closing || c->downs % BN_USER_FAILS_CHECK != 0)
        return;
    sqt_bn_logf(ex, SQT_LOG_WARN, "user data stream: %u failed connection attempts in a row; "
                "checking the listenKey", c->downs);
    lk_put(ex, 0);
}

/* ------------------------------------------------------------------------------------
 * market subscriptions
 * ---------------------------------------------------------------------------------- */

static void lower(char *dst, const char *src, size_t cap)
{
    size_t i;
    for (i = 0; src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] - 'A' + 'a') : src[i];
    dst[i] = '\0';
}

int sqt_bn_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    char **streams;
    char name[SQT_SYMBOL_MAX + 16];
    sqt_bn_query url;
    int rc;
    if ((rc = sqt_kit_plugin_take_price(&ex->kit, sink)) != SQT_OK)
        return rc;
    snprintf(name, sizeof(name), "%s@aggTrade", ex->sym_lower);
    if ((streams = calloc(1, sizeof(char *))) == NULL || (streams[0] = strdup(name)) == NULL) {
        free(streams);
        return SQT_ENOMEM;
    }
    sqt_bn_query_init(&url);
    sqt_bn_query_raw(&url, ex->ws_market, strlen(ex->ws_market));
    sqt_bn_query_raw(&url, "/ws/", 4);
    sqt_bn_query_raw(&url, name, strlen(name));
    if (url.err) {
        streams_free(streams, 1);
        sqt_bn_query_free(&url);
        return SQT_ENOMEM;
    }
    rc = conn_open(ex, BN_CONN_PRICE, sqt_bn_query_str(&url), 0, streams, 1);
    sqt_bn_query_free(&url);
    if (rc == SQT_OK)
        ex->kit.sinks.price_on = 1;
    return rc;
}

int sqt_bn_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink)
{
    char **streams;
    char name[SQT_SYMBOL_MAX + SQT_INTERVAL_MAX + 8], low[SQT_SYMBOL_MAX];
    sqt_bn_query url;
    size_t i;
    int rc;
    if (symbols == NULL || n == 0 ||
        n > BN_MAX_KLINE_SYMBOLS || !sqt_bn_interval_ok(interval))
        return SQT_EINVAL;
    for (i = 0; i < n; i++)
        if (!sqt_bn_symbol_ok(symbols[i]))
            return SQT_EINVAL;
    if ((rc = sqt_kit_plugin_take_klines(&ex->kit, sink)) != SQT_OK)
        return rc;
    if ((streams = calloc(n, sizeof(char *))) == NULL)
        return SQT_ENOMEM;
    sqt_bn_query_init(&url);
    sqt_bn_query_raw(&url, ex->ws_market, strlen(ex->ws_market));
    sqt_bn_query_raw(&url, "/stream?streams=", 16);
    for (i = 0; i < n; i++) {
        lower(low, symbols[i], sizeof(low));
        snprintf(name, sizeof(name), "%s@kline_%s", low, interval);
        if ((streams[i] = strdup(name)) == NULL)
            url.err = SQT_ENOMEM;
        if (i > 0)
            sqt_bn_query_raw(&url, "/", 1);
        sqt_bn_query_raw(&url, name, strlen(name));
    }
    if (url.err) {
        streams_free(streams, n);
        sqt_bn_query_free(&url);
        return SQT_ENOMEM;
    }
    rc = conn_open(ex, BN_CONN_KLINE, sqt_bn_query_str(&url), 0, streams, n);
    sqt_bn_query_free(&url);
    if (rc == SQT_OK)
        ex->kit.sinks.kline_on = 1;
    return rc;
}

/* ------------------------------------------------------------------------------------
 * user data stream and its listenKey
 * ---------------------------------------------------------------------------------- */

static void lk_retry_fired(void *ud)
{
    sqt_exchange *ex = ud;
    ex->lk_retry_timer = NULL; /* one-shot: the host released it */
    if (ex->kit.closing)
        return;
    if (ex->lk_retry_create || ex->listen_key[0] == '\0') {
        int rc = lk_create(ex);
        if (rc != SQT_OK)
            sqt_bn_logf(ex, SQT_LOG_WARN, "listenKey: cannot request a new key: %s",
                        sqt_strerror(rc));
    } else {
        lk_put(ex, 0);
    }
}

/* Try again later: after the ban if there is one, else with a growing delay. */
static void lk_schedule_retry(sqt_exchange *ex, int create)
{
    uint64_t delay;
    int64_t now = sqt_bn_wall(ex);
    if (ex->kit.closing || ex->lk_retry_timer != NULL)
        return;
    ex->lk_retry_create = create;
    ex->lk_retry_ms = ex->lk_retry_ms == 0 ? 1000 : ex->lk_retry_ms * 2;
    if (ex->lk_retry_ms > BN_LK_RETRY_MAX_MS)
        ex->lk_retry_ms = BN_LK_RETRY_MAX_MS;
    delay = ex->lk_retry_ms;
    if (ex->kit.rest.ban.until_ms > now && (uint64_t)(ex->kit.rest.ban.until_ms - now) > delay)
        delay = (uint64_t)(ex->kit.rest.ban.until_ms - now) + 1000;
    if (ex->kit.api->timer_start(ex->kit.host, delay, 0, lk_retry_fired, ex, &ex->lk_retry_timer) !=
        SQT_OK) {
        ex->lk_retry_timer = NULL;
        sqt_bn_logf(ex, SQT_LOG_ERROR, "listenKey: cannot start the retry timer");
    }
}

static void user_state(sqt_exchange *ex, sqt_stream_state st, const sqt_error *err)
{
    if (!ex->kit.closing && ex->kit.sinks.order.on_state != NULL)
        ex->kit.sinks.order.on_state(ex->kit.sinks.order.ud, st, err);
}

static void keepalive_fired(void *ud)
{
    lk_put(ud, 0);
}

static void user_connect(sqt_exchange *ex)
{
    sqt_bn_query url;
    int rc = SQT_ENOMEM;
    sqt_bn_query_init(&url);
    sqt_bn_query_raw(&url, ex->ws_private, strlen(ex->ws_private));
    if (ex->legacy_routing) {
        sqt_bn_query_raw(&url, "/ws/", 4);
        sqt_bn_query_raw(&url, ex->listen_key, strlen(ex->listen_key)); /* alphanumeric */
    } else {
        sqt_bn_query_raw(&url, "/ws?listenKey=", 14);
        sqt_bn_query_raw(&url, ex->listen_key, strlen(ex->listen_key));
        sqt_bn_query_raw(&url, "&events=" BN_USER_EVENTS, strlen("&events=" BN_USER_EVENTS));
    }
    if (!url.err)
        rc = conn_open(ex, BN_CONN_USER, sqt_bn_query_str(&url), BN_USER_STALE_MS, NULL, 0);
    sqt_bn_query_free(&url);
    if (rc != SQT_OK) {
        sqt_error e;
        sqt_bn_set_err(&e, rc, "user stream: cannot open the connection");
        user_state(ex, SQT_STREAM_FAILED, &e);
        return;
    }
    if (ex->keepalive_timer == NULL &&
        ex->kit.api->timer_start(ex->kit.host, ex->keepalive_ms, ex->keepalive_ms,
                                 keepalive_fired, ex, &ex->keepalive_timer) != SQT_OK) {
        ex->keepalive_timer = NULL;
        sqt_bn_logf(ex, SQT_LOG_ERROR, "listenKey: cannot start the keepalive timer");
    }
}

static void lk_create_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_exchange *ex = bn_ex(r);
    sqt_error e = res->err;
    ex->lk_creating = 0;
    if (ex->kit.closing || e.code == SQT_ECANCELLED)
        return;
    if (e.code == SQT_OK &&
        sqt_bn_parse_listen_key(res->body, res->len, ex->listen_key, sizeof(ex->listen_key),
                                &e) == SQT_OK) {
        ex->lk_retry_ms = 0;
        sqt_bn_logf(ex, SQT_LOG_INFO, "user data stream: listenKey obtained, connecting");
        user_connect(ex);
        return;
    }
    ex->listen_key[0] = '\0';
    if (e.code == SQT_EAUTH) { /* retrying cannot fix a key or permission problem */
        sqt_bn_logf(ex, SQT_LOG_ERROR, "user data stream: listenKey refused: %s", e.message);
        user_state(ex, SQT_STREAM_FAILED, &e);
        return;
    }
    sqt_bn_logf(ex, SQT_LOG_WARN, "user data stream: listenKey request failed (%s); retrying",
                e.message);
    lk_schedule_retry(ex, 1);
}

static int lk_create(sqt_exchange *ex)
{
    int rc;
    if (ex->lk_creating)
        return SQT_OK;
    rc = sqt_bn_rest(ex, "POST", "/fapi/v1/listenKey", NULL, SQT_KIT_AUTH_KEY, 0, lk_create_done,
                     NULL);
    if (rc == SQT_OK)
        ex->lk_creating = 1;
    return rc;
}

/* The key is dead: report the gap, drop the connection, get a new key. */
static void lk_recreate(sqt_exchange *ex, const char *why)
{
    sqt_error e;
    int rc;
    if (ex->lk_creating || ex->kit.closing)
        return;
    sqt_bn_logf(ex, SQT_LOG_WARN, "user data stream: %s: new listenKey, then re-sync", why);
    sqt_bn_set_err(&e, SQT_ENETWORK, "user data stream: %s", why);
    if (current(ex, BN_CONN_USER) != NULL) {
        sqt_kit_conn *k = &current(ex, BN_CONN_USER)->k;
        ex->kit.streams.current[BN_CONN_USER] = NULL;
        if (k->up) {
            k->up = 0;
            user_state(ex, SQT_STREAM_DOWN, &e);
        }
        sqt_kit_conn_close(k);
    }
    ex->listen_key[0] = '\0';
    ex->user_resync = 1;
    ex->lk_verify = 0;
    ex->lk_switch = 0; /* the new key comes with a new connection */
    if ((rc = lk_create(ex)) != SQT_OK) {
        sqt_bn_logf(ex, SQT_LOG_WARN, "listenKey: cannot request a new key: %s", sqt_strerror(rc));
        lk_schedule_retry(ex, 1);
    }
}

static void lk_put_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_exchange *ex = bn_ex(r);
    int verify = ex->lk_verify;
    ex->lk_putting = 0;
    if (ex->kit.closing || res->err.code == SQT_ECANCELLED)
        return;
    if (strcmp(res->err.exch_code, "-1125") == 0) {
        lk_recreate(ex, "listenKey no longer valid (-1125)");
        return;
    }
    ex->lk_verify = 0;
    if (res->err.code != SQT_OK) {
        sqt_bn_logf(ex, SQT_LOG_WARN, "listenKey keepalive failed (%s); retrying",
                    res->err.message);
        lk_schedule_retry(ex, 0);
    } else {
        ex->lk_retry_ms = 0;
        if (current(ex, BN_CONN_USER) != NULL &&
            current(ex, BN_CONN_USER)->downs >= 2 * BN_USER_FAILS_CHECK) {
            /* the account has a live key but the stream keeps refusing ours */
            lk_recreate(ex, "connections keep failing with a live listenKey");
            return;
        }
        if (ex->lk_switch) { /* the key lives another 60 min: replace the old connection */
            ex->lk_switch = 0;
            if (current(ex, BN_CONN_USER) != NULL)
                sqt_kit_conn_rotate(&current(ex, BN_CONN_USER)->k);
        }
    }
    /* connected with our key: unless the exchange said the key is gone, it is live */
    if (verify && current(ex, BN_CONN_USER) != NULL && current(ex, BN_CONN_USER)->k.connected)
        sqt_kit_conn_up(&current(ex, BN_CONN_USER)->k);
}

static void lk_put(sqt_exchange *ex, int verify)
{
    int rc;
    if (verify)
        ex->lk_verify = 1;
    if (ex->kit.closing || ex->lk_putting || ex->lk_creating || ex->listen_key[0] == '\0')
        return;
    rc = sqt_bn_rest(ex, "PUT", "/fapi/v1/listenKey", NULL, SQT_KIT_AUTH_KEY, 0, lk_put_done, NULL);
    if (rc == SQT_OK) {
        ex->lk_putting = 1;
        return;
    }
    sqt_bn_logf(ex, SQT_LOG_WARN, "listenKey keepalive not sent: %s", sqt_strerror(rc));
    lk_schedule_retry(ex, 0);
}

int sqt_bn_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    int rc;
    if ((rc = sqt_kit_plugin_take_orders(&ex->kit, sink)) != SQT_OK)
        return rc;
    if ((rc = lk_create(ex)) != SQT_OK)
        return rc;
    ex->kit.sinks.order_on = 1;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * shutdown / destroy
 * ---------------------------------------------------------------------------------- */

static void stop_timers(sqt_exchange *ex)
{
    timer_clear(ex, &ex->keepalive_timer);
    timer_clear(ex, &ex->lk_retry_timer);
    timer_clear(ex, &ex->lk_delete_timer);
}

static void lk_delete_done(sqt_kit_call *r, const sqt_kit_answer *res)
{
    sqt_exchange *ex = bn_ex(r);
    timer_clear(ex, &ex->lk_delete_timer);
    if (res->err.code == SQT_OK)
        sqt_bn_logf(ex, SQT_LOG_INFO, "user data stream: listenKey deleted");
    else if (res->err.code == SQT_ECANCELLED)
        sqt_bn_logf(ex, SQT_LOG_WARN, "user data stream: no answer to the listenKey DELETE "
                    "in %llu ms; the key expires by itself within 60 min",
                    (unsigned long long)BN_LK_DELETE_WAIT_MS);
    else
        sqt_bn_logf(ex, SQT_LOG_WARN, "user data stream: listenKey DELETE failed (%s); the key "
                    "expires by itself within 60 min", res->err.message);
}

static void lk_delete_bound(void *ud)
{
    sqt_exchange *ex = ud;
    ex->lk_delete_timer = NULL; /* one-shot: released by the host */
    /* everything else was cancelled when the shutdown began: this is the DELETE */
    sqt_kit_rest_cancel_all(&ex->kit.rest);
}

void sqt_bn_lk_delete(sqt_exchange *ex)
{
    int rc;
    /* none ever obtained, or found dead (-1125, listenKeyExpired): nothing to delete */
    if (!ex->kit.sinks.order_on || ex->listen_key[0] == '\0')
        return;
    rc = sqt_bn_rest_at_shutdown(ex, "DELETE", "/fapi/v1/listenKey", SQT_KIT_AUTH_KEY,
                                 lk_delete_done, NULL);
    if (rc != SQT_OK) {
        if (rc != SQT_EBANNED) /* the ban check logged that one */
            sqt_bn_logf(ex, SQT_LOG_WARN, "user data stream: listenKey not deleted: %s",
                        sqt_strerror(rc));
        return;
    }
    if (ex->kit.api->timer_start(ex->kit.host, BN_LK_DELETE_WAIT_MS, 0, lk_delete_bound, ex,
                             &ex->lk_delete_timer) != SQT_OK) {
        ex->lk_delete_timer = NULL;
        sqt_kit_rest_cancel_all(&ex->kit.rest); /* no bound: not worth an unbounded wait */
    }
}

void sqt_bn_streams_stop(sqt_exchange *ex)
{
    stop_timers(ex);
}
