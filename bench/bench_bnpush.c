/* bench_bnpush: the Binance plugin's CPU on the way from a fill to the next order, per
 * message, the Jansson DOM against what the plugin does now:
 *   fill push  an ORDER_TRADE_UPDATE (the spec's partial fill, 515 bytes) through
 *              sqt_bn_parse_user_event (DOM) and sqt_bn_fast_order (jsmn fast path)
 *   account    the ACCOUNT_UPDATE the exchange sends right behind a fill (the plugin
 *              ignores it): the DOM before, the fast path's strict check now
 *   answer     a place answer (an order object, HTTP 200) through sqt_bn_classify: it
 *              parsed every body before the operation parsed it again; now a 2xx body
 *              that cannot hold a "code" key is not parsed there
 * Both are pure functions on text in memory: no socket, no loop; the same input each
 * time, so the caches are warm (a lower bound of the cost on the product's path).
 * Knob: SQT_BENCH_MSGS (messages per figure, default 200000). */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "fastpath.h"
#include "parse.h"

static const char PUSH[] =
    "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1765101261002,\"T\":1765101261000,"
    "\"o\":{\"s\":\"ETHUSDT\",\"c\":\"x-zdfVM8vY302155_B_1765101259001\",\"S\":\"BUY\",\"o\":\"LIMIT\","
    "\"f\":\"GTX\",\"q\":\"0.010\",\"p\":\"3021.55\",\"ap\":\"3021.55\",\"sp\":\"0\",\"x\":\"TRADE\","
    "\"X\":\"PARTIALLY_FILLED\",\"i\":8389765537712345678,\"l\":\"0.004\",\"z\":\"0.004\","
    "\"L\":\"3021.55\",\"N\":\"USDT\",\"n\":\"0.00241724\",\"T\":1765101261000,\"t\":4455667788,"
    "\"b\":\"18.12\",\"a\":\"0\",\"m\":true,\"R\":false,\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\","
    "\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\",\"V\":\"EXPIRE_MAKER\",\"pm\":\"NONE\",\"gtd\":0,"
    "\"er\":\"0\"}}";

static const char ACCOUNT[] =
    "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1765101261003,\"T\":1765101261003,\"a\":{\"m\":\"ORDER\","
    "\"B\":[{\"a\":\"USDT\",\"wb\":\"1000.5\",\"cw\":\"1000.5\",\"bc\":\"0\"}],"
    "\"P\":[{\"s\":\"ETHUSDT\",\"pa\":\"0.004\",\"ep\":\"3021.55\",\"bep\":\"3021.55\","
    "\"cr\":\"0\",\"up\":\"0\",\"mt\":\"cross\",\"iw\":\"0\",\"ps\":\"BOTH\"}]}}";

static const char ANSWER[] =
    "{\"orderId\":8389765537712345679,\"symbol\":\"ETHUSDT\",\"status\":\"NEW\","
    "\"clientOrderId\":\"x-zdfVM8vY302156_S_1765101261003\",\"price\":\"3023.55\","
    "\"avgPrice\":\"0.00\",\"origQty\":\"0.010\",\"executedQty\":\"0\",\"cumQty\":\"0\","
    "\"cumQuote\":\"0\",\"timeInForce\":\"GTX\",\"type\":\"LIMIT\",\"reduceOnly\":false,"
    "\"closePosition\":false,\"side\":\"SELL\",\"positionSide\":\"BOTH\",\"stopPrice\":\"0\","
    "\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":\"LIMIT\","
    "\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"EXPIRE_MAKER\",\"goodTillDate\":0,"
    "\"updateTime\":1765101261010}";

/* The classify of before: a DOM parse of every body (what sqt_bn_classify did for this
 * answer before it looked for a "code" key first). */
static int classify_dom(const char *body, size_t len)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    int rc = json_is_object(root) && json_object_get(root, "code") != NULL;
    json_decref(root);
    return rc;
}

