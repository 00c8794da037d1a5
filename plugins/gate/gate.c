/* Gate.io USDT-settled perpetual futures plugin (API v4): configuration, life cycle and
 * the exchange table. Everything reaches the network through the host services; see
 * gt.h. */
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gt.h"

#define GT_DEFAULT_REST "https://api.gateio.ws"
#define GT_DEFAULT_WS "wss://fx-ws.gateio.ws/v4/ws/usdt"
/* testnet: the host that answers today (gate.md 1, 11) */
#define GT_TESTNET_REST "https://api-testnet.gateapi.io"
#define GT_TESTNET_WS "wss://ws-testnet.gate.com/v4/ws/futures/usdt"
#define GT_DEFAULT_CHANNEL "opensqt" /* X-Gate-Channel-Id (not signed) */

void sqt_gt_logf(sqt_exchange *ex, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    ex->api->log(ex->host, level, line);
}

int64_t sqt_gt_wall(sqt_exchange *ex)
{
    return ex->api->wall_ms(ex->host);
}

/* ------------------------------------------------------------------------------------
 * shutdown completion: the kit's, once no request, timer or connection is left
 * ---------------------------------------------------------------------------------- */

static int drained(void *owner)
{
    const sqt_exchange *ex = owner;
    return !sqt_kit_rest_busy(&ex->rest) && ex->streams.head == NULL;
}

void sqt_gt_check_drained(sqt_exchange *ex)
{
    if (ex->closing)
        sqt_kit_shut_check(&ex->shut);
}

/* ------------------------------------------------------------------------------------
 * configuration: the original's exchanges.gate block (api_key, secret_key) loads
 * unchanged; every other key is optional
 * ---------------------------------------------------------------------------------- */

/* The REST base is the host: our paths carry /api/v4 (it is signed). A configured
 * ".../api/v4" is taken as the same base. */
static void strip_api_suffix(char *url)
{
    size_t n = strlen(url), k = strlen(GT_API);
    if (n > k && strcmp(url + n - k, GT_API) == 0)
        url[n - k] = '\0';
}

