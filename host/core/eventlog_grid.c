/* Grid event -> event-log lines: see eventlog_grid.h. */
#include "eventlog_grid.h"

#include <string.h>

int sqt_eventlog_grid_event(sqt_eventlog *el, const sqt_grid_event *e, int64_t ts_ms)
{
    sqt_audit_event ae;
    int rc = 0;
    memset(&ae, 0, sizeof(ae));
    ae.ts_ms = ts_ms;
    ae.event = sqt_grid_event_name(e->kind);
    ae.client_id = e->client_id;
    ae.order_id = e->order_id;
    ae.side = e->side;
    ae.price = e->price;
    ae.qty = e->qty;
    ae.slot = e->slot;
    switch (e->kind) {
    case SQT_GRID_EV_PLACED:
    case SQT_GRID_EV_ACKED:
    case SQT_GRID_EV_CANCELLED:
    case SQT_GRID_EV_REJECTED:
        ae.has_filled = 1;
        ae.filled_qty = e->filled;
        if (e->kind == SQT_GRID_EV_REJECTED || e->kind == SQT_GRID_EV_CANCELLED)
            ae.reason = e->text;
        return sqt_eventlog_write(el, &ae);
    case SQT_GRID_EV_PARTIAL:
    case SQT_GRID_EV_FILLED:
        ae.has_filled = 1;
        ae.filled_qty = e->filled;
        /* the order line, then the fill line */
        rc = sqt_eventlog_write(el, &ae);
        ae.event = "fill";
        ae.has_fill = 1;
        ae.fill_qty = e->fill_qty;
        ae.fill_price = e->fill_price;
        ae.has_fee = 1;
        ae.fee = e->fee;
        ae.fee_asset = e->fee_asset;
        return sqt_eventlog_write(el, &ae) != 0 ? -1 : rc;
    case SQT_GRID_EV_CANCEL_SENT:
        ae.reason = sqt_grid_reason_name(e->reason);
        return sqt_eventlog_write(el, &ae);
    case SQT_GRID_EV_FEE:
        ae.has_fee = 1;
        ae.fee = e->fee;
        ae.fee_asset = e->fee_asset;
        ae.has_pnl = e->pnl.mant != 0; /* its round trip was logged without it */
        ae.pnl = e->pnl;
        return sqt_eventlog_write(el, &ae);
    case SQT_GRID_EV_ROUND_TRIP:
        ae.has_pnl = 1;
        ae.pnl = e->pnl;
        return sqt_eventlog_write(el, &ae);
    case SQT_GRID_EV_POSITION_MISMATCH:
        ae.has_filled = 1; /* qty: the exchange's position, filled_qty: the slots' */
        ae.filled_qty = e->filled;
        ae.reason = e->text;
        return sqt_eventlog_write(el, &ae);
    case SQT_GRID_EV_POSITION_REPAIRED:
        /* fill_qty released (SELL) or adopted (BUY) at fill_price a unit; qty: the slot
         * after; pnl: the cost written off */
        ae.has_fill = 1;
        ae.fill_qty = e->fill_qty;
        ae.fill_price = e->fill_price;
        ae.has_pnl = 1;
        ae.pnl = e->pnl;
        ae.reason = e->text;
        return sqt_eventlog_write(el, &ae);
    default:
        if (!sqt_grid_event_is_notice(e->kind))
            return 0;
        ae.reason = e->text;
        return sqt_eventlog_write(el, &ae);
    }
}
