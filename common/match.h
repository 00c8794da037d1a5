/* Matching core of the simulated USDT perpetual: one symbol, one one-way account, the
 * account's resting limit orders, and what happens to them when the market trades at a
 * price. Pure: no I/O, no clock (callers pass now_ms), no globals. Shared by the paper
 * plugin and the loopback exchange emulator (static library sqt_match).
 *
 * Money is fixed point throughout: prices in units of the tick's scale, quantities in
 * units of the step's scale, balances, fees and PnL at SQT_MATCH_MONEY_SCALE decimals,
 * with 128-bit intermediates. Order updates are handed to the caller's emit callback as
 * they happen (during place/cancel/on_price); the caller decides how and when to
 * deliver them. sqt_error.exch_code carries an exchange-neutral reason (SQT_MATCH_R_*)
 * that a caller speaking an exchange's dialect maps to that exchange's code and text. */
#ifndef SQT_MATCH_H
#define SQT_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#define SQT_MATCH_MONEY_SCALE 8
#define SQT_MATCH_CLIENT_ID_LEN 36 /* Binance's rule: 1-36 of [.A-Z:/a-z0-9_-] */

/* Why the core refused (sqt_error.exch_code); sqt_error.code is the SDK class. */
#define SQT_MATCH_R_BAD_REQUEST "bad_request"
#define SQT_MATCH_R_CLIENT_ID "client_id_invalid"
#define SQT_MATCH_R_PRICE_PRECISION "price_precision"
#define SQT_MATCH_R_PRICE_TICK "price_tick"
#define SQT_MATCH_R_QTY_PRECISION "qty_precision"
#define SQT_MATCH_R_QTY_NOT_POSITIVE "qty_not_positive"
#define SQT_MATCH_R_QTY_STEP "qty_step"
#define SQT_MATCH_R_QTY_MIN "qty_below_min"
#define SQT_MATCH_R_TOO_LARGE "notional_too_large"
#define SQT_MATCH_R_MIN_NOTIONAL "notional_below_min"
#define SQT_MATCH_R_MAX_OPEN "max_open_orders"
#define SQT_MATCH_R_DUP_CLIENT_ID "client_id_duplicate"
#define SQT_MATCH_R_REDUCE_ONLY "reduce_only_rejected"
#define SQT_MATCH_R_POST_ONLY "post_only_would_take"
#define SQT_MATCH_R_MARGIN "margin_insufficient"
#define SQT_MATCH_R_CANCEL_UNKNOWN "cancel_unknown_order"
#define SQT_MATCH_R_QUERY_UNKNOWN "query_unknown_order"
#define SQT_MATCH_R_LEVERAGE "leverage_invalid"
#define SQT_MATCH_R_NO_POSITION "no_position"

typedef struct sqt_match sqt_match;

typedef struct sqt_match_config {
    char symbol[SQT_SYMBOL_MAX];
    char margin_asset[SQT_ASSET_MAX]; /* fee and balance asset, "USDT" */
    sqt_dec tick_size;                /* > 0 */
    sqt_dec step_size;                /* > 0 */
    sqt_dec min_qty;                  /* >= 0, multiple of the step */
    sqt_dec min_notional;             /* >= 0; reduce-only orders are exempt */
    sqt_dec balance;                  /* starting wallet balance, >= 0 */
    int32_t leverage;                 /* 1..125 */
    sqt_dec maker_fee;                /* fraction of notional, e.g. 0.0002; may be negative (rebate) */
    sqt_dec taker_fee;
    sqt_dec partial_fill_qty;         /* max fill per order per price event; 0 = whole order */
    int32_t max_open_orders;          /* 1..100000 */
    int32_t history_max;              /* finished orders kept for queries, >= 1 */
    int64_t first_order_id;           /* first exchange order id, > 0 */
} sqt_match_config;

/* Called once per order state change: NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED.
 * The record is valid only during the call, which must not call the matcher again. */
typedef void (*sqt_match_emit_cb)(void *ud, const sqt_order *update);

typedef struct sqt_match_stats {
    sqt_dec realized_pnl;             /* sum of realized PnL, money scale */
    sqt_dec fees;                     /* sum of fees paid (negative = rebates) */
    sqt_dec volume;                   /* traded notional */
    int64_t fills;
} sqt_match_stats;

