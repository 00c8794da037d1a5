/* Binance parsers: pure functions from exchange text (REST bodies, stream messages) to
 * SDK structs. No I/O, no state, no clock (times come in as arguments), so a fuzz
 * target can call every one of them. Each returns SQT_OK or a negative SQT_E* code and
 * then fills `err` (code + a message naming the field); on failure the outputs are not
 * to be used. Money is read from JSON strings (or integers) exactly, never via double. */
#ifndef SQT_BN_PARSE_H
#define SQT_BN_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>
#include <opensqt/pluginkit.h>

#define SQT_BN_MAX_BATCH_PLACE 5
#define SQT_BN_MAX_BATCH_CANCEL 10
#define SQT_BN_CLIENT_ID_LIMIT 36

/* exchangeInfo.rateLimits we care about (-1 = not published), and the symbol's order
 * bounds the SDK's symbol info does not carry (0 = none published). */
typedef struct sqt_bn_limits {
    int32_t weight_1m;
    int32_t orders_1m;
    int32_t orders_10s;
    sqt_dec min_price;         /* PRICE_FILTER minPrice */
    sqt_dec max_price;         /* PRICE_FILTER maxPrice */
    sqt_dec max_qty;           /* LOT_SIZE maxQty (limit orders) */
} sqt_bn_limits;

/* One element of a batch answer: an order (err.code == SQT_OK) or the item's error. */
typedef sqt_kit_item sqt_bn_item;

enum sqt_bn_user_event {
    SQT_BN_EV_OTHER = 0,       /* ACCOUNT_UPDATE, TRADE_LITE, ...: nothing to do */
    SQT_BN_EV_ORDER = 1,       /* ORDER_TRADE_UPDATE: *order filled */
    SQT_BN_EV_EXPIRED = 2      /* listenKeyExpired: key copied (may be "") */
};

enum sqt_bn_market_msg {
    SQT_BN_MK_OTHER = 0,
    SQT_BN_MK_TRADE = 1,       /* aggTrade: *tick filled */
    SQT_BN_MK_KLINE = 2,       /* kline: *kline filled */
    SQT_BN_MK_REPLY = 3        /* {"result":...,"id":N} or {"error":...,"id":N} */
};

/* Classify an HTTP answer (any status). Reads {"code","msg"} when the body has them.
 * Returns the class (SQT_OK for a 2xx body that is not an error object) and fills e:
 * exch_code/message from the body, http_status, retry_after_ms (rate limit: from
 * `retry_after` header seconds; ban: until the time in the message, else the header,
 * else 2 minutes). now_ms is the wall clock, for "banned until <ms>". */
int sqt_bn_classify(int http_status, const char *body, size_t len, const char *retry_after,
                    int64_t now_ms, sqt_error *e);
/* The SDK order status (>= 0) of Binance's name s[0..n), or -1 when unknown. */
int sqt_bn_status_of(const char *s, size_t n);
/* SQT_SIDE_BUY/SELL of "BUY"/"SELL" (s[0..n)), else -1. */
int sqt_bn_side_of(const char *s, size_t n);
/* The SDK class of a Binance error code (SQT_EEXCHANGE when not special). */
int sqt_bn_code_class(long code);

int sqt_bn_parse_exchange_info(const char *json, size_t len, const char *symbol,
                               sqt_symbol_info *info, sqt_bn_limits *lim, sqt_error *err);
int sqt_bn_parse_server_time(const char *json, size_t len, int64_t *ms, sqt_error *err);
int sqt_bn_parse_listen_key(const char *json, size_t len, char *key, size_t cap,
                            sqt_error *err);
/* GET /fapi/v1/positionSide/dual -> *hedge = 1 (dual side) or 0 (one-way). */
int sqt_bn_parse_position_mode(const char *json, size_t len, int *hedge, sqt_error *err);
/* GET /fapi/v1/symbolConfig: the leverage of `symbol` (v3 account and positionRisk no
 * longer carry it). */
int sqt_bn_parse_symbol_leverage(const char *json, size_t len, const char *symbol,
                                 int32_t *leverage, sqt_error *err);
/* GET /fapi/v2/account: balance/available of `asset`, leverage of `symbol`. */
int sqt_bn_parse_account(const char *json, size_t len, const char *asset,
                         const char *symbol, sqt_account *out, sqt_error *err);
/* GET /fapi/v2/positionRisk: the entries of `symbol` (at most cap). */
int sqt_bn_parse_positions(const char *json, size_t len, const char *symbol,
                           sqt_position *out, size_t cap, size_t *n, sqt_error *err);
/* One REST order object; `prefix` is stripped from clientOrderId. */
int sqt_bn_parse_order(const char *json, size_t len, const char *prefix, sqt_order *out,
                       sqt_error *err);
/* An array of orders of `symbol` (others skipped); *out is malloc'ed (free it), NULL
 * when n == 0. */
int sqt_bn_parse_orders(const char *json, size_t len, const char *symbol, const char *prefix,
                        sqt_order **out, size_t *n, sqt_error *err);
/* The trades of one order in an account trade list, summed exactly. */
typedef struct sqt_bn_trade_sum {
    size_t n;                  /* trades of the order */
    sqt_dec qty;               /* sum of qty, base coin */
    sqt_dec fee;               /* sum of commission as given: positive = paid (see parse.c) */
    char fee_asset[SQT_ASSET_MAX]; /* the commissionAsset named first, "" when none */
    int one_asset;             /* 1: some trade names an asset and every one that does, this one */
} sqt_bn_trade_sum;

/* GET /fapi/v1/userTrades: sum the trades of order `order_id` (decimal text) of `symbol`.
 * Trades of other orders or symbols are skipped, but every element must be well-formed.
 * An empty array is a sum of nothing (n = 0). */
int sqt_bn_parse_user_trades(const char *json, size_t len, const char *symbol,
                             const char *order_id, sqt_bn_trade_sum *sum, sqt_error *err);
/* A batch answer (place or cancel): exactly n elements, each an order or {code,msg}. */
int sqt_bn_parse_batch(const char *json, size_t len, size_t n, const char *prefix,
                       sqt_bn_item *items, sqt_error *err);
/* GET /fapi/v1/klines. closed = close time < server_now_ms (the last candle is open). */
int sqt_bn_parse_klines(const char *json, size_t len, const char *symbol,
                        const char *interval, int64_t server_now_ms, sqt_kline **out,
                        size_t *n, sqt_error *err);

/* A user-data-stream message. *kind says what was filled. */
int sqt_bn_parse_user_event(const char *json, size_t len, const char *prefix, int *kind,
                            sqt_order *order, char *expired_key, size_t key_cap,
                            sqt_error *err);
/* A market-stream message, raw or wrapped as {"stream":..,"data":..}. For a reply,
 * *reply_id is its id and *reply_failed 1 when it carried "error". */
int sqt_bn_parse_market(const char *json, size_t len, int *kind, sqt_price_tick *tick,
                        sqt_kline *kline, int64_t *reply_id, int *reply_failed,
                        sqt_error *err);
/* A LIST_SUBSCRIPTIONS result: 1 when every name of want[] is listed (any case). */
int sqt_bn_reply_lists_all(const char *json, size_t len, const char *const *want,
                           size_t n_want);

#endif
