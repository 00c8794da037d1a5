/* Bitget plugin internals shared by its modules:
 *   bitget.c   config, create/shutdown/destroy, the function table
 *   rest.c     the REST engine: signing, ACCESS-* headers, server-time offset, errors
 *   ops.c      REST operations (contract, account, positions, orders, candles)
 *   stream.c   WebSocket streams (ticker, candles, private orders after login)
 *   parse.c    answers and pushes to SDK structs; sign.c the signatures
 * Nothing here is exported from the .so: the only public symbol is sqt_plugin_entry. */
#ifndef SQT_BG_H
#define SQT_BG_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#include <opensqt/pluginkit.h>

#include "parse.h"
#include "sign.h"

#define BG_URL_MAX 256
#define BG_NAME_MAX 32             /* productType, margin coin */
/* Bitget ends every connection after 24 h (bitget.md 4.1): replaced make-before-break */
#define BG_CONN_MAX_AGE_MS UINT64_C(82800000)    /* 23 h */
#define BG_CONN_SWITCH_MS UINT64_C(60000)
#define BG_CONN_SWITCH_RETRY_MS UINT64_C(300000)
#define BG_CONN_OVERLAP_MS UINT64_C(5000)
#define BG_PING_MS 30000u                        /* text "ping" (bitget.md 4.1) */
#define BG_STALE_MS 90000u                       /* no pong nor push this long: reconnect */
#define BG_OPEN_PAGES_MAX 50                     /* 5000 open orders: past any symbol cap */

/* A REST call's record and outcome are the kit engine's (sqt_kit_call, sqt_kit_answer:
 * err.code SQT_OK for HTTP 2xx with code "00000"); its owner is the exchange. */
static inline sqt_exchange *bg_ex(const sqt_kit_call *r)
{
    return (sqt_exchange *)r->owner;
}

enum bg_conn_kind {
    BG_CONN_PRICE = SQT_KIT_STREAM_PRICE,
    BG_CONN_KLINE = SQT_KIT_STREAM_KLINES,
    BG_CONN_USER = SQT_KIT_STREAM_ORDERS
};

typedef struct bg_conn {
    sqt_kit_conn k;            /* first: the kit allocates and frees the whole record */
    sqt_exchange *ex;
    int logged_in;             /* private: login acknowledged on this connection */
} bg_conn;

struct sqt_exchange {
    /* first: host, REST engine (rest.c: the dialect), stream set, shutdown (the kit's) */
    sqt_kit_plugin kit;

    /* configuration */
    char symbol[SQT_SYMBOL_MAX];
    char product_type[BG_NAME_MAX];  /* USDT-FUTURES (demo legacy: SUSDT-FUTURES) */
    char margin_coin[BG_NAME_MAX];   /* USDT (SUSDT) */
    char margin_mode[BG_NAME_MAX];   /* crossed / isolated: learned from the account */
    char rest_url[BG_URL_MAX];
    char ws_public[BG_URL_MAX];
    char ws_private[BG_URL_MAX];
    char channel_code[BG_NAME_MAX];  /* X-CHANNEL-API-CODE; "" none */
    int demo;                        /* paptrading: 1 */
    int allow_hedge;


    /* start-up facts */
    int have_info;
    sqt_symbol_info info;
    int pos_mode;                    /* SQT_POSMODE_* from the account */
    int32_t leverage;

    /* streams (the set is kit.streams) */
    sqt_kit_klines klines;           /* closed derived from the next candle */

    /* warm: the canned fill push, made at the first call (the symbol is fixed) */
    char warm_push[512];
    size_t warm_len;
};

/* ---- bitget.c ------------------------------------------------------------------- */
void sqt_bg_logf(sqt_exchange *ex, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t sqt_bg_wall(sqt_exchange *ex);

/* ---- rest.c --------------------------------------------------------------------- */
/* create: the kit's REST engine with Bitget's dialect, on ex->rest_url. */
void sqt_bg_rest_init(sqt_exchange *ex);
/* Start a REST call (auth 1: signed). `query` (GET, encoded, may be NULL) and `body`
 * (POST JSON, may be NULL) are copied. On success done runs exactly once later (ctx is
 * done's to free). On failure nothing is called; ctx stays the caller's. */
int sqt_bg_rest(sqt_exchange *ex, const char *method, const char *path, const char *query,
                const char *body, int auth, int mutating, sqt_kit_answer_fn done, void *ctx);

/* ---- ops.c ---------------------------------------------------------------------- */
int sqt_bg_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud);
int sqt_bg_account(sqt_exchange *ex, sqt_account_cb cb, void *ud);
int sqt_bg_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud);
int sqt_bg_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud);
int sqt_bg_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud);
int sqt_bg_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                        sqt_place_cb cb, void *ud);
int sqt_bg_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud);
int sqt_bg_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud);
int sqt_bg_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud);
int sqt_bg_symbol_ok(const char *s);
int sqt_bg_client_id_ok(const char *s);
/* sqt_exchange_api.warm: a fill push parsed and an order built and signed as
 * sqt_bg_place_orders does, all thrown away (no request, no callback). */
void sqt_bg_warm(sqt_exchange *ex);

/* ---- stream.c ------------------------------------------------------------------- */
int sqt_bg_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink);
int sqt_bg_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink);
int sqt_bg_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink);
void sqt_bg_streams_init(sqt_exchange *ex);

#endif
