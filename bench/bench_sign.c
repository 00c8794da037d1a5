/* bench_sign: what the plugin side of an order costs before the host's HTTP client.
 *
 * Part 1, one request signature (HMAC-SHA256 hex over a Binance order query, ~200 bytes)
 * through the plugin kit:
 *   one-shot   sqt_kit_hmac_hex: key a fresh HMAC, sign, wipe (what every request paid
 *              before prepared keys)
 *   prepared   sqt_kit_hmac_hex_with on a key made once: copy the keyed state, sign
 * Part 2, the Binance place path: sqt_bn_place_orders with one order (checks, formatting,
 * the kit's call record, recvWindow + timestamp, the signature, the URL and headers) up to
 * the host's http_request, which here only notes the callback and returns. Each call is
 * answered (outside the timed region) so the call records are freed as in the product.
 * Run under `valgrind --tool=callgrind --toggle-collect=sqt_bn_place_orders` for the
 * instructions per order (SQT_BENCH_PLACES=1000 is plenty there): the stub host's
 * http_request is inside that figure and costs ~10 instructions.
 * The place path runs twice: warm (back to back), and cold (a 32 MB buffer walked before
 * each order evicts the caches, as the product's 60 ms between ticks does).
 * Knobs: SQT_BENCH_SIGS (signatures per figure, default 200000), SQT_BENCH_PLACES (warm
 * orders, default 200000), SQT_BENCH_COLD (cold orders, default 2000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/fakehost.h>
#include <opensqt/pluginkit.h>

#include "bench_util.h"
#include "bn.h"

const sqt_plugin *sqt_plugin_entry(void);

static const char SECRET[] = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
static const char QUERY[] = "symbol=BTCUSDT&side=BUY&positionSide=BOTH&type=LIMIT&timeInForce=GTX"
                            "&quantity=0.005&price=99950.10&newClientOrderId=x-bench-1735000000000-"
                            "42&newOrderRespType=ACK&recvWindow=5000&timestamp=1765000000123";

static const char INFO[] =
    "{\"rateLimits\":[],\"symbols\":[{\"symbol\":\"ETHUSDT\",\"status\":\"TRADING\","
    "\"baseAsset\":\"ETH\",\"quoteAsset\":\"USDT\",\"marginAsset\":\"USDT\","
    "\"pricePrecision\":2,\"quantityPrecision\":3,\"filters\":["
    "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"39.86\",\"maxPrice\":\"306177\","
    "\"tickSize\":\"0.010\"},{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\","
    "\"maxQty\":\"10000\",\"stepSize\":\"0.001\"}]}]}";
static const char ANSWER[] =
    "{\"orderId\":8389765537712345678,\"symbol\":\"ETHUSDT\",\"status\":\"NEW\","
    "\"clientOrderId\":\"x-bench-1\",\"price\":\"3021.55\",\"origQty\":\"0.010\","
    "\"executedQty\":\"0\",\"timeInForce\":\"GTX\",\"type\":\"LIMIT\",\"side\":\"BUY\","
    "\"positionSide\":\"BOTH\",\"updateTime\":1765101259130}";

/* ---- the host: the fake host, with http_request short-circuited once set up ------- */

static sqt_host_api g_api;
static int g_stub;             /* 1: http_request only notes the callback */
static sqt_http_cb g_cb;
static void *g_ud;
static size_t g_url_len, g_body_len;
static int g_answers, g_placed;

static int stub_http(sqt_host *h, const sqt_http_request *req, sqt_http_cb cb, void *ud,
                     sqt_http_call **out)
{
    if (!g_stub)
        return fake_host_api()->http_request(h, req, cb, ud, out);
    g_cb = cb;
    g_ud = ud;
    g_url_len = strlen(req->url);
    g_body_len = req->body_len;
    if (out != NULL)
        *out = NULL;
    return SQT_OK;
}