int main(void)
{
    long n = bench_env_long("SQT_BENCH_MSGS", 200000), i;
    bench_samples dom, fast, adom, afast, cdom, cnow;
    sqt_order a, b;
    sqt_error e;
    char key[80];
    int kind = 0, bad = 0;
    uint64_t t0;
    bench_banner("bench_bnpush", "Binance fill push and place answer: Jansson DOM vs now");
    bench_samples_init(&dom, (size_t)n);
    bench_samples_init(&fast, (size_t)n);
    bench_samples_init(&adom, (size_t)n);
    bench_samples_init(&afast, (size_t)n);
    bench_samples_init(&cdom, (size_t)n);
    bench_samples_init(&cnow, (size_t)n);
    for (i = 0; i < n; i++) {
        t0 = bench_now_ns();
        bad |= sqt_bn_parse_user_event(PUSH, sizeof PUSH - 1, "x-zdfVM8vY", &kind, &a, key,
                                       sizeof key, &e) != SQT_OK;
        bench_samples_add(&dom, bench_now_ns() - t0);
        t0 = bench_now_ns();
        bad |= !sqt_bn_fast_order(PUSH, sizeof PUSH - 1, "x-zdfVM8vY", &b);
        bench_samples_add(&fast, bench_now_ns() - t0);
        t0 = bench_now_ns();
        bad |= sqt_bn_parse_user_event(ACCOUNT, sizeof ACCOUNT - 1, "x-zdfVM8vY", &kind, &a, key,
                                       sizeof key, &e) != SQT_OK || kind != SQT_BN_EV_OTHER;
        bench_samples_add(&adom, bench_now_ns() - t0);
        t0 = bench_now_ns();
        bad |= !sqt_bn_fast_user(ACCOUNT, sizeof ACCOUNT - 1, "x-zdfVM8vY", &kind, &b) ||
               kind != SQT_BN_EV_OTHER;
        bench_samples_add(&afast, bench_now_ns() - t0);
        /* the order parsed last is the push's (the ACCOUNT_UPDATE leaves a and b alone) */
        t0 = bench_now_ns();
        bad |= classify_dom(ANSWER, sizeof ANSWER - 1);
        bench_samples_add(&cdom, bench_now_ns() - t0);
        t0 = bench_now_ns();
        bad |= sqt_bn_classify(200, ANSWER, sizeof ANSWER - 1, NULL, 0, &e) != SQT_OK;
        bench_samples_add(&cnow, bench_now_ns() - t0);
    }
    if (bad || memcmp(&a, &b, sizeof a) != 0)
        fprintf(stderr, "bench_bnpush: the paths disagree\n");
    printf("   %zu-byte ORDER_TRADE_UPDATE, %zu-byte ACCOUNT_UPDATE, %zu-byte place answer, "
           "%ld each, interleaved\n", sizeof PUSH - 1, sizeof ACCOUNT - 1, sizeof ANSWER - 1, n);
    bench_print_lat("fill push, Jansson DOM (before)", &dom, 1e3, "us", NULL);
    bench_print_lat("fill push, jsmn fast path (now)", &fast, 1e3, "us", NULL);
    bench_print_lat("ACCOUNT_UPDATE, Jansson DOM (before)", &adom, 1e3, "us", NULL);
    bench_print_lat("ACCOUNT_UPDATE, jsmn check (now)", &afast, 1e3, "us", NULL);
    bench_print_lat("answer classify, DOM parse (before)", &cdom, 1e3, "us", NULL);
    bench_print_lat("answer classify, no \"code\": no parse", &cnow, 1e3, "us", NULL);
    bench_samples_free(&dom);
    bench_samples_free(&fast);
    bench_samples_free(&adom);
    bench_samples_free(&afast);
    bench_samples_free(&cdom);
    bench_samples_free(&cnow);
    return bad ? 1 : 0;
}
