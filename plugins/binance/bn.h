/* Binance plugin internals shared by its modules:
 *   binance.c  config, create/shutdown/destroy, the function table
 *   rest.c     the REST engine: signing, server-time offset, bans, rate headers, errors
 *   ops.c      REST operations (symbol info, account, orders, klines)
 *   stream.c   WebSocket streams (price, klines, user data with its listenKey)
 * Nothing here is exported from the .so: the only public symbol is sqt_plugin_entry. */
#ifndef SQT_BN_H
#define SQT_BN_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#include <opensqt/pluginkit.h>

#include "parse.h"
#include "sign.h"

#define BN_URL_MAX 256
#define BN_ID_CHARS ".:/_-"             /* client id characters besides letters, digits */
#define BN_PREFIX_MAX 20           /* leaves >= 16 characters of the 36 for the engine */
#define BN_LISTEN_KEY_MAX 128
#define BN_KEEPALIVE_DEFAULT_MS INT64_C(1800000) /* PUT listenKey every 30 min */
#define BN_KEEPALIVE_MIN_MS INT64_C(60000)
#define BN_KEEPALIVE_MAX_MS INT64_C(3540000)     /* 59 min: the key lives 60 */
/* Binance ends every stream connection after 24 h; at this age it is replaced
 * make-before-break (binance.md 4.1, 4.6) */
#define BN_CONN_MAX_AGE_MS UINT64_C(82800000)    /* 23 h */
#define BN_CONN_SWITCH_MS UINT64_C(60000)        /* the replacement must be UP by then */
#define BN_CONN_SWITCH_RETRY_MS UINT64_C(300000) /* else the old one is kept: retry later */
#define BN_CONN_RETIRE_MS UINT64_C(5000)         /* an old user connection overlaps this long */
#define BN_LK_DELETE_WAIT_MS UINT64_C(2000)      /* shutdown waits this long for DELETE */

typedef struct bn_conn bn_conn;

/* A REST call's record and outcome are the kit engine's (sqt_kit_call, sqt_kit_answer);
 * its owner is the exchange. */
static inline sqt_exchange *bn_ex(const sqt_kit_call *r)
{
    return (sqt_exchange *)r->owner;
}

enum bn_conn_kind {
    BN_CONN_PRICE = SQT_KIT_STREAM_PRICE,
    BN_CONN_KLINE = SQT_KIT_STREAM_KLINES,
    BN_CONN_USER = SQT_KIT_STREAM_ORDERS
};

/* A stream connection: the kit's part (state, rotation; sqt_kit_conn) and Binance's. */
struct bn_conn {
    sqt_kit_conn k;            /* first: the kit allocates and frees the whole record */
    sqt_exchange *ex;
    int64_t list_id, sub_id;   /* control requests awaiting their reply */
    char **streams;            /* market stream names, for the confirmation */
    size_t n_streams;
    unsigned downs;            /* user stream: on_down since the last on_open */
};

struct sqt_exchange {
    /* first: host, REST engine (rest.c: the dialect), stream set, shutdown (the kit's) */
    sqt_kit_plugin kit;

    /* configuration */
    char symbol[SQT_SYMBOL_MAX];
    char sym_lower[SQT_SYMBOL_MAX];
    char rest_url[BN_URL_MAX];
    char ws_market[BN_URL_MAX];
    char ws_private[BN_URL_MAX];
    char prefix[BN_PREFIX_MAX + 1];
    size_t prefix_len;
    int recv_window;
    int allow_hedge;
    uint64_t keepalive_ms;
    int legacy_routing;        /* stream_routing: legacy (user stream at /ws/<listenKey>) */

    sqt_bn_limits limits;

    /* start-up facts */
    int have_info;
    sqt_symbol_info info;
    int pos_mode;              /* SQT_POSMODE_* learned from positionSide/dual */
    int32_t leverage;          /* the symbol's, from the account or symbolConfig; 0 unknown */

