/* The audit trail: one JSON object per line for every order placed, acknowledged,
 * partially filled, filled, cancelled and rejected, and for every fill
 * (docs/event-log.md describes the fields). Lines are buffered and written by
 * sqt_eventlog_flush, which the app calls once per loop turn, after the turn's order
 * requests went out (a line is an audit record, not the state of record: the journal
 * is written before any request). A crash loses at most the last turn's lines. */
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

/* The stdio buffer: a busy turn's lines in one write. */
#define SQT_EVENTLOG_BUF 65536

typedef struct sqt_eventlog {
    FILE *f;
    uint64_t lines;
    uint64_t unflushed;        /* lines written since the last flush */
    int failed;                /* a write failed (disk full...): reported once */
} sqt_eventlog;

/* Append to path (created 0640). 0 or -errno. */
int sqt_eventlog_open(sqt_eventlog *el, const char *path);
/* No-op when not open. Buffers the line; returns 0 or -1 when it could not be. */
int sqt_eventlog_write(sqt_eventlog *el, const sqt_audit_event *ev);
/* Write the buffered lines out. 0, or -1 (and `failed` set) when the write failed.
 * No-op when not open or nothing is buffered. */
int sqt_eventlog_flush(sqt_eventlog *el);
/* Flushes what is buffered, then closes. */
void sqt_eventlog_close(sqt_eventlog *el);

#endif
