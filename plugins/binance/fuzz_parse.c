/* libFuzzer target: every Binance parser on the same arbitrary input. Built only with
 * clang and -DOPENSQT_FUZZ=ON (target fuzz_binance_parse). Invariants checked: no
 * crash/leak (sanitizers), and a parse that succeeds yields values the engine may trust. */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *const want[] = {"ethusdt@aggTrade", "ethusdt@kline_1m"};
    sqt_symbol_info info;
    sqt_bn_limits lim;
    sqt_account acct;
    sqt_position pos[4];
    sqt_order o, *orders = NULL;
    sqt_bn_item items[5];
    sqt_kline k, *ks = NULL;
    sqt_price_tick t;
    sqt_error e;
    char key[128];
    size_t n = 0;
    int64_t v = 0;
    int kind = 0, failed = 0, hedge = 0;

    if (sqt_bn_parse_exchange_info(s, size, "ETHUSDT", &info, &lim, &e) == SQT_OK &&
        (info.tick_size.mant <= 0 || info.step_size.mant <= 0))
        abort();
    sqt_bn_parse_server_time(s, size, &v, &e);
    sqt_bn_parse_listen_key(s, size, key, sizeof(key), &e);
    sqt_bn_parse_position_mode(s, size, &hedge, &e);
    sqt_bn_parse_account(s, size, "USDT", "ETHUSDT", &acct, &e);
    sqt_bn_parse_positions(s, size, "ETHUSDT", pos, 4, &n, &e);
    sqt_bn_parse_order(s, size, "x-", &o, &e);
    if (sqt_bn_parse_orders(s, size, "ETHUSDT", "x-", &orders, &n, &e) == SQT_OK)
        free(orders);
    sqt_bn_parse_batch(s, size, 5, "x-", items, &e);
    if (sqt_bn_parse_klines(s, size, "ETHUSDT", "1m", 0, &ks, &n, &e) == SQT_OK)
        free(ks);
    if (sqt_bn_parse_user_event(s, size, "x-", &kind, &o, key, sizeof(key), &e) == SQT_OK &&
        kind == SQT_BN_EV_ORDER &&
        (o.status < SQT_ORDER_NEW || o.status > SQT_ORDER_REJECTED || o.filled_qty.mant < 0))
        abort();
    if (sqt_bn_parse_market(s, size, &kind, &t, &k, &v, &failed, &e) == SQT_OK &&
        kind == SQT_BN_MK_TRADE && t.price.mant <= 0)
        abort();
    sqt_bn_reply_lists_all(s, size, want, 2);
    sqt_bn_classify(400, s, size, NULL, 0, &e);
    if (memchr(e.message, '\0', sizeof(e.message)) == NULL)
        abort();
    return 0;
}
