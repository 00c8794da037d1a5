/* Bitget mix API v2 parsers: every REST answer and stream message the plugin reads,
 * from bytes to SDK structs. Pure functions (no I/O, no clock), so the unit tests and
 * the fuzz target drive them directly. Every number is read from a JSON string or
 * integer into fixed point; a malformed answer is SQT_EPROTO naming the field. */
#ifndef SQT_BG_PARSE_H
#define SQT_BG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#define SQT_BG_MAX_BATCH 50        /* batch place / batch cancel (bitget.md 3.6, 3.8) */
#define SQT_BG_CLIENT_ID_LIMIT 50  /* clientOid (bitget.md 7) */
#define SQT_BG_PAGE 100            /* orders-pending page size (bitget.md 3.10) */

/* The verdict on one REST answer: e->code SQT_OK for HTTP 2xx with code "00000", else
 * the SDK class with Bitget's code and msg kept in exch_code / message. */
void sqt_bg_classify(int http_status, const char *body, size_t len, sqt_error *e);
/* The SDK class of one Bitget error code (with its message: some codes are shared). */
int sqt_bg_code_class(const char *code, const char *msg);

int sqt_bg_parse_server_time(const char *json, size_t len, int64_t *ms, sqt_error *e);

/* contracts: the symbol's rules, exact (tick = priceEndStep x 10^-pricePlace). */
int sqt_bg_parse_contract(const char *json, size_t len, const char *symbol,
                          sqt_symbol_info *info, sqt_error *e);

/* account: balance, available, leverage of the margin mode, position mode. */
typedef struct sqt_bg_account {
    sqt_account acct;
    int isolated;              /* marginMode "isolated" */
} sqt_bg_acct;
int sqt_bg_parse_account(const char *json, size_t len, sqt_bg_acct *out, sqt_error *e);

/* single-position: one entry per side held (size signed by holdSide). */
int sqt_bg_parse_positions(const char *json, size_t len, const char *symbol,
                           sqt_position *pos, size_t cap, size_t *n, sqt_error *e);

/* orders-pending: the page's orders of `symbol` (client ids with `strip` leading
 * characters removed) appended to *orders (realloc'd, caller frees), *raw = the page's
 * item count (for the cursor), end_id = its endId ("" when none). */
int sqt_bg_parse_pending(const char *json, size_t len, const char *symbol, size_t strip,
                         sqt_order **orders, size_t *n, size_t *raw, char *end_id,
                         size_t end_cap, sqt_error *e);

/* order detail (its `state`), with the cumulative fee as cum_fee. */
int sqt_bg_parse_detail(const char *json, size_t len, size_t strip, sqt_order *out,
                        sqt_error *e);

/* place-order / cancel-order: data.orderId (may be absent: "" then) and clientOid. */
int sqt_bg_parse_ack(const char *json, size_t len, char *order_id, size_t id_cap,
                     sqt_error *e);

/* batch place / batch cancel: the verdict of each of `n` client ids (as sent) from the
 * successList / failureList. An id in neither list is SQT_EPROTO in its item. */
typedef struct sqt_bg_item {
    char order_id[SQT_ORDER_ID_MAX];
    sqt_error err;
} sqt_bg_item;
int sqt_bg_parse_batch(const char *json, size_t len, const char *const *cids,
                       const char *const *oids, size_t n, sqt_bg_item *items, sqt_error *e);

/* REST candles: rows [ts, o, h, l, c, baseVol, quoteVol], sorted ascending by ts; the
 * ones whose end is past now_ms are open. `interval` is the SDK's ("1m", "1h"). */
int sqt_bg_parse_candles(const char *json, size_t len, const char *symbol,
                         const char *interval, int64_t now_ms, sqt_kline **out, size_t *n,
                         sqt_error *e);

/* Interval <-> Bitget granularity ("1h" -> "1H"); its length in ms. 0 when unknown. */
const char *sqt_bg_granularity(const char *interval);
int64_t sqt_bg_interval_ms(const char *interval);

/* ---- WebSocket ------------------------------------------------------------------ */

enum sqt_bg_ws_kind {
    SQT_BG_WS_PONG = 1,        /* the text "pong" */
    SQT_BG_WS_LOGIN = 2,       /* login succeeded */
    SQT_BG_WS_SUBSCRIBED = 3,  /* subscribe ack: channel in the message */
    SQT_BG_WS_ERROR = 4,       /* event error: err has code and msg */
    SQT_BG_WS_TICKER = 5,
    SQT_BG_WS_CANDLE = 6,
    SQT_BG_WS_ORDERS = 7,
    SQT_BG_WS_OTHER = 8        /* well formed, not for us (unsubscribe ack, other channel) */
};

/* The envelope of one message: kind, channel and instId of its arg. */
typedef struct sqt_bg_ws_msg {
    int kind;
    char channel[32];
    char inst_id[SQT_SYMBOL_MAX];
    sqt_error err;             /* SQT_BG_WS_ERROR: the class, code and text */
} sqt_bg_ws_msg;
int sqt_bg_parse_ws(const char *data, size_t len, sqt_bg_ws_msg *m, sqt_error *e);

/* ticker push: lastPr (or last) of the symbol. */
int sqt_bg_parse_ticker(const char *data, size_t len, sqt_price_tick *t, sqt_error *e);
/* candle push: every row (the newest last); closed is left 0 (the stream derives it). */
int sqt_bg_parse_candle_push(const char *data, size_t len, const char *interval,
                             sqt_kline *k, size_t cap, size_t *n, sqt_error *e);
/* orders push: each element, client ids stripped of `strip` characters. */
int sqt_bg_parse_order_push(const char *data, size_t len, size_t strip, sqt_order *o,
                            size_t cap, size_t *n, sqt_error *e);

#endif
