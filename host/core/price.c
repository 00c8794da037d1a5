/* Price monitor: see price.h. */
#include "price.h"

#include <stdio.h>
#include <string.h>

#define SQT_PRICE_WARN_EVERY_NS (10ull * 1000000000ull)

static void price_idle_cb(uv_idle_t *h)
{
    sqt_price_monitor *pm = h->data;
    uv_idle_stop(&pm->idle);
    if (!pm->pending || !pm->started || pm->on_price == NULL)
        return;
    pm->pending = 0;
    pm->delivered++;
    pm->on_price(pm->ud, pm->latest, pm->latest_time_ms);
}

int sqt_price_init(sqt_price_monitor *pm, uv_loop_t *loop, sqt_log *log, const char *symbol,
                   sqt_price_fn on_price, void *ud)
{
    memset(pm, 0, sizeof(*pm));
    pm->log = log;
    pm->on_price = on_price;
    pm->ud = ud;
    snprintf(pm->symbol, sizeof(pm->symbol), "%s", symbol ? symbol : "");
    if (uv_idle_init(loop, &pm->idle) != 0)
        return SQT_ENOMEM;
    pm->idle.data = pm;
    return SQT_OK;
}

void sqt_price_start(sqt_price_monitor *pm)
{
    if (pm->closing)
        return;
    pm->started = 1;
    if (pm->pending)
        uv_idle_start(&pm->idle, price_idle_cb);
}

SQT_HOT void sqt_price_deliver_now(sqt_price_monitor *pm)
{
    if (uv_is_active((uv_handle_t *)&pm->idle))
        price_idle_cb(&pm->idle);
}

void sqt_price_stop(sqt_price_monitor *pm)
{
    pm->started = 0;
    uv_idle_stop(&pm->idle);
}

static void price_reject(sqt_price_monitor *pm, const char *why, const sqt_price_tick *t)
{
    uint64_t now = uv_hrtime();
    pm->rejected++;
    /* rate-limited: a misbehaving feed must not flood the log */
    if (pm->last_warn_ns == 0 || now - pm->last_warn_ns >= SQT_PRICE_WARN_EVERY_NS) {
        char p[48] = "?";
        if (t != NULL)
            sqt_dec_format(t->price, p, sizeof(p));
        pm->last_warn_ns = now;
        sqt_logf(pm->log, SQT_LV_WARN, "price feed: ignored %s (%s); %llu ignored so far", why, p,
                 (unsigned long long)pm->rejected);
    }
}

void sqt_price_set_gate(sqt_price_monitor *pm, sqt_pricegate *gate)
{
    pm->gate = gate;
}

/* 1 when the gate holds this price back. */
static int gate_holds(sqt_price_monitor *pm, sqt_dec price)
{
    sqt_pricegate_verdict v;
    if (pm->gate == NULL ||
        sqt_pricegate_on_price(pm->gate, price, (int64_t)uv_now(pm->idle.loop), &v) != 0)
        return 0;
    if (v.text[0] != '\0')
        sqt_logf(pm->log, v.warn ? SQT_LV_WARN : SQT_LV_INFO, "%s", v.text);
    if (v.action != SQT_PG_HOLD)
        return 0;
    pm->held++;
    return 1;
}

SQT_HOT void sqt_price_push(sqt_price_monitor *pm, const sqt_price_tick *t)
{
    if (pm->closing || t == NULL)
        return;
    if (pm->symbol[0] && t->symbol[0] && strcmp(pm->symbol, t->symbol) != 0) {
        pm->rejected++; /* another symbol on a shared stream: not a fault */
        return;
    }
    if (t->price.mant <= 0 || t->price.scale < 0 || t->price.scale > SQT_DEC_MAX_SCALE) {
        price_reject(pm, "a non-positive or malformed price", t);
        return;
    }
    if (gate_holds(pm, t->price))
        return;
    pm->latest = t->price;
    pm->latest_time_ms = t->time_ms;
    pm->have_price = 1;
    pm->pending = 1;
    pm->pushes++;
    if (pm->started)
        uv_idle_start(&pm->idle, price_idle_cb); /* no-op when already armed */
}

int sqt_price_latest(const sqt_price_monitor *pm, sqt_dec *out)
{
    if (!pm->have_price)
        return 0;
    *out = pm->latest;
    return 1;
}

static void price_closed(uv_handle_t *h)
{
    sqt_price_monitor *pm = h->data;
    if (pm->close_cb)
        pm->close_cb(pm);
}

void sqt_price_close(sqt_price_monitor *pm, void (*cb)(sqt_price_monitor *))
{
    pm->closing = 1;
    pm->close_cb = cb;
    pm->started = 0;
    uv_idle_stop(&pm->idle);
    uv_close((uv_handle_t *)&pm->idle, price_closed);
}

