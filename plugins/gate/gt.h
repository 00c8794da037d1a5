/* Gate.io plugin internals shared by its modules:
 *   gate.c     config, create/shutdown/destroy, the function table
 *   rest.c     Gate's dialect of the kit's signed-REST engine (KEY/SIGN/Timestamp in
 *              seconds, X-Gate-Size-Decimal, classes by label, rate-limit headers)
 *   ops.c      REST operations (contract, account, positions, orders, candles)
 *   fees.c     the fee of an order: trade lists for REST answers, and the pairing of
 *              futures.orders with futures.usertrades on the stream
 *   stream.c   WebSocket streams (tickers, candlesticks, orders + usertrades)
 *   parse.c    answers and pushes to SDK structs; sign.c the signatures
 * Nothing here is exported from the .so: the only public symbol is sqt_plugin_entry. */
#ifndef SQT_GT_H
#define SQT_GT_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#include <opensqt/pluginkit.h>

#include "parse.h"
#include "sign.h"

#define GT_URL_MAX 256
#define GT_SECRET_MAX 160
#define GT_NAME_MAX 32
#define GT_API "/api/v4"                         /* signed as part of the path */
#define GT_CONN_MAX_AGE_MS UINT64_C(82800000)    /* no documented cap (gate.md 10): 23 h */
#define GT_CONN_SWITCH_MS UINT64_C(60000)
#define GT_CONN_SWITCH_RETRY_MS UINT64_C(300000)
#define GT_CONN_OVERLAP_MS UINT64_C(5000)
#define GT_PING_MS 10000u                        /* futures.ping, as Gate's sample (4.1) */
#define GT_STALE_MS 60000u                       /* no pong nor push this long: reconnect */
#define GT_OPEN_PAGES_MAX 50                     /* 5000 open orders: past any cap */
#define GT_FEE_WAIT_MS 1500u                     /* a fill's usertrades push, at most */
#define GT_FEE_ORDERS 64                         /* orders whose fills are paired */
#define GT_FEE_TRADES 16                         /* fills remembered per order */

/* the kit's stream kinds: their states go to the host's sinks */
enum gt_conn_kind {
    GT_CONN_PRICE = SQT_KIT_STREAM_PRICE,
    GT_CONN_KLINE = SQT_KIT_STREAM_KLINES,
    GT_CONN_USER = SQT_KIT_STREAM_ORDERS
};

typedef struct gt_conn {
    sqt_kit_conn k;            /* first: the kit allocates and frees the whole record */
    sqt_exchange *ex;
} gt_conn;

/* The fills of one order seen on futures.usertrades, and its last state from
 * futures.orders (delivered, or held until its fills' fees are known). */
typedef struct gt_fee_rec {
    char order_id[SQT_ORDER_ID_MAX];  /* "" = free */
    uint64_t stamp;                   /* last use, for eviction */
    size_t n_trades;
    sqt_gt_fill trades[GT_FEE_TRADES];
    char trade_ids[GT_FEE_TRADES][SQT_ORDER_ID_MAX];
    int have_delivered;
    sqt_order delivered;              /* the last state the sink heard */
    int held;
    sqt_order hold;                   /* waiting for its fills' fees */
    int64_t hold_until_ms;
    int fetching;                     /* the trade list is asked for */
} gt_fee_rec;

struct sqt_exchange {
    sqt_kit_plugin kit;        /* first: host, keys, REST engine, streams, sinks, shutdown */

    /* configuration */
    char symbol[SQT_SYMBOL_MAX];
    char contract[SQT_GT_CONTRACT_MAX];
    char rest_url[GT_URL_MAX];
    char ws_url[GT_URL_MAX];
    char channel_id[GT_NAME_MAX];    /* X-Gate-Channel-Id; "" none */
    int allow_hedge;

    /* start-up facts */
    int have_info;
    sqt_gt_contract con;
    sqt_gt_units units;              /* contract, multiplier, tick scale */
    int pos_mode;                    /* SQT_POSMODE_* from the account */
    char user[SQT_GT_USER_MAX];      /* numeric user id for futures.orders */
    int32_t leverage;

    /* streams (the kit's set and sinks), what they carry */
    sqt_header ws_headers[1];
    sqt_timer *ping_timer;
    sqt_kit_klines klines;           /* `w` closes a candle, else the next one does */

    /* fills of the order stream (fees.c) */
    gt_fee_rec fees[GT_FEE_ORDERS];
    uint64_t fee_clock;
    sqt_timer *fee_timer;

    /* warm: the canned fill push, made at the first call (the contract is fixed) */
    char warm_push[900];
    size_t warm_len;
};

/* ---- gate.c --------------------------------------------------------------------- */
void sqt_gt_logf(sqt_exchange *ex, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t sqt_gt_wall(sqt_exchange *ex);

/* ---- rest.c --------------------------------------------------------------------- */
void sqt_gt_rest_init(sqt_exchange *ex);
/* A call on GT_API + path (the full path is signed). query (encoded, may be NULL) and
 * body (JSON, may be NULL) are copied. On success done runs exactly once later. */
int sqt_gt_rest(sqt_exchange *ex, const char *method, const char *path, const char *query,
                const char *body, int auth, int mutating, sqt_kit_answer_fn done, void *ctx);

/* ---- ops.c ---------------------------------------------------------------------- */
int sqt_gt_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud);
int sqt_gt_account(sqt_exchange *ex, sqt_account_cb cb, void *ud);
int sqt_gt_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud);
int sqt_gt_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud);
int sqt_gt_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud);
int sqt_gt_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                        sqt_place_cb cb, void *ud);
int sqt_gt_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud);
int sqt_gt_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud);
int sqt_gt_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud);
int sqt_gt_symbol_ok(const char *s);
/* An engine client id: [A-Za-z0-9_.-]{1,26} (with "t-" at most 28, gate.md 7, 11). */
int sqt_gt_client_id_ok(const char *s);
/* sqt_exchange_api.warm: a fill push parsed and an order built and signed as
 * sqt_gt_place_orders does, all thrown away (no request, no callback). */
void sqt_gt_warm(sqt_exchange *ex);

/* ---- fees.c --------------------------------------------------------------------- */
/* Hand orders[0..n) to cb exactly once, each filled one with its cumulative fee from its
 * trade list (my_trades) when that covers the filled quantity. Called from a REST
 * completion, never inside the operation's own call. */
void sqt_gt_fee_start(sqt_exchange *ex, const char *what, sqt_orders_cb cb, void *ud,
                      const sqt_order *orders, size_t n);
/* The order stream: a state from futures.orders, fills from futures.usertrades. */
void sqt_gt_fees_on_order(sqt_exchange *ex, const sqt_order *o);
void sqt_gt_fees_on_fill(sqt_exchange *ex, const sqt_gt_fill *f);
void sqt_gt_fees_stop(sqt_exchange *ex);

/* ---- stream.c ------------------------------------------------------------------- */
int sqt_gt_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink);
int sqt_gt_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink);
int sqt_gt_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink);
void sqt_gt_streams_init(sqt_exchange *ex);
/* shutdown / destroy: the plugin's own timer (the kit closes the connections) */
void sqt_gt_streams_stop(sqt_exchange *ex);
/* The order sink, unless closing. */
void sqt_gt_deliver_order(sqt_exchange *ex, const sqt_order *o);

#endif
