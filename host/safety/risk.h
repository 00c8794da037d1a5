/* Risk monitor (behaviour.md §9.2 with the §11 #37/#38 fixes). Watches klines of a few
 * market-leading symbols; when every one of them shows a "panic" candle (close below
 * its moving average on volume above multiplier x average volume) trading is paused
 * and live buys are cancelled; it resumes when enough symbols show a normal candle
 * that CLOSED after the trigger, and not before a minimum pause. Candles are
 * de-duplicated by open time. Pure: candles and time in, state changes out.
 * Closes and volumes are market statistics, not order amounts: compared as doubles. */
#ifndef SQT_RISK_H
#define SQT_RISK_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

typedef struct sqt_risk sqt_risk;

typedef struct sqt_risk_params {
    const char *const *symbols;
    size_t n_symbols;
    int window;                /* W, moving-average length in candles */
    double volume_multiplier;
    int recovery_threshold;    /* symbols that must look normal, 1..n */
    int64_t min_pause_ms;      /* triggered at least this long */
} sqt_risk_params;

enum { SQT_RISK_NONE = 0, SQT_RISK_TRIGGERED = 1, SQT_RISK_RECOVERED = 2 };

sqt_risk *sqt_risk_new(const sqt_risk_params *p);
void sqt_risk_free(sqt_risk *r);
/* Feed one candle (history or stream); returns SQT_RISK_* when the state changed.
 * A candle of an unknown symbol is ignored. */
int sqt_risk_on_kline(sqt_risk *r, const sqt_kline *k, int64_t now_ms);
int sqt_risk_triggered(const sqt_risk *r);

/* Per-symbol view for the report line. */
typedef struct sqt_risk_view {
    const char *symbol;
    int enough;                /* enough candles to judge */
    int panic;                 /* current candle looks like a panic */
    int closed;                /* current candle is closed */
    double close, avg_close, volume, avg_volume;
    int64_t open_time_ms;
} sqt_risk_view;
size_t sqt_risk_view_get(const sqt_risk *r, sqt_risk_view *out, size_t cap);

#endif
