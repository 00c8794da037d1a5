/* The audit trail: one JSON object per line for every order placed, acknowledged,
 * partially filled, filled, cancelled and rejected, and for every fill
 * (docs/event-log.md describes the fields). Flushed line by line so a crash loses at
 * most the line being written. */
#ifndef SQT_EVENTLOG_H
#define SQT_EVENTLOG_H

#include <stdint.h>
#include <stdio.h>

#include <opensqt/plugin.h>

typedef struct sqt_audit_event {
    int64_t ts_ms;             /* wall clock */
    const char *event;         /* "placed", "acknowledged", "partially_filled", "filled",
                                  "cancelled", "rejected", "fill", ... */
    const char *client_id;
    const char *order_id;      /* NULL or "" when not known yet */
    sqt_side side;
    sqt_dec price;
    sqt_dec qty;
    int64_t slot;              /* grid index */
    int has_filled;
    sqt_dec filled_qty;        /* cumulative */
    int has_fee;
    sqt_dec fee;
    const char *fee_asset;
    int has_fill;              /* "fill" events: the fill's own qty and price */
    sqt_dec fill_qty;
    sqt_dec fill_price;
    int has_pnl;
    sqt_dec pnl;               /* realized PnL of a completed round trip, quote */
    const char *reason;        /* rejections and cancels */
} sqt_audit_event;

typedef struct sqt_eventlog {
    FILE *f;
    uint64_t lines;
    int failed;                /* a write failed (disk full...): reported once */
} sqt_eventlog;

/* Append to path (created 0640). 0 or -errno. */
int sqt_eventlog_open(sqt_eventlog *el, const char *path);
/* No-op when not open. Returns 0 or -1 when the line could not be written. */
int sqt_eventlog_write(sqt_eventlog *el, const sqt_audit_event *ev);
void sqt_eventlog_close(sqt_eventlog *el);

#endif
