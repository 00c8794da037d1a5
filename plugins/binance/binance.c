/* Binance USDS-M futures plugin: configuration, life cycle and the exchange table.
 * Everything reaches the network through the host services; see bn.h for the modules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bn.h"

#define BN_DEFAULT_REST "https://fapi.binance.com"
/* the 2026 split: the legacy /ws and /stream paths stopped carrying user data and
 * aggTrade/kline (binance.md 1.1) */
#define BN_DEFAULT_WS_MARKET "wss://fstream.binance.com/market"
#define BN_DEFAULT_WS_PRIVATE "wss://fstream.binance.com/private"

/* ------------------------------------------------------------------------------------
 * shared helpers
 * ---------------------------------------------------------------------------------- */

void sqt_bn_logf(sqt_exchange *ex, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqt_kit_plugin_vlogf(&ex->kit, level, fmt, ap);
    va_end(ap);
}

void sqt_bn_set_err(sqt_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    memset(e, 0, sizeof(*e));
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

int64_t sqt_bn_wall(sqt_exchange *ex)
{
    return ex->kit.api->wall_ms(ex->kit.host);
}

/* ------------------------------------------------------------------------------------
 * configuration
 * ---------------------------------------------------------------------------------- */

static int read_config(sqt_exchange *ex, const sqt_create_args *args, sqt_error *err)
{
    static const char *const routing[] = {"routed", "legacy", NULL};
    sqt_kit_cfg c;
    int64_t recv = 5000;
    int legacy = 0;
    size_t i;
    if (args == NULL || !sqt_bn_symbol_ok(args->symbol)) {
        sqt_bn_set_err(err, SQT_EINVAL, "binance: symbol must be upper-case letters and digits "
                       "(e.g. ETHUSDT)");
        return err->code;
    }
    snprintf(ex->symbol, sizeof(ex->symbol), "%s", args->symbol);
    for (i = 0; ex->symbol[i] != '\0'; i++)
        ex->sym_lower[i] = (ex->symbol[i] >= 'A' && ex->symbol[i] <= 'Z')
                               ? (char)(ex->symbol[i] - 'A' + 'a')
                               : ex->symbol[i];
    ex->sym_lower[i] = '\0';
    c.api = ex->kit.api;
    c.host = ex->kit.host;
    c.block = args->exchange_name != NULL ? args->exchange_name : "binance";
    /* stream_routing: routed = the 2026 entry points (/private/ws?listenKey=..); legacy =
     * the user stream at /ws/<listenKey>, what the testnet and older SDKs use */
    if (sqt_kit_cfg_url_or(&c, "rest_url", BN_DEFAULT_REST, "https://", "http://", ex->rest_url,
                sizeof(ex->rest_url), err) ||
        sqt_kit_cfg_url_or(&c, "ws_market_url", BN_DEFAULT_WS_MARKET, "wss://", "ws://", ex->ws_market,
                sizeof(ex->ws_market), err) ||
        sqt_kit_cfg_url_or(&c, "ws_private_url", BN_DEFAULT_WS_PRIVATE, "wss://", "ws://", ex->ws_private,
                sizeof(ex->ws_private), err) ||
        sqt_kit_cfg_int(&c, "recv_window", 1, 60000, &recv, err) < 0 ||
        sqt_kit_cfg_enum(&c, "stream_routing", routing, &legacy, err) < 0 ||
        sqt_kit_cfg_str(&c, "broker_prefix", ex->prefix, sizeof(ex->prefix), err) < 0)
        return err->code;
    ex->recv_window = (int)recv;
    ex->legacy_routing = legacy;
    /* host settings (trading.allow_hedge_mode, timing.listen_key_keepalive_interval); a
     * listenKey lives 60 min, so a keep-alive must come sooner */
    ex->keepalive_ms = BN_KEEPALIVE_DEFAULT_MS;
    if (SQT_HAS_MEMBER(args, sqt_create_args, user_stream_keepalive_ms)) {
        int64_t k = args->user_stream_keepalive_ms;
        ex->allow_hedge = args->allow_hedge_mode != 0;
        if (k > 0)
            ex->keepalive_ms = (uint64_t)(k < BN_KEEPALIVE_MIN_MS   ? BN_KEEPALIVE_MIN_MS
                                          : k > BN_KEEPALIVE_MAX_MS ? BN_KEEPALIVE_MAX_MS
                                                                    : k);
    }
    ex->prefix_len = strlen(ex->prefix);
    if (ex->prefix_len > 0 && !sqt_kit_id_ok(ex->prefix, BN_PREFIX_MAX, BN_ID_CHARS)) {
        sqt_bn_set_err(err, SQT_EINVAL, "binance: broker_prefix may hold only "
                       "[.A-Za-z0-9:/_-] (at most %d characters)", BN_PREFIX_MAX);
        return err->code;
    }
    int krc = sqt_kit_plugin_secrets(&ex->kit, &c, 0, err);
    if (krc != SQT_OK)
        return krc;
    return sqt_kit_plugin_sign_key(&ex->kit, SQT_KIT_SHA256, err);
}

/* ------------------------------------------------------------------------------------
 * life cycle
 * ---------------------------------------------------------------------------------- */

/* create() after the kit allocated the record: config, streams, the REST engine */
static int setup(void *plugin, const sqt_create_args *args, sqt_error *err)
{
    sqt_exchange *ex = plugin;
    sqt_bn_streams_init(ex);
    ex->pos_mode = SQT_POSMODE_UNKNOWN;
    ex->limits.weight_1m = ex->limits.orders_1m = ex->limits.orders_10s = -1;
    if (read_config(ex, args, err) != SQT_OK)
        return err->code;
    sqt_bn_rest_init(ex);
    sqt_bn_logf(ex, SQT_LOG_INFO,
                "binance %s: rest %s, market %s, private %s, stream_routing %s, recvWindow "
                "%d, broker prefix \"%s\"%s",
                ex->symbol, ex->rest_url, ex->ws_market, ex->ws_private,
                ex->legacy_routing ? "legacy" : "routed", ex->recv_window, ex->prefix,
                ex->allow_hedge ? ", hedge mode allowed" : "");
    return SQT_OK;
}

static const sqt_kit_plugin_desc bn_desc = {"binance", sizeof(sqt_exchange), setup};

static int bn_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                     sqt_exchange **out, sqt_error *err)
{
    sqt_error scratch;
    if (err == NULL)
        err = &scratch;
    if (out == NULL)
        return sqt_kit_fail(err, SQT_EINVAL, "binance: nowhere to put the plugin");
    *out = sqt_kit_plugin_create(&bn_desc, api, host, args, err);
    return *out != NULL ? SQT_OK : err->code;
}

