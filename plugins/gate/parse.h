/* Gate.io futures API v4 parsers: every REST answer and stream message the plugin reads,
 * from bytes to SDK structs, and the exact contracts <-> coins conversion. Pure functions
 * (no I/O, no clock), so the unit tests and the fuzz target drive them directly. Sizes
 * are signed counts of contracts on the wire (gate.md 8); what leaves here is base coin.
 * A malformed answer is SQT_EPROTO naming the field. */
#ifndef SQT_GT_PARSE_H
#define SQT_GT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#define SQT_GT_MAX_BATCH_PLACE 10  /* batch_orders (gate.md 3.6) */
#define SQT_GT_MAX_BATCH_CANCEL 20 /* batch_cancel_orders (gate.md 3.8) */
#define SQT_GT_PAGE 100            /* open orders page size (gate.md 3.10) */
#define SQT_GT_TEXT_PREFIX "t-"    /* mandatory prefix of `text` (gate.md 7) */
#define SQT_GT_TEXT_PREFIX_LEN 2
/* Gate allows 28 bytes after "t-", ccxt refuses more than 28 including it (gate.md 11):
 * 28 in all satisfies both, so the engine gets 28 - 2. */
#define SQT_GT_TEXT_MAX 28
#define SQT_GT_CLIENT_ID_LIMIT (SQT_GT_TEXT_MAX - SQT_GT_TEXT_PREFIX_LEN)
#define SQT_GT_CONTRACT_MAX 40     /* "BTC_USDT", with room for prefixes */
#define SQT_GT_USER_MAX 24         /* numeric user id as text */

/* ---- symbols and units -------------------------------------------------------------- */

/* Config spelling -> contract: "BTCUSDT" -> "BTC_USDT" (USDT-settled only). SQT_EINVAL
 * when the symbol is not <BASE>USDT of [A-Z0-9]. */
int sqt_gt_contract_name(const char *symbol, char *out, size_t cap);
/* Contract -> config spelling: "BTC_USDT" -> "BTCUSDT" (every '_' dropped). */
int sqt_gt_symbol_of(const char *contract, char *out, size_t cap);

/* a x b exactly (trailing zeros dropped when the scale would pass 18). SQT_ERANGE when it
 * does not fit. */
int sqt_gt_dec_mul(sqt_dec a, sqt_dec b, sqt_dec *out);
/* qty coins -> whole contracts, exact integer arithmetic (never a double: 0.03 / 0.01 is
 * 3, gate.md 8). A qty that is not a whole number of contracts is SQT_ERULES and the
 * message names the nearest quantities that would work. */
int sqt_gt_to_contracts(sqt_dec qty, sqt_dec mult, int64_t *contracts, sqt_error *e);
/* contracts (may be fractional with X-Gate-Size-Decimal) -> coins, exact. */
int sqt_gt_to_coins(sqt_dec contracts, sqt_dec mult, sqt_dec *out);

/* How to read orders of one contract: its multiplier, the tick's scale (prices that come
 * as JSON numbers are brought to it), and whether to keep `text` raw. */
typedef struct sqt_gt_units {
    const char *contract;      /* "ETH_USDT": orders of other contracts are refused */
    sqt_dec mult;              /* quanto_multiplier, > 0 */
    int32_t tick_scale;        /* decimals of order_price_round */
    int raw_text;              /* 1: client_id = text as sent ("t-..."); 0: prefix stripped */
} sqt_gt_units;

/* ---- errors ------------------------------------------------------------------------- */

/* The verdict on one REST answer: SQT_OK for HTTP 2xx; else the SDK class from the label
 * (never the message), with label and message (or detail) kept in exch_code / message.
 * 429 is a rate limit (retry_after_ms from X-Gate-RateLimit-Reset-Timestamp when the
 * caller passes it in reset_hdr, else 1000), 5xx an unknown outcome. */
void sqt_gt_classify(int http_status, const char *body, size_t len, const char *reset_hdr,
                     int64_t now_ms, sqt_error *e);
/* The SDK class of one label (SQT_OK for NO_CHANGE; SQT_EEXCHANGE when unknown). */
int sqt_gt_label_class(const char *label);

/* ---- REST answers ------------------------------------------------------------------- */

/* GET /spot/time: {"server_time": ms}. */
int sqt_gt_parse_server_time(const char *json, size_t len, int64_t *ms, sqt_error *e);

/* GET /futures/usdt/contracts/{contract}: the rules, in coins. step = min step of the
 * engine = one contract (quanto_multiplier); min_qty = order_size_min contracts. */
typedef struct sqt_gt_contract {
    sqt_symbol_info info;
    sqt_dec mult;              /* quanto_multiplier, normalized */
    int64_t size_min, size_max; /* contracts; size_max 0 = none given */
    int enable_decimal;
} sqt_gt_contract;
int sqt_gt_parse_contract(const char *json, size_t len, const char *symbol,
                          sqt_gt_contract *c, sqt_error *e);

/* GET /futures/usdt/accounts: balance = total, available, the numeric user id (number or
 * string, gate.md 11) and the position mode (position_mode, else in_dual_mode). */
typedef struct sqt_gt_acct {
    sqt_account acct;
    char user[SQT_GT_USER_MAX]; /* "" when the answer has none */
} sqt_gt_acct;
int sqt_gt_parse_account(const char *json, size_t len, sqt_gt_acct *out, sqt_error *e);

/* positions/{contract} (one object) or dual_comp/positions/{contract} (an array): the
 * entries of u->contract with a non-zero size, in coins (signed: + long). Leverage "0"
 * is cross margin: cross_leverage_limit then. */