    /* streams (the set is kit.streams, current connection per bn_conn_kind) */
    int64_t ws_msg_id;
    char listen_key[BN_LISTEN_KEY_MAX];
    sqt_timer *keepalive_timer;
    sqt_timer *lk_retry_timer;
    uint64_t lk_retry_ms;
    int lk_creating;           /* POST listenKey in flight */
    int lk_putting;            /* PUT listenKey in flight */
    int lk_verify;             /* a PUT checks the key after a reconnect: UP follows it */
    int lk_retry_create;       /* the retry timer creates a key (else it extends one) */
    int user_resync;           /* the next UP is preceded by RESYNC */
    int lk_switch;             /* the user connection is old: a PUT, then its successor */
    sqt_timer *lk_delete_timer; /* shutdown's bound on the DELETE listenKey */

    /* warm: the canned fill push, made at the first call (symbol and prefix are fixed) */
    char warm_push[700];
    size_t warm_len;
};

/* ---- binance.c ------------------------------------------------------------------ */
void sqt_bn_logf(sqt_exchange *ex, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t sqt_bn_wall(sqt_exchange *ex);
void sqt_bn_set_err(sqt_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- rest.c --------------------------------------------------------------------- */
/* create: the kit's REST engine with Binance's dialect, on ex->rest_url. */
void sqt_bn_rest_init(sqt_exchange *ex);
/* Start a REST call (auth SQT_KIT_AUTH_*); `q` (may be NULL) is consumed: the query of a
 * GET/DELETE, the form body of a POST/PUT. On success done runs exactly once later (ctx
 * is done's to free). On failure nothing is called and the error is returned; ctx stays
 * the caller's. */
int sqt_bn_rest(sqt_exchange *ex, const char *method, const char *path, sqt_bn_query *q,
                int auth, int mutating, sqt_kit_answer_fn done, void *ctx);
/* sqt_bn_rest for the one call shutdown itself makes (DELETE listenKey): allowed while
 * closing; not for signed calls (the server-time measurement is cancelled by then). */
int sqt_bn_rest_at_shutdown(sqt_exchange *ex, const char *method, const char *path, int auth,
                            sqt_kit_answer_fn done, void *ctx);

/* ---- ops.c ---------------------------------------------------------------------- */
int sqt_bn_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud);
int sqt_bn_account(sqt_exchange *ex, sqt_account_cb cb, void *ud);
int sqt_bn_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud);
int sqt_bn_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud);
int sqt_bn_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud);
int sqt_bn_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                        sqt_place_cb cb, void *ud);
int sqt_bn_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud);
int sqt_bn_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud);
int sqt_bn_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud);
/* sqt_exchange_api.warm: a fill push parsed on the fast path and an order built and
 * signed as sqt_bn_place_orders signs it, all thrown away (no request, no callback). */
void sqt_bn_warm(sqt_exchange *ex);
/* 1 when s is a valid engine client id of this instance (charset, length after prefix). */
int sqt_bn_client_id_ok(const sqt_exchange *ex, const char *s);
int sqt_bn_interval_ok(const char *s);
int sqt_bn_symbol_ok(const char *s);

/* ---- stream.c ------------------------------------------------------------------- */
int sqt_bn_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink);
int sqt_bn_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink);
int sqt_bn_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink);
/* Shutdown and destroy (the kit closes / frees the connections): stop the listenKey
 * timers. */
void sqt_bn_streams_stop(sqt_exchange *ex);
/* create: the stream set (the kit's), with Binance's hooks and 23 h rotation. */
void sqt_bn_streams_init(sqt_exchange *ex);
/* Shutdown, after close_all: DELETE the listenKey we hold (if any), bounded by
 * BN_LK_DELETE_WAIT_MS; the shutdown completes when it is answered or cancelled. */
void sqt_bn_lk_delete(sqt_exchange *ex);

#endif
