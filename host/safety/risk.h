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
    double threshold;          /* avg_volume x volume_multiplier: a panic needs more */
    int64_t open_time_ms;
    int64_t last_rx_ms;        /* now_ms of the last candle fed for it; 0 = never */
} sqt_risk_view;
size_t sqt_risk_view_get(const sqt_risk *r, sqt_risk_view *out, size_t cap);

/* The periodic report (every 60 s; INFO): a summary line, then one line per symbol
 * with the last close and its average, the current volume against the panic
 * threshold, panic or not, and the age of its last candle. Returns what snprintf
 * would (the text is cut to cap). */
int sqt_risk_report(const sqt_risk *r, int64_t now_ms, char *buf, size_t cap);

/* Symbols whose last candle came more than max_age_ms ago, or never: how many, and a
 * WARN line naming them with their ages into buf (empty when none). A blind monitor
 * can never trigger. */
size_t sqt_risk_stale(const sqt_risk *r, int64_t now_ms, int64_t max_age_ms, char *buf,
                      size_t cap);

/* Milliseconds of a kline interval ("1m", "15m", "1h", "4h", "1d", ...); 0 unknown. */
int64_t sqt_risk_interval_ms(const char *interval);

/* Start-up: 1 when the kline history answer for a monitored symbol means the symbol is
 * unknown to the exchange - not a transient failure (network, timeout, rate limit,
 * unknown outcome), yet no candle: an error of another class or an empty answer. */
int sqt_risk_history_refuses(int code, size_t n_candles);

/* The refusal of an unknown monitored symbol, with "did you mean" from the other
 * monitored symbols, the traded one and the usual market leaders. */
void sqt_risk_unknown_symbol(const char *symbol, const char *const *known, size_t n_known,
                             char *buf, size_t cap);

#endif
