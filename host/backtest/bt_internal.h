/* Shared between the backtest's own files (not a public interface). */
#ifndef SQT_BT_INTERNAL_H
#define SQT_BT_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "backtest.h"

typedef struct sqt_bt_col {
    int64_t lo, hi, last;      /* price, ticks */
    int64_t pos;               /* position at the column's end, steps */
    int64_t equity;            /* money scale 8 */
    int used;
} sqt_bt_col;

typedef struct sqt_bt_fillpt {
    int64_t t, ticks;
    int buy;
} sqt_bt_fillpt;

/* What the chart draws, read-only, valid while bt lives. */
typedef struct sqt_bt_chart_view {
    const sqt_bt_col *cols;
    size_t ncols;
    int64_t t0, width_ms;      /* column k covers [t0 + k*w, t0 + (k+1)*w) */
    const sqt_bt_fillpt *fills;
    size_t nfills;
    sqt_dec tick, step;
    int64_t anchor_ticks, interval_ticks;
    sqt_bt_summary summary;
} sqt_bt_chart_view;

int sqt_bt_chart_view_get(const sqt_bt *bt, sqt_bt_chart_view *v);

/* The engine, for tests (invariants). */
const sqt_grid *sqt_bt_grid(const sqt_bt *bt);
/* Gaps in the data crossed in one step (tests). */
uint64_t sqt_bt_gaps_crossed(const sqt_bt *bt);

/* "2024-01-31T12:00:00Z" */
void sqt_bt_time_text(int64_t ms, char *buf, size_t cap);
json_t *sqt_bt_summary_to_json(const sqt_bt_summary *s);

#endif
