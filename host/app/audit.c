/* The audit trail: every engine event as an event-log line (docs/event-log.md) and a
 * console line. Notices that are not about one order go to the event log too. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app_internal.h"
#include "eventlog_grid.h"

void app_audit(app *a, const sqt_grid_event *e)
{
    const char *name = sqt_grid_event_name(e->kind);
    char p[48], q[48], f[48], fee[48], pnl[48];
    sqt_eventlog_grid_event(&a->ev, e, sqt_wall_ms());
    /* the console */
    app_fmt_dec(e->price, p, sizeof(p));
    app_fmt_dec(e->qty, q, sizeof(q));
    switch (e->kind) {
    case SQT_GRID_EV_PLACED:
        sqt_logf(a->log, SQT_LV_INFO, "place %s %s @ %s (slot %" PRId64 ") %s",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, e->slot, e->client_id);
        break;
    case SQT_GRID_EV_PARTIAL:
    case SQT_GRID_EV_FILLED:
        a->fills_total++;
        sqt_logf(a->log, SQT_LV_INFO, "%s %s %s @ %s (filled %s of %s, fee %s %s) %s",
                 e->kind == SQT_GRID_EV_FILLED ? "FILLED" : "partial fill",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", app_fmt_dec(e->fill_qty, f, sizeof(f)),
                 app_fmt_dec(e->fill_price, pnl, sizeof(pnl)), app_fmt_dec(e->filled, fee, sizeof(fee)), q,
                 app_fmt_dec(e->fee, p, sizeof(p)), e->fee_asset, e->client_id);
        break;
    case SQT_GRID_EV_CANCELLED:
        sqt_logf(a->log, SQT_LV_INFO, "cancelled %s %s @ %s (%s) %s",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, e->text, e->client_id);
        break;
    case SQT_GRID_EV_REJECTED:
        /* the text starts with the class (sqt_strerror), then the exchange's code and
         * message */
        sqt_logf(a->log, SQT_LV_WARN, "rejected %s %s @ %s: %s %s",
                 e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p,
                 e->text[0] ? e->text : sqt_strerror(e->err_code), e->client_id);
        break;
    case SQT_GRID_EV_ROUND_TRIP:
        sqt_logf(a->log, SQT_LV_INFO, "round trip at slot %s: pnl %s (fees included)", p,
                 app_fmt_dec(e->pnl, pnl, sizeof(pnl)));
        break;
    case SQT_GRID_EV_FEE:
        sqt_logf(a->log, SQT_LV_INFO, "fee %s %s learned after its fill%s%s %s",
                 app_fmt_dec(e->fee, f, sizeof(f)), e->fee_asset,
                 e->pnl.mant != 0 ? ", realized pnl " : "",
                 e->pnl.mant != 0 ? app_fmt_dec(e->pnl, pnl, sizeof(pnl)) : "", e->client_id);
        break;
    case SQT_GRID_EV_ACKED:
    case SQT_GRID_EV_CANCEL_SENT:
    case SQT_GRID_EV_QUERY_SENT:
        sqt_logf(a->log, SQT_LV_DEBUG, "%s %s %s", name, e->client_id,
                 e->kind == SQT_GRID_EV_ACKED ? e->order_id : sqt_grid_reason_name(e->reason));
        break;
    case SQT_GRID_EV_POSITION_MISMATCH:
    case SQT_GRID_EV_POSITION_REPAIRED:
    case SQT_GRID_EV_PARKED:
    case SQT_GRID_EV_DATA_PAUSE:
    case SQT_GRID_EV_MARGIN_LOCK:
    case SQT_GRID_EV_RISK_PAUSE:
    case SQT_GRID_EV_ORPHAN:
    case SQT_GRID_EV_ORDER_VANISHED:
    case SQT_GRID_EV_BUY_SKIPPED:
    case SQT_GRID_EV_POST_ONLY_DEGRADED:
    case SQT_GRID_EV_SELL_BELOW_MARKET:
    case SQT_GRID_EV_ANOMALY:
        sqt_logf(a->log, SQT_LV_WARN, "%s: %s%s%s", name, e->text, e->client_id[0] ? " " : "",
                 e->client_id);
        break;
    default:
        sqt_logf(a->log, SQT_LV_INFO, "%s: %s%s%s", name, e->text, e->client_id[0] ? " " : "",
                 e->client_id);
        break;
    }
}
