/* Bitget USDT-M futures plugin (mix API v2): configuration, life cycle and the exchange
 * table. Everything reaches the network through the host services; see bg.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg.h"

#define BG_DEFAULT_REST "https://api.bitget.com"
#define BG_DEFAULT_WS_PUBLIC "wss://ws.bitget.com/v2/ws/public"
#define BG_DEFAULT_WS_PRIVATE "wss://ws.bitget.com/v2/ws/private"
/* demo trading, current scheme (bitget.md 11): production REST + paptrading: 1 */
#define BG_DEMO_WS_PUBLIC "wss://wspap.bitget.com/v2/ws/public"
#define BG_DEMO_WS_PRIVATE "wss://wspap.bitget.com/v2/ws/private"
#define BG_DEFAULT_CHANNEL "3xh1b" /* the original's broker code (not signed) */

void sqt_bg_logf(sqt_exchange *ex, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqt_kit_plugin_vlogf(&ex->kit, level, fmt, ap);
    va_end(ap);
}

int64_t sqt_bg_wall(sqt_exchange *ex)
{
    return ex->kit.api->wall_ms(ex->kit.host);
}

/* ------------------------------------------------------------------------------------
 * configuration: the original's exchanges.bitget block (api_key, secret_key,
 * passphrase) loads unchanged; every other key is optional
 * ---------------------------------------------------------------------------------- */

/* upper-case letters, digits and '-' (USDT-FUTURES, SUSDT) */
static int name_ok(const char *s)
{
    size_t i;
    if (s[0] == '\0')
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static int read_config(sqt_exchange *ex, const sqt_create_args *args, sqt_error *err)
{
    sqt_kit_cfg c;
    int demo = 0, rc;
    if (args == NULL || !sqt_bg_symbol_ok(args->symbol))
        return sqt_kit_fail(err, SQT_EINVAL, "bitget: symbol must be upper-case letters and "
                            "digits (e.g. ETHUSDT)");
    snprintf(ex->symbol, sizeof(ex->symbol), "%s", args->symbol);
    c.api = ex->kit.api;
    c.host = ex->kit.host;
    c.block = args->exchange_name != NULL ? args->exchange_name : "bitget";
    if (sqt_kit_cfg_bool(&c, "demo", &demo, err) < 0)
        return err->code;
    ex->demo = demo;
    snprintf(ex->product_type, sizeof(ex->product_type), "USDT-FUTURES");
    snprintf(ex->margin_coin, sizeof(ex->margin_coin), "USDT");
    snprintf(ex->margin_mode, sizeof(ex->margin_mode), "crossed");
    snprintf(ex->channel_code, sizeof(ex->channel_code), "%s", BG_DEFAULT_CHANNEL);
    if (sqt_kit_cfg_url_or(&c, "rest_url", BG_DEFAULT_REST, "https://", "http://", ex->rest_url,
                sizeof(ex->rest_url), err) ||
        sqt_kit_cfg_url_or(&c, "ws_public_url", demo ? BG_DEMO_WS_PUBLIC : BG_DEFAULT_WS_PUBLIC, "wss://",
                "ws://", ex->ws_public, sizeof(ex->ws_public), err) ||
        sqt_kit_cfg_url_or(&c, "ws_private_url", demo ? BG_DEMO_WS_PRIVATE : BG_DEFAULT_WS_PRIVATE,
                "wss://", "ws://", ex->ws_private, sizeof(ex->ws_private), err) ||
        sqt_kit_cfg_str(&c, "product_type", ex->product_type, sizeof(ex->product_type), err) < 0 ||
        sqt_kit_cfg_str(&c, "margin_coin", ex->margin_coin, sizeof(ex->margin_coin), err) < 0 ||
        (rc = sqt_kit_cfg_str(&c, "channel_code", ex->channel_code, sizeof(ex->channel_code),
                              err)) < 0)
        return err->code;
    if (!name_ok(ex->product_type) || !name_ok(ex->margin_coin))
        return sqt_kit_fail(err, SQT_EINVAL, "exchanges.%s: product_type and margin_coin are "
                            "upper case (USDT-FUTURES, USDT)", c.block);
    if (rc == 1 && strspn(ex->channel_code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789") != strlen(ex->channel_code))
        return sqt_kit_fail(err, SQT_EINVAL, "exchanges.%s.channel_code: letters and digits "
                            "only", c.block);
    if (SQT_HAS_MEMBER(args, sqt_create_args, allow_hedge_mode))
        ex->allow_hedge = args->allow_hedge_mode != 0;
    int krc = sqt_kit_plugin_secrets(&ex->kit, &c, 1, err);
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
    ex->pos_mode = SQT_POSMODE_UNKNOWN;
    sqt_bg_streams_init(ex);
    if (read_config(ex, args, err) != SQT_OK)
        return err->code;
    sqt_bg_rest_init(ex);
    sqt_bg_logf(ex, SQT_LOG_INFO, "bitget %s: rest %s, public %s, private %s, productType %s, "
                "marginCoin %s%s%s",
                ex->symbol, ex->rest_url, ex->ws_public, ex->ws_private, ex->product_type,
                ex->margin_coin, ex->demo ? ", demo trading (paptrading: 1)" : "",
                ex->allow_hedge ? ", hedge mode allowed" : "");
    return SQT_OK;
}

static const sqt_kit_plugin_desc bg_desc = {"bitget", sizeof(sqt_exchange), setup};

static int bg_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                     sqt_exchange **out, sqt_error *err)
{
    sqt_error scratch;
    if (err == NULL)
        err = &scratch;
    if (out == NULL)
        return sqt_kit_fail(err, SQT_EINVAL, "bitget: nowhere to put the plugin");
    *out = sqt_kit_plugin_create(&bg_desc, api, host, args, err);
    return *out != NULL ? SQT_OK : err->code;
}

static int bg_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    int rc;
    if (ex == NULL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_plugin_shutdown(&ex->kit, cb, ud)) == SQT_OK)
        sqt_kit_shut_end_call(&ex->kit.shut);
    return rc;
}

static void bg_destroy(sqt_exchange *ex)
{
    if (ex == NULL)
        return;
    sqt_kit_plugin_release(&ex->kit);
    sqt_kit_plugin_free(&ex->kit);
}

static const sqt_exchange_api bg_api = {
    sizeof(sqt_exchange_api),
    SQT_EXF_NEEDS_API_KEY | SQT_EXF_NEEDS_PASSPHRASE,
    bg_create,
    bg_shutdown,
    bg_destroy,
    sqt_bg_symbol_info,
    sqt_bg_account,
    sqt_bg_positions,
    sqt_bg_open_orders,
    sqt_bg_query_order,
    sqt_bg_place_orders,
    sqt_bg_cancel_orders,
    sqt_bg_cancel_own,
    sqt_bg_klines,
    sqt_bg_subscribe_price,
    sqt_bg_subscribe_orders,
    sqt_bg_subscribe_klines,
    sqt_bg_warm,
};

SQT_PLUGIN_DEFINE("bitget", "1.0.0", "Bitget USDT-M futures (mix API v2)", &bg_api)
