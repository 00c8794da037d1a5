/* What every exchange parser's fuzz target asks of a parse, whatever the exchange: an
 * error's texts are NUL-terminated, an order has a known status and side and
 * NUL-terminated texts, a kline closes after it opens. Each target adds its exchange's
 * own rules on top. */
#ifndef SQT_FUZZ_CHECKS_H
#define SQT_FUZZ_CHECKS_H

#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

static inline void fuzz_check_error(const sqt_error *e)
{
    if (memchr(e->message, '\0', sizeof(e->message)) == NULL ||
        memchr(e->exch_code, '\0', sizeof(e->exch_code)) == NULL)
        abort();
}

static inline void fuzz_check_order_base(const sqt_order *o)
{
    if (o->status < SQT_ORDER_NEW || o->status > SQT_ORDER_REJECTED)
        abort();
    if (o->side != SQT_SIDE_BUY && o->side != SQT_SIDE_SELL)
        abort();
    if (memchr(o->client_id, '\0', sizeof(o->client_id)) == NULL ||
        memchr(o->order_id, '\0', sizeof(o->order_id)) == NULL ||
        memchr(o->symbol, '\0', sizeof(o->symbol)) == NULL ||
        memchr(o->fee_asset, '\0', sizeof(o->fee_asset)) == NULL)
        abort();
}

static inline void fuzz_check_kline_base(const sqt_kline *k)
{
    if (k->close_time_ms < k->open_time_ms ||
        memchr(k->symbol, '\0', sizeof(k->symbol)) == NULL ||
        memchr(k->interval, '\0', sizeof(k->interval)) == NULL)
        abort();
}

#endif
