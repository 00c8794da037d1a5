/* Fuzz target: every Gate.io parser (plugins/gate/parse.h) on the same input, taken as a
 * REST body or a stream message, and the contracts <-> coins conversion on numbers read
 * from it. Beyond "no crash, leak or UB", a parse that succeeds must hand out values the
 * engine may trust: positive tick/step/multiplier, a known status and side, filled within
 * the order, klines whose close follows their open, NUL-terminated texts, and a coin
 * quantity that converts back to the same whole number of contracts. */
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
    if (o->qty.mant <= 0 || o->filled_qty.mant < 0 || o->price.mant < 0 ||
        o->avg_price.mant < 0 || sqt_dec_cmp(o->filled_qty, o->qty, &ok) > 0 || !ok)
        abort();
    if (o->status == SQT_ORDER_NEW && o->filled_qty.mant != 0)
        abort();
    if (o->status == SQT_ORDER_FILLED && sqt_dec_cmp(o->filled_qty, o->qty, NULL) != 0)
        abort();
}

static void check_kline(const sqt_kline *k)
{
    fuzz_check_kline_base(k);
    if (k->open_time_ms < 0)
        abort();
}

/* coins -> contracts -> coins is the identity on whole contracts */
static void check_roundtrip(sqt_dec qty, sqt_dec mult)
{
    sqt_error e;
    sqt_dec back;
    int64_t n;
    if (mult.mant <= 0 || sqt_gt_to_contracts(qty, mult, &n, &e) != SQT_OK)
        return;
    if (sqt_gt_to_coins(sqt_dec_make(n, 0), mult, &back) != SQT_OK ||
        sqt_dec_cmp(back, qty, NULL) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *ids[3] = {"11", "12", "13"};
    sqt_gt_units u = {"ETH_USDT", {1, 2, 0}, 2, 0};
    sqt_gt_contract c;
    sqt_gt_acct a;
    sqt_position p[4];
    sqt_order *orders = NULL, o, os[8];
    sqt_kline *k = NULL, ks[8];
    sqt_price_tick t;
    sqt_gt_ws_msg m;
    sqt_gt_item items[3];
    sqt_gt_fee_sum fs;
    sqt_gt_fill f[8];
    sqt_error e, errs[3];
    size_t n = 0, raw = 0, i;
    int64_t ms;
    int32_t lev;
    char hdr[32];

    sqt_gt_classify(400, s, size, "1735000002", 1735000000000, &e);
    check_error(&e);
    if (e.code == SQT_OK && strcmp(e.exch_code, "NO_CHANGE") != 0)
        abort(); /* a 400 is a success only when it says nothing changed */
    /* the input's head as the reset header (a header value is NUL-terminated) */
    memcpy(hdr, s, size < sizeof(hdr) - 1 ? size : sizeof(hdr) - 1);
    hdr[size < sizeof(hdr) - 1 ? size : sizeof(hdr) - 1] = '\0';
    sqt_gt_classify(429, s, size, hdr, 1735000000000, &e);
    if (e.code != SQT_ERATE_LIMITED || e.retry_after_ms < 100 || e.retry_after_ms > 60000)
        abort();
    sqt_gt_parse_server_time(s, size, &ms, &e);
    if (sqt_gt_parse_contract(s, size, "ETHUSDT", &c, &e) == SQT_OK) {
        if (c.info.tick_size.mant <= 0 || c.info.step_size.mant <= 0 ||
            c.info.min_qty.mant <= 0 || c.mult.mant <= 0 || c.size_min < 1)
            abort();
        check_roundtrip(c.info.min_qty, c.mult);
        u.mult = c.mult;
        u.tick_scale = c.info.tick_size.scale;
    }
    if (sqt_gt_parse_account(s, size, &a, &e) == SQT_OK &&
        strspn(a.user, "0123456789") != strlen(a.user))
        abort();
    if (sqt_gt_parse_positions(s, size, &u, p, 4, &n, &e) == SQT_OK && n > 4)
        abort();
    if (sqt_gt_parse_leverage(s, size, "ETH_USDT", &lev, &e) == SQT_OK &&
        (lev < 0 || lev > 1000))
        abort();
    n = 0;
    if (sqt_gt_parse_orders(s, size, &u, &orders, &n, &raw, &e) == SQT_OK) {
        if (n > raw)
            abort();
        for (i = 0; i < n; i++) {
            check_order(&orders[i]);
            check_roundtrip(orders[i].qty, u.mult);
        }
    }
    free(orders);
    if (sqt_gt_parse_order(s, size, &u, &o, &e) == SQT_OK)
        check_order(&o);
    if (sqt_gt_parse_batch_place(s, size, &u, 3, items, &e) == SQT_OK)
        for (i = 0; i < 3; i++) {
            check_error(&items[i].err);
            if (items[i].err.code == SQT_OK)
                check_order(&items[i].order);
        }
    if (sqt_gt_parse_batch_cancel(s, size, ids, 3, errs, &e) == SQT_OK)
        for (i = 0; i < 3; i++)
            check_error(&errs[i]);
    if (sqt_gt_parse_my_trades(s, size, &u, "11", &fs, &e) == SQT_OK && fs.qty.mant < 0)
        abort();
    if (sqt_gt_parse_candles(s, size, "ETHUSDT", "1m", u.mult, 1765101330000, &k, &n, &e) ==
        SQT_OK) {
        for (i = 0; i < n; i++) {
            check_kline(&k[i]);
            if (i > 0 && k[i].open_time_ms < k[i - 1].open_time_ms)
                abort(); /* oldest first */
        }
        free(k);
    }
    if (sqt_gt_parse_ws(s, size, &m, &e) == SQT_OK) {
        if (m.kind < SQT_GT_WS_PONG || m.kind > SQT_GT_WS_OTHER)
            abort();
        check_error(&m.err);
        if (m.kind == SQT_GT_WS_ERROR && m.err.code == SQT_OK)
            abort();
    }
    if (sqt_gt_parse_ticker(s, size, &t, &e) == SQT_OK && t.price.mant <= 0)
        abort();
    if (sqt_gt_parse_candle_push(s, size, ks, 8, &n, &e) == SQT_OK)
        for (i = 0; i < n; i++)
            check_kline(&ks[i]);
    if (sqt_gt_parse_order_push(s, size, &u, os, 8, &n, &e) == SQT_OK)
        for (i = 0; i < n; i++)
            check_order(&os[i]);
    if (sqt_gt_parse_usertrades(s, size, &u, f, 8, &n, &e) == SQT_OK)
        for (i = 0; i < n; i++)
            if (f[i].qty.mant <= 0 || f[i].price.mant <= 0 ||
                memchr(f[i].order_id, '\0', sizeof(f[i].order_id)) == NULL)
                abort();
    return 0;
}
