/* Klines of the simulated market: the traded symbol's 1m bars built from the trades the
 * price path produced (last SQT_KBARS_CAP minutes), longer intervals aggregated from
 * them, and for any other symbol a deterministic, flat-ish synthetic series (price
 * 100..999 with a few ticks of noise, steady volume 1000..1099) so that a risk monitor
 * watching several symbols has data and never sees a panic on them.
 * Pure: no I/O, no clock (callers pass times). Shared with the exchange emulator. */
#ifndef SQT_KBARS_H
#define SQT_KBARS_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#define SQT_KBARS_CAP 1500 /* 1m bars kept: 25 hours */

typedef struct sqt_kbars sqt_kbars;

/* symbol: the traded one; tick and step give the scales of prices and volumes. */
int sqt_kbars_new(const char *symbol, sqt_dec tick, sqt_dec step, sqt_kbars **out);
void sqt_kbars_free(sqt_kbars *k);

/* A trade of the traded symbol at t_ms. Minutes without trades become flat bars. */
void sqt_kbars_trade(sqt_kbars *k, sqt_dec price, sqt_dec qty, int64_t t_ms);

/* "1m" ... "1w" (Binance names) in ms; 0 for anything else. */
int64_t sqt_kbars_interval_ms(const char *interval);

/* Open time of the interval of `symbol` being formed at now_ms. */
int64_t sqt_kbars_current_open(const sqt_kbars *k, const char *symbol, int64_t iv_ms,
                               int64_t now_ms);

/* The kline of [open_ms, open_ms + interval) as known at now_ms (closed once now_ms is
 * past its end). 1 when there is data, 0 when none (before the kept history). */
int sqt_kbars_get(const sqt_kbars *k, const char *symbol, const char *interval,
                  int64_t open_ms, int64_t now_ms, sqt_kline *out);

/* Up to `limit` most recent klines, oldest first, the last one still forming. Returns
 * how many were written to out (capacity limit). */
size_t sqt_kbars_recent(const sqt_kbars *k, const char *symbol, const char *interval,
                        size_t limit, int64_t now_ms, sqt_kline *out);

#endif