int sqt_gt_parse_positions(const char *json, size_t len, const sqt_gt_units *u,
                           sqt_position *pos, size_t cap, size_t *n, sqt_error *e);

/* The leverage of `contract` from the same answers (a flat position has one too): the
 * highest of its entries (dual mode has two), 0 when none is listed. */
int sqt_gt_parse_leverage(const char *json, size_t len, const char *contract, int32_t *lev,
                          sqt_error *e);

/* One FuturesOrder object (place, query, cancel answers). */
int sqt_gt_parse_order(const char *json, size_t len, const sqt_gt_units *u, sqt_order *o,
                       sqt_error *e);
/* A list of FuturesOrder (open orders page, cancel-all): orders of u->contract appended
 * to *orders (realloc'd, caller frees); *raw = the list's length (for paging). */
int sqt_gt_parse_orders(const char *json, size_t len, const sqt_gt_units *u,
                        sqt_order **orders, size_t *n, size_t *raw, sqt_error *e);

/* batch_orders: one result per order sent, in order. An item with succeeded false
 * carries its label's class; one that cannot be read is SQT_EPROTO in its err. */
typedef struct sqt_gt_item {
    sqt_error err;
    sqt_order order;           /* err.code == SQT_OK */
} sqt_gt_item;
int sqt_gt_parse_batch_place(const char *json, size_t len, const sqt_gt_units *u, size_t n,
                             sqt_gt_item *items, sqt_error *e);
/* batch_cancel_orders: the verdict on each of n order ids (found by id in the answer;
 * an id not answered is SQT_EPROTO in its err). */
int sqt_gt_parse_batch_cancel(const char *json, size_t len, const char *const *ids, size_t n,
                              sqt_error *errs, sqt_error *e);

/* my_trades?order=<id>: the fills of one order (sizes signed contracts, fee string in
 * the settle currency, positive = paid). */
typedef struct sqt_gt_fee_sum {
    sqt_dec qty;               /* coins, sum of |size| x multiplier */
    sqt_dec fee;
    size_t trades;
} sqt_gt_fee_sum;
int sqt_gt_parse_my_trades(const char *json, size_t len, const sqt_gt_units *u,
                           const char *order_id, sqt_gt_fee_sum *s, sqt_error *e);

/* REST candles [{t(s),o,h,l,c,v(contracts),sum}]: sorted oldest first (the order is not
 * documented, gate.md 10); volume x mult when mult.mant > 0, else contracts; the ones
 * whose end is past now_ms are closed. */
int sqt_gt_parse_candles(const char *json, size_t len, const char *symbol,
                         const char *interval, sqt_dec mult, int64_t now_ms, sqt_kline **out,
                         size_t *n, sqt_error *e);
/* The SDK interval's length in ms when Gate has it (10s 1m 5m 15m 30m 1h 2h 4h 8h 1d 7d),
 * else 0. */
int64_t sqt_gt_interval_ms(const char *interval);

/* ---- WebSocket ---------------------------------------------------------------------- */

enum sqt_gt_ws_kind {
    SQT_GT_WS_PONG = 1,        /* futures.pong */
    SQT_GT_WS_SUBSCRIBED = 2,  /* subscribe answered with error null */
    SQT_GT_WS_ERROR = 3,       /* an answer with an error (err has its class) */
    SQT_GT_WS_TICKERS = 4,
    SQT_GT_WS_CANDLES = 5,
    SQT_GT_WS_ORDERS = 6,
    SQT_GT_WS_USERTRADES = 7,
    SQT_GT_WS_UPGRADE = 8,     /* futures.system upgrade: reconnect now */
    SQT_GT_WS_OTHER = 9        /* well formed, not for us */
};

typedef struct sqt_gt_ws_msg {
    int kind;
    char channel[32];
    char event[16];            /* "subscribe", "update", ... ("" none) */
    int64_t id;                /* the request id of an answer, 0 none */
    sqt_error err;
} sqt_gt_ws_msg;
int sqt_gt_parse_ws(const char *data, size_t len, sqt_gt_ws_msg *m, sqt_error *e);

/* futures.tickers: `last` of the first element (symbol in config spelling). */
int sqt_gt_parse_ticker(const char *data, size_t len, sqt_price_tick *t, sqt_error *e);
/* futures.candlesticks: every element; symbol and interval from `n` ("1m_BTC_USDT"),
 * closed from `w`. Volume `v` in contracts (x mult_of(symbol) by the caller). */
int sqt_gt_parse_candle_push(const char *data, size_t len, sqt_kline *k, size_t cap,
                             size_t *n, sqt_error *e);
/* futures.orders: every element of u->contract (others skipped). */
int sqt_gt_parse_order_push(const char *data, size_t len, const sqt_gt_units *u,
                            sqt_order *o, size_t cap, size_t *n, sqt_error *e);

/* futures.usertrades: one fill (this fill's size, price and fee). */
typedef struct sqt_gt_fill {
    char order_id[SQT_ORDER_ID_MAX];
    char trade_id[SQT_ORDER_ID_MAX];
    sqt_dec qty;               /* coins, > 0 */
    sqt_dec price;
    sqt_dec fee;               /* positive = paid */
    int64_t time_ms;
} sqt_gt_fill;
int sqt_gt_parse_usertrades(const char *data, size_t len, const sqt_gt_units *u,
                            sqt_gt_fill *f, size_t cap, size_t *n, sqt_error *e);

#endif