static void answer_stub(void)
{
    sqt_http_response r;
    sqt_http_cb cb = g_cb;
    memset(&r, 0, sizeof(r));
    r.status = 200;
    r.body = ANSWER;
    r.body_len = strlen(ANSWER);
    g_cb = NULL;
    if (cb != NULL)
        cb(g_ud, &r);
}

static void place_cb(void *ud, int status, const sqt_place_result *res, size_t n)
{
    (void)ud;
    (void)res;
    (void)n;
    g_answers++;
    g_placed += status == SQT_OK;
}

static void info_cb(void *ud, const sqt_error *e, const sqt_symbol_info *info)
{
    (void)info;
    *(int *)ud = e == NULL || e->code == SQT_OK ? 1 : -1;
}

static void shut_cb(void *ud, const sqt_error *e)
{
    (void)e;
    *(int *)ud = 1;
}

static int find_pending(fake_host *fh, const char *path)
{
    size_t i;
    for (i = 0; i < fake_host_http_pending(fh); i++)
        if (strstr(fake_host_http_at(fh, i)->url, path) != NULL)
            return (int)i;
    return -1;
}

static sqt_order_req order(long i)
{
    sqt_order_req q;
    memset(&q, 0, sizeof(q));
    q.struct_size = sizeof(q);
    snprintf(q.client_id, sizeof(q.client_id), "g%ld_B_%ld", 302155 + i % 97, 1765101259001 + i);
    q.side = i % 2 ? SQT_SIDE_SELL : SQT_SIDE_BUY;
    q.tif = SQT_TIF_POST_ONLY;
    q.price = sqt_dec_make(302155 + i % 1000, 2);
    q.qty = sqt_dec_make(10 + i % 7, 3);
    return q;
}

#define EVICT_BYTES (32u << 20)

/* Walk a buffer larger than the last-level cache, so the next order starts cold. */
static void evict(volatile unsigned char *buf)
{
    size_t i;
    for (i = 0; i < EVICT_BYTES; i += 64)
        buf[i] = (unsigned char)(buf[i] + 1);
}

/* n orders, each timed into s; cold: caches evicted before each. SQT_OK or the refusal. */
static int place_run(sqt_exchange *ex, long first, long n, unsigned char *cold, bench_samples *s)
{
    sqt_order_req q;
    uint64_t t0;
    long i;
    int rc;
    for (i = first; i < first + n; i++) {
        q = order(i);
        if (cold != NULL)
            evict(cold);
        t0 = bench_now_ns();
        if ((rc = sqt_bn_place_orders(ex, &q, 1, place_cb, NULL)) != SQT_OK) {
            fprintf(stderr, "bench_sign: place %ld refused (%d)\n", i, rc);
            return rc;
        }
        bench_samples_add(s, bench_now_ns() - t0);
        answer_stub();
    }
    return SQT_OK;
}