static int read_config(sqt_exchange *ex, const sqt_create_args *args, sqt_error *err)
{
    sqt_kit_cfg c;
    int testnet = 0, rc;
    if (args == NULL || !sqt_gt_symbol_ok(args->symbol))
        return sqt_kit_fail(err, SQT_EINVAL, "gate: symbol must be <BASE>USDT in upper-case "
                            "letters and digits (e.g. ETHUSDT for the contract ETH_USDT)");
    snprintf(ex->symbol, sizeof(ex->symbol), "%s", args->symbol);
    sqt_gt_contract_name(ex->symbol, ex->contract, sizeof(ex->contract));
    c.api = ex->api;
    c.host = ex->host;
    c.block = args->exchange_name != NULL ? args->exchange_name : "gate";
    if (sqt_kit_cfg_bool(&c, "testnet", &testnet, err) < 0)
        return err->code;
    snprintf(ex->channel_id, sizeof(ex->channel_id), "%s", GT_DEFAULT_CHANNEL);
    if (sqt_kit_cfg_url_or(&c, "rest_url", testnet ? GT_TESTNET_REST : GT_DEFAULT_REST,
                           "https://", "http://", ex->rest_url, sizeof(ex->rest_url), err) ||
        sqt_kit_cfg_url_or(&c, "ws_url", testnet ? GT_TESTNET_WS : GT_DEFAULT_WS, "wss://",
                           "ws://", ex->ws_url, sizeof(ex->ws_url), err) ||
        (rc = sqt_kit_cfg_str(&c, "channel_id", ex->channel_id, sizeof(ex->channel_id),
                              err)) < 0)
        return err->code;
    strip_api_suffix(ex->rest_url);
    if (rc == 1 && strspn(ex->channel_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_-") != strlen(ex->channel_id))
        return sqt_kit_fail(err, SQT_EINVAL, "exchanges.%s.channel_id: letters, digits, '_' "
                            "and '-' only", c.block);
    if (SQT_HAS_MEMBER(args, sqt_create_args, allow_hedge_mode))
        ex->allow_hedge = args->allow_hedge_mode != 0;
    if (sqt_kit_cfg_secret(&c, "api_key", ex->api_key, sizeof(ex->api_key), err) ||
        sqt_kit_cfg_secret(&c, "secret_key", ex->secret, sizeof(ex->secret), err))
        return err->code;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * life cycle
 * ---------------------------------------------------------------------------------- */

static void wipe_and_free(sqt_exchange *ex)
{
    OPENSSL_cleanse(ex->api_key, sizeof(ex->api_key));
    OPENSSL_cleanse(ex->secret, sizeof(ex->secret));
    free(ex);
}

static int gt_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                     sqt_exchange **out, sqt_error *err)
{
    sqt_exchange *ex;
    sqt_error scratch;
    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof(*err));
    if (api == NULL || out == NULL || api->struct_size < sizeof(sqt_host_api))
        return sqt_kit_fail(err, SQT_EINVAL, "gate: host services table too old or missing");
    if ((ex = calloc(1, sizeof(*ex))) == NULL)
        return sqt_kit_fail(err, SQT_ENOMEM, "gate: out of memory");
    ex->api = api;
    ex->host = host;
    ex->pos_mode = SQT_POSMODE_UNKNOWN;
    if (read_config(ex, args, err) != SQT_OK) {
        wipe_and_free(ex);
        return err->code;
    }
    ex->units.contract = ex->contract;
    sqt_gt_rest_init(ex);
    sqt_gt_streams_init(ex);
    sqt_gt_logf(ex, SQT_LOG_INFO, "gate %s (contract %s): rest %s, ws %s%s", ex->symbol,
                ex->contract, ex->rest_url, ex->ws_url,
                ex->allow_hedge ? ", dual (hedge) mode allowed" : "");
    *out = ex;
    return SQT_OK;
}

static int gt_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    if (ex == NULL || cb == NULL)
        return SQT_EINVAL;
    if (ex->closing)
        return SQT_ESTATE;
    ex->closing = 1;
    /* nothing completes the shutdown inside this call */
    sqt_kit_shut_begin(&ex->shut, ex->api, ex->host, drained, ex, cb, ud);
    sqt_gt_fees_stop(ex);
    sqt_kit_rest_cancel_all(&ex->rest);
    sqt_gt_streams_close_all(ex);
    sqt_kit_shut_end_call(&ex->shut);
    return SQT_OK;
}

static void gt_destroy(sqt_exchange *ex)
{
    if (ex == NULL)
        return;
    if (!drained(ex))
        sqt_gt_logf(ex, SQT_LOG_ERROR, "destroyed with requests or streams still open "
                    "(destroy before shutdown completed)");
    sqt_kit_shut_free(&ex->shut);
    sqt_gt_fees_stop(ex);
    sqt_kit_rest_free_all(&ex->rest);
    sqt_gt_streams_free_all(ex);
    wipe_and_free(ex);
}

static const sqt_exchange_api gt_api = {
    sizeof(sqt_exchange_api),
    SQT_EXF_NEEDS_API_KEY,
    gt_create,
    gt_shutdown,
    gt_destroy,
    sqt_gt_symbol_info,
    sqt_gt_account,
    sqt_gt_positions,
    sqt_gt_open_orders,
    sqt_gt_query_order,
    sqt_gt_place_orders,
    sqt_gt_cancel_orders,
    sqt_gt_cancel_own,
    sqt_gt_klines,
    sqt_gt_subscribe_price,
    sqt_gt_subscribe_orders,
    sqt_gt_subscribe_klines,
};

SQT_PLUGIN_DEFINE("gate", "1.0.0", "Gate.io USDT perpetual futures (API v4)", &gt_api)
