/* The backtest core: the real grid engine, the real executor policy (sqt_xpolicy) and
 * the paper matching core (sqt_match), driven by VIRTUAL time taken from the data.
 * Every trade of the file reaches the engine (sqt_grid_on_price), in order; timers
 * (the executor's token bucket and retries, the engine's 500 ms housekeeping and the
 * order cleaner, the answers' latency, the risk monitor's candles) fire at their
 * virtual times between trades. No clock is read and nothing is random: the same
 * trades give the same events, summary and chart, byte for byte.
 *
 * Use: sqt_bt_new(); sqt_bt_on_trade() for every trade; sqt_bt_finish(); then
 * sqt_bt_summary_get() / sqt_bt_chart_write(). */
#ifndef SQT_BACKTEST_H
#define SQT_BACKTEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <opensqt/plugin.h>

#include "core/eventlog.h"
#include "core/grid.h"
#include "core/xpolicy.h"

typedef struct sqt_bt sqt_bt;

typedef struct sqt_bt_params {
    /* the simulated exchange */
    sqt_symbol_info info;      /* symbol, quote asset, tick, step, min qty/notional,
                                  batch sizes, open-order cap, client id length */
    sqt_dec maker_fee, taker_fee; /* fractions of notional */
    sqt_dec balance;           /* starting wallet, quote */
    int leverage;
    int64_t latency_ms;        /* every answer and push arrives this much later, >= 0 */
    int orders_per_min_limit;  /* the exchange's documented order rate, for the report; 0 none */
    const char *exchange;      /* name for the report */

    /* the engine and the executor, as a live run of the config would use them */
    sqt_grid_params grid;      /* strings referenced until sqt_bt_new returns */
    sqt_executor_opts exec;
    int64_t cleanup_interval_ms; /* the order cleaner, > 0 */

    /* risk monitor on the traded symbol's own candles; 0 = off */
    int risk_enabled;
    int64_t risk_interval_ms;
    int risk_window;
    double risk_volume_multiplier;

    /* output */
    sqt_eventlog *events;      /* event log (virtual times as ts); NULL = none */
    int chart;                 /* keep the series for the chart */
    int no_fast_path;          /* tests: call the matcher on every trade */
} sqt_bt_params;

/* Defaults for the exchange part (ETHUSDT-like paper rules, fees 0.0002/0.0005,
 * balance 10000, leverage 5, latency 0, risk off). grid/exec are left to the caller. */
void sqt_bt_params_init(sqt_bt_params *p);

int sqt_bt_new(const sqt_bt_params *p, sqt_bt **out, char *err, size_t errlen);
void sqt_bt_free(sqt_bt *bt);

/* One trade of the market. time_ms must not decrease. The price is rounded to the
 * tick (half up). 0 or a negative SQT_E* with err filled. */
int sqt_bt_on_trade(sqt_bt *bt, int64_t time_ms, sqt_dec price, sqt_dec qty, char *err,
                    size_t errlen);
/* Let the answers still in flight arrive (up to latency + the executor's queue) and
 * close the books at the last trade's price. */
int sqt_bt_finish(sqt_bt *bt, char *err, size_t errlen);

typedef struct sqt_bt_summary {
    const char *exchange;
    char symbol[SQT_SYMBOL_MAX];
    uint64_t trades;           /* prices handed to the engine */
    int64_t first_ms, last_ms;
    sqt_dec first_price, last_price, low_price, high_price;
    sqt_dec balance;           /* starting wallet */
    sqt_dec equity;            /* wallet + mark-to-market of the position at the last price */
    sqt_dec net_pnl;           /* equity - balance */
    sqt_dec realized_pnl;      /* completed round trips, fees included (the engine's) */
    sqt_dec unrealized_pnl;    /* net - realized: the open inventory at the last price,
                                  less the fees it paid */
    sqt_dec fees;              /* every fee paid (negative = rebates) */
    sqt_dec volume;            /* traded notional */
    uint64_t round_trips;
    uint64_t fills, buy_fills, sell_fills;
    sqt_dec position;          /* base coin at the end */
    sqt_dec max_inventory;     /* largest position, base coin */
    sqt_dec max_inventory_value; /* its notional at that time, quote */
    sqt_dec max_margin_used;   /* position + open-order initial margin, quote */
    sqt_dec max_drawdown;      /* largest fall of equity from a previous high, quote */
    sqt_dec max_drawdown_pct;  /* the same as a percentage of that high */
    uint64_t orders_placed;    /* place commands of the engine */
    uint64_t post_only_rejects, rejects, margin_locks, post_only_degrades;
    uint64_t risk_pauses;
    int64_t risk_pause_ms;     /* time in risk pause */
    uint64_t requests;         /* requests the executor sent */
    uint64_t orders_sent;      /* orders in place requests */
    double requests_per_min_avg;
    uint64_t requests_per_min_max;
    uint64_t orders_per_min_max;
    int orders_per_min_limit;  /* exchange */
    int token_bucket_per_min;  /* config: rate_limit_per_sec * 60 */
    uint64_t rate_limited;     /* requests refused by the exchange's limit (0 in a simulation) */
    sqt_dec anchor, interval;  /* the grid's anchor price and interval */
} sqt_bt_summary;

void sqt_bt_summary_get(const sqt_bt *bt, sqt_bt_summary *out);

/* Self-contained HTML page with inline SVG: price (min/max band per column) with the
 * grid levels and the fills, position, equity. Needs params.chart. 0 or -1 (write). */
int sqt_bt_chart_write(const sqt_bt *bt, FILE *f, const char *title);

/* Text (aligned lines) or JSON (one object, money as strings). */
void sqt_bt_summary_print(const sqt_bt_summary *s, FILE *f);
void sqt_bt_summary_json(const sqt_bt_summary *s, FILE *f);

#endif