/* Part 2. Returns 0, or 1 when the set-up failed. */
static int bench_place(long n, long n_cold)
{
    fake_host *fh = fake_host_new();
    const sqt_exchange_api *api = sqt_plugin_entry()->exchange;
    sqt_create_args args;
    sqt_exchange *ex = NULL;
    sqt_error err;
    sqt_order_req q;
    bench_samples s, sc;
    unsigned char *cold = NULL;
    char body[64];
    int got = 0, done = 0, i_time, i_order;
    g_api = *fake_host_api();
    g_api.http_request = stub_http;
    fake_host_set_secret(fh, "api_key", "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c");
    fake_host_set_secret(fh, "secret_key", SECRET);
    fake_host_set_config(fh, "broker_prefix", "x-bench");
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.symbol = "ETHUSDT";
    args.exchange_name = "binance";
    if (api->create(&g_api, fake_host_handle(fh), &args, &ex, &err) != SQT_OK ||
        api->symbol_info(ex, info_cb, &got) != SQT_OK || find_pending(fh, "exchangeInfo") < 0)
        goto fail;
    fake_host_http_reply(fh, (size_t)find_pending(fh, "exchangeInfo"), 200, INFO, NULL);
    /* the first signed call measures the server time; answer both, then stub the host */
    q = order(0);
    if (got != 1 || api->place_orders(ex, &q, 1, place_cb, NULL) != SQT_OK ||
        (i_time = find_pending(fh, "/fapi/v1/time")) < 0)
        goto fail;
    snprintf(body, sizeof(body), "{\"serverTime\":%lld}", 1735000000000LL);
    fake_host_http_reply(fh, (size_t)i_time, 200, body, NULL);
    if ((i_order = find_pending(fh, "/fapi/v1/order")) < 0)
        goto fail;
    fake_host_http_reply(fh, (size_t)i_order, 200, ANSWER, NULL);
    g_stub = 1;
    bench_samples_init(&s, (size_t)n);
    bench_samples_init(&sc, (size_t)n_cold);
    if (n_cold > 0 && (cold = calloc(1, EVICT_BYTES)) == NULL)
        n_cold = 0;
    if (place_run(ex, 1, n, NULL, &s) == SQT_OK)
        place_run(ex, 1 + n, n_cold, cold, &sc);
    g_stub = 0;
    printf("   Binance place, one order: URL %zu bytes, body %zu bytes; %d answers\n",
           g_url_len, g_body_len, g_answers);
    bench_print_lat("place -> http_request, warm", &s, 1e3, "us", NULL);
    if (n_cold > 0)
        bench_print_lat("place -> http_request, cold", &sc, 1e3, "us", NULL);
    free(cold);
    bench_samples_free(&s);
    bench_samples_free(&sc);
    api->shutdown(ex, shut_cb, &done);
    fake_host_advance(fh, 1000);
    api->destroy(ex);
    fake_host_free(fh);
    return done == 1 ? 0 : 1;
fail:
    fprintf(stderr, "bench_sign: place set-up failed\n");
    if (ex != NULL)
        api->destroy(ex);
    fake_host_free(fh);
    return 1;
}

int main(void)
{
    long n = bench_env_long("SQT_BENCH_SIGS", 200000), i;
    long places = bench_env_long("SQT_BENCH_PLACES", 200000);
    long cold = bench_env_long("SQT_BENCH_COLD", 2000);
    bench_samples one, prep;
    sqt_kit_hmac_key *k = NULL;
    char hex[65], ref[65];
    uint64_t t0;
    bench_banner("bench_sign", "HMAC-SHA256 hex over an order query: one-shot vs prepared key; "
                               "the Binance place path up to http_request");
    if (sqt_kit_hmac_key_new(SQT_KIT_SHA256, SECRET, strlen(SECRET), &k) != SQT_OK ||
        sqt_kit_hmac_hex(SQT_KIT_SHA256, SECRET, QUERY, strlen(QUERY), ref, sizeof ref) != SQT_OK) {
        fprintf(stderr, "bench_sign: set-up failed\n");
        return 1;
    }
    bench_samples_init(&one, (size_t)n);
    bench_samples_init(&prep, (size_t)n);
    for (i = 0; i < n; i++) {
        t0 = bench_now_ns();
        sqt_kit_hmac_hex(SQT_KIT_SHA256, SECRET, QUERY, strlen(QUERY), hex, sizeof hex);
        bench_samples_add(&one, bench_now_ns() - t0);
        t0 = bench_now_ns();
        sqt_kit_hmac_hex_with(k, QUERY, strlen(QUERY), hex, sizeof hex);
        bench_samples_add(&prep, bench_now_ns() - t0);
    }
    if (strcmp(hex, ref) != 0)
        fprintf(stderr, "bench_sign: prepared and one-shot signatures differ\n");
    printf("   %zu-byte query, %ld signatures each, interleaved\n", strlen(QUERY), n);
    bench_print_lat("one-shot (key per call)", &one, 1e3, "us", NULL);
    bench_print_lat("prepared key", &prep, 1e3, "us", NULL);
    sqt_kit_hmac_key_free(k);
    bench_samples_free(&one);
    bench_samples_free(&prep);
    return places > 0 ? bench_place(places, cold) : 0;
}
