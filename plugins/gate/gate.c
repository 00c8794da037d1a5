/* Gate.io USDT-settled perpetual futures plugin (API v4): configuration, life cycle and
 * the exchange table. Everything reaches the network through the host services; see
 * gt.h. */
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
    va_list ap;
    va_start(ap, fmt);
    sqt_kit_plugin_vlogf(&ex->kit, level, fmt, ap);
    va_end(ap);
}

int64_t sqt_gt_wall(sqt_exchange *ex)
{
    return ex->kit.api->wall_ms(ex->kit.host);
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
    c.api = ex->kit.api;
    c.host = ex->kit.host;
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
    if ((rc = sqt_kit_plugin_secrets(&ex->kit, &c, 0, err)) != SQT_OK)
        return rc;
    return sqt_kit_plugin_sign_key(&ex->kit, SQT_KIT_SHA512, err);
}

/* ------------------------------------------------------------------------------------
 * life cycle
 * ---------------------------------------------------------------------------------- */

/* create() after the kit allocated the record: config, the REST engine, streams */
static int setup(void *plugin, const sqt_create_args *args, sqt_error *err)
{
    sqt_exchange *ex = plugin;
    ex->pos_mode = SQT_POSMODE_UNKNOWN;
    sqt_gt_streams_init(ex);
    if (read_config(ex, args, err) != SQT_OK)
        return err->code;
    ex->units.contract = ex->contract;
    sqt_gt_rest_init(ex);
    sqt_gt_logf(ex, SQT_LOG_INFO, "gate %s (contract %s): rest %s, ws %s%s", ex->symbol,
                ex->contract, ex->rest_url, ex->ws_url,
                ex->allow_hedge ? ", dual (hedge) mode allowed" : "");
    return SQT_OK;
}

static const sqt_kit_plugin_desc gt_desc = {"gate", sizeof(sqt_exchange), setup};

static int gt_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                     sqt_exchange **out, sqt_error *err)
{
    sqt_error scratch;
    if (err == NULL)
        err = &scratch;
    if (out == NULL)
        return sqt_kit_fail(err, SQT_EINVAL, "gate: nowhere to put the plugin");
    *out = sqt_kit_plugin_create(&gt_desc, api, host, args, err);
    return *out != NULL ? SQT_OK : err->code;
}

static int gt_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    int rc;
    if (ex == NULL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_plugin_shutdown(&ex->kit, cb, ud)) == SQT_OK) {
        /* the plugin's own timers: held order states and the ping */
        sqt_gt_fees_stop(ex);
        sqt_gt_streams_stop(ex);
        sqt_kit_shut_end_call(&ex->kit.shut);
    }
    return rc;
}

static void gt_destroy(sqt_exchange *ex)
{
    if (ex == NULL)
        return;
    sqt_gt_fees_stop(ex);
    sqt_gt_streams_stop(ex);
    sqt_kit_plugin_release(&ex->kit);
    sqt_kit_plugin_free(&ex->kit);
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
    sqt_gt_warm,
};

SQT_PLUGIN_DEFINE("gate", "1.0.0", "Gate.io USDT perpetual futures (API v4)", &gt_api)