static int bn_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    int rc;
    if (ex == NULL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_plugin_shutdown(&ex->kit, cb, ud)) != SQT_OK)
        return rc;
    sqt_bn_streams_stop(ex);
    sqt_bn_lk_delete(ex); /* the last request: completion waits for it, bounded */
    sqt_kit_shut_end_call(&ex->kit.shut);
    return SQT_OK;
}

static void bn_destroy(sqt_exchange *ex)
{
    if (ex == NULL)
        return;
    sqt_bn_streams_stop(ex);
    sqt_kit_plugin_release(&ex->kit);
    sqt_kit_plugin_free(&ex->kit);
}

static const sqt_exchange_api bn_api = {
    sizeof(sqt_exchange_api),
    SQT_EXF_NEEDS_API_KEY,
    bn_create,
    bn_shutdown,
    bn_destroy,
    sqt_bn_symbol_info,
    sqt_bn_account,
    sqt_bn_positions,
    sqt_bn_open_orders,
    sqt_bn_query_order,
    sqt_bn_place_orders,
    sqt_bn_cancel_orders,
    sqt_bn_cancel_own,
    sqt_bn_klines,
    sqt_bn_subscribe_price,
    sqt_bn_subscribe_orders,
    sqt_bn_subscribe_klines,
    sqt_bn_warm,
};

SQT_PLUGIN_DEFINE("binance", "1.0.0", "Binance USDS-M futures", &bn_api)
