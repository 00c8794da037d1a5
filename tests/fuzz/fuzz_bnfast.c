/* Fuzz target: the Binance aggTrade fast path (plugins/binance/fastpath.c, jsmn) against
 * the Jansson DOM parse (sqt_bn_parse_market) on the same input. The fast path may
 * decline anything; when it accepts, the DOM parse must succeed with kind TRADE and the
 * very same tick, byte for byte (symbol, price mantissa and scale, times, sequence).
 * Anything else is a wrong price reaching the engine: abort. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sqt_price_tick fast, dom;
    sqt_kline k;
    sqt_error e;
    int64_t id = 0;
    int kind = -1, failed = 0, rc;
    const char *json = (const char *)data;
    int took = sqt_bn_fast_trade(json, size, &fast);
    memset(&dom, 0x5a, sizeof dom); /* the DOM must write every byte it hands out */
    rc = sqt_bn_parse_market(json, size, &kind, &dom, &k, &id, &failed, &e);
    if (took) {
        if (rc != SQT_OK || kind != SQT_BN_MK_TRADE || memcmp(&fast, &dom, sizeof fast) != 0)
            abort();
        if (fast.price.mant <= 0 || memchr(fast.symbol, '\0', sizeof fast.symbol) == NULL)
            abort();
    }
    return 0;
}
