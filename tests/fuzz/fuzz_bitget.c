/* Fuzz target: every Bitget parser (plugins/bitget/parse.h) on the same input, taken as
 * a REST body or a stream message. Beyond "no crash, leak or UB", a parse that succeeds
 * must hand out values the engine may trust: positive tick/step, a known order status
 * and side, quantities within the order, consistent klines, NUL-terminated texts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_checks.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const sqt_error *e)
{
    fuzz_check_error(e);
}

static void check_order(const sqt_order *o)
{
    int ok = 0;
    fuzz_check_order_base(o);
    if (o->qty.mant <= 0 || o->filled_qty.mant < 0 || o->last_fill_qty.mant < 0 ||
        sqt_dec_cmp(o->filled_qty, o->qty, &ok) > 0)
        abort();
}

static void check_kline(const sqt_kline *k)
{
    fuzz_check_kline_base(k);
    if (k->open_time_ms < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *cids[3] = {"sqt_a", "sqt_b", "sqt_c"}, *oids[3] = {"1", "2", "3"};
    sqt_symbol_info info;
    sqt_bg_acct a;
    sqt_position p[4];
    sqt_order *orders = NULL, o, os[8];
    sqt_kline *k = NULL, ks[8];
    sqt_price_tick t;
    sqt_bg_ws_msg m;
    sqt_bg_item items[3];
    char buf[48];
    size_t n = 0, raw = 0, i;
    int64_t ms;
    sqt_error e;

    sqt_bg_classify(400, s, size, &e);
    check_error(&e);
    if (e.code == SQT_OK)
        abort(); /* a 400 is never a success */
    sqt_bg_classify(200, s, size, &e);
    check_error(&e);
    sqt_bg_parse_server_time(s, size, &ms, &e);
    if (sqt_bg_parse_contract(s, size, "ETHUSDT", &info, &e) == SQT_OK &&
        (info.tick_size.mant <= 0 || info.step_size.mant <= 0 || info.min_qty.mant <= 0 ||
         info.max_batch_place < 1))
        abort();
    if (sqt_bg_parse_account(s, size, &a, &e) == SQT_OK && a.acct.leverage < 0)
        abort();
    if (sqt_bg_parse_positions(s, size, "ETHUSDT", p, 4, &n, &e) == SQT_OK && n > 4)
        abort();
    n = 0;
    if (sqt_bg_parse_pending(s, size, "ETHUSDT", 0, &orders, &n, &raw, buf, sizeof(buf), &e) ==
        SQT_OK) {
        if (n > raw)
            abort();
        for (i = 0; i < n; i++)
            check_order(&orders[i]);
    }
    free(orders);
    if (sqt_bg_parse_detail(s, size, 0, &o, &e) == SQT_OK)
        check_order(&o);
    sqt_bg_parse_ack(s, size, buf, sizeof(buf), &e);
    if (sqt_bg_parse_batch(s, size, cids, oids, 3, items, &e) == SQT_OK)
        for (i = 0; i < 3; i++)
            check_error(&items[i].err);
    if (sqt_bg_parse_candles(s, size, "ETHUSDT", "1m", 1765101330000, &k, &n, &e) == SQT_OK) {
        for (i = 0; i < n; i++) {
            check_kline(&k[i]);
            if (i > 0 && k[i].open_time_ms < k[i - 1].open_time_ms)
                abort(); /* oldest first */
        }
        free(k);
    }
    if (sqt_bg_parse_ws(s, size, &m, &e) == SQT_OK && (m.kind < 1 || m.kind > 8))
        abort();
    if (sqt_bg_parse_ticker(s, size, &t, &e) == SQT_OK && t.price.mant <= 0)
        abort();
    if (sqt_bg_parse_candle_push(s, size, "1m", ks, 8, &n, &e) == SQT_OK)
        for (i = 0; i < n; i++)
            check_kline(&ks[i]);
    if (sqt_bg_parse_order_push(s, size, 0, os, 8, &n, &e) == SQT_OK)
        for (i = 0; i < n; i++)
            check_order(&os[i]);
    return 0;
}
