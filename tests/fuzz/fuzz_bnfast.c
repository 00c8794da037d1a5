/* Fuzz target: the Binance fast paths (plugins/binance/fastpath.c, jsmn) against the
 * Jansson DOM parse on the same input. Either fast path may decline anything; when one
 * accepts, the DOM parse must succeed with the same kind and the very same struct, byte
 * for byte: the aggTrade's tick (sqt_bn_parse_market) and the ORDER_TRADE_UPDATE's order
 * (sqt_bn_parse_user_event, with the broker prefix stripped and without one), and an
 * ignored user event (kind OTHER: the DOM must load it and find no order in it). Anything
 * else is a wrong price or a wrong fill reaching the engine: abort. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_trade(const char *json, size_t size)
{
    sqt_price_tick fast, dom;
    sqt_kline k;
    sqt_error e;
    int64_t id = 0;
    int kind = -1, failed = 0, rc;
    int took = sqt_bn_fast_trade(json, size, &fast);
    memset(&dom, 0x5a, sizeof dom); /* the DOM must write every byte it hands out */
    rc = sqt_bn_parse_market(json, size, &kind, &dom, &k, &id, &failed, &e);
    if (took) {
        if (rc != SQT_OK || kind != SQT_BN_MK_TRADE || memcmp(&fast, &dom, sizeof fast) != 0)
            abort();
        if (fast.price.mant <= 0 || memchr(fast.symbol, '\0', sizeof fast.symbol) == NULL)
            abort();
    }
}

static void check_user(const char *json, size_t size, const char *prefix)
{
    sqt_order fast, dom;
    sqt_error e;
    char key[80];
    int kind = -1, fast_kind = -1, rc;
    int took = sqt_bn_fast_user(json, size, prefix, &fast_kind, &fast);
    if (!took)
        return; /* the DOM alone is fuzz_binance's business */
    memset(&dom, 0x5a, sizeof dom);
    rc = sqt_bn_parse_user_event(json, size, prefix, &kind, &dom, key, sizeof key, &e);
    if (rc != SQT_OK || kind != fast_kind ||
        (kind != SQT_BN_EV_ORDER && kind != SQT_BN_EV_OTHER))
        abort();
    if (kind != SQT_BN_EV_ORDER)
        return;
    if (memcmp(&fast, &dom, sizeof fast) != 0)
        abort();
    if ((int)fast.status < SQT_ORDER_NEW || (int)fast.status > SQT_ORDER_REJECTED ||
        fast.qty.mant < 0 || fast.filled_qty.mant < 0 ||
        fast.last_fill_qty.mant < 0 || memchr(fast.symbol, '\0', sizeof fast.symbol) == NULL ||
        memchr(fast.client_id, '\0', sizeof fast.client_id) == NULL ||
        memchr(fast.fee_asset, '\0', sizeof fast.fee_asset) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    check_trade(json, size);
    check_user(json, size, "x-");
    check_user(json, size, "");
    return 0;
}
