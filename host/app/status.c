/* The status line every status_print_interval, and the final one at exit. */
#include <inttypes.h>
#include <stdio.h>

#include "app_internal.h"

void app_print_status(app *a, int final)
{
    sqt_grid_status st;
    sqt_grid_slot_info slots[12];
    char p[48], g[48], pos[48], pnl[48], fees[48], safety[96] = "";
    size_t n, i;
    uint64_t now = uv_now(&a->loop);
    double minutes, fpm;
    if (a->grid == NULL)
        return;
    sqt_grid_get_status(a->grid, &st);
    if (st.parked + st.held + st.anomalies > 0)
        snprintf(safety, sizeof safety, " | parked %zu, held %zu, anomalies %" PRIu64, (size_t)st.parked,
                 (size_t)st.held, (uint64_t)st.anomalies);
    minutes = a->last_status_ms ? (double)(now - a->last_status_ms) / 60000.0 : 0.0;
    fpm = minutes > 0 ? (double)(a->fills_total - a->fills_at_last_status) / minutes : 0.0;
    a->fills_at_last_status = a->fills_total;
    a->last_status_ms = now;
    sqt_logf(a->log, SQT_LV_INFO,
             "%sstatus: price %s (grid %s) | orders: %zu buy, %zu sell | holding %zu slots, "
             "position %s | realized pnl %s (fees %s) in %" PRIu64 " round trips | fills/min %.1f%s%s%s"
             "%s",
             final ? "final " : "", app_fmt_dec(st.last_price, p, sizeof(p)),
             app_fmt_dec(st.grid_price, g, sizeof(g)), st.live_buys, st.live_sells, st.holding_slots,
             app_fmt_dec(st.position, pos, sizeof(pos)), app_fmt_dec(st.realized_pnl, pnl, sizeof(pnl)),
             app_fmt_dec(st.fees_paid, fees, sizeof(fees)), st.round_trips, fpm,
             st.risk_paused ? " | RISK PAUSE" : "", st.margin_locked ? " | MARGIN LOCK" : "",
             st.data_paused ? " | DATA PAUSE" : "", safety);
    n = sqt_grid_list_slots(a->grid, SQT_GRID_LIST_HOLDING, slots, 12);
    for (i = 0; i < n && i < 12; i++) {
        char sp[48], sq[48], op[48];
        sqt_logf(a->log, SQT_LV_INFO, "  holding %s %s%s%s", app_fmt_dec(slots[i].price, sp, sizeof(sp)),
                 app_fmt_dec(slots[i].qty, sq, sizeof(sq)),
                 slots[i].order_state != SQT_GRID_ORD_NONE ? ", sell at " : "",
                 slots[i].order_state != SQT_GRID_ORD_NONE ? app_fmt_dec(slots[i].order_price, op, sizeof(op))
                                                            : "");
    }
    if (n > 12)
        sqt_logf(a->log, SQT_LV_INFO, "  ... and %zu more holding slots", n - 12);
}

void app_status_timer_cb(uv_timer_t *t)
{
    app *a = t->data;
    if (a->state == ST_TRADING)
        app_print_status(a, 0);
}
