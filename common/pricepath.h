/* Price path of the simulated market: a seeded generator (geometric Brownian motion or
 * an arithmetic random walk) or a replay of a Binance public-data CSV (klines or
 * aggTrades). Deterministic for a seed. Doubles live only inside the generator (it
 * models the market); every point handed out is an sqt_dec on the tick, > 0.
 * No clock reads: points carry the source's own time; the caller paces them. */
#ifndef SQT_PRICEPATH_H
#define SQT_PRICEPATH_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

typedef struct sqt_pricepath sqt_pricepath;

typedef enum sqt_pricepath_model {
    SQT_PATH_GBM = 1,   /* log-price random walk: x += drift + sigma * N(0,1) */
    SQT_PATH_WALK = 2,  /* price += start * (drift + sigma * N(0,1)) */
    SQT_PATH_CSV = 3    /* replay a file */
} sqt_pricepath_model;

typedef enum sqt_csv_format {
    SQT_CSV_NONE = 0,
    SQT_CSV_KLINES = 1,    /* open_time,open,high,low,close,volume[,close_time,...] */
    SQT_CSV_AGGTRADES = 2  /* agg_trade_id,price,quantity,first_id,last_id,time,is_buyer_maker[,..] */
} sqt_csv_format;

typedef struct sqt_pricepath_config {
    sqt_pricepath_model model;
    sqt_dec tick_size;     /* prices are snapped to it (round half up) */
    sqt_dec step_size;     /* quantities are expressed at its scale */
    /* generators */
    uint64_t seed;
    sqt_dec start_price;   /* first point, > 0 */
    double sigma;          /* per step, >= 0: GBM log-return stdev; WALK fraction of start */
    double drift;          /* per step: GBM mean log-return; WALK mean as fraction of start */
    int64_t step_ms;       /* time between generated points, > 0 */
    int64_t start_ms;      /* time of the first generated point */
    /* replay */
    const char *csv_path;
    int loop;              /* at the end: 1 start over (times continue), 0 stop */
} sqt_pricepath_config;

typedef struct sqt_price_point {
    sqt_dec price;         /* > 0, on the tick */
    sqt_dec qty;           /* traded base quantity, step scale (informative: volume) */
    int64_t time_ms;       /* source time, never decreasing */
} sqt_price_point;

/* Validates cfg. For CSV the whole file is checked once here, so a bad file fails now
 * with "path:line: reason" rather than in the middle of a replay. */
int sqt_pricepath_open(const sqt_pricepath_config *cfg, sqt_pricepath **out, char *err,
                       size_t errlen);
/* 1: *out is the next point; 0: end of a CSV without loop; < 0: error (err says why). */
int sqt_pricepath_next(sqt_pricepath *p, sqt_price_point *out, char *err, size_t errlen);
void sqt_pricepath_close(sqt_pricepath *p);

/* CSV only: detected format and number of data points (4 per kline). */
sqt_csv_format sqt_pricepath_csv_format(const sqt_pricepath *p);
size_t sqt_pricepath_csv_points(const sqt_pricepath *p);

/* Generators only: the n points before the first one (oldest first, times start_ms -
 * n*step_ms ... start_ms - step_ms), drawn backwards from start_price with a stream
 * independent of next(), so the history leads into the live path. */
int sqt_pricepath_history(const sqt_pricepath_config *cfg, size_t n, sqt_price_point *out,
                          char *err, size_t errlen);

#endif
