/* Fuzz target: every Binance parser (plugins/binance/parse.h) on the same input, taken
 * as a REST body or a stream message. Beyond "no crash, leak or UB", a parse that
 * succeeds must hand out values the engine may trust: positive tick/step, a known order
 * status, no negative quantity, consistent klines, a NUL-terminated message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_checks.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_order(const sqt_order *o)
{
    fuzz_check_order_base(o);
    if (o->qty.mant < 0 || o->filled_qty.mant < 0)
        abort();
}

static void check_kline(const sqt_kline *k)
{
    fuzz_check_kline_base(k);
    if (k->close.mant <= 0)
        abort();
}

static void check_error(const sqt_error *e)
{
    fuzz_check_error(e);
}

/* A trade sum: positive quantities only, valid scales, an asset when it claims one; a
 * refusal hands out nothing. */
static void check_trades(const char *s, size_t size, const char *order_id)
{
    sqt_bn_trade_sum sum;
    sqt_error e;
    if (sqt_bn_parse_user_trades(s, size, "ETHUSDT", order_id, &sum, &e) != SQT_OK) {
        check_error(&e);
        if (e.code >= 0 || sum.n != 0 || sum.qty.mant != 0 || sum.fee.mant != 0 ||
            sum.one_asset)
            abort();
        return;
    }
    if (sum.qty.mant < 0 || (sum.n > 0) != (sum.qty.mant > 0) ||
        (sum.n == 0 && sum.fee.mant != 0) || sum.qty.scale < 0 ||
        sum.qty.scale > SQT_DEC_MAX_SCALE || sum.fee.scale < 0 ||
        sum.fee.scale > SQT_DEC_MAX_SCALE ||
        memchr(sum.fee_asset, '\0', sizeof(sum.fee_asset)) == NULL ||
        (sum.one_asset && sum.fee_asset[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 400, 403, 408, 418, 429, 503};
    const char *s = (const char *)data;
    const char *const want[] = {"ethusdt@aggTrade", "ethusdt@kline_1m"};
    sqt_symbol_info info;
    sqt_bn_limits lim;
    sqt_account acct;
    sqt_position pos[4];
    sqt_order o, *orders = NULL;
    sqt_bn_item items[SQT_BN_MAX_BATCH_CANCEL];
    sqt_kline k, *ks = NULL;
    sqt_price_tick t;
    sqt_error e;
    char key[128];
    size_t n = 0, i;
    int64_t v = 0;
    int kind = 0, failed = 0, hedge = 0;

    if (sqt_bn_parse_exchange_info(s, size, "ETHUSDT", &info, &lim, &e) == SQT_OK &&
        (info.tick_size.mant <= 0 || info.step_size.mant <= 0 || info.min_qty.mant < 0))
        abort();
    check_error(&e);
    if (sqt_bn_parse_server_time(s, size, &v, &e) == SQT_OK && v <= 0)
        abort();
    if (sqt_bn_parse_listen_key(s, size, key, sizeof(key), &e) == SQT_OK &&
        (key[0] == '\0' || memchr(key, '\0', sizeof(key)) == NULL))
        abort();
    sqt_bn_parse_position_mode(s, size, &hedge, &e);
    sqt_bn_parse_account(s, size, "USDT", "ETHUSDT", &acct, &e);
    if (sqt_bn_parse_positions(s, size, "ETHUSDT", pos, 4, &n, &e) == SQT_OK && n > 4)
        abort();
    if (sqt_bn_parse_order(s, size, "x-", &o, &e) == SQT_OK)
        check_order(&o);
    if (sqt_bn_parse_orders(s, size, "ETHUSDT", "x-", &orders, &n, &e) == SQT_OK) {
        for (i = 0; i < n; i++)
            check_order(&orders[i]);
        free(orders);
    }
    for (n = 1; n <= SQT_BN_MAX_BATCH_CANCEL; n++) {
        if (sqt_bn_parse_batch(s, size, n, "x-", items, &e) != SQT_OK)
            continue;
        for (i = 0; i < n; i++) {
            check_error(&items[i].err);
            if (items[i].err.code == SQT_OK)
                check_order(&items[i].order);
            else if (items[i].err.code > 0)
                abort();
        }
    }
    check_trades(s, size, "8389765537712345678");
    check_trades(s, size, "7");
    if (sqt_bn_parse_klines(s, size, "ETHUSDT", "1m", 1765101259000, &ks, &n, &e) == SQT_OK) {
        for (i = 0; i < n; i++)
            check_kline(&ks[i]);
        free(ks);
    }
    if (sqt_bn_parse_user_event(s, size, "x-", &kind, &o, key, sizeof(key), &e) == SQT_OK) {
        if (kind == SQT_BN_EV_ORDER)
            check_order(&o);
        else if (kind == SQT_BN_EV_EXPIRED && memchr(key, '\0', sizeof(key)) == NULL)
            abort();
    }
    if (sqt_bn_parse_market(s, size, &kind, &t, &k, &v, &failed, &e) == SQT_OK) {
        if (kind == SQT_BN_MK_TRADE && t.price.mant <= 0)
            abort();
        if (kind == SQT_BN_MK_KLINE)
            check_kline(&k);
    }
    sqt_bn_reply_lists_all(s, size, want, 2);
    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        int rc = sqt_bn_classify(statuses[i], s, size, i % 2 ? "7" : NULL, 1765101259000, &e);
        if (rc > 0 || e.retry_after_ms < 0 || (statuses[i] != 200 && rc == SQT_OK))
            abort();
        check_error(&e);
    }
    return 0;
}
