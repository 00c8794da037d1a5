/* Test plugins for the loader, one source built once per variant (-DTP_VARIANT=n):
 * a good one, and one for each way a descriptor can be wrong. Built with hidden
 * visibility like a real plugin. */
#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

#define TP_GOOD 1
#define TP_BAD_MAJOR 2
#define TP_NEWER_MINOR 3
#define TP_OLDER_MINOR 4
#define TP_NO_ENTRY 5
#define TP_BAD_SIG 6
#define TP_MISNAMED 7
#define TP_NULL_TABLE 8
#define TP_MISSING_FN 9
#define TP_SMALL_TABLE 10

#ifndef TP_VARIANT
#error "define TP_VARIANT"
#endif

/* ---- a trivial but complete exchange: it answers, but never trades ----------------- */

struct sqt_exchange {
    const sqt_host_api *api;
    sqt_host *host;
    sqt_done_cb done;          /* pending shutdown */
    void *done_ud;
};

static int tp_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                     sqt_exchange **out, sqt_error *err)
{
    sqt_exchange *ex;
    if (args == NULL || args->symbol == NULL || args->symbol[0] == '\0') {
        err->code = SQT_EINVAL;
        strcpy(err->message, "test plugin: no symbol given");
        return SQT_EINVAL;
    }
    ex = calloc(1, sizeof(*ex));
    if (ex == NULL) {
        err->code = SQT_ENOMEM;
        strcpy(err->message, "test plugin: out of memory");
        return SQT_ENOMEM;
    }
    ex->api = api;
    ex->host = host;
    *out = ex;
    return SQT_OK;
}

static void tp_shutdown_done(void *ud)
{
    sqt_exchange *ex = ud;
    sqt_done_cb cb = ex->done;
    ex->done = NULL;
    cb(ex->done_ud, NULL);
}

/* Nothing is in flight, but the callback must still come later, from the loop. */
static int tp_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    if (ex->done != NULL)
        return SQT_ESTATE;
    ex->done = cb;
    ex->done_ud = ud;
    if (ex->api->timer_start(ex->host, 0, 0, tp_shutdown_done, ex, NULL) != 0) {
        ex->done = NULL;
        return SQT_ENOMEM;
    }
    return SQT_OK;
}

static void tp_destroy(sqt_exchange *ex)
{
    free(ex);
}

static int tp_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int tp_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int tp_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int tp_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int tp_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                          sqt_orders_cb cb, void *ud)
{
    (void)ex, (void)client_id, (void)order_id, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

/* unused in the missing_fn variant, whose table leaves it out on purpose */
__attribute__((unused)) static int tp_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                           sqt_place_cb cb, void *ud)
{
    (void)reqs, (void)n, (void)cb, (void)ud;
    ex->api->log(ex->host, SQT_LOG_ERROR, "test plugin refuses orders: it is not an exchange");
    return SQT_ENOTSUP;
}

static int tp_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                            sqt_cancel_cb cb, void *ud)
{
    (void)ex, (void)reqs, (void)n, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int tp_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    (void)ex, (void)prefix, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int tp_klines(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                     sqt_klines_cb cb, void *ud)
{
    (void)ex, (void)symbol, (void)interval, (void)limit, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

SQT_HOT static int tp_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    (void)ex, (void)sink;
    return SQT_ENOTSUP;
}

static int tp_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    (void)ex, (void)sink;
    return SQT_ENOTSUP;
}

static int tp_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                               const char *interval, const sqt_kline_sink *sink)
{
    (void)ex, (void)symbols, (void)n, (void)interval, (void)sink;
    return SQT_ENOTSUP;
}

#if TP_VARIANT == TP_SMALL_TABLE
#define TP_TABLE_SIZE 16
#elif TP_VARIANT == TP_OLDER_MINOR
/* a table of before warm (members appended later are absent) */
#define TP_TABLE_SIZE offsetof(sqt_exchange_api, warm)
#else
#define TP_TABLE_SIZE sizeof(sqt_exchange_api)
#endif
#if TP_VARIANT == TP_MISSING_FN
#define TP_PLACE NULL
#else
#define TP_PLACE tp_place_orders
#endif

static const sqt_exchange_api tp_api = {
    TP_TABLE_SIZE,
    SQT_EXF_NEEDS_API_KEY,
    tp_create,
    tp_shutdown,
    tp_destroy,
    tp_symbol_info,
    tp_account,
    tp_positions,
    tp_open_orders,
    tp_query_order,
    TP_PLACE,
    tp_cancel_orders,
    tp_cancel_own,
    tp_klines,
    tp_subscribe_price,
    tp_subscribe_orders,
    tp_subscribe_klines,
    NULL, /* warm: optional */
};

/* ---- the descriptor ---------------------------------------------------------------- */

#if TP_VARIANT == TP_GOOD
/* The good one uses the SDK macro, as a real plugin does. */
SQT_PLUGIN_DEFINE("good", "1.2.3", "loader test plugin: complete table, refuses orders",
                  &tp_api)
#else

#define TP_MAJOR SQT_PLUGIN_ABI_MAJOR
#define TP_MINOR SQT_PLUGIN_ABI_MINOR
#define TP_SIG SQT_BUILD_SIGNATURE
#define TP_TABLE (&tp_api)

#if TP_VARIANT == TP_BAD_MAJOR
#define TP_NAME "bad_major"
#undef TP_MAJOR
#define TP_MAJOR (SQT_PLUGIN_ABI_MAJOR + 1)
#elif TP_VARIANT == TP_NEWER_MINOR
#define TP_NAME "newer_minor"
#undef TP_MINOR
#define TP_MINOR (SQT_PLUGIN_ABI_MINOR + 1)
#elif TP_VARIANT == TP_OLDER_MINOR
#define TP_NAME "older_minor"
#undef TP_MINOR
#define TP_MINOR (SQT_PLUGIN_ABI_MINOR - 1)
#elif TP_VARIANT == TP_NO_ENTRY
#define TP_NAME "no_entry"
#elif TP_VARIANT == TP_BAD_SIG
#define TP_NAME "bad_sig"
#undef TP_SIG
#define TP_SIG "sqt1,p32,be,dec=f64"
#elif TP_VARIANT == TP_MISNAMED
#define TP_NAME "other"
#elif TP_VARIANT == TP_NULL_TABLE
#define TP_NAME "null_table"
#undef TP_TABLE
#define TP_TABLE NULL
#elif TP_VARIANT == TP_MISSING_FN
#define TP_NAME "missing_fn"
#elif TP_VARIANT == TP_SMALL_TABLE
#define TP_NAME "small_table"
#else
#error "unknown TP_VARIANT"
#endif

static const sqt_plugin tp_desc = {
    TP_MAJOR, TP_MINOR, sizeof(sqt_plugin), TP_SIG, TP_NAME, "0.0.1", "loader test plugin",
    TP_TABLE, {0, 0, 0, 0}};

#if TP_VARIANT == TP_NO_ENTRY
/* Same function, not exported: the loader must not find it. */
const sqt_plugin *sqt_plugin_entry(void);
const sqt_plugin *sqt_plugin_entry(void)
#else
SQT_EXPORT const sqt_plugin *sqt_plugin_entry(void);
SQT_EXPORT const sqt_plugin *sqt_plugin_entry(void)
#endif
{
    (void)tp_api;
    return &tp_desc;
}
#endif