/* ETHUSDT-like defaults: tick 0.01, step 0.001, min qty 0.001, min notional 5,
 * balance 10000 USDT, leverage 5, maker 0.0002, taker 0.0005, whole fills, 200 open
 * orders, 1000 finished orders remembered, order ids from 8389765000000001. */
void sqt_match_config_default(sqt_match_config *cfg, const char *symbol);

/* Validates cfg; on failure returns SQT_EINVAL/SQT_ERANGE/SQT_ENOMEM with err filled. */
int sqt_match_new(const sqt_match_config *cfg, sqt_match_emit_cb emit, void *ud,
                  sqt_match **out, sqt_error *err);
void sqt_match_free(sqt_match *m);

/* Place a limit order. Checks, in order: shape (side, tif, client id) -> SQT_EINVAL;
 * tick/step/min qty/min notional/open-order cap -> SQT_ERULES; duplicate open client id
 * -> SQT_EDUP_CLIENT_ID; reduce-only that would not reduce or exceeds the position ->
 * SQT_ERULES; post-only that crosses the last price -> SQT_EPOST_ONLY; margin ->
 * SQT_EMARGIN. A GTC order that crosses executes at once at the last price as taker (up
 * to partial_fill_qty; any rest rests). An empty client id gets a generated one.
 * On success *out (may be NULL) is the order after placement and updates were emitted. */
int sqt_match_place(sqt_match *m, const sqt_order_req *req, int64_t now_ms, sqt_order *out,
                    sqt_error *err);

/* Cancel an open order by client id and/or order id (both must match when both are
 * given). Unknown or finished -> SQT_EUNKNOWN_ORDER. */
int sqt_match_cancel(sqt_match *m, const char *client_id, const char *order_id, int64_t now_ms,
                     sqt_order *out, sqt_error *err);

/* The market traded at `price` (> 0, representable at the tick's scale). Resting buys
 * with price >= it and sells with price <= it fill at their own price as maker, best
 * price first then oldest first, each by at most partial_fill_qty. A reduce-only order
 * that can no longer reduce expires. Returns the number of fills, or SQT_EINVAL. */
int sqt_match_on_price(sqt_match *m, sqt_dec price, int64_t now_ms);

/* A trade outside the book (the trader closing by hand on the website, a liquidation):
 * reduces the position by `qty` (0 or more than the position: all of it) at the last
 * price as taker, with its fee and realized PnL booked to the wallet and the stats. The
 * open orders stay as they are. *fill (may be NULL) describes it like an order update
 * (empty order and client ids, last_fill_*, fee, realized_pnl). SQT_ESTATE when flat or
 * before the first price, SQT_EINVAL for a bad qty. */
int sqt_match_outside_trade(sqt_match *m, sqt_dec qty, int64_t now_ms, sqt_order *fill,
                            sqt_error *err);

/* Last price seen by on_price ({0,0} before the first). */
sqt_dec sqt_match_price(const sqt_match *m);

size_t sqt_match_open_count(const sqt_match *m);
/* i-th open order, oldest first. SQT_ENOENT past the end. */
int sqt_match_open_at(const sqt_match *m, size_t i, sqt_order *out);

/* Open order, or one of the last history_max finished ones, by client id and/or order
 * id (newest first). SQT_EUNKNOWN_ORDER when not known. */
int sqt_match_query(const sqt_match *m, const char *client_id, const char *order_id,
                    sqt_order *out, sqt_error *err);

/* Wallet balance, available (balance + unrealized PnL - position and open-order initial
 * margin), leverage, ONE_WAY. */
void sqt_match_account(const sqt_match *m, sqt_account *out);
/* The one position (size 0 when flat), unrealized PnL at the last price. */
void sqt_match_position(const sqt_match *m, sqt_position *out);
/* The wallet balance, the unrealized PnL and the available margin at
 * SQT_MATCH_MONEY_SCALE, the values sqt_match_account and sqt_match_position report,
 * without building the two records (the backtest samples the margin in use after every
 * change of the book). */
void sqt_match_margin_parts(const sqt_match *m, int64_t *balance, int64_t *upnl, int64_t *available);
/* Rules as symbol info; max_batch_place 5, max_batch_cancel 10 (caller may change). */
void sqt_match_symbol_info(const sqt_match *m, sqt_symbol_info *out);
void sqt_match_stats_get(const sqt_match *m, sqt_match_stats *out);

/* 1..125. SQT_EINVAL otherwise. */
int sqt_match_set_leverage(sqt_match *m, int32_t leverage, sqt_error *err);

#endif
