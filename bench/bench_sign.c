/* bench_sign: the cost of one request signature, HMAC-SHA256 in hex over a Binance
 * order query (~190 bytes), through the plugin kit:
 *   one-shot   sqt_kit_hmac_hex: fetch HMAC, new context, key it, sign, free (what every
 *              request paid before prepared keys)
 *   prepared   sqt_kit_hmac_hex_with on a key made once: copy the keyed context, sign
 * Knob: SQT_BENCH_SIGS (signatures per figure, default 200000). */
#include <stdio.h>
#include <string.h>

#include <opensqt/pluginkit.h>

#include "bench_util.h"

static const char SECRET[] = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
static const char QUERY[] = "symbol=BTCUSDT&side=BUY&positionSide=BOTH&type=LIMIT&timeInForce=GTX"
                            "&quantity=0.005&price=99950.10&newClientOrderId=x-bench-1735000000000-"
                            "42&newOrderRespType=ACK&recvWindow=5000&timestamp=1765000000123";

int main(void)
{
    long n = bench_env_long("SQT_BENCH_SIGS", 200000), i;
    bench_samples one, prep;
    sqt_kit_hmac_key *k = NULL;
    char hex[65], ref[65];
    uint64_t t0;
    bench_banner("bench_sign", "HMAC-SHA256 hex over an order query: one-shot vs prepared key");
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
    bench_print_lat("one-shot (fetch + key per call)", &one, 1e3, "us", NULL);
    bench_print_lat("prepared key (re-init per call)", &prep, 1e3, "us", NULL);
    sqt_kit_hmac_key_free(k);
    bench_samples_free(&one);
    bench_samples_free(&prep);
    return 0;
}
